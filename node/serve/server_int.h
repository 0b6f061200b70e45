/*  server_int.h -- what the parts of the node's serving loop share
    (server.c, dispatch.c, admin.c, reads.c, periodic.c): the server's
    state and the one way a reply leaves.  Not for use outside
    node/serve/.
*/
#ifndef LICREPO_SERVER_INT_H
#define LICREPO_SERVER_INT_H

#include "node/store/files.h"
#include <czmq.h>
#include "node/links/downlink.h"
#include "node/links/uplink.h"
#include "node/links/zap.h"
#include "node/ops/backup.h"
#include "node/pipeline/ingest.h"
#include "node/serve/metrics.h"
#include "node/serve/outq.h"
#include "node/serve/quarantine.h"
#include "node/serve/query.h"
#include "node/serve/ratelimit.h"
#include "node/serve/server.h"
#include "proto/codec.h"

#define SERVER_REPLY_BUDGET (CODEC_FRAME_MAX * 3 / 4)   //  bytes of records in one reply

#define SERVER_CHANNEL_MAIN  0          //  replies go out on the client socket
#define SERVER_CHANNEL_QUERY 1          //  on the query socket

struct server_t {
    const config_t *cfg;
    identity_t *id;
    store_t *store;
    views_t *views;
    zactor_t *auth;                 //  ZAP handler
    zap_keys_t *keys;               //  admitted keys, as the ZAP handler holds them
    config_peer_t *children;        //  configured children (CONFIG_CHILDREN_MAX), for keys
    int n_children;                 //  how many
    zap_limit_t *key_log;           //  log lines about messages of keys no longer admitted
    uint64_t revoked_msgs;          //  messages refused so (ERR_KEY_REVOKED)
    zsock_t *router;                //  client socket
    zsock_t *query_sock;            //  application bodies' socket, or NULL
    outq_t *client_q;               //  replies on router, a byte budget per peer
    outq_t *query_q;                //  replies on query_sock, or NULL
    ratelimit_t *client_rate;       //  requests of a key on router (client_rate, client_burst)
    zap_limit_t *busy_log;          //  log lines about keys answered ERR_BUSY
    uint64_t busy;                  //  requests answered ERR_BUSY here (queries: query.c)
    query_t *query;                 //  scoped queries (query.h)
    ingest_t *ingest;
    downlink_t *downlink;           //  children, or NULL
    uplink_t *uplink;               //  parent, or NULL at the top
    int64_t started_at;
    uint64_t bad_frames;            //  frames refused before dispatch
    uint64_t quarantine_base;       //  quarantined entries found at start
    char *checkpoint;               //  newest signed checkpoint of our log
    uint64_t checkpoint_size;
    int64_t next_checkpoint;        //  mono ms
    int64_t next_tick;              //  mono ms
    int64_t next_recover;           //  mono ms of the next recovery try
    int64_t next_overdue;           //  mono ms of the next slice of the overdue count
    metrics_t *metrics;             //  Prometheus endpoint, or NULL
    uint64_t overdue_count;         //  licenses with an annual inspection overdue (last full scan)
    uint64_t overdue_partial;       //  count of the scan in progress
    char overdue_cursor [128];      //  where it stands ("" = start)
    backup_t *backup;               //  backup in progress, or NULL
    zframe_t *backup_route;         //  who asked for it
    uint64_t backup_req;            //  their request id
    uint64_t backup_head;           //  durable head when it started
    files_stats_t files_stats;      //  files missing, as the last status counted them
    int64_t files_stats_at;         //  when (zclock_mono ms); 0: never, or that count failed
    Lic__FilesMissing files_by_origin [FILES_STATS_MAX], *files_by_origin_p [FILES_STATS_MAX];
    quarantine_stats_t held_stats;  //  entries held by origin, as the last status counted them
    int64_t held_stats_at;          //  when (zclock_mono ms); 0: never, or that count failed
    uint64_t held_stats_of;         //  the held count (NodeStatus quarantined) it was made at
    Lic__HeldOrigin held_by_origin [QUARANTINE_STATS_MAX], *held_by_origin_p [QUARANTINE_STATS_MAX];
};

//  Sends reply to route_p on sock (the client or the query socket),
//  within the socket's outq budget; always takes *route_p.
void
    server_send_on (server_t *self, zsock_t *sock, zframe_t **route_p, const Lic__Reply *reply);

//  server_send_on the client socket.
void
    server_send (server_t *self, zframe_t **route_p, const Lic__Reply *reply);

//  An error reply: code and the formatted message, with the request's id.
void
    server_send_error (server_t *self, zframe_t **route_p, uint64_t id, int code,
                       const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

//  Builds the admitted keys again from the registry and the children and
//  hands them to the ZAP handler.  ERR_OK, or the keys in force stay.
int
    server_admit (server_t *self);

#endif
