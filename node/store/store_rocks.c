/*  store_rocks.c -- RocksDB adapter (see store_rocks.h).  The only file
    that includes rocksdb/c.h: RocksDB error strings are translated here
    into err_t and released with rocksdb_free.

    Options: WAL on, every sync write fsyncs the WAL (durable on return);
    a bounded LRU block cache shared by all column families and bounded
    write buffers, so memory does not grow with the repository.

    Memtables keep a bloom filter of their whole keys (memtable_whole_key_
    filtering, 2 % of the write buffer: ~10 bits a key in the families of
    small values).  Every event looks up keys that are usually absent --
    its history key (a replay), an issued license's state -- and without the filter
    each such miss walks the skip list of every memtable of the family
    (active and immutable) before the SSTs' own blooms answer.  Callgrind
    of a publishing node: 991.8k -> 977.1k instructions an event, the
    views' apply 78.2k -> 71.3k, L1 data misses 668 -> 561 an event.

    Filters and indexes are partitioned (two-level index search,
    partition_filters, 4 KiB metadata blocks, the top level pinned in the
    cache).  A whole SST's bloom filter is one block of ~1.2 bytes a key:
    the dedup family's 64 MiB files (schema 4) held ~1.6 M keys, a 2 MiB filter,
    larger than a shard of the 64 MiB block cache (64 shards of 1 MiB), so
    it was never kept: at 1 M licenses every point read fetched it from
    the file again and checksummed it -- 70 % of the sequencer's thread,
    publish at 0.15 of its rate into a fresh repository.  Partitions are
    cached like data blocks, so memory stays within the cache whatever
    the repository's size (the pinned top levels: ~40 bytes per 4 KiB
    partition, charged to the cache).

    SST blocks are checksummed with XXH3, not CRC32C: Debian's librocksdb
    is a portable build whose CRC32C is table-driven software ("Fast CRC32
    supported: Not supported on x86" in its LOG; ~0.9 GB/s here), and
    every byte of an SST is checksummed when a flush or a compaction
    writes it and when a read brings its block from the file.  Each SST
    names its checksum in its footer, so files of either kind are read.
    The WAL's records and blob records stay CRC32C (not an option).

    The `file` family (license files, node/store/files.h) has options of
    its own: RocksDB's integrated BlobDB, so the chunks (128 KiB) live in
    blob files beside the SSTs of the same database -- one WAL, one
    backup, one restore -- while compactions move only their references:
    - enable_blob_files: values of min_blob_size or more go to blob files
      at flush;
    - min_blob_size 4 KiB: the small keys of the family (a file's header,
      upload progress, the wanted index) stay in the SSTs, every chunk
      but a tiny file's last goes to a blob file;
    - blob_file_size 256 MiB: a blob file holds ~2,000 chunks, so a
      repository of 100,000 files of 2 MB has ~800 of them open at most
      (max_open_files bounds the table cache, blob files included);
    - blob compression none: OFD and PDF are compressed already;
    - enable_blob_gc off: in RocksDB 7.8 garbage collection rewrites
      every live blob of the oldest blob files (cutoff 0.25) at each
      compaction of the family, whether or not they hold garbage; the
      family's keys are digests, so each L0 compaction (every ~64 MiB of
      chunks) rewrote a quarter of all file bytes -- a cost per byte put
      that grows with the repository (bench/files: 18-22 % of a parent's
      CPU on 400 MB).  Files are never deleted; the only garbage is the
      staged chunks of an upload dropped (refused for its digest, or
      started again) after a flush took them to a blob file.  A blob
      file is deleted once none of its blobs is referenced; a mixed one
      stays until a GC pass (store_blob_gc) rewrites its live blobs:
      passes run on a thread of their own (lic-blobgc) when the garbage
      RocksDB has counted exceeds the bound files_gc_check applies
      (node/store/files.h), so garbage is bounded and an honest flow,
      which makes none, pays nothing but a property read a second;
    - blob_file_starting_level 0: chunks leave the memtable for a blob
      file at the first flush, never written into an SST first.
*/
#include <czmq.h>
#include <rocksdb/c.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "node/base/logfmt.h"
#include "node/store/store_rocks.h"

static const char *s_cf_names [STORE_CF_COUNT] = {
    "default", "log", "license", "holder", "history", "dedup", "registry",
    "origin", "child", "tree", "catalogue", "audit", "quarantine", "blob",
    "secret", "successor", "file"
};

struct store_t {
    char path [512];                                //  database directory
    uint64_t reserve;                               //  bytes kept free on its disk
    atomic_int failed;                              //  err_t of a failed write, 0 if none
    rocksdb_t *db;                                  //  the database
    rocksdb_options_t *options;                     //  db options
    rocksdb_options_t *file_options;                //  the `file` family's: BlobDB on
    rocksdb_cache_t *cache;                         //  shared block cache
    rocksdb_block_based_table_options_t *table;     //  table options
    rocksdb_column_family_handle_t *cf [STORE_CF_COUNT];
    rocksdb_readoptions_t *ropts;                   //  default reads
    rocksdb_writeoptions_t *wsync;                  //  synced writes
    rocksdb_writeoptions_t *wnosync;                //  unsynced writes
    //  Blob GC passes (store_blob_gc_start), all under gc_lock.
    pthread_mutex_t gc_lock;
    pthread_t gc_thread;
    bool gc_joinable;                               //  gc_thread started, not joined
    bool gc_running;                                //  its pass not finished
    store_cf_t gc_cf;                               //  the family it collects
    bool gc_stop;                                   //  s_gc_stop cancelled it
    int64_t gc_not_before;                          //  monotonic ms: no pass started before
    uint64_t gc_passes, gc_failures;
};

