/*  test_filelink.c -- the rules of a file's way up the replication link
    (node/links/filelink.h), on two real stores and no sockets: the
    parent asks for what its wanted index names, a window of chunks of
    one file at a time (one until the first answer says the size); the
    child's answers are stored in order, one out of order ignored; a
    window unanswered is asked again from the stored progress; a file the
    child does not hold yet moves the parent on, and a round of misses
    pauses it; a catalogue blob comes whole and is checked.  The other
    way (a child rebuilding from its parent): a file is answered to a
    child only if an entry of its subtree names it, else ERR_FORBIDDEN
    with no data; a catalogue blob to any child.
*/
#undef NDEBUG
#include <assert.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "node/links/filelink.h"
#include "proto/codec.h"
#include "proto/seal.h"

static char s_dir [] = "/tmp/test_filelink-XXXXXX";

static int
s_unlink (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st; (void) flag; (void) ftw;
    return remove (path);
}

static store_t *
s_open (const char *name)
{
    char path [600], why [256];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    store_t *store = NULL;
    store_cfg_t cfg = { 8, true, 0 };
    assert (store_open (&store, path, &cfg, why, sizeof why) == ERR_OK);
    return store;
}

static uint8_t *
s_bytes (size_t len, uint8_t seed)
{
    uint8_t *data = malloc (len);
    assert (data);
    for (size_t i = 0; i < len; i++)
        data [i] = (uint8_t) (i * 31 + seed + (i >> 11));
    return data;
}

//  Puts a whole file into a store as a department would.
static void
s_put (store_t *store, const uint8_t *data, size_t len, uint8_t digest [32])
{
    char why [256];
    files_info_t info;
    seal_sha256 (digest, data, len);
    for (size_t at = 0; at < len; at += FILES_CHUNK) {
        size_t n = len - at < FILES_CHUNK? len - at: FILES_CHUNK;
        assert (files_put (store, digest, at, len, data + at, n, 1, &info, why, sizeof why) == ERR_OK);
    }
    assert (info.present);
}

static void
s_want (store_t *parent, const uint8_t digest [32])
{
    store_batch_t *batch = store_batch_new (parent);
    files_want (parent, batch, digest, "330106", "330106");
    assert (store_write (parent, batch, true) == ERR_OK);
    store_batch_destroy (&batch);
}

//  The child's answer to want, delivered to the parent: its code.
static int
s_deliver (filelink_t *fl, store_t *parent, store_t *child, const Lic__FileWant *want, int64_t now)
{
    Lic__FileChunk chunk;
    uint8_t *data;
    char why [256];
    filelink_answer (child, NULL, want, &chunk, &data);
    int rc = filelink_on_chunk (fl, parent, "330106", &chunk, now, why, sizeof why);
    free (data);
    return rc;
}

//  A copy of a want (its digest is borrowed from fl, which moves on).
typedef struct {
    Lic__FileWant want;
    uint8_t digest [32];
} s_want_t;

