/*  views_registry.c -- the registry views (see views.h; key layouts in
    proto/FORMAT.md section 2): departments and their signing keys,
    application bodies, node records, and the signed envelopes of each
    that archived copies carry.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "node/base/logfmt.h"
#include "proto/authority.h"
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "proto/seal.h"
#include "node/store/views_int.h"
#include "node/store/views_revoke.h"

//  Registry key of the signed node record that gave `division` signing
//  key `key`: "env/node/" division "/" hex key.
#define S_NODE_ENV_KEY (4 + 5 + 15 + 1 + 64 + 1)
static void
s_node_env_key (char ekey [S_NODE_ENV_KEY], const char *division, const uint8_t key [32])
{
    char hex [65];
    seal_hex (hex, key, 32);
    snprintf (ekey, S_NODE_ENV_KEY, VIEWS_ENV_PREFIX "node/%.15s/%s", division, hex);
}

//  Meta key of this node's own record for its signing key `key`, as its
//  parent sent it: "node/" hex key (not derived from the log).
#define S_OWN_RECORD_KEY (5 + 65)
static size_t
s_own_record_key (char mkey [S_OWN_RECORD_KEY], const uint8_t key [32])
{
    memcpy (mkey, "node/", 5);
    seal_hex (mkey + 5, key, 32);
    return 5 + 64;
}
// ---------------------------------------------------------------------
//  Registry

//  Departments are registered per node: a registration made at division
//  D speaks for D only, so a child cannot use or replace the departments
//  of another node (its parent's included).
static int
s_registry_install (views_t *self, Lic__Registration *reg)
{
    const Lic__Department *dept = reg->department;
    char key [64];
    views_key_div (key, sizeof key, reg->division, dept->credit_code);
    //  Drop the signers of an earlier record of the same department.
    Lic__Registration *old = (Lic__Registration *) zhashx_lookup (self->depts, key);
    if (old) {
        zlist_t *gone = zlist_new ();
        for (views_signer_t *s = (views_signer_t *) zhashx_first (self->signers); s;
             s = (views_signer_t *) zhashx_next (self->signers))
            if (s->dept == old->department)
                zlist_append (gone, (void *) zhashx_cursor (self->signers));
        for (char *k = (char *) zlist_first (gone); k; k = (char *) zlist_next (gone))
            zhashx_delete (self->signers, k);
        zlist_destroy (&gone);
    }
    zhashx_update (self->depts, key, reg);
    char hex [65], skey [96];
    for (int pass = 0; pass < 2; pass++) {
        size_t n = pass? dept->n_revoked_keys: dept->n_sign_keys;
        const ProtobufCBinaryData *keys = pass? dept->revoked_keys: dept->sign_keys;
        for (size_t i = 0; i < n; i++) {
            if (keys [i].len != 32)
                continue;
            views_signer_t *s = calloc (1, sizeof *s);
            if (!s)
                return ERR_NOMEM;
            s->dept = dept;
            s->revoked = pass == 1;
            seal_hex (hex, keys [i].data, 32);
            views_key_div (skey, sizeof skey, reg->division, hex);
            zhashx_update (self->signers, skey, s);
        }
    }
    return ERR_OK;
}


//  Installs an application body's registration (owned from here on),
//  replacing an earlier one of the same body and its key.
static int
s_app_install (views_t *self, Lic__AppBodyRegistration *app)
{
    char key [64], hex [65], kkey [96];
    views_key_div (key, sizeof key, app->division, app->body->credit_code);
    Lic__AppBodyRegistration *old = (Lic__AppBodyRegistration *) zhashx_lookup (self->apps, key);
    if (old && old->body->curve_key.len == 32) {
        seal_hex (hex, old->body->curve_key.data, 32);
        views_key_div (kkey, sizeof kkey, old->division, hex);
        zhashx_delete (self->app_keys, kkey);
    }
    zhashx_update (self->apps, key, app);
    if (app->body->curve_key.len == 32 && !app->body->revoked) {
        seal_hex (hex, app->body->curve_key.data, 32);
        views_key_div (kkey, sizeof kkey, app->division, hex);
        zhashx_update (self->app_keys, kkey, app);
    }
    return ERR_OK;
}

//  Keeps the signed envelope of a registry entry under key, so an
//  archived copy can carry it exactly as it was signed.
int
views_int_put_body (store_batch_t *batch, store_cf_t cf, const void *key, size_t kl,
                    int kind, const void *body, void **copy)
{
    const entrykind_t *row = entrykind_of (kind);
    uint8_t *buf;
    size_t len;
    int rc = row? row->encode (body, &buf, &len): ERR_MALFORMED;
    if (rc != ERR_OK)
        return rc;
    store_batch_put (batch, cf, key, kl, buf, len);
    if (copy)
        rc = row->decode (buf, len, copy);
    free (buf);
    return rc;
}

int
views_int_put_envelope (store_batch_t *batch, const char *key, const Lic__Envelope *env)
{
    uint8_t *buf;
    size_t len;
    int rc = codec_envelope_encode (env, &buf, &len);
    if (rc != ERR_OK)
        return rc;
    store_batch_put (batch, STORE_CF_REGISTRY, key, strlen (key), buf, len);
    free (buf);
    return ERR_OK;
}

int
views_int_node_install (views_t *self, const char *division, const uint8_t *pk, const char *parent)
{
    views_node_t *n = calloc (1, sizeof *n);
    if (!n)
        return ERR_NOMEM;
    memcpy (n->pk, pk, 32);
    snprintf (n->parent, sizeof n->parent, "%s", parent);
    zhashx_update (self->nodes, division, n);
    return ERR_OK;
}

int
views_int_registry_load (views_t *self)
{
    int rc = ERR_OK;
    zhashx_purge (self->signers);
    zhashx_purge (self->depts);
    zhashx_purge (self->app_keys);
    zhashx_purge (self->apps);
    views_int_revocations_purge (self);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_REGISTRY, NULL, 0, NULL, 0);
    if (!it)
        return ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    size_t np = strlen (VIEWS_NODE_PREFIX);
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, &v, &vl)) {
        if (kl > np && memcmp (k, VIEWS_NODE_PREFIX, np) == 0) {
            Lic__NodeRecord *rec = NULL;
            char why [256];
            if (codec_node_record_decode (v, vl, &rec) != ERR_OK || rec->sign_key.len != 32)
                rc = ERR_CORRUPT;
            else
            if (authority_node_record (rec->parent_division, rec, NULL, why, sizeof why) != ERR_OK)
                //  Stored by a version that did not check (proto/authority.h): a
                //  record that breaks the rules vouches for nothing.
                logfmt_msgf (LOGFMT_WARN, "registry: node record of %s ignored: %s",
                             rec->division, why);
            else
            if (!zhashx_lookup (self->nodes, rec->division))    //  configuration wins
                rc = views_int_node_install (self, rec->division, rec->sign_key.data, rec->parent_division);
            codec_node_record_free (&rec);
            continue;
        }
        if (kl > 4 && memcmp (k, VIEWS_ENV_PREFIX, 4) == 0)
            continue;           //  signed envelopes, read on demand
        if (kl > 8 && memcmp (k, VIEWS_REVOKED_PREFIX, 8) == 0) {
            rc = views_int_revocation_load (self, v, vl);
            continue;
        }
        if (kl > 4 && memcmp (k, VIEWS_APP_PREFIX, 4) == 0) {
            Lic__AppBodyRegistration *app = NULL;
            if (codec_app_body_registration_decode (v, vl, &app) != ERR_OK || !app->body)
                rc = ERR_CORRUPT;
            else
                rc = s_app_install (self, app);
            if (rc != ERR_OK)
                codec_app_body_registration_free (&app);
            continue;
        }
        Lic__Registration *reg = NULL;
        if (codec_registration_decode (v, vl, &reg) != ERR_OK || !reg->department)
            rc = ERR_CORRUPT;
        else
            rc = s_registry_install (self, reg);
        if (rc != ERR_OK)
            codec_registration_free (&reg);
    }
    store_iter_destroy (&it);
    if (rc != ERR_OK)
        return rc;
    return views_int_origins_load (self);
}

int
views_signer (views_t *self, const char *division, const uint8_t pk [32],
              const Lic__Department **dept)
{
    char hex [65], key [96];
    seal_hex (hex, pk, 32);
    views_key_div (key, sizeof key, division, hex);
    views_signer_t *s = (views_signer_t *) zhashx_lookup (self->signers, key);
    if (!s)
        return ERR_UNKNOWN_KEY;
    if (s->revoked)
        return ERR_KEY_REVOKED;
    *dept = s->dept;
    return ERR_OK;
}

const Lic__Department *
views_department (views_t *self, const char *division, const char *credit_code)
{
    char key [64];
    views_key_div (key, sizeof key, division, credit_code);
    Lic__Registration *reg = (Lic__Registration *) zhashx_lookup (self->depts, key);
    return reg? reg->department: NULL;
}

bool
views_type_allowed (const Lic__Department *dept, const char *type_code)
{
    for (size_t i = 0; i < dept->n_license_types; i++)
        if (strlen (dept->license_types [i]) == 21
        &&  memcmp (dept->license_types [i], type_code, 21) == 0)
            return true;
    return false;
}

static bool
s_has_key (const ProtobufCBinaryData *keys, size_t n, const ProtobufCBinaryData *k)
{
    for (size_t i = 0; i < n; i++)
        if (keys [i].len == k->len && memcmp (keys [i].data, k->data, k->len) == 0)
            return true;
    return false;
}

//  "ab12cd34ef56a7b8" (first 8 bytes in hex): how logs and errors name a key.
static void
s_key_fp (char out [17], const ProtobufCBinaryData *k)
{
    uint8_t head [8] = { 0 };
    memcpy (head, k->data, k->len < 8? k->len: 8);
    seal_hex (out, head, 8);
}

//  "2026-12-06T03:10:00Z", or "an unknown time" for 0.
static void
s_utc (char out [32], int64_t at)
{
    time_t t = (time_t) at;
    struct tm tm;
    if (at <= 0 || !gmtime_r (&t, &tm) || strftime (out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf (out, 32, "an unknown time");
}

//  Adds the keys of from [0..n-1] not already in buf (nothing dropped):
//  ERR_OK or ERR_TOO_LARGE past VIEWS_REVOKED_MAX.
static int
s_add_keys (ProtobufCBinaryData *buf, size_t *nbuf, const ProtobufCBinaryData *from, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s_has_key (buf, *nbuf, &from [i]))
            continue;
        if (*nbuf == VIEWS_REVOKED_MAX)
            return ERR_TOO_LARGE;
        buf [(*nbuf)++] = from [i];
    }
    return ERR_OK;
}

int
views_merge_keys (views_t *self, const Lic__Department *in, Lic__Department *out,
                  ProtobufCBinaryData *sign_buf, ProtobufCBinaryData *rev_buf,
                  ProtobufCBinaryData *curve_buf, char *why, size_t why_size)
{
    char key [64], fp [17], when [32];
    views_key_div (key, sizeof key, self->division, in->credit_code);
    const Lic__Registration *reg = (const Lic__Registration *) zhashx_lookup (self->depts, key);
    const Lic__Department *old = reg? reg->department: NULL;
    s_utc (when, reg? reg->at: 0);
    *out = *in;
    //  A key once revoked never comes back: a registration that names one
    //  is refused whole (taken as it is, it would revoke the working key
    //  in its place and lock the department out).
    for (size_t i = 0; old && i < in->n_sign_keys; i++)
        if (s_has_key (old->revoked_keys, old->n_revoked_keys, &in->sign_keys [i])) {
            s_key_fp (fp, &in->sign_keys [i]);
            err_why (why, why_size, "signing key %s of department %s was revoked (by a registration "
                     "at or before %s); make a new key with `licctl keygen` and register that",
                     fp, in->credit_code, when);
            return ERR_KEY_REVOKED;
        }
    if ((old && s_has_key (old->revoked_curve_keys, old->n_revoked_curve_keys, &in->curve_key))
    ||  s_has_key (in->revoked_curve_keys, in->n_revoked_curve_keys, &in->curve_key)) {
        s_key_fp (fp, &in->curve_key);
        err_why (why, why_size, "CURVE key %s of department %s was revoked (replaced by a registration "
                 "at or before %s); make a new key with `licctl keygen` and register that",
                 fp, in->credit_code, when);
        return ERR_KEY_REVOKED;
    }
    size_t nrev = 0;
    //  Revoked: what was revoked, what was dropped, what is revoked now.
    const ProtobufCBinaryData *sources [3] = { old? old->revoked_keys: NULL,
                                               old? old->sign_keys: NULL, in->revoked_keys };
    size_t counts [3] = { old? old->n_revoked_keys: 0, old? old->n_sign_keys: 0, in->n_revoked_keys };
    for (int s = 0; s < 3; s++)
        for (size_t i = 0; i < counts [s]; i++) {
            const ProtobufCBinaryData *k = &sources [s][i];
            if (s == 1 && s_has_key (in->sign_keys, in->n_sign_keys, k))
                continue;       //  still a signing key
            if (s_add_keys (rev_buf, &nrev, k, 1) != ERR_OK) {
                err_why (why, why_size, "department %s would have more than %d revoked signing keys",
                         in->credit_code, VIEWS_REVOKED_MAX);
                return ERR_TOO_LARGE;
            }
        }
    size_t nsign = 0;
    for (size_t i = 0; i < in->n_sign_keys && nsign < 16; i++)
        if (!s_has_key (rev_buf, nrev, &in->sign_keys [i]))
            sign_buf [nsign++] = in->sign_keys [i];
    if (nsign == 0) {
        err_why (why, why_size, "the registration of department %s revokes every signing key it "
                 "names: give it a key that is not revoked", in->credit_code);
        return ERR_BAD_FIELD;
    }
    //  CURVE keys: what was revoked, the key this registration replaces,
    //  what is revoked now.
    size_t ncurve = 0;
    int rc = old? s_add_keys (curve_buf, &ncurve, old->revoked_curve_keys, old->n_revoked_curve_keys): ERR_OK;
    if (rc == ERR_OK && old && old->curve_key.len == 32
    &&  !s_has_key (&in->curve_key, 1, &old->curve_key))
        rc = s_add_keys (curve_buf, &ncurve, &old->curve_key, 1);
    if (rc == ERR_OK)
        rc = s_add_keys (curve_buf, &ncurve, in->revoked_curve_keys, in->n_revoked_curve_keys);
    if (rc != ERR_OK) {
        err_why (why, why_size, "department %s would have more than %d revoked CURVE keys",
                 in->credit_code, VIEWS_REVOKED_MAX);
        return ERR_TOO_LARGE;
    }
    out->sign_keys = sign_buf;
    out->n_sign_keys = nsign;
    out->revoked_keys = rev_buf;
    out->n_revoked_keys = nrev;
    out->revoked_curve_keys = curve_buf;
    out->n_revoked_curve_keys = ncurve;
    return ERR_OK;
}

int
views_merge_app_keys (views_t *self, const Lic__AppBody *in, Lic__AppBody *out,
                      ProtobufCBinaryData *rev_buf, char *why, size_t why_size)
{
    char key [64], fp [17], when [32];
    views_key_div (key, sizeof key, self->division, in->credit_code);
    const Lic__AppBodyRegistration *reg =
        (const Lic__AppBodyRegistration *) zhashx_lookup (self->apps, key);
    const Lic__AppBody *old = reg? reg->body: NULL;
    s_utc (when, reg? reg->at: 0);
    *out = *in;
    bool same = old && s_has_key (&in->curve_key, 1, &old->curve_key);
    //  A revoked key never comes back, nor does the key of a revoked
    //  body (registering the body again revoked changes nothing).
    if (!in->revoked
    &&  ((same && old->revoked)
     ||  (old && s_has_key (old->revoked_keys, old->n_revoked_keys, &in->curve_key))
     ||  s_has_key (in->revoked_keys, in->n_revoked_keys, &in->curve_key))) {
        s_key_fp (fp, &in->curve_key);
        err_why (why, why_size, "CURVE key %s of application body %s was revoked (by a registration "
                 "at or before %s); make a new key with `licctl keygen` and register that",
                 fp, in->credit_code, when);
        return ERR_KEY_REVOKED;
    }
    size_t nrev = 0;
    int rc = old? s_add_keys (rev_buf, &nrev, old->revoked_keys, old->n_revoked_keys): ERR_OK;
    if (rc == ERR_OK && old && old->curve_key.len == 32 && !same)
        rc = s_add_keys (rev_buf, &nrev, &old->curve_key, 1);
    if (rc == ERR_OK)
        rc = s_add_keys (rev_buf, &nrev, in->revoked_keys, in->n_revoked_keys);
    if (rc != ERR_OK) {
        err_why (why, why_size, "application body %s would have more than %d revoked keys",
                 in->credit_code, VIEWS_REVOKED_MAX);
        return ERR_TOO_LARGE;
    }
    out->revoked_keys = rev_buf;
    out->n_revoked_keys = nrev;
    return ERR_OK;
}

void
views_each_department (views_t *self, const char *division,
                       void (*fn) (void *arg, const Lic__Department *dept), void *arg)
{
    for (Lic__Registration *reg = (Lic__Registration *) zhashx_first (self->depts); reg;
         reg = (Lic__Registration *) zhashx_next (self->depts))
        if (streq (reg->division, division))
            fn (arg, reg->department);
}

size_t
views_departments (views_t *self)
{
    return zhashx_size (self->depts);
}

int
views_apply_registration (views_t *self, store_batch_t *batch, uint64_t gen,
                          const Lic__LogEntry *entry, const Lic__Registration *reg,
                          char *why, size_t why_size)
{
    int rc = authority_made_at ("registration", reg->division, entry->origin_division,
                                why, why_size);
    if (rc == ERR_OK)
        rc = authority_department (views_department (self, reg->division,
                                                     reg->department->credit_code),
                                   reg->department, why, why_size);
    if (rc != ERR_OK || (rc = views_int_put_entry (self, batch, gen, entry)) != ERR_OK)
        return rc;
    //  The registry keeps its own copy, decoded from the bytes written.
    char key [64];
    views_key_div (key, sizeof key, reg->division, reg->department->credit_code);
    void *copy = NULL;
    rc = views_int_put_body (batch, STORE_CF_REGISTRY, key, strlen (key),
                             LIC__ENTRY_KIND__ENTRY_REGISTRATION, reg, &copy);
    char ekey [80];
    snprintf (ekey, sizeof ekey, VIEWS_ENV_PREFIX "reg/%s", key);
    if (rc == ERR_OK)
        rc = views_int_put_envelope (batch, ekey, entry->envelope);
    if (rc == ERR_OK)
        rc = s_registry_install (self, (Lic__Registration *) copy);
    if (rc != ERR_OK)
        entrykind_of (LIC__ENTRY_KIND__ENTRY_REGISTRATION)->free (&copy);
    return rc;
}

int
views_apply_node (views_t *self, store_batch_t *batch, uint64_t gen,
                  const Lic__LogEntry *entry, const Lic__NodeRecord *rec,
                  char *why, size_t why_size)
{
    if (rec->revocation)
        return views_apply_revocation (self, batch, gen, entry, rec, why, why_size);
    //  The record's signer is the node the entry comes from.
    int rc = authority_node_record (entry->origin_division, rec,
                                    views_node_key (self, rec->division), why, why_size);
    if (rc == ERR_OK)       //  a revoked key never comes back
        rc = authority_node_key_back (views_node_revocation (self, rec->division, rec->sign_key.data,
                                                             rec->sign_key.len), rec, why, why_size);
    if (rc != ERR_OK)
        return rc;
    if ((rc = views_int_put_entry (self, batch, gen, entry)) != ERR_OK)
        return rc;
    char key [32];
    snprintf (key, sizeof key, VIEWS_NODE_PREFIX "%s", rec->division);
    rc = views_int_put_body (batch, STORE_CF_REGISTRY, key, strlen (key),
                             LIC__ENTRY_KIND__ENTRY_NODE, rec, NULL);
    if (rc != ERR_OK)
        return rc;
    //  The latest record of the division, and the record of each key it
    //  ever had (copies made before a rotation carry the older one).
    char ekey [S_NODE_ENV_KEY];
    snprintf (ekey, sizeof ekey, VIEWS_ENV_PREFIX "node/%s", rec->division);
    if ((rc = views_int_put_envelope (batch, ekey, entry->envelope)) != ERR_OK)
        return rc;
    s_node_env_key (ekey, rec->division, rec->sign_key.data);
    if ((rc = views_int_put_envelope (batch, ekey, entry->envelope)) != ERR_OK)
        return rc;
    //  A first record, or a rotation the rule admitted.
    views_int_note_key (self, rec->division, rec->sign_key.data);
    return views_int_node_install (self, rec->division, rec->sign_key.data, rec->parent_division);
}

// ---------------------------------------------------------------------
//  Sharing within scope (proto/README.md section 11): application bodies, the audit index,
//  the signed envelopes an archived copy carries.

int
views_apply_app_body (views_t *self, store_batch_t *batch, uint64_t gen,
                      const Lic__LogEntry *entry, const Lic__AppBodyRegistration *reg,
                      char *why, size_t why_size)
{
    int rc = authority_made_at ("application body registration", reg->division,
                                entry->origin_division, why, why_size);
    if (rc == ERR_OK)
        rc = authority_app_body (views_app_body (self, reg->division, reg->body->credit_code),
                                 reg->body, why, why_size);
    if (rc != ERR_OK || (rc = views_int_put_entry (self, batch, gen, entry)) != ERR_OK)
        return rc;
    char key [64];
    snprintf (key, sizeof key, VIEWS_APP_PREFIX "%s/%s", reg->division, reg->body->credit_code);
    void *copy = NULL;
    rc = views_int_put_body (batch, STORE_CF_REGISTRY, key, strlen (key),
                             LIC__ENTRY_KIND__ENTRY_APP_BODY, reg, &copy);
    if (rc == ERR_OK && (rc = s_app_install (self, (Lic__AppBodyRegistration *) copy)) != ERR_OK)
        entrykind_of (LIC__ENTRY_KIND__ENTRY_APP_BODY)->free (&copy);
    return rc;
}

const Lic__AppBody *
views_app_body_by_key (views_t *self, const char *division, const uint8_t curve [32])
{
    char hex [65], key [96];
    seal_hex (hex, curve, 32);
    views_key_div (key, sizeof key, division, hex);
    Lic__AppBodyRegistration *r = (Lic__AppBodyRegistration *) zhashx_lookup (self->app_keys, key);
    return r? r->body: NULL;
}

const Lic__AppBody *
views_app_body (views_t *self, const char *division, const char *credit_code)
{
    char key [64];
    views_key_div (key, sizeof key, division, credit_code);
    Lic__AppBodyRegistration *r = (Lic__AppBodyRegistration *) zhashx_lookup (self->apps, key);
    return r? r->body: NULL;
}

void
views_each_app_body (views_t *self, const char *division,
                     void (*fn) (void *arg, const Lic__AppBody *body), void *arg)
{
    zlistx_t *keys = zhashx_keys (self->apps);
    if (!keys)
        return;
    zlistx_set_comparator (keys, (zlistx_comparator_fn *) strcmp);
    zlistx_sort (keys);
    for (const char *k = (const char *) zlistx_first (keys); k; k = (const char *) zlistx_next (keys)) {
        const Lic__AppBodyRegistration *r = (const Lic__AppBodyRegistration *) zhashx_lookup (self->apps, k);
        if (streq (r->division, division))
            fn (arg, r->body);
    }
    zlistx_destroy (&keys);
}

int
views_int_get_envelope (views_t *self, const char *key, Lic__Envelope **env)
{
    uint8_t *v;
    size_t vl;
    int rc = store_get (self->store, STORE_CF_REGISTRY, key, strlen (key), &v, &vl);
    if (rc != ERR_OK)
        return rc;
    rc = codec_envelope_decode (v, vl, env) == ERR_OK? ERR_OK: ERR_CORRUPT;
    free (v);
    return rc;
}

int
views_registration_envelope (views_t *self, const char *division, const char *credit_code,
                             Lic__Envelope **env)
{
    char key [96];
    snprintf (key, sizeof key, VIEWS_ENV_PREFIX "reg/%s/%s", division, credit_code);
    return views_int_get_envelope (self, key, env);
}

int
views_node_envelope_of_key (views_t *self, const char *division, const uint8_t key [32],
                            Lic__Envelope **env)
{
    if (streq (division, self->division)) {
        //  Our own records are not in our log: our parent sent them.
        char mkey [S_OWN_RECORD_KEY];
        uint8_t *v;
        size_t vl;
        int rc = store_get (self->store, STORE_CF_META, mkey, s_own_record_key (mkey, key), &v, &vl);
        if (rc != ERR_OK)
            return rc;
        rc = codec_envelope_decode (v, vl, env) == ERR_OK? ERR_OK: ERR_CORRUPT;
        free (v);
        return rc;
    }
    char ekey [S_NODE_ENV_KEY];
    s_node_env_key (ekey, division, key);
    return views_int_get_envelope (self, ekey, env);
}

void
views_put_own_record (store_batch_t *batch, const uint8_t key [32], const uint8_t *env,
                      size_t len)
{
    char mkey [S_OWN_RECORD_KEY];
    store_batch_put (batch, STORE_CF_META, mkey, s_own_record_key (mkey, key), env, len);
}

int
views_node_envelope (views_t *self, const char *division, Lic__Envelope **env)
{
    char key [48];
    snprintf (key, sizeof key, VIEWS_ENV_PREFIX "node/%s", division);
    return views_int_get_envelope (self, key, env);
}
