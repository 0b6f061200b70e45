/*  identity.h -- a node's keys and who may connect to it.

    In the data directory, made on first start:
      node.key     Ed25519 signing key and CURVE key of the node (0600)
      node.pub     the same, public parts only, with the endpoint: what
                   departments and licctl need to reach the node
      admin.key    the operator's CURVE key (0600); admin requests are
                   accepted only from it
      allowed/     public certificates of the operator's and the children's
                   keys, for the operator to look at; nothing reads them
                   (the ZAP handler admits what admission.c builds from the
                   registry and the configuration)
*/
#ifndef LICREPO_IDENTITY_H
#define LICREPO_IDENTITY_H

#include <czmq.h>
#include <stdint.h>
#include "node/base/config.h"
#include "proto/err.h"
#include "node/common/keyfile.h"

typedef struct {
    keyfile_t node;             //  node keys, with secrets
    keyfile_t admin;            //  operator keys, with secrets
    char allowed_dir [600];     //  certificates written for the operator (not read)
} identity_t;

//  Loads the identity from cfg->data_dir, creating it on first start
//  (or if create is set and none exists).  Refuses a node.key of another
//  division, and a node.key or admin.key that group or others may read
//  (ERR_FORBIDDEN, why names the chmod to run).  Wipes id on failure.
//  ERR_OK, ERR_IO, ERR_MALFORMED, ERR_BAD_FIELD, ERR_FORBIDDEN; why says what.
int MUST_CHECK
    identity_open (identity_t *id, const config_t *cfg, char *why, size_t why_size);

//  Writes the certificate of CURVE public key curve_pk (Z85) under name
//  into allowed/ (for the operator to see; it admits nothing by itself).
//  ERR_OK or ERR_IO.
int MUST_CHECK
    identity_allow (identity_t *id, const char *name, const char *curve_pk);

//  Removes the certificate written under name (no error if there is none).
void
    identity_disallow (identity_t *id, const char *name);

//  A ROUTER bound to endpoint as a CURVE server with the node's key,
//  behind the ZAP domain `domain`, with the given limits; ROUTER_MANDATORY
//  on (a reply to a vanished peer fails instead of blocking).  NULL with
//  why on failure.  Caller owns the socket.
zsock_t *
    identity_router (identity_t *id, const char *endpoint, const char *domain, int64_t maxmsg,
                     int sndhwm, int rcvhwm, int linger, char *why, size_t why_size);

//  Wipes the secrets.
void
    identity_wipe (identity_t *id);

#endif
