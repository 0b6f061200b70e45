/*  fuzz_copy.c -- the archived-copy verifier (proto/copycheck.c through
    licclient_verify_copy), as licctl verify runs it on a file someone
    hands in, trusting the province's key (fixed test keys, fuzz.h).

    Each input is checked twice:
      - as it is (the raw file: signatures, canonical form, digests);
      - re-signed: every envelope in the content (events, registration,
        catalogue entry, node records) whose key is one of the test keys
        is signed again with it, the content's digest is put into the
        statement, and the statement signed again by its key.  So what
        the fuzzer changes inside a signed body reaches the checks behind
        the signatures: the chain of node records, the department's
        keys, the events' checks and lifecycle, the disclosures, the
        stated status.
    The seeds (fuzz_seeds.c) are copies signed with these keys, and the
    protobuf mutator (pbmut.h) changes fields deep inside them.

    Properties: no crash, leak or undefined behaviour; a copy accepted as
    it is re-signs to the very same bytes (Ed25519 signatures are
    deterministic, and the file is canonical); a re-signed copy is never
    refused for a signature unless it carries a key that is not a test
    key; what an accepted copy shows is NUL-terminated and its license id
    parses.
*/
#include <string.h>
#include "proto/codec.h"
#include "tests/fuzz/fuzz.h"
#include "node/client/licclient.h"
#include "proto/licid.h"
#include "tests/fuzz/pbmut.h"
#include "proto/seal.h"

//  A copy of env (shallow) whose signature is made again, into sig, with
//  the test key its key_id names.  *known cleared if it is not a test key.
static Lic__Envelope
s_resign (const Lic__Envelope *env, uint8_t sig [SEAL_SIG_BYTES], bool *known)
{
    Lic__Envelope again = *env;
    const fuzz_key_t *k = fuzz_key_find (env->key_id.data, env->key_id.len);
    if (k) {
        seal_sign (sig, env->body.data, env->body.len, k->sk);
        again.signature.data = sig;
        again.signature.len = SEAL_SIG_BYTES;
    }
    else
        *known = false;
    return again;
}

//  Encodes cc with each of its envelopes re-signed, into *out.
static void
s_content_resigned (const Lic__CopyContent *cc, uint8_t **out, size_t *out_len, bool *known)
{
    size_t n = cc->n_events + cc->n_node_chain + 2;
    Lic__Envelope *envs = calloc (n, sizeof *envs);
    Lic__Envelope **events = calloc (cc->n_events + 1, sizeof *events);
    Lic__Envelope **chain = calloc (cc->n_node_chain + 1, sizeof *chain);
    uint8_t (*sigs) [SEAL_SIG_BYTES] = calloc (n, sizeof *sigs);
    if (!envs || !events || !chain || !sigs)
        abort ();
    Lic__CopyContent again = *cc;
    size_t used = 0;
    for (size_t i = 0; i < cc->n_events; i++, used++) {
        envs [used] = s_resign (cc->events [i], sigs [used], known);
        events [i] = &envs [used];
    }
    for (size_t i = 0; i < cc->n_node_chain; i++, used++) {
        envs [used] = s_resign (cc->node_chain [i], sigs [used], known);
        chain [i] = &envs [used];
    }
    again.events = events;
    again.node_chain = chain;
    if (cc->registration) {
        envs [used] = s_resign (cc->registration, sigs [used], known);
        again.registration = &envs [used++];
    }
    if (cc->catalogue) {
        envs [used] = s_resign (cc->catalogue, sigs [used], known);
        again.catalogue = &envs [used++];
    }
    if (codec_copy_content_encode (&again, out, out_len) != ERR_OK)
        abort ();
    free (envs);
    free (events);
    free (chain);
    free (sigs);
}

//  The re-signed copy of data, malloc'd into *out; *known false if an
//  envelope carries a key that is not a test key.  False if the input
//  does not decode as a copy with a statement.
static bool
s_resigned (const uint8_t *data, size_t size, uint8_t **out, size_t *out_len, bool *known)
{
    Lic__LicenseCopy *copy = NULL;
    Lic__CopyContent *cc = NULL;
    Lic__CopyStatement *st = NULL;
    uint8_t *content = NULL, *stmt = NULL, sig [SEAL_SIG_BYTES], digest [SEAL_HASH_BYTES];
    size_t content_len = 0, stmt_len = 0;
    *known = true;
    if (codec_license_copy_decode (data, size, &copy) != ERR_OK || !copy->statement) {
        codec_license_copy_free (&copy);
        return false;
    }
    Lic__LicenseCopy again = *copy;
    Lic__Envelope senv = *copy->statement;
    if (codec_copy_content_decode (copy->content.data, copy->content.len, &cc) == ERR_OK) {
        s_content_resigned (cc, &content, &content_len, known);
        again.content.data = content;
        again.content.len = content_len;
    }
    if (codec_copy_statement_decode (senv.body.data, senv.body.len, &st) == ERR_OK) {
        Lic__CopyStatement s = *st;
        seal_hash (digest, again.content.data, again.content.len, NULL, 0);
        s.content_digest.data = digest;
        s.content_digest.len = sizeof digest;
        if (codec_copy_statement_encode (&s, &stmt, &stmt_len) != ERR_OK)
            abort ();
        senv.body.data = stmt;
        senv.body.len = stmt_len;
    }
    senv = s_resign (&senv, sig, known);
    again.statement = &senv;
    if (codec_license_copy_encode (&again, out, out_len) != ERR_OK)
        abort ();
    codec_copy_statement_free (&st);
    codec_copy_content_free (&cc);
    codec_license_copy_free (&copy);
    free (content);
    free (stmt);
    return true;
}

static int
s_verify (const uint8_t *data, size_t size, licclient_copy_t *out)
{
    char why [512] = "";
    const uint8_t (*trust) [32] = (const uint8_t (*) [32]) fuzz_key (FUZZ_KEY_PROVINCE)->pk;
    int rc = licclient_verify_copy (data, size, trust, 1, FUZZ_NOW, out, why, sizeof why);
    FUZZ_CHECK (rc == ERR_OK || *why);
    if (rc == ERR_OK) {
        licid_t id;
        FUZZ_CHECK (licid_parse (out->license_id, &id, NULL, 0) == ERR_OK);
        FUZZ_CHECK (strnlen (out->maker_name, sizeof out->maker_name) < sizeof out->maker_name);
        FUZZ_CHECK (strnlen (out->department, sizeof out->department) < sizeof out->department);
        FUZZ_CHECK (strnlen (out->type_name, sizeof out->type_name) < sizeof out->type_name);
        FUZZ_CHECK (out->events > 0);
    }
    return rc;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    if (seal_init () != ERR_OK)
        abort ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    licclient_copy_t shown;
    uint8_t *again = NULL;
    size_t again_len = 0;
    bool known;
    int raw = s_verify (data, size, &shown);
    if (!s_resigned (data, size, &again, &again_len, &known))
        return 0;
    if (raw == ERR_OK)
        FUZZ_CHECK (again_len == size && memcmp (again, data, size) == 0);
    int rc = s_verify (again, again_len, &shown);
    FUZZ_CHECK (rc != ERR_BAD_SIGNATURE || !known);
    free (again);
    return 0;
}

#ifdef LICREPO_LIBFUZZER
size_t
LLVMFuzzerCustomMutator (uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    return pbmut_mutate (data, size, max_size, seed);
}
#endif
