/*  test_interop_go -- licrepo's checkpoints, receipts and proofs checked
    by an independent verifier: tests/interop/tlogverify.go, built here on
    Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's
    golang-golang-x-mod-dev, offline: GO111MODULE=off,
    GOPATH=/usr/share/gocode).

    A real hierarchy (county -> city -> province) holds published
    licenses; licctl prove makes inclusion and consistency proofs at the
    county and at the city, licctl vkey gives their verifier keys, and
    licctl prove --witnessed carries the parent's receipt (checked against
    the one in the node's status).  Go must:
    - open each node's checkpoint with note.Open under the node's key and
      find the origin to be that key's log;
    - check the inclusion proof with tlog.CheckRecord and the consistency
      proof with tlog.CheckTree;
    - check the parent's receipt on the checkpoint as a witness's
      c2sp.org/tlog-cosignature (cosignature/v1; x/mod 0.7.0 has no
      cosignature support, so the Go program checks it with
      crypto/ed25519 from the spec), with the key licctl vkey --cosigner
      prints, and find no plain signature line by the parent's key;
    - refuse a tampered checkpoint (signature, root line, cosignature),
      a tampered proof (leaf, inclusion hash, consistency hash, old root),
      and a child's checkpoint offered as the parent's log (with the
      parent's cosignature on it, or signed by the parent's key under the
      child's origin).
    licctl verify-proof must agree on each.

    Skipped (exit 77, with a line saying why) where `go` or the x/mod
    sources are absent; deploy/install-deps.sh installs both.
*/
#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define S_XMOD      "/usr/share/gocode/src/golang.org/x/mod/sumdb/note"
#define S_DASH      "\xe2\x80\x94 "

static support_hier_t s_h;
static char s_dir [512];
static char s_go_cache [600];
static char s_tool [600];           //  the built tlogverify

