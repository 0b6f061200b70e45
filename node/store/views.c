/*  views.c -- license, holder, history, dedup and registry views (see
    views.h; key layouts in proto/FORMAT.md section 2).

    Every function here only adds to a batch and to the overlay; nothing
    writes to disk.  The overlay maps a key to the bytes the pending
    batches will write (or NULL bytes for a deletion), with the generation
    that wrote it, so a later event of the same license in the same or a
    later pending batch sees its predecessor.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "node/daemon/logfmt.h"
#include "proto/authority.h"
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "proto/licid.h"
#include "proto/lifecycle.h"
#include "proto/seal.h"
#include "node/store/views.h"

#define VIEWS_NODE_PREFIX "node/"      //  registry keys of node records
#define VIEWS_APP_PREFIX  "app/"       //  application bodies: app/division/credit code
#define VIEWS_ENV_PREFIX  "env/"       //  signed envelopes of registry entries (for copies)

typedef struct {
    uint64_t gen;           //  batch generation that wrote it
    uint8_t *bytes;         //  value, NULL if deleted
    size_t len;             //  value length
} s_pending_t;

typedef struct {
    const Lic__Department *dept;    //  borrowed from its registration in depts
    bool revoked;           //  this signing key is revoked
} s_signer_t;

//  Origin mark: the last origin seq applied from a division, so an entry
//  replayed from below is recognised (replication idempotence).  Written
//  once per write batch (views_flush_marks), not once per entry.
typedef struct {
    uint64_t seq;
    bool dirty;             //  changed since the last flush into a batch
} s_origin_t;

typedef struct {
    uint8_t pk [32];        //  node's signing key
    char parent [16];       //  division of the node that vouched for it ("" = ourselves)
} s_node_t;

struct views_t {
    store_t *store;         //  the repository
    tree_t *tree;           //  Merkle tree of the own log
    char division [16];     //  this node's division
    zhashx_t *nodes;        //  division -> s_node_t (trusted or learnt)
    zhashx_t *origins;      //  division -> s_origin_t: last origin seq (pending included)
    zhashx_t *licenses;     //  license id -> s_pending_t (overlay)
    zhashx_t *dedup;        //  hex dedup key -> s_pending_t (8-byte seq)
    zhashx_t *types;        //  "division/type code" -> Lic__LicenseType, latest of that
                            //  node's line of the code (owned; proto/authority.h)
    zhashx_t *type_versions;    //  "division/code/version" -> Lic__LicenseType as stored
                                //  (owned; a durable version never changes, so never
                                //  invalidated)
    zhashx_t *depts;        //  "division/credit code" -> Lic__Registration (owned)
    zhashx_t *signers;      //  "division/hex signing key" -> s_signer_t
    zhashx_t *apps;         //  "division/credit code" -> Lic__AppBodyRegistration (owned)
    zhashx_t *app_keys;     //  "division/hex CURVE key" -> Lic__AppBodyRegistration (borrowed)
};

static void
s_pending_destroy (void **item_p)
{
    s_pending_t *p = (s_pending_t *) *item_p;
    if (p) {
        free (p->bytes);
        free (p);
        *item_p = NULL;
    }
}

static void
s_type_destroy (void **item_p)
{
    Lic__LicenseType *t = (Lic__LicenseType *) *item_p;
    codec_license_type_free (&t);
    *item_p = NULL;
}

//  Catalogue key: type code 0x00 version (u32 BE) 0x00 division.
static size_t
s_type_key (uint8_t *key, const char *code, uint32_t version, const char *division)
{
    size_t cl = strnlen (code, 21), dl = strnlen (division, 8);
    memcpy (key, code, cl);
    key [cl] = 0;
    store_put_u32 (key + cl + 1, version);
    key [cl + 5] = 0;
    memcpy (key + cl + 6, division, dl);
    return cl + 6 + dl;
}

//  Key of a node's line of a type code in self->types: "division/code".
#define S_LINE_KEY (16 + 1 + LICID_TYPE_LEN + 1)
static void
s_line_key (char key [S_LINE_KEY], const char *division, const char *code)
{
    snprintf (key, S_LINE_KEY, "%.15s/%.21s", division, code);
}

//  Registry key of the signed envelope of a catalogue version:
//  "env/type/" division "/" code "/" version (10 digits).
#define S_TYPE_ENV_KEY 64
static void
s_type_env_key (char key [S_TYPE_ENV_KEY], const char *division, const char *code,
                uint32_t version)
{
    snprintf (key, S_TYPE_ENV_KEY, VIEWS_ENV_PREFIX "type/%.15s/%.21s/%010u", division, code, version);
}

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

static int
s_catalogue_load (views_t *self)
{
    zhashx_purge (self->types);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_CATALOGUE, NULL, 0, NULL, 0);
    if (!it)
        return ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    int rc = ERR_OK;
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, &v, &vl)) {
        Lic__LicenseType *t = NULL;
        if (codec_license_type_decode (v, vl, &t) != ERR_OK) {
            rc = ERR_CORRUPT;
            break;
        }
        char line [S_LINE_KEY];
        s_line_key (line, t->division, t->type_code);
        const Lic__LicenseType *cur = (const Lic__LicenseType *) zhashx_lookup (self->types, line);
        if (!cur || t->version >= cur->version)
            zhashx_update (self->types, line, t);
        else
            codec_license_type_free (&t);
    }
    store_iter_destroy (&it);
    return rc;
}

static void
s_dept_destroy (void **item_p)
{
    Lic__Registration *r = (Lic__Registration *) *item_p;
    codec_registration_free (&r);
    *item_p = NULL;
}

static void
s_signer_destroy (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

//  Overlay write: key -> copy of bytes (NULL = deletion) for generation gen.
static int
s_overlay_set (zhashx_t *map, const char *key, uint64_t gen,
               const uint8_t *bytes, size_t len)
{
    s_pending_t *p = calloc (1, sizeof *p);
    if (!p)
        return ERR_NOMEM;
    p->gen = gen;
    p->len = len;
    if (bytes) {
        p->bytes = malloc (len? len: 1);
        if (!p->bytes) {
            free (p);
            return ERR_NOMEM;
        }
        memcpy (p->bytes, bytes, len);
    }
    zhashx_update (map, key, p);
    return ERR_OK;
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
    snprintf (key, sizeof key, "%s/%s", reg->division, dept->credit_code);
    //  Drop the signers of an earlier record of the same department.
    Lic__Registration *old = (Lic__Registration *) zhashx_lookup (self->depts, key);
    if (old) {
        zlist_t *gone = zlist_new ();
        for (s_signer_t *s = (s_signer_t *) zhashx_first (self->signers); s;
             s = (s_signer_t *) zhashx_next (self->signers))
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
            s_signer_t *s = calloc (1, sizeof *s);
            if (!s)
                return ERR_NOMEM;
            s->dept = dept;
            s->revoked = pass == 1;
            seal_hex (hex, keys [i].data, 32);
            snprintf (skey, sizeof skey, "%s/%s", reg->division, hex);
            zhashx_update (self->signers, skey, s);
        }
    }
    return ERR_OK;
}


static void
s_app_destroy (void **item_p)
{
    Lic__AppBodyRegistration *r = (Lic__AppBodyRegistration *) *item_p;
    codec_app_body_registration_free (&r);
    *item_p = NULL;
}

//  Installs an application body's registration (owned from here on),
//  replacing an earlier one of the same body and its key.
static int
s_app_install (views_t *self, Lic__AppBodyRegistration *app)
{
    char key [64], hex [65], kkey [96];
    snprintf (key, sizeof key, "%s/%s", app->division, app->body->credit_code);
    Lic__AppBodyRegistration *old = (Lic__AppBodyRegistration *) zhashx_lookup (self->apps, key);
    if (old && old->body->curve_key.len == 32) {
        seal_hex (hex, old->body->curve_key.data, 32);
        snprintf (kkey, sizeof kkey, "%s/%s", old->division, hex);
        zhashx_delete (self->app_keys, kkey);
    }
    zhashx_update (self->apps, key, app);
    if (app->body->curve_key.len == 32 && !app->body->revoked) {
        seal_hex (hex, app->body->curve_key.data, 32);
        snprintf (kkey, sizeof kkey, "%s/%s", app->division, hex);
        zhashx_update (self->app_keys, kkey, app);
    }
    return ERR_OK;
}

//  Keeps the signed envelope of a registry entry under key, so an
//  archived copy can carry it exactly as it was signed.
static int
s_put_envelope (store_batch_t *batch, const char *key, const Lic__Envelope *env)
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

static int
s_node_install (views_t *self, const char *division, const uint8_t *pk, const char *parent)
{
    s_node_t *n = calloc (1, sizeof *n);
    if (!n)
        return ERR_NOMEM;
    memcpy (n->pk, pk, 32);
    snprintf (n->parent, sizeof n->parent, "%s", parent);
    zhashx_update (self->nodes, division, n);
    return ERR_OK;
}

static int
s_registry_load (views_t *self)
{
    int rc = ERR_OK;
    zhashx_purge (self->signers);
    zhashx_purge (self->depts);
    zhashx_purge (self->app_keys);
    zhashx_purge (self->apps);
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
                //  Stored by a version that did not check (issue 10): a
                //  record that breaks the rules vouches for nothing.
                logfmt_msgf (LOGFMT_WARN, "registry: node record of %s ignored: %s",
                             rec->division, why);
            else
            if (!zhashx_lookup (self->nodes, rec->division))    //  configuration wins
                rc = s_node_install (self, rec->division, rec->sign_key.data, rec->parent_division);
            codec_node_record_free (&rec);
            continue;
        }
        if (kl > 4 && memcmp (k, VIEWS_ENV_PREFIX, 4) == 0)
            continue;           //  signed envelopes, read on demand
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
    //  Origin marks.
    zhashx_purge (self->origins);
    it = store_iter_new (self->store, STORE_CF_ORIGIN, NULL, 0, NULL, 0);
    if (!it)
        return ERR_NOMEM;
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, &v, &vl)) {
        char div [16];
        s_origin_t *mark = calloc (1, sizeof *mark);
        if (!mark || vl != 8 || kl >= sizeof div) {
            free (mark);
            rc = mark? ERR_CORRUPT: ERR_NOMEM;
            break;
        }
        memcpy (div, k, kl);
        div [kl] = 0;
        mark->seq = store_get_u64 (v);
        zhashx_update (self->origins, div, mark);
    }
    store_iter_destroy (&it);
    return rc;
}

static void
s_free_item (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

//  The repository's schema (meta "schema", FORMAT.md): written when the
//  log is empty; a log written before it (schema 1: Merkle leaves over
//  the whole entry, disclosed values included) is not opened.
static int
s_schema (store_t *store)
{
    uint8_t *v, key [8];
    size_t vl;
    int rc = store_get (store, STORE_CF_META, "schema", 6, &v, &vl);
    if (rc == ERR_OK) {
        bool ok = vl == 1 && v [0] == VIEWS_SCHEMA;
        free (v);
        return ok? ERR_OK: ERR_VERSION;
    }
    if (rc != ERR_NOT_FOUND)
        return rc;
    store_put_u64 (key, 1);
    rc = store_get (store, STORE_CF_LOG, key, 8, &v, &vl);
    if (rc == ERR_OK) {
        free (v);
        return ERR_VERSION;
    }
    if (rc != ERR_NOT_FOUND)
        return rc;
    store_batch_t *b = store_batch_new (store);
    if (!b)
        return ERR_NOMEM;
    uint8_t schema = VIEWS_SCHEMA;
    store_batch_put (b, STORE_CF_META, "schema", 6, &schema, 1);
    rc = store_write (store, b, true);
    store_batch_destroy (&b);
    return rc;
}

int
views_open (views_t **views_p, store_t *store, const char *division)
{
    views_t *self = calloc (1, sizeof *self);
    if (!self)
        return ERR_NOMEM;
    self->store = store;
    snprintf (self->division, sizeof self->division, "%s", division);
    self->tree = tree_new (store, division);
    self->nodes = zhashx_new ();
    self->origins = zhashx_new ();
    zhashx_set_destructor (self->nodes, s_free_item);
    zhashx_set_destructor (self->origins, s_free_item);
    self->licenses = zhashx_new ();
    self->dedup = zhashx_new ();
    self->depts = zhashx_new ();
    self->signers = zhashx_new ();
    self->apps = zhashx_new ();
    self->app_keys = zhashx_new ();
    zhashx_set_destructor (self->apps, s_app_destroy);
    self->types = zhashx_new ();
    zhashx_set_destructor (self->types, s_type_destroy);
    self->type_versions = zhashx_new ();
    zhashx_set_destructor (self->type_versions, s_type_destroy);
    zhashx_set_destructor (self->licenses, s_pending_destroy);
    zhashx_set_destructor (self->dedup, s_pending_destroy);
    zhashx_set_destructor (self->depts, s_dept_destroy);
    zhashx_set_destructor (self->signers, s_signer_destroy);
    int rc = s_schema (store);
    if (rc == ERR_OK)
        rc = s_registry_load (self);
    if (rc == ERR_OK)
        rc = s_catalogue_load (self);
    if (rc != ERR_OK) {
        views_destroy (&self);
        return rc;
    }
    *views_p = self;
    return ERR_OK;
}

void
views_destroy (views_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    views_t *self = *self_p;
    zhashx_destroy (&self->signers);
    zhashx_destroy (&self->depts);
    zhashx_destroy (&self->app_keys);
    zhashx_destroy (&self->apps);
    zhashx_destroy (&self->types);
    zhashx_destroy (&self->type_versions);
    zhashx_destroy (&self->dedup);
    zhashx_destroy (&self->licenses);
    zhashx_destroy (&self->nodes);
    zhashx_destroy (&self->origins);
    tree_destroy (&self->tree);
    free (self);
    *self_p = NULL;
}

int
views_signer (views_t *self, const char *division, const uint8_t pk [32],
              const Lic__Department **dept)
{
    char hex [65], key [96];
    seal_hex (hex, pk, 32);
    snprintf (key, sizeof key, "%s/%s", division, hex);
    s_signer_t *s = (s_signer_t *) zhashx_lookup (self->signers, key);
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
    snprintf (key, sizeof key, "%s/%s", division, credit_code);
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
    snprintf (key, sizeof key, "%s/%s", self->division, in->credit_code);
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
    snprintf (key, sizeof key, "%s/%s", self->division, in->credit_code);
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

// ---------------------------------------------------------------------
//  Dedup and license reads

void
views_dedup_key (uint8_t out [VIEWS_DEDUP_BYTES], const Lic__Envelope *env)
{
    seal_hash (out, env->key_id.data, env->key_id.len, env->body.data, env->body.len);
}

int
views_find_duplicate (views_t *self, const uint8_t key [VIEWS_DEDUP_BYTES], uint64_t *seq)
{
    char hex [2 * VIEWS_DEDUP_BYTES + 1];
    seal_hex (hex, key, VIEWS_DEDUP_BYTES);
    s_pending_t *p = (s_pending_t *) zhashx_lookup (self->dedup, hex);
    if (p) {
        *seq = store_get_u64 (p->bytes);
        return ERR_OK;
    }
    uint8_t *v;
    size_t vl;
    int rc = store_get (self->store, STORE_CF_DEDUP, key, VIEWS_DEDUP_BYTES, &v, &vl);
    if (rc != ERR_OK)
        return rc;
    rc = vl == 8? ERR_OK: ERR_CORRUPT;
    if (rc == ERR_OK)
        *seq = store_get_u64 (v);
    free (v);
    return rc;
}

int
views_license (views_t *self, const char *license_id, uint8_t **state, size_t *len)
{
    s_pending_t *p = (s_pending_t *) zhashx_lookup (self->licenses, license_id);
    if (p) {
        if (!p->bytes)
            return ERR_NOT_FOUND;
        *state = malloc (p->len? p->len: 1);
        if (!*state)
            return ERR_NOMEM;
        memcpy (*state, p->bytes, p->len);
        *len = p->len;
        return ERR_OK;
    }
    return store_get (self->store, STORE_CF_LICENSE, license_id, strlen (license_id), state, len);
}

// ---------------------------------------------------------------------
//  Apply

//  Key of the holder index: holder id 0x00 id_type 0x00 license id, so
//  a holder's licenses of every id type are one prefix scan.
static size_t
s_holder_key (uint8_t *buf, size_t size, const Lic__Holder *h, const char *license_id)
{
    int n = snprintf ((char *) buf, size, "%s%c%s%c%s", h->id, 0, h->id_type, 0, license_id);
    return n < 0 || (size_t) n >= size? 0: (size_t) n;
}

static int
s_put_entry (views_t *self, store_batch_t *batch, uint64_t gen, const Lic__LogEntry *entry)
{
    uint8_t key [8], *buf, leaf [MERKLE_HASH_BYTES];
    size_t len;
    int rc = codec_entry_encode (entry, &buf, &len);
    if (rc != ERR_OK)
        return rc;
    store_put_u64 (key, entry->seq);
    store_batch_put (batch, STORE_CF_LOG, key, 8, buf, len);
    //  The log is a Merkle tree: leaf seq-1 is the entry without its
    //  disclosed values (codec_entry_leaf; FORMAT.md schema 2).
    uint8_t *leaf_data;
    size_t leaf_len;
    rc = codec_entry_leaf (entry, &leaf_data, &leaf_len);
    if (rc != ERR_OK) {
        free (buf);
        return rc;
    }
    merkle_leaf_hash (leaf, leaf_data? leaf_data: buf, leaf_data? leaf_len: len);
    free (leaf_data);
    free (buf);
    rc = tree_append (self->tree, batch, gen, entry->seq - 1, leaf);
    if (rc != ERR_OK)
        return rc;
    s_origin_t *mark = (s_origin_t *) zhashx_lookup (self->origins, entry->origin_division);
    if (!mark) {
        mark = calloc (1, sizeof *mark);
        if (!mark)
            return ERR_NOMEM;
        zhashx_update (self->origins, entry->origin_division, mark);
    }
    mark->seq = entry->origin_seq;
    mark->dirty = true;         //  written by views_flush_marks, once per batch
    return ERR_OK;
}

//  Fills next from cur (may be NULL) and ev; fields point into cur or ev.
static void
s_next_state (Lic__LicenseState *next, const Lic__LicenseState *cur,
              const Lic__Event *ev, const lifecycle_pos_t *pos,
              const Lic__LogEntry *entry, Lic__LicenseContent *content_copy,
              const Lic__LicenseType *type, char *inspection_day)
{
    if (cur)
        *next = *cur;
    else
        codec_state_init (next);
    next->license_id = ev->license_id;
    next->issuer_code = ev->issuer_code;
    next->status = pos->status;
    next->pledged = pos->pledged;
    next->version = pos->version;
    next->last_seq = entry->seq;
    next->updated_at = ev->completed_at;
    next->note = ev->note;
    if (!cur)
        next->origin_division = entry->origin_division;
    if (ev->op == LIC__OP__OP_ISSUE || ev->op == LIC__OP__OP_ALTER) {
        next->content = ev->content;
        next->content_seq = entry->seq;
        //  The standard it was checked against: the type's latest version
        //  at this point of the log (the same at every level).
        next->catalogue_version = type? type->version: 0;
    }
    if (ev->op == LIC__OP__OP_ANNUAL_INSPECTION)
        next->last_inspection = inspection_day;
    else
    if (ev->op == LIC__OP__OP_EXTEND && cur && cur->content) {
        *content_copy = *cur->content;
        content_copy->valid_to = ev->valid_to;
        next->content = content_copy;
    }
}

int
views_apply_event (views_t *self, store_batch_t *batch, uint64_t gen,
                   const Lic__LogEntry *entry, const Lic__Event *ev,
                   uint32_t *version, char *why, size_t why_size)
{
    uint8_t *cur_bytes = NULL, *next_bytes = NULL;
    size_t cur_len = 0, next_len = 0;
    Lic__LicenseState *cur = NULL;
    lifecycle_pos_t pos = { LIC__STATUS__STATUS_NONE, false, 0 }, next_pos;

    int rc = views_license (self, ev->license_id, &cur_bytes, &cur_len);
    if (rc == ERR_OK) {
        if (codec_state_decode (cur_bytes, cur_len, &cur) != ERR_OK) {
            rc = ERR_CORRUPT;
            goto cleanup;
        }
        pos.status = cur->status;
        pos.pledged = cur->pledged;
        pos.version = cur->version;
    }
    else
    if (rc != ERR_NOT_FOUND)
        goto cleanup;
    rc = lifecycle_step (&pos, ev, &next_pos, why, why_size);
    if (rc != ERR_OK)
        goto cleanup;

    Lic__LicenseState next;
    Lic__LicenseContent content_copy;
    //  The civil date (UTC+8) of completion, in checked integers.
    //  evcheck keeps completed_at in the time window; an entry stored
    //  before it did gets "" at every level alike, never stack bytes.
    char day [LIFECYCLE_DAY_SIZE];
    if (!lifecycle_day (ev->completed_at, day))
        day [0] = 0;
    s_next_state (&next, cur, ev, &next_pos, entry, &content_copy,
                  views_type (self, entry->origin_division, ev->license_id), day);
    rc = codec_state_encode (&next, &next_bytes, &next_len);
    if (rc != ERR_OK)
        goto cleanup;

    rc = s_put_entry (self, batch, gen, entry);
    if (rc != ERR_OK)
        goto cleanup;
    const char *id = ev->license_id;
    store_batch_put (batch, STORE_CF_LICENSE, id, strlen (id), next_bytes, next_len);
    rc = s_overlay_set (self->licenses, id, gen, next_bytes, next_len);
    if (rc != ERR_OK)
        goto cleanup;

    //  Holder index: follow the holder when it is set or changes.
    const Lic__Holder *old_h = cur && cur->content? cur->content->holder: NULL;
    const Lic__Holder *new_h = next.content? next.content->holder: NULL;
    uint8_t hkey [512];
    size_t hlen;
    if (old_h && new_h != old_h
    &&  (!new_h || strcmp (old_h->id, new_h->id) || strcmp (old_h->id_type, new_h->id_type))
    &&  (hlen = s_holder_key (hkey, sizeof hkey, old_h, id)))
        store_batch_delete (batch, STORE_CF_HOLDER, hkey, hlen);
    if (new_h && (hlen = s_holder_key (hkey, sizeof hkey, new_h, id)))
        store_batch_put (batch, STORE_CF_HOLDER, hkey, hlen, "", 0);

    //  History: license id 0x00 version -> seq.
    size_t idlen = strlen (id);
    uint8_t hist [128];
    if (idlen + 5 <= sizeof hist) {
        memcpy (hist, id, idlen);
        hist [idlen] = 0;
        store_put_u32 (hist + idlen + 1, next_pos.version);
        uint8_t seqb [8];
        store_put_u64 (seqb, entry->seq);
        store_batch_put (batch, STORE_CF_HISTORY, hist, idlen + 5, seqb, 8);
    }

    //  Dedup mark.
    uint8_t dkey [VIEWS_DEDUP_BYTES], seqb [8];
    char dhex [2 * VIEWS_DEDUP_BYTES + 1];
    views_dedup_key (dkey, entry->envelope);
    store_put_u64 (seqb, entry->seq);
    store_batch_put (batch, STORE_CF_DEDUP, dkey, sizeof dkey, seqb, 8);
    seal_hex (dhex, dkey, sizeof dkey);
    rc = s_overlay_set (self->dedup, dhex, gen, seqb, 8);
    if (rc == ERR_OK)
        *version = next_pos.version;

cleanup:
    codec_state_free (&cur);
    free (cur_bytes);
    free (next_bytes);
    return rc;
}

int
views_state_at (views_t *self, const char *license_id, int64_t at, Lic__LicenseState **out)
{
    //  History: license id 0x00 version -> seq, in version order.
    uint8_t prefix [LICID_BARE_MAX + 1];
    size_t plen = strnlen (license_id, LICID_BARE_MAX + 1) + 1;
    if (plen > sizeof prefix)
        return ERR_BAD_LICENSE_ID;
    memcpy (prefix, license_id, plen);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_HISTORY, prefix, plen, NULL, 0);
    if (!it)
        return ERR_NOMEM;
    Lic__LicenseState *cur = NULL;
    lifecycle_pos_t pos = { LIC__STATUS__STATUS_NONE, false, 0 };
    const uint8_t *k, *v;
    size_t kl, vl;
    int rc = ERR_OK;
    bool later = false;             //  reached the first event completed after `at`
    while (rc == ERR_OK && !later && store_iter_next (it, &k, &kl, &v, &vl)) {
        uint8_t *bytes = NULL, *next_bytes = NULL;
        size_t len = 0, next_len = 0;
        Lic__LogEntry *e = NULL;
        Lic__Event *ev = NULL;
        lifecycle_pos_t next_pos;
        if (vl != 8 || store_get (self->store, STORE_CF_LOG, v, 8, &bytes, &len) != ERR_OK
        ||  codec_entry_decode (bytes, len, &e) != ERR_OK || !e->envelope
        ||  codec_event_decode (e->envelope->body.data, e->envelope->body.len, &ev) != ERR_OK)
            rc = ERR_CORRUPT;
        else
        if (ev->completed_at > at)
            later = true;
        else
        if (lifecycle_step (&pos, ev, &next_pos, NULL, 0) != ERR_OK)
            rc = ERR_CORRUPT;           //  the view took it, so a replay must
        else {
            //  The same step as views_apply_event, minus the standard:
            //  which version of it was the latest then is not known here.
            Lic__LicenseState next;
            Lic__LicenseContent content_copy;
            char day [LIFECYCLE_DAY_SIZE];
            if (!lifecycle_day (ev->completed_at, day))
                day [0] = 0;
            s_next_state (&next, cur, ev, &next_pos, e, &content_copy, NULL, day);
            Lic__LicenseState *copy = NULL;
            rc = codec_state_encode (&next, &next_bytes, &next_len);
            if (rc == ERR_OK && codec_state_decode (next_bytes, next_len, &copy) != ERR_OK)
                rc = ERR_NOMEM;
            if (rc == ERR_OK) {
                codec_state_free (&cur);
                cur = copy;
                pos = next_pos;
            }
        }
        codec_event_free (&ev);
        codec_entry_free (&e);
        free (bytes);
        free (next_bytes);
    }
    store_iter_destroy (&it);
    if (rc == ERR_OK && !cur)
        rc = ERR_NOT_FOUND;
    if (rc != ERR_OK) {
        codec_state_free (&cur);
        return rc;
    }
    //  The standard the content was checked against is the current
    //  state's when the content is the same.
    uint8_t *now_bytes = NULL;
    size_t now_len = 0;
    Lic__LicenseState *now = NULL;
    if (store_get (self->store, STORE_CF_LICENSE, license_id, strlen (license_id), &now_bytes,
                   &now_len) == ERR_OK
    &&  codec_state_decode (now_bytes, now_len, &now) == ERR_OK
    &&  now->content_seq == cur->content_seq)
        cur->catalogue_version = now->catalogue_version;
    codec_state_free (&now);
    free (now_bytes);
    *out = cur;
    return ERR_OK;
}

int
views_apply_registration (views_t *self, store_batch_t *batch, uint64_t gen,
                          const Lic__LogEntry *entry, const Lic__Registration *reg,
                          char *why, size_t why_size)
{
    uint8_t *buf = NULL;
    size_t len;
    int rc = authority_made_at ("registration", reg->division, entry->origin_division,
                                why, why_size);
    if (rc == ERR_OK)
        rc = authority_department (views_department (self, reg->division,
                                                     reg->department->credit_code),
                                   reg->department, why, why_size);
    if (rc != ERR_OK || (rc = s_put_entry (self, batch, gen, entry)) != ERR_OK)
        return rc;
    rc = codec_registration_encode (reg, &buf, &len);
    if (rc != ERR_OK)
        return rc;
    char key [64];
    snprintf (key, sizeof key, "%s/%s", reg->division, reg->department->credit_code);
    store_batch_put (batch, STORE_CF_REGISTRY, key, strlen (key), buf, len);
    char ekey [80];
    snprintf (ekey, sizeof ekey, VIEWS_ENV_PREFIX "reg/%s", key);
    if ((rc = s_put_envelope (batch, ekey, entry->envelope)) != ERR_OK) {
        free (buf);
        return rc;
    }
    //  The registry keeps its own copy, decoded from the bytes written.
    Lic__Registration *copy = NULL;
    rc = codec_registration_decode (buf, len, &copy);
    free (buf);
    if (rc != ERR_OK)
        return rc;
    rc = s_registry_install (self, copy);
    if (rc != ERR_OK)
        codec_registration_free (&copy);
    return rc;
}

// ---------------------------------------------------------------------
//  Generations

static void
s_drop_gen (zhashx_t *map, uint64_t gen)
{
    zlist_t *gone = zlist_new ();
    for (s_pending_t *p = (s_pending_t *) zhashx_first (map); p;
         p = (s_pending_t *) zhashx_next (map))
        if (p->gen <= gen)
            zlist_append (gone, (void *) zhashx_cursor (map));
    for (char *k = (char *) zlist_first (gone); k; k = (char *) zlist_next (gone))
        zhashx_delete (map, k);
    zlist_destroy (&gone);
}

void
views_committed (views_t *self, uint64_t gen)
{
    tree_committed (self->tree, gen);
    s_drop_gen (self->licenses, gen);
    s_drop_gen (self->dedup, gen);
}

int
views_abort (views_t *self)
{
    zhashx_purge (self->licenses);
    zhashx_purge (self->dedup);
    tree_abort (self->tree);
    //  Node keys learnt from records are reloaded; trusted ones are kept
    //  because the registry load does not overwrite them.
    int rc = s_registry_load (self);
    return rc == ERR_OK? s_catalogue_load (self): rc;
}

// ---------------------------------------------------------------------
//  Nodes and origins

tree_t *
views_tree (views_t *self)
{
    return self->tree;
}

void
views_trust_node (views_t *self, const char *division, const uint8_t pk [32], const char *parent)
{
    if (s_node_install (self, division, pk, parent) != ERR_OK)
        logfmt_msgf (LOGFMT_ERROR, "out of memory trusting node %s", division);
}

const uint8_t *
views_node_key (views_t *self, const char *division)
{
    s_node_t *n = (s_node_t *) zhashx_lookup (self->nodes, division);
    return n? n->pk: NULL;
}

uint64_t
views_origin_seq (views_t *self, const char *division)
{
    s_origin_t *mark = (s_origin_t *) zhashx_lookup (self->origins, division);
    return mark? mark->seq: 0;
}

void
views_flush_marks (views_t *self, store_batch_t *batch)
{
    for (s_origin_t *mark = (s_origin_t *) zhashx_first (self->origins); mark;
         mark = (s_origin_t *) zhashx_next (self->origins)) {
        if (!mark->dirty)
            continue;
        const char *division = (const char *) zhashx_cursor (self->origins);
        uint8_t oseq [8];
        store_put_u64 (oseq, mark->seq);
        store_batch_put (batch, STORE_CF_ORIGIN, division, strlen (division), oseq, 8);
        mark->dirty = false;
    }
}

int
views_apply_node (views_t *self, store_batch_t *batch, uint64_t gen,
                  const Lic__LogEntry *entry, const Lic__NodeRecord *rec,
                  char *why, size_t why_size)
{
    //  The record's signer is the node the entry comes from.
    int rc = authority_node_record (entry->origin_division, rec,
                                    views_node_key (self, rec->division), why, why_size);
    if (rc != ERR_OK)
        return rc;
    if ((rc = s_put_entry (self, batch, gen, entry)) != ERR_OK)
        return rc;
    uint8_t *buf;
    size_t len;
    rc = codec_node_record_encode (rec, &buf, &len);
    if (rc != ERR_OK)
        return rc;
    char key [32];
    snprintf (key, sizeof key, VIEWS_NODE_PREFIX "%s", rec->division);
    store_batch_put (batch, STORE_CF_REGISTRY, key, strlen (key), buf, len);
    free (buf);
    //  The latest record of the division, and the record of each key it
    //  ever had (copies made before a rotation carry the older one).
    char ekey [S_NODE_ENV_KEY];
    snprintf (ekey, sizeof ekey, VIEWS_ENV_PREFIX "node/%s", rec->division);
    if ((rc = s_put_envelope (batch, ekey, entry->envelope)) != ERR_OK)
        return rc;
    s_node_env_key (ekey, rec->division, rec->sign_key.data);
    if ((rc = s_put_envelope (batch, ekey, entry->envelope)) != ERR_OK)
        return rc;
    //  A first record, or a rotation the rule admitted.
    return s_node_install (self, rec->division, rec->sign_key.data, rec->parent_division);
}

// ---------------------------------------------------------------------
//  Catalogue

int
views_apply_catalogue (views_t *self, store_batch_t *batch, uint64_t gen,
                       const Lic__LogEntry *entry, const Lic__LicenseType *type,
                       char *why, size_t why_size)
{
    const Lic__LicenseType *cur = views_type (self, entry->origin_division, type->type_code);
    int rc = authority_catalogue (type, entry->origin_division, cur? cur->version: 0,
                                  why, why_size);
    if (rc == ERR_OK)
        rc = catalogue_check_type (type, why, why_size);
    if (rc != ERR_OK)
        return rc;
    if ((rc = s_put_entry (self, batch, gen, entry)) != ERR_OK)
        return rc;
    uint8_t *buf;
    size_t len;
    if ((rc = codec_license_type_encode (type, &buf, &len)) != ERR_OK)
        return rc;
    uint8_t key [64];
    size_t kl = s_type_key (key, type->type_code, type->version, type->division);
    store_batch_put (batch, STORE_CF_CATALOGUE, key, kl, buf, len);
    char ekey [S_TYPE_ENV_KEY];
    s_type_env_key (ekey, type->division, type->type_code, type->version);
    if ((rc = s_put_envelope (batch, ekey, entry->envelope)) != ERR_OK) {
        free (buf);
        return rc;
    }
    Lic__LicenseType *copy = NULL;
    rc = codec_license_type_decode (buf, len, &copy);
    free (buf);
    if (rc == ERR_OK) {
        char line [S_LINE_KEY];
        s_line_key (line, copy->division, copy->type_code);
        zhashx_update (self->types, line, copy);
    }
    return rc;
}

const Lic__LicenseType *
views_type (views_t *self, const char *division, const char *type_code)
{
    char line [S_LINE_KEY];
    s_line_key (line, division, type_code);
    return (const Lic__LicenseType *) zhashx_lookup (self->types, line);
}

int
views_type_version (views_t *self, const char *division, const char *type_code,
                    uint32_t version, Lic__LicenseType **type)
{
    char code [LICID_TYPE_LEN + 1];
    snprintf (code, sizeof code, "%.21s", type_code);
    uint8_t key [LICID_TYPE_LEN + 6 + 16];
    size_t kl = s_type_key (key, code, version, division);
    uint8_t *v;
    size_t vl;
    int rc = store_get (self->store, STORE_CF_CATALOGUE, key, kl, &v, &vl);
    if (rc != ERR_OK)
        return rc;
    rc = codec_license_type_decode (v, vl, type) == ERR_OK? ERR_OK: ERR_CORRUPT;
    free (v);
    return rc;
}

const Lic__LicenseType *
views_type_at (views_t *self, const char *division, const char *type_code, uint32_t version)
{
    char key [S_LINE_KEY + 12];
    snprintf (key, sizeof key, "%.15s/%.21s/%u", division, type_code, version);
    Lic__LicenseType *t = (Lic__LicenseType *) zhashx_lookup (self->type_versions, key);
    if (!t && views_type_version (self, division, type_code, version, &t) == ERR_OK)
        zhashx_insert (self->type_versions, key, t);
    return t;
}

void
views_each_type (views_t *self, void (*fn) (void *arg, const Lic__LicenseType *t), void *arg)
{
    zlistx_t *keys = zhashx_keys (self->types);
    if (!keys)
        return;
    zlistx_set_comparator (keys, (zlistx_comparator_fn *) strcmp);
    zlistx_sort (keys);
    for (const char *k = (const char *) zlistx_first (keys); k; k = (const char *) zlistx_next (keys))
        fn (arg, (const Lic__LicenseType *) zhashx_lookup (self->types, k));
    zlistx_destroy (&keys);
}

size_t
views_types (views_t *self)
{
    return zhashx_size (self->types);
}

// ---------------------------------------------------------------------
//  Sharing within scope (issue 5): application bodies, the audit index,
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
    if (rc != ERR_OK || (rc = s_put_entry (self, batch, gen, entry)) != ERR_OK)
        return rc;
    uint8_t *buf;
    size_t len;
    if ((rc = codec_app_body_registration_encode (reg, &buf, &len)) != ERR_OK)
        return rc;
    char key [64];
    snprintf (key, sizeof key, VIEWS_APP_PREFIX "%s/%s", reg->division, reg->body->credit_code);
    store_batch_put (batch, STORE_CF_REGISTRY, key, strlen (key), buf, len);
    Lic__AppBodyRegistration *copy = NULL;
    rc = codec_app_body_registration_decode (buf, len, &copy);
    free (buf);
    if (rc == ERR_OK && (rc = s_app_install (self, copy)) != ERR_OK)
        codec_app_body_registration_free (&copy);
    return rc;
}

const Lic__AppBody *
views_app_body_by_key (views_t *self, const char *division, const uint8_t curve [32])
{
    char hex [65], key [96];
    seal_hex (hex, curve, 32);
    snprintf (key, sizeof key, "%s/%s", division, hex);
    Lic__AppBodyRegistration *r = (Lic__AppBodyRegistration *) zhashx_lookup (self->app_keys, key);
    return r? r->body: NULL;
}

const Lic__AppBody *
views_app_body (views_t *self, const char *division, const char *credit_code)
{
    char key [64];
    snprintf (key, sizeof key, "%s/%s", division, credit_code);
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

//  Audit index keys: 'a' seq; 'h' holder id 0x00 seq; 'b' body code 0x00 seq.
size_t
views_audit_key (uint8_t *key, size_t size, char tag, const char *name, uint64_t seq)
{
    size_t nl = name? strlen (name) + 1: 0;
    if (1 + nl + 8 > size)
        return 0;
    key [0] = (uint8_t) tag;
    if (name)
        memcpy (key + 1, name, nl);
    store_put_u64 (key + 1 + nl, seq);
    return 1 + nl + 8;
}

//  Files audit record `seq` under the holder of license `id` as this node
//  holds it now, if that is not the holder the query named.
static void
s_audit_file_holder (views_t *self, store_batch_t *batch, const Lic__AuditRecord *rec,
                     const char *id, uint64_t seq)
{
    uint8_t *bytes = NULL, key [160];
    size_t len, kl;
    Lic__LicenseState *st = NULL;
    if (!id || !*id || views_license (self, id, &bytes, &len) != ERR_OK)
        return;
    if (codec_state_decode (bytes, len, &st) == ERR_OK && st->content && st->content->holder
    &&  *st->content->holder->id
    &&  (!rec->holder_id || strcmp (st->content->holder->id, rec->holder_id) != 0)
    &&  (kl = views_audit_key (key, sizeof key, 'h', st->content->holder->id, seq)) > 0)
        store_batch_put (batch, STORE_CF_AUDIT, key, kl, "", 0);
    codec_state_free (&st);
    free (bytes);
}

int
views_apply_audit (views_t *self, store_batch_t *batch, uint64_t gen,
                   const Lic__LogEntry *entry, const Lic__AuditRecord *rec,
                   char *why, size_t why_size)
{
    int rc = authority_made_at ("audit record", rec->division, entry->origin_division,
                                why, why_size);
    if (rc != ERR_OK || (rc = s_put_entry (self, batch, gen, entry)) != ERR_OK)
        return rc;
    uint8_t key [160];
    size_t kl = views_audit_key (key, sizeof key, 'a', NULL, entry->seq);
    store_batch_put (batch, STORE_CF_AUDIT, key, kl, "", 0);
    if (rec->holder_id && *rec->holder_id
    &&  (kl = views_audit_key (key, sizeof key, 'h', rec->holder_id, entry->seq)) > 0)
        store_batch_put (batch, STORE_CF_AUDIT, key, kl, "", 0);
    if (rec->body_code && *rec->body_code
    &&  (kl = views_audit_key (key, sizeof key, 'b', rec->body_code, entry->seq)) > 0)
        store_batch_put (batch, STORE_CF_AUDIT, key, kl, "", 0);
    //  Filed under the real holder of every license the query named too,
    //  so a holder's report shows a probe that named someone else (issue
    //  10 finding 6).  A find returns only the named holder's licenses.
    if (rec->kind != LIC__QUERY_KIND__QUERY_FIND) {
        s_audit_file_holder (self, batch, rec, rec->license_id, entry->seq);
        //  (A get, status or copy returns the license it asked for: read once.)
        for (size_t i = 0; i < rec->n_returned && i < VIEWS_AUDIT_HOLDERS_MAX; i++)
            if (!rec->license_id || strcmp (rec->returned [i], rec->license_id) != 0)
                s_audit_file_holder (self, batch, rec, rec->returned [i], entry->seq);
    }
    return ERR_OK;
}

static int
s_get_envelope (views_t *self, const char *key, Lic__Envelope **env)
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
    return s_get_envelope (self, key, env);
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
    return s_get_envelope (self, ekey, env);
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
    return s_get_envelope (self, key, env);
}

int
views_type_envelope (views_t *self, const char *division, const char *type_code,
                     uint32_t version, Lic__Envelope **env)
{
    char key [S_TYPE_ENV_KEY];
    s_type_env_key (key, division, type_code, version);
    return s_get_envelope (self, key, env);
}

const char *
views_node_parent (views_t *self, const char *division)
{
    s_node_t *n = (s_node_t *) zhashx_lookup (self->nodes, division);
    return n? n->parent: NULL;
}

int
views_apply_entry (views_t *self, store_batch_t *batch, uint64_t gen,
                   const Lic__LogEntry *e, char *why, size_t why_size)
{
    const Lic__Envelope *env = e->envelope;
    int rc = ERR_MALFORMED;
    if (why && why_size)
        why [0] = 0;
    if (!env) {
        err_why (why, why_size, "entry %" PRIu64 " has no envelope", e->seq);
        return ERR_MALFORMED;
    }
    switch (e->kind) {
        case LIC__ENTRY_KIND__ENTRY_EVENT: {
            Lic__Event *ev = NULL;
            uint32_t version;
            if ((rc = codec_event_decode (env->body.data, env->body.len, &ev)) == ERR_OK)
                rc = views_apply_event (self, batch, gen, e, ev, &version, why, why_size);
            codec_event_free (&ev);
            break;
        }
        case LIC__ENTRY_KIND__ENTRY_REGISTRATION: {
            Lic__Registration *reg = NULL;
            rc = codec_registration_decode (env->body.data, env->body.len, &reg);
            if (rc == ERR_OK && !reg->department)
                rc = ERR_MALFORMED;
            if (rc == ERR_OK)
                rc = views_apply_registration (self, batch, gen, e, reg, why, why_size);
            codec_registration_free (&reg);
            break;
        }
        case LIC__ENTRY_KIND__ENTRY_CATALOGUE: {
            Lic__LicenseType *type = NULL;
            if ((rc = codec_license_type_decode (env->body.data, env->body.len, &type)) == ERR_OK)
                rc = views_apply_catalogue (self, batch, gen, e, type, why, why_size);
            codec_license_type_free (&type);
            break;
        }
        case LIC__ENTRY_KIND__ENTRY_NODE: {
            Lic__NodeRecord *rec = NULL;
            if ((rc = codec_node_record_decode (env->body.data, env->body.len, &rec)) == ERR_OK)
                rc = views_apply_node (self, batch, gen, e, rec, why, why_size);
            codec_node_record_free (&rec);
            break;
        }
        case LIC__ENTRY_KIND__ENTRY_APP_BODY: {
            Lic__AppBodyRegistration *app = NULL;
            rc = codec_app_body_registration_decode (env->body.data, env->body.len, &app);
            if (rc == ERR_OK && !app->body)
                rc = ERR_MALFORMED;
            if (rc == ERR_OK)
                rc = views_apply_app_body (self, batch, gen, e, app, why, why_size);
            codec_app_body_registration_free (&app);
            break;
        }
        case LIC__ENTRY_KIND__ENTRY_AUDIT: {
            Lic__AuditRecord *rec = NULL;
            if ((rc = codec_audit_record_decode (env->body.data, env->body.len, &rec)) == ERR_OK)
                rc = views_apply_audit (self, batch, gen, e, rec, why, why_size);
            codec_audit_record_free (&rec);
            break;
        }
        default:
            err_why (why, why_size, "entry %" PRIu64 " has unknown kind %d", e->seq, e->kind);
            return ERR_MALFORMED;
    }
    if (rc != ERR_OK && why && !*why)
        err_why (why, why_size, "entry %" PRIu64 " does not apply: %s", e->seq, err_str (rc));
    return rc;
}
