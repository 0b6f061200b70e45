/*  test_evcheck.c -- event body checks (proto/evcheck.c).

    Each case starts from a valid event and breaks one thing, so the
    error it expects is the only one the event carries; the order cases
    break two things and expect the earlier check to win.
*/
#undef NDEBUG
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/evcheck.h"
#include "proto/lifecycle.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

#define V1_ISSUER   "11430000006122244L"
#define V1_BARE     "11100000000013338W011" V1_ISSUER "20230000403001U"
#define V1_PRINTED  "1.2.156.3005.2.11100000000013338W011." V1_ISSUER \
                    ".20230000403.001.U"
#define V2_ISSUER   "11220000013544541J"

//  A valid event and everything it points to, built in place
typedef struct {
    Lic__Event ev;
    Lic__LicenseContent content;
    Lic__Holder holder;
    Lic__DataItem items [2];
    Lic__DataItem *item_ptrs [2];
    uint8_t digest [33];
} fixture_t;

static void
s_fixture_init (fixture_t *self, Lic__Op op)
{
    memset (self, 0, sizeof *self);
    codec_event_init (&self->ev);
    self->ev.op = op;
    self->ev.license_id = V1_BARE;
    self->ev.expected_version = op == LIC__OP__OP_ISSUE? 0: 3;
    self->ev.issuer_code = V1_ISSUER;
    self->ev.completed_at = 1795708800;
    self->ev.note = "";

    codec_holder_init (&self->holder);
    self->holder.id_type = "001";
    self->holder.id = V2_ISSUER;
    self->holder.name = "Example Trading Co.";

    codec_item_init (&self->items [0]);
    self->items [0].name = "capital";
    self->items [0].value = "1000000";
    codec_item_init (&self->items [1]);
    self->items [1].name = "scope";
    self->items [1].value = "retail";
    self->item_ptrs [0] = &self->items [0];
    self->item_ptrs [1] = &self->items [1];

    codec_content_init (&self->content);
    self->content.name = "business license";
    self->content.holder = &self->holder;
    self->content.issue_date = "2026-11-27";
    self->content.valid_from = "2026-11-27";
    self->content.valid_to = "2031-11-26";
    self->content.division_code = "330106";
    self->content.n_items = 2;
    self->content.items = self->item_ptrs;
    self->content.file_digest.len = 32;
    self->content.file_digest.data = self->digest;

    if (op == LIC__OP__OP_ISSUE || op == LIC__OP__OP_ALTER)
        self->ev.content = &self->content;
    if (op == LIC__OP__OP_EXTEND)
        self->ev.valid_to = "2036-11-26";
}

//  Checks f's event and returns the code; every refusal must explain
static int
s_check (const fixture_t *f)
{
    char why [512] = "";
    licid_t id;
    memset (&id, 0x5a, sizeof id);
    int rc = evcheck_event (&f->ev, &id, why, sizeof why);
    if (rc == ERR_OK) {
        assert (strcmp (id.bare, V1_BARE) == 0);
        assert (strcmp (id.issuer, V1_ISSUER) == 0);
    }
    else {
        assert (*why);
        assert (((unsigned char *) &id) [0] == 0x5a);  //  id left alone
    }
    return rc;
}

static int
s_check_why (const fixture_t *f, const char *needle)
{
    char why [512] = "";
    int rc = evcheck_event (&f->ev, NULL, why, sizeof why);
    assert (strstr (why, needle));
    return rc;
}

//  A malloc'd string of n copies of c; caller frees
static char *
s_text (size_t n, char c)
{
    char *s = malloc (n + 1);
    assert (s);
    memset (s, c, n);
    s [n] = 0;
    return s;
}


//  --------------------------------------------------------------------
//  Events that pass

static void
test_valid_events_pass (void)
{
    fixture_t f;
    for (int op = LIC__OP__OP_ISSUE; op <= LIC__OP__OP_PLEDGE_RELEASE; op++) {
        s_fixture_init (&f, (Lic__Op) op);
        assert (s_check (&f) == ERR_OK);
    }
    //  NULL out-parameters are fine
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    assert (evcheck_event (&f.ev, NULL, NULL, 0) == ERR_OK);
}

static void
test_optional_fields_may_be_empty (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.content.valid_to = "";                    //  open-ended
    f.content.n_items = 0;
    f.content.items = NULL;
    f.content.file_digest.len = 0;
    f.content.file_digest.data = NULL;
    f.content.name = NULL;                      //  NULL reads as ""
    f.ev.note = NULL;
    assert (s_check (&f) == ERR_OK);
    //  valid_to on the day of valid_from is fine
    f.content.valid_to = f.content.valid_from;
    assert (s_check (&f) == ERR_OK);
}

