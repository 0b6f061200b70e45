/*  test_childlink.c -- the child's replication machine
    (replication/childlink.c) without sockets, store or clock: each test
    feeds inputs at made-up times and asserts the actions that come out
    (proto/README.md section 7).
*/
#undef NDEBUG
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/err.h"
#include "proto/seal.h"
#include "replication/checkpoint.h"
#include "replication/childlink.h"

#define CHILD   "330106"
#define PARENT  "330100"
#define T0      1000000             //  any origin of the monotonic clock

static uint8_t s_child_pk [32], s_child_sk [64], s_parent_pk [32], s_parent_sk [64];
static uint8_t s_root [32];         //  "our root" at every size, as far as the machine cares

static childlink_t s_link;
static childlink_out_t s_out;

static void
s_init (uint32_t batch_max)
{
    childlink_cfg_t cfg = { CHILD, PARENT, s_child_pk, s_parent_pk, batch_max };
    childlink_init (&s_link, &cfg);
}

//  The one action the last input returned.
static const childlink_action_t *
s_only (childlink_do_t what)
{
    assert (s_out.n == 1);
    assert (s_out.a [0].what == what);
    return &s_out.a [0];
}

static void
s_nothing (void)
{
    assert (s_out.n == 0);
}

static void
s_welcome (int64_t now, uint64_t resume_after, uint32_t credit)
{
    childlink_welcome_t w = { PARENT, resume_after, s_root, 32,
                              resume_after? s_root: NULL, credit };
    childlink_on_welcome (&s_link, now, &w, &s_out);
}

//  A machine streaming from resume_after + 1 at T0, our head at head.
static void
s_streaming (uint32_t batch_max, uint64_t head, uint64_t resume_after, uint32_t credit)
{
    s_init (batch_max);
    childlink_on_head (&s_link, head);
    childlink_tick (&s_link, T0, &s_out);
    assert (s_only (CHILDLINK_SEND_HELLO)->seq == head);
    s_welcome (T0, resume_after, credit);
    assert (childlink_state (&s_link) == CHILDLINK_STREAMING);
}

//  Sends every batch the credit allows, as a full adapter would: the
//  first seq of each batch goes into firsts; returns how many.
static size_t
s_send_all (int64_t now, uint64_t *firsts, size_t max)
{
    size_t n = 0;
    childlink_tick (&s_link, now, &s_out);
    while (s_out.n > 0 && s_out.a [s_out.n - 1].what == CHILDLINK_SEND_BATCH) {
        const childlink_action_t *a = &s_out.a [s_out.n - 1];
        assert (n < max);
        firsts [n++] = a->seq;
        uint64_t first = a->seq, count = a->n;
        childlink_on_sent (&s_link, now, first, count, &s_out);
    }
    return n;
}

// ---------------------------------------------------------------------

static void
test_hello_then_welcome_resumes_where_the_parent_says (void)
{
    s_init (256);
    assert (strcmp (childlink_state_name (&s_link), "idle") == 0);
    childlink_on_head (&s_link, 40);
    childlink_tick (&s_link, T0, &s_out);
    assert (s_only (CHILDLINK_SEND_HELLO)->seq == 40);
    assert (strcmp (childlink_state_name (&s_link), "connecting") == 0);
    //  Nothing more while waiting for the Welcome.
    childlink_tick (&s_link, T0 + 10, &s_out);
    s_nothing ();
    s_welcome (T0 + 20, 25, 8);
    assert (s_out.n == 2);
    assert (s_out.a [0].what == CHILDLINK_KEEP_CHAIN);
    assert (s_out.a [1].what == CHILDLINK_STREAMING_FROM && s_out.a [1].seq == 26);
    assert (strcmp (childlink_state_name (&s_link), "streaming") == 0);
    assert (childlink_acked (&s_link) == 25 && childlink_first_unacked (&s_link, 40) == 26);
    childlink_tick (&s_link, T0 + 30, &s_out);
    const childlink_action_t *a = s_only (CHILDLINK_SEND_BATCH);
    assert (a->seq == 26 && a->n == 15);
}

