/*  disclose.h -- sensitive data items signed as salted digests, their
    values carried beside the signed body (proto/README.md section 10, selective
    disclosure; proto/README.md section 10).

    A content item whose spec is personal, commercial or secret is signed
    with value "" and digest = BLAKE2b-256 (salt ‖ name ‖ 0x00 ‖ value)
    (seal_item_digest); its value and salt travel in
    Envelope.disclosures, outside the signature, bound to it by the
    digest.  So a disclosure can be withheld (masked answers, secret items
    kept at the receiving node) and the body still verifies.
    Pure functions over generated types; no I/O.
*/
#ifndef LICREPO_DISCLOSE_H
#define LICREPO_DISCLOSE_H

#include <stdbool.h>
#include <stddef.h>
#include "proto/err.h"
#include "proto/msg.h"

#define DISCLOSE_SALT_MIN   16      //  bytes of a disclosure's salt
#define DISCLOSE_SALT_MAX   64
#define DISCLOSE_DIGEST_LEN 32      //  bytes of DataItem.digest

//  True for the sensitivities whose items must be digested: personal,
//  commercial, secret.
bool
    disclose_sensitive (Lic__Sensitivity s);

//  The spec of the item named name in t, or NULL (also when t is NULL).
//  Borrowed from t.
const Lic__ItemSpec *
    disclose_spec (const Lic__LicenseType *t, const char *name);

//  disclose_spec for a caller that looks up the specs of many names in
//  turn (the items of a content, in their order): the search starts at
//  *from (0 the first time) and goes round; *from is then the index
//  after the spec found.  The same spec as disclose_spec whatever *from
//  (a type's spec names are unique: catalogue_check_type); faster when
//  the names come in about the type's order.
const Lic__ItemSpec *
    disclose_spec_next (const Lic__LicenseType *t, const char *name, size_t *from);

//  The item named name in c (sorted by name, as evcheck requires), or
//  NULL.  Borrowed from c.
const Lic__DataItem *
    disclose_item (const Lic__LicenseContent *c, const char *name);

//  disclose_item for a caller that looks up many names in turn (the
//  specs of a type): the item at *next (0 the first time) is tried
//  first, and *next is then the index after the item found.  The same
//  item as disclose_item whatever *next (names sorted and unique, as
//  evcheck requires); one comparison when the names come in the items'
//  order.
const Lic__DataItem *
    disclose_item_next (const Lic__LicenseContent *c, const char *name, size_t *next);

//  The disclosure naming name among d [0..n), or NULL.  Borrowed from d.
const Lic__Disclosure *
    disclose_find (Lic__Disclosure *const *d, size_t n, const char *name);

//  Checks the digested items of c against the type and the disclosures
//  d [0..n) that came with the event, in this order:
//    - each item: a digest is 32 bytes and comes with value ""; with t,
//      an item whose spec is personal/commercial/secret is digested and
//      every other item of the type is plain (items unknown to t are
//      left to the catalogue check);
//    - each disclosure: names a digested item of c, at most once, has a
//      salt of DISCLOSE_SALT_MIN..MAX bytes, a value of at most 4096
//      bytes, and the item's digest is seal_item_digest of it; without
//      need_values (upper levels), a disclosure of a secret item is
//      refused: those never leave the node that received the event;
//    - with need_values (the node the department sends the event to):
//      every digested item has its disclosure.
//  t may be NULL (no sensitivity rules), c may be NULL (then no
//  disclosure is allowed).  ERR_OK or ERR_DISCLOSURE, why naming the
//  item and the rule; values are never quoted.
int MUST_CHECK
    disclose_check (const Lic__LicenseType *t, const Lic__LicenseContent *c,
                    Lic__Disclosure *const *d, size_t n, bool need_values,
                    char *why, size_t why_size);

//  Reorders d [0..n) so that the disclosures to keep in the log entry
//  (every item t does not mark secret) come first, in their order, and
//  those of secret items after them; returns how many are kept.  With t
//  NULL everything is kept.  The caller encodes with n_disclosures set to
//  the count and restores n before freeing the message.
size_t
    disclose_split (const Lic__LicenseType *t, Lic__Disclosure **d, size_t n);

//  True if a reader with this clearance (personal, commercial and/or
//  secret, each named separately) may see an item of sensitivity s:
//  public and internal items always, the others only when listed.
//  Unknown sensitivities are never visible.
bool
    disclose_visible (Lic__Sensitivity s, const Lic__Sensitivity *clearance,
                      size_t n_clearance);

#endif
