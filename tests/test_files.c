/*  test_files.c -- the assembly of a license file from its chunks in a
    real store (node/store/files.h): chunks in order, the file counting
    only once its SHA-256 matches, an upload resumed after the store is
    closed and opened again, a wrong digest, an oversized file, a chunk
    out of place or of the wrong size each refused with its code and
    nothing kept; reads by range within a chunk; the same bytes stored
    once; the wanted index.  The names index and the rule of which
    child may read a file back; a department's budget of unreferenced
    files: refused over it, another department and the operator apart,
    freed when an entry names a file (sweeps at most once a second) or
    when an upload is refused for its digest, the same upload started
    again charged once, kept across a reopen of the store.  The running
    SHA-256 of an upload: one evicted by many uploads at once is hashed
    from its staged chunks read back, a staged chunk gone then found.
    The garbage of refused uploads in blob files shared with live files:
    counted once compactions meet it, freed by a GC pass over its bound
    (files_gc_check), the live files intact, a pass cancelled at close.
*/
#undef NDEBUG
#include <assert.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <czmq.h>
#include "node/store/files.h"
#include "proto/seal.h"

static char s_dir [] = "/tmp/test_files-XXXXXX";

static int
s_unlink (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st; (void) flag; (void) ftw;
    return remove (path);
}

static store_t *
s_open (void)
{
    store_t *store = NULL;
    store_cfg_t cfg = { 8, true, 0 };
    char why [256];
    assert (store_open (&store, s_dir, &cfg, why, sizeof why) == ERR_OK);
    return store;
}

//  Files of the database whose name ends in .blob: BlobDB's.
static int
s_blob_files (void)
{
    int n = 0;
    DIR *d = opendir (s_dir);
    struct dirent *e;
    while (d && (e = readdir (d))) {
        size_t l = strlen (e->d_name);
        n += l > 5 && strcmp (e->d_name + l - 5, ".blob") == 0;
    }
    if (d)
        closedir (d);
    return n;
}

static bool
s_count (void *arg, const uint8_t digest [FILES_DIGEST], uint64_t total)
{
    (void) digest; (void) total;
    (*(int *) arg)++;
    return true;
}

static bool
s_wanted (void *arg, const uint8_t digest [FILES_DIGEST], const char *via, const char *origin)
{
    (void) digest;
    assert (strcmp (via, "330100") == 0 && strcmp (origin, "330106") == 0);
    (*(int *) arg)++;
    return true;
}

//  Writes the names index of an issue (or op) naming digest, of origin.
static void
s_name (store_t *store, Lic__Op op, const uint8_t digest [32], const char *origin)
{
    Lic__Event ev = LIC__EVENT__INIT;
    Lic__LicenseContent content = LIC__LICENSE_CONTENT__INIT;
    content.file_digest.data = (uint8_t *) digest;
    content.file_digest.len = 32;
    ev.op = op;
    ev.content = &content;
    store_batch_t *batch = store_batch_new (store);
    files_name_event (batch, &ev, origin);
    assert (store_write (store, batch, true) == ERR_OK);
    store_batch_destroy (&batch);
}

