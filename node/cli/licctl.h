/*  licctl.h -- what the parts of licctl share: the parsed command line,
    exit codes, and the connection and output helpers of licctl.c.

    Each command lives in one licctl_*.c (licctl_publish.c: keygen,
    register, publish, make-id; licctl_query.c: get, find, log, status,
    digest; licctl_proof.c: prove; licctl_verify.c: verify-proof, vkey;
    licctl_catalogue.c: catalogue, blob, report) and returns an exit
    code.  Only main (licctl.c) exits.
*/
#ifndef LICREPO_LICCTL_H
#define LICREPO_LICCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "node/common/keyfile.h"
#include "node/client/licclient.h"

#define LICCTL_EXIT_OK      0           //  done, every check passed
#define LICCTL_EXIT_REFUSED 1           //  refused, not found, rejected, failed
#define LICCTL_EXIT_USAGE   2           //  usage, file or connection error

#define LICCTL_REVOKE_MAX   16          //  --revoke-key options

typedef struct {
    const char *command;                //  first operand
    char **args;                        //  operands after the command
                                        //  (catalogue, blob, report: the
                                        //  sub-command first)
    int n_args;                         //  count of args
    const char *dir;                    //  -d: node.pub and admin.key
    const char *node_pub;               //  -n: node's public key file
    const char *key;                    //  -k: our key file (secrets);
                                        //  verify-proof: a verifier key
    bool json;                          //  --json output
    bool tree;                          //  status --tree
    int timeout_ms;                     //  --timeout
    const char *code;                   //  keygen --code
    const char *name;                   //  keygen --name
    const char *out;                    //  keygen, prove, blob get --out
    const char *dept;                   //  register --dept
    const char *types;                  //  register --types
    const char *revoke [LICCTL_REVOKE_MAX]; //  register --revoke-key
    int n_revoke;                       //  count of revoke
    const char *file;                   //  publish --file
    bool history;                       //  get --history
    const char *holder;                 //  find --holder
    const char *holder_type;            //  find --holder-type
    uint64_t from;                      //  log --from
    uint32_t limit;                     //  find/log/report --limit
    uint64_t seq;                       //  prove --seq (0: none)
    uint64_t old_size;                  //  prove --old-size (0: none)
    uint64_t size;                      //  prove --size (0: checkpoint's)
    bool witnessed;                     //  prove --witnessed
    const char *key_file;               //  verify-proof, vkey --key-file
    const char *root;                   //  verify-proof --root (hex)
    const char *witness_key;            //  verify-proof --witness-key
    const char *since;                  //  verify-proof --since
    bool cosigner;                      //  vkey --cosigner
    const char *type;                   //  make-id --type
    const char *issuer;                 //  make-id --issuer
    const char *serial;                 //  make-id --serial
    const char *version;                //  make-id --version
    const char *to;                     //  backup --to
    const char *reason;                 //  quarantine release|reject --reason
    uint32_t keep;                      //  backup --keep
    //  Sharing within scope (licctl_share.c)
    const char *endpoint;               //  --endpoint: overrides the node file's
    const char *matter;                 //  query, copy --matter
    const char *staff;                  //  --staff
    const char *case_no;                //  --case
    const char *purpose;                //  --purpose
    int64_t at;                         //  get, query status --at (unix seconds; RFC 3339 or
                                        //  unix seconds on the command line)
    uint32_t expires_days;              //  copy --expires (days)
    const char *trust [LICCTL_REVOKE_MAX];  //  verify --trust (hex or key file)
    int n_trust;
    const char *matters;                //  appbody add --matters M1,M2
    const char *clearance;              //  appbody add --clearance personal,commercial
    const char *body;                   //  audit --body CODE
    bool refused;                       //  audit --refused
    const char *cursor;                 //  --cursor: where a listing goes on (its next_cursor)
    bool all;                           //  --all: every page of a listing
    bool quiet;                         //  publish --quiet: no progress, rejected lines only
    uint64_t after;                     //  node revoke --after (0: none given)
    bool summary;                       //  report lateness --summary: on-time share per day
    const char *file_dir;               //  publish --file-dir: the license files events name
} licctl_opts_t;

//  Prints the usage text to out.
void
    licctl_usage (FILE *out);

//  Loads a key file into k, reporting failures on stderr; need_secret
//  refuses a public file.  Returns an exit code; k is wiped on failure.
int
    licctl_load_key (keyfile_t *k, const char *path, bool need_secret);

//  Connects as -n/-k or -d says: *key is our key file (caller wipes it);
//  node_code, if not NULL, gets the node file's code (its division).
//  Returns an exit code; on LICCTL_EXIT_OK the caller destroys *client.
int
    licctl_connect (const licctl_opts_t *opts, licclient_t **client,
                    keyfile_t *key, char node_code [64]);

//  Reports a failed call (licclient_* return) on stderr; its exit code.
int
    licctl_transport_error (int rc, int timeout_ms);

//  Checks the outcome of a query: transport, node verdict, body case;
//  reports on stderr.  Returns an exit code.
int
    licctl_check_reply (int rc, const Lic__Reply *reply,
                        Lic__Reply__BodyCase want, int timeout_ms);

//  Prints value indented on stdout and releases it; NULL (out of
//  memory) is reported.  Returns an exit code.
int
    licctl_print_json (json_t *value);

//  Ends a page of a listing in text: when the node says there is more,
//  "more: use --cursor CURSOR" on stdout, so no listing is cut silently.
void
    licctl_more (bool more, const char *cursor);

//  Civil time in the province (UTC+8) written into buf; "-" for 0.
//  Returns buf or a constant string.
const char *
    licctl_time (int64_t t, char buf [32]);

#endif
