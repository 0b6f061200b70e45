/*  filelink.c -- files on the replication link (see filelink.h).  */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "node/links/filelink.h"

typedef struct {
    const char *division;
    bool found;
    uint8_t digest [FILES_DIGEST];
} s_pick_t;

static bool
s_pick (void *arg, const uint8_t digest [FILES_DIGEST], const char *via, const char *origin)
{
    s_pick_t *p = (s_pick_t *) arg;
    if (strcmp (via, p->division) != 0)
        return true;
    memcpy (p->digest, digest, FILES_DIGEST);
    p->found = true;
    return false;
}

//  The first file (or blob) wanted from division after the cursor
//  (wrapping once).
static bool
s_next_wanted (store_t *store, bool blobs, bool has_cursor, const uint8_t *cursor,
               const char *division, uint8_t digest [FILES_DIGEST])
{
    for (int pass = 0; pass < 2; pass++) {
        s_pick_t p = { .division = division };
        const uint8_t *after = pass == 0 && has_cursor? cursor: NULL;
        int rc = blobs? files_blobs_wanted (store, after, s_pick, &p)
                      : files_wanted (store, after, s_pick, &p);
        if (rc != ERR_OK)
            return false;
        if (p.found) {
            memcpy (digest, p.digest, FILES_DIGEST);
            return true;
        }
        if (!has_cursor)
            break;
    }
    return false;
}

//  Picks the next file (or else blob) wanted from division that is not
//  held; a held one's wanted key (applied in a batch built before it
//  arrived) is dropped.  A few tries at most.
static bool
s_pick_next (filelink_t *fl, store_t *store, const char *division)
{
    uint8_t digest [FILES_DIGEST];
    for (int tries = 0; tries < 8; tries++) {
        if (!s_next_wanted (store, false, fl->has_cursor, fl->cursor, division, digest))
            break;
        files_info_t info;
        int rc = files_info (store, digest, &info);
        if (rc == ERR_OK && info.present) {
            files_unwant (store, digest);
            continue;
        }
        memcpy (fl->digest, digest, FILES_DIGEST);
        fl->blob = false;
        //  Resume where the store stands (a crash, a cut link).
        fl->offset = fl->next = rc == ERR_OK? info.received: 0;
        fl->total = rc == ERR_OK? info.total: 0;
        return true;
    }
    for (int tries = 0; tries < 8; tries++) {
        if (!s_next_wanted (store, true, fl->has_blob_cursor, fl->blob_cursor, division, digest))
            return false;
        if (files_blob_held (store, digest)) {
            files_unwant_blob (store, digest);
            continue;
        }
        memcpy (fl->digest, digest, FILES_DIGEST);
        fl->blob = true;
        fl->offset = fl->next = fl->total = 0;
        return true;
    }
    return false;
}

void
filelink_reset (filelink_t *fl)
{
    fl->busy = false;
    fl->inflight = 0;
}

//  Ends the file (or blob) in hand: the next scan starts after it.
static void
s_done (filelink_t *fl)
{
    if (fl->blob) {
        memcpy (fl->blob_cursor, fl->digest, FILES_DIGEST);
        fl->has_blob_cursor = true;
    }
    else {
        memcpy (fl->cursor, fl->digest, FILES_DIGEST);
        fl->has_cursor = true;
    }
    filelink_reset (fl);
}

bool
filelink_next (filelink_t *fl, store_t *store, const char *division, int64_t now,
               int window, Lic__FileWant *want)
{
    if (window < 1 || window > FILELINK_WINDOW)
        window = window < 1? 1: FILELINK_WINDOW;
    if (now < fl->idle_until)
        return false;
    if (fl->busy && fl->inflight > 0 && now - fl->sent_at >= FILELINK_TIMEOUT_MS) {
        //  Nothing came back: ask again from what the store holds.
        files_info_t info;
        fl->inflight = 0;
        if (!fl->blob)
            fl->offset = fl->next = files_info (store, fl->digest, &info) == ERR_OK
                                    && !info.present? info.received: 0;
    }
    if (!fl->busy) {
        if (!s_pick_next (fl, store, division))
            return false;
        fl->busy = true;
        fl->inflight = 0;
    }
    if (fl->blob? fl->inflight > 0
                : fl->inflight >= window
               || (fl->total == 0 && fl->inflight > 0)      //  its size not known yet
               || (fl->total && fl->next >= fl->total))
        return false;
    lic__file_want__init (want);
    want->digest.data = fl->digest;
    want->digest.len = FILES_DIGEST;
    want->offset = fl->next;
    want->blob = fl->blob;
    fl->next += FILES_CHUNK;
    fl->inflight++;
    fl->sent_at = now;
    return true;
}