typedef struct {
    store_batch_fn *finish;     //  called once, just before the batch is written
    void (*release) (void *arg);
    void *arg;
    bool done;
} s_finisher_t;

//  A put or delete held back to be written in key order (s_sorted).
typedef struct {
    size_t off;                 //  key, then value, in the batch's arena
    size_t key_len, value_len;
    size_t order;               //  arrival: the later of two on one key wins
    uint8_t cf;
    bool del;
} s_op_t;

struct store_batch_t {
    unsigned families;          //  bit per column family put or deleted in (store_write_aside)
    rocksdb_writebatch_t *wb;   //  the batch
    store_t *store;             //  whose column family handles it uses
    s_finisher_t *fin;          //  store_batch_on_write
    size_t n_fin, fin_cap;
    s_op_t *ops;                //  held back for the families of S_SORTED
    size_t n_ops, ops_cap;
    uint8_t *arena;             //  their keys and values
    size_t arena_len, arena_cap;
};

//  Families whose keys arrive in no order (a license id, a holder, a
//  hash) and whose values are small: their puts and deletes are held
//  back and added to the RocksDB batch sorted by key when it is written
//  (s_flush_sorted).  A memtable insert starts from where the previous
//  one in that memtable ended (RocksDB's splice): a key near the last
//  is found from the low levels of the skip list, a random one from the
//  top.  The order only changes which of a batch's keys is inserted
//  first -- one batch is one atomic write, and two writes of one key
//  keep their order -- so what is stored is the same.  The log, tree,
//  audit and secret families are keyed by sequence (already in order);
//  the file family's chunks are large.
#define S_SORTED (1u << STORE_CF_LICENSE | 1u << STORE_CF_HOLDER | 1u << STORE_CF_HISTORY \
                  | 1u << STORE_CF_DEDUP | 1u << STORE_CF_SUCCESSOR)
#define S_ARENA_KEEP (4u << 20)     //  arena kept across clears up to this

static void
    s_flush_sorted (store_batch_t *self);
static void
    s_gc_stop (store_t *self);

//  Frees the held operations' room beyond S_ARENA_KEEP once they are in
//  RocksDB's batch (store_write) or dropped (store_batch_clear), so a
//  batch reused for the process's life keeps at most that much.
static void
s_trim_held (store_batch_t *self)
{
    if (self->n_ops)
        return;
    if (self->arena_cap > S_ARENA_KEEP) {
        free (self->arena);
        self->arena = NULL;
        self->arena_cap = 0;
    }
    if (self->ops_cap * sizeof *self->ops > S_ARENA_KEEP) {
        free (self->ops);
        self->ops = NULL;
        self->ops_cap = 0;
    }
}

struct store_iter_t {
    rocksdb_iterator_t *it;
    uint8_t *prefix;
    size_t plen;
    bool started;
    bool finished;              //  returned false once: stays so
};

static int
s_error (char *err, char *why, size_t why_size)
{
    int rc = ERR_IO;
    if (strstr (err, "No space left") || strstr (err, "NoSpace"))
        rc = ERR_NOSPACE;
    else
    if (strstr (err, "Corruption"))
        rc = ERR_CORRUPT;
    else
    if (strstr (err, "While lock file") || strstr (err, "lock hold by current process"))
        rc = ERR_BUSY;          //  another process (or handle) has the database open
    if (why)
        snprintf (why, why_size, "%s", err);
    else
        fprintf (stderr, "level=error msg=\"rocksdb: %s\"\n", err);
    rocksdb_free (err);
    return rc;
}

static int
s_open_db (store_t *self, char *why, size_t why_size)
{
    char *err = NULL;
    const rocksdb_options_t *cf_opts [STORE_CF_COUNT];
    for (int i = 0; i < STORE_CF_COUNT; i++)
        cf_opts [i] = i == STORE_CF_FILE? self->file_options: self->options;
    self->db = rocksdb_open_column_families (self->options, self->path, STORE_CF_COUNT,
                                             s_cf_names, cf_opts, self->cf, &err);
    if (err) {
        self->db = NULL;
        return s_error (err, why, why_size);
    }
    return ERR_OK;
}

static void
s_close_db (store_t *self)
{
    if (!self->db)
        return;
    for (int i = 0; i < STORE_CF_COUNT; i++)
        if (self->cf [i]) {
            rocksdb_column_family_handle_destroy (self->cf [i]);
            self->cf [i] = NULL;
        }
    rocksdb_close (self->db);
    self->db = NULL;
}