static void
test_the_credit_window_bounds_batches_in_flight (void)
{
    s_streaming (10, 100, 0, 3);
    uint64_t firsts [16];
    size_t n = s_send_all (T0 + 1, firsts, 16);
    assert (n == 3 && firsts [0] == 1 && firsts [1] == 11 && firsts [2] == 21);
    //  The window is full: what follows the last batch is the heartbeat.
    assert (s_out.n == 1 && s_out.a [0].what == CHILDLINK_SEND_HEARTBEAT);
    childlink_tick (&s_link, T0 + 2, &s_out);
    s_nothing ();
    //  An Ack of the first batch frees one slot.
    childlink_on_ack (&s_link, T0 + 3, 10, 0, &s_out);
    s_nothing ();
    n = s_send_all (T0 + 4, firsts, 16);
    assert (n == 1 && firsts [0] == 31);
    //  A cumulative Ack of all, with more credit.
    childlink_on_ack (&s_link, T0 + 5, 40, 5, &s_out);
    n = s_send_all (T0 + 6, firsts, 16);
    assert (n == 5 && firsts [0] == 41 && firsts [4] == 81);
    //  Never more than CHILDLINK_WINDOW_MAX, whatever the parent grants.
    s_streaming (1, 100000, 0, 100000);
    n = 0;
    childlink_tick (&s_link, T0 + 1, &s_out);
    while (s_out.n && s_out.a [s_out.n - 1].what == CHILDLINK_SEND_BATCH) {
        uint64_t first = s_out.a [s_out.n - 1].seq;
        childlink_on_sent (&s_link, T0 + 1, first, 1, &s_out);
        n++;
    }
    assert (n == CHILDLINK_WINDOW_MAX);
}

static void
test_a_short_batch_is_continued_where_it_stopped (void)
{
    s_streaming (10, 100, 0, 4);
    childlink_tick (&s_link, T0 + 1, &s_out);
    assert (s_only (CHILDLINK_SEND_BATCH)->seq == 1);
    //  The byte limit let only 4 entries go.
    childlink_on_sent (&s_link, T0 + 1, 1, 4, &s_out);
    const childlink_action_t *a = s_only (CHILDLINK_SEND_BATCH);
    assert (a->seq == 5 && a->n == 10);
    //  Up to the head and no further.
    childlink_on_head (&s_link, 12);
    childlink_on_sent (&s_link, T0 + 1, 5, 6, &s_out);
    a = s_only (CHILDLINK_SEND_BATCH);
    assert (a->seq == 11 && a->n == 2);
    childlink_on_sent (&s_link, T0 + 1, 11, 2, &s_out);
    assert (s_out.a [0].what == CHILDLINK_SEND_HEARTBEAT);
    //  A log that cannot be read: said, and tried again next turn.
    childlink_on_head (&s_link, 20);
    childlink_tick (&s_link, T0 + 2, &s_out);
    assert (s_only (CHILDLINK_SEND_BATCH)->seq == 13);
    childlink_on_sent (&s_link, T0 + 2, 13, 0, &s_out);
    s_nothing ();
    assert (strstr (childlink_error (&s_link), "cannot read our log at 13"));
    childlink_tick (&s_link, T0 + 3, &s_out);
    assert (s_only (CHILDLINK_SEND_BATCH)->seq == 13);
}

static void
test_a_gap_nack_rewinds_to_the_expected_seq (void)
{
    s_streaming (10, 100, 0, 8);
    uint64_t firsts [16];
    assert (s_send_all (T0 + 1, firsts, 16) == 8);
    childlink_on_ack (&s_link, T0 + 2, 20, 0, &s_out);
    //  The parent lost batch 21..30: it expects 21; the window is forgotten.
    childlink_on_nack (&s_link, T0 + 3, ERR_GAP, 21, "gap: expected seq 21, got 31", &s_out);
    s_nothing ();
    assert (childlink_state (&s_link) == CHILDLINK_STREAMING);
    assert (strcmp (childlink_error (&s_link), "ERR_GAP: gap: expected seq 21, got 31") == 0);
    size_t n = s_send_all (T0 + 4, firsts, 16);
    assert (n == 8 && firsts [0] == 21 && firsts [7] == 91);
    //  A Nack asking for less than the parent acknowledged resumes after
    //  the acknowledged seq.
    childlink_on_ack (&s_link, T0 + 5, 50, 0, &s_out);
    childlink_on_nack (&s_link, T0 + 6, ERR_IO, 7, "could not write", &s_out);
    s_nothing ();
    n = s_send_all (T0 + 7, firsts, 16);
    assert (n >= 1 && firsts [0] == 51);
}

