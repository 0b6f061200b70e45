/*  bench/files -- license files published at the counties and durable at
    the province (proto/README.md section 12).

      files [-f FILES_PER_COUNTY] [-s BYTES] [-e EVENTS_PER_COUNTY] [-r RUNS]

    Defaults: 16 files of 2 MB per county, 5,000 events per county, 1 run.
    Each run starts a fresh hierarchy (support_hier_start: counties 330106
    and 330108, city 330100, province 330000, real licnode processes on
    127.0.0.1) with a department at each county, then measures, all in
    the same run:

    (r) raw: the same bytes written sequentially to a file on the same
        file system, 128 KiB writes, fdatasync at the end of each file (a
        file is durable once whole, as at a node): MB/s;
    (f) files: both counties put their files (licclient_file_put) and
        publish an issue naming each; the time runs from the first put
        until the province holds every file (its files_missing 0 and each
        file present): MB/s of file bytes durable at the province, and
        its ratio to (r) (issue target >= 0.5);
    (e) events: each county publishes EVENTS ~1 KB issues without files
        (support_publish, pipelined); the time until the province has
        acked them: events/s; then the same again while a thread puts
        and publishes files at county 330106 the whole time: events/s and
        the ratio (issue target >= 0.8).

    Figures only: no timing is a failure.  Ctrl-C stops the nodes and
    removes the directories.
*/
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define SYNC_MAX_S 900

static uint8_t *
s_bytes (size_t len, uint64_t seed)
{
    //  Eight bytes a step: the generator is not what is measured (a
    //  byte a step took ~4 ms of each 2 MB file's put).
    uint8_t *data = malloc (len);
    uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);
    for (size_t i = 0; data && i < len; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy (data + i, &x, len - i < 8? len - i: 8);
    }
    return data;
}

//  (r): MB/s of `total` bytes written 128 KiB at a time, synced every
//  `per_file` bytes.
static double
s_raw_rate (const char *dir, size_t total, size_t per_file)
{
    char path [600];
    snprintf (path, sizeof path, "%s/raw.bin", dir);
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    uint8_t *chunk = s_bytes (LICCLIENT_FILE_CHUNK, 99);
    int64_t t0 = support_now_us ();
    size_t since = 0;
    for (size_t at = 0; at < total && chunk; at += LICCLIENT_FILE_CHUNK) {
        if (write (fd, chunk, LICCLIENT_FILE_CHUNK) != (ssize_t) LICCLIENT_FILE_CHUNK)
            break;
        since += LICCLIENT_FILE_CHUNK;
        if ((since >= per_file || at + LICCLIENT_FILE_CHUNK >= total) && fdatasync (fd) != 0)
            break;
        if (since >= per_file)
            since = 0;
    }
    int64_t t1 = support_now_us ();
    close (fd);
    unlink (path);
    free (chunk);
    return total / ((t1 - t0) / 1e6) / 1e6;
}

typedef struct {
    licclient_t *client;
    const support_dept_t *dept;
    int files;
    size_t size;
    uint32_t serial0;
    uint64_t seed;
    uint8_t (*digests) [32];
    atomic_bool *stop;          //  NULL: put `files` files; else until *stop
    int done;
    int failed;
} s_putter_t;

static void *
s_put (void *arg)
{
    s_putter_t *p = (s_putter_t *) arg;
    for (int i = 0; p->stop? !atomic_load (p->stop): i < p->files; i++) {
        uint8_t *data = s_bytes (p->size, p->seed + (uint64_t) i), digest [32], *body, sig [64];
        size_t len;
        char why [256];
        int code = -1;
        if (!data || licclient_file_put (p->client, data, p->size, digest, &code, why, sizeof why,
                                         60000) != ERR_OK || code != ERR_OK) {
            p->failed++;
            free (data);
            continue;
        }
        free (data);
        if (p->digests && i < p->files)
            memcpy (p->digests [i], digest, 32);
        if (support_event_sign_file (p->dept, LIC__OP__OP_ISSUE, p->serial0 + (uint32_t) i, 0,
                                     p->serial0 + (uint32_t) i, digest, &body, &len, sig) != ERR_OK
        ||  licclient_publish (p->client, body, len, sig, p->dept->key.sign_pk, NULL, NULL, &code,
                               why, sizeof why, 60000) != ERR_OK || code != ERR_OK)
            p->failed++;
        else
            p->done++;
        free (body);
    }
    return NULL;
}