int
store_open (store_t **store_p, const char *path, const store_cfg_t *cfg,
            char *why, size_t why_size)
{
    int rc = ERR_NOMEM;
    store_t *self = calloc (1, sizeof *self);
    if (!self)
        goto cleanup;
    pthread_mutex_init (&self->gc_lock, NULL);
    self->options = rocksdb_options_create ();
    rocksdb_options_set_create_if_missing (self->options, cfg->create);
    rocksdb_options_set_create_missing_column_families (self->options, 1);
    rocksdb_options_set_max_open_files (self->options, 512);
    rocksdb_options_set_write_buffer_size (self->options, 16 << 20);
    rocksdb_options_set_max_write_buffer_number (self->options, 3);
    rocksdb_options_set_max_total_wal_size (self->options, 128 << 20);
    rocksdb_options_set_compression (self->options, rocksdb_lz4_compression);
    rocksdb_options_increase_parallelism (self->options, 2);
    self->cache = rocksdb_cache_create_lru ((cfg->cache_mb? cfg->cache_mb: 64) << 20);
    self->table = rocksdb_block_based_options_create ();
    rocksdb_block_based_options_set_block_cache (self->table, self->cache);
    rocksdb_block_based_options_set_cache_index_and_filter_blocks (self->table, 1);
    rocksdb_filterpolicy_t *bloom = rocksdb_filterpolicy_create_bloom (10);
    rocksdb_block_based_options_set_filter_policy (self->table, bloom);
    //  Filters and indexes in partitions of 4 KiB (the reasons are at the
    //  top), each partition cached on its own, the top level pinned.
    rocksdb_block_based_options_set_index_type (self->table,
        rocksdb_block_based_table_index_type_two_level_index_search);
    rocksdb_block_based_options_set_partition_filters (self->table, 1);
    rocksdb_block_based_options_set_metadata_block_size (self->table, 4096);
    rocksdb_block_based_options_set_pin_top_level_index_and_filter (self->table, 1);
    rocksdb_block_based_options_set_checksum (self->table, 4);     //  kXXH3 (above)
    rocksdb_options_set_block_based_table_factory (self->options, self->table);
    //  A bloom filter over each memtable's whole keys (the reasons are at
    //  the top): 2 % of the write buffer, 320 KiB a memtable.
    rocksdb_options_set_memtable_whole_key_filtering (self->options, 1);
    rocksdb_options_set_memtable_prefix_bloom_size_ratio (self->options, 0.02);
    //  The file family: the same, with BlobDB (the reasons are at the top).
    self->file_options = rocksdb_options_create_copy (self->options);
    rocksdb_options_set_enable_blob_files (self->file_options, 1);
    rocksdb_options_set_min_blob_size (self->file_options, 4096);
    rocksdb_options_set_blob_file_size (self->file_options, 256 << 20);
    rocksdb_options_set_blob_compression_type (self->file_options, rocksdb_no_compression);
    rocksdb_options_set_enable_blob_gc (self->file_options, 0);
    rocksdb_options_set_blob_file_starting_level (self->file_options, 0);

    snprintf (self->path, sizeof self->path, "%s", path);
    self->reserve = (uint64_t) cfg->reserve_mb << 20;
    if ((rc = s_open_db (self, why, why_size)) != ERR_OK)
        goto cleanup;
    self->ropts = rocksdb_readoptions_create ();
    self->wsync = rocksdb_writeoptions_create ();
    rocksdb_writeoptions_set_sync (self->wsync, 1);
    self->wnosync = rocksdb_writeoptions_create ();
    *store_p = self;
    return ERR_OK;

cleanup:
    store_destroy (&self);
    return rc;
}

void
store_destroy (store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    store_t *self = *self_p;
    s_gc_stop (self);
    s_close_db (self);
    if (self->ropts)
        rocksdb_readoptions_destroy (self->ropts);
    if (self->wsync)
        rocksdb_writeoptions_destroy (self->wsync);
    if (self->wnosync)
        rocksdb_writeoptions_destroy (self->wnosync);
    if (self->options)
        rocksdb_options_destroy (self->options);
    if (self->file_options)
        rocksdb_options_destroy (self->file_options);
    if (self->table)
        rocksdb_block_based_options_destroy (self->table);
    if (self->cache)
        rocksdb_cache_destroy (self->cache);
    pthread_mutex_destroy (&self->gc_lock);
    free (self);
    *self_p = NULL;
}

int
store_get (store_t *self, store_cf_t cf, const void *key, size_t key_len,
           uint8_t **value, size_t *value_len)
{
    char *err = NULL;
    size_t len = 0;
    if (!self->db)
        return ERR_IO;
    char *v = rocksdb_get_cf (self->db, self->ropts, self->cf [cf],
                              key, key_len, &len, &err);
    if (err)
        return s_error (err, NULL, 0);
    if (!v)
        return ERR_NOT_FOUND;
    //  Copy out of RocksDB's allocation so callers free() as usual.
    uint8_t *copy = malloc (len? len: 1);
    if (!copy) {
        rocksdb_free (v);
        return ERR_NOMEM;
    }
    memcpy (copy, v, len);
    rocksdb_free (v);
    *value = copy;
    *value_len = len;
    return ERR_OK;
}

