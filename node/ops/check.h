/*  check.h -- offline consistency check of a repository: the log's seqs
    run 1..N without a gap, no signed event appears twice, every event's
    signature verifies, and the views equal a fresh replay of the log
    (replayed into a scratch database with the same apply code, then
    compared key by key, column family by column family), and every held
    license file hashes to its digest.  The one write: a repository made
    before the successor index (proto/FORMAT.md family 16) gets it from the
    replay first, and the meta mark.
*/
#ifndef LICREPO_CHECK_H
#define LICREPO_CHECK_H

#include <stdio.h>
#include "proto/err.h"
#include "node/store/store_rocks.h"

//  Runs the check on the open store of node `division`, writing findings to out.
//  ERR_OK if consistent, ERR_CORRUPT if not, ERR_IO/ERR_NOMEM.
int MUST_CHECK
    check_views (store_t *store, const char *division, FILE *out);

#endif
