/*  test_catalogue.c -- license types and the checks against them
    (proto/catalogue.c, proto/README.md section 9).

    A business license type (营业执照) with seven data items is built by
    hand; each table row changes one thing (a type member, a content item,
    the validity dates) and names the exact code and message it must get.
    Term ends, inspection dates and UTF-8 lengths are written out by hand
    from the rules in catalogue.c, not computed with its helpers.
*/
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "proto/catalogue.h"
#include "proto/codec.h"

#define TYPE_CODE   "11100000000013338W011"
#define BODY        "11100000000013338W"
#define N_SPECS     7
#define TEN         "一二三四五六七八九十"      //  10 code points, 30 bytes
#define HUNDRED     TEN TEN TEN TEN TEN TEN TEN TEN TEN TEN

#define STRING      LIC__ITEM_KIND__KIND_STRING
#define INTEGER     LIC__ITEM_KIND__KIND_INTEGER
#define DECIMAL     LIC__ITEM_KIND__KIND_DECIMAL
#define DATE        LIC__ITEM_KIND__KIND_DATE
#define ENUM        LIC__ITEM_KIND__KIND_ENUM
#define BOOLEAN     LIC__ITEM_KIND__KIND_BOOLEAN

static size_t s_cases;              //  table rows and single checks run

//  True if every string of content c is text (proto/text.h), as the
//  checks at a node's door leave it
static bool
s_all_text (const Lic__LicenseContent *c)
{
    return codec_check_text (&c->base, SIZE_MAX, NULL, 0) == ERR_OK;
}

//  A type and everything it points to; never copied once built
typedef struct {
    Lic__LicenseType type;
    Lic__ValidityRule validity;
    Lic__ItemSpec specs [N_SPECS];
    Lic__ItemSpec *spec_ptrs [N_SPECS];
    char *company_types [4];
    uint8_t digest [33];
} s_type_t;

static void
s_spec (Lic__ItemSpec *spec, const char *name, const char *label,
        Lic__ItemKind kind, bool required, uint32_t max_length,
        const char *min, const char *max)
{
    Lic__ItemSpec init = LIC__ITEM_SPEC__INIT;
    *spec = init;
    spec->name = (char *) name;
    spec->label = (char *) label;
    spec->kind = kind;
    spec->required = required;
    spec->max_length = max_length;
    spec->min = (char *) min;
    spec->max = (char *) max;
}

//  营业执照: open-ended, annual report within 30 days of each anniversary
static void
s_business_type (s_type_t *x)
{
    Lic__LicenseType type = LIC__LICENSE_TYPE__INIT;
    Lic__ValidityRule validity = LIC__VALIDITY_RULE__INIT;
    x->type = type;
    x->validity = validity;
    x->type.version = 1;
    x->type.type_code = TYPE_CODE;
    x->type.name = "营业执照";
    x->type.defining_body = BODY;
    s_spec (&x->specs [0], "name", "名称", STRING, true, 100, "", "");
    s_spec (&x->specs [1], "registered_capital", "注册资本", DECIMAL, true,
            0, "0", "");
    s_spec (&x->specs [2], "company_type", "企业类型", ENUM, false, 0, "", "");
    s_spec (&x->specs [3], "established", "成立日期", DATE, false, 0,
            "1949-10-01", "");
    s_spec (&x->specs [4], "employees", "从业人数", INTEGER, false, 0,
            "0", "1000000");
    s_spec (&x->specs [5], "listed", "是否上市", BOOLEAN, false, 0, "", "");
    s_spec (&x->specs [6], "notes", "备注", STRING, false, 10, "", "");
    x->company_types [0] = "有限责任公司";
    x->company_types [1] = "股份有限公司";
    x->company_types [2] = "个人独资企业";
    x->company_types [3] = "合伙企业";
    x->specs [2].n_values = 4;
    x->specs [2].values = x->company_types;
    for (size_t i = 0; i < N_SPECS; i++)
        x->spec_ptrs [i] = &x->specs [i];
    x->type.n_items = N_SPECS;
    x->type.items = x->spec_ptrs;
    x->validity.open_ended = true;
    x->validity.annual_inspection = true;
    x->validity.inspection_window_days = 30;
    x->type.validity = &x->validity;
}

typedef struct {
    const char *name;
    const char *value;              //  NULL: remove the item
} pair_t;

#define MAX_ITEMS   16

typedef struct {
    Lic__LicenseContent content;
    Lic__DataItem items [MAX_ITEMS];
    Lic__DataItem *item_ptrs [MAX_ITEMS];
} s_content_t;

static const pair_t s_base_items [] = {
    { "company_type", "有限责任公司" },
    { "employees", "25" },
    { "established", "2015-06-01" },
    { "listed", "false" },
    { "name", "杭州某某科技有限公司" },
    { "registered_capital", "1000000.00" },
};
#define N_BASE_ITEMS (sizeof s_base_items / sizeof s_base_items [0])

static int
s_item_cmp (const void *a, const void *b)
{
    const Lic__DataItem *x = *(Lic__DataItem * const *) a;
    const Lic__DataItem *y = *(Lic__DataItem * const *) b;
    return strcmp (x->name, y->name);
}

//  The base items with changes applied, sorted by name as evcheck wants
static void
s_content (s_content_t *x, const pair_t *changes, size_t n_changes,
           const char *valid_from, const char *valid_to)
{
    Lic__LicenseContent content = LIC__LICENSE_CONTENT__INIT;
    x->content = content;
    x->content.name = "营业执照";
    x->content.issue_date = "2024-03-01";
    x->content.valid_from = (char *) valid_from;
    x->content.valid_to = (char *) valid_to;
    pair_t pairs [MAX_ITEMS];
    size_t n = N_BASE_ITEMS;
    memcpy (pairs, s_base_items, sizeof s_base_items);
    for (size_t c = 0; c < n_changes && changes [c].name; c++) {
        size_t at = 0;
        while (at < n && strcmp (pairs [at].name, changes [c].name) != 0)
            at++;
        if (at == n) {
            assert (n < MAX_ITEMS);
            n++;
        }
        pairs [at] = changes [c];
        if (!changes [c].value)
            pairs [at] = pairs [--n];
    }
    for (size_t i = 0; i < n; i++) {
        Lic__DataItem item = LIC__DATA_ITEM__INIT;
        item.name = (char *) pairs [i].name;
        item.value = (char *) pairs [i].value;
        x->items [i] = item;
        x->item_ptrs [i] = &x->items [i];
    }
    qsort (x->item_ptrs, n, sizeof x->item_ptrs [0], s_item_cmp);
    x->content.n_items = n;
    x->content.items = x->item_ptrs;
}

