/*  lateness.h -- the same-day rule (regulation Art. 7-8), in one place.

    An event must reach the repository on the day its business was
    completed (Art. 7: generated at the time of completion; Art. 8:
    released the same day).  It is late when the civil day (UTC+8,
    lifecycle_day) on which it was released -- committed to this node's
    log -- is later than the civil day of its completed_at.
    lateness_judge is that rule; the lateness report (licctl report
    lateness, admin.c) and the counter below both call it.

    The counter: events committed here since start per issuing department,
    and how many of them late (licrepo_late_events_total{issuer} in
    metrics.c, the dashboard's same-day table).  The pipeline counts an
    event once it is durable here: at the node its department publishes
    to when its publish is durable (ingest_requests.c), and at every node
    above when the batch that applied it from a child is durable
    (replica.c), so the province counts every department of the province.
    It is judged with the release time at its origin, which the log
    records for it at every level (LogEntry.received_at) and the report
    reads, so every level and the report agree.  (An entry applied later
    from the quarantine, by a retry or an operator's release, is not
    counted: rare, and the report still has it.)

    At most LATENESS_ISSUERS_MAX departments are counted by name (a
    province's), and at most LATENESS_PER_ORIGIN_MAX of one origin
    division (so one county that registers thousands of departments cannot
    push every other county's into `other`); the events of any further
    one under LATENESS_OTHER: at
    most LATENESS_ISSUERS_MAX + 1 rows of sizeof (lateness_count_t) (40
    bytes) plus the hash table's own (about 60 bytes a row), some 1.6 MB.  In
    memory only: it starts from 0 at a restart (a Prometheus counter).

    One table per process (a licnode process runs one node), behind a
    mutex: the pipeline counts and the metrics read on the server's
    thread, the lock keeps any other caller (tests) safe.
*/
#ifndef LICREPO_LATENESS_H
#define LICREPO_LATENESS_H

#include <stddef.h>
#include <stdint.h>
#include "proto/lifecycle.h"
#include "proto/msg.h"

#define LATENESS_ISSUERS_MAX 16384      //  departments counted by name
#define LATENESS_PER_ORIGIN_MAX 2048    //  of them, from one origin division
#define LATENESS_ISSUER_SIZE 24         //  bytes of an issuer code kept, NUL included
#define LATENESS_OTHER "other"          //  the issuer label of any further department

typedef enum {
    LATENESS_UNDATED = -1,              //  a time outside lifecycle_day's window: left out
    LATENESS_ON_TIME = 0,               //  released on the day it was completed (or before)
    LATENESS_LATE = 1                   //  released on a later day
} lateness_verdict_t;

//  The same-day rule for an event completed at completed_at and released
//  (committed to the log) at released_at, unix seconds.  day, if not NULL,
//  gets the civil date (UTC+8) of completion ("" when undated); delay_s,
//  if not NULL, the seconds from the end of that day to the release when
//  late, else 0.
lateness_verdict_t
    lateness_judge (int64_t completed_at, int64_t released_at, char day [LIFECYCLE_DAY_SIZE],
                    int64_t *delay_s);

//  Counts ev, durable in this node's log, of origin division `origin`,
//  released (LogEntry.received_at) at unix time released_at (NULL:
//  nothing).
void
    lateness_committed (const Lic__Event *ev, const char *origin, int64_t released_at);

//  One department's figures since start.
typedef struct {
    char issuer [LATENESS_ISSUER_SIZE];
    uint64_t events;                    //  events committed here (dated ones)
    uint64_t late;                      //  of which late
} lateness_count_t;

//  Every department counted, sorted by issuer (LATENESS_OTHER last):
//  *out malloc'd (caller frees), the number returned; 0 and NULL if
//  nothing was counted or out of memory.
size_t
    lateness_counts (lateness_count_t **out);

//  Forgets every count (tests).
void
    lateness_reset (void);

#endif
