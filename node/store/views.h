/*  views.h -- the views derived from the log, and their write path.

    views_apply_* turns one log entry into the puts of ONE write batch:
    the entry itself, the license state, the holder and history indexes,
    the origin marks, the registry.  Because several batches may
    be built while an earlier one is still being synced, the changes of
    batches not yet durable are kept in an overlay (tagged with the batch
    generation) that reads consult before the store; views_committed drops
    a durable generation from it, views_abort drops everything (a failed
    write: the caller also rewinds its sequence numbers).

    The department registry (signing key -> department) is kept in memory,
    loaded from the registry column family at open.

    Not thread-safe: owned by the sequencer thread.
*/
#ifndef LICREPO_VIEWS_H
#define LICREPO_VIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include "proto/err.h"
#include "proto/msg.h"
#include "node/store/store_rocks.h"
#include "node/store/tree.h"

typedef struct views_t views_t;

#define VIEWS_SCHEMA 5   //  repository schema (proto/FORMAT.md), meta "schema"
#define VIEWS_SUCCESSORS_MAX 16         //  successors a get shows at most (and "more")
//  Meta key present when the successor index is whole: written with the
//  schema of a new repository, and by `licnode check` once it has built
//  the index of a repository made before the index (FORMAT.md family 16).
#define VIEWS_SUCCESSORS_MARK "successors"

//  Opens the views over store for the node of `division`, loading the
//  registry, the node keys and the origin marks; a new repository gets
//  schema VIEWS_SCHEMA; one of schema 3 has its license states rewritten
//  without their copies of the content first (FORMAT.md schema 4), and
//  one of schema 3 or 4 its dedup marks dropped (schema 5).
//  ERR_OK, ERR_NOMEM, ERR_CORRUPT (a registry record does not decode, a
//  schema-3 state whose content is not its event's), ERR_VERSION (a
//  repository of another schema), ERR_IO.
int MUST_CHECK
    views_open (views_t **views_p, store_t *store, const char *division);

//  The schema step of views_open alone (`licnode check` takes it before
//  its replay): marks a new repository, migrates one of schema 3 or 4.
//  ERR_OK, ERR_VERSION (another schema), ERR_CORRUPT, ERR_NOMEM, ERR_IO.
int MUST_CHECK
    views_schema (store_t *store);

//  The Merkle tree of the node's own log (borrowed).
tree_t *
    views_tree (views_t *self);

//  Trusts pk as the signing key of node `division`, vouched for by node
//  `parent` (own key: parent ""; configured children: our division), from
//  the configuration; not persisted.
void
    views_trust_node (views_t *self, const char *division, const uint8_t pk [32],
                      const char *parent);

//  Signing key of node `division` (trusted or learnt from node records),
//  or NULL.
const uint8_t *
    views_node_key (views_t *self, const char *division);

//  Puts the origin marks changed since the last call into batch: call it
//  before every write of a batch built by views_apply_* (they keep the
//  marks in memory, so a batch of many entries writes each mark once).
void
    views_flush_marks (views_t *self, store_batch_t *batch);

//  Last origin seq applied from origin `division` (pending included), 0 if none.
uint64_t
    views_origin_seq (views_t *self, const char *division);

//  Applies a node record entry (keys of a node below a child), signed by
//  the entry's origin node.  The record must pass authority_node_record
//  against the key held for its division; if it does not, nothing is
//  written and why says which rule it breaks.  ERR_OK, ERR_MALFORMED,
//  ERR_FORBIDDEN, ERR_NOMEM.
int MUST_CHECK
    views_apply_node (views_t *self, store_batch_t *batch, uint64_t gen,
                      const Lic__LogEntry *entry, const Lic__NodeRecord *rec,
                      char *why, size_t why_size);
void
    views_destroy (views_t **self_p);

//  Replays: ERR_OK and *seq if this signed event (the same signer's key
//  and body bytes; ev its decoded body) is already in the log, durable or
//  pending; ERR_NOT_FOUND otherwise; ERR_CORRUPT, ERR_NOMEM, ERR_IO.  An
//  event names the version it applies to (expected_version), and each
//  applied event is in its license's history at the version it made
//  (expected_version + 1), so the one place it can be is that history
//  key's entry: no mark of its own is kept (FORMAT.md schema 5).
int MUST_CHECK
    views_find_duplicate (views_t *self, const Lic__Envelope *env, const Lic__Event *ev,
                          uint64_t *seq);

