/*  test_e2e_revoke -- a compromised node key, with real processes: the
    README runbook "A compromised node key" as written.

    County 330106 -> city 330100 -> province 330000 (and county 330108).
    The county's data directory is copied by a thief (node.key and
    admin.key).  The city revokes the county's key from the last origin
    seq it holds (`licctl node revoke`); the thief then makes statements
    with that key through the real county (a rogue department and its
    catalogue type, and licenses by it).  They are quarantined at the city
    with ERR_NODE_KEY_REVOKED and never reach the province; views and
    registry above the county do not change; statements signed before the
    point stay valid; after the county's rotation (node.key, node.pub and
    admin.key replaced) its new statements flow to the top and the stolen
    keys open nothing; restarts of every level keep all of it; `licnode
    check` passes at every level.

    Second part: the province judges on its own.  A real province faces a
    city the test plays (its identity from `licnode init`, its log built
    here, lic.Repl over CURVE, as in e2e_repl_abuse): the revocation
    record it relays binds the province, which quarantines what the
    revoked key signed after the point (ERR_NODE_KEY_REVOKED), keeps what
    it signed before, refuses the revoked key coming back and a
    revocation below what it holds, before and after a restart.
*/
#undef NDEBUG
#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "proto/codec.h"
#include "proto/licid.h"
#include "proto/seal.h"
#include "replication/merkle.h"
#include "tests/support/support.h"

#define COUNTY   (&s_h.node [0])
#define SIBLING  (&s_h.node [1])
#define CITY     (&s_h.node [2])
#define PROVINCE (&s_h.node [3])
#define SILENCE_MS 1500             //  how long "no answer" is waited for

static char s_dir [512];
static support_hier_t s_h;
static licclient_t *s_admin;        //  the county's operator
static support_dept_t s_d1;         //  registered by the county before the theft
static support_dept_t s_rogue;      //  the thief's department
static support_dept_t s_d4;         //  registered after the rotation
static keyfile_t s_stolen;          //  the county's node.key as the thief copied it
static uint64_t s_point;            //  the origin seq the revocation states
static int s_city_metrics;          //  the city's metrics port

// ---------------------------------------------------------------------
//  Helpers

