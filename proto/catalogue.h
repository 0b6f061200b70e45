/*  catalogue.h -- a license type's data-item standard and the checks a
    license must pass against it (proto/README.md section 9; regulation Art. 6 and 10: the
    issuing body compiles the catalogue of its types, with their data-item
    standards, and must ensure the authenticity, accuracy and completeness
    of what it issues).  Pure functions over generated types; no I/O.
*/
#ifndef LICREPO_CATALOGUE_H
#define LICREPO_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "proto/err.h"
#include "proto/msg.h"

#define CATALOGUE_ITEMS_MAX  256    //  item specs per type
#define CATALOGUE_VALUES_MAX 256    //  enum values per item

//  Checks a type definition as an operator submits it: type_code of 21
//  chars (a valid credit code + 3 digits) and defining_body equal to its
//  first 18; a name; items with unique non-empty names, known kinds,
//  enums with values, min/max that parse for the kind and min <= max;
//  digests of 0 or 32 bytes; validity either open-ended or a fixed term
//  (or neither), not both; inspection window 0..366 days; every string
//  UTF-8 text (codec_check_text, proto/text.h).
//  ERR_OK, ERR_BAD_FIELD (why says which member and why), ERR_TOO_LARGE
//  (a string longer than CODEC_FRAME_MAX: it came in no frame).
int MUST_CHECK
    catalogue_check_type (const Lic__LicenseType *t, char *why, size_t why_size);

//  Checks a license's content against its type: every required item
//  present, no item unknown to the type, each value of its kind (integer,
//  decimal, YYYY-MM-DD date, enum value, "true"/"false"), within max
//  length (code points) and min/max, and the dates consistent with the
//  validity rule (open-ended: no valid_to; fixed term: valid_to = the day
//  before valid_from + term months).  ERR_OK or ERR_CATALOGUE with why
//  naming the item and the rule, e.g.
//  "item registered_capital: \"abc\" is not a decimal".
int MUST_CHECK
    catalogue_check_content (const Lic__LicenseType *t, const Lic__LicenseContent *c,
                             char *why, size_t why_size);

//  The same check for content whose sensitive items are digests (proto/README.md section 10
//  item 3): a digested item is judged by its value in d [0..n) (the
//  envelope's disclosures, already matched to their digests by
//  disclose_check); one whose value is not disclosed (upper levels,
//  secret items) counts as present for `required` and its value rules
//  are skipped.  catalogue_check_content is this with no disclosures.
int MUST_CHECK
    catalogue_check_disclosed (const Lic__LicenseType *t, const Lic__LicenseContent *c,
                               Lic__Disclosure *const *d, size_t n,
                               char *why, size_t why_size);

//  True if t requires an annual inspection and the license (status valid
//  or suspended) has had none within the window after the latest
//  anniversary of its issue date that is already past `now` (UTC+8 days):
//  st->last_inspection is the day of the latest one ("" = none).
bool
    catalogue_inspection_overdue (const Lic__LicenseType *t, const Lic__LicenseState *st,
                                  time_t now);

#endif
