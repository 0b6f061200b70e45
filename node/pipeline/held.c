/*  held.c -- held entries and their retry (see held.h).

    The quarantine column family holds origin division '/' origin seq
    (u64 BE) -> reason 0x00 entry bytes (proto/FORMAT.md family 10).  The
    changes of batches not yet durable are kept in an overlay (as the
    views keep theirs), so a retry sees what the batches before it held
    and released.
*/
#include <czmq.h>
#include <time.h>
#include "node/base/logfmt.h"
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "proto/licid.h"
#include "proto/seal.h"
#include "node/pipeline/held.h"
#include "node/store/views_origin.h"

typedef struct {
    uint64_t gen;               //  batch generation that wrote it
    uint8_t *value;             //  reason 0x00 entry bytes, NULL if released
    size_t len;
} s_pending_t;

//  One pipeline per process: its held entries' pending changes.
static struct {
    zhashx_t *pending;          //  "division/seq (20 digits)" -> s_pending_t
    bool started;               //  the retry at start was queued
    bool queued;                //  a retry job waits for its turn
} s_held;

static void
s_pending_destroy (void **item_p)
{
    s_pending_t *p = (s_pending_t *) *item_p;
    if (p) {
        free (p->value);
        free (p);
    }
    *item_p = NULL;
}

static zhashx_t *
s_pending (void)
{
    if (!s_held.pending) {
        s_held.pending = zhashx_new ();
        if (s_held.pending)
            zhashx_set_destructor (s_held.pending, s_pending_destroy);
    }
    return s_held.pending;
}

//  The store key of a held entry; its length.
static size_t
s_key (uint8_t key [32], const char *division, uint64_t seq)
{
    size_t dl = strnlen (division, 16);
    memcpy (key, division, dl);
    key [dl] = '/';
    store_put_u64 (key + dl + 1, seq);
    return dl + 9;
}

//  The overlay's name of a held entry (sorts as the store keys do for
//  divisions of one length).
static void
s_name (char name [40], const char *division, uint64_t seq)
{
    snprintf (name, 40, "%.16s/%020" PRIu64, division, seq);
}

//  Writes value (NULL: releases) for the entry into the open batch and
//  the overlay.
static void
s_write (ingest_t *self, const char *division, uint64_t seq, const uint8_t *value, size_t len)
{
    uint8_t key [32];
    size_t kl = s_key (key, division, seq);
    if (value)
        store_batch_put (ingest_batch (self), STORE_CF_QUARANTINE, key, kl, value, len);
    else
        store_batch_delete (ingest_batch (self), STORE_CF_QUARANTINE, key, kl);
    if (!value)
        ingest_counters (self)->released++;
    s_pending_t *p = calloc (1, sizeof *p);
    zhashx_t *map = s_pending ();
    if (!p || !map) {
        free (p);
        logfmt_msgf (LOGFMT_ERROR, "out of memory noting held entry %s/%" PRIu64, division, seq);
        return;
    }
    p->gen = ingest_gen (self);
    if (value) {
        p->value = malloc (len);
        if (!p->value) {
            free (p);
            return;
        }
        memcpy (p->value, value, len);
        p->len = len;
    }
    char name [40];
    s_name (name, division, seq);
    zhashx_update (map, name, p);
}

//  Holds with "ERR_X: why" as reason; false if out of memory.
static bool
s_hold (ingest_t *self, const Lic__LogEntry *e, const uint8_t *bytes, size_t len, int code,
        const char *why)
{
    char reason [400];
    int rl = snprintf (reason, sizeof reason, "%s: %s", err_str (code), why);
    if (rl < 0)
        return false;
    if ((size_t) rl >= sizeof reason)
        rl = sizeof reason - 1;
    size_t vlen = (size_t) rl + 1 + len;
    uint8_t *v = malloc (vlen);
    if (!v)
        return false;
    memcpy (v, reason, (size_t) rl);
    v [rl] = 0;
    memcpy (v + rl + 1, bytes, len);
    s_write (self, e->origin_division, e->origin_seq, v, vlen);
    free (v);
    return true;
}

void
held_put (ingest_t *self, const Lic__LogEntry *e, const uint8_t *bytes, size_t len,
          int code, const char *why)
{
    if (!s_hold (self, e, bytes, len, code, why))
        return;
    ingest_counters (self)->quarantined++;
    logfmt_msgf (LOGFMT_WARN, "quarantined entry %s/%" PRIu64 ": %s: %s", e->origin_division,
                 e->origin_seq, err_str (code), why);
}

