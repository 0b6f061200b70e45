/*  views_int.h -- the views' state, shared by the files that make them
    (views.c: open, the overlay, license state, replays, origins, replay of the log;
    views_registry.c: departments, application bodies, node records and
    their signed envelopes; views_catalogue.c: the license types;
    views_audit.c: the audit index).  Not for use outside node/store/views*.c.
*/
#ifndef LICREPO_VIEWS_INT_H
#define LICREPO_VIEWS_INT_H

#include <czmq.h>
#include <stdint.h>
#include <string.h>
#include "node/store/overlay.h"
#include "node/store/views.h"

#define VIEWS_NODE_PREFIX "node/"      //  registry keys of node records
#define VIEWS_APP_PREFIX  "app/"       //  application bodies: app/division/credit code
#define VIEWS_ENV_PREFIX  "env/"       //  signed envelopes of registry entries (for copies)
#define VIEWS_REVOKED_PREFIX "revoked/" //  revocations of node keys (views_revoke.c)

typedef struct {
    const Lic__Department *dept;    //  borrowed from its registration in depts
    bool revoked;           //  this signing key is revoked
} views_signer_t;

//  What was applied of an origin division: its mark and the holes below
//  it (views_origin.c), so an entry replayed from below is recognised
//  (replication idempotence).  Written once per write batch
//  (views_flush_marks), not once per entry.
typedef struct views_origin_t views_origin_t;

typedef struct {
    uint8_t pk [32];        //  node's signing key
    char parent [16];       //  division of the node that vouched for it ("" = ourselves)
} views_node_t;

struct views_t {
    store_t *store;         //  the repository
    tree_t *tree;           //  Merkle tree of the own log
    char division [16];     //  this node's division
    zhashx_t *nodes;        //  division -> views_node_t (trusted or learnt)
    zhashx_t *origins;      //  division -> views_origin_t: mark and holes (pending included)
    bool origin_cause;      //  a registration, node record or catalogue version was
                            //  applied since views_origin_take_cause
    bool embedded;          //  applying the entry a decision carries: its origin is
                            //  noted, the decision is what the log holds
    //  The writes of the batches not yet durable (overlay.h):
    overlay_t *licenses;    //  license id -> stored state (no content)
    overlay_t *entries;     //  big-endian seq -> the event entry as logged, where a
                            //  pending state's content is
    overlay_t *history;     //  history key (license id 0x00 version) -> big-endian seq:
                            //  where views_find_duplicate looks for a pending event
    zhashx_t *types;        //  "division/type code" -> Lic__LicenseType, latest of that
                            //  node's line of the code (owned; proto/authority.h)
    zhashx_t *type_versions;    //  "division/code/version" -> Lic__LicenseType as stored
                                //  (owned; a durable version never changes, so never
                                //  invalidated)
    zhashx_t *depts;        //  "division/credit code" -> Lic__Registration (owned)
    zhashx_t *signers;      //  "division/hex signing key" -> views_signer_t
    zhashx_t *apps;         //  "division/credit code" -> Lic__AppBodyRegistration (owned)
    zhashx_t *app_keys;     //  "division/hex CURVE key" -> Lic__AppBodyRegistration (borrowed)
    zhashx_t *revoked;      //  "division/hex key" -> Lic__NodeRecord, a revocation (owned;
                            //  NULL until the first; views_revoke.c)
    zhashx_t *vouched;      //  "division/hex key" of the node records applied since open
                            //  (pending included; views_revoke.c)
};

//  A key written piece by piece into buf (size > 0 bytes) exactly as
//  snprintf would write the same pieces: at most size - 1 bytes and a
//  NUL; len counts every byte asked for, so the key fit if len < size
//  (what snprintf returns).  The keys of the per-event path were made
//  with snprintf; this writes the same bytes (keys of proto/FORMAT.md and
//  of the in-memory maps) without its cost.
typedef struct {
    char *buf;
    size_t size;
    size_t len;
} views_key_t;

static inline void
views_key_init (views_key_t *k, char *buf, size_t size)
{
    k->buf = buf;
    k->size = size;
    k->len = 0;
    buf [0] = 0;
}

//  Appends n bytes of s, as many as fit before the NUL's byte
static inline void
views_key_bytes (views_key_t *k, const char *s, size_t n)
{
    size_t end = k->size - 1;               //  where the NUL goes when full
    if (k->len < end) {
        size_t fit = n < end - k->len? n: end - k->len;
        memcpy (k->buf + k->len, s, fit);
        k->buf [k->len + fit] = 0;
    }
    k->len += n;
}