static void
s_expect (const char *what, int rc, const char *why, int code,
          const char *expected)
{
    s_cases++;
    if (rc == code && (code == ERR_OK || strcmp (why, expected) == 0))
        return;
    fprintf (stderr, "%s:\n  got      %s '%s'\n  expected %s '%s'\n", what,
             err_str (rc), why, err_str (code), expected? expected: "");
    assert (false);
}


//  --------------------------------------------------------------------
//  catalogue_check_type

typedef struct {
    const char *behaviour;
    void (*spoil) (s_type_t *x);
    const char *why;                //  NULL: still valid
} type_case_t;

static Lic__ItemSpec *s_many_specs [CATALOGUE_ITEMS_MAX + 1];
static char *s_many_values [CATALOGUE_VALUES_MAX + 1];

static void s_type_unchanged (s_type_t *x) { (void) x; }
static void s_code_empty (s_type_t *x) { x->type.type_code = ""; }
static void s_code_null (s_type_t *x) { x->type.type_code = NULL; }
static void s_code_bad_check (s_type_t *x) { x->type.type_code = "11100000000013338X011"; }
static void s_code_short (s_type_t *x) { x->type.type_code = "11100000000013338W01"; }
static void s_code_long (s_type_t *x) { x->type.type_code = "11100000000013338W0111"; }
static void s_code_letter (s_type_t *x) { x->type.type_code = "11100000000013338W01A"; }
static void s_body_empty (s_type_t *x) { x->type.defining_body = ""; }
static void s_body_other (s_type_t *x) { x->type.defining_body = "91330000000000000X"; }
static void s_name_empty (s_type_t *x) { x->type.name = ""; }
static void s_name_bad_utf8 (s_type_t *x) { x->type.name = "\xe8\x90"; }
static void s_too_many_items (s_type_t *x)
{
    x->type.n_items = CATALOGUE_ITEMS_MAX + 1;
    x->type.items = s_many_specs;   //  counted before any is read
}
static void s_item_null (s_type_t *x) { x->spec_ptrs [2] = NULL; }
static void s_item_no_name (s_type_t *x) { x->specs [2].name = ""; }
static void s_item_name_bad (s_type_t *x) { x->specs [2].name = "a\nb"; }
static void s_item_name_long (s_type_t *x)
{
    x->specs [2].name = "a234567890123456789012345678901234567890"
                        "1234567890123456789012345";   //  65 bytes
}
static void s_item_repeated (s_type_t *x) { x->specs [4].name = "name"; }
static void s_label_bad (s_type_t *x) { x->specs [1].label = "\xff"; }
static void s_label_null (s_type_t *x) { x->specs [1].label = NULL; }
static void s_kind_none (s_type_t *x) { x->specs [1].kind = LIC__ITEM_KIND__KIND_NONE; }
static void s_kind_seven (s_type_t *x) { x->specs [1].kind = (Lic__ItemKind) 7; }
static void s_sensitivity_bad (s_type_t *x) { x->specs [1].sensitivity = (Lic__Sensitivity) 9; }
static void s_enum_empty (s_type_t *x) { x->specs [2].n_values = 0; }
static void s_values_not_enum (s_type_t *x)
{
    x->specs [5].n_values = 2;
    x->specs [5].values = x->company_types;
}
static void s_enum_too_many (s_type_t *x)
{
    x->specs [2].n_values = CATALOGUE_VALUES_MAX + 1;
    x->specs [2].values = s_many_values;
}
static void s_enum_max (s_type_t *x)
{
    x->specs [2].n_values = CATALOGUE_VALUES_MAX;
    x->specs [2].values = s_many_values;
}
static void s_enum_value_empty (s_type_t *x) { x->company_types [1] = ""; }
static void s_enum_value_bad (s_type_t *x) { x->company_types [1] = "\xc0\xaf"; }
static void s_enum_value_repeated (s_type_t *x) { x->company_types [3] = "有限责任公司"; }
static void s_min_on_string (s_type_t *x) { x->specs [0].min = "a"; }
static void s_max_on_enum (s_type_t *x) { x->specs [2].max = "z"; }
static void s_min_on_boolean (s_type_t *x) { x->specs [5].min = "false"; }
static void s_int_min_word (s_type_t *x) { x->specs [4].min = "zero"; }
static void s_int_max_exp (s_type_t *x) { x->specs [4].max = "1e6"; }
static void s_int_max_decimal (s_type_t *x) { x->specs [4].max = "1000000.5"; }
static void s_int_max_huge (s_type_t *x) { x->specs [4].max = "9223372036854775808"; }
static void s_int_min_lowest (s_type_t *x) { x->specs [4].min = "-9223372036854775808"; }
static void s_dec_min_precise (s_type_t *x) { x->specs [1].min = "0.1234567"; }
static void s_dec_min_neg_zero (s_type_t *x) { x->specs [1].min = "-0.0"; }
static void s_date_min_bad (s_type_t *x) { x->specs [3].min = "1949-13-01"; }
static void s_int_min_above_max (s_type_t *x) { x->specs [4].min = "1000001"; }
static void s_int_min_is_max (s_type_t *x) { x->specs [4].min = "1000000"; }
static void s_dec_min_above_max (s_type_t *x)
{
    x->specs [1].min = "-10.25";
    x->specs [1].max = "-10.5";
}
static void s_dec_min_below_max (s_type_t *x)
{
    x->specs [1].min = "-10.5";
    x->specs [1].max = "-10.25";
}
static void s_date_min_above_max (s_type_t *x) { x->specs [3].max = "1949-09-30"; }
static void s_template_short (s_type_t *x)
{
    x->type.template_digest.data = x->digest;
    x->type.template_digest.len = 31;
}
static void s_sample_long (s_type_t *x)
{
    x->type.sample_digest.data = x->digest;
    x->type.sample_digest.len = 33;
}
static void s_seal_one (s_type_t *x)
{
    x->type.seal_digest.data = x->digest;
    x->type.seal_digest.len = 1;
}
static void s_digests_full (s_type_t *x)
{
    x->type.template_digest.data = x->digest;
    x->type.template_digest.len = 32;
    x->type.sample_digest = x->type.seal_digest = x->type.template_digest;
}
static void s_both_rules (s_type_t *x) { x->validity.term_months = 60; }
static void s_term_only (s_type_t *x)
{
    x->validity.open_ended = false;
    x->validity.term_months = 60;
}
static void s_no_validity (s_type_t *x) { x->type.validity = NULL; }
static void s_window_367 (s_type_t *x) { x->validity.inspection_window_days = 367; }
static void s_window_366 (s_type_t *x) { x->validity.inspection_window_days = 366; }
static void s_no_items (s_type_t *x) { x->type.n_items = 0; }
static void s_two_faults (s_type_t *x)
{
    x->specs [0].kind = LIC__ITEM_KIND__KIND_NONE;
    x->validity.term_months = 12;
}

