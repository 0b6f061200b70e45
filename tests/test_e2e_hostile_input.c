/*  test_e2e_hostile_input -- hostile input (proto/README.md sections 2 and 4) on real nodes
    (county -> city -> province, CURVE sockets, RocksDB, real keys); run
    plain and under ASan/UBSan by tests/run.sh:

    - status-at and copy queries of a legal license whose bare id is
      76 bytes (a 32-character serial) are answered, the copy verifies
      offline and shows the whole id, and a 200-byte id is refused; the
      county keeps answering (it overflowed a 64-byte stack buffer);
    - a publish frame of the largest size whose Event carries padding in
      an unknown field is refused (ERR_MALFORMED naming field 99), and so
      is an envelope with an unknown field; nothing is stored;
    - events with completed_at = INT64_MAX, or before 1990, are refused
      with the time window in the message;
    - a catalogue type that fits a frame but whose node-signed entry
      would not fit the entry limit is refused with ERR_TOO_LARGE;
    - the largest legal event (its frame within a few bytes of the 256 KiB
      limit, so its log entry is larger than the frame limit) is stored,
      reaches the province, and events after it still do: replication
      does not wedge; `licnode check` passes at every level;
    - strings that are not UTF-8 text (a Latin-1 holder name, an overlong
      department name, a surrogate in a body's name, a GBK query purpose,
      a license id with a stray byte) are refused with ERR_BAD_FIELD
      naming the field; the refused query is recorded as text.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <czmq.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

static support_hier_t s_h;
static support_dept_t s_d1;         //  the support license type
static support_dept_t s_d2;         //  a type of 64 free-text items, for the largest event
static char s_dir [512], s_query_ep [40];
static licclient_t *s_admin;        //  the county's operator
static keyfile_t s_body;            //  an application body of the county
static const char *s_matter = "330106-XK-0001";

#define COUNTY (&s_h.node [0])
#define PROVINCE (&s_h.node [3])
#define S_WIDE_ITEMS 64             //  items of d2's type
#define S_TEXT_MAX 4096             //  EVCHECK_TEXT_MAX: bytes of one item value

//  A bare license id of d's type with a 32-character serial (76 bytes)
static void
s_long_id (char out [LICID_BARE_MAX + 1], const support_dept_t *d)
{
    const char *serial = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    assert (strlen (serial) == LICID_SERIAL_MAX);
    char check = licid_check_char (d->type_code, d->key.code, serial, "001");
    assert (check);
    snprintf (out, LICID_BARE_MAX + 1, "%.21s%.18s%.32s001%c", d->type_code, d->key.code, serial, check);
    assert (strlen (out) == LICID_BARE_MAX);
    licid_t id;
    assert (licid_parse (out, &id, NULL, 0) == ERR_OK);
}

//  The issue event support_event_sign makes for d, decoded, so a case
//  can change it and sign it again with s_sign.
static Lic__Event *
s_event (const support_dept_t *d, uint32_t serial, uint32_t holder)
{
    uint8_t *body, sig [64];
    size_t len;
    assert (support_event_sign (d, LIC__OP__OP_ISSUE, serial, 0, holder, &body, &len, sig) == ERR_OK);
    Lic__Event *ev = NULL;
    assert (codec_event_decode (body, len, &ev) == ERR_OK);
    free (body);
    return ev;
}

static void
s_sign (const Lic__Event *ev, const support_dept_t *d, uint8_t **body, size_t *len, uint8_t sig [64])
{
    assert (licclient_sign (ev, d->key.sign_sk, d->key.sign_pk, body, len, sig) == ERR_OK);
}

//  Publishes (body, sig) of d at the county; returns the node's code.
static int
s_publish (const support_dept_t *d, const uint8_t *body, size_t len, const uint8_t sig [64],
           uint64_t *seq, char *why, size_t why_size)
{
    licclient_t *c = NULL;
    assert (support_client (&c, COUNTY, d) == ERR_OK);
    int code = -1;
    int rc = licclient_publish (c, body, len, sig, d->key.sign_pk, seq, NULL, &code, why, why_size, 30000);
    if (rc != ERR_OK)
        fprintf (stderr, "publish: %s\n", err_str (rc));
    assert (rc == ERR_OK);
    licclient_destroy (&c);
    return code;
}

static uint64_t
s_head (const support_node_t *n)
{
    Lic__Reply *r = NULL;
    assert (support_status (n, &r) == ERR_OK);
    uint64_t head = r->status->head_seq;
    codec_reply_free (&r);
    return head;
}

static void
s_node_key (const support_node_t *n, keyfile_t *k)
{
    char pub [600];
    snprintf (pub, sizeof pub, "%s/node.pub", n->dir);
    assert (keyfile_load (k, pub) == ERR_OK);
}

//  Query of kind for license id through the county's query socket
static int
s_query (Lic__QueryKind kind, const char *id, const char *holder, int64_t at, int64_t expires_at,
         Lic__Reply **keep)
{
    keyfile_t nk;
    s_node_key (COUNTY, &nk);
    licclient_t *c = NULL;
    assert (licclient_open (&c, s_query_ep, nk.curve_pk, s_body.curve_pk, s_body.curve_sk) == ERR_OK);
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    Lic__Holder h = LIC__HOLDER__INIT;
    h.id_type = "111";
    h.id = (char *) holder;
    q.kind = kind;
    q.matter_code = (char *) s_matter;
    q.staff_id = "staff-011";
    q.case_number = "CASE-HOSTILE";
    q.purpose = "核验";
    q.license_id = (char *) id;
    q.holder = &h;
    q.at = at;
    q.expires_at = expires_at;
    Lic__Reply *r = NULL;
    int rc = licclient_query (c, &q, &r, 20000);
    if (rc != ERR_OK)
        fprintf (stderr, "query: %s\n", err_str (rc));
    assert (rc == ERR_OK);
    licclient_destroy (&c);
    int code = r->code;
    if (code != ERR_OK)
        fprintf (stderr, "query %d: %s %s\n", (int) kind, err_str (code), r->message);
    if (keep)
        *keep = r;
    else
        codec_reply_free (&r);
    return code;
}

//  Finding 1: ids longer than 64 bytes reach the history prefix
static void
test_query_of_long_license_id_is_answered (void)
{
    char id [LICID_BARE_MAX + 1], holder [19];
    s_long_id (id, &s_d1);
    support_resident_id (holder, 1101);
    Lic__Event *ev = s_event (&s_d1, 1101, 1101);
    Lic__Event e = *ev;
    e.license_id = id;
    uint8_t *body, sig [64];
    size_t len;
    s_sign (&e, &s_d1, &body, &len, sig);
    codec_event_free (&ev);
    char why [512] = "";
    assert (s_publish (&s_d1, body, len, sig, NULL, why, sizeof why) == ERR_OK);
    free (body);

    int64_t now = (int64_t) time (NULL);
    Lic__Reply *r = NULL;
    assert (s_query (LIC__QUERY_KIND__QUERY_STATUS, id, holder, now, 0, &r) == ERR_OK);
    assert (r->query->n_licenses == 1);
    assert (streq (r->query->licenses [0]->state->license_id, id));
    codec_reply_free (&r);
    assert (support_node_alive (COUNTY));

    int64_t expires = now + 86400;
    assert (s_query (LIC__QUERY_KIND__QUERY_COPY, id, holder, 0, expires, &r) == ERR_OK);
    assert (support_node_alive (COUNTY));
    keyfile_t county;
    s_node_key (COUNTY, &county);
    licclient_copy_t c;
    int rc = licclient_verify_copy (r->query->copy.data, r->query->copy.len,
                                    (const uint8_t (*) [32]) county.sign_pk, 1, now, &c,
                                    why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "verify: %s %s\n", err_str (rc), why);
    assert (rc == ERR_OK);
    assert (streq (c.license_id, id));          //  whole, not cut at 63 bytes
    codec_reply_free (&r);

    //  Longer than any license id: refused, and the node still answers
    char huge [201];
    memset (huge, 'A', sizeof huge - 1);
    huge [sizeof huge - 1] = 0;
    assert (s_query (LIC__QUERY_KIND__QUERY_STATUS, huge, holder, now, 0, NULL) == ERR_BAD_LICENSE_ID);
    assert (s_query (LIC__QUERY_KIND__QUERY_COPY, huge, holder, 0, expires, NULL) == ERR_BAD_LICENSE_ID);
    assert (s_query (LIC__QUERY_KIND__QUERY_STATUS, id, holder, now, 0, NULL) == ERR_OK);
    //  A status as of a time outside the window is refused
    assert (s_query (LIC__QUERY_KIND__QUERY_STATUS, id, holder, INT64_MAX, 0, NULL) == ERR_BAD_FIELD);
    assert (s_query (LIC__QUERY_KIND__QUERY_STATUS, id, holder, -1, 0, NULL) == ERR_BAD_FIELD);
    assert (support_node_alive (COUNTY));
}

//  Finding 2: padding in an unknown field of the signed Event, the frame
//  at the limit; and an unknown field in the envelope
static void
test_unknown_field_padding_refused (void)
{
    uint64_t head = s_head (COUNTY);
    Lic__Event *ev = s_event (&s_d1, 1201, 1201);
    uint8_t *body, sig [64];
    size_t len;
    s_sign (ev, &s_d1, &body, &len, sig);
    codec_event_free (&ev);
    //  Field 99, length-delimited: tag 0x9a 0x06, a 3-byte length, padding.
    //  The frame: version (2) + id (<= 3) + publish tag and length (4) +
    //  envelope (body + 3 + 1 + 66 + 34): within 8 bytes of the limit.
    size_t target = CODEC_FRAME_MAX - 8 - 4 - 3 - 2 - 104;
    size_t pad = target - len - 5;
    assert (pad >= 16384 && pad < (1 << 21));
    body = realloc (body, target);
    assert (body);
    uint8_t *p = body + len;
    *p++ = 0x9a;
    *p++ = 0x06;
    *p++ = (uint8_t) (0x80 | (pad & 0x7f));
    *p++ = (uint8_t) (0x80 | ((pad >> 7) & 0x7f));
    *p++ = (uint8_t) (pad >> 14);
    memset (p, 'P', pad);
    len = target;
    Lic__Event *check = NULL;
    assert (codec_event_decode (body, len, &check) == ERR_OK);     //  protobuf-c keeps it
    assert (check->base.n_unknown_fields == 1 && check->base.unknown_fields [0].tag == 99);
    codec_event_free (&check);
    seal_sign (sig, body, len, s_d1.key.sign_sk);
    char why [512] = "";
    int code = s_publish (&s_d1, body, len, sig, NULL, why, sizeof why);
    if (code != ERR_MALFORMED)
        fprintf (stderr, "padded event: %s %s\n", err_str (code), why);
    assert (code == ERR_MALFORMED);
    assert (strstr (why, "unknown field 99"));
    free (body);

    //  A valid event in an envelope that carries field 98
    ev = s_event (&s_d1, 1202, 1202);
    s_sign (ev, &s_d1, &body, &len, sig);
    codec_event_free (&ev);
    uint8_t extra [4] = { 3, 'x', 'y', 'z' };
    ProtobufCMessageUnknownField unknown = {
        .tag = 98, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, .len = sizeof extra, .data = extra
    };
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = body;
    env.body.len = len;
    env.signature.data = sig;
    env.signature.len = 64;
    env.key_id.data = (uint8_t *) s_d1.key.sign_pk;
    env.key_id.len = 32;
    env.base.n_unknown_fields = 1;
    env.base.unknown_fields = &unknown;
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_PUBLISH;
    req.publish = &env;
    licclient_t *c = NULL;
    assert (support_client (&c, COUNTY, &s_d1) == ERR_OK);
    Lic__Reply *r = NULL;
    assert (licclient_call (c, &req, &r, 20000) == ERR_OK);
    if (r->code != ERR_MALFORMED)
        fprintf (stderr, "envelope with field 98: %s %s\n", err_str (r->code), r->message);
    assert (r->code == ERR_MALFORMED && strstr (r->message, "unknown field 98"));
    codec_reply_free (&r);
    licclient_destroy (&c);
    free (body);

    assert (s_head (COUNTY) == head);           //  nothing stored
    assert (support_node_alive (COUNTY));
}

//  Finding 3: completed_at outside the time window
static void
test_completed_at_out_of_window_refused (void)
{
    uint64_t head = s_head (COUNTY);
    const int64_t refused [] = { INT64_MAX, INT64_MAX - 8 * 3600 + 1, -1, 631151999 };
    for (size_t i = 0; i < sizeof refused / sizeof refused [0]; i++) {
        Lic__Event *ev = s_event (&s_d1, 1301 + (uint32_t) i, 1301);
        Lic__Event e = *ev;
        e.completed_at = refused [i];
        uint8_t *body, sig [64];
        size_t len;
        s_sign (&e, &s_d1, &body, &len, sig);
        codec_event_free (&ev);
        char why [512] = "";
        int code = s_publish (&s_d1, body, len, sig, NULL, why, sizeof why);
        if (code != ERR_BAD_FIELD)
            fprintf (stderr, "completed_at %" PRId64 ": %s %s\n", refused [i], err_str (code), why);
        assert (code == ERR_BAD_FIELD);
        assert (strstr (why, "completed_at") && strstr (why, "time window"));
        free (body);
    }
    assert (s_head (COUNTY) == head);
    //  The operator's lateness report still answers
    Lic__ReportRequest rr = LIC__REPORT_REQUEST__INIT;
    rr.kind = "lateness";
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_REPORT;
    req.report = &rr;
    Lic__Reply *r = NULL;
    assert (licclient_call (s_admin, &req, &r, 20000) == ERR_OK);
    assert (r->code == ERR_OK);
    codec_reply_free (&r);
    assert (support_node_alive (COUNTY));
}

//  Finding 2, the node's own entries: a catalogue type that fits a frame
//  but whose signed entry would not fit the entry limit is refused with
//  ERR_TOO_LARGE, and the operator's next type still goes in
static void
test_own_entry_over_budget_refused (void)
{
    uint64_t head = s_head (COUNTY);
    size_t cap = CODEC_FRAME_MAX;
    char *name = malloc (cap + 1);
    assert (name);
    memset (name, 'n', cap);
    name [cap] = 0;
    Lic__ValidityRule rule;
    lic__validity_rule__init (&rule);
    rule.term_months = 12;
    Lic__LicenseType t;
    codec_license_type_init (&t);
    char body [19];
    snprintf (body, sizeof body, "%.18s", s_d1.type_code);
    t.type_code = s_d1.type_code;
    t.defining_body = body;
    t.validity = &rule;
    t.name = name;
    Lic__CatalogueRequest cr;
    lic__catalogue_request__init (&cr);
    cr.add = &t;
    Lic__Request req;
    codec_request_init (&req);
    req.id = 1u << 20;                          //  as large as licclient's ids get here
    req.body_case = LIC__REQUEST__BODY_CATALOGUE;
    req.catalogue = &cr;
    //  The request within 16 bytes of the frame limit
    size_t target = CODEC_FRAME_MAX - 16;
    for (int round = 0; round < 4; round++) {
        size_t now = lic__request__get_packed_size (&req);
        name [strlen (name) + target - now] = 0;
    }
    assert (lic__request__get_packed_size (&req) == target);
    Lic__Reply *r = NULL;
    assert (licclient_catalogue (s_admin, &cr, &r, 20000) == ERR_OK);
    if (r->code != ERR_TOO_LARGE)
        fprintf (stderr, "huge type: %s %s\n", err_str (r->code), r->message);
    assert (r->code == ERR_TOO_LARGE && strstr (r->message, "entry limit"));
    codec_reply_free (&r);
    free (name);
    assert (s_head (COUNTY) == head);
    assert (support_node_alive (COUNTY));
}

//  d2's license type: S_WIDE_ITEMS optional free-text items w00..w63
static void
s_wide_type (void)
{
    Lic__ItemSpec specs [S_WIDE_ITEMS], *sp [S_WIDE_ITEMS];
    char names [S_WIDE_ITEMS][8];
    for (int i = 0; i < S_WIDE_ITEMS; i++) {
        snprintf (names [i], sizeof names [i], "w%02d", i);
        lic__item_spec__init (&specs [i]);
        specs [i].name = names [i];
        specs [i].label = names [i];
        specs [i].kind = LIC__ITEM_KIND__KIND_STRING;
        specs [i].sensitivity = LIC__SENSITIVITY__SENS_PUBLIC;
        sp [i] = &specs [i];
    }
    Lic__ValidityRule rule;
    lic__validity_rule__init (&rule);
    rule.term_months = 240;
    Lic__LicenseType t;
    codec_license_type_init (&t);
    char body [19];
    snprintf (body, sizeof body, "%.18s", s_d2.type_code);
    t.type_code = s_d2.type_code;
    t.name = "宽证照";
    t.defining_body = body;
    t.n_items = S_WIDE_ITEMS;
    t.items = sp;
    t.validity = &rule;
    assert (support_catalogue_put (s_admin, &t) == ERR_OK);
}

//  Finding 2: the largest legal event makes an entry over the frame
//  limit; it is stored, travels up, and the stream goes on
static void
test_largest_event_replicates (void)
{
    Lic__Event *ev = s_event (&s_d2, 1401, 1401);
    Lic__Event e = *ev;
    Lic__LicenseContent content = *ev->content;
    e.content = &content;
    Lic__DataItem items [S_WIDE_ITEMS], *ip [S_WIDE_ITEMS];
    char names [S_WIDE_ITEMS][8];
    char *text = malloc (S_TEXT_MAX + 1);
    assert (text);
    memset (text, 'w', S_TEXT_MAX);
    text [S_TEXT_MAX] = 0;
    for (int i = 0; i < S_WIDE_ITEMS; i++) {
        snprintf (names [i], sizeof names [i], "w%02d", i);
        codec_item_init (&items [i]);
        items [i].name = names [i];
        items [i].value = text;
        ip [i] = &items [i];
    }
    content.items = ip;
    content.n_items = S_WIDE_ITEMS;
    //  The body that puts the frame within 8 bytes of the limit (as in
    //  test_unknown_field_padding_refused): cut the items to fit.
    size_t target = CODEC_FRAME_MAX - 8 - 4 - 3 - 2 - 104;
    assert (lic__event__get_packed_size (&e) > target);
    //  The fewest items that reach the target, then the last one shortened
    size_t n = S_WIDE_ITEMS;
    while (n > 1) {
        content.n_items = n - 1;
        if (lic__event__get_packed_size (&e) < target)
            break;
        n--;
    }
    content.n_items = n;
    for (int round = 0; round < 8; round++) {
        size_t now = lic__event__get_packed_size (&e);
        if (now == target)
            break;
        size_t last = strlen (items [n - 1].value) + target - now;
        assert (last <= S_TEXT_MAX);
        items [n - 1].value = text + S_TEXT_MAX - last;
    }
    assert (lic__event__get_packed_size (&e) == target);
    uint8_t *body, sig [64];
    size_t len;
    s_sign (&e, &s_d2, &body, &len, sig);
    codec_event_free (&ev);
    assert (len == target);
    char why [512] = "";
    uint64_t seq = 0;
    int code = s_publish (&s_d2, body, len, sig, &seq, why, sizeof why);
    if (code != ERR_OK)
        fprintf (stderr, "largest event: %s %s\n", err_str (code), why);
    assert (code == ERR_OK && seq > 0);
    free (body);
    free (text);

    //  Its log entry is over the frame limit, and readable (log reply)
    Lic__Reply *r = NULL;
    assert (licclient_log (s_admin, seq, 1, &r, 20000) == ERR_OK);
    assert (r->code == ERR_OK && r->entries->n_entries == 1);
    uint8_t *entry;
    size_t entry_len;
    assert (codec_entry_encode (r->entries->entries [0], &entry, &entry_len) == ERR_OK);
    assert (entry_len > CODEC_FRAME_MAX && entry_len <= CODEC_ENTRY_MAX);
    free (entry);
    codec_reply_free (&r);

    //  It reaches the province, and a later event of another department too
    assert (support_hier_wait_synced (&s_h, 120) == ERR_OK);
    licclient_t *c = NULL;
    assert (support_client (&c, COUNTY, &s_d1) == ERR_OK);
    assert (support_publish (c, &s_d1, 1501, 1, 0) == 1);
    licclient_destroy (&c);
    assert (support_hier_wait_synced (&s_h, 120) == ERR_OK);
    licclient_t *pa = NULL;
    assert (support_admin (&pa, PROVINCE) == ERR_OK);
    char id [LICID_BARE_MAX + 1];
    support_license_id (id, s_d2.type_code, s_d2.key.code, 1401);
    assert (licclient_get (pa, id, true, &r, 20000) == ERR_OK);
    if (r->code != ERR_OK)
        fprintf (stderr, "province get: %s %s\n", err_str (r->code), r->message);
    assert (r->code == ERR_OK);
    codec_reply_free (&r);
    support_license_id (id, s_d1.type_code, s_d1.key.code, 1501);
    assert (licclient_get (pa, id, false, &r, 20000) == ERR_OK);
    assert (r->code == ERR_OK);
    codec_reply_free (&r);
    licclient_destroy (&pa);
}

//  Finding 6: a string that is not UTF-8 text is refused at every door,
//  naming the field and not quoting the value; a query refused so is
//  recorded with each bad byte as U+FFFD, so the audit log stays text
//  and every reply parses in any protobuf runtime
static void
test_strings_not_text_refused (void)
{
    uint64_t head = s_head (COUNTY);
    //  Publish: an event whose holder name is Latin-1 (it was stored)
    Lic__Event *ev = s_event (&s_d1, 1601, 1601);
    char *name = ev->content->holder->name;
    ev->content->holder->name = "M\xFCller GmbH";
    uint8_t *body, sig [64];
    size_t len;
    s_sign (ev, &s_d1, &body, &len, sig);
    ev->content->holder->name = name;
    codec_event_free (&ev);
    char why [512] = "";
    assert (s_publish (&s_d1, body, len, sig, NULL, why, sizeof why) == ERR_BAD_FIELD);
    assert (strstr (why, "Event.content.holder.name is not UTF-8 text") && !strstr (why, "ller"));
    free (body);

    //  The operator's requests: a department, an application body, a read
    Lic__Department d;
    codec_department_init (&d);
    uint8_t key [32] = { 1 };
    ProtobufCBinaryData sk = { 32, key };
    d.credit_code = (char *) s_d1.key.code;
    d.name = "\xC0\xAF overlong";
    d.n_sign_keys = 1;
    d.sign_keys = &sk;
    d.curve_key.data = key;
    d.curve_key.len = 32;
    Lic__Reply *r = NULL;
    assert (licclient_register (s_admin, &d, &r, 10000) == ERR_OK);
    assert (r->code == ERR_BAD_FIELD && strstr (r->message, "department.name is not UTF-8 text"));
    codec_reply_free (&r);
    Lic__AppBody b = LIC__APP_BODY__INIT;
    char code [19];
    support_credit_code (code, 7012);
    b.credit_code = code;
    b.name = "\xED\xA0\x80 surrogate";
    b.curve_key.data = key;
    b.curve_key.len = 32;
    assert (licclient_app_body (s_admin, &b, &r, 10000) == ERR_OK);
    assert (r->code == ERR_BAD_FIELD && strstr (r->message, "app_body.add.name is not UTF-8 text"));
    codec_reply_free (&r);
    assert (licclient_get (s_admin, "11100000000013338W011\xFF", false, &r, 10000) == ERR_OK);
    assert (r->code == ERR_BAD_FIELD && strstr (r->message, "Request.get.license_id"));
    codec_reply_free (&r);

    //  A query whose purpose is GBK: refused, and recorded as text
    keyfile_t nk;
    s_node_key (COUNTY, &nk);
    licclient_t *c = NULL;
    assert (licclient_open (&c, s_query_ep, nk.curve_pk, s_body.curve_pk, s_body.curve_sk) == ERR_OK);
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    Lic__Holder h = LIC__HOLDER__INIT;
    char holder [19], id [LICID_BARE_MAX + 1];
    support_resident_id (holder, 1101);
    support_license_id (id, s_d1.type_code, s_d1.key.code, 1101);
    h.id_type = "111";
    h.id = holder;
    q.kind = LIC__QUERY_KIND__QUERY_GET;
    q.matter_code = (char *) s_matter;
    q.staff_id = "staff-011";
    q.case_number = "CASE-TEXT";
    q.purpose = "\xBA\xCB\xD1\xE9";           //  核验 in GBK
    q.license_id = id;
    q.holder = &h;
    assert (licclient_query (c, &q, &r, 20000) == ERR_OK);
    assert (r->code == ERR_BAD_FIELD && strstr (r->message, "QueryRequest.purpose is not UTF-8 text"));
    codec_reply_free (&r);
    licclient_destroy (&c);
    //  Nothing stored but the record of that query
    assert (s_head (COUNTY) == head + 1);
    Lic__AuditRequest a = LIC__AUDIT_REQUEST__INIT;
    a.body_code = s_body.code;
    a.refused_only = true;
    a.limit = 999;
    assert (licclient_audit (s_admin, &a, &r, 10000) == ERR_OK && r->code == ERR_OK);
    bool seen = false;
    for (size_t i = 0; i < r->audit->n_items; i++) {
        const Lic__AuditRecord *rec = r->audit->items [i]->record;
        if (streq (rec->case_number, "CASE-TEXT")) {
            seen = true;
            assert (rec->code == ERR_BAD_FIELD);
            assert (streq (rec->purpose, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
        }
    }
    assert (seen);
    //  Every string of the listing is text: any runtime parses it
    assert (codec_check_text (&r->base, CODEC_REPLY_MAX, why, sizeof why) == ERR_OK);
    codec_reply_free (&r);
    assert (support_node_alive (COUNTY));
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "e2e-hostile") == ERR_OK);
    snprintf (s_query_ep, sizeof s_query_ep, "tcp://127.0.0.1:%d", support_free_port ());
    snprintf (s_h.extra [0], sizeof s_h.extra [0], "\"query_listen\": \"%s\",", s_query_ep);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    assert (support_admin (&s_admin, COUNTY) == ERR_OK);
    assert (support_dept_make (&s_d1, 1, s_dir) == ERR_OK);
    assert (support_dept_make (&s_d2, 2, s_dir) == ERR_OK);
    assert (support_register (s_admin, &s_d1) == ERR_OK);
    assert (support_register_department (s_admin, &s_d2) == ERR_OK);
    s_wide_type ();

    char code [19];
    support_credit_code (code, 7011);
    assert (keyfile_generate (&s_body, code, "西湖区政务服务中心") == ERR_OK);
    assert (support_register_body (s_admin, &s_body, s_d1.type_code, s_matter) == ERR_OK);

    test_query_of_long_license_id_is_answered ();
    test_unknown_field_padding_refused ();
    test_completed_at_out_of_window_refused ();
    test_own_entry_over_budget_refused ();
    test_largest_event_replicates ();
    test_strings_not_text_refused ();

    licclient_destroy (&s_admin);
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_hostile_input: all passed\n");
    return 0;
}
