/*  zap.c -- the node's ZAP handler (see zap.h).

    A ZAP request (RFC 27) is a REQ/REP exchange on inproc://zeromq.zap.01:
    version "1.0", request id, domain, address, routing id, mechanism and
    the credentials (CURVE: the client's 32-byte public key); the reply is
    version, request id, status code ("200" or "400"), status text, user id
    and metadata (empty).  Runs in its own thread so that handshakes are
    answered while the server's loop is busy.
*/
#include "zap.h"

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

static void
s_authenticate (zsock_t *handler, zcertstore_t *certs)
{
    zmsg_t *request = zmsg_recv (handler);
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
    bool ok = false;
    if (version && streq (version, "1.0") && mechanism && streq (mechanism, "CURVE")
    &&  key && zframe_size (key) == 32) {
        zmq_z85_encode (z85, zframe_data (key), 32);
        zcert_t *cert = zcertstore_lookup (certs, z85);
        const char *name = cert? zcert_meta (cert, "name"): NULL;
        ok = zap_admits (domain, name);
    }
    if (request_id)
        s_reply (handler, request_id, ok, z85);
    zframe_destroy (&key);
    zstr_free (&version);
    zstr_free (&request_id);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&routing_id);
    zstr_free (&mechanism);
    zmsg_destroy (&request);
}

void
zap_actor (zsock_t *pipe, void *allowed_dir)
{
    zsock_t *handler = zsock_new_rep (ZAP_ENDPOINT);
    zcertstore_t *certs = zcertstore_new ((const char *) allowed_dir);
    if (!handler || !certs) {
        zsock_destroy (&handler);
        zcertstore_destroy (&certs);
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, handler, NULL);
    //  Interrupts do not stop it: a draining node still answers handshakes
    //  until the server destroys the actor.
    if (poller)
        zpoller_set_nonstop (poller, true);
    while (poller) {
        zsock_t *which = (zsock_t *) zpoller_wait (poller, -1);
        if (which == handler)
            s_authenticate (handler, certs);
        else
        if (which == pipe) {
            char *command = zstr_recv (pipe);
            bool term = !command || streq (command, "$TERM");
            zstr_free (&command);
            if (term)
                break;
        }
        else
        if (zpoller_terminated (poller))
            break;
    }
    zpoller_destroy (&poller);
    zcertstore_destroy (&certs);
    zsock_destroy (&handler);
}
