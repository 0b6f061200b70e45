/*  test_disclose.c -- sensitive items signed as salted digests (proto/
    disclose.c, catalogue_check_disclosed, licclient_seal_items; proto/README.md section 10
    item 3).

    A type with an item of every sensitivity is built by hand, and a
    content whose sensitive items are digested with fixed salts.  Each
    table row changes one thing and names the exact code and message it
    must get; no message may quote a value.  The digest vectors were
    computed outside this code base, with Python's
    hashlib.blake2b (salt + name + b"\0" + value, digest_size=32).
*/
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "proto/disclose.h"
#include "node/client/licclient.h"
#include "node/common/licjson.h"
#include "proto/seal.h"

#define N_SPECS     6
#define N_ITEMS     6
#define PUBLIC      LIC__SENSITIVITY__SENS_PUBLIC
#define INTERNAL    LIC__SENSITIVITY__SENS_INTERNAL
#define PERSONAL    LIC__SENSITIVITY__SENS_PERSONAL
#define COMMERCIAL  LIC__SENSITIVITY__SENS_COMMERCIAL
#define SECRET      LIC__SENSITIVITY__SENS_SECRET

//  Item indexes in the content (sorted by name)
enum { I_ADDRESS, I_CAPITAL, I_ID, I_MOBILE, I_NOTE, I_PIN };

static size_t s_cases;

//  A type, a content and its disclosures; never copied once built
typedef struct {
    Lic__LicenseType type;
    Lic__ItemSpec specs [N_SPECS];
    Lic__ItemSpec *spec_ptrs [N_SPECS];
    Lic__LicenseContent content;
    Lic__DataItem items [N_ITEMS];
    Lic__DataItem *item_ptrs [N_ITEMS];
    uint8_t digests [N_ITEMS][32];
    Lic__Disclosure disc [8];
    Lic__Disclosure *disc_ptrs [8];
    size_t n_disc;
    uint8_t salt [64];
} s_fixture_t;

static void
s_spec (Lic__ItemSpec *spec, const char *name, Lic__ItemKind kind,
        bool required, uint32_t max_length, const char *min, const char *max,
        Lic__Sensitivity sensitivity)
{
    Lic__ItemSpec init = LIC__ITEM_SPEC__INIT;
    *spec = init;
    spec->name = (char *) name;
    spec->kind = kind;
    spec->required = required;
    spec->max_length = max_length;
    spec->min = (char *) min;
    spec->max = (char *) max;
    spec->sensitivity = sensitivity;
}

static void
s_type (Lic__LicenseType *type, Lic__ItemSpec *specs, Lic__ItemSpec **ptrs)
{
    Lic__LicenseType init = LIC__LICENSE_TYPE__INIT;
    *type = init;
    type->version = 1;
    type->type_code = "11100000000013338W011";
    type->defining_body = "11100000000013338W";
    type->name = "test";
    s_spec (&specs [0], "address", LIC__ITEM_KIND__KIND_STRING, false, 0,
            "", "", PUBLIC);
    s_spec (&specs [1], "capital", LIC__ITEM_KIND__KIND_DECIMAL, true, 0,
            "0", "1000000", COMMERCIAL);
    s_spec (&specs [2], "id_number", LIC__ITEM_KIND__KIND_STRING, true, 18,
            "", "", PERSONAL);
    s_spec (&specs [3], "mobile", LIC__ITEM_KIND__KIND_STRING, false, 0,
            "", "", PERSONAL);
    s_spec (&specs [4], "note", LIC__ITEM_KIND__KIND_STRING, false, 0,
            "", "", INTERNAL);
    s_spec (&specs [5], "pin", LIC__ITEM_KIND__KIND_INTEGER, true, 0,
            "", "", SECRET);
    for (size_t i = 0; i < N_SPECS; i++)
        ptrs [i] = &specs [i];
    type->items = ptrs;
    type->n_items = N_SPECS;
}

