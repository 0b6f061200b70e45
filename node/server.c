/*  server.c -- the node's client socket: a CURVE ROUTER behind a running
    ZAP handler (czmq zauth reading identity's allowed/ directory), the
    request dispatch, the operator's reads, and the main loop that also
    drives the ingest pipeline.

    Frames (proto/README.md): the client's DEALER sends one frame holding
    a lic.Request; the server answers one frame holding a lic.Reply with
    the same id.  Requests of one connection are sequenced in the order
    they arrive.  Every refusal is a Reply with its err_t code; a frame
    that cannot even be decoded is answered with id 0.
*/
#include <signal.h>
#include <sys/statvfs.h>
#include <time.h>
#include "logfmt.h"
#include "backup.h"
#include "checkpoint.h"
#include "codec.h"
#include "downlink.h"
#include "ingest.h"
#include "metrics.h"
#include "proofs.h"
#include "seal.h"
#include "uplink.h"
#include "licid.h"
#include "lifecycle.h"
#include "server.h"

#define SERVER_FIND_MAX 1000        //  licenses in one find reply
#define SERVER_LOG_MAX  1000        //  entries in one log reply
#define SERVER_HISTORY_MAX 1000     //  events in one history
#define SERVER_REPLY_BUDGET (CODEC_FRAME_MAX * 3 / 4)   //  bytes of records in one reply

struct server_t {
    const config_t *cfg;
    identity_t *id;
    store_t *store;
    views_t *views;
    zactor_t *auth;                 //  ZAP handler
    zsock_t *router;                //  client socket
    ingest_t *ingest;
    downlink_t *downlink;           //  children, or NULL
    uplink_t *uplink;               //  parent, or NULL at the top
    int64_t started_at;
    uint64_t bad_frames;            //  frames refused before dispatch
    uint64_t quarantine_base;       //  quarantined entries found at start
    char *checkpoint;               //  newest signed checkpoint of our log
    uint64_t checkpoint_size;
    int64_t next_checkpoint;        //  mono ms
    int64_t next_tick;              //  mono ms
    int64_t next_recover;           //  mono ms of the next recovery try
    metrics_t *metrics;             //  Prometheus endpoint, or NULL
    backup_t *backup;               //  backup in progress, or NULL
    zframe_t *backup_route;         //  who asked for it
    uint64_t backup_req;            //  their request id
    uint64_t backup_head;           //  durable head when it started
};

// ---------------------------------------------------------------------
//  Replies

