/*  test_codec.c -- the byte budget of stored entries and the rule on
    unknown fields (proto/codec.c).
*/
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/entrykind.h"

//  An envelope with a body of body_len bytes, as a department signs it
typedef struct {
    Lic__Envelope env;
    uint8_t *body;
    uint8_t sig [64];
    uint8_t key [32];
} envelope_t;

static void
s_envelope_init (envelope_t *self, size_t body_len)
{
    memset (self, 0, sizeof *self);
    codec_envelope_init (&self->env);
    self->body = malloc (body_len);
    assert (self->body);
    memset (self->body, 'b', body_len);
    memset (self->sig, 's', sizeof self->sig);
    memset (self->key, 'k', sizeof self->key);
    self->env.body.data = self->body;
    self->env.body.len = body_len;
    self->env.signature.data = self->sig;
    self->env.signature.len = sizeof self->sig;
    self->env.key_id.data = self->key;
    self->env.key_id.len = sizeof self->key;
}

//  Sets the body length so the envelope packs to exactly size bytes
static void
s_envelope_size (envelope_t *self, size_t size)
{
    for (int round = 0; round < 4; round++) {
        size_t now = lic__envelope__get_packed_size (&self->env);
        self->env.body.len = self->env.body.len + size - now;
    }
    assert (lic__envelope__get_packed_size (&self->env) == size);
}

//  The entry a node stores for env, with every field at its largest
//  encoding (as at a level whose seq and clock are far along)
static void
s_entry_worst (Lic__LogEntry *e, Lic__Envelope *env)
{
    codec_entry_init (e);
    e->seq = UINT64_MAX;
    e->origin_division = "330106";
    e->origin_seq = UINT64_MAX;
    e->kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    e->envelope = env;
    e->received_at = INT64_MIN;             //  10-byte varint
}

static void
test_largest_envelope_makes_an_entry_every_reader_takes (void)
{
    envelope_t f;
    s_envelope_init (&f, CODEC_FRAME_MAX);
    s_envelope_size (&f, CODEC_ENTRY_MAX - CODEC_ENTRY_OVERHEAD);
    char why [256] = "";
    assert (codec_envelope_fits (&f.env, why, sizeof why) == ERR_OK);

    Lic__LogEntry e;
    s_entry_worst (&e, &f.env);
    uint8_t *buf;
    size_t len;
    assert (codec_entry_encode (&e, &buf, &len) == ERR_OK);
    assert (len > CODEC_FRAME_MAX);         //  what wedged replication before
    assert (len <= CODEC_ENTRY_MAX);
    Lic__LogEntry *back = NULL;
    assert (codec_entry_decode (buf, len, &back) == ERR_OK);
    assert (back->envelope->body.len == f.env.body.len);
    codec_entry_free (&back);
    free (buf);
    free (f.body);
}

static void
test_envelope_over_the_budget_refused (void)
{
    envelope_t f;
    s_envelope_init (&f, CODEC_FRAME_MAX);
    s_envelope_size (&f, CODEC_ENTRY_MAX - CODEC_ENTRY_OVERHEAD + 1);
    char why [256] = "";
    assert (codec_envelope_fits (&f.env, why, sizeof why) == ERR_TOO_LARGE);
    assert (strstr (why, "entry limit"));
    free (f.body);
}

static void
test_entry_over_the_limit_refused (void)
{
    size_t len = CODEC_ENTRY_MAX + 1;
    uint8_t *buf = calloc (1, len);
    assert (buf);
    Lic__LogEntry *e = NULL;
    assert (codec_entry_decode (buf, len, &e) == ERR_TOO_LARGE);
    assert (e == NULL);
    free (buf);
}

