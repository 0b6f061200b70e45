/*  test_e2e_keys -- department and application-body key rotation on real
    nodes (county -> city -> province, CURVE sockets, RocksDB), README "Rotating a department's or application body's key"
    "Key lifecycle":

    - a department's key rotated twice in a row with 0 ms and 10 ms
      between the registrations: the newest key publishes at once on a
      new connection; the still-open connection of the key it replaced
      is refused message by message with ERR_KEY_REVOKED (even for an
      event the new key signed), and so are events signed with a
      replaced signing key; a new connection with a replaced key is
      refused at the handshake, logged once (its fingerprint, the
      socket) and counted in licrepo_handshake_refused_total; the
      refused messages count in licrepo_rejected_total{ERR_KEY_REVOKED};
    - `licctl register --dept` with a revoked key file is refused with
      ERR_KEY_REVOKED, says what to do, and changes nothing: the working
      key still publishes;
    - the same for an application body's key on the query socket, with
      `licctl appbody add`;
    - a department's key on the query socket and an unknown key are
      refused at the handshake and counted under their own reasons;
    - after a restart with allowed/ emptied, the keys admitted are the
      registry's: the newest keys work, replaced ones are refused as
      revoked;
    - events signed before the revocations stay valid at every level:
      the city and the province hold them, and `licnode check` passes on
      every node.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <czmq.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define COUNTY (&s_h.node [0])
#define GENERATIONS 5                   //  department keys: v0 and two per rotation round

static support_hier_t s_h;
static char s_dir [512], s_query_ep [40];
static int s_metrics_port;
static licclient_t *s_admin;            //  the county's operator
static support_dept_t s_gen [GENERATIONS];  //  one department, its keys in turn
static int s_cur;                       //  index of the key now registered
static keyfile_t s_body [GENERATIONS];  //  one application body, its keys in turn
static char s_body_path [GENERATIONS][600];
static int s_body_cur;
static const char *s_matter = "330106-XK-0001";
static int s_refused_msgs;              //  messages refused with ERR_KEY_REVOKED so far

// ---------------------------------------------------------------------
//  Helpers

//  Metric `series` of the county, waiting (at most 5 s: rendered once a
//  second) until it is at least `least`; its last value.
static int64_t
s_metric_wait (const char *series, int64_t least)
{
    static char text [256 * 1024];
    int64_t v = -1;
    for (int i = 0; i < 50; i++) {
        if (support_metrics_scrape (s_metrics_port, text, sizeof text) == ERR_OK
        &&  (v = support_metric (text, series)) >= least)
            return v;
        usleep (100000);
    }
    fprintf (stderr, "metric %s is %" PRId64 ", expected at least %" PRId64 "\n", series, v, least);
    return v;
}

static int64_t
s_metric (const char *series)
{
    return s_metric_wait (series, 0);
}

#define S_HS_CLIENT_REVOKED "licrepo_handshake_refused_total{socket=\"client\",reason=\"revoked_key\"}"
#define S_HS_QUERY_REVOKED "licrepo_handshake_refused_total{socket=\"query\",reason=\"revoked_key\"}"
#define S_REJECTED_REVOKED "licrepo_rejected_total{reason=\"ERR_KEY_REVOKED\"}"

static void
s_node_key (const support_node_t *n, keyfile_t *k)
{
    char pub [600];
    snprintf (pub, sizeof pub, "%s/node.pub", n->dir);
    assert (keyfile_load (k, pub) == ERR_OK);
}

//  Publishes the issue of license `serial` (holder `serial`) signed by
//  signer through c: the node's code, or minus the transport's error
//  (-ERR_FORBIDDEN: the handshake was refused).
static int
s_publish (licclient_t *c, const support_dept_t *signer, uint32_t serial, char *why, size_t why_size)
{
    uint8_t *body, sig [64];
    size_t len;
    assert (support_event_sign (signer, LIC__OP__OP_ISSUE, serial, 0, serial, &body, &len, sig) == ERR_OK);
    int code = -1;
    int rc = licclient_publish (c, body, len, sig, signer->key.sign_pk, NULL, NULL, &code,
                                why, why_size, 10000);
    free (body);
    return rc == ERR_OK? code: -rc;
}

//  Registers key generation `to` of the department, revoking the signing
//  key of generation `from` (-1: none); the node's code.
static int
s_register_dept (int to, int from)
{
    Lic__Department dept;
    codec_department_init (&dept);
    uint8_t curve [32];
    zmq_z85_decode (curve, s_gen [to].key.curve_pk);
    ProtobufCBinaryData sk = { 32, s_gen [to].key.sign_pk };
    ProtobufCBinaryData old = { 32, from >= 0? s_gen [from].key.sign_pk: NULL };
    char *types [1] = { s_gen [to].type_code };
    dept.credit_code = s_gen [to].key.code;
    dept.name = s_gen [to].key.name;
    dept.n_sign_keys = 1;
    dept.sign_keys = &sk;
    dept.n_revoked_keys = from >= 0? 1: 0;
    dept.revoked_keys = from >= 0? &old: NULL;
    dept.curve_key.data = curve;
    dept.curve_key.len = 32;
    dept.n_license_types = 1;
    dept.license_types = types;
    Lic__Reply *r = NULL;
    assert (licclient_register (s_admin, &dept, &r, 10000) == ERR_OK);
    int code = r->code;
    if (code != ERR_OK)
        fprintf (stderr, "  register: %s %s\n", err_str (code), r->message);
    codec_reply_free (&r);
    return code;
}

//  Registers key generation `g` of the application body; the node's code.
static int
s_register_body (int g)
{
    return support_register_body (s_admin, &s_body [g], s_gen [0].type_code, s_matter);
}

//  A client of the county's query socket with body key k.
static licclient_t *
s_query_client (const keyfile_t *k)
{
    keyfile_t nk;
    s_node_key (COUNTY, &nk);
    licclient_t *c = NULL;
    assert (licclient_open (&c, s_query_ep, nk.curve_pk, k->curve_pk, k->curve_sk) == ERR_OK);
    return c;
}

//  Asks for license `serial` of the department (holder `serial`): the
//  node's code, or minus the transport's error.
static int
s_query (licclient_t *c, uint32_t serial, char *why, size_t why_size)
{
    char id [LICID_BARE_MAX + 1], holder [19];
    support_license_id (id, s_gen [0].type_code, s_gen [0].key.code, serial);
    support_resident_id (holder, serial);
    Lic__Holder h = LIC__HOLDER__INIT;
    h.id_type = "111";
    h.id = holder;
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    q.kind = LIC__QUERY_KIND__QUERY_GET;
    q.matter_code = (char *) s_matter;
    q.staff_id = "staff-1";
    q.case_number = "CASE-KEYS";
    q.purpose = "核验";
    q.license_id = id;
    q.holder = &h;
    Lic__Reply *r = NULL;
    int rc = licclient_query (c, &q, &r, 10000);
    if (rc != ERR_OK)
        return -rc;
    int code = r->code;
    snprintf (why, why_size, "%s", r->message? r->message: "");
    codec_reply_free (&r);
    return code;
}

//  Runs a command; its exit status, its output (stdout and stderr) in out.
static int
s_run (const char *cmd, char *out, size_t size)
{
    char full [3000], path [600];
    snprintf (path, sizeof path, "%s/run.out", s_dir);
    snprintf (full, sizeof full, "%s > %s 2>&1", cmd, path);
    int status = system (full);
    FILE *f = fopen (path, "r");
    size_t n = f? fread (out, 1, size - 1, f): 0;
    out [n] = 0;
    if (f)
        fclose (f);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

//  Lines of the county's log holding every one of the given strings.
static int
s_log_lines (const char *a, const char *b, const char *c)
{
    FILE *f = fopen (COUNTY->log_path, "r");
    assert (f);
    char line [8192];
    int n = 0;
    while (fgets (line, sizeof line, f))
        n += strstr (line, a) && strstr (line, b) && strstr (line, c);
    fclose (f);
    return n;
}

static void
s_fp (char out [17], const char *curve_z85)
{
    uint8_t key [32];
    assert (zmq_z85_decode (key, curve_z85));
    seal_hex (out, key, 8);
}

//  Opens a client with a refused key twice (two handshakes within a
//  second): both fail, both count, and one line is logged.
static void
s_handshake_refused_twice (const keyfile_t *k, bool query, const char *series)
{
    int64_t before = s_metric (series);
    char fp [17], why [256];
    s_fp (fp, k->curve_pk);
    for (int i = 0; i < 2; i++) {
        licclient_t *c = NULL;
        if (query) {
            c = s_query_client (k);
            assert (s_query (c, 1, why, sizeof why) == -ERR_FORBIDDEN);
        }
        else {
            keyfile_t nk;
            s_node_key (COUNTY, &nk);
            assert (licclient_open (&c, COUNTY->endpoint, nk.curve_pk, k->curve_pk, k->curve_sk) == ERR_OK);
            support_dept_t d = s_gen [s_cur];
            assert (s_publish (c, &d, 9000 + (uint32_t) i, why, sizeof why) == -ERR_FORBIDDEN);
        }
        licclient_destroy (&c);
    }
    assert (s_metric_wait (series, before + 2) >= before + 2);
    assert (s_log_lines ("handshake refused", fp, query? "socket=query": "socket=client") == 1);
    assert (s_log_lines ("handshake refused", fp, "reason=revoked_key") == 1);
}

// ---------------------------------------------------------------------
//  Department keys

//  Two rotations in a row, `gap_ms` apart, from the key in use (with a
//  connection open) to a new one.
static void
test_department_rotated_twice_within_gap_ms (int gap_ms)
{
    char why [512];
    int old = s_cur, mid = s_cur + 1, now = s_cur + 2;
    assert (now < GENERATIONS);
    licclient_t *c_old = NULL, *c_new = NULL;
    assert (support_client (&c_old, COUNTY, &s_gen [old]) == ERR_OK);
    uint32_t serial = 100 + 10 * (uint32_t) old;
    assert (s_publish (c_old, &s_gen [old], serial, why, sizeof why) == ERR_OK);
    int64_t rejected = s_metric (S_REJECTED_REVOKED);

    assert (s_register_dept (mid, old) == ERR_OK);
    if (gap_ms)
        usleep ((useconds_t) gap_ms * 1000);
    assert (s_register_dept (now, mid) == ERR_OK);
    s_cur = now;

    //  The newest key publishes at once, on a new connection.
    int64_t t0 = support_now_us ();
    assert (support_client (&c_new, COUNTY, &s_gen [now]) == ERR_OK);
    assert (s_publish (c_new, &s_gen [now], serial + 1, why, sizeof why) == ERR_OK);
    printf ("  gap %d ms: the new key published %.1f ms after its registration's reply\n",
            gap_ms, (double) (support_now_us () - t0) / 1000);

    //  The old key's open connection is refused, even for an event the
    //  new key signed.
    int code = s_publish (c_old, &s_gen [now], serial + 2, why, sizeof why);
    if (code != ERR_KEY_REVOKED)
        fprintf (stderr, "old connection: %d %s\n", code, why);
    assert (code == ERR_KEY_REVOKED);
    assert (strstr (why, "no longer admitted") && strstr (why, s_gen [now].key.code));
    assert (s_publish (c_old, &s_gen [old], serial + 3, why, sizeof why) == ERR_KEY_REVOKED);
    //  On the new connection, events signed with a revoked signing key.
    assert (s_publish (c_new, &s_gen [old], serial + 6, why, sizeof why) == ERR_KEY_REVOKED);
    assert (s_publish (c_new, &s_gen [mid], serial + 7, why, sizeof why) == ERR_KEY_REVOKED);
    s_refused_msgs += 4;
    assert (s_metric_wait (S_REJECTED_REVOKED, rejected + 4) >= rejected + 4);
    licclient_destroy (&c_old);

    //  New connections with either replaced key fail at the handshake.
    s_handshake_refused_twice (&s_gen [old].key, false, S_HS_CLIENT_REVOKED);
    s_handshake_refused_twice (&s_gen [mid].key, false, S_HS_CLIENT_REVOKED);

    //  Registering a revoked key file again is refused, says what to do,
    //  and changes nothing.
    char cmd [2400], out [4096];
    snprintf (cmd, sizeof cmd, "%s -d %s register --dept %s --types %s", support_licctl_path (),
              COUNTY->dir, s_gen [old].key_path, s_gen [old].type_code);
    int status = s_run (cmd, out, sizeof out);
    if (status == 0 || !strstr (out, "ERR_KEY_REVOKED"))
        fprintf (stderr, "licctl register with a revoked key: %d %s\n", status, out);
    assert (status != 0);
    assert (strstr (out, "ERR_KEY_REVOKED") && strstr (out, "was revoked")
         && strstr (out, "licctl keygen") && strstr (out, s_gen [old].key.code));
    assert (s_publish (c_new, &s_gen [now], serial + 4, why, sizeof why) == ERR_OK);
    licclient_destroy (&c_new);
    assert (support_client (&c_new, COUNTY, &s_gen [now]) == ERR_OK);
    assert (s_publish (c_new, &s_gen [now], serial + 5, why, sizeof why) == ERR_OK);
    licclient_destroy (&c_new);
    printf ("  gap %d ms: department key rotated twice; old connection, old keys and their "
            "re-registration refused\n", gap_ms);
}

// ---------------------------------------------------------------------
//  Application body keys

static void
test_app_body_rotated_twice_within_gap_ms (int gap_ms)
{
    char why [512];
    int old = s_body_cur, mid = s_body_cur + 1, now = s_body_cur + 2;
    assert (now < GENERATIONS);
    licclient_t *c_old = s_query_client (&s_body [old]);
    int first = s_query (c_old, 1, why, sizeof why);
    if (first != ERR_OK)
        fprintf (stderr, "query: %d %s\n", first, why);
    assert (first == ERR_OK);
    int64_t rejected = s_metric (S_REJECTED_REVOKED);

    assert (s_register_body (mid) == ERR_OK);
    if (gap_ms)
        usleep ((useconds_t) gap_ms * 1000);
    assert (s_register_body (now) == ERR_OK);
    s_body_cur = now;

    licclient_t *c_new = s_query_client (&s_body [now]);
    assert (s_query (c_new, 1, why, sizeof why) == ERR_OK);

    int code = s_query (c_old, 1, why, sizeof why);
    if (code != ERR_KEY_REVOKED)
        fprintf (stderr, "old query connection: %d %s\n", code, why);
    assert (code == ERR_KEY_REVOKED && strstr (why, "no longer admitted"));
    s_refused_msgs++;
    assert (s_metric_wait (S_REJECTED_REVOKED, rejected + 1) >= rejected + 1);
    licclient_destroy (&c_old);

    s_handshake_refused_twice (&s_body [old], true, S_HS_QUERY_REVOKED);
    s_handshake_refused_twice (&s_body [mid], true, S_HS_QUERY_REVOKED);

    char cmd [2400], out [4096];
    snprintf (cmd, sizeof cmd, "%s -d %s appbody add --code %s --name body --key-file %s "
              "--types %s --matters %s", support_licctl_path (), COUNTY->dir, s_body [old].code,
              s_body_path [old], s_gen [0].type_code, s_matter);
    int status = s_run (cmd, out, sizeof out);
    if (status == 0 || !strstr (out, "ERR_KEY_REVOKED"))
        fprintf (stderr, "licctl appbody add with a revoked key: %d %s\n", status, out);
    assert (status != 0);
    assert (strstr (out, "ERR_KEY_REVOKED") && strstr (out, "was revoked") && strstr (out, "licctl keygen"));
    assert (s_query (c_new, 1, why, sizeof why) == ERR_OK);
    licclient_destroy (&c_new);
    printf ("  gap %d ms: application body key rotated twice; old connection, old keys and their "
            "re-registration refused\n", gap_ms);
}

// ---------------------------------------------------------------------
//  Other refusals at the handshake, restart, every level

static void
test_wrong_socket_and_unknown_key_are_counted_apart (void)
{
    const char *wrong = "licrepo_handshake_refused_total{socket=\"query\",reason=\"wrong_socket\"}";
    const char *unknown = "licrepo_handshake_refused_total{socket=\"client\",reason=\"unknown_key\"}";
    int64_t w0 = s_metric (wrong), u0 = s_metric (unknown);
    char why [256];
    //  The department's working key on the query socket.
    licclient_t *c = s_query_client (&s_gen [s_cur].key);
    assert (s_query (c, 1, why, sizeof why) == -ERR_FORBIDDEN);
    licclient_destroy (&c);
    //  A key nobody registered, on the client socket.
    support_dept_t stranger;
    assert (support_dept_make (&stranger, 77, s_dir) == ERR_OK);
    assert (support_client (&c, COUNTY, &stranger) == ERR_OK);
    assert (s_publish (c, &stranger, 1, why, sizeof why) == -ERR_FORBIDDEN);
    licclient_destroy (&c);
    assert (s_metric_wait (wrong, w0 + 1) >= w0 + 1);
    assert (s_metric_wait (unknown, u0 + 1) >= u0 + 1);
    char fp [17];
    s_fp (fp, s_gen [s_cur].key.curve_pk);
    assert (s_log_lines ("handshake refused", fp, "reason=wrong_socket") == 1);
    printf ("  wrong socket and unknown key refused, each under its own reason\n");
}

static void
test_restart_admits_what_the_registry_says (void)
{
    licclient_destroy (&s_admin);
    assert (support_node_stop (COUNTY, SIGTERM) == 0);
    //  The certificate directory decides nothing: empty it.
    char cmd [1400], out [256];
    snprintf (cmd, sizeof cmd, "rm -f %s/allowed/*", COUNTY->dir);
    assert (s_run (cmd, out, sizeof out) == 0);
    assert (support_node_restart (COUNTY) == ERR_OK);
    assert (support_admin (&s_admin, COUNTY) == ERR_OK);
    char why [256];
    licclient_t *c = NULL;
    assert (support_client (&c, COUNTY, &s_gen [s_cur]) == ERR_OK);
    assert (s_publish (c, &s_gen [s_cur], 500, why, sizeof why) == ERR_OK);
    licclient_destroy (&c);
    c = s_query_client (&s_body [s_body_cur]);
    assert (s_query (c, 1, why, sizeof why) == ERR_OK);
    licclient_destroy (&c);
    //  Counters start again from zero; replaced keys are known as revoked.
    assert (support_client (&c, COUNTY, &s_gen [0]) == ERR_OK);
    assert (s_publish (c, &s_gen [0], 501, why, sizeof why) == -ERR_FORBIDDEN);
    licclient_destroy (&c);
    c = s_query_client (&s_body [0]);
    assert (s_query (c, 1, why, sizeof why) == -ERR_FORBIDDEN);
    licclient_destroy (&c);
    assert (s_metric_wait (S_HS_CLIENT_REVOKED, 1) >= 1);
    assert (s_metric_wait (S_HS_QUERY_REVOKED, 1) >= 1);
    printf ("  restart with allowed/ emptied: the registry's keys admitted, replaced ones "
            "refused as revoked\n");
}

//  Events signed by key generation 0 before it was revoked.
static void
test_events_signed_before_revocation_stay_valid_everywhere (void)
{
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    for (int level = 0; level < 4; level++) {
        if (level == 1)
            continue;       //  the other county holds none of it
        licclient_t *admin = NULL;
        assert (support_admin (&admin, &s_h.node [level]) == ERR_OK);
        for (uint32_t serial = 1; serial <= 3; serial++) {
            char id [LICID_BARE_MAX + 1];
            support_license_id (id, s_gen [0].type_code, s_gen [0].key.code, serial);
            Lic__Reply *r = NULL;
            assert (licclient_get (admin, id, true, &r, 10000) == ERR_OK);
            if (r->code != ERR_OK)
                fprintf (stderr, "%s at %s: %s\n", id, s_h.node [level].division, r->message);
            assert (r->code == ERR_OK && r->license->state->version == 1);
            assert (r->license->n_history == 1);
            assert (memcmp (r->license->history [0]->envelope->key_id.data, s_gen [0].key.sign_pk, 32) == 0);
            codec_reply_free (&r);
        }
        licclient_destroy (&admin);
    }
    licclient_destroy (&s_admin);
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    printf ("  events signed before the revocations held at county, city and province; "
            "licnode check passes on every node\n");
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "e2e-keys") == ERR_OK);
    snprintf (s_query_ep, sizeof s_query_ep, "tcp://127.0.0.1:%d", support_free_port ());
    s_metrics_port = support_free_port ();
    snprintf (s_h.extra [0], sizeof s_h.extra [0],
              "\"query_listen\": \"%s\", \"metrics_listen\": \"127.0.0.1:%d\",", s_query_ep,
              s_metrics_port);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);

    //  One department, GENERATIONS keys (each saved in its own folder).
    for (int g = 0; g < GENERATIONS; g++) {
        char sub [560];
        snprintf (sub, sizeof sub, "%s/gen%d", s_dir, g);
        assert (mkdir (sub, 0700) == 0);
        assert (support_dept_make (&s_gen [g], 1, sub) == ERR_OK);
        char code [19];
        support_credit_code (code, 7001);
        assert (keyfile_generate (&s_body [g], code, "测试政务服务中心") == ERR_OK);
        snprintf (s_body_path [g], sizeof s_body_path [g], "%s/body.key", sub);
        assert (keyfile_save (&s_body [g], s_body_path [g], true) == ERR_OK);
    }
    assert (support_admin (&s_admin, COUNTY) == ERR_OK);
    assert (support_register (s_admin, &s_gen [0]) == ERR_OK);
    //  Licenses 1..3 signed by the first key, before any revocation.
    licclient_t *c = NULL;
    char why [256];
    assert (support_client (&c, COUNTY, &s_gen [0]) == ERR_OK);
    for (uint32_t serial = 1; serial <= 3; serial++)
        assert (s_publish (c, &s_gen [0], serial, why, sizeof why) == ERR_OK);
    licclient_destroy (&c);
    assert (s_register_body (0) == ERR_OK);

    test_department_rotated_twice_within_gap_ms (0);
    test_department_rotated_twice_within_gap_ms (10);
    test_app_body_rotated_twice_within_gap_ms (0);
    test_app_body_rotated_twice_within_gap_ms (10);
    test_wrong_socket_and_unknown_key_are_counted_apart ();
    assert (s_metric (S_REJECTED_REVOKED) >= s_refused_msgs);
    test_restart_admits_what_the_registry_says ();
    test_events_signed_before_revocation_stay_valid_everywhere ();

    for (int g = 0; g < GENERATIONS; g++) {
        keyfile_wipe (&s_gen [g].key);
        keyfile_wipe (&s_body [g]);
    }
    support_rmtree (s_dir);
    printf ("e2e_keys: passed\n");
    return 0;
}
