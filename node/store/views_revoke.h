/*  views_revoke.h -- revocations of compromised node keys, as the views
    keep them (the rule is proto/authority.h's; key layout in
    proto/FORMAT.md, registry `revoked/`).

    A revocation record (a NodeRecord with `revocation` set, signed by the
    parent of the division it names) says that what one of the division's
    signing keys signed in entries of origin that division after an origin
    seq is void.  Every level that applies the record keeps it here and
    judges each later node-signed entry against it (views_apply_entry
    calls views_check_statement), so the signer's level and every level
    above, which apply its log in its order, quarantine the same entries.

    Not thread-safe: owned by the sequencer thread, as views.h.
*/
#ifndef LICREPO_VIEWS_REVOKE_H
#define LICREPO_VIEWS_REVOKE_H

#include "node/store/views.h"

//  The revocation held for signing key `key` (len bytes) of node
//  `division`, or NULL.  Borrowed until the next revocation is applied or
//  the views reload.
const Lic__NodeRecord *
    views_node_revocation (views_t *self, const char *division, const uint8_t *key, size_t len);

//  Applies a revocation record (entry's origin is its signer) into batch
//  and memory: it must pass authority_node_revocation against what is
//  held here (the key known for the division, no earlier revocation of
//  it, the point not below the division's origin mark).  ERR_OK, or the
//  rule's code with why; ERR_NOMEM, ERR_IO.
int MUST_CHECK
    views_apply_revocation (views_t *self, store_batch_t *batch, uint64_t gen,
                            const Lic__LogEntry *entry, const Lic__NodeRecord *rec,
                            char *why, size_t why_size);

//  The rule on a node-signed entry e (any kind but an event):
//  authority_node_statement against the revocation held for its origin
//  and signing key.  ERR_OK or ERR_NODE_KEY_REVOKED with why.
int MUST_CHECK
    views_check_statement (views_t *self, const Lic__LogEntry *e, char *why, size_t why_size);

//  Calls fn for every revocation held, in no particular order.
void
    views_each_revocation (views_t *self, void (*fn) (void *arg, const Lic__NodeRecord *rec),
                           void *arg);

#endif