static void
s_send (server_t *self, zframe_t **route_p, const Lic__Reply *reply)
{
    uint8_t *buf;
    size_t len;
    if (codec_reply_encode (reply, &buf, &len) != ERR_OK) {
        zframe_destroy (route_p);
        return;
    }
    zframe_t *body = zframe_new (buf, len);
    free (buf);
    //  A peer that has gone away loses its reply; its events, if stored,
    //  are answered again as duplicates when it resends them.
    if (zframe_send (route_p, self->router, ZFRAME_MORE | ZFRAME_DONTWAIT) != 0
    ||  zframe_send (&body, self->router, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy (route_p);
        zframe_destroy (&body);
    }
}

static void
s_send_error (server_t *self, zframe_t **route_p, uint64_t id, int code, const char *fmt, ...)
{
    char why [512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (why, sizeof why, fmt, ap);
    va_end (ap);
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = id;
    reply.code = code;
    reply.message = why;
    s_send (self, route_p, &reply);
}

//  Lets a registered department's system connect (its CURVE key in allowed/).
static void
s_allow_department (void *arg, const Lic__Department *dept)
{
    server_t *self = (server_t *) arg;
    if (dept->curve_key.len != 32)
        return;
    char z85 [41];
    zmq_z85_encode (z85, dept->curve_key.data, 32);
    if (identity_allow (self->id, dept->credit_code, z85) != ERR_OK)
        logfmt_msgf (LOGFMT_ERROR, "cannot allow CURVE key of department %s", dept->credit_code);
}

static void
s_ingest_reply (void *arg, zframe_t **route_p, Lic__Reply **reply_p,
                const Lic__Department *dept)
{
    server_t *self = (server_t *) arg;
    if (dept)
        s_allow_department (self, dept);
    s_send (self, route_p, *reply_p);
}

// ---------------------------------------------------------------------
//  Reads (operator)

//  Decodes the stored state of license `bare` into a LicenseRecord with
//  optional history; caller frees with s_record_free.
static int
s_record_load (server_t *self, const char *bare, bool with_history, Lic__LicenseRecord *rec)
{
    uint8_t *v;
    size_t vl;
    lic__license_record__init (rec);
    int rc = store_get (self->store, STORE_CF_LICENSE, bare, strlen (bare), &v, &vl);
    if (rc != ERR_OK)
        return rc;
    rc = codec_state_decode (v, vl, &rec->state);
    free (v);
    if (rc != ERR_OK)
        return ERR_CORRUPT;
    const char *valid_to = rec->state->content? rec->state->content->valid_to: "";
    rec->effective_status = lifecycle_effective_status (rec->state->status, valid_to, time (NULL));
    if (!with_history)
        return ERR_OK;
    uint8_t prefix [128];
    size_t plen = strlen (bare) + 1;
    if (plen > sizeof prefix)
        return ERR_OK;
    memcpy (prefix, bare, plen);
    rec->history = calloc (SERVER_HISTORY_MAX, sizeof *rec->history);
    if (!rec->history)
        return ERR_NOMEM;
    store_iter_t *it = store_iter_new (self->store, STORE_CF_HISTORY, prefix, plen, NULL, 0);
    const uint8_t *k, *hv;
    size_t kl, hvl;
    size_t bytes = 0;
    while (it && rec->n_history < SERVER_HISTORY_MAX && bytes < SERVER_REPLY_BUDGET
       &&  store_iter_next (it, &k, &kl, &hv, &hvl)) {
        if (hvl != 8)
            continue;
        uint8_t *e;
        size_t el;
        if (store_get (self->store, STORE_CF_LOG, hv, 8, &e, &el) != ERR_OK)
            continue;
        if (codec_entry_decode (e, el, &rec->history [rec->n_history]) == ERR_OK)
            rec->n_history++;
        bytes += el;
        free (e);
    }
    store_iter_destroy (&it);
    return ERR_OK;
}

static void
s_record_free (Lic__LicenseRecord *rec)
{
    codec_state_free (&rec->state);
    for (size_t i = 0; i < rec->n_history; i++)
        codec_entry_free (&rec->history [i]);
    free (rec->history);
    rec->history = NULL;
    rec->n_history = 0;
}

static void
s_on_get (server_t *self, zframe_t **route_p, const Lic__Request *req)
{
    licid_t id;
    char why [256];
    if (licid_parse (req->get->license_id, &id, why, sizeof why) != ERR_OK) {
        s_send_error (self, route_p, req->id, ERR_BAD_LICENSE_ID, "%s", why);
        return;
    }
    Lic__LicenseRecord rec;
    int rc = s_record_load (self, id.bare, req->get->with_history, &rec);
    if (rc == ERR_OK) {
        Lic__Reply reply;
        codec_reply_init (&reply);
        reply.id = req->id;
        reply.body_case = LIC__REPLY__BODY_LICENSE;
        reply.license = &rec;
        s_send (self, route_p, &reply);
    }
    else
    if (rc == ERR_NOT_FOUND)
        s_send_error (self, route_p, req->id, rc, "no license %s in this repository", id.bare);
    else
        s_send_error (self, route_p, req->id, rc, "license %s could not be read", id.bare);
    s_record_free (&rec);
}

static void
s_on_find (server_t *self, zframe_t **route_p, const Lic__Request *req)
{
    const Lic__FindRequest *f = req->find;
    if (!f->holder_id || !*f->holder_id || strlen (f->holder_id) > 64
    ||  strlen (f->holder_id_type) > 8) {
        s_send_error (self, route_p, req->id, ERR_BAD_FIELD, "find needs a holder id of 1..64 bytes");
        return;
    }
    size_t limit = f->limit && f->limit < SERVER_FIND_MAX? f->limit: SERVER_FIND_MAX;
    uint8_t prefix [80];
    size_t plen = strlen (f->holder_id) + 1;
    memcpy (prefix, f->holder_id, plen);
    if (*f->holder_id_type) {
        size_t tl = strlen (f->holder_id_type) + 1;
        memcpy (prefix + plen, f->holder_id_type, tl);
        plen += tl;
    }
    Lic__FindResult found;
    lic__find_result__init (&found);
    Lic__LicenseRecord *recs = calloc (limit, sizeof *recs);
    Lic__LicenseRecord **ptrs = calloc (limit, sizeof *ptrs);
    store_iter_t *it = recs && ptrs? store_iter_new (self->store, STORE_CF_HOLDER, prefix, plen, NULL, 0): NULL;
    if (!it) {
        free (recs);
        free (ptrs);
        s_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    const uint8_t *k;
    size_t kl, bytes = 0;
    while (found.n_licenses < limit && bytes < SERVER_REPLY_BUDGET
       &&  store_iter_next (it, &k, &kl, NULL, NULL)) {
        //  key: holder id 0 id_type 0 license id
        const uint8_t *z1 = memchr (k, 0, kl);
        const uint8_t *z2 = z1? memchr (z1 + 1, 0, kl - (size_t) (z1 + 1 - k)): NULL;
        if (!z2)
            continue;
        char bare [LICID_BARE_MAX + 1];
        size_t bl = kl - (size_t) (z2 + 1 - k);
        if (bl > LICID_BARE_MAX)
            continue;
        memcpy (bare, z2 + 1, bl);
        bare [bl] = 0;
        Lic__LicenseRecord *rec = &recs [found.n_licenses];
        if (s_record_load (self, bare, false, rec) == ERR_OK) {
            ptrs [found.n_licenses++] = rec;
            bytes += codec_record_size (rec);
        }
        else
            s_record_free (rec);
    }
    store_iter_destroy (&it);
    found.licenses = ptrs;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_FOUND;
    reply.found = &found;
    s_send (self, route_p, &reply);
    for (size_t i = 0; i < found.n_licenses; i++)
        s_record_free (&recs [i]);
    free (recs);
    free (ptrs);
}

//  Fills ns (and st) with the node's status; ns borrows curve and root
//  (32 bytes each) and strings of self.  Free with downlink_status_free.
static void
s_status_fill (server_t *self, ingest_stats_t *st, Lic__NodeStatus *ns,
               uint8_t curve [32], uint8_t root [32])
{
    ingest_stats (self->ingest, st);
    lic__node_status__init (ns);
    ns->division = (char *) self->cfg->division;
    ns->head_seq = ingest_durable (self->ingest);
    ns->sign_key.data = self->id->node.sign_pk;
    ns->sign_key.len = 32;
    zmq_z85_decode (curve, self->id->node.curve_pk);
    ns->curve_key.data = curve;
    ns->curve_key.len = 32;
    ns->published = st->published;
    ns->rejected = st->rejected + self->bad_frames;
    ns->duplicates = st->duplicates;
    ns->departments = views_departments (self->views);
    ns->licenses = store_property (self->store, STORE_CF_LICENSE, "rocksdb.estimate-num-keys");
    ns->started_at = self->started_at;
    if (root && tree_root (views_tree (self->views), ns->head_seq, root) == ERR_OK) {
        ns->head_root.data = root;
        ns->head_root.len = 32;
    }
    ns->quarantined = self->quarantine_base + st->quarantined;
    ns->applied = st->applied;
    ns->checkpoint = self->checkpoint? self->checkpoint: "";
    uplink_status (self->uplink, ns);
    if (self->downlink)
        downlink_status (self->downlink, ns);
}

static void
s_on_status (server_t *self, zframe_t **route_p, const Lic__Request *req)
{
    ingest_stats_t st;
    Lic__NodeStatus ns;
    uint8_t curve [32], root [32];
    s_status_fill (self, &st, &ns, curve, root);
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_STATUS;
    reply.status = &ns;
    s_send (self, route_p, &reply);
    downlink_status_free (&ns);
}

//  Renders the Prometheus exposition for the metrics thread to serve.
static void
s_metrics (server_t *self)
{
    ingest_stats_t st;
    Lic__NodeStatus ns;
    uint8_t curve [32];
    s_status_fill (self, &st, &ns, curve, NULL);
    metrics_store_t db;
    metrics_store_fill (&db, self->store);
    char *text = metrics_render (&ns, &st, &db);
    if (text)
        metrics_update (self->metrics, text);
    free (text);
    downlink_status_free (&ns);
}

static void
s_on_log (server_t *self, zframe_t **route_p, const Lic__Request *req)
{
    size_t limit = req->log->limit && req->log->limit < SERVER_LOG_MAX? req->log->limit: SERVER_LOG_MAX;
    Lic__LogEntries out;
    lic__log_entries__init (&out);
    out.entries = calloc (limit, sizeof *out.entries);
    uint8_t from [8];
    store_put_u64 (from, req->log->from_seq);
    store_iter_t *it = out.entries? store_iter_new (self->store, STORE_CF_LOG, NULL, 0, from, 8): NULL;
    const uint8_t *k, *v;
    size_t kl, vl;
    size_t bytes = 0;
    while (it && out.n_entries < limit && bytes < SERVER_REPLY_BUDGET
       &&  store_iter_next (it, &k, &kl, &v, &vl)) {
        if (out.n_entries > 0 && bytes + vl > SERVER_REPLY_BUDGET)
            break;          //  the client asks again from the next seq
        if (codec_entry_decode (v, vl, &out.entries [out.n_entries]) == ERR_OK)
            out.n_entries++;
        bytes += vl;
    }
    store_iter_destroy (&it);
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_ENTRIES;
    reply.entries = &out;
    s_send (self, route_p, &reply);
    for (size_t i = 0; i < out.n_entries; i++)
        codec_entry_free (&out.entries [i]);
    free (out.entries);
}

static void
s_on_digest (server_t *self, zframe_t **route_p, const Lic__Request *req)
{
    Lic__DigestResult d;
    int rc = proofs_digest (self->store, &d);
    if (rc != ERR_OK)
        s_send_error (self, route_p, req->id, rc, "digest could not be computed");
    else {
        Lic__Reply reply;
        codec_reply_init (&reply);
        reply.id = req->id;
        reply.body_case = LIC__REPLY__BODY_DIGEST;
        reply.digest = &d;
        s_send (self, route_p, &reply);
    }
    proofs_digest_free (&d);
}

static void
s_on_backup (server_t *self, zframe_t **route_p, const Lic__Request *req)
{
    const char *dir = req->backup->to_dir;
    if (self->backup) {
        s_send_error (self, route_p, req->id, ERR_BUSY, "a backup is already running");
        return;
    }
    if (!dir || dir [0] != '/' || strlen (dir) > 400) {
        s_send_error (self, route_p, req->id, ERR_BAD_FIELD, "backup needs an absolute directory path");
        return;
    }
    self->backup = backup_start (self->store, self->cfg->data_dir, dir, req->backup->keep);
    if (!self->backup) {
        s_send_error (self, route_p, req->id, ERR_NOMEM, "cannot start the backup");
        return;
    }
    self->backup_route = *route_p;
    *route_p = NULL;
    self->backup_req = req->id;
    self->backup_head = ingest_durable (self->ingest);
    logfmt_msgf (LOGFMT_INFO, "backup into %s started at head %" PRIu64, dir, self->backup_head);
}

static void
s_on_backup_done (server_t *self)
{
    backup_result_t r;
    backup_result (self->backup, &r);
    backup_destroy (&self->backup);
    if (r.code != ERR_OK) {
        logfmt_msgf (LOGFMT_ERROR, "backup failed: %s", r.why);
        s_send_error (self, &self->backup_route, self->backup_req, r.code, "backup failed: %s", r.why);
        return;
    }
    logfmt_msgf (LOGFMT_INFO, "backup %u done: %" PRIu64 " bytes, %u kept", r.id, r.bytes, r.kept);
    Lic__BackupResult br;
    lic__backup_result__init (&br);
    br.backup_id = r.id;
    br.head_seq = self->backup_head;
    br.bytes = r.bytes;
    br.kept = r.kept;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = self->backup_req;
    reply.body_case = LIC__REPLY__BODY_BACKUP;
    reply.backup = &br;
    s_send (self, &self->backup_route, &reply);
}

static void
s_on_prove (server_t *self, zframe_t **route_p, const Lic__Request *req)
{
    Lic__ProofResult p;
    char why [256];
    int rc = proofs_prove (self->store, views_tree (self->views), ingest_durable (self->ingest),
                           req->prove, self->checkpoint, self->checkpoint_size, &p,
                           why, sizeof why);
    if (rc != ERR_OK) {
        s_send_error (self, route_p, req->id, rc, "%s", why);
        return;
    }
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_PROOF;
    reply.proof = &p;
    s_send (self, route_p, &reply);
    proofs_prove_free (&p);
}

// ---------------------------------------------------------------------
//  Dispatch

static bool
s_is_admin (server_t *self, zframe_t *body)
{
    const char *user = zframe_meta (body, "User-Id");
    return user && streq (user, self->id->admin.curve_pk);
}

static int
s_check_department (const Lic__Department *d, char *why, size_t why_size)
{
    if (!d || !d->credit_code || !licid_credit_code_valid (d->credit_code)) {
        snprintf (why, why_size, "department credit code \"%s\" is not a valid unified "
                  "social credit code", d && d->credit_code? d->credit_code: "");
        return ERR_BAD_CREDIT_CODE;
    }
    if (d->n_sign_keys == 0 || d->n_sign_keys > 16 || d->curve_key.len != 32
    ||  d->n_license_types > 1024 || d->n_revoked_keys > 1024) {
        snprintf (why, why_size, "a department needs 1..16 signing keys and a 32-byte CURVE key");
        return ERR_BAD_FIELD;
    }
    for (size_t i = 0; i < d->n_sign_keys; i++)
        if (d->sign_keys [i].len != 32) {
            snprintf (why, why_size, "signing key %zu is not 32 bytes", i);
            return ERR_BAD_FIELD;
        }
    for (size_t i = 0; i < d->n_license_types; i++) {
        const char *t = d->license_types [i];
        char code [19];
        snprintf (code, sizeof code, "%s", t);
        if (strlen (t) != 21 || !licid_credit_code_valid (code)
        ||  strspn (t + 18, "0123456789") != 3) {
            snprintf (why, why_size, "license type \"%s\" is not 18-char credit code + 3 digits", t);
            return ERR_BAD_FIELD;
        }
    }
    return ERR_OK;
}

static void
s_on_frame (server_t *self, zframe_t **route_p, zframe_t *body)
{
    Lic__Request *req = NULL;
    int rc = codec_request_decode (zframe_data (body), zframe_size (body), &req);
    if (rc != ERR_OK) {
        self->bad_frames++;
        s_send_error (self, route_p, 0, rc, "%s", rc == ERR_TOO_LARGE
            ? "frame exceeds the 256 KiB limit"
            : rc == ERR_VERSION? "protocol version not supported (this node speaks 1)"
            : "frame does not decode as lic.Request");
        return;
    }
    bool admin = s_is_admin (self, body);
    char why [256];
    switch (req->body_case) {
        case LIC__REQUEST__BODY_PUBLISH:
            ingest_submit (self->ingest, route_p, &req);
            break;
        case LIC__REQUEST__BODY_REGISTER:
            if (!admin)
                s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "only the node's admin key may register departments");
            else
            if ((rc = s_check_department (req->register_->department, why, sizeof why)) != ERR_OK)
                s_send_error (self, route_p, req->id, rc, "%s", why);
            else
                ingest_submit (self->ingest, route_p, &req);
            break;
        case LIC__REQUEST__BODY_GET:
        case LIC__REQUEST__BODY_FIND:
        case LIC__REQUEST__BODY_LOG:
            if (!admin) {
                s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "reads are for the node's operator "
                              "(application bodies use scoped queries)");
                break;
            }
            if (req->body_case == LIC__REQUEST__BODY_GET)
                s_on_get (self, route_p, req);
            else
            if (req->body_case == LIC__REQUEST__BODY_FIND)
                s_on_find (self, route_p, req);
            else
                s_on_log (self, route_p, req);
            break;
        case LIC__REQUEST__BODY_STATUS:
            s_on_status (self, route_p, req);
            break;
        case LIC__REQUEST__BODY_BACKUP:
            if (!admin)
                s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "backups are for the node's operator");
            else
                s_on_backup (self, route_p, req);
            break;
        case LIC__REQUEST__BODY_DIGEST:
        case LIC__REQUEST__BODY_PROVE:
            //  Digests and proofs reveal nothing a department or a child
            //  may not know of the repository's integrity; but they cost
            //  a scan (digest), so they are the operator's.
            if (!admin)
                s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "digests and proofs are for the node's operator");
            else
            if (req->body_case == LIC__REQUEST__BODY_DIGEST)
                s_on_digest (self, route_p, req);
            else
                s_on_prove (self, route_p, req);
            break;
        default:
            self->bad_frames++;
            s_send_error (self, route_p, req->id, ERR_MALFORMED, "request has no known body");
    }
    codec_request_free (&req);
    zframe_destroy (route_p);
}

