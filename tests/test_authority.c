/*  test_authority -- the rules of proto/authority.h, one row per rule and
    per way a hostile member would try to get past it.  */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "proto/authority.h"
#include "proto/codec.h"

static uint8_t s_k1 [32], s_k2 [32], s_k3 [32];

static void
test_levels_and_containment (void)
{
    assert (authority_level ("330000") == 1);
    assert (authority_level ("330100") == 2);
    assert (authority_level ("330106") == 3);
    assert (authority_level ("419001") == 3);       //  county-level city under a province
    assert (authority_level ("330006") == 0);       //  a county part without a city part
    assert (authority_level ("000000") == 0);
    assert (authority_level ("006100") == 0);
    assert (authority_level ("33010") == 0);
    assert (authority_level ("3301066") == 0);
    assert (authority_level ("33a106") == 0);
    assert (authority_level (NULL) == 0);

    assert (authority_below ("330106", "330100"));
    assert (authority_below ("330106", "330000"));
    assert (authority_below ("330100", "330000"));
    assert (authority_below ("419001", "410000"));
    //  Not below: itself, a sibling, a cousin, another province, upwards.
    assert (!authority_below ("330100", "330100"));
    assert (!authority_below ("330108", "330106"));     //  a county has nothing below it
    assert (!authority_below ("330201", "330100"));
    assert (!authority_below ("320106", "330000"));
    assert (!authority_below ("330100", "330106"));
    assert (!authority_below ("330000", "330100"));
    assert (!authority_below ("330106", "bogus!"));
}

static void
test_origin (void)
{
    char why [256];
    assert (authority_origin ("330100", "330100", why, sizeof why) == ERR_OK);
    assert (authority_origin ("330100", "330106", why, sizeof why) == ERR_OK);
    assert (authority_origin ("330000", "330106", why, sizeof why) == ERR_OK);
    assert (authority_origin ("330106", "330108", why, sizeof why) == ERR_FORBIDDEN);
    assert (strstr (why, "330108") && strstr (why, "GB/T 2260"));
    assert (authority_origin ("330100", "330201", why, sizeof why) == ERR_FORBIDDEN);
    assert (authority_origin ("330106", "330100", why, sizeof why) == ERR_FORBIDDEN);
    assert (authority_origin ("330106", "", why, sizeof why) == ERR_FORBIDDEN);
}

static void
test_made_at (void)
{
    char why [256];
    assert (authority_made_at ("registration", "330106", "330106", why, sizeof why) == ERR_OK);
    assert (authority_made_at ("registration", "330108", "330106", why, sizeof why) == ERR_FORBIDDEN);
    assert (strstr (why, "registration made at 330108"));
    assert (authority_made_at ("audit record", NULL, "330106", why, sizeof why) == ERR_FORBIDDEN);
}

static Lic__NodeRecord
s_record (const char *division, const char *parent, const uint8_t *key, const uint8_t *replaces)
{
    Lic__NodeRecord rec;
    codec_node_record_init (&rec);
    rec.division = (char *) division;
    rec.parent_division = (char *) parent;
    rec.sign_key.data = (uint8_t *) key;
    rec.sign_key.len = 32;
    if (replaces) {
        rec.replaces_key.data = (uint8_t *) replaces;
        rec.replaces_key.len = 32;
    }
    return rec;
}

