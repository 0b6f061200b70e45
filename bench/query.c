/*  bench/query -- scoped queries of an application body, with durable audit.

      query [-n LICENSES] [-q QUERIES] [-k CLIENTS] [-w WINDOW] [-r RUNS]

    Starts a real licnode (temporary data directory, 127.0.0.1) with a
    query socket (query_listen), registers one department and one
    application body for the department's license type, and publishes
    LICENSES licenses (serials 1..N, holder of serial s is
    support_resident_id (s); not timed).  Then per run, on the query
    socket, with every query recorded as a synced audit entry before its
    answer leaves:

      get   K clients, WINDOW in flight each, QUERIES get-by-id of random
            serials: queries/s, latency p50/p99;
      find  the same with find-by-holder (left out beyond 1,176,000
            licenses, where the test holders repeat; its figures print 0);
      half  one client sending get-by-id at half the get rate just
            measured, open loop (send times fixed by the schedule, latency
            from the scheduled send to the reply): p50/p99.

    Every reply must be granted and hold exactly the license asked for;
    any other answer is an error and the program exits non-zero.  Then the
    node is stopped (SIGTERM) and its RocksDB opened read-only: random
    point gets of license ids in the "license" column family, for the
    wall time of the get phase, on one and on two threads (the node reads
    on one).  Prints per run and the medians: get and find queries/s, the
    ratio get : raw gets on one thread (target 0.5), p50/p99 at
    peak and at half peak (target p99 < 2 ms), the node's CPU per query
    and its peak RSS.  The node is started again for the next run.  Every
    phase is bounded (PHASE_MAX_S).  Ctrl-C stops the node and removes the
    directory.
*/
#include <czmq.h>
#include <pthread.h>
#include <rocksdb/c.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define MAX_CLIENTS   32
#define MAX_RUNS      9
#define PUB_THREADS   4             //  publishers filling the node
#define PUB_CHUNK     5000          //  licenses per support_publish call
#define PHASE_MAX_S   120           //  longest phase: sending stops then
#define HALF_MAX_S    60            //  longest paced phase, by its count
#define REPLY_WAIT_MS 30000         //  longest wait for one reply
#define PACED_FLIGHT  4096          //  most paced queries in flight
#define ID_STRIDE     64            //  bytes per license id in the table
//  support_resident_id repeats after 1,176,000 serials (9408 x 1000 / 8):
//  beyond that a holder has more than one license, so the find phase
//  (which checks the one license of the holder) is left out; license ids
//  are distinct up to serial 10,000,000 (support_license_id).
#define HOLDERS_UNIQUE 1176000
#define LICENSES_MAX  10000000

#define S_MATTER "330106-QUERY-01"

//  What every client and raw reader shares.
typedef struct {
    char endpoint [128];            //  the node's query socket
    char node_pk [41];              //  its CURVE public key, Z85
    keyfile_t body;                 //  the application body's keys
    int licenses;
    const char *ids;                //  license id of serial s at (s - 1) * ID_STRIDE
} s_ctx_t;

typedef struct {
    const s_ctx_t *ctx;
    Lic__QueryKind kind;
    int count;                      //  queries to send
    int window;
    double rate;                    //  paced: queries/s; 0: closed loop
    uint32_t seed;
    int64_t deadline;               //  no sends after this
    pthread_barrier_t *start;
    uint32_t *serial;               //  per query
    int64_t *sent_us;               //  per query (paced: scheduled)
    int64_t *lat_us;                //  per reply, in arrival order
    int done;                       //  replies received
    int errors;
    bool late;                      //  stopped by the deadline or Ctrl-C
    int64_t lag_max;                //  paced: latest send after its time, us
    int lag_1ms;                    //  paced: sends over 1 ms after their time
    pthread_t thread;
} s_client_t;

//  Figures of one phase.
typedef struct {
    int done;
    double secs, rate, p50, p99, cpu_us;
    bool late;
    int64_t lag_max;                //  paced client's own delays
    int lag_1ms;
} s_fig_t;

