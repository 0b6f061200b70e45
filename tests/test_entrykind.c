/*  test_entrykind -- the entry-kind table (proto/entrykind.h): every kind
    licrepo.proto names has one row and the views apply it; each row's
    decode, encode and free round-trip a body of its kind; the division each body
    names; what is not a body of the kind is refused.  */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "node/store/views.h"

//  One encoded body of each kind, and the division it names.
typedef struct {
    Lic__EntryKind kind;
    uint8_t *buf;
    size_t len;
    const char *division;
} s_body_t;

static void
s_encode_bodies (s_body_t bodies [ENTRYKIND_COUNT])
{
    Lic__Event ev;
    codec_event_init (&ev);
    ev.license_id = "330106202691330106MA2X0000-0001";
    ev.issuer_code = "91330106MA2X00000X";
    ev.op = LIC__OP__OP_ISSUE;
    ev.completed_at = 1795744800;

    Lic__Department dept;
    codec_department_init (&dept);
    dept.credit_code = "91330106MA2X00000X";
    dept.name = "market regulation";
    Lic__Registration reg;
    codec_registration_init (&reg);
    reg.division = "330106";
    reg.department = &dept;
    reg.at = 1795744800;

    uint8_t key [32];
    memset (key, 7, sizeof key);
    Lic__NodeRecord rec;
    codec_node_record_init (&rec);
    rec.division = "330108";
    rec.parent_division = "330100";
    rec.sign_key.data = key;
    rec.sign_key.len = 32;
    rec.at = 1795744800;

    Lic__LicenseType type;
    codec_license_type_init (&type);
    type.version = 2;
    type.type_code = "91330000MA2X00000X001";
    type.name = "food";
    type.division = "330100";

    Lic__AppBody app;
    lic__app_body__init (&app);
    app.credit_code = "11330000MB0000000X";
    app.name = "tax bureau";
    app.curve_key.data = key;
    app.curve_key.len = 32;
    Lic__AppBodyRegistration areg;
    codec_app_body_registration_init (&areg);
    areg.division = "330000";
    areg.body = &app;

    Lic__AuditRecord audit;
    codec_audit_record_init (&audit);
    audit.division = "330102";
    audit.body_code = "11330000MB0000000X";
    audit.kind = LIC__QUERY_KIND__QUERY_GET;
    audit.at_ms = 1795744800123;

    size_t i = 0;
    bodies [i] = (s_body_t) { LIC__ENTRY_KIND__ENTRY_EVENT, NULL, 0, NULL };
    assert (codec_event_encode (&ev, &bodies [i].buf, &bodies [i].len) == ERR_OK);
    i++;
    bodies [i] = (s_body_t) { LIC__ENTRY_KIND__ENTRY_REGISTRATION, NULL, 0, "330106" };
    assert (codec_registration_encode (&reg, &bodies [i].buf, &bodies [i].len) == ERR_OK);
    i++;
    bodies [i] = (s_body_t) { LIC__ENTRY_KIND__ENTRY_NODE, NULL, 0, "330108" };
    assert (codec_node_record_encode (&rec, &bodies [i].buf, &bodies [i].len) == ERR_OK);
    i++;
    bodies [i] = (s_body_t) { LIC__ENTRY_KIND__ENTRY_CATALOGUE, NULL, 0, "330100" };
    assert (codec_license_type_encode (&type, &bodies [i].buf, &bodies [i].len) == ERR_OK);
    i++;
    bodies [i] = (s_body_t) { LIC__ENTRY_KIND__ENTRY_APP_BODY, NULL, 0, "330000" };
    assert (codec_app_body_registration_encode (&areg, &bodies [i].buf, &bodies [i].len) == ERR_OK);
    i++;
    bodies [i] = (s_body_t) { LIC__ENTRY_KIND__ENTRY_AUDIT, NULL, 0, "330102" };
    assert (codec_audit_record_encode (&audit, &bodies [i].buf, &bodies [i].len) == ERR_OK);
    i++;
    Lic__QuarantineDecision decision;
    lic__quarantine_decision__init (&decision);
    decision.division = "330100";
    decision.origin = "330106";
    decision.origin_seq = 9;
    decision.reason = "registered again since";
    decision.held_reason = "ERR_EXISTS: applied out of order";
    decision.entry.data = key;
    decision.entry.len = sizeof key;
    bodies [i] = (s_body_t) { LIC__ENTRY_KIND__ENTRY_DECISION, NULL, 0, "330100" };
    assert (codec_quarantine_decision_encode (&decision, &bodies [i].buf, &bodies [i].len) == ERR_OK);
    i++;
    assert (i == ENTRYKIND_COUNT);
}

