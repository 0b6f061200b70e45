/*  auditagg.c -- refused requests counted per key per window (see
    auditagg.h).

    One entry per key (its 32 bytes in hex, "-" for none, "*" for the
    shared count past AUDITAGG_KEYS) with a count per err_t.  Deliberately
    does not: decide what is aggregated (query.c does), sign or store
    anything (ingest does, like every audit record).
*/
#include <czmq.h>
#include "node/serve/auditagg.h"
#include "proto/codec.h"
#include "proto/text.h"

#define S_CODES 128                 //  err_t values counted apart; others as ERR_INTERNAL

typedef struct {
    uint8_t key [32];               //  the CURVE key
    bool has_key;                   //  false: no key, or the shared count
    char body_code [24];            //  application body's credit code, "" if none
    int64_t start_ms;               //  unix ms of the window's first refusal
    uint32_t count;                 //  refusals in the window
    uint32_t codes [S_CODES];       //  of each err_t
    int first_code;                 //  the first refusal's code
    char first_why [AUDITAGG_WHY_MAX + 1];  //  and reason
} s_window_t;

struct auditagg_t {
    int64_t window_ms;              //  length of a window
    zhashx_t *windows;              //  key text -> s_window_t
    uint64_t pending;               //  refusals counted, not handed out
};

auditagg_t *
auditagg_new (int64_t window_ms)
{
    auditagg_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->window_ms = window_ms > 0? window_ms: 1;
    self->windows = zhashx_new ();
    if (!self->windows) {
        free (self);
        return NULL;
    }
    zhashx_set_destructor (self->windows, (zhashx_destructor_fn *) zstr_free);
    return self;
}

void
auditagg_destroy (auditagg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->windows);
    free (*self_p);
    *self_p = NULL;
}

void
auditagg_count (auditagg_t *self, const uint8_t *key, const char *body_code, int code,
                const char *why, int64_t now_ms)
{
    char name [65] = "-";
    if (key)
        for (int i = 0; i < 32; i++)
            snprintf (name + 2 * i, 3, "%02x", key [i]);
    s_window_t *w = (s_window_t *) zhashx_lookup (self->windows, name);
    if (!w && zhashx_size (self->windows) >= AUDITAGG_KEYS) {
        //  Past the bound: one shared count, under no key
        snprintf (name, sizeof name, "*");
        key = NULL;
        body_code = NULL;
        w = (s_window_t *) zhashx_lookup (self->windows, name);
    }
    if (!w) {
        if (!(w = (s_window_t *) calloc (1, sizeof *w)))
            return;
        if (zhashx_insert (self->windows, name, w) != 0) {
            free (w);
            return;
        }
        w->has_key = key != NULL;
        if (key)
            memcpy (w->key, key, 32);
        snprintf (w->body_code, sizeof w->body_code, "%s", body_code? body_code: "");
        w->start_ms = now_ms;
        w->first_code = code;
        char *cut = text_dup (why, AUDITAGG_WHY_MAX);
        snprintf (w->first_why, sizeof w->first_why, "%s", cut? cut: "");
        free (cut);
    }
    w->count++;
    w->codes [code >= 0 && code < S_CODES? code: ERR_INTERNAL]++;
    self->pending++;
}

static char *
s_strdup (const char *s)
{
    return strdup (s? s: "");
}

//  The window's record, every member malloc'd; NULL if out of memory.
static Lic__AuditRecord *
s_record (const s_window_t *w, int64_t now_ms)
{
    Lic__AuditRecord *r = (Lic__AuditRecord *) calloc (1, sizeof *r);
    if (!r)
        return NULL;
    codec_audit_record_init (r);
    bool ok = (r->body_code = s_strdup (w->body_code)) && (r->message = s_strdup (w->first_why));
    if (ok && w->has_key && (ok = (r->body_key.data = (uint8_t *) malloc (32)) != NULL)) {
        memcpy (r->body_key.data, w->key, 32);
        r->body_key.len = 32;
    }
    size_t kinds = 0;
    for (int c = 0; c < S_CODES; c++)
        kinds += w->codes [c] > 0;
    if (ok && (ok = (r->refusals = (Lic__RefusalCount **) calloc (kinds? kinds: 1, sizeof *r->refusals)) != NULL))
        for (int c = 0; ok && c < S_CODES; c++) {
            if (w->codes [c] == 0)
                continue;
            Lic__RefusalCount *rc = (Lic__RefusalCount *) calloc (1, sizeof *rc);
            if (!(ok = rc != NULL))
                break;
            lic__refusal_count__init (rc);
            rc->code = c;
            rc->count = w->codes [c];
            r->refusals [r->n_refusals++] = rc;
        }
    if (!ok) {
        codec_audit_record_free (&r);
        return NULL;
    }
    r->code = w->first_code;
    r->count = w->count;
    r->window_start_ms = w->start_ms;
    r->at_ms = now_ms;
    return r;
}

void
auditagg_flush (auditagg_t *self, int64_t now_ms, bool all, auditagg_fn *fn, void *arg)
{
    zlistx_t *done = zlistx_new ();
    if (!done)
        return;
    zlistx_set_duplicator (done, (zlistx_duplicator_fn *) strdup);
    zlistx_set_destructor (done, (zlistx_destructor_fn *) zstr_free);
    for (s_window_t *w = (s_window_t *) zhashx_first (self->windows); w;
         w = (s_window_t *) zhashx_next (self->windows)) {
        if (!all && now_ms - w->start_ms < self->window_ms)
            continue;
        Lic__AuditRecord *r = s_record (w, now_ms);
        if (!r)
            break;                  //  out of memory: counts stay for later
        if (!fn (arg, &r)) {
            codec_audit_record_free (&r);
            break;                  //  the pipeline is full: later
        }
        self->pending -= w->count;
        zlistx_add_end (done, (void *) zhashx_cursor (self->windows));
    }
    //  Deleted after the walk: a zhashx must not change under its cursor.
    for (const char *k = (const char *) zlistx_first (done); k; k = (const char *) zlistx_next (done))
        zhashx_delete (self->windows, k);
    zlistx_destroy (&done);
}

uint64_t
auditagg_pending (auditagg_t *self)
{
    return self->pending;
}
