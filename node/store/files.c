/*  files.c -- license files in the `file` column family (see files.h).

    Keys (proto/FORMAT.md, "Files"):
      'F' digest                -> total (u64 BE) ‖ at (u64 BE): held, verified
      'C' digest index (u32 BE) -> the chunk's bytes (FILES_CHUNK, the last shorter)
      'P' digest                -> total (u64 BE) ‖ received (u64 BE): an upload
      'W' digest                -> via division 0x00 origin division: wanted
      'N' digest origin         -> "": an applied entry of origin names it
      'U', 'D'                  -> a department's charges (files_budget.c)
    Chunks are stored under their final keys as they arrive; they count
    only once 'F' is written, so a reader never sees an unverified byte.
*/
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "node/store/files_int.h"
#include "proto/authority.h"
#include "proto/seal.h"

#define S_KEY (1 + FILES_DIGEST + 4)

static size_t
s_key (uint8_t key [S_KEY], char tag, const uint8_t digest [FILES_DIGEST])
{
    key [0] = (uint8_t) tag;
    memcpy (key + 1, digest, FILES_DIGEST);
    return 1 + FILES_DIGEST;
}

static size_t
s_chunk_key (uint8_t key [S_KEY], const uint8_t digest [FILES_DIGEST], uint32_t index)
{
    s_key (key, 'C', digest);
    store_put_u32 (key + 1 + FILES_DIGEST, index);
    return S_KEY;
}

static uint64_t
s_chunks (uint64_t total)
{
    return (total + FILES_CHUNK - 1) / FILES_CHUNK;
}

int
files_info (store_t *store, const uint8_t digest [FILES_DIGEST], files_info_t *info)
{
    uint8_t key [S_KEY], *v = NULL;
    size_t vl = 0;
    memset (info, 0, sizeof *info);
    int rc = store_get (store, STORE_CF_FILE, key, s_key (key, 'F', digest), &v, &vl);
    if (rc == ERR_OK) {
        if (vl != 16)
            rc = ERR_CORRUPT;
        else {
            info->present = true;
            info->total = info->received = store_get_u64 (v);
            info->at = (int64_t) store_get_u64 (v + 8);
        }
        free (v);
        return rc;
    }
    if (rc != ERR_NOT_FOUND)
        return rc;
    rc = store_get (store, STORE_CF_FILE, key, s_key (key, 'P', digest), &v, &vl);
    if (rc == ERR_OK) {
        if (vl != 16)
            rc = ERR_CORRUPT;
        else {
            info->total = store_get_u64 (v);
            info->received = store_get_u64 (v + 8);
        }
        free (v);
    }
    return rc;
}

bool
files_held (store_t *store, const uint8_t digest [FILES_DIGEST])
{
    files_info_t info;
    return files_info (store, digest, &info) == ERR_OK && info.present;
}

//  SHA-256 of the staged chunks [0, n) into state.  ERR_OK, ERR_CORRUPT
//  (a chunk missing or of the wrong size), ERR_IO, ERR_NOMEM.
static int
s_hash_chunks (store_t *store, const uint8_t digest [FILES_DIGEST], uint64_t total, uint64_t n,
               seal_sha256_ctx_t *state)
{
    for (uint64_t i = 0; i < n; i++) {
        uint8_t key [S_KEY], *v = NULL;
        size_t vl = 0;
        int rc = store_get (store, STORE_CF_FILE, key, s_chunk_key (key, digest, (uint32_t) i), &v, &vl);
        if (rc == ERR_NOT_FOUND)
            rc = ERR_CORRUPT;
        if (rc != ERR_OK)
            return rc;
        uint64_t want = total - i * FILES_CHUNK < FILES_CHUNK? total - i * FILES_CHUNK: FILES_CHUNK;
        if (vl != want) {
            free (v);
            return ERR_CORRUPT;
        }
        seal_sha256_update (state, v, vl);
        free (v);
    }
    return ERR_OK;
}

