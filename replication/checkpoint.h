/*  checkpoint.h -- signed tree heads as C2SP tlog-checkpoint signed notes.

    A checkpoint is the text
        <origin>\n<tree size in decimal>\n<base64 of the 32-byte root>\n
    followed by a blank line and one or more signature lines
        — <key name> <base64 (4-byte key id ‖ signature)>\n
    (c2sp.org/tlog-checkpoint, c2sp.org/signed-note).  Signatures are
    Ed25519 over the text up to and including its last newline; the key
    id is the first 4 bytes of SHA-256 (name ‖ 0x0A ‖ 0x01 ‖ public key).
    A node signs its own checkpoints; its parent adds a line of its own
    as the receipt: a C2SP tlog-cosignature (c2sp.org/tlog-cosignature,
    cosignature/v1), whose key id is SHA-256 (name ‖ 0x0A ‖ 0x04 ‖ public
    key)[:4] and whose bytes are an 8-byte big-endian timestamp and an
    Ed25519 signature over "cosignature/v1\ntime <t>\n" ‖ the text.  So
    a receipt line is never taken for the parent's own checkpoint
    signature, and witness tooling reads it.
*/
#ifndef LICREPO_CHECKPOINT_H
#define LICREPO_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include "proto/err.h"
#include "proto/seal.h"

//  Longest origin or key name, in bytes
#define CHECKPOINT_NAME_MAX  255
//  Most signature lines a note may carry (signed-note: at least 16)
#define CHECKPOINT_SIGS_MAX  16
//  Longest note, in bytes
#define CHECKPOINT_NOTE_MAX  8192
//  Longest body: origin, 20 digits, 44 base64 characters, 3 newlines
#define CHECKPOINT_BODY_MAX  (CHECKPOINT_NAME_MAX + 20 + 44 + 3)
//  Longest verifier key string, NUL included
#define CHECKPOINT_VKEY_MAX  (CHECKPOINT_NAME_MAX + 1 + 8 + 1 + 44 + 1)

//  Bytes after the key id of a cosignature/v1 line: timestamp, signature
#define CHECKPOINT_COSIG_BYTES  (8 + SEAL_SIG_BYTES)

//  One signature line.  Lines by keys that are not Ed25519 (other
//  signature lengths) are kept too: signed-note says to ignore them.
typedef struct {
    char name [CHECKPOINT_NAME_MAX + 1];    //  key name, NUL-terminated
    uint32_t key_id;            //  first 4 bytes, big-endian
    uint8_t sig [SEAL_SIG_BYTES];   //  the Ed25519 signature, if sig_len is
                                    //  64 or CHECKPOINT_COSIG_BYTES
    size_t sig_len;             //  bytes after the key id
    uint64_t timestamp;         //  if sig_len is CHECKPOINT_COSIG_BYTES: the
                                //  cosignature's first 8 bytes (big-endian)
} checkpoint_sig_t;

//  A parsed note.  Plain value; holds no pointers.
typedef struct {
    char origin [CHECKPOINT_NAME_MAX + 1];  //  first line, NUL-terminated
    uint64_t size;              //  tree size
    uint8_t root [SEAL_HASH_BYTES];     //  root hash at that size
    char body [CHECKPOINT_BODY_MAX + 1];    //  the signed text, NUL-terminated
    size_t body_len;            //  its length, final newline included
    checkpoint_sig_t sigs [CHECKPOINT_SIGS_MAX];    //  in note order
    size_t n_sigs;              //  1 .. CHECKPOINT_SIGS_MAX
} checkpoint_t;

//  Key id of an Ed25519 key: SHA-256 (name ‖ 0x0A ‖ 0x01 ‖ pk)[:4] as a
//  big-endian number.
uint32_t
    checkpoint_key_id (const char *name, const uint8_t pk [SEAL_PUBLIC_BYTES]);

//  Key id of an Ed25519 cosigner key (tlog-cosignature):
//  SHA-256 (name ‖ 0x0A ‖ 0x04 ‖ pk)[:4] as a big-endian number.
uint32_t
    checkpoint_cosig_key_id (const char *name,
                             const uint8_t pk [SEAL_PUBLIC_BYTES]);

//  Writes the verifier key string <name>+<8 hex id>+<base64 (0x01 ‖ pk)>
//  and a NUL into out.  Returns ERR_OK, ERR_MALFORMED if name is not a
//  valid key name (non-empty, at most CHECKPOINT_NAME_MAX bytes of UTF-8,
//  no space, '+' or control character), or ERR_TOO_LARGE if size is
//  too small (CHECKPOINT_VKEY_MAX always suffices).
int MUST_CHECK
    checkpoint_vkey (const char *name, const uint8_t pk [SEAL_PUBLIC_BYTES],
                     char *out, size_t size);