static void
s_keep (s_want_t *k, const Lic__FileWant *w)
{
    k->want = *w;
    memcpy (k->digest, w->digest.data, 32);
    k->want.digest.data = k->digest;
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    assert (mkdtemp (s_dir));
    store_t *parent = s_open ("parent"), *child = s_open ("child");
    filelink_t fl;
    memset (&fl, 0, sizeof fl);
    Lic__FileWant want;
    int64_t now = 1000000;

    //  Nothing wanted: nothing asked.
    assert (!filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));

    //  A file of three chunks at the child, wanted by the parent.
    size_t len = 2 * FILES_CHUNK + 500;
    uint8_t *data = s_bytes (len, 1), digest [32];
    s_put (child, data, len, digest);
    s_want (parent, digest);
    //  One want until the first answer tells the size.
    s_want_t w [4];
    assert (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (want.offset == 0 && !want.blob && memcmp (want.digest.data, digest, 32) == 0);
    s_keep (&w [0], &want);
    assert (!filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    //  Another child's wants are none of this link's.
    assert (!filelink_next (&(filelink_t) { 0 }, parent, "330108", now, FILELINK_WINDOW, &want));
    assert (s_deliver (&fl, parent, child, &w [0].want, now) == ERR_OK);
    //  The rest of the window: the two chunks left.
    assert (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (want.offset == FILES_CHUNK);
    s_keep (&w [1], &want);
    assert (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (want.offset == 2 * FILES_CHUNK);
    s_keep (&w [2], &want);
    assert (!filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    //  Out of order: ignored, nothing stored; then in order: whole.
    assert (s_deliver (&fl, parent, child, &w [2].want, now) == ERR_MALFORMED);
    files_info_t info;
    assert (files_info (parent, digest, &info) == ERR_OK && info.received == FILES_CHUNK);
    assert (s_deliver (&fl, parent, child, &w [1].want, now) == ERR_OK);
    //  (the third answer, dropped above, is asked again after the timeout)
    assert (!filelink_next (&fl, parent, "330106", now + 1, FILELINK_WINDOW, &want));
    assert (filelink_next (&fl, parent, "330106", now + FILELINK_TIMEOUT_MS, FILELINK_WINDOW, &want));
    assert (want.offset == 2 * FILES_CHUNK);
    now += FILELINK_TIMEOUT_MS;
    assert (s_deliver (&fl, parent, child, &want, now) == ERR_OK);
    assert (files_held (parent, digest) && files_verify (parent, digest, NULL, 0) == ERR_OK);
    files_stats_t stats;
    assert (files_missing_stats (parent, &stats) == ERR_OK && stats.total == 0);
    assert (!filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (fl.files == 1 && fl.bytes == len);
    free (data);

    //  An upload of a file staged here with another size (a claim that
    //  was not the file): the fetch starts the file again from its first
    //  byte, dropping the staged chunks, and completes it.
    len = 2 * FILES_CHUNK + 7;
    data = s_bytes (len, 5);
    s_put (child, data, len, digest);
    {
        char why [256];
        files_info_t fi;
        assert (files_put (parent, digest, 0, len + FILES_CHUNK, data, FILES_CHUNK, 1, &fi,
                           why, sizeof why) == ERR_OK && fi.received == FILES_CHUNK);
    }
    s_want (parent, digest);
    assert (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (want.offset == FILES_CHUNK);
    assert (s_deliver (&fl, parent, child, &want, now) == ERR_BAD_FIELD);
    for (int i = 0; i < 8 && !files_held (parent, digest); i++) {
        int n = 0;
        s_want_t ws [FILELINK_WINDOW];
        while (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want))
            s_keep (&ws [n++], &want);
        assert (n > 0 && (i > 0 || ws [0].want.offset == 0));
        for (int k = 0; k < n; k++)
            assert (s_deliver (&fl, parent, child, &ws [k].want, now) == ERR_OK);
    }
    assert (files_held (parent, digest) && files_verify (parent, digest, NULL, 0) == ERR_OK);
    free (data);

    //  A window of 1 (entries in the pipeline): one chunk at a time.
    len = 3 * FILES_CHUNK;
    data = s_bytes (len, 2);
    s_put (child, data, len, digest);
    s_want (parent, digest);
    assert (filelink_next (&fl, parent, "330106", now, 1, &want));
    assert (s_deliver (&fl, parent, child, &want, now) == ERR_OK);
    assert (filelink_next (&fl, parent, "330106", now, 1, &want));
    assert (!filelink_next (&fl, parent, "330106", now, 1, &want));
    assert (s_deliver (&fl, parent, child, &want, now) == ERR_OK);
    //  A new session of the child: what was in flight is forgotten, and
    //  the transfer goes on from the stored progress.
    assert (filelink_next (&fl, parent, "330106", now, 1, &want));
    filelink_reset (&fl);
    assert (filelink_next (&fl, parent, "330106", now, 1, &want));
    assert (want.offset == 2 * FILES_CHUNK);
    assert (s_deliver (&fl, parent, child, &want, now) == ERR_OK);
    assert (files_held (parent, digest));
    free (data);

    //  Two files the child does not hold yet: the parent tries the next
    //  at once, and pauses only after a round of misses.
    uint8_t absent [2][32];
    for (int i = 0; i < 2; i++) {
        uint8_t *x = s_bytes (1000, (uint8_t) (10 + i));
        seal_sha256 (absent [i], x, 1000);
        free (x);
        s_want (parent, absent [i]);
    }
    assert (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (s_deliver (&fl, parent, child, &want, now) == ERR_NOT_FOUND);
    assert (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (s_deliver (&fl, parent, child, &want, now) == ERR_NOT_FOUND);
    assert (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (s_deliver (&fl, parent, child, &want, now) == ERR_NOT_FOUND);
    assert (!filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (filelink_next (&fl, parent, "330106", now + FILELINK_BACKOFF_MS, FILELINK_WINDOW, &want));
    now += FILELINK_BACKOFF_MS;
    assert (files_missing_stats (parent, &stats) == ERR_OK && stats.total == 2);
    assert (stats.n_via == 1 && strcmp (stats.via [0].division, "330106") == 0 && stats.via [0].files == 2);
    //  One arrives at the child: the parent gets it.
    filelink_reset (&fl);
    uint8_t *x = s_bytes (1000, 10);
    s_put (child, x, 1000, digest);
    for (int i = 0; i < 4 && !files_held (parent, absent [0]); i++)
        if (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want)) {
            int rc = s_deliver (&fl, parent, child, &want, now);
            assert (rc == ERR_OK || rc == ERR_NOT_FOUND);
        }
        else
            now += FILELINK_BACKOFF_MS;
    assert (files_held (parent, absent [0]));
    free (x);

    //  A catalogue blob, whole, once no file is wanted from the child.
    //  (the other absent file no longer wanted)
    files_unwant (parent, absent [1]);
    filelink_reset (&fl);
    uint8_t *blob = s_bytes (100000, 3), bd [32];
    seal_hash (bd, blob, 100000, NULL, 0);
    store_batch_t *batch = store_batch_new (child);
    store_batch_put (batch, STORE_CF_BLOB, bd, 32, blob, 100000);
    assert (store_write (child, batch, true) == ERR_OK);
    store_batch_destroy (&batch);
    Lic__LicenseType t;
    codec_license_type_init (&t);
    t.template_digest.data = bd;
    t.template_digest.len = 32;
    char why [256];
    assert (files_check_type (parent, &t, why, sizeof why) == ERR_NO_FILE);
    batch = store_batch_new (parent);
    files_want_type (parent, batch, &t, "330106", "330106");
    assert (store_write (parent, batch, true) == ERR_OK);
    store_batch_destroy (&batch);
    assert (files_missing_stats (parent, &stats) == ERR_OK && stats.total == 1);
    now += FILELINK_BACKOFF_MS;
    assert (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (want.blob && want.offset == 0);
    assert (!filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    s_keep (&w [3], &want);
    //  Bytes that are not the blob: refused, nothing kept.
    Lic__FileChunk chunk;
    lic__file_chunk__init (&chunk);
    chunk.digest = w [3].want.digest;
    chunk.blob = true;
    chunk.total = 100000;
    chunk.data.data = blob;
    chunk.data.len = 100000;
    blob [7] ^= 1;
    assert (filelink_on_chunk (&fl, parent, "330106", &chunk, now, why, sizeof why) == ERR_FILE_DIGEST);
    assert (!files_blob_held (parent, bd));
    blob [7] ^= 1;
    now += FILELINK_BACKOFF_MS;
    assert (filelink_next (&fl, parent, "330106", now, FILELINK_WINDOW, &want));
    assert (s_deliver (&fl, parent, child, &want, now) == ERR_OK);
    assert (files_blob_held (parent, bd) && files_check_type (parent, &t, why, sizeof why) == ERR_OK);
    assert (files_missing_stats (parent, &stats) == ERR_OK && stats.total == 0);
    free (blob);

    //  A node answering its child 330106's wants (rebuild): the file
    //  `digest` (held by `child` above) named only by 330108's entry.
    Lic__Event ev = LIC__EVENT__INIT;
    Lic__LicenseContent content = LIC__LICENSE_CONTENT__INIT;
    content.file_digest.data = digest;
    content.file_digest.len = 32;
    ev.op = LIC__OP__OP_ISSUE;
    ev.content = &content;
    batch = store_batch_new (child);
    files_name_event (batch, &ev, "330108");
    assert (store_write (child, batch, true) == ERR_OK);
    store_batch_destroy (&batch);
    Lic__FileWant asked = LIC__FILE_WANT__INIT;
    asked.digest.data = digest;
    asked.digest.len = 32;
    uint8_t *got = NULL;
    filelink_answer (child, "330106", &asked, &chunk, &got);
    assert (chunk.code == ERR_FORBIDDEN && chunk.data.len == 0 && chunk.total == 0 && !got);
    filelink_answer (child, "330108", &asked, &chunk, &got);
    assert (chunk.code == ERR_OK && chunk.data.len == 1000 && chunk.total == 1000);
    free (got);
    filelink_answer (child, "330100", &asked, &chunk, &got);       //  330108's city
    assert (chunk.code == ERR_OK && chunk.data.len == 1000);
    free (got);
    filelink_answer (child, NULL, &asked, &chunk, &got);           //  its parent asking
    assert (chunk.code == ERR_OK && chunk.data.len == 1000);
    free (got);
    asked.digest.data = bd;
    asked.blob = true;
    filelink_answer (child, "330106", &asked, &chunk, &got);       //  a blob: any child
    assert (chunk.code == ERR_OK && chunk.data.len == 100000);
    free (got);

    store_destroy (&parent);
    store_destroy (&child);
    nftw (s_dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
    printf ("filelink: OK\n");
    return 0;
}
