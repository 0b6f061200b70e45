/*  checks.c -- the checks a node or licctl applies to decoded frames and
    entries, for the protobuf harnesses (checks.h).
*/
#include <jansson.h>
#include <string.h>
#include "proto/authority.h"
#include "proto/catalogue.h"
#include "tests/fuzz/checks.h"
#include "proto/codec.h"
#include "proto/disclose.h"
#include "proto/evcheck.h"
#include "tests/fuzz/fuzz.h"
#include "proto/licid.h"
#include "node/common/licjson.h"
#include "proto/lifecycle.h"

#define S_WHY 512

static const char s_type_json [] =
    "{\"type_code\": \"" FUZZ_TYPE_CODE "\", \"name\": \"fuzz test type\",\n"
    " \"items\": [\n"
    "  {\"name\": \"capital\", \"kind\": \"decimal\", \"required\": true, \"min\": \"0\",\n"
    "   \"max\": \"1000000000\"},\n"
    "  {\"name\": \"count\", \"kind\": \"integer\", \"min\": \"-5\", \"max\": \"500\"},\n"
    "  {\"name\": \"day\", \"kind\": \"date\", \"min\": \"2000-01-01\", \"max\": \"2099-12-31\"},\n"
    "  {\"name\": \"flag\", \"kind\": \"boolean\"},\n"
    "  {\"name\": \"kind\", \"kind\": \"enum\", \"values\": [\"a\", \"b\", \"\\u4e2d\"]},\n"
    "  {\"name\": \"name\", \"kind\": \"string\", \"max_length\": 20},\n"
    "  {\"name\": \"owner\", \"kind\": \"string\", \"sensitivity\": \"personal\"},\n"
    "  {\"name\": \"pin\", \"kind\": \"string\", \"sensitivity\": \"secret\"},\n"
    "  {\"name\": \"revenue\", \"kind\": \"decimal\", \"sensitivity\": \"commercial\"}],\n"
    " \"validity\": {\"annual_inspection\": true, \"inspection_window_days\": 90}}\n";

const char *
checks_type_json (void)
{
    return s_type_json;
}

const Lic__LicenseType *
checks_type (void)
{
    static Lic__LicenseType *type;
    char why [S_WHY];
    if (!type && licjson_type_from_json (s_type_json, &type, why, sizeof why) != ERR_OK) {
        fprintf (stderr, "checks_type: %s\n", why);
        abort ();
    }
    return type;
}

void
checks_json (void *view)
{
    json_t *json = view;
    FUZZ_CHECK (json != NULL);
    char *text = json_dumps (json, JSON_COMPACT | JSON_ENCODE_ANY);
    FUZZ_CHECK (text != NULL);
    free (text);
    json_decref (json);
}

void
checks_event_envelope (const Lic__Envelope *env, bool need_values)
{
    char why [S_WHY];
    Lic__Event *ev = NULL, *plain = NULL;
    if (!env)
        return;
    //  Decoded as the verifier may (codec_event_decode_arena): the same
    //  code as codec_event_decode (but near the budget, which the two
    //  charge differently: the arena keeps the scan's scratch and packs
    //  blocks without malloc's headers) and, when both decode, the same
    //  bytes; an arena decode holds at most the budget.
    int rc = codec_event_decode_arena (env->body.data, env->body.len, &ev);
    int plain_rc = codec_event_decode (env->body.data, env->body.len, &plain);
    FUZZ_CHECK (rc == plain_rc
                || ((rc == ERR_OK || rc == ERR_TOO_LARGE)
                    && (plain_rc == ERR_OK || plain_rc == ERR_TOO_LARGE)));
    if (rc == ERR_OK)
        FUZZ_CHECK (codec_heap (&ev->base) <= codec_event_budget (env->body.len));
    if (rc == ERR_OK && plain_rc == ERR_OK) {
        uint8_t *b1 = NULL, *b2 = NULL;
        size_t n1 = 0, n2 = 0;
        FUZZ_CHECK (codec_event_encode (ev, &b1, &n1) == ERR_OK);
        FUZZ_CHECK (codec_event_encode (plain, &b2, &n2) == ERR_OK);
        FUZZ_CHECK (n1 == n2 && memcmp (b1, b2, n1) == 0);
        free (b1);
        free (b2);
    }
    codec_event_free (&plain);
    if (rc != ERR_OK)
        return;
    checks_json (licjson_event_to_json (ev));
    licid_t id;
    if (evcheck_envelope (env, ev, &id, why, sizeof why) == ERR_OK) {
        FUZZ_CHECK (strnlen (id.bare, sizeof id.bare) < sizeof id.bare);
        FUZZ_CHECK (strcmp (id.bare, ev->license_id) == 0);
        const Lic__LicenseType *t = checks_type ();
        FUZZ_RUN (disclose_check (NULL, ev->content, env->disclosures, env->n_disclosures,
                               need_values, why, sizeof why));
        if (disclose_check (t, ev->content, env->disclosures, env->n_disclosures,
                            need_values, why, sizeof why) == ERR_OK && ev->content)
            FUZZ_RUN (catalogue_check_disclosed (t, ev->content, env->disclosures,
                                              env->n_disclosures, why, sizeof why));
        lifecycle_pos_t none = { LIC__STATUS__STATUS_NONE, false, 0 }, next;
        lifecycle_pos_t valid = { LIC__STATUS__STATUS_VALID, false, ev->expected_version };
        FUZZ_RUN (lifecycle_step (&none, ev, &next, why, sizeof why));
        FUZZ_RUN (lifecycle_step (&valid, ev, &next, why, sizeof why));
        if (ev->content) {
            char day [LIFECYCLE_DAY_SIZE];
            (void) lifecycle_day (ev->completed_at, day);
            (void) lifecycle_effective_status (LIC__STATUS__STATUS_VALID,
                                               ev->content->valid_to, (time_t) FUZZ_NOW);
        }
    }
    codec_event_free (&ev);
}