bool
held_retryable (int code)
{
    //  What may become known here later.  Never: a signature, a rule of
    //  authority (ERR_FORBIDDEN), a revoked key, a malformed entry.
    return code == ERR_UNKNOWN_KEY || code == ERR_NOT_FOUND || code == ERR_VERSION_MISMATCH
        || code == ERR_ILLEGAL_OP || code == ERR_UNKNOWN_TYPE || code == ERR_CATALOGUE
        || code == ERR_TYPE_NOT_ALLOWED || code == ERR_TOO_LARGE;
}

void
held_committed (uint64_t gen, int rc)
{
    zhashx_t *map = s_held.pending;
    if (!map)
        return;
    if (rc != ERR_OK) {
        zhashx_purge (map);     //  nothing pending reached the disk
        return;
    }
    zlist_t *gone = zlist_new ();
    for (s_pending_t *p = (s_pending_t *) zhashx_first (map); p && gone;
         p = (s_pending_t *) zhashx_next (map))
        if (p->gen <= gen)
            zlist_append (gone, (void *) zhashx_cursor (map));
    for (char *k = gone? (char *) zlist_first (gone): NULL; k; k = (char *) zlist_next (gone))
        zhashx_delete (map, k);
    zlist_destroy (&gone);
}

// ---------------------------------------------------------------------
//  Retry

//  Parses a store key into division and seq.
static bool
s_parse_key (const uint8_t *k, size_t kl, char division [16], uint64_t *seq)
{
    if (kl < 10 || kl > 24 || k [kl - 9] != '/')
        return false;
    memcpy (division, k, kl - 9);
    division [kl - 9] = 0;
    *seq = store_get_u64 (k + kl - 8);
    return true;
}

