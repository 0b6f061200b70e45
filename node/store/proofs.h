/*  proofs.h -- what lets two levels, or anyone, check the repository:
    deterministic digests of the license view (in total and per origin
    division) and RFC 9162 inclusion and consistency proofs over the own
    log's Merkle tree.  Read-only; runs in the server thread.
*/
#ifndef LICREPO_PROOFS_H
#define LICREPO_PROOFS_H

#include "proto/err.h"
#include "proto/msg.h"
#include "node/store/store_rocks.h"
#include "node/store/tree.h"

//  Digest of every license: per origin division D, d = BLAKE2b(d ‖
//  BLAKE2b(state)) over the licenses of origin D in id order, where state
//  is the stored LicenseState with its node-local last_seq zeroed; the
//  total chains every license the same way.  Fills out (free with
//  proofs_digest_free).  ERR_OK, ERR_CORRUPT, ERR_NOMEM.
int MUST_CHECK
    proofs_digest (store_t *store, Lic__DigestResult *out);
void
    proofs_digest_free (Lic__DigestResult *out);

//  Proofs for req against the tree of `durable` entries: size 0 means the
//  checkpoint's size (cp_size, note cp).  Fills out (free with
//  proofs_prove_free).  ERR_OK, ERR_BAD_FIELD (sizes or seq out of range,
//  why says), ERR_IO, ERR_NOMEM.
int MUST_CHECK
    proofs_prove (store_t *store, tree_t *tree, uint64_t durable, const Lic__ProveRequest *req,
                  const char *cp, uint64_t cp_size, Lic__ProofResult *out,
                  char *why, size_t why_size);
void
    proofs_prove_free (Lic__ProofResult *out);

#endif
