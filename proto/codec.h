/*  codec.h -- frames to messages and back.  The only module that calls
    protobuf-c: every decode is bounded by CODEC_FRAME_MAX before
    unpacking, and top-level messages must carry CODEC_VERSION.

    Decoded messages are the caller's: free them with the matching
    codec_*_free.  Encoded buffers are malloc'd: the caller frees them.
*/
#ifndef LICREPO_CODEC_H
#define LICREPO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/err.h"
#include "proto/msg.h"

#define CODEC_VERSION    1
#define CODEC_FRAME_MAX  (256 * 1024)   //  largest client frame a node accepts
#define CODEC_REPL_MAX   (4 * 1024 * 1024)   //  largest replication frame
#define CODEC_PUBLISH_BATCH_MAX 256     //  events in one PublishBatch (proto/README.md section 3)

//  The entry limit.  A log entry wraps one envelope of at most
//  CODEC_FRAME_MAX bytes (it came in a frame, or the node built it) in
//  LogEntry's own fields, whose encoding is at most 49 bytes whatever
//  their values: version (2), seq (11), origin_division of 6 digits (8),
//  origin_seq (11), kind (2), received_at (11), the envelope's tag and
//  length (4).  CODEC_ENTRY_OVERHEAD rounds that up.  Every reader of
//  stored or replicated entries decodes with CODEC_ENTRY_MAX, and publish
//  refuses an envelope that would not leave CODEC_ENTRY_OVERHEAD bytes
//  (codec_envelope_fits), so an entry a node stores fits every level
//  above it, whatever seq it gets there.
#define CODEC_ENTRY_OVERHEAD 64
#define CODEC_ENTRY_MAX  (CODEC_FRAME_MAX + CODEC_ENTRY_OVERHEAD)

//  The decode budget (README "Bounded resources").  protobuf-c unpacks through
//  an allocator that counts the live bytes of the decode (each block's
//  usable size plus CODEC_ALLOC_OVERHEAD) and refuses past the budget
//  (ERR_TOO_LARGE), so no frame costs more than its budget in memory at
//  any moment, however many empty repeated elements it packs (2 bytes
//  each on the wire, 60 to 100 bytes each unpacked).  The budget is
//  CODEC_DECODE_FACTOR times the frame plus CODEC_DECODE_SLACK: 5 MiB
//  for a 256 KiB request, 9 MiB for a reply, 65 MiB for a replication
//  frame.  Legitimate messages take well under it: the densest, a
//  catalogue type of 256 enums filling a frame with 2-byte values, peaks
//  at 12 times its size (3 MiB); a log reply of small entries at 2 times;
//  the 131,000 empty disclosures of the finding would take 56 times.  An event body has its own, tighter budget: at most
//  256 items (EVCHECK_ITEMS_MAX), strings of at most 4 KiB, so twice its
//  size plus 64 KiB (256 one-letter items unpack into about 42 KiB, the
//  scratch of the scan included); the pipeline charges each event in
//  flight that much until it is decoded (node/pipeline/ingest.h).
#define CODEC_ALLOC_OVERHEAD 16
#define CODEC_DECODE_FACTOR  16
#define CODEC_DECODE_SLACK   (1024 * 1024)
#define CODEC_EVENT_FACTOR   2
#define CODEC_EVENT_SLACK    (64 * 1024)

//  Largest reply a client decodes: a node puts at most 3/4 of
//  CODEC_FRAME_MAX of entries or records in one reply, and always at
//  least one whole entry, so a reply is below two entry limits.
#define CODEC_REPLY_MAX  (2 * CODEC_ENTRY_MAX)

//  For each message M below:
//    int  codec_M_decode (const uint8_t *buf, size_t size, T **out);
//        ERR_OK, ERR_TOO_LARGE (size > CODEC_FRAME_MAX; CODEC_ENTRY_MAX for
//        entries, CODEC_REPLY_MAX for replies, CODEC_REPL_MAX for repl),
//        ERR_MALFORMED (does not unpack, or a top-level message without a
//        version, or -- for entries and the node-signed bodies
//        registration, node_record, license_type, app_body_registration,
//        audit_record -- a field licrepo.proto does not name anywhere in
//        it: see codec_known_fields),
//        ERR_VERSION (top-level message of another version), ERR_NOMEM,
//        ERR_TOO_LARGE too when it would unpack into more than its decode
//        budget (codec_decode_budget; codec_event_budget for events).
//        *out is set only on ERR_OK.
//    int  codec_M_encode (const T *msg, uint8_t **buf, size_t *size);
//        ERR_OK or ERR_NOMEM.
//    void codec_M_free (T **msg_p);   accepts NULL, nulls the pointer
#define CODEC_DECLARE(name, T) \
    int MUST_CHECK codec_##name##_decode (const uint8_t *buf, size_t size, T **out); \
    int MUST_CHECK codec_##name##_encode (const T *msg, uint8_t **buf, size_t *size); \
    void codec_##name##_free (T **msg_p);