static int
s_cmp_names (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

//  The held entries to look at, in origin order: names (malloc'd) into
//  *names_p, their number returned (at most HELD_RETRY_MAX).
static size_t
s_collect (ingest_t *self, char ***names_p)
{
    zhashx_t *map = s_pending ();
    size_t max = HELD_RETRY_MAX, n = 0;
    char **names = calloc (max, sizeof *names);
    *names_p = names;
    if (!names || !map)
        return 0;
    store_iter_t *it = store_iter_new (views_store_of (ingest_views (self)), STORE_CF_QUARANTINE,
                                       NULL, 0, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (it && n < max && store_iter_next (it, &k, &kl, &v, &vl)) {
        char division [16], name [40];
        uint64_t seq;
        if (!s_parse_key (k, kl, division, &seq))
            continue;
        s_name (name, division, seq);
        if (zhashx_lookup (map, name))
            continue;           //  the overlay says what it is now
        if (!(names [n] = strdup (name)))
            break;
        n++;
    }
    store_iter_destroy (&it);
    for (s_pending_t *p = (s_pending_t *) zhashx_first (map); p && n < max;
         p = (s_pending_t *) zhashx_next (map))
        if (p->value && (names [n] = strdup ((const char *) zhashx_cursor (map))))
            n++;
    qsort (names, n, sizeof *names, s_cmp_names);
    return n;
}

//  The value held under name now (overlay, then store): caller frees.
static uint8_t *
s_value (ingest_t *self, const char *division, uint64_t seq, size_t *len)
{
    char name [40];
    s_name (name, division, seq);
    s_pending_t *p = (s_pending_t *) zhashx_lookup (s_pending (), name);
    if (p) {
        uint8_t *v = p->value? malloc (p->len): NULL;
        if (v)
            memcpy (v, p->value, p->len);
        *len = p->len;
        return v;
    }
    uint8_t key [32], *v = NULL;
    size_t kl = s_key (key, division, seq);
    if (store_get (views_store_of (ingest_views (self)), STORE_CF_QUARANTINE, key, kl, &v, len)
        != ERR_OK)
        return NULL;
    return v;
}

static bool s_waits_for (const char *reason, char division [16], uint64_t *seq);

//  Retries one held entry: 1 applied, 0 still held (or not retried),
//  or an err_t >= ERR_IO.
static int
s_retry_one (ingest_t *self, const char *division, uint64_t seq)
{
    size_t vl = 0;
    uint8_t *v = s_value (self, division, seq, &vl);
    const uint8_t *z = v? memchr (v, 0, vl): NULL;
    if (!z) {
        free (v);
        return 0;
    }
    const char *reason = (const char *) v;
    const uint8_t *bytes = z + 1;
    size_t len = vl - (size_t) (bytes - v);
    Lic__LogEntry *e = NULL;
    if (!held_retryable (err_named (reason))
    ||  codec_entry_decode (bytes, len, &e) != ERR_OK || !e->envelope
    ||  strcmp (e->origin_division, division) != 0 || e->origin_seq != seq) {
        codec_entry_free (&e);
        free (v);
        return 0;
    }
    int result = 0;
    char wdiv [16];
    uint64_t wseq;
    size_t wl = 0;
    uint8_t *wv = s_waits_for (reason, wdiv, &wseq)? s_value (self, wdiv, wseq, &wl): NULL;
    if (wv) {
        //  Held behind an entry still held: retried right after it passes.
        free (wv);
        codec_entry_free (&e);
        free (v);
        return 0;
    }
    if (views_origin_applied (ingest_views (self), division, seq)) {
        //  Applied since (it came again): nothing to hold.
        s_write (self, division, seq, NULL, 0);
        logfmt_msgf (LOGFMT_INFO, "held entry %s/%" PRIu64 " is applied here: released", division, seq);
        codec_entry_free (&e);
        free (v);
        return 0;
    }
    //  The checks the parent makes on arrival, the same functions.
    verify_task_t t;
    memset (&t, 0, sizeof t);
    t.env = e->envelope;
    const entrykind_t *kind = entrykind_of (e->kind);
    t.not_event = !kind || kind->signer != ENTRYKIND_SIGNER_DEPARTMENT;
    verifier_check (&t);
    char why [320] = "";
    int rc = replica_check (self, NULL, e, &t, why, sizeof why);
    if (rc == ERR_OK)
        rc = views_origin_admit (ingest_views (self), e, why, sizeof why);
    if (rc == ERR_OK)
        rc = replica_apply (self, e, &t, why, sizeof why);
    if (rc == ERR_OK) {
        s_write (self, division, seq, NULL, 0);
        logfmt_msgf (LOGFMT_INFO, "held entry %s/%" PRIu64 " passes now: applied and appended",
                     division, seq);
        result = 1;
    }
    else
    if (rc >= ERR_IO)
        result = rc;
    else {
        //  Still held, for the same cause: the reason as it is now (what
        //  it waits for may have changed).  A held entry keeps the code it
        //  was held with, unless only the order of its origin's
        //  statements holds it now (ERR_EXISTS: for the operator).
        held_behind (self, e, rc, why, sizeof why);
        char now [400];
        snprintf (now, sizeof now, "%s: %s", err_str (rc), why);
        if ((rc == err_named (reason) || rc == ERR_EXISTS) && strcmp (now, reason) != 0)
            s_hold (self, e, bytes, len, rc, why);
    }
    codec_event_free (&t.ev);
    codec_entry_free (&e);
    free (v);
    return result;
}

// ---------------------------------------------------------------------
//  Hold behind: an entry that fails only because it depends on a held one

#define S_WAITS "waits for held entry "

//  What an entry needs (for need) or would give (for a held one), as
//  "tag:text"; "" if nothing.  kind: the entry's row; code: why it fails
//  (for need), or 0 (for what a held entry gives).
static void
s_key_of (const Lic__LogEntry *e, int code, char out [160])
{
    out [0] = 0;
    const entrykind_t *kind = entrykind_of (e->kind);
    void *body = NULL;
    if (!kind || !e->envelope
    ||  kind->decode (e->envelope->body.data, e->envelope->body.len, &body) != ERR_OK)
        return;
    char hex [65];
    if (e->kind == LIC__ENTRY_KIND__ENTRY_EVENT) {
        const Lic__Event *ev = (const Lic__Event *) body;
        licid_t id;
        if (code == ERR_UNKNOWN_KEY && e->envelope->key_id.len == 32) {
            seal_hex (hex, e->envelope->key_id.data, 32);
            snprintf (out, 160, "key:%s/%s", e->origin_division, hex);
        }
        else
        if ((code == ERR_UNKNOWN_TYPE || code == ERR_CATALOGUE)
        &&  licid_parse (ev->license_id, &id, NULL, 0) == ERR_OK)
            snprintf (out, 160, "type:%s/%s", e->origin_division, id.type_code);
        else
        if (code == 0 || code == ERR_NOT_FOUND || code == ERR_VERSION_MISMATCH
        ||  code == ERR_ILLEGAL_OP)
            snprintf (out, 160, "lic:%s", ev->license_id);
    }
    else
    if (e->kind == LIC__ENTRY_KIND__ENTRY_CATALOGUE && (code == 0 || code == ERR_VERSION_MISMATCH))
        snprintf (out, 160, "type:%s/%.21s", e->origin_division,
                  ((const Lic__LicenseType *) body)->type_code);
    else
    if (e->kind == LIC__ENTRY_KIND__ENTRY_NODE && code == 0)
        snprintf (out, 160, "node:%s", ((const Lic__NodeRecord *) body)->division);
    else
    if (kind->signer == ENTRYKIND_SIGNER_NODE && code == ERR_UNKNOWN_KEY)
        snprintf (out, 160, "node:%s", e->origin_division);
    kind->free (&body);
}

//  True if held entry h gives what `need` names.
static bool
s_gives (const Lic__LogEntry *h, const char *need)
{
    if (strncmp (need, "key:", 4) == 0) {
        //  A registration at the event's origin naming its key.
        if (h->kind != LIC__ENTRY_KIND__ENTRY_REGISTRATION || !h->envelope)
            return false;
        Lic__Registration *reg = NULL;
        if (codec_registration_decode (h->envelope->body.data, h->envelope->body.len, &reg) != ERR_OK)
            return false;
        bool gives = false;
        char hex [65], key [160];
        for (size_t i = 0; reg->department && i < reg->department->n_sign_keys && !gives; i++)
            if (reg->department->sign_keys [i].len == 32) {
                seal_hex (hex, reg->department->sign_keys [i].data, 32);
                snprintf (key, sizeof key, "key:%s/%s", h->origin_division, hex);
                gives = strcmp (key, need) == 0;
            }
        codec_registration_free (&reg);
        return gives;
    }
    char key [160];
    s_key_of (h, 0, key);
    return *key && strcmp (key, need) == 0;
}

//  Division and seq of the held entry a reason says it waits for.
static bool
s_waits_for (const char *reason, char division [16], uint64_t *seq)
{
    const char *w = strstr (reason, S_WAITS);
    if (!w)
        return false;
    w += strlen (S_WAITS);
    const char *slash = strchr (w, '/');
    size_t dl = slash? (size_t) (slash - w): 0;
    if (dl == 0 || dl >= 16)
        return false;
    memcpy (division, w, dl);
    division [dl] = 0;
    *seq = strtoull (slash + 1, NULL, 10);
    return true;
}

bool
held_behind (ingest_t *self, const Lic__LogEntry *e, int code, char *why, size_t why_size)
{
    char need [160];
    s_key_of (e, code, need);
    if (!*need)
        return false;
    char **names = NULL;
    size_t n = s_collect (self, &names);
    bool found = false;
    char division [16], title [32] = "";
    uint64_t seq = 0;
    for (size_t i = 0; i < n; i++) {
        const char *slash = strchr (names [i], '/');
        size_t dl = slash? (size_t) (slash - names [i]): 0;
        if (!found && dl > 0 && dl < sizeof division) {
            memcpy (division, names [i], dl);
            division [dl] = 0;
            seq = strtoull (slash + 1, NULL, 10);
            //  Of another origin, or before it in its origin's order.
            bool before = strcmp (division, e->origin_division) != 0 || seq < e->origin_seq;
            size_t vl = 0;
            uint8_t *v = before? s_value (self, division, seq, &vl): NULL;
            const uint8_t *z = v? memchr (v, 0, vl): NULL;
            Lic__LogEntry *h = NULL;
            if (z && codec_entry_decode (z + 1, vl - (size_t) (z + 1 - v), &h) == ERR_OK
            &&  s_gives (h, need)) {
                found = true;
                const entrykind_t *kind = entrykind_of (h->kind);
                snprintf (title, sizeof title, "%s", kind? kind->title: "entry");
            }
            codec_entry_free (&h);
            free (v);
        }
        free (names [i]);
    }
    free (names);
    if (found) {
        char was [320];
        snprintf (was, sizeof was, "%s", why);
        snprintf (why, why_size, "%s; " S_WAITS "%s/%" PRIu64 " (its %s)", was, division, seq, title);
    }
    return found;
}

static void
s_sequence_retry (ingest_t *self, ingest_job_t *job)
{
    s_held.queued = false;
    for (int pass = 0; pass < HELD_RETRY_PASSES; pass++) {
        char **names = NULL;
        size_t n = s_collect (self, &names);
        size_t applied = 0;
        int rc = ERR_OK;
        for (size_t i = 0; i < n; i++) {
            char division [16];
            const char *slash = strchr (names [i], '/');
            size_t dl = slash? (size_t) (slash - names [i]): 0;
            if (rc == ERR_OK && dl > 0 && dl < sizeof division) {
                memcpy (division, names [i], dl);
                division [dl] = 0;
                int r = s_retry_one (self, division, strtoull (slash + 1, NULL, 10));
                if (r == 1)
                    applied++;
                else
                if (r >= ERR_IO)
                    rc = r;
            }
            free (names [i]);
        }
        free (names);
        if (rc != ERR_OK) {
            ingest_job_fail (job, rc, "held entries could not be retried");
            return;
        }
        if (applied == 0)
            break;
        logfmt_msgf (LOGFMT_INFO, "retry of held entries: %zu applied", applied);
    }
}

static void
s_committed_retry (ingest_t *self, ingest_job_t *job, uint64_t gen, int rc)
{
    (void) self;
    (void) job;
    held_committed (gen, rc);
}

static void
s_answer_retry (ingest_t *self, ingest_job_t *job)
{
    (void) self;
    (void) job;                 //  nobody asked
}

static const ingest_ops_t s_retry_ops = {
    "retry of held entries", s_sequence_retry, s_committed_retry, s_answer_retry, NULL
};

void
held_tick (ingest_t *self)
{
    if (s_held.queued || ingest_full (self))
        return;
    bool cause = views_origin_take_cause (ingest_views (self));
    if (s_held.started && !cause)
        return;
    ingest_job_t *job = ingest_job_new (self, &s_retry_ops, sizeof (ingest_job_t));
    if (!job)
        return;
    job->ready = true;
    s_held.started = true;
    s_held.queued = true;
}

// ---------------------------------------------------------------------
//  The operator's decision (licctl quarantine release|reject)

//  Refuses a release of an entry held for code, or returns ERR_OK: a
//  release overrides only the order of its origin's statements
//  (views_origin_admit's ERR_EXISTS).  Never a signature, a key, a rule
//  of authority or of the lifecycle: those stay, and the entry is
//  rejected or its cause removed.
static int
s_releasable (int code, const char *name, char *why, size_t why_size)
{
    if (code == ERR_EXISTS)
        return ERR_OK;
    snprintf (why, why_size, "%s is held for %s: a release overrides only the order of its "
              "origin's statements (ERR_EXISTS), never a signature, a key, a rule of authority "
              "or the lifecycle; remove the cause (it is then retried) or reject it", name,
              err_str (code));
    return ERR_ILLEGAL_OP;
}

static void
s_sequence_decision (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    const Lic__QuarantineDecide *q = job->req->quarantine_decide;
    char name [48];
    snprintf (name, sizeof name, "%.16s/%" PRIu64, q->origin, q->origin_seq);
    size_t vl = 0;
    uint8_t *v = s_value (self, q->origin, q->origin_seq, &vl);
    const uint8_t *z = v? memchr (v, 0, vl): NULL;
    if (!z) {
        free (v);
        ingest_job_fail (job, ERR_NOT_FOUND, "%s is not held here (licctl quarantine list)", name);
        return;
    }
    const char *reason = (const char *) v;
    const uint8_t *bytes = z + 1;
    size_t len = vl - (size_t) (bytes - v);
    char why [sizeof job->why] = "";
    int rc = q->release? s_releasable (err_named (reason), name, why, sizeof why): ERR_OK;
    Lic__LogEntry *e = NULL;
    if (rc == ERR_OK && q->release) {
        //  Every check of its arrival but the order of statements.
        rc = codec_entry_decode (bytes, len, &e);
        verify_task_t t;
        memset (&t, 0, sizeof t);
        if (rc == ERR_OK) {
            t.env = e->envelope;
            t.not_event = true;
            verifier_check (&t);
            rc = replica_check (self, NULL, e, &t, why, sizeof why);
        }
        codec_entry_free (&e);
    }
    if (rc != ERR_OK) {
        free (v);
        ingest_job_fail (job, rc, "%s", why);
        return;
    }
    Lic__QuarantineDecision d;
    lic__quarantine_decision__init (&d);
    d.division = (char *) ingest_cfg (self)->division;
    d.origin = q->origin;
    d.origin_seq = q->origin_seq;
    d.release = q->release;
    d.reason = q->reason;
    d.held_reason = (char *) reason;
    d.at = (int64_t) time (NULL);
    d.entry.data = (uint8_t *) bytes;
    d.entry.len = len;
    uint8_t *body = NULL;
    size_t blen;
    rc = codec_quarantine_decision_encode (&d, &body, &blen);
    if (rc != ERR_OK) {
        free (v);
        ingest_job_fail (job, rc, "out of memory");
        return;
    }
    uint8_t sig [SEAL_SIG_BYTES];
    Lic__Envelope env;
    Lic__LogEntry entry;
    ingest_own_entry (self, LIC__ENTRY_KIND__ENTRY_DECISION, body, blen, d.at, sig, &env, &entry);
    rc = codec_envelope_fits (&env, why, sizeof why);
    if (rc == ERR_OK)
        rc = views_apply_body (ingest_views (self), ingest_batch (self), ingest_gen (self), &entry,
                               &d, why, sizeof why);
    if (rc != ERR_OK)
        ingest_job_fail (job, rc, "%s of %s not applied: %s", q->release? "release": "reject",
                         name, why);
    else {
        job->seq = ingest_take_seq (self);
        s_write (self, q->origin, q->origin_seq, NULL, 0);
        logfmt_msgf (LOGFMT_INFO, "held entry %s %s by the operator (entry %" PRIu64 "): %s", name,
                     q->release? "released": "rejected", job->seq, q->reason);
    }
    free (body);
    free (v);
}

static void
s_committed_decision (ingest_t *self, ingest_job_t *job, uint64_t gen, int rc)
{
    (void) self;
    (void) job;
    held_committed (gen, rc);
}

static void
s_answer_decision (ingest_t *self, ingest_job_t *job)
{
    Lic__Reply *reply = calloc (1, sizeof *reply);
    if (!reply)
        return;
    codec_reply_init (reply);
    reply->id = job->req? job->req->id: 0;
    reply->code = job->code;
    if (job->code != ERR_OK)
        reply->message = strdup (job->why);
    else {
        Lic__RegisterResult *res = calloc (1, sizeof *res);
        if (res) {
            lic__register_result__init (res);
            res->seq = job->seq;
            reply->body_case = LIC__REPLY__BODY_REGISTERED;
            reply->registered = res;
        }
    }
    ingest_send_reply (self, &job->route, &reply, NULL);
    codec_reply_free (&reply);
}

static const ingest_ops_t s_decision_ops = {
    "quarantine decision", s_sequence_decision, s_committed_decision, s_answer_decision, NULL
};

void
ingest_submit_decision (ingest_t *self, zframe_t **route_p, Lic__Request **req_p)
{
    ingest_job_t *job = ingest_job_new (self, &s_decision_ops, sizeof (ingest_job_t));
    if (!job) {
        zframe_destroy (route_p);
        codec_request_free (req_p);
        return;
    }
    job->route = *route_p;
    job->req = *req_p;
    *route_p = NULL;
    *req_p = NULL;
    ingest_charge (self, job, sizeof *job + codec_heap (&job->req->base));
    job->ready = true;
    const Lic__QuarantineDecide *q = job->req->quarantine_decide;
    size_t rl = q && q->reason? strlen (q->reason): 0;
    if (!q || !q->origin || !*q->origin || strlen (q->origin) > 15 || q->origin_seq == 0)
        ingest_job_fail (job, ERR_BAD_FIELD, "a decision names the held entry: ORIGIN SEQ");
    else
    if (rl == 0 || rl > 400)
        ingest_job_fail (job, ERR_BAD_FIELD, "a decision says why (--reason, 1..400 bytes), for "
                         "every level above to read");
}
