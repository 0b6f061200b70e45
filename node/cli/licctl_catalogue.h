/*  licctl_catalogue.h -- licctl commands of the license
    catalogue, blobs and reports (licctl_catalogue.c).  Each takes the
    parsed command line, its sub-command in opts->args [0], and returns
    an exit code (licctl.h).
*/
#ifndef LICREPO_LICCTL_CATALOGUE_H
#define LICREPO_LICCTL_CATALOGUE_H

#include "node/cli/licctl.h"

//  catalogue add FILE.json (admin key): parses the type (licjson.h) and
//  adds it, or its next version; prints "added TYPE version V at seq S".
//  catalogue list | show CODE | history CODE: the latest version of
//  every type, of one, or every version of one (with what changed).
int
    licctl_cmd_catalogue (const licctl_opts_t *opts);

//  blob put FILE (admin key): stores the file, prints its digest (hex),
//  checked against our own BLAKE2b-256.  blob get DIGEST [--out FILE]:
//  writes the bytes, once they hash to DIGEST, to FILE or stdout.
int
    licctl_cmd_blob (const licctl_opts_t *opts);

//  report lateness [--limit N] [--summary] (admin key): per issuer and
//  day with late releases, the events completed, how many were released
//  after that day, and the worst delay (from the end of that day, UTC+8).
//  --summary: every issuer and day, with the share released on time, and
//  each issuer's share over every day.
int
    licctl_cmd_report (const licctl_opts_t *opts);

#endif
