/*  test_checkpoint.c -- C2SP tlog-checkpoint signed notes
    (replication/checkpoint.c) and the base64 added to proto/seal.c.

    Vectors from public sources:
      - golang.org/x/mod sumdb/note/note_test.go: PeterNeumann and
        EnochRoot verifier keys, PeterNeumann's private key, the signed
        "If you think cryptography..." note and its two signature lines;
      - transparency-dev/formats log/note_test.go: the Log, Known,
        KnownAgain and Unknown key pairs, and a real sum.golang.org
        checkpoint with its verifier key;
      - transparency-dev/formats log/checkpoint_test.go: "bananas" base64;
      - c2sp.org/tlog-checkpoint: the example checkpoint (parse only);
      - transparency-dev/formats note/note_cosigv1_test.go: a real
        cosignature/v1 verifier key (remora.n621.de, type 0x04) and a
        cosignature's bytes with their timestamp.
*/
#undef NDEBUG
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replication/checkpoint.h"
#include "replication/merkle.h"
#include "proto/seal.h"

//  U+2014 EM DASH and a space
#define DASH        "\xe2\x80\x94 "

//  golang.org/x/mod sumdb/note/note_test.go
#define PETER_VKEY  "PeterNeumann+c74f20a3+" \
                    "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PETER_SKEY  "PRIVATE+KEY+PeterNeumann+c74f20a3+" \
                    "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define ENOCH_VKEY  "EnochRoot+af0cfe78+" \
                    "ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define GO_TEXT     "If you think cryptography is the answer to your " \
                    "problem,\nthen you don't know what your problem is.\n"
#define PETER_SIG   "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1" \
                    "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
#define ENOCH_SIG   "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+" \
                    "vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="

//  transparency-dev/formats log/note_test.go TestSumDBNoteParsing
#define SUMDB_VKEY  "sum.golang.org+033de0ae+" \
                    "Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
#define SUMDB_ROOT  "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk="
#define SUMDB_BODY  "go.sum database tree\n6476701\n" SUMDB_ROOT "\n"
#define SUMDB_SIG   "Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1" \
                    "xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw="
#define SUMDB_LINE  DASH "sum.golang.org " SUMDB_SIG "\n"
#define SUMDB_NOTE  SUMDB_BODY "\n" SUMDB_LINE

//  c2sp.org/tlog-checkpoint
#define SOFA_NOTE   "example.com/behind-the-sofa\n20852163\n" \
                    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n" \
                    DASH "example.com/behind-the-sofa " \
                    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7" \
                    "u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"

//  transparency-dev/formats note/note_cosigv1_test.go
#define REMORA_VKEY "remora.n621.de+da77ade7+" \
                    "BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
#define COSIG_B64   "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlq" \
                    "JyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
#define COSIG_TIME  1727964367

//  transparency-dev/formats log/note_test.go
static const struct {
    const char *vkey;
    const char *skey;
} s_formats_keys [] = {
    {"Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs",
     "PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ"},
    {"Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH",
     "PRIVATE+KEY+Known+451c786d+AQPRoE2+Z+Ed1HaHBA9F/FfracvcZ2rDU39kCecMEoci"},
    {"KnownAgain+4893b26c+AQ+LR7BFF/F/dkpIBjBpSvT0crkteizuUkavAoGeaYMj",
     "PRIVATE+KEY+KnownAgain+4893b26c+"
     "ARhZda/l25zjGZswYLDZsLNRzNpmv5wYTN9IoTr1OJ2+"},
    {"Unknown+fdbb2e08+AWgRIYZ+8x1Vl+1Q+sR8zciNHiYI1SdlBjNw+RV0rots",
     "PRIVATE+KEY+Unknown+fdbb2e08+"
     "Aav2knTC6orbhXX8pMWuNiWgO+Wwk2DB+h1eU2Q1W1nU"},
    {PETER_VKEY, PETER_SKEY},
};

typedef struct {
    char name [CHECKPOINT_NAME_MAX + 1];
    uint8_t pk [SEAL_PUBLIC_BYTES];
    uint8_t sk [SEAL_SECRET_BYTES];
} test_key_t;


//  --------------------------------------------------------------------
//  Helpers

//  Key pair from a Go "PRIVATE+KEY+<name>+<id>+<base64 (0x01 ‖ seed)>"
static test_key_t
s_key_from_skey (const char *skey)
{
    test_key_t key;
    uint8_t raw [64];
    size_t raw_len = 0;
    const char *name = skey + strlen ("PRIVATE+KEY+");
    const char *plus = strchr (name, '+');
    assert (plus && (size_t) (plus - name) <= CHECKPOINT_NAME_MAX);
    memcpy (key.name, name, (size_t) (plus - name));
    key.name [plus - name] = 0;
    const char *b64 = plus + 1 + 8 + 1;         //  past "+<8 hex>+"
    assert (b64 [-1] == '+');
    assert (seal_base64_decode (raw, sizeof raw, &raw_len, b64, strlen (b64))
            == ERR_OK);
    assert (raw_len == 1 + SEAL_SEED_BYTES && raw [0] == 0x01);
    seal_keypair_seed (key.pk, key.sk, raw + 1);
    return key;
}

static test_key_t
s_new_key (const char *name)
{
    test_key_t key;
    snprintf (key.name, sizeof key.name, "%s", name);
    seal_keypair (key.pk, key.sk);
    return key;
}

static char *
s_sign (const test_key_t *key, const char *origin, uint64_t size)
{
    uint8_t root [SEAL_HASH_BYTES];
    char *note = NULL;
    seal_sha256 (root, (const uint8_t *) &size, sizeof size);
    assert (checkpoint_sign (origin, size, root, key->name, key->sk, key->pk,
                             &note) == ERR_OK);
    assert (note);
    return note;
}

static int
s_parse (const char *note, checkpoint_t *cp)
{
    return checkpoint_parse (note, strlen (note), cp);
}