static void
test_holder_types_checked_by_kind (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.holder.id_type = "111";
    f.holder.id = "11010519491231002X";
    assert (s_check (&f) == ERR_OK);
    f.holder.id_type = "414";
    f.holder.id = "E12345678";
    assert (s_check (&f) == ERR_OK);
    char *id64 = s_text (64, '7');
    f.holder.id = id64;
    assert (s_check (&f) == ERR_OK);
    free (id64);
}


//  --------------------------------------------------------------------
//  One error code each

static void
test_version_must_be_one (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.version = 0;
    assert (s_check (&f) == ERR_VERSION);
    f.ev.version = 2;
    assert (s_check (&f) == ERR_VERSION);
}

static void
test_op_must_be_known (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ANNUAL_INSPECTION);
    f.ev.op = LIC__OP__OP_NONE;
    assert (s_check (&f) == ERR_MALFORMED);
    f.ev.op = (Lic__Op) 13;
    assert (s_check (&f) == ERR_MALFORMED);
}

static void
test_license_id_must_parse (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_SUSPEND);
    f.ev.license_id = "11100000000013338W01111430000006122244L20230000403001V";
    assert (s_check_why (&f, "expected 'U'") == ERR_BAD_LICENSE_ID);
    f.ev.license_id = "";
    assert (s_check (&f) == ERR_BAD_LICENSE_ID);
    f.ev.license_id = NULL;
    assert (s_check (&f) == ERR_BAD_LICENSE_ID);
    f.ev.license_id = "11100000000013338W01111430000006122244L20230000403001u";
    assert (s_check (&f) == ERR_BAD_LICENSE_ID);
    //  Events carry the bare form only
    f.ev.license_id = V1_PRINTED;
    assert (s_check_why (&f, "bare form") == ERR_BAD_LICENSE_ID);
    //  An absurdly long id is still just a bad id
    char *huge = s_text (EVCHECK_TEXT_MAX + 10, 'A');
    f.ev.license_id = huge;
    assert (s_check (&f) == ERR_BAD_LICENSE_ID);
    free (huge);
}

static void
test_issuer_code_must_be_credit_code (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_SUSPEND);
    f.ev.issuer_code = "11430000006122244M";
    assert (s_check (&f) == ERR_BAD_CREDIT_CODE);
    f.ev.issuer_code = "";
    assert (s_check (&f) == ERR_BAD_CREDIT_CODE);
    f.ev.issuer_code = NULL;
    assert (s_check (&f) == ERR_BAD_CREDIT_CODE);
}

static void
test_issuer_code_must_match_id (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_SUSPEND);
    f.ev.issuer_code = V2_ISSUER;
    assert (s_check_why (&f, V1_ISSUER) == ERR_ISSUER_MISMATCH);
}

static void
test_text_fields_are_bounded (void)
{
    fixture_t f;
    char *max = s_text (EVCHECK_TEXT_MAX, 'n');
    char *over = s_text (EVCHECK_TEXT_MAX + 1, 'n');
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.note = max;
    assert (s_check (&f) == ERR_OK);
    f.ev.note = over;
    assert (s_check_why (&f, "note") == ERR_TOO_LARGE);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.holder.name = over;
    assert (s_check_why (&f, "content.holder.name") == ERR_TOO_LARGE);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.content.seal_info = over;
    assert (s_check (&f) == ERR_TOO_LARGE);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.items [1].value = max;
    assert (s_check (&f) == ERR_OK);
    f.items [1].value = over;
    assert (s_check_why (&f, "content.items[1]") == ERR_TOO_LARGE);
    free (max);
    free (over);
}

static void
test_item_count_is_bounded (void)
{
    enum { N = EVCHECK_ITEMS_MAX + 1 };
    static Lic__DataItem items [N];
    static Lic__DataItem *ptrs [N];
    static char names [N][8];
    for (int i = 0; i < N; i++) {
        codec_item_init (&items [i]);
        snprintf (names [i], sizeof names [i], "i%03d", i);
        items [i].name = names [i];
        ptrs [i] = &items [i];
    }
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ALTER);
    f.content.items = ptrs;
    f.content.n_items = EVCHECK_ITEMS_MAX;
    assert (s_check (&f) == ERR_OK);
    f.content.n_items = N;
    assert (s_check (&f) == ERR_TOO_LARGE);
}


//  --------------------------------------------------------------------
//  ERR_BAD_FIELD, one cause at a time

