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

    //  A member of a repeated message is named by its index, in both
    //  walks, and the explanations are exactly these
    Lic__Disclosure dis [3] = { LIC__DISCLOSURE__INIT, LIC__DISCLOSURE__INIT, LIC__DISCLOSURE__INIT };
    Lic__Disclosure *dp [4] = { &dis [0], &dis [1], NULL, &dis [2] };
    dis [0].name = "capital";
    dis [0].value = "1000000";
    dis [1].name = "scope";
    dis [1].value = "\xE9\x9B\xB6\xE5\x94\xAE";
    dis [2].name = "";
    Lic__Envelope env = LIC__ENVELOPE__INIT;
    env.disclosures = dp;
    env.n_disclosures = 4;
    assert (codec_check_text (&env.base, 64, why, sizeof why) == ERR_OK);
    assert (codec_known_fields (&env.base, why, sizeof why) == ERR_OK);
    dis [2].value = "ok\x1B";
    assert (codec_check_text (&env.base, 64, why, sizeof why) == ERR_BAD_FIELD);
    assert (strcmp (why, "Envelope.disclosures[3].value is not UTF-8 text (RFC 3629, no control "
                        "characters but tab, line feed and carriage return)") == 0);
    dis [2].value = "";
    dis [1].value = "\xE9\x9B\xB6\xE5\x94\xAE\xE9\x9B\xB6\xE5\x94\xAE";
    assert (codec_check_text (&env.base, 8, why, sizeof why) == ERR_TOO_LARGE);
    assert (strcmp (why, "Envelope.disclosures[1].value is longer than 8 bytes") == 0);
    assert (codec_check_text (&env.base, 12, why, sizeof why) == ERR_OK);
    //  codec_check_text_over: the text rule whatever the length, noting
    //  a string over the bound; over is left alone when there is none
    bool over = true;
    assert (codec_check_text_over (&env.base, 12, &over, why, sizeof why) == ERR_OK && over);
    over = false;
    assert (codec_check_text_over (&env.base, 12, &over, why, sizeof why) == ERR_OK && !over);
    assert (codec_check_text_over (&env.base, 11, &over, why, sizeof why) == ERR_OK && over);
    over = false;
    dis [2].value = "ok\x1B";
    assert (codec_check_text_over (&env.base, 8, &over, why, sizeof why) == ERR_BAD_FIELD && over);
    assert (strcmp (why, "Envelope.disclosures[3].value is not UTF-8 text (RFC 3629, no control "
                        "characters but tab, line feed and carriage return)") == 0);
    //  ... not text past the bound is not text
    dis [2].value = "";
    dis [1].value = "\xE9\x9B\xB6\xE5\x94\xAE\xE9\x9B\xB6\xE5\x94";
    assert (codec_check_text (&env.base, 8, why, sizeof why) == ERR_TOO_LARGE);
    assert (codec_check_text_over (&env.base, 8, &over, why, sizeof why) == ERR_BAD_FIELD);
    assert (strcmp (why, "Envelope.disclosures[1].value is not UTF-8 text (RFC 3629, no control "
                        "characters but tab, line feed and carriage return)") == 0);
    dis [1].value = "\xE9\x9B\xB6\xE5\x94\xAE\xE9\x9B\xB6\xE5\x94\xAE";
    uint8_t pad [2] = { 0 };
    ProtobufCMessageUnknownField unknown = {
        .tag = 77, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, .len = sizeof pad, .data = pad
    };
    dis [1].base.n_unknown_fields = 1;
    dis [1].base.unknown_fields = &unknown;
    assert (codec_known_fields (&env.base, why, sizeof why) == ERR_MALFORMED);
    assert (strcmp (why, "Envelope.disclosures[1] carries unknown field 77: signed and stored "
                        "messages carry only the fields of licrepo.proto") == 0);
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


//  An event of the usual shape: content, holder, n_items items (the
//  even ones sealed: digest, no value), a file digest.
typedef struct {
    Lic__Event ev;
    Lic__LicenseContent content;
    Lic__Holder holder;
    Lic__DataItem item [64], *items [64];
    char value [64][48];
    uint8_t digest [32];
} event_t;