static void
test_node_records (void)
{
    char why [256];
    Lic__NodeRecord r = s_record ("330106", "330100", s_k1, NULL);
    //  A city vouches for its county; a province for its city and for a
    //  county-level city directly under it.
    assert (authority_node_record ("330100", &r, NULL, why, sizeof why) == ERR_OK);
    r = s_record ("330100", "330000", s_k1, NULL);
    assert (authority_node_record ("330000", &r, NULL, why, sizeof why) == ERR_OK);
    r = s_record ("419001", "410000", s_k1, NULL);
    assert (authority_node_record ("410000", &r, NULL, why, sizeof why) == ERR_OK);

    //  Containment: county 330106 vouching for its sibling 330108,
    //  naming itself as parent.
    r = s_record ("330108", "330106", s_k1, NULL);
    assert (authority_node_record ("330106", &r, NULL, why, sizeof why) == ERR_FORBIDDEN);
    assert (strstr (why, "county-level node has no nodes below it"));
    //  ... or naming the real parent, which did not sign it.
    r = s_record ("330108", "330100", s_k1, NULL);
    assert (authority_node_record ("330106", &r, NULL, why, sizeof why) == ERR_FORBIDDEN);
    assert (strstr (why, "names parent 330100 but is signed by node 330106"));
    //  A city vouching for a county of another city, or for its province.
    r = s_record ("330201", "330100", s_k1, NULL);
    assert (authority_node_record ("330100", &r, NULL, why, sizeof why) == ERR_FORBIDDEN);
    r = s_record ("330000", "330100", s_k1, NULL);
    assert (authority_node_record ("330100", &r, NULL, why, sizeof why) == ERR_FORBIDDEN);
    //  Itself.
    r = s_record ("330100", "330100", s_k1, NULL);
    assert (authority_node_record ("330100", &r, NULL, why, sizeof why) == ERR_FORBIDDEN);

    //  A known division keeps its key: the same record again is fine, a
    //  new key only as a rotation naming the key held.
    r = s_record ("330106", "330100", s_k1, NULL);
    assert (authority_node_record ("330100", &r, s_k1, why, sizeof why) == ERR_OK);
    r = s_record ("330106", "330100", s_k2, NULL);
    assert (authority_node_record ("330100", &r, s_k1, why, sizeof why) == ERR_FORBIDDEN);
    assert (strstr (why, "not a rotation"));
    r = s_record ("330106", "330100", s_k2, s_k3);
    assert (authority_node_record ("330100", &r, s_k1, why, sizeof why) == ERR_FORBIDDEN);
    assert (strstr (why, "not the one held here"));
    r = s_record ("330106", "330100", s_k2, s_k1);
    assert (authority_node_record ("330100", &r, s_k1, why, sizeof why) == ERR_OK);

    //  A verifier's anchor (no division) may vouch for any parent's child,
    //  but containment still holds.
    r = s_record ("330106", "330100", s_k1, NULL);
    assert (authority_node_record (NULL, &r, NULL, why, sizeof why) == ERR_OK);
    r = s_record ("330108", "330106", s_k1, NULL);
    assert (authority_node_record (NULL, &r, NULL, why, sizeof why) == ERR_FORBIDDEN);

    //  Malformed: short keys, bad codes.
    r = s_record ("330106", "330100", s_k1, NULL);
    r.sign_key.len = 31;
    assert (authority_node_record ("330100", &r, NULL, why, sizeof why) == ERR_MALFORMED);
    r = s_record ("330106", "330100", s_k1, NULL);
    r.replaces_key.data = s_k2;
    r.replaces_key.len = 16;
    assert (authority_node_record ("330100", &r, NULL, why, sizeof why) == ERR_MALFORMED);
    r = s_record ("3301x6", "330100", s_k1, NULL);
    assert (authority_node_record ("330100", &r, NULL, why, sizeof why) == ERR_MALFORMED);
    assert (authority_node_record ("330100", NULL, NULL, why, sizeof why) == ERR_MALFORMED);
}

static Lic__NodeRecord
s_revocation (const char *division, const char *parent, const uint8_t *key, uint64_t after)
{
    Lic__NodeRecord rec = s_record (division, parent, key, NULL);
    rec.revocation = true;
    rec.revoked_after = after;
    rec.division_head = after;
    return rec;
}

