/*  test_e2e_ops -- running licrepo for real, with real processes:
    a backup taken under load and restored (digests equal, replication
    resumes), a county rebuilt from its parent after its data directory
    is deleted (digests equal what they were, sequence numbers go on),
    SIGTERM in the middle of a stream loses nothing acknowledged, and the
    metrics endpoint answers with the expected series.
*/
#undef NDEBUG
#include <arpa/inet.h>
#include <assert.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

static support_hier_t s_h;
static support_dept_t s_dept;
static char s_dir [512];
static int s_metrics_port;

typedef struct {
    uint32_t serial0;
    int licenses;
    int ok;
    pthread_t thread;
} s_load_t;

static void *
s_load (void *arg)
{
    s_load_t *l = (s_load_t *) arg;
    licclient_t *c = NULL;
    if (support_client (&c, &s_h.node [0], &s_dept) == ERR_OK)
        l->ok = support_publish (c, &s_dept, l->serial0, l->licenses, 0);
    licclient_destroy (&c);
    return NULL;
}

static void
s_publish (uint32_t serial0, int licenses)
{
    s_load_t l = { serial0, licenses, 0, 0 };
    s_load (&l);
    assert (l.ok == licenses);
}

static uint64_t
s_head (int i)
{
    Lic__Reply *st = NULL;
    assert (support_status (&s_h.node [i], &st) == ERR_OK);
    uint64_t head = st->status->head_seq;
    codec_reply_free (&st);
    return head;
}

static void
s_digest (int i, uint8_t d [32], uint64_t *n)
{
    assert (support_digest (&s_h.node [i], "330106", d, n) == ERR_OK);
}

static void
s_run (const char *fmt, ...)
{
    char cmd [2048];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (cmd, sizeof cmd, fmt, ap);
    va_end (ap);
    int rc = system (cmd);
    if (!WIFEXITED (rc) || WEXITSTATUS (rc) != 0)
        fprintf (stderr, "command failed: %s\n", cmd);
    assert (WIFEXITED (rc) && WEXITSTATUS (rc) == 0);
}

//  Waits until the city holds county 330106's head and all is up the tree.
static void
s_synced (void)
{
    assert (support_hier_wait_synced (&s_h, 120) == ERR_OK);
}

static void
test_backup_under_load_restores_and_replication_resumes (void)
{
    s_publish (1, 500);
    s_synced ();
    //  The city is away: what the county takes now reaches it only after
    //  the county's restore.
    assert (support_node_stop (&s_h.node [2], SIGTERM) == 0);
    s_load_t load = { 10001, 6000, 0, 0 };
    assert (pthread_create (&load.thread, NULL, s_load, &load) == 0);
    usleep (100000);
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_h.node [0]) == ERR_OK);
    char bdir [700];
    snprintf (bdir, sizeof bdir, "%s/backup", s_dir);
    Lic__Request req;
    Lic__BackupRequest br;
    codec_request_init (&req);
    lic__backup_request__init (&br);
    br.to_dir = bdir;
    br.keep = 2;
    req.body_case = LIC__REQUEST__BODY_BACKUP;
    req.backup = &br;
    Lic__Reply *r = NULL;
    assert (licclient_call (admin, &req, &r, 120000) == ERR_OK);
    if (r->code != ERR_OK)
        fprintf (stderr, "backup: %s\n", r->message);
    assert (r->code == ERR_OK && r->backup->head_seq >= 501 && r->backup->bytes > 0);
    uint64_t backup_head = r->backup->head_seq;
    printf ("  backup %u under load: head at least %" PRIu64 " (of 6501 to come), %" PRIu64 " bytes\n",
            r->backup->backup_id, backup_head, r->backup->bytes);
    codec_reply_free (&r);
    licclient_destroy (&admin);
    pthread_join (load.thread, NULL);
    assert (load.ok == 6000);

    //  The county loses its disk; its backup comes back.
    support_node_stop (&s_h.node [0], SIGKILL);
    //  (the configuration file, /etc's in real life, lives in the data
    //  directory in these tests: kept aside)
    s_run ("cp %s %s/county.json && rm -rf %s", s_h.node [0].config, s_dir, s_h.node [0].dir);
    s_run ("%s restore --from %s -d %s > /dev/null", support_licnode_path (), bdir, s_h.node [0].dir);
    s_run ("cp %s/county.json %s", s_dir, s_h.node [0].config);
    s_run ("%s check -d %s > /dev/null", support_licnode_path (), s_h.node [0].dir);
    assert (support_node_restart (&s_h.node [0]) == ERR_OK);
    uint64_t head = s_head (0);
    assert (head >= backup_head && head <= 6501);
    printf ("  restored county: head %" PRIu64 "\n", head);

    //  The city comes back: it resumes the county where its own disk says.
    assert (support_node_restart (&s_h.node [2]) == ERR_OK);
    s_synced ();
    uint8_t d0 [32], d2 [32], d3 [32];
    uint64_t n0, n2, n3;
    s_digest (0, d0, &n0);
    s_digest (2, d2, &n2);
    s_digest (3, d3, &n3);
    assert (n0 == head - 2 && n2 == n0 && n3 == n0);      //  - registration, catalogue
    assert (memcmp (d0, d2, 32) == 0 && memcmp (d0, d3, 32) == 0);
}

