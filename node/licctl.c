/*  licctl.c -- command-line tool for operators and departments, built on
    liblicclient (licclient.h) and licjson.h.

    Commands: keygen, register, publish, get, find, status, log (see
    s_usage).  A publish of a JSON-lines file pipelines up to S_WINDOW
    signed events and reports one line per input line, in input order.
    Exit codes: 0 done, 1 refused by the node / not found / a line
    rejected, 2 usage, file or connection error.

    Does not retry: re-running a publish is safe because the node
    recognises events it already holds and answers "duplicate".
*/
#include <czmq.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "codec.h"
#include "keyfile.h"
#include "licclient.h"
#include "licjson.h"
#include "seal.h"

#define S_EXIT_OK       0
#define S_EXIT_REFUSED  1
#define S_EXIT_USAGE    2

#define S_WINDOW        256             //  publish requests in flight
#define S_REVOKE_MAX    16              //  --revoke-key options
#define S_EVENT_MAX     (4 * CODEC_FRAME_MAX)   //  JSON text of one event

typedef struct {
    const char *command;                //  first operand
    char **args;                        //  operands after the command
    int n_args;                         //  count of args
    const char *dir;                    //  -d: node.pub and admin.key
    const char *node_pub;               //  -n: node's public key file
    const char *key;                    //  -k: our key file (secrets)
    bool json;                          //  --json output
    int timeout_ms;                     //  --timeout
    const char *code;                   //  keygen --code
    const char *name;                   //  keygen --name
    const char *out;                    //  keygen --out
    const char *dept;                   //  register --dept
    const char *types;                  //  register --types
    const char *revoke [S_REVOKE_MAX];  //  register --revoke-key
    int n_revoke;                       //  count of revoke
    const char *file;                   //  publish --file
    bool history;                       //  get --history
    const char *holder;                 //  find --holder
    const char *holder_type;            //  find --holder-type
    uint64_t from;                      //  log --from
    uint32_t limit;                     //  find/log --limit
} s_opts_t;

static void
s_usage (FILE *out)
{
    fprintf (out,
"usage: licctl [connection] [--json] [--timeout MS] COMMAND [ARGS]\n"
"connection: -d DIR (DIR/node.pub and DIR/admin.key)\n"
"            -n NODE_PUB -k KEYFILE (-k also overrides DIR/admin.key)\n"
"commands:\n"
"  keygen --code CODE --name NAME --out PATH   writes PATH and PATH.pub\n"
"  register --dept DEPT.pub --types T1,T2 [--revoke-key HEX]...\n"
"  publish -k DEPT.key EVENT.json | --file FILE.jsonl (- for stdin)\n"
"  get ID [--history]\n"
"  find --holder ID [--holder-type T] [--limit N]\n"
"  status\n"
"  log [--from N] [--limit N]\n"
"exit: 0 ok, 1 refused or not found, 2 usage or connection error\n");
}

// ---------------------------------------------------------------------
//  Options

static bool
s_number (const char *text, uint64_t max, uint64_t *out)
{
    char *end;
    if (!text || *text < '0' || *text > '9')
        return false;
    unsigned long long v = strtoull (text, &end, 10);
    if (*end || v > max)
        return false;
    *out = v;
    return true;
}

