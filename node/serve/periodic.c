/*  periodic.c -- what the main loop does on its own: checkpoints, the
    summary for the parent, metrics, the overdue-inspection count,
    recovery after a failed write, and a reload on SIGHUP.
*/
#include <signal.h>
#include <sys/statvfs.h>
#include <time.h>
#include "node/base/logfmt.h"
#include "node/serve/periodic.h"
#include "node/serve/reads.h"
#include "proto/catalogue.h"
#include "proto/seal.h"
#include "replication/checkpoint.h"

//  Counts licenses whose annual inspection is overdue, a slice every 50 ms
//  of at most SERVER_OVERDUE_SLICE licenses and SERVER_OVERDUE_BUDGET_US
//  of time, so a large repository never stalls the loop (a whole-second
//  slice showed up as the p99 of publishes and queries).
#define SERVER_OVERDUE_SLICE 200
#define SERVER_OVERDUE_BUDGET_US 400
#define SERVER_OVERDUE_EVERY_MS 50

static void
s_overdue_step (server_t *self)
{
    if (views_types (self->views) == 0) {
        self->overdue_count = 0;
        return;
    }
    int64_t t0 = zclock_usecs ();
    size_t cl = strlen (self->overdue_cursor);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_LICENSE, NULL, 0,
                                       cl? self->overdue_cursor: NULL, cl);
    const uint8_t *k, *v;
    size_t kl, vl;
    int n = 0;
    bool more = false;
    time_t now = time (NULL);
    while (it && store_iter_next (it, &k, &kl, &v, &vl)) {
        //  At least one license per slice, so a slow disk still progresses.
        if (n == SERVER_OVERDUE_SLICE || (n > 0 && zclock_usecs () - t0 > SERVER_OVERDUE_BUDGET_US)) {
            snprintf (self->overdue_cursor, sizeof self->overdue_cursor, "%.*s", (int) kl, (const char *) k);
            more = true;
            break;
        }
        Lic__LicenseState *st = NULL;
        const Lic__LicenseType *t = NULL;
        //  With its content (issue date): proto/licstate.h.
        if (views_state_complete (self->store, v, vl, &st) == ERR_OK && st->catalogue_version
        &&  (t = views_type_at (self->views, st->origin_division, st->license_id,
                               st->catalogue_version))
        &&  catalogue_inspection_overdue (t, st, now))
            self->overdue_partial++;
        codec_state_free (&st);
        n++;
    }
    store_iter_destroy (&it);
    if (!more) {
        self->overdue_count = self->overdue_partial;
        self->overdue_partial = 0;
        self->overdue_cursor [0] = 0;
    }
}

//  SIGHUP: re-read the configuration file; new children are added and
//  removed ones refused, without dropping any link; allowed/ is written
//  again from the configuration and the registry.  Anything else that
//  changed (listen addresses, parent) needs a restart, and says so.
static volatile sig_atomic_t s_hangup;

static void
s_on_sighup (int sig)
{
    s_hangup = 1;
}

static void
s_reload (server_t *self)
{
    s_hangup = 0;
    if (!*self->cfg->file) {
        logfmt_msgf (LOGFMT_INFO, "SIGHUP: no configuration file to reload");
        return;
    }
    config_t *fresh = malloc (sizeof *fresh);
    char why [512];
    if (!fresh)
        return;
    config_defaults (fresh);
    //  The same checks as at start (config_check): a file that would not
    //  start the node changes nothing of the running one.
    if (config_load (fresh, self->cfg->file, why, sizeof why) != ERR_OK
    ||  config_check (fresh, why, sizeof why) != ERR_OK) {
        logfmt_msgf (LOGFMT_ERROR, "SIGHUP: %s: configuration kept as it was", why);
        free (fresh);
        return;
    }
    if (!streq (fresh->division, self->cfg->division) || !streq (fresh->listen, self->cfg->listen)
    ||  !streq (fresh->repl_listen, self->cfg->repl_listen) || fresh->has_parent != self->cfg->has_parent
    ||  (fresh->has_parent && !streq (fresh->parent.endpoint, self->cfg->parent.endpoint)))
        logfmt_msgf (LOGFMT_WARN, "SIGHUP: division, listen addresses and parent take effect at the next restart");
    if (self->downlink)
        downlink_reload (self->downlink, fresh);
    else
    if (fresh->n_children > 0)
        logfmt_msgf (LOGFMT_WARN, "SIGHUP: children need replication_listen and a restart to be served");
    //  The admitted keys follow the new list of children (and the
    //  registry, as always).
    self->n_children = fresh->n_children;
    memcpy (self->children, fresh->children, (size_t) fresh->n_children * sizeof *self->children);
    if (server_admit (self) != ERR_OK)
        logfmt_msgf (LOGFMT_ERROR, "SIGHUP: admitted keys kept as they were");
    logfmt_msgf (LOGFMT_INFO, "SIGHUP: configuration %s reloaded", self->cfg->file);
    free (fresh);
}