int
store_write (store_t *self, store_batch_t *batch, bool sync)
{
    //  After a failed write RocksDB's WAL writer is unusable (and asserts
    //  in debug builds): nothing more is written until store_recover.
    int failed = atomic_load (&self->failed);
    if (failed)
        return failed;
    //  Keep a reserve free for memtable flushes and compactions: a write
    //  that would eat into it is refused before RocksDB sees it (RocksDB
    //  does not recover in-process from a WAL write that hit ENOSPC).
    for (size_t i = 0; i < batch->n_fin; i++)
        if (!batch->fin [i].done) {
            batch->fin [i].finish (batch->fin [i].arg, batch);
            batch->fin [i].done = true;
        }
    s_flush_sorted (batch);
    s_trim_held (batch);
    size_t size = 0;
    rocksdb_writebatch_data (batch->wb, &size);
    if (store_room (self, size) != ERR_OK)
        return ERR_NOSPACE;
    char *err = NULL;
    rocksdb_write (self->db, sync? self->wsync: self->wnosync, batch->wb, &err);
    if (err) {
        int rc = s_error (err, NULL, 0);
        atomic_store (&self->failed, rc);
        return rc;
    }
    return ERR_OK;
}

int
store_write_aside (store_t *self, store_batch_t *batch, bool sync)
{
    unsigned aside = 1u << STORE_CF_META | 1u << STORE_CF_CHILD | 1u << STORE_CF_BLOB
                   | 1u << STORE_CF_FILE;
    if (batch->families & ~aside)
        return ERR_INTERNAL;
    return store_write (self, batch, sync);
}

int
store_room (store_t *self, uint64_t bytes)
{
    struct statvfs vfs;
    if (self->reserve && statvfs (self->path, &vfs) == 0
    &&  (uint64_t) vfs.f_bavail * vfs.f_frsize < self->reserve + 2 * bytes)
        return ERR_NOSPACE;
    return ERR_OK;
}

int
store_failed (store_t *self)
{
    return atomic_load (&self->failed);
}

int
store_recover (store_t *self, char *why, size_t why_size)
{
    if (!atomic_load (&self->failed))
        return ERR_OK;
    s_gc_stop (self);
    s_close_db (self);
    int rc = s_open_db (self, why, why_size);
    if (rc == ERR_OK)
        atomic_store (&self->failed, 0);
    return rc;
}

int
store_last_key (store_t *self, store_cf_t cf, uint8_t *key, size_t *key_len)
{
    int rc = ERR_NOT_FOUND;
    if (!self->db)
        return ERR_IO;
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf (self->db, self->ropts, self->cf [cf]);
    rocksdb_iter_seek_to_last (it);
    if (rocksdb_iter_valid (it)) {
        size_t len;
        const char *k = rocksdb_iter_key (it, &len);
        if (len > *key_len)
            rc = ERR_TOO_LARGE;
        else {
            memcpy (key, k, len);
            *key_len = len;
            rc = ERR_OK;
        }
    }
    else {
        char *err = NULL;
        rocksdb_iter_get_error (it, &err);
        if (err)
            rc = s_error (err, NULL, 0);
    }
    rocksdb_iter_destroy (it);
    return rc;
}

store_batch_t *
store_batch_new (store_t *store)
{
    store_batch_t *self = calloc (1, sizeof *self);
    if (self) {
        self->wb = rocksdb_writebatch_create ();
        self->store = store;
    }
    return self;
}

//  Releases the finishers (store_batch_clear, store_batch_destroy)
static void
s_release_finishers (store_batch_t *self)
{
    for (size_t i = 0; i < self->n_fin; i++)
        if (self->fin [i].release)
            self->fin [i].release (self->fin [i].arg);
    self->n_fin = 0;
}

void
store_batch_destroy (store_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_release_finishers (*self_p);
    free ((*self_p)->fin);
    free ((*self_p)->ops);
    free ((*self_p)->arena);
    rocksdb_writebatch_destroy ((*self_p)->wb);
    free (*self_p);
    *self_p = NULL;
}

//  Family, then RocksDB's bytewise order of keys, then arrival.
static int
s_op_cmp (const void *a_, const void *b_, void *arena_)
{
    const s_op_t *a = a_, *b = b_;
    const uint8_t *arena = arena_;
    if (a->cf != b->cf)
        return a->cf < b->cf? -1: 1;
    size_t n = a->key_len < b->key_len? a->key_len: b->key_len;
    int c = n? memcmp (arena + a->off, arena + b->off, n): 0;
    if (c)
        return c;
    if (a->key_len != b->key_len)
        return a->key_len < b->key_len? -1: 1;
    return a->order < b->order? -1: a->order > b->order;
}

//  Adds the held-back operations to the RocksDB batch in key order.
static void
s_flush_sorted (store_batch_t *self)
{
    if (!self->n_ops)
        return;
    qsort_r (self->ops, self->n_ops, sizeof *self->ops, s_op_cmp, self->arena);
    for (size_t i = 0; i < self->n_ops; i++) {
        const s_op_t *op = &self->ops [i];
        const char *key = (const char *) self->arena + op->off;
        if (op->del)
            rocksdb_writebatch_delete_cf (self->wb, self->store->cf [op->cf], key, op->key_len);
        else
            rocksdb_writebatch_put_cf (self->wb, self->store->cf [op->cf], key, op->key_len,
                                       key + op->key_len, op->value_len);
    }
    self->n_ops = 0;
    self->arena_len = 0;
}

