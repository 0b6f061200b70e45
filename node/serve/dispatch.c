/*  dispatch.c -- the client socket's request table and its one role
    check (dispatch.h).
*/
#include "node/serve/admin.h"
#include "node/serve/dispatch.h"
#include "node/serve/fileserve.h"
#include "node/serve/reads.h"
#include "node/serve/server_int.h"

//  A publish, a batch of them and a node key's revocation go to the
//  pipeline as they are: the sequencer judges them (each envelope's
//  signer against the registry; the revocation by proto/authority.h).
static void
s_to_pipeline (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    ingest_submit (self->ingest, route_p, req_p);
}

//  An operator's decision on a held entry (node/pipeline/held.c).
static void
s_to_decision (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    ingest_submit_decision (self->ingest, route_p, req_p);
}

//  Application bodies may query here too; the query module answers only
//  the keys of bodies registered at this node, and records every query
//  and refusal (README "Every query recorded").
static void
s_on_query (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    query_on_request (self->query, SERVER_CHANNEL_MAIN, route_p, user, *req_p, (*req_p)->id, ERR_OK);
}

#define S_OPERATOR DISPATCH_OPERATOR
#define S_ANYONE DISPATCH_ANYONE

static const dispatch_row_t s_rows [DISPATCH_KINDS] = {
    [DISPATCH_PUBLISH] = { DISPATCH_PUBLISH, "publish", S_ANYONE, NULL, s_to_pipeline },
    [DISPATCH_PUBLISH_BATCH] = { DISPATCH_PUBLISH_BATCH, "publish batch", S_ANYONE, NULL,
        s_to_pipeline },
    [DISPATCH_REGISTER] = { DISPATCH_REGISTER, "register", S_OPERATOR,
        "only the node's admin key may register departments", admin_on_register },
    [DISPATCH_GET] = { DISPATCH_GET, "get", S_OPERATOR,
        "reads are for the node's operator (application bodies use scoped queries)", admin_on_get },
    [DISPATCH_FIND] = { DISPATCH_FIND, "find", S_OPERATOR,
        "reads are for the node's operator (application bodies use scoped queries)", admin_on_find },
    [DISPATCH_LOG] = { DISPATCH_LOG, "log", S_OPERATOR,
        "reads are for the node's operator (application bodies use scoped queries)", admin_on_log },
    [DISPATCH_STATUS] = { DISPATCH_STATUS, "status", S_ANYONE, NULL, reads_on_status },
    //  Digests and proofs reveal nothing a department or a child may not
    //  know of the repository's integrity; but they cost a scan (digest),
    //  so they are the operator's.
    [DISPATCH_DIGEST] = { DISPATCH_DIGEST, "digest", S_OPERATOR,
        "digests and proofs are for the node's operator", admin_on_digest },
    [DISPATCH_PROVE] = { DISPATCH_PROVE, "prove", S_OPERATOR,
        "digests and proofs are for the node's operator", admin_on_prove },
    [DISPATCH_BACKUP] = { DISPATCH_BACKUP, "backup", S_OPERATOR,
        "backups are for the node's operator", admin_on_backup },
    [DISPATCH_CATALOGUE_READ] = { DISPATCH_CATALOGUE_READ, "catalogue", S_ANYONE, NULL,
        reads_on_catalogue_read },
    [DISPATCH_CATALOGUE_ADD] = { DISPATCH_CATALOGUE_ADD, "catalogue add", S_OPERATOR,
        "only the node's admin key may change the catalogue", admin_on_catalogue_add },
    [DISPATCH_BLOB_GET] = { DISPATCH_BLOB_GET, "blob", S_ANYONE, NULL, reads_on_blob },
    [DISPATCH_BLOB_PUT] = { DISPATCH_BLOB_PUT, "blob put", S_OPERATOR,
        "storing blobs is for the node's operator", admin_on_blob_put },
    [DISPATCH_REPORT] = { DISPATCH_REPORT, "report", S_OPERATOR,
        "reports are for the node's operator", admin_on_report },
    [DISPATCH_QUERY] = { DISPATCH_QUERY, "query", S_ANYONE, NULL, s_on_query },
    [DISPATCH_AUDIT] = { DISPATCH_AUDIT, "audit", S_OPERATOR,
        "the audit log is for the node's operator", admin_on_audit },
    [DISPATCH_APP_BODY_LIST] = { DISPATCH_APP_BODY_LIST, "app-body list", S_OPERATOR,
        "only the node's admin key may register or list application bodies", admin_on_app_body_list },
    [DISPATCH_APP_BODY_ADD] = { DISPATCH_APP_BODY_ADD, "app-body add", S_OPERATOR,
        "only the node's admin key may register or list application bodies", admin_on_app_body_add },
    [DISPATCH_QUARANTINE] = { DISPATCH_QUARANTINE, "quarantine", S_OPERATOR,
        "the quarantine is for the node's operator", admin_on_quarantine },
    [DISPATCH_NODE_REVOKE] = { DISPATCH_NODE_REVOKE, "node revoke", S_OPERATOR,
        "only the node's admin key may revoke a node's key", s_to_pipeline },
    [DISPATCH_QUARANTINE_DECIDE] = { DISPATCH_QUARANTINE_DECIDE, "quarantine decide", S_OPERATOR,
        "only the node's admin key may release or reject a held entry", s_to_decision },
    //  License files (proto/README.md section 12): a department puts the
    //  files of its licenses; anyone admitted may ask whether one is here;
    //  reading one is the operator's (application bodies: a scoped query).
    [DISPATCH_FILE_PUT] = { DISPATCH_FILE_PUT, "file put", S_OPERATOR | DISPATCH_DEPARTMENT,
        "files are put by departments and the node's operator", fileserve_on_request },
    [DISPATCH_FILE_STATUS] = { DISPATCH_FILE_STATUS, "file status", S_ANYONE, NULL,
        fileserve_on_request },
    [DISPATCH_FILE_GET] = { DISPATCH_FILE_GET, "file get", S_OPERATOR,
        "reading a file is for the node's operator (application bodies read a license's "
        "file by a scoped query)", fileserve_on_request },
};

