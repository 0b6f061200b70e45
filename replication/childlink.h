/*  childlink.h -- the child's side of upward replication as a state
    machine without I/O (proto/README.md section 7).

    The machine holds every rule of the child's conversation with its
    parent: when to open a session and say Hello, where to resume (the
    parent's Welcome decides, whatever we believed), when the parent's
    answer shows another history, the credit window of batches in flight,
    rewinding on a Nack, when a silent parent is given up and how long
    to back off, when a heartbeat and a checkpoint are due, which receipt
    counts.  It reads no socket, no store and no clock: the adapter
    (node/links/uplink.c) feeds it what happened — a message of the
    parent, the time, our durable head — and performs the actions each
    input returns, in order.  It allocates nothing: the caller owns the
    childlink_t and every action list.

    States: IDLE (no session; the next attempt is due at a time),
    CONNECTING (Hello said, waiting for Welcome), STREAMING (batches
    within the parent's credit), REFUSED (the parent refused our history
    or our key: no session; tried again after CHILDLINK_REFUSED_RETRY so
    a fixed parent is noticed).

    Times are milliseconds of a monotonic clock (any origin).
*/
#ifndef LICREPO_CHILDLINK_H
#define LICREPO_CHILDLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHILDLINK_SILENCE_MS     6000    //  nothing from the parent this long: reconnect
#define CHILDLINK_HEARTBEAT_MS   1000    //  our heartbeats, at most this often
#define CHILDLINK_BACKOFF_MIN    100     //  first wait before reconnecting (ms)
#define CHILDLINK_BACKOFF_MAX    1000    //  the wait doubles up to this
#define CHILDLINK_REFUSED_RETRY  60000   //  ms between tries after a refusal
#define CHILDLINK_WINDOW_MAX     256     //  batches in flight, at most, whatever the credit
#define CHILDLINK_ACTIONS_MAX    4       //  actions one input returns, at most

typedef enum {
    CHILDLINK_IDLE,
    CHILDLINK_CONNECTING,
    CHILDLINK_STREAMING,
    CHILDLINK_REFUSED
} childlink_state_t;

typedef enum {
    //  Open a new session (socket) to the parent and say Hello {head_seq =
    //  seq, head_root = our root at seq}.  If it cannot be done, tell the
    //  machine with childlink_on_open_failed.
    CHILDLINK_SEND_HELLO,
    //  Send a Batch of our durable entries from seq, at most n of them
    //  (fewer if the byte limit says so), then report how many went with
    //  childlink_on_sent, which returns what comes next.  Always the last
    //  action of its list.
    CHILDLINK_SEND_BATCH,
    //  Send a Heartbeat {head_seq = seq, acked_seq = n}, its
    //  oldest_unacked_at the received_at of our entry `oldest` (0: none).
    CHILDLINK_SEND_HEARTBEAT,
    //  Offer our signed checkpoint (of size seq) to the parent.
    CHILDLINK_SEND_CHECKPOINT,
    //  Keep the chain of node records the parent's message carries.
    CHILDLINK_KEEP_CHAIN,
    //  The Welcome was accepted: streaming from seq (to be logged).
    CHILDLINK_STREAMING_FROM,
    //  The parent's receipt (of size seq) counts: keep it.
    CHILDLINK_KEEP_RECEIPT,
    //  A receipt was refused (why); said once until a good one comes.
    CHILDLINK_RECEIPT_REFUSED,
    //  Close the session; the next attempt is at `at`.  why: a warning
    //  to log (the parent fell silent), or NULL when nothing is said.
    CHILDLINK_CLOSE,
    //  The parent's Welcome shows another history (why): close the
    //  session, try again at `at`.
    CHILDLINK_DIVERGED,
    //  The parent refused our history or our key by Nack (why): close the
    //  session, try again at `at`.
    CHILDLINK_REFUSE
} childlink_do_t;

typedef struct {
    childlink_do_t what;
    uint64_t seq;
    uint64_t n;
    uint64_t oldest;
    int64_t at;
    const char *why;                //  the machine's text, valid until its next input
} childlink_action_t;

typedef struct {
    childlink_action_t a [CHILDLINK_ACTIONS_MAX];
    size_t n;
} childlink_out_t;

typedef struct {
    const char *division;           //  ours
    const char *parent_division;
    const uint8_t *sign_pk;         //  our node's Ed25519 key (32 bytes)
    const uint8_t *parent_sign_pk;  //  the parent's (32 bytes)
    uint32_t batch_max;             //  entries per batch we send (1..4096)
} childlink_cfg_t;