//  The running SHA-256 of the uploads going on: the state after the
//  bytes [0, received) as they were stored, so the last chunk hashes
//  only itself instead of reading every staged chunk back (a read of the
//  whole file through RocksDB's blob reader, its CRC32C and a copy, at
//  every level: ~1/6 of a parent's CPU in the profile of bench/files).
//  In memory only, a few entries: after a restart, or for an upload
//  evicted by more uploads at once, the staged chunks are read back as
//  before.  An entry counts only if it names the same store, digest and
//  size and stands where the upload's progress ('P', which every put
//  checks first) says it does; every path that stores a chunk goes
//  through files_int_put, which keeps it in step.  What it does not
//  see: a staged chunk lost behind the node's back (a disk fault) is
//  found by `licnode check` (files_verify), no longer by the put; and a
//  store destroyed and another opened at the same address in one
//  process (tests) inherits its entries -- a node opens one.
#define S_HASHES 32
typedef struct {
    const store_t *store;           //  NULL: a free entry
    uint8_t digest [FILES_DIGEST];
    uint64_t total;
    uint64_t received;              //  the bytes state covers
    uint64_t used;                  //  last use (the oldest is evicted)
    seal_sha256_ctx_t state;
} s_hash_t;

static s_hash_t s_hashes [S_HASHES];
static uint64_t s_hash_clock;
static pthread_mutex_t s_hash_lock = PTHREAD_MUTEX_INITIALIZER;

static s_hash_t *
s_hash_entry (const store_t *store, const uint8_t digest [FILES_DIGEST])
{
    for (int i = 0; i < S_HASHES; i++)
        if (s_hashes [i].store == store && memcmp (s_hashes [i].digest, digest, FILES_DIGEST) == 0)
            return &s_hashes [i];
    return NULL;
}

//  The running state of the upload of `total` bytes standing at
//  `received`, if kept: true with *state.
static bool
s_hash_find (const store_t *store, const uint8_t digest [FILES_DIGEST], uint64_t total,
             uint64_t received, seal_sha256_ctx_t *state)
{
    pthread_mutex_lock (&s_hash_lock);
    s_hash_t *h = s_hash_entry (store, digest);
    bool found = h && h->total == total && h->received == received;
    if (found) {
        *state = h->state;
        h->used = ++s_hash_clock;
    }
    pthread_mutex_unlock (&s_hash_lock);
    return found;
}

//  Keeps state as the upload's after `received` bytes (state NULL:
//  forgets the upload).
static void
s_hash_keep (const store_t *store, const uint8_t digest [FILES_DIGEST], uint64_t total,
             uint64_t received, const seal_sha256_ctx_t *state)
{
    pthread_mutex_lock (&s_hash_lock);
    s_hash_t *h = s_hash_entry (store, digest);
    if (!state) {
        if (h)
            h->store = NULL;
    }
    else {
        for (int i = 0; !h && i < S_HASHES; i++)
            if (!s_hashes [i].store)
                h = &s_hashes [i];
        if (!h) {
            //  The table is full: the entry used longest ago goes.
            h = &s_hashes [0];
            for (int i = 1; i < S_HASHES; i++)
                if (s_hashes [i].used < h->used)
                    h = &s_hashes [i];
        }
        h->store = store;
        memcpy (h->digest, digest, FILES_DIGEST);
        h->total = total;
        h->received = received;
        h->used = ++s_hash_clock;
        h->state = *state;
    }
    pthread_mutex_unlock (&s_hash_lock);
}

static void
s_hex (char out [2 * FILES_DIGEST + 1], const uint8_t digest [FILES_DIGEST])
{
    seal_hex (out, digest, FILES_DIGEST);
}

//  Drops an upload: its progress and every chunk of it.
static void
s_drop (store_batch_t *batch, const uint8_t digest [FILES_DIGEST])
{
    uint8_t from [S_KEY], to [S_KEY], key [S_KEY];
    s_chunk_key (from, digest, 0);
    s_chunk_key (to, digest, UINT32_MAX);      //  past every index a file has
    store_batch_delete_range (batch, STORE_CF_FILE, from, S_KEY, to, S_KEY);
    store_batch_delete (batch, STORE_CF_FILE, key, s_key (key, 'P', digest));
}

int
files_put (store_t *store, const uint8_t digest [FILES_DIGEST], uint64_t offset, uint64_t total,
           const uint8_t *data, size_t len, int64_t now, files_info_t *info,
           char *why, size_t why_size)
{
    return files_int_put (store, digest, offset, total, data, len, now, info, NULL, why, why_size);
}

