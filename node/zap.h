/*  zap.h -- the node's ZAP handler (ZeroMQ RFC 27): admits a CURVE client
    on a socket only if its key is in the identity's allowed/ directory
    under a name that suits the socket's ZAP domain:

        "licrepo"              client socket: any allowed key (departments,
                               application bodies, the operator)
        "licrepo-query"        query socket: application bodies only
                               (certificates named "app-<credit code>")
        "licrepo-replication"  replication socket: nodes only (certificates
                               named by a 6-digit division)

    Any other domain or mechanism is refused.  The User-Id of an admitted
    connection is the client's key in Z85, as czmq's zauth sets it, so the
    server can match each message against a role.  allowed/ is re-read
    when it changes (zcertstore), so registrations take effect at once.
*/
#ifndef LICREPO_ZAP_H
#define LICREPO_ZAP_H

#include <czmq.h>

//  The handler's actor: zactor_new (zap_actor, (void *) allowed_dir).  One
//  per process (ZAP binds inproc://zeromq.zap.01 in czmq's context).
void
    zap_actor (zsock_t *pipe, void *allowed_dir);

//  True if a certificate named `name` may connect to a socket of ZAP
//  domain `domain` (the policy above; exposed for its unit test).
bool
    zap_admits (const char *domain, const char *name);

#endif
