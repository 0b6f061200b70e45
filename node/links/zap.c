/*  zap.c -- the node's ZAP handler (see zap.h).

    A ZAP request (RFC 27) is a REQ/REP exchange on inproc://zeromq.zap.01:
    version "1.0", request id, domain, address, routing id, mechanism and
    the credentials (CURVE: the client's 32-byte public key); the reply is
    version, request id, status code ("200" or "400"), status text, user id
    and metadata (empty).  Runs in its own thread so that handshakes are
    answered while the server's loop is busy.

    The admitted set reaches this thread only as a message on its pipe
    (zap_set_keys: the pointer changes owner), and the counters leave it
    only as a copy (zap_stats): nothing is shared between the threads.
    Deliberately not here: reading certificates from disk (czmq's
    zcertstore reloads a directory by its mtime, one-second granularity,
    which kept a key replaced within a second admitted and its successor
    refused).
*/
#include <pthread.h>
#include <inttypes.h>
#include "node/base/logfmt.h"
#include "proto/seal.h"
#include "node/links/zap.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

bool
zap_admits (const char *domain, const char *name)
{
    if (!domain || !name || !*name)
        return false;
    if (streq (domain, "licrepo"))
        return true;
    if (streq (domain, "licrepo-query"))
        return strncmp (name, "app-", 4) == 0 && name [4];
    if (streq (domain, "licrepo-replication"))
        return strlen (name) == 6 && strspn (name, "0123456789") == 6;
    return false;
}

zap_socket_t
zap_socket (const char *domain)
{
    if (!domain)
        return ZAP_SOCKET_OTHER;
    if (streq (domain, "licrepo"))
        return ZAP_SOCKET_CLIENT;
    if (streq (domain, "licrepo-query"))
        return ZAP_SOCKET_QUERY;
    if (streq (domain, "licrepo-replication"))
        return ZAP_SOCKET_REPLICATION;
    return ZAP_SOCKET_OTHER;
}

const char *
zap_socket_name (int socket)
{
    static const char *names [ZAP_SOCKETS] = { "client", "query", "replication", "other" };
    return socket >= 0 && socket < ZAP_SOCKETS? names [socket]: "other";
}

const char *
zap_verdict_name (int verdict)
{
    static const char *names [ZAP_VERDICTS] = {
        "admitted", "unknown_key", "revoked_key", "wrong_socket", "not_curve"
    };
    return verdict >= 0 && verdict < ZAP_VERDICTS? names [verdict]: "unknown";
}

void
zap_fingerprint (char out [17], const uint8_t key [32])
{
    seal_hex (out, key, 8);
}

// ---------------------------------------------------------------------
//  The admitted set

typedef struct {
    char name [ZAP_NAME_MAX];       //  admitted (or revoked) under this name, "" if none
    char app [ZAP_NAME_MAX];        //  admitted as this application body ("app-…"), "" if none
    bool revoked;                   //  not admitted: replaced or revoked, last known as name
} s_entry_t;

struct zap_keys_t {
    zhashx_t *keys;                 //  Z85 key -> s_entry_t (owned)
};

static void
s_entry_destroy (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

zap_keys_t *
zap_keys_new (void)
{
    zap_keys_t *self = calloc (1, sizeof *self);
    if (self && !(self->keys = zhashx_new ())) {
        free (self);
        return NULL;
    }
    if (self)
        zhashx_set_destructor (self->keys, s_entry_destroy);
    return self;
}

void
zap_keys_destroy (zap_keys_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->keys);
    free (*self_p);
    *self_p = NULL;
}

zap_keys_t *
zap_keys_dup (const zap_keys_t *self)
{
    zap_keys_t *copy = zap_keys_new ();
    for (s_entry_t *e = copy? (s_entry_t *) zhashx_first (self->keys): NULL; e;
         e = (s_entry_t *) zhashx_next (self->keys)) {
        s_entry_t *c = malloc (sizeof *c);
        if (!c || zhashx_insert (copy->keys, zhashx_cursor (self->keys), c) != 0) {
            free (c);
            zap_keys_destroy (&copy);
            break;
        }
        *c = *e;
    }
    return copy;
}

