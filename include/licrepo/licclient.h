/*  licrepo/licclient.h -- liblicclient: how a departmental system, an
    application body (and licctl) talk to a licnode.  The installed API:
    with licrepo/licrepo.pb-c.h (the message model, generated from
    licrepo.proto) it is all a program needs; build with
    `pkg-config --cflags --libs licclient`.

    One DEALER socket, CURVE-authenticated (the client's own key pair and
    the node's CURVE public key), connected to the node's ROUTER.  Each
    request is one ZeroMQ frame holding a packed lic.Request (version 1,
    an id chosen here), each reply one frame holding a lic.Reply echoing
    that id.  Requests may be pipelined (licclient_send many, then
    licclient_recv); replies are matched to requests by id, so their
    order does not matter.  A node answers a request it cannot decode
    with id 0.

    Return values are transport results: ERR_OK means "the node
    answered", and the node's verdict is then in reply->code (an error
    code too) with a human reply->message.  Each code ERR_X named in
    the comments below is LICCLIENT_ERR_X here, the wire code of
    proto/README.md section 4; licclient_err_str names one.

    Messages: build requests and events with the generated LIC__*__INIT
    macros (the library exports the message descriptors they name); free
    a reply with licclient_reply_free.  The generated functions
    (lic__*__pack, __unpack, __free_unpacked, __init) are declared by the
    generated header but not exported: the library packs and unpacks.

    Not thread-safe: one licclient_t per thread.  czmq installs SIGINT and
    SIGTERM handlers when the first socket is made; an application that
    wants its own should call czmq's zsys_handler_set (NULL) (linking
    libczmq itself) before licclient_open.  Waits interrupted by a signal
    return ERR_CLOSED.
*/
#ifndef LICREPO_LICCLIENT_H
#define LICREPO_LICCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "licrepo.pb-c.h"

//  The library is built with hidden visibility: only what carries
//  LICCLIENT_EXPORT is in its dynamic symbol table.
#if defined (__GNUC__) || defined (__clang__)
#   define LICCLIENT_EXPORT     __attribute__ ((visibility ("default")))
#   define LICCLIENT_MUST_CHECK __attribute__ ((warn_unused_result))
#else
#   define LICCLIENT_EXPORT
#   define LICCLIENT_MUST_CHECK
#endif

