/*  test_overlay.c -- the overlay of pending writes (node/store/overlay.c)
    against a model that keeps every write in a list:
    - a key's latest write wins; a deletion reads as a pending NULL; a
      key never written, or whose writes were all dropped, is not found;
    - a drop forgets the writes of generations <= gen and keeps a later
      write of the same key (the stale earlier one must not take the key
      out of the index with it);
    - 200,000 random sets, takes, deletions and drops over 500 keys of 1
      to 40 bytes (8-byte and 32-byte keys as the views use among them),
      every key looked up against the model after each drop;
    - the index grows with the keys and shrinks back once they are
      dropped; a generation below the last refused ERR_INTERNAL, a key
      of 0 or more than OVERLAY_KEY_MAX bytes ERR_TOO_LARGE, a taken
      value freed on a refusal (valgrind and ASan see a leak otherwise);
    - purge forgets everything.
*/
#undef NDEBUG
#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/err.h"
#include "node/store/overlay.h"

#define KEYS 500
#define MODEL_MAX 400000

typedef struct {
    int key;
    uint64_t gen;
    bool deletion;
    uint32_t value;
    bool live;
} s_w_t;

static uint8_t s_key [KEYS][40];
static size_t s_klen [KEYS];
static s_w_t s_model [MODEL_MAX];
static size_t s_nmodel;

