/*  server.h -- licnode's client-facing socket and main loop.  */
#ifndef LICREPO_SERVER_H
#define LICREPO_SERVER_H

#include "node/base/config.h"
#include "proto/err.h"
#include "node/base/identity.h"
#include "node/store/store_rocks.h"
#include "node/store/views.h"

typedef struct server_t server_t;

//  Starts the ZAP handler, the ingest pipeline and binds cfg->listen.
//  cfg, id, store and views are borrowed and must outlive the server.
//  ERR_OK, ERR_IO (cannot bind: why says so), ERR_NOMEM, ERR_INTERNAL.
int MUST_CHECK
    server_new (server_t **out, const config_t *cfg, identity_t *id, store_t *store,
                views_t *views, char *why, size_t why_size);

//  Serves until SIGINT/SIGTERM, then stops reading, drains what is in
//  flight (10 s at most) and returns ERR_OK.
int
    server_run (server_t *self);

void
    server_destroy (server_t **self_p);

#endif