//  Error codes: returned by the functions below and carried in
//  Lic__Reply.code.  Codes below 100 are caused by the request (sending
//  it unchanged gets the same answer); from 100, local or node failures
//  (a retry may succeed).  The numbers are the protocol's: never
//  renumbered, only appended.
typedef enum {
    LICCLIENT_ERR_OK = 0,
    LICCLIENT_ERR_MALFORMED = 1,        //  does not decode, or a field is missing
    LICCLIENT_ERR_TOO_LARGE = 2,        //  frame or field over its limit
    LICCLIENT_ERR_VERSION = 3,          //  protocol version not spoken
    LICCLIENT_ERR_UNKNOWN_KEY = 4,      //  signer key not registered
    LICCLIENT_ERR_KEY_REVOKED = 5,      //  signer key revoked
    LICCLIENT_ERR_BAD_SIGNATURE = 6,    //  Ed25519 signature does not verify
    LICCLIENT_ERR_TYPE_NOT_ALLOWED = 7, //  department may not issue this license type
    LICCLIENT_ERR_BAD_LICENSE_ID = 8,   //  license id malformed or wrong check char
    LICCLIENT_ERR_BAD_CREDIT_CODE = 9,  //  unified social credit code malformed
    LICCLIENT_ERR_ILLEGAL_OP = 10,      //  operation not legal in the license's status
    LICCLIENT_ERR_VERSION_MISMATCH = 11,    //  expected_version differs from the license's
    LICCLIENT_ERR_NOT_FOUND = 12,       //  no such license / entry
    LICCLIENT_ERR_EXISTS = 13,          //  license already issued
    LICCLIENT_ERR_FORBIDDEN = 14,       //  caller's key may not make this request
    LICCLIENT_ERR_BAD_FIELD = 15,       //  a field is invalid (date, holder, division...)
    LICCLIENT_ERR_ISSUER_MISMATCH = 16, //  issuer code differs from the signer's department
    LICCLIENT_ERR_BUSY = 17,            //  node overloaded, or no reply in time
    LICCLIENT_ERR_GAP = 18,             //  replication: sequence gap
    LICCLIENT_ERR_DIVERGED = 19,        //  replication: history differs from ours
    LICCLIENT_ERR_CATALOGUE = 20,       //  license breaks its type's data-item standard
    LICCLIENT_ERR_UNKNOWN_TYPE = 21,    //  license type not in the catalogue, or withdrawn
    LICCLIENT_ERR_OUT_OF_SCOPE = 22,    //  license type outside the application body's business
    LICCLIENT_ERR_MATTER = 23,          //  matter outside the application body's scope
    LICCLIENT_ERR_NO_HOLDER = 24,       //  query names no holder
    LICCLIENT_ERR_MISSING_FIELD = 25,   //  query lacks matter, staff, case or purpose
    LICCLIENT_ERR_DISCLOSURE = 26,      //  disclosed value missing, in clear, or not matching its digest
    LICCLIENT_ERR_EXPIRED = 27,         //  archived copy past its expiry
    LICCLIENT_ERR_NODE_KEY_REVOKED = 28,    //  a node's key its parent revoked signed this, after the point
    LICCLIENT_ERR_NO_FILE = 29,         //  the event names a file the node does not hold
    LICCLIENT_ERR_FILE_DIGEST = 30,     //  a file's bytes do not hash to the digest named
    LICCLIENT_ERR_FILE_BUDGET = 31,     //  a department's unreferenced files would go over its budget
    LICCLIENT_ERR_IO = 100,             //  I/O failure (socket, file, the node's storage)
    LICCLIENT_ERR_NOMEM = 101,          //  out of memory
    LICCLIENT_ERR_CORRUPT = 102,        //  stored or checked data does not agree
    LICCLIENT_ERR_CLOSED = 103,         //  interrupted, or the node is shutting down
    LICCLIENT_ERR_NOSPACE = 104,        //  the node's disk is full
    LICCLIENT_ERR_INTERNAL = 105        //  a bug, or libsodium would not initialise
} licclient_err_t;

//  The protocol's name of an error code ("OK", "ERR_MALFORMED", as in
//  proto/README.md section 4), or "ERR_UNKNOWN" for any other value.
//  A constant string: never free it.
LICCLIENT_EXPORT const char *
    licclient_err_str (int code);

typedef struct _licclient_t licclient_t;

#define LICCLIENT_WINDOW_MAX 10000      //  most requests in flight at once
#define LICCLIENT_BLOB_MAX   (192 * 1024)   //  largest blob a node stores
#define LICCLIENT_FRAME_MAX  (256 * 1024)   //  largest request a node accepts
#define LICCLIENT_PROTOCOL_VERSION 1    //  Lic__Event.version to sign
#define LICCLIENT_LICENSE_ID_MAX   75   //  longest bare license id

// ---------------------------------------------------------------------
//  Connection

//  Connects to the node at endpoint ("tcp://host:port") with CURVE keys
//  in Z85 (40 chars each).  Connecting is asynchronous: a node that is
//  down or refuses our key shows up as a timeout on the first receive.
//  ERR_OK (*out set; destroy with licclient_destroy), ERR_MALFORMED (a
//  key is not 40 chars of Z85, or the endpoint is not valid), ERR_IO
//  (socket could not be made), ERR_NOMEM.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_open (licclient_t **out, const char *endpoint,
                    const char *server_curve_pk_z85,
                    const char *client_curve_pk_z85,
                    const char *client_curve_sk_z85);

//  Same, from key files (the JSON files of `licnode init` and `licctl
//  keygen`, deploy/keys.md): node_pub_path is the node's public
//  file ("endpoint" and "curve_public" used), client_key_path a file
//  with secrets (its CURVE pair is used; secrets are wiped after use).
//  ERR_OK, ERR_IO (a file cannot be read), ERR_MALFORMED (a file is not
//  a key file, the node file has no endpoint, the client file has no
//  secrets), and the errors of licclient_open.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_open_files (licclient_t **out, const char *node_pub_path,
                          const char *client_key_path);

