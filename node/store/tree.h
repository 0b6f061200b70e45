/*  tree.h -- one RFC 6962 Merkle tree kept in the repository: the node's
    own log, or a parent's copy of a child's log.

    Stored as tiles (C2SP tlog-tiles: 256 hashes a tile) in the tree
    column family under division (6 chars) | tile level (1 byte) | tile
    index (u64 BE) -> the tile's hashes (proto/FORMAT.md), put into the
    same write batch as the log entries they cover, once per batch: when
    the batch is written (store_batch_on_write), a partial tile as it is
    then, a full one for the last time.  Like the views, appends made in
    batches not yet durable are kept by batch generation (tree_committed
    makes a durable generation's tiles the tree's, tree_abort drops
    every pending one).  The caller tracks sizes.  One thread uses a
    tree; only the batch's writing thread reads a generation's tiles.
*/
#ifndef LICREPO_TREE_H
#define LICREPO_TREE_H

#include <stdint.h>
#include "proto/err.h"
#include "replication/merkle.h"
#include "node/store/store_rocks.h"

typedef struct tree_t tree_t;

//  A tree named by division in store.  NULL if out of memory.
tree_t *
    tree_new (store_t *store, const char *division);
void
    tree_destroy (tree_t **self_p);

//  Appends leaf number size_before into batch (generation gen).
//  ERR_OK or a store error.
int MUST_CHECK
    tree_append (tree_t *self, store_batch_t *batch, uint64_t gen, uint64_t size_before,
                 const uint8_t leaf [MERKLE_HASH_BYTES]);

//  Root at size (pending appends included).  ERR_OK or a store error.
int MUST_CHECK
    tree_root (tree_t *self, uint64_t size, uint8_t out [MERKLE_HASH_BYTES]);

//  Root after appending n leaves to a tree of `size`, changing nothing.
int MUST_CHECK
    tree_root_after (tree_t *self, uint64_t size, const uint8_t (*leaves) [MERKLE_HASH_BYTES],
                     size_t n, uint8_t out [MERKLE_HASH_BYTES]);

//  The ops over durable nodes and the overlay, for merkle_*_proof.
const merkle_store_t *
    tree_ops (tree_t *self);

void tree_committed (tree_t *self, uint64_t gen);
void tree_abort (tree_t *self);

#endif
