/*  fuzz_checkpoint.c -- checkpoints and signed notes
    (replication/checkpoint.c): checkpoint_parse of the input (a note as
    a parent receives it, as licctl verify-proof reads it), then
    checkpoint_verify and checkpoint_cosig_verify with the test keys;
    and the input as a verifier key string (checkpoint_vkey_parse,
    checkpoint_cosig_vkey_parse), as licctl takes --key and --witness-key.

    Properties:
      - a parsed note's body is exactly its three lines, rebuilt from
        origin, size and root, and it has 1..CHECKPOINT_SIGS_MAX lines;
      - differential: the tree head of every note that parses, signed
        with the county's key (checkpoint_sign) and cosigned with the
        city's (checkpoint_cosign_at), parses and verifies by both keys;
        the same note with one bit flipped (position taken from the
        input) is refused by the parser or by one of the two checks;
      - a verifier key that parses is written again, byte for byte, by
        checkpoint_vkey (or checkpoint_cosig_vkey).
*/
#include <string.h>
#include "replication/checkpoint.h"
#include "tests/fuzz/fuzz.h"

#define S_NAME      "licrepo/" FUZZ_DIV_COUNTY
#define S_WITNESS   "licrepo/" FUZZ_DIV_CITY

//  A note signed by the county and cosigned by the city verifies, and no
//  one-bit change of it does.
static void
s_differential (const checkpoint_t *cp, const uint8_t *data, size_t size)
{
    const fuzz_key_t *county = fuzz_key (FUZZ_KEY_COUNTY), *city = fuzz_key (FUZZ_KEY_CITY);
    char *note = NULL, *cosigned = NULL;
    checkpoint_t good, bad;
    int rc = checkpoint_sign (cp->origin, cp->size, cp->root, S_NAME, county->sk, county->pk,
                              &note);
    FUZZ_CHECK (rc == ERR_OK);
    rc = checkpoint_cosign_at (note, S_WITNESS, city->sk, city->pk, cp->size >> 1, &cosigned);
    FUZZ_CHECK (rc == ERR_OK);
    size_t len = strlen (cosigned);
    FUZZ_CHECK (checkpoint_parse (cosigned, len, &good) == ERR_OK);
    FUZZ_CHECK (strcmp (good.origin, cp->origin) == 0 && good.size == cp->size);
    FUZZ_CHECK (memcmp (good.root, cp->root, sizeof cp->root) == 0);
    FUZZ_CHECK (checkpoint_verify (&good, S_NAME, county->pk) == ERR_OK);
    FUZZ_CHECK (checkpoint_cosig_verify (&good, S_WITNESS, city->pk, NULL) == ERR_OK);

    uint32_t h = 2166136261u;           //  FNV-1a of the input: where to flip
    for (size_t i = 0; i < size; i++)
        h = (h ^ data [i]) * 16777619u;
    size_t bit = h % (len * 8);
    cosigned [bit / 8] ^= (char) (1u << (bit % 8));
    bool accepted = checkpoint_parse (cosigned, len, &bad) == ERR_OK
                 && checkpoint_verify (&bad, S_NAME, county->pk) == ERR_OK
                 && checkpoint_cosig_verify (&bad, S_WITNESS, city->pk, NULL) == ERR_OK;
    if (accepted)
        fprintf (stderr, "accepted with bit %zu flipped:\n%s", bit, cosigned);
    FUZZ_CHECK (!accepted);
    free (note);
    free (cosigned);
}

static void
s_note (const uint8_t *data, size_t size)
{
    checkpoint_t cp;
    //  An exact copy, not NUL-terminated: the parser must keep to len
    char *exact = malloc (size? size: 1);
    if (!exact)
        abort ();
    memcpy (exact, data, size);
    int rc = checkpoint_parse (exact, size, &cp);
    free (exact);
    if (rc != ERR_OK)
        return;
    FUZZ_CHECK (cp.n_sigs >= 1 && cp.n_sigs <= CHECKPOINT_SIGS_MAX);
    FUZZ_CHECK (cp.body_len == strlen (cp.body) && cp.body_len <= CHECKPOINT_BODY_MAX);
    char root64 [SEAL_BASE64_SIZE (SEAL_HASH_BYTES)], body [CHECKPOINT_BODY_MAX + 64];
    FUZZ_CHECK (seal_base64_encode (root64, sizeof root64, cp.root, sizeof cp.root) == ERR_OK);
    snprintf (body, sizeof body, "%s\n%llu\n%s\n", cp.origin, (unsigned long long) cp.size,
              root64);
    FUZZ_CHECK (strcmp (body, cp.body) == 0);
    FUZZ_RUN (checkpoint_verify (&cp, S_NAME, fuzz_key (FUZZ_KEY_COUNTY)->pk));
    FUZZ_RUN (checkpoint_verify (&cp, cp.sigs [0].name, fuzz_key (FUZZ_KEY_COUNTY)->pk));
    FUZZ_RUN (checkpoint_cosig_verify (&cp, S_WITNESS, fuzz_key (FUZZ_KEY_CITY)->pk, NULL));
    s_differential (&cp, data, size);
}

static void
s_vkey (const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup (data, size);
    char name [CHECKPOINT_NAME_MAX + 1], again [CHECKPOINT_VKEY_MAX];
    uint8_t pk [SEAL_PUBLIC_BYTES];
    if (checkpoint_vkey_parse (text, name, pk) == ERR_OK) {
        FUZZ_CHECK (checkpoint_vkey (name, pk, again, sizeof again) == ERR_OK);
        FUZZ_CHECK (strcmp (again, text) == 0);
    }
    if (checkpoint_cosig_vkey_parse (text, name, pk) == ERR_OK) {
        FUZZ_CHECK (checkpoint_cosig_vkey (name, pk, again, sizeof again) == ERR_OK);
        FUZZ_CHECK (strcmp (again, text) == 0);
    }
    free (text);
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
    s_note (data, size);
    s_vkey (data, size);
    return 0;
}