static const type_case_t s_type_cases [] = {
    { "valid business type", s_type_unchanged, NULL },
    { "type_code empty", s_code_empty, "type_code: missing" },
    { "type_code NULL", s_code_null, "type_code: missing" },
    { "type_code wrong check char", s_code_bad_check,
      "type_code 11100000000013338X011: not a credit code + 3 digits" },
    { "type_code 20 chars", s_code_short,
      "type_code 11100000000013338W01: not a credit code + 3 digits" },
    { "type_code 22 chars", s_code_long,
      "type_code 11100000000013338W0111: not a credit code + 3 digits" },
    { "type_code letter in number", s_code_letter,
      "type_code 11100000000013338W01A: not a credit code + 3 digits" },
    { "defining_body empty", s_body_empty, "defining_body: missing" },
    { "defining_body other code", s_body_other,
      "defining_body 91330000000000000X: not the credit code "
      "11100000000013338W that type_code starts with" },
    { "name empty", s_name_empty, "name: missing" },
    { "name bad UTF-8", s_name_bad_utf8, "name: not UTF-8 text" },
    { "no items is fine", s_no_items, NULL },
    { "257 items", s_too_many_items, "items: 257 specs, at most 256" },
    { "item NULL", s_item_null, "items[2]: no name" },
    { "item without name", s_item_no_name, "items[2]: no name" },
    { "item name control char", s_item_name_bad,
      "items[2]: name is not UTF-8 text of at most 64 bytes" },
    { "item name 65 bytes", s_item_name_long,
      "items[2]: name is not UTF-8 text of at most 64 bytes" },
    { "item name repeated", s_item_repeated,
      "items[4] (name): name repeats items[0]" },
    { "label bad UTF-8", s_label_bad,
      "items[1] (registered_capital): label is not UTF-8 text" },
    { "label NULL is fine", s_label_null, NULL },
    { "kind none", s_kind_none,
      "items[1] (registered_capital): unknown kind 0" },
    { "kind 7", s_kind_seven,
      "items[1] (registered_capital): unknown kind 7" },
    { "sensitivity 9", s_sensitivity_bad,
      "items[1] (registered_capital): unknown sensitivity 9" },
    { "enum without values", s_enum_empty,
      "items[2] (company_type): enum without values" },
    { "values on a boolean", s_values_not_enum,
      "items[5] (listed): values given for a boolean item" },
    { "257 enum values", s_enum_too_many,
      "items[2] (company_type): 257 values, at most 256" },
    { "256 enum values", s_enum_max, NULL },
    { "enum value empty", s_enum_value_empty,
      "items[2] (company_type): values[1] is empty" },
    { "enum value overlong UTF-8", s_enum_value_bad,
      "items[2] (company_type): values[1] is not UTF-8 text" },
    { "enum value repeated", s_enum_value_repeated,
      "items[2] (company_type): values[3] repeats values[0]" },
    { "min on a string", s_min_on_string,
      "items[0] (name): min/max given for a string item" },
    { "max on an enum", s_max_on_enum,
      "items[2] (company_type): min/max given for an enum item" },
    { "min on a boolean", s_min_on_boolean,
      "items[5] (listed): min/max given for a boolean item" },
    { "integer min a word", s_int_min_word,
      "items[4] (employees): min zero is not an integer" },
    { "integer max exponent", s_int_max_exp,
      "items[4] (employees): max 1e6 is not an integer" },
    { "integer max with fraction", s_int_max_decimal,
      "items[4] (employees): max 1000000.5 is not an integer" },
    { "integer max past int64", s_int_max_huge,
      "items[4] (employees): max 9223372036854775808 is not an integer" },
    { "integer min INT64_MIN", s_int_min_lowest, NULL },
    { "decimal min 7 places", s_dec_min_precise,
      "items[1] (registered_capital): min 0.1234567 is not a decimal" },
    { "decimal min negative zero", s_dec_min_neg_zero,
      "items[1] (registered_capital): min -0.0 is not a decimal" },
    { "date min month 13", s_date_min_bad,
      "items[3] (established): min 1949-13-01 is not a date" },
    { "integer min above max", s_int_min_above_max,
      "items[4] (employees): min 1000001 is above max 1000000" },
    { "integer min equal to max", s_int_min_is_max, NULL },
    { "negative decimal min above max", s_dec_min_above_max,
      "items[1] (registered_capital): min -10.25 is above max -10.5" },
    { "negative decimal min below max", s_dec_min_below_max, NULL },
    { "date min above max", s_date_min_above_max,
      "items[3] (established): min 1949-10-01 is above max 1949-09-30" },
    { "template digest 31 bytes", s_template_short,
      "template_digest: 31 bytes, must be 0 or 32" },
    { "sample digest 33 bytes", s_sample_long,
      "sample_digest: 33 bytes, must be 0 or 32" },
    { "seal digest 1 byte", s_seal_one,
      "seal_digest: 1 bytes, must be 0 or 32" },
    { "three 32-byte digests", s_digests_full, NULL },
    { "open-ended and a term", s_both_rules,
      "validity: both open_ended and term_months" },
    { "fixed term only", s_term_only, NULL },
    { "no validity rule", s_no_validity, NULL },
    { "inspection window 367", s_window_367,
      "validity: inspection_window_days 367, at most 366" },
    { "inspection window 366", s_window_366, NULL },
    { "first fault in header order wins", s_two_faults,
      "items[0] (name): unknown kind 0" },
};