//  Reads up to `budget` messages from the router without blocking.
static void
s_on_router (server_t *self, int budget)
{
    while (budget-- > 0 && !ingest_full (self->ingest)
       &&  (zsock_events (self->router) & ZMQ_POLLIN)) {
        zframe_t *route = zframe_recv (self->router);
        if (!route)
            break;
        if (!zframe_more (route)) {
            zframe_destroy (&route);
            continue;
        }
        zframe_t *body = zframe_recv (self->router);
        //  A multi-frame request is not ours: drain and refuse it.
        bool extra = body && zframe_more (body);
        while (body && zframe_more (body)) {
            zframe_t *more = zframe_recv (self->router);
            zframe_destroy (&more);
            if (!zsock_rcvmore (self->router))
                break;
        }
        if (!body)
            zframe_destroy (&route);
        else
        if (extra) {
            self->bad_frames++;
            s_send_error (self, &route, 0, ERR_MALFORMED, "a request is exactly one frame");
        }
        else
            s_on_frame (self, &route, body);
        zframe_destroy (&route);
        zframe_destroy (&body);
    }
}

// ---------------------------------------------------------------------
//  Lifecycle

int
server_new (server_t **out, const config_t *cfg, identity_t *id, store_t *store,
            views_t *views, char *why, size_t why_size)
{
    server_t *self = calloc (1, sizeof *self);
    if (!self)
        return ERR_NOMEM;
    self->cfg = cfg;
    self->id = id;
    self->store = store;
    self->views = views;
    self->started_at = (int64_t) time (NULL);
    int rc = ERR_IO;

    //  Every registered department may connect: allow their CURVE keys.
    //  (Registrations made since the last start are already there; this
    //  also repairs a lost allowed/ directory.)
    ingest_cfg_t icfg = { cfg->division, id->node.sign_sk, id->node.sign_pk, cfg->verify_threads };
    rc = ingest_new (&self->ingest, store, views, &icfg, s_ingest_reply, self);
    if (rc != ERR_OK) {
        snprintf (why, why_size, "cannot start the ingest pipeline: %s", err_str (rc));
        goto fail;
    }
    //  Our own key and our parent's are known from the configuration: no
    //  node record coming up from below may claim those divisions.
    views_trust_node (views, cfg->division, id->node.sign_pk, "");
    if (cfg->has_parent)
        views_trust_node (views, cfg->parent.division, cfg->parent.sign_pk, "");
    if (cfg->n_children > 0
    &&  (rc = downlink_new (&self->downlink, cfg, id, store, views, self->ingest, why, why_size)) != ERR_OK)
        goto fail;
    self->uplink = uplink_new (cfg, id, store, views, self->ingest);
    if (cfg->has_parent && !self->uplink) {
        snprintf (why, why_size, "out of memory");
        rc = ERR_NOMEM;
        goto fail;
    }
    //  allowed/ follows the registry (it may have been lost with a disk,
    //  or the repository restored or rebuilt).
    views_each_department (views, cfg->division, s_allow_department, self);
    store_iter_t *qit = store_iter_new (store, STORE_CF_QUARANTINE, NULL, 0, NULL, 0);
    const uint8_t *qk;
    size_t qkl;
    while (qit && store_iter_next (qit, &qk, &qkl, NULL, NULL))
        self->quarantine_base++;
    store_iter_destroy (&qit);
    self->auth = zactor_new (zauth, NULL);
    if (!self->auth) {
        snprintf (why, why_size, "cannot start the ZAP handler");
        rc = ERR_INTERNAL;
        goto fail;
    }
    zstr_sendx (self->auth, "CURVE", id->allowed_dir, NULL);
    zsock_wait (self->auth);

    self->router = zsock_new (ZMQ_ROUTER);
    uint8_t pk [32], sk [32];
    zmq_z85_decode (pk, id->node.curve_pk);
    zmq_z85_decode (sk, id->node.curve_sk);
    zcert_t *cert = zcert_new_from (pk, sk);
    memset (sk, 0, sizeof sk);
    zcert_apply (cert, self->router);
    zcert_destroy (&cert);
    zsock_set_curve_server (self->router, 1);
    zsock_set_zap_domain (self->router, "licrepo");
    zsock_set_maxmsgsize (self->router, 4 * CODEC_FRAME_MAX);
    zsock_set_router_mandatory (self->router, 1);
    zsock_set_sndhwm (self->router, 100000);
    zsock_set_rcvhwm (self->router, 100000);
    zsock_set_linger (self->router, 1000);
    if (zsock_bind (self->router, "%s", cfg->listen) < 0) {
        snprintf (why, why_size, "cannot listen on %s: %s", cfg->listen, zmq_strerror (zmq_errno ()));
        rc = ERR_IO;
        goto fail;
    }
    if (cfg->metrics_listen [0]
    &&  (rc = metrics_open (&self->metrics, cfg->metrics_listen, why, why_size)) != ERR_OK)
        goto fail;
    *out = self;
    return ERR_OK;

fail:
    server_destroy (&self);
    return rc;
}

