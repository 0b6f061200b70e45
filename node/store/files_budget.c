/*  files_budget.c -- a department's budget of unreferenced files (see
    files.h, files_put_by; proto/README.md section 12).

    Keys in the `file` family (proto/FORMAT.md family 17):
      'U' department 0x00 digest -> bytes charged (u64 BE): a file the
                                    department started to put at offset 0
      'D' department             -> the sum of its charges (u64 BE) ‖ unix
                                    seconds of its last sweep (u64 BE)
    Both are written only from the thread that serves the client socket
    (a put, a sweep), each change of a charge with the sum in one batch,
    so the sum is the charges' (it may count files an entry has named
    since: the sweep, run when a put would go over, drops those).  The
    entries that release a charge write only the names index ('N',
    files_name_event), in the sequencer's batches: nothing here is read
    and written by two threads.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "node/store/files_int.h"
#include "proto/seal.h"

#define S_SWEEP_KEYS 1000           //  deletes per batch of a sweep

//  'D' department; 0 if the name is empty or too long.
static size_t
s_dept_key (uint8_t key [FILES_INT_KEY], const char *department)
{
    size_t dl = strlen (department);
    if (dl == 0 || dl > FILES_DEPARTMENT_MAX || memchr (department, 0, dl))
        return 0;
    key [0] = 'D';
    memcpy (key + 1, department, dl);
    return 1 + dl;
}

//  'U' department 0x00 [digest]: the prefix of its charges (digest NULL)
//  or one charge.
static size_t
s_charge_key (uint8_t key [FILES_INT_KEY], const char *department, const uint8_t *digest)
{
    size_t dl = strlen (department);
    key [0] = 'U';
    memcpy (key + 1, department, dl);
    key [1 + dl] = 0;
    if (digest)
        memcpy (key + 2 + dl, digest, FILES_DIGEST);
    return 2 + dl + (digest? FILES_DIGEST: 0);
}

static uint64_t
s_charge_of (uint64_t total)
{
    return total < FILES_CHUNK? FILES_CHUNK: total;
}

//  A u64 value at key (0 if absent); the second u64 of a 16-byte one
//  into *second if not NULL.  ERR_OK or the store's code.
static int
s_get_u64 (store_t *store, const uint8_t *key, size_t kl, uint64_t *first, uint64_t *second)
{
    uint8_t *v = NULL;
    size_t vl = 0;
    *first = 0;
    if (second)
        *second = 0;
    int rc = store_get (store, STORE_CF_FILE, key, kl, &v, &vl);
    if (rc == ERR_NOT_FOUND)
        return ERR_OK;
    if (rc == ERR_OK && vl >= 8) {
        *first = store_get_u64 (v);
        if (second && vl >= 16)
            *second = store_get_u64 (v + 8);
    }
    free (v);
    return rc;
}

//  Releases the department's charges of files an entry names, or that
//  are neither held nor being uploaded (an upload refused for its
//  digest dropped them); the sum is written again with `now` as the
//  sweep's time.  ERR_OK with *bytes and *files what stays charged.
static int
s_sweep (store_t *store, const char *department, int64_t now, uint64_t *bytes, uint64_t *files)
{
    uint8_t prefix [FILES_INT_KEY], dkey [FILES_INT_KEY], val [16];
    size_t pl = s_charge_key (prefix, department, NULL), dl = s_dept_key (dkey, department);
    *bytes = *files = 0;
    store_batch_t *batch = store_batch_new (store);
    store_iter_t *it = batch? store_iter_new (store, STORE_CF_FILE, prefix, pl, NULL, 0): NULL;
    int rc = it? ERR_OK: ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, &v, &vl)) {
        files_info_t info;
        const uint8_t *digest = k + pl;
        bool whole = kl == pl + FILES_DIGEST && vl == 8;
        if (whole && !files_named (store, digest)
        &&  files_info (store, digest, &info) != ERR_NOT_FOUND) {
            *bytes += store_get_u64 (v);    //  held or being uploaded (or unreadable: kept)
            (*files)++;
            continue;
        }
        store_batch_delete (batch, STORE_CF_FILE, k, kl);
        if (store_batch_count (batch) >= S_SWEEP_KEYS) {
            rc = store_write_aside (store, batch, false);
            store_batch_clear (batch);
        }
    }
    store_iter_destroy (&it);
    if (rc == ERR_OK) {
        store_put_u64 (val, *bytes);
        store_put_u64 (val + 8, (uint64_t) now);
        store_batch_put (batch, STORE_CF_FILE, dkey, dl, val, sizeof val);
        rc = store_write_aside (store, batch, false);
    }
    store_batch_destroy (&batch);
    return rc;
}

int
files_budget_used (store_t *store, const char *department, int64_t now, uint64_t *bytes,
                   uint64_t *files)
{
    uint8_t dkey [FILES_INT_KEY];
    *bytes = *files = 0;
    if (!department || !s_dept_key (dkey, department))
        return ERR_OK;
    return s_sweep (store, department, now, bytes, files);
}

int
files_put_by (store_t *store, const char *department, uint64_t budget,
              const uint8_t digest [FILES_DIGEST], uint64_t offset, uint64_t total,
              const uint8_t *data, size_t len, int64_t now, files_info_t *info,
              char *why, size_t why_size)
{
    files_int_charge_t charge;
    uint8_t *dkey = charge.key [0], *ukey = charge.key [1];
    if (!department || offset != 0 || total == 0 || total > FILES_MAX
    ||  files_held (store, digest))
        return files_int_put (store, digest, offset, total, data, len, now, info, NULL,
                              why, why_size);
    memset (info, 0, sizeof *info);
    charge.key_len [0] = s_dept_key (dkey, department);
    if (charge.key_len [0] == 0) {
        err_why (why, why_size, "a department's name is 1 to %d bytes", FILES_DEPARTMENT_MAX);
        return ERR_BAD_FIELD;
    }
    charge.key_len [1] = s_charge_key (ukey, department, digest);
    uint64_t used = 0, swept_at = 0, mine = 0, files = 0, cost = s_charge_of (total);
    int rc = s_get_u64 (store, dkey, charge.key_len [0], &used, &swept_at);
    if (rc == ERR_OK)
        rc = s_get_u64 (store, ukey, charge.key_len [1], &mine, NULL);
    //  The same upload started again replaces its own charge.
    uint64_t rest = used > mine? used - mine: 0;
    if (rc == ERR_OK && (rest > budget || cost > budget - rest) && (uint64_t) now != swept_at) {
        //  Over by the sum: make it exact (at most once a second).
        rc = s_sweep (store, department, now, &used, &files);
        swept_at = (uint64_t) now;
        if (rc == ERR_OK)
            rc = s_get_u64 (store, ukey, charge.key_len [1], &mine, NULL);
        rest = used > mine? used - mine: 0;
    }
    if (rc != ERR_OK) {
        err_why (why, why_size, "the department's file budget could not be read: %s",
                 err_str (rc));
        return rc;
    }
    if (rest > budget || cost > budget - rest) {
        err_why (why, why_size, "department %s has %" PRIu64 " bytes of files no event names "
                 "yet; this file's %" PRIu64 " would take it over its budget of %" PRIu64
                 " (file_budget_mb): publish the events that name its files (a file counts at "
                 "least %u bytes; judged again at most once a second)", department, rest,
                 cost, budget, FILES_CHUNK);
        return ERR_FILE_BUDGET;
    }
    store_put_u64 (charge.val [0], rest + cost);
    store_put_u64 (charge.val [0] + 8, swept_at);
    charge.val_len [0] = 16;
    store_put_u64 (charge.val [1], cost);
    charge.val_len [1] = 8;
    return files_int_put (store, digest, offset, total, data, len, now, info, &charge,
                          why, why_size);
}
