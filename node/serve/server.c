/*  server.c -- the node's client socket: a CURVE ROUTER behind a running
    ZAP handler (zap.c, admitting the keys admission.c builds from the
    registry and the configuration), the request dispatch, the operator's
    reads, and the main loop that also drives the ingest pipeline.

    Frames (proto/README.md): the client's DEALER sends one frame holding
    a lic.Request; the server answers one frame holding a lic.Reply with
    the same id.  Requests of one connection are sequenced in the order
    they arrive.  Every refusal is a Reply with its err_t code and the
    request's id, also for a frame refused as a whole whose top level
    carries one (codec_request_id); only a frame that is not protobuf at
    all is answered with id 0.
*/
#include <signal.h>
#include <sys/statvfs.h>
#include <time.h>
#include "node/daemon/logfmt.h"
#include "node/ops/backup.h"
#include "proto/catalogue.h"
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "node/links/downlink.h"
#include "node/pipeline/ingest.h"
#include "node/serve/metrics.h"
#include "node/store/proofs.h"
#include "node/serve/quarantine.h"
#include "node/serve/query.h"
#include "node/serve/outq.h"
#include "node/serve/ratelimit.h"
#include "node/links/zap.h"
#include "node/links/admission.h"
#include "proto/seal.h"
#include "node/links/uplink.h"
#include "proto/licid.h"
#include "proto/lifecycle.h"
#include "node/serve/server.h"

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
    zap_keys_t *keys;               //  admitted keys, as the ZAP handler holds them
    config_peer_t *children;        //  configured children (CONFIG_CHILDREN_MAX), for keys
    int n_children;                 //  how many
    zap_limit_t *key_log;           //  log lines about messages of keys no longer admitted
    uint64_t revoked_msgs;          //  messages refused so (ERR_KEY_REVOKED)
    zsock_t *router;                //  client socket
    zsock_t *query_sock;            //  application bodies' socket, or NULL
    outq_t *client_q;               //  replies on router, a byte budget per peer
    outq_t *query_q;                //  replies on query_sock, or NULL
    ratelimit_t *client_rate;       //  requests of a key on router (client_rate, client_burst)
    zap_limit_t *busy_log;          //  log lines about keys answered ERR_BUSY
    uint64_t busy;                  //  requests answered ERR_BUSY here (queries: query.c)
    query_t *query;                 //  scoped queries (issue 5)
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
    int64_t next_overdue;           //  mono ms of the next slice of the overdue count
    metrics_t *metrics;             //  Prometheus endpoint, or NULL
    uint64_t overdue_count;         //  licenses with an annual inspection overdue (last full scan)
    uint64_t overdue_partial;       //  count of the scan in progress
    char overdue_cursor [128];      //  where it stands ("" = start)
    backup_t *backup;               //  backup in progress, or NULL
    zframe_t *backup_route;         //  who asked for it
    uint64_t backup_req;            //  their request id
    uint64_t backup_head;           //  durable head when it started
};

// ---------------------------------------------------------------------
//  Replies

#define SERVER_CHANNEL_MAIN  0          //  replies go out on the client socket
#define SERVER_CHANNEL_QUERY 1          //  on the query socket

//  Every reply goes through the socket's outq (a byte budget per peer,
//  outq.h) and is at most CODEC_REPLY_MAX, what a client decodes and
//  what that budget counts on.  A peer that has gone away loses its
//  reply; its events, if stored, are answered again as duplicates when
//  it resends them.
static void
s_send_on (server_t *self, zsock_t *sock, zframe_t **route_p, const Lic__Reply *reply)
{
    uint8_t *buf;
    size_t len;
    if (codec_reply_encode (reply, &buf, &len) != ERR_OK) {
        zframe_destroy (route_p);
        return;
    }
    if (len > CODEC_REPLY_MAX) {
        free (buf);
        logfmt_msgf (LOGFMT_ERROR, "a reply of %zu bytes is over the %d-byte reply limit: "
                     "ERR_TOO_LARGE sent instead", len, CODEC_REPLY_MAX);
        Lic__Reply over;
        codec_reply_init (&over);
        over.id = reply->id;
        over.code = ERR_TOO_LARGE;
        over.message = "the answer would be over the reply limit";
        if (codec_reply_encode (&over, &buf, &len) != ERR_OK) {
            zframe_destroy (route_p);
            return;
        }
    }
    outq_t *q = sock == self->query_sock? self->query_q: self->client_q;
    if (q)
        outq_send (q, route_p, buf, len);
    zframe_destroy (route_p);
    free (buf);
}

