/*  authority.c -- who may say what (see authority.h for the model).  */
#include <string.h>
#include "proto/authority.h"
#include "proto/licid.h"

int
authority_level (const char *division)
{
    if (!licid_division_valid (division) || memcmp (division, "00", 2) == 0)
        return 0;
    if (memcmp (division + 2, "0000", 4) == 0)
        return 1;
    if (memcmp (division + 2, "00", 2) == 0)
        return 0;               //  XX00ZZ: no city part, yet a county part
    return memcmp (division + 4, "00", 2) == 0? 2: 3;
}

bool
authority_below (const char *division, const char *ancestor)
{
    int level = authority_level (division), above = authority_level (ancestor);
    if (level == 0 || above == 0 || level <= above)
        return false;
    //  The ancestor's significant digits: 2 for a province, 4 for a city.
    return memcmp (division, ancestor, (size_t) above * 2) == 0;
}

int
authority_origin (const char *child, const char *origin, char *why, size_t why_size)
{
    if (origin && child && (strcmp (origin, child) == 0 || authority_below (origin, child)))
        return ERR_OK;
    err_why (why, why_size, "an entry of origin %s cannot come from child %s: %s is neither %s "
             "nor a division below it (GB/T 2260)", origin? origin: "(none)", child? child: "(none)",
             origin? origin: "(none)", child? child: "(none)");
    return ERR_FORBIDDEN;
}

int
authority_made_at (const char *what, const char *made_at, const char *origin,
                   char *why, size_t why_size)
{
    if (made_at && origin && strcmp (made_at, origin) == 0)
        return ERR_OK;
    err_why (why, why_size, "%s made at %s travels as an entry of %s: a node speaks only for "
             "its own division", what, made_at? made_at: "(none)", origin? origin: "(none)");
    return ERR_FORBIDDEN;
}

int
authority_node_record (const char *signer, const Lic__NodeRecord *rec,
                       const uint8_t *known, char *why, size_t why_size)
{
    if (!rec || rec->sign_key.len != 32 || (rec->curve_key.len != 0 && rec->curve_key.len != 32)
    ||  (rec->replaces_key.len != 0 && rec->replaces_key.len != 32)
    ||  !authority_level (rec->division) || !authority_level (rec->parent_division)) {
        err_why (why, why_size, "node record is not well formed (6-digit divisions, 32-byte keys)");
        return ERR_MALFORMED;
    }
    if (signer && strcmp (rec->parent_division, signer) != 0) {
        err_why (why, why_size, "node record for %s names parent %s but is signed by node %s: "
                 "a node vouches only for its own children", rec->division,
                 rec->parent_division, signer);
        return ERR_FORBIDDEN;
    }
    if (!authority_below (rec->division, rec->parent_division)) {
        err_why (why, why_size, "node record for %s signed by %s: %s is not a division below %s "
                 "(GB/T 2260)%s", rec->division, rec->parent_division, rec->division,
                 rec->parent_division, authority_level (rec->parent_division) == 3?
                 "; a county-level node has no nodes below it": "");
        return ERR_FORBIDDEN;
    }
    if (known && memcmp (known, rec->sign_key.data, 32) != 0
    &&  (rec->replaces_key.len != 32 || memcmp (known, rec->replaces_key.data, 32) != 0)) {
        err_why (why, why_size, "node record gives %s another signing key, but %s: a known "
                 "node's key changes only by a rotation record of its parent naming the key "
                 "it replaces", rec->division, rec->replaces_key.len == 32?
                 "the key it says it replaces is not the one held here": "it is not a rotation");
        return ERR_FORBIDDEN;
    }
    return ERR_OK;
}

static bool
s_has (const ProtobufCBinaryData *keys, size_t n, const ProtobufCBinaryData *k)
{
    for (size_t i = 0; i < n; i++)
        if (keys [i].len == k->len && k->len && memcmp (keys [i].data, k->data, k->len) == 0)
            return true;
    return false;
}

