/*  licid.c -- identifiers of the national e-license standards (licid.h).

    Implements:
      - GB/T 36904 license ids, bare and printed form, with the ISO/IEC
        7064 hybrid MOD 37,36 check character;
      - GB 32100 unified social credit codes (weighted check mod 31);
      - GB 11643 resident ids (ISO 7064 MOD 11-2, birth date);
      - YYYY-MM-DD dates, GB/T 2260 division codes (format only) and
        GB/T 36903 Annex A holder id types.
    Deliberately does not: look codes up in any registry (a division code
    or a credit code may be well formed and still not exist), accept
    lower-case or surrounding whitespace (ids are compared byte for byte
    elsewhere, so only the canonical upper-case spelling is let in), or
    allocate.  Every function is pure and thread-safe.
*/
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "proto/licid.h"

#define S_PREFIX_LEN    (sizeof (LICID_PRINTED_PREFIX) - 1)
//  Longest text worth looking at: the printed form with a 32-char serial
#define S_TEXT_MAX      (S_PREFIX_LEN + LICID_BARE_MAX + 4)
//  Bare form without the serial: type + issuer + version + check
#define S_BARE_FIXED    (LICID_TYPE_LEN + LICID_ISSUER_LEN \
                         + LICID_VERSION_LEN + 1)
#define S_CREDIT_LEN    18
#define S_RESIDENT_LEN  18
#define S_HOLDER_TYPE_LEN 3

static const char s_alnum36 [] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
//  GB 32100 alphabet: no I, O, S, V, Z
static const char s_alnum31 [] = "0123456789ABCDEFGHJKLMNPQRTUWXY";


//  --------------------------------------------------------------------
//  Small helpers


static bool
s_is_digit (char c)
{
    return c >= '0' && c <= '9';
}

static bool
s_is_upper (char c)
{
    return c >= 'A' && c <= 'Z';
}

//  Value of c in 0-9A-Z (0..35), or -1
static int
s_value36 (char c)
{
    if (s_is_digit (c))
        return c - '0';
    if (s_is_upper (c))
        return c - 'A' + 10;
    return -1;
}

static bool
s_all_digits (const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!s_is_digit (s [i]))
            return false;
    return true;
}

