/*  merkle.c -- RFC 6962 / RFC 9162 Merkle tree over a node store (merkle.h).

    Implements RFC 9162 section 2.1.1 (MTH), 2.1.3.1 (PATH), 2.1.4.1
    (PROOF / SUBPROOF) and the verification algorithms of 2.1.3.2 and
    2.1.4.2, with RFC 6962 SHA-256 hashing.

    Every range the RFC recursion hashes, MTH (D[begin:end]), starts at a
    multiple of the next power of two >= its width, so it is a run of
    perfect subtrees of decreasing size (one per set bit of the width):
    that is how any past root and any proof come out of stored perfect
    subtrees alone.  Along one proof at most one such range is not itself
    perfect (the first step off the tree's right edge), so a proof costs
    O(log n) gets.

    Deliberately does not: cache, lock, or know how the store keeps its
    nodes; hash anything but SHA-256; allocate (except the memory store).
*/
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "proto/seal.h"
#include "replication/merkle.h"

#define S_LEVELS 64

typedef struct {
    uint64_t begin;             //  first leaf of the range
    uint64_t end;               //  one past its last leaf
} s_range_t;


//  --------------------------------------------------------------------
//  Hashing

void
merkle_leaf_hash (uint8_t out [MERKLE_HASH_BYTES], const uint8_t *data,
                  size_t len)
{
    static const uint8_t prefix = 0x00;
    seal_sha256_cat (out, &prefix, 1, data, len);
}

void
merkle_node_hash (uint8_t out [MERKLE_HASH_BYTES],
                  const uint8_t left [MERKLE_HASH_BYTES],
                  const uint8_t right [MERKLE_HASH_BYTES])
{
    //  Copy both first: out may alias left or right
    uint8_t buf [1 + 2 * MERKLE_HASH_BYTES];
    buf [0] = 0x01;
    memcpy (buf + 1, left, MERKLE_HASH_BYTES);
    memcpy (buf + 1 + MERKLE_HASH_BYTES, right, MERKLE_HASH_BYTES);
    seal_sha256 (out, buf, sizeof buf);
}

static void
s_empty_root (uint8_t out [MERKLE_HASH_BYTES])
{
    seal_sha256 (out, NULL, 0);
}

static bool
s_hash_equal (const uint8_t *a, const uint8_t *b)
{
    return memcmp (a, b, MERKLE_HASH_BYTES) == 0;
}

//  Largest power of two strictly below n (n >= 2): RFC 9162 2.1.1's k
static uint64_t
s_split (uint64_t n)
{
    assert (n >= 2);
    uint64_t k = 1;
    while (k < n - k)
        k <<= 1;
    return k;
}


//  --------------------------------------------------------------------
//  The tree in a store

//  MTH (D[begin:end]) from the perfect subtrees that make up the range,
//  folded right to left as the RFC recursion would
static int
s_range_hash (const merkle_store_t *store, s_range_t range,
              uint8_t out [MERKLE_HASH_BYTES])
{
    assert (range.end > range.begin);
    uint64_t width = range.end - range.begin;
    bool have = false;
    uint8_t acc [MERKLE_HASH_BYTES];
    uint8_t sub [MERKLE_HASH_BYTES];
    for (uint32_t level = 0; level < S_LEVELS; level++) {
        if (((width >> level) & 1) == 0)
            continue;
        //  The subtree for this bit follows all the bigger ones
        uint64_t above = level + 1 < S_LEVELS
                       ? (width >> (level + 1)) << (level + 1): 0;
        uint64_t start = range.begin + above;
        assert (start % ((uint64_t) 1 << level) == 0);
        int rc = store->get (store->arg, level, start >> level, sub);
        if (rc != ERR_OK)
            return rc;
        if (have)
            merkle_node_hash (acc, sub, acc);
        else
            memcpy (acc, sub, MERKLE_HASH_BYTES);
        have = true;
    }
    memcpy (out, acc, MERKLE_HASH_BYTES);
    return ERR_OK;
}

int
merkle_append (const merkle_store_t *store, uint64_t size_before,
               const uint8_t leaf_hash [MERKLE_HASH_BYTES])
{
    if (size_before >= MERKLE_SIZE_MAX)
        return ERR_TOO_LARGE;
    uint8_t hash [MERKLE_HASH_BYTES];
    uint8_t left [MERKLE_HASH_BYTES];
    memcpy (hash, leaf_hash, MERKLE_HASH_BYTES);
    int rc = store->put (store->arg, 0, size_before, hash);
    //  Leaf n completes the subtree at level l+1 for each of its low
    //  one bits: its left sibling at level l is already stored
    uint64_t index = size_before;
    for (uint32_t level = 0; rc == ERR_OK && (index & 1); level++) {
        rc = store->get (store->arg, level, index - 1, left);
        if (rc == ERR_OK) {
            merkle_node_hash (hash, left, hash);
            index >>= 1;
            rc = store->put (store->arg, level + 1, index, hash);
        }
    }
    return rc;
}

