/*  ingest_ops.h -- the job kinds of the ingest pipeline and what the
    pipeline lends them.  Not for use outside node/pipeline/.

    The pipeline (ingest.c) hands out tickets, sends tasks to the
    verifier, sequences jobs in ticket order into the open write batch
    and commits each batch with one synced write; it knows no kind of
    job.  A kind is a row of ops: what it does when its turn comes to be
    sequenced, when the batch holding it is durable or refused, how it
    answers, what it frees.  Each kind's file builds its jobs with its
    own row (ingest_job_new) from its public submit function:

        ingest_requests.c   entries this node makes: a department's publish
                            and registration, the operator's catalogue,
                            application body and revocation entries, node
                            records for configured children, audit records
        replica.c           a child's replicated batch

    so the pipeline never names a kind, and no kind needs the pipeline's
    state (struct ingest_t is private to ingest.c).
*/
#ifndef LICREPO_INGEST_OPS_H
#define LICREPO_INGEST_OPS_H

#include "node/pipeline/ingest.h"
#include "node/pipeline/verifier.h"
#include "proto/seal.h"

typedef struct _ingest_job_t ingest_job_t;

//  A task of a job at the verifier.  The job is ready to be sequenced
//  once all of its tasks (job->unverified, set by the kind before it
//  queues the first) are back.
typedef struct {
    verify_task_t task;         //  first; task.owner = this (ingest_queue_task)
    ingest_job_t *job;          //  the job it is for
    size_t ev_charge;           //  bytes its event body is charged (budget, then measured)
} ingest_task_t;

//  A kind of job.  Every step runs on the pipeline's thread, in ticket
//  order for sequence; job->code already set means the job was refused
//  before its turn (at submit or at the verifier).
typedef struct {
    const char *name;
    //  Its turn: checks what needs the state of everything before it and
    //  writes its entries into the open batch (ingest_batch), taking seqs
    //  with ingest_take_seq, or sets job->code.  A code >= ERR_IO refuses
    //  the open batch whole.
    void (*sequence) (ingest_t *self, ingest_job_t *job);
    //  Optional: the batch of generation gen holding the job was written
    //  (rc ERR_OK) or not (rc the failure, the job's code set to it).
    void (*committed) (ingest_t *self, ingest_job_t *job, uint64_t gen, int rc);
    //  Answers the job (its code, why, seq); the pipeline frees it after.
    void (*answer) (ingest_t *self, ingest_job_t *job);
    //  Optional: frees what the kind's part of the job holds.
    void (*destroy) (ingest_job_t *job);
} ingest_ops_t;

//  What every job has.  A kind may make its jobs larger, with this first
//  (ingest_job_new's size).
struct _ingest_job_t {
    const ingest_ops_t *ops;
    ingest_task_t task;         //  its own task at the verifier, if it has one
    zframe_t *route;            //  ROUTER identity of the requester, or NULL (owned)
    Lic__Request *req;          //  the request, or NULL (owned)
    bool ready;                 //  verified, or refused at submit
    int code;                   //  err_t for the answer
    char why [320];             //  answer's message when code != 0
    uint64_t seq;               //  assigned or original seq
    size_t unverified;          //  its tasks still at the verifier
    size_t n_queued;            //  its tasks counted in the events in flight
    size_t bytes;               //  heap it holds, counted in flight (ingest_charge)
    size_t answer_bytes;        //  bytes of its prepared answer, counted in the
                                //  answers in flight (ingest_charge_answer)
};

//  A new job of `size` bytes (at least sizeof (ingest_job_t), zeroed)
//  of kind ops, queued at the ring's tail.  NULL if out of memory.
ingest_job_t *
    ingest_job_new (ingest_t *self, const ingest_ops_t *ops, size_t size);

//  Sets job's refusal: code and a formatted message.
void
    ingest_job_fail (ingest_job_t *job, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Charges job `bytes` more of heap (counted in flight until the job is
//  answered).
void
    ingest_charge (ingest_t *self, ingest_job_t *job, size_t bytes);

//  Counts `bytes` of a prepared answer in the answers in flight (bounded:
//  INGEST_ANSWERS_MAX) until the job is answered.
void
    ingest_charge_answer (ingest_t *self, ingest_job_t *job, size_t bytes);

//  Queues a task of job for the verifier (sending the queue first if it
//  is full).
void
    ingest_queue_task (ingest_t *self, ingest_job_t *job, ingest_task_t *task);

//  While sequencing: the open write batch, and its generation (for the
//  views' overlay).
store_batch_t *
    ingest_batch (ingest_t *self);
uint64_t
    ingest_gen (ingest_t *self);

//  While sequencing: the seq the next entry gets, and taking it (the
//  open batch then holds entries up to it).
uint64_t
    ingest_next_seq (ingest_t *self);
uint64_t
    ingest_take_seq (ingest_t *self);

//  What the pipeline was given: the views, the configuration, the store
//  (for what the links keep there, e.g. a child's announced head).
views_t *
    ingest_views (ingest_t *self);
store_t *
    ingest_store (ingest_t *self);
const ingest_cfg_t *
    ingest_cfg (ingest_t *self);

//  The counters the kinds add to (ingest_stats reads them).
ingest_stats_t *
    ingest_counters (ingest_t *self);

//  The pipeline's outputs, as ingest.h's handlers were set: a reply to a
//  request, a child's batch answered, an audited answer released.
void
    ingest_send_reply (ingest_t *self, zframe_t **route_p, Lic__Reply **reply_p,
                       const Lic__Department *dept);
void
    ingest_send_batch (ingest_t *self, ingest_child_t *child, void *cookie, int code,
                       uint64_t seq, const char *why);
void
    ingest_send_audit (ingest_t *self, int channel, zframe_t **route_p, Lic__Reply **reply_p);

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

// ---------------------------------------------------------------------
//  The checks of a signed event, at the door and on a child's batch
//  (ingest_requests.c).

//  After its signature was verified, for a department registered at
//  `division` (proto/README.md section 4 gives the order).  With dup_seq,
//  a duplicate (same key, same body) is recognised first: ERR_EXISTS with
//  *dup_seq set.  ERR_OK or the refusal, why saying more.
int
    ingest_check_event (ingest_t *self, const char *division, const Lic__Envelope *env,
                        const verify_task_t *t, uint64_t *dup_seq, char *why, size_t why_size);

//  The catalogue check of an issue or alteration: the type is in the
//  origin's catalogue and not withdrawn, the content meets its standard;
//  and for every event, its sensitive items are digests bound to env's
//  disclosures (disclose_check), every digested item disclosed if
//  need_values (the node the department sent it to).  ERR_OK,
//  ERR_UNKNOWN_TYPE, ERR_DISCLOSURE, ERR_CATALOGUE (why says which item
//  and rule).
int
    ingest_check_catalogue (ingest_t *self, const char *origin, const Lic__Event *ev,
                            const Lic__Envelope *env, bool need_values, char *why, size_t why_size);

#endif
