/*  test_e2e_province -- the province sees every county (proto/README.md section 7, summaries),
    with real nodes: 2 counties -> city -> province.

    - Each node's signed summary travels up in heartbeats: the province's
      status lists the city and both counties with their heads, and its
      metrics carry licrepo_node_*{node="330106"} series; `licctl status
      --tree` prints them.
    - A county killed (SIGKILL) is not shown healthy: after its silence
      the city shows it DISCONNECTED with a lag of at least that silence,
      and the province shows it silent with the same honest lag and
      licrepo_node_up 0; the other county stays up.
    - Back up, it is up again everywhere.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <czmq.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define SILENCE_S 17                //  > SUBTREE_STALE_S and DOWNLINK_STALE_S (15 s)

static support_hier_t s_h;
static char s_dir [512];
static int s_metrics_port;

//  Scrapes the province's metrics until every line of want is there (they
//  are rendered once a second) or 10 s pass; asserts they all are.
static void
s_metrics_have (const char **want, size_t n)
{
    static char text [1 << 20];
    int64_t deadline = support_now_us () + 10 * 1000000LL;
    size_t missing = n;
    const char *first = NULL;
    while (missing && support_now_us () < deadline) {
        assert (support_metrics_scrape (s_metrics_port, text, sizeof text) == ERR_OK);
        missing = 0;
        for (size_t i = 0; i < n; i++)
            if (!strstr (text, want [i]) && missing++ == 0)
                first = want [i];
        if (missing)
            zclock_sleep (250);
    }
    if (missing)
        fprintf (stderr, "province metrics lack: %s\n", first);
    assert (missing == 0);
}

static const Lic__SubtreeNode *
s_below (const Lic__NodeStatus *st, const char *division)
{
    for (size_t i = 0; i < st->n_subtree; i++)
        if (st->subtree [i]->summary && streq (st->subtree [i]->summary->division, division))
            return st->subtree [i];
    return NULL;
}

static const Lic__ChildStatus *
s_child (const Lic__NodeStatus *st, const char *division)
{
    for (size_t i = 0; i < st->n_children; i++)
        if (streq (st->children [i]->division, division))
            return st->children [i];
    return NULL;
}

static uint64_t
s_head (int node)
{
    Lic__Reply *r = NULL;
    assert (support_status (&s_h.node [node], &r) == ERR_OK);
    uint64_t head = r->status->head_seq;
    codec_reply_free (&r);
    return head;
}

//  Waits until the province holds summaries of the city and both
//  counties, each not silent and with the county's current head.
static void
s_wait_all_seen (void)
{
    uint64_t h0 = s_head (0), h1 = s_head (1);
    int64_t deadline = support_now_us () + 60 * 1000000LL;
    bool ok = false;
    while (!ok && support_now_us () < deadline) {
        Lic__Reply *r = NULL;
        assert (support_status (&s_h.node [3], &r) == ERR_OK);
        const Lic__SubtreeNode *c0 = s_below (r->status, "330106");
        const Lic__SubtreeNode *c1 = s_below (r->status, "330108");
        const Lic__SubtreeNode *city = s_below (r->status, "330100");
        ok = c0 && c1 && city && !c0->silent && !c1->silent && !city->silent
          && c0->summary->head_seq == h0 && c1->summary->head_seq == h1
          && streq (c0->via, "330100") && streq (c0->summary->parent_division, "330100")
          && city->summary->children == 2 && city->summary->children_connected == 2;
        codec_reply_free (&r);
        if (!ok)
            zclock_sleep (200);
    }
    assert (ok);
}

static void
test_the_province_sees_every_county (void)
{
    licclient_t *admin = NULL, *c = NULL;
    for (int county = 0; county < 2; county++) {
        support_dept_t d;
        assert (support_dept_make (&d, 40 + (uint32_t) county, s_dir) == ERR_OK);
        assert (support_admin (&admin, &s_h.node [county]) == ERR_OK);
        assert (support_register (admin, &d) == ERR_OK);
        licclient_destroy (&admin);
        assert (support_client (&c, &s_h.node [county], &d) == ERR_OK);
        assert (support_publish (c, &d, 1, 20, 0) == 20);
        licclient_destroy (&c);
    }
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    s_wait_all_seen ();
    //  Metrics of the province name each county.
    const char *want [] = {
        "licrepo_node_up{node=\"330106\",parent=\"330100\"} 1",
        "licrepo_node_up{node=\"330108\",parent=\"330100\"} 1",
        "licrepo_node_up{node=\"330100\",parent=\"330000\"} 1",
        "licrepo_node_lag_seconds{node=\"330106\",parent=\"330100\"} ",
        "licrepo_node_last_seen_timestamp_seconds{node=\"330108\",parent=\"330100\"} ",
    };
    s_metrics_have (want, sizeof want / sizeof want [0]);
    //  licctl status --tree at the province prints every node below.
    char cmd [1400], out [8192];
    snprintf (cmd, sizeof cmd, "%s -d %s status --tree 2>&1", support_licctl_path (),
              s_h.node [3].dir);
    FILE *p = popen (cmd, "r");
    assert (p);
    size_t n = fread (out, 1, sizeof out - 1, p);
    out [n] = 0;
    assert (pclose (p) == 0);
    assert (strstr (out, "330100") && strstr (out, "  330106") && strstr (out, "  330108"));
    assert (strstr (out, "3 node(s) below 330000"));
    //  Nothing held back anywhere: licctl quarantine list says so.
    snprintf (cmd, sizeof cmd, "%s -d %s quarantine list 2>&1", support_licctl_path (),
              s_h.node [3].dir);
    p = popen (cmd, "r");
    assert (p);
    char qout [512];
    n = fread (qout, 1, sizeof qout - 1, p);
    qout [n] = 0;
    assert (pclose (p) == 0);
    assert (strstr (qout, "0 shown, 0 held here in all"));
    printf ("  province: every county seen through the city\n%s", out);
}

static void
test_a_silent_county_is_not_shown_healthy (void)
{
    int status = support_node_stop (&s_h.node [1], SIGKILL);
    assert (WIFSIGNALED (status));
    zclock_sleep (SILENCE_S * 1000);
    Lic__Reply *city = NULL, *prov = NULL;
    assert (support_status (&s_h.node [2], &city) == ERR_OK);
    assert (support_status (&s_h.node [3], &prov) == ERR_OK);
    //  At the city: disconnected, lag at least the silence.
    const Lic__ChildStatus *cs = s_child (city->status, "330108");
    assert (cs && !cs->connected && cs->lag_seconds >= 15);
    assert (s_child (city->status, "330106")->connected);
    //  At the province: silent, the same honest lag; the other county up.
    const Lic__SubtreeNode *gone = s_below (prov->status, "330108");
    const Lic__SubtreeNode *up = s_below (prov->status, "330106");
    assert (gone && gone->silent && gone->lag_seconds >= 15);
    assert (up && !up->silent);
    //  The city says one of its two children is connected.
    const Lic__SubtreeNode *cty = s_below (prov->status, "330100");
    assert (cty && cty->summary->children == 2 && cty->summary->children_connected == 1);
    codec_reply_free (&city);
    codec_reply_free (&prov);
    const char *want [] = { "licrepo_node_up{node=\"330108\",parent=\"330100\"} 0",
                            "licrepo_node_up{node=\"330106\",parent=\"330100\"} 1" };
    s_metrics_have (want, 2);
    printf ("  a county killed %d s ago: silent at the province, DISCONNECTED at the city, "
            "lag >= its silence\n", SILENCE_S);

    //  Back up: seen again everywhere.
    assert (support_node_restart (&s_h.node [1]) == ERR_OK);
    s_wait_all_seen ();
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    zsys_handler_set (NULL);
    assert (support_tmpdir (s_dir, "e2e-province") == ERR_OK);
    s_metrics_port = support_free_port ();
    snprintf (s_h.extra [3], sizeof s_h.extra [3], "\"metrics_listen\": \"127.0.0.1:%d\",",
              s_metrics_port);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    test_the_province_sees_every_county ();
    test_a_silent_county_is_not_shown_healthy ();
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_province: all passed\n");
    return 0;
}