//  Like checkpoint_vkey, for the same key as a cosigner:
//  <name>+<8 hex cosigner id>+<base64 (0x04 ‖ pk)>.
int MUST_CHECK
    checkpoint_cosig_vkey (const char *name,
                           const uint8_t pk [SEAL_PUBLIC_BYTES],
                           char *out, size_t size);

//  Like checkpoint_vkey_parse, for a cosigner's verifier key (type 0x04);
//  ERR_UNKNOWN_KEY for a well-formed key of another type.
int MUST_CHECK
    checkpoint_cosig_vkey_parse (const char *vkey, char *name,
                                 uint8_t pk [SEAL_PUBLIC_BYTES]);

//  Parses a verifier key string into name (CHECKPOINT_NAME_MAX + 1
//  bytes) and pk.  Returns ERR_OK; ERR_MALFORMED for a bad name, id or
//  base64, a wrong key length or an id that does not match the key;
//  ERR_UNKNOWN_KEY for a well-formed key of another algorithm.
int MUST_CHECK
    checkpoint_vkey_parse (const char *vkey, char *name,
                           uint8_t pk [SEAL_PUBLIC_BYTES]);

//  Signs a checkpoint of (origin, size, root) with key_name's key pair
//  and returns the note in *note_out (malloc'd, NUL-terminated; caller
//  frees).  Returns ERR_OK; ERR_MALFORMED if origin (non-empty, at most
//  CHECKPOINT_NAME_MAX bytes of UTF-8, no control character) or key_name
//  is invalid, or pk is not sk's public key; ERR_NOMEM.
int MUST_CHECK
    checkpoint_sign (const char *origin, uint64_t size,
                     const uint8_t root [SEAL_HASH_BYTES],
                     const char *key_name,
                     const uint8_t sk [SEAL_SECRET_BYTES],
                     const uint8_t pk [SEAL_PUBLIC_BYTES], char **note_out);

//  Adds key_name's cosignature/v1 line, made at the current time, to the
//  NUL-terminated note (a receipt) and returns the new note in *note_out
//  (malloc'd; caller frees).  It does not check the signatures already
//  there: verify the signer's first.  If the note already carries a
//  cosignature by this key that verifies, the result is an unchanged
//  copy.  Returns ERR_OK; any error of checkpoint_parse;
//  ERR_BAD_SIGNATURE if a cosignature by this key is there but does not
//  verify; ERR_TOO_LARGE if the note is full; ERR_MALFORMED for a bad
//  key_name or key pair; ERR_NOMEM.
int MUST_CHECK
    checkpoint_cosign (const char *note, const char *key_name,
                       const uint8_t sk [SEAL_SECRET_BYTES],
                       const uint8_t pk [SEAL_PUBLIC_BYTES], char **note_out);

//  checkpoint_cosign with the given timestamp (POSIX seconds, at most
//  2^63 - 1, else ERR_MALFORMED).
int MUST_CHECK
    checkpoint_cosign_at (const char *note, const char *key_name,
                          const uint8_t sk [SEAL_SECRET_BYTES],
                          const uint8_t pk [SEAL_PUBLIC_BYTES],
                          uint64_t timestamp, char **note_out);

//  Parses len bytes of note into *out, strictly: valid UTF-8 without
//  control characters other than newline, final newline present, exactly
//  the three checkpoint lines (no extension lines: licrepo never writes
//  them), canonical decimal size, canonical base64 of exactly 32 bytes,
//  one blank line, 1..CHECKPOINT_SIGS_MAX well-formed signature lines.
//  Signatures are not verified.  Returns ERR_OK, ERR_MALFORMED, or
//  ERR_TOO_LARGE (note, origin, name or signature count over its limit).
int MUST_CHECK
    checkpoint_parse (const char *note, size_t len, checkpoint_t *out);

//  Verifies cp's lines by key_name with key pk: ERR_OK if there is at
//  least one and every one verifies; ERR_BAD_SIGNATURE if one does not;
//  ERR_UNKNOWN_KEY if no line has both that name and that key's id.
//  Cosignatures by the same key have another id and are not looked at.
int MUST_CHECK
    checkpoint_verify (const checkpoint_t *cp, const char *key_name,
                       const uint8_t pk [SEAL_PUBLIC_BYTES]);

//  Verifies cp's cosignature/v1 lines by key_name with key pk (cosigner
//  key id): ERR_OK if there is at least one and every one verifies (then
//  *timestamp, if not NULL, is the latest one's time); ERR_BAD_SIGNATURE
//  if one does not, or is not 72 bytes, or its time is over 2^63 - 1;
//  ERR_UNKNOWN_KEY if no line has both that name and that id.
int MUST_CHECK
    checkpoint_cosig_verify (const checkpoint_t *cp, const char *key_name,
                             const uint8_t pk [SEAL_PUBLIC_BYTES],
                             uint64_t *timestamp);

#endif