int
merkle_root (const merkle_store_t *store, uint64_t size,
             uint8_t out [MERKLE_HASH_BYTES])
{
    if (size > MERKLE_SIZE_MAX)
        return ERR_TOO_LARGE;
    if (size == 0) {
        s_empty_root (out);
        return ERR_OK;
    }
    return s_range_hash (store, (s_range_t) {0, size}, out);
}

//  Hashes ranges into path: first the optional head, then the ranges of
//  sibs from the last to the first (the RFC lists the deepest first)
static int
s_fill_path (const merkle_store_t *store, const s_range_t *head,
             const s_range_t *sibs, size_t n_sibs,
             uint8_t (*path) [MERKLE_HASH_BYTES], size_t *path_len)
{
    size_t len = 0;
    int rc = ERR_OK;
    if (head)
        rc = s_range_hash (store, *head, path [len++]);
    while (rc == ERR_OK && n_sibs > 0)
        rc = s_range_hash (store, sibs [--n_sibs], path [len++]);
    assert (len <= MERKLE_PATH_MAX);
    *path_len = rc == ERR_OK? len: 0;
    return rc;
}

int
merkle_inclusion_proof (const merkle_store_t *store, uint64_t index,
                        uint64_t size, uint8_t (*path) [MERKLE_HASH_BYTES],
                        size_t *path_len)
{
    *path_len = 0;
    if (size > MERKLE_SIZE_MAX)
        return ERR_TOO_LARGE;
    if (index >= size)
        return ERR_MALFORMED;
    //  Walk PATH (m, D[n]) top-down, noting the sibling at each split
    s_range_t node = {0, size};
    s_range_t sibs [MERKLE_PATH_MAX];
    size_t n_sibs = 0;
    while (node.end - node.begin > 1) {
        uint64_t k = s_split (node.end - node.begin);
        assert (n_sibs < MERKLE_PATH_MAX);
        if (index < node.begin + k) {
            sibs [n_sibs++] = (s_range_t) {node.begin + k, node.end};
            node.end = node.begin + k;
        }
        else {
            sibs [n_sibs++] = (s_range_t) {node.begin, node.begin + k};
            node.begin += k;
        }
    }
    return s_fill_path (store, NULL, sibs, n_sibs, path, path_len);
}

int
merkle_consistency_proof (const merkle_store_t *store, uint64_t old_size,
                          uint64_t new_size,
                          uint8_t (*path) [MERKLE_HASH_BYTES],
                          size_t *path_len)
{
    *path_len = 0;
    if (new_size > MERKLE_SIZE_MAX)
        return ERR_TOO_LARGE;
    if (old_size > new_size)
        return ERR_MALFORMED;
    if (old_size == 0 || old_size == new_size)
        return ERR_OK;
    //  Walk SUBPROOF (m, D[n], true) top-down; b turns false on the
    //  first step right, and then the node where m meets the width is
    //  itself part of the proof (it is not the old root)
    s_range_t node = {0, new_size};
    s_range_t sibs [MERKLE_PATH_MAX];
    size_t n_sibs = 0;
    bool whole = true;
    while (old_size - node.begin < node.end - node.begin) {
        uint64_t k = s_split (node.end - node.begin);
        assert (n_sibs < MERKLE_PATH_MAX);
        if (old_size - node.begin <= k) {
            sibs [n_sibs++] = (s_range_t) {node.begin + k, node.end};
            node.end = node.begin + k;
        }
        else {
            sibs [n_sibs++] = (s_range_t) {node.begin, node.begin + k};
            node.begin += k;
            whole = false;
        }
    }
    assert (n_sibs + !whole <= MERKLE_PATH_MAX);
    return s_fill_path (store, whole? NULL: &node, sibs, n_sibs, path,
                        path_len);
}


//  --------------------------------------------------------------------
//  Verifiers

