/*  test_e2e_quarantine -- held entries resolve, with real processes
    (county -> city -> province; README "Quarantine", proto/README.md
    section 7, proto/FORMAT.md FORMAT 7).

    County 330106 changes its node signing key (its CURVE key stays, so
    it still connects) while its city still holds the old one: what the
    county's node key signs from then on -- a department's registration,
    its license type -- is held at the city (ERR_UNKNOWN_KEY), and so are
    the events of that department; the events of a department registered
    before pass and travel up, so the province has holes where the held
    entries belong and its per-origin digest of the county differs from
    the county's.  The city's operator then takes the county's new key
    (restart with the new node.pub: a rotation record): the held entries
    are retried, in origin order, applied and appended at the city as the
    entries they are, and fill their holes at the province; the county's
    disk lost, it is rebuilt from its city.  Then two registrations signed
    by a key the city learns only after a later registration of the county
    was applied there are held by the order of the county's statements
    (ERR_EXISTS): the city's operator releases one and rejects the other
    (licctl quarantine release|reject --reason), and the province logs both
    decisions with who made them and why.  Equal per-origin digests at
    every level and `licnode check` passing at every level, before and
    after restarts, after each part.
*/
#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "proto/codec.h"
#include "tests/support/support.h"

#define COUNTY   (&s_h.node [0])
#define SIBLING  (&s_h.node [1])
#define CITY     (&s_h.node [2])
#define PROVINCE (&s_h.node [3])
#define WAIT_S   60                 //  bound on every wait for the hierarchy

static char s_dir [512];
static support_hier_t s_h;
static support_dept_t s_d1;         //  registered before the key changed
static support_dept_t s_d2;         //  registered after: held at the city at first
static uint64_t s_reg_seq;          //  origin seq of s_d2's registration

// ---------------------------------------------------------------------
//  Helpers

//  The quarantine of node n (first 1000 entries); caller frees.
static Lic__Reply *
s_held (const support_node_t *n)
{
    licclient_t *admin = NULL;
    assert (support_admin (&admin, n) == ERR_OK);
    Lic__Request req;
    Lic__QuarantineRequest q = LIC__QUARANTINE_REQUEST__INIT;
    codec_request_init (&req);
    q.limit = 1000;
    req.body_case = LIC__REQUEST__BODY_QUARANTINE;
    req.quarantine = &q;
    Lic__Reply *r = NULL;
    assert (licclient_call (admin, &req, &r, 10000) == ERR_OK && r->code == ERR_OK);
    licclient_destroy (&admin);
    return r;
}

static uint64_t
s_held_total (const support_node_t *n)
{
    Lic__Reply *r = s_held (n);
    uint64_t total = r->quarantine->total;
    codec_reply_free (&r);
    return total;
}

