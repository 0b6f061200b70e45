/*  downlink.h -- the parent side of upward replication: a CURVE ROUTER
    that configured children connect to (proto/README.md section 7).

    Per child: HELLO is answered with WELCOME carrying the resume point
    from this node's own disk and its copy of the child's Merkle root
    there; batches must continue exactly where the pipeline stands, else
    NACK with the expected seq; accepted batches go to the ingest
    pipeline, which applies them in one synced write each, after which
    the batch is ACKed; heartbeats both ways carry positions; a child's
    signed checkpoint is checked against our own copy of its tree and
    countersigned as a receipt.  Those rules are the per-child machine of
    replication/parentlink.h; this file is its adapter (the socket, the
    pipeline, our copies of the children's trees, receipts on disk).
*/
#ifndef LICREPO_DOWNLINK_H
#define LICREPO_DOWNLINK_H

#include <czmq.h>
#include "node/base/config.h"
#include "proto/err.h"
#include "node/base/identity.h"
#include "node/pipeline/ingest.h"
#include "proto/msg.h"
#include "node/store/store_rocks.h"
#include "node/links/subtree.h"
#include "node/store/views.h"

typedef struct downlink_t downlink_t;

//  Binds cfg->repl_listen; trusts the children's keys (views_trust_node)
//  and appends node records for them where the log lacks one.
//  ERR_OK, ERR_IO (cannot bind; why), ERR_NOMEM, ERR_CORRUPT.
int MUST_CHECK
    downlink_new (downlink_t **out, const config_t *cfg, identity_t *id, store_t *store,
                  views_t *views, ingest_t *ingest, char *why, size_t why_size);
void
    downlink_destroy (downlink_t **self_p);

//  Applies a reloaded configuration's children: new ones are added,
//  removed ones refused from now on; existing links are kept.
//  ERR_OK or ERR_IO (a new child could not be added; logged).
int
    downlink_reload (downlink_t *self, const config_t *cfg);

//  The socket to poll; call downlink_on_readable when it is readable.
zsock_t *
    downlink_sock (downlink_t *self);
void
    downlink_on_readable (downlink_t *self, int budget);

//  Heartbeats to connected children; call about once a second.
void
    downlink_on_tick (downlink_t *self);

//  Fills the children and subtree parts of a status reply (allocates
//  ns->children and ns->subtree, borrowing from self until the next
//  turn; free with downlink_status_free, which also takes a status that
//  has neither).  A child not heard from shows a lag of at least its
//  silence, and why its last Hello was refused.
void
    downlink_status (downlink_t *self, Lic__NodeStatus *ns);
void
    downlink_status_free (Lic__NodeStatus *ns);

//  The signed summaries of every node below this one (borrowed), or NULL
//  for NULL.
subtree_t *
    downlink_subtree (downlink_t *self);

#endif
