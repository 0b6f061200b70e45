/*  admin.h -- the operator's requests on the client socket (admin.c).
    Each handler answers on the client socket and takes *route_p; the
    caller has checked that the operator's key sent the request.
*/
#ifndef LICREPO_ADMIN_H
#define LICREPO_ADMIN_H

#include "node/serve/server_int.h"

//  Registers an application body (submitted to the pipeline after its
//  checks; takes *req_p then) or lists those registered here.
void
    admin_on_app_body (server_t *self, zframe_t **route_p, Lic__Request **req_p);

//  Answers req with a reply that build fills (its body allocated and
//  set; freed with the reply); on failure, an error naming `what`.
void
    admin_answer_built (server_t *self, zframe_t **route_p, const Lic__Request *req,
                        int (*build) (server_t *self, const Lic__Request *req, Lic__Reply *reply),
                        const char *what);

//  Builders for admin_answer_built: the audit listing, the quarantine.
int
    admin_build_audit (server_t *self, const Lic__Request *req, Lic__Reply *reply);
int
    admin_build_quarantine (server_t *self, const Lic__Request *req, Lic__Reply *reply);

//  A license (as of a time, with its history), a holder's licenses, the
//  log, a page at a time.
void
    admin_on_get (server_t *self, zframe_t **route_p, const Lic__Request *req);
void
    admin_on_find (server_t *self, zframe_t **route_p, const Lic__Request *req);
void
    admin_on_log (server_t *self, zframe_t **route_p, const Lic__Request *req);

//  The repository's digest; inclusion and consistency proofs.
void
    admin_on_digest (server_t *self, zframe_t **route_p, const Lic__Request *req);
void
    admin_on_prove (server_t *self, zframe_t **route_p, const Lic__Request *req);

//  Starts a backup (one at a time; answered by admin_on_backup_done when
//  its thread is done, keeping *route_p until then).
void
    admin_on_backup (server_t *self, zframe_t **route_p, const Lic__Request *req);
void
    admin_on_backup_done (server_t *self);

//  Reports (lateness: same-day release, regulation Art. 7-8).
void
    admin_on_report (server_t *self, zframe_t **route_p, const Lic__Request *req);

//  The checks of a department before it is registered.  ERR_OK or the
//  refusal, why saying more.
int
    admin_check_department (const Lic__Department *d, char *why, size_t why_size);

#endif
