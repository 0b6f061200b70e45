/*  verifier.c -- signature and body checks on a thread pool (see
    verifier.h).  Each thread is a zactor with its own PULL socket fed by
    one PUSH (round robin) and a PUSH back to the results PULL.  High-water
    marks are set above the ingest ring, so sends never block or drop.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include "proto/codec.h"
#include "proto/evcheck.h"
#include "replication/merkle.h"
#include "proto/seal.h"
#include "node/pipeline/verifier.h"

#define VERIFIER_MAX_THREADS 64
#define VERIFIER_HWM 100000

#define VERIFIER_CHUNK_MAX 1024                //  tasks in one message

struct verifier_t {
    zsock_t *jobs;                          //  PUSH to the threads
    zsock_t *results;                       //  PULL from the threads
    zactor_t *threads [VERIFIER_MAX_THREADS];
    int nthreads;
    char jobs_ep [64];                      //  inproc endpoints
    char results_ep [64];
    zframe_t *last;                         //  chunk returned by verifier_recv
    atomic_uint_fast64_t checks;            //  signatures checked (verifier_stats)
    atomic_uint_fast64_t check_ns;          //  their CPU time, estimated
};

static int64_t
s_thread_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

//  A pool thread's count of its signature checks and their CPU time
//  (verifier_stats).
typedef struct {
    uint64_t checks;
    uint64_t ns;
} s_tally_t;

//  A task's work; its signature check counted in tally, if not NULL.
static void
s_check (verify_task_t *task, s_tally_t *tally)
{
    const Lic__Envelope *env = task->env;
    task->ev = NULL;
    if (task->sign_sk) {
        seal_sign (task->sign_out, env->body.data, env->body.len, task->sign_sk);
        task->sig_rc = ERR_OK;
        return;
    }
    if (task->leaf_data)
        merkle_leaf_hash (task->leaf, task->leaf_data, task->leaf_len);
    if (!env || env->signature.len != 64 || env->key_id.len != 32) {
        task->sig_rc = ERR_BAD_SIGNATURE;
        return;
    }
    bool timed = tally && ++tally->checks % VERIFIER_TIMED_EVERY == 0;
    int64_t t0 = timed? s_thread_ns (): 0;
    task->sig_rc = seal_verify (env->signature.data, env->body.data, env->body.len,
                                env->key_id.data);
    if (timed)
        tally->ns += (uint64_t) (s_thread_ns () - t0) * VERIFIER_TIMED_EVERY;
    if (task->sig_rc != ERR_OK || task->not_event)
        return;
    task->decode_rc = codec_event_decode_arena (env->body.data, env->body.len, &task->ev);
    if (task->decode_rc != ERR_OK)
        return;
    task->check_rc = evcheck_envelope (env, task->ev, &task->id, task->check_why,
                                       sizeof task->check_why);
}

void
verifier_check (verify_task_t *task)
{
    s_check (task, NULL);
}

static void
s_thread (zsock_t *pipe, void *args)
{
    verifier_t *self = (verifier_t *) args;
    pthread_setname_np (pthread_self (), "lic-verify");    //  top -H, perf, gdb
    zsock_t *in = zsock_new (ZMQ_PULL);
    zsock_t *out = zsock_new (ZMQ_PUSH);
    zsock_set_rcvhwm (in, VERIFIER_HWM);
    zsock_set_sndhwm (out, VERIFIER_HWM);
    zsock_connect (in, "%s", self->jobs_ep);
    zsock_connect (out, "%s", self->results_ep);
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, in, NULL);
    s_tally_t tally = { 0, 0 };
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which == in) {
            zframe_t *chunk = zframe_recv (in);
            if (chunk) {
                verify_task_t **tasks = (verify_task_t **) zframe_data (chunk);
                size_t n = zframe_size (chunk) / sizeof *tasks;
                s_tally_t before = tally;
                for (size_t i = 0; i < n; i++)
                    s_check (tasks [i], &tally);
                atomic_fetch_add_explicit (&self->checks, tally.checks - before.checks,
                                           memory_order_relaxed);
                atomic_fetch_add_explicit (&self->check_ns, tally.ns - before.ns,
                                           memory_order_relaxed);
                zframe_send (&chunk, out, 0);
            }
        }
        else
            break;      //  $TERM on the pipe, or interrupted
    }
    zpoller_destroy (&poller);
    zsock_destroy (&in);
    zsock_destroy (&out);
}

verifier_t *
verifier_new (int threads)
{
    verifier_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (threads < 1)
        threads = 1;
    if (threads > VERIFIER_MAX_THREADS)
        threads = VERIFIER_MAX_THREADS;
    snprintf (self->jobs_ep, sizeof self->jobs_ep, "inproc://verify-jobs-%p", (void *) self);
    snprintf (self->results_ep, sizeof self->results_ep, "inproc://verify-results-%p", (void *) self);
    self->jobs = zsock_new (ZMQ_PUSH);
    self->results = zsock_new (ZMQ_PULL);
    if (!self->jobs || !self->results)
        goto fail;
    zsock_set_sndhwm (self->jobs, VERIFIER_HWM);
    zsock_set_rcvhwm (self->results, VERIFIER_HWM);
    if (zsock_bind (self->jobs, "%s", self->jobs_ep) != 0
    ||  zsock_bind (self->results, "%s", self->results_ep) != 0)
        goto fail;
    for (int i = 0; i < threads; i++) {
        self->threads [i] = zactor_new (s_thread, self);
        if (!self->threads [i])
            goto fail;
        self->nthreads++;
    }
    return self;
fail:
    verifier_destroy (&self);
    return NULL;
}

void
verifier_destroy (verifier_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    verifier_t *self = *self_p;
    for (int i = self->nthreads - 1; i >= 0; i--)
        zactor_destroy (&self->threads [i]);
    zframe_destroy (&self->last);
    zsock_destroy (&self->results);
    zsock_destroy (&self->jobs);
    free (self);
    *self_p = NULL;
}

int
verifier_submit (verifier_t *self, verify_task_t **tasks, size_t n)
{
    size_t per = (n + (size_t) self->nthreads - 1) / (size_t) self->nthreads;
    if (per > VERIFIER_CHUNK_MAX)
        per = VERIFIER_CHUNK_MAX;
    for (size_t i = 0; i < n; i += per) {
        size_t k = n - i < per? n - i: per;
        zframe_t *chunk = zframe_new (tasks + i, k * sizeof *tasks);
        if (!chunk || zframe_send (&chunk, self->jobs, 0) != 0) {
            zframe_destroy (&chunk);
            return ERR_CLOSED;
        }
    }
    return ERR_OK;
}

void
verifier_stats (verifier_t *self, uint64_t *checks, uint64_t *check_ns)
{
    *checks = atomic_load_explicit (&self->checks, memory_order_relaxed);
    *check_ns = atomic_load_explicit (&self->check_ns, memory_order_relaxed);
}

zsock_t *
verifier_results (verifier_t *self)
{
    return self->results;
}

verify_task_t **
verifier_recv (verifier_t *self, size_t *n)
{
    zframe_destroy (&self->last);
    if (!(zsock_events (self->results) & ZMQ_POLLIN))
        return NULL;
    self->last = zframe_recv (self->results);
    if (!self->last)
        return NULL;
    *n = zframe_size (self->last) / sizeof (verify_task_t *);
    return (verify_task_t **) zframe_data (self->last);
}
