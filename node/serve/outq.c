/*  outq.c -- replies with a byte budget per peer (see outq.h).

    A peer appears here only while replies to it are parked or it is
    congested; every other reply goes straight to libzmq.  Peers are
    known by their ROUTER routing id (hex), the only name a reply has.
    Deliberately does not: retry a peer that left (EHOSTUNREACH drops its
    replies), or block the server for a slow peer.
*/
#include "node/base/logfmt.h"
#include "node/links/zap.h"
#include "node/serve/outq.h"

typedef struct {
    zframe_t *route;                //  the peer's routing id
    zlist_t *parked;                //  zframe_t replies, oldest first
    size_t bytes;                   //  parked for it
    bool congested;                 //  a reply was dropped, none sent since
    int64_t seen;                   //  mono ms of the last reply to it
} s_peer_t;

struct outq_t {
    zsock_t *sock;                  //  the ROUTER (borrowed)
    void *handle;                   //  its libzmq socket
    char name [16];                 //  socket name, for logs
    zhashx_t *peers;                //  routing id hex -> s_peer_t
    size_t parked;                  //  bytes parked in all
    zap_limit_t *log;               //  one line per peer per minute
    outq_stats_t stats;
};

static void
s_peer_destroy (s_peer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_peer_t *self = *self_p;
    zframe_t *f;
    while ((f = (zframe_t *) zlist_pop (self->parked)))
        zframe_destroy (&f);
    zlist_destroy (&self->parked);
    zframe_destroy (&self->route);
    free (self);
    *self_p = NULL;
}

outq_t *
outq_new (zsock_t *sock, const char *name)
{
    outq_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->sock = sock;
    self->handle = zsock_resolve (sock);
    snprintf (self->name, sizeof self->name, "%s", name);
    self->peers = zhashx_new ();
    self->log = zap_limit_new ();
    if (!self->peers || !self->log) {
        outq_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->peers, (zhashx_destructor_fn *) s_peer_destroy);
    return self;
}

void
outq_destroy (outq_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->peers);
    zap_limit_destroy (&(*self_p)->log);
    free (*self_p);
    *self_p = NULL;
}

//  The routing id in hex (at most 255 bytes, so 511 chars).
static void
s_key (char out [512], zframe_t *route)
{
    static const char hex [] = "0123456789abcdef";
    size_t n = zframe_size (route) < 255? zframe_size (route): 255;
    const uint8_t *d = zframe_data (route);
    for (size_t i = 0; i < n; i++) {
        out [2 * i] = hex [d [i] >> 4];
        out [2 * i + 1] = hex [d [i] & 15];
    }
    out [2 * n] = 0;
}