static bool
s_leap_year (int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
s_days_in_month (int year, int month)
{
    static const int days [12] = { 31, 28, 31, 30, 31, 30,
                                   31, 31, 30, 31, 30, 31 };
    assert (month >= 1 && month <= 12);
    if (month == 2 && s_leap_year (year))
        return 29;
    return days [month - 1];
}

//  Number made of len digits at s; caller has checked they are digits
static int
s_number (const char *s, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n = n * 10 + (s [i] - '0');
    return n;
}

static bool
s_calendar_date (int year, int month, int day, int year_min, int year_max)
{
    return year >= year_min && year <= year_max
        && month >= 1 && month <= 12
        && day >= 1 && day <= s_days_in_month (year, month);
}


//  --------------------------------------------------------------------
//  ISO/IEC 7064 hybrid system MOD 37,36 (M = 36)
//
//  p starts at M; for each character of value v: s = (p + v) mod M, with
//  0 read as M; p = 2s mod (M + 1).  The check value c makes
//  (p + c) mod M == 1.

typedef struct {
    int p;                      //  running product, 0..36
    bool bad;                   //  saw a character outside 0-9A-Z
} s_mod3736_t;

static void
s_mod3736_feed (s_mod3736_t *self, const char *s)
{
    for (; *s; s++) {
        int v = s_value36 (*s);
        if (v < 0) {
            self->bad = true;
            return;
        }
        int sum = (self->p + v) % 36;
        if (sum == 0)
            sum = 36;
        self->p = (2 * sum) % 37;
    }
}

char
licid_check_char (const char *type_code, const char *issuer,
                  const char *serial, const char *version)
{
    assert (type_code && issuer && serial && version);
    s_mod3736_t mod = { 36, false };
    s_mod3736_feed (&mod, type_code);
    s_mod3736_feed (&mod, issuer);
    s_mod3736_feed (&mod, serial);
    s_mod3736_feed (&mod, version);
    if (mod.bad)
        return 0;
    //  p is 0..36, so 37 - p is positive
    return s_alnum36 [(37 - mod.p) % 36];
}


//  --------------------------------------------------------------------
//  License ids

//  Rejects characters no form of a license id may hold, naming the first
static int
s_check_charset (const char *text, size_t len, char *why, size_t why_size)
{
    for (size_t i = 0; i < len; i++) {
        char c = text [i];
        if (c >= 'a' && c <= 'z') {
            err_why (why, why_size,
                   "license id holds lower-case '%c' at position %zu; "
                   "ids are upper case", c, i + 1);
            return ERR_BAD_LICENSE_ID;
        }
        if (s_value36 (c) < 0 && c != '.') {
            err_why (why, why_size,
                   "license id holds invalid character 0x%02x at position %zu",
                   (unsigned) (unsigned char) c, i + 1);
            return ERR_BAD_LICENSE_ID;
        }
    }
    return ERR_OK;
}

//  Copies one part of len chars into dest after checking its length
static int
s_take_part (char *dest, const char *src, size_t len, size_t min, size_t max,
             const char *what, char *why, size_t why_size)
{
    if (len < min || len > max) {
        if (min == max)
            err_why (why, why_size, "license id %s must be %zu chars, got %zu",
                   what, min, len);
        else
            err_why (why, why_size,
                   "license id %s must be %zu..%zu chars, got %zu",
                   what, min, max, len);
        return ERR_BAD_LICENSE_ID;
    }
    memcpy (dest, src, len);
    dest [len] = 0;
    return ERR_OK;
}

//  Bare form: fixed widths around the serial make the split unambiguous
static int
s_split_bare (const char *text, size_t len, licid_t *out,
              char *why, size_t why_size)
{
    if (strchr (text, '.')) {
        err_why (why, why_size, "license id has dots but does not start "
               "with the printed prefix " LICID_PRINTED_PREFIX);
        return ERR_BAD_LICENSE_ID;
    }
    if (len < S_BARE_FIXED + 1 || len > S_BARE_FIXED + LICID_SERIAL_MAX) {
        err_why (why, why_size,
               "bare license id must be %d..%d chars, got %zu",
               (int) (S_BARE_FIXED + 1),
               (int) (S_BARE_FIXED + LICID_SERIAL_MAX), len);
        return ERR_BAD_LICENSE_ID;
    }
    size_t serial_len = len - S_BARE_FIXED;
    const char *at = text;
    memcpy (out->type_code, at, LICID_TYPE_LEN);
    at += LICID_TYPE_LEN;
    memcpy (out->issuer, at, LICID_ISSUER_LEN);
    at += LICID_ISSUER_LEN;
    memcpy (out->serial, at, serial_len);
    at += serial_len;
    memcpy (out->version, at, LICID_VERSION_LEN);
    at += LICID_VERSION_LEN;
    out->check = *at;
    return ERR_OK;
}

//  Printed form: prefix, then five dot-separated parts
static int
s_split_printed (const char *text, licid_t *out, char *why, size_t why_size)
{
    static const char *names [5] = {
        "type code", "issuer", "serial", "version", "check character"
    };
    static const size_t mins [5] = {
        LICID_TYPE_LEN, LICID_ISSUER_LEN, 1, LICID_VERSION_LEN, 1
    };
    static const size_t maxs [5] = {
        LICID_TYPE_LEN, LICID_ISSUER_LEN, LICID_SERIAL_MAX,
        LICID_VERSION_LEN, 1
    };
    char check [2];
    char *dests [5] = {
        out->type_code, out->issuer, out->serial, out->version, check
    };
    const char *at = text + S_PREFIX_LEN;
    for (int part = 0; part < 5; part++) {
        const char *dot = strchr (at, '.');
        if (part < 4 && !dot) {
            err_why (why, why_size, "printed license id has %d parts after "
                   "the prefix, expected 5", part + 1);
            return ERR_BAD_LICENSE_ID;
        }
        if (part == 4 && dot) {
            err_why (why, why_size, "printed license id has more than 5 "
                   "parts after the prefix");
            return ERR_BAD_LICENSE_ID;
        }
        size_t len = dot? (size_t) (dot - at): strlen (at);
        int rc = s_take_part (dests [part], at, len, mins [part], maxs [part],
                              names [part], why, why_size);
        if (rc)
            return rc;
        at += len + 1;
    }
    out->check = check [0];
    return ERR_OK;
}

//  Writes id->bare from the parts, as snprintf "%s%s%s%s%c" would (it ran
//  twice per event).  Each part is bounded by its array (NUL-terminated),
//  so the whole is at most LICID_BARE_MAX bytes.
static void
s_bare (licid_t *id)
{
    const struct {
        const char *part;
        size_t max;
    } parts [4] = {
        { id->type_code, sizeof id->type_code - 1 },
        { id->issuer, sizeof id->issuer - 1 },
        { id->serial, sizeof id->serial - 1 },
        { id->version, sizeof id->version - 1 },
    };
    char *at = id->bare;
    for (size_t i = 0; i < 4; i++) {
        size_t n = strnlen (parts [i].part, parts [i].max);
        memcpy (at, parts [i].part, n);
        at += n;
    }
    *at++ = id->check;
    *at = 0;
}

int
licid_parse (const char *text, licid_t *out, char *why, size_t why_size)
{
    assert (out);
    memset (out, 0, sizeof *out);
    if (!text || !*text) {
        err_why (why, why_size, "license id is empty");
        return ERR_BAD_LICENSE_ID;
    }
    size_t len = strnlen (text, S_TEXT_MAX + 1);
    if (len > S_TEXT_MAX) {
        err_why (why, why_size, "license id is longer than %d chars",
               (int) S_TEXT_MAX);
        return ERR_BAD_LICENSE_ID;
    }
    int rc = s_check_charset (text, len, why, why_size);
    if (rc == ERR_OK) {
        if (strncmp (text, LICID_PRINTED_PREFIX, S_PREFIX_LEN) == 0)
            rc = s_split_printed (text, out, why, why_size);
        else
            rc = s_split_bare (text, len, out, why, why_size);
    }
    if (rc == ERR_OK && !s_all_digits (out->type_code + S_CREDIT_LEN, 3)) {
        err_why (why, why_size, "license type number '%s' must be 3 digits",
               out->type_code + S_CREDIT_LEN);
        rc = ERR_BAD_LICENSE_ID;
    }
    if (rc == ERR_OK && !s_all_digits (out->version, LICID_VERSION_LEN)) {
        err_why (why, why_size, "license id version '%s' must be 3 digits",
               out->version);
        rc = ERR_BAD_LICENSE_ID;
    }
    if (rc == ERR_OK) {
        char expected = licid_check_char (out->type_code, out->issuer,
                                          out->serial, out->version);
        //  charset is checked, so only the check character can be a dot
        if (expected == 0 || out->check != expected) {
            err_why (why, why_size, "wrong check character '%c' in license id: "
                   "expected '%c'", out->check, expected? expected: '?');
            rc = ERR_BAD_LICENSE_ID;
        }
    }
    if (rc == ERR_OK) {
        s_bare (out);
        return ERR_OK;
    }
    memset (out, 0, sizeof *out);
    return rc;
}

int
licid_printed (const licid_t *id, char *buf, size_t size)
{
    assert (id);
    if (!buf || size == 0)
        return ERR_TOO_LARGE;
    int n = snprintf (buf, size, LICID_PRINTED_PREFIX "%s.%s.%s.%s.%c",
                      id->type_code, id->issuer, id->serial, id->version,
                      id->check);
    if (n < 0 || (size_t) n >= size) {
        buf [0] = 0;
        return ERR_TOO_LARGE;
    }
    return ERR_OK;
}


//  --------------------------------------------------------------------
//  Unified social credit code (GB 32100)

bool
licid_type_code_valid (const char *s)
{
    char body [S_CREDIT_LEN + 1];
    if (!s || strnlen (s, LICID_TYPE_LEN + 1) != LICID_TYPE_LEN
    ||  !s_all_digits (s + S_CREDIT_LEN, LICID_TYPE_LEN - S_CREDIT_LEN))
        return false;
    memcpy (body, s, S_CREDIT_LEN);
    body [S_CREDIT_LEN] = 0;
    return licid_credit_code_valid (body);
}

bool
licid_credit_code_valid (const char *code)
{
    static const int weights [S_CREDIT_LEN - 1] = {
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
    };
    if (!code || strnlen (code, S_CREDIT_LEN + 1) != S_CREDIT_LEN)
        return false;
    int values [S_CREDIT_LEN];
    for (int i = 0; i < S_CREDIT_LEN; i++) {
        //  strchr would also find the terminating NUL: the length is exact
        const char *at = strchr (s_alnum31, code [i]);
        if (!at)
            return false;
        values [i] = (int) (at - s_alnum31);
    }
    int sum = 0;
    for (int i = 0; i < S_CREDIT_LEN - 1; i++)
        sum += values [i] * weights [i];
    int check = 31 - sum % 31;
    if (check == 31)
        check = 0;
    return values [S_CREDIT_LEN - 1] == check;
}


//  --------------------------------------------------------------------
//  Resident id (GB 11643): 6-digit address, YYYYMMDD birth date, 3-digit
//  sequence, check 0-9 or X (upper case only) by ISO 7064 MOD 11-2.
//  Birth years 1800..2999 are accepted: the module has no clock to rule
//  out future dates.

bool
licid_resident_id_valid (const char *id)
{
    if (!id || strnlen (id, S_RESIDENT_LEN + 1) != S_RESIDENT_LEN)
        return false;
    if (!s_all_digits (id, S_RESIDENT_LEN - 1))
        return false;
    int sum = 0;
    int weight = 1;                 //  2^(17-i) mod 11, built from the end
    for (int i = S_RESIDENT_LEN - 2; i >= 0; i--) {
        weight = weight * 2 % 11;
        sum += (id [i] - '0') * weight;
    }
    int check = (12 - sum % 11) % 11;
    char expected = check == 10? 'X': (char) ('0' + check);
    if (id [S_RESIDENT_LEN - 1] != expected)
        return false;
    return s_calendar_date (s_number (id + 6, 4), s_number (id + 10, 2),
                            s_number (id + 12, 2), 1800, 2999);
}


//  --------------------------------------------------------------------
//  Dates, division codes, holder id types

bool
licid_date_valid (const char *s)
{
    if (!s || strnlen (s, 11) != 10)
        return false;
    if (!s_all_digits (s, 4) || s [4] != '-' || !s_all_digits (s + 5, 2)
    ||  s [7] != '-' || !s_all_digits (s + 8, 2))
        return false;
    return s_calendar_date (s_number (s, 4), s_number (s + 5, 2),
                            s_number (s + 8, 2), 1900, 2999);
}

bool
licid_division_valid (const char *s)
{
    if (!s || strnlen (s, 7) != 6 || !s_all_digits (s, 6))
        return false;
    return strcmp (s, "000000") != 0;
}

//  Holder id types, GB/T 36903 Annex A.  The codes are what the system
//  checks; the labels follow the public-security certificate type codes
//  the annex reuses and are for readers only.
//
//  | code | holder id                                               |
//  |------|---------------------------------------------------------|
//  | 001  | unified social credit code (checked, GB 32100)          |
//  | 099  | other organisation code                                 |
//  | 111  | resident identity card number (checked, GB 11643)       |
//  | 112  | temporary resident identity card                        |
//  | 113  | household register                                      |
//  | 114  | PLA officer card                                        |
//  | 115  | armed police officer card                               |
//  | 116  | temporary residence permit                              |
//  | 117  | birth medical certificate                               |
//  | 411  | diplomatic passport                                     |
//  | 412  | service passport                                        |
//  | 413  | public-affairs ordinary passport                        |
//  | 414  | ordinary passport                                       |
//  | 511  | Taiwan residents' mainland travel permit                |
//  | 512  | Taiwan residents' mainland travel permit (single entry) |
//  | 513  | exit-entry permit to Hong Kong and Macao                |
//  | 514  | permit to Hong Kong and Macao (single trip)             |
//  | 515  | Hong Kong and Macao compatriots' home-return card       |
//  | 516  | Hong Kong and Macao residents' mainland travel permit   |
//  | 999  | other                                                   |
static const char *s_holder_types [] = {
    "001", "099",
    "111", "112", "113", "114", "115", "116", "117",
    "411", "412", "413", "414",
    "511", "512", "513", "514", "515", "516",
    "999"
};

bool
licid_holder_type_valid (const char *s)
{
    if (!s || strnlen (s, S_HOLDER_TYPE_LEN + 1) != S_HOLDER_TYPE_LEN)
        return false;
    size_t count = sizeof s_holder_types / sizeof s_holder_types [0];
    for (size_t i = 0; i < count; i++)
        if (strcmp (s, s_holder_types [i]) == 0)
            return true;
    return false;
}