//  Adds a disclosure of name with value under the fixture's salt
static void
s_disclose (s_fixture_t *x, const char *name, const char *value)
{
    Lic__Disclosure init = LIC__DISCLOSURE__INIT;
    Lic__Disclosure *d = &x->disc [x->n_disc];
    *d = init;
    d->name = (char *) name;
    d->value = (char *) value;
    d->salt.data = x->salt;
    d->salt.len = 16;
    x->disc_ptrs [x->n_disc++] = d;
}

//  Digests item i over value with the fixture's 16-byte salt
static void
s_digest (s_fixture_t *x, size_t i, const char *value)
{
    seal_item_digest (x->digests [i], x->salt, 16, x->items [i].name, value);
    x->items [i].value = "";
    x->items [i].digest.data = x->digests [i];
    x->items [i].digest.len = 32;
}

//  A valid content as the department sends it: capital, id_number,
//  mobile and pin digested and disclosed
static void
s_fixture (s_fixture_t *x)
{
    static const char *names [N_ITEMS] = {
        "address", "capital", "id_number", "mobile", "note", "pin"
    };
    memset (x, 0, sizeof *x);
    s_type (&x->type, x->specs, x->spec_ptrs);
    Lic__LicenseContent content = LIC__LICENSE_CONTENT__INIT;
    x->content = content;
    for (size_t i = 0; i < sizeof x->salt; i++)
        x->salt [i] = (uint8_t) (0xA0 + i);
    for (size_t i = 0; i < N_ITEMS; i++) {
        Lic__DataItem item = LIC__DATA_ITEM__INIT;
        x->items [i] = item;
        x->items [i].name = (char *) names [i];
        x->item_ptrs [i] = &x->items [i];
    }
    x->items [I_ADDRESS].value = "1 Main Street";
    x->items [I_NOTE].value = "internal note";
    s_digest (x, I_CAPITAL, "5000.50");
    s_digest (x, I_ID, "330106199001011234");
    s_digest (x, I_MOBILE, "13800000000");
    s_digest (x, I_PIN, "4321");
    x->content.items = x->item_ptrs;
    x->content.n_items = N_ITEMS;
    s_disclose (x, "capital", "5000.50");
    s_disclose (x, "id_number", "330106199001011234");
    s_disclose (x, "mobile", "13800000000");
    s_disclose (x, "pin", "4321");
}

//  No value of the fixture may appear in a message
static void
s_no_value_in (const char *why)
{
    static const char *values [] = {
        "5000.50", "330106199001011234", "13800000000", "4321", "abc",
        "2000000", "3301061990010112345"
    };
    for (size_t i = 0; i < sizeof values / sizeof values [0]; i++)
        assert (!strstr (why, values [i]));
}


//  --------------------------------------------------------------------
//  seal_item_digest

static void
test_digest_known_answers (void)
{
    struct {
        uint8_t salt_byte;          //  0xFF: salt 00 01 .. 0f
        size_t salt_len;
        const char *name, *value, *hex;
    } rows [] = {
        { 0xFF, 16, "id_number", "330106199001011234",
          "0b078a2915d88be48cf63a6c7007dbf1fdf013c6c011e032acf8d42adc3f666a" },
        { 0xAA, 64, "注册资本", "",
          "3bd8a03484e3c86cdeecefad2901dbde2a5f4c040902a06c816192d6aed7d616" },
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows [0]; r++) {
        uint8_t salt [64], out [32];
        char hex [65];
        for (size_t i = 0; i < rows [r].salt_len; i++)
            salt [i] = rows [r].salt_byte == 0xFF? (uint8_t) i: rows [r].salt_byte;
        seal_item_digest (out, salt, rows [r].salt_len, rows [r].name,
                          rows [r].value);
        seal_hex (hex, out, 32);
        assert (strcmp (hex, rows [r].hex) == 0);
        s_cases++;
    }
    //  The separator keeps name and value apart
    uint8_t a [32], b [32], salt [16] = { 0 };
    seal_item_digest (a, salt, 16, "ab", "c");
    seal_item_digest (b, salt, 16, "a", "bc");
    assert (memcmp (a, b, 32) != 0);
    s_cases++;
}


