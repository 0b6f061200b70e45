/*  test_origins.c -- what a node has applied of each origin division: the
    mark and the holes below it (node/store/views_origin.c; proto/FORMAT.md
    family 7 and FORMAT 7).

    An entry held at some level and applied there later arrives above
    after entries of its origin with higher origin seqs: it is applied
    iff it fills a hole, once; a node's own entries skip the origin seqs
    of its children's entries (origin_skip), which open no hole; the
    holes survive a reopen; one more hole than VIEWS_HOLES_MAX is
    refused.  Also the views' key writer (views_key_t, views_int.h): the
    same bytes and length as the snprintf it replaced, truncation included.
*/
#undef NDEBUG
#include <assert.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "node/store/views_int.h"
#include "node/store/views_origin.h"

static char s_base [256];

static int
s_unlink (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st; (void) flag; (void) ftw;
    return remove (path);
}

//  Admits and notes entry (origin, seq, skip) as the views' apply does.
static int
s_apply (views_t *v, const char *origin, uint64_t seq, uint64_t skip)
{
    Lic__LogEntry e;
    codec_entry_init (&e);
    e.origin_division = (char *) origin;
    e.origin_seq = seq;
    e.seq = 1000000 + seq;      //  not an own entry
    e.origin_skip = skip;
    char why [256] = "";
    int rc = views_origin_admit (v, &e, why, sizeof why);
    if (rc == ERR_OK)
        assert (views_int_origin_note (v, &e) == ERR_OK);
    return rc;
}

//  The holes of origin are exactly the n ranges in want.
static void
s_holes (views_t *v, const char *origin, const views_hole_t *want, size_t n)
{
    views_hole_t got [8];
    size_t have = views_origin_holes (v, origin, got, 8);
    if (have != n)
        fprintf (stderr, "%s: %zu holes, expected %zu\n", origin, have, n);
    assert (have == n);
    for (size_t i = 0; i < n; i++)
        assert (got [i].lo == want [i].lo && got [i].hi == want [i].hi);
}

static void
test_a_late_entry_fills_its_hole_once (views_t *v)
{
    const char *d = "330106";   //  a county: every origin seq is its own entry
    for (uint64_t s = 1; s <= 3; s++)
        assert (s_apply (v, d, s, 0) == ERR_OK);
    //  4 held below: 5 opens [4, 4].
    assert (s_apply (v, d, 5, 0) == ERR_OK);
    s_holes (v, d, (views_hole_t []) { { 4, 4 } }, 1);
    assert (!views_origin_applied (v, d, 4) && views_origin_hole (v, d, 4));
    assert (views_origin_applied (v, d, 3) && views_origin_applied (v, d, 5));
    assert (views_origin_seq (v, d) == 5);
    assert (s_apply (v, d, 3, 0) == ERR_EXISTS);
    assert (s_apply (v, d, 4, 0) == ERR_OK);
    s_holes (v, d, NULL, 0);
    assert (views_origin_applied (v, d, 4) && views_origin_seq (v, d) == 5);
    assert (s_apply (v, d, 4, 0) == ERR_EXISTS);
}

static void
test_a_hole_splits_as_it_fills (views_t *v)
{
    const char *d = "330108";
    assert (s_apply (v, d, 1, 0) == ERR_OK);
    assert (s_apply (v, d, 2, 0) == ERR_OK);
    assert (s_apply (v, d, 8, 0) == ERR_OK);
    s_holes (v, d, (views_hole_t []) { { 3, 7 } }, 1);
    assert (s_apply (v, d, 5, 0) == ERR_OK);
    s_holes (v, d, (views_hole_t []) { { 3, 4 }, { 6, 7 } }, 2);
    assert (s_apply (v, d, 7, 0) == ERR_OK);
    s_holes (v, d, (views_hole_t []) { { 3, 4 }, { 6, 6 } }, 2);
    assert (s_apply (v, d, 3, 0) == ERR_OK);
    s_holes (v, d, (views_hole_t []) { { 4, 4 }, { 6, 6 } }, 2);
    assert (s_apply (v, d, 6, 0) == ERR_OK);
    assert (s_apply (v, d, 4, 0) == ERR_OK);
    s_holes (v, d, NULL, 0);
}

static void
test_own_entries_of_a_city_skip_without_holes (views_t *v)
{
    const char *c = "330100";   //  a city: its own entries among its counties'
    assert (s_apply (v, c, 1, 0) == ERR_OK);
    assert (s_apply (v, c, 4, 2) == ERR_OK);     //  2, 3 went to counties' entries
    s_holes (v, c, NULL, 0);
    //  6 (after 5) held below; 9 follows it, 7 and 8 were counties'.
    assert (s_apply (v, c, 9, 2) == ERR_OK);
    s_holes (v, c, (views_hole_t []) { { 5, 6 } }, 1);
    //  6 comes late; 5 was a county's entry: 6's skip says so.
    assert (s_apply (v, c, 6, 1) == ERR_OK);
    s_holes (v, c, NULL, 0);
}