static uint64_t s_rng = 88172645463325252ull;
static uint64_t
s_rand (void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

//  The model's answer for key k: -1 not pending, 0 deletion, 1 value.
static int
s_model_get (int k, uint32_t *value)
{
    for (size_t i = s_nmodel; i-- > 0;)
        if (s_model [i].live && s_model [i].key == k) {
            *value = s_model [i].value;
            return s_model [i].deletion? 0: 1;
        }
    return -1;
}

static void
s_check_all (overlay_t *o)
{
    size_t keys = 0;
    for (int k = 0; k < KEYS; k++) {
        uint32_t want = 0;
        int m = s_model_get (k, &want);
        const uint8_t *v = NULL;
        size_t len = 99;
        bool got = overlay_get (o, s_key [k], s_klen [k], &v, &len);
        assert (got == (m >= 0));
        if (m == 0)
            assert (v == NULL);
        if (m == 1) {
            assert (v && len == sizeof want);
            uint32_t have;
            memcpy (&have, v, sizeof have);
            assert (have == want);
        }
        keys += m >= 0;
    }
    assert (overlay_keys (o) == keys);
    size_t writes = 0;
    for (size_t i = 0; i < s_nmodel; i++)
        writes += s_model [i].live;
    assert (overlay_writes (o) == writes);
}

static void
s_cases (void)
{
    overlay_t *o = overlay_new ();
    assert (o);
    const uint8_t *v;
    size_t len;
    assert (!overlay_get (o, "a", 1, &v, &len));
    assert (overlay_set (o, "a", 1, 1, (const uint8_t *) "x", 1) == ERR_OK);
    assert (overlay_set (o, "a", 1, 2, (const uint8_t *) "yy", 2) == ERR_OK);
    assert (overlay_get (o, "a", 1, &v, &len) && len == 2 && memcmp (v, "yy", 2) == 0);
    //  The drop of generation 1 keeps generation 2's write of "a".
    overlay_drop (o, 1);
    assert (overlay_get (o, "a", 1, &v, &len) && len == 2 && memcmp (v, "yy", 2) == 0);
    assert (overlay_keys (o) == 1 && overlay_writes (o) == 1);
    //  A deletion is pending too.
    assert (overlay_set (o, "b", 1, 3, NULL, 0) == ERR_OK);
    assert (overlay_get (o, "b", 1, &v, &len) && v == NULL);
    overlay_drop (o, 3);
    assert (!overlay_get (o, "a", 1, &v, &len) && !overlay_get (o, "b", 1, &v, &len));
    assert (overlay_keys (o) == 0 && overlay_writes (o) == 0);
    //  Refusals; a taken value is freed on one.
    assert (overlay_set (o, "c", 1, 2, (const uint8_t *) "z", 1) == ERR_INTERNAL);
    uint8_t big [OVERLAY_KEY_MAX + 1] = { 0 };
    assert (overlay_set (o, big, sizeof big, 4, NULL, 0) == ERR_TOO_LARGE);
    assert (overlay_set (o, big, 0, 4, NULL, 0) == ERR_TOO_LARGE);
    uint8_t *t = malloc (3);
    assert (t);
    assert (overlay_take (o, big, sizeof big, 4, t, 3) == ERR_TOO_LARGE);
    t = malloc (3);
    memcpy (t, "tak", 3);
    assert (overlay_take (o, big, OVERLAY_KEY_MAX, 4, t, 3) == ERR_OK);
    assert (overlay_get (o, big, OVERLAY_KEY_MAX, &v, &len) && v == t && len == 3);
    //  The index grows with the keys and shrinks back when they go.
    for (uint32_t i = 0; i < 100000; i++)
        assert (overlay_set (o, &i, sizeof i, 5, (const uint8_t *) &i, sizeof i) == ERR_OK);
    assert (overlay_keys (o) == 100001 && overlay_slots (o) >= 2 * 100001);
    for (uint32_t i = 0; i < 100000; i += 997) {
        assert (overlay_get (o, &i, sizeof i, &v, &len) && len == 4);
        assert (memcmp (v, &i, 4) == 0);
    }
    overlay_drop (o, 5);
    assert (overlay_keys (o) == 0 && overlay_slots (o) <= 1024);
    assert (overlay_set (o, "d", 1, 6, (const uint8_t *) "d", 1) == ERR_OK);
    overlay_purge (o);
    assert (!overlay_get (o, "d", 1, &v, &len) && overlay_writes (o) == 0);
    //  After a purge generations may start again (a pipeline reopened).
    assert (overlay_set (o, "d", 1, 1, (const uint8_t *) "d", 1) == ERR_OK);
    overlay_destroy (&o);
    assert (o == NULL);
    overlay_destroy (&o);
}

static void
s_random (void)
{
    for (int k = 0; k < KEYS; k++) {
        s_klen [k] = k % 5 == 0? 8: k % 5 == 1? 32: 1 + s_rand () % 40;
        for (size_t i = 0; i < s_klen [k]; i++)
            s_key [k][i] = (uint8_t) s_rand ();
        s_key [k][0] = (uint8_t) k;         //  distinct keys
        s_key [k][s_klen [k] - 1] ^= (uint8_t) (k >> 8);
    }
    overlay_t *o = overlay_new ();
    assert (o);
    uint64_t gen = 1, dropped = 0;
    size_t drops = 0;
    for (int step = 0; step < 200000; step++) {
        unsigned r = (unsigned) (s_rand () % 100);
        if (r < 3) {
            //  Drop up to a generation between the last dropped and now.
            uint64_t to = dropped + s_rand () % (gen - dropped + 1);
            overlay_drop (o, to);
            for (size_t i = 0; i < s_nmodel; i++)
                if (s_model [i].gen <= to)
                    s_model [i].live = false;
            dropped = to > dropped? to: dropped;
            drops++;
            s_check_all (o);
            //  Compact the model.
            size_t n = 0;
            for (size_t i = 0; i < s_nmodel; i++)
                if (s_model [i].live)
                    s_model [n++] = s_model [i];
            s_nmodel = n;
            continue;
        }
        if (r < 10)
            gen++;
        assert (s_nmodel < MODEL_MAX);
        s_w_t *w = &s_model [s_nmodel++];
        w->key = (int) (s_rand () % KEYS);
        w->gen = gen;
        w->live = true;
        w->deletion = r < 20;
        w->value = (uint32_t) s_rand ();
        int rc;
        if (w->deletion)
            rc = overlay_set (o, s_key [w->key], s_klen [w->key], gen, NULL, 0);
        else if (r < 50) {
            uint8_t *t = malloc (sizeof w->value);
            assert (t);
            memcpy (t, &w->value, sizeof w->value);
            rc = overlay_take (o, s_key [w->key], s_klen [w->key], gen, t, sizeof w->value);
        }
        else
            rc = overlay_set (o, s_key [w->key], s_klen [w->key], gen,
                              (const uint8_t *) &w->value, sizeof w->value);
        assert (rc == ERR_OK);
    }
    s_check_all (o);
    assert (drops > 1000);
    overlay_destroy (&o);
}

int
main (void)
{
    assert (sodium_init () >= 0);
    s_cases ();
    s_random ();
    printf ("overlay: ok\n");
    return 0;
}