static void
test_check_type_reports_each_malformed_member (void)
{
    for (size_t i = 0; i < CATALOGUE_ITEMS_MAX + 1; i++)
        s_many_specs [i] = NULL;
    static char names [CATALOGUE_VALUES_MAX + 1][8];
    for (size_t i = 0; i < CATALOGUE_VALUES_MAX + 1; i++) {
        snprintf (names [i], sizeof names [i], "v%zu", i);
        s_many_values [i] = names [i];
    }
    for (size_t i = 0; i < sizeof s_type_cases / sizeof s_type_cases [0];
         i++) {
        const type_case_t *row = &s_type_cases [i];
        s_type_t x;
        s_business_type (&x);
        row->spoil (&x);
        char why [256] = "";
        int rc = catalogue_check_type (&x.type, why, sizeof why);
        s_expect (row->behaviour, rc, why,
                  row->why? ERR_BAD_FIELD: ERR_OK, row->why);
    }
}

static void
test_check_type_tolerates_null_why (void)
{
    s_type_t x;
    s_business_type (&x);
    s_kind_none (&x);
    assert (catalogue_check_type (&x.type, NULL, 0) == ERR_BAD_FIELD);
    char why [8];
    assert (catalogue_check_type (&x.type, why, sizeof why) == ERR_BAD_FIELD);
    assert (strcmp (why, "items[1") == 0);     //  truncated, terminated
    s_cases += 2;
}


//  --------------------------------------------------------------------
//  catalogue_check_content: items

typedef struct {
    const char *behaviour;
    pair_t changes [3];
    const char *valid_from;
    const char *valid_to;
    const char *why;                //  NULL: accepted
} content_case_t;

#define CAP "item registered_capital (注册资本): "
#define EMP "item employees (从业人数): "
#define EST "item established (成立日期): "
#define NOTES "item notes (备注): "