//  Parses note (NUL-terminated) and returns the code
static int
s_parse_code (const char *note)
{
    checkpoint_t *cp = malloc (sizeof *cp);
    assert (cp);
    int rc = s_parse (note, cp);
    if (rc != ERR_OK)
        assert (cp->n_sigs == 0 && cp->origin [0] == 0);
    free (cp);
    return rc;
}

static uint64_t s_rng = 0x243f6a8885a308d3ull;

static uint64_t
s_random (void)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 0x2545f4914f6cdd1dull;
}


//  --------------------------------------------------------------------
//  Base64 (seal.c)

static void
test_base64_round_trips_and_matches_vectors (void)
{
    char out [SEAL_BASE64_SIZE (64)];
    uint8_t bin [64];
    size_t len = 0;
    assert (seal_base64_encode (out, sizeof out, (const uint8_t *) "bananas", 7)
            == ERR_OK);
    assert (strcmp (out, "YmFuYW5hcw==") == 0);
    assert (seal_base64_decode (bin, sizeof bin, &len, out, strlen (out))
            == ERR_OK);
    assert (len == 7 && memcmp (bin, "bananas", 7) == 0);
    assert (seal_base64_encode (out, sizeof out, bin, 0) == ERR_OK);
    assert (strcmp (out, "") == 0);
    assert (seal_base64_decode (bin, sizeof bin, &len, "", 0) == ERR_OK && len
            == 0);
    for (size_t n = 0; n <= 64; n++) {
        uint8_t in [64];
        seal_random (in, n);
        assert (seal_base64_encode (out, SEAL_BASE64_SIZE (n), in, n)
                == ERR_OK);
        assert (strlen (out) == SEAL_BASE64_SIZE (n) - 1);
        assert (seal_base64_decode (bin, n, &len, out, strlen (out)) == ERR_OK);
        assert (len == n && memcmp (bin, in, n) == 0);
        if (n > 0) {
            assert (seal_base64_decode (bin, n - 1, &len, out, strlen (out))
                    == ERR_TOO_LARGE);
            assert (seal_base64_encode (out, SEAL_BASE64_SIZE (n) - 1, in, n)
                    == ERR_TOO_LARGE);
            assert (out [0] == 0);
        }
    }
}

static void
test_base64_refuses_non_canonical_text (void)
{
    static const char *bad [] = {
        "YmFuYW5hcw=",          //  short quad
        "YmFuYW5hcw",           //  no padding
        "YmFuYW5hcx==",         //  non-zero unused bits
        "YmFuYW5hcw==YQ==",     //  padding in the middle
        " YmFuYW5hcw==",        //  whitespace
        "YmFu\nYW5hcw==",
        "YmFuYW5hcw-_",         //  URL alphabet
        "Ym=uYW5hcw==",
        "====",
        "YQ=a",
    };
    uint8_t bin [64];
    size_t len = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        assert (seal_base64_decode (bin, sizeof bin, &len, bad [i],
                                    strlen (bad [i])) == ERR_MALFORMED);
}


//  --------------------------------------------------------------------
//  Keys

static void
test_key_ids_and_vkeys_match_go (void)
{
    char vkey [CHECKPOINT_VKEY_MAX];
    size_t n = sizeof s_formats_keys / sizeof s_formats_keys [0];
    for (size_t i = 0; i < n; i++) {
        test_key_t key = s_key_from_skey (s_formats_keys [i].skey);
        assert (checkpoint_vkey (key.name, key.pk, vkey, sizeof vkey)
                == ERR_OK);
        assert (strcmp (vkey, s_formats_keys [i].vkey) == 0);
        //  And back
        char name [CHECKPOINT_NAME_MAX + 1];
        uint8_t pk [SEAL_PUBLIC_BYTES];
        assert (checkpoint_vkey_parse (vkey, name, pk) == ERR_OK);
        assert (strcmp (name, key.name) == 0);
        assert (memcmp (pk, key.pk, sizeof pk) == 0);
        seal_wipe (key.sk, sizeof key.sk);
    }
    test_key_t peter = s_key_from_skey (PETER_SKEY);
    assert (checkpoint_key_id ("PeterNeumann", peter.pk) == 0xc74f20a3);
    //  Too small a buffer
    assert (checkpoint_vkey ("PeterNeumann", peter.pk, vkey,
                             strlen (PETER_VKEY))
            == ERR_TOO_LARGE);
    assert (vkey [0] == 0);
    assert (checkpoint_vkey ("PeterNeumann", peter.pk, vkey,
                             strlen (PETER_VKEY) + 1) == ERR_OK);
    //  Names signed-note forbids
    assert (checkpoint_vkey ("", peter.pk, vkey, sizeof vkey) == ERR_MALFORMED);
    assert (checkpoint_vkey ("a+b", peter.pk, vkey, sizeof vkey)
            == ERR_MALFORMED);
    assert (checkpoint_vkey ("a b", peter.pk, vkey, sizeof vkey)
            == ERR_MALFORMED);
    assert (checkpoint_vkey ("a\xc2\xa0" "b", peter.pk, vkey, sizeof vkey)
            == ERR_MALFORMED);      //  U+00A0 no-break space
    assert (checkpoint_vkey ("a\xff", peter.pk, vkey, sizeof vkey)
            == ERR_MALFORMED);
    char long_name [CHECKPOINT_NAME_MAX + 2];
    memset (long_name, 'n', sizeof long_name - 1);
    long_name [sizeof long_name - 1] = 0;
    assert (checkpoint_vkey (long_name, peter.pk, vkey, sizeof vkey)
            == ERR_MALFORMED);
    long_name [CHECKPOINT_NAME_MAX] = 0;
    assert (checkpoint_vkey (long_name, peter.pk, vkey, sizeof vkey) == ERR_OK);
    assert (strlen (vkey) == CHECKPOINT_VKEY_MAX - 1);
    seal_wipe (peter.sk, sizeof peter.sk);
}

