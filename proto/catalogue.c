/*  catalogue.c -- a license type's data-item standard (catalogue.h,
    proto/README.md section 9; regulation Art. 6 and 10).

    Three pure checks: a type definition on its own, a license's content
    against its type, and whether an annual inspection is overdue.  Each
    check runs in a fixed order and stops at the first failure, so a
    license gets the same code and message at every node.  Deliberately
    does not: look up the catalogue (the caller picks the type and
    version), check what evcheck.c already did (content dates, item names
    sorted and unique), or read a clock (`now` is an argument).
    Type and content strings may be NULL in hand-built messages; NULL
    reads as "".  Messages quote a license's item values only for items
    of sensitivity public: they end up in logs and replies.
*/
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "proto/disclose.h"
#include "proto/licid.h"
#include "proto/lifecycle.h"
#include "proto/text.h"

#define S_DIGEST_LEN        32      //  BLAKE2b-256
#define S_WINDOW_MAX        366     //  inspection_window_days
#define S_DECIMALS_MAX      6       //  fraction digits of a decimal
#define S_QUOTE_MAX         64      //  longest value quoted in a message
#define S_DIGITS            "0123456789"

typedef struct {
    int64_t year;
    int month;                      //  1..12
    int day;                        //  1..31
} s_date_t;

typedef struct {
    bool negative;                  //  leading '-' (never on a zero)
    const char *whole;              //  integer digits, no leading zeros
    size_t whole_len;
    const char *fraction;           //  digits after '.', may be empty
    size_t fraction_len;
} s_decimal_t;

typedef enum {
    S_DECIMAL_OK,
    S_DECIMAL_BAD,                  //  not digits[.digits]
    S_DECIMAL_TOO_PRECISE           //  more than S_DECIMALS_MAX decimals
} s_decimal_rc_t;


//  --------------------------------------------------------------------
//  Helpers


//  Writes "prefix: " then the formatted rest
static void
s_why_prefixed (char *why, size_t why_size, const char *prefix,
                const char *format, va_list args)
{
    if (!why || why_size == 0)
        return;
    int n = snprintf (why, why_size, "%s: ", prefix);
    if (n >= 0 && (size_t) n < why_size)
        vsnprintf (why + n, why_size - (size_t) n, format, args);
}

static const char *
s_str (const char *s)
{
    return s? s: "";
}

//  Counts the code points of s into *count; false if s is not text
//  (proto/text.h, the one rule on strings: RFC 3629 UTF-8, no control
//  characters but TAB, LF and CR)
static bool
s_utf8_count (const char *s, size_t *count)
{
    return text_check (s, SIZE_MAX, count) == ERR_OK;
}

//  UTF-8 without control characters: safe to put in a message
static bool
s_text_ok (const char *s)
{
    s = s_str (s);
    size_t count;
    if (!s_utf8_count (s, &count))
        return false;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return false;
    return true;
}

//  s itself if it can be quoted in a message, else a placeholder
static const char *
s_shown (const char *s)
{
    s = s_str (s);
    if (strnlen (s, S_QUOTE_MAX + 1) > S_QUOTE_MAX || !s_text_ok (s))
        return "(unprintable)";
    return s;
}


//  --------------------------------------------------------------------
//  Numbers: parsed as text, so every decimal compares exactly

//  Optional '-', digits, no leading zeros, no "-0", within int64_t
static bool
s_integer_syntax (const char *s)
{
    const char *digits = *s == '-'? s + 1: s;
    size_t n = strspn (digits, S_DIGITS);
    if (n == 0 || digits [n] != '\0')
        return false;
    return digits [0] != '0' || (n == 1 && digits == s);
}

static bool
s_integer_fits (const char *s)
{
    bool negative = *s == '-';
    const char *digits = negative? s + 1: s;
    size_t n = strlen (digits);
    if (n != 19)
        return n < 19;
    return strcmp (digits, negative? "9223372036854775808":
                                     "9223372036854775807") <= 0;
}