//  --------------------------------------------------------------------
//  disclose_check

static void
test_valid_content_passes (void)
{
    s_fixture_t x;
    char why [256] = "";
    s_fixture (&x);
    assert (disclose_check (&x.type, &x.content, x.disc_ptrs, x.n_disc, true,
                            why, sizeof why) == ERR_OK);
    assert (catalogue_check_disclosed (&x.type, &x.content, x.disc_ptrs,
                                       x.n_disc, why, sizeof why) == ERR_OK);
    //  Without a type only the digests are checked
    assert (disclose_check (NULL, &x.content, x.disc_ptrs, x.n_disc, true,
                            why, sizeof why) == ERR_OK);
    //  An event without content and without disclosures
    assert (disclose_check (&x.type, NULL, NULL, 0, true, why,
                            sizeof why) == ERR_OK);
    s_cases += 4;
}

static void m_id_in_clear (s_fixture_t *x)
{
    x->items [I_ID].value = "330106199001011234";
    x->items [I_ID].digest.len = 0;
    x->n_disc = 1;                  //  capital only
}
static void m_address_digested (s_fixture_t *x) { s_digest (x, I_ADDRESS, "1 Main Street"); }
static void m_note_digested (s_fixture_t *x) { s_digest (x, I_NOTE, "x"); }
static void m_short_digest (s_fixture_t *x) { x->items [I_CAPITAL].digest.len = 31; }
static void m_value_and_digest (s_fixture_t *x) { x->items [I_CAPITAL].value = "5000.50"; }
static void m_unknown_disclosure (s_fixture_t *x) { s_disclose (x, "ghost", "boo"); }
static void m_plain_disclosure (s_fixture_t *x) { s_disclose (x, "address", "1 Main Street"); }
static void m_twice (s_fixture_t *x) { s_disclose (x, "capital", "5000.50"); }
static void m_short_salt (s_fixture_t *x) { x->disc [0].salt.len = 15; }
static void m_long_salt (s_fixture_t *x) { x->disc [0].salt.len = 65; }
static void m_wrong_value (s_fixture_t *x) { x->disc [0].value = "5000.51"; }
static void m_wrong_salt (s_fixture_t *x) { x->disc [1].salt.data = x->salt + 1; }
static void m_missing (s_fixture_t *x) { x->n_disc = 3; }    //  pin withheld
static void m_no_content (s_fixture_t *x) { x->content.n_items = 0; }
static void m_empty_slot (s_fixture_t *x) { x->disc_ptrs [2] = NULL; }
static void m_huge_value (s_fixture_t *x)
{
    static char huge [4098];
    memset (huge, '7', sizeof huge - 1);
    x->disc [0].value = huge;
}
static void m_unprintable_name (s_fixture_t *x) { s_disclose (x, "bad\nname", "v"); }

