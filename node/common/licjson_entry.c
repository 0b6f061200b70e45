/*  licjson_entry.c -- log entries of every kind as JSON (formats in
    licjson.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "node/common/licjson.h"
#include "node/common/licjson_int.h"
#include "proto/seal.h"

static json_t *
s_keys_to_json (const ProtobufCBinaryData *keys, size_t n)
{
    json_t *array = json_array ();
    for (size_t i = 0; array && i < n; i++)
        if (json_array_append_new (array, licjson_hex (keys [i].data, keys [i].len))) {
            json_decref (array);
            return NULL;
        }
    return array;
}

static json_t *
s_registration_to_json (const Lic__Registration *reg)
{
    bool ok = true;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    licjson_set (obj, "division", licjson_str (reg->division), &ok);
    licjson_set (obj, "at", licjson_int (reg->at), &ok);
    const Lic__Department *d = reg->department;
    if (d) {
        json_t *dept = json_object ();
        json_t *types = json_array ();
        for (size_t i = 0; types && i < d->n_license_types; i++)
            if (json_array_append_new (types, licjson_str (d->license_types [i])))
                ok = false;
        if (dept) {
            licjson_set (dept, "credit_code",
                         licjson_str (d->credit_code), &ok);
            licjson_set (dept, "name", licjson_str (d->name), &ok);
            licjson_set (dept, "sign_keys", s_keys_to_json (d->sign_keys, d->n_sign_keys), &ok);
            licjson_set (dept, "curve_key", licjson_z85 (d->curve_key), &ok);
            licjson_set (dept, "license_types", types, &ok);
            licjson_set (dept, "revoked_keys",
                         s_keys_to_json (d->revoked_keys, d->n_revoked_keys),
                         &ok);
            licjson_set (dept, "revoked_curve_keys",
                         licjson_z85_list (d->revoked_curve_keys, d->n_revoked_curve_keys), &ok);
        }
        else
            json_decref (types);
        licjson_set (obj, "department", dept, &ok);
    }
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

//  The JSON of each kind of body (proto/entrykind.h decodes it), in
//  EntryKind order: licjson's column of the entry-kind table.  Each adds
//  its member to obj, clearing *ok as licjson_set does.
typedef void (s_add_fn) (json_t *obj, const void *body, bool *ok);

static void
s_add_event (json_t *obj, const void *body, bool *ok)
{
    licjson_set (obj, "event", licjson_event_to_json ((const Lic__Event *) body), ok);
}

static void
s_add_registration (json_t *obj, const void *body, bool *ok)
{
    licjson_set (obj, "registration", s_registration_to_json ((const Lic__Registration *) body), ok);
}

static void
s_add_type (json_t *obj, const void *body, bool *ok)
{
    licjson_set (obj, "license_type", licjson_type_to_json ((const Lic__LicenseType *) body), ok);
}

static void
s_add_node (json_t *obj, const void *body, bool *ok)
{
    const Lic__NodeRecord *n = (const Lic__NodeRecord *) body;
    if (n->revocation)      //  a compromised key revoked (proto/authority.h)
        licjson_set (obj, "node", json_pack ("{s:o, s:o, s:b, s:I}", "division",
                     licjson_str (n->division), "revoked_by", licjson_str (n->parent_division),
                     "revocation", 1, "revoked_after", (json_int_t) n->revoked_after), ok);
    else
        licjson_set (obj, "node", json_pack ("{s:o, s:o}", "division",
                     licjson_str (n->division), "vouched_by",
                     licjson_str (n->parent_division)), ok);
}

static void
s_add_app_body (json_t *obj, const void *body, bool *ok)
{
    const Lic__AppBodyRegistration *a = (const Lic__AppBodyRegistration *) body;
    if (a->body)
        licjson_set (obj, "app_body", json_pack ("{s:o, s:o, s:b, s:o, s:o}", "credit_code",
                     licjson_str (a->body->credit_code), "name", licjson_str (a->body->name),
                     "revoked", a->body->revoked,
                     "curve_key", licjson_z85 (a->body->curve_key),
                     "revoked_keys", licjson_z85_list (a->body->revoked_keys, a->body->n_revoked_keys)), ok);
}

static void
s_add_audit (json_t *obj, const void *body, bool *ok)
{
    const Lic__AuditRecord *r = (const Lic__AuditRecord *) body;
    licjson_set (obj, "audit", json_pack ("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:I}",
                 "body", licjson_str (r->body_code), "staff", licjson_str (r->staff_id),
                 "matter", licjson_str (r->matter_code), "case",
                 licjson_str (r->case_number), "purpose", licjson_str (r->purpose),
                 "holder", licjson_str (r->holder_id),
                 "license_id", licjson_str (r->license_id), "result", err_str (r->code),
                 "at_ms", (json_int_t) r->at_ms), ok);
}

static void
s_add_decision (json_t *obj, const void *body, bool *ok)
{
    const Lic__QuarantineDecision *d = (const Lic__QuarantineDecision *) body;
    licjson_set (obj, "decision", json_pack ("{s:o, s:o, s:I, s:s, s:o, s:o, s:I}",
                 "decided_by", licjson_str (d->division), "origin", licjson_str (d->origin),
                 "origin_seq", (json_int_t) d->origin_seq, "decision",
                 d->release? "release": "reject", "reason", licjson_str (d->reason),
                 "held_reason", licjson_str (d->held_reason), "at", (json_int_t) d->at), ok);
}

static s_add_fn *const s_add [ENTRYKIND_COUNT + 1] = {
    [LIC__ENTRY_KIND__ENTRY_EVENT] = s_add_event,
    [LIC__ENTRY_KIND__ENTRY_REGISTRATION] = s_add_registration,
    [LIC__ENTRY_KIND__ENTRY_NODE] = s_add_node,
    [LIC__ENTRY_KIND__ENTRY_CATALOGUE] = s_add_type,
    [LIC__ENTRY_KIND__ENTRY_APP_BODY] = s_add_app_body,
    [LIC__ENTRY_KIND__ENTRY_AUDIT] = s_add_audit,
    [LIC__ENTRY_KIND__ENTRY_DECISION] = s_add_decision,
};

//  Adds the decoded envelope body of entry to obj.
static void
s_entry_body (json_t *obj, const Lic__LogEntry *entry, bool *ok)
{
    const Lic__Envelope *env = entry->envelope;
    const entrykind_t *kind = entrykind_of (entry->kind);
    int rc = ERR_MALFORMED;
    if (env && kind && s_add [entry->kind]) {
        void *body = NULL;
        rc = kind->decode (env->body.data, env->body.len, &body);
        if (rc == ERR_OK)
            s_add [entry->kind] (obj, body, ok);
        kind->free (&body);
    }
    if (rc != ERR_OK)
        licjson_set (obj, "body_error", json_string (err_str (rc)), ok);
}

json_t *
licjson_entry_to_json (const Lic__LogEntry *entry)
{
    bool ok = true;
    const Lic__Envelope *env = entry->envelope;
    const entrykind_t *row = entrykind_of (entry->kind);
    const char *kind = row? row->name: "none";
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    licjson_set (obj, "seq", licjson_int ((int64_t) entry->seq), &ok);
    licjson_set (obj, "origin_division",
                 licjson_str (entry->origin_division), &ok);
    licjson_set (obj, "origin_seq",
                 licjson_int ((int64_t) entry->origin_seq), &ok);
    licjson_set (obj, "kind", json_string (kind), &ok);
    licjson_set (obj, "received_at", licjson_int (entry->received_at), &ok);
    if (env) {
        licjson_set (obj, "key_id",
                     licjson_hex (env->key_id.data, env->key_id.len), &ok);
        licjson_set (obj, "signature",
                     licjson_hex (env->signature.data, env->signature.len),
                     &ok);
    }
    if (env && env->n_disclosures) {
        //  Names only: the values are personal or commercial data
        json_t *names = json_array ();
        for (size_t i = 0; names && i < env->n_disclosures; i++)
            if (json_array_append_new (names, licjson_str (env->disclosures [i]->name)))
                ok = false;
        licjson_set (obj, "disclosed", names, &ok);
    }
    s_entry_body (obj, entry, &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}