static const content_case_t s_content_cases [] = {
    //  Complete and well formed
    { "base content", { { NULL, NULL } }, "2024-03-01", "", NULL },
    { "with optional notes", { { "notes", "住所变更" } }, "2024-03-01", "",
      NULL },
    { "optional items absent", { { "employees", NULL }, { "listed", NULL },
      { "company_type", NULL } }, "2024-03-01", "", NULL },
    { "optional item empty counts as absent", { { "employees", "" } },
      "2024-03-01", "", NULL },
    //  Unknown items come first
    { "unknown item", { { "website", "example.cn" } }, "2024-03-01", "",
      "item website: not in the data-item standard of type " TYPE_CODE },
    { "unknown item before a missing one", { { "name", NULL },
      { "aaa", "1" } }, "2024-03-01", "",
      "item aaa: not in the data-item standard of type " TYPE_CODE },
    { "unknown item among known ones", { { "listed", "true" },
      { "lzz", "1" }, { "notes", "x" } }, "2024-03-01", "",
      "item lzz: not in the data-item standard of type " TYPE_CODE },
    { "unknown item with unprintable name", { { "a\tb", "1" } },
      "2024-03-01", "", "item (unprintable): not in the data-item "
      "standard of type " TYPE_CODE },
    //  Required
    { "required item missing", { { "name", NULL } }, "2024-03-01", "",
      "item name (名称): required but missing" },
    { "required item empty", { { "registered_capital", "" } },
      "2024-03-01", "", CAP "required but missing" },
    { "type order decides which fault", { { "employees", "x" },
      { "registered_capital", NULL } }, "2024-03-01", "",
      CAP "required but missing" },
    //  Integer
    { "integer word", { { "employees", "abc" } }, "2024-03-01", "",
      EMP "\"abc\" is not an integer" },
    { "integer leading zero", { { "employees", "007" } }, "2024-03-01", "",
      EMP "\"007\" is not an integer" },
    { "integer negative zero", { { "employees", "-0" } }, "2024-03-01", "",
      EMP "\"-0\" is not an integer" },
    { "integer plus sign", { { "employees", "+5" } }, "2024-03-01", "",
      EMP "\"+5\" is not an integer" },
    { "integer with fraction", { { "employees", "5.0" } }, "2024-03-01", "",
      EMP "\"5.0\" is not an integer" },
    { "integer with space", { { "employees", " 5" } }, "2024-03-01", "",
      EMP "\" 5\" is not an integer" },
    { "integer lone minus", { { "employees", "-" } }, "2024-03-01", "",
      EMP "\"-\" is not an integer" },
    { "integer past INT64_MAX", { { "employees", "9223372036854775808" } },
      "2024-03-01", "",
      EMP "\"9223372036854775808\" is outside the 64-bit integer range" },
    { "integer past INT64_MIN", { { "employees", "-9223372036854775809" } },
      "2024-03-01", "",
      EMP "\"-9223372036854775809\" is outside the 64-bit integer range" },
    { "INT64_MAX is an integer, above max", { { "employees",
      "9223372036854775807" } }, "2024-03-01", "",
      EMP "\"9223372036854775807\" is above the maximum 1000000" },
    { "INT64_MIN is an integer, below min", { { "employees",
      "-9223372036854775808" } }, "2024-03-01", "",
      EMP "\"-9223372036854775808\" is below the minimum 0" },
    { "integer at min", { { "employees", "0" } }, "2024-03-01", "", NULL },
    { "integer at max", { { "employees", "1000000" } }, "2024-03-01", "",
      NULL },
    { "integer below min", { { "employees", "-1" } }, "2024-03-01", "",
      EMP "\"-1\" is below the minimum 0" },
    { "integer above max", { { "employees", "1000001" } }, "2024-03-01", "",
      EMP "\"1000001\" is above the maximum 1000000" },
    //  Decimal
    { "decimal word", { { "registered_capital", "abc" } }, "2024-03-01", "",
      CAP "\"abc\" is not a decimal" },
    { "decimal 7 places", { { "registered_capital", "1.1234567" } },
      "2024-03-01", "", CAP "\"1.1234567\" has more than 6 decimal places" },
    { "decimal 6 places", { { "registered_capital", "1.123456" } },
      "2024-03-01", "", NULL },
    { "decimal leading zero", { { "registered_capital", "01.5" } },
      "2024-03-01", "", CAP "\"01.5\" is not a decimal" },
    { "decimal trailing dot", { { "registered_capital", "1." } },
      "2024-03-01", "", CAP "\"1.\" is not a decimal" },
    { "decimal leading dot", { { "registered_capital", ".5" } },
      "2024-03-01", "", CAP "\".5\" is not a decimal" },
    { "decimal exponent", { { "registered_capital", "1e6" } },
      "2024-03-01", "", CAP "\"1e6\" is not a decimal" },
    { "decimal comma", { { "registered_capital", "1,000" } },
      "2024-03-01", "", CAP "\"1,000\" is not a decimal" },
    { "decimal negative zero", { { "registered_capital", "-0.00" } },
      "2024-03-01", "", CAP "\"-0.00\" is not a decimal" },
    { "decimal at min", { { "registered_capital", "0.000000" } },
      "2024-03-01", "", NULL },
    { "decimal just below min", { { "registered_capital", "-0.000001" } },
      "2024-03-01", "", CAP "\"-0.000001\" is below the minimum 0" },
    { "decimal beyond double precision", { { "registered_capital",
      "123456789012345678901234567890.5" } }, "2024-03-01", "", NULL },
    //  Date
    { "date Feb 30", { { "established", "2015-02-30" } }, "2024-03-01", "",
      EST "\"2015-02-30\" is not a date YYYY-MM-DD" },
    { "date without dashes", { { "established", "20150601" } },
      "2024-03-01", "", EST "\"20150601\" is not a date YYYY-MM-DD" },
    { "date at min", { { "established", "1949-10-01" } }, "2024-03-01", "",
      NULL },
    { "date below min", { { "established", "1949-09-30" } }, "2024-03-01",
      "", EST "\"1949-09-30\" is below the minimum 1949-10-01" },
    //  Enum and boolean
    { "enum value", { { "company_type", "合伙企业" } }, "2024-03-01", "",
      NULL },
    { "enum outside values", { { "company_type", "国有企业" } },
      "2024-03-01", "", "item company_type (企业类型): \"国有企业\" is not one "
      "of the 4 allowed values" },
    { "boolean true", { { "listed", "true" } }, "2024-03-01", "", NULL },
    { "boolean yes", { { "listed", "yes" } }, "2024-03-01", "",
      "item listed (是否上市): \"yes\" is not true or false" },
    { "boolean upper case", { { "listed", "TRUE" } }, "2024-03-01", "",
      "item listed (是否上市): \"TRUE\" is not true or false" },
    //  Length in code points
    { "100 Chinese characters", { { "name", HUNDRED } }, "2024-03-01", "",
      NULL },
    { "101 Chinese characters", { { "name", HUNDRED "零" } }, "2024-03-01",
      "", "item name (名称): 101 characters, at most 100 allowed" },
    { "10 Chinese characters in notes", { { "notes", TEN } }, "2024-03-01",
      "", NULL },
    { "11 Chinese characters in notes", { { "notes", TEN "零" } },
      "2024-03-01", "", NOTES "11 characters, at most 10 allowed" },
    { "11 ASCII characters in notes", { { "notes", "abcdefghijk" } },
      "2024-03-01", "", NOTES "11 characters, at most 10 allowed" },
    { "10 emoji (4 bytes each)", { { "notes", "😀😀😀😀😀😀😀😀😀😀" } },
      "2024-03-01", "", NULL },
    { "mixed scripts", { { "notes", "aé中😀bcdefg" } }, "2024-03-01", "",
      NULL },
    //  Invalid UTF-8, for any kind
    { "stray byte", { { "notes", "ab\xff" } }, "2024-03-01", "",
      NOTES "value is not valid UTF-8" },
    { "lone continuation byte", { { "notes", "\x80" } }, "2024-03-01", "",
      NOTES "value is not valid UTF-8" },
    { "overlong slash", { { "notes", "\xc0\xaf" } }, "2024-03-01", "",
      NOTES "value is not valid UTF-8" },
    { "overlong 3-byte", { { "notes", "\xe0\x80\xaf" } }, "2024-03-01", "",
      NOTES "value is not valid UTF-8" },
    { "surrogate", { { "notes", "\xed\xa0\x80" } }, "2024-03-01", "",
      NOTES "value is not valid UTF-8" },
    { "above U+10FFFF", { { "notes", "\xf4\x90\x80\x80" } }, "2024-03-01",
      "", NOTES "value is not valid UTF-8" },
    { "truncated sequence", { { "notes", "\xe4\xb8" } }, "2024-03-01", "",
      NOTES "value is not valid UTF-8" },
    { "invalid UTF-8 in an enum", { { "company_type", "\xe6\x9c" } },
      "2024-03-01", "",
      "item company_type (企业类型): value is not valid UTF-8" },
    //  Values that are not quoted
    { "value with a quote", { { "listed", "a\"b" } }, "2024-03-01", "",
      "item listed (是否上市): value is not true or false" },
    { "value with a newline", { { "listed", "a\nb" } }, "2024-03-01", "",
      "item listed (是否上市): value is not true or false" },
    { "value over 64 bytes", { { "listed",
      "12345678901234567890123456789012345678901234567890123456789012345" } },
      "2024-03-01", "", "item listed (是否上市): value is not true or false" },
    //  Validity of an open-ended type
    { "open-ended with valid_to", { { NULL, NULL } }, "2024-03-01",
      "2034-02-28", "validity: open-ended type but valid_to is set" },
    { "items before validity", { { "listed", "no" } }, "2024-03-01",
      "2034-02-28", "item listed (是否上市): \"no\" is not true or false" },
};

static void
test_check_content_reports_each_rule (void)
{
    s_type_t x;
    s_business_type (&x);
    assert (catalogue_check_type (&x.type, NULL, 0) == ERR_OK);
    for (size_t i = 0;
         i < sizeof s_content_cases / sizeof s_content_cases [0]; i++) {
        const content_case_t *row = &s_content_cases [i];
        s_content_t c;
        s_content (&c, row->changes, 3, row->valid_from, row->valid_to);
        char why [256] = "";
        int rc = catalogue_check_content (&x.type, &c.content, why,
                                          sizeof why);
        s_expect (row->behaviour, rc, why,
                  row->why? ERR_CATALOGUE: ERR_OK, row->why);
        //  Content whose strings are text (as the node's checks have it
        //  when they call catalogue_check_disclosed) gets the same answer
        //  there, its lengths counted without a second check
        if (s_all_text (&c.content)) {
            char why_disclosed [256] = "";
            rc = catalogue_check_disclosed (&x.type, &c.content, NULL, 0, why_disclosed,
                                            sizeof why_disclosed);
            s_expect (row->behaviour, rc, why_disclosed,
                      row->why? ERR_CATALOGUE: ERR_OK, row->why);
        }
    }
}

