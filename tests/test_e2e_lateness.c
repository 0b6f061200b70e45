/*  test_e2e_lateness -- the same-day rule (regulation Art. 7-8) measured on a
    real county node (node/serve/lateness.h), with real signed events, and
    above it, on a real county -> city -> province hierarchy:

    - department A publishes 3 events completed now and 2 completed two
      days ago (late), and sends one late event again (a duplicate: not
      counted twice); department B publishes 2 events completed now;
    - the metrics say licrepo_late_events_total{issuer="A"} 2 and
      {issuer="B"} 0; the dashboard's JSON says 5 events, 2 late for A
      and 2, 0 for B;
    - `licctl report lateness --summary` gives each department's on-time
      share per day and over every day (text and --json), from the same
      rule over the log; `licctl report lateness` names what its worst
      delay counts from;
    - once the events reached the province, its metrics and dashboard say
      the same of both county departments: each event counted once above,
      judged by its release at the county.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <czmq.h>
#include "proto/codec.h"
#include "proto/lifecycle.h"
#include "proto/seal.h"
#include "node/common/licjson.h"
#include "tests/support/support.h"

#define ITEMS_OK "\"business_scope\":\"技术服务\",\"credit_code\":\"91330106000000001X\"," \
    "\"established\":\"2026-11-27\",\"legal_representative\":\"张三\",\"name\":\"杭州示例\"," \
    "\"registered_capital\":\"100万元\",\"registration_authority\":\"西湖区\",\"residence\":\"文三路1号\""

static char s_dir [512];
static support_hier_t s_h;          //  [0] the county, [3] the province
#define s_node (s_h.node [0])
static int s_metrics_port;          //  the county's
static int s_prov_metrics_port;     //  the province's
static support_dept_t s_dept [2];
static licclient_t *s_client [2];

//  Signs the issue of license `serial` of department d, completed at
//  completed_at; body (malloc'd) and sig.
static void
s_sign (int d, uint32_t serial, int64_t completed_at, uint8_t **body, size_t *len,
        uint8_t sig [64])
{
    const support_dept_t *dept = &s_dept [d];
    char id [LICID_BARE_MAX + 1], json [4096], why [512];
    support_license_id (id, dept->type_code, dept->key.code, serial);
    snprintf (json, sizeof json,
        "{\"op\":\"issue\",\"license_id\":\"%s\",\"expected_version\":0,\"issuer_code\":\"%s\","
        "\"completed_at\":%" PRId64 ",\"license\":{\"name\":\"营业执照\","
        "\"holder\":{\"id_type\":\"001\",\"id\":\"%s\",\"name\":\"杭州示例有限公司\"},"
        "\"issue_date\":\"2026-11-27\",\"valid_from\":\"2026-11-27\",\"valid_to\":\"2046-11-26\","
        "\"division_code\":\"330106\",\"items\":{" ITEMS_OK "}}}",
        id, dept->key.code, completed_at, dept->key.code);
    Lic__Event *ev = NULL;
    if (licjson_event_from_json (json, &ev, why, sizeof why) != ERR_OK)
        fprintf (stderr, "event: %s\n", why);
    assert (ev);
    assert (licclient_sign (ev, dept->key.sign_sk, dept->key.sign_pk, body, len, sig) == ERR_OK);
    codec_event_free (&ev);
}

//  Publishes a signed event; asserts it is accepted; true if it was a
//  duplicate.
static bool
s_publish (int d, const uint8_t *body, size_t len, const uint8_t sig [64])
{
    int code = -1;
    char why [512] = "";
    bool duplicate = false;
    uint64_t seq = 0;
    assert (licclient_publish (s_client [d], body, len, sig, s_dept [d].key.sign_pk, &seq,
                               &duplicate, &code, why, sizeof why, 10000) == ERR_OK);
    if (code != ERR_OK)
        fprintf (stderr, "publish refused: %s: %s\n", err_str (code), why);
    assert (code == ERR_OK && seq > 0);
    return duplicate;
}

static void
s_publish_new (int d, uint32_t serial, int64_t completed_at)
{
    uint8_t *body, sig [64];
    size_t len;
    s_sign (d, serial, completed_at, &body, &len, sig);
    assert (!s_publish (d, body, len, sig));
    free (body);
}

//  Runs licctl with args against the node; its stdout into out.
static void
s_licctl (const char *args, char *out, size_t size)
{
    char cmd [1400];
    snprintf (cmd, sizeof cmd, "%s -d %s %s", support_licctl_path (), s_node.dir, args);
    FILE *p = popen (cmd, "r");
    assert (p);
    size_t n = fread (out, 1, size - 1, p);
    out [n] = 0;
    assert (pclose (p) == 0);
}

//  GET path from the node's metrics listener until it answers 200 (the
//  dashboard's JSON is rendered within a second of being asked for) or
//  10 s pass; the body (after the headers) into out.
static const char *
s_get_at (int port, const char *path, char *buf, size_t size)
{
    int64_t deadline = support_now_us () + 10 * 1000000LL;
    while (support_now_us () < deadline) {
        char cmd [600];
        snprintf (cmd, sizeof cmd, "exec 3<>/dev/tcp/127.0.0.1/%d; printf 'GET %s HTTP/1.0\\r\\n"
                  "Host: 127.0.0.1\\r\\n\\r\\n' >&3; cat <&3", port, path);
        char full [700];
        snprintf (full, sizeof full, "bash -c \"%s\"", cmd);
        FILE *p = popen (full, "r");
        assert (p);
        size_t n = fread (buf, 1, size - 1, p);
        buf [n] = 0;
        pclose (p);
        const char *body = strstr (buf, "\r\n\r\n");
        if (strncmp (buf, "HTTP/1.1 200", 12) == 0 && body)
            return body + 4;
        zclock_sleep (250);
    }
    assert (false);
    return NULL;
}

static const char *
s_get (const char *path, char *buf, size_t size)
{
    return s_get_at (s_metrics_port, path, buf, size);
}

static void
test_late_events_are_counted_once_where_committed (void)
{
    int64_t now = (int64_t) time (NULL);
    int64_t before = now - 2 * 86400;
    for (uint32_t serial = 1; serial <= 3; serial++)
        s_publish_new (0, serial, now);
    uint8_t *late_body = NULL, late_sig [64];
    size_t late_len = 0;
    for (uint32_t serial = 4; serial <= 5; serial++) {
        free (late_body);
        s_sign (0, serial, before, &late_body, &late_len, late_sig);
        assert (!s_publish (0, late_body, late_len, late_sig));
    }
    //  The same signed event again: answered as a duplicate, not counted.
    assert (s_publish (0, late_body, late_len, late_sig));
    free (late_body);
    for (uint32_t serial = 1; serial <= 2; serial++)
        s_publish_new (1, serial, now);

    //  Metrics: every department that committed an event, 0 included.
    //  (rendered once a second: wait for the text that counts all 7).
    static char text [1 << 20];
    char series [128];
    int64_t deadline = support_now_us () + 10 * 1000000LL;
    do {
        zclock_sleep (200);
        assert (support_metrics_scrape (s_metrics_port, text, sizeof text) == ERR_OK);
    } while (support_metric (text, "licrepo_published_total") != 7 && support_now_us () < deadline);
    assert (support_metric (text, "licrepo_published_total") == 7);
    assert (support_metric (text, "licrepo_duplicates_total") == 1);
    assert (strstr (text, "# TYPE licrepo_late_events_total counter\n"));
    snprintf (series, sizeof series, "licrepo_late_events_total{issuer=\"%s\"}", s_dept [0].key.code);
    assert (support_metric (text, series) == 2);
    snprintf (series, sizeof series, "licrepo_late_events_total{issuer=\"%s\"}", s_dept [1].key.code);
    assert (support_metric (text, series) == 0);
    printf ("  metrics: late events %s 2, %s 0\n", s_dept [0].key.code, s_dept [1].key.code);

    //  The dashboard's same-day table: the same counts, with the events.
    static char buf [1 << 20];
    json_t *doc = json_loads (s_get ("/dashboard.json", buf, sizeof buf), 0, NULL);
    assert (doc);
    json_t *deps = json_object_get (json_object_get (doc, "lateness"), "departments");
    assert (json_array_size (deps) == 2);
    for (int d = 0; d < 2; d++) {
        json_t *row = json_array_get (deps, (size_t) d);
        //  Sorted by issuer: department numbers sort as their codes do.
        assert (streq (json_string_value (json_object_get (row, "issuer")), s_dept [d].key.code));
        assert (json_integer_value (json_object_get (row, "events")) == (d == 0? 5: 2));
        assert (json_integer_value (json_object_get (row, "late")) == (d == 0? 2: 0));
    }
    json_decref (doc);
}

//  At the province: the county's events, applied from its city, counted
//  once each with the verdict the county gave them.
static void
test_the_province_counts_every_department (void)
{
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);
    static char text [1 << 20];
    char series [2][128];
    for (int d = 0; d < 2; d++)
        snprintf (series [d], sizeof series [d], "licrepo_late_events_total{issuer=\"%s\"}",
                  s_dept [d].key.code);
    int64_t deadline = support_now_us () + 10 * 1000000LL;
    do {
        zclock_sleep (200);
        assert (support_metrics_scrape (s_prov_metrics_port, text, sizeof text) == ERR_OK);
    } while ((support_metric (text, series [0]) != 2 || support_metric (text, series [1]) != 0)
          && support_now_us () < deadline);
    assert (support_metric (text, series [0]) == 2);
    assert (support_metric (text, series [1]) == 0);
    assert (support_metric (text, "licrepo_published_total") == 0);     //  none published there
    static char buf [1 << 20];
    json_t *doc = json_loads (s_get_at (s_prov_metrics_port, "/dashboard.json", buf, sizeof buf),
                              0, NULL);
    assert (doc);
    json_t *deps = json_object_get (json_object_get (doc, "lateness"), "departments");
    assert (json_array_size (deps) == 2);
    for (int d = 0; d < 2; d++) {
        json_t *row = json_array_get (deps, (size_t) d);
        assert (streq (json_string_value (json_object_get (row, "issuer")), s_dept [d].key.code));
        assert (json_integer_value (json_object_get (row, "events")) == (d == 0? 5: 2));
        assert (json_integer_value (json_object_get (row, "late")) == (d == 0? 2: 0));
    }
    json_decref (doc);
    printf ("  at the province: late events %s 2, %s 0\n", s_dept [0].key.code, s_dept [1].key.code);
}

static void
test_the_summary_gives_each_departments_on_time_share_per_day (void)
{
    int64_t now = (int64_t) time (NULL);
    char today [LIFECYCLE_DAY_SIZE], earlier [LIFECYCLE_DAY_SIZE], line [256];
    assert (lifecycle_day (now, today) && lifecycle_day (now - 2 * 86400, earlier));
    static char out [65536];
    s_licctl ("report lateness --summary", out, sizeof out);
    printf ("%s", out);
    const char *a = s_dept [0].key.code, *b = s_dept [1].key.code;
    assert (strstr (out, "issuer              day           events   on time    share\n"));
    snprintf (line, sizeof line, "%-18s  %-10s  %8d  %8d  %7s\n", a, earlier, 2, 0, "0.0%");
    assert (strstr (out, line));
    snprintf (line, sizeof line, "%-18s  %-10s  %8d  %8d  %7s\n", a, today, 3, 3, "100.0%");
    assert (strstr (out, line));
    snprintf (line, sizeof line, "%-18s  %-10s  %8d  %8d  %7s\n", a, "all days", 5, 3, "60.0%");
    assert (strstr (out, line));
    snprintf (line, sizeof line, "%-18s  %-10s  %8d  %8d  %7s\n", b, today, 2, 2, "100.0%");
    assert (strstr (out, line));
    assert (strstr (out, "2 department(s), 3 issuer-day(s): 5 of 7 events (71.4%) released the "
                         "day (UTC+8) they were completed"));
    //  The same as JSON.
    s_licctl ("--json report lateness --summary", out, sizeof out);
    json_t *j = json_loads (out, 0, NULL);
    assert (j);
    assert (json_integer_value (json_object_get (j, "events")) == 7);
    assert (json_integer_value (json_object_get (j, "on_time")) == 5);
    assert (json_is_false (json_object_get (j, "cut")));
    json_t *days = json_object_get (j, "days"), *deps = json_object_get (j, "departments");
    assert (json_array_size (days) == 3 && json_array_size (deps) == 2);
    json_t *first = json_array_get (days, 0);
    assert (streq (json_string_value (json_object_get (first, "issuer")), a));
    assert (streq (json_string_value (json_object_get (first, "day")), earlier));
    assert (json_integer_value (json_object_get (first, "late")) == 2);
    assert (json_real_value (json_object_get (first, "on_time_share")) == 0.0);
    json_t *dep_a = json_array_get (deps, 0);
    assert (json_integer_value (json_object_get (dep_a, "events")) == 5);
    assert (json_integer_value (json_object_get (dep_a, "on_time")) == 3);
    assert (json_real_value (json_object_get (dep_a, "on_time_share")) == 0.6);
    json_decref (j);
    //  The report of late days only, as before, says what its delay counts.
    s_licctl ("report lateness", out, sizeof out);
    assert (strstr (out, "worst delay after the day's end (UTC+8)\n"));
    snprintf (line, sizeof line, "%-18s  %-10s  %8d  %8d  ", a, earlier, 2, 2);
    assert (strstr (out, line));
    assert (strstr (out, "1 issuer-day(s) with late releases: 2 of their 2 events"));
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    zsys_handler_set (NULL);
    assert (support_tmpdir (s_dir, "e2e-lateness") == ERR_OK);
    s_metrics_port = support_free_port ();
    s_prov_metrics_port = support_free_port ();
    snprintf (s_h.extra [0], sizeof s_h.extra [0], "\"metrics_listen\": \"127.0.0.1:%d\",",
              s_metrics_port);
    snprintf (s_h.extra [3], sizeof s_h.extra [3], "\"metrics_listen\": \"127.0.0.1:%d\",",
              s_prov_metrics_port);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_node) == ERR_OK);
    for (int d = 0; d < 2; d++) {
        assert (support_dept_make (&s_dept [d], 900 + (uint32_t) d, s_dir) == ERR_OK);
        assert (support_register (admin, &s_dept [d]) == ERR_OK);
        assert (support_client (&s_client [d], &s_node, &s_dept [d]) == ERR_OK);
    }
    licclient_destroy (&admin);
    assert (strcmp (s_dept [0].key.code, s_dept [1].key.code) < 0);
    test_late_events_are_counted_once_where_committed ();
    test_the_summary_gives_each_departments_on_time_share_per_day ();
    test_the_province_counts_every_department ();
    for (int d = 0; d < 2; d++)
        licclient_destroy (&s_client [d]);
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_lateness: all passed\n");
    return 0;
}
