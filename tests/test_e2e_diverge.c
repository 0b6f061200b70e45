/*  test_e2e_diverge -- a county restored from an old copy of its data
    directory, which then takes new events, is refused by its parent with
    a divergence error, and nothing of the parent's changes: whether the
    restored county is behind the parent's record of it, at the same size
    with another root, or ahead with another history.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

static support_hier_t s_h;
static support_dept_t s_dept;
static char s_dir [512];

static void
s_publish (uint32_t serial0, int licenses)
{
    licclient_t *c = NULL;
    assert (support_client (&c, &s_h.node [0], &s_dept) == ERR_OK);
    assert (support_publish (c, &s_dept, serial0, licenses, 0) == licenses);
    licclient_destroy (&c);
}

typedef struct {
    uint64_t head, acked, quarantined;
    uint8_t digest [32];
    uint64_t licenses;
} s_city_t;

static void
s_city_snapshot (s_city_t *c)
{
    Lic__Reply *st = NULL;
    assert (support_status (&s_h.node [2], &st) == ERR_OK);
    c->head = st->status->head_seq;
    c->quarantined = st->status->quarantined;
    c->acked = 0;
    for (size_t i = 0; i < st->status->n_children; i++)
        if (streq (st->status->children [i]->division, "330106"))
            c->acked = st->status->children [i]->acked_seq;
    codec_reply_free (&st);
    assert (support_digest (&s_h.node [2], "330106", c->digest, &c->licenses) == ERR_OK);
}

//  Restarts the county and waits until its uplink is refused.
static void
s_expect_refused (const char *why_contains)
{
    support_node_stop (&s_h.node [0], SIGTERM);
    assert (support_node_restart (&s_h.node [0]) == ERR_OK);
    int64_t deadline = support_now_us () + 20 * 1000000LL;
    bool refused = false;
    while (!refused && support_now_us () < deadline) {
        Lic__Reply *st = NULL;
        assert (support_status (&s_h.node [0], &st) == ERR_OK);
        refused = streq (st->status->uplink_state, "refused");
        if (refused) {
            printf ("  county uplink refused: %s\n", st->status->uplink_error);
            assert (strstr (st->status->uplink_error, why_contains));
        }
        codec_reply_free (&st);
        usleep (100000);
    }
    assert (refused);
}

static void
s_assert_city_unchanged (const s_city_t *before)
{
    usleep (500000);    //  give a wrongly accepted batch the time to land
    s_city_t now;
    s_city_snapshot (&now);
    assert (now.acked == before->acked);
    assert (now.head == before->head);
    assert (now.quarantined == before->quarantined);
    assert (now.licenses == before->licenses);
    assert (memcmp (now.digest, before->digest, 32) == 0);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "diverge") == ERR_OK);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    assert (support_dept_make (&s_dept, 400, s_dir) == ERR_OK);
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_h.node [0]) == ERR_OK);
    assert (support_register (admin, &s_dept) == ERR_OK);
    licclient_destroy (&admin);

    //  100 events, replicated; a copy of the county's directory; 50 more.
    s_publish (1, 100);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    support_node_stop (&s_h.node [0], SIGTERM);
    char cmd [2400], backup [600];
    snprintf (backup, sizeof backup, "%s/county-backup", s_dir);
    snprintf (cmd, sizeof cmd, "cp -a %s %s", s_h.node [0].dir, backup);
    assert (system (cmd) == 0);
    assert (support_node_restart (&s_h.node [0]) == ERR_OK);
    s_publish (1001, 50);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    s_city_t city;
    s_city_snapshot (&city);
    assert (city.acked == 152 && city.licenses == 150);    //  + registration, catalogue

    //  Restore the old copy: behind what the city holds of it.
    support_node_stop (&s_h.node [0], SIGTERM);
    snprintf (cmd, sizeof cmd, "rm -rf %s && cp -a %s %s", s_h.node [0].dir, backup, s_h.node [0].dir);
    assert (system (cmd) == 0);
    assert (support_node_restart (&s_h.node [0]) == ERR_OK);
    s_expect_refused ("diverged");
    s_assert_city_unchanged (&city);

    //  New, different events up to the same size: same size, other root.
    s_publish (2001, 50);
    s_expect_refused ("diverged");
    s_assert_city_unchanged (&city);

    //  And beyond it: another history ahead of the city's record.
    s_publish (3001, 30);
    s_expect_refused ("diverged");
    s_assert_city_unchanged (&city);

    support_hier_stop (&s_h, SIGTERM);
    support_rmtree (s_dir);
    printf ("e2e_diverge: all passed\n");
    return 0;
}
