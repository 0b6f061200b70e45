/*  licctl_query.h -- licctl commands that ask a node and print the
    answer (licctl_query.c).  Takes the parsed command line and returns
    an exit code (licctl.h).
*/
#ifndef LICREPO_LICCTL_QUERY_H
#define LICREPO_LICCTL_QUERY_H

#include "node/cli/licctl.h"

//  get ID [--history], find --holder ID [--holder-type T] [--limit N],
//  log [--from N] [--limit N], status, digest (opts->command says
//  which): one request, one reply, printed for people or as JSON.
int
    licctl_cmd_query (const licctl_opts_t *opts);

#endif