//  Closes the socket (lingering at most 100 ms for unsent requests),
//  frees replies not yet collected, and nulls *self_p.  Accepts NULL.
LICCLIENT_EXPORT void
    licclient_destroy (licclient_t **self_p);

// ---------------------------------------------------------------------
//  Requests and replies

//  Sends req without waiting.  Sets req->version to 1 and req->id to the
//  next id (from 1, increasing; never 0), also written to *id_out if not
//  NULL.  ERR_OK, ERR_TOO_LARGE (encoded request over LICCLIENT_FRAME_MAX),
//  ERR_BUSY (LICCLIENT_WINDOW_MAX requests already queued: receive
//  replies first), ERR_CLOSED (interrupted), ERR_IO, ERR_NOMEM.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_send (licclient_t *self, Lic__Request *req, uint64_t *id_out);

//  Waits up to timeout_ms (negative: forever, 0: just look) for the next
//  reply to any request sent, in arrival order.  On ERR_OK the caller
//  owns *reply (free with licclient_reply_free).  ERR_BUSY: no reply within
//  timeout_ms (node down, overloaded, or refusing our CURVE key);
//  ERR_FORBIDDEN: the node refused our CURVE key at the handshake (not
//  registered, or replaced by a newer registration); ZeroMQ keeps
//  retrying, so a later wait succeeds once the key is registered;
//  ERR_CLOSED: interrupted by a signal; ERR_MALFORMED, ERR_TOO_LARGE,
//  ERR_VERSION: a reply frame did not decode (it is dropped); ERR_IO.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_recv (licclient_t *self, Lic__Reply **reply, int timeout_ms);

//  Sends req and waits up to timeout_ms for the reply with its id.
//  Replies to other requests that arrive meanwhile are kept for
//  licclient_recv.  On timeout the request is abandoned: its reply, if
//  it comes later, is dropped.  On ERR_OK the caller owns *reply (free
//  with licclient_reply_free).  Errors as licclient_send and licclient_recv.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_call (licclient_t *self, Lic__Request *req, Lic__Reply **reply,
                    int timeout_ms);

//  Requests sent whose reply has not yet been returned nor abandoned.
LICCLIENT_EXPORT size_t
    licclient_pending (licclient_t *self);

//  Frees a reply returned by any function of this library (and what it
//  holds), and nulls *reply_p.  Accepts NULL and a NULL *reply_p.
LICCLIENT_EXPORT void
    licclient_reply_free (Lic__Reply **reply_p);

// ---------------------------------------------------------------------
//  Publishing

//  Encodes ev (the body a department signs) and signs it with sk.
//  On ERR_OK the caller owns *body (free ()), *body_len bytes, and sig
//  holds the Ed25519 signature.  ERR_VERSION (ev->version is not
//  LICCLIENT_PROTOCOL_VERSION: set it after LIC__EVENT__INIT), ERR_BAD_SIGNATURE (pk is not sk's public key),
//  ERR_TOO_LARGE (body over LICCLIENT_FRAME_MAX), ERR_INTERNAL (libsodium
//  would not initialise), ERR_NOMEM.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_sign (const Lic__Event *ev, const uint8_t sk [64],
                    const uint8_t pk [32], uint8_t **body, size_t *body_len,
                    uint8_t sig [64]);

//  Sends a publish request (Envelope of body, sig and key id pk) without
//  waiting; see licclient_send.  The reply carries a PublishResult.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_send_publish (licclient_t *self, const uint8_t *body,
                            size_t body_len, const uint8_t sig [64],
                            const uint8_t pk [32], uint64_t *id_out);

//  Publishes a signed event and waits for the verdict.  Returns ERR_OK
//  when the node answered: then *code is its error code (ERR_OK: accepted,
//  *seq is the log seq, *duplicate tells it was already stored under
//  that seq) and why (if not NULL) its message, "" on success.  seq and
//  duplicate may be NULL.
//  Otherwise the errors of licclient_call, and *code is left alone.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_publish (licclient_t *self, const uint8_t *body, size_t body_len,
                       const uint8_t sig [64], const uint8_t pk [32],
                       uint64_t *seq, bool *duplicate, int *code,
                       char *why, size_t why_size, int timeout_ms);

