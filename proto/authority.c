/*  authority.c -- who may say what (see authority.h for the model).  */
#include <inttypes.h>
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

//  The signer is the parent the record names, and the division lies
//  below it: the rule of node records and revocations alike.
static int
s_vouch (const char *what, const char *signer, const Lic__NodeRecord *rec,
         char *why, size_t why_size)
{
    if (signer && strcmp (rec->parent_division, signer) != 0) {
        err_why (why, why_size, "%s for %s names parent %s but is signed by node %s: "
                 "a node vouches only for its own children", what, rec->division,
                 rec->parent_division, signer);
        return ERR_FORBIDDEN;
    }
    if (!authority_below (rec->division, rec->parent_division)) {
        err_why (why, why_size, "%s for %s signed by %s: %s is not a division below %s "
                 "(GB/T 2260)%s", what, rec->division, rec->parent_division, rec->division,
                 rec->parent_division, authority_level (rec->parent_division) == 3?
                 "; a county-level node has no nodes below it": "");
        return ERR_FORBIDDEN;
    }
    return ERR_OK;
}

//  The first 8 bytes of a key in hex, as the logs print fingerprints.
static const char *
s_fp (char out [17], const uint8_t *key, size_t len)
{
    static const char hex [] = "0123456789abcdef";
    size_t i = 0;
    for (; i < 8 && i < len; i++) {
        out [2 * i] = hex [key [i] >> 4];
        out [2 * i + 1] = hex [key [i] & 15];
    }
    out [2 * i] = 0;
    return out;
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
    if (rec->revocation) {
        err_why (why, why_size, "node record for %s is a revocation: it vouches for no key",
                 rec->division);
        return ERR_MALFORMED;
    }
    int rc = s_vouch ("node record", signer, rec, why, why_size);
    if (rc != ERR_OK)
        return rc;
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

int
authority_child_entry (const char *child, uint64_t child_seq, const char *origin,
                       uint64_t origin_seq, char *why, size_t why_size)
{
    if (!child || !origin || strcmp (child, origin) != 0 || origin_seq == child_seq)
        return ERR_OK;
    err_why (why, why_size, "entry %" PRIu64 " of child %s is its own (origin %s) but says origin "
             "seq %" PRIu64 ": a node's own entries carry their seq in its log as origin seq, so "
             "a child cannot choose the origin seq its parent and every level above judge it by",
             child_seq, child, origin, origin_seq);
    return ERR_BAD_FIELD;
}

int
authority_node_revocation (const char *signer, const Lic__NodeRecord *rec, bool known,
                           const char *voucher, const Lic__NodeRecord *prev, uint64_t held,
                           char *why, size_t why_size)
{
    if (!rec || !rec->revocation || rec->sign_key.len != 32 || rec->curve_key.len != 0
    ||  rec->replaces_key.len != 0
    ||  !authority_level (rec->division) || !authority_level (rec->parent_division)) {
        err_why (why, why_size, "revocation record is not well formed (6-digit divisions, the "
                 "revoked key in sign_key, 32 bytes, no CURVE key, no key replaced)");
        return ERR_MALFORMED;
    }
    int rc = s_vouch ("revocation record", signer, rec, why, why_size);
    if (rc != ERR_OK)
        return rc;
    char fp [17];
    s_fp (fp, rec->sign_key.data, 32);
    if (voucher && *voucher && strcmp (voucher, rec->parent_division) != 0) {
        err_why (why, why_size, "revocation record for %s is signed by %s, but %s vouches for "
                 "%s's key: only the division's parent, the node that vouches for its key, may "
                 "revoke it (a node above revokes the key of its own child instead)",
                 rec->division, rec->parent_division, voucher, rec->division);
        return ERR_FORBIDDEN;
    }
    if (rec->revoked_after > rec->division_head) {
        err_why (why, why_size, "revocation of key %s... of %s after origin seq %" PRIu64 " is "
                 "beyond origin seq %" PRIu64 ", what its signer %s held of %s (its mark, or the "
                 "child's last announced head): revoke after %" PRIu64 " or less", fp,
                 rec->division, rec->revoked_after, rec->division_head, rec->parent_division,
                 rec->division, rec->division_head);
        return ERR_BAD_FIELD;
    }
    if (!known) {
        err_why (why, why_size, "revocation record for %s names key %s..., which %s never had "
                 "here: only a key a node record vouched for can be revoked", rec->division, fp,
                 rec->division);
        return ERR_NOT_FOUND;
    }
    if (prev) {
        err_why (why, why_size, "key %s... of %s was already revoked after origin seq %" PRIu64
                 ": a key is revoked once, from one point", fp, rec->division,
                 prev->revoked_after);
        return ERR_KEY_REVOKED;
    }
    if (rec->revoked_after < held) {
        err_why (why, why_size, "revocation of key %s... of %s after origin seq %" PRIu64
                 ", but entries of %s up to origin seq %" PRIu64 " are already applied here "
                 "and may be at every level above: revoke after %" PRIu64 " or later, and undo "
                 "what the key signed before by new statements (README, \"A compromised node "
                 "key\")", fp, rec->division, rec->revoked_after, rec->division, held, held);
        return ERR_BAD_FIELD;
    }
    return ERR_OK;
}

int
authority_node_statement (const Lic__NodeRecord *rev, const char *origin, uint64_t origin_seq,
                          const uint8_t key [32], char *why, size_t why_size)
{
    if (!rev || !rev->revocation || rev->sign_key.len != 32 || !origin || !key
    ||  strcmp (rev->division, origin) != 0 || memcmp (rev->sign_key.data, key, 32) != 0
    ||  origin_seq <= rev->revoked_after)
        return ERR_OK;
    char fp [17];
    err_why (why, why_size, "entry %" PRIu64 " of %s is signed by node key %s..., which %s "
             "revoked as compromised after origin seq %" PRIu64 ": what that key signed "
             "later is void", origin_seq, origin, s_fp (fp, key, 32), rev->parent_division,
             rev->revoked_after);
    return ERR_NODE_KEY_REVOKED;
}

int
authority_node_key_current (const Lic__NodeRecord *rev, const char *division, const char *what,
                            char *why, size_t why_size)
{
    if (!rev || !rev->revocation || rev->sign_key.len != 32 || !division
    ||  strcmp (rev->division, division) != 0)
        return ERR_OK;
    char fp [17];
    err_why (why, why_size, "%s of %s: node key %s..., which %s revoked as compromised after "
             "origin seq %" PRIu64 ", is refused for it: it has no origin seq to place it before "
             "the point; the node speaks again once its parent's configuration gives it a new "
             "key (README, \"A compromised node key\")", what? what: "use", division,
             s_fp (fp, rev->sign_key.data, 32), rev->parent_division, rev->revoked_after);
    return ERR_NODE_KEY_REVOKED;
}

int
authority_node_key_back (const Lic__NodeRecord *rev, const Lic__NodeRecord *rec,
                         char *why, size_t why_size)
{
    if (!rev || !rec || rec->sign_key.len != 32 || rev->sign_key.len != 32
    ||  memcmp (rev->sign_key.data, rec->sign_key.data, 32) != 0)
        return ERR_OK;
    char fp [17];
    err_why (why, why_size, "node record gives %s key %s..., which %s revoked as compromised: "
             "a revoked node key never comes back; make a new identity (licnode init)",
             rec->division, s_fp (fp, rec->sign_key.data, 32), rev->parent_division);
    return ERR_KEY_REVOKED;
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