//  Every length around a spec's max_length, of characters of 1 to 4
//  bytes and of mixes: catalogue_check_disclosed (lengths counted, the
//  values being text) says what catalogue_check_content (lengths from
//  the text check) says
static void
test_lengths_counted_as_the_check_counts (void)
{
    static const char *chars [] = { "a", "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80",
                                    "\t", "\xEF\xBF\xBD" };
    enum { KINDS = sizeof chars / sizeof chars [0] };
    s_type_t x;
    s_business_type (&x);
    size_t compared = 0, refused = 0;
    for (size_t spec = 0; spec < 2; spec++) {
        const char *item = spec? "notes": "name";
        size_t max_length = spec? 10: 100;
        for (size_t n = 0; n <= max_length + 2; n++)
            for (size_t first = 0; first < KINDS; first++)
                for (size_t rest = 0; rest < KINDS; rest++) {
                    char value [4 * 102 + 1] = "";
                    size_t len = 0;
                    for (size_t i = 0; i < n; i++) {
                        const char *ch = chars [i == 0? first: (i % 2? rest: first)];
                        memcpy (value + len, ch, strlen (ch));
                        len += strlen (ch);
                    }
                    value [len] = 0;
                    pair_t change [] = { { item, value } };
                    s_content_t c;
                    s_content (&c, change, 1, "2024-03-01", "");
                    assert (s_all_text (&c.content));
                    char why [256] = "", why_disclosed [256] = "";
                    int rc = catalogue_check_content (&x.type, &c.content, why, sizeof why);
                    int rc_disclosed = catalogue_check_disclosed (&x.type, &c.content, NULL, 0,
                                                                  why_disclosed,
                                                                  sizeof why_disclosed);
                    if (rc != rc_disclosed || strcmp (why, why_disclosed) != 0) {
                        fprintf (stderr, "%s of %zu characters: %s \"%s\" against %s \"%s\"\n",
                                 item, n, err_str (rc), why, err_str (rc_disclosed), why_disclosed);
                        assert (false);
                    }
                    //  ... and the rule holds: more than max_length characters
                    //  is refused ("" counts as absent, the name is required)
                    assert ((rc == ERR_OK) == (n > 0? n <= max_length: spec == 1));
                    refused += rc != ERR_OK;
                    compared++;
                }
    }
    assert (compared > 4000 && refused > 100);
    s_cases += compared;
}

static void
test_check_content_does_not_quote_sensitive_values (void)
{
    s_type_t x;
    s_business_type (&x);
    x.specs [4].sensitivity = LIC__SENSITIVITY__SENS_COMMERCIAL;
    x.specs [1].sensitivity = LIC__SENSITIVITY__SENS_PERSONAL;
    const pair_t bad_kind [] = { { "employees", "many" } };
    const pair_t too_high [] = { { "employees", "1000001" } };
    const pair_t negative [] = { { "registered_capital", "-5" } };
    s_content_t c;
    char why [256];
    s_content (&c, bad_kind, 1, "2024-03-01", "");
    int rc = catalogue_check_content (&x.type, &c.content, why, sizeof why);
    s_expect ("commercial integer", rc, why, ERR_CATALOGUE,
              EMP "value is not an integer");
    s_content (&c, too_high, 1, "2024-03-01", "");
    rc = catalogue_check_content (&x.type, &c.content, why, sizeof why);
    s_expect ("commercial above max", rc, why, ERR_CATALOGUE,
              EMP "value is above the maximum 1000000");
    s_content (&c, negative, 1, "2024-03-01", "");
    rc = catalogue_check_content (&x.type, &c.content, why, sizeof why);
    s_expect ("personal below min", rc, why, ERR_CATALOGUE,
              CAP "value is below the minimum 0");
}

static void
test_check_content_without_label (void)
{
    s_type_t x;
    s_business_type (&x);
    x.specs [5].label = "";
    const pair_t bad [] = { { "listed", "1" } };
    s_content_t c;
    char why [256];
    s_content (&c, bad, 1, "2024-03-01", "");
    int rc = catalogue_check_content (&x.type, &c.content, why, sizeof why);
    s_expect ("empty label", rc, why, ERR_CATALOGUE,
              "item listed: \"1\" is not true or false");
    x.specs [5].label = NULL;
    rc = catalogue_check_content (&x.type, &c.content, why, sizeof why);
    s_expect ("NULL label", rc, why, ERR_CATALOGUE,
              "item listed: \"1\" is not true or false");
}


//  --------------------------------------------------------------------
//  catalogue_check_content: validity

typedef struct {
    const char *valid_from;
    uint32_t months;
    const char *valid_to;           //  the one accepted valid_to
    const char *day_before;         //  valid_to - 1 day, refused
    const char *day_after;          //  valid_to + 1 day, refused
} term_case_t;

static const term_case_t s_term_cases [] = {
    { "2026-11-27", 12, "2027-11-26", "2027-11-25", "2027-11-27" },
    { "2026-01-01", 12, "2026-12-31", "2026-12-30", "2027-01-01" },
    { "2026-01-01", 1, "2026-01-31", "2026-01-30", "2026-02-01" },
    { "2026-07-01", 6, "2026-12-31", "2026-12-30", "2027-01-01" },
    { "2026-12-15", 1, "2027-01-14", "2027-01-13", "2027-01-15" },
    { "2026-12-01", 1, "2026-12-31", "2026-12-30", "2027-01-01" },
    //  Month ends: the day is clamped before stepping back
    { "2024-01-31", 1, "2024-02-28", "2024-02-27", "2024-02-29" },
    { "2023-01-31", 1, "2023-02-27", "2023-02-26", "2023-02-28" },
    { "2026-03-31", 1, "2026-04-29", "2026-04-28", "2026-04-30" },
    { "2026-05-31", 1, "2026-06-29", "2026-06-28", "2026-06-30" },
    { "2026-08-31", 6, "2027-02-27", "2027-02-26", "2027-02-28" },
    //  Leap years
    { "2024-02-01", 1, "2024-02-29", "2024-02-28", "2024-03-01" },
    { "2026-02-01", 1, "2026-02-28", "2026-02-27", "2026-03-01" },
    { "2023-03-01", 12, "2024-02-29", "2024-02-28", "2024-03-01" },
    { "2024-03-01", 12, "2025-02-28", "2025-02-27", "2025-03-01" },
    { "2024-02-29", 12, "2025-02-27", "2025-02-26", "2025-02-28" },
    { "2024-02-29", 48, "2028-02-28", "2028-02-27", "2028-02-29" },
    { "1999-03-01", 12, "2000-02-29", "2000-02-28", "2000-03-01" },
    { "2099-03-01", 12, "2100-02-28", "2100-02-27", "2100-03-01" },
    //  Long terms
    { "2026-01-01", 1200, "2125-12-31", "2125-12-30", "2126-01-01" },
    { "2026-04-15", 840, "2096-04-14", "2096-04-13", "2096-04-15" },
};

