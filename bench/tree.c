/*  bench/tree -- what the Merkle tree (node/store/tree.c) writes per entry.

      tree [-n ENTRIES] [-b BATCH[,BATCH...]] [-r RUNS]

    Per batch size: appends ENTRIES leaves to a fresh repository (a
    temporary RocksDB, the tree alone), BATCH leaves to a write batch,
    each batch written unsynced and then marked committed, the way the
    ingest pipeline groups entries.  Prints per entry: tree keys put (the
    batch's count), bytes the batches added to RocksDB's write-ahead log
    (record headers included: what the disk takes before compaction), the
    keys the tree column family holds at the end and their bytes (keys and
    values) per entry, and CPU µs (noisy on a shared
    machine: for comparisons count instructions, e.g.
    valgrind --tool=callgrind bench/tree -n 20000 -b 100 -r 1, inclusive
    cost of tree_append and tree_committed).  Checks the root against
    replication/merkle's in-memory tree, before and after a reopen.
    Medians of RUNS (default 3).  A figure program, never a test.
*/
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "proto/seal.h"
#include "node/store/tree.h"

static double
s_cpu (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

//  Bytes added to the write-ahead logs (*.log) in dir since the last call:
//  RocksDB starts a new one at each memtable flush and deletes the old
//  one later, so each file's growth is counted while it is seen
#define WAL_FILES 64
typedef struct {
    uint64_t number [WAL_FILES], size [WAL_FILES];
    size_t n;
    uint64_t total;
} s_wal_t;

static void
s_wal_sample (s_wal_t *w, const char *dir)
{
    DIR *d = opendir (dir);
    struct dirent *e;
    while (d && (e = readdir (d))) {
        size_t l = strlen (e->d_name);
        if (l > 4 && strcmp (e->d_name + l - 4, ".log") == 0) {
            char path [512];
            struct stat st;
            snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
            if (stat (path, &st) != 0)
                continue;
            uint64_t number = strtoull (e->d_name, NULL, 10);
            size_t i = 0;
            while (i < w->n && w->number [i] != number)
                i++;
            if (i == w->n) {
                if (w->n == WAL_FILES)
                    i = w->n = 0;       //  forget the oldest ones
                w->n++;
                w->number [i] = number;
                w->size [i] = 0;
            }
            if ((uint64_t) st.st_size > w->size [i]) {
                w->total += (uint64_t) st.st_size - w->size [i];
                w->size [i] = (uint64_t) st.st_size;
            }
        }
    }
    if (d)
        closedir (d);
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y? -1: x > y;
}

typedef struct {
    double keys, wal, left, rest, cpu_us;
} s_fig_t;

static int
s_run (uint64_t n, uint64_t batch_size, s_fig_t *fig)
{
    char dir [] = "/tmp/bench-tree-XXXXXX";
    if (!mkdtemp (dir))
        return 1;
    store_cfg_t cfg = { 64, true, 0 };
    store_t *store = NULL;
    char why [256];
    if (store_open (&store, dir, &cfg, why, sizeof why) != ERR_OK) {
        fprintf (stderr, "tree: %s\n", why);
        return 1;
    }
    s_wal_t wal = { .n = 0 };
    s_wal_sample (&wal, dir);
    uint64_t wal0 = wal.total;
    double sampling = 0;
    tree_t *tree = tree_new (store, "330106");
    store_batch_t *batch = store_batch_new (store);
    merkle_mem_store_t *mem = merkle_mem_store_new ();
    uint8_t (*leaves) [MERKLE_HASH_BYTES] = malloc (n * MERKLE_HASH_BYTES);
    if (!tree || !batch || !mem || !leaves)
        return 1;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t entry [64];
        memset (entry, 0, sizeof entry);
        memcpy (entry, &i, sizeof i);
        merkle_leaf_hash (leaves [i], entry, sizeof entry);
    }
    uint64_t keys = 0, gen = 0;
    int rc = ERR_OK;
    double t0 = s_cpu ();
    for (uint64_t i = 0; i < n && rc == ERR_OK; ) {
        gen++;
        for (uint64_t j = 0; j < batch_size && i < n && rc == ERR_OK; j++, i++)
            rc = tree_append (tree, batch, gen, i, leaves [i]);
        if (rc == ERR_OK)
            rc = store_write (store, batch, false);
        keys += store_batch_count (batch);
        store_batch_clear (batch);
        tree_committed (tree, gen);
        if (gen % 64 == 0) {
            double t1 = s_cpu ();
            s_wal_sample (&wal, dir);
            sampling += s_cpu () - t1;
        }
    }
    fig->cpu_us = (s_cpu () - t0 - sampling) * 1e6 / (double) n;
    s_wal_sample (&wal, dir);
    for (uint64_t i = 0; i < n && rc == ERR_OK; i++)
        rc = merkle_append (merkle_mem_store_ops (mem), i, leaves [i]);
    uint8_t want [32], got [32];
    if (rc == ERR_OK)
        rc = merkle_root (merkle_mem_store_ops (mem), n, want);
    if (rc == ERR_OK)
        rc = tree_root (tree, n, got);
    if (rc == ERR_OK && memcmp (want, got, 32) != 0)
        rc = ERR_DIVERGED;
    fig->keys = (double) keys / (double) n;
    fig->wal = (double) (wal.total - wal0) / (double) n;
    //  What the tree keeps: its keys and their bytes (keys and values)
    store_iter_t *it = store_iter_new (store, STORE_CF_TREE, NULL, 0, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    fig->left = fig->rest = 0;
    while (it && store_iter_next (it, &k, &kl, &v, &vl)) {
        fig->left++;
        fig->rest += (double) (kl + vl);
    }
    store_iter_destroy (&it);
    fig->rest /= (double) n;
    tree_destroy (&tree);
    store_batch_destroy (&batch);
    store_destroy (&store);
    //  Reopened: the same root from what is on disk
    if (rc == ERR_OK && store_open (&store, dir, &cfg, why, sizeof why) == ERR_OK) {
        tree = tree_new (store, "330106");
        rc = tree? tree_root (tree, n, got): ERR_NOMEM;
        if (rc == ERR_OK && memcmp (want, got, 32) != 0)
            rc = ERR_DIVERGED;
        tree_destroy (&tree);
        store_destroy (&store);
    }
    merkle_mem_store_destroy (&mem);
    free (leaves);
    char cmd [600];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system (cmd) != 0)
        fprintf (stderr, "tree: could not remove %s\n", dir);
    if (rc != ERR_OK) {
        fprintf (stderr, "tree: %s (batch %" PRIu64 ")\n", err_str (rc), batch_size);
        return 1;
    }
    return 0;
}

