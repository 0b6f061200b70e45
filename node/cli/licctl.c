/*  licctl.c -- command-line tool for operators and departments, built on
    liblicclient (licclient.h) and licjson.h: main, the command line, and
    the connection and output helpers every command shares (licctl.h).

    Commands live in licctl_publish.c (keygen, register, publish,
    make-id), licctl_query.c (get, find, log, status, digest),
    licctl_proof.c (prove), licctl_verify.c (verify-proof, vkey) and
    licctl_catalogue.c (catalogue, blob, report).
    Exit codes: 0 done, 1 refused by the node / not found / a line rejected / a proof that
    does not verify, 2 usage, file or connection error.

    Does not retry: re-running a publish is safe because the node
    recognises events it already holds and answers "duplicate".
*/
#include <czmq.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "proto/codec.h"
#include "node/common/keyfile.h"
#include "node/client/licclient.h"
#include "node/cli/licctl.h"
#include "proto/lifecycle.h"
#include "node/cli/licctl_catalogue.h"
#include "node/cli/licctl_files.h"
#include "node/cli/licctl_proof.h"
#include "node/cli/licctl_publish.h"
#include "node/cli/licctl_node.h"
#include "node/cli/licctl_quarantine.h"
#include "node/cli/licctl_query.h"
#include "node/cli/licctl_share.h"
#include "node/cli/licctl_verify.h"
#include "node/common/licjson.h"
#include "proto/seal.h"

