/*  test_licctl_proof.c -- licctl verify-proof and vkey, offline.

    Builds a proof document the way licctl prove writes it
    (licjson_proof_to_json) from an in-memory tree of 300 log entries and
    a checkpoint signed with a fresh key of a city node, then runs the
    built licctl ($LICCTL) on it: the untouched document verifies with
    the node's key file and with its verifier key string; one changed
    digit anywhere (leaf, a path hash, root, signature, size...) or
    another key makes it fail; without a checkpoint only --root can
    authenticate the root.  The same checkpoint with the province's
    receipt line is refused against the province's key (a key vouches
    for its own log only), and the receipt counts only with
    --witness-key.  --since compares the consistency proof's old tree
    with a checkpoint seen earlier.
*/
#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "node/common/keyfile.h"
#include "node/common/licjson.h"
#include "replication/merkle.h"
#include "proto/seal.h"

#define S_LEAVES        300         //  tree size
#define S_INDEX         41          //  leaf proved (entry seq 42)
#define S_OLD_SIZE      200         //  consistency from here
#define S_ORIGIN        "licrepo/330100"     //  a city's log
#define S_PARENT        "licrepo/330000"     //  its province
#define S_DASH          "\xe2\x80\x94 "

static char s_dir [256];            //  temporary directory
static char s_node_pub [300];       //  the node's public key file
static char s_parent_pub [300];     //  its parent's
static char s_parent_vkey [CHECKPOINT_VKEY_MAX];    //  the parent's
static char s_parent_cosig [CHECKPOINT_VKEY_MAX];   //  as a cosigner
static char *s_old_note;            //  checkpoint at S_OLD_SIZE
static char *s_forked_note;         //  another root at S_OLD_SIZE, same key
static char s_vkey [CHECKPOINT_VKEY_MAX];   //  the node's verifier key
static json_t *s_doc;               //  the untouched document
static char s_root_hex [65];        //  its root

// ---------------------------------------------------------------------
//  Helpers

//  The LogEntry bytes of seq (an issue event inside), malloc'd.
static uint8_t *
s_entry (uint64_t seq, size_t *len)
{
    char id [32];
    uint8_t *body, *buf, sig [64] = { 0 }, key [32] = { 0 };
    size_t body_len;
    Lic__Event ev;
    codec_event_init (&ev);
    snprintf (id, sizeof id, "ID%llu", (unsigned long long) seq);
    ev.op = LIC__OP__OP_ISSUE;
    ev.license_id = id;
    assert (codec_event_encode (&ev, &body, &body_len) == ERR_OK);
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = body;
    env.body.len = body_len;
    env.signature.data = sig;
    env.signature.len = sizeof sig;
    env.key_id.data = key;
    env.key_id.len = sizeof key;
    Lic__LogEntry e;
    codec_entry_init (&e);
    e.seq = seq;
    e.origin_division = "330106";
    e.origin_seq = seq;
    e.kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    e.envelope = &env;
    e.received_at = 1795744800;
    assert (codec_entry_encode (&e, &buf, len) == ERR_OK);
    free (body);
    return buf;
}

//  Saves the public half of a fresh node key for division; the key pair
//  stays in *k (caller wipes).
static void
s_node_key (keyfile_t *k, const char *division, const char *path)
{
    assert (keyfile_generate (k, division, division) == ERR_OK);
    assert (keyfile_save (k, path, false) == ERR_OK);
}

static void
s_write (json_t *doc, const char *name, char path [300])
{
    snprintf (path, 300, "%s/%s", s_dir, name);
    assert (json_dump_file (doc, path, JSON_INDENT (2)) == 0);
}