static void
test_every_kind_has_one_row (void)
{
    //  Every value of licrepo.proto's EntryKind but ENTRY_NONE.
    const ProtobufCEnumDescriptor *d = &lic__entry_kind__descriptor;
    size_t rows = 0;
    for (unsigned i = 0; i < d->n_values; i++) {
        int kind = d->values [i].value;
        const entrykind_t *row = entrykind_of (kind);
        if (kind == LIC__ENTRY_KIND__ENTRY_NONE) {
            assert (row == NULL);
            continue;
        }
        assert (row);
        assert ((int) row->kind == kind);
        assert (row->name && *row->name && row->title && *row->title);
        assert (row->decode && row->encode && row->free && row->complete && row->division);
        //  The views apply every kind the table has (views.c's column).
        assert (views_applies (kind));
        rows++;
    }
    assert (rows == ENTRYKIND_COUNT);
    //  entrykind_at walks the same rows, in EntryKind order, names unique.
    for (size_t i = 0; i < ENTRYKIND_COUNT; i++) {
        const entrykind_t *row = entrykind_at (i);
        assert (row && row == entrykind_of (row->kind));
        assert ((size_t) row->kind == i + 1);
        for (size_t j = 0; j < i; j++)
            assert (strcmp (entrykind_at (j)->name, row->name) != 0);
    }
    assert (entrykind_at (ENTRYKIND_COUNT) == NULL);
    //  Kinds licrepo.proto does not name have no row, and no apply.
    assert (entrykind_of (-1) == NULL);
    assert (entrykind_of (ENTRYKIND_COUNT + 1) == NULL);
    assert (entrykind_of (1000) == NULL);
    assert (!views_applies (0));
    assert (!views_applies (ENTRYKIND_COUNT + 1));
    //  Who signs: a department signs events (and only they are one signed
    //  body once in a log), the origin node every other kind.
    for (size_t i = 0; i < ENTRYKIND_COUNT; i++) {
        const entrykind_t *row = entrykind_at (i);
        bool event = row->kind == LIC__ENTRY_KIND__ENTRY_EVENT;
        assert (row->signer == (event? ENTRYKIND_SIGNER_DEPARTMENT: ENTRYKIND_SIGNER_NODE));
        assert (row->dedup == event);
    }
    //  The names licctl log --json has always printed.
    assert (strcmp (entrykind_of (LIC__ENTRY_KIND__ENTRY_NODE)->name, "node") == 0);
    assert (strcmp (entrykind_of (LIC__ENTRY_KIND__ENTRY_APP_BODY)->name, "app_body") == 0);
    assert (strcmp (entrykind_of (LIC__ENTRY_KIND__ENTRY_NODE)->title, "node record") == 0);
}

static void
test_decode_free_round_trip_and_division (void)
{
    s_body_t bodies [ENTRYKIND_COUNT];
    s_encode_bodies (bodies);
    for (size_t i = 0; i < ENTRYKIND_COUNT; i++) {
        const entrykind_t *row = entrykind_of (bodies [i].kind);
        void *body = NULL;
        assert (row->decode (bodies [i].buf, bodies [i].len, &body) == ERR_OK);
        assert (body);
        assert (row->complete (body));
        const char *division = row->division (body);
        if (bodies [i].division)
            assert (division && strcmp (division, bodies [i].division) == 0);
        else
            assert (division == NULL);
        //  The row encodes the decoded body to the same bytes.
        uint8_t *again = NULL;
        size_t len = 0;
        assert (row->encode (body, &again, &len) == ERR_OK);
        assert (len == bodies [i].len && memcmp (again, bodies [i].buf, len) == 0);
        free (again);
        row->free (&body);
        assert (body == NULL);
        row->free (&body);                  //  accepts NULL
        assert (body == NULL);
    }
    for (size_t i = 0; i < ENTRYKIND_COUNT; i++)
        free (bodies [i].buf);
}