static uint32_t
s_rand (uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static const char *
s_id (const s_ctx_t *ctx, uint32_t serial)
{
    return ctx->ids + (size_t) (serial - 1) * ID_STRIDE;
}

// ---------------------------------------------------------------------
//  Query clients

//  Sends the query of kind for license serial.
static int
s_send (licclient_t *c, const s_ctx_t *ctx, Lic__QueryKind kind, uint32_t serial, uint64_t *id)
{
    char hid [19], case_no [32];
    support_resident_id (hid, serial);
    snprintf (case_no, sizeof case_no, "BENCH-%u", serial);
    Lic__Holder h;
    codec_holder_init (&h);
    h.id_type = "111";
    h.id = hid;
    Lic__QueryRequest q;
    lic__query_request__init (&q);
    q.kind = kind;
    q.matter_code = S_MATTER;
    q.staff_id = "S0042";
    q.case_number = case_no;
    q.purpose = "benchmark";
    q.holder = &h;
    if (kind == LIC__QUERY_KIND__QUERY_GET)
        q.license_id = (char *) s_id (ctx, serial);
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_QUERY;
    req.query = &q;
    return licclient_send (c, &req, id);
}

//  True if r grants exactly the license of serial.
static bool
s_reply_ok (const s_client_t *p, const Lic__Reply *r, uint32_t serial)
{
    if (r->code == ERR_OK && r->body_case == LIC__REPLY__BODY_QUERY && r->query
    &&  r->query->n_licenses == 1 && r->query->licenses [0]->state
    &&  r->query->licenses [0]->state->license_id
    &&  streq (r->query->licenses [0]->state->license_id, s_id (p->ctx, serial)))
        return true;
    if (p->errors < 3)
        fprintf (stderr, "query: serial %u: %s: %s (%zu licenses)\n", serial, err_str (r->code),
                 r->message? r->message: "",
                 r->body_case == LIC__REPLY__BODY_QUERY && r->query? r->query->n_licenses: 0);
    return false;
}

//  Takes the reply r for this client's query idx = r->id - first.
static void
s_take (s_client_t *p, Lic__Reply **r_p, uint64_t first, int sent, int64_t now)
{
    Lic__Reply *r = *r_p;
    uint64_t idx = r->id - first;
    if (r->id < first || idx >= (uint64_t) sent) {
        if (p->errors++ < 3)
            fprintf (stderr, "query: reply with unexpected id %llu\n", (unsigned long long) r->id);
    }
    else {
        p->lat_us [p->done] = now - p->sent_us [idx];
        if (!s_reply_ok (p, r, p->serial [idx]))
            p->errors++;
    }
    p->done++;
    codec_reply_free (r_p);
}

//  Opens the client and asks one query before the start (connection and
//  handshake are not timed).  Always waits at the barrier.
static licclient_t *
s_client_open (s_client_t *p)
{
    licclient_t *c = NULL;
    int rc = licclient_open (&c, p->ctx->endpoint, p->ctx->node_pk,
                             p->ctx->body.curve_pk, p->ctx->body.curve_sk);
    uint64_t id;
    Lic__Reply *r = NULL;
    if (rc == ERR_OK)
        rc = s_send (c, p->ctx, p->kind, 1, &id);
    if (rc == ERR_OK)
        rc = licclient_recv (c, &r, REPLY_WAIT_MS);
    if (rc == ERR_OK) {
        p->serial [0] = 1;
        if (!s_reply_ok (p, r, 1))
            rc = ERR_FORBIDDEN;
        codec_reply_free (&r);
    }
    if (rc != ERR_OK) {
        fprintf (stderr, "query: client could not query: %s\n", err_str (rc));
        licclient_destroy (&c);
        p->errors = p->count;
    }
    pthread_barrier_wait (p->start);
    return c;
}

//  Closed loop: window queries in flight, the next sent as one returns.
static void *
s_client (void *arg)
{
    s_client_t *p = (s_client_t *) arg;
    licclient_t *c = s_client_open (p);
    if (!c)
        return NULL;
    int next = 0, last = p->count;
    uint64_t first = 0;
    while (p->done < last) {
        if (next < last && (support_interrupted () || support_now_us () > p->deadline)) {
            last = next;
            p->late = true;
            continue;
        }
        while (next - p->done < p->window && next < last) {
            uint64_t id;
            p->serial [next] = 1 + s_rand (&p->seed) % (uint32_t) p->ctx->licenses;
            p->sent_us [next] = support_now_us ();
            if (s_send (c, p->ctx, p->kind, p->serial [next], &id) != ERR_OK) {
                last = next;
                p->errors++;
                break;
            }
            if (!first)
                first = id;
            next++;
        }
        if (p->done == last)
            break;
        Lic__Reply *r = NULL;
        if (licclient_recv (c, &r, REPLY_WAIT_MS) != ERR_OK) {
            fprintf (stderr, "query: no reply within %d s\n", REPLY_WAIT_MS / 1000);
            p->errors += last - p->done;
            break;
        }
        s_take (p, &r, first, next, support_now_us ());
    }
    licclient_destroy (&c);
    return NULL;
}

//  Open loop: query i is due at t0 + i / rate, whatever the replies do;
//  its latency counts from when it was due.
static void *
s_paced (void *arg)
{
    s_client_t *p = (s_client_t *) arg;
    licclient_t *c = s_client_open (p);
    if (!c)
        return NULL;
    double interval = 1e6 / p->rate;
    int64_t t0 = support_now_us (), progress = t0;
    int next = 0, last = p->count;
    uint64_t first = 0;
    while (p->done < last) {
        int64_t now = support_now_us ();
        if (next < last && (support_interrupted () || now > p->deadline)) {
            last = next;
            p->late = true;
            continue;
        }
        while (next < last && next - p->done < PACED_FLIGHT
           &&  t0 + (int64_t) (next * interval) <= now) {
            uint64_t id;
            p->serial [next] = 1 + s_rand (&p->seed) % (uint32_t) p->ctx->licenses;
            p->sent_us [next] = t0 + (int64_t) (next * interval);
            int64_t lag = support_now_us () - p->sent_us [next];
            p->lag_max = lag > p->lag_max? lag: p->lag_max;
            p->lag_1ms += lag > 1000;
            if (s_send (c, p->ctx, p->kind, p->serial [next], &id) != ERR_OK) {
                last = next;
                p->errors++;
                break;
            }
            if (!first)
                first = id;
            next++;
        }
        if (p->done == last)
            break;
        //  Wait for a reply until the next query is due: whole
        //  milliseconds in the poll, the rest in short sleeps.
        int64_t due = next < last? t0 + (int64_t) (next * interval) - now: REPLY_WAIT_MS * 1000LL;
        if (next - p->done >= PACED_FLIGHT)
            due = REPLY_WAIT_MS * 1000LL;
        Lic__Reply *r = NULL;
        int rc = licclient_recv (c, &r, due >= 1000? (int) (due / 1000): 0);
        now = support_now_us ();
        if (rc == ERR_OK) {
            s_take (p, &r, first, next, now);
            progress = now;
        }
        else
        if (rc != ERR_BUSY || (next > p->done && now - progress > REPLY_WAIT_MS * 1000LL)) {
            fprintf (stderr, "query: paced client: no reply (%s)\n", err_str (rc));
            p->errors += last - p->done;
            break;
        }
        else
        if (due < 1000 && due > 0)
            usleep ((useconds_t) (due < 50? due: 50));
        if (p->done == next)
            progress = now;
    }
    licclient_destroy (&c);
    return NULL;
}

//  Runs one phase: k clients (paced if rate > 0), count queries in all.
//  Returns the errors; the figures go to f.
static int
s_phase (const s_ctx_t *ctx, support_node_t *node, Lic__QueryKind kind, int k, int window,
         int count, double rate, uint32_t seed, s_fig_t *f)
{
    s_client_t cl [MAX_CLIENTS];
    memset (cl, 0, sizeof cl);
    memset (f, 0, sizeof *f);
    pthread_barrier_t start;
    pthread_barrier_init (&start, NULL, (unsigned) k + 1);
    int per = count / k, errors = 0;
    for (int i = 0; i < k; i++) {
        cl [i].ctx = ctx;
        cl [i].kind = kind;
        cl [i].count = per;
        cl [i].window = window;
        cl [i].rate = rate;
        cl [i].seed = seed * 7919u + (uint32_t) i * 104729u + 1;
        cl [i].deadline = support_now_us () + PHASE_MAX_S * 1000000LL;
        cl [i].start = &start;
        cl [i].serial = calloc ((size_t) per, sizeof *cl [i].serial);
        cl [i].sent_us = calloc ((size_t) per, sizeof *cl [i].sent_us);
        cl [i].lat_us = calloc ((size_t) per, sizeof *cl [i].lat_us);
        if (!cl [i].serial || !cl [i].sent_us || !cl [i].lat_us) {
            fprintf (stderr, "query: out of memory\n");
            exit (1);
        }
        pthread_create (&cl [i].thread, NULL, rate > 0? s_paced: s_client, &cl [i]);
    }
    pthread_barrier_wait (&start);
    double cpu0 = support_proc_cpu (node->pid);
    int64_t t0 = support_now_us ();
    for (int i = 0; i < k; i++)
        pthread_join (cl [i].thread, NULL);
    f->secs = (double) (support_now_us () - t0) / 1e6;
    f->cpu_us = (support_proc_cpu (node->pid) - cpu0) * 1e6;
    pthread_barrier_destroy (&start);
    int64_t *all = calloc ((size_t) per * (size_t) k + 1, sizeof *all);
    if (!all)
        exit (1);
    for (int i = 0; i < k; i++) {
        memcpy (all + f->done, cl [i].lat_us, (size_t) cl [i].done * sizeof *all);
        f->done += cl [i].done;
        errors += cl [i].errors;
        f->late |= cl [i].late;
        f->lag_max = cl [i].lag_max > f->lag_max? cl [i].lag_max: f->lag_max;
        f->lag_1ms += cl [i].lag_1ms;
        free (cl [i].serial);
        free (cl [i].sent_us);
        free (cl [i].lat_us);
    }
    if (f->done > 0) {
        qsort (all, (size_t) f->done, sizeof *all, support_cmp_i64);
        f->rate = (double) f->done / f->secs;
        f->p50 = (double) all [f->done / 2] / 1000.0;
        f->p99 = (double) all [(size_t) f->done * 99 / 100] / 1000.0;
        f->cpu_us /= f->done;
    }
    free (all);
    return errors;
}

// ---------------------------------------------------------------------
//  Raw RocksDB point gets

typedef struct {
    rocksdb_t *db;
    rocksdb_column_family_handle_t *cf;
    const s_ctx_t *ctx;
    int64_t until;
    uint32_t seed;
    long gets;
    long misses;
    pthread_t thread;
} s_raw_t;

static void *
s_raw_reader (void *arg)
{
    s_raw_t *p = (s_raw_t *) arg;
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create ();
    while (support_now_us () < p->until) {
        for (int i = 0; i < 64; i++) {
            const char *key = s_id (p->ctx, 1 + s_rand (&p->seed) % (uint32_t) p->ctx->licenses);
            size_t vl = 0;
            char *err = NULL;
            char *v = rocksdb_get_cf (p->db, ro, p->cf, key, strlen (key), &vl, &err);
            if (!v || err)
                p->misses++;
            rocksdb_free (v);
            rocksdb_free (err);
            p->gets++;
        }
    }
    rocksdb_readoptions_destroy (ro);
    return NULL;
}

//  Runs `threads` readers for secs; gets/s.
static double
s_raw_run (rocksdb_t *db, rocksdb_column_family_handle_t *cf, const s_ctx_t *ctx, int threads,
           double secs, uint32_t seed, long *misses)
{
    s_raw_t r [2];
    memset (r, 0, sizeof r);
    int64_t t0 = support_now_us ();
    for (int i = 0; i < threads; i++) {
        r [i].db = db;
        r [i].cf = cf;
        r [i].ctx = ctx;
        r [i].until = t0 + (int64_t) (secs * 1e6);
        r [i].seed = seed + (uint32_t) i * 40503u;
        pthread_create (&r [i].thread, NULL, s_raw_reader, &r [i]);
    }
    long gets = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join (r [i].thread, NULL);
        gets += r [i].gets;
        *misses += r [i].misses;
    }
    return (double) gets / ((double) (support_now_us () - t0) / 1e6);
}

