/*  test_parentlink.c -- the parent's per-child replication machine
    (replication/parentlink.c) without sockets, pipeline or clock: each
    test feeds inputs and asserts the actions that come out
    (proto/README.md section 7).
*/
#undef NDEBUG
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "proto/err.h"
#include "replication/parentlink.h"

#define CHILD   "330106"
#define CREDIT  8
#define T0      1800000000          //  unix seconds

static uint8_t s_root [32], s_other [32];
static parentlink_t s_link;
static parentlink_out_t s_out;

static const parentlink_action_t *
s_only (parentlink_do_t what)
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
s_hello (const char *division, uint64_t head, const uint8_t *root, uint64_t hwm)
{
    parentlink_hello_t h = { division, head, root, 32, hwm? s_root: NULL };
    parentlink_on_hello (&s_link, &h, hwm, &s_out);
}

//  A machine that welcomed a child at hwm, heard at T0.
static void
s_streaming (uint64_t hwm)
{
    parentlink_init (&s_link, CHILD, CREDIT, hwm, 0, T0 - 100);
    parentlink_heard (&s_link, T0);
    s_hello (CHILD, hwm + 20, s_root, hwm);
    assert (s_out.n == 3 && s_out.a [2].what == PARENTLINK_SEND_WELCOME);
    assert (parentlink_state (&s_link) == PARENTLINK_STREAMING);
}

static void
s_batch (uint64_t first, uint64_t n)
{
    parentlink_on_batch (&s_link, true, first, n, &s_out);
}

// ---------------------------------------------------------------------

static void
test_a_hello_is_welcomed_at_what_our_disk_holds (void)
{
    //  A parent restarted with 50 of the child's entries durable: the
    //  child's head (80) does not matter, the Welcome says 50.
    parentlink_init (&s_link, CHILD, CREDIT, 50, 0, T0);
    assert (strcmp (parentlink_state_name (&s_link), "await_hello") == 0);
    s_hello (CHILD, 80, s_other, 50);
    assert (s_out.n == 3);
    assert (s_out.a [0].what == PARENTLINK_ADOPT);
    assert (s_out.a [1].what == PARENTLINK_CONNECTED && s_out.a [1].seq == 80 && s_out.a [1].n == 50);
    assert (s_out.a [2].what == PARENTLINK_SEND_WELCOME && s_out.a [2].seq == 50 && s_out.a [2].n == CREDIT);
    assert (strcmp (parentlink_state_name (&s_link), "streaming") == 0);
    //  Batches from 51 on.
    s_batch (51, 10);
    s_only (PARENTLINK_SUBMIT);
    //  A new Hello while connected: no second "connected".
    parentlink_on_batch_done (&s_link, ERR_OK, 60, NULL, 60, &s_out);
    s_hello (CHILD, 80, s_other, 60);
    assert (s_out.n == 2 && s_out.a [0].what == PARENTLINK_ADOPT);
    assert (s_out.a [1].what == PARENTLINK_SEND_WELCOME && s_out.a [1].seq == 60);
    //  Nothing yet on either side.
    parentlink_init (&s_link, CHILD, CREDIT, 0, 0, T0);
    parentlink_hello_t empty = { CHILD, 0, NULL, 0, NULL };
    parentlink_on_hello (&s_link, &empty, 0, &s_out);
    assert (s_out.n == 3 && s_out.a [2].what == PARENTLINK_SEND_WELCOME && s_out.a [2].seq == 0);
}

static void
test_a_hello_of_another_division_is_refused_and_opens_nothing (void)
{
    parentlink_init (&s_link, CHILD, CREDIT, 5, 0, T0);
    s_hello ("330108", 5, s_root, 5);
    const parentlink_action_t *a = s_only (PARENTLINK_SEND_NACK);
    assert (a->code == ERR_FORBIDDEN && a->seq == 0 && !a->log);
    assert (parentlink_state (&s_link) == PARENTLINK_REFUSED);
    assert (strcmp (parentlink_refused (&s_link), "its key said Hello as division 330108") == 0);
    s_batch (6, 1);
    a = s_only (PARENTLINK_SEND_NACK);
    assert (a->code == ERR_MALFORMED && a->seq == 6 && strcmp (a->why, "send HELLO first") == 0);
    //  Nor does it close a session that streams.
    s_streaming (5);
    s_hello ("330108", 5, s_root, 5);
    assert (s_only (PARENTLINK_SEND_NACK)->code == ERR_FORBIDDEN);
    assert (parentlink_state (&s_link) == PARENTLINK_STREAMING);
    s_batch (6, 1);
    s_only (PARENTLINK_SUBMIT);
}