int
files_int_put (store_t *store, const uint8_t digest [FILES_DIGEST], uint64_t offset,
               uint64_t total, const uint8_t *data, size_t len, int64_t now,
               files_info_t *info, const files_int_charge_t *charge,
               char *why, size_t why_size)
{
    char hex [2 * FILES_DIGEST + 1];
    memset (info, 0, sizeof *info);
    if (total == 0 || total > FILES_MAX) {
        err_why (why, why_size, "a file is 1 to %u bytes; this one says %" PRIu64, FILES_MAX, total);
        return ERR_TOO_LARGE;
    }
    int rc = files_info (store, digest, info);
    if (rc != ERR_OK && rc != ERR_NOT_FOUND) {
        err_why (why, why_size, "the file's state could not be read: %s", err_str (rc));
        return rc;
    }
    if (info->present)
        return ERR_OK;              //  the same bytes are stored once
    bool staged = rc == ERR_OK, restart = offset == 0;
    if (staged && !restart && info->total != total) {
        err_why (why, why_size, "the upload of this file going on announced %" PRIu64 " bytes, "
                 "not %" PRIu64 ": start again at offset 0", info->total, total);
        return ERR_BAD_FIELD;
    }
    uint64_t at = restart? 0: info->received;
    if (offset != at) {
        err_why (why, why_size, "the upload stands at offset %" PRIu64 ", not %" PRIu64, at, offset);
        return ERR_GAP;
    }
    uint64_t want = total - offset < FILES_CHUNK? total - offset: FILES_CHUNK;
    if (len != want) {
        err_why (why, why_size, "the chunk at offset %" PRIu64 " of a %" PRIu64 "-byte file is %"
                 PRIu64 " bytes, not %zu", offset, total, want, len);
        return ERR_BAD_FIELD;
    }
    if (restart && store_room (store, total) != ERR_OK) {
        err_why (why, why_size, "no room for %" PRIu64 " bytes above the disk reserve", total);
        return ERR_NOSPACE;
    }
    uint64_t index = offset / FILES_CHUNK;
    bool last = offset + len == total;
    uint8_t got [FILES_DIGEST];
    //  The SHA-256 of the bytes so far, as they were stored: the running
    //  state kept for the upload, or else (a restart of the node since
    //  its first chunk) the staged chunks read back at the last.
    seal_sha256_ctx_t state;
    bool running = restart || s_hash_find (store, digest, total, offset, &state);
    if (restart)
        seal_sha256_init (&state);
    if (last) {
        //  The file counts only if its bytes hash to digest.
        if (!running) {
            seal_sha256_init (&state);
            rc = s_hash_chunks (store, digest, total, index, &state);
        }
        else
            rc = ERR_OK;
        if (rc != ERR_OK && rc != ERR_CORRUPT) {
            err_why (why, why_size, "the staged chunks could not be read: %s", err_str (rc));
            return rc;
        }
        seal_sha256_update (&state, data, len);
        seal_sha256_final (&state, got);
        if (rc == ERR_CORRUPT) {
            //  A staged chunk is gone or damaged: start the upload again.
            err_why (why, why_size, "a staged chunk of this file is missing or damaged: start "
                     "again at offset 0");
            rc = ERR_GAP;
        }
        else
        if (memcmp (got, digest, FILES_DIGEST) != 0) {
            s_hex (hex, got);
            err_why (why, why_size, "the file's %" PRIu64 " bytes hash to SHA-256 %s, not to "
                     "the digest named: nothing kept", total, hex);
            rc = ERR_FILE_DIGEST;
        }
        if (rc != ERR_OK) {
            s_hash_keep (store, digest, total, 0, NULL);
            store_batch_t *drop = store_batch_new (store);
            if (drop) {
                s_drop (drop, digest);
                if (store_write_aside (store, drop, true) != ERR_OK)
                    {}                  //  the next offset-0 put drops them again
            }
            store_batch_destroy (&drop);
            return rc;
        }
    }
    store_batch_t *batch = store_batch_new (store);
    if (!batch)
        return ERR_NOMEM;
    if (restart && staged)
        s_drop (batch, digest);     //  an older upload of the same digest
    for (int i = 0; restart && charge && i < 2; i++)
        store_batch_put (batch, STORE_CF_FILE, charge->key [i], charge->key_len [i],
                         charge->val [i], charge->val_len [i]);
    uint8_t key [S_KEY], val [16];
    store_batch_put (batch, STORE_CF_FILE, key, s_chunk_key (key, digest, (uint32_t) index), data, len);
    if (last) {
        store_batch_delete (batch, STORE_CF_FILE, key, s_key (key, 'P', digest));
        store_batch_delete (batch, STORE_CF_FILE, key, s_key (key, 'W', digest));
        store_put_u64 (val, total);
        store_put_u64 (val + 8, (uint64_t) now);
        store_batch_put (batch, STORE_CF_FILE, key, s_key (key, 'F', digest), val, 16);
    }
    else {
        store_put_u64 (val, total);
        store_put_u64 (val + 8, offset + len);
        store_batch_put (batch, STORE_CF_FILE, key, s_key (key, 'P', digest), val, 16);
    }
    //  Only the batch that makes the file count is synced: chunks before
    //  it go to the one WAL in order, each with the progress it makes, so
    //  whatever a crash keeps is a prefix of them and the progress never
    //  points past the chunks kept (the upload resumes from there); the
    //  synced last batch makes every earlier one durable too.
    if (running && !last)
        seal_sha256_update (&state, data, len);
    rc = store_write_aside (store, batch, last);
    store_batch_destroy (&batch);
    if (rc != ERR_OK) {
        err_why (why, why_size, "not stored: %s", err_str (rc));
        return rc;
    }
    //  In step with 'P': the state after this chunk, or nothing once the
    //  file is whole (or when the state is not known here).
    s_hash_keep (store, digest, total, offset + len, running && !last? &state: NULL);
    info->present = last;
    info->total = total;
    info->received = offset + len;
    info->at = last? now: 0;
    return ERR_OK;
}

