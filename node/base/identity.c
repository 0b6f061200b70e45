/*  identity.c -- node keys and the ZAP handler's certificate directory (see
    identity.h).
*/
#include <czmq.h>
#include <errno.h>
#include <sys/stat.h>
#include "node/base/logfmt.h"
#include "node/base/identity.h"
#include "proto/seal.h"

static int
s_mkdir (const char *path, char *why, size_t why_size)
{
    if (mkdir (path, 0700) == 0 || errno == EEXIST)
        return ERR_OK;
    snprintf (why, why_size, "cannot create %s: %s", path, strerror (errno));
    return ERR_IO;
}

//  Loads the key file path into k (with its secrets if need_secret),
//  creating it (code, name) if there is none.  ERR_OK, or an err_t with
//  why set.
static int
s_load_or_create (keyfile_t *k, const char *path, const char *code, const char *name,
                  bool need_secret, bool *created, char *why, size_t why_size)
{
    char detail [900];
    *created = false;
    int rc = keyfile_load_why (k, path, detail, sizeof detail);
    if (rc == ERR_IO && access (path, F_OK) != 0) {
        if ((rc = keyfile_generate (k, code, name)) != ERR_OK
        ||  (rc = keyfile_save (k, path, true)) != ERR_OK) {
            snprintf (why, why_size, "cannot create %s", path);
            return rc;
        }
        *created = true;
        return ERR_OK;
    }
    if (rc == ERR_OK && need_secret && !k->has_secret) {
        snprintf (detail, sizeof detail, "public parts only");
        rc = ERR_MALFORMED;
    }
    if (rc == ERR_FORBIDDEN)
        snprintf (why, why_size, "%s", detail);     //  names the chmod to run
    else
    if (rc != ERR_OK)
        snprintf (why, why_size, "%s is unreadable or has no secret keys (%s): restore it from "
                  "backup or move the data directory aside", path, detail);
    return rc;
}

//  Every failure wipes what was loaded (STYLE 4: on every exit path).
int
identity_open (identity_t *id, const config_t *cfg, char *why, size_t why_size)
{
    char path [700];
    bool created;
    memset (id, 0, sizeof *id);
    int rc = s_mkdir (cfg->data_dir, why, why_size);
    if (rc != ERR_OK)
        goto cleanup;
    snprintf (id->allowed_dir, sizeof id->allowed_dir, "%s/allowed", cfg->data_dir);
    if ((rc = s_mkdir (id->allowed_dir, why, why_size)) != ERR_OK)
        goto cleanup;

    snprintf (path, sizeof path, "%s/node.key", cfg->data_dir);
    rc = s_load_or_create (&id->node, path, cfg->division, cfg->name, true, &created,
                           why, why_size);
    if (rc != ERR_OK)
        goto cleanup;
    if (created)
        logfmt_msgf (LOGFMT_INFO, "created node identity for division %s in %s", cfg->division, path);
    if (strcmp (id->node.code, cfg->division) != 0) {
        snprintf (why, why_size, "%s belongs to division %s but the configuration says %s",
                  path, id->node.code, cfg->division);
        rc = ERR_BAD_FIELD;
        goto cleanup;
    }
    //  node.pub always reflects the configured endpoint.
    keyfile_t pub = id->node;
    snprintf (pub.endpoint, sizeof pub.endpoint, "%s", cfg->listen);
    snprintf (path, sizeof path, "%s/node.pub", cfg->data_dir);
    rc = keyfile_save (&pub, path, false);
    keyfile_wipe (&pub);
    if (rc != ERR_OK) {
        snprintf (why, why_size, "cannot write %s", path);
        goto cleanup;
    }

    snprintf (path, sizeof path, "%s/admin.key", cfg->data_dir);
    rc = s_load_or_create (&id->admin, path, "admin", "operator", false, &created,
                           why, why_size);
    if (rc == ERR_OK && (rc = identity_allow (id, "admin", id->admin.curve_pk)) != ERR_OK)
        snprintf (why, why_size, "cannot write %s/admin.cert", id->allowed_dir);
cleanup:
    if (rc != ERR_OK)
        identity_wipe (id);
    return rc;
}

int
identity_allow (identity_t *id, const char *name, const char *curve_pk)
{
    uint8_t pk [32], sk [32] = { 0 };
    if (strlen (curve_pk) != 40 || !zmq_z85_decode (pk, curve_pk))
        return ERR_MALFORMED;
    zcert_t *cert = zcert_new_from (pk, sk);
    if (!cert)
        return ERR_NOMEM;
    zcert_set_meta (cert, "name", "%s", name);
    char path [800], tmp [820];
    snprintf (path, sizeof path, "%s/%s.cert", id->allowed_dir, name);
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    int rc = zcert_save_public (cert, tmp) == 0 && rename (tmp, path) == 0? ERR_OK: ERR_IO;
    zcert_destroy (&cert);
    return rc;
}

void
identity_disallow (identity_t *id, const char *name)
{
    char path [800];
    snprintf (path, sizeof path, "%s/%s.cert", id->allowed_dir, name);
    remove (path);
}

void
identity_wipe (identity_t *id)
{
    keyfile_wipe (&id->node);
    keyfile_wipe (&id->admin);
}

zsock_t *
identity_router (identity_t *id, const char *endpoint, const char *domain, int64_t maxmsg,
                 int sndhwm, int rcvhwm, int linger, char *why, size_t why_size)
{
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    if (!router) {
        snprintf (why, why_size, "cannot create a socket");
        return NULL;
    }
    //  Straight into libzmq (which keeps its own copy): no czmq certificate
    //  holding the secret, freed unwiped.
    zsock_set_curve_publickey (router, id->node.curve_pk);
    zsock_set_curve_secretkey (router, id->node.curve_sk);
    zsock_set_curve_server (router, 1);
    zsock_set_zap_domain (router, domain);
    zsock_set_maxmsgsize (router, (int) maxmsg);
    zsock_set_router_mandatory (router, 1);
    zsock_set_sndhwm (router, sndhwm);
    zsock_set_rcvhwm (router, rcvhwm);
    zsock_set_linger (router, linger);
    if (zsock_bind (router, "%s", endpoint) < 0) {
        snprintf (why, why_size, "cannot listen on %s: %s", endpoint, zmq_strerror (zmq_errno ()));
        zsock_destroy (&router);
    }
    return router;
}
