/*  query.c -- application bodies' scoped queries (see query.h).

    Checks, in this order, each refusal with its own code: the caller's
    key is a registered, unrevoked application body of this node
    (ERR_FORBIDDEN), the frame is one query (ERR_MALFORMED), every field
    is UTF-8 text (ERR_BAD_FIELD, proto/text.h), matter,
    staff, case and purpose are present (ERR_MISSING_FIELD) and short
    (ERR_BAD_FIELD), a holder is named (ERR_NO_HOLDER), the matter is the
    body's (ERR_MATTER), the license id parses (ERR_BAD_LICENSE_ID) and its
    type is the body's (ERR_OUT_OF_SCOPE), the license exists and is the
    holder's (ERR_NOT_FOUND, the same answer either way, so a query
    cannot probe for licenses of other holders).

    Everything the answer holds is built as malloc'd protobuf members, so
    codec_reply_free releases it after the audit record is durable.
*/
#include <time.h>
#include "node/base/logfmt.h"
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "proto/disclose.h"
#include "proto/licid.h"
#include "proto/lifecycle.h"
#include "node/serve/query.h"
#include "node/serve/query_int.h"
#include "node/store/files.h"
#include "node/serve/ratelimit.h"
#include "node/serve/auditagg.h"
#include "proto/seal.h"
#include "proto/text.h"


#define QUERY_EVENTS_MAX 1000                   //  events in one copy

query_t *
query_new (const config_t *cfg, identity_t *id, store_t *store, views_t *views, ingest_t *ingest)
{
    query_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->cfg = cfg;
    self->id = id;
    self->store = store;
    self->views = views;
    self->ingest = ingest;
    self->rate = ratelimit_new (cfg->query_rate, cfg->query_burst);
    self->refusals = ratelimit_new (cfg->audit_refusals / 60.0, cfg->audit_refusals);
    self->agg = auditagg_new (cfg->audit_window_ms);
    if (!self->rate || !self->refusals || !self->agg)
        query_destroy (&self);
    return self;
}

void
query_destroy (query_t **self_p)
{
    if (self_p && *self_p) {
        query_t *self = *self_p;
        ratelimit_destroy (&self->rate);
        ratelimit_destroy (&self->refusals);
        auditagg_destroy (&self->agg);
        free (self->entry);
        free (self);
        *self_p = NULL;
    }
}

void
query_stats (query_t *self, uint64_t *granted, uint64_t *refused)
{
    *granted = self->granted;
    *refused = self->refused;
}

// ---------------------------------------------------------------------
//  Checks

static bool
s_has (char **list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen (list [i]) == len && memcmp (list [i], s, len) == 0)
            return true;
    return false;
}

//  True if the body's clearance covers item `name` of type t: public and
//  internal items are every body's; the rest need their own clearance.
//  An item the type does not know (or no type) counts as secret, so it
//  is never shown by mistake.
static bool
s_covers (const Lic__AppBody *b, const Lic__LicenseType *t, const char *name)
{
    const Lic__ItemSpec *spec = t? disclose_spec (t, name): NULL;
    Lic__Sensitivity s = spec? spec->sensitivity: LIC__SENSITIVITY__SENS_SECRET;
    return disclose_visible (s, b->clearance, b->n_clearance);
}

int
query_check_body (const Lic__AppBody *b, char *why, size_t why_size)
{
    int rc = b? codec_check_text (&b->base, QUERY_BODY_TEXT_MAX, why, why_size): ERR_OK;
    if (rc != ERR_OK)
        return rc;
    if (!b || !b->credit_code || !licid_credit_code_valid (b->credit_code)) {
        err_why (why, why_size, "application body credit code \"%s\" is not a valid unified "
                 "social credit code", b && b->credit_code? b->credit_code: "");
        return ERR_BAD_CREDIT_CODE;
    }
    if (!*b->name || strlen (b->name) > 256 || b->curve_key.len != 32) {
        err_why (why, why_size, "an application body needs a name (1..256 bytes) and a 32-byte CURVE key");
        return ERR_BAD_FIELD;
    }
    if (b->n_license_types > 1024 || b->n_matters > 1024) {
        err_why (why, why_size, "at most 1024 license types and 1024 matters");
        return ERR_BAD_FIELD;
    }
    for (size_t i = 0; i < b->n_license_types; i++) {
        const char *t = b->license_types [i];
        if (!licid_type_code_valid (t)) {
            err_why (why, why_size, "license type \"%s\" is not 18-char credit code + 3 digits", t);
            return ERR_BAD_FIELD;
        }
    }
    for (size_t i = 0; i < b->n_matters; i++) {
        size_t ml = strlen (b->matters [i]);
        if (ml == 0 || ml > 64) {
            err_why (why, why_size, "matter %zu is not 1..64 bytes", i);
            return ERR_BAD_FIELD;
        }
    }
    for (size_t i = 0; i < b->n_clearance; i++)
        if (b->clearance [i] != LIC__SENSITIVITY__SENS_PERSONAL
        &&  b->clearance [i] != LIC__SENSITIVITY__SENS_COMMERCIAL
        &&  b->clearance [i] != LIC__SENSITIVITY__SENS_SECRET) {
            err_why (why, why_size, "clearance %zu is not personal, commercial or secret", i);
            return ERR_BAD_FIELD;
        }
    return ERR_OK;
}