//  Runs a shell command, stdout and stderr into out; returns its exit status.
static int
s_run (char *out, size_t size, const char *fmt, ...)
{
    char cmd [4096];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (cmd, sizeof cmd, fmt, ap);
    va_end (ap);
    strncat (cmd, " 2>&1", sizeof cmd - strlen (cmd) - 1);
    FILE *p = popen (cmd, "r");
    assert (p);
    size_t n = fread (out, 1, size - 1, p);
    out [n] = 0;
    int st = pclose (p);
    return WIFEXITED (st)? WEXITSTATUS (st): -1;
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

static uint64_t
s_quarantined (const support_node_t *n)
{
    Lic__Reply *r = NULL;
    assert (support_status (n, &r) == ERR_OK);
    uint64_t q = r->status->quarantined;
    codec_reply_free (&r);
    return q;
}

//  ERR_OK if node n holds license `serial` of d, else the node's code.
static int
s_license (const support_node_t *n, const support_dept_t *d, uint32_t serial)
{
    char id [LICID_BARE_MAX + 1];
    support_license_id (id, d->type_code, d->key.code, serial);
    licclient_t *a = NULL;
    assert (support_admin (&a, n) == ERR_OK);
    Lic__Reply *r = NULL;
    int rc = licclient_get (a, id, false, &r, 10000);
    if (rc == ERR_OK)
        rc = r->code;
    codec_reply_free (&r);
    licclient_destroy (&a);
    return rc;
}

static void
s_publish (const support_dept_t *d, uint32_t serial0, int n)
{
    licclient_t *c = NULL;
    assert (support_client (&c, COUNTY, d) == ERR_OK);
    assert (support_publish (c, d, serial0, n, 0) == n);
    licclient_destroy (&c);
}

//  `licctl quarantine list ORIGIN` at n into out.
static void
s_quarantine_list (const support_node_t *n, const char *origin, char *out, size_t size)
{
    assert (s_run (out, size, "%s -d %s quarantine list %s --limit 1000", support_licctl_path (),
                   n->dir, origin) == 0);
}

static size_t
s_count (const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
        n++;
    return n;
}

static void
s_digests_equal (const support_node_t *a, const support_node_t *b, const char *origin)
{
    uint8_t da [32], db [32];
    uint64_t na, nb;
    assert (support_digest (a, origin, da, &na) == ERR_OK);
    assert (support_digest (b, origin, db, &nb) == ERR_OK);
    assert (na == nb && memcmp (da, db, 32) == 0);
}

//  Waits (at most 60 s) until node n's status says its parent refused it
//  with a reason containing `why`.
static void
s_wait_uplink_refused (const support_node_t *n, const char *why)
{
    int64_t deadline = support_now_us () + 60 * 1000000LL;
    char last [512] = "";
    while (support_now_us () < deadline) {
        Lic__Reply *r = NULL;
        assert (support_status (n, &r) == ERR_OK);
        snprintf (last, sizeof last, "%s", r->status->uplink_error? r->status->uplink_error: "");
        codec_reply_free (&r);
        if (strstr (last, why))
            return;
        zclock_sleep (50);
    }
    fprintf (stderr, "uplink error: %s (want %s)\n", last, why);
    assert (!"the parent's refusal was never seen");
}

//  The city's acked seq of 330106.
static uint64_t
s_city_acked (void)
{
    Lic__Reply *r = NULL;
    assert (support_status (CITY, &r) == ERR_OK);
    uint64_t acked = support_child_acked (r->status, "330106");
    codec_reply_free (&r);
    return acked;
}

//  A Hello to the city's replication socket with the stolen CURVE key, on
//  a new connection: true if anything answers within SILENCE_MS.
static bool
s_stolen_hello_answered (void)
{
    char pub [700];
    keyfile_t city;
    snprintf (pub, sizeof pub, "%s/node.pub", CITY->dir);
    assert (keyfile_load (&city, pub) == ERR_OK);
    uint8_t pk [32], sk [32], root [32] = { 0 };
    assert (zmq_z85_decode (pk, s_stolen.curve_pk) && zmq_z85_decode (sk, s_stolen.curve_sk));
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    assert (sock);
    zcert_t *cert = zcert_new_from (pk, sk);
    zcert_apply (cert, sock);
    zcert_destroy (&cert);
    zsock_set_curve_serverkey (sock, city.curve_pk);
    zsock_set_linger (sock, 0);
    zsock_set_sndtimeo (sock, 1000);
    assert (zsock_connect (sock, "tcp://127.0.0.1:%d", s_h.repl_port [2]) == 0);
    Lic__Repl msg;
    Lic__Hello h;
    codec_repl_init (&msg);
    lic__hello__init (&h);
    h.division = "330106";
    h.head_seq = s_point;
    h.head_root.data = root;
    h.head_root.len = 32;
    msg.body_case = LIC__REPL__BODY_HELLO;
    msg.hello = &h;
    uint8_t *buf;
    size_t len;
    assert (codec_repl_encode (&msg, &buf, &len) == ERR_OK);
    zframe_t *f = zframe_new (buf, len);
    free (buf);
    zframe_send (&f, sock, 0);
    zframe_destroy (&f);
    zsock_set_rcvtimeo (sock, SILENCE_MS);
    zframe_t *answer = zframe_recv (sock);
    bool answered = answer != NULL;
    zframe_destroy (&answer);
    zsock_destroy (&sock);
    return answered;
}

//  The city's count of replication handshakes refused for `reason`.
static int64_t
s_city_handshakes_refused (const char *reason)
{
    static char text [262144];
    char series [128];
    assert (support_metrics_scrape (s_city_metrics, text, sizeof text) == ERR_OK);
    snprintf (series, sizeof series,
              "licrepo_handshake_refused_total{socket=\"replication\",reason=\"%s\"}", reason);
    int64_t v = support_metric (text, series);
    return v < 0? 0: v;
}

//  What holds at the city and the province whatever happened since: the
//  thief's statements held back at the city with their reasons, nothing
//  of them above the county, the county's genuine licenses everywhere.
static uint64_t s_rogue_held;       //  quarantined at the city: the thief's entries

static void
s_assert_revocation_holds (void)
{
    char out [65536], want [160];
    s_quarantine_list (CITY, "330106", out, sizeof out);
    snprintf (want, sizeof want, "which 330100 revoked as compromised after origin seq %" PRIu64,
              s_point);
    //  The rogue registration and its catalogue type: the revoked key's.
    if (s_count (out, "ERR_NODE_KEY_REVOKED: entry ") != 2 || s_count (out, want) != 2)
        fprintf (stderr, "city quarantine:\n%s\n", out);
    assert (s_count (out, "ERR_NODE_KEY_REVOKED: entry ") == 2 && s_count (out, want) == 2);
    assert (strstr (out, "registration ") && strstr (out, "catalogue "));
    //  The rogue department's licenses: unknown above the county.
    if (s_count (out, "ERR_UNKNOWN_KEY: signing key ") != 2)
        fprintf (stderr, "city quarantine:\n%s\n", out);
    assert (s_count (out, "ERR_UNKNOWN_KEY: signing key ") == 2);
    assert (s_quarantined (CITY) == s_rogue_held && s_rogue_held == 4);
    s_quarantine_list (PROVINCE, "330106", out, sizeof out);
    assert (strstr (out, "0 shown, 0 held here in all"));
    for (uint32_t serial = 500; serial < 502; serial++) {
        assert (s_license (CITY, &s_rogue, serial) == ERR_NOT_FOUND);
        assert (s_license (PROVINCE, &s_rogue, serial) == ERR_NOT_FOUND);
    }
    for (uint32_t serial = 1; serial <= 4; serial++)
        assert (s_license (PROVINCE, &s_d1, serial) == ERR_OK);
    s_digests_equal (CITY, PROVINCE, "330106");
}

// ---------------------------------------------------------------------
//  Part 1: the runbook through the hierarchy

//  Before the theft is known: the county registers a department and
//  publishes; everything reaches the province.
static void
test_before_the_theft (void)
{
    assert (support_dept_make (&s_d1, 1, s_dir) == ERR_OK);
    assert (support_register (s_admin, &s_d1) == ERR_OK);
    s_publish (&s_d1, 1, 3);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    char path [700];
    snprintf (path, sizeof path, "%s/node.key", COUNTY->dir);
    assert (keyfile_load (&s_stolen, path) == ERR_OK && s_stolen.has_secret);
    printf ("  before: county head %" PRIu64 ", all of it at the province\n", s_head (COUNTY));
}

//  `licctl node revoke` at the city: refused below what the city holds,
//  for a key the county never had, and for another node's key file; then
//  made from the last origin seq it holds, once.
static void
test_the_city_revokes_the_key (void)
{
    char out [4096];
    uint64_t held = s_head (COUNTY);
    const char *licctl = support_licctl_path ();
    uint64_t city_head = s_head (CITY);
    //  Below what the city holds: it may be at every level above.
    assert (s_run (out, sizeof out, "%s -d %s node revoke 330106 --key-file %s/node.pub --after 1",
                   licctl, CITY->dir, COUNTY->dir) == 1);
    char want [128];
    snprintf (want, sizeof want, "up to origin seq %" PRIu64, held);
    assert (strstr (out, "ERR_BAD_FIELD") && strstr (out, want));
    //  A key 330106 never had.
    keyfile_t other;
    char other_pub [700];
    assert (keyfile_generate (&other, "330106", "not the county") == ERR_OK);
    snprintf (other_pub, sizeof other_pub, "%s/other.pub", s_dir);
    assert (keyfile_save (&other, other_pub, false) == ERR_OK);
    assert (s_run (out, sizeof out, "%s -d %s node revoke 330106 --key-file %s", licctl, CITY->dir,
                   other_pub) == 1);
    assert (strstr (out, "ERR_NOT_FOUND") && strstr (out, "never had here"));
    //  The sibling's key file for 330106: a usage error, nothing asked.
    assert (s_run (out, sizeof out, "%s -d %s node revoke 330106 --key-file %s/node.pub", licctl,
                   CITY->dir, SIBLING->dir) == 2);
    assert (strstr (out, "key file of node 330108, not of 330106"));
    assert (s_head (CITY) == city_head);
    //  Beyond what the city holds of 330106 and what the county last
    //  announced (a typo, or a point that would make the key impossible
    //  to revoke, the first revocation being the only one): refused.
    assert (s_run (out, sizeof out, "%s -d %s node revoke 330106 --key-file %s/node.pub --after %"
                   PRIu64, licctl, CITY->dir, COUNTY->dir, held + 1000000) == 1);
    snprintf (want, sizeof want, "holds its entries up to origin seq %" PRIu64, held);
    assert (strstr (out, "ERR_BAD_FIELD") && strstr (out, want)
         && strstr (out, "beyond what the parent holds"));
    assert (s_run (out, sizeof out, "%s -d %s node revoke 330106 --key-file %s/node.pub --after %"
                   PRIu64, licctl, CITY->dir, COUNTY->dir, UINT64_MAX) == 1);
    assert (strstr (out, "ERR_BAD_FIELD"));
    assert (s_head (CITY) == city_head);

    //  Revoked from the last origin seq of 330106 the city holds.
    assert (s_run (out, sizeof out, "%s -d %s node revoke 330106 --key-file %s/node.pub", licctl,
                   CITY->dir, COUNTY->dir) == 0);
    snprintf (want, sizeof want, "after origin seq %" PRIu64 " are void", held);
    assert (strstr (out, "revoked: key ") && strstr (out, want));
    s_point = held;
    assert (s_head (CITY) == city_head + 1);
    //  Once.
    assert (s_run (out, sizeof out, "%s -d %s node revoke 330106 --key-file %s/node.pub --after %"
                   PRIu64, licctl, CITY->dir, COUNTY->dir, held) == 1);
    assert (strstr (out, "ERR_KEY_REVOKED") && strstr (out, "already revoked"));
    //  The record travels up; `licctl log` shows it at every level above.
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    char log [65536];
    snprintf (want, sizeof want, "node key revoked: 330106's key %02x%02x", s_stolen.sign_pk [0],
              s_stolen.sign_pk [1]);
    for (int i = 2; i <= 3; i++) {
        assert (s_run (log, sizeof log, "%s -d %s log --all", licctl, s_h.node [i].dir) == 0);
        char *line = strstr (log, want);
        char point [64];
        snprintf (point, sizeof point, "by 330100, void after origin seq %" PRIu64 "\n", held);
        assert (line && strstr (line, point));
        assert (s_run (log, sizeof log, "%s -d %s --json log --all", licctl, s_h.node [i].dir) == 0);
        snprintf (point, sizeof point, "\"revoked_after\": %" PRIu64, held);
        assert (strstr (log, "\"revocation\": true") && strstr (log, point));
    }
    printf ("  the city revoked the county's key after origin seq %" PRIu64 "\n", s_point);
}

//  The thief, with the county's admin key, makes statements through the
//  real county: signed by the revoked key after the point.  A genuine
//  department's event meanwhile is signed by its own key and flows.
static void
test_the_thiefs_statements_are_quarantined (void)
{
    uint64_t county_head = s_head (COUNTY);
    assert (county_head == s_point);
    assert (support_dept_make (&s_rogue, 66, s_dir) == ERR_OK);
    assert (support_register (s_admin, &s_rogue) == ERR_OK);
    s_publish (&s_rogue, 500, 2);
    s_publish (&s_d1, 4, 1);
    //  The county itself took them: it holds no revocation of its own key.
    assert (s_license (COUNTY, &s_rogue, 500) == ERR_OK);
    //  The city takes nothing more from the node of the revoked key until
    //  its configuration gives it a new one: the session opened before
    //  the revocation is refused message by message (the county's status
    //  says why), so nothing of the thief's reached the city.
    s_wait_uplink_refused (COUNTY, "revoked as compromised");
    assert (s_city_acked () == s_point);
    assert (s_quarantined (CITY) == 0);
    assert (s_license (CITY, &s_rogue, 500) == ERR_NOT_FOUND);
    //  A new connection with the stolen CURVE key fails at the handshake,
    //  counted as a revoked key (not an unknown one).
    int64_t revoked = s_city_handshakes_refused ("revoked_key");
    assert (!s_stolen_hello_answered ());
    assert (s_city_handshakes_refused ("revoked_key") > revoked);
    assert (s_city_handshakes_refused ("unknown_key") == 0);
    //  After the rotation (next part) the county's log reaches the city
    //  with these entries: the thief's registration and catalogue entry
    //  quarantined as ERR_NODE_KEY_REVOKED, its licenses ERR_UNKNOWN_KEY.
    s_rogue_held = 4;
    printf ("  the thief's statements made through the county: the county's session refused at "
            "the city (ERR_FORBIDDEN, revoked key), a new handshake with the stolen CURVE key "
            "refused as revoked_key; nothing of them at the city\n");
}

//  The runbook's rotation: node.key, node.pub and admin.key replaced
//  (the thief has the old ones), the city restarted with the new
//  node.pub.  The new key's statements flow; the stolen keys open nothing.
static void
test_the_county_rotates_and_flows_again (void)
{
    licclient_destroy (&s_admin);
    assert (support_node_stop (COUNTY, SIGTERM) == 0);
    char from [700], to [700];
    const char *files [3] = { "node.key", "node.pub", "admin.key" };
    for (int i = 0; i < 3; i++) {
        snprintf (from, sizeof from, "%s/%s", COUNTY->dir, files [i]);
        snprintf (to, sizeof to, "%s/%s.old", COUNTY->dir, files [i]);
        assert (rename (from, to) == 0);
    }
    assert (support_node_init (COUNTY->dir, "330106") == ERR_OK);
    assert (support_node_stop (CITY, SIGTERM) == 0);
    assert (support_node_restart (CITY) == ERR_OK);
    assert (support_node_restart (COUNTY) == ERR_OK);
    assert (support_admin (&s_admin, COUNTY) == ERR_OK);

    //  A department registered with the new key, and the genuine one
    //  registered before the point, both publish to the top.
    assert (support_dept_make (&s_d4, 4, s_dir) == ERR_OK);
    assert (support_register (s_admin, &s_d4) == ERR_OK);
    s_publish (&s_d4, 1, 3);
    s_publish (&s_d1, 5, 1);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    for (uint32_t serial = 1; serial <= 3; serial++)
        assert (s_license (PROVINCE, &s_d4, serial) == ERR_OK);
    assert (s_license (PROVINCE, &s_d1, 5) == ERR_OK);
    s_assert_revocation_holds ();

    //  The stolen CURVE key no longer connects to the city as the county:
    //  the handshake is refused, so a Hello gets no answer.
    assert (!s_stolen_hello_answered ());
    //  The stolen admin key no longer opens the county.
    char out [4096];
    assert (s_run (out, sizeof out, "%s -n %s/node.pub -k %s/admin.key.old --timeout 1500 status",
                   support_licctl_path (), COUNTY->dir, COUNTY->dir) == 2);
    printf ("  after the rotation: the new key's statements at the province, the stolen keys "
            "refused at the handshake\n");
}

//  Every level restarted: the revocation and the quarantine stay, and
//  the county's new statements still flow.
static void
test_restarts_keep_it (void)
{
    licclient_destroy (&s_admin);
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 3; i >= 0; i--)
        assert (support_node_restart (&s_h.node [i]) == ERR_OK);
    assert (support_admin (&s_admin, COUNTY) == ERR_OK);
    s_assert_revocation_holds ();
    s_publish (&s_d4, 10, 2);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    assert (s_license (PROVINCE, &s_d4, 11) == ERR_OK);
    s_assert_revocation_holds ();
    printf ("  after restarts of every level: the same\n");
}


