/*  parentlink.h -- the parent's side of upward replication, one machine
    per configured child, without I/O (proto/README.md section 7).

    The machine holds every rule of what the parent answers a child: a
    Hello of another division is refused; a Hello showing another
    history (less than we hold of it, or the same size with another root)
    is refused as diverged; an accepted Hello is welcomed at the resume
    point on our disk, but only once none of the child's batches is still
    in the pipeline; a batch must come from the session and start at the
    next seq we accept, else one Nack and silence until one does; the
    pipeline's verdict on each batch is an Ack or (once) a Nack; the
    child's checkpoint is countersigned only when we hold all it covers
    and our copy of its tree agrees; heartbeats go to a welcomed child; a
    child not heard from for PARENTLINK_STALE_S is reported gone.

    It reads no socket, no store and no clock: the adapter
    (node/links/downlink.c) feeds it facts (a message, whether it came
    from the session, our copy of the child's root, the durable
    high-water mark the pipeline reports, the time) and performs the
    actions each input returns, in order.  It allocates nothing.

    States:
      AWAIT_HELLO  no session yet: only a Hello is answered
      REFUSED      its last Hello named another division than its key's
      DIVERGED     its last Hello showed another history
      DRAINING     Hello accepted; the Welcome waits for its batches still
                   in the pipeline, so its resume point is the durable one
      STREAMING    welcomed: batches accepted at `next`
      RESYNC       welcomed, one Nack said: batches are dropped until one
                   starts at `next`

    Times are unix seconds.
*/
#ifndef LICREPO_PARENTLINK_H
#define LICREPO_PARENTLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PARENTLINK_STALE_S       15      //  a child silent this long is shown disconnected
#define PARENTLINK_BATCH_MAX     4096    //  entries in one batch, at most
#define PARENTLINK_ACTIONS_MAX   4       //  actions one input returns, at most

typedef enum {
    PARENTLINK_AWAIT_HELLO,
    PARENTLINK_REFUSED,
    PARENTLINK_DIVERGED,
    PARENTLINK_DRAINING,
    PARENTLINK_STREAMING,
    PARENTLINK_RESYNC
} parentlink_state_t;

typedef enum {
    //  The Hello's sender is the child's session from now on.
    PARENTLINK_ADOPT,
    //  The child came (back): to be logged with its head (seq) and what
    //  we hold of it (n).
    PARENTLINK_CONNECTED,
    //  Welcome the session: resume_after = seq, credit = n, root_at our
    //  copy of its root at seq.  If that root cannot be read, tell the
    //  machine with parentlink_on_welcome_failed.
    PARENTLINK_SEND_WELCOME,
    //  Ack {acked_seq = seq, credit = n} to the session.
    PARENTLINK_SEND_ACK,
    //  Nack {expected_seq = seq, code, reason = why} to the sender of the
    //  message (the session for the pipeline's verdicts).  log: say
    //  "child refused: why" as an error.
    PARENTLINK_SEND_NACK,
    //  Hand the batch to the pipeline (its verdict comes back through
    //  parentlink_on_batch_done).
    PARENTLINK_SUBMIT,
    //  Countersign the child's checkpoint (size seq), send the receipt to
    //  the session, and report with parentlink_on_countersigned once it
    //  is stored.
    PARENTLINK_COUNTERSIGN,
    //  The child's checkpoint does not verify with its key: to be logged.
    PARENTLINK_CHECKPOINT_UNSIGNED,
    //  The child's checkpoint of size seq has a root that is not ours:
    //  to be logged (a Nack follows).
    PARENTLINK_CHECKPOINT_DIVERGED,
    //  Heartbeat {acked_seq = seq} to the session.
    PARENTLINK_SEND_HEARTBEAT,
    //  The child went away: nothing heard for n seconds (to be logged).
    PARENTLINK_WENT_AWAY
} parentlink_do_t;

typedef struct {
    parentlink_do_t what;
    uint64_t seq;
    uint64_t n;
    int code;
    const char *why;                //  the machine's text, valid until its next input
    bool log;
} parentlink_action_t;

typedef struct {
    parentlink_action_t a [PARENTLINK_ACTIONS_MAX];
    size_t n;
} parentlink_out_t;

//  A child's Hello, with our copy of its root at what we hold of it.
typedef struct {
    const char *division;           //  as it names itself
    uint64_t head_seq;
    const uint8_t *head_root;
    size_t head_root_len;
    //  Our copy of the child's root at hwm (32 bytes) when hwm > 0; NULL
    //  if unreadable.
    const uint8_t *our_root;
} parentlink_hello_t;

