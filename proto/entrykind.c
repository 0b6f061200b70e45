/*  entrykind.c -- the kinds of log entry, one row each (see entrykind.h).  */
#include "proto/codec.h"
#include "proto/entrykind.h"

//  The row's decode, encode and free for message M of type T, through
//  the codec.
#define S_CODEC(name, T) \
    static int \
    s_##name##_decode (const uint8_t *buf, size_t size, void **body) \
    { \
        T *m = NULL; \
        int rc = codec_##name##_decode (buf, size, &m); \
        if (rc == ERR_OK) \
            *body = m; \
        return rc; \
    } \
    static int \
    s_##name##_encode (const void *body, uint8_t **buf, size_t *len) \
    { \
        return codec_##name##_encode ((const T *) body, buf, len); \
    } \
    static void \
    s_##name##_free (void **body_p) \
    { \
        T *m = (T *) *body_p; \
        codec_##name##_free (&m); \
        *body_p = NULL; \
    }

S_CODEC (event, Lic__Event)
S_CODEC (registration, Lic__Registration)
S_CODEC (node_record, Lic__NodeRecord)
S_CODEC (license_type, Lic__LicenseType)
S_CODEC (app_body_registration, Lic__AppBodyRegistration)
S_CODEC (audit_record, Lic__AuditRecord)

static bool
s_whole (const void *body)
{
    (void) body;
    return true;
}

static bool
s_registration_complete (const void *body)
{
    return ((const Lic__Registration *) body)->department != NULL;
}

static bool
s_app_body_complete (const void *body)
{
    return ((const Lic__AppBodyRegistration *) body)->body != NULL;
}

static const char *
s_no_division (const void *body)
{
    (void) body;
    return NULL;
}

static const char *
s_registration_division (const void *body)
{
    return ((const Lic__Registration *) body)->division;
}

static const char *
s_node_division (const void *body)
{
    return ((const Lic__NodeRecord *) body)->division;
}

static const char *
s_type_division (const void *body)
{
    return ((const Lic__LicenseType *) body)->division;
}

static const char *
s_app_body_division (const void *body)
{
    return ((const Lic__AppBodyRegistration *) body)->division;
}

static const char *
s_audit_division (const void *body)
{
    return ((const Lic__AuditRecord *) body)->division;
}

//  In EntryKind order: row i is kind i + 1.
static const entrykind_t s_kinds [ENTRYKIND_COUNT] = {
    { LIC__ENTRY_KIND__ENTRY_EVENT, "event", "event", ENTRYKIND_SIGNER_DEPARTMENT, true,
      s_event_decode, s_event_encode, s_event_free, s_whole, s_no_division },
    { LIC__ENTRY_KIND__ENTRY_REGISTRATION, "registration", "registration", ENTRYKIND_SIGNER_NODE,
      false, s_registration_decode, s_registration_encode, s_registration_free, s_registration_complete,
      s_registration_division },
    { LIC__ENTRY_KIND__ENTRY_NODE, "node", "node record", ENTRYKIND_SIGNER_NODE, false,
      s_node_record_decode, s_node_record_encode, s_node_record_free, s_whole, s_node_division },
    { LIC__ENTRY_KIND__ENTRY_CATALOGUE, "catalogue", "catalogue", ENTRYKIND_SIGNER_NODE, false,
      s_license_type_decode, s_license_type_encode, s_license_type_free, s_whole, s_type_division },
    { LIC__ENTRY_KIND__ENTRY_APP_BODY, "app_body", "application body", ENTRYKIND_SIGNER_NODE,
      false, s_app_body_registration_decode, s_app_body_registration_encode,
      s_app_body_registration_free, s_app_body_complete,
      s_app_body_division },
    { LIC__ENTRY_KIND__ENTRY_AUDIT, "audit", "audit", ENTRYKIND_SIGNER_NODE, false,
      s_audit_record_decode, s_audit_record_encode, s_audit_record_free, s_whole, s_audit_division },
};

const entrykind_t *
entrykind_of (int kind)
{
    return kind >= 1 && kind <= ENTRYKIND_COUNT? &s_kinds [kind - 1]: NULL;
}

const entrykind_t *
entrykind_at (size_t i)
{
    return i < ENTRYKIND_COUNT? &s_kinds [i]: NULL;
}
