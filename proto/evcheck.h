/*  evcheck.h -- checks of an event body on its own: no registry, no
    stored state.  Used at publish (node) and on apply at upper levels.
*/
#ifndef LICREPO_EVCHECK_H
#define LICREPO_EVCHECK_H

#include <stddef.h>
#include "proto/err.h"
#include "proto/licid.h"
#include "proto/msg.h"

#define EVCHECK_ITEMS_MAX   256     //  data items per license
#define EVCHECK_TEXT_MAX    4096    //  bytes in any one string field

//  Checks ev's fields, in this order, returning the first failure:
//    ERR_VERSION          ev->version != 1
//    ERR_MALFORMED        op missing or unknown; a field licrepo.proto
//                         does not name, anywhere in the event
//                         (codec_known_fields: why names its number)
//    ERR_BAD_FIELD        a string anywhere in the event that is not
//                         UTF-8 text (proto/text.h: RFC 3629, no control
//                         characters but TAB, LF, CR; codec_check_text:
//                         why names the field, never the value)
//    ERR_BAD_LICENSE_ID   license id malformed or wrong check character
//    ERR_BAD_CREDIT_CODE  issuer_code not a valid credit code
//    ERR_ISSUER_MISMATCH  issuer_code differs from the id's issuer part
//    ERR_TOO_LARGE        items over EVCHECK_ITEMS_MAX, a string (any
//                         string field of the event) over EVCHECK_TEXT_MAX
//    ERR_BAD_FIELD        issue/alter without content, holder type/id/name
//                         missing or invalid (resident id 111 checked
//                         with its check character, credit code 001 with
//                         its own), dates impossible or valid_to before
//                         valid_from, division code not 6 digits,
//                         file_digest neither 0 nor 32 bytes, data item
//                         names empty/duplicate/unsorted, extend without a
//                         valid_to, content on another op, completed_at
//                         outside the window of lifecycle_time_valid
//                         (1990-01-01T00:00Z .. 2100-01-01T00:00Z)
//    ERR_BAD_LICENSE_ID   content.predecessor_id present but not a bare
//                         license id with a correct check character
//  On ERR_OK, if id is not NULL, writes the parsed license id into *id.
//  If why is not NULL, writes a human explanation on error.
int MUST_CHECK
    evcheck_event (const Lic__Event *ev, licid_t *id, char *why, size_t why_size);

//  The checks of a signed event as it arrives (publish) or is applied
//  (upper levels): env, the envelope that carries it, has no unknown
//  field anywhere (ERR_MALFORMED), it carries at most EVCHECK_ITEMS_MAX
//  disclosures (ERR_TOO_LARGE), their names and values are text
//  (ERR_BAD_FIELD) of at most EVCHECK_TEXT_MAX bytes (ERR_TOO_LARGE),
//  then evcheck_event on ev, the decoded env->body.
int MUST_CHECK
    evcheck_envelope (const Lic__Envelope *env, const Lic__Event *ev, licid_t *id,
                      char *why, size_t why_size);

#endif