//  The checks every query passes before any read.  ERR_OK or the refusal.
static int
s_check_request (const Lic__AppBody *b, const Lic__QueryRequest *q, licid_t *id,
                 char *why, size_t why_size)
{
    //  Text first (proto/text.h): nothing below quotes a value that
    //  is not; each field's length is bounded by its own check below.
    int rc = codec_check_text (&q->base, CODEC_FRAME_MAX, why, why_size);
    if (rc != ERR_OK)
        return ERR_BAD_FIELD;
    const char *names [4] = { "matter_code", "staff_id", "case_number", "purpose" };
    const char *values [4] = { q->matter_code, q->staff_id, q->case_number, q->purpose };
    for (int i = 0; i < 4; i++) {
        if (!values [i] || !*values [i]) {
            err_why (why, why_size, "every query names its %s (regulation Art. 13)", names [i]);
            return ERR_MISSING_FIELD;
        }
        if (strlen (values [i]) > QUERY_FIELD_MAX) {
            err_why (why, why_size, "%s is longer than %d bytes", names [i], QUERY_FIELD_MAX);
            return ERR_BAD_FIELD;
        }
    }
    if (q->kind < LIC__QUERY_KIND__QUERY_GET || q->kind > LIC__QUERY_KIND__QUERY_FILE) {
        err_why (why, why_size, "query kind %d is not get, find, status, copy or file", q->kind);
        return ERR_BAD_FIELD;
    }
    if (!q->holder || !q->holder->id || !*q->holder->id || !q->holder->id_type || !*q->holder->id_type) {
        err_why (why, why_size, "a query names the holder (id type and id) whose licenses it needs "
                 "(regulation Art. 13)");
        return ERR_NO_HOLDER;
    }
    if (strlen (q->holder->id) > QUERY_HOLDER_ID_MAX
    ||  strlen (q->holder->id_type) > QUERY_HOLDER_TYPE_MAX) {
        err_why (why, why_size, "holder id over %d bytes or id type over %d",
                 QUERY_HOLDER_ID_MAX, QUERY_HOLDER_TYPE_MAX);
        return ERR_BAD_FIELD;
    }
    if (!s_has (b->matters, b->n_matters, q->matter_code, strlen (q->matter_code))) {
        err_why (why, why_size, "matter %s is not among the matters of application body %s",
                 q->matter_code, b->credit_code);
        return ERR_MATTER;
    }
    if (q->kind == LIC__QUERY_KIND__QUERY_FIND && strlen (q->cursor) > LICID_BARE_MAX) {
        err_why (why, why_size, "cursor over %d bytes (pass back next_cursor as it came)", LICID_BARE_MAX);
        return ERR_BAD_FIELD;
    }
    if (q->kind == LIC__QUERY_KIND__QUERY_FIND)
        return ERR_OK;
    if (!q->license_id || !*q->license_id) {
        err_why (why, why_size, "this query needs a license id");
        return ERR_MISSING_FIELD;
    }
    rc = licid_parse (q->license_id, id, why, why_size);
    if (rc != ERR_OK)
        return ERR_BAD_LICENSE_ID;
    if (!s_has (b->license_types, b->n_license_types, id->type_code, 21)) {
        err_why (why, why_size, "license type %.21s is outside the business of application body %s",
                 id->type_code, b->credit_code);
        return ERR_OUT_OF_SCOPE;
    }
    if (q->kind == LIC__QUERY_KIND__QUERY_STATUS && q->at && !lifecycle_time_valid (q->at)) {
        err_why (why, why_size, "at %" PRId64 " is outside the time window 1990-01-01T00:00:00Z .. "
                 "2100-01-01T00:00:00Z (0 = now)", q->at);
        return ERR_BAD_FIELD;
    }
    if (q->kind == LIC__QUERY_KIND__QUERY_COPY) {
        int64_t now = (int64_t) time (NULL);
        if (q->expires_at <= now || q->expires_at > now + QUERY_COPY_DAYS * 86400LL) {
            err_why (why, why_size, "a copy expires after now and within %d days", QUERY_COPY_DAYS);
            return ERR_BAD_FIELD;
        }
    }
    return ERR_OK;
}

// ---------------------------------------------------------------------
//  Reads

//  The license with its content (views.h, the one rule of proto/licstate.h).
static int
s_load_state (query_t *self, const char *bare, Lic__LicenseState **st)
{
    free (self->entry);
    self->entry = NULL;
    int rc = views_license_read_entry (self->store, bare, st, &self->entry, &self->entry_len);
    self->entry_seq = rc == ERR_OK && self->entry? (*st)->content_seq: 0;
    return rc;
}

