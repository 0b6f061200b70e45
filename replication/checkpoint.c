/*  checkpoint.c -- C2SP tlog-checkpoint signed notes with Ed25519
    (checkpoint.h).

    Implements c2sp.org/signed-note (format, key ids, Ed25519 signature
    type 0x01, verifier key strings as golang.org/x/mod/sumdb/note
    writes them), c2sp.org/tlog-checkpoint (the three body lines) and
    c2sp.org/tlog-cosignature (cosignature/v1, type 0x04: receipts).

    Deliberately does not: accept or write checkpoint extension lines
    (licrepo never writes them, so a note carrying them did not come from
    a licrepo node); verify signature types other than Ed25519 (their
    lines are parsed and kept, and ignored by checkpoint_verify, as the
    spec requires of unknown keys); trust anything it parsed before
    checkpoint_verify says so; allocate anywhere but the returned notes.
*/
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "replication/checkpoint.h"

//  U+2014 EM DASH and a space open every signature line
#define S_SIG_PREFIX        "\xe2\x80\x94 "
#define S_SIG_PREFIX_LEN    4
#define S_ALG_ED25519       0x01
#define S_ALG_COSIG_V1      0x04        //  tlog-cosignature, Ed25519
//  cosignature/v1: "cosignature/v1\ntime <t>\n", at most 20 digits
#define S_COSIG_HEADER_MAX  (15 + 5 + 20 + 1 + 1)
#define S_COSIG_TIME_MAX    INT64_MAX   //  the spec's 2^63 - 1
//  Key id + Ed25519 signature, and its base64 length
#define S_ED_SIG_BYTES      (4 + SEAL_SIG_BYTES)
#define S_ED_SIG_B64        SEAL_BASE64_SIZE (S_ED_SIG_BYTES)
//  Key id + timestamp + Ed25519 signature, and its base64 length
#define S_COSIG_BYTES       (4 + CHECKPOINT_COSIG_BYTES)
#define S_COSIG_B64         SEAL_BASE64_SIZE (S_COSIG_BYTES)
//  Longest signature line we write, NUL included
#define S_LINE_MAX          (S_SIG_PREFIX_LEN + CHECKPOINT_NAME_MAX + 1 \
                             + S_COSIG_B64 + 1)
#define S_ROOT_B64          SEAL_BASE64_SIZE (SEAL_HASH_BYTES)
//  Base64 in a note is at most the note: bound for decoded signatures
#define S_SIG_DECODED_MAX   (CHECKPOINT_NOTE_MAX / 4 * 3)
#define S_DIGITS_MAX        20      //  UINT64_MAX has 20 digits
//  Longest key (type byte and public key) read from a verifier key string
#define S_VKEY_KEY_MAX      64


//  --------------------------------------------------------------------
//  Text rules (signed-note "Format")

//  Decodes one UTF-8 sequence at s [*at], strictly (no overlong forms,
//  surrogates or values past U+10FFFF), and advances *at.
static bool
s_utf8_next (const uint8_t *s, size_t len, size_t *at, uint32_t *cp)
{
    size_t i = *at;
    uint8_t c = s [i];
    size_t extra;
    uint32_t value, min;
    if (c < 0x80) {
        *cp = c;
        *at = i + 1;
        return true;
    }
    if ((c & 0xe0) == 0xc0) {
        extra = 1;
        value = c & 0x1f;
        min = 0x80;
    }
    else
    if ((c & 0xf0) == 0xe0) {
        extra = 2;
        value = c & 0x0f;
        min = 0x800;
    }
    else
    if ((c & 0xf8) == 0xf0) {
        extra = 3;
        value = c & 0x07;
        min = 0x10000;
    }
    else
        return false;
    if (len - i - 1 < extra)
        return false;
    for (size_t k = 1; k <= extra; k++) {
        if ((s [i + k] & 0xc0) != 0x80)
            return false;
        value = (value << 6) | (s [i + k] & 0x3f);
    }
    if (value < min || value > 0x10ffff
    ||  (value >= 0xd800 && value <= 0xdfff))
        return false;
    *cp = value;
    *at = i + 1 + extra;
    return true;
}

