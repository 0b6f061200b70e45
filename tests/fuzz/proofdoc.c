/*  proofdoc.c -- a proof document from a real tree (proofdoc.h).  */
#include <jansson.h>
#include <string.h>
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "node/common/licjson.h"
#include "tests/fuzz/proofdoc.h"

#define S_HEADER 11         //  bytes of data that describe the tree

//  One LogEntry of the county, seq `seq`, its envelope body `body`.
static void
s_leaf (proofdoc_t *self, size_t i, const uint8_t *body, size_t len)
{
    static const uint8_t sig [SEAL_SIG_BYTES];
    Lic__Envelope env;
    Lic__LogEntry e;
    codec_envelope_init (&env);
    env.body.data = (uint8_t *) body;
    env.body.len = len;
    env.signature.data = (uint8_t *) sig;
    env.signature.len = sizeof sig;
    env.key_id.data = (uint8_t *) fuzz_key (FUZZ_KEY_DEPT)->pk;
    env.key_id.len = SEAL_PUBLIC_BYTES;
    codec_entry_init (&e);
    e.seq = i + 1;
    e.origin_division = FUZZ_DIV_COUNTY;
    e.origin_seq = i + 1;
    e.kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    e.envelope = &env;
    e.received_at = FUZZ_NOW + (int64_t) i;
    FUZZ_CHECK (codec_entry_encode (&e, &self->leaves [i], &self->leaf_lens [i]) == ERR_OK);
}

bool
proofdoc_make (proofdoc_t *self, const uint8_t *data, size_t size)
{
    memset (self, 0, sizeof *self);
    if (size < S_HEADER)
        return false;
    const fuzz_key_t *county = fuzz_key (FUZZ_KEY_COUNTY), *city = fuzz_key (FUZZ_KEY_CITY);
    uint64_t n = 1 + data [0] % PROOFDOC_LEAVES_MAX;
    uint64_t index = data [1] % n, old_size = data [2] % (n + 1);
    uint64_t when = 0;
    for (int i = 3; i < S_HEADER; i++)
        when = when << 8 | data [i];
    when &= INT64_MAX;
    const uint8_t *rest = data + S_HEADER;
    size_t rest_len = size - S_HEADER;

    merkle_mem_store_t *mem = merkle_mem_store_new ();
    FUZZ_CHECK (mem != NULL);
    const merkle_store_t *store = merkle_mem_store_ops (mem);
    for (uint64_t i = 0; i < n; i++) {
        size_t from = (size_t) (rest_len * i / n), to = (size_t) (rest_len * (i + 1) / n);
        uint8_t hash [MERKLE_HASH_BYTES];
        s_leaf (self, (size_t) i, rest + from, to - from);
        merkle_leaf_hash (hash, self->leaves [i], self->leaf_lens [i]);
        FUZZ_CHECK (merkle_append (store, i, hash) == ERR_OK);
    }
    size_t n_inclusion = 0, n_consistency = 0;
    FUZZ_CHECK (merkle_root (store, n, self->root) == ERR_OK);
    FUZZ_CHECK (merkle_root (store, old_size, self->old_root) == ERR_OK);
    FUZZ_CHECK (merkle_inclusion_proof (store, index, n, self->inclusion, &n_inclusion) == ERR_OK);
    if (old_size)
        FUZZ_CHECK (merkle_consistency_proof (store, old_size, n, self->consistency,
                                              &n_consistency) == ERR_OK);
    merkle_mem_store_destroy (&mem);

    char *note = NULL;
    FUZZ_CHECK (checkpoint_sign (PROOFDOC_NAME, n, self->root, PROOFDOC_NAME, county->sk,
                                 county->pk, &note) == ERR_OK);
    FUZZ_CHECK (checkpoint_cosign_at (note, PROOFDOC_WITNESS, city->sk, city->pk, when,
                                      &self->checkpoint) == ERR_OK);
    free (note);
    if (old_size)
        FUZZ_CHECK (checkpoint_sign (PROOFDOC_NAME, old_size, self->old_root, PROOFDOC_NAME,
                                     county->sk, county->pk, &self->since) == ERR_OK);
    else
        FUZZ_CHECK ((self->since = calloc (1, 1)) != NULL);

    Lic__ProofResult *p = &self->proof;
    *p = (Lic__ProofResult) LIC__PROOF_RESULT__INIT;
    snprintf (self->origin, sizeof self->origin, "%s", PROOFDOC_NAME);
    p->checkpoint = self->checkpoint;
    p->size = n;
    p->root.data = self->root;
    p->root.len = sizeof self->root;
    p->leaf_index = index;
    p->leaf.data = self->leaves [index];
    p->leaf.len = self->leaf_lens [index];
    for (size_t i = 0; i < n_inclusion; i++)
        self->inclusion_bin [i] = (ProtobufCBinaryData) { MERKLE_HASH_BYTES, self->inclusion [i] };
    p->inclusion = self->inclusion_bin;
    p->n_inclusion = n_inclusion;
    p->old_size = old_size;
    if (old_size) {
        p->old_root.data = self->old_root;
        p->old_root.len = sizeof self->old_root;
    }
    for (size_t i = 0; i < n_consistency; i++)
        self->consistency_bin [i] = (ProtobufCBinaryData) { MERKLE_HASH_BYTES,
                                                            self->consistency [i] };
    p->consistency = self->consistency_bin;
    p->n_consistency = n_consistency;
    return true;
}

char *
proofdoc_json (const proofdoc_t *self)
{
    json_t *doc = licjson_proof_to_json (&self->proof, self->origin);
    FUZZ_CHECK (doc != NULL);
    char *text = json_dumps (doc, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    FUZZ_CHECK (text != NULL);
    json_decref (doc);
    return text;
}

void
proofdoc_fini (proofdoc_t *self)
{
    for (size_t i = 0; i < PROOFDOC_LEAVES_MAX; i++)
        free (self->leaves [i]);
    free (self->checkpoint);
    free (self->since);
    memset (self, 0, sizeof *self);
}