// ---------------------------------------------------------------------
//  Sensitive items (proto/README.md section 10)

//  Seals the items of c that t marks personal, commercial or secret:
//  each gets a fresh random 16-byte salt, its value moves into a new
//  Disclosure {name, value, salt}, and the item keeps value "" and
//  digest = BLAKE2b-256 (salt || name || 0x00 || value).  Items already
//  digested, and items t does not mark sensitive, are left alone.  Sign
//  the event after this, then send the disclosures beside it
//  (licclient_publish_disclosed).  c's strings and bytes must be
//  malloc'd (replaced members are freed with free ()).  On ERR_OK the
//  caller owns *out (n_out entries, NULL if none): free it with
//  licclient_disclosures_free.  ERR_NOMEM (c may be half sealed: discard
//  it), ERR_INTERNAL (libsodium would not initialise).
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_seal_items (Lic__LicenseContent *c, const Lic__LicenseType *t,
                          Lic__Disclosure ***out, size_t *n_out);

//  The same with salts derived from salt_key (32 secret bytes of the
//  department, e.g. a hash of its signing key) and context (naming the
//  event: license id, op, expected version), with seal_item_salt: the
//  same event then always seals to the same bytes, so resending a batch
//  is answered "duplicate", while the salts stay unguessable.  salt_key
//  NULL: random salts, as licclient_seal_items.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_seal_items_derived (Lic__LicenseContent *c, const Lic__LicenseType *t,
                                  const uint8_t salt_key [32], const char *context,
                                  Lic__Disclosure ***out, size_t *n_out);

//  Frees n disclosures made by licclient_seal_items and the array, and
//  nulls *list_p.  Accepts NULL.
LICCLIENT_EXPORT void
    licclient_disclosures_free (Lic__Disclosure ***list_p, size_t n);

//  licclient_send_publish with the values of the body's digested items
//  beside it (borrowed for the call; n_disclosures 0 is a plain publish).
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_send_publish_disclosed (licclient_t *self, const uint8_t *body,
                                      size_t body_len, const uint8_t sig [64],
                                      const uint8_t pk [32],
                                      Lic__Disclosure *const *disclosures,
                                      size_t n_disclosures, uint64_t *id_out);

//  licclient_publish with disclosures beside the body, as above.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_publish_disclosed (licclient_t *self, const uint8_t *body,
                                 size_t body_len, const uint8_t sig [64],
                                 const uint8_t pk [32],
                                 Lic__Disclosure *const *disclosures,
                                 size_t n_disclosures, uint64_t *seq,
                                 bool *duplicate, int *code, char *why,
                                 size_t why_size, int timeout_ms);

// ---------------------------------------------------------------------
//  Coalescing of single publishes

//  With on, licclient_send_publish and licclient_send_publish_disclosed
//  no longer send a frame each: the event joins an open PublishBatch
//  (proto/README.md section 3), which goes as one frame when it holds
//  LICCLIENT_BATCH_MAX events or the next would pass LICCLIENT_FRAME_MAX,
//  before any other request is sent, whenever the client is about to
//  wait for a reply (licclient_recv, licclient_call and the
//  calls built on them), at licclient_flush and at licclient_destroy.
//  Nothing else changes for the caller: each event keeps its own id and
//  is answered by its own reply, code, message and PublishResult as a
//  single publish of it is (the node checks each event of a batch as it
//  would alone, in order); a batch refused whole answers each of its
//  events with that refusal.  One frame, one CURVE message and one reply
//  per batch instead of per event: a publisher with many events in
//  flight costs the node less per event (README, Benchmarks).  An event
//  too large to share a frame goes alone.  Off by default: a caller that
//  sends and then does other work before it waits delays its events
//  until then, unless it flushes.  Turning it off flushes.  ERR_OK, or
//  the errors of licclient_flush.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_coalesce (licclient_t *self, bool on);