static void
s_send (server_t *self, zframe_t **route_p, const Lic__Reply *reply)
{
    s_send_on (self, self->router, route_p, reply);
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

//  The admitted keys follow the registry: built again from it and handed
//  to the ZAP handler, in force when this returns (so a registration is
//  answered only once its key is admitted and the key it replaced is
//  not).  On failure the keys in force stay as they were.
static int
s_admit (server_t *self)
{
    char why [256];
    zap_keys_t *keys = NULL, *copy = NULL;
    int rc = admission_build (&keys, self->views, self->cfg->division, self->id->admin.curve_pk,
                              self->children, self->n_children, why, sizeof why);
    if (rc == ERR_OK && !(copy = zap_keys_dup (keys))) {
        snprintf (why, sizeof why, "out of memory");
        rc = ERR_NOMEM;
    }
    if (rc == ERR_OK && (rc = zap_set_keys (self->auth, &copy)) != ERR_OK)
        snprintf (why, sizeof why, "the ZAP handler is gone");
    if (rc != ERR_OK) {
        logfmt_msgf (LOGFMT_ERROR, "admitted keys not changed: %s", why);
        zap_keys_destroy (&keys);
        return rc;
    }
    zap_keys_destroy (&self->keys);
    self->keys = keys;
    return ERR_OK;
}

static void
s_ingest_reply (void *arg, zframe_t **route_p, Lic__Reply **reply_p,
                const Lic__Department *dept)
{
    server_t *self = (server_t *) arg;
    if (dept || ((*reply_p)->body_case == LIC__REPLY__BODY_APP_BODY && (*reply_p)->code == ERR_OK))
        if (s_admit (self) != ERR_OK) {
            //  Registered, but its key is not admitted yet: say so (the
            //  next registration or a SIGHUP tries again).
            (*reply_p)->code = ERR_INTERNAL;
            free ((*reply_p)->message);
            (*reply_p)->message = strdup ("registered, but the admitted keys could not be "
                                          "changed (see the node's log); send SIGHUP to retry");
        }
    s_send (self, route_p, *reply_p);
}

//  A message whose CURVE key is no longer admitted on its socket: it was
//  at the handshake, but a registration since replaced or revoked it.
//  Refused with ERR_KEY_REVOKED, counted and logged (once a minute per
//  key).  libzmq cannot close one peer of a ROUTER, so the connection
//  stays open, refused message by message; a new one fails at the
//  handshake.  True if the key is admitted.
static bool
s_key_admitted (server_t *self, zsock_t *sock, zframe_t **route_p, zframe_t *body,
                const char *domain, uint64_t id)
{
    const char *user = zframe_meta (body, "User-Id");
    const char *name = "";
    zap_verdict_t verdict = zap_keys_check (self->keys, domain, user, &name);
    if (verdict == ZAP_ADMITTED)
        return true;
    self->revoked_msgs++;
    uint8_t key [32] = { 0 };
    char fp [17] = "-", qname [2 * ZAP_NAME_MAX + 3];
    if (user && strlen (user) == 40 && zmq_z85_decode (key, user))
        zap_fingerprint (fp, key);
    uint64_t held;
    if (zap_limit_pass (self->key_log, user? user: "", zclock_mono (), &held))
        logfmt_log (LOGFMT_WARN, "message refused: key no longer admitted",
                    "socket=%s reason=%s key=%s name=%s held_back=%" PRIu64,
                    zap_socket_name (zap_socket (domain)), zap_verdict_name (verdict), fp,
                    logfmt_quote (qname, sizeof qname, name), held);
    char why [320];
    if (*name)
        snprintf (why, sizeof why, "the CURVE key %s this connection was opened with is no longer "
                  "admitted on this socket (%s was registered with another key, or revoked): "
                  "connect again with the key now registered", fp, name);
    else
        snprintf (why, sizeof why, "the CURVE key %s this connection was opened with is no longer "
                  "admitted on this socket: connect again with the key now registered", fp);
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = id;
    reply.code = ERR_KEY_REVOKED;
    reply.message = why;
    s_send_on (self, sock, route_p, &reply);
    return false;
}

//  An audited query's answer, now that its record is durable.
static void
s_on_audit (void *arg, int channel, zframe_t **route_p, Lic__Reply **reply_p)
{
    server_t *self = (server_t *) arg;
    zsock_t *sock = channel == SERVER_CHANNEL_QUERY? self->query_sock: self->router;
    if (sock)
        s_send_on (self, sock, route_p, *reply_p);
    zframe_destroy (route_p);
    codec_reply_free (reply_p);
}

//  Whether a request of the key in body's User-Id may be served now: not
//  over its rate on the client socket (the operator's key has none),
//  and its replies are being read (outq_congested).  If not, sets why
//  and logs (once a minute per key).
static bool
s_may_serve (server_t *self, outq_t *q, zframe_t *route, zframe_t *body, bool rate,
             char *why, size_t why_size)
{
    const char *user = zframe_meta (body, "User-Id");
    if (q && outq_congested (q, route))
        snprintf (why, why_size, "busy: this connection reads none of its replies; read them, "
                  "then ask again");
    else
    if (rate && !ratelimit_take (self->client_rate, user, zclock_mono ()))
        snprintf (why, why_size, "busy: over %d requests a second (%d at once) of this key; "
                  "retry later", self->cfg->client_rate, self->cfg->client_burst);
    else
        return true;
    uint8_t key [32];
    char fp [17] = "-";
    if (user && strlen (user) == 40 && zmq_z85_decode (key, user))
        zap_fingerprint (fp, key);
    uint64_t held;
    if (zap_limit_pass (self->busy_log, user? user: "", zclock_mono (), &held))
        logfmt_log (LOGFMT_WARN, "request refused: busy", "socket=%s key=%s why=\"%s\" held_back=%" PRIu64,
                    q == self->query_q? "query": "client", fp, why, held);
    return false;
}

static void
s_collect_body (void *arg, const Lic__AppBody *b)
{
    Lic__AppBodyResult *res = (Lic__AppBodyResult *) arg;
    if (res->n_bodies < 4096)
        res->bodies [res->n_bodies++] = (Lic__AppBody *) b;
}

//  The operator's side of application bodies: register one, or list them.
static void
s_on_app_body (server_t *self, zframe_t **route_p, Lic__Request **req_p)
{
    Lic__Request *req = *req_p;
    char why [256];
    int rc;
    if (req->app_body->add) {
        const Lic__AppBody *add = req->app_body->add;
        bool keys_ok = add->n_revoked_keys <= VIEWS_REVOKED_MAX;
        for (size_t i = 0; keys_ok && i < add->n_revoked_keys; i++)
            keys_ok = add->revoked_keys [i].len == 32;
        if ((rc = query_check_body (add, why, sizeof why)) != ERR_OK)
            s_send_error (self, route_p, req->id, rc, "%s", why);
        else
        if (!keys_ok)
            s_send_error (self, route_p, req->id, ERR_BAD_FIELD, "an application body lists at most %d "
                          "revoked keys of 32 bytes", VIEWS_REVOKED_MAX);
        else
            ingest_submit (self->ingest, route_p, req_p);
        return;
    }
    Lic__AppBodyResult res;
    lic__app_body_result__init (&res);
    res.bodies = calloc (4096, sizeof *res.bodies);
    if (!res.bodies) {
        s_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    views_each_app_body (self->views, self->cfg->division, s_collect_body, &res);
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_APP_BODY;
    reply.app_body = &res;
    s_send (self, route_p, &reply);
    free (res.bodies);
}

//  Answers req with a reply that build fills (its body allocated and
//  set; freed with the reply); on failure, an error naming `what`.
static void
s_answer_built (server_t *self, zframe_t **route_p, const Lic__Request *req,
                int (*build) (server_t *self, const Lic__Request *req, Lic__Reply *reply),
                const char *what)
{
    Lic__Reply *reply = calloc (1, sizeof *reply);
    if (!reply) {
        s_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    codec_reply_init (reply);
    reply->id = req->id;
    int rc = build (self, req, reply);
    if (rc != ERR_OK) {
        codec_reply_free (&reply);
        s_send_error (self, route_p, req->id, rc, "%s could not be read: %s", what, err_str (rc));
        return;
    }
    s_send (self, route_p, reply);
    codec_reply_free (&reply);
}

static int
s_build_audit (server_t *self, const Lic__Request *req, Lic__Reply *reply)
{
    if (!(reply->audit = calloc (1, sizeof *reply->audit)))
        return ERR_NOMEM;
    reply->body_case = LIC__REPLY__BODY_AUDIT;
    return query_audit_list (self->query, req->audit, reply->audit);
}

//  The entries held back here, with their reasons (licctl quarantine).
static int
s_build_quarantine (server_t *self, const Lic__Request *req, Lic__Reply *reply)
{
    if (!(reply->quarantine = calloc (1, sizeof *reply->quarantine)))
        return ERR_NOMEM;
    reply->body_case = LIC__REPLY__BODY_QUARANTINE;
    return quarantine_list (self->store, req->quarantine, reply->quarantine);
}

// ---------------------------------------------------------------------
//  Reads (operator)

//  Decodes the stored state of license `bare` into a LicenseRecord with
//  optional history; caller frees with s_record_free.
static int
s_record_load (server_t *self, const char *bare, bool with_history, int64_t at,
               Lic__LicenseRecord *rec)
{
    uint8_t *v;
    size_t vl;
    lic__license_record__init (rec);
    int rc;
    if (at) {
        //  As of `at`: the license as it was then, nothing of later events.
        rc = views_state_at (self->views, bare, at, &rec->state);
        if (rc != ERR_OK)
            return rc;
        rec->as_of = at;
    }
    else {
        rc = store_get (self->store, STORE_CF_LICENSE, bare, strlen (bare), &v, &vl);
        if (rc != ERR_OK)
            return rc;
        rc = codec_state_decode (v, vl, &rec->state);
        free (v);
        if (rc != ERR_OK)
            return ERR_CORRUPT;
    }
    time_t when = at? (time_t) at: time (NULL);
    const char *valid_to = rec->state->content? rec->state->content->valid_to: "";
    rec->effective_status = lifecycle_effective_status (rec->state->status, valid_to, when);
    //  Annual inspection, under the version of the standard it was issued with.
    const Lic__LicenseType *type = rec->state->catalogue_version?
        views_type_at (self->views, rec->state->origin_division, bare,
                      rec->state->catalogue_version): NULL;
    if (type)
        rec->inspection_overdue = catalogue_inspection_overdue (type, rec->state, when);
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
    //  As of a time, the events up to then (in version order, so the
    //  first `version` of them).
    size_t most = at && rec->state->version < SERVER_HISTORY_MAX? rec->state->version: SERVER_HISTORY_MAX;
    while (it && rec->n_history < most && bytes < SERVER_REPLY_BUDGET
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
    char when [LIFECYCLE_TIME_SIZE];
    if (req->get->at && !lifecycle_time_valid (req->get->at)) {
        s_send_error (self, route_p, req->id, ERR_BAD_FIELD, "at %s is outside the time window "
                      "1990-01-01T00:00:00Z .. 2100-01-01T00:00:00Z (0 = now)",
                      lifecycle_time_text (req->get->at, when));
        return;
    }
    int rc = s_record_load (self, id.bare, req->get->with_history, req->get->at, &rec);
    if (rc == ERR_OK) {
        Lic__Reply reply;
        codec_reply_init (&reply);
        reply.id = req->id;
        reply.body_case = LIC__REPLY__BODY_LICENSE;
        reply.license = &rec;
        s_send (self, route_p, &reply);
    }
    else
    if (rc == ERR_NOT_FOUND && req->get->at)
        s_send_error (self, route_p, req->id, rc, "license %s was not issued yet at %s", id.bare,
                      lifecycle_time_text (req->get->at, when));
    else
    if (rc == ERR_NOT_FOUND)
        s_send_error (self, route_p, req->id, rc, "no license %s in this repository", id.bare);
    else
        s_send_error (self, route_p, req->id, rc, "license %s could not be read", id.bare);
    s_record_free (&rec);
}

//  A find cursor names where the next page starts in the holder index
//  (holder id 0x00 id type 0x00 license id): "<id type>/<bare license id>",
//  printable so that an operator can pass it back (licctl --cursor).
//  Writes the index key it stands for into key; 0 if it is not one of
//  this holder's (or of another id type than the find names).
static size_t
s_find_start (uint8_t *key, size_t size, const Lic__FindRequest *f)
{
    const char *slash = strrchr (f->cursor, '/');
    size_t il = strlen (f->holder_id) + 1;
    size_t tl = slash? (size_t) (slash - f->cursor): 0;
    size_t bl = slash? strlen (slash + 1): 0;
    if (!slash || tl > 8 || bl == 0 || bl > LICID_BARE_MAX || il + tl + 1 + bl > size
    ||  (*f->holder_id_type && (strlen (f->holder_id_type) != tl
                            ||  memcmp (f->holder_id_type, f->cursor, tl) != 0)))
        return 0;
    memcpy (key, f->holder_id, il);
    memcpy (key + il, f->cursor, tl);
    key [il + tl] = 0;
    memcpy (key + il + tl + 1, slash + 1, bl);
    return il + tl + 1 + bl;
}

//  The cursor of holder index key k (prefix: the holder id and its NUL).
static void
s_find_cursor (char *out, size_t size, const uint8_t *k, size_t kl, size_t il)
{
    const uint8_t *z = kl > il? memchr (k + il, 0, kl - il): NULL;
    if (!z)
        *out = 0;
    else
        snprintf (out, size, "%.*s/%.*s", (int) (z - (k + il)), (const char *) k + il,
                  (int) (kl - (size_t) (z + 1 - k)), (const char *) z + 1);
}

//  A holder's licenses, a page at a time: at most `limit` (1000) and
//  ~192 KiB, and `more` with the cursor of the next page whenever any
//  license is left out, so no answer is ever cut silently.
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
    uint8_t prefix [80], start [80 + LICID_BARE_MAX + 2];
    size_t plen = strlen (f->holder_id) + 1, il = plen, slen = 0;
    memcpy (prefix, f->holder_id, plen);
    if (*f->holder_id_type) {
        size_t tl = strlen (f->holder_id_type) + 1;
        memcpy (prefix + plen, f->holder_id_type, tl);
        plen += tl;
    }
    if (*f->cursor && (slen = s_find_start (start, sizeof start, f)) == 0) {
        s_send_error (self, route_p, req->id, ERR_BAD_FIELD, "cursor \"%.80s\" is not one of this "
                      "find's (pass back next_cursor as it came)", f->cursor);
        return;
    }
    Lic__FindResult found;
    lic__find_result__init (&found);
    char cursor [8 + 1 + LICID_BARE_MAX + 1] = "";
    Lic__LicenseRecord *recs = calloc (limit, sizeof *recs);
    Lic__LicenseRecord **ptrs = calloc (limit, sizeof *ptrs);
    store_iter_t *it = recs && ptrs? store_iter_new (self->store, STORE_CF_HOLDER, prefix, plen,
                                                     slen? start: NULL, slen): NULL;
    if (!it) {
        free (recs);
        free (ptrs);
        s_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    const uint8_t *k;
    size_t kl, bytes = 0;
    while (store_iter_next (it, &k, &kl, NULL, NULL)) {
        //  key: holder id 0 id_type 0 license id
        const uint8_t *z1 = memchr (k, 0, kl);
        const uint8_t *z2 = z1? memchr (z1 + 1, 0, kl - (size_t) (z1 + 1 - k)): NULL;
        if (!z2)
            continue;
        char bare [LICID_BARE_MAX + 1];
        size_t bl = kl - (size_t) (z2 + 1 - k);
        if (bl > LICID_BARE_MAX)
            continue;
        if (found.n_licenses == limit || bytes >= SERVER_REPLY_BUDGET) {
            found.more = true;      //  this one starts the next page
            s_find_cursor (cursor, sizeof cursor, k, kl, il);
            break;
        }
        memcpy (bare, z2 + 1, bl);
        bare [bl] = 0;
        Lic__LicenseRecord *rec = &recs [found.n_licenses];
        if (s_record_load (self, bare, false, 0, rec) == ERR_OK) {
            ptrs [found.n_licenses++] = rec;
            bytes += codec_record_size (rec);
        }
        else
            s_record_free (rec);
    }
    store_iter_destroy (&it);
    found.licenses = ptrs;
    found.next_cursor = cursor;
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
    //  Messages of keys no longer admitted count with the refused events.
    st->rejected += self->revoked_msgs;
    st->rejected_by_code [ERR_KEY_REVOKED] += self->revoked_msgs;
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
    ns->catalogue_types = views_types (self->views);
    ns->inspections_overdue = self->overdue_count;
    if (self->query) {
        query_stats (self->query, &ns->queries_granted, &ns->queries_refused);
        uint64_t busy = 0, pending;
        query_flood_stats (self->query, &ns->queries_aggregated, &busy, &pending);
        ns->busy = self->busy + busy;
    }
    outq_stats_t qs;
    if (self->client_q) {
        outq_stats (self->client_q, &qs);
        ns->replies_dropped += qs.dropped;
    }
    if (self->query_q) {
        outq_stats (self->query_q, &qs);
        ns->replies_dropped += qs.dropped;
    }
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
    zap_stats_t hs;
    if (zap_stats (self->auth, &hs) != ERR_OK)
        logfmt_msgf (LOGFMT_WARN, "the ZAP handler's counters could not be read");
    char *text = metrics_render (&ns, &st, &db, &hs);
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
    if (!it) {
        free (out.entries);
        s_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    const uint8_t *k, *v;
    size_t kl, vl;
    size_t bytes = 0;
    out.next_seq = req->log->from_seq;
    while (store_iter_next (it, &k, &kl, &v, &vl)) {
        if (out.n_entries == limit || (out.n_entries > 0 && bytes + vl > SERVER_REPLY_BUDGET)) {
            out.more = true;    //  the client asks again from next_seq
            break;
        }
        if (codec_entry_decode (v, vl, &out.entries [out.n_entries]) == ERR_OK)
            out.n_entries++;
        bytes += vl;
        if (kl == 8)
            out.next_seq = store_get_u64 (k) + 1;
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

//  Catalogue reads: list (latest of every type), show (latest of one),
//  history (every version of one), a page at a time: at most
//  SERVER_TYPES_MAX types and ~192 KiB, and `more` with the cursor of the
//  next page ("division/code" for a list, the version for a history)
//  whenever any is left out.
#define SERVER_TYPES_MAX 1024
typedef struct {
    Lic__LicenseType **types;
    size_t n, cap;
    size_t bytes;                   //  packed size so far
    const char *from;               //  list: the first "division/code" wanted ("" = all)
    bool more;                      //  a type was left out
    char next [64];                 //  list: its "division/code"
} s_types_t;

//  True if the page is full, so that the type offered next goes to the
//  next page.
static bool
s_types_full (s_types_t *c)
{
    return c->more || c->n == c->cap || c->bytes >= SERVER_REPLY_BUDGET;
}

static void
s_collect_type (void *arg, const Lic__LicenseType *t)
{
    s_types_t *c = (s_types_t *) arg;
    char key [64];
    snprintf (key, sizeof key, "%s/%s", t->division, t->type_code);
    if (*c->from && strcmp (key, c->from) < 0)
        return;
    if (s_types_full (c)) {
        if (!c->more)
            snprintf (c->next, sizeof c->next, "%s", key);
        c->more = true;
        return;
    }
    c->types [c->n++] = (Lic__LicenseType *) t;
    c->bytes += lic__license_type__get_packed_size (t);
}

static void
s_on_catalogue_read (server_t *self, zframe_t **route_p, const Lic__Request *req)
{
    const Lic__CatalogueRequest *cr = req->catalogue;
    //  Whose line of the code: the node's own unless another is asked.
    const char *line = cr->division && *cr->division? cr->division: self->cfg->division;
    s_types_t c = { NULL, 0, SERVER_TYPES_MAX, 0, cr->cursor, false, "" };
    uint64_t from_version = 1;
    if (*cr->cursor && *cr->type_code
    &&  (!cr->history || sscanf (cr->cursor, "%" SCNu64, &from_version) != 1 || from_version == 0)) {
        s_send_error (self, route_p, req->id, ERR_BAD_FIELD, "cursor \"%.80s\" is not one of this "
                      "read's (pass back next_cursor as it came)", cr->cursor);
        return;
    }
    c.types = calloc (c.cap, sizeof *c.types);
    Lic__LicenseType **owned = NULL;
    size_t n_owned = 0;
    if (!c.types) {
        s_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    if (!*cr->type_code)
        views_each_type (self->views, s_collect_type, &c);
    else
    if (!cr->history) {
        const Lic__LicenseType *t = views_type (self->views, line, cr->type_code);
        if (t)
            c.types [c.n++] = (Lic__LicenseType *) t;
    }
    else {
        owned = calloc (c.cap + 1, sizeof *owned);
        for (uint64_t v = from_version; owned && v <= UINT32_MAX; v++) {
            if (views_type_version (self->views, line, cr->type_code, (uint32_t) v, &owned [n_owned]) != ERR_OK)
                break;
            if (s_types_full (&c)) {
                c.more = true;      //  version v starts the next page
                snprintf (c.next, sizeof c.next, "%" PRIu64, v);
                codec_license_type_free (&owned [n_owned]);
                break;
            }
            c.bytes += lic__license_type__get_packed_size (owned [n_owned]);
            c.types [c.n++] = owned [n_owned++];
        }
    }
    if (*cr->type_code && c.n == 0)
        s_send_error (self, route_p, req->id, ERR_UNKNOWN_TYPE, "license type %s is not in the "
                      "catalogue of node %s", cr->type_code, line);
    else {
        Lic__CatalogueResult res;
        lic__catalogue_result__init (&res);
        res.types = c.types;
        res.n_types = c.n;
        res.more = c.more;
        res.next_cursor = c.next;
        Lic__Reply reply;
        codec_reply_init (&reply);
        reply.id = req->id;
        reply.body_case = LIC__REPLY__BODY_CATALOGUE;
        reply.catalogue = &res;
        s_send (self, route_p, &reply);
    }
    for (size_t i = 0; i < n_owned; i++)
        codec_license_type_free (&owned [i]);
    free (owned);
    free (c.types);
}

#define SERVER_BLOB_MAX (192 * 1024)

static void
s_on_blob (server_t *self, zframe_t **route_p, const Lic__Request *req, bool admin)
{
    const Lic__BlobRequest *b = req->blob;
    Lic__BlobResult res;
    lic__blob_result__init (&res);
    uint8_t digest [32], *data = NULL;
    size_t len = 0;
    if (b->put.len) {
        if (!admin) {
            s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "storing blobs is for the node's operator");
            return;
        }
        if (b->put.len > SERVER_BLOB_MAX) {
            s_send_error (self, route_p, req->id, ERR_TOO_LARGE, "blob of %zu bytes is over the %d-byte limit",
                          b->put.len, SERVER_BLOB_MAX);
            return;
        }
        seal_hash (digest, b->put.data, b->put.len, NULL, 0);
        store_batch_t *batch = store_batch_new (self->store);
        int rc = batch? ERR_OK: ERR_NOMEM;
        if (rc == ERR_OK) {
            store_batch_put (batch, STORE_CF_BLOB, digest, 32, b->put.data, b->put.len);
            rc = store_write (self->store, batch, true);
        }
        store_batch_destroy (&batch);
        if (rc != ERR_OK) {
            s_send_error (self, route_p, req->id, rc, "blob not stored: %s", err_str (rc));
            return;
        }
    }
    else {
        if (b->digest.len != 32) {
            s_send_error (self, route_p, req->id, ERR_BAD_FIELD, "a blob is named by its 32-byte BLAKE2b digest");
            return;
        }
        memcpy (digest, b->digest.data, 32);
        int rc = store_get (self->store, STORE_CF_BLOB, digest, 32, &data, &len);
        if (rc != ERR_OK) {
            s_send_error (self, route_p, req->id, rc, rc == ERR_NOT_FOUND? "no such blob": "blob unreadable");
            return;
        }
        res.data.data = data;
        res.data.len = len;
    }
    res.digest.data = digest;
    res.digest.len = 32;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_BLOB;
    reply.blob = &res;
    s_send (self, route_p, &reply);
    free (data);
}

//  Same-day release (regulation Art. 7-8): per department and civil day
//  (UTC+8) of completion, events released after that day.  One scan of
//  the log; bounded by the reply's size.
typedef struct {
    Lic__LatenessRow row;
    char issuer [24];
    char day [LIFECYCLE_DAY_SIZE];
} s_late_t;

//  The civil date (UTC+8) of t; false, with out "", for a time outside
//  the window (lifecycle_day): such an event is left out of the report.
static bool
s_day (char out [LIFECYCLE_DAY_SIZE], int64_t t)
{
    return lifecycle_day (t, out);
}

static void
s_on_report (server_t *self, zframe_t **route_p, const Lic__Request *req)
{
    if (!streq (req->report->kind, "lateness")) {
        s_send_error (self, route_p, req->id, ERR_BAD_FIELD, "unknown report \"%s\" (known: lateness)",
                      req->report->kind);
        return;
    }
    zhashx_t *rows = zhashx_new ();
    zhashx_set_destructor (rows, (zhashx_destructor_fn *) zstr_free);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_LOG, NULL, 0, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (it && store_iter_next (it, &k, &kl, &v, &vl)) {
        Lic__LogEntry *e = NULL;
        Lic__Event *ev = NULL;
        if (codec_entry_decode (v, vl, &e) == ERR_OK && e->kind == LIC__ENTRY_KIND__ENTRY_EVENT
        &&  e->envelope && codec_event_decode (e->envelope->body.data, e->envelope->body.len, &ev) == ERR_OK) {
            char done [LIFECYCLE_DAY_SIZE], released [LIFECYCLE_DAY_SIZE], key [48];
            bool dated = s_day (done, ev->completed_at) && s_day (released, e->received_at);
            snprintf (key, sizeof key, "%s %s", ev->issuer_code, done);
            s_late_t *r = dated? (s_late_t *) zhashx_lookup (rows, key): NULL;
            if (dated && !r && (r = calloc (1, sizeof *r))) {
                lic__lateness_row__init (&r->row);
                snprintf (r->issuer, sizeof r->issuer, "%s", ev->issuer_code);
                snprintf (r->day, sizeof r->day, "%s", done);
                r->row.issuer = r->issuer;
                r->row.day = r->day;
                zhashx_insert (rows, key, r);
            }
            if (r) {
                r->row.events++;
                if (strcmp (released, done) > 0) {
                    r->row.late++;
                    //  Delay after the end of the completion day (UTC+8).
                    int64_t end = ((ev->completed_at + 8 * 3600) / 86400 + 1) * 86400 - 8 * 3600;
                    if (e->received_at - end > r->row.worst_seconds)
                        r->row.worst_seconds = e->received_at - end;
                }
            }
        }
        codec_event_free (&ev);
        codec_entry_free (&e);
    }
    store_iter_destroy (&it);
    //  Late rows only, sorted by issuer and day.
    zlistx_t *keys = zhashx_keys (rows);
    zlistx_set_comparator (keys, (zlistx_comparator_fn *) strcmp);
    zlistx_sort (keys);
    size_t limit = req->report->limit && req->report->limit < 2000? req->report->limit: 2000;
    Lic__LatenessRow **out = calloc (limit, sizeof *out);
    Lic__ReportResult res;
    lic__report_result__init (&res);
    for (const char *key = (const char *) zlistx_first (keys); out && key && res.n_rows < limit;
         key = (const char *) zlistx_next (keys)) {
        s_late_t *r = (s_late_t *) zhashx_lookup (rows, key);
        if (r->row.late)
            out [res.n_rows++] = &r->row;
    }
    res.rows = out;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_REPORT;
    reply.report = &res;
    s_send (self, route_p, &reply);
    free (out);
    zlistx_destroy (&keys);
    zhashx_destroy (&rows);
}

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
        if (codec_state_decode (v, vl, &st) == ERR_OK && st->catalogue_version
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

// ---------------------------------------------------------------------
//  Dispatch

static bool
s_is_admin (server_t *self, zframe_t *body)
{
    const char *user = zframe_meta (body, "User-Id");
    return user && streq (user, self->id->admin.curve_pk);
}

#define SERVER_DEPT_TEXT_MAX 256    //  bytes of any string of a department (its name)

static int
s_check_department (const Lic__Department *d, char *why, size_t why_size)
{
    int rc = d? codec_check_text (&d->base, SERVER_DEPT_TEXT_MAX, why, why_size): ERR_OK;
    if (rc != ERR_OK)
        return rc;
    if (!d || !d->credit_code || !licid_credit_code_valid (d->credit_code)) {
        snprintf (why, why_size, "department credit code \"%s\" is not a valid unified "
                  "social credit code", d && d->credit_code? d->credit_code: "");
        return ERR_BAD_CREDIT_CODE;
    }
    if (d->n_sign_keys == 0 || d->n_sign_keys > 16 || d->curve_key.len != 32
    ||  d->n_license_types > 1024 || d->n_revoked_keys > VIEWS_REVOKED_MAX
    ||  d->n_revoked_curve_keys > VIEWS_REVOKED_MAX) {
        snprintf (why, why_size, "a department needs 1..16 signing keys and a 32-byte CURVE key");
        return ERR_BAD_FIELD;
    }
    for (size_t i = 0; i < d->n_sign_keys; i++)
        if (d->sign_keys [i].len != 32) {
            snprintf (why, why_size, "signing key %zu is not 32 bytes", i);
            return ERR_BAD_FIELD;
        }
    for (size_t i = 0; i < d->n_revoked_keys + d->n_revoked_curve_keys; i++)
        if ((i < d->n_revoked_keys? d->revoked_keys [i]
                                  : d->revoked_curve_keys [i - d->n_revoked_keys]).len != 32) {
            snprintf (why, why_size, "revoked key %zu is not 32 bytes", i);
            return ERR_BAD_FIELD;
        }
    for (size_t i = 0; i < d->n_license_types; i++) {
        const char *t = d->license_types [i];
        if (!licid_type_code_valid (t)) {
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
    char why [256];
    if (rc != ERR_OK) {
        //  A frame refused as a whole still says which request it was,
        //  when its top level parses (a pipelining client is waiting).
        //  It may have been a query: counted in its key's aggregated
        //  audit record (issue 11 finding 5), answered now.
        self->bad_frames++;
        snprintf (why, sizeof why, "%s", rc == ERR_TOO_LARGE
            ? "frame exceeds the 256 KiB limit, or would unpack into more than its decode budget"
            : rc == ERR_VERSION? "protocol version not supported (this node speaks 1)"
            : "frame does not decode as lic.Request");
        query_refuse (self->query, SERVER_CHANNEL_MAIN, route_p, zframe_meta (body, "User-Id"),
                      codec_request_id (zframe_data (body), zframe_size (body)), rc, why);
        return;
    }
    //  Over the key's rate, or its replies are not being read: refused
    //  unserved (a query counted in its key's aggregated audit record).
    if (!s_may_serve (self, self->client_q, *route_p, body, !s_is_admin (self, body), why, sizeof why)) {
        self->busy++;
        if (req->body_case == LIC__REQUEST__BODY_QUERY)
            query_refuse (self->query, SERVER_CHANNEL_MAIN, route_p, zframe_meta (body, "User-Id"),
                          req->id, ERR_BUSY, why);
        else
            s_send_error (self, route_p, req->id, ERR_BUSY, "%s", why);
        codec_request_free (&req);
        return;
    }
    //  Parts of a request are signed and stored as they came (an
    //  envelope, a department, a catalogue type): none may carry fields
    //  the schema does not name.
    if ((rc = codec_known_fields (&req->base, why, sizeof why)) != ERR_OK) {
        self->bad_frames++;
        s_send_error (self, route_p, req->id, rc, "%s", why);
        codec_request_free (&req);
        return;
    }
    //  Every string is UTF-8 text (issue 11 finding 6), before any is
    //  stored or quoted; a query is checked (and recorded) by query.c.
    if (req->body_case != LIC__REQUEST__BODY_QUERY
    &&  (rc = codec_check_text (&req->base, CODEC_FRAME_MAX, why, sizeof why)) != ERR_OK) {
        self->bad_frames++;
        s_send_error (self, route_p, req->id, ERR_BAD_FIELD, "%s", why);
        codec_request_free (&req);
        return;
    }
    bool admin = s_is_admin (self, body);
    if (!s_key_admitted (self, self->router, route_p, body, "licrepo", req->id)) {
        codec_request_free (&req);
        return;
    }
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
        case LIC__REQUEST__BODY_CATALOGUE:
            if (!req->catalogue->add)
                s_on_catalogue_read (self, route_p, req);
            else
            if (!admin)
                s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "only the node's admin key may change the catalogue");
            else
            if ((rc = catalogue_check_type (req->catalogue->add, why, sizeof why)) != ERR_OK)
                s_send_error (self, route_p, req->id, rc, "%s", why);
            else
                ingest_submit (self->ingest, route_p, &req);
            break;
        case LIC__REQUEST__BODY_BLOB:
            s_on_blob (self, route_p, req, admin);
            break;
        case LIC__REQUEST__BODY_REPORT:
            if (!admin)
                s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "reports are for the node's operator");
            else
                s_on_report (self, route_p, req);
            break;
        case LIC__REQUEST__BODY_BACKUP:
            if (!admin)
                s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "backups are for the node's operator");
            else
                s_on_backup (self, route_p, req);
            break;
        case LIC__REQUEST__BODY_QUERY:
            //  Application bodies may query here too; the node answers
            //  only the keys of bodies registered at it, and records all.
            query_on_request (self->query, SERVER_CHANNEL_MAIN, route_p,
                              zframe_meta (body, "User-Id"), req, req->id, ERR_OK);
            break;
        case LIC__REQUEST__BODY_APP_BODY:
            if (!admin)
                s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "only the node's admin key may register or list application bodies");
            else
                s_on_app_body (self, route_p, &req);
            break;
        case LIC__REQUEST__BODY_QUARANTINE:
            if (!admin)
                s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "the quarantine is for the node's operator");
            else
                s_answer_built (self, route_p, req, s_build_quarantine, "the quarantine");
            break;
        case LIC__REQUEST__BODY_AUDIT:
            if (!admin)
                s_send_error (self, route_p, req->id, ERR_FORBIDDEN, "the audit log is for the node's operator");
            else
                s_answer_built (self, route_p, req, s_build_audit, "the audit log");
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

//  A frame of the query socket: refused if its key is no longer an
//  admitted application body's, else the query module's.
static void
s_on_query_frame (server_t *self, zframe_t **route_p, zframe_t *body)
{
    Lic__Request *req = NULL;
    int rc = codec_request_decode (zframe_data (body), zframe_size (body), &req);
    //  Every answer carries the request's id, also to a frame refused as
    //  a whole whose top level says it.
    uint64_t id = req? req->id: codec_request_id (zframe_data (body), zframe_size (body));
    char why [256];
    if (!s_key_admitted (self, self->query_sock, route_p, body, "licrepo-query", id))
        ;
    else
    if (!s_may_serve (self, self->query_q, *route_p, body, false, why, sizeof why))
        query_refuse (self->query, SERVER_CHANNEL_QUERY, route_p, zframe_meta (body, "User-Id"),
                      id, ERR_BUSY, why);
    else
        query_on_request (self->query, SERVER_CHANNEL_QUERY, route_p, zframe_meta (body, "User-Id"),
                          req, id, rc);
    codec_request_free (&req);
}

//  Reads up to `budget` frames from the query socket without blocking.
static void
s_on_query_router (server_t *self, int budget)
{
    while (budget-- > 0 && !ingest_full (self->ingest)
       &&  (zsock_events (self->query_sock) & ZMQ_POLLIN)) {
        zframe_t *route = zframe_recv (self->query_sock);
        if (!route)
            break;
        zframe_t *body = zframe_more (route)? zframe_recv (self->query_sock): NULL;
        //  A multi-frame request is refused like any bad frame: recorded.
        while (body && zframe_more (body)) {
            zframe_t *more = zframe_recv (self->query_sock);
            bool last = !more || !zframe_more (more);
            zframe_destroy (&body);
            body = more;
            if (last) {
                zframe_destroy (&body);
                body = zframe_new ("", 0);
                break;
            }
        }
        if (body)
            s_on_query_frame (self, &route, body);
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

    //  The ZAP handler first, admitting nothing until the keys are built
    //  (the downlink binds its socket before that).
    self->auth = zactor_new (zap_actor, NULL);
    self->key_log = zap_limit_new ();
    self->children = calloc (CONFIG_CHILDREN_MAX, sizeof *self->children);
    if (!self->auth || !self->key_log || !self->children) {
        snprintf (why, why_size, "cannot start the ZAP handler (is another running in this process?)");
        rc = ERR_INTERNAL;
        goto fail;
    }
    self->n_children = cfg->n_children;
    memcpy (self->children, cfg->children, (size_t) cfg->n_children * sizeof *self->children);
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
    uplink_set_subtree (self->uplink, downlink_subtree (self->downlink));
    if (cfg->has_parent && !self->uplink) {
        snprintf (why, why_size, "out of memory");
        rc = ERR_NOMEM;
        goto fail;
    }
    //  Every registered department and application body may connect, with
    //  the key it has now in the registry, and the operator and children.
    if ((rc = s_admit (self)) != ERR_OK) {
        snprintf (why, why_size, "cannot build the admitted keys (%s): see the log", err_str (rc));
        goto fail;
    }
    self->quarantine_base = quarantine_count (store);

    //  Queues of OUTQ_SNDHWM replies and OUTQ_RCVHWM requests per peer
    //  (issue 11 finding 4: bytes, not only messages; outq.h).
    self->router = identity_router (id, cfg->listen, "licrepo", 4 * CODEC_FRAME_MAX,
                                    OUTQ_SNDHWM, OUTQ_RCVHWM, 1000, why, why_size);
    if (!self->router) {
        rc = ERR_IO;
        goto fail;
    }
    self->query = query_new (cfg, id, store, views, self->ingest);
    self->client_q = outq_new (self->router, "client");
    self->client_rate = ratelimit_new (cfg->client_rate, cfg->client_burst);
    self->busy_log = zap_limit_new ();
    if (!self->query || !self->client_q || !self->client_rate || !self->busy_log) {
        rc = ERR_NOMEM;
        goto fail;
    }
    ingest_set_audit_handler (self->ingest, s_on_audit, self);
    query_set_sender (self->query, s_on_audit, self);
    if (cfg->query_listen [0]
    &&  !(self->query_sock = identity_router (id, cfg->query_listen, "licrepo-query", CODEC_FRAME_MAX,
                                              OUTQ_SNDHWM, OUTQ_RCVHWM, 1000, why, why_size))) {
        rc = ERR_IO;
        goto fail;
    }
    if (self->query_sock && !(self->query_q = outq_new (self->query_sock, "query"))) {
        rc = ERR_NOMEM;
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
    query_destroy (&self->query);
    outq_destroy (&self->query_q);
    outq_destroy (&self->client_q);
    ratelimit_destroy (&self->client_rate);
    zap_limit_destroy (&self->busy_log);
    zsock_destroy (&self->query_sock);
    zsock_destroy (&self->router);
    zactor_destroy (&self->auth);
    zap_keys_destroy (&self->keys);
    zap_limit_destroy (&self->key_log);
    free (self->children);
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
    if (s_admit (self) != ERR_OK)
        logfmt_msgf (LOGFMT_ERROR, "SIGHUP: admitted keys kept as they were");
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
    if (rc == ERR_OK && (rc = views_abort (self->views)) == ERR_OK
    &&  (rc = s_admit (self)) == ERR_OK)     //  registrations not written are not admitted
        logfmt_msgf (LOGFMT_INFO, "repository recovered after a failed write: accepting publishes again");
    else
        logfmt_msgf (LOGFMT_WARN, "repository not recovered yet: %s %s", err_str (rc), why);
}

//  Our signed NodeSummary for the parent's heartbeat (issue 13): what
//  our status says of us, signed with the node key, so every level above
//  holds it as we stated it.
static void
s_summary (server_t *self)
{
    if (!self->uplink)
        return;
    ingest_stats_t st;
    Lic__NodeStatus ns;
    uint8_t curve [32];
    s_status_fill (self, &st, &ns, curve, NULL);
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
    sum.software = LICREPO_VERSION;
    sum.children = (uint32_t) ns.n_children;
    for (size_t i = 0; i < ns.n_children; i++)
        sum.children_connected += ns.children [i]->connected;
    struct statvfs vfs;
    if (statvfs (self->cfg->data_dir, &vfs) == 0)
        sum.disk_free_mb = (uint64_t) vfs.f_bavail * vfs.f_frsize >> 20;
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
        s_summary (self);
        if (self->metrics)
            s_metrics (self);
        if (now >= self->next_recover) {
            s_try_recover (self);
            self->next_recover = now + 2000;
        }
        //  Aggregated audit records whose window closed (issue 11 finding 5)
        query_on_tick (self->query, false);
        ratelimit_sweep (self->client_rate, now);
        self->next_tick = now + 1000;
    }
    if (now >= self->next_overdue) {
        s_overdue_step (self);
        self->next_overdue = now + SERVER_OVERDUE_EVERY_MS;
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
        //  Stopping: the refusals counted so far are written first, each
        //  key's in one aggregated record, whatever its window.
        uint64_t aggregated, busy, unwritten = 0;
        if (stop_deadline) {
            query_on_tick (self->query, true);
            query_flood_stats (self->query, &aggregated, &busy, &unwritten);
        }
        if (stop_deadline && ((ingest_idle (self->ingest) && unwritten == 0)
                          ||  zclock_mono () > stop_deadline))
            break;
        zmq_pollitem_t items [7] = {
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
            if (self->query_sock)
                items [nitems++] = (zmq_pollitem_t) { zsock_resolve (self->query_sock), 0, ZMQ_POLLIN, 0 };
            if (self->downlink)
                items [nitems++] = (zmq_pollitem_t) { zsock_resolve (downlink_sock (self->downlink)), 0, ZMQ_POLLIN, 0 };
        }
        //  Parked replies go out as soon as their peers' queues have room.
        bool parked = outq_parked (self->client_q) || (self->query_q && outq_parked (self->query_q));
        int rc = zmq_poll (items, nitems, parked? 5: stop_deadline? 50: 100);
        if (rc < 0 && zmq_errno () != EINTR)
            break;
        if (self->backup && (zsock_events (backup_sock (self->backup)) & ZMQ_POLLIN))
            s_on_backup_done (self);
        if (up)
            uplink_on_readable (self->uplink);
        if (accept) {
            s_on_router (self, 256);
            if (self->query_sock)
                s_on_query_router (self, 256);
            if (self->downlink)
                downlink_on_readable (self->downlink, 64);
        }
        ingest_on_ready (self->ingest);
        outq_flush (self->client_q);
        if (self->query_q)
            outq_flush (self->query_q);
        if (self->uplink && !stop_deadline)
            uplink_pump (self->uplink);
        s_on_tick (self);
    }
    return ERR_OK;
}