static void
test_rebuild_from_parent_after_losing_the_county_disk (void)
{
    s_publish (20001, 300);
    s_synced ();
    uint8_t before [32], after [32];
    uint64_t n_before, n_after, head_before = s_head (0);
    s_digest (0, before, &n_before);
    assert (support_node_stop (&s_h.node [0], SIGTERM) == 0);
    //  Everything lost but the node's key, kept offline.
    s_run ("cp %s/node.key %s/county-node.key && rm -rf %s && mkdir -p %s && cp %s/county-node.key %s/node.key",
           s_h.node [0].dir, s_dir, s_h.node [0].dir, s_h.node [0].dir, s_dir, s_h.node [0].dir);
    s_run ("cp %s/county.json %s", s_dir, s_h.node [0].config);
    s_run ("%s rebuild --from-parent -c %s -d %s", support_licnode_path (), s_h.node [0].config,
           s_h.node [0].dir);
    s_run ("%s check -d %s > /dev/null", support_licnode_path (), s_h.node [0].dir);
    assert (support_node_restart (&s_h.node [0]) == ERR_OK);
    assert (s_head (0) == head_before);
    s_digest (0, after, &n_after);
    assert (n_after == n_before && memcmp (before, after, 32) == 0);
    //  The department registration came back too: publishing goes on, and
    //  new events get the next sequence numbers.
    licclient_t *c = NULL;
    assert (support_client (&c, &s_h.node [0], &s_dept) == ERR_OK);
    uint8_t *body, sig [64];
    size_t len;
    assert (support_event_sign (&s_dept, LIC__OP__OP_ISSUE, 30001, 0, 30001, &body, &len, sig) == ERR_OK);
    uint64_t seq = 0;
    bool dup = true;
    int code = -1;
    assert (licclient_publish (c, body, len, sig, s_dept.key.sign_pk, &seq, &dup, &code, NULL, 0, 10000) == ERR_OK);
    assert (code == ERR_OK && !dup && seq == head_before + 1);
    free (body);
    licclient_destroy (&c);
    s_synced ();
    Lic__Reply *st = NULL;
    assert (support_status (&s_h.node [0], &st) == ERR_OK);
    assert (streq (st->status->uplink_state, "streaming"));
    codec_reply_free (&st);
    printf ("  rebuilt county: %" PRIu64 " entries, digest equal, next seq %" PRIu64 "\n", head_before, seq);
}

static void
test_sigterm_during_a_stream_loses_nothing_acknowledged (void)
{
    enum { N = 3000 };
    static uint8_t *bodies [N];
    static size_t lens [N];
    static uint8_t sigs [N][64];
    static uint64_t seqs [N];
    for (int i = 0; i < N; i++)
        assert (support_event_sign (&s_dept, LIC__OP__OP_ISSUE, 40001 + (uint32_t) i, 0,
                                    40001 + (uint32_t) i, &bodies [i], &lens [i], sigs [i]) == ERR_OK);
    licclient_t *c = NULL;
    assert (support_client (&c, &s_h.node [0], &s_dept) == ERR_OK);
    int sent = 0, acked = 0, answered = 0;
    uint64_t first_id = 0;
    bool termed = false;
    while (answered < sent || (sent < N && !termed)) {
        while (!termed && sent < N && sent - answered < 128) {
            uint64_t id;
            assert (licclient_send_publish (c, bodies [sent], lens [sent], sigs [sent],
                                            s_dept.key.sign_pk, &id) == ERR_OK);
            if (!first_id)
                first_id = id;
            sent++;
        }
        Lic__Reply *r = NULL;
        if (licclient_recv (c, &r, 3000) != ERR_OK)
            break;      //  the node is gone: what was not answered is not acknowledged
        answered++;
        if (r->code == ERR_OK) {
            seqs [r->id - first_id] = r->published->seq;
            acked++;
        }
        else
            assert (r->code == ERR_CLOSED);     //  refused while stopping, never half done
        codec_reply_free (&r);
        if (acked == 1000 && !termed) {
            kill (s_h.node [0].pid, SIGTERM);
            termed = true;
        }
    }
    licclient_destroy (&c);
    int status = support_node_stop (&s_h.node [0], SIGTERM);
    assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    assert (support_node_restart (&s_h.node [0]) == ERR_OK);
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_h.node [0]) == ERR_OK);
    int found = 0;
    for (int i = 0; i < N; i++) {
        if (!seqs [i])
            continue;
        char id [LICID_BARE_MAX + 1];
        support_license_id (id, s_dept.type_code, s_dept.key.code, 40001 + (uint32_t) i);
        Lic__Reply *r = NULL;
        assert (licclient_get (admin, id, false, &r, 10000) == ERR_OK);
        assert (r->code == ERR_OK && r->license->state->last_seq == seqs [i]);
        codec_reply_free (&r);
        found++;
    }
    licclient_destroy (&admin);
    assert (found == acked && acked >= 1000);
    printf ("  SIGTERM mid-stream: %d acknowledged, %d sent, all acknowledged present\n", acked, sent);
    for (int i = 0; i < N; i++)
        free (bodies [i]);
}

