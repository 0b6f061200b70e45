/*  files.h -- license files (the OFD or PDF a license is, regulation
    Art. 2), content-addressed by SHA-256 in the `file` column family
    (proto/FORMAT.md, "Files").

    A file is stored in chunks of FILES_CHUNK bytes and counts only once
    its header is written, in the batch that stores its last chunk, after
    the SHA-256 of every chunk in order equals its digest.  Until then
    the chunks received so far and the upload's progress are kept (an
    upload resumes where it stopped, after a crash or a cut link).  The
    same bytes are stored once: a put of a file already held is answered
    as done.  Reads are by (offset, length) within one chunk, so no reply
    ever holds a whole file.

    The wanted index names the files this node must hold and does not
    (learnt from the entries it applies): which child to fetch each from,
    and the origin of the entry that named it.  A file that arrives leaves
    the index in the same batch.

    The names index keeps, for each file, the origins whose applied
    entries name it (written by the one apply every path runs): a child
    reads from its parent only the files its own subtree's entries name.
    A department's uploads that no entry names yet are bounded by its
    budget (files_put_by).
*/
#ifndef LICREPO_FILES_H
#define LICREPO_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include "node/store/store_rocks.h"
#include "proto/licrepo.pb-c.h"

#define FILES_DIGEST    32                  //  SHA-256
#define FILES_MAX       (16u << 20)         //  bytes in one file (16 MiB)
#define FILES_CHUNK     (128u << 10)        //  bytes in one stored chunk (and one reply's data)

typedef struct {
    bool present;           //  held and verified
    uint64_t total;         //  its size (present), or the size the upload announced
    uint64_t received;      //  bytes staged so far (present: total); the next offset to send
    int64_t at;             //  unix seconds it became present (0 if not)
} files_info_t;

//  The state of a file.  ERR_OK (present or being uploaded), ERR_NOT_FOUND
//  (nothing of it here), ERR_IO, ERR_CORRUPT.
int MUST_CHECK
    files_info (store_t *store, const uint8_t digest [FILES_DIGEST], files_info_t *info);

//  True if the file is held and verified.
bool
    files_held (store_t *store, const uint8_t digest [FILES_DIGEST]);

//  Stores the bytes [offset, offset + len) of the file of `total` bytes
//  whose SHA-256 is digest, with the upload's progress, in one batch (the
//  last chunk's batch, which makes the file count, synced; those before
//  it are not: they reach the one WAL in order, so a crash keeps a prefix
//  of them and the progress it states).
//  The rule every path that stores a file calls (a department's put, a
//  chunk fetched from a child):
//  - total 1..FILES_MAX, else ERR_TOO_LARGE; digest 32 bytes, else
//    ERR_BAD_FIELD;
//  - a file already held: ERR_OK at once, nothing written (idempotent);
//  - offset must be where the upload stands (info->received; 0 starts it
//    again from the beginning), else ERR_GAP; len must be FILES_CHUNK or
//    what is left of the file, else ERR_BAD_FIELD; an upload going on
//    with another total is started again only from offset 0 (else
//    ERR_BAD_FIELD);
//  - at offset 0, the whole file must fit above the disk reserve
//    (store_room), else ERR_NOSPACE;
//  - with the last chunk, the SHA-256 of all of them must equal digest:
//    then the header is written (and the wanted key deleted) in the same
//    batch; else ERR_FILE_DIGEST and the staged chunks are dropped.
//  On return *info is the file's state (received: the next offset).
//  why says what failed.
int MUST_CHECK
    files_put (store_t *store, const uint8_t digest [FILES_DIGEST], uint64_t offset, uint64_t total,
               const uint8_t *data, size_t len, int64_t now, files_info_t *info,
               char *why, size_t why_size);

//  Reads at most max bytes of a held file from offset, never past the
//  chunk that holds offset.  *data is the caller's (free), *len may be 0
//  at the end; *total is the file's size.  ERR_OK, ERR_NOT_FOUND (not
//  held: an upload in progress is not readable), ERR_BAD_FIELD (offset
//  past the end), ERR_IO, ERR_CORRUPT (a chunk missing or of the wrong
//  size).
int MUST_CHECK
    files_read (store_t *store, const uint8_t digest [FILES_DIGEST], uint64_t offset, size_t max,
                uint8_t **data, size_t *len, uint64_t *total);

//  Recomputes the SHA-256 of a held file from its chunks.  ERR_OK,
//  ERR_FILE_DIGEST (why says), ERR_CORRUPT, ERR_NOT_FOUND, ERR_IO.
int MUST_CHECK
    files_verify (store_t *store, const uint8_t digest [FILES_DIGEST], char *why, size_t why_size);

