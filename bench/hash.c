/*  hash.c -- SHA-256 as the Merkle tree uses it (RFC 6962: a leaf is
    SHA-256 (0x00 ‖ ~1 KB entry), a node SHA-256 (0x01 ‖ left ‖ right),
    65 bytes), by libsodium's portable code and by OpenSSL's libcrypto
    (SHA-NI where the CPU has it), and by seal_sha256_cat, the function
    the tree calls.  Prints hashes per second of each, medians of `runs`,
    and the ratio; checks first that all three give the same digests.

        bench/hash [leaves-per-run] [runs] [leaf|node]   (defaults 200000, 3, both)

    A figure program, never a test.  Wall-clock rates are noisy on a shared
    machine: compare the ratios printed in one run, or count instructions
    with valgrind --tool=callgrind (bench/hash 20000 1).
*/
//  SHA256_Init & co. are deprecated in OpenSSL 3 but kept; declared
//  without the deprecation attribute for the comparison below
#define OPENSSL_API_COMPAT 0x10100000L
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "proto/seal.h"

#define LEAF_BYTES 1024
#define NODE_BYTES 65

typedef void (hash_fn) (uint8_t out [32], const uint8_t *a, size_t na,
                        const uint8_t *b, size_t nb);

static void
s_sodium (uint8_t out [32], const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init (&st);
    crypto_hash_sha256_update (&st, a, na);
    if (nb)
        crypto_hash_sha256_update (&st, b, nb);
    crypto_hash_sha256_final (&st, out);
}

static const EVP_MD *s_md;
static EVP_MD_CTX *s_ctx;

static void
s_evp (uint8_t out [32], const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    EVP_DigestInit_ex2 (s_ctx, s_md, NULL);
    EVP_DigestUpdate (s_ctx, a, na);
    if (nb)
        EVP_DigestUpdate (s_ctx, b, nb);
    EVP_DigestFinal_ex (s_ctx, out, NULL);
}

static void
s_evp_new (uint8_t out [32], const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    EVP_DigestInit_ex2 (ctx, s_md, NULL);
    EVP_DigestUpdate (ctx, a, na);
    if (nb)
        EVP_DigestUpdate (ctx, b, nb);
    EVP_DigestFinal_ex (ctx, out, NULL);
    EVP_MD_CTX_free (ctx);
}

static void
s_lowlevel (uint8_t out [32], const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    SHA256_CTX st;
    SHA256_Init (&st);
    SHA256_Update (&st, a, na);
    if (nb)
        SHA256_Update (&st, b, nb);
    SHA256_Final (out, &st);
}

static void
s_seal (uint8_t out [32], const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    seal_sha256_cat (out, a, na, b, nb);
}

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y? -1: x > y;
}

//  Hashes per second, median of runs; every result is folded into sink so
//  nothing is optimised away.
static double
s_rate (hash_fn *fn, const uint8_t *data, size_t len, size_t n, int runs, uint8_t sink [32])
{
    double rates [16];
    static const uint8_t prefix [1] = { 0x00 };
    for (int r = 0; r < runs; r++) {
        double t0 = s_now ();
        for (size_t i = 0; i < n; i++) {
            uint8_t out [32];
            fn (out, prefix, 1, data + (i % 16), len - 1);
            sink [i % 32] ^= out [0];
        }
        rates [r] = (double) n / (s_now () - t0);
    }
    qsort (rates, (size_t) runs, sizeof rates [0], s_cmp);
    return rates [runs / 2];
}

int
main (int argc, char *argv [])
{
    size_t n = argc > 1? strtoul (argv [1], NULL, 10): 200000;
    int runs = argc > 2? atoi (argv [2]): 3;
    const char *only = argc > 3? argv [3]: "";
    if (n == 0 || runs < 1 || runs > 16) {
        fprintf (stderr, "usage: hash [leaves-per-run] [runs 1..16] [leaf|node]\n");
        return 2;
    }
    if (seal_init () != ERR_OK || sodium_init () < 0)
        return 1;
    s_md = EVP_MD_fetch (NULL, "SHA256", NULL);
    s_ctx = EVP_MD_CTX_new ();
    if (!s_md || !s_ctx)
        return 1;
    uint8_t data [LEAF_BYTES + 16], sink [32] = { 0 };
    for (size_t i = 0; i < sizeof data; i++)
        data [i] = (uint8_t) (i * 131 + 7);
    struct { const char *name; hash_fn *fn; } fns [] = {
        { "libsodium", s_sodium },
        { "EVP, ctx kept", s_evp },
        { "EVP, ctx per hash", s_evp_new },
        { "SHA256_Init..Final", s_lowlevel },
        { "seal_sha256_cat", s_seal },
    };
    size_t nf = sizeof fns / sizeof fns [0];
    //  Same digests from all of them, on many lengths split in two
    for (size_t len = 1; len <= LEAF_BYTES; len += 63) {
        uint8_t x [32], y [32];
        s_sodium (x, data, len / 2, data + len / 2, len - len / 2);
        for (size_t f = 1; f < nf; f++) {
            fns [f].fn (y, data, len / 2, data + len / 2, len - len / 2);
            if (memcmp (x, y, 32)) {
                fprintf (stderr, "hash: %s differs from libsodium at length %zu\n",
                         fns [f].name, len);
                return 1;
            }
        }
    }
    struct { const char *name; size_t len, n; } in [] = {
        { "leaf 0x00 ‖ 1 KB", LEAF_BYTES + 1, n },
        { "node 0x01 ‖ 2×32 B", NODE_BYTES, n * 8 },
    };
    printf ("SHA-256, %d runs of %zu leaves / %zu nodes, medians; ratio = rate / libsodium's rate "
            "in the same run (shared machine: compare ratios, not rates)\n", runs, n, n * 8);
    printf ("%-20s", "");
    for (size_t i = 0; i < sizeof in / sizeof in [0]; i++)
        printf (" | %-20s %12s %7s", in [i].name, "hashes/s", "ratio");
    printf ("\n");
    double base [2] = { 0, 0 }, seal [2] = { 0, 0 };
    for (size_t f = 0; f < nf; f++) {
        printf ("%-20s", fns [f].name);
        for (size_t i = 0; i < sizeof in / sizeof in [0]; i++) {
            if (*only && strncmp (in [i].name, only, 4) != 0)
                continue;
            double r = s_rate (fns [f].fn, data, in [i].len, in [i].n, runs, sink);
            if (f == 0)
                base [i] = r;
            if (fns [f].fn == s_seal)
                seal [i] = r;
            printf (" | %17.3f µs %12.0f %6.2f×", 1e6 / r, r, r / base [i]);
        }
        printf ("\n");
        fflush (stdout);
    }
    //  One line for bench/table.sh (µs a hash, medians)
    if (!*only)
        printf ("table hash leaf_sodium_us=%.3f leaf_seal_us=%.3f node_sodium_us=%.3f "
                "node_seal_us=%.3f\n", 1e6 / base [0], 1e6 / seal [0], 1e6 / base [1], 1e6 / seal [1]);
    fprintf (stderr, "(sink %02x)\n", sink [0]);
    EVP_MD_CTX_free (s_ctx);
    EVP_MD_free ((EVP_MD *) s_md);
    return 0;
}
