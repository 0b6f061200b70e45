/*  authority.h -- who may say what: the one place where the rules of the
    hierarchy's authority live.  Pure functions (no I/O, no allocation, no
    clock): every path that takes a signed statement from another member
    calls them -- sequencing at the door, the parent's apply of a child's
    batch, loading the registry at start, replay (check, rebuild), the
    offline check of an archived copy, the child's keeping of its chain.

    The model, in short:
      - Divisions nest as GB/T 2260 says: a province XX0000 holds the
        codes XX....; a city XXYY00 the codes XXYY..; a county-level code
        XXYYZZ (ZZ != 00) holds nothing below it.
      - A node speaks for itself and for the nodes below its division,
        never for a sibling, a cousin or a node above it.
      - A node record (the key of a node below) is signed by the node it
        names as parent, names a division strictly below the signer's,
        and, once a division's key is known, changes it only by a
        rotation record that names the key it replaces.
      - A node's key believed stolen is revoked by a revocation record of
        the same signer (the parent): from a stated origin seq of the
        division's log on, what that key signed is void -- at the signer
        and every level above, which apply the signer's log in its order.
        The point is never below what the signer already applied of the
        division, so no level has applied a statement the record voids,
        nor above what the signer held of it.  Only the direct parent
        (the node that vouches for the key) revokes it.  A revoked key
        is refused for every use that carries no origin seq: sessions,
        node summaries, checkpoints.
      - A node's own entries carry their seq in its log as origin seq.
      - A registration (department, application body), a catalogue entry
        and an audit record are made at the node whose division they
        name, and travel only as entries of that origin.
      - A license type's definitions are owned by the node that made
        them: each node's definitions of a code form their own line of
        versions (1, 2, ... without gaps), and a license is checked
        against the definition of its origin node; no node can add to or
        override another node's line.
*/
#ifndef LICREPO_AUTHORITY_H
#define LICREPO_AUTHORITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/err.h"
#include "proto/msg.h"

//  Level of a GB/T 2260 code: 1 province (XX0000), 2 city (XXYY00),
//  3 county-level (XXYYZZ); 0 if the code is not 6 digits or names none.
int
    authority_level (const char *division);

//  True if `division` lies strictly below `ancestor` (GB/T 2260).  A
//  county-level code has nothing below it.
bool
    authority_below (const char *division, const char *ancestor);

//  May child `child` bring entries of origin `origin`?  Only its own and
//  those of nodes below its division.  ERR_OK or ERR_FORBIDDEN, why says
//  which rule.
int MUST_CHECK
    authority_origin (const char *child, const char *origin, char *why, size_t why_size);

//  May the node at `origin` carry a statement made at `made_at` (the
//  division field of a registration, application body, catalogue entry
//  or audit record; `what` names it in the message)?  Only its own.
//  ERR_OK or ERR_FORBIDDEN.
int MUST_CHECK
    authority_made_at (const char *what, const char *made_at, const char *origin,
                       char *why, size_t why_size);

//  May node `signer` vouch for node record `rec`, given the signing key
//  the verifier holds for rec->division (known, 32 bytes) or NULL?
//  signer NULL: a key trusted without a division (a verifier's anchor),
//  which may vouch for any division.  Rules: well formed (6-digit codes,
//  32-byte keys); the signer is the parent the record names; the
//  division lies strictly below the parent's; a known division keeps its
//  key unless the record is a rotation naming the known key in
//  replaces_key.  A revocation record vouches for no key: ERR_MALFORMED
//  here (authority_node_revocation judges it).  ERR_OK, ERR_MALFORMED,
//  ERR_FORBIDDEN.
int MUST_CHECK
    authority_node_record (const char *signer, const Lic__NodeRecord *rec,
                           const uint8_t *known, char *why, size_t why_size);

//  May the entry at seq `child_seq` of child `child`'s log, of origin
//  `origin` with origin seq `origin_seq`, be taken at all?  A node's own
//  entries carry their seq in its log as origin seq (every honest node
//  writes them so), so an entry of the child's own origin must have
//  origin_seq == child_seq: else the child would pick the origin seq
//  every level judges it by (the mark, the point of a revocation).
//  Entries of origins below the child are bound by this rule one level
//  down.  Called by the parent's apply of a child's batch before
//  anything else is judged.  ERR_OK or ERR_BAD_FIELD.
int MUST_CHECK
    authority_child_entry (const char *child, uint64_t child_seq, const char *origin,
                           uint64_t origin_seq, char *why, size_t why_size);