//  The parent's Welcome, with our own root at its resume point.
typedef struct {
    const char *division;           //  the parent's, as it says
    uint64_t resume_after;
    const uint8_t *root_at;         //  the parent's copy of our root there
    size_t root_at_len;
    //  Our root at resume_after (32 bytes) when 0 < resume_after <= our
    //  head; NULL if that is unreadable or not asked.
    const uint8_t *our_root;
    uint32_t credit;
} childlink_welcome_t;

//  The machine.  Its fields are its own: read them through the calls
//  below.
typedef struct {
    char division [16], parent_division [16];
    uint8_t sign_pk [32], parent_sign_pk [32];
    uint32_t batch_max;
    childlink_state_t state;
    uint64_t head;                  //  our durable head, as last told
    uint64_t send_next;             //  next seq to send
    uint64_t acked;                 //  durable at the parent
    uint64_t sent [CHILDLINK_WINDOW_MAX];  //  last seq of each batch in flight
    size_t n_sent;
    uint32_t credit;                //  batches allowed in flight
    int64_t last_rx;                //  the parent's last message
    int64_t last_hb;                //  our last heartbeat
    int64_t next_attempt;           //  when IDLE or REFUSED
    int64_t backoff;                //  wait before the next reconnect
    bool has_checkpoint;
    uint64_t checkpoint_size;       //  our newest signed checkpoint
    uint64_t checkpoint_offered;    //  size last offered in this session
    uint64_t receipt_size;          //  size of the last receipt kept
    bool receipt_refused;           //  the last receipt was refused (and said so)
    char error [512];               //  last refusal or failure, "" if none
    char why [160];                 //  why the last receipt was refused
} childlink_t;

//  An IDLE machine whose first attempt is due at once.
void
    childlink_init (childlink_t *self, const childlink_cfg_t *cfg);

//  Input: our durable head is now `head`.
void
    childlink_on_head (childlink_t *self, uint64_t head);

//  Input: the time.  Opens a session when one is due, gives up a silent
//  parent, and while streaming sends what the credit allows, then a
//  heartbeat and our checkpoint when due.  Call each turn.
void
    childlink_tick (childlink_t *self, int64_t now, childlink_out_t *out);

//  Input: the session a SEND_HELLO asked for could not be opened.  why
//  NULL: no socket could be made (tried again after the current wait);
//  else the reason to show (the parent's endpoint, our own tree), tried
//  again after CHILDLINK_BACKOFF_MAX.
void
    childlink_on_open_failed (childlink_t *self, int64_t now, const char *why);

//  Input: the SEND_BATCH from `first` went with n entries (0: our log
//  could not be read there).  Returns the next batch, or the heartbeat
//  and checkpoint due.
void
    childlink_on_sent (childlink_t *self, int64_t now, uint64_t first, uint64_t n,
                       childlink_out_t *out);

//  Inputs: the parent's messages.  Each counts as hearing from it.
void
    childlink_on_welcome (childlink_t *self, int64_t now, const childlink_welcome_t *w,
                          childlink_out_t *out);
void
    childlink_on_ack (childlink_t *self, int64_t now, uint64_t acked_seq, uint32_t credit,
                      childlink_out_t *out);
void
    childlink_on_nack (childlink_t *self, int64_t now, int code, uint64_t expected_seq,
                       const char *reason, childlink_out_t *out);
//  A receipt counts only if it is our own checkpoint (our log's origin,
//  our signature) of a size offered since the last receipt, with a
//  cosignature/v1 line by the parent's key (proto/README.md section 8).
void
    childlink_on_receipt (childlink_t *self, int64_t now, const char *note,
                          childlink_out_t *out);
void
    childlink_on_heartbeat (childlink_t *self, int64_t now, childlink_out_t *out);
//  Any other message of the parent's: heard, nothing else.
void
    childlink_on_other (childlink_t *self, int64_t now);

//  Input: our newest signed checkpoint covers `size` entries (offered
//  once the parent holds them all).
void
    childlink_set_checkpoint (childlink_t *self, uint64_t size);

//  What the machine shows: "idle", "connecting", "streaming", "refused".
const char *
    childlink_state_name (const childlink_t *self);
childlink_state_t
    childlink_state (const childlink_t *self);
//  Seq durable at the parent, as it last said.
uint64_t
    childlink_acked (const childlink_t *self);
//  Our oldest entry the parent does not hold if our head is `head`, 0
//  if it holds them all.
uint64_t
    childlink_first_unacked (const childlink_t *self, uint64_t head);
//  The last refusal or failure, "" if none.
const char *
    childlink_error (const childlink_t *self);

#endif
