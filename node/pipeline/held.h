/*  held.h -- the entries a node holds back (the quarantine column family,
    proto/FORMAT.md family 10), and their retry.  Not for use outside
    node/pipeline/.

    A replicated entry that fails a check or a rule of proto/authority.h
    is held (quarantined) instead of appended, and the stream goes on
    (proto/README.md section 7).  Held entries whose reason may go away
    -- a key, department, license type version or license not known
    here yet, a range of holes too many -- are retried, in origin order,
    by a job of their own: at start, and after an entry that may be the
    missing cause (a registration, node record or revocation, catalogue
    version) was applied at this node.  An entry that passes is applied
    and appended to this node's log as the entry it is (same origin and
    origin seq: it fills the hole it left, here and above; FORMAT 7) and
    leaves the quarantine.  An entry held for its signature, a rule of
    authority, a revoked key or a malformed body is never retried.

    Everything here runs on the pipeline's thread.
*/
#ifndef LICREPO_HELD_H
#define LICREPO_HELD_H

#include "node/pipeline/ingest_ops.h"

#define HELD_RETRY_MAX 10000        //  held entries one retry job looks at
#define HELD_RETRY_PASSES 4         //  passes over them while some pass

//  Holds entry e (its bytes as received) with code and why, in the open
//  batch.
void
    held_put (ingest_t *self, const Lic__LogEntry *e, const uint8_t *bytes, size_t len,
              int code, const char *why);

//  Hold behind: if entry e fails with code only because it depends on a
//  held entry -- an event of a license with a held event before it, an
//  event signed by a department whose registration is held, an event of
//  a type or a catalogue version after a held version of its line, an
//  entry signed by a node key a held node record gives -- appends
//  "; waits for held entry DIVISION/SEQ (its KIND)" to why and returns
//  true.  Such an entry is retried only once the one it waits for has
//  left the quarantine, right after it.  Looks at HELD_RETRY_MAX held
//  entries at most.
bool
    held_behind (ingest_t *self, const Lic__LogEntry *e, int code, char *why, size_t why_size);

//  True if a held entry with that code may pass later (it is retried).
bool
    held_retryable (int code);

//  Called on every turn of the pipeline: queues a retry job at the first
//  turn and after an entry that may be a held entry's missing cause was
//  applied (views_origin_take_cause).
void
    held_tick (ingest_t *self);

//  The batch of generation gen was written (rc ERR_OK), or not: what the
//  held entries' pending changes of it become.
void
    held_committed (uint64_t gen, int rc);

//  The checks and the apply of a child's entry (replica.c): with child
//  NULL, the origin's right to come from the child is not checked again
//  (a retried entry passed it when it arrived: it is the first check).
int
    replica_check (ingest_t *self, const char *child, const Lic__LogEntry *e,
                   const verify_task_t *t, char *why, size_t why_size);
int
    replica_apply (ingest_t *self, const Lic__LogEntry *e, const verify_task_t *t,
                   char *why, size_t why_size);

#endif
