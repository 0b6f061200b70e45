/*  ingest.c -- the publish pipeline's engine (see ingest.h for the
    picture): the ticket ring, the hand-off to the verifier, sequencing in
    ticket order, the commit path.  It knows no kind of job: each job
    carries its kind's row of ops (ingest_ops.h), made in
    ingest_requests.c (entries this node makes) and replica.c (a child's
    batches).

    Durability: a reply leaves only after the synced write of the batch
    that holds its event, or for a duplicate or a refusal, of the batch
    that was open when it was sequenced (which is after its original).
    A failed write fails that batch and the one built on top of it, drops
    the overlay and rewinds the sequence to the last durable seq.
*/
#include <pthread.h>
#include <stdatomic.h>
#include "node/base/logfmt.h"
#include "proto/codec.h"
#include "proto/seal.h"
#include "node/pipeline/held.h"
#include "node/pipeline/ingest_ops.h"

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
    zactor_t *committer;        //  does the synced writes, and the writes aside
    atomic_size_t asides;       //  writes aside handed to the committer, not yet done
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

// ---------------------------------------------------------------------
//  Committer thread: receives "WRITE" with an ingest_pending_t *, writes it
//  synced, answers with the same pointer and the result; or "ASIDE" with a
//  store_batch_t * and what it holds (ingest_write_aside), writes that
//  unsynced, frees it and answers nothing.  In the order received.

static void
s_committer (zsock_t *pipe, void *args)
{
    ingest_t *self = (ingest_t *) args;
    store_t *store = self->store;
    pthread_setname_np (pthread_self (), "lic-commit");    //  top -H, perf, gdb
    zsock_signal (pipe, 0);
    while (true) {
        char *cmd = NULL, *what = NULL;
        void *ptr = NULL;
        if (zsock_recv (pipe, "sps", &cmd, &ptr, &what) != 0)
            break;
        bool term = streq (cmd, "$TERM"), aside = streq (cmd, "ASIDE");
        zstr_free (&cmd);
        if (term) {
            zstr_free (&what);
            break;
        }
        if (aside) {
            store_batch_t *b = (store_batch_t *) ptr;
            if (store_write_aside (store, b, false) != ERR_OK)
                logfmt_msgf (LOGFMT_WARN, "%s not stored", what);
            store_batch_destroy (&b);
            zstr_free (&what);
            atomic_fetch_sub (&self->asides, 1);
            continue;
        }
        zstr_free (&what);
        ingest_pending_t *p = (ingest_pending_t *) ptr;
        int64_t t0 = zclock_usecs ();
        int rc = store_batch_count (p->batch)? store_write (store, p->batch, true): ERR_OK;
        p->write_us = zclock_usecs () - t0;
        zsock_send (pipe, "pi", p, rc);
    }
}

static ingest_pending_t *
s_pending_new (ingest_t *self)
{
    ingest_pending_t *p = calloc (1, sizeof *p);
    if (!p)
        return NULL;
    p->batch = store_batch_new (self->store);
    p->jobs = zlist_new ();
    p->gen = ++self->next_gen;
    if (!p->batch || !p->jobs) {
        store_batch_destroy (&p->batch);
        zlist_destroy (&p->jobs);
        free (p);
        return NULL;
    }
    return p;
}

static void
s_pending_destroy (ingest_pending_t **p_p)
{
    if (!p_p || !*p_p)
        return;
    store_batch_destroy (&(*p_p)->batch);
    zlist_destroy (&(*p_p)->jobs);
    free (*p_p);
    *p_p = NULL;
}

// ---------------------------------------------------------------------
//  Replies

static void
s_job_destroy (ingest_job_t **job_p)
{
    ingest_job_t *job = *job_p;
    if (!job)
        return;
    if (job->ops->destroy)
        job->ops->destroy (job);
    codec_event_free (&job->task.task.ev);
    codec_request_free (&job->req);
    zframe_destroy (&job->route);
    free (job);
    *job_p = NULL;
}

