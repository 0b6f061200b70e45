/*  test_licjson.c -- event JSON parsing (canonical bytes, id
    normalisation, every error path), license type JSON (round trip,
    members the node sets, error paths, the types in deploy/catalogue/)
    and the JSON views of records, status, log entries and reports.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "node/common/licjson.h"

#define S_ID "11330000MB0000000X001330106MA2XXXXX1012345001Z"

static const char *s_issue =
    "{\"op\":\"issue\",\"license_id\":\"" S_ID "\",\"expected_version\":0,"
    "\"issuer_code\":\"330106MA2XXXXX101\",\"completed_at\":\"2026-11-27T10:00:00+08:00\","
    "\"license\":{\"name\":\"营业执照\",\"holder\":{\"id_type\":\"001\",\"id\":\"91330106X\","
    "\"name\":\"某某公司\"},\"issue_date\":\"2026-11-27\",\"valid_from\":\"2026-11-27\","
    "\"valid_to\":null,\"division_code\":\"330106\",\"service_item_code\":\"S1\","
    "\"items\":{\"b\":\"2\",\"a\":\"1\",\"注册资本\":\"100万\"},\"seal_info\":\"seal\","
    "\"file_digest\":\"" "00112233445566778899aabbccddeeff"
    "00112233445566778899AABBCCDDEEFF" "\",\"predecessor_id\":\"1.2.156.3005.2.X.Y\"},"
    "\"note\":\"first\"}";

//  Encodes a parsed line; asserts it parses.
static void
s_bytes (const char *line, uint8_t **buf, size_t *size)
{
    Lic__Event *ev = NULL;
    char why [256] = "";
    int rc = licjson_event_from_json (line, &ev, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "unexpected %s: %s\n", err_str (rc), why);
    assert (rc == ERR_OK);
    assert (codec_event_encode (ev, buf, size) == ERR_OK);
    codec_event_free (&ev);
}

//  Asserts line fails with code and a why containing needle.
static void
s_refused (const char *line, int code, const char *needle)
{
    Lic__Event *ev = (Lic__Event *) &ev;    //  must stay untouched
    char why [256] = "";
    int rc = licjson_event_from_json (line, &ev, why, sizeof why);
    if (rc != code || !strstr (why, needle))
        fprintf (stderr, "line %s: got %s '%s'\n", line, err_str (rc), why);
    assert (rc == code);
    assert (strstr (why, needle));
    assert (ev == (Lic__Event *) &ev);
}

static void
test_issue_parses_every_field (void)
{
    Lic__Event *ev = NULL;
    assert (licjson_event_from_json (s_issue, &ev, NULL, 0) == ERR_OK);
    assert (ev->version == CODEC_VERSION);
    assert (ev->op == LIC__OP__OP_ISSUE);
    assert (strcmp (ev->license_id, S_ID) == 0);
    assert (ev->expected_version == 0);
    assert (strcmp (ev->issuer_code, "330106MA2XXXXX101") == 0);
    assert (ev->completed_at == 1795744800);    //  2026-11-27T02:00:00Z
    assert (strcmp (ev->note, "first") == 0);
    Lic__LicenseContent *c = ev->content;
    assert (c && c->holder);
    assert (strcmp (c->name, "营业执照") == 0);
    assert (strcmp (c->holder->id_type, "001") == 0);
    assert (strcmp (c->holder->name, "某某公司") == 0);
    assert (strcmp (c->valid_to, "") == 0);
    assert (strcmp (c->division_code, "330106") == 0);
    assert (c->n_items == 3);
    assert (strcmp (c->items [0]->name, "a") == 0);
    assert (strcmp (c->items [1]->name, "b") == 0);
    assert (strcmp (c->items [2]->name, "注册资本") == 0);
    assert (strcmp (c->items [2]->value, "100万") == 0);
    assert (c->file_digest.len == 32);
    assert (c->file_digest.data [0] == 0x00 && c->file_digest.data [31] == 0xff);
    assert (strcmp (c->predecessor_id, "XY") == 0);
    codec_event_free (&ev);
    assert (ev == NULL);
}

static void
test_key_order_gives_identical_bytes (void)
{
    const char *a =
        "{\"op\":\"alter\",\"license_id\":\"L1\",\"expected_version\":3,"
        "\"license\":{\"name\":\"n\",\"items\":{\"z\":\"1\",\"a\":\"2\",\"m\":\"3\"}}}";
    const char *b =
        "{\"license\":{\"items\":{\"m\":\"3\",\"a\":\"2\",\"z\":\"1\"},\"name\":\"n\"},"
        "\"expected_version\":3,\"license_id\":\"L1\",\"op\":\"alter\"}";
    uint8_t *ba, *bb;
    size_t na, nb;
    s_bytes (a, &ba, &na);
    s_bytes (b, &bb, &nb);
    assert (na == nb && memcmp (ba, bb, na) == 0);
    free (ba);
    free (bb);
}

static void
test_same_line_gives_identical_bytes (void)
{
    uint8_t *b1, *b2;
    size_t n1, n2;
    s_bytes (s_issue, &b1, &n1);
    s_bytes (s_issue, &b2, &n2);
    assert (n1 == n2 && memcmp (b1, b2, n1) == 0);
    free (b1);
    free (b2);
}

static void
test_printed_id_is_normalised (void)
{
    const char *printed = "{\"op\":\"suspend\",\"expected_version\":1,\"license_id\":"
        "\"1.2.156.3005.2.11330000MB0000000X001.330106MA2XXXXX101.2345.001.Z\"}";
    const char *bare = "{\"op\":\"suspend\",\"expected_version\":1,\"license_id\":"
        "\"11330000MB0000000X001330106MA2XXXXX1012345001Z\"}";
    Lic__Event *ev = NULL;
    assert (licjson_event_from_json (printed, &ev, NULL, 0) == ERR_OK);
    assert (strcmp (ev->license_id, "11330000MB0000000X001330106MA2XXXXX1012345001Z") == 0);
    assert (ev->content == NULL);
    codec_event_free (&ev);
    uint8_t *bp, *bb;
    size_t np, nb;
    s_bytes (printed, &bp, &np);
    s_bytes (bare, &bb, &nb);
    assert (np == nb && memcmp (bp, bb, np) == 0);
    free (bp);
    free (bb);
}

static void
test_completed_at_forms_agree (void)
{
    const char *forms [] = {
        "1795744800", "\"2026-11-27T10:00:00+08:00\"", "\"2026-11-27T02:00:00Z\"",
        "\"2026-11-27 02:00:00.250Z\"", "\"2026-11-26T21:00:00-05:00\""
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms [0]; i++) {
        char line [256];
        snprintf (line, sizeof line, "{\"op\":\"cancel\",\"license_id\":\"L\","
                  "\"completed_at\":%s}", forms [i]);
        Lic__Event *ev = NULL;
        assert (licjson_event_from_json (line, &ev, NULL, 0) == ERR_OK);
        assert (ev->completed_at == 1795744800);
        codec_event_free (&ev);
    }
}

static void
test_extend_takes_top_level_valid_to (void)
{
    Lic__Event *ev = NULL;
    assert (licjson_event_from_json ("{\"op\":\"extend\",\"license_id\":\"L\","
            "\"valid_to\":\"2031-01-01\",\"note\":null}", &ev, NULL, 0) == ERR_OK);
    assert (ev->op == LIC__OP__OP_EXTEND);
    assert (strcmp (ev->valid_to, "2031-01-01") == 0);
    assert (strcmp (ev->note, "") == 0);
    codec_event_free (&ev);
}

static void
test_rejects_bad_json (void)
{
    s_refused ("{", ERR_MALFORMED, "bad JSON");
    s_refused ("", ERR_MALFORMED, "bad JSON");
    s_refused ("{\"op\":\"issue\"} x", ERR_MALFORMED, "bad JSON");
    s_refused ("[1,2]", ERR_MALFORMED, "JSON object");
    s_refused ("{\"op\":\"issue\",\"op\":\"alter\",\"license_id\":\"L\"}",
               ERR_MALFORMED, "duplicate");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"license\":{\"items\":"
               "{\"a\":\"1\",\"a\":\"2\"}}}", ERR_MALFORMED, "duplicate");
}

static void
test_rejects_unknown_op (void)
{
    s_refused ("{\"op\":\"frobnicate\",\"license_id\":\"L\"}", ERR_BAD_FIELD,
               "frobnicate");
    s_refused ("{\"op\":\"none\",\"license_id\":\"L\"}", ERR_BAD_FIELD, "none");
    s_refused ("{\"op\":3,\"license_id\":\"L\"}", ERR_MALFORMED, "'op'");
    s_refused ("{\"license_id\":\"L\"}", ERR_MALFORMED, "'op'");
}

static void
test_rejects_unknown_key (void)
{
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"colour\":\"red\"}",
               ERR_MALFORMED, "colour");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"license\":{\"nmae\":\"x\"}}",
               ERR_MALFORMED, "'nmae' in license");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"license\":{\"holder\":"
               "{\"idtype\":\"001\"}}}", ERR_MALFORMED, "'idtype' in holder");
}

static void
test_rejects_wrong_types (void)
{
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"license\":{\"items\":"
               "{\"capital\":100}}}", ERR_MALFORMED, "item 'capital'");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"license\":{\"items\":"
               "{\"a\":\"1\",\"b\":null}}}", ERR_MALFORMED, "item 'b'");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"license\":{\"items\":[]}}",
               ERR_MALFORMED, "'items'");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"license\":\"x\"}",
               ERR_MALFORMED, "'license'");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"license\":{\"holder\":1}}",
               ERR_MALFORMED, "'holder'");
    s_refused ("{\"op\":\"issue\",\"license_id\":7}", ERR_MALFORMED, "'license_id'");
    s_refused ("{\"op\":\"issue\"}", ERR_MALFORMED, "'license_id'");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"note\":5}",
               ERR_MALFORMED, "'note'");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"expected_version\":\"1\"}",
               ERR_MALFORMED, "'expected_version'");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"expected_version\":-1}",
               ERR_BAD_FIELD, "'expected_version'");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"expected_version\":4294967296}",
               ERR_BAD_FIELD, "'expected_version'");
}

static void
test_rejects_bad_digest_hex (void)
{
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"license\":{\"file_digest\":"
               "\"zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}}",
               ERR_BAD_FIELD, "file_digest");
    s_refused ("{\"op\":\"issue\",\"license_id\":\"L\",\"license\":{\"file_digest\":"
               "\"00112233\"}}", ERR_BAD_FIELD, "file_digest");
    //  Empty means no digest
    Lic__Event *ev = NULL;
    assert (licjson_event_from_json ("{\"op\":\"issue\",\"license_id\":\"L\","
            "\"license\":{\"file_digest\":\"\"}}", &ev, NULL, 0) == ERR_OK);
    assert (ev->content->file_digest.len == 0);
    codec_event_free (&ev);
}

static void
test_rejects_bad_completed_at (void)
{
    const char *bad [] = {
        "\"2026-11-27T10:00:00\"", "\"2026-02-30T10:00:00Z\"", "\"2025-02-29T00:00:00Z\"",
        "\"2026-11-27T24:00:00Z\"", "\"2026-11-27\"", "\"2026-11-27T10:00:00+8\"",
        "1.5", "true", "\"2026-11-27T10:00:00Zjunk\""
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char line [256];
        snprintf (line, sizeof line, "{\"op\":\"cancel\",\"license_id\":\"L\","
                  "\"completed_at\":%s}", bad [i]);
        s_refused (line, ERR_BAD_FIELD, "completed_at");
    }
    //  A leap day that exists is fine
    Lic__Event *ev = NULL;
    assert (licjson_event_from_json ("{\"op\":\"cancel\",\"license_id\":\"L\","
            "\"completed_at\":\"2028-02-29T00:00:00Z\"}", &ev, NULL, 0) == ERR_OK);
    assert (ev->completed_at == 1835395200);
    codec_event_free (&ev);
}

static void
test_rejects_overlong_id (void)
{
    char line [512];
    char id [200];
    memset (id, 'A', sizeof id - 1);
    id [sizeof id - 1] = 0;
    snprintf (line, sizeof line, "{\"op\":\"issue\",\"license_id\":\"%s\"}", id);
    s_refused (line, ERR_BAD_LICENSE_ID, "license_id");
}

static void
test_why_is_optional_and_truncated (void)
{
    Lic__Event *ev = NULL;
    char why [8];
    assert (licjson_event_from_json ("{", &ev, NULL, 0) == ERR_MALFORMED);
    assert (licjson_event_from_json ("{", &ev, why, sizeof why) == ERR_MALFORMED);
    assert (strlen (why) == sizeof why - 1);
    assert (ev == NULL);
}

static void
test_event_json_round_trips (void)
{
    Lic__Event *ev = NULL;
    uint8_t *b1, *b2;
    size_t n1, n2;
    assert (licjson_event_from_json (s_issue, &ev, NULL, 0) == ERR_OK);
    json_t *j = licjson_event_to_json (ev);
    assert (j);
    assert (strcmp (json_string_value (json_object_get (j, "op")), "issue") == 0);
    char *text = json_dumps (j, JSON_COMPACT);
    json_decref (j);
    codec_event_free (&ev);
    s_bytes (s_issue, &b1, &n1);
    s_bytes (text, &b2, &n2);
    assert (n1 == n2 && memcmp (b1, b2, n1) == 0);
    free (text);
    free (b1);
    free (b2);
}

static void
test_op_names_round_trip (void)
{
    for (int op = LIC__OP__OP_ISSUE; op <= LIC__OP__OP_PLEDGE_RELEASE; op++)
        assert ((int) licjson_op_parse (licjson_op_name ((Lic__Op) op)) == op);
    assert (licjson_op_parse ("annual_inspection") == LIC__OP__OP_ANNUAL_INSPECTION);
    assert (licjson_op_parse ("Issue") == LIC__OP__OP_NONE);
    assert (licjson_op_parse (NULL) == LIC__OP__OP_NONE);
    assert (strcmp (licjson_op_name ((Lic__Op) 99), "none") == 0);
    assert (strcmp (licjson_status_code (LIC__STATUS__STATUS_REVOKED), "07") == 0);
    assert (strcmp (licjson_status_code (LIC__STATUS__STATUS_OTHER), "99") == 0);
    assert (strcmp (licjson_status_name (LIC__STATUS__STATUS_EXPIRED), "expired") == 0);
}

//  A log entry whose envelope holds the encoded issue event.
static Lic__LogEntry *
s_entry_of_issue (void)
{
    Lic__Event *ev = NULL;
    Lic__LogEntry entry;
    Lic__Envelope env;
    Lic__LogEntry *out = NULL;
    uint8_t *body, *buf;
    size_t body_len, size;
    uint8_t sig [64] = { 1 }, key [32] = { 2 };
    assert (licjson_event_from_json (s_issue, &ev, NULL, 0) == ERR_OK);
    assert (codec_event_encode (ev, &body, &body_len) == ERR_OK);
    codec_event_free (&ev);
    codec_envelope_init (&env);
    env.body.data = body;
    env.body.len = body_len;
    env.signature.data = sig;
    env.signature.len = sizeof sig;
    env.key_id.data = key;
    env.key_id.len = sizeof key;
    codec_entry_init (&entry);
    entry.seq = 7;
    entry.origin_division = "330106";
    entry.origin_seq = 5;
    entry.kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    entry.envelope = &env;
    entry.received_at = 1795744801;
    assert (codec_entry_encode (&entry, &buf, &size) == ERR_OK);
    assert (codec_entry_decode (buf, size, &out) == ERR_OK);
    free (buf);
    free (body);
    return out;
}

static void
test_state_to_json_has_view_and_history (void)
{
    Lic__Event *ev = NULL;
    assert (licjson_event_from_json (s_issue, &ev, NULL, 0) == ERR_OK);
    Lic__LogEntry *entry = s_entry_of_issue ();
    Lic__LicenseState st;
    codec_state_init (&st);
    st.license_id = S_ID;
    st.status = LIC__STATUS__STATUS_VALID;
    st.pledged = 1;
    st.version = 1;
    st.content = ev->content;
    st.issuer_code = ev->issuer_code;
    st.last_seq = 7;
    Lic__LicenseRecord rec = LIC__LICENSE_RECORD__INIT;
    rec.state = &st;
    rec.effective_status = LIC__STATUS__STATUS_EXPIRED;
    rec.n_history = 1;
    rec.history = &entry;

    json_t *j = licjson_state_to_json (&rec);
    assert (j);
    assert (strcmp (json_string_value (json_object_get (j, "status")), "01") == 0);
    assert (strcmp (json_string_value (json_object_get (j, "status_name")), "valid") == 0);
    assert (strcmp (json_string_value (json_object_get (j, "effective_status")), "05") == 0);
    assert (json_is_true (json_object_get (j, "pledged")));
    assert (json_integer_value (json_object_get (j, "version")) == 1);
    json_t *lic = json_object_get (j, "license");
    assert (json_is_null (json_object_get (lic, "valid_to")));
    json_t *items = json_object_get (lic, "items");
    assert (strcmp (json_string_value (json_object_get (items, "a")), "1") == 0);
    json_t *h = json_array_get (json_object_get (j, "history"), 0);
    assert (json_integer_value (json_object_get (h, "seq")) == 7);
    assert (json_integer_value (json_object_get (h, "origin_seq")) == 5);
    assert (strcmp (json_string_value (json_object_get (h, "op")), "issue") == 0);
    assert (json_integer_value (json_object_get (h, "completed_at")) == 1795744800);
    assert (json_integer_value (json_object_get (h, "received_at")) == 1795744801);
    json_decref (j);
    codec_entry_free (&entry);
    codec_event_free (&ev);
}

static void
test_status_to_json (void)
{
    uint8_t sign [32] = { 0xab }, curve [32] = { 0 };
    Lic__NodeStatus st = LIC__NODE_STATUS__INIT;
    st.division = "330106";
    st.head_seq = 42;
    st.sign_key.data = sign;
    st.sign_key.len = 32;
    st.curve_key.data = curve;
    st.curve_key.len = 32;
    st.rejected = 3;
    json_t *j = licjson_status_to_json (&st);
    assert (j);
    assert (json_integer_value (json_object_get (j, "head_seq")) == 42);
    assert (json_integer_value (json_object_get (j, "rejected")) == 3);
    assert (strncmp (json_string_value (json_object_get (j, "sign_key")), "ab00", 4) == 0);
    assert (strlen (json_string_value (json_object_get (j, "curve_key"))) == 40);
    json_decref (j);
}

static void
test_entry_to_json_decodes_bodies (void)
{
    Lic__LogEntry *entry = s_entry_of_issue ();
    json_t *j = licjson_entry_to_json (entry);
    assert (j);
    assert (strcmp (json_string_value (json_object_get (j, "kind")), "event") == 0);
    json_t *ev = json_object_get (j, "event");
    assert (strcmp (json_string_value (json_object_get (ev, "license_id")), S_ID) == 0);
    json_decref (j);

    //  A registration body
    uint8_t key [32] = { 3 };
    Lic__Department dept;
    codec_department_init (&dept);
    dept.credit_code = "330106MA2XXXXX101";
    ProtobufCBinaryData keys [1] = { { 32, key } };
    char *types [] = { "11330000MB0000000X001" };
    dept.sign_keys = keys;
    dept.n_sign_keys = 1;
    dept.license_types = types;
    dept.n_license_types = 1;
    Lic__Registration reg;
    codec_registration_init (&reg);
    reg.division = "330106";
    reg.department = &dept;
    uint8_t *body;
    size_t len;
    assert (codec_registration_encode (&reg, &body, &len) == ERR_OK);
    entry->kind = LIC__ENTRY_KIND__ENTRY_REGISTRATION;
    uint8_t *saved = entry->envelope->body.data;
    size_t saved_len = entry->envelope->body.len;
    entry->envelope->body.data = body;
    entry->envelope->body.len = len;
    j = licjson_entry_to_json (entry);
    json_t *d = json_object_get (json_object_get (j, "registration"), "department");
    assert (strcmp (json_string_value (json_object_get (d, "credit_code")),
                    "330106MA2XXXXX101") == 0);
    assert (json_array_size (json_object_get (d, "sign_keys")) == 1);
    json_decref (j);

    //  A body that does not decode
    entry->envelope->body.len = 3;
    body [0] = 0xff;
    body [1] = 0xff;
    body [2] = 0xff;
    j = licjson_entry_to_json (entry);
    assert (json_object_get (j, "body_error"));
    json_decref (j);
    free (body);
    entry->envelope->body.data = saved;
    entry->envelope->body.len = saved_len;
    codec_entry_free (&entry);
}

// ---------------------------------------------------------------------
//  License types (catalogue), lateness report

#define S_CODE "11100000000013338W011"     //  a valid type code (GB/T 36904)
#define S_HEX64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static const char *s_type =
    "{\"type_code\":\"11100000000013338W011\",\"name\":\"营业执照\","
    "\"items\":[{\"name\":\"registered_capital\",\"label\":\"注册资本\","
    "\"kind\":\"decimal\",\"required\":true,\"max_length\":20,\"min\":\"0\","
    "\"max\":\"\",\"values\":[],\"sensitivity\":\"commercial\"},"
    "{\"name\":\"company_type\",\"kind\":\"enum\",\"values\":[\"b\",\"a\"]}],"
    "\"validity\":{\"term_months\":0,\"open_ended\":true,"
    "\"annual_inspection\":true,\"inspection_window_days\":90},"
    "\"template\":\"" S_HEX64 "\",\"sample\":null,\"seal\":\"\","
    "\"withdrawn\":false}";

//  Asserts a type text fails with code and a why containing needle.
static void
s_type_refused (const char *text, int code, const char *needle)
{
    Lic__LicenseType *t = (Lic__LicenseType *) &t;  //  must stay untouched
    char why [256] = "";
    int rc = licjson_type_from_json (text, &t, why, sizeof why);
    if (rc != code || !strstr (why, needle))
        fprintf (stderr, "type %s: got %s '%s'\n", text, err_str (rc), why);
    assert (rc == code);
    assert (strstr (why, needle));
    assert (t == (Lic__LicenseType *) &t);
}

static void
test_type_parses_every_field (void)
{
    Lic__LicenseType *t = NULL;
    assert (licjson_type_from_json (s_type, &t, NULL, 0) == ERR_OK);
    assert (t->version == 0 && *t->division == 0 && t->at == 0);
    assert (strcmp (t->type_code, "11100000000013338W011") == 0);
    assert (strcmp (t->name, "营业执照") == 0);
    //  defining_body defaults to the type code's first 18 characters
    assert (strcmp (t->defining_body, "11100000000013338W") == 0);
    assert (t->n_items == 2);
    const Lic__ItemSpec *s = t->items [0];
    assert (strcmp (s->name, "registered_capital") == 0);
    assert (strcmp (s->label, "注册资本") == 0);
    assert (s->kind == LIC__ITEM_KIND__KIND_DECIMAL);
    assert (s->required && s->max_length == 20);
    assert (strcmp (s->min, "0") == 0 && strcmp (s->max, "") == 0);
    assert (s->n_values == 0);
    assert (s->sensitivity == LIC__SENSITIVITY__SENS_COMMERCIAL);
    //  items and values keep their order; defaults: optional, public
    s = t->items [1];
    assert (strcmp (s->name, "company_type") == 0);
    assert (s->kind == LIC__ITEM_KIND__KIND_ENUM && !s->required);
    assert (s->n_values == 2 && strcmp (s->values [0], "b") == 0);
    assert (s->sensitivity == LIC__SENSITIVITY__SENS_PUBLIC);
    assert (t->validity && t->validity->open_ended && t->validity->annual_inspection);
    assert (t->validity->term_months == 0 && t->validity->inspection_window_days == 90);
    assert (t->template_digest.len == 32 && t->template_digest.data [31] == 0xff);
    assert (t->sample_digest.len == 0 && t->seal_digest.len == 0);
    assert (!t->withdrawn);
    codec_license_type_free (&t);
    assert (t == NULL);

    //  The least a type needs; validity is always present
    assert (licjson_type_from_json ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\","
            "\"defining_body\":\"B\"}", &t, NULL, 0) == ERR_OK);
    assert (t->n_items == 0 && t->validity && !t->validity->open_ended);
    assert (strcmp (t->defining_body, "B") == 0);
    codec_license_type_free (&t);
}

static void
test_type_json_round_trips (void)
{
    Lic__LicenseType *t = NULL, *back = NULL;
    uint8_t *b1, *b2;
    size_t n1, n2;
    assert (licjson_type_from_json (s_type, &t, NULL, 0) == ERR_OK);
    t->version = 3;                     //  as the node stores it
    t->division = strdup ("330106");
    t->at = 1795744800;
    json_t *j = licjson_type_to_json (t);
    assert (j);
    assert (json_integer_value (json_object_get (j, "version")) == 3);
    assert (strcmp (json_string_value (json_object_get (j, "division")), "330106") == 0);
    assert (json_integer_value (json_object_get (j, "at")) == 1795744800);
    assert (strcmp (json_string_value (json_object_get (j, "template")), S_HEX64) == 0);
    assert (strcmp (json_string_value (json_object_get (j, "sample")), "") == 0);
    json_t *s = json_array_get (json_object_get (j, "items"), 0);
    assert (strcmp (json_string_value (json_object_get (s, "kind")), "decimal") == 0);
    assert (strcmp (json_string_value (json_object_get (s, "sensitivity")), "commercial") == 0);
    assert (json_is_true (json_object_get (s, "required")));
    //  Without the node's members, the output is valid input again
    json_object_del (j, "version");
    json_object_del (j, "division");
    json_object_del (j, "at");
    char *text = json_dumps (j, JSON_COMPACT);
    json_decref (j);
    assert (licjson_type_from_json (text, &back, NULL, 0) == ERR_OK);
    free (text);
    t->version = 0;
    t->at = 0;
    free (t->division);
    t->division = strdup ("");
    assert (codec_license_type_encode (t, &b1, &n1) == ERR_OK);
    assert (codec_license_type_encode (back, &b2, &n2) == ERR_OK);
    assert (n1 == n2 && memcmp (b1, b2, n1) == 0);
    free (b1);
    free (b2);
    codec_license_type_free (&t);
    codec_license_type_free (&back);
}

//  A type code is checked before anything reads it: one with a
//  multi-byte character in its first 18 bytes used to have its defining
//  body cut mid-character, and the output no longer parsed back.
static void
test_type_code_checked_first (void)
{
    s_type_refused ("{\"type_code\":\"11100000000013338华W\",\"name\":\"n\"}",
                    ERR_BAD_FIELD, "'type_code' must be a license type code");
    s_type_refused ("{\"type_code\":\"营业执照营业执\","
                    "\"name\":\"n\"}", ERR_BAD_FIELD, "'type_code' must be a license type code");
    s_type_refused ("{\"type_code\":\"X\",\"name\":\"n\"}",
                    ERR_BAD_FIELD, "'type_code' must be a license type code");
    s_type_refused ("{\"type_code\":\"11100000000013338X011\",\"name\":\"n\"}",
                    ERR_BAD_FIELD, "'type_code' must be a license type code");    //  check char

    //  What parses, prints and parses back the same (defining body derived)
    Lic__LicenseType *t = NULL, *back = NULL;
    assert (licjson_type_from_json ("{\"type_code\":\"" S_CODE "\",\"name\":\"营业执照\"}",
                                    &t, NULL, 0) == ERR_OK);
    assert (strcmp (t->defining_body, "11100000000013338W") == 0);
    json_t *j = licjson_type_to_json (t);
    assert (j);
    json_object_del (j, "version");
    json_object_del (j, "division");
    json_object_del (j, "at");
    char *text = json_dumps (j, 0);
    assert (text);
    assert (licjson_type_from_json (text, &back, NULL, 0) == ERR_OK);
    assert (strcmp (back->type_code, t->type_code) == 0);
    assert (strcmp (back->defining_body, t->defining_body) == 0);
    assert (strcmp (back->name, t->name) == 0);
    free (text);
    json_decref (j);
    codec_license_type_free (&t);
    codec_license_type_free (&back);
}

static void
test_type_refuses_members_set_by_the_node (void)
{
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"version\":2}",
                    ERR_BAD_FIELD, "'version' is set by the node");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"division\":\"330106\"}",
                    ERR_BAD_FIELD, "'division' is set by the node");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"at\":null}",
                    ERR_BAD_FIELD, "'at' is set by the node");
}

static void
test_type_rejects_bad_input (void)
{
    s_type_refused ("[", ERR_MALFORMED, "bad JSON");
    s_type_refused ("[]", ERR_MALFORMED, "must be a JSON object");
    s_type_refused ("{\"name\":\"n\"}", ERR_MALFORMED, "'type_code' missing");
    s_type_refused ("{\"type_code\":\"" S_CODE "\"}", ERR_MALFORMED, "'name' missing");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"colour\":1}",
                    ERR_MALFORMED, "unknown key 'colour'");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"name\":\"m\"}",
                    ERR_MALFORMED, "duplicate");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":{}}",
                    ERR_MALFORMED, "'items' must be an array");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":[1]}",
                    ERR_MALFORMED, "items[0]: must be an object");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":"
                    "[{\"name\":\"a\",\"kind\":\"string\"},{\"name\":\"b\"}]}",
                    ERR_MALFORMED, "items[1] (b): 'kind' missing");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":"
                    "[{\"name\":\"a\",\"kind\":\"money\"}]}",
                    ERR_BAD_FIELD, "items[0] (a): unknown kind 'money' (string, "
                    "integer, decimal, date, enum, boolean)");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":"
                    "[{\"kind\":\"string\"}]}", ERR_MALFORMED, "'name' missing");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":"
                    "[{\"name\":\"a\",\"kind\":\"string\",\"sensitivity\":\"top\"}]}",
                    ERR_BAD_FIELD, "unknown sensitivity 'top'");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":"
                    "[{\"name\":\"a\",\"kind\":\"string\",\"max_length\":-1}]}",
                    ERR_BAD_FIELD, "'max_length' out of range");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":"
                    "[{\"name\":\"a\",\"kind\":\"decimal\",\"min\":0}]}",
                    ERR_MALFORMED, "'min' must be a string");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":"
                    "[{\"name\":\"a\",\"kind\":\"enum\",\"values\":[\"x\",2]}]}",
                    ERR_MALFORMED, "values[1] must be a string");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":"
                    "[{\"name\":\"a\",\"kind\":\"string\",\"required\":1}]}",
                    ERR_MALFORMED, "'required' must be true or false");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"items\":"
                    "[{\"name\":\"a\",\"kind\":\"string\",\"regex\":\".*\"}]}",
                    ERR_MALFORMED, "unknown key 'regex'");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"validity\":"
                    "{\"term_years\":5}}", ERR_MALFORMED,
                    "unknown key 'term_years' in validity");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"template\":\"abc\"}",
                    ERR_BAD_FIELD, "'template' must be 64 hex digits");
    s_type_refused ("{\"type_code\":\"" S_CODE "\",\"name\":\"n\",\"withdrawn\":\"no\"}",
                    ERR_MALFORMED, "'withdrawn' must be true or false");
}

static void
test_type_bounds_items_and_values (void)
{
    //  CATALOGUE_ITEMS_MAX + 1 items, then as many values
    size_t cap = 64 * 1024;
    char *text = malloc (cap);
    assert (text);
    size_t n = (size_t) snprintf (text, cap, "{\"type_code\":\"" S_CODE "\",\"name\":\"n\","
                                  "\"items\":[");
    for (int i = 0; i <= CATALOGUE_ITEMS_MAX; i++)
        n += (size_t) snprintf (text + n, cap - n, "%s{\"name\":\"i%d\","
                                "\"kind\":\"string\"}", i? ",": "", i);
    snprintf (text + n, cap - n, "]}");
    s_type_refused (text, ERR_TOO_LARGE, "items, at most");
    n = (size_t) snprintf (text, cap, "{\"type_code\":\"" S_CODE "\",\"name\":\"n\","
                           "\"items\":[{\"name\":\"e\",\"kind\":\"enum\",\"values\":[");
    for (int i = 0; i <= CATALOGUE_VALUES_MAX; i++)
        n += (size_t) snprintf (text + n, cap - n, "%s\"v%d\"", i? ",": "", i);
    snprintf (text + n, cap - n, "]}]}");
    s_type_refused (text, ERR_TOO_LARGE, "items[0] (e): 257 values, at most");
    free (text);
}

//  Path of a file of the source tree: __FILE__ is relative to the build
//  directory (the parent of this executable's) unless it is absolute.
static void
s_source_path (const char *rel, char *out, size_t size)
{
    char exe [4096];
    const char *file = __FILE__;
    const char *slash = strrchr (file, '/');
    int dir_len = slash? (int) (slash - file): 1;
    if (!slash)
        file = ".";
    if (*file == '/') {
        snprintf (out, size, "%.*s/../%s", dir_len, file, rel);
        return;
    }
    ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    assert (n > 0);
    exe [n] = 0;
    *strrchr (exe, '/') = 0;
    snprintf (out, size, "%s/../%.*s/../%s", exe, dir_len, file, rel);
}

static Lic__LicenseType *
s_load_type (const char *rel)
{
    char path [8192], why [256] = "";
    s_source_path (rel, path, sizeof path);
    FILE *fp = fopen (path, "r");
    if (!fp)
        fprintf (stderr, "cannot open %s\n", path);
    assert (fp);
    static char text [64 * 1024];
    size_t n = fread (text, 1, sizeof text - 1, fp);
    fclose (fp);
    assert (n > 0 && n < sizeof text - 1);
    text [n] = 0;
    Lic__LicenseType *t = NULL;
    int rc = licjson_type_from_json (text, &t, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "%s: %s %s\n", path, err_str (rc), why);
    assert (rc == ERR_OK);
    return t;
}

static const Lic__ItemSpec *
s_spec (const Lic__LicenseType *t, const char *name)
{
    for (size_t i = 0; i < t->n_items; i++)
        if (strcmp (t->items [i]->name, name) == 0)
            return t->items [i];
    return NULL;
}

//  deploy/demo.sh's gen_day line with its longest values (i = 2000).
static const char *s_demo_line =
    "{\"op\":\"issue\",\"license_id\":\"X\",\"license\":{\"name\":\"营业执照\","
    "\"issue_date\":\"2026-11-27\",\"valid_from\":\"2026-11-27\","
    "\"valid_to\":\"2046-11-26\",\"items\":{\"registered_capital\":"
    "\"2100万元人民币\",\"business_scope\":\"技术服务、技术开发、技术咨询\","
    "\"legal_representative\":\"张2000\",\"residence\":"
    "\"浙江省杭州市文三路2000号\"}}}";

//  A construction qualification: five years less a day.
static const char *s_qualification_line =
    "{\"op\":\"issue\",\"license_id\":\"X\",\"license\":{\"name\":"
    "\"建筑业企业资质证书\",\"issue_date\":\"2026-11-27\",\"valid_from\":"
    "\"2026-11-27\",\"valid_to\":\"2031-11-26\",\"items\":{"
    "\"certificate_number\":\"D233012345\",\"legal_representative\":\"张三\","
    "\"registered_capital\":\"2000万元人民币\",\"address\":\"浙江省杭州市文三路1号\","
    "\"economic_nature\":\"有限责任公司\",\"qualification_scope\":"
    "\"建筑工程施工总承包贰级；市政公用工程施工总承包叁级\"}}}";

//  t passes the node's own type check and accepts the event line's content.
static void
s_standard_accepts (const Lic__LicenseType *t, const char *line)
{
    char why [256] = "";
    Lic__Event *ev = NULL;
    int rc = catalogue_check_type (t, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "%s: %s %s\n", t->type_code, err_str (rc), why);
    assert (rc == ERR_OK);
    assert (licjson_event_from_json (line, &ev, NULL, 0) == ERR_OK);
    rc = catalogue_check_content (t, ev->content, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "%s content: %s %s\n", t->type_code, err_str (rc), why);
    assert (rc == ERR_OK);
    codec_event_free (&ev);
}

static void
test_deploy_catalogue_files_parse (void)
{
    //  The items deploy/demo.sh's gen_day sends, each a free string
    //  ("105万元人民币" is no decimal), and nothing else required.
    static const char *demo [] = {
        "registered_capital", "business_scope", "legal_representative", "residence"
    };
    Lic__LicenseType *t = s_load_type ("deploy/catalogue/business-license.json");
    assert (strcmp (t->type_code, "11100000000013338W011") == 0);
    assert (strcmp (t->defining_body, "11100000000013338W") == 0);
    assert (strcmp (t->name, "营业执照") == 0);
    for (size_t i = 0; i < sizeof demo / sizeof demo [0]; i++) {
        const Lic__ItemSpec *s = s_spec (t, demo [i]);
        assert (s && s->kind == LIC__ITEM_KIND__KIND_STRING);
        assert (s->max_length == 0 || s->max_length >= 30);
    }
    for (size_t i = 0; i < t->n_items; i++) {
        bool sent = false;
        for (size_t d = 0; d < sizeof demo / sizeof demo [0]; d++)
            sent = sent || strcmp (t->items [i]->name, demo [d]) == 0;
        assert (sent || !t->items [i]->required);
    }
    assert (s_spec (t, "business_scope")->max_length == 2000);
    assert (s_spec (t, "legal_representative")->sensitivity
            == LIC__SENSITIVITY__SENS_PERSONAL);
    assert (s_spec (t, "company_type")->kind == LIC__ITEM_KIND__KIND_ENUM);
    assert (s_spec (t, "established")->kind == LIC__ITEM_KIND__KIND_DATE);
    assert (s_spec (t, "name") && s_spec (t, "credit_code") && s_spec (t, "operating_term"));
    //  The demo's licenses carry a valid_to: neither open-ended nor fixed
    assert (!t->validity->open_ended && t->validity->term_months == 0);
    s_standard_accepts (t, s_demo_line);
    codec_license_type_free (&t);

    t = s_load_type ("deploy/catalogue/construction-qualification.json");
    assert (strcmp (t->type_code, "11100000000013338W032") == 0);
    assert (strcmp (t->name, "建筑业企业资质证书") == 0);
    assert (t->validity->term_months == 60 && !t->validity->open_ended);
    assert (!t->validity->annual_inspection);
    s_standard_accepts (t, s_qualification_line);
    codec_license_type_free (&t);
}

static void
test_lateness_to_json (void)
{
    Lic__LatenessRow row = LIC__LATENESS_ROW__INIT, *rows [] = { &row };
    row.issuer = "11430000006122244L";
    row.day = "2026-11-27";
    row.events = 2000;
    row.late = 12;
    row.worst_seconds = 11100;
    Lic__ReportResult r = LIC__REPORT_RESULT__INIT;
    r.rows = rows;
    r.n_rows = 1;
    json_t *j = licjson_lateness_to_json (&r);
    assert (j);
    json_t *first = json_array_get (json_object_get (j, "rows"), 0);
    assert (strcmp (json_string_value (json_object_get (first, "issuer")),
                    "11430000006122244L") == 0);
    assert (strcmp (json_string_value (json_object_get (first, "day")), "2026-11-27") == 0);
    assert (json_integer_value (json_object_get (first, "events")) == 2000);
    assert (json_integer_value (json_object_get (first, "late")) == 12);
    assert (json_integer_value (json_object_get (first, "worst_seconds")) == 11100);
    json_decref (j);
    r.n_rows = 0;
    j = licjson_lateness_to_json (&r);
    assert (j && json_array_size (json_object_get (j, "rows")) == 0);
    json_decref (j);
}

static void
test_state_and_entry_json_know_the_catalogue (void)
{
    Lic__LicenseState st;
    codec_state_init (&st);
    st.license_id = S_ID;
    st.catalogue_version = 2;
    Lic__LicenseRecord rec = LIC__LICENSE_RECORD__INIT;
    rec.state = &st;
    json_t *j = licjson_state_to_json (&rec);
    assert (json_integer_value (json_object_get (j, "catalogue_version")) == 2);
    assert (json_is_null (json_object_get (j, "last_inspection")));
    assert (json_is_false (json_object_get (j, "inspection_overdue")));
    json_decref (j);
    st.last_inspection = "2027-12-01";
    rec.inspection_overdue = 1;
    j = licjson_state_to_json (&rec);
    assert (strcmp (json_string_value (json_object_get (j, "last_inspection")),
                    "2027-12-01") == 0);
    assert (json_is_true (json_object_get (j, "inspection_overdue")));
    json_decref (j);

    //  A catalogue entry's body is the type
    Lic__LicenseType *t = NULL;
    uint8_t *body;
    size_t len;
    assert (licjson_type_from_json (s_type, &t, NULL, 0) == ERR_OK);
    assert (codec_license_type_encode (t, &body, &len) == ERR_OK);
    codec_license_type_free (&t);
    Lic__LogEntry *entry = s_entry_of_issue ();
    uint8_t *saved = entry->envelope->body.data;
    size_t saved_len = entry->envelope->body.len;
    entry->kind = LIC__ENTRY_KIND__ENTRY_CATALOGUE;
    entry->envelope->body.data = body;
    entry->envelope->body.len = len;
    j = licjson_entry_to_json (entry);
    assert (strcmp (json_string_value (json_object_get (j, "kind")), "catalogue") == 0);
    json_t *type = json_object_get (j, "license_type");
    assert (strcmp (json_string_value (json_object_get (type, "type_code")),
                    "11100000000013338W011") == 0);
    assert (json_array_size (json_object_get (type, "items")) == 2);
    json_decref (j);
    entry->envelope->body.data = saved;
    entry->envelope->body.len = saved_len;
    free (body);
    codec_entry_free (&entry);

    //  The status counters
    Lic__NodeStatus ns = LIC__NODE_STATUS__INIT;
    ns.catalogue_types = 2;
    ns.inspections_overdue = 5;
    j = licjson_status_to_json (&ns);
    assert (json_integer_value (json_object_get (j, "catalogue_types")) == 2);
    assert (json_integer_value (json_object_get (j, "inspections_overdue")) == 5);
    json_decref (j);
}

static void
test_parse_time_takes_rfc3339_and_unix_seconds (void)
{
    int64_t t = -1;
    assert (licjson_parse_time ("2025-11-27T08:25:01+08:00", &t) && t == 1764203101);
    assert (licjson_parse_time ("2025-11-27T00:25:01Z", &t) && t == 1764203101);
    assert (licjson_parse_time ("2025-11-27t00:25:01.999z", &t) && t == 1764203101);
    assert (licjson_parse_time ("1764203101", &t) && t == 1764203101);
    assert (licjson_parse_time ("0", &t) && t == 0);
    //  An offset is required, and nothing else is a time.
    assert (!licjson_parse_time ("2025-11-27T08:25:01", &t));
    assert (!licjson_parse_time ("2025-11-27", &t));
    assert (!licjson_parse_time ("2025-02-29T00:00:00Z", &t));
    assert (!licjson_parse_time ("-5", &t));
    assert (!licjson_parse_time ("17642031x", &t));
    assert (!licjson_parse_time ("99999999999999999999", &t));
    assert (!licjson_parse_time ("", &t) && !licjson_parse_time (NULL, &t));
}

int
main (void)
{
    test_issue_parses_every_field ();
    test_key_order_gives_identical_bytes ();
    test_same_line_gives_identical_bytes ();
    test_printed_id_is_normalised ();
    test_completed_at_forms_agree ();
    test_extend_takes_top_level_valid_to ();
    test_rejects_bad_json ();
    test_rejects_unknown_op ();
    test_rejects_unknown_key ();
    test_rejects_wrong_types ();
    test_rejects_bad_digest_hex ();
    test_rejects_bad_completed_at ();
    test_rejects_overlong_id ();
    test_why_is_optional_and_truncated ();
    test_event_json_round_trips ();
    test_op_names_round_trip ();
    test_state_to_json_has_view_and_history ();
    test_status_to_json ();
    test_entry_to_json_decodes_bodies ();
    test_type_parses_every_field ();
    test_type_json_round_trips ();
    test_type_code_checked_first ();
    test_type_refuses_members_set_by_the_node ();
    test_type_rejects_bad_input ();
    test_type_bounds_items_and_values ();
    test_deploy_catalogue_files_parse ();
    test_lateness_to_json ();
    test_state_and_entry_json_know_the_catalogue ();
    test_parse_time_takes_rfc3339_and_unix_seconds ();
    printf ("licjson: 27 tests passed\n");
    return 0;
}
