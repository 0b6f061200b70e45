/*  test_e2e_flood -- refusals without amplification (README "Bounded resources") on a real licnode (CURVE sockets,
    RocksDB, real keys): the audit log cannot be flooded.  Run plain and
    under ASan/UBSan by tests/run.sh.

    Before the fix every refused query -- garbage frames and department
    keys included -- became a node-signed, synced, replicated log entry:
    6,000 in 2 s.  Here, within a few seconds:

    - a department's key sends 5,000 frames on the client socket, half
      that do not decode and half queries (it is not an application
      body): they cost at most one aggregated audit record per key per
      window (audit_window_ms, 3 s here), whose counts add up to the
      5,000 sent;
    - an application body sends 1,000 refused queries (a matter that is
      not its own) on the query socket: the first ones are recorded one
      by one, up to audit_refusals_per_minute (60) and its refill, the
      rest (and those over its query rate, ERR_BUSY) counted in its
      aggregated record; again the counts add up;
    - a key the node does not know gets nothing through (ZAP refuses the
      handshake) and costs no record;
    - meanwhile the body's legitimate query is answered and recorded in
      its own record, and the node's status and metrics agree with the log;
    - refusals counted in a window still open when the node stops
      (SIGTERM) are written before it exits.

    Asserts counts and bounds, never speeds: the bound on aggregated
    records is computed from how long the flood took.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define S_WINDOW_MS 3000            //  the node's audit_window_ms here
#define S_REFUSALS 60               //  audit_refusals_per_minute (the default)
#define S_DEPT_FRAMES 5000          //  the department's flood
#define S_BODY_QUERIES 1000         //  the body's refused queries

static support_node_t s_node;
static support_dept_t s_d1;
static keyfile_t s_body, s_node_pub;
static char s_dir [512], s_query_ep [40];
static int s_metrics_port;
static licclient_t *s_admin;
static const char *s_matter = "330106-XK-0001";

//  A CURVE DEALER of key k to endpoint (the node's key as server)
static zsock_t *
s_dealer (const char *endpoint, const char *pk, const char *sk)
{
    zsock_t *s = zsock_new (ZMQ_DEALER);
    assert (s);
    zsock_set_curve_serverkey (s, s_node_pub.curve_pk);
    zsock_set_curve_publickey (s, pk);
    zsock_set_curve_secretkey (s, sk);
    zsock_set_linger (s, 0);
    zsock_set_sndhwm (s, 100000);
    zsock_set_rcvhwm (s, 100000);
    assert (zsock_connect (s, "%s", endpoint) == 0);
    return s;
}

//  A query request frame of id for holder/license, with matter.
static zframe_t *
s_query_frame (uint64_t id, const char *matter, const char *case_number)
{
    char holder [19], lic [LICID_BARE_MAX + 1];
    support_resident_id (holder, 1);
    support_license_id (lic, s_d1.type_code, s_d1.key.code, 1);
    Lic__Holder h = LIC__HOLDER__INIT;
    h.id_type = "111";
    h.id = holder;
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    q.kind = LIC__QUERY_KIND__QUERY_GET;
    q.matter_code = (char *) matter;
    q.staff_id = "staff-flood";
    q.case_number = (char *) case_number;
    q.purpose = "flood";
    q.license_id = lic;
    q.holder = &h;
    Lic__Request req;
    codec_request_init (&req);
    req.id = id;
    req.body_case = LIC__REQUEST__BODY_QUERY;
    req.query = &q;
    return support_request_frame (&req);
}

//  Reads the replies waiting on s (at most timeout_ms for the first),
//  counting them by code.
static int
s_drain (zsock_t *s, int timeout_ms, uint64_t codes [ERR_INTERNAL + 1])
{
    int n = 0;
    zpoller_t *p = zpoller_new (s, NULL);
    while (zpoller_wait (p, n? 0: timeout_ms)) {
        zframe_t *f = zframe_recv (s);
        if (!f)
            break;
        Lic__Reply *r = NULL;
        assert (codec_reply_decode (zframe_data (f), zframe_size (f), &r) == ERR_OK);
        assert (r->code > 0 && r->code <= ERR_INTERNAL);
        codes [r->code]++;
        codec_reply_free (&r);
        zframe_destroy (&f);
        n++;
    }
    zpoller_destroy (&p);
    return n;
}

static uint64_t
s_head (void)
{
    Lic__Reply *r = NULL;
    assert (support_status (&s_node, &r) == ERR_OK);
    uint64_t head = r->status->head_seq;
    codec_reply_free (&r);
    return head;
}

//  What the audit log says of one key since log seq `from`: records
//  written for it one by one (granted, refused), aggregated records and
//  the requests they count.
typedef struct {
    uint64_t granted, refused, aggregates, counted;
    uint64_t by_code [ERR_INTERNAL + 1];
    bool saw_case;                  //  the legitimate query's record
} s_tally_t;

static void
s_tally (const uint8_t key [32], uint64_t from, const char *legit_case, s_tally_t *t)
{
    memset (t, 0, sizeof *t);
    Lic__AuditRequest a = LIC__AUDIT_REQUEST__INIT;
    a.from_seq = from;
    a.limit = 999;
    bool more = true;
    while (more) {
        Lic__Reply *r = NULL;
        assert (licclient_audit (s_admin, &a, &r, 10000) == ERR_OK && r->code == ERR_OK);
        for (size_t i = 0; i < r->audit->n_items; i++) {
            const Lic__AuditRecord *rec = r->audit->items [i]->record;
            if (r->audit->items [i]->seq < from
            ||  rec->body_key.len != 32 || memcmp (rec->body_key.data, key, 32) != 0)
                continue;
            if (rec->count) {
                t->aggregates++;
                t->counted += rec->count;
                uint64_t sum = 0;
                for (size_t k = 0; k < rec->n_refusals; k++) {
                    sum += rec->refusals [k]->count;
                    t->by_code [rec->refusals [k]->code] += rec->refusals [k]->count;
                }
                assert (sum == rec->count);
                assert (rec->window_start_ms > 0 && rec->at_ms >= rec->window_start_ms);
            }
            else
            if (rec->code == ERR_OK) {
                t->granted++;
                t->saw_case |= legit_case && streq (rec->case_number, legit_case);
            }
            else
                t->refused++;
        }
        more = r->audit->more;
        a.from_seq = r->audit->next_seq;
        codec_reply_free (&r);
    }
}

//  The department floods the client socket: garbage and queries
static void
test_department_flood_costs_a_record_per_window (void)
{
    uint64_t head0 = s_head ();
    zsock_t *s = s_dealer (s_node.endpoint, s_d1.key.curve_pk, s_d1.key.curve_sk);
    //  Frames that do not decode, whatever their version or wire format
    const char *garbage [] = { "\xff\xff\xff\xff", "", "\x0a\x80\x80\x80\x80\x10", "\x08\x02" };
    size_t garbage_len [] = { 4, 0, 6, 2 };
    uint64_t codes [ERR_INTERNAL + 1] = { 0 };
    int replies = 0;
    int64_t t0 = zclock_mono ();
    for (int i = 0; i < S_DEPT_FRAMES; i++) {
        zframe_t *f = i % 2? s_query_frame ((uint64_t) i + 1, s_matter, "CASE-DEPT")
                           : zframe_new (garbage [i / 2 % 4], garbage_len [i / 2 % 4]);
        assert (zframe_send (&f, s, 0) == 0);
        if (i % 100 == 99)
            replies += s_drain (s, 0, codes);
    }
    //  Every frame is answered (the node read them all: a flood is not
    //  dropped, it is refused and counted)
    while (replies < S_DEPT_FRAMES) {
        int n = s_drain (s, 5000, codes);
        if (n == 0)
            break;
        replies += n;
    }
    int64_t flood_ms = zclock_mono () - t0;
    fprintf (stderr, "flood: %d frames of a department key in %" PRId64 " ms, %d replies "
             "(ERR_MALFORMED %" PRIu64 ", ERR_VERSION %" PRIu64 ", ERR_FORBIDDEN %" PRIu64
             ", ERR_BUSY %" PRIu64 ")\n", S_DEPT_FRAMES, flood_ms, replies, codes [ERR_MALFORMED],
             codes [ERR_VERSION], codes [ERR_FORBIDDEN], codes [ERR_BUSY]);
    assert (replies == S_DEPT_FRAMES);
    assert (codes [ERR_MALFORMED] + codes [ERR_VERSION] == S_DEPT_FRAMES / 2);
    assert (codes [ERR_FORBIDDEN] + codes [ERR_BUSY] == S_DEPT_FRAMES / 2);
    zsock_destroy (&s);

    //  The log: the department's refusals in aggregated records whose
    //  counts add up to what it sent, once their windows closed
    uint8_t key [32];
    zmq_z85_decode (key, s_d1.key.curve_pk);
    s_tally_t t;
    for (int tries = 0; tries < 200; tries++) {
        s_tally (key, head0 + 1, NULL, &t);
        if (t.counted >= S_DEPT_FRAMES)
            break;
        zclock_sleep (100);
    }
    uint64_t windows = (uint64_t) flood_ms / S_WINDOW_MS + 2;
    fprintf (stderr, "flood: the department's %d frames are in %" PRIu64 " aggregated records "
             "(bound %" PRIu64 "), counting %" PRIu64 "; log grew by %" PRIu64 "\n", S_DEPT_FRAMES,
             t.aggregates, windows, t.counted, s_head () - head0);
    assert (t.counted == S_DEPT_FRAMES);
    assert (t.granted == 0 && t.refused == 0);
    assert (t.aggregates >= 1 && t.aggregates <= windows);
    assert (t.by_code [ERR_MALFORMED] + t.by_code [ERR_VERSION] == S_DEPT_FRAMES / 2);
    assert (t.by_code [ERR_FORBIDDEN] == codes [ERR_FORBIDDEN]);
    assert (t.by_code [ERR_BUSY] == codes [ERR_BUSY]);
    //  Nothing else was written meanwhile
    assert (s_head () - head0 == t.aggregates);
}

//  The body floods refused queries on the query socket while asking one
//  legitimate query; an unknown key tries both sockets
static void
test_body_flood_recorded_up_to_its_rate_then_counted (void)
{
    uint64_t head0 = s_head ();
    //  A key the node does not know: the handshake fails, nothing arrives
    keyfile_t stranger;
    char code [19];
    support_credit_code (code, 7999);
    assert (keyfile_generate (&stranger, code, "stranger") == ERR_OK);
    zsock_t *x1 = s_dealer (s_node.endpoint, stranger.curve_pk, stranger.curve_sk);
    zsock_t *x2 = s_dealer (s_query_ep, stranger.curve_pk, stranger.curve_sk);
    for (int i = 0; i < 500; i++) {
        zframe_t *f = s_query_frame ((uint64_t) i + 1, s_matter, "CASE-STRANGER");
        zframe_t *g = zframe_new ("\xff\xff", 2);
        zsock_set_sndtimeo (x1, 0);
        zsock_set_sndtimeo (x2, 0);
        if (zframe_send (&f, x1, ZFRAME_DONTWAIT) != 0)
            zframe_destroy (&f);
        if (zframe_send (&g, x2, ZFRAME_DONTWAIT) != 0)
            zframe_destroy (&g);
    }

    zsock_t *s = s_dealer (s_query_ep, s_body.curve_pk, s_body.curve_sk);
    uint64_t codes [ERR_INTERNAL + 1] = { 0 };
    int replies = 0;
    int64_t t0 = zclock_mono ();
    for (int i = 0; i < S_BODY_QUERIES; i++) {
        zframe_t *f = s_query_frame ((uint64_t) i + 1, "330106-XK-9999", "CASE-BODY");
        assert (zframe_send (&f, s, 0) == 0);
        if (i % 100 == 99)
            replies += s_drain (s, 0, codes);
    }
    while (replies < S_BODY_QUERIES) {
        int n = s_drain (s, 5000, codes);
        if (n == 0)
            break;
        replies += n;
    }
    int64_t flood_ms = zclock_mono () - t0;
    assert (replies == S_BODY_QUERIES);
    assert (codes [ERR_MATTER] + codes [ERR_BUSY] == S_BODY_QUERIES);
    zsock_destroy (&s);

    //  The legitimate query, in the middle of it all: answered, and
    //  recorded in its own record before the answer left
    licclient_t *c = NULL;
    assert (licclient_open (&c, s_query_ep, s_node_pub.curve_pk, s_body.curve_pk,
                            s_body.curve_sk) == ERR_OK);
    char holder [19], lic [LICID_BARE_MAX + 1];
    support_resident_id (holder, 1);
    support_license_id (lic, s_d1.type_code, s_d1.key.code, 1);
    Lic__Holder h = LIC__HOLDER__INIT;
    h.id_type = "111";
    h.id = holder;
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    q.kind = LIC__QUERY_KIND__QUERY_GET;
    q.matter_code = (char *) s_matter;
    q.staff_id = "staff-001";
    q.case_number = "CASE-LEGIT";
    q.purpose = "核验营业执照";
    q.license_id = lic;
    q.holder = &h;
    Lic__Reply *r = NULL;
    //  Its query rate may still be spent by the flood: it retries on ERR_BUSY
    for (int tries = 0; tries < 100; tries++) {
        assert (licclient_query (c, &q, &r, 10000) == ERR_OK);
        if (r->code != ERR_BUSY)
            break;
        codec_reply_free (&r);
        zclock_sleep (50);
    }
    assert (r->code == ERR_OK && r->query->n_licenses == 1 && r->query->audit_seq > head0);
    codec_reply_free (&r);
    licclient_destroy (&c);

    //  The stranger got no answer on either socket
    zpoller_t *p = zpoller_new (x1, x2, NULL);
    assert (zpoller_wait (p, 500) == NULL);
    zpoller_destroy (&p);
    zsock_destroy (&x1);
    zsock_destroy (&x2);

    uint8_t key [32], stranger_key [32];
    zmq_z85_decode (key, s_body.curve_pk);
    zmq_z85_decode (stranger_key, stranger.curve_pk);
    s_tally_t t, tx;
    for (int tries = 0; tries < 200; tries++) {
        s_tally (key, head0 + 1, "CASE-LEGIT", &t);
        if (t.refused + t.counted >= S_BODY_QUERIES)
            break;
        zclock_sleep (100);
    }
    s_tally (stranger_key, head0 + 1, NULL, &tx);
    uint64_t windows = (uint64_t) flood_ms / S_WINDOW_MS + 2;
    //  One by one: at most the burst plus the refill over the flood
    uint64_t one_by_one = S_REFUSALS + (uint64_t) flood_ms * S_REFUSALS / 60000 + 1;
    fprintf (stderr, "flood: the body's %d refused queries: %" PRIu64 " recorded one by one "
             "(bound %" PRIu64 "), %" PRIu64 " counted in %" PRIu64 " aggregated records "
             "(bound %" PRIu64 "; ERR_MATTER %" PRIu64 ", ERR_BUSY %" PRIu64 "); log grew by %"
             PRIu64 "\n", S_BODY_QUERIES, t.refused, one_by_one, t.counted, t.aggregates, windows,
             t.by_code [ERR_MATTER], t.by_code [ERR_BUSY], s_head () - head0);
    assert (t.refused + t.counted == S_BODY_QUERIES);
    assert (t.refused >= 1 && t.refused <= one_by_one);
    assert (t.aggregates >= 1 && t.aggregates <= windows);
    assert (t.granted == 1 && t.saw_case);
    assert (tx.granted + tx.refused + tx.aggregates == 0);
    //  The log grew by these records and nothing else
    assert (s_head () - head0 == t.granted + t.refused + t.aggregates);

    //  The node's counters say the same
    assert (support_status (&s_node, &r) == ERR_OK);
    assert (r->status->queries_aggregated == S_DEPT_FRAMES + t.counted);
    assert (r->status->busy >= t.by_code [ERR_BUSY]);
    //  ... and so do the metrics (scraped every second: wait for it)
    char *text = malloc (1 << 20);
    assert (text);
    int64_t scraped = -1;
    for (int tries = 0; tries < 50 && scraped != (int64_t) r->status->queries_aggregated; tries++) {
        if (tries)
            zclock_sleep (100);
        if (support_metrics_scrape (s_metrics_port, text, 1 << 20) == ERR_OK)
            scraped = support_metric (text, "licrepo_queries_aggregated_total");
    }
    assert (scraped == (int64_t) r->status->queries_aggregated);
    assert (support_metric (text, "licrepo_busy_total") >= (int64_t) t.by_code [ERR_BUSY]);
    assert (support_metric (text, "licrepo_replies_dropped_total") >= 0);
    free (text);
    codec_reply_free (&r);
}

//  A window still open when the node stops is written before it exits
static void
test_open_window_written_at_shutdown (void)
{
    uint64_t head0 = s_head ();
    zsock_t *s = s_dealer (s_node.endpoint, s_d1.key.curve_pk, s_d1.key.curve_sk);
    for (int i = 0; i < 7; i++) {
        zframe_t *f = zframe_new ("\xff\xff\xff\xff", 4);
        assert (zframe_send (&f, s, 0) == 0);
    }
    uint64_t codes [ERR_INTERNAL + 1] = { 0 };
    int replies = 0;
    while (replies < 7 && s_drain (s, 5000, codes) > 0)
        replies = (int) codes [ERR_MALFORMED];
    assert (replies == 7);
    zsock_destroy (&s);
    //  Stopped well within the 3 s window, started again
    licclient_destroy (&s_admin);
    assert (support_node_stop (&s_node, SIGTERM) == 0);
    assert (support_node_restart (&s_node) == ERR_OK);
    assert (support_admin (&s_admin, &s_node) == ERR_OK);
    uint8_t key [32];
    zmq_z85_decode (key, s_d1.key.curve_pk);
    s_tally_t t;
    s_tally (key, head0 + 1, NULL, &t);
    fprintf (stderr, "flood: 7 frames counted in a window still open at SIGTERM: %" PRIu64
             " record(s) counting %" PRIu64 "\n", t.aggregates, t.counted);
    assert (t.aggregates == 1 && t.counted == 7 && t.by_code [ERR_MALFORMED] == 7);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "e2e-flood") == ERR_OK);
    snprintf (s_query_ep, sizeof s_query_ep, "tcp://127.0.0.1:%d", support_free_port ());
    char cfg [512], ndir [600];
    s_metrics_port = support_free_port ();
    snprintf (cfg, sizeof cfg, "{ \"query_listen\": \"%s\", \"audit_window_ms\": %d, "
              "\"metrics_listen\": \"127.0.0.1:%d\" }", s_query_ep, S_WINDOW_MS, s_metrics_port);
    snprintf (ndir, sizeof ndir, "%s/county", s_dir);
    assert (support_node_start_cfg (&s_node, ndir, support_free_port (), "330106", cfg) == ERR_OK);
    char pub [700];
    snprintf (pub, sizeof pub, "%s/node.pub", s_node.dir);
    assert (keyfile_load (&s_node_pub, pub) == ERR_OK);
    assert (support_admin (&s_admin, &s_node) == ERR_OK);
    assert (support_dept_make (&s_d1, 1, s_dir) == ERR_OK);
    assert (support_register (s_admin, &s_d1) == ERR_OK);
    licclient_t *c = NULL;
    assert (support_client (&c, &s_node, &s_d1) == ERR_OK);
    assert (support_publish (c, &s_d1, 1, 1, 0) == 1);
    licclient_destroy (&c);

    char code [19];
    support_credit_code (code, 7001);
    assert (keyfile_generate (&s_body, code, "西湖区政务服务中心") == ERR_OK);
    assert (support_register_body (s_admin, &s_body, s_d1.type_code, s_matter) == ERR_OK);

    test_department_flood_costs_a_record_per_window ();
    test_body_flood_recorded_up_to_its_rate_then_counted ();
    test_open_window_written_at_shutdown ();

    licclient_destroy (&s_admin);
    assert (support_node_stop (&s_node, SIGTERM) == 0);
    assert (support_node_check (&s_node) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_flood: all passed\n");
    return 0;
}