int
files_read (store_t *store, const uint8_t digest [FILES_DIGEST], uint64_t offset, size_t max,
            uint8_t **data, size_t *len, uint64_t *total)
{
    files_info_t info;
    *data = NULL;
    *len = 0;
    int rc = files_info (store, digest, &info);
    if (rc != ERR_OK)
        return rc;
    if (!info.present)
        return ERR_NOT_FOUND;
    *total = info.total;
    if (offset > info.total)
        return ERR_BAD_FIELD;
    if (offset == info.total || max == 0)
        return ERR_OK;
    uint64_t index = offset / FILES_CHUNK, skip = offset % FILES_CHUNK;
    uint8_t key [S_KEY], *v = NULL;
    size_t vl = 0;
    rc = store_get (store, STORE_CF_FILE, key, s_chunk_key (key, digest, (uint32_t) index), &v, &vl);
    if (rc == ERR_NOT_FOUND)
        return ERR_CORRUPT;
    if (rc != ERR_OK)
        return rc;
    uint64_t want = info.total - index * FILES_CHUNK < FILES_CHUNK? info.total - index * FILES_CHUNK
                                                                  : FILES_CHUNK;
    if (vl != want) {
        free (v);
        return ERR_CORRUPT;
    }
    size_t n = vl - skip < max? vl - skip: max;
    if (skip)
        memmove (v, v + skip, n);
    *data = v;
    *len = n;
    return ERR_OK;
}

int
files_verify (store_t *store, const uint8_t digest [FILES_DIGEST], char *why, size_t why_size)
{
    files_info_t info;
    int rc = files_info (store, digest, &info);
    if (rc == ERR_OK && !info.present)
        rc = ERR_NOT_FOUND;
    if (rc != ERR_OK)
        return rc;
    seal_sha256_ctx_t state;
    seal_sha256_init (&state);
    rc = s_hash_chunks (store, digest, info.total, s_chunks (info.total), &state);
    if (rc != ERR_OK) {
        err_why (why, why_size, "a chunk is missing or of the wrong size");
        return rc;
    }
    uint8_t got [FILES_DIGEST];
    seal_sha256_final (&state, got);
    if (memcmp (got, digest, FILES_DIGEST) != 0) {
        char hex [2 * FILES_DIGEST + 1];
        s_hex (hex, got);
        err_why (why, why_size, "its bytes hash to %s", hex);
        return ERR_FILE_DIGEST;
    }
    return ERR_OK;
}

int
files_each (store_t *store, files_each_fn *fn, void *arg)
{
    store_iter_t *it = store_iter_new (store, STORE_CF_FILE, "F", 1, NULL, 0);
    if (!it)
        return ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (store_iter_next (it, &k, &kl, &v, &vl))
        if (kl == 1 + FILES_DIGEST && vl == 16 && !fn (arg, k + 1, store_get_u64 (v)))
            break;
    store_iter_destroy (&it);
    return ERR_OK;
}