static void
test_completed_at_within_window (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_PLEDGE);
    const int64_t refused [] = {
        -1, 0, INT64_MIN, INT64_MAX, LIFECYCLE_TIME_MIN - 1, LIFECYCLE_TIME_MAX,
        INT64_MAX - 8 * 3600 + 1,       //  overflowed the UTC+8 day before
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        f.ev.completed_at = refused [i];
        assert (s_check_why (&f, "outside the time window") == ERR_BAD_FIELD);
    }
    //  The window's edges: 1990-01-01T00:00:00Z in, 2100-01-01T00:00:00Z out
    assert (LIFECYCLE_TIME_MIN == 631152000);
    assert (LIFECYCLE_TIME_MAX == 4102444800);
    f.ev.completed_at = LIFECYCLE_TIME_MIN;
    assert (s_check (&f) == ERR_OK);
    f.ev.completed_at = LIFECYCLE_TIME_MAX - 1;
    assert (s_check (&f) == ERR_OK);
}

//  Each accepted time has a civil day (UTC+8), each refused one none,
//  and the day is always a terminated string.
static void
test_civil_day_of_window_edges (void)
{
    char day [LIFECYCLE_DAY_SIZE];
    assert (lifecycle_day (LIFECYCLE_TIME_MIN, day) && streq (day, "1990-01-01"));
    assert (lifecycle_day (LIFECYCLE_TIME_MIN + 16 * 3600 - 1, day) && streq (day, "1990-01-01"));
    assert (lifecycle_day (LIFECYCLE_TIME_MIN + 16 * 3600, day) && streq (day, "1990-01-02"));
    assert (lifecycle_day (LIFECYCLE_TIME_MAX - 1, day) && streq (day, "2100-01-01"));
    assert (lifecycle_day (1795744800, day) && streq (day, "2026-11-27"));
    const int64_t refused [] = { INT64_MIN, -1, LIFECYCLE_TIME_MIN - 1, LIFECYCLE_TIME_MAX, INT64_MAX };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        memset (day, 'x', sizeof day);
        assert (!lifecycle_day (refused [i], day));
        assert (day [0] == 0);
    }
}

static void
test_predecessor_must_be_valid_id (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.content.predecessor_id = V1_BARE;
    assert (s_check (&f) == ERR_OK);
    f.content.predecessor_id = "";
    assert (s_check (&f) == ERR_OK);            //  none
    f.content.predecessor_id = "11100000000013338W011" V1_ISSUER "20230000403001V";
    assert (s_check_why (&f, "predecessor_id") == ERR_BAD_LICENSE_ID);     //  check char
    f.content.predecessor_id = "not-a-license-id";
    assert (s_check_why (&f, "predecessor_id") == ERR_BAD_LICENSE_ID);
    f.content.predecessor_id = V1_PRINTED;
    assert (s_check_why (&f, "bare form") == ERR_BAD_LICENSE_ID);
}

//  A field the schema does not name, anywhere in the event, is refused
//  with its number: it would be stored and carried unchecked.
static void
test_unknown_fields_refused (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    uint8_t pad [100];                          //  as protobuf-c keeps it: length, bytes
    memset (pad, 'p', sizeof pad);
    pad [0] = sizeof pad - 1;
    ProtobufCMessageUnknownField unknown = {
        .tag = 99, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, .len = sizeof pad, .data = pad
    };
    //  In the event itself, then in the holder: the why names both
    f.ev.base.n_unknown_fields = 1;
    f.ev.base.unknown_fields = &unknown;
    assert (s_check_why (&f, "unknown field 99") == ERR_MALFORMED);
    f.ev.base.n_unknown_fields = 0;
    f.holder.base.n_unknown_fields = 1;
    f.holder.base.unknown_fields = &unknown;
    assert (s_check_why (&f, "Event.content.holder carries unknown field 99") == ERR_MALFORMED);
    f.holder.base.n_unknown_fields = 0;
    assert (s_check (&f) == ERR_OK);

    //  The same event through the wire: packed with the field, decoded
    //  (protobuf-c keeps it), refused
    f.items [1].base.n_unknown_fields = 1;
    f.items [1].base.unknown_fields = &unknown;
    uint8_t *buf;
    size_t len;
    assert (codec_event_encode (&f.ev, &buf, &len) == ERR_OK);
    Lic__Event *back = NULL;
    assert (codec_event_decode (buf, len, &back) == ERR_OK);
    char why [512] = "";
    assert (evcheck_event (back, NULL, why, sizeof why) == ERR_MALFORMED);
    assert (strstr (why, "Event.content.items[1] carries unknown field 99"));
    codec_event_free (&back);
    free (buf);

    //  And in the envelope that carries a valid event
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    Lic__Envelope env;
    codec_envelope_init (&env);
    assert (evcheck_envelope (&env, &f.ev, NULL, why, sizeof why) == ERR_OK);
    env.base.n_unknown_fields = 1;
    env.base.unknown_fields = &unknown;
    assert (evcheck_envelope (&env, &f.ev, NULL, why, sizeof why) == ERR_MALFORMED);
    assert (strstr (why, "Envelope carries unknown field 99"));
}

