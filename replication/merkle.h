/*  merkle.h -- the log as an RFC 6962 / RFC 9162 Merkle tree.

    Hashes are SHA-256: leaf = H(0x00 ‖ data), node = H(0x01 ‖ left ‖
    right), MTH of n > 1 leaves splits at the largest power of two < n,
    MTH of no leaves = H("").  Nodes live in a store the caller provides
    (merkle_store_t); (level, index) names the perfect subtree of
    2^level leaves starting at leaf index * 2^level, level 0 holding the
    leaf hashes.  Only perfect subtrees are ever stored, so a node once
    written never changes and the root of every past size stays
    computable.  Proofs and verifiers follow RFC 9162 section 2.1.3
    (inclusion) and 2.1.4 (consistency).
*/
#ifndef LICREPO_MERKLE_H
#define LICREPO_MERKLE_H

#include <stddef.h>
#include <stdint.h>
#include "proto/err.h"

#define MERKLE_HASH_BYTES 32
//  Longest proof of any kind for sizes up to MERKLE_SIZE_MAX
#define MERKLE_PATH_MAX   64
//  Largest tree size: keeps every tree at most 63 levels high, so that a
//  consistency proof (one more hash than the height) fits MERKLE_PATH_MAX
#define MERKLE_SIZE_MAX   ((uint64_t) 1 << 63)

//  Where the nodes live; both calls return an err_t.  get returns
//  ERR_NOT_FOUND for a node never put; any other error (ERR_IO...) is
//  passed through unchanged by the functions below.  put is only ever
//  called with the hash of a perfect subtree that is complete, so a
//  node is written once, in increasing index order per level.
typedef struct {
    void *arg;                  //  passed back to get and put
    int (*get) (void *arg, uint32_t level, uint64_t index,
                uint8_t out [MERKLE_HASH_BYTES]);
    int (*put) (void *arg, uint32_t level, uint64_t index,
                const uint8_t hash [MERKLE_HASH_BYTES]);
} merkle_store_t;

//  In-memory store: one growing array per level, about 64 bytes a leaf.
typedef struct _merkle_mem_store_t merkle_mem_store_t;


//  --------------------------------------------------------------------
//  Hashing

//  RFC 6962 leaf hash: SHA-256 (0x00 ‖ data).  data may be NULL if len 0.
void
    merkle_leaf_hash (uint8_t out [MERKLE_HASH_BYTES], const uint8_t *data,
                      size_t len);

//  RFC 6962 interior node hash: SHA-256 (0x01 ‖ left ‖ right).
void
    merkle_node_hash (uint8_t out [MERKLE_HASH_BYTES],
                      const uint8_t left [MERKLE_HASH_BYTES],
                      const uint8_t right [MERKLE_HASH_BYTES]);


//  --------------------------------------------------------------------
//  The tree in a store

//  Appends leaf number size_before (the caller tracks the size): puts the
//  leaf hash at (0, size_before) and every perfect subtree it completes;
//  at most 64 gets and 64 puts.  Returns ERR_OK, ERR_TOO_LARGE if the
//  tree already holds MERKLE_SIZE_MAX leaves, or a store error (the tree
//  may then hold some of the new nodes: append the same leaf again).
int MUST_CHECK
    merkle_append (const merkle_store_t *store, uint64_t size_before,
                   const uint8_t leaf_hash [MERKLE_HASH_BYTES]);

//  Root (MTH) of the first size leaves, for any size up to the current
//  one, from at most 64 stored subtrees.  Size 0 gives SHA-256 ("").
//  Returns ERR_OK, ERR_TOO_LARGE (size > MERKLE_SIZE_MAX), or a store
//  error (ERR_NOT_FOUND when size is beyond what was appended).
int MUST_CHECK
    merkle_root (const merkle_store_t *store, uint64_t size,
                 uint8_t out [MERKLE_HASH_BYTES]);

//  RFC 9162 2.1.3.1 inclusion proof PATH (index, D[0:size]) into path,
//  which must have room for MERKLE_PATH_MAX hashes; sets *path_len.
//  Hashes come leaf side first.  Returns ERR_OK, ERR_MALFORMED if
//  index >= size, ERR_TOO_LARGE, or a store error.
int MUST_CHECK
    merkle_inclusion_proof (const merkle_store_t *store, uint64_t index,
                            uint64_t size,
                            uint8_t (*path) [MERKLE_HASH_BYTES],
                            size_t *path_len);

//  RFC 9162 2.1.4.1 consistency proof PROOF (old_size, D[0:new_size])
//  into path (room for MERKLE_PATH_MAX hashes); sets *path_len.  Empty
//  when old_size is 0 or equals new_size.  Returns ERR_OK, ERR_MALFORMED
//  if old_size > new_size, ERR_TOO_LARGE, or a store error.
int MUST_CHECK
    merkle_consistency_proof (const merkle_store_t *store, uint64_t old_size,
                              uint64_t new_size,
                              uint8_t (*path) [MERKLE_HASH_BYTES],
                              size_t *path_len);


//  --------------------------------------------------------------------
//  Verifiers: pure functions, no store

//  RFC 9162 2.1.3.2: does path prove leaf_hash is leaf index of the tree
//  of the given size whose root is root?  Returns ERR_OK; ERR_MALFORMED
//  if index >= size, size > MERKLE_SIZE_MAX or path_len is wrong for
//  (index, size); ERR_DIVERGED if the path leads to another root.
int MUST_CHECK
    merkle_verify_inclusion (const uint8_t leaf_hash [MERKLE_HASH_BYTES],
                             uint64_t index, uint64_t size,
                             const uint8_t (*path) [MERKLE_HASH_BYTES],
                             size_t path_len,
                             const uint8_t root [MERKLE_HASH_BYTES]);

//  RFC 9162 2.1.4.2: does path prove the tree (new_size, new_root)
//  extends the tree (old_size, old_root)?  Sizes 0 < old < new follow the
//  RFC; old == new needs an empty path and equal roots; old == 0 needs an
//  empty path and old_root == SHA-256 (""), and any new tree extends it.
//  Returns ERR_OK; ERR_MALFORMED if old_size > new_size, new_size >
//  MERKLE_SIZE_MAX or path_len is wrong for the sizes; ERR_DIVERGED if
//  either root is not the one the path leads to.
int MUST_CHECK
    merkle_verify_consistency (uint64_t old_size, uint64_t new_size,
                               const uint8_t old_root [MERKLE_HASH_BYTES],
                               const uint8_t new_root [MERKLE_HASH_BYTES],
                               const uint8_t (*path) [MERKLE_HASH_BYTES],
                               size_t path_len);


//  --------------------------------------------------------------------
//  In-memory store

//  New empty store; NULL only if out of memory.  Caller owns it.
merkle_mem_store_t *
    merkle_mem_store_new (void);

//  Frees the store and sets *self_p to NULL; accepts NULL and *self_p NULL.
void
    merkle_mem_store_destroy (merkle_mem_store_t **self_p);

//  The ops table to pass to merkle_* (arg = self).  Borrowed: valid until
//  the store is destroyed.  Its put returns ERR_NOMEM, or ERR_GAP for an
//  index past the end of its level (the only order merkle_append uses).
const merkle_store_t *
    merkle_mem_store_ops (merkle_mem_store_t *self);

#endif