// ---------------------------------------------------------------------
//  Part 2: the province judges on its own.  The test plays city 330100:
//  its log is built here and sent as lic.Repl batches to a real province.

#define P_LOG_MAX 32

static support_node_t s_prov;       //  the real province
static int s_prov_repl;             //  its replication port
static char s_prov_curve [41];
static keyfile_t s_city;            //  the played city's node keys
static keyfile_t s_k1, s_k2;        //  county 330106's key, then its rotated one
static support_dept_t s_pa, s_pr;   //  a department of 330106; the thief's
static uint8_t *s_log [P_LOG_MAX + 1];
static size_t s_log_len [P_LOG_MAX + 1];
static uint64_t s_size;             //  the city's log size
static uint64_t s_sent;             //  of it acked by the province
static merkle_mem_store_t *s_tree;

//  Appends entry seq s_size + 1 of `origin` (origin seq `oseq`; 0: the
//  city's own seq) signed by signer.
static uint64_t
s_append (const char *origin, uint64_t oseq, Lic__EntryKind kind, const uint8_t *body, size_t len,
          const keyfile_t *signer)
{
    uint8_t sig [64];
    seal_sign (sig, body, len, signer->sign_sk);
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = (uint8_t *) body;
    env.body.len = len;
    env.signature.data = sig;
    env.signature.len = 64;
    env.key_id.data = (uint8_t *) signer->sign_pk;
    env.key_id.len = 32;
    Lic__LogEntry e;
    codec_entry_init (&e);
    e.seq = s_size + 1;
    e.origin_division = (char *) origin;
    e.origin_seq = oseq? oseq: e.seq;
    e.kind = kind;
    e.envelope = &env;
    e.received_at = (int64_t) time (NULL);
    assert (e.seq <= P_LOG_MAX);
    assert (codec_entry_encode (&e, &s_log [e.seq], &s_log_len [e.seq]) == ERR_OK);
    uint8_t leaf [32];
    merkle_leaf_hash (leaf, s_log [e.seq], s_log_len [e.seq]);
    assert (merkle_append (merkle_mem_store_ops (s_tree), s_size, leaf) == ERR_OK);
    return ++s_size;
}