//  Parses argv into opts.  Options may come before or after the command.
static int
s_parse_options (int argc, char **argv, s_opts_t *opts)
{
    static const struct option longs [] = {
        { "dir", required_argument, NULL, 'd' },
        { "node", required_argument, NULL, 'n' },
        { "key", required_argument, NULL, 'k' },
        { "json", no_argument, NULL, 'J' },
        { "timeout", required_argument, NULL, 'T' },
        { "code", required_argument, NULL, 'C' },
        { "name", required_argument, NULL, 'N' },
        { "out", required_argument, NULL, 'O' },
        { "dept", required_argument, NULL, 'D' },
        { "types", required_argument, NULL, 'Y' },
        { "revoke-key", required_argument, NULL, 'R' },
        { "file", required_argument, NULL, 'F' },
        { "history", no_argument, NULL, 'H' },
        { "holder", required_argument, NULL, 'U' },
        { "holder-type", required_argument, NULL, 'P' },
        { "from", required_argument, NULL, 'S' },
        { "limit", required_argument, NULL, 'L' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    uint64_t v;
    int c;
    opts->timeout_ms = 10000;
    opts->from = 1;
    while ((c = getopt_long (argc, argv, "d:n:k:h", longs, NULL)) != -1) {
        switch (c) {
            case 'd': opts->dir = optarg; break;
            case 'n': opts->node_pub = optarg; break;
            case 'k': opts->key = optarg; break;
            case 'J': opts->json = true; break;
            case 'C': opts->code = optarg; break;
            case 'N': opts->name = optarg; break;
            case 'O': opts->out = optarg; break;
            case 'D': opts->dept = optarg; break;
            case 'Y': opts->types = optarg; break;
            case 'F': opts->file = optarg; break;
            case 'H': opts->history = true; break;
            case 'U': opts->holder = optarg; break;
            case 'P': opts->holder_type = optarg; break;
            case 'T':
                if (!s_number (optarg, INT32_MAX, &v))
                    goto bad;
                opts->timeout_ms = (int) v;
                break;
            case 'S':
                if (!s_number (optarg, UINT64_MAX, &v))
                    goto bad;
                opts->from = v;
                break;
            case 'L':
                if (!s_number (optarg, UINT32_MAX, &v))
                    goto bad;
                opts->limit = (uint32_t) v;
                break;
            case 'R':
                if (opts->n_revoke == S_REVOKE_MAX)
                    goto bad;
                opts->revoke [opts->n_revoke++] = optarg;
                break;
            case 'h':
                s_usage (stdout);
                return -1;
            default:
                goto bad;
        }
    }
    if (optind >= argc)
        goto bad;
    opts->command = argv [optind];
    opts->args = argv + optind + 1;
    opts->n_args = argc - optind - 1;
    return 0;
bad:
    if (c != '?' && c != -1)
        fprintf (stderr, "licctl: bad value for an option: %s\n",
                 optarg? optarg: "");
    s_usage (stderr);
    return S_EXIT_USAGE;
}

// ---------------------------------------------------------------------
//  Connection and replies

static int
s_load_key (keyfile_t *k, const char *path, bool need_secret)
{
    int rc = keyfile_load (k, path);
    if (rc == ERR_OK && need_secret && !k->has_secret)
        rc = ERR_MALFORMED;
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: %s: %s%s\n", path, err_str (rc),
                 rc == ERR_MALFORMED? need_secret?
                 " (not a key file with secrets)": " (not a key file)": "");
        keyfile_wipe (k);
        return S_EXIT_USAGE;
    }
    return S_EXIT_OK;
}

//  Connects as -n/-k or -d says; *key is our key file (caller wipes).
static int
s_connect (const s_opts_t *opts, licclient_t **client, keyfile_t *key)
{
    char node_path [4096], key_path [4096];
    keyfile_t node;
    if (!opts->node_pub && !opts->dir) {
        fprintf (stderr, "licctl: need -d DIR or -n NODE_PUB -k KEYFILE\n");
        return S_EXIT_USAGE;
    }
    snprintf (node_path, sizeof node_path, "%s%s", opts->node_pub?
              opts->node_pub: opts->dir, opts->node_pub? "": "/node.pub");
    if (!opts->key && !opts->dir) {
        fprintf (stderr, "licctl: need -k KEYFILE\n");
        return S_EXIT_USAGE;
    }
    snprintf (key_path, sizeof key_path, "%s%s", opts->key? opts->key:
              opts->dir, opts->key? "": "/admin.key");
    if (s_load_key (&node, node_path, false) != S_EXIT_OK)
        return S_EXIT_USAGE;
    if (!node.endpoint [0]) {
        fprintf (stderr, "licctl: %s: no endpoint\n", node_path);
        return S_EXIT_USAGE;
    }
    if (s_load_key (key, key_path, true) != S_EXIT_OK)
        return S_EXIT_USAGE;
    int rc = licclient_open (client, node.endpoint, node.curve_pk,
                             key->curve_pk, key->curve_sk);
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: cannot connect to %s: %s\n",
                 node.endpoint, err_str (rc));
        keyfile_wipe (key);
        return S_EXIT_USAGE;
    }
    return S_EXIT_OK;
}

