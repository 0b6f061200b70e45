/*  fuzz_proof.c -- proof documents, as licctl verify-proof reads and
    checks them (node/cli/licctl_verify.c, run whole through
    licctl_cmd_verify_proof: the document parser, checkpoint_parse and
    the signature checks, the receipt, --since, --root, the leaf as a
    log entry, merkle_verify_inclusion and merkle_verify_consistency).

    An input that is a JSON object (its first character that is not
    white space is '{') is a document; any other describes a tree:
      - a document: verify-proof with the county's verifier key, and
        (from the input's last byte) the city as witness, a --since
        checkpoint, a --root, --json.  Property: no crash, leak or
        undefined behaviour, and an exit code of OK, REFUSED or USAGE.
      - differential: a real tree built from the input (proofdoc.h), its
        inclusion and consistency proofs, its checkpoint signed by the
        county and cosigned by the city, written by licjson_proof_to_json
        as licctl prove writes it.  Property: verify-proof with the
        county's key, the city as witness and --since the county's
        checkpoint at the old size accepts it (exit OK); the same
        document with one bit flipped in one of its members (the leaf, a
        path hash, a root, the checkpoint note, the origin, a size or the
        leaf index; chosen from the input) is refused (exit REFUSED).
*/
#include <string.h>
#include "replication/checkpoint.h"
#include "tests/fuzz/fuzz.h"
#include "node/cli/licctl.h"
#include "node/cli/licctl_verify.h"
#include "tests/fuzz/proofdoc.h"
#include "proto/seal.h"

static char s_vkey [CHECKPOINT_VKEY_MAX];       //  the county's log key
static char s_witness [CHECKPOINT_VKEY_MAX];    //  the city, as cosigner
static char *s_since_note;                      //  a county checkpoint

static int
s_verify (const char *doc, const char *since, bool witness, const char *root, bool json)
{
    char *args [] = { (char *) doc };
    licctl_opts_t opts;
    memset (&opts, 0, sizeof opts);
    opts.command = "verify-proof";
    opts.args = args;
    opts.n_args = 1;
    opts.key = s_vkey;
    opts.witness_key = witness? s_witness: NULL;
    opts.since = since;
    opts.root = root;
    opts.json = json;
    opts.timeout_ms = 1000;
    return licctl_cmd_verify_proof (&opts);
}

static void
s_document (const uint8_t *data, size_t size)
{
    uint8_t how = size? data [size - 1]: 0;
    const char *doc = fuzz_file (0, data, size);
    const char *since = how & 2? fuzz_file (2, (const uint8_t *) s_since_note,
                                            strlen (s_since_note)): NULL;
    int rc = s_verify (doc, since, how & 1,
                       how & 4? "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855":
                       NULL, how & 8);
    FUZZ_CHECK (rc == LICCTL_EXIT_OK || rc == LICCTL_EXIT_REFUSED || rc == LICCTL_EXIT_USAGE);
}

//  Writes d's document and verifies it as the differential says.
static int
s_check (const proofdoc_t *d, bool json)
{
    char *text = proofdoc_json (d);
    const char *doc = fuzz_file (0, (const uint8_t *) text, strlen (text));
    const char *since = *d->since? fuzz_file (1, (const uint8_t *) d->since,
                                              strlen (d->since)): NULL;
    int rc = s_verify (doc, since, true, NULL, json);
    free (text);
    return rc;
}

static void
s_flip (uint8_t *p, size_t len, uint32_t h)
{
    size_t bit = h % (len * 8);
    p [bit / 8] ^= (uint8_t) (1u << (bit % 8));
}