static uint64_t s_rev_head;         //  division_head of the next revocation, if not 0

//  A node record of the city for 330106: key pk (a rotation if replaces),
//  or a revocation of pk after origin seq `after` (revoke).
static uint64_t
s_append_node (const uint8_t pk [32], const uint8_t *replaces, bool revoke, uint64_t after)
{
    Lic__NodeRecord rec;
    codec_node_record_init (&rec);
    rec.division = "330106";
    rec.parent_division = "330100";
    rec.sign_key.data = (uint8_t *) pk;
    rec.sign_key.len = 32;
    if (replaces) {
        rec.replaces_key.data = (uint8_t *) replaces;
        rec.replaces_key.len = 32;
    }
    rec.revocation = revoke;
    rec.revoked_after = after;
    //  What the city held of 330106 when it revoked: the point, unless
    //  the test says otherwise.
    rec.division_head = s_rev_head? s_rev_head: after;
    s_rev_head = 0;
    rec.at = (int64_t) time (NULL);
    uint8_t *body;
    size_t len;
    assert (codec_node_record_encode (&rec, &body, &len) == ERR_OK);
    uint64_t seq = s_append ("330100", 0, LIC__ENTRY_KIND__ENTRY_NODE, body, len, &s_city);
    free (body);
    return seq;
}

