/*  metrics.h -- Prometheus text endpoint (exposition format 0.0.4).

    The server thread renders the node's figures (metrics_render) about
    once a second and hands the text over (metrics_update); the
    endpoint's own thread serves the latest text (and its own counters,
    licrepo_metrics_connections_closed_total) on GET /metrics, and the
    operator's dashboard (dashboard.h: GET /, /dashboard, its assets and
    /dashboard.json, rendered by the server thread through
    metrics_dashboard) and nothing else; read-only (GET and HEAD).
    Requests therefore never touch the store, the pipeline or the
    server's state, and cost one copy of the text.  Slow or surplus
    clients are bounded by the constants below (metrics.c says how).

    Deliberately not here: TLS, authentication, IPv6, host names.  The
    endpoint listens on a numeric IPv4 address, 127.0.0.1 unless the
    operator names another one (config "metrics_listen").
*/
#ifndef LICREPO_METRICS_H
#define LICREPO_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "proto/err.h"
#include "node/pipeline/ingest.h"
#include "proto/msg.h"
#include "node/store/store_rocks.h"
#include "node/links/zap.h"

#define METRICS_CONNECTIONS 16      //  concurrent HTTP connections at most
#define METRICS_PER_ADDRESS 4       //  of them from one client address
#define METRICS_DEADLINE_S 5        //  a request not answered by then is closed
#define METRICS_DASHBOARD_WATCH_S 120   //  /dashboard.json rendered while asked within this
#define METRICS_DASHBOARD_FRESH_S 3 //  and never served older (503 instead)

typedef struct metrics_t metrics_t;

//  RocksDB figures, filled by metrics_store_fill (or by hand in tests).
typedef struct {
    uint64_t sst_bytes;             //  rocksdb.total-sst-files-size, all families
    uint64_t live_data_bytes;       //  rocksdb.estimate-live-data-size, all families
    uint64_t memtable_bytes;        //  rocksdb.cur-size-all-mem-tables, all families
    uint64_t block_cache_bytes;     //  rocksdb.block-cache-usage (one shared cache)
    uint64_t block_cache_pinned;    //  rocksdb.block-cache-pinned-usage: of it, pinned
    uint64_t blob_bytes;            //  license files' blob files (store_blob_stats)
    uint64_t blob_garbage;          //  of them, dropped uploads' chunks counted by RocksDB
    uint64_t blob_gc_passes;        //  garbage collection passes done, and failed
    uint64_t blob_gc_failures;
    uint64_t keys [STORE_CF_COUNT]; //  rocksdb.estimate-num-keys per family
} metrics_store_t;

//  Checks a "HOST:PORT" listen address: HOST a numeric IPv4 address or
//  empty (127.0.0.1), PORT 1..65535.  ERR_OK or ERR_BAD_FIELD with why.
int MUST_CHECK
    metrics_listen_check (const char *listen, char *why, size_t why_size);

//  Starts the HTTP endpoint on listen (as metrics_listen_check, except
//  that port 0 picks a free port: see metrics_port).  Until the first
//  metrics_update it answers 503.  ERR_OK; ERR_BAD_FIELD (bad address),
//  ERR_IO (cannot bind), ERR_NOMEM; why says which.  Caller owns *out.
int MUST_CHECK
    metrics_open (metrics_t **out, const char *listen, char *why, size_t why_size);

//  Stops the HTTP thread (waits for it), frees, nulls *self_p.
void
    metrics_destroy (metrics_t **self_p);

//  The port the endpoint listens on.
uint16_t
    metrics_port (metrics_t *self);

//  Replaces the text served from now on (copied; text stays the
//  caller's).  Any thread.  Out of memory: the previous text stays.
void
    metrics_update (metrics_t *self, const char *text);

//  Server thread, about once a second with metrics_update: records the
//  lags of ns in the dashboard's history and, while the dashboard is
//  being read (asked for within METRICS_DASHBOARD_WATCH_S), renders the
//  /dashboard.json served from now on (ns as s_on_status fills it, hs
//  the ZAP handler's refusals or NULL, store for the quarantine list).
void
    metrics_dashboard (metrics_t *self, const Lic__NodeStatus *ns, const zap_stats_t *hs,
                       store_t *store);

//  Reads the RocksDB figures of store into out.
void
    metrics_store_fill (metrics_store_t *out, store_t *store);

//  Renders the exposition text: ns as s_on_status fills it (with
//  ns->rejected = st->rejected + frames refused before dispatch), the
//  pipeline's counters st, db (NULL: no rocksdb_* series) and the ZAP
//  handler's refusals hs (NULL: no licrepo_handshake_refused_total).
//  Series of the uplink are left out when the node has no parent
//  (uplink_state "none" or empty).  NULL if out of memory; caller frees
//  the result.
char *
    metrics_render (const Lic__NodeStatus *ns, const ingest_stats_t *st,
                    const metrics_store_t *db, const zap_stats_t *hs);

#endif
