/*  bench/publish -- publish throughput of one licnode with durable acks.

      publish [-n EVENTS] [-k PUBLISHERS] [-w WINDOW] [-r RUNS] [-b BATCH]
              [-c] [-f FILL]
      publish -V

    Starts a real licnode (temporary data directory, 127.0.0.1), registers
    K departments, and per run: signs N fresh ~1 KB events (not timed),
    then K publisher threads each send N/K with WINDOW in flight and wait
    for every durable acknowledgement.  Prints per run and the medians:
    events/s, ack latency p50/p99, the node's CPU seconds and peak RSS;
    and, measured in the same run, raw Ed25519 verifies/s on one and two
    threads (V1, V2) with the ratio events/s : V2 (target: 0.75).  And,
    from the node's own timing of its signature checks (its metrics,
    read with its CPU at the same idle instants before and after a run):
    one check's CPU, the node's CPU an event beyond the check, and the
    ratio check : (node + client) CPU an event -- events/s : V2 as a
    dedicated 2-core machine would give it, unmoved by the VM's speed
    changing between the V2 measure and the run.

    -b BATCH > 1: events go as PublishBatch requests (proto/README.md
    section 3) of up to BATCH events, fewer when the 256 KiB frame is
    full (the mean per frame is printed), with max(4, WINDOW / BATCH)
    frames in flight per publisher; an event's latency is its frame's.

    -c: single publishes through the client library's coalescing
    (licclient_coalesce): the publisher sends and receives one event at a
    time, as without -c, and the library packs those sent while others
    are in flight into PublishBatch frames.  Events per frame are counted
    at the node (licrepo_publish_frames_total before and after a run), in
    every mode.

    -V: prints one Ed25519 verify's CPU-us (support_verify_cpu_us) and
    exits: bench/table.sh takes it beside PostgreSQL's run, to set its
    cost against the machine's speed at that moment.

    -f FILL: before the runs, the node takes FILL more issue events (of
    distinct licenses, sent N at a time as the runs send them, signed
    between chunks), so the runs measure publishing into a repository of
    FILL licenses; prints each chunk's rate and the node's RSS as it grows,
    then the repository's bytes on disk per license.  Compare a run with
    -f against one without, same N, same machine state (the issue's
    "publish at 1M / 10M within 20 % of a fresh repository").  At most
    3,000,000 events a publisher (a department's serials 7,000,000 up;
    the runs use 0 up to 2,000,000 a run).
*/
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define MAX_PUB 32
#define FILL_SERIAL0 7000000u       //  fill serials start here (runs below)
#define FILL_PER_MAX 3000000        //  fill events a publisher at most

typedef struct {
    support_dept_t dept;
    support_node_t *node;
    int count;                  //  events this publisher sends
    int window;
    int batch;                  //  events per frame (1: single publishes)
    bool coalesce;              //  -c: single publishes coalesced by the library
    uint32_t serial0;           //  first serial of this run
    uint8_t **body;
    size_t *len;
    uint8_t (*sig) [64];
    int64_t *sent_us;           //  per event
    int64_t *lat_us;            //  per event
    int errors;
    pthread_t thread;
} s_pub_t;

// ---------------------------------------------------------------------
//  Publishers

