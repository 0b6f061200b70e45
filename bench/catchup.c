/*  bench/catchup -- a parent that was down catches up with its child.

      catchup [-n EVENTS] [-c CHUNK] [-k PUBLISHERS] [-w WINDOW]
              [-b BATCH_MAX] [-W CREDIT]

    Starts a county (330106) and its parent city (330100, one child; the
    city is the top), real licnode processes on 127.0.0.1 with the
    configuration support_hier_start writes.  Stops the city (SIGTERM),
    publishes EVENTS ~1 KB issue events to the county (signed CHUNK at a
    time, not timed, so memory stays bounded; K publishers, WINDOW in
    flight each), measures raw Ed25519 verifies/s on two threads (V), then
    starts the city again and polls its status until it has acked the
    county's head.  Prints entries/s caught up (from the city's start, and
    from the county's first batch acked, which leaves out the uplink's
    reconnect backoff), the ratio to V (target 0.75), the CPU seconds of
    both nodes during the catch-up, and the city's RSS as it goes and its
    peak.  V is measured before and after the catch-up and averaged (the
    machine is shared).  -b sets the county's batch_max and -W the city's
    window (batches it lets a child have in flight); by default both nodes
    run with the defaults of config.c.  Figures only: no timing is a
    failure.  Ctrl-C stops the nodes and removes the directory.
*/
#include <czmq.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define MAX_PUB     8
#define SYNC_MAX_S  1800            //  longest wait for the parent

typedef struct {
    support_dept_t dept;
    support_node_t *node;
    uint8_t **body;
    size_t *len;
    uint8_t (*sig) [64];
    int count;                  //  events of this chunk
    int window;
    int errors;
    pthread_t thread;
} s_pub_t;

// ---------------------------------------------------------------------
//  Node status

//  Status of n through admin: head and the child's acked seq (0 if none).
static int
s_positions (licclient_t *admin, uint64_t *head, uint64_t *acked, bool *connected)
{
    Lic__Reply *r = NULL;
    int rc = licclient_status (admin, &r, 10000);
    if (rc == ERR_OK)
        rc = r->code;
    if (rc == ERR_OK && !r->status)
        rc = ERR_MALFORMED;
    if (rc == ERR_OK) {
        *head = r->status->head_seq;
        *acked = 0;
        *connected = false;
        for (size_t i = 0; i < r->status->n_children; i++)
            if (streq (r->status->children [i]->division, "330106")) {
                *acked = r->status->children [i]->acked_seq;
                *connected = r->status->children [i]->connected;
            }
    }
    codec_reply_free (&r);
    return rc;
}

// ---------------------------------------------------------------------
//  Filling the child

static void *
s_publisher (void *arg)
{
    s_pub_t *p = (s_pub_t *) arg;
    licclient_t *c = NULL;
    if (support_client (&c, p->node, &p->dept) != ERR_OK) {
        p->errors = p->count;
        return NULL;
    }
    //  last: how many to send; cut to what was sent on an interrupt, so
    //  only the replies still due are waited for.
    int next = 0, done = 0, last = p->count;
    while (done < last) {
        if (support_interrupted () && next < last) {
            p->errors += last - next;
            last = next;
            continue;
        }
        while (next - done < p->window && next < last) {
            if (licclient_send_publish (c, p->body [next], p->len [next], p->sig [next],
                                        p->dept.key.sign_pk, NULL) != ERR_OK)
                break;
            next++;
        }
        Lic__Reply *r = NULL;
        if (licclient_recv (c, &r, 30000) != ERR_OK) {
            fprintf (stderr, "publisher: no reply within 30 s\n");
            p->errors += last - done;
            break;
        }
        if (r->code != ERR_OK || !r->published || r->published->duplicate)
            if (p->errors++ < 3)
                fprintf (stderr, "publisher: %s: %s\n", err_str (r->code), r->message);
        codec_reply_free (&r);
        done++;
    }
    licclient_destroy (&c);
    return NULL;
}