static void
test_a_nack_out_of_step_starts_the_conversation_again (void)
{
    //  While waiting for the Welcome.
    s_init (10);
    childlink_on_head (&s_link, 5);
    childlink_tick (&s_link, T0, &s_out);
    childlink_on_nack (&s_link, T0 + 50, ERR_GAP, 1, "gap", &s_out);
    const childlink_action_t *a = s_only (CHILDLINK_CLOSE);
    assert (a->at == T0 + 50 + CHILDLINK_BACKOFF_MIN && a->why == NULL);
    assert (childlink_state (&s_link) == CHILDLINK_IDLE);
    childlink_tick (&s_link, a->at - 1, &s_out);
    s_nothing ();
    childlink_tick (&s_link, T0 + 50 + CHILDLINK_BACKOFF_MIN, &s_out);
    assert (s_only (CHILDLINK_SEND_HELLO)->seq == 5);
    //  While streaming, a Nack saying our frames are malformed.
    s_streaming (10, 5, 0, 8);
    childlink_on_nack (&s_link, T0 + 1, ERR_MALFORMED, 1, "send HELLO first", &s_out);
    assert (s_only (CHILDLINK_CLOSE)->at == T0 + 1 + CHILDLINK_BACKOFF_MIN);
}

static void
test_a_parent_refusing_our_history_or_key_stops_us (void)
{
    int codes [] = { ERR_DIVERGED, ERR_FORBIDDEN };
    for (size_t i = 0; i < 2; i++) {
        s_streaming (10, 50, 0, 8);
        childlink_on_nack (&s_link, T0 + 5, codes [i], 1, "no", &s_out);
        const childlink_action_t *a = s_only (CHILDLINK_REFUSE);
        assert (a->at == T0 + 5 + CHILDLINK_REFUSED_RETRY);
        assert (strcmp (a->why, i == 0? "ERR_DIVERGED: no": "ERR_FORBIDDEN: no") == 0);
        assert (strcmp (childlink_state_name (&s_link), "refused") == 0);
        //  Nothing is sent until the retry is due, then a new Hello.
        childlink_tick (&s_link, T0 + 5 + CHILDLINK_REFUSED_RETRY - 1, &s_out);
        s_nothing ();
        childlink_tick (&s_link, T0 + 5 + CHILDLINK_REFUSED_RETRY, &s_out);
        assert (s_only (CHILDLINK_SEND_HELLO)->seq == 50);
    }
}

static void
test_a_welcome_showing_another_history_is_divergence (void)
{
    //  The parent holds more of our log than we have: we lost data.
    s_init (10);
    childlink_on_head (&s_link, 5);
    childlink_tick (&s_link, T0, &s_out);
    s_welcome (T0 + 1, 7, 8);
    const childlink_action_t *a = s_only (CHILDLINK_DIVERGED);
    assert (a->at == T0 + 1 + CHILDLINK_REFUSED_RETRY);
    assert (strstr (a->why, "holds 7 entries of our log but we have 5"));
    assert (childlink_state (&s_link) == CHILDLINK_REFUSED);
    //  Its root at the resume point is not ours.
    uint8_t other [32];
    memcpy (other, s_root, 32);
    other [31] ^= 1;
    childlink_tick (&s_link, T0 + 1 + CHILDLINK_REFUSED_RETRY, &s_out);
    assert (s_only (CHILDLINK_SEND_HELLO)->seq == 5);
    childlink_welcome_t w = { PARENT, 3, other, 32, s_root, 8 };
    childlink_on_welcome (&s_link, T0 + 70000, &w, &s_out);
    assert (strstr (s_only (CHILDLINK_DIVERGED)->why, "diverged: our root at 3 differs"));
    //  Our own root unreadable there, or a root of another length: the same.
    childlink_welcome_t bad [2] = { { PARENT, 3, s_root, 32, NULL, 8 },
                                    { PARENT, 3, s_root, 31, s_root, 8 } };
    for (size_t i = 0; i < 2; i++) {
        s_init (10);
        childlink_on_head (&s_link, 5);
        childlink_tick (&s_link, T0, &s_out);
        childlink_on_welcome (&s_link, T0 + 1, &bad [i], &s_out);
        s_only (CHILDLINK_DIVERGED);
    }
    //  At 0 there is nothing to compare.
    s_init (10);
    childlink_on_head (&s_link, 5);
    childlink_tick (&s_link, T0, &s_out);
    childlink_welcome_t fresh = { PARENT, 0, NULL, 0, NULL, 8 };
    childlink_on_welcome (&s_link, T0 + 1, &fresh, &s_out);
    assert (s_out.n == 2 && s_out.a [1].what == CHILDLINK_STREAMING_FROM && s_out.a [1].seq == 1);
}