void
server_destroy (server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    server_t *self = *self_p;
    metrics_destroy (&self->metrics);
    //  A backup in progress finishes (its thread holds the store).
    if (self->backup)
        s_on_backup_done (self);
    zframe_destroy (&self->backup_route);
    //  The pipeline first: it answers the downlink and the clients.
    ingest_destroy (&self->ingest);
    downlink_destroy (&self->downlink);
    uplink_destroy (&self->uplink);
    free (self->checkpoint);
    zsock_destroy (&self->router);
    zactor_destroy (&self->auth);
    free (self);
    *self_p = NULL;
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
    if (config_load (fresh, self->cfg->file, why, sizeof why) != ERR_OK) {
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
    views_each_department (self->views, self->cfg->division, s_allow_department, self);
    logfmt_msgf (LOGFMT_INFO, "SIGHUP: configuration %s reloaded", self->cfg->file);
    free (fresh);
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
    store_batch_t *b = store_batch_new (self->store);
    if (b) {
        store_batch_put (b, STORE_CF_META, "checkpoint", 10, note, strlen (note));
        if (store_write (self->store, b, false) != ERR_OK)
            logfmt_msgf (LOGFMT_WARN, "checkpoint not stored");
        store_batch_destroy (&b);
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
    if (rc == ERR_OK && (rc = views_abort (self->views)) == ERR_OK)
        logfmt_msgf (LOGFMT_INFO, "repository recovered after a failed write: accepting publishes again");
    else
        logfmt_msgf (LOGFMT_WARN, "repository not recovered yet: %s %s", err_str (rc), why);
}

static void
s_on_tick (server_t *self)
{
    int64_t now = zclock_mono ();
    if (now >= self->next_checkpoint) {
        s_checkpoint (self);
        self->next_checkpoint = now + self->cfg->checkpoint_ms;
    }
    if (now >= self->next_tick) {
        if (self->downlink)
            downlink_on_tick (self->downlink);
        if (self->metrics)
            s_metrics (self);
        if (now >= self->next_recover) {
            s_try_recover (self);
            self->next_recover = now + 2000;
        }
        self->next_tick = now + 1000;
    }
}

int
server_run (server_t *self)
{
    int64_t stop_deadline = 0;
    signal (SIGHUP, s_on_sighup);
    while (true) {
        if (s_hangup)
            s_reload (self);
        if (zsys_interrupted && !stop_deadline) {
            logfmt_msgf (LOGFMT_INFO, "stopping: draining the pipeline");
            stop_deadline = zclock_mono () + 10000;
        }
        if (stop_deadline && (ingest_idle (self->ingest) || zclock_mono () > stop_deadline))
            break;
        zmq_pollitem_t items [6] = {
            { zsock_resolve (ingest_results_sock (self->ingest)), 0, ZMQ_POLLIN, 0 },
            { zsock_resolve (ingest_commit_sock (self->ingest)), 0, ZMQ_POLLIN, 0 },
        };
        int nitems = 2;
        //  Stop reading clients and children while the pipeline is full
        //  or we stop; the parent's messages are always read.
        bool accept = !ingest_full (self->ingest) && !stop_deadline;
        if (self->backup)
            items [nitems++] = (zmq_pollitem_t) { zsock_resolve (backup_sock (self->backup)), 0, ZMQ_POLLIN, 0 };
        zsock_t *up = uplink_sock (self->uplink);
        if (up)
            items [nitems++] = (zmq_pollitem_t) { zsock_resolve (up), 0, ZMQ_POLLIN, 0 };
        if (accept) {
            items [nitems++] = (zmq_pollitem_t) { zsock_resolve (self->router), 0, ZMQ_POLLIN, 0 };
            if (self->downlink)
                items [nitems++] = (zmq_pollitem_t) { zsock_resolve (downlink_sock (self->downlink)), 0, ZMQ_POLLIN, 0 };
        }
        int rc = zmq_poll (items, nitems, stop_deadline? 50: 100);
        if (rc < 0 && zmq_errno () != EINTR)
            break;
        if (self->backup && (zsock_events (backup_sock (self->backup)) & ZMQ_POLLIN))
            s_on_backup_done (self);
        if (up)
            uplink_on_readable (self->uplink);
        if (accept) {
            s_on_router (self, 256);
            if (self->downlink)
                downlink_on_readable (self->downlink, 64);
        }
        ingest_on_ready (self->ingest);
        if (self->uplink && !stop_deadline)
            uplink_pump (self->uplink);
        s_on_tick (self);
    }
    return ERR_OK;
}
