/*  metrics.c -- Prometheus text endpoint (see metrics.h).

    The only file that knows libmicrohttpd.  Its daemon runs one internal
    thread (epoll, so the RocksDB file descriptors above FD_SETSIZE do
    not matter), at most METRICS_CONNECTIONS connections, each closed
    after METRICS_TIMEOUT_S idle seconds, request headers capped at
    S_REQUEST_MEMORY; a response is the rendered text and nothing more.

    Why a mutex here, against STYLE 4: the HTTP thread is libmicrohttpd's,
    it cannot own a zsock or wait on a pipe while MHD calls us back, and
    a scrape must be answered from that callback.  The one shared object
    is the current text; it is swapped (server thread) or copied into
    the response (HTTP thread) under the lock, nothing else is shared,
    and neither side does anything else while holding it.

    Exposition format 0.0.4: prometheus.io/docs/instrumenting/exposition_formats.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "logfmt.h"
#include "metrics.h"

#define S_REQUEST_MEMORY (16 * 1024)   //  request headers per connection
#define S_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_t {
    struct MHD_Daemon *mhd;         //  the HTTP thread
    pthread_mutex_t lock;           //  guards text and len, nothing else
    char *text;                     //  current exposition text, NULL = none yet
    size_t len;                     //  its length
};

// ---------------------------------------------------------------------
//  Rendering

typedef struct {
    char *data;                     //  text so far, NUL-terminated
    size_t len;                     //  its length
    size_t cap;                     //  bytes allocated
    bool failed;                    //  out of memory: give up at the end
} s_buf_t;

static void
s_printf (s_buf_t *b, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_printf (s_buf_t *b, const char *fmt, ...)
{
    while (!b->failed) {
        va_list ap;
        va_start (ap, fmt);
        int k = vsnprintf (b->data + b->len, b->cap - b->len, fmt, ap);
        va_end (ap);
        if (k >= 0 && (size_t) k < b->cap - b->len) {
            b->len += (size_t) k;
            return;
        }
        char *bigger = k < 0? NULL: realloc (b->data, b->cap * 2 + (size_t) k);
        if (!bigger)
            b->failed = true;
        else {
            b->data = bigger;
            b->cap = b->cap * 2 + (size_t) k;
        }
    }
}

//  name="value" with \, " and newline escaped (format 0.0.4).
static void
s_label (s_buf_t *b, const char *name, const char *value)
{
    s_printf (b, "%s=\"", name);
    for (const char *s = value? value: ""; *s; s++)
        if (*s == '\\' || *s == '"')
            s_printf (b, "\\%c", *s);
        else
        if (*s == '\n')
            s_printf (b, "\\n");
        else
            s_printf (b, "%c", *s);
    s_printf (b, "\"");
}

static void
s_family (s_buf_t *b, const char *name, const char *type, const char *help)
{
    s_printf (b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
s_u64 (s_buf_t *b, const char *name, const char *type, const char *help, uint64_t v)
{
    s_family (b, name, type, help);
    s_printf (b, "%s %" PRIu64 "\n", name, v);
}

static void
s_i64 (s_buf_t *b, const char *name, const char *type, const char *help, int64_t v)
{
    s_family (b, name, type, help);
    s_printf (b, "%s %" PRId64 "\n", name, v);
}

static void
s_render_node (s_buf_t *b, const Lic__NodeStatus *ns)
{
    s_family (b, "licrepo_node_info", "gauge", "This node's division and its parent's (1).");
    s_printf (b, "licrepo_node_info{");
    s_label (b, "division", ns->division);
    s_printf (b, ",");
    s_label (b, "parent", ns->parent_division);
    s_printf (b, "} 1\n");
    s_i64 (b, "licrepo_start_time_seconds", "gauge", "When licnode started (Unix seconds).",
           ns->started_at);
    s_u64 (b, "licrepo_head_seq", "gauge", "Last seq of the own log durable here.", ns->head_seq);
    s_u64 (b, "licrepo_departments", "gauge", "Departments registered.", ns->departments);
    s_u64 (b, "licrepo_licenses_estimate", "gauge", "Licenses held (RocksDB estimate).",
           ns->licenses);
    s_u64 (b, "licrepo_quarantined", "gauge",
           "Replicated entries held back because they failed verification.", ns->quarantined);
    s_family (b, "licrepo_queries_total", "counter",
              "Application bodies' queries since start, each recorded in the audit log, by result.");
    s_printf (b, "licrepo_queries_total{result=\"granted\"} %" PRIu64 "\n", ns->queries_granted);
    s_printf (b, "licrepo_queries_total{result=\"refused\"} %" PRIu64 "\n", ns->queries_refused);
}

static void
s_render_uplink (s_buf_t *b, const Lic__NodeStatus *ns)
{
    if (!ns->uplink_state || !*ns->uplink_state || strcmp (ns->uplink_state, "none") == 0)
        return;     //  the top of the hierarchy has no uplink to watch
    s_u64 (b, "licrepo_uplink_up", "gauge", "1 while the uplink streams to the parent, else 0.",
           strcmp (ns->uplink_state, "streaming") == 0);
    s_u64 (b, "licrepo_uplink_acked_seq", "gauge", "Last own seq durable at the parent.",
           ns->uplink_acked);
    s_u64 (b, "licrepo_uplink_lag_entries", "gauge", "Own entries not yet durable at the parent.",
           ns->uplink_lag);
    s_i64 (b, "licrepo_uplink_lag_seconds", "gauge",
           "Age of the oldest own entry not yet durable at the parent.", ns->uplink_lag_seconds);
}

typedef enum {
    S_CHILD_ACKED, S_CHILD_HEAD, S_CHILD_LAG, S_CHILD_LAG_S, S_CHILD_CONTACT,
    S_CHILD_CONNECTED, S_CHILD_CHECKPOINT, S_CHILD_SERIES
} s_child_series_t;

static const char *s_child_names [S_CHILD_SERIES][2] = {
    { "licrepo_child_acked_seq", "Child's last seq durable here (its high-water mark)." },
    { "licrepo_child_head_seq", "Child's head seq as it last reported it." },
    { "licrepo_child_lag_entries", "Child's entries not yet durable here." },
    { "licrepo_child_lag_seconds", "Age of the child's oldest entry not yet durable here." },
    { "licrepo_child_last_contact_timestamp_seconds", "Last frame from the child (0 = never)." },
    { "licrepo_child_connected", "1 while the child is connected and recently heard from." },
    { "licrepo_child_checkpoint_size", "Size of the child's last checkpoint verified here." },
};

static void
s_child_value (s_buf_t *b, const Lic__ChildStatus *cs, s_child_series_t which)
{
    switch (which) {
        case S_CHILD_ACKED:     s_printf (b, "%" PRIu64, cs->acked_seq); break;
        case S_CHILD_HEAD:      s_printf (b, "%" PRIu64, cs->child_head); break;
        case S_CHILD_LAG:       s_printf (b, "%" PRIu64, cs->child_head > cs->acked_seq?
                                          cs->child_head - cs->acked_seq: 0); break;
        case S_CHILD_LAG_S:     s_printf (b, "%" PRId64, cs->lag_seconds); break;
        case S_CHILD_CONTACT:   s_printf (b, "%" PRId64, cs->last_contact); break;
        case S_CHILD_CONNECTED: s_printf (b, "%d", cs->connected? 1: 0); break;
        case S_CHILD_CHECKPOINT: s_printf (b, "%" PRIu64, cs->checkpoint_size); break;
        case S_CHILD_SERIES:    break;
    }
}

//  One family per series, every child in it (the format wants a
//  family's samples together).
static void
s_render_children (s_buf_t *b, const Lic__NodeStatus *ns)
{
    if (ns->n_children == 0)
        return;
    for (int which = 0; which < S_CHILD_SERIES; which++) {
        s_family (b, s_child_names [which][0], "gauge", s_child_names [which][1]);
        for (size_t i = 0; i < ns->n_children; i++) {
            s_printf (b, "%s{", s_child_names [which][0]);
            s_label (b, "child", ns->children [i]->division);
            s_printf (b, "} ");
            s_child_value (b, ns->children [i], (s_child_series_t) which);
            s_printf (b, "\n");
        }
    }
}

//  Every named err_t, zeros included, so rate() sees a reason's first
//  refusal.
static void
s_render_rejected (s_buf_t *b, const Lic__NodeStatus *ns, const ingest_stats_t *st)
{
    s_family (b, "licrepo_rejected_total", "counter", "Published events refused, by reason.");
    for (int code = ERR_OK + 1; code <= ERR_INTERNAL; code++) {
        if (strcmp (err_str (code), "ERR_UNKNOWN") == 0)
            continue;
        s_printf (b, "licrepo_rejected_total{");
        s_label (b, "reason", err_str (code));
        s_printf (b, "} %" PRIu64 "\n", st->rejected_by_code [code]);
    }
    s_u64 (b, "licrepo_bad_frames_total", "counter",
           "Client frames refused before dispatch (not a request).",
           ns->rejected > st->rejected? ns->rejected - st->rejected: 0);
}

static void
s_render_ingest (s_buf_t *b, const Lic__NodeStatus *ns, const ingest_stats_t *st)
{
    s_u64 (b, "licrepo_published_total", "counter", "Events accepted and durable.", st->published);
    s_u64 (b, "licrepo_duplicates_total", "counter", "Duplicate events answered with their seq.",
           st->duplicates);
    s_render_rejected (b, ns, st);
    s_u64 (b, "licrepo_applied_total", "counter", "Replicated entries applied.", st->applied);
    s_u64 (b, "licrepo_skipped_total", "counter", "Replicated entries already held.",
           st->skipped);
    s_u64 (b, "licrepo_quarantined_total", "counter", "Replicated entries quarantined.",
           st->quarantined);
    s_u64 (b, "licrepo_write_errors_total", "counter", "Synced writes that failed.",
           st->write_errors);
}

//  Every socket and reason, zeros included (the client, query and
//  replication sockets; "other" only once it counted something).
static void
s_render_handshakes (s_buf_t *b, const zap_stats_t *hs)
{
    s_family (b, "licrepo_handshake_refused_total", "counter",
              "CURVE handshakes refused by the ZAP handler, by socket and reason.");
    for (int socket = 0; socket < ZAP_SOCKETS; socket++) {
        uint64_t any = 0;
        for (int v = ZAP_ADMITTED + 1; v < ZAP_VERDICTS; v++)
            any += hs->refused [socket][v];
        if (socket == ZAP_SOCKET_OTHER && !any)
            continue;
        for (int v = ZAP_ADMITTED + 1; v < ZAP_VERDICTS; v++) {
            s_printf (b, "licrepo_handshake_refused_total{");
            s_label (b, "socket", zap_socket_name (socket));
            s_printf (b, ",");
            s_label (b, "reason", zap_verdict_name (v));
            s_printf (b, "} %" PRIu64 "\n", hs->refused [socket][v]);
        }
    }
}

//  Microseconds as decimal seconds without float rounding: 250 -> 0.00025.
static void
s_seconds (char *out, size_t size, int64_t us)
{
    int n = snprintf (out, size, "%" PRId64 ".%06" PRId64, us / 1000000, us % 1000000);
    while (n > 0 && out [n - 1] == '0')
        out [--n] = 0;
    if (n > 0 && out [n - 1] == '.')
        out [--n] = 0;
}

static void
s_render_fsync (s_buf_t *b, const ingest_stats_t *st)
{
    static const int64_t bounds [INGEST_FSYNC_BUCKETS] = INGEST_FSYNC_BOUNDS_US;
    s_family (b, "licrepo_fsync_seconds", "histogram", "Duration of synced writes.");
    for (int i = 0; i < INGEST_FSYNC_BUCKETS; i++) {
        if (bounds [i] == 0)
            break;      //  +Inf, below
        char le [32];
        s_seconds (le, sizeof le, bounds [i]);
        s_printf (b, "licrepo_fsync_seconds_bucket{le=\"%s\"} %" PRIu64 "\n", le,
                  st->fsync_buckets [i]);
    }
    s_printf (b, "licrepo_fsync_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", st->fsync_count);
    s_printf (b, "licrepo_fsync_seconds_sum %.6f\n", st->fsync_sum_s);
    s_printf (b, "licrepo_fsync_seconds_count %" PRIu64 "\n", st->fsync_count);
}

_Static_assert (STORE_CF_COUNT == 15, "name the new column family in s_cf_names");
static const char *s_cf_names [STORE_CF_COUNT] = {
    [STORE_CF_META] = "meta", [STORE_CF_LOG] = "log", [STORE_CF_LICENSE] = "license",
    [STORE_CF_HOLDER] = "holder", [STORE_CF_HISTORY] = "history", [STORE_CF_DEDUP] = "dedup",
    [STORE_CF_REGISTRY] = "registry", [STORE_CF_ORIGIN] = "origin", [STORE_CF_CHILD] = "child",
    [STORE_CF_TREE] = "tree", [STORE_CF_CATALOGUE] = "catalogue", [STORE_CF_AUDIT] = "audit",
    [STORE_CF_QUARANTINE] = "quarantine", [STORE_CF_BLOB] = "blob",
    [STORE_CF_SECRET] = "secret",
};

static void
s_render_rocksdb (s_buf_t *b, const metrics_store_t *db)
{
    s_u64 (b, "licrepo_rocksdb_sst_bytes", "gauge", "Size of all SST files.", db->sst_bytes);
    s_u64 (b, "licrepo_rocksdb_live_data_bytes", "gauge", "Estimated live data.",
           db->live_data_bytes);
    s_u64 (b, "licrepo_rocksdb_memtable_bytes", "gauge", "Size of all memtables.",
           db->memtable_bytes);
    s_u64 (b, "licrepo_rocksdb_block_cache_bytes", "gauge", "Block cache in use.",
           db->block_cache_bytes);
    s_family (b, "licrepo_rocksdb_estimate_keys", "gauge", "Estimated keys per column family.");
    for (int cf = 0; cf < STORE_CF_COUNT; cf++) {
        s_printf (b, "licrepo_rocksdb_estimate_keys{");
        s_label (b, "cf", s_cf_names [cf]);
        s_printf (b, "} %" PRIu64 "\n", db->keys [cf]);
    }
}

char *
metrics_render (const Lic__NodeStatus *ns, const ingest_stats_t *st,
                const metrics_store_t *db, const zap_stats_t *hs)
{
    s_buf_t b = { .data = malloc (8192), .cap = 8192 };
    if (!b.data)
        return NULL;
    b.data [0] = 0;
    s_render_node (&b, ns);
    s_render_uplink (&b, ns);
    s_render_children (&b, ns);
    s_render_ingest (&b, ns, st);
    s_render_fsync (&b, st);
    if (hs)
        s_render_handshakes (&b, hs);
    if (db)
        s_render_rocksdb (&b, db);
    if (b.failed) {
        free (b.data);
        return NULL;
    }
    return b.data;
}

void
metrics_store_fill (metrics_store_t *out, store_t *store)
{
    memset (out, 0, sizeof *out);
    for (int cf = 0; cf < STORE_CF_COUNT; cf++) {
        out->sst_bytes += store_property (store, cf, "rocksdb.total-sst-files-size");
        out->live_data_bytes += store_property (store, cf, "rocksdb.estimate-live-data-size");
        out->memtable_bytes += store_property (store, cf, "rocksdb.cur-size-all-mem-tables");
        out->keys [cf] = store_property (store, cf, "rocksdb.estimate-num-keys");
    }
    //  One cache serves every family: ask once.
    out->block_cache_bytes = store_property (store, STORE_CF_LOG, "rocksdb.block-cache-usage");
}

// ---------------------------------------------------------------------
//  Listen address

static int
s_parse_listen (const char *listen, bool any_port, struct sockaddr_in *sa,
                char *why, size_t why_size)
{
    char host [64] = "127.0.0.1";
    const char *colon = listen? strrchr (listen, ':'): NULL;
    const char *port = colon? colon + 1: listen;
    if (!listen || strlen (listen) >= sizeof host) {
        snprintf (why, why_size, "metrics listen address must be HOST:PORT (at most %zu bytes)",
                  sizeof host - 1);
        return ERR_BAD_FIELD;
    }
    if (colon && colon > listen)
        snprintf (host, sizeof host, "%.*s", (int) (colon - listen), listen);
    memset (sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (inet_pton (AF_INET, host, &sa->sin_addr) != 1) {
        snprintf (why, why_size, "metrics listen host \"%s\" must be a numeric IPv4 address "
                  "(e.g. 127.0.0.1:9400)", host);
        return ERR_BAD_FIELD;
    }
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul (port, &end, 10);
    if (*port < '0' || *port > '9' || *end || errno || n > 65535 || (n == 0 && !any_port)) {
        snprintf (why, why_size, "metrics listen port \"%s\" must be 1..65535", port);
        return ERR_BAD_FIELD;
    }
    sa->sin_port = htons ((uint16_t) n);
    return ERR_OK;
}

int
metrics_listen_check (const char *listen, char *why, size_t why_size)
{
    struct sockaddr_in sa;
    return s_parse_listen (listen, false, &sa, why, why_size);
}

// ---------------------------------------------------------------------
//  HTTP

static enum MHD_Result
s_reply (struct MHD_Connection *conn, unsigned int status, const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer (strlen (body), (void *) body,
                                                              MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header (r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header (r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result rc = MHD_queue_response (conn, status, r);
    MHD_destroy_response (r);
    return rc;
}

//  Answers at the first call, before any request body is read.
static enum MHD_Result
s_on_request (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
              const char *version, const char *upload, size_t *upload_size, void **state)
{
    metrics_t *self = cls;
    if (strcmp (url, "/metrics") != 0)
        return s_reply (conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
    if (strcmp (method, MHD_HTTP_METHOD_GET) != 0 && strcmp (method, MHD_HTTP_METHOD_HEAD) != 0)
        return s_reply (conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics only\n");
    pthread_mutex_lock (&self->lock);
    struct MHD_Response *r = self->text?
        MHD_create_response_from_buffer (self->len, self->text, MHD_RESPMEM_MUST_COPY): NULL;
    bool none = !self->text;
    pthread_mutex_unlock (&self->lock);
    if (none)
        return s_reply (conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no figures yet\n");
    if (!r)
        return MHD_NO;
    MHD_add_response_header (r, MHD_HTTP_HEADER_CONTENT_TYPE, S_CONTENT_TYPE);
    enum MHD_Result rc = MHD_queue_response (conn, MHD_HTTP_OK, r);
    MHD_destroy_response (r);
    return rc;
}

static void
s_on_mhd_log (void *cls, const char *fmt, va_list ap)
{
    char text [256], quoted [300];
    vsnprintf (text, sizeof text, fmt, ap);
    size_t n = strlen (text);
    while (n > 0 && (text [n - 1] == '\n' || text [n - 1] == '\r'))
        text [--n] = 0;
    //  Debug: mostly clients hanging up early; a failure to listen is
    //  reported by metrics_open itself.
    logfmt_debug ("metrics http", "detail=%s", logfmt_quote (quoted, sizeof quoted, text));
}

int
metrics_open (metrics_t **out, const char *listen, char *why, size_t why_size)
{
    *out = NULL;
    struct sockaddr_in sa;
    int rc = s_parse_listen (listen, true, &sa, why, why_size);
    if (rc != ERR_OK)
        return rc;
    metrics_t *self = calloc (1, sizeof *self);
    if (!self || pthread_mutex_init (&self->lock, NULL) != 0) {
        free (self);
        snprintf (why, why_size, "out of memory");
        return ERR_NOMEM;
    }
    errno = 0;
    self->mhd = MHD_start_daemon (
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG,
        ntohs (sa.sin_port), NULL, NULL, s_on_request, self,
        MHD_OPTION_EXTERNAL_LOGGER, s_on_mhd_log, NULL,     //  first, to catch all
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &sa,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) METRICS_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) METRICS_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) S_REQUEST_MEMORY,
        MHD_OPTION_END);
    if (!self->mhd) {
        snprintf (why, why_size, "metrics: cannot listen on %s: %s", listen,
                  errno? strerror (errno): "refused by libmicrohttpd");
        rc = ERR_IO;
        goto cleanup;
    }
    *out = self;
    return ERR_OK;
cleanup:
    metrics_destroy (&self);
    return rc;
}

void
metrics_destroy (metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    metrics_t *self = *self_p;
    if (self->mhd)
        MHD_stop_daemon (self->mhd);
    pthread_mutex_destroy (&self->lock);
    free (self->text);
    free (self);
    *self_p = NULL;
}

uint16_t
metrics_port (metrics_t *self)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->mhd, MHD_DAEMON_INFO_BIND_PORT);
    return info? info->port: 0;
}

void
metrics_update (metrics_t *self, const char *text)
{
    size_t len = strlen (text);
    char *copy = malloc (len + 1);
    if (!copy)
        return;
    memcpy (copy, text, len + 1);
    pthread_mutex_lock (&self->lock);
    char *old = self->text;
    self->text = copy;
    self->len = len;
    pthread_mutex_unlock (&self->lock);
    free (old);
}
