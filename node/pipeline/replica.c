/*  replica.c -- the parent side of the ingest pipeline: sequencing of
    batches replicated from a child (issue 3 item 3) and of the node
    records that tell upper levels the keys of the nodes below.

    A batch is checked whole before anything of it is applied: it must
    start where the sequencer stands for that child, and our copy of the
    child's Merkle tree extended with its entries must have the root the
    child claims.  Then, in the open write batch: the child tree's nodes,
    each entry not already applied (same origin division and seq) checked
    end to end and appended to our log keeping its origin, entries that
    fail verification put in quarantine (the stream goes on), and the
    child's new high-water mark.
*/
#include <time.h>
#include "node/daemon/logfmt.h"
#include "proto/authority.h"
#include "proto/codec.h"
#include "node/pipeline/ingest_int.h"
#include "proto/licid.h"
#include "proto/seal.h"

//  Authority and checks of one replicated entry that need its signature:
//  the child may bring this origin (proto/authority.h), the envelope
//  verifies, and it is signed by whom it must be.  The rules on the body
//  are applied by views_apply_* on every path (s_apply_replica).
static int
s_check_replica (ingest_t *self, const char *child, const Lic__LogEntry *e,
                 const verify_task_t *t, char *why, size_t why_size)
{
    int rc = authority_origin (child, e->origin_division, why, why_size);
    if (rc != ERR_OK)
        return rc;
    if (t->sig_rc != ERR_OK || !e->envelope) {
        snprintf (why, why_size, "signature does not verify");
        return ERR_BAD_SIGNATURE;
    }
    if (e->kind == LIC__ENTRY_KIND__ENTRY_EVENT) {
        //  Upper levels re-check the standard too (issue 4 item 3), with
        //  the values disclosed to them: never those of secret items.
        rc = ingest_check_event (self, e->origin_division, e->envelope, t, NULL, why, why_size);
        return rc == ERR_OK? ingest_check_catalogue (self, e->origin_division, t->ev, e->envelope,
                                                     false, why, why_size): rc;
    }
    if (e->kind == LIC__ENTRY_KIND__ENTRY_REGISTRATION || e->kind == LIC__ENTRY_KIND__ENTRY_NODE
    ||  e->kind == LIC__ENTRY_KIND__ENTRY_CATALOGUE || e->kind == LIC__ENTRY_KIND__ENTRY_APP_BODY
    ||  e->kind == LIC__ENTRY_KIND__ENTRY_AUDIT) {
        //  Signed by the node where it originated, whose key we know from
        //  the configuration or from a node record that came up before.
        const uint8_t *key = views_node_key (self->views, e->origin_division);
        if (!key || memcmp (key, e->envelope->key_id.data, 32) != 0) {
            snprintf (why, why_size, "%s entry is not signed by the key of node %s",
                      e->kind == LIC__ENTRY_KIND__ENTRY_NODE? "node record"
                    : e->kind == LIC__ENTRY_KIND__ENTRY_AUDIT? "audit"
                    : e->kind == LIC__ENTRY_KIND__ENTRY_APP_BODY? "application body"
                    : e->kind == LIC__ENTRY_KIND__ENTRY_CATALOGUE? "catalogue": "registration",
                      e->origin_division);
            return ERR_UNKNOWN_KEY;
        }
        //  Its strings are text, as at the door of the node that made it
        //  (issue 11 finding 6): else quarantined, its field named.
        return codec_entry_text (e, why, why_size);
    }
    snprintf (why, why_size, "unknown entry kind %d", e->kind);
    return ERR_MALFORMED;
}