static int
s_check_term (s_type_t *x, const char *from, const char *to, char *why,
              size_t why_size)
{
    s_content_t c;
    s_content (&c, NULL, 0, from, to);
    return catalogue_check_content (&x->type, &c.content, why, why_size);
}

static void
test_fixed_term_needs_exact_valid_to (void)
{
    s_type_t x;
    s_business_type (&x);
    x.validity.open_ended = false;
    for (size_t i = 0; i < sizeof s_term_cases / sizeof s_term_cases [0];
         i++) {
        const term_case_t *row = &s_term_cases [i];
        x.validity.term_months = row->months;
        assert (catalogue_check_type (&x.type, NULL, 0) == ERR_OK);
        char expected [128], why [256] = "";
        snprintf (expected, sizeof expected, "validity: valid_to must be %s "
                  "for a %u-month term", row->valid_to, row->months);
        const char *refused [] = { row->day_before, row->day_after, "" };
        int rc = s_check_term (&x, row->valid_from, row->valid_to,
                               why, sizeof why);
        s_expect (row->valid_from, rc, why, ERR_OK, NULL);
        for (size_t r = 0; r < 3; r++) {
            rc = s_check_term (&x, row->valid_from, refused [r],
                               why, sizeof why);
            s_expect (row->valid_from, rc, why, ERR_CATALOGUE, expected);
        }
    }
}

static void
test_validity_edge_cases (void)
{
    s_type_t x;
    s_business_type (&x);
    char why [256] = "";
    //  Neither rule: any valid_to, or none
    x.validity.open_ended = false;
    int rc = s_check_term (&x, "2024-03-01", "2024-03-01", why, sizeof why);
    s_expect ("no rule, valid_to set", rc, why, ERR_OK, NULL);
    rc = s_check_term (&x, "2024-03-01", "", why, sizeof why);
    s_expect ("no rule, open", rc, why, ERR_OK, NULL);
    x.type.validity = NULL;
    rc = s_check_term (&x, "2024-03-01", "2030-01-01", why, sizeof why);
    s_expect ("no validity message", rc, why, ERR_OK, NULL);
    x.type.validity = &x.validity;
    //  Open-ended with valid_to empty is fine
    x.validity.open_ended = true;
    rc = s_check_term (&x, "2024-03-01", NULL, why, sizeof why);
    s_expect ("open-ended, NULL valid_to", rc, why, ERR_OK, NULL);
    //  Term without a usable valid_from, and one past year 9999
    x.validity.open_ended = false;
    x.validity.term_months = 12;
    rc = s_check_term (&x, "2024-02-30", "2025-02-28", why, sizeof why);
    s_expect ("term, bad valid_from", rc, why, ERR_CATALOGUE,
              "validity: a 12-month term needs valid_from as a date "
              "YYYY-MM-DD");
    x.validity.term_months = UINT32_MAX;
    rc = s_check_term (&x, "2026-01-01", "2999-12-31", why, sizeof why);
    s_expect ("term past 9999", rc, why, ERR_CATALOGUE,
              "validity: a 4294967295-month term from 2026-01-01 ends after "
              "9999-12-31");
}


//  --------------------------------------------------------------------
//  catalogue_inspection_overdue

//  Unix time of a civil date and time in UTC+8
static time_t
s_at (const char *date, int hour, int minute, int second)
{
    struct tm tm = { 0 };
    assert (sscanf (date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday)
            == 3);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return timegm (&tm) - 8 * 3600;
}

typedef struct {
    const char *behaviour;
    const char *issue_date;
    uint32_t window;
    Lic__Status status;
    const char *last_inspection;
    const char *today;              //  civil date in UTC+8, checked at
                                    //  00:00:00 and 23:59:59
    bool overdue;
} overdue_case_t;

#define VALID       LIC__STATUS__STATUS_VALID
#define SUSPENDED   LIC__STATUS__STATUS_SUSPENDED

static const overdue_case_t s_overdue_cases [] = {
    //  Issued 2024-03-01, 30 days after each anniversary
    { "before the first anniversary", "2024-03-01", 30, VALID, "",
      "2025-02-28", false },
    { "on the anniversary", "2024-03-01", 30, VALID, "", "2025-03-01",
      false },
    { "last day of the window", "2024-03-01", 30, VALID, "", "2025-03-31",
      false },
    { "day after the window", "2024-03-01", 30, VALID, "", "2025-04-01",
      true },
    { "suspended counts too", "2024-03-01", 30, SUSPENDED, "", "2025-04-01",
      true },
    { "issue day itself is no anniversary", "2024-03-01", 0, VALID, "",
      "2024-03-02", false },
    { "before the issue date", "2024-03-01", 30, VALID, "", "2023-06-01",
      false },
    { "inspected in the window", "2024-03-01", 30, VALID, "2025-03-15",
      "2025-04-01", false },
    { "inspected on the anniversary", "2024-03-01", 30, VALID, "2025-03-01",
      "2025-04-01", false },
    { "inspected the day before the anniversary", "2024-03-01", 30, VALID,
      "2025-02-28", "2025-04-01", true },
    { "inspected late, no longer overdue", "2024-03-01", 30, VALID,
      "2025-05-01", "2025-05-02", false },
    { "last year's inspection, this year's window open", "2024-03-01", 30,
      VALID, "2025-03-15", "2026-03-31", false },
    { "last year's inspection, this year's window closed", "2024-03-01", 30,
      VALID, "2025-03-15", "2026-04-01", true },
    { "missed last year, still overdue in this year's window", "2024-03-01",
      30, VALID, "", "2026-03-15", true },
    { "missed last year, inspected this year", "2024-03-01", 30, VALID,
      "2026-03-02", "2026-03-15", false },
    { "last_inspection not a date counts as none", "2024-03-01", 30, VALID,
      "yesterday", "2025-04-01", true },
    //  Window edges
    { "window 0, anniversary day", "2024-03-01", 0, VALID, "", "2025-03-01",
      false },
    { "window 0, day after", "2024-03-01", 0, VALID, "", "2025-03-02",
      true },
    { "window 366, last day", "2024-03-01", 366, VALID, "2025-02-01",
      "2026-03-02", false },
    { "window 366, day after", "2024-03-01", 366, VALID, "2025-02-01",
      "2026-03-03", true },
    { "window 366, inspected in it", "2024-03-01", 366, VALID, "2026-03-02",
      "2026-03-03", false },
    //  Issued on Feb 29: Feb 28 in common years
    { "Feb 29 issue, Feb 28 anniversary", "2024-02-29", 0, VALID, "",
      "2025-02-28", false },
    { "Feb 29 issue, day after Feb 28", "2024-02-29", 0, VALID, "",
      "2025-03-01", true },
    { "Feb 29 issue, leap year anniversary not yet", "2024-02-29", 0, VALID,
      "2027-03-01", "2028-02-29", false },
    { "Feb 29 issue, day after leap anniversary", "2024-02-29", 0, VALID,
      "2027-03-01", "2028-03-01", true },
    { "Feb 29 issue, inspected Feb 28 in a common year", "2024-02-29", 0,
      VALID, "2026-02-28", "2026-03-01", false },
    //  Year-end anniversary: window runs into the next year
    { "Dec 31 issue, window into January", "2024-12-31", 30, VALID, "",
      "2026-01-30", false },
    { "Dec 31 issue, day after", "2024-12-31", 30, VALID, "", "2026-01-31",
      true },
};