void
licctl_usage (FILE *out)
{
    fprintf (out,
"usage: licctl [connection] [--json] [--timeout MS] COMMAND [ARGS]\n"
"connection: -d DIR (DIR/node.pub and DIR/admin.key)\n"
"            -n NODE_PUB -k KEYFILE (-k also overrides DIR/admin.key)\n"
"commands:\n"
"  keygen --code CODE --name NAME --out PATH   writes PATH and PATH.pub\n"
"  register --dept DEPT.pub --types T1,T2 [--revoke-key HEX]...\n"
"  publish -k DEPT.key EVENT.json | --file FILE.jsonl (- for stdin) [--quiet]\n"
"                            --file: a result line per event, progress on\n"
"                            stderr (answered, rate, time left) and a summary;\n"
"                            --quiet: only rejected lines and the summary\n"
"  import -k DEPT.key FILE (- for stdin)   history in bulk: JSON lines (as\n"
"                            publish --file) or length-delimited signed\n"
"                            Envelopes; rejected events, progress, a summary;\n"
"                            --file-dir DIR: each event's file put first;\n"
"                            a rerun answers what is stored as duplicates\n"
"  get ID [--history] [--at TIME]   TIME: RFC 3339 (2026-11-27T10:00:00+08:00)\n"
"                            or unix seconds; --at: the license as it was then\n"
"  find --holder ID [--holder-type T] [--limit N] [--cursor C | --all]\n"
"  status [--tree]           head, checkpoint, uplink, children, counters, and\n"
"                            every node below (--tree: only that, as a tree)\n"
"  log [--from N] [--limit N] [--cursor N | --all]\n"
"  digest                    license digests, in total and per origin\n"
"  backup --to DIR [--keep N] online backup of the node (repository and identity)\n"
"  catalogue add FILE.json   add a license type, or its next version (admin)\n"
"  catalogue list | show CODE [DIVISION] | history CODE [DIVISION]\n"
"          [--cursor C | --all]\n"
"                            the catalogue; a type's latest or every version\n"
"                            (DIVISION: whose definitions; default this node's)\n"
"  blob put FILE             store a face template, sample or seal pattern\n"
"                            (admin, at most 192 KiB); prints its digest\n"
"  blob get DIGEST [--out FILE]  the blob's bytes, checked against DIGEST\n"
"  report lateness [--limit N] [--summary]   days with events released after\n"
"                            the day they were completed, per issuer (admin);\n"
"                            --summary: each issuer's share released on time,\n"
"                            per day and over every day\n"
"  file put FILE             put a license file (OFD or PDF, at most 16 MiB);\n"
"                            prints its SHA-256 (the event's file_digest)\n"
"  file get DIGEST --out FILE   the file's bytes, checked against DIGEST (admin)\n"
"  file status DIGEST        present, uploading (how far) or missing\n"
"  appbody add --code CODE --name NAME --key-file BODY.pub --types T1,T2\n"
"          --matters M1,M2 [--clearance personal,commercial,secret]  (admin)\n"
"  appbody list              application bodies registered at the node\n"
"  appbody revoke --code CODE   the body's key is no longer answered (admin)\n"
"  query get ID | find | status ID [--at TIME] | file ID --out FILE\n"
"          --holder ID --holder-type T\n"
"          --matter M --staff S --case C --purpose P   (-k BODY.key)\n"
"  copy ID --holder ID --holder-type T --matter M --staff S --case C\n"
"          --purpose P [--expires DAYS] --out FILE     archived copy\n"
"  quarantine list [ORIGIN[/SEQ]] [--limit N] | quarantine show ORIGIN/SEQ\n"
"                            entries held back here, with code and reason (admin)\n"
"  quarantine release|reject ORIGIN SEQ --reason TEXT\n"
"                            the operator's decision on a held entry, logged and\n"
"                            sent up (admin; a release overrides only the order\n"
"                            of a node's statements)\n"
"  node revoke DIVISION --key-file NODE.pub [--after SEQ]\n"
"                            a compromised key of a node below: what it\n"
"                            signed in that node's entries after origin\n"
"                            seq SEQ (default: the last held here) is void\n"
"                            here and above (admin)\n"
"  audit [--holder ID | --body CODE] [--matter M] [--refused] [--from N]\n"
"          [--limit N] [--cursor N | --all]  who queried what, and why (admin)\n"
"listings (find, log, catalogue list/history, audit, query find) come a page\n"
"at a time: a page that is not the last ends with \"more: use --cursor C\"\n"
"(--json: \"more\" and \"next_cursor\"); --all asks for every page\n"
"  prove --seq N [--old-size M] [--size S | --witnessed] [--out FILE]\n"
"                            proof document (JSON) of entry N and/or of\n"
"                            tree S extending tree M (S: last checkpoint;\n"
"                            --witnessed: the tree of the parent's latest\n"
"                            receipt, which the document then carries)\n"
"offline (no connection):\n"
"  verify-proof FILE (--key VKEY | --key-file NODE.pub) [--root HEX]\n"
"          [--witness-key PARENT.pub|VKEY] [--since CHECKPOINT]\n"
"                            checks a proof document against the log of\n"
"                            the key given (its origin); without a\n"
"                            checkpoint in it, --root must give the\n"
"                            trusted root; --witness-key also requires the\n"
"                            parent's receipt (a cosignature); --since: the\n"
"                            consistency proof must start at that earlier\n"
"                            checkpoint\n"
"  vkey --key-file NODE.pub [--cosigner]\n"
"                            the node's checkpoint verifier key; with\n"
"                            --cosigner, the key of its receipts\n"
"                            (cosignature/v1) on its children's checkpoints\n"
"  verify FILE --trust KEY [--trust KEY]... [--file LICENSE.ofd]\n"
"                            checks an archived copy; KEY: a node's signing\n"
"                            key (hex) or its node.pub file; --file: the\n"
"                            license's OFD/PDF kept with it must hash to the\n"
"                            file_digest its department signed\n"
"  make-id --type TYPE21 --issuer CREDIT18 --serial SERIAL [--version 001]\n"
"                            license id with its check character\n"
"exit: 0 ok, 1 refused, not found or not verified,\n"
"      2 usage, file or connection error\n");
}

// ---------------------------------------------------------------------
//  Options

static bool
s_number (const char *text, uint64_t max, uint64_t *out)
{
    char *end;
    if (!text || *text < '0' || *text > '9')
        return false;
    unsigned long long v = strtoull (text, &end, 10);
    if (*end || v > max)
        return false;
    *out = v;
    return true;
}

//  Long options that have no short form or mnemonic letter.
enum {
    S_OPT_SEQ = 256, S_OPT_OLD_SIZE, S_OPT_SIZE, S_OPT_KEY_FILE, S_OPT_ROOT,
    S_OPT_TYPE, S_OPT_ISSUER, S_OPT_SERIAL, S_OPT_VERSION, S_OPT_TO, S_OPT_KEEP,
    S_OPT_ENDPOINT, S_OPT_MATTER, S_OPT_STAFF, S_OPT_CASE, S_OPT_PURPOSE, S_OPT_AT,
    S_OPT_EXPIRES, S_OPT_TRUST, S_OPT_MATTERS, S_OPT_CLEARANCE, S_OPT_BODY, S_OPT_REFUSED,
    S_OPT_WITNESS_KEY, S_OPT_SINCE, S_OPT_COSIGNER, S_OPT_WITNESSED, S_OPT_TREE,
    S_OPT_CURSOR, S_OPT_ALL, S_OPT_QUIET, S_OPT_AFTER, S_OPT_SUMMARY, S_OPT_REASON,
    S_OPT_FILE_DIR
};