//  Reports a failed call; the exit code for it.
static int
s_transport_error (int rc, int timeout_ms)
{
    if (rc == ERR_BUSY)
        fprintf (stderr, "licctl: no reply from the node within %d ms "
                 "(node down, or wrong node key)\n", timeout_ms);
    else
    if (rc == ERR_FORBIDDEN)
        fprintf (stderr, "licctl: ERR_FORBIDDEN: the node refused our key "
                 "(not registered, or replaced)\n");
    else
        fprintf (stderr, "licctl: %s talking to the node\n", err_str (rc));
    return S_EXIT_USAGE;
}

//  Checks the outcome of a query: transport, node verdict, body case.
static int
s_check_reply (int rc, const Lic__Reply *reply, Lic__Reply__BodyCase want,
               int timeout_ms)
{
    if (rc != ERR_OK)
        return s_transport_error (rc, timeout_ms);
    if (reply->code != ERR_OK) {
        fprintf (stderr, "licctl: %s: %s\n", err_str (reply->code),
                 reply->message);
        return S_EXIT_REFUSED;
    }
    if (reply->body_case != want) {
        fprintf (stderr, "licctl: ERR_MALFORMED: reply without a result\n");
        return S_EXIT_USAGE;
    }
    return S_EXIT_OK;
}

static int
s_print_json (json_t *value)
{
    if (!value) {
        fprintf (stderr, "licctl: ERR_NOMEM\n");
        return S_EXIT_USAGE;
    }
    json_dumpf (value, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    putchar ('\n');
    json_decref (value);
    return S_EXIT_OK;
}

//  Civil time in the province (UTC+8), as the national platform shows it.
static const char *
s_time (int64_t t, char buf [32])
{
    struct tm tm;
    time_t local = (time_t) (t + 8 * 3600);
    if (t == 0 || !gmtime_r (&local, &tm))
        return "-";
    strftime (buf, 32, "%Y-%m-%d %H:%M:%S +08:00", &tm);
    return buf;
}

// ---------------------------------------------------------------------
//  keygen and register

static int
s_cmd_keygen (const s_opts_t *opts)
{
    keyfile_t k;
    char pub [4096];
    if (!opts->code || !opts->name || !opts->out || opts->n_args) {
        s_usage (stderr);
        return S_EXIT_USAGE;
    }
    snprintf (pub, sizeof pub, "%s.pub", opts->out);
    if (access (opts->out, F_OK) == 0 || access (pub, F_OK) == 0) {
        fprintf (stderr, "licctl: %s or %s exists: not overwritten\n",
                 opts->out, pub);
        return S_EXIT_USAGE;
    }
    if (strlen (opts->code) >= sizeof k.code
    ||  strlen (opts->name) >= sizeof k.name) {
        fprintf (stderr, "licctl: --code or --name too long\n");
        return S_EXIT_USAGE;
    }
    int rc = keyfile_generate (&k, opts->code, opts->name);
    if (rc == ERR_OK)
        rc = keyfile_save (&k, opts->out, true);
    if (rc == ERR_OK)
        rc = keyfile_save (&k, pub, false);
    keyfile_wipe (&k);
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: cannot write %s: %s\n", opts->out, err_str (rc));
        return S_EXIT_USAGE;
    }
    char hex [65];
    seal_hex (hex, k.sign_pk, sizeof k.sign_pk);
    if (opts->json)
        return s_print_json (json_pack ("{s:s, s:s, s:s, s:s}", "key", opts->out,
                             "pub", pub, "sign_public", hex,
                             "curve_public", k.curve_pk));
    printf ("wrote %s (secret, mode 0600) and %s\nsign_public  %s\n"
            "curve_public %s\n", opts->out, pub, hex, k.curve_pk);
    return S_EXIT_OK;
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
    uint8_t revoked [S_REVOKE_MAX][32]; //  d.revoked_keys data
    ProtobufCBinaryData revoked_keys [S_REVOKE_MAX];
} s_dept_t;