//  The entry of key, made if need be; NULL with *rc set on failure.
static s_entry_t *
s_entry (zap_keys_t *self, const uint8_t key [32], const char *name, int *rc)
{
    char z85 [41];
    if (!name || !*name || strlen (name) >= ZAP_NAME_MAX) {
        *rc = ERR_BAD_FIELD;
        return NULL;
    }
    zmq_z85_encode (z85, key, 32);
    s_entry_t *e = (s_entry_t *) zhashx_lookup (self->keys, z85);
    if (e)
        return e;
    if (zhashx_size (self->keys) >= ZAP_KEYS_MAX) {
        *rc = ERR_TOO_LARGE;
        return NULL;
    }
    e = calloc (1, sizeof *e);
    if (!e || zhashx_insert (self->keys, z85, e) != 0) {
        free (e);
        *rc = ERR_NOMEM;
        return NULL;
    }
    return e;
}

int
zap_keys_admit (zap_keys_t *self, const uint8_t key [32], const char *name)
{
    int rc = ERR_OK;
    s_entry_t *e = s_entry (self, key, name, &rc);
    if (!e)
        return rc;
    if (e->revoked)
        memset (e, 0, sizeof *e);
    snprintf (strncmp (name, "app-", 4) == 0? e->app: e->name, ZAP_NAME_MAX, "%s", name);
    return ERR_OK;
}

int
zap_keys_revoke (zap_keys_t *self, const uint8_t key [32], const char *name)
{
    int rc = ERR_OK;
    s_entry_t *e = s_entry (self, key, name, &rc);
    if (!e)
        return rc;
    if (e->revoked || (!*e->name && !*e->app)) {
        e->revoked = true;
        snprintf (e->name, ZAP_NAME_MAX, "%s", name);
    }
    return ERR_OK;
}

zap_verdict_t
zap_keys_check (const zap_keys_t *self, const char *domain, const char *z85, const char **name)
{
    const s_entry_t *e = z85 && strlen (z85) == 40?
        (const s_entry_t *) zhashx_lookup (self->keys, z85): NULL;
    if (name)
        *name = e? (*e->name? e->name: e->app): "";
    if (!e)
        return ZAP_UNKNOWN_KEY;
    if (e->revoked)
        return ZAP_REVOKED_KEY;
    if (zap_admits (domain, e->name))
        return ZAP_ADMITTED;
    if (zap_admits (domain, e->app)) {
        if (name)
            *name = e->app;
        return ZAP_ADMITTED;
    }
    return ZAP_WRONG_SOCKET;
}

size_t
zap_keys_size (const zap_keys_t *self)
{
    return zhashx_size (self->keys);
}

// ---------------------------------------------------------------------
//  Rate limiting

typedef struct {
    int64_t last;                   //  mono ms of its last line
    uint64_t held;                  //  lines held back since
} s_seen_t;

struct zap_limit_t {
    zhashx_t *seen;                 //  key -> s_seen_t (owned)
    s_seen_t overflow;              //  the budget of keys not remembered
    bool overflow_used;             //  overflow.last is set
};

zap_limit_t *
zap_limit_new (void)
{
    zap_limit_t *self = calloc (1, sizeof *self);
    if (self && !(self->seen = zhashx_new ())) {
        free (self);
        return NULL;
    }
    if (self)
        zhashx_set_destructor (self->seen, s_entry_destroy);
    return self;
}

void
zap_limit_destroy (zap_limit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->seen);
    free (*self_p);
    *self_p = NULL;
}

