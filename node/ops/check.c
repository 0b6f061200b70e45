/*  check.c -- replay-and-compare consistency check (see check.h).  */
#include <czmq.h>
#include <ftw.h>
#include "node/ops/check.h"
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "node/common/progress.h"
#include "proto/seal.h"
#include "node/store/files.h"
#include "node/store/views.h"

static const store_cf_t s_compared [] = {
    STORE_CF_LICENSE, STORE_CF_HOLDER, STORE_CF_HISTORY,
    STORE_CF_REGISTRY, STORE_CF_ORIGIN, STORE_CF_CATALOGUE, STORE_CF_AUDIT, STORE_CF_SUCCESSOR
};
static const char *s_names [] = { "license", "holder", "history", "registry", "origin",
                                  "catalogue", "audit", "successor" };

//  Replays one entry into the scratch views.  Returns ERR_OK or why not.
static int
s_replay (views_t *views, store_batch_t *batch, const Lic__LogEntry *e, FILE *out)
{
    char why [256] = "";
    const Lic__Envelope *env = e->envelope;
    if (!env || env->key_id.len != 32 || env->signature.len != 64
    ||  seal_verify (env->signature.data, env->body.data, env->body.len, env->key_id.data) != ERR_OK) {
        fprintf (out, "entry %" PRIu64 ": signature does not verify\n", e->seq);
        return ERR_CORRUPT;
    }
    const entrykind_t *kind = entrykind_of (e->kind);
    if (kind && kind->dedup) {
        //  The same signed event twice in one log is a corruption (were it
        //  not caught here, its version would not apply a second time).
        Lic__Event *ev = NULL;
        uint64_t first;
        bool twice = codec_event_decode (env->body.data, env->body.len, &ev) == ERR_OK
                  && views_find_duplicate (views, env, ev, &first) == ERR_OK;
        codec_event_free (&ev);
        if (twice) {
            fprintf (out, "entry %" PRIu64 ": same signed event as entry %" PRIu64 "\n", e->seq, first);
            return ERR_CORRUPT;
        }
    }
    int rc = views_apply_entry (views, batch, 1, e, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (out, "entry %" PRIu64 ": does not apply on replay: %s %s\n", e->seq, err_str (rc), why);
    return rc;
}

static int
s_unlink (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove (path);
}

static int
s_compare (store_t *a, store_t *b, store_cf_t cf, const char *name, const char *prefix, FILE *out)
{
    size_t plen = prefix? strlen (prefix): 0;
    store_iter_t *ia = store_iter_new (a, cf, prefix, plen, NULL, 0);
    store_iter_t *ib = store_iter_new (b, cf, prefix, plen, NULL, 0);
    const uint8_t *ka, *va, *kb, *vb;
    size_t kal, val, kbl, vbl;
    uint64_t n = 0;
    int rc = ERR_OK;
    while (rc == ERR_OK) {
        bool ha = store_iter_next (ia, &ka, &kal, &va, &val);
        bool hb = store_iter_next (ib, &kb, &kbl, &vb, &vbl);
        if (!ha && !hb)
            break;
        if (ha != hb || kal != kbl || memcmp (ka, kb, kal) || val != vbl || memcmp (va, vb, val)) {
            fprintf (out, "view %s differs from the replay at key #%" PRIu64 "\n", name, n);
            rc = ERR_CORRUPT;
        }
        n++;
    }
    store_iter_destroy (&ia);
    store_iter_destroy (&ib);
    if (rc == ERR_OK)
        fprintf (out, "view %s: %" PRIu64 " keys equal the replay\n", name, n);
    return rc;
}

//  A repository made before an index has no meta mark for it and an
//  index that misses what its older entries say: the successor index
//  (proto/FORMAT.md family 16, VIEWS_SUCCESSORS_MARK) and the names
//  index of files (family 17 keys 'N', FILES_NAMES_MARK).  The replay's
//  index (the keys of cf under prefix) is copied in, in batches of 5,000
//  keys, the mark with the last, and then compared like every view.
//  ERR_OK (nothing to do, or built), ERR_IO, ERR_NOMEM.
static int
s_index_build (store_t *store, store_t *scratch, const char *mark, store_cf_t cf,
               const char *prefix, const char *name, FILE *out)
{
    uint8_t *v;
    size_t vl;
    int rc = store_get (store, STORE_CF_META, mark, strlen (mark), &v, &vl);
    if (rc == ERR_OK)
        free (v);
    if (rc != ERR_NOT_FOUND)
        return rc;
    store_batch_t *batch = store_batch_new (store);
    store_iter_t *it = batch? store_iter_new (scratch, cf, prefix, prefix? strlen (prefix): 0,
                                              NULL, 0): NULL;
    rc = it? ERR_OK: ERR_NOMEM;
    const uint8_t *k, *kv;
    size_t kl, kvl;
    uint64_t n = 0;
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, &kv, &kvl)) {
        store_batch_put (batch, cf, k, kl, kv, kvl);
        if (++n % 5000 == 0) {
            rc = store_write (store, batch, true);
            store_batch_clear (batch);
        }
    }
    uint8_t whole = 1;
    if (rc == ERR_OK) {
        store_batch_put (batch, STORE_CF_META, mark, strlen (mark), &whole, 1);
        rc = store_write (store, batch, true);
    }
    if (rc == ERR_OK)
        fprintf (out, "view %s: built from the replay (%" PRIu64 " keys; the repository "
                 "was made before the index)\n", name, n);
    store_iter_destroy (&it);
    store_batch_destroy (&batch);
    return rc;
}