//  The names index: which origins name a file, and which child may read
//  it back from its parent (authority_origin: its own or below it).
static void
test_names (store_t *store)
{
    uint8_t d [32], e [32];
    char why [256];
    memset (d, 0xd1, 32);
    memset (e, 0xe1, 32);
    assert (!files_named (store, d));
    assert (files_child_may_read (store, d, "330108", why, sizeof why) == ERR_FORBIDDEN);
    //  A suspension names no file, whatever its content says.
    s_name (store, LIC__OP__OP_SUSPEND, d, "330108");
    assert (!files_named (store, d));
    s_name (store, LIC__OP__OP_ISSUE, d, "330108");
    assert (files_named (store, d) && !files_named (store, e));
    assert (files_child_may_read (store, d, "330108", why, sizeof why) == ERR_OK);
    //  The sibling county may not; its city and province may (below).
    assert (files_child_may_read (store, d, "330106", why, sizeof why) == ERR_FORBIDDEN);
    assert (strstr (why, "330106"));
    assert (files_child_may_read (store, d, "330100", why, sizeof why) == ERR_OK);
    assert (files_child_may_read (store, d, "330000", why, sizeof why) == ERR_OK);
    //  Another city, a county of it, nothing.
    assert (files_child_may_read (store, d, "330200", why, sizeof why) == ERR_FORBIDDEN);
    assert (files_child_may_read (store, d, "330201", why, sizeof why) == ERR_FORBIDDEN);
    assert (files_child_may_read (store, d, NULL, why, sizeof why) == ERR_FORBIDDEN);
    //  The same bytes named by a second origin (an alteration there).
    s_name (store, LIC__OP__OP_ALTER, d, "330106");
    assert (files_child_may_read (store, d, "330106", why, sizeof why) == ERR_OK);
    assert (files_child_may_read (store, d, "330108", why, sizeof why) == ERR_OK);
    assert (files_child_may_read (store, e, "330106", why, sizeof why) == ERR_FORBIDDEN);
}

//  A one-chunk file of 1000 bytes, different for each seed; its digest.
static void
s_small (uint8_t data [1000], uint8_t digest [32], int seed)
{
    for (int i = 0; i < 1000; i++)
        data [i] = (uint8_t) (i * 13 + seed * 101);
    seal_sha256 (digest, data, 1000);
}

//  The running sum files_put_by keeps for a department ('D' department:
//  sum, last sweep), read as stored, without the sweep files_budget_used
//  makes.
static uint64_t
s_running (store_t *store, const char *dept)
{
    uint8_t key [64], *v = NULL;
    size_t kl = strlen (dept), vl = 0;
    key [0] = 'D';
    memcpy (key + 1, dept, kl);
    assert (store_get (store, STORE_CF_FILE, key, kl + 1, &v, &vl) == ERR_OK && vl == 16);
    uint64_t sum = store_get_u64 (v);
    free (v);
    return sum;
}

