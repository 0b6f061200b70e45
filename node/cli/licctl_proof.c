/*  licctl_proof.c -- licctl prove: asks a node (admin key) for RFC 9162
    inclusion and consistency proofs over its own log and writes them,
    with the signed checkpoint they are against, as a self-contained JSON
    document (format in licjson.h) that licctl verify-proof
    (licctl_verify.c) checks offline, anywhere, later.

    With --witnessed the proof is at the size of the parent's latest
    receipt, and the document's checkpoint is that receipt: the node's
    note with the parent's cosignature, which verify-proof --witness-key
    checks.

    Does not verify what it writes: a proof checked against the root the
    same node sent proves nothing; verify-proof with the node's key does.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "node/common/keyfile.h"
#include "node/client/licclient.h"
#include "node/cli/licctl.h"
#include "node/cli/licctl_proof.h"
#include "node/common/licjson.h"
#include "proto/seal.h"

#define S_KEY_PREFIX    "licrepo/"          //  a node's checkpoint origin

// ---------------------------------------------------------------------
//  prove

//  Writes the document to path ("-" or NULL: stdout).  Returns an exit code.
static int
s_write_doc (json_t *doc, const char *path)
{
    bool to_stdout = !path || strcmp (path, "-") == 0;
    FILE *fp = to_stdout? stdout: fopen (path, "w");
    if (!fp) {
        fprintf (stderr, "licctl: cannot create %s\n", path);
        return LICCTL_EXIT_USAGE;
    }
    int rc = json_dumpf (doc, fp, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    if (fputc ('\n', fp) == EOF || fflush (fp) != 0)
        rc = -1;
    if (!to_stdout && fclose (fp) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf (stderr, "licctl: cannot write %s\n",
                 to_stdout? "stdout": path);
        return LICCTL_EXIT_USAGE;
    }
    return LICCTL_EXIT_OK;
}

//  One line on stderr: what the document proves, against what.
static void
s_prove_summary (const Lic__ProofResult *p, const char *origin,
                 const char *path, bool witnessed)
{
    char hex [17];
    seal_hex (hex, p->root.data, p->root.len >= 8? 8: 0);
    fprintf (stderr, "licctl: %s tree %" PRIu64 " (root %s...)", origin,
             p->size, hex);
    if (p->leaf.len)
        fprintf (stderr, ": entry seq %" PRIu64 " included (%zu hashes)",
                 p->leaf_index + 1, p->n_inclusion);
    if (p->old_size)
        fprintf (stderr, "%s extends tree %" PRIu64 " (%zu hashes)",
                 p->leaf.len? ",": ":", p->old_size, p->n_consistency);
    fprintf (stderr, "; %s; written to %s\n", !*p->checkpoint?
             "NO checkpoint at this size, the root is unauthenticated":
             witnessed? "signed checkpoint with the parent's receipt "
             "(cosignature) included": "signed checkpoint included",
             path? path: "stdout");
}

//  --witnessed: the parent's latest receipt on the node's checkpoint
//  (malloc'd into *receipt) and its tree size.  Returns an exit code.
static int
s_latest_receipt (licclient_t *client, const licctl_opts_t *opts,
                  char **receipt, uint64_t *size)
{
    Lic__Reply *reply = NULL;
    checkpoint_t cp;
    *receipt = NULL;
    int rc = licclient_status (client, &reply, opts->timeout_ms);
    int exit_code = licctl_check_reply (rc, reply, LIC__REPLY__BODY_STATUS,
                                        opts->timeout_ms);
    if (exit_code != LICCTL_EXIT_OK) {
        codec_reply_free (&reply);
        return exit_code;
    }
    const char *note = reply->status->receipt;
    if (!note || !*note
    ||  checkpoint_parse (note, strlen (note), &cp) != ERR_OK) {
        fprintf (stderr, "licctl: --witnessed: the node holds no receipt from "
                 "a parent (top of the hierarchy, or none yet)\n");
        exit_code = LICCTL_EXIT_REFUSED;
    }
    else
    if (opts->size && opts->size != cp.size) {
        fprintf (stderr, "licctl: --witnessed: the parent's latest receipt is "
                 "for tree size %" PRIu64 ", not --size %" PRIu64 "\n",
                 cp.size, opts->size);
        exit_code = LICCTL_EXIT_REFUSED;
    }
    else {
        *receipt = strdup (note);
        *size = cp.size;
        if (!*receipt)
            exit_code = licctl_print_json (NULL);
    }
    codec_reply_free (&reply);
    return exit_code;
}

int
licctl_cmd_prove (const licctl_opts_t *opts)
{
    licclient_t *client = NULL;
    Lic__Reply *reply = NULL;
    keyfile_t key;
    char code [64], origin [CHECKPOINT_NAME_MAX + 1], *receipt = NULL;
    uint64_t size = opts->size;
    if ((!opts->seq && !opts->old_size) || opts->n_args) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    int exit_code = licctl_connect (opts, &client, &key, code);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    keyfile_wipe (&key);
    if (opts->witnessed)
        exit_code = s_latest_receipt (client, opts, &receipt, &size);
    if (exit_code != LICCTL_EXIT_OK) {
        licclient_destroy (&client);
        return exit_code;
    }
    int rc = licclient_prove (client, opts->seq, opts->old_size, size,
                              &reply, opts->timeout_ms);
    exit_code = licctl_check_reply (rc, reply, LIC__REPLY__BODY_PROOF,
                                    opts->timeout_ms);
    Lic__ProofResult witnessed = LIC__PROOF_RESULT__INIT;
    if (exit_code == LICCTL_EXIT_OK && receipt) {
        //  The receipt is the node's checkpoint of this tree, cosigned
        checkpoint_t cp;
        witnessed = *reply->proof;
        if (checkpoint_parse (receipt, strlen (receipt), &cp) != ERR_OK
        ||  cp.size != witnessed.size || witnessed.root.len != sizeof cp.root
        ||  memcmp (cp.root, witnessed.root.data, sizeof cp.root) != 0) {
            fprintf (stderr, "licctl: --witnessed: the receipt's tree is not "
                     "the node's tree of size %" PRIu64 "\n", witnessed.size);
            exit_code = LICCTL_EXIT_REFUSED;
        }
        witnessed.checkpoint = receipt;
    }
    if (exit_code == LICCTL_EXIT_OK) {
        const Lic__ProofResult *p = receipt? &witnessed: reply->proof;
        checkpoint_t cp;
        //  The log's origin is the checkpoint's; else the node file's
        if (*p->checkpoint && checkpoint_parse (p->checkpoint,
                              strlen (p->checkpoint), &cp) == ERR_OK)
            snprintf (origin, sizeof origin, "%s", cp.origin);
        else
            snprintf (origin, sizeof origin, S_KEY_PREFIX "%s", code);
        json_t *doc = licjson_proof_to_json (p, origin);
        exit_code = doc? s_write_doc (doc, opts->out): licctl_print_json (NULL);
        json_decref (doc);
        if (exit_code == LICCTL_EXIT_OK)
            s_prove_summary (p, origin, opts->out, receipt != NULL);
    }
    codec_reply_free (&reply);
    licclient_destroy (&client);
    free (receipt);
    return exit_code;
}