//  Runs licctl with the NULL-terminated arguments and asserts that it
//  exits with `expect`; its output is shown only when it does not
//  (always with TEST_VERBOSE set).
static void
s_expect (int expect, ...)
{
    const char *argv [16];
    int argc = 0;
    argv [argc++] = getenv ("LICCTL");
    assert (argv [0]);
    va_list args;
    va_start (args, expect);
    while ((argv [argc] = va_arg (args, const char *)) != NULL)
        assert (++argc < 16);
    va_end (args);
    int visible = getenv ("TEST_VERBOSE")? 1: 0;
    for (; visible < 2; visible++) {
        pid_t pid = fork ();
        assert (pid >= 0);
        if (pid == 0) {
            if (!visible) {
                int null = open ("/dev/null", O_WRONLY);
                dup2 (null, 1);
                dup2 (null, 2);
            }
            execv (argv [0], (char **) argv);
            _exit (127);
        }
        int status;
        assert (waitpid (pid, &status, 0) == pid);
        int code = WIFEXITED (status)? WEXITSTATUS (status): 128;
        if (visible) {
            assert (code == expect);
            return;
        }
        if (code == expect)
            return;
        fprintf (stderr, "licctl %s %s: exit %d, expected %d; once more "
                 "with its output:\n", argv [1], argv [2], code, expect);
    }
}

//  Changes the hex digit or base64 character at text [at] in place (to
//  another value: 'a' to 'A' would be the same hex digit).
static void
s_flip (char *text, size_t at)
{
    text [at] = text [at] == '0'? '1': '0';
}

//  A copy of the document with member key's string changed at `at`
//  (negative: from the end), written to name.
static void
s_write_flipped (json_t *doc, const char *key, long at, const char *name,
                 char path [300])
{
    json_t *copy = json_deep_copy (doc);
    json_t *v = json_object_get (copy, key);
    char *text = strdup (json_string_value (v));
    s_flip (text, at >= 0? (size_t) at: strlen (text) - (size_t) -at);
    json_object_set_new (copy, key, json_string (text));
    free (text);
    s_write (copy, name, path);
    json_decref (copy);
}

static int
s_unlink (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove (path);
}

// ---------------------------------------------------------------------
//  Setup: the tree, the checkpoint, the document