CODEC_DECLARE (request, Lic__Request)
CODEC_DECLARE (reply, Lic__Reply)
CODEC_DECLARE (event, Lic__Event)
CODEC_DECLARE (envelope, Lic__Envelope)
CODEC_DECLARE (registration, Lic__Registration)
CODEC_DECLARE (entry, Lic__LogEntry)
CODEC_DECLARE (state, Lic__LicenseState)
CODEC_DECLARE (department, Lic__Department)
CODEC_DECLARE (repl, Lic__Repl)
CODEC_DECLARE (node_record, Lic__NodeRecord)
CODEC_DECLARE (license_type, Lic__LicenseType)
CODEC_DECLARE (app_body_registration, Lic__AppBodyRegistration)
CODEC_DECLARE (audit_record, Lic__AuditRecord)
CODEC_DECLARE (node_summary, Lic__NodeSummary)
CODEC_DECLARE (copy_content, Lic__CopyContent)
CODEC_DECLARE (copy_statement, Lic__CopyStatement)
CODEC_DECLARE (license_copy, Lic__LicenseCopy)
CODEC_DECLARE (quarantine_decision, Lic__QuarantineDecision)

//  An event decoded into one arena: the same frame limit, budget
//  (codec_event_budget: refused ERR_TOO_LARGE before it allocates more)
//  and codes as codec_event_decode, but the message lives in a few
//  malloc'd chunks that codec_event_free releases without walking it.
//  The message is read-only as a whole: free, replace (codec_set_string)
//  or take none of its members, and attach no malloc'd ones: they would
//  be freed twice or never.  For the node's own reads of an event (the
//  verifier's decode and what the pipeline does with it until it frees
//  it); codec_event_decode is for messages to change.  codec_event_free
//  and codec_heap tell the two apart (codec_heap of an arena event is its
//  chunks' charge, without a walk).
int MUST_CHECK
    codec_event_decode_arena (const uint8_t *buf, size_t size, Lic__Event **out);

//  The one rule on unknown fields: a message that is signed or stored
//  carries only the fields licrepo.proto names.  protobuf-c keeps the
//  others (base.n_unknown_fields) and packs them again, so they would
//  travel and be stored as unchecked payload.  Walks m and every message
//  inside it; ERR_OK, or ERR_MALFORMED with why naming the message and
//  the field number ("Event.content.holder carries unknown field 99").
//  Called by evcheck on events and envelopes, by the server on every
//  request, and by the strict decoders above.
int MUST_CHECK
    codec_known_fields (const ProtobufCMessage *m, char *why, size_t why_size);

//  The one rule on strings (proto/text.h): every string field of m
//  and of every message inside it (repeated ones included, oneofs when
//  set) is text of at most max_bytes bytes (text_check, proto/text.h).
//  One walk over the descriptors, so a field added to licrepo.proto is
//  checked without a list to keep up to date.  ERR_OK, ERR_TOO_LARGE
//  (a string over max_bytes) or ERR_BAD_FIELD (not UTF-8 text), with why
//  naming the field ("Event.content.holder.name is not UTF-8 text ..."),
//  never its value.  Called at every door: evcheck on events and their
//  envelopes, the server on every request, the query module on queries.
int MUST_CHECK
    codec_check_text (const ProtobufCMessage *m, size_t max_bytes, char *why, size_t why_size);

//  The same walk for a check that judges the text of every string first
//  and their lengths later (evcheck_event, whose order evcheck.h gives):
//  ERR_OK or ERR_BAD_FIELD exactly as codec_check_text (m, SIZE_MAX)
//  would return them, and *over set to true if it met a string longer
//  than max_bytes (left as it is otherwise; on ERR_BAD_FIELD the walk
//  stopped there and strings after it are not looked at).  Only then
//  need codec_check_text (m, max_bytes) walk again to name the first.
int MUST_CHECK
    codec_check_text_over (const ProtobufCMessage *m, size_t max_bytes, bool *over,
                           char *why, size_t why_size);

//  The text rule on a body of message d (at most CODEC_ENTRY_MAX bytes),
//  unpacked within the decode budget: every string UTF-8 text
//  (codec_check_text).  Which bodies it applies to is the entry-kind
//  table's (entrykind_text, proto/entrykind.h).  ERR_OK, ERR_BAD_FIELD
//  with why naming the field, ERR_TOO_LARGE, ERR_MALFORMED (the body
//  does not unpack as d), ERR_NOMEM.
int MUST_CHECK
    codec_body_text (const ProtobufCMessageDescriptor *d, const ProtobufCBinaryData *body,
                     char *why, size_t why_size);