//  A compromised node key: the parent revokes it from a stated origin
//  seq of the division's log; what the key signed after it is void.
static void
test_node_key_revocations (void)
{
    char why [512];
    //  The city revokes its county's key after origin seq 12, holding 12.
    Lic__NodeRecord v = s_revocation ("330106", "330100", s_k1, 12);
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 12, why, sizeof why) == ERR_OK);
    //  ... or after a later point (entries the county made that have not
    //  reached it yet); and at a level above that holds less of 330106.
    v = s_revocation ("330106", "330100", s_k1, 20);
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 12, why, sizeof why) == ERR_OK);
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 0, why, sizeof why) == ERR_OK);
    //  Never below what is applied here: no level above may have applied
    //  a statement the record voids.
    v = s_revocation ("330106", "330100", s_k1, 11);
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 12, why, sizeof why) == ERR_BAD_FIELD);
    assert (strstr (why, "up to origin seq 12") && strstr (why, "revoke after 12 or later")
         && strstr (why, "0101010101010101..."));
    //  Only a key the division had here; only once.
    v = s_revocation ("330106", "330100", s_k2, 12);
    assert (authority_node_revocation ("330100", &v, false, NULL, NULL, 12, why, sizeof why) == ERR_NOT_FOUND);
    assert (strstr (why, "never had here"));
    Lic__NodeRecord first = s_revocation ("330106", "330100", s_k1, 12);
    v = s_revocation ("330106", "330100", s_k1, 14);
    assert (authority_node_revocation ("330100", &v, true, NULL, &first, 12, why, sizeof why) == ERR_KEY_REVOKED);
    assert (strstr (why, "already revoked after origin seq 12"));
    //  Who may revoke: the parent it names, for a division below it.  A
    //  county cannot revoke its sibling's key, nor a city its province's,
    //  nor a city a county of another city.
    v = s_revocation ("330108", "330106", s_k1, 0);
    assert (authority_node_revocation ("330106", &v, true, NULL, NULL, 0, why, sizeof why) == ERR_FORBIDDEN);
    v = s_revocation ("330108", "330100", s_k1, 0);
    assert (authority_node_revocation ("330106", &v, true, NULL, NULL, 0, why, sizeof why) == ERR_FORBIDDEN);
    assert (strstr (why, "revocation record for 330108 names parent 330100 but is signed by node 330106"));
    v = s_revocation ("330000", "330100", s_k1, 0);
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 0, why, sizeof why) == ERR_FORBIDDEN);
    v = s_revocation ("330201", "330100", s_k1, 0);
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 0, why, sizeof why) == ERR_FORBIDDEN);
    //  Well formed: the revoked key whole, no CURVE key, nothing replaced,
    //  and marked as a revocation.
    v = s_revocation ("330106", "330100", s_k1, 12);
    v.sign_key.len = 31;
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 0, why, sizeof why) == ERR_MALFORMED);
    v = s_revocation ("330106", "330100", s_k1, 12);
    v.curve_key.data = s_k2;
    v.curve_key.len = 32;
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 0, why, sizeof why) == ERR_MALFORMED);
    v = s_revocation ("330106", "330100", s_k1, 12);
    v.replaces_key.data = s_k2;
    v.replaces_key.len = 32;
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 0, why, sizeof why) == ERR_MALFORMED);
    v = s_record ("330106", "330100", s_k1, NULL);
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 0, why, sizeof why) == ERR_MALFORMED);
    assert (authority_node_revocation ("330100", NULL, true, NULL, NULL, 0, why, sizeof why) == ERR_MALFORMED);
    //  A revocation vouches for no key: a chain walker that takes it for
    //  a node record trusts nothing from it.
    v = s_revocation ("330106", "330100", s_k1, 12);
    assert (authority_node_record ("330100", &v, NULL, why, sizeof why) == ERR_MALFORMED);
    assert (strstr (why, "is a revocation"));

    //  Only the direct parent, the node that vouches for the division's
    //  key, revokes it: the province cannot revoke its city's county's
    //  key (it revokes its city's), not even first, so that no other
    //  level's record can make the key impossible to revoke at the city.
    v = s_revocation ("330106", "330000", s_k1, 12);
    assert (authority_node_revocation ("330000", &v, true, "330100", NULL, 12, why, sizeof why)
            == ERR_FORBIDDEN);
    assert (strstr (why, "only the division's parent, the node that vouches for its key"));
    v = s_revocation ("330106", "330100", s_k1, 12);
    assert (authority_node_revocation ("330100", &v, true, "330100", NULL, 12, why, sizeof why)
            == ERR_OK);
    //  ... a county-level division a province vouches for itself (GB/T
    //  2260 XX90ZZ), by that province.
    v = s_revocation ("419001", "410000", s_k1, 3);
    assert (authority_node_revocation ("410000", &v, true, "410000", NULL, 3, why, sizeof why)
            == ERR_OK);
    //  The point never above what the signer held (its mark, or the
    //  child's last announced head): the record says it, every level
    //  checks it.  A point far ahead -- a typo, or made to be a no-op --
    //  is refused.
    v = s_revocation ("330106", "330100", s_k1, 20);
    v.division_head = 19;
    assert (authority_node_revocation ("330100", &v, true, "330100", NULL, 12, why, sizeof why)
            == ERR_BAD_FIELD);
    assert (strstr (why, "after origin seq 20 is beyond origin seq 19, what its signer 330100 "
                         "held of 330106") && strstr (why, "revoke after 19 or less"));
    v = s_revocation ("330106", "330100", s_k1, UINT64_MAX);
    v.division_head = 4;
    assert (authority_node_revocation ("330100", &v, true, "330100", NULL, 4, why, sizeof why)
            == ERR_BAD_FIELD);
    v.division_head = 0;       //  a record that states no head holds no point above 0
    assert (authority_node_revocation ("330100", &v, true, NULL, NULL, 0, why, sizeof why)
            == ERR_BAD_FIELD);

    //  A revoked key is refused for every use with no origin seq (a
    //  session, a summary, a checkpoint), whatever the point; another
    //  division's revocation, or none, refuses nothing.
    v = s_revocation ("330106", "330100", s_k1, 12);
    assert (authority_node_key_current (&v, "330106", "node summary", why, sizeof why)
            == ERR_NODE_KEY_REVOKED);
    assert (strstr (why, "node summary of 330106: node key 0101010101010101..., which 330100 "
                         "revoked as compromised after origin seq 12, is refused"));
    assert (authority_node_key_current (&v, "330108", "node summary", why, sizeof why) == ERR_OK);
    assert (authority_node_key_current (NULL, "330106", "checkpoint", why, sizeof why) == ERR_OK);
    Lic__NodeRecord plain = s_record ("330106", "330100", s_k1, NULL);
    assert (authority_node_key_current (&plain, "330106", "checkpoint", why, sizeof why) == ERR_OK);

    //  The statements: at or before the point valid, after it void, with
    //  their own code; other keys, other divisions untouched.
    v = s_revocation ("330106", "330100", s_k1, 12);
    assert (authority_node_statement (&v, "330106", 1, s_k1, why, sizeof why) == ERR_OK);
    assert (authority_node_statement (&v, "330106", 12, s_k1, why, sizeof why) == ERR_OK);
    assert (authority_node_statement (&v, "330106", 13, s_k1, why, sizeof why) == ERR_NODE_KEY_REVOKED);
    assert (strstr (why, "entry 13 of 330106 is signed by node key 0101010101010101..., which 330100 "
                         "revoked as compromised after origin seq 12"));
    assert (strcmp (err_str (ERR_NODE_KEY_REVOKED), "ERR_NODE_KEY_REVOKED") == 0);
    assert (authority_node_statement (&v, "330106", UINT64_MAX, s_k1, why, sizeof why) == ERR_NODE_KEY_REVOKED);
    assert (authority_node_statement (&v, "330106", 13, s_k2, why, sizeof why) == ERR_OK);
    assert (authority_node_statement (&v, "330108", 13, s_k1, why, sizeof why) == ERR_OK);
    assert (authority_node_statement (NULL, "330106", 13, s_k1, why, sizeof why) == ERR_OK);
    //  From 0: everything the key signed in that division is void.
    v = s_revocation ("330106", "330100", s_k1, 0);
    assert (authority_node_statement (&v, "330106", 1, s_k1, why, sizeof why) == ERR_NODE_KEY_REVOKED);
    //  A record that is not a revocation revokes nothing.
    v = s_record ("330106", "330100", s_k1, NULL);
    assert (authority_node_statement (&v, "330106", 13, s_k1, why, sizeof why) == ERR_OK);

    //  A revoked key never comes back, not even by a rotation naming the
    //  key that replaced it; the new key is fine.
    v = s_revocation ("330106", "330100", s_k1, 12);
    Lic__NodeRecord back = s_record ("330106", "330100", s_k1, s_k2);
    assert (authority_node_key_back (&v, &back, why, sizeof why) == ERR_KEY_REVOKED);
    assert (strstr (why, "never comes back"));
    Lic__NodeRecord rotation = s_record ("330106", "330100", s_k2, s_k1);
    assert (authority_node_key_back (&v, &rotation, why, sizeof why) == ERR_OK);
    assert (authority_node_key_back (NULL, &back, why, sizeof why) == ERR_OK);
}

