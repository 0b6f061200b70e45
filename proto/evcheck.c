/*  evcheck.c -- checks of an event body on its own (evcheck.h).

    Runs the checks in the order evcheck.h lists and stops at the first
    failure, so a given event always gets the same error code and message
    at every node and every level.  Deliberately does not: look at the
    registry (department keys and license types), at stored state
    (lifecycle.c judges the op against the license's status and version)
    or at the clock (completed_at is checked against the fixed window of
    lifecycle_time_valid, not against now).
    Event strings may be NULL in hand-built messages; NULL reads as "".
    Explanations never quote the holder's id or name: they end up in
    logs and replies, and a resident id is personal data.
*/
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/evcheck.h"
#include "proto/lifecycle.h"

#define S_EVENT_VERSION     1       //  protocol version of an Event body
#define S_HOLDER_ID_MAX     64      //  holder ids of unchecked types
#define S_DIGEST_LEN        32      //  SHA-256


static const char *
s_str (const char *s)
{
    return s? s: "";
}

static bool
s_empty (const char *s)
{
    return !s || !*s;
}

static bool
s_too_long (const char *s, size_t max)
{
    return s && strnlen (s, max + 1) > max;
}


//  --------------------------------------------------------------------
//  ERR_TOO_LARGE: the item count, and every string of the event (one
//  walk over licrepo.proto's descriptors: no list of fields to drift)

//  over: evcheck_event's text walk met a string over EVCHECK_TEXT_MAX
//  (codec_check_text_over); only then is there one to name, and the walk
//  made again to find the first.
static int
s_check_sizes (const Lic__Event *ev, bool over, char *why, size_t why_size)
{
    const Lic__LicenseContent *c = ev->content;
    if (c && c->n_items > EVCHECK_ITEMS_MAX) {
        err_why (why, why_size, "content has %zu data items, at most %d "
               "allowed", c->n_items, EVCHECK_ITEMS_MAX);
        return ERR_TOO_LARGE;
    }
    //  Every string is text already (evcheck_event): only lengths fail here.
    return over? codec_check_text (&ev->base, EVCHECK_TEXT_MAX, why, why_size): ERR_OK;
}


//  --------------------------------------------------------------------
//  ERR_BAD_FIELD

static int
s_check_holder (const Lic__Holder *h, char *why, size_t why_size)
{
    if (!h) {
        err_why (why, why_size, "content.holder is missing");
        return ERR_BAD_FIELD;
    }
    const char *type = s_str (h->id_type);
    const char *id = s_str (h->id);
    if (!licid_holder_type_valid (type)) {
        err_why (why, why_size, "content.holder.id_type '%s' is not a "
               "GB/T 36903 holder id type", type);
        return ERR_BAD_FIELD;
    }
    if (strcmp (type, "111") == 0 && !licid_resident_id_valid (id)) {
        err_why (why, why_size, "content.holder.id is not a valid "
               "resident id (GB 11643, type 111)");
        return ERR_BAD_FIELD;
    }
    if (strcmp (type, "001") == 0 && !licid_credit_code_valid (id)) {
        err_why (why, why_size, "content.holder.id is not a valid "
               "unified social credit code (GB 32100, type 001)");
        return ERR_BAD_FIELD;
    }
    if (!*id || s_too_long (id, S_HOLDER_ID_MAX)) {
        err_why (why, why_size, "content.holder.id must be 1..%d chars",
               S_HOLDER_ID_MAX);
        return ERR_BAD_FIELD;
    }
    if (s_empty (h->name)) {
        err_why (why, why_size, "content.holder.name is missing");
        return ERR_BAD_FIELD;
    }
    return ERR_OK;
}