//  Appends s as "%.*s" with precision max (SIZE_MAX: all of s).  The
//  callers pass strings of decoded messages, never NULL.
static inline void
views_key_str (views_key_t *k, const char *s, size_t max)
{
    views_key_bytes (k, s, strnlen (s, max));
}

//  Appends one byte, as "%c" (a 0 separates the parts of a store key)
static inline void
views_key_char (views_key_t *k, char c)
{
    views_key_bytes (k, &c, 1);
}

//  Writes a registry map key "division/rest" as snprintf (key, size,
//  "%s/%s", division, rest) does (departments, application bodies,
//  signing and CURVE keys by division).  Returns key.
static inline const char *
views_key_div (char *key, size_t size, const char *division, const char *rest)
{
    views_key_t k;
    views_key_init (&k, key, size);
    views_key_str (&k, division, SIZE_MAX);
    views_key_char (&k, '/');
    views_key_str (&k, rest, SIZE_MAX);
    return key;
}

//  Puts entry into the log and the Merkle tree of batch, and notes its
//  origin mark (views_flush_marks writes it).  ERR_OK, ERR_NOMEM, ERR_IO.
int
    views_int_put_entry (views_t *self, store_batch_t *batch, uint64_t gen,
                         const Lic__LogEntry *entry);

//  Keeps the signed envelope of a registry entry under key, so an
//  archived copy can carry it exactly as it was signed.
int
    views_int_put_envelope (store_batch_t *batch, const char *key, const Lic__Envelope *env);

//  Puts body, a decoded body of entry kind `kind` (proto/entrykind.h),
//  under key (kl bytes) in column family cf of batch; with copy, decodes
//  the bytes put into *copy (the views keep their own copy in memory;
//  the caller owns it).  ERR_OK, ERR_NOMEM, ERR_MALFORMED (no such kind).
int
    views_int_put_body (store_batch_t *batch, store_cf_t cf, const void *key, size_t kl,
                        int kind, const void *body, void **copy);

//  Reads the signed envelope kept under key.  Caller frees.  ERR_OK,
//  ERR_NOT_FOUND, ERR_IO, ERR_CORRUPT.
int
    views_int_get_envelope (views_t *self, const char *key, Lic__Envelope **env);

//  Loads the registry (departments, application bodies, node records)
//  and the origin marks from the store.
int
    views_int_registry_load (views_t *self);

//  Keeps the revocation whose envelope is stored as v (registry
//  `revoked/`), and drops every revocation kept (views_revoke.c).
int
    views_int_revocation_load (views_t *self, const uint8_t *v, size_t vl);
void
    views_int_revocations_purge (views_t *self);

//  Notes that a node record gave `division` signing key `key` (32 bytes),
//  so a revocation of it is known before the record is durable.
void
    views_int_note_key (views_t *self, const char *division, const uint8_t *key);

//  The origin marks (views_origin.c): made empty, loaded from the store.
void
    views_int_origins_init (views_t *self);
int
    views_int_origins_load (views_t *self);

//  The origin_skip entry is stored with: for this node's own entry, the
//  origin seqs since its previous own entry (they went to entries of its
//  children); for any other, entry->origin_skip.
uint64_t
    views_int_origin_skip (views_t *self, const Lic__LogEntry *entry);

//  Notes entry (with its stored origin_skip) as applied: raises the mark
//  and opens the hole below it, or fills the hole it lies in.  ERR_OK,
//  ERR_EXISTS (already applied), ERR_NOMEM.
int
    views_int_origin_note (views_t *self, const Lic__LogEntry *entry);

//  Applies a quarantine decision entry (body a Lic__QuarantineDecision;
//  views_origin.c): the views' column of ENTRY_DECISION.
int
    views_int_apply_decision (views_t *self, store_batch_t *batch, uint64_t gen,
                              const Lic__LogEntry *e, const void *body, char *why,
                              size_t why_size);

//  Loads the latest version of each node's line of each license type.
int
    views_int_catalogue_load (views_t *self);

//  Knows pk as the signing key of node `division`, vouched for by `parent`.
int
    views_int_node_install (views_t *self, const char *division, const uint8_t *pk,
                            const char *parent);

#endif