int
query_load_entry (query_t *self, uint64_t seq, Lic__LogEntry **e)
{
    uint8_t key [8], *v;
    size_t vl;
    int rc = ERR_OK;
    if (seq && seq == self->entry_seq && self->entry) {
        v = self->entry;            //  the one the state was just read from
        vl = self->entry_len;
        self->entry = NULL;
        self->entry_seq = 0;
    }
    else {
        store_put_u64 (key, seq);
        rc = store_get (self->store, STORE_CF_LOG, key, 8, &v, &vl);
    }
    if (rc != ERR_OK)
        return rc;
    rc = codec_entry_decode (v, vl, e) == ERR_OK && (*e)->envelope? ERR_OK: ERR_CORRUPT;
    if (rc != ERR_OK)
        codec_entry_free (e);
    free (v);
    return rc;
}

static bool
s_holder_is (const Lic__LicenseState *st, const Lic__Holder *h)
{
    const Lic__Holder *sh = st->content? st->content->holder: NULL;
    return sh && streq (sh->id, h->id) && streq (sh->id_type, h->id_type);
}

//  Keeps in env only the disclosures the body may see, adding those of
//  items marked secret when this node holds them (the node that received
//  the event).  Unseen items are listed in masked (if not NULL).
static int
s_filter_disclosures (query_t *self, Lic__Envelope *env, uint64_t seq,
                      const Lic__LicenseType *t, const Lic__AppBody *b)
{
    Lic__Envelope *secret = NULL;
    uint8_t key [8], *v;
    size_t vl;
    store_put_u64 (key, seq);
    //  Secret values are read only for a clearance that may see them.
    if (disclose_visible (LIC__SENSITIVITY__SENS_SECRET, b->clearance, b->n_clearance)
    &&  store_get (self->store, STORE_CF_SECRET, key, 8, &v, &vl) == ERR_OK) {
        if (codec_envelope_decode (v, vl, &secret) != ERR_OK)
            secret = NULL;
        free (v);
    }
    size_t n_secret = secret? secret->n_disclosures: 0;
    Lic__Disclosure **keep = calloc (env->n_disclosures + n_secret + 1, sizeof *keep);
    if (!keep) {
        codec_envelope_free (&secret);
        return ERR_NOMEM;
    }
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++) {
        Lic__Envelope *from = pass? secret: env;
        for (size_t i = 0; from && i < from->n_disclosures; i++) {
            Lic__Disclosure *d = from->disclosures [i];
            if (s_covers (b, t, d->name))
                keep [k++] = d;
            else
                lic__disclosure__free_unpacked (d, NULL);
        }
        if (from) {
            free (from->disclosures);
            from->disclosures = NULL;
            from->n_disclosures = 0;
        }
    }
    env->disclosures = keep;
    env->n_disclosures = k;
    codec_envelope_free (&secret);
    return ERR_OK;
}

//  One license as body b may see it, into ql (malloc'd members).
static int
s_license_view (query_t *self, const Lic__AppBody *b, Lic__LicenseState *st,
                Lic__QueryLicense *ql, time_t as_of)
{
    lic__query_license__init (ql);
    ql->state = st;
    const char *valid_to = st->content? st->content->valid_to: "";
    ql->effective_status = lifecycle_effective_status (st->status, valid_to, as_of);
    const Lic__LicenseType *t = st->catalogue_version?
        views_type_at (self->views, st->origin_division, st->license_id, st->catalogue_version): NULL;
    if (t)
        ql->inspection_overdue = catalogue_inspection_overdue (t, st, as_of);
    int rc = ERR_OK;
    if (st->content_seq && (rc = query_load_entry (self, st->content_seq, &ql->content_entry)) == ERR_OK)
        rc = s_filter_disclosures (self, ql->content_entry->envelope, st->content_seq, t, b);
    if (rc == ERR_NOT_FOUND)
        rc = ERR_OK;
    const Lic__Envelope *env = ql->content_entry? ql->content_entry->envelope: NULL;
    Lic__LicenseContent *c = st->content;
    if (rc == ERR_OK && c && c->n_items) {
        ql->masked = calloc (c->n_items, sizeof *ql->masked);
        if (!ql->masked)
            rc = ERR_NOMEM;
    }
    for (size_t i = 0; rc == ERR_OK && c && i < c->n_items; i++) {
        Lic__DataItem *item = c->items [i];
        if (item->digest.len == 0)
            continue;
        const Lic__Disclosure *d = env? disclose_find (env->disclosures, env->n_disclosures, item->name): NULL;
        if (d)
            rc = codec_set_string (&item->value, d->value);
        else
        if (!(ql->masked [ql->n_masked++] = strdup (item->name)))
            rc = ERR_NOMEM;
    }
    return rc;
}

// ---------------------------------------------------------------------
//  Archived copies