//  Publishes n events to the county in chunks; 0 or the events refused.
static int
s_fill (s_pub_t *pubs, int k, int n, int chunk, double *sign_s, double *pub_s)
{
    int errors = 0, per_chunk = chunk / k;
    *sign_s = *pub_s = 0;
    for (int p = 0; p < k; p++) {
        pubs [p].body = calloc ((size_t) per_chunk, sizeof *pubs [p].body);
        pubs [p].len = calloc ((size_t) per_chunk, sizeof *pubs [p].len);
        pubs [p].sig = calloc ((size_t) per_chunk, sizeof *pubs [p].sig);
        if (!pubs [p].body || !pubs [p].len || !pubs [p].sig)
            return n;
    }
    uint32_t serial = 1;
    for (int sent = 0; sent < n && !errors && !support_interrupted (); ) {
        int64_t t0 = support_now_us ();
        for (int p = 0; p < k; p++) {
            pubs [p].count = 0;
            for (int i = 0; i < per_chunk && sent < n; i++, sent++, serial++) {
                int rc = support_event_sign (&pubs [p].dept, LIC__OP__OP_ISSUE, serial, 0, serial,
                                             &pubs [p].body [i], &pubs [p].len [i], pubs [p].sig [i]);
                if (rc != ERR_OK)
                    return n;
                pubs [p].count++;
            }
        }
        int64_t t1 = support_now_us ();
        for (int p = 0; p < k; p++) {
            pubs [p].errors = 0;
            pthread_create (&pubs [p].thread, NULL, s_publisher, &pubs [p]);
        }
        for (int p = 0; p < k; p++) {
            pthread_join (pubs [p].thread, NULL);
            errors += pubs [p].errors;
            for (int i = 0; i < pubs [p].count; i++)
                free (pubs [p].body [i]);
        }
        *sign_s += (double) (t1 - t0) / 1e6;
        *pub_s += (double) (support_now_us () - t1) / 1e6;
    }
    for (int p = 0; p < k; p++) {
        free (pubs [p].body);
        free (pubs [p].len);
        free (pubs [p].sig);
        pubs [p].body = NULL;
    }
    return errors;
}

// ---------------------------------------------------------------------
//  Nodes

static int s_city_metrics;          //  the city's metrics port (support_probe)

static int
s_start_pair (support_node_t *county, support_node_t *city, const char *base,
              int batch_max, int credit)
{
    s_city_metrics = support_free_port ();
    char dir [2][600], cfg [4096], extra [2][64] = { "", "" };
    if (batch_max)
        snprintf (extra [0], sizeof extra [0], "\"batch_max\": %d, ", batch_max);
    if (credit)
        snprintf (extra [1], sizeof extra [1], "\"window\": %d, ", credit);
    int port [2] = { support_free_port (), support_free_port () }, repl = support_free_port ();
    snprintf (dir [0], sizeof dir [0], "%s/330106", base);
    snprintf (dir [1], sizeof dir [1], "%s/330100", base);
    if (support_node_init (dir [0], "330106") != ERR_OK
    ||  support_node_init (dir [1], "330100") != ERR_OK)
        return ERR_IO;
    snprintf (cfg, sizeof cfg,
        "{ \"division\": \"330100\", \"name\": \"city\", \"checkpoint_ms\": 200, %s\n"
        "  \"replication_listen\": \"tcp://127.0.0.1:%d\",\n"
        "  \"metrics_listen\": \"127.0.0.1:%d\",\n"
        "  \"children\": [ { \"pub_file\": \"%s/node.pub\" } ] }\n", extra [1], repl,
        s_city_metrics, dir [0]);
    if (support_node_start_cfg (city, dir [1], port [1], "330100", cfg) != ERR_OK)
        return ERR_IO;
    snprintf (cfg, sizeof cfg,
        "{ \"division\": \"330106\", \"name\": \"county\", \"checkpoint_ms\": 200, %s\n"
        "  \"parent\": { \"pub_file\": \"%s/node.pub\", \"endpoint\": \"tcp://127.0.0.1:%d\" } }\n",
        extra [0], dir [1], repl);
    return support_node_start_cfg (county, dir [0], port [0], "330106", cfg);
}