static void
test_a_welcome_outside_a_new_session_is_ignored (void)
{
    s_streaming (10, 100, 20, 8);
    uint64_t firsts [16];
    s_send_all (T0 + 1, firsts, 16);
    s_welcome (T0 + 2, 0, 8);
    s_nothing ();
    assert (childlink_acked (&s_link) == 20);
    childlink_tick (&s_link, T0 + 3, &s_out);
    s_nothing ();                   //  window still full from 21
}

static void
test_a_silent_parent_is_given_up_with_a_backoff_up_to_its_cap (void)
{
    s_init (10);
    int64_t now = T0;
    int64_t waits [] = { 100, 200, 400, 800, 1000, 1000 };
    for (size_t i = 0; i < sizeof waits / sizeof waits [0]; i++) {
        childlink_tick (&s_link, now, &s_out);
        s_only (CHILDLINK_SEND_HELLO);
        childlink_tick (&s_link, now + CHILDLINK_SILENCE_MS, &s_out);
        s_nothing ();
        now += CHILDLINK_SILENCE_MS + 1;
        childlink_tick (&s_link, now, &s_out);
        const childlink_action_t *a = s_only (CHILDLINK_CLOSE);
        assert (strcmp (a->why, "parent silent for 6000 ms") == 0);
        int64_t at = a->at;
        assert (at == now + waits [i]);
        childlink_tick (&s_link, at - 1, &s_out);
        s_nothing ();
        now = at;
    }
    //  Any message of the parent's counts as hearing from it.
    childlink_tick (&s_link, now, &s_out);
    s_only (CHILDLINK_SEND_HELLO);
    childlink_on_other (&s_link, now + 5000);
    childlink_tick (&s_link, now + 5000 + CHILDLINK_SILENCE_MS, &s_out);
    s_nothing ();
    //  A Welcome resets the wait to its least.
    s_welcome (now + 6000, 0, 8);
    now += 6000 + CHILDLINK_SILENCE_MS + 1;
    childlink_tick (&s_link, now, &s_out);
    assert (s_only (CHILDLINK_CLOSE)->at == now + CHILDLINK_BACKOFF_MIN);
}

static void
test_a_session_that_cannot_open_is_retried (void)
{
    s_init (10);
    childlink_tick (&s_link, T0, &s_out);
    s_only (CHILDLINK_SEND_HELLO);
    //  No socket: after the current wait, error unchanged.
    childlink_on_open_failed (&s_link, T0, NULL);
    assert (childlink_state (&s_link) == CHILDLINK_IDLE && *childlink_error (&s_link) == 0);
    childlink_tick (&s_link, T0 + CHILDLINK_BACKOFF_MIN - 1, &s_out);
    s_nothing ();
    childlink_tick (&s_link, T0 + CHILDLINK_BACKOFF_MIN, &s_out);
    s_only (CHILDLINK_SEND_HELLO);
    //  The endpoint does not take: after the longest wait, and said.
    childlink_on_open_failed (&s_link, T0 + 100, "cannot connect to tcp://x");
    assert (strcmp (childlink_error (&s_link), "cannot connect to tcp://x") == 0);
    childlink_tick (&s_link, T0 + 100 + CHILDLINK_BACKOFF_MAX - 1, &s_out);
    s_nothing ();
    childlink_tick (&s_link, T0 + 100 + CHILDLINK_BACKOFF_MAX, &s_out);
    s_only (CHILDLINK_SEND_HELLO);
}

static void
test_heartbeats_carry_the_lag (void)
{
    s_streaming (10, 50, 20, 1);
    childlink_tick (&s_link, T0, &s_out);
    childlink_on_sent (&s_link, T0, 21, 10, &s_out);
    //  Head 50, acked 20: the oldest entry the parent lacks is 21.
    const childlink_action_t *a = s_only (CHILDLINK_SEND_HEARTBEAT);
    assert (a->seq == 50 && a->n == 20 && a->oldest == 21);
    //  At most one a second.
    childlink_tick (&s_link, T0 + CHILDLINK_HEARTBEAT_MS - 1, &s_out);
    s_nothing ();
    childlink_on_ack (&s_link, T0 + 500, 30, 0, &s_out);
    childlink_on_head (&s_link, 60);
    childlink_tick (&s_link, T0 + CHILDLINK_HEARTBEAT_MS, &s_out);
    childlink_on_sent (&s_link, T0 + CHILDLINK_HEARTBEAT_MS, 31, 10, &s_out);
    a = s_only (CHILDLINK_SEND_HEARTBEAT);
    assert (a->seq == 60 && a->n == 30 && a->oldest == 31);
    //  Nothing lacking: no oldest.
    childlink_on_ack (&s_link, T0 + 1500, 40, 0, &s_out);
    childlink_tick (&s_link, T0 + 1600, &s_out);
    childlink_on_sent (&s_link, T0 + 1600, 41, 10, &s_out);
    s_nothing ();
    childlink_on_ack (&s_link, T0 + 1700, 50, 0, &s_out);
    childlink_tick (&s_link, T0 + 1800, &s_out);
    childlink_on_sent (&s_link, T0 + 1800, 51, 10, &s_out);
    s_nothing ();
    childlink_on_ack (&s_link, T0 + 1900, 60, 0, &s_out);
    childlink_tick (&s_link, T0 + 2 * CHILDLINK_HEARTBEAT_MS, &s_out);
    a = s_only (CHILDLINK_SEND_HEARTBEAT);
    assert (a->seq == 60 && a->n == 60 && a->oldest == 0);
    assert (childlink_first_unacked (&s_link, 60) == 0);
}