static void
test_holes_are_bounded (views_t *v)
{
    const char *d = "330109";
    for (uint64_t i = 1; i <= VIEWS_HOLES_MAX; i++)
        assert (s_apply (v, d, 2 * i, 0) == ERR_OK);
    views_hole_t h [1];
    assert (views_origin_holes (v, d, h, 1) == VIEWS_HOLES_MAX);
    assert (s_apply (v, d, 2 * VIEWS_HOLES_MAX + 2, 0) == ERR_TOO_LARGE);
    //  No new hole: the next in order, and a fill, are taken.
    assert (s_apply (v, d, 2 * VIEWS_HOLES_MAX + 1, 0) == ERR_OK);
    assert (s_apply (v, d, 1, 0) == ERR_OK);
    assert (views_origin_holes (v, d, h, 1) == VIEWS_HOLES_MAX - 1);
}

//  Pieces of text of every length up to 100, with bytes a key holds
static void
s_piece (char *out, size_t len, unsigned seed)
{
    static const char bytes [] = "0123456789ABCDEFXYZ/abc\xe6\x9d\xad.";
    for (size_t i = 0; i < len; i++)
        out [i] = bytes [(i * 7 + seed) % (sizeof bytes - 1)];
    out [len] = 0;
}

//  The written key and its length against snprintf's for the same pieces
static void
s_check_key (const char *got, size_t got_len, const char *want, int want_n, size_t size)
{
    assert (want_n >= 0 && got_len == (size_t) want_n);
    size_t shown = got_len < size? got_len: size - 1;
    assert (memcmp (got, want, shown) == 0);
    assert (got [shown] == 0);
}

static void
test_keys_match_printf (void)
{
    static const size_t lens [] = { 0, 1, 2, 14, 15, 16, 18, 20, 21, 22, 40, 64, 75, 100 };
    static const size_t precisions [] = { 0, 1, 15, 21, SIZE_MAX };
    size_t n_lens = sizeof lens / sizeof lens [0];
    char a [101], b [101], c [101], got [200], want [200];
    for (size_t i = 0; i < n_lens; i++)
    for (size_t j = 0; j < n_lens; j++) {
        s_piece (a, lens [i], (unsigned) i);
        s_piece (b, lens [j], (unsigned) j + 3);
        s_piece (c, lens [(i + j) % n_lens], (unsigned) (i * j));
        for (size_t size = 1; size <= 200; size++) {
            //  "division/rest", as the registry maps key
            memset (got, 'x', sizeof got);
            memset (want, 'y', sizeof want);
            views_key_div (got, size, a, b);
            int n = snprintf (want, size, "%s/%s", a, b);
            s_check_key (got, (size_t) n, want, n, size);
            assert (strlen (got) == ((size_t) n < size? (size_t) n: size - 1));
            //  "%s%c%s%c%s" with 0s: the holder index key (and the
            //  successor key, its first two pieces)
            views_key_t k;
            views_key_init (&k, got, size);
            views_key_str (&k, a, SIZE_MAX);
            views_key_char (&k, 0);
            views_key_str (&k, b, SIZE_MAX);
            views_key_char (&k, 0);
            views_key_str (&k, c, SIZE_MAX);
            n = snprintf (want, size, "%s%c%s%c%s", a, 0, b, 0, c);
            s_check_key (got, k.len, want, n, size);
            //  "%.15s/%.21s" and other precisions: a type's line key
            for (size_t p = 0; p < sizeof precisions / sizeof precisions [0]; p++) {
                size_t pa = precisions [p], pb = precisions [(p + 2) % 5];
                views_key_init (&k, got, size);
                views_key_str (&k, a, pa);
                views_key_char (&k, '/');
                views_key_str (&k, b, pb);
                n = snprintf (want, size, "%.*s/%.*s", pa == SIZE_MAX? 1000: (int) pa, a,
                              pb == SIZE_MAX? 1000: (int) pb, b);
                s_check_key (got, k.len, want, n, size);
            }
        }
    }
}

int
main (void)
{
    snprintf (s_base, sizeof s_base, "/tmp/test_origins_XXXXXX");
    assert (mkdtemp (s_base));
    char why [256];
    store_cfg_t cfg = { 16, true, 0 };
    store_t *store = NULL;
    assert (store_open (&store, s_base, &cfg, why, sizeof why) == ERR_OK);
    views_t *v = NULL;
    assert (views_open (&v, store, "330000") == ERR_OK);
    test_keys_match_printf ();
    test_a_late_entry_fills_its_hole_once (v);
    test_a_hole_splits_as_it_fills (v);
    test_own_entries_of_a_city_skip_without_holes (v);
    //  A pending hole and a mark are written and read back.
    assert (s_apply (v, "330110", 1, 0) == ERR_OK);
    assert (s_apply (v, "330110", 3, 0) == ERR_OK);
    store_batch_t *b = store_batch_new (store);
    views_flush_marks (v, b);
    assert (store_write (store, b, true) == ERR_OK);
    store_batch_destroy (&b);
    views_destroy (&v);
    assert (views_open (&v, store, "330000") == ERR_OK);
    s_holes (v, "330110", (views_hole_t []) { { 2, 2 } }, 1);
    assert (views_origin_seq (v, "330110") == 3 && views_origin_seq (v, "330106") == 5);
    assert (views_origin_applied (v, "330108", 4) && !views_origin_applied (v, "330110", 2));
    test_holes_are_bounded (v);
    views_destroy (&v);
    store_destroy (&store);
    assert (nftw (s_base, s_unlink, 16, FTW_DEPTH | FTW_PHYS) == 0);
    printf ("test_origins: OK\n");
    return 0;
}