//  A department's budget of unreferenced files (files_put_by).  Returns
//  the store (closed and opened again on the way).
static store_t *
test_budget (store_t *store)
{
    const char *dept = "91330106MA27XXXX0A", *other = "91330106MA27YYYY0B";
    uint64_t budget = 3 * FILES_CHUNK, bytes, n;
    uint8_t data [6][1000], dg [6][32];
    files_info_t info;
    char why [512];
    for (int i = 0; i < 6; i++)
        s_small (data [i], dg [i], i);
    //  Three files of 1000 bytes, each counting one chunk: the budget.
    for (int i = 0; i < 3; i++)
        assert (files_put_by (store, dept, budget, dg [i], 0, 1000, data [i], 1000, 100, &info,
                              why, sizeof why) == ERR_OK && info.present);
    assert (s_running (store, dept) == 3 * FILES_CHUNK);
    assert (files_budget_used (store, dept, 100, &bytes, &n) == ERR_OK);
    assert (bytes == 3 * FILES_CHUNK && n == 3);
    //  A fourth: over, nothing of it stored; the message says what frees it.
    assert (files_put_by (store, dept, budget, dg [3], 0, 1000, data [3], 1000, 100, &info,
                          why, sizeof why) == ERR_FILE_BUDGET);
    assert (strstr (why, dept) && strstr (why, "file_budget_mb"));
    assert (files_info (store, dg [3], &info) == ERR_NOT_FOUND);
    //  Another department's budget is its own; the operator has none.
    assert (files_put_by (store, other, budget, dg [3], 0, 1000, data [3], 1000, 100, &info,
                          why, sizeof why) == ERR_OK && info.present);
    assert (files_put_by (store, NULL, budget, dg [4], 0, 1000, data [4], 1000, 100, &info,
                          why, sizeof why) == ERR_OK && info.present);
    //  A held file is taken at once and charged nothing.
    assert (files_put_by (store, dept, budget, dg [4], 0, 1000, data [4], 1000, 100, &info,
                          why, sizeof why) == ERR_OK && info.present);
    assert (files_budget_used (store, dept, 100, &bytes, &n) == ERR_OK && n == 3);

    //  Kept across a reopen.
    store_destroy (&store);
    store = s_open ();
    assert (files_put_by (store, dept, budget, dg [5], 0, 1000, data [5], 1000, 100, &info,
                          why, sizeof why) == ERR_FILE_BUDGET);
    //  An entry names file 0: released at the next sweep, at most once a
    //  second (the refusal above swept at 100).
    s_name (store, LIC__OP__OP_ISSUE, dg [0], "330106");
    assert (files_put_by (store, dept, budget, dg [5], 0, 1000, data [5], 1000, 100, &info,
                          why, sizeof why) == ERR_FILE_BUDGET);
    assert (files_put_by (store, dept, budget, dg [5], 0, 1000, data [5], 1000, 101, &info,
                          why, sizeof why) == ERR_OK && info.present);
    assert (files_budget_used (store, dept, 101, &bytes, &n) == ERR_OK);
    assert (bytes == 3 * FILES_CHUNK && n == 3);

    //  With room: an upload refused for its digest releases its charge;
    //  an upload started again is charged once, for its new size.
    budget = 8 * FILES_CHUNK;
    uint8_t *big = malloc (FILES_CHUNK + 10), bad [32];
    assert (big);
    memset (big, 0x5a, FILES_CHUNK + 10);
    memset (bad, 0xba, 32);
    assert (files_put_by (store, dept, budget, bad, 0, FILES_CHUNK + 10, big, FILES_CHUNK, 102,
                          &info, why, sizeof why) == ERR_OK && !info.present);
    assert (s_running (store, dept) == 4 * FILES_CHUNK + 10);
    assert (files_budget_used (store, dept, 102, &bytes, &n) == ERR_OK);
    assert (bytes == 4 * FILES_CHUNK + 10 && n == 4);
    assert (files_put_by (store, dept, budget, bad, 0, 2 * FILES_CHUNK, big, FILES_CHUNK, 102,
                          &info, why, sizeof why) == ERR_OK && !info.present);
    //  As kept by the put itself, not only after a sweep: charged once.
    assert (s_running (store, dept) == 5 * FILES_CHUNK);
    assert (files_budget_used (store, dept, 102, &bytes, &n) == ERR_OK);
    assert (bytes == 5 * FILES_CHUNK && n == 4);
    assert (files_put_by (store, dept, budget, bad, FILES_CHUNK, 2 * FILES_CHUNK, big,
                          FILES_CHUNK, 102, &info, why, sizeof why) == ERR_FILE_DIGEST);
    assert (files_budget_used (store, dept, 102, &bytes, &n) == ERR_OK);
    assert (bytes == 3 * FILES_CHUNK && n == 3);
    free (big);
    //  An oversized file is ERR_TOO_LARGE, whatever the budget.
    assert (files_put_by (store, dept, budget, dg [3], 0, FILES_MAX + 1, data [3], 1000, 103,
                          &info, why, sizeof why) == ERR_TOO_LARGE);
    return store;
}

