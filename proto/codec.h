/*  codec.h -- frames to messages and back.  The only module that calls
    protobuf-c: every decode is bounded by CODEC_FRAME_MAX before
    unpacking, and top-level messages must carry CODEC_VERSION.

    Decoded messages are the caller's: free them with the matching
    codec_*_free.  Encoded buffers are malloc'd: the caller frees them.
*/
#ifndef LICREPO_CODEC_H
#define LICREPO_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "msg.h"

#define CODEC_VERSION    1
#define CODEC_FRAME_MAX  (256 * 1024)   //  largest client frame a node accepts
#define CODEC_REPL_MAX   (4 * 1024 * 1024)   //  largest replication frame

//  For each message M below:
//    int  codec_M_decode (const uint8_t *buf, size_t size, T **out);
//        ERR_OK, ERR_TOO_LARGE (size > CODEC_FRAME_MAX), ERR_MALFORMED
//        (does not unpack, or a top-level message without a version),
//        ERR_VERSION (top-level message of another version), ERR_NOMEM.  *out is set only on ERR_OK.
//    int  codec_M_encode (const T *msg, uint8_t **buf, size_t *size);
//        ERR_OK or ERR_NOMEM.
//    void codec_M_free (T **msg_p);   accepts NULL, nulls the pointer
#define CODEC_DECLARE(name, T) \
    int MUST_CHECK codec_##name##_decode (const uint8_t *buf, size_t size, T **out); \
    int MUST_CHECK codec_##name##_encode (const T *msg, uint8_t **buf, size_t *size); \
    void codec_##name##_free (T **msg_p);

CODEC_DECLARE (request, Lic__Request)
CODEC_DECLARE (reply, Lic__Reply)
CODEC_DECLARE (event, Lic__Event)
CODEC_DECLARE (envelope, Lic__Envelope)
CODEC_DECLARE (registration, Lic__Registration)
CODEC_DECLARE (entry, Lic__LogEntry)
CODEC_DECLARE (state, Lic__LicenseState)
CODEC_DECLARE (department, Lic__Department)
CODEC_DECLARE (repl, Lic__Repl)
CODEC_DECLARE (node_record, Lic__NodeRecord)
CODEC_DECLARE (license_type, Lic__LicenseType)
CODEC_DECLARE (app_body_registration, Lic__AppBodyRegistration)
CODEC_DECLARE (audit_record, Lic__AuditRecord)
CODEC_DECLARE (copy_content, Lic__CopyContent)
CODEC_DECLARE (copy_statement, Lic__CopyStatement)
CODEC_DECLARE (license_copy, Lic__LicenseCopy)

//  Replaces a string member of a decoded (or malloc-built) message by a
//  copy of value, freeing the old one.  ERR_OK or ERR_NOMEM.
int MUST_CHECK codec_set_string (char **field, const char *value);

//  Packed size of a reply (to bound the answers held in memory).
size_t codec_reply_size (const Lic__Reply *reply);

//  Packed size of a license record (to bound replies).
size_t codec_record_size (const Lic__LicenseRecord *rec);

//  Initialisers, so callers need not know the generated macro names.
void codec_request_init (Lic__Request *m);
void codec_reply_init (Lic__Reply *m);
void codec_event_init (Lic__Event *m);
void codec_envelope_init (Lic__Envelope *m);
void codec_registration_init (Lic__Registration *m);
void codec_entry_init (Lic__LogEntry *m);
void codec_state_init (Lic__LicenseState *m);
void codec_department_init (Lic__Department *m);
void codec_repl_init (Lic__Repl *m);
void codec_node_record_init (Lic__NodeRecord *m);
void codec_license_type_init (Lic__LicenseType *m);
void codec_content_init (Lic__LicenseContent *m);
void codec_holder_init (Lic__Holder *m);
void codec_item_init (Lic__DataItem *m);
void codec_app_body_registration_init (Lic__AppBodyRegistration *m);
void codec_audit_record_init (Lic__AuditRecord *m);
void codec_copy_content_init (Lic__CopyContent *m);
void codec_copy_statement_init (Lic__CopyStatement *m);
void codec_license_copy_init (Lic__LicenseCopy *m);

#endif