//  Holds an operation back (S_SORTED); false if out of memory, and then
//  what was held is in the RocksDB batch so the caller may add it there.
static bool
s_hold (store_batch_t *self, store_cf_t cf, bool del, const void *key, size_t key_len,
        const void *value, size_t value_len)
{
    size_t need = key_len + value_len;
    if (self->n_ops == self->ops_cap) {
        size_t cap = self->ops_cap? 2 * self->ops_cap: 256;
        s_op_t *ops = realloc (self->ops, cap * sizeof *ops);
        if (!ops)
            goto full;
        self->ops = ops;
        self->ops_cap = cap;
    }
    if (need > self->arena_cap - self->arena_len) {
        size_t cap = self->arena_cap? self->arena_cap: 16384;
        while (cap - self->arena_len < need)
            cap *= 2;
        uint8_t *arena = realloc (self->arena, cap);
        if (!arena)
            goto full;
        self->arena = arena;
        self->arena_cap = cap;
    }
    s_op_t *op = &self->ops [self->n_ops];
    *op = (s_op_t) { self->arena_len, key_len, value_len, self->n_ops, (uint8_t) cf, del };
    if (key_len)
        memcpy (self->arena + self->arena_len, key, key_len);
    if (value_len)
        memcpy (self->arena + self->arena_len + key_len, value, value_len);
    self->arena_len += need;
    self->n_ops++;
    return true;
full:
    s_flush_sorted (self);
    return false;
}

void
store_batch_put (store_batch_t *self, store_cf_t cf, const void *key, size_t key_len,
                 const void *value, size_t value_len)
{
    self->families |= 1u << cf;
    if (!(S_SORTED & 1u << cf) || !s_hold (self, cf, false, key, key_len, value, value_len))
        rocksdb_writebatch_put_cf (self->wb, self->store->cf [cf], key, key_len, value, value_len);
}

void
store_batch_delete (store_batch_t *self, store_cf_t cf, const void *key, size_t key_len)
{
    self->families |= 1u << cf;
    if (!(S_SORTED & 1u << cf) || !s_hold (self, cf, true, key, key_len, NULL, 0))
        rocksdb_writebatch_delete_cf (self->wb, self->store->cf [cf], key, key_len);
}

void
store_batch_delete_range (store_batch_t *self, store_cf_t cf, const void *from, size_t from_len,
                          const void *to, size_t to_len)
{
    self->families |= 1u << cf;
    //  A range deletes what came before it, not what comes after.
    if (S_SORTED & 1u << cf)
        s_flush_sorted (self);
    rocksdb_writebatch_delete_range_cf (self->wb, self->store->cf [cf], from, from_len, to, to_len);
}

void
store_batch_clear (store_batch_t *self)
{
    s_release_finishers (self);
    rocksdb_writebatch_clear (self->wb);
    self->n_ops = 0;
    self->arena_len = 0;
    s_trim_held (self);
}

int
store_batch_on_write (store_batch_t *self, store_batch_fn *finish,
                      void (*release) (void *arg), void *arg)
{
    if (self->n_fin == self->fin_cap) {
        size_t cap = self->fin_cap? 2 * self->fin_cap: 8;
        s_finisher_t *f = realloc (self->fin, cap * sizeof *f);
        if (!f)
            return ERR_NOMEM;
        self->fin = f;
        self->fin_cap = cap;
    }
    self->fin [self->n_fin++] = (s_finisher_t) { finish, release, arg, false };
    return ERR_OK;
}

size_t
store_batch_count (store_batch_t *self)
{
    return (size_t) rocksdb_writebatch_count (self->wb) + self->n_ops;
}

store_iter_t *
store_iter_new (store_t *self, store_cf_t cf, const void *prefix, size_t plen,
                const void *from, size_t from_len)
{
    store_iter_t *it = self->db? calloc (1, sizeof *it): NULL;
    if (!it)
        return NULL;
    it->prefix = malloc (plen? plen: 1);
    if (!it->prefix) {
        free (it);
        return NULL;
    }
    if (plen)
        memcpy (it->prefix, prefix, plen);
    it->plen = plen;
    it->it = rocksdb_create_iterator_cf (self->db, self->ropts, self->cf [cf]);
    if (from)
        rocksdb_iter_seek (it->it, from, from_len);
    else
    if (plen)
        rocksdb_iter_seek (it->it, prefix, plen);
    else
        rocksdb_iter_seek_to_first (it->it);
    return it;
}