static void
test_vkey_parse_refuses_every_mangling (void)
{
    char name [CHECKPOINT_NAME_MAX + 1];
    uint8_t pk [SEAL_PUBLIC_BYTES];
    assert (checkpoint_vkey_parse (PETER_VKEY, name, pk) == ERR_OK);
    assert (checkpoint_vkey_parse (ENOCH_VKEY, name, pk) == ERR_OK);
    assert (strcmp (name, "EnochRoot") == 0);
    assert (checkpoint_key_id (name, pk) == 0xaf0cfe78);
    //  note_test.go TestNewVerifier: every proper substring, every byte + 1
    char buf [sizeof PETER_VKEY];
    size_t len = strlen (PETER_VKEY);
    for (size_t i = 0; i <= len; i++)
        for (size_t j = i + 1; j <= len; j++) {
            if (i == 0 && j == len)
                continue;
            memcpy (buf, PETER_VKEY + i, j - i);
            buf [j - i] = 0;
            assert (checkpoint_vkey_parse (buf, name, pk) != ERR_OK);
        }
    for (size_t i = 0; i < len; i++) {
        memcpy (buf, PETER_VKEY, len + 1);
        buf [i]++;
        assert (checkpoint_vkey_parse (buf, name, pk) != ERR_OK);
    }
    //  The key id in upper-case hex: the same key, another text (found by
    //  fuzz_checkpoint); only the form it is written in is read.
    memcpy (buf, PETER_VKEY, len + 1);
    bool upper = false;
    for (char *c = strchr (buf, '+') + 1; *c != '+'; c++)
        if (*c >= 'a' && *c <= 'f') {
            *c = (char) (*c - 'a' + 'A');
            upper = true;
        }
    assert (upper && checkpoint_vkey_parse (buf, name, pk) == ERR_MALFORMED);
    //  Wrong key length, unknown algorithm (ids adjusted to match)
    assert (checkpoint_vkey_parse ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbz"
                                   "hKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
                                   name, pk) == ERR_MALFORMED);
    assert (checkpoint_vkey_parse ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbz"
                                   "hKqiBfsVkmqq/LDE4izWy10TW",
                                   name, pk) == ERR_UNKNOWN_KEY);
    assert (checkpoint_vkey_parse ("", name, pk) == ERR_MALFORMED);
    assert (checkpoint_vkey_parse ("PeterNeumann", name, pk) == ERR_MALFORMED);
}

static void
test_go_note_signatures_reproduce (void)
{
    //  Ed25519 is deterministic: signing Go's text with Go's key gives
    //  Go's signature line, key id first
    test_key_t peter = s_key_from_skey (PETER_SKEY);
    uint8_t raw [4 + SEAL_SIG_BYTES];
    char b64 [SEAL_BASE64_SIZE (sizeof raw)];
    uint32_t id = checkpoint_key_id ("PeterNeumann", peter.pk);
    raw [0] = (uint8_t) (id >> 24);
    raw [1] = (uint8_t) (id >> 16);
    raw [2] = (uint8_t) (id >> 8);
    raw [3] = (uint8_t) id;
    seal_sign (raw + 4, (const uint8_t *) GO_TEXT, strlen (GO_TEXT), peter.sk);
    assert (seal_base64_encode (b64, sizeof b64, raw, sizeof raw) == ERR_OK);
    assert (strcmp (b64, PETER_SIG) == 0);
    seal_wipe (peter.sk, sizeof peter.sk);

    //  EnochRoot's line verifies with EnochRoot's verifier key
    char name [CHECKPOINT_NAME_MAX + 1];
    uint8_t pk [SEAL_PUBLIC_BYTES];
    size_t len = 0;
    assert (checkpoint_vkey_parse (ENOCH_VKEY, name, pk) == ERR_OK);
    assert (seal_base64_decode (raw, sizeof raw, &len, ENOCH_SIG,
                                strlen (ENOCH_SIG)) == ERR_OK);
    assert (len == sizeof raw);
    assert (raw [0] == 0xaf && raw [1] == 0x0c && raw [2] == 0xfe && raw [3]
            == 0x78);
    assert (seal_verify (raw + 4, (const uint8_t *) GO_TEXT, strlen (GO_TEXT),
                         pk)
            == ERR_OK);
}


//  --------------------------------------------------------------------
//  Checkpoints

static void
test_real_sumdb_checkpoint_verifies (void)
{
    checkpoint_t cp;
    char name [CHECKPOINT_NAME_MAX + 1];
    uint8_t pk [SEAL_PUBLIC_BYTES];
    uint8_t root [SEAL_HASH_BYTES];
    size_t len = 0;
    assert (checkpoint_vkey_parse (SUMDB_VKEY, name, pk) == ERR_OK);
    assert (strcmp (name, "sum.golang.org") == 0);
    assert (s_parse (SUMDB_NOTE, &cp) == ERR_OK);
    assert (strcmp (cp.origin, "go.sum database tree") == 0);
    assert (cp.size == 6476701);
    assert (seal_base64_decode (root, sizeof root, &len,
                                SUMDB_ROOT, 44)
            == ERR_OK);
    assert (memcmp (cp.root, root, sizeof root) == 0);
    assert (cp.body_len == strlen (SUMDB_BODY));
    assert (strcmp (cp.body, SUMDB_BODY) == 0);
    assert (cp.n_sigs == 1);
    assert (strcmp (cp.sigs [0].name, "sum.golang.org") == 0);
    assert (cp.sigs [0].key_id == 0x033de0ae);
    assert (cp.sigs [0].sig_len == SEAL_SIG_BYTES);
    assert (checkpoint_verify (&cp, "sum.golang.org", pk) == ERR_OK);
    //  Not by another key, nor under another name
    test_key_t peter = s_key_from_skey (PETER_SKEY);
    assert (checkpoint_verify (&cp, "PeterNeumann", peter.pk)
            == ERR_UNKNOWN_KEY);
    assert (checkpoint_verify (&cp, "sum.golang.org", peter.pk)
            == ERR_UNKNOWN_KEY);
    assert (checkpoint_verify (&cp, "sum.golang.com", pk) == ERR_UNKNOWN_KEY);
    seal_wipe (peter.sk, sizeof peter.sk);
    //  One more leaf claimed: the signature no longer covers the body
    char forged [] = SUMDB_NOTE;
    char *digit = strstr (forged, "6476701");
    digit [6] = '2';
    assert (s_parse (forged, &cp) == ERR_OK);
    assert (cp.size == 6476702);
    assert (checkpoint_verify (&cp, "sum.golang.org", pk) == ERR_BAD_SIGNATURE);
}