//  Gets/s of random license ids on one and on two threads, secs each,
//  from the database at path opened read-only with the node's options
//  (block cache, bloom filters; node/store/store_rocks.c), after a warm-up of
//  the block cache (the node's is warm when it answers).  ERR_OK or ERR_IO.
static int
s_raw_rates (const s_ctx_t *ctx, const char *path, double secs, uint32_t seed,
             double *rate1, double *rate2, long *misses)
{
    rocksdb_options_t *opts = rocksdb_options_create ();
    rocksdb_options_set_max_open_files (opts, 512);
    rocksdb_cache_t *cache = rocksdb_cache_create_lru (64 << 20);
    rocksdb_block_based_table_options_t *table = rocksdb_block_based_options_create ();
    rocksdb_block_based_options_set_block_cache (table, cache);
    rocksdb_block_based_options_set_cache_index_and_filter_blocks (table, 1);
    rocksdb_block_based_options_set_filter_policy (table, rocksdb_filterpolicy_create_bloom (10));
    rocksdb_options_set_block_based_table_factory (opts, table);
    char *err = NULL;
    size_t ncf = 0;
    char **names = rocksdb_list_column_families (opts, path, &ncf, &err);
    int rc = ERR_IO;
    rocksdb_t *db = NULL;
    const rocksdb_options_t **cf_opts = NULL;
    rocksdb_column_family_handle_t **cf = NULL;
    int license = -1;
    if (!err && ncf) {
        cf_opts = calloc (ncf, sizeof *cf_opts);
        cf = calloc (ncf, sizeof *cf);
        for (size_t i = 0; cf_opts && i < ncf; i++) {
            cf_opts [i] = opts;
            if (streq (names [i], "license"))
                license = (int) i;
        }
    }
    if (!err && cf && cf_opts && license >= 0)
        db = rocksdb_open_for_read_only_column_families (opts, path, (int) ncf,
                                                         (const char *const *) names,
                                                         cf_opts, cf, 0, &err);
    if (err || !db)
        fprintf (stderr, "query: cannot open %s read-only: %s\n", path,
                 err? err: "no \"license\" column family");
    else {
        rocksdb_column_family_handle_t *lcf = cf [license];
        *misses = 0;
        s_raw_run (db, lcf, ctx, 1, secs < 1? secs: 1, seed, misses);
        *rate1 = s_raw_run (db, lcf, ctx, 1, secs, seed * 3, misses);
        *rate2 = s_raw_run (db, lcf, ctx, 2, secs, seed * 5, misses);
        rc = ERR_OK;
        for (size_t i = 0; i < ncf; i++)
            rocksdb_column_family_handle_destroy (cf [i]);
        rocksdb_close (db);
    }
    rocksdb_free (err);
    if (names)
        rocksdb_list_column_families_destroy (names, ncf);
    free (cf);
    free (cf_opts);
    rocksdb_options_destroy (opts);
    rocksdb_block_based_options_destroy (table);
    rocksdb_cache_destroy (cache);
    return rc;
}

