/*  licctl_node.h -- licctl node revoke: the parent's revocation of a
    compromised node key below it (proto/authority.h; README, "A
    compromised node key").  */
#ifndef LICREPO_LICCTL_NODE_H
#define LICREPO_LICCTL_NODE_H

#include "node/cli/licctl.h"

//  node revoke DIVISION --key-file NODE.pub [--after SEQ] [--json]: asks
//  the node (admin key) to append a revocation record for the signing key
//  of NODE.pub (the node's public file, or any key file of it) of node
//  DIVISION: what that key signed in entries of origin DIVISION with an
//  origin seq above SEQ is void here and at every level above.  Without
//  --after, SEQ is the last origin seq of DIVISION the node holds when
//  the record is sequenced.  Prints the record's seq and the point.
//  Returns an exit code.
int
    licctl_cmd_node (const licctl_opts_t *opts);

#endif