//  Finding 6: every string of the event, and of the envelope's
//  disclosures, is UTF-8 text; the refusal names the field, not the value
static void
test_strings_must_be_text (void)
{
    fixture_t f;
    char why [512];
    //  CJK and a 4-byte character (CJK Extension B) are text
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.holder.name = "\xE6\x9D\xAD\xE5\xB7\x9E\xF0\xA0\x80\x80\xE6\x9C\x89\xE9\x99\x90\xE5\x85\xAC\xE5\x8F\xB8";
    f.content.name = "\xE8\x90\xA5\xE4\xB8\x9A\xE6\x89\xA7\xE7\x85\xA7";
    f.ev.note = "line one\nline two";
    assert (s_check (&f) == ERR_OK);
    //  The finding: a Latin-1 holder name
    f.holder.name = "M\xFCller GmbH";
    assert (s_check_why (&f, "Event.content.holder.name is not UTF-8 text") == ERR_BAD_FIELD);
    why [0] = 0;
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_BAD_FIELD);
    assert (!strstr (why, "ller"));             //  the value is not quoted
    struct {
        const char *bad;
        const char *what;
    } bad [] = {
        { "\xC0\xAF", "overlong" },
        { "\xED\xA0\x80", "surrogate" },
        { "\xF4\x90\x80\x80", "above U+10FFFF" },
        { "\xE8\x90", "truncated" },
        { "esc\x1B[2J", "control character" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        s_fixture_init (&f, LIC__OP__OP_ISSUE);
        f.items [1].value = (char *) bad [i].bad;
        if (evcheck_event (&f.ev, NULL, why, sizeof why) != ERR_BAD_FIELD
        ||  !strstr (why, "Event.content.items[1].value")) {
            fprintf (stderr, "%s: %s\n", bad [i].what, why);
            assert (false);
        }
    }
    //  Text is checked before anything may quote a value: a license id or
    //  a date that is not text is refused as such
    s_fixture_init (&f, LIC__OP__OP_SUSPEND);
    f.ev.license_id = "11100000000013338W011\xFF";
    assert (s_check_why (&f, "Event.license_id") == ERR_BAD_FIELD);
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.content.valid_to = "2031-11-2\xC2\x9B";
    assert (s_check_why (&f, "Event.content.valid_to") == ERR_BAD_FIELD);
    //  ... but an over-long string is still judged where it was (the order
    //  evcheck.h gives: an issuer mismatch wins over a long note)
    s_fixture_init (&f, LIC__OP__OP_SUSPEND);
    f.ev.note = "\xFF";
    f.ev.issuer_code = V2_ISSUER;
    assert (s_check (&f) == ERR_BAD_FIELD);

    //  The envelope's disclosures: names and values, bounded like item values
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    Lic__Envelope env;
    codec_envelope_init (&env);
    Lic__Disclosure d = LIC__DISCLOSURE__INIT, *dp = &d;
    d.name = "capital";
    d.value = "\xE5\x8D\x81\xE4\xB8\x87";
    env.n_disclosures = 1;
    env.disclosures = &dp;
    assert (evcheck_envelope (&env, &f.ev, NULL, why, sizeof why) == ERR_OK);
    d.value = "10\xFF";
    assert (evcheck_envelope (&env, &f.ev, NULL, why, sizeof why) == ERR_BAD_FIELD);
    assert (strstr (why, "Envelope.disclosures[0].value is not UTF-8 text"));
    char *over = s_text (EVCHECK_TEXT_MAX + 1, 'v');
    d.value = over;
    assert (evcheck_envelope (&env, &f.ev, NULL, why, sizeof why) == ERR_TOO_LARGE);
    assert (strstr (why, "Envelope.disclosures[0].value is longer than"));
    free (over);
    //  At most one disclosure per data item the event may have
    d.value = "v";
    Lic__Disclosure **many = calloc (EVCHECK_ITEMS_MAX + 1, sizeof *many);
    assert (many);
    for (int i = 0; i <= EVCHECK_ITEMS_MAX; i++)
        many [i] = &d;
    env.disclosures = many;
    env.n_disclosures = EVCHECK_ITEMS_MAX;
    assert (evcheck_envelope (&env, &f.ev, NULL, why, sizeof why) == ERR_OK);
    env.n_disclosures = EVCHECK_ITEMS_MAX + 1;
    assert (evcheck_envelope (&env, &f.ev, NULL, why, sizeof why) == ERR_TOO_LARGE);
    assert (strstr (why, "disclosures, at most"));
    free (many);
}

