/*  store_rocks.h -- the RocksDB repository: one database, one column
    family per log or view (proto/FORMAT.md lists keys and values).

    Every change goes through a store_batch_t written with store_write,
    so a log entry and the views it changes land together or not at all
    (a running node: by the committer only, and store_write_aside for the
    few values beside the log).
    Reads see only what was written.  Thread use: a store_t may be read
    from several threads; batches belong to one thread at a time.
*/
#ifndef LICREPO_STORE_ROCKS_H
#define LICREPO_STORE_ROCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "proto/err.h"

typedef enum {
    STORE_CF_META,          //  name -> value: schema version, identity
    STORE_CF_LOG,           //  own seq (u64 BE) -> LogEntry
    STORE_CF_LICENSE,       //  license id -> LicenseState
    STORE_CF_HOLDER,        //  holder id 0x00 id_type 0x00 license id -> ""
    STORE_CF_HISTORY,       //  license id 0x00 version (u32 BE) -> seq (u64 BE)
    STORE_CF_DEDUP,         //  empty from schema 5 (was BLAKE2b(key_id ‖ body) -> seq)
    STORE_CF_REGISTRY,      //  credit code -> Department
    STORE_CF_ORIGIN,        //  origin division -> last origin seq (u64 BE)
    STORE_CF_CHILD,         //  child division -> replication state
    STORE_CF_TREE,          //  Merkle tree nodes
    STORE_CF_CATALOGUE,     //  type code 0x00 version (u32 BE) 0x00 division -> LicenseType
    STORE_CF_AUDIT,         //  audit seq -> query record
    STORE_CF_QUARANTINE,    //  quarantined entries
    STORE_CF_BLOB,          //  BLAKE2b-256 digest -> bytes (templates, samples, seals)
    STORE_CF_SECRET,        //  own seq (u64 BE) -> Envelope with the disclosures of secret items
    STORE_CF_SUCCESSOR,     //  predecessor id 0x00 successor id -> seq, completed_at (u64 BE each)
    STORE_CF_FILE,          //  license files by SHA-256, in chunks (node/store/files.h); BlobDB
    STORE_CF_COUNT
} store_cf_t;

typedef struct store_t store_t;
typedef struct store_batch_t store_batch_t;
typedef struct store_iter_t store_iter_t;

typedef struct {
    size_t cache_mb;        //  block cache size (default 64)
    bool create;            //  create the database if missing
    size_t reserve_mb;      //  disk space kept free: writes that would use it get ERR_NOSPACE (0 = none)
} store_cfg_t;

//  Opens (and with cfg->create, creates) the database at path.
//  ERR_OK, ERR_IO (message in why), ERR_CORRUPT, ERR_BUSY (another
//  process has it open: its lock is held; store_lock_holder says who).
int MUST_CHECK
    store_open (store_t **store_p, const char *path, const store_cfg_t *cfg,
                char *why, size_t why_size);
void
    store_destroy (store_t **self_p);

//  Reads a value: caller owns *value (free()).  ERR_OK, ERR_NOT_FOUND, ERR_IO.
int MUST_CHECK
    store_get (store_t *self, store_cf_t cf, const void *key, size_t key_len,
               uint8_t **value, size_t *value_len);

//  Writes a batch atomically; with sync the WAL is fsynced first.
//  ERR_OK, ERR_NOSPACE (disk full, or the write would eat into the
//  reserve: nothing written), ERR_IO.  The batch is left as it was,
//  plus what its finishers put (store_batch_on_write).
int MUST_CHECK
    store_write (store_t *self, store_batch_t *batch, bool sync);