static void
test_disclosure_rules (void)
{
    struct {
        void (*mutate) (s_fixture_t *);
        bool need_values;
        int rc;
        const char *why;
    } rows [] = {
        { m_id_in_clear, true, ERR_DISCLOSURE,
          "item id_number is personal: it must be signed as a salted digest, "
          "not in clear" },
        { m_address_digested, true, ERR_DISCLOSURE,
          "item address is public: it must be signed in clear, not as a digest" },
        { m_note_digested, false, ERR_DISCLOSURE,
          "item note is internal: it must be signed in clear, not as a digest" },
        { m_short_digest, true, ERR_DISCLOSURE,
          "item capital: digest of 31 bytes, must be 32" },
        { m_value_and_digest, true, ERR_DISCLOSURE,
          "item capital is signed as a digest: its value must be empty in the "
          "signed body" },
        { m_unknown_disclosure, true, ERR_DISCLOSURE,
          "disclosure of item ghost: the content has no such item" },
        { m_plain_disclosure, true, ERR_DISCLOSURE,
          "disclosure of item address: the item is signed in clear, there is "
          "nothing to disclose" },
        { m_twice, true, ERR_DISCLOSURE,
          "item capital is disclosed more than once" },
        { m_short_salt, true, ERR_DISCLOSURE,
          "disclosure of item capital: salt of 15 bytes, must be 16 to 64" },
        { m_long_salt, true, ERR_DISCLOSURE,
          "disclosure of item capital: salt of 65 bytes, must be 16 to 64" },
        { m_wrong_value, true, ERR_DISCLOSURE,
          "disclosure of item capital does not match its digest" },
        { m_wrong_salt, false, ERR_DISCLOSURE,
          "disclosure of item id_number does not match its digest" },
        { m_missing, true, ERR_DISCLOSURE,
          "item pin is signed as a digest but its value is not disclosed" },
        { m_missing, false, ERR_OK, "" },
        { NULL, false, ERR_DISCLOSURE,
          "disclosure of item pin: the item is secret, its value never leaves "
          "the node that received the event" },
        { m_no_content, true, ERR_DISCLOSURE,
          "disclosure of item capital: the content has no such item" },
        { m_empty_slot, true, ERR_DISCLOSURE, "disclosures[2] is empty" },
        { m_huge_value, true, ERR_DISCLOSURE,
          "disclosure of item capital: value over 4096 bytes" },
        { m_unprintable_name, true, ERR_DISCLOSURE,
          "disclosure of item (unprintable): the content has no such item" },
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows [0]; r++) {
        s_fixture_t x;
        char why [256] = "";
        s_fixture (&x);
        if (rows [r].mutate)
            rows [r].mutate (&x);
        int rc = disclose_check (&x.type, &x.content, x.disc_ptrs, x.n_disc,
                                 rows [r].need_values, why, sizeof why);
        if (rc != rows [r].rc || strcmp (why, rows [r].why) != 0) {
            fprintf (stderr, "row %zu: got %s \"%s\"\n", r, err_str (rc), why);
            assert (false);
        }
        s_no_value_in (why);
        s_cases++;
    }
    //  Disclosures on an event that carries no content at all
    s_fixture_t x;
    char why [256] = "";
    s_fixture (&x);
    assert (disclose_check (NULL, NULL, x.disc_ptrs, 1, true, why,
                            sizeof why) == ERR_DISCLOSURE);
    assert (strcmp (why, "disclosure of item capital: the event carries no "
                    "content") == 0);
    s_cases++;
}


//  --------------------------------------------------------------------
//  catalogue_check_disclosed

static void
test_upper_level_without_values_passes (void)
{
    s_fixture_t x;
    char why [256] = "";
    s_fixture (&x);
    //  What an upper level sees of an entry: no secret disclosure, here
    //  none at all; the required digested items still count as present
    assert (disclose_check (&x.type, &x.content, NULL, 0, false, why,
                            sizeof why) == ERR_OK);
    assert (catalogue_check_disclosed (&x.type, &x.content, NULL, 0, why,
                                       sizeof why) == ERR_OK);
    assert (catalogue_check_content (&x.type, &x.content, why,
                                     sizeof why) == ERR_OK);
    //  A required item absent altogether is still missing (pin is last)
    x.content.n_items = N_ITEMS - 1;
    assert (catalogue_check_disclosed (&x.type, &x.content, NULL, 0, why,
                                       sizeof why) == ERR_CATALOGUE);
    assert (strcmp (why, "item pin: required but missing") == 0);
    s_cases += 4;
}

