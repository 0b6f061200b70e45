/*  test_e2e_query -- sharing within scope (proto/README.md section 11) on real nodes
    (county -> city -> province, real CURVE sockets, RocksDB, keys):

    - the scope matrix: each allowed combination answers, each refusal
      has its own code (type outside the business, matter outside the
      scope, no holder, each missing field, another holder's license,
      a key that is not a body, a body of another node);
    - every query, granted or refused, is in the audit log with who,
      what, why and what was returned, listed by holder for a citizen's
      question, and the records travel up to the province;
    - no answered query without its durable record: queries pipelined
      while the county is SIGKILLed, each answered audit seq is in the
      log after the restart, with that query's case number;
    - archived copies verify offline against the province's key (through
      the chain of node records) and the county's; a copy fails with a
      reason for every changed byte tried, an untrusted key and expiry;
    - hostile frames on the query socket are refused, recorded, and the
      node keeps answering.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <czmq.h>
#include <dirent.h>
#include <sys/stat.h>
#include "proto/codec.h"
#include "node/common/licjson.h"
#include "proto/lifecycle.h"
#include "replication/merkle.h"
#include "proto/seal.h"
#include "tests/support/support.h"

static support_hier_t s_h;
static support_dept_t s_d1, s_d2;
static char s_dir [512], s_query_ep [4][40];
static licclient_t *s_admin;        //  county's operator
static keyfile_t s_b1, s_b2, s_stranger;
static support_dept_t s_d3;         //  issues a type with sensitive items
static const char *s_matter = "330106-XK-0001";

#define COUNTY (&s_h.node [0])
#define PROVINCE (&s_h.node [3])

static void
s_node_key (const support_node_t *n, keyfile_t *k)
{
    char pub [600];
    snprintf (pub, sizeof pub, "%s/node.pub", n->dir);
    assert (keyfile_load (k, pub) == ERR_OK);
}

//  A client of the county's query socket with key k.
static licclient_t *
s_body_client (const keyfile_t *k, int node)
{
    keyfile_t nk;
    s_node_key (&s_h.node [node], &nk);
    licclient_t *c = NULL;
    assert (licclient_open (&c, s_query_ep [node], nk.curve_pk, k->curve_pk, k->curve_sk) == ERR_OK);
    return c;
}

static void
s_register_body (licclient_t *admin, const keyfile_t *k, const char **types, size_t n_types,
                 const char **matters, size_t n_matters)
{
    uint8_t curve [32];
    zmq_z85_decode (curve, k->curve_pk);
    Lic__AppBody b = LIC__APP_BODY__INIT;
    b.credit_code = (char *) k->code;
    b.name = (char *) k->name;
    b.curve_key.data = curve;
    b.curve_key.len = 32;
    b.license_types = (char **) types;
    b.n_license_types = n_types;
    b.matters = (char **) matters;
    b.n_matters = n_matters;
    Lic__Reply *r = NULL;
    assert (licclient_app_body (admin, &b, &r, 10000) == ERR_OK);
    if (r->code != ERR_OK)
        fprintf (stderr, "app body: %s %s\n", err_str (r->code), r->message);
    assert (r->code == ERR_OK && r->app_body->seq > 0);
    codec_reply_free (&r);
}

typedef struct {
    Lic__QueryKind kind;
    const char *matter, *staff, *case_no, *purpose;
    const char *holder;             //  NULL: none
    const char *license_id;
    int64_t at, expires_at;
} s_q_t;

//  Sends q through c; returns the node's code, *reply kept if asked.
static int
s_query (licclient_t *c, const s_q_t *q, Lic__Reply **keep)
{
    Lic__QueryRequest r = LIC__QUERY_REQUEST__INIT;
    Lic__Holder h = LIC__HOLDER__INIT;
    r.kind = q->kind;
    r.matter_code = (char *) q->matter;
    r.staff_id = (char *) q->staff;
    r.case_number = (char *) q->case_no;
    r.purpose = (char *) q->purpose;
    r.license_id = (char *) (q->license_id? q->license_id: "");
    r.at = q->at;
    r.expires_at = q->expires_at;
    if (q->holder) {
        h.id_type = "111";
        h.id = (char *) q->holder;
        r.holder = &h;
    }
    Lic__Reply *reply = NULL;
    int rc = licclient_query (c, &r, &reply, 10000);
    if (rc != ERR_OK)
        return -rc;
    int code = reply->code;
    if (code == ERR_OK) {
        assert (reply->body_case == LIC__REPLY__BODY_QUERY);
        assert (reply->query->audit_seq > 0);
    }
    else
        assert (reply->body_case == LIC__REPLY__BODY__NOT_SET);
    if (keep)
        *keep = reply;
    else
        codec_reply_free (&reply);
    return code;
}

static void
s_lic (char out [LICID_BARE_MAX + 1], const support_dept_t *d, uint32_t serial)
{
    support_license_id (out, d->type_code, d->key.code, serial);
}

static void
s_holder (char out [19], uint32_t serial)
{
    support_resident_id (out, serial);
}

static uint64_t s_queries;          //  queries sent to the county (each is audited)

// ---------------------------------------------------------------------

static void
test_scope_matrix (void)
{
    licclient_t *b1 = s_body_client (&s_b1, 0), *b2 = s_body_client (&s_b2, 0);
    char id1 [LICID_BARE_MAX + 1], id2 [LICID_BARE_MAX + 1], id_none [LICID_BARE_MAX + 1];
    char h1 [19], h2 [19], h10 [19];
    s_lic (id1, &s_d1, 1);
    s_lic (id2, &s_d2, 10);
    s_lic (id_none, &s_d1, 99);
    s_holder (h1, 1);
    s_holder (h2, 2);
    s_holder (h10, 10);
    s_q_t ok = { LIC__QUERY_KIND__QUERY_GET, s_matter, "staff-007", "CASE-0001", "开办企业核验营业执照", h1, id1, 0, 0 };
    Lic__Reply *r = NULL;

    //  Allowed: body 1 gets a license of its type, of the named holder.
    assert (s_query (b1, &ok, &r) == ERR_OK);
    s_queries++;
    assert (r->query->n_licenses == 1);
    assert (streq (r->query->licenses [0]->state->license_id, id1));
    assert (r->query->licenses [0]->effective_status == LIC__STATUS__STATUS_VALID);
    assert (r->query->licenses [0]->content_entry);
    codec_reply_free (&r);
    //  Body 2 (both types, one matter) gets the other department's license.
    s_q_t ok2 = ok;
    ok2.license_id = id2;
    ok2.holder = h10;
    assert (s_query (b2, &ok2, NULL) == ERR_OK);
    s_queries++;
    //  Find: only the holder's licenses, only of the body's types.
    s_q_t find = ok;
    find.kind = LIC__QUERY_KIND__QUERY_FIND;
    find.license_id = NULL;
    assert (s_query (b1, &find, &r) == ERR_OK);
    s_queries++;
    assert (r->query->n_licenses == 1 && streq (r->query->licenses [0]->state->license_id, id1));
    codec_reply_free (&r);
    find.holder = h10;
    assert (s_query (b1, &find, &r) == ERR_OK);     //  holder 10 has only a type-2 license
    s_queries++;
    assert (r->query->n_licenses == 0);
    codec_reply_free (&r);
    assert (s_query (b2, &find, &r) == ERR_OK);
    s_queries++;
    assert (r->query->n_licenses == 1 && streq (r->query->licenses [0]->state->license_id, id2));
    codec_reply_free (&r);

    //  Refusals, each with its own code.
    struct { s_q_t q; int body; int code; const char *what; } cases [] = {
        { { LIC__QUERY_KIND__QUERY_GET, s_matter, "s", "C", "p", h10, id2, 0, 0 }, 1, ERR_OUT_OF_SCOPE, "type outside business" },
        { { LIC__QUERY_KIND__QUERY_GET, "330106-XK-9999", "s", "C", "p", h1, id1, 0, 0 }, 1, ERR_MATTER, "matter outside scope" },
        { { LIC__QUERY_KIND__QUERY_GET, "330106-XK-0002", "s", "C", "p", h1, id1, 0, 0 }, 2, ERR_MATTER, "other body's matter" },
        { { LIC__QUERY_KIND__QUERY_FIND, s_matter, "s", "C", "p", NULL, NULL, 0, 0 }, 1, ERR_NO_HOLDER, "find without holder" },
        { { LIC__QUERY_KIND__QUERY_GET, s_matter, "s", "C", "p", NULL, id1, 0, 0 }, 1, ERR_NO_HOLDER, "get without holder" },
        { { LIC__QUERY_KIND__QUERY_GET, "", "s", "C", "p", h1, id1, 0, 0 }, 1, ERR_MISSING_FIELD, "no matter" },
        { { LIC__QUERY_KIND__QUERY_GET, s_matter, "", "C", "p", h1, id1, 0, 0 }, 1, ERR_MISSING_FIELD, "no staff" },
        { { LIC__QUERY_KIND__QUERY_GET, s_matter, "s", "", "p", h1, id1, 0, 0 }, 1, ERR_MISSING_FIELD, "no case" },
        { { LIC__QUERY_KIND__QUERY_GET, s_matter, "s", "C", "", h1, id1, 0, 0 }, 1, ERR_MISSING_FIELD, "no purpose" },
        { { LIC__QUERY_KIND__QUERY_GET, s_matter, "s", "C", "p", h1, "", 0, 0 }, 1, ERR_MISSING_FIELD, "no license id" },
        { { LIC__QUERY_KIND__QUERY_GET, s_matter, "s", "C", "p", h1, "not-an-id", 0, 0 }, 1, ERR_BAD_LICENSE_ID, "bad id" },
        { { LIC__QUERY_KIND__QUERY_GET, s_matter, "s", "C", "p", h2, id1, 0, 0 }, 1, ERR_NOT_FOUND, "another holder's license" },
        { { LIC__QUERY_KIND__QUERY_GET, s_matter, "s", "C", "p", h1, id_none, 0, 0 }, 1, ERR_NOT_FOUND, "no such license" },
        { { LIC__QUERY_KIND__QUERY_STATUS, s_matter, "s", "C", "p", h1, id1, 631152000, 0 }, 1, ERR_NOT_FOUND, "status before issue" },
        { { LIC__QUERY_KIND__QUERY_COPY, s_matter, "s", "C", "p", h1, id1, 0, 1 }, 1, ERR_BAD_FIELD, "copy already expired" },
        { { 9, s_matter, "s", "C", "p", h1, id1, 0, 0 }, 1, ERR_BAD_FIELD, "unknown kind" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        int code = s_query (cases [i].body == 1? b1: b2, &cases [i].q, &r);
        s_queries++;
        if (code != cases [i].code)
            fprintf (stderr, "case %s: got %s (%s), want %s\n", cases [i].what, err_str (code),
                     code > 0? r->message: "", err_str (cases [i].code));
        assert (code == cases [i].code);
        assert (r->message && *r->message);
        codec_reply_free (&r);
    }
    //  An over-long field is refused, and recorded cut to 256 bytes.
    {
        char long_purpose [1001];
        memset (long_purpose, 'p', 1000);
        long_purpose [1000] = 0;
        s_q_t lq = ok;
        lq.purpose = long_purpose;
        assert (s_query (b1, &lq, NULL) == ERR_BAD_FIELD);
        s_queries++;
    }
    //  Status as of a time: issue and alteration completed at 1764201600 +
    //  serial (valid to 2046-11-26); before that there was no license.
    s_q_t st = ok;
    st.kind = LIC__QUERY_KIND__QUERY_STATUS;
    st.at = 1764201600 + 1;
    assert (s_query (b1, &st, &r) == ERR_OK);
    s_queries++;
    assert (r->query->n_licenses == 1 && r->query->licenses [0]->state->version == 2);
    assert (r->query->licenses [0]->effective_status == LIC__STATUS__STATUS_VALID);
    codec_reply_free (&r);
    st.at = 1764201600;
    assert (s_query (b1, &st, NULL) == ERR_NOT_FOUND);
    s_queries++;
    st.at = 2500000000;     //  2049-03-22: after valid_to, expired then
    assert (s_query (b1, &st, &r) == ERR_OK);
    s_queries++;
    assert (r->query->licenses [0]->effective_status == LIC__STATUS__STATUS_EXPIRED);
    codec_reply_free (&r);

    //  The client socket answers a body's queries too (and records them).
    {
        keyfile_t nk;
        s_node_key (COUNTY, &nk);
        licclient_t *mc = NULL;
        assert (licclient_open (&mc, COUNTY->endpoint, nk.curve_pk, s_b1.curve_pk, s_b1.curve_sk) == ERR_OK);
        assert (s_query (mc, &ok, NULL) == ERR_OK);
        s_queries++;
        //  ... but nothing else of the operator's.
        Lic__Reply *gr = NULL;
        assert (licclient_get (mc, id1, false, &gr, 10000) == ERR_OK && gr->code == ERR_FORBIDDEN);
        codec_reply_free (&gr);
        licclient_destroy (&mc);
    }
    //  A department's key is not an application body's: refused at the
    //  query socket's handshake, and per message on the client socket
    //  (where it may publish), recorded there.
    licclient_t *dc = s_body_client (&s_d1.key, 0);
    Lic__QueryRequest dq = LIC__QUERY_REQUEST__INIT;
    assert (licclient_query (dc, &dq, &r, 5000) == ERR_FORBIDDEN);
    licclient_destroy (&dc);
    assert (support_client (&dc, COUNTY, &s_d1) == ERR_OK);
    assert (s_query (dc, &ok, NULL) == ERR_FORBIDDEN);
    s_queries++;
    licclient_destroy (&dc);
    //  A key the node does not know is refused by ZAP: no answer at all.
    licclient_t *sc = s_body_client (&s_stranger, 0);
    Lic__QueryRequest qr = LIC__QUERY_REQUEST__INIT;
    assert (licclient_query (sc, &qr, &r, 5000) == ERR_FORBIDDEN);    //  refused at the handshake
    licclient_destroy (&sc);
    //  A body registered at the county is not served at the province.
    licclient_t *pc = s_body_client (&s_b1, 3);
    assert (licclient_query (pc, &qr, &r, 5000) == ERR_FORBIDDEN);
    licclient_destroy (&pc);
    licclient_destroy (&b1);
    licclient_destroy (&b2);
}

//  The queries an audit listing accounts for: one per record, or the
//  count of an aggregated one (README "Bounded resources").
static uint64_t
s_recorded (const Lic__AuditResult *res, const char *origin)
{
    uint64_t n = 0;
    for (size_t i = 0; i < res->n_items; i++)
        if (!origin || streq (res->items [i]->origin_division, origin))
            n += res->items [i]->record->count? res->items [i]->record->count: 1;
    return n;
}

//  The audit log holds every query sent so far, each with its verdict:
//  granted ones and a body's refusals one by one, the 4 frames that did
//  not decode and the department's query counted in their keys'
//  aggregated records (written when the county's 500 ms window closes).
static void
test_audit_log_is_complete (void)
{
    Lic__AuditRequest a = LIC__AUDIT_REQUEST__INIT;
    a.limit = 999;
    Lic__Reply *r = NULL;
    for (int tries = 0; tries < 100; tries++) {
        assert (licclient_audit (s_admin, &a, &r, 10000) == ERR_OK && r->code == ERR_OK);
        if (s_recorded (r->audit, NULL) == s_queries)
            break;
        codec_reply_free (&r);
        zclock_sleep (100);
    }
    if (!r || s_recorded (r->audit, NULL) != s_queries)
        fprintf (stderr, "audit: %" PRIu64 " recorded, %" PRIu64 " queries\n",
                 r? s_recorded (r->audit, NULL): 0, s_queries);
    assert (r && s_recorded (r->audit, NULL) == s_queries);
    size_t refused = 0, granted = 0, cut = 0, aggregated = 0, aggregates = 0;
    for (size_t i = 0; i < r->audit->n_items; i++) {
        const Lic__AuditRecord *rec = r->audit->items [i]->record;
        if (rec->count) {
            //  One key's refusals of one window: who, when, how many of what
            aggregates++;
            aggregated += rec->count;
            assert (rec->body_key.len == 32 && rec->window_start_ms > 0);
            assert (rec->at_ms >= rec->window_start_ms && *rec->message);
            uint32_t sum = 0;
            for (size_t k = 0; k < rec->n_refusals; k++)
                sum += rec->refusals [k]->count;
            assert (sum == rec->count);
            if (streq (rec->body_code, s_b1.code))
                assert (rec->count == 4);       //  the frames that did not decode
            else {
                assert (streq (rec->body_code, "") && rec->count == 1);
                assert (rec->n_refusals == 1 && rec->refusals [0]->code == ERR_FORBIDDEN);
            }
            continue;
        }
        assert (strlen (rec->purpose) <= 256);
        cut += strlen (rec->purpose) == 256;
        assert (streq (r->audit->items [i]->origin_division, "330106"));
        assert (rec->at_ms > 0);
        if (rec->code == ERR_OK) {
            granted++;
            assert (*rec->body_code && *rec->staff_id && *rec->case_number && *rec->purpose);
        }
        else {
            refused++;
            assert (*rec->message);
        }
    }
    assert (granted > 0 && refused > 0 && cut == 1);
    assert (aggregates == 2 && aggregated == 5);
    codec_reply_free (&r);
    //  The node's counters say the same (status and metrics).
    assert (support_status (COUNTY, &r) == ERR_OK);
    assert (r->status->queries_granted == granted);
    assert (r->status->queries_refused == refused + aggregated);
    assert (r->status->queries_aggregated == aggregated);
    codec_reply_free (&r);
    //  A citizen's question: who looked at holder 1's licenses, and why.
    char h1 [19], id1 [LICID_BARE_MAX + 1];
    s_holder (h1, 1);
    s_lic (id1, &s_d1, 1);
    a.holder_id = h1;
    assert (licclient_audit (s_admin, &a, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (r->audit->n_items > 3);
    //  The holder's report: the probe that named holder 2 for holder 1's
    //  license is in holder 1's report too.
    char h2 [19];
    s_holder (h2, 2);
    bool saw_get = false, saw_probe = false;
    for (size_t i = 0; i < r->audit->n_items; i++) {
        const Lic__AuditRecord *rec = r->audit->items [i]->record;
        assert (streq (rec->holder_id, h1) || streq (rec->license_id, id1));
        saw_probe |= streq (rec->holder_id, h2) && streq (rec->license_id, id1)
                  && rec->code == ERR_NOT_FOUND;
        if (rec->code == ERR_OK && rec->kind == LIC__QUERY_KIND__QUERY_GET) {
            assert (streq (rec->body_code, s_b1.code) && streq (rec->matter_code, s_matter));
            assert (rec->n_returned == 1 && streq (rec->returned [0], id1));
            saw_get |= streq (rec->case_number, "CASE-0001") && streq (rec->staff_id, "staff-007")
                    && streq (rec->purpose, "开办企业核验营业执照");
        }
    }
    assert (saw_get && saw_probe);
    codec_reply_free (&r);
    //  Only the operator reads the audit log.
    licclient_t *b1 = s_body_client (&s_b1, 0);
    Lic__AuditRequest all = LIC__AUDIT_REQUEST__INIT;
    assert (licclient_audit (b1, &all, &r, 10000) == ERR_OK && r->code == ERR_FORBIDDEN);
    codec_reply_free (&r);
    licclient_destroy (&b1);
}

//  The county's audit records reach the province (supervision).
static void
test_audit_travels_up (void)
{
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    licclient_t *pa = NULL;
    assert (support_admin (&pa, PROVINCE) == ERR_OK);
    Lic__AuditRequest a = LIC__AUDIT_REQUEST__INIT;
    a.limit = 999;
    Lic__Reply *r = NULL;
    assert (licclient_audit (pa, &a, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (s_recorded (r->audit, "330106") >= s_queries);
    codec_reply_free (&r);
    licclient_destroy (&pa);
}

static int
s_copy (licclient_t *c, uint32_t serial, int64_t expires_at, uint8_t **copy, size_t *len)
{
    char id [LICID_BARE_MAX + 1], h [19];
    s_lic (id, &s_d1, serial);
    s_holder (h, serial);
    s_q_t q = { LIC__QUERY_KIND__QUERY_COPY, s_matter, "staff-007", "CASE-COPY", "归档", h, id, 0, expires_at };
    Lic__Reply *r = NULL;
    int code = s_query (c, &q, &r);
    s_queries++;
    if (code == ERR_OK) {
        *len = r->query->copy.len;
        *copy = malloc (*len);
        memcpy (*copy, r->query->copy.data, *len);
    }
    codec_reply_free (&r);
    return code;
}

//  env: body signed with k's key into sig (env borrows body, sig and k).
static void
s_sign_envelope (Lic__Envelope *env, uint8_t *body, size_t len, uint8_t sig [64], keyfile_t *k)
{
    seal_sign (sig, body, len, k->sign_sk);
    codec_envelope_init (env);
    env->body.data = body;
    env->body.len = len;
    env->signature.data = sig;
    env->signature.len = 64;
    env->key_id.data = k->sign_pk;
    env->key_id.len = 32;
}

static void
test_copies_verify_offline (void)
{
    licclient_t *b1 = s_body_client (&s_b1, 0);
    uint8_t *copy;
    size_t len;
    int64_t now = (int64_t) time (NULL), expires = now + 7 * 86400;
    assert (s_copy (b1, 1, expires, &copy, &len) == ERR_OK);
    keyfile_t county, province, city;
    s_node_key (COUNTY, &county);
    s_node_key (PROVINCE, &province);
    s_node_key (&s_h.node [2], &city);
    licclient_copy_t c;
    char why [512];
    //  Trusting the province alone: the chain county <- city <- province.
    int rc = licclient_verify_copy (copy, len, (const uint8_t (*) [32]) province.sign_pk, 1, now, &c,
                                    why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "verify: %s %s\n", err_str (rc), why);
    assert (rc == ERR_OK);
    char id1 [LICID_BARE_MAX + 1];
    s_lic (id1, &s_d1, 1);
    assert (streq (c.license_id, id1) && c.status == LIC__STATUS__STATUS_VALID && c.version == 2);
    assert (c.events == 2 && streq (c.maker_code, s_b1.code) && streq (c.matter_code, s_matter));
    assert (streq (c.case_number, "CASE-COPY") && c.expires_at == expires && streq (c.division, "330106"));
    assert (streq (c.issuer, s_d1.key.code));
    //  Trusting the county or the city works too; a stranger's key does not.
    assert (licclient_verify_copy (copy, len, (const uint8_t (*) [32]) county.sign_pk, 1, now, &c, why, sizeof why) == ERR_OK);
    assert (licclient_verify_copy (copy, len, (const uint8_t (*) [32]) city.sign_pk, 1, now, &c, why, sizeof why) == ERR_OK);
    assert (licclient_verify_copy (copy, len, (const uint8_t (*) [32]) s_stranger.sign_pk, 1, now, &c, why, sizeof why) == ERR_UNKNOWN_KEY);
    //  A county cannot vouch for a key of a node above it: a statement
    //  signed by a key the county "records" as the province's is refused
    //  (GB/T 2260: 330000 is not under 330106), and so is one whose record
    //  names another parent than its signer.
    {
        char path [600];
        keyfile_t county_sk, fake;
        snprintf (path, sizeof path, "%s/node.key", COUNTY->dir);
        assert (keyfile_load (&county_sk, path) == ERR_OK && county_sk.has_secret);
        assert (keyfile_generate (&fake, "330000", "forger") == ERR_OK);
        const char *claims [2][2] = { { "330000", "330106" }, { "330109", "330100" } };
        for (int k = 0; k < 2; k++) {
            Lic__LicenseCopy *lc = NULL;
            Lic__CopyContent *cc = NULL;
            Lic__CopyStatement *st = NULL;
            assert (codec_license_copy_decode (copy, len, &lc) == ERR_OK);
            assert (codec_copy_content_decode (lc->content.data, lc->content.len, &cc) == ERR_OK);
            assert (codec_copy_statement_decode (lc->statement->body.data, lc->statement->body.len, &st) == ERR_OK);
            //  The forged record, signed by the (trusted) county key.
            Lic__NodeRecord rec;
            codec_node_record_init (&rec);
            rec.division = (char *) claims [k][0];
            rec.parent_division = (char *) claims [k][1];
            rec.sign_key.data = fake.sign_pk;
            rec.sign_key.len = 32;
            uint8_t *rb, rsig [64], *content, *sb, ssig [64], *file;
            size_t rl, cl, sl, fl;
            assert (codec_node_record_encode (&rec, &rb, &rl) == ERR_OK);
            Lic__Envelope renv;
            s_sign_envelope (&renv, rb, rl, rsig, &county_sk);
            Lic__Envelope **chain = calloc (cc->n_node_chain + 1, sizeof *chain);
            memcpy (chain, cc->node_chain, cc->n_node_chain * sizeof *chain);
            chain [cc->n_node_chain] = &renv;
            Lic__Envelope **saved = cc->node_chain;
            cc->node_chain = chain;
            cc->n_node_chain++;
            assert (codec_copy_content_encode (cc, &content, &cl) == ERR_OK);
            cc->n_node_chain--;
            cc->node_chain = saved;
            free (chain);
            //  The statement, now "made" by the forged node.
            uint8_t digest [32];
            seal_hash (digest, content, cl, NULL, 0);
            memcpy (st->content_digest.data, digest, 32);
            char *div = st->division;
            st->division = (char *) claims [k][0];
            assert (codec_copy_statement_encode (st, &sb, &sl) == ERR_OK);
            st->division = div;
            Lic__Envelope senv;
            s_sign_envelope (&senv, sb, sl, ssig, &fake);
            Lic__LicenseCopy out;
            codec_license_copy_init (&out);
            out.content.data = content;
            out.content.len = cl;
            out.statement = &senv;
            assert (codec_license_copy_encode (&out, &file, &fl) == ERR_OK);
            why [0] = 0;
            rc = licclient_verify_copy (file, fl, (const uint8_t (*) [32]) province.sign_pk, 1, now, &c,
                                        why, sizeof why);
            if (rc != ERR_UNKNOWN_KEY)
                fprintf (stderr, "forged chain %s<-%s: %s %s\n", claims [k][0], claims [k][1], err_str (rc), why);
            assert (rc == ERR_UNKNOWN_KEY);
            free (rb);
            free (content);
            free (sb);
            free (file);
            codec_copy_statement_free (&st);
            codec_copy_content_free (&cc);
            codec_license_copy_free (&lc);
        }
        keyfile_wipe (&county_sk);
        keyfile_wipe (&fake);
    }
    //  Expired: the same file a second after its expiry.
    assert (licclient_verify_copy (copy, len, (const uint8_t (*) [32]) province.sign_pk, 1, expires, &c, why, sizeof why) == ERR_EXPIRED);
    //  Said with dates in UTC+8, as licctl prints times.
    char until [LIFECYCLE_TIME_SIZE], expect [128];
    lifecycle_time_text (expires, until);
    snprintf (expect, sizeof expect, "the copy expired at %s (now %s)", until, until);
    assert (strstr (why, expect) && strstr (until, "+08:00"));
    //  Any changed byte fails, with a reason: every byte of the file, one
    //  bit each (three different bits across the positions).
    size_t failed = 0;
    for (size_t i = 0; i < len; i++) {
        copy [i] ^= (uint8_t) (1u << (i % 3 * 3));
        why [0] = 0;
        rc = licclient_verify_copy (copy, len, (const uint8_t (*) [32]) province.sign_pk, 1, now, &c, why, sizeof why);
        copy [i] ^= (uint8_t) (1u << (i % 3 * 3));
        if (rc != ERR_OK && *why)
            failed++;
        else
            fprintf (stderr, "byte %zu changed and the copy still verified\n", i);
    }
    assert (failed == len);
    //  Truncated and extended files fail as well.
    assert (licclient_verify_copy (copy, len - 1, (const uint8_t (*) [32]) province.sign_pk, 1, now, &c, why, sizeof why) != ERR_OK);
    uint8_t *longer = malloc (len + 2);
    memcpy (longer, copy, len);
    longer [len] = 0x08;
    longer [len + 1] = 0x01;
    assert (licclient_verify_copy (longer, len + 2, (const uint8_t (*) [32]) province.sign_pk, 1, now, &c, why, sizeof why) != ERR_OK);
    free (longer);
    //  The same through licctl, as an application body would check a file:
    //  exit 0 with the province's node.pub as trust, 1 once a byte changed.
    char path [600], licctl [1024], cmd [2400];
    snprintf (path, sizeof path, "%s/license.copy", s_dir);
    snprintf (licctl, sizeof licctl, "%s", support_licnode_path ());
    char *slash = strrchr (licctl, '/');
    snprintf (slash? slash + 1: licctl, sizeof licctl - (size_t) (slash? slash + 1 - licctl: 0), "licctl");
    FILE *f = fopen (path, "wb");
    assert (f && fwrite (copy, 1, len, f) == len && fclose (f) == 0);
    snprintf (cmd, sizeof cmd, "%s verify %s --trust %s/node.pub > /dev/null", licctl, path, PROVINCE->dir);
    int rc2 = system (cmd);
    assert (WIFEXITED (rc2) && WEXITSTATUS (rc2) == 0);
    copy [len / 2] ^= 0x10;
    f = fopen (path, "wb");
    assert (f && fwrite (copy, 1, len, f) == len && fclose (f) == 0);
    snprintf (cmd, sizeof cmd, "%s verify %s --trust %s/node.pub 2> /dev/null", licctl, path, PROVINCE->dir);
    rc2 = system (cmd);
    assert (WIFEXITED (rc2) && WEXITSTATUS (rc2) == 1);
    free (copy);
    licclient_destroy (&b1);
}

//  Hostile frames on the query socket: refused, recorded, node serves on.
static void
test_hostile_frames (void)
{
    keyfile_t nk;
    s_node_key (COUNTY, &nk);
    zsock_t *s = zsock_new (ZMQ_DEALER);
    zsock_set_curve_serverkey (s, nk.curve_pk);
    zsock_set_curve_publickey (s, s_b1.curve_pk);
    zsock_set_curve_secretkey (s, s_b1.curve_sk);
    zsock_set_rcvtimeo (s, 5000);
    zsock_set_linger (s, 0);
    assert (zsock_connect (s, "%s", s_query_ep [0]) == 0);
    const char *frames [] = { "", "\xff\xff\xff\xff", "\x08\x01\x12\x05hello", "\x0a\x80\x80\x80\x80\x10" };
    size_t lens [] = { 0, 4, 9, 6 };
    for (int i = 0; i < 4; i++) {
        zframe_t *f = zframe_new (frames [i], lens [i]);
        assert (zframe_send (&f, s, 0) == 0);
        zframe_t *rf = zframe_recv (s);
        assert (rf);
        Lic__Reply *r = NULL;
        assert (codec_reply_decode (zframe_data (rf), zframe_size (rf), &r) == ERR_OK);
        assert (r->code == ERR_MALFORMED || r->code == ERR_VERSION);
        codec_reply_free (&r);
        zframe_destroy (&rf);
        s_queries++;
    }
    //  A publish on the query socket is not a query.
    Lic__Request req;
    codec_request_init (&req);
    Lic__StatusRequest sr = LIC__STATUS_REQUEST__INIT;
    req.body_case = LIC__REQUEST__BODY_STATUS;
    req.status = &sr;
    req.id = 7;
    uint8_t *buf;
    size_t blen;
    assert (codec_request_encode (&req, &buf, &blen) == ERR_OK);
    zframe_t *f = zframe_new (buf, blen);
    free (buf);
    assert (zframe_send (&f, s, 0) == 0);
    zframe_t *rf = zframe_recv (s);
    Lic__Reply *r = NULL;
    assert (rf && codec_reply_decode (zframe_data (rf), zframe_size (rf), &r) == ERR_OK);
    assert (r->code == ERR_FORBIDDEN && r->id == 7);
    codec_reply_free (&r);
    zframe_destroy (&rf);
    s_queries++;
    //  An oversized frame is refused by the socket itself (ZMQ_MAXMSGSIZE):
    //  the connection drops, the node lives on.
    zchunk_t *big = zchunk_new (NULL, 2 * 1024 * 1024);
    zchunk_fill (big, 0x41, 2 * 1024 * 1024);
    f = zframe_new (zchunk_data (big), zchunk_size (big));
    zchunk_destroy (&big);
    zframe_send (&f, s, 0);
    zsock_destroy (&s);
    assert (support_node_alive (COUNTY));
    licclient_t *b1 = s_body_client (&s_b1, 0);
    char id1 [LICID_BARE_MAX + 1], h1 [19];
    s_lic (id1, &s_d1, 1);
    s_holder (h1, 1);
    s_q_t ok = { LIC__QUERY_KIND__QUERY_GET, s_matter, "staff-007", "CASE-AFTER", "p", h1, id1, 0, 0 };
    assert (s_query (b1, &ok, NULL) == ERR_OK);
    s_queries++;
    licclient_destroy (&b1);
}

//  Queries pipelined while the county is SIGKILLed: every answered query
//  has its durable audit record, with its own case number, afterwards.
static void
test_no_answer_without_record_across_kill (void)
{
    licclient_t *b1 = s_body_client (&s_b1, 0);
    char id1 [LICID_BARE_MAX + 1], h1 [19];
    s_lic (id1, &s_d1, 1);
    s_holder (h1, 1);
    enum { N = 3000 };
    static char cases [N][24];
    static uint64_t answered [N];
    uint64_t reqid [N];
    int sent = 0, got = 0, killed_at = -1;
    memset (answered, 0, sizeof answered);
    while (got < N) {
        while (sent < N && sent - got < 64) {
            snprintf (cases [sent], sizeof cases [sent], "KILL-%05d", sent);
            Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
            Lic__Holder h = LIC__HOLDER__INIT;
            h.id_type = "111";
            h.id = h1;
            q.kind = LIC__QUERY_KIND__QUERY_GET;
            q.matter_code = (char *) s_matter;
            q.staff_id = "staff-kill";
            q.case_number = cases [sent];
            q.purpose = "p";
            q.license_id = id1;
            q.holder = &h;
            Lic__Request req;
            codec_request_init (&req);
            req.body_case = LIC__REQUEST__BODY_QUERY;
            req.query = &q;
            assert (licclient_send (b1, &req, &reqid [sent]) == ERR_OK);
            sent++;
        }
        Lic__Reply *r = NULL;
        if (licclient_recv (b1, &r, 3000) != ERR_OK)
            break;              //  the node is gone: the rest is unanswered
        for (int i = 0; i < sent; i++)
            if (reqid [i] == r->id && r->code == ERR_OK)
                answered [i] = r->query->audit_seq;
        codec_reply_free (&r);
        got++;
        if (got == N / 3 && killed_at < 0) {
            killed_at = got;
            kill (COUNTY->pid, SIGKILL);
        }
    }
    licclient_destroy (&b1);
    support_node_stop (COUNTY, SIGKILL);
    assert (support_node_restart (COUNTY) == ERR_OK);
    licclient_destroy (&s_admin);
    assert (support_admin (&s_admin, COUNTY) == ERR_OK);
    int checked = 0;
    for (int i = 0; i < N; i++) {
        if (!answered [i])
            continue;
        Lic__Reply *r = NULL;
        assert (licclient_log (s_admin, answered [i], 1, &r, 10000) == ERR_OK && r->code == ERR_OK);
        assert (r->entries->n_entries == 1);
        const Lic__LogEntry *e = r->entries->entries [0];
        assert (e->seq == answered [i] && e->kind == LIC__ENTRY_KIND__ENTRY_AUDIT);
        Lic__AuditRecord *rec = NULL;
        assert (codec_audit_record_decode (e->envelope->body.data, e->envelope->body.len, &rec) == ERR_OK);
        assert (streq (rec->case_number, cases [i]) && rec->code == ERR_OK);
        codec_audit_record_free (&rec);
        codec_reply_free (&r);
        checked++;
    }
    fprintf (stderr, "kill: %d queries answered before SIGKILL, each with its durable record\n", checked);
    assert (checked >= N / 3);
}

// ---------------------------------------------------------------------
//  Sensitive items: masked answers verify; secret values stay at the county

static const char *s_secret_value = "配方编号XK7731机密工艺";
static const char *s_personal_value = "手机13905710001";
static const char *s_commercial_value = "年销售额8765万元";

static Lic__LicenseType *
s_sensitive_type (void)
{
    static Lic__ItemSpec specs [4];
    static Lic__ItemSpec *sp [4];
    static Lic__LicenseType t;
    static char body [19];
    const char *names [] = { "capital", "contact", "name", "recipe" };
    Lic__Sensitivity sens [] = { LIC__SENSITIVITY__SENS_COMMERCIAL, LIC__SENSITIVITY__SENS_PERSONAL,
                                 LIC__SENSITIVITY__SENS_PUBLIC, LIC__SENSITIVITY__SENS_SECRET };
    for (int i = 0; i < 4; i++) {
        lic__item_spec__init (&specs [i]);
        specs [i].name = (char *) names [i];
        specs [i].label = (char *) names [i];
        specs [i].kind = LIC__ITEM_KIND__KIND_STRING;
        specs [i].required = true;
        specs [i].max_length = 64;
        specs [i].sensitivity = sens [i];
        sp [i] = &specs [i];
    }
    codec_license_type_init (&t);
    snprintf (body, sizeof body, "%.18s", s_d3.type_code);
    t.type_code = s_d3.type_code;
    t.name = "食品生产许可证";
    t.defining_body = body;
    t.items = sp;
    t.n_items = 4;
    return &t;
}

//  Publishes license serial of d3 with its sensitive items sealed.
static void
s_publish_sensitive (licclient_t *c, uint32_t serial)
{
    char id [LICID_BARE_MAX + 1], h [19], json [2048], why [256];
    s_lic (id, &s_d3, serial);
    s_holder (h, serial);
    snprintf (json, sizeof json,
        "{\"op\":\"issue\",\"license_id\":\"%s\",\"expected_version\":0,\"issuer_code\":\"%s\","
        "\"completed_at\":1764201600,\"license\":{\"name\":\"食品生产许可证\","
        "\"holder\":{\"id_type\":\"111\",\"id\":\"%s\",\"name\":\"王五\"},"
        "\"issue_date\":\"2026-11-27\",\"valid_from\":\"2026-11-27\",\"valid_to\":\"2031-11-26\","
        "\"division_code\":\"330106\",\"items\":{\"capital\":\"%s\",\"contact\":\"%s\","
        "\"name\":\"杭州秘方食品有限公司\",\"recipe\":\"%s\"}}}",
        id, s_d3.key.code, h, s_commercial_value, s_personal_value, s_secret_value);
    Lic__Event *ev = NULL;
    assert (licjson_event_from_json (json, &ev, why, sizeof why) == ERR_OK);
    Lic__Disclosure **d = NULL;
    size_t nd = 0;
    assert (licclient_seal_items (ev->content, s_sensitive_type (), &d, &nd) == ERR_OK && nd == 3);
    uint8_t *body, sig [64];
    size_t len;
    assert (licclient_sign (ev, s_d3.key.sign_sk, s_d3.key.sign_pk, &body, &len, sig) == ERR_OK);
    codec_event_free (&ev);
    int code = -1;
    assert (licclient_publish_disclosed (c, body, len, sig, s_d3.key.sign_pk, d, nd, NULL, NULL,
                                         &code, why, sizeof why, 10000) == ERR_OK);
    if (code != ERR_OK)
        fprintf (stderr, "sensitive publish: %s %s\n", err_str (code), why);
    assert (code == ERR_OK);
    free (body);
    licclient_disclosures_free (&d, nd);
}

//  Value of item name in ql's state ("" if masked), and whether masked.
static const char *
s_item (const Lic__QueryLicense *ql, const char *name, bool *masked)
{
    *masked = false;
    for (size_t i = 0; i < ql->n_masked; i++)
        *masked |= streq (ql->masked [i], name);
    for (size_t i = 0; i < ql->state->content->n_items; i++)
        if (streq (ql->state->content->items [i]->name, name))
            return ql->state->content->items [i]->value;
    return NULL;
}

//  The answer's content entry verifies against the department's key, and
//  each disclosed value against the digest in the signed body.
static void
s_answer_verifies (const Lic__QueryLicense *ql, size_t want_disclosed)
{
    const Lic__Envelope *env = ql->content_entry->envelope;
    assert (memcmp (env->key_id.data, s_d3.key.sign_pk, 32) == 0);
    assert (seal_verify (env->signature.data, env->body.data, env->body.len, env->key_id.data) == ERR_OK);
    Lic__Event *ev = NULL;
    assert (codec_event_decode (env->body.data, env->body.len, &ev) == ERR_OK);
    assert (env->n_disclosures == want_disclosed);
    for (size_t i = 0; i < env->n_disclosures; i++) {
        const Lic__Disclosure *d = env->disclosures [i];
        uint8_t digest [32];
        seal_item_digest (digest, d->salt.data, d->salt.len, d->name, d->value);
        bool found = false;
        for (size_t j = 0; j < ev->content->n_items; j++)
            if (streq (ev->content->items [j]->name, d->name)) {
                assert (ev->content->items [j]->digest.len == 32);
                assert (memcmp (ev->content->items [j]->digest.data, digest, 32) == 0);
                assert (*ev->content->items [j]->value == 0);     //  never in clear in the body
                found = true;
            }
        assert (found);
    }
    codec_event_free (&ev);
}

//  True if any file under dir holds the bytes of needle.
static bool
s_tree_contains (const char *dir, const char *needle)
{
    DIR *d = opendir (dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    size_t nl = strlen (needle);
    while (!found && (de = readdir (d))) {
        if (streq (de->d_name, ".") || streq (de->d_name, ".."))
            continue;
        char path [1024];
        struct stat st;
        snprintf (path, sizeof path, "%s/%s", dir, de->d_name);
        if (lstat (path, &st) != 0)
            continue;
        if (S_ISDIR (st.st_mode))
            found = s_tree_contains (path, needle);
        else
        if (S_ISREG (st.st_mode) && st.st_size > 0) {
            zchunk_t *c = zchunk_slurp (path, 0);
            found = c && memmem (zchunk_data (c), zchunk_size (c), needle, nl) != NULL;
            zchunk_destroy (&c);
        }
    }
    closedir (d);
    return found;
}

//  Leaves without disclosures (proto/FORMAT.md): an inclusion proof of an event with personal and
//  commercial items carries neither value (the leaf is the entry without
//  its disclosures; the salted digests in the signed body bind them), and
//  it verifies against the node's root.
static void
s_proof_discloses_nothing (const char *id)
{
    Lic__Reply *r = NULL;
    assert (licclient_get (s_admin, id, false, &r, 10000) == ERR_OK && r->code == ERR_OK);
    uint64_t seq = r->license->state->last_seq;
    codec_reply_free (&r);
    //  The log entry itself holds the disclosed values (so this can fail).
    Lic__Request req = LIC__REQUEST__INIT;
    Lic__LogRequest lr = LIC__LOG_REQUEST__INIT;
    lr.from_seq = seq;
    lr.limit = 1;
    req.body_case = LIC__REQUEST__BODY_LOG;
    req.log = &lr;
    assert (licclient_call (s_admin, &req, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (r->entries->n_entries == 1 && r->entries->entries [0]->envelope->n_disclosures == 2);
    codec_reply_free (&r);
    for (int tries = 0; tries < 100; tries++) {     //  until a checkpoint covers seq
        assert (licclient_prove (s_admin, seq, 0, 0, &r, 10000) == ERR_OK);
        if (r->code == ERR_OK && r->proof->size >= seq)
            break;
        codec_reply_free (&r);
        zclock_sleep (100);
    }
    assert (r && r->code == ERR_OK);
    const Lic__ProofResult *p = r->proof;
    const char *values [2] = { s_personal_value, s_commercial_value };
    for (int i = 0; i < 2; i++)
        assert (!memmem (p->leaf.data, p->leaf.len, values [i], strlen (values [i])));
    Lic__LogEntry *e = NULL;
    assert (codec_entry_decode (p->leaf.data, p->leaf.len, &e) == ERR_OK);
    assert (e->seq == seq && e->envelope->n_disclosures == 0);
    codec_entry_free (&e);
    uint8_t leaf [32], path [64][32];
    merkle_leaf_hash (leaf, p->leaf.data, p->leaf.len);
    assert (p->n_inclusion <= 64);
    for (size_t i = 0; i < p->n_inclusion; i++)
        memcpy (path [i], p->inclusion [i].data, 32);
    assert (merkle_verify_inclusion (leaf, seq - 1, p->size, (const uint8_t (*) [32]) path,
                                     p->n_inclusion, p->root.data) == ERR_OK);
    codec_reply_free (&r);
}

static void
test_sensitive_items (void)
{
    assert (support_dept_make (&s_d3, 3, s_dir) == ERR_OK);
    assert (support_register (s_admin, &s_d3) == ERR_OK);
    assert (support_catalogue_put (s_admin, s_sensitive_type ()) == ERR_OK);
    licclient_t *c3 = NULL;
    assert (support_client (&c3, COUNTY, &s_d3) == ERR_OK);
    s_publish_sensitive (c3, 30);
    licclient_destroy (&c3);
    //  Three bodies: no clearance, personal, everything; one at the province.
    keyfile_t none, personal, all, prov_all;
    char code [19];
    support_credit_code (code, 7011);
    assert (keyfile_generate (&none, code, "无密级窗口") == ERR_OK);
    support_credit_code (code, 7012);
    assert (keyfile_generate (&personal, code, "个人信息授权窗口") == ERR_OK);
    support_credit_code (code, 7013);
    assert (keyfile_generate (&all, code, "全授权窗口") == ERR_OK);
    support_credit_code (code, 7014);
    assert (keyfile_generate (&prov_all, code, "省级全授权窗口") == ERR_OK);
    const char *t3 [] = { s_d3.type_code }, *m [] = { s_matter };
    s_register_body (s_admin, &none, t3, 1, m, 1);
    Lic__AppBody b = LIC__APP_BODY__INIT;
    uint8_t curve [32];
    Lic__Sensitivity cl_personal [] = { LIC__SENSITIVITY__SENS_PERSONAL };
    Lic__Sensitivity cl_all [] = { LIC__SENSITIVITY__SENS_PERSONAL, LIC__SENSITIVITY__SENS_COMMERCIAL,
                                   LIC__SENSITIVITY__SENS_SECRET };
    struct { keyfile_t *k; Lic__Sensitivity *cl; size_t n; int node; } regs [] = {
        { &personal, cl_personal, 1, 0 }, { &all, cl_all, 3, 0 }, { &prov_all, cl_all, 3, 3 } };
    for (int i = 0; i < 3; i++) {
        zmq_z85_decode (curve, regs [i].k->curve_pk);
        b.credit_code = regs [i].k->code;
        b.name = regs [i].k->name;
        b.curve_key.data = curve;
        b.curve_key.len = 32;
        b.license_types = (char **) t3;
        b.n_license_types = 1;
        b.matters = (char **) m;
        b.n_matters = 1;
        b.clearance = regs [i].cl;
        b.n_clearance = regs [i].n;
        licclient_t *adm = NULL;
        assert (support_admin (&adm, &s_h.node [regs [i].node]) == ERR_OK);
        Lic__Reply *r = NULL;
        assert (licclient_app_body (adm, &b, &r, 10000) == ERR_OK && r->code == ERR_OK);
        codec_reply_free (&r);
        licclient_destroy (&adm);
    }
    char id [LICID_BARE_MAX + 1], h [19];
    s_lic (id, &s_d3, 30);
    s_holder (h, 30);
    s_proof_discloses_nothing (id);
    s_q_t q = { LIC__QUERY_KIND__QUERY_GET, s_matter, "staff-9", "CASE-SENS", "核验", h, id, 0, 0 };
    bool masked;
    Lic__Reply *r = NULL;

    //  No clearance: every sensitive value withheld, the answer verifies.
    licclient_t *c = s_body_client (&none, 0);
    assert (s_query (c, &q, &r) == ERR_OK);
    s_queries++;
    const Lic__QueryLicense *ql = r->query->licenses [0];
    assert (ql->n_masked == 3);
    assert (*s_item (ql, "capital", &masked) == 0 && masked);
    assert (*s_item (ql, "contact", &masked) == 0 && masked);
    assert (*s_item (ql, "recipe", &masked) == 0 && masked);
    assert (streq (s_item (ql, "name", &masked), "杭州秘方食品有限公司") && !masked);
    s_answer_verifies (ql, 0);
    codec_reply_free (&r);
    licclient_destroy (&c);
    //  Personal clearance: the contact only.
    c = s_body_client (&personal, 0);
    assert (s_query (c, &q, &r) == ERR_OK);
    s_queries++;
    ql = r->query->licenses [0];
    assert (streq (s_item (ql, "contact", &masked), s_personal_value) && !masked);
    assert (*s_item (ql, "capital", &masked) == 0 && masked);
    assert (*s_item (ql, "recipe", &masked) == 0 && masked);
    s_answer_verifies (ql, 1);
    codec_reply_free (&r);
    //  ... and its archived copy verifies with that one disclosure.
    q.kind = LIC__QUERY_KIND__QUERY_COPY;
    q.expires_at = (int64_t) time (NULL) + 86400;
    assert (s_query (c, &q, &r) == ERR_OK);
    s_queries++;
    keyfile_t prov;
    s_node_key (PROVINCE, &prov);
    licclient_copy_t cp;
    char why [512];
    assert (licclient_verify_copy (r->query->copy.data, r->query->copy.len,
                                   (const uint8_t (*) [32]) prov.sign_pk, 1, (int64_t) time (NULL),
                                   &cp, why, sizeof why) == ERR_OK);
    assert (cp.disclosed == 1 && cp.masked == 2);
    assert (!memmem (r->query->copy.data, r->query->copy.len, s_secret_value, strlen (s_secret_value)));
    assert (!memmem (r->query->copy.data, r->query->copy.len, s_commercial_value, strlen (s_commercial_value)));
    codec_reply_free (&r);
    q.kind = LIC__QUERY_KIND__QUERY_GET;
    licclient_destroy (&c);
    //  Full clearance at the county, where the event was received: all.
    c = s_body_client (&all, 0);
    assert (s_query (c, &q, &r) == ERR_OK);
    s_queries++;
    ql = r->query->licenses [0];
    assert (ql->n_masked == 0);
    assert (streq (s_item (ql, "recipe", &masked), s_secret_value));
    assert (streq (s_item (ql, "capital", &masked), s_commercial_value));
    s_answer_verifies (ql, 3);
    codec_reply_free (&r);
    licclient_destroy (&c);

    //  At the province: the secret value never arrived.
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    c = s_body_client (&prov_all, 3);
    assert (s_query (c, &q, &r) == ERR_OK);
    ql = r->query->licenses [0];
    assert (streq (s_item (ql, "contact", &masked), s_personal_value));
    assert (streq (s_item (ql, "capital", &masked), s_commercial_value));
    assert (*s_item (ql, "recipe", &masked) == 0 && masked);
    s_answer_verifies (ql, 2);
    codec_reply_free (&r);
    licclient_destroy (&c);
    //  Byte search of the data files: the county holds the secret value
    //  (so the search does find what is there), the city and province do
    //  not; the personal value did travel up (the province's files are
    //  searchable as well).
    assert (s_tree_contains (COUNTY->dir, s_secret_value));
    assert (s_tree_contains (PROVINCE->dir, s_personal_value));
    assert (!s_tree_contains (PROVINCE->dir, s_secret_value));
    assert (!s_tree_contains (s_h.node [2].dir, s_secret_value));

    //  A revoked body is no longer answered: its open connection's next
    //  query is refused with ERR_KEY_REVOKED (README "Security"; counted in
    //  licrepo_rejected_total and logged by the server, before the query
    //  module, so no audit record: e2e_keys).
    c = s_body_client (&personal, 0);
    assert (s_query (c, &q, NULL) == ERR_OK);
    zmq_z85_decode (curve, personal.curve_pk);
    b.credit_code = personal.code;
    b.name = personal.name;
    b.curve_key.data = curve;
    b.clearance = cl_personal;
    b.n_clearance = 1;
    b.revoked = true;
    assert (licclient_app_body (s_admin, &b, &r, 10000) == ERR_OK && r->code == ERR_OK);
    codec_reply_free (&r);
    assert (s_query (c, &q, NULL) == ERR_KEY_REVOKED);
    s_queries += 1;
    licclient_destroy (&c);
    //  ... and a new connection with its key is refused at the handshake.
    c = s_body_client (&personal, 0);
    Lic__QueryRequest rq = LIC__QUERY_REQUEST__INIT;
    assert (licclient_query (c, &rq, &r, 5000) == ERR_FORBIDDEN);
    licclient_destroy (&c);
}

static uint64_t
s_quarantined (const support_node_t *n)
{
    Lic__Reply *r = NULL;
    assert (support_status (n, &r) == ERR_OK);
    uint64_t q = r->status->quarantined;
    codec_reply_free (&r);
    return q;
}

//  README runbook "Rotating a node's key", as written, for the county:
//  its parent signs a rotation record naming the old key; the province
//  takes it without a restart; a department the county registers with its
//  new key publishes and its licenses reach the province; nothing is
//  quarantined at any level; archived copies made before and after the
//  rotation (their department registration signed by the old key) both
//  verify against the province's key alone.
static void
test_node_key_rotation (void)
{
    licclient_t *b1 = s_body_client (&s_b1, 0);
    uint8_t *before, *after;
    size_t before_len, after_len;
    int64_t now = (int64_t) time (NULL), expires = now + 7 * 86400;
    assert (s_copy (b1, 1, expires, &before, &before_len) == ERR_OK);
    licclient_destroy (&b1);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    uint64_t q_city = s_quarantined (&s_h.node [2]), q_prov = s_quarantined (PROVINCE);
    keyfile_t old_key, new_key, province;
    s_node_key (COUNTY, &old_key);
    s_node_key (PROVINCE, &province);

    //  Steps 1-2: stop the county, archive node.key and node.pub, init.
    licclient_destroy (&s_admin);
    assert (support_node_stop (COUNTY, SIGTERM) == 0);
    char from [700], to [700];
    const char *files [2] = { "node.key", "node.pub" };
    for (int i = 0; i < 2; i++) {
        snprintf (from, sizeof from, "%s/%s", COUNTY->dir, files [i]);
        snprintf (to, sizeof to, "%s/%s.old", COUNTY->dir, files [i]);
        assert (rename (from, to) == 0);
    }
    assert (support_node_init (COUNTY->dir, "330106") == ERR_OK);
    s_node_key (COUNTY, &new_key);
    assert (memcmp (old_key.sign_pk, new_key.sign_pk, 32) != 0);
    //  Step 3: the parent gets the new node.pub (the same path here) and
    //  restarts; step 5: the county starts.  The province is not restarted.
    assert (support_node_stop (&s_h.node [2], SIGTERM) == 0);
    assert (support_node_restart (&s_h.node [2]) == ERR_OK);
    assert (support_node_restart (COUNTY) == ERR_OK);
    assert (support_admin (&s_admin, COUNTY) == ERR_OK);

    //  A department registered with the new key publishes up to the top.
    support_dept_t d4;
    assert (support_dept_make (&d4, 4, s_dir) == ERR_OK);
    assert (support_register (s_admin, &d4) == ERR_OK);
    licclient_t *c = NULL;
    assert (support_client (&c, COUNTY, &d4) == ERR_OK);
    assert (support_publish (c, &d4, 1, 5, 0) == 5);
    licclient_destroy (&c);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    uint8_t dc [32], dp [32];
    uint64_t nc, np;
    assert (support_digest (COUNTY, "330106", dc, &nc) == ERR_OK);
    assert (support_digest (PROVINCE, "330106", dp, &np) == ERR_OK);
    assert (nc == np && memcmp (dc, dp, 32) == 0);
    assert (s_quarantined (&s_h.node [2]) == q_city && s_quarantined (PROVINCE) == q_prov);

    //  Copies before and after verify against the province's key.
    b1 = s_body_client (&s_b1, 0);
    assert (s_copy (b1, 1, expires, &after, &after_len) == ERR_OK);
    licclient_destroy (&b1);
    licclient_copy_t cp;
    char why [512];
    int rc = licclient_verify_copy (before, before_len, (const uint8_t (*) [32]) province.sign_pk, 1,
                                    now, &cp, why, sizeof why);
    assert (rc == ERR_OK);
    rc = licclient_verify_copy (after, after_len, (const uint8_t (*) [32]) province.sign_pk, 1,
                                now, &cp, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "copy after the rotation: %s %s\n", err_str (rc), why);
    assert (rc == ERR_OK);
    free (before);
    free (after);
    printf ("  node key rotation: no restart above the parent, nothing quarantined, copies verify\n");
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "e2e-query") == ERR_OK);
    for (int i = 0; i < 4; i++) {
        snprintf (s_query_ep [i], sizeof s_query_ep [i], "tcp://127.0.0.1:%d", support_free_port ());
        snprintf (s_h.extra [i], sizeof s_h.extra [i], "\"query_listen\": \"%s\", "
                  "\"audit_window_ms\": 500, \"query_rate\": 100000,", s_query_ep [i]);
    }
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    assert (support_admin (&s_admin, COUNTY) == ERR_OK);
    assert (support_dept_make (&s_d1, 1, s_dir) == ERR_OK);
    assert (support_dept_make (&s_d2, 2, s_dir) == ERR_OK);
    assert (support_register (s_admin, &s_d1) == ERR_OK);
    assert (support_register (s_admin, &s_d2) == ERR_OK);
    licclient_t *c1 = NULL, *c2 = NULL;
    assert (support_client (&c1, COUNTY, &s_d1) == ERR_OK);
    assert (support_client (&c2, COUNTY, &s_d2) == ERR_OK);
    assert (support_publish (c1, &s_d1, 1, 3, 1) == 6);       //  licenses 1..3, altered once
    assert (support_publish (c2, &s_d2, 10, 2, 0) == 2);      //  licenses 10, 11
    licclient_destroy (&c1);
    licclient_destroy (&c2);

    char code [19];
    support_credit_code (code, 7001);
    assert (keyfile_generate (&s_b1, code, "西湖区政务服务中心") == ERR_OK);
    support_credit_code (code, 7002);
    assert (keyfile_generate (&s_b2, code, "西湖区不动产登记中心") == ERR_OK);
    support_credit_code (code, 7003);
    assert (keyfile_generate (&s_stranger, code, "stranger") == ERR_OK);
    const char *t1 [] = { s_d1.type_code }, *t12 [] = { s_d1.type_code, s_d2.type_code };
    const char *m1 [] = { s_matter, "330106-XK-0003" }, *m2 [] = { s_matter };
    s_register_body (s_admin, &s_b1, t1, 1, m1, 2);
    s_register_body (s_admin, &s_b2, t12, 2, m2, 1);
    //  One key, one body: another body cannot be registered with b1's key.
    {
        uint8_t curve [32];
        zmq_z85_decode (curve, s_b1.curve_pk);
        Lic__AppBody b = LIC__APP_BODY__INIT;
        b.credit_code = s_stranger.code;
        b.name = "another office";
        b.curve_key.data = curve;
        b.curve_key.len = 32;
        Lic__Reply *r = NULL;
        assert (licclient_app_body (s_admin, &b, &r, 10000) == ERR_OK);
        assert (r->code == ERR_BAD_FIELD && strstr (r->message, s_b1.code));
        codec_reply_free (&r);
    }

    test_scope_matrix ();
    test_hostile_frames ();
    test_audit_log_is_complete ();
    test_copies_verify_offline ();
    test_audit_travels_up ();
    test_sensitive_items ();
    test_no_answer_without_record_across_kill ();
    test_node_key_rotation ();

    licclient_destroy (&s_admin);
    support_hier_stop (&s_h, SIGTERM);
    //  Every level's views (audit index, application bodies, the signed
    //  envelopes copies carry) equal a replay of its log.
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_query: all passed\n");
    return 0;
}
