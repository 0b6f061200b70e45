/*  entrykind.c -- the kinds of log entry, one row each (see entrykind.h).  */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "proto/text.h"
#include "proto/lifecycle.h"
#include "proto/seal.h"

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
S_CODEC (quarantine_decision, Lic__QuarantineDecision)

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

static const char *
s_decision_division (const void *body)
{
    return ((const Lic__QuarantineDecision *) body)->division;
}

static bool
s_decision_complete (const void *body)
{
    const Lic__QuarantineDecision *d = (const Lic__QuarantineDecision *) body;
    return d->division && *d->division && d->origin && *d->origin && d->origin_seq > 0
        && d->entry.len > 0;
}

static void
s_decision_summary (const void *body, char *out, size_t size)
{
    const Lic__QuarantineDecision *d = (const Lic__QuarantineDecision *) body;
    snprintf (out, size, "quarantine: %s %s/%" PRIu64 " (held: %s), decided at %s: %s",
              d->release? "released": "rejected", d->origin, d->origin_seq, d->held_reason,
              d->division, d->reason);
}

// ---------------------------------------------------------------------
//  One line about a body (the summary column): the lines `licctl log`
//  has always printed.

//  The first 8 bytes of a key in hex: its fingerprint in logs and lists.
static const char *
s_fp (const ProtobufCBinaryData *key, char out [17])
{
    if (key->len < 8)
        return "-";
    seal_hex (out, key->data, 8);
    return out;
}

static void
s_event_summary (const void *body, char *out, size_t size)
{
    const Lic__Event *ev = (const Lic__Event *) body;
    snprintf (out, size, "%s %s v%u by %s", lifecycle_op_name (ev->op), ev->license_id,
              ev->expected_version, ev->issuer_code);
}

static void
s_registration_summary (const void *body, char *out, size_t size)
{
    const Lic__Department *d = ((const Lic__Registration *) body)->department;
    snprintf (out, size, "register %s %s (%zu types, %zu keys, %zu revoked)", d->credit_code,
              d->name, d->n_license_types, d->n_sign_keys, d->n_revoked_keys);
}

static void
s_node_summary (const void *body, char *out, size_t size)
{
    const Lic__NodeRecord *nr = (const Lic__NodeRecord *) body;
    char fp [17], fp2 [17];
    if (nr->revocation)
        snprintf (out, size, "node key revoked: %s's key %s, by %s, void after origin seq %" PRIu64,
                  nr->division, s_fp (&nr->sign_key, fp), nr->parent_division, nr->revoked_after);
    else
        snprintf (out, size, "node record: %s has key %s, vouched for by %s%s%s", nr->division,
                  s_fp (&nr->sign_key, fp), nr->parent_division,
                  nr->replaces_key.len? ", replacing key ": "",
                  nr->replaces_key.len? s_fp (&nr->replaces_key, fp2): "");
}

static void
s_type_summary (const void *body, char *out, size_t size)
{
    const Lic__LicenseType *lt = (const Lic__LicenseType *) body;
    snprintf (out, size, "catalogue %s version %u %s (%zu items)%s", lt->type_code, lt->version,
              lt->name, lt->n_items, lt->withdrawn? " WITHDRAWN": "");
}

static void
s_app_body_summary (const void *body, char *out, size_t size)
{
    const Lic__AppBody *a = ((const Lic__AppBodyRegistration *) body)->body;
    char fp [17];
    snprintf (out, size, "application body %s %s (%zu types, %zu matters, %zu clearances, key %s)%s",
              a->credit_code, a->name, a->n_license_types, a->n_matters, a->n_clearance,
              s_fp (&a->curve_key, fp), a->revoked? " REVOKED": "");
}