static void
s_event_init (event_t *self, size_t n_items)
{
    assert (n_items <= 64);
    memset (self, 0, sizeof *self);
    memset (self->digest, 0xd1, sizeof self->digest);
    codec_holder_init (&self->holder);
    self->holder.id_type = "001";
    self->holder.id = "330106199001011234";
    self->holder.name = "张三";
    codec_content_init (&self->content);
    self->content.name = "食品经营许可证";
    self->content.holder = &self->holder;
    self->content.issue_date = "2026-01-02";
    self->content.valid_from = "2026-01-02";
    self->content.valid_to = "2031-01-01";
    self->content.division_code = "330106";
    self->content.service_item_code = "000123456000";
    self->content.seal_info = "杭州市西湖区市场监督管理局";
    self->content.file_digest.data = self->digest;
    self->content.file_digest.len = sizeof self->digest;
    for (size_t i = 0; i < n_items; i++) {
        codec_item_init (&self->item [i]);
        snprintf (self->value [i], sizeof self->value [i], "item%02zu", i);
        self->item [i].name = self->value [i];
        if (i % 2) {
            self->item [i].value = "经营项目：预包装食品销售";
        }
        else {
            self->item [i].value = "";
            self->item [i].digest.data = self->digest;
            self->item [i].digest.len = sizeof self->digest;
        }
        self->items [i] = &self->item [i];
    }
    self->content.items = self->items;
    self->content.n_items = n_items;
    codec_event_init (&self->ev);
    self->ev.op = LIC__OP__OP_ISSUE;
    self->ev.license_id = "330106JY0000000012026000001X";
    self->ev.issuer_code = "11330106002482103B";
    self->ev.completed_at = 1767312000;
    self->ev.content = &self->content;
    self->ev.note = "依申请办理";
}

//  The arena decode (codec_event_decode_arena): the same message and the
//  same answers as codec_event_decode, within the same budget, freed by
//  codec_event_free whichever decoded it.
static void
test_event_arena_decode_same_message_same_budget (void)
{
    event_t e;
    s_event_init (&e, 12);
    uint8_t *buf, *again;
    size_t len, again_len;
    assert (codec_event_encode (&e.ev, &buf, &len) == ERR_OK);
    Lic__Event *a = NULL, *m = NULL;
    assert (codec_event_decode_arena (buf, len, &a) == ERR_OK);
    assert (codec_event_decode (buf, len, &m) == ERR_OK);
    assert (a->base.n_unknown_fields == 0);
    assert (strcmp (a->content->holder->name, "张三") == 0);
    assert (a->content->n_items == 12 && a->content->items [11]->value [0]);
    assert (a->content->items [0]->digest.len == 32 && a->content->file_digest.len == 32);
    //  The same bytes back, and the checks that walk it see the same.
    assert (codec_event_encode (a, &again, &again_len) == ERR_OK);
    assert (again_len == len && memcmp (again, buf, len) == 0);
    free (again);
    char why [256];
    assert (codec_known_fields (&a->base, why, sizeof why) == ERR_OK);
    assert (codec_check_text (&a->base, 4096, why, sizeof why) == ERR_OK);
    //  What it holds: its chunks, within the budget.
    assert (codec_heap (&a->base) > 0 && codec_heap (&a->base) <= codec_event_budget (len));
    codec_event_free (&a);
    assert (a == NULL);
    codec_event_free (&m);
    codec_event_free (&a);                  //  NULL: nothing
    codec_event_free (NULL);

    //  Every prefix of the frame, and every frame with one byte changed:
    //  the same code from both decoders, and what decodes packs alike.
    for (size_t cut = 0; cut <= len; cut++) {
        int ra = codec_event_decode_arena (buf, cut, &a);
        int rm = codec_event_decode (buf, cut, &m);
        assert (ra == rm);
        if (ra == ERR_OK) {
            uint8_t *pa, *pm;
            size_t la, lm;
            assert (codec_event_encode (a, &pa, &la) == ERR_OK);
            assert (codec_event_encode (m, &pm, &lm) == ERR_OK);
            assert (la == lm && memcmp (pa, pm, la) == 0);
            free (pa);
            free (pm);
            codec_event_free (&a);
            codec_event_free (&m);
        }
    }
    for (size_t at = 0; at < len; at++) {
        uint8_t keep = buf [at];
        buf [at] ^= (uint8_t) (0x55 + at);
        int ra = codec_event_decode_arena (buf, len, &a);
        int rm = codec_event_decode (buf, len, &m);
        assert (ra == rm);
        if (ra == ERR_OK) {
            assert (a->base.n_unknown_fields == m->base.n_unknown_fields);
            codec_event_free (&a);
            codec_event_free (&m);
        }
        buf [at] = keep;
    }
    free (buf);

    //  Unknown fields at the top: kept, as codec_event_decode keeps them
    //  (the message is then malloc'd), and freed alike.
    uint8_t unknown [] = { 0x08, 0x01, 0xf8, 0x06, 0x07 };     //  version 1, field 111 = 7
    assert (codec_event_decode_arena (unknown, sizeof unknown, &a) == ERR_OK);
    assert (a->base.n_unknown_fields == 1 && a->base.unknown_fields [0].tag == 111);
    assert (codec_known_fields (&a->base, why, sizeof why) == ERR_MALFORMED);
    codec_event_free (&a);
    //  ... and inside: kept in the arena.
    uint8_t inner [] = { 0x08, 0x01, 0x3a, 0x03, 0xf8, 0x06, 0x07 };    //  content { 111: 7 }
    assert (codec_event_decode_arena (inner, sizeof inner, &a) == ERR_OK);
    assert (a->base.n_unknown_fields == 0 && a->content->base.n_unknown_fields == 1);
    assert (codec_known_fields (&a->base, why, sizeof why) == ERR_MALFORMED);
    codec_event_free (&a);
    //  An empty frame decodes (to an event of version 0, as before).
    assert (codec_event_decode_arena (unknown, 0, &a) == ERR_OK && a->version == 0);
    codec_event_free (&a);
    //  Over the frame limit: refused unread.
    assert (codec_event_decode_arena (unknown, CODEC_FRAME_MAX + 1, &a) == ERR_TOO_LARGE);
    assert (a == NULL);
}