//  A child's own entries carry their seq in its log as origin seq: it
//  cannot pick the origin seq it is judged by.
static void
test_child_entries (void)
{
    char why [512];
    assert (authority_child_entry ("330106", 5, "330106", 5, why, sizeof why) == ERR_OK);
    //  One entry claiming origin seq 1000000 would set the mark, the
    //  point of a revocation, and make every later entry "already held".
    assert (authority_child_entry ("330106", 5, "330106", 1000000, why, sizeof why) == ERR_BAD_FIELD);
    assert (strstr (why, "entry 5 of child 330106 is its own (origin 330106) but says origin seq "
                         "1000000"));
    assert (authority_child_entry ("330106", 5, "330106", 4, why, sizeof why) == ERR_BAD_FIELD);
    assert (authority_child_entry ("330106", 5, "330106", 0, why, sizeof why) == ERR_BAD_FIELD);
    //  Entries the child relays from below keep their origin's seq.
    assert (authority_child_entry ("330100", 9, "330106", 4, why, sizeof why) == ERR_OK);
    assert (authority_child_entry ("330100", 9, "330106", 40, why, sizeof why) == ERR_OK);
}

static void
test_catalogue_lines (void)
{
    char why [256];
    Lic__LicenseType t;
    codec_license_type_init (&t);
    t.type_code = "11100000000013338W011";
    t.division = "330106";
    t.version = 1;
    assert (authority_catalogue (&t, "330106", 0, why, sizeof why) == ERR_OK);
    //  Catalogue lines: another node's entry for the code travels as
    //  an entry of its own origin only.
    assert (authority_catalogue (&t, "330108", 0, why, sizeof why) == ERR_FORBIDDEN);
    //  Versions go forward one at a time in a node's own line.
    t.version = 2;
    assert (authority_catalogue (&t, "330106", 1, why, sizeof why) == ERR_OK);
    assert (authority_catalogue (&t, "330106", 2, why, sizeof why) == ERR_VERSION_MISMATCH);
    assert (strstr (why, "does not follow its latest version 2"));
    t.version = 1;
    assert (authority_catalogue (&t, "330106", 1, why, sizeof why) == ERR_VERSION_MISMATCH);
    t.version = 5;
    assert (authority_catalogue (&t, "330106", 1, why, sizeof why) == ERR_VERSION_MISMATCH);
}