bool
store_iter_next (store_iter_t *self, const uint8_t **key, size_t *key_len,
                 const uint8_t **value, size_t *value_len)
{
    //  Past the end stays past the end (RocksDB asserts on next then).
    if (self->finished)
        return false;
    if (self->started)
        rocksdb_iter_next (self->it);
    self->started = true;
    if (!rocksdb_iter_valid (self->it)) {
        self->finished = true;
        return false;
    }
    size_t kl, vl;
    const char *k = rocksdb_iter_key (self->it, &kl);
    if (kl < self->plen || memcmp (k, self->prefix, self->plen) != 0) {
        self->finished = true;
        return false;
    }
    const char *v = rocksdb_iter_value (self->it, &vl);
    *key = (const uint8_t *) k;
    *key_len = kl;
    if (value) {
        *value = (const uint8_t *) v;
        *value_len = vl;
    }
    return true;
}

void
store_iter_destroy (store_iter_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rocksdb_iter_destroy ((*self_p)->it);
    free ((*self_p)->prefix);
    free (*self_p);
    *self_p = NULL;
}

int
store_compact (store_t *self, store_cf_t cf)
{
    if (!self->db)
        return ERR_IO;
    rocksdb_compact_range_cf (self->db, self->cf [cf], NULL, 0, NULL, 0);
    return ERR_OK;
}

uint64_t
store_property (store_t *self, store_cf_t cf, const char *name)
{
    uint64_t v = 0;
    if (!self->db || rocksdb_property_int_cf (self->db, self->cf [cf], name, &v) != 0)
        return 0;
    return v;
}

// ---------------------------------------------------------------------
//  Blob garbage collection (the file family: the reasons are at the top)

//  A pass's pacing: none starts sooner than S_GC_PAUSE_MS after the last
//  one ended, nor sooner than S_GC_DUTY times its length, so passes take
//  at most a fifth of the time whatever the garbage does (a flow of
//  refused uploads faster than passes free it, a pass that frees less
//  than it should); after a failed pass S_GC_RETRY_MS, after a start
//  without room or thread S_GC_PAUSE_MS.  The pause is also what garbage
//  may grow by beyond its bound: its time at the rate files arrive.
#define S_GC_PAUSE_MS   10000
#define S_GC_DUTY       4
#define S_GC_RETRY_MS   600000

//  RocksDB's counts of the family's blob files: garbage and all bytes.
static void
s_blob_bytes (store_t *self, store_cf_t cf, uint64_t *garbage, uint64_t *bytes)
{
    *garbage = store_property (self, cf, "rocksdb.live-blob-file-garbage-size");
    *bytes = store_property (self, cf, "rocksdb.live-blob-file-size");
}

void
store_blob_stats (store_t *self, store_cf_t cf, store_blob_t *out)
{
    memset (out, 0, sizeof *out);
    s_blob_bytes (self, cf, &out->garbage, &out->bytes);
    pthread_mutex_lock (&self->gc_lock);
    out->running = self->gc_running;
    out->passes = self->gc_passes;
    out->failures = self->gc_failures;
    pthread_mutex_unlock (&self->gc_lock);
}

int
store_blob_gc (store_t *self, store_cf_t cf, char *why, size_t why_size)
{
    //  Cutoff 1.0: every blob file's live blobs move, so every blob file
    //  that held garbage is left unreferenced and deleted (the cutoff is
    //  a share of the blob files by age: at 0.25 a family of fewer than
    //  4 blob files moves nothing -- test_files, with one, fails so).
    //  When off, the cutoff is unused: RocksDB's default is put back.
    static const char *keys [] = { "enable_blob_garbage_collection",
                                   "blob_garbage_collection_age_cutoff" };
    static const char *on [] = { "true", "1.0" };
    static const char *off [] = { "false", "0.25" };
    char *err = NULL;
    if (!self->db || atomic_load (&self->failed)) {
        snprintf (why, why_size, "the repository is in a failed state (disk full?)");
        return ERR_IO;
    }
    uint64_t errors = 0, errors_after = 0;
    rocksdb_property_int (self->db, "rocksdb.background-errors", &errors);
    rocksdb_set_options_cf (self->db, self->cf [cf], 2, keys, on, &err);
    if (err)
        return s_error (err, why, why_size);
    //  The whole family, its last level too (by default a manual
    //  compaction leaves the last level alone, where a compacted family
    //  has all its keys: nothing moves, test_files fails so), but not the
    //  files this compaction just wrote there, whose blobs would move a
    //  second time (kForceOptimized, 3); not exclusive, so the automatic compactions of the
    //  other families, and of this one, go on meanwhile.  A manual
    //  compaction flushes the family's memtable first.
    rocksdb_compactoptions_t *co = rocksdb_compactoptions_create ();
    rocksdb_compactoptions_set_exclusive_manual_compaction (co, 0);
    rocksdb_compactoptions_set_bottommost_level_compaction (co, 3);
    rocksdb_compact_range_cf_opt (self->db, self->cf [cf], co, NULL, 0, NULL, 0);
    rocksdb_compactoptions_destroy (co);
    rocksdb_set_options_cf (self->db, self->cf [cf], 2, keys, off, &err);
    if (err) {
        //  GC stays on in the family until a later pass or a reopen
        //  turns it off: every compaction of it pays it meanwhile.
        char detail [200];
        s_error (err, detail, sizeof detail);
        snprintf (why, why_size, "blob GC could not be turned off again: %s", detail);
        return ERR_IO;
    }
    //  CompactRange's C binding returns no status: a compaction that
    //  failed (no space) shows as a background error.
    rocksdb_property_int (self->db, "rocksdb.background-errors", &errors_after);
    if (errors_after != errors) {
        snprintf (why, why_size, "a compaction failed during the pass (rocksdb.background-errors "
                  "%llu -> %llu): see RocksDB's LOG", (unsigned long long) errors,
                  (unsigned long long) errors_after);
        return ERR_IO;
    }
    return ERR_OK;
}