//  The running SHA-256 of an upload is kept for a few uploads at once
//  (32): the last chunk hashes only itself.  An upload whose state was
//  evicted by many more at once (or lost with a restart) is hashed at
//  its last chunk from the staged chunks read back, and a staged chunk
//  gone is then found (ERR_GAP: start again), not taken for the file.
static void
test_running_hash (store_t *store)
{
    char why [256];
    files_info_t info;
    size_t total = 2 * FILES_CHUNK + 10;
    uint8_t *file = malloc (total), digest [32], other [32];
    assert (file);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < total; i++)
            file [i] = (uint8_t) (i * 13 + round);
        seal_sha256 (digest, file, total);
        assert (files_put (store, digest, 0, total, file, FILES_CHUNK, 1, &info, why, sizeof why) == ERR_OK);
        assert (files_put (store, digest, FILES_CHUNK, total, file + FILES_CHUNK, FILES_CHUNK, 1,
                           &info, why, sizeof why) == ERR_OK);
        //  40 other uploads begin meanwhile.
        for (uint8_t k = 0; k < 40; k++) {
            uint8_t seed [2] = { (uint8_t) round, k };
            seal_sha256 (other, seed, sizeof seed);
            assert (files_put (store, other, 0, 2 * FILES_CHUNK, file, FILES_CHUNK, 1, &info,
                               why, sizeof why) == ERR_OK && !info.present);
        }
        if (round == 0) {
            //  Read back: whole, verified.
            assert (files_put (store, digest, 2 * FILES_CHUNK, total, file + 2 * FILES_CHUNK, 10, 1,
                               &info, why, sizeof why) == ERR_OK && info.present);
            assert (files_verify (store, digest, why, sizeof why) == ERR_OK);
            continue;
        }
        //  A staged chunk deleted behind the upload's back: found.
        uint8_t key [1 + 32 + 4] = { 'C' };
        memcpy (key + 1, digest, 32);
        store_batch_t *batch = store_batch_new (store);
        store_batch_delete (batch, STORE_CF_FILE, key, sizeof key);
        assert (store_write (store, batch, true) == ERR_OK);
        store_batch_destroy (&batch);
        assert (files_put (store, digest, 2 * FILES_CHUNK, total, file + 2 * FILES_CHUNK, 10, 1,
                           &info, why, sizeof why) == ERR_GAP);
        assert (!files_held (store, digest));
    }
    free (file);
}

//  A store of its own at dir.
static store_t *
s_open_at (const char *dir)
{
    store_t *store = NULL;
    store_cfg_t cfg = { 8, true, 0 };
    char why [256];
    assert (store_open (&store, dir, &cfg, why, sizeof why) == ERR_OK);
    return store;
}

