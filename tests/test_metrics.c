/*  test_metrics.c -- the Prometheus text (exact lines from hand-filled
    figures, histogram shape, label escaping, HELP/TYPE for every
    family), the RocksDB figures of a real store, the HTTP endpoint over
    a plain socket (503 before the first text, updates visible, 404,
    405, idle connections do not block a scrape, nor do 20 slow-loris
    connections, which are evicted or closed by the deadline) and the listen
    addresses it accepts, refuses and takes from the configuration.
    The dashboard served beside them (node/serve/dashboard.h): its assets
    name nothing outside the node, the page's headers forbid it, the lag
    history keeps a minute's largest lag for 6 hours and no more series
    than its bound, /dashboard.json carries the status as licctl prints it
    and the quarantine of a real store, and is rendered only once asked.
    The same-day rule (node/serve/lateness.h) at the day's edges (UTC+8)
    and its counter: licrepo_late_events_total{issuer} for every
    department counted, the first LATENESS_ISSUERS_MAX (16,384) by name and the rest as "other".
*/
#undef NDEBUG
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "node/common/licjson.h"
#include "node/base/config.h"
#include "node/serve/dashboard.h"
#include "node/pipeline/lateness.h"
#include "node/serve/metrics.h"

// ---------------------------------------------------------------------
//  Figures

typedef struct {
    Lic__NodeStatus ns;
    Lic__ChildStatus child [2];
    Lic__ChildStatus *children [2];
    ingest_stats_t st;
} s_fig_t;

static void
s_fill (s_fig_t *f)
{
    memset (f, 0, sizeof *f);
    lic__node_status__init (&f->ns);
    f->ns.division = "330100";
    f->ns.parent_division = "330000";
    f->ns.head_seq = 1234;
    f->ns.started_at = 1795000000;
    f->ns.departments = 7;
    f->ns.licenses = 900;
    f->ns.quarantined = 2;
    f->ns.uplink_state = "streaming";
    f->ns.uplink_acked = 1200;
    f->ns.uplink_lag = 34;
    f->ns.uplink_lag_seconds = 3;
    f->ns.published = 100;
    f->ns.rejected = 9;         //  6 refused publishes + 3 bad frames
    static const char *divs [2] = { "330106", "330108" };
    for (int i = 0; i < 2; i++) {
        lic__child_status__init (&f->child [i]);
        f->child [i].division = (char *) divs [i];
        f->children [i] = &f->child [i];
    }
    f->child [0].acked_seq = 42;
    f->child [0].child_head = 50;
    f->child [0].held = 3;          //  held here: the node counts them in its lag
    f->child [0].lag = 11;
    f->child [0].last_contact = 1795000100;
    f->child [0].lag_seconds = 12;
    f->child [0].connected = true;
    f->child [0].checkpoint_size = 40;
    f->child [1].acked_seq = 7;
    f->child [1].child_head = 7;
    f->ns.children = f->children;
    f->ns.n_children = 2;
    f->st.published = 100;
    f->st.duplicates = 5;
    f->st.rejected = 6;
    f->st.publish_frames = 41;
    f->st.verifies = 1234;
    f->st.verify_ns = 2500000000;
    f->st.rejected_by_code [ERR_BAD_SIGNATURE] = 4;
    f->st.rejected_by_code [ERR_ILLEGAL_OP] = 2;
    f->st.applied = 77;
    f->st.skipped = 1;
    f->st.quarantined = 2;
    f->st.write_errors = 1;
    //  Cumulative, as ingest keeps them: 10 writes.
    static const uint64_t cum [INGEST_FSYNC_BUCKETS] = { 0, 1, 3, 3, 6, 8, 9, 9, 9, 10, 10, 10 };
    memcpy (f->st.fsync_buckets, cum, sizeof cum);
    f->st.fsync_count = 10;
    f->st.fsync_sum_s = 0.0421;
}

//  True if text holds line as a whole line.
static bool
s_has_line (const char *text, const char *line)
{
    size_t n = strlen (line);
    for (const char *p = strstr (text, line); p; p = strstr (p + 1, line))
        if ((p == text || p [-1] == '\n') && p [n] == '\n')
            return true;
    return false;
}

static void
s_expect (const char *text, const char *line)
{
    if (!s_has_line (text, line))
        fprintf (stderr, "missing line: %s\n--- text:\n%s", line, text);
    assert (s_has_line (text, line));
}

static void
test_render_gives_exact_node_uplink_and_child_lines (void)
{
    s_fig_t f;
    s_fill (&f);
    char *text = metrics_render (&f.ns, &f.st, NULL, NULL);
    assert (text);
    s_expect (text, "licrepo_node_info{division=\"330100\",parent=\"330000\"} 1");
    s_expect (text, "licrepo_head_seq 1234");
    s_expect (text, "licrepo_start_time_seconds 1795000000");
    s_expect (text, "licrepo_departments 7");
    s_expect (text, "licrepo_licenses_estimate 900");
    s_expect (text, "licrepo_quarantined 2");
    s_expect (text, "licrepo_uplink_up 1");
    s_expect (text, "licrepo_uplink_acked_seq 1200");
    s_expect (text, "licrepo_uplink_lag_entries 34");
    s_expect (text, "licrepo_uplink_lag_seconds 3");
    s_expect (text, "licrepo_child_acked_seq{child=\"330106\"} 42");
    s_expect (text, "licrepo_child_acked_seq{child=\"330108\"} 7");
    s_expect (text, "licrepo_child_head_seq{child=\"330106\"} 50");
    s_expect (text, "licrepo_child_lag_entries{child=\"330106\"} 11");
    s_expect (text, "licrepo_child_lag_entries{child=\"330108\"} 0");
    s_expect (text, "licrepo_child_lag_seconds{child=\"330106\"} 12");
    s_expect (text, "licrepo_child_last_contact_timestamp_seconds{child=\"330106\"} 1795000100");
    s_expect (text, "licrepo_child_last_contact_timestamp_seconds{child=\"330108\"} 0");
    s_expect (text, "licrepo_child_connected{child=\"330106\"} 1");
    s_expect (text, "licrepo_child_connected{child=\"330108\"} 0");
    s_expect (text, "licrepo_child_checkpoint_size{child=\"330106\"} 40");
    s_expect (text, "# TYPE licrepo_child_acked_seq gauge");
    assert (!strstr (text, "rocksdb"));
    free (text);

    f.ns.uplink_state = "connecting";
    text = metrics_render (&f.ns, &f.st, NULL, NULL);
    s_expect (text, "licrepo_uplink_up 0");
    free (text);
}

