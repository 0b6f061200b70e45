/*  test_files.c -- the assembly of a license file from its chunks in a
    real store (node/store/files.h): chunks in order, the file counting
    only once its SHA-256 matches, an upload resumed after the store is
    closed and opened again, a wrong digest, an oversized file, a chunk
    out of place or of the wrong size each refused with its code and
    nothing kept; reads by range within a chunk; the same bytes stored
    once; the wanted index.
*/
#undef NDEBUG
#include <assert.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

    store_destroy (&store);
    free (file);
    nftw (s_dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
    printf ("files: OK\n");
    return 0;
}
