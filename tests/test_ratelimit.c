/*  test_ratelimit.c -- token buckets per key (node/serve/ratelimit.c), with a
    fake clock.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include "node/serve/ratelimit.h"

static void
test_burst_then_rate (void)
{
    ratelimit_t *r = ratelimit_new (200, 400);
    assert (r);
    int64_t t = 1000000;
    int taken = 0;
    for (int i = 0; i < 1000; i++)
        taken += ratelimit_take (r, "key-a", t);
    assert (taken == 400);                  //  the burst, at once
    assert (!ratelimit_take (r, "key-a", t + 4));   //  0.8 tokens after 4 ms
    assert (ratelimit_take (r, "key-a", t + 5));    //  one after 5 ms
    taken = 0;
    for (int ms = 6; ms <= 1005; ms++)     //  a second later: about 200 more
        taken += ratelimit_take (r, "key-a", t + ms);
    assert (taken >= 199 && taken <= 201);
    ratelimit_destroy (&r);
    assert (!r);
}

static void
test_keys_are_apart (void)
{
    ratelimit_t *r = ratelimit_new (1, 2);
    assert (ratelimit_take (r, "a", 0) && ratelimit_take (r, "a", 0) && !ratelimit_take (r, "a", 0));
    assert (ratelimit_take (r, "b", 0) && ratelimit_take (r, "b", 0) && !ratelimit_take (r, "b", 0));
    assert (ratelimit_size (r) == 2);
    //  Refilled, never past the burst
    assert (ratelimit_take (r, "a", 1000) && !ratelimit_take (r, "a", 1000));
    assert (ratelimit_take (r, "a", 100000) && ratelimit_take (r, "a", 100000)
            && !ratelimit_take (r, "a", 100000));
    ratelimit_destroy (&r);
}

//  Only the first RATELIMIT_KEY_MAX bytes of a key count
static void
test_long_keys_share_their_first_bytes (void)
{
    ratelimit_t *r = ratelimit_new (1, 1);
    char key [RATELIMIT_KEY_MAX + 8];
    memset (key, 'k', sizeof key);
    key [RATELIMIT_KEY_MAX - 1] = 0;                  //  63 bytes
    assert (ratelimit_take (r, key, 0) && !ratelimit_take (r, key, 0));
    key [RATELIMIT_KEY_MAX - 1] = 'k';
    key [RATELIMIT_KEY_MAX] = 0;                      //  64: another key
    assert (ratelimit_take (r, key, 0));
    key [RATELIMIT_KEY_MAX] = 'A';
    key [RATELIMIT_KEY_MAX + 1] = 0;                  //  65: the 64-byte one's
    assert (!ratelimit_take (r, key, 0));
    key [RATELIMIT_KEY_MAX] = 'B';
    key [RATELIMIT_KEY_MAX + 7] = 0;                  //  71: the same
    assert (!ratelimit_take (r, key, 0));
    assert (ratelimit_size (r) == 2);
    assert (ratelimit_take (r, NULL, 0) && !ratelimit_take (r, "", 0));
    ratelimit_destroy (&r);
}

static void
test_no_limit_when_rate_is_zero (void)
{
    ratelimit_t *r = ratelimit_new (0, 1);
    for (int i = 0; i < 100000; i++)
        assert (ratelimit_take (r, "k", 0));
    assert (ratelimit_size (r) == 0);
    ratelimit_destroy (&r);
}

static void
test_full_buckets_forgotten_and_table_bounded (void)
{
    ratelimit_t *r = ratelimit_new (10, 10);
    char key [32];
    for (int i = 0; i < RATELIMIT_KEYS; i++) {
        snprintf (key, sizeof key, "key-%d", i);
        assert (ratelimit_take (r, key, 0));
    }
    //  Past the bound, new keys share one bucket: the table does not grow
    assert (ratelimit_size (r) == RATELIMIT_KEYS);
    int shared = 0;
    for (int i = 0; i < 100; i++) {
        snprintf (key, sizeof key, "late-%d", i);
        shared += ratelimit_take (r, key, 0);
    }
    assert (shared == 10);                 //  the shared bucket's burst
    //  Once every bucket is full again (one token back: 100 ms), forgotten
    ratelimit_sweep (r, 50);
    assert (ratelimit_size (r) == RATELIMIT_KEYS);
    ratelimit_sweep (r, 100);
    assert (ratelimit_size (r) == 0);
    ratelimit_destroy (&r);
}

int
main (void)
{
    test_burst_then_rate ();
    test_keys_are_apart ();
    test_long_keys_share_their_first_bytes ();
    test_no_limit_when_rate_is_zero ();
    test_full_buckets_forgotten_and_table_bounded ();
    printf ("test_ratelimit: 5 cases OK\n");
    return 0;
}