static uint64_t
s_missing (const support_node_t *n)
{
    Lic__Reply *r = NULL;
    uint64_t missing = UINT64_MAX;
    if (support_status (n, &r) == ERR_OK && r->code == ERR_OK)
        missing = r->status->files_missing;
    licclient_reply_free (&r);
    return missing;
}

static bool
s_all_present (licclient_t *c, uint8_t (*digests) [32], int n)
{
    for (int i = 0; i < n; i++) {
        Lic__Reply *r = NULL;
        bool present = licclient_file_status (c, digests [i], &r, 10000) == ERR_OK
                    && r->code == ERR_OK && r->file->present;
        licclient_reply_free (&r);
        if (!present)
            return false;
    }
    return true;
}

typedef struct {
    licclient_t *client;
    const support_dept_t *dept;
    uint32_t serial0;
    int n;
    int accepted;
} s_events_t;

static void *
s_events (void *arg)
{
    s_events_t *e = (s_events_t *) arg;
    e->accepted = support_publish (e->client, e->dept, e->serial0, e->n, 0);
    return NULL;
}

//  (e): events/s of n events at each county until the province has them.
static double
s_event_rate (support_hier_t *h, licclient_t *c [2], support_dept_t d [2], uint32_t serial0, int n)
{
    s_events_t ev [2] = { { c [0], &d [0], serial0, n, 0 }, { c [1], &d [1], serial0, n, 0 } };
    pthread_t t [2];
    int64_t t0 = support_now_us ();
    for (int i = 0; i < 2; i++)
        pthread_create (&t [i], NULL, s_events, &ev [i]);
    for (int i = 0; i < 2; i++)
        pthread_join (t [i], NULL);
    if (support_hier_wait_synced (h, SYNC_MAX_S) != ERR_OK)
        return 0;
    int64_t t1 = support_now_us ();
    return (ev [0].accepted + ev [1].accepted) / ((t1 - t0) / 1e6);
}

