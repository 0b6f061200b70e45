/*  licclient_int.h -- what the library's own files share (not installed,
    not exported: the library's objects are compiled with hidden
    visibility, and only LICCLIENT_EXPORT names are global).  */
#ifndef LICREPO_LICCLIENT_INT_H
#define LICREPO_LICCLIENT_INT_H

#include "node/client/licclient.h"

//  Waits up to timeout_ms for the reply to request id (sent with
//  licclient_send), keeping other replies for licclient_recv; on failure
//  the request is abandoned (its reply dropped when it comes).  As
//  licclient_call after its send.
int
    licclient_wait (licclient_t *self, uint64_t id, Lic__Reply **reply, int timeout_ms);

//  Abandons request id: its reply, when it comes, is dropped.
void
    licclient_abandon (licclient_t *self, uint64_t id);

#endif
