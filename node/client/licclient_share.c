/*  licclient_share.c -- liblicclient's side of sharing within scope
    (proto/README.md section 11): application bodies, scoped queries, the
    audit log, and the offline check of an archived copy, which is pure
    code in proto/copycheck.c exported here as licclient_verify_copy.
*/
#include <czmq.h>
#include "proto/codec.h"
#include "proto/copycheck.h"
#include "node/client/licclient.h"

int
licclient_query (licclient_t *self, const Lic__QueryRequest *q, Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_QUERY;
    req.query = (Lic__QueryRequest *) q;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_audit (licclient_t *self, const Lic__AuditRequest *a, Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_AUDIT;
    req.audit = (Lic__AuditRequest *) a;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_app_body (licclient_t *self, const Lic__AppBody *add, Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__AppBodyRequest r = LIC__APP_BODY_REQUEST__INIT;
    codec_request_init (&req);
    r.add = (Lic__AppBody *) add;
    r.list = add == NULL;
    req.body_case = LIC__REQUEST__BODY_APP_BODY;
    req.app_body = &r;
    return licclient_call (self, &req, reply, timeout_ms);
}

// ---------------------------------------------------------------------
//  Offline check of an archived copy: proto/copycheck.c, exported here

int
licclient_verify_copy (const uint8_t *file, size_t len, const uint8_t (*trust) [32], size_t n_trust,
                       int64_t now, licclient_copy_t *out, char *why, size_t why_size)
{
    copycheck_t c;
    int rc = copycheck_verify (file, len, trust, n_trust, now, &c, why, why_size);
    //  The public struct is the same, field for field.
#define S_COPY(f) do { \
        _Static_assert (sizeof out->f == sizeof c.f, "licclient_copy_t." #f " is copycheck_t's"); \
        memcpy (&out->f, &c.f, sizeof out->f); \
    } while (0)
    memset (out, 0, sizeof *out);
    S_COPY (license_id); S_COPY (status); S_COPY (version); S_COPY (pledged);
    S_COPY (at); S_COPY (expires_at); S_COPY (maker_code); S_COPY (maker_name);
    S_COPY (staff_id); S_COPY (matter_code); S_COPY (case_number); S_COPY (purpose);
    S_COPY (division); S_COPY (issuer); S_COPY (department); S_COPY (type_name);
    S_COPY (type_version); S_COPY (events); S_COPY (disclosed); S_COPY (masked);
    S_COPY (has_file); S_COPY (file_digest);
#undef S_COPY
    return rc;
}