//  The garbage of the file family's blob files (files_gc_check): uploads
//  refused for their digest after a flush took their staged chunks into
//  the blob file of live files are counted as garbage once compactions
//  met their tombstones; over the bound a pass on its own thread rewrites
//  the live chunks and frees the rest; the live files read back byte for
//  byte.  A pass going on when the store closes is cancelled.
#define S_GC_FILES 6
#define S_GC_CHUNKS 3
static void
test_blob_gc (void)
{
    char dir [] = "/tmp/test_files_gc-XXXXXX";
    assert (mkdtemp (dir));
    store_t *store = s_open_at (dir);
    char why [256];
    files_info_t info;
    size_t total = S_GC_CHUNKS * FILES_CHUNK;
    uint8_t *file [S_GC_FILES], digest [S_GC_FILES][32], bad [S_GC_FILES][32];
    //  Live files and refused uploads interleaved, the refused ones
    //  staged but for their last chunk.
    for (int f = 0; f < S_GC_FILES; f++) {
        file [f] = malloc (total);
        for (size_t i = 0; i < total; i++)
            file [f][i] = (uint8_t) (i * 31 + f * 7 + (i >> 11));
        seal_sha256 (digest [f], file [f], total);
        memcpy (bad [f], digest [f], 32);
        bad [f][31] ^= 0x5a;
        for (int c = 0; c < S_GC_CHUNKS; c++) {
            uint64_t off = (uint64_t) c * FILES_CHUNK;
            assert (files_put (store, digest [f], off, total, file [f] + off, FILES_CHUNK, 1,
                               &info, why, sizeof why) == ERR_OK);
            if (c < S_GC_CHUNKS - 1)
                assert (files_put (store, bad [f], off, total, file [f] + off, FILES_CHUNK, 1,
                                   &info, why, sizeof why) == ERR_OK);
        }
    }
    //  Closed and opened: the WAL's chunks flushed into one blob file,
    //  live and staged mixed.
    store_destroy (&store);
    store = s_open_at (dir);
    store_blob_t b;
    store_blob_stats (store, STORE_CF_FILE, &b);
    assert (b.bytes >= (uint64_t) S_GC_FILES * (2 * S_GC_CHUNKS - 1) * FILES_CHUNK);
    assert (b.garbage == 0);
    uint64_t staged = (uint64_t) S_GC_FILES * (S_GC_CHUNKS - 1) * FILES_CHUNK;
    //  The refused uploads' last chunks: dropped (a range tombstone each).
    for (int f = 0; f < S_GC_FILES; f++) {
        uint64_t off = (uint64_t) (S_GC_CHUNKS - 1) * FILES_CHUNK;
        assert (files_put (store, bad [f], off, total, file [f] + off, FILES_CHUNK, 1, &info,
                           why, sizeof why) == ERR_FILE_DIGEST);
    }
    //  Counted by RocksDB once an automatic compaction dropped the
    //  references: writes flow (a small file each), each flushed at a
    //  reopen, so L0 files pile up until a compaction (4 of them) meets
    //  the tombstones (asynchronous: waited for).
    for (int round = 0; round < 12 && b.garbage < staged; round++) {
        uint8_t small [1000], d [32];
        s_small (small, d, 100 + round);
        assert (files_put (store, d, 0, 1000, small, 1000, 1, &info, why, sizeof why) == ERR_OK);
        store_destroy (&store);
        store = s_open_at (dir);
        for (int i = 0; i < 100; i++) {
            store_blob_stats (store, STORE_CF_FILE, &b);
            if (b.garbage >= staged)
                break;
            usleep (10000);
        }
    }
    printf ("blob gc: before the pass %llu bytes of blob files, %llu garbage\n",
            (unsigned long long) b.bytes, (unsigned long long) b.garbage);
    assert (b.garbage >= staged);
    //  Under the bound: nothing starts.
    bool started = true;
    assert (files_gc_check (store, FILES_GC_FLOOR, &b, &started) == ERR_OK && !started);
    //  The cost of the check on every tick.
    int64_t t0 = zclock_usecs ();
    for (int i = 0; i < 1000; i++)
        assert (files_gc_check (store, FILES_GC_FLOOR, NULL, &started) == ERR_OK);
    printf ("blob gc: a check costs %.1f us\n", (zclock_usecs () - t0) / 1000.0);
    //  Over a bound of 1 MiB: a pass on its own thread; none more while
    //  it goes on or just after.
    uint64_t before = b.garbage, bytes = b.bytes;
    assert (files_gc_check (store, 1 << 20, &b, &started) == ERR_OK && started);
    assert (files_gc_check (store, 1 << 20, &b, &started) == ERR_OK && !started);
    for (int i = 0; i < 1000; i++) {
        store_blob_stats (store, STORE_CF_FILE, &b);
        if (!b.running)
            break;
        usleep (10000);
    }
    printf ("blob gc: after the pass %llu bytes of blob files, %llu garbage\n",
            (unsigned long long) b.bytes, (unsigned long long) b.garbage);
    assert (!b.running && b.passes == 1 && b.failures == 0);
    assert (b.garbage < before && b.garbage == 0);
    assert (b.bytes <= bytes - staged);
    assert (files_gc_check (store, 1 << 20, &b, &started) == ERR_OK && !started);
    //  The live files, byte for byte.
    for (int f = 0; f < S_GC_FILES; f++) {
        assert (files_verify (store, digest [f], why, sizeof why) == ERR_OK);
        for (int c = 0; c < S_GC_CHUNKS; c++) {
            uint8_t *data;
            size_t len;
            uint64_t size;
            assert (files_read (store, digest [f], (uint64_t) c * FILES_CHUNK, FILES_CHUNK,
                                &data, &len, &size) == ERR_OK);
            assert (len == FILES_CHUNK && memcmp (data, file [f] + c * FILES_CHUNK, len) == 0);
            free (data);
        }
        assert (files_info (store, bad [f], &info) == ERR_NOT_FOUND);
    }
    //  A pass going on when the store closes: cancelled, its thread
    //  joined (a fresh store: passes are paced per store).
    store_destroy (&store);
    store = s_open_at (dir);
    assert (store_blob_gc_start (store, STORE_CF_FILE) == ERR_OK);
    assert (store_blob_gc_start (store, STORE_CF_FILE) == ERR_BUSY);
    store_destroy (&store);
    store = s_open_at (dir);
    for (int f = 0; f < S_GC_FILES; f++) {
        assert (files_verify (store, digest [f], why, sizeof why) == ERR_OK);
        free (file [f]);
    }
    store_destroy (&store);
    nftw (dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    assert (mkdtemp (s_dir));
    store_t *store = s_open ();
    char why [256];
    files_info_t info;

    //  A file of two full chunks and a short one.
    size_t total = 2 * FILES_CHUNK + 1000;
    uint8_t *file = malloc (total), digest [32], other [32];
    for (size_t i = 0; i < total; i++)
        file [i] = (uint8_t) (i * 7 + (i >> 9));
    seal_sha256 (digest, file, total);
    assert (files_info (store, digest, &info) == ERR_NOT_FOUND);

    //  Oversized and empty: refused before anything is stored.
    assert (files_put (store, digest, 0, FILES_MAX + 1, file, FILES_CHUNK, 1, &info, why, sizeof why) == ERR_TOO_LARGE);
    assert (files_put (store, digest, 0, 0, file, 0, 1, &info, why, sizeof why) == ERR_TOO_LARGE);
    //  A chunk of the wrong size, an offset ahead of the upload.
    assert (files_put (store, digest, 0, total, file, FILES_CHUNK - 1, 1, &info, why, sizeof why) == ERR_BAD_FIELD);
    assert (files_put (store, digest, FILES_CHUNK, total, file + FILES_CHUNK, FILES_CHUNK, 1, &info, why, sizeof why) == ERR_GAP);
    assert (files_info (store, digest, &info) == ERR_NOT_FOUND);

    //  The first chunk: staged, not readable.
    assert (files_put (store, digest, 0, total, file, FILES_CHUNK, 1, &info, why, sizeof why) == ERR_OK);
    assert (!info.present && info.received == FILES_CHUNK && info.total == total);
    assert (!files_held (store, digest));
    uint8_t *data;
    size_t len;
    uint64_t size;
    assert (files_read (store, digest, 0, 100, &data, &len, &size) == ERR_NOT_FOUND);
    //  Another total in the middle of an upload; a chunk again.
    assert (files_put (store, digest, FILES_CHUNK, total + 1, file + FILES_CHUNK, FILES_CHUNK, 1, &info, why, sizeof why) == ERR_BAD_FIELD);
    assert (files_put (store, digest, FILES_CHUNK * 2, total, file + 2 * FILES_CHUNK, 1000, 1, &info, why, sizeof why) == ERR_GAP);

    //  Closed and opened again: the upload resumes where it stood.  The
    //  chunk went to a BlobDB blob file when the WAL was replayed and
    //  flushed at the open.
    assert (s_blob_files () == 0);
    store_destroy (&store);
    store = s_open ();
    assert (s_blob_files () == 1);
    assert (files_info (store, digest, &info) == ERR_OK && !info.present && info.received == FILES_CHUNK);
    assert (files_put (store, digest, FILES_CHUNK, total, file + FILES_CHUNK, FILES_CHUNK, 1, &info, why, sizeof why) == ERR_OK);
    assert (files_put (store, digest, 2 * FILES_CHUNK, total, file + 2 * FILES_CHUNK, 1000, 42, &info, why, sizeof why) == ERR_OK);
    assert (info.present && info.total == total && info.at == 42);
    assert (files_held (store, digest));
    assert (files_verify (store, digest, why, sizeof why) == ERR_OK);

    //  Reads by range, never past the chunk that holds the offset.
    assert (files_read (store, digest, 10, 100, &data, &len, &size) == ERR_OK);
    assert (size == total && len == 100 && memcmp (data, file + 10, 100) == 0);
    free (data);
    assert (files_read (store, digest, FILES_CHUNK - 5, FILES_CHUNK, &data, &len, &size) == ERR_OK);
    assert (len == 5 && memcmp (data, file + FILES_CHUNK - 5, 5) == 0);
    free (data);
    assert (files_read (store, digest, 2 * FILES_CHUNK, FILES_CHUNK, &data, &len, &size) == ERR_OK);
    assert (len == 1000 && memcmp (data, file + 2 * FILES_CHUNK, 1000) == 0);
    free (data);
    assert (files_read (store, digest, total, 10, &data, &len, &size) == ERR_OK && len == 0);
    assert (files_read (store, digest, total + 1, 10, &data, &len, &size) == ERR_BAD_FIELD);

    //  The same bytes again: done at once, stored once.
    assert (files_put (store, digest, 0, total, file, FILES_CHUNK, 99, &info, why, sizeof why) == ERR_OK);
    assert (info.present && info.at == 42);
    int n = 0;
    assert (files_each (store, s_count, &n) == ERR_OK && n == 1);

    //  Bytes that are not the file named: refused at the last chunk, and
    //  nothing of them kept.
    memcpy (other, digest, 32);
    other [0] ^= 1;
    assert (files_put (store, other, 0, total, file, FILES_CHUNK, 1, &info, why, sizeof why) == ERR_OK);
    assert (files_put (store, other, FILES_CHUNK, total, file + FILES_CHUNK, FILES_CHUNK, 1, &info, why, sizeof why) == ERR_OK);
    assert (files_put (store, other, 2 * FILES_CHUNK, total, file + 2 * FILES_CHUNK, 1000, 1, &info, why, sizeof why) == ERR_FILE_DIGEST);
    assert (strstr (why, "hash to SHA-256"));
    assert (files_info (store, other, &info) == ERR_NOT_FOUND);
    assert (files_read (store, other, 0, 10, &data, &len, &size) == ERR_NOT_FOUND);
    n = 0;
    assert (files_each (store, s_count, &n) == ERR_OK && n == 1);

    //  A one-chunk file with a wrong digest: refused, nothing kept.
    assert (files_put (store, other, 0, 1000, file, 1000, 1, &info, why, sizeof why) == ERR_FILE_DIGEST);
    assert (files_info (store, other, &info) == ERR_NOT_FOUND);

    //  The wanted index: a held file is never wanted; one that arrives
    //  leaves the index.
    store_batch_t *batch = store_batch_new (store);
    files_want (store, batch, digest, "330100", "330106");
    files_want (store, batch, other, "330100", "330106");
    assert (store_write (store, batch, true) == ERR_OK);
    store_batch_destroy (&batch);
    n = 0;
    assert (files_wanted (store, NULL, s_wanted, &n) == ERR_OK && n == 1);
    n = 0;
    assert (files_wanted (store, other, s_wanted, &n) == ERR_OK && n == 0);
    uint8_t small [1000];
    memcpy (small, file, 1000);
    seal_sha256 (other, small, 1000);
    batch = store_batch_new (store);
    files_want (store, batch, other, "330100", "330106");
    assert (store_write (store, batch, true) == ERR_OK);
    store_batch_destroy (&batch);
    n = 0;
    assert (files_wanted (store, NULL, s_wanted, &n) == ERR_OK && n == 2);
    assert (files_put (store, other, 0, 1000, small, 1000, 1, &info, why, sizeof why) == ERR_OK && info.present);
    n = 0;
    assert (files_wanted (store, NULL, s_wanted, &n) == ERR_OK && n == 1);

    test_names (store);
    store = test_budget (store);
    test_running_hash (store);
    test_blob_gc ();

    store_destroy (&store);
    free (file);
    nftw (s_dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
    printf ("files: OK\n");
    return 0;
}
