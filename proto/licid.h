/*  licid.h -- identifiers of the national e-license standards.

    License ids (GB/T 36904): type code (21) | issuer credit code (18) |
    serial (1..32 of 0-9A-Z) | version (3 digits) | check character
    (ISO/IEC 7064 MOD 37,36 over the four parts).  Printed form:
    "1.2.156.3005.2." type "." issuer "." serial "." version "." check.
    Unified social credit codes (GB 32100, check character mod 31),
    resident ids (GB 11643, ISO 7064 MOD 11-2), dates, division codes
    (GB/T 2260) and holder id types (GB/T 36903 Annex A).
    Pure functions: no allocation, no I/O.
*/
#ifndef LICREPO_LICID_H
#define LICREPO_LICID_H

#include <stdbool.h>
#include <stddef.h>
#include "proto/err.h"

#define LICID_TYPE_LEN    21
#define LICID_ISSUER_LEN  18
#define LICID_SERIAL_MAX  32
#define LICID_VERSION_LEN 3
#define LICID_BARE_MAX    (LICID_TYPE_LEN + LICID_ISSUER_LEN + LICID_SERIAL_MAX + LICID_VERSION_LEN + 1)
#define LICID_PRINTED_PREFIX "1.2.156.3005.2."

typedef struct {
    char type_code [LICID_TYPE_LEN + 1];    //  defining body's credit code + 3-digit type number
    char issuer [LICID_ISSUER_LEN + 1];     //  issuing body's credit code
    char serial [LICID_SERIAL_MAX + 1];     //  1..32 chars of 0-9A-Z
    char version [LICID_VERSION_LEN + 1];   //  3 digits
    char check;                             //  check character
    char bare [LICID_BARE_MAX + 1];         //  canonical bare form, NUL-terminated
} licid_t;

//  Parses a license id in bare or printed form into *out and checks the
//  check character.  Returns ERR_OK or ERR_BAD_LICENSE_ID; on error, if
//  why is not NULL, writes a human explanation (at most why_size bytes).
int MUST_CHECK
    licid_parse (const char *text, licid_t *out, char *why, size_t why_size);

//  Computes the ISO/IEC 7064 MOD 37,36 check character over
//  type|issuer|serial|version.  Returns 0 if any part holds a character
//  outside 0-9A-Z.
char
    licid_check_char (const char *type_code, const char *issuer,
                      const char *serial, const char *version);

//  Writes the printed form into buf.  Returns ERR_OK or ERR_TOO_LARGE.
int MUST_CHECK
    licid_printed (const licid_t *id, char *buf, size_t size);

//  True if code is an 18-char unified social credit code (GB 32100) with
//  a correct check character.
bool
    licid_credit_code_valid (const char *code);

//  True if s is a license type code (GB/T 36904): the defining body's
//  18-char credit code, with a correct check character, and 3 digits.
bool
    licid_type_code_valid (const char *s);

//  True if id is an 18-char resident id (GB 11643) with a correct
//  ISO 7064 MOD 11-2 check character and a possible birth date.
bool
    licid_resident_id_valid (const char *id);

//  True if s is a possible calendar date written YYYY-MM-DD.
bool
    licid_date_valid (const char *s);

//  True if s is a 6-digit administrative division code (GB/T 2260).
bool
    licid_division_valid (const char *s);

//  True if s is a holder id type code of GB/T 36903 Annex A
//  (3 digits from the table: 001, 099, 111..117, 411..414, 511..516, 999 ...).
bool
    licid_holder_type_valid (const char *s);

#endif