static void
test_render_counts_by_reason_with_every_named_code (void)
{
    s_fig_t f;
    s_fill (&f);
    char *text = metrics_render (&f.ns, &f.st, NULL, NULL);
    assert (text);
    s_expect (text, "# TYPE licrepo_published_total counter");
    s_expect (text, "licrepo_published_total 100");
    s_expect (text, "licrepo_duplicates_total 5");
    s_expect (text, "# TYPE licrepo_publish_frames_total counter");
    s_expect (text, "licrepo_publish_frames_total 41");
    s_expect (text, "# TYPE licrepo_signature_checks_total counter");
    s_expect (text, "licrepo_signature_checks_total 1234");
    s_expect (text, "# TYPE licrepo_signature_check_cpu_seconds_total counter");
    s_expect (text, "licrepo_signature_check_cpu_seconds_total 2.500000");
    s_expect (text, "licrepo_applied_total 77");
    s_expect (text, "licrepo_skipped_total 1");
    s_expect (text, "licrepo_quarantined_total 2");
    s_expect (text, "licrepo_write_errors_total 1");
    s_expect (text, "# TYPE licrepo_rejected_total counter");
    s_expect (text, "licrepo_rejected_total{reason=\"ERR_BAD_SIGNATURE\"} 4");
    s_expect (text, "licrepo_rejected_total{reason=\"ERR_ILLEGAL_OP\"} 2");
    s_expect (text, "licrepo_rejected_total{reason=\"ERR_MALFORMED\"} 0");
    s_expect (text, "licrepo_rejected_total{reason=\"ERR_INTERNAL\"} 0");
    s_expect (text, "licrepo_bad_frames_total 3");
    assert (!strstr (text, "reason=\"ERR_UNKNOWN\""));
    s_expect (text, "licrepo_rejected_total{reason=\"ERR_UNKNOWN_KEY\"} 0");
    assert (!strstr (text, "reason=\"OK\""));
    free (text);
}

static void
test_render_histogram_is_cumulative_and_inf_equals_count (void)
{
    s_fig_t f;
    s_fill (&f);
    char *text = metrics_render (&f.ns, &f.st, NULL, NULL);
    assert (text);
    s_expect (text, "# TYPE licrepo_fsync_seconds histogram");
    s_expect (text, "licrepo_fsync_seconds_bucket{le=\"0.0001\"} 0");
    s_expect (text, "licrepo_fsync_seconds_bucket{le=\"0.00025\"} 1");
    s_expect (text, "licrepo_fsync_seconds_bucket{le=\"0.001\"} 3");
    s_expect (text, "licrepo_fsync_seconds_bucket{le=\"0.25\"} 10");
    s_expect (text, "licrepo_fsync_seconds_bucket{le=\"+Inf\"} 10");
    s_expect (text, "licrepo_fsync_seconds_sum 0.042100");
    s_expect (text, "licrepo_fsync_seconds_count 10");
    //  Bounds rise, counts never fall, +Inf last and equal to _count.
    int buckets = 0;
    double last_le = -1;
    unsigned long long last = 0, inf = 0, count = 0;
    for (const char *p = strstr (text, "licrepo_fsync_seconds_bucket"); p;
         p = strstr (p + 1, "licrepo_fsync_seconds_bucket")) {
        char le [32];
        unsigned long long v;
        assert (sscanf (p, "licrepo_fsync_seconds_bucket{le=\"%31[^\"]\"} %llu", le, &v) == 2);
        assert (v >= last);
        last = v;
        buckets++;
        if (strcmp (le, "+Inf") == 0)
            inf = v;
        else {
            assert (inf == 0 && strtod (le, NULL) > last_le);
            last_le = strtod (le, NULL);
        }
    }
    assert (buckets == INGEST_FSYNC_BUCKETS);
    assert (sscanf (strstr (text, "licrepo_fsync_seconds_count "),
                    "licrepo_fsync_seconds_count %llu", &count) == 1);
    assert (inf == count && count == 10);
    free (text);
}

static void
test_render_leaves_out_uplink_at_the_top_and_children_when_none (void)
{
    s_fig_t f;
    s_fill (&f);
    f.ns.uplink_state = "none";
    f.ns.parent_division = "";
    f.ns.n_children = 0;
    char *text = metrics_render (&f.ns, &f.st, NULL, NULL);
    assert (text);
    assert (!strstr (text, "licrepo_uplink_"));
    assert (!strstr (text, "licrepo_child_"));
    s_expect (text, "licrepo_node_info{division=\"330100\",parent=\"\"} 1");
    free (text);
}

static void
test_render_escapes_label_values (void)
{
    s_fig_t f;
    s_fill (&f);
    f.child [1].division = "a\"b\\c\nd";
    char *text = metrics_render (&f.ns, &f.st, NULL, NULL);
    assert (text);
    s_expect (text, "licrepo_child_acked_seq{child=\"a\\\"b\\\\c\\nd\"} 7");
    free (text);
}

//  Every sample belongs to a family announced by HELP and TYPE before it.
//  Every socket and reason with zeros (so rate() sees a first refusal),
//  the counts where they belong, "other" only once it counted.
static void
test_render_counts_handshake_refusals_by_socket_and_reason (void)
{
    s_fig_t f;
    s_fill (&f);
    zap_stats_t hs;
    memset (&hs, 0, sizeof hs);
    hs.refused [ZAP_SOCKET_CLIENT][ZAP_REVOKED_KEY] = 3;
    hs.refused [ZAP_SOCKET_QUERY][ZAP_WRONG_SOCKET] = 2;
    hs.refused [ZAP_SOCKET_REPLICATION][ZAP_UNKNOWN_KEY] = 5;
    char *text = metrics_render (&f.ns, &f.st, NULL, &hs);
    assert (text);
    s_expect (text, "# TYPE licrepo_handshake_refused_total counter");
    s_expect (text, "licrepo_handshake_refused_total{socket=\"client\",reason=\"revoked_key\"} 3");
    s_expect (text, "licrepo_handshake_refused_total{socket=\"client\",reason=\"unknown_key\"} 0");
    s_expect (text, "licrepo_handshake_refused_total{socket=\"client\",reason=\"wrong_socket\"} 0");
    s_expect (text, "licrepo_handshake_refused_total{socket=\"client\",reason=\"not_curve\"} 0");
    s_expect (text, "licrepo_handshake_refused_total{socket=\"query\",reason=\"wrong_socket\"} 2");
    s_expect (text, "licrepo_handshake_refused_total{socket=\"query\",reason=\"revoked_key\"} 0");
    s_expect (text, "licrepo_handshake_refused_total{socket=\"replication\",reason=\"unknown_key\"} 5");
    assert (!strstr (text, "socket=\"other\""));
    assert (!strstr (text, "reason=\"admitted\""));
    free (text);
    hs.refused [ZAP_SOCKET_OTHER][ZAP_NOT_CURVE] = 1;
    text = metrics_render (&f.ns, &f.st, NULL, &hs);
    s_expect (text, "licrepo_handshake_refused_total{socket=\"other\",reason=\"not_curve\"} 1");
    free (text);
    //  Without the handler's figures, no such family.
    text = metrics_render (&f.ns, &f.st, NULL, NULL);
    assert (!strstr (text, "licrepo_handshake_refused_total"));
    free (text);
}

static void
test_render_announces_every_family (void)
{
    s_fig_t f;
    s_fill (&f);
    metrics_store_t db = { .sst_bytes = 1 };
    zap_stats_t hs = { .refused [ZAP_SOCKET_OTHER][ZAP_NOT_CURVE] = 1 };
    char *text = metrics_render (&f.ns, &f.st, &db, &hs);
    assert (text);
    assert (strstr (text, "licrepo_handshake_refused_total{"));
    char family [128] = "";
    int samples = 0;
    for (char *line = text; *line; line = strchr (line, '\n') + 1) {
        char name [128];
        assert (strchr (line, '\n'));
        if (sscanf (line, "# TYPE %127s", name) == 1) {
            assert (strlen (name) < sizeof family);
            snprintf (family, sizeof family, "%s", name);
            continue;
        }
        if (line [0] == '#') {
            assert (strncmp (line, "# HELP licrepo_", 15) == 0);
            continue;
        }
        assert (sscanf (line, "%127[^{ ]", name) == 1);
        assert (strncmp (name, family, strlen (family)) == 0);
        const char *rest = name + strlen (family);
        assert (!*rest || strcmp (rest, "_bucket") == 0 || strcmp (rest, "_sum") == 0
                || strcmp (rest, "_count") == 0);
        samples++;
    }
    assert (samples > 60);
    free (text);
}

