/*  fuzz_type_json.c -- the JSON catalogue parser (node/common/licjson_catalogue.c
    licjson_type_from_json), as licctl catalogue add reads a type file.

    Properties, for each text that parses:
      - round trip: licjson_type_to_json of the type without the members
        the node sets (version, division, at), dumped, parses again to the
        same LicenseType bytes (licjson.h promises it);
      - the JSON view of a type can be made;
    and each refusal says why.  A type that passes catalogue_check_type
    is then used as the node uses it: a content made of its own bounds
    and values goes through catalogue_check_content, and a license state
    through catalogue_inspection_overdue.
*/
#include <jansson.h>
#include <string.h>
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "tests/fuzz/fuzz.h"
#include "node/common/licjson.h"

#define S_ITEMS_MAX 64

static void
s_round_trip (const Lic__LicenseType *t)
{
    char why [512] = "";
    uint8_t *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    Lic__LicenseType *again = NULL;
    json_t *json = licjson_type_to_json (t);
    FUZZ_CHECK (json != NULL);
    json_object_del (json, "version");
    json_object_del (json, "division");
    json_object_del (json, "at");
    char *text = json_dumps (json, JSON_COMPACT);
    FUZZ_CHECK (text != NULL);
    int rc = licjson_type_from_json (text, &again, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "re-parse of %s: %s: %s\n", text, err_str (rc), why);
    FUZZ_CHECK (rc == ERR_OK);
    FUZZ_CHECK (codec_license_type_encode (t, &b1, &n1) == ERR_OK);
    FUZZ_CHECK (codec_license_type_encode (again, &b2, &n2) == ERR_OK);
    FUZZ_CHECK (n1 == n2 && memcmp (b1, b2, n1) == 0);
    free (b1);
    free (b2);
    free (text);
    json_decref (json);
    codec_license_type_free (&again);
}

static int
s_by_name (const void *a, const void *b)
{
    return strcmp ((*(Lic__DataItem *const *) a)->name, (*(Lic__DataItem *const *) b)->name);
}

//  A content whose items take values from the type's own specs: its
//  bounds, its first enum value, or a constant of the item's kind.
static void
s_use_type (const Lic__LicenseType *t)
{
    char why [512];
    Lic__DataItem store [S_ITEMS_MAX], *items [S_ITEMS_MAX];
    Lic__LicenseContent c;
    Lic__Holder holder;
    size_t n = 0;
    codec_content_init (&c);
    codec_holder_init (&holder);
    for (size_t i = 0; i < t->n_items && n < S_ITEMS_MAX; i++) {
        const Lic__ItemSpec *s = t->items [i];
        const char *choices [] = {
            s->min, s->max, s->n_values? s->values [0]: "x", "true", "2026-01-01", "12.50", "-7"
        };
        codec_item_init (&store [n]);
        store [n].name = s->name;
        store [n].value = (char *) choices [i % (sizeof choices / sizeof choices [0])];
        items [n] = &store [n];
        n++;
    }
    qsort (items, n, sizeof items [0], s_by_name);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (kept == 0 || strcmp (items [kept - 1]->name, items [i]->name) != 0)
            items [kept++] = items [i];
    c.items = items;
    c.n_items = kept;
    c.holder = &holder;
    c.issue_date = "2026-01-01";
    c.valid_from = "2026-01-01";
    c.valid_to = "2030-12-31";
    FUZZ_RUN (catalogue_check_content (t, &c, why, sizeof why));
    c.valid_to = "";
    FUZZ_RUN (catalogue_check_content (t, &c, why, sizeof why));

    Lic__LicenseState st;
    codec_state_init (&st);
    st.status = LIC__STATUS__STATUS_VALID;
    st.content = &c;
    (void) catalogue_inspection_overdue (t, &st, (time_t) FUZZ_NOW);
    st.last_inspection = "2026-02-01";
    (void) catalogue_inspection_overdue (t, &st, (time_t) FUZZ_NOW);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    if (seal_init () != ERR_OK)
        abort ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char why [512] = "";
    char *text = fuzz_strndup (data, size);
    Lic__LicenseType *t = NULL;
    int rc = licjson_type_from_json (text, &t, why, sizeof why);
    free (text);
    if (rc != ERR_OK) {
        FUZZ_CHECK (*why);
        return 0;
    }
    s_round_trip (t);
    if (catalogue_check_type (t, why, sizeof why) == ERR_OK)
        s_use_type (t);
    else
        FUZZ_CHECK (*why);
    codec_license_type_free (&t);
    return 0;
}
