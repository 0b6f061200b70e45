/*  fuzz_keyfile.c -- key files (node/common/keyfile.c keyfile_load), the input
    written to a file of mode 0600 first, as a node, licctl or a
    department's system reads node.key, node.pub, admin.key or a
    department key.

    Properties: no crash, leak or undefined behaviour; a refused file
    leaves no secret behind (the key is wiped); an accepted one has
    NUL-terminated strings, secrets only if both halves match (the
    Ed25519 secret's public half is sign_pk), and round-trips: saved
    with keyfile_save and loaded again, it is the same key.
*/
#include <string.h>
#include <unistd.h>
#include "tests/fuzz/fuzz.h"
#include "node/common/keyfile.h"
#include "proto/seal.h"

#define S_TERMINATED(s) (strnlen ((s), sizeof (s)) < sizeof (s))

static char s_dir [64];             //  where the round trip saves (tmpfs if any)

static bool
s_zero (const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b [i])
            return false;
    return true;
}

static void
s_cleanup (void)
{
    char path [128];
    snprintf (path, sizeof path, "%s/key", s_dir);
    unlink (path);
    rmdir (s_dir);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    if (seal_init () != ERR_OK)
        abort ();
    snprintf (s_dir, sizeof s_dir, "%s", access ("/dev/shm", W_OK) == 0?
              "/dev/shm/licrepo-fuzz-XXXXXX": "/tmp/licrepo-fuzz-XXXXXX");
    if (!mkdtemp (s_dir))
        abort ();
    atexit (s_cleanup);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    keyfile_t k, again;
    memset (&k, 0x5a, sizeof k);
    int rc = keyfile_load (&k, fuzz_file (0, data, size));
    if (rc != ERR_OK) {
        FUZZ_CHECK (!k.has_secret && s_zero (k.sign_sk, sizeof k.sign_sk)
                    && s_zero (k.curve_sk, sizeof k.curve_sk));
        return 0;
    }
    FUZZ_CHECK (S_TERMINATED (k.code) && S_TERMINATED (k.name) && S_TERMINATED (k.endpoint)
                && strlen (k.curve_pk) == 40);
    if (k.has_secret) {
        uint8_t pk [SEAL_PUBLIC_BYTES];
        seal_public_of (pk, k.sign_sk);
        FUZZ_CHECK (memcmp (pk, k.sign_pk, sizeof pk) == 0);
        FUZZ_CHECK (strlen (k.curve_sk) == 40);
    }
    else
        FUZZ_CHECK (s_zero (k.sign_sk, sizeof k.sign_sk));
    char path [128];
    snprintf (path, sizeof path, "%s/key", s_dir);
    FUZZ_CHECK (keyfile_save (&k, path, k.has_secret) == ERR_OK);
    FUZZ_CHECK (keyfile_load (&again, path) == ERR_OK);
    FUZZ_CHECK (strcmp (k.code, again.code) == 0 && strcmp (k.name, again.name) == 0
                && strcmp (k.endpoint, again.endpoint) == 0
                && memcmp (k.sign_pk, again.sign_pk, sizeof k.sign_pk) == 0
                && strcmp (k.curve_pk, again.curve_pk) == 0 && k.has_secret == again.has_secret);
    if (k.has_secret)
        FUZZ_CHECK (memcmp (k.sign_sk, again.sign_sk, sizeof k.sign_sk) == 0
                    && strcmp (k.curve_sk, again.curve_sk) == 0);
    keyfile_wipe (&k);
    keyfile_wipe (&again);
    return 0;
}
