/*  test_e2e_dashboard -- the operator's dashboard (node/serve/dashboard.h) in
    a real browser, on a real hierarchy: 2 counties -> city -> province.

    - Events published at both counties reach the province; one county is
      then stopped (SIGSTOP: its process is there, its link is silent).
    - Headless Chromium (Debian's chromium; deploy/install-deps.sh installs
      it) loads the province's dashboard from the node's own metrics
      listener and runs its script; the DOM it renders shows every node
      below the province with the state, head and lag that `licctl status
      --tree --json` of the same node gives before and after the load
      (the stopped county SILENT with a lag of at least its silence, the
      others streaming with no lag), the link to the city, a lag chart per
      node and an empty quarantine.
    - A screenshot of the page is saved in the test's log directory
      ($LOG_DIR, meson-logs/dashboard-province.png).

    Skipped (exit 77) where chromium is not installed.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <czmq.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define SILENCE_S 15                //  SUBTREE_STALE_S: silent beyond this
#define FRESH_S 3                   //  METRICS_DASHBOARD_FRESH_S: the page's figures are
                                    //  at most this old when it fetches them
#define DOM_MAX (1 << 20)

static support_hier_t s_h;
static char s_dir [512];
static int s_port;                  //  the province's metrics and dashboard
static char s_chromium [700];

//  chromium's path: $CHROMIUM if set (meson passes what it found), else
//  the first of chromium, chromium-browser on PATH; "" if none.
static void
s_find_chromium (void)
{
    const char *env = getenv ("CHROMIUM");
    if (env && *env && access (env, X_OK) == 0) {
        snprintf (s_chromium, sizeof s_chromium, "%s", env);
        return;
    }
    const char *names [] = { "chromium", "chromium-browser" };
    const char *path = getenv ("PATH");
    for (size_t i = 0; path && i < 2 && !*s_chromium; i++) {
        char copy [4096];
        snprintf (copy, sizeof copy, "%s", path);
        for (char *save = NULL, *d = strtok_r (copy, ":", &save); d && !*s_chromium;
             d = strtok_r (NULL, ":", &save)) {
            char full [600];
            snprintf (full, sizeof full, "%s/%s", d, names [i]);
            if (access (full, X_OK) == 0)
                snprintf (s_chromium, sizeof s_chromium, "%s", full);
        }
    }
}

//  Runs cmd, its stdout into out (NUL-terminated); its exit status.
static int
s_run (const char *cmd, char *out, size_t size)
{
    FILE *p = popen (cmd, "r");
    assert (p);
    size_t n = 0, k;
    while (n + 1 < size && (k = fread (out + n, 1, size - 1 - n, p)) > 0)
        n += k;
    out [n] = 0;
    char sink [4096];
    while (fread (sink, 1, sizeof sink, p) > 0)
        ;                               //  a DOM larger than out fails below, not here
    return pclose (p);
}

//  `licctl --json status --tree` of the province, parsed.
static json_t *
s_tree_json (void)
{
    static char out [1 << 18];
    char cmd [1400];
    snprintf (cmd, sizeof cmd, "%s -d %s --json status --tree", support_licctl_path (),
              s_h.node [3].dir);
    assert (s_run (cmd, out, sizeof out) == 0);
    json_error_t err;
    json_t *j = json_loads (out, 0, &err);
    if (!j)
        fprintf (stderr, "licctl --json status --tree: %s\n%s\n", err.text, out);
    assert (j);
    return j;
}

//  The node `division` in a status JSON's subtree, or NULL.
static json_t *
s_below (json_t *status, const char *division)
{
    json_t *sub = json_object_get (status, "subtree");
    size_t i;
    json_t *n;
    json_array_foreach (sub, i, n)
        if (streq (json_string_value (json_object_get (n, "division")), division))
            return n;
    return NULL;
}

static int64_t
s_int (json_t *obj, const char *key)
{
    json_t *v = json_object_get (obj, key);
    assert (json_is_integer (v));
    return (int64_t) json_integer_value (v);
}

//  The province as a browser renders it: Chromium loads the page, runs
//  its script (virtual time: it waits for the page's fetches), dumps the
//  DOM into dom.  Retries while the page says it has no figures yet: the
//  node renders /dashboard.json within a second of the first request for
//  it (503 until then), and virtual time runs the page's own retries
//  faster than that, so the first load usually shows no figures.
static void
s_browser_dom (char *dom, size_t size)
{
    char cmd [3000];
    for (int attempt = 0; attempt < 5; attempt++) {
        snprintf (cmd, sizeof cmd, "timeout 120 '%s' --headless %s --disable-gpu "
                  "--disable-dev-shm-usage --no-first-run --user-data-dir='%s/chrome' "
                  "--virtual-time-budget=8000 --dump-dom http://127.0.0.1:%d/ 2>'%s/chrome.log'",
                  s_chromium, geteuid () == 0? "--no-sandbox": "", s_dir, s_port, s_dir);
        int rc = s_run (cmd, dom, size);
        if (rc == 0 && strstr (dom, "data-ready=\"1\""))
            return;
        fprintf (stderr, "  chromium: exit %d, page not ready yet (attempt %d)\n", rc, attempt + 1);
    }
    fprintf (stderr, "chromium never rendered the dashboard; its DOM:\n%s\n", dom);
    assert (false);
}

//  The <tr> of table id whose data-division is division, copied into row.
static bool
s_row (const char *dom, const char *table, const char *division, char *row, size_t size)
{
    char open [64], attr [64];
    snprintf (open, sizeof open, "<table id=\"%s\"", table);
    snprintf (attr, sizeof attr, "data-division=\"%s\"", division);
    const char *start = strstr (dom, open);
    const char *end = start? strstr (start, "</table>"): NULL;
    const char *at = start? strstr (start, attr): NULL;
    if (!at || at > end)
        return false;
    const char *tr = at;
    while (tr > start && strncmp (tr, "<tr", 3) != 0)
        tr--;
    const char *close = strstr (at, "</tr>");
    assert (close && (size_t) (close - tr) < size);
    memcpy (row, tr, (size_t) (close - tr));
    row [close - tr] = 0;
    return true;
}

//  The text of the cell whose class attribute is exactly cls, in row.
static const char *
s_cell (const char *row, const char *cls)
{
    static char text [256];
    char attr [80];
    snprintf (attr, sizeof attr, "class=\"%s\">", cls);
    const char *at = strstr (row, attr);
    if (!at) {
        fprintf (stderr, "no cell %s in %s\n", cls, row);
        assert (false);
    }
    at += strlen (attr);
    const char *lt = strchr (at, '<');
    assert (lt && (size_t) (lt - at) < sizeof text);
    memcpy (text, at, (size_t) (lt - at));
    text [lt - at] = 0;
    return text;
}

static int64_t
s_cell_int (const char *row, const char *cls)
{
    char *end;
    const char *text = s_cell (row, cls);
    int64_t v = strtoll (text, &end, 10);
    assert (*text && !*end);
    return v;
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

//  Waits until the province holds every node, none silent, each county
//  with its current head.
static void
s_wait_all_seen (void)
{
    uint64_t heads [2] = { s_head (0), s_head (1) };
    int64_t deadline = support_now_us () + 60 * 1000000LL;
    bool ok = false;
    while (!ok && support_now_us () < deadline) {
        Lic__Reply *r = NULL;
        ok = true;
        assert (support_status (&s_h.node [3], &r) == ERR_OK);
        const char *all [] = { "330100", "330106", "330108" };
        for (int i = 0; i < 3; i++) {
            const Lic__SubtreeNode *n = NULL;
            for (size_t k = 0; k < r->status->n_subtree; k++)
                if (r->status->subtree [k]->summary
                &&  streq (r->status->subtree [k]->summary->division, all [i]))
                    n = r->status->subtree [k];
            ok = ok && n && !n->silent && n->summary->uplink_lag == 0
              && (i == 0 || n->summary->head_seq == heads [i - 1]);
        }
        codec_reply_free (&r);
        if (!ok)
            zclock_sleep (200);
    }
    assert (ok);
}

//  Waits until the province shows county division silent.
static void
s_wait_silent (const char *division)
{
    int64_t deadline = support_now_us () + 90 * 1000000LL;
    bool silent = false;
    while (!silent && support_now_us () < deadline) {
        json_t *j = s_tree_json ();
        json_t *n = s_below (j, division);
        silent = n && json_is_true (json_object_get (n, "silent"));
        json_decref (j);
        if (!silent)
            zclock_sleep (500);
    }
    assert (silent);
}

//  One node's row against the status before (a) and after (b) the page
//  was loaded: the same state, head within them, lag within them (a
//  minus FRESH_S: the page's figures may be that much older than a).
static void
s_check_node (const char *dom, json_t *a, json_t *b, const char *division)
{
    char row [4096];
    assert (s_row (dom, "tree", division, row, sizeof row));
    json_t *na = s_below (a, division), *nb = s_below (b, division);
    assert (na && nb);
    const char *state = json_is_true (json_object_get (na, "silent"))? "SILENT"
                      : json_string_value (json_object_get (na, "uplink_state"));
    const char *state_b = json_is_true (json_object_get (nb, "silent"))? "SILENT"
                        : json_string_value (json_object_get (nb, "uplink_state"));
    assert (streq (state, state_b));    //  no change while the page loaded
    assert (streq (s_cell (row, "state text"), state));
    int64_t head = s_cell_int (row, "head");
    assert (head >= s_int (na, "head_seq") && head <= s_int (nb, "head_seq"));
    int64_t lag = s_cell_int (row, "lag-s");
    assert (lag >= s_int (na, "lag_seconds") - FRESH_S && lag <= s_int (nb, "lag_seconds"));
    int64_t entries = s_cell_int (row, "lag-entries");
    assert (entries == s_int (na, "lag_entries") && entries == s_int (nb, "lag_entries"));
    //  Coloured by lag.
    const char *cls = streq (state, "SILENT") || lag >= 3600? "lag-bad"
                    : lag >= 60? "lag-warn": "lag-ok";
    assert (strstr (row, cls));
    printf ("  %s: %s, head %" PRId64 ", lag %" PRId64 " s (licctl: %" PRId64 "..%" PRId64 " s)\n",
            division, state, head, lag, s_int (na, "lag_seconds"), s_int (nb, "lag_seconds"));
}

static void
test_the_province_dashboard_in_a_browser (void)
{
    licclient_t *admin = NULL, *c = NULL;
    for (int county = 0; county < 2; county++) {
        support_dept_t d;
        assert (support_dept_make (&d, 60 + (uint32_t) county, s_dir) == ERR_OK);
        assert (support_admin (&admin, &s_h.node [county]) == ERR_OK);
        assert (support_register (admin, &d) == ERR_OK);
        licclient_destroy (&admin);
        assert (support_client (&c, &s_h.node [county], &d) == ERR_OK);
        assert (support_publish (c, &d, 1, 10, 0) == 10);
        licclient_destroy (&c);
    }
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    s_wait_all_seen ();

    //  County 330108 stopped: its process holds its sockets, says nothing.
    assert (kill (s_h.node [1].pid, SIGSTOP) == 0);
    s_wait_silent ("330108");

    static char dom [DOM_MAX];
    json_t *before = s_tree_json ();
    s_browser_dom (dom, sizeof dom);
    json_t *after = s_tree_json ();
    assert (strlen (dom) + 1 < sizeof dom);

    //  This node's own row, then each node below it.
    char row [4096];
    assert (s_row (dom, "tree", "330000", row, sizeof row));
    assert (streq (s_cell (row, "state text"), "none"));
    s_check_node (dom, before, after, "330100");
    s_check_node (dom, before, after, "330106");
    s_check_node (dom, before, after, "330108");
    assert (s_row (dom, "tree", "330108", row, sizeof row));
    assert (s_cell_int (row, "lag-s") >= SILENCE_S);
    //  The link to the city: connected.
    assert (s_row (dom, "links", "330100", row, sizeof row));
    assert (streq (s_cell (row, "state text"), "connected"));
    //  A lag chart for the link and for each county, each with a sample.
    const char *charted [] = { "<div class=\"chart\" data-division=\"330100\" data-points=\"",
                               "<div class=\"chart\" data-division=\"330106\" data-points=\"",
                               "<div class=\"chart\" data-division=\"330108\" data-points=\"" };
    for (int i = 0; i < 3; i++) {
        const char *at = strstr (dom, charted [i]);
        assert (at && atoi (at + strlen (charted [i])) >= 1);
    }
    assert (strstr (dom, "<svg"));
    //  Nothing quarantined, and the page says so.
    assert (s_int (before, "quarantined") == 0);
    assert (strstr (dom, "0 entries held back here"));
    assert (strstr (dom, "<table id=\"handshakes\""));
    json_decref (before);
    json_decref (after);

    //  A screenshot for the operator's eyes, in the log directory.
    const char *logs = getenv ("LOG_DIR");
    char png [700], cmd [3000], out [256];
    snprintf (png, sizeof png, "%s/dashboard-province.png", logs && *logs? logs: s_dir);
    unlink (png);
    snprintf (cmd, sizeof cmd, "timeout 120 '%s' --headless %s --disable-gpu "
              "--disable-dev-shm-usage --no-first-run --user-data-dir='%s/chrome' "
              "--virtual-time-budget=8000 --window-size=1400,1600 --screenshot='%s' "
              "http://127.0.0.1:%d/ 2>>'%s/chrome.log'",
              s_chromium, geteuid () == 0? "--no-sandbox": "", s_dir, png, s_port, s_dir);
    assert (s_run (cmd, out, sizeof out) == 0);
    struct stat sb;
    assert (stat (png, &sb) == 0 && sb.st_size > 1000);
    printf ("  screenshot: %s (%lld bytes)\n", png, (long long) sb.st_size);

    assert (kill (s_h.node [1].pid, SIGCONT) == 0);
}

//  A failed assertion: the nodes this test started (one of them stopped)
//  do not outlive it.
static void
s_on_abort (int sig)
{
    for (int i = 0; i < 4; i++)
        if (s_h.node [i].pid > 0) {
            kill (s_h.node [i].pid, SIGKILL);
            kill (s_h.node [i].pid, SIGCONT);
        }
    signal (sig, SIG_DFL);
    raise (sig);
}

int
main (void)
{
    signal (SIGABRT, s_on_abort);
    s_find_chromium ();
    if (!*s_chromium) {
        printf ("skipped: chromium not installed (deploy/install-deps.sh installs it)\n");
        return 77;
    }
    assert (seal_init () == ERR_OK);
    zsys_handler_set (NULL);
    assert (support_tmpdir (s_dir, "e2e-dashboard") == ERR_OK);
    s_port = support_free_port ();
    snprintf (s_h.extra [3], sizeof s_h.extra [3], "\"metrics_listen\": \"127.0.0.1:%d\",",
              s_port);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    test_the_province_dashboard_in_a_browser ();
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_dashboard: all passed\n");
    return 0;
}
