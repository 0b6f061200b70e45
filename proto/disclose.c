/*  disclose.c -- selective disclosure of sensitive data items (see
    disclose.h; proto/README.md section 10).

    The signature covers the digests, never the values: the checks here
    bind each disclosed value to its digest, and the catalogue check
    (catalogue_check_disclosed) then judges the values it can see.
    Deliberately does not: look up the catalogue (the caller picks the
    type), check item names (evcheck.c: sorted, unique), judge values
    against the standard (catalogue.c), or store anything.  Messages
    name items, never their values or salts: they end up in logs,
    replies and quarantine records.
*/
#include <stdio.h>
#include <string.h>
#include "proto/disclose.h"
#include "proto/seal.h"

#define S_NAME_SHOWN    64      //  longest item name quoted in a message
#define S_VALUE_MAX     4096    //  bytes of a disclosed value (as EVCHECK_TEXT_MAX)


//  --------------------------------------------------------------------
//  Helpers

static const char *
s_str (const char *s)
{
    return s? s: "";
}

//  An item name as a message may quote it: short, printable ASCII or
//  UTF-8 bytes, else a placeholder.  Names come from the sender.
static const char *
s_shown (const char *name)
{
    name = s_str (name);
    if (strnlen (name, S_NAME_SHOWN + 1) > S_NAME_SHOWN)
        return "(unprintable)";
    for (const unsigned char *p = (const unsigned char *) name; *p; p++)
        if (*p < 0x20 || *p == 0x7F || *p == '"' || *p == '\\')
            return "(unprintable)";
    return *name? name: "(no name)";
}

static const char *
s_sensitivity_name (Lic__Sensitivity s)
{
    switch (s) {
        case LIC__SENSITIVITY__SENS_PUBLIC:     return "public";
        case LIC__SENSITIVITY__SENS_INTERNAL:   return "internal";
        case LIC__SENSITIVITY__SENS_PERSONAL:   return "personal";
        case LIC__SENSITIVITY__SENS_COMMERCIAL: return "commercial";
        case LIC__SENSITIVITY__SENS_SECRET:     return "secret";
        default:                                break;
    }
    return "of unknown sensitivity";
}

