/*  metrics_render.c -- the Prometheus exposition text of a node's
    figures (metrics_render) and the store's figures it includes
    (metrics_store_fill); metrics.c serves it.  Pure formatting: no
    socket, no lock, no thread.

    Exposition format 0.0.4: prometheus.io/docs/instrumenting/exposition_formats.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "node/pipeline/lateness.h"
#include "node/pipeline/verifier.h"
#include "node/serve/metrics.h"
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
    s_u64 (b, "licrepo_queries_aggregated_total", "counter",
           "Refused queries counted in aggregated audit records rather than one by one.",
           ns->queries_aggregated);
    s_u64 (b, "licrepo_busy_total", "counter",
           "Requests answered ERR_BUSY: over a key's rate, or its replies not read.", ns->busy);
    s_u64 (b, "licrepo_replies_dropped_total", "counter",
           "Replies dropped: the connection read none while its queue was full.",
           ns->replies_dropped);
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
    S_CHILD_CONNECTED, S_CHILD_CHECKPOINT, S_CHILD_FILES, S_CHILD_SERIES
} s_child_series_t;

static const char *s_child_names [S_CHILD_SERIES][2] = {
    { "licrepo_child_acked_seq", "Child's last seq durable here (its high-water mark)." },
    { "licrepo_child_head_seq", "Child's head seq as it last reported it." },
    { "licrepo_child_lag_entries", "Child's entries not yet durable here, plus those held (quarantined) here." },
    { "licrepo_child_lag_seconds", "Age of the child's oldest entry not yet durable or held here." },
    { "licrepo_child_last_contact_timestamp_seconds", "Last frame from the child (0 = never)." },
    { "licrepo_child_connected", "1 while the child is connected and recently heard from." },
    { "licrepo_child_checkpoint_size", "Size of the child's last checkpoint verified here." },
    { "licrepo_child_files_missing", "License files named by the child's entries, not yet fetched from it." },
};

static void
s_child_value (s_buf_t *b, const Lic__ChildStatus *cs, s_child_series_t which)
{
    switch (which) {
        case S_CHILD_ACKED:     s_printf (b, "%" PRIu64, cs->acked_seq); break;
        case S_CHILD_HEAD:      s_printf (b, "%" PRIu64, cs->child_head); break;
        case S_CHILD_LAG:       s_printf (b, "%" PRIu64, cs->lag); break;
        case S_CHILD_LAG_S:     s_printf (b, "%" PRId64, cs->lag_seconds); break;
        case S_CHILD_CONTACT:   s_printf (b, "%" PRId64, cs->last_contact); break;
        case S_CHILD_CONNECTED: s_printf (b, "%d", cs->connected? 1: 0); break;
        case S_CHILD_CHECKPOINT: s_printf (b, "%" PRIu64, cs->checkpoint_size); break;
        case S_CHILD_FILES:     s_printf (b, "%" PRIu64, cs->files_missing); break;
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

//  Every node below this one (node/links/subtree.h), from the signed summaries its
//  children relay: so the province's metrics show each county.
typedef enum {
    S_NODE_LAG_S, S_NODE_LAG, S_NODE_SEEN, S_NODE_UP, S_NODE_QUAR, S_NODE_DISK, S_NODE_SERIES
} s_node_series_t;

static const char *s_node_names [S_NODE_SERIES][2] = {
    { "licrepo_node_lag_seconds", "A node below: age of its oldest entry not yet at its parent, "
      "or at least its silence when it is silent." },
    { "licrepo_node_lag_entries", "A node below: its entries not yet durable at its parent, as it last said, "
      "plus its entries held (quarantined) here or between." },
    { "licrepo_node_last_seen_timestamp_seconds", "A node below: when its latest signed summary arrived here." },
    { "licrepo_node_up", "A node below: 1 if heard within 15 s and streaming to its parent, else 0." },
    { "licrepo_node_quarantined", "A node below: entries it holds in quarantine, as it last said." },
    { "licrepo_node_disk_free_bytes", "A node below: free disk of its data directory, as it last said." },
};

static void
s_render_subtree (s_buf_t *b, const Lic__NodeStatus *ns)
{
    if (ns->n_subtree == 0)
        return;
    for (int which = 0; which < S_NODE_SERIES; which++) {
        s_family (b, s_node_names [which][0], "gauge", s_node_names [which][1]);
        for (size_t i = 0; i < ns->n_subtree; i++) {
            const Lic__SubtreeNode *n = ns->subtree [i];
            const Lic__NodeSummary *s = n->summary;
            if (!s)
                continue;
            s_printf (b, "%s{", s_node_names [which][0]);
            s_label (b, "node", s->division);
            s_printf (b, ",");
            s_label (b, "parent", s->parent_division);
            s_printf (b, "} ");
            switch ((s_node_series_t) which) {
                case S_NODE_LAG_S: s_printf (b, "%" PRId64, n->lag_seconds); break;
                case S_NODE_LAG:   s_printf (b, "%" PRIu64, n->lag); break;
                case S_NODE_SEEN:  s_printf (b, "%" PRId64, n->last_seen); break;
                case S_NODE_UP:    s_printf (b, "%d", !n->silent
                                             && strcmp (s->uplink_state, "streaming") == 0); break;
                case S_NODE_QUAR:  s_printf (b, "%" PRIu64, s->quarantined); break;
                case S_NODE_DISK:  s_printf (b, "%" PRIu64, s->disk_free_mb << 20); break;
                default: break;
            }
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
    s_u64 (b, "licrepo_publish_frames_total", "counter",
           "Publish and PublishBatch requests answered (events per frame: their ratio to published, "
           "duplicates and rejected).", st->publish_frames);
    s_u64 (b, "licrepo_applied_total", "counter", "Replicated entries applied.", st->applied);
    s_u64 (b, "licrepo_signature_checks_total", "counter",
           "Ed25519 signatures checked by the verifier pool (events, replicated entries).",
           st->verifies);
    char help [96];
    snprintf (help, sizeof help, "CPU time of those checks (one in %d timed on its thread's "
              "CPU clock).", VERIFIER_TIMED_EVERY);
    s_family (b, "licrepo_signature_check_cpu_seconds_total", "counter", help);
    s_printf (b, "licrepo_signature_check_cpu_seconds_total %.6f\n", (double) st->verify_ns / 1e9);
    s_u64 (b, "licrepo_skipped_total", "counter", "Replicated entries already held.",
           st->skipped);
    s_u64 (b, "licrepo_quarantined_total", "counter", "Replicated entries quarantined.",
           st->quarantined);
    s_u64 (b, "licrepo_write_errors_total", "counter", "Synced writes that failed.",
           st->write_errors);
}

//  Same-day rule (regulation Art. 7-8, lateness.h): every department
//  that committed an event here since start, 0 included, so the first
//  late event is an increase Prometheus sees.
static void
s_render_lateness (s_buf_t *b)
{
    s_family (b, "licrepo_late_events_total", "counter",
              "Events committed here on a later day (UTC+8) than their completed_at, "
              "by issuing department (\"other\" past the first 4096).");
    lateness_count_t *counts = NULL;
    size_t n = lateness_counts (&counts);
    for (size_t i = 0; i < n; i++) {
        s_printf (b, "licrepo_late_events_total{");
        s_label (b, "issuer", counts [i].issuer);
        s_printf (b, "} %" PRIu64 "\n", counts [i].late);
    }
    free (counts);
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

_Static_assert (STORE_CF_COUNT == 17, "name the new column family in s_cf_names");
static const char *s_cf_names [STORE_CF_COUNT] = {
    [STORE_CF_META] = "meta", [STORE_CF_LOG] = "log", [STORE_CF_LICENSE] = "license",
    [STORE_CF_HOLDER] = "holder", [STORE_CF_HISTORY] = "history", [STORE_CF_DEDUP] = "dedup",
    [STORE_CF_REGISTRY] = "registry", [STORE_CF_ORIGIN] = "origin", [STORE_CF_CHILD] = "child",
    [STORE_CF_TREE] = "tree", [STORE_CF_CATALOGUE] = "catalogue", [STORE_CF_AUDIT] = "audit",
    [STORE_CF_QUARANTINE] = "quarantine", [STORE_CF_BLOB] = "blob",
    [STORE_CF_SECRET] = "secret", [STORE_CF_SUCCESSOR] = "successor",
    [STORE_CF_FILE] = "file",
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
    s_u64 (b, "licrepo_rocksdb_block_cache_pinned_bytes", "gauge",
           "Of the block cache, entries pinned (top levels of indexes and filters, reads in progress).",
           db->block_cache_pinned);
    s_u64 (b, "licrepo_file_blob_bytes", "gauge", "Blob files of license files.", db->blob_bytes);
    s_u64 (b, "licrepo_file_blob_garbage_bytes", "gauge",
           "Of the blob files, chunks of dropped uploads (collected past a bound).", db->blob_garbage);
    s_u64 (b, "licrepo_file_blob_gc_passes_total", "counter",
           "Blob garbage collection passes done.", db->blob_gc_passes);
    s_u64 (b, "licrepo_file_blob_gc_failures_total", "counter",
           "Blob garbage collection passes failed or cancelled.", db->blob_gc_failures);
    s_family (b, "licrepo_rocksdb_estimate_keys", "gauge", "Estimated keys per column family.");
    for (int cf = 0; cf < STORE_CF_COUNT; cf++) {
        s_printf (b, "licrepo_rocksdb_estimate_keys{");
        s_label (b, "cf", s_cf_names [cf]);
        s_printf (b, "} %" PRIu64 "\n", db->keys [cf]);
    }
}

//  License files named by entries here and not held yet (proto/README.md
//  section 12): in all (0: the node holds every file its entries name)
//  and by the origin of the entries.
static void
s_render_files (s_buf_t *b, const Lic__NodeStatus *ns)
{
    s_u64 (b, "licrepo_files_missing", "gauge",
           "License files named by entries here and not held yet (0: complete).", ns->files_missing);
    if (ns->n_files_missing_by_origin == 0)
        return;
    s_family (b, "licrepo_files_missing_origin", "gauge",
              "License files not held yet, by the origin of the entries that name them.");
    for (size_t i = 0; i < ns->n_files_missing_by_origin; i++) {
        s_printf (b, "licrepo_files_missing_origin{");
        s_label (b, "origin", ns->files_missing_by_origin [i]->origin);
        s_printf (b, "} %" PRIu64 "\n", ns->files_missing_by_origin [i]->files);
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
    s_render_files (&b, ns);
    s_render_subtree (&b, ns);
    s_render_ingest (&b, ns, st);
    s_render_lateness (&b);
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
    out->block_cache_pinned = store_property (store, STORE_CF_LOG, "rocksdb.block-cache-pinned-usage");
    store_blob_t blob;
    store_blob_stats (store, STORE_CF_FILE, &blob);
    out->blob_bytes = blob.bytes;
    out->blob_garbage = blob.garbage;
    out->blob_gc_passes = blob.passes;
    out->blob_gc_failures = blob.failures;
}