static void
s_setup (void)
{
    keyfile_t node, parent;
    snprintf (s_dir, sizeof s_dir, "%s/licctl-proof-XXXXXX",
              getenv ("TMPDIR")? getenv ("TMPDIR"): "/tmp");
    assert (mkdtemp (s_dir));
    snprintf (s_node_pub, sizeof s_node_pub, "%s/node.pub", s_dir);
    snprintf (s_parent_pub, sizeof s_parent_pub, "%s/parent.pub", s_dir);
    s_node_key (&node, "330100", s_node_pub);
    s_node_key (&parent, "330000", s_parent_pub);
    assert (checkpoint_vkey (S_ORIGIN, node.sign_pk, s_vkey,
                             sizeof s_vkey) == ERR_OK);
    assert (checkpoint_vkey (S_PARENT, parent.sign_pk, s_parent_vkey,
                             sizeof s_parent_vkey) == ERR_OK);
    assert (checkpoint_cosig_vkey (S_PARENT, parent.sign_pk, s_parent_cosig,
                                   sizeof s_parent_cosig) == ERR_OK);

    merkle_mem_store_t *mem = merkle_mem_store_new ();
    const merkle_store_t *store = merkle_mem_store_ops (mem);
    uint8_t *leaf = NULL, hash [32], root [32], old_root [32];
    size_t leaf_len = 0;
    for (uint64_t i = 0; i < S_LEAVES; i++) {
        size_t len;
        uint8_t *entry = s_entry (i + 1, &len);
        merkle_leaf_hash (hash, entry, len);
        assert (merkle_append (store, i, hash) == ERR_OK);
        if (i == S_INDEX) {
            leaf = entry;
            leaf_len = len;
        }
        else
            free (entry);
    }
    uint8_t inclusion [MERKLE_PATH_MAX][32], consistency [MERKLE_PATH_MAX][32];
    size_t n_inclusion, n_consistency;
    assert (merkle_root (store, S_LEAVES, root) == ERR_OK);
    assert (merkle_root (store, S_OLD_SIZE, old_root) == ERR_OK);
    assert (merkle_inclusion_proof (store, S_INDEX, S_LEAVES, inclusion,
                                    &n_inclusion) == ERR_OK);
    assert (merkle_consistency_proof (store, S_OLD_SIZE, S_LEAVES, consistency,
                                      &n_consistency) == ERR_OK);
    char *note = NULL;
    assert (checkpoint_sign (S_ORIGIN, S_LEAVES, root, S_ORIGIN, node.sign_sk,
                             node.sign_pk, &note) == ERR_OK);
    //  What a verifier saw earlier: the real tree at S_OLD_SIZE, and one
    //  the same key signed with another root (a rewritten log)
    uint8_t forked [32];
    memcpy (forked, old_root, 32);
    forked [0] ^= 1;
    assert (checkpoint_sign (S_ORIGIN, S_OLD_SIZE, old_root, S_ORIGIN,
                             node.sign_sk, node.sign_pk, &s_old_note)
            == ERR_OK);
    assert (checkpoint_sign (S_ORIGIN, S_OLD_SIZE, forked, S_ORIGIN,
                             node.sign_sk, node.sign_pk, &s_forked_note)
            == ERR_OK);

    //  As a node's ProofResult would carry them
    ProtobufCBinaryData inc [MERKLE_PATH_MAX], con [MERKLE_PATH_MAX];
    for (size_t i = 0; i < n_inclusion; i++)
        inc [i] = (ProtobufCBinaryData) { 32, inclusion [i] };
    for (size_t i = 0; i < n_consistency; i++)
        con [i] = (ProtobufCBinaryData) { 32, consistency [i] };
    Lic__ProofResult p = LIC__PROOF_RESULT__INIT;
    p.checkpoint = note;
    p.size = S_LEAVES;
    p.root = (ProtobufCBinaryData) { 32, root };
    p.leaf_index = S_INDEX;
    p.leaf = (ProtobufCBinaryData) { leaf_len, leaf };
    p.inclusion = inc;
    p.n_inclusion = n_inclusion;
    p.old_size = S_OLD_SIZE;
    p.old_root = (ProtobufCBinaryData) { 32, old_root };
    p.consistency = con;
    p.n_consistency = n_consistency;
    s_doc = licjson_proof_to_json (&p, S_ORIGIN);
    assert (s_doc);
    seal_hex (s_root_hex, root, 32);

    //  The same checkpoint countersigned by the parent: a receipt
    char *receipt = NULL, path [300];
    assert (checkpoint_cosign (note, S_PARENT, parent.sign_sk,
                               parent.sign_pk, &receipt) == ERR_OK);
    json_t *doc = json_deep_copy (s_doc);
    json_object_set_new (doc, "checkpoint", json_string (receipt));
    s_write (doc, "receipt.json", path);
    free (receipt);
    //  A receipt of the old form: the parent's plain signature line
    char *plain = NULL;
    assert (checkpoint_sign (S_ORIGIN, S_LEAVES, root, S_PARENT,
                             parent.sign_sk, parent.sign_pk, &plain)
            == ERR_OK);
    receipt = malloc (strlen (note) + strlen (plain) + 1);
    strcpy (receipt, note);
    strcat (receipt, strstr (plain, S_DASH));
    json_object_set_new (doc, "checkpoint", json_string (receipt));
    s_write (doc, "plain-receipt.json", path);
    json_decref (doc);
    free (receipt);
    free (plain);
    free (note);
    free (leaf);
    merkle_mem_store_destroy (&mem);
    keyfile_wipe (&node);
    keyfile_wipe (&parent);
}

// ---------------------------------------------------------------------
//  Cases