static void
test_render_gives_rocksdb_figures (void)
{
    s_fig_t f;
    s_fill (&f);
    metrics_store_t db = { .sst_bytes = 1000, .live_data_bytes = 900, .memtable_bytes = 64,
                           .block_cache_bytes = 4096, .block_cache_pinned = 512,
                           .blob_bytes = 7000, .blob_garbage = 300, .blob_gc_passes = 2,
                           .blob_gc_failures = 1 };
    db.keys [STORE_CF_LOG] = 1234;
    db.keys [STORE_CF_LICENSE] = 900;
    db.keys [STORE_CF_QUARANTINE] = 2;
    char *text = metrics_render (&f.ns, &f.st, &db, NULL);
    assert (text);
    s_expect (text, "licrepo_rocksdb_sst_bytes 1000");
    s_expect (text, "licrepo_rocksdb_live_data_bytes 900");
    s_expect (text, "licrepo_rocksdb_memtable_bytes 64");
    s_expect (text, "licrepo_rocksdb_block_cache_bytes 4096");
    s_expect (text, "licrepo_rocksdb_block_cache_pinned_bytes 512");
    s_expect (text, "licrepo_file_blob_bytes 7000");
    s_expect (text, "licrepo_file_blob_garbage_bytes 300");
    s_expect (text, "licrepo_file_blob_gc_passes_total 2");
    s_expect (text, "licrepo_file_blob_gc_failures_total 1");
    s_expect (text, "licrepo_rocksdb_estimate_keys{cf=\"log\"} 1234");
    s_expect (text, "licrepo_rocksdb_estimate_keys{cf=\"license\"} 900");
    s_expect (text, "licrepo_rocksdb_estimate_keys{cf=\"quarantine\"} 2");
    s_expect (text, "licrepo_rocksdb_estimate_keys{cf=\"audit\"} 0");
    free (text);
}

static int
s_unlink (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove (path);
}

static void
test_store_fill_reads_a_real_store (void)
{
    char dir [] = "/tmp/test_metrics.XXXXXX";
    assert (mkdtemp (dir));
    char path [64], why [256] = "";
    snprintf (path, sizeof path, "%s/db", dir);
    store_cfg_t cfg = { .cache_mb = 8, .create = true };
    store_t *store = NULL;
    assert (store_open (&store, path, &cfg, why, sizeof why) == ERR_OK);
    store_batch_t *batch = store_batch_new (store);
    for (uint64_t seq = 1; seq <= 3; seq++) {
        uint8_t key [8];
        store_put_u64 (key, seq);
        store_batch_put (batch, STORE_CF_LOG, key, 8, "entry", 5);
    }
    assert (store_write (store, batch, true) == ERR_OK);
    store_batch_destroy (&batch);
    metrics_store_t db;
    memset (&db, 0xFF, sizeof db);
    metrics_store_fill (&db, store);
    assert (db.keys [STORE_CF_LOG] == 3);
    assert (db.keys [STORE_CF_LICENSE] == 0);
    assert (db.memtable_bytes > 0);
    assert (db.sst_bytes < (1ull << 40) && db.block_cache_bytes < (1ull << 40));
    //  Filled from the store (the 0xFF pattern gone): a fresh store has
    //  no blob file, no garbage and no pass.
    assert (db.block_cache_pinned <= db.block_cache_bytes);
    assert (db.blob_bytes == 0 && db.blob_garbage == 0);
    assert (db.blob_gc_passes == 0 && db.blob_gc_failures == 0);
    store_destroy (&store);
    assert (nftw (dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS) == 0);
}

// ---------------------------------------------------------------------
//  Dashboard

static void
test_dashboard_assets_name_nothing_elsewhere (void)
{
    const char *urls [] = { "/", "/dashboard", "/dashboard.css", "/dashboard.js" };
    for (size_t i = 0; i < sizeof urls / sizeof urls [0]; i++) {
        const dashboard_asset_t *a = dashboard_asset (urls [i]);
        assert (a && a->len > 100 && a->data [a->len] == 0);
        const char *text = (const char *) a->data;
        assert (strlen (text) == a->len);
        //  The one URL with a scheme is SVG's namespace name, never fetched.
        for (const char *p = strstr (text, "://"); p; p = strstr (p + 3, "://"))
            assert (p - text >= 4 && strncmp (p - 4, "http://www.w3.org/2000/svg", 26) == 0);
        assert (!strstr (text, "@import") && !strstr (text, "url("));
        assert (!strstr (text, "//cdn") && !strstr (text, "src=\"//"));
    }
    const char *page = (const char *) dashboard_asset ("/")->data;
    assert (strstr (page, "<script src=\"/dashboard.js\"></script>"));
    assert (strstr (page, "href=\"/dashboard.css\""));
    assert (!strstr (page, "<script>") && !strstr (page, "style=\""));
    assert (dashboard_asset ("/dashboard.json") == NULL);    //  not an asset: rendered
    assert (dashboard_asset ("/metrics") == NULL);
    assert (dashboard_asset ("/dashboard.js/") == NULL);
}

//  The status of city 330100 as s_on_status fills it: its uplink, its
//  child 330106 and two nodes below it (330106, and 330108 relayed
//  through 330106, as a deeper node would be).
typedef struct {
    Lic__NodeStatus ns;
    Lic__ChildStatus child;
    Lic__ChildStatus *children [1];
    Lic__NodeSummary sum [2];
    Lic__SubtreeNode node [2];
    Lic__SubtreeNode *subtree [2];
} s_city_t;

static void
s_city (s_city_t *c)
{
    memset (c, 0, sizeof *c);
    lic__node_status__init (&c->ns);
    c->ns.division = "330100";
    c->ns.parent_division = "330000";
    c->ns.uplink_state = "streaming";
    c->ns.head_seq = 9;
    lic__child_status__init (&c->child);
    c->child.division = "330106";
    c->child.connected = true;
    c->children [0] = &c->child;
    c->ns.children = c->children;
    c->ns.n_children = 1;
    const char *divs [2] = { "330106", "330108" };
    for (int i = 0; i < 2; i++) {
        lic__node_summary__init (&c->sum [i]);
        c->sum [i].division = (char *) divs [i];
        c->sum [i].parent_division = "330100";
        c->sum [i].uplink_state = "streaming";
        lic__subtree_node__init (&c->node [i]);
        c->node [i].summary = &c->sum [i];
        c->node [i].via = "330106";
        c->node [i].last_seen = 1795000000;
        c->subtree [i] = &c->node [i];
    }
    c->ns.subtree = c->subtree;
    c->ns.n_subtree = 2;
}

static json_t *
s_dashboard_json (dashboard_t *d, const Lic__NodeStatus *ns, store_t *store, int64_t now)
{
    char *text = dashboard_render (d, ns, NULL, store, now);
    assert (text);
    json_error_t err;
    json_t *doc = json_loads (text, 0, &err);
    free (text);
    assert (doc);
    assert (json_integer_value (json_object_get (doc, "generated_at")) == now);
    return doc;
}