static void
test_content_only_on_issue_and_alter (void)
{
    fixture_t f;
    for (int op = LIC__OP__OP_ANNUAL_INSPECTION;
         op <= LIC__OP__OP_PLEDGE_RELEASE; op++) {
        s_fixture_init (&f, (Lic__Op) op);
        f.ev.content = &f.content;
        assert (s_check_why (&f, "content is allowed only") == ERR_BAD_FIELD);
    }
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.content = NULL;
    assert (s_check_why (&f, "issue needs content") == ERR_BAD_FIELD);
    s_fixture_init (&f, LIC__OP__OP_ALTER);
    f.ev.content = NULL;
    assert (s_check_why (&f, "alter needs content") == ERR_BAD_FIELD);
}

static void
test_valid_to_only_on_extend (void)
{
    fixture_t f;
    for (int op = LIC__OP__OP_ISSUE; op <= LIC__OP__OP_PLEDGE_RELEASE; op++) {
        if (op == LIC__OP__OP_EXTEND)
            continue;
        s_fixture_init (&f, (Lic__Op) op);
        f.ev.valid_to = "2036-11-26";
        assert (s_check_why (&f, "valid_to is allowed only on extend")
                == ERR_BAD_FIELD);
    }
    s_fixture_init (&f, LIC__OP__OP_EXTEND);
    f.ev.valid_to = "";
    assert (s_check_why (&f, "extend needs valid_to") == ERR_BAD_FIELD);
    f.ev.valid_to = NULL;
    assert (s_check (&f) == ERR_BAD_FIELD);
    f.ev.valid_to = "2036-02-30";
    assert (s_check (&f) == ERR_BAD_FIELD);
    f.ev.valid_to = "2036-2-3";
    assert (s_check (&f) == ERR_BAD_FIELD);
}

static void
test_holder_must_be_complete (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.content.holder = NULL;
    assert (s_check_why (&f, "content.holder is missing") == ERR_BAD_FIELD);

    const char *bad_types [] = { "", "000", "118", "11", "1111", "abc" };
    for (size_t i = 0; i < sizeof bad_types / sizeof bad_types [0]; i++) {
        s_fixture_init (&f, LIC__OP__OP_ISSUE);
        f.holder.id_type = (char *) bad_types [i];
        assert (s_check_why (&f, "id_type") == ERR_BAD_FIELD);
    }
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.holder.name = "";
    assert (s_check_why (&f, "holder.name") == ERR_BAD_FIELD);
    f.holder.name = NULL;
    assert (s_check (&f) == ERR_BAD_FIELD);
}

static void
test_holder_id_checked_by_type (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.holder.id_type = "111";
    f.holder.id = "110105194912310021";             //  bad check
    assert (s_check_why (&f, "resident id") == ERR_BAD_FIELD);
    f.holder.id = "330106202302290011";             //  no such day
    assert (s_check (&f) == ERR_BAD_FIELD);
    f.holder.id = V2_ISSUER;                        //  a credit code
    assert (s_check (&f) == ERR_BAD_FIELD);

    f.holder.id_type = "001";
    f.holder.id = "11220000013544541K";
    assert (s_check_why (&f, "credit code") == ERR_BAD_FIELD);
    f.holder.id = "11010519491231002X";             //  a resident id
    assert (s_check (&f) == ERR_BAD_FIELD);

    f.holder.id_type = "999";
    f.holder.id = "";
    assert (s_check_why (&f, "holder.id") == ERR_BAD_FIELD);
    char *id65 = s_text (65, '7');
    f.holder.id = id65;
    assert (s_check (&f) == ERR_BAD_FIELD);
    free (id65);
}

