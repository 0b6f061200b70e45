/*  licjson.h -- license events, license types and views as JSON, for
    licctl and for departmental systems that export their day's work as
    JSON lines.

    Event JSON (one object; one per line in a .jsonl file):

      { "op": "issue",
        "license_id": "<bare or printed id>",
        "expected_version": 0,
        "issuer_code": "<department credit code>",
        "completed_at": "2026-11-27T10:00:00+08:00",
        "license": {
            "name": "营业执照",
            "holder": { "id_type": "001", "id": "...", "name": "..." },
            "issue_date": "YYYY-MM-DD",
            "valid_from": "YYYY-MM-DD",
            "valid_to": "YYYY-MM-DD" or null (open-ended),
            "division_code": "330106",
            "service_item_code": "...",
            "items": { "<item name>": "<value>", ... },
            "seal_info": "...",
            "file_digest": "<64 hex digits, SHA-256 of the OFD/PDF>",
            "predecessor_id": "<bare or printed id>" },
        "valid_to": "YYYY-MM-DD",
        "note": "..." }

    op: issue, alter, annual_inspection, extend, suspend, reinstate,
        withdraw, revoke, cancel, transfer_out, pledge, pledge_release.
    Required: op, license_id.  Everything else is optional and defaults
    to empty / 0; "license" belongs to issue and alter, the top-level
    "valid_to" to extend (the node checks which op needs what).
    completed_at: RFC 3339 "YYYY-MM-DDTHH:MM:SS" followed by "Z" or
        "+HH:MM"/"-HH:MM" (the offset is required), or integer unix seconds.
    license_id, predecessor_id: the "1.2.156.3005.2." prefix and every
        dot are removed, so printed and bare forms give the same bytes.
    items: values must be strings; they are stored sorted by name (byte
        order).  Hence the same JSON line always encodes to byte-identical
        Event bytes, whatever its key order: re-publishing a file is
        idempotent.
    Unknown keys (at any level), duplicate keys and wrong JSON types are
    errors; null is accepted wherever an optional member is.

    License type JSON (licctl catalogue add; one object per file): the
    data-item standard of one license type (proto/README.md section 9):

      { "type_code": "<21 chars: defining body's credit code + 3 digits>",
        "name": "营业执照",
        "defining_body": "<credit code>",
        "items": [
            { "name": "registered_capital", "label": "注册资本",
              "kind": "string", "required": true, "max_length": 50,
              "min": "", "max": "", "values": [],
              "sensitivity": "public" }, ... ],
        "validity": { "term_months": 0, "open_ended": false,
                      "annual_inspection": true,
                      "inspection_window_days": 90 },
        "template": "<64 hex digits: BLAKE2b-256 of a blob>",
        "sample": "...", "seal": "...",
        "withdrawn": false, "file_required": false }

    Required: type_code, name; each item's name and kind.  Everything
    else is optional and defaults to empty / 0 / false; defining_body
    defaults to the first 18 characters of type_code, sensitivity to
    "public".  items keep their order (the order the standard lists them).
    kind: string, integer, decimal, date (YYYY-MM-DD), enum (one of
        "values"), boolean ("true"/"false").
    sensitivity: public, internal, personal, commercial, secret.
    max_length counts characters (code points), 0 = no limit; min and max
        are strings ("0", "2026-01-01"), "" = no bound.
    validity: term_months > 0 fixes valid_to (valid_from + term - 1 day);
        open_ended forbids a valid_to; neither lets the license say;
        annual_inspection asks for one within inspection_window_days after
        each anniversary of the issue date.
    template, sample, seal: digests of blobs stored first (licctl blob put);
        "" or null for none.
    file_required: an issue or alter of the type must name its license
        file (content.file_digest; proto/README.md section 12).
    version, division and at are set by the node: output carries them,
    input must not (ERR_BAD_FIELD).  Unknown keys, duplicate keys and
    wrong JSON types are errors, as for events.  licjson checks the form
    only; the node checks the standard itself (catalogue_check_type).

    Output (licjson_*_to_json) uses the same member names; times are unix
    seconds, binary keys and digests lower-case hex, CURVE keys Z85.
    licjson does not check license semantics (dates, codes, lifecycle):
    the node does, and its verdict is the one that counts.
*/
#ifndef LICREPO_LICJSON_H
#define LICREPO_LICJSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/err.h"
#include "proto/msg.h"

//  Parses one event JSON text (NUL-terminated) into *out.
//  Returns ERR_OK, ERR_MALFORMED (not JSON, not an object, unknown or
//  duplicate key, wrong type, missing op or license_id), ERR_BAD_FIELD
//  (unknown op, bad completed_at, digest not 64 hex digits, number out
//  of range), ERR_BAD_LICENSE_ID (id longer than any license id),
//  ERR_TOO_LARGE (event over CODEC_FRAME_MAX), ERR_NOMEM.
//  On error writes a human explanation naming the member into why (if
//  not NULL) and leaves *out untouched.  On ERR_OK the caller owns *out:
//  free it with codec_event_free.
int MUST_CHECK
    licjson_event_from_json (const char *line, Lic__Event **out,
                             char *why, size_t why_size);

//  The event as a JSON object in the input format above (completed_at
//  as unix seconds); licjson_event_from_json of its dump gives the same
//  bytes.  Caller owns the result (json_decref); NULL if out of memory.
json_t *
    licjson_event_to_json (const Lic__Event *ev);

