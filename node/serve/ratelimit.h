/*  ratelimit.h -- token buckets per key (README "Bounded resources"): each key
    (a CURVE key's Z85 text, or any string) may take `rate` tokens a
    second on average and `burst` at once.  Used for the requests of a
    key on the client socket, the queries of a key, and the refused
    queries of an application body that are recorded one by one.

    Time is an argument (monotonic milliseconds), so the limiter is
    tested with a fake clock.  Memory is bounded: at most RATELIMIT_KEYS
    keys are remembered; a bucket that is full again is forgotten at the
    next sweep (it knows nothing a new one would not), and past the bound
    new keys share one bucket, so a flood of keys cannot grow the table.
*/
#ifndef LICREPO_RATELIMIT_H
#define LICREPO_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_KEYS 65536        //  keys remembered at once
#define RATELIMIT_KEY_MAX 64        //  bytes of a key that count

typedef struct ratelimit_t ratelimit_t;

//  A limiter of `rate` tokens a second, `burst` at most (rate 0: no
//  limit, every take succeeds).  NULL if out of memory.
ratelimit_t *
    ratelimit_new (double rate, double burst);

void
    ratelimit_destroy (ratelimit_t **self_p);

//  Takes a token from key's bucket at now_ms: true if there was one
//  (the request may go on), false if the key is over its rate.
bool
    ratelimit_take (ratelimit_t *self, const char *key, int64_t now_ms);

//  Forgets the buckets that are full again at now_ms.
void
    ratelimit_sweep (ratelimit_t *self, int64_t now_ms);

//  Keys remembered (for tests and status).
size_t
    ratelimit_size (ratelimit_t *self);

#endif