static void
test_untouched_proof_verifies_with_key_file_and_vkey (void)
{
    char path [300];
    s_write (s_doc, "proof.json", path);
    s_expect (0, "verify-proof", path, "--key-file", s_node_pub, NULL);
    s_expect (0, "verify-proof", path, "--key", s_vkey, NULL);
    s_expect (0, "--json", "verify-proof", path, "--key", s_vkey, NULL);
    //  A pinned root that matches is one more check that passes
    s_expect (0, "verify-proof", path, "--key", s_vkey, "--root",
                      s_root_hex, NULL);
}

static void
test_one_changed_digit_anywhere_fails (void)
{
    char path [300];
    //  leaf: last hex digit, and one in the middle of the entry
    s_write_flipped (s_doc, "leaf", -1, "leaf.json", path);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    s_write_flipped (s_doc, "leaf", 40, "leaf2.json", path);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    //  root
    s_write_flipped (s_doc, "root", 10, "root.json", path);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    //  old_root
    s_write_flipped (s_doc, "old_root", 0, "old_root.json", path);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    //  one hash of each path
    const char *paths [] = { "inclusion", "consistency" };
    for (int i = 0; i < 2; i++) {
        json_t *copy = json_deep_copy (s_doc);
        json_t *array = json_object_get (copy, paths [i]);
        assert (json_array_size (array) > 3);
        char *text = strdup (json_string_value (json_array_get (array, 3)));
        s_flip (text, 17);
        json_array_set_new (array, 3, json_string (text));
        free (text);
        s_write (copy, "path.json", path);
        json_decref (copy);
        s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    }
    //  the signature, past its 4-byte key id
    const char *note =
        json_string_value (json_object_get (s_doc, "checkpoint"));
    const char *line = strstr (note, S_DASH S_ORIGIN " ");
    assert (line);
    long at = (long) (line - note) + (long) strlen (S_DASH S_ORIGIN " ") + 20;
    s_write_flipped (s_doc, "checkpoint", at, "sig.json", path);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    //  the size, and the leaf index
    json_t *copy = json_deep_copy (s_doc);
    json_object_set_new (copy, "size", json_integer (S_LEAVES + 1));
    s_write (copy, "size.json", path);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    json_object_set_new (copy, "size", json_integer (S_LEAVES));
    json_object_set_new (copy, "leaf_index", json_integer (S_INDEX + 1));
    s_write (copy, "index.json", path);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    json_decref (copy);
}

static void
test_another_key_fails (void)
{
    char path [300], other_pub [300], other_vkey [CHECKPOINT_VKEY_MAX];
    keyfile_t other;
    snprintf (other_pub, sizeof other_pub, "%s/other.pub", s_dir);
    s_node_key (&other, "330100", other_pub);
    assert (checkpoint_vkey (S_ORIGIN, other.sign_pk, other_vkey,
                             sizeof other_vkey) == ERR_OK);
    keyfile_wipe (&other);
    s_write (s_doc, "proof.json", path);
    //  Same division, another key: the key id does not match
    s_expect (1, "verify-proof", path, "--key-file", other_pub, NULL);
    s_expect (1, "verify-proof", path, "--key", other_vkey, NULL);
    //  Another node's key
    s_expect (1, "verify-proof", path, "--key-file", s_parent_pub, NULL);
    //  A trusted root that differs
    char root [65];
    memcpy (root, s_root_hex, sizeof root);
    s_flip (root, 5);
    s_expect (1, "verify-proof", path, "--key", s_vkey, "--root", root,
                      NULL);
}

static void
test_without_checkpoint_only_root_authenticates (void)
{
    char path [300], root [65];
    json_t *copy = json_deep_copy (s_doc);
    json_object_set_new (copy, "checkpoint", json_string (""));
    s_write (copy, "bare.json", path);
    json_decref (copy);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    s_expect (0, "verify-proof", path, "--root", s_root_hex, NULL);
    memcpy (root, s_root_hex, sizeof root);
    s_flip (root, 63);
    s_expect (1, "verify-proof", path, "--root", root, NULL);
}

