/*  licstate.h -- the current content of a license: one rule, every path.

    The license view (proto/FORMAT.md family 2, schema 4) keeps no copy of
    the license's content: a stored LicenseState has no `content`, only
    `content_seq`, the log seq of the entry whose event set it (an issue
    or an alteration), and `valid_to` when an extension changed the
    content's valid_to since.  The content of a license is the content of
    that event, exactly as its department signed it, with that valid_to.

    licstate_complete is that rule, pure (no store): every reader of a
    license -- get, find, query, archived copies, get --at, the successor
    and holder indexes at the apply, the audit index, the digest, the
    inspection count, licnode check and rebuild through the apply -- gets
    its state through it (node/store/views.h: views_license_state,
    views_license_read, views_state_complete do the reads).
*/
#ifndef LICREPO_LICSTATE_H
#define LICREPO_LICSTATE_H

#include <stddef.h>
#include <stdint.h>
#include "proto/err.h"
#include "proto/msg.h"

//  content_seq of the stored state bytes (0: no content), read from its
//  top-level fields without unpacking it.  ERR_OK, ERR_CORRUPT (not
//  protobuf wire format).
int MUST_CHECK
    licstate_content_seq (const uint8_t *state, size_t len, uint64_t *seq);

//  The signed parts of a stored event entry, read from its fields
//  without unpacking it: *body (and *key_id, if key_id is not NULL)
//  point into entry.  ERR_OK, ERR_CORRUPT (not wire format, not an
//  event's entry, no or two envelopes, no body or key).  The one reader
//  of an entry's event for licstate_complete and for the replay check
//  (views_find_duplicate), which compares a new event with the entry
//  without decoding it.
int MUST_CHECK
    licstate_entry_signed (const uint8_t *entry, size_t len, const uint8_t **body,
                           size_t *body_len, const uint8_t **key_id, size_t *key_len);

//  The state in the stored bytes `state` (len bytes) with its content:
//  entry (entry_len bytes) is the stored log entry at its content_seq
//  (NULL when content_seq is 0).  The content is the entry's event's
//  (lic.LogEntry.envelope.body, an Event, field `content`), its
//  valid_to replaced by the state's `valid_to` when that is set; the
//  state returned has `valid_to` empty, so it is what a LicenseState
//  with a copy of its content was (schema 3), on the wire and in the
//  digest.  Caller frees *out with codec_state_free.  ERR_OK,
//  ERR_CORRUPT (the state or the entry does not parse, the entry is not
//  an event's, a stored state carries a content), ERR_NOMEM.
int MUST_CHECK
    licstate_complete (const uint8_t *state, size_t len, const uint8_t *entry, size_t entry_len,
                       Lic__LicenseState **out);

#endif