//  Sends the open batch of coalesced publishes now, if there is one.
//  ERR_OK; ERR_BUSY (the socket's queue is full), ERR_CLOSED
//  (interrupted), ERR_IO, ERR_NOMEM: the batch stays open, its events
//  keep their ids, and it goes at the next flush.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_flush (licclient_t *self);

// ---------------------------------------------------------------------
//  Many events in one request (proto/README.md section 3)

#define LICCLIENT_BATCH_MAX 256         //  most events in one batch

//  One signed event of a batch: its body, signature, signer's key and
//  the disclosures beside it (all borrowed for the call).
typedef struct {
    const uint8_t *body;
    size_t body_len;
    const uint8_t *sig;                 //  64 bytes
    const uint8_t *pk;                  //  32 bytes
    Lic__Disclosure *const *disclosures;    //  NULL if none
    size_t n_disclosures;
} licclient_event_t;

//  What became of one event of a batch: code ERR_OK with seq (duplicate:
//  stored before, seq the first one) and the license version after it,
//  or the node's refusal with its message.
typedef struct {
    int code;
    uint64_t seq;
    bool duplicate;
    uint32_t license_version;
    char message [320];
} licclient_result_t;

//  Sends the n events (1..LICCLIENT_BATCH_MAX) as one PublishBatch
//  without waiting; see licclient_send.  The reply carries a
//  PublishBatchResult (reply->published_batch) with one result per event,
//  in order, when reply->code is ERR_OK; any other reply->code refused
//  the batch whole (nothing of it stored).  ERR_TOO_LARGE also when n
//  is over LICCLIENT_BATCH_MAX or the frame over LICCLIENT_FRAME_MAX
//  (send fewer), ERR_MALFORMED when n is 0.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_send_publish_batch (licclient_t *self, const licclient_event_t *events,
                                  size_t n, uint64_t *id_out);

//  Fills results [0..n) from the reply to a batch of n events sent with
//  licclient_send_publish_batch: each event's own answer, or, for a batch
//  refused whole, the refusal's code and message in every result.
//  ERR_OK, or ERR_MALFORMED (an accepted reply without n results).
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_batch_results (const Lic__Reply *reply, size_t n, licclient_result_t *results);

//  Publishes the n events in one request and waits for the verdicts:
//  ERR_OK when the node answered, with results [i] the answer to
//  events [i] (the batch's refusal in each if it was refused whole);
//  sending the same batch again is safe (duplicates answer with their
//  seq).  Otherwise the errors of licclient_send_publish_batch and
//  licclient_call, and results are left alone.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_publish_batch (licclient_t *self, const licclient_event_t *events, size_t n,
                             licclient_result_t *results, int timeout_ms);

// ---------------------------------------------------------------------
//  Queries and administration: each sends one request and waits for its
//  reply.  ERR_OK when the node answered: the caller owns *reply (free
//  with licclient_reply_free) and must look at (*reply)->code first; the
//  body case named is set only when code is ERR_OK.  Other returns as
//  licclient_call.

//  A license (bare or printed id) -> reply->license (LicenseRecord);
//  with_history adds its log entries.  Node code ERR_NOT_FOUND if absent.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_get (licclient_t *self, const char *license_id,
                   bool with_history, Lic__Reply **reply, int timeout_ms);

//  Licenses of a holder -> reply->found.  holder_id_type may be NULL
//  (any type); limit 0 lets the node choose (1000).
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_find (licclient_t *self, const char *holder_id_type,
                    const char *holder_id, uint32_t limit,
                    Lic__Reply **reply, int timeout_ms);

//  The node's status -> reply->status.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_status (licclient_t *self, Lic__Reply **reply, int timeout_ms);

//  Registers or replaces a department (admin key only) -> reply->registered.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_register (licclient_t *self, const Lic__Department *dept,
                        Lic__Reply **reply, int timeout_ms);

//  Log entries from from_seq, at most limit (node caps it) -> reply->entries.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_log (licclient_t *self, uint64_t from_seq, uint32_t limit,
                   Lic__Reply **reply, int timeout_ms);

//  Digests of the license view (admin key only) -> reply->digest: the
//  total first (division ""), then one entry per origin division, sorted.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_digest (licclient_t *self, Lic__Reply **reply, int timeout_ms);