//  A registration of d made at 330106, signed by key k, origin seq oseq.
static void
s_append_registration (const support_dept_t *d, const keyfile_t *k, uint64_t oseq)
{
    uint8_t curve [32], *body;
    size_t len;
    assert (zmq_z85_decode (curve, d->key.curve_pk));
    ProtobufCBinaryData pk = { 32, (uint8_t *) d->key.sign_pk };
    char *types [1] = { (char *) d->type_code };
    Lic__Department dept;
    codec_department_init (&dept);
    dept.credit_code = (char *) d->key.code;
    dept.name = (char *) d->key.name;
    dept.n_sign_keys = 1;
    dept.sign_keys = &pk;
    dept.curve_key.data = curve;
    dept.curve_key.len = 32;
    dept.n_license_types = 1;
    dept.license_types = types;
    Lic__Registration reg;
    codec_registration_init (&reg);
    reg.division = "330106";
    reg.department = &dept;
    reg.at = (int64_t) time (NULL);
    assert (codec_registration_encode (&reg, &body, &len) == ERR_OK);
    s_append ("330106", oseq, LIC__ENTRY_KIND__ENTRY_REGISTRATION, body, len, k);
    free (body);
}

//  Version `version` of d's type in 330106's line, signed by key k.
static void
s_append_catalogue (const support_dept_t *d, uint32_t version, const keyfile_t *k, uint64_t oseq)
{
    support_type_t parts;
    support_type_make (&parts, d->type_code);
    Lic__LicenseType t = parts.type;
    t.version = version;
    t.division = "330106";
    t.at = (int64_t) time (NULL);
    uint8_t *body;
    size_t len;
    assert (codec_license_type_encode (&t, &body, &len) == ERR_OK);
    s_append ("330106", oseq, LIC__ENTRY_KIND__ENTRY_CATALOGUE, body, len, k);
    free (body);
}

//  An issue of license `serial` by d, made at 330106, origin seq oseq.
static void
s_append_issue (const support_dept_t *d, uint32_t serial, uint64_t oseq)
{
    uint8_t *body, sig [64];
    size_t len;
    assert (support_event_sign (d, LIC__OP__OP_ISSUE, serial, 0, serial, &body, &len, sig) == ERR_OK);
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = body;
    env.body.len = len;
    env.signature.data = sig;
    env.signature.len = 64;
    env.key_id.data = (uint8_t *) d->key.sign_pk;
    env.key_id.len = 32;
    Lic__LogEntry e;
    codec_entry_init (&e);
    e.seq = s_size + 1;
    e.origin_division = "330106";
    e.origin_seq = oseq;
    e.kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    e.envelope = &env;
    e.received_at = (int64_t) time (NULL);
    assert (e.seq <= P_LOG_MAX);
    assert (codec_entry_encode (&e, &s_log [e.seq], &s_log_len [e.seq]) == ERR_OK);
    uint8_t leaf [32];
    merkle_leaf_hash (leaf, s_log [e.seq], s_log_len [e.seq]);
    assert (merkle_append (merkle_mem_store_ops (s_tree), s_size, leaf) == ERR_OK);
    s_size++;
    free (body);
}