static void
s_state (Lic__LicenseState *st, Lic__LicenseContent *content,
         Lic__Status status, const char *issue_date, const char *last)
{
    Lic__LicenseState init = LIC__LICENSE_STATE__INIT;
    Lic__LicenseContent content_init = LIC__LICENSE_CONTENT__INIT;
    *st = init;
    *content = content_init;
    content->issue_date = (char *) issue_date;
    st->status = status;
    st->content = content;
    st->last_inspection = (char *) last;
}

static void
test_inspection_overdue_boundaries (void)
{
    s_type_t x;
    s_business_type (&x);
    for (size_t i = 0;
         i < sizeof s_overdue_cases / sizeof s_overdue_cases [0]; i++) {
        const overdue_case_t *row = &s_overdue_cases [i];
        Lic__LicenseState st;
        Lic__LicenseContent content;
        s_state (&st, &content, row->status, row->issue_date,
                 row->last_inspection);
        x.validity.inspection_window_days = row->window;
        time_t first = s_at (row->today, 0, 0, 0);
        time_t last = s_at (row->today, 23, 59, 59);
        bool at_first = catalogue_inspection_overdue (&x.type, &st, first);
        bool at_last = catalogue_inspection_overdue (&x.type, &st, last);
        if (at_first != row->overdue || at_last != row->overdue) {
            fprintf (stderr, "%s: got %d/%d\n", row->behaviour, at_first,
                     at_last);
            assert (false);
        }
        s_cases++;
    }
}

static void
test_inspection_day_turns_at_utc_plus_8 (void)
{
    s_type_t x;
    s_business_type (&x);
    Lic__LicenseState st;
    Lic__LicenseContent content;
    s_state (&st, &content, VALID, "2024-03-01", "");
    //  2025-04-01 00:00 in UTC+8 is 2025-03-31 16:00 UTC
    time_t midnight = s_at ("2025-04-01", 0, 0, 0);
    struct tm utc;
    assert (gmtime_r (&midnight, &utc));
    assert (utc.tm_mday == 31 && utc.tm_hour == 16);
    assert (!catalogue_inspection_overdue (&x.type, &st, midnight - 1));
    assert (catalogue_inspection_overdue (&x.type, &st, midnight));
    s_cases += 2;
}

static void
test_inspection_not_overdue_when_not_required_or_ended (void)
{
    s_type_t x;
    s_business_type (&x);
    Lic__LicenseState st;
    Lic__LicenseContent content;
    s_state (&st, &content, VALID, "2024-03-01", "");
    time_t late = s_at ("2027-06-01", 12, 0, 0);
    assert (catalogue_inspection_overdue (&x.type, &st, late));
    x.validity.annual_inspection = false;
    assert (!catalogue_inspection_overdue (&x.type, &st, late));
    x.validity.annual_inspection = true;
    x.type.validity = NULL;
    assert (!catalogue_inspection_overdue (&x.type, &st, late));
    x.type.validity = &x.validity;
    const Lic__Status ended [] = {
        LIC__STATUS__STATUS_NONE, LIC__STATUS__STATUS_WITHDRAWN,
        LIC__STATUS__STATUS_CANCELLED, LIC__STATUS__STATUS_EXPIRED,
        LIC__STATUS__STATUS_TRANSFERRED_OUT, LIC__STATUS__STATUS_REVOKED,
        LIC__STATUS__STATUS_OTHER
    };
    for (size_t i = 0; i < sizeof ended / sizeof ended [0]; i++) {
        st.status = ended [i];
        assert (!catalogue_inspection_overdue (&x.type, &st, late));
    }
    st.status = VALID;
    st.content = NULL;
    assert (!catalogue_inspection_overdue (&x.type, &st, late));
    st.content = &content;
    content.issue_date = "";
    assert (!catalogue_inspection_overdue (&x.type, &st, late));
    //  Far future and far past clocks do not overflow
    content.issue_date = "2024-03-01";
    assert (catalogue_inspection_overdue (&x.type, &st, (time_t) INT64_MAX));
    assert (!catalogue_inspection_overdue (&x.type, &st, (time_t) INT64_MIN));
    s_cases += 14;
}


//  --------------------------------------------------------------------

int
main (void)
{
    test_check_type_reports_each_malformed_member ();
    test_check_type_tolerates_null_why ();
    test_check_content_reports_each_rule ();
    test_lengths_counted_as_the_check_counts ();
    test_check_content_does_not_quote_sensitive_values ();
    test_check_content_without_label ();
    test_fixed_term_needs_exact_valid_to ();
    test_validity_edge_cases ();
    test_inspection_overdue_boundaries ();
    test_inspection_day_turns_at_utc_plus_8 ();
    test_inspection_not_overdue_when_not_required_or_ended ();
    printf ("test_catalogue: %zu cases passed\n", s_cases);
    return 0;
}
