/*  server.c -- the node's client socket: a CURVE ROUTER behind a running
    ZAP handler (zap.c, admitting the keys admission.c builds from the
    registry and the configuration), the query socket, reading and
    checking their frames, the request dispatch, and the main loop that
    also drives the ingest pipeline.  The operator's requests are in
    admin.c, the reads any key may make in reads.c, the work the loop
    does on its own in periodic.c.

    Frames (proto/README.md): the client's DEALER sends one frame holding
    a lic.Request; the server answers one frame holding a lic.Reply with
    the same id.  Requests of one connection are sequenced in the order
    they arrive.  Every refusal is a Reply with its err_t code and the
    request's id, also for a frame refused as a whole whose top level
    carries one (codec_request_id); only a frame that is not protobuf at
    all is answered with id 0.
*/
#include <signal.h>
#include "node/base/logfmt.h"
#include "node/links/admission.h"
#include "node/serve/admin.h"
#include "node/serve/dispatch.h"
#include "node/serve/periodic.h"
#include "node/serve/reads.h"
#include "node/serve/quarantine.h"
#include "node/serve/server_int.h"
#include "proto/catalogue.h"

// ---------------------------------------------------------------------
//  Replies

//  Every reply goes through the socket's outq (a byte budget per peer,
//  outq.h) and is at most CODEC_REPLY_MAX, what a client decodes and
//  what that budget counts on.  A peer that has gone away loses its
//  reply; its events, if stored, are answered again as duplicates when
//  it resends them.
void
server_send_on (server_t *self, zsock_t *sock, zframe_t **route_p, const Lic__Reply *reply)
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

void
server_send (server_t *self, zframe_t **route_p, const Lic__Reply *reply)
{
    server_send_on (self, self->router, route_p, reply);
}

void
server_send_error (server_t *self, zframe_t **route_p, uint64_t id, int code, const char *fmt, ...)
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
    server_send (self, route_p, &reply);
}

//  The admitted keys follow the registry: built again from it and handed
//  to the ZAP handler, in force when this returns (so a registration is
//  answered only once its key is admitted and the key it replaced is
//  not).  On failure the keys in force stay as they were.
int
server_admit (server_t *self)
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
    //  A revocation (REGISTERED without a department) may name a child's
    //  key: its CURVE key is then no longer admitted (admission.c).
    if (dept || ((*reply_p)->body_case == LIC__REPLY__BODY_APP_BODY && (*reply_p)->code == ERR_OK)
    ||  ((*reply_p)->body_case == LIC__REPLY__BODY_REGISTERED && (*reply_p)->code == ERR_OK))
        if (server_admit (self) != ERR_OK) {
            //  Registered, but its key is not admitted yet: say so (the
            //  next registration or a SIGHUP tries again).
            (*reply_p)->code = ERR_INTERNAL;
            free ((*reply_p)->message);
            (*reply_p)->message = strdup ("registered, but the admitted keys could not be "
                                          "changed (see the node's log); send SIGHUP to retry");
        }
    server_send (self, route_p, *reply_p);
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
    server_send_on (self, sock, route_p, &reply);
    return false;
}

