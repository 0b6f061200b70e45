/*  licctl_proof.h -- licctl prove (licctl_proof.c).  Takes the parsed
    command line and returns an exit code (licctl.h).
*/
#ifndef LICREPO_LICCTL_PROOF_H
#define LICREPO_LICCTL_PROOF_H

#include "node/cli/licctl.h"

//  prove --seq N [--old-size M] [--size S] [--out FILE]: asks the node
//  (admin key) for an inclusion and/or consistency proof and writes the
//  proof document (licjson.h) to FILE or stdout, a summary to stderr.
int
    licctl_cmd_prove (const licctl_opts_t *opts);

#endif
