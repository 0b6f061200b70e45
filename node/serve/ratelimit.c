/*  ratelimit.c -- token buckets per key (see ratelimit.h).

    A bucket holds tokens as a double, refilled lazily at each take from
    the time since its last one.  Deliberately does not: queue or delay
    anything (a caller refuses what is over the rate), or keep
    statistics (callers count their refusals).
*/
#include <czmq.h>
#include "node/serve/ratelimit.h"

typedef struct {
    double tokens;                  //  tokens left at `at`
    int64_t at;                     //  monotonic ms of the last refill
} s_bucket_t;

struct ratelimit_t {
    double rate;                    //  tokens per second (0: no limit)
    double burst;                   //  bucket size
    zhashx_t *buckets;              //  key -> s_bucket_t
    s_bucket_t shared;              //  for the keys past RATELIMIT_KEYS
};

ratelimit_t *
ratelimit_new (double rate, double burst)
{
    ratelimit_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->rate = rate > 0? rate: 0;
    self->burst = burst >= 1? burst: 1;
    self->buckets = zhashx_new ();
    if (!self->buckets) {
        free (self);
        return NULL;
    }
    zhashx_set_destructor (self->buckets, (zhashx_destructor_fn *) zstr_free);
    self->shared.tokens = self->burst;
    return self;
}

void
ratelimit_destroy (ratelimit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->buckets);
    free (*self_p);
    *self_p = NULL;
}

static void
s_refill (ratelimit_t *self, s_bucket_t *b, int64_t now_ms)
{
    if (now_ms > b->at) {
        b->tokens += (double) (now_ms - b->at) * self->rate / 1000.0;
        if (b->tokens > self->burst)
            b->tokens = self->burst;
    }
    b->at = now_ms;
}

bool
ratelimit_take (ratelimit_t *self, const char *key, int64_t now_ms)
{
    if (self->rate == 0)
        return true;
    //  The first RATELIMIT_KEY_MAX bytes count (no printf per request)
    char k [RATELIMIT_KEY_MAX + 1];
    const char *text = key? key: "";
    size_t len = strnlen (text, RATELIMIT_KEY_MAX);
    memcpy (k, text, len);
    k [len] = 0;
    s_bucket_t *b = (s_bucket_t *) zhashx_lookup (self->buckets, k);
    if (!b && zhashx_size (self->buckets) < RATELIMIT_KEYS
    &&  (b = (s_bucket_t *) calloc (1, sizeof *b))) {
        b->tokens = self->burst;
        b->at = now_ms;
        if (zhashx_insert (self->buckets, k, b) != 0) {
            free (b);
            b = NULL;
        }
    }
    if (!b)
        b = &self->shared;
    s_refill (self, b, now_ms);
    if (b->tokens < 1)
        return false;
    b->tokens -= 1;
    return true;
}

void
ratelimit_sweep (ratelimit_t *self, int64_t now_ms)
{
    if (self->rate == 0)
        return;
    zlistx_t *full = zlistx_new ();
    if (!full)
        return;
    zlistx_set_duplicator (full, (zlistx_duplicator_fn *) strdup);
    zlistx_set_destructor (full, (zlistx_destructor_fn *) zstr_free);
    for (s_bucket_t *b = (s_bucket_t *) zhashx_first (self->buckets); b;
         b = (s_bucket_t *) zhashx_next (self->buckets)) {
        s_refill (self, b, now_ms);
        if (b->tokens >= self->burst)
            zlistx_add_end (full, (void *) zhashx_cursor (self->buckets));
    }
    //  Deleted after the walk: a zhashx must not change under its cursor.
    for (const char *k = (const char *) zlistx_first (full); k; k = (const char *) zlistx_next (full))
        zhashx_delete (self->buckets, k);
    zlistx_destroy (&full);
}

size_t
ratelimit_size (ratelimit_t *self)
{
    return zhashx_size (self->buckets);
}
