/*  test_merkle.c -- RFC 6962 / RFC 9162 Merkle tree (replication/merkle.c).

    Known answers: the 8-leaf RFC 6962 test tree of transparency-dev/merkle
    (testonly/constants.go: leaves, every perfect subtree hash, roots of
    sizes 0..8), its inclusion and consistency proofs (proof/verify_test.go)
    and the node lists of proof/proof_test.go, resolved to hashes with the
    subtree table.  Then a plain recursive reference written from the RFC
    text, compared exhaustively on trees of up to 40 leaves and at random
    on a tree of 2000 leaves, plus tampering of every proof, and trees of
    2^63 leaves.  And the hex the hashes are printed in: seal_hex (a
    table) writes what libsodium's constant-time sodium_bin2hex writes
    (seal_hex_secret) for every byte value, and seal_unhex reads it back.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replication/merkle.h"
#include "proto/seal.h"

typedef uint8_t hash_t [MERKLE_HASH_BYTES];

#define N_LEAVES    8

//  testonly/constants.go LeafInputs
static const char *s_leaf_hex [N_LEAVES] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f"
};

//  testonly/constants.go NodeHashes: [level][index]
static const char *s_node_hex [4][N_LEAVES] = {
    {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    }, {
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    }, {
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    }, {
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    }
};

//  testonly/constants.go RootHashes, sizes 0..8
static const char *s_root_hex [N_LEAVES + 1] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

//  A proof element: a stored node (level, index), or (LV_L, 0) for the
//  ephemeral node l = hash (i, j) of the size-7 tree in proof_test.go
#define LV_L 9
typedef struct {
    int level;
    int index;
} node_ref_t;

typedef struct {
    uint64_t a;                 //  leaf index, or old size
    uint64_t n;                 //  tree size, or new size
    size_t len;
    node_ref_t path [6];
} proof_vec_t;

//  proof/verify_test.go inclusionProofs (its leaf numbers are 1-based) and
//  proof/proof_test.go TestInclusion (letters: a..f j = leaves 0..6,
//  g h i = level 1, k = level 2)
static const proof_vec_t s_inclusion_vecs [] = {
    {0, 1, 0, {{0, 0}}},
    {0, 8, 3, {{0, 1}, {1, 1}, {2, 1}}},
    {5, 8, 3, {{0, 4}, {1, 3}, {2, 0}}},
    {2, 3, 1, {{1, 0}}},
    {1, 5, 3, {{0, 0}, {1, 1}, {0, 4}}},
    {0, 2, 1, {{0, 1}}},                        //  b
    {1, 2, 1, {{0, 0}}},                        //  a
    {1, 3, 2, {{0, 0}, {0, 2}}},                //  a c
    {0, 7, 3, {{0, 1}, {1, 1}, {LV_L, 0}}},     //  b h l
    {2, 7, 3, {{0, 3}, {1, 0}, {LV_L, 0}}},     //  d g l
    {4, 7, 3, {{0, 5}, {0, 6}, {2, 0}}},        //  f j k
    {5, 7, 3, {{0, 4}, {0, 6}, {2, 0}}},        //  e j k
    {6, 7, 2, {{1, 2}, {2, 0}}},                //  i k
    {2, 4, 2, {{0, 3}, {1, 0}}},                //  d g
    {3, 5, 3, {{0, 2}, {1, 0}, {0, 4}}},        //  c g e
    {3, 6, 3, {{0, 2}, {1, 0}, {1, 2}}},        //  c g i
    {4, 6, 2, {{0, 5}, {2, 0}}},                //  f k
};

//  proof/verify_test.go consistencyProofs and proof/proof_test.go
//  TestConsistency
static const proof_vec_t s_consistency_vecs [] = {
    {1, 1, 0, {{0, 0}}},
    {1, 8, 3, {{0, 1}, {1, 1}, {2, 1}}},
    {6, 8, 3, {{1, 2}, {1, 3}, {2, 0}}},
    {2, 5, 2, {{1, 1}, {0, 4}}},
    {6, 7, 3, {{1, 2}, {0, 6}, {2, 0}}},
    {1, 2, 1, {{0, 1}}},                        //  b
    {1, 4, 2, {{0, 1}, {1, 1}}},                //  b h
    {1, 6, 3, {{0, 1}, {1, 1}, {1, 2}}},        //  b h i
    {2, 3, 1, {{0, 2}}},                        //  c
    {2, 8, 2, {{1, 1}, {2, 1}}},                //  h l
    {3, 7, 4, {{0, 2}, {0, 3}, {1, 0}, {LV_L, 0}}},     //  c d g l
    {4, 7, 1, {{LV_L, 0}}},                     //  l
    {5, 7, 4, {{0, 4}, {0, 5}, {0, 6}, {2, 0}}},        //  e f j k
    {7, 8, 4, {{0, 6}, {0, 7}, {1, 2}, {2, 0}}},        //  j leaf7 i k
    {2, 4, 1, {{1, 1}}},                        //  h
    {3, 5, 4, {{0, 2}, {0, 3}, {1, 0}, {0, 4}}},        //  c d g e
    {3, 6, 4, {{0, 2}, {0, 3}, {1, 0}, {1, 2}}},        //  c d g i
    {4, 6, 1, {{1, 2}}},                        //  i
    {1, 7, 3, {{0, 1}, {1, 1}, {LV_L, 0}}},     //  b h l
    {8, 8, 0, {{0, 0}}},
};


//  --------------------------------------------------------------------
//  Helpers

static void
s_unhex (uint8_t *out, size_t n, const char *hex)
{
    assert (seal_unhex (out, n, hex) == ERR_OK);
}

static void
s_node (hash_t out, node_ref_t ref)
{
    if (ref.level == LV_L) {
        hash_t i, j;
        s_unhex (i, sizeof i, s_node_hex [1][2]);
        s_unhex (j, sizeof j, s_node_hex [0][6]);
        merkle_node_hash (out, i, j);
    }
    else
        s_unhex (out, MERKLE_HASH_BYTES, s_node_hex [ref.level][ref.index]);
}

static void
s_root (hash_t out, uint64_t size)
{
    s_unhex (out, MERKLE_HASH_BYTES, s_root_hex [size]);
}

static void
s_leaf (hash_t out, size_t i)
{
    uint8_t data [16];
    size_t len = strlen (s_leaf_hex [i]) / 2;
    s_unhex (data, len, s_leaf_hex [i]);
    merkle_leaf_hash (out, data, len);
}

//  Store holding the 8 vector leaves
static merkle_mem_store_t *
s_vector_store (void)
{
    merkle_mem_store_t *mem = merkle_mem_store_new ();
    assert (mem);
    for (size_t i = 0; i < N_LEAVES; i++) {
        hash_t leaf;
        s_leaf (leaf, i);
        assert (merkle_append (merkle_mem_store_ops (mem), i, leaf) == ERR_OK);
    }
    return mem;
}

//  The verifiers, on a mutable path
static int
s_vi (const hash_t leaf, uint64_t index, uint64_t size, hash_t *path,
      size_t len, const hash_t root)
{
    return merkle_verify_inclusion (leaf, index, size, (const hash_t *) path,
                                    len, root);
}

static int
s_vc (uint64_t m, uint64_t n, const hash_t r1, const hash_t r2, hash_t *path,
      size_t len)
{
    return merkle_verify_consistency (m, n, r1, r2, (const hash_t *) path, len);
}

static uint64_t s_rng = 0x9e3779b97f4a7c15ull;

//  xorshift64*: deterministic, so a failure reproduces
static uint64_t
s_random (void)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 0x2545f4914f6cdd1dull;
}

static uint64_t
s_below (uint64_t n)
{
    return s_random () % n;
}

static uint64_t
s_split (uint64_t n)
{
    uint64_t k = 1;
    while (k < n - k)
        k <<= 1;
    return k;
}


//  --------------------------------------------------------------------
//  Reference: RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1 as written, over leaf hashes

static void
s_ref_mth (const hash_t *leaves, uint64_t n, hash_t out)
{
    if (n == 0)
        seal_sha256 (out, NULL, 0);
    else
    if (n == 1)
        memcpy (out, leaves [0], MERKLE_HASH_BYTES);
    else {
        uint64_t k = s_split (n);
        hash_t left, right;
        s_ref_mth (leaves, k, left);
        s_ref_mth (leaves + k, n - k, right);
        merkle_node_hash (out, left, right);
    }
}

static void
s_ref_path (uint64_t m, const hash_t *leaves, uint64_t n, hash_t *path,
            size_t *len)
{
    if (n == 1)
        return;
    uint64_t k = s_split (n);
    if (m < k) {
        s_ref_path (m, leaves, k, path, len);
        s_ref_mth (leaves + k, n - k, path [(*len)++]);
    }
    else {
        s_ref_path (m - k, leaves + k, n - k, path, len);
        s_ref_mth (leaves, k, path [(*len)++]);
    }
}

static void
s_ref_subproof (uint64_t m, const hash_t *leaves, uint64_t n, bool b,
                hash_t *path, size_t *len)
{
    if (m == n) {
        if (!b)
            s_ref_mth (leaves, n, path [(*len)++]);
        return;
    }
    uint64_t k = s_split (n);
    if (m <= k) {
        s_ref_subproof (m, leaves, k, b, path, len);
        s_ref_mth (leaves + k, n - k, path [(*len)++]);
    }
    else {
        s_ref_subproof (m - k, leaves + k, n - k, false, path, len);
        s_ref_mth (leaves, k, path [(*len)++]);
    }
}


//  --------------------------------------------------------------------
//  Tampering: every variant must fail to verify

//  Other sizes are only tried where sizes is true (the known-answer trees,
//  as transparency-dev does): a proof does not always pin the size down,
//  e.g. the path of leaf 0 in a tree of 3 also leads to that root as a
//  tree of 4 (same left/right steps); the signed checkpoint binds size
//  and root together.  Other indexes in the same tree always fail.
static void
s_check_inclusion_tampering (const hash_t leaf, uint64_t index, uint64_t size,
                             hash_t *path, size_t len, const hash_t root,
                             bool sizes)
{
    hash_t bad;
    hash_t longer [MERKLE_PATH_MAX + 1];
    assert (s_vi (leaf, index, size, path, len, root) == ERR_OK);
    //  Wrong index or size
    if (index > 0)
        assert (s_vi (leaf, index - 1, size, path, len, root) != ERR_OK);
    assert (s_vi (leaf, index + 1, size, path, len, root) != ERR_OK);
    assert (s_vi (leaf, index ^ 2, size, path, len, root) != ERR_OK);
    if (sizes) {
        assert (s_vi (leaf, index, size * 2, path, len, root) != ERR_OK);
        assert (s_vi (leaf, index, size / 2, path, len, root) != ERR_OK);
    }
    //  Wrong leaf, wrong root: each byte
    for (size_t b = 0; b < MERKLE_HASH_BYTES; b++) {
        memcpy (bad, leaf, sizeof bad);
        bad [b] ^= 0x01;
        assert (s_vi (bad, index, size, path, len, root) == ERR_DIVERGED);
        memcpy (bad, root, sizeof bad);
        bad [b] ^= 0x80;
        assert (s_vi (leaf, index, size, path, len, bad) == ERR_DIVERGED);
    }
    //  Any byte of any element of the path
    for (size_t i = 0; i < len; i++) {
        size_t b = (size_t) s_below (MERKLE_HASH_BYTES);
        path [i][b] ^= 0x08;
        assert (s_vi (leaf, index, size, path, len, root) == ERR_DIVERGED);
        path [i][b] ^= 0x08;
    }
    //  Removed, added or inserted element
    if (len > 0)
        assert (s_vi (leaf, index, size, path, len - 1, root) == ERR_MALFORMED);
    memcpy (longer, path, len * sizeof (hash_t));
    memcpy (longer [len], root, sizeof (hash_t));
    assert (s_vi (leaf, index, size, longer, len + 1, root) == ERR_MALFORMED);
    memcpy (longer [0], root, sizeof (hash_t));
    memcpy (longer + 1, path, len * sizeof (hash_t));
    assert (s_vi (leaf, index, size, longer, len + 1, root) == ERR_MALFORMED);
}

static void
s_check_consistency_tampering (uint64_t m, uint64_t n, const hash_t r1,
                               const hash_t r2, hash_t *path, size_t len,
                               bool sizes)
{
    hash_t bad;
    hash_t longer [MERKLE_PATH_MAX + 1];
    assert (s_vc (m, n, r1, r2, path, len) == ERR_OK);
    if (len == 0)
        return;                 //  trivial proofs: see the edge-case test
    assert (s_vc (m - 1, n, r1, r2, path, len) != ERR_OK);
    assert (s_vc (m + 1, n, r1, r2, path, len) != ERR_OK);
    assert (s_vc (m ^ 2, n, r1, r2, path, len) != ERR_OK);
    if (sizes) {
        assert (s_vc (m, n * 2, r1, r2, path, len) != ERR_OK);
        assert (s_vc (m, n / 2, r1, r2, path, len) != ERR_OK);
    }
    assert (s_vc (m, n, r2, r1, path, len) != ERR_OK);
    for (size_t b = 0; b < MERKLE_HASH_BYTES; b++) {
        memcpy (bad, r1, sizeof bad);
        bad [b] ^= 0x01;
        assert (s_vc (m, n, bad, r2, path, len) == ERR_DIVERGED);
        memcpy (bad, r2, sizeof bad);
        bad [b] ^= 0x01;
        assert (s_vc (m, n, r1, bad, path, len) == ERR_DIVERGED);
    }
    for (size_t i = 0; i < len; i++) {
        size_t b = (size_t) s_below (MERKLE_HASH_BYTES);
        path [i][b] ^= 0x10;
        assert (s_vc (m, n, r1, r2, path, len) == ERR_DIVERGED);
        path [i][b] ^= 0x10;
    }
    assert (s_vc (m, n, r1, r2, path, 0) == ERR_MALFORMED);
    assert (s_vc (m, n, r1, r2, path, len - 1) != ERR_OK);
    memcpy (longer, path, len * sizeof (hash_t));
    memcpy (longer [len], r2, sizeof (hash_t));
    assert (s_vc (m, n, r1, r2, longer, len + 1) != ERR_OK);
    memcpy (longer [0], path [0], sizeof (hash_t));
    memcpy (longer + 1, path, len * sizeof (hash_t));
    assert (s_vc (m, n, r1, r2, longer, len + 1) != ERR_OK);
}


//  --------------------------------------------------------------------
//  Known answers

static void
test_leaf_hashes_match_vectors (void)
{
    for (size_t i = 0; i < N_LEAVES; i++) {
        hash_t got, want;
        s_leaf (got, i);
        s_unhex (want, sizeof want, s_node_hex [0][i]);
        assert (memcmp (got, want, sizeof got) == 0);
    }
}

static void
test_empty_tree_root_is_sha256_of_nothing (void)
{
    merkle_mem_store_t *mem = merkle_mem_store_new ();
    hash_t got, want;
    s_root (want, 0);
    assert (merkle_root (merkle_mem_store_ops (mem), 0, got) == ERR_OK);
    assert (memcmp (got, want, sizeof got) == 0);
    merkle_mem_store_destroy (&mem);
    assert (mem == NULL);
    merkle_mem_store_destroy (&mem);
    merkle_mem_store_destroy (NULL);
}

static void
test_roots_and_stored_subtrees_match_vectors (void)
{
    merkle_mem_store_t *mem = s_vector_store ();
    const merkle_store_t *store = merkle_mem_store_ops (mem);
    //  Every past size, from the final store
    for (uint64_t size = 0; size <= N_LEAVES; size++) {
        hash_t got, want;
        s_root (want, size);
        assert (merkle_root (store, size, got) == ERR_OK);
        assert (memcmp (got, want, sizeof got) == 0);
    }
    //  Exactly the perfect subtrees are stored
    for (uint32_t level = 0; level < 4; level++) {
        uint64_t count = N_LEAVES >> level;
        for (uint64_t index = 0; index < count; index++) {
            hash_t got, want;
            s_unhex (want, sizeof want, s_node_hex [level][index]);
            assert (store->get (store->arg, level, index, got) == ERR_OK);
            assert (memcmp (got, want, sizeof got) == 0);
        }
        hash_t none;
        assert (store->get (store->arg, level, N_LEAVES >> level, none)
                == ERR_NOT_FOUND);
    }
    hash_t none;
    assert (merkle_root (store, N_LEAVES + 1, none) == ERR_NOT_FOUND);
    merkle_mem_store_destroy (&mem);
}

static void
test_inclusion_proofs_match_vectors (void)
{
    merkle_mem_store_t *mem = s_vector_store ();
    const merkle_store_t *store = merkle_mem_store_ops (mem);
    size_t n_vecs = sizeof s_inclusion_vecs / sizeof s_inclusion_vecs [0];
    for (size_t v = 0; v < n_vecs; v++) {
        const proof_vec_t *vec = &s_inclusion_vecs [v];
        hash_t path [MERKLE_PATH_MAX];
        hash_t want, leaf, root;
        size_t len = 99;
        assert (merkle_inclusion_proof (store, vec->a, vec->n, path, &len)
                == ERR_OK);
        assert (len == vec->len);
        for (size_t i = 0; i < len; i++) {
            s_node (want, vec->path [i]);
            assert (memcmp (path [i], want, sizeof want) == 0);
        }
        s_leaf (leaf, vec->a);
        s_root (root, vec->n);
        s_check_inclusion_tampering (leaf, vec->a, vec->n, path, len, root,
                                     true);
    }
    merkle_mem_store_destroy (&mem);
}

static void
test_consistency_proofs_match_vectors (void)
{
    merkle_mem_store_t *mem = s_vector_store ();
    const merkle_store_t *store = merkle_mem_store_ops (mem);
    size_t n_vecs = sizeof s_consistency_vecs / sizeof s_consistency_vecs [0];
    for (size_t v = 0; v < n_vecs; v++) {
        const proof_vec_t *vec = &s_consistency_vecs [v];
        hash_t path [MERKLE_PATH_MAX];
        hash_t want, r1, r2;
        size_t len = 99;
        assert (merkle_consistency_proof (store, vec->a, vec->n, path, &len)
                == ERR_OK);
        assert (len == vec->len);
        for (size_t i = 0; i < len; i++) {
            s_node (want, vec->path [i]);
            assert (memcmp (path [i], want, sizeof want) == 0);
        }
        s_root (r1, vec->a);
        s_root (r2, vec->n);
        s_check_consistency_tampering (vec->a, vec->n, r1, r2, path, len, true);
    }
    merkle_mem_store_destroy (&mem);
}


//  --------------------------------------------------------------------
//  Edges and bounds

static void
test_verifiers_refuse_impossible_sizes (void)
{
    hash_t some, empty, root1, leaf;
    hash_t path [MERKLE_PATH_MAX + 1];
    memset (path, 0, sizeof path);
    //  verify_test.go sha256SomeHash
    s_unhex (some, sizeof some, "abacaba000000000000000000000000000"
                                "000000000000000060061e00123456");
    s_root (empty, 0);
    s_root (root1, 1);
    s_leaf (leaf, 0);
    //  verify_test.go TestVerifyInclusion probes: index >= size
    assert (s_vi (some, 0, 0, NULL, 0, empty) == ERR_MALFORMED);
    assert (s_vi (some, 1, 0, NULL, 0, empty) == ERR_MALFORMED);
    assert (s_vi (some, 2, 1, NULL, 0, some) == ERR_MALFORMED);
    assert (s_vi (some, 0, 1, NULL, 0, empty) == ERR_DIVERGED);
    //  One leaf: the root is the leaf hash, the path is empty
    assert (s_vi (leaf, 0, 1, NULL, 0, root1) == ERR_OK);
    assert (s_vi (leaf, 0, 1, path, 1, root1) == ERR_MALFORMED);
    assert (s_vi (leaf, 0, MERKLE_SIZE_MAX + 1, path, 64,
                  root1) == ERR_MALFORMED);
    assert (s_vi (leaf, 0, 3, path, MERKLE_PATH_MAX + 1,
                  root1) == ERR_MALFORMED);

    //  verify_test.go TestVerifyConsistency, trivial sizes
    assert (s_vc (0, 0, empty, empty, NULL, 0) == ERR_OK);
    assert (s_vc (0, 0, empty, some, NULL, 0) == ERR_DIVERGED);
    assert (s_vc (1, 1, some, some, NULL, 0) == ERR_OK);
    assert (s_vc (1, 1, root1, some, NULL, 0) == ERR_DIVERGED);
    assert (s_vc (1, 0, root1, empty, NULL, 0) == ERR_MALFORMED);
    assert (s_vc (2, 1, root1, root1, NULL, 0) == ERR_MALFORMED);
    assert (s_vc (1, 2, root1, some, NULL, 0) == ERR_MALFORMED);
    memcpy (path [0], empty, sizeof empty);
    assert (s_vc (0, 0, empty, empty, path, 1) == ERR_MALFORMED);
    assert (s_vc (0, 1, empty, empty, path, 1) == ERR_MALFORMED);
    assert (s_vc (1, 1, empty, empty, path, 1) == ERR_MALFORMED);
    //  The empty tree is a prefix of every tree, but only with its own root
    assert (s_vc (0, 5, empty, some, NULL, 0) == ERR_OK);
    assert (s_vc (0, 5, some, some, NULL, 0) == ERR_DIVERGED);
    assert (s_vc (0, MERKLE_SIZE_MAX + 1, empty, some, NULL,
                  0) == ERR_MALFORMED);

    //  Provers refuse the same
    merkle_mem_store_t *mem = s_vector_store ();
    const merkle_store_t *store = merkle_mem_store_ops (mem);
    size_t len = 99;
    assert (merkle_inclusion_proof (store, 0, 0, path, &len) == ERR_MALFORMED);
    assert (len == 0);
    assert (merkle_inclusion_proof (store, 8, 8, path, &len) == ERR_MALFORMED);
    assert (merkle_consistency_proof (store, 5, 4, path, &len)
            == ERR_MALFORMED);
    assert (merkle_consistency_proof (store, 0, 8, path, &len) == ERR_OK);
    assert (len == 0);
    assert (merkle_consistency_proof (store, 0, 0, path, &len) == ERR_OK);
    assert (merkle_inclusion_proof (store, 0, 9, path, &len) == ERR_NOT_FOUND);
    assert (merkle_consistency_proof (store, 3, 9, path, &len)
            == ERR_NOT_FOUND);
    assert (len == 0);
    assert (merkle_inclusion_proof (store, 0, MERKLE_SIZE_MAX + 1, path, &len)
            == ERR_TOO_LARGE);
    assert (merkle_consistency_proof (store, 1, MERKLE_SIZE_MAX + 1, path, &len)
            == ERR_TOO_LARGE);
    assert (merkle_root (store, MERKLE_SIZE_MAX + 1, some) == ERR_TOO_LARGE);
    assert (merkle_append (store, MERKLE_SIZE_MAX, leaf) == ERR_TOO_LARGE);
    merkle_mem_store_destroy (&mem);
}

//  A tree of identical leaves: the perfect subtree at level l is the same
//  for every index, so trees of 2^63 leaves fit in 64 hashes
static hash_t s_same [64];

static int
s_same_get (void *arg, uint32_t level, uint64_t index, uint8_t out [32])
{
    uint64_t size = *(uint64_t *) arg;
    if (level >= 64 || index >= (size >> level))
        return ERR_NOT_FOUND;
    memcpy (out, s_same [level], MERKLE_HASH_BYTES);
    return ERR_OK;
}

static int
s_same_put (void *arg, uint32_t level, uint64_t index, const uint8_t hash [32])
{
    assert (level < 64);
    assert (memcmp (hash, s_same [level], MERKLE_HASH_BYTES) == 0);
    return ERR_OK;
}

static void
test_largest_trees_fit_path_max (void)
{
    merkle_leaf_hash (s_same [0], (const uint8_t *) "x", 1);
    for (int level = 1; level < 64; level++)
        merkle_node_hash (s_same [level], s_same [level - 1],
                          s_same [level - 1]);
    uint64_t size = MERKLE_SIZE_MAX;
    merkle_store_t store = {&size, s_same_get, s_same_put};
    hash_t path [MERKLE_PATH_MAX];
    hash_t root, old_root;
    size_t len = 0;

    //  Appending the last leaf completes the level-63 root
    assert (merkle_append (&store, MERKLE_SIZE_MAX - 1, s_same [0]) == ERR_OK);
    assert (merkle_root (&store, MERKLE_SIZE_MAX, root) == ERR_OK);
    assert (memcmp (root, s_same [63], sizeof root) == 0);
    assert (merkle_inclusion_proof (&store, MERKLE_SIZE_MAX - 1,
                                    MERKLE_SIZE_MAX, path, &len) == ERR_OK);
    assert (len == 63);
    assert (s_vi (s_same [0], MERKLE_SIZE_MAX - 1, MERKLE_SIZE_MAX, path, len,
                  root) == ERR_OK);
    //  The longest consistency proof: height + 1 hashes
    assert (merkle_root (&store, MERKLE_SIZE_MAX - 1, old_root) == ERR_OK);
    assert (merkle_consistency_proof (&store, MERKLE_SIZE_MAX - 1,
                                      MERKLE_SIZE_MAX, path, &len) == ERR_OK);
    assert (len == MERKLE_PATH_MAX);
    s_check_consistency_tampering (MERKLE_SIZE_MAX - 1, MERKLE_SIZE_MAX,
                                   old_root, root, path, len, false);
    //  And a ragged one
    uint64_t odd = MERKLE_SIZE_MAX - 12345;
    assert (merkle_root (&store, odd, old_root) == ERR_OK);
    assert (merkle_consistency_proof (&store, odd, MERKLE_SIZE_MAX - 7, path,
                                      &len) == ERR_OK);
    assert (merkle_root (&store, MERKLE_SIZE_MAX - 7, root) == ERR_OK);
    s_check_consistency_tampering (odd, MERKLE_SIZE_MAX - 7, old_root, root,
                                   path, len, false);
}

//  Wraps the memory store and fails with ERR_IO after a budget of calls
typedef struct {
    const merkle_store_t *inner;
    int budget;
} flaky_t;

static int
s_flaky_get (void *arg, uint32_t level, uint64_t index, uint8_t out [32])
{
    flaky_t *self = (flaky_t *) arg;
    if (self->budget-- <= 0)
        return ERR_IO;
    return self->inner->get (self->inner->arg, level, index, out);
}

static int
s_flaky_put (void *arg, uint32_t level, uint64_t index, const uint8_t hash [32])
{
    flaky_t *self = (flaky_t *) arg;
    if (self->budget-- <= 0)
        return ERR_IO;
    return self->inner->put (self->inner->arg, level, index, hash);
}

static void
test_store_errors_are_returned_unchanged (void)
{
    merkle_mem_store_t *mem = merkle_mem_store_new ();
    flaky_t flaky = {merkle_mem_store_ops (mem), 0};
    merkle_store_t store = {&flaky, s_flaky_get, s_flaky_put};
    hash_t leaf, root, want;
    hash_t path [MERKLE_PATH_MAX];
    size_t len;
    //  Leaf 7 completes three subtrees: 1 + 2*3 store calls; every
    //  failure point reports ERR_IO, and the retry then succeeds
    for (uint64_t i = 0; i < N_LEAVES; i++) {
        s_leaf (leaf, i);
        for (int budget = 0; ; budget++) {
            flaky.budget = budget;
            int rc = merkle_append (&store, i, leaf);
            if (rc == ERR_OK)
                break;
            assert (rc == ERR_IO);
        }
    }
    flaky.budget = 1000;
    s_root (want, N_LEAVES);
    assert (merkle_root (&store, N_LEAVES, root) == ERR_OK);
    assert (memcmp (root, want, sizeof root) == 0);
    flaky.budget = 0;
    assert (merkle_root (&store, 5, root) == ERR_IO);
    assert (merkle_inclusion_proof (&store, 2, 7, path, &len) == ERR_IO);
    assert (len == 0);
    flaky.budget = 2;
    assert (merkle_consistency_proof (&store, 3, 7, path, &len) == ERR_IO);
    assert (len == 0);
    //  The memory store refuses holes
    const merkle_store_t *ops = merkle_mem_store_ops (mem);
    assert (ops->put (ops->arg, 0, N_LEAVES + 1, leaf) == ERR_GAP);
    assert (ops->put (ops->arg, 64, 0, leaf) == ERR_INTERNAL);
    merkle_mem_store_destroy (&mem);
}


//  --------------------------------------------------------------------
//  Against the reference

static void
test_small_trees_match_reference_exhaustively (void)
{
    enum { N = 40 };            //  kept small: CI also runs this under valgrind
    hash_t leaves [N];
    merkle_mem_store_t *mem = merkle_mem_store_new ();
    const merkle_store_t *store = merkle_mem_store_ops (mem);
    for (uint64_t i = 0; i < N; i++) {
        uint8_t data [8];
        for (int b = 0; b < 8; b++)
            data [b] = (uint8_t) (i >> (8 * b));
        merkle_leaf_hash (leaves [i], data, sizeof data);
        assert (merkle_append (store, i, leaves [i]) == ERR_OK);
    }
    for (uint64_t n = 0; n <= N; n++) {
        hash_t root, want;
        assert (merkle_root (store, n, root) == ERR_OK);
        s_ref_mth (leaves, n, want);
        assert (memcmp (root, want, sizeof root) == 0);
        for (uint64_t m = 0; m < n; m++) {
            hash_t path [MERKLE_PATH_MAX], ref [MERKLE_PATH_MAX];
            size_t len, ref_len = 0;
            assert (merkle_inclusion_proof (store, m, n, path, &len) == ERR_OK);
            s_ref_path (m, leaves, n, ref, &ref_len);
            assert (len == ref_len);
            assert (memcmp (path, ref, len * sizeof (hash_t)) == 0);
            assert (s_vi (leaves [m], m, n, path, len, root) == ERR_OK);
            //  No other position in this tree takes the same path
            for (uint64_t other = 0; other < n + 2; other++)
                if (other != m)
                    assert (s_vi (leaves [m], other, n, path, len,
                                  root) != ERR_OK);
        }
        for (uint64_t m = 1; m <= n; m++) {
            hash_t path [MERKLE_PATH_MAX], ref [MERKLE_PATH_MAX], old_root;
            size_t len, ref_len = 0;
            assert (merkle_consistency_proof (store, m, n, path, &len)
                    == ERR_OK);
            s_ref_subproof (m, leaves, n, true, ref, &ref_len);
            assert (len == ref_len);
            assert (memcmp (path, ref, len * sizeof (hash_t)) == 0);
            s_ref_mth (leaves, m, old_root);
            assert (s_vc (m, n, old_root, root, path, len) == ERR_OK);
            //  Nor does it prove any other old size of this tree
            for (uint64_t other = 0; other <= n + 1; other++)
                if (other != m)
                    assert (s_vc (other, n, old_root, root, path,
                                  len) != ERR_OK);
        }
    }
    merkle_mem_store_destroy (&mem);
}

static void
test_random_proofs_verify_and_tampering_fails (void)
{
    enum { N = 2000, ROUNDS = 200 };
    hash_t *leaves = malloc (N * sizeof (hash_t));
    assert (leaves);
    merkle_mem_store_t *mem = merkle_mem_store_new ();
    const merkle_store_t *store = merkle_mem_store_ops (mem);
    for (uint64_t i = 0; i < N; i++) {
        //  Distinct leaves (the index), of random length and content
        uint8_t data [24];
        for (size_t b = 0; b < sizeof data; b++)
            data [b] = b < 8? (uint8_t) (i >> (8 * b)): (uint8_t) s_random ();
        merkle_leaf_hash (leaves [i], data, 8 + (size_t) s_below (17));
        assert (merkle_append (store, i, leaves [i]) == ERR_OK);
    }
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t n = 1 + s_below (N);
        uint64_t m = s_below (n);
        uint64_t old = 1 + s_below (n);
        hash_t root, old_root, want;
        hash_t path [MERKLE_PATH_MAX], ref [MERKLE_PATH_MAX];
        size_t len, ref_len = 0;
        assert (merkle_root (store, n, root) == ERR_OK);
        assert (merkle_root (store, old, old_root) == ERR_OK);
        if (round % 8 == 0) {
            s_ref_mth (leaves, n, want);
            assert (memcmp (root, want, sizeof root) == 0);
        }
        assert (merkle_inclusion_proof (store, m, n, path, &len) == ERR_OK);
        if (round % 8 == 0) {
            s_ref_path (m, leaves, n, ref, &ref_len);
            assert (len == ref_len);
            assert (memcmp (path, ref, len * sizeof (hash_t)) == 0);
        }
        s_check_inclusion_tampering (leaves [m], m, n, path, len, root, false);
        //  Another leaf at the same place does not verify
        uint64_t other = s_below (N);
        if (memcmp (leaves [other], leaves [m], sizeof (hash_t)) != 0)
            assert (s_vi (leaves [other], m, n, path, len,
                          root) == ERR_DIVERGED);
        assert (merkle_consistency_proof (store, old, n, path, &len) == ERR_OK);
        if (round % 8 == 0) {
            ref_len = 0;
            s_ref_subproof (old, leaves, n, true, ref, &ref_len);
            assert (len == ref_len);
            assert (memcmp (path, ref, len * sizeof (hash_t)) == 0);
        }
        s_check_consistency_tampering (old, n, old_root, root, path, len,
                                       false);
    }
    merkle_mem_store_destroy (&mem);
    free (leaves);
}

static void
test_hex_matches_libsodium_and_round_trips (void)
{
    uint8_t all [256], back [256];
    for (int i = 0; i < 256; i++)
        all [i] = (uint8_t) (i * 7 + 3);    //  every value, not in order
    char fast [513], slow [513];
    memset (fast, 'x', sizeof fast);
    seal_hex (fast, all, sizeof all);
    seal_hex_secret (slow, all, sizeof all);
    assert (strlen (fast) == 512 && strcmp (fast, slow) == 0);
    assert (seal_unhex (back, sizeof back, fast) == ERR_OK);
    assert (memcmp (back, all, sizeof all) == 0);
    for (size_t n = 0; n < 40; n++) {
        seal_hex (fast, all + n, n);
        seal_hex_secret (slow, all + n, n);
        assert (strlen (fast) == 2 * n && strcmp (fast, slow) == 0);
    }
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    test_hex_matches_libsodium_and_round_trips ();
    test_leaf_hashes_match_vectors ();
    test_empty_tree_root_is_sha256_of_nothing ();
    test_roots_and_stored_subtrees_match_vectors ();
    test_inclusion_proofs_match_vectors ();
    test_consistency_proofs_match_vectors ();
    test_verifiers_refuse_impossible_sizes ();
    test_largest_trees_fit_path_max ();
    test_store_errors_are_returned_unchanged ();
    test_small_trees_match_reference_exhaustively ();
    test_random_proofs_verify_and_tampering_fails ();
    printf ("test_merkle: 10 tests passed\n");
    return 0;
}