static void
test_value_rules_apply_to_disclosed_values (void)
{
    struct {
        size_t item;                //  re-digested over value
        const char *value;
        const char *why;
    } rows [] = {
        { I_CAPITAL, "abc", "item capital: value is not a decimal" },
        { I_CAPITAL, "2000000", "item capital: value is above the maximum 1000000" },
        { I_CAPITAL, "", "item capital: required but missing" },
        { I_ID, "3301061990010112345", "item id_number: 19 characters, at most 18 allowed" },
        { I_PIN, "abc", "item pin: value is not an integer" },
    };
    static const size_t disc_of [N_ITEMS] = { 0, 0, 1, 2, 0, 3 };
    for (size_t r = 0; r < sizeof rows / sizeof rows [0]; r++) {
        s_fixture_t x;
        char why [256] = "";
        s_fixture (&x);
        s_digest (&x, rows [r].item, rows [r].value);
        x.disc [disc_of [rows [r].item]].value = (char *) rows [r].value;
        assert (disclose_check (&x.type, &x.content, x.disc_ptrs, x.n_disc,
                                true, why, sizeof why) == ERR_OK);
        int rc = catalogue_check_disclosed (&x.type, &x.content, x.disc_ptrs,
                                            x.n_disc, why, sizeof why);
        if (rc != ERR_CATALOGUE || strcmp (why, rows [r].why) != 0) {
            fprintf (stderr, "row %zu: got %s \"%s\"\n", r, err_str (rc), why);
            assert (false);
        }
        s_no_value_in (why);
        //  The same value not disclosed (upper level) is not judged
        assert (catalogue_check_disclosed (&x.type, &x.content, NULL, 0, why,
                                           sizeof why) == ERR_OK);
        s_cases += 2;
    }
}


//  --------------------------------------------------------------------
//  disclose_split and disclose_visible

static void
test_split_keeps_secret_ones_out (void)
{
    s_fixture_t x;
    s_fixture (&x);
    //  pin (secret) first: the others move up in their order
    Lic__Disclosure *d [4] = { &x.disc [3], &x.disc [0], &x.disc [1], &x.disc [2] };
    assert (disclose_split (&x.type, d, 4) == 3);
    assert (d [0] == &x.disc [0] && d [1] == &x.disc [1]
         && d [2] == &x.disc [2] && d [3] == &x.disc [3]);
    //  Nothing secret: nothing moves
    assert (disclose_split (&x.type, d, 3) == 3);
    assert (d [0] == &x.disc [0] && d [2] == &x.disc [2]);
    //  Only secret
    Lic__Disclosure *only [1] = { &x.disc [3] };
    assert (disclose_split (&x.type, only, 1) == 0);
    //  Without a type everything is kept
    Lic__Disclosure *all [2] = { &x.disc [3], &x.disc [0] };
    assert (disclose_split (NULL, all, 2) == 2);
    assert (all [0] == &x.disc [3]);
    assert (disclose_split (&x.type, NULL, 0) == 0);
    s_cases += 5;
}

static void
test_clearance_covers_its_kinds (void)
{
    const Lic__Sensitivity personal [] = { PERSONAL };
    const Lic__Sensitivity both [] = { COMMERCIAL, SECRET };
    struct {
        Lic__Sensitivity s;
        const Lic__Sensitivity *clearance;
        size_t n;
        bool visible;
    } rows [] = {
        { PUBLIC, NULL, 0, true },
        { INTERNAL, NULL, 0, true },
        { PERSONAL, NULL, 0, false },
        { COMMERCIAL, NULL, 0, false },
        { SECRET, NULL, 0, false },
        { PERSONAL, personal, 1, true },
        { COMMERCIAL, personal, 1, false },
        { SECRET, personal, 1, false },
        { PERSONAL, both, 2, false },       //  secret does not imply personal
        { COMMERCIAL, both, 2, true },
        { SECRET, both, 2, true },
        { (Lic__Sensitivity) 9, both, 2, false },
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows [0]; r++) {
        assert (disclose_visible (rows [r].s, rows [r].clearance, rows [r].n)
                == rows [r].visible);
        s_cases++;
    }
}


//  --------------------------------------------------------------------
//  licclient_seal_items: what licctl publish does to a plain JSON event

