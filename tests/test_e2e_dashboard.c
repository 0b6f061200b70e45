/*  test_e2e_dashboard -- the operator's dashboard (node/serve/dashboard.h) in
    a real browser, on a real hierarchy: 2 counties -> city -> province.

    - Events published at both counties reach the province.  County 330106
      then changes its node signing key (its CURVE key stays, so it still
      connects) while its city holds the old one: the department it
      registers next and that department's events are held at the city
      (ERR_UNKNOWN_KEY, and "waits for held entry" behind the
      registration), as in test_e2e_quarantine.  County 330108 is stopped
      (SIGSTOP: its process is there, its link is silent).
    - Headless Chromium (Debian's chromium; deploy/install-deps.sh installs
      it) loads the dashboards from the nodes' own metrics listeners and
      runs their script.  While the entries are held: the city's page lists
      every held entry with the origin, seq, error and reason that `licctl
      quarantine list --json` of the city gives; the province's page shows
      every node below it with the state, head, lag and quarantined count
      that `licctl status --tree --json` of the province gives before and
      after the load (the stopped county SILENT with a lag of at least its
      silence and behind by at least the 6 entries its city holds, the
      city with its held entries counted), the link to the
      city, a lag chart per node and its own empty quarantine.
    - The cause removed (the city restarts with the county's new key: a
      rotation record, the held entries retried and applied): nothing held
      at the city, the county's entries and digest at the province, and
      the province's page agrees with its status again, the stopped county
      still SILENT with a lag grown since.
    - Then two registrations of 330106 are held at the city by the order
      of the county's statements (ERR_EXISTS, as in test_e2e_quarantine):
      the city's page lists them with their reasons, the province's page
      agrees with its status (the city's row counting 2 held; the county,
      streaming and saying it has no lag, behind by at least those 2: the
      city acked them, so the county's own uplink lag omits them, and the
      city's signed summary says it holds them).
      The city's operator releases one and rejects the other (licctl
      quarantine release|reject --reason): nothing held, equal digests,
      and the province's page agrees with its status again.  The stopped
      county stays SILENT throughout, its lag growing from page to page.
    - A screenshot of each state is saved in the test's log directory
      ($LOG_DIR, meson-logs/dashboard-city-held.png,
      dashboard-province-held.png, dashboard-province-resolved.png,
      dashboard-city-held-order.png, dashboard-province-held-order.png,
      dashboard-province-released.png).

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
#include <time.h>
#include <unistd.h>
#include <czmq.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "node/common/keyfile.h"
#include "tests/support/support.h"

#define SILENCE_S 15                //  SUBTREE_STALE_S: silent beyond this
#define FRESH_S 3                   //  METRICS_DASHBOARD_FRESH_S: the page's figures are
                                    //  at most this old when it fetches them
#define DOM_MAX (1 << 20)

static support_hier_t s_h;
static char s_dir [512];
static int s_port;                  //  the province's metrics and dashboard
static int s_city_port;             //  the city's
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

//  `licctl --json ARGS` at node n, parsed.
static json_t *
s_licctl_json (int n, const char *args)
{
    static char out [1 << 18];
    char cmd [1400];
    snprintf (cmd, sizeof cmd, "%s -d %s --json %s", support_licctl_path (), s_h.node [n].dir,
              args);
    assert (s_run (cmd, out, sizeof out) == 0);
    json_error_t err;
    json_t *j = json_loads (out, 0, &err);
    if (!j)
        fprintf (stderr, "licctl --json %s: %s\n%s\n", args, err.text, out);
    assert (j);
    return j;
}

//  `licctl --json status --tree` of the province, parsed.
static json_t *
s_tree_json (void)
{
    return s_licctl_json (3, "status --tree");
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
s_browser_dom (int port, char *dom, size_t size)
{
    char cmd [3000];
    for (int attempt = 0; attempt < 5; attempt++) {
        snprintf (cmd, sizeof cmd, "timeout 120 '%s' --headless %s --disable-gpu "
                  "--disable-dev-shm-usage --no-first-run --user-data-dir='%s/chrome' "
                  "--virtual-time-budget=8000 --dump-dom http://127.0.0.1:%d/ 2>'%s/chrome.log'",
                  s_chromium, geteuid () == 0? "--no-sandbox": "", s_dir, port, s_dir);
        int rc = s_run (cmd, dom, size);
        if (rc == 0 && strstr (dom, "data-ready=\"1\""))
            return;
        fprintf (stderr, "  chromium: exit %d, page not ready yet (attempt %d)\n", rc, attempt + 1);
    }
    fprintf (stderr, "chromium never rendered the dashboard; its DOM:\n%s\n", dom);
    assert (false);
}

//  A screenshot of the page at port for the operator's eyes, in the log
//  directory as name.
static void
s_screenshot (int port, const char *name)
{
    const char *logs = getenv ("LOG_DIR");
    char png [700], cmd [3000], out [256];
    snprintf (png, sizeof png, "%s/%s", logs && *logs? logs: s_dir, name);
    unlink (png);
    snprintf (cmd, sizeof cmd, "timeout 120 '%s' --headless %s --disable-gpu "
              "--disable-dev-shm-usage --no-first-run --user-data-dir='%s/chrome' "
              "--virtual-time-budget=8000 --window-size=1400,1600 --screenshot='%s' "
              "http://127.0.0.1:%d/ 2>>'%s/chrome.log'",
              s_chromium, geteuid () == 0? "--no-sandbox": "", s_dir, png, port, s_dir);
    assert (s_run (cmd, out, sizeof out) == 0);
    struct stat sb;
    assert (stat (png, &sb) == 0 && sb.st_size > 1000);
    printf ("  screenshot: %s (%lld bytes)\n", png, (long long) sb.st_size);
}

//  The <tr> of table id with the attribute text attr, copied into row.
static bool
s_row_with (const char *dom, const char *table, const char *attr, char *row, size_t size)
{
    char open [64];
    snprintf (open, sizeof open, "<table id=\"%s\"", table);
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

//  The <tr> of table id whose data-division is division, copied into row.
static bool
s_row (const char *dom, const char *table, const char *division, char *row, size_t size)
{
    char attr [64];
    snprintf (attr, sizeof attr, "data-division=\"%s\"", division);
    return s_row_with (dom, table, attr, row, size);
}

//  The text of the cell whose class attribute is exactly cls, in row (the
//  serializer's &amp; &lt; &gt; turned back into the characters).
static const char *
s_cell (const char *row, const char *cls)
{
    static char text [1024];
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
    const char *from [] = { "&amp;", "&lt;", "&gt;" }, to [] = { '&', '<', '>' };
    for (char *amp = strchr (text, '&'); amp; amp = strchr (amp + 1, '&'))
        for (int i = 0; i < 3; i++)
            if (strncmp (amp, from [i], strlen (from [i])) == 0) {
                *amp = to [i];
                memmove (amp + 1, amp + strlen (from [i]), strlen (amp + strlen (from [i])) + 1);
            }
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

//  Waits until the province holds every node, the counties silent[0]
//  (330106) and silent[1] (330108) silent, the others not, each of them
//  without lag and each county not silent with its current head.
static void
s_wait_all_seen (const bool silent [2])
{
    uint64_t heads [2] = { s_head (0), silent [1]? 0: s_head (1) };
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
            if (i > 0 && silent [i - 1])
                ok = ok && n && n->silent;
            else
                ok = ok && n && !n->silent && n->summary->uplink_lag == 0
                  && (i == 0 || n->summary->head_seq == heads [i - 1]);
        }
        codec_reply_free (&r);
        if (!ok)
            zclock_sleep (200);
    }
    if (!ok) {
        json_t *j = s_tree_json ();
        char *text = json_dumps (j, JSON_INDENT (1));
        fprintf (stderr, "the province's tree:\n%s\n", text);
        free (text);
        json_decref (j);
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
    if (!streq (state, state_b))
        fprintf (stderr, "%s: %s before the page, %s after\n", division, state, state_b);
    assert (streq (state, state_b));    //  no change while the page loaded
    assert (streq (s_cell (row, "state text"), state));
    int64_t head = s_cell_int (row, "head");
    assert (head >= s_int (na, "head_seq") && head <= s_int (nb, "head_seq"));
    int64_t lag = s_cell_int (row, "lag-s");
    assert (lag >= s_int (na, "lag_seconds") - FRESH_S && lag <= s_int (nb, "lag_seconds"));
    int64_t entries = s_cell_int (row, "lag-entries");
    assert (entries == s_int (na, "lag_entries") && entries == s_int (nb, "lag_entries"));
    int64_t held = s_cell_int (row, "quarantined");
    assert (held == s_int (na, "quarantined") && held == s_int (nb, "quarantined"));
    //  Coloured by lag.
    const char *cls = streq (state, "SILENT") || lag >= 3600? "lag-bad"
                    : lag >= 60? "lag-warn": "lag-ok";
    assert (strstr (row, cls));
    printf ("  %s: %s, head %" PRId64 ", lag %" PRId64 " entries, %" PRId64 " s (licctl: %"
            PRId64 "..%" PRId64 " s), %" PRId64 " held there\n", division, state, head, entries,
            lag, s_int (na, "lag_seconds"), s_int (nb, "lag_seconds"), held);
}

//  County 330106 stopped, its node signing key set to k's (a new one if k
//  has none yet; its CURVE key stays, so it still connects), restarted.
//  Its city is not told (it reads the county's node.pub when it starts).
static void
s_county_key (keyfile_t *k)
{
    support_node_t *county = &s_h.node [0];
    assert (support_node_stop (county, SIGTERM) == 0);
    char path [700];
    keyfile_t old;
    snprintf (path, sizeof path, "%s/node.key", county->dir);
    assert (keyfile_load (&old, path) == ERR_OK && old.has_secret);
    if (!k->has_secret)
        assert (keyfile_generate (k, old.code, old.name) == ERR_OK);
    memcpy (k->curve_pk, old.curve_pk, sizeof k->curve_pk);
    memcpy (k->curve_sk, old.curve_sk, sizeof k->curve_sk);
    memcpy (k->endpoint, old.endpoint, sizeof k->endpoint);
    assert (keyfile_save (k, path, true) == ERR_OK);
    snprintf (path, sizeof path, "%s/node.pub", county->dir);
    assert (keyfile_save (k, path, false) == ERR_OK);
    assert (support_node_restart (county) == ERR_OK);
}

static keyfile_t s_k2, s_k3;        //  county 330106's second and third node keys

//  Waits until the city holds `want` entries (licctl quarantine list).
static void
s_wait_city_holds (int64_t want)
{
    int64_t deadline = support_now_us () + 60 * 1000000LL, total = -1;
    while (support_now_us () < deadline) {
        json_t *q = s_licctl_json (2, "quarantine list");
        total = s_int (q, "total");
        json_decref (q);
        if (total == want)
            break;
        zclock_sleep (200);
    }
    if (total != want)
        fprintf (stderr, "the city holds %" PRId64 " entries, expected %" PRId64 "\n", total, want);
    assert (total == want);
}

//  Waits until the province counts `want` entries of county 330106 held
//  at or above its city in the county's lag (held_above; lag_entries at
//  least that), and the city counts them in its child's lag (held).
static void
s_wait_held_above (int64_t want)
{
    int64_t deadline = support_now_us () + 60 * 1000000LL;
    bool ok = false;
    while (!ok && support_now_us () < deadline) {
        json_t *j = s_tree_json ();
        json_t *n = s_below (j, "330106");
        ok = n && s_int (n, "held_above") == want && s_int (n, "lag_entries") >= want;
        json_t *city = s_licctl_json (2, "status");
        size_t i;
        json_t *c;
        json_array_foreach (json_object_get (city, "children"), i, c)
            if (streq (json_string_value (json_object_get (c, "division")), "330106"))
                ok = ok && s_int (c, "held") == want && s_int (c, "lag_entries") >= want;
        if (!ok && support_now_us () >= deadline - 200000) {
            char *text = json_dumps (j, JSON_INDENT (1));
            fprintf (stderr, "330106 held above %" PRId64 " expected; the province's tree:\n%s\n",
                     want, text);
            free (text);
        }
        json_decref (city);
        json_decref (j);
        if (!ok)
            zclock_sleep (200);
    }
    assert (ok);
}

//  The province's page in the browser against its `status --tree --json`
//  before and after the load: every node below, the link to the city,
//  a chart per node, its own (empty) quarantine.  The stopped county's
//  lag seconds as the page showed them.
static char s_dom [DOM_MAX];        //  the province's page as last rendered

static int64_t
s_check_province (void)
{
    char *dom = s_dom;
    json_t *before = s_tree_json ();
    s_browser_dom (s_port, dom, DOM_MAX);
    json_t *after = s_tree_json ();
    assert (strlen (dom) + 1 < DOM_MAX);

    //  This node's own row, then each node below it.
    char row [4096];
    assert (s_row (dom, "tree", "330000", row, sizeof row));
    assert (streq (s_cell (row, "state text"), "none"));
    s_check_node (dom, before, after, "330100");
    s_check_node (dom, before, after, "330106");
    s_check_node (dom, before, after, "330108");
    assert (json_array_size (json_object_get (before, "subtree")) == 3);
    assert (s_row (dom, "tree", "330108", row, sizeof row));
    int64_t silent_lag = s_cell_int (row, "lag-s");
    assert (streq (s_cell (row, "state text"), "SILENT") && silent_lag >= SILENCE_S);
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
    //  Nothing quarantined at the province itself, and the page says so.
    assert (s_int (before, "quarantined") == 0 && s_int (after, "quarantined") == 0);
    assert (strstr (dom, "0 entries held back here"));
    assert (strstr (dom, "<table id=\"handshakes\""));
    json_decref (before);
    json_decref (after);
    return silent_lag;
}

//  The city's page in the browser: its quarantine list is what `licctl
//  quarantine list --json` of the city gives, entry by entry (origin,
//  seq, error, reason), and its count.
static void
s_check_city_held (int64_t want, const char *code, const char *reason_a, const char *reason_b)
{
    static char dom [DOM_MAX];
    s_browser_dom (s_city_port, dom, sizeof dom);
    json_t *q = s_licctl_json (2, "quarantine list");
    assert (s_int (q, "total") == want);
    char summary [80];
    snprintf (summary, sizeof summary, "%" PRId64 " entries held back here", want);
    assert (strstr (dom, summary));
    json_t *items = json_object_get (q, "items"), *it;
    size_t i;
    assert ((int64_t) json_array_size (items) == want);
    json_array_foreach (items, i, it) {
        char attr [96], row [4096];
        snprintf (attr, sizeof attr, "data-origin=\"%s\" data-origin-seq=\"%" PRId64 "\"",
                  json_string_value (json_object_get (it, "origin")), s_int (it, "origin_seq"));
        assert (s_row_with (dom, "quarantine", attr, row, sizeof row));
        assert (streq (s_cell (row, "origin text"), json_string_value (json_object_get (it, "origin"))));
        assert (s_cell_int (row, "origin-seq") == s_int (it, "origin_seq"));
        assert (streq (s_cell (row, "code text"), json_string_value (json_object_get (it, "code"))));
        assert (streq (s_cell (row, "code text"), code));
        const char *reason = json_string_value (json_object_get (it, "reason"));
        assert (streq (s_cell (row, "reason text"), reason));
        assert (strstr (reason, reason_a) || strstr (reason, reason_b));
        printf ("  the city's page: held 330106/%" PRId64 " %s\n", s_int (it, "origin_seq"), reason);
    }
    json_decref (q);
}

//  Equal digests of origin 330106 at the county and the province.
static bool
s_digest_at_province (void)
{
    uint8_t want [32], got [32];
    uint64_t n_want, n_got;
    assert (support_digest (&s_h.node [0], "330106", want, &n_want) == ERR_OK);
    assert (support_digest (&s_h.node [3], "330106", got, &n_got) == ERR_OK);
    return n_want == n_got && memcmp (want, got, 32) == 0;
}

//  Registers department n at county 330106 (no type of its own): the
//  county's origin seq of the registration.
static uint64_t
s_register_at_county (uint32_t n)
{
    licclient_t *admin = NULL;
    support_dept_t d;
    assert (support_admin (&admin, &s_h.node [0]) == ERR_OK);
    assert (support_dept_make (&d, n, s_dir) == ERR_OK);
    assert (support_register_department (admin, &d) == ERR_OK);
    licclient_destroy (&admin);
    return s_head (0);
}

//  Waits until the city holds exactly `want` entries, each with code.
static void
s_wait_city_holds_code (size_t want, const char *code)
{
    int64_t deadline = support_now_us () + 60 * 1000000LL;
    bool ok = false;
    while (!ok && support_now_us () < deadline) {
        json_t *q = s_licctl_json (2, "quarantine list"), *items = json_object_get (q, "items"), *it;
        size_t i;
        ok = json_array_size (items) == want;
        json_array_foreach (items, i, it)
            ok = ok && streq (json_string_value (json_object_get (it, "code")), code);
        json_decref (q);
        if (!ok)
            zclock_sleep (200);
    }
    assert (ok);
}

//  licctl ARGS at the city; its exit status, its output in out.
static int
s_licctl_city (const char *args, char *out, size_t size)
{
    char cmd [1400];
    snprintf (cmd, sizeof cmd, "%s -d %s %s 2>&1", support_licctl_path (), s_h.node [2].dir, args);
    return s_run (cmd, out, size);
}

//  Waits until the province shows the stopped county's lag beyond lag
//  plus the page's freshness bound.
static void
s_wait_lag_beyond (int64_t lag)
{
    int64_t deadline = support_now_us () + 60 * 1000000LL, now_lag = 0;
    while (support_now_us () < deadline) {
        json_t *j = s_tree_json ();
        now_lag = s_int (s_below (j, "330108"), "lag_seconds");
        json_decref (j);
        if (now_lag > lag + FRESH_S)
            break;
        zclock_sleep (500);
    }
    assert (now_lag > lag + FRESH_S);
}

//  After the city restarted: waits until county 330106 streams to the city
//  that runs now (the city welcomed its Hello: the county no longer
//  streams on the session of the city that stopped, which it would leave
//  later) and the province holds a summary of it made after that.
static void
s_wait_county_reconnected (void)
{
    int64_t deadline = support_now_us () + 60 * 1000000LL;
    bool ok = false;
    while (!ok && support_now_us () < deadline) {
        Lic__Reply *city = NULL, *county = NULL;
        assert (support_status (&s_h.node [2], &city) == ERR_OK);
        assert (support_status (&s_h.node [0], &county) == ERR_OK);
        ok = streq (county->status->uplink_state, "streaming");
        bool welcomed = false;
        for (size_t i = 0; i < city->status->n_children; i++)
            if (streq (city->status->children [i]->division, "330106"))
                welcomed = city->status->children [i]->connected;
        ok = ok && welcomed;
        codec_reply_free (&city);
        codec_reply_free (&county);
        if (!ok)
            zclock_sleep (200);
    }
    assert (ok);
    int64_t since = (int64_t) time (NULL);
    ok = false;
    while (!ok && support_now_us () < deadline) {
        json_t *j = s_tree_json ();
        json_t *n = s_below (j, "330106");
        ok = n && s_int (n, "made_at") > since && !json_is_true (json_object_get (n, "silent"));
        json_decref (j);
        if (!ok)
            zclock_sleep (200);
    }
    assert (ok);
}

static void
test_the_dashboards_in_a_browser (void)
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
    s_wait_all_seen ((bool [2]) { false, false });
    assert (s_digest_at_province ());

    //  County 330106 takes a new node key its city does not know: what it
    //  signs with it, and the events of the department it registers, are
    //  held at the city.
    s_county_key (&s_k2);
    support_dept_t d2;
    assert (support_dept_make (&d2, 62, s_dir) == ERR_OK);
    assert (support_admin (&admin, &s_h.node [0]) == ERR_OK);
    assert (support_register (admin, &d2) == ERR_OK);       //  its type, then itself
    licclient_destroy (&admin);
    assert (support_client (&c, &s_h.node [0], &d2) == ERR_OK);
    assert (support_publish (c, &d2, 1, 2, 1) == 4);
    licclient_destroy (&c);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    s_wait_city_holds (6);
    printf (" the city holds 6 entries\n");
    assert (!s_digest_at_province ());

    //  County 330108 stopped: its process holds its sockets, says nothing.
    assert (kill (s_h.node [1].pid, SIGSTOP) == 0);
    s_wait_silent ("330108");
    //  330106's summaries are signed by its new key too: the city cannot
    //  take them, so above it the county falls silent, its lag growing
    //  from when it was last heard.
    s_wait_all_seen ((bool [2]) { true, true });
    //  Honest lag: the 6 entries the city acked but holds count in the
    //  county's lag at the city and at the province.
    s_wait_held_above (6);

    printf (" held at the city, 330108 stopped:\n");
    s_check_city_held (6, "ERR_UNKNOWN_KEY", "is not signed by the key of node 330106",
                       "; waits for held entry 330106/");
    s_screenshot (s_city_port, "dashboard-city-held.png");
    int64_t lag_held = s_check_province ();
    //  At the province: the city holds 6, the held county is silent (red)
    //  with the head it was last heard with, not the one it has now.
    char row [4096];
    assert (s_row (s_dom, "tree", "330100", row, sizeof row));
    assert (s_cell_int (row, "quarantined") == 6);
    assert (s_row (s_dom, "tree", "330106", row, sizeof row));
    assert (streq (s_cell (row, "state text"), "SILENT") && s_cell_int (row, "lag-s") >= SILENCE_S);
    assert ((uint64_t) s_cell_int (row, "head") < s_head (0) && strstr (row, "lag-bad"));
    assert (s_cell_int (row, "lag-entries") >= 6);
    s_screenshot (s_port, "dashboard-province-held.png");

    //  The cause removed: the city restarts and takes the county's new
    //  key; the held entries are retried and applied, and travel up.
    assert (support_node_stop (&s_h.node [2], SIGTERM) == 0);
    assert (support_node_restart (&s_h.node [2]) == ERR_OK);
    s_wait_city_holds (0);
    int64_t deadline = support_now_us () + 60 * 1000000LL;
    while (!s_digest_at_province () && support_now_us () < deadline)
        zclock_sleep (200);
    assert (s_digest_at_province ());
    s_wait_county_reconnected ();
    s_wait_all_seen ((bool [2]) { false, true });

    //  The stopped county's lag grown beyond what the first page showed,
    //  even counting the page's freshness bound.
    s_wait_lag_beyond (lag_held);
    s_wait_held_above (0);
    printf (" resolved, 330108 still stopped:\n");
    s_check_city_held (0, "", "", "");
    int64_t lag_resolved = s_check_province ();
    assert (lag_resolved > lag_held);
    //  At the province: nothing held at the city, the county streaming
    //  again with its current head and no lag.
    assert (s_row (s_dom, "tree", "330100", row, sizeof row));
    assert (s_cell_int (row, "quarantined") == 0);
    assert (s_row (s_dom, "tree", "330106", row, sizeof row));
    assert (streq (s_cell (row, "state text"), "streaming") && s_cell_int (row, "lag-s") == 0);
    assert ((uint64_t) s_cell_int (row, "head") == s_head (0) && strstr (row, "lag-ok"));
    assert (s_cell_int (row, "lag-entries") == 0);
    s_screenshot (s_port, "dashboard-province-resolved.png");

    //  Two registrations signed by a key the city learns only after a
    //  later registration of the county was applied there: held by the
    //  order of the county's statements (ERR_EXISTS), as in
    //  test_e2e_quarantine, with the county's summaries passing again.
    uint64_t seq3, seq4, seq5;
    s_county_key (&s_k3);                               //  the city has k2
    seq3 = s_register_at_county (63);
    seq4 = s_register_at_county (64);
    s_county_key (&s_k2);
    seq5 = s_register_at_county (65);                   //  applied at the city
    s_wait_city_holds_code (2, "ERR_UNKNOWN_KEY");
    s_county_key (&s_k3);
    assert (support_node_stop (&s_h.node [2], SIGTERM) == 0);
    assert (support_node_restart (&s_h.node [2]) == ERR_OK);
    s_wait_city_holds_code (2, "ERR_EXISTS");
    s_wait_county_reconnected ();
    s_wait_all_seen ((bool [2]) { false, true });
    s_wait_lag_beyond (lag_resolved);
    s_wait_held_above (2);
    char applied [64];
    snprintf (applied, sizeof applied, "statement %" PRIu64 " was applied here", seq5);
    printf (" held by statement order at the city, 330108 still stopped:\n");
    s_check_city_held (2, "ERR_EXISTS", applied, applied);
    s_screenshot (s_city_port, "dashboard-city-held-order.png");
    int64_t lag_order = s_check_province ();
    assert (s_row (s_dom, "tree", "330100", row, sizeof row));
    assert (s_cell_int (row, "quarantined") == 2);
    //  The county streams and says it has no lag, but the province counts
    //  the 2 entries its city holds in its lag.
    assert (s_row (s_dom, "tree", "330106", row, sizeof row));
    assert (streq (s_cell (row, "state text"), "streaming") && s_cell_int (row, "lag-entries") >= 2);
    s_screenshot (s_port, "dashboard-province-held-order.png");

    //  The city's operator releases one and rejects the other.
    char out [4096], args [256];
    snprintf (args, sizeof args, "quarantine release 330106 %" PRIu64 " --reason \"registered "
              "before 65: confirmed with the county\"", seq3);
    assert (s_licctl_city (args, out, sizeof out) == 0 && strstr (out, "released 330106/"));
    snprintf (args, sizeof args, "quarantine reject 330106 %" PRIu64 " --reason \"registered "
              "by mistake\"", seq4);
    assert (s_licctl_city (args, out, sizeof out) == 0 && strstr (out, "rejected 330106/"));
    s_wait_city_holds (0);
    deadline = support_now_us () + 60 * 1000000LL;
    while (!s_digest_at_province () && support_now_us () < deadline)
        zclock_sleep (200);
    assert (s_digest_at_province ());
    s_wait_all_seen ((bool [2]) { false, true });
    s_wait_lag_beyond (lag_order);
    s_wait_held_above (0);
    printf (" released and rejected, 330108 still stopped:\n");
    s_check_city_held (0, "", "", "");
    int64_t lag_released = s_check_province ();
    assert (lag_released > lag_order);
    assert (s_row (s_dom, "tree", "330100", row, sizeof row));
    assert (s_cell_int (row, "quarantined") == 0);
    assert (s_row (s_dom, "tree", "330106", row, sizeof row));
    assert (streq (s_cell (row, "state text"), "streaming") && s_cell_int (row, "lag-s") == 0);
    assert ((uint64_t) s_cell_int (row, "head") == s_head (0) && strstr (row, "lag-ok"));
    assert (s_cell_int (row, "lag-entries") == 0);
    s_screenshot (s_port, "dashboard-province-released.png");

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
    setvbuf (stdout, NULL, _IOLBF, 0);
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
    s_city_port = support_free_port ();
    snprintf (s_h.extra [2], sizeof s_h.extra [2], "\"metrics_listen\": \"127.0.0.1:%d\",",
              s_city_port);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    test_the_dashboards_in_a_browser ();
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_dashboard: all passed\n");
    return 0;
}