static void
s_differential (const uint8_t *data, size_t size)
{
    proofdoc_t d;
    if (!proofdoc_make (&d, data, size))
        return;
    Lic__ProofResult *p = &d.proof;
    bool json = data [0] & 0x80;
    int rc = s_check (&d, json);
    if (rc != LICCTL_EXIT_OK) {
        char *text = proofdoc_json (&d);
        fprintf (stderr, "a proof from a real tree is refused (exit %d):\n%s\nsince:\n%s", rc,
                 text, d.since);
        free (text);
    }
    FUZZ_CHECK (rc == LICCTL_EXIT_OK);

    uint32_t h = 2166136261u;           //  FNV-1a of the input: what to flip
    for (size_t i = 0; i < size; i++)
        h = (h ^ data [i]) * 16777619u;
    //  The members one bit of which may change; old_size only when it
    //  is between 0 and size (old_size == size has an empty path, and
    //  from 0 would be no consistency proof at all: a document that
    //  proves less, not a forged one)
    enum { LEAF, INCLUSION, CONSISTENCY, ROOT, OLD_ROOT, NOTE, ORIGIN, INDEX, SIZE, OLD_SIZE };
    int targets [10], n = 0;
    targets [n++] = LEAF;
    if (p->n_inclusion)
        targets [n++] = INCLUSION;
    if (p->n_consistency)
        targets [n++] = CONSISTENCY;
    targets [n++] = ROOT;
    if (p->old_size)
        targets [n++] = OLD_ROOT;
    targets [n++] = NOTE;
    targets [n++] = ORIGIN;
    targets [n++] = INDEX;
    targets [n++] = SIZE;
    if (p->old_size && p->old_size < p->size)
        targets [n++] = OLD_SIZE;
    int target = targets [h % (uint32_t) n];
    h /= (uint32_t) n;
    uint8_t *where = NULL;
    size_t len = 0;
    switch (target) {
        case LEAF:          where = p->leaf.data; len = p->leaf.len; break;
        case INCLUSION:     where = p->inclusion [h % p->n_inclusion].data; len = 32; break;
        case CONSISTENCY:   where = p->consistency [h % p->n_consistency].data; len = 32; break;
        case ROOT:          where = p->root.data; len = 32; break;
        case OLD_ROOT:      where = p->old_root.data; len = 32; break;
        case NOTE:          where = (uint8_t *) d.checkpoint; len = strlen (d.checkpoint); break;
        case ORIGIN:        where = (uint8_t *) d.origin; len = strlen (d.origin); break;
        case INDEX:         where = (uint8_t *) &p->leaf_index; len = sizeof p->leaf_index; break;
        case SIZE:          where = (uint8_t *) &p->size; len = sizeof p->size; break;
        default:            where = (uint8_t *) &p->old_size; len = sizeof p->old_size; break;
    }
    s_flip (where, len, h >> 4);
    rc = s_check (&d, json);
    if (rc != LICCTL_EXIT_REFUSED) {
        char *text = proofdoc_json (&d);
        fprintf (stderr, "a proof with member %d changed is not refused (exit %d):\n%s\n",
                 target, rc, text);
        free (text);
    }
    FUZZ_CHECK (rc == LICCTL_EXIT_REFUSED);
    proofdoc_fini (&d);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    if (seal_init () != ERR_OK)
        abort ();
    const fuzz_key_t *county = fuzz_key (FUZZ_KEY_COUNTY), *city = fuzz_key (FUZZ_KEY_CITY);
    uint8_t root [SEAL_HASH_BYTES] = { 0 };
    if (checkpoint_vkey (PROOFDOC_NAME, county->pk, s_vkey, sizeof s_vkey) != ERR_OK
    ||  checkpoint_cosig_vkey (PROOFDOC_WITNESS, city->pk, s_witness, sizeof s_witness) != ERR_OK
    ||  checkpoint_sign (PROOFDOC_NAME, 3, root, PROOFDOC_NAME, county->sk, county->pk,
                         &s_since_note) != ERR_OK)
        abort ();
    fuzz_quiet_stdout ();               //  verify-proof prints its checks there
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    size_t i = 0;
    while (i < size && (data [i] == ' ' || data [i] == '\t' || data [i] == '\n' || data [i] == '\r'))
        i++;
    if (i < size && data [i] == '{')
        s_document (data, size);
    else
        s_differential (data, size);
    return 0;
}