//  Appends the node records that vouch for key `key` of `division` (its
//  latest key if NULL) up to this node: the record of that key, then the
//  record of the key that signed it, and so on (this node's own chain,
//  from its parent, is added once at the end).  Following the signers'
//  keys, not the latest ones, keeps a copy verifiable across rotations.
static int
s_chain_add (query_t *self, Lic__CopyContent *cc, size_t cap, const char *division,
             const uint8_t *key)
{
    char d [16];
    uint8_t k [32];
    snprintf (d, sizeof d, "%s", division);
    if (key)
        memcpy (k, key, 32);
    for (int depth = 0; depth < 16 && *d; depth++) {
        //  At this node: only the record of an older key of ours (the
        //  current one is in our own chain, added at the end).
        bool own = streq (d, self->cfg->division);
        if (own && !key)
            break;
        Lic__Envelope *env = NULL;
        int rc = key? views_node_envelope_of_key (self->views, d, k, &env)
                    : views_node_envelope (self->views, d, &env);
        if (rc != ERR_OK)
            return ERR_OK;      //  not vouched for here: the verifier says so
        Lic__NodeRecord *rec = NULL;
        if (env->key_id.len != 32
        ||  codec_node_record_decode (env->body.data, env->body.len, &rec) != ERR_OK) {
            codec_envelope_free (&env);
            return ERR_CORRUPT;
        }
        snprintf (d, sizeof d, "%s", rec->parent_division);
        memcpy (k, env->key_id.data, 32);
        key = k;
        codec_node_record_free (&rec);
        bool dup = false;
        for (size_t i = 0; i < cc->n_node_chain; i++)
            if (cc->node_chain [i]->body.len == env->body.len
            &&  memcmp (cc->node_chain [i]->body.data, env->body.data, env->body.len) == 0)
                dup = true;
        if (dup || cc->n_node_chain == cap)
            codec_envelope_free (&env);
        else
            cc->node_chain [cc->n_node_chain++] = env;
        if (own)
            break;
    }
    return ERR_OK;
}

//  This node's own chain, as its parent sent it (meta "chain": a
//  CopyContent holding only node_chain).
static void
s_chain_own (query_t *self, Lic__CopyContent *cc, size_t cap)
{
    uint8_t *v;
    size_t vl;
    if (store_get (self->store, STORE_CF_META, "chain", 5, &v, &vl) != ERR_OK)
        return;
    Lic__CopyContent *own = NULL;
    if (codec_copy_content_decode (v, vl, &own) == ERR_OK) {
        for (size_t i = 0; i < own->n_node_chain && cc->n_node_chain < cap; i++) {
            cc->node_chain [cc->n_node_chain++] = own->node_chain [i];
            own->node_chain [i] = NULL;
        }
        own->n_node_chain = 0;      //  the envelopes moved; free only the rest
        codec_copy_content_free (&own);
    }
    free (v);
}

//  A copy of s for an audit record, cut at QUERY_RECORD_MAX bytes (on a
//  UTF-8 character boundary): a refused query with a 200 KB "purpose" is
//  recorded, but not 200 KB of it in every level's log.  A query refused
//  because a field is not text is recorded with each bad byte as U+FFFD
//  (text_dup), so the record, signed and replicated, is text too.
#define QUERY_RECORD_MAX (2 * QUERY_FIELD_MAX)

static char *
s_strdup (const char *s)
{
    return text_dup (s, QUERY_RECORD_MAX);
}