static const struct option s_longs [] = {
    { "dir", required_argument, NULL, 'd' },
    { "node", required_argument, NULL, 'n' },
    { "key", required_argument, NULL, 'k' },
    { "json", no_argument, NULL, 'J' },
    { "timeout", required_argument, NULL, 'T' },
    { "code", required_argument, NULL, 'C' },
    { "name", required_argument, NULL, 'N' },
    { "out", required_argument, NULL, 'O' },
    { "dept", required_argument, NULL, 'D' },
    { "types", required_argument, NULL, 'Y' },
    { "revoke-key", required_argument, NULL, 'R' },
    { "file", required_argument, NULL, 'F' },
    { "history", no_argument, NULL, 'H' },
    { "holder", required_argument, NULL, 'U' },
    { "holder-type", required_argument, NULL, 'P' },
    { "from", required_argument, NULL, 'S' },
    { "limit", required_argument, NULL, 'L' },
    { "seq", required_argument, NULL, S_OPT_SEQ },
    { "old-size", required_argument, NULL, S_OPT_OLD_SIZE },
    { "size", required_argument, NULL, S_OPT_SIZE },
    { "key-file", required_argument, NULL, S_OPT_KEY_FILE },
    { "root", required_argument, NULL, S_OPT_ROOT },
    { "type", required_argument, NULL, S_OPT_TYPE },
    { "issuer", required_argument, NULL, S_OPT_ISSUER },
    { "serial", required_argument, NULL, S_OPT_SERIAL },
    { "version", required_argument, NULL, S_OPT_VERSION },
    { "to", required_argument, NULL, S_OPT_TO },
    { "keep", required_argument, NULL, S_OPT_KEEP },
    { "endpoint", required_argument, NULL, S_OPT_ENDPOINT },
    { "matter", required_argument, NULL, S_OPT_MATTER },
    { "staff", required_argument, NULL, S_OPT_STAFF },
    { "case", required_argument, NULL, S_OPT_CASE },
    { "purpose", required_argument, NULL, S_OPT_PURPOSE },
    { "at", required_argument, NULL, S_OPT_AT },
    { "expires", required_argument, NULL, S_OPT_EXPIRES },
    { "trust", required_argument, NULL, S_OPT_TRUST },
    { "matters", required_argument, NULL, S_OPT_MATTERS },
    { "clearance", required_argument, NULL, S_OPT_CLEARANCE },
    { "body", required_argument, NULL, S_OPT_BODY },
    { "refused", no_argument, NULL, S_OPT_REFUSED },
    { "witness-key", required_argument, NULL, S_OPT_WITNESS_KEY },
    { "since", required_argument, NULL, S_OPT_SINCE },
    { "cosigner", no_argument, NULL, S_OPT_COSIGNER },
    { "witnessed", no_argument, NULL, S_OPT_WITNESSED },
    { "tree", no_argument, NULL, S_OPT_TREE },
    { "cursor", required_argument, NULL, S_OPT_CURSOR },
    { "all", no_argument, NULL, S_OPT_ALL },
    { "quiet", no_argument, NULL, S_OPT_QUIET },
    { "after", required_argument, NULL, S_OPT_AFTER },
    { "summary", no_argument, NULL, S_OPT_SUMMARY },
    { "reason", required_argument, NULL, S_OPT_REASON },
    { "file-dir", required_argument, NULL, S_OPT_FILE_DIR },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

//  Numeric option c: true if arg is a number in its range (counts and
//  sizes from 1, --from and --limit from 0), stored in opts.
static bool
s_numeric (int c, const char *arg, licctl_opts_t *opts)
{
    uint64_t v;
    switch (c) {
        case 'T':
            if (!s_number (arg, INT32_MAX, &v))
                return false;
            opts->timeout_ms = (int) v;
            return true;
        case 'L':
            if (!s_number (arg, UINT32_MAX, &v))
                return false;
            opts->limit = (uint32_t) v;
            return true;
        case 'S':
            return s_number (arg, UINT64_MAX, &opts->from);
        case S_OPT_SEQ:
            return s_number (arg, UINT64_MAX, &opts->seq) && opts->seq > 0;
        case S_OPT_KEEP:
            if (!s_number (arg, 1000, &v) || v == 0)
                return false;
            opts->keep = (uint32_t) v;
            return true;
        case S_OPT_AT:
            //  RFC 3339 with an offset, or unix seconds
            return licjson_parse_time (arg, &opts->at) && opts->at > 0;
        case S_OPT_EXPIRES:
            if (!s_number (arg, 366, &v) || v == 0)
                return false;
            opts->expires_days = (uint32_t) v;
            return true;
        case S_OPT_OLD_SIZE:
            return s_number (arg, UINT64_MAX, &opts->old_size)
                && opts->old_size > 0;
        case S_OPT_AFTER:
            return s_number (arg, UINT64_MAX, &opts->after) && opts->after > 0;
        default:
            return s_number (arg, UINT64_MAX, &opts->size) && opts->size > 0;
    }
}

//  Records option c.  Returns true, or false for a bad value or option.
static bool
s_option (int c, const char *arg, licctl_opts_t *opts)
{
    switch (c) {
        case 'd': opts->dir = arg; break;
        case 'n': opts->node_pub = arg; break;
        case 'k': opts->key = arg; break;
        case 'J': opts->json = true; break;
        case 'C': opts->code = arg; break;
        case 'N': opts->name = arg; break;
        case 'O': opts->out = arg; break;
        case 'D': opts->dept = arg; break;
        case 'Y': opts->types = arg; break;
        case 'F': opts->file = arg; break;
        case 'H': opts->history = true; break;
        case 'U': opts->holder = arg; break;
        case 'P': opts->holder_type = arg; break;
        case S_OPT_KEY_FILE: opts->key_file = arg; break;
        case S_OPT_ROOT: opts->root = arg; break;
        case S_OPT_TYPE: opts->type = arg; break;
        case S_OPT_ISSUER: opts->issuer = arg; break;
        case S_OPT_SERIAL: opts->serial = arg; break;
        case S_OPT_VERSION: opts->version = arg; break;
        case S_OPT_TO: opts->to = arg; break;
        case S_OPT_REASON: opts->reason = arg; break;
        case S_OPT_ENDPOINT: opts->endpoint = arg; break;
        case S_OPT_MATTER: opts->matter = arg; break;
        case S_OPT_STAFF: opts->staff = arg; break;
        case S_OPT_CASE: opts->case_no = arg; break;
        case S_OPT_PURPOSE: opts->purpose = arg; break;
        case S_OPT_MATTERS: opts->matters = arg; break;
        case S_OPT_CLEARANCE: opts->clearance = arg; break;
        case S_OPT_BODY: opts->body = arg; break;
        case S_OPT_REFUSED: opts->refused = true; break;
        case S_OPT_WITNESS_KEY: opts->witness_key = arg; break;
        case S_OPT_SINCE: opts->since = arg; break;
        case S_OPT_COSIGNER: opts->cosigner = true; break;
        case S_OPT_WITNESSED: opts->witnessed = true; break;
        case S_OPT_TREE: opts->tree = true; break;
        case S_OPT_CURSOR: opts->cursor = arg; break;
        case S_OPT_ALL: opts->all = true; break;
        case S_OPT_QUIET: opts->quiet = true; break;
        case S_OPT_SUMMARY: opts->summary = true; break;
        case S_OPT_FILE_DIR: opts->file_dir = arg; break;
        case S_OPT_TRUST:
            if (opts->n_trust == LICCTL_REVOKE_MAX)
                return false;
            opts->trust [opts->n_trust++] = arg;
            break;
        case 'T': case 'L': case 'S': case S_OPT_KEEP: case S_OPT_AT: case S_OPT_EXPIRES:
        case S_OPT_SEQ: case S_OPT_OLD_SIZE: case S_OPT_SIZE: case S_OPT_AFTER:
            return s_numeric (c, arg, opts);
        case 'R':
            if (opts->n_revoke == LICCTL_REVOKE_MAX)
                return false;
            opts->revoke [opts->n_revoke++] = arg;
            break;
        default:
            return false;
    }
    return true;
}

//  What option c takes, for a usage error that names it.
static const char *
s_expects (int c)
{
    switch (c) {
        case 'T': return "milliseconds, 0..2147483647";
        case 'L': return "a count, 0..4294967295 (0: the node's default)";
        case 'S': return "a log seq, 0..18446744073709551615";
        case S_OPT_SEQ: return "a log seq from 1";
        case S_OPT_OLD_SIZE: case S_OPT_SIZE: return "a tree size from 1";
        case S_OPT_KEEP: return "a number of backups, 1..1000";
        case S_OPT_AT: return "a time: RFC 3339 with an offset (2026-11-27T10:00:00+08:00) "
                              "or unix seconds (1795744800)";
        case S_OPT_EXPIRES: return "days, 1..366";
        case S_OPT_AFTER: return "an origin seq from 1 (without --after: the last the node holds)";
        case S_OPT_TRUST: case 'R': return "given at most 16 times";
        default: return "another value";
    }
}

//  Parses argv into opts.  Options may come before or after the command.
//  Returns 0, -1 after --help, or LICCTL_EXIT_USAGE.
static int
s_parse_options (int argc, char **argv, licctl_opts_t *opts)
{
    int c, index = -1;
    opts->timeout_ms = 10000;
    opts->from = 1;
    while ((c = getopt_long (argc, argv, "d:n:k:h", s_longs, &index)) != -1) {
        if (c == 'h') {
            licctl_usage (stdout);
            return -1;
        }
        if (!s_option (c, optarg, opts)) {
            //  getopt said why for an unknown option or a missing value;
            //  for a bad value, name the option and what it takes.
            if (c != '?' && c != ':') {
                char name [40];
                if (index >= 0 && s_longs [index].val == c)
                    snprintf (name, sizeof name, "--%s", s_longs [index].name);
                else
                    snprintf (name, sizeof name, "-%c", c);
                fprintf (stderr, "licctl: %s: bad value \"%s\": %s takes %s\n", name,
                         optarg? optarg: "", name, s_expects (c));
            }
            else
                licctl_usage (stderr);
            return LICCTL_EXIT_USAGE;
        }
        index = -1;
    }
    if (optind >= argc) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    opts->command = argv [optind];
    opts->args = argv + optind + 1;
    opts->n_args = argc - optind - 1;
    return 0;
}

// ---------------------------------------------------------------------
//  Connection and replies

int
licctl_load_key (keyfile_t *k, const char *path, bool need_secret)
{
    int rc = keyfile_load (k, path);
    if (rc == ERR_OK && need_secret && !k->has_secret)
        rc = ERR_MALFORMED;
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: %s: %s%s\n", path, err_str (rc),
                 rc == ERR_MALFORMED? need_secret?
                 " (not a key file with secrets)": " (not a key file)": "");
        keyfile_wipe (k);
        return LICCTL_EXIT_USAGE;
    }
    return LICCTL_EXIT_OK;
}