//  Unicode White_Space, as Go's unicode.IsSpace sees it
static bool
s_is_space (uint32_t cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || cp == 0x85
        || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a)
        || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f
        || cp == 0x3000;
}

//  Valid UTF-8 with no control character but, if allowed, newline
static bool
s_text_valid (const char *text, size_t len, bool newline_ok)
{
    const uint8_t *s = (const uint8_t *) text;
    size_t at = 0;
    while (at < len) {
        uint32_t cp;
        if (!s_utf8_next (s, len, &at, &cp))
            return false;
        if (cp < 0x20 && !(newline_ok && cp == '\n'))
            return false;
    }
    return true;
}

//  signed-note: key names are non-empty, no Unicode space, no '+'
static bool
s_name_valid (const char *name, size_t len)
{
    const uint8_t *s = (const uint8_t *) name;
    size_t at = 0;
    if (len == 0 || len > CHECKPOINT_NAME_MAX)
        return false;
    while (at < len) {
        uint32_t cp;
        if (!s_utf8_next (s, len, &at, &cp))
            return false;
        if (cp < 0x20 || cp == '+' || s_is_space (cp))
            return false;
    }
    return true;
}

//  NUL-terminated name that passes s_name_valid
static bool
s_cname_valid (const char *name)
{
    return name && s_name_valid (name, strnlen (name, CHECKPOINT_NAME_MAX + 1));
}


//  --------------------------------------------------------------------
//  Keys

//  SHA-256 (name ‖ 0x0A ‖ key)[:4], big-endian; key = type byte ‖ public key
static uint32_t
s_key_id (const char *name, size_t name_len, const uint8_t *key, size_t key_len)
{
    uint8_t tail [1 + S_VKEY_KEY_MAX];
    uint8_t digest [SEAL_HASH_BYTES];
    assert (key_len <= S_VKEY_KEY_MAX);
    tail [0] = '\n';
    memcpy (tail + 1, key, key_len);
    seal_sha256_cat (digest, (const uint8_t *) name, name_len, tail,
                     key_len + 1);
    return (uint32_t) digest [0] << 24 | (uint32_t) digest [1] << 16
         | (uint32_t) digest [2] << 8 | digest [3];
}

//  Key id of Ed25519 key pk as a key of type alg
static uint32_t
s_alg_key_id (const char *name, uint8_t alg,
              const uint8_t pk [SEAL_PUBLIC_BYTES])
{
    uint8_t key [1 + SEAL_PUBLIC_BYTES];
    key [0] = alg;
    memcpy (key + 1, pk, SEAL_PUBLIC_BYTES);
    return s_key_id (name, strlen (name), key, sizeof key);
}

uint32_t
checkpoint_key_id (const char *name, const uint8_t pk [SEAL_PUBLIC_BYTES])
{
    return s_alg_key_id (name, S_ALG_ED25519, pk);
}

uint32_t
checkpoint_cosig_key_id (const char *name, const uint8_t pk [SEAL_PUBLIC_BYTES])
{
    return s_alg_key_id (name, S_ALG_COSIG_V1, pk);
}

//  <name>+<id>+<base64 (alg ‖ pk)>
static int
s_vkey (const char *name, uint8_t alg, const uint8_t pk [SEAL_PUBLIC_BYTES],
        char *out, size_t size)
{
    uint8_t key [1 + SEAL_PUBLIC_BYTES];
    char key64 [SEAL_BASE64_SIZE (sizeof key)];
    if (size > 0)
        *out = 0;
    if (!s_cname_valid (name))
        return ERR_MALFORMED;
    key [0] = alg;
    memcpy (key + 1, pk, SEAL_PUBLIC_BYTES);
    int rc = seal_base64_encode (key64, sizeof key64, key, sizeof key);
    assert (rc == ERR_OK);
    int n = snprintf (out, size, "%s+%08x+%s", name,
                      (unsigned) s_alg_key_id (name, alg, pk), key64);
    if (n < 0 || (size_t) n >= size) {
        if (size > 0)
            *out = 0;
        return ERR_TOO_LARGE;
    }
    return rc;
}