//  A reply carries one entry of the largest size, with room to spare
static void
test_reply_holds_a_largest_entry (void)
{
    envelope_t f;
    s_envelope_init (&f, CODEC_FRAME_MAX);
    s_envelope_size (&f, CODEC_ENTRY_MAX - CODEC_ENTRY_OVERHEAD);
    Lic__LogEntry e, *ep = &e;
    s_entry_worst (&e, &f.env);
    Lic__LogEntries entries;
    lic__log_entries__init (&entries);
    entries.n_entries = 1;
    entries.entries = &ep;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.body_case = LIC__REPLY__BODY_ENTRIES;
    reply.entries = &entries;
    uint8_t *buf;
    size_t len;
    assert (codec_reply_encode (&reply, &buf, &len) == ERR_OK);
    Lic__Reply *back = NULL;
    assert (codec_reply_decode (buf, len, &back) == ERR_OK);
    assert (back->entries->n_entries == 1);
    codec_reply_free (&back);
    free (buf);
    free (f.body);
}

//  Stored entries and node-signed bodies refuse what the schema does not
//  name; codec_known_fields names the field, even inside a oneof.
static void
test_unknown_fields_refused_and_named (void)
{
    envelope_t f;
    s_envelope_init (&f, 100);
    uint8_t pad [20];
    memset (pad, 'p', sizeof pad);
    pad [0] = sizeof pad - 1;
    ProtobufCMessageUnknownField unknown = {
        .tag = 4242, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, .len = sizeof pad, .data = pad
    };
    f.env.base.n_unknown_fields = 1;
    f.env.base.unknown_fields = &unknown;

    Lic__LogEntry e;
    s_entry_worst (&e, &f.env);
    uint8_t *buf;
    size_t len;
    assert (codec_entry_encode (&e, &buf, &len) == ERR_OK);
    Lic__LogEntry *back = NULL;
    assert (codec_entry_decode (buf, len, &back) == ERR_MALFORMED);
    assert (back == NULL);
    free (buf);

    char why [256] = "";
    assert (codec_known_fields (&e.base, why, sizeof why) == ERR_MALFORMED);
    assert (strstr (why, "LogEntry.envelope carries unknown field 4242"));

    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_PUBLISH;
    req.publish = &f.env;
    assert (codec_known_fields (&req.base, why, sizeof why) == ERR_MALFORMED);
    assert (strstr (why, "Request.publish carries unknown field 4242"));
    f.env.base.n_unknown_fields = 0;
    assert (codec_known_fields (&req.base, why, sizeof why) == ERR_OK);
    assert (codec_known_fields (&e.base, why, sizeof why) == ERR_OK);
    //  Another member of the oneof is not read as this one
    Lic__GetRequest get;
    lic__get_request__init (&get);
    get.base.n_unknown_fields = 1;
    get.base.unknown_fields = &unknown;
    req.body_case = LIC__REQUEST__BODY_GET;
    req.get = &get;
    assert (codec_known_fields (&req.base, why, sizeof why) == ERR_MALFORMED);
    assert (strstr (why, "Request.get carries"));
    free (f.body);
}

//  Finding 6: one walk checks every string of a message, singular,
//  repeated and in a oneof, and names the field
static void
test_text_rule_walks_every_string (void)
{
    char why [256];
    Lic__Department d;
    codec_department_init (&d);
    d.credit_code = "11430000006122244L";
    d.name = "\xE6\x9D\xAD\xE5\xB7\x9E";
    char *types [3] = { "11100000000013338W011", "11100000000013338W012", "11100000000013338W013" };
    d.license_types = types;
    d.n_license_types = 3;
    Lic__RegisterRequest rr;
    lic__register_request__init (&rr);
    rr.department = &d;
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_REGISTER;
    req.register_ = &rr;
    assert (codec_check_text (&req.base, 64, why, sizeof why) == ERR_OK);
    types [1] = "11100000000013338W0\xC0\xB1";
    assert (codec_check_text (&req.base, 64, why, sizeof why) == ERR_BAD_FIELD);
    assert (strstr (why, "Request.register.department.license_types[1] is not UTF-8 text"));
    types [1] = "11100000000013338W012";
    d.name = "a name longer than sixteen bytes";
    assert (codec_check_text (&req.base, 24, why, sizeof why) == ERR_TOO_LARGE);
    assert (strstr (why, "Request.register.department.name is longer than 24 bytes"));
    //  Only the member a oneof holds is read
    Lic__GetRequest get;
    lic__get_request__init (&get);
    get.license_id = "\xFF";
    req.body_case = LIC__REQUEST__BODY_GET;
    req.get = &get;
    assert (codec_check_text (&req.base, 64, why, sizeof why) == ERR_BAD_FIELD);
    assert (strstr (why, "Request.get.license_id"));
    get.license_id = "ok";
    assert (codec_check_text (&req.base, 64, why, sizeof why) == ERR_OK);
    assert (codec_check_text (NULL, 64, why, sizeof why) == ERR_OK);
}