void
files_want (store_t *store, store_batch_t *batch, const uint8_t digest [FILES_DIGEST],
            const char *via, const char *origin)
{
    if (files_held (store, digest))
        return;
    char val [64];
    size_t vl = (size_t) snprintf (val, sizeof val, "%.20s%c%.20s", via, 0, origin);
    uint8_t key [S_KEY];
    store_batch_put (batch, STORE_CF_FILE, key, s_key (key, 'W', digest), val, vl);
}

//  The digest an event's content names, or NULL.
static const uint8_t *
s_event_digest (const Lic__Event *ev)
{
    if (!ev || !ev->content || (ev->op != LIC__OP__OP_ISSUE && ev->op != LIC__OP__OP_ALTER)
    ||  ev->content->file_digest.len != FILES_DIGEST)
        return NULL;
    return ev->content->file_digest.data;
}

int
files_check_event (store_t *store, const Lic__Event *ev, char *why, size_t why_size)
{
    const uint8_t *digest = s_event_digest (ev);
    if (!digest)
        return ERR_OK;
    files_info_t info;
    int rc = files_info (store, digest, &info);
    if (rc == ERR_OK && info.present)
        return ERR_OK;
    char hex [2 * FILES_DIGEST + 1];
    s_hex (hex, digest);
    if (rc != ERR_OK && rc != ERR_NOT_FOUND) {
        err_why (why, why_size, "the state of file %s could not be read", hex);
        return rc;
    }
    if (rc == ERR_OK)
        err_why (why, why_size, "the license file %s is not here yet: %" PRIu64 " of its %"
                 PRIu64 " bytes were put; put the rest, then publish", hex, info.received, info.total);
    else
        err_why (why, why_size, "the license file %s is not held by this node: put the file "
                 "(licctl file put), then publish", hex);
    return ERR_NO_FILE;
}

//  Key of the names index: 'N' digest origin.
#define S_NKEY (1 + FILES_DIGEST + 16)

void
files_name_event (store_batch_t *batch, const Lic__Event *ev, const char *origin)
{
    const uint8_t *digest = s_event_digest (ev);
    size_t ol = origin? strlen (origin): 0;
    if (!digest || ol == 0 || ol > S_NKEY - 1 - FILES_DIGEST)
        return;                     //  a division is 6 digits: never longer
    uint8_t key [S_NKEY];
    s_key (key, 'N', digest);
    memcpy (key + 1 + FILES_DIGEST, origin, ol);
    store_batch_put (batch, STORE_CF_FILE, key, 1 + FILES_DIGEST + ol, "", 0);
}

//  Calls fn for each origin naming the file until it returns true.
//  ERR_OK (*found: fn returned true), ERR_NOMEM.
typedef bool (s_origin_fn) (void *arg, const char *origin);
static int
s_origins (store_t *store, const uint8_t digest [FILES_DIGEST], s_origin_fn *fn, void *arg,
           bool *found)
{
    uint8_t prefix [S_KEY];
    *found = false;
    store_iter_t *it = store_iter_new (store, STORE_CF_FILE, prefix, s_key (prefix, 'N', digest),
                                       NULL, 0);
    if (!it)
        return ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (!*found && store_iter_next (it, &k, &kl, &v, &vl)) {
        char origin [S_NKEY];
        size_t ol = kl - 1 - FILES_DIGEST;
        if (kl <= 1 + FILES_DIGEST || ol >= sizeof origin)
            continue;
        memcpy (origin, k + 1 + FILES_DIGEST, ol);
        origin [ol] = 0;
        *found = fn (arg, origin);
    }
    store_iter_destroy (&it);
    return ERR_OK;
}

static bool
s_any (void *arg, const char *origin)
{
    (void) arg; (void) origin;
    return true;
}

bool
files_named (store_t *store, const uint8_t digest [FILES_DIGEST])
{
    bool found = false;
    return s_origins (store, digest, s_any, NULL, &found) == ERR_OK && found;
}

//  The rule of division: authority_origin, the one that says which
//  origins a child may bring up, says which files it may read back.
static bool
s_of_child (void *arg, const char *origin)
{
    return authority_origin ((const char *) arg, origin, NULL, 0) == ERR_OK;
}