static void
test_a_hello_showing_another_history_is_diverged (void)
{
    //  Less than we hold of it.
    parentlink_init (&s_link, CHILD, CREDIT, 20, 0, T0);
    s_hello (CHILD, 19, s_root, 20);
    assert (s_out.n == 2 && s_out.a [0].what == PARENTLINK_ADOPT);
    const parentlink_action_t *a = &s_out.a [1];
    assert (a->what == PARENTLINK_SEND_NACK && a->code == ERR_DIVERGED && a->seq == 21 && a->log);
    assert (strstr (a->why, "holds 20 entries of division 330106 but the child has only 19"));
    assert (parentlink_state (&s_link) == PARENTLINK_DIVERGED);
    assert (strstr (parentlink_refused (&s_link), "the child has only 19"));
    s_batch (21, 1);
    assert (s_only (PARENTLINK_SEND_NACK)->code == ERR_MALFORMED);
    //  The same size with another root, or a root we cannot read.
    s_hello (CHILD, 20, s_other, 20);
    assert (s_out.n == 2 && s_out.a [1].code == ERR_DIVERGED);
    assert (strcmp (s_out.a [1].why, "diverged: same size 20, different root") == 0);
    parentlink_hello_t unreadable = { CHILD, 20, s_root, 32, NULL };
    parentlink_on_hello (&s_link, &unreadable, 20, &s_out);
    assert (s_out.n == 2 && s_out.a [1].code == ERR_DIVERGED);
    //  The true history is welcomed, the refusal forgotten.
    s_hello (CHILD, 20, s_root, 20);
    assert (s_out.n == 3 && s_out.a [2].what == PARENTLINK_SEND_WELCOME && s_out.a [2].seq == 20);
    assert (*parentlink_refused (&s_link) == 0);
}

static void
test_the_welcome_waits_for_batches_in_the_pipeline (void)
{
    s_streaming (10);
    s_batch (11, 5);
    s_only (PARENTLINK_SUBMIT);
    s_batch (16, 5);
    s_only (PARENTLINK_SUBMIT);
    //  The child reconnects with two batches still in the pipeline.
    s_hello (CHILD, 40, s_other, 10);
    s_only (PARENTLINK_ADOPT);
    assert (strcmp (parentlink_state_name (&s_link), "draining") == 0);
    assert (!parentlink_connected (&s_link, T0));
    s_batch (11, 5);
    assert (s_only (PARENTLINK_SEND_NACK)->code == ERR_MALFORMED);
    //  The first is durable: Acked, still waiting.
    parentlink_on_batch_done (&s_link, ERR_OK, 15, NULL, 15, &s_out);
    const parentlink_action_t *a = s_only (PARENTLINK_SEND_ACK);
    assert (a->seq == 15 && a->n == CREDIT);
    //  A refusal meanwhile is not told: the Welcome says where to resume.
    parentlink_on_batch_done (&s_link, ERR_IO, 16, "disk full", 15, &s_out);
    assert (s_out.n == 1 && s_out.a [0].what == PARENTLINK_SEND_WELCOME && s_out.a [0].seq == 15);
    assert (parentlink_state (&s_link) == PARENTLINK_STREAMING);
    s_batch (16, 5);
    s_only (PARENTLINK_SUBMIT);
}

static void
test_a_gap_is_nacked_once_until_the_expected_batch_comes (void)
{
    s_streaming (10);
    s_batch (15, 5);
    const parentlink_action_t *a = s_only (PARENTLINK_SEND_NACK);
    assert (a->code == ERR_GAP && a->seq == 11 && strcmp (a->why, "gap: expected seq 11, got 15") == 0);
    assert (strcmp (parentlink_state_name (&s_link), "resync") == 0);
    s_batch (20, 5);
    s_nothing ();
    s_batch (1, 5);
    s_nothing ();
    s_batch (11, 5);
    s_only (PARENTLINK_SUBMIT);
    assert (parentlink_state (&s_link) == PARENTLINK_STREAMING);
    //  A replay of what we accepted.
    s_batch (11, 5);
    assert (s_only (PARENTLINK_SEND_NACK)->seq == 16);
}

static void
test_a_batch_must_hold_1_to_4096_entries_and_come_from_the_session (void)
{
    s_streaming (10);
    s_batch (11, 0);
    const parentlink_action_t *a = s_only (PARENTLINK_SEND_NACK);
    assert (a->code == ERR_MALFORMED && a->seq == 11);
    s_batch (11, PARENTLINK_BATCH_MAX + 1);
    assert (s_only (PARENTLINK_SEND_NACK)->code == ERR_MALFORMED);
    parentlink_on_batch (&s_link, false, 11, 5, &s_out);
    a = s_only (PARENTLINK_SEND_NACK);
    assert (a->code == ERR_MALFORMED && strcmp (a->why, "send HELLO first") == 0);
    s_batch (11, PARENTLINK_BATCH_MAX);
    s_only (PARENTLINK_SUBMIT);
}