static void
test_seal_items_round_trip (void)
{
    s_fixture_t x;
    char why [256] = "";
    s_fixture (&x);
    const char *line =
        "{\"op\":\"issue\",\"license_id\":\"L\",\"license\":{\"items\":{"
        "\"address\":\"1 Main Street\",\"capital\":\"5000.50\","
        "\"id_number\":\"330106199001011234\",\"mobile\":\"\","
        "\"note\":\"n\",\"pin\":\"4321\"}}}";
    Lic__Event *ev = NULL;
    assert (licjson_event_from_json (line, &ev, why, sizeof why) == ERR_OK);
    Lic__Disclosure **d = NULL;
    size_t n = 0;
    assert (licclient_seal_items (ev->content, &x.type, &d, &n) == ERR_OK);
    assert (n == 4);
    const char *expect [4][2] = {
        { "capital", "5000.50" }, { "id_number", "330106199001011234" },
        { "mobile", "" }, { "pin", "4321" }
    };
    for (size_t i = 0; i < n; i++) {
        assert (strcmp (d [i]->name, expect [i][0]) == 0);
        assert (strcmp (d [i]->value, expect [i][1]) == 0);
        assert (d [i]->salt.len == 16);
    }
    Lic__LicenseContent *c = ev->content;
    assert (c->items [I_ADDRESS]->digest.len == 0);
    assert (strcmp (c->items [I_ADDRESS]->value, "1 Main Street") == 0);
    assert (c->items [I_NOTE]->digest.len == 0);
    for (size_t i = I_CAPITAL; i <= I_PIN; i++)
        if (i != I_NOTE)
            assert (c->items [i]->digest.len == 32 && !*c->items [i]->value);
    //  Two salts are not the same (fresh randomness per item)
    assert (memcmp (d [0]->salt.data, d [1]->salt.data, 16) != 0);
    assert (disclose_check (&x.type, c, d, n, true, why, sizeof why) == ERR_OK);
    assert (catalogue_check_disclosed (&x.type, c, d, n, why, sizeof why) == ERR_OK);
    //  Sealing again changes nothing: the items are already digests
    Lic__Disclosure **again = NULL;
    size_t n_again = 1;
    assert (licclient_seal_items (c, &x.type, &again, &n_again) == ERR_OK);
    assert (n_again == 0 && !again);
    //  The body still encodes and decodes; JSON shows the digests
    uint8_t *buf = NULL;
    size_t len = 0;
    Lic__Event *back = NULL;
    assert (codec_event_encode (ev, &buf, &len) == ERR_OK);
    assert (codec_event_decode (buf, len, &back) == ERR_OK);
    assert (back->content->items [I_ID]->digest.len == 32);
    json_t *j = licjson_event_to_json (back);
    assert (j);
    json_t *item = json_object_get (json_object_get (json_object_get (j, "license"),
                                                     "items"), "id_number");
    char hex [65];
    seal_hex (hex, back->content->items [I_ID]->digest.data, 32);
    assert (json_is_object (item));
    assert (strcmp (json_string_value (json_object_get (item, "digest")), hex) == 0);
    assert (strcmp (json_string_value (json_object_get (json_object_get (
        json_object_get (j, "license"), "items"), "address")), "1 Main Street") == 0);
    json_decref (j);
    codec_event_free (&back);
    free (buf);
    licclient_disclosures_free (&d, n);
    assert (!d);
    licclient_disclosures_free (&d, 0);
    codec_event_free (&ev);
    s_cases += 6;
    //  Without a type nothing is sealed
    assert (licjson_event_from_json (line, &ev, why, sizeof why) == ERR_OK);
    assert (licclient_seal_items (ev->content, NULL, &d, &n) == ERR_OK);
    assert (n == 0 && !d);
    codec_event_free (&ev);
    s_cases++;
}

//  --------------------------------------------------------------------
//  The lookups that start where the previous one ended, against the
//  plain ones, on types listing their specs in every order and contents
//  holding any subset of the names, looked up in several orders

