/*  filelink.h -- license files follow the entries upward (proto/README.md
    section 12), without I/O of its own: the parent's side decides which
    chunk to ask a child for next and stores what comes back; the child's
    side reads the chunk asked for.  downlink.c and uplink.c carry the
    messages (Repl FileWant and FileChunk) on the replication link.

    Bounded: one chunk (128 KiB) in flight per child, asked again after
    FILELINK_TIMEOUT_MS without an answer (the link may drop a frame);
    progress is the store's (files_put keeps each chunk synced), so a
    transfer resumes where it stood after a crash or a cut link.  Entries
    are applied and acked without waiting for files.
*/
#ifndef LICREPO_FILELINK_H
#define LICREPO_FILELINK_H

#include <stdbool.h>
#include <stdint.h>
#include "node/store/files.h"
#include "proto/msg.h"

#define FILELINK_TIMEOUT_MS 10000   //  a want unanswered this long is asked again
#define FILELINK_BACKOFF_MS 1000    //  after a child said it does not hold a file yet

//  The parent's state for one child.
typedef struct {
    bool busy;                      //  a want is in flight
    bool cont;                      //  the next want goes on with the same file
    uint8_t digest [FILES_DIGEST];  //  its file
    uint64_t offset;                //  and offset
    int64_t sent_at;                //  mono ms it was sent
    int64_t idle_until;             //  mono ms: ask nothing before
    bool has_cursor;                //  the scan of wanted files goes on after cursor
    uint8_t cursor [FILES_DIGEST];
    uint64_t files;                 //  files completed from this child since start
    uint64_t bytes;                 //  bytes stored from it since start
    uint64_t refused;               //  chunks refused (wrong digest, bad form)
} filelink_t;

//  The next chunk to ask child `division` for, if none is in flight (or
//  the one in flight timed out) and there is a file wanted from it:
//  true with want filled (digest borrowed from fl).
bool
    filelink_next (filelink_t *fl, store_t *store, const char *division, int64_t now,
                   Lic__FileWant *want);

//  A chunk from child `division`: stored through files_put (the rule
//  every path that stores a file calls) if it answers the want in
//  flight; a chunk nobody asked for is ignored.  ERR_OK (stored; the
//  file may now be present), or why not (logged by the caller).
int
    filelink_on_chunk (filelink_t *fl, store_t *store, const char *division,
                       const Lic__FileChunk *chunk, int64_t now, char *why, size_t why_size);

//  The child's answer to a want: the chunk at want->offset of a file held
//  here, or code ERR_NOT_FOUND (not whole here yet) / ERR_BAD_FIELD.
//  *data is the caller's (free), chunk->data points into it.
void
    filelink_answer (store_t *store, const Lic__FileWant *want, Lic__FileChunk *chunk,
                     uint8_t **data);

#endif