//  Finding 4: a frame of empty repeated elements (2 bytes each on the
//  wire) would unpack into 30 to 50 times its size; the decode budget
//  refuses it with ERR_TOO_LARGE, whatever the repeated field
static void
test_decode_bombs_refused_by_the_budget (void)
{
    //  A publish whose envelope carries 131,000 empty disclosures (the finding)
    size_t n = 131000;
    Lic__Disclosure empty = LIC__DISCLOSURE__INIT;
    Lic__Disclosure **many = malloc (n * sizeof *many);
    assert (many);
    for (size_t i = 0; i < n; i++)
        many [i] = &empty;
    envelope_t f;
    s_envelope_init (&f, 32);
    f.env.n_disclosures = n;
    f.env.disclosures = many;
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_PUBLISH;
    req.publish = &f.env;
    uint8_t *buf;
    size_t len;
    assert (codec_request_encode (&req, &buf, &len) == ERR_OK);
    assert (len <= CODEC_FRAME_MAX);
    Lic__Request *back = NULL;
    assert (codec_request_decode (buf, len, &back) == ERR_TOO_LARGE && !back);
    free (buf);
    //  A twentieth of it is within the budget (its slack), and measured
    f.env.n_disclosures = n / 20;
    assert (codec_request_encode (&req, &buf, &len) == ERR_OK);
    assert (codec_request_decode (buf, len, &back) == ERR_OK);
    assert (back->publish->n_disclosures == n / 20);
    size_t heap = codec_heap (&back->base);
    assert (heap > 30 * len && heap <= codec_decode_budget (len));
    codec_request_free (&back);
    free (buf);
    free (many);
    free (f.body);

    //  Empty strings in a department's license types
    char **types = malloc (n * sizeof *types);
    assert (types);
    for (size_t i = 0; i < n; i++)
        types [i] = "";
    Lic__Department d;
    codec_department_init (&d);
    d.license_types = types;
    d.n_license_types = n;
    Lic__RegisterRequest rr;
    lic__register_request__init (&rr);
    rr.department = &d;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_REGISTER;
    req.register_ = &rr;
    assert (codec_request_encode (&req, &buf, &len) == ERR_OK);
    assert (len <= CODEC_FRAME_MAX);
    assert (codec_request_decode (buf, len, &back) == ERR_TOO_LARGE);
    free (buf);
    free (types);

    //  An event body of 100,000 empty data items: the event budget
    Lic__DataItem item = LIC__DATA_ITEM__INIT;
    Lic__DataItem **items = malloc (100000 * sizeof *items);
    assert (items);
    for (size_t i = 0; i < 100000; i++)
        items [i] = &item;
    Lic__LicenseContent c;
    codec_content_init (&c);
    c.items = items;
    c.n_items = 100000;
    Lic__Event ev;
    codec_event_init (&ev);
    ev.content = &c;
    assert (codec_event_encode (&ev, &buf, &len) == ERR_OK);
    Lic__Event *evb = NULL;
    assert (codec_event_decode (buf, len, &evb) == ERR_TOO_LARGE);
    free (buf);
    //  ... while the most items an event may have (EVCHECK_ITEMS_MAX, 256),
    //  each as small as it gets, fit
    Lic__DataItem small [256], *small_p [256];
    char names [256][4];
    for (int i = 0; i < 256; i++) {
        codec_item_init (&small [i]);
        snprintf (names [i], sizeof names [i], "%03d", i);
        small [i].name = names [i];
        small_p [i] = &small [i];
    }
    c.items = small_p;
    c.n_items = 256;
    assert (codec_event_encode (&ev, &buf, &len) == ERR_OK);
    assert (codec_event_decode (buf, len, &evb) == ERR_OK);
    assert (codec_heap (&evb->base) <= codec_event_budget (len));
    codec_event_free (&evb);
    free (buf);
    free (items);
}