//  Waits until the city has acked the county's head; ERR_OK or ERR_BUSY.
static int
s_wait_acked (support_node_t *county, support_node_t *city, int timeout_s)
{
    licclient_t *a = NULL, *b = NULL;
    int rc = support_admin (&a, county);
    if (rc == ERR_OK)
        rc = support_admin (&b, city);
    int64_t deadline = support_now_us () + (int64_t) timeout_s * 1000000;
    while (rc == ERR_OK) {
        uint64_t head, acked, h2, x;
        bool conn;
        if (s_positions (a, &head, &x, &conn) == ERR_OK
        &&  s_positions (b, &h2, &acked, &conn) == ERR_OK && acked == head)
            break;
        if (support_now_us () > deadline || !support_node_alive (county)
        ||  !support_node_alive (city) || support_interrupted ())
            rc = ERR_BUSY;
        usleep (100000);
    }
    licclient_destroy (&a);
    licclient_destroy (&b);
    return rc;
}

// ---------------------------------------------------------------------

//  Restarts the city and follows it until it has acked target; prints
//  progress with its RSS.  Times are written to the out-parameters.
static int
s_catch_up (support_node_t *city, uint64_t acked0, uint64_t target,
            int64_t *t_start, int64_t *t_first, uint64_t *acked_first, int64_t *t_done)
{
    *t_start = support_now_us ();
    *t_first = *t_done = 0;
    if (support_node_restart (city) != ERR_OK)
        return ERR_IO;
    int64_t t_up = support_now_us ();
    licclient_t *admin = NULL;
    int rc = support_admin (&admin, city);
    if (rc != ERR_OK)
        return rc;
    printf ("  city answering after %.2f s\n", (double) (t_up - *t_start) / 1e6);
    int64_t deadline = support_now_us () + (int64_t) SYNC_MAX_S * 1000000;
    int quarter = 1;
    while (rc == ERR_OK) {
        uint64_t head, acked;
        bool conn;
        if (s_positions (admin, &head, &acked, &conn) == ERR_OK) {
            int64_t now = support_now_us ();
            if (!*t_first && acked > acked0) {
                *t_first = now;
                *acked_first = acked;
            }
            while (quarter <= 4 && acked - acked0 >= (target - acked0) * (uint64_t) quarter / 4) {
                printf ("  %3d%%: %llu acked after %.2f s, city RSS %ld MiB, CPU %.1f s\n",
                        quarter * 25, (unsigned long long) acked, (double) (now - *t_start) / 1e6,
                        support_proc_field (city->pid, "VmRSS:") / 1024,
                        support_proc_cpu (city->pid));
                fflush (stdout);
                quarter++;
            }
            if (acked >= target) {
                *t_done = now;
                break;
            }
        }
        if (support_now_us () > deadline || !support_node_alive (city) || support_interrupted ())
            rc = ERR_BUSY;
        usleep (20000);
    }
    licclient_destroy (&admin);
    return rc;
}

//  Starts both nodes, registers the departments at the county and waits
//  until the city holds everything so far: *head0 of the county, *acked0
//  acked by the city.
static int
s_setup (support_node_t *county, support_node_t *city, s_pub_t *pubs, int k, int window,
         const char *dir, int batch_max, int credit, uint64_t *head0, uint64_t *acked0)
{
    licclient_t *admin = NULL, *cadmin = NULL;
    int rc = s_start_pair (county, city, dir, batch_max, credit);
    if (rc == ERR_OK)
        rc = support_admin (&admin, county);
    for (int p = 0; p < k && rc == ERR_OK; p++) {
        pubs [p].node = county;
        pubs [p].window = window;
        rc = support_dept_make (&pubs [p].dept, 400 + (uint32_t) p, dir);
        if (rc == ERR_OK)
            rc = support_register (admin, &pubs [p].dept);
    }
    //  Registrations and node records are at the city before it stops.
    if (rc == ERR_OK)
        rc = s_wait_acked (county, city, 60);
    uint64_t x;
    bool conn;
    if (rc == ERR_OK)
        rc = support_admin (&cadmin, city);
    if (rc == ERR_OK)
        rc = s_positions (cadmin, &x, acked0, &conn);
    if (rc == ERR_OK)
        rc = s_positions (admin, head0, &x, &conn);
    licclient_destroy (&cadmin);
    licclient_destroy (&admin);
    return rc;
}