//  A blob, whole.
static int
s_on_blob (filelink_t *fl, store_t *store, const char *division, const Lic__FileChunk *chunk,
           int64_t now, char *why, size_t why_size)
{
    int rc = chunk->code;
    if (rc == ERR_OK && (!chunk->blob || chunk->offset != 0 || chunk->total != chunk->data.len)) {
        err_why (why, why_size, "a blob comes whole, in one chunk");
        rc = ERR_MALFORMED;
    }
    else
    if (rc == ERR_OK)
        rc = files_put_blob (store, fl->digest, chunk->data.data, chunk->data.len, why, why_size);
    else
        err_why (why, why_size, "child %s does not hold the blob yet (%s)", division, err_str (rc));
    if (rc == ERR_OK) {
        fl->files++;
        fl->bytes += chunk->data.len;
    }
    else {
        if (rc != ERR_NOT_FOUND)
            fl->refused++;
        fl->idle_until = now + FILELINK_BACKOFF_MS;
    }
    s_done (fl);
    return rc;
}

int
filelink_on_chunk (filelink_t *fl, store_t *store, const char *division,
                   const Lic__FileChunk *chunk, int64_t now, char *why, size_t why_size)
{
    if (!fl->busy || fl->inflight == 0 || chunk->digest.len != FILES_DIGEST
    ||  memcmp (chunk->digest.data, fl->digest, FILES_DIGEST) != 0
    ||  chunk->offset != fl->offset || chunk->blob != fl->blob) {
        err_why (why, why_size, "a file chunk nobody asked for, or out of its order");
        return ERR_MALFORMED;
    }
    fl->inflight--;
    if (fl->blob)
        return s_on_blob (fl, store, division, chunk, now, why, why_size);
    if (chunk->code != ERR_OK) {
        //  Not whole at the child yet (it fetches it from below): the
        //  next file at once, and this one again after the others; once
        //  a whole round of them missed, a pause.
        if (fl->has_miss && memcmp (fl->first_miss, fl->digest, FILES_DIGEST) == 0) {
            fl->idle_until = now + FILELINK_BACKOFF_MS;
            fl->has_miss = false;
        }
        else
        if (!fl->has_miss) {
            memcpy (fl->first_miss, fl->digest, FILES_DIGEST);
            fl->has_miss = true;
        }
        s_done (fl);
        err_why (why, why_size, "child %s does not hold the file yet (%s)", division,
                 err_str (chunk->code));
        return chunk->code;
    }
    files_info_t info;
    int rc = files_put (store, fl->digest, chunk->offset, chunk->total, chunk->data.data,
                        chunk->data.len, (int64_t) time (NULL), &info, why, why_size);
    if ((rc == ERR_BAD_FIELD || rc == ERR_GAP) && chunk->offset > 0) {
        //  What is staged here does not continue into this chunk (an
        //  upload of the same digest that announced another size, or
        //  moved meanwhile): this file again from its first byte, which
        //  drops the staged chunks (files_put at offset 0).
        fl->offset = fl->next = fl->total = 0;
        fl->inflight = 0;
        return rc;
    }
    if (rc != ERR_OK) {
        fl->refused++;
        fl->idle_until = now + FILELINK_BACKOFF_MS;
        s_done (fl);
        return rc;
    }
    fl->bytes += chunk->data.len;
    fl->has_miss = false;
    fl->offset = info.received;
    fl->total = chunk->total;
    if (info.present) {
        fl->files++;
        s_done (fl);                //  round robin over the wanted files
    }
    return ERR_OK;
}

void
filelink_answer (store_t *store, const char *child, const Lic__FileWant *want,
                 Lic__FileChunk *chunk, uint8_t **data)
{
    lic__file_chunk__init (chunk);
    *data = NULL;
    chunk->digest = want->digest;
    chunk->offset = want->offset;
    chunk->blob = want->blob;
    if (want->blob) {
        size_t len = 0;
        int rc = want->digest.len == FILES_DIGEST && want->offset == 0
               ? store_get (store, STORE_CF_BLOB, want->digest.data, FILES_DIGEST, data, &len)
               : ERR_BAD_FIELD;
        if (rc == ERR_OK && len > FILES_BLOB_MAX)
            rc = ERR_TOO_LARGE;
        if (rc != ERR_OK) {
            free (*data);
            *data = NULL;
            chunk->code = rc;
            return;
        }
        chunk->total = len;
        chunk->data.data = *data;
        chunk->data.len = len;
        return;
    }
    if (want->digest.len != FILES_DIGEST || want->offset % FILES_CHUNK) {
        chunk->code = ERR_BAD_FIELD;
        return;
    }
    //  A child reads back only the files of its own subtree.
    if (child && files_child_may_read (store, want->digest.data, child, NULL, 0) != ERR_OK) {
        chunk->code = ERR_FORBIDDEN;
        return;
    }
    size_t len = 0;
    uint64_t total = 0;
    int rc = files_read (store, want->digest.data, want->offset, FILES_CHUNK, data, &len, &total);
    if (rc != ERR_OK) {
        chunk->code = rc;
        return;
    }
    chunk->total = total;
    chunk->data.data = *data;
    chunk->data.len = len;
}