int
files_child_may_read (store_t *store, const uint8_t digest [FILES_DIGEST], const char *child,
                      char *why, size_t why_size)
{
    bool found = false;
    int rc = s_origins (store, digest, s_of_child, (void *) child, &found);
    if (rc != ERR_OK) {
        err_why (why, why_size, "the names index could not be read: %s", err_str (rc));
        return rc;
    }
    if (found)
        return ERR_OK;
    char hex [2 * FILES_DIGEST + 1];
    s_hex (hex, digest);
    err_why (why, why_size, "no entry of %s or of a division below it names file %s here: a "
             "child reads back only its own subtree's license files", child? child: "(none)", hex);
    return ERR_FORBIDDEN;
}

void
files_want_event (store_t *store, store_batch_t *batch, const Lic__Event *ev,
                  const char *via, const char *origin)
{
    const uint8_t *digest = s_event_digest (ev);
    if (digest)
        files_want (store, batch, digest, via, origin);
}

static void
s_unwant (store_t *store, char tag, const uint8_t digest [FILES_DIGEST])
{
    store_batch_t *batch = store_batch_new (store);
    if (!batch)
        return;
    uint8_t key [S_KEY];
    store_batch_delete (batch, STORE_CF_FILE, key, s_key (key, tag, digest));
    if (store_write_aside (store, batch, false) != ERR_OK)
        {}                          //  dropped again at the next pick
    store_batch_destroy (&batch);
}

void
files_unwant (store_t *store, const uint8_t digest [FILES_DIGEST])
{
    s_unwant (store, 'W', digest);
}

void
files_unwant_blob (store_t *store, const uint8_t digest [FILES_DIGEST])
{
    s_unwant (store, 'V', digest);
}

static int s_wanted (store_t *store, char tag, const uint8_t *after, files_wanted_fn *fn,
                     void *arg);

static void
s_count (files_count_t *v, size_t *n, const char *division)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp (v [i].division, division) == 0) {
            v [i].files++;
            return;
        }
    if (*n < FILES_STATS_MAX) {
        snprintf (v [*n].division, sizeof v [*n].division, "%s", division);
        v [(*n)++].files = 1;
    }
}

typedef struct {
    store_t *store;
    files_stats_t *stats;
    uint64_t seen;
    bool blobs;                 //  scanning the blobs' index
} s_stats_t;

static bool
s_stat (void *arg, const uint8_t digest [FILES_DIGEST], const char *via, const char *origin)
{
    s_stats_t *s = (s_stats_t *) arg;
    if (++s->seen > FILES_STATS_SCAN) {
        s->stats->partial = true;
        return false;
    }
    if (s->blobs? files_blob_held (s->store, digest): files_held (s->store, digest))
        return true;                //  arrived; its wanted key is dropped at the next pick
    s->stats->total++;
    s_count (s->stats->via, &s->stats->n_via, via);
    s_count (s->stats->origin, &s->stats->n_origin, origin);
    return true;
}

int
files_missing_stats (store_t *store, files_stats_t *stats)
{
    memset (stats, 0, sizeof *stats);
    s_stats_t s = { store, stats, 0, false };
    int rc = s_wanted (store, 'W', NULL, s_stat, &s);
    s.blobs = true;
    if (rc == ERR_OK && !stats->partial)
        rc = s_wanted (store, 'V', NULL, s_stat, &s);
    return rc;
}

//  The wanted index of tag ('W' files, 'V' blobs) from after (excluded).
static int
s_wanted (store_t *store, char tag, const uint8_t *after, files_wanted_fn *fn, void *arg)
{
    uint8_t from [S_KEY + 1];
    size_t fl = 0;
    char prefix [1] = { tag };
    if (after) {
        fl = s_key (from, tag, after);
        from [fl++] = 0;            //  just past `after`
    }
    store_iter_t *it = store_iter_new (store, STORE_CF_FILE, prefix, 1, fl? from: NULL, fl);
    if (!it)
        return ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (store_iter_next (it, &k, &kl, &v, &vl)) {
        char via [32] = "", origin [32] = "";
        const uint8_t *z = memchr (v, 0, vl);
        if (kl != 1 + FILES_DIGEST || !z || (size_t) (z - v) >= sizeof via
        ||  vl - (size_t) (z - v) - 1 >= sizeof origin)
            continue;
        memcpy (via, v, (size_t) (z - v));
        memcpy (origin, z + 1, vl - (size_t) (z - v) - 1);
        if (!fn (arg, k + 1, via, origin))
            break;
    }
    store_iter_destroy (&it);
    return ERR_OK;
}

