/*  licjson.c -- license events and views as JSON (formats in
    licjson.h).  License types and the lateness report are in
    licjson_catalogue.c, status, digests and proofs in licjson_status.c,
    log entries in licjson_entry.c; the helpers they share are declared
    in licjson_int.h and defined here.

    Parsing builds the Event on the stack with strings borrowed from the
    jansson tree, encodes it, and decodes the bytes into the caller's
    message: the caller gets a normally unpacked message (codec_event_free
    works) and the encoding of an event is the canonical one the
    department signs.
    Canonical means: ids normalised to the bare form, data items sorted
    by name, no optional member that changes bytes depending on how the
    JSON was written.

    Does not check license semantics (dates, codes, lifecycle): that is
    proto/evcheck.c at the node.  Op and status names are kept here so
    this module needs nothing from proto/ but the codec.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include "proto/codec.h"
#include "proto/licid.h"
#include "node/common/licjson.h"
#include "node/common/licjson_int.h"
#include "proto/seal.h"

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

// ---------------------------------------------------------------------
//  Parsing helpers

//  Everything one parse borrows or owns until the event is encoded.
typedef struct {
    licjson_why_t w;                    //  the caller's why
    Lic__Event ev;                      //  top level, on the stack
    Lic__LicenseContent content;        //  ev.content when "license"
    Lic__Holder holder;                 //  content.holder when "holder"
    Lic__DataItem *item_store;          //  malloc'd, n_items entries
    Lic__DataItem **items;              //  malloc'd, sorted pointers
    uint8_t digest [SEAL_HASH_BYTES];   //  content.file_digest data
    char license_id [LICID_BARE_MAX + 1];       //  normalised id
    char predecessor_id [LICID_BARE_MAX + 1];   //  normalised id
} s_build_t;

int
licjson_fail (licjson_why_t *w, int rc, const char *format, ...)
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
int
licjson_check_keys (licjson_why_t *w, json_t *obj, const char *const *allowed,
                    const char *where)
{
    const char *key;
    json_t *value;
    json_object_foreach (obj, key, value) {
        size_t i = 0;
        while (allowed [i] && strcmp (allowed [i], key) != 0)
            i++;
        if (!allowed [i])
            return licjson_fail (w, ERR_MALFORMED, "unknown key '%s'%s%s", key,
                                 where? " in ": "", where? where: "");
    }
    return ERR_OK;
}

//  Borrows the optional string member key into *dst (absent or null
//  leaves *dst alone).
int
licjson_string (licjson_why_t *w, json_t *obj, const char *key, char **dst)
{
    json_t *value = json_object_get (obj, key);
    if (!value || json_is_null (value))
        return ERR_OK;
    if (!json_is_string (value))
        return licjson_fail (w, ERR_MALFORMED, "'%s' must be a string", key);
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
            return licjson_fail (&b->w, ERR_BAD_LICENSE_ID, "'%s' is too long",
                                 key);
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

bool
licjson_parse_time (const char *text, int64_t *out)
{
    if (!text || !*text)
        return false;
    if (*text >= '0' && *text <= '9' && strspn (text, "0123456789") == strlen (text)) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull (text, &end, 10);
        if (errno || v > INT64_MAX)
            return false;
        *out = (int64_t) v;
        return true;
    }
    return s_parse_rfc3339 (text, out);
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
    return licjson_fail (&b->w, ERR_BAD_FIELD, "'completed_at' must be unix seconds or "
                         "YYYY-MM-DDTHH:MM:SS+08:00 (offset required)");
}

static int
s_expected_version (s_build_t *b, json_t *root)
{
    json_t *value = json_object_get (root, "expected_version");
    if (!value || json_is_null (value))
        return ERR_OK;
    if (!json_is_integer (value))
        return licjson_fail (&b->w, ERR_MALFORMED, "'expected_version' must be an integer");
    json_int_t v = json_integer_value (value);
    if (v < 0 || v > UINT32_MAX)
        return licjson_fail (&b->w, ERR_BAD_FIELD,
                             "'expected_version' out of range");
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
        return licjson_fail (&b->w, ERR_MALFORMED, "'items' must be an object");
    size_t n = json_object_size (items);
    if (n == 0)
        return ERR_OK;
    b->item_store = calloc (n, sizeof *b->item_store);
    b->items = calloc (n, sizeof *b->items);
    if (!b->item_store || !b->items)
        return licjson_fail (&b->w, ERR_NOMEM, "out of memory");
    const char *key;
    json_t *value;
    size_t i = 0;
    json_object_foreach (items, key, value) {
        if (!json_is_string (value))
            return licjson_fail (&b->w, ERR_MALFORMED, "item '%s' must be a string", key);
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
        return licjson_fail (&b->w, ERR_MALFORMED,
                             "'holder' must be an object");
    int rc = licjson_check_keys (&b->w, holder, allowed, "holder");
    if (rc == ERR_OK)
        rc = licjson_string (&b->w, holder, "id_type", &b->holder.id_type);
    if (rc == ERR_OK)
        rc = licjson_string (&b->w, holder, "id", &b->holder.id);
    if (rc == ERR_OK)
        rc = licjson_string (&b->w, holder, "name", &b->holder.name);
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
        return licjson_fail (&b->w, ERR_MALFORMED,
                             "'license' must be an object");
    Lic__LicenseContent *c = &b->content;
    char *digest = NULL;
    char *predecessor = NULL;
    int rc = licjson_check_keys (&b->w, lic, allowed, "license");
    if (rc == ERR_OK) rc = licjson_string (&b->w, lic, "name", &c->name);
    if (rc == ERR_OK) rc = licjson_string (&b->w, lic, "issue_date", &c->issue_date);
    if (rc == ERR_OK) rc = licjson_string (&b->w, lic, "valid_from", &c->valid_from);
    if (rc == ERR_OK) rc = licjson_string (&b->w, lic, "valid_to", &c->valid_to);
    if (rc == ERR_OK) rc = licjson_string (&b->w, lic, "division_code", &c->division_code);
    if (rc == ERR_OK) rc = licjson_string (&b->w, lic, "service_item_code", &c->service_item_code);
    if (rc == ERR_OK) rc = licjson_string (&b->w, lic, "seal_info", &c->seal_info);
    if (rc == ERR_OK) rc = licjson_string (&b->w, lic, "file_digest", &digest);
    if (rc == ERR_OK) rc = licjson_string (&b->w, lic, "predecessor_id", &predecessor);
    if (rc == ERR_OK) rc = s_parse_holder (b, json_object_get (lic, "holder"));
    if (rc == ERR_OK) rc = s_parse_items (b, json_object_get (lic, "items"));
    if (rc != ERR_OK)
        return rc;
    if (digest && *digest) {
        if (seal_unhex (b->digest, sizeof b->digest, digest) != ERR_OK)
            return licjson_fail (&b->w, ERR_BAD_FIELD,
                                 "'file_digest' must be 64 hex digits "
                                 "(SHA-256)");
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
        return licjson_fail (&b->w, ERR_MALFORMED,
                             "an event must be a JSON object");
    int rc = licjson_check_keys (&b->w, root, allowed, NULL);
    if (rc != ERR_OK)
        return rc;
    json_t *op = json_object_get (root, "op");
    if (!json_is_string (op))
        return licjson_fail (&b->w, ERR_MALFORMED,
                             "'op' missing or not a string");
    b->ev.op = licjson_op_parse (json_string_value (op));
    if (b->ev.op == LIC__OP__OP_NONE)
        return licjson_fail (&b->w, ERR_BAD_FIELD, "unknown op '%s'", json_string_value (op));
    json_t *id = json_object_get (root, "license_id");
    if (!json_is_string (id))
        return licjson_fail (&b->w, ERR_MALFORMED, "'license_id' missing or not a string");
    rc = s_normalise_id (b, "license_id", json_string_value (id), b->license_id);
    b->ev.license_id = b->license_id;
    if (rc == ERR_OK) rc = s_expected_version (b, root);
    if (rc == ERR_OK) rc = licjson_string (&b->w, root, "issuer_code", &b->ev.issuer_code);
    if (rc == ERR_OK) rc = s_completed_at (b, root);
    if (rc == ERR_OK) rc = licjson_string (&b->w, root, "valid_to", &b->ev.valid_to);
    if (rc == ERR_OK) rc = licjson_string (&b->w, root, "note", &b->ev.note);
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
        rc = licjson_fail (&b.w, ERR_MALFORMED, "bad JSON at line %d column %d: %s",
                           jerr.line, jerr.column, jerr.text);
        goto cleanup;
    }
    rc = s_parse_event (&b, root);
    if (rc != ERR_OK)
        goto cleanup;
    rc = codec_event_encode (&b.ev, &buf, &size);
    if (rc != ERR_OK) {
        licjson_fail (&b.w, rc, "out of memory");
        goto cleanup;
    }
    rc = codec_event_decode (buf, size, out);
    if (rc == ERR_TOO_LARGE)
        licjson_fail (&b.w, rc, "event is %zu bytes, over the %d-byte limit",
                      size, CODEC_FRAME_MAX);
    else
    if (rc != ERR_OK)
        licjson_fail (&b.w, rc, "%s re-decoding the event", err_str (rc));
cleanup:
    free (buf);
    free (b.items);
    free (b.item_store);
    json_decref (root);
    return rc;
}

// ---------------------------------------------------------------------
//  Output helpers

//  Adds value under key; clears *ok if value is NULL or adding fails.
void
licjson_set (json_t *obj, const char *key, json_t *value, bool *ok)
{
    if (json_object_set_new (obj, key, value) != 0)
        *ok = false;
}

//  A JSON string of text; bytes that are not valid UTF-8 (which a peer
//  can send in a proto3 string) become '?' rather than failing.
json_t *
licjson_str (const char *text)
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

//  Adds value under key, a string a peer sent: as licjson_str makes a
//  value of it (bytes that are not UTF-8 become '?'), since jansson
//  refuses a key that is not UTF-8.  Clears *ok as licjson_set does.
void
licjson_set_text_key (json_t *obj, const char *key, json_t *value, bool *ok)
{
    json_t *text = licjson_str (key);
    if (!text) {
        json_decref (value);
        *ok = false;
        return;
    }
    licjson_set (obj, json_string_value (text), value, ok);
    json_decref (text);
}

json_t *
licjson_hex (const uint8_t *data, size_t len)
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
json_t *
licjson_z85 (ProtobufCBinaryData key)
{
    char text [41];
    if (key.len == 32 && zmq_z85_encode (text, key.data, key.len))
        return json_string (text);
    return licjson_hex (key.data, key.len);
}

//  A list of CURVE keys, each as licjson_z85; NULL if out of memory.
json_t *
licjson_z85_list (const ProtobufCBinaryData *keys, size_t n)
{
    json_t *list = json_array ();
    for (size_t i = 0; list && i < n; i++)
        if (json_array_append_new (list, licjson_z85 (keys [i])) != 0) {
            json_decref (list);
            list = NULL;
        }
    return list;
}

json_t *
licjson_int (int64_t v)
{
    return json_integer ((json_int_t) v);
}

//  A plain item is its value; a sensitive one signed as a salted digest
//  (proto/README.md section 10) is {"digest": "<hex>"}: its value is not in the body;
//  in a query answer that disclosed it, {"value": ..., "digest": ...}.
static json_t *
s_item_to_json (const Lic__DataItem *item)
{
    if (item->digest.len == 0)
        return licjson_str (item->value);
    json_t *obj = json_object ();
    bool ok = true;
    if (obj && item->value && *item->value)
        licjson_set (obj, "value", licjson_str (item->value), &ok);
    if (obj)
        licjson_set (obj, "digest", licjson_hex (item->digest.data, item->digest.len), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
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
    licjson_set (obj, "name", licjson_str (c->name), &ok);
    if (c->holder) {
        json_t *holder = json_object ();
        if (holder) {
            licjson_set (holder, "id_type",
                         licjson_str (c->holder->id_type), &ok);
            licjson_set (holder, "id", licjson_str (c->holder->id), &ok);
            licjson_set (holder, "name", licjson_str (c->holder->name), &ok);
        }
        licjson_set (obj, "holder", holder, &ok);
    }
    licjson_set (obj, "issue_date", licjson_str (c->issue_date), &ok);
    licjson_set (obj, "valid_from", licjson_str (c->valid_from), &ok);
    licjson_set (obj, "valid_to", *c->valid_to? licjson_str (c->valid_to): json_null (), &ok);
    licjson_set (obj, "division_code", licjson_str (c->division_code), &ok);
    licjson_set (obj, "service_item_code",
                 licjson_str (c->service_item_code), &ok);
    for (size_t i = 0; i < c->n_items; i++)
        licjson_set_text_key (items, c->items [i]->name, s_item_to_json (c->items [i]), &ok);
    licjson_set (obj, "items", items, &ok);
    licjson_set (obj, "seal_info", licjson_str (c->seal_info), &ok);
    licjson_set (obj, "file_digest",
                 licjson_hex (c->file_digest.data, c->file_digest.len), &ok);
    licjson_set (obj, "predecessor_id", licjson_str (c->predecessor_id), &ok);
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
    licjson_set (obj, "op", json_string (licjson_op_name (ev->op)), &ok);
    licjson_set (obj, "license_id", licjson_str (ev->license_id), &ok);
    licjson_set (obj, "expected_version",
                 licjson_int (ev->expected_version), &ok);
    licjson_set (obj, "issuer_code", licjson_str (ev->issuer_code), &ok);
    licjson_set (obj, "completed_at", licjson_int (ev->completed_at), &ok);
    if (ev->content)
        licjson_set (obj, "license", s_content_to_json (ev->content), &ok);
    if (*ev->valid_to)
        licjson_set (obj, "valid_to", licjson_str (ev->valid_to), &ok);
    if (*ev->note)
        licjson_set (obj, "note", licjson_str (ev->note), &ok);
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
    licjson_set (obj, "seq", licjson_int ((int64_t) entry->seq), &ok);
    licjson_set (obj, "origin_division",
                 licjson_str (entry->origin_division), &ok);
    licjson_set (obj, "origin_seq",
                 licjson_int ((int64_t) entry->origin_seq), &ok);
    licjson_set (obj, "op", ev? json_string (licjson_op_name (ev->op)): json_null (), &ok);
    licjson_set (obj, "expected_version", ev? licjson_int (ev->expected_version): json_null (), &ok);
    licjson_set (obj, "completed_at", ev? licjson_int (ev->completed_at): json_null (), &ok);
    licjson_set (obj, "received_at", licjson_int (entry->received_at), &ok);
    if (ev && *ev->note)
        licjson_set (obj, "note", licjson_str (ev->note), &ok);
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
        licjson_set (obj, "license_id", licjson_str (st->license_id), &ok);
        licjson_set (obj, "status", json_string (licjson_status_code (st->status)), &ok);
        licjson_set (obj, "status_name", json_string (licjson_status_name (st->status)), &ok);
    }
    licjson_set (obj, "effective_status",
                 json_string (licjson_status_code (rec->effective_status)),
                 &ok);
    licjson_set (obj, "effective_status_name",
                 json_string (licjson_status_name (rec->effective_status)),
                 &ok);
    if (st) {
        licjson_set (obj, "pledged", json_boolean (st->pledged), &ok);
        licjson_set (obj, "version", licjson_int (st->version), &ok);
        licjson_set (obj, "issuer_code", licjson_str (st->issuer_code), &ok);
        licjson_set (obj, "last_seq",
                     licjson_int ((int64_t) st->last_seq), &ok);
        licjson_set (obj, "updated_at", licjson_int (st->updated_at), &ok);
        licjson_set (obj, "origin_division",
                     licjson_str (st->origin_division), &ok);
        licjson_set (obj, "note", licjson_str (st->note), &ok);
        licjson_set (obj, "catalogue_version",
                     licjson_int (st->catalogue_version), &ok);
        licjson_set (obj, "last_inspection", *st->last_inspection?
                     licjson_str (st->last_inspection): json_null (), &ok);
    }
    licjson_set (obj, "inspection_overdue", json_boolean (rec->inspection_overdue), &ok);
    if (rec->as_of)                     //  a record as of a time: every field is as it was then
        licjson_set (obj, "as_of", licjson_int (rec->as_of), &ok);
    if (st) {
        if (st->content)
            licjson_set (obj, "license", s_content_to_json (st->content), &ok);
    }
    if (rec->n_successors) {
        json_t *succ = json_array ();
        for (size_t i = 0; succ && i < rec->n_successors; i++)
            if (json_array_append_new (succ, licjson_str (rec->successors [i])))
                ok = false;
        licjson_set (obj, "successors", succ, &ok);
        if (rec->successors_more)
            licjson_set (obj, "successors_more", json_true (), &ok);
    }
    if (rec->n_history) {
        json_t *history = json_array ();
        for (size_t i = 0; history && i < rec->n_history; i++)
            if (json_array_append_new (history,
                                       s_history_to_json (rec->history [i])))
                ok = false;
        licjson_set (obj, "history", history, &ok);
    }
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}
