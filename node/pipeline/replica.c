/*  replica.c -- the parent side of the ingest pipeline: the kind of job
    (ingest_ops.h) of a batch replicated from a child (proto/README.md
    section 7).

    A batch is checked whole before anything of it is applied: it must
    start where the sequencer stands for that child, and our copy of the
    child's Merkle tree extended with its entries must have the root the
    child claims.  Then, in the open write batch: the child tree's nodes,
    each entry not already applied (same origin division and seq) checked
    end to end and appended to our log keeping its origin, entries that
    fail verification held (held.c: the stream goes on), and the child's
    new high-water mark.
*/
#include <time.h>
#include "node/base/logfmt.h"
#include "proto/authority.h"
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "node/pipeline/held.h"
#include "node/pipeline/ingest_ops.h"
#include "node/store/files.h"
#include "proto/licid.h"
#include "proto/seal.h"
#include "node/store/views_revoke.h"
#include "node/store/views_origin.h"
#include "node/pipeline/lateness.h"

//  One entry of a replicated batch.
typedef struct {
    ingest_task_t task;         //  first: its signature, leaf and event body on the pool
    Lic__LogEntry *entry;       //  decoded (owned)
    uint8_t *leaf;              //  its leaf data if not its bytes (codec_entry_leaf; owned)
    bool applied;               //  appended here: an event counts for the same-day rule
} s_item_t;

//  A batch of a child's entries.
typedef struct {
    ingest_job_t base;
    Lic__Repl *repl;            //  the replicated batch (owned)
    ingest_child_t *child;      //  its sender
    void *cookie;               //  the downlink's
    s_item_t *items;            //  one per entry
    size_t n_items;
} s_batch_t;

//  Authority and checks of one replicated entry that need its signature:
//  the child may bring this origin (proto/authority.h), the envelope
//  verifies, and it is signed by whom it must be.  The rules on the body
//  are applied by views_apply_* on every path (s_apply_replica).
int
replica_check (ingest_t *self, const char *child, const Lic__LogEntry *e,
               const verify_task_t *t, char *why, size_t why_size)
{
    int rc = child? authority_origin (child, e->origin_division, why, why_size): ERR_OK;
    if (rc != ERR_OK)
        return rc;
    if (t->sig_rc != ERR_OK || !e->envelope) {
        snprintf (why, why_size, "signature does not verify");
        return ERR_BAD_SIGNATURE;
    }
    const entrykind_t *kind = entrykind_of (e->kind);
    if (!kind) {
        snprintf (why, why_size, "unknown entry kind %d", e->kind);
        return ERR_MALFORMED;
    }
    if (kind->signer == ENTRYKIND_SIGNER_DEPARTMENT) {
        //  Upper levels re-check the standard too (proto/README.md section 9), with
        //  the values disclosed to them: never those of secret items.
        rc = ingest_check_event (self, e->origin_division, e->envelope, t, NULL, why, why_size);
        return rc == ERR_OK? ingest_check_catalogue (self, e->origin_division, t->ev, e->envelope,
                                                     false, why, why_size): rc;
    }
    //  Signed by the node where it originated, whose key we know from
    //  the configuration or from a node record that came up before.
    //  A key revoked and since rotated out still signed what it signed up
    //  to the point: views_check_statement judges it by the point.
    const uint8_t *key = views_node_key (ingest_views (self), e->origin_division);
    if ((!key || memcmp (key, e->envelope->key_id.data, 32) != 0)
    &&  !views_node_revocation (ingest_views (self), e->origin_division,
                                e->envelope->key_id.data, e->envelope->key_id.len)) {
        snprintf (why, why_size, "%s entry is not signed by the key of node %s", kind->title,
                  e->origin_division);
        return ERR_UNKNOWN_KEY;
    }
    //  Its strings are text, as at the door of the node that made it
    //  (proto/text.h): else quarantined, its field named.
    return entrykind_text (e, why, why_size);
}