//  Installs the SIGHUP handler the main loop polls (periodic_on_hangup).
void
periodic_watch_hangup (void)
{
    signal (SIGHUP, s_on_sighup);
}

void
periodic_on_hangup (server_t *self)
{
    if (s_hangup)
        s_reload (self);
}

//  Renders the Prometheus exposition for the metrics thread to serve.
static void
s_metrics (server_t *self)
{
    ingest_stats_t st;
    Lic__NodeStatus ns;
    uint8_t curve [32];
    reads_status_fill (self, &st, &ns, curve, NULL, false);
    metrics_store_t db;
    metrics_store_fill (&db, self->store);
    zap_stats_t hs;
    if (zap_stats (self->auth, &hs) != ERR_OK)
        logfmt_msgf (LOGFMT_WARN, "the ZAP handler's counters could not be read");
    char *text = metrics_render (&ns, &st, &db, &hs);
    if (text)
        metrics_update (self->metrics, text);
    free (text);
    metrics_dashboard (self->metrics, &ns, &hs, self->store);  //  dashboard.h
    downlink_status_free (&ns);
}

//  Signs a checkpoint of the durable log when it grew (C2SP
//  tlog-checkpoint, key name and origin "licrepo/<division>").
static void
s_checkpoint (server_t *self)
{
    uint64_t size = ingest_durable (self->ingest);
    if (size == self->checkpoint_size && self->checkpoint)
        return;
    uint8_t root [32];
    char origin [64], *note = NULL;
    snprintf (origin, sizeof origin, "licrepo/%s", self->cfg->division);
    if (tree_root (views_tree (self->views), size, root) != ERR_OK
    ||  checkpoint_sign (origin, size, root, origin, self->id->node.sign_sk,
                         self->id->node.sign_pk, &note) != ERR_OK)
        return;
    free (self->checkpoint);
    self->checkpoint = note;
    self->checkpoint_size = size;
    //  Written by the committer thread: here it would wait for the synced
    //  write in progress with the whole loop (ingest_write_aside).
    store_batch_t *b = store_batch_new (self->store);
    if (b) {
        store_batch_put (b, STORE_CF_META, "checkpoint", 10, note, strlen (note));
        ingest_write_aside (self->ingest, &b, "checkpoint");
    }
    if (self->uplink)
        uplink_set_checkpoint (self->uplink, size, note);
}

//  A write failed (disk full, I/O error): every publish is refused with
//  that error until the cause is gone; then the repository is reopened
//  and the node goes on by itself.  Tried every 2 s, only while nothing
//  is being written.
#define SERVER_RECOVER_FREE (8 * 1024 * 1024)

static void
s_try_recover (server_t *self)
{
    struct statvfs vfs;
    if (!store_failed (self->store) || !ingest_idle (self->ingest) || self->backup)
        return;
    if (statvfs (self->cfg->data_dir, &vfs) == 0
    &&  (uint64_t) vfs.f_bavail * vfs.f_frsize < SERVER_RECOVER_FREE)
        return;     //  still full: nothing to try yet
    char why [256] = "";
    int rc = store_recover (self->store, why, sizeof why);
    if (rc == ERR_OK && (rc = views_abort (self->views)) == ERR_OK
    &&  (rc = server_admit (self)) == ERR_OK)     //  registrations not written are not admitted
        logfmt_msgf (LOGFMT_INFO, "repository recovered after a failed write: accepting publishes again");
    else
        logfmt_msgf (LOGFMT_WARN, "repository not recovered yet: %s %s", err_str (rc), why);
}

//  The garbage of the file family's blob files (files_gc_check: a GC
//  pass on its own thread when it exceeds its bound).  Checked every
//  second: two property reads, ~0.2 us (test_files), so garbage counted
//  by a compaction waits a second, not a minute.  Not while a backup
//  runs: it keeps the blob files a pass leaves until it ends.
static void
s_blob_gc (server_t *self)
{
    store_blob_t b;
    bool started = false;
    if (self->backup)
        return;
    int rc = files_gc_check (self->store, FILES_GC_FLOOR, &b, &started);
    if (started)
        logfmt_info ("license files' blob garbage over its bound: a GC pass started",
                     "garbage=%llu blob_bytes=%llu passes=%llu", (unsigned long long) b.garbage,
                     (unsigned long long) b.bytes, (unsigned long long) b.passes);
    else
    if (rc != ERR_OK)
        logfmt_warn ("license files' blob garbage over its bound, no GC pass started: tried "
                     "again later", "error=%s garbage=%llu blob_bytes=%llu", err_str (rc),
                     (unsigned long long) b.garbage, (unsigned long long) b.bytes);
}