int
licctl_connect (const licctl_opts_t *opts, licclient_t **client,
                keyfile_t *key, char node_code [64])
{
    char node_path [4096], key_path [4096];
    keyfile_t node;
    if (!opts->node_pub && !opts->dir) {
        fprintf (stderr, "licctl: need -d DIR or -n NODE_PUB -k KEYFILE\n");
        return LICCTL_EXIT_USAGE;
    }
    snprintf (node_path, sizeof node_path, "%s%s", opts->node_pub?
              opts->node_pub: opts->dir, opts->node_pub? "": "/node.pub");
    if (!opts->key && !opts->dir) {
        fprintf (stderr, "licctl: need -k KEYFILE\n");
        return LICCTL_EXIT_USAGE;
    }
    snprintf (key_path, sizeof key_path, "%s%s", opts->key? opts->key:
              opts->dir, opts->key? "": "/admin.key");
    if (licctl_load_key (&node, node_path, false) != LICCTL_EXIT_OK)
        return LICCTL_EXIT_USAGE;
    if (!node.endpoint [0]) {
        fprintf (stderr, "licctl: %s: no endpoint\n", node_path);
        return LICCTL_EXIT_USAGE;
    }
    if (licctl_load_key (key, key_path, true) != LICCTL_EXIT_OK)
        return LICCTL_EXIT_USAGE;
    if (node_code)
        snprintf (node_code, 64, "%s", node.code);
    int rc = licclient_open (client, opts->endpoint? opts->endpoint: node.endpoint, node.curve_pk,
                             key->curve_pk, key->curve_sk);
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: cannot connect to %s: %s\n",
                 node.endpoint, err_str (rc));
        keyfile_wipe (key);
    }
    keyfile_wipe (&node);               //  -n may name a file with secrets
    return rc == ERR_OK? LICCTL_EXIT_OK: LICCTL_EXIT_USAGE;
}