//  The densest legitimate messages decode within the budget: a catalogue
//  type filling a frame with the shortest enum values, a reply of 1,000
//  small log entries, the largest event
static void
test_legitimate_messages_within_the_budget (void)
{
    //  256 enum items of 250 two-byte values: about 253 KiB
    Lic__ItemSpec specs [256], *spec_p [256];
    char names [256][8];
    static char values [255][3];
    char *value_p [255];
    for (int v = 0; v < 255; v++) {
        snprintf (values [v], sizeof values [v], "%c%c", 'A' + v / 26, 'a' + v % 26);
        value_p [v] = values [v];
    }
    for (int i = 0; i < 256; i++) {
        lic__item_spec__init (&specs [i]);
        snprintf (names [i], sizeof names [i], "i%03d", i);
        specs [i].name = names [i];
        specs [i].kind = LIC__ITEM_KIND__KIND_ENUM;
        specs [i].values = value_p;
        specs [i].n_values = 250;
        spec_p [i] = &specs [i];
    }
    Lic__LicenseType t;
    codec_license_type_init (&t);
    t.type_code = "11100000000013338W011";
    t.name = "dense";
    t.items = spec_p;
    t.n_items = 256;
    Lic__CatalogueRequest cr;
    lic__catalogue_request__init (&cr);
    cr.add = &t;
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_CATALOGUE;
    req.catalogue = &cr;
    uint8_t *buf;
    size_t len;
    assert (codec_request_encode (&req, &buf, &len) == ERR_OK);
    assert (len > CODEC_FRAME_MAX * 3 / 4 && len <= CODEC_FRAME_MAX);
    Lic__Request *back = NULL;
    assert (codec_request_decode (buf, len, &back) == ERR_OK);
    assert (back->catalogue->add->n_items == 256);
    assert (codec_heap (&back->base) <= codec_decode_budget (len));
    codec_request_free (&back);
    free (buf);

    //  A log reply of 1,000 entries of 200-byte bodies
    envelope_t f;
    s_envelope_init (&f, 200);
    Lic__LogEntry entry, *entry_p [1000];
    codec_entry_init (&entry);
    entry.seq = 1000000;
    entry.origin_division = "330106";
    entry.origin_seq = 1000000;
    entry.kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    entry.envelope = &f.env;
    for (int i = 0; i < 1000; i++)
        entry_p [i] = &entry;
    Lic__LogEntries entries;
    lic__log_entries__init (&entries);
    entries.entries = entry_p;
    entries.n_entries = 1000;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.body_case = LIC__REPLY__BODY_ENTRIES;
    reply.entries = &entries;
    assert (codec_reply_encode (&reply, &buf, &len) == ERR_OK);
    Lic__Reply *rback = NULL;
    assert (codec_reply_decode (buf, len, &rback) == ERR_OK);
    assert (rback->entries->n_entries == 1000);
    codec_reply_free (&rback);
    free (buf);
    free (f.body);
}

//  Finding 6 at the replication door: the strings of a node-signed body
//  that comes up from a child are text too
static void
test_replicated_bodies_are_text (void)
{
    Lic__Department d;
    codec_department_init (&d);
    d.credit_code = "11430000006122244L";
    d.name = "\xE6\x9D\xAD\xE5\xB7\x9E";
    Lic__Registration reg;
    codec_registration_init (&reg);
    reg.division = "330106";
    reg.department = &d;
    uint8_t *body;
    size_t len;
    assert (codec_registration_encode (&reg, &body, &len) == ERR_OK);
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = body;
    env.body.len = len;
    Lic__LogEntry e;
    codec_entry_init (&e);
    e.kind = LIC__ENTRY_KIND__ENTRY_REGISTRATION;
    e.envelope = &env;
    char why [256];
    assert (entrykind_text (&e, why, sizeof why) == ERR_OK);
    free (body);
    d.name = "M\xFCller";
    assert (codec_registration_encode (&reg, &body, &len) == ERR_OK);
    env.body.data = body;
    env.body.len = len;
    assert (entrykind_text (&e, why, sizeof why) == ERR_BAD_FIELD);
    assert (strstr (why, "Registration.department.name is not UTF-8 text"));
    //  An event is evcheck's; a body that does not unpack is malformed
    e.kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    assert (entrykind_text (&e, why, sizeof why) == ERR_OK);
    e.kind = LIC__ENTRY_KIND__ENTRY_APP_BODY;
    env.body.data = (uint8_t *) "\xff\xff\xff";
    env.body.len = 3;
    assert (entrykind_text (&e, why, sizeof why) == ERR_MALFORMED);
    free (body);
}