static int
s_build_department (const s_opts_t *opts, s_dept_t *dp)
{
    if (strlen (opts->types) >= sizeof dp->types_buf) {
        fprintf (stderr, "licctl: --types is too long\n");
        return S_EXIT_USAGE;
    }
    if (s_load_key (&dp->key, opts->dept, false) != S_EXIT_OK)
        return S_EXIT_USAGE;
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
        return S_EXIT_USAGE;            //  keyfile_load checked it
    d->curve_key.data = dp->curve;
    d->curve_key.len = sizeof dp->curve;
    strcpy (dp->types_buf, opts->types);
    d->license_types = dp->types;
    d->n_license_types = s_split_types (dp->types_buf, dp->types, 64);
    if (d->n_license_types == 0) {
        fprintf (stderr, "licctl: --types names no license type\n");
        return S_EXIT_USAGE;
    }
    for (int i = 0; i < opts->n_revoke; i++) {
        if (seal_unhex (dp->revoked [i], 32, opts->revoke [i]) != ERR_OK
        ||  memcmp (dp->revoked [i], dp->key.sign_pk, 32) == 0) {
            fprintf (stderr, "licctl: --revoke-key %s: not 64 hex digits of "
                     "an old key\n", opts->revoke [i]);
            return S_EXIT_USAGE;
        }
        dp->revoked_keys [i].data = dp->revoked [i];
        dp->revoked_keys [i].len = 32;
    }
    d->revoked_keys = dp->revoked_keys;
    d->n_revoked_keys = (size_t) opts->n_revoke;
    return S_EXIT_OK;
}

