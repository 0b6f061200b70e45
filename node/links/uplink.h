/*  uplink.h -- the child side of upward replication: a CURVE DEALER to
    the parent that pushes this node's whole log upward.

    An adapter: every rule of the conversation (states, resume point,
    divergence, credit window, Nack, silence and backoff, heartbeats,
    receipts) is the I/O-free machine of replication/childlink.h; this
    file owns the socket, reads our log and tree for it, keeps what the
    parent sends (its chain of node records, receipts) and logs.
*/
#ifndef LICREPO_UPLINK_H
#define LICREPO_UPLINK_H

#include <czmq.h>
#include "node/base/config.h"
#include "proto/err.h"
#include "node/base/identity.h"
#include "node/pipeline/ingest.h"
#include "proto/msg.h"
#include "node/store/store_rocks.h"
#include "node/links/subtree.h"
#include "node/store/views.h"

typedef struct uplink_t uplink_t;

//  NULL if cfg has no parent or out of memory.
uplink_t *
    uplink_new (const config_t *cfg, identity_t *id, store_t *store, views_t *views,
                ingest_t *ingest);
void
    uplink_destroy (uplink_t **self_p);

//  Socket to poll (changes on reconnect: ask again each turn), or NULL.
zsock_t *
    uplink_sock (uplink_t *self);
void
    uplink_on_readable (uplink_t *self);

//  Timers, reconnects and sending what the credit allows; call each turn.
void
    uplink_pump (uplink_t *self);

//  The newest checkpoint of our log (signed note) to offer the parent.
void
    uplink_set_checkpoint (uplink_t *self, uint64_t size, const char *note);

//  Our signed NodeSummary (an encoded Envelope), sent in every heartbeat
//  from now on (copied).  No-op for NULL.
void
    uplink_set_summary (uplink_t *self, const uint8_t *bytes, size_t len);

//  The summaries of the nodes below us (borrowed; the downlink's), relayed
//  after ours in every heartbeat, at most UPLINK_SUBTREE_BYTES of them.
void
    uplink_set_subtree (uplink_t *self, subtree_t *subtree);

//  Fills the uplink fields of a status reply (strings borrowed from self).
void
    uplink_status (uplink_t *self, Lic__NodeStatus *ns);

#endif