static void
test_sighup_reloads_without_dropping_anything (void)
{
    for (int i = 0; i < 4; i++)
        assert (kill (s_h.node [i].pid, SIGHUP) == 0);
    usleep (500000);
    for (int i = 0; i < 4; i++) {
        int status;
        assert (waitpid (s_h.node [i].pid, &status, WNOHANG) == 0);     //  still running
    }
    s_publish (50001, 100);
    s_synced ();
    Lic__Reply *st = NULL;
    assert (support_status (&s_h.node [0], &st) == ERR_OK);
    assert (streq (st->status->uplink_state, "streaming"));
    codec_reply_free (&st);
    printf ("  SIGHUP: every node kept running and replicating\n");
}

static void
test_metrics_endpoint_answers_with_the_expected_series (void)
{
    sleep (2);      //  rendered once a second
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) s_metrics_port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    assert (connect (fd, (struct sockaddr *) &a, sizeof a) == 0);
    const char *get = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    assert (write (fd, get, strlen (get)) == (ssize_t) strlen (get));
    static char buf [256 * 1024];
    size_t n = 0;
    ssize_t k;
    while ((k = read (fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t) k;
    close (fd);
    buf [n] = 0;
    assert (strstr (buf, "200 OK"));
    char want [128];
    snprintf (want, sizeof want, "licrepo_head_seq %" PRIu64 "\n", s_head (2));
    const char *series [] = {
        want, "licrepo_uplink_up 1", "licrepo_uplink_lag_entries ", "licrepo_uplink_lag_seconds ",
        "licrepo_child_acked_seq{child=\"330106\"} ", "licrepo_child_last_contact_timestamp_seconds{child=\"330108\"} ",
        "licrepo_applied_total ", "licrepo_rejected_total{reason=\"ERR_BAD_SIGNATURE\"} ",
        "licrepo_quarantined 0", "licrepo_fsync_seconds_bucket{le=\"+Inf\"} ", "licrepo_fsync_seconds_count ",
        "licrepo_rocksdb_sst_bytes ", "licrepo_rocksdb_estimate_keys{cf=\"log\"} "
    };
    for (size_t i = 0; i < sizeof series / sizeof series [0]; i++) {
        if (!strstr (buf, series [i]))
            fprintf (stderr, "metrics lack '%s'\n", series [i]);
        assert (strstr (buf, series [i]));
    }
    printf ("  metrics: %zu bytes, expected series present\n", n);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "ops") == ERR_OK);
    s_metrics_port = support_free_port ();
    snprintf (s_h.extra [2], sizeof s_h.extra [2], "\"metrics_listen\": \"127.0.0.1:%d\",", s_metrics_port);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    assert (support_dept_make (&s_dept, 600, s_dir) == ERR_OK);
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_h.node [0]) == ERR_OK);
    assert (support_register (admin, &s_dept) == ERR_OK);
    licclient_destroy (&admin);

    test_backup_under_load_restores_and_replication_resumes ();
    test_rebuild_from_parent_after_losing_the_county_disk ();
    test_sigterm_during_a_stream_loses_nothing_acknowledged ();
    test_sighup_reloads_without_dropping_anything ();
    test_metrics_endpoint_answers_with_the_expected_series ();

    support_hier_stop (&s_h, SIGTERM);
    support_rmtree (s_dir);
    printf ("e2e_ops: all passed\n");
    return 0;
}
