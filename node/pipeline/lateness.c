/*  lateness.c -- the same-day rule and its counter (see lateness.h).  */
#include <czmq.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "node/pipeline/lateness.h"

#define S_UTC8_S (8 * 3600)             //  the civil day is China Standard Time's
#define S_DAY_S 86400

lateness_verdict_t
lateness_judge (int64_t completed_at, int64_t released_at, char day [LIFECYCLE_DAY_SIZE],
                int64_t *delay_s)
{
    char done [LIFECYCLE_DAY_SIZE], released [LIFECYCLE_DAY_SIZE];
    if (delay_s)
        *delay_s = 0;
    bool dated = lifecycle_day (completed_at, done) && lifecycle_day (released_at, released);
    if (day)
        memcpy (day, dated? done: "", dated? LIFECYCLE_DAY_SIZE: 1);
    if (!dated)
        return LATENESS_UNDATED;
    if (strcmp (released, done) <= 0)
        return LATENESS_ON_TIME;
    //  Delay after the end of the completion day (UTC+8); both times are
    //  in the window, so positive and far from overflowing.
    int64_t end = ((completed_at + S_UTC8_S) / S_DAY_S + 1) * S_DAY_S - S_UTC8_S;
    if (delay_s)
        *delay_s = released_at - end;
    return LATENESS_LATE;
}

// ---------------------------------------------------------------------
//  The counter

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static zhashx_t *s_table;               //  issuer -> lateness_count_t (guarded by s_lock)
static zhashx_t *s_origins;             //  origin -> departments of it named (size_t)

//  True if one more department of origin may be named (and counts it).
static bool
s_origin_room (const char *origin)
{
    if (!s_origins && (s_origins = zhashx_new ()) != NULL)
        zhashx_set_destructor (s_origins, (zhashx_destructor_fn *) zstr_free);
    if (!s_origins)
        return false;
    size_t *named = (size_t *) zhashx_lookup (s_origins, origin);
    if (!named) {
        if (zhashx_size (s_origins) >= LATENESS_ISSUERS_MAX || (named = calloc (1, sizeof *named)) == NULL)
            return false;
        if (zhashx_insert (s_origins, origin, named) != 0) {
            free (named);
            return false;
        }
    }
    if (*named >= LATENESS_PER_ORIGIN_MAX)
        return false;
    (*named)++;
    return true;
}

void
lateness_committed (const Lic__Event *ev, const char *origin, int64_t released_at)
{
    lateness_verdict_t v = ev? lateness_judge (ev->completed_at, released_at, NULL, NULL)
                             : LATENESS_UNDATED;
    if (v == LATENESS_UNDATED)
        return;                         //  left out, as the report leaves it out
    //  The code as kept: its first LATENESS_ISSUER_SIZE - 1 bytes (no
    //  printf per event)
    char issuer [LATENESS_ISSUER_SIZE];
    const char *code = ev->issuer_code? ev->issuer_code: "";
    size_t len = strnlen (code, sizeof issuer - 1);
    memcpy (issuer, code, len);
    issuer [len] = 0;
    pthread_mutex_lock (&s_lock);
    if (!s_table && (s_table = zhashx_new ()) != NULL)
        zhashx_set_destructor (s_table, (zhashx_destructor_fn *) zstr_free);
    lateness_count_t *c = s_table? (lateness_count_t *) zhashx_lookup (s_table, issuer): NULL;
    //  A department not named yet: named if there is room, in all and for
    //  its origin; else counted as `other`.
    bool named = !c && s_table && zhashx_size (s_table) < LATENESS_ISSUERS_MAX
              && s_origin_room (origin? origin: "");
    if (!c && s_table && !named)
        c = (lateness_count_t *) zhashx_lookup (s_table, LATENESS_OTHER);
    if (!c && s_table && (c = calloc (1, sizeof *c)) != NULL) {
        snprintf (c->issuer, sizeof c->issuer, "%s", named? issuer: LATENESS_OTHER);
        if (zhashx_insert (s_table, c->issuer, c) != 0) {
            free (c);
            c = NULL;
        }
    }
    if (c) {
        c->events++;
        if (v == LATENESS_LATE)
            c->late++;
    }
    pthread_mutex_unlock (&s_lock);
}

static int
s_compare (const void *a, const void *b)
{
    const char *x = ((const lateness_count_t *) a)->issuer;
    const char *y = ((const lateness_count_t *) b)->issuer;
    bool xo = strcmp (x, LATENESS_OTHER) == 0, yo = strcmp (y, LATENESS_OTHER) == 0;
    return xo != yo? (xo? 1: -1): strcmp (x, y);
}

size_t
lateness_counts (lateness_count_t **out)
{
    *out = NULL;
    size_t n = 0;
    pthread_mutex_lock (&s_lock);
    size_t size = s_table? zhashx_size (s_table): 0;
    lateness_count_t *all = size? malloc (size * sizeof *all): NULL;
    for (lateness_count_t *c = all? (lateness_count_t *) zhashx_first (s_table): NULL; c;
         c = (lateness_count_t *) zhashx_next (s_table))
        all [n++] = *c;
    pthread_mutex_unlock (&s_lock);
    if (n)
        qsort (all, n, sizeof *all, s_compare);
    else {
        free (all);
        all = NULL;
    }
    *out = all;
    return n;
}

void
lateness_reset (void)
{
    pthread_mutex_lock (&s_lock);
    zhashx_destroy (&s_table);
    zhashx_destroy (&s_origins);
    pthread_mutex_unlock (&s_lock);
}