static int
s_check_dates (const Lic__LicenseContent *c, char *why, size_t why_size)
{
    struct {
        const char *value;
        const char *field;
    } required [] = {
        { c->issue_date, "content.issue_date" },
        { c->valid_from, "content.valid_from" },
    };
    for (size_t i = 0; i < sizeof required / sizeof required [0]; i++)
        if (!licid_date_valid (required [i].value)) {
            err_why (why, why_size, "%s '%s' is missing or not a date "
                   "YYYY-MM-DD", required [i].field,
                   s_str (required [i].value));
            return ERR_BAD_FIELD;
        }
    if (s_empty (c->valid_to))
        return ERR_OK;              //  open-ended
    if (!licid_date_valid (c->valid_to)) {
        err_why (why, why_size, "content.valid_to '%s' is not a date "
               "YYYY-MM-DD", c->valid_to);
        return ERR_BAD_FIELD;
    }
    //  Same fixed format, so byte order is date order
    if (strcmp (c->valid_to, c->valid_from) < 0) {
        err_why (why, why_size, "content.valid_to %s is before "
               "content.valid_from %s", c->valid_to, c->valid_from);
        return ERR_BAD_FIELD;
    }
    return ERR_OK;
}

//  Names non-empty, unique, in strictly increasing byte order
static int
s_check_items (const Lic__LicenseContent *c, char *why, size_t why_size)
{
    const char *previous = NULL;
    for (size_t i = 0; i < c->n_items; i++) {
        const Lic__DataItem *item = c->items? c->items [i]: NULL;
        if (!item || s_empty (item->name)) {
            err_why (why, why_size, "content.items[%zu] has no name", i);
            return ERR_BAD_FIELD;
        }
        int order = previous? strcmp (previous, item->name): -1;
        if (order == 0) {
            err_why (why, why_size, "content.items[%zu] repeats the name "
                   "'%s'", i, item->name);
            return ERR_BAD_FIELD;
        }
        if (order > 0) {
            err_why (why, why_size, "content.items[%zu] '%s' is out of order: "
                   "items must be sorted by name", i, item->name);
            return ERR_BAD_FIELD;
        }
        previous = item->name;
    }
    return ERR_OK;
}

//  A predecessor, when named, is a well-formed license id with a correct
//  check character, in bare form like license_id.
static int
s_check_predecessor (const char *pred, char *why, size_t why_size)
{
    if (s_empty (pred))
        return ERR_OK;
    licid_t parsed;
    char parse_why [160] = "";
    if (licid_parse (pred, &parsed, parse_why, sizeof parse_why) != ERR_OK) {
        err_why (why, why_size, "content.predecessor_id is not a valid license id: %s",
               parse_why);
        return ERR_BAD_LICENSE_ID;
    }
    if (strcmp (pred, parsed.bare) != 0) {
        err_why (why, why_size, "content.predecessor_id must be in bare form %s",
               parsed.bare);
        return ERR_BAD_LICENSE_ID;
    }
    return ERR_OK;
}

static int
s_check_content (const Lic__LicenseContent *c, char *why, size_t why_size)
{
    int rc = s_check_holder (c->holder, why, why_size);
    if (rc == ERR_OK)
        rc = s_check_dates (c, why, why_size);
    if (rc == ERR_OK && !licid_division_valid (c->division_code)) {
        err_why (why, why_size, "content.division_code '%s' is not a 6-digit "
               "division code", s_str (c->division_code));
        rc = ERR_BAD_FIELD;
    }
    if (rc == ERR_OK && c->file_digest.len != 0
    &&  c->file_digest.len != S_DIGEST_LEN) {
        err_why (why, why_size, "content.file_digest is %zu bytes, must be "
               "0 or %d", c->file_digest.len, S_DIGEST_LEN);
        rc = ERR_BAD_FIELD;
    }
    if (rc == ERR_OK)
        rc = s_check_items (c, why, why_size);
    if (rc == ERR_OK)
        rc = s_check_predecessor (c->predecessor_id, why, why_size);
    return rc;
}

