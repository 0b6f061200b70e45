/*  licctl_publish.h -- licctl commands of departments and of the
    operator who registers them (licctl_publish.c).  Each takes the
    parsed command line and returns an exit code (licctl.h).
*/
#ifndef LICREPO_LICCTL_PUBLISH_H
#define LICREPO_LICCTL_PUBLISH_H

#include "node/cli/licctl.h"

//  keygen --code CODE --name NAME --out PATH: writes PATH (secrets,
//  0600) and PATH.pub; refuses to overwrite either.
int
    licctl_cmd_keygen (const licctl_opts_t *opts);

//  register --dept DEPT.pub --types T1,T2 [--revoke-key HEX]...: the
//  full department record, replacing any earlier one (admin key).
int
    licctl_cmd_register (const licctl_opts_t *opts);

//  publish -k DEPT.key EVENT.json | --file FILE.jsonl: signs and
//  publishes; 1 if any line was rejected.
int
    licctl_cmd_publish (const licctl_opts_t *opts);

//  import -k DEPT.key FILE: a department's history in bulk, FILE (- for
//  stdin) JSON lines as publish --file reads them (signed here) or a
//  stream of signed Envelopes, each after its length as a varint
//  (proto/README.md section 3); batches in flight, bounded memory; prints
//  the rejected events, progress and a summary; 1 if any was rejected.
int
    licctl_cmd_import (const licctl_opts_t *opts);

//  make-id --type T --issuer C --serial S [--version 001]: the bare and
//  printed license id with its check character (offline).
int
    licctl_cmd_make_id (const licctl_opts_t *opts);

#endif