//  -b: the same publisher with PublishBatch frames.
static void *
s_batcher (void *arg)
{
    s_pub_t *p = (s_pub_t *) arg;
    licclient_t *c = NULL;
    if (support_client (&c, p->node, &p->dept) != ERR_OK) {
        p->errors = p->count;
        return NULL;
    }
    int frames_max = p->window / p->batch > 4? p->window / p->batch: 4;
    int next = 0, done = 0, inflight = 0;
    //  Request id -> first event and count: ids are consecutive from the first.
    int *first = calloc ((size_t) p->count + 1, sizeof *first), *count = calloc ((size_t) p->count + 1, sizeof *count);
    licclient_event_t *ev = calloc ((size_t) p->batch, sizeof *ev);
    licclient_result_t *res = calloc ((size_t) p->batch, sizeof *res);
    uint64_t first_id = 0;
    while (done < p->count && first && count && ev && res) {
        while (inflight < frames_max && next < p->count) {
            int n = 0;
            size_t bytes = 0;
            while (n < p->batch && next + n < p->count) {
                size_t add = p->len [next + n] + 128;
                if (n && bytes + add > LICCLIENT_FRAME_MAX - 8192)
                    break;
                ev [n] = (licclient_event_t) { p->body [next + n], p->len [next + n],
                                               p->sig [next + n], p->dept.key.sign_pk, NULL, 0 };
                bytes += add;
                n++;
            }
            uint64_t id;
            int64_t now = support_now_us ();
            if (licclient_send_publish_batch (c, ev, (size_t) n, &id) != ERR_OK)
                break;
            if (!first_id)
                first_id = id;
            first [id - first_id] = next;
            count [id - first_id] = n;
            for (int i = 0; i < n; i++)
                p->sent_us [next + i] = now;
            next += n;
            inflight++;
        }
        Lic__Reply *r = NULL;
        if (licclient_recv (c, &r, 30000) != ERR_OK) {
            fprintf (stderr, "publisher: no reply within 30 s\n");
            p->errors += p->count - done;
            break;
        }
        int64_t now = support_now_us ();
        uint64_t idx = r->id - first_id;
        int n = idx < (uint64_t) p->count? count [idx]: 0;
        if (n == 0 || licclient_batch_results (r, (size_t) n, res) != ERR_OK) {
            fprintf (stderr, "publisher: %s: %s\n", err_str (r->code), r->message);
            p->errors += p->count - done;
            codec_reply_free (&r);
            break;
        }
        for (int i = 0; i < n; i++) {
            p->lat_us [first [idx] + i] = now - p->sent_us [first [idx] + i];
            if (res [i].code != ERR_OK || res [i].duplicate) {
                if (p->errors++ < 3)
                    fprintf (stderr, "publisher: %s: %s\n", err_str (res [i].code), res [i].message);
            }
        }
        codec_reply_free (&r);
        done += n;
        inflight--;
    }
    free (first);
    free (count);
    free (ev);
    free (res);
    licclient_destroy (&c);
    return NULL;
}

static void *
s_publisher (void *arg)
{
    s_pub_t *p = (s_pub_t *) arg;
    licclient_t *c = NULL;
    if (support_client (&c, p->node, &p->dept) != ERR_OK
    ||  licclient_coalesce (c, p->coalesce) != ERR_OK) {
        licclient_destroy (&c);
        p->errors = p->count;
        return NULL;
    }
    int next = 0, done = 0, inflight = 0;
    uint64_t first_id = 0;
    while (done < p->count) {
        while (inflight < p->window && next < p->count) {
            uint64_t id;
            p->sent_us [next] = support_now_us ();
            if (licclient_send_publish (c, p->body [next], p->len [next], p->sig [next],
                                        p->dept.key.sign_pk, &id) != ERR_OK)
                break;
            if (!first_id)
                first_id = id;
            next++;
            inflight++;
        }
        Lic__Reply *r = NULL;
        if (licclient_recv (c, &r, 30000) != ERR_OK) {
            fprintf (stderr, "publisher: no reply within 30 s\n");
            p->errors += p->count - done;
            break;
        }
        int64_t now = support_now_us ();
        uint64_t idx = r->id - first_id;
        if (idx < (uint64_t) p->count)
            p->lat_us [idx] = now - p->sent_us [idx];
        if (r->code != ERR_OK || !r->published || r->published->duplicate) {
            if (p->errors++ < 3)
                fprintf (stderr, "publisher: %s: %s\n", err_str (r->code), r->message);
        }
        codec_reply_free (&r);
        done++;
        inflight--;
    }
    licclient_destroy (&c);
    return NULL;
}

static uint64_t s_du_bytes;

static int
s_du_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) path; (void) ftw;
    if (flag == FTW_F)
        s_du_bytes += (uint64_t) st->st_blocks * 512;
    return 0;
}

