/*  licctl_verify.c -- licctl's offline commands: verify-proof (check a
    proof document written by licctl prove, format in licjson.h) and vkey
    (a node's checkpoint verifier key).

    verify-proof trusts nothing in the document: the root is
    authenticated either by the checkpoint it carries, which must be the
    log of the key given on the command line (origin = key name =
    "licrepo/<division>") and signed by it (proto/README.md section 8), or
    by --root from a source the caller trusts; the leaf and the older
    tree are then tied to that root by the inclusion and consistency
    proofs (merkle_verify_*, pure functions).  A parent's receipt line on
    the checkpoint counts only when the caller names that parent with
    --witness-key; other lines are reported as ignored.  --since compares
    the older tree of a consistency proof with a checkpoint the caller
    kept from before.  It does not fetch anything, nor judge whether a
    verified entry is a valid license event: that is the node's verdict,
    recorded in the log the proof covers.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "node/common/keyfile.h"
#include "node/cli/licctl.h"
#include "node/cli/licctl_verify.h"
#include "node/common/licjson.h"
#include "replication/merkle.h"
#include "proto/seal.h"

#define S_DOC_MAX       (4 * 1024 * 1024)   //  largest document read
#define S_KEY_PREFIX    "licrepo/"          //  key name of a node's key file

// ---------------------------------------------------------------------
//  The proof document, as read back

typedef struct {
    json_t *json;                       //  the parsed text; strings borrowed
    const char *origin;                 //  "licrepo/<division>"
    const char *checkpoint;             //  the signed note, "" if none
    uint64_t size;                      //  tree size
    uint8_t root [MERKLE_HASH_BYTES];   //  its root
    bool has_leaf;                      //  inclusion proof present
    uint64_t leaf_index;                //  entry seq - 1
    uint8_t *leaf;                      //  entry bytes, malloc'd
    size_t leaf_len;                    //  their length
    uint8_t inclusion [MERKLE_PATH_MAX][MERKLE_HASH_BYTES];
    size_t n_inclusion;                 //  hashes in inclusion
    uint64_t old_size;                  //  0: no consistency proof
    uint8_t old_root [MERKLE_HASH_BYTES];   //  root at old_size
    uint8_t consistency [MERKLE_PATH_MAX][MERKLE_HASH_BYTES];
    size_t n_consistency;               //  hashes in consistency
} s_doc_t;

static void
s_doc_free (s_doc_t *doc)
{
    json_decref (doc->json);
    free (doc->leaf);
    free (doc);
}

//  A non-negative integer member; absent or null gives 0 unless required.
static bool
s_doc_u64 (json_t *obj, const char *key, bool required, uint64_t *out,
           char *why, size_t why_size)
{
    json_t *v = json_object_get (obj, key);
    *out = 0;
    if ((!v || json_is_null (v)) && !required)
        return true;
    if (!json_is_integer (v) || json_integer_value (v) < 0) {
        snprintf (why, why_size, "'%s' must be a non-negative integer", key);
        return false;
    }
    *out = (uint64_t) json_integer_value (v);
    return true;
}

//  A string member of exactly 2 * n hex digits.
static bool
s_doc_hex (json_t *v, const char *key, uint8_t *out, size_t n,
           char *why, size_t why_size)
{
    if (!json_is_string (v)
    ||  seal_unhex (out, n, json_string_value (v)) != ERR_OK) {
        snprintf (why, why_size, "'%s' must be %zu hex digits", key, 2 * n);
        return false;
    }
    return true;
}

//  An array member of at most MERKLE_PATH_MAX hashes; absent or null is
//  an empty path.
static bool
s_doc_path (json_t *obj, const char *key,
            uint8_t (*path) [MERKLE_HASH_BYTES], size_t *n,
            char *why, size_t why_size)
{
    json_t *array = json_object_get (obj, key);
    *n = 0;
    if (!array || json_is_null (array))
        return true;
    if (!json_is_array (array) || json_array_size (array) > MERKLE_PATH_MAX) {
        snprintf (why, why_size, "'%s' must be an array of at most %d hashes",
                  key, MERKLE_PATH_MAX);
        return false;
    }
    for (*n = 0; *n < json_array_size (array); (*n)++)
        if (!s_doc_hex (json_array_get (array, *n), key, path [*n],
                        MERKLE_HASH_BYTES, why, why_size))
            return false;
    return true;
}

//  The entry bytes of an inclusion proof: a hex string, or null.
static bool
s_doc_leaf (s_doc_t *doc, char *why, size_t why_size)
{
    json_t *v = json_object_get (doc->json, "leaf");
    if (!v || json_is_null (v))
        return true;
    size_t len = json_is_string (v)? json_string_length (v): 0;
    //  A leaf is a stored log entry: bounded by the entry limit, which
    //  is larger than the frame limit (codec.h).
    if (len == 0 || len % 2 || len / 2 > CODEC_ENTRY_MAX) {
        snprintf (why, why_size, "'leaf' must be an even number of hex digits, "
                  "at most %d bytes", CODEC_ENTRY_MAX);
        return false;
    }
    doc->leaf = malloc (len / 2);
    if (!doc->leaf) {
        snprintf (why, why_size, "out of memory");
        return false;
    }
    doc->leaf_len = len / 2;
    doc->has_leaf = true;
    return s_doc_hex (v, "leaf", doc->leaf, doc->leaf_len, why, why_size);
}

//  Every member, strictly: unknown keys are refused.
static bool
s_doc_members (s_doc_t *doc, char *why, size_t why_size)
{
    static const char *const known [] = {
        "origin", "checkpoint", "size", "root", "leaf_index", "leaf",
        "inclusion", "old_size", "old_root", "consistency", NULL
    };
    json_t *obj = doc->json, *v;
    const char *key;
    json_object_foreach (obj, key, v) {
        size_t i = 0;
        while (known [i] && strcmp (known [i], key) != 0)
            i++;
        if (!known [i]) {
            snprintf (why, why_size, "unknown member '%s'", key);
            return false;
        }
    }
    v = json_object_get (obj, "origin");
    doc->origin = json_string_value (v);
    v = json_object_get (obj, "checkpoint");
    doc->checkpoint = v && !json_is_null (v)? json_string_value (v): "";
    if (!doc->origin || !doc->checkpoint) {
        snprintf (why, why_size, "'origin' and 'checkpoint' must be strings");
        return false;
    }
    if (!s_doc_u64 (obj, "size", true, &doc->size, why, why_size)
    ||  !s_doc_hex (json_object_get (obj, "root"), "root", doc->root,
                    MERKLE_HASH_BYTES, why, why_size)
    ||  !s_doc_leaf (doc, why, why_size)
    ||  !s_doc_u64 (obj, "leaf_index", doc->has_leaf, &doc->leaf_index,
                    why, why_size)
    ||  !s_doc_path (obj, "inclusion", doc->inclusion, &doc->n_inclusion,
                     why, why_size)
    ||  !s_doc_u64 (obj, "old_size", false, &doc->old_size, why, why_size)
    ||  !s_doc_path (obj, "consistency", doc->consistency,
                     &doc->n_consistency, why, why_size))
        return false;
    if (doc->old_size && !s_doc_hex (json_object_get (obj, "old_root"),
                                     "old_root", doc->old_root,
                                     MERKLE_HASH_BYTES, why, why_size))
        return false;
    if ((doc->n_inclusion && !doc->has_leaf)
    ||  (doc->n_consistency && !doc->old_size)) {
        snprintf (why, why_size, "a proof path without its 'leaf' or "
                  "'old_size'");
        return false;
    }
    return true;
}

//  Reads and parses path ("-": stdin) into *out.  Returns an exit code:
//  LICCTL_EXIT_USAGE if it cannot be read, LICCTL_EXIT_REFUSED (why
//  says) if it is not a proof document.
static int
s_doc_read (const char *path, s_doc_t **out, char *why, size_t why_size)
{
    bool from_stdin = strcmp (path, "-") == 0;
    FILE *fp = from_stdin? stdin: fopen (path, "r");
    char *text = fp? malloc (S_DOC_MAX + 1): NULL;
    size_t size = text? fread (text, 1, S_DOC_MAX + 1, fp): 0;
    bool read_ok = text && !ferror (fp) && size <= S_DOC_MAX;
    if (fp && !from_stdin)
        fclose (fp);
    if (!read_ok) {
        free (text);
        fprintf (stderr, "licctl: cannot read %s (or over %d bytes)\n", path,
                 S_DOC_MAX);
        return LICCTL_EXIT_USAGE;
    }
    json_error_t jerr;
    s_doc_t *doc = calloc (1, sizeof *doc);
    if (doc)
        doc->json = json_loadb (text, size, JSON_REJECT_DUPLICATES, &jerr);
    free (text);
    if (!doc || !doc->json || !json_is_object (doc->json)) {
        snprintf (why, why_size, "not a JSON object: %s", doc && !doc->json?
                  jerr.text: "out of memory or not an object");
        if (doc)
            s_doc_free (doc);
        return LICCTL_EXIT_REFUSED;
    }
    if (!s_doc_members (doc, why, why_size)) {
        s_doc_free (doc);
        return LICCTL_EXIT_REFUSED;
    }
    *out = doc;
    return LICCTL_EXIT_OK;
}

// ---------------------------------------------------------------------
//  Keys

//  A key given on the command line: a verifier key string (NAME+ID+BASE64,
//  as licctl vkey prints) or a node's key file (its name is then
//  "licrepo/<division>", the origin and key name its node signs with).
//  A witness may also be named by its cosigner key (licctl vkey
//  --cosigner): with_cosigner.  Returns an exit code; what names the
//  option in messages.
static int
s_load_vkey (const char *spec, bool is_vkey, bool with_cosigner,
             const char *what, char name [CHECKPOINT_NAME_MAX + 1],
             uint8_t pk [SEAL_PUBLIC_BYTES])
{
    keyfile_t k;
    if (is_vkey) {
        if (checkpoint_vkey_parse (spec, name, pk) != ERR_OK
        &&  (!with_cosigner
        ||   checkpoint_cosig_vkey_parse (spec, name, pk) != ERR_OK)) {
            fprintf (stderr, "licctl: %s is not an Ed25519 verifier key "
                     "(NAME+ID+BASE64, as licctl vkey prints)\n", what);
            return LICCTL_EXIT_USAGE;
        }
        return LICCTL_EXIT_OK;
    }
    if (licctl_load_key (&k, spec, false) != LICCTL_EXIT_OK)
        return LICCTL_EXIT_USAGE;
    snprintf (name, CHECKPOINT_NAME_MAX + 1, S_KEY_PREFIX "%s", k.code);
    memcpy (pk, k.sign_pk, SEAL_PUBLIC_BYTES);
    keyfile_wipe (&k);                  //  a node.key works too
    return LICCTL_EXIT_OK;
}

//  The verifier key --key (a vkey string) or --key-file (a node's key
//  file, default DIR/node.pub with -d) names.  *have is false if none
//  was given.  Returns an exit code.
static int
s_verifier_key (const licctl_opts_t *opts, char name [CHECKPOINT_NAME_MAX + 1],
                uint8_t pk [SEAL_PUBLIC_BYTES], bool *have)
{
    char path [4096];
    *have = false;
    if (opts->key && opts->key_file) {
        fprintf (stderr, "licctl: give --key or --key-file, not both\n");
        return LICCTL_EXIT_USAGE;
    }
    if (opts->key) {
        *have = true;
        return s_load_vkey (opts->key, true, false, "--key", name, pk);
    }
    if (!opts->key_file && !opts->dir)
        return LICCTL_EXIT_OK;
    snprintf (path, sizeof path, "%s%s", opts->key_file? opts->key_file:
              opts->dir, opts->key_file? "": "/node.pub");
    *have = true;
    return s_load_vkey (path, false, false, "--key-file", name, pk);
}

int
licctl_cmd_vkey (const licctl_opts_t *opts)
{
    char name [CHECKPOINT_NAME_MAX + 1], vkey [CHECKPOINT_VKEY_MAX];
    uint8_t pk [SEAL_PUBLIC_BYTES];
    bool have;
    if (opts->n_args || opts->key) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    int exit_code = s_verifier_key (opts, name, pk, &have);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    if (!have) {
        fprintf (stderr, "licctl: vkey needs --key-file NODE.pub "
                 "(or -d DIR)\n");
        return LICCTL_EXIT_USAGE;
    }
    if ((opts->cosigner? checkpoint_cosig_vkey (name, pk, vkey, sizeof vkey):
         checkpoint_vkey (name, pk, vkey, sizeof vkey)) != ERR_OK) {
        fprintf (stderr, "licctl: '%s' is not a valid key name\n", name);
        return LICCTL_EXIT_USAGE;
    }
    if (opts->json)
        return licctl_print_json (json_pack ("{s:s, s:s}", "name", name,
                                             "vkey", vkey));
    printf ("%s\n", vkey);
    return LICCTL_EXIT_OK;
}

// ---------------------------------------------------------------------
//  verify-proof: the checks

typedef struct {
    bool json;                          //  --json: collect, print at the end
    json_t *checks;                     //  [{check, ok, detail}] when json
    json_t *ignored;                    //  ["name+id", ...] when json
    int passed;                         //  checks that passed
    int failed;                         //  checks that failed
} s_report_t;

//  What the caller trusts, from the command line.  A node signs its
//  checkpoints with key name = origin = "licrepo/<division>"
//  (server.c s_checkpoint), so a key vouches for the log of that origin
//  only; its parent's line on the same note is a receipt, which counts
//  only when that parent is named as a witness.
typedef struct {
    bool have;                          //  --key or --key-file given
    char name [CHECKPOINT_NAME_MAX + 1];    //  the log's key name and origin
    uint8_t pk [SEAL_PUBLIC_BYTES];
    bool have_witness;                  //  --witness-key given
    char witness [CHECKPOINT_NAME_MAX + 1]; //  the witness's key name
    uint8_t witness_pk [SEAL_PUBLIC_BYTES];
    bool witnessed;                     //  its receipt line verified
    const char *since;                  //  --since: the note, "" if none
} s_trust_t;

static void
    s_check (s_report_t *r, bool ok, const char *what, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

//  Records and (without --json) prints one check.
static void
s_check (s_report_t *r, bool ok, const char *what, const char *format, ...)
{
    char detail [1024];
    va_list args;
    va_start (args, format);
    vsnprintf (detail, sizeof detail, format, args);
    va_end (args);
    if (ok)
        r->passed++;
    else
        r->failed++;
    if (r->json)
        json_array_append_new (r->checks, json_pack ("{s:s, s:b, s:s}",
                               "check", what, "ok", ok, "detail", detail));
    else
        printf ("%-7s %s: %s\n", ok? "OK": "FAILED", what, detail);
}

//  The signers of a note, "name+id, ..." into out.
static void
s_signers (const checkpoint_t *cp, char *out, size_t size)
{
    size_t used = 0;
    out [0] = 0;
    for (size_t i = 0; i < cp->n_sigs && used < size; i++) {
        int n = snprintf (out + used, size - used, "%s%s+%08" PRIx32,
                          i? ", ": "", cp->sigs [i].name, cp->sigs [i].key_id);
        used += n > 0? (size_t) n: 0;
    }
}

//  The witness's receipt on cp, a cosignature/v1 (its time into *when):
//  ERR_OK, ERR_UNKNOWN_KEY (none) or ERR_BAD_SIGNATURE.
static int
s_witness_verify (const checkpoint_t *cp, const s_trust_t *t, uint64_t *when)
{
    return checkpoint_cosig_verify (cp, t->witness, t->witness_pk, when);
}

//  Signature lines neither by the log's key nor by the witness: signed-
//  note says to ignore lines by unknown keys; the report names them.
static void
s_report_ignored (s_report_t *r, const checkpoint_t *cp, const s_trust_t *t)
{
    uint32_t id = checkpoint_key_id (t->name, t->pk);
    uint32_t wid = t->have_witness?
                   checkpoint_cosig_key_id (t->witness, t->witness_pk): 0;
    for (size_t i = 0; i < cp->n_sigs; i++) {
        const checkpoint_sig_t *sig = &cp->sigs [i];
        char who [CHECKPOINT_NAME_MAX + 16];
        if ((sig->key_id == id && strcmp (sig->name, t->name) == 0)
        ||  (t->have_witness && sig->key_id == wid
        &&   strcmp (sig->name, t->witness) == 0))
            continue;
        snprintf (who, sizeof who, "%s+%08" PRIx32, sig->name, sig->key_id);
        if (r->json)
            json_array_append_new (r->ignored, json_string (who));
        else
            printf ("IGNORED signature line by %s: not checked, not trusted "
                    "(a parent's receipt counts only with --witness-key)\n",
                    who);
    }
}

//  The checkpoint: that it is the log of the key given, its signature by
//  that key, the witness's receipt if one is named, and that it is the
//  document's tree.
static void
s_check_checkpoint (s_report_t *r, const s_doc_t *doc, s_trust_t *t)
{
    checkpoint_t cp;
    char signers [512], hex [2][65];
    uint32_t id = checkpoint_key_id (t->name, t->pk);
    int rc = checkpoint_parse (doc->checkpoint, strlen (doc->checkpoint), &cp);
    if (rc != ERR_OK) {
        s_check (r, false, "checkpoint", "does not parse as a C2SP "
                 "signed note (%s)", err_str (rc));
        return;
    }
    s_signers (&cp, signers, sizeof signers);
    //  A key vouches for its own log only: a parent's key made the
    //  receipt line on a child's checkpoint (and made plain lines before
    //  receipts were cosignatures), which is no signature of the parent's
    //  log
    if (strcmp (cp.origin, t->name) != 0) {
        bool receipt = checkpoint_cosig_verify (&cp, t->name, t->pk, NULL)
                       == ERR_OK
                    || checkpoint_verify (&cp, t->name, t->pk) == ERR_OK;
        s_check (r, false, "checkpoint origin", "the checkpoint is of the "
                 "log %s, but the key given (%s+%08" PRIx32 ") is the log "
                 "%s's: a node's key vouches for its own log only%s%s%s",
                 cp.origin, t->name, id, t->name, receipt?
                 "; its line on this checkpoint is a receipt: to rely on it, "
                 "give the key of ": "", receipt? cp.origin: "", receipt?
                 " and this one as --witness-key": "");
        return;
    }
    s_check (r, true, "checkpoint origin", "%s, the log of the key given",
             cp.origin);
    rc = checkpoint_verify (&cp, t->name, t->pk);
    if (rc == ERR_OK)
        s_check (r, true, "checkpoint signature", "signed by %s+%08" PRIx32,
                 t->name, id);
    else
    if (rc == ERR_UNKNOWN_KEY)
        s_check (r, false, "checkpoint signature", "no signature by %s+%08"
                 PRIx32 " (the note is signed by %s)", t->name, id, signers);
    else
        s_check (r, false, "checkpoint signature", "the signature by %s+%08"
                 PRIx32 " does not verify (%s)", t->name, id, err_str (rc));
    if (t->have_witness) {
        uint32_t wid = checkpoint_cosig_key_id (t->witness, t->witness_pk);
        uint64_t when = 0;
        char at [32];
        rc = s_witness_verify (&cp, t, &when);
        t->witnessed = rc == ERR_OK;
        if (rc == ERR_OK)
            s_check (r, true, "witness", "%s+%08" PRIx32 " cosigned this "
                     "checkpoint at %s (cosignature/v1, its receipt: it holds "
                     "this log up to size %" PRIu64 ")", t->witness, wid,
                     licctl_time ((int64_t) when, at), cp.size);
        else
        if (rc == ERR_UNKNOWN_KEY
        &&  checkpoint_verify (&cp, t->witness, t->witness_pk) == ERR_OK)
            s_check (r, false, "witness", "%s's line is a plain signature "
                     "(a receipt made before receipts were cosignatures), "
                     "not a cosignature/v1: ask for a proof at a newer "
                     "checkpoint", t->witness);
        else
        if (rc == ERR_UNKNOWN_KEY)
            s_check (r, false, "witness", "no cosignature by %s+%08" PRIx32
                     " (the note is signed by %s)", t->witness, wid, signers);
        else
            s_check (r, false, "witness", "the cosignature by %s+%08" PRIx32
                     " does not verify (%s)", t->witness, wid, err_str (rc));
    }
    s_report_ignored (r, &cp, t);
    seal_hex (hex [0], cp.root, sizeof cp.root);
    seal_hex (hex [1], doc->root, sizeof doc->root);
    if (strcmp (cp.origin, doc->origin) != 0)
        s_check (r, false, "checkpoint tree", "origin is %s, the document "
                 "says %s", cp.origin, doc->origin);
    else
    if (cp.size != doc->size || strcmp (hex [0], hex [1]) != 0)
        s_check (r, false, "checkpoint tree", "checkpoint has size %" PRIu64
                 " root %s, the document size %" PRIu64 " root %s", cp.size,
                 hex [0], doc->size, hex [1]);
    else
        s_check (r, true, "checkpoint tree", "%s size %" PRIu64 " root %s",
                 cp.origin, cp.size, hex [0]);
}

//  --since: the consistency proof starts at a checkpoint of this log the
//  caller saw earlier (signed by the same key), with the same root.
static void
s_check_since (s_report_t *r, const s_doc_t *doc, const s_trust_t *t)
{
    checkpoint_t cp;
    char hex [2][65];
    int rc = checkpoint_parse (t->since, strlen (t->since), &cp);
    if (rc != ERR_OK) {
        s_check (r, false, "since", "the earlier checkpoint does not parse "
                 "as a C2SP signed note (%s)", err_str (rc));
        return;
    }
    if (strcmp (cp.origin, t->name) != 0) {
        s_check (r, false, "since", "the earlier checkpoint is of the log %s, "
                 "not %s", cp.origin, t->name);
        return;
    }
    rc = checkpoint_verify (&cp, t->name, t->pk);
    if (rc != ERR_OK) {
        s_check (r, false, "since", "the earlier checkpoint is not signed by "
                 "%s+%08" PRIx32 " (%s)", t->name,
                 checkpoint_key_id (t->name, t->pk), err_str (rc));
        return;
    }
    seal_hex (hex [0], cp.root, sizeof cp.root);
    seal_hex (hex [1], doc->old_root, sizeof doc->old_root);
    if (!doc->old_size)
        s_check (r, false, "since", "the document has no consistency proof; "
                 "ask for one from your checkpoint: licctl prove --old-size %"
                 PRIu64, cp.size);
    else
    if (cp.size != doc->old_size)
        s_check (r, false, "since", "the consistency proof starts at size %"
                 PRIu64 ", the checkpoint you saw at size %" PRIu64 ": ask "
                 "for licctl prove --old-size %" PRIu64, doc->old_size,
                 cp.size, cp.size);
    else
    if (strcmp (hex [0], hex [1]) != 0)
        s_check (r, false, "since", "%s signed two different trees of size %"
                 PRIu64 ": root %s in the checkpoint you saw earlier, root %s "
                 "where this proof starts (the log was rewritten or shows "
                 "different views; keep both as evidence)", t->name, cp.size,
                 hex [0], hex [1]);
    else
        s_check (r, true, "since", "the proof starts at the checkpoint you "
                 "saw earlier (size %" PRIu64 " root %s)", cp.size, hex [0]);
}

//  The root against --root, or its absence when nothing authenticates it.
static void
s_check_root (s_report_t *r, const s_doc_t *doc, const uint8_t *trusted)
{
    char hex [2][65];
    seal_hex (hex [0], doc->root, sizeof doc->root);
    if (!trusted) {
        s_check (r, false, "root", "UNAUTHENTICATED: the document carries no "
                 "checkpoint (its tree size is not the checkpoint's); give "
                 "--root HEX from a source you trust");
        return;
    }
    seal_hex (hex [1], trusted, MERKLE_HASH_BYTES);
    if (strcmp (hex [0], hex [1]) == 0)
        s_check (r, true, "root", "%s equals --root%s", hex [0],
                 *doc->checkpoint? "": " (no checkpoint: --root is what "
                 "authenticates it)");
    else
        s_check (r, false, "root", "is %s, --root says %s", hex [0], hex [1]);
}

//  The leaf is the LogEntry of seq leaf_index + 1, and it is in the tree.
static void
s_check_inclusion (s_report_t *r, const s_doc_t *doc)
{
    Lic__LogEntry *e = NULL;
    char what [4096];
    int rc = codec_entry_decode (doc->leaf, doc->leaf_len, &e);
    if (rc != ERR_OK)
        s_check (r, false, "leaf", "is not a log entry (%s)", err_str (rc));
    else
    if (e->seq != doc->leaf_index + 1)
        s_check (r, false, "leaf", "is the log entry of seq %" PRIu64 ", but "
                 "leaf %" PRIu64 " holds seq %" PRIu64, e->seq,
                 doc->leaf_index, doc->leaf_index + 1);
    else {
        entrykind_summary (e, what, sizeof what);    //  the line licctl log prints
        s_check (r, true, "leaf", "log entry seq %" PRIu64 " from %s/%" PRIu64
                 ": %s", e->seq, e->origin_division, e->origin_seq, what);
    }
    codec_entry_free (&e);
    uint8_t hash [MERKLE_HASH_BYTES];
    merkle_leaf_hash (hash, doc->leaf, doc->leaf_len);
    rc = merkle_verify_inclusion (hash, doc->leaf_index, doc->size,
                                  (const uint8_t (*) [MERKLE_HASH_BYTES])
                                  doc->inclusion, doc->n_inclusion, doc->root);
    if (rc == ERR_OK)
        s_check (r, true, "inclusion", "leaf %" PRIu64 " is in the tree of "
                 "size %" PRIu64 " (%zu hashes)", doc->leaf_index, doc->size,
                 doc->n_inclusion);
    else
    if (rc == ERR_DIVERGED)
        s_check (r, false, "inclusion", "the leaf and path lead to another "
                 "root than the document's");
    else
        s_check (r, false, "inclusion", "leaf %" PRIu64 ", tree size %" PRIu64
                 " and %zu hashes do not fit together (%s)", doc->leaf_index,
                 doc->size, doc->n_inclusion, err_str (rc));
}

static void
s_check_consistency (s_report_t *r, const s_doc_t *doc, bool since)
{
    char hex [65];
    int rc = merkle_verify_consistency (doc->old_size, doc->size, doc->old_root,
                                        doc->root,
                                        (const uint8_t (*) [MERKLE_HASH_BYTES])
                                        doc->consistency, doc->n_consistency);
    seal_hex (hex, doc->old_root, sizeof doc->old_root);
    if (rc == ERR_OK)
        s_check (r, true, "consistency", "the tree of size %" PRIu64 " extends "
                 "the tree of size %" PRIu64 " root %s (%zu hashes)%s",
                 doc->size, doc->old_size, hex, doc->n_consistency, since? "":
                 "; that old root is the document's word only: --since "
                 "CHECKPOINT compares it with one you saw earlier");
    else
    if (rc == ERR_DIVERGED)
        s_check (r, false, "consistency", "the path does not lead from root %s "
                 "of size %" PRIu64 " to the document's root", hex,
                 doc->old_size);
    else
        s_check (r, false, "consistency", "sizes %" PRIu64 " -> %" PRIu64
                 " and %zu hashes do not fit together (%s)", doc->old_size,
                 doc->size, doc->n_consistency, err_str (rc));
}

// ---------------------------------------------------------------------
//  verify-proof

//  Every check the document allows.
static void
s_verify (s_report_t *r, const s_doc_t *doc, s_trust_t *t,
          const uint8_t *trusted_root)
{
    if (*doc->checkpoint)
        s_check_checkpoint (r, doc, t);
    if (!*doc->checkpoint || trusted_root)
        s_check_root (r, doc, trusted_root);
    if (doc->has_leaf)
        s_check_inclusion (r, doc);
    if (doc->old_size)
        s_check_consistency (r, doc, *t->since);
    if (*t->since)
        s_check_since (r, doc, t);
    if (!doc->has_leaf && !doc->old_size)
        s_check (r, false, "proof", "the document proves nothing: no 'leaf' "
                 "and no 'old_size'");
}

//  Prints the verdict, naming the log and the witness that vouch for it;
//  the exit code.
static int
s_verdict (s_report_t *r, const char *path, const s_doc_t *doc,
           const s_trust_t *t)
{
    bool ok = r->failed == 0 && r->passed > 0;
    bool signed_log = doc && *doc->checkpoint && t->have;
    if (r->json) {
        json_t *out = json_pack ("{s:s, s:b, s:O, s:O, s:s?, s:s?}", "file",
                                 path, "verified", ok, "checks", r->checks,
                                 "ignored", r->ignored,
                                 "log", ok && signed_log? t->name: NULL,
                                 "witness", ok && t->witnessed?
                                 t->witness: NULL);
        if (licctl_print_json (out) != LICCTL_EXIT_OK)
            return LICCTL_EXIT_USAGE;
    }
    else
    if (ok && signed_log)
        printf ("verified: %d checks passed: log %s, signed by its key%s%s%s\n",
                r->passed, t->name, t->witnessed? ", receipt by witness ": "",
                t->witnessed? t->witness: "", t->witnessed? " (trusted as a "
                "witness with --witness-key)": "");
    else
    if (ok)
        printf ("verified: %d checks passed (root given with --root)\n",
                r->passed);
    else
        printf ("NOT VERIFIED: %d of %d checks failed\n", r->failed,
                r->failed + r->passed);
    return ok? LICCTL_EXIT_OK: LICCTL_EXIT_REFUSED;
}

//  Reads the --since file: a checkpoint note as a node writes it, or a
//  JSON object with a "checkpoint" member: a proof document kept from an
//  earlier check, or saved `licctl status --json` output.
//  *note is malloc'd.  Returns an exit code (usage errors reported).
static int
s_read_since (const char *path, char **note)
{
    *note = NULL;
    FILE *fp = fopen (path, "r");
    char *text = fp? malloc (S_DOC_MAX + 1): NULL;
    size_t size = text? fread (text, 1, S_DOC_MAX + 1, fp): 0;
    bool read_ok = text && !ferror (fp) && size <= S_DOC_MAX;
    if (fp)
        fclose (fp);
    if (!read_ok) {
        free (text);
        fprintf (stderr, "licctl: cannot read --since %s (or over %d bytes)\n",
                 path, S_DOC_MAX);
        return LICCTL_EXIT_USAGE;
    }
    text [size] = 0;
    size_t skip = strspn (text, " \t\r\n");
    if (text [skip] != '{') {
        *note = text;
        return LICCTL_EXIT_OK;
    }
    json_t *json = json_loadb (text, size, JSON_REJECT_DUPLICATES, NULL);
    free (text);
    const char *cp = json_string_value (json_object_get (json, "checkpoint"));
    if (cp && *cp)
        *note = strdup (cp);
    json_decref (json);
    if (!*note) {
        fprintf (stderr, "licctl: --since %s is neither a checkpoint note nor "
                 "JSON with a \"checkpoint\" (a proof document, licctl "
                 "status --json)\n", path);
        return LICCTL_EXIT_USAGE;
    }
    return LICCTL_EXIT_OK;
}

//  The keys and the earlier checkpoint the command line names.  Returns
//  an exit code; *since_text is malloc'd (caller frees).
static int
s_trust_load (const licctl_opts_t *opts, s_trust_t *t, char **since_text)
{
    *since_text = NULL;
    t->since = "";
    int exit_code = s_verifier_key (opts, t->name, t->pk, &t->have);
    if (exit_code == LICCTL_EXIT_OK && opts->witness_key) {
        //  A file, else a verifier key string
        FILE *fp = fopen (opts->witness_key, "r");
        bool is_file = fp != NULL;
        if (fp)
            fclose (fp);
        exit_code = s_load_vkey (opts->witness_key, !is_file, true,
                                 "--witness-key", t->witness, t->witness_pk);
        t->have_witness = exit_code == LICCTL_EXIT_OK;
    }
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    if ((opts->witness_key || opts->since) && !t->have) {
        fprintf (stderr, "licctl: --witness-key and --since need the log's "
                 "own key: --key VKEY or --key-file NODE.pub\n");
        return LICCTL_EXIT_USAGE;
    }
    if (t->have_witness && (strcmp (t->witness, t->name) == 0
    ||  memcmp (t->witness_pk, t->pk, SEAL_PUBLIC_BYTES) == 0)) {
        fprintf (stderr, "licctl: --witness-key is the log's own key; a "
                 "witness is another node (the log's parent)\n");
        return LICCTL_EXIT_USAGE;
    }
    if (opts->since) {
        exit_code = s_read_since (opts->since, since_text);
        if (exit_code == LICCTL_EXIT_OK)
            t->since = *since_text;
    }
    return exit_code;
}

int
licctl_cmd_verify_proof (const licctl_opts_t *opts)
{
    char why [512], *since_text = NULL;
    uint8_t root [MERKLE_HASH_BYTES];
    s_trust_t trust = { 0 };
    s_doc_t *doc = NULL;
    if (opts->n_args != 1) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    if (opts->root && seal_unhex (root, sizeof root, opts->root) != ERR_OK) {
        fprintf (stderr, "licctl: --root must be 64 hex digits\n");
        return LICCTL_EXIT_USAGE;
    }
    int exit_code = s_trust_load (opts, &trust, &since_text);
    if (exit_code != LICCTL_EXIT_OK) {
        free (since_text);
        return exit_code;
    }
    s_report_t report = { .json = opts->json, .checks = json_array (),
                          .ignored = json_array () };
    if (!report.checks || !report.ignored) {
        json_decref (report.checks);
        json_decref (report.ignored);
        free (since_text);
        return licctl_print_json (NULL);
    }
    exit_code = s_doc_read (opts->args [0], &doc, why, sizeof why);
    if (exit_code == LICCTL_EXIT_REFUSED)
        s_check (&report, false, "document", "%s", why);
    else
    if (exit_code == LICCTL_EXIT_OK && *doc->checkpoint && !trust.have) {
        fprintf (stderr, "licctl: the document carries a checkpoint: give "
                 "the node's --key VKEY or --key-file NODE.pub\n");
        exit_code = LICCTL_EXIT_USAGE;
    }
    else
    if (exit_code == LICCTL_EXIT_OK && trust.have_witness
    &&  !*doc->checkpoint) {
        fprintf (stderr, "licctl: --witness-key: the document carries no "
                 "checkpoint to hold a receipt\n");
        exit_code = LICCTL_EXIT_USAGE;
    }
    else
    if (exit_code == LICCTL_EXIT_OK)
        s_verify (&report, doc, &trust, opts->root? root: NULL);
    if (exit_code != LICCTL_EXIT_USAGE)
        exit_code = s_verdict (&report, opts->args [0], doc, &trust);
    json_decref (report.checks);
    json_decref (report.ignored);
    if (doc)
        s_doc_free (doc);
    free (since_text);
    return exit_code;
}
