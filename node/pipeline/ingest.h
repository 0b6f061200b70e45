/*  ingest.h -- the publish pipeline: dispatch, parallel verification,
    in-order sequencing, group commit.

        server --submit--> ticket ring --jobs--> verifier threads
                               ^                      |
                               +------ results -------+
        sequencer (in ticket order), for a publish: signer, signature,
        body decodes, duplicate (answered with the first seq), type
        right, event checks (evcheck), bare id and issuer, predecessor,
        catalogue (type known and not withdrawn, disclosures, the type's
        standard), entry size, lifecycle and expected version -> views
        into the open batch (ingest_requests.c; the kinds of job are
        rows of ops, ingest_ops.h)
        committer thread: one synced write per batch; while it syncs the
        next batch fills (double buffering).  Replies leave only after the
        batch holding the event (or its original) is durable.

    Bounded: at most INGEST_RING jobs, INGEST_ITEMS_MAX events and
    INGEST_BYTES_MAX bytes of heap in flight; the server stops reading
    its socket while ingest_full().  Runs in the server's thread; the
    verifier and committer threads see only the jobs sent to them.
*/
#ifndef LICREPO_INGEST_H
#define LICREPO_INGEST_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "proto/err.h"
#include "proto/msg.h"
#include "node/store/store_rocks.h"
#include "node/store/tree.h"
#include "node/store/views.h"

#define INGEST_RING 8192            //  jobs in flight at most
#define INGEST_ITEMS_MAX 32768      //  events (published or replicated) in flight at most
#define INGEST_TASKS_BATCH 4096     //  tasks handed to the verifier at once
#define INGEST_ANSWERS_MAX (64 * 1024 * 1024)   //  bytes of query answers waiting for their audit record
//  Heap held by the jobs in flight (README "Bounded resources"), from the moment
//  a job is submitted until it is answered: its decoded request, entries
//  and leaf copies as codec_heap measures them, and for each event body
//  the event decode budget (codec_event_budget: twice its bytes plus
//  64 KiB) until the verifier has decoded it, then its measured heap.
//  A caller may submit one job past the bound (ingest_full), so the
//  pipeline holds at most this plus one request (a publish: 5 MiB at the
//  decode budget; a PublishBatch that and up to 256 event budgets, ~22 MiB)
//  or one replicated batch.
#define INGEST_BYTES_MAX (128 * 1024 * 1024)
#define INGEST_FSYNC_BUCKETS 12
//  Upper bounds (microseconds) of the synced-write histogram; last = +Inf.
#define INGEST_FSYNC_BOUNDS_US { 100, 250, 500, 1000, 2500, 5000, 10000, 25000, \
                                 50000, 100000, 250000, 0 }

typedef struct ingest_t ingest_t;

typedef struct {
    const char *division;           //  this node's division code
    const uint8_t *sign_sk;         //  node Ed25519 secret key (64 bytes, borrowed)
    const uint8_t *sign_pk;         //  node Ed25519 public key (32 bytes, borrowed)
    int verify_threads;             //  verifier threads (>= 1)
} ingest_cfg_t;

//  Called for every finished job with the reply to send to route; the
//  callee takes ownership of *route_p and *reply_p (and nulls them).
//  dept is set for a committed registration (borrowed, for the callback
//  only), else NULL.
typedef void (ingest_reply_fn) (void *arg, zframe_t **route_p, Lic__Reply **reply_p,
                                const Lic__Department *dept);

//  A child as the sequencer sees it (owned by the downlink, which must
//  keep it alive as long as the pipeline).
typedef struct {
    char division [8];              //  child's division
    tree_t *tree;                   //  our copy of the child's log tree
    uint64_t hwm;                   //  child seq durable here
    uint64_t next_apply;            //  next child seq the sequencer expects
    uint64_t quarantined;           //  its entries quarantined since start
    uint64_t applied;               //  its entries applied since start
} ingest_child_t;

//  Called when a child's batch is durable (code ERR_OK, seq = the child's
//  new high-water mark) or refused (code, seq = the seq to resend from).
typedef void (ingest_batch_fn) (void *arg, ingest_child_t *child, void *cookie,
                                int code, uint64_t seq, const char *why);

//  Starts the pipeline's threads.  ERR_OK, ERR_NOMEM, ERR_IO (head of log
//  unreadable).
int MUST_CHECK
    ingest_new (ingest_t **out, store_t *store, views_t *views, const ingest_cfg_t *cfg,
                ingest_reply_fn *reply, void *reply_arg);

//  Where replicated batches are answered.
void
    ingest_set_batch_handler (ingest_t *self, ingest_batch_fn *fn, void *arg);

//  Takes a replicated batch from child (ownership of *msg_p, a Repl with
//  a Batch body).  Entries are checked, verified on the pool, applied in
//  order with the child's tree and high-water mark in one write batch;
//  entries that fail verification go to quarantine.  Answered through the
//  batch handler.
void
    ingest_submit_batch (ingest_t *self, ingest_child_t *child, Lic__Repl **msg_p,
                         void *cookie);