//  Runs licctl with the NULL-terminated arguments, its stdout into
//  s_dir/out.txt; returns its exit code and that output (malloc'd).
static int
s_run_output (char **output, ...)
{
    const char *argv [16];
    char out [300];
    int argc = 0;
    argv [argc++] = getenv ("LICCTL");
    va_list args;
    va_start (args, output);
    while ((argv [argc] = va_arg (args, const char *)) != NULL)
        assert (++argc < 16);
    va_end (args);
    snprintf (out, sizeof out, "%s/out.txt", s_dir);
    pid_t pid = fork ();
    assert (pid >= 0);
    if (pid == 0) {
        int fd = open (out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open ("/dev/null", O_WRONLY);
        dup2 (fd, 1);
        dup2 (null, 2);
        execv (argv [0], (char **) argv);
        _exit (127);
    }
    int status;
    assert (waitpid (pid, &status, 0) == pid && WIFEXITED (status));
    FILE *fp = fopen (out, "r");
    assert (fp);
    *output = calloc (1, 65536);
    assert (*output);
    size_t n = fread (*output, 1, 65535, fp);
    (*output) [n] = 0;
    fclose (fp);
    if (getenv ("TEST_VERBOSE"))
        fprintf (stderr, "licctl %s: exit %d\n%s", argv [1],
                 WEXITSTATUS (status), *output);
    return WEXITSTATUS (status);
}

static void
test_city_proof_with_province_receipt_is_not_the_provinces_log (void)
{
    char path [300], *out;
    snprintf (path, sizeof path, "%s/receipt.json", s_dir);
    //  The province's line on the city's checkpoint verifies, but the
    //  checkpoint is the city's log, not the province's
    assert (s_run_output (&out, "verify-proof", path, "--key-file",
                          s_parent_pub, NULL) == 1);
    assert (strstr (out, "FAILED  checkpoint origin: the checkpoint is of "
                    "the log " S_ORIGIN ", but the key given"));
    assert (strstr (out, "a node's key vouches for its own log only"));
    assert (strstr (out, "NOT VERIFIED"));
    free (out);
    s_expect (1, "verify-proof", path, "--key", s_parent_vkey, NULL);
    s_expect (1, "--json", "verify-proof", path, "--key-file", s_parent_pub,
              NULL);
}

static void
test_receipt_counts_only_with_witness_key (void)
{
    char path [300], *out;
    snprintf (path, sizeof path, "%s/receipt.json", s_dir);
    //  The city's key: verified, the province's line ignored and said so
    assert (s_run_output (&out, "verify-proof", path, "--key-file",
                          s_node_pub, NULL) == 0);
    assert (strstr (out, "IGNORED signature line by " S_PARENT "+"));
    assert (strstr (out, "verified: "));
    assert (strstr (out, "log " S_ORIGIN ", signed by its key\n"));
    assert (!strstr (out, "witness " S_PARENT));
    free (out);
    //  The city's key and the province as witness: both lines checked,
    //  and the verdict says the receipt is there
    assert (s_run_output (&out, "verify-proof", path, "--key-file",
                          s_node_pub, "--witness-key", s_parent_pub,
                          NULL) == 0);
    assert (strstr (out, "OK      witness: " S_PARENT "+"));
    assert (strstr (out, "receipt by witness " S_PARENT));
    assert (!strstr (out, "IGNORED"));
    free (out);
    s_expect (0, "verify-proof", path, "--key", s_vkey, "--witness-key",
              s_parent_vkey, NULL);
    //  --json names the log and the witness, and lists ignored lines
    assert (s_run_output (&out, "--json", "verify-proof", path, "--key-file",
                          s_node_pub, "--witness-key", s_parent_pub,
                          NULL) == 0);
    json_t *v = json_loads (out, 0, NULL);
    assert (v && json_is_true (json_object_get (v, "verified")));
    assert (strcmp (json_string_value (json_object_get (v, "log")),
                    S_ORIGIN) == 0);
    assert (strcmp (json_string_value (json_object_get (v, "witness")),
                    S_PARENT) == 0);
    assert (json_array_size (json_object_get (v, "ignored")) == 0);
    json_decref (v);
    free (out);
    assert (s_run_output (&out, "--json", "verify-proof", path, "--key-file",
                          s_node_pub, NULL) == 0);
    v = json_loads (out, 0, NULL);
    assert (v && json_is_null (json_object_get (v, "witness")));
    assert (json_array_size (json_object_get (v, "ignored")) == 1);
    assert (strncmp (json_string_value (json_array_get (json_object_get (v,
                     "ignored"), 0)), S_PARENT "+", strlen (S_PARENT) + 1)
            == 0);
    json_decref (v);
    free (out);
    //  The witness named by its cosigner key (licctl vkey --cosigner)
    assert (s_run_output (&out, "verify-proof", path, "--key", s_vkey,
                          "--witness-key", s_parent_cosig, NULL) == 0);
    assert (strstr (out, "OK      witness: " S_PARENT "+"));
    assert (strstr (out, "(cosignature/v1, its receipt"));
    free (out);
    //  A receipt of the old form (a plain signature by the parent's key,
    //  which could not be told from the parent's own checkpoint
    //  signature) is no cosignature: refused as the witness's, saying so
    char plain [300];
    snprintf (plain, sizeof plain, "%s/plain-receipt.json", s_dir);
    assert (s_run_output (&out, "verify-proof", plain, "--key-file",
                          s_node_pub, "--witness-key", s_parent_pub,
                          NULL) == 1);
    assert (strstr (out, "FAILED  witness: " S_PARENT "'s line is a plain "
                    "signature"));
    free (out);
    //  A witness named whose receipt is not on the note
    char bare [300];
    s_write (s_doc, "proof.json", bare);
    assert (s_run_output (&out, "verify-proof", bare, "--key-file",
                          s_node_pub, "--witness-key", s_parent_pub,
                          NULL) == 1);
    assert (strstr (out, "FAILED  witness: no cosignature by " S_PARENT));
    free (out);
    //  The receipt line tampered with (past its key id): refused with the
    //  witness, and without it the city's own line still verifies
    json_t *doc = json_load_file (path, 0, NULL);
    assert (doc);
    const char *note = json_string_value (json_object_get (doc, "checkpoint"));
    const char *line = strstr (note, S_DASH S_PARENT " ");
    assert (line);
    long at = (long) (line - note) + (long) strlen (S_DASH S_PARENT " ") + 30;
    char tampered [300];
    s_write_flipped (doc, "checkpoint", at, "tampered-receipt.json", tampered);
    json_decref (doc);
    assert (s_run_output (&out, "verify-proof", tampered, "--key-file",
                          s_node_pub, "--witness-key", s_parent_pub,
                          NULL) == 1);
    assert (strstr (out, "FAILED  witness: the cosignature by " S_PARENT));
    free (out);
    s_expect (0, "verify-proof", tampered, "--key-file", s_node_pub, NULL);
    //  The log's own key as its witness, or a witness without the log's
    //  key: usage errors
    s_expect (2, "verify-proof", path, "--key-file", s_node_pub,
              "--witness-key", s_node_pub, NULL);
    s_expect (2, "verify-proof", path, "--witness-key", s_parent_pub, NULL);
}

//  Writes text to s_dir/name; its path into path.
static void
s_write_text (const char *text, const char *name, char path [300])
{
    snprintf (path, 300, "%s/%s", s_dir, name);
    FILE *fp = fopen (path, "w");
    assert (fp && fputs (text, fp) >= 0 && fclose (fp) == 0);
}

static void
test_since_checks_the_old_tree_against_an_earlier_checkpoint (void)
{
    char path [300], since [300], *out;
    s_write (s_doc, "proof.json", path);
    //  Without --since the old root is printed, and said to be unchecked
    assert (s_run_output (&out, "verify-proof", path, "--key-file",
                          s_node_pub, NULL) == 0);
    assert (strstr (out, "--since CHECKPOINT compares it"));
    free (out);
    //  The checkpoint seen earlier, as a note and as an older proof
    //  document: consistent
    s_write_text (s_old_note, "old.checkpoint", since);
    assert (s_run_output (&out, "verify-proof", path, "--key-file",
                          s_node_pub, "--since", since, NULL) == 0);
    assert (strstr (out, "OK      since: the proof starts at the checkpoint "
                    "you saw earlier"));
    free (out);
    json_t *old = json_deep_copy (s_doc);
    json_object_set_new (old, "checkpoint", json_string (s_old_note));
    s_write (old, "old-proof.json", since);
    json_decref (old);
    s_expect (0, "verify-proof", path, "--key", s_vkey, "--since", since,
              NULL);
    //  The same key signed another root at that size: refused
    s_write_text (s_forked_note, "forked.checkpoint", since);
    assert (s_run_output (&out, "verify-proof", path, "--key-file",
                          s_node_pub, "--since", since, NULL) == 1);
    assert (strstr (out, "FAILED  since: " S_ORIGIN " signed two different "
                    "trees of size 200"));
    free (out);
    //  A checkpoint at another size than the proof's old tree: refused,
    //  saying which proof to ask for
    json_t *doc = json_load_file (path, 0, NULL);
    s_write_text (json_string_value (json_object_get (doc, "checkpoint")),
                  "current.checkpoint", since);
    json_decref (doc);
    assert (s_run_output (&out, "verify-proof", path, "--key-file",
                          s_node_pub, "--since", since, NULL) == 1);
    assert (strstr (out, "prove --old-size 300"));
    free (out);
    //  A checkpoint of the same origin signed by another key
    uint8_t root [32] = { 1 };
    keyfile_t other;
    char *note = NULL;
    assert (keyfile_generate (&other, "330100", "330100") == ERR_OK);
    assert (checkpoint_sign (S_ORIGIN, S_OLD_SIZE, root, S_ORIGIN,
                             other.sign_sk, other.sign_pk, &note) == ERR_OK);
    keyfile_wipe (&other);
    s_write_text (note, "stranger.checkpoint", since);
    free (note);
    s_expect (1, "verify-proof", path, "--key-file", s_node_pub, "--since",
              since, NULL);
    //  A document without a consistency proof cannot pass --since
    json_t *copy = json_deep_copy (s_doc);
    json_object_set_new (copy, "old_size", json_integer (0));
    json_object_set_new (copy, "old_root", json_null ());
    json_object_set_new (copy, "consistency", json_array ());
    s_write (copy, "no-consistency.json", path);
    json_decref (copy);
    s_write_text (s_old_note, "old.checkpoint", since);
    s_expect (0, "verify-proof", path, "--key-file", s_node_pub, NULL);
    s_expect (1, "verify-proof", path, "--key-file", s_node_pub, "--since",
              since, NULL);
    //  An unreadable --since file is a usage error
    s_expect (2, "verify-proof", path, "--key-file", s_node_pub, "--since",
              "/nonexistent/old.checkpoint", NULL);
}

static void
test_malformed_documents_fail (void)
{
    char path [300];
    json_t *copy = json_deep_copy (s_doc);
    json_object_set_new (copy, "extra", json_true ());
    s_write (copy, "extra.json", path);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    json_object_del (copy, "extra");
    json_object_set_new (copy, "root", json_string ("00"));
    s_write (copy, "short.json", path);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    json_object_set_new (copy, "root", json_string (s_root_hex));
    json_object_set_new (copy, "leaf", json_null ());
    json_object_set_new (copy, "old_size", json_integer (0));
    s_write (copy, "empty.json", path);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
    json_decref (copy);
    FILE *fp = fopen (path, "w");
    assert (fp);
    fputs ("{\"origin\": \"licrepo/330100\", \"size\": 3", fp);
    fclose (fp);
    s_expect (1, "verify-proof", path, "--key", s_vkey, NULL);
}

static void
test_missing_file_or_key_is_a_usage_error (void)
{
    char path [300];
    s_write (s_doc, "proof.json", path);
    s_expect (2, "verify-proof", path, NULL);
    s_expect (2, "verify-proof", "/nonexistent/proof.json", "--key",
                      s_vkey, NULL);
    s_expect (2, "verify-proof", path, "--key", "licrepo/330100+0+A",
                      NULL);
    s_expect (2, "verify-proof", path, "--key", s_vkey, "--key-file",
                      s_node_pub, NULL);
}

static void
test_document_without_proofs_has_null_members (void)
{
    uint8_t root [32] = { 7 };
    Lic__ProofResult p = LIC__PROOF_RESULT__INIT;
    p.size = 5;
    p.root = (ProtobufCBinaryData) { 32, root };
    json_t *doc = licjson_proof_to_json (&p, S_ORIGIN);
    assert (doc);
    assert (strcmp (json_string_value (json_object_get (doc, "checkpoint")),
                    "") == 0);
    assert (json_is_null (json_object_get (doc, "leaf")));
    assert (json_is_null (json_object_get (doc, "leaf_index")));
    assert (json_is_null (json_object_get (doc, "old_root")));
    assert (json_integer_value (json_object_get (doc, "old_size")) == 0);
    assert (json_array_size (json_object_get (doc, "inclusion")) == 0);
    assert (strncmp (json_string_value (json_object_get (doc, "root")),
                     "0700", 4) == 0);
    json_decref (doc);
}

static void
test_vkey_prints_the_verifier_key (void)
{
    char out [300], text [CHECKPOINT_VKEY_MAX + 2] = "";
    snprintf (out, sizeof out, "%s/vkey.txt", s_dir);
    pid_t pid = fork ();
    assert (pid >= 0);
    if (pid == 0) {
        int fd = open (out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2 (fd, 1);
        execl (getenv ("LICCTL"), "licctl", "vkey", "--key-file", s_node_pub,
               (char *) NULL);
        _exit (127);
    }
    int status;
    assert (waitpid (pid, &status, 0) == pid && WIFEXITED (status)
            && WEXITSTATUS (status) == 0);
    FILE *fp = fopen (out, "r");
    assert (fp && fgets (text, sizeof text, fp));
    fclose (fp);
    text [strcspn (text, "\n")] = 0;
    assert (strcmp (text, s_vkey) == 0);
    //  --cosigner: the same key as the cosigner of receipts
    char *out_text = NULL;
    assert (s_run_output (&out_text, "vkey", "--key-file", s_parent_pub,
                          "--cosigner", NULL) == 0);
    out_text [strcspn (out_text, "\n")] = 0;
    assert (strcmp (out_text, s_parent_cosig) == 0);
    free (out_text);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    if (!getenv ("LICCTL")) {
        fprintf (stderr, "test_licctl_proof: LICCTL must name licctl\n");
        return 77;                      //  meson: skipped
    }
    s_setup ();
    test_untouched_proof_verifies_with_key_file_and_vkey ();
    test_one_changed_digit_anywhere_fails ();
    test_another_key_fails ();
    test_without_checkpoint_only_root_authenticates ();
    test_city_proof_with_province_receipt_is_not_the_provinces_log ();
    test_receipt_counts_only_with_witness_key ();
    test_since_checks_the_old_tree_against_an_earlier_checkpoint ();
    test_malformed_documents_fail ();
    test_missing_file_or_key_is_a_usage_error ();
    test_vkey_prints_the_verifier_key ();
    test_document_without_proofs_has_null_members ();
    json_decref (s_doc);
    free (s_old_note);
    free (s_forked_note);
    assert (nftw (s_dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS) == 0);
    printf ("licctl_proof: all passed\n");
    return 0;
}
