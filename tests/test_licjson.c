/*  test_licjson.c -- event JSON parsing (canonical bytes, id
    normalisation, every error path) and the JSON views of records,
    status and log entries.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "licjson.h"

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
    printf ("licjson: 19 tests passed\n");
    return 0;
}