//  Forgets the keys whose minute is over (their next line passes anyway).
static void
s_limit_purge (zap_limit_t *self, int64_t now_ms)
{
    zlist_t *gone = zlist_new ();
    if (!gone)
        return;
    for (s_seen_t *s = (s_seen_t *) zhashx_first (self->seen); s;
         s = (s_seen_t *) zhashx_next (self->seen))
        if (now_ms - s->last >= ZAP_LOG_EVERY_MS)
            zlist_append (gone, (void *) zhashx_cursor (self->seen));
    for (const char *k = (const char *) zlist_first (gone); k; k = (const char *) zlist_next (gone))
        zhashx_delete (self->seen, k);
    zlist_destroy (&gone);
}

//  Passes s at now_ms if its minute is over, else counts one more held line.
static bool
s_limit_step (s_seen_t *s, bool fresh, int64_t now_ms, uint64_t *held)
{
    if (fresh || now_ms - s->last >= ZAP_LOG_EVERY_MS) {
        *held = fresh? 0: s->held;
        s->last = now_ms;
        s->held = 0;
        return true;
    }
    s->held++;
    return false;
}

bool
zap_limit_pass (zap_limit_t *self, const char *key, int64_t now_ms, uint64_t *held)
{
    *held = 0;
    s_seen_t *s = (s_seen_t *) zhashx_lookup (self->seen, key);
    if (s)
        return s_limit_step (s, false, now_ms, held);
    if (zhashx_size (self->seen) >= ZAP_LIMIT_KEYS)
        s_limit_purge (self, now_ms);
    if (zhashx_size (self->seen) < ZAP_LIMIT_KEYS && (s = calloc (1, sizeof *s))) {
        if (zhashx_insert (self->seen, key, s) == 0)
            return s_limit_step (s, true, now_ms, held);
        free (s);
    }
    //  Too many keys refused within a minute: one line a minute for all
    //  of those not remembered (each is still counted in the metric).
    bool fresh = !self->overflow_used;
    self->overflow_used = true;
    return s_limit_step (&self->overflow, fresh, now_ms, held);
}

// ---------------------------------------------------------------------
//  The handler's thread

typedef struct {
    zsock_t *handler;               //  REP on the ZAP endpoint
    zap_keys_t *keys;               //  admitted set in force (NULL: admits nothing)
    zap_limit_t *limit;             //  log lines about refused keys
    zap_stats_t stats;              //  refusals since start
} s_zap_t;

static void
s_reply (zsock_t *handler, const char *request_id, bool ok, const char *user_id)
{
    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, "1.0");
    zmsg_addstr (reply, request_id);
    zmsg_addstr (reply, ok? "200": "400");
    zmsg_addstr (reply, ok? "OK": "key not admitted on this socket");
    zmsg_addstr (reply, ok? user_id: "");
    zmsg_addmem (reply, "", 0);
    zmsg_send (&reply, handler);
}

//  Counts a refusal and logs it (rate-limited).
static void
s_refused (s_zap_t *self, const char *domain, const char *address, const char *z85,
           const uint8_t *key, zap_verdict_t verdict, const char *name)
{
    zap_socket_t socket = zap_socket (domain);
    self->stats.refused [socket][verdict]++;
    char limit_key [80], fp [17] = "-", qname [2 * ZAP_NAME_MAX + 3], qaddr [80];
    snprintf (limit_key, sizeof limit_key, "%s", key? z85: address? address: "");
    if (key)
        zap_fingerprint (fp, key);
    uint64_t held;
    if (!zap_limit_pass (self->limit, limit_key, zclock_mono (), &held))
        return;
    logfmt_log (LOGFMT_WARN, "handshake refused",
                "socket=%s reason=%s key=%s name=%s address=%s held_back=%" PRIu64,
                zap_socket_name (socket), zap_verdict_name (verdict), fp,
                logfmt_quote (qname, sizeof qname, name? name: ""),
                logfmt_quote (qaddr, sizeof qaddr, address? address: ""), held);
}

