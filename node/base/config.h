/*  config.h -- licnode's configuration: one JSON file, every member
    optional (deploy/licnode.sample.json documents them all).  With no
    file the node runs on safe defaults: data under ./licnode-data,
    listening on 127.0.0.1 only.
*/
#ifndef LICREPO_CONFIG_H
#define LICREPO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "proto/err.h"

#define CONFIG_CHILDREN_MAX 256

//  Another node: a parent (with its replication endpoint) or a child.
typedef struct {
    char division [16];         //  its division code
    char endpoint [256];        //  parent only: its replication endpoint
    char curve_pk [41];         //  its CURVE public key, Z85
    uint8_t sign_pk [32];       //  its Ed25519 public key
} config_peer_t;

typedef struct {
    char division [16];         //  GB/T 2260 code of this node's area
    char name [128];            //  human name of the repository
    char data_dir [512];        //  where the database and keys live
    char listen [256];          //  client endpoint (publish, admin)
    char query_listen [256];    //  application bodies' query endpoint ("" = none)
    int verify_threads;         //  signature checking threads
    size_t cache_mb;            //  RocksDB block cache
    size_t reserve_mb;          //  disk space kept free for flushes and compactions
    size_t file_budget_mb;      //  a department's license files no event names yet, at most
    char log_level [16];        //  error, warn, info, debug
    char metrics_listen [64];   //  Prometheus endpoint "HOST:PORT" ("" = none)
    char repl_listen [256];     //  where children connect ("" = no children)
    bool has_parent;            //  false at the top (province)
    config_peer_t parent;       //  the node we push to
    config_peer_t children [CONFIG_CHILDREN_MAX];
    int n_children;
    int batch_max;              //  entries per replication batch
    int window;                 //  batches in flight upward (credit)
    int checkpoint_ms;          //  how often a new checkpoint is signed
    //  Refusals without amplification (README "Bounded resources"); 0 = no limit
    int client_rate;            //  requests/s of one key on the client socket (the admin's: none)
    int client_burst;           //  ... at once
    int query_rate;             //  queries/s of one key, on either socket
    int query_burst;            //  ... at once
    int audit_refusals;         //  a body's refused queries recorded one by one per minute
    int audit_window_ms;        //  one aggregated audit record per key per this long
    char file [512];            //  the file it was read from ("" = defaults only)
} config_t;

//  Fills cfg with the defaults.
void
    config_defaults (config_t *cfg);

//  Reads a JSON configuration file over cfg.  ERR_OK, ERR_IO (cannot
//  read), ERR_MALFORMED (bad JSON, unknown member, wrong type), ERR_BAD_FIELD
//  (a value out of range); why says which.
int MUST_CHECK
    config_load (config_t *cfg, const char *path, char *why, size_t why_size);

//  Checks the values.  ERR_OK or ERR_BAD_FIELD with why.
int MUST_CHECK
    config_check (const config_t *cfg, char *why, size_t why_size);

//  An HTTP listen address "HOST:PORT" (the metrics and dashboard
//  listener): HOST a numeric IPv4 address or empty (127.0.0.1), PORT
//  1..65535 (0 too if any_port: the system picks).  ERR_OK with *sa
//  filled, or ERR_BAD_FIELD with why.
int MUST_CHECK
    config_http_listen (const char *listen, bool any_port, struct sockaddr_in *sa,
                        char *why, size_t why_size);

#endif
