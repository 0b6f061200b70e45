/*  dispatch.h -- the client socket's requests as one table: for each kind
    of request, who may send it and the handler that serves it.

    The kind of a request is decided once (dispatch_kind: its body, and
    for a catalogue, blob or application-body request whether it adds or
    reads), the sender's roles once (dispatch_roles: what its CURVE key
    is at this node), and one function applies the table's "who" column
    to them (dispatch_allowed): the request is served only if one of the
    sender's roles is in its row, else refused with ERR_FORBIDDEN and the
    row's words.  A new request is a new row (README "Security").

    The rows whose answer depends on more than the sender's role say so
    in their handler: a publish is judged by its envelope's signer (the
    pipeline's signer check), a query by the application body behind the
    key (query.c, which records every refusal).
*/
#ifndef LICREPO_DISPATCH_H
#define LICREPO_DISPATCH_H

#include <czmq.h>
#include <stdbool.h>
#include "node/links/zap.h"
#include "proto/msg.h"

typedef struct server_t server_t;

//  What a key is at this node (one key may be more than one).
#define DISPATCH_OPERATOR   0x01u   //  the node's admin key
#define DISPATCH_DEPARTMENT 0x02u   //  a department registered here
#define DISPATCH_APP_BODY   0x04u   //  an application body registered here
#define DISPATCH_CHILD      0x08u   //  a configured child node
#define DISPATCH_ANYONE     0x0fu   //  any key admitted on the client socket

typedef enum {
    DISPATCH_UNKNOWN = 0,           //  no body this node knows
    DISPATCH_PUBLISH,
    DISPATCH_REGISTER,
    DISPATCH_GET,
    DISPATCH_FIND,
    DISPATCH_LOG,
    DISPATCH_STATUS,
    DISPATCH_DIGEST,
    DISPATCH_PROVE,
    DISPATCH_BACKUP,
    DISPATCH_CATALOGUE_READ,
    DISPATCH_CATALOGUE_ADD,
    DISPATCH_BLOB_GET,
    DISPATCH_BLOB_PUT,
    DISPATCH_REPORT,
    DISPATCH_QUERY,
    DISPATCH_AUDIT,
    DISPATCH_APP_BODY_LIST,
    DISPATCH_APP_BODY_ADD,
    DISPATCH_QUARANTINE,
    DISPATCH_NODE_REVOKE,
    DISPATCH_PUBLISH_BATCH,
    DISPATCH_QUARANTINE_DECIDE,
    DISPATCH_FILE_PUT,
    DISPATCH_FILE_STATUS,
    DISPATCH_FILE_GET,
    DISPATCH_KINDS
} dispatch_kind_t;

//  A handler: answers on the client socket (or hands the request on),
//  taking *route_p, and *req_p if it keeps the request.  user is the
//  sender's CURVE key in Z85.
typedef void (dispatch_fn) (server_t *server, zframe_t **route_p, Lic__Request **req_p,
                            const char *user);

typedef struct {
    dispatch_kind_t kind;
    const char *name;               //  "catalogue add"
    unsigned who;                   //  the DISPATCH_ roles that may send it
    const char *refused;            //  ERR_FORBIDDEN's message to anyone else
    dispatch_fn *handler;
} dispatch_row_t;

//  The kind of req; DISPATCH_UNKNOWN if its body is none this node serves.
dispatch_kind_t
    dispatch_kind (const Lic__Request *req);

//  The row of a kind; NULL for DISPATCH_UNKNOWN or out of range.
const dispatch_row_t *
    dispatch_row (dispatch_kind_t kind);

//  The roles of the key in User-Id `user` (Z85, 40 characters): the
//  operator's if it is admin_z85, and what the admitted set says of it
//  (an application body if admitted on the query socket, a child if on
//  the replication socket, a department if admitted here under a
//  department's name, admission.h).  0 for a key the set does not admit.
unsigned
    dispatch_roles (const zap_keys_t *keys, const char *admin_z85, const char *user);

//  The one role check: ERR_OK if any of roles may send requests of row,
//  else ERR_FORBIDDEN with the row's words in why.
int
    dispatch_allowed (const dispatch_row_t *row, unsigned roles, char *why, size_t why_size);

//  Serves *req_p, of kind (dispatch_kind), sent by user with roles
//  (dispatch_roles): the role check, then the row's handler, or the
//  refusal.  Takes *route_p and *req_p.
void
    dispatch_request (server_t *server, dispatch_kind_t kind, zframe_t **route_p,
                      Lic__Request **req_p, const char *user, unsigned roles);

#endif