//  One reply to the peer of route, now or never: ERR_OK, ERR_BUSY (its
//  queue is full), ERR_CLOSED (it left).
static int
s_try (outq_t *self, zframe_t *route, const uint8_t *data, size_t size)
{
    if (zmq_send (self->handle, zframe_data (route), zframe_size (route),
                  ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return zmq_errno () == EAGAIN? ERR_BUSY: ERR_CLOSED;
    //  The routing id went: libzmq found room for the message, so its
    //  body is queued whatever its size.
    if (zmq_send (self->handle, data, size, ZMQ_DONTWAIT) < 0)
        return ERR_CLOSED;
    return ERR_OK;
}

static void
s_drop (outq_t *self, s_peer_t *peer, const char *key, size_t size)
{
    self->stats.dropped++;
    peer->congested = true;
    uint64_t held;
    if (zap_limit_pass (self->log, key, zclock_mono (), &held))
        logfmt_log (LOGFMT_WARN, "reply dropped: the peer reads none of its replies",
                    "socket=%s peer=%.16s bytes=%zu parked=%zu held_back=%" PRIu64,
                    self->name, key, size, peer->bytes, held);
}

outq_result_t
outq_send (outq_t *self, zframe_t **route_p, const uint8_t *data, size_t size)
{
    zframe_t *route = *route_p;
    //  The common case: no peer parked or congested, straight to libzmq.
    if (zhashx_size (self->peers) == 0 && s_try (self, route, data, size) == ERR_OK) {
        zframe_destroy (route_p);
        return OUTQ_SENT;
    }
    char key [512];
    s_key (key, route);
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, key);
    outq_result_t result = OUTQ_SENT;
    //  In order: nothing overtakes what is parked.  (A first try that
    //  failed above is tried again: its peer may have left meanwhile.)
    int rc = peer && zlist_size (peer->parked)? ERR_BUSY: s_try (self, route, data, size);
    if (rc == ERR_OK) {
        if (peer) {
            peer->congested = false;
            zhashx_delete (self->peers, key);
        }
    }
    else
    if (rc == ERR_CLOSED) {
        self->stats.gone++;
        zhashx_delete (self->peers, key);
        result = OUTQ_GONE;
    }
    else {
        if (!peer && zhashx_size (self->peers) < OUTQ_PEERS_MAX
        &&  (peer = (s_peer_t *) calloc (1, sizeof *peer))) {
            peer->parked = zlist_new ();
            peer->route = zframe_dup (route);
            if (!peer->parked || !peer->route || zhashx_insert (self->peers, key, peer) != 0)
                s_peer_destroy (&peer);
        }
        zframe_t *body = NULL;
        if (peer && peer->bytes + size <= OUTQ_PARK_PEER && self->parked + size <= OUTQ_PARK_MAX
        &&  (body = zframe_new (data, size)) && zlist_append (peer->parked, body) == 0) {
            peer->bytes += size;
            self->parked += size;
            self->stats.parked++;
            result = OUTQ_PARKED;
        }
        else {
            zframe_destroy (&body);
            if (peer)
                s_drop (self, peer, key, size);
            else
                self->stats.dropped++;
            result = OUTQ_DROPPED;
        }
        if (peer)
            peer->seen = zclock_mono ();
    }
    zframe_destroy (route_p);
    return result;
}

bool
outq_congested (outq_t *self, zframe_t *route)
{
    if (zhashx_size (self->peers) == 0)
        return false;
    char key [512];
    s_key (key, route);
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, key);
    return peer && peer->congested;
}

void
outq_flush (outq_t *self)
{
    if (zhashx_size (self->peers) == 0)
        return;
    int64_t now = zclock_mono ();
    zlistx_t *done = zlistx_new ();
    if (!done)
        return;
    zlistx_set_duplicator (done, (zlistx_duplicator_fn *) strdup);
    zlistx_set_destructor (done, (zlistx_destructor_fn *) zstr_free);
    for (s_peer_t *peer = (s_peer_t *) zhashx_first (self->peers); peer;
         peer = (s_peer_t *) zhashx_next (self->peers)) {
        zframe_t *body;
        int rc = ERR_OK;
        while ((body = (zframe_t *) zlist_first (peer->parked))
           &&  (rc = s_try (self, peer->route, zframe_data (body), zframe_size (body))) == ERR_OK) {
            zlist_remove (peer->parked, body);
            peer->bytes -= zframe_size (body);
            self->parked -= zframe_size (body);
            zframe_destroy (&body);
            peer->congested = false;
            peer->seen = now;
        }
        if (rc == ERR_CLOSED)
            self->stats.gone += zlist_size (peer->parked);
        //  Forgotten when all went out, when it left (its replies with
        //  it), or when it stays congested and silent.
        if (rc == ERR_CLOSED || (!zlist_size (peer->parked) && !peer->congested)
        ||  (!zlist_size (peer->parked) && now - peer->seen > OUTQ_IDLE_MS))
            zlistx_add_end (done, (void *) zhashx_cursor (self->peers));
        if (rc == ERR_CLOSED)
            self->parked -= peer->bytes;
    }
    for (const char *k = (const char *) zlistx_first (done); k; k = (const char *) zlistx_next (done))
        zhashx_delete (self->peers, k);
    zlistx_destroy (&done);
}

size_t
outq_parked (outq_t *self)
{
    return self->parked;
}

void
outq_stats (outq_t *self, outq_stats_t *stats)
{
    *stats = self->stats;
}
