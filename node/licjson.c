/*  licjson.c -- license events, license types and views as JSON
    (formats in licjson.h).

    Parsing builds the Event (or LicenseType) on the stack with strings
    borrowed from the jansson tree, encodes it, and decodes the bytes into
    the caller's message: the caller gets a normally unpacked message
    (codec_event_free / codec_license_type_free work) and the encoding of
    an event is the canonical one the department signs.
    Canonical means: ids normalised to the bare form, data items sorted
    by name, no optional member that changes bytes depending on how the
    JSON was written.

    Does not check license semantics (dates, codes, lifecycle): that is
    proto/evcheck.c at the node; nor whether a type's standard makes sense:
    proto/catalogue.c.  Op, status, kind and sensitivity names are kept
    here so this module needs nothing from proto/ but the codec (and the
    limits in catalogue.h).
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include "catalogue.h"
#include "codec.h"
#include "licid.h"
#include "licjson.h"
#include "seal.h"

// ---------------------------------------------------------------------
//  Names

static const char *s_op_names [] = {
    "none", "issue", "alter", "annual_inspection", "extend", "suspend",
    "reinstate", "withdraw", "revoke", "cancel", "transfer_out", "pledge",
    "pledge_release"
};
#define S_OP_COUNT (sizeof s_op_names / sizeof s_op_names [0])

const char *
licjson_op_name (Lic__Op op)
{
    return (unsigned) op < S_OP_COUNT? s_op_names [op]: "none";
}

Lic__Op
licjson_op_parse (const char *name)
{
    for (unsigned op = 1; name && op < S_OP_COUNT; op++)
        if (strcmp (name, s_op_names [op]) == 0)
            return (Lic__Op) op;
    return LIC__OP__OP_NONE;
}

static const struct {
    Lic__Status status;
    const char *code;
    const char *name;
} s_statuses [] = {
    { LIC__STATUS__STATUS_NONE, "00", "none" },
    { LIC__STATUS__STATUS_VALID, "01", "valid" },
    { LIC__STATUS__STATUS_SUSPENDED, "02", "suspended" },
    { LIC__STATUS__STATUS_WITHDRAWN, "03", "withdrawn" },
    { LIC__STATUS__STATUS_CANCELLED, "04", "cancelled" },
    { LIC__STATUS__STATUS_EXPIRED, "05", "expired" },
    { LIC__STATUS__STATUS_TRANSFERRED_OUT, "06", "transferred_out" },
    { LIC__STATUS__STATUS_REVOKED, "07", "revoked" },
    { LIC__STATUS__STATUS_OTHER, "99", "other" }
};
#define S_STATUS_COUNT (sizeof s_statuses / sizeof s_statuses [0])

const char *
licjson_status_code (Lic__Status status)
{
    for (size_t i = 0; i < S_STATUS_COUNT; i++)
        if (s_statuses [i].status == status)
            return s_statuses [i].code;
    return "99";
}

const char *
licjson_status_name (Lic__Status status)
{
    for (size_t i = 0; i < S_STATUS_COUNT; i++)
        if (s_statuses [i].status == status)
            return s_statuses [i].name;
    return "other";
}

static const char *s_kind_names [] = {
    "none", "string", "integer", "decimal", "date", "enum", "boolean"
};
#define S_KIND_COUNT (sizeof s_kind_names / sizeof s_kind_names [0])

const char *
licjson_kind_name (Lic__ItemKind kind)
{
    return (unsigned) kind < S_KIND_COUNT? s_kind_names [kind]: "none";
}

static const char *s_sensitivity_names [] = {
    "public", "internal", "personal", "commercial", "secret"
};
#define S_SENSITIVITY_COUNT \
    (sizeof s_sensitivity_names / sizeof s_sensitivity_names [0])

const char *
licjson_sensitivity_name (Lic__Sensitivity sensitivity)
{
    return (unsigned) sensitivity < S_SENSITIVITY_COUNT?
           s_sensitivity_names [sensitivity]: "secret";
}

// ---------------------------------------------------------------------
//  Parsing helpers

//  Where a parse reports why it failed.
typedef struct {
    char *text;                         //  caller's buffer, may be NULL
    size_t size;                        //  its size
} s_why_t;

//  Everything one parse borrows or owns until the event is encoded.
typedef struct {
    s_why_t w;                          //  the caller's why
    Lic__Event ev;                      //  top level, on the stack
    Lic__LicenseContent content;        //  ev.content when "license"
    Lic__Holder holder;                 //  content.holder when "holder"
    Lic__DataItem *item_store;          //  malloc'd, n_items entries
    Lic__DataItem **items;              //  malloc'd, sorted pointers
    uint8_t digest [SEAL_HASH_BYTES];   //  content.file_digest data
    char license_id [LICID_BARE_MAX + 1];       //  normalised id
    char predecessor_id [LICID_BARE_MAX + 1];   //  normalised id
} s_build_t;

static int
s_fail (s_why_t *w, int rc, const char *format, ...)
{
    if (w->text && w->size) {
        va_list args;
        va_start (args, format);
        vsnprintf (w->text, w->size, format, args);
        va_end (args);
    }
    return rc;
}

//  Refuses any member of obj not named in allowed (NULL-terminated).
static int
s_check_keys (s_why_t *w, json_t *obj, const char *const *allowed,
              const char *where)
{
    const char *key;
    json_t *value;
    json_object_foreach (obj, key, value) {
        size_t i = 0;
        while (allowed [i] && strcmp (allowed [i], key) != 0)
            i++;
        if (!allowed [i])
            return s_fail (w, ERR_MALFORMED, "unknown key '%s'%s%s", key,
                           where? " in ": "", where? where: "");
    }
    return ERR_OK;
}

//  Borrows the optional string member key into *dst (absent or null
//  leaves *dst alone).
static int
s_string (s_why_t *w, json_t *obj, const char *key, char **dst)
{
    json_t *value = json_object_get (obj, key);
    if (!value || json_is_null (value))
        return ERR_OK;
    if (!json_is_string (value))
        return s_fail (w, ERR_MALFORMED, "'%s' must be a string", key);
    *dst = (char *) json_string_value (value);
    return ERR_OK;
}

//  Removes the printed prefix and the dots of a license id into out.
static int
s_normalise_id (s_build_t *b, const char *key, const char *text, char *out)
{
    size_t prefix = strlen (LICID_PRINTED_PREFIX);
    if (strncmp (text, LICID_PRINTED_PREFIX, prefix) == 0)
        text += prefix;
    size_t n = 0;
    for (; *text; text++) {
        if (*text == '.')
            continue;
        if (n == LICID_BARE_MAX)
            return s_fail (&b->w, ERR_BAD_LICENSE_ID, "'%s' is too long", key);
        out [n++] = *text;
    }
    out [n] = 0;
    return ERR_OK;
}

//  Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
static int64_t
s_days_from_civil (int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0? y: y - 399) / 400;
    unsigned yoe = (unsigned) (y - era * 400);
    unsigned doy = (153 * (m + (m > 2? -3: 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t) doe - 719468;
}

//  Reads n decimal digits at *s into *value and advances *s.
static bool
s_digits (const char **s, int n, int *value)
{
    *value = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s) [i];
        if (c < '0' || c > '9')
            return false;
        *value = *value * 10 + (c - '0');
    }
    *s += n;
    return true;
}

//  RFC 3339 date-time with a required offset to unix seconds.
static bool
s_parse_rfc3339 (const char *s, int64_t *out)
{
    static const int mdays [] = { 31,29,31,30,31,30,31,31,30,31,30,31 };
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    if (!s_digits (&s, 4, &y) || *s++ != '-' || !s_digits (&s, 2, &mo)
    ||  *s++ != '-' || !s_digits (&s, 2, &d))
        return false;
    if (*s != 'T' && *s != 't' && *s != ' ')
        return false;
    s++;
    if (!s_digits (&s, 2, &h) || *s++ != ':' || !s_digits (&s, 2, &mi)
    ||  *s++ != ':' || !s_digits (&s, 2, &sec))
        return false;
    if (*s == '.') {                    //  fraction: truncated
        s++;
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'Z' || *s == 'z')
        s++;
    else
    if (*s == '+' || *s == '-') {
        sign = *s++ == '-'? -1: 1;
        if (!s_digits (&s, 2, &oh) || *s++ != ':' || !s_digits (&s, 2, &om))
            return false;
    }
    else
        return false;                   //  offset required
    if (*s || mo < 1 || mo > 12 || d < 1 || d > mdays [mo - 1]
    ||  (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
    ||  h > 23 || mi > 59 || sec > 59 || oh > 23 || om > 59)
        return false;
    int64_t days = s_days_from_civil (y, (unsigned) mo, (unsigned) d);
    *out = days * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    return true;
}

static int
s_completed_at (s_build_t *b, json_t *root)
{
    json_t *value = json_object_get (root, "completed_at");
    if (!value || json_is_null (value))
        return ERR_OK;
    if (json_is_integer (value)) {
        b->ev.completed_at = json_integer_value (value);
        return ERR_OK;
    }
    if (json_is_string (value)
    &&  s_parse_rfc3339 (json_string_value (value), &b->ev.completed_at))
        return ERR_OK;
    return s_fail (&b->w, ERR_BAD_FIELD, "'completed_at' must be unix seconds or "
                   "YYYY-MM-DDTHH:MM:SS+08:00 (offset required)");
}

static int
s_expected_version (s_build_t *b, json_t *root)
{
    json_t *value = json_object_get (root, "expected_version");
    if (!value || json_is_null (value))
        return ERR_OK;
    if (!json_is_integer (value))
        return s_fail (&b->w, ERR_MALFORMED, "'expected_version' must be an integer");
    json_int_t v = json_integer_value (value);
    if (v < 0 || v > UINT32_MAX)
        return s_fail (&b->w, ERR_BAD_FIELD, "'expected_version' out of range");
    b->ev.expected_version = (uint32_t) v;
    return ERR_OK;
}

// ---------------------------------------------------------------------
//  Parsing the license content

static int
s_compare_items (const void *a, const void *b)
{
    const Lic__DataItem *x = *(Lic__DataItem *const *) a;
    const Lic__DataItem *y = *(Lic__DataItem *const *) b;
    return strcmp (x->name, y->name);   //  byte order: strcmp is unsigned
}

static int
s_parse_items (s_build_t *b, json_t *items)
{
    if (!items || json_is_null (items))
        return ERR_OK;
    if (!json_is_object (items))
        return s_fail (&b->w, ERR_MALFORMED, "'items' must be an object");
    size_t n = json_object_size (items);
    if (n == 0)
        return ERR_OK;
    b->item_store = calloc (n, sizeof *b->item_store);
    b->items = calloc (n, sizeof *b->items);
    if (!b->item_store || !b->items)
        return s_fail (&b->w, ERR_NOMEM, "out of memory");
    const char *key;
    json_t *value;
    size_t i = 0;
    json_object_foreach (items, key, value) {
        if (!json_is_string (value))
            return s_fail (&b->w, ERR_MALFORMED, "item '%s' must be a string", key);
        codec_item_init (&b->item_store [i]);
        b->item_store [i].name = (char *) key;
        b->item_store [i].value = (char *) json_string_value (value);
        b->items [i] = &b->item_store [i];
        i++;
    }
    qsort (b->items, n, sizeof *b->items, s_compare_items);
    b->content.n_items = n;
    b->content.items = b->items;
    return ERR_OK;
}

static int
s_parse_holder (s_build_t *b, json_t *holder)
{
    static const char *const allowed [] = { "id_type", "id", "name", NULL };
    if (!holder || json_is_null (holder))
        return ERR_OK;
    if (!json_is_object (holder))
        return s_fail (&b->w, ERR_MALFORMED, "'holder' must be an object");
    int rc = s_check_keys (&b->w, holder, allowed, "holder");
    if (rc == ERR_OK)
        rc = s_string (&b->w, holder, "id_type", &b->holder.id_type);
    if (rc == ERR_OK)
        rc = s_string (&b->w, holder, "id", &b->holder.id);
    if (rc == ERR_OK)
        rc = s_string (&b->w, holder, "name", &b->holder.name);
    b->content.holder = &b->holder;
    return rc;
}

static int
s_parse_license (s_build_t *b, json_t *lic)
{
    static const char *const allowed [] = {
        "name", "holder", "issue_date", "valid_from", "valid_to",
        "division_code", "service_item_code", "items", "seal_info",
        "file_digest", "predecessor_id", NULL
    };
    if (!lic || json_is_null (lic))
        return ERR_OK;
    if (!json_is_object (lic))
        return s_fail (&b->w, ERR_MALFORMED, "'license' must be an object");
    Lic__LicenseContent *c = &b->content;
    char *digest = NULL;
    char *predecessor = NULL;
    int rc = s_check_keys (&b->w, lic, allowed, "license");
    if (rc == ERR_OK) rc = s_string (&b->w, lic, "name", &c->name);
    if (rc == ERR_OK) rc = s_string (&b->w, lic, "issue_date", &c->issue_date);
    if (rc == ERR_OK) rc = s_string (&b->w, lic, "valid_from", &c->valid_from);
    if (rc == ERR_OK) rc = s_string (&b->w, lic, "valid_to", &c->valid_to);
    if (rc == ERR_OK) rc = s_string (&b->w, lic, "division_code", &c->division_code);
    if (rc == ERR_OK) rc = s_string (&b->w, lic, "service_item_code", &c->service_item_code);
    if (rc == ERR_OK) rc = s_string (&b->w, lic, "seal_info", &c->seal_info);
    if (rc == ERR_OK) rc = s_string (&b->w, lic, "file_digest", &digest);
    if (rc == ERR_OK) rc = s_string (&b->w, lic, "predecessor_id", &predecessor);
    if (rc == ERR_OK) rc = s_parse_holder (b, json_object_get (lic, "holder"));
    if (rc == ERR_OK) rc = s_parse_items (b, json_object_get (lic, "items"));
    if (rc != ERR_OK)
        return rc;
    if (digest && *digest) {
        if (seal_unhex (b->digest, sizeof b->digest, digest) != ERR_OK)
            return s_fail (&b->w, ERR_BAD_FIELD,
                           "'file_digest' must be 64 hex digits (SHA-256)");
        c->file_digest.data = b->digest;
        c->file_digest.len = sizeof b->digest;
    }
    if (predecessor) {
        rc = s_normalise_id (b, "predecessor_id", predecessor, b->predecessor_id);
        c->predecessor_id = b->predecessor_id;
    }
    b->ev.content = c;
    return rc;
}

// ---------------------------------------------------------------------
//  Parsing the event

static int
s_parse_event (s_build_t *b, json_t *root)
{
    static const char *const allowed [] = {
        "op", "license_id", "expected_version", "issuer_code",
        "completed_at", "license", "valid_to", "note", NULL
    };
    if (!json_is_object (root))
        return s_fail (&b->w, ERR_MALFORMED, "an event must be a JSON object");
    int rc = s_check_keys (&b->w, root, allowed, NULL);
    if (rc != ERR_OK)
        return rc;
    json_t *op = json_object_get (root, "op");
    if (!json_is_string (op))
        return s_fail (&b->w, ERR_MALFORMED, "'op' missing or not a string");
    b->ev.op = licjson_op_parse (json_string_value (op));
    if (b->ev.op == LIC__OP__OP_NONE)
        return s_fail (&b->w, ERR_BAD_FIELD, "unknown op '%s'", json_string_value (op));
    json_t *id = json_object_get (root, "license_id");
    if (!json_is_string (id))
        return s_fail (&b->w, ERR_MALFORMED, "'license_id' missing or not a string");
    rc = s_normalise_id (b, "license_id", json_string_value (id), b->license_id);
    b->ev.license_id = b->license_id;
    if (rc == ERR_OK) rc = s_expected_version (b, root);
    if (rc == ERR_OK) rc = s_string (&b->w, root, "issuer_code", &b->ev.issuer_code);
    if (rc == ERR_OK) rc = s_completed_at (b, root);
    if (rc == ERR_OK) rc = s_string (&b->w, root, "valid_to", &b->ev.valid_to);
    if (rc == ERR_OK) rc = s_string (&b->w, root, "note", &b->ev.note);
    if (rc == ERR_OK) rc = s_parse_license (b, json_object_get (root, "license"));
    return rc;
}

int
licjson_event_from_json (const char *line, Lic__Event **out,
                         char *why, size_t why_size)
{
    s_build_t b;
    json_error_t jerr;
    uint8_t *buf = NULL;
    size_t size = 0;
    int rc;

    memset (&b, 0, sizeof b);
    b.w.text = why;
    b.w.size = why_size;
    codec_event_init (&b.ev);
    codec_content_init (&b.content);
    codec_holder_init (&b.holder);
    json_t *root = json_loads (line, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        rc = s_fail (&b.w, ERR_MALFORMED, "bad JSON at line %d column %d: %s",
                     jerr.line, jerr.column, jerr.text);
        goto cleanup;
    }
    rc = s_parse_event (&b, root);
    if (rc != ERR_OK)
        goto cleanup;
    rc = codec_event_encode (&b.ev, &buf, &size);
    if (rc != ERR_OK) {
        s_fail (&b.w, rc, "out of memory");
        goto cleanup;
    }
    rc = codec_event_decode (buf, size, out);
    if (rc == ERR_TOO_LARGE)
        s_fail (&b.w, rc, "event is %zu bytes, over the %d-byte limit",
                size, CODEC_FRAME_MAX);
    else
    if (rc != ERR_OK)
        s_fail (&b.w, rc, "%s re-decoding the event", err_str (rc));
cleanup:
    free (buf);
    free (b.items);
    free (b.item_store);
    json_decref (root);
    return rc;
}

// ---------------------------------------------------------------------
//  Parsing a license type (catalogue)

//  Everything one type parse borrows or owns until the type is encoded.
typedef struct {
    s_why_t w;                          //  the caller's why
    Lic__LicenseType t;                 //  top level, on the stack
    Lic__ValidityRule validity;         //  t.validity, always set
    Lic__ItemSpec *spec_store;          //  malloc'd, n_specs entries
    Lic__ItemSpec **specs;              //  malloc'd, t.items, input order
    size_t n_specs;                     //  specs allocated (values to free)
    uint8_t digests [3][SEAL_HASH_BYTES];   //  template, sample, seal data
    char defining_body [32];            //  derived from type_code if absent
} s_type_build_t;

//  Reads the optional boolean member key into *dst.
static int
s_bool (s_why_t *w, json_t *obj, const char *key, protobuf_c_boolean *dst)
{
    json_t *value = json_object_get (obj, key);
    if (!value || json_is_null (value))
        return ERR_OK;
    if (!json_is_boolean (value))
        return s_fail (w, ERR_MALFORMED, "'%s' must be true or false", key);
    *dst = json_is_true (value);
    return ERR_OK;
}

//  Reads the optional non-negative integer member key into *dst.
static int
s_uint32 (s_why_t *w, json_t *obj, const char *key, uint32_t *dst)
{
    json_t *value = json_object_get (obj, key);
    if (!value || json_is_null (value))
        return ERR_OK;
    if (!json_is_integer (value))
        return s_fail (w, ERR_MALFORMED, "'%s' must be an integer", key);
    json_int_t v = json_integer_value (value);
    if (v < 0 || v > UINT32_MAX)
        return s_fail (w, ERR_BAD_FIELD, "'%s' out of range", key);
    *dst = (uint32_t) v;
    return ERR_OK;
}

//  The optional digest member key: "" or null for none, else 64 hex
//  digits decoded into buf and pointed to by *dst.
static int
s_digest (s_why_t *w, json_t *obj, const char *key, uint8_t *buf,
          ProtobufCBinaryData *dst)
{
    char *hex = NULL;
    int rc = s_string (w, obj, key, &hex);
    if (rc != ERR_OK || !hex || !*hex)
        return rc;
    if (seal_unhex (buf, SEAL_HASH_BYTES, hex) != ERR_OK)
        return s_fail (w, ERR_BAD_FIELD, "'%s' must be 64 hex digits "
                       "(BLAKE2b-256 of a blob) or \"\"", key);
    dst->data = buf;
    dst->len = SEAL_HASH_BYTES;
    return ERR_OK;
}

static int
s_parse_values (s_type_build_t *tb, json_t *values, Lic__ItemSpec *spec)
{
    if (!values || json_is_null (values))
        return ERR_OK;
    if (!json_is_array (values))
        return s_fail (&tb->w, ERR_MALFORMED, "'values' must be an array");
    size_t n = json_array_size (values);
    if (n > CATALOGUE_VALUES_MAX)
        return s_fail (&tb->w, ERR_TOO_LARGE, "%zu values, at most %d", n,
                       CATALOGUE_VALUES_MAX);
    if (n == 0)
        return ERR_OK;
    spec->values = calloc (n, sizeof *spec->values);
    if (!spec->values)
        return s_fail (&tb->w, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *value = json_array_get (values, i);
        if (!json_is_string (value))
            return s_fail (&tb->w, ERR_MALFORMED, "values[%zu] must be a string", i);
        spec->values [spec->n_values++] = (char *) json_string_value (value);
    }
    return ERR_OK;
}

//  One enumerated member: *dst = the index of its name in names.
static int
s_enum (s_why_t *w, json_t *obj, const char *key, const char *const *names,
        size_t first, size_t count, int *dst)
{
    char *name = NULL;
    int rc = s_string (w, obj, key, &name);
    if (rc != ERR_OK || !name)
        return rc;
    char known [128] = "";
    for (size_t i = first; i < count; i++) {
        if (strcmp (names [i], name) == 0) {
            *dst = (int) i;
            return ERR_OK;
        }
        size_t used = strlen (known);
        snprintf (known + used, sizeof known - used, "%s%s",
                  i > first? ", ": "", names [i]);
    }
    return s_fail (w, ERR_BAD_FIELD, "unknown %s '%s' (%s)", key, name, known);
}

static int
s_parse_spec (s_type_build_t *tb, json_t *obj, Lic__ItemSpec *spec)
{
    static const char *const allowed [] = {
        "name", "label", "kind", "required", "max_length", "min", "max",
        "values", "sensitivity", NULL
    };
    s_why_t *w = &tb->w;
    int kind = 0, sensitivity = 0;
    if (!json_is_object (obj))
        return s_fail (w, ERR_MALFORMED, "must be an object");
    int rc = s_check_keys (w, obj, allowed, NULL);
    if (rc == ERR_OK) rc = s_string (w, obj, "name", &spec->name);
    if (rc == ERR_OK && !*spec->name)
        rc = s_fail (w, ERR_MALFORMED, "'name' missing or empty");
    if (rc == ERR_OK) rc = s_string (w, obj, "label", &spec->label);
    if (rc == ERR_OK) rc = s_enum (w, obj, "kind", s_kind_names, 1,
                                   S_KIND_COUNT, &kind);
    if (rc == ERR_OK && kind == 0)
        rc = s_fail (w, ERR_MALFORMED, "'kind' missing (string, integer, "
                     "decimal, date, enum, boolean)");
    if (rc == ERR_OK) rc = s_bool (w, obj, "required", &spec->required);
    if (rc == ERR_OK) rc = s_uint32 (w, obj, "max_length", &spec->max_length);
    if (rc == ERR_OK) rc = s_string (w, obj, "min", &spec->min);
    if (rc == ERR_OK) rc = s_string (w, obj, "max", &spec->max);
    if (rc == ERR_OK) rc = s_parse_values (tb, json_object_get (obj, "values"),
                                           spec);
    if (rc == ERR_OK) rc = s_enum (w, obj, "sensitivity", s_sensitivity_names,
                                   0, S_SENSITIVITY_COUNT, &sensitivity);
    spec->kind = (Lic__ItemKind) kind;
    spec->sensitivity = (Lic__Sensitivity) sensitivity;
    return rc;
}

static int
s_parse_specs (s_type_build_t *tb, json_t *items)
{
    if (!items || json_is_null (items))
        return ERR_OK;
    if (!json_is_array (items))
        return s_fail (&tb->w, ERR_MALFORMED, "'items' must be an array");
    size_t n = json_array_size (items);
    if (n > CATALOGUE_ITEMS_MAX)
        return s_fail (&tb->w, ERR_TOO_LARGE, "%zu items, at most %d", n,
                       CATALOGUE_ITEMS_MAX);
    if (n == 0)
        return ERR_OK;
    tb->spec_store = calloc (n, sizeof *tb->spec_store);
    tb->specs = calloc (n, sizeof *tb->specs);
    if (!tb->spec_store || !tb->specs)
        return s_fail (&tb->w, ERR_NOMEM, "out of memory");
    tb->n_specs = n;
    for (size_t i = 0; i < n; i++) {
        Lic__ItemSpec *spec = &tb->spec_store [i];
        lic__item_spec__init (spec);
        tb->specs [i] = spec;
        int rc = s_parse_spec (tb, json_array_get (items, i), spec);
        if (rc != ERR_OK && tb->w.text && tb->w.size) {
            //  Say which item: its index, and its name once known
            char inner [256];
            snprintf (inner, sizeof inner, "%s", tb->w.text);
            snprintf (tb->w.text, tb->w.size, "items[%zu]%s%s%s: %s", i,
                      *spec->name? " (": "", spec->name,
                      *spec->name? ")": "", inner);
        }
        if (rc != ERR_OK)
            return rc;
    }
    tb->t.items = tb->specs;
    tb->t.n_items = n;
    return ERR_OK;
}

static int
s_parse_validity (s_type_build_t *tb, json_t *obj)
{
    static const char *const allowed [] = {
        "term_months", "open_ended", "annual_inspection",
        "inspection_window_days", NULL
    };
    Lic__ValidityRule *v = &tb->validity;
    if (!obj || json_is_null (obj))
        return ERR_OK;
    if (!json_is_object (obj))
        return s_fail (&tb->w, ERR_MALFORMED, "'validity' must be an object");
    int rc = s_check_keys (&tb->w, obj, allowed, "validity");
    if (rc == ERR_OK) rc = s_uint32 (&tb->w, obj, "term_months", &v->term_months);
    if (rc == ERR_OK) rc = s_bool (&tb->w, obj, "open_ended", &v->open_ended);
    if (rc == ERR_OK) rc = s_bool (&tb->w, obj, "annual_inspection",
                                   &v->annual_inspection);
    if (rc == ERR_OK) rc = s_uint32 (&tb->w, obj, "inspection_window_days",
                                     &v->inspection_window_days);
    return rc;
}

static int
s_parse_type (s_type_build_t *tb, json_t *root)
{
    static const char *const allowed [] = {
        "type_code", "name", "defining_body", "items", "validity",
        "template", "sample", "seal", "withdrawn", NULL
    };
    static const char *const by_node [] = { "version", "division", "at" };
    Lic__LicenseType *t = &tb->t;
    if (!json_is_object (root))
        return s_fail (&tb->w, ERR_MALFORMED,
                       "a license type must be a JSON object");
    for (size_t i = 0; i < sizeof by_node / sizeof by_node [0]; i++)
        if (json_object_get (root, by_node [i]))
            return s_fail (&tb->w, ERR_BAD_FIELD, "'%s' is set by the node: "
                           "remove it", by_node [i]);
    int rc = s_check_keys (&tb->w, root, allowed, NULL);
    if (rc == ERR_OK) rc = s_string (&tb->w, root, "type_code", &t->type_code);
    if (rc == ERR_OK && !*t->type_code)
        rc = s_fail (&tb->w, ERR_MALFORMED, "'type_code' missing or empty");
    if (rc == ERR_OK) rc = s_string (&tb->w, root, "name", &t->name);
    if (rc == ERR_OK && !*t->name)
        rc = s_fail (&tb->w, ERR_MALFORMED, "'name' missing or empty");
    if (rc == ERR_OK) rc = s_string (&tb->w, root, "defining_body",
                                     &t->defining_body);
    if (rc == ERR_OK) rc = s_parse_specs (tb, json_object_get (root, "items"));
    if (rc == ERR_OK) rc = s_parse_validity (tb, json_object_get (root, "validity"));
    if (rc == ERR_OK) rc = s_digest (&tb->w, root, "template", tb->digests [0],
                                     &t->template_digest);
    if (rc == ERR_OK) rc = s_digest (&tb->w, root, "sample", tb->digests [1],
                                     &t->sample_digest);
    if (rc == ERR_OK) rc = s_digest (&tb->w, root, "seal", tb->digests [2],
                                     &t->seal_digest);
    if (rc == ERR_OK) rc = s_bool (&tb->w, root, "withdrawn", &t->withdrawn);
    if (rc == ERR_OK && !*t->defining_body) {
        //  The defining body is the type code's first 18 characters
        snprintf (tb->defining_body, sizeof tb->defining_body, "%.18s",
                  t->type_code);
        t->defining_body = tb->defining_body;
    }
    t->validity = &tb->validity;
    return rc;
}

int
licjson_type_from_json (const char *text, Lic__LicenseType **out,
                        char *why, size_t why_size)
{
    s_type_build_t tb;
    json_error_t jerr;
    uint8_t *buf = NULL;
    size_t size = 0;
    int rc;

    memset (&tb, 0, sizeof tb);
    tb.w.text = why;
    tb.w.size = why_size;
    codec_license_type_init (&tb.t);
    lic__validity_rule__init (&tb.validity);
    json_t *root = json_loads (text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        rc = s_fail (&tb.w, ERR_MALFORMED, "bad JSON at line %d column %d: %s",
                     jerr.line, jerr.column, jerr.text);
        goto cleanup;
    }
    rc = s_parse_type (&tb, root);
    if (rc != ERR_OK)
        goto cleanup;
    rc = codec_license_type_encode (&tb.t, &buf, &size);
    if (rc != ERR_OK) {
        s_fail (&tb.w, rc, "out of memory");
        goto cleanup;
    }
    rc = codec_license_type_decode (buf, size, out);
    if (rc == ERR_TOO_LARGE)
        s_fail (&tb.w, rc, "license type is %zu bytes, over the %d-byte limit",
                size, CODEC_FRAME_MAX);
    else
    if (rc != ERR_OK)
        s_fail (&tb.w, rc, "%s re-decoding the license type", err_str (rc));
cleanup:
    free (buf);
    for (size_t i = 0; i < tb.n_specs; i++)
        free (tb.spec_store [i].values);
    free (tb.specs);
    free (tb.spec_store);
    json_decref (root);
    return rc;
}

// ---------------------------------------------------------------------
//  Output helpers

//  Adds value under key; clears *ok if value is NULL or adding fails.
static void
s_set (json_t *obj, const char *key, json_t *value, bool *ok)
{
    if (json_object_set_new (obj, key, value) != 0)
        *ok = false;
}

//  A JSON string of text; bytes that are not valid UTF-8 (which a peer
//  can send in a proto3 string) become '?' rather than failing.
static json_t *
s_str (const char *text)
{
    json_t *value = json_string (text? text: "");
    if (value)
        return value;
    char *copy = strdup (text);
    if (!copy)
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char) *p >= 0x80)
            *p = '?';
    value = json_string (copy);
    free (copy);
    return value;
}

static json_t *
s_hex (const uint8_t *data, size_t len)
{
    char *text = malloc (2 * len + 1);
    if (!text)
        return NULL;
    seal_hex (text, data, len);
    json_t *value = json_string (text);
    free (text);
    return value;
}

//  CURVE keys as Z85 (what key files hold); hex if not 32 bytes.
static json_t *
s_z85 (ProtobufCBinaryData key)
{
    char text [41];
    if (key.len == 32 && zmq_z85_encode (text, key.data, key.len))
        return json_string (text);
    return s_hex (key.data, key.len);
}

static json_t *
s_int (int64_t v)
{
    return json_integer ((json_int_t) v);
}

static json_t *
s_content_to_json (const Lic__LicenseContent *c)
{
    bool ok = true;
    json_t *obj = json_object ();
    json_t *items = json_object ();
    if (!obj || !items) {
        json_decref (obj);
        json_decref (items);
        return NULL;
    }
    s_set (obj, "name", s_str (c->name), &ok);
    if (c->holder) {
        json_t *holder = json_object ();
        if (holder) {
            s_set (holder, "id_type", s_str (c->holder->id_type), &ok);
            s_set (holder, "id", s_str (c->holder->id), &ok);
            s_set (holder, "name", s_str (c->holder->name), &ok);
        }
        s_set (obj, "holder", holder, &ok);
    }
    s_set (obj, "issue_date", s_str (c->issue_date), &ok);
    s_set (obj, "valid_from", s_str (c->valid_from), &ok);
    s_set (obj, "valid_to", *c->valid_to? s_str (c->valid_to): json_null (), &ok);
    s_set (obj, "division_code", s_str (c->division_code), &ok);
    s_set (obj, "service_item_code", s_str (c->service_item_code), &ok);
    for (size_t i = 0; i < c->n_items; i++)
        s_set (items, c->items [i]->name, s_str (c->items [i]->value), &ok);
    s_set (obj, "items", items, &ok);
    s_set (obj, "seal_info", s_str (c->seal_info), &ok);
    s_set (obj, "file_digest",
           s_hex (c->file_digest.data, c->file_digest.len), &ok);
    s_set (obj, "predecessor_id", s_str (c->predecessor_id), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

// ---------------------------------------------------------------------
//  License types and reports

static json_t *
s_spec_to_json (const Lic__ItemSpec *spec)
{
    bool ok = true;
    json_t *obj = json_object ();
    json_t *values = json_array ();
    if (!obj || !values) {
        json_decref (obj);
        json_decref (values);
        return NULL;
    }
    for (size_t i = 0; i < spec->n_values; i++)
        if (json_array_append_new (values, s_str (spec->values [i])))
            ok = false;
    s_set (obj, "name", s_str (spec->name), &ok);
    s_set (obj, "label", s_str (spec->label), &ok);
    s_set (obj, "kind", json_string (licjson_kind_name (spec->kind)), &ok);
    s_set (obj, "required", json_boolean (spec->required), &ok);
    s_set (obj, "max_length", s_int (spec->max_length), &ok);
    s_set (obj, "min", s_str (spec->min), &ok);
    s_set (obj, "max", s_str (spec->max), &ok);
    s_set (obj, "values", values, &ok);
    s_set (obj, "sensitivity",
           json_string (licjson_sensitivity_name (spec->sensitivity)), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

json_t *
licjson_type_to_json (const Lic__LicenseType *t)
{
    static const Lic__ValidityRule none = LIC__VALIDITY_RULE__INIT;
    const Lic__ValidityRule *v = t->validity? t->validity: &none;
    bool ok = true;
    json_t *obj = json_object ();
    json_t *items = json_array ();
    json_t *validity = json_object ();
    if (!obj || !items || !validity) {
        json_decref (obj);
        json_decref (items);
        json_decref (validity);
        return NULL;
    }
    for (size_t i = 0; i < t->n_items; i++)
        if (json_array_append_new (items, s_spec_to_json (t->items [i])))
            ok = false;
    s_set (validity, "term_months", s_int (v->term_months), &ok);
    s_set (validity, "open_ended", json_boolean (v->open_ended), &ok);
    s_set (validity, "annual_inspection", json_boolean (v->annual_inspection), &ok);
    s_set (validity, "inspection_window_days",
           s_int (v->inspection_window_days), &ok);
    s_set (obj, "type_code", s_str (t->type_code), &ok);
    s_set (obj, "version", s_int (t->version), &ok);
    s_set (obj, "name", s_str (t->name), &ok);
    s_set (obj, "defining_body", s_str (t->defining_body), &ok);
    s_set (obj, "items", items, &ok);
    s_set (obj, "validity", validity, &ok);
    s_set (obj, "template", s_hex (t->template_digest.data,
                                   t->template_digest.len), &ok);
    s_set (obj, "sample", s_hex (t->sample_digest.data, t->sample_digest.len), &ok);
    s_set (obj, "seal", s_hex (t->seal_digest.data, t->seal_digest.len), &ok);
    s_set (obj, "withdrawn", json_boolean (t->withdrawn), &ok);
    s_set (obj, "division", s_str (t->division), &ok);
    s_set (obj, "at", s_int (t->at), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

json_t *
licjson_lateness_to_json (const Lic__ReportResult *r)
{
    bool ok = true;
    json_t *obj = json_object ();
    json_t *rows = json_array ();
    if (!obj || !rows) {
        json_decref (obj);
        json_decref (rows);
        return NULL;
    }
    for (size_t i = 0; i < r->n_rows; i++) {
        const Lic__LatenessRow *row = r->rows [i];
        json_t *line = json_object ();
        if (line) {
            s_set (line, "issuer", s_str (row->issuer), &ok);
            s_set (line, "day", s_str (row->day), &ok);
            s_set (line, "events", s_int ((int64_t) row->events), &ok);
            s_set (line, "late", s_int ((int64_t) row->late), &ok);
            s_set (line, "worst_seconds", s_int (row->worst_seconds), &ok);
        }
        if (json_array_append_new (rows, line))
            ok = false;
    }
    s_set (obj, "rows", rows, &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

// ---------------------------------------------------------------------
//  Events, records, status, entries

json_t *
licjson_event_to_json (const Lic__Event *ev)
{
    bool ok = true;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    s_set (obj, "op", json_string (licjson_op_name (ev->op)), &ok);
    s_set (obj, "license_id", s_str (ev->license_id), &ok);
    s_set (obj, "expected_version", s_int (ev->expected_version), &ok);
    s_set (obj, "issuer_code", s_str (ev->issuer_code), &ok);
    s_set (obj, "completed_at", s_int (ev->completed_at), &ok);
    if (ev->content)
        s_set (obj, "license", s_content_to_json (ev->content), &ok);
    if (*ev->valid_to)
        s_set (obj, "valid_to", s_str (ev->valid_to), &ok);
    if (*ev->note)
        s_set (obj, "note", s_str (ev->note), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

//  One history line: where the entry came from and what its Event says.
static json_t *
s_history_to_json (const Lic__LogEntry *entry)
{
    bool ok = true;
    Lic__Event *ev = NULL;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    if (entry->kind == LIC__ENTRY_KIND__ENTRY_EVENT && entry->envelope
    &&  codec_event_decode (entry->envelope->body.data,
                            entry->envelope->body.len, &ev) != ERR_OK)
        ev = NULL;
    s_set (obj, "seq", s_int ((int64_t) entry->seq), &ok);
    s_set (obj, "origin_division", s_str (entry->origin_division), &ok);
    s_set (obj, "origin_seq", s_int ((int64_t) entry->origin_seq), &ok);
    s_set (obj, "op", ev? json_string (licjson_op_name (ev->op)): json_null (), &ok);
    s_set (obj, "expected_version", ev? s_int (ev->expected_version): json_null (), &ok);
    s_set (obj, "completed_at", ev? s_int (ev->completed_at): json_null (), &ok);
    s_set (obj, "received_at", s_int (entry->received_at), &ok);
    if (ev && *ev->note)
        s_set (obj, "note", s_str (ev->note), &ok);
    codec_event_free (&ev);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

json_t *
licjson_state_to_json (const Lic__LicenseRecord *rec)
{
    bool ok = true;
    const Lic__LicenseState *st = rec->state;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    if (st) {
        s_set (obj, "license_id", s_str (st->license_id), &ok);
        s_set (obj, "status", json_string (licjson_status_code (st->status)), &ok);
        s_set (obj, "status_name", json_string (licjson_status_name (st->status)), &ok);
    }
    s_set (obj, "effective_status",
           json_string (licjson_status_code (rec->effective_status)), &ok);
    s_set (obj, "effective_status_name",
           json_string (licjson_status_name (rec->effective_status)), &ok);
    if (st) {
        s_set (obj, "pledged", json_boolean (st->pledged), &ok);
        s_set (obj, "version", s_int (st->version), &ok);
        s_set (obj, "issuer_code", s_str (st->issuer_code), &ok);
        s_set (obj, "last_seq", s_int ((int64_t) st->last_seq), &ok);
        s_set (obj, "updated_at", s_int (st->updated_at), &ok);
        s_set (obj, "origin_division", s_str (st->origin_division), &ok);
        s_set (obj, "note", s_str (st->note), &ok);
        s_set (obj, "catalogue_version", s_int (st->catalogue_version), &ok);
        s_set (obj, "last_inspection", *st->last_inspection?
               s_str (st->last_inspection): json_null (), &ok);
    }
    s_set (obj, "inspection_overdue", json_boolean (rec->inspection_overdue), &ok);
    if (st) {
        if (st->content)
            s_set (obj, "license", s_content_to_json (st->content), &ok);
    }
    if (rec->n_history) {
        json_t *history = json_array ();
        for (size_t i = 0; history && i < rec->n_history; i++)
            if (json_array_append_new (history,
                                       s_history_to_json (rec->history [i])))
                ok = false;
        s_set (obj, "history", history, &ok);
    }
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

//  Binary as hex, or null when empty (a field the node did not send).
static json_t *
s_hex_or_null (ProtobufCBinaryData data)
{
    return data.len? s_hex (data.data, data.len): json_null ();
}

static json_t *
s_uplink_to_json (const Lic__NodeStatus *st)
{
    bool ok = true;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    s_set (obj, "state", s_str (st->uplink_state), &ok);
    s_set (obj, "parent_division", s_str (st->parent_division), &ok);
    s_set (obj, "acked_seq", s_int ((int64_t) st->uplink_acked), &ok);
    s_set (obj, "lag_entries", s_int ((int64_t) st->uplink_lag), &ok);
    s_set (obj, "lag_seconds", s_int (st->uplink_lag_seconds), &ok);
    s_set (obj, "error", s_str (st->uplink_error), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

static json_t *
s_child_to_json (const Lic__ChildStatus *c, int64_t now)
{
    bool ok = true;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    uint64_t lag = c->child_head > c->acked_seq?
                   c->child_head - c->acked_seq: 0;
    s_set (obj, "division", s_str (c->division), &ok);
    s_set (obj, "connected", json_boolean (c->connected), &ok);
    s_set (obj, "acked_seq", s_int ((int64_t) c->acked_seq), &ok);
    s_set (obj, "child_head", s_int ((int64_t) c->child_head), &ok);
    s_set (obj, "lag_entries", s_int ((int64_t) lag), &ok);
    s_set (obj, "lag_seconds", s_int (c->lag_seconds), &ok);
    s_set (obj, "last_contact", s_int (c->last_contact), &ok);
    s_set (obj, "last_contact_age", c->last_contact?
           s_int (now - c->last_contact): json_null (), &ok);
    s_set (obj, "checkpoint_size", s_int ((int64_t) c->checkpoint_size), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

json_t *
licjson_status_to_json (const Lic__NodeStatus *st)
{
    bool ok = true;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    int64_t now = (int64_t) time (NULL);
    s_set (obj, "division", s_str (st->division), &ok);
    s_set (obj, "head_seq", s_int ((int64_t) st->head_seq), &ok);
    s_set (obj, "head_root", s_hex_or_null (st->head_root), &ok);
    s_set (obj, "sign_key", s_hex (st->sign_key.data, st->sign_key.len), &ok);
    s_set (obj, "curve_key", s_z85 (st->curve_key), &ok);
    s_set (obj, "checkpoint", s_str (st->checkpoint), &ok);
    s_set (obj, "receipt", s_str (st->receipt), &ok);
    s_set (obj, "uplink", s_uplink_to_json (st), &ok);
    json_t *children = json_array ();
    for (size_t i = 0; children && i < st->n_children; i++)
        if (json_array_append_new (children,
                                   s_child_to_json (st->children [i], now)))
            ok = false;
    s_set (obj, "children", children, &ok);
    s_set (obj, "quarantined", s_int ((int64_t) st->quarantined), &ok);
    s_set (obj, "published", s_int ((int64_t) st->published), &ok);
    s_set (obj, "applied", s_int ((int64_t) st->applied), &ok);
    s_set (obj, "rejected", s_int ((int64_t) st->rejected), &ok);
    s_set (obj, "duplicates", s_int ((int64_t) st->duplicates), &ok);
    s_set (obj, "departments", s_int ((int64_t) st->departments), &ok);
    s_set (obj, "licenses", s_int ((int64_t) st->licenses), &ok);
    s_set (obj, "catalogue_types", s_int ((int64_t) st->catalogue_types), &ok);
    s_set (obj, "inspections_overdue",
           s_int ((int64_t) st->inspections_overdue), &ok);
    s_set (obj, "started_at", s_int (st->started_at), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

json_t *
licjson_digest_to_json (const Lic__DigestResult *d)
{
    bool ok = true;
    json_t *obj = json_object ();
    json_t *divisions = json_object ();
    if (!obj || !divisions) {
        json_decref (obj);
        json_decref (divisions);
        return NULL;
    }
    for (size_t i = 0; i < d->n_entries; i++) {
        const Lic__DigestEntry *e = d->entries [i];
        json_t *entry = json_object ();
        if (entry) {
            s_set (entry, "licenses", s_int ((int64_t) e->licenses), &ok);
            s_set (entry, "digest", s_hex (e->digest.data, e->digest.len), &ok);
        }
        if (*e->division)
            s_set (divisions, e->division, entry, &ok);
        else
            s_set (obj, "total", entry, &ok);
    }
    s_set (obj, "divisions", divisions, &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

static json_t *
s_hashes_to_json (ProtobufCBinaryData *hashes, size_t n)
{
    json_t *array = json_array ();
    for (size_t i = 0; array && i < n; i++)
        if (json_array_append_new (array,
                                   s_hex (hashes [i].data, hashes [i].len))) {
            json_decref (array);
            return NULL;
        }
    return array;
}

json_t *
licjson_proof_to_json (const Lic__ProofResult *p, const char *origin)
{
    bool ok = true;
    bool inclusion = p->leaf.len > 0;
    bool consistency = p->old_size > 0;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    s_set (obj, "origin", s_str (origin), &ok);
    s_set (obj, "checkpoint", s_str (p->checkpoint), &ok);
    s_set (obj, "size", s_int ((int64_t) p->size), &ok);
    s_set (obj, "root", s_hex (p->root.data, p->root.len), &ok);
    s_set (obj, "leaf_index", inclusion? s_int ((int64_t) p->leaf_index):
           json_null (), &ok);
    s_set (obj, "leaf", inclusion? s_hex (p->leaf.data, p->leaf.len):
           json_null (), &ok);
    s_set (obj, "inclusion",
           s_hashes_to_json (p->inclusion, p->n_inclusion), &ok);
    s_set (obj, "old_size", s_int ((int64_t) p->old_size), &ok);
    s_set (obj, "old_root", consistency?
           s_hex (p->old_root.data, p->old_root.len): json_null (), &ok);
    s_set (obj, "consistency",
           s_hashes_to_json (p->consistency, p->n_consistency), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

static json_t *
s_keys_to_json (const ProtobufCBinaryData *keys, size_t n)
{
    json_t *array = json_array ();
    for (size_t i = 0; array && i < n; i++)
        if (json_array_append_new (array, s_hex (keys [i].data, keys [i].len))) {
            json_decref (array);
            return NULL;
        }
    return array;
}

static json_t *
s_registration_to_json (const Lic__Registration *reg)
{
    bool ok = true;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    s_set (obj, "division", s_str (reg->division), &ok);
    s_set (obj, "at", s_int (reg->at), &ok);
    const Lic__Department *d = reg->department;
    if (d) {
        json_t *dept = json_object ();
        json_t *types = json_array ();
        for (size_t i = 0; types && i < d->n_license_types; i++)
            if (json_array_append_new (types, s_str (d->license_types [i])))
                ok = false;
        if (dept) {
            s_set (dept, "credit_code", s_str (d->credit_code), &ok);
            s_set (dept, "name", s_str (d->name), &ok);
            s_set (dept, "sign_keys", s_keys_to_json (d->sign_keys, d->n_sign_keys), &ok);
            s_set (dept, "curve_key", s_z85 (d->curve_key), &ok);
            s_set (dept, "license_types", types, &ok);
            s_set (dept, "revoked_keys",
                   s_keys_to_json (d->revoked_keys, d->n_revoked_keys), &ok);
        }
        else
            json_decref (types);
        s_set (obj, "department", dept, &ok);
    }
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

//  Adds the decoded envelope body of entry to obj.
static void
s_entry_body (json_t *obj, const Lic__LogEntry *entry, bool *ok)
{
    const Lic__Envelope *env = entry->envelope;
    int rc = ERR_MALFORMED;
    if (env && entry->kind == LIC__ENTRY_KIND__ENTRY_EVENT) {
        Lic__Event *ev = NULL;
        rc = codec_event_decode (env->body.data, env->body.len, &ev);
        if (rc == ERR_OK)
            s_set (obj, "event", licjson_event_to_json (ev), ok);
        codec_event_free (&ev);
    }
    else
    if (env && entry->kind == LIC__ENTRY_KIND__ENTRY_REGISTRATION) {
        Lic__Registration *reg = NULL;
        rc = codec_registration_decode (env->body.data, env->body.len, &reg);
        if (rc == ERR_OK)
            s_set (obj, "registration", s_registration_to_json (reg), ok);
        codec_registration_free (&reg);
    }
    else
    if (env && entry->kind == LIC__ENTRY_KIND__ENTRY_CATALOGUE) {
        Lic__LicenseType *t = NULL;
        rc = codec_license_type_decode (env->body.data, env->body.len, &t);
        if (rc == ERR_OK)
            s_set (obj, "license_type", licjson_type_to_json (t), ok);
        codec_license_type_free (&t);
    }
    if (rc != ERR_OK)
        s_set (obj, "body_error", json_string (err_str (rc)), ok);
}

json_t *
licjson_entry_to_json (const Lic__LogEntry *entry)
{
    bool ok = true;
    const Lic__Envelope *env = entry->envelope;
    const char *kind = entry->kind == LIC__ENTRY_KIND__ENTRY_EVENT? "event":
        entry->kind == LIC__ENTRY_KIND__ENTRY_REGISTRATION? "registration":
        entry->kind == LIC__ENTRY_KIND__ENTRY_CATALOGUE? "catalogue": "none";
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    s_set (obj, "seq", s_int ((int64_t) entry->seq), &ok);
    s_set (obj, "origin_division", s_str (entry->origin_division), &ok);
    s_set (obj, "origin_seq", s_int ((int64_t) entry->origin_seq), &ok);
    s_set (obj, "kind", json_string (kind), &ok);
    s_set (obj, "received_at", s_int (entry->received_at), &ok);
    if (env) {
        s_set (obj, "key_id", s_hex (env->key_id.data, env->key_id.len), &ok);
        s_set (obj, "signature",
               s_hex (env->signature.data, env->signature.len), &ok);
    }
    s_entry_body (obj, entry, &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}