static void
s_audit_summary (const void *body, char *out, size_t size)
{
    static const char *kinds [] = { "none", "get", "find", "status", "copy" };
    const Lic__AuditRecord *r = (const Lic__AuditRecord *) body;
    const char *kind = r->kind >= 0 && r->kind <= 4? kinds [r->kind]: "?";
    char t [32], fp [17], cnt [32];
    if (r->count)
        snprintf (out, size, "audit: %u refused requests of key %s%s%s since %s (first: %s)",
                  r->count, s_fp (&r->body_key, fp), *r->body_code? ", body ": "", r->body_code,
                  lifecycle_time_shown (r->window_start_ms / 1000, t), err_str (r->code));
    else
        snprintf (out, size, "audit: %s by %s staff %s, matter %s, case %s, holder %s%s%s: %s%s%s",
                  kind, *r->body_code? r->body_code: "(not a body)", r->staff_id,
                  r->matter_code, r->case_number, r->holder_id, *r->license_id? ", license ": "",
                  r->license_id, r->code == ERR_OK? "granted": err_str (r->code),
                  r->code == ERR_OK && r->n_returned? ", returned ": "",
                  r->code == ERR_OK && r->n_returned? text_count (r->n_returned, cnt): "");
}

//  In EntryKind order: row i is kind i + 1.
static const entrykind_t s_kinds [ENTRYKIND_COUNT] = {
    { LIC__ENTRY_KIND__ENTRY_EVENT, "event", "event", ENTRYKIND_SIGNER_DEPARTMENT, true,
      s_event_decode, s_event_encode, s_event_free, s_whole, s_no_division,
      NULL, s_event_summary },
    { LIC__ENTRY_KIND__ENTRY_REGISTRATION, "registration", "registration", ENTRYKIND_SIGNER_NODE,
      false, s_registration_decode, s_registration_encode, s_registration_free, s_registration_complete,
      s_registration_division, &lic__registration__descriptor, s_registration_summary },
    { LIC__ENTRY_KIND__ENTRY_NODE, "node", "node record", ENTRYKIND_SIGNER_NODE, false,
      s_node_record_decode, s_node_record_encode, s_node_record_free, s_whole, s_node_division,
      &lic__node_record__descriptor, s_node_summary },
    { LIC__ENTRY_KIND__ENTRY_CATALOGUE, "catalogue", "catalogue", ENTRYKIND_SIGNER_NODE, false,
      s_license_type_decode, s_license_type_encode, s_license_type_free, s_whole, s_type_division,
      &lic__license_type__descriptor, s_type_summary },
    { LIC__ENTRY_KIND__ENTRY_APP_BODY, "app_body", "application body", ENTRYKIND_SIGNER_NODE,
      false, s_app_body_registration_decode, s_app_body_registration_encode,
      s_app_body_registration_free, s_app_body_complete,
      s_app_body_division, &lic__app_body_registration__descriptor, s_app_body_summary },
    { LIC__ENTRY_KIND__ENTRY_AUDIT, "audit", "audit", ENTRYKIND_SIGNER_NODE, false,
      s_audit_record_decode, s_audit_record_encode, s_audit_record_free, s_whole, s_audit_division,
      &lic__audit_record__descriptor, s_audit_summary },
    { LIC__ENTRY_KIND__ENTRY_DECISION, "decision", "quarantine decision", ENTRYKIND_SIGNER_NODE,
      false, s_quarantine_decision_decode, s_quarantine_decision_encode,
      s_quarantine_decision_free, s_decision_complete, s_decision_division,
      &lic__quarantine_decision__descriptor, s_decision_summary },
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

int
entrykind_text (const Lic__LogEntry *e, char *why, size_t why_size)
{
    const entrykind_t *row = entrykind_of (e->kind);
    if (!row || !row->text || !e->envelope)
        return ERR_OK;              //  events: evcheck's
    return codec_body_text (row->text, &e->envelope->body, why, why_size);
}

bool
entrykind_summary (const Lic__LogEntry *e, char *out, size_t size)
{
    const entrykind_t *row = entrykind_of (e->kind);
    const Lic__Envelope *env = e->envelope;
    void *body = NULL;
    bool decoded = row && env && row->decode (env->body.data, env->body.len, &body) == ERR_OK
                && row->complete (body);
    const char *a = row && strchr ("aeiou", row->title [0])? "an": "a";
    if (decoded && row->summary)
        row->summary (body, out, size);
    else
    if (decoded)
        snprintf (out, size, "%s %s entry", a, row->title);
    else
    if (row)
        snprintf (out, size, "%s %s entry whose body does not decode as one", a, row->title);
    else
        snprintf (out, size, "an unknown kind of entry whose body does not decode as one");
    if (row)
        row->free (&body);
    return decoded;
}