//  RFC 9162 proofs over the node's own log (admin key only) ->
//  reply->proof: inclusion of the entry with log seq `seq` (0: none) and
//  consistency from tree size old_size (0: none) to tree size `size`
//  (0: the node's latest checkpoint, whose note then comes along).  Node
//  code ERR_BAD_FIELD when a seq or size is out of range.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_prove (licclient_t *self, uint64_t seq, uint64_t old_size,
                     uint64_t size, Lic__Reply **reply, int timeout_ms);

// ---------------------------------------------------------------------
//  Sharing within scope (proto/README.md section 11)

//  A query by an application body (connected with its registered CURVE
//  key) -> reply->query (QueryResult: licenses as the body may see them,
//  the seq of the audit record, and for QUERY_COPY the copy's bytes).
//  Node codes: ERR_FORBIDDEN (not a registered body), ERR_MISSING_FIELD,
//  ERR_NO_HOLDER, ERR_MATTER, ERR_OUT_OF_SCOPE, ERR_BAD_LICENSE_ID,
//  ERR_NOT_FOUND, ERR_BAD_FIELD.  q is borrowed for the call.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_query (licclient_t *self, const Lic__QueryRequest *q,
                     Lic__Reply **reply, int timeout_ms);

//  The audit log (admin key) -> reply->audit, filtered by a's members.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_audit (licclient_t *self, const Lic__AuditRequest *a,
                     Lic__Reply **reply, int timeout_ms);

//  Registers or replaces an application body (admin key) ->
//  reply->app_body (seq); with add NULL lists the bodies registered at
//  the node (reply->app_body->bodies).
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_app_body (licclient_t *self, const Lic__AppBody *add,
                        Lic__Reply **reply, int timeout_ms);

//  What an archived copy states, once checked.
typedef struct {
    char license_id [LICCLIENT_LICENSE_ID_MAX + 1];  //  bare form, as parsed
    Lic__Status status;             //  effective status as of `at`
    uint32_t version;
    bool pledged;
    int64_t at;                     //  when the node made the copy
    int64_t expires_at;
    char maker_code [32];           //  the application body
    char maker_name [256];
    char staff_id [160];
    char matter_code [160];
    char case_number [160];
    char purpose [160];
    char division [16];             //  node that made it
    char issuer [32];               //  department credit code
    char department [256];
    char type_name [256];           //  license type, from the catalogue entry
    uint32_t type_version;
    size_t events;                  //  signed events checked
    size_t disclosed;               //  disclosed values checked against their digests
    size_t masked;                  //  sensitive items of the content not disclosed
    bool has_file;                  //  its content names a license file (OFD/PDF)
    uint8_t file_digest [32];       //  that file's SHA-256, as the department signed it:
                                    //  a file kept with the copy must hash to it
} licclient_copy_t;

//  Checks an archived copy offline (no node needed): the node's signed
//  statement, the chain of node records from its key (and the keys that
//  signed the department registration and the catalogue entry) to one
//  of the n_trust trusted Ed25519 keys, each event's department
//  signature, their lifecycle up to the stated status and version, each
//  disclosed value against its signed digest, that the file is byte for
//  byte the canonical encoding of what it holds, and that `now` (unix
//  seconds) is before its expiry.  ERR_OK with *out filled; else
//  ERR_MALFORMED, ERR_BAD_SIGNATURE, ERR_UNKNOWN_KEY (no chain to a
//  trusted key), ERR_CORRUPT (content and statement disagree),
//  ERR_TYPE_NOT_ALLOWED, ERR_BAD_LICENSE_ID, ERR_DISCLOSURE, ERR_EXPIRED
//  (*out filled too), ERR_NOMEM; why says which part failed.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_verify_copy (const uint8_t *file, size_t len, const uint8_t (*trust) [32],
                           size_t n_trust, int64_t now, licclient_copy_t *out,
                           char *why, size_t why_size);

// ---------------------------------------------------------------------
//  Catalogue, blobs, reports (proto/README.md section 9)

