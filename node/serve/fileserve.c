/*  fileserve.c -- license files on the client socket (see fileserve.h).
    The rules on the bytes are files_put's (node/store/files.h); this
    file only checks who asks and the form of the request.
*/
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include "node/serve/dispatch.h"
#include "node/serve/fileserve.h"
#include "node/store/files.h"
#include "node/serve/server_int.h"

void
fileserve_on_request (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    Lic__Reply *reply = calloc (1, sizeof *reply);
    if (!reply) {
        server_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    codec_reply_init (reply);
    reply->id = req->id;
    char why [512] = "";
    //  A department's puts count against its budget (files_put_by); the
    //  operator's do not.  A department is admitted under its credit code.
    const char *department = NULL;
    unsigned roles = dispatch_roles (self->keys, self->id->admin.curve_pk, user);
    if (!(roles & DISPATCH_OPERATOR) && (roles & DISPATCH_DEPARTMENT)
    &&  zap_keys_check (self->keys, "licrepo", user, &department) != ZAP_ADMITTED)
        department = NULL;
    uint64_t budget = (uint64_t) self->cfg->file_budget_mb << 20;
    int rc = fileserve_request (self->store, req->file, department, budget,
                                (int64_t) time (NULL), reply, why, sizeof why);
    if (rc == ERR_OK)
        server_send (self, route_p, reply);
    else
        server_send_error (self, route_p, req->id, rc, "%s", why);
    codec_reply_free (&reply);
}

int
fileserve_request (store_t *store, const Lic__FileRequest *f, const char *department,
                   uint64_t budget, int64_t now, Lic__Reply *reply, char *why, size_t why_size)
{
    if (f->digest.len != FILES_DIGEST) {
        err_why (why, why_size, "a file is named by its 32-byte SHA-256 digest, not %zu bytes",
                 f->digest.len);
        return ERR_BAD_FIELD;
    }
    Lic__FileResult *res = calloc (1, sizeof *res);
    uint8_t *digest = malloc (FILES_DIGEST);
    if (!res || !digest) {
        free (res);
        free (digest);
        return ERR_NOMEM;
    }
    lic__file_result__init (res);
    memcpy (digest, f->digest.data, FILES_DIGEST);
    res->digest.data = digest;
    res->digest.len = FILES_DIGEST;
    reply->body_case = LIC__REPLY__BODY_FILE;
    reply->file = res;

    files_info_t info;
    int rc;
    if (f->total || f->data.len) {
        if (f->status) {
            err_why (why, why_size, "a put (total > 0 or data) cannot be a status too");
            return ERR_BAD_FIELD;
        }
        rc = files_put_by (store, department, budget, digest, f->offset, f->total,
                           f->data.data, f->data.len, now, &info, why, why_size);
        if (rc == ERR_GAP && files_info (store, digest, &info) == ERR_OK)
            err_why (why, why_size, "the upload stands at offset %" PRIu64 ", not %" PRIu64
                     ": send from there", info.received, f->offset);
    }
    else
    if (f->status) {
        rc = files_info (store, digest, &info);
        if (rc == ERR_NOT_FOUND) {
            memset (&info, 0, sizeof info);
            rc = ERR_OK;            //  nothing of it here: present false, received 0
        }
        else
        if (rc != ERR_OK)
            err_why (why, why_size, "the file's state could not be read: %s", err_str (rc));
    }
    else {
        uint8_t *data = NULL;
        size_t len = 0;
        uint64_t total = 0;
        size_t want = f->length && f->length < FILES_CHUNK? f->length: FILES_CHUNK;
        rc = files_read (store, digest, f->offset, want, &data, &len, &total);
        if (rc == ERR_NOT_FOUND)
            err_why (why, why_size, "no such file here (or its upload is not complete)");
        else
        if (rc == ERR_BAD_FIELD)
            err_why (why, why_size, "offset %" PRIu64 " is past the end of the file (%" PRIu64
                     " bytes)", f->offset, total);
        else
        if (rc != ERR_OK)
            err_why (why, why_size, "the file could not be read: %s", err_str (rc));
        if (rc != ERR_OK) {
            free (data);
            return rc;
        }
        res->data.data = data;
        res->data.len = len;
        res->offset = f->offset;
        memset (&info, 0, sizeof info);
        info.present = true;
        info.total = info.received = total;
    }
    if (rc != ERR_OK)
        return rc;
    res->present = info.present;
    res->total = info.total;
    res->received = info.received;
    return ERR_OK;
}
