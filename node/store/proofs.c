/*  proofs.c -- digests and Merkle proofs (see proofs.h).  */
#include <czmq.h>
#include "proto/codec.h"
#include "node/store/proofs.h"
#include "node/store/views.h"
#include "proto/seal.h"

typedef struct {
    uint64_t count;
    uint8_t digest [32];
} s_acc_t;

static void
s_acc_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static void
s_chain (s_acc_t *acc, const uint8_t h [32])
{
    seal_hash (acc->digest, acc->digest, 32, h, 32);
    acc->count++;
}

int
proofs_digest (store_t *store, Lic__DigestResult *out)
{
    lic__digest_result__init (out);
    zhashx_t *per = zhashx_new ();
    if (!per)
        return ERR_NOMEM;
    zhashx_set_destructor (per, s_acc_free);
    s_acc_t total = { 0 };
    int rc = ERR_OK;
    store_iter_t *it = store_iter_new (store, STORE_CF_LICENSE, NULL, 0, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (rc == ERR_OK && it && store_iter_next (it, &k, &kl, &v, &vl)) {
        //  With its content (proto/licstate.h): the digest covers it.
        Lic__LicenseState *st = NULL;
        if ((rc = views_state_complete (store, v, vl, &st)) != ERR_OK)
            break;
        st->last_seq = 0;       //  node-local: seqs in this node's log
        st->content_seq = 0;
        uint8_t *buf, h [32];
        size_t len;
        rc = codec_state_encode (st, &buf, &len);
        if (rc == ERR_OK) {
            seal_hash (h, buf, len, NULL, 0);
            free (buf);
            s_chain (&total, h);
            s_acc_t *acc = (s_acc_t *) zhashx_lookup (per, st->origin_division);
            if (!acc) {
                acc = calloc (1, sizeof *acc);
                if (acc)
                    zhashx_insert (per, st->origin_division, acc);
            }
            if (acc)
                s_chain (acc, h);
            else
                rc = ERR_NOMEM;
        }
        codec_state_free (&st);
    }
    store_iter_destroy (&it);
    size_t n = zhashx_size (per) + 1;
    out->entries = calloc (n, sizeof *out->entries);
    zlistx_t *keys = zhashx_keys (per);
    if (rc == ERR_OK && (!out->entries || !keys))
        rc = ERR_NOMEM;
    if (rc == ERR_OK) {
        zlistx_set_comparator (keys, (zlistx_comparator_fn *) strcmp);
        zlistx_sort (keys);
        for (size_t i = 0; i < n; i++) {
            Lic__DigestEntry *e = calloc (1, sizeof *e);
            if (!e) {
                rc = ERR_NOMEM;
                break;
            }
            lic__digest_entry__init (e);
            const char *div = i == 0? "": (const char *) (i == 1? zlistx_first (keys): zlistx_next (keys));
            s_acc_t *acc = i == 0? &total: (s_acc_t *) zhashx_lookup (per, div);
            e->division = strdup (div);
            e->licenses = acc->count;
            e->digest.data = malloc (32);
            if (!e->division || !e->digest.data) {
                free (e->division);
                free (e->digest.data);
                free (e);
                rc = ERR_NOMEM;
                break;
            }
            memcpy (e->digest.data, acc->digest, 32);
            e->digest.len = 32;
            out->entries [out->n_entries++] = e;
        }
    }
    zlistx_destroy (&keys);
    zhashx_destroy (&per);
    return rc;
}

void
proofs_digest_free (Lic__DigestResult *out)
{
    for (size_t i = 0; i < out->n_entries; i++) {
        free (out->entries [i]->division);
        free (out->entries [i]->digest.data);
        free (out->entries [i]);
    }
    free (out->entries);
    out->entries = NULL;
    out->n_entries = 0;
}

static ProtobufCBinaryData *
s_hashes (const uint8_t (*path) [32], size_t n)
{
    ProtobufCBinaryData *v = calloc (n? n: 1, sizeof *v);
    if (!v || n == 0)
        return v;
    uint8_t *buf = malloc (n * 32);
    if (!buf) {
        free (v);
        free (buf);
        return NULL;
    }
    memcpy (buf, path, n * 32);
    for (size_t i = 0; i < n; i++) {
        v [i].data = buf + 32 * i;
        v [i].len = 32;
    }
    return v;
}

int
proofs_prove (store_t *store, tree_t *tree, uint64_t durable, const Lic__ProveRequest *req,
              const char *cp, uint64_t cp_size, Lic__ProofResult *out,
              char *why, size_t why_size)
{
    lic__proof_result__init (out);
    uint64_t size = req->size? req->size: cp_size? cp_size: durable;
    if (size == 0 || size > durable) {
        snprintf (why, why_size, "tree size %" PRIu64 " is not within 1..%" PRIu64, size, durable);
        return ERR_BAD_FIELD;
    }
    if (req->seq > size || req->old_size > size || (req->seq == 0 && req->old_size == 0)) {
        snprintf (why, why_size, "ask for an entry seq in 1..%" PRIu64 " and/or an older size in 1..%"
                  PRIu64, size, size);
        return ERR_BAD_FIELD;
    }
    const merkle_store_t *ops = tree_ops (tree);
    uint8_t (*path) [32] = malloc (MERKLE_PATH_MAX * 32);
    out->root.data = malloc (32);
    out->old_root.data = malloc (32);
    if (!path || !out->root.data || !out->old_root.data) {
        free (path);
        proofs_prove_free (out);
        return ERR_NOMEM;
    }
    int rc = tree_root (tree, size, out->root.data);
    out->root.len = 32;
    out->size = size;
    if (cp && *cp && cp_size == size)
        out->checkpoint = strdup (cp);
    size_t n = 0;
    if (rc == ERR_OK && req->seq) {
        uint8_t key [8], *v;
        size_t vl;
        store_put_u64 (key, req->seq);
        rc = store_get (store, STORE_CF_LOG, key, 8, &v, &vl);
        //  The leaf data, not the stored entry: without disclosed values.
        Lic__LogEntry *e = NULL;
        uint8_t *leaf = NULL;
        size_t leaf_len = 0;
        if (rc == ERR_OK) {
            if (codec_entry_decode (v, vl, &e) != ERR_OK)
                rc = ERR_CORRUPT;
            else
                rc = codec_entry_leaf (e, &leaf, &leaf_len);
            codec_entry_free (&e);
            if (rc == ERR_OK && leaf) {
                free (v);
                v = leaf;
                vl = leaf_len;
            }
            else
            if (rc != ERR_OK)
                free (v);
        }
        if (rc == ERR_OK) {
            out->leaf.data = v;
            out->leaf.len = vl;
            out->leaf_index = req->seq - 1;
            rc = merkle_inclusion_proof (ops, req->seq - 1, size, path, &n);
        }
        if (rc == ERR_OK) {
            out->inclusion = s_hashes ((const uint8_t (*) [32]) path, n);
            out->n_inclusion = n;
            rc = out->inclusion? ERR_OK: ERR_NOMEM;
        }
    }
    if (rc == ERR_OK && req->old_size) {
        rc = tree_root (tree, req->old_size, out->old_root.data);
        out->old_root.len = 32;
        out->old_size = req->old_size;
        if (rc == ERR_OK)
            rc = merkle_consistency_proof (ops, req->old_size, size, path, &n);
        if (rc == ERR_OK) {
            out->consistency = s_hashes ((const uint8_t (*) [32]) path, n);
            out->n_consistency = n;
            rc = out->consistency? ERR_OK: ERR_NOMEM;
        }
    }
    free (path);
    if (rc != ERR_OK) {
        snprintf (why, why_size, "proof could not be built: %s", err_str (rc));
        proofs_prove_free (out);
    }
    return rc;
}

void
proofs_prove_free (Lic__ProofResult *out)
{
    free (out->root.data);
    free (out->old_root.data);
    free (out->leaf.data);
    if (out->inclusion)
        free (out->inclusion [0].data);
    free (out->inclusion);
    if (out->consistency)
        free (out->consistency [0].data);
    free (out->consistency);
    if (out->checkpoint && *out->checkpoint)
        free (out->checkpoint);
    lic__proof_result__init (out);
}