//  May node `signer` revoke a key of a node below it by the revocation
//  record `rec` (rec->revocation set)?  signer NULL: a verifier's
//  anchor, any parent.  Rules: well formed (6-digit codes, the revoked
//  key in sign_key, 32 bytes, no curve_key and no replaces_key); the
//  signer is the parent the record names and the division lies strictly
//  below it (as for a node record); `voucher`: the node that vouches for
//  the division's key here (the parent of its node record; NULL or "" if
//  not known) -- only that direct parent may revoke; `known`: the key is
//  one the division has had here (a node record vouched for it, or the
//  configuration); `prev`: a revocation of the same division and key
//  held here, or NULL (a key is revoked once, from one point); `held`:
//  the last origin seq of the division applied here -- revoked_after may
//  not be below it, nor above rec->division_head (what the signer held
//  of the division when it made the record: its mark, or the child's
//  last announced head if larger).  ERR_OK, ERR_MALFORMED,
//  ERR_FORBIDDEN, ERR_NOT_FOUND (a key the division never had here),
//  ERR_KEY_REVOKED (already revoked), ERR_BAD_FIELD (the point is below
//  what is held or above what the signer held), why saying which and
//  what to do.
int MUST_CHECK
    authority_node_revocation (const char *signer, const Lic__NodeRecord *rec, bool known,
                               const char *voucher, const Lic__NodeRecord *prev, uint64_t held,
                               char *why, size_t why_size);

//  May node `division`'s signing key be used for `what` (a replication
//  session, a node summary, a checkpoint: uses that carry no origin
//  seq), given `rev`, the revocation held for that division and key
//  (NULL if none)?  A revoked key is refused for them whatever the
//  point.  ERR_OK or ERR_NODE_KEY_REVOKED, why naming the division, the
//  key and what to do.
int MUST_CHECK
    authority_node_key_current (const Lic__NodeRecord *rev, const char *division,
                                const char *what, char *why, size_t why_size);

//  May a statement signed by node key `key` stand, made in the log entry
//  of origin `origin` with origin seq `origin_seq` (a registration,
//  application body, catalogue version, node record or audit record),
//  given `rev`, the revocation held for that origin and key (NULL if
//  none)?  Void after the revocation's point: ERR_NODE_KEY_REVOKED, why
//  naming the division, the seq, the key and the point.  Every path that
//  applies a node-signed entry calls it (views_apply_entry).
int MUST_CHECK
    authority_node_statement (const Lic__NodeRecord *rev, const char *origin, uint64_t origin_seq,
                              const uint8_t key [32], char *why, size_t why_size);

//  May node record `rec` (a first record or a rotation) give its division
//  the key in sign_key, given `rev`, the revocation held for that
//  division and key (NULL if none)?  A revoked key never comes back.
//  ERR_OK or ERR_KEY_REVOKED.
int MUST_CHECK
    authority_node_key_back (const Lic__NodeRecord *rev, const Lic__NodeRecord *rec,
                             char *why, size_t why_size);

//  May a department's registration `next` follow `prev`, the one held for
//  the same division and credit code (NULL if none)?  Key sets only grow
//  in revocations: every key prev revoked stays revoked in next and is
//  not among its signing keys; a signing key prev had and next dropped is
//  revoked in next; a CURVE key prev revoked is not next's, and prev's
//  CURVE key, if next has another, is revoked in next.  ERR_OK or
//  ERR_KEY_REVOKED (why names the key's first bytes).
int MUST_CHECK
    authority_department (const Lic__Department *prev, const Lic__Department *next,
                          char *why, size_t why_size);

//  The same for an application body's CURVE keys.  ERR_OK or ERR_KEY_REVOKED.
int MUST_CHECK
    authority_app_body (const Lic__AppBody *prev, const Lic__AppBody *next,
                        char *why, size_t why_size);

//  May `type` (a catalogue entry made at `origin`) follow `latest`, the
//  latest version of the same code in origin's own line (0 if none)?
//  Made at origin, and exactly the next version.  ERR_OK, ERR_FORBIDDEN,
//  ERR_VERSION_MISMATCH.
int MUST_CHECK
    authority_catalogue (const Lic__LicenseType *type, const char *origin, uint32_t latest,
                         char *why, size_t why_size);

#endif
