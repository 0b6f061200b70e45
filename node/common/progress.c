/*  progress.c -- periodic progress lines (see progress.h).  */
#include <inttypes.h>
#include <time.h>
#include "node/common/progress.h"
#include "proto/text.h"

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
progress_init (progress_t *self, FILE *out, const char *what, const char *unit,
               uint64_t total, int64_t interval_ms)
{
    self->out = out;
    self->what = what;
    self->unit = unit;
    self->total = total;
    self->started_ms = self->last_ms = s_now_ms ();
    self->interval_ms = interval_ms > 0? interval_ms: PROGRESS_INTERVAL_MS;
}

void
progress_set_total (progress_t *self, uint64_t total)
{
    self->total = total;
}

int64_t
progress_elapsed_ms (const progress_t *self)
{
    return s_now_ms () - self->started_ms;
}

const char *
progress_count (uint64_t n, char buf [32])
{
    return text_count (n, buf);
}

const char *
progress_duration (int64_t seconds, char buf [32])
{
    if (seconds < 0)
        seconds = 0;
    if (seconds < 60)
        snprintf (buf, 32, "%d s", (int) seconds);
    else
    if (seconds < 3600)
        snprintf (buf, 32, "%d min %02d s", (int) (seconds / 60), (int) (seconds % 60));
    else
        snprintf (buf, 32, "%" PRId64 " h %02d min", seconds / 3600, (int) (seconds / 60 % 60));
    return buf;
}

void
progress_line (progress_t *self, uint64_t done)
{
    progress_line_at (self, done, s_now_ms ());
}

void
progress_line_at (progress_t *self, uint64_t done, int64_t now_ms)
{
    self->last_ms = now_ms;
    if (!self->out)
        return;
    char a [32], b [32], r [32], left [32];
    int64_t ms = self->last_ms - self->started_ms;
    double rate = ms > 0? (double) done * 1000.0 / (double) ms: 0;
    fprintf (self->out, "%s %s", self->what, progress_count (done, a));
    if (self->total)
        fprintf (self->out, " of %s", progress_count (self->total, b));
    fprintf (self->out, " %s", self->unit);
    if (self->total)
        fprintf (self->out, " (%d%%)", (int) (done >= self->total? 100: done * 100 / self->total));
    fprintf (self->out, ", %s/s", progress_count ((uint64_t) (rate + 0.5), r));
    if (self->total && done < self->total && rate > 0)
        fprintf (self->out, ", about %s left",
                 progress_duration ((int64_t) ((double) (self->total - done) / rate + 0.5), left));
    fprintf (self->out, "\n");
    fflush (self->out);
}

bool
progress_step (progress_t *self, uint64_t done)
{
    if (s_now_ms () - self->last_ms < self->interval_ms)
        return false;
    progress_line (self, done);
    return true;
}