static int
s_revoked_back (const char *what, const char *code, const ProtobufCBinaryData *k,
                char *why, size_t why_size)
{
    err_why (why, why_size, "%s of %s: key %02x%02x%02x%02x... was revoked and may never be used "
             "or left out of the revoked keys again", what, code, k->len > 0? k->data [0]: 0,
             k->len > 1? k->data [1]: 0, k->len > 2? k->data [2]: 0, k->len > 3? k->data [3]: 0);
    return ERR_KEY_REVOKED;
}

int
authority_department (const Lic__Department *prev, const Lic__Department *next,
                      char *why, size_t why_size)
{
    if (!prev)
        return ERR_OK;
    const char *code = next->credit_code;
    for (size_t i = 0; i < prev->n_revoked_keys; i++)
        if (!s_has (next->revoked_keys, next->n_revoked_keys, &prev->revoked_keys [i])
        ||  s_has (next->sign_keys, next->n_sign_keys, &prev->revoked_keys [i]))
            return s_revoked_back ("registration", code, &prev->revoked_keys [i], why, why_size);
    for (size_t i = 0; i < prev->n_sign_keys; i++)
        if (!s_has (next->sign_keys, next->n_sign_keys, &prev->sign_keys [i])
        &&  !s_has (next->revoked_keys, next->n_revoked_keys, &prev->sign_keys [i]))
            return s_revoked_back ("registration (a signing key dropped is revoked)", code,
                                   &prev->sign_keys [i], why, why_size);
    for (size_t i = 0; i < prev->n_revoked_curve_keys; i++)
        if (!s_has (next->revoked_curve_keys, next->n_revoked_curve_keys, &prev->revoked_curve_keys [i])
        ||  (next->curve_key.len && s_has (&next->curve_key, 1, &prev->revoked_curve_keys [i])))
            return s_revoked_back ("registration (CURVE)", code, &prev->revoked_curve_keys [i],
                                   why, why_size);
    if (prev->curve_key.len && !s_has (&next->curve_key, 1, &prev->curve_key)
    &&  !s_has (next->revoked_curve_keys, next->n_revoked_curve_keys, &prev->curve_key))
        return s_revoked_back ("registration (a CURVE key replaced is revoked)", code,
                               &prev->curve_key, why, why_size);
    return ERR_OK;
}

int
authority_app_body (const Lic__AppBody *prev, const Lic__AppBody *next, char *why, size_t why_size)
{
    if (!prev)
        return ERR_OK;
    const char *code = next->credit_code;
    for (size_t i = 0; i < prev->n_revoked_keys; i++)
        if (!s_has (next->revoked_keys, next->n_revoked_keys, &prev->revoked_keys [i])
        ||  (next->curve_key.len && s_has (&next->curve_key, 1, &prev->revoked_keys [i])))
            return s_revoked_back ("application body", code, &prev->revoked_keys [i], why, why_size);
    if (prev->curve_key.len && !s_has (&next->curve_key, 1, &prev->curve_key)
    &&  !s_has (next->revoked_keys, next->n_revoked_keys, &prev->curve_key))
        return s_revoked_back ("application body (a CURVE key replaced is revoked)", code,
                               &prev->curve_key, why, why_size);
    return ERR_OK;
}

int
authority_catalogue (const Lic__LicenseType *type, const char *origin, uint32_t latest,
                     char *why, size_t why_size)
{
    int rc = authority_made_at ("catalogue entry", type? type->division: NULL, origin,
                                why, why_size);
    if (rc != ERR_OK)
        return rc;
    if (type->version != latest + 1) {
        err_why (why, why_size, "catalogue entry %s version %u of node %s does not follow its "
                 "latest version %u: a node's versions of a type go 1, 2, ... without gaps "
                 "or returns", type->type_code, type->version, origin, latest);
        return ERR_VERSION_MISMATCH;
    }
    return ERR_OK;
}