static void
test_duplicate_and_stale_acks_change_nothing (void)
{
    s_streaming (10, 100, 0, 4);
    uint64_t firsts [16];
    assert (s_send_all (T0 + 1, firsts, 16) == 4);
    childlink_on_ack (&s_link, T0 + 2, 20, 0, &s_out);
    s_nothing ();
    childlink_on_ack (&s_link, T0 + 3, 20, 0, &s_out);
    s_nothing ();
    childlink_on_ack (&s_link, T0 + 4, 10, 0, &s_out);  //  older than what we hold
    s_nothing ();
    assert (childlink_acked (&s_link) == 20);
    //  Two slots freed, not three or four; credit 0 leaves the credit.
    assert (s_send_all (T0 + 5, firsts, 16) == 2 && firsts [0] == 41 && firsts [1] == 51);
}

static void
test_a_parent_restarted_mid_stream_decides_where_we_resume (void)
{
    s_streaming (10, 200, 0, 8);
    uint64_t firsts [16];
    assert (s_send_all (T0 + 1, firsts, 16) == 8);
    childlink_on_ack (&s_link, T0 + 2, 50, 0, &s_out);
    //  The parent goes away; we give up on it and say Hello again.
    int64_t now = T0 + 2 + CHILDLINK_SILENCE_MS + 1;
    childlink_tick (&s_link, now, &s_out);
    int64_t at = s_only (CHILDLINK_CLOSE)->at;
    childlink_tick (&s_link, at, &s_out);
    assert (s_only (CHILDLINK_SEND_HELLO)->seq == 200);
    //  It restarted having made only 30 durable: resume at 31, whatever
    //  it acknowledged before.
    s_welcome (at + 1, 30, 8);
    assert (s_out.n == 2 && s_out.a [1].seq == 31);
    assert (childlink_acked (&s_link) == 30);
    assert (s_send_all (at + 2, firsts, 16) == 8 && firsts [0] == 31 && firsts [7] == 101);
}

static void
test_the_checkpoint_is_offered_once_the_parent_holds_it (void)
{
    s_streaming (10, 40, 20, 1);
    childlink_set_checkpoint (&s_link, 30);
    childlink_tick (&s_link, T0, &s_out);
    childlink_on_sent (&s_link, T0, 21, 10, &s_out);
    s_only (CHILDLINK_SEND_HEARTBEAT);      //  acked 20 < 30: not yet
    childlink_on_ack (&s_link, T0 + 1, 30, 0, &s_out);
    childlink_tick (&s_link, T0 + 2, &s_out);
    childlink_on_sent (&s_link, T0 + 2, 31, 10, &s_out);
    assert (s_only (CHILDLINK_SEND_CHECKPOINT)->seq == 30);
    childlink_on_ack (&s_link, T0 + 3, 40, 0, &s_out);
    childlink_tick (&s_link, T0 + 4, &s_out);
    s_nothing ();                           //  once
    //  Offered again in a new session.
    childlink_tick (&s_link, T0 + 4 + CHILDLINK_SILENCE_MS, &s_out);
    int64_t at = s_only (CHILDLINK_CLOSE)->at;
    childlink_tick (&s_link, at, &s_out);
    s_welcome (at, 40, 8);
    childlink_tick (&s_link, at + 1, &s_out);
    assert (s_out.n == 2 && s_out.a [1].what == CHILDLINK_SEND_CHECKPOINT && s_out.a [1].seq == 30);
}