//  register: the full Department record replaces any earlier one.
static int
s_cmd_register (const s_opts_t *opts)
{
    static s_dept_t dept;
    keyfile_t admin;
    licclient_t *client = NULL;
    Lic__Reply *reply = NULL;
    if (!opts->dept || !opts->types || opts->n_args) {
        s_usage (stderr);
        return S_EXIT_USAGE;
    }
    int exit_code = s_build_department (opts, &dept);
    if (exit_code != S_EXIT_OK)
        return exit_code;
    exit_code = s_connect (opts, &client, &admin);
    if (exit_code != S_EXIT_OK)
        return exit_code;
    keyfile_wipe (&admin);
    int rc = licclient_register (client, &dept.d, &reply, opts->timeout_ms);
    exit_code = s_check_reply (rc, reply, LIC__REPLY__BODY_REGISTERED,
                               opts->timeout_ms);
    if (exit_code == S_EXIT_OK) {
        uint64_t seq = reply->registered->seq;
        if (opts->json)
            exit_code = s_print_json (json_pack ("{s:s, s:I}", "credit_code",
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
//  publish

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
    bool json;                          //  --json output
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

//  Parses, signs and sends one event into a new slot.  Returns a
//  transport error (the slot is then closed too); ERR_OK otherwise,
//  even if the line itself was refused locally.
static int
s_submit (s_window_t *w, licclient_t *client, const keyfile_t *key,
          const char *text, size_t line)
{
    s_slot_t *slot = s_slot (w, w->count++);
    Lic__Event *ev = NULL;
    uint8_t *body = NULL;
    size_t body_len = 0;
    uint8_t sig [SEAL_SIG_BYTES];
    memset (slot, 0, sizeof *slot);
    slot->line = line;
    int rc = licjson_event_from_json (text, &ev, slot->message,
                                      sizeof slot->message);
    if (rc == ERR_OK) {
        rc = licclient_sign (ev, key->sign_sk, key->sign_pk, &body, &body_len, sig);
        if (rc != ERR_OK)
            snprintf (slot->message, sizeof slot->message, "cannot sign");
    }
    codec_event_free (&ev);
    if (rc != ERR_OK) {
        slot->done = true;
        slot->code = rc;
        return ERR_OK;
    }
    rc = licclient_send_publish (client, body, body_len, sig, key->sign_pk,
                                 &slot->id);
    free (body);
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

//  Publishes each line of fp with a window of S_WINDOW in flight.
static int
s_publish_lines (const s_opts_t *opts, FILE *fp, licclient_t *client,
                 const keyfile_t *key)
{
    static s_window_t w;                //  256 slots: too big for the stack
    char *text = NULL;
    size_t cap = 0, line = 0;
    ssize_t len;
    int rc = ERR_OK;
    memset (&w, 0, sizeof w);
    w.json = opts->json;
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
            rc = s_submit (&w, client, key, text, line);
        s_flush (&w);
    }
    free (text);
    while (rc == ERR_OK && w.count) {
        rc = s_collect (&w, client, opts->timeout_ms);
        s_flush (&w);
    }
    if (rc != ERR_OK)
        return s_transport_error (rc, opts->timeout_ms);
    if (ferror (fp)) {
        fprintf (stderr, "licctl: read error after line %zu\n", line);
        return S_EXIT_USAGE;
    }
    if (opts->json)
        printf ("{\"published\": %zu, \"duplicate\": %zu, \"rejected\": %zu}\n",
                w.published, w.duplicates, w.rejected);
    else
        printf ("%zu published, %zu duplicate, %zu rejected\n",
                w.published, w.duplicates, w.rejected);
    return w.rejected? S_EXIT_REFUSED: S_EXIT_OK;
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
s_publish_one (const s_opts_t *opts, const char *path, licclient_t *client,
               const keyfile_t *key)
{
    char why [512];
    Lic__Event *ev = NULL;
    char *text = s_read_text (path);
    if (!text) {
        fprintf (stderr, "licctl: cannot read %s (or over %d bytes)\n",
                 path, S_EVENT_MAX);
        return S_EXIT_USAGE;
    }
    int rc = licjson_event_from_json (text, &ev, why, sizeof why);
    free (text);
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: %s: %s: %s\n", path, err_str (rc), why);
        return S_EXIT_REFUSED;
    }
    uint8_t *body = NULL;
    size_t body_len = 0;
    uint8_t sig [SEAL_SIG_BYTES];
    rc = licclient_sign (ev, key->sign_sk, key->sign_pk, &body, &body_len, sig);
    codec_event_free (&ev);
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: cannot sign: %s\n", err_str (rc));
        return S_EXIT_USAGE;
    }
    uint64_t seq = 0;
    bool duplicate = false;
    int code = ERR_OK;
    rc = licclient_publish (client, body, body_len, sig, key->sign_pk, &seq,
                            &duplicate, &code, why, sizeof why, opts->timeout_ms);
    free (body);
    if (rc != ERR_OK)
        return s_transport_error (rc, opts->timeout_ms);
    if (code != ERR_OK) {
        fprintf (stderr, "licctl: %s: %s\n", err_str (code), why);
        return S_EXIT_REFUSED;
    }
    if (opts->json)
        return s_print_json (json_pack ("{s:I, s:b}", "seq", (json_int_t) seq,
                                        "duplicate", duplicate));
    printf ("%s%llu\n", duplicate? "duplicate of seq ": "seq ",
            (unsigned long long) seq);
    return S_EXIT_OK;
}

static int
s_cmd_publish (const s_opts_t *opts)
{
    if ((opts->file != NULL) == (opts->n_args == 1) || opts->n_args > 1) {
        s_usage (stderr);
        return S_EXIT_USAGE;
    }
    FILE *fp = NULL;
    if (opts->file) {
        fp = strcmp (opts->file, "-") == 0? stdin: fopen (opts->file, "r");
        if (!fp) {
            fprintf (stderr, "licctl: cannot open %s\n", opts->file);
            return S_EXIT_USAGE;
        }
    }
    licclient_t *client = NULL;
    keyfile_t key;
    int exit_code = s_connect (opts, &client, &key);
    if (exit_code == S_EXIT_OK) {
        exit_code = fp? s_publish_lines (opts, fp, client, &key):
                        s_publish_one (opts, opts->args [0], client, &key);
        keyfile_wipe (&key);
    }
    if (fp && fp != stdin)
        fclose (fp);
    licclient_destroy (&client);
    return exit_code;
}

// ---------------------------------------------------------------------
//  Human output of licenses, status and log

static void
s_print_content (const Lic__LicenseContent *c)
{
    char hex [65];
    printf ("name           %s\n", c->name);
    if (c->holder)
        printf ("holder         %s (%s %s)\n", c->holder->name,
                c->holder->id_type, c->holder->id);
    printf ("issue_date     %s\nvalid          %s to %s\n", c->issue_date,
            c->valid_from, *c->valid_to? c->valid_to: "(open-ended)");
    printf ("division       %s\n", c->division_code);
    if (*c->service_item_code)
        printf ("service_item   %s\n", c->service_item_code);
    if (*c->seal_info)
        printf ("seal_info      %s\n", c->seal_info);
    if (c->file_digest.len == 32) {
        seal_hex (hex, c->file_digest.data, 32);
        printf ("file_digest    %s\n", hex);
    }
    if (*c->predecessor_id)
        printf ("predecessor    %s\n", c->predecessor_id);
    for (size_t i = 0; i < c->n_items; i++)
        printf ("  %s: %s\n", c->items [i]->name, c->items [i]->value);
}

static void
s_print_history (const Lic__LogEntry *e)
{
    char t1 [32], t2 [32];
    Lic__Event *ev = NULL;
    if (!e->envelope || codec_event_decode (e->envelope->body.data,
                                            e->envelope->body.len, &ev) != ERR_OK) {
        printf ("  seq %-8llu (body does not decode)\n", (unsigned long long) e->seq);
        return;
    }
    printf ("  seq %-8llu %-17s v%u->%u  completed %s  received %s  from %s/%llu%s%s\n",
            (unsigned long long) e->seq, licjson_op_name (ev->op),
            ev->expected_version, ev->expected_version + 1,
            s_time (ev->completed_at, t1), s_time (e->received_at, t2),
            e->origin_division, (unsigned long long) e->origin_seq,
            *ev->note? "  note: ": "", ev->note);
    codec_event_free (&ev);
}

static void
s_print_record (const Lic__LicenseRecord *rec)
{
    char t [32];
    const Lic__LicenseState *st = rec->state;
    if (!st)
        return;
    printf ("license_id     %s\nstatus         %s %s\n", st->license_id,
            licjson_status_code (st->status), licjson_status_name (st->status));
    if (rec->effective_status != st->status)
        printf ("effective      %s %s\n", licjson_status_code (rec->effective_status),
                licjson_status_name (rec->effective_status));
    printf ("pledged        %s\nversion        %u\nissuer_code    %s\n",
            st->pledged? "yes": "no", st->version, st->issuer_code);
    if (st->content)
        s_print_content (st->content);
    printf ("last_seq       %llu (origin %s)\nupdated_at     %s\n",
            (unsigned long long) st->last_seq, st->origin_division,
            s_time (st->updated_at, t));
    if (*st->note)
        printf ("note           %s\n", st->note);
    if (rec->n_history)
        printf ("history:\n");
    for (size_t i = 0; i < rec->n_history; i++)
        s_print_history (rec->history [i]);
}

static void
s_print_status (const Lic__NodeStatus *st)
{
    char t [32], hex [65], z85 [41];
    seal_hex (hex, st->sign_key.data, st->sign_key.len == 32? 32: 0);
    if (st->curve_key.len != 32 || !zmq_z85_encode (z85, st->curve_key.data, 32))
        z85 [0] = 0;
    printf ("division       %s\nhead_seq       %llu\nsign_key       %s\n"
            "curve_key      %s\npublished      %llu\nrejected       %llu\n"
            "duplicates     %llu\ndepartments    %llu\nlicenses       %llu\n"
            "started_at     %s\n", st->division,
            (unsigned long long) st->head_seq, hex, z85,
            (unsigned long long) st->published, (unsigned long long) st->rejected,
            (unsigned long long) st->duplicates,
            (unsigned long long) st->departments,
            (unsigned long long) st->licenses, s_time (st->started_at, t));
}

static void
s_print_entry (const Lic__LogEntry *e)
{
    char t [32];
    const Lic__Envelope *env = e->envelope;
    Lic__Event *ev = NULL;
    Lic__Registration *reg = NULL;
    printf ("seq %-8llu %s/%-8llu %s  ", (unsigned long long) e->seq,
            e->origin_division, (unsigned long long) e->origin_seq,
            s_time (e->received_at, t));
    if (env && e->kind == LIC__ENTRY_KIND__ENTRY_EVENT
    &&  codec_event_decode (env->body.data, env->body.len, &ev) == ERR_OK)
        printf ("%s %s v%u by %s\n", licjson_op_name (ev->op), ev->license_id,
                ev->expected_version, ev->issuer_code);
    else
    if (env && e->kind == LIC__ENTRY_KIND__ENTRY_REGISTRATION
    &&  codec_registration_decode (env->body.data, env->body.len, &reg) == ERR_OK
    &&  reg->department)
        printf ("register %s %s (%zu types, %zu keys, %zu revoked)\n",
                reg->department->credit_code, reg->department->name,
                reg->department->n_license_types, reg->department->n_sign_keys,
                reg->department->n_revoked_keys);
    else
        printf ("(body does not decode)\n");
    codec_event_free (&ev);
    codec_registration_free (&reg);
}

// ---------------------------------------------------------------------
//  Queries

//  Prints a query's result as JSON.
static int
s_query_json (const Lic__Reply *reply)
{
    json_t *out = NULL;
    if (reply->body_case == LIC__REPLY__BODY_LICENSE)
        out = licjson_state_to_json (reply->license);
    else
    if (reply->body_case == LIC__REPLY__BODY_STATUS)
        out = licjson_status_to_json (reply->status);
    else
    if (reply->body_case == LIC__REPLY__BODY_FOUND) {
        out = json_array ();
        for (size_t i = 0; out && i < reply->found->n_licenses; i++)
            json_array_append_new (out,
                licjson_state_to_json (reply->found->licenses [i]));
    }
    else
    if (reply->body_case == LIC__REPLY__BODY_ENTRIES) {
        out = json_array ();
        for (size_t i = 0; out && i < reply->entries->n_entries; i++)
            json_array_append_new (out,
                licjson_entry_to_json (reply->entries->entries [i]));
    }
    return s_print_json (out);
}

//  Prints a query's result for people.
static void
s_query_human (const Lic__Reply *reply)
{
    if (reply->body_case == LIC__REPLY__BODY_LICENSE)
        s_print_record (reply->license);
    else
    if (reply->body_case == LIC__REPLY__BODY_STATUS)
        s_print_status (reply->status);
    else
    if (reply->body_case == LIC__REPLY__BODY_FOUND) {
        for (size_t i = 0; i < reply->found->n_licenses; i++) {
            const Lic__LicenseRecord *r = reply->found->licenses [i];
            if (r->state)
                printf ("%s  %s %-15s v%u  %s\n", r->state->license_id,
                        licjson_status_code (r->effective_status),
                        licjson_status_name (r->effective_status),
                        r->state->version, r->state->content?
                        r->state->content->name: "");
        }
        printf ("%zu license(s)\n", reply->found->n_licenses);
    }
    else
    if (reply->body_case == LIC__REPLY__BODY_ENTRIES)
        for (size_t i = 0; i < reply->entries->n_entries; i++)
            s_print_entry (reply->entries->entries [i]);
}

//  get, find, status and log: one request, one reply.
static int
s_cmd_query (const s_opts_t *opts)
{
    licclient_t *client = NULL;
    Lic__Reply *reply = NULL;
    keyfile_t key;
    Lic__Reply__BodyCase want;
    bool get = strcmp (opts->command, "get") == 0;
    bool find = strcmp (opts->command, "find") == 0;
    bool log = strcmp (opts->command, "log") == 0;
    if (opts->n_args != (get? 1: 0) || (find && !opts->holder)) {
        s_usage (stderr);
        return S_EXIT_USAGE;
    }
    int exit_code = s_connect (opts, &client, &key);
    if (exit_code != S_EXIT_OK)
        return exit_code;
    keyfile_wipe (&key);
    int rc;
    if (get) {
        want = LIC__REPLY__BODY_LICENSE;
        rc = licclient_get (client, opts->args [0], opts->history, &reply,
                            opts->timeout_ms);
    }
    else
    if (find) {
        want = LIC__REPLY__BODY_FOUND;
        rc = licclient_find (client, opts->holder_type, opts->holder,
                             opts->limit, &reply, opts->timeout_ms);
    }
    else
    if (log) {
        want = LIC__REPLY__BODY_ENTRIES;
        rc = licclient_log (client, opts->from, opts->limit? opts->limit: 100,
                            &reply, opts->timeout_ms);
    }
    else {
        want = LIC__REPLY__BODY_STATUS;
        rc = licclient_status (client, &reply, opts->timeout_ms);
    }
    exit_code = s_check_reply (rc, reply, want, opts->timeout_ms);
    if (exit_code == S_EXIT_OK && opts->json)
        exit_code = s_query_json (reply);
    else
    if (exit_code == S_EXIT_OK)
        s_query_human (reply);
    codec_reply_free (&reply);
    licclient_destroy (&client);
    return exit_code;
}

int
main (int argc, char **argv)
{
    s_opts_t opts;
    memset (&opts, 0, sizeof opts);
    zsys_handler_set (NULL);            //  Ctrl-C ends licctl at once
    int rc = s_parse_options (argc, argv, &opts);
    if (rc != 0)
        return rc < 0? S_EXIT_OK: rc;
    if (seal_init () != ERR_OK) {
        fprintf (stderr, "licctl: libsodium would not initialise\n");
        return S_EXIT_USAGE;
    }
    const char *cmd = opts.command;
    if (strcmp (cmd, "keygen") == 0)
        return s_cmd_keygen (&opts);
    if (strcmp (cmd, "register") == 0)
        return s_cmd_register (&opts);
    if (strcmp (cmd, "publish") == 0)
        return s_cmd_publish (&opts);
    if (strcmp (cmd, "get") == 0 || strcmp (cmd, "find") == 0
    ||  strcmp (cmd, "status") == 0 || strcmp (cmd, "log") == 0)
        return s_cmd_query (&opts);
    fprintf (stderr, "licctl: unknown command '%s'\n", cmd);
    s_usage (stderr);
    return S_EXIT_USAGE;
}