//  Department of signing key pk as registered at node `division` (a
//  department speaks only where it is registered).  ERR_OK with *dept
//  borrowed until the next registration is applied; ERR_UNKNOWN_KEY;
//  ERR_KEY_REVOKED.
int MUST_CHECK
    views_signer (views_t *self, const char *division, const uint8_t pk [32],
                  const Lic__Department **dept);

//  Department registered at node `division` under a credit code, or NULL
//  (borrowed, as above).
const Lic__Department *
    views_department (views_t *self, const char *division, const char *credit_code);

//  True if dept may issue license type type_code (21 chars, not NUL-ended).
bool
    views_type_allowed (const Lic__Department *dept, const char *type_code);

#define VIEWS_REVOKED_MAX 1024  //  revoked keys kept per department (of each kind) or body

//  Prepares a registration of `in` at this node: *out is in, except that
//  a key once revoked stays revoked, a signing key dropped from sign_keys
//  since the stored record becomes revoked (so it is refused as revoked,
//  not as unknown), and so does the CURVE key it replaces.  A
//  registration that names a revoked key (signing or CURVE) is refused:
//  it would bring the key back and revoke the working one in its place.
//  out's key arrays point into sign_buf (16 entries), rev_buf and
//  curve_buf (VIEWS_REVOKED_MAX entries each), and into in and the stored
//  record: valid until the next registration.  ERR_OK; ERR_KEY_REVOKED,
//  ERR_BAD_FIELD (no signing key left), ERR_TOO_LARGE (too many revoked
//  keys), why saying which key and what to do.
int MUST_CHECK
    views_merge_keys (views_t *self, const Lic__Department *in, Lic__Department *out,
                      ProtobufCBinaryData *sign_buf, ProtobufCBinaryData *rev_buf,
                      ProtobufCBinaryData *curve_buf, char *why, size_t why_size);

//  The same for an application body registered at this node: the CURVE
//  key a registration replaces joins out's revoked_keys (pointing into
//  rev_buf, VIEWS_REVOKED_MAX entries); a registration (not itself a
//  revocation) with a revoked key, or with the key of a revoked body, is
//  refused.  ERR_OK, ERR_KEY_REVOKED, ERR_TOO_LARGE, why saying which.
int MUST_CHECK
    views_merge_app_keys (views_t *self, const Lic__AppBody *in, Lic__AppBody *out,
                          ProtobufCBinaryData *rev_buf, char *why, size_t why_size);

//  Calls fn for every department registered at node `division`.
void
    views_each_department (views_t *self, const char *division,
                           void (*fn) (void *arg, const Lic__Department *dept), void *arg);

//  Applies a catalogue entry (a license type definition or new version,
//  made at the entry's origin node) into batch and the in-memory
//  catalogue.  Each node's definitions of a code are their own line
//  (proto/authority.h): the entry must be made at its origin, be the next
//  version of the origin's line and pass catalogue_check_type; if not,
//  nothing is written.  ERR_OK, ERR_FORBIDDEN, ERR_VERSION_MISMATCH,
//  ERR_CATALOGUE, ERR_NOMEM.
int MUST_CHECK
    views_apply_catalogue (views_t *self, store_batch_t *batch, uint64_t gen,
                           const Lic__LogEntry *entry, const Lic__LicenseType *type,
                           char *why, size_t why_size);

//  The latest definition of a license type (21-char code, need not be
//  NUL-ended after 21) in the line of node `division`, or NULL.
//  Borrowed until the next catalogue entry.  A license is checked
//  against its origin's line.
const Lic__LicenseType *
    views_type (views_t *self, const char *division, const char *type_code);

//  Version `version` of a type in node `division`'s line, as stored:
//  caller frees with codec_license_type_free.  ERR_OK, ERR_NOT_FOUND,
//  ERR_IO, ERR_CORRUPT.
int MUST_CHECK
    views_type_version (views_t *self, const char *division, const char *type_code,
                        uint32_t version, Lic__LicenseType **type);

//  As views_type_version, kept in memory after the first read
//  (borrowed, valid as long as the views), or NULL if there is none.
const Lic__LicenseType *
    views_type_at (views_t *self, const char *division, const char *type_code,
                   uint32_t version);

//  Calls fn for the latest definition of every node's line of every
//  type, in division/code order.
void
    views_each_type (views_t *self, void (*fn) (void *arg, const Lic__LicenseType *t), void *arg);

//  Number of license types in the catalogue.
size_t
    views_types (views_t *self);

//  Number of departments registered.
size_t
    views_departments (views_t *self);