//  Builds the archived copy of the license in st for body b (request q)
//  into *out (malloc'd LicenseCopy bytes).
static int
s_make_copy (query_t *self, const Lic__AppBody *b, const Lic__QueryRequest *q,
             const Lic__LicenseState *st, Lic__Status effective, uint8_t **out, size_t *out_len)
{
    Lic__CopyContent cc;
    codec_copy_content_init (&cc);
    cc.license_id = (char *) st->license_id;
    size_t cap_chain = 64;
    cc.events = calloc (QUERY_EVENTS_MAX, sizeof *cc.events);
    cc.node_chain = calloc (cap_chain, sizeof *cc.node_chain);
    const Lic__LicenseType *t = st->catalogue_version?
        views_type_at (self->views, st->origin_division, st->license_id, st->catalogue_version): NULL;
    int rc = cc.events && cc.node_chain? ERR_OK: ERR_NOMEM;
    if (rc == ERR_OK && st->catalogue_version && !t)
        rc = ERR_NOT_FOUND;
    //  The events, in order, with what the body may see of their items.
    //  History key: bare license id, NUL, seq.  A stored state's id
    //  passed evcheck (at most LICID_BARE_MAX bytes); longer is corrupt.
    uint8_t prefix [LICID_BARE_MAX + 1];
    _Static_assert (sizeof prefix == sizeof ((licid_t *) 0)->bare,
                    "a history prefix holds any bare license id and its NUL");
    size_t plen = strnlen (st->license_id, LICID_BARE_MAX + 1) + 1, bytes = 0;
    if (rc == ERR_OK && plen > sizeof prefix)
        rc = ERR_CORRUPT;
    if (rc == ERR_OK)
        memcpy (prefix, st->license_id, plen);
    store_iter_t *it = rc == ERR_OK? store_iter_new (self->store, STORE_CF_HISTORY, prefix, plen, NULL, 0): NULL;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (it && rc == ERR_OK && store_iter_next (it, &k, &kl, &v, &vl)) {
        Lic__LogEntry *e = NULL;
        if (vl != 8 || query_load_entry (self, store_get_u64 (v), &e) != ERR_OK) {
            rc = ERR_CORRUPT;
            break;
        }
        if (cc.n_events == QUERY_EVENTS_MAX || bytes + e->envelope->body.len > QUERY_BUDGET / 2) {
            codec_entry_free (&e);
            rc = ERR_TOO_LARGE;
            break;
        }
        rc = s_filter_disclosures (self, e->envelope, e->seq, t, b);
        bytes += e->envelope->body.len;
        cc.events [cc.n_events++] = e->envelope;
        e->envelope = NULL;
        codec_entry_free (&e);
    }
    store_iter_destroy (&it);
    if (rc == ERR_OK)
        rc = views_registration_envelope (self->views, st->origin_division, st->issuer_code, &cc.registration);
    if (rc == ERR_OK && t)
        rc = views_type_envelope (self->views, t->division, t->type_code, t->version, &cc.catalogue);
    //  The records of the keys that signed the registration and the type.
    if (rc == ERR_OK)
        rc = s_chain_add (self, &cc, cap_chain, st->origin_division,
                          cc.registration->key_id.len == 32? cc.registration->key_id.data: NULL);
    if (rc == ERR_OK && t)
        rc = s_chain_add (self, &cc, cap_chain, t->division,
                          cc.catalogue->key_id.len == 32? cc.catalogue->key_id.data: NULL);
    if (rc == ERR_OK)
        s_chain_own (self, &cc, cap_chain);

    uint8_t *content = NULL, *stmt_bytes = NULL, sig [SEAL_SIG_BYTES], digest [SEAL_HASH_BYTES];
    size_t content_len = 0, stmt_len = 0;
    if (rc == ERR_OK)
        rc = codec_copy_content_encode (&cc, &content, &content_len);
    if (rc == ERR_OK) {
        seal_hash (digest, content, content_len, NULL, 0);
        Lic__CopyStatement s;
        codec_copy_statement_init (&s);
        s.license_id = (char *) st->license_id;
        s.status = effective;
        s.license_version = st->version;
        s.pledged = st->pledged;
        s.at = (int64_t) time (NULL);
        s.expires_at = q->expires_at;
        s.maker_code = b->credit_code;
        s.maker_name = b->name;
        s.staff_id = q->staff_id;
        s.matter_code = q->matter_code;
        s.case_number = q->case_number;
        s.purpose = q->purpose;
        s.division = (char *) self->cfg->division;
        s.content_digest.data = digest;
        s.content_digest.len = sizeof digest;
        rc = codec_copy_statement_encode (&s, &stmt_bytes, &stmt_len);
    }
    if (rc == ERR_OK) {
        seal_sign (sig, stmt_bytes, stmt_len, self->id->node.sign_sk);
        Lic__Envelope senv;
        codec_envelope_init (&senv);
        senv.body.data = stmt_bytes;
        senv.body.len = stmt_len;
        senv.signature.data = sig;
        senv.signature.len = sizeof sig;
        senv.key_id.data = self->id->node.sign_pk;
        senv.key_id.len = SEAL_PUBLIC_BYTES;
        Lic__LicenseCopy copy;
        codec_license_copy_init (&copy);
        copy.content.data = content;
        copy.content.len = content_len;
        copy.statement = &senv;
        rc = codec_license_copy_encode (&copy, out, out_len);
    }
    free (content);
    free (stmt_bytes);
    for (size_t i = 0; i < cc.n_events; i++)
        codec_envelope_free (&cc.events [i]);
    for (size_t i = 0; i < cc.n_node_chain; i++)
        codec_envelope_free (&cc.node_chain [i]);
    free (cc.events);
    free (cc.node_chain);
    codec_envelope_free (&cc.registration);
    codec_envelope_free (&cc.catalogue);
    return rc;
}

// ---------------------------------------------------------------------
//  Answering

typedef struct {
    Lic__QueryResult *res;          //  the answer's result (malloc'd)
    size_t cap;
    size_t bytes;
} s_answer_t;

//  Adds the license in st (taken) to the answer.
static int
s_answer_add (query_t *self, s_answer_t *a, const Lic__AppBody *b, Lic__LicenseState *st,
              time_t as_of)
{
    if (a->res->n_licenses == a->cap) {
        codec_state_free (&st);
        return ERR_TOO_LARGE;
    }
    Lic__QueryLicense *ql = calloc (1, sizeof *ql);
    if (!ql) {
        codec_state_free (&st);
        return ERR_NOMEM;
    }
    int rc = s_license_view (self, b, st, ql, as_of);
    a->res->licenses [a->res->n_licenses++] = ql;
    a->bytes += lic__query_license__get_packed_size (ql);
    return rc;
}

