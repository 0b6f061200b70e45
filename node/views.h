/*  views.h -- the views derived from the log, and their write path.

    views_apply_* turns one log entry into the puts of ONE write batch:
    the entry itself, the license state, the holder and history indexes,
    the dedup and origin marks, the registry.  Because several batches may
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
#include "err.h"
#include "msg.h"
#include "store_rocks.h"
#include "tree.h"

typedef struct views_t views_t;

#define VIEWS_DEDUP_BYTES 32

//  Opens the views over store for the node of `division`, loading the
//  registry, the node keys and the origin marks.  ERR_OK, ERR_NOMEM,
//  ERR_CORRUPT (a registry record does not decode), ERR_IO.
int MUST_CHECK
    views_open (views_t **views_p, store_t *store, const char *division);

//  The Merkle tree of the node's own log (borrowed).
tree_t *
    views_tree (views_t *self);

//  Trusts pk as the signing key of node `division`, vouched for by node
//  `parent` (own key: parent ""; configured children: our division), from
//  the configuration; not persisted.
void
    views_trust_node (views_t *self, const char *division, const uint8_t pk [32],
                      const char *parent);

//  True if division is ancestor or a node below it, following the node
//  records (who vouched for whom).
bool
    views_descends (views_t *self, const char *division, const char *ancestor);

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

//  Applies a node record entry (keys of a node below a child).  ERR_OK, ERR_NOMEM.
int MUST_CHECK
    views_apply_node (views_t *self, store_batch_t *batch, uint64_t gen,
                      const Lic__LogEntry *entry, const Lic__NodeRecord *rec);
void
    views_destroy (views_t **self_p);

//  The dedup key of a signed event: BLAKE2b-256(key_id ‖ body).
void
    views_dedup_key (uint8_t out [VIEWS_DEDUP_BYTES], const Lic__Envelope *env);

//  ERR_OK and *seq if the event with that dedup key is already in the log
//  (durable or pending); ERR_NOT_FOUND otherwise; ERR_IO.
int MUST_CHECK
    views_find_duplicate (views_t *self, const uint8_t key [VIEWS_DEDUP_BYTES], uint64_t *seq);

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

#define VIEWS_REVOKED_MAX 1024  //  revoked keys kept per department

//  Prepares a registration of `in`: *out is in, except that a key once
//  revoked stays revoked, and a key dropped from sign_keys since the
//  stored record becomes revoked (so it is refused as revoked, not as
//  unknown, and can never come back).  out's key arrays point into
//  sign_buf (16 entries) and rev_buf (VIEWS_REVOKED_MAX entries), and
//  into in and the stored record: valid until the next registration.
//  ERR_OK or ERR_TOO_LARGE (too many revoked keys).
int MUST_CHECK
    views_merge_keys (views_t *self, const Lic__Department *in, Lic__Department *out,
                      ProtobufCBinaryData *sign_buf, ProtobufCBinaryData *rev_buf);

//  Calls fn for every department registered at node `division`.
void
    views_each_department (views_t *self, const char *division,
                           void (*fn) (void *arg, const Lic__Department *dept), void *arg);

//  Applies a catalogue entry (a license type definition or new version)
//  into batch and the in-memory catalogue.  ERR_OK, ERR_NOMEM.
int MUST_CHECK
    views_apply_catalogue (views_t *self, store_batch_t *batch, uint64_t gen,
                           const Lic__LogEntry *entry, const Lic__LicenseType *type);

//  The latest definition of a license type (21-char code, need not be
//  NUL-ended after 21), or NULL.  Borrowed until the next catalogue entry.
const Lic__LicenseType *
    views_type (views_t *self, const char *type_code);

//  Version `version` of a type as stored: caller frees with
//  codec_license_type_free.  ERR_OK, ERR_NOT_FOUND, ERR_IO, ERR_CORRUPT.
int MUST_CHECK
    views_type_version (views_t *self, const char *type_code, uint32_t version,
                        Lic__LicenseType **type);

//  Version `version` of a type as stored, kept in memory after the first
//  read (borrowed, valid as long as the views), or NULL if there is none.
const Lic__LicenseType *
    views_type_at (views_t *self, const char *type_code, uint32_t version);

//  Calls fn for the latest definition of every type, in code order.
void
    views_each_type (views_t *self, void (*fn) (void *arg, const Lic__LicenseType *t), void *arg);

//  Number of license types in the catalogue.
size_t
    views_types (views_t *self);

//  Number of departments registered.
size_t
    views_departments (views_t *self);

//  Current state of a license (overlay first, then the store), packed;
//  caller frees *state.  ERR_OK, ERR_NOT_FOUND, ERR_IO.
int MUST_CHECK
    views_license (views_t *self, const char *license_id, uint8_t **state, size_t *len);

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

//  Applies a registration entry into batch and the in-memory registry.
//  ERR_OK, ERR_NOMEM.
int MUST_CHECK
    views_apply_registration (views_t *self, store_batch_t *batch, uint64_t gen,
                              const Lic__LogEntry *entry, const Lic__Registration *reg);

//  Applies any log entry by its kind (replay: check, rebuild), decoding
//  its body; no authority checks (the caller did them, or trusts its own
//  log).  ERR_OK or the apply's error, why saying more.
int MUST_CHECK
    views_apply_entry (views_t *self, store_batch_t *batch, uint64_t gen,
                       const Lic__LogEntry *entry, char *why, size_t why_size);

// ---------------------------------------------------------------------
//  Sharing within scope (issue 5)

//  Applies an application body's registration (a node-signed entry).
//  ERR_OK, ERR_NOMEM.
int MUST_CHECK
    views_apply_app_body (views_t *self, store_batch_t *batch, uint64_t gen,
                          const Lic__LogEntry *entry, const Lic__AppBodyRegistration *reg);

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

//  Applies an audit record (the entry and its index: 'a' seq, 'h' holder
//  id 0x00 seq, 'b' body code 0x00 seq in the audit column family).
int MUST_CHECK
    views_apply_audit (views_t *self, store_batch_t *batch, uint64_t gen,
                       const Lic__LogEntry *entry, const Lic__AuditRecord *rec);

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
int MUST_CHECK
    views_type_envelope (views_t *self, const char *type_code, uint32_t version,
                         Lic__Envelope **env);

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