//  Items are sorted by name and unique (evcheck.c refuses anything
//  else), so bisect; *at is where the item found is.
static const Lic__DataItem *
s_bisect (const Lic__LicenseContent *c, const char *name, size_t *at)
{
    size_t low = 0, high = c? c->n_items: 0;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        const Lic__DataItem *item = c->items [mid];
        int order = item? strcmp (s_str (item->name), name): -1;
        if (order == 0) {
            *at = mid;
            return item;
        }
        if (order < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return NULL;
}

const Lic__DataItem *
disclose_item (const Lic__LicenseContent *c, const char *name)
{
    size_t at;
    return s_bisect (c, name, &at);
}

//  The item after the one found before, first: one comparison when the
//  caller goes in the items' order.  It is the item the bisection finds
//  as names are unique; else the bisection, which says where the next
//  search starts.
const Lic__DataItem *
disclose_item_next (const Lic__LicenseContent *c, const char *name, size_t *next)
{
    size_t at = *next;
    const Lic__DataItem *item = c && at < c->n_items? c->items [at]: NULL;
    if (!item || strcmp (s_str (item->name), name) != 0)
        item = s_bisect (c, name, &at);
    if (item)
        *next = at + 1;
    return item;
}

static bool
s_digested (const Lic__DataItem *item)
{
    return item && item->digest.len > 0;
}


//  --------------------------------------------------------------------
//  Public lookups

bool
disclose_sensitive (Lic__Sensitivity s)
{
    return s == LIC__SENSITIVITY__SENS_PERSONAL
        || s == LIC__SENSITIVITY__SENS_COMMERCIAL
        || s == LIC__SENSITIVITY__SENS_SECRET;
}

const Lic__ItemSpec *
disclose_spec (const Lic__LicenseType *t, const char *name)
{
    size_t from = 0;
    return disclose_spec_next (t, name, &from);
}

//  From *from round to it: content items are sorted (evcheck) and a type
//  often lists its specs in the same order, so a caller that goes
//  through the items usually finds each spec at its first comparison.
//  As spec names are unique (catalogue_check_type), it is the spec the
//  search from 0 finds.
const Lic__ItemSpec *
disclose_spec_next (const Lic__LicenseType *t, const char *name, size_t *from)
{
    size_t n = t? t->n_items: 0;
    name = s_str (name);
    if (*from >= n)
        *from = 0;
    for (size_t k = 0; k < n; k++) {
        size_t j = *from + k < n? *from + k: *from + k - n;
        if (t->items [j] && strcmp (s_str (t->items [j]->name), name) == 0) {
            *from = j + 1 < n? j + 1: 0;
            return t->items [j];
        }
    }
    return NULL;
}

const Lic__Disclosure *
disclose_find (Lic__Disclosure *const *d, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (d [i] && strcmp (s_str (d [i]->name), s_str (name)) == 0)
            return d [i];
    return NULL;
}


//  --------------------------------------------------------------------
//  disclose_check, in the order disclose.h lists

static int
s_check_items (const Lic__LicenseType *t, const Lic__LicenseContent *c,
               char *why, size_t why_size)
{
    size_t from = 0;                //  disclose_spec_next's, in item order
    for (size_t i = 0; c && i < c->n_items; i++) {
        const Lic__DataItem *item = c->items [i];
        if (!item)
            continue;               //  evcheck.c refuses it
        const char *name = s_shown (item->name);
        if (s_digested (item) && item->digest.len != DISCLOSE_DIGEST_LEN) {
            err_why (why, why_size, "item %s: digest of %zu bytes, must be %d",
                     name, item->digest.len, DISCLOSE_DIGEST_LEN);
            return ERR_DISCLOSURE;
        }
        if (s_digested (item) && *s_str (item->value)) {
            err_why (why, why_size, "item %s is signed as a digest: its value "
                     "must be empty in the signed body", name);
            return ERR_DISCLOSURE;
        }
        const Lic__ItemSpec *spec = disclose_spec_next (t, item->name, &from);
        if (!spec)
            continue;               //  unknown: the catalogue check says so
        bool sensitive = disclose_sensitive (spec->sensitivity);
        if (sensitive && !s_digested (item)) {
            err_why (why, why_size, "item %s is %s: it must be signed as a "
                     "salted digest, not in clear", name,
                     s_sensitivity_name (spec->sensitivity));
            return ERR_DISCLOSURE;
        }
        if (!sensitive && s_digested (item)) {
            err_why (why, why_size, "item %s is %s: it must be signed in "
                     "clear, not as a digest", name,
                     s_sensitivity_name (spec->sensitivity));
            return ERR_DISCLOSURE;
        }
    }
    return ERR_OK;
}

static int
s_check_disclosure (const Lic__LicenseType *t, const Lic__LicenseContent *c,
                    Lic__Disclosure *const *d, size_t i, bool need_values,
                    char *why, size_t why_size)
{
    const Lic__Disclosure *one = d [i];
    if (!one) {
        err_why (why, why_size, "disclosures[%zu] is empty", i);
        return ERR_DISCLOSURE;
    }
    const char *name = s_shown (one->name);
    if (!c) {
        err_why (why, why_size, "disclosure of item %s: the event carries no "
                 "content", name);
        return ERR_DISCLOSURE;
    }
    const Lic__DataItem *item = disclose_item (c, s_str (one->name));
    if (!item) {
        err_why (why, why_size, "disclosure of item %s: the content has no "
                 "such item", name);
        return ERR_DISCLOSURE;
    }
    if (!s_digested (item)) {
        err_why (why, why_size, "disclosure of item %s: the item is signed in "
                 "clear, there is nothing to disclose", name);
        return ERR_DISCLOSURE;
    }
    for (size_t j = 0; j < i; j++)
        if (d [j] && strcmp (s_str (d [j]->name), s_str (one->name)) == 0) {
            err_why (why, why_size, "item %s is disclosed more than once",
                     name);
            return ERR_DISCLOSURE;
        }
    if (one->salt.len < DISCLOSE_SALT_MIN || one->salt.len > DISCLOSE_SALT_MAX) {
        err_why (why, why_size, "disclosure of item %s: salt of %zu bytes, "
                 "must be %d to %d", name, one->salt.len, DISCLOSE_SALT_MIN,
                 DISCLOSE_SALT_MAX);
        return ERR_DISCLOSURE;
    }
    if (strnlen (s_str (one->value), S_VALUE_MAX + 1) > S_VALUE_MAX) {
        err_why (why, why_size, "disclosure of item %s: value over %d bytes",
                 name, S_VALUE_MAX);
        return ERR_DISCLOSURE;
    }
    const Lic__ItemSpec *spec = disclose_spec (t, one->name);
    if (!need_values && spec
    &&  spec->sensitivity == LIC__SENSITIVITY__SENS_SECRET) {
        err_why (why, why_size, "disclosure of item %s: the item is secret, "
                 "its value never leaves the node that received the event",
                 name);
        return ERR_DISCLOSURE;
    }
    uint8_t digest [DISCLOSE_DIGEST_LEN];
    seal_item_digest (digest, one->salt.data, one->salt.len, one->name,
                      one->value);
    if (memcmp (digest, item->digest.data, DISCLOSE_DIGEST_LEN) != 0) {
        err_why (why, why_size, "disclosure of item %s does not match its "
                 "digest", name);
        return ERR_DISCLOSURE;
    }
    return ERR_OK;
}

int
disclose_check (const Lic__LicenseType *t, const Lic__LicenseContent *c,
                Lic__Disclosure *const *d, size_t n, bool need_values,
                char *why, size_t why_size)
{
    int rc = s_check_items (t, c, why, why_size);
    for (size_t i = 0; rc == ERR_OK && i < n; i++)
        rc = s_check_disclosure (t, c, d, i, need_values, why, why_size);
    for (size_t i = 0; rc == ERR_OK && need_values && c && i < c->n_items; i++) {
        const Lic__DataItem *item = c->items [i];
        if (s_digested (item) && !disclose_find (d, n, item->name)) {
            err_why (why, why_size, "item %s is signed as a digest but its "
                     "value is not disclosed", s_shown (item->name));
            rc = ERR_DISCLOSURE;
        }
    }
    return rc;
}


//  --------------------------------------------------------------------
//  Splitting and clearance

size_t
disclose_split (const Lic__LicenseType *t, Lic__Disclosure **d, size_t n)
{
    //  Stable in-place partition: n is at most the content's items, so
    //  shifting is cheap and nothing is allocated
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const Lic__ItemSpec *spec = d [i]? disclose_spec (t, d [i]->name): NULL;
        if (spec && spec->sensitivity == LIC__SENSITIVITY__SENS_SECRET)
            continue;
        Lic__Disclosure *keep = d [i];
        memmove (d + kept + 1, d + kept, (i - kept) * sizeof *d);
        d [kept++] = keep;
    }
    return kept;
}

bool
disclose_visible (Lic__Sensitivity s, const Lic__Sensitivity *clearance,
                  size_t n_clearance)
{
    if (s == LIC__SENSITIVITY__SENS_PUBLIC || s == LIC__SENSITIVITY__SENS_INTERNAL)
        return true;
    if (!disclose_sensitive (s))
        return false;
    for (size_t i = 0; clearance && i < n_clearance; i++)
        if (clearance [i] == s)
            return true;
    return false;
}