//  Current state of a license as stored (overlay first, then the
//  store), packed, without its content (FORMAT.md family 2): what the
//  lifecycle needs; caller frees *state.  ERR_OK, ERR_NOT_FOUND, ERR_IO.
int MUST_CHECK
    views_license (views_t *self, const char *license_id, uint8_t **state, size_t *len);

//  The current state of a license with its content, by the one rule of
//  proto/licstate.h (the content of the event at content_seq, with the
//  valid_to of a later extension).  views_license_state reads the
//  pending batches first (the sequencer's thread); views_license_read
//  the committed store (any reader); views_state_complete completes
//  stored state bytes (a scan of the license family).  Caller frees
//  *out (codec_state_free).  ERR_OK, ERR_NOT_FOUND (no such license),
//  ERR_CORRUPT, ERR_NOMEM, ERR_IO.
int MUST_CHECK
    views_license_state (views_t *self, const char *license_id, Lic__LicenseState **out);
int MUST_CHECK
    views_license_read (store_t *store, const char *license_id, Lic__LicenseState **out);
//  The same, also handing over the bytes of the log entry at content_seq
//  it read (*entry malloc'd, caller frees; NULL if the state names none),
//  for a reader that needs that entry too (its disclosures): one read.
int MUST_CHECK
    views_license_read_entry (store_t *store, const char *license_id, Lic__LicenseState **out,
                              uint8_t **entry, size_t *entry_len);
int MUST_CHECK
    views_state_complete (store_t *store, const uint8_t *state, size_t len,
                          Lic__LicenseState **out);

//  The state of a license as of unix time `at`: its events replayed
//  (the step views_apply_event takes) in version order up to the first
//  completed after `at`.  Status, pledge, version, content (valid_to as
//  extended then), note, last inspection, last_seq, content_seq and
//  updated_at are what they were then; catalogue_version is the current
//  state's if the content is the same, else 0 (not known).  Reads the
//  committed store.  ERR_OK with *out (caller frees, codec_state_free);
//  ERR_NOT_FOUND (no event of it completed by `at`), ERR_BAD_LICENSE_ID
//  (id too long), ERR_CORRUPT, ERR_NOMEM.
int MUST_CHECK
    views_state_at (views_t *self, const char *license_id, int64_t at, Lic__LicenseState **out);

//  The licenses whose content names license_id as its predecessor (the
//  successor index, FORMAT.md family 16), in id order, at most
//  VIEWS_SUCCESSORS_MAX of them, *more if there are others; as of `at`
//  (0 = now) only those linked by an event completed by then.  Reads the
//  committed store.  ERR_OK with *ids (NULL if none; free with
//  views_successors_free) and *n; ERR_BAD_LICENSE_ID (id too long),
//  ERR_CORRUPT, ERR_NOMEM.
int MUST_CHECK
    views_successors (views_t *self, const char *license_id, int64_t at,
                      char ***ids, size_t *n, bool *more);
void
    views_successors_free (char ***ids_p, size_t n);

//  Applies an event entry (entry->seq, origin and envelope set; ev its
//  decoded body, already checked by evcheck) into batch.  Checks the
//  lifecycle first and changes nothing on error.
//  ERR_OK with *version the license version after the event;
//  ERR_NOT_FOUND, ERR_EXISTS, ERR_ILLEGAL_OP, ERR_VERSION_MISMATCH (why
//  says more); ERR_NOMEM, ERR_IO, ERR_CORRUPT.
int MUST_CHECK
    views_apply_event (views_t *self, store_batch_t *batch, uint64_t gen,
                       const Lic__LogEntry *entry, const Lic__Event *ev,
                       uint32_t *version, char *why, size_t why_size);

//  Applies a registration entry into batch and the in-memory registry;
//  the registration must be made at the entry's origin (authority_made_at),
//  else nothing is written.  ERR_OK, ERR_FORBIDDEN, ERR_NOMEM.
int MUST_CHECK
    views_apply_registration (views_t *self, store_batch_t *batch, uint64_t gen,
                              const Lic__LogEntry *entry, const Lic__Registration *reg,
                              char *why, size_t why_size);

//  Applies any log entry by its kind (replay: check, rebuild; the
//  parent's apply of a child's entry), decoding its body.  The rules of
//  proto/authority.h that need no signature are applied here, on every
//  path; signatures and the origin's right to send are the caller's.
//  ERR_OK or the apply's error, why saying more.
int MUST_CHECK
    views_apply_entry (views_t *self, store_batch_t *batch, uint64_t gen,
                       const Lic__LogEntry *entry, char *why, size_t why_size);

