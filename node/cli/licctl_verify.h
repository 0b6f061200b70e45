/*  licctl_verify.h -- licctl's offline commands (licctl_verify.c).
    Each takes the parsed command line and returns an exit code
    (licctl.h).
*/
#ifndef LICREPO_LICCTL_VERIFY_H
#define LICREPO_LICCTL_VERIFY_H

#include "node/cli/licctl.h"

//  verify-proof FILE (--key VKEY | --key-file NODE.pub) [--root HEX]
//  [--witness-key PARENT.pub|VKEY] [--since CHECKPOINT]: offline; prints
//  each check with OK or FAILED.  The checkpoint must be the log of the
//  key given (its origin) and signed by it; with --witness-key, also
//  countersigned by that witness; with --since, the consistency proof
//  must start at that earlier checkpoint (a note, or a proof document).  LICCTL_EXIT_OK only if
//  every check present passed, LICCTL_EXIT_REFUSED if one failed or the
//  document is not a proof document, LICCTL_EXIT_USAGE if the file or
//  key cannot be read.
int
    licctl_cmd_verify_proof (const licctl_opts_t *opts);

//  vkey --key-file NODE.pub: the node's C2SP verifier key
//  (licrepo/<division>+<key id>+<base64>).
int
    licctl_cmd_vkey (const licctl_opts_t *opts);

#endif