//  Bytes the files under dir take on disk (allocated blocks).
static uint64_t
s_du (const char *dir)
{
    s_du_bytes = 0;
    nftw (dir, s_du_one, 16, FTW_PHYS);
    return s_du_bytes;
}

//  Signs this chunk's events: serial0 + i for each publisher's i-th.
static int
s_sign_chunk (s_pub_t *pubs, int k, int per, uint32_t serial0, size_t *bytes)
{
    for (int p = 0; p < k; p++) {
        for (int i = 0; i < per; i++) {
            free (pubs [p].body [i]);
            uint32_t serial = serial0 + (uint32_t) i;
            if (support_event_sign (&pubs [p].dept, LIC__OP__OP_ISSUE, serial, 0, serial,
                                    &pubs [p].body [i], &pubs [p].len [i], pubs [p].sig [i]) != ERR_OK)
                return -1;
            if (bytes)
                *bytes += pubs [p].len [i];
        }
        pubs [p].errors = 0;
    }
    return 0;
}

//  Sends the signed chunk with the publishers; errors counted.
static int
s_send_chunk (s_pub_t *pubs, int k, int batch)
{
    for (int p = 0; p < k; p++)
        pthread_create (&pubs [p].thread, NULL, batch > 1? s_batcher: s_publisher, &pubs [p]);
    int errors = 0;
    for (int p = 0; p < k; p++) {
        pthread_join (pubs [p].thread, NULL);
        errors += pubs [p].errors;
    }
    return errors;
}

//  The -f fill: per publisher ceil(fill / k) events, per at a time.
static int
s_fill (s_pub_t *pubs, int k, int per, int batch, long fill, support_node_t *node,
        const char *ndir)
{
    long each = (fill + k - 1) / k, sent = 0;
    int64_t t0 = support_now_us ();
    while (sent < each) {
        if (s_sign_chunk (pubs, k, per, FILL_SERIAL0 + (uint32_t) sent, NULL))
            return -1;
        int64_t c0 = support_now_us ();
        if (s_send_chunk (pubs, k, batch)) {
            fprintf (stderr, "publish: fill events not accepted\n");
            return -1;
        }
        sent += per;
        double secs = (double) (support_now_us () - c0) / 1e6;
        printf ("fill: %ld licenses, this chunk %.0f events/s, node RSS %ld MiB\n",
                sent * k, (double) per * k / secs, support_proc_field (node->pid, "VmRSS:") / 1024);
        fflush (stdout);
    }
    uint64_t du = s_du (ndir);
    printf ("fill: %ld licenses in %.0f s; repository %.1f MB on disk, %.0f bytes a license; "
            "node peak RSS %ld MiB\n", sent * k, (double) (support_now_us () - t0) / 1e6,
            (double) du / 1e6, (double) du / (double) (sent * k),
            support_proc_field (node->pid, "VmHWM:") / 1024);
    printf ("table publish_fill licenses=%ld disk_bytes=%llu rss_mib=%ld\n", sent * k,
            (unsigned long long) du, support_proc_field (node->pid, "VmHWM:") / 1024);
    fflush (stdout);
    return 0;
}

