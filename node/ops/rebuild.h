/*  rebuild.h -- re-create a leaf node's repository from its parent.  */
#ifndef LICREPO_REBUILD_H
#define LICREPO_REBUILD_H

#include <stdio.h>
#include "node/base/config.h"
#include "proto/err.h"
#include "node/base/identity.h"
#include "node/store/store_rocks.h"

//  Fetches every entry of cfg->division from the parent into the empty
//  store, with the same seqs and bytes, and rebuilds the views; progress
//  and the outcome are written to out.  ERR_OK; ERR_FORBIDDEN (no parent,
//  or children configured, or the parent refused), ERR_EXISTS (store not
//  empty), ERR_GAP (the parent's copy has a hole), ERR_BUSY (parent
//  silent), ERR_IO, ERR_BAD_SIGNATURE.
int MUST_CHECK
    rebuild_from_parent (const config_t *cfg, identity_t *id, store_t *store, FILE *out);

#endif