static void
test_spec_example_parses (void)
{
    checkpoint_t cp;
    assert (s_parse (SOFA_NOTE, &cp) == ERR_OK);
    assert (strcmp (cp.origin, "example.com/behind-the-sofa") == 0);
    assert (cp.size == 20852163);
    assert (cp.n_sigs == 1);
    assert (strcmp (cp.sigs [0].name, "example.com/behind-the-sofa") == 0);
    assert (cp.sigs [0].key_id == 0x033de0ae);
    assert (cp.sigs [0].sig_len == SEAL_SIG_BYTES);
}

static void
test_sign_parse_verify_round_trip (void)
{
    test_key_t county = s_new_key ("licrepo.example/330102");
    merkle_mem_store_t *mem = merkle_mem_store_new ();
    const merkle_store_t *store = merkle_mem_store_ops (mem);
    for (uint64_t i = 0; i < 5; i++) {
        uint8_t leaf [MERKLE_HASH_BYTES];
        merkle_leaf_hash (leaf, (const uint8_t *) &i, sizeof i);
        assert (merkle_append (store, i, leaf) == ERR_OK);
    }
    uint8_t root [MERKLE_HASH_BYTES];
    char root64 [SEAL_BASE64_SIZE (MERKLE_HASH_BYTES)];
    char expect [512];
    assert (merkle_root (store, 5, root) == ERR_OK);
    assert (seal_base64_encode (root64, sizeof root64, root, sizeof root)
            == ERR_OK);
    char *note = NULL;
    assert (checkpoint_sign ("licrepo.example/330102", 5, root, county.name,
                             county.sk, county.pk, &note) == ERR_OK);
    snprintf (expect, sizeof expect, "licrepo.example/330102\n5\n%s\n\n"
              DASH "licrepo.example/330102 ", root64);
    assert (strncmp (note, expect, strlen (expect)) == 0);
    assert (strlen (note) == strlen (expect) + 92 + 1);
    assert (note [strlen (note) - 1] == '\n');

    checkpoint_t cp;
    assert (s_parse (note, &cp) == ERR_OK);
    assert (strcmp (cp.origin, "licrepo.example/330102") == 0);
    assert (cp.size == 5);
    assert (memcmp (cp.root, root, sizeof root) == 0);
    assert (cp.n_sigs == 1);
    assert (cp.sigs [0].key_id == checkpoint_key_id (county.name, county.pk));
    assert (checkpoint_verify (&cp, county.name, county.pk) == ERR_OK);
    free (note);

    //  Extreme sizes, origins with spaces (allowed, unlike key names)
    note = s_sign (&county, "go.sum database tree", 0);
    assert (strncmp (note, "go.sum database tree\n0\n", 23) == 0);
    assert (s_parse (note, &cp) == ERR_OK && cp.size == 0);
    assert (checkpoint_verify (&cp, county.name, county.pk) == ERR_OK);
    free (note);
    note = s_sign (&county, "o", UINT64_MAX);
    assert (strncmp (note, "o\n18446744073709551615\n", 23) == 0);
    assert (s_parse (note, &cp) == ERR_OK && cp.size == UINT64_MAX);
    free (note);
    char origin [CHECKPOINT_NAME_MAX + 1];
    memset (origin, 'o', CHECKPOINT_NAME_MAX);
    origin [CHECKPOINT_NAME_MAX] = 0;
    note = s_sign (&county, origin, UINT64_MAX);
    assert (s_parse (note, &cp) == ERR_OK);
    assert (cp.body_len == CHECKPOINT_BODY_MAX);
    free (note);
    merkle_mem_store_destroy (&mem);
    seal_wipe (county.sk, sizeof county.sk);
}

static void
test_sign_refuses_bad_arguments (void)
{
    test_key_t key = s_new_key ("k");
    test_key_t other = s_new_key ("o");
    uint8_t root [SEAL_HASH_BYTES] = {0};
    char *note = (char *) 1;
    char origin [CHECKPOINT_NAME_MAX + 2];
    memset (origin, 'o', sizeof origin - 1);
    origin [sizeof origin - 1] = 0;
    assert (checkpoint_sign ("", 1, root, "k", key.sk, key.pk, &note)
            == ERR_MALFORMED);
    assert (note == NULL);
    assert (checkpoint_sign ("a\nb", 1, root, "k", key.sk, key.pk, &note)
            == ERR_MALFORMED);
    assert (checkpoint_sign ("a\rb", 1, root, "k", key.sk, key.pk, &note)
            == ERR_MALFORMED);
    assert (checkpoint_sign ("a\xc0\x80", 1, root, "k", key.sk, key.pk, &note)
            == ERR_MALFORMED);      //  overlong NUL
    assert (checkpoint_sign (origin, 1, root, "k", key.sk, key.pk, &note)
            == ERR_MALFORMED);
    assert (checkpoint_sign ("o", 1, root, "k k", key.sk, key.pk, &note)
            == ERR_MALFORMED);
    assert (checkpoint_sign ("o", 1, root, "k+1", key.sk, key.pk, &note)
            == ERR_MALFORMED);
    assert (checkpoint_sign ("o", 1, root, "", key.sk, key.pk, &note)
            == ERR_MALFORMED);
    //  pk must belong to sk, or the key id would name the wrong key
    assert (checkpoint_sign ("o", 1, root, "k", key.sk, other.pk, &note)
            == ERR_MALFORMED);
    assert (note == NULL);
    seal_wipe (key.sk, sizeof key.sk);
    seal_wipe (other.sk, sizeof other.sk);
}

