/*  codec.c -- protobuf-c adapter (see codec.h).

    Decoding is bounded twice: the frame by CODEC_FRAME_MAX here, and each
    socket by ZMQ_MAXMSGSIZE in node/.  protobuf-c's unpack is bounded by
    the buffer it is given, so a hostile frame costs at most a few times
    its own size in memory.  Version checks live here so no handler sees
    a message of a version it does not speak.
*/
#include <stdlib.h>
#include <string.h>
#include "codec.h"

#define CODEC_DEFINE(name, T, prefix, versioned) \
    CODEC_DEFINE_MAX (name, T, prefix, versioned, CODEC_FRAME_MAX)
#define CODEC_DEFINE_MAX(name, T, prefix, versioned, limit) \
int \
codec_##name##_decode (const uint8_t *buf, size_t size, T **out) \
{ \
    if (size > (limit)) \
        return ERR_TOO_LARGE; \
    T *m = prefix##__unpack (NULL, size, buf); \
    if (!m) \
        return ERR_MALFORMED; \
    if (versioned && s_version_of (m) != CODEC_VERSION) { \
        /*  No version at all (an empty or foreign frame) is malformed;  */ \
        /*  another version is a version this node does not speak.      */ \
        int rc = s_version_of (m) == 0? ERR_MALFORMED: ERR_VERSION; \
        prefix##__free_unpacked (m, NULL); \
        return rc; \
    } \
    *out = m; \
    return ERR_OK; \
} \
int \
codec_##name##_encode (const T *msg, uint8_t **buf, size_t *size) \
{ \
    size_t n = prefix##__get_packed_size (msg); \
    uint8_t *b = malloc (n? n: 1); \
    if (!b) \
        return ERR_NOMEM; \
    prefix##__pack (msg, b); \
    *buf = b; \
    *size = n; \
    return ERR_OK; \
} \
void \
codec_##name##_free (T **msg_p) \
{ \
    if (msg_p && *msg_p) { \
        prefix##__free_unpacked (*msg_p, NULL); \
        *msg_p = NULL; \
    } \
}

//  Every versioned message has `version` as field 1.
#define s_version_of(m) ((m)->version)
#define s_no_version(m) (CODEC_VERSION)

CODEC_DEFINE (request, Lic__Request, lic__request, 1)
CODEC_DEFINE (reply, Lic__Reply, lic__reply, 1)
CODEC_DEFINE (event, Lic__Event, lic__event, 0)
CODEC_DEFINE (registration, Lic__Registration, lic__registration, 1)
CODEC_DEFINE (entry, Lic__LogEntry, lic__log_entry, 1)
CODEC_DEFINE_MAX (repl, Lic__Repl, lic__repl, 1, CODEC_REPL_MAX)
CODEC_DEFINE (node_record, Lic__NodeRecord, lic__node_record, 1)
CODEC_DEFINE (app_body_registration, Lic__AppBodyRegistration, lic__app_body_registration, 1)
CODEC_DEFINE (audit_record, Lic__AuditRecord, lic__audit_record, 1)
CODEC_DEFINE (copy_content, Lic__CopyContent, lic__copy_content, 1)
CODEC_DEFINE (copy_statement, Lic__CopyStatement, lic__copy_statement, 1)
CODEC_DEFINE (license_copy, Lic__LicenseCopy, lic__license_copy, 1)
#undef s_version_of
#define s_version_of(m) CODEC_VERSION
CODEC_DEFINE (envelope, Lic__Envelope, lic__envelope, 0)
CODEC_DEFINE (state, Lic__LicenseState, lic__license_state, 0)
CODEC_DEFINE (department, Lic__Department, lic__department, 0)
CODEC_DEFINE (license_type, Lic__LicenseType, lic__license_type, 0)

void codec_request_init (Lic__Request *m) { lic__request__init (m); m->version = CODEC_VERSION; }
void codec_reply_init (Lic__Reply *m) { lic__reply__init (m); m->version = CODEC_VERSION; }
void codec_event_init (Lic__Event *m) { lic__event__init (m); m->version = CODEC_VERSION; }
void codec_envelope_init (Lic__Envelope *m) { lic__envelope__init (m); }
void codec_registration_init (Lic__Registration *m) { lic__registration__init (m); m->version = CODEC_VERSION; }
void codec_entry_init (Lic__LogEntry *m) { lic__log_entry__init (m); m->version = CODEC_VERSION; }
void codec_state_init (Lic__LicenseState *m) { lic__license_state__init (m); }
void codec_department_init (Lic__Department *m) { lic__department__init (m); }
void codec_repl_init (Lic__Repl *m) { lic__repl__init (m); m->version = CODEC_VERSION; }
void codec_node_record_init (Lic__NodeRecord *m) { lic__node_record__init (m); m->version = CODEC_VERSION; }
void codec_license_type_init (Lic__LicenseType *m) { lic__license_type__init (m); }
void codec_content_init (Lic__LicenseContent *m) { lic__license_content__init (m); }
void codec_holder_init (Lic__Holder *m) { lic__holder__init (m); }
void codec_item_init (Lic__DataItem *m) { lic__data_item__init (m); }
void codec_app_body_registration_init (Lic__AppBodyRegistration *m) { lic__app_body_registration__init (m); m->version = CODEC_VERSION; }
void codec_audit_record_init (Lic__AuditRecord *m) { lic__audit_record__init (m); m->version = CODEC_VERSION; }
void codec_copy_content_init (Lic__CopyContent *m) { lic__copy_content__init (m); m->version = CODEC_VERSION; }
void codec_copy_statement_init (Lic__CopyStatement *m) { lic__copy_statement__init (m); m->version = CODEC_VERSION; }
void codec_license_copy_init (Lic__LicenseCopy *m) { lic__license_copy__init (m); m->version = CODEC_VERSION; }

int
codec_set_string (char **field, const char *value)
{
    char *copy = strdup (value? value: "");
    if (!copy)
        return ERR_NOMEM;
    if (*field && *field != protobuf_c_empty_string)
        free (*field);
    *field = copy;
    return ERR_OK;
}

size_t
codec_reply_size (const Lic__Reply *reply)
{
    return lic__reply__get_packed_size (reply);
}

size_t
codec_record_size (const Lic__LicenseRecord *rec)
{
    return lic__license_record__get_packed_size (rec);
}