static void
s_authenticate (s_zap_t *self)
{
    zmsg_t *request = zmsg_recv (self->handler);
    if (!request)
        return;
    char *version = zmsg_popstr (request);
    char *request_id = zmsg_popstr (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    char *routing_id = zmsg_popstr (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *key = zmsg_pop (request);
    char z85 [41] = "";
    const char *name = "";
    zap_verdict_t verdict = ZAP_NOT_CURVE;
    bool curve = key && zframe_size (key) == 32;
    if (version && streq (version, "1.0") && mechanism && streq (mechanism, "CURVE") && curve) {
        zmq_z85_encode (z85, zframe_data (key), 32);
        verdict = self->keys? zap_keys_check (self->keys, domain, z85, &name): ZAP_UNKNOWN_KEY;
    }
    if (verdict != ZAP_ADMITTED)
        s_refused (self, domain, address, z85, verdict == ZAP_NOT_CURVE? NULL: zframe_data (key),
                   verdict, name);
    if (request_id)
        s_reply (self->handler, request_id, verdict == ZAP_ADMITTED, z85);
    zframe_destroy (&key);
    zstr_free (&version);
    zstr_free (&request_id);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&routing_id);
    zstr_free (&mechanism);
    zmsg_destroy (&request);
}

//  A command from the server; false on $TERM (or a broken pipe).
static bool
s_on_pipe (s_zap_t *self, zsock_t *pipe)
{
    char *command = NULL;
    void *keys = NULL;
    if (zsock_recv (pipe, "sp", &command, &keys) != 0 || !command)
        return false;
    bool go_on = true;
    if (streq (command, "KEYS")) {
        zap_keys_destroy (&self->keys);
        self->keys = (zap_keys_t *) keys;
        zsock_signal (pipe, 0);
    }
    else
    if (streq (command, "STATS"))
        zsock_send (pipe, "b", &self->stats, sizeof self->stats);
    else
        go_on = !streq (command, "$TERM");
    zstr_free (&command);
    return go_on;
}

void
zap_actor (zsock_t *pipe, void *unused)
{
    pthread_setname_np (pthread_self (), "lic-zap");
    s_zap_t self = { .handler = zsock_new_rep (ZAP_ENDPOINT), .limit = zap_limit_new () };
    if (!self.handler || !self.limit) {
        zsock_destroy (&self.handler);
        zap_limit_destroy (&self.limit);
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, self.handler, NULL);
    //  Interrupts do not stop it: a draining node still answers handshakes
    //  until the server destroys the actor.
    if (poller)
        zpoller_set_nonstop (poller, true);
    while (poller) {
        zsock_t *which = (zsock_t *) zpoller_wait (poller, -1);
        if (which == self.handler)
            s_authenticate (&self);
        else
        if (which == pipe) {
            if (!s_on_pipe (&self, pipe))
                break;
        }
        else
        if (zpoller_terminated (poller))
            break;
    }
    zpoller_destroy (&poller);
    zap_keys_destroy (&self.keys);
    zap_limit_destroy (&self.limit);
    zsock_destroy (&self.handler);
}

int
zap_set_keys (zactor_t *actor, zap_keys_t **keys_p)
{
    if (!actor || zsock_send (actor, "sp", "KEYS", *keys_p) != 0) {
        zap_keys_destroy (keys_p);
        return ERR_CLOSED;
    }
    *keys_p = NULL;
    return zsock_wait (actor) == 0? ERR_OK: ERR_CLOSED;
}

int
zap_stats (zactor_t *actor, zap_stats_t *out)
{
    memset (out, 0, sizeof *out);
    if (!actor || zsock_send (actor, "sp", "STATS", NULL) != 0)
        return ERR_CLOSED;
    void *data = NULL;
    size_t size = 0;
    int rc = zsock_recv (actor, "b", &data, &size) == 0 && size == sizeof *out? ERR_OK: ERR_CLOSED;
    if (rc == ERR_OK)
        memcpy (out, data, sizeof *out);
    free (data);
    return rc;
}