static void
test_the_pipelines_refusal_rewinds_and_is_told_once (void)
{
    s_streaming (10);
    s_batch (11, 5);
    s_batch (16, 5);
    s_batch (21, 5);
    parentlink_on_batch_done (&s_link, ERR_DIVERGED, 11, "history diverged", 10, &s_out);
    const parentlink_action_t *a = s_only (PARENTLINK_SEND_NACK);
    assert (a->code == ERR_DIVERGED && a->seq == 11 && a->log && strcmp (a->why, "history diverged") == 0);
    parentlink_on_batch_done (&s_link, ERR_GAP, 11, "batch starts at 16", 10, &s_out);
    s_nothing ();
    s_batch (26, 5);
    s_nothing ();
    s_batch (11, 5);
    s_only (PARENTLINK_SUBMIT);
    //  Streaming again, a refusal of another kind is told, and not
    //  logged as a divergence.
    parentlink_on_batch_done (&s_link, ERR_GAP, 11, "batch starts at 21", 10, &s_out);
    a = s_only (PARENTLINK_SEND_NACK);
    assert (a->code == ERR_GAP && a->seq == 11 && !a->log);
}

static void
test_acks_are_cumulative_and_carry_the_credit (void)
{
    s_streaming (0);
    s_batch (1, 5);
    s_batch (6, 5);
    parentlink_on_batch_done (&s_link, ERR_OK, 5, NULL, 5, &s_out);
    const parentlink_action_t *a = s_only (PARENTLINK_SEND_ACK);
    assert (a->seq == 5 && a->n == CREDIT);
    parentlink_on_batch_done (&s_link, ERR_OK, 10, NULL, 10, &s_out);
    assert (s_only (PARENTLINK_SEND_ACK)->seq == 10);
    //  A verdict nobody waits for (the pipeline answered twice) changes
    //  no count: the next Hello is welcomed at once.
    parentlink_on_batch_done (&s_link, ERR_OK, 10, NULL, 10, &s_out);
    s_hello (CHILD, 10, s_root, 10);
    assert (s_out.n == 2 && s_out.a [1].what == PARENTLINK_SEND_WELCOME);
}

static void
test_a_checkpoint_is_countersigned_once_we_hold_it_and_agree (void)
{
    parentlink_checkpoint_t cp = { true, true, 10, true };
    //  No session yet: ignored.
    parentlink_init (&s_link, CHILD, CREDIT, 20, 5, T0);
    parentlink_on_checkpoint (&s_link, &cp, 20, &s_out);
    s_nothing ();
    s_streaming (20);
    parentlink_on_countersigned (&s_link, 5);
    //  From another sender than the session: ignored.
    cp.from_session = false;
    parentlink_on_checkpoint (&s_link, &cp, 20, &s_out);
    s_nothing ();
    cp.from_session = true;
    cp.verifies = false;
    parentlink_on_checkpoint (&s_link, &cp, 20, &s_out);
    s_only (PARENTLINK_CHECKPOINT_UNSIGNED);
    cp.verifies = true;
    //  More than we hold, or no more than already countersigned.
    cp.size = 21;
    parentlink_on_checkpoint (&s_link, &cp, 20, &s_out);
    s_nothing ();
    cp.size = 5;
    parentlink_on_checkpoint (&s_link, &cp, 20, &s_out);
    s_nothing ();
    //  Another root than our copy's: divergence, said and Nacked.
    cp.size = 12;
    cp.same_root = false;
    parentlink_on_checkpoint (&s_link, &cp, 20, &s_out);
    assert (s_out.n == 2);
    assert (s_out.a [0].what == PARENTLINK_CHECKPOINT_DIVERGED && s_out.a [0].seq == 12);
    assert (s_out.a [1].what == PARENTLINK_SEND_NACK && s_out.a [1].code == ERR_DIVERGED && s_out.a [1].seq == 21);
    cp.same_root = true;
    parentlink_on_checkpoint (&s_link, &cp, 20, &s_out);
    assert (s_only (PARENTLINK_COUNTERSIGN)->seq == 12);
    parentlink_on_countersigned (&s_link, 12);
    assert (parentlink_countersigned (&s_link) == 12);
    parentlink_on_checkpoint (&s_link, &cp, 20, &s_out);
    s_nothing ();
}

