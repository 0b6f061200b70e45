/*  quarantine.h -- what a node holds back, for its operator (README "Reading the metrics", licctl quarantine).

    A replicated entry that fails a check or an authority rule is kept in
    the quarantine column family (origin division '/' origin seq (u64 BE)
    -> reason 0x00 entry bytes; replica.c) instead of the log, and the
    stream goes on.  This module reads it back: listed in origin and seq
    order with the error code, the reason and the decoded entry.
*/
#ifndef LICREPO_QUARANTINE_H
#define LICREPO_QUARANTINE_H

#include "proto/err.h"
#include "proto/msg.h"
#include "node/store/store_rocks.h"

#define QUARANTINE_LIST_MAX 1000    //  items in one answer
#define QUARANTINE_LIST_DEFAULT 100

//  Fills res (members malloc'd: free with the reply that holds it, by
//  codec_reply_free) with the entries held from (req->origin,
//  req->from_seq).  ERR_OK, ERR_NOMEM, ERR_IO.
int MUST_CHECK
    quarantine_list (store_t *store, const Lic__QuarantineRequest *req,
                     Lic__QuarantineResult *res);

//  Number of entries held (a scan of keys).
uint64_t
    quarantine_count (store_t *store);

//  Entries held by their origin, with the received_at (at the origin) of
//  the oldest of each: what the node's status, its signed summary and
//  its parent's view of that origin's lag count (proto/README.md section
//  7).  A scan of at most QUARANTINE_STATS_SCAN held entries and
//  QUARANTINE_STATS_BYTES of them (more: `partial`, the counts a lower
//  bound); only the first entry of each origin is decoded, the one of its
//  lowest origin seq, which its origin took first (so the oldest, clocks
//  allowing); origins beyond QUARANTINE_STATS_MAX count in `total` only.
//  ERR_OK, ERR_IO.
#define QUARANTINE_STATS_MAX   256
#define QUARANTINE_STATS_SCAN  10000
#define QUARANTINE_STATS_BYTES (16u << 20)
typedef struct {
    char division [16];
    uint64_t entries;
    int64_t oldest;                 //  unix seconds; 0 if no held entry of it decodes
} quarantine_origin_t;
typedef struct {
    uint64_t total;
    bool partial;
    size_t n;
    quarantine_origin_t origin [QUARANTINE_STATS_MAX];  //  in division order
} quarantine_stats_t;
int MUST_CHECK
    quarantine_stats (store_t *store, quarantine_stats_t *stats);

#endif
