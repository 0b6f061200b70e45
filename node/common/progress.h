/*  progress.h -- periodic progress lines for long runs (licctl publish
    --file, licnode check, restore, rebuild): how many of how many, the
    rate, and the time left, on a stream of the caller's (stderr), at
    most once an interval, so an operator knows a long run is alive and
    when it will end.  Not a terminal widget: plain lines, fit for logs
    and journals.  Deliberately does not know what it counts.
*/
#ifndef LICREPO_PROGRESS_H
#define LICREPO_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    FILE *out;                      //  where the lines go (NULL: nowhere)
    const char *what;               //  line prefix, e.g. "licnode check: replayed"
    const char *unit;               //  what is counted, e.g. "log entries"
    uint64_t total;                 //  how many in all; 0 if not known
    int64_t started_ms;             //  monotonic ms at progress_init
    int64_t last_ms;                //  when the last line was written
    int64_t interval_ms;            //  least time between two lines
} progress_t;

#define PROGRESS_INTERVAL_MS 2000   //  the default interval

//  Starts counting now.  what and unit are borrowed for self's lifetime.
void
    progress_init (progress_t *self, FILE *out, const char *what, const char *unit,
                   uint64_t total, int64_t interval_ms);

//  Sets the total once it is known (0: still unknown).
void
    progress_set_total (progress_t *self, uint64_t total);

//  `done` of them so far: writes a line if the interval has passed since
//  the last one (or since the start).  Returns true if it wrote one.
bool
    progress_step (progress_t *self, uint64_t done);

//  Writes the line for `done` now, whatever the interval.
void
    progress_line (progress_t *self, uint64_t done);

//  The same at monotonic time now_ms (what progress_line does with the
//  clock's time; tests give it a time, so the line does not depend on
//  how fast the machine runs).
void
    progress_line_at (progress_t *self, uint64_t done, int64_t now_ms);

//  Milliseconds since progress_init.
int64_t
    progress_elapsed_ms (const progress_t *self);

//  Writes n with thousands separators ("1,234,567") into buf; returns buf.
const char *
    progress_count (uint64_t n, char buf [32]);

//  Writes a duration in seconds as "45 s", "3 min 05 s" or "2 h 07 min"
//  into buf; returns buf.
const char *
    progress_duration (int64_t seconds, char buf [32]);

#endif