int
checkpoint_vkey (const char *name, const uint8_t pk [SEAL_PUBLIC_BYTES],
                 char *out, size_t size)
{
    return s_vkey (name, S_ALG_ED25519, pk, out, size);
}

int
checkpoint_cosig_vkey (const char *name, const uint8_t pk [SEAL_PUBLIC_BYTES],
                       char *out, size_t size)
{
    return s_vkey (name, S_ALG_COSIG_V1, pk, out, size);
}

//  Parses a verifier key of type alg (an Ed25519 key)
static int
s_vkey_parse (const char *vkey, uint8_t alg, char *name,
              uint8_t pk [SEAL_PUBLIC_BYTES])
{
    uint8_t key [S_VKEY_KEY_MAX];
    uint8_t id_bytes [4];
    char hex [9];
    size_t key_len = 0;
    size_t len = strnlen (vkey, CHECKPOINT_VKEY_MAX);
    if (len == CHECKPOINT_VKEY_MAX)
        return ERR_MALFORMED;
    //  name + 8 hex digits + base64; the name cannot hold a '+'
    const char *plus1 = memchr (vkey, '+', len);
    if (!plus1)
        return ERR_MALFORMED;
    size_t name_len = (size_t) (plus1 - vkey);
    const char *hex_at = plus1 + 1;
    const char *end = vkey + len;
    if (!s_name_valid (vkey, name_len) || end - hex_at < 9 || hex_at [8] != '+')
        return ERR_MALFORMED;
    //  Lower-case hex only, as written (%08x): one text per key.
    for (int i = 0; i < 8; i++)
        if (!((hex_at [i] >= '0' && hex_at [i] <= '9') || (hex_at [i] >= 'a' && hex_at [i] <= 'f')))
            return ERR_MALFORMED;
    memcpy (hex, hex_at, 8);
    hex [8] = 0;
    const char *key64 = hex_at + 9;
    if (seal_unhex (id_bytes, sizeof id_bytes, hex) != ERR_OK
    ||  seal_base64_decode (key, sizeof key, &key_len, key64,
                            (size_t) (end - key64)) != ERR_OK
    ||  key_len == 0)
        return ERR_MALFORMED;
    uint32_t id = (uint32_t) id_bytes [0] << 24 | (uint32_t) id_bytes [1] << 16
                | (uint32_t) id_bytes [2] << 8 | id_bytes [3];
    if (id != s_key_id (vkey, name_len, key, key_len))
        return ERR_MALFORMED;
    if (key [0] != alg)
        return ERR_UNKNOWN_KEY;
    if (key_len != 1 + SEAL_PUBLIC_BYTES)
        return ERR_MALFORMED;
    memcpy (name, vkey, name_len);
    name [name_len] = 0;
    memcpy (pk, key + 1, SEAL_PUBLIC_BYTES);
    return ERR_OK;
}

int
checkpoint_vkey_parse (const char *vkey, char *name,
                       uint8_t pk [SEAL_PUBLIC_BYTES])
{
    return s_vkey_parse (vkey, S_ALG_ED25519, name, pk);
}

int
checkpoint_cosig_vkey_parse (const char *vkey, char *name,
                             uint8_t pk [SEAL_PUBLIC_BYTES])
{
    return s_vkey_parse (vkey, S_ALG_COSIG_V1, name, pk);
}

//  True if pk is the public half of sk
static bool
s_pair_valid (const uint8_t sk [SEAL_SECRET_BYTES],
              const uint8_t pk [SEAL_PUBLIC_BYTES])
{
    uint8_t derived [SEAL_PUBLIC_BYTES];
    seal_public_of (derived, sk);
    return memcmp (derived, pk, SEAL_PUBLIC_BYTES) == 0;
}