//  Calls fn for each held file (digest, size) in digest order; stops when
//  fn returns false.  ERR_OK, ERR_NOMEM.
typedef bool (files_each_fn) (void *arg, const uint8_t digest [FILES_DIGEST], uint64_t total);
int MUST_CHECK
    files_each (store_t *store, files_each_fn *fn, void *arg);

//  The rule at the door of the node a department publishes to: an issue
//  or alter whose content names a file (content.file_digest) is taken
//  only if this node holds that file.  ERR_OK, ERR_NO_FILE (why says
//  which), ERR_IO.  Upper levels do not apply it: they fetch the file
//  after the entry (files_want_event).
int MUST_CHECK
    files_check_event (store_t *store, const Lic__Event *ev, char *why, size_t why_size);

//  For a replicated event applied into batch: the file it names, if not
//  held, becomes wanted from child `via` (files_want).
void
    files_want_event (store_t *store, store_batch_t *batch, const Lic__Event *ev,
                      const char *via, const char *origin);

//  What a scan of a wanted index gets: a digest, the child to fetch it
//  from, the origin of the entry that named it; false stops the scan.
typedef bool (files_wanted_fn) (void *arg, const uint8_t digest [FILES_DIGEST], const char *via,
                                const char *origin);

//  Catalogue blobs (a type's face template, sample and seal pattern:
//  BLAKE2b-256 addressed, at most FILES_BLOB_MAX bytes, in the blob
//  family) travel upward like files: a replicated catalogue version
//  naming a blob not held here makes it wanted (key 'V'), and it is
//  fetched whole, in one chunk.
#define FILES_BLOB_MAX  (192u << 10)

//  True if the blob is held here.
bool
    files_blob_held (store_t *store, const uint8_t digest [FILES_DIGEST]);

//  The rule at the door of the node whose operator adds a catalogue
//  version: every blob it names (template, sample, seal) is held here.
//  ERR_OK, ERR_NO_FILE (why names it), ERR_IO.
int MUST_CHECK
    files_check_type (store_t *store, const Lic__LicenseType *t, char *why, size_t why_size);

//  For a replicated catalogue version applied into batch: each blob it
//  names and this node lacks becomes wanted from child `via`.
void
    files_want_type (store_t *store, store_batch_t *batch, const Lic__LicenseType *t,
                     const char *via, const char *origin);

//  Stores a fetched blob if its BLAKE2b-256 is digest and it is at most
//  FILES_BLOB_MAX bytes (else ERR_FILE_DIGEST, ERR_TOO_LARGE, nothing
//  kept), dropping its wanted key in the same batch.
int MUST_CHECK
    files_put_blob (store_t *store, const uint8_t digest [FILES_DIGEST], const uint8_t *data,
                    size_t len, char *why, size_t why_size);

//  Drops the wanted key of a blob (held: it arrived otherwise).
void
    files_unwant_blob (store_t *store, const uint8_t digest [FILES_DIGEST]);

//  The wanted blobs, as files_wanted for files.
int MUST_CHECK
    files_blobs_wanted (store_t *store, const uint8_t *after, files_wanted_fn *fn, void *arg);

//  Puts the wanted key of a file this node does not hold into batch:
//  fetch it from child `via`; `origin` is the division whose entry named
//  it.  Does nothing if the file is held.
void
    files_want (store_t *store, store_batch_t *batch, const uint8_t digest [FILES_DIGEST],
                const char *via, const char *origin);

//  Drops the wanted key of a file (held: it arrived after a batch that
//  wanted it was built).
void
    files_unwant (store_t *store, const uint8_t digest [FILES_DIGEST]);

//  Files (and catalogue blobs) wanted and not held, in all, by the child
//  they come from and by the origin of the entries that named them: a
//  scan of the wanted index,
//  of at most FILES_STATS_SCAN keys (more: `partial`, the counts a lower
//  bound).  Divisions beyond FILES_STATS_MAX count in `total` only.
#define FILES_STATS_MAX  256
#define FILES_STATS_SCAN 100000
typedef struct {
    char division [8];
    uint64_t files;
} files_count_t;
typedef struct {
    uint64_t total;
    bool partial;
    size_t n_via, n_origin;
    files_count_t via [FILES_STATS_MAX];
    files_count_t origin [FILES_STATS_MAX];
} files_stats_t;
int MUST_CHECK
    files_missing_stats (store_t *store, files_stats_t *stats);

//  The wanted files, in digest order, from `after` (excluded; NULL: the
//  first).  fn gets the digest, the child to fetch from and the origin;
//  stops when it returns false.  ERR_OK, ERR_NOMEM.
int MUST_CHECK
    files_wanted (store_t *store, const uint8_t *after, files_wanted_fn *fn, void *arg);