static char *
s_receipt (const char *origin, uint64_t size, const uint8_t *sk, const uint8_t *pk,
           const char *cosigner, const uint8_t *csk, const uint8_t *cpk)
{
    char *note = NULL, *receipt = NULL;
    assert (checkpoint_sign (origin, size, s_root, origin, sk, pk, &note) == ERR_OK);
    if (!cosigner)
        return note;
    assert (checkpoint_cosign_at (note, cosigner, csk, cpk, 1700000000, &receipt) == ERR_OK);
    free (note);
    return receipt;
}

static void
test_only_receipts_of_our_offered_checkpoints_count (void)
{
    s_streaming (10, 40, 40, 1);
    childlink_set_checkpoint (&s_link, 30);
    childlink_tick (&s_link, T0, &s_out);
    assert (s_out.a [s_out.n - 1].what == CHILDLINK_SEND_CHECKPOINT);
    char *good = s_receipt ("licrepo/" CHILD, 30, s_child_sk, s_child_pk, "licrepo/" PARENT, s_parent_sk, s_parent_pk);
    char *bigger = s_receipt ("licrepo/" CHILD, 35, s_child_sk, s_child_pk, "licrepo/" PARENT, s_parent_sk, s_parent_pk);
    char *bare = s_receipt ("licrepo/" CHILD, 30, s_child_sk, s_child_pk, NULL, NULL, NULL);
    char *other = s_receipt ("licrepo/" PARENT, 30, s_parent_sk, s_parent_pk, "licrepo/" PARENT, s_parent_sk, s_parent_pk);
    //  A size never offered: refused, said once.
    childlink_on_receipt (&s_link, T0 + 1, bigger, &s_out);
    assert (strstr (s_only (CHILDLINK_RECEIPT_REFUSED)->why, "its size 35 is not one we offered"));
    childlink_on_receipt (&s_link, T0 + 2, bare, &s_out);
    s_nothing ();
    assert (strstr (s_link.why, "no valid cosignature/v1 line"));
    childlink_on_receipt (&s_link, T0 + 3, other, &s_out);
    s_nothing ();
    assert (strstr (s_link.why, "not our checkpoint"));
    childlink_on_receipt (&s_link, T0 + 4, "junk", &s_out);
    s_nothing ();
    //  The good one is kept, and the next bad one is said again.
    childlink_on_receipt (&s_link, T0 + 5, good, &s_out);
    assert (s_only (CHILDLINK_KEEP_RECEIPT)->seq == 30);
    childlink_on_receipt (&s_link, T0 + 6, "junk", &s_out);
    assert (strstr (s_only (CHILDLINK_RECEIPT_REFUSED)->why, "not a well-formed signed note"));
    free (good);
    free (bigger);
    free (bare);
    free (other);
}

static void
test_the_parents_heartbeat_is_heard_and_its_chain_kept (void)
{
    s_init (10);
    childlink_tick (&s_link, T0, &s_out);
    childlink_on_heartbeat (&s_link, T0 + 5000, &s_out);
    s_only (CHILDLINK_KEEP_CHAIN);
    childlink_tick (&s_link, T0 + 5000 + CHILDLINK_SILENCE_MS, &s_out);
    s_nothing ();
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    seal_keypair (s_child_pk, s_child_sk);
    seal_keypair (s_parent_pk, s_parent_sk);
    memset (s_root, 0xab, sizeof s_root);
    test_hello_then_welcome_resumes_where_the_parent_says ();
    test_the_credit_window_bounds_batches_in_flight ();
    test_a_short_batch_is_continued_where_it_stopped ();
    test_a_gap_nack_rewinds_to_the_expected_seq ();
    test_a_nack_out_of_step_starts_the_conversation_again ();
    test_a_parent_refusing_our_history_or_key_stops_us ();
    test_a_welcome_showing_another_history_is_divergence ();
    test_a_welcome_outside_a_new_session_is_ignored ();
    test_a_silent_parent_is_given_up_with_a_backoff_up_to_its_cap ();
    test_a_session_that_cannot_open_is_retried ();
    test_heartbeats_carry_the_lag ();
    test_duplicate_and_stale_acks_change_nothing ();
    test_a_parent_restarted_mid_stream_decides_where_we_resume ();
    test_the_checkpoint_is_offered_once_the_parent_holds_it ();
    test_only_receipts_of_our_offered_checkpoints_count ();
    test_the_parents_heartbeat_is_heard_and_its_chain_kept ();
    printf ("test_childlink: 16 tests passed\n");
    return 0;
}