//  The series of division in a dashboard document, or NULL.
static json_t *
s_series_of (json_t *doc, const char *division)
{
    json_t *series = json_object_get (json_object_get (doc, "history"), "series"), *s;
    size_t i;
    json_array_foreach (series, i, s)
        if (strcmp (json_string_value (json_object_get (s, "division")), division) == 0)
            return s;
    return NULL;
}

//  A node below: its lag in entries is the one the node computed (its own
//  uplink lag plus what is held above it), not only what it said.
static void
test_render_gives_the_honest_lag_of_a_node_below (void)
{
    s_city_t c;
    s_city (&c);
    c.sum [0].uplink_lag = 2;
    c.node [0].held_above = 3;
    c.node [0].lag = 5;
    c.node [0].lag_seconds = 40;
    ingest_stats_t st;
    memset (&st, 0, sizeof st);
    char *text = metrics_render (&c.ns, &st, NULL, NULL);
    assert (text);
    s_expect (text, "licrepo_node_lag_entries{node=\"330106\",parent=\"330100\"} 5");
    s_expect (text, "licrepo_node_lag_seconds{node=\"330106\",parent=\"330100\"} 40");
    s_expect (text, "licrepo_node_lag_entries{node=\"330108\",parent=\"330100\"} 0");
    free (text);
}

static void
test_dashboard_history_keeps_a_minutes_largest_lag_for_six_hours (void)
{
    s_city_t c;
    s_city (&c);
    dashboard_t *d = dashboard_new ();
    assert (d);
    const int64_t t0 = 1795000020 - 1795000020 % DASHBOARD_STEP_S;   //  a minute's start
    //  One minute: 5, 40, then 10 s of the child link's lag; 40 is kept.
    int64_t lags [3] = { 5, 40, 10 };
    for (int i = 0; i < 3; i++) {
        c.child.lag_seconds = lags [i];
        c.node [1].lag_seconds = 100 + lags [i];
        c.ns.uplink_lag_seconds = 1;
        dashboard_sample (d, &c.ns, t0 + 29 * i);
    }
    c.child.lag_seconds = 7;
    dashboard_sample (d, &c.ns, t0 + DASHBOARD_STEP_S);
    json_t *doc = s_dashboard_json (d, &c.ns, NULL, t0 + DASHBOARD_STEP_S);
    json_t *h = json_object_get (doc, "history");
    assert (json_integer_value (json_object_get (h, "step_s")) == 60);
    assert (json_integer_value (json_object_get (h, "samples")) == 360);
    assert (json_integer_value (json_object_get (h, "bytes_max")) == DASHBOARD_HISTORY_BYTES);
    assert (json_array_size (json_object_get (h, "series")) == 3);
    json_t *link = s_series_of (doc, "330106"), *node = s_series_of (doc, "330108"),
           *up = s_series_of (doc, "330100");
    assert (streq (json_string_value (json_object_get (link, "kind")), "link"));
    assert (streq (json_string_value (json_object_get (node, "kind")), "node"));
    assert (streq (json_string_value (json_object_get (up, "kind")), "uplink"));
    json_t *expect = json_pack ("[[I,i],[I,i]]", (json_int_t) t0, 40,
                                (json_int_t) (t0 + DASHBOARD_STEP_S), 7);
    assert (json_equal (json_object_get (link, "points"), expect));
    json_decref (expect);
    expect = json_pack ("[[I,i],[I,i]]", (json_int_t) t0, 140,
                        (json_int_t) (t0 + DASHBOARD_STEP_S), 110);
    assert (json_equal (json_object_get (node, "points"), expect));
    json_decref (expect);
    json_decref (doc);
    //  Six hours later the first minute is gone, the second is the oldest.
    int64_t later = t0 + (int64_t) DASHBOARD_SAMPLES * DASHBOARD_STEP_S;
    c.child.lag_seconds = 3;
    dashboard_sample (d, &c.ns, later);
    doc = s_dashboard_json (d, &c.ns, NULL, later);
    expect = json_pack ("[[I,i],[I,i]]", (json_int_t) (t0 + DASHBOARD_STEP_S), 7,
                        (json_int_t) later, 3);
    assert (json_equal (json_object_get (s_series_of (doc, "330106"), "points"), expect));
    json_decref (expect);
    json_decref (doc);
    //  A day later: only that minute.
    dashboard_sample (d, &c.ns, later + 86400);
    doc = s_dashboard_json (d, &c.ns, NULL, later + 86400);
    assert (json_array_size (json_object_get (s_series_of (doc, "330106"), "points")) == 1);
    json_decref (doc);
    dashboard_destroy (&d);
    assert (d == NULL);
}

static void
test_dashboard_history_is_bounded (void)
{
    enum { N = DASHBOARD_SERIES_MAX + 10 };
    static Lic__ChildStatus child [N];
    static Lic__ChildStatus *children [N];
    static char names [N][8];
    Lic__NodeStatus ns;
    lic__node_status__init (&ns);
    ns.division = "330000";
    ns.uplink_state = "none";
    for (int i = 0; i < N; i++) {
        lic__child_status__init (&child [i]);
        snprintf (names [i], sizeof names [i], "%06d", 100000 + i);
        child [i].division = names [i];
        child [i].lag_seconds = i;
        children [i] = &child [i];
    }
    ns.children = children;
    ns.n_children = N;
    dashboard_t *d = dashboard_new ();
    dashboard_sample (d, &ns, 1795000000);
    dashboard_sample (d, &ns, 1795000001);
    json_t *doc = s_dashboard_json (d, &ns, NULL, 1795000001);
    json_t *h = json_object_get (doc, "history");
    assert (json_array_size (json_object_get (h, "series")) == DASHBOARD_SERIES_MAX);
    assert (json_integer_value (json_object_get (h, "untracked")) == 10);
    assert (DASHBOARD_HISTORY_BYTES == 1482752);    //  the bound dashboard.h states
    json_decref (doc);
    dashboard_destroy (&d);
}

static void
test_dashboard_json_is_the_status_as_licctl_prints_it (void)
{
    s_city_t c;
    s_city (&c);
    c.node [1].silent = true;
    c.node [1].lag_seconds = 4000;
    dashboard_t *d = dashboard_new ();
    //  The ages in the status are taken at the time of the call: compare
    //  with what licjson gives just before or just after.
    json_t *before = licjson_status_to_json (&c.ns);
    json_t *doc = s_dashboard_json (d, &c.ns, NULL, 1795000000);
    json_t *after = licjson_status_to_json (&c.ns);
    json_t *status = json_object_get (doc, "status");
    assert (json_equal (status, before) || json_equal (status, after));
    assert (json_is_true (json_object_get (json_array_get (json_object_get (status, "subtree"), 1),
                                           "silent")));
    //  No store: nothing listed; no ZAP figures: no refusals.
    json_t *q = json_object_get (doc, "quarantine");
    assert (json_integer_value (json_object_get (q, "total")) == 0);
    assert (json_array_size (json_object_get (q, "shown")) == 0);
    assert (json_array_size (json_object_get (doc, "handshakes_refused")) == 0);
    json_decref (before);
    json_decref (after);
    json_decref (doc);
    //  With the ZAP handler's figures: every socket and reason, counts as kept.
    zap_stats_t hs;
    memset (&hs, 0, sizeof hs);
    hs.refused [ZAP_SOCKET_REPLICATION][ZAP_UNKNOWN_KEY] = 3;
    char *text = dashboard_render (d, &c.ns, &hs, NULL, 1795000000);
    doc = json_loads (text, 0, NULL);
    free (text);
    json_t *list = json_object_get (doc, "handshakes_refused"), *r;
    size_t i, n3 = 0;
    json_array_foreach (list, i, r)
        if (json_integer_value (json_object_get (r, "count")) == 3) {
            assert (streq (json_string_value (json_object_get (r, "socket")),
                           zap_socket_name (ZAP_SOCKET_REPLICATION)));
            assert (streq (json_string_value (json_object_get (r, "reason")),
                           zap_verdict_name (ZAP_UNKNOWN_KEY)));
            n3++;
        }
    assert (n3 == 1 && json_array_size (list) == 3 * (ZAP_VERDICTS - 1));
    json_decref (doc);
    dashboard_destroy (&d);
}

