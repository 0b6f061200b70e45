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

    The same bytes as the entry a license state's content_seq names
    (proto/licstate.h, which walks the entry and its event without
    unpacking them): no crash; if the entry decodes as an event's and
    the rule gives a state, its content packs as the event's content;
    and the signed body and key the replay check reads in place are the
    decoded envelope's.
*/
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/licstate.h"
#include "tests/fuzz/checks.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/pbmut.h"

static void
s_check_content (const uint8_t *data, size_t size)
{
    Lic__LicenseState st;
    codec_state_init (&st);
    st.license_id = (char *) "fuzz";
    st.content_seq = 1;
    uint8_t *sb, *a = NULL, *b = NULL;
    size_t sl;
    if (codec_state_encode (&st, &sb, &sl) != ERR_OK)
        abort ();
    Lic__LicenseState *out = NULL;
    int rc = licstate_complete (sb, sl, data, size, &out);
    free (sb);
    if (rc != ERR_OK && ((rc != ERR_CORRUPT && rc != ERR_NOMEM) || out))
        abort ();
    Lic__LogEntry *e = NULL;
    Lic__Event *ev = NULL;
    if (rc == ERR_OK && codec_entry_decode (data, size, &e) == ERR_OK && e->envelope
    &&  e->kind == LIC__ENTRY_KIND__ENTRY_EVENT
    &&  codec_event_decode (e->envelope->body.data, e->envelope->body.len, &ev) == ERR_OK) {
        if (!ev->content != !out->content)
            abort ();
        if (ev->content) {
            size_t al = lic__license_content__get_packed_size (ev->content);
            size_t bl = lic__license_content__get_packed_size (out->content);
            a = malloc (al + 1);
            b = malloc (bl + 1);
            if (!a || !b)
                abort ();
            lic__license_content__pack (ev->content, a);
            lic__license_content__pack (out->content, b);
            if (al != bl || memcmp (a, b, al) != 0)
                abort ();
        }
    }
    free (a);
    free (b);
    codec_event_free (&ev);
    codec_entry_free (&e);
    codec_state_free (&out);
}

//  The signed parts the replay check compares (licstate_entry_signed,
//  read in place): no crash, slices within the entry; where it gives
//  them and the entry decodes strictly, the entry is an event's and they
//  are its envelope's body and key, byte for byte.
static void
s_check_signed (const uint8_t *data, size_t size)
{
    const uint8_t *body, *key;
    size_t body_len, key_len;
    int rc = licstate_entry_signed (data, size, &body, &body_len, &key, &key_len);
    if (rc != ERR_OK && rc != ERR_CORRUPT)
        abort ();
    if (rc == ERR_OK && (body < data || body + body_len > data + size
                     ||  key < data || key + key_len > data + size))
        abort ();
    Lic__LogEntry *e = NULL;
    if (rc == ERR_OK && codec_entry_decode (data, size, &e) == ERR_OK) {
        const Lic__Envelope *env = e->envelope;
        if (!env || e->kind != LIC__ENTRY_KIND__ENTRY_EVENT
        ||  body_len != env->body.len || key_len != env->key_id.len
        ||  memcmp (body, env->body.data, body_len) || memcmp (key, env->key_id.data, key_len))
            abort ();
    }
    codec_entry_free (&e);
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
    checks_entry (data, size, FUZZ_DIV_COUNTY);
    s_check_content (data, size);
    s_check_signed (data, size);
    return 0;
}

#ifdef LICREPO_LIBFUZZER
size_t
LLVMFuzzerCustomMutator (uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    return pbmut_mutate (data, size, max_size, seed);
}
#endif
