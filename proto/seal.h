/*  seal.h -- the only door to libsodium and OpenSSL's libcrypto:
    Ed25519 signatures, BLAKE2b and SHA-256 (libcrypto's) digests, key
    wiping, hex.  Call seal_init once first.
*/
#ifndef LICREPO_SEAL_H
#define LICREPO_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include "proto/err.h"

#define SEAL_PUBLIC_BYTES 32
#define SEAL_SECRET_BYTES 64
#define SEAL_SIG_BYTES    64
#define SEAL_HASH_BYTES   32
#define SEAL_SEED_BYTES   32

//  Initialises libsodium.  Returns ERR_OK or ERR_INTERNAL.
int MUST_CHECK
    seal_init (void);

//  New Ed25519 key pair.
void
    seal_keypair (uint8_t pk [SEAL_PUBLIC_BYTES], uint8_t sk [SEAL_SECRET_BYTES]);

//  Public key of a secret key.
void
    seal_public_of (uint8_t pk [SEAL_PUBLIC_BYTES], const uint8_t sk [SEAL_SECRET_BYTES]);

//  Detached Ed25519 signature of m.
void
    seal_sign (uint8_t sig [SEAL_SIG_BYTES], const uint8_t *m, size_t n,
               const uint8_t sk [SEAL_SECRET_BYTES]);

//  Returns ERR_OK if sig is pk's signature of m, else ERR_BAD_SIGNATURE.
int MUST_CHECK
    seal_verify (const uint8_t sig [SEAL_SIG_BYTES], const uint8_t *m, size_t n,
                 const uint8_t pk [SEAL_PUBLIC_BYTES]);

//  BLAKE2b-256 of a ‖ b (b may be NULL with nb 0).
void
    seal_hash (uint8_t out [SEAL_HASH_BYTES], const uint8_t *a, size_t na,
               const uint8_t *b, size_t nb);

//  SHA-256 of m.
void
    seal_sha256 (uint8_t out [SEAL_HASH_BYTES], const uint8_t *m, size_t n);

//  Zeroes secret memory so the compiler cannot elide it.
void
    seal_wipe (void *p, size_t n);

//  Writes 2*n lower-case hex digits and a NUL into out (2*n+1 bytes).
//  A table lookup a nibble: its time depends on the bytes, so never for
//  a secret (seal_hex_secret).  Public keys, digests and ids are hex'd
//  on the per-event path (a signer's map key twice an event).
void
    seal_hex (char *out, const uint8_t *in, size_t n);

//  The same digits in time that does not depend on the bytes
//  (libsodium's sodium_bin2hex): for secret keys.
void
    seal_hex_secret (char *out, const uint8_t *in, size_t n);

//  Parses exactly 2*n hex digits into out.  ERR_OK or ERR_MALFORMED.
int MUST_CHECK
    seal_unhex (uint8_t *out, size_t n, const char *hex);

//  Fills p with n random bytes.
void
    seal_random (void *p, size_t n);

//  SHA-256 of a stream (a license file, read a chunk at a time): init,
//  update for each piece in order, final.  The context holds no secret.
typedef struct {
    _Alignas (16) uint8_t opaque [128];     //  OpenSSL's SHA256_CTX (112 bytes)
} seal_sha256_ctx_t;
void
    seal_sha256_init (seal_sha256_ctx_t *ctx);
void
    seal_sha256_update (seal_sha256_ctx_t *ctx, const uint8_t *m, size_t n);
void
    seal_sha256_final (seal_sha256_ctx_t *ctx, uint8_t out [SEAL_HASH_BYTES]);

//  SHA-256 of a ‖ b (b may be NULL with nb 0): RFC 6962 hashes a one-byte
//  domain prefix and then the data without copying it.
void
    seal_sha256_cat (uint8_t out [SEAL_HASH_BYTES], const uint8_t *a, size_t na,
                     const uint8_t *b, size_t nb);

//  Ed25519 key pair from a 32-byte seed (RFC 8032 private key), for keys
//  kept or exchanged as seeds (Go's signed-note PRIVATE+KEY strings).
void
    seal_keypair_seed (uint8_t pk [SEAL_PUBLIC_BYTES], uint8_t sk [SEAL_SECRET_BYTES],
                       const uint8_t seed [SEAL_SEED_BYTES]);

//  Digest of a sensitive data item (proto/README.md
//  section 10): unkeyed BLAKE2b-256 of salt ‖ name ‖ 0x00 ‖ value.  The
//  0x00 keeps ("ab", "c") and ("a", "bc") apart; name and value are
//  NUL-terminated (NULL reads as "").
void
    seal_item_digest (uint8_t out [SEAL_HASH_BYTES], const uint8_t *salt,
                      size_t salt_len, const char *name, const char *value);

//  A salt for item `name` with `value` of the event named by context,
//  derived from a department's secret salt key: keyed BLAKE2b of
//  context ‖ 0x00 ‖ name ‖ 0x00 ‖ value, first salt_len (16..64) bytes.
//  The same event then encodes to the same bytes every time (so a
//  resent batch is recognised as duplicates), while nobody without the
//  key can test guesses of a value against its digest.
void
    seal_item_salt (uint8_t *salt, size_t salt_len, const uint8_t key [SEAL_HASH_BYTES],
                    const char *context, const char *name, const char *value);

//  Characters seal_base64_encode writes for n bytes, NUL included.
#define SEAL_BASE64_SIZE(n) ((((size_t) (n) + 2) / 3) * 4 + 1)

//  Writes the standard (RFC 4648 section 4, padded) base64 of in and a
//  NUL into out.  Returns ERR_OK, or ERR_TOO_LARGE if out_size is below
//  SEAL_BASE64_SIZE (n) (out is then left empty if out_size > 0).
int MUST_CHECK
    seal_base64_encode (char *out, size_t out_size, const uint8_t *in, size_t n);

//  Decodes exactly len characters of standard padded base64 into out and
//  sets *out_len.  Only the canonical spelling is accepted: no whitespace,
//  no missing or extra padding, no non-zero unused bits.  Returns ERR_OK,
//  ERR_MALFORMED, or ERR_TOO_LARGE if more than out_max bytes would result.
int MUST_CHECK
    seal_base64_decode (uint8_t *out, size_t out_max, size_t *out_len,
                        const char *in, size_t len);

#endif