void
checks_chain_record (const uint8_t *buf, size_t len, const char *parent)
{
    char why [S_WHY];
    Lic__Envelope *env = NULL;
    Lic__NodeRecord *rec = NULL;
    if (codec_envelope_decode (buf, len, &env) != ERR_OK)
        return;
    FUZZ_RUN (codec_known_fields (&env->base, why, sizeof why));
    if (codec_node_record_decode (env->body.data, env->body.len, &rec) == ERR_OK) {
        CHECKS_ROUND_TRIP (node_record, Lic__NodeRecord, rec);
        FUZZ_RUN (authority_node_record (parent, rec, NULL, why, sizeof why));
        FUZZ_RUN (authority_node_record (NULL, rec, fuzz_key (FUZZ_KEY_COUNTY)->pk,
                                      why, sizeof why));
    }
    codec_node_record_free (&rec);
    codec_envelope_free (&env);
}

//  The body of an entry by its kind, as views_apply_* judges it.
static void
s_entry_body (const Lic__LogEntry *e)
{
    char why [S_WHY];
    const Lic__Envelope *env = e->envelope;
    const ProtobufCBinaryData *body = &env->body;
    const char *origin = e->origin_division;
    if (e->kind == LIC__ENTRY_KIND__ENTRY_EVENT)
        checks_event_envelope (env, false);
    else
    if (e->kind == LIC__ENTRY_KIND__ENTRY_REGISTRATION) {
        Lic__Registration *reg = NULL;
        if (codec_registration_decode (body->data, body->len, &reg) == ERR_OK) {
            CHECKS_ROUND_TRIP (registration, Lic__Registration, reg);
            FUZZ_RUN (authority_made_at ("registration", reg->division, origin, why, sizeof why));
            if (reg->department)
                (void) licid_credit_code_valid (reg->department->credit_code);
            for (size_t i = 0; reg->department && i < reg->department->n_license_types; i++)
                (void) licid_type_code_valid (reg->department->license_types [i]);
        }
        codec_registration_free (&reg);
    }
    else
    if (e->kind == LIC__ENTRY_KIND__ENTRY_NODE) {
        Lic__NodeRecord *rec = NULL;
        if (codec_node_record_decode (body->data, body->len, &rec) == ERR_OK) {
            FUZZ_RUN (authority_node_record (origin, rec, NULL, why, sizeof why));
            FUZZ_RUN (authority_node_record (origin, rec, fuzz_key (FUZZ_KEY_COUNTY)->pk,
                                          why, sizeof why));
        }
        codec_node_record_free (&rec);
    }
    else
    if (e->kind == LIC__ENTRY_KIND__ENTRY_CATALOGUE) {
        Lic__LicenseType *t = NULL;
        if (codec_license_type_decode (body->data, body->len, &t) == ERR_OK) {
            CHECKS_ROUND_TRIP (license_type, Lic__LicenseType, t);
            if (authority_catalogue (t, origin, t->version? t->version - 1: 0,
                                     why, sizeof why) == ERR_OK)
                FUZZ_RUN (catalogue_check_type (t, why, sizeof why));
            checks_json (licjson_type_to_json (t));
        }
        codec_license_type_free (&t);
    }
    else
    if (e->kind == LIC__ENTRY_KIND__ENTRY_APP_BODY) {
        Lic__AppBodyRegistration *a = NULL;
        if (codec_app_body_registration_decode (body->data, body->len, &a) == ERR_OK)
            FUZZ_RUN (authority_made_at ("application body registration", a->division, origin,
                                      why, sizeof why));
        codec_app_body_registration_free (&a);
    }
    else
    if (e->kind == LIC__ENTRY_KIND__ENTRY_AUDIT) {
        Lic__AuditRecord *r = NULL;
        if (codec_audit_record_decode (body->data, body->len, &r) == ERR_OK)
            FUZZ_RUN (authority_made_at ("audit record", r->division, origin, why, sizeof why));
        codec_audit_record_free (&r);
    }
}

void
checks_entry (const uint8_t *buf, size_t len, const char *child)
{
    char why [S_WHY];
    Lic__LogEntry *e = NULL;
    if (codec_entry_decode (buf, len, &e) != ERR_OK)
        return;
    //  A strict decode leaves nothing unknown anywhere in the entry
    FUZZ_CHECK (codec_known_fields (&e->base, why, sizeof why) == ERR_OK);
    CHECKS_ROUND_TRIP (entry, Lic__LogEntry, e);
    FUZZ_RUN (authority_origin (child, e->origin_division, why, sizeof why));
    checks_json (licjson_entry_to_json (e));
    if (e->envelope)
        s_entry_body (e);
    codec_entry_free (&e);
}