dispatch_kind_t
dispatch_kind (const Lic__Request *req)
{
    switch (req->body_case) {
        case LIC__REQUEST__BODY_PUBLISH:    return DISPATCH_PUBLISH;
        case LIC__REQUEST__BODY_PUBLISH_BATCH: return DISPATCH_PUBLISH_BATCH;
        case LIC__REQUEST__BODY_REGISTER:   return DISPATCH_REGISTER;
        case LIC__REQUEST__BODY_GET:        return DISPATCH_GET;
        case LIC__REQUEST__BODY_FIND:       return DISPATCH_FIND;
        case LIC__REQUEST__BODY_LOG:        return DISPATCH_LOG;
        case LIC__REQUEST__BODY_STATUS:     return DISPATCH_STATUS;
        case LIC__REQUEST__BODY_DIGEST:     return DISPATCH_DIGEST;
        case LIC__REQUEST__BODY_PROVE:      return DISPATCH_PROVE;
        case LIC__REQUEST__BODY_BACKUP:     return DISPATCH_BACKUP;
        case LIC__REQUEST__BODY_REPORT:     return DISPATCH_REPORT;
        case LIC__REQUEST__BODY_QUERY:      return DISPATCH_QUERY;
        case LIC__REQUEST__BODY_AUDIT:      return DISPATCH_AUDIT;
        case LIC__REQUEST__BODY_QUARANTINE: return DISPATCH_QUARANTINE;
        case LIC__REQUEST__BODY_NODE_REVOKE: return DISPATCH_NODE_REVOKE;
        case LIC__REQUEST__BODY_QUARANTINE_DECIDE: return DISPATCH_QUARANTINE_DECIDE;
        case LIC__REQUEST__BODY_CATALOGUE:
            return req->catalogue->add? DISPATCH_CATALOGUE_ADD: DISPATCH_CATALOGUE_READ;
        case LIC__REQUEST__BODY_BLOB:
            return req->blob->put.len? DISPATCH_BLOB_PUT: DISPATCH_BLOB_GET;
        case LIC__REQUEST__BODY_APP_BODY:
            return req->app_body->add? DISPATCH_APP_BODY_ADD: DISPATCH_APP_BODY_LIST;
        case LIC__REQUEST__BODY_FILE:
            return req->file->total || req->file->data.len? DISPATCH_FILE_PUT
                 : req->file->status? DISPATCH_FILE_STATUS: DISPATCH_FILE_GET;
        default:
            return DISPATCH_UNKNOWN;
    }
}

const dispatch_row_t *
dispatch_row (dispatch_kind_t kind)
{
    if (kind <= DISPATCH_UNKNOWN || kind >= DISPATCH_KINDS)
        return NULL;
    return &s_rows [kind];
}

unsigned
dispatch_roles (const zap_keys_t *keys, const char *admin_z85, const char *user)
{
    unsigned roles = 0;
    const char *name = "";
    if (user && admin_z85 && streq (user, admin_z85))
        roles |= DISPATCH_OPERATOR;
    if (!keys || !user)
        return roles;
    if (zap_keys_check (keys, "licrepo-query", user, NULL) == ZAP_ADMITTED)
        roles |= DISPATCH_APP_BODY;
    if (zap_keys_check (keys, "licrepo-replication", user, NULL) == ZAP_ADMITTED)
        roles |= DISPATCH_CHILD;
    //  Admitted on the client socket under a name that is not the
    //  operator's, a body's or a child's: a department's credit code.
    if (zap_keys_check (keys, "licrepo", user, &name) == ZAP_ADMITTED
    &&  !streq (name, "admin") && !zap_admits ("licrepo-query", name)
    &&  !zap_admits ("licrepo-replication", name))
        roles |= DISPATCH_DEPARTMENT;
    return roles;
}

int
dispatch_allowed (const dispatch_row_t *row, unsigned roles, char *why, size_t why_size)
{
    if (row && (row->who & roles))
        return ERR_OK;
    snprintf (why, why_size, "%s", row && row->refused? row->refused
                                   : "this key may not send this request here");
    return ERR_FORBIDDEN;
}

void
dispatch_request (server_t *self, dispatch_kind_t kind, zframe_t **route_p, Lic__Request **req_p,
                  const char *user, unsigned roles)
{
    const dispatch_row_t *row = dispatch_row (kind);
    char why [256];
    if (!row) {
        self->bad_frames++;
        server_send_error (self, route_p, (*req_p)->id, ERR_MALFORMED, "request has no known body");
    }
    else
    if (dispatch_allowed (row, roles, why, sizeof why) != ERR_OK)
        server_send_error (self, route_p, (*req_p)->id, ERR_FORBIDDEN, "%s", why);
    else
        row->handler (self, route_p, req_p, user);
    codec_request_free (req_p);
    zframe_destroy (route_p);
}
