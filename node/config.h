/*  config.h -- licnode's configuration: one JSON file, every member
    optional (deploy/licnode.sample.json documents them all).  With no
    file the node runs on safe defaults: data under ./licnode-data,
    listening on 127.0.0.1 only.
*/
#ifndef LICREPO_CONFIG_H
#define LICREPO_CONFIG_H

#include <stddef.h>
#include "err.h"

typedef struct {
    char division [16];         //  GB/T 2260 code of this node's area
    char name [128];            //  human name of the repository
    char data_dir [512];        //  where the database and keys live
    char listen [256];          //  client endpoint (publish, query, admin)
    int verify_threads;         //  signature checking threads
    size_t cache_mb;            //  RocksDB block cache
    char log_level [16];        //  error, warn, info, debug
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

#endif