//  A holder's licenses of the body's types (holder index: holder id 0x00
//  id type 0x00 license id), a page at a time: at most QUERY_FIND_MAX and
//  ~192 KiB, from `cursor` (a bare license id, "" = the first); when a
//  license of the body's types is left out, the answer says `more` and
//  where the next page starts, so it is never cut silently.
static int
s_find (query_t *self, s_answer_t *a, const Lic__AppBody *b, const Lic__Holder *h,
        const char *cursor, time_t now)
{
    //  Holder key prefix: id, NUL, id type, NUL.  s_check_request bounds
    //  both (QUERY_HOLDER_ID_MAX, QUERY_HOLDER_TYPE_MAX).
    uint8_t prefix [QUERY_HOLDER_ID_MAX + 1 + QUERY_HOLDER_TYPE_MAX + 1];
    _Static_assert (sizeof prefix == QUERY_HOLDER_ID_MAX + QUERY_HOLDER_TYPE_MAX + 2,
                    "a holder prefix holds the longest holder id and id type a query may name");
    size_t il = strnlen (h->id, QUERY_HOLDER_ID_MAX + 1) + 1;
    size_t tl = strnlen (h->id_type, QUERY_HOLDER_TYPE_MAX + 1) + 1;
    if (il > QUERY_HOLDER_ID_MAX + 1 || tl > QUERY_HOLDER_TYPE_MAX + 1)
        return ERR_BAD_FIELD;
    memcpy (prefix, h->id, il);
    memcpy (prefix + il, h->id_type, tl);
    uint8_t start [sizeof prefix + LICID_BARE_MAX];
    size_t cl = strlen (cursor);
    if (cl > LICID_BARE_MAX)
        return ERR_BAD_FIELD;
    memcpy (start, prefix, il + tl);
    memcpy (start + il + tl, cursor, cl);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_HOLDER, prefix, il + tl,
                                       cl? start: NULL, cl? il + tl + cl: 0);
    if (!it)
        return ERR_NOMEM;
    const uint8_t *k;
    size_t kl;
    int rc = ERR_OK;
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, NULL, NULL)) {
        size_t bl = kl - il - tl;
        if (bl < 21 || bl > LICID_BARE_MAX)
            continue;
        char bare [LICID_BARE_MAX + 1];
        memcpy (bare, k + il + tl, bl);
        bare [bl] = 0;
        //  The type code is the id's first 21 characters: skip what the
        //  body may not see before reading anything of it.
        if (!s_has (b->license_types, b->n_license_types, bare, 21))
            continue;
        if (a->res->n_licenses == a->cap || a->bytes >= QUERY_BUDGET) {
            a->res->more = true;    //  this one starts the next page
            if (!(a->res->next_cursor = strdup (bare)))
                rc = ERR_NOMEM;
            break;
        }
        Lic__LicenseState *st = NULL;
        if (s_load_state (self, bare, &st) == ERR_OK && s_holder_is (st, h))
            rc = s_answer_add (self, a, b, st, now);
        else
            codec_state_free (&st);
    }
    store_iter_destroy (&it);
    return rc;
}

//  Answers query q of body b into reply (malloc'd members).  Returns the
//  reply code; why says more on refusal.
//  A chunk of the file of the license in st (taken), read from offset:
//  the license passed the same scope checks as a get (s_check_request,
//  the holder), and the answer is recorded like any other.
static int
s_answer_file (query_t *self, Lic__LicenseState *st, uint64_t offset, Lic__QueryResult *res,
               char *why, size_t why_size)
{
    int rc = ERR_OK;
    const ProtobufCBinaryData *d = st->content? &st->content->file_digest: NULL;
    Lic__FileResult *f = calloc (1, sizeof *f);
    uint8_t *digest = malloc (FILES_DIGEST), *data = NULL;
    if (!f || !digest) {
        free (f);
        free (digest);
        codec_state_free (&st);
        return ERR_NOMEM;
    }
    lic__file_result__init (f);
    res->file = f;
    if (!d || d->len != FILES_DIGEST) {
        err_why (why, why_size, "license %s names no file", st->license_id);
        free (digest);
        codec_state_free (&st);
        return ERR_NOT_FOUND;
    }
    memcpy (digest, d->data, FILES_DIGEST);
    f->digest.data = digest;
    f->digest.len = FILES_DIGEST;
    size_t len = 0;
    uint64_t total = 0;
    rc = files_read (self->store, digest, offset, FILES_CHUNK, &data, &len, &total);
    if (rc == ERR_NOT_FOUND)
        err_why (why, why_size, "the file of license %s is not here yet (it follows the license "
                 "from the node that took it)", st->license_id);
    else
    if (rc == ERR_BAD_FIELD)
        err_why (why, why_size, "offset %" PRIu64 " is past the end of the file (%" PRIu64
                 " bytes)", offset, total);
    else
    if (rc != ERR_OK)
        err_why (why, why_size, "the file could not be read: %s", err_str (rc));
    codec_state_free (&st);
    if (rc != ERR_OK)
        return rc;
    f->present = true;
    f->total = f->received = total;
    f->offset = offset;
    f->data.data = data;
    f->data.len = len;
    return ERR_OK;
}

