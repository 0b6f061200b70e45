/*  test_metrics.c -- the Prometheus text (exact lines from hand-filled
    figures, histogram shape, label escaping, HELP/TYPE for every
    family), the RocksDB figures of a real store, the HTTP endpoint over
    a plain socket (503 before the first text, updates visible, 404,
    405, idle connections do not block a scrape, nor do 20 slow-loris
    connections, which are evicted or closed by the deadline) and the listen
    addresses it accepts, refuses and takes from the configuration.
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
#include "node/daemon/config.h"
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
    s_expect (text, "licrepo_child_lag_entries{child=\"330106\"} 8");
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
                           .block_cache_bytes = 4096 };
    db.keys [STORE_CF_LOG] = 1234;
    db.keys [STORE_CF_LICENSE] = 900;
    db.keys [STORE_CF_QUARANTINE] = 2;
    char *text = metrics_render (&f.ns, &f.st, &db, NULL);
    assert (text);
    s_expect (text, "licrepo_rocksdb_sst_bytes 1000");
    s_expect (text, "licrepo_rocksdb_live_data_bytes 900");
    s_expect (text, "licrepo_rocksdb_memtable_bytes 64");
    s_expect (text, "licrepo_rocksdb_block_cache_bytes 4096");
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
    store_destroy (&store);
    assert (nftw (dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS) == 0);
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

    assert (s_http (port, "GET", "/", body, sizeof body, NULL, 0) == 404);
    assert (s_http (port, "GET", "/metrics/x", body, sizeof body, NULL, 0) == 404);
    assert (s_http (port, "POST", "/metrics", body, sizeof body, NULL, 0) == 405);
    metrics_destroy (&m);
    assert (m == NULL);
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
    test_listen_accepts_numeric_ipv4_only ();
    test_config_takes_metrics_listen_and_checks_it ();
    printf ("test_metrics: ok\n");
    return 0;
}