//  An audited query's answer, now that its record is durable.
static void
s_on_audit (void *arg, int channel, zframe_t **route_p, Lic__Reply **reply_p)
{
    server_t *self = (server_t *) arg;
    zsock_t *sock = channel == SERVER_CHANNEL_QUERY? self->query_sock: self->router;
    if (sock)
        server_send_on (self, sock, route_p, *reply_p);
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

// ---------------------------------------------------------------------
//  Reading the sockets

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
        //  audit record (README "Every query recorded, without
        //  amplification"), answered now.
        self->bad_frames++;
        snprintf (why, sizeof why, "%s", rc == ERR_TOO_LARGE
            ? "frame exceeds the 256 KiB limit, or would unpack into more than its decode budget"
            : rc == ERR_VERSION? "protocol version not supported (this node speaks 1)"
            : "frame does not decode as lic.Request");
        query_refuse (self->query, SERVER_CHANNEL_MAIN, route_p, zframe_meta (body, "User-Id"),
                      codec_request_id (zframe_data (body), zframe_size (body)), rc, why);
        return;
    }
    //  What is asked, and who asks, decided once (dispatch.h).
    const char *user = zframe_meta (body, "User-Id");
    dispatch_kind_t kind = dispatch_kind (req);
    unsigned roles = dispatch_roles (self->keys, self->id->admin.curve_pk, user);
    //  Over the key's rate, or its replies are not being read: refused
    //  unserved (a query counted in its key's aggregated audit record).
    if (!s_may_serve (self, self->client_q, *route_p, body, !(roles & DISPATCH_OPERATOR), why, sizeof why)) {
        self->busy++;
        if (kind == DISPATCH_QUERY)
            query_refuse (self->query, SERVER_CHANNEL_MAIN, route_p, user, req->id, ERR_BUSY, why);
        else
            server_send_error (self, route_p, req->id, ERR_BUSY, "%s", why);
        codec_request_free (&req);
        return;
    }
    //  Parts of a request are signed and stored as they came (an
    //  envelope, a department, a catalogue type): none may carry fields
    //  the schema does not name.
    if ((rc = codec_known_fields (&req->base, why, sizeof why)) != ERR_OK) {
        self->bad_frames++;
        server_send_error (self, route_p, req->id, rc, "%s", why);
        codec_request_free (&req);
        return;
    }
    //  Every string is UTF-8 text (proto/text.h), before any is
    //  stored or quoted; a query is checked (and recorded) by query.c.
    if (kind != DISPATCH_QUERY
    &&  (rc = codec_check_text (&req->base, CODEC_FRAME_MAX, why, sizeof why)) != ERR_OK) {
        self->bad_frames++;
        server_send_error (self, route_p, req->id, ERR_BAD_FIELD, "%s", why);
        codec_request_free (&req);
        return;
    }
    if (!s_key_admitted (self, self->router, route_p, body, "licrepo", req->id)) {
        codec_request_free (&req);
        return;
    }
    dispatch_request (self, kind, route_p, &req, user, roles);
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
            server_send_error (self, &route, 0, ERR_MALFORMED, "a request is exactly one frame");
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

//  The client socket and its reply queue and rate limit, the query
//  module and its socket, the metrics endpoint.  ERR_OK, ERR_IO (cannot
//  bind: why says so), ERR_NOMEM; what was opened is closed by
//  server_destroy.
static int
s_open_sockets (server_t *self, char *why, size_t why_size)
{
    const config_t *cfg = self->cfg;
    identity_t *id = self->id;
    //  Queues of OUTQ_SNDHWM replies and OUTQ_RCVHWM requests per peer
    //  (bytes, not only messages: outq.h, README "Bounded resources").
    self->router = identity_router (id, cfg->listen, "licrepo", 4 * CODEC_FRAME_MAX,
                                    OUTQ_SNDHWM, OUTQ_RCVHWM, 1000, why, why_size);
    if (!self->router)
        return ERR_IO;
    self->query = query_new (cfg, id, self->store, self->views, self->ingest);
    self->client_q = outq_new (self->router, "client");
    self->client_rate = ratelimit_new (cfg->client_rate, cfg->client_burst);
    self->busy_log = zap_limit_new ();
    if (!self->query || !self->client_q || !self->client_rate || !self->busy_log)
        return ERR_NOMEM;
    ingest_set_audit_handler (self->ingest, s_on_audit, self);
    query_set_sender (self->query, s_on_audit, self);
    if (cfg->query_listen [0]
    &&  !(self->query_sock = identity_router (id, cfg->query_listen, "licrepo-query", CODEC_FRAME_MAX,
                                              OUTQ_SNDHWM, OUTQ_RCVHWM, 1000, why, why_size)))
        return ERR_IO;
    if (self->query_sock && !(self->query_q = outq_new (self->query_sock, "query")))
        return ERR_NOMEM;
    if (cfg->metrics_listen [0])
        return metrics_open (&self->metrics, cfg->metrics_listen, why, why_size);
    return ERR_OK;
}

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
    if ((rc = server_admit (self)) != ERR_OK) {
        snprintf (why, why_size, "cannot build the admitted keys (%s): see the log", err_str (rc));
        goto fail;
    }
    self->quarantine_base = quarantine_count (store);

    if ((rc = s_open_sockets (self, why, why_size)) != ERR_OK)
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
        admin_on_backup_done (self);
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

int
server_run (server_t *self)
{
    int64_t stop_deadline = 0;
    periodic_watch_hangup ();
    while (true) {
        periodic_on_hangup (self);
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
            admin_on_backup_done (self);
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
        periodic_tick (self);
    }
    return ERR_OK;
}