//  A license record: license_id, status ("01".."99"), status_name,
//  effective_status, effective_status_name, pledged, version,
//  issuer_code, last_seq, updated_at, origin_division, note,
//  catalogue_version (of its type's standard it was checked against, 0
//  if none), last_inspection (YYYY-MM-DD, null if none),
//  inspection_overdue (true or false), license
//  (content, items as an object; an item signed as a salted digest
//  shows as {"digest": "<hex>"}, proto/README.md section 10), successors
//  (when rec carries any: the bare ids of the licenses that name it as
//  their predecessor, at most 16, and successors_more: true when there
//  are others), and history (when rec carries it):
//  [{seq, origin_division, origin_seq, op, expected_version,
//  completed_at, received_at, note}] from each entry's signed Event.
//  Caller owns the result; NULL if out of memory.
json_t *
    licjson_state_to_json (const Lic__LicenseRecord *rec);

//  Node status: division, head_seq, head_root (hex, null if not sent),
//  sign_key (hex), curve_key (Z85), checkpoint and receipt (signed note
//  texts, "" if none), uplink {state, parent_division, acked_seq,
//  lag_entries, lag_seconds, error}, children [{division, connected,
//  acked_seq, child_head, lag_entries (child_head - acked_seq, plus
//  held), held (its entries held here), lag_seconds, last_contact (unix
//  seconds, 0 = never), last_contact_age (seconds before now; null if
//  never, or if no int64 holds it), checkpoint_size}], subtree [{...,
//  lag_entries (its uplink lag plus held_above), held_above (its entries
//  held here or between)}], quarantined, held_by_origin {origin:
//  entries}, held_partial,
//  published, applied, rejected, duplicates, departments, licenses,
//  catalogue_types, inspections_overdue, started_at.  Caller owns the
//  result; NULL if out of memory.
json_t *
    licjson_status_to_json (const Lic__NodeStatus *st);

//  License digests: {"total": {licenses, digest}, "divisions":
//  {"<origin division>": {licenses, digest}, ...}}, digests in hex.
//  Caller owns the result; NULL if out of memory.
json_t *
    licjson_digest_to_json (const Lic__DigestResult *d);

//  A self-contained proof document, what licctl prove writes and
//  licctl verify-proof reads:
//    { "origin": "licrepo/<division>" (the log's checkpoint origin),
//      "checkpoint": the signed note the proof is against, "" if the
//          tree size is not the checkpoint's,
//      "size": tree size, "root": its Merkle root (hex),
//      "leaf_index": leaf (entry seq - 1), "leaf": the LogEntry bytes as
//          stored (hex), "inclusion": [hex hashes, leaf side first],
//      "old_size": older tree size, "old_root": its root (hex),
//      "consistency": [hex hashes] }
//  leaf_index and leaf are null without an inclusion proof (p->leaf
//  empty), old_root null without a consistency proof (old_size 0).
//  Caller owns the result; NULL if out of memory.
json_t *
    licjson_proof_to_json (const Lic__ProofResult *p, const char *origin);

//  One log entry: seq, origin_division, origin_seq, kind ("event",
//  "registration", "catalogue"), received_at, key_id, signature, and the
//  decoded body as "event" (input format), "registration" ({division,
//  at, department}) or "license_type" (licjson_type_to_json);
//  "body_error" instead if the body does not decode.
//  Caller owns the result; NULL if out of memory.
json_t *
    licjson_entry_to_json (const Lic__LogEntry *entry);

//  Parses one license type JSON text (NUL-terminated, format above)
//  into *out.  Returns ERR_OK, ERR_MALFORMED (not JSON, not an object,
//  unknown or duplicate key, wrong type, missing type_code, name or an
//  item's name or kind), ERR_BAD_FIELD (version, division or at given;
//  unknown kind or sensitivity; digest not 64 hex digits; number out of
//  range), ERR_TOO_LARGE (over CATALOGUE_ITEMS_MAX items or
//  CATALOGUE_VALUES_MAX values of an item, or over CODEC_FRAME_MAX
//  encoded), ERR_NOMEM.  On error writes a human explanation naming the
//  member (items by index and name) into why (if not NULL) and leaves
//  *out untouched.  On ERR_OK the caller owns *out: free it with
//  codec_license_type_free.
int MUST_CHECK
    licjson_type_from_json (const char *text, Lic__LicenseType **out,
                            char *why, size_t why_size);

//  A license type as a JSON object in the format above, with version,
//  division and at; digests absent are "".  Without those three members,
//  licjson_type_from_json of its dump gives the same type.  Caller owns
//  the result (json_decref); NULL if out of memory.
json_t *
    licjson_type_to_json (const Lic__LicenseType *t);

//  The lateness report: {"rows": [{issuer, day (YYYY-MM-DD, UTC+8),
//  events, late, worst_seconds}, ...]} in the node's order.  Caller
//  owns the result; NULL if out of memory.
json_t *
    licjson_lateness_to_json (const Lic__ReportResult *r);

//  Item kind and sensitivity names as in the type format above;
//  "none" for an unknown kind, "secret" for an unknown sensitivity (a
//  newer peer's level is shown as the strictest).
const char *
    licjson_kind_name (Lic__ItemKind kind);
const char *
    licjson_sensitivity_name (Lic__Sensitivity sensitivity);

//  Op names as in the format above.  licjson_op_name returns "none" for
//  an unknown op; licjson_op_parse returns LIC__OP__OP_NONE for an
//  unknown name.
const char *
    licjson_op_name (Lic__Op op);
Lic__Op
    licjson_op_parse (const char *name);

//  National two-digit status code ("01".."07", "99"; "00" for none) and
//  lower-case name ("valid", "suspended", ...) of a status.
const char *
    licjson_status_code (Lic__Status status);
const char *
    licjson_status_name (Lic__Status status);

//  A time as licctl takes it: RFC 3339 with an offset
//  ("2026-11-27T10:00:00+08:00", "...Z") or unix seconds ("1764208800").
//  True with *out, or false (anything else, or beyond int64).
bool
    licjson_parse_time (const char *text, int64_t *out);

#endif