// ---------------------------------------------------------------------
//  Filling the node

typedef struct {
    support_node_t *node;
    const support_dept_t *dept;
    int licenses;
    atomic_int *next;               //  next chunk's first serial
    atomic_int *published;
    int errors;
    atomic_bool finished;
    pthread_t thread;
} s_filler_t;

static void *
s_filler (void *arg)
{
    s_filler_t *p = (s_filler_t *) arg;
    licclient_t *c = NULL;
    if (support_client (&c, p->node, p->dept) != ERR_OK) {
        p->errors++;
        atomic_store (&p->finished, true);
        return NULL;
    }
    while (!p->errors && !support_interrupted ()) {
        int serial0 = atomic_fetch_add (p->next, PUB_CHUNK);
        if (serial0 > p->licenses)
            break;
        int count = p->licenses - serial0 + 1 < PUB_CHUNK? p->licenses - serial0 + 1: PUB_CHUNK;
        int ok = support_publish (c, p->dept, (uint32_t) serial0, count, 0);
        atomic_fetch_add (p->published, ok);
        if (ok != count)
            p->errors += count - ok;
    }
    licclient_destroy (&c);
    atomic_store (&p->finished, true);
    return NULL;
}

//  Publishes licenses 1..n of d, with progress on stderr; errors or 0.
static int
s_fill (support_node_t *node, const support_dept_t *d, int n, double *secs)
{
    atomic_int next = 1, published = 0;
    s_filler_t f [PUB_THREADS];
    memset (f, 0, sizeof f);
    int64_t t0 = support_now_us (), shown = t0;
    for (int i = 0; i < PUB_THREADS; i++) {
        f [i].node = node;
        f [i].dept = d;
        f [i].licenses = n;
        f [i].next = &next;
        f [i].published = &published;
        pthread_create (&f [i].thread, NULL, s_filler, &f [i]);
    }
    //  Progress every 10 s while the fillers run (they end on their own:
    //  every support_publish wait is bounded).
    for (bool running = true; running; ) {
        usleep (200000);
        running = false;
        for (int i = 0; i < PUB_THREADS; i++)
            running |= !atomic_load (&f [i].finished);
        int64_t now = support_now_us ();
        if (running && now - shown >= 10000000) {
            int done = atomic_load (&published);
            fprintf (stderr, "  published %d of %d in %.0f s (%.0f licenses/s)\n", done, n,
                     (double) (now - t0) / 1e6, done / ((double) (now - t0) / 1e6));
            shown = now;
        }
    }
    int errors = 0;
    for (int i = 0; i < PUB_THREADS; i++) {
        pthread_join (f [i].thread, NULL);
        errors += f [i].errors;
    }
    *secs = (double) (support_now_us () - t0) / 1e6;
    if (!errors && atomic_load (&published) != n)
        errors = n - atomic_load (&published);
    return errors;
}

