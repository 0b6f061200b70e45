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

//  The first file wanted from division after cursor (wrapping once).
static bool
s_next_wanted (filelink_t *fl, store_t *store, const char *division, uint8_t digest [FILES_DIGEST])
{
    for (int pass = 0; pass < 2; pass++) {
        s_pick_t p = { .division = division };
        if (files_wanted (store, pass == 0 && fl->has_cursor? fl->cursor: NULL, s_pick, &p) != ERR_OK)
            return false;
        if (p.found) {
            memcpy (digest, p.digest, FILES_DIGEST);
            return true;
        }
        if (!fl->has_cursor)
            break;
    }
    return false;
}

bool
filelink_next (filelink_t *fl, store_t *store, const char *division, int64_t now,
               Lic__FileWant *want)
{
    if (now < fl->idle_until)
        return false;
    if (fl->busy && now - fl->sent_at < FILELINK_TIMEOUT_MS)
        return false;
    if (!fl->busy && fl->cont) {
        files_info_t info;
        int rc = files_info (store, fl->digest, &info);
        if (rc == ERR_OK && !info.present)
            fl->offset = info.received;     //  where the store stands
        else
            fl->cont = false;               //  arrived otherwise, or dropped: scan again
    }
    if (!fl->busy && !fl->cont) {
        uint8_t digest [FILES_DIGEST];
        //  A few at most: a wanted key of a file that arrived meanwhile
        //  (applied in a batch built before the file was whole) is
        //  dropped here.
        for (int tries = 0; ; tries++) {
            if (tries == 8 || !s_next_wanted (fl, store, division, digest))
                return false;
            files_info_t info;
            int rc = files_info (store, digest, &info);
            if (rc == ERR_OK && info.present) {
                files_unwant (store, digest);
                continue;
            }
            memcpy (fl->digest, digest, FILES_DIGEST);
            //  Resume where the store stands (a crash, a cut link).
            fl->offset = rc == ERR_OK? info.received: 0;
            break;
        }
    }
    fl->busy = true;
    fl->sent_at = now;
    lic__file_want__init (want);
    want->digest.data = fl->digest;
    want->digest.len = FILES_DIGEST;
    want->offset = fl->offset;
    return true;
}

int
filelink_on_chunk (filelink_t *fl, store_t *store, const char *division,
                   const Lic__FileChunk *chunk, int64_t now, char *why, size_t why_size)
{
    if (!fl->busy || chunk->digest.len != FILES_DIGEST
    ||  memcmp (chunk->digest.data, fl->digest, FILES_DIGEST) != 0 || chunk->offset != fl->offset) {
        err_why (why, why_size, "a file chunk nobody asked for");
        return ERR_MALFORMED;
    }
    fl->busy = false;
    fl->cont = false;
    memcpy (fl->cursor, fl->digest, FILES_DIGEST);
    if (chunk->code != ERR_OK) {
        //  Not whole at the child yet (it fetches it from below): the
        //  next file, and this one again after the others.
        fl->has_cursor = true;
        fl->idle_until = now + FILELINK_BACKOFF_MS;
        err_why (why, why_size, "child %s does not hold the file yet (%s)", division,
                 err_str (chunk->code));
        return chunk->code;
    }
    files_info_t info;
    int rc = files_put (store, fl->digest, chunk->offset, chunk->total, chunk->data.data,
                        chunk->data.len, (int64_t) time (NULL), &info, why, why_size);
    if (rc == ERR_OK) {
        fl->bytes += chunk->data.len;
        if (info.present) {
            fl->files++;
            fl->has_cursor = true;          //  round robin over the wanted files
        }
        else
            fl->cont = true;                //  the same file goes on
    }
    else {
        fl->refused++;
        fl->has_cursor = true;
        fl->idle_until = now + FILELINK_BACKOFF_MS;
    }
    return rc;
}

void
filelink_answer (store_t *store, const Lic__FileWant *want, Lic__FileChunk *chunk, uint8_t **data)
{
    lic__file_chunk__init (chunk);
    *data = NULL;
    chunk->digest = want->digest;
    chunk->offset = want->offset;
    if (want->digest.len != FILES_DIGEST || want->offset % FILES_CHUNK) {
        chunk->code = ERR_BAD_FIELD;
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