static void
test_heartbeats_and_a_child_that_went_away (void)
{
    parentlink_init (&s_link, CHILD, CREDIT, 7, 0, T0 - 100);
    parentlink_tick (&s_link, T0, 7, &s_out);
    s_nothing ();                   //  not welcomed: no heartbeat
    s_streaming (7);
    parentlink_tick (&s_link, T0 + 1, 7, &s_out);
    assert (s_only (PARENTLINK_SEND_HEARTBEAT)->seq == 7);
    assert (parentlink_connected (&s_link, T0 + PARENTLINK_STALE_S - 1));
    //  Silent for PARENTLINK_STALE_S: said once.
    parentlink_tick (&s_link, T0 + PARENTLINK_STALE_S, 9, &s_out);
    assert (s_out.n == 2 && s_out.a [0].what == PARENTLINK_WENT_AWAY && s_out.a [0].n == PARENTLINK_STALE_S);
    assert (s_out.a [1].what == PARENTLINK_SEND_HEARTBEAT && s_out.a [1].seq == 9);
    assert (!parentlink_connected (&s_link, T0 + PARENTLINK_STALE_S));
    parentlink_tick (&s_link, T0 + PARENTLINK_STALE_S + 1, 9, &s_out);
    s_only (PARENTLINK_SEND_HEARTBEAT);
    //  Back: said connected again.
    parentlink_heard (&s_link, T0 + 30);
    s_hello (CHILD, 9, s_root, 9);
    assert (s_out.n == 3 && s_out.a [1].what == PARENTLINK_CONNECTED);
    //  A child removed from the configuration is not reported gone.
    parentlink_set_removed (&s_link, true);
    parentlink_tick (&s_link, T0 + 60, 9, &s_out);
    s_only (PARENTLINK_SEND_HEARTBEAT);
}

static void
test_lag_shows_the_oldest_entry_missing_or_the_silence (void)
{
    //  Never heard: behind by the time since it was configured.
    parentlink_init (&s_link, CHILD, CREDIT, 0, 0, T0 - 3600);
    assert (parentlink_lag_seconds (&s_link, T0) == 3600);
    s_streaming (0);
    parentlink_on_heartbeat (&s_link, 40, T0 - 7);
    assert (parentlink_child_head (&s_link, 30) == 40);
    assert (parentlink_child_head (&s_link, 45) == 45);
    assert (parentlink_lag_seconds (&s_link, T0) == 7);
    //  Silent for a day: a day, not 7 s.
    assert (parentlink_lag_seconds (&s_link, T0 + 86400) == 86400 + 7);
    parentlink_on_heartbeat (&s_link, 40, 0);
    assert (parentlink_lag_seconds (&s_link, T0 + 1) == 0);
    assert (parentlink_lag_seconds (&s_link, T0 + 86400) == 86400);
}

static void
test_failures_to_answer_and_frames_out_of_place (void)
{
    s_streaming (10);
    //  Our copy of its tree unreadable at the Welcome.
    parentlink_on_welcome_failed (&s_link, 10, &s_out);
    const parentlink_action_t *a = s_only (PARENTLINK_SEND_NACK);
    assert (a->code == ERR_IO && a->seq == 11);
    assert (parentlink_state (&s_link) == PARENTLINK_AWAIT_HELLO);
    s_streaming (10);
    parentlink_on_undecodable (&s_link, ERR_TOO_LARGE, &s_out);
    a = s_only (PARENTLINK_SEND_NACK);
    assert (a->code == ERR_TOO_LARGE && a->seq == 11);
    parentlink_on_unexpected (&s_link, &s_out);
    a = s_only (PARENTLINK_SEND_NACK);
    assert (a->code == ERR_MALFORMED && strcmp (a->why, "unexpected message") == 0);
    assert (parentlink_state (&s_link) == PARENTLINK_STREAMING);
}

int
main (void)
{
    memset (s_root, 0xab, sizeof s_root);
    memset (s_other, 0xcd, sizeof s_other);
    test_a_hello_is_welcomed_at_what_our_disk_holds ();
    test_a_hello_of_another_division_is_refused_and_opens_nothing ();
    test_a_hello_showing_another_history_is_diverged ();
    test_the_welcome_waits_for_batches_in_the_pipeline ();
    test_a_gap_is_nacked_once_until_the_expected_batch_comes ();
    test_a_batch_must_hold_1_to_4096_entries_and_come_from_the_session ();
    test_the_pipelines_refusal_rewinds_and_is_told_once ();
    test_acks_are_cumulative_and_carry_the_credit ();
    test_a_checkpoint_is_countersigned_once_we_hold_it_and_agree ();
    test_heartbeats_and_a_child_that_went_away ();
    test_lag_shows_the_oldest_entry_missing_or_the_silence ();
    test_failures_to_answer_and_frames_out_of_place ();
    printf ("test_parentlink: 12 tests passed\n");
    return 0;
}