static void
test_dates_must_be_possible (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.content.issue_date = "";
    assert (s_check_why (&f, "content.issue_date") == ERR_BAD_FIELD);
    f.content.issue_date = "2026-02-29";
    assert (s_check (&f) == ERR_BAD_FIELD);

    s_fixture_init (&f, LIC__OP__OP_ALTER);
    f.content.valid_from = NULL;
    assert (s_check_why (&f, "content.valid_from") == ERR_BAD_FIELD);
    f.content.valid_from = "2026-11-31";
    assert (s_check (&f) == ERR_BAD_FIELD);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.content.valid_to = "2031-13-01";
    assert (s_check_why (&f, "content.valid_to") == ERR_BAD_FIELD);
    f.content.valid_to = "2026-11-26";             //  day before valid_from
    assert (s_check_why (&f, "before") == ERR_BAD_FIELD);
}

static void
test_division_code_six_digits (void)
{
    const char *bad [] = { "", "33010", "3301060", "33010X", "000000" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        fixture_t f;
        s_fixture_init (&f, LIC__OP__OP_ISSUE);
        f.content.division_code = (char *) bad [i];
        assert (s_check_why (&f, "division_code") == ERR_BAD_FIELD);
    }
}

static void
test_file_digest_zero_or_32_bytes (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.content.file_digest.len = 31;
    assert (s_check_why (&f, "file_digest") == ERR_BAD_FIELD);
    f.content.file_digest.len = 33;
    assert (s_check (&f) == ERR_BAD_FIELD);
    f.content.file_digest.len = 1;
    assert (s_check (&f) == ERR_BAD_FIELD);
}

static void
test_items_named_unique_sorted (void)
{
    fixture_t f;
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.items [0].name = "";
    assert (s_check_why (&f, "has no name") == ERR_BAD_FIELD);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.item_ptrs [1] = NULL;
    assert (s_check_why (&f, "has no name") == ERR_BAD_FIELD);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.items [1].name = "capital";
    assert (s_check_why (&f, "repeats") == ERR_BAD_FIELD);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.items [0].name = "scope";
    f.items [1].name = "capital";
    assert (s_check_why (&f, "out of order") == ERR_BAD_FIELD);
}


//  --------------------------------------------------------------------
//  Order of the checks

static void
test_earlier_check_wins (void)
{
    fixture_t f;
    char *over = s_text (EVCHECK_TEXT_MAX + 1, 'n');

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.version = 2;
    f.ev.op = LIC__OP__OP_NONE;
    assert (s_check (&f) == ERR_VERSION);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.op = (Lic__Op) 99;
    f.ev.license_id = "";
    assert (s_check (&f) == ERR_MALFORMED);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.license_id = "";
    f.ev.issuer_code = "";
    assert (s_check (&f) == ERR_BAD_LICENSE_ID);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.issuer_code = "11220000013544541K";   //  bad, and not the id's
    assert (s_check (&f) == ERR_BAD_CREDIT_CODE);

    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.issuer_code = V2_ISSUER;
    f.ev.note = over;
    assert (s_check (&f) == ERR_ISSUER_MISMATCH);

    s_fixture_init (&f, LIC__OP__OP_SUSPEND);
    f.ev.note = over;
    f.ev.content = &f.content;                  //  wrong op for content
    f.ev.completed_at = INT64_MAX;
    assert (s_check (&f) == ERR_TOO_LARGE);
    free (over);
}

//  --------------------------------------------------------------------
//  Text first, then lengths: the one walk of evcheck_event that checks
//  the text rule and notes a string over the bound, and the second walk
//  made only then, against the two walks they replace

//  What a string slot of the fixture is set to in the sweep below
enum {
    S_AS_IS,            //  the fixture's value
    S_NOT_TEXT,         //  short, not text
    S_AT_BOUND,         //  EVCHECK_TEXT_MAX bytes of text
    S_OVER,             //  EVCHECK_TEXT_MAX + 1 bytes of text
    S_OVER_CJK,         //  3-byte characters, EVCHECK_TEXT_MAX + 2 bytes
    S_OVER_BAD_EARLY,   //  5000 bytes, a bad byte at 10
    S_OVER_BAD_LATE,    //  5000 bytes, a bad byte past the bound
    S_OVER_BAD_LAST,    //  5000 bytes, the last byte bad
    S_KINDS
};

//  A malloc'd string of kind k, of character c (ASCII kinds; keeps the
//  order of item names); NULL for S_AS_IS
static char *
s_kind (int k, char c)
{
    char *s = NULL;
    switch (k) {
        case S_NOT_TEXT:       s = strdup ("M\xFCller"); break;
        case S_AT_BOUND:       s = s_text (EVCHECK_TEXT_MAX, c); break;
        case S_OVER:           s = s_text (EVCHECK_TEXT_MAX + 1, c); break;
        case S_OVER_CJK:
            s = s_text (EVCHECK_TEXT_MAX + 2, c);
            for (size_t i = 0; i + 3 <= EVCHECK_TEXT_MAX + 2; i += 3)
                memcpy (s + i, "\xE4\xB8\xAD", 3);
            break;
        case S_OVER_BAD_EARLY: s = s_text (5000, c); s [10] = '\x1B'; break;
        case S_OVER_BAD_LATE:  s = s_text (5000, c); s [4500] = '\xFF'; break;
        case S_OVER_BAD_LAST:  s = s_text (5000, c); s [4999] = '\xC3'; break;
        default:               break;
    }
    return s;
}