//  Appends a checked replicated entry to our own log, keeping its origin:
//  the same apply as a replay (views_apply_entry), so the rules on a
//  body are those of every other path; an event's body is already
//  decoded by the verifier.
int
replica_apply (ingest_t *self, const Lic__LogEntry *e, const verify_task_t *t,
               char *why, size_t why_size)
{
    Lic__LogEntry own = *e;
    own.seq = ingest_next_seq (self);
    store_batch_t *batch = ingest_batch (self);
    uint64_t gen = ingest_gen (self);
    //  An event's body the verifier decoded; any other the views decode.
    int rc = t->ev? views_apply_body (ingest_views (self), batch, gen, &own, t->ev, why, why_size)
                  : views_apply_entry (ingest_views (self), batch, gen, &own, why, why_size);
    if (rc == ERR_OK) {
        ingest_take_seq (self);
        ingest_counters (self)->applied++;
    }
    return rc;
}

static void
s_sequence_batch (ingest_t *self, ingest_job_t *job)
{
    s_batch_t *bj = (s_batch_t *) job;
    ingest_child_t *c = bj->child;
    if (job->code != ERR_OK) {
        job->seq = c->next_apply;
        return;
    }
    const Lic__Batch *b = bj->repl->batch;
    uint64_t first = b->first_seq, n = bj->n_items;
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
        memcpy (leaves [i], bj->items [i].task.task.leaf, MERKLE_HASH_BYTES);
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
    store_batch_t *batch = ingest_batch (self);
    for (size_t i = 0; i < n; i++) {
        s_item_t *item = &bj->items [i];
        const Lic__LogEntry *e = item->entry;
        rc = tree_append (c->tree, batch, ingest_gen (self), first - 1 + i, item->task.task.leaf);
        if (rc != ERR_OK) {
            ingest_job_fail (job, rc, "child tree could not be extended");
            job->seq = c->next_apply;
            return;     //  the whole pending batch is refused with it (see s_on_committed)
        }
        //  A child's own entry carries its seq as origin seq: judged
        //  before the skip, so a chosen origin seq neither moves the mark
        //  nor passes as already applied (authority_child_entry).
        char why [320] = "";
        rc = authority_child_entry (c->division, e->seq, e->origin_division, e->origin_seq,
                                    why, sizeof why);
        if (rc != ERR_OK) {
            held_put (self, e, b->entries [i].data, b->entries [i].len, rc, why);
            c->quarantined++;
            continue;
        }
        if (views_origin_applied (ingest_views (self), e->origin_division, e->origin_seq)) {
            ingest_counters (self)->skipped++;
            continue;   //  already applied (same origin division and seq; FORMAT 7)
        }
        rc = replica_check (self, c->division, e, &item->task.task, why, sizeof why);
        if (rc == ERR_OK)
            rc = views_origin_admit (ingest_views (self), e, why, sizeof why);
        if (rc == ERR_OK)
            rc = replica_apply (self, e, &item->task.task, why, sizeof why);
        if (rc == ERR_OK && e->kind == LIC__ENTRY_KIND__ENTRY_EVENT)
            files_want_event (ingest_store (self), batch, item->task.task.ev, c->division,
                              e->origin_division);
        if (rc == ERR_OK && e->kind == LIC__ENTRY_KIND__ENTRY_CATALOGUE && e->envelope) {
            //  The blobs its type names follow it too (files.h).
            Lic__LicenseType *t = NULL;
            if (codec_license_type_decode (e->envelope->body.data, e->envelope->body.len,
                                           &t) == ERR_OK)
                files_want_type (ingest_store (self), batch, t, c->division, e->origin_division);
            codec_license_type_free (&t);
        }
        if (rc == ERR_OK) {
            c->applied++;
            item->applied = true;
        }
        else
        if (rc >= ERR_IO) {
            ingest_job_fail (job, rc, "%s", why);
            job->seq = c->next_apply;
            return;
        }
        else {
            //  Held behind a held entry it depends on, if there is one.
            if (held_retryable (rc))
                held_behind (self, e, rc, why, sizeof why);
            held_put (self, e, b->entries [i].data, b->entries [i].len, rc, why);
            c->quarantined++;
        }
    }
    uint8_t hwm [8];
    store_put_u64 (hwm, first + n - 1);
    store_batch_put (batch, STORE_CF_CHILD, c->division, strlen (c->division), hwm, 8);
    c->next_apply = first + n;
    job->seq = first + n - 1;
}