//  Runs argv (NULL-terminated) with its stdout into *output (malloc'd,
//  if output is not NULL) and stderr shown; returns its exit code.  env
//  entries "NAME=value" are set in the child first.
static int
s_run (char **output, const char *const *env, const char *const *argv)
{
    char out [700];
    snprintf (out, sizeof out, "%s/stdout.txt", s_dir);
    pid_t pid = fork ();
    assert (pid >= 0);
    if (pid == 0) {
        for (size_t i = 0; env && env [i]; i++)
            putenv ((char *) env [i]);
        int fd = open (out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2 (fd, 1);
        execv (argv [0], (char **) argv);
        _exit (127);
    }
    int status;
    assert (waitpid (pid, &status, 0) == pid);
    int code = WIFEXITED (status)? WEXITSTATUS (status): 128;
    FILE *fp = fopen (out, "r");
    assert (fp);
    char *text = calloc (1, 65536);
    assert (text);
    size_t n = fread (text, 1, 65535, fp);
    text [n] = 0;
    fclose (fp);
    if (getenv ("TEST_VERBOSE") || (code != 0 && code != 1))
        fprintf (stderr, "%s %s: exit %d\n%s", argv [0], argv [1], code, text);
    if (output)
        *output = text;
    else
        free (text);
    return code;
}

//  licctl with the NULL-terminated arguments; its exit code and stdout.
static int
s_licctl (char **output, ...)
{
    const char *argv [20];
    int argc = 0;
    argv [argc++] = getenv ("LICCTL");
    va_list args;
    va_start (args, output);
    while ((argv [argc] = va_arg (args, const char *)) != NULL)
        assert (++argc < 20);
    va_end (args);
    return s_run (output, NULL, argv);
}

//  tlogverify with the NULL-terminated arguments; its exit code.  Its
//  verdict line goes to stdout of this test.
static int
s_go (const char *expect_prefix, ...)
{
    const char *argv [12];
    int argc = 0;
    char *out = NULL;
    argv [argc++] = s_tool;
    va_list args;
    va_start (args, expect_prefix);
    while ((argv [argc] = va_arg (args, const char *)) != NULL)
        assert (++argc < 12);
    va_end (args);
    int code = s_run (&out, NULL, argv);
    printf ("  go: %s", out);
    if (expect_prefix && strncmp (out, expect_prefix, strlen (expect_prefix)))
        fprintf (stderr, "tlogverify %s: expected \"%s...\", got: %s",
                 argv [argc - 1], expect_prefix, out);
    if (expect_prefix)
        assert (strncmp (out, expect_prefix, strlen (expect_prefix)) == 0);
    free (out);
    return code;
}

static void
s_build_go (void)
{
    char gopath_env [64] = "GOPATH=/usr/share/gocode";
    char cache_env [700], home_env [600];
    snprintf (s_go_cache, sizeof s_go_cache, "%s/gocache", s_dir);
    snprintf (cache_env, sizeof cache_env, "GOCACHE=%s", s_go_cache);
    snprintf (home_env, sizeof home_env, "HOME=%s", s_dir);
    snprintf (s_tool, sizeof s_tool, "%s/tlogverify", s_dir);
    const char *env [] = { "GO111MODULE=off", gopath_env, cache_env, home_env,
                           "GOFLAGS=", "GOPROXY=off", "CGO_ENABLED=0", NULL };
    const char *argv [] = { getenv ("GO"), "build", "-o", s_tool,
                            getenv ("TLOGVERIFY_SRC"), NULL };
    assert (s_run (NULL, env, argv) == 0);
}

//  The node's verifier key, as licctl vkey prints it, into out; with
//  cosigner, the key of its receipts (vkey --cosigner).
static void
s_vkey (const support_node_t *n, bool cosigner, char out [CHECKPOINT_VKEY_MAX])
{
    char pub [600], *text = NULL;
    snprintf (pub, sizeof pub, "%s/node.pub", n->dir);
    assert (s_licctl (&text, "vkey", "--key-file", pub, cosigner?
                      "--cosigner": NULL, NULL) == 0);
    text [strcspn (text, "\n")] = 0;
    assert (strlen (text) < CHECKPOINT_VKEY_MAX);
    strcpy (out, text);
    free (text);
}

//  Waits until n's latest checkpoint and its parent's receipt are both
//  at its head; returns the receipt (malloc'd).
static char *
s_wait_receipt (const support_node_t *n)
{
    for (int tries = 0; tries < 300; tries++) {
        Lic__Reply *reply = NULL;
        checkpoint_t cp, rc;
        char *receipt = NULL;
        assert (support_status (n, &reply) == ERR_OK);
        const Lic__NodeStatus *st = reply->status;
        if (st->checkpoint && st->receipt && *st->receipt
        &&  checkpoint_parse (st->checkpoint, strlen (st->checkpoint), &cp) == ERR_OK
        &&  checkpoint_parse (st->receipt, strlen (st->receipt), &rc) == ERR_OK
        &&  cp.size == st->head_seq && rc.size == cp.size)
            receipt = strdup (st->receipt);
        codec_reply_free (&reply);
        if (receipt)
            return receipt;
        usleep (100 * 1000);
    }
    assert (!"no receipt at the head within 30 s");
    return NULL;
}

//  Waits until n's latest checkpoint is at its head and writes it to
//  DIR/early-<division>.checkpoint (its path into path); returns its size.
static uint64_t
s_save_checkpoint (const support_node_t *n, char path [700])
{
    for (int tries = 0; tries < 300; tries++) {
        Lic__Reply *reply = NULL;
        checkpoint_t cp;
        uint64_t size = 0;
        assert (support_status (n, &reply) == ERR_OK);
        const Lic__NodeStatus *st = reply->status;
        if (st->checkpoint && *st->checkpoint
        &&  checkpoint_parse (st->checkpoint, strlen (st->checkpoint), &cp)
            == ERR_OK && cp.size == st->head_seq) {
            snprintf (path, 700, "%s/early-%s.checkpoint", s_dir, n->division);
            FILE *fp = fopen (path, "w");
            assert (fp && fputs (st->checkpoint, fp) >= 0 && fclose (fp) == 0);
            size = cp.size;
            //  The same as an operator keeps it: licctl status --json
            char *json = NULL, status_path [700];
            assert (s_licctl (&json, "-d", n->dir, "status", "--json", NULL)
                    == 0);
            snprintf (status_path, sizeof status_path, "%s/early-%s.json",
                      s_dir, n->division);
            fp = fopen (status_path, "w");
            assert (fp && fputs (json, fp) >= 0 && fclose (fp) == 0);
            free (json);
        }
        codec_reply_free (&reply);
        if (size)
            return size;
        usleep (100 * 1000);
    }
    assert (!"no checkpoint at the head within 30 s");
    return 0;
}

static void
s_publish (int county, uint32_t dept, uint32_t serial0, int licenses)
{
    support_dept_t d;
    licclient_t *admin = NULL, *c = NULL;
    assert (support_dept_make (&d, dept, s_dir) == ERR_OK);
    assert (support_admin (&admin, &s_h.node [county]) == ERR_OK);
    assert (support_register (admin, &d) == ERR_OK);
    licclient_destroy (&admin);
    assert (support_client (&c, &s_h.node [county], &d) == ERR_OK);
    assert (support_publish (c, &d, serial0, licenses, 1) == licenses * 2);
    licclient_destroy (&c);
}

//  Writes doc to DIR/name; its path into path.
static void
s_write (json_t *doc, const char *name, char path [700])
{
    snprintf (path, 700, "%s/%s", s_dir, name);
    assert (json_dump_file (doc, path, JSON_INDENT (2)) == 0);
}

//  Changes the character at text [at] (hex digit or base64) in place.
static void
s_flip (char *text, size_t at)
{
    text [at] = text [at] == '0'? '1': '0';
}

//  A copy of doc with string member key (or, if index >= 0, element
//  index of array member key) changed at at, written to name.
static void
s_tampered (json_t *doc, const char *key, int index, size_t at,
            const char *name, char path [700])
{
    json_t *copy = json_deep_copy (doc);
    json_t *holder = json_object_get (copy, key);
    json_t *v = index >= 0? json_array_get (holder, (size_t) index): holder;
    assert (json_is_string (v));
    char *text = strdup (json_string_value (v));
    assert (at < strlen (text));
    s_flip (text, at);
    if (index >= 0)
        json_array_set_new (holder, (size_t) index, json_string (text));
    else
        json_object_set_new (copy, key, json_string (text));
    free (text);
    s_write (copy, name, path);
    json_decref (copy);
}

//  Offset in note of the signature bytes (past the key id) of the line
//  by name.
static size_t
s_sig_at (const char *note, const char *name)
{
    char prefix [300];
    snprintf (prefix, sizeof prefix, "\n" S_DASH "%s ", name);
    const char *line = strstr (note, prefix);
    assert (line);
    return (size_t) (line - note) + strlen (prefix) + 20;
}

//  Proofs of node n (its parent p) checked by Go and by licctl, genuine
//  and tampered.  With since (a checkpoint file of size old_size the node
//  signed earlier), verify-proof --since checks the consistency proof
//  against it.
static void
s_check_node (int n, int p, uint64_t seq, uint64_t old_size,
              const char *since)
{
    const support_node_t *node = &s_h.node [n];
    char vkey [CHECKPOINT_VKEY_MAX], parent_vkey [CHECKPOINT_VKEY_MAX];
    char parent_cosig [CHECKPOINT_VKEY_MAX];
    char name [CHECKPOINT_NAME_MAX + 1], parent_name [CHECKPOINT_NAME_MAX + 1];
    char path [700], tampered [700], seq_text [24], old_text [24];
    char pub [600], parent_pub [600];
    uint8_t pk [32];
    printf ("node %s (witness %s)\n", node->division, s_h.node [p].division);
    s_vkey (node, false, vkey);
    s_vkey (&s_h.node [p], false, parent_vkey);
    s_vkey (&s_h.node [p], true, parent_cosig);
    assert (checkpoint_vkey_parse (vkey, name, pk) == ERR_OK);
    assert (checkpoint_vkey_parse (parent_vkey, parent_name, pk) == ERR_OK);
    snprintf (pub, sizeof pub, "%s/node.pub", node->dir);
    snprintf (parent_pub, sizeof parent_pub, "%s/node.pub", s_h.node [p].dir);
    char *receipt = s_wait_receipt (node);

    //  A proof by the node, as anyone would ask for one
    snprintf (path, sizeof path, "%s/proof-%s.json", s_dir, node->division);
    snprintf (seq_text, sizeof seq_text, "%" PRIu64, seq);
    snprintf (old_text, sizeof old_text, "%" PRIu64, old_size);
    assert (s_licctl (NULL, "-d", node->dir, "prove", "--seq", seq_text,
                      "--old-size", old_text, "--out", path, NULL) == 0);
    json_t *doc = json_load_file (path, 0, NULL);
    assert (doc);
    const char *note = json_string_value (json_object_get (doc, "checkpoint"));
    assert (note && *note);

    //  Genuine: Go and licctl agree
    assert (s_go ("ok: ", "-key", vkey, path, NULL) == 0);
    //  Go's own verifier key from the node's raw public key (note's
    //  key hash: SHA-256 (name, 0x0A, 0x01, key)[:4]) opens it too: the
    //  key id in our signature line is the one Go computes
    Lic__Reply *st = NULL;
    char pub_hex [65];
    assert (support_status (node, &st) == ERR_OK);
    assert (st->status->sign_key.len == 32);
    seal_hex (pub_hex, st->status->sign_key.data, 32);
    codec_reply_free (&st);
    assert (s_go ("ok: ", "-name", name, "-pub", pub_hex, path, NULL) == 0);
    assert (s_licctl (NULL, "verify-proof", path, "--key", vkey, NULL) == 0);
    if (since) {
        //  The tree extends the checkpoint seen earlier
        char *out = NULL;
        assert (s_go ("ok: ", "-key", vkey, "-note", since, NULL) == 0);
        assert (s_licctl (&out, "verify-proof", path, "--key-file", pub,
                          "--since", since, NULL) == 0);
        assert (strstr (out, "OK      since: the proof starts at the "
                        "checkpoint you saw earlier"));
        free (out);
        char status_json [700];
        snprintf (status_json, sizeof status_json, "%.*s.json",
                  (int) (strlen (since) - strlen (".checkpoint")), since);
        assert (s_licctl (NULL, "verify-proof", path, "--key-file", pub,
                          "--since", status_json, NULL) == 0);
    }
    snprintf (tampered, sizeof tampered, "%s/checkpoint-%s", s_dir,
              node->division);
    FILE *fp = fopen (tampered, "w");
    assert (fp && fputs (note, fp) >= 0 && fclose (fp) == 0);
    assert (s_go ("ok: ", "-key", vkey, "-note", tampered, NULL) == 0);

    //  Tampered checkpoint: the signature, the root line
    s_tampered (doc, "checkpoint", -1, s_sig_at (note, name), "t-sig.json",
                tampered);
    assert (s_go ("FAIL: note.Open", "-key", vkey, tampered, NULL) == 1);
    assert (s_licctl (NULL, "verify-proof", tampered, "--key", vkey, NULL) == 1);
    size_t root_at = strchr (strchr (note, '\n') + 1, '\n') + 1 - note + 5;
    s_tampered (doc, "checkpoint", -1, root_at, "t-rootline.json", tampered);
    assert (s_go ("FAIL: note.Open", "-key", vkey, tampered, NULL) == 1);
    assert (s_licctl (NULL, "verify-proof", tampered, "--key", vkey, NULL) == 1);
    //  Tampered proof: leaf, a hash of each path, the old root
    s_tampered (doc, "leaf", -1, 30, "t-leaf.json", tampered);
    assert (s_go ("FAIL: tlog.CheckRecord", "-key", vkey, tampered, NULL) == 1);
    assert (s_licctl (NULL, "verify-proof", tampered, "--key", vkey, NULL) == 1);
    assert (json_array_size (json_object_get (doc, "inclusion")) > 1);
    s_tampered (doc, "inclusion", 1, 7, "t-inclusion.json", tampered);
    assert (s_go ("FAIL: tlog.CheckRecord", "-key", vkey, tampered, NULL) == 1);
    assert (s_licctl (NULL, "verify-proof", tampered, "--key", vkey, NULL) == 1);
    assert (json_array_size (json_object_get (doc, "consistency")) > 0);
    s_tampered (doc, "consistency", 0, 7, "t-consistency.json", tampered);
    assert (s_go ("FAIL: tlog.CheckTree", "-key", vkey, tampered, NULL) == 1);
    assert (s_licctl (NULL, "verify-proof", tampered, "--key", vkey, NULL) == 1);
    s_tampered (doc, "old_root", -1, 0, "t-oldroot.json", tampered);
    assert (s_go ("FAIL: tlog.CheckTree", "-key", vkey, tampered, NULL) == 1);
    assert (s_licctl (NULL, "verify-proof", tampered, "--key", vkey, NULL) == 1);

    //  The parent's receipt on the same checkpoint, as the witness: a
    //  proof at the receipt's tree, carrying it (licctl prove --witnessed)
    snprintf (path, sizeof path, "%s/receipt-%s.json", s_dir, node->division);
    assert (s_licctl (NULL, "-d", node->dir, "prove", "--seq", seq_text,
                      "--old-size", old_text, "--witnessed", "--out", path,
                      NULL) == 0);
    json_t *with = json_load_file (path, 0, NULL);
    assert (with);
    const char *witnessed = json_string_value (json_object_get (with,
                                                                "checkpoint"));
    checkpoint_t cp_note, cp_receipt;
    assert (checkpoint_parse (note, strlen (note), &cp_note) == ERR_OK);
    assert (checkpoint_parse (witnessed, strlen (witnessed), &cp_receipt)
            == ERR_OK);
    assert (strcmp (cp_note.body, cp_receipt.body) == 0);
    assert (cp_receipt.n_sigs == 2 && strcmp (witnessed, receipt) == 0);
    assert (s_go ("ok: ", "-key", vkey, "-witness", parent_cosig, path, NULL)
            == 0);
    assert (s_licctl (NULL, "verify-proof", path, "--key-file", pub,
                      "--witness-key", parent_pub, NULL) == 0);
    //  It is a cosignature: no plain Ed25519 line by the parent's key
    //  (which could be taken for the parent's own checkpoint signature)
    assert (s_go ("FAIL: no line by witness", "-key", vkey, "-witness",
                  parent_vkey, path, NULL) == 1);
    //  Without the witness named, its line is only ignored
    assert (s_go ("ok: ", "-key", vkey, path, NULL) == 0);
    //  The child's checkpoint is not the parent's log: the parent's
    //  cosignature is no signature by its log key
    assert (s_go ("FAIL: note.Open: note has no verifiable signatures",
                  "-key", parent_vkey, path, NULL) == 1);
    assert (s_licctl (NULL, "verify-proof", path, "--key-file", parent_pub,
                      NULL) == 1);
    //  The parent's own key signing the child's tree under the child's
    //  origin (what a parent could do with its key): still not the
    //  parent's log, for Go and for licctl
    keyfile_t pk_file;
    char key_path [600], *forged = NULL, *out = NULL;
    snprintf (key_path, sizeof key_path, "%s/node.key", s_h.node [p].dir);
    assert (keyfile_load (&pk_file, key_path) == ERR_OK && pk_file.has_secret);
    assert (checkpoint_sign (cp_note.origin, cp_note.size, cp_note.root,
                             parent_name, pk_file.sign_sk, pk_file.sign_pk,
                             &forged) == ERR_OK);
    keyfile_wipe (&pk_file);
    json_t *copy = json_deep_copy (doc);
    json_object_set_new (copy, "checkpoint", json_string (forged));
    s_write (copy, "t-origin.json", tampered);
    json_decref (copy);
    free (forged);
    assert (s_go ("FAIL: the checkpoint is of the log", "-key", parent_vkey,
                  tampered, NULL) == 1);
    assert (s_licctl (&out, "verify-proof", tampered, "--key-file",
                      parent_pub, NULL) == 1);
    assert (strstr (out, "FAILED  checkpoint origin: the checkpoint is of "
                    "the log"));
    free (out);
    //  The receipt line tampered with
    s_tampered (with, "checkpoint", -1, s_sig_at (witnessed, parent_name),
                "t-receipt.json", tampered);
    assert (s_go ("FAIL: cosignature by", "-key", vkey, "-witness",
                  parent_cosig, tampered, NULL) == 1);
    assert (s_licctl (NULL, "verify-proof", tampered, "--key-file", pub,
                      "--witness-key", parent_pub, NULL) == 1);
    json_decref (with);
    json_decref (doc);
    free (receipt);
}

int
main (void)
{
    const char *go = getenv ("GO");
    struct stat st;
    setvbuf (stdout, NULL, _IOLBF, 0);
    if (!go || !*go || access (go, X_OK) != 0) {
        printf ("SKIP: Go is not installed: apt-get install golang-go "
                "golang-golang-x-mod-dev (deploy/install-deps.sh does)\n");
        return 77;
    }
    if (stat (S_XMOD, &st) != 0) {
        printf ("SKIP: golang.org/x/mod is not in " S_XMOD ": apt-get "
                "install golang-golang-x-mod-dev\n");
        return 77;
    }
    assert (getenv ("LICCTL") && getenv ("TLOGVERIFY_SRC"));
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "interop") == ERR_OK);
    s_build_go ();
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    char early [700];
    s_publish (0, 300, 1, 12);
    uint64_t early_size = s_save_checkpoint (&s_h.node [0], early);
    s_publish (0, 301, 1, 6);
    s_publish (1, 302, 1, 8);
    assert (support_hier_wait_synced (&s_h, 120) == ERR_OK);
    //  county 330106, witness the city; city 330100, witness the province
    s_check_node (0, 2, 7, early_size, early);
    s_check_node (2, 3, 11, 9, NULL);
    //  The province has no parent: nothing witnesses its log
    assert (s_licctl (NULL, "-d", s_h.node [3].dir, "prove", "--seq", "1",
                      "--witnessed", NULL) == 1);
    support_hier_stop (&s_h, SIGTERM);
    support_rmtree (s_dir);
    printf ("interop_go: all passed\n");
    return 0;
}