int
licctl_transport_error (int rc, int timeout_ms)
{
    if (rc == ERR_BUSY)
        fprintf (stderr, "licctl: no reply from the node within %d ms "
                 "(node down, or wrong node key)\n", timeout_ms);
    else
    if (rc == ERR_FORBIDDEN)
        fprintf (stderr, "licctl: ERR_FORBIDDEN: the node refused our key "
                 "(not registered, or replaced)\n");
    else
        fprintf (stderr, "licctl: %s talking to the node\n", err_str (rc));
    return LICCTL_EXIT_USAGE;
}

int
licctl_check_reply (int rc, const Lic__Reply *reply,
                    Lic__Reply__BodyCase want, int timeout_ms)
{
    if (rc != ERR_OK)
        return licctl_transport_error (rc, timeout_ms);
    if (reply->code != ERR_OK) {
        fprintf (stderr, "licctl: %s: %s\n", err_str (reply->code),
                 reply->message);
        return LICCTL_EXIT_REFUSED;
    }
    if (reply->body_case != want) {
        fprintf (stderr, "licctl: ERR_MALFORMED: reply without a result\n");
        return LICCTL_EXIT_USAGE;
    }
    return LICCTL_EXIT_OK;
}

int
licctl_print_json (json_t *value)
{
    if (!value) {
        fprintf (stderr, "licctl: ERR_NOMEM\n");
        return LICCTL_EXIT_USAGE;
    }
    json_dumpf (value, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    putchar ('\n');
    json_decref (value);
    return LICCTL_EXIT_OK;
}

void
licctl_more (bool more, const char *cursor)
{
    if (more)
        printf ("more: use --cursor %s\n", cursor);
}

//  Civil time in the province (UTC+8), as the national platform shows it.
const char *
licctl_time (int64_t t, char buf [32])
{
    return lifecycle_time_shown (t, buf);
}

// ---------------------------------------------------------------------
//  main

typedef struct {
    const char *name;                   //  the command word
    int (*run) (const licctl_opts_t *opts);
} s_command_t;

static const s_command_t s_commands [] = {
    { "keygen", licctl_cmd_keygen },
    { "register", licctl_cmd_register },
    { "publish", licctl_cmd_publish },
    { "import", licctl_cmd_import },
    { "make-id", licctl_cmd_make_id },
    { "get", licctl_cmd_query },
    { "find", licctl_cmd_query },
    { "log", licctl_cmd_query },
    { "status", licctl_cmd_query },
    { "digest", licctl_cmd_query },
    { "backup", licctl_cmd_query },
    { "catalogue", licctl_cmd_catalogue },
    { "blob", licctl_cmd_blob },
    { "file", licctl_cmd_file },
    { "report", licctl_cmd_report },
    { "prove", licctl_cmd_prove },
    { "verify-proof", licctl_cmd_verify_proof },
    { "vkey", licctl_cmd_vkey },
    { "appbody", licctl_cmd_appbody },
    { "query", licctl_cmd_query_scoped },
    { "copy", licctl_cmd_copy },
    { "audit", licctl_cmd_audit },
    { "quarantine", licctl_cmd_quarantine },
    { "node", licctl_cmd_node },
    { "verify", licctl_cmd_verify_copy }
};

int
main (int argc, char **argv)
{
    licctl_opts_t opts;
    memset (&opts, 0, sizeof opts);
    zsys_handler_set (NULL);            //  Ctrl-C ends licctl at once
    int rc = s_parse_options (argc, argv, &opts);
    if (rc != 0)
        return rc < 0? LICCTL_EXIT_OK: rc;
    if (seal_init () != ERR_OK) {
        fprintf (stderr, "licctl: libsodium would not initialise\n");
        return LICCTL_EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands [0]; i++)
        if (strcmp (opts.command, s_commands [i].name) == 0)
            return s_commands [i].run (&opts);
    fprintf (stderr, "licctl: unknown command '%s'\n", opts.command);
    licctl_usage (stderr);
    return LICCTL_EXIT_USAGE;
}