static void
s_send (zsock_t *sock, Lic__Repl *msg)
{
    uint8_t *buf;
    size_t len;
    assert (codec_repl_encode (msg, &buf, &len) == ERR_OK);
    zframe_t *f = zframe_new (buf, len);
    free (buf);
    assert (f && zframe_send (&f, sock, 0) == 0);
}

//  The next answer other than a heartbeat (10 s at most).
static Lic__Repl *
s_recv (zsock_t *sock)
{
    int64_t deadline = support_now_us () + 10000 * 1000;
    while (true) {
        int64_t left = (deadline - support_now_us ()) / 1000;
        assert (left > 0);
        zsock_set_rcvtimeo (sock, (int) left);
        zframe_t *f = zframe_recv (sock);
        assert (f);
        Lic__Repl *msg = NULL;
        assert (codec_repl_decode (zframe_data (f), zframe_size (f), &msg) == ERR_OK);
        zframe_destroy (&f);
        if (msg->body_case != LIC__REPL__BODY_HEARTBEAT)
            return msg;
        codec_repl_free (&msg);
    }
}

//  Node summaries the next s_push relays in a heartbeat before its batch
//  (encoded envelopes; freed by it).
static ProtobufCBinaryData s_relay [2];
static size_t s_n_relay;

//  Adds a summary of `division` (under `parent`, claiming `head`) signed
//  by k to what the next s_push relays.
static void
s_relay_summary (const char *division, const char *parent, uint64_t head, const keyfile_t *k)
{
    Lic__NodeSummary sum = LIC__NODE_SUMMARY__INIT;
    sum.version = 1;
    sum.division = (char *) division;
    sum.parent_division = (char *) parent;
    sum.head_seq = head;
    sum.uplink_acked = head;
    sum.uplink_state = "up";
    sum.made_at = (int64_t) time (NULL);
    size_t len = lic__node_summary__get_packed_size (&sum);
    uint8_t *body = malloc (len), sig [64];
    assert (body);
    lic__node_summary__pack (&sum, body);
    seal_sign (sig, body, len, k->sign_sk);
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = body;
    env.body.len = len;
    env.signature.data = sig;
    env.signature.len = 64;
    env.key_id.data = (uint8_t *) k->sign_pk;
    env.key_id.len = 32;
    assert (s_n_relay < 2);
    assert (codec_envelope_encode (&env, &s_relay [s_n_relay].data, &s_relay [s_n_relay].len) == ERR_OK);
    s_n_relay++;
    free (body);
}

//  The summary of `division` the province holds in its subtree, its
//  head; UINT64_MAX if none.
static uint64_t
s_prov_subtree_head (const char *division)
{
    Lic__Reply *r = NULL;
    assert (support_status (&s_prov, &r) == ERR_OK);
    uint64_t head = UINT64_MAX;
    for (size_t i = 0; i < r->status->n_subtree; i++)
        if (r->status->subtree [i]->summary
        &&  streq (r->status->subtree [i]->summary->division, division))
            head = r->status->subtree [i]->summary->head_seq;
    codec_reply_free (&r);
    return head;
}

//  Connects as the city, says Hello with the whole log, relays the
//  summaries s_relay_summary added, sends what the province has not
//  acked, and waits for its Ack of all of it.
static void
s_push (void)
{
    uint8_t pk [32], sk [32], root [32];
    assert (zmq_z85_decode (pk, s_city.curve_pk) && zmq_z85_decode (sk, s_city.curve_sk));
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    assert (sock);
    zcert_t *cert = zcert_new_from (pk, sk);
    zcert_apply (cert, sock);
    zcert_destroy (&cert);
    zsock_set_curve_serverkey (sock, s_prov_curve);
    zsock_set_linger (sock, 0);
    zsock_set_sndtimeo (sock, 10000);
    assert (zsock_connect (sock, "tcp://127.0.0.1:%d", s_prov_repl) == 0);
    assert (merkle_root (merkle_mem_store_ops (s_tree), s_size, root) == ERR_OK);
    Lic__Repl msg;
    Lic__Hello h;
    codec_repl_init (&msg);
    lic__hello__init (&h);
    h.division = "330100";
    h.head_seq = s_size;
    h.head_root.data = root;
    h.head_root.len = 32;
    msg.body_case = LIC__REPL__BODY_HELLO;
    msg.hello = &h;
    s_send (sock, &msg);
    Lic__Repl *answer = s_recv (sock);
    assert (answer->body_case == LIC__REPL__BODY_WELCOME && answer->welcome->resume_after == s_sent);
    codec_repl_free (&answer);
    if (s_n_relay) {
        uint32_t age [2] = { 0, 0 };
        Lic__Heartbeat hb = LIC__HEARTBEAT__INIT;
        hb.head_seq = s_size;
        hb.acked_seq = s_sent;
        hb.now = (int64_t) time (NULL);
        hb.n_subtree = s_n_relay;
        hb.subtree = s_relay;
        hb.n_subtree_age = s_n_relay;
        hb.subtree_age = age;
        codec_repl_init (&msg);
        msg.body_case = LIC__REPL__BODY_HEARTBEAT;
        msg.heartbeat = &hb;
        s_send (sock, &msg);       //  taken before the batch: the Ack says it was
        for (size_t i = 0; i < s_n_relay; i++)
            free (s_relay [i].data);
        s_n_relay = 0;
    }
    ProtobufCBinaryData entries [P_LOG_MAX];
    size_t n = (size_t) (s_size - s_sent);
    for (size_t i = 0; i < n; i++) {
        entries [i].data = s_log [s_sent + 1 + i];
        entries [i].len = s_log_len [s_sent + 1 + i];
    }
    Lic__Batch b;
    codec_repl_init (&msg);
    lic__batch__init (&b);
    b.first_seq = s_sent + 1;
    b.n_entries = n;
    b.entries = entries;
    b.root_after.data = root;
    b.root_after.len = 32;
    b.oldest_at = (int64_t) time (NULL);
    msg.body_case = LIC__REPL__BODY_BATCH;
    msg.batch = &b;
    s_send (sock, &msg);
    answer = s_recv (sock);
    if (answer->body_case == LIC__REPL__BODY_NACK)
        fprintf (stderr, "nack %s: %s\n", err_str (answer->nack->code), answer->nack->reason);
    assert (answer->body_case == LIC__REPL__BODY_ACK && answer->ack->acked_seq == s_size);
    codec_repl_free (&answer);
    s_sent = s_size;
    zsock_destroy (&sock);
}