//  The same for an entry whose body is already decoded (body: what the
//  row of entry->kind decodes, proto/entrykind.h; the parent's apply of
//  an event the verifier decoded).  ERR_MALFORMED for a kind the views
//  do not apply.
int MUST_CHECK
    views_apply_body (views_t *self, store_batch_t *batch, uint64_t gen,
                      const Lic__LogEntry *entry, const void *body, char *why, size_t why_size);

//  True if the views apply entries of that kind (every row of
//  proto/entrykind.h has its apply here).
bool
    views_applies (int kind);

// ---------------------------------------------------------------------
//  Sharing within scope (proto/README.md section 11)

//  Applies an application body's registration (a node-signed entry made
//  at its origin).  ERR_OK, ERR_FORBIDDEN, ERR_NOMEM.
int MUST_CHECK
    views_apply_app_body (views_t *self, store_batch_t *batch, uint64_t gen,
                          const Lic__LogEntry *entry, const Lic__AppBodyRegistration *reg,
                          char *why, size_t why_size);

//  The unrevoked application body registered at `division` that connects
//  with CURVE key curve, or NULL (borrowed until the next registration).
const Lic__AppBody *
    views_app_body_by_key (views_t *self, const char *division, const uint8_t curve [32]);

//  The application body registered at `division` under credit_code
//  (revoked or not), or NULL.
const Lic__AppBody *
    views_app_body (views_t *self, const char *division, const char *credit_code);

//  Calls fn for every application body registered at `division`.
void
    views_each_app_body (views_t *self, const char *division,
                         void (*fn) (void *arg, const Lic__AppBody *body), void *arg);

#define VIEWS_AUDIT_HOLDERS_MAX 256  //  returned licenses whose holder files an audit record

//  Applies an audit record (the entry and its index: 'a' seq, 'h' holder
//  id 0x00 seq, 'b' body code 0x00 seq in the audit column family).  It
//  is filed under the holder the query named and, unless it is a find,
//  under the holder of each license it named or returned (the first
//  VIEWS_AUDIT_HOLDERS_MAX), as this node holds that license then.
int MUST_CHECK
    views_apply_audit (views_t *self, store_batch_t *batch, uint64_t gen,
                       const Lic__LogEntry *entry, const Lic__AuditRecord *rec,
                       char *why, size_t why_size);

//  Builds an audit index key into key (size bytes); returns its length,
//  0 if it does not fit.  name NULL for tag 'a'.
size_t
    views_audit_key (uint8_t *key, size_t size, char tag, const char *name, uint64_t seq);

//  Signed envelopes as logged: the latest registration of a department
//  at a node, the node record of a division, a catalogue version.
//  Caller frees with codec_envelope_free.  ERR_OK, ERR_NOT_FOUND, ERR_IO, ERR_CORRUPT.
int MUST_CHECK
    views_registration_envelope (views_t *self, const char *division, const char *credit_code,
                                 Lic__Envelope **env);
int MUST_CHECK
    views_node_envelope (views_t *self, const char *division, Lic__Envelope **env);
//  The node record that gave `division` signing key `key` (before and
//  after rotations: a copy carries the record of the key that signed
//  what it holds); for this node's own division, the record its parent
//  sent (views_put_own_record).  Caller frees.  ERR_OK, ERR_NOT_FOUND,
//  ERR_IO, ERR_CORRUPT.
int MUST_CHECK
    views_node_envelope_of_key (views_t *self, const char *division, const uint8_t key [32],
                                Lic__Envelope **env);

//  Puts env (len bytes), this node's record for its signing key `key` as
//  its parent sent it, into batch (meta, kept across rotations).
void
    views_put_own_record (store_batch_t *batch, const uint8_t key [32], const uint8_t *env,
                          size_t len);
int MUST_CHECK
    views_type_envelope (views_t *self, const char *division, const char *type_code,
                         uint32_t version, Lic__Envelope **env);

//  Division of the node that vouched for `division` ("" = trusted from
//  the configuration), or NULL if unknown.
const char *
    views_node_parent (views_t *self, const char *division);

//  Generation gen (and every earlier one) is durable.
void
    views_committed (views_t *self, uint64_t gen);

//  The pending generations were not written: forget them and reload the
//  registry from the store.  ERR_OK or the reload's error.
int MUST_CHECK
    views_abort (views_t *self);

#endif
