/*  admission.c -- the admitted-key set from the registry (see admission.h).

    Keys that are not 32 bytes (or Z85 that does not decode) are left
    out: they could never complete a CURVE handshake anyway.
*/
#include "node/links/admission.h"
#include "node/store/views_revoke.h"
#include "proto/authority.h"

typedef struct {
    zap_keys_t *keys;               //  the set being built
    int rc;                         //  first error, ERR_OK so far
    char what [96];                 //  what failed
} s_build_t;

static void
s_put (s_build_t *b, const ProtobufCBinaryData *key, const char *name, bool admit)
{
    if (b->rc != ERR_OK || key->len != 32)
        return;
    int rc = admit? zap_keys_admit (b->keys, key->data, name): zap_keys_revoke (b->keys, key->data, name);
    if (rc != ERR_OK) {
        b->rc = rc;
        snprintf (b->what, sizeof b->what, "the key of %s", name);
    }
}

static void
s_put_z85 (s_build_t *b, const char *z85, const char *name, bool admit)
{
    uint8_t key [32];
    ProtobufCBinaryData k = { 32, key };
    if (strlen (z85) == 40 && zmq_z85_decode (key, z85))
        s_put (b, &k, name, admit);
}

static void
s_on_department (void *arg, const Lic__Department *d)
{
    s_build_t *b = (s_build_t *) arg;
    for (size_t i = 0; i < d->n_revoked_curve_keys; i++)
        s_put (b, &d->revoked_curve_keys [i], d->credit_code, false);
    s_put (b, &d->curve_key, d->credit_code, true);
}

static void
s_on_app_body (void *arg, const Lic__AppBody *body)
{
    s_build_t *b = (s_build_t *) arg;
    char name [ZAP_NAME_MAX];
    snprintf (name, sizeof name, "app-%s", body->credit_code);
    for (size_t i = 0; i < body->n_revoked_keys; i++)
        s_put (b, &body->revoked_keys [i], name, false);
    s_put (b, &body->curve_key, name, !body->revoked);
}

int
admission_build (zap_keys_t **out, views_t *views, const char *division,
                 const char *admin_curve_pk, const config_peer_t *children, int n_children,
                 char *why, size_t why_size)
{
    s_build_t b = { zap_keys_new (), ERR_OK, "" };
    if (!b.keys) {
        snprintf (why, why_size, "out of memory");
        return ERR_NOMEM;
    }
    s_put_z85 (&b, admin_curve_pk, "admin", true);
    //  A child whose configured signing key this node revoked is not
    //  admitted until the configuration gives it a new key: a session
    //  carries no origin seq to place before the point.
    for (int i = 0; i < n_children; i++) {
        const Lic__NodeRecord *rev = views_node_revocation (views, children [i].division,
                                                            children [i].sign_pk, 32);
        char why_not [320];
        bool admit = authority_node_key_current (rev, children [i].division, "replication session",
                                                 why_not, sizeof why_not) == ERR_OK;
        s_put_z85 (&b, children [i].curve_pk, children [i].division, admit);
    }
    views_each_department (views, division, s_on_department, &b);
    views_each_app_body (views, division, s_on_app_body, &b);
    if (b.rc != ERR_OK) {
        snprintf (why, why_size, "admitted keys not built at %s: %s", b.what, err_str (b.rc));
        zap_keys_destroy (&b.keys);
        return b.rc;
    }
    *out = b.keys;
    return ERR_OK;
}
