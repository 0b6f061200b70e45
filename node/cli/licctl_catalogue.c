/*  licctl_catalogue.c -- licctl commands of the license
    catalogue (catalogue add, list, show, history), content-addressed
    blobs (blob put, get) and reports (report lateness).

    Each command word takes a sub-command as its first operand.  Type
    files are JSON in the format of licjson.h; add runs the node's own
    check (catalogue_check_type) before sending, so a bad file needs no
    connection, but the node's verdict counts and it assigns versions.
    Blobs are checked here both ways: put compares the node's digest with
    our own BLAKE2b-256 of the file, get refuses bytes that do not hash
    to the digest asked for.  Human tables pad by display width (CJK
    labels take two columns).
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "node/common/keyfile.h"
#include "node/client/licclient.h"
#include "node/cli/licctl.h"
#include "node/cli/licctl_catalogue.h"
#include "node/common/licjson.h"
#include "proto/seal.h"

#define S_TYPE_MAX      (4 * CODEC_FRAME_MAX)   //  JSON text of one type

// ---------------------------------------------------------------------
//  Shared helpers

//  Reads a whole file of at most max bytes into a malloc'd buffer (NUL
//  added); *too_big tells a larger file from one that cannot be read.
static uint8_t *
s_read_file (const char *path, size_t max, size_t *len, bool *too_big)
{
    FILE *fp = fopen (path, "rb");
    uint8_t *data = fp? malloc (max + 2): NULL;
    size_t size = data? fread (data, 1, max + 1, fp): 0;
    *too_big = data && !ferror (fp) && size > max;
    if (data && (ferror (fp) || *too_big)) {
        free (data);
        data = NULL;
    }
    if (data) {
        data [size] = 0;
        *len = size;
    }
    if (fp)
        fclose (fp);
    return data;
}

//  One licclient call with its argument.
typedef int (s_call_fn) (licclient_t *client, const void *arg,
                         Lic__Reply **reply, int timeout_ms);

//  Connects and runs one call; reports failures.  Returns an exit code;
//  on LICCTL_EXIT_OK the caller frees *reply.
static int
s_ask (const licctl_opts_t *opts, s_call_fn *call, const void *arg,
       Lic__Reply__BodyCase want, Lic__Reply **reply)
{
    licclient_t *client = NULL;
    keyfile_t key;
    int exit_code = licctl_connect (opts, &client, &key, NULL);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    keyfile_wipe (&key);
    int rc = call (client, arg, reply, opts->timeout_ms);
    exit_code = licctl_check_reply (rc, *reply, want, opts->timeout_ms);
    if (exit_code != LICCTL_EXIT_OK)
        codec_reply_free (reply);
    licclient_destroy (&client);
    return exit_code;
}

static bool
s_wide (uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF)
        || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60)
        || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

//  Terminal columns of UTF-8 text (East Asian wide characters count 2).
static int
s_width (const char *text)
{
    int width = 0;
    const unsigned char *p = (const unsigned char *) text;
    while (*p) {
        int n = *p < 0x80? 1: (*p & 0xE0) == 0xC0? 2: (*p & 0xF0) == 0xE0? 3: 4;
        uint32_t cp = n == 1? *p: *p & (0x7F >> n);
        for (int i = 1; i < n; i++) {
            if ((p [i] & 0xC0) != 0x80) {
                n = i;                  //  broken sequence: one column
                break;
            }
            cp = cp << 6 | (p [i] & 0x3F);
        }
        p += n;
        width += s_wide (cp)? 2: 1;
    }
    return width;
}

//  Prints text padded to width columns, then two spaces.
static void
s_cell (const char *text, int width)
{
    printf ("%s%*s  ", text, width > s_width (text)? width - s_width (text): 0, "");
}

// ---------------------------------------------------------------------
//  Human output of license types

static const char *
s_validity_text (const Lic__ValidityRule *v, bool brief, char *buf, size_t size)
{
    static const Lic__ValidityRule none = LIC__VALIDITY_RULE__INIT;
    char term [96];
    v = v? v: &none;
    if (v->term_months)
        snprintf (term, sizeof term, brief? "%u months": "fixed term of %u "
                  "months (valid_to = valid_from + term - 1 day)", v->term_months);
    else
        snprintf (term, sizeof term, "%s", v->open_ended? brief? "open-ended":
                  "open-ended (no valid_to)": brief? "as licensed":
                  "valid_to as the license states");
    if (brief)
        snprintf (buf, size, "%s%s", term, v->annual_inspection? ", inspected": "");
    else
    if (v->annual_inspection)
        snprintf (buf, size, "%s; annual inspection within %u days after "
                  "each anniversary of issue", term, v->inspection_window_days);
    else
        snprintf (buf, size, "%s; no annual inspection", term);
    return buf;
}

//  min..max of a bounded kind, or "N values" of an enum.
static const char *
s_bounds (const Lic__ItemSpec *s, char *buf, size_t size)
{
    if (s->kind == LIC__ITEM_KIND__KIND_ENUM)
        snprintf (buf, size, "%zu values:", s->n_values);
    else
    if (*s->min || *s->max)
        snprintf (buf, size, "%s..%s", s->min, s->max);
    else
        buf [0] = 0;
    return buf;
}

static void
s_print_items (const Lic__LicenseType *t)
{
    int wn = 4, wl = 5;
    char len [16], bounds [64];
    for (size_t i = 0; i < t->n_items; i++) {
        int n = s_width (t->items [i]->name), l = s_width (t->items [i]->label);
        wn = n > wn? n: wn;
        wl = l > wl? l: wl;
    }
    printf ("  ");
    s_cell ("item", wn);
    s_cell ("label", wl);
    printf ("%-7s  %-3s  %7s  %-10s  %s\n", "kind", "req", "max len",
            "sensitive", "bounds / values");
    for (size_t i = 0; i < t->n_items; i++) {
        const Lic__ItemSpec *s = t->items [i];
        snprintf (len, sizeof len, "%u", s->max_length);
        printf ("  ");
        s_cell (s->name, wn);
        s_cell (s->label, wl);
        s_bounds (s, bounds, sizeof bounds);
        printf ("%-7s  %-3s  %7s  %-*s%s\n", licjson_kind_name (s->kind),
                s->required? "yes": "no", s->max_length? len: "-",
                *bounds? 12: 0, licjson_sensitivity_name (s->sensitivity),
                bounds);
        for (size_t v = 0; v < s->n_values; v++)
            printf ("  %*s- %s\n", wn + 2, "", s->values [v]);
    }
}

static void
s_print_digest (const char *label, ProtobufCBinaryData d)
{
    char hex [65];
    seal_hex (hex, d.data, d.len == 32? 32: 0);
    printf ("%-14s %s\n", label, d.len == 32? hex: "none");
}

static void
    s_print_changes (const Lic__LicenseType *old, const Lic__LicenseType *t);

//  A type for people; prev (the version before, or NULL) adds what changed.
static void
s_print_type (const Lic__LicenseType *t, const Lic__LicenseType *prev)
{
    char when [32], rule [256];
    printf ("%s  %s  version %u%s\n", t->type_code, t->name, t->version,
            t->withdrawn? "  WITHDRAWN: no new licenses of this version": "");
    printf ("%-14s %s\n%-14s %s, %s\n", "defining body", t->defining_body,
            "defined at", *t->division? t->division: "-", licctl_time (t->at, when));
    printf ("%-14s %s\n", "validity",
            s_validity_text (t->validity, false, rule, sizeof rule));
    s_print_digest ("face template", t->template_digest);
    s_print_digest ("sample", t->sample_digest);
    s_print_digest ("seal pattern", t->seal_digest);
    if (prev)
        s_print_changes (prev, t);
    printf ("items (%zu):\n", t->n_items);
    s_print_items (t);
}

static bool
s_same_spec (const Lic__ItemSpec *a, const Lic__ItemSpec *b)
{
    if (strcmp (a->label, b->label) || a->kind != b->kind
    ||  a->required != b->required || a->max_length != b->max_length
    ||  strcmp (a->min, b->min) || strcmp (a->max, b->max)
    ||  a->sensitivity != b->sensitivity || a->n_values != b->n_values)
        return false;
    for (size_t i = 0; i < a->n_values; i++)
        if (strcmp (a->values [i], b->values [i]))
            return false;
    return true;
}

static const Lic__ItemSpec *
s_find_spec (const Lic__LicenseType *t, const char *name)
{
    for (size_t i = 0; i < t->n_items; i++)
        if (strcmp (t->items [i]->name, name) == 0)
            return t->items [i];
    return NULL;
}

static bool
s_same_digest (ProtobufCBinaryData a, ProtobufCBinaryData b)
{
    return a.len == b.len && (a.len == 0 || memcmp (a.data, b.data, a.len) == 0);
}

//  One line: what changed in t since the version before it.
static void
s_print_changes (const Lic__LicenseType *old, const Lic__LicenseType *t)
{
    char a [256], b [256];
    printf ("%-14s", "changed since");
    printf (" version %u:", old->version);
    size_t n = 0;
    for (size_t i = 0; i < t->n_items; i++) {
        const Lic__ItemSpec *was = s_find_spec (old, t->items [i]->name);
        if (!was || !s_same_spec (was, t->items [i]))
            printf ("%s %c%s", n++? ",": "", was? '~': '+', t->items [i]->name);
    }
    for (size_t i = 0; i < old->n_items; i++)
        if (!s_find_spec (t, old->items [i]->name))
            printf ("%s -%s", n++? ",": "", old->items [i]->name);
    if (strcmp (s_validity_text (old->validity, false, a, sizeof a),
                s_validity_text (t->validity, false, b, sizeof b)))
        printf ("%s validity", n++? ",": "");
    if (!s_same_digest (old->template_digest, t->template_digest))
        printf ("%s face template", n++? ",": "");
    if (!s_same_digest (old->sample_digest, t->sample_digest))
        printf ("%s sample", n++? ",": "");
    if (!s_same_digest (old->seal_digest, t->seal_digest))
        printf ("%s seal pattern", n++? ",": "");
    if (old->withdrawn != t->withdrawn)
        printf ("%s %s", n++? ",": "", t->withdrawn? "withdrawn": "reinstated");
    printf ("%s\n", n? "": " nothing but the version");
}

// ---------------------------------------------------------------------
//  catalogue

static int
s_call_catalogue (licclient_t *client, const void *arg, Lic__Reply **reply,
                  int timeout_ms)
{
    return licclient_catalogue (client, arg, reply, timeout_ms);
}

static int
s_catalogue_add (const licctl_opts_t *opts, const char *path)
{
    char why [512];
    size_t len;
    bool too_big;
    Lic__LicenseType *t = NULL;
    Lic__Reply *reply = NULL;
    char *text = (char *) s_read_file (path, S_TYPE_MAX, &len, &too_big);
    if (!text) {
        fprintf (stderr, "licctl: cannot read %s%s\n", path, too_big?
                 " (over 1 MiB)": "");
        return LICCTL_EXIT_USAGE;
    }
    int rc = licjson_type_from_json (text, &t, why, sizeof why);
    free (text);
    //  The node runs the same check; here it needs no connection
    if (rc == ERR_OK)
        rc = catalogue_check_type (t, why, sizeof why);
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: %s: %s: %s\n", path, err_str (rc), why);
        codec_license_type_free (&t);
        return LICCTL_EXIT_REFUSED;
    }
    Lic__CatalogueRequest req = LIC__CATALOGUE_REQUEST__INIT;
    req.add = t;
    int exit_code = s_ask (opts, s_call_catalogue, &req,
                           LIC__REPLY__BODY_CATALOGUE, &reply);
    if (exit_code == LICCTL_EXIT_OK) {
        const Lic__CatalogueResult *res = reply->catalogue;
        uint32_t version = res->n_types? res->types [0]->version: 0;
        if (opts->json)
            exit_code = licctl_print_json (json_pack ("{s:s, s:I, s:I}",
                "type_code", t->type_code, "version", (json_int_t) version,
                "seq", (json_int_t) res->seq));
        else
            printf ("added %s version %u at seq %" PRIu64 "\n", t->type_code,
                    version, res->seq);
    }
    codec_reply_free (&reply);
    codec_license_type_free (&t);
    return exit_code;
}

static void
s_print_list (const Lic__CatalogueResult *res)
{
    char rule [128];
    for (size_t i = 0; i < res->n_types; i++) {
        const Lic__LicenseType *t = res->types [i];
        printf ("%-21s  %4u  %5zu  %-22s  %-8s  %s%s\n", t->type_code,
                t->version, t->n_items,
                s_validity_text (t->validity, true, rule, sizeof rule),
                *t->division? t->division: "-", t->name,
                t->withdrawn? " (withdrawn)": "");
    }
}

//  list, show CODE [DIVISION], history CODE [DIVISION]: DIVISION names
//  whose line of the code (default: the node's own).  A list or history
//  comes a page at a time: the one at --cursor, or all with --all; one
//  that stops before its end says where the rest starts.
static int
s_catalogue_read (const licctl_opts_t *opts, const char *sub, const char *code,
                  const char *division)
{
    Lic__Reply *reply = NULL, *prev = NULL;
    Lic__CatalogueRequest req = LIC__CATALOGUE_REQUEST__INIT;
    bool list = strcmp (sub, "list") == 0;
    char cursor [128];
    snprintf (cursor, sizeof cursor, "%s", opts->cursor? opts->cursor: "");
    if (code)
        req.type_code = (char *) code;
    if (division)
        req.division = (char *) division;
    req.history = strcmp (sub, "history") == 0;
    //  show: the type itself; list and history: an array
    bool many = list || req.history;
    json_t *out = opts->json && many? json_array (): NULL;
    size_t shown = 0;
    bool more = false;
    int exit_code;
    if (list && !opts->json)
        printf ("%-21s  %4s  %5s  %-22s  %-8s  %s\n", "type", "ver", "items",
                "validity", "defined", "name");
    do {
        req.cursor = cursor;
        exit_code = s_ask (opts, s_call_catalogue, &req, LIC__REPLY__BODY_CATALOGUE, &reply);
        if (exit_code != LICCTL_EXIT_OK)
            break;
        const Lic__CatalogueResult *res = reply->catalogue;
        if (opts->json && !many)
            exit_code = licctl_print_json (res->n_types? licjson_type_to_json (res->types [0]): json_null ());
        for (size_t i = 0; out && i < res->n_types; i++)
            if (json_array_append_new (out, licjson_type_to_json (res->types [i]))) {
                json_decref (out);
                out = NULL;
            }
        if (opts->json)
            ;
        else
        if (list)
            s_print_list (res);
        else {
            size_t n = req.history? res->n_types: res->n_types? 1: 0;
            for (size_t i = 0; i < n; i++) {
                const Lic__LicenseType *before = i? res->types [i - 1]
                                               : prev && prev->catalogue->n_types
                                               ? prev->catalogue->types [prev->catalogue->n_types - 1]: NULL;
                if (shown + i)
                    printf ("\n");
                s_print_type (res->types [i], before);
            }
        }
        shown += res->n_types;
        more = many && res->more;
        snprintf (cursor, sizeof cursor, "%s", res->next_cursor);
        codec_reply_free (&prev);
        prev = reply;
        reply = NULL;
    } while (more && opts->all);
    if (exit_code == LICCTL_EXIT_OK && opts->json && many)
        exit_code = licctl_print_json (out? json_pack ("{s:o, s:b, s:s}", list? "types": "versions", out,
                                                       "more", more, "next_cursor", more? cursor: "")
                                          : NULL);
    else {
        json_decref (out);
        if (exit_code == LICCTL_EXIT_OK && list)
            printf ("%zu type(s)\n", shown);
        if (exit_code == LICCTL_EXIT_OK)
            licctl_more (more, cursor);
    }
    codec_reply_free (&prev);
    return exit_code;
}

int
licctl_cmd_catalogue (const licctl_opts_t *opts)
{
    const char *sub = opts->n_args? opts->args [0]: "";
    if (strcmp (sub, "add") == 0 && opts->n_args == 2)
        return s_catalogue_add (opts, opts->args [1]);
    if (strcmp (sub, "list") == 0 && opts->n_args == 1)
        return s_catalogue_read (opts, sub, NULL, NULL);
    if ((strcmp (sub, "show") == 0 || strcmp (sub, "history") == 0)
    &&  (opts->n_args == 2 || opts->n_args == 3))
        return s_catalogue_read (opts, sub, opts->args [1], opts->n_args == 3? opts->args [2]: NULL);
    licctl_usage (stderr);
    return LICCTL_EXIT_USAGE;
}

// ---------------------------------------------------------------------
//  blob

typedef struct {
    const uint8_t *data;                //  put: the bytes; get: NULL
    size_t len;                         //  put: their length
    const uint8_t *digest;              //  get: the digest asked for
} s_blob_arg_t;

static int
s_call_blob (licclient_t *client, const void *arg, Lic__Reply **reply,
             int timeout_ms)
{
    const s_blob_arg_t *b = arg;
    return b->data? licclient_blob_put (client, b->data, b->len, reply, timeout_ms):
                    licclient_blob_get (client, b->digest, reply, timeout_ms);
}

static int
s_blob_put (const licctl_opts_t *opts, const char *path)
{
    size_t len = 0;
    bool too_big;
    uint8_t ours [SEAL_HASH_BYTES];
    char hex [65];
    Lic__Reply *reply = NULL;
    //  A frame holds a little more than a blob: read enough to let the
    //  node give its own verdict on anything that can reach it.
    uint8_t *data = s_read_file (path, CODEC_FRAME_MAX - 64, &len, &too_big);
    if (!data && too_big) {
        fprintf (stderr, "licctl: ERR_TOO_LARGE: %s is over %d bytes; a node "
                 "stores blobs of at most %d bytes (192 KiB)\n", path,
                 CODEC_FRAME_MAX - 64, LICCLIENT_BLOB_MAX);
        return LICCTL_EXIT_REFUSED;
    }
    if (!data || len == 0) {
        fprintf (stderr, "licctl: %s: %s\n", path, data? "empty, nothing to "
                 "store": "cannot read");
        free (data);
        return LICCTL_EXIT_USAGE;
    }
    seal_hash (ours, data, len, NULL, 0);
    s_blob_arg_t arg = { data, len, NULL };
    int exit_code = s_ask (opts, s_call_blob, &arg, LIC__REPLY__BODY_BLOB, &reply);
    free (data);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    seal_hex (hex, ours, sizeof ours);
    const Lic__BlobResult *res = reply->blob;
    if (res->digest.len != sizeof ours
    ||  memcmp (res->digest.data, ours, sizeof ours) != 0) {
        fprintf (stderr, "licctl: the node named the blob otherwise than its "
                 "BLAKE2b-256 digest %s\n", hex);
        exit_code = LICCTL_EXIT_REFUSED;
    }
    else
    if (opts->json)
        exit_code = licctl_print_json (json_pack ("{s:s, s:I}", "digest", hex,
                                                  "bytes", (json_int_t) len));
    else
        printf ("%s\n", hex);
    codec_reply_free (&reply);
    return exit_code;
}

//  Writes the blob to --out ("-" or none: stdout, never a terminal).
static int
s_blob_write (const licctl_opts_t *opts, const char *hex,
              const ProtobufCBinaryData *data)
{
    bool to_stdout = !opts->out || strcmp (opts->out, "-") == 0;
    if (opts->json && to_stdout) {
        char *b64 = malloc (SEAL_BASE64_SIZE (data->len));
        json_t *out = b64 && seal_base64_encode (b64, SEAL_BASE64_SIZE (data->len),
                                                 data->data, data->len) == ERR_OK?
            json_pack ("{s:s, s:I, s:s}", "digest", hex, "bytes",
                       (json_int_t) data->len, "base64", b64): NULL;
        free (b64);
        return licctl_print_json (out);
    }
    if (to_stdout && isatty (STDOUT_FILENO)) {
        fprintf (stderr, "licctl: not writing %zu bytes of blob to a terminal: "
                 "use --out FILE or redirect\n", data->len);
        return LICCTL_EXIT_USAGE;
    }
    FILE *fp = to_stdout? stdout: fopen (opts->out, "wb");
    bool ok = fp && fwrite (data->data, 1, data->len, fp) == data->len
           && fflush (fp) == 0;
    if (fp && !to_stdout && fclose (fp) != 0)
        ok = false;
    if (!ok) {
        fprintf (stderr, "licctl: cannot write %s\n",
                 to_stdout? "stdout": opts->out);
        return LICCTL_EXIT_USAGE;
    }
    if (opts->json)
        return licctl_print_json (json_pack ("{s:s, s:I, s:s}", "digest",
                                  hex, "bytes", (json_int_t) data->len,
                                  "out", opts->out));
    if (!to_stdout)
        fprintf (stderr, "licctl: %zu bytes written to %s, digest verified\n",
                 data->len, opts->out);
    return LICCTL_EXIT_OK;
}

static int
s_blob_get (const licctl_opts_t *opts, const char *hex)
{
    uint8_t digest [SEAL_HASH_BYTES], got [SEAL_HASH_BYTES];
    Lic__Reply *reply = NULL;
    if (strlen (hex) != 64 || seal_unhex (digest, sizeof digest, hex) != ERR_OK) {
        fprintf (stderr, "licctl: %s: a blob digest is 64 hex digits\n", hex);
        return LICCTL_EXIT_USAGE;
    }
    s_blob_arg_t arg = { NULL, 0, digest };
    int exit_code = s_ask (opts, s_call_blob, &arg, LIC__REPLY__BODY_BLOB, &reply);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    const ProtobufCBinaryData *data = &reply->blob->data;
    seal_hash (got, data->data, data->len, NULL, 0);
    if (memcmp (got, digest, sizeof got) != 0) {
        fprintf (stderr, "licctl: the node's %zu bytes do not hash to %s: "
                 "not written\n", data->len, hex);
        exit_code = LICCTL_EXIT_REFUSED;
    }
    else
        exit_code = s_blob_write (opts, hex, data);
    codec_reply_free (&reply);
    return exit_code;
}

int
licctl_cmd_blob (const licctl_opts_t *opts)
{
    const char *sub = opts->n_args? opts->args [0]: "";
    if (strcmp (sub, "put") == 0 && opts->n_args == 2)
        return s_blob_put (opts, opts->args [1]);
    if (strcmp (sub, "get") == 0 && opts->n_args == 2)
        return s_blob_get (opts, opts->args [1]);
    licctl_usage (stderr);
    return LICCTL_EXIT_USAGE;
}

// ---------------------------------------------------------------------
//  report

//  A delay for people: 45s, 12m05s, 3h05m, 2d04h.
static const char *
s_duration (int64_t s, char buf [32])
{
    if (s < 60)
        snprintf (buf, 32, "%" PRId64 "s", s);
    else
    if (s < 3600)
        snprintf (buf, 32, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
    else
    if (s < 86400)
        snprintf (buf, 32, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
    else
        snprintf (buf, 32, "%" PRId64 "d%02" PRId64 "h", s / 86400, s / 3600 % 24);
    return buf;
}

//  --summary asks for every issuer-day ("same-day"), not only those with
//  a late event.
static int
s_call_report (licclient_t *client, const void *arg, Lic__Reply **reply,
               int timeout_ms)
{
    const licctl_opts_t *opts = arg;
    return licclient_report (client, opts->summary? "same-day": opts->args [0], opts->limit,
                             reply, timeout_ms);
}

//  Share of events released on time as a percentage with one decimal,
//  rounded down so that 99.96 % is never shown as 100.0 %.
static char *
s_share (uint64_t events, uint64_t late, char buf [16])
{
    unsigned permille = events? (unsigned) ((events - late) * 1000 / events): 1000;
    snprintf (buf, 16, "%u.%u%%", permille / 10 % 1000, permille % 10);
    return buf;
}

static json_t *
s_share_json (const char *issuer, const char *day, uint64_t events, uint64_t late)
{
    json_t *o = json_pack ("{s:s, s:I, s:I, s:I, s:f}", "issuer", issuer,
                           "events", (json_int_t) events, "late", (json_int_t) late,
                           "on_time", (json_int_t) (events - late),
                           "on_time_share", events? (double) (events - late) / (double) events: 1.0);
    if (o && day)
        json_object_set_new (o, "day", json_string (day));
    return o;
}

//  report lateness --summary: each department's share of events released
//  the day they were completed, per day and over every day (rows come
//  sorted by issuer, then day).
static int
s_print_summary (const licctl_opts_t *opts, const Lic__ReportResult *r)
{
    json_t *days = opts->json? json_array (): NULL;
    json_t *departments = opts->json? json_array (): NULL;
    uint64_t events = 0, late = 0, dept_events = 0, dept_late = 0;
    size_t n_departments = 0;
    char share [16];
    if (!opts->json)
        printf ("%-18s  %-10s  %8s  %8s  %7s\n", "issuer", "day", "events", "on time", "share");
    for (size_t i = 0; i < r->n_rows; i++) {
        const Lic__LatenessRow *row = r->rows [i];
        if (opts->json)
            json_array_append_new (days, s_share_json (row->issuer, row->day, row->events,
                                                       row->late));
        else
            printf ("%-18s  %-10s  %8" PRIu64 "  %8" PRIu64 "  %7s\n", row->issuer, row->day,
                    row->events, row->events - row->late, s_share (row->events, row->late, share));
        dept_events += row->events;
        dept_late += row->late;
        events += row->events;
        late += row->late;
        //  The department's last day: its line over every day.
        if (i + 1 == r->n_rows || strcmp (r->rows [i + 1]->issuer, row->issuer) != 0) {
            if (opts->json)
                json_array_append_new (departments, s_share_json (row->issuer, NULL, dept_events,
                                                                  dept_late));
            else
                printf ("%-18s  %-10s  %8" PRIu64 "  %8" PRIu64 "  %7s\n", row->issuer,
                        "all days", dept_events, dept_events - dept_late,
                        s_share (dept_events, dept_late, share));
            n_departments++;
            dept_events = dept_late = 0;
        }
    }
    bool cut = opts->limit? r->n_rows >= opts->limit: r->n_rows >= 2000;
    if (opts->json)
        return licctl_print_json (json_pack ("{s:o, s:o, s:I, s:I, s:b}", "days", days,
                                             "departments", departments,
                                             "events", (json_int_t) events,
                                             "on_time", (json_int_t) (events - late),
                                             "cut", cut));
    printf ("%zu department(s), %zu issuer-day(s): %" PRIu64 " of %" PRIu64 " events (%s) "
            "released the day (UTC+8) they were completed (regulation Art. 7-8)%s\n",
            n_departments, r->n_rows, events - late, events, s_share (events, late, share),
            cut? "; only the first issuer-days: raise --limit": "");
    return LICCTL_EXIT_OK;
}

int
licctl_cmd_report (const licctl_opts_t *opts)
{
    Lic__Reply *reply = NULL;
    char delay [32];
    if (opts->n_args != 1 || strcmp (opts->args [0], "lateness") != 0) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    int exit_code = s_ask (opts, s_call_report, opts, LIC__REPLY__BODY_REPORT,
                           &reply);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    const Lic__ReportResult *r = reply->report;
    if (opts->summary)
        exit_code = s_print_summary (opts, r);
    else
    if (opts->json)
        exit_code = licctl_print_json (licjson_lateness_to_json (r));
    else {
        uint64_t events = 0, late = 0;
        //  The delay counts from the end (midnight, UTC+8) of the day the
        //  business was completed to the event's release at this node.
        printf ("%-18s  %-10s  %8s  %8s  %s\n", "issuer", "day", "events",
                "late", "worst delay after the day's end (UTC+8)");
        for (size_t i = 0; i < r->n_rows; i++) {
            const Lic__LatenessRow *row = r->rows [i];
            printf ("%-18s  %-10s  %8" PRIu64 "  %8" PRIu64 "  %s\n", row->issuer,
                    row->day, row->events, row->late, row->late?
                    s_duration (row->worst_seconds, delay): "-");
            events += row->events;
            late += row->late;
        }
        printf ("%zu issuer-day(s) with late releases: %" PRIu64 " of their %"
                PRIu64 " events released after the day they were completed\n",
                r->n_rows, late, events);
    }
    codec_reply_free (&reply);
    return exit_code;
}