//  Waits (bounded) until node n holds `want` entries.
static void
s_wait_held (const support_node_t *n, uint64_t want)
{
    int64_t deadline = support_now_us () + WAIT_S * 1000000LL;
    uint64_t total;
    while ((total = s_held_total (n)) != want && support_now_us () < deadline)
        zclock_sleep (100);
    if (total != want)
        fprintf (stderr, "%s holds %" PRIu64 " entries, expected %" PRIu64 "\n", n->division,
                 total, want);
    assert (total == want);
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

//  Publishes `licenses` licenses of d from serial0 at the county.
static void
s_publish (const support_dept_t *d, uint32_t serial0, int licenses)
{
    licclient_t *c = NULL;
    assert (support_client (&c, COUNTY, d) == ERR_OK);
    assert (support_publish (c, d, serial0, licenses, 1) == 2 * licenses);
    licclient_destroy (&c);
}

//  True if every level's digest of origin 330106 is the county's.
static bool
s_digests_equal (void)
{
    uint8_t want [32], got [32];
    uint64_t n_want, n_got;
    assert (support_digest (COUNTY, "330106", want, &n_want) == ERR_OK);
    bool equal = true;
    for (int i = 2; i <= 3; i++) {
        assert (support_digest (&s_h.node [i], "330106", got, &n_got) == ERR_OK);
        equal &= memcmp (want, got, 32) == 0 && n_want == n_got;
    }
    return equal;
}

static void
s_wait_synced (void)
{
    assert (support_hier_wait_synced (&s_h, WAIT_S) == ERR_OK);
}

//  Every level stopped, checked (`licnode check`), started again.
static void
s_check_every_level (void)
{
    for (int i = 3; i >= 0; i--)
        assert (support_node_stop (&s_h.node [i], SIGTERM) == 0);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    for (int i = 3; i >= 0; i--)
        assert (support_node_restart (&s_h.node [i]) == ERR_OK);
}

// ---------------------------------------------------------------------
//  The scenario

static void
test_before_the_change_everything_flows (void)
{
    licclient_t *admin = NULL;
    assert (support_admin (&admin, COUNTY) == ERR_OK);
    assert (support_dept_make (&s_d1, 1, s_dir) == ERR_OK);
    assert (support_register (admin, &s_d1) == ERR_OK);
    licclient_destroy (&admin);
    s_publish (&s_d1, 1, 3);
    s_wait_synced ();
    assert (s_digests_equal ());
    assert (s_held_total (CITY) == 0 && s_held_total (PROVINCE) == 0);
    printf ("  before: 3 licenses of 330106 at every level, nothing held\n");
}

//  The county stopped, its node signing key set to k's (a new one if k
//  has none yet; its CURVE key stays, so it still connects), restarted.
//  Its city is not told (it reads the county's node.pub when it starts).
static void
s_county_key (keyfile_t *k)
{
    assert (support_node_stop (COUNTY, SIGTERM) == 0);
    char path [700];
    keyfile_t old;
    snprintf (path, sizeof path, "%s/node.key", COUNTY->dir);
    assert (keyfile_load (&old, path) == ERR_OK && old.has_secret);
    if (!k->has_secret)
        assert (keyfile_generate (k, old.code, old.name) == ERR_OK);
    memcpy (k->curve_pk, old.curve_pk, sizeof k->curve_pk);
    memcpy (k->curve_sk, old.curve_sk, sizeof k->curve_sk);
    memcpy (k->endpoint, old.endpoint, sizeof k->endpoint);
    assert (keyfile_save (k, path, true) == ERR_OK);
    snprintf (path, sizeof path, "%s/node.pub", COUNTY->dir);
    assert (keyfile_save (k, path, false) == ERR_OK);
    assert (support_node_restart (COUNTY) == ERR_OK);
}

static keyfile_t s_k2, s_k3;        //  the county's second and third node keys

static void
test_the_county_changes_its_key (void)
{
    s_county_key (&s_k2);
}

//  What the new key signs is held at the city, with its reason; the
//  events of the department it registers too; the first department's
//  events pass and leave holes at the province.
static void
test_entries_signed_by_the_new_key_are_held (void)
{
    licclient_t *admin = NULL;
    assert (support_admin (&admin, COUNTY) == ERR_OK);
    assert (support_dept_make (&s_d2, 2, s_dir) == ERR_OK);
    assert (support_register (admin, &s_d2) == ERR_OK);     //  its type, then itself
    licclient_destroy (&admin);
    s_publish (&s_d2, 1, 2);                                //  4 events
    s_publish (&s_d1, 10, 2);                               //  4 events, they pass
    s_wait_synced ();
    s_wait_held (CITY, 6);
    Lic__Reply *r = s_held (CITY);
    const Lic__QuarantineResult *q = r->quarantine;
    int signed_by_node = 0, events = 0;
    for (size_t i = 0; i < q->n_items; i++) {
        const Lic__QuarantineItem *it = q->items [i];
        assert (streq (it->origin, "330106") && it->entry && it->code == ERR_UNKNOWN_KEY);
        if (it->entry->kind == LIC__ENTRY_KIND__ENTRY_EVENT) {
            //  Held behind the department's registration, named.
            char behind [80];
            snprintf (behind, sizeof behind, "; waits for held entry 330106/%" PRIu64
                      " (its registration)", s_reg_seq);
            assert (strstr (it->reason, behind) && strstr (it->reason, "not registered at 330106"));
            events++;
        }
        else {
            assert (strstr (it->reason, "is not signed by the key of node 330106"));
            if (it->entry->kind == LIC__ENTRY_KIND__ENTRY_REGISTRATION)
                s_reg_seq = it->origin_seq;
            signed_by_node++;
        }
        printf ("  held at the city: 330106/%" PRIu64 " %s\n", it->origin_seq, it->reason);
    }
    assert (signed_by_node == 2 && events == 4);
    codec_reply_free (&r);
    assert (s_held_total (PROVINCE) == 0);      //  never received there
    assert (!s_digests_equal ());
    printf ("  the province's digest of 330106 differs from the county's\n");
}

//  The city takes the county's new key: a rotation record, applied at
//  the city, after which the held entries pass, in origin order.
static void
test_the_cause_gone_they_resolve (void)
{
    assert (support_node_stop (CITY, SIGTERM) == 0);
    assert (support_node_restart (CITY) == ERR_OK);
    s_wait_held (CITY, 0);
    s_wait_synced ();
    assert (s_held_total (PROVINCE) == 0);
    int64_t deadline = support_now_us () + WAIT_S * 1000000LL;
    while (!s_digests_equal () && support_now_us () < deadline)
        zclock_sleep (100);
    assert (s_digests_equal ());
    uint8_t d [32];
    uint64_t licenses;
    assert (support_digest (PROVINCE, "330106", d, &licenses) == ERR_OK && licenses == 7);
    printf ("  after the city took the key: nothing held, 7 licenses of 330106 and equal "
            "digests at every level (province head %" PRIu64 ")\n", s_head (PROVINCE));
}

//  The county's disk lost: rebuilt from its city, whose log holds the
//  entries applied late after the ones that passed first.
static void
test_the_county_rebuilds_from_its_city (void)
{
    uint8_t before [32], after [32];
    uint64_t n_before, n_after, head_before = s_head (COUNTY);
    assert (support_digest (COUNTY, "330106", before, &n_before) == ERR_OK);
    assert (support_node_stop (COUNTY, SIGTERM) == 0);
    char cmd [8192];
    int n = snprintf (cmd, sizeof cmd, "cp %s/node.key %s/county-node.key && cp %s %s/county.json && "
              "rm -rf %s && mkdir -p %s && cp %s/county-node.key %s/node.key && "
              "cp %s/county.json %s && %s rebuild --from-parent -c %s -d %s > /dev/null",
              COUNTY->dir, s_dir, COUNTY->config, s_dir, COUNTY->dir, COUNTY->dir, s_dir,
              COUNTY->dir, s_dir, COUNTY->config, support_licnode_path (), COUNTY->config,
              COUNTY->dir);
    assert (n > 0 && (size_t) n < sizeof cmd);
    assert (system (cmd) == 0);
    assert (support_node_check (COUNTY) == ERR_OK);
    assert (support_node_restart (COUNTY) == ERR_OK);
    assert (s_head (COUNTY) == head_before);
    assert (support_digest (COUNTY, "330106", after, &n_after) == ERR_OK);
    assert (n_after == n_before && memcmp (before, after, 32) == 0);
    printf ("  the county rebuilt from its city: the same %" PRIu64 " entries and digest\n",
            head_before);
}

//  Registers department n at the county (no type of its own): the
//  county's origin seq of the registration.
static uint64_t
s_register_at_county (support_dept_t *d, uint32_t n)
{
    licclient_t *admin = NULL;
    assert (support_admin (&admin, COUNTY) == ERR_OK);
    assert (support_dept_make (d, n, s_dir) == ERR_OK);
    assert (support_register_department (admin, d) == ERR_OK);
    licclient_destroy (&admin);
    return s_head (COUNTY);
}

static uint64_t
s_departments (const support_node_t *n)
{
    Lic__Reply *r = NULL;
    assert (support_status (n, &r) == ERR_OK);
    uint64_t depts = r->status->departments;
    codec_reply_free (&r);
    return depts;
}

//  Runs licctl with args at node n's directory; its output into out.
static int
s_licctl (const support_node_t *n, char *out, size_t size, const char *args)
{
    char cmd [2048];
    snprintf (cmd, sizeof cmd, "%s -d %s %s 2>&1", support_licctl_path (), n->dir, args);
    FILE *p = popen (cmd, "r");
    assert (p);
    size_t len = fread (out, 1, size - 1, p);
    out [len] = 0;
    int st = pclose (p);
    return WIFEXITED (st)? WEXITSTATUS (st): -1;
}

//  Two registrations signed by a key the city learns only after a later
//  registration of the county was applied there: the order of the
//  county's statements holds them (ERR_EXISTS), and the operator decides.
static void
test_the_operator_releases_one_and_rejects_another (void)
{
    uint64_t city_depts = s_departments (CITY), prov_depts = s_departments (PROVINCE);
    support_dept_t d3, d4, d5;
    s_county_key (&s_k3);                               //  the city still has k2
    uint64_t seq3 = s_register_at_county (&d3, 3);
    uint64_t seq4 = s_register_at_county (&d4, 4);
    s_county_key (&s_k2);
    uint64_t seq5 = s_register_at_county (&d5, 5);      //  applied at the city
    s_wait_synced ();
    s_wait_held (CITY, 2);
    //  The city is given k3: its rotation record, a retry, and the two
    //  are held now only by the order of the county's statements.
    s_county_key (&s_k3);
    assert (support_node_stop (CITY, SIGTERM) == 0);
    assert (support_node_restart (CITY) == ERR_OK);
    int64_t deadline = support_now_us () + WAIT_S * 1000000LL;
    Lic__Reply *r = NULL;
    while (true) {
        r = s_held (CITY);
        bool both = r->quarantine->n_items == 2 && r->quarantine->items [0]->code == ERR_EXISTS
                 && r->quarantine->items [1]->code == ERR_EXISTS;
        if (both || support_now_us () > deadline)
            break;
        codec_reply_free (&r);
        zclock_sleep (100);
    }
    assert (r->quarantine->n_items == 2);
    for (size_t i = 0; i < 2; i++) {
        const Lic__QuarantineItem *it = r->quarantine->items [i];
        printf ("  held at the city: 330106/%" PRIu64 " %s\n", it->origin_seq, it->reason);
        assert (it->code == ERR_EXISTS && it->origin_seq == (i? seq4: seq3));
        char after [64];
        snprintf (after, sizeof after, "statement %" PRIu64 " was applied here", seq5);
        assert (strstr (it->reason, after));
    }
    codec_reply_free (&r);

    char out [8192], args [512];
    //  Not held here, and without a reason: refused.
    assert (s_licctl (CITY, out, sizeof out, "quarantine release 330106 1 --reason x") != 0
         && strstr (out, "ERR_NOT_FOUND") && strstr (out, "is not held here"));
    snprintf (args, sizeof args, "quarantine release 330106 %" PRIu64, seq3);
    assert (s_licctl (CITY, out, sizeof out, args) != 0 && strstr (out, "--reason"));
    snprintf (args, sizeof args, "quarantine release 330106 %" PRIu64 " --reason \"d3 was "
              "registered before d5: confirmed with the county\"", seq3);
    assert (s_licctl (CITY, out, sizeof out, args) == 0 && strstr (out, "released 330106/"));
    snprintf (args, sizeof args, "quarantine reject 330106 %" PRIu64 " --reason \"d4 is "
              "withdrawn: the county registered it by mistake\"", seq4);
    assert (s_licctl (CITY, out, sizeof out, args) == 0 && strstr (out, "rejected 330106/"));
    s_wait_held (CITY, 0);
    s_wait_synced ();
    assert (s_held_total (PROVINCE) == 0);
    //  d5 and d3 at the city and the province, d4 nowhere above the county.
    assert (s_departments (CITY) == city_depts + 2 && s_departments (PROVINCE) == prov_depts + 2);
    assert (s_digests_equal ());
    //  The province sees who decided what and why.
    static char log [4 << 20];
    assert (s_licctl (PROVINCE, log, sizeof log, "log --json --all") == 0);
    assert (strstr (log, "\"decided_by\": \"330100\"") || strstr (log, "\"decided_by\":\"330100\""));
    assert (strstr (log, "d3 was registered before d5: confirmed with the county"));
    assert (strstr (log, "d4 is withdrawn: the county registered it by mistake"));
    assert (strstr (log, "\"release\"") && strstr (log, "\"reject\""));
    printf ("  the city's operator released 330106/%" PRIu64 " and rejected 330106/%" PRIu64
            ": nothing held, the province logs both decisions with their reasons\n", seq3, seq4);
}

static void
test_check_and_restarts_keep_it (void)
{
    s_check_every_level ();
    s_wait_synced ();
    assert (s_digests_equal ());
    assert (s_held_total (CITY) == 0 && s_held_total (PROVINCE) == 0);
    s_check_every_level ();
    printf ("  licnode check passes at every level, before and after restarts\n");
}

int
main (void)
{
    assert (support_tmpdir (s_dir, "quarantine") == ERR_OK);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    test_before_the_change_everything_flows ();
    test_the_county_changes_its_key ();
    test_entries_signed_by_the_new_key_are_held ();
    test_the_cause_gone_they_resolve ();
    test_the_county_rebuilds_from_its_city ();
    test_check_and_restarts_keep_it ();
    test_the_operator_releases_one_and_rejects_another ();
    test_the_county_rebuilds_from_its_city ();
    test_check_and_restarts_keep_it ();
    support_hier_stop (&s_h, SIGTERM);
    support_rmtree (s_dir);
    printf ("test_e2e_quarantine: OK\n");
    return 0;
}
