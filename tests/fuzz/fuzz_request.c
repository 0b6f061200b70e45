/*  fuzz_request.c -- the client socket's frames, both ways: lic.Request
    as a node decodes it (server.c: codec_request_decode, then
    codec_known_fields on the whole request, then per body: a publish's
    envelope through the event checks ingest and the verifier apply, a
    catalogue type through catalogue_check_type, a query's ids through
    licid), and lic.Reply as licclient and licctl decode a node's answer
    (codec_reply_decode, then the JSON views licctl prints).

    Properties: no crash, leak or undefined behaviour; decode, encode,
    decode, encode gives the same bytes; every JSON view can be made.
*/
#include <jansson.h>
#include <string.h>
#include "proto/catalogue.h"
#include "tests/fuzz/checks.h"
#include "proto/codec.h"
#include "tests/fuzz/fuzz.h"
#include "proto/licid.h"
#include "node/common/licjson.h"
#include "tests/fuzz/pbmut.h"

static void
s_request (const uint8_t *data, size_t size)
{
    char why [512];
    Lic__Request *req = NULL;
    if (codec_request_decode (data, size, &req) != ERR_OK)
        return;
    CHECKS_ROUND_TRIP (request, Lic__Request, req);
    if (codec_known_fields (&req->base, why, sizeof why) != ERR_OK) {
        codec_request_free (&req);
        return;
    }
    licid_t id;
    switch (req->body_case) {
        case LIC__REQUEST__BODY_PUBLISH:
            checks_event_envelope (req->publish, true);
            break;
        case LIC__REQUEST__BODY_GET:
            FUZZ_RUN (licid_parse (req->get->license_id, &id, why, sizeof why));
            break;
        case LIC__REQUEST__BODY_REGISTER:
            if (req->register_->department) {
                const Lic__Department *d = req->register_->department;
                (void) licid_credit_code_valid (d->credit_code);
                for (size_t i = 0; i < d->n_license_types; i++)
                    (void) licid_type_code_valid (d->license_types [i]);
            }
            break;
        case LIC__REQUEST__BODY_CATALOGUE:
            if (req->catalogue->add) {
                FUZZ_RUN (catalogue_check_type (req->catalogue->add, why, sizeof why));
                checks_json (licjson_type_to_json (req->catalogue->add));
            }
            break;
        case LIC__REQUEST__BODY_QUERY:
            FUZZ_RUN (licid_parse (req->query->license_id, &id, why, sizeof why));
            if (req->query->holder)
                (void) licid_holder_type_valid (req->query->holder->id_type);
            break;
        default:
            break;
    }
    codec_request_free (&req);
}

static void
s_reply (const uint8_t *data, size_t size)
{
    Lic__Reply *reply = NULL;
    if (codec_reply_decode (data, size, &reply) != ERR_OK)
        return;
    CHECKS_ROUND_TRIP (reply, Lic__Reply, reply);
    switch (reply->body_case) {
        case LIC__REPLY__BODY_LICENSE:
            checks_json (licjson_state_to_json (reply->license));
            break;
        case LIC__REPLY__BODY_FOUND:
            for (size_t i = 0; i < reply->found->n_licenses; i++)
                checks_json (licjson_state_to_json (reply->found->licenses [i]));
            break;
        case LIC__REPLY__BODY_STATUS:
            checks_json (licjson_status_to_json (reply->status));
            break;
        case LIC__REPLY__BODY_ENTRIES:
            for (size_t i = 0; i < reply->entries->n_entries; i++)
                checks_json (licjson_entry_to_json (reply->entries->entries [i]));
            break;
        case LIC__REPLY__BODY_DIGEST:
            checks_json (licjson_digest_to_json (reply->digest));
            break;
        case LIC__REPLY__BODY_PROOF:
            checks_json (licjson_proof_to_json (reply->proof, "licrepo/" FUZZ_DIV_COUNTY));
            break;
        case LIC__REPLY__BODY_CATALOGUE:
            for (size_t i = 0; i < reply->catalogue->n_types; i++)
                checks_json (licjson_type_to_json (reply->catalogue->types [i]));
            break;
        case LIC__REPLY__BODY_REPORT:
            checks_json (licjson_lateness_to_json (reply->report));
            break;
        case LIC__REPLY__BODY_QUERY:
            for (size_t i = 0; i < reply->query->n_licenses; i++)
                if (reply->query->licenses [i]->content_entry)
                    checks_json (licjson_entry_to_json (reply->query->licenses [i]->content_entry));
            break;
        default:
            break;
    }
    codec_reply_free (&reply);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    if (seal_init () != ERR_OK)
        abort ();
    (void) checks_type ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    s_request (data, size);
    s_reply (data, size);
    return 0;
}

#ifdef LICREPO_LIBFUZZER
size_t
LLVMFuzzerCustomMutator (uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    return pbmut_mutate (data, size, max_size, seed);
}
#endif