//  What evcheck_event said before the one walk, for an event whose only
//  faults are in its strings: the text of every string whatever its
//  length (codec_check_text to SIZE_MAX), then every length
//  (codec_check_text to EVCHECK_TEXT_MAX, all of them text by then).
static int
s_former_strings (const Lic__Event *ev, char *why, size_t why_size)
{
    int rc = codec_check_text (&ev->base, SIZE_MAX, why, why_size);
    if (rc == ERR_OK)
        rc = codec_check_text (&ev->base, EVCHECK_TEXT_MAX, why, why_size);
    return rc;
}

static void
s_expect_same (const fixture_t *f, const char *what)
{
    char why [512] = "", former [512] = "";
    int rc = evcheck_event (&f->ev, NULL, why, sizeof why);
    int expected = s_former_strings (&f->ev, former, sizeof former);
    if (rc != expected || (rc != ERR_OK && strcmp (why, former) != 0)) {
        fprintf (stderr, "%s: %s '%s', formerly %s '%s'\n", what, err_str (rc), why,
                 err_str (expected), former);
        assert (false);
    }
}

static void
test_text_then_length_as_the_two_walks (void)
{
    fixture_t f;
    //  The event's string fields a sweep may set, in no particular order,
    //  and the character that keeps item names sorted
    struct {
        size_t offset;
        char c;
    } slots [] = {
        { offsetof (fixture_t, ev.note), 'n' },
        { offsetof (fixture_t, items [1].value), 'v' },
        { offsetof (fixture_t, content.name), 'n' },
        { offsetof (fixture_t, holder.name), 'n' },
        { offsetof (fixture_t, items [0].name), 'c' },
        { offsetof (fixture_t, content.seal_info), 'n' },
        { offsetof (fixture_t, items [1].name), 's' },
        { offsetof (fixture_t, items [0].value), 'v' },
    };
    enum { SLOTS = sizeof slots / sizeof slots [0] };
    char *made [SLOTS][S_KINDS];
    for (size_t i = 0; i < SLOTS; i++)
        for (int k = 0; k < S_KINDS; k++)
            made [i][k] = s_kind (k, slots [i].c);
    size_t cases = 0, passed = 0, not_text = 0, too_long = 0;
    //  Every slot alone with every kind, every pair of slots with every
    //  pair of kinds (the first in the walk need not be the first here)
    for (size_t i = 0; i < SLOTS; i++)
        for (size_t j = i; j < SLOTS; j++)
            for (int a = 0; a < S_KINDS; a++)
                for (int b = 0; b < S_KINDS; b++) {
                    if (j == i && b > 0)
                        break;
                    s_fixture_init (&f, LIC__OP__OP_ISSUE);
                    if (a != S_AS_IS)
                        *(char **) ((char *) &f + slots [i].offset) = made [i][a];
                    if (b != S_AS_IS)
                        *(char **) ((char *) &f + slots [j].offset) = made [j][b];
                    char what [64];
                    snprintf (what, sizeof what, "slots %zu/%zu kinds %d/%d", i, j, a, b);
                    s_expect_same (&f, what);
                    int rc = evcheck_event (&f.ev, NULL, NULL, 0);
                    passed += rc == ERR_OK;
                    not_text += rc == ERR_BAD_FIELD;
                    too_long += rc == ERR_TOO_LARGE;
                    cases++;
                }
    //  Each outcome is met many times
    assert (passed > 20 && not_text > 500 && too_long > 100);
    assert (cases == passed + not_text + too_long && cases > 1000);
    for (size_t i = 0; i < SLOTS; i++)
        for (int k = 0; k < S_KINDS; k++)
            free (made [i][k]);
}

