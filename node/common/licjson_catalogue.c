/*  licjson_catalogue.c -- license types (the catalogue) and the
    lateness report as JSON (formats in licjson.h); split from licjson.c,
    which keeps events and views and the helpers declared in
    licjson_int.h.

    Parsing builds the LicenseType on the stack with strings borrowed
    from the jansson tree, encodes it, and decodes the bytes into the
    caller's message: the caller gets a normally unpacked message
    (codec_license_type_free works).

    Does not check whether a type's standard makes sense: that is
    proto/catalogue.c at the node.  Kind and sensitivity names are kept
    here so this module needs nothing from proto/ but the codec and the
    limits in catalogue.h.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "node/common/licjson.h"
#include "node/common/licjson_int.h"
#include "proto/licid.h"
#include "proto/seal.h"

// ---------------------------------------------------------------------
//  Names

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
//  Parsing a license type (catalogue)

//  Everything one type parse borrows or owns until the type is encoded.
typedef struct {
    licjson_why_t w;                    //  the caller's why
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
s_bool (licjson_why_t *w, json_t *obj, const char *key, protobuf_c_boolean *dst)
{
    json_t *value = json_object_get (obj, key);
    if (!value || json_is_null (value))
        return ERR_OK;
    if (!json_is_boolean (value))
        return licjson_fail (w, ERR_MALFORMED, "'%s' must be true or false",
                             key);
    *dst = json_is_true (value);
    return ERR_OK;
}

//  Reads the optional non-negative integer member key into *dst.
static int
s_uint32 (licjson_why_t *w, json_t *obj, const char *key, uint32_t *dst)
{
    json_t *value = json_object_get (obj, key);
    if (!value || json_is_null (value))
        return ERR_OK;
    if (!json_is_integer (value))
        return licjson_fail (w, ERR_MALFORMED, "'%s' must be an integer", key);
    json_int_t v = json_integer_value (value);
    if (v < 0 || v > UINT32_MAX)
        return licjson_fail (w, ERR_BAD_FIELD, "'%s' out of range", key);
    *dst = (uint32_t) v;
    return ERR_OK;
}

//  The optional digest member key: "" or null for none, else 64 hex
//  digits decoded into buf and pointed to by *dst.
static int
s_digest (licjson_why_t *w, json_t *obj, const char *key, uint8_t *buf,
          ProtobufCBinaryData *dst)
{
    char *hex = NULL;
    int rc = licjson_string (w, obj, key, &hex);
    if (rc != ERR_OK || !hex || !*hex)
        return rc;
    if (seal_unhex (buf, SEAL_HASH_BYTES, hex) != ERR_OK)
        return licjson_fail (w, ERR_BAD_FIELD, "'%s' must be 64 hex digits "
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
        return licjson_fail (&tb->w, ERR_MALFORMED,
                             "'values' must be an array");
    size_t n = json_array_size (values);
    if (n > CATALOGUE_VALUES_MAX)
        return licjson_fail (&tb->w, ERR_TOO_LARGE, "%zu values, at most %d", n,
                             CATALOGUE_VALUES_MAX);
    if (n == 0)
        return ERR_OK;
    spec->values = calloc (n, sizeof *spec->values);
    if (!spec->values)
        return licjson_fail (&tb->w, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *value = json_array_get (values, i);
        if (!json_is_string (value))
            return licjson_fail (&tb->w, ERR_MALFORMED, "values[%zu] must be a string", i);
        spec->values [spec->n_values++] = (char *) json_string_value (value);
    }
    return ERR_OK;
}

//  One enumerated member: *dst = the index of its name in names.
static int
s_enum (licjson_why_t *w, json_t *obj, const char *key, const char *const *names,
        size_t first, size_t count, int *dst)
{
    char *name = NULL;
    int rc = licjson_string (w, obj, key, &name);
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
    return licjson_fail (w, ERR_BAD_FIELD, "unknown %s '%s' (%s)", key, name,
                         known);
}

static int
s_parse_spec (s_type_build_t *tb, json_t *obj, Lic__ItemSpec *spec)
{
    static const char *const allowed [] = {
        "name", "label", "kind", "required", "max_length", "min", "max",
        "values", "sensitivity", NULL
    };
    licjson_why_t *w = &tb->w;
    int kind = 0, sensitivity = 0;
    if (!json_is_object (obj))
        return licjson_fail (w, ERR_MALFORMED, "must be an object");
    int rc = licjson_check_keys (w, obj, allowed, NULL);
    if (rc == ERR_OK) rc = licjson_string (w, obj, "name", &spec->name);
    if (rc == ERR_OK && !*spec->name)
        rc = licjson_fail (w, ERR_MALFORMED, "'name' missing or empty");
    if (rc == ERR_OK) rc = licjson_string (w, obj, "label", &spec->label);
    if (rc == ERR_OK) rc = s_enum (w, obj, "kind", s_kind_names, 1,
                                   S_KIND_COUNT, &kind);
    if (rc == ERR_OK && kind == 0)
        rc = licjson_fail (w, ERR_MALFORMED, "'kind' missing (string, integer, "
                           "decimal, date, enum, boolean)");
    if (rc == ERR_OK) rc = s_bool (w, obj, "required", &spec->required);
    if (rc == ERR_OK) rc = s_uint32 (w, obj, "max_length", &spec->max_length);
    if (rc == ERR_OK) rc = licjson_string (w, obj, "min", &spec->min);
    if (rc == ERR_OK) rc = licjson_string (w, obj, "max", &spec->max);
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
        return licjson_fail (&tb->w, ERR_MALFORMED, "'items' must be an array");
    size_t n = json_array_size (items);
    if (n > CATALOGUE_ITEMS_MAX)
        return licjson_fail (&tb->w, ERR_TOO_LARGE, "%zu items, at most %d", n,
                             CATALOGUE_ITEMS_MAX);
    if (n == 0)
        return ERR_OK;
    tb->spec_store = calloc (n, sizeof *tb->spec_store);
    tb->specs = calloc (n, sizeof *tb->specs);
    if (!tb->spec_store || !tb->specs)
        return licjson_fail (&tb->w, ERR_NOMEM, "out of memory");
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
        return licjson_fail (&tb->w, ERR_MALFORMED,
                             "'validity' must be an object");
    int rc = licjson_check_keys (&tb->w, obj, allowed, "validity");
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
        "template", "sample", "seal", "withdrawn", "file_required", NULL
    };
    static const char *const by_node [] = { "version", "division", "at" };
    Lic__LicenseType *t = &tb->t;
    if (!json_is_object (root))
        return licjson_fail (&tb->w, ERR_MALFORMED,
                             "a license type must be a JSON object");
    for (size_t i = 0; i < sizeof by_node / sizeof by_node [0]; i++)
        if (json_object_get (root, by_node [i]))
            return licjson_fail (&tb->w, ERR_BAD_FIELD, "'%s' is set by the node: "
                                 "remove it", by_node [i]);
    int rc = licjson_check_keys (&tb->w, root, allowed, NULL);
    if (rc == ERR_OK) rc = licjson_string (&tb->w, root, "type_code",
                                           &t->type_code);
    if (rc == ERR_OK && !*t->type_code)
        rc = licjson_fail (&tb->w, ERR_MALFORMED,
                           "'type_code' missing or empty");
    //  First, so nothing below (the defining body's default, the node's
    //  checks) ever cuts or reads a code that is not 21 ASCII characters.
    if (rc == ERR_OK && !licid_type_code_valid (t->type_code))
        rc = licjson_fail (&tb->w, ERR_BAD_FIELD, "'type_code' must be a license type "
                           "code (GB/T 36904): the defining body's 18-character unified "
                           "social credit code and 3 digits");
    if (rc == ERR_OK) rc = licjson_string (&tb->w, root, "name", &t->name);
    if (rc == ERR_OK && !*t->name)
        rc = licjson_fail (&tb->w, ERR_MALFORMED, "'name' missing or empty");
    if (rc == ERR_OK) rc = licjson_string (&tb->w, root, "defining_body",
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
    if (rc == ERR_OK) rc = s_bool (&tb->w, root, "file_required", &t->file_required);
    if (rc == ERR_OK && !*t->defining_body) {
        //  The defining body is the type code's first 18 characters
        //  (ASCII: licid_type_code_valid above)
        _Static_assert (sizeof tb->defining_body > LICID_TYPE_LEN - 3,
                        "defining_body holds the credit code part of a type code");
        snprintf (tb->defining_body, sizeof tb->defining_body, "%.*s",
                  LICID_TYPE_LEN - 3, t->type_code);
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
        rc = licjson_fail (&tb.w, ERR_MALFORMED, "bad JSON at line %d column %d: %s",
                           jerr.line, jerr.column, jerr.text);
        goto cleanup;
    }
    rc = s_parse_type (&tb, root);
    if (rc != ERR_OK)
        goto cleanup;
    rc = codec_license_type_encode (&tb.t, &buf, &size);
    if (rc != ERR_OK) {
        licjson_fail (&tb.w, rc, "out of memory");
        goto cleanup;
    }
    rc = codec_license_type_decode (buf, size, out);
    if (rc == ERR_TOO_LARGE)
        licjson_fail (&tb.w, rc, "license type is %zu bytes, over the %d-byte limit",
                      size, CODEC_FRAME_MAX);
    else
    if (rc != ERR_OK)
        licjson_fail (&tb.w, rc, "%s re-decoding the license type",
                      err_str (rc));
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
        if (json_array_append_new (values, licjson_str (spec->values [i])))
            ok = false;
    licjson_set (obj, "name", licjson_str (spec->name), &ok);
    licjson_set (obj, "label", licjson_str (spec->label), &ok);
    licjson_set (obj, "kind",
                 json_string (licjson_kind_name (spec->kind)), &ok);
    licjson_set (obj, "required", json_boolean (spec->required), &ok);
    licjson_set (obj, "max_length", licjson_int (spec->max_length), &ok);
    licjson_set (obj, "min", licjson_str (spec->min), &ok);
    licjson_set (obj, "max", licjson_str (spec->max), &ok);
    licjson_set (obj, "values", values, &ok);
    licjson_set (obj, "sensitivity",
                 json_string (licjson_sensitivity_name (spec->sensitivity)),
                 &ok);
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
    licjson_set (validity, "term_months", licjson_int (v->term_months), &ok);
    licjson_set (validity, "open_ended", json_boolean (v->open_ended), &ok);
    licjson_set (validity, "annual_inspection", json_boolean (v->annual_inspection), &ok);
    licjson_set (validity, "inspection_window_days",
                 licjson_int (v->inspection_window_days), &ok);
    licjson_set (obj, "type_code", licjson_str (t->type_code), &ok);
    licjson_set (obj, "version", licjson_int (t->version), &ok);
    licjson_set (obj, "name", licjson_str (t->name), &ok);
    licjson_set (obj, "defining_body", licjson_str (t->defining_body), &ok);
    licjson_set (obj, "items", items, &ok);
    licjson_set (obj, "validity", validity, &ok);
    licjson_set (obj, "template", licjson_hex (t->template_digest.data,
                                               t->template_digest.len), &ok);
    licjson_set (obj, "sample", licjson_hex (t->sample_digest.data, t->sample_digest.len), &ok);
    licjson_set (obj, "seal",
                 licjson_hex (t->seal_digest.data, t->seal_digest.len), &ok);
    licjson_set (obj, "withdrawn", json_boolean (t->withdrawn), &ok);
    licjson_set (obj, "file_required", json_boolean (t->file_required), &ok);
    licjson_set (obj, "division", licjson_str (t->division), &ok);
    licjson_set (obj, "at", licjson_int (t->at), &ok);
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
            licjson_set (line, "issuer", licjson_str (row->issuer), &ok);
            licjson_set (line, "day", licjson_str (row->day), &ok);
            licjson_set (line, "events",
                         licjson_int ((int64_t) row->events), &ok);
            licjson_set (line, "late", licjson_int ((int64_t) row->late), &ok);
            licjson_set (line, "worst_seconds",
                         licjson_int (row->worst_seconds), &ok);
        }
        if (json_array_append_new (rows, line))
            ok = false;
    }
    licjson_set (obj, "rows", rows, &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}
