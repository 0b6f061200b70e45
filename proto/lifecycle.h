/*  lifecycle.h -- which operation is legal in which license status.

    The lifecycle table (README "Lifecycle"): nothing after withdrawn,
    revoked, cancelled or transferred out; alteration, cancellation and
    transfer blocked while pledged; suspend/reinstate pair; every accepted
    operation increments the license version, and an event names the
    version it expects.  Expiry is never stored: it is derived from
    valid_to at read time (lifecycle_effective_status), so replaying the
    log gives the same views whatever the clock says.
    Pure functions over generated protobuf-c types; no allocation.
*/
#ifndef LICREPO_LIFECYCLE_H
#define LICREPO_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "proto/err.h"
#include "proto/msg.h"

typedef struct {
    Lic__Status status;     //  stored status; STATUS_NONE if no license yet
    bool pledged;           //  under pledge
    uint32_t version;       //  accepted events so far; 0 if none
} lifecycle_pos_t;

//  Checks that ev->op may follow position cur (cur->status == NONE when
//  the license does not exist) and that ev->expected_version matches.
//  On ERR_OK writes the position after the event into *next.
//  Errors, checked in this order: ERR_MALFORMED (op out of range),
//  ERR_NOT_FOUND (op on a license that does not exist), ERR_EXISTS (issue
//  of an existing license), ERR_ILLEGAL_OP, ERR_VERSION_MISMATCH.
//  If why is not NULL writes a human explanation on error.
int MUST_CHECK
    lifecycle_step (const lifecycle_pos_t *cur, const Lic__Event *ev,
                    lifecycle_pos_t *next, char *why, size_t why_size);

//  True if op is legal in (status, pledged), regardless of versions.
bool
    lifecycle_legal (Lic__Status status, bool pledged, Lic__Op op);

//  Status as of `now`: STATUS_EXPIRED when status is VALID or SUSPENDED
//  and valid_to (YYYY-MM-DD, may be empty) is before now's date (UTC+8,
//  the province's civil date).
Lic__Status
    lifecycle_effective_status (Lic__Status status, const char *valid_to, time_t now);

//  Day count since 1970-01-01 of now's civil date in UTC+8 (the province's
//  date); floors so times before 1970 work, and adds the offset to the
//  remainder so `now` cannot overflow.
int64_t
    lifecycle_today (time_t now);

//  The civil date (proleptic Gregorian) of a day count since 1970-01-01
//  as the number yyyymmdd (H. Hinnant's inverse of days_from_civil).
int64_t
    lifecycle_civil_key (int64_t days);

//  The window every time value of an event must lie in (unix seconds,
//  UTC): from 1990-01-01T00:00:00Z (inclusive) to 2100-01-01T00:00:00Z
//  (exclusive).  Fixed, not relative to the clock, so a check gives the
//  same answer at every node and at every replay; any time in it has a
//  4-digit civil year and is far from overflowing int64 or time_t.
#define LIFECYCLE_TIME_MIN  INT64_C (631152000)     //  1990-01-01T00:00:00Z
#define LIFECYCLE_TIME_MAX  INT64_C (4102444800)    //  2100-01-01T00:00:00Z

//  True if t lies in [LIFECYCLE_TIME_MIN, LIFECYCLE_TIME_MAX).
bool
    lifecycle_time_valid (int64_t t);

//  Bytes of a civil date "YYYY-MM-DD" and its NUL.
#define LIFECYCLE_DAY_SIZE 11

//  Writes year-month-day as "YYYY-MM-DD" into out, the bytes
//  snprintf (out, LIFECYCLE_DAY_SIZE, "%04d-%02d-%02d", ...) writes, without
//  printf's cost (it runs several times per event).  True if year is in
//  0..9999 and month and day in 0..99 (every field its full width, so the
//  date is exactly 10 bytes); otherwise writes "" and returns false.
bool
    lifecycle_date_text (int64_t year, int month, int day, char out [LIFECYCLE_DAY_SIZE]);

//  Writes the civil date (UTC+8) of unix time t as "YYYY-MM-DD" into day,
//  in 64-bit integers (no libc, no overflow for any t).  True if t is in
//  the time window; otherwise writes "" and returns false.  day is always
//  NUL-terminated.
bool
    lifecycle_day (int64_t t, char day [LIFECYCLE_DAY_SIZE]);

//  Bytes of a time "YYYY-MM-DDTHH:MM:SS+08:00" and its NUL (and of any
//  int64 in decimal).
#define LIFECYCLE_TIME_SIZE 26

//  Unix time t as RFC 3339 in the province's civil time (UTC+8), as the
//  rest of licrepo prints times, for messages; a time outside the window
//  is written as the number it is.  Returns out.
const char *
    lifecycle_time_text (int64_t t, char out [LIFECYCLE_TIME_SIZE]);

//  Unix time t as licctl shows times to people: "2026-11-27 10:00:00
//  +08:00" (UTC+8); "-" for 0 or a time the offset does not fit.
//  Returns buf or a constant string.
const char *
    lifecycle_time_shown (int64_t t, char buf [32]);

//  Two-digit national status code ("01".."07", "99").
const char *
    lifecycle_status_code (Lic__Status status);

//  Lower-case names: "valid", "issue", "annual_inspection" ...
const char *
    lifecycle_status_name (Lic__Status status);
const char *
    lifecycle_op_name (Lic__Op op);

//  Parses an op name as lifecycle_op_name writes it.  OP_NONE if unknown.
Lic__Op
    lifecycle_op_parse (const char *name);

#endif