static int s_unlink (const char *path, const struct stat *sb, int flag, struct FTW *ftw);

static void
test_dashboard_lists_the_quarantine_of_a_real_store (void)
{
    char dir [] = "/tmp/test_metrics.XXXXXX";
    assert (mkdtemp (dir));
    char path [64], why [256] = "";
    snprintf (path, sizeof path, "%s/db", dir);
    store_cfg_t cfg = { .cache_mb = 8, .create = true };
    store_t *store = NULL;
    assert (store_open (&store, path, &cfg, why, sizeof why) == ERR_OK);
    //  Held entries as replica.c keeps them: origin '/' seq (u64 BE) ->
    //  reason NUL entry bytes.
    store_batch_t *batch = store_batch_new (store);
    for (uint64_t seq = 1; seq <= DASHBOARD_QUARANTINE_SHOWN + 2; seq++) {
        uint8_t key [15];
        memcpy (key, "330108/", 7);
        store_put_u64 (key + 7, seq);
        const char value [] = "ERR_NOT_FOUND: license 123 does not exist\0xyz";
        store_batch_put (batch, STORE_CF_QUARANTINE, key, sizeof key, value, sizeof value - 1);
    }
    assert (store_write (store, batch, true) == ERR_OK);
    store_batch_destroy (&batch);
    s_city_t c;
    s_city (&c);
    dashboard_t *d = dashboard_new ();
    json_t *doc = s_dashboard_json (d, &c.ns, store, 1795000000);
    json_t *q = json_object_get (doc, "quarantine");
    assert (json_integer_value (json_object_get (q, "total")) == DASHBOARD_QUARANTINE_SHOWN + 2);
    assert (json_is_true (json_object_get (q, "more")));
    json_t *shown = json_object_get (q, "shown");
    assert (json_array_size (shown) == DASHBOARD_QUARANTINE_SHOWN);
    json_t *first = json_array_get (shown, 0);
    assert (streq (json_string_value (json_object_get (first, "origin")), "330108"));
    assert (json_integer_value (json_object_get (first, "origin_seq")) == 1);
    assert (streq (json_string_value (json_object_get (first, "code")), "ERR_NOT_FOUND"));
    assert (strstr (json_string_value (json_object_get (first, "reason")), "does not exist"));
    assert (json_integer_value (json_object_get (first, "entry_bytes")) == 3);
    json_decref (doc);
    dashboard_destroy (&d);
    store_destroy (&store);
    assert (nftw (dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS) == 0);
}

// ---------------------------------------------------------------------
//  Same-day rule

static void
test_lateness_rule_at_the_edges_of_the_day (void)
{
    const int64_t dec5 = 1796400000;            //  2026-12-05T00:00:00+08:00
    const int64_t dec6 = dec5 + 86400;
    char day [LIFECYCLE_DAY_SIZE];
    int64_t delay = -1;
    //  Completed at the first second of a day, released at its last.
    assert (lateness_judge (dec5, dec6 - 1, day, &delay) == LATENESS_ON_TIME);
    assert (streq (day, "2026-12-05") && delay == 0);
    //  Completed at its last second, released at the next midnight: late,
    //  by 0 s after the end of the day; an hour later by 3600 s.
    assert (lateness_judge (dec6 - 1, dec6, day, &delay) == LATENESS_LATE);
    assert (streq (day, "2026-12-05") && delay == 0);
    assert (lateness_judge (dec5 + 3600, dec6 + 3600, day, &delay) == LATENESS_LATE);
    assert (delay == 3600);
    assert (lateness_judge (dec5, dec6 + 2 * 86400 + 5, NULL, &delay) == LATENESS_LATE);
    assert (delay == 2 * 86400 + 5);
    //  The civil day is UTC+8's: 15:59:59Z and 16:00:00Z are two days.
    assert (lateness_judge (dec6 - 1 - 3600, dec6 - 1, NULL, NULL) == LATENESS_ON_TIME);
    //  Released before it was completed (a clock ahead): not late.
    assert (lateness_judge (dec6 + 10, dec6, NULL, &delay) == LATENESS_ON_TIME && delay == 0);
    //  A time outside the window: left out.
    assert (lateness_judge (0, dec6, day, &delay) == LATENESS_UNDATED);
    assert (streq (day, "") && delay == 0);
    assert (lateness_judge (dec5, LIFECYCLE_TIME_MAX, NULL, NULL) == LATENESS_UNDATED);
}

static void
s_commit_from (const char *origin, const char *issuer, int64_t completed_at, int64_t at)
{
    Lic__Event ev;
    lic__event__init (&ev);
    ev.issuer_code = (char *) issuer;
    ev.completed_at = completed_at;
    lateness_committed (&ev, origin, at);
}

static void
s_commit (const char *issuer, int64_t completed_at, int64_t at)
{
    s_commit_from ("330106", issuer, completed_at, at);
}