//  The names index (FORMAT.md family 17, 'N'): for an issue or alter
//  whose content names a file, the key "file digest, origin division"
//  goes into batch, the entry's own.  Called by views_apply_event, the
//  apply every path runs (the door, a parent's apply of a child's entry,
//  a release from quarantine, replay in `licnode check` and rebuild), so
//  every level and every replay hold the same index.
//  A repository made before the index lacks the meta key
//  FILES_NAMES_MARK, and its index the names of the older entries:
//  `licnode check` builds it from its replay once, then writes the key
//  (a new repository gets the key with its schema).
#define FILES_NAMES_MARK "file_names"
void
    files_name_event (store_batch_t *batch, const Lic__Event *ev, const char *origin);

//  True if an applied entry names the file (some origin in the names
//  index).
bool
    files_named (store_t *store, const uint8_t digest [FILES_DIGEST]);

//  May child `child` read the file from this node (its Repl FileWant)?
//  Only if an entry applied here of an origin the child may bring
//  (authority_origin: its own division or one below it) names the file;
//  a county never reads its sibling's license files through their
//  parent.  ERR_OK, ERR_FORBIDDEN (why says), ERR_NOMEM.
int MUST_CHECK
    files_child_may_read (store_t *store, const uint8_t digest [FILES_DIGEST], const char *child,
                          char *why, size_t why_size);

//  A department's budget of unreferenced files (proto/README.md section
//  12): the files it put that no applied entry names yet count against
//  it, each for its size but at least FILES_CHUNK (so a sweep reads at
//  most budget / FILES_CHUNK keys).  Kept in the `file` family: 'U'
//  department 0x00 digest -> the bytes charged, 'D' department -> the
//  sum (u64 BE) ‖ unix seconds of the last sweep (u64 BE).
//  FILES_BUDGET_DEFAULT is the configuration's default (file_budget_mb).
#define FILES_BUDGET_DEFAULT (1024ull << 20)
#define FILES_DEPARTMENT_MAX 64             //  bytes of a department's name in a key

//  files_put for department `department` (NULL: the operator, who has no
//  budget).  A put at offset 0 of a file not held is first judged
//  against the department's budget: the sum it has charged, less what
//  this file already charged it (the same upload started again), plus
//  this file's charge, must not exceed `budget` bytes, else
//  ERR_FILE_BUDGET (why says how much and what frees it) and nothing is
//  written.  Over by the sum, the department's files are swept first
//  (at most once per second `now`): those an entry now names, or that
//  are neither held nor being uploaded any more (an upload refused for
//  its digest), are released and the sum made exact.  The charge is
//  written in the batch of the first chunk.  A file already held is
//  done at once and charges nothing (the same bytes are stored once);
//  two departments uploading the same file at once are each charged.
int MUST_CHECK
    files_put_by (store_t *store, const char *department, uint64_t budget,
                  const uint8_t digest [FILES_DIGEST], uint64_t offset, uint64_t total,
                  const uint8_t *data, size_t len, int64_t now, files_info_t *info,
                  char *why, size_t why_size);

//  Sweeps the department's charges as above (at once) and gives what
//  it still has unreferenced: bytes charged and files.  ERR_OK, ERR_IO,
//  ERR_NOMEM.
int MUST_CHECK
    files_budget_used (store_t *store, const char *department, int64_t now, uint64_t *bytes,
                       uint64_t *files);

//  The bound on the garbage of the file family's blob files (store_rocks.c,
//  enable_blob_gc: no GC at every compaction).  Files are never deleted:
//  the garbage is the staged chunks of uploads dropped (refused for their
//  digest, started again) after a flush took them into a blob file beside
//  live chunks.  Checked on the node's tick: when the garbage RocksDB has
//  counted exceeds max(floor, blob bytes / FILES_GC_SHARE) a pass of
//  store_blob_gc starts on its own thread (store_blob_gc_start: paced,
//  one at a time).  So a pass rewrites at most FILES_GC_SHARE - 1 bytes
//  of live chunks for each byte of garbage it frees, and an honest flow,
//  which drops nothing, runs none.  FILES_GC_FLOOR is the node's floor.
#define FILES_GC_FLOOR  (256ull << 20)
#define FILES_GC_SHARE  4

//  Reads the family's blob figures into *blob (may be NULL) and starts a
//  pass if the garbage is over the bound (nothing if the store has
//  failed: its recovery comes first).  ERR_OK (under the bound, a pass
//  going on or paced; *started says whether one started now);
//  ERR_NOSPACE, ERR_NOMEM: over the bound but no pass could start
//  (store_blob_gc_start).
int MUST_CHECK
    files_gc_check (store_t *store, uint64_t floor, store_blob_t *blob, bool *started);

#endif