//  Restarts the city, follows the catch-up of the county's entries
//  (acked0, head] and prints the figures.
static int
s_measure (support_node_t *county, support_node_t *city, uint64_t acked0, uint64_t head)
{
    //  V before and after the catch-up, averaged (the machine is shared).
    double v_before = support_verify_rate (2);
    double county_cpu0 = support_proc_cpu (county->pid);
    int64_t t_start, t_first, t_done;
    uint64_t acked_first = 0;
    int rc = s_catch_up (city, acked0, head, &t_start, &t_first, &acked_first, &t_done);
    if (rc != ERR_OK) {
        fprintf (stderr, "catchup: the city did not catch up: %s\n", err_str (rc));
        return rc;
    }
    double city_cpu = support_proc_cpu (city->pid);
    double county_cpu = support_proc_cpu (county->pid) - county_cpu0;
    double v_after = support_verify_rate (2), v2 = (v_before + v_after) / 2;
    long hwm = support_proc_field (city->pid, "VmHWM:");
    uint64_t entries = head - acked0;
    //  The city's own checks since its start, read idle (support_probe),
    //  against its CPU since its start at the same instant: the CPU an
    //  entry costs beyond its check, and entries/s : V as a dedicated
    //  2-core machine would give it (both nodes' CPU = 2 cores, V = 2 /
    //  one check's CPU), unmoved by the VM's speed.
    support_probe_t at;
    if (support_probe (&city, &s_city_metrics, 1, &at) != ERR_OK)
        return ERR_IO;
    double check_us = at.checks > 0? at.check_s * 1e6 / at.checks: 0;
    double beyond_us = (at.cpu_s - at.check_s) * 1e6 / (double) entries;
    double cpu_ratio = check_us / ((at.cpu_s + county_cpu) * 1e6 / (double) entries);
    double secs = (double) (t_done - t_start) / 1e6;
    double secs_first = (double) (t_done - t_first) / 1e6;
    double rate = (double) entries / secs;
    double rate_first = secs_first > 0? (double) (head - acked_first) / secs_first: 0;
    double city_us = city_cpu * 1e6 / (double) entries;
    printf ("catchup: %llu entries in %.2f s from the city's start: %.0f entries/s, "
            "V %.0f/s (%.0f before, %.0f after), entries/s : V = %.3f (target 0.75)\n"
            "  first batch acked after %.2f s; from then %.0f entries/s, : V = %.3f\n"
            "  city CPU %.1f s (%.1f us/entry, of which one Ed25519 verify %.1f us = %.0f%%; "
            "%.2f of 2 cores busy), county CPU %.1f s (%.1f us/entry), city peak RSS %ld MiB\n",
            (unsigned long long) entries, secs, rate, v2, v_before, v_after, rate / v2,
            (double) (t_first - t_start) / 1e6, rate_first, rate_first / v2,
            city_cpu, city_us, 2e6 / v2, 100 * (2e6 / v2) / city_us, city_cpu / secs,
            county_cpu, county_cpu * 1e6 / (double) entries, hwm / 1024);
    printf ("  the city's own checks: %.0f, %.1f CPU-us each; beyond them %.1f CPU-us an entry; "
            "check : (city + county) CPU an entry = %.3f\n", at.checks, check_us, beyond_us,
            cpu_ratio);
    //  One line for bench/table.sh
    printf ("table catchup entries=%llu secs=%.2f entries_s=%.0f v=%.0f ratio=%.3f city_us=%.1f "
            "rss_mib=%ld check_us=%.1f beyond_us=%.1f cpu_ratio=%.3f\n", (unsigned long long) entries,
            secs, rate, v2, rate / v2, city_us, hwm / 1024, check_us, beyond_us, cpu_ratio);
    return ERR_OK;
}