//  Appends a checked replicated entry to our own log, keeping its origin:
//  the same apply as a replay (views_apply_entry), so the rules on a
//  body are those of every other path; an event's body is already
//  decoded by the verifier.
static int
s_apply_replica (ingest_t *self, const Lic__LogEntry *e, const verify_task_t *t,
                 char *why, size_t why_size)
{
    Lic__LogEntry own = *e;
    own.seq = self->next_seq;
    store_batch_t *batch = self->building->batch;
    uint64_t gen = self->building->gen;
    int rc;
    if (e->kind == LIC__ENTRY_KIND__ENTRY_EVENT) {
        uint32_t version;
        rc = views_apply_event (self->views, batch, gen, &own, t->ev, &version, why, why_size);
    }
    else
        rc = views_apply_entry (self->views, batch, gen, &own, why, why_size);
    if (rc == ERR_OK) {
        self->building->last_seq = self->next_seq++;
        self->stats.applied++;
    }
    return rc;
}

//  Quarantine: origin division '/' origin seq (u64 BE) -> reason 0x00 entry bytes.
static void
s_quarantine (ingest_t *self, const Lic__LogEntry *e, const uint8_t *bytes, size_t len,
              int code, const char *why)
{
    uint8_t key [32];
    size_t dl = strlen (e->origin_division);
    if (dl > 16)
        dl = 16;
    memcpy (key, e->origin_division, dl);
    key [dl] = '/';
    store_put_u64 (key + dl + 1, e->origin_seq);
    char reason [400];
    int rl = snprintf (reason, sizeof reason, "%s: %s", err_str (code), why);
    size_t vlen = (size_t) rl + 1 + len;
    uint8_t *v = malloc (vlen);
    if (!v)
        return;
    memcpy (v, reason, (size_t) rl + 1);
    memcpy (v + rl + 1, bytes, len);
    store_batch_put (self->building->batch, STORE_CF_QUARANTINE, key, dl + 9, v, vlen);
    free (v);
    self->stats.quarantined++;
    logfmt_msgf (LOGFMT_WARN, "quarantined entry %s/%" PRIu64 ": %s", e->origin_division, e->origin_seq, reason);
}

