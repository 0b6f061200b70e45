/*  filelink.h -- license files follow the entries upward (proto/README.md
    section 12), without I/O of its own: the parent's side decides which
    chunk to ask a child for next and stores what comes back; the child's
    side reads the chunk asked for.  downlink.c and uplink.c carry the
    messages (Repl FileWant and FileChunk) on the replication link.

    Bounded: at most FILELINK_WINDOW_BYTES (2 MiB, FILELINK_WINDOW chunks)
    asked for and not yet answered per child, all of one file, in order (ZeroMQ keeps a
    connection's order; a chunk that does not follow what is stored is
    ignored, and the window is asked again from the store's progress
    after FILELINK_TIMEOUT_MS without an answer: the link may drop a
    frame); progress is the store's (files_put keeps each chunk with it),
    so a transfer resumes where it stood after a crash or a cut link.
    Entries are applied and acked without waiting for files.
*/
#ifndef LICREPO_FILELINK_H
#define LICREPO_FILELINK_H

#include <stdbool.h>
#include <stdint.h>
#include "node/store/files.h"
#include "proto/msg.h"

#define FILELINK_TIMEOUT_MS 10000   //  a window unanswered this long is asked again
#define FILELINK_BACKOFF_MS 250     //  after the child said of every file wanted from it
                                    //  that it does not hold it yet
//  Bytes asked for and not answered, per child.  A chunk's round trip
//  (the want, the child's read, CURVE both ways, the parent's write) is
//  ~1-3 ms here: 4 chunks in flight kept the link latency-bound (~45
//  MB/s at the province with the cores half idle); 2 MiB covers the
//  round trip at a few hundred MB/s while a child's answers in flight
//  stay a few MiB per link (ZeroMQ's buffers).
#define FILELINK_WINDOW_BYTES (2u << 20)
#define FILELINK_WINDOW     ((int) (FILELINK_WINDOW_BYTES / FILES_CHUNK))   //  16 chunks

//  The parent's state for one child.
typedef struct {
    bool busy;                      //  a file (or blob) is being fetched
    bool blob;                      //  it is a catalogue blob (asked for whole)
    uint8_t digest [FILES_DIGEST];  //  its digest
    uint64_t offset;                //  the next byte expected (what the store holds)
    uint64_t next;                  //  the next offset to ask for
    uint64_t total;                 //  its size, once a chunk said it (0 before)
    int inflight;                   //  chunks asked for and not answered
    int64_t sent_at;                //  mono ms the last want was sent
    int64_t idle_until;             //  mono ms: ask nothing before
    bool has_cursor;                //  the scan of wanted files goes on after cursor
    uint8_t cursor [FILES_DIGEST];
    bool has_blob_cursor;           //  the scan of wanted blobs goes on after blob_cursor
    uint8_t blob_cursor [FILES_DIGEST];
    bool has_miss;                  //  first_miss is set: a round of misses began there
    uint8_t first_miss [FILES_DIGEST];
    uint64_t files;                 //  files and blobs completed from this child since start
    uint64_t bytes;                 //  bytes stored from it since start
    uint64_t refused;               //  chunks refused (wrong digest, bad form)
} filelink_t;

//  The next chunk to ask child `division` for, while the window has room
//  (or timed out) and a file is wanted from it: true with want filled
//  (digest borrowed from fl); call again until false.  Files first; when
//  none is wanted from the child, its catalogue blobs, each whole.
//  window: chunks it may have asked for and not been answered, 1 ..
//  FILELINK_WINDOW (the caller gives 1 while entries are in the
//  pipeline, ingest_busy: files give way to the log).
bool
    filelink_next (filelink_t *fl, store_t *store, const char *division, int64_t now,
                   int window, Lic__FileWant *want);

//  Forgets what is in flight (a new session of the child: its answers to
//  the old one's wants are lost with it).
void
    filelink_reset (filelink_t *fl);

//  A chunk from child `division`: stored through files_put (the rule
//  every path that stores a file calls) if it is the next one expected;
//  any other is ignored (ERR_MALFORMED).  ERR_OK (stored; the
//  file may now be present), or why not (logged by the caller).
int
    filelink_on_chunk (filelink_t *fl, store_t *store, const char *division,
                       const Lic__FileChunk *chunk, int64_t now, char *why, size_t why_size);

//  The answer to a want: the chunk at want->offset of a file held here,
//  or code ERR_NOT_FOUND (not whole here yet) / ERR_BAD_FIELD.  child:
//  NULL when the parent asks (a child's answer: everything it holds came
//  from its subtree, which the parent sees whole); the division of the
//  child that asks when a parent answers a configured child (licnode
//  rebuild --from-parent): a file only if an entry of that child or of a
//  division below it names it (files_child_may_read), else code
//  ERR_FORBIDDEN and no data.  A catalogue blob (want->blob) is answered
//  to any configured child: the blobs a catalogue names describe a
//  license type, not a holder, and every key admitted at the node may
//  read them (the `blob` request).  *data is the caller's (free),
//  chunk->data points into it.
void
    filelink_answer (store_t *store, const char *child, const Lic__FileWant *want,
                     Lic__FileChunk *chunk, uint8_t **data);

#endif
