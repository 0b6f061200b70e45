/*  zap.h -- the node's ZAP handler (ZeroMQ RFC 27): admits a CURVE client
    on a socket only if its key is in the admitted set under a name that
    suits the socket's ZAP domain:

        "licrepo"              client socket: any admitted key (departments,
                               application bodies, the operator)
        "licrepo-query"        query socket: application bodies only
                               (names "app-<credit code>")
        "licrepo-replication"  replication socket: nodes only (names that
                               are a 6-digit division)

    Any other domain or mechanism is refused.  The User-Id of an admitted
    connection is the client's key in Z85, so the server can match each
    message against a role (and against the current set: zap_keys_check).

    The admitted set (zap_keys_t) is built by the server from the registry
    and the configuration, never from files: the server hands a copy to
    the handler's thread (zap_set_keys) and waits until it is in force
    before it answers a registration, so a new key is admitted, and an
    old one refused, from the moment the registration is acknowledged.

    Every refusal is counted per socket and reason (zap_stats) and logged
    at most once a minute per key (zap_limit), with the key's fingerprint
    (first 8 bytes in hex), the socket and the name the key had.
*/
#ifndef LICREPO_ZAP_H
#define LICREPO_ZAP_H

#include <czmq.h>
#include "proto/err.h"

//  Sockets, by ZAP domain.
typedef enum {
    ZAP_SOCKET_CLIENT = 0,          //  "licrepo"
    ZAP_SOCKET_QUERY = 1,           //  "licrepo-query"
    ZAP_SOCKET_REPLICATION = 2,     //  "licrepo-replication"
    ZAP_SOCKET_OTHER = 3,           //  any other domain
    ZAP_SOCKETS = 4
} zap_socket_t;

//  What the admitted set says of a key on a socket.
typedef enum {
    ZAP_ADMITTED = 0,               //  let in
    ZAP_UNKNOWN_KEY = 1,            //  not a key of this node
    ZAP_REVOKED_KEY = 2,            //  a key that was replaced or revoked
    ZAP_WRONG_SOCKET = 3,           //  admitted, but its role has no business here
    ZAP_NOT_CURVE = 4,              //  not a CURVE handshake (or a malformed request)
    ZAP_VERDICTS = 5
} zap_verdict_t;

#define ZAP_NAME_MAX 64             //  bytes of a name, NUL included
#define ZAP_KEYS_MAX 200000         //  keys in one admitted set
#define ZAP_LOG_EVERY_MS 60000      //  one log line per key per minute at most
#define ZAP_LIMIT_KEYS 4096         //  keys the rate limiter remembers

//  Refusals since start, per socket and verdict ([s][ZAP_ADMITTED] unused).
typedef struct {
    uint64_t refused [ZAP_SOCKETS][ZAP_VERDICTS];
} zap_stats_t;

//  True if a certificate named `name` may connect to a socket of ZAP
//  domain `domain` (the policy above; exposed for its unit test).
bool
    zap_admits (const char *domain, const char *name);

//  Socket of a ZAP domain; its label ("client", "query", "replication",
//  "other"); a verdict's label ("admitted", "unknown_key", "revoked_key",
//  "wrong_socket", "not_curve").
zap_socket_t
    zap_socket (const char *domain);
const char *
    zap_socket_name (int socket);
const char *
    zap_verdict_name (int verdict);

//  "ab12cd34ef56a7b8": the first 8 bytes of a 32-byte key in hex (17 bytes).
void
    zap_fingerprint (char out [17], const uint8_t key [32]);

// ---------------------------------------------------------------------
//  The admitted set: CURVE key -> the name it is admitted under, or the
//  name it had when it was revoked.

typedef struct zap_keys_t zap_keys_t;

//  An empty set; NULL if out of memory.  Caller owns it.
zap_keys_t *
    zap_keys_new (void);

//  A copy of self; NULL if out of memory.  Caller owns it.
zap_keys_t *
    zap_keys_dup (const zap_keys_t *self);

void
    zap_keys_destroy (zap_keys_t **self_p);

//  Admits key under name (at most ZAP_NAME_MAX - 1 bytes).  A key may be
//  admitted under one name and one application body name ("app-…") at
//  once; admitting it clears a revocation.  ERR_OK, ERR_BAD_FIELD (empty
//  or long name), ERR_TOO_LARGE (ZAP_KEYS_MAX keys), ERR_NOMEM.
int MUST_CHECK
    zap_keys_admit (zap_keys_t *self, const uint8_t key [32], const char *name);

//  Records key as revoked (last known as name), unless it is admitted:
//  a revoked key is refused as such rather than as unknown.  Same errors.
int MUST_CHECK
    zap_keys_revoke (zap_keys_t *self, const uint8_t key [32], const char *name);

//  The verdict on the key of User-Id `z85` (40 chars; NULL or malformed:
//  ZAP_UNKNOWN_KEY) on a socket of ZAP domain `domain`.  *name, if given,
//  is set to the name the key is admitted or was revoked under ("" if
//  unknown), borrowed until the set changes.
zap_verdict_t
    zap_keys_check (const zap_keys_t *self, const char *domain, const char *z85,
                    const char **name);

//  Number of keys held (admitted and revoked).
size_t
    zap_keys_size (const zap_keys_t *self);

// ---------------------------------------------------------------------
//  Rate limiting of log lines about refused keys

typedef struct zap_limit_t zap_limit_t;

//  A limiter that remembers ZAP_LIMIT_KEYS keys; NULL if out of memory.
zap_limit_t *
    zap_limit_new (void);

void
    zap_limit_destroy (zap_limit_t **self_p);

//  True if a line about key (any bytes, e.g. its Z85 text) may be
//  written at now_ms (monotonic): the first time, then once every
//  ZAP_LOG_EVERY_MS.  *held is the number of lines held back for it
//  since its last one.  When more keys than it remembers are refused
//  within a minute, lines about keys it cannot remember share one
//  budget of one line a minute.
bool
    zap_limit_pass (zap_limit_t *self, const char *key, int64_t now_ms, uint64_t *held);

// ---------------------------------------------------------------------
//  The handler

//  The handler's actor: zactor_new (zap_actor, NULL).  One per process
//  (ZAP binds inproc://zeromq.zap.01 in czmq's context).  It admits
//  nothing until the first zap_set_keys.
void
    zap_actor (zsock_t *pipe, void *unused);

//  Hands *keys_p (owned by the handler from then on; *keys_p nulled) to
//  the handler and returns once it is in force.  ERR_OK or ERR_CLOSED
//  (the handler is gone; the set is destroyed).
int MUST_CHECK
    zap_set_keys (zactor_t *actor, zap_keys_t **keys_p);

//  The handler's refusal counters.  ERR_OK or ERR_CLOSED (out zeroed).
int MUST_CHECK
    zap_stats (zactor_t *actor, zap_stats_t *out);

#endif
