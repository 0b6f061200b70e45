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

    //  Revoked from the last origin seq of 330106 the city holds.
    assert (s_run (out, sizeof out, "%s -d %s node revoke 330106 --key-file %s/node.pub", licctl,
                   CITY->dir, COUNTY->dir) == 0);
    snprintf (want, sizeof want, "after origin seq %" PRIu64 " are void", held);
    assert (strstr (out, "revoked: key ") && strstr (out, want));
    s_point = held;
    assert (s_head (CITY) == city_head + 1);
    //  Once.
    assert (s_run (out, sizeof out, "%s -d %s node revoke 330106 --key-file %s/node.pub --after %"
                   PRIu64, licctl, CITY->dir, COUNTY->dir, held + 5) == 1);
    assert (strstr (out, "ERR_KEY_REVOKED") && strstr (out, "already revoked"));
    //  The record travels up.
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
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
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    //  The county itself took them: it holds no revocation of its own key.
    assert (s_license (COUNTY, &s_rogue, 500) == ERR_OK);
    s_rogue_held = 4;
    s_assert_revocation_holds ();
    printf ("  the thief's registration and catalogue entry: ERR_NODE_KEY_REVOKED at the city; "
            "its licenses: ERR_UNKNOWN_KEY; nothing at the province\n");
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
    assert (answer == NULL);
    zsock_destroy (&sock);
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

int
main (void)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "e2e-revoke") == ERR_OK);
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
    keyfile_wipe (&s_stolen);
    support_rmtree (s_dir);
    printf ("e2e_revoke: all passed\n");
    return 0;
}
