/*  fuzz_event_json.c -- the JSON event parser (node/common/licjson.c
    licjson_event_from_json), as licctl publish reads a department's
    JSON lines: the whole input as one text, and each of its lines.

    Properties, for each text that parses:
      - round trip: licjson_event_to_json of the event, dumped, parses
        again to the same Event bytes (licjson.h promises it);
      - what licctl publish then does passes the node's checks: if the
        event passes evcheck_event, sealing its sensitive items against
        the test type (licclient_seal_items_derived) gives content and
        disclosures that pass disclose_check (need_values, as at the
        node the department sends to), and the sealed event still
        passes evcheck_event;
    and each refusal says why.
*/
#include <jansson.h>
#include <string.h>
#include "proto/catalogue.h"
#include "tests/fuzz/checks.h"
#include "proto/codec.h"
#include "proto/disclose.h"
#include "proto/evcheck.h"
#include "tests/fuzz/fuzz.h"
#include "node/client/licclient.h"
#include "node/common/licjson.h"

#define S_LINES_MAX 64

static void
s_round_trip (const Lic__Event *ev)
{
    char why [512] = "";
    uint8_t *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    Lic__Event *again = NULL;
    json_t *json = licjson_event_to_json (ev);
    FUZZ_CHECK (json != NULL);
    char *text = json_dumps (json, JSON_COMPACT);
    FUZZ_CHECK (text != NULL);
    int rc = licjson_event_from_json (text, &again, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "re-parse of %s: %s: %s\n", text, err_str (rc), why);
    FUZZ_CHECK (rc == ERR_OK);
    FUZZ_CHECK (codec_event_encode (ev, &b1, &n1) == ERR_OK);
    FUZZ_CHECK (codec_event_encode (again, &b2, &n2) == ERR_OK);
    FUZZ_CHECK (n1 == n2 && memcmp (b1, b2, n1) == 0);
    free (b1);
    free (b2);
    free (text);
    json_decref (json);
    codec_event_free (&again);
}

//  What licctl publish does with a parsed event before signing it.
static void
s_seal (Lic__Event *ev)
{
    char why [512] = "";
    static const uint8_t salt_key [32] = { 1, 2, 3 };
    Lic__Disclosure **d = NULL;
    size_t n = 0;
    licid_t id;
    if (evcheck_event (ev, &id, why, sizeof why) != ERR_OK || !ev->content)
        return;
    int rc = licclient_seal_items_derived (ev->content, checks_type (), salt_key, "fuzz", &d, &n);
    FUZZ_CHECK (rc == ERR_OK);
    rc = disclose_check (checks_type (), ev->content, d, n, true, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "sealed content refused: %s: %s\n", err_str (rc), why);
    FUZZ_CHECK (rc == ERR_OK);
    rc = evcheck_event (ev, &id, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "sealed event refused: %s: %s\n", err_str (rc), why);
    FUZZ_CHECK (rc == ERR_OK);
    FUZZ_RUN (catalogue_check_disclosed (checks_type (), ev->content, d, n, why, sizeof why));
    licclient_disclosures_free (&d, n);
}

static void
s_parse (const char *text)
{
    char why [512] = "";
    Lic__Event *ev = NULL;
    int rc = licjson_event_from_json (text, &ev, why, sizeof why);
    if (rc != ERR_OK) {
        FUZZ_CHECK (*why);
        return;
    }
    s_round_trip (ev);
    s_seal (ev);
    codec_event_free (&ev);
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
    char *text = fuzz_strndup (data, size);
    s_parse (text);
    char *line = text, *next;
    for (int i = 0; i < S_LINES_MAX && (next = strchr (line, '\n')); i++) {
        *next = 0;
        s_parse (line);
        line = next + 1;
    }
    free (text);
    return 0;
}