int
main (int argc, char *argv [])
{
    int files = 16, events = 5000, runs = 1;
    long size = 2000000;
    int opt;
    while ((opt = getopt (argc, argv, "f:s:e:r:h")) != -1) {
        switch (opt) {
            case 'f': files = atoi (optarg); break;
            case 's': size = atol (optarg); break;
            case 'e': events = atoi (optarg); break;
            case 'r': runs = atoi (optarg); break;
            default:
                fprintf (stderr, "usage: files [-f FILES_PER_COUNTY] [-s BYTES] "
                                 "[-e EVENTS_PER_COUNTY] [-r RUNS]\n");
                return 2;
        }
    }
    if (files < 1 || files > 1000 || size < 1 || size > (long) LICCLIENT_FILE_MAX
    ||  events < 1 || events > 1000000 || runs < 1 || runs > 9) {
        fprintf (stderr, "files: bad arguments\n");
        return 2;
    }
    setvbuf (stdout, NULL, _IOLBF, 0);
    support_catch_interrupt ();
    if (seal_init () != ERR_OK)
        return 1;
    printf ("bench files: %d files of %ld bytes per county, %d events per county, %d run(s)\n",
            files, size, events, runs);
    for (int run = 0; run < runs && !support_interrupted (); run++) {
        char dir [512];
        support_hier_t h;
        memset (&h, 0, sizeof h);
        if (support_tmpdir (dir, "bench-files") != ERR_OK || support_hier_start (&h, dir) != ERR_OK) {
            fprintf (stderr, "files: the hierarchy did not start\n");
            return 1;
        }
        support_dept_t d [2];
        licclient_t *admin [2] = { NULL, NULL }, *c [2] = { NULL, NULL }, *province = NULL;
        for (int i = 0; i < 2; i++)
            if (support_dept_make (&d [i], 900 + (uint32_t) i, dir) != ERR_OK
            ||  support_admin (&admin [i], &h.node [i]) != ERR_OK
            ||  support_register (admin [i], &d [i]) != ERR_OK
            ||  support_client (&c [i], &h.node [i], &d [i]) != ERR_OK) {
                fprintf (stderr, "files: departments not registered\n");
                return 1;
            }
        if (support_admin (&province, &h.node [3]) != ERR_OK
        ||  support_hier_wait_synced (&h, SYNC_MAX_S) != ERR_OK)
            return 1;
        size_t total = (size_t) files * 2 * (size_t) size;

        //  (r) raw synced sequential writes, the same bytes.
        double raw = s_raw_rate (dir, total, (size_t) size);

        //  (f) files from both counties durable at the province.
        uint8_t (*digests) [32] = calloc ((size_t) files * 2, 32);
        s_putter_t p [2];
        pthread_t t [2];
        int64_t t0 = support_now_us ();
        for (int i = 0; i < 2; i++) {
            p [i] = (s_putter_t) { c [i], &d [i], files, (size_t) size, 1000000,
                                   (uint64_t) (run * 100000 + i * 10000), digests + i * files,
                                   NULL, 0, 0 };
            pthread_create (&t [i], NULL, s_put, &p [i]);
        }
        for (int i = 0; i < 2; i++)
            pthread_join (t [i], NULL);
        int64_t t_put = support_now_us ();
        int64_t deadline = t0 + SYNC_MAX_S * 1000000LL;
        while (!support_interrupted () && support_now_us () < deadline
           &&  (s_missing (&h.node [3]) != 0 || !s_all_present (province, digests, 2 * files)))
            usleep (20000);
        int64_t t1 = support_now_us ();
        double rate = total / ((t1 - t0) / 1e6) / 1e6;
        printf ("run %d: raw synced sequential write %.1f MB/s; files put at the counties %.1f MB/s, "
                "durable at the province %.1f MB/s (%d of %d published), ratio %.2f\n", run + 1, raw,
                total / ((t_put - t0) / 1e6) / 1e6, rate, p [0].done + p [1].done, 2 * files,
                raw > 0? rate / raw: 0);

        //  (e) events without files, then with files flowing.
        double quiet = s_event_rate (&h, c, d, 1, events);
        atomic_bool stop = false;
        licclient_t *fc = NULL;
        support_client (&fc, &h.node [0], &d [0]);
        s_putter_t bg = { fc, &d [0], 1000000, (size_t) size, 2000000, (uint64_t) run * 7 + 3,
                          NULL, &stop, 0, 0 };
        pthread_t bt;
        pthread_create (&bt, NULL, s_put, &bg);
        double busy = s_event_rate (&h, c, d, 100001, events);
        atomic_store (&stop, true);
        pthread_join (bt, NULL);
        printf ("run %d: events %.0f/s to the province without files, %.0f/s while %d files "
                "(%.1f MB) flowed from county 330106, ratio %.2f\n", run + 1, quiet, busy, bg.done,
                bg.done * (double) size / 1e6, quiet > 0? busy / quiet: 0);
        //  One line per run for bench/table.sh.
        printf ("table files raw_mb_s=%.1f put_mb_s=%.1f province_mb_s=%.1f ratio=%.3f "
                "events_s=%.0f events_files_s=%.0f events_ratio=%.3f\n", raw,
                total / ((t_put - t0) / 1e6) / 1e6, rate, raw > 0? rate / raw: 0, quiet, busy,
                quiet > 0? busy / quiet: 0);
        free (digests);
        licclient_destroy (&fc);
        licclient_destroy (&province);
        for (int i = 0; i < 2; i++) {
            licclient_destroy (&c [i]);
            licclient_destroy (&admin [i]);
        }
        support_hier_stop (&h, SIGTERM);
        support_rmtree (dir);
    }
    return 0;
}