static void
test_text_then_length_precedence (void)
{
    fixture_t f;
    char why [512];
    const char *not_text = " is not UTF-8 text (RFC 3629, no control characters but tab, "
                           "line feed and carriage return)";
    char expected [512];
    char *over = s_text (EVCHECK_TEXT_MAX + 1, 'n');
    char *over2 = s_text (EVCHECK_TEXT_MAX + 1, 'v');
    char *bad_long = s_text (5000, 'n');
    bad_long [10] = '\xFF';
    char *bad_past = s_text (5000, 'n');
    bad_past [4500] = '\x7F';

    //  Not text and too long: not text, whatever the length
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.holder.name = bad_long;
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_BAD_FIELD);
    snprintf (expected, sizeof expected, "Event.content.holder.name%s", not_text);
    assert (streq (why, expected));
    //  ... with the bad byte past the bound too
    f.holder.name = bad_past;
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_BAD_FIELD);
    assert (streq (why, expected));
    //  Too long first in the walk, not text after it: not text
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.content.name = over;
    f.items [1].value = "M\xFCller";
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_BAD_FIELD);
    snprintf (expected, sizeof expected, "Event.content.items[1].value%s", not_text);
    assert (streq (why, expected));
    //  Two too long: the first in the walk is named (content before note,
    //  in field order; items[0] before items[1])
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.note = over;
    f.items [1].value = over2;
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_TOO_LARGE);
    assert (streq (why, "Event.content.items[1].value is longer than 4096 bytes"));
    f.items [0].value = over2;
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_TOO_LARGE);
    assert (streq (why, "Event.content.items[0].value is longer than 4096 bytes"));
    f.items [0].value = "1000000";
    f.items [1].value = "retail";
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_TOO_LARGE);
    assert (streq (why, "Event.note is longer than 4096 bytes"));
    //  A string at the bound is no string over it
    f.ev.note = over + 1;
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_OK);
    //  Too long, and the checks before the sizes fail: they win
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.note = over;
    f.ev.license_id = "";
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_BAD_LICENSE_ID);
    s_fixture_init (&f, LIC__OP__OP_ISSUE);
    f.ev.note = over;
    f.ev.issuer_code = "11430000006122244M";
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_BAD_CREDIT_CODE);
    //  ... but not text still comes before them
    f.ev.note = bad_long;
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_BAD_FIELD);
    assert (streq (why, "Event.note is not UTF-8 text (RFC 3629, no control characters but "
                        "tab, line feed and carriage return)"));
    //  Too many items and a string too long: the item count first
    enum { N = EVCHECK_ITEMS_MAX + 1 };
    static Lic__DataItem items [N];
    static Lic__DataItem *ptrs [N];
    static char names [N][8];
    for (int i = 0; i < N; i++) {
        codec_item_init (&items [i]);
        snprintf (names [i], sizeof names [i], "i%03d", i);
        items [i].name = names [i];
        ptrs [i] = &items [i];
    }
    s_fixture_init (&f, LIC__OP__OP_ALTER);
    f.content.items = ptrs;
    f.content.n_items = N;
    f.ev.note = over;
    items [200].value = over2;
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_TOO_LARGE);
    assert (streq (why, "content has 257 data items, at most 256 allowed"));
    f.content.n_items = N - 1;
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_TOO_LARGE);
    assert (streq (why, "Event.content.items[200].value is longer than 4096 bytes"));
    //  ... not text among them: not text
    items [255].value = "\xC0\xAF";
    assert (evcheck_event (&f.ev, NULL, why, sizeof why) == ERR_BAD_FIELD);
    snprintf (expected, sizeof expected, "Event.content.items[255].value%s", not_text);
    assert (streq (why, expected));
    items [200].value = NULL;
    items [255].value = NULL;
    free (over);
    free (over2);
    free (bad_long);
    free (bad_past);
}

int
main (void)
{
    test_valid_events_pass ();
    test_optional_fields_may_be_empty ();
    test_holder_types_checked_by_kind ();
    test_version_must_be_one ();
    test_op_must_be_known ();
    test_license_id_must_parse ();
    test_issuer_code_must_be_credit_code ();
    test_issuer_code_must_match_id ();
    test_text_fields_are_bounded ();
    test_item_count_is_bounded ();
    test_completed_at_within_window ();
    test_civil_day_of_window_edges ();
    test_predecessor_must_be_valid_id ();
    test_unknown_fields_refused ();
    test_strings_must_be_text ();
    test_content_only_on_issue_and_alter ();
    test_valid_to_only_on_extend ();
    test_holder_must_be_complete ();
    test_holder_id_checked_by_type ();
    test_dates_must_be_possible ();
    test_division_code_six_digits ();
    test_file_digest_zero_or_32_bytes ();
    test_items_named_unique_sorted ();
    test_earlier_check_wins ();
    test_text_then_length_as_the_two_walks ();
    test_text_then_length_precedence ();
    printf ("test_evcheck: 26 cases OK\n");
    return 0;
}