//  Appends a node record (signed by this node) for a configured child,
//  so upper levels learn its keys.  replaces: the child's previous
//  signing key when this record rotates it (32 bytes), else NULL.
//  Takes an operator's decision on a held entry (a QuarantineDecide
//  request, admin): a QuarantineDecision this node signs and logs
//  (node/pipeline/held.c), answered RegisterResult {seq}.
void
    ingest_submit_decision (ingest_t *self, zframe_t **route_p, Lic__Request **req_p);

void
    ingest_submit_node (ingest_t *self, const char *division, const uint8_t sign_pk [32],
                        const uint8_t curve_pk [32], const uint8_t *replaces);

//  Called when an audited query's record is durable (answer: the prepared
//  reply, its QueryResult's audit_seq filled in) or could not be written
//  (answer replaced by the refusal).  The callee takes *route_p and
//  *reply_p.
typedef void (ingest_audit_fn) (void *arg, int channel, zframe_t **route_p, Lic__Reply **reply_p);

void
    ingest_set_audit_handler (ingest_t *self, ingest_audit_fn *fn, void *arg);

//  Records a query (proto/README.md section 11): appends rec (owned from here on) as
//  a node-signed ENTRY_AUDIT to the log and hands the prepared answer
//  (owned) back through the audit handler only once that record is
//  durable.  channel is the caller's, returned as it is.  route_p and
//  answer_p may be NULL (an aggregated record: nothing waits for it;
//  if it cannot be written, that is logged).
void
    ingest_submit_audit (ingest_t *self, int channel, zframe_t **route_p,
                         Lic__AuditRecord **rec_p, Lic__Reply **answer_p);

//  Stops the threads; jobs still queued are answered ERR_CLOSED.
void
    ingest_destroy (ingest_t **self_p);

//  Takes a publish, register, catalogue or application body request (ownership of *route_p and *req_p
//  passes to ingest).  Never fails: errors come back as replies.
void
    ingest_submit (ingest_t *self, zframe_t **route_p, Lic__Request **req_p);

//  True while no more requests should be submitted: the ring is full,
//  INGEST_ITEMS_MAX events or INGEST_BYTES_MAX bytes of heap are in
//  flight, or INGEST_ANSWERS_MAX bytes of query answers wait for their
//  audit records.  A caller may then still submit
//  one more job (a replicated batch counts as one job of up to 4,096
//  events), never more.
bool
    ingest_full (ingest_t *self);

//  Writes a batch of store_write_aside's families (meta, child, blob,
//  file), not synced, on the committer thread after the synced write it
//  may be doing, and frees it: the caller does not wait.  Unsynced, as
//  store_write_aside (.., false): durable with the next synced write.
//  Takes *batch_p (NULL after).  ERR_OK once handed over; the store's
//  error, nothing queued, while the store has failed (store_failed); a
//  write that fails at the committer is logged there as "<what> not
//  stored" (the caller has already counted it stored: it is written
//  again only when its value next changes).  A read of the store right
//  after ERR_OK may not see it yet.
int
    ingest_write_aside (ingest_t *self, store_batch_t **batch_p, const char *what);

//  True when nothing is queued, verifying, sequenced or syncing, and no
//  write aside is waiting.
bool
    ingest_idle (ingest_t *self);

//  True while entries (published or replicated) are in the pipeline:
//  submitted and not yet sequenced, or sequenced into a batch not yet
//  durable.  ingest_idle without the writes aside (a child's head, a
//  receipt, the checkpoint), which are no entries: what a parent's
//  license-file window gives way to.
bool
    ingest_busy (ingest_t *self);

//  Sockets the server polls; when one is readable call ingest_on_ready.
zsock_t *ingest_results_sock (ingest_t *self);
zsock_t *ingest_commit_sock (ingest_t *self);

//  Handles whatever is ready on the pipeline's sockets (non-blocking),
//  sequences what it can and starts a commit when the committer is idle.
void
    ingest_on_ready (ingest_t *self);

//  Last seq assigned and last seq durable.
uint64_t ingest_head (ingest_t *self);
uint64_t ingest_durable (ingest_t *self);

//  Counters since start.
typedef struct {
    uint64_t published;             //  events accepted and durable
    uint64_t duplicates;            //  duplicates answered
    uint64_t rejected;              //  events refused
    uint64_t publish_frames;        //  publish and PublishBatch requests answered
    uint64_t verifies;              //  signatures checked by the pool (verifier_stats)
    uint64_t verify_ns;             //  their CPU time, estimated
    uint64_t batches;               //  synced writes
    uint64_t write_errors;          //  failed synced writes
    uint64_t applied;               //  replicated entries applied
    uint64_t skipped;               //  replicated entries already here (origin seq)
    uint64_t quarantined;           //  replicated entries quarantined (since start)
    uint64_t released;              //  held entries that left the quarantine (since start)
    uint64_t rejected_by_code [ERR_INTERNAL + 1];   //  refused publishes per err_t
    //  Synced writes: duration histogram (cumulative counts per bucket,
    //  upper bounds in INGEST_FSYNC_BOUNDS_US, the last is +Inf).
    uint64_t fsync_buckets [INGEST_FSYNC_BUCKETS];
    uint64_t fsync_count;
    double fsync_sum_s;
} ingest_stats_t;
void
    ingest_stats (ingest_t *self, ingest_stats_t *stats);

#endif