//  The batch of generation gen that held the job was written, or not.
static void
s_committed_batch (ingest_t *self, ingest_job_t *job, uint64_t gen, int rc)
{
    (void) self;
    ingest_child_t *c = ((s_batch_t *) job)->child;
    held_committed (gen, rc);
    if (rc != ERR_OK) {
        //  Nothing of the child's pending batches stays: resend from the
        //  durable high-water mark.
        c->next_apply = c->hwm + 1;
        tree_abort (c->tree);
        job->seq = c->hwm + 1;
    }
    else
    if (job->code == ERR_OK) {
        c->hwm = job->seq;
        tree_committed (c->tree, gen);
        //  Durable: each event applied here counts once for the same-day
        //  rule (lateness.h), judged by its release at its origin.
        s_batch_t *bj = (s_batch_t *) job;
        for (size_t i = 0; i < bj->n_items; i++)
            if (bj->items [i].applied && bj->items [i].entry)
                lateness_committed (bj->items [i].task.task.ev, bj->items [i].entry->origin_division,
                                    bj->items [i].entry->received_at);
    }
}

static void
s_answer_batch (ingest_t *self, ingest_job_t *job)
{
    s_batch_t *bj = (s_batch_t *) job;
    ingest_send_batch (self, bj->child, bj->cookie, job->code, job->seq, job->why);
}

static void
s_destroy_batch (ingest_job_t *job)
{
    s_batch_t *bj = (s_batch_t *) job;
    for (size_t i = 0; i < bj->n_items; i++) {
        codec_event_free (&bj->items [i].task.task.ev);
        codec_entry_free (&bj->items [i].entry);
        free (bj->items [i].leaf);
    }
    free (bj->items);
    codec_repl_free (&bj->repl);
}

static const ingest_ops_t s_batch_ops = {
    "replicated batch", s_sequence_batch, s_committed_batch, s_answer_batch, s_destroy_batch
};

void
ingest_submit_batch (ingest_t *self, ingest_child_t *child, Lic__Repl **msg_p, void *cookie)
{
    ingest_job_t *job = ingest_job_new (self, &s_batch_ops, sizeof (s_batch_t));
    if (!job) {
        codec_repl_free (msg_p);
        return;
    }
    s_batch_t *bj = (s_batch_t *) job;
    bj->repl = *msg_p;
    *msg_p = NULL;
    bj->child = child;
    bj->cookie = cookie;
    ingest_charge (self, job, sizeof *bj + codec_heap (&bj->repl->base));
    const Lic__Batch *b = bj->repl->batch;
    bj->items = calloc (b->n_entries? b->n_entries: 1, sizeof *bj->items);
    if (!bj->items) {
        ingest_job_fail (job, ERR_NOMEM, "out of memory");
        job->ready = true;
        return;
    }
    //  Entries decode here; signatures and leaf hashes on the pool.
    for (size_t i = 0; i < b->n_entries; i++) {
        s_item_t *item = &bj->items [i];
        int rc = codec_entry_decode (b->entries [i].data, b->entries [i].len, &item->entry);
        bj->n_items++;
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
    if (bj->n_items == 0) {
        ingest_job_fail (job, ERR_MALFORMED, "empty batch");
        job->ready = true;
        return;
    }
    job->unverified = bj->n_items;
    for (size_t i = 0; i < bj->n_items; i++) {
        s_item_t *item = &bj->items [i];
        verify_task_t *task = &item->task.task;
        task->env = item->entry->envelope;
        //  Only a department's signed body (an event) is decoded and checked.
        const entrykind_t *kind = entrykind_of (item->entry->kind);
        task->not_event = !kind || kind->signer != ENTRYKIND_SIGNER_DEPARTMENT;
        //  The leaf is the entry without its disclosed values, as the
        //  child hashed it (codec_entry_leaf).
        size_t leaf_len;
        if (codec_entry_leaf (item->entry, &item->leaf, &leaf_len) != ERR_OK) {
            ingest_job_fail (job, ERR_NOMEM, "out of memory");
            job->ready = true;
            return;
        }
        task->leaf_data = item->leaf? item->leaf: b->entries [i].data;
        task->leaf_len = item->leaf? leaf_len: b->entries [i].len;
        //  The verifier decodes an event's body: its budget until then.
        item->task.ev_charge = task->not_event? 0: codec_event_budget (item->entry->envelope->body.len);
        ingest_charge (self, job, (item->leaf? leaf_len: 0) + item->task.ev_charge);
        ingest_queue_task (self, job, &item->task);
    }
}