//  The event budget holds for the arena: a frame of n empty items (2
//  bytes each on the wire, ~100 bytes each unpacked with the scan's
//  scratch) decodes within codec_event_budget or is refused
//  ERR_TOO_LARGE, never more; 100,000 of them are refused; the most
//  items an event may have (256) and a largest frame of one string fit.
static void
test_event_arena_budget (void)
{
    Lic__DataItem empty = LIC__DATA_ITEM__INIT;
    Lic__DataItem **items = malloc (100000 * sizeof *items);
    assert (items);
    for (size_t i = 0; i < 100000; i++)
        items [i] = &empty;
    Lic__LicenseContent c;
    codec_content_init (&c);
    c.items = items;
    Lic__Event ev;
    codec_event_init (&ev);
    ev.content = &c;
    size_t sizes [] = { 0, 1, 256, 500, 1000, 2000, 4000, 8000, 16000, 100000 };
    int refused = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes [0]; k++) {
        c.n_items = sizes [k];
        uint8_t *buf;
        size_t len;
        assert (codec_event_encode (&ev, &buf, &len) == ERR_OK);
        Lic__Event *a = NULL;
        int rc = codec_event_decode_arena (buf, len, &a);
        if (rc == ERR_OK) {
            assert (a->content->n_items == sizes [k]);
            assert (codec_heap (&a->base) <= codec_event_budget (len));
            codec_event_free (&a);
        }
        else {
            assert (rc == ERR_TOO_LARGE && a == NULL);
            refused++;
        }
        //  No more generous than codec_event_decode: what it refuses
        //  for the budget the arena refuses too.
        Lic__Event *m = NULL;
        int rm = codec_event_decode (buf, len, &m);
        if (rm == ERR_TOO_LARGE)
            assert (rc == ERR_TOO_LARGE);
        codec_event_free (&m);
        if (sizes [k] <= 256)
            assert (rc == ERR_OK);
        if (sizes [k] == 100000)
            assert (rc == ERR_TOO_LARGE);
        free (buf);
    }
    assert (refused >= 1);
    free (items);

    //  One string of most of a frame: its own chunk, within the budget.
    size_t big = CODEC_FRAME_MAX - 64;
    char *note = malloc (big + 1);
    assert (note);
    memset (note, 'n', big);
    note [big] = 0;
    codec_event_init (&ev);
    ev.note = note;
    uint8_t *buf;
    size_t len;
    assert (codec_event_encode (&ev, &buf, &len) == ERR_OK);
    assert (len <= CODEC_FRAME_MAX);
    Lic__Event *a = NULL;
    assert (codec_event_decode_arena (buf, len, &a) == ERR_OK);
    assert (strlen (a->note) == big && a->note [big - 1] == 'n');
    assert (codec_heap (&a->base) <= codec_event_budget (len));
    codec_event_free (&a);
    free (buf);
    free (note);
}