//  The id of a request frame refused as a whole is read from its top
//  level (codec_request_id); anything that is not wire format gives 0.
static void
test_request_id_read_from_a_refused_frame (void)
{
    Lic__Request req;
    Lic__StatusRequest status = LIC__STATUS_REQUEST__INIT;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_STATUS;
    req.status = &status;
    req.id = UINT64_MAX;
    uint8_t *buf;
    size_t len;
    Lic__Request *out = NULL;
    //  Another version: refused, its id still read.
    req.version = 2;
    assert (codec_request_encode (&req, &buf, &len) == ERR_OK);
    assert (codec_request_decode (buf, len, &out) == ERR_VERSION);
    assert (codec_request_id (buf, len) == UINT64_MAX);
    //  Every truncation is 0 or the id, never a read past the end.
    for (size_t n = 0; n < len; n++) {
        uint64_t id = codec_request_id (buf, n);
        assert (id == 0 || id == UINT64_MAX);
    }
    free (buf);
    //  No version: refused as malformed, the id read.
    req.version = 0;
    req.id = 300;
    assert (codec_request_encode (&req, &buf, &len) == ERR_OK);
    assert (codec_request_decode (buf, len, &out) == ERR_MALFORMED);
    assert (codec_request_id (buf, len) == 300);
    free (buf);
    //  A body that does not unpack: id 7 (field 2), then field 14
    //  (status) claiming 5 bytes that hold a truncated varint.
    uint8_t nested [] = { 0x08, 0x01, 0x10, 0x07, 0x72, 0x05, 0x08, 0xff, 0xff, 0xff, 0xff };
    assert (codec_request_decode (nested, sizeof nested, &out) != ERR_OK);
    assert (codec_request_id (nested, sizeof nested) == 7);
    //  Not wire format at the top: 0.
    uint8_t group [] = { 0x10, 0x07, 0x0b };            //  wire type 3
    uint8_t overlong [] = { 0x10, 0x07, 0x1a, 0x09, 0x00 };    //  length past the end
    uint8_t field0 [] = { 0x00, 0x01 };
    uint8_t endless [12];
    memset (endless, 0xff, sizeof endless);             //  a varint of more than 10 bytes
    assert (codec_request_id (group, sizeof group) == 0);
    assert (codec_request_id (overlong, sizeof overlong) == 0);
    assert (codec_request_id (field0, sizeof field0) == 0);
    assert (codec_request_id (endless, sizeof endless) == 0);
    assert (codec_request_id ((const uint8_t *) "", 0) == 0);
    //  Over the frame limit: not read.
    size_t big = CODEC_FRAME_MAX + 1;
    uint8_t *huge = calloc (1, big);
    assert (huge);
    huge [0] = 0x10;
    huge [1] = 0x07;
    assert (codec_request_id (huge, big) == 0);
    free (huge);
}

int
main (void)
{
    test_largest_envelope_makes_an_entry_every_reader_takes ();
    test_envelope_over_the_budget_refused ();
    test_entry_over_the_limit_refused ();
    test_reply_holds_a_largest_entry ();
    test_unknown_fields_refused_and_named ();
    test_text_rule_walks_every_string ();
    test_decode_bombs_refused_by_the_budget ();
    test_legitimate_messages_within_the_budget ();
    test_replicated_bodies_are_text ();
    test_request_id_read_from_a_refused_frame ();
    printf ("test_codec: 10 cases OK\n");
    return 0;
}