void
ingest_job_fail (ingest_job_t *job, int code, const char *fmt, ...)
{
    job->code = code;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (job->why, sizeof job->why, fmt, ap);
    va_end (ap);
}

void
ingest_charge (ingest_t *self, ingest_job_t *job, size_t bytes)
{
    job->bytes += bytes;
    self->bytes_inflight += bytes;
}

//  The verifier decoded the event body charged *charge bytes (its
//  budget): charge what it holds instead.
static void
s_event_decoded (ingest_t *self, ingest_job_t *job, size_t *charge, const Lic__Event *ev)
{
    size_t now = ev? codec_heap (&ev->base): 0;
    job->bytes = job->bytes - *charge + now;
    self->bytes_inflight = self->bytes_inflight - *charge + now;
    *charge = now;
}

void
ingest_charge_answer (ingest_t *self, ingest_job_t *job, size_t bytes)
{
    job->answer_bytes += bytes;
    self->answers_inflight += bytes;
}

static void
s_answer (ingest_t *self, ingest_job_t *job)
{
    self->bytes_inflight -= job->bytes;
    job->bytes = 0;
    self->answers_inflight -= job->answer_bytes;
    job->answer_bytes = 0;
    job->ops->answer (self, job);
    s_job_destroy (&job);
}

void
ingest_send_reply (ingest_t *self, zframe_t **route_p, Lic__Reply **reply_p,
                   const Lic__Department *dept)
{
    self->reply (self->reply_arg, route_p, reply_p, dept);
}

void
ingest_send_batch (ingest_t *self, ingest_child_t *child, void *cookie, int code,
                   uint64_t seq, const char *why)
{
    if (self->on_batch)
        self->on_batch (self->batch_arg, child, cookie, code, seq, why);
}

void
ingest_send_audit (ingest_t *self, int channel, zframe_t **route_p, Lic__Reply **reply_p)
{
    if (self->on_audit)
        self->on_audit (self->audit_arg, channel, route_p, reply_p);
}

// ---------------------------------------------------------------------
//  Sequencing

static void s_on_committed (ingest_t *self);
static void s_abort_pending (ingest_t *self, int rc);

void
ingest_own_entry (ingest_t *self, Lic__EntryKind kind, uint8_t *body, size_t len, int64_t at,
                  uint8_t sig [SEAL_SIG_BYTES], Lic__Envelope *env, Lic__LogEntry *entry)
{
    seal_sign (sig, body, len, self->cfg.sign_sk);
    ingest_own_entry_signed (self, kind, body, len, at, sig, env, entry);
}

void
ingest_own_entry_signed (ingest_t *self, Lic__EntryKind kind, uint8_t *body, size_t len,
                         int64_t at, uint8_t sig [SEAL_SIG_BYTES], Lic__Envelope *env,
                         Lic__LogEntry *entry)
{
    codec_envelope_init (env);
    env->body.data = body;
    env->body.len = len;
    env->signature.data = sig;
    env->signature.len = SEAL_SIG_BYTES;
    env->key_id.data = (uint8_t *) self->cfg.sign_pk;
    env->key_id.len = SEAL_PUBLIC_BYTES;
    codec_entry_init (entry);
    entry->seq = self->next_seq;
    entry->origin_division = (char *) self->cfg.division;
    entry->origin_seq = entry->seq;
    entry->kind = kind;
    entry->envelope = env;
    entry->received_at = at;
}

static void
s_sequence_ready (ingest_t *self)
{
    while (self->head < self->tail) {
        ingest_job_t *job = self->ring [self->head % INGEST_RING];
        if (!job->ready)
            break;
        self->ring [self->head % INGEST_RING] = NULL;
        self->head++;
        self->items_inflight -= job->n_queued;
        job->ops->sequence (self, job);
        zlist_append (self->building->jobs, job);
        if (job->code >= ERR_IO) {
            //  A local failure in the middle of building: the open batch
            //  may hold part of this job.  Let the batch being synced
            //  finish, then refuse everything built on it.
            if (self->syncing)
                s_on_committed (self);
            s_abort_pending (self, job->code);
        }
    }
}