//  A PublishBatch built an event at a time (codec_batch_add, then
//  codec_batch_head in front) is byte for byte the request
//  codec_request_encode makes of the same batch, at ids and lengths whose
//  varints take 1 to 10 bytes; an event that does not fit is refused with
//  nothing written.
static void
test_batch_built_by_events_is_the_encoded_request (void)
{
    envelope_t ev [3];
    size_t lens [3] = { 3, 200, 70000 };        //  length varints of 1, 2 and 3 bytes
    Lic__Envelope *envs [3];
    Lic__Disclosure d = LIC__DISCLOSURE__INIT, *dp = &d;
    d.name = "holder_phone";
    d.salt.data = (uint8_t *) "0123456789abcdef";
    d.salt.len = 16;
    d.value = "13800000000";
    for (int i = 0; i < 3; i++) {
        s_envelope_init (&ev [i], lens [i]);
        envs [i] = &ev [i].env;
    }
    ev [1].env.disclosures = &dp;
    ev [1].env.n_disclosures = 1;
    uint64_t ids [] = { 1, 127, 128, 300, 1ull << 35, UINT64_MAX };
    for (size_t k = 0; k < sizeof ids / sizeof ids [0]; k++)
        for (size_t n = 1; n <= 3; n++) {
            Lic__PublishBatch b = LIC__PUBLISH_BATCH__INIT;
            b.events = envs;
            b.n_events = n;
            Lic__Request req;
            codec_request_init (&req);
            req.version = CODEC_VERSION;
            req.id = ids [k];
            req.body_case = LIC__REQUEST__BODY_PUBLISH_BATCH;
            req.publish_batch = &b;
            uint8_t *want = NULL;
            size_t want_len = 0;
            assert (codec_request_encode (&req, &want, &want_len) == ERR_OK);
            uint8_t *buf = malloc (CODEC_BATCH_HEAD_MAX + 80000);
            assert (buf);
            size_t len = 0;
            for (size_t i = 0; i < n; i++)
                assert (codec_batch_add (envs [i], buf + CODEC_BATCH_HEAD_MAX, &len, 80000) == ERR_OK);
            uint8_t head [CODEC_BATCH_HEAD_MAX];
            size_t hl = codec_batch_head (ids [k], len, head);
            assert (hl <= CODEC_BATCH_HEAD_MAX);
            memcpy (buf + CODEC_BATCH_HEAD_MAX - hl, head, hl);
            assert (hl + len == want_len);
            assert (memcmp (buf + CODEC_BATCH_HEAD_MAX - hl, want, want_len) == 0);
            //  And a node reads it back as the batch.
            Lic__Request *back = NULL;
            if (want_len <= CODEC_FRAME_MAX) {
                assert (codec_request_decode (want, want_len, &back) == ERR_OK);
                assert (back->id == ids [k] && back->body_case == LIC__REQUEST__BODY_PUBLISH_BATCH);
                assert (back->publish_batch->n_events == n);
                codec_request_free (&back);
            }
            free (want);
            free (buf);
        }
    //  Does not fit: refused, nothing written, the length kept.
    uint8_t small [300];
    memset (small, 0xee, sizeof small);
    size_t len = 0;
    assert (codec_batch_add (envs [0], small, &len, sizeof small) == ERR_OK);
    size_t kept = len;
    assert (codec_batch_add (envs [1], small, &len, sizeof small) == ERR_TOO_LARGE);
    assert (len == kept);
    for (size_t i = kept; i < sizeof small; i++)
        assert (small [i] == 0xee);
    //  Exactly at the cap fits.
    size_t exact = 0;
    assert (codec_batch_add (envs [0], small, &exact, kept) == ERR_OK && exact == kept);
    for (int i = 0; i < 3; i++)
        free (ev [i].body);
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
    test_event_arena_decode_same_message_same_budget ();
    test_event_arena_budget ();
    test_batch_built_by_events_is_the_encoded_request ();
    printf ("test_codec: 13 cases OK\n");
    return 0;
}