static int
s_answer (query_t *self, const Lic__AppBody *b, const Lic__QueryRequest *q, Lic__Reply *reply,
          char *why, size_t why_size)
{
    licid_t id;
    int rc = s_check_request (b, q, &id, why, why_size);
    if (rc != ERR_OK)
        return rc;
    s_answer_t a = { calloc (1, sizeof *a.res), q->kind == LIC__QUERY_KIND__QUERY_FIND? QUERY_FIND_MAX: 1, 0 };
    if (!a.res)
        return ERR_NOMEM;
    lic__query_result__init (a.res);
    a.res->licenses = calloc (a.cap, sizeof *a.res->licenses);
    reply->body_case = LIC__REPLY__BODY_QUERY;
    reply->query = a.res;
    if (!a.res->licenses)
        return ERR_NOMEM;
    time_t now = time (NULL);
    if (q->kind == LIC__QUERY_KIND__QUERY_FIND)
        return s_find (self, &a, b, q->holder, q->cursor, now);

    Lic__LicenseState *st = NULL;
    rc = s_load_state (self, id.bare, &st);
    if (rc == ERR_OK && !s_holder_is (st, q->holder))
        rc = ERR_NOT_FOUND;
    if (rc != ERR_OK) {
        codec_state_free (&st);
        if (rc == ERR_NOT_FOUND)
            err_why (why, why_size, "no license %s of holder %s %s in this repository",
                     id.bare, q->holder->id_type, q->holder->id);
        return rc;
    }
    if (q->kind == LIC__QUERY_KIND__QUERY_FILE)
        return s_answer_file (self, st, q->file_offset, a.res, why, why_size);
    time_t as_of = now;
    if (q->kind == LIC__QUERY_KIND__QUERY_STATUS && q->at) {
        //  As of `at`: the license as it was then (its events completed
        //  by then), nothing of what came later; the named holder must
        //  have been its holder then too.
        Lic__LicenseState *then = NULL;
        char when [LIFECYCLE_TIME_SIZE];
        rc = views_state_at (self->views, id.bare, q->at, &then);
        if (rc == ERR_OK && !s_holder_is (then, q->holder))
            rc = ERR_NOT_FOUND;
        if (rc == ERR_NOT_FOUND)
            err_why (why, why_size, "license %s of holder %s %s was not issued yet at %s", id.bare,
                     q->holder->id_type, q->holder->id, lifecycle_time_text (q->at, when));
        codec_state_free (&st);
        if (rc != ERR_OK) {
            codec_state_free (&then);
            return rc;
        }
        st = then;
        as_of = (time_t) q->at;
    }
    Lic__LicenseState *kept = st;
    rc = s_answer_add (self, &a, b, st, as_of);
    if (rc == ERR_OK && q->kind == LIC__QUERY_KIND__QUERY_STATUS)
        a.res->licenses [0]->as_of = (int64_t) as_of;
    if (rc == ERR_OK && q->kind == LIC__QUERY_KIND__QUERY_COPY) {
        uint8_t *copy;
        size_t len;
        rc = s_make_copy (self, b, q, kept, a.res->licenses [0]->effective_status, &copy, &len);
        if (rc == ERR_OK) {
            a.res->copy.data = copy;
            a.res->copy.len = len;
        }
        else
            err_why (why, why_size, "the copy could not be made: %s", err_str (rc));
    }
    return rc;
}

//  The audit record of a query (all members malloc'd).
static Lic__AuditRecord *
s_record (const Lic__AppBody *b, const uint8_t *key, const Lic__QueryRequest *q,
          const Lic__Reply *reply, int code, const char *why)
{
    Lic__AuditRecord *r = calloc (1, sizeof *r);
    if (!r)
        return NULL;
    codec_audit_record_init (r);
    r->body_code = s_strdup (b? b->credit_code: "");
    if (key && (r->body_key.data = malloc (32))) {
        memcpy (r->body_key.data, key, 32);
        r->body_key.len = 32;
    }
    if (q) {
        r->kind = q->kind;
        r->matter_code = s_strdup (q->matter_code);
        r->staff_id = s_strdup (q->staff_id);
        r->case_number = s_strdup (q->case_number);
        r->purpose = s_strdup (q->purpose);
        r->holder_id_type = s_strdup (q->holder? q->holder->id_type: "");
        r->holder_id = s_strdup (q->holder? q->holder->id: "");
        r->license_id = s_strdup (q->license_id);
        r->as_of = q->kind == LIC__QUERY_KIND__QUERY_STATUS? q->at: 0;
    }
    const Lic__QueryResult *res = code == ERR_OK && reply->body_case == LIC__REPLY__BODY_QUERY? reply->query: NULL;
    if (res && res->n_licenses && (r->returned = calloc (res->n_licenses, sizeof *r->returned)))
        for (size_t i = 0; i < res->n_licenses; i++)
            if ((r->returned [r->n_returned] = s_strdup (res->licenses [i]->state->license_id)))
                r->n_returned++;
    r->code = code;
    r->message = s_strdup (code == ERR_OK? "": why);
    r->at_ms = zclock_time ();
    return r;
}

void
query_on_frame (query_t *self, int channel, zframe_t **route_p, zframe_t *body)
{
    Lic__Request *req = NULL;
    int rc = codec_request_decode (zframe_data (body), zframe_size (body), &req);
    query_on_request (self, channel, route_p, zframe_meta (body, "User-Id"), req,
                      req? req->id: codec_request_id (zframe_data (body), zframe_size (body)), rc);
    codec_request_free (&req);
}

// ---------------------------------------------------------------------
//  Refusals without amplification (README "Bounded resources"): every query is
//  recorded, alone or counted in its key's aggregated record

