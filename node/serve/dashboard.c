/*  dashboard.c -- the operator's dashboard (see dashboard.h).  */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/err.h"
#include "node/common/licjson.h"
#include "node/serve/dashboard.h"
#include "node/serve/dashboard_assets.h"
#include "node/pipeline/lateness.h"
#include "node/serve/quarantine.h"

typedef struct {
    uint32_t minute;                //  unix time / DASHBOARD_STEP_S; 0 = empty
    int32_t lag;                    //  largest lag seen in it, seconds (capped)
} s_sample_t;

typedef struct {
    char division [DASHBOARD_DIVISION_MAX];
    s_sample_t samples [DASHBOARD_SAMPLES];    //  ring: slot = minute % DASHBOARD_SAMPLES
} s_series_t;

_Static_assert (sizeof (s_series_t) == DASHBOARD_SERIES_BYTES,
                "DASHBOARD_SERIES_BYTES states the bound: keep it true");

struct dashboard_t {
    s_series_t *series [DASHBOARD_SERIES_MAX];  //  in order of first sight
    size_t n_series;
    uint64_t untracked;             //  distinct divisions seen at the last sample, not charted
};

dashboard_t *
dashboard_new (void)
{
    return calloc (1, sizeof (dashboard_t));
}

void
dashboard_destroy (dashboard_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dashboard_t *self = *self_p;
    for (size_t i = 0; i < self->n_series; i++)
        free (self->series [i]);
    free (self);
    *self_p = NULL;
}

static s_series_t *
s_series (dashboard_t *self, const char *division, bool *untracked)
{
    if (!division || !*division || strlen (division) >= DASHBOARD_DIVISION_MAX)
        return NULL;
    for (size_t i = 0; i < self->n_series; i++)
        if (strcmp (self->series [i]->division, division) == 0)
            return self->series [i];
    s_series_t *s = self->n_series < DASHBOARD_SERIES_MAX? calloc (1, sizeof *s): NULL;
    if (!s) {
        *untracked = true;
        return NULL;
    }
    snprintf (s->division, sizeof s->division, "%s", division);
    self->series [self->n_series++] = s;
    return s;
}

static void
s_record (dashboard_t *self, const char *division, int64_t lag, int64_t now, uint64_t *untracked)
{
    bool lost = false;
    s_series_t *s = s_series (self, division, &lost);
    if (lost)
        (*untracked)++;
    if (!s || now < DASHBOARD_STEP_S)
        return;
    uint32_t minute = (uint32_t) (now / DASHBOARD_STEP_S);
    int32_t value = lag < 0? 0: lag > INT32_MAX? INT32_MAX: (int32_t) lag;
    s_sample_t *slot = &s->samples [minute % DASHBOARD_SAMPLES];
    if (slot->minute != minute)
        *slot = (s_sample_t) { minute, value };
    else
    if (value > slot->lag)
        slot->lag = value;
}

static bool
s_is_child (const Lic__NodeStatus *ns, const char *division)
{
    for (size_t i = 0; i < ns->n_children; i++)
        if (strcmp (ns->children [i]->division, division) == 0)
            return true;
    return false;
}

void
dashboard_sample (dashboard_t *self, const Lic__NodeStatus *ns, int64_t now)
{
    uint64_t untracked = 0;
    //  This node's own link to its parent, if it has one.
    if (ns->uplink_state && *ns->uplink_state && strcmp (ns->uplink_state, "none") != 0)
        s_record (self, ns->division, ns->uplink_lag_seconds, now, &untracked);
    //  Each child's link as measured here.
    for (size_t i = 0; i < ns->n_children; i++)
        s_record (self, ns->children [i]->division, ns->children [i]->lag_seconds, now,
                  &untracked);
    //  Every node deeper below: its uplink lag as honestly as known here.
    for (size_t i = 0; i < ns->n_subtree; i++) {
        const Lic__SubtreeNode *n = ns->subtree [i];
        if (n->summary && !s_is_child (ns, n->summary->division))
            s_record (self, n->summary->division, n->lag_seconds, now, &untracked);
    }
    self->untracked = untracked;
}

// ---------------------------------------------------------------------
//  /dashboard.json

//  What the series of division measures at this node.
static const char *
s_kind (const Lic__NodeStatus *ns, const char *division)
{
    if (strcmp (division, ns->division) == 0)
        return "uplink";
    return s_is_child (ns, division)? "link": "node";
}

static json_t *
s_history (dashboard_t *self, const Lic__NodeStatus *ns, int64_t now)
{
    json_t *series = json_array ();
    uint32_t newest = (uint32_t) (now / DASHBOARD_STEP_S);
    for (size_t i = 0; series && i < self->n_series; i++) {
        const s_series_t *s = self->series [i];
        json_t *points = json_array ();
        //  Oldest first: the slot after this minute's holds the oldest.
        for (uint32_t k = 1; points && k <= DASHBOARD_SAMPLES; k++) {
            const s_sample_t *p = &s->samples [(newest + k) % DASHBOARD_SAMPLES];
            if (p->minute && p->minute + DASHBOARD_SAMPLES > newest && p->minute <= newest)
                json_array_append_new (points, json_pack ("[I,i]",
                    (json_int_t) p->minute * DASHBOARD_STEP_S, (int) p->lag));
        }
        json_array_append_new (series, json_pack ("{s:s, s:s, s:o*}", "division", s->division,
                                                  "kind", s_kind (ns, s->division),
                                                  "points", points));
    }
    return json_pack ("{s:i, s:i, s:i, s:I, s:I, s:o*}", "step_s", DASHBOARD_STEP_S,
                      "samples", DASHBOARD_SAMPLES, "series_max", DASHBOARD_SERIES_MAX,
                      "bytes_max", (json_int_t) DASHBOARD_HISTORY_BYTES,
                      "untracked", (json_int_t) self->untracked, "series", series);
}

