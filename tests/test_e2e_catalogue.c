/*  test_e2e_catalogue -- the license catalogue on real nodes (county ->
    city -> province): a license that breaks its type's standard is
    refused at the door with an error naming the item and the rule; a
    type not in the catalogue, or a withdrawn version, is refused; the
    catalogue and its history travel upward and survive a restart; old
    licenses keep the version they were checked against; blobs are
    content-addressed with a size limit; the lateness report shows late
    releases; random legal and illegal sequences at a county leave the
    province with exactly the county's licenses.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proto/codec.h"
#include "node/common/licjson.h"
#include <zmq.h>
#include "proto/seal.h"
#include "tests/support/support.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

static support_hier_t s_h;
static support_dept_t s_dept;
static char s_dir [512];
static licclient_t *s_admin, *s_client;

//  Publishes the event JSON (license id built from serial) and returns
//  the node's code; why gets its message.
static int
s_publish_json (const char *op, uint32_t serial, uint32_t expected, const char *items,
                const char *valid_to, int64_t completed_at, char *why, size_t why_size)
{
    char id [LICID_BARE_MAX + 1], json [4096];
    support_license_id (id, s_dept.type_code, s_dept.key.code, serial);
    snprintf (json, sizeof json,
        "{\"op\":\"%s\",\"license_id\":\"%s\",\"expected_version\":%u,\"issuer_code\":\"%s\","
        "\"completed_at\":%" PRId64 ",\"license\":{\"name\":\"营业执照\","
        "\"holder\":{\"id_type\":\"001\",\"id\":\"%s\",\"name\":\"杭州示例有限公司\"},"
        "\"issue_date\":\"2026-11-27\",\"valid_from\":\"2026-11-27\",\"valid_to\":%s,"
        "\"division_code\":\"330106\",\"items\":{%s}}}",
        op, id, expected, s_dept.key.code, completed_at, s_dept.key.code, valid_to, items);
    Lic__Event *ev = NULL;
    assert (licjson_event_from_json (json, &ev, why, why_size) == ERR_OK);
    uint8_t *body, sig [64];
    size_t len;
    assert (licclient_sign (ev, s_dept.key.sign_sk, s_dept.key.sign_pk, &body, &len, sig) == ERR_OK);
    codec_event_free (&ev);
    int code = -1;
    assert (licclient_publish (s_client, body, len, sig, s_dept.key.sign_pk, NULL, NULL, &code,
                               why, why_size, 10000) == ERR_OK);
    free (body);
    return code;
}

#define ITEMS_OK "\"business_scope\":\"技术服务\",\"credit_code\":\"91330106000000001X\"," \
    "\"established\":\"2026-11-27\",\"legal_representative\":\"张三\",\"name\":\"杭州示例\"," \
    "\"registered_capital\":\"100万元\",\"registration_authority\":\"西湖区\",\"residence\":\"文三路1号\""

static int64_t s_now;

static void
test_a_license_breaking_its_standard_is_refused_naming_item_and_rule (void)
{
    char why [512];
    assert (s_publish_json ("issue", 1, 0, ITEMS_OK, "\"2046-11-26\"", s_now, why, sizeof why) == ERR_OK);
    //  Missing a required item.
    int rc = s_publish_json ("issue", 2, 0, "\"business_scope\":\"x\"", "\"2046-11-26\"", s_now, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (rc), why);
    assert (rc == ERR_CATALOGUE && strstr (why, "required"));
    //  An item the type does not know.
    rc = s_publish_json ("issue", 3, 0, ITEMS_OK ",\"shoe_size\":\"42\"", "\"2046-11-26\"", s_now, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (rc), why);
    assert (rc == ERR_CATALOGUE && strstr (why, "shoe_size"));
    //  A date that is not a date.
    rc = s_publish_json ("issue", 4, 0,
        "\"business_scope\":\"x\",\"credit_code\":\"x\",\"established\":\"27/11/2026\",\"legal_representative\":\"x\","
        "\"name\":\"x\",\"registered_capital\":\"x\",\"registration_authority\":\"x\",\"residence\":\"x\"",
        "\"2046-11-26\"", s_now, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (rc), why);
    assert (rc == ERR_CATALOGUE && strstr (why, "established"));
    //  Dates inconsistent with the 240-month term.
    rc = s_publish_json ("issue", 5, 0, ITEMS_OK, "\"2030-01-01\"", s_now, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (rc), why);
    assert (rc == ERR_CATALOGUE && strstr (why, "validity"));
    //  An alteration is checked too.
    rc = s_publish_json ("alter", 1, 1, "\"business_scope\":\"x\"", "\"2046-11-26\"", s_now, why, sizeof why);
    assert (rc == ERR_CATALOGUE);
}

static void
test_unknown_type_and_withdrawn_version_are_refused (void)
{
    //  A department registered for a type that is not in the catalogue.
    support_dept_t other;
    assert (support_dept_make (&other, 801, s_dir) == ERR_OK);
    assert (support_register_department (s_admin, &other) == ERR_OK);
    licclient_t *c = NULL;
    assert (support_client (&c, &s_h.node [0], &other) == ERR_OK);
    uint8_t *body, sig [64];
    size_t len;
    assert (support_event_sign (&other, LIC__OP__OP_ISSUE, 1, 0, 1, &body, &len, sig) == ERR_OK);
    int code = -1;
    char why [256];
    assert (licclient_publish (c, body, len, sig, other.key.sign_pk, NULL, NULL, &code, why, sizeof why, 10000) == ERR_OK);
    printf ("  refused: %s: %s\n", err_str (code), why);
    assert (code == ERR_UNKNOWN_TYPE);
    free (body);
    licclient_destroy (&c);
}

static Lic__Reply *
s_catalogue (int node, const char *code, bool history)
{
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_h.node [node]) == ERR_OK);
    Lic__CatalogueRequest cr;
    lic__catalogue_request__init (&cr);
    cr.type_code = (char *) (code? code: "");
    cr.history = history;
    //  The county's line of the code, wherever it is read: each node's
    //  definitions are their own (proto/authority.h).
    cr.division = "330106";
    Lic__Reply *r = NULL;
    assert (licclient_catalogue (admin, &cr, &r, 10000) == ERR_OK);
    licclient_destroy (&admin);
    return r;
}

static void
test_catalogue_versions_travel_up_and_survive_restart (void)
{
    //  A second version; then a third, withdrawn.
    assert (support_catalogue_add (s_admin, s_dept.type_code) == ERR_OK);
    char why [512];
    assert (s_publish_json ("issue", 10, 0, ITEMS_OK, "\"2046-11-26\"", s_now, why, sizeof why) == ERR_OK);
    Lic__Reply *r = s_catalogue (0, s_dept.type_code, false);
    assert (r->code == ERR_OK && r->catalogue->n_types == 1);
    uint32_t v = r->catalogue->types [0]->version;
    assert (v == 2);
    Lic__LicenseType withdrawn = *r->catalogue->types [0];
    withdrawn.withdrawn = true;
    assert (support_catalogue_put (s_admin, &withdrawn) == ERR_OK);
    codec_reply_free (&r);
    int rc = s_publish_json ("issue", 11, 0, ITEMS_OK, "\"2046-11-26\"", s_now, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (rc), why);
    assert (rc == ERR_UNKNOWN_TYPE && strstr (why, "withdrawn"));
    //  The license issued under version 1 keeps it.
    char id [LICID_BARE_MAX + 1];
    support_license_id (id, s_dept.type_code, s_dept.key.code, 1);
    assert (licclient_get (s_admin, id, false, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (r->license->state->catalogue_version == 1);
    codec_reply_free (&r);
    support_license_id (id, s_dept.type_code, s_dept.key.code, 10);
    assert (licclient_get (s_admin, id, false, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (r->license->state->catalogue_version == 2);
    codec_reply_free (&r);

    //  History at the county after a restart, and at the province.
    licclient_destroy (&s_admin);
    licclient_destroy (&s_client);
    assert (support_node_stop (&s_h.node [0], SIGTERM) == 0);
    assert (support_node_restart (&s_h.node [0]) == ERR_OK);
    assert (support_admin (&s_admin, &s_h.node [0]) == ERR_OK);
    assert (support_client (&s_client, &s_h.node [0], &s_dept) == ERR_OK);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    for (int node = 0; node < 4; node += 3) {
        r = s_catalogue (node, s_dept.type_code, true);
        assert (r->code == ERR_OK && r->catalogue->n_types == 3);
        for (size_t i = 0; i < 3; i++)
            assert (r->catalogue->types [i]->version == i + 1
                 && streq (r->catalogue->types [i]->division, "330106"));
        assert (r->catalogue->types [2]->withdrawn);
        codec_reply_free (&r);
    }
    printf ("  catalogue: 3 versions at the county after a restart and at the province\n");
    //  Back to a usable version for what follows.
    assert (support_catalogue_add (s_admin, s_dept.type_code) == ERR_OK);
}

static void
test_blobs_are_content_addressed_with_a_limit (void)
{
    uint8_t small [1000];
    for (size_t i = 0; i < sizeof small; i++)
        small [i] = (uint8_t) (i * 7);
    Lic__Reply *r = NULL;
    assert (licclient_blob_put (s_admin, small, sizeof small, &r, 10000) == ERR_OK && r->code == ERR_OK);
    uint8_t digest [32], expect [32];
    memcpy (digest, r->blob->digest.data, 32);
    seal_hash (expect, small, sizeof small, NULL, 0);
    assert (memcmp (digest, expect, 32) == 0);
    codec_reply_free (&r);
    assert (licclient_blob_get (s_admin, digest, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (r->blob->data.len == sizeof small && memcmp (r->blob->data.data, small, sizeof small) == 0);
    codec_reply_free (&r);
    //  Over the limit: refused with its own error.
    size_t big_len = 200 * 1024;
    uint8_t *big = calloc (1, big_len);
    assert (licclient_blob_put (s_admin, big, big_len, &r, 10000) == ERR_OK && r->code == ERR_TOO_LARGE);
    printf ("  blob over the limit: %s: %s\n", err_str (r->code), r->message);
    codec_reply_free (&r);
    free (big);
}

static void
test_lateness_report_shows_late_releases (void)
{
    char why [512];
    //  Completed two days ago, released now: late.
    assert (s_publish_json ("issue", 20, 0, ITEMS_OK, "\"2046-11-26\"", s_now - 2 * 86400, why, sizeof why) == ERR_OK);
    Lic__Reply *r = NULL;
    assert (licclient_report (s_admin, "lateness", 0, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (r->report->n_rows == 1);
    assert (streq (r->report->rows [0]->issuer, s_dept.key.code));
    assert (r->report->rows [0]->late == 1 && r->report->rows [0]->worst_seconds > 86400 - 60);
    codec_reply_free (&r);
}

static uint64_t
s_overdue_count (void)
{
    sleep (3);      //  counted a slice per second
    Lic__Reply *st = NULL;
    assert (support_status (&s_h.node [0], &st) == ERR_OK);
    uint64_t n = st->status->inspections_overdue;
    codec_reply_free (&st);
    return n;
}

static void
test_overdue_annual_inspection_is_flagged_and_counted (void)
{
    //  A version of the type that requires an annual inspection within
    //  30 days of each anniversary of the issue date.
    Lic__Reply *r = s_catalogue (0, s_dept.type_code, false);
    Lic__LicenseType t = *r->catalogue->types [0];
    Lic__ValidityRule rule = *t.validity;
    rule.annual_inspection = true;
    rule.inspection_window_days = 30;
    rule.term_months = 0;
    t.validity = &rule;
    assert (support_catalogue_put (s_admin, &t) == ERR_OK);
    codec_reply_free (&r);
    //  Issued almost three years ago, never inspected.
    char id [LICID_BARE_MAX + 1], json [4096], why [256];
    support_license_id (id, s_dept.type_code, s_dept.key.code, 900);
    snprintf (json, sizeof json,
        "{\"op\":\"issue\",\"license_id\":\"%s\",\"issuer_code\":\"%s\",\"completed_at\":%" PRId64 ","
        "\"license\":{\"name\":\"营业执照\",\"holder\":{\"id_type\":\"001\",\"id\":\"%s\",\"name\":\"x\"},"
        "\"issue_date\":\"2024-01-02\",\"valid_from\":\"2024-01-02\",\"valid_to\":\"2044-01-01\","
        "\"division_code\":\"330106\",\"items\":{" ITEMS_OK "}}}",
        id, s_dept.key.code, s_now, s_dept.key.code);
    Lic__Event *ev = NULL;
    assert (licjson_event_from_json (json, &ev, why, sizeof why) == ERR_OK);
    uint8_t *body, sig [64];
    size_t len;
    int code = -1;
    assert (licclient_sign (ev, s_dept.key.sign_sk, s_dept.key.sign_pk, &body, &len, sig) == ERR_OK);
    codec_event_free (&ev);
    assert (licclient_publish (s_client, body, len, sig, s_dept.key.sign_pk, NULL, NULL, &code, why, sizeof why, 10000) == ERR_OK);
    if (code != ERR_OK)
        printf ("  %s: %s\n", err_str (code), why);
    assert (code == ERR_OK);
    free (body);
    assert (licclient_get (s_admin, id, false, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (r->license->inspection_overdue);
    codec_reply_free (&r);
    assert (s_overdue_count () == 1);
    //  Inspected today: no longer overdue.
    snprintf (json, sizeof json, "{\"op\":\"annual_inspection\",\"license_id\":\"%s\",\"expected_version\":1,"
              "\"issuer_code\":\"%s\",\"completed_at\":%" PRId64 ",\"note\":\"合格\"}", id, s_dept.key.code, s_now);
    assert (licjson_event_from_json (json, &ev, why, sizeof why) == ERR_OK);
    assert (licclient_sign (ev, s_dept.key.sign_sk, s_dept.key.sign_pk, &body, &len, sig) == ERR_OK);
    codec_event_free (&ev);
    assert (licclient_publish (s_client, body, len, sig, s_dept.key.sign_pk, NULL, NULL, &code, why, sizeof why, 10000) == ERR_OK);
    free (body);
    assert (code == ERR_OK);
    assert (licclient_get (s_admin, id, false, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (!r->license->inspection_overdue && *r->license->state->last_inspection);
    codec_reply_free (&r);
    assert (s_overdue_count () == 0);
    printf ("  annual inspection: overdue flagged and counted, cleared by an inspection\n");
    //  Back to the standard of the other tests.
    assert (support_catalogue_add (s_admin, s_dept.type_code) == ERR_OK);
}

//  The history entry of license `serial` at node: its envelope as stored.
static Lic__Reply *
s_history (int node, uint32_t serial)
{
    char id [LICID_BARE_MAX + 1];
    licclient_t *admin = NULL;
    Lic__Reply *r = NULL;
    support_license_id (id, s_dept.type_code, s_dept.key.code, serial);
    assert (support_admin (&admin, &s_h.node [node]) == ERR_OK);
    assert (licclient_get (admin, id, true, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (r->license->n_history == 1 && r->license->history [0]->envelope);
    licclient_destroy (&admin);
    return r;
}

//  proto/README.md section 10: sensitive items are signed as salted digests, their
//  values travel beside the body; secret ones stay at the county.
static void
test_sensitive_items_travel_as_digests (void)
{
    //  A version of the type with a personal and a secret item.
    Lic__Reply *r = s_catalogue (0, s_dept.type_code, false);
    Lic__LicenseType t = *r->catalogue->types [0];
    Lic__ItemSpec specs [10], *sp [10];
    assert (t.n_items == 10);
    for (size_t i = 0; i < 10; i++) {
        specs [i] = *t.items [i];
        sp [i] = &specs [i];
        if (streq (specs [i].name, "legal_representative"))
            specs [i].sensitivity = LIC__SENSITIVITY__SENS_PERSONAL;
        if (streq (specs [i].name, "registered_capital"))
            specs [i].sensitivity = LIC__SENSITIVITY__SENS_SECRET;
    }
    t.items = sp;
    t.withdrawn = false;
    assert (support_catalogue_put (s_admin, &t) == ERR_OK);
    codec_reply_free (&r);
    r = s_catalogue (0, s_dept.type_code, false);
    const Lic__LicenseType *type = r->catalogue->types [0];

    //  In clear: refused, naming the item and the rule.
    char why [512];
    int rc = s_publish_json ("issue", 30, 0, ITEMS_OK, "\"2046-11-26\"", s_now, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (rc), why);
    assert (rc == ERR_DISCLOSURE && strstr (why, "legal_representative") && !strstr (why, "张三"));

    //  Sealed as licctl publish does: accepted.
    char id [LICID_BARE_MAX + 1], json [4096];
    support_license_id (id, s_dept.type_code, s_dept.key.code, 30);
    snprintf (json, sizeof json,
        "{\"op\":\"issue\",\"license_id\":\"%s\",\"issuer_code\":\"%s\",\"completed_at\":%" PRId64 ","
        "\"license\":{\"name\":\"营业执照\",\"holder\":{\"id_type\":\"001\",\"id\":\"%s\",\"name\":\"x\"},"
        "\"issue_date\":\"2026-11-27\",\"valid_from\":\"2026-11-27\",\"valid_to\":\"2046-11-26\","
        "\"division_code\":\"330106\",\"items\":{" ITEMS_OK "}}}",
        id, s_dept.key.code, s_now, s_dept.key.code);
    Lic__Event *ev = NULL;
    Lic__Disclosure **d = NULL;
    size_t n = 0;
    assert (licjson_event_from_json (json, &ev, why, sizeof why) == ERR_OK);
    assert (licclient_seal_items (ev->content, type, &d, &n) == ERR_OK && n == 2);
    uint8_t *body, sig [64];
    size_t len;
    assert (licclient_sign (ev, s_dept.key.sign_sk, s_dept.key.sign_pk, &body, &len, sig) == ERR_OK);
    codec_event_free (&ev);
    int code = -1;
    //  Without the values: refused where the department sends it.
    assert (licclient_publish (s_client, body, len, sig, s_dept.key.sign_pk, NULL, NULL, &code,
                               why, sizeof why, 10000) == ERR_OK);
    printf ("  refused: %s: %s\n", err_str (code), why);
    assert (code == ERR_DISCLOSURE && strstr (why, "not disclosed"));
    assert (licclient_publish_disclosed (s_client, body, len, sig, s_dept.key.sign_pk, d, n,
                                         NULL, NULL, &code, why, sizeof why, 10000) == ERR_OK);
    if (code != ERR_OK)
        printf ("  %s: %s\n", err_str (code), why);
    assert (code == ERR_OK);
    free (body);
    licclient_disclosures_free (&d, n);
    codec_reply_free (&r);

    //  The county's log keeps the personal value, not the secret one; so
    //  does the province, which accepts the entry without it.
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    for (int node = 0; node < 4; node += 3) {
        r = s_history (node, 30);
        const Lic__Envelope *env = r->license->history [0]->envelope;
        assert (env->n_disclosures == 1);
        assert (streq (env->disclosures [0]->name, "legal_representative"));
        assert (streq (env->disclosures [0]->value, "张三"));
        codec_reply_free (&r);
    }
    Lic__Reply *st = NULL;
    assert (support_status (&s_h.node [3], &st) == ERR_OK);
    assert (st->status->quarantined == 0);
    codec_reply_free (&st);
    printf ("  sensitive items: digests signed, secret value kept at the county\n");
    //  Back to the standard of the other tests.
    assert (support_catalogue_add (s_admin, s_dept.type_code) == ERR_OK);
}

//  Random legal and illegal events at the county; the province ends with
//  exactly the county's licenses.
static void
test_random_sequences_leave_the_province_equal_to_the_county (void)
{
    srand (11);
    uint32_t version [40] = { 0 };
    int accepted = 0, refused = 0;
    char why [512];
    for (int i = 0; i < 400; i++) {
        uint32_t serial = 100 + (uint32_t) (rand () % 40);
        int pick = rand () % 6;
        const char *op = version [serial - 100] == 0? "issue": pick < 3? "alter": pick == 3? "issue": "alter";
        const char *items = pick == 5? "\"business_scope\":\"missing the rest\"": ITEMS_OK;
        uint32_t expected = rand () % 8 == 0? version [serial - 100] + 1: version [serial - 100];
        int rc = s_publish_json (op, serial, expected, items, "\"2046-11-26\"", s_now, why, sizeof why);
        if (rc == ERR_OK) {
            version [serial - 100]++;
            accepted++;
        }
        else
            refused++;
    }
    printf ("  random sequence: %d accepted, %d refused\n", accepted, refused);
    assert (accepted > 50 && refused > 50);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    uint8_t d0 [32], d3 [32];
    uint64_t n0, n3;
    assert (support_digest (&s_h.node [0], "330106", d0, &n0) == ERR_OK);
    assert (support_digest (&s_h.node [3], "330106", d3, &n3) == ERR_OK);
    assert (n0 == n3 && memcmp (d0, d3, 32) == 0);
    Lic__Reply *st = NULL;
    assert (support_status (&s_h.node [3], &st) == ERR_OK);
    assert (st->status->quarantined == 0);      //  nothing refused below got up here
    codec_reply_free (&st);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    s_now = (int64_t) time (NULL);
    assert (support_tmpdir (s_dir, "catalogue") == ERR_OK);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    assert (support_dept_make (&s_dept, 800, s_dir) == ERR_OK);
    assert (support_admin (&s_admin, &s_h.node [0]) == ERR_OK);
    assert (support_register (s_admin, &s_dept) == ERR_OK);     //  adds its type: version 1
    assert (support_client (&s_client, &s_h.node [0], &s_dept) == ERR_OK);

    test_a_license_breaking_its_standard_is_refused_naming_item_and_rule ();
    test_unknown_type_and_withdrawn_version_are_refused ();
    test_catalogue_versions_travel_up_and_survive_restart ();
    test_blobs_are_content_addressed_with_a_limit ();
    test_lateness_report_shows_late_releases ();
    test_overdue_annual_inspection_is_flagged_and_counted ();
    test_sensitive_items_travel_as_digests ();
    test_random_sequences_leave_the_province_equal_to_the_county ();

    licclient_destroy (&s_client);
    licclient_destroy (&s_admin);
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_catalogue: all passed\n");
    return 0;
}