//  Which fields the op allows or needs
static int
s_check_fields (const Lic__Event *ev, char *why, size_t why_size)
{
    const char *op = ev->op == LIC__OP__OP_ISSUE? "issue":
                     ev->op == LIC__OP__OP_ALTER? "alter": "this operation";
    bool takes_content = ev->op == LIC__OP__OP_ISSUE
                      || ev->op == LIC__OP__OP_ALTER;
    bool is_extend = ev->op == LIC__OP__OP_EXTEND;
    if (!lifecycle_time_valid (ev->completed_at)) {
        err_why (why, why_size, "completed_at %lld is outside the time window "
               "1990-01-01T00:00:00Z (%lld) .. 2100-01-01T00:00:00Z (%lld, excluded)",
               (long long) ev->completed_at, (long long) LIFECYCLE_TIME_MIN,
               (long long) LIFECYCLE_TIME_MAX);
        return ERR_BAD_FIELD;
    }
    if (ev->content && !takes_content) {
        err_why (why, why_size, "content is allowed only on issue and alter");
        return ERR_BAD_FIELD;
    }
    if (!s_empty (ev->valid_to) && !is_extend) {
        err_why (why, why_size, "valid_to is allowed only on extend");
        return ERR_BAD_FIELD;
    }
    if (is_extend && !licid_date_valid (ev->valid_to)) {
        err_why (why, why_size, "extend needs valid_to as a date YYYY-MM-DD, "
               "got '%s'", s_str (ev->valid_to));
        return ERR_BAD_FIELD;
    }
    if (takes_content && !ev->content) {
        err_why (why, why_size, "%s needs content", op);
        return ERR_BAD_FIELD;
    }
    if (takes_content)
        return s_check_content (ev->content, why, why_size);
    return ERR_OK;
}


//  --------------------------------------------------------------------
//  The checks in evcheck.h order

int
evcheck_event (const Lic__Event *ev, licid_t *id, char *why, size_t why_size)
{
    assert (ev);
    if (ev->version != S_EVENT_VERSION) {
        err_why (why, why_size, "event version %u is not spoken, expected %d",
               (unsigned) ev->version, S_EVENT_VERSION);
        return ERR_VERSION;
    }
    if (ev->op <= LIC__OP__OP_NONE || ev->op > LIC__OP__OP_PLEDGE_RELEASE) {
        err_why (why, why_size, "op %d is missing or unknown", (int) ev->op);
        return ERR_MALFORMED;
    }
    //  Stored as signed, never re-encoded: no field may ride along unchecked.
    int rc = codec_known_fields (&ev->base, why, why_size);
    if (rc)
        return rc;
    //  Before anything quotes a value in a message: text only (proto/text.h),
    //  whatever its length (that is judged in the evcheck.h order below;
    //  the same walk notes whether any string is over the bound).
    bool over = false;
    rc = codec_check_text_over (&ev->base, EVCHECK_TEXT_MAX, &over, why, why_size);
    if (rc)
        return rc;
    licid_t parsed;
    rc = licid_parse (ev->license_id, &parsed, why, why_size);
    if (rc)
        return rc;
    if (strcmp (ev->license_id, parsed.bare) != 0) {
        err_why (why, why_size, "license_id must be in bare form %s",
               parsed.bare);
        return ERR_BAD_LICENSE_ID;
    }
    const char *issuer = s_str (ev->issuer_code);
    if (!licid_credit_code_valid (issuer)) {
        err_why (why, why_size, "issuer_code '%.*s' is not a valid unified "
               "social credit code", 32, issuer);
        return ERR_BAD_CREDIT_CODE;
    }
    if (strcmp (issuer, parsed.issuer) != 0) {
        err_why (why, why_size, "issuer_code %s differs from the license "
               "id's issuer %s", issuer, parsed.issuer);
        return ERR_ISSUER_MISMATCH;
    }
    rc = s_check_sizes (ev, over, why, why_size);
    if (rc == ERR_OK)
        rc = s_check_fields (ev, why, why_size);
    if (rc == ERR_OK && id)
        *id = parsed;
    return rc;
}

int
evcheck_envelope (const Lic__Envelope *env, const Lic__Event *ev, licid_t *id,
                  char *why, size_t why_size)
{
    assert (env && ev);
    int rc = codec_known_fields (&env->base, why, why_size);
    //  One disclosure per digested item at most (bounded: each is
    //  stored and shown; a flood of empty ones is refused, not kept).
    if (rc == ERR_OK && env->n_disclosures > EVCHECK_ITEMS_MAX) {
        err_why (why, why_size, "the envelope carries %zu disclosures, at most %d (one per data "
                 "item)", env->n_disclosures, EVCHECK_ITEMS_MAX);
        rc = ERR_TOO_LARGE;
    }
    //  The disclosed values travel beside the body and are stored and
    //  shown like its strings: the same rule and bound.
    if (rc == ERR_OK)
        rc = codec_check_text (&env->base, EVCHECK_TEXT_MAX, why, why_size);
    if (rc == ERR_OK)
        rc = evcheck_event (ev, id, why, why_size);
    return rc;
}
