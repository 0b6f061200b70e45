/*  seal.c -- libsodium adapter (see seal.h).  Nothing else in the tree
    includes sodium.h.  SHA-256 alone comes from OpenSSL's libcrypto:
    libsodium's is portable C, OpenSSL's uses the CPU's SHA extensions
    (SHA-NI) or AVX2 (bench/hash: 1 KB leaves 5-17x, 65-byte Merkle nodes
    3-5x the rate; under callgrind, without SHA-NI, 1.9x and 1.7x fewer
    instructions).  The same digests, FIPS 180-4.
*/
//  SHA256_Init/Update/Final: deprecated in OpenSSL 3 in favour of EVP,
//  kept; their context lives on the stack, while EVP allocates one or
//  dispatches through a provider per call (+50% on a 65-byte node).
#define OPENSSL_API_COMPAT 0x10100000L
#include <openssl/sha.h>
#include <sodium.h>
#include <stdbool.h>
#include <string.h>
#include "proto/seal.h"

int
seal_init (void)
{
    return sodium_init () < 0? ERR_INTERNAL: ERR_OK;
}

void
seal_keypair (uint8_t pk [SEAL_PUBLIC_BYTES], uint8_t sk [SEAL_SECRET_BYTES])
{
    crypto_sign_keypair (pk, sk);
}

void
seal_public_of (uint8_t pk [SEAL_PUBLIC_BYTES], const uint8_t sk [SEAL_SECRET_BYTES])
{
    crypto_sign_ed25519_sk_to_pk (pk, sk);
}

void
seal_sign (uint8_t sig [SEAL_SIG_BYTES], const uint8_t *m, size_t n,
           const uint8_t sk [SEAL_SECRET_BYTES])
{
    crypto_sign_detached (sig, NULL, m, n, sk);
}

int
seal_verify (const uint8_t sig [SEAL_SIG_BYTES], const uint8_t *m, size_t n,
             const uint8_t pk [SEAL_PUBLIC_BYTES])
{
    return crypto_sign_verify_detached (sig, m, n, pk) == 0? ERR_OK: ERR_BAD_SIGNATURE;
}

void
seal_hash (uint8_t out [SEAL_HASH_BYTES], const uint8_t *a, size_t na,
           const uint8_t *b, size_t nb)
{
    crypto_generichash_state st;
    crypto_generichash_init (&st, NULL, 0, SEAL_HASH_BYTES);
    crypto_generichash_update (&st, a, na);
    if (nb)
        crypto_generichash_update (&st, b, nb);
    crypto_generichash_final (&st, out, SEAL_HASH_BYTES);
}

void
seal_item_digest (uint8_t out [SEAL_HASH_BYTES], const uint8_t *salt,
                  size_t salt_len, const char *name, const char *value)
{
    name = name? name: "";
    value = value? value: "";
    //  The separator is the name's own NUL: one byte, always 0x00
    crypto_generichash_state st;
    crypto_generichash_init (&st, NULL, 0, SEAL_HASH_BYTES);
    crypto_generichash_update (&st, salt, salt_len);
    crypto_generichash_update (&st, (const uint8_t *) name, strlen (name) + 1);
    crypto_generichash_update (&st, (const uint8_t *) value, strlen (value));
    crypto_generichash_final (&st, out, SEAL_HASH_BYTES);
    sodium_memzero (&st, sizeof st);
}

void
seal_sha256 (uint8_t out [SEAL_HASH_BYTES], const uint8_t *m, size_t n)
{
    //  Not SHA256 (): in OpenSSL 3 it goes through EVP_Q_digest, which
    //  fetches the algorithm and allocates a context every call
    SHA256_CTX st;
    SHA256_Init (&st);
    SHA256_Update (&st, m, n);
    SHA256_Final (out, &st);
}

void
seal_wipe (void *p, size_t n)
{
    sodium_memzero (p, n);
}

void
seal_hex (char *out, const uint8_t *in, size_t n)
{
    static const char digits [] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out [2 * i] = digits [in [i] >> 4];
        out [2 * i + 1] = digits [in [i] & 15];
    }
    out [2 * n] = 0;
}

void
seal_hex_secret (char *out, const uint8_t *in, size_t n)
{
    sodium_bin2hex (out, 2 * n + 1, in, n);
}