typedef struct {
    store_t *store;
    FILE *out;
    uint64_t files, bytes, bad;
} s_files_t;

static bool
s_check_file (void *arg, const uint8_t digest [FILES_DIGEST], uint64_t total)
{
    s_files_t *c = (s_files_t *) arg;
    char why [256] = "", hex [2 * FILES_DIGEST + 1];
    int rc = files_verify (c->store, digest, why, sizeof why);
    if (rc != ERR_OK) {
        seal_hex (hex, digest, FILES_DIGEST);
        fprintf (c->out, "file %s: %s %s\n", hex, err_str (rc), why);
        c->bad++;
    }
    c->files++;
    c->bytes += total;
    return true;
}

//  Every held file's chunks hash to its digest (proto/FORMAT.md "Files").
static int
s_check_files (store_t *store, FILE *out)
{
    s_files_t c = { store, out, 0, 0, 0 };
    int rc = files_each (store, s_check_file, &c);
    if (rc != ERR_OK)
        return rc;
    fprintf (out, "files: %" PRIu64 " held, %" PRIu64 " bytes, %" PRIu64 " not matching their digest\n",
             c.files, c.bytes, c.bad);
    return c.bad? ERR_CORRUPT: ERR_OK;
}

int
check_views (store_t *store, const char *division, FILE *out)
{
    char dir [] = "/tmp/licnode-check-XXXXXX", why [256];
    if (!mkdtemp (dir))
        return ERR_IO;
    store_t *scratch = NULL;
    views_t *views = NULL;
    store_batch_t *batch = NULL;
    store_iter_t *it = NULL;
    store_cfg_t cfg = { 16, true, 0 };
    //  A repository of schema 3 has its states migrated first (FORMAT.md
    //  schema 4), and one of schema 3 or 4 its dedup marks dropped (schema
    //  5), as a node's start would: one way, a schema-4 binary refuses
    //  the repository after it.
    int rc = views_schema (store);
    if (rc == ERR_VERSION)
        fprintf (out, "the repository is of another schema than %d (proto/FORMAT.md)\n",
                 VIEWS_SCHEMA);
    if (rc == ERR_OK)
        rc = store_open (&scratch, dir, &cfg, why, sizeof why);
    if (rc != ERR_OK || (rc = views_open (&views, scratch, division)) != ERR_OK)
        goto done;
    batch = store_batch_new (scratch);
    it = store_iter_new (store, STORE_CF_LOG, NULL, 0, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    uint64_t expect = 1;
    //  Progress on stderr: a million entries take minutes.
    uint8_t last [8];
    size_t last_len = sizeof last;
    progress_t pr;
    progress_init (&pr, stderr, "licnode check: replayed", "log entries",
                   store_last_key (store, STORE_CF_LOG, last, &last_len) == ERR_OK && last_len == 8?
                   store_get_u64 (last): 0, PROGRESS_INTERVAL_MS);
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, &v, &vl)) {
        Lic__LogEntry *e = NULL;
        if (kl != 8 || codec_entry_decode (v, vl, &e) != ERR_OK || e->seq != store_get_u64 (k)) {
            fprintf (out, "log key #%" PRIu64 " does not hold a well-formed entry\n", expect);
            rc = ERR_CORRUPT;
        }
        else
        if (e->seq != expect) {
            fprintf (out, "log gap: expected seq %" PRIu64 ", found %" PRIu64 "\n", expect, e->seq);
            rc = ERR_CORRUPT;
        }
        else
            rc = s_replay (views, batch, e, out);
        codec_entry_free (&e);
        progress_step (&pr, expect);
        expect++;
        if (rc == ERR_OK && store_batch_count (batch) > 5000) {
            views_flush_marks (views, batch);
            rc = store_write (scratch, batch, false);
            store_batch_clear (batch);
            views_committed (views, 1);
        }
    }
    views_flush_marks (views, batch);
    if (rc == ERR_OK)
        rc = store_write (scratch, batch, false);
    if (rc == ERR_OK)
        fprintf (out, "log: %" PRIu64 " entries, seqs 1..%" PRIu64 " contiguous, signatures verify\n",
                 expect - 1, expect - 1);
    if (progress_elapsed_ms (&pr) >= PROGRESS_INTERVAL_MS)
        fprintf (stderr, "licnode check: log replayed; comparing the views\n");
    if (rc == ERR_OK)
        rc = s_index_build (store, scratch, VIEWS_SUCCESSORS_MARK, STORE_CF_SUCCESSOR, NULL,
                            "successor", out);
    if (rc == ERR_OK)
        rc = s_index_build (store, scratch, FILES_NAMES_MARK, STORE_CF_FILE, "N", "file names",
                            out);
    for (size_t i = 0; rc == ERR_OK && i < sizeof s_compared / sizeof s_compared [0]; i++)
        rc = s_compare (store, scratch, s_compared [i], s_names [i], NULL, out);
    //  The names index of files (the rest of the family is not derived
    //  from the log: chunks, uploads, wanted files, budgets).
    if (rc == ERR_OK)
        rc = s_compare (store, scratch, STORE_CF_FILE, "file names", "N", out);
    //  The own log's Merkle tree (children's trees are not derived from it).
    if (rc == ERR_OK)
        rc = s_compare (store, scratch, STORE_CF_TREE, "tree", division, out);
    if (rc == ERR_OK)
        rc = s_check_files (store, out);
    fprintf (out, "%s\n", rc == ERR_OK? "consistent": "INCONSISTENT");
done:
    store_iter_destroy (&it);
    store_batch_destroy (&batch);
    views_destroy (&views);
    store_destroy (&scratch);
    nftw (dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