static void
test_late_events_are_counted_per_department_within_the_bound (void)
{
    const int64_t dec5 = 1796400000, dec6 = dec5 + 86400;
    lateness_reset ();
    s_commit ("91330106000000002B", dec5, dec6 + 10);       //  late
    s_commit ("91330106000000002B", dec5, dec5 + 10);       //  on time
    s_commit ("91330106000000001A", dec5 + 5, dec5 + 10);   //  on time
    s_commit ("91330106000000001A", 0, dec5);               //  undated: left out
    lateness_committed (NULL, "330106", dec5);              //  nothing
    s_fig_t f;
    s_fill (&f);
    char *text = metrics_render (&f.ns, &f.st, NULL, NULL);
    s_expect (text, "# TYPE licrepo_late_events_total counter");
    s_expect (text, "licrepo_late_events_total{issuer=\"91330106000000001A\"} 0");
    s_expect (text, "licrepo_late_events_total{issuer=\"91330106000000002B\"} 1");
    assert (strstr (text, "licrepo_late_events_total{issuer=\"91330106000000001A\"}")
          < strstr (text, "licrepo_late_events_total{issuer=\"91330106000000002B\"}"));
    free (text);
    lateness_count_t *c = NULL;
    assert (lateness_counts (&c) == 2);
    assert (streq (c [0].issuer, "91330106000000001A") && c [0].events == 1 && c [0].late == 0);
    assert (streq (c [1].issuer, "91330106000000002B") && c [1].events == 2 && c [1].late == 1);
    free (c);
    //  The dashboard's table says the same.
    s_city_t city;
    s_city (&city);
    dashboard_t *d = dashboard_new ();
    json_t *doc = s_dashboard_json (d, &city.ns, NULL, dec6);
    json_t *expect = json_pack ("[{s:s, s:i, s:i}, {s:s, s:i, s:i}]",
        "issuer", "91330106000000001A", "events", 1, "late", 0,
        "issuer", "91330106000000002B", "events", 2, "late", 1);
    assert (json_equal (json_object_get (json_object_get (doc, "lateness"), "departments"), expect));
    json_decref (expect);
    json_decref (doc);
    dashboard_destroy (&d);
    //  The first LATENESS_ISSUERS_MAX by name (from origins of at most
    //  LATENESS_PER_ORIGIN_MAX each), every further one as "other".
    lateness_reset ();
    char issuer [LATENESS_ISSUER_SIZE], origin [16];
    for (int i = 0; i < LATENESS_ISSUERS_MAX + 5; i++) {
        snprintf (issuer, sizeof issuer, "9133010600%08d", i);
        snprintf (origin, sizeof origin, "33%04d", i / LATENESS_PER_ORIGIN_MAX);
        s_commit_from (origin, issuer, dec5, i < LATENESS_ISSUERS_MAX? dec5: dec6);
    }
    s_commit ("9133010600" "00000000", dec5, dec6);         //  a known one: by name still
    size_t n = lateness_counts (&c);
    assert (n == LATENESS_ISSUERS_MAX + 1);
    assert (streq (c [0].issuer, "913301060000000000") && c [0].events == 2 && c [0].late == 1);
    assert (streq (c [n - 1].issuer, LATENESS_OTHER) && c [n - 1].events == 5 && c [n - 1].late == 5);
    free (c);
    text = metrics_render (&f.ns, &f.st, NULL, NULL);
    s_expect (text, "licrepo_late_events_total{issuer=\"other\"} 5");
    free (text);
    //  One origin cannot take the table: past LATENESS_PER_ORIGIN_MAX of
    //  its departments the rest of it is "other", and another origin's
    //  departments are still named.
    lateness_reset ();
    for (int i = 0; i < LATENESS_PER_ORIGIN_MAX + 3; i++) {
        snprintf (issuer, sizeof issuer, "9133010600%08d", i);
        s_commit_from ("330106", issuer, dec5, dec6);
    }
    s_commit_from ("330108", "913301080000000001", dec5, dec5);
    n = lateness_counts (&c);
    assert (n == LATENESS_PER_ORIGIN_MAX + 2);
    assert (streq (c [n - 1].issuer, LATENESS_OTHER) && c [n - 1].events == 3 && c [n - 1].late == 3);
    assert (streq (c [n - 2].issuer, "913301080000000001") && c [n - 2].events == 1);
    free (c);
    //  A code is kept as its first LATENESS_ISSUER_SIZE - 1 bytes: longer
    //  ones that share them count as one department
    lateness_reset ();
    s_commit ("91330106000000003C" "ABCDE", dec5, dec6);          //  23 bytes: kept whole
    s_commit ("91330106000000003C" "ABCDEF", dec5, dec6);         //  24
    s_commit ("91330106000000003C" "ABCDEFGHIJKLMN", dec5, dec5);  //  32
    s_commit ("91330106000000003C" "ABCD", dec5, dec5);           //  22: another
    n = lateness_counts (&c);
    assert (n == 2);
    assert (streq (c [0].issuer, "91330106000000003CABCD") && c [0].events == 1);
    assert (streq (c [1].issuer, "91330106000000003CABCDE") && c [1].events == 3
            && c [1].late == 2);
    free (c);
    lateness_reset ();
    assert (lateness_counts (&c) == 0 && c == NULL);
}