static uint64_t s_rand = 0x2545F4914F6CDD1Du;

static size_t
s_random (size_t n)
{
    s_rand ^= s_rand << 13;
    s_rand ^= s_rand >> 7;
    s_rand ^= s_rand << 17;
    return (size_t) (s_rand % n);
}

static void
test_lookups_in_turn_as_the_plain_ones (void)
{
    //  Sorted, as content items are; "zz" and "" are never a spec
    static const char *names [] = { "address", "capital", "id_number", "mobile", "note",
                                    "pin", "scope", "zz", "" };
    enum { NAMES = sizeof names / sizeof names [0], SPECS = NAMES - 2 };
    Lic__ItemSpec specs [SPECS];
    Lic__ItemSpec *spec_ptrs [SPECS];
    Lic__DataItem items [NAMES];
    Lic__DataItem *item_ptrs [NAMES];
    size_t compared = 0;
    for (size_t round = 0; round < 3000; round++) {
        //  A type of some of the specs, in a random order, now and then
        //  a NULL one
        Lic__LicenseType type = LIC__LICENSE_TYPE__INIT;
        size_t order [SPECS];
        for (size_t i = 0; i < SPECS; i++)
            order [i] = i;
        for (size_t i = SPECS - 1; i > 0; i--) {
            size_t j = s_random (i + 1), swap = order [i];
            order [i] = order [j];
            order [j] = swap;
        }
        if (round % 3 == 0)             //  often in the items' order
            for (size_t i = 0; i < SPECS; i++)
                order [i] = i;
        type.n_items = s_random (SPECS + 1);
        for (size_t i = 0; i < type.n_items; i++) {
            Lic__ItemSpec init = LIC__ITEM_SPEC__INIT;
            specs [i] = init;
            specs [i].name = (char *) names [order [i]];
            spec_ptrs [i] = s_random (20) == 0? NULL: &specs [i];
        }
        type.items = spec_ptrs;
        //  A content of some of the names, sorted
        Lic__LicenseContent content = LIC__LICENSE_CONTENT__INIT;
        for (size_t i = 0; i < NAMES - 1; i++)
            if (s_random (3)) {
                Lic__DataItem init = LIC__DATA_ITEM__INIT;
                items [content.n_items] = init;
                items [content.n_items].name = (char *) names [i];
                item_ptrs [content.n_items] = &items [content.n_items];
                content.n_items++;
            }
        content.items = item_ptrs;
        //  Look every name up in turn: in order, in the type's order, at
        //  random; the state carried from one lookup to the next
        size_t from = s_random (2)? 0: s_random (SPECS + 3), next = 0;
        for (size_t k = 0; k < 3 * NAMES; k++) {
            const char *name = k < NAMES? names [k]:
                               k < 2 * NAMES && k - NAMES < type.n_items?
                               names [order [k - NAMES]]: names [s_random (NAMES)];
            const Lic__ItemSpec *spec = disclose_spec (&type, name);
            assert (disclose_spec_next (&type, name, &from) == spec);
            assert (from < SPECS + 3);
            assert (disclose_item_next (&content, name, &next) == disclose_item (&content, name));
            compared++;
        }
        size_t zero = 0;
        assert (disclose_spec_next (NULL, "pin", &zero) == NULL);
        assert (disclose_item_next (NULL, "pin", &zero) == NULL && zero == 0);
    }
    s_cases += compared;
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    test_digest_known_answers ();
    test_valid_content_passes ();
    test_disclosure_rules ();
    test_upper_level_without_values_passes ();
    test_value_rules_apply_to_disclosed_values ();
    test_split_keeps_secret_ones_out ();
    test_clearance_covers_its_kinds ();
    test_seal_items_round_trip ();
    test_lookups_in_turn_as_the_plain_ones ();
    printf ("test_disclose: %zu cases passed\n", s_cases);
    return 0;
}
