/*  fuzz_entry.c -- one stored or replicated log entry (lic.LogEntry), the
    bytes every reader of a log decodes: codec_entry_decode (strict,
    CODEC_ENTRY_MAX), then by kind the checks a parent applies before
    it takes the entry (checks_entry: the event checks of proto/evcheck.c
    on the envelope and its event, disclosures, the catalogue standard,
    the lifecycle; registrations, node records, catalogue entries,
    application bodies and audit records through proto/authority.c) and
    the JSON view licctl log prints.  The same checks run inside
    fuzz_repl on each entry of a Batch; this harness reaches them without
    the frame around them.

    Properties: no crash, leak or undefined behaviour; a strictly decoded
    entry has no unknown field anywhere; decode, encode, decode, encode
    gives the same bytes.
*/
#include "tests/fuzz/checks.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/pbmut.h"

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
    checks_entry (data, size, FUZZ_DIV_COUNTY);
    return 0;
}

#ifdef LICREPO_LIBFUZZER
size_t
LLVMFuzzerCustomMutator (uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    return pbmut_mutate (data, size, max_size, seed);
}
#endif