//  Whether an envelope (as it will be stored: without secret disclosures)
//  leaves room for its log entry under CODEC_ENTRY_MAX at every level.
//  ERR_OK or ERR_TOO_LARGE with why giving the sizes.
int MUST_CHECK
    codec_envelope_fits (const Lic__Envelope *env, char *why, size_t why_size);

//  The Merkle leaf data of a log entry (proto/FORMAT.md, schema 2): the
//  entry encoded without its envelope's disclosures.  The salted digests
//  in the signed body already bind every disclosed value, so the leaf
//  commits to them, and a proof handed to anyone discloses nothing that
//  selective disclosure withholds.  If the envelope has no disclosures
//  the leaf data is the entry's stored bytes, and *leaf is set to NULL
//  (hash `stored` then).  Else *leaf is malloc'd (caller frees).
//  ERR_OK or ERR_NOMEM.
int MUST_CHECK
    codec_entry_leaf (const Lic__LogEntry *entry, uint8_t **leaf, size_t *len);

//  The budgets of a decode of size bytes (above): what it may allocate.
size_t codec_decode_budget (size_t size);
size_t codec_event_budget (size_t size);

//  The heap m holds if protobuf-c unpacked it: every struct, array,
//  string and bytes member, each charged as the decode budget charges it
//  (its size plus CODEC_ALLOC_OVERHEAD); of an arena event
//  (codec_event_decode_arena), its chunks as the budget charged them.
//  What the pipeline counts of the requests and entries it holds
//  (node/pipeline/ingest.h).
size_t codec_heap (const ProtobufCMessage *m);

//  Replaces a string member of a decoded (or malloc-built) message by a
//  copy of value, freeing the old one.  ERR_OK or ERR_NOMEM.
int MUST_CHECK codec_set_string (char **field, const char *value);

//  Packed size of a reply (to bound the answers held in memory).
size_t codec_reply_size (const Lic__Reply *reply);

//  Packed size of a license record (to bound replies).
size_t codec_record_size (const Lic__LicenseRecord *rec);

//  The id of a request frame that codec_request_decode refused (another
//  version, no version, a nested message that does not unpack, over its
//  decode budget), read from its top-level fields without unpacking
//  anything, so that the refusal carries the id the client is waiting
//  for.  0 when the top level itself does not parse as protobuf wire
//  format, or the frame is over CODEC_FRAME_MAX.
uint64_t codec_request_id (const uint8_t *buf, size_t size);

//  Single publishes coalesced into one PublishBatch request (the client
//  library's coalescing, licclient_coalesce), built one event at a time
//  without a message to pack.  codec_batch_add appends env as one element
//  of PublishBatch.events (its field's tag, length and packed bytes) at
//  items [*len], if that stays within cap: ERR_OK, or ERR_TOO_LARGE with
//  nothing written.  codec_batch_head writes before them the head of the
//  request frame (version, id and the publish_batch field's tag and
//  length of len bytes of elements) into head, at most
//  CODEC_BATCH_HEAD_MAX bytes, and returns its length.  Head then elements
//  are the bytes codec_request_encode makes of that Request (test codec).
#define CODEC_BATCH_HEAD_MAX 24
int MUST_CHECK
    codec_batch_add (const Lic__Envelope *env, uint8_t *items, size_t *len, size_t cap);
size_t
    codec_batch_head (uint64_t id, size_t len, uint8_t head [CODEC_BATCH_HEAD_MAX]);

//  Writes v as a protobuf varint (at most 10 bytes) at buf [*at] and
//  moves *at past it.
void codec_put_varint (uint8_t *buf, size_t *at, uint64_t v);

//  Initialisers, so callers need not know the generated macro names.
void codec_request_init (Lic__Request *m);
void codec_reply_init (Lic__Reply *m);
void codec_event_init (Lic__Event *m);
void codec_envelope_init (Lic__Envelope *m);
void codec_registration_init (Lic__Registration *m);
void codec_entry_init (Lic__LogEntry *m);
void codec_state_init (Lic__LicenseState *m);
void codec_department_init (Lic__Department *m);
void codec_repl_init (Lic__Repl *m);
void codec_node_record_init (Lic__NodeRecord *m);
void codec_node_summary_init (Lic__NodeSummary *m);
void codec_license_type_init (Lic__LicenseType *m);
void codec_content_init (Lic__LicenseContent *m);
void codec_holder_init (Lic__Holder *m);
void codec_item_init (Lic__DataItem *m);
void codec_app_body_registration_init (Lic__AppBodyRegistration *m);
void codec_audit_record_init (Lic__AuditRecord *m);
void codec_copy_content_init (Lic__CopyContent *m);
void codec_copy_statement_init (Lic__CopyStatement *m);
void codec_license_copy_init (Lic__LicenseCopy *m);

#endif