//  The one write a running node makes besides the committer's (one
//  writer: README "Architecture").  The committer (node/pipeline/
//  ingest.c) alone writes the log and every view derived from it, in
//  sequence order, and rewinds as a whole when a write fails.  What is
//  written here is none of that and may not wait for a batch of entries:
//  this node's newest signed checkpoint, the receipt its parent cosigned
//  and its chain of node records (meta), the receipts it cosigned for its
//  children (child, "<division>/receipt"), the operator's blobs (blob),
//  and license files (file: chunks, an upload's progress, a file's header
//  once it hashes to its digest, the wanted key it drops; node/store/
//  files.h).  None has a log seq, is in the Merkle tree or is replicated
//  as an entry; each replaces a whole value and is made again if lost (a
//  checkpoint every second, a receipt at the next cosignature, the chain
//  at the next Welcome; a blob or a file chunk is acknowledged only once
//  written, a file is fetched again while it is wanted).  A batch that
//  puts into or deletes from any other column family is refused with
//  ERR_INTERNAL, nothing written; else as store_write.
int MUST_CHECK
    store_write_aside (store_t *self, store_batch_t *batch, bool sync);

//  ERR_OK if `bytes` more may be written without eating into the disk
//  reserve (the rule store_write applies to each batch), else
//  ERR_NOSPACE.  For a write made of many batches (a file's chunks):
//  asked once for the whole before the first.
int MUST_CHECK
    store_room (store_t *self, uint64_t bytes);

//  The err_t of a write that failed (ERR_NOSPACE, ERR_IO), 0 if none.
//  Once a write failed every later write fails the same way at once,
//  nothing is written, until store_recover succeeds.
int
    store_failed (store_t *self);

//  After a failed write, when the cause is gone (space freed): closes and
//  reopens the database (RocksDB replays its WAL up to the last complete
//  record).  Call only when nothing else uses the store.  ERR_OK, or the
//  reopen's error (the store is then unusable until a later try works).
int MUST_CHECK
    store_recover (store_t *self, char *why, size_t why_size);

//  Last key of a column family (e.g. the head of the log) into key
//  (at most *key_len bytes; *key_len set to its length).
//  ERR_OK, ERR_NOT_FOUND (empty), ERR_TOO_LARGE.
int MUST_CHECK
    store_last_key (store_t *self, store_cf_t cf, uint8_t *key, size_t *key_len);

//  Batches: a write batch under construction, for that store.  Its puts
//  and deletes take effect in the order they are added (a later one on a
//  key wins; a range delete deletes what was added before it), all at
//  once when it is written; the key and value are copied at once.  (The
//  families keyed in no order are handed to RocksDB sorted by key at the
//  write: the same result, cheaper memtable inserts; store_rocks.c.)
store_batch_t *
    store_batch_new (store_t *store);
void
    store_batch_destroy (store_batch_t **self_p);
void
    store_batch_put (store_batch_t *self, store_cf_t cf, const void *key, size_t key_len,
                     const void *value, size_t value_len);
void
    store_batch_delete (store_batch_t *self, store_cf_t cf, const void *key, size_t key_len);
//  Deletes the keys from `from` (included) to `to` (excluded).
void
    store_batch_delete_range (store_batch_t *self, store_cf_t cf, const void *from, size_t from_len,
                              const void *to, size_t to_len);
void
    store_batch_clear (store_batch_t *self);
size_t
    store_batch_count (store_batch_t *self);

//  What store_write calls, once, on a batch just before writing it: the
//  Merkle tree puts its tiles there, rewritten once per batch rather than
//  once per entry (proto/FORMAT.md, the tree family).  It runs on the
//  thread that writes, which owns the batch then; arg must not change
//  while the batch is being written.  release (may be NULL) is called
//  with arg when the batch is cleared or destroyed, whether or not
//  finish ran.  ERR_OK or ERR_NOMEM (nothing registered).
typedef void (store_batch_fn) (void *arg, store_batch_t *batch);
int MUST_CHECK
    store_batch_on_write (store_batch_t *self, store_batch_fn *finish,
                          void (*release) (void *arg), void *arg);

//  Iterates the keys starting with prefix (plen 0: all), from `from`
//  (NULL: the prefix) upward.  Borrowed key/value are valid until the
//  next store_iter_next or destroy.
store_iter_t *
    store_iter_new (store_t *self, store_cf_t cf, const void *prefix, size_t plen,
                    const void *from, size_t from_len);