//  Optional '-', integer digits as above, optional '.' and 1..6 digits;
//  a negative zero ("-0", "-0.00") is refused like "-0" for integers
static s_decimal_rc_t
s_decimal_parse (const char *s, s_decimal_t *out)
{
    out->negative = *s == '-';
    const char *p = out->negative? s + 1: s;
    size_t n = strspn (p, S_DIGITS);
    if (n == 0 || (p [0] == '0' && n > 1))
        return S_DECIMAL_BAD;
    out->whole = p;
    out->whole_len = n;
    out->fraction = "";
    out->fraction_len = 0;
    p += n;
    if (*p == '.') {
        p++;
        size_t decimals = strspn (p, S_DIGITS);
        if (decimals == 0)
            return S_DECIMAL_BAD;
        out->fraction = p;
        out->fraction_len = decimals;
        p += decimals;
    }
    if (*p != '\0')
        return S_DECIMAL_BAD;
    bool zero = out->whole [0] == '0'
             && strspn (out->fraction, "0") == out->fraction_len;
    if (out->negative && zero)
        return S_DECIMAL_BAD;
    if (out->fraction_len > S_DECIMALS_MAX)
        return S_DECIMAL_TOO_PRECISE;
    return S_DECIMAL_OK;
}

static int
s_decimal_cmp (const s_decimal_t *a, const s_decimal_t *b)
{
    if (a->negative != b->negative)
        return a->negative? -1: 1;
    //  Same sign: compare magnitudes, then flip for negatives
    int order = 0;
    if (a->whole_len != b->whole_len)
        order = a->whole_len < b->whole_len? -1: 1;
    else
        order = memcmp (a->whole, b->whole, a->whole_len);
    size_t longest = a->fraction_len > b->fraction_len?
                     a->fraction_len: b->fraction_len;
    for (size_t i = 0; order == 0 && i < longest; i++) {
        char x = i < a->fraction_len? a->fraction [i]: '0';
        char y = i < b->fraction_len? b->fraction [i]: '0';
        order = x - y;
    }
    order = order < 0? -1: order > 0;
    return a->negative? -order: order;
}

//  True if s is a min/max bound (or a value) of this kind
static bool
s_parses_as (Lic__ItemKind kind, const char *s)
{
    s_decimal_t unused;
    if (kind == LIC__ITEM_KIND__KIND_INTEGER)
        return s_integer_syntax (s) && s_integer_fits (s);
    if (kind == LIC__ITEM_KIND__KIND_DECIMAL)
        return s_decimal_parse (s, &unused) == S_DECIMAL_OK;
    if (kind == LIC__ITEM_KIND__KIND_DATE)
        return licid_date_valid (s);
    return false;
}

//  Order of a and b, both of kind (integer, decimal or date) and valid
static int
s_bound_cmp (Lic__ItemKind kind, const char *a, const char *b)
{
    if (kind == LIC__ITEM_KIND__KIND_DATE)
        return strcmp (a, b);       //  fixed width: text order is date order
    s_decimal_t x, y;
    int rc = s_decimal_parse (a, &x) == S_DECIMAL_OK
          && s_decimal_parse (b, &y) == S_DECIMAL_OK;
    assert (rc);
    (void) rc;
    return s_decimal_cmp (&x, &y);
}


//  --------------------------------------------------------------------
//  Calendar (proleptic Gregorian)

static bool
s_date_parse (const char *s, s_date_t *out)
{
    if (!licid_date_valid (s))
        return false;
    out->year = (s [0] - '0') * 1000 + (s [1] - '0') * 100
              + (s [2] - '0') * 10 + (s [3] - '0');
    out->month = (s [5] - '0') * 10 + (s [6] - '0');
    out->day = (s [8] - '0') * 10 + (s [9] - '0');
    return true;
}

