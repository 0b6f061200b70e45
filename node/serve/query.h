/*  query.h -- sharing within scope (proto/README.md section 11): application bodies'
    queries, their audit records, archived copies.

    An application body (registered by the node's operator, AppBody) asks
    on the query socket for one license, a holder's licenses, a status as
    of a time, or an archived copy; every request names the matter, the
    staff member, the case and the purpose, and the holder (regulation
    Art. 12-14).  The answer holds only licenses of that holder and of the
    body's license types, and reveals a sensitive item's value only to a
    clearance that covers it.  Every query, granted or refused, is in a
    node-signed ENTRY_AUDIT of the log: in its own record, and then the
    answer leaves only once that record is durable (through
    ingest_submit_audit), or counted in its key's aggregated record
    (below: refusals that read nothing).

    Runs in the server's thread; reads the store and the views.
*/
#ifndef LICREPO_QUERY_H
#define LICREPO_QUERY_H

#include <czmq.h>
#include "node/base/config.h"
#include "node/base/identity.h"
#include "node/pipeline/ingest.h"
#include "node/store/store_rocks.h"
#include "node/store/views.h"

typedef struct query_t query_t;

#define QUERY_FIELD_MAX 128         //  bytes of matter, staff, case, purpose
#define QUERY_HOLDER_ID_MAX 64      //  bytes of the holder id a query names
#define QUERY_HOLDER_TYPE_MAX 8     //  bytes of its id type
#define QUERY_FIND_MAX  200         //  licenses in one find answer
#define QUERY_COPY_DAYS 366         //  longest life of an archived copy
#define QUERY_AUDIT_MAX 1000        //  audit items in one listing
#define QUERY_BODY_TEXT_MAX 256     //  bytes of any string of an application body (its name)

query_t *
    query_new (const config_t *cfg, identity_t *id, store_t *store, views_t *views,
               ingest_t *ingest);
void
    query_destroy (query_t **self_p);

//  Handles one frame from the query socket (body borrowed; its User-Id
//  metadata names the caller's CURVE key).  The answer goes out through
//  the ingest audit handler with `channel`, after the audit record.
void
    query_on_frame (query_t *self, int channel, zframe_t **route_p, zframe_t *body);

//  The same for a frame the caller decoded already: req (borrowed; NULL
//  unless decode_rc is ERR_OK) with the caller's User-Id (may be NULL);
//  id is the request's id, which every answer carries (req->id, or for
//  a frame that did not decode, codec_request_id of it).
void
    query_on_request (query_t *self, int channel, zframe_t **route_p, const char *user_id,
                      const Lic__Request *req, uint64_t id, int decode_rc);

//  Checks an application body as the operator submits it: every string
//  UTF-8 text (proto/text.h) of at most QUERY_BODY_TEXT_MAX bytes, credit
//  code, name, 32-byte CURVE key, license types (21 chars), matters (1..64
//  bytes), clearance (personal, commercial, secret).  ERR_OK,
//  ERR_TOO_LARGE, ERR_BAD_CREDIT_CODE, ERR_BAD_FIELD.
int MUST_CHECK
    query_check_body (const Lic__AppBody *b, char *why, size_t why_size);

//  The operator's listing of the audit log.  Fills res (members malloc'd,
//  free with the reply).  ERR_OK, ERR_NOMEM, ERR_IO.
int MUST_CHECK
    query_audit_list (query_t *self, const Lic__AuditRequest *req, Lic__AuditResult *res);

//  Counters since start.
void
    query_stats (query_t *self, uint64_t *granted, uint64_t *refused);

// ---------------------------------------------------------------------
//  Refusals without amplification (README "Bounded resources").  Every query is
//  recorded: granted ones, and an application body's refusals up to
//  audit_refusals_per_minute, each in its own record before the answer
//  leaves; every other refusal (a frame that does not decode, a request
//  over the key's query_rate, a query of a key that is not a body of
//  this node, a body's refusals past its rate) is counted in its key's
//  aggregated record (auditagg.h), one per key per audit_window_ms, and
//  answered at once.

//  Where answers that wait for no record go (the server's sender, the
//  same signature as the audit handler: it takes route and reply).
void
    query_set_sender (query_t *self, ingest_audit_fn *fn, void *arg);

//  Refuses a request the caller would not serve -- a frame that does not
//  decode on the client socket, or ERR_BUSY (over the key's client_rate,
//  or its replies are not being read) -- counting it in the aggregated
//  record of user_id's key, and answers it (id, code, why) now.
void
    query_refuse (query_t *self, int channel, zframe_t **route_p, const char *user_id,
                  uint64_t id, int code, const char *why);

//  Once a second: writes the aggregated records whose window closed
//  (every one if all: at shutdown) while the pipeline has room, and
//  forgets full buckets.
void
    query_on_tick (query_t *self, bool all);

//  Refused queries counted in aggregated records since start, of which
//  ERR_BUSY, and how many are counted but not yet written.
void
    query_flood_stats (query_t *self, uint64_t *aggregated, uint64_t *busy, uint64_t *pending);

#endif