// ---------------------------------------------------------------------
//  Setup

//  Starts the node with a query socket, registers the department and the
//  body.  ERR_OK or an error code.
static int
s_setup (support_node_t *node, const char *dir, support_dept_t *dept, s_ctx_t *ctx)
{
    char ndir [600], cfg [512];
    snprintf (ndir, sizeof ndir, "%s/node", dir);
    snprintf (ctx->endpoint, sizeof ctx->endpoint, "tcp://127.0.0.1:%d", support_free_port ());
    //  One body asks as fast as the node answers: no per-key query rate
    //  (the default, 200/s, is for real offices).
    snprintf (cfg, sizeof cfg, "{ \"division\": \"330106\", \"name\": \"bench\",\n"
              "  \"query_listen\": \"%s\", \"query_rate\": 0 }\n", ctx->endpoint);
    int rc = support_node_start_cfg (node, ndir, support_free_port (), "330106", cfg);
    if (rc != ERR_OK)
        return rc;
    char pub [700];
    keyfile_t nk;
    snprintf (pub, sizeof pub, "%s/node.pub", ndir);
    if ((rc = keyfile_load (&nk, pub)) != ERR_OK)
        return rc;
    snprintf (ctx->node_pk, sizeof ctx->node_pk, "%s", nk.curve_pk);

    licclient_t *admin = NULL;
    if ((rc = support_admin (&admin, node)) != ERR_OK)
        return rc;
    rc = support_dept_make (dept, 500, dir);
    if (rc == ERR_OK)
        rc = support_register (admin, dept);
    char code [19];
    support_credit_code (code, 777001);
    if (rc == ERR_OK)
        rc = keyfile_generate (&ctx->body, code, "测试政务服务中心");
    uint8_t curve [32];
    if (rc == ERR_OK && !zmq_z85_decode (curve, ctx->body.curve_pk))
        rc = ERR_MALFORMED;
    if (rc == ERR_OK) {
        char *types [1] = { dept->type_code }, *matters [1] = { S_MATTER };
        Lic__AppBody b;
        lic__app_body__init (&b);
        b.credit_code = code;
        b.name = ctx->body.name;
        b.curve_key.data = curve;
        b.curve_key.len = 32;
        b.n_license_types = 1;
        b.license_types = types;
        b.n_matters = 1;
        b.matters = matters;
        Lic__Reply *r = NULL;
        rc = licclient_app_body (admin, &b, &r, 10000);
        if (rc == ERR_OK && r->code != ERR_OK) {
            fprintf (stderr, "query: application body refused: %s\n", r->message);
            rc = r->code;
        }
        codec_reply_free (&r);
    }
    licclient_destroy (&admin);
    return rc;
}

