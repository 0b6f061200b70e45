/*  test_store.c -- a write batch stores what was added to it, in the
    order it was added, on a real RocksDB store in a temporary folder.
    store_batch_put/delete hold back the operations of the families with
    keys in no order and add them to RocksDB's batch sorted by key when
    the batch is written (node/store/store_rocks.c, S_SORTED); this
    checks that what is stored is what the operations in their order
    say:
    - two puts of one key: the later wins; a put then a delete: gone; a
      delete then a put: there; whether the key is held back or not
      (license: held back; log: not);
    - a range delete deletes what was put before it in the batch, not
      what is put after it;
    - store_batch_count counts held-back operations; a cleared batch
      writes nothing of what was held back;
    - 40 batches of 250 random puts, deletes and range deletes over 64
      keys of two families, each checked against a model that applies
      them in order, after every write and again after the store is
      closed and opened (the WAL replayed).
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "node/store/store_rocks.h"
#include "tests/support/support.h"

#define KEYS 64
//  The random test's keys: 16 bytes, all with the same first 8 (the
//  sort's head), so their order is settled by the bytes after it.
#define S_KEY "holder:0123456%02d"
#define VAL_MAX 32

static char s_base [512];

static store_t *
s_open (void)
{
    char path [600], why [256];
    snprintf (path, sizeof path, "%s/db", s_base);
    store_cfg_t cfg = { 16, true, 0 };
    store_t *store = NULL;
    assert (store_open (&store, path, &cfg, why, sizeof why) == ERR_OK);
    return store;
}

//  value of key in cf, or "" if absent (values here are never empty)
static void
s_get (store_t *store, store_cf_t cf, const char *key, char out [VAL_MAX + 1])
{
    uint8_t *v = NULL;
    size_t vl = 0;
    int rc = store_get (store, cf, key, strlen (key), &v, &vl);
    out [0] = 0;
    if (rc == ERR_OK) {
        assert (vl > 0 && vl <= VAL_MAX);
        memcpy (out, v, vl);
        out [vl] = 0;
        free (v);
    }
    else
        assert (rc == ERR_NOT_FOUND);
}

static void
s_put (store_batch_t *b, store_cf_t cf, const char *key, const char *val)
{
    store_batch_put (b, cf, key, strlen (key), val, strlen (val));
}

static void
test_order (void)
{
    store_t *store = s_open ();
    store_cf_t fams [2] = { STORE_CF_LICENSE, STORE_CF_LOG };
    for (int f = 0; f < 2; f++) {
        store_cf_t cf = fams [f];
        store_batch_t *b = store_batch_new (store);
        s_put (b, cf, "k2", "first");
        s_put (b, cf, "k1", "one");
        s_put (b, cf, "k2", "second");
        s_put (b, cf, "k3", "three");
        store_batch_delete (b, cf, "k3", 2);
        store_batch_delete (b, cf, "k4", 2);
        s_put (b, cf, "k4", "four");
        s_put (b, cf, "k0", "zero");
        assert (store_batch_count (b) == 8);
        assert (store_write (store, b, true) == ERR_OK);
        store_batch_destroy (&b);
        char v [VAL_MAX + 1];
        s_get (store, cf, "k0", v); assert (!strcmp (v, "zero"));
        s_get (store, cf, "k1", v); assert (!strcmp (v, "one"));
        s_get (store, cf, "k2", v); assert (!strcmp (v, "second"));
        s_get (store, cf, "k3", v); assert (!*v);
        s_get (store, cf, "k4", v); assert (!strcmp (v, "four"));

        //  A range delete: what came before it in the batch, not after.
        b = store_batch_new (store);
        s_put (b, cf, "r1", "before");
        s_put (b, cf, "r3", "before");
        store_batch_delete_range (b, cf, "r0", 2, "r5", 2);
        s_put (b, cf, "r3", "after");
        s_put (b, cf, "r4", "after");
        assert (store_batch_count (b) == 5);
        assert (store_write (store, b, true) == ERR_OK);
        store_batch_destroy (&b);
        s_get (store, cf, "r1", v); assert (!*v);
        s_get (store, cf, "r3", v); assert (!strcmp (v, "after"));
        s_get (store, cf, "r4", v); assert (!strcmp (v, "after"));

        //  Cleared: nothing held back is written.
        b = store_batch_new (store);
        s_put (b, cf, "c1", "cleared");
        store_batch_clear (b);
        assert (store_batch_count (b) == 0);
        s_put (b, cf, "c2", "kept");
        assert (store_write (store, b, true) == ERR_OK);
        store_batch_destroy (&b);
        s_get (store, cf, "c1", v); assert (!*v);
        s_get (store, cf, "c2", v); assert (!strcmp (v, "kept"));
    }
    store_destroy (&store);
    printf ("  order: later put wins, put/delete in order, range deletes what came "
            "before, clear drops held operations (license and log families)\n");
}

//  Keys that are prefixes of one another, share their first 8 bytes, end
//  in zero bytes or are shorter than 8, each put, put again and deleted
//  in one batch in changing orders: the last operation on each wins.
static void
test_heads (void)
{
    store_t *store = s_open ();
    static const struct { const char *k; size_t len; } keys [] = {
        { "a", 1 }, { "a\0", 2 }, { "a\0\0\0\0\0\0\0", 8 }, { "a\0\0\0\0\0\0\0\0", 9 },
        { "abcdefgh", 8 }, { "abcdefgh\0", 9 }, { "abcdefghi", 9 }, { "abcdefgi", 8 },
        { "abcdefg", 7 }, { "\xff\xff\xff\xff\xff\xff\xff\xff\x01", 9 }, { "\xff", 1 },
        { "abcdefgh\xff", 9 }, { "abcdefgh\0\0", 10 }
    };
    enum { N = sizeof keys / sizeof keys [0] };
    char model [N][VAL_MAX + 1];
    memset (model, 0, sizeof model);
    store_batch_t *b = store_batch_new (store);
    for (int round = 0; round < 6; round++)
        for (int j = 0; j < N; j++) {
            int i = round % 2? N - 1 - j: (j * 5 + round) % N;
            if ((i + round) % 3 == 0) {
                store_batch_delete (b, STORE_CF_DEDUP, keys [i].k, keys [i].len);
                model [i][0] = 0;
            }
            else {
                snprintf (model [i], sizeof model [i], "r%d.k%d", round, i);
                store_batch_put (b, STORE_CF_DEDUP, keys [i].k, keys [i].len, model [i],
                                 strlen (model [i]));
            }
        }
    assert (store_write (store, b, true) == ERR_OK);
    store_batch_destroy (&b);
    for (int i = 0; i < N; i++) {
        uint8_t *v = NULL;
        size_t vl = 0;
        int rc = store_get (store, STORE_CF_DEDUP, keys [i].k, keys [i].len, &v, &vl);
        if (*model [i])
            assert (rc == ERR_OK && vl == strlen (model [i]) && memcmp (v, model [i], vl) == 0);
        else
            assert (rc == ERR_NOT_FOUND);
        free (v);
    }
    store_destroy (&store);
    printf ("  heads: %d keys sharing first bytes, prefixes, trailing zeros: the last "
            "operation on each wins\n", N);
}

static void
s_check_model (store_t *store, const store_cf_t fams [2], char model [2][KEYS][VAL_MAX + 1])
{
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < KEYS; k++) {
            char key [32], v [VAL_MAX + 1];
            snprintf (key, sizeof key, S_KEY, k);
            s_get (store, fams [f], key, v);
            assert (!strcmp (v, model [f][k]));
        }
}

static void
test_random (void)
{
    store_t *store = s_open ();
    const store_cf_t fams [2] = { STORE_CF_DEDUP, STORE_CF_LOG };
    static char model [2][KEYS][VAL_MAX + 1];
    memset (model, 0, sizeof model);
    srand (15);
    int ops = 0;
    for (int batch = 0; batch < 40; batch++) {
        store_batch_t *b = store_batch_new (store);
        size_t count = 0;
        for (int i = 0; i < 250; i++) {
            int f = rand () % 2, k = rand () % KEYS, what = rand () % 20;
            char key [32], val [VAL_MAX + 1];
            snprintf (key, sizeof key, S_KEY, k);
            if (what == 0) {
                //  [key k, key k + n)
                int n = 1 + rand () % 8;
                char to [32];
                snprintf (to, sizeof to, S_KEY, k + n);
                store_batch_delete_range (b, fams [f], key, strlen (key), to, strlen (to));
                for (int j = k; j < k + n && j < KEYS; j++)
                    model [f][j][0] = 0;
            }
            else
            if (what < 6) {
                store_batch_delete (b, fams [f], key, strlen (key));
                model [f][k][0] = 0;
            }
            else {
                snprintf (val, sizeof val, "b%d.o%d", batch, i);
                s_put (b, fams [f], key, val);
                memcpy (model [f][k], val, strlen (val) + 1);
            }
            count++;
            ops++;
        }
        assert (store_batch_count (b) == count);
        assert (store_write (store, b, batch % 2 == 0) == ERR_OK);
        store_batch_destroy (&b);
        s_check_model (store, fams, model);
    }
    store_destroy (&store);
    store = s_open ();
    s_check_model (store, fams, model);
    store_destroy (&store);
    printf ("  random: %d operations in 40 batches over two families match a model "
            "applied in order, before and after a reopen\n", ops);
}

int
main (void)
{
    char base [512];
    assert (support_tmpdir (base, "test-store") == ERR_OK);
    snprintf (s_base, sizeof s_base, "%s", base);
    printf ("test_store:\n");
    test_order ();
    char path [600];
    snprintf (path, sizeof path, "%s/db", s_base);
    support_rmtree (path);
    test_random ();
    support_rmtree (path);
    test_heads ();
    support_rmtree (s_base);
    printf ("test_store: OK\n");
    return 0;
}