static json_t *
s_quarantine (store_t *store)
{
    json_t *shown = json_array ();
    Lic__QuarantineRequest req;
    lic__quarantine_request__init (&req);
    req.limit = DASHBOARD_QUARANTINE_SHOWN;
    //  quarantine_list fills members to be freed with the reply holding them.
    Lic__Reply *reply = calloc (1, sizeof *reply);
    Lic__QuarantineResult *res = calloc (1, sizeof *res);
    if (!reply || !res || !store || !shown) {
        free (reply);
        free (res);
        json_decref (shown);
        return json_pack ("{s:I, s:[], s:b}", "total", (json_int_t) 0, "shown", "more", false);
    }
    codec_reply_init (reply);
    reply->body_case = LIC__REPLY__BODY_QUARANTINE;
    reply->quarantine = res;
    bool listed = quarantine_list (store, &req, res) == ERR_OK;
    for (size_t i = 0; listed && i < res->n_items; i++) {
        const Lic__QuarantineItem *it = res->items [i];
        json_array_append_new (shown, json_pack ("{s:s, s:I, s:s, s:s, s:I}",
            "origin", it->origin, "origin_seq", (json_int_t) it->origin_seq,
            "code", err_str (it->code), "reason", it->reason,
            "entry_bytes", (json_int_t) it->entry_bytes));
    }
    json_t *out = json_pack ("{s:I, s:o, s:b}", "total", (json_int_t) (listed? res->total: 0),
                             "shown", shown, "more", listed && res->more);
    codec_reply_free (&reply);
    return out;
}

static json_t *
s_handshakes (const zap_stats_t *hs)
{
    json_t *list = json_array ();
    for (int socket = 0; hs && list && socket < ZAP_SOCKETS; socket++)
        for (int v = ZAP_ADMITTED + 1; v < ZAP_VERDICTS; v++)
            if (hs->refused [socket][v] || socket != ZAP_SOCKET_OTHER)
                json_array_append_new (list, json_pack ("{s:s, s:s, s:I}",
                    "socket", zap_socket_name (socket), "reason", zap_verdict_name (v),
                    "count", (json_int_t) hs->refused [socket][v]));
    return list;
}

//  Events committed here since start and how many late, per department
//  (lateness.h).
static json_t *
s_lateness (void)
{
    json_t *departments = json_array ();
    lateness_count_t *counts = NULL;
    size_t n = lateness_counts (&counts);
    for (size_t i = 0; departments && i < n; i++)
        json_array_append_new (departments, json_pack ("{s:s, s:I, s:I}",
            "issuer", counts [i].issuer, "events", (json_int_t) counts [i].events,
            "late", (json_int_t) counts [i].late));
    free (counts);
    return json_pack ("{s:s, s:o*}", "legend",
        "Events committed at this node since it started, per issuing department: late when "
        "committed on a later day (UTC+8) than their completion (regulation Art. 7-8). "
        "Per day and from the whole log: licctl report lateness --summary.",
        "departments", departments);
}

char *
dashboard_render (dashboard_t *self, const Lic__NodeStatus *ns, const zap_stats_t *hs,
                  store_t *store, int64_t now)
{
    json_t *doc = json_pack ("{s:i, s:I, s:o*, s:o*, s:o*, s:o*, s:o*}", "version", 1,
                             "generated_at", (json_int_t) now,
                             "status", licjson_status_to_json (ns),
                             "history", s_history (self, ns, now),
                             "quarantine", s_quarantine (store),
                             "handshakes_refused", s_handshakes (hs),
                             "lateness", s_lateness ());
    if (!doc)
        return NULL;
    //  A part that could not be built (out of memory) fails the whole.
    const char *parts [] = { "status", "history", "quarantine", "handshakes_refused",
                             "lateness" };
    for (size_t i = 0; i < sizeof parts / sizeof parts [0]; i++)
        if (!json_object_get (doc, parts [i])) {
            json_decref (doc);
            return NULL;
        }
    char *text = json_dumps (doc, JSON_COMPACT);
    json_decref (doc);
    return text;
}

// ---------------------------------------------------------------------
//  Assets

static const dashboard_asset_t s_assets [] = {
    { "/dashboard", "text/html; charset=utf-8", s_dashboard_html, S_DASHBOARD_HTML_LEN },
    { "/dashboard.css", "text/css; charset=utf-8", s_dashboard_css, S_DASHBOARD_CSS_LEN },
    { "/dashboard.js", "text/javascript; charset=utf-8", s_dashboard_js, S_DASHBOARD_JS_LEN },
};

const dashboard_asset_t *
dashboard_asset (const char *url)
{
    if (strcmp (url, "/") == 0)
        return &s_assets [0];
    for (size_t i = 0; i < sizeof s_assets / sizeof s_assets [0]; i++)
        if (strcmp (url, s_assets [i].url) == 0)
            return &s_assets [i];
    return NULL;
}
