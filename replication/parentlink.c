/*  parentlink.c -- the parent's per-child replication machine (see
    parentlink.h and proto/README.md section 7).
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "proto/err.h"
#include "replication/parentlink.h"

static const char *s_state_names [] = {
    "await_hello", "refused", "diverged", "draining", "streaming", "resync"
};

static parentlink_action_t *
s_push (parentlink_out_t *out, parentlink_do_t what)
{
    //  No input returns more than PARENTLINK_ACTIONS_MAX actions.
    parentlink_action_t *a = &out->a [out->n < PARENTLINK_ACTIONS_MAX? out->n++: PARENTLINK_ACTIONS_MAX - 1];
    memset (a, 0, sizeof *a);
    a->what = what;
    return a;
}

static void
s_nack (parentlink_out_t *out, uint64_t expected, int code, const char *why, bool log)
{
    parentlink_action_t *a = s_push (out, PARENTLINK_SEND_NACK);
    a->seq = expected;
    a->code = code;
    a->why = why;
    a->log = log;
}

//  Welcomed: the session streams (or resyncs).
static bool
s_welcomed (const parentlink_t *self)
{
    return self->state == PARENTLINK_STREAMING || self->state == PARENTLINK_RESYNC;
}

//  The Welcome at what is durable here; the session streams from there.
static void
s_welcome (parentlink_t *self, uint64_t hwm, parentlink_out_t *out)
{
    parentlink_action_t *a = s_push (out, PARENTLINK_SEND_WELCOME);
    a->seq = hwm;
    a->n = self->credit;
    self->next = hwm + 1;
    self->state = PARENTLINK_STREAMING;
}

void
parentlink_init (parentlink_t *self, const char *division, uint32_t credit, uint64_t hwm,
                 uint64_t countersigned, int64_t now)
{
    memset (self, 0, sizeof *self);
    snprintf (self->division, sizeof self->division, "%s", division);
    self->credit = credit;
    self->state = PARENTLINK_AWAIT_HELLO;
    self->next = hwm + 1;
    self->countersigned = countersigned;
    self->added_at = now;
}

void
parentlink_heard (parentlink_t *self, int64_t now)
{
    self->last_contact = now;
}

// ---------------------------------------------------------------------
//  The child's messages

void
parentlink_on_hello (parentlink_t *self, const parentlink_hello_t *h, uint64_t hwm,
                     parentlink_out_t *out)
{
    out->n = 0;
    const char *named = h->division? h->division: "";
    if (strcmp (named, self->division) != 0) {
        //  Opens no session, and closes none.
        snprintf (self->refused, sizeof self->refused, "its key said Hello as division %.16s", named);
        if (!s_welcomed (self) && self->state != PARENTLINK_DRAINING)
            self->state = PARENTLINK_REFUSED;
        s_nack (out, 0, ERR_FORBIDDEN, "this key belongs to another division", false);
        return;
    }
    s_push (out, PARENTLINK_ADOPT);
    //  A child that has less than we hold of it, or the same size with
    //  another root, has another history (restored from an old copy, or
    //  tampered with): refused, nothing of ours changes.
    self->child_head = h->head_seq;
    bool diverged = false;
    if (h->head_seq < hwm) {
        snprintf (self->why, sizeof self->why, "diverged: this node holds %" PRIu64 " entries of "
                  "division %s but the child has only %" PRIu64 " (restored from an old copy?)",
                  hwm, self->division, h->head_seq);
        diverged = true;
    }
    else
    if (h->head_seq == hwm && hwm > 0
    &&  (!h->our_root || !h->head_root || h->head_root_len != 32
         || memcmp (h->our_root, h->head_root, 32) != 0)) {
        snprintf (self->why, sizeof self->why, "diverged: same size %" PRIu64 ", different root",
                  h->head_seq);
        diverged = true;
    }
    if (diverged) {
        snprintf (self->refused, sizeof self->refused, "%.150s", self->why);
        self->state = PARENTLINK_DIVERGED;
        s_nack (out, hwm + 1, ERR_DIVERGED, self->why, true);
        return;
    }
    self->refused [0] = 0;
    if (!self->up) {
        parentlink_action_t *a = s_push (out, PARENTLINK_CONNECTED);
        a->seq = h->head_seq;
        a->n = hwm;
    }
    self->up = true;
    if (self->inflight > 0)
        self->state = PARENTLINK_DRAINING;
    else
        s_welcome (self, hwm, out);
}

void
parentlink_on_batch (parentlink_t *self, bool from_session, uint64_t first_seq,
                     uint64_t n_entries, parentlink_out_t *out)
{
    out->n = 0;
    if (!s_welcomed (self) || !from_session) {
        s_nack (out, self->next, ERR_MALFORMED, "send HELLO first", false);
        return;
    }
    if (first_seq != self->next) {
        if (self->state == PARENTLINK_STREAMING) {
            self->state = PARENTLINK_RESYNC;
            snprintf (self->why, sizeof self->why, "gap: expected seq %" PRIu64 ", got %" PRIu64,
                      self->next, first_seq);
            s_nack (out, self->next, ERR_GAP, self->why, false);
        }
        return;
    }
    if (n_entries == 0 || n_entries > PARENTLINK_BATCH_MAX) {
        s_nack (out, self->next, ERR_MALFORMED, "a batch holds 1..4096 entries", false);
        return;
    }
    self->state = PARENTLINK_STREAMING;
    self->next += n_entries;
    self->inflight++;
    s_push (out, PARENTLINK_SUBMIT);
}

void
parentlink_on_heartbeat (parentlink_t *self, uint64_t head_seq, int64_t oldest_unacked_at)
{
    self->child_head = head_seq;
    self->oldest_unacked_at = oldest_unacked_at;
}

void
parentlink_on_checkpoint (parentlink_t *self, const parentlink_checkpoint_t *cp, uint64_t hwm,
                          parentlink_out_t *out)
{
    out->n = 0;
    if (!s_welcomed (self) || !cp->from_session)
        return;
    if (!cp->verifies) {
        s_push (out, PARENTLINK_CHECKPOINT_UNSIGNED);
        return;
    }
    if (cp->size > hwm || cp->size <= self->countersigned)
        return;     //  not all here yet, or already countersigned
    if (!cp->same_root) {
        s_push (out, PARENTLINK_CHECKPOINT_DIVERGED)->seq = cp->size;
        s_nack (out, self->next, ERR_DIVERGED, "your signed checkpoint's root differs "
                "from this node's copy of your log", false);
        return;
    }
    s_push (out, PARENTLINK_COUNTERSIGN)->seq = cp->size;
}

void
parentlink_on_undecodable (parentlink_t *self, int code, parentlink_out_t *out)
{
    out->n = 0;
    s_nack (out, self->next, code, "frame does not decode as lic.Repl", false);
}

void
parentlink_on_unexpected (parentlink_t *self, parentlink_out_t *out)
{
    out->n = 0;
    s_nack (out, self->next, ERR_MALFORMED, "unexpected message", false);
}

// ---------------------------------------------------------------------
//  The pipeline, the store, the time

void
parentlink_on_batch_done (parentlink_t *self, int code, uint64_t seq, const char *why,
                          uint64_t hwm, parentlink_out_t *out)
{
    out->n = 0;
    if (self->inflight > 0)
        self->inflight--;
    if (code == ERR_OK) {
        parentlink_action_t *a = s_push (out, PARENTLINK_SEND_ACK);
        a->seq = hwm;
        a->n = self->credit;
    }
    else
    if (self->state == PARENTLINK_STREAMING) {
        //  Refused in the pipeline (gap, divergence, local failure):
        //  rewind and tell the child once.
        snprintf (self->why, sizeof self->why, "%s", why? why: "");
        self->state = PARENTLINK_RESYNC;
        self->next = seq;
        s_nack (out, seq, code, self->why, code == ERR_DIVERGED);
    }
    //  A session waiting for its Welcome: the pipeline holds none of its
    //  batches any more, so what is durable is where it resumes.
    if (self->inflight == 0 && self->state == PARENTLINK_DRAINING)
        s_welcome (self, hwm, out);
}

void
parentlink_on_welcome_failed (parentlink_t *self, uint64_t hwm, parentlink_out_t *out)
{
    out->n = 0;
    self->state = PARENTLINK_AWAIT_HELLO;
    s_nack (out, hwm + 1, ERR_IO, "cannot read our copy of your tree", false);
}

void
parentlink_on_countersigned (parentlink_t *self, uint64_t size)
{
    if (size > self->countersigned)
        self->countersigned = size;
}

void
parentlink_tick (parentlink_t *self, int64_t now, uint64_t hwm, parentlink_out_t *out)
{
    out->n = 0;
    if (self->up && !self->removed && now - self->last_contact >= PARENTLINK_STALE_S) {
        s_push (out, PARENTLINK_WENT_AWAY)->n = (uint64_t) (now - self->last_contact);
        self->up = false;
    }
    if (s_welcomed (self))
        s_push (out, PARENTLINK_SEND_HEARTBEAT)->seq = hwm;
}

void
parentlink_set_removed (parentlink_t *self, bool removed)
{
    self->removed = removed;
}

// ---------------------------------------------------------------------
//  What it shows

bool
parentlink_removed (const parentlink_t *self)
{
    return self->removed;
}

parentlink_state_t
parentlink_state (const parentlink_t *self)
{
    return self->state;
}

const char *
parentlink_state_name (const parentlink_t *self)
{
    return s_state_names [self->state];
}

bool
parentlink_connected (const parentlink_t *self, int64_t now)
{
    return s_welcomed (self) && now - self->last_contact < PARENTLINK_STALE_S;
}

int64_t
parentlink_lag_seconds (const parentlink_t *self, int64_t now)
{
    int64_t lag = self->oldest_unacked_at? now - self->oldest_unacked_at: 0;
    //  A child not heard from is behind by at least its silence: a link
    //  down for a day shows a day, not 0.
    if (!parentlink_connected (self, now)) {
        int64_t silent = now - (self->last_contact? self->last_contact: self->added_at);
        if (silent > lag)
            lag = silent;
    }
    return lag;
}

uint64_t
parentlink_child_head (const parentlink_t *self, uint64_t hwm)
{
    return self->child_head > hwm? self->child_head: hwm;
}

uint64_t
parentlink_countersigned (const parentlink_t *self)
{
    return self->countersigned;
}

int64_t
parentlink_last_contact (const parentlink_t *self)
{
    return self->last_contact;
}

const char *
parentlink_refused (const parentlink_t *self)
{
    return self->refused;
}