int
main (int argc, char *argv [])
{
    int n = 1000000, chunk = 50000, k = 2, window = 256, batch_max = 0, credit = 0;
    int c;
    while ((c = getopt (argc, argv, "n:c:k:w:b:W:h")) != -1) {
        switch (c) {
            case 'n': n = atoi (optarg); break;
            case 'c': chunk = atoi (optarg); break;
            case 'k': k = atoi (optarg); break;
            case 'w': window = atoi (optarg); break;
            case 'b': batch_max = atoi (optarg); break;
            case 'W': credit = atoi (optarg); break;
            default:
                fprintf (stderr, "usage: catchup [-n EVENTS] [-c CHUNK] [-k PUBLISHERS] [-w WINDOW] "
                                 "[-b BATCH_MAX] [-W CREDIT]\n");
                return 2;
        }
    }
    if (n < 1 || n > 9000000 || k < 1 || k > MAX_PUB || chunk < k || chunk > 1000000
    ||  window < 1 || window > LICCLIENT_WINDOW_MAX || batch_max < 0 || credit < 0) {
        fprintf (stderr, "catchup: bad arguments\n");
        return 2;
    }
    setvbuf (stdout, NULL, _IOLBF, 0);     //  progress shows through a pipe
    support_catch_interrupt ();
    if (seal_init () != ERR_OK)
        return 1;
    char dir [512];
    if (support_tmpdir (dir, "bench-catchup") != ERR_OK)
        return 1;
    support_node_t county, city;
    memset (&county, 0, sizeof county);
    memset (&city, 0, sizeof city);
    s_pub_t pubs [MAX_PUB];
    memset (pubs, 0, sizeof pubs);
    uint64_t head0 = 0, acked0 = 0, head = 0, x;
    bool conn;
    licclient_t *admin = NULL;
    int rc = s_setup (&county, &city, pubs, k, window, dir, batch_max, credit, &head0, &acked0);
    if (rc != ERR_OK) {
        fprintf (stderr, "catchup: nodes did not start or sync: %s\n", err_str (rc));
        goto cleanup;
    }
    printf ("bench catchup: %d events (chunks of %d, %d publishers, window %d), county batch_max %d, "
            "city window %d (0: default), county pid %d, city pid %d, city acked %llu of the "
            "county's %llu\n", n, chunk, k, window, batch_max, credit,
            (int) county.pid, (int) city.pid, (unsigned long long) acked0, (unsigned long long) head0);
    support_node_stop (&city, SIGTERM);

    double sign_s, pub_s;
    int errors = s_fill (pubs, k, n, chunk, &sign_s, &pub_s);
    if (errors || support_interrupted ()) {
        fprintf (stderr, "catchup: %d events not accepted\n", errors);
        rc = ERR_BUSY;
        goto cleanup;
    }
    rc = support_admin (&admin, &county);
    if (rc == ERR_OK)
        rc = s_positions (admin, &head, &x, &conn);
    licclient_destroy (&admin);
    if (rc != ERR_OK)
        goto cleanup;
    printf ("  county filled with %d events in %.1f s (%.0f events/s; signing %.1f s not counted), "
            "head %llu, county RSS %ld MiB\n", n, pub_s, (double) n / pub_s, sign_s,
            (unsigned long long) head, support_proc_field (county.pid, "VmRSS:") / 1024);
    rc = s_measure (&county, &city, acked0, head);
cleanup:
    support_node_stop (&city, SIGTERM);
    support_node_stop (&county, SIGTERM);
    support_rmtree (dir);
    return rc == ERR_OK? 0: 1;
}
