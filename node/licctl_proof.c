/*  licctl_proof.c -- licctl prove: asks a node (admin key) for RFC 9162
    inclusion and consistency proofs over its own log and writes them,
    with the signed checkpoint they are against, as a self-contained JSON
    document (format in licjson.h) that licctl verify-proof
    (licctl_verify.c) checks offline, anywhere, later.

    Does not verify what it writes: a proof checked against the root the
    same node sent proves nothing; verify-proof with the node's key does.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checkpoint.h"
#include "codec.h"
#include "keyfile.h"
#include "licclient.h"
#include "licctl.h"
#include "licctl_proof.h"
#include "licjson.h"
#include "seal.h"

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
                 const char *path)
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
    fprintf (stderr, "; %s; written to %s\n", *p->checkpoint?
             "signed checkpoint included": "NO checkpoint at this size, "
             "the root is unauthenticated", path? path: "stdout");
}

int
licctl_cmd_prove (const licctl_opts_t *opts)
{
    licclient_t *client = NULL;
    Lic__Reply *reply = NULL;
    keyfile_t key;
    char code [64], origin [CHECKPOINT_NAME_MAX + 1];
    if ((!opts->seq && !opts->old_size) || opts->n_args) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    int exit_code = licctl_connect (opts, &client, &key, code);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    keyfile_wipe (&key);
    int rc = licclient_prove (client, opts->seq, opts->old_size, opts->size,
                              &reply, opts->timeout_ms);
    exit_code = licctl_check_reply (rc, reply, LIC__REPLY__BODY_PROOF,
                                    opts->timeout_ms);
    if (exit_code == LICCTL_EXIT_OK) {
        const Lic__ProofResult *p = reply->proof;
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
            s_prove_summary (p, origin, opts->out);
    }
    codec_reply_free (&reply);
    licclient_destroy (&client);
    return exit_code;
}