//  Most held first.
static int
s_cmp_held (const void *a, const void *b)
{
    const Lic__HeldOrigin *x = *(Lic__HeldOrigin *const *) a, *y = *(Lic__HeldOrigin *const *) b;
    return x->entries < y->entries? 1: x->entries > y->entries? -1: strcmp (x->origin, y->origin);
}

//  Our signed NodeSummary for the parent's heartbeat (README
//  "Replication"; node/links/subtree.h): what our status says of us,
//  signed with the node key, so every level above holds it as we stated
//  it.
static void
s_summary (server_t *self)
{
    if (!self->uplink)
        return;
    ingest_stats_t st;
    Lic__NodeStatus ns;
    uint8_t curve [32];
    reads_status_fill (self, &st, &ns, curve, NULL, false);
    Lic__NodeSummary sum;
    codec_node_summary_init (&sum);
    sum.division = ns.division;
    sum.parent_division = ns.parent_division;
    sum.head_seq = ns.head_seq;
    sum.uplink_acked = ns.uplink_acked;
    sum.uplink_lag = ns.uplink_lag;
    sum.uplink_lag_seconds = ns.uplink_lag_seconds;
    sum.uplink_state = ns.uplink_state;
    sum.uplink_error = ns.uplink_error;
    sum.made_at = (int64_t) time (NULL);
    sum.started_at = ns.started_at;
    sum.quarantined = ns.quarantined;
    //  The origins whose entries we hold, most first: above us they count
    //  in those origins' lag (subtree_held_for), since we acked them.
    Lic__HeldOrigin *held [QUARANTINE_STATS_MAX];
    size_t n_held = ns.n_held_by_origin < QUARANTINE_STATS_MAX? ns.n_held_by_origin: QUARANTINE_STATS_MAX;
    if (n_held) {
        memcpy (held, ns.held_by_origin, n_held * sizeof held [0]);
        qsort (held, n_held, sizeof held [0], s_cmp_held);
    }
    sum.held = held;
    sum.n_held = n_held < SUBTREE_HELD_MAX? n_held: SUBTREE_HELD_MAX;
    sum.software = LICREPO_VERSION;
    sum.children = (uint32_t) ns.n_children;
    for (size_t i = 0; i < ns.n_children; i++)
        sum.children_connected += ns.children [i]->connected;
    struct statvfs vfs;
    if (statvfs (self->cfg->data_dir, &vfs) == 0)
        sum.disk_free_mb = (uint64_t) vfs.f_bavail * vfs.f_frsize >> 20;
    //  Within what the parent keeps: the fewest held origins go first,
    //  then the text of the last uplink error (our status keeps it whole).
    while (lic__node_summary__get_packed_size (&sum) > SUBTREE_BODY_MAX) {
        if (sum.n_held)
            sum.n_held--;
        else
        if (*sum.uplink_error)
            sum.uplink_error = "";
        else
            break;
    }
    uint8_t *body = NULL, *env_bytes = NULL, sig [SEAL_SIG_BYTES];
    size_t len, env_len;
    if (codec_node_summary_encode (&sum, &body, &len) == ERR_OK) {
        seal_sign (sig, body, len, self->id->node.sign_sk);
        Lic__Envelope env;
        codec_envelope_init (&env);
        env.body.data = body;
        env.body.len = len;
        env.signature.data = sig;
        env.signature.len = SEAL_SIG_BYTES;
        env.key_id.data = self->id->node.sign_pk;
        env.key_id.len = 32;
        if (codec_envelope_encode (&env, &env_bytes, &env_len) == ERR_OK)
            uplink_set_summary (self->uplink, env_bytes, env_len);
    }
    free (env_bytes);
    free (body);
    downlink_status_free (&ns);
}

void
periodic_tick (server_t *self)
{
    int64_t now = zclock_mono ();
    if (now >= self->next_checkpoint) {
        s_checkpoint (self);
        self->next_checkpoint = now + self->cfg->checkpoint_ms;
    }
    if (now >= self->next_tick) {
        if (self->downlink)
            downlink_on_tick (self->downlink);
        s_summary (self);
        if (self->metrics)
            s_metrics (self);
        if (now >= self->next_recover) {
            s_try_recover (self);
            self->next_recover = now + 2000;
        }
        //  Aggregated audit records whose window closed (README "Every
        //  query recorded, without amplification")
        query_on_tick (self->query, false);
        ratelimit_sweep (self->client_rate, now);
        s_blob_gc (self);
        self->next_tick = now + 1000;
    }
    if (now >= self->next_overdue) {
        s_overdue_step (self);
        self->next_overdue = now + SERVER_OVERDUE_EVERY_MS;
    }
}