//  Any catalogue request -> reply->catalogue (CatalogueResult), the
//  request borrowed for the call:
//    add set (admin key): adds the type, or a new version of it; the node
//      assigns version, division and at; result: types[0] as stored, seq
//      of its log entry.  Node codes ERR_BAD_FIELD (the standard does not
//      make sense: why in the message), ERR_FORBIDDEN.
//    type_code set: types[0] is that type's latest version; with history,
//      types holds every version, oldest first.  ERR_UNKNOWN_TYPE if the
//      catalogue has no such type.
//    neither: types holds the latest version of every type.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_catalogue (licclient_t *self, const Lic__CatalogueRequest *req,
                         Lic__Reply **reply, int timeout_ms);

//  Stores len bytes at the node (admin key) -> reply->blob whose digest is
//  their BLAKE2b-256, the blob's address; storing the same bytes again is
//  harmless.  The node refuses a blob over LICCLIENT_BLOB_MAX with
//  ERR_TOO_LARGE (its code, not checked here); one whose request would
//  not fit a frame (LICCLIENT_FRAME_MAX) is ERR_TOO_LARGE from licclient_send
//  and never sent.  data is borrowed for the call.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_blob_put (licclient_t *self, const uint8_t *data, size_t len,
                        Lic__Reply **reply, int timeout_ms);

//  Fetches the blob with this BLAKE2b-256 digest -> reply->blob (digest
//  and data).  Node code ERR_NOT_FOUND if it holds no such blob.  The
//  caller should check that data hashes to digest (content addressing
//  lets it trust no one).
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_blob_get (licclient_t *self, const uint8_t digest [32],
                        Lic__Reply **reply, int timeout_ms);

// ---------------------------------------------------------------------
//  License files (proto/README.md section 12): the OFD or PDF a license
//  is, named in its event by content.file_digest (SHA-256).  Put it
//  before the event that names it; the node refuses such an event
//  (LICCLIENT_ERR_NO_FILE) until it holds the file.

#define LICCLIENT_FILE_MAX   (16u << 20)    //  largest file a node stores (16 MiB)
#define LICCLIENT_FILE_CHUNK (128u << 10)   //  bytes of one put or read
#define LICCLIENT_FILE_WINDOW 4             //  chunks of a put in flight at once (512 KiB)

//  Puts a file of len bytes (1..LICCLIENT_FILE_MAX): writes its SHA-256
//  into digest (what content.file_digest must carry), asks the node how
//  far an upload of it stands, and sends the rest a chunk at a time (an
//  upload cut off resumes; a file the node holds already is not sent
//  again), up to LICCLIENT_FILE_WINDOW chunks in flight when no other
//  request of the caller is (else one at a time).  ERR_OK when the node
//  answered every chunk: *code is its code
//  (ERR_OK: the node holds the file, verified; ERR_FILE_DIGEST,
//  ERR_TOO_LARGE, ERR_NOSPACE, ...) and why its message.  Other returns
//  as licclient_call.  data is borrowed for the call.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_file_put (licclient_t *self, const uint8_t *data, size_t len,
                        uint8_t digest [32], int *code, char *why, size_t why_size,
                        int timeout_ms);

//  How a file stands at the node -> reply->file (present, total, received;
//  received 0 and present false if nothing of it is there).
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_file_status (licclient_t *self, const uint8_t digest [32],
                           Lic__Reply **reply, int timeout_ms);

//  Reads at most length bytes (0: a chunk, LICCLIENT_FILE_CHUNK) of a
//  held file from offset (operator key) -> reply->file (offset, data,
//  total); data is empty at the end.  Node code ERR_NOT_FOUND if it does
//  not hold the file.  Check what you assemble against the digest.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_file_read (licclient_t *self, const uint8_t digest [32], uint64_t offset,
                         uint32_t length, Lic__Reply **reply, int timeout_ms);

//  A report of the node's views -> reply->report (ReportResult).  kind:
//  "lateness" (rows per issuer and day: events completed that day, how
//  many were released after it, the worst delay).  limit 0 lets the node
//  choose.  Node code ERR_BAD_FIELD for an unknown kind.
LICCLIENT_EXPORT int LICCLIENT_MUST_CHECK
    licclient_report (licclient_t *self, const char *kind, uint32_t limit,
                      Lic__Reply **reply, int timeout_ms);

#endif
