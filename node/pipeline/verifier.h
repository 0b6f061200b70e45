/*  verifier.h -- a pool of threads that check signed events: the Ed25519
    signature (the costly part, ~50 us), then the body's decoding and its
    own field checks (evcheck); and that sign the node's audit records
    (~20 us each, off the sequencer's thread).  Tasks travel by pointer over inproc
    sockets and come back on the results socket in any order; the caller
    restores the order.  While a task is in the pool the caller must not
    touch it.
*/
#ifndef LICREPO_VERIFIER_H
#define LICREPO_VERIFIER_H

#include <czmq.h>
#include <stdbool.h>
#include "proto/err.h"
#include "proto/licid.h"
#include "proto/msg.h"

typedef struct {
    void *owner;                //  input: the caller's, handed back untouched
    const Lic__Envelope *env;   //  input, borrowed: body, signature, key_id
    bool not_event;             //  input: body is not an Event: check the signature only
    const uint8_t *sign_sk;     //  input: if set, SIGN env->body with this key into
                                //  sign_out instead of checking anything (audit records)
    uint8_t sign_out [64];      //  output of a signing task
    const uint8_t *leaf_data;   //  input: if set, bytes to hash as an RFC 6962 leaf
    size_t leaf_len;
    uint8_t leaf [32];          //  output: the leaf hash
    int sig_rc;                 //  output: ERR_OK or ERR_BAD_SIGNATURE
    Lic__Event *ev;             //  output: decoded body (owned by the task), or NULL
    int decode_rc;              //  output: codec result for the body
    int check_rc;               //  output: evcheck result
    char check_why [256];       //  output: evcheck explanation
    licid_t id;                 //  output: parsed license id when check_rc == ERR_OK
} verify_task_t;

typedef struct verifier_t verifier_t;

//  Does one task's work on the caller's thread (what the pool does with
//  each task it is sent: a held entry's retry).
void
    verifier_check (verify_task_t *task);

//  Starts `threads` verifier threads.  NULL if out of memory.
verifier_t *
    verifier_new (int threads);

//  Stops the threads after the tasks already sent are done.
void
    verifier_destroy (verifier_t **self_p);

//  Sends n tasks to the pool, split into one chunk per thread (one
//  message per chunk, so the cost of crossing threads is paid per chunk,
//  not per event).  ERR_OK or ERR_CLOSED.
int MUST_CHECK
    verifier_submit (verifier_t *self, verify_task_t **tasks, size_t n);

//  Socket on which finished chunks arrive; read them with verifier_recv.
zsock_t *
    verifier_results (verifier_t *self);

//  Next finished chunk without waiting: returns its tasks (borrowed until
//  the next call) and sets *n, or NULL if none is ready.
verify_task_t **
    verifier_recv (verifier_t *self, size_t *n);

//  The pool's signature checks since start: how many, and the CPU time
//  they took (nanoseconds).  One check in VERIFIER_TIMED_EVERY is timed
//  on its thread's CPU clock and counts for that many (a read of that
//  clock is a system call, ~0.3 us here, against ~60 us a check), so the
//  time is an estimate good to a fraction of a percent over thousands.
//  It is taken at the same instants as the node's own CPU time, so the
//  CPU beyond the checks is measured in one run, whatever the machine's
//  speed did meanwhile (the benches, README "Benchmarks").
#define VERIFIER_TIMED_EVERY 16
void
    verifier_stats (verifier_t *self, uint64_t *checks, uint64_t *check_ns);

#endif
