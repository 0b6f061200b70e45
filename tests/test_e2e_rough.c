/*  test_e2e_rough -- an operator's rough edges, with a real licnode and the
    real licctl: every listing comes a page at a time and says when there
    is more (find, log, catalogue list and history, audit, an application
    body's find; licctl prints "more: use --cursor C" or pages through
    with --all), so nothing is ever cut silently; a refusal carries the id
    of the request it refuses whenever the frame says it, so a pipelining
    client knows which of its requests failed; a license read as of a
    time (the operator's get --at, an application body's status --at, in
    RFC 3339 or unix seconds) is all as it was then; publish --file shows
    progress on stderr and a summary, and when the node dies says what
    was acknowledged and that running the file again is safe.
*/
#undef NDEBUG
#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include "proto/codec.h"
#include "tests/support/support.h"

#define S_LICENSES 600              //  licenses of one holder (several pages of every kind)
#define S_HOLDER   77               //  their holder (support_resident_id)

static char s_dir [512];
static support_node_t s_node;
static support_dept_t s_dept, s_body;  //  a department; an application body's keys
static licclient_t *s_admin;
static char s_holder [19];
static const char *s_matter = "330106-000-XK-0001";
static char s_query_ep [64];        //  the node's query socket
static int s_repl_port;             //  its replication socket

//  Runs a shell command, its stdout into out (NUL-terminated); returns
//  its exit status.
static int
s_run (const char *cmd, char *out, size_t size)
{
    FILE *p = popen (cmd, "r");
    assert (p);
    size_t n = fread (out, 1, size - 1, p);
    out [n] = 0;
    int st = pclose (p);
    return WIFEXITED (st)? WEXITSTATUS (st): -1;
}

static size_t
s_count (const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
        n++;
    return n;
}

//  Publishes S_LICENSES issues of s_dept, all for one holder, pipelined.
static void
s_publish_one_holder (void)
{
    licclient_t *c = NULL;
    assert (support_client (&c, &s_node, &s_dept) == ERR_OK);
    int sent = 0, answered = 0;
    while (answered < S_LICENSES) {
        while (sent < S_LICENSES && sent - answered < 128) {
            uint8_t *body, sig [64];
            size_t len;
            assert (support_event_sign (&s_dept, LIC__OP__OP_ISSUE, 1 + (uint32_t) sent, 0, S_HOLDER,
                                        &body, &len, sig) == ERR_OK);
            assert (licclient_send_publish (c, body, len, sig, s_dept.key.sign_pk, NULL) == ERR_OK);
            free (body);
            sent++;
        }
        Lic__Reply *r = NULL;
        assert (licclient_recv (c, &r, 20000) == ERR_OK);
        assert (r->code == ERR_OK);
        codec_reply_free (&r);
        answered++;
    }
    licclient_destroy (&c);
}

//  One find page of the holder from cursor; caller frees.
static Lic__Reply *
s_find_page (const char *cursor, uint32_t limit, const char *id_type)
{
    Lic__Request req;
    Lic__FindRequest f = LIC__FIND_REQUEST__INIT;
    codec_request_init (&req);
    f.holder_id = s_holder;
    if (id_type)
        f.holder_id_type = (char *) id_type;
    f.limit = limit;
    f.cursor = (char *) cursor;
    req.body_case = LIC__REQUEST__BODY_FIND;
    req.find = &f;
    Lic__Reply *r = NULL;
    assert (licclient_call (s_admin, &req, &r, 20000) == ERR_OK);
    return r;
}

// ---------------------------------------------------------------------

static void
test_find_comes_in_pages_that_say_more (void)
{
    //  The whole holder, page after page: every license exactly once, each
    //  page but the last says more, none is cut silently.
    zhashx_t *seen = zhashx_new ();
    char cursor [128] = "";
    size_t pages = 0, total = 0;
    bool more = true;
    while (more) {
        Lic__Reply *r = s_find_page (cursor, 0, NULL);
        assert (r->code == ERR_OK && r->body_case == LIC__REPLY__BODY_FOUND);
        const Lic__FindResult *f = r->found;
        assert (f->n_licenses > 0);
        for (size_t i = 0; i < f->n_licenses; i++)
            assert (zhashx_insert (seen, f->licenses [i]->state->license_id, "") == 0);
        total += f->n_licenses;
        more = f->more;
        assert (more == (*f->next_cursor != 0));
        snprintf (cursor, sizeof cursor, "%s", f->next_cursor);
        pages++;
        codec_reply_free (&r);
    }
    assert (total == S_LICENSES && zhashx_size (seen) == S_LICENSES);
    assert (pages >= 3);            //  ~1 KB each: the ~192 KiB budget cuts pages
    zhashx_destroy (&seen);

    //  A limit far above what fits is still one page that says more (the
    //  issue: --limit 5000 gave 480 and said nothing).
    Lic__Reply *r = s_find_page ("", 5000, NULL);
    assert (r->code == ERR_OK && r->found->more && r->found->n_licenses < S_LICENSES);
    codec_reply_free (&r);
    //  A small limit: exactly that many, more; the same with the id type.
    r = s_find_page ("", 7, "111");
    assert (r->code == ERR_OK && r->found->n_licenses == 7 && r->found->more);
    char next [128];
    snprintf (next, sizeof next, "%s", r->found->next_cursor);
    assert (strncmp (next, "111/", 4) == 0);
    codec_reply_free (&r);
    r = s_find_page (next, 7, "111");
    assert (r->code == ERR_OK && r->found->n_licenses == 7);
    codec_reply_free (&r);
    //  The last page says no more.
    r = s_find_page ("", S_LICENSES, NULL);
    while (r->found->more) {
        snprintf (next, sizeof next, "%s", r->found->next_cursor);
        codec_reply_free (&r);
        r = s_find_page (next, S_LICENSES, NULL);
    }
    assert (*r->found->next_cursor == 0);
    codec_reply_free (&r);
    //  A cursor that is not this find's is refused.
    r = s_find_page ("no slash", 0, NULL);
    assert (r->code == ERR_BAD_FIELD);
    codec_reply_free (&r);
    r = s_find_page ("411/ABC", 0, "111");
    assert (r->code == ERR_BAD_FIELD);
    codec_reply_free (&r);
}