//  --------------------------------------------------------------------
//  Writing

//  Writes "— <name> <base64 (sig)>\n" and a NUL into line (S_LINE_MAX
//  bytes); returns its length.  sig is a signature line's bytes, key id
//  first (at most S_COSIG_BYTES).
static size_t
s_line (const char *key_name, const uint8_t *sig, size_t sig_len, char line [S_LINE_MAX])
{
    char sig64 [S_COSIG_B64];
    assert (sig_len <= S_COSIG_BYTES);
    int rc = seal_base64_encode (sig64, sizeof sig64, sig, sig_len);
    assert (rc == ERR_OK);
    (void) rc;
    int n = snprintf (line, S_LINE_MAX, S_SIG_PREFIX "%s %s\n", key_name, sig64);
    assert (n > 0 && (size_t) n < S_LINE_MAX);
    return (size_t) n;
}

//  Writes "— <name> <base64 (key id ‖ Ed25519 (body))>\n" and a NUL into
//  line (S_LINE_MAX bytes); returns its length
static size_t
s_sig_line (const char *body, size_t body_len, const char *key_name,
            const uint8_t sk [SEAL_SECRET_BYTES],
            const uint8_t pk [SEAL_PUBLIC_BYTES], char line [S_LINE_MAX])
{
    uint8_t sig [S_ED_SIG_BYTES];
    uint32_t id = checkpoint_key_id (key_name, pk);
    sig [0] = (uint8_t) (id >> 24);
    sig [1] = (uint8_t) (id >> 16);
    sig [2] = (uint8_t) (id >> 8);
    sig [3] = (uint8_t) id;
    seal_sign (sig + 4, (const uint8_t *) body, body_len, sk);
    return s_line (key_name, sig, sizeof sig, line);
}

//  tlog-cosignature "Ed25519 signed message": the header line, the
//  timestamp line, then the note body; into msg (S_COSIG_HEADER_MAX +
//  CHECKPOINT_BODY_MAX bytes), its length returned
static size_t
s_cosig_message (const char *body, size_t body_len, uint64_t timestamp,
                 char *msg)
{
    int n = snprintf (msg, S_COSIG_HEADER_MAX + 1, "cosignature/v1\ntime %llu\n",
                      (unsigned long long) timestamp);
    assert (n > 0 && n <= S_COSIG_HEADER_MAX);
    memcpy (msg + n, body, body_len);
    return (size_t) n + body_len;
}