// ---------------------------------------------------------------------
//  Commit

static void
s_answer_all (ingest_t *self, ingest_pending_t *p, int fail_rc, const char *fail_why)
{
    ingest_job_t *job;
    while ((job = (ingest_job_t *) zlist_pop (p->jobs))) {
        if (fail_rc != ERR_OK && job->code == ERR_OK)
            ingest_job_fail (job, fail_rc, "%s", fail_why);
        if (job->ops->committed)
            job->ops->committed (self, job, p->gen, fail_rc);
        s_answer (self, job);
    }
}

//  Refuses everything pending (after a failed write, or a failure in the
//  middle of building a batch): answers the jobs, forgets the overlays,
//  rewinds the sequence to what is durable.
static void
s_abort_pending (ingest_t *self, int rc)
{
    const char *why = rc == ERR_NOSPACE
        ? "repository disk is full: nothing was stored, retry later"
        : "repository write failed: nothing was stored, retry later";
    s_answer_all (self, self->building, rc, why);
    store_batch_clear (self->building->batch);
    self->building->last_seq = 0;
    if (views_abort (self->views) != ERR_OK)
        logfmt_msgf (LOGFMT_ERROR, "views could not be reloaded after a failed write");
    self->next_seq = self->durable + 1;
}

static void
s_start_commit (ingest_t *self)
{
    if (self->syncing || zlist_size (self->building->jobs) == 0)
        return;
    ingest_pending_t *next = self->spare? self->spare: s_pending_new (self);
    if (!next)
        return;             //  try again on the next turn
    self->spare = NULL;
    next->gen = ++self->next_gen;
    next->last_seq = 0;
    //  The origin marks of everything in the batch, once each.
    views_flush_marks (self->views, self->building->batch);
    self->syncing = self->building;
    self->building = next;
    zsock_send (self->committer, "sps", "WRITE", self->syncing, "");
}

static void
s_on_committed (ingest_t *self)
{
    ingest_pending_t *p = NULL;
    int rc = ERR_INTERNAL;
    if (zsock_recv (self->committer, "pi", &p, &rc) != 0 || p != self->syncing)
        return;
    self->syncing = NULL;
    self->stats.batches++;
    if (store_batch_count (p->batch)) {
        static const int64_t bounds [INGEST_FSYNC_BUCKETS] = INGEST_FSYNC_BOUNDS_US;
        for (int i = 0; i < INGEST_FSYNC_BUCKETS; i++)
            if (bounds [i] == 0 || p->write_us <= bounds [i])
                self->stats.fsync_buckets [i]++;
        self->stats.fsync_count++;
        self->stats.fsync_sum_s += (double) p->write_us / 1e6;
    }
    if (rc == ERR_OK) {
        if (p->last_seq)
            self->durable = p->last_seq;
        views_committed (self->views, p->gen);
        s_answer_all (self, p, ERR_OK, NULL);
    }
    else {
        //  Nothing of p reached the disk, and building was computed on
        //  top of it: refuse both; the clients may send the same signed
        //  events again.
        self->stats.write_errors++;
        s_answer_all (self, p, rc, rc == ERR_NOSPACE
            ? "repository disk is full: nothing was stored, retry later"
            : "repository write failed: nothing was stored, retry later");
        s_abort_pending (self, rc);
    }
    store_batch_clear (p->batch);
    if (self->spare)
        s_pending_destroy (&p);
    else
        self->spare = p;
}

// ---------------------------------------------------------------------
//  Public