//  The pass's thread (store_blob_gc_start).
static void *
s_gc_run (void *arg)
{
    store_t *self = arg;
    pthread_setname_np (pthread_self (), "lic-blobgc");
    char why [256] = "";
    store_blob_t before, after;
    store_blob_stats (self, self->gc_cf, &before);
    int64_t t0 = zclock_mono ();
    int rc = store_blob_gc (self, self->gc_cf, why, sizeof why);
    int64_t took = zclock_mono () - t0;
    store_blob_stats (self, self->gc_cf, &after);
    pthread_mutex_lock (&self->gc_lock);
    bool stopped = self->gc_stop;
    if (rc == ERR_OK && !stopped)
        self->gc_passes++;
    else
        self->gc_failures++;
    int64_t pause = rc == ERR_OK? S_GC_PAUSE_MS: S_GC_RETRY_MS;
    if (pause < S_GC_DUTY * took)
        pause = S_GC_DUTY * took;
    self->gc_not_before = zclock_mono () + pause;
    self->gc_running = false;
    pthread_mutex_unlock (&self->gc_lock);
    if (stopped)
        logfmt_info ("blob garbage collection stopped (store closing)", NULL);
    else
    if (rc == ERR_OK)
        logfmt_info ("blob garbage collected", "cf=%s garbage_before=%llu garbage_after=%llu "
                     "blob_bytes_before=%llu blob_bytes_after=%llu ms=%lld next_in_s=%lld",
                     s_cf_names [self->gc_cf], (unsigned long long) before.garbage,
                     (unsigned long long) after.garbage, (unsigned long long) before.bytes,
                     (unsigned long long) after.bytes, (long long) took, (long long) pause / 1000);
    else {
        char q [300];
        logfmt_error ("blob garbage collection failed: retried later", "cf=%s error=%s why=%s "
                      "retry_in_s=%lld", s_cf_names [self->gc_cf], err_str (rc),
                      logfmt_quote (q, sizeof q, why), (long long) pause / 1000);
    }
    return NULL;
}

int
store_blob_gc_start (store_t *self, store_cf_t cf)
{
    int64_t now = zclock_mono ();
    int rc = ERR_OK;
    pthread_mutex_lock (&self->gc_lock);
    if (self->gc_running || now < self->gc_not_before)
        rc = ERR_BUSY;
    else
    if (!self->db || atomic_load (&self->failed))
        rc = ERR_IO;
    else {
        //  The pass writes up to a copy of the live blobs before the
        //  files they leave are deleted: that much above the reserve
        //  (store_room asks for twice what it is told).
        uint64_t garbage, bytes;
        s_blob_bytes (self, cf, &garbage, &bytes);
        uint64_t live = bytes > garbage? bytes - garbage: 0;
        if (store_room (self, (live + 1) / 2) != ERR_OK) {
            rc = ERR_NOSPACE;
            self->gc_not_before = now + S_GC_PAUSE_MS;
        }
    }
    if (rc == ERR_OK) {
        if (self->gc_joinable) {
            pthread_join (self->gc_thread, NULL);   //  ended: its pass is over
            self->gc_joinable = false;
        }
        self->gc_cf = cf;
        self->gc_stop = false;
        self->gc_running = true;
        if (pthread_create (&self->gc_thread, NULL, s_gc_run, self) != 0) {
            self->gc_running = false;
            self->gc_not_before = now + S_GC_PAUSE_MS;
            rc = ERR_NOMEM;
        }
        else
            self->gc_joinable = true;
    }
    pthread_mutex_unlock (&self->gc_lock);
    return rc;
}

//  Before the database closes (store_destroy, store_recover): a pass
//  going on is cancelled (RocksDB stops a paused manual compaction at
//  its next check and DisableManualCompaction waits for it), and its
//  thread joined.
static void
s_gc_stop (store_t *self)
{
    pthread_mutex_lock (&self->gc_lock);
    bool joinable = self->gc_joinable, paused = false;
    if (self->gc_running && self->db) {
        self->gc_stop = true;
        paused = true;
    }
    self->gc_joinable = false;
    pthread_mutex_unlock (&self->gc_lock);
    if (paused)
        rocksdb_disable_manual_compaction (self->db);
    if (joinable)
        pthread_join (self->gc_thread, NULL);
    if (paused)
        rocksdb_enable_manual_compaction (self->db);
}