static void
test_cosign_adds_a_receipt (void)
{
    test_key_t county = s_new_key ("licrepo.example/330102");
    test_key_t city = s_new_key ("licrepo.example/330100");
    test_key_t province = s_new_key ("licrepo.example/330000");
    char *note = s_sign (&county, "licrepo.example/330102", 42);
    char *receipt = NULL;
    char *again = NULL;
    uint64_t t = 0;
    assert (checkpoint_cosign_at (note, city.name, city.sk, city.pk,
                                  1795744800, &receipt) == ERR_OK);
    //  The child's text and line stay byte for byte; one line is added
    assert (strncmp (receipt, note, strlen (note)) == 0);
    checkpoint_t cp;
    assert (s_parse (receipt, &cp) == ERR_OK);
    assert (cp.n_sigs == 2);
    assert (strcmp (cp.sigs [1].name, city.name) == 0);
    assert (checkpoint_verify (&cp, county.name, county.pk) == ERR_OK);
    //  The receipt is a cosignature, never the city's checkpoint signature
    assert (checkpoint_verify (&cp, city.name, city.pk) == ERR_UNKNOWN_KEY);
    assert (checkpoint_cosig_verify (&cp, city.name, city.pk, &t) == ERR_OK);
    assert (t == 1795744800);
    assert (checkpoint_cosig_verify (&cp, county.name, county.pk, NULL)
            == ERR_UNKNOWN_KEY);
    assert (checkpoint_cosig_verify (&cp, province.name, province.pk, NULL)
            == ERR_UNKNOWN_KEY);
    //  tlog-cosignature, rebuilt here from the spec: key id over 0x04,
    //  8-byte big-endian time, Ed25519 over "cosignature/v1\ntime <t>\n"
    //  and the body
    uint8_t key [33], digest [32];
    key [0] = 0x04;
    memcpy (key + 1, city.pk, 32);
    char *id_input = malloc (strlen (city.name) + 1 + sizeof key);
    memcpy (id_input, city.name, strlen (city.name));
    id_input [strlen (city.name)] = '\n';
    memcpy (id_input + strlen (city.name) + 1, key, sizeof key);
    seal_sha256 (digest, (const uint8_t *) id_input,
                 strlen (city.name) + 1 + sizeof key);
    free (id_input);
    uint32_t id = (uint32_t) digest [0] << 24 | (uint32_t) digest [1] << 16
                | (uint32_t) digest [2] << 8 | digest [3];
    assert (cp.sigs [1].key_id == id);
    assert (id == checkpoint_cosig_key_id (city.name, city.pk));
    assert (id != checkpoint_key_id (city.name, city.pk));
    assert (cp.sigs [1].sig_len == 72 && cp.sigs [1].timestamp == 1795744800);
    const char *line64 = strstr (receipt, DASH "licrepo.example/330100 ");
    assert (line64);
    line64 += strlen (DASH "licrepo.example/330100 ");
    uint8_t raw [76];
    size_t raw_len = 0;
    assert (seal_base64_decode (raw, sizeof raw, &raw_len, line64,
                                strcspn (line64, "\n")) == ERR_OK);
    assert (raw_len == 76);
    assert (memcmp (raw + 4, "\0\0\0\0\x6b\x08\xe4\x20", 8) == 0);
    char msg [512];
    int n = snprintf (msg, sizeof msg, "cosignature/v1\ntime 1795744800\n%s",
                      cp.body);
    assert (seal_verify (raw + 12, (const uint8_t *) msg, (size_t) n,
                         city.pk) == ERR_OK);
    //  Cosigning twice changes nothing, whatever the time
    assert (checkpoint_cosign (receipt, city.name, city.sk, city.pk, &again)
            == ERR_OK);
    assert (strcmp (again, receipt) == 0);
    free (again);
    //  A third key appends after the others
    assert (checkpoint_cosign (receipt, province.name, province.sk, province.pk,
                               &again) == ERR_OK);
    assert (s_parse (again, &cp) == ERR_OK);
    assert (cp.n_sigs == 3);
    assert (checkpoint_cosig_verify (&cp, province.name, province.pk, &t)
            == ERR_OK);
    assert (t > 1700000000);            //  now
    assert (checkpoint_verify (&cp, county.name, county.pk) == ERR_OK);
    free (again);
    //  A cosigner's line that does not verify is not papered over: a
    //  changed signature, and a changed time
    for (int k = 0; k < 2; k++) {
        char *bad = strdup (receipt);
        char *at = strstr (bad, city.name) + strlen (city.name) + 1;
        at += k == 0? 40: 10;           //  in the signature; in the time
        *at = *at == 'A'? 'B': 'A';
        assert (s_parse (bad, &cp) == ERR_OK);
        assert (checkpoint_cosig_verify (&cp, city.name, city.pk, NULL)
                == ERR_BAD_SIGNATURE);
        again = (char *) 1;
        assert (checkpoint_cosign (bad, city.name, city.sk, city.pk, &again)
                == ERR_BAD_SIGNATURE);
        assert (again == NULL);
        free (bad);
    }
    //  A plain signature line by the city (the old receipt form) is not
    //  a cosignature
    char *plain = s_sign (&county, "licrepo.example/330102", 42);
    char *line = malloc (strlen (plain) + 200);
    char *city_note = s_sign (&city, "licrepo.example/330102", 42);
    strcpy (line, plain);
    strcat (line, strstr (city_note, DASH));
    assert (s_parse (line, &cp) == ERR_OK);
    assert (checkpoint_verify (&cp, city.name, city.pk) == ERR_OK);
    assert (checkpoint_cosig_verify (&cp, city.name, city.pk, NULL)
            == ERR_UNKNOWN_KEY);
    free (line);
    free (plain);
    free (city_note);
    //  Bad input or arguments
    assert (checkpoint_cosign ("nonsense\n", city.name, city.sk, city.pk,
                               &again)
            == ERR_MALFORMED);
    assert (checkpoint_cosign (note, "bad name", city.sk, city.pk, &again)
            == ERR_MALFORMED);
    assert (checkpoint_cosign (note, city.name, city.sk, county.pk, &again)
            == ERR_MALFORMED);
    assert (checkpoint_cosign_at (note, city.name, city.sk, city.pk,
                                  (uint64_t) INT64_MAX + 1, &again)
            == ERR_MALFORMED);
    assert (checkpoint_cosign_at (note, city.name, city.sk, city.pk,
                                  (uint64_t) INT64_MAX, &again) == ERR_OK);
    assert (s_parse (again, &cp) == ERR_OK);
    assert (checkpoint_cosig_verify (&cp, city.name, city.pk, &t) == ERR_OK);
    assert (t == (uint64_t) INT64_MAX);
    free (again);
    free (receipt);
    free (note);
    seal_wipe (county.sk, sizeof county.sk);
    seal_wipe (city.sk, sizeof city.sk);
    seal_wipe (province.sk, sizeof province.sk);
}

