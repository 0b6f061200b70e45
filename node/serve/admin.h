/*  admin.h -- the operator's requests on the client socket (admin.c).
    Handlers of the dispatch table (dispatch.h: dispatch_fn), called once
    dispatch_allowed has found the operator's key behind the request.
    Each answers on the client socket or hands the request on to the
    pipeline, taking *route_p (and then *req_p).
*/
#ifndef LICREPO_ADMIN_H
#define LICREPO_ADMIN_H

#include "node/serve/server_int.h"

//  Registrations, checked here and then sequenced by the pipeline: a
//  department, an application body, a version of a license type.
void
    admin_on_register (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);
void
    admin_on_app_body_add (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);
void
    admin_on_catalogue_add (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);

//  Listings: the application bodies, the audit log, the quarantine.
void
    admin_on_app_body_list (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);
void
    admin_on_audit (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);
void
    admin_on_quarantine (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);

//  A license (as of a time, with its history), a holder's licenses, the
//  log, a page at a time.
void
    admin_on_get (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);
void
    admin_on_find (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);
void
    admin_on_log (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);

//  The repository's digest; inclusion and consistency proofs.
void
    admin_on_digest (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);
void
    admin_on_prove (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);

//  Starts a backup (one at a time; answered by admin_on_backup_done when
//  its thread is done, keeping *route_p until then).
void
    admin_on_backup (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);
void
    admin_on_backup_done (server_t *self);

//  Reports (lateness: same-day release, regulation Art. 7-8).
void
    admin_on_report (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);

//  Stores a blob (at most 192 KiB) under its BLAKE2b digest.
void
    admin_on_blob_put (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user);

#endif