bool
    store_iter_next (store_iter_t *self, const uint8_t **key, size_t *key_len,
                     const uint8_t **value, size_t *value_len);
void
    store_iter_destroy (store_iter_t **self_p);

//  An integer property of RocksDB ("rocksdb.estimate-num-keys") for one
//  column family, 0 if unknown.
uint64_t
    store_property (store_t *self, store_cf_t cf, const char *name);

//  Compacts the whole of family cf now (its memtable flushed first), so
//  what deletes removed leaves the disk: for a family a migration emptied
//  and that no write will compact again.  ERR_OK, ERR_IO.
int MUST_CHECK
    store_compact (store_t *self, store_cf_t cf);

//  The blob files of a family with BlobDB (the file family), as RocksDB
//  counts them: a blob's bytes are garbage once a compaction dropped the
//  last reference to it (a chunk deleted, and the compaction that met its
//  tombstone), so garbage not compacted yet is not counted; and the
//  passes of store_blob_gc_start.
typedef struct {
    uint64_t garbage;       //  rocksdb.live-blob-file-garbage-size
    uint64_t bytes;         //  rocksdb.live-blob-file-size (garbage included)
    bool running;           //  a pass is going on
    uint64_t passes;        //  passes that ended well
    uint64_t failures;      //  passes that failed (or were cancelled)
} store_blob_t;
void
    store_blob_stats (store_t *self, store_cf_t cf, store_blob_t *out);

//  One blob garbage collection pass over family cf, on the caller's
//  thread (which it blocks for as long as a compaction of the whole
//  family takes): GC on with age cutoff 1.0, a manual compaction of the
//  whole family, GC off again.  The live blobs of every blob file are
//  written into new ones and the old files deleted (once no reader holds
//  them).  ERR_OK; ERR_IO (why says: GC could not be turned on or off, a
//  compaction failed, the store has failed).
int MUST_CHECK
    store_blob_gc (store_t *self, store_cf_t cf, char *why, size_t why_size);

//  Starts a pass of store_blob_gc on a thread of its own (lic-blobgc),
//  which logs its outcome; the store goes on being read and written
//  meanwhile, and store_destroy or store_recover cancel it and wait for
//  its thread.  Passes are paced (store_rocks.c: one at a time, at least
//  10 s and 4 times the last pass's length apart, 10 min after a failure).
//  ERR_OK (started), ERR_BUSY (a pass is going on, or too soon),
//  ERR_NOSPACE (less than a copy of the live blobs free above the disk
//  reserve: not tried again for 10 s), ERR_IO (the store has failed),
//  ERR_NOMEM (no thread).
int MUST_CHECK
    store_blob_gc_start (store_t *self, store_cf_t cf);

//  Online backup into dir with RocksDB's BackupEngine (consistent: the
//  memtables are flushed and the backup holds every synced write made
//  before the call), keeping the newest `keep`.  May run on another
//  thread while the store is written.  ERR_OK with *id, *bytes, *count;
//  ERR_IO, ERR_NOSPACE (why says).
int MUST_CHECK
    store_backup (store_t *self, const char *dir, uint32_t keep, uint32_t *id,
                  uint64_t *bytes, uint32_t *count, char *why, size_t why_size);

//  Restores the newest backup in dir into db_path (which must not hold a
//  database).  ERR_OK, ERR_EXISTS, ERR_NOT_FOUND (no backup), ERR_IO.
int MUST_CHECK
    store_restore (const char *dir, const char *db_path, char *why, size_t why_size);

//  The process holding the lock of the database at path (from
//  /proc/locks), or 0 if none is found.
pid_t
    store_lock_holder (const char *path);

//  Bytes of the newest backup in dir (what a restore copies), or 0 if
//  there is none or it cannot be read.
uint64_t
    store_backup_bytes (const char *dir);

//  Big-endian helpers for keys.
void store_put_u64 (uint8_t out [8], uint64_t v);
uint64_t store_get_u64 (const uint8_t in [8]);
void store_put_u32 (uint8_t out [4], uint32_t v);

#endif