static void
test_log_comes_in_pages_that_say_more (void)
{
    Lic__Reply *st = NULL;
    assert (licclient_status (s_admin, &st, 10000) == ERR_OK && st->code == ERR_OK);
    uint64_t head = st->status->head_seq;
    codec_reply_free (&st);
    uint64_t from = 1, entries = 0;
    bool more = true;
    while (more) {
        Lic__Reply *r = NULL;
        assert (licclient_log (s_admin, from, 0, &r, 20000) == ERR_OK && r->code == ERR_OK);
        const Lic__LogEntries *e = r->entries;
        assert (e->n_entries > 0 && e->entries [0]->seq == from);
        assert (e->next_seq == e->entries [e->n_entries - 1]->seq + 1);
        entries += e->n_entries;
        more = e->more;
        from = e->next_seq;
        codec_reply_free (&r);
    }
    assert (entries == head && from == head + 1);
    Lic__Reply *r = NULL;
    assert (licclient_log (s_admin, 1, 3, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (r->entries->n_entries == 3 && r->entries->more && r->entries->next_seq == 4);
    codec_reply_free (&r);
}

//  A type of ~70 KB (200 items with long labels): three fill a page.
static void
s_big_type (uint32_t n)
{
    static char labels [200][400];
    static char names [200][16];
    Lic__ItemSpec specs [200], *sp [200];
    for (int i = 0; i < 200; i++) {
        lic__item_spec__init (&specs [i]);
        snprintf (names [i], sizeof names [i], "item_%03d", i);
        size_t o = 0;
        while (o + 6 < sizeof labels [i])
            o += (size_t) snprintf (labels [i] + o, sizeof labels [i] - o, "%s", "数据项");
        specs [i].name = names [i];
        specs [i].label = labels [i];
        specs [i].kind = LIC__ITEM_KIND__KIND_STRING;
        sp [i] = &specs [i];
    }
    Lic__ValidityRule rule = LIC__VALIDITY_RULE__INIT;
    rule.open_ended = true;
    Lic__LicenseType t;
    codec_license_type_init (&t);
    char code [22], body [19];
    support_credit_code (body, 700000 + n);
    snprintf (code, sizeof code, "%s%03u", body, 1 + n % 900);
    t.type_code = code;
    t.name = "大型测试证照";
    t.defining_body = body;
    t.n_items = 200;
    t.items = sp;
    t.validity = &rule;
    assert (support_catalogue_put (s_admin, &t) == ERR_OK);
}

static Lic__Reply *
s_catalogue_page (const char *code, bool history, const char *cursor)
{
    Lic__CatalogueRequest cr = LIC__CATALOGUE_REQUEST__INIT;
    cr.type_code = (char *) (code? code: "");
    cr.history = history;
    cr.cursor = (char *) cursor;
    Lic__Reply *r = NULL;
    assert (licclient_catalogue (s_admin, &cr, &r, 20000) == ERR_OK);
    return r;
}

static void
test_catalogue_list_and_history_come_in_pages (void)
{
    for (uint32_t n = 0; n < 7; n++)
        s_big_type (n);
    //  8 types (the department's and 7 big ones) over several pages.
    char cursor [128] = "";
    size_t total = 0, pages = 0;
    bool more = true;
    while (more) {
        Lic__Reply *r = s_catalogue_page (NULL, false, cursor);
        assert (r->code == ERR_OK);
        total += r->catalogue->n_types;
        more = r->catalogue->more;
        snprintf (cursor, sizeof cursor, "%s", r->catalogue->next_cursor);
        assert (!more || strchr (cursor, '/'));
        pages++;
        codec_reply_free (&r);
    }
    assert (total == 8 && pages >= 3);
    //  Versions 2..5 of one big type: the history pages too.
    for (int v = 0; v < 4; v++)
        s_big_type (0);
    char code [22], body [19];
    support_credit_code (body, 700000);
    snprintf (code, sizeof code, "%s%03u", body, 1);
    uint32_t expect = 1;
    cursor [0] = 0;
    pages = 0;
    more = true;
    while (more) {
        Lic__Reply *r = s_catalogue_page (code, true, cursor);
        assert (r->code == ERR_OK);
        for (size_t i = 0; i < r->catalogue->n_types; i++)
            assert (r->catalogue->types [i]->version == expect++);
        more = r->catalogue->more;
        snprintf (cursor, sizeof cursor, "%s", r->catalogue->next_cursor);
        pages++;
        codec_reply_free (&r);
    }
    assert (expect == 6 && pages >= 2);
    Lic__Reply *r = s_catalogue_page (code, true, "x");
    assert (r->code == ERR_BAD_FIELD);
    codec_reply_free (&r);
}

//  An application body's find of the holder, page at cursor; caller frees.
static Lic__Reply *
s_query_find (licclient_t *body, const char *cursor)
{
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    Lic__Holder h = LIC__HOLDER__INIT;
    q.kind = LIC__QUERY_KIND__QUERY_FIND;
    q.matter_code = (char *) s_matter;
    q.staff_id = "S007";
    q.case_number = "C-2026-0042";
    q.purpose = "开办企业核验";
    q.cursor = (char *) cursor;
    h.id_type = "111";
    h.id = s_holder;
    q.holder = &h;
    Lic__Reply *r = NULL;
    assert (licclient_query (body, &q, &r, 20000) == ERR_OK);
    return r;
}

static void
test_query_find_and_audit_come_in_pages (void)
{
    uint8_t curve [32];
    zmq_z85_decode (curve, s_body.key.curve_pk);
    Lic__AppBody b = LIC__APP_BODY__INIT;
    char *types [1] = { s_dept.type_code }, *matters [1] = { (char *) s_matter };
    b.credit_code = s_body.key.code;
    b.name = s_body.key.name;
    b.curve_key.data = curve;
    b.curve_key.len = 32;
    b.license_types = types;
    b.n_license_types = 1;
    b.matters = matters;
    b.n_matters = 1;
    Lic__Reply *r = NULL;
    assert (licclient_app_body (s_admin, &b, &r, 10000) == ERR_OK && r->code == ERR_OK);
    codec_reply_free (&r);
    keyfile_t nk;
    char pub [600];
    snprintf (pub, sizeof pub, "%s/node.pub", s_node.dir);
    assert (keyfile_load (&nk, pub) == ERR_OK);
    licclient_t *body = NULL;
    assert (licclient_open (&body, s_node.endpoint, nk.curve_pk, s_body.key.curve_pk,
                            s_body.key.curve_sk) == ERR_OK);
    //  At most 200 a page (the documented bound), and more until the end.
    zhashx_t *seen = zhashx_new ();
    char cursor [128] = "";
    size_t pages = 0;
    bool more = true;
    while (more) {
        r = s_query_find (body, cursor);
        assert (r->code == ERR_OK && r->query->audit_seq > 0);
        assert (r->query->n_licenses > 0 && r->query->n_licenses <= 200);
        for (size_t i = 0; i < r->query->n_licenses; i++)
            assert (zhashx_insert (seen, r->query->licenses [i]->state->license_id, "") == 0);
        more = r->query->more;
        assert (more == (*r->query->next_cursor != 0));
        snprintf (cursor, sizeof cursor, "%s", r->query->next_cursor);
        pages++;
        codec_reply_free (&r);
    }
    assert (zhashx_size (seen) == S_LICENSES && pages >= 3);
    zhashx_destroy (&seen);
    licclient_destroy (&body);

    //  The audit listing of the holder: one record per page asked, in
    //  pages of 2 that say more.
    Lic__AuditRequest a = LIC__AUDIT_REQUEST__INIT;
    a.holder_id = s_holder;
    a.limit = 2;
    size_t items = 0;
    more = true;
    while (more) {
        assert (licclient_audit (s_admin, &a, &r, 10000) == ERR_OK && r->code == ERR_OK);
        items += r->audit->n_items;
        more = r->audit->more;
        assert (more == (r->audit->next_seq != 0));
        if (more)
            assert (r->audit->n_items == 2 && r->audit->next_seq > a.from_seq);
        a.from_seq = r->audit->next_seq;
        codec_reply_free (&r);
    }
    assert (items == pages);
}

static void
test_licctl_says_more_and_pages_with_all (void)
{
    const char *licctl = support_licctl_path ();
    size_t size = 4 << 20;
    char *out = malloc (size), cmd [2048], cursor [128];
    assert (out);
    //  find: the first page ends with "more: use --cursor C".
    snprintf (cmd, sizeof cmd, "%s -d %s find --holder %s", licctl, s_node.dir, s_holder);
    assert (s_run (cmd, out, size) == 0);
    char *m = strstr (out, "more: use --cursor ");
    assert (m && sscanf (m, "more: use --cursor %127s", cursor) == 1);
    size_t first = s_count (out, "  01 ");
    assert (first > 0 && first < S_LICENSES);
    //  ... which gives the next page.
    snprintf (cmd, sizeof cmd, "%s -d %s find --holder %s --cursor %s", licctl, s_node.dir, s_holder, cursor);
    assert (s_run (cmd, out, size) == 0 && s_count (out, "  01 ") > 0);
    //  --all: every license, no "more".
    snprintf (cmd, sizeof cmd, "%s -d %s find --holder %s --all", licctl, s_node.dir, s_holder);
    assert (s_run (cmd, out, size) == 0);
    assert (s_count (out, "  01 ") == S_LICENSES && !strstr (out, "more:"));
    assert (strstr (out, "600 license(s)"));
    //  --json says more and where.
    snprintf (cmd, sizeof cmd, "%s -d %s --json find --holder %s --limit 5", licctl, s_node.dir, s_holder);
    assert (s_run (cmd, out, size) == 0);
    assert (strstr (out, "\"more\": true") && strstr (out, "\"next_cursor\": \"111/"));
    //  log: a page of 10 says more; --all reads to the end.
    snprintf (cmd, sizeof cmd, "%s -d %s log --limit 10", licctl, s_node.dir);
    assert (s_run (cmd, out, size) == 0 && strstr (out, "more: use --cursor 11\n"));
    snprintf (cmd, sizeof cmd, "%s -d %s log --cursor 11 --limit 10", licctl, s_node.dir);
    assert (s_run (cmd, out, size) == 0 && strncmp (out, "seq 11 ", 7) == 0);
    snprintf (cmd, sizeof cmd, "%s -d %s log --all --limit 100", licctl, s_node.dir);
    assert (s_run (cmd, out, size) == 0 && !strstr (out, "more:"));
    assert (s_count (out, "\nseq ") + 1 >= S_LICENSES);
    //  catalogue list: more, then --all lists the 8 types.
    snprintf (cmd, sizeof cmd, "%s -d %s catalogue list", licctl, s_node.dir);
    assert (s_run (cmd, out, size) == 0 && strstr (out, "more: use --cursor "));
    snprintf (cmd, sizeof cmd, "%s -d %s catalogue list --all", licctl, s_node.dir);
    assert (s_run (cmd, out, size) == 0 && strstr (out, "8 type(s)") && !strstr (out, "more:"));
    //  An application body's find with --all: every license.
    snprintf (cmd, sizeof cmd, "%s -n %s/node.pub -k %s query find --holder %s --holder-type 111 "
              "--matter %s --staff S007 --case C-1 --purpose p --all", licctl, s_node.dir,
              s_body.key_path, s_holder, s_matter);
    assert (s_run (cmd, out, size) == 0);
    assert (s_count (out, "\"license_id\"") == S_LICENSES && strstr (out, "\"more\": false"));
    //  audit: a page of 1 says more.
    snprintf (cmd, sizeof cmd, "%s -d %s audit --holder %s --limit 1", licctl, s_node.dir, s_holder);
    assert (s_run (cmd, out, size) == 0 && strstr (out, "\"more\": true"));
    free (out);
}

//  A raw CURVE DEALER with the key in key_path (the node's admin key if
//  NULL) to endpoint (the client socket if NULL), for frames licclient
//  would never send.
static zsock_t *
s_raw_socket (const char *key_path, const char *endpoint)
{
    char path [600];
    keyfile_t node, admin;
    snprintf (path, sizeof path, "%s/node.pub", s_node.dir);
    assert (keyfile_load (&node, path) == ERR_OK);
    snprintf (path, sizeof path, "%s/admin.key", s_node.dir);
    assert (keyfile_load (&admin, key_path? key_path: path) == ERR_OK);
    zsock_t *s = zsock_new (ZMQ_DEALER);
    zsock_set_curve_serverkey (s, node.curve_pk);
    zsock_set_curve_publickey (s, admin.curve_pk);
    zsock_set_curve_secretkey (s, admin.curve_sk);
    zsock_set_rcvtimeo (s, 10000);
    zsock_set_linger (s, 0);
    keyfile_wipe (&admin);
    assert (zsock_connect (s, "%s", endpoint? endpoint: s_node.endpoint) == 0);
    return s;
}

//  Sends req as it is (version and id included) on s.
static void
s_raw_send (zsock_t *s, const Lic__Request *req)
{
    zframe_t *f = support_request_frame (req);
    assert (zframe_send (&f, s, 0) == 0);
}

static void
test_refusals_carry_the_request_id (void)
{
    zsock_t *s = s_raw_socket (NULL, NULL);
    Lic__Request req;
    Lic__StatusRequest status = LIC__STATUS_REQUEST__INIT;
    Lic__GetRequest get = LIC__GET_REQUEST__INIT;
    //  Six requests in flight at once, four of them refused.
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_STATUS;
    req.status = &status;
    req.id = 101;
    s_raw_send (s, &req);                   //  answered
    req.version = 2;
    req.id = 102;
    s_raw_send (s, &req);                   //  another version: ERR_VERSION
    req.version = 0;
    req.id = 103;
    s_raw_send (s, &req);                   //  no version: ERR_MALFORMED
    codec_request_init (&req);
    get.license_id = "not-a-license-id";
    req.body_case = LIC__REQUEST__BODY_GET;
    req.get = &get;
    req.id = 104;
    s_raw_send (s, &req);                   //  decoded, refused: ERR_BAD_LICENSE_ID
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_STATUS;
    req.status = &status;
    req.id = 105;
    s_raw_send (s, &req);                   //  answered
    zframe_t *junk = zframe_new ("\xff\xff\xff\xff", 4);
    assert (zframe_send (&junk, s, 0) == 0);    //  not a frame at all: id 0
    int code [7] = { -1, -1, -1, -1, -1, -1, -1 };
    for (int i = 0; i < 6; i++) {
        zframe_t *f = zframe_recv (s);
        assert (f);
        Lic__Reply *r = NULL;
        assert (codec_reply_decode (zframe_data (f), zframe_size (f), &r) == ERR_OK);
        assert (r->id == 0 || (r->id >= 101 && r->id <= 105));
        int slot = r->id? (int) (r->id - 100): 0;
        assert (code [slot] == -1);
        code [slot] = r->code;
        codec_reply_free (&r);
        zframe_destroy (&f);
    }
    assert (code [1] == ERR_OK && code [5] == ERR_OK);
    assert (code [2] == ERR_VERSION);
    assert (code [3] == ERR_MALFORMED);
    assert (code [4] == ERR_BAD_LICENSE_ID);
    assert (code [0] == ERR_MALFORMED);
    zsock_destroy (&s);

    //  The same on the query socket, as an application body: a find, a
    //  version 2 and a versionless query in flight, each answered (and
    //  recorded or counted) with its id.
    s = s_raw_socket (s_body.key_path, s_query_ep);
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    Lic__Holder h = LIC__HOLDER__INIT;
    q.kind = LIC__QUERY_KIND__QUERY_FIND;
    q.matter_code = (char *) s_matter;
    q.staff_id = "S007";
    q.case_number = "C-1";
    q.purpose = "p";
    h.id_type = "111";
    h.id = s_holder;
    q.holder = &h;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_QUERY;
    req.query = &q;
    req.id = 201;
    s_raw_send (s, &req);
    req.version = 2;
    req.id = 202;
    s_raw_send (s, &req);
    req.version = 0;
    req.id = 203;
    s_raw_send (s, &req);
    int qcode [4] = { -1, -1, -1, -1 };
    for (int i = 0; i < 3; i++) {
        zframe_t *f = zframe_recv (s);
        assert (f);
        Lic__Reply *r = NULL;
        assert (codec_reply_decode (zframe_data (f), zframe_size (f), &r) == ERR_OK);
        assert (r->id >= 201 && r->id <= 203 && qcode [r->id - 200] == -1);
        qcode [r->id - 200] = r->code;
        codec_reply_free (&r);
        zframe_destroy (&f);
    }
    assert (qcode [1] == ERR_OK && qcode [2] == ERR_VERSION && qcode [3] == ERR_MALFORMED);
    zsock_destroy (&s);
}

//  Publishes event (op, expected) of license `serial`, completed at
//  `completed_at` with `note`; returns its seq.
static uint64_t
s_publish_at (Lic__Op op, uint32_t serial, uint32_t expected, int64_t completed_at, const char *note)
{
    uint8_t *body, sig [64];
    size_t len;
    assert (support_event_sign (&s_dept, op, serial, expected, S_HOLDER, &body, &len, sig) == ERR_OK);
    Lic__Event *ev = NULL;
    assert (codec_event_decode (body, len, &ev) == ERR_OK);
    free (body);
    ev->completed_at = completed_at;
    assert (codec_set_string (&ev->note, note) == ERR_OK);
    assert (licclient_sign (ev, s_dept.key.sign_sk, s_dept.key.sign_pk, &body, &len, sig) == ERR_OK);
    codec_event_free (&ev);
    licclient_t *c = NULL;
    assert (support_client (&c, &s_node, &s_dept) == ERR_OK);
    uint64_t seq = 0;
    int code = -1;
    char why [256];
    assert (licclient_publish (c, body, len, sig, s_dept.key.sign_pk, &seq, NULL, &code, why,
                               sizeof why, 10000) == ERR_OK);
    assert (code == ERR_OK);
    free (body);
    licclient_destroy (&c);
    return seq;
}

//  The operator's get of license `serial` as of `at` (0: now); caller frees.
static Lic__Reply *
s_get_at (uint32_t serial, int64_t at)
{
    char id [LICID_BARE_MAX + 1];
    support_license_id (id, s_dept.type_code, s_dept.key.code, serial);
    Lic__Request req;
    Lic__GetRequest get = LIC__GET_REQUEST__INIT;
    codec_request_init (&req);
    get.license_id = id;
    get.with_history = true;
    get.at = at;
    req.body_case = LIC__REQUEST__BODY_GET;
    req.get = &get;
    Lic__Reply *r = NULL;
    assert (licclient_call (s_admin, &req, &r, 10000) == ERR_OK);
    return r;
}

static void
test_as_of_a_time_everything_is_as_it_was_then (void)
{
    //  License 1 was issued at t0 (support_event_sign: 1764201600 + serial);
    //  suspended with a note at t0 + 1000, then reinstated at t0 + 2000.
    int64_t t0 = 1764201600 + 1;
    Lic__Reply *r = s_get_at (1, 0);
    assert (r->code == ERR_OK);
    uint64_t issue_seq = r->license->state->last_seq;
    codec_reply_free (&r);
    uint64_t suspend_seq = s_publish_at (LIC__OP__OP_SUSPEND, 1, 1, t0 + 1000, "暂扣：待核查");
    s_publish_at (LIC__OP__OP_REINSTATE, 1, 2, t0 + 2000, "核查完毕");

    //  Now: valid, version 3, the reinstatement's note.
    r = s_get_at (1, 0);
    assert (r->code == ERR_OK && r->license->as_of == 0);
    assert (r->license->state->version == 3 && r->license->state->status == LIC__STATUS__STATUS_VALID);
    assert (streq (r->license->state->note, "核查完毕") && r->license->n_history == 3);
    codec_reply_free (&r);
    //  Between issue and suspension: the issue alone, nothing later.
    r = s_get_at (1, t0 + 500);
    assert (r->code == ERR_OK && r->license->as_of == t0 + 500);
    const Lic__LicenseState *st = r->license->state;
    assert (st->version == 1 && st->status == LIC__STATUS__STATUS_VALID && *st->note == 0);
    assert (st->last_seq == issue_seq && st->content_seq == issue_seq && st->updated_at == t0);
    assert (r->license->effective_status == LIC__STATUS__STATUS_VALID);
    assert (r->license->n_history == 1 && r->license->history [0]->seq == issue_seq);
    assert (st->content && st->content->holder && streq (st->content->holder->id, s_holder));
    codec_reply_free (&r);
    //  While suspended: the suspension's status, version and note.
    r = s_get_at (1, t0 + 1500);
    st = r->license->state;
    assert (r->code == ERR_OK && st->version == 2 && st->status == LIC__STATUS__STATUS_SUSPENDED);
    assert (streq (st->note, "暂扣：待核查") && st->last_seq == suspend_seq && r->license->n_history == 2);
    codec_reply_free (&r);
    //  Before the issue: not issued yet, said with a date.
    r = s_get_at (1, t0 - 86400);
    assert (r->code == ERR_NOT_FOUND && strstr (r->message, "not issued yet at 2025-11-26T08:00:01+08:00"));
    codec_reply_free (&r);
    //  Outside the time window.
    r = s_get_at (1, 100);
    assert (r->code == ERR_BAD_FIELD);
    codec_reply_free (&r);

    //  licctl get --at in RFC 3339 (t0 + 1500 = 2025-11-27T08:25:01+08:00)
    //  and in unix seconds: the as-of record, said so.
    const char *licctl = support_licctl_path ();
    char cmd [2048], out [65536], id [LICID_BARE_MAX + 1];
    support_license_id (id, s_dept.type_code, s_dept.key.code, 1);
    snprintf (cmd, sizeof cmd, "%s -d %s get %s --at 2025-11-27T08:25:01+08:00 --history",
              licctl, s_node.dir, id);
    assert (s_run (cmd, out, sizeof out) == 0);
    assert (strstr (out, "as_of          2025-11-27 08:25:01 +08:00"));
    assert (strstr (out, "status         02") && strstr (out, "version        2\n"));
    assert (strstr (out, "note           暂扣：待核查") && !strstr (out, "核查完毕"));
    snprintf (cmd, sizeof cmd, "%s -d %s --json get %s --at %" PRId64, licctl, s_node.dir, id, t0 + 500);
    assert (s_run (cmd, out, sizeof out) == 0);
    assert (strstr (out, "\"as_of\": 1764202101") && strstr (out, "\"version\": 1,"));
    snprintf (cmd, sizeof cmd, "%s -d %s get %s --at yesterday", licctl, s_node.dir, id);
    assert (s_run (cmd, out, sizeof out) == 2);

    //  An application body's status as of a time, through licctl: the
    //  license as it was then, its as_of said.
    snprintf (cmd, sizeof cmd, "%s -n %s/node.pub -k %s query status %s --at 2025-11-27T08:25:01+08:00 "
              "--holder %s --holder-type 111 --matter %s --staff S007 --case C-1 --purpose p", licctl,
              s_node.dir, s_body.key_path, id, s_holder, s_matter);
    assert (s_run (cmd, out, sizeof out) == 0);
    assert (strstr (out, "\"effective_status\": \"02\"") && strstr (out, "\"version\": 2,"));
    assert (strstr (out, "\"as_of\": 1764203101") && strstr (out, "暂扣：待核查") && !strstr (out, "核查完毕"));
}

//  Writes n JSON lines (issues of licenses first.. of s_dept, for the
//  one holder) to f, as a department's day batch.
static void
s_jsonl (FILE *f, uint32_t first, uint32_t n)
{
    for (uint32_t i = first; i < first + n; i++) {
        char id [LICID_BARE_MAX + 1], uscc [19];
        support_license_id (id, s_dept.type_code, s_dept.key.code, i);
        support_credit_code (uscc, 600000 + i);
        fprintf (f, "{\"op\": \"issue\", \"license_id\": \"%s\", \"expected_version\": 0, "
                 "\"issuer_code\": \"%s\", \"completed_at\": \"2026-11-27T10:00:00+08:00\", "
                 "\"license\": {\"name\": \"营业执照\", \"holder\": {\"id_type\": \"111\", "
                 "\"id\": \"%s\", \"name\": \"张%u\"}, \"issue_date\": \"2026-11-27\", "
                 "\"valid_from\": \"2026-11-27\", \"valid_to\": \"2046-11-26\", "
                 "\"division_code\": \"330106\", \"service_item_code\": \"330106-000-XK-0001\", "
                 "\"items\": {\"business_scope\": \"技术服务\", \"credit_code\": \"%s\", "
                 "\"established\": \"2026-11-27\", \"legal_representative\": \"张%u\", "
                 "\"name\": \"杭州示例%u有限公司\", \"registered_capital\": \"100万元人民币\", "
                 "\"registration_authority\": \"西湖区市场监督管理局\", "
                 "\"residence\": \"浙江省杭州市文三路%u号\"}}}\n",
                 id, s_dept.key.code, s_holder, i, uscc, i, i, i);
    }
}

//  The text of a file (malloc'd).
static char *
s_slurp (const char *path)
{
    FILE *f = fopen (path, "r");
    assert (f);
    char *text = calloc (1, 1 << 20);
    assert (text);
    size_t n = fread (text, 1, (1 << 20) - 1, f);
    text [n] = 0;
    fclose (f);
    return text;
}

static void
test_publish_file_shows_progress_and_what_an_abort_leaves (void)
{
    const char *licctl = support_licctl_path ();
    char cmd [4096], err [600], out [600], file [600];
    snprintf (err, sizeof err, "%s/publish.err", s_dir);
    snprintf (out, sizeof out, "%s/publish.out", s_dir);
    //  From a pipe that stalls for 2.5 s halfway: a progress line on
    //  stderr (count and rate; no total on a pipe), the summary on both.
    snprintf (cmd, sizeof cmd, "%s -n %s/node.pub -k %s publish --file - > %s 2> %s", licctl,
              s_node.dir, s_dept.key_path, out, err);
    FILE *p = popen (cmd, "w");
    assert (p);
    s_jsonl (p, 10001, 50);
    fflush (p);
    usleep (2500 * 1000);
    s_jsonl (p, 10051, 50);
    int st = pclose (p);
    assert (WIFEXITED (st) && WEXITSTATUS (st) == 0);
    char *o = s_slurp (out), *e = s_slurp (err);
    assert (s_count (o, ": seq ") == 100 && strstr (o, "100 published, 0 duplicate, 0 rejected\n"));
    assert (strstr (e, "licctl publish: 50 events answered, "));
    assert (strstr (e, "licctl publish: 100 events answered in "));
    free (o);
    free (e);

    //  --quiet from a file: no line per event, no progress, the summary.
    snprintf (file, sizeof file, "%s/day.jsonl", s_dir);
    FILE *f = fopen (file, "w");
    assert (f);
    s_jsonl (f, 10001, 100);
    fclose (f);
    snprintf (cmd, sizeof cmd, "%s -n %s/node.pub -k %s publish --file %s --quiet > %s 2> %s", licctl,
              s_node.dir, s_dept.key_path, file, out, err);
    assert (system (cmd) == 0);
    o = s_slurp (out);
    e = s_slurp (err);
    assert (streq (o, "0 published, 100 duplicate, 0 rejected\n") && *e == 0);
    free (o);
    free (e);

    //  The node dies mid-file: the run ends with what was acknowledged
    //  and that a rerun is safe; the rerun after a restart completes it.
    f = fopen (file, "w");
    assert (f);
    s_jsonl (f, 20001, 20000);
    fclose (f);
    snprintf (cmd, sizeof cmd, "%s -n %s/node.pub -k %s --timeout 3000 publish --file %s 2> %s",
              licctl, s_node.dir, s_dept.key_path, file, err);
    p = popen (cmd, "r");
    assert (p);
    char line [256];
    assert (fgets (line, sizeof line, p));
    support_node_stop (&s_node, SIGKILL);
    while (fgets (line, sizeof line, p))
        ;
    st = pclose (p);
    assert (WIFEXITED (st) && WEXITSTATUS (st) == 2);
    e = s_slurp (err);
    assert (strstr (e, "licctl: publishing stopped at line "));
    assert (strstr (e, "event(s) acknowledged (") && strstr (e, "sent without an answer"));
    assert (strstr (e, "running the same file again is safe"));
    free (e);
    assert (support_node_restart (&s_node) == ERR_OK);
    snprintf (cmd, sizeof cmd, "%s -n %s/node.pub -k %s publish --file %s --quiet > %s", licctl,
              s_node.dir, s_dept.key_path, file, out);
    assert (system (cmd) == 0);
    o = s_slurp (out);
    unsigned long pub = 0, dup = 0, rej = 9;
    assert (sscanf (o, "%lu published, %lu duplicate, %lu rejected", &pub, &dup, &rej) == 3);
    assert (pub + dup == 20000 && rej == 0 && pub > 0 && dup > 0);
    free (o);
}

static void
test_log_text_decodes_every_kind_of_entry (void)
{
    const char *licctl = support_licctl_path ();
    size_t size = 16 << 20;
    char *out = malloc (size), cmd [1024];
    assert (out);
    snprintf (cmd, sizeof cmd, "%s -d %s log --all --limit 1000", licctl, s_node.dir);
    assert (s_run (cmd, out, size) == 0);
    assert (!strstr (out, "does not decode"));
    assert (strstr (out, "node record: 330106 has key "));          //  node record
    assert (strstr (out, " register ") && strstr (out, " issue "));     //  registration, event
    assert (strstr (out, " catalogue ") && strstr (out, " version 5 大型测试证照 (200 items)"));
    assert (strstr (out, " application body ") && strstr (out, " (1 types, 1 matters, 0 clearances, key "));
    assert (strstr (out, " audit: find by ") && strstr (out, ": granted, returned "));
    assert (strstr (out, " audit: status by ") && strstr (out, " suspend "));
    free (out);
}

//  The README's example event, as the README shows it, published to the
//  node with the shipped catalogue type: accepted.
static void
test_readme_example_passes_the_shipped_catalogue (void)
{
    const char *src = getenv ("SOURCE_ROOT");
    assert (src && *src);
    char path [1024], cmd [4096], out [8192];
    snprintf (path, sizeof path, "%s/README.md", src);
    char *readme = s_slurp (path);
    const char *section = strstr (readme, "### The JSON format of an event");
    assert (section);
    const char *begin = strstr (section, "```json\n");
    assert (begin);
    begin += 8;
    const char *end = strstr (begin, "\n```");
    assert (end && end > begin);
    char example [600];
    snprintf (example, sizeof example, "%s/readme-example.json", s_dir);
    FILE *f = fopen (example, "w");
    assert (f && fwrite (begin, 1, (size_t) (end - begin), f) == (size_t) (end - begin));
    fclose (f);
    free (readme);

    //  The department the example names, registered for the type, and
    //  the type from deploy/catalogue.
    const char *licctl = support_licctl_path ();
    snprintf (cmd, sizeof cmd, "%s keygen --code 11430000006122244L --name \"Xihu market regulation\" "
              "--out %s/xihu.key > /dev/null && %s -d %s register --dept %s/xihu.key.pub "
              "--types 11100000000013338W011 > /dev/null && %s -d %s catalogue add "
              "%s/deploy/catalogue/business-license.json > /dev/null",
              licctl, s_dir, licctl, s_node.dir, s_dir, licctl, s_node.dir, src);
    assert (system (cmd) == 0);
    snprintf (cmd, sizeof cmd, "%s -n %s/node.pub -k %s/xihu.key publish %s 2>&1", licctl,
              s_node.dir, s_dir, example);
    int rc = s_run (cmd, out, sizeof out);
    if (rc != 0)
        fprintf (stderr, "the README's example was refused: %s", out);
    assert (rc == 0 && strncmp (out, "seq ", 4) == 0);
    //  Read back: the holder is the company, its personal item sealed.
    snprintf (cmd, sizeof cmd, "%s -d %s get 11100000000013338W01111430000006122244L20230000403001U",
              licctl, s_node.dir);
    assert (s_run (cmd, out, sizeof out) == 0);
    assert (strstr (out, "杭州示例科技有限公司 (001 91330106MA2H3P7X1H)"));
    assert (strstr (out, "legal_representative: (sensitive"));
}

//  Runs licnode with args, its stderr into out; returns its exit status.
static int
s_licnode (const char *args, char *out, size_t size)
{
    char cmd [4096];
    snprintf (cmd, sizeof cmd, "%s %s 2>&1 > /dev/null", support_licnode_path (), args);
    return s_run (cmd, out, size);
}

//  Writes a configuration for division 330106 with `members` added.
static void
s_config (const char *path, const char *members)
{
    FILE *f = fopen (path, "w");
    assert (f);
    fprintf (f, "{ \"division\": \"330106\"%s%s }\n", *members? ", ": "", members);
    fclose (f);
}

static void
test_configuration_errors_exit_2_before_start (void)
{
    char cfg [600], dir [600], args [2048], out [4096];
    snprintf (cfg, sizeof cfg, "%s/hostname.json", s_dir);
    snprintf (dir, sizeof dir, "%s/cfgtest", s_dir);
    //  A host name where an address must be: refused by init -c, check -c
    //  and the start alike, naming the member, with exit 2.
    const char *bad [] = {
        "\"listen\": \"tcp://localhost:7400\"",
        "\"listen\": \"tcp://county-330106.example:7400\"",
        "\"listen\": \"tcp://127.0.0.1:0\"",
        "\"listen\": \"tcp://127.0.0.1\"",
        "\"query_listen\": \"tcp://localhost:7710\"",
        "\"replication_listen\": \"tcp://myhost:7401\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        s_config (cfg, bad [i]);
        const char *cmds [] = { "init", "check", "" };
        for (int c = 0; c < 3; c++) {
            snprintf (args, sizeof args, "%s -c %s -d %s", cmds [c], cfg, dir);
            assert (s_licnode (args, out, sizeof out) == 2);
            assert (strstr (out, "listen \"tcp://"));      //  names the member and its value
        }
    }
    s_config (cfg, bad [0]);
    snprintf (args, sizeof args, "init -c %s -d %s", cfg, dir);
    assert (s_licnode (args, out, sizeof out) == 2);
    assert (strstr (out, "listen \"tcp://localhost:7400\": \"localhost\" is neither a numeric address"));
    //  Numeric addresses, all interfaces and an interface's name pass.
    const char *good [] = {
        "\"listen\": \"tcp://127.0.0.1:7400\"",
        "\"listen\": \"tcp://*:7400\"",
        "\"listen\": \"tcp://[::1]:7400\"",
        "\"listen\": \"tcp://lo:7400\"",
        "\"listen\": \"ipc:///tmp/licnode-x.sock\", \"query_listen\": \"tcp://127.0.0.1:7710\"",
    };
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++) {
        s_config (cfg, good [i]);
        snprintf (args, sizeof args, "init -c %s -d %s", cfg, dir);
        assert (s_licnode (args, out, sizeof out) == 0);
    }
    //  The data directory of another division: 2 as well.
    snprintf (args, sizeof args, "-d %s --division 330108 -l tcp://127.0.0.1:%d", dir, support_free_port ());
    assert (s_licnode (args, out, sizeof out) == 2 && strstr (out, "belongs to division 330106"));
}

static void
test_a_repository_in_use_says_by_whom (void)
{
    char args [2048], out [4096], pub [600], expect [64];
    snprintf (pub, sizeof pub, "%s/node.pub", s_node.dir);
    char *before = s_slurp (pub);
    snprintf (expect, sizeof expect, "is in use by PID %ld ", (long) s_node.pid);
    //  A second node, a check and an init on the running node's directory:
    //  exit 3, the PID that holds it, no advice to restore or move it.
    snprintf (args, sizeof args, "-d %s --division 330100 -l tcp://127.0.0.1:%d", s_node.dir,
              support_free_port ());
    assert (s_licnode (args, out, sizeof out) == 3);
    assert (strstr (out, expect) && strstr (out, "kill -TERM ") && !strstr (out, "restore it from backup"));
    snprintf (args, sizeof args, "check -d %s", s_node.dir);
    assert (s_licnode (args, out, sizeof out) == 3 && strstr (out, expect));
    snprintf (args, sizeof args, "init -d %s --division 330100 -l tcp://127.0.0.1:1", s_node.dir);
    assert (s_licnode (args, out, sizeof out) == 3 && strstr (out, expect));
    //  node.pub, which init and a start write, is untouched.
    char *after = s_slurp (pub);
    assert (streq (before, after));
    free (before);
    free (after);
    //  The running node still answers.
    Lic__Reply *r = NULL;
    assert (licclient_status (s_admin, &r, 10000) == ERR_OK && r->code == ERR_OK);
    codec_reply_free (&r);
}

static void
test_usage_errors_name_the_option (void)
{
    const char *licctl = support_licctl_path ();
    char cmd [2048], out [4096];
    struct { const char *args, *says; } cases [] = {
        { "log --limit 0x10", "licctl: --limit: bad value \"0x10\": --limit takes a count" },
        { "prove --seq 0", "licctl: --seq: bad value \"0\": --seq takes a log seq from 1" },
        { "get ID --at 2026-11-27", "licctl: --at: bad value \"2026-11-27\": --at takes a time: RFC 3339" },
        { "--timeout soon status", "licctl: --timeout: bad value \"soon\": --timeout takes milliseconds" },
        { "copy ID --expires 400", "licctl: --expires: bad value \"400\": --expires takes days, 1..366" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        snprintf (cmd, sizeof cmd, "%s -d %s %s 2>&1", licctl, s_node.dir, cases [i].args);
        assert (s_run (cmd, out, sizeof out) == 2);
        assert (strstr (out, cases [i].says));
    }
}

static void
test_sighup_adds_a_child_without_a_restart (void)
{
    //  A county the city does not know yet, started with the city as its
    //  parent: refused at the handshake until the city's configuration
    //  names it and the city gets a SIGHUP (no restart).
    char cdir [600], ccfg [1400], county_dir [600];
    snprintf (cdir, sizeof cdir, "%s/binjiang", s_dir);
    snprintf (county_dir, sizeof county_dir, "%s/county", s_dir);
    snprintf (ccfg, sizeof ccfg, "{ \"division\": \"330108\", \"parent\": { \"pub_file\": "
              "\"%s/node.pub\", \"endpoint\": \"tcp://127.0.0.1:%d\" } }", s_node.dir, s_repl_port);
    support_node_t county;
    memset (&county, 0, sizeof county);
    assert (support_node_start_cfg (&county, cdir, support_free_port (), "330108", ccfg) == ERR_OK);
    licclient_t *cadmin = NULL;
    support_dept_t d;
    assert (support_admin (&cadmin, &county) == ERR_OK);
    assert (support_dept_make (&d, 9, s_dir) == ERR_OK);
    assert (support_register_department (cadmin, &d) == ERR_OK);
    Lic__Reply *r = NULL;
    assert (licclient_status (cadmin, &r, 10000) == ERR_OK && r->code == ERR_OK);
    uint64_t head = r->status->head_seq;
    codec_reply_free (&r);
    assert (head > 0);
    pid_t city = s_node.pid;
    //  The city's configuration with the county added; SIGHUP.
    char cfg [1600];
    snprintf (cfg, sizeof cfg, "{ \"division\": \"330100\", \"query_listen\": \"%s\", "
              "\"replication_listen\": \"tcp://127.0.0.1:%d\", \"children\": [ "
              "{ \"pub_file\": \"%s/node.pub\" }, { \"pub_file\": \"%s/node.pub\" } ] }",
              s_query_ep, s_repl_port, county_dir, cdir);
    FILE *f = fopen (s_node.config, "w");
    assert (f);
    fputs (cfg, f);
    fclose (f);
    assert (kill (s_node.pid, SIGHUP) == 0);
    //  The county connects and its log reaches the city; the city is the
    //  same process throughout.
    uint64_t acked = 0;
    for (int i = 0; i < 200 && acked < head; i++) {
        usleep (100 * 1000);
        assert (support_status (&s_node, &r) == ERR_OK);
        acked = support_child_acked (r->status, "330108");
        codec_reply_free (&r);
    }
    assert (acked == head && s_node.pid == city && support_node_alive (&s_node));
    licclient_destroy (&cadmin);
    support_node_stop (&county, SIGTERM);
}

int
main (void)
{
    zsys_init ();
    assert (support_tmpdir (s_dir, "rough") == ERR_OK);
    char ndir [600];
    snprintf (ndir, sizeof ndir, "%s/node", s_dir);
    //  A city with a county configured (never started): the city logs a
    //  node record for it, so its log holds every kind of entry.
    char cfg [1400], cdir [600];
    snprintf (cdir, sizeof cdir, "%s/county", s_dir);
    assert (support_node_init (cdir, "330106") == ERR_OK);
    snprintf (s_query_ep, sizeof s_query_ep, "tcp://127.0.0.1:%d", support_free_port ());
    snprintf (cfg, sizeof cfg, "{ \"division\": \"330100\", \"query_listen\": \"%s\", "
              "\"replication_listen\": \"tcp://127.0.0.1:%d\", "
              "\"children\": [ { \"pub_file\": \"%s/node.pub\" } ] }",
              s_query_ep, s_repl_port = support_free_port (), cdir);
    assert (support_node_start_cfg (&s_node, ndir, support_free_port (), "330100", cfg) == ERR_OK);
    assert (support_admin (&s_admin, &s_node) == ERR_OK);
    assert (support_dept_make (&s_dept, 1, s_dir) == ERR_OK);
    assert (support_dept_make (&s_body, 2, s_dir) == ERR_OK);
    assert (support_register (s_admin, &s_dept) == ERR_OK);
    support_resident_id (s_holder, S_HOLDER);
    s_publish_one_holder ();

    test_find_comes_in_pages_that_say_more ();
    test_log_comes_in_pages_that_say_more ();
    test_catalogue_list_and_history_come_in_pages ();
    test_query_find_and_audit_come_in_pages ();
    test_licctl_says_more_and_pages_with_all ();
    test_refusals_carry_the_request_id ();
    test_as_of_a_time_everything_is_as_it_was_then ();
    test_publish_file_shows_progress_and_what_an_abort_leaves ();
    test_log_text_decodes_every_kind_of_entry ();
    test_readme_example_passes_the_shipped_catalogue ();
    test_configuration_errors_exit_2_before_start ();
    test_a_repository_in_use_says_by_whom ();
    test_usage_errors_name_the_option ();
    test_sighup_adds_a_child_without_a_restart ();

    licclient_destroy (&s_admin);
    support_node_stop (&s_node, SIGTERM);
    assert (support_node_check (&s_node) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_rough: OK\n");
    return 0;
}