//  Writes "— <name> <base64 (cosigner key id ‖ timestamp ‖ Ed25519 (
//  cosignature message))>\n" and a NUL into line (S_LINE_MAX bytes);
//  returns its length
static size_t
s_cosig_line (const char *body, size_t body_len, const char *key_name,
              const uint8_t sk [SEAL_SECRET_BYTES],
              const uint8_t pk [SEAL_PUBLIC_BYTES], uint64_t timestamp,
              char line [S_LINE_MAX])
{
    uint8_t sig [S_COSIG_BYTES];
    char msg [S_COSIG_HEADER_MAX + CHECKPOINT_BODY_MAX];
    uint32_t id = checkpoint_cosig_key_id (key_name, pk);
    for (int i = 0; i < 4; i++)
        sig [i] = (uint8_t) (id >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        sig [4 + i] = (uint8_t) (timestamp >> (56 - 8 * i));
    size_t msg_len = s_cosig_message (body, body_len, timestamp, msg);
    seal_sign (sig + 12, (const uint8_t *) msg, msg_len, sk);
    return s_line (key_name, sig, sizeof sig, line);
}

//  Returns a malloc'd copy of head ‖ tail, NUL-terminated, or NULL
static char *
s_concat (const char *head, size_t head_len, const char *tail, size_t tail_len)
{
    char *out = malloc (head_len + tail_len + 1);
    if (out) {
        memcpy (out, head, head_len);
        memcpy (out + head_len, tail, tail_len);
        out [head_len + tail_len] = 0;
    }
    return out;
}

int
checkpoint_sign (const char *origin, uint64_t size,
                 const uint8_t root [SEAL_HASH_BYTES], const char *key_name,
                 const uint8_t sk [SEAL_SECRET_BYTES],
                 const uint8_t pk [SEAL_PUBLIC_BYTES], char **note_out)
{
    char body [CHECKPOINT_BODY_MAX + 1];
    char root64 [S_ROOT_B64];
    char line [S_LINE_MAX];
    *note_out = NULL;
    size_t origin_len = origin? strnlen (origin, CHECKPOINT_NAME_MAX + 1): 0;
    if (origin_len == 0 || origin_len > CHECKPOINT_NAME_MAX
    ||  !s_text_valid (origin, origin_len, false)
    ||  !s_cname_valid (key_name) || !s_pair_valid (sk, pk))
        return ERR_MALFORMED;
    int rc = seal_base64_encode (root64, sizeof root64, root, SEAL_HASH_BYTES);
    assert (rc == ERR_OK);
    //  tlog-checkpoint "Note text": origin, size, root
    int n = snprintf (body, sizeof body, "%s\n%llu\n%s\n", origin,
                      (unsigned long long) size, root64);
    assert (n > 0 && (size_t) n < sizeof body);
    size_t body_len = (size_t) n;
    size_t line_len = s_sig_line (body, body_len, key_name, sk, pk, line);
    //  signed-note "Format": text, blank line, signature lines
    body [body_len] = '\n';
    *note_out = s_concat (body, body_len + 1, line, line_len);
    return *note_out? rc: ERR_NOMEM;
}

int
checkpoint_cosign_at (const char *note, const char *key_name,
                      const uint8_t sk [SEAL_SECRET_BYTES],
                      const uint8_t pk [SEAL_PUBLIC_BYTES], uint64_t timestamp,
                      char **note_out)
{
    *note_out = NULL;
    checkpoint_t *cp = malloc (sizeof *cp);
    if (!cp)
        return ERR_NOMEM;
    char line [S_LINE_MAX];
    size_t line_len = 0;
    size_t len = strnlen (note, CHECKPOINT_NOTE_MAX + 1);
    int rc = checkpoint_parse (note, len, cp);
    if (rc == ERR_OK && (!s_cname_valid (key_name) || !s_pair_valid (sk, pk)
    ||  timestamp > S_COSIG_TIME_MAX))
        rc = ERR_MALFORMED;
    if (rc == ERR_OK) {
        rc = checkpoint_cosig_verify (cp, key_name, pk, NULL);
        if (rc == ERR_UNKNOWN_KEY) {
            //  Not cosigned by this key yet: add our line
            line_len = s_cosig_line (cp->body, cp->body_len, key_name, sk, pk,
                                     timestamp, line);
            rc = cp->n_sigs == CHECKPOINT_SIGS_MAX
              || len + line_len > CHECKPOINT_NOTE_MAX? ERR_TOO_LARGE: ERR_OK;
        }
    }
    if (rc == ERR_OK) {
        *note_out = s_concat (note, len, line, line_len);
        if (!*note_out)
            rc = ERR_NOMEM;
    }
    free (cp);
    return rc;
}

int
checkpoint_cosign (const char *note, const char *key_name,
                   const uint8_t sk [SEAL_SECRET_BYTES],
                   const uint8_t pk [SEAL_PUBLIC_BYTES], char **note_out)
{
    time_t now = time (NULL);
    return checkpoint_cosign_at (note, key_name, sk, pk,
                                 now > 0? (uint64_t) now: 0, note_out);
}


//  --------------------------------------------------------------------
//  Reading

//  tlog-checkpoint: ASCII decimal, no sign, no leading zero but "0"
static bool
s_parse_size (const char *s, size_t len, uint64_t *out)
{
    uint64_t value = 0;
    if (len == 0 || len > S_DIGITS_MAX || (len > 1 && s [0] == '0'))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s [i] < '0' || s [i] > '9')
            return false;
        unsigned digit = (unsigned) (s [i] - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *out = value;
    return true;
}

//  Next line of [*at, end) without its newline; false if there is none
//  (the caller has checked that the text ends in a newline)
static bool
s_next_line (const char *text, size_t end, size_t *at, const char **line,
             size_t *line_len)
{
    if (*at >= end)
        return false;
    const char *nl = memchr (text + *at, '\n', end - *at);
    assert (nl);
    *line = text + *at;
    *line_len = (size_t) (nl - *line);
    *at += *line_len + 1;
    return true;
}

//  The three body lines: origin, size, root, and nothing else
static int
s_parse_body (const char *body, size_t body_len, checkpoint_t *out)
{
    const char *line;
    size_t line_len;
    size_t at = 0;
    size_t root_len = 0;
    if (!s_next_line (body, body_len, &at, &line, &line_len) || line_len == 0)
        return ERR_MALFORMED;
    if (line_len > CHECKPOINT_NAME_MAX)
        return ERR_TOO_LARGE;
    memcpy (out->origin, line, line_len);
    out->origin [line_len] = 0;
    if (!s_next_line (body, body_len, &at, &line, &line_len)
    ||  !s_parse_size (line, line_len, &out->size))
        return ERR_MALFORMED;
    if (!s_next_line (body, body_len, &at, &line, &line_len)
    ||  seal_base64_decode (out->root, sizeof out->root, &root_len, line,
                            line_len) != ERR_OK
    ||  root_len != SEAL_HASH_BYTES)
        return ERR_MALFORMED;
    if (at != body_len)
        return ERR_MALFORMED;       //  extension lines
    assert (body_len <= CHECKPOINT_BODY_MAX);
    memcpy (out->body, body, body_len);
    out->body [body_len] = 0;
    out->body_len = body_len;
    return ERR_OK;
}

//  One "— <name> <base64>" line (without its newline)
static int
s_parse_sig (const char *line, size_t line_len, checkpoint_sig_t *sig)
{
    uint8_t raw [S_SIG_DECODED_MAX];
    size_t raw_len = 0;
    if (line_len < S_SIG_PREFIX_LEN
    ||  memcmp (line, S_SIG_PREFIX, S_SIG_PREFIX_LEN) != 0)
        return ERR_MALFORMED;
    const char *name = line + S_SIG_PREFIX_LEN;
    const char *end = line + line_len;
    const char *space = memchr (name, ' ', (size_t) (end - name));
    if (!space)
        return ERR_MALFORMED;
    size_t name_len = (size_t) (space - name);
    if (name_len > CHECKPOINT_NAME_MAX)
        return ERR_TOO_LARGE;
    if (!s_name_valid (name, name_len))
        return ERR_MALFORMED;
    const char *sig64 = space + 1;
    //  Key id and at least one byte of signature
    if (seal_base64_decode (raw, sizeof raw, &raw_len, sig64,
                            (size_t) (end - sig64)) != ERR_OK
    ||  raw_len < 5)
        return ERR_MALFORMED;
    memcpy (sig->name, name, name_len);
    sig->name [name_len] = 0;
    sig->key_id = (uint32_t) raw [0] << 24 | (uint32_t) raw [1] << 16
                | (uint32_t) raw [2] << 8 | raw [3];
    sig->sig_len = raw_len - 4;
    sig->timestamp = 0;
    memset (sig->sig, 0, sizeof sig->sig);
    if (sig->sig_len == SEAL_SIG_BYTES)
        memcpy (sig->sig, raw + 4, SEAL_SIG_BYTES);
    else
    if (sig->sig_len == CHECKPOINT_COSIG_BYTES) {
        //  cosignature/v1: big-endian timestamp, then the signature
        for (int i = 0; i < 8; i++)
            sig->timestamp = sig->timestamp << 8 | raw [4 + i];
        memcpy (sig->sig, raw + 12, SEAL_SIG_BYTES);
    }
    return ERR_OK;
}

int
checkpoint_parse (const char *note, size_t len, checkpoint_t *out)
{
    memset (out, 0, sizeof *out);
    if (len > CHECKPOINT_NOTE_MAX)
        return ERR_TOO_LARGE;
    //  signed-note "Format": UTF-8, no control characters but newline,
    //  text ending in newline, blank line, signature lines
    if (len == 0 || note [len - 1] != '\n' || !s_text_valid (note, len, true))
        return ERR_MALFORMED;
    //  The text ends at the last blank line; signature lines are never
    //  empty, so that is the last "\n\n"
    size_t sep = len - 1;
    while (sep > 0 && !(note [sep - 1] == '\n' && note [sep] == '\n'))
        sep--;
    if (sep == 0)
        return ERR_MALFORMED;
    size_t body_len = sep;          //  up to and including the text's newline
    int rc = s_parse_body (note, body_len, out);
    size_t at = sep + 1;
    const char *line;
    size_t line_len;
    while (rc == ERR_OK && s_next_line (note, len, &at, &line, &line_len)) {
        if (out->n_sigs == CHECKPOINT_SIGS_MAX)
            rc = ERR_TOO_LARGE;
        else
            rc = s_parse_sig (line, line_len, &out->sigs [out->n_sigs++]);
    }
    if (rc == ERR_OK && out->n_sigs == 0)
        rc = ERR_MALFORMED;
    if (rc != ERR_OK)
        memset (out, 0, sizeof *out);
    return rc;
}

int
checkpoint_verify (const checkpoint_t *cp, const char *key_name,
                   const uint8_t pk [SEAL_PUBLIC_BYTES])
{
    if (!s_cname_valid (key_name))
        return ERR_UNKNOWN_KEY;
    uint32_t id = checkpoint_key_id (key_name, pk);
    size_t verified = 0;
    for (size_t i = 0; i < cp->n_sigs; i++) {
        const checkpoint_sig_t *sig = &cp->sigs [i];
        if (sig->key_id != id || strcmp (sig->name, key_name) != 0)
            continue;               //  signed-note: ignore unknown keys
        //  Name and id match: it must verify, or the note is bad
        if (sig->sig_len != SEAL_SIG_BYTES
        ||  seal_verify (sig->sig, (const uint8_t *) cp->body, cp->body_len,
                         pk) != ERR_OK)
            return ERR_BAD_SIGNATURE;
        verified++;
    }
    return verified? ERR_OK: ERR_UNKNOWN_KEY;
}

int
checkpoint_cosig_verify (const checkpoint_t *cp, const char *key_name,
                         const uint8_t pk [SEAL_PUBLIC_BYTES],
                         uint64_t *timestamp)
{
    char msg [S_COSIG_HEADER_MAX + CHECKPOINT_BODY_MAX];
    if (!s_cname_valid (key_name))
        return ERR_UNKNOWN_KEY;
    uint32_t id = checkpoint_cosig_key_id (key_name, pk);
    size_t verified = 0;
    uint64_t latest = 0;
    for (size_t i = 0; i < cp->n_sigs; i++) {
        const checkpoint_sig_t *sig = &cp->sigs [i];
        if (sig->key_id != id || strcmp (sig->name, key_name) != 0)
            continue;               //  signed-note: ignore unknown keys
        if (sig->sig_len != CHECKPOINT_COSIG_BYTES
        ||  sig->timestamp > S_COSIG_TIME_MAX)
            return ERR_BAD_SIGNATURE;
        size_t msg_len = s_cosig_message (cp->body, cp->body_len,
                                          sig->timestamp, msg);
        if (seal_verify (sig->sig, (const uint8_t *) msg, msg_len, pk)
            != ERR_OK)
            return ERR_BAD_SIGNATURE;
        if (sig->timestamp > latest)
            latest = sig->timestamp;
        verified++;
    }
    if (verified && timestamp)
        *timestamp = latest;
    return verified? ERR_OK: ERR_UNKNOWN_KEY;
}