//  Answers a refusal now (nothing waits for a record) and counts it in
//  the aggregated record of key (NULL: none) and body b (NULL: not one).
static void
s_aggregate (query_t *self, int channel, zframe_t **route_p, const uint8_t *key,
             const Lic__AppBody *b, uint64_t id, int code, const char *why)
{
    auditagg_count (self->agg, key, b? b->credit_code: NULL, code, why, zclock_time ());
    self->refused++;
    self->aggregated++;
    Lic__Reply *reply = calloc (1, sizeof *reply);
    if (reply) {
        codec_reply_init (reply);
        reply->id = id;
        reply->code = code;
        reply->message = strdup (why);
    }
    if (reply && self->send)
        self->send (self->send_arg, channel, route_p, &reply);
    codec_reply_free (&reply);
    zframe_destroy (route_p);
}

void
query_set_sender (query_t *self, ingest_audit_fn *fn, void *arg)
{
    self->send = fn;
    self->send_arg = arg;
}

void
query_refuse (query_t *self, int channel, zframe_t **route_p, const char *user, uint64_t id,
              int code, const char *why)
{
    uint8_t key [32];
    bool have_key = user && strlen (user) == 40 && zmq_z85_decode (key, user);
    const Lic__AppBody *b = have_key? views_app_body_by_key (self->views, self->cfg->division, key): NULL;
    if (code == ERR_BUSY)
        self->busy++;
    s_aggregate (self, channel, route_p, have_key? key: NULL, b, id, code, why);
}

//  Hands an aggregated record to the pipeline, if it has room.
static bool
s_write_aggregated (void *arg, Lic__AuditRecord **rec_p)
{
    query_t *self = (query_t *) arg;
    if (ingest_full (self->ingest))
        return false;
    ingest_submit_audit (self->ingest, 0, NULL, rec_p, NULL);
    return true;
}

void
query_on_tick (query_t *self, bool all)
{
    auditagg_flush (self->agg, zclock_time (), all, s_write_aggregated, self);
    int64_t now = zclock_mono ();
    ratelimit_sweep (self->rate, now);
    ratelimit_sweep (self->refusals, now);
}

void
query_flood_stats (query_t *self, uint64_t *aggregated, uint64_t *busy, uint64_t *pending)
{
    *aggregated = self->aggregated;
    *busy = self->busy;
    *pending = auditagg_pending (self->agg);
}

void
query_on_request (query_t *self, int channel, zframe_t **route_p, const char *user,
                  const Lic__Request *req, uint64_t id, int rc)
{
    char why [512] = "";
    uint8_t key [32];
    bool have_key = user && strlen (user) == 40 && zmq_z85_decode (key, user);
    const Lic__AppBody *b = have_key? views_app_body_by_key (self->views, self->cfg->division, key): NULL;
    //  Over the key's rate: refused unread (whatever the frame holds).
    if (!ratelimit_take (self->rate, user, zclock_mono ())) {
        self->busy++;
        err_why (why, sizeof why, "over %d queries a second (%d at once) of this key: retry later",
                 self->cfg->query_rate, self->cfg->query_burst);
        s_aggregate (self, channel, route_p, have_key? key: NULL, b, id, ERR_BUSY, why);
        return;
    }
    Lic__Reply *reply = calloc (1, sizeof *reply);
    if (!reply) {
        zframe_destroy (route_p);
        return;
    }
    codec_reply_init (reply);
    if (rc != ERR_OK)
        err_why (why, sizeof why, "%s", rc == ERR_TOO_LARGE? "frame exceeds the 256 KiB limit"
                 : rc == ERR_VERSION? "protocol version not supported (this node speaks 1)"
                 : "frame does not decode as lic.Request");
    else
    if (!b) {
        rc = ERR_FORBIDDEN;
        err_why (why, sizeof why, "this key is not a registered application body of node %s",
                 self->cfg->division);
    }
    else
    if (req->body_case != LIC__REQUEST__BODY_QUERY || !req->query) {
        rc = ERR_FORBIDDEN;
        err_why (why, sizeof why, "the query socket answers only queries");
    }
    else
        rc = s_answer (self, b, req->query, reply, why, sizeof why);
    reply->id = id;
    //  A frame that does not decode, a key that is not a body's, a body's
    //  refusals past its own rate: counted, not recorded one by one.
    if (rc != ERR_OK
    &&  (!req || !b || !ratelimit_take (self->refusals, user, zclock_mono ()))) {
        codec_reply_free (&reply);
        s_aggregate (self, channel, route_p, have_key? key: NULL, b, id, rc, why);
        return;
    }
    Lic__AuditRecord *rec = s_record (b, have_key? key: NULL,
                                      req && req->body_case == LIC__REQUEST__BODY_QUERY? req->query: NULL,
                                      reply, rc, why);
    if (rc != ERR_OK) {
        //  A refusal carries nothing of what was read before it.
        codec_reply_free (&reply);
        reply = calloc (1, sizeof *reply);
        if (reply) {
            codec_reply_init (reply);
            reply->id = id;
            reply->code = rc;
            reply->message = strdup (why);
        }
        self->refused++;
    }
    else
        self->granted++;
    if (!rec || !reply) {
        codec_audit_record_free (&rec);
        codec_reply_free (&reply);
        zframe_destroy (route_p);
        return;
    }
    ingest_submit_audit (self->ingest, channel, route_p, &rec, &reply);
}
