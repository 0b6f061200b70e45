/*  dashboard.h -- the operator's dashboard: a page the node serves itself.

    GET / (or /dashboard) on the metrics endpoint (metrics.h: same
    listener, 127.0.0.1 unless the operator names another address) is a
    read-only page whose stylesheet and script are compiled into licnode
    (node/serve/assets/, embedded by embed.py at build time): nothing is
    fetched from anywhere else, and the Content-Security-Policy says so to
    the browser.  The page reads GET /dashboard.json every 5 s:

      status      the node's status exactly as `licctl status --json` (and
                  --tree --json) prints it: the same Lic__NodeStatus, filled
                  by the same code in the server, turned into JSON by the
                  same function (licjson_status_to_json);
      history     lag over the last DASHBOARD_SAMPLES minutes per link:
                  each direct child (its link's lag here), each node deeper
                  below (its uplink lag as honestly as known here) and this
                  node's own uplink; one sample per DASHBOARD_STEP_S, the
                  largest lag seen in it;
      quarantine  the count and the first DASHBOARD_QUARANTINE_SHOWN entries
                  held back (quarantine_list);
      handshakes_refused  the ZAP handler's refusals since start;
      lateness    events committed here since start and how many of them
                  late, per department (lateness.h).

    Memory: the history is a fixed ring per series, at most
    DASHBOARD_SERIES_MAX series of DASHBOARD_SAMPLES samples of 8 bytes:
    DASHBOARD_HISTORY_BYTES (1,482,752 bytes, 1.5 MB) at most, allocated
    series by series as they are first seen.  A node beyond that many is
    not charted (counted as "untracked").  In memory only: a restart
    starts the history again.

    Not thread-safe: the server's thread samples and renders (about once
    a second, through metrics_dashboard); the HTTP thread only serves the
    rendered text and the compiled-in assets.
*/
#ifndef LICREPO_DASHBOARD_H
#define LICREPO_DASHBOARD_H

#include <stddef.h>
#include <stdint.h>
#include "proto/msg.h"
#include "node/store/store_rocks.h"
#include "node/links/zap.h"

#define DASHBOARD_STEP_S 60                 //  one sample per minute
#define DASHBOARD_SAMPLES 360               //  6 hours of them
#define DASHBOARD_SERIES_MAX 512            //  links and nodes charted at most
#define DASHBOARD_QUARANTINE_SHOWN 50       //  held entries listed on the page
#define DASHBOARD_DIVISION_MAX 16           //  bytes of a division code, NUL included
//  One series: its division and DASHBOARD_SAMPLES (minute, lag) pairs.
#define DASHBOARD_SERIES_BYTES (DASHBOARD_DIVISION_MAX + DASHBOARD_SAMPLES * 8)
#define DASHBOARD_HISTORY_BYTES (DASHBOARD_SERIES_MAX * DASHBOARD_SERIES_BYTES)

typedef struct dashboard_t dashboard_t;

//  NULL if out of memory.
dashboard_t *
    dashboard_new (void);

void
    dashboard_destroy (dashboard_t **self_p);

//  Records the lags of ns (as s_on_status fills it) at unix time now into
//  the history: the minute's sample keeps the largest lag seen in it.
void
    dashboard_sample (dashboard_t *self, const Lic__NodeStatus *ns, int64_t now);

//  The JSON document of /dashboard.json at unix time now (hs: the ZAP
//  handler's refusals, NULL for none; store: for the quarantine list,
//  NULL for none).  NULL if out of memory; caller frees.
char *
    dashboard_render (dashboard_t *self, const Lic__NodeStatus *ns, const zap_stats_t *hs,
                      store_t *store, int64_t now);

//  A compiled-in asset of the page.
typedef struct {
    const char *url;                        //  "/dashboard.js"
    const char *type;                       //  its Content-Type
    const unsigned char *data;
    size_t len;
} dashboard_asset_t;

//  The asset served at url ("/" and "/dashboard" are the page), or NULL.
const dashboard_asset_t *
    dashboard_asset (const char *url);

#endif
