/*  reads.h -- the requests any admitted key may make on the client
    socket (reads.c): the node's status, the catalogue, blobs.  Handlers
    of the dispatch table (dispatch.h: dispatch_fn).
*/
#ifndef LICREPO_READS_H
#define LICREPO_READS_H

#include "node/serve/server_int.h"

//  Fills ns (and st) with the node's status; ns borrows curve and root
//  (32 bytes each) and strings of self.  Free with downlink_status_free.
//  fresh: count the missing files and the held entries now (the operator
//  asked); else counts at most READS_FILES_EVERY_MS old will do (the
//  loop's own metrics and summaries, each once a second, and the status
//  asked by any other key).
void
    reads_status_fill (server_t *self, ingest_stats_t *st, Lic__NodeStatus *ns,
                       uint8_t curve [32], uint8_t root [32], bool fresh);

//  How old the loop's count of missing files may be: counting is a scan
//  of the wanted index (up to FILES_STATS_SCAN keys), not for every tick.
#define READS_FILES_EVERY_MS 5000

//  The files-missing part of ns (reads_status_fill does it too).
void
    reads_files_fill (server_t *self, Lic__NodeStatus *ns, bool fresh);

//  The held part of ns (reads_status_fill does it too): this node's
//  held entries by origin (counted again when the number held changed,
//  or is READS_FILES_EVERY_MS old, or fresh), and each node below and
//  each child with its entries held here or between (subtree_held_for)
//  added to its lag: an entry a parent holds was acknowledged to the
//  child, so the child's own lag omits it (proto/README.md section 7).
void
    reads_held_fill (server_t *self, Lic__NodeStatus *ns, bool fresh);

void
    reads_on_status (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);

//  Catalogue reads: the latest of every type, of one, or every version
//  of one, a page at a time.
void
    reads_on_catalogue_read (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);

//  A blob by its digest.
void
    reads_on_blob (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);

#endif