int
seal_unhex (uint8_t *out, size_t n, const char *hex)
{
    size_t got = 0;
    const char *end = NULL;
    if (!hex || strlen (hex) != 2 * n)
        return ERR_MALFORMED;
    if (sodium_hex2bin (out, n, hex, 2 * n, NULL, &got, &end) != 0 || got != n)
        return ERR_MALFORMED;
    return ERR_OK;
}

void
seal_random (void *p, size_t n)
{
    randombytes_buf (p, n);
}

_Static_assert (sizeof (SHA256_CTX) <= sizeof (seal_sha256_ctx_t), "seal_sha256_ctx_t holds a SHA256_CTX");

void
seal_sha256_init (seal_sha256_ctx_t *ctx)
{
    SHA256_Init ((SHA256_CTX *) ctx->opaque);
}

void
seal_sha256_update (seal_sha256_ctx_t *ctx, const uint8_t *m, size_t n)
{
    SHA256_Update ((SHA256_CTX *) ctx->opaque, m, n);
}

void
seal_sha256_final (seal_sha256_ctx_t *ctx, uint8_t out [SEAL_HASH_BYTES])
{
    SHA256_Final (out, (SHA256_CTX *) ctx->opaque);
}

void
seal_sha256_cat (uint8_t out [SEAL_HASH_BYTES], const uint8_t *a, size_t na,
                 const uint8_t *b, size_t nb)
{
    SHA256_CTX st;
    SHA256_Init (&st);
    SHA256_Update (&st, a, na);
    if (nb)
        SHA256_Update (&st, b, nb);
    SHA256_Final (out, &st);
}

void
seal_keypair_seed (uint8_t pk [SEAL_PUBLIC_BYTES], uint8_t sk [SEAL_SECRET_BYTES],
                   const uint8_t seed [SEAL_SEED_BYTES])
{
    crypto_sign_seed_keypair (pk, sk, seed);
}

int
seal_base64_encode (char *out, size_t out_size, const uint8_t *in, size_t n)
{
    if (out_size < SEAL_BASE64_SIZE (n)) {
        if (out_size > 0)
            *out = 0;
        return ERR_TOO_LARGE;
    }
    sodium_bin2base64 (out, out_size, in, n, sodium_base64_VARIANT_ORIGINAL);
    return ERR_OK;
}

//  A character of the standard alphabet, or padding
static bool
s_base64_char (char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || c == '+' || c == '/' || c == '=';
}

int
seal_base64_decode (uint8_t *out, size_t out_max, size_t *out_len,
                    const char *in, size_t len)
{
    const char *end = NULL;
    size_t got = 0;
    //  Padded base64 comes in whole quads; this also bounds the output
    //  before libsodium writes anything
    if (!in || len % 4 != 0)
        return ERR_MALFORMED;
    //  libsodium 1.0.18 decodes some bytes from 0x80 up as '/' (a root
    //  line with U+2500 in it read as the root with "///" there): only
    //  the alphabet and the padding are base64
    for (size_t i = 0; i < len; i++)
        if (!s_base64_char (in [i]))
            return ERR_MALFORMED;
    size_t pad = 0;
    if (len >= 1 && in [len - 1] == '=')
        pad++;
    if (len >= 2 && in [len - 2] == '=')
        pad++;
    if (len / 4 * 3 - pad > out_max)
        return ERR_TOO_LARGE;
    if (sodium_base642bin (out, out_max, in, len, NULL, &got, &end,
                           sodium_base64_VARIANT_ORIGINAL) != 0
    ||  end != in + len)
        return ERR_MALFORMED;
    *out_len = got;
    return ERR_OK;
}

void
seal_item_salt (uint8_t *salt, size_t salt_len, const uint8_t key [SEAL_HASH_BYTES],
                const char *context, const char *name, const char *value)
{
    uint8_t full [64];
    crypto_generichash_state st;
    crypto_generichash_init (&st, key, SEAL_HASH_BYTES, sizeof full);
    crypto_generichash_update (&st, (const uint8_t *) (context? context: ""), strlen (context? context: "") + 1);
    crypto_generichash_update (&st, (const uint8_t *) (name? name: ""), strlen (name? name: "") + 1);
    crypto_generichash_update (&st, (const uint8_t *) (value? value: ""), strlen (value? value: ""));
    crypto_generichash_final (&st, full, sizeof full);
    memcpy (salt, full, salt_len < sizeof full? salt_len: sizeof full);
    seal_wipe (full, sizeof full);
}