int
store_backup (store_t *self, const char *dir, uint32_t keep, uint32_t *id,
              uint64_t *bytes, uint32_t *count, char *why, size_t why_size)
{
    char *err = NULL;
    if (!self->db || atomic_load (&self->failed)) {
        snprintf (why, why_size, "the repository is in a failed state (disk full?)");
        return ERR_IO;
    }
    rocksdb_backup_engine_t *be = rocksdb_backup_engine_open (self->options, dir, &err);
    if (err)
        return s_error (err, why, why_size);
    rocksdb_backup_engine_create_new_backup_flush (be, self->db, 1, &err);
    if (!err)
        rocksdb_backup_engine_purge_old_backups (be, keep? keep: 7, &err);
    int rc = ERR_OK;
    if (err)
        rc = s_error (err, why, why_size);
    else {
        const rocksdb_backup_engine_info_t *info = rocksdb_backup_engine_get_backup_info (be);
        int n = rocksdb_backup_engine_info_count (info);
        *count = (uint32_t) n;
        *id = n? rocksdb_backup_engine_info_backup_id (info, n - 1): 0;
        *bytes = n? rocksdb_backup_engine_info_size (info, n - 1): 0;
        rocksdb_backup_engine_info_destroy (info);
        if (n) {
            rocksdb_backup_engine_verify_backup (be, *id, &err);
            if (err)
                rc = s_error (err, why, why_size);
        }
    }
    rocksdb_backup_engine_close (be);
    return rc;
}

pid_t
store_lock_holder (const char *path)
{
    //  RocksDB locks PATH/LOCK with fcntl (a POSIX lock): /proc/locks
    //  lists it as "N: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END"
    //  (MAJ, MIN in hex).
    char lock [1100], line [256];
    struct stat st;
    snprintf (lock, sizeof lock, "%s/LOCK", path);
    if (stat (lock, &st) != 0)
        return 0;
    FILE *f = fopen ("/proc/locks", "r");
    if (!f)
        return 0;
    pid_t holder = 0;
    while (!holder && fgets (line, sizeof line, f)) {
        char kind [16];
        long pid;
        unsigned int maj, min;
        unsigned long long ino;
        if (sscanf (line, "%*[^:]: %15s %*s %*s %ld %x:%x:%llu", kind, &pid, &maj, &min, &ino) == 5
        &&  (strcmp (kind, "POSIX") == 0 || strcmp (kind, "OFDLCK") == 0)
        &&  ino == (unsigned long long) st.st_ino && maj == major (st.st_dev)
        &&  min == minor (st.st_dev) && pid > 0)
            holder = (pid_t) pid;
    }
    fclose (f);
    return holder;
}

uint64_t
store_backup_bytes (const char *dir)
{
    char *err = NULL;
    uint64_t bytes = 0;
    rocksdb_options_t *opts = rocksdb_options_create ();
    rocksdb_backup_engine_t *be = rocksdb_backup_engine_open (opts, dir, &err);
    if (err)
        rocksdb_free (err);
    else {
        const rocksdb_backup_engine_info_t *info = rocksdb_backup_engine_get_backup_info (be);
        int n = rocksdb_backup_engine_info_count (info);
        //  The newest is the one with the largest id.
        uint32_t newest = 0;
        for (int i = 0; i < n; i++)
            if (rocksdb_backup_engine_info_backup_id (info, i) >= newest) {
                newest = rocksdb_backup_engine_info_backup_id (info, i);
                bytes = rocksdb_backup_engine_info_size (info, i);
            }
        rocksdb_backup_engine_info_destroy (info);
        rocksdb_backup_engine_close (be);
    }
    rocksdb_options_destroy (opts);
    return bytes;
}

int
store_restore (const char *dir, const char *db_path, char *why, size_t why_size)
{
    char current [1024];
    snprintf (current, sizeof current, "%s/CURRENT", db_path);
    if (access (current, F_OK) == 0) {
        snprintf (why, why_size, "%s already holds a database: move it aside first", db_path);
        return ERR_EXISTS;
    }
    char *err = NULL;
    rocksdb_options_t *opts = rocksdb_options_create ();
    rocksdb_backup_engine_t *be = rocksdb_backup_engine_open (opts, dir, &err);
    int rc = ERR_OK;
    if (err)
        rc = s_error (err, why, why_size);
    else {
        const rocksdb_backup_engine_info_t *info = rocksdb_backup_engine_get_backup_info (be);
        int n = rocksdb_backup_engine_info_count (info);
        rocksdb_backup_engine_info_destroy (info);
        if (n == 0) {
            snprintf (why, why_size, "no backup in %s", dir);
            rc = ERR_NOT_FOUND;
        }
        else {
            rocksdb_restore_options_t *ro = rocksdb_restore_options_create ();
            rocksdb_backup_engine_restore_db_from_latest_backup (be, db_path, db_path, ro, &err);
            rocksdb_restore_options_destroy (ro);
            if (err)
                rc = s_error (err, why, why_size);
        }
        rocksdb_backup_engine_close (be);
    }
    rocksdb_options_destroy (opts);
    return rc;
}

void
store_put_u64 (uint8_t out [8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out [i] = (uint8_t) v;
}

uint64_t
store_get_u64 (const uint8_t in [8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | in [i];
    return v;
}

void
store_put_u32 (uint8_t out [4], uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        out [i] = (uint8_t) v;
}
