/*  licctl_publish.c -- licctl commands of departments: publish, import,
    make-id (keygen and register are in licctl_register.c).

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
#include <poll.h>
#include <unistd.h>
#include "proto/codec.h"
#include "node/common/keyfile.h"
#include "node/client/licclient.h"
#include "node/cli/licctl.h"
#include "node/cli/licctl_files.h"
#include "node/cli/licctl_publish.h"
#include "proto/licid.h"
#include "node/common/licjson.h"
#include "node/common/progress.h"
#include "proto/seal.h"

#define S_EVENT_MAX     (4 * CODEC_FRAME_MAX)   //  JSON text of one event

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
//  publish --file and import: the window
//
//  Events go to the node in batches (PublishBatch, proto/README.md
//  section 3): signed events wait in the pending batch, which is sent
//  when it is full (S_BATCH events, or S_BATCH_BYTES of estimated frame)
//  or when no batch is in flight (so a slow producer, a pipe, is not held
//  back), with at most S_FRAMES batches in flight.  Every event has a
//  slot in a ring, in input order; results are printed from the head as
//  they complete.  Memory is bounded by S_WINDOW slots and one pending
//  batch, whatever the input's length.

#define S_BATCH         LICCLIENT_BATCH_MAX     //  events in one request at most
#define S_BATCH_BYTES   (LICCLIENT_FRAME_MAX - 16 * 1024)   //  estimated frame of a batch
#define S_FRAMES        4                       //  batches in flight
#define S_WINDOW        ((S_FRAMES + 1) * S_BATCH)  //  events open: in flight and pending

typedef struct {
    size_t line;                        //  input line (record) number
    uint64_t id;                        //  request id of its batch; 0 if not sent
    bool done;                          //  result known
    int code;                           //  err_t of the result
    uint64_t seq;                       //  log seq when accepted
    bool duplicate;                     //  already stored at seq
    char message [512];                 //  why, when code != ERR_OK
} s_slot_t;

//  The batch being filled: signed events (owned) not yet sent.
typedef struct {
    licclient_event_t ev [S_BATCH];
    s_slot_t *slot [S_BATCH];           //  their slots (not done, so not flushed)
    uint8_t *body [S_BATCH];            //  owned, or NULL when env holds it
    uint8_t sig [S_BATCH][SEAL_SIG_BYTES];
    Lic__Disclosure **disc [S_BATCH];   //  owned (licclient_disclosures_free)
    size_t n_disc [S_BATCH];
    Lic__Envelope *env [S_BATCH];       //  owned, for an event read signed
    size_t n;
    size_t bytes;                       //  estimated frame
} s_pending_t;

typedef struct {
    s_slot_t slots [S_WINDOW];          //  ring, input order
    size_t head;                        //  oldest slot
    size_t count;                       //  slots in use
    s_pending_t pend;
    size_t frames;                      //  batches in flight
    size_t published, duplicates, rejected;
    size_t sent;                        //  events sent
    size_t answered;                    //  of which the node answered
    bool json;                          //  --json output
    bool quiet;                         //  only the rejected ones
    const char *unit;                   //  "line" or "record"
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
                json_pack ("{s:I, s:I, s:b}", w->unit, (json_int_t) s->line,
                           "seq", (json_int_t) s->seq, "duplicate", s->duplicate):
                json_pack ("{s:I, s:s, s:s}", w->unit, (json_int_t) s->line,
                           "error", err_str (s->code), "message", s->message);
            if (j)
                json_dumpf (j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
            json_decref (j);
            putchar ('\n');
        }
        else
        if (s->code != ERR_OK)
            printf ("%s %zu: REJECTED %s: %s\n", w->unit, s->line, err_str (s->code),
                    s->message);
        else
            printf ("%s %zu: %s%llu\n", w->unit, s->line,
                    s->duplicate? "duplicate of seq ": "seq ",
                    (unsigned long long) s->seq);
        w->head = (w->head + 1) % S_WINDOW;
        w->count--;
    }
    fflush (stdout);
}

//  Waits for one reply and records it in the slots of its batch.
static int
s_collect (s_window_t *w, licclient_t *client, int timeout_ms)
{
    static licclient_result_t res [S_BATCH];
    Lic__Reply *reply = NULL;
    int rc = licclient_recv (client, &reply, timeout_ms);
    if (rc != ERR_OK)
        return rc;
    //  id 0 answers a request the node could not decode; it handles a
    //  connection's requests in order, so it is the oldest open one.
    uint64_t id = reply->id;
    for (size_t i = 0; i < w->count && id == 0; i++)
        if (!s_slot (w, i)->done && s_slot (w, i)->id)
            id = s_slot (w, i)->id;
    s_slot_t *mine [S_BATCH];
    size_t n = 0;
    for (size_t i = 0; i < w->count && n < S_BATCH; i++) {
        s_slot_t *s = s_slot (w, i);
        if (!s->done && s->id && s->id == id)
            mine [n++] = s;
    }
    if (n) {
        w->frames--;
        w->answered += n;
        if (licclient_batch_results (reply, n, res) != ERR_OK)
            for (size_t i = 0; i < n; i++)
                res [i] = (licclient_result_t) { .code = ERR_MALFORMED };
        for (size_t i = 0; i < n; i++) {
            s_slot_t *s = mine [i];
            s->done = true;
            s->code = res [i].code;
            s->seq = res [i].seq;
            s->duplicate = res [i].duplicate;
            snprintf (s->message, sizeof s->message, "%s",
                      *res [i].message? res [i].message: "reply without a result");
        }
    }
    codec_reply_free (&reply);
    return ERR_OK;
}

//  Frees what the pending batch holds and empties it.
static void
s_pend_clear (s_pending_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free (p->body [i]);
        licclient_disclosures_free (&p->disc [i], p->n_disc [i]);
        codec_envelope_free (&p->env [i]);
        p->body [i] = NULL;
    }
    p->n = 0;
    p->bytes = 0;
}

//  Sends events [from, from + n) of the pending batch as one request;
//  halves it if the frame is over the limit after all (the estimate is
//  an estimate).  A transport error closes their slots and is returned.
static int
s_send_range (s_window_t *w, licclient_t *client, size_t from, size_t n)
{
    s_pending_t *p = &w->pend;
    uint64_t id = 0;
    int rc = licclient_send_publish_batch (client, p->ev + from, n, &id);
    if (rc == ERR_TOO_LARGE && n > 1) {
        rc = s_send_range (w, client, from, n / 2);
        return rc == ERR_OK? s_send_range (w, client, from + n / 2, n - n / 2): rc;
    }
    for (size_t i = from; i < from + n; i++) {
        s_slot_t *s = p->slot [i];
        if (rc == ERR_OK)
            s->id = id;
        else {
            s->done = true;
            s->code = rc;
            snprintf (s->message, sizeof s->message, "%s", rc == ERR_TOO_LARGE
                      ? "the signed event is over the 256 KiB frame": "not sent");
        }
    }
    if (rc == ERR_OK) {
        w->frames++;
        w->sent += n;
    }
    return rc == ERR_TOO_LARGE? ERR_OK: rc;
}

//  Sends the pending batch, first waiting for a batch in flight to be
//  answered if S_FRAMES are.
static int
s_pend_send (s_window_t *w, licclient_t *client, int timeout_ms)
{
    int rc = ERR_OK;
    while (rc == ERR_OK && w->frames >= S_FRAMES) {
        rc = s_collect (w, client, timeout_ms);
        s_flush (w);
    }
    if (rc == ERR_OK && w->pend.n)
        rc = s_send_range (w, client, 0, w->pend.n);
    s_pend_clear (&w->pend);
    return rc;
}

//  A new slot for input line (record) `line`, waiting for answers while
//  the window is full.
static int
s_new_slot (s_window_t *w, licclient_t *client, int timeout_ms, size_t line, s_slot_t **out)
{
    int rc = ERR_OK;
    while (rc == ERR_OK && w->count == S_WINDOW) {
        if (w->frames == 0)
            rc = s_pend_send (w, client, timeout_ms);
        else {
            rc = s_collect (w, client, timeout_ms);
            s_flush (w);
        }
    }
    if (rc != ERR_OK)
        return rc;
    s_slot_t *slot = s_slot (w, w->count++);
    memset (slot, 0, sizeof *slot);
    slot->line = line;
    *out = slot;
    return ERR_OK;
}

//  Bytes an event adds to a batch's frame (an upper estimate).
static size_t
s_event_bytes (const licclient_event_t *ev)
{
    size_t n = ev->body_len + SEAL_SIG_BYTES + SEAL_PUBLIC_BYTES + 24;
    for (size_t i = 0; i < ev->n_disclosures; i++) {
        const Lic__Disclosure *d = ev->disclosures [i];
        n += 24 + (d->name? strlen (d->name): 0) + (d->value? strlen (d->value): 0) + d->salt.len;
    }
    return n;
}

//  Adds the signed event in the pending batch's slot i (filled by the
//  caller: ev, and what it owns) for slot; sends the batch when it is
//  full, or when nothing is in flight.  The event must already be in
//  p->ev [p->n].
static int
s_pend_add (s_window_t *w, licclient_t *client, int timeout_ms, s_slot_t *slot)
{
    s_pending_t *p = &w->pend;
    size_t bytes = s_event_bytes (&p->ev [p->n]);
    if (p->n && p->bytes + bytes > S_BATCH_BYTES) {
        //  Over the frame with it: the batch so far goes first.
        s_pending_t *q = p;
        licclient_event_t ev = q->ev [q->n];
        uint8_t *body = q->body [q->n];
        uint8_t sig [SEAL_SIG_BYTES];
        memcpy (sig, q->sig [q->n], sizeof sig);
        Lic__Disclosure **disc = q->disc [q->n];
        size_t n_disc = q->n_disc [q->n];
        Lic__Envelope *env = q->env [q->n];
        q->body [q->n] = NULL;
        q->disc [q->n] = NULL;
        q->env [q->n] = NULL;
        int rc = s_pend_send (w, client, timeout_ms);
        q->ev [0] = ev;
        q->body [0] = body;
        memcpy (q->sig [0], sig, sizeof sig);
        if (!env)
            q->ev [0].sig = q->sig [0];
        q->disc [0] = disc;
        q->n_disc [0] = n_disc;
        q->env [0] = env;
        if (rc != ERR_OK) {
            q->n = 1;
            s_pend_clear (q);
            slot->done = true;
            slot->code = rc;
            snprintf (slot->message, sizeof slot->message, "not sent");
            return rc;
        }
    }
    p->slot [p->n] = slot;
    p->bytes += bytes;
    p->n++;
    if (p->n == S_BATCH || w->frames == 0)
        return s_pend_send (w, client, timeout_ms);
    return ERR_OK;
}

//  Parses, seals and signs one JSON line into the pending batch.  Returns
//  a transport error (the slot is then closed too); ERR_OK otherwise,
//  even if the line itself was refused locally.
static int
s_submit_json (s_window_t *w, licclient_t *client, const keyfile_t *key,
               zhashx_t *types, int timeout_ms, const char *file_dir, const char *text,
               size_t len, size_t line)
{
    s_slot_t *slot;
    int rc = s_new_slot (w, client, timeout_ms, line, &slot);
    if (rc != ERR_OK)
        return rc;
    if (len > S_EVENT_MAX) {
        slot->done = true;
        slot->code = ERR_TOO_LARGE;
        snprintf (slot->message, sizeof slot->message, "line too long");
        return ERR_OK;
    }
    s_pending_t *p = &w->pend;
    size_t i = p->n;
    Lic__Event *ev = NULL;
    bool transport = false;
    p->disc [i] = NULL;
    p->n_disc [i] = 0;
    p->env [i] = NULL;
    p->body [i] = NULL;
    rc = licjson_event_from_json (text, &ev, slot->message, sizeof slot->message);
    //  Its file first (--file-dir): the node refuses an event naming a
    //  file it does not hold.
    if (rc == ERR_OK)
        rc = licctl_file_for_event (client, file_dir, ev, timeout_ms, &transport,
                                    slot->message, sizeof slot->message);
    if (rc == ERR_OK) {
        rc = s_seal_event (types, client, key, ev, timeout_ms, &p->disc [i],
                           &p->n_disc [i], &transport);
        if (rc != ERR_OK)
            snprintf (slot->message, sizeof slot->message, "%s",
                      transport? "license type not fetched from the node":
                                 "cannot seal sensitive items");
    }
    size_t body_len = 0;
    if (rc == ERR_OK) {
        rc = licclient_sign (ev, key->sign_sk, key->sign_pk, &p->body [i], &body_len, p->sig [i]);
        if (rc != ERR_OK)
            snprintf (slot->message, sizeof slot->message, "cannot sign");
    }
    codec_event_free (&ev);
    if (rc != ERR_OK) {
        licclient_disclosures_free (&p->disc [i], p->n_disc [i]);
        slot->done = true;
        slot->code = rc;
        return transport? rc: ERR_OK;
    }
    p->ev [i] = (licclient_event_t) { p->body [i], body_len, p->sig [i], key->sign_pk,
                                      p->disc [i], p->n_disc [i] };
    return s_pend_add (w, client, timeout_ms, slot);
}

//  One signed envelope as read (owned from here on) into the pending batch.
static int
s_submit_envelope (s_window_t *w, licclient_t *client, int timeout_ms, const char *file_dir,
                   Lic__Envelope **env_p, size_t record)
{
    s_slot_t *slot;
    int rc = s_new_slot (w, client, timeout_ms, record, &slot);
    if (rc != ERR_OK) {
        codec_envelope_free (env_p);
        return rc;
    }
    s_pending_t *p = &w->pend;
    size_t i = p->n;
    Lic__Envelope *env = *env_p;
    *env_p = NULL;
    p->body [i] = NULL;
    p->disc [i] = NULL;
    p->n_disc [i] = 0;
    p->env [i] = env;
    if (env->signature.len != SEAL_SIG_BYTES || env->key_id.len != SEAL_PUBLIC_BYTES) {
        //  Sent as it is, the node would say so: say it here, unsent.
        codec_envelope_free (&p->env [i]);
        slot->done = true;
        slot->code = ERR_MALFORMED;
        snprintf (slot->message, sizeof slot->message, "envelope needs a 64-byte signature and "
                  "a 32-byte key_id");
        return ERR_OK;
    }
    //  Its file first (--file-dir), as for a JSON line: the node refuses
    //  an event naming a file it does not hold.  A body that does not
    //  decode is sent as it is: the node says why it refuses it.
    Lic__Event *ev = NULL;
    if (file_dir && codec_event_decode (env->body.data, env->body.len, &ev) == ERR_OK) {
        bool transport = false;
        rc = licctl_file_for_event (client, file_dir, ev, timeout_ms, &transport,
                                    slot->message, sizeof slot->message);
        codec_event_free (&ev);
        if (rc != ERR_OK) {
            codec_envelope_free (&p->env [i]);
            slot->done = true;
            slot->code = rc;
            return transport? rc: ERR_OK;
        }
    }
    p->ev [i] = (licclient_event_t) { env->body.data, env->body.len, env->signature.data,
                                      env->key_id.data, env->disclosures, env->n_disclosures };
    return s_pend_add (w, client, timeout_ms, slot);
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

//  A base-128 varint (protobuf's) of at most 5 bytes from fp: ERR_OK,
//  ERR_NOT_FOUND at a clean end, ERR_MALFORMED.
static int
s_read_varint (FILE *fp, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 5; i++) {
        int c = fgetc (fp);
        if (c == EOF)
            return i == 0 && !ferror (fp)? ERR_NOT_FOUND: ERR_MALFORMED;
        v |= (uint64_t) (c & 0x7f) << (7 * i);
        if (!(c & 0x80)) {
            *out = v;
            return ERR_OK;
        }
    }
    return ERR_MALFORMED;
}

//  Envelopes in a stream that can be read twice (lengths only, seeking
//  over the bodies), rewound after; 0 for a pipe.
static uint64_t
s_count_envelopes (FILE *fp)
{
    long at = ftell (fp);
    uint64_t n = 0, len;
    if (at < 0)
        return 0;
    while (s_read_varint (fp, &len) == ERR_OK && len <= LICCLIENT_FRAME_MAX
       &&  fseek (fp, (long) len, SEEK_CUR) == 0)
        n++;
    clearerr (fp);
    return fseek (fp, at, SEEK_SET) == 0? n: 0;
}

//  What became of the events when the node stopped answering (stderr): a
//  rerun of the whole input is safe, events are stored once.
static void
s_abort_summary (const s_window_t *w, size_t line, const char *cmd, const char *file)
{
    char a [32], b [32], c [32], d [32];
    size_t acked = w->published + w->duplicates;
    size_t open = w->sent - w->answered;
    fprintf (stderr, "licctl: %s stopped at %s %zu: the node stopped answering.\n"
             "licctl: %s event(s) acknowledged (%s published, %s duplicate), %zu rejected, "
             "%s sent without an answer (stored or not: unknown)\n"
             "licctl: running the same file again is safe: the node stores each signed event "
             "once and answers \"duplicate\" for those it holds (licctl %s %s)\n",
             strcmp (cmd, "import") == 0? "importing": "publishing", w->unit, line,
             progress_count (acked, a), progress_count (w->published, b),
             progress_count (w->duplicates, c), w->rejected, progress_count (open, d), cmd, file);
}

//  True if reading fp now would wait: nothing buffered, nothing to read
//  on its descriptor (a pipe whose producer is slow).  The pending batch
//  is then sent first, so no event waits on the next one's arrival.
static bool
s_input_waits (FILE *fp)
{
#ifdef __GLIBC__
    if (fp->_IO_read_ptr < fp->_IO_read_end)
        return false;
#endif
    struct pollfd pfd = { fileno (fp), POLLIN, 0 };
    return poll (&pfd, 1, 0) == 0;
}

//  The input's events, one by one into the window: JSON lines (signed
//  here) or a stream of signed envelopes.  ERR_OK at the end, a transport
//  error, or ERR_MALFORMED for a stream that breaks off (*why set).
static int
s_feed (s_window_t *w, const licctl_opts_t *opts, FILE *fp, bool envelopes, licclient_t *client,
        const keyfile_t *key, zhashx_t *types, progress_t *pr, size_t *line, char *why,
        size_t why_size)
{
    char *text = NULL;
    size_t cap = 0;
    int rc = ERR_OK;
    while (rc == ERR_OK) {
        if (w->pend.n && s_input_waits (fp))
            rc = s_pend_send (w, client, opts->timeout_ms);
        if (rc != ERR_OK)
            break;
        if (envelopes) {
            uint64_t len;
            rc = s_read_varint (fp, &len);
            if (rc == ERR_NOT_FOUND) {
                rc = ERR_OK;
                break;
            }
            (*line)++;
            if (rc != ERR_OK || len > LICCLIENT_FRAME_MAX) {
                snprintf (why, why_size, "record %zu: its length is not a varint of at most "
                          "%d", *line, LICCLIENT_FRAME_MAX);
                rc = ERR_MALFORMED;
                break;
            }
            uint8_t *buf = malloc (len? len: 1);
            Lic__Envelope *env = NULL;
            if (!buf || fread (buf, 1, len, fp) != len) {
                free (buf);
                snprintf (why, why_size, "record %zu: the stream ends inside it", *line);
                rc = ERR_MALFORMED;
                break;
            }
            rc = codec_envelope_decode (buf, len, &env);
            free (buf);
            if (rc != ERR_OK) {
                snprintf (why, why_size, "record %zu does not decode as lic.Envelope (%s)",
                          *line, err_str (rc));
                rc = ERR_MALFORMED;
                break;
            }
            rc = s_submit_envelope (w, client, opts->timeout_ms, opts->file_dir, &env, *line);
        }
        else {
            ssize_t len = getline (&text, &cap, fp);
            if (len < 0)
                break;
            (*line)++;
            if (s_skip_line (text, &len))
                continue;
            rc = s_submit_json (w, client, key, types, opts->timeout_ms, opts->file_dir, text,
                                (size_t) len, *line);
        }
        //  The replies already here, without waiting: results and
        //  progress keep up with a slow producer (a pipe).
        while (rc == ERR_OK && w->frames && s_collect (w, client, 0) == ERR_OK)
            ;
        s_flush (w);
        progress_step (pr, w->published + w->duplicates + w->rejected);
    }
    free (text);
    if (rc == ERR_OK)
        rc = s_pend_send (w, client, opts->timeout_ms);
    //  Malformed input: what was sent is still answered.
    int drain = rc == ERR_MALFORMED? ERR_OK: rc;
    while (drain == ERR_OK && w->count) {
        if (w->frames == 0)
            break;
        drain = s_collect (w, client, opts->timeout_ms);
        s_flush (w);
        progress_step (pr, w->published + w->duplicates + w->rejected);
    }
    return rc == ERR_OK? drain: rc;
}

//  Publishes the events of fp with the window; cmd names the command
//  for the messages ("publish --file", "import").
static int
s_publish_stream (const licctl_opts_t *opts, FILE *fp, bool envelopes, bool quiet,
                  const char *cmd, licclient_t *client, const keyfile_t *key, zhashx_t *types)
{
    static s_window_t w;                //  S_WINDOW slots: too big for the stack
    size_t line = 0;
    char why [256] = "";
    memset (&w, 0, sizeof w);
    w.json = opts->json;
    w.quiet = quiet;
    w.unit = envelopes? "record": "line";
    progress_t pr;
    progress_init (&pr, opts->quiet? NULL: stderr, envelopes? "licctl import:": "licctl publish:",
                   "events answered", envelopes? s_count_envelopes (fp): s_count_events (fp),
                   PROGRESS_INTERVAL_MS);
    int rc = s_feed (&w, opts, fp, envelopes, client, key, types, &pr, &line, why, sizeof why);
    if (rc == ERR_MALFORMED) {
        fprintf (stderr, "licctl: %s: %s; the events before it were sent and answered as "
                 "printed\n", opts->file, why);
        return LICCTL_EXIT_USAGE;
    }
    if (rc != ERR_OK) {
        int exit_code = licctl_transport_error (rc, opts->timeout_ms);
        //  What was answered before is printed; the rest is unknown.
        s_abort_summary (&w, line, cmd, opts->file);
        return exit_code;
    }
    if (ferror (fp)) {
        fprintf (stderr, "licctl: read error after %s %zu\n", w.unit, line);
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
        fprintf (stderr, "licctl %s: %s events answered in %s (%s/s)\n", envelopes? "import":
                 "publish", progress_count (done, n), progress_duration ((ms + 500) / 1000, t),
                 progress_count (ms > 0? (uint64_t) done * 1000 / (uint64_t) ms: done, r));
    }
    return w.rejected? LICCTL_EXIT_REFUSED: LICCTL_EXIT_OK;
}

//  Publishes each line of fp (publish --file).
static int
s_publish_lines (const licctl_opts_t *opts, FILE *fp, licclient_t *client,
                 const keyfile_t *key, zhashx_t *types)
{
    return s_publish_stream (opts, fp, false, opts->quiet, "publish --file", client, key, types);
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
    bool transport = false;
    rc = licctl_file_for_event (client, opts->file_dir, ev, opts->timeout_ms, &transport,
                                why, sizeof why);
    if (rc != ERR_OK) {
        codec_event_free (&ev);
        if (transport)
            return licctl_transport_error (rc, opts->timeout_ms);
        fprintf (stderr, "licctl: %s: the license's file: %s: %s\n", path, err_str (rc), why);
        return LICCTL_EXIT_REFUSED;
    }
    uint8_t *body = NULL;
    size_t body_len = 0;
    uint8_t sig [SEAL_SIG_BYTES];
    Lic__Disclosure **disclosures = NULL;
    size_t n_disclosures = 0;
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


//  import: JSON lines or signed envelopes, told apart by the first byte
//  (a stream of envelopes starts with a length of at least 128, whose
//  varint's first byte is 0x80 or more; JSON text never does).
int
licctl_cmd_import (const licctl_opts_t *opts)
{
    if (opts->n_args != 1 || opts->file) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    const char *path = opts->args [0];
    FILE *fp = strcmp (path, "-") == 0? stdin: fopen (path, "r");
    if (!fp) {
        fprintf (stderr, "licctl: cannot open %s\n", path);
        return LICCTL_EXIT_USAGE;
    }
    int first = fgetc (fp);
    if (first != EOF)
        ungetc (first, fp);
    bool envelopes = first != EOF && first >= 0x80;
    licclient_t *client = NULL;
    keyfile_t key;
    zhashx_t *types = s_types_new ();
    int exit_code = types? licctl_connect (opts, &client, &key, NULL): LICCTL_EXIT_USAGE;
    if (exit_code == LICCTL_EXIT_OK) {
        licctl_opts_t o = *opts;
        o.file = path;
        exit_code = s_publish_stream (&o, fp, envelopes, true, "import", client, &key, types);
        keyfile_wipe (&key);
    }
    if (fp != stdin)
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
