/*  query_int.h -- what the files of scoped queries share (query.c answers
    queries, query_audit.c lists the audit log): the query object and the
    read of a log entry.  Not for other modules: query.h is the API.
*/
#ifndef LICREPO_QUERY_INT_H
#define LICREPO_QUERY_INT_H

#include "node/serve/query.h"
#include "node/serve/ratelimit.h"
#include "node/serve/auditagg.h"

struct query_t {
    const config_t *cfg;
    identity_t *id;
    store_t *store;
    views_t *views;
    ingest_t *ingest;
    uint64_t granted;
    uint64_t refused;
    ratelimit_t *rate;              //  queries of a key (query_rate, query_burst)
    ratelimit_t *refusals;          //  a body's refusals recorded one by one (audit_refusals)
    auditagg_t *agg;                //  the others, per key per window
    ingest_audit_fn *send;          //  answers that wait for no record
    void *send_arg;
    uint64_t aggregated;            //  refused queries counted in aggregated records
    uint64_t busy;                  //  of which over the key's rate (ERR_BUSY)
    //  The log entry the last state read took its content from (one, at
    //  most CODEC_ENTRY_MAX bytes), so that reading its disclosures next
    //  does not read it again; used once.
    uint64_t entry_seq;
    uint8_t *entry;
    size_t entry_len;
};

#define QUERY_BUDGET (CODEC_FRAME_MAX * 3 / 4)  //  bytes of licenses in one answer

//  The log entry at seq, decoded with its envelope: ERR_OK, ERR_NOT_FOUND,
//  ERR_CORRUPT, ERR_NOMEM, ERR_IO.
int
    query_load_entry (query_t *self, uint64_t seq, Lic__LogEntry **e);

#endif