static void
test_cosigner_keys_match_go (void)
{
    char name [CHECKPOINT_NAME_MAX + 1], vkey [CHECKPOINT_VKEY_MAX];
    uint8_t pk [SEAL_PUBLIC_BYTES];
    //  A real cosigner key: parsed, and written back the same
    assert (checkpoint_cosig_vkey_parse (REMORA_VKEY, name, pk) == ERR_OK);
    assert (strcmp (name, "remora.n621.de") == 0);
    assert (checkpoint_cosig_key_id (name, pk) == 0xda77ade7);
    assert (checkpoint_cosig_vkey (name, pk, vkey, sizeof vkey) == ERR_OK);
    assert (strcmp (vkey, REMORA_VKEY) == 0);
    //  Each parser takes only its own type
    assert (checkpoint_vkey_parse (REMORA_VKEY, name, pk) == ERR_UNKNOWN_KEY);
    assert (checkpoint_cosig_vkey_parse (PETER_VKEY, name, pk)
            == ERR_UNKNOWN_KEY);
    //  The same Ed25519 key as a cosigner has another id and vkey
    test_key_t peter = s_key_from_skey (PETER_SKEY);
    assert (checkpoint_cosig_vkey ("PeterNeumann", peter.pk, vkey, sizeof vkey)
            == ERR_OK);
    assert (strncmp (vkey, "PeterNeumann+", 13) == 0);
    assert (strcmp (vkey, PETER_VKEY) != 0);
    assert (checkpoint_cosig_vkey_parse (vkey, name, pk) == ERR_OK);
    assert (memcmp (pk, peter.pk, sizeof pk) == 0);
    seal_wipe (peter.sk, sizeof peter.sk);
    //  A real cosignature's bytes: 72 after the key id, time first
    char note [512];
    snprintf (note, sizeof note, "%s" DASH "w.example " COSIG_B64 "\n",
              SUMDB_BODY "\n");
    checkpoint_t cp;
    assert (s_parse (note, &cp) == ERR_OK);
    assert (cp.n_sigs == 1 && cp.sigs [0].sig_len == CHECKPOINT_COSIG_BYTES);
    assert (cp.sigs [0].timestamp == COSIG_TIME);
    assert (cp.sigs [0].key_id == 0x646846b9);
}

static void
test_cosign_stops_at_the_limits (void)
{
    test_key_t key = s_new_key ("log");
    char *note = s_sign (&key, "log", 7);
    for (int i = 1; i < CHECKPOINT_SIGS_MAX; i++) {
        char name [16];
        snprintf (name, sizeof name, "w%d", i);
        test_key_t witness = s_new_key (name);
        char *next = NULL;
        assert (checkpoint_cosign (note, witness.name, witness.sk, witness.pk,
                                   &next) == ERR_OK);
        free (note);
        note = next;
    }
    checkpoint_t cp;
    assert (s_parse (note, &cp) == ERR_OK);
    assert (cp.n_sigs == CHECKPOINT_SIGS_MAX);
    test_key_t extra = s_new_key ("one-too-many");
    char *next = NULL;
    assert (checkpoint_cosign (note, extra.name, extra.sk, extra.pk, &next)
            == ERR_TOO_LARGE);
    assert (next == NULL);
    //  The 17th line, by hand, is refused by the parser too
    size_t len = strlen (note);
    char *more = malloc (len * 2);
    memcpy (more, note, len);
    const char *first = strstr (note, DASH);
    size_t line_len = (size_t) (strchr (first, '\n') + 1 - first);
    memcpy (more + len, first, line_len);
    more [len + line_len] = 0;
    assert (s_parse_code (more) == ERR_TOO_LARGE);
    free (more);
    free (note);

    //  Ed25519 lines hit the count first (16 of them take under 6 KiB);
    //  a long signature of another type can fill the 8 KiB
    note = s_sign (&key, "log", 7);
    len = strlen (note);
    size_t room = CHECKPOINT_NOTE_MAX - 50 - len
                - strlen (DASH "pq.example \n");
    size_t raw_len = room / 4 * 3;
    uint8_t *raw = calloc (1, raw_len);
    char *big = malloc (CHECKPOINT_NOTE_MAX + 1);
    memcpy (big, note, len);
    size_t at = len + (size_t) snprintf (big + len,
                                         CHECKPOINT_NOTE_MAX + 1 - len,
                                         DASH "pq.example ");
    assert (seal_base64_encode (big + at, CHECKPOINT_NOTE_MAX + 1 - at, raw,
                                raw_len) == ERR_OK);
    strcat (big, "\n");
    assert (strlen (big) <= CHECKPOINT_NOTE_MAX - 50);
    assert (strlen (big) > CHECKPOINT_NOTE_MAX - 60);
    assert (s_parse (big, &cp) == ERR_OK);
    assert (cp.n_sigs == 2 && cp.sigs [1].sig_len == raw_len - 4);
    assert (checkpoint_cosign (big, extra.name, extra.sk, extra.pk, &next)
            == ERR_TOO_LARGE);
    assert (next == NULL);
    free (big);
    free (raw);
    free (note);
}