//  RFC 9162: "right-shift both fn and sn equally until either LSB(fn) is
//  set or fn is 0"
static void
s_shift_to_set_bit (uint64_t *fn, uint64_t *sn)
{
    while (*fn != 0 && (*fn & 1) == 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
}

int
merkle_verify_inclusion (const uint8_t leaf_hash [MERKLE_HASH_BYTES],
                         uint64_t index, uint64_t size,
                         const uint8_t (*path) [MERKLE_HASH_BYTES],
                         size_t path_len,
                         const uint8_t root [MERKLE_HASH_BYTES])
{
    //  RFC 9162 2.1.3.2
    if (size > MERKLE_SIZE_MAX || index >= size
    ||  path_len > MERKLE_PATH_MAX)
        return ERR_MALFORMED;
    uint64_t fn = index;
    uint64_t sn = size - 1;
    uint8_t r [MERKLE_HASH_BYTES];
    memcpy (r, leaf_hash, MERKLE_HASH_BYTES);
    for (size_t i = 0; i < path_len; i++) {
        if (sn == 0)
            return ERR_MALFORMED;       //  path too long
        if ((fn & 1) || fn == sn) {
            merkle_node_hash (r, path [i], r);
            if ((fn & 1) == 0)
                s_shift_to_set_bit (&fn, &sn);
        }
        else
            merkle_node_hash (r, r, path [i]);
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return ERR_MALFORMED;           //  path too short
    return s_hash_equal (r, root)? ERR_OK: ERR_DIVERGED;
}

int
merkle_verify_consistency (uint64_t old_size, uint64_t new_size,
                           const uint8_t old_root [MERKLE_HASH_BYTES],
                           const uint8_t new_root [MERKLE_HASH_BYTES],
                           const uint8_t (*path) [MERKLE_HASH_BYTES],
                           size_t path_len)
{
    if (new_size > MERKLE_SIZE_MAX || old_size > new_size
    ||  path_len > MERKLE_PATH_MAX)
        return ERR_MALFORMED;
    if (old_size == new_size) {
        if (path_len != 0)
            return ERR_MALFORMED;
        return s_hash_equal (old_root, new_root)? ERR_OK: ERR_DIVERGED;
    }
    if (old_size == 0) {
        uint8_t empty [MERKLE_HASH_BYTES];
        s_empty_root (empty);
        if (path_len != 0)
            return ERR_MALFORMED;
        return s_hash_equal (old_root, empty)? ERR_OK: ERR_DIVERGED;
    }
    //  RFC 9162 2.1.4.2, 0 < old_size < new_size
    if (path_len == 0)
        return ERR_MALFORMED;
    //  Step 2: an old tree that is a perfect subtree is not in the path
    //  (the verifier has its root already); the walk starts from it
    size_t i = 0;
    const uint8_t *seed = old_root;
    if ((old_size & (old_size - 1)) != 0)
        seed = path [i++];
    uint64_t fn = old_size - 1;
    uint64_t sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr [MERKLE_HASH_BYTES];
    uint8_t sr [MERKLE_HASH_BYTES];
    memcpy (fr, seed, MERKLE_HASH_BYTES);
    memcpy (sr, seed, MERKLE_HASH_BYTES);
    for (; i < path_len; i++) {
        if (sn == 0)
            return ERR_MALFORMED;       //  path too long
        if ((fn & 1) || fn == sn) {
            merkle_node_hash (fr, path [i], fr);
            merkle_node_hash (sr, path [i], sr);
            if ((fn & 1) == 0)
                s_shift_to_set_bit (&fn, &sn);
        }
        else
            merkle_node_hash (sr, sr, path [i]);
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return ERR_MALFORMED;           //  path too short
    if (!s_hash_equal (fr, old_root) || !s_hash_equal (sr, new_root))
        return ERR_DIVERGED;
    return ERR_OK;
}


//  --------------------------------------------------------------------
//  In-memory store

typedef struct {
    uint8_t (*hashes) [MERKLE_HASH_BYTES];  //  index -> hash
    uint64_t count;             //  hashes stored: indexes 0 .. count-1
    uint64_t capacity;          //  hashes allocated
} s_level_t;

struct _merkle_mem_store_t {
    merkle_store_t ops;         //  handed out by merkle_mem_store_ops
    s_level_t levels [S_LEVELS];    //  level -> its nodes
};

static int
s_mem_get (void *arg, uint32_t level, uint64_t index,
           uint8_t out [MERKLE_HASH_BYTES])
{
    merkle_mem_store_t *self = (merkle_mem_store_t *) arg;
    if (level >= S_LEVELS || index >= self->levels [level].count)
        return ERR_NOT_FOUND;
    memcpy (out, self->levels [level].hashes [index], MERKLE_HASH_BYTES);
    return ERR_OK;
}

static int
s_mem_put (void *arg, uint32_t level, uint64_t index,
           const uint8_t hash [MERKLE_HASH_BYTES])
{
    merkle_mem_store_t *self = (merkle_mem_store_t *) arg;
    if (level >= S_LEVELS)
        return ERR_INTERNAL;
    s_level_t *lv = &self->levels [level];
    if (index > lv->count)
        return ERR_GAP;
    if (index == lv->capacity) {
        uint64_t capacity = lv->capacity? lv->capacity * 2: 64;
        if (capacity > SIZE_MAX / MERKLE_HASH_BYTES)
            return ERR_NOMEM;
        void *grown = realloc (lv->hashes,
                               (size_t) capacity * MERKLE_HASH_BYTES);
        if (!grown)
            return ERR_NOMEM;
        lv->hashes = grown;
        lv->capacity = capacity;
    }
    memcpy (lv->hashes [index], hash, MERKLE_HASH_BYTES);
    if (index == lv->count)
        lv->count++;
    return ERR_OK;
}

merkle_mem_store_t *
merkle_mem_store_new (void)
{
    merkle_mem_store_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->ops.arg = self;
    self->ops.get = s_mem_get;
    self->ops.put = s_mem_put;
    return self;
}

void
merkle_mem_store_destroy (merkle_mem_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    merkle_mem_store_t *self = *self_p;
    for (size_t level = 0; level < S_LEVELS; level++)
        free (self->levels [level].hashes);
    free (self);
    *self_p = NULL;
}

const merkle_store_t *
merkle_mem_store_ops (merkle_mem_store_t *self)
{
    return &self->ops;
}
