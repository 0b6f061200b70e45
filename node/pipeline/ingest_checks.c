/*  ingest_checks.c -- the checks of a signed event that every path runs
    after its signature is verified: at the door (ingest_requests.c, in
    the order ingest.h gives) and on a child's entries (replica.c).
    Declared in ingest_ops.h; moved from ingest_requests.c as they were.
*/
#include <time.h>
#include "node/base/logfmt.h"
#include "proto/authority.h"
#include "proto/codec.h"
#include "proto/lifecycle.h"
#include "proto/seal.h"
#include "proto/catalogue.h"
#include "proto/disclose.h"
#include "proto/entrykind.h"
#include "node/pipeline/ingest_ops.h"
#include "node/pipeline/lateness.h"
#include "node/store/files.h"

//  The checks of a signed event after its signature was verified (in the
//  order of proto/evcheck.h and ingest.h).  With dup_seq, a duplicate (same key, same
//  body) is recognised first: returns ERR_EXISTS with *dup_seq set.
//  Returns ERR_OK or the refusal, why saying more.
//  A predecessor issued by a department registered at the origin is in the
//  origin's own view, so it must exist there (and at every level, which
//  applies the origin's entries in its order); one issued elsewhere may
//  not be known here and is checked for form only (evcheck).
static int
s_check_predecessor (ingest_t *self, const char *division, const Lic__Event *ev,
                     char *why, size_t why_size)
{
    const char *pred = ev->content? ev->content->predecessor_id: NULL;
    licid_t id;
    if (!pred || !*pred || licid_parse (pred, &id, NULL, 0) != ERR_OK
    ||  !views_department (ingest_views (self), division, id.issuer))
        return ERR_OK;
    uint8_t *state = NULL;
    size_t len;
    int rc = views_license (ingest_views (self), id.bare, &state, &len);
    free (state);
    if (rc == ERR_NOT_FOUND)
        snprintf (why, why_size, "predecessor %s was issued by department %s of node %s but "
                  "does not exist there", id.bare, id.issuer, division);
    return rc;
}

int
ingest_check_event (ingest_t *self, const char *division, const Lic__Envelope *env,
                    const verify_task_t *t, uint64_t *dup_seq, char *why, size_t why_size)
{
    const Lic__Department *dept;
    char hex [65];
    int rc = views_signer (ingest_views (self), division, env->key_id.data, &dept);
    if (rc != ERR_OK) {
        seal_hex (hex, env->key_id.data, 32);
        snprintf (why, why_size, "signing key %s is %s %s", hex,
                  rc == ERR_KEY_REVOKED? "revoked at": "not registered at", division);
        return rc;
    }
    if (t->sig_rc != ERR_OK) {
        snprintf (why, why_size, "signature does not verify against key of department %s",
                  dept->credit_code);
        return ERR_BAD_SIGNATURE;
    }
    if (t->decode_rc != ERR_OK) {
        snprintf (why, why_size, "event body does not decode as lic.Event (%s)",
                  err_str (t->decode_rc));
        return t->decode_rc;
    }
    const Lic__Event *ev = t->ev;
    if (dup_seq) {
        rc = views_find_duplicate (ingest_views (self), env, ev, dup_seq);
        if (rc == ERR_OK)
            return ERR_EXISTS;
        if (rc != ERR_NOT_FOUND) {
            snprintf (why, why_size, "cannot tell whether this event was accepted before "
                      "(reading its license's history: %s)", err_str (rc));
            return rc;
        }
    }
    //  The type this department may issue: from the id the verifier
    //  parsed when the body passed its checks (then license_id is that
    //  bare id), else parsed here, as a body that failed them still
    //  answers for its type first.
    licid_t parsed;
    const licid_t *id = t->check_rc == ERR_OK? &t->id
                      : licid_parse (ev->license_id, &parsed, NULL, 0) == ERR_OK? &parsed: NULL;
    if (id && !views_type_allowed (dept, id->type_code)) {
        snprintf (why, why_size, "department %s may not issue license type %s",
                  dept->credit_code, id->type_code);
        return ERR_TYPE_NOT_ALLOWED;
    }
    if (t->check_rc != ERR_OK) {
        snprintf (why, why_size, "%s", t->check_why);
        return t->check_rc;
    }
    if (strcmp (ev->license_id, t->id.bare) != 0) {
        snprintf (why, why_size, "event bodies carry the bare license id %s", t->id.bare);
        return ERR_BAD_LICENSE_ID;
    }
    if (strcmp (ev->issuer_code, dept->credit_code) != 0) {
        snprintf (why, why_size, "event names issuer %s but is signed by department %s",
                  ev->issuer_code, dept->credit_code);
        return ERR_ISSUER_MISMATCH;
    }
    return s_check_predecessor (self, division, ev, why, why_size);
}

int
ingest_check_catalogue (ingest_t *self, const char *origin, const Lic__Event *ev,
                        const Lic__Envelope *env, bool need_values, char *why, size_t why_size)
{
    if (ev->op != LIC__OP__OP_ISSUE && ev->op != LIC__OP__OP_ALTER)
        return disclose_check (NULL, ev->content, env->disclosures, env->n_disclosures,
                               need_values, why, why_size);
    const Lic__LicenseType *t = views_type (ingest_views (self), origin, ev->license_id);
    if (!t) {
        snprintf (why, why_size, "license type %.21s is not in the catalogue of node %s",
                  ev->license_id, origin);
        return ERR_UNKNOWN_TYPE;
    }
    if (t->withdrawn) {
        snprintf (why, why_size, "license type %s version %u is withdrawn", t->type_code, t->version);
        return ERR_UNKNOWN_TYPE;
    }
    int rc = disclose_check (t, ev->content, env->disclosures, env->n_disclosures,
                             need_values, why, why_size);
    if (rc == ERR_OK)
        rc = catalogue_check_disclosed (t, ev->content, env->disclosures,
                                        env->n_disclosures, why, why_size);
    return rc;
}
