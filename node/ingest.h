/*  ingest.h -- the publish pipeline: dispatch, parallel verification,
    in-order sequencing, group commit.

        server --submit--> ticket ring --jobs--> verifier threads
                               ^                      |
                               +------ results -------+
        sequencer (in ticket order): signer, signature, type right, event
        checks, dedup, lifecycle -> views into the open batch
        committer thread: one synced write per batch; while it syncs the
        next batch fills (double buffering).  Replies leave only after the
        batch holding the event (or its original) is durable.

    Bounded: at most INGEST_RING jobs in flight; the server stops reading
    its socket while ingest_full().  Runs in the server's thread; the
    verifier and committer threads see only the jobs sent to them.
*/
#ifndef LICREPO_INGEST_H
#define LICREPO_INGEST_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "err.h"
#include "msg.h"
#include "store_rocks.h"
#include "views.h"

#define INGEST_RING 8192            //  jobs in flight at most

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

//  Starts the pipeline's threads.  ERR_OK, ERR_NOMEM, ERR_IO (head of log
//  unreadable).
int MUST_CHECK
    ingest_new (ingest_t **out, store_t *store, views_t *views, const ingest_cfg_t *cfg,
                ingest_reply_fn *reply, void *reply_arg);

//  Stops the threads; jobs still queued are answered ERR_CLOSED.
void
    ingest_destroy (ingest_t **self_p);

//  Takes a publish or register request (ownership of *route_p and *req_p
//  passes to ingest).  Never fails: errors come back as replies.
void
    ingest_submit (ingest_t *self, zframe_t **route_p, Lic__Request **req_p);

//  True while no more requests should be submitted.
bool
    ingest_full (ingest_t *self);

//  True when nothing is queued, verifying, sequenced or syncing.
bool
    ingest_idle (ingest_t *self);

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
    uint64_t batches;               //  synced writes
    uint64_t write_errors;          //  failed synced writes
} ingest_stats_t;
void
    ingest_stats (ingest_t *self, ingest_stats_t *stats);

#endif
