/*  test_e2e_partition -- county -> city -> province, each node in its own
    network namespace joined by veth pairs (made and removed here), and
    the city's links cut and restored in the middle of a stream.  The
    county keeps taking events while cut off; once the links are back,
    everything reaches the province exactly once and the digests agree.
    Skipped (exit 77) where network namespaces cannot be made.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

static char s_ns [3][64];           //  county, city, province
static support_node_t s_node [3];
static const char *s_div [3] = { "330106", "330100", "330000" };

static int
s_sh (const char *fmt, ...)
{
    char cmd [1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (cmd, sizeof cmd, fmt, ap);
    va_end (ap);
    return system (cmd);
}

static void
s_netns_down (void)
{
    for (int i = 0; i < 3; i++)
        if (*s_ns [i])
            s_sh ("ip netns del %s 2>/dev/null", s_ns [i]);
}

//  An assertion that fails still removes the namespaces it made.
static void
s_on_abort (int sig)
{
    s_netns_down ();
    signal (sig, SIG_DFL);
    raise (sig);
}

//  county (10.99.1.1) <-veth-> (10.99.1.2) city (10.99.2.1) <-veth-> (10.99.2.2) province
static bool
s_netns_up (void)
{
    const char *tag [3] = { "co", "ci", "pr" };
    for (int i = 0; i < 3; i++) {
        snprintf (s_ns [i], sizeof s_ns [i], "lr%d%s", (int) getpid (), tag [i]);
        if (s_sh ("ip netns add %s 2>/dev/null", s_ns [i]) != 0) {
            s_ns [i][0] = 0;
            return false;
        }
        s_sh ("ip -n %s link set lo up", s_ns [i]);
    }
    return s_sh ("ip link add lrc%d netns %s type veth peer name lrm%d netns %s",
                 (int) getpid () % 100000, s_ns [0], (int) getpid () % 100000, s_ns [1]) == 0
        && s_sh ("ip link add lrn%d netns %s type veth peer name lrp%d netns %s",
                 (int) getpid () % 100000, s_ns [1], (int) getpid () % 100000, s_ns [2]) == 0
        && s_sh ("ip -n %s addr add 10.99.1.1/24 dev lrc%d && ip -n %s link set lrc%d up",
                 s_ns [0], (int) getpid () % 100000, s_ns [0], (int) getpid () % 100000) == 0
        && s_sh ("ip -n %s addr add 10.99.1.2/24 dev lrm%d && ip -n %s link set lrm%d up",
                 s_ns [1], (int) getpid () % 100000, s_ns [1], (int) getpid () % 100000) == 0
        && s_sh ("ip -n %s addr add 10.99.2.1/24 dev lrn%d && ip -n %s link set lrn%d up",
                 s_ns [1], (int) getpid () % 100000, s_ns [1], (int) getpid () % 100000) == 0
        && s_sh ("ip -n %s addr add 10.99.2.2/24 dev lrp%d && ip -n %s link set lrp%d up",
                 s_ns [2], (int) getpid () % 100000, s_ns [2], (int) getpid () % 100000) == 0;
}

static void
s_city_links (const char *state)
{
    assert (s_sh ("ip -n %s link set lrm%d %s && ip -n %s link set lrn%d %s", s_ns [1],
                  (int) getpid () % 100000, state, s_ns [1], (int) getpid () % 100000, state) == 0);
    printf ("  city links %s\n", state);
    fflush (stdout);
}

static uint64_t
s_acked_at (int parent, const char *child)
{
    Lic__Reply *st = NULL;
    uint64_t acked = 0;
    assert (support_status (&s_node [parent], &st) == ERR_OK);
    for (size_t i = 0; i < st->status->n_children; i++)
        if (streq (st->status->children [i]->division, child))
            acked = st->status->children [i]->acked_seq;
    codec_reply_free (&st);
    return acked;
}

static uint64_t
s_head (int i)
{
    Lic__Reply *st = NULL;
    assert (support_status (&s_node [i], &st) == ERR_OK);
    uint64_t head = st->status->head_seq;
    codec_reply_free (&st);
    return head;
}

int
main (void)
{
    signal (SIGABRT, s_on_abort);
    if (getuid () != 0 || !s_netns_up ()) {
        s_netns_down ();
        printf ("SKIP: cannot create network namespaces here (needs root and iproute2)\n");
        return 77;
    }
    assert (seal_init () == ERR_OK);
    char dir [512], ndir [3][600], cfg [2048];
    assert (support_tmpdir (dir, "partition") == ERR_OK);
    for (int i = 0; i < 3; i++) {
        snprintf (ndir [i], sizeof ndir [i], "%s/%s", dir, s_div [i]);
        assert (support_node_init (ndir [i], s_div [i]) == ERR_OK);
    }
    snprintf (cfg, sizeof cfg, "{ \"division\": \"330000\", \"replication_listen\": \"tcp://10.99.2.2:7401\","
              " \"children\": [ { \"pub_file\": \"%s/node.pub\" } ] }", ndir [1]);
    snprintf (s_node [2].netns, sizeof s_node [2].netns, "%s", s_ns [2]);
    assert (support_node_start_cfg (&s_node [2], ndir [2], 0, "330000", cfg) == ERR_OK);
    snprintf (cfg, sizeof cfg, "{ \"division\": \"330100\", \"replication_listen\": \"tcp://10.99.1.2:7401\","
              " \"parent\": { \"pub_file\": \"%s/node.pub\", \"endpoint\": \"tcp://10.99.2.2:7401\" },"
              " \"children\": [ { \"pub_file\": \"%s/node.pub\" } ] }", ndir [2], ndir [0]);
    snprintf (s_node [1].netns, sizeof s_node [1].netns, "%s", s_ns [1]);
    assert (support_node_start_cfg (&s_node [1], ndir [1], 0, "330100", cfg) == ERR_OK);
    snprintf (cfg, sizeof cfg, "{ \"division\": \"330106\","
              " \"parent\": { \"pub_file\": \"%s/node.pub\", \"endpoint\": \"tcp://10.99.1.2:7401\" } }", ndir [1]);
    snprintf (s_node [0].netns, sizeof s_node [0].netns, "%s", s_ns [0]);
    assert (support_node_start_cfg (&s_node [0], ndir [0], 0, "330106", cfg) == ERR_OK);

    support_dept_t d;
    assert (support_dept_make (&d, 500, dir) == ERR_OK);
    licclient_t *admin = NULL, *c = NULL;
    assert (support_admin (&admin, &s_node [0]) == ERR_OK);
    assert (support_register (admin, &d) == ERR_OK);
    licclient_destroy (&admin);
    assert (support_client (&c, &s_node [0], &d) == ERR_OK);

    //  A stream: 3 rounds of 1,000 licenses; the city is cut off during
    //  the second round for longer than the heartbeat timeout.
    assert (support_publish (c, &d, 1, 1000, 0) == 1000);
    s_city_links ("down");
    assert (support_publish (c, &d, 10001, 1000, 0) == 1000);
    sleep (8);
    uint64_t cut_head = s_head (0);
    assert (s_acked_at (1, "330106") < cut_head);       //  the city did not get it
    s_city_links ("up");
    assert (support_publish (c, &d, 20001, 1000, 0) == 1000);
    licclient_destroy (&c);

    uint64_t head = s_head (0);
    int64_t deadline = support_now_us () + 90 * 1000000LL;
    while (support_now_us () < deadline
       &&  (s_acked_at (1, "330106") != head || s_acked_at (2, "330100") != s_head (1)))
        usleep (200000);
    assert (s_acked_at (1, "330106") == head);
    assert (s_acked_at (2, "330100") == s_head (1));
    uint8_t d0 [32], d1 [32], d2 [32];
    uint64_t n0, n1, n2;
    assert (support_digest (&s_node [0], "330106", d0, &n0) == ERR_OK);
    assert (support_digest (&s_node [1], "330106", d1, &n1) == ERR_OK);
    assert (support_digest (&s_node [2], "330106", d2, &n2) == ERR_OK);
    assert (n0 == 3000 && n1 == n0 && n2 == n0);
    assert (memcmp (d0, d1, 32) == 0 && memcmp (d0, d2, 32) == 0);
    printf ("  after the partition: %" PRIu64 " licenses at every level, digests equal\n", n0);

    for (int i = 0; i < 3; i++)
        assert (support_node_stop (&s_node [i], SIGTERM) == 0);
    s_netns_down ();
    support_rmtree (dir);
    printf ("e2e_partition: all passed\n");
    return 0;
}