static void
test_what_is_not_a_body_is_refused (void)
{
    //  Bytes that do not unpack: every row refuses them, *body untouched.
    static const uint8_t junk [] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    for (size_t i = 0; i < ENTRYKIND_COUNT; i++) {
        const entrykind_t *row = entrykind_at (i);
        void *body = NULL;
        assert (row->decode (junk, sizeof junk, &body) != ERR_OK);
        assert (body == NULL);
    }
    //  A node-signed body with a field licrepo.proto does not name.
    Lic__Registration reg;
    codec_registration_init (&reg);
    reg.division = "330106";
    uint8_t *buf;
    size_t len;
    assert (codec_registration_encode (&reg, &buf, &len) == ERR_OK);
    uint8_t *more = malloc (len + 3);
    assert (more);
    memcpy (more, buf, len);
    more [len] = 0x98;                      //  tag of field 99, varint: 792 as a varint
    more [len + 1] = 0x06;
    more [len + 2] = 1;
    void *body = NULL;
    const entrykind_t *row = entrykind_of (LIC__ENTRY_KIND__ENTRY_REGISTRATION);
    assert (row->decode (more, len + 3, &body) == ERR_MALFORMED);
    assert (body == NULL);
    free (more);
    //  A registration without its department decodes, but is not whole.
    assert (row->decode (buf, len, &body) == ERR_OK);
    assert (!row->complete (body));
    row->free (&body);
    free (buf);
    //  Nor an application body registration without its body.
    Lic__AppBodyRegistration areg;
    codec_app_body_registration_init (&areg);
    areg.division = "330000";
    assert (codec_app_body_registration_encode (&areg, &buf, &len) == ERR_OK);
    row = entrykind_of (LIC__ENTRY_KIND__ENTRY_APP_BODY);
    assert (row->decode (buf, len, &body) == ERR_OK);
    assert (!row->complete (body));
    assert (strcmp (row->division (body), "330000") == 0);
    row->free (&body);
    free (buf);
}

//  The summary column: the one line `licctl log` and `licctl
//  verify-proof` print for each kind, and what they print for a body
//  that does not decode or lacks what its kind needs.
static void
test_summary_is_the_line_licctl_prints (void)
{
    static const char *want [ENTRYKIND_COUNT] = {
        "issue 330106202691330106MA2X0000-0001 v0 by 91330106MA2X00000X",
        "register 91330106MA2X00000X market regulation (0 types, 0 keys, 0 revoked)",
        "node record: 330108 has key 0707070707070707, vouched for by 330100",
        "catalogue 91330000MA2X00000X001 version 2 food (0 items)",
        "application body 11330000MB0000000X tax bureau (0 types, 0 matters, 0 clearances, "
        "key 0707070707070707)",
        "audit: get by 11330000MB0000000X staff , matter , case , holder : granted",
        "quarantine: rejected 330106/9 (held: ERR_EXISTS: applied out of order), decided at "
        "330100: registered again since",
    };
    s_body_t bodies [ENTRYKIND_COUNT];
    s_encode_bodies (bodies);
    Lic__Envelope env;
    codec_envelope_init (&env);
    Lic__LogEntry e;
    codec_entry_init (&e);
    e.envelope = &env;
    char line [512];
    for (size_t i = 0; i < ENTRYKIND_COUNT; i++) {
        e.kind = bodies [i].kind;
        env.body.data = bodies [i].buf;
        env.body.len = bodies [i].len;
        assert (entrykind_summary (&e, line, sizeof line));
        if (strcmp (line, want [i]))
            printf ("kind %d: \"%s\"\n", e.kind, line);
        assert (strcmp (line, want [i]) == 0);
        //  Node-signed bodies have their strings checked as text here;
        //  an event's are evcheck's.
        const entrykind_t *row = entrykind_of (e.kind);
        assert (row->summary);
        assert ((row->text == NULL) == (row->signer == ENTRYKIND_SIGNER_DEPARTMENT));
        assert (entrykind_text (&e, line, sizeof line) == ERR_OK);
        free (bodies [i].buf);
    }
    //  What it should have been, when it is not one.
    e.kind = LIC__ENTRY_KIND__ENTRY_REGISTRATION;
    env.body.data = (uint8_t *) "\xff\xff\xff";
    env.body.len = 3;
    assert (!entrykind_summary (&e, line, sizeof line));
    assert (strcmp (line, "a registration entry whose body does not decode as one") == 0);
    Lic__AppBodyRegistration areg;
    codec_app_body_registration_init (&areg);
    areg.division = "330000";
    assert (codec_app_body_registration_encode (&areg, &env.body.data, &env.body.len) == ERR_OK);
    e.kind = LIC__ENTRY_KIND__ENTRY_APP_BODY;
    assert (!entrykind_summary (&e, line, sizeof line));
    assert (strcmp (line, "an application body entry whose body does not decode as one") == 0);
    free (env.body.data);
    e.kind = ENTRYKIND_COUNT + 1;
    assert (!entrykind_summary (&e, line, sizeof line));
    assert (strcmp (line, "an unknown kind of entry whose body does not decode as one") == 0);
    e.kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    e.envelope = NULL;
    assert (!entrykind_summary (&e, line, sizeof line));
    assert (strcmp (line, "an event entry whose body does not decode as one") == 0);
}

int
main (void)
{
    test_every_kind_has_one_row ();
    test_decode_free_round_trip_and_division ();
    test_what_is_not_a_body_is_refused ();
    test_summary_is_the_line_licctl_prints ();
    printf ("test_entrykind: OK\n");
    return 0;
}