//  The province's quarantine entry ORIGIN/SEQ: its code and reason.
static void
s_prov_held (const char *point, const char *code, const char *reason)
{
    char out [8192];
    assert (s_run (out, sizeof out, "%s -d %s quarantine show %s", support_licctl_path (),
                   s_prov.dir, point) == 0);
    if (!strstr (out, code) || !strstr (out, reason))
        fprintf (stderr, "province, %s:\n%s\n", point, out);
    assert (strstr (out, code) && strstr (out, reason));
}

static void
test_the_province_judges_on_its_own (void)
{
    char dir [600], city_dir [600], path [700], cfg [1024];
    snprintf (dir, sizeof dir, "%s/p2-330000", s_dir);
    snprintf (city_dir, sizeof city_dir, "%s/p2-330100", s_dir);
    assert (support_node_init (city_dir, "330100") == ERR_OK);
    snprintf (path, sizeof path, "%s/node.key", city_dir);
    assert (keyfile_load (&s_city, path) == ERR_OK && s_city.has_secret);
    assert (keyfile_generate (&s_k1, "330106", "county") == ERR_OK);
    assert (keyfile_generate (&s_k2, "330106", "county, rotated") == ERR_OK);
    assert (support_dept_make (&s_pa, 11, s_dir) == ERR_OK);
    assert (support_dept_make (&s_pr, 12, s_dir) == ERR_OK);
    s_prov_repl = support_free_port ();
    snprintf (cfg, sizeof cfg,
        "{ \"division\": \"330000\", \"name\": \"province\", \"checkpoint_ms\": 200,\n"
        "  \"replication_listen\": \"tcp://127.0.0.1:%d\",\n"
        "  \"children\": [ { \"pub_file\": \"%s/node.pub\" } ] }\n", s_prov_repl, city_dir);
    assert (support_node_start_cfg (&s_prov, dir, support_free_port (), "330000", cfg) == ERR_OK);
    keyfile_t pub;
    snprintf (path, sizeof path, "%s/node.pub", dir);
    assert (keyfile_load (&pub, path) == ERR_OK);
    memcpy (s_prov_curve, pub.curve_pk, sizeof s_prov_curve);
    s_tree = merkle_mem_store_new ();
    assert (s_tree);

    //  The county's key, its department, its type, a license; then the
    //  city's revocation of that key after origin seq 3.
    s_append_node (s_k1.sign_pk, NULL, false, 0);
    s_append_registration (&s_pa, &s_k1, 1);
    s_append_catalogue (&s_pa, 1, &s_k1, 2);
    s_append_issue (&s_pa, 1, 3);
    s_append_node (s_k1.sign_pk, NULL, true, 3);
    //  What the key signed after it: void; the thief's department unknown;
    //  the county's genuine department goes on.
    s_append_registration (&s_pr, &s_k1, 4);
    s_append_issue (&s_pr, 1, 5);
    s_append_issue (&s_pa, 2, 6);
    s_push ();
    assert (s_quarantined (&s_prov) == 2);
    s_prov_held ("330106/4", "ERR_NODE_KEY_REVOKED", "which 330100 revoked as compromised after "
                 "origin seq 3");
    s_prov_held ("330106/5", "ERR_UNKNOWN_KEY", "not registered at 330106");
    assert (s_license (&s_prov, &s_pa, 1) == ERR_OK && s_license (&s_prov, &s_pa, 2) == ERR_OK);
    assert (s_license (&s_prov, &s_pr, 1) == ERR_NOT_FOUND);

    //  After a restart, the revocation still binds.
    assert (support_node_stop (&s_prov, SIGTERM) == 0);
    assert (support_node_restart (&s_prov) == ERR_OK);
    s_append_catalogue (&s_pa, 2, &s_k1, 7);
    //  The rotation to the county's new key; the revoked key given back
    //  (as a rotation naming the new one); a second revocation, below
    //  what the province holds of 330106.
    s_append_node (s_k2.sign_pk, s_k1.sign_pk, false, 0);
    //  Relayed before this batch, while 330106's key is still the revoked
    //  one: a summary it signs (a use with no origin seq) is refused, the
    //  city's own is taken.
    s_relay_summary ("330106", "330100", 777777, &s_k1);
    s_relay_summary ("330100", "330000", s_size, &s_city);
    char back [32], below [32];
    snprintf (back, sizeof back, "330100/%" PRIu64, s_append_node (s_k1.sign_pk, s_k2.sign_pk, false, 0));
    snprintf (below, sizeof below, "330100/%" PRIu64, s_append_node (s_k2.sign_pk, NULL, true, 2));
    //  The new key's statements, and the genuine department, go on.
    s_append_registration (&s_pr, &s_k2, 8);
    s_append_issue (&s_pa, 3, 9);
    s_push ();
    assert (s_prov_subtree_head ("330100") != UINT64_MAX);
    assert (s_prov_subtree_head ("330106") == UINT64_MAX);
    s_prov_held ("330106/7", "ERR_NODE_KEY_REVOKED", "after origin seq 3");
    s_prov_held (back, "ERR_KEY_REVOKED", "never comes back");
    s_prov_held (below, "ERR_BAD_FIELD", "up to origin seq 6");
    assert (s_quarantined (&s_prov) == 5);
    assert (s_license (&s_prov, &s_pa, 3) == ERR_OK);

    //  A key already rotated out may be revoked too (its record came in
    //  the same batch): the county rotates again, then the city revokes
    //  the key it left, after what the province holds of 330106.
    keyfile_t k3;
    assert (keyfile_generate (&k3, "330106", "county, rotated again") == ERR_OK);
    s_append_node (k3.sign_pk, s_k2.sign_pk, false, 0);
    s_append_node (s_k2.sign_pk, NULL, true, 9);
    s_push ();
    assert (s_quarantined (&s_prov) == 5);
    char log [65536], want [80];
    snprintf (want, sizeof want, "node key revoked: 330106's key %02x%02x%02x%02x",
              s_k2.sign_pk [0], s_k2.sign_pk [1], s_k2.sign_pk [2], s_k2.sign_pk [3]);
    assert (s_run (log, sizeof log, "%s -d %s log --all", support_licctl_path (), s_prov.dir) == 0);
    assert (strstr (log, want));
    //  A revocation whose point lies beyond what its signer says it held
    //  of 330106 (a no-op revocation, made to keep the key from ever
    //  being revoked): refused at the province too.
    s_rev_head = 10;
    char beyond [32];
    snprintf (beyond, sizeof beyond, "330100/%" PRIu64,
              s_append_node (k3.sign_pk, NULL, true, UINT64_MAX));
    s_push ();
    s_prov_held (beyond, "ERR_BAD_FIELD", "revoke after 10 or less");
    assert (s_quarantined (&s_prov) == 6);
    //  Only the direct parent revokes: the province may not revoke its
    //  city's county's key (it would revoke the city's).
    char k3_pub [700], out [4096];
    snprintf (k3_pub, sizeof k3_pub, "%s/k3.pub", s_dir);
    assert (keyfile_save (&k3, k3_pub, false) == ERR_OK);
    assert (s_run (out, sizeof out, "%s -d %s node revoke 330106 --key-file %s",
                   support_licctl_path (), s_prov.dir, k3_pub) == 1);
    if (!strstr (out, "only the division's parent"))
        fprintf (stderr, "%s\n", out);
    assert (strstr (out, "ERR_FORBIDDEN") && strstr (out, "only the division's parent"));
    keyfile_wipe (&k3);

    assert (support_node_stop (&s_prov, SIGTERM) == 0);
    assert (support_node_check (&s_prov) == ERR_OK);
    for (uint64_t i = 1; i <= s_size; i++)
        free (s_log [i]);
    merkle_mem_store_destroy (&s_tree);
    printf ("  the province on its own: what the revoked key signed after the point relayed to it "
            "is quarantined, before and after a restart; the key does not come back; a point "
            "below what it holds is refused; licnode check passes\n");
}

int
main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "e2e-revoke") == ERR_OK);
    s_city_metrics = support_free_port ();
    snprintf (s_h.extra [2], sizeof s_h.extra [2], "\"metrics_listen\": \"127.0.0.1:%d\",",
              s_city_metrics);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    assert (support_admin (&s_admin, COUNTY) == ERR_OK);

    test_before_the_theft ();
    test_the_city_revokes_the_key ();
    test_the_thiefs_statements_are_quarantined ();
    test_the_county_rotates_and_flows_again ();
    test_restarts_keep_it ();

    licclient_destroy (&s_admin);
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    printf ("  licnode check passes at every level\n");
    test_the_province_judges_on_its_own ();
    keyfile_wipe (&s_stolen);
    support_rmtree (s_dir);
    printf ("e2e_revoke: all passed\n");
    return 0;
}