void
ingest_sequence_batch (ingest_t *self, ingest_job_t *job)
{
    ingest_child_t *c = job->child;
    if (job->code != ERR_OK) {
        job->seq = c->next_apply;
        return;
    }
    const Lic__Batch *b = job->repl->batch;
    uint64_t first = b->first_seq, n = job->n_items;
    if (first != c->next_apply) {
        job->seq = c->next_apply;
        ingest_job_fail (job, ERR_GAP, "batch starts at %" PRIu64 ", expected %" PRIu64, first, c->next_apply);
        return;
    }
    //  Tamper evidence: our copy of the child's tree, extended with these
    //  entries, must have the root the child claims.  Checked before
    //  anything is applied, so a diverged child changes nothing here.
    uint8_t (*leaves) [MERKLE_HASH_BYTES] = malloc (n * MERKLE_HASH_BYTES);
    uint8_t root [MERKLE_HASH_BYTES];
    if (!leaves) {
        job->seq = c->next_apply;
        ingest_job_fail (job, ERR_NOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++)
        memcpy (leaves [i], job->items [i].task.leaf, MERKLE_HASH_BYTES);
    int rc = tree_root_after (c->tree, first - 1, (const uint8_t (*) [32]) leaves, n, root);
    free (leaves);
    if (rc != ERR_OK || b->root_after.len != MERKLE_HASH_BYTES
    ||  memcmp (root, b->root_after.data, MERKLE_HASH_BYTES) != 0) {
        job->seq = c->next_apply;
        ingest_job_fail (job, rc == ERR_OK? ERR_DIVERGED: rc,
                "history diverged: the child's root at size %" PRIu64 " is not the root of "
                "what this node holds of its log extended with this batch", first + n - 1);
        return;
    }
    store_batch_t *batch = self->building->batch;
    for (size_t i = 0; i < n; i++) {
        ingest_item_t *item = &job->items [i];
        const Lic__LogEntry *e = item->entry;
        rc = tree_append (c->tree, batch, self->building->gen, first - 1 + i, item->task.leaf);
        if (rc != ERR_OK) {
            ingest_job_fail (job, rc, "child tree could not be extended");
            job->seq = c->next_apply;
            return;     //  the whole pending batch is refused with it (see s_on_committed)
        }
        if (views_origin_seq (self->views, e->origin_division) >= e->origin_seq) {
            self->stats.skipped++;
            continue;   //  already applied (same origin division and seq)
        }
        char why [320] = "";
        rc = s_check_replica (self, c->division, e, &item->task, why, sizeof why);
        if (rc == ERR_OK)
            rc = s_apply_replica (self, e, &item->task, why, sizeof why);
        if (rc == ERR_OK)
            c->applied++;
        else
        if (rc >= ERR_IO) {
            ingest_job_fail (job, rc, "%s", why);
            job->seq = c->next_apply;
            return;
        }
        else {
            s_quarantine (self, e, b->entries [i].data, b->entries [i].len, rc, why);
            c->quarantined++;
        }
    }
    uint8_t hwm [8];
    store_put_u64 (hwm, first + n - 1);
    store_batch_put (batch, STORE_CF_CHILD, c->division, strlen (c->division), hwm, 8);
    c->next_apply = first + n;
    job->seq = first + n - 1;
}

//  The revocation record an operator's NodeRevokeRequest asks for, built
//  when it is sequenced, so that "after 0" is exactly the last origin seq
//  of the division applied before it (proto/authority.h).
static int
s_revocation (ingest_t *self, ingest_job_t *job)
{
    const Lic__NodeRevokeRequest *r = job->req->node_revoke;
    if (!r || r->sign_key.len != 32 || !authority_level (r->division)) {
        ingest_job_fail (job, ERR_BAD_FIELD, "a revocation names a division (6 digits) and the "
                         "32-byte signing key revoked");
        return ERR_BAD_FIELD;
    }
    Lic__NodeRecord *rec = calloc (1, sizeof *rec);
    if (rec)
        codec_node_record_init (rec);
    if (!rec || !(rec->division = strdup (r->division))
    ||  !(rec->parent_division = strdup (self->cfg.division))
    ||  !(rec->sign_key.data = malloc (32))) {
        codec_node_record_free (&rec);
        ingest_job_fail (job, ERR_NOMEM, "out of memory");
        return ERR_NOMEM;
    }
    memcpy (rec->sign_key.data, r->sign_key.data, 32);
    rec->sign_key.len = 32;
    rec->revocation = true;
    uint64_t held = views_origin_seq (self->views, r->division);
    rec->revoked_after = r->after? r->after: held;
    rec->at = (int64_t) time (NULL);
    job->node = rec;
    snprintf (job->why, sizeof job->why, "statements of %s signed by that key in its entries after "
              "origin seq %" PRIu64 " are void (this node holds its entries up to %" PRIu64 ")",
              rec->division, rec->revoked_after, held);
    return ERR_OK;
}

void
ingest_sequence_node (ingest_t *self, ingest_job_t *job)
{
    uint8_t *body = NULL, sig [SEAL_SIG_BYTES];
    size_t len;
    if (!job->node && s_revocation (self, job) != ERR_OK)
        return;
    int rc = codec_node_record_encode (job->node, &body, &len);
    if (rc != ERR_OK) {
        ingest_job_fail (job, rc, "out of memory");
        return;
    }
    Lic__Envelope env;
    Lic__LogEntry entry;
    ingest_own_entry (self, LIC__ENTRY_KIND__ENTRY_NODE, body, len, job->node->at, sig, &env, &entry);
    char why [256] = "";
    rc = views_apply_node (self->views, self->building->batch, self->building->gen, &entry,
                           job->node, why, sizeof why);
    free (body);
    if (rc != ERR_OK) {
        ingest_job_fail (job, rc, "node record could not be applied: %s", why);
        return;
    }
    job->seq = self->next_seq++;
    self->building->last_seq = job->seq;
}

void
ingest_submit_batch (ingest_t *self, ingest_child_t *child, Lic__Repl **msg_p, void *cookie)
{
    ingest_job_t *job = ingest_job_new (self, JOB_BATCH);
    if (!job) {
        codec_repl_free (msg_p);
        return;
    }
    job->repl = *msg_p;
    *msg_p = NULL;
    job->child = child;
    job->cookie = cookie;
    ingest_charge (self, job, sizeof *job + codec_heap (&job->repl->base));
    const Lic__Batch *b = job->repl->batch;
    job->items = calloc (b->n_entries? b->n_entries: 1, sizeof *job->items);
    if (!job->items) {
        ingest_job_fail (job, ERR_NOMEM, "out of memory");
        job->ready = true;
        return;
    }
    //  Entries decode here; signatures and leaf hashes on the pool.
    for (size_t i = 0; i < b->n_entries; i++) {
        ingest_item_t *item = &job->items [i];
        item->job = job;
        int rc = codec_entry_decode (b->entries [i].data, b->entries [i].len, &item->entry);
        job->n_items++;
        if (rc == ERR_OK)
            ingest_charge (self, job, sizeof *item + codec_heap (&item->entry->base));
        if (rc != ERR_OK || item->entry->seq != b->first_seq + i || !item->entry->envelope
        ||  !*item->entry->origin_division || item->entry->origin_seq == 0) {
            ingest_job_fail (job, ERR_MALFORMED, "entry %zu of the batch is not a well-formed log entry "
                    "with seq %" PRIu64, i, b->first_seq + i);
            job->ready = true;
            return;
        }
    }
    if (job->n_items == 0) {
        ingest_job_fail (job, ERR_MALFORMED, "empty batch");
        job->ready = true;
        return;
    }
    job->unverified = job->n_items;
    for (size_t i = 0; i < job->n_items; i++) {
        ingest_item_t *item = &job->items [i];
        item->task.owner = item;
        item->task.env = item->entry->envelope;
        item->task.not_event = item->entry->kind != LIC__ENTRY_KIND__ENTRY_EVENT;
        //  The leaf is the entry without its disclosed values, as the
        //  child hashed it (codec_entry_leaf).
        size_t leaf_len;
        if (codec_entry_leaf (item->entry, &item->leaf, &leaf_len) != ERR_OK) {
            ingest_job_fail (job, ERR_NOMEM, "out of memory");
            job->ready = true;
            return;
        }
        item->task.leaf_data = item->leaf? item->leaf: b->entries [i].data;
        item->task.leaf_len = item->leaf? leaf_len: b->entries [i].len;
        //  The verifier decodes an event's body: its budget until then.
        item->ev_charge = item->task.not_event? 0: codec_event_budget (item->entry->envelope->body.len);
        ingest_charge (self, job, (item->leaf? leaf_len: 0) + item->ev_charge);
        ingest_queue_task (self, &item->task);
    }
}

void
ingest_submit_node (ingest_t *self, const char *division, const uint8_t sign_pk [32],
                    const uint8_t curve_pk [32], const uint8_t *replaces)
{
    ingest_job_t *job = ingest_job_new (self, JOB_NODE);
    Lic__NodeRecord *rec = job? calloc (1, sizeof *rec): NULL;
    uint8_t *keys = rec? malloc (64): NULL;
    char *div = keys? strdup (division): NULL;
    char *parent = div? strdup (self->cfg.division): NULL;
    if (!parent) {
        free (div);
        free (keys);
        free (rec);
        if (job) {
            ingest_job_fail (job, ERR_NOMEM, "out of memory");
            job->ready = true;
        }
        return;
    }
    //  Built with malloc'd members so that codec_node_record_free frees it.
    codec_node_record_init (rec);
    memcpy (keys, sign_pk, 32);
    rec->sign_key.data = keys;
    rec->sign_key.len = 32;
    rec->curve_key.data = malloc (32);
    if (rec->curve_key.data) {
        memcpy (rec->curve_key.data, curve_pk, 32);
        rec->curve_key.len = 32;
    }
    if (replaces && (rec->replaces_key.data = malloc (32)) != NULL) {
        memcpy (rec->replaces_key.data, replaces, 32);
        rec->replaces_key.len = 32;
    }
    rec->division = div;
    rec->parent_division = parent;
    rec->at = (int64_t) time (NULL);
    job->node = rec;
    ingest_charge (self, job, sizeof *job + codec_heap (&rec->base));
    job->ready = true;
}
