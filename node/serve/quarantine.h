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

#endif