int
main (int argc, char *argv [])
{
    uint64_t n = 100000;
    const char *batches = "1,10,100,1000";
    int runs = 3, opt;
    while ((opt = getopt (argc, argv, "n:b:r:")) != -1) {
        if (opt == 'n')
            n = strtoull (optarg, NULL, 10);
        else
        if (opt == 'b')
            batches = optarg;
        else
        if (opt == 'r')
            runs = atoi (optarg);
        else {
            fprintf (stderr, "usage: tree [-n ENTRIES] [-b BATCH[,BATCH...]] [-r RUNS]\n");
            return 2;
        }
    }
    if (n == 0 || runs < 1 || runs > 15 || seal_init () != ERR_OK)
        return 2;
    printf ("Merkle tree writes, %" PRIu64 " entries, medians of %d (WAL bytes: what the write "
            "batches add to RocksDB's log; CPU: noisy)\n", n, runs);
    printf ("%8s %12s %12s %12s %14s %13s\n", "batch", "keys/entry", "WAL B/entry", "keys kept",
            "B kept/entry", "CPU µs/entry");
    char *list = strdup (batches);
    for (char *tok = strtok (list, ","); tok; tok = strtok (NULL, ",")) {
        uint64_t b = strtoull (tok, NULL, 10);
        if (b == 0)
            continue;
        double keys [15], wal [15], left [15], rest [15], cpu [15];
        for (int r = 0; r < runs; r++) {
            s_fig_t f;
            if (s_run (n, b, &f))
                return 1;
            keys [r] = f.keys;
            wal [r] = f.wal;
            left [r] = f.left;
            rest [r] = f.rest;
            cpu [r] = f.cpu_us;
        }
        qsort (keys, (size_t) runs, sizeof (double), s_cmp);
        qsort (wal, (size_t) runs, sizeof (double), s_cmp);
        qsort (left, (size_t) runs, sizeof (double), s_cmp);
        qsort (rest, (size_t) runs, sizeof (double), s_cmp);
        qsort (cpu, (size_t) runs, sizeof (double), s_cmp);
        printf ("%8" PRIu64 " %12.4f %12.1f %12.0f %14.1f %13.2f\n", b, keys [runs / 2],
                wal [runs / 2], left [runs / 2], rest [runs / 2], cpu [runs / 2]);
        //  One line for bench/table.sh
        printf ("table tree batch=%" PRIu64 " keys=%.4f wal_b=%.1f kept_b=%.1f cpu_us=%.2f\n", b,
                keys [runs / 2], wal [runs / 2], rest [runs / 2], cpu [runs / 2]);
        fflush (stdout);
    }
    free (list);
    return 0;
}
