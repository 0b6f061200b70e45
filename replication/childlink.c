/*  childlink.c -- the child's replication machine (see childlink.h and
    proto/README.md section 7).

    Window: the parent grants `credit` batches in flight; each batch sent
    is remembered by its last seq until a cumulative Ack covers it.  A
    gap Nack rewinds to the seq the parent expects and forgets the
    window.  Only durable entries are sent (up to the head the adapter
    told), so the parent hashes exactly the bytes our tree was built from.
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "proto/err.h"
#include "replication/checkpoint.h"
#include "replication/childlink.h"

static const char *s_state_names [] = { "idle", "connecting", "streaming", "refused" };

static childlink_action_t *
s_push (childlink_out_t *out, childlink_do_t what)
{
    //  No input returns more than CHILDLINK_ACTIONS_MAX actions.
    childlink_action_t *a = &out->a [out->n < CHILDLINK_ACTIONS_MAX? out->n++: CHILDLINK_ACTIONS_MAX - 1];
    memset (a, 0, sizeof *a);
    a->what = what;
    return a;
}

static uint32_t
s_credit (uint32_t credit)
{
    return credit < CHILDLINK_WINDOW_MAX? credit: CHILDLINK_WINDOW_MAX;
}

//  The session ends: `state` until now + retry_ms.
static void
s_drop (childlink_t *self, childlink_state_t state, int64_t now, int64_t retry_ms)
{
    self->state = state;
    self->n_sent = 0;
    self->next_attempt = now + retry_ms;
}

void
childlink_init (childlink_t *self, const childlink_cfg_t *cfg)
{
    memset (self, 0, sizeof *self);
    snprintf (self->division, sizeof self->division, "%s", cfg->division);
    snprintf (self->parent_division, sizeof self->parent_division, "%s", cfg->parent_division);
    memcpy (self->sign_pk, cfg->sign_pk, 32);
    memcpy (self->parent_sign_pk, cfg->parent_sign_pk, 32);
    self->batch_max = cfg->batch_max? cfg->batch_max: 1;
    self->state = CHILDLINK_IDLE;
    self->backoff = CHILDLINK_BACKOFF_MIN;
}

void
childlink_on_head (childlink_t *self, uint64_t head)
{
    self->head = head;
}

// ---------------------------------------------------------------------
//  Time

//  What is due after the batches: a heartbeat each CHILDLINK_HEARTBEAT_MS,
//  our newest checkpoint once the parent holds all it covers.
static void
s_due (childlink_t *self, int64_t now, childlink_out_t *out)
{
    if (now - self->last_hb >= CHILDLINK_HEARTBEAT_MS) {
        self->last_hb = now;
        childlink_action_t *a = s_push (out, CHILDLINK_SEND_HEARTBEAT);
        a->seq = self->head;
        a->n = self->acked;
        a->oldest = childlink_first_unacked (self, self->head);
    }
    if (self->has_checkpoint && self->checkpoint_size <= self->acked
    &&  self->checkpoint_size > self->checkpoint_offered) {
        childlink_action_t *a = s_push (out, CHILDLINK_SEND_CHECKPOINT);
        a->seq = self->checkpoint_size;
        self->checkpoint_offered = self->checkpoint_size;
    }
}

//  The next batch the credit allows, else what is due.
static void
s_stream (childlink_t *self, int64_t now, childlink_out_t *out)
{
    if (self->n_sent < self->credit && self->send_next <= self->head) {
        childlink_action_t *a = s_push (out, CHILDLINK_SEND_BATCH);
        uint64_t left = self->head - self->send_next + 1;
        a->seq = self->send_next;
        a->n = left < self->batch_max? left: self->batch_max;
        return;
    }
    s_due (self, now, out);
}

void
childlink_tick (childlink_t *self, int64_t now, childlink_out_t *out)
{
    out->n = 0;
    if (self->state == CHILDLINK_IDLE || self->state == CHILDLINK_REFUSED) {
        if (now >= self->next_attempt) {
            childlink_action_t *a = s_push (out, CHILDLINK_SEND_HELLO);
            a->seq = self->head;
            self->state = CHILDLINK_CONNECTING;
            self->last_rx = now;
        }
        return;
    }
    if (now - self->last_rx > CHILDLINK_SILENCE_MS) {
        snprintf (self->error, sizeof self->error, "parent silent for %d ms", CHILDLINK_SILENCE_MS);
        s_drop (self, CHILDLINK_IDLE, now, self->backoff);
        childlink_action_t *a = s_push (out, CHILDLINK_CLOSE);
        a->at = self->next_attempt;
        a->why = self->error;
        self->backoff = self->backoff * 2 > CHILDLINK_BACKOFF_MAX? CHILDLINK_BACKOFF_MAX: self->backoff * 2;
        return;
    }
    if (self->state == CHILDLINK_STREAMING)
        s_stream (self, now, out);
}

void
childlink_on_open_failed (childlink_t *self, int64_t now, const char *why)
{
    if (self->state != CHILDLINK_CONNECTING)
        return;
    if (why)
        snprintf (self->error, sizeof self->error, "%s", why);
    s_drop (self, CHILDLINK_IDLE, now, why? CHILDLINK_BACKOFF_MAX: self->backoff);
}

void
childlink_on_sent (childlink_t *self, int64_t now, uint64_t first, uint64_t n,
                   childlink_out_t *out)
{
    out->n = 0;
    if (self->state != CHILDLINK_STREAMING || first != self->send_next)
        return;
    if (n == 0) {
        //  Tried again next turn; the heartbeat goes on meanwhile.
        snprintf (self->error, sizeof self->error, "cannot read our log at %" PRIu64, first);
        s_due (self, now, out);
        return;
    }
    self->send_next += n;
    if (self->n_sent < CHILDLINK_WINDOW_MAX)
        self->sent [self->n_sent++] = self->send_next - 1;
    s_stream (self, now, out);
}

// ---------------------------------------------------------------------
//  From the parent

void
childlink_on_welcome (childlink_t *self, int64_t now, const childlink_welcome_t *w,
                      childlink_out_t *out)
{
    out->n = 0;
    self->last_rx = now;
    if (self->state != CHILDLINK_CONNECTING)
        return;
    const char *parent = w->division? w->division: "";
    bool diverged = false;
    if (w->resume_after > self->head) {
        snprintf (self->error, sizeof self->error, "parent %s holds %" PRIu64 " entries of our log "
                  "but we have %" PRIu64 ": this repository lost data (rebuild it from the parent)",
                  parent, w->resume_after, self->head);
        diverged = true;
    }
    else
    if (w->resume_after > 0
    &&  (!w->our_root || !w->root_at || w->root_at_len != 32 || memcmp (w->our_root, w->root_at, 32) != 0)) {
        snprintf (self->error, sizeof self->error, "diverged: our root at %" PRIu64 " differs from "
                  "what parent %s holds", w->resume_after, parent);
        diverged = true;
    }
    if (diverged) {
        s_drop (self, CHILDLINK_REFUSED, now, CHILDLINK_REFUSED_RETRY);
        childlink_action_t *a = s_push (out, CHILDLINK_DIVERGED);
        a->at = self->next_attempt;
        a->why = self->error;
        return;
    }
    s_push (out, CHILDLINK_KEEP_CHAIN);
    self->send_next = w->resume_after + 1;
    self->acked = w->resume_after;
    self->credit = s_credit (w->credit);
    self->n_sent = 0;
    self->state = CHILDLINK_STREAMING;
    self->backoff = CHILDLINK_BACKOFF_MIN;
    self->error [0] = 0;
    self->checkpoint_offered = 0;
    s_push (out, CHILDLINK_STREAMING_FROM)->seq = self->send_next;
}

void
childlink_on_ack (childlink_t *self, int64_t now, uint64_t acked_seq, uint32_t credit,
                  childlink_out_t *out)
{
    out->n = 0;
    self->last_rx = now;
    if (acked_seq > self->acked)
        self->acked = acked_seq;
    size_t keep = 0;
    for (size_t i = 0; i < self->n_sent; i++)
        if (self->sent [i] > self->acked)
            self->sent [keep++] = self->sent [i];
    self->n_sent = keep;
    if (credit)
        self->credit = s_credit (credit);
}

void
childlink_on_nack (childlink_t *self, int64_t now, int code, uint64_t expected_seq,
                   const char *reason, childlink_out_t *out)
{
    out->n = 0;
    self->last_rx = now;
    snprintf (self->error, sizeof self->error, "%s: %s", err_str (code), reason? reason: "");
    if (code == ERR_DIVERGED || code == ERR_FORBIDDEN) {
        s_drop (self, CHILDLINK_REFUSED, now, CHILDLINK_REFUSED_RETRY);
        childlink_action_t *a = s_push (out, CHILDLINK_REFUSE);
        a->at = self->next_attempt;
        a->why = self->error;
        return;
    }
    if (self->state != CHILDLINK_STREAMING || code == ERR_MALFORMED) {
        //  Out of step: start the conversation again.
        s_drop (self, CHILDLINK_IDLE, now, self->backoff);
        s_push (out, CHILDLINK_CLOSE)->at = self->next_attempt;
        return;
    }
    //  A gap or a failure there: resend from what the parent expects,
    //  never from what it already acknowledged.
    self->send_next = expected_seq > self->acked? expected_seq: self->acked + 1;
    self->n_sent = 0;
}

//  Why a receipt does not count, or ERR_OK with its size.
static int
s_receipt_check (childlink_t *self, const char *note, uint64_t *size)
{
    checkpoint_t cp;
    char own [32], parent [32];
    snprintf (own, sizeof own, "licrepo/%s", self->division);
    snprintf (parent, sizeof parent, "licrepo/%s", self->parent_division);
    if (!note || checkpoint_parse (note, strlen (note), &cp) != ERR_OK) {
        snprintf (self->why, sizeof self->why, "it is not a well-formed signed note");
        return ERR_MALFORMED;
    }
    if (strcmp (cp.origin, own) != 0 || checkpoint_verify (&cp, own, self->sign_pk) != ERR_OK) {
        snprintf (self->why, sizeof self->why, "it is not our checkpoint (origin %.64s)", cp.origin);
        return ERR_BAD_SIGNATURE;
    }
    if (cp.size == 0 || cp.size > self->checkpoint_offered || cp.size < self->receipt_size) {
        snprintf (self->why, sizeof self->why, "its size %" PRIu64 " is not one we offered (%" PRIu64 ") "
                  "since the last receipt (%" PRIu64 ")", cp.size, self->checkpoint_offered, self->receipt_size);
        return ERR_BAD_FIELD;
    }
    if (checkpoint_cosig_verify (&cp, parent, self->parent_sign_pk, NULL) != ERR_OK) {
        snprintf (self->why, sizeof self->why, "it has no valid cosignature/v1 line by the parent's key");
        return ERR_BAD_SIGNATURE;
    }
    *size = cp.size;
    return ERR_OK;
}

void
childlink_on_receipt (childlink_t *self, int64_t now, const char *note, childlink_out_t *out)
{
    out->n = 0;
    self->last_rx = now;
    uint64_t size = 0;
    if (s_receipt_check (self, note, &size) != ERR_OK) {
        //  Said once until a good one comes, not at every checkpoint.
        if (!self->receipt_refused)
            s_push (out, CHILDLINK_RECEIPT_REFUSED)->why = self->why;
        self->receipt_refused = true;
        return;
    }
    self->receipt_refused = false;
    self->receipt_size = size;
    s_push (out, CHILDLINK_KEEP_RECEIPT)->seq = size;
}

void
childlink_on_heartbeat (childlink_t *self, int64_t now, childlink_out_t *out)
{
    out->n = 0;
    self->last_rx = now;
    s_push (out, CHILDLINK_KEEP_CHAIN);
}

void
childlink_on_other (childlink_t *self, int64_t now)
{
    self->last_rx = now;
}

void
childlink_set_checkpoint (childlink_t *self, uint64_t size)
{
    self->has_checkpoint = true;
    self->checkpoint_size = size;
}

// ---------------------------------------------------------------------
//  What it shows

const char *
childlink_state_name (const childlink_t *self)
{
    return s_state_names [self->state];
}

childlink_state_t
childlink_state (const childlink_t *self)
{
    return self->state;
}

uint64_t
childlink_acked (const childlink_t *self)
{
    return self->acked;
}

uint64_t
childlink_first_unacked (const childlink_t *self, uint64_t head)
{
    return self->acked < head? self->acked + 1: 0;
}

const char *
childlink_error (const childlink_t *self)
{
    return self->error;
}
