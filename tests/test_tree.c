/*  test_tree.c -- node/store/tree.c on a real RocksDB store in a temporary
    folder, against replication/merkle's in-memory tree:

    - the tlog-tiles layout (proto/FORMAT.md, family 9): a tree of 70,000
      leaves is kept as 273 full level-0 tiles, one partial level-0 tile
      of 112 hashes, one full level-1 tile, a partial level-1 tile of 17
      and a partial level-2 tile of 1 (c2sp.org/tlog-tiles' example), each
      hash the one the in-memory tree has for that subtree;
    - roots (every size up to 1,300, then sampled), inclusion and
      consistency proofs equal the in-memory tree's, appends in batches of
      many sizes, and after the store is reopened;
    - a batch puts one tree key for appends within one tile, two when it
      crosses into the next, once per batch (FORMAT 9);
    - generations: a written batch not yet marked committed and the batch
      being built are both seen by roots; a batch cleared without being
      written and tree_abort leave the durable tree, which takes the same
      appends again; two trees (own and a child's copy) in one batch;
    - a tile of a length that is not whole hashes reads as ERR_CORRUPT;
    - the schema (meta "schema" = 5): a new repository gets it, one of
      schema 2 is refused with ERR_VERSION by views_open (schema 3's
      migration: test_licstate.c).
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto/seal.h"
#include "node/store/tree.h"
#include "node/store/views.h"
#include "tests/support/support.h"

#define N_LEAVES 70000

static char s_base [512];
static store_t *s_store;                //  one store, a division per test (opening one is slow under valgrind)
static uint8_t (*s_leaves) [MERKLE_HASH_BYTES];
static merkle_mem_store_t *s_mem;       //  the reference tree, all N_LEAVES

static store_t *
s_open (const char *name)
{
    char path [640], why [256];
    snprintf (path, sizeof path, "%s/%s", s_base, name);
    store_cfg_t cfg = { 16, true, 0 };
    store_t *store = NULL;
    assert (store_open (&store, path, &cfg, why, sizeof why) == ERR_OK);
    return store;
}

static void
s_same_root (tree_t *tree, uint64_t size)
{
    uint8_t want [32], got [32];
    assert (merkle_root (merkle_mem_store_ops (s_mem), size, want) == ERR_OK);
    assert (tree_root (tree, size, got) == ERR_OK);
    assert (memcmp (want, got, 32) == 0);
}

static void
s_same_proofs (tree_t *tree, uint64_t index, uint64_t old_size, uint64_t size)
{
    uint8_t want [MERKLE_PATH_MAX][32], got [MERKLE_PATH_MAX][32];
    size_t wn, gn;
    assert (merkle_inclusion_proof (merkle_mem_store_ops (s_mem), index, size, want, &wn) == ERR_OK);
    assert (merkle_inclusion_proof (tree_ops (tree), index, size, got, &gn) == ERR_OK);
    assert (wn == gn && memcmp (want, got, wn * 32) == 0);
    assert (merkle_consistency_proof (merkle_mem_store_ops (s_mem), old_size, size, want, &wn) == ERR_OK);
    assert (merkle_consistency_proof (tree_ops (tree), old_size, size, got, &gn) == ERR_OK);
    assert (wn == gn && memcmp (want, got, wn * 32) == 0);
}

//  Appends leaves [from, to) in batches of `per`, each written and
//  committed; returns the tree keys the batches put
static size_t
s_append (store_t *store, tree_t *tree, uint64_t from, uint64_t to, uint64_t per, uint64_t *gen)
{
    store_batch_t *batch = store_batch_new (store);
    size_t keys = 0;
    for (uint64_t i = from; i < to; ) {
        ++*gen;
        for (uint64_t j = 0; j < per && i < to; j++, i++)
            assert (tree_append (tree, batch, *gen, i, s_leaves [i]) == ERR_OK);
        assert (store_write (store, batch, false) == ERR_OK);
        keys += store_batch_count (batch);
        store_batch_clear (batch);
        tree_committed (tree, *gen);
    }
    store_batch_destroy (&batch);
    return keys;
}

static void
test_layout_roots_and_proofs (void)
{
    store_t *store = s_store;
    tree_t *tree = tree_new (store, "330106");
    assert (tree);
    uint64_t gen = 0;
    //  Batches of 1..13, then larger ones, so that batches end anywhere
    //  within tiles and cross their edges
    uint64_t size = 0;
    for (uint64_t per = 1; size < 1300; per = per % 13 + 1) {
        uint64_t to = size + per < 1300? size + per: 1300;
        s_append (store, tree, size, to, per, &gen);
        for (uint64_t s = size + 1; s <= to; s++)
            s_same_root (tree, s);
        size = to;
    }
    s_append (store, tree, size, N_LEAVES, 997, &gen);
    for (uint64_t s = 1301; s <= N_LEAVES; s += 991)
        s_same_root (tree, s);
    s_same_root (tree, N_LEAVES);
    for (uint64_t i = 0; i < N_LEAVES; i += 4099)
        s_same_proofs (tree, i, i / 2 + 1, N_LEAVES);
    s_same_proofs (tree, 65535, 65536, 65537);
    s_same_proofs (tree, 69999, 256, N_LEAVES);

    //  What is stored: the tiles of c2sp.org/tlog-tiles' example
    size_t full0 = 0, full1 = 0, n = 0;
    int partial0 = -1, partial1 = -1, partial2 = -1;
    store_iter_t *it = store_iter_new (store, STORE_CF_TREE, "330106", 6, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (store_iter_next (it, &k, &kl, &v, &vl)) {
        assert (kl == 15 && vl % 32 == 0 && vl >= 32 && vl <= 256 * 32);
        uint8_t level = k [6];
        uint64_t index = store_get_u64 (k + 7);
        size_t width = vl / 32;
        //  Hash i of tile (L, N) is the subtree at level 8L, index 256N + i
        for (size_t i = 0; i < width; i++) {
            uint8_t want [32];
            assert (merkle_mem_store_ops (s_mem)->get (merkle_mem_store_ops (s_mem)->arg,
                    8u * level, 256 * index + i, want) == ERR_OK);
            assert (memcmp (v + 32 * i, want, 32) == 0);
        }
        if (level == 0 && width == 256)
            full0++;
        else
        if (level == 0)
            partial0 = (int) width, assert (index == 273);
        else
        if (level == 1 && width == 256)
            full1++, assert (index == 0);
        else
        if (level == 1)
            partial1 = (int) width, assert (index == 1);
        else
        if (level == 2)
            partial2 = (int) width, assert (index == 0);
        else
            assert (false);
        n++;
    }
    store_iter_destroy (&it);
    assert (full0 == 273 && partial0 == 112 && full1 == 1 && partial1 == 17 && partial2 == 1);
    assert (n == 277);
    tree_destroy (&tree);
}

//  After the store is reopened: the same trees from the tiles alone
static void
test_reopened (void)
{
    store_destroy (&s_store);
    s_store = s_open ("store");
    tree_t *tree = tree_new (s_store, "330106");
    for (uint64_t s = 1; s <= N_LEAVES; s += 1777)
        s_same_root (tree, s);
    s_same_root (tree, N_LEAVES);
    s_same_proofs (tree, 12345, 300, N_LEAVES);
    tree_destroy (&tree);
    tree_t *own = tree_new (s_store, "330100");
    tree_t *child = tree_new (s_store, "330101");
    s_same_root (own, 300);
    s_same_root (child, 20);
    //  A tree destroyed while a batch still holds its generation
    store_batch_t *b = store_batch_new (s_store);
    assert (tree_append (own, b, 300, 300, s_leaves [300]) == ERR_OK);
    tree_destroy (&own);
    assert (store_write (s_store, b, false) == ERR_OK);
    store_batch_destroy (&b);
    tree_destroy (&child);
}

static void
test_keys_per_batch (void)
{
    store_t *store = s_store;
    tree_t *tree = tree_new (store, "330200");
    uint64_t gen = 0;
    //  100 appends within tile 0: one key
    assert (s_append (store, tree, 0, 100, 100, &gen) == 1);
    //  100..300 crosses into tile 1 and starts the level-1 tile: three
    assert (s_append (store, tree, 100, 300, 200, &gen) == 3);
    //  300..400: one again
    assert (s_append (store, tree, 300, 400, 100, &gen) == 1);
    s_same_root (tree, 400);
    tree_destroy (&tree);
}

static void
test_generations (void)
{
    store_t *store = s_store;
    tree_t *own = tree_new (store, "330100");
    tree_t *child = tree_new (store, "330101");
    uint64_t gen = 0;
    s_append (store, own, 0, 250, 50, &gen);
    //  Batch A (gen 100) written, not yet marked committed; batch B (gen
    //  101) being built on it: roots see both
    store_batch_t *a = store_batch_new (store), *b = store_batch_new (store);
    for (uint64_t i = 250; i < 270; i++) {
        assert (tree_append (own, a, 100, i, s_leaves [i]) == ERR_OK);
        assert (tree_append (child, a, 100, i - 250, s_leaves [i - 250]) == ERR_OK);
    }
    assert (store_write (store, a, true) == ERR_OK);
    assert (store_batch_count (a) == 4);    //  own tiles (0,0), (0,1), (1,0); the child's (0,0)
    for (uint64_t i = 270; i < 300; i++)
        assert (tree_append (own, b, 101, i, s_leaves [i]) == ERR_OK);
    s_same_root (own, 299);
    s_same_root (own, 260);
    s_same_root (child, 20);
    tree_committed (own, 100);
    tree_committed (child, 100);
    store_batch_clear (a);
    s_same_root (own, 300);
    //  B is dropped without being written: the durable tree stays
    store_batch_clear (b);
    tree_abort (own);
    s_same_root (own, 270);
    uint8_t root [32];
    assert (tree_root (own, 271, root) == ERR_NOT_FOUND);
    //  and takes the same appends again
    gen = 200;
    s_append (store, own, 270, 300, 7, &gen);
    s_same_root (own, 300);
    store_batch_destroy (&a);
    store_batch_destroy (&b);
    tree_destroy (&own);
    tree_destroy (&child);
}

static void
test_corrupt_tile (void)
{
    store_t *store = s_store;
    uint8_t key [15] = "330300";
    key [6] = 0;
    store_put_u64 (key + 7, 0);
    store_batch_t *b = store_batch_new (store);
    uint8_t junk [33] = { 0 };
    store_batch_put (b, STORE_CF_TREE, key, sizeof key, junk, sizeof junk);
    assert (store_write (store, b, false) == ERR_OK);
    store_batch_destroy (&b);
    tree_t *tree = tree_new (store, "330300");
    uint8_t root [32];
    assert (tree_root (tree, 1, root) == ERR_CORRUPT);
    tree_destroy (&tree);
}

static void
test_schema (void)
{
    store_t *store = s_store;
    views_t *views = NULL;
    assert (views_open (&views, store, "330106") == ERR_OK);
    views_destroy (&views);
    uint8_t *v;
    size_t vl;
    assert (store_get (store, STORE_CF_META, "schema", 6, &v, &vl) == ERR_OK);
    assert (vl == 1 && v [0] == 5 && VIEWS_SCHEMA == 5);
    free (v);

    store = s_open ("schema2");
    store_batch_t *b = store_batch_new (store);
    uint8_t two = 2;
    store_batch_put (b, STORE_CF_META, "schema", 6, &two, 1);
    assert (store_write (store, b, true) == ERR_OK);
    store_batch_destroy (&b);
    assert (views_open (&views, store, "330106") == ERR_VERSION);
    assert (!views);
    assert (store_get (store, STORE_CF_META, "schema", 6, &v, &vl) == ERR_OK);
    assert (vl == 1 && v [0] == 2);         //  left as it was
    free (v);
    store_destroy (&store);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    char base [512];
    assert (support_tmpdir (base, "test-tree") == ERR_OK);
    snprintf (s_base, sizeof s_base, "%s", base);
    s_leaves = malloc (N_LEAVES * sizeof *s_leaves);
    s_mem = merkle_mem_store_new ();
    assert (s_leaves && s_mem);
    for (uint64_t i = 0; i < N_LEAVES; i++) {
        uint8_t entry [16];
        memcpy (entry, &i, 8);
        memcpy (entry + 8, "licrepo!", 8);
        merkle_leaf_hash (s_leaves [i], entry, sizeof entry);
        assert (merkle_append (merkle_mem_store_ops (s_mem), i, s_leaves [i]) == ERR_OK);
    }
    s_store = s_open ("store");
    test_layout_roots_and_proofs ();
    test_keys_per_batch ();
    test_generations ();
    test_reopened ();
    test_corrupt_tile ();
    test_schema ();
    store_destroy (&s_store);
    merkle_mem_store_destroy (&s_mem);
    free (s_leaves);
    support_rmtree (s_base);
    printf ("test_tree: ok\n");
    return 0;
}