//  The table of license ids of serials 1..n.
static char *
s_id_table (const support_dept_t *d, int n)
{
    char *ids = calloc ((size_t) n, ID_STRIDE);
    for (int s = 1; ids && s <= n; s++) {
        char id [LICID_BARE_MAX + 1];
        support_license_id (id, d->type_code, d->key.code, (uint32_t) s);
        if (strlen (id) >= ID_STRIDE) {
            free (ids);
            return NULL;
        }
        memcpy (ids + (size_t) (s - 1) * ID_STRIDE, id, strlen (id) + 1);
    }
    return ids;
}

int
main (int argc, char *argv [])
{
    int n = 1000000, q = 50000, k = 4, window = 128, runs = 3;
    int c;
    while ((c = getopt (argc, argv, "n:q:k:w:r:h")) != -1) {
        switch (c) {
            case 'n': n = atoi (optarg); break;
            case 'q': q = atoi (optarg); break;
            case 'k': k = atoi (optarg); break;
            case 'w': window = atoi (optarg); break;
            case 'r': runs = atoi (optarg); break;
            default:
                fprintf (stderr, "usage: query [-n LICENSES] [-q QUERIES] [-k CLIENTS] [-w WINDOW] "
                                 "[-r RUNS]\n");
                return 2;
        }
    }
    if (n < 1 || n > LICENSES_MAX || q < k || q > 10000000 || k < 1 || k > MAX_CLIENTS
    ||  window < 1 || window > LICCLIENT_WINDOW_MAX || runs < 1 || runs > MAX_RUNS) {
        fprintf (stderr, "query: bad arguments (at most %d licenses, %d clients, %d runs)\n",
                 LICENSES_MAX, MAX_CLIENTS, MAX_RUNS);
        return 2;
    }
    setvbuf (stdout, NULL, _IOLBF, 0);
    support_catch_interrupt ();
    if (seal_init () != ERR_OK)
        return 1;
    char dir [512], db [700];
    if (support_tmpdir (dir, "bench-query") != ERR_OK)
        return 1;
    snprintf (db, sizeof db, "%s/node/db", dir);
    support_node_t node;
    memset (&node, 0, sizeof node);
    support_dept_t dept;
    static s_ctx_t ctx;
    ctx.licenses = n;
    int errors = 0;
    char *ids = NULL;
    int rc = s_setup (&node, dir, &dept, &ctx);
    if (rc != ERR_OK) {
        fprintf (stderr, "query: node setup failed: %s\n", err_str (rc));
        goto cleanup;
    }
    ids = s_id_table (&dept, n);
    ctx.ids = ids;
    if (!ids) {
        rc = ERR_NOMEM;
        goto cleanup;
    }
    printf ("bench query: %d licenses, %d queries per phase, %d clients, window %d each, %d runs, "
            "licnode pid %d, query socket %s\n", n, q, k, window, runs, (int) node.pid, ctx.endpoint);
    double fill_s;
    errors = s_fill (&node, &dept, n, &fill_s);
    if (errors || support_interrupted ()) {
        if (support_interrupted ())
            fprintf (stderr, "query: interrupted\n");
        else
            fprintf (stderr, "query: %d licenses not published\n", errors);
        rc = ERR_BUSY;
        goto cleanup;
    }
    printf ("  published %d licenses in %.1f s (%.0f licenses/s, not timed), node RSS %ld MiB\n",
            n, fill_s, n / fill_s, support_proc_field (node.pid, "VmRSS:") / 1024);

    double get [MAX_RUNS], find [MAX_RUNS], raw1 [MAX_RUNS], raw2 [MAX_RUNS], ratio [MAX_RUNS],
           gp50 [MAX_RUNS], gp99 [MAX_RUNS], fp50 [MAX_RUNS], fp99 [MAX_RUNS],
           hp50 [MAX_RUNS], hp99 [MAX_RUNS], gcpu [MAX_RUNS], fcpu [MAX_RUNS], hrate [MAX_RUNS];
    long hwm = 0;
    for (int run = 0; run < runs && !support_interrupted (); run++) {
        if (run > 0 && (rc = support_node_restart (&node)) != ERR_OK) {
            fprintf (stderr, "query: node did not restart\n");
            goto cleanup;
        }
        s_fig_t g, f, h;
        memset (&f, 0, sizeof f);
        memset (&h, 0, sizeof h);
        errors += s_phase (&ctx, &node, LIC__QUERY_KIND__QUERY_GET, k, window, q, 0, run * 3u + 1, &g);
        bool finds = n <= HOLDERS_UNIQUE;
        if (!errors && g.done && finds)
            errors += s_phase (&ctx, &node, LIC__QUERY_KIND__QUERY_FIND, k, window, q, 0, run * 3u + 2, &f);
        hrate [run] = g.rate / 2;
        int hcount = hrate [run] * HALF_MAX_S < q? (int) (hrate [run] * HALF_MAX_S): q;
        if (!errors && g.done && hcount > 0)
            errors += s_phase (&ctx, &node, LIC__QUERY_KIND__QUERY_GET, 1, window, hcount,
                               hrate [run], run * 3u + 3, &h);
        if (errors || !g.done || (finds && !f.done) || !h.done || support_interrupted ()) {
            fprintf (stderr, "query: run %d: %d errors%s\n", run + 1, errors,
                     support_interrupted ()? " (interrupted)": "");
            rc = ERR_BUSY;
            goto cleanup;
        }
        long run_hwm = support_proc_field (node.pid, "VmHWM:");
        hwm = run_hwm > hwm? run_hwm: hwm;
        support_node_stop (&node, SIGTERM);
        long misses = 0;
        if (s_raw_rates (&ctx, db, g.secs, 2654435761u + (uint32_t) run, &raw1 [run], &raw2 [run],
                         &misses) != ERR_OK || misses) {
            fprintf (stderr, "query: raw gets failed (%ld not found)\n", misses);
            rc = ERR_IO;
            goto cleanup;
        }
        get [run] = g.rate;
        find [run] = f.rate;
        ratio [run] = g.rate / raw1 [run];
        gp50 [run] = g.p50;
        gp99 [run] = g.p99;
        fp50 [run] = f.p50;
        fp99 [run] = f.p99;
        hp50 [run] = h.p50;
        hp99 [run] = h.p99;
        gcpu [run] = g.cpu_us;
        fcpu [run] = f.cpu_us;
        printf ("run %d: get %.0f q/s (p50 %.2f ms, p99 %.2f ms, node CPU %.0f us/q)  "
                "find %.0f q/s (p50 %.2f ms, p99 %.2f ms, node CPU %.0f us/q)  "
                "raw get %.0f/s 1 thread, %.0f/s 2 threads  get : raw = %.3f  "
                "half peak %.0f q/s paced: p50 %.2f ms, p99 %.2f ms (%d queries; client's own send lag "
                "max %.2f ms, %d sends > 1 ms late)  node peak RSS %ld MiB%s\n",
                run + 1, g.rate, g.p50, g.p99, g.cpu_us, f.rate, f.p50, f.p99, f.cpu_us,
                raw1 [run], raw2 [run], ratio [run], hrate [run], h.p50, h.p99, h.done,
                (double) h.lag_max / 1000.0, h.lag_1ms,
                run_hwm / 1024, g.late || f.late || h.late? "  (a phase hit its time limit)": "");
        if (run + 1 == runs) {
            int m = runs;
            printf ("median: get %.0f q/s, find %.0f q/s, raw get %.0f/s (1 thread), %.0f/s (2 threads), "
                    "get : raw = %.3f (target 0.5), p50/p99 at peak: get %.2f/%.2f ms, find %.2f/%.2f ms; "
                    "at half peak (%.0f q/s): p50 %.2f ms, p99 %.2f ms (target < 2 ms), "
                    "node CPU %.0f us/get, %.0f us/find, node peak RSS %ld MiB\n",
                    support_median (get, m), support_median (find, m), support_median (raw1, m),
                    support_median (raw2, m), support_median (ratio, m),
                    support_median (gp50, m), support_median (gp99, m),
                    support_median (fp50, m), support_median (fp99, m), support_median (hrate, m),
                    support_median (hp50, m), support_median (hp99, m),
                    support_median (gcpu, m), support_median (fcpu, m), hwm / 1024);
        }
    }
    if (support_interrupted ())
        rc = ERR_BUSY;
cleanup:
    support_node_stop (&node, SIGTERM);
    support_rmtree (dir);
    free (ids);
    return rc == ERR_OK && !errors? 0: 1;
}