static void
test_key_sets_only_grow_in_revocations (void)
{
    char why [256];
    ProtobufCBinaryData k1 = { 32, s_k1 }, k2 = { 32, s_k2 }, k3 = { 32, s_k3 };
    ProtobufCBinaryData sign_prev [1] = { k1 }, sign_next [1] = { k2 }, rev_next [1] = { k1 };
    Lic__Department prev = LIC__DEPARTMENT__INIT, next = LIC__DEPARTMENT__INIT;
    prev.credit_code = next.credit_code = "11330106MB0000001X";
    prev.sign_keys = sign_prev;
    prev.n_sign_keys = 1;
    prev.curve_key = k3;
    assert (authority_department (NULL, &prev, why, sizeof why) == ERR_OK);
    //  A rotation: k2 signs, k1 revoked, same CURVE key.
    next.sign_keys = sign_next;
    next.n_sign_keys = 1;
    next.revoked_keys = rev_next;
    next.n_revoked_keys = 1;
    next.curve_key = k3;
    assert (authority_department (&prev, &next, why, sizeof why) == ERR_OK);
    //  Dropping k1 without revoking it: refused (a dropped key is revoked).
    next.n_revoked_keys = 0;
    assert (authority_department (&prev, &next, why, sizeof why) == ERR_KEY_REVOKED);
    assert (strstr (why, "dropped is revoked"));
    //  Bringing a revoked key back, or leaving it out of the revoked ones.
    Lic__Department after = next;
    after.revoked_keys = rev_next;
    after.n_revoked_keys = 1;
    Lic__Department back = after;
    ProtobufCBinaryData both [2] = { k2, k1 };
    back.sign_keys = both;
    back.n_sign_keys = 2;
    assert (authority_department (&after, &back, why, sizeof why) == ERR_KEY_REVOKED);
    Lic__Department forgot = after;
    forgot.n_revoked_keys = 0;
    assert (authority_department (&after, &forgot, why, sizeof why) == ERR_KEY_REVOKED);
    assert (strstr (why, "01010101"));
    //  A CURVE key replaced is revoked, and never comes back.
    Lic__Department newcurve = after;
    newcurve.curve_key = k1;
    assert (authority_department (&after, &newcurve, why, sizeof why) == ERR_KEY_REVOKED);
    ProtobufCBinaryData rc3 [1] = { k3 };
    newcurve.revoked_curve_keys = rc3;
    newcurve.n_revoked_curve_keys = 1;
    assert (authority_department (&after, &newcurve, why, sizeof why) == ERR_OK);
    Lic__Department oldcurve = newcurve;
    oldcurve.curve_key = k3;
    assert (authority_department (&newcurve, &oldcurve, why, sizeof why) == ERR_KEY_REVOKED);

    //  Application bodies: the same for their CURVE keys.
    Lic__AppBody a = LIC__APP_BODY__INIT, b = LIC__APP_BODY__INIT;
    a.credit_code = b.credit_code = "12330106MB0000001D";
    a.curve_key = k1;
    b.curve_key = k2;
    assert (authority_app_body (&a, &b, why, sizeof why) == ERR_KEY_REVOKED);
    ProtobufCBinaryData ra [1] = { k1 };
    b.revoked_keys = ra;
    b.n_revoked_keys = 1;
    assert (authority_app_body (&a, &b, why, sizeof why) == ERR_OK);
    Lic__AppBody c = b;
    c.curve_key = k1;
    assert (authority_app_body (&b, &c, why, sizeof why) == ERR_KEY_REVOKED);
    c.curve_key = k3;
    c.n_revoked_keys = 0;
    assert (authority_app_body (&b, &c, why, sizeof why) == ERR_KEY_REVOKED);
}

int
main (void)
{
    memset (s_k1, 1, 32);
    memset (s_k2, 2, 32);
    memset (s_k3, 3, 32);
    test_levels_and_containment ();
    test_origin ();
    test_made_at ();
    test_node_records ();
    test_node_key_revocations ();
    test_child_entries ();
    test_catalogue_lines ();
    test_key_sets_only_grow_in_revocations ();
    printf ("authority: all passed\n");
    return 0;
}