int
ingest_new (ingest_t **out, store_t *store, views_t *views, const ingest_cfg_t *cfg,
            ingest_reply_fn *reply, void *reply_arg)
{
    ingest_t *self = calloc (1, sizeof *self);
    if (!self)
        return ERR_NOMEM;
    self->store = store;
    self->views = views;
    self->cfg = *cfg;
    self->reply = reply;
    self->reply_arg = reply_arg;
    uint8_t key [8];
    size_t klen = sizeof key;
    int rc = store_last_key (store, STORE_CF_LOG, key, &klen);
    if (rc == ERR_OK && klen == 8)
        self->durable = store_get_u64 (key);
    else
    if (rc != ERR_NOT_FOUND) {
        free (self);
        return rc == ERR_OK? ERR_CORRUPT: rc;
    }
    self->next_seq = self->durable + 1;
    self->building = s_pending_new (self);
    self->verifier = verifier_new (cfg->verify_threads);
    atomic_init (&self->asides, 0);
    self->committer = zactor_new (s_committer, self);
    if (!self->building || !self->verifier || !self->committer) {
        ingest_destroy (&self);
        return ERR_NOMEM;
    }
    *out = self;
    return ERR_OK;
}

void
ingest_destroy (ingest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ingest_t *self = *self_p;
    //  Let the committer finish the batch it holds, so what it writes is
    //  answered truthfully.
    if (self->syncing && self->committer)
        s_on_committed (self);
    zactor_destroy (&self->committer);
    verifier_destroy (&self->verifier);
    for (uint64_t t = self->head; t < self->tail; t++) {
        ingest_job_t *job = self->ring [t % INGEST_RING];
        ingest_job_fail (job, ERR_CLOSED, "node is shutting down");
        s_answer (self, job);
    }
    if (self->building)
        s_answer_all (self, self->building, ERR_CLOSED, "node is shutting down");
    s_pending_destroy (&self->building);
    s_pending_destroy (&self->spare);
    free (self);
    *self_p = NULL;
}

void
ingest_set_audit_handler (ingest_t *self, ingest_audit_fn *fn, void *arg)
{
    self->on_audit = fn;
    self->audit_arg = arg;
}

void
ingest_set_batch_handler (ingest_t *self, ingest_batch_fn *fn, void *arg)
{
    self->on_batch = fn;
    self->batch_arg = arg;
}

ingest_job_t *
ingest_job_new (ingest_t *self, const ingest_ops_t *ops, size_t size)
{
    ingest_job_t *job = calloc (1, size < sizeof *job? sizeof *job: size);
    if (!job)
        return NULL;
    job->ops = ops;
    self->ring [self->tail++ % INGEST_RING] = job;
    return job;
}

bool
ingest_full (ingest_t *self)
{
    //  One ring slot is kept free for the one job a caller may still add.
    return self->tail - self->head >= INGEST_RING - 1
        || self->items_inflight >= INGEST_ITEMS_MAX
        || self->bytes_inflight >= INGEST_BYTES_MAX
        || self->answers_inflight >= INGEST_ANSWERS_MAX;
}

//  Hands the queued tasks to the verifier.
static void
s_flush_tasks (ingest_t *self)
{
    if (self->n_to_verify == 0)
        return;
    if (verifier_submit (self->verifier, self->to_verify, self->n_to_verify) != ERR_OK)
        for (size_t i = 0; i < self->n_to_verify; i++) {
            ingest_job_t *job = ((ingest_task_t *) self->to_verify [i]->owner)->job;
            ingest_job_fail (job, ERR_CLOSED, "verifier is stopping");
            if (--job->unverified == 0)
                job->ready = true;
        }
    self->n_to_verify = 0;
}

void
ingest_queue_task (ingest_t *self, ingest_job_t *job, ingest_task_t *task)
{
    if (self->n_to_verify == INGEST_TASKS_BATCH)
        s_flush_tasks (self);
    task->job = job;
    task->task.owner = task;
    self->to_verify [self->n_to_verify++] = &task->task;
    job->n_queued++;
    self->items_inflight++;
}

