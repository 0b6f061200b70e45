/*  ingest_int.h -- the ingest pipeline's internals, shared by ingest.c
    (dispatch, sequencing of publishes and registrations, commit) and
    replica.c (sequencing of replicated batches and node records).  Not
    for use outside the pipeline.
*/
#ifndef LICREPO_INGEST_INT_H
#define LICREPO_INGEST_INT_H

#include "node/pipeline/ingest.h"
#include "proto/seal.h"
#include "node/pipeline/verifier.h"

typedef enum { JOB_PUBLISH, JOB_REGISTER, JOB_NODE, JOB_BATCH, JOB_CATALOGUE,
               JOB_APP_BODY, JOB_AUDIT } ingest_job_kind_t;

typedef struct _ingest_job_t ingest_job_t;

//  One entry of a replicated batch.
typedef struct {
    verify_task_t task;         //  owner = this item
    ingest_job_t *job;                 //  the batch job
    Lic__LogEntry *entry;       //  decoded (owned)
    uint8_t *leaf;              //  its leaf data if not its bytes (codec_entry_leaf; owned)
    size_t ev_charge;           //  bytes its event body is charged (budget, then measured)
} ingest_item_t;

struct _ingest_job_t {
    verify_task_t task;         //  first: the verifier hands it back (owner NULL)
    ingest_job_kind_t kind;
    zframe_t *route;            //  ROUTER identity of the requester
    Lic__Request *req;          //  the request (owned)
    bool ready;                 //  verified, or refused at dispatch
    int code;                   //  err_t for the reply
    char why [320];             //  reply message when code != 0
    uint64_t seq;               //  assigned or original seq
    bool duplicate;
    uint32_t version;           //  license version after the event
    //  JOB_BATCH
    Lic__Repl *repl;            //  the replicated batch (owned)
    ingest_child_t *child;      //  its sender
    void *cookie;               //  the downlink's
    ingest_item_t *items;            //  one per entry
    size_t n_items;
    size_t unverified;          //  items still at the verifier
    size_t n_queued;            //  its tasks counted in items_inflight
    //  JOB_NODE
    Lic__NodeRecord *node;      //  record to append (owned)
    //  JOB_AUDIT
    Lic__AuditRecord *audit;    //  record to append (owned)
    uint8_t *audit_body;        //  its encoding, signed on the verifier pool (owned)
    Lic__Envelope audit_env;    //  body borrowed from audit_body
    Lic__Reply *answer;         //  reply to send once it is durable (owned)
    size_t answer_bytes;        //  its packed size, counted in answers_inflight
    int channel;                //  the server's socket
    size_t bytes;               //  heap it holds, counted in bytes_inflight (ingest_charge)
    size_t ev_charge;           //  JOB_PUBLISH: of which its event body (budget, then measured)
};

typedef struct {
    store_batch_t *batch;       //  the write batch
    zlist_t *jobs;              //  ingest_job_t, in sequence order
    uint64_t gen;               //  generation for the views overlay
    uint64_t last_seq;          //  highest seq written, 0 if none
    int64_t write_us;           //  how long its synced write took
} ingest_pending_t;

struct ingest_t {
    store_t *store;
    views_t *views;
    ingest_cfg_t cfg;
    ingest_reply_fn *reply;
    void *reply_arg;
    ingest_batch_fn *on_batch;
    void *batch_arg;
    ingest_audit_fn *on_audit;
    void *audit_arg;
    verifier_t *verifier;
    zactor_t *committer;        //  does the synced writes
    ingest_job_t *ring [INGEST_RING];  //  tickets: ring [t % INGEST_RING]
    uint64_t head;              //  next ticket to sequence
    uint64_t tail;              //  next ticket to hand out
    ingest_pending_t *building;      //  batch being filled
    ingest_pending_t *syncing;       //  batch at the committer, or NULL
    ingest_pending_t *spare;         //  written batch kept for reuse (its buffers stay allocated)
    verify_task_t *to_verify [INGEST_TASKS_BATCH];  //  submitted, not yet sent to the verifier
    size_t n_to_verify;
    size_t items_inflight;      //  verify tasks submitted and not yet sequenced (bounded)
    size_t answers_inflight;    //  bytes of audited answers not yet sent (bounded)
    size_t bytes_inflight;      //  heap of the jobs not yet answered (bounded: INGEST_BYTES_MAX)
    uint64_t next_gen;
    uint64_t next_seq;          //  seq for the next entry
    uint64_t durable;           //  last durable seq
    ingest_stats_t stats;
};


//  Queues a task for the verifier, sending the queue first if it is full.
void
    ingest_queue_task (ingest_t *self, verify_task_t *task);

//  Charges job `bytes` more of heap (counted in bytes_inflight until the
//  job is answered).
void
    ingest_charge (ingest_t *self, ingest_job_t *job, size_t bytes);

//  Sets job's refusal: code and a formatted message.
void
    ingest_job_fail (ingest_job_t *job, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

//  A new job of that kind, queued at the ring's tail.  NULL if out of memory.
ingest_job_t *
    ingest_job_new (ingest_t *self, ingest_job_kind_t kind);

//  The checks of a signed event after its signature was verified, for a
//  department registered at `division`; see ingest.c.
int
    ingest_check_event (ingest_t *self, const char *division, const Lic__Envelope *env,
                        const verify_task_t *t, uint64_t *dup_seq, char *why, size_t why_size);

//  An entry of our own (registration, node record) at the next seq: signs
//  body with the node key into sig and fills env and entry, which borrow
//  body, sig and the configuration.
void
    ingest_own_entry (ingest_t *self, Lic__EntryKind kind, uint8_t *body, size_t len, int64_t at,
                      uint8_t sig [SEAL_SIG_BYTES], Lic__Envelope *env, Lic__LogEntry *entry);

//  The same with sig already the node's signature of body.
void
    ingest_own_entry_signed (ingest_t *self, Lic__EntryKind kind, uint8_t *body, size_t len,
                             int64_t at, uint8_t sig [SEAL_SIG_BYTES], Lic__Envelope *env,
                             Lic__LogEntry *entry);

//  The catalogue check of an issue or alteration (issue 4): the type is
//  in the catalogue and not withdrawn, the content meets its standard;
//  and for every event, its sensitive items are digests bound to env's
//  disclosures (issue 5 item 3, disclose_check), every digested item
//  disclosed if need_values (the node the department sent it to).
//  ERR_OK, ERR_UNKNOWN_TYPE, ERR_DISCLOSURE, ERR_CATALOGUE (why says
//  which item and rule).
int
    ingest_check_catalogue (ingest_t *self, const char *origin, const Lic__Event *ev,
                            const Lic__Envelope *env, bool need_values, char *why, size_t why_size);

//  Sequencing of the jobs of requests made here (ingest_requests.c).
void
    ingest_sequence_publish (ingest_t *self, ingest_job_t *job);
void
    ingest_sequence_register (ingest_t *self, ingest_job_t *job);
void
    ingest_sequence_catalogue (ingest_t *self, ingest_job_t *job);
void
    ingest_sequence_app_body (ingest_t *self, ingest_job_t *job);
void
    ingest_sequence_audit (ingest_t *self, ingest_job_t *job);

//  Sequencing of a replicated batch and of a node record (replica.c).
void
    ingest_sequence_batch (ingest_t *self, ingest_job_t *job);
void
    ingest_sequence_node (ingest_t *self, ingest_job_t *job);

#endif
