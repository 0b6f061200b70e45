/*  licctl_publish.c -- licctl commands of departments and of the
    operator who registers them: keygen, register, publish, make-id.

    A publish of a JSON-lines file pipelines up to S_WINDOW signed events
    and reports one line per input line, in input order (--quiet: only
    the rejected ones), with progress on stderr every two seconds (lines
    answered of the file's, rate, time left) and a summary; when the node
    stops answering, a summary of what was acknowledged and that running
    the file again is safe (the node answers "duplicate" for what it
    holds); make-id is
    offline and gives departments the ids (with their check character)
    their JSON lines must carry.  Before signing an issue or alteration,
    publish seals the items its type marks personal, commercial or secret
    (proto/README.md section 10): the plain JSON values become salted digests in the
    body and travel beside it as disclosures.  Types are fetched from the
    node once per type code.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto/codec.h"
#include "node/common/keyfile.h"
#include "node/client/licclient.h"
#include "node/cli/licctl.h"
#include "node/cli/licctl_publish.h"
#include "proto/licid.h"
#include "node/common/licjson.h"
#include "node/common/progress.h"
#include "proto/seal.h"

#define S_WINDOW        256             //  publish requests in flight
#define S_EVENT_MAX     (4 * CODEC_FRAME_MAX)   //  JSON text of one event

// ---------------------------------------------------------------------
//  keygen and register

int
licctl_cmd_keygen (const licctl_opts_t *opts)
{
    keyfile_t k;
    char pub [4096];
    if (!opts->code || !opts->name || !opts->out || opts->n_args) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    snprintf (pub, sizeof pub, "%s.pub", opts->out);
    if (access (opts->out, F_OK) == 0 || access (pub, F_OK) == 0) {
        fprintf (stderr, "licctl: %s or %s exists: not overwritten\n",
                 opts->out, pub);
        return LICCTL_EXIT_USAGE;
    }
    if (strlen (opts->code) >= sizeof k.code
    ||  strlen (opts->name) >= sizeof k.name) {
        fprintf (stderr, "licctl: --code or --name too long\n");
        return LICCTL_EXIT_USAGE;
    }
    int rc = keyfile_generate (&k, opts->code, opts->name);
    if (rc == ERR_OK)
        rc = keyfile_save (&k, opts->out, true);
    if (rc == ERR_OK)
        rc = keyfile_save (&k, pub, false);
    keyfile_wipe (&k);
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: cannot write %s: %s\n", opts->out, err_str (rc));
        return LICCTL_EXIT_USAGE;
    }
    char hex [65];
    seal_hex (hex, k.sign_pk, sizeof k.sign_pk);
    if (opts->json)
        return licctl_print_json (json_pack ("{s:s, s:s, s:s, s:s}", "key", opts->out,
                             "pub", pub, "sign_public", hex,
                             "curve_public", k.curve_pk));
    printf ("wrote %s (secret, mode 0600) and %s\nsign_public  %s\n"
            "curve_public %s\n", opts->out, pub, hex, k.curve_pk);
    return LICCTL_EXIT_OK;
}

//  Splits "T1,T2" into distinct types (pointers into buf).
static size_t
s_split_types (char *buf, char **types, size_t max)
{
    size_t n = 0;
    for (char *t = strtok (buf, ", "); t && n < max; t = strtok (NULL, ", ")) {
        size_t i = 0;
        while (i < n && strcmp (types [i], t) != 0)
            i++;
        if (i == n)
            types [n++] = t;
    }
    return n;
}

//  Storage for a Department built from a key file and the options.
typedef struct {
    Lic__Department d;                  //  points into the fields below
    keyfile_t key;                      //  the department's public key file
    char types_buf [4096];              //  --types, split in place
    char *types [64];                   //  d.license_types
    uint8_t curve [32];                 //  d.curve_key
    ProtobufCBinaryData sign_keys [1];  //  d.sign_keys
    uint8_t revoked [LICCTL_REVOKE_MAX][32]; //  d.revoked_keys data
    ProtobufCBinaryData revoked_keys [LICCTL_REVOKE_MAX];
} s_dept_t;

static int
s_build_department (const licctl_opts_t *opts, s_dept_t *dp)
{
    if (strlen (opts->types) >= sizeof dp->types_buf) {
        fprintf (stderr, "licctl: --types is too long\n");
        return LICCTL_EXIT_USAGE;
    }
    if (licctl_load_key (&dp->key, opts->dept, false) != LICCTL_EXIT_OK)
        return LICCTL_EXIT_USAGE;
    keyfile_wipe (&dp->key);            //  only its public half is sent
    Lic__Department *d = &dp->d;
    codec_department_init (d);
    d->credit_code = dp->key.code;
    d->name = dp->key.name;
    dp->sign_keys [0].data = dp->key.sign_pk;
    dp->sign_keys [0].len = sizeof dp->key.sign_pk;
    d->sign_keys = dp->sign_keys;
    d->n_sign_keys = 1;
    if (!zmq_z85_decode (dp->curve, dp->key.curve_pk))
        return LICCTL_EXIT_USAGE;            //  keyfile_load checked it
    d->curve_key.data = dp->curve;
    d->curve_key.len = sizeof dp->curve;
    strcpy (dp->types_buf, opts->types);
    d->license_types = dp->types;
    d->n_license_types = s_split_types (dp->types_buf, dp->types, 64);
    if (d->n_license_types == 0) {
        fprintf (stderr, "licctl: --types names no license type\n");
        return LICCTL_EXIT_USAGE;
    }
    for (int i = 0; i < opts->n_revoke; i++) {
        if (seal_unhex (dp->revoked [i], 32, opts->revoke [i]) != ERR_OK
        ||  memcmp (dp->revoked [i], dp->key.sign_pk, 32) == 0) {
            fprintf (stderr, "licctl: --revoke-key %s: not 64 hex digits of "
                     "an old key\n", opts->revoke [i]);
            return LICCTL_EXIT_USAGE;
        }
        dp->revoked_keys [i].data = dp->revoked [i];
        dp->revoked_keys [i].len = 32;
    }
    d->revoked_keys = dp->revoked_keys;
    d->n_revoked_keys = (size_t) opts->n_revoke;
    return LICCTL_EXIT_OK;
}

//  register: the full Department record replaces any earlier one.
int
licctl_cmd_register (const licctl_opts_t *opts)
{
    static s_dept_t dept;
    keyfile_t admin;
    licclient_t *client = NULL;
    Lic__Reply *reply = NULL;
    if (!opts->dept || !opts->types || opts->n_args) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    int exit_code = s_build_department (opts, &dept);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    exit_code = licctl_connect (opts, &client, &admin, NULL);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    keyfile_wipe (&admin);
    int rc = licclient_register (client, &dept.d, &reply, opts->timeout_ms);
    exit_code = licctl_check_reply (rc, reply, LIC__REPLY__BODY_REGISTERED,
                               opts->timeout_ms);
    if (exit_code == LICCTL_EXIT_OK) {
        uint64_t seq = reply->registered->seq;
        if (opts->json)
            exit_code = licctl_print_json (json_pack ("{s:s, s:I}", "credit_code",
                                      dept.key.code, "seq", (json_int_t) seq));
        else
            printf ("registered %s (%s) at seq %llu\n", dept.key.code,
                    dept.key.name, (unsigned long long) seq);
    }
    codec_reply_free (&reply);
    licclient_destroy (&client);
    return exit_code;
}

// ---------------------------------------------------------------------
//  publish: sealing sensitive items

static void
s_reply_destroy (void **item)
{
    codec_reply_free ((Lic__Reply **) item);
}

//  Type code -> the node's reply to a catalogue read of it; a reply that
//  is not ERR_OK stands for "no such type" (the node will refuse the
//  event with its own message).  Caller destroys with zhashx_destroy.
static zhashx_t *
s_types_new (void)
{
    zhashx_t *types = zhashx_new ();
    if (types)
        zhashx_set_destructor (types, s_reply_destroy);
    return types;
}

//  The latest version of the type of ev's license as the node has it,
//  or NULL; borrowed from types.  ERR_OK or licclient_catalogue's
//  transport errors.
static int
s_type_of (zhashx_t *types, licclient_t *client, const Lic__Event *ev,
           int timeout_ms, const Lic__LicenseType **t)
{
    char code [LICID_TYPE_LEN + 1];
    *t = NULL;
    if (!ev->license_id || strlen (ev->license_id) < LICID_TYPE_LEN)
        return ERR_OK;              //  a bad id: the node says why
    memcpy (code, ev->license_id, LICID_TYPE_LEN);
    code [LICID_TYPE_LEN] = 0;
    Lic__Reply *reply = (Lic__Reply *) zhashx_lookup (types, code);
    if (!reply) {
        Lic__CatalogueRequest req = LIC__CATALOGUE_REQUEST__INIT;
        req.type_code = code;
        int rc = licclient_catalogue (client, &req, &reply, timeout_ms);
        if (rc != ERR_OK)
            return rc;
        zhashx_insert (types, code, reply);
    }
    if (reply->code == ERR_OK && reply->body_case == LIC__REPLY__BODY_CATALOGUE
    &&  reply->catalogue->n_types > 0)
        *t = reply->catalogue->types [0];
    return ERR_OK;
}

//  Seals the sensitive items of an issue or alteration in place; *d (n
//  entries) are their disclosures, to free with
//  licclient_disclosures_free.  Other events are left alone.  ERR_OK, a
//  transport error fetching the type (*transport set), ERR_NOMEM.
static int
s_seal_event (zhashx_t *types, licclient_t *client, const keyfile_t *key, Lic__Event *ev,
              int timeout_ms, Lic__Disclosure ***d, size_t *n,
              bool *transport)
{
    const Lic__LicenseType *t = NULL;
    *d = NULL;
    *n = 0;
    *transport = false;
    if ((ev->op != LIC__OP__OP_ISSUE && ev->op != LIC__OP__OP_ALTER)
    ||  !ev->content || ev->content->n_items == 0)
        return ERR_OK;
    int rc = s_type_of (types, client, ev, timeout_ms, &t);
    if (rc != ERR_OK) {
        *transport = true;
        return rc;
    }
    if (!t)
        return ERR_OK;
    //  Salts derived from the department's key and the event, so the same
    //  line seals to the same bytes on a rerun (a duplicate, not a refusal).
    static const char domain [] = "licrepo item salt key v1";
    uint8_t salt_key [SEAL_HASH_BYTES];
    char context [160];
    seal_hash (salt_key, (const uint8_t *) domain, sizeof domain, key->sign_sk, sizeof key->sign_sk);
    snprintf (context, sizeof context, "%s/%d/%u", ev->license_id, (int) ev->op, ev->expected_version);
    rc = licclient_seal_items_derived (ev->content, t, salt_key, context, d, n);
    seal_wipe (salt_key, sizeof salt_key);
    return rc;
}


// ---------------------------------------------------------------------
//  publish: the window

typedef struct {
    size_t line;                        //  input line number
    uint64_t id;                        //  request id; 0 if not sent
    bool done;                          //  result known
    int code;                           //  err_t of the result
    uint64_t seq;                       //  log seq when accepted
    bool duplicate;                     //  already stored at seq
    char message [512];                 //  why, when code != ERR_OK
} s_slot_t;

typedef struct {
    s_slot_t slots [S_WINDOW];          //  ring, input order
    size_t head;                        //  oldest slot
    size_t count;                       //  slots in use
    size_t published, duplicates, rejected;
    size_t sent;                        //  requests sent
    size_t answered;                    //  of which the node answered
    bool json;                          //  --json output
    bool quiet;                         //  --quiet: rejected lines only, no progress
} s_window_t;

static s_slot_t *
s_slot (s_window_t *w, size_t i)
{
    return &w->slots [(w->head + i) % S_WINDOW];
}

//  Prints and frees finished slots at the head, in input order.
static void
s_flush (s_window_t *w)
{
    while (w->count && s_slot (w, 0)->done) {
        s_slot_t *s = s_slot (w, 0);
        if (s->code != ERR_OK)
            w->rejected++;
        else
        if (s->duplicate)
            w->duplicates++;
        else
            w->published++;
        if (w->quiet && s->code == ERR_OK)
            ;                           //  --quiet: only what needs a look
        else
        if (w->json) {
            json_t *j = s->code == ERR_OK?
                json_pack ("{s:I, s:I, s:b}", "line", (json_int_t) s->line,
                           "seq", (json_int_t) s->seq, "duplicate", s->duplicate):
                json_pack ("{s:I, s:s, s:s}", "line", (json_int_t) s->line,
                           "error", err_str (s->code), "message", s->message);
            if (j)
                json_dumpf (j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
            json_decref (j);
            putchar ('\n');
        }
        else
        if (s->code != ERR_OK)
            printf ("line %zu: REJECTED %s: %s\n", s->line, err_str (s->code),
                    s->message);
        else
            printf ("line %zu: %s%llu\n", s->line,
                    s->duplicate? "duplicate of seq ": "seq ",
                    (unsigned long long) s->seq);
        w->head = (w->head + 1) % S_WINDOW;
        w->count--;
    }
    fflush (stdout);
}

//  Waits for one reply and records it in its slot.
static int
s_collect (s_window_t *w, licclient_t *client, int timeout_ms)
{
    Lic__Reply *reply = NULL;
    int rc = licclient_recv (client, &reply, timeout_ms);
    if (rc != ERR_OK)
        return rc;
    s_slot_t *slot = NULL;
    for (size_t i = 0; i < w->count && !slot; i++) {
        s_slot_t *s = s_slot (w, i);
        //  id 0 answers a request the node could not decode; it handles
        //  a connection's requests in order, so it is the oldest open one.
        if (!s->done && s->id && (s->id == reply->id || reply->id == 0))
            slot = s;
    }
    if (slot) {
        w->answered++;
        slot->done = true;
        slot->code = reply->code;
        if (reply->code == ERR_OK
        &&  reply->body_case != LIC__REPLY__BODY_PUBLISHED)
            slot->code = ERR_MALFORMED;
        if (slot->code == ERR_OK) {
            slot->seq = reply->published->seq;
            slot->duplicate = reply->published->duplicate;
        }
        else
            snprintf (slot->message, sizeof slot->message, "%s",
                      *reply->message? reply->message: "reply without a result");
    }
    codec_reply_free (&reply);
    return ERR_OK;
}

//  Parses, seals, signs and sends one event into a new slot.  Returns a
//  transport error (the slot is then closed too); ERR_OK otherwise,
//  even if the line itself was refused locally.
static int
s_submit (s_window_t *w, licclient_t *client, const keyfile_t *key,
          zhashx_t *types, int timeout_ms, const char *text, size_t line)
{
    s_slot_t *slot = s_slot (w, w->count++);
    Lic__Event *ev = NULL;
    Lic__Disclosure **disclosures = NULL;
    size_t n_disclosures = 0;
    bool transport = false;
    uint8_t *body = NULL;
    size_t body_len = 0;
    uint8_t sig [SEAL_SIG_BYTES];
    memset (slot, 0, sizeof *slot);
    slot->line = line;
    int rc = licjson_event_from_json (text, &ev, slot->message,
                                      sizeof slot->message);
    if (rc == ERR_OK) {
        rc = s_seal_event (types, client, key, ev, timeout_ms, &disclosures,
                           &n_disclosures, &transport);
        if (rc != ERR_OK)
            snprintf (slot->message, sizeof slot->message, "%s",
                      transport? "license type not fetched from the node":
                                 "cannot seal sensitive items");
    }
    if (rc == ERR_OK) {
        rc = licclient_sign (ev, key->sign_sk, key->sign_pk, &body, &body_len, sig);
        if (rc != ERR_OK)
            snprintf (slot->message, sizeof slot->message, "cannot sign");
    }
    codec_event_free (&ev);
    if (rc != ERR_OK) {
        licclient_disclosures_free (&disclosures, n_disclosures);
        slot->done = true;
        slot->code = rc;
        return transport? rc: ERR_OK;
    }
    rc = licclient_send_publish_disclosed (client, body, body_len, sig,
                                           key->sign_pk, disclosures,
                                           n_disclosures, &slot->id);
    licclient_disclosures_free (&disclosures, n_disclosures);
    free (body);
    if (rc == ERR_OK)
        w->sent++;
    if (rc != ERR_OK) {
        slot->done = true;
        slot->code = rc;
        snprintf (slot->message, sizeof slot->message, "not sent");
    }
    return rc;
}

//  True for lines to skip: blank, or a '#' comment.
static bool
s_skip_line (char *text, ssize_t *len)
{
    while (*len && (text [*len - 1] == '\n' || text [*len - 1] == '\r'))
        text [--*len] = 0;
    const char *p = text + strspn (text, " \t");
    return *p == 0 || *p == '#';
}

//  Events (lines neither blank nor comments) in a file that can be read
//  twice, rewound after; 0 for a pipe, whose total is not known.
static uint64_t
s_count_events (FILE *fp)
{
    char *text = NULL;
    size_t cap = 0;
    ssize_t len;
    uint64_t n = 0;
    long at = ftell (fp);
    if (at < 0)
        return 0;
    while ((len = getline (&text, &cap, fp)) >= 0)
        if (!s_skip_line (text, &len))
            n++;
    free (text);
    clearerr (fp);
    return fseek (fp, at, SEEK_SET) == 0? n: 0;
}

//  What became of the lines when the node stopped answering (stderr): a
//  rerun of the whole file is safe, events are stored once.
static void
s_abort_summary (const s_window_t *w, size_t line, const char *file)
{
    char a [32], b [32], c [32], d [32];
    size_t acked = w->published + w->duplicates;
    size_t open = w->sent - w->answered;
    fprintf (stderr, "licctl: publishing stopped at line %zu: the node stopped answering.\n"
             "licctl: %s event(s) acknowledged (%s published, %s duplicate), %zu rejected, "
             "%s sent without an answer (stored or not: unknown)\n"
             "licctl: running the same file again is safe: the node stores each signed event "
             "once and answers \"duplicate\" for those it holds (licctl publish --file %s)\n",
             line, progress_count (acked, a), progress_count (w->published, b),
             progress_count (w->duplicates, c), w->rejected, progress_count (open, d), file);
}

//  Publishes each line of fp with a window of S_WINDOW in flight.
static int
s_publish_lines (const licctl_opts_t *opts, FILE *fp, licclient_t *client,
                 const keyfile_t *key, zhashx_t *types)
{
    static s_window_t w;                //  256 slots: too big for the stack
    char *text = NULL;
    size_t cap = 0, line = 0;
    ssize_t len;
    int rc = ERR_OK;
    memset (&w, 0, sizeof w);
    w.json = opts->json;
    w.quiet = opts->quiet;
    progress_t pr;
    progress_init (&pr, opts->quiet? NULL: stderr, "licctl publish:", "events answered",
                   s_count_events (fp), PROGRESS_INTERVAL_MS);
    while (rc == ERR_OK && (len = getline (&text, &cap, fp)) >= 0) {
        line++;
        if (s_skip_line (text, &len))
            continue;
        while (rc == ERR_OK && w.count == S_WINDOW) {
            rc = s_collect (&w, client, opts->timeout_ms);
            s_flush (&w);
        }
        if (rc != ERR_OK)
            break;
        if ((size_t) len > S_EVENT_MAX) {
            s_slot_t *slot = s_slot (&w, w.count++);
            *slot = (s_slot_t) { .line = line, .done = true,
                                 .code = ERR_TOO_LARGE };
            snprintf (slot->message, sizeof slot->message, "line too long");
        }
        else
            rc = s_submit (&w, client, key, types, opts->timeout_ms, text,
                           line);
        //  The replies already here, without waiting: results and
        //  progress keep up with a slow producer (a pipe).
        while (rc == ERR_OK && w.count && s_collect (&w, client, 0) == ERR_OK)
            ;
        s_flush (&w);
        progress_step (&pr, w.published + w.duplicates + w.rejected);
    }
    free (text);
    while (rc == ERR_OK && w.count) {
        rc = s_collect (&w, client, opts->timeout_ms);
        s_flush (&w);
        progress_step (&pr, w.published + w.duplicates + w.rejected);
    }
    if (rc != ERR_OK) {
        int exit_code = licctl_transport_error (rc, opts->timeout_ms);
        //  What was answered before is printed; the rest is unknown.
        s_abort_summary (&w, line, opts->file);
        return exit_code;
    }
    if (ferror (fp)) {
        fprintf (stderr, "licctl: read error after line %zu\n", line);
        return LICCTL_EXIT_USAGE;
    }
    if (opts->json)
        printf ("{\"published\": %zu, \"duplicate\": %zu, \"rejected\": %zu}\n",
                w.published, w.duplicates, w.rejected);
    else
        printf ("%zu published, %zu duplicate, %zu rejected\n",
                w.published, w.duplicates, w.rejected);
    if (!opts->quiet) {
        char n [32], r [32], t [32];
        int64_t ms = progress_elapsed_ms (&pr);
        size_t done = w.published + w.duplicates + w.rejected;
        fprintf (stderr, "licctl publish: %s events answered in %s (%s/s)\n", progress_count (done, n),
                 progress_duration ((ms + 500) / 1000, t),
                 progress_count (ms > 0? (uint64_t) done * 1000 / (uint64_t) ms: done, r));
    }
    return w.rejected? LICCTL_EXIT_REFUSED: LICCTL_EXIT_OK;
}

//  Reads a whole file of at most S_EVENT_MAX bytes; NULL on failure.
static char *
s_read_text (const char *path)
{
    FILE *fp = fopen (path, "r");
    char *text = fp? malloc (S_EVENT_MAX + 1): NULL;
    size_t size = text? fread (text, 1, S_EVENT_MAX + 1, fp): 0;
    if (text && (ferror (fp) || size > S_EVENT_MAX)) {
        free (text);
        text = NULL;
    }
    if (text)
        text [size] = 0;
    if (fp)
        fclose (fp);
    return text;
}

//  One event: the whole file is one JSON document (may span lines).
static int
s_publish_one (const licctl_opts_t *opts, const char *path, licclient_t *client,
               const keyfile_t *key, zhashx_t *types)
{
    char why [512];
    Lic__Event *ev = NULL;
    char *text = s_read_text (path);
    if (!text) {
        fprintf (stderr, "licctl: cannot read %s (or over %d bytes)\n",
                 path, S_EVENT_MAX);
        return LICCTL_EXIT_USAGE;
    }
    int rc = licjson_event_from_json (text, &ev, why, sizeof why);
    free (text);
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: %s: %s: %s\n", path, err_str (rc), why);
        return LICCTL_EXIT_REFUSED;
    }
    uint8_t *body = NULL;
    size_t body_len = 0;
    uint8_t sig [SEAL_SIG_BYTES];
    Lic__Disclosure **disclosures = NULL;
    size_t n_disclosures = 0;
    bool transport = false;
    rc = s_seal_event (types, client, key, ev, opts->timeout_ms, &disclosures,
                       &n_disclosures, &transport);
    if (rc != ERR_OK) {
        codec_event_free (&ev);
        if (transport)
            return licctl_transport_error (rc, opts->timeout_ms);
        fprintf (stderr, "licctl: cannot seal sensitive items: %s\n",
                 err_str (rc));
        return LICCTL_EXIT_USAGE;
    }
    rc = licclient_sign (ev, key->sign_sk, key->sign_pk, &body, &body_len, sig);
    codec_event_free (&ev);
    if (rc != ERR_OK) {
        licclient_disclosures_free (&disclosures, n_disclosures);
        fprintf (stderr, "licctl: cannot sign: %s\n", err_str (rc));
        return LICCTL_EXIT_USAGE;
    }
    uint64_t seq = 0;
    bool duplicate = false;
    int code = ERR_OK;
    rc = licclient_publish_disclosed (client, body, body_len, sig, key->sign_pk,
                                      disclosures, n_disclosures, &seq,
                                      &duplicate, &code, why, sizeof why,
                                      opts->timeout_ms);
    licclient_disclosures_free (&disclosures, n_disclosures);
    free (body);
    if (rc != ERR_OK)
        return licctl_transport_error (rc, opts->timeout_ms);
    if (code != ERR_OK) {
        fprintf (stderr, "licctl: %s: %s\n", err_str (code), why);
        return LICCTL_EXIT_REFUSED;
    }
    if (opts->json)
        return licctl_print_json (json_pack ("{s:I, s:b}", "seq", (json_int_t) seq,
                                        "duplicate", duplicate));
    printf ("%s%llu\n", duplicate? "duplicate of seq ": "seq ",
            (unsigned long long) seq);
    return LICCTL_EXIT_OK;
}

int
licctl_cmd_publish (const licctl_opts_t *opts)
{
    if ((opts->file != NULL) == (opts->n_args == 1) || opts->n_args > 1) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    FILE *fp = NULL;
    if (opts->file) {
        fp = strcmp (opts->file, "-") == 0? stdin: fopen (opts->file, "r");
        if (!fp) {
            fprintf (stderr, "licctl: cannot open %s\n", opts->file);
            return LICCTL_EXIT_USAGE;
        }
    }
    licclient_t *client = NULL;
    keyfile_t key;
    zhashx_t *types = s_types_new ();
    int exit_code = types? licctl_connect (opts, &client, &key, NULL):
                           LICCTL_EXIT_USAGE;
    if (exit_code == LICCTL_EXIT_OK) {
        exit_code = fp? s_publish_lines (opts, fp, client, &key, types):
                        s_publish_one (opts, opts->args [0], client, &key, types);
        keyfile_wipe (&key);
    }
    if (fp && fp != stdin)
        fclose (fp);
    zhashx_destroy (&types);
    licclient_destroy (&client);
    return exit_code;
}


// ---------------------------------------------------------------------
//  make-id

//  Why the parts of an id given on the command line are not usable, or
//  NULL if they are.
static const char *
s_id_parts_problem (const char *type, const char *issuer, const char *serial,
                    const char *version)
{
    size_t serial_len = strlen (serial);
    if (strlen (type) != LICID_TYPE_LEN)
        return "--type must be 21 characters: the defining body's credit "
               "code and a 3-digit type number";
    if (!licid_credit_code_valid (issuer))
        return "--issuer must be the issuing department's unified social "
               "credit code (18 characters with a correct check character)";
    if (serial_len == 0 || serial_len > LICID_SERIAL_MAX)
        return "--serial must be 1 to 32 characters";
    if (strlen (version) != LICID_VERSION_LEN)
        return "--version must be 3 digits";
    if (licid_check_char (type, issuer, serial, version) == 0)
        return "ids hold only 0-9 and upper-case A-Z";
    return NULL;
}

int
licctl_cmd_make_id (const licctl_opts_t *opts)
{
    const char *version = opts->version? opts->version: "001";
    char bare [LICID_BARE_MAX + 1], printed [LICID_BARE_MAX + 32], why [256];
    licid_t id;
    if (!opts->type || !opts->issuer || !opts->serial || opts->n_args) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    const char *problem = s_id_parts_problem (opts->type, opts->issuer,
                                              opts->serial, version);
    if (problem) {
        fprintf (stderr, "licctl: %s\n", problem);
        return LICCTL_EXIT_USAGE;
    }
    char check = licid_check_char (opts->type, opts->issuer, opts->serial,
                                   version);
    snprintf (bare, sizeof bare, "%s%s%s%s%c", opts->type, opts->issuer,
              opts->serial, version, check);
    //  licid_parse is what the node runs: the id must pass it as made
    if (licid_parse (bare, &id, why, sizeof why) != ERR_OK
    ||  licid_printed (&id, printed, sizeof printed) != ERR_OK) {
        fprintf (stderr, "licctl: %s\n", why);
        return LICCTL_EXIT_USAGE;
    }
    if (opts->json)
        return licctl_print_json (json_pack ("{s:s, s:s, s:s#}", "license_id",
                                  id.bare, "printed", printed, "check",
                                  &id.check, (int) 1));
    printf ("license_id  %s\nprinted     %s\ncheck       %c\n", id.bare,
            printed, id.check);
    return LICCTL_EXIT_OK;
}