static void
test_tampered_notes_do_not_verify (void)
{
    test_key_t key = s_new_key ("licrepo.example/330102");
    test_key_t other = s_new_key ("licrepo.example/330102");
    char *note = s_sign (&key, "licrepo.example/330102", 1000);
    size_t len = strlen (note);
    checkpoint_t cp;
    //  Every byte of the body, changed to another digit or letter
    const char *sep = strstr (note, "\n\n");
    size_t body_len = (size_t) (sep + 1 - note);
    for (size_t i = 0; i < body_len; i++) {
        char c = note [i];
        if (c == '\n')
            continue;
        char *copy = strdup (note);
        copy [i] = c == '1'? '2': c >= '0' && c <= '8'? c + 1
                 : c == 'A'? 'B': c == 'a'? 'b': 'A';
        int rc = s_parse (copy, &cp);
        if (rc == ERR_OK)
            assert (checkpoint_verify (&cp, key.name, key.pk)
                    == ERR_BAD_SIGNATURE);
        free (copy);
    }
    //  Every character of the signature (key id bytes included)
    const char *sig64 = strrchr (note, ' ') + 1;
    for (size_t i = (size_t) (sig64 - note); i < len - 2; i++) {
        char *copy = strdup (note);
        copy [i] = copy [i] == 'A'? 'B': 'A';
        int rc = s_parse (copy, &cp);
        if (rc == ERR_OK)
            assert (checkpoint_verify (&cp, key.name, key.pk) != ERR_OK);
        free (copy);
    }
    //  Same name, other key: an unknown key, not a bad signature
    assert (s_parse (note, &cp) == ERR_OK);
    assert (checkpoint_verify (&cp, other.name, other.pk) == ERR_UNKNOWN_KEY);
    //  Right name and key id but a signature of the wrong length
    uint32_t id = checkpoint_key_id (key.name, key.pk);
    uint8_t raw [4 + 10] = {(uint8_t) (id >> 24), (uint8_t) (id >> 16),
                            (uint8_t) (id >> 8), (uint8_t) id};
    char b64 [SEAL_BASE64_SIZE (sizeof raw)];
    char buf [1024];
    assert (seal_base64_encode (b64, sizeof b64, raw, sizeof raw) == ERR_OK);
    snprintf (buf, sizeof buf, "%s" DASH "%s %s\n", note, key.name, b64);
    assert (s_parse (buf, &cp) == ERR_OK);
    assert (cp.n_sigs == 2 && cp.sigs [1].sig_len == 10);
    assert (checkpoint_verify (&cp, key.name, key.pk) == ERR_BAD_SIGNATURE);
    //  A line by a key of another type (longer signature) is ignored
    uint8_t cosig [4 + 8 + 64] = {0x12, 0x34, 0x56, 0x78};
    char cosig64 [SEAL_BASE64_SIZE (sizeof cosig)];
    assert (seal_base64_encode (cosig64, sizeof cosig64, cosig, sizeof cosig)
            == ERR_OK);
    snprintf (buf, sizeof buf, "%s" DASH "witness.example %s\n", note, cosig64);
    assert (s_parse (buf, &cp) == ERR_OK);
    assert (cp.n_sigs == 2 && cp.sigs [1].sig_len == 72);
    assert (checkpoint_verify (&cp, key.name, key.pk) == ERR_OK);
    assert (checkpoint_verify (&cp, "witness.example", key.pk)
            == ERR_UNKNOWN_KEY);
    free (note);
}