// ---------------------------------------------------------------------
//  Endpoint

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  A socket connected to 127.0.0.1:port from address src (NULL: any);
//  -1 if src cannot be bound here.
static int
s_connect_from (const char *src, uint16_t port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    assert (fd >= 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    if (src) {
        assert (inet_pton (AF_INET, src, &sa.sin_addr) == 1);
        if (bind (fd, (struct sockaddr *) &sa, sizeof sa) != 0) {
            close (fd);
            return -1;
        }
    }
    sa.sin_port = htons (port);
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    assert (connect (fd, (struct sockaddr *) &sa, sizeof sa) == 0);
    return fd;
}

//  Plain HTTP/1.0 request from src; returns the status, body into body
//  (NUL-ended).
static int
s_http_from (const char *src, uint16_t port, const char *method, const char *path,
             char *body, size_t size, char *head, size_t head_size)
{
    int fd = s_connect_from (src, port);
    assert (fd >= 0);
    struct timeval tv = { .tv_sec = 5 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char req [256];
    int n = snprintf (req, sizeof req, "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", method, path);
    assert (write (fd, req, (size_t) n) == n);
    static char resp [65536];
    size_t len = 0;
    ssize_t k;
    while (len < sizeof resp - 1 && (k = read (fd, resp + len, sizeof resp - 1 - len)) > 0)
        len += (size_t) k;
    resp [len] = 0;
    close (fd);
    int status = 0;
    if (sscanf (resp, "HTTP/1.%*d %d", &status) != 1)
        return 0;                       //  no answer (timed out or closed)
    char *sep = strstr (resp, "\r\n\r\n");
    assert (sep);
    assert (strlen (sep + 4) < size);
    snprintf (body, size, "%s", sep + 4);
    if (head)
        snprintf (head, head_size, "%.*s", (int) (sep - resp), resp);
    return status;
}

static int
s_http (uint16_t port, const char *method, const char *path, char *body, size_t size,
        char *head, size_t head_size)
{
    return s_http_from (NULL, port, method, path, body, size, head, head_size);
}

static void
test_endpoint_serves_the_latest_text (void)
{
    metrics_t *m = NULL;
    char why [256] = "", head [1024];
    static char body [65536];
    assert (metrics_open (&m, "127.0.0.1:0", why, sizeof why) == ERR_OK);
    uint16_t port = metrics_port (m);
    assert (port > 0);
    assert (s_http (port, "GET", "/metrics", body, sizeof body, NULL, 0) == 503);

    s_fig_t f;
    s_fill (&f);
    char *text = metrics_render (&f.ns, &f.st, NULL, NULL);
    metrics_update (m, text);
    assert (s_http (port, "GET", "/metrics", body, sizeof body, head, sizeof head) == 200);
    assert (strncmp (body, text, strlen (text)) == 0);
    assert (strcmp (body + strlen (text),
                    "# HELP licrepo_metrics_connections_closed_total Connections to this "
                    "endpoint it closed itself, by reason.\n"
                    "# TYPE licrepo_metrics_connections_closed_total counter\n"
                    "licrepo_metrics_connections_closed_total{reason=\"deadline\"} 0\n"
                    "licrepo_metrics_connections_closed_total{reason=\"evicted\"} 0\n"
                    "licrepo_metrics_connections_closed_total{reason=\"refused\"} 0\n") == 0);
    assert (strstr (head, "text/plain; version=0.0.4"));
    free (text);

    metrics_update (m, "licrepo_head_seq 1235\n");
    assert (s_http (port, "GET", "/metrics", body, sizeof body, NULL, 0) == 200);
    assert (strncmp (body, "licrepo_head_seq 1235\n# HELP licrepo_metrics_", 44) == 0);

    assert (s_http (port, "GET", "/nothing", body, sizeof body, NULL, 0) == 404);
    assert (s_http (port, "GET", "/metrics/x", body, sizeof body, NULL, 0) == 404);
    assert (s_http (port, "POST", "/metrics", body, sizeof body, NULL, 0) == 405);
    metrics_destroy (&m);
    assert (m == NULL);
    metrics_destroy (&m);
}

static void
test_endpoint_serves_the_dashboard_once_asked (void)
{
    metrics_t *m = NULL;
    char why [256] = "", head [2048];
    static char body [65536];
    assert (metrics_open (&m, "127.0.0.1:0", why, sizeof why) == ERR_OK);
    uint16_t port = metrics_port (m);
    //  The page and its assets, read-only, nothing from elsewhere.
    assert (s_http (port, "GET", "/", body, sizeof body, head, sizeof head) == 200);
    assert (strcmp (body, (const char *) dashboard_asset ("/")->data) == 0);
    assert (strstr (head, "Content-Type: text/html; charset=utf-8"));
    assert (strstr (head, "Content-Security-Policy: default-src 'none'; script-src 'self'; "
                          "style-src 'self'; connect-src 'self';"));
    assert (strstr (head, "X-Content-Type-Options: nosniff"));
    assert (s_http (port, "GET", "/dashboard.js", body, sizeof body, head, sizeof head) == 200);
    assert (strcmp (body, (const char *) dashboard_asset ("/dashboard.js")->data) == 0);
    assert (strstr (head, "Content-Type: text/javascript"));
    assert (s_http (port, "GET", "/dashboard.css", body, sizeof body, head, sizeof head) == 200);
    assert (strstr (head, "Content-Type: text/css"));
    assert (s_http (port, "HEAD", "/dashboard", body, sizeof body, NULL, 0) == 200);
    assert (s_http (port, "POST", "/dashboard", body, sizeof body, NULL, 0) == 405);
    assert (s_http (port, "PUT", "/dashboard.json", body, sizeof body, NULL, 0) == 405);
    //  Not rendered until asked for: the server thread's first pass after
    //  a request renders it.
    s_city_t c;
    s_city (&c);
    metrics_dashboard (m, &c.ns, NULL, NULL);
    assert (s_http (port, "GET", "/dashboard.json", body, sizeof body, NULL, 0) == 503);
    metrics_dashboard (m, &c.ns, NULL, NULL);
    assert (s_http (port, "GET", "/dashboard.json", body, sizeof body, head, sizeof head) == 200);
    assert (strstr (head, "Content-Type: application/json"));
    assert (strstr (head, "Cache-Control: no-store"));
    json_t *doc = json_loads (body, 0, NULL);
    assert (doc);
    assert (streq (json_string_value (json_object_get (json_object_get (doc, "status"),
                                                        "division")), "330100"));
    //  Both samples are in the history (sampled whether read or not).
    assert (json_array_size (json_object_get (json_object_get (doc, "history"), "series")) == 3);
    json_decref (doc);
    metrics_destroy (&m);
}

//  Clients that connect and say nothing hold a slot until the timeout,
//  but do not stop another client's scrape.
static void
test_endpoint_answers_beside_idle_connections (void)
{
    metrics_t *m = NULL;
    char why [256] = "", body [1024];
    assert (metrics_open (&m, ":0", why, sizeof why) == ERR_OK);
    metrics_update (m, "x 1\n");
    int idle [4];
    for (int i = 0; i < 4; i++) {
        idle [i] = socket (AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (metrics_port (m)) };
        sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        assert (connect (idle [i], (struct sockaddr *) &sa, sizeof sa) == 0);
        assert (write (idle [i], "GET /met", 8) == 8);
    }
    assert (s_http (metrics_port (m), "GET", "/metrics", body, sizeof body, NULL, 0) == 200);
    assert (strncmp (body, "x 1\n", 4) == 0);
    for (int i = 0; i < 4; i++)
        close (idle [i]);
    metrics_destroy (&m);
}

//  Bounded resources: slow clients that never finish their headers
//  (a byte a second each, which reset an idle timeout for ever) on the
//  scraper's own address.
#define S_LORIS 20
#define S_LORIS_BYTE_MS 1000

typedef struct {
    int fd [S_LORIS];
    int64_t opened [S_LORIS];       //  connect returned
    int64_t closed [S_LORIS];       //  end of file or reset seen, 0 = open
    int64_t next_byte;              //  when each open one sends its next byte
    int sent;                       //  bytes sent by each so far
} s_loris_t;

static int
s_loris_open (const s_loris_t *l)
{
    int open = 0;
    for (int i = 0; i < S_LORIS; i++)
        open += l->closed [i] == 0;
    return open;
}

//  Sends a byte a second on every open connection and notes when the
//  endpoint closes one, until `until` or all are closed.
static void
s_loris_feed (s_loris_t *l, int64_t until)
{
    static const char slow [] = "GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa";
    int64_t now;
    while ((now = s_now_ms ()) < until && s_loris_open (l) > 0) {
        struct pollfd p [S_LORIS];
        for (int i = 0; i < S_LORIS; i++)
            p [i] = (struct pollfd) { .fd = l->closed [i]? -1: l->fd [i], .events = POLLIN };
        int64_t wait = l->next_byte < until? l->next_byte - now: until - now;
        assert (poll (p, S_LORIS, wait > 0? (int) wait: 0) >= 0);
        now = s_now_ms ();
        for (int i = 0; i < S_LORIS; i++) {
            char c;
            ssize_t k = p [i].revents? recv (l->fd [i], &c, 1, MSG_DONTWAIT): -1;
            if (k == 0 || (k < 0 && p [i].revents && errno != EAGAIN))
                l->closed [i] = now;
            assert (k <= 0);            //  the endpoint never answers them
        }
        if (now >= l->next_byte) {
            for (int i = 0; i < S_LORIS; i++)
                if (!l->closed [i])
                    (void) send (l->fd [i], slow + l->sent % (sizeof slow - 1), 1, MSG_NOSIGNAL);
            l->sent++;
            l->next_byte += S_LORIS_BYTE_MS;
        }
    }
}

//  A scrape from src answered 200 with the text, in how many ms.
static int64_t
s_timed_scrape (const char *src, uint16_t port, char *body, size_t size)
{
    int64_t t0 = s_now_ms ();
    assert (s_http_from (src, port, "GET", "/metrics", body, size, NULL, 0) == 200);
    assert (strncmp (body, "x 1\n", 4) == 0);
    return s_now_ms () - t0;
}

static void
test_endpoint_answers_beside_slow_loris_and_closes_them_by_the_deadline (void)
{
    metrics_t *m = NULL;
    char why [256] = "", body [1024];
    assert (metrics_open (&m, "127.0.0.1:0", why, sizeof why) == ERR_OK);
    uint16_t port = metrics_port (m);
    metrics_update (m, "x 1\n");
    s_loris_t l = { .sent = 1 };
    for (int i = 0; i < S_LORIS; i++) {
        l.fd [i] = s_connect_from (NULL, port);
        l.opened [i] = s_now_ms ();
        assert (send (l.fd [i], "G", 1, MSG_NOSIGNAL) == 1);
    }
    int64_t start = s_now_ms ();
    l.next_byte = start + S_LORIS_BYTE_MS;
    s_loris_feed (&l, start + 1200);
    //  One address holds METRICS_PER_ADDRESS connections, the newest.
    assert (s_loris_open (&l) == METRICS_PER_ADDRESS);
    for (int i = 0; i < S_LORIS - METRICS_PER_ADDRESS; i++)
        assert (l.closed [i] && l.closed [i] - l.opened [i] < 1200);

    //  Another address scrapes at once and evicts nobody.
    int fd = s_connect_from ("127.0.0.2", port);
    if (fd >= 0) {
        close (fd);
        int64_t ms = s_timed_scrape ("127.0.0.2", port, body, sizeof body);
        printf ("  scrape from 127.0.0.2 beside %d slow connections: %" PRId64 " ms\n",
                S_LORIS, ms);
        assert (ms < 3000);
        s_loris_feed (&l, s_now_ms () + 100);
        assert (s_loris_open (&l) == METRICS_PER_ADDRESS);
    }
    else
        printf ("  127.0.0.2 cannot be bound here: other-address scrape skipped\n");
    //  The slow clients' own address scrapes at once too (it evicts one).
    int64_t ms = s_timed_scrape ("127.0.0.1", port, body, sizeof body);
    printf ("  scrape from 127.0.0.1 beside %d slow connections: %" PRId64 " ms\n", S_LORIS, ms);
    assert (ms < 3000);
    s_loris_feed (&l, s_now_ms () + 100);
    assert (s_loris_open (&l) == METRICS_PER_ADDRESS - 1);

    //  The rest keep sending and are closed by the deadline all the same.
    s_loris_feed (&l, start + METRICS_DEADLINE_S * 1000 + 3000);
    assert (s_loris_open (&l) == 0);
    for (int i = S_LORIS - METRICS_PER_ADDRESS + 1; i < S_LORIS; i++) {
        int64_t lived = l.closed [i] - l.opened [i];
        printf ("  slow connection %d closed after %" PRId64 " ms, %d bytes sent\n",
                i, lived, l.sent);
        assert (lived >= METRICS_DEADLINE_S * 1000 - 200);
        assert (lived <= METRICS_DEADLINE_S * 1000 + 1500);
    }
    for (int i = 0; i < S_LORIS; i++)
        close (l.fd [i]);
    s_timed_scrape (NULL, port, body, sizeof body);
    char line [128];
    snprintf (line, sizeof line, "licrepo_metrics_connections_closed_total{reason=\"deadline\"} %d\n",
              METRICS_PER_ADDRESS - 1);
    assert (strstr (body, line));
    snprintf (line, sizeof line, "licrepo_metrics_connections_closed_total{reason=\"evicted\"} %d\n",
              S_LORIS - METRICS_PER_ADDRESS + 1);
    assert (strstr (body, line));
    metrics_destroy (&m);
}

static void
test_open_fails_on_a_port_in_use (void)
{
    metrics_t *a = NULL, *b = NULL;
    char why [256] = "", listen [32];
    assert (metrics_open (&a, "127.0.0.1:0", why, sizeof why) == ERR_OK);
    snprintf (listen, sizeof listen, "127.0.0.1:%u", metrics_port (a));
    assert (metrics_open (&b, listen, why, sizeof why) == ERR_IO);
    assert (b == NULL && strstr (why, listen));
    metrics_destroy (&a);
}

//  Host names are refused rather than resolved: no DNS at start, and
//  "localhost" may resolve to ::1 or to something else entirely.
static void
test_listen_accepts_numeric_ipv4_only (void)
{
    char why [256];
    assert (metrics_listen_check ("127.0.0.1:9400", why, sizeof why) == ERR_OK);
    assert (metrics_listen_check ("0.0.0.0:9400", why, sizeof why) == ERR_OK);
    assert (metrics_listen_check ("10.1.2.3:1", why, sizeof why) == ERR_OK);
    assert (metrics_listen_check (":9400", why, sizeof why) == ERR_OK);
    assert (metrics_listen_check ("9400", why, sizeof why) == ERR_OK);
    assert (metrics_listen_check ("localhost:9400", why, sizeof why) == ERR_BAD_FIELD);
    assert (strstr (why, "numeric IPv4"));
    assert (metrics_listen_check ("[::1]:9400", why, sizeof why) == ERR_BAD_FIELD);
    assert (metrics_listen_check ("127.0.0.1:0", why, sizeof why) == ERR_BAD_FIELD);
    assert (metrics_listen_check ("127.0.0.1:65536", why, sizeof why) == ERR_BAD_FIELD);
    assert (metrics_listen_check ("127.0.0.1:", why, sizeof why) == ERR_BAD_FIELD);
    assert (metrics_listen_check ("127.0.0.1:94x", why, sizeof why) == ERR_BAD_FIELD);
    assert (metrics_listen_check ("127.0.0.1:-1", why, sizeof why) == ERR_BAD_FIELD);
    assert (metrics_listen_check ("tcp://127.0.0.1:9400", why, sizeof why) == ERR_BAD_FIELD);
    assert (metrics_listen_check ("", why, sizeof why) == ERR_BAD_FIELD);
    metrics_t *m = (metrics_t *) &m;
    assert (metrics_open (&m, "localhost:9400", why, sizeof why) == ERR_BAD_FIELD);
    assert (m == NULL);
}

static void
test_config_takes_metrics_listen_and_checks_it (void)
{
    config_t cfg;
    char why [256] = "";
    config_defaults (&cfg);
    assert (cfg.metrics_listen [0] == 0);
    assert (config_check (&cfg, why, sizeof why) == ERR_OK);
    char path [] = "/tmp/test_metrics_cfg.XXXXXX";
    int fd = mkstemp (path);
    assert (fd >= 0);
    const char *json = "{\"metrics_listen\": \"127.0.0.1:9400\", \"log_level\": \"debug\"}";
    assert (write (fd, json, strlen (json)) == (ssize_t) strlen (json));
    close (fd);
    assert (config_load (&cfg, path, why, sizeof why) == ERR_OK);
    assert (strcmp (cfg.metrics_listen, "127.0.0.1:9400") == 0);
    unlink (path);

    snprintf (cfg.metrics_listen, sizeof cfg.metrics_listen, "prometheus.local:9400");
    assert (config_check (&cfg, why, sizeof why) == ERR_BAD_FIELD);
    assert (strstr (why, "numeric IPv4"));
    cfg.metrics_listen [0] = 0;
    snprintf (cfg.log_level, sizeof cfg.log_level, "verbose");
    assert (config_check (&cfg, why, sizeof why) == ERR_BAD_FIELD);
    assert (strstr (why, "log_level"));
}

int
main (void)
{
    test_render_gives_exact_node_uplink_and_child_lines ();
    test_render_counts_by_reason_with_every_named_code ();
    test_render_histogram_is_cumulative_and_inf_equals_count ();
    test_render_leaves_out_uplink_at_the_top_and_children_when_none ();
    test_render_escapes_label_values ();
    test_render_counts_handshake_refusals_by_socket_and_reason ();
    test_render_announces_every_family ();
    test_render_gives_rocksdb_figures ();
    test_store_fill_reads_a_real_store ();
    test_endpoint_serves_the_latest_text ();
    test_endpoint_answers_beside_idle_connections ();
    test_endpoint_answers_beside_slow_loris_and_closes_them_by_the_deadline ();
    test_open_fails_on_a_port_in_use ();
    test_dashboard_assets_name_nothing_elsewhere ();
    test_render_gives_the_honest_lag_of_a_node_below ();
    test_dashboard_history_keeps_a_minutes_largest_lag_for_six_hours ();
    test_dashboard_history_is_bounded ();
    test_dashboard_json_is_the_status_as_licctl_prints_it ();
    test_dashboard_lists_the_quarantine_of_a_real_store ();
    test_endpoint_serves_the_dashboard_once_asked ();
    test_lateness_rule_at_the_edges_of_the_day ();
    test_late_events_are_counted_per_department_within_the_bound ();
    test_listen_accepts_numeric_ipv4_only ();
    test_config_takes_metrics_listen_and_checks_it ();
    printf ("test_metrics: ok\n");
    return 0;
}