int
files_wanted (store_t *store, const uint8_t *after, files_wanted_fn *fn, void *arg)
{
    return s_wanted (store, 'W', after, fn, arg);
}

int
files_blobs_wanted (store_t *store, const uint8_t *after, files_wanted_fn *fn, void *arg)
{
    return s_wanted (store, 'V', after, fn, arg);
}

bool
files_blob_held (store_t *store, const uint8_t digest [FILES_DIGEST])
{
    uint8_t *v = NULL;
    size_t vl = 0;
    int rc = store_get (store, STORE_CF_BLOB, digest, FILES_DIGEST, &v, &vl);
    free (v);
    return rc == ERR_OK;
}

//  The blobs a type names: template, sample, seal (those of 32 bytes).
static size_t
s_type_blobs (const Lic__LicenseType *t, const uint8_t *out [3])
{
    const ProtobufCBinaryData *d [3] = { &t->template_digest, &t->sample_digest, &t->seal_digest };
    size_t n = 0;
    for (int i = 0; i < 3; i++)
        if (d [i]->len == FILES_DIGEST)
            out [n++] = d [i]->data;
    return n;
}

int
files_check_type (store_t *store, const Lic__LicenseType *t, char *why, size_t why_size)
{
    static const char *names [3] = { "template", "sample", "seal" };
    const ProtobufCBinaryData *d [3] = { &t->template_digest, &t->sample_digest, &t->seal_digest };
    for (int i = 0; i < 3; i++)
        if (d [i]->len == FILES_DIGEST && !files_blob_held (store, d [i]->data)) {
            char hex [2 * FILES_DIGEST + 1];
            s_hex (hex, d [i]->data);
            err_why (why, why_size, "the type's %s names blob %s, which this node does not hold: "
                     "put it first (licctl blob put)", names [i], hex);
            return ERR_NO_FILE;
        }
    return ERR_OK;
}

void
files_want_type (store_t *store, store_batch_t *batch, const Lic__LicenseType *t,
                 const char *via, const char *origin)
{
    const uint8_t *blobs [3];
    size_t n = s_type_blobs (t, blobs);
    for (size_t i = 0; i < n; i++) {
        if (files_blob_held (store, blobs [i]))
            continue;
        char val [64];
        size_t vl = (size_t) snprintf (val, sizeof val, "%.20s%c%.20s", via, 0, origin);
        uint8_t key [S_KEY];
        store_batch_put (batch, STORE_CF_FILE, key, s_key (key, 'V', blobs [i]), val, vl);
    }
}

int
files_put_blob (store_t *store, const uint8_t digest [FILES_DIGEST], const uint8_t *data,
                size_t len, char *why, size_t why_size)
{
    if (len > FILES_BLOB_MAX) {
        err_why (why, why_size, "a blob of %zu bytes is over the %u-byte limit", len, FILES_BLOB_MAX);
        return ERR_TOO_LARGE;
    }
    uint8_t got [FILES_DIGEST];
    seal_hash (got, data, len, NULL, 0);
    if (memcmp (got, digest, FILES_DIGEST) != 0) {
        err_why (why, why_size, "the blob's %zu bytes do not hash to the digest named", len);
        return ERR_FILE_DIGEST;
    }
    store_batch_t *batch = store_batch_new (store);
    if (!batch)
        return ERR_NOMEM;
    uint8_t key [S_KEY];
    store_batch_put (batch, STORE_CF_BLOB, digest, FILES_DIGEST, data, len);
    store_batch_delete (batch, STORE_CF_FILE, key, s_key (key, 'V', digest));
    int rc = store_write_aside (store, batch, true);
    store_batch_destroy (&batch);
    if (rc != ERR_OK)
        err_why (why, why_size, "the blob was not stored: %s", err_str (rc));
    return rc;
}

int
files_gc_check (store_t *store, uint64_t floor, store_blob_t *blob, bool *started)
{
    store_blob_t b;
    store_blob_stats (store, STORE_CF_FILE, &b);
    if (blob)
        *blob = b;
    *started = false;
    uint64_t bound = b.bytes / FILES_GC_SHARE > floor? b.bytes / FILES_GC_SHARE: floor;
    if (b.garbage <= bound || store_failed (store))
        return ERR_OK;              //  a pass running or paced: store_blob_gc_start says so
    int rc = store_blob_gc_start (store, STORE_CF_FILE);
    *started = rc == ERR_OK;
    return rc == ERR_BUSY? ERR_OK: rc;
}