int
ingest_write_aside (ingest_t *self, store_batch_t **batch_p, const char *what)
{
    store_batch_t *b = *batch_p;
    *batch_p = NULL;
    if (!b)
        return ERR_NOMEM;
    //  A failed store (a full disk) refuses it here, as store_write did
    //  on the loop, so the caller keeps what it had stored and writes it
    //  again after the recovery (the chain, a child's head, receipts).
    int failed = store_failed (self->store);
    if (failed) {
        store_batch_destroy (&b);
        return failed;
    }
    //  The committer's synced write holds RocksDB's write queue until its
    //  fsync returns (~0.4 ms; 5-200 ms when the disk is busy): a write
    //  made here would wait that long, and with it the main loop and
    //  every publish and replicated batch behind it.  On the committer
    //  thread it waits alone.
    atomic_fetch_add (&self->asides, 1);
    if (zsock_send (self->committer, "sps", "ASIDE", b, what) != 0) {
        atomic_fetch_sub (&self->asides, 1);
        store_batch_destroy (&b);
        return ERR_CLOSED;
    }
    return ERR_OK;
}

bool
ingest_idle (ingest_t *self)
{
    //  A write aside still at the committer counts: the store is not
    //  reopened under it (periodic.c, s_try_recover).
    return self->head == self->tail && !self->syncing
        && zlist_size (self->building->jobs) == 0 && atomic_load (&self->asides) == 0;
}

bool
ingest_busy (ingest_t *self)
{
    return self->head != self->tail || self->syncing || zlist_size (self->building->jobs) > 0;
}

zsock_t *
ingest_results_sock (ingest_t *self)
{
    return verifier_results (self->verifier);
}

zsock_t *
ingest_commit_sock (ingest_t *self)
{
    return zactor_sock (self->committer);
}

void
ingest_on_ready (ingest_t *self)
{
    s_flush_tasks (self);
    verify_task_t **tasks;
    size_t n;
    while ((tasks = verifier_recv (self->verifier, &n)))
        for (size_t i = 0; i < n; i++) {
            ingest_task_t *task = (ingest_task_t *) tasks [i]->owner;
            ingest_job_t *job = task->job;
            if (task->ev_charge)
                s_event_decoded (self, job, &task->ev_charge, tasks [i]->ev);
            if (--job->unverified == 0)
                job->ready = true;
        }
    if (zsock_events (zactor_sock (self->committer)) & ZMQ_POLLIN)
        s_on_committed (self);
    held_tick (self);           //  held entries whose cause may be gone: a retry job
    s_sequence_ready (self);
    s_start_commit (self);
}

uint64_t
ingest_head (ingest_t *self)
{
    return self->next_seq - 1;
}

uint64_t
ingest_durable (ingest_t *self)
{
    return self->durable;
}

void
ingest_stats (ingest_t *self, ingest_stats_t *stats)
{
    *stats = self->stats;
    verifier_stats (self->verifier, &stats->verifies, &stats->verify_ns);
}

// ---------------------------------------------------------------------
//  What the kinds of job are lent (ingest_ops.h)

store_batch_t *
ingest_batch (ingest_t *self)
{
    return self->building->batch;
}

uint64_t
ingest_gen (ingest_t *self)
{
    return self->building->gen;
}

uint64_t
ingest_next_seq (ingest_t *self)
{
    return self->next_seq;
}

uint64_t
ingest_take_seq (ingest_t *self)
{
    self->building->last_seq = self->next_seq++;
    return self->building->last_seq;
}

views_t *
ingest_views (ingest_t *self)
{
    return self->views;
}

store_t *
ingest_store (ingest_t *self)
{
    return self->store;
}

const ingest_cfg_t *
ingest_cfg (ingest_t *self)
{
    return &self->cfg;
}

ingest_stats_t *
ingest_counters (ingest_t *self)
{
    return &self->stats;
}