static int
s_month_days (int64_t year, int month)
{
    static const int days [12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap? 29: days [month - 1];
}

//  Days since 1970-01-01.  H. Hinnant's days_from_civil
static int64_t
s_days (s_date_t d)
{
    int64_t year = d.year - (d.month <= 2);
    int64_t era = (year >= 0? year: year - 399) / 400;
    int64_t yoe = year - era * 400;                             //  0..399
    int64_t doy = (153 * (d.month > 2? d.month - 3: d.month + 9) + 2) / 5
                + d.day - 1;                                    //  0..365
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        //  0..146096
    return era * 146097 + doe - 719468;
}

//  The year of a day count since 1970-01-01 (inverse of s_days)
static int64_t
s_year_of (int64_t days)
{
    return lifecycle_civil_key (days) / 10000;
}

//  The same month and day in another year; Feb 29 becomes Feb 28
static s_date_t
s_in_year (s_date_t d, int64_t year)
{
    s_date_t out = { year, d.month, d.day };
    int last = s_month_days (year, d.month);
    if (out.day > last)
        out.day = last;
    return out;
}

//  Last day of a fixed term.  Definition: add the months to valid_from,
//  keeping its day but clamping it to the last day of the month reached,
//  then step back one day.  2026-11-27 + 12 -> 2027-11-26; 2024-01-31 + 1
//  -> 2024-02-29 -> 2024-02-28; 2023-01-31 + 1 -> 2023-02-28 -> 2023-02-27;
//  2024-02-29 + 12 -> 2025-02-28 -> 2025-02-27; 2024-03-01 + 12 ->
//  2025-03-01 -> 2025-02-28.  False if the end is after year 9999.
static bool
s_term_end (s_date_t from, uint32_t months, char out [LIFECYCLE_DAY_SIZE])
{
    int64_t index = from.year * 12 + (from.month - 1) + months;
    s_date_t end = { index / 12, (int) (index % 12) + 1, from.day };
    end = s_in_year (end, end.year);
    if (end.day > 1)
        end.day--;
    else
    if (end.month > 1) {
        end.month--;
        end.day = s_month_days (end.year, end.month);
    }
    else {
        end.year--;
        end.month = 12;
        end.day = 31;
    }
    if (end.year > 9999)
        return false;
    //  From is a date of licid_date_valid (year 1900 or later) and the
    //  end is after it, so the year has 4 digits and this always writes
    return lifecycle_date_text (end.year, end.month, end.day, out);
}


//  --------------------------------------------------------------------
//  catalogue_check_type, in the order catalogue.h lists

static const char *
s_kind_name (Lic__ItemKind kind)
{
    switch (kind) {
        case LIC__ITEM_KIND__KIND_STRING:  return "string";
        case LIC__ITEM_KIND__KIND_INTEGER: return "integer";
        case LIC__ITEM_KIND__KIND_DECIMAL: return "decimal";
        case LIC__ITEM_KIND__KIND_DATE:    return "date";
        case LIC__ITEM_KIND__KIND_ENUM:    return "enum";
        case LIC__ITEM_KIND__KIND_BOOLEAN: return "boolean";
        default:                           break;
    }
    return NULL;
}

//  "an integer", "a date" ...
static const char *
s_article (Lic__ItemKind kind)
{
    return kind == LIC__ITEM_KIND__KIND_INTEGER
        || kind == LIC__ITEM_KIND__KIND_ENUM? "an": "a";
}

static int
    s_bad_spec (char *why, size_t why_size, size_t index,
                const Lic__ItemSpec *spec, const char *format, ...)
    __attribute__ ((format (printf, 5, 6)));

//  "items[3] (registered_capital): " + the rest; ERR_BAD_FIELD
static int
s_bad_spec (char *why, size_t why_size, size_t index,
            const Lic__ItemSpec *spec, const char *format, ...)
{
    char prefix [S_QUOTE_MAX + 32];
    snprintf (prefix, sizeof prefix, "items[%zu] (%s)", index,
              s_str (spec->name));
    va_list args;
    va_start (args, format);
    s_why_prefixed (why, why_size, prefix, format, args);
    va_end (args);
    return ERR_BAD_FIELD;
}

static int
s_check_identity (const Lic__LicenseType *t, char *why, size_t why_size)
{
    const char *code = s_str (t->type_code);
    if (!*code) {
        err_why (why, why_size, "type_code: missing");
        return ERR_BAD_FIELD;
    }
    if (!licid_type_code_valid (code)) {
        err_why (why, why_size, "type_code %s: not a credit code + 3 digits",
               s_shown (code));
        return ERR_BAD_FIELD;
    }
    if (!*s_str (t->defining_body)) {
        err_why (why, why_size, "defining_body: missing");
        return ERR_BAD_FIELD;
    }
    if (strncmp (t->defining_body, code, LICID_ISSUER_LEN) != 0
    ||  strlen (t->defining_body) != LICID_ISSUER_LEN) {
        err_why (why, why_size, "defining_body %s: not the credit code %.18s "
               "that type_code starts with", s_shown (t->defining_body),
               code);
        return ERR_BAD_FIELD;
    }
    if (!*s_str (t->name)) {
        err_why (why, why_size, "name: missing");
        return ERR_BAD_FIELD;
    }
    if (!s_text_ok (t->name)) {
        err_why (why, why_size, "name: not UTF-8 text");
        return ERR_BAD_FIELD;
    }
    return ERR_OK;
}

static int
s_check_values (const Lic__ItemSpec *spec, size_t i,
                char *why, size_t why_size)
{
    bool is_enum = spec->kind == LIC__ITEM_KIND__KIND_ENUM;
    if (is_enum && spec->n_values == 0)
        return s_bad_spec (why, why_size, i, spec, "enum without values");
    if (!is_enum && spec->n_values > 0)
        return s_bad_spec (why, why_size, i, spec, "values given for %s %s "
                           "item", s_article (spec->kind),
                           s_kind_name (spec->kind));
    if (spec->n_values > CATALOGUE_VALUES_MAX)
        return s_bad_spec (why, why_size, i, spec, "%zu values, at most %d",
                           spec->n_values, CATALOGUE_VALUES_MAX);
    for (size_t v = 0; v < spec->n_values; v++) {
        const char *value = s_str (spec->values [v]);
        if (!*value)
            return s_bad_spec (why, why_size, i, spec, "values[%zu] is "
                               "empty", v);
        if (!s_text_ok (value))
            return s_bad_spec (why, why_size, i, spec, "values[%zu] is not "
                               "UTF-8 text", v);
        for (size_t w = 0; w < v; w++)
            if (strcmp (value, s_str (spec->values [w])) == 0)
                return s_bad_spec (why, why_size, i, spec, "values[%zu] "
                                   "repeats values[%zu]", v, w);
    }
    return ERR_OK;
}

static int
s_check_bounds (const Lic__ItemSpec *spec, size_t i,
                char *why, size_t why_size)
{
    const char *min = s_str (spec->min), *max = s_str (spec->max);
    const char *kind = s_kind_name (spec->kind);
    if (!*min && !*max)
        return ERR_OK;
    if (spec->kind != LIC__ITEM_KIND__KIND_INTEGER
    &&  spec->kind != LIC__ITEM_KIND__KIND_DECIMAL
    &&  spec->kind != LIC__ITEM_KIND__KIND_DATE)
        return s_bad_spec (why, why_size, i, spec, "min/max given for %s %s "
                           "item", s_article (spec->kind), kind);
    if (*min && !s_parses_as (spec->kind, min))
        return s_bad_spec (why, why_size, i, spec, "min %s is not %s %s",
                           s_shown (min), s_article (spec->kind), kind);
    if (*max && !s_parses_as (spec->kind, max))
        return s_bad_spec (why, why_size, i, spec, "max %s is not %s %s",
                           s_shown (max), s_article (spec->kind), kind);
    if (*min && *max && s_bound_cmp (spec->kind, min, max) > 0)
        return s_bad_spec (why, why_size, i, spec, "min %s is above max %s",
                           min, max);
    return ERR_OK;
}

static int
s_check_spec (const Lic__LicenseType *t, size_t i, char *why, size_t why_size)
{
    const Lic__ItemSpec *spec = t->items [i];
    if (!spec || !*s_str (spec->name)) {
        err_why (why, why_size, "items[%zu]: no name", i);
        return ERR_BAD_FIELD;
    }
    if (!s_text_ok (spec->name)
    ||  strnlen (spec->name, S_QUOTE_MAX + 1) > S_QUOTE_MAX) {
        err_why (why, why_size, "items[%zu]: name is not UTF-8 text of at "
               "most %d bytes", i, S_QUOTE_MAX);
        return ERR_BAD_FIELD;
    }
    for (size_t j = 0; j < i; j++)
        if (strcmp (spec->name, s_str (t->items [j]->name)) == 0)
            return s_bad_spec (why, why_size, i, spec, "name repeats "
                               "items[%zu]", j);
    if (!s_text_ok (spec->label))
        return s_bad_spec (why, why_size, i, spec, "label is not UTF-8 "
                           "text");
    if (!s_kind_name (spec->kind))
        return s_bad_spec (why, why_size, i, spec, "unknown kind %d",
                           (int) spec->kind);
    if ((unsigned) spec->sensitivity > LIC__SENSITIVITY__SENS_SECRET)
        return s_bad_spec (why, why_size, i, spec, "unknown sensitivity %d",
                           (int) spec->sensitivity);
    int rc = s_check_values (spec, i, why, why_size);
    if (rc == ERR_OK)
        rc = s_check_bounds (spec, i, why, why_size);
    return rc;
}

static int
s_check_rule (const Lic__LicenseType *t, char *why, size_t why_size)
{
    struct {
        const ProtobufCBinaryData *digest;
        const char *field;
    } digests [] = {
        { &t->template_digest, "template_digest" },
        { &t->sample_digest, "sample_digest" },
        { &t->seal_digest, "seal_digest" },
    };
    for (size_t i = 0; i < sizeof digests / sizeof digests [0]; i++)
        if (digests [i].digest->len != 0
        &&  digests [i].digest->len != S_DIGEST_LEN) {
            err_why (why, why_size, "%s: %zu bytes, must be 0 or %d",
                   digests [i].field, digests [i].digest->len, S_DIGEST_LEN);
            return ERR_BAD_FIELD;
        }
    const Lic__ValidityRule *rule = t->validity;
    if (rule && rule->open_ended && rule->term_months > 0) {
        err_why (why, why_size, "validity: both open_ended and term_months");
        return ERR_BAD_FIELD;
    }
    if (rule && rule->inspection_window_days > S_WINDOW_MAX) {
        err_why (why, why_size, "validity: inspection_window_days %u, at "
               "most %d", (unsigned) rule->inspection_window_days,
               S_WINDOW_MAX);
        return ERR_BAD_FIELD;
    }
    return ERR_OK;
}

int
catalogue_check_type (const Lic__LicenseType *t, char *why, size_t why_size)
{
    assert (t);
    int rc = s_check_identity (t, why, why_size);
    if (rc == ERR_OK && t->n_items > CATALOGUE_ITEMS_MAX) {
        err_why (why, why_size, "items: %zu specs, at most %d", t->n_items,
               CATALOGUE_ITEMS_MAX);
        rc = ERR_BAD_FIELD;
    }
    for (size_t i = 0; rc == ERR_OK && i < t->n_items; i++)
        rc = s_check_spec (t, i, why, why_size);
    if (rc == ERR_OK)
        rc = s_check_rule (t, why, why_size);
    //  Every string is text (proto/text.h): the checks above judged names,
    //  labels and values with their own messages (quoting none that is
    //  not text: s_shown); this covers every other string of the type.
    //  Their length is bounded by the frame and the entry limit.
    if (rc == ERR_OK)
        rc = codec_check_text (&t->base, CODEC_FRAME_MAX, why, why_size);
    return rc;
}


//  --------------------------------------------------------------------
//  catalogue_check_content: unknown items, each spec in type order,
//  then the validity rule

static int
    s_bad_item (char *why, size_t why_size, const Lic__ItemSpec *spec,
                const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

//  "item registered_capital (注册资本): " + the rest; ERR_CATALOGUE
static int
s_bad_item (char *why, size_t why_size, const Lic__ItemSpec *spec,
            const char *format, ...)
{
    char prefix [256];
    const char *name = s_text_ok (spec->name)? s_str (spec->name):
                       "(unprintable)";
    const char *label = s_text_ok (spec->label)? s_str (spec->label):
                        "(unprintable)";
    if (*label)
        snprintf (prefix, sizeof prefix, "item %s (%s)", name, label);
    else
        snprintf (prefix, sizeof prefix, "item %s", name);
    va_list args;
    va_start (args, format);
    s_why_prefixed (why, why_size, prefix, format, args);
    va_end (args);
    return ERR_CATALOGUE;
}

//  Bytes of the quoted value and its NUL (s_shown quotes at most
//  S_QUOTE_MAX bytes)
#define S_QUOTED_SIZE (S_QUOTE_MAX + 3)

//  The value in quotes if the item is public and it prints, else "value".
//  For messages only: the checks below call it on their failure path,
//  never for a value that passes (it costs a text check and a printf).
static const char *
s_quoted (const Lic__ItemSpec *spec, const char *value, char buf [S_QUOTED_SIZE])
{
    if (spec->sensitivity != LIC__SENSITIVITY__SENS_PUBLIC
    ||  strchr (value, '"') || strchr (value, '\\')
    ||  s_shown (value) != value)
        return "value";
    snprintf (buf, S_QUOTED_SIZE, "\"%s\"", value);
    return buf;
}

//  The value the checks judge: the item's text, or for a digested item
//  (proto/README.md section 10) its disclosed value; NULL if the item is absent.
//  *known is false for a digested item whose value is not disclosed here
//  (upper levels, secret items): it counts as present, and its value
//  rules are the business of the node that saw the value.
//  next: disclose_item_next's, the specs being looked up in turn.
static const char *
s_value (const Lic__LicenseContent *c, const char *name,
         Lic__Disclosure *const *d, size_t n, size_t *next, bool *known)
{
    const Lic__DataItem *item = disclose_item_next (c, name, next);
    const Lic__Disclosure *disclosed = NULL;
    *known = true;
    if (!item)
        return NULL;
    if (item->digest.len == 0)
        return s_str (item->value);
    disclosed = disclose_find (d, n, name);
    *known = disclosed != NULL;
    return disclosed? s_str (disclosed->value): "";
}

//  Each item's name is looked for among the specs from the one after the
//  spec the previous item matched, round to it: content items are sorted
//  (evcheck) and a type lists its specs in some order, often the same, so
//  the search usually ends at its first comparison; any order still
//  finds every spec.
static int
s_check_unknown (const Lic__LicenseType *t, const Lic__LicenseContent *c,
                 char *why, size_t why_size)
{
    size_t from = 0;
    for (size_t i = 0; i < c->n_items; i++) {
        const char *name = c->items [i]? s_str (c->items [i]->name): "";
        bool known = false;
        for (size_t k = 0; !known && k < t->n_items; k++) {
            size_t j = (from + k) % t->n_items;
            known = t->items [j]
                 && strcmp (name, s_str (t->items [j]->name)) == 0;
            if (known)
                from = j + 1;
        }
        if (!known) {
            err_why (why, why_size, "item %s: not in the data-item standard "
                   "of type %s", s_shown (name), s_shown (t->type_code));
            return ERR_CATALOGUE;
        }
    }
    return ERR_OK;
}

//  buf: where s_quoted writes the value for a message
static int
s_check_kind (const Lic__ItemSpec *spec, const char *value, char buf [S_QUOTED_SIZE],
              char *why, size_t why_size)
{
    s_decimal_t unused;
    switch (spec->kind) {
        case LIC__ITEM_KIND__KIND_STRING:
            return ERR_OK;
        case LIC__ITEM_KIND__KIND_INTEGER:
            if (!s_integer_syntax (value))
                return s_bad_item (why, why_size, spec, "%s is not an "
                                   "integer", s_quoted (spec, value, buf));
            if (!s_integer_fits (value))
                return s_bad_item (why, why_size, spec, "%s is outside the "
                                   "64-bit integer range", s_quoted (spec, value, buf));
            return ERR_OK;
        case LIC__ITEM_KIND__KIND_DECIMAL:
            switch (s_decimal_parse (value, &unused)) {
                case S_DECIMAL_OK:
                    return ERR_OK;
                case S_DECIMAL_TOO_PRECISE:
                    return s_bad_item (why, why_size, spec, "%s has more "
                                       "than %d decimal places",
                                       s_quoted (spec, value, buf), S_DECIMALS_MAX);
                default:
                    return s_bad_item (why, why_size, spec, "%s is not a "
                                       "decimal", s_quoted (spec, value, buf));
            }
        case LIC__ITEM_KIND__KIND_DATE:
            if (licid_date_valid (value))
                return ERR_OK;
            return s_bad_item (why, why_size, spec, "%s is not a date "
                               "YYYY-MM-DD", s_quoted (spec, value, buf));
        case LIC__ITEM_KIND__KIND_ENUM:
            for (size_t v = 0; v < spec->n_values; v++)
                if (strcmp (value, s_str (spec->values [v])) == 0)
                    return ERR_OK;
            return s_bad_item (why, why_size, spec, "%s is not one of the "
                               "%zu allowed values", s_quoted (spec, value, buf),
                               spec->n_values);
        case LIC__ITEM_KIND__KIND_BOOLEAN:
            if (strcmp (value, "true") == 0 || strcmp (value, "false") == 0)
                return ERR_OK;
            return s_bad_item (why, why_size, spec, "%s is not true or "
                               "false", s_quoted (spec, value, buf));
        default:
            break;
    }
    return s_bad_item (why, why_size, spec, "unknown kind %d",
                       (int) spec->kind);
}

//  min/max of integers, decimals and dates; a bound that does not parse
//  for the kind is ignored (catalogue_check_type refuses such types)
static int
s_check_range (const Lic__ItemSpec *spec, const char *value,
               char buf [S_QUOTED_SIZE], char *why, size_t why_size)
{
    const char *min = s_str (spec->min), *max = s_str (spec->max);
    if (!s_parses_as (spec->kind, value))
        return ERR_OK;              //  strings, enums, booleans
    if (*min && s_parses_as (spec->kind, min)
    &&  s_bound_cmp (spec->kind, value, min) < 0)
        return s_bad_item (why, why_size, spec, "%s is below the minimum "
                           "%s", s_quoted (spec, value, buf), min);
    if (*max && s_parses_as (spec->kind, max)
    &&  s_bound_cmp (spec->kind, value, max) > 0)
        return s_bad_item (why, why_size, spec, "%s is above the maximum "
                           "%s", s_quoted (spec, value, buf), max);
    return ERR_OK;
}

//  An item present with an empty value counts as absent.  text: the
//  value is known to be text (catalogue_check_disclosed's callers
//  checked it at the door), so it is counted, not checked again.
static int
s_check_item (const Lic__ItemSpec *spec, const char *value, bool text,
              char *why, size_t why_size)
{
    if (!value || !*value) {
        if (spec->required)
            return s_bad_item (why, why_size, spec, "required but missing");
        return ERR_OK;
    }
    size_t length = 0;
    if (!text && !s_utf8_count (value, &length))
        return s_bad_item (why, why_size, spec, "value is not valid UTF-8");
    char buf [S_QUOTED_SIZE];
    int rc = s_check_kind (spec, value, buf, why, why_size);
    if (rc)
        return rc;
    if (text && spec->max_length > 0)
        length = text_count_chars (value);
    if (spec->max_length > 0 && length > spec->max_length)
        return s_bad_item (why, why_size, spec, "%zu characters, at most %u "
                           "allowed", length, (unsigned) spec->max_length);
    return s_check_range (spec, value, buf, why, why_size);
}

static int
s_check_validity (const Lic__ValidityRule *rule, const Lic__LicenseContent *c,
                  char *why, size_t why_size)
{
    const char *valid_to = s_str (c->valid_to);
    if (!rule)
        return ERR_OK;
    if (rule->open_ended && *valid_to) {
        err_why (why, why_size, "validity: open-ended type but valid_to is "
               "set");
        return ERR_CATALOGUE;
    }
    if (rule->term_months == 0)
        return ERR_OK;
    unsigned months = (unsigned) rule->term_months;
    s_date_t from;
    char expected [LIFECYCLE_DAY_SIZE];
    if (!s_date_parse (c->valid_from, &from)) {
        err_why (why, why_size, "validity: a %u-month term needs valid_from "
               "as a date YYYY-MM-DD", months);
        return ERR_CATALOGUE;
    }
    if (!s_term_end (from, rule->term_months, expected)) {
        err_why (why, why_size, "validity: a %u-month term from %s ends after "
               "9999-12-31", months, c->valid_from);
        return ERR_CATALOGUE;
    }
    if (strcmp (valid_to, expected) != 0) {
        err_why (why, why_size, "validity: valid_to must be %s for a %u-month "
               "term", expected, months);
        return ERR_CATALOGUE;
    }
    return ERR_OK;
}

//  Both checks of content; text: its values are known to be text
static int
s_check_content (const Lic__LicenseType *t, const Lic__LicenseContent *c,
                 Lic__Disclosure *const *d, size_t n, bool text,
                 char *why, size_t why_size)
{
    assert (t && c);
    int rc = s_check_unknown (t, c, why, why_size);
    size_t next = 0;
    for (size_t i = 0; rc == ERR_OK && i < t->n_items; i++) {
        const Lic__ItemSpec *spec = t->items [i];
        bool known;
        const char *value = spec? s_value (c, s_str (spec->name), d, n, &next, &known):
                                  NULL;
        if (spec && known)
            rc = s_check_item (spec, value, text, why, why_size);
    }
    if (rc == ERR_OK)
        rc = s_check_validity (t->validity, c, why, why_size);
    //  A type whose licenses are their files (regulation Art. 2) says so.
    if (rc == ERR_OK && t->file_required && c->file_digest.len == 0) {
        err_why (why, why_size, "license type %s requires the license's file: "
                 "content.file_digest is empty", s_str (t->type_code));
        rc = ERR_CATALOGUE;
    }
    return rc;
}

int
catalogue_check_content (const Lic__LicenseType *t, const Lic__LicenseContent *c,
                         char *why, size_t why_size)
{
    return s_check_content (t, c, NULL, 0, false, why, why_size);
}

//  The node calls this only once evcheck_envelope has passed on the
//  event (ingest_check_event answers the verifier's refusal first, on
//  publish and on replication: node/pipeline/ingest_checks.c), so every
//  value it judges, the content's and the disclosures', is text already
//  (codec_check_text at the door): their lengths are counted
//  (text_count_chars), not checked again.  catalogue_check_content, for
//  content from anywhere (JSON, tools, tests), keeps the check and
//  refuses a value that is not text.
int
catalogue_check_disclosed (const Lic__LicenseType *t, const Lic__LicenseContent *c,
                           Lic__Disclosure *const *d, size_t n,
                           char *why, size_t why_size)
{
    return s_check_content (t, c, d, n, true, why, why_size);
}


//  --------------------------------------------------------------------
//  catalogue_inspection_overdue

//  The anniversary that counts is the latest one after the issue date
//  whose window has closed: anniversary + window < today.  While the
//  window of a newer anniversary is still open, the one before it still
//  counts, so a license that missed last year's inspection stays overdue
//  through this year's grace days.  Overdue if the last inspection is
//  before that anniversary.
bool
catalogue_inspection_overdue (const Lic__LicenseType *t,
                              const Lic__LicenseState *st, time_t now)
{
    assert (t && st);
    const Lic__ValidityRule *rule = t->validity;
    if (!rule || !rule->annual_inspection)
        return false;
    if (st->status != LIC__STATUS__STATUS_VALID
    &&  st->status != LIC__STATUS__STATUS_SUSPENDED)
        return false;
    s_date_t issued, inspected;
    if (!st->content || !s_date_parse (st->content->issue_date, &issued))
        return false;
    //  Not a date (never stored by the node) counts as no inspection
    int64_t last = s_date_parse (st->last_inspection, &inspected)?
                   s_days (inspected): INT64_MIN;
    int64_t window = rule->inspection_window_days;
    if (window > S_WINDOW_MAX)
        window = S_WINDOW_MAX;      //  catalogue_check_type refuses more
    int64_t today = lifecycle_today (now);
    int64_t year = s_year_of (today);
    //  With window <= 366 the anniversary three years back has closed
    for (int back = 0; back <= 3 && year - back > issued.year; back++) {
        int64_t anniversary = s_days (s_in_year (issued, year - back));
        if (anniversary + window < today)
            return last < anniversary;
    }
    return false;
}
