/*  test_licid.c -- license ids, credit codes, resident ids, dates,
    division codes and holder id types (proto/licid.c).

    The two license id vectors are authoritative (real GB/T 36904 ids);
    the resident id vectors were computed with an independent script.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include "proto/licid.h"

#define V1_TYPE     "11100000000013338W011"
#define V1_ISSUER   "11430000006122244L"
#define V1_SERIAL   "20230000403"
#define V1_VERSION  "001"
#define V1_BARE     V1_TYPE V1_ISSUER V1_SERIAL V1_VERSION "U"
#define V1_PRINTED  "1.2.156.3005.2." V1_TYPE "." V1_ISSUER "." V1_SERIAL \
                    "." V1_VERSION ".U"

#define V2_TYPE     "11100000000013338W032"
#define V2_ISSUER   "11220000013544541J"
#define V2_SERIAL   "2430599"
#define V2_VERSION  "001"
#define V2_BARE     V2_TYPE V2_ISSUER V2_SERIAL V2_VERSION "F"
#define V2_PRINTED  "1.2.156.3005.2." V2_TYPE "." V2_ISSUER "." V2_SERIAL \
                    "." V2_VERSION ".F"

static const char s_alnum36 [] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char s_alnum31 [] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static bool
s_parses (const char *text)
{
    licid_t id;
    char why [256] = "";
    int rc = licid_parse (text, &id, why, sizeof why);
    assert (rc == ERR_OK || rc == ERR_BAD_LICENSE_ID);
    if (rc != ERR_OK)
        assert (*why);              //  every refusal explains itself
    return rc == ERR_OK;
}

//  Builds a bare id with the right check character
static void
s_make_bare (char *buf, size_t size, const char *type, const char *issuer,
             const char *serial, const char *version)
{
    char check = licid_check_char (type, issuer, serial, version);
    assert (check);
    snprintf (buf, size, "%s%s%s%s%c", type, issuer, serial, version, check);
}


//  --------------------------------------------------------------------
//  License ids

static void
test_check_char_reproduces_vectors (void)
{
    assert (licid_check_char (V1_TYPE, V1_ISSUER, V1_SERIAL, V1_VERSION)
            == 'U');
    assert (licid_check_char (V2_TYPE, V2_ISSUER, V2_SERIAL, V2_VERSION)
            == 'F');
}

static void
test_check_char_refuses_foreign_characters (void)
{
    assert (licid_check_char (V1_TYPE, V1_ISSUER, "2023000040a", V1_VERSION)
            == 0);
    assert (licid_check_char (V1_TYPE, V1_ISSUER, "2023 000403", V1_VERSION)
            == 0);
    assert (licid_check_char (V1_TYPE, "11430000006122244.", V1_SERIAL,
                              V1_VERSION) == 0);
}

static void
test_parse_accepts_bare_vectors (void)
{
    licid_t id;
    assert (licid_parse (V1_BARE, &id, NULL, 0) == ERR_OK);
    assert (strcmp (id.type_code, V1_TYPE) == 0);
    assert (strcmp (id.issuer, V1_ISSUER) == 0);
    assert (strcmp (id.serial, V1_SERIAL) == 0);
    assert (strcmp (id.version, V1_VERSION) == 0);
    assert (id.check == 'U');
    assert (strcmp (id.bare, V1_BARE) == 0);

    assert (licid_parse (V2_BARE, &id, NULL, 0) == ERR_OK);
    assert (strcmp (id.type_code, V2_TYPE) == 0);
    assert (strcmp (id.issuer, V2_ISSUER) == 0);
    assert (strcmp (id.serial, V2_SERIAL) == 0);
    assert (strcmp (id.version, V2_VERSION) == 0);
    assert (id.check == 'F');
    assert (strcmp (id.bare, V2_BARE) == 0);
}

static void
test_parse_accepts_printed_vectors (void)
{
    licid_t id;
    assert (licid_parse (V1_PRINTED, &id, NULL, 0) == ERR_OK);
    assert (strcmp (id.type_code, V1_TYPE) == 0);
    assert (strcmp (id.issuer, V1_ISSUER) == 0);
    assert (strcmp (id.serial, V1_SERIAL) == 0);
    assert (strcmp (id.version, V1_VERSION) == 0);
    assert (id.check == 'U');
    assert (strcmp (id.bare, V1_BARE) == 0);

    assert (licid_parse (V2_PRINTED, &id, NULL, 0) == ERR_OK);
    assert (strcmp (id.serial, V2_SERIAL) == 0);
    assert (id.check == 'F');
    assert (strcmp (id.bare, V2_BARE) == 0);
}

static void
test_printed_round_trips (void)
{
    licid_t id, again;
    char buf [128];
    assert (licid_parse (V1_BARE, &id, NULL, 0) == ERR_OK);
    assert (licid_printed (&id, buf, sizeof buf) == ERR_OK);
    assert (strcmp (buf, V1_PRINTED) == 0);
    assert (licid_parse (buf, &again, NULL, 0) == ERR_OK);
    assert (memcmp (&id, &again, sizeof id) == 0);

    assert (licid_parse (V2_PRINTED, &id, NULL, 0) == ERR_OK);
    assert (licid_printed (&id, buf, sizeof buf) == ERR_OK);
    assert (strcmp (buf, V2_PRINTED) == 0);
}

static void
test_printed_refuses_small_buffer (void)
{
    licid_t id;
    char buf [128];
    size_t need = strlen (V1_PRINTED) + 1;
    assert (licid_parse (V1_BARE, &id, NULL, 0) == ERR_OK);
    assert (licid_printed (&id, buf, need) == ERR_OK);
    assert (licid_printed (&id, buf, need - 1) == ERR_TOO_LARGE);
    assert (buf [0] == 0);
    assert (licid_printed (&id, buf, 1) == ERR_TOO_LARGE);
    assert (licid_printed (&id, NULL, 0) == ERR_TOO_LARGE);
}

static void
test_parse_rejects_every_wrong_check_char (void)
{
    const char *forms [] = { V1_BARE, V1_PRINTED, V2_BARE, V2_PRINTED };
    const char right [] = { 'U', 'U', 'F', 'F' };
    for (int f = 0; f < 4; f++) {
        char text [128];
        snprintf (text, sizeof text, "%s", forms [f]);
        size_t last = strlen (text) - 1;
        assert (text [last] == right [f]);
        for (const char *c = s_alnum36; *c; c++) {
            text [last] = *c;
            licid_t id;
            char why [256] = "";
            int rc = licid_parse (text, &id, why, sizeof why);
            if (*c == right [f]) {
                assert (rc == ERR_OK);
                continue;
            }
            assert (rc == ERR_BAD_LICENSE_ID);
            char expected [32];
            snprintf (expected, sizeof expected, "expected '%c'", right [f]);
            assert (strstr (why, expected));
            assert (id.bare [0] == 0);      //  nothing half-parsed leaks
        }
    }
}

static void
test_parse_rejects_changed_body (void)
{
    //  Any single substitution in the body changes the check character
    char text [128];
    for (size_t i = 0; i + 1 < strlen (V1_BARE); i++)
        for (const char *c = s_alnum36; *c; c++) {
            snprintf (text, sizeof text, "%s", V1_BARE);
            if (text [i] == *c)
                continue;
            text [i] = *c;
            assert (!s_parses (text));
        }
}

static void
test_parse_rejects_truncated_ids (void)
{
    char text [128];
    //  Printed: every prefix is malformed
    for (size_t len = 0; len < strlen (V1_PRINTED); len++) {
        snprintf (text, sizeof text, "%.*s", (int) len, V1_PRINTED);
        assert (!s_parses (text));
    }
    //  Bare: too short to hold a serial
    for (size_t len = 0; len < 44; len++) {
        snprintf (text, sizeof text, "%.*s", (int) len, V1_BARE);
        assert (!s_parses (text));
    }
    //  Bare: one char off the end
    snprintf (text, sizeof text, "%.*s", (int) strlen (V1_BARE) - 1, V1_BARE);
    assert (!s_parses (text));
    assert (!s_parses (""));
    licid_t id;
    assert (licid_parse (NULL, &id, NULL, 0) == ERR_BAD_LICENSE_ID);
}

static void
test_parse_serial_bounds (void)
{
    char text [160];
    char serial [40];
    licid_t id;
    //  1 and 32 chars are fine, in both forms
    s_make_bare (text, sizeof text, V1_TYPE, V1_ISSUER, "7", V1_VERSION);
    assert (strlen (text) == 44);
    assert (licid_parse (text, &id, NULL, 0) == ERR_OK);
    assert (strcmp (id.serial, "7") == 0);
    memset (serial, 'Z', 32);
    serial [32] = 0;
    s_make_bare (text, sizeof text, V1_TYPE, V1_ISSUER, serial, V1_VERSION);
    assert (strlen (text) == 75);
    assert (licid_parse (text, &id, NULL, 0) == ERR_OK);
    assert (strcmp (id.serial, serial) == 0);
    char printed [160];
    assert (licid_printed (&id, printed, sizeof printed) == ERR_OK);
    assert (licid_parse (printed, &id, NULL, 0) == ERR_OK);

    //  33 chars is too long, in both forms
    memset (serial, 'Z', 33);
    serial [33] = 0;
    s_make_bare (text, sizeof text, V1_TYPE, V1_ISSUER, serial, V1_VERSION);
    assert (!s_parses (text));
    snprintf (printed, sizeof printed, "1.2.156.3005.2.%s.%s.%s.%s.%c",
              V1_TYPE, V1_ISSUER, serial, V1_VERSION,
              licid_check_char (V1_TYPE, V1_ISSUER, serial, V1_VERSION));
    assert (!s_parses (printed));
    //  Empty serial in printed form
    snprintf (printed, sizeof printed, "1.2.156.3005.2.%s.%s..%s.%c",
              V1_TYPE, V1_ISSUER, V1_VERSION,
              licid_check_char (V1_TYPE, V1_ISSUER, "", V1_VERSION));
    assert (!s_parses (printed));
}

//  The bare form licid_parse writes is the parts as printf joins them
//  ("%s%s%s%s%c"), for every serial length, from either form
static void
test_parse_bare_matches_printf (void)
{
    char text [160], printed [160], serial [LICID_SERIAL_MAX + 1];
    licid_t id;
    for (size_t len = 1; len <= LICID_SERIAL_MAX; len++) {
        for (size_t i = 0; i < len; i++)
            serial [i] = s_alnum36 [(i * 7 + len) % 36];
        serial [len] = 0;
        s_make_bare (text, sizeof text, V2_TYPE, V2_ISSUER, serial, V1_VERSION);
        assert (strlen (text) == 43 + len);
        memset (&id, 'x', sizeof id);
        assert (licid_parse (text, &id, NULL, 0) == ERR_OK);
        assert (strlen (id.bare) == strlen (text));
        assert (memcmp (id.bare, text, strlen (text) + 1) == 0);
        assert (licid_printed (&id, printed, sizeof printed) == ERR_OK);
        memset (&id, 'x', sizeof id);
        assert (licid_parse (printed, &id, NULL, 0) == ERR_OK);
        assert (memcmp (id.bare, text, strlen (text) + 1) == 0);
    }
    //  The longest bare id fills the field exactly
    assert (strlen (id.bare) == LICID_BARE_MAX);
}

static void
test_parse_rejects_overlong_ids (void)
{
    char text [400];
    snprintf (text, sizeof text, "%sA", V1_BARE);
    assert (!s_parses (text));
    memset (text, 'A', sizeof text - 1);
    text [sizeof text - 1] = 0;
    assert (!s_parses (text));
    snprintf (text, sizeof text, "%s.U", V1_PRINTED);
    assert (!s_parses (text));
}

static void
test_parse_rejects_lower_case (void)
{
    const char *texts [] = {
        "11100000000013338w01111430000006122244L20230000403001U",
        "11100000000013338W01111430000006122244l20230000403001U",
        "11100000000013338W01111430000006122244L20230000403001u",
        "1.2.156.3005.2.11100000000013338w011.11430000006122244L."
        "20230000403.001.U",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts [0]; i++) {
        licid_t id;
        char why [256] = "";
        assert (licid_parse (texts [i], &id, why, sizeof why)
                == ERR_BAD_LICENSE_ID);
        assert (strstr (why, "lower-case"));
    }
}

static void
test_parse_rejects_whitespace (void)
{
    assert (!s_parses (" " V1_BARE));
    assert (!s_parses (V1_BARE " "));
    assert (!s_parses (V1_BARE "\n"));
    assert (!s_parses ("11100000000013338W011\t11430000006122244L"
                       "20230000403001U"));
    assert (!s_parses (" " V1_PRINTED));
    assert (!s_parses ("1.2.156.3005.2. 11100000000013338W011."
                       "11430000006122244L.20230000403.001.U"));
}

static void
test_parse_rejects_bad_structure (void)
{
    //  Wrong prefix, dots in a bare id, wrong part counts or widths
    assert (!s_parses ("1.2.156.3005.3." V1_TYPE "." V1_ISSUER "."
                       V1_SERIAL "." V1_VERSION ".U"));
    assert (!s_parses (V1_TYPE "." V1_ISSUER "." V1_SERIAL "." V1_VERSION
                       ".U"));
    assert (!s_parses ("1.2.156.3005.2." V1_TYPE "." V1_ISSUER "."
                       V1_SERIAL "." V1_VERSION "U"));
    assert (!s_parses ("1.2.156.3005.2." V1_TYPE "." V1_ISSUER "."
                       V1_SERIAL "." V1_VERSION ".U."));
    assert (!s_parses ("1.2.156.3005.2." V1_TYPE "." V1_ISSUER "."
                       V1_SERIAL "." V1_VERSION ".UU"));
    assert (!s_parses ("1.2.156.3005.2." V1_TYPE "1." V1_ISSUER "."
                       V1_SERIAL "." V1_VERSION ".U"));
    assert (!s_parses ("1.2.156.3005.2." V1_TYPE "." V1_ISSUER "."
                       V1_SERIAL ".0001.U"));
    assert (!s_parses ("1.2.156.3005.2."));
}

static void
test_parse_rejects_letters_in_digit_fields (void)
{
    char text [128];
    //  Version must be 3 digits, type number too, even with a right check
    s_make_bare (text, sizeof text, V1_TYPE, V1_ISSUER, V1_SERIAL, "00A");
    assert (!s_parses (text));
    s_make_bare (text, sizeof text, "11100000000013338W01A", V1_ISSUER,
                 V1_SERIAL, V1_VERSION);
    assert (!s_parses (text));
    //  Control: the same construction with digits passes
    s_make_bare (text, sizeof text, V1_TYPE, V1_ISSUER, V1_SERIAL, "002");
    assert (s_parses (text));
}


//  --------------------------------------------------------------------
//  Unified social credit codes

static void
test_credit_code_accepts_vectors (void)
{
    assert (licid_credit_code_valid (V1_ISSUER));
    assert (licid_credit_code_valid (V2_ISSUER));
    assert (licid_credit_code_valid ("11100000000013338W"));
}

static void
test_credit_code_rejects_any_changed_char (void)
{
    const char *codes [] = {
        V1_ISSUER, V2_ISSUER, "11100000000013338W"
    };
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 18; i++) {
            //  every other char of the alphabet, and ones outside it
            const char *others = s_alnum36;
            for (const char *c = others; *c; c++) {
                char code [19];
                memcpy (code, codes [k], 19);
                if (code [i] == *c)
                    continue;
                code [i] = *c;
                assert (!licid_credit_code_valid (code));
            }
            char code [19];
            memcpy (code, codes [k], 19);
            code [i] = (char) (code [i] | 0x20);      //  lower-case
            if (code [i] != codes [k][i])
                assert (!licid_credit_code_valid (code));
        }
}

static void
test_credit_code_rejects_forbidden_letters (void)
{
    //  I O S V Z are not in the alphabet: no check char rescues them
    const char *bodies [] = {
        "I1330106MA2B3C4D5", "91330106MA2B3C4O5", "91330106MA2B3C4DS",
        "91330106MA2B3V4D5", "9133010ZMA2B3C4D5"
    };
    for (size_t k = 0; k < sizeof bodies / sizeof bodies [0]; k++)
        for (const char *c = s_alnum36; *c; c++) {
            char code [19];
            snprintf (code, sizeof code, "%s%c", bodies [k], *c);
            assert (!licid_credit_code_valid (code));
        }
    //  ... nor as the check char itself
    assert (!licid_credit_code_valid ("11430000006122244I"));
    assert (!licid_credit_code_valid ("11430000006122244Z"));
}

static void
test_credit_code_rejects_wrong_length (void)
{
    assert (!licid_credit_code_valid ("11430000006122244"));
    assert (!licid_credit_code_valid ("11430000006122244L0"));
    assert (!licid_credit_code_valid (""));
    assert (!licid_credit_code_valid (NULL));
    assert (!licid_credit_code_valid (" 11430000006122244L"));
}

static void
test_credit_code_check_covers_alphabet (void)
{
    //  For a fixed body exactly one of the 31 check chars is right
    char code [19] = "91330106MA2B3C4D5";
    int good = 0;
    for (const char *c = s_alnum31; *c; c++) {
        code [17] = *c;
        code [18] = 0;
        good += licid_credit_code_valid (code);
    }
    assert (good == 1);
}


//  --------------------------------------------------------------------
//  Resident ids

static void
test_resident_id_accepts_valid_ids (void)
{
    assert (licid_resident_id_valid ("11010519491231002X"));
    assert (licid_resident_id_valid ("330106200002290010"));   //  leap day
    assert (licid_resident_id_valid ("330106202401311236"));
    assert (licid_resident_id_valid ("440304198812315674"));
}

static void
test_resident_id_rejects_bad_check (void)
{
    const char *good = "330106202401311236";
    for (int i = 0; i < 18; i++)
        for (char c = '0'; c <= '9'; c++) {
            char id [19];
            memcpy (id, good, 19);
            if (id [i] == c)
                continue;
            id [i] = c;
            assert (!licid_resident_id_valid (id));
        }
    assert (!licid_resident_id_valid ("33010620240131123X"));
    assert (!licid_resident_id_valid ("11010519491231002x"));  //  upper only
    assert (!licid_resident_id_valid ("110105194912310020"));
}

static void
test_resident_id_rejects_bad_date (void)
{
    //  Check characters are right; only the birth date is impossible
    assert (!licid_resident_id_valid ("330106190002290014"));  //  1900 no leap
    assert (!licid_resident_id_valid ("330106202302290011"));
    assert (!licid_resident_id_valid ("330106199913010010"));  //  month 13
    assert (!licid_resident_id_valid ("330106199901000018"));  //  day 0
    assert (!licid_resident_id_valid ("110105179901010018"));  //  year 1799
}

static void
test_resident_id_rejects_bad_shape (void)
{
    assert (!licid_resident_id_valid ("11010519491231002"));
    assert (!licid_resident_id_valid ("11010519491231002X0"));
    assert (!licid_resident_id_valid ("1101051949123100AX"));
    assert (!licid_resident_id_valid (""));
    assert (!licid_resident_id_valid (NULL));
}


//  --------------------------------------------------------------------
//  Dates, division codes, holder types

static void
test_date_valid_follows_calendar (void)
{
    assert (licid_date_valid ("2024-02-29"));
    assert (licid_date_valid ("2000-02-29"));
    assert (licid_date_valid ("1900-01-01"));
    assert (licid_date_valid ("2999-12-31"));
    assert (licid_date_valid ("2026-11-27"));
    assert (licid_date_valid ("2026-04-30"));
    assert (!licid_date_valid ("2023-02-29"));
    assert (!licid_date_valid ("1900-02-29"));
    assert (!licid_date_valid ("2100-02-29"));
    assert (!licid_date_valid ("2026-04-31"));
    assert (!licid_date_valid ("2026-13-01"));
    assert (!licid_date_valid ("2026-00-10"));
    assert (!licid_date_valid ("2026-01-00"));
    assert (!licid_date_valid ("2026-01-32"));
    assert (!licid_date_valid ("1899-12-31"));
    assert (!licid_date_valid ("3000-01-01"));
}

static void
test_date_valid_rejects_other_spellings (void)
{
    assert (!licid_date_valid ("2026-1-01"));
    assert (!licid_date_valid ("2026/01/01"));
    assert (!licid_date_valid ("20260101"));
    assert (!licid_date_valid ("2026-01-01 "));
    assert (!licid_date_valid (" 2026-01-01"));
    assert (!licid_date_valid ("2026-01-0a"));
    assert (!licid_date_valid ("+026-01-01"));
    assert (!licid_date_valid (""));
    assert (!licid_date_valid (NULL));
}

static void
test_division_valid (void)
{
    assert (licid_division_valid ("330106"));
    assert (licid_division_valid ("330000"));
    assert (licid_division_valid ("000001"));
    assert (!licid_division_valid ("000000"));
    assert (!licid_division_valid ("33010"));
    assert (!licid_division_valid ("3301061"));
    assert (!licid_division_valid ("33010A"));
    assert (!licid_division_valid (" 33010"));
    assert (!licid_division_valid (""));
    assert (!licid_division_valid (NULL));
}

static void
test_holder_type_valid_matches_annex_a (void)
{
    const char *yes [] = {
        "001", "099", "111", "112", "113", "114", "115", "116", "117",
        "411", "412", "413", "414", "511", "512", "513", "514", "515",
        "516", "999"
    };
    const size_t n_yes = sizeof yes / sizeof yes [0];
    //  Exactly these 20 of all 1000 three-digit codes
    int accepted = 0;
    for (int n = 0; n < 1000; n++) {
        char code [4];
        snprintf (code, sizeof code, "%03d", n);
        bool listed = false;
        for (size_t i = 0; i < n_yes; i++)
            listed = listed || strcmp (code, yes [i]) == 0;
        assert (licid_holder_type_valid (code) == listed);
        accepted += listed;
    }
    assert (accepted == (int) n_yes);
    assert (!licid_holder_type_valid ("11"));
    assert (!licid_holder_type_valid ("1111"));
    assert (!licid_holder_type_valid ("111 "));
    assert (!licid_holder_type_valid (""));
    assert (!licid_holder_type_valid (NULL));
}

//  A license type code: a valid credit code and 3 digits, nothing else.
static void
test_type_code_valid (void)
{
    assert (licid_type_code_valid ("11100000000013338W011"));
    assert (licid_type_code_valid ("11430000006122244L999"));
    assert (!licid_type_code_valid ("11100000000013338X011"));     //  check character
    assert (!licid_type_code_valid ("11100000000013338W01"));      //  20 chars
    assert (!licid_type_code_valid ("11100000000013338W0111"));    //  22 chars
    assert (!licid_type_code_valid ("11100000000013338W01A"));     //  not digits
    assert (!licid_type_code_valid (""));
    assert (!licid_type_code_valid (NULL));
}

int
main (void)
{
    test_check_char_reproduces_vectors ();
    test_check_char_refuses_foreign_characters ();
    test_parse_accepts_bare_vectors ();
    test_parse_accepts_printed_vectors ();
    test_printed_round_trips ();
    test_printed_refuses_small_buffer ();
    test_parse_rejects_every_wrong_check_char ();
    test_parse_rejects_changed_body ();
    test_parse_rejects_truncated_ids ();
    test_parse_serial_bounds ();
    test_parse_bare_matches_printf ();
    test_parse_rejects_overlong_ids ();
    test_parse_rejects_lower_case ();
    test_parse_rejects_whitespace ();
    test_parse_rejects_bad_structure ();
    test_parse_rejects_letters_in_digit_fields ();
    test_credit_code_accepts_vectors ();
    test_credit_code_rejects_any_changed_char ();
    test_credit_code_rejects_forbidden_letters ();
    test_credit_code_rejects_wrong_length ();
    test_credit_code_check_covers_alphabet ();
    test_resident_id_accepts_valid_ids ();
    test_resident_id_rejects_bad_check ();
    test_resident_id_rejects_bad_date ();
    test_resident_id_rejects_bad_shape ();
    test_date_valid_follows_calendar ();
    test_date_valid_rejects_other_spellings ();
    test_division_valid ();
    test_holder_type_valid_matches_annex_a ();
    test_type_code_valid ();
    printf ("test_licid: 30 cases OK\n");
    return 0;
}