//  The child's checkpoint as the adapter found it.
typedef struct {
    bool from_session;              //  sent by the welcomed session
    bool verifies;                  //  a well-formed note signed by the child's key
    uint64_t size;
    bool same_root;                 //  its root is our copy's at size (asked when size <= hwm)
} parentlink_checkpoint_t;

//  The machine.  Its fields are its own: read them through the calls
//  below.
typedef struct {
    char division [16];             //  the child's
    uint32_t credit;                //  batches we let it have in flight
    parentlink_state_t state;
    uint64_t next;                  //  next child seq accepted into the pipeline
    int inflight;                   //  its batches in the pipeline
    uint64_t child_head;            //  head it last reported
    int64_t oldest_unacked_at;      //  from its heartbeat
    int64_t last_contact;           //  its last message, 0 if never
    int64_t added_at;               //  when it was configured here
    uint64_t countersigned;         //  size of the last checkpoint countersigned
    bool up;                        //  connected, as last reported
    bool removed;                   //  removed from the configuration
    char refused [160];             //  why its last Hello was refused ("" = it was not)
    char why [256];                 //  reason of the last Nack
} parentlink_t;

//  A machine awaiting the Hello of child `division`, of which hwm entries
//  are durable here and a checkpoint of size `countersigned` was
//  countersigned; credit: batches in flight it may have; now: when it is
//  configured here.
void
    parentlink_init (parentlink_t *self, const char *division, uint32_t credit, uint64_t hwm,
                     uint64_t countersigned, int64_t now);

//  Input: a message of the child decoded (its time counts as contact).
void
    parentlink_heard (parentlink_t *self, int64_t now);

//  Inputs: the child's messages; hwm: its entries durable here.
void
    parentlink_on_hello (parentlink_t *self, const parentlink_hello_t *h, uint64_t hwm,
                         parentlink_out_t *out);
void
    parentlink_on_batch (parentlink_t *self, bool from_session, uint64_t first_seq,
                         uint64_t n_entries, parentlink_out_t *out);
void
    parentlink_on_heartbeat (parentlink_t *self, uint64_t head_seq, int64_t oldest_unacked_at);
void
    parentlink_on_checkpoint (parentlink_t *self, const parentlink_checkpoint_t *cp, uint64_t hwm,
                              parentlink_out_t *out);
//  A frame that does not decode (code) or a message a child may not send.
void
    parentlink_on_undecodable (parentlink_t *self, int code, parentlink_out_t *out);
void
    parentlink_on_unexpected (parentlink_t *self, parentlink_out_t *out);

//  Input: the pipeline's verdict on one of the child's batches: code
//  ERR_OK (hwm is then its new high-water mark) or a refusal, seq the
//  seq to resend from, why its reason.
void
    parentlink_on_batch_done (parentlink_t *self, int code, uint64_t seq, const char *why,
                              uint64_t hwm, parentlink_out_t *out);

//  Input: the Welcome asked for could not be made (our copy of the
//  child's tree is unreadable at hwm).
void
    parentlink_on_welcome_failed (parentlink_t *self, uint64_t hwm, parentlink_out_t *out);

//  Input: the receipt of size `size` is stored.
void
    parentlink_on_countersigned (parentlink_t *self, uint64_t size);

//  Input: the time, about once a second.
void
    parentlink_tick (parentlink_t *self, int64_t now, uint64_t hwm, parentlink_out_t *out);

//  Input: the configuration lists the child (again) or no more.  A
//  removed child is not reported gone.
void
    parentlink_set_removed (parentlink_t *self, bool removed);

//  What it shows.
bool
    parentlink_removed (const parentlink_t *self);
parentlink_state_t
    parentlink_state (const parentlink_t *self);
const char *
    parentlink_state_name (const parentlink_t *self);
//  Welcomed and heard from within PARENTLINK_STALE_S.
bool
    parentlink_connected (const parentlink_t *self, int64_t now);
//  How far behind the child is, in seconds: its oldest entry we lack, or
//  at least its silence (since it was configured here, if never heard)
//  while it is not connected.
int64_t
    parentlink_lag_seconds (const parentlink_t *self, int64_t now);
//  The child's head as last reported, never below hwm.
uint64_t
    parentlink_child_head (const parentlink_t *self, uint64_t hwm);
uint64_t
    parentlink_countersigned (const parentlink_t *self);
int64_t
    parentlink_last_contact (const parentlink_t *self);
//  Why its last Hello was refused, "" if it was not.
const char *
    parentlink_refused (const parentlink_t *self);

#endif