static void
test_parse_refuses_malformed_notes (void)
{
    //  One good line to hang bodies on; parse fails before any verify
    #define LINE  SUMDB_LINE
    #define ROOT  SUMDB_ROOT
    #define SIG   SUMDB_SIG
    static const char *malformed [] = {
        "",
        "\n",
        "\n\n",
        SUMDB_BODY,                                 //  no signatures
        SUMDB_BODY "\n",
        SUMDB_BODY LINE,                            //  no blank line
        SUMDB_BODY "\n" LINE "\n",                  //  blank line at the end
        SUMDB_BODY "\n" DASH "sum.golang.org " SIG,
        SUMDB_BODY "\n" LINE "Unexpected line.\n",
        "\x01" SUMDB_BODY "\n" LINE,
        "\xff" SUMDB_BODY "\n" LINE,
        "go.sum\rdatabase tree\n6476701\n" ROOT "\n\n" LINE,
        "go.sum\tdatabase tree\n6476701\n" ROOT "\n\n" LINE,
        "go.sum \xed\xa0\x80\n6476701\n" ROOT "\n\n" LINE,      //  surrogate
        "go.sum \xe0\x80\xaf\n6476701\n" ROOT "\n\n" LINE,      //  overlong
        "go.sum \xf4\x90\x80\x80\n6476701\n" ROOT "\n\n" LINE,  //  > U+10FFFF
        "go.sum \xe2\x80\n6476701\n" ROOT "\n\n" LINE,          //  truncated
        //  body lines
        "\n6476701\n" ROOT "\n\n" LINE,
        "o\n" ROOT "\n\n" LINE,
        "o\n6476701\n\n" LINE,
        "o\n6476701\n" ROOT "\nextension\n\n" LINE,
        "o\n06476701\n" ROOT "\n\n" LINE,
        "o\n00\n" ROOT "\n\n" LINE,
        "o\n-1\n" ROOT "\n\n" LINE,
        "o\n+1\n" ROOT "\n\n" LINE,
        "o\n 1\n" ROOT "\n\n" LINE,
        "o\n1 \n" ROOT "\n\n" LINE,
        "o\n0x10\n" ROOT "\n\n" LINE,
        "o\n1e3\n" ROOT "\n\n" LINE,
        "o\n18446744073709551616\n" ROOT "\n\n" LINE,
        "o\n99999999999999999999\n" ROOT "\n\n" LINE,
        "o\n3438945738945739845734895735\n" ROOT "\n\n" LINE,
        "o\n\n" ROOT "\n\n" LINE,
        "o\n1\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk\n\n" LINE,
        "o\n1\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wl=\n\n" LINE,
        "o\n1\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\r\n\n" LINE,
        "o\n1\nYmFuYW5hcw==\n\n" LINE,                 //  7-byte root
        "o\n1\n" ROOT "AAAA\n\n" LINE,
        "o\n1\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9W==\n\n" LINE,
        "o\n1\nThisIsn'tBase64\n\n" LINE,
        //  signature lines
        SUMDB_BODY "\n- sum.golang.org " SIG "\n",
        SUMDB_BODY "\n\xe2\x80\x94sum.golang.org " SIG "\n",
        SUMDB_BODY "\n" DASH "Bad Name " PETER_SIG "\n",
        SUMDB_BODY "\n" DASH "a+b " PETER_SIG "\n",
        SUMDB_BODY "\n" DASH " " PETER_SIG "\n",
        SUMDB_BODY "\n" DASH "sum.golang.org\n",
        SUMDB_BODY "\n" DASH "sum.golang.org \n",
        SUMDB_BODY "\n" DASH "sum.golang.org AAAA\n",         //  < 5 bytes
        SUMDB_BODY "\n" DASH "sum.golang.org "
        "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZS"
        "NXgKvqfqdngotpRZb6KE6RyyBwJnAM\n",     //  no padding
        SUMDB_BODY "\n" DASH "sum.golang.org  " SIG "\n",
        SUMDB_BODY "\n" DASH "sum.golang.org " SIG " \n",
        SUMDB_BODY "\n" DASH "sum.golang.org\xc2\xa0" SIG "\n",
    };
    size_t n = sizeof malformed / sizeof malformed [0];
    for (size_t i = 0; i < n; i++) {
        int rc = s_parse_code (malformed [i]);
        if (rc != ERR_MALFORMED)
            fprintf (stderr, "case %zu: %s\n", i, err_str (rc));
        assert (rc == ERR_MALFORMED);
    }
    //  Good as a reference
    assert (s_parse_code (SUMDB_NOTE) == ERR_OK);
    assert (s_parse_code ("o\n0\n" ROOT "\n\n" LINE) == ERR_OK);

    //  A NUL inside the length is a control character
    char with_nul [] = SUMDB_NOTE;
    with_nul [5] = 0;
    checkpoint_t cp;
    assert (checkpoint_parse (with_nul, sizeof with_nul - 1, &cp)
            == ERR_MALFORMED);
    //  Every truncation of a good note fails
    for (size_t len = 0; len < strlen (SUMDB_NOTE); len++)
        assert (checkpoint_parse (SUMDB_NOTE, len, &cp) != ERR_OK);

    //  Over the limits
    char *big = malloc (CHECKPOINT_NOTE_MAX + 2);
    memset (big, 'a', CHECKPOINT_NOTE_MAX + 1);
    big [CHECKPOINT_NOTE_MAX] = '\n';
    big [CHECKPOINT_NOTE_MAX + 1] = 0;
    assert (s_parse_code (big) == ERR_TOO_LARGE);
    free (big);
    char long_origin [CHECKPOINT_NAME_MAX + 300];
    memset (long_origin, 'o', CHECKPOINT_NAME_MAX + 1);
    snprintf (long_origin + CHECKPOINT_NAME_MAX + 1,
              sizeof long_origin - CHECKPOINT_NAME_MAX - 1, "\n1\n%s\n\n%s",
              ROOT, LINE);
    assert (s_parse_code (long_origin) == ERR_TOO_LARGE);
    char long_name [CHECKPOINT_NAME_MAX + 300];
    int at = snprintf (long_name, sizeof long_name, "%s\n" DASH, SUMDB_BODY);
    memset (long_name + at, 'n', CHECKPOINT_NAME_MAX + 1);
    snprintf (long_name + at + CHECKPOINT_NAME_MAX + 1,
              sizeof long_name - (size_t) at - CHECKPOINT_NAME_MAX - 1, " %s\n",
              PETER_SIG);
    assert (s_parse_code (long_name) == ERR_TOO_LARGE);
    #undef LINE
    #undef ROOT
    #undef SIG
}

static void
test_parse_survives_random_damage (void)
{
    test_key_t key = s_new_key ("licrepo.example/330102");
    test_key_t city = s_new_key ("licrepo.example/330100");
    char *note = s_sign (&key, "licrepo.example/330102", 123456789);
    char *receipt = NULL;
    assert (checkpoint_cosign (note, city.name, city.sk, city.pk, &receipt)
            == ERR_OK);
    size_t len = strlen (receipt);
    char *copy = malloc (len + 1);
    checkpoint_t *cp = malloc (sizeof *cp);
    int parsed = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy (copy, receipt, len + 1);
        int flips = 1 + (int) (s_random () % 3);
        for (int f = 0; f < flips; f++)
            copy [s_random () % len] = (char) s_random ();
        size_t cut = round % 4 == 0? (size_t) (s_random () % (len + 1)): len;
        int rc = checkpoint_parse (copy, cut, cp);
        assert (rc == ERR_OK || rc == ERR_MALFORMED || rc == ERR_TOO_LARGE);
        if (rc == ERR_OK) {
            parsed++;
            assert (cp->n_sigs >= 1 && cp->n_sigs <= CHECKPOINT_SIGS_MAX);
            assert (cp->body_len == strlen (cp->body));
            //  Damage that still parses never verifies for both keys
            int a = checkpoint_verify (cp, key.name, key.pk);
            int b = checkpoint_cosig_verify (cp, city.name, city.pk, NULL);
            if (memcmp (copy, receipt, len) != 0 && cut == len)
                assert (a != ERR_OK || b != ERR_OK);
        }
    }
    assert (parsed > 0);
    free (cp);
    free (copy);
    free (receipt);
    free (note);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    test_base64_round_trips_and_matches_vectors ();
    test_base64_refuses_non_canonical_text ();
    test_key_ids_and_vkeys_match_go ();
    test_vkey_parse_refuses_every_mangling ();
    test_go_note_signatures_reproduce ();
    test_real_sumdb_checkpoint_verifies ();
    test_spec_example_parses ();
    test_sign_parse_verify_round_trip ();
    test_sign_refuses_bad_arguments ();
    test_cosign_adds_a_receipt ();
    test_cosigner_keys_match_go ();
    test_cosign_stops_at_the_limits ();
    test_tampered_notes_do_not_verify ();
    test_parse_refuses_malformed_notes ();
    test_parse_survives_random_damage ();
    printf ("test_checkpoint: 15 tests passed\n");
    return 0;
}
