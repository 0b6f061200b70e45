/*  fuzz.h -- what the fuzz harnesses share (README "Fuzzing").

    Every harness defines LLVMFuzzerTestOneInput and, if it needs one,
    LLVMFuzzerInitialize.  Built with -Dfuzz=true (clang) they link
    libFuzzer; otherwise with replay.c, whose main runs each input of the
    committed corpus once (meson test fuzz_<harness>), so the harnesses
    stay compiled and their corpus stays a regression test under gcc,
    ASan and valgrind.

    The fixed test keys are Ed25519 keys derived from fixed seeds: the
    seed generator (fuzz_seeds.c) signs with them, and the harnesses
    re-sign what they mutate with them, so the fuzzer gets past
    signatures into the checks behind them.  They are test keys only:
    anyone can derive their secrets from this file.
*/
#ifndef LICREPO_FUZZ_H
#define LICREPO_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "proto/seal.h"

//  libFuzzer's entry points
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);
//  Provided by libFuzzer only: custom mutators call it
size_t LLVMFuzzerMutate (uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator (uint8_t *data, size_t size, size_t max_size,
                                unsigned int seed);

//  A property of the code under test that does not hold: a finding.
//  On whatever NDEBUG says, and with the condition in the report.
#define FUZZ_CHECK(cond) \
    ((cond)? (void) 0: fuzz_fail (__FILE__, __LINE__, #cond))

void
    fuzz_fail (const char *file, int line, const char *cond)
    __attribute__ ((noreturn));

//  Runs a check whose verdict the harness does not look at: the check is
//  what is fuzzed.  (gcc does not let a (void) cast drop a MUST_CHECK
//  result.)
#define FUZZ_RUN(expr) \
    do { if ((expr) != 0) {} } while (0)

//  The members of the test hierarchy with a fixed key each: a province,
//  a city and a county node, the county's department with its current
//  and its revoked signing key, and a second county (for copies whose
//  chain names a cousin).
typedef enum {
    FUZZ_KEY_PROVINCE,          //  node 330000: the trust anchor
    FUZZ_KEY_CITY,              //  node 330100
    FUZZ_KEY_COUNTY,            //  node 330106
    FUZZ_KEY_DEPT,              //  department FUZZ_DEPT_CODE
    FUZZ_KEY_DEPT_OLD,          //  its key before a rotation (revoked)
    FUZZ_KEY_COUNTY2,           //  node 330108
    FUZZ_KEYS
} fuzz_key_id_t;

#define FUZZ_DIV_PROVINCE   "330000"
#define FUZZ_DIV_CITY       "330100"
#define FUZZ_DIV_COUNTY     "330106"
#define FUZZ_DIV_COUNTY2    "330108"
#define FUZZ_DEPT_CODE      "11430000006122244L"
#define FUZZ_TYPE_CODE      "11100000000013338W011"
#define FUZZ_HOLDER_CODE    "11220000013544541J"
//  "Now" for every check that asks for one: 2027-01-01T00:00:00Z
#define FUZZ_NOW            INT64_C (1798761600)

typedef struct {
    uint8_t pk [SEAL_PUBLIC_BYTES];
    uint8_t sk [SEAL_SECRET_BYTES];
    const char *division;       //  node keys: the node's division; else NULL
} fuzz_key_t;

//  The fixed key of a member (seal_init first).  Borrowed, static.
const fuzz_key_t *
    fuzz_key (fuzz_key_id_t which);

//  The fixed key whose public key is pk (len bytes), or NULL.
const fuzz_key_t *
    fuzz_key_find (const uint8_t *pk, size_t len);

//  A path that reads as the given bytes: a memfd (mode 0600) rewritten
//  on each call, named through /proc/self/fd.  For the parsers that take
//  a file name (configuration, key files, proof documents).  Borrowed,
//  valid until the next call with the same slot (0..3).
const char *
    fuzz_file (int slot, const uint8_t *data, size_t size);

//  A malloc'd NUL-terminated copy of data; aborts if out of memory.
char *
    fuzz_strndup (const uint8_t *data, size_t size);

//  Silences stdout (code under test that prints its verdicts there).
void
    fuzz_quiet_stdout (void);

#endif