int
main (int argc, char *argv [])
{
    int n = 200000, k = 4, window = 256, runs = 3, batch = 1;
    bool coalesce = false;
    long fill = 0;
    int c;
    while ((c = getopt (argc, argv, "n:k:w:r:b:cf:Vh")) != -1) {
        switch (c) {
            case 'n': n = atoi (optarg); break;
            case 'k': k = atoi (optarg); break;
            case 'w': window = atoi (optarg); break;
            case 'r': runs = atoi (optarg); break;
            case 'b': batch = atoi (optarg); break;
            case 'c': coalesce = true; break;
            case 'V':
                if (seal_init () != ERR_OK)
                    return 1;
                printf ("table verify_cpu us=%.1f\n", support_verify_cpu_us ());
                return 0;
            case 'f': fill = atol (optarg); break;
            default:
                fprintf (stderr, "usage: publish [-n EVENTS] [-k PUBLISHERS] [-w WINDOW] [-r RUNS] "
                         "[-b BATCH] [-c] [-f FILL]\n");
                return 2;
        }
    }
    if (n < k || k < 1 || k > MAX_PUB || runs < 1 || runs > 9 || window < 1
    ||  batch < 1 || batch > LICCLIENT_BATCH_MAX || fill < 0 || fill / k > FILL_PER_MAX
    ||  n / k > 2000000 || (coalesce && batch > 1)) {
        fprintf (stderr, "publish: bad arguments\n");
        return 2;
    }
    if (seal_init () != ERR_OK)
        return 1;
    char dir [512], ndir [600];
    if (support_tmpdir (dir, "bench-publish") != ERR_OK)
        return 1;
    snprintf (ndir, sizeof ndir, "%s/node", dir);
    support_node_t node;
    char cfg [128];
    int metrics_port = support_free_port ();
    snprintf (cfg, sizeof cfg, "{ \"metrics_listen\": \"127.0.0.1:%d\" }", metrics_port);
    if (support_node_start_cfg (&node, ndir, support_free_port (), "330106", cfg) != ERR_OK)
        return 1;
    licclient_t *admin = NULL;
    s_pub_t *pubs = calloc ((size_t) k, sizeof *pubs);
    if (support_admin (&admin, &node) != ERR_OK)
        return 1;
    int per = n / k;
    for (int p = 0; p < k; p++) {
        if (support_dept_make (&pubs [p].dept, 100 + p, dir) != ERR_OK
        ||  support_register (admin, &pubs [p].dept) != ERR_OK)
            return 1;
        pubs [p].node = &node;
        pubs [p].count = per;
        pubs [p].window = window;
        pubs [p].batch = batch;
        pubs [p].coalesce = coalesce;
        pubs [p].body = calloc ((size_t) per, sizeof (uint8_t *));
        pubs [p].len = calloc ((size_t) per, sizeof (size_t));
        pubs [p].sig = calloc ((size_t) per, 64);
        pubs [p].sent_us = calloc ((size_t) per, sizeof (int64_t));
        pubs [p].lat_us = calloc ((size_t) per, sizeof (int64_t));
    }
    licclient_destroy (&admin);
    printf ("bench publish: %d events per run, %d publishers, window %d each, batch %d%s, %d runs, "
            "licnode pid %d\n", per * k, k, window, batch, coalesce? ", coalesced by the library": "",
            runs, (int) node.pid);

    if (fill && s_fill (pubs, k, per, batch, fill, &node, ndir))
        return 1;

    double rate [9], ratio [9], p50 [9], p99 [9], cpu [9], v1s [9], v2s [9], per_frame [9];
    double check_us [9], beyond_us [9], cpu_ratio [9];
    int64_t *all = calloc ((size_t) per * (size_t) k, sizeof (int64_t));
    size_t body_bytes = 0;
    for (int run = 0; run < runs; run++) {
        //  Baseline measured in this run, on the same machine state.
        v1s [run] = support_verify_rate (1);
        v2s [run] = support_verify_rate (2);
        body_bytes = 0;
        if (s_sign_chunk (pubs, k, per, (uint32_t) run * 2000000u, &body_bytes))
            return 1;
        double client0 = support_proc_cpu (getpid ());
        //  The node idle before and after: its CPU and its checks' CPU
        //  from the same instants.
        support_node_t *np = &node;
        support_probe_t at0, at1;
        if (support_probe (&np, &metrics_port, 1, &at0) != ERR_OK)
            return 1;
        int64_t t0 = support_now_us ();
        int errors = s_send_chunk (pubs, k, batch);
        double secs = (double) (support_now_us () - t0) / 1e6;
        double client_cpu = support_proc_cpu (getpid ()) - client0;
        if (errors) {
            fprintf (stderr, "publish: %d events not accepted\n", errors);
            return 1;
        }
        if (support_probe (&np, &metrics_port, 1, &at1) != ERR_OK)
            return 1;
        cpu [run] = at1.cpu_s - at0.cpu_s;
        per_frame [run] = (double) (per * k) / (at1.frames - at0.frames);
        //  The node's own checks, timed at the same instants as its CPU:
        //  one check's CPU, the node's CPU an event beyond its check, and
        //  events/s : V2 as a dedicated 2-core machine would give it
        //  (both cores busy: events/s = 2 / (node + client CPU an event),
        //  V2 = 2 / one check's CPU), whatever the VM's speed did.
        double events = (double) (per * k), checks_s = at1.check_s - at0.check_s;
        double checks = at1.checks - at0.checks;
        check_us [run] = checks > 0? checks_s * 1e6 / checks: 0;
        beyond_us [run] = (cpu [run] - checks_s) * 1e6 / events;
        cpu_ratio [run] = check_us [run] / ((cpu [run] + client_cpu) * 1e6 / events);
        size_t m = 0;
        for (int p = 0; p < k; p++)
            for (int i = 0; i < per; i++)
                all [m++] = pubs [p].lat_us [i];
        qsort (all, m, sizeof *all, support_cmp_i64);
        rate [run] = (double) m / secs;
        ratio [run] = rate [run] / v2s [run];
        p50 [run] = (double) all [m / 2] / 1000.0;
        p99 [run] = (double) all [m * 99 / 100] / 1000.0;
        printf ("run %d: %.0f events/s  V1 %.0f/s  V2 %.0f/s  events/V2 %.3f  ack p50 %.2f ms  p99 %.2f ms"
                "  node CPU %.1f s (%.1f us/event)  client CPU %.1f us/event  avg body %zu B"
                "  %.1f events/frame\n"
                "       the node's checks: %.1f CPU-us each; beyond them %.1f CPU-us/event;"
                " check : (node + client) CPU = %.3f\n",
                run + 1, rate [run], v1s [run], v2s [run], ratio [run], p50 [run], p99 [run],
                cpu [run], cpu [run] * 1e6 / (double) m, client_cpu * 1e6 / (double) m, body_bytes / m,
                per_frame [run], check_us [run], beyond_us [run], cpu_ratio [run]);
        fflush (stdout);
    }
    long hwm = support_proc_field (node.pid, "VmHWM:");
    double node_us [9];
    for (int r = 0; r < runs; r++)
        node_us [r] = cpu [r] * 1e6 / (double) (per * k);
    //  One line for bench/table.sh
    printf ("table %s events_s=%.0f v2=%.0f ratio=%.3f node_us=%.1f rss_mib=%ld per_frame=%.1f "
            "check_us=%.1f beyond_us=%.1f cpu_ratio=%.3f\n",
            batch > 1? "publish_batch": coalesce? "publish_coalesced": "publish",
            support_median (rate, runs), support_median (v2s, runs),
            support_median (ratio, runs), support_median (node_us, runs), hwm / 1024,
            support_median (per_frame, runs), support_median (check_us, runs),
            support_median (beyond_us, runs), support_median (cpu_ratio, runs));
    printf ("median: %.0f events/s, V1 %.0f/s, V2 %.0f/s, events/s : V2 = %.3f (target 0.75), "
            "ack p50 %.2f ms, p99 %.2f ms, node CPU %.1f s/run, node peak RSS %ld MiB\n",
            support_median (rate, runs), support_median (v1s, runs),
            support_median (v2s, runs), support_median (ratio, runs),
            support_median (p50, runs), support_median (p99, runs),
            support_median (cpu, runs), hwm / 1024);
    support_node_stop (&node, SIGTERM);
    for (int p = 0; p < k; p++) {
        for (int i = 0; i < per; i++)
            free (pubs [p].body [i]);
        free (pubs [p].body);
        free (pubs [p].len);
        free (pubs [p].sig);
        free (pubs [p].sent_us);
        free (pubs [p].lat_us);
    }
    free (pubs);
    free (all);
    support_rmtree (dir);
    return 0;
}
