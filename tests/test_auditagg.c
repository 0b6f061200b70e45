/*  test_auditagg.c -- refused requests counted per key per window
    (node/serve/auditagg.c): one record per key per window, counts by code
    adding up, nothing lost when the pipeline cannot take a record.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "node/serve/auditagg.h"
#include "proto/codec.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

typedef struct {
    Lic__AuditRecord *recs [16];
    int n;
    int room;                       //  records it may still take
} s_sink_t;

static bool
s_take (void *arg, Lic__AuditRecord **rec_p)
{
    s_sink_t *s = (s_sink_t *) arg;
    if (s->room == 0)
        return false;
    s->room--;
    s->recs [s->n++] = *rec_p;
    *rec_p = NULL;
    return true;
}

static void
s_sink_free (s_sink_t *s)
{
    for (int i = 0; i < s->n; i++)
        codec_audit_record_free (&s->recs [i]);
    s->n = 0;
}

static void
test_one_record_per_key_per_window (void)
{
    auditagg_t *a = auditagg_new (60000);
    uint8_t dept [32], body [32];
    memset (dept, 0xd1, 32);
    memset (body, 0xb1, 32);
    int64_t t = 1764201600000;
    for (int i = 0; i < 5000; i++)
        auditagg_count (a, dept, NULL, i % 2? ERR_FORBIDDEN: ERR_MALFORMED,
                        i == 0? "frame does not decode as lic.Request": "later", t + i);
    for (int i = 0; i < 940; i++)
        auditagg_count (a, body, "91330106MA2KXXXX01", i < 343? ERR_MATTER: ERR_BUSY, "matter", t + 10);
    auditagg_count (a, NULL, NULL, ERR_MALFORMED, "no key", t + 20);
    assert (auditagg_pending (a) == 5941);
    s_sink_t s = { { NULL }, 0, 16 };
    //  Not before the window closes...
    auditagg_flush (a, t + 59999, false, s_take, &s);
    assert (s.n == 0);
    //  ... then one record per key
    auditagg_flush (a, t + 60020, false, s_take, &s);
    assert (s.n == 3 && auditagg_pending (a) == 0);
    uint32_t total = 0;
    for (int i = 0; i < s.n; i++) {
        const Lic__AuditRecord *r = s.recs [i];
        uint32_t sum = 0;
        for (size_t k = 0; k < r->n_refusals; k++)
            sum += r->refusals [k]->count;
        assert (sum == r->count && r->at_ms == t + 60020);
        total += r->count;
        if (r->body_key.len == 32 && r->body_key.data [0] == 0xd1) {
            assert (r->count == 5000 && streq (r->body_code, "") && r->window_start_ms == t);
            assert (r->code == ERR_MALFORMED && streq (r->message, "frame does not decode as lic.Request"));
            assert (r->n_refusals == 2 && r->refusals [0]->code == ERR_MALFORMED
                    && r->refusals [0]->count == 2500 && r->refusals [1]->count == 2500);
        }
        else
        if (r->body_key.len == 32) {
            assert (r->count == 940 && streq (r->body_code, "91330106MA2KXXXX01"));
            assert (r->n_refusals == 2 && r->refusals [0]->code == ERR_BUSY
                    && r->refusals [0]->count == 597 && r->refusals [1]->count == 343);
        }
        else
            assert (r->count == 1 && r->body_key.len == 0);
        //  A record the strict decoder takes back (no unknown field, text)
        uint8_t *buf;
        size_t len;
        Lic__AuditRecord *back = NULL;
        assert (codec_audit_record_encode (r, &buf, &len) == ERR_OK);
        assert (codec_audit_record_decode (buf, len, &back) == ERR_OK && back->count == r->count);
        codec_audit_record_free (&back);
        free (buf);
    }
    assert (total == 5941);
    s_sink_free (&s);
    //  The next refusal opens a new window
    auditagg_count (a, dept, NULL, ERR_FORBIDDEN, "again", t + 70000);
    auditagg_flush (a, t + 70001, true, s_take, &s);
    assert (s.n == 1 && s.recs [0]->count == 1 && s.recs [0]->window_start_ms == t + 70000);
    s_sink_free (&s);
    auditagg_destroy (&a);
    assert (!a);
}

static void
test_pipeline_full_keeps_counting (void)
{
    auditagg_t *a = auditagg_new (1000);
    uint8_t k1 [32], k2 [32];
    memset (k1, 1, 32);
    memset (k2, 2, 32);
    auditagg_count (a, k1, NULL, ERR_FORBIDDEN, "x", 0);
    auditagg_count (a, k2, NULL, ERR_FORBIDDEN, "x", 0);
    s_sink_t s = { { NULL }, 0, 1 };
    auditagg_flush (a, 5000, false, s_take, &s);
    assert (s.n == 1 && auditagg_pending (a) == 1);
    //  The window not taken stays open and keeps counting: nothing lost
    auditagg_count (a, s.recs [0]->body_key.data [0] == 1? k2: k1, NULL, ERR_BUSY, "y", 6000);
    s.room = 1;
    auditagg_flush (a, 6000, false, s_take, &s);
    assert (s.n == 2 && s.recs [1]->count == 2 && auditagg_pending (a) == 0);
    s_sink_free (&s);
    auditagg_destroy (&a);
}

static void
test_keys_bounded_then_shared (void)
{
    auditagg_t *a = auditagg_new (1000);
    uint8_t k [32] = { 0 };
    for (int i = 0; i < AUDITAGG_KEYS + 10; i++) {
        memcpy (k, &i, sizeof i);
        auditagg_count (a, k, "body", ERR_FORBIDDEN, "x", 0);
    }
    assert (auditagg_pending (a) == AUDITAGG_KEYS + 10);
    uint64_t written = 0, shared = 0, n = 0;
    while (auditagg_pending (a)) {
        s_sink_t s = { { NULL }, 0, 16 };
        auditagg_flush (a, 1000, false, s_take, &s);
        for (int i = 0; i < s.n; i++) {
            written += s.recs [i]->count;
            if (s.recs [i]->body_key.len == 0) {
                shared += s.recs [i]->count;
                assert (streq (s.recs [i]->body_code, ""));
            }
        }
        n += s.n;
        s_sink_free (&s);
    }
    //  Past AUDITAGG_KEYS, the rest are counted together under no key
    assert (written == AUDITAGG_KEYS + 10 && shared == 10 && n == AUDITAGG_KEYS + 1);
    auditagg_destroy (&a);
}

int
main (void)
{
    test_one_record_per_key_per_window ();
    test_pipeline_full_keeps_counting ();
    test_keys_bounded_then_shared ();
    printf ("test_auditagg: 3 cases OK\n");
    return 0;
}
