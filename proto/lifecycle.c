/*  lifecycle.c -- which operation is legal in which license status
    (lifecycle.h; README "Lifecycle").

    The whole rule set is the table below; lifecycle_legal reads it and
    lifecycle_step applies it.  Deliberately does not: look at event
    content (evcheck.c does), store anything, or read a clock: expiry is
    computed from the `now` the caller passes, and never stored, so a
    replayed log yields the same stored statuses whatever the date.

    Lifecycle table.  "pledge" is the condition on the pledge flag (any,
    free = must not be pledged, held = must be pledged); "after" is the
    flag after the op (kept, clear, set); "same" keeps the status.

    | op                | from status      | pledge | to status       | after |
    |-------------------|------------------|--------|-----------------|-------|
    | issue             | none             | any    | valid           | clear |
    | alter             | valid            | free   | same            | kept  |
    | annual_inspection | valid            | any    | same            | kept  |
    | extend            | valid            | any    | same            | kept  |
    | suspend           | valid            | any    | suspended       | kept  |
    | reinstate         | suspended        | any    | valid           | kept  |
    | withdraw          | valid, suspended | any    | withdrawn       | clear |
    | revoke            | valid, suspended | any    | revoked         | clear |
    | cancel            | valid, suspended | free   | cancelled       | clear |
    | transfer_out      | valid            | free   | transferred_out | clear |
    | pledge            | valid            | free   | same            | set   |
    | pledge_release    | valid, suspended | held   | same            | clear |

    "none" is a license not issued yet: any op but issue there is
    ERR_NOT_FOUND, and issue anywhere else is ERR_EXISTS.
    Withdrawn, cancelled, revoked, transferred_out and other allow no
    operation at all; expired is never stored and allows none either (an
    expired license is stored as valid or suspended, so extend still
    works on it).  Every accepted operation sets version to the current
    version + 1 (issue: 1) and requires expected_version == current.
*/
#include <assert.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "proto/licid.h"
#include "proto/lifecycle.h"

#define S_OP_MAX    LIC__OP__OP_PLEDGE_RELEASE

//  Bits of a set of statuses
#define S_NONE      (1u << LIC__STATUS__STATUS_NONE)
#define S_VALID     (1u << LIC__STATUS__STATUS_VALID)
#define S_SUSPENDED (1u << LIC__STATUS__STATUS_SUSPENDED)

typedef enum {
    S_PLEDGE_ANY,               //  pledge flag does not matter
    S_PLEDGE_FORBIDDEN,         //  only when not pledged
    S_PLEDGE_REQUIRED           //  only when pledged
} s_pledge_rule_t;

typedef enum {
    S_AFTER_SAME,               //  pledge flag unchanged
    S_AFTER_CLEAR,              //  pledge flag cleared
    S_AFTER_SET                 //  pledge flag set
} s_pledge_after_t;

typedef struct {
    const char *name;           //  lifecycle_op_name
    unsigned from;              //  set of statuses the op may follow
    s_pledge_rule_t pledge;     //  condition on the pledge flag
    Lic__Status to;             //  status after; NONE = unchanged
    s_pledge_after_t after;     //  pledge flag after
} s_rule_t;

//  Indexed by Lic__Op; the table in the file header, as data
static const s_rule_t s_rules [S_OP_MAX + 1] = {
    [LIC__OP__OP_NONE] =
        { "none", 0, S_PLEDGE_ANY, LIC__STATUS__STATUS_NONE, S_AFTER_SAME },
    [LIC__OP__OP_ISSUE] =
        { "issue", S_NONE, S_PLEDGE_ANY,
          LIC__STATUS__STATUS_VALID, S_AFTER_CLEAR },
    [LIC__OP__OP_ALTER] =
        { "alter", S_VALID, S_PLEDGE_FORBIDDEN,
          LIC__STATUS__STATUS_NONE, S_AFTER_SAME },
    [LIC__OP__OP_ANNUAL_INSPECTION] =
        { "annual_inspection", S_VALID, S_PLEDGE_ANY,
          LIC__STATUS__STATUS_NONE, S_AFTER_SAME },
    [LIC__OP__OP_EXTEND] =
        { "extend", S_VALID, S_PLEDGE_ANY,
          LIC__STATUS__STATUS_NONE, S_AFTER_SAME },
    [LIC__OP__OP_SUSPEND] =
        { "suspend", S_VALID, S_PLEDGE_ANY,
          LIC__STATUS__STATUS_SUSPENDED, S_AFTER_SAME },
    [LIC__OP__OP_REINSTATE] =
        { "reinstate", S_SUSPENDED, S_PLEDGE_ANY,
          LIC__STATUS__STATUS_VALID, S_AFTER_SAME },
    [LIC__OP__OP_WITHDRAW] =
        { "withdraw", S_VALID | S_SUSPENDED, S_PLEDGE_ANY,
          LIC__STATUS__STATUS_WITHDRAWN, S_AFTER_CLEAR },
    [LIC__OP__OP_REVOKE] =
        { "revoke", S_VALID | S_SUSPENDED, S_PLEDGE_ANY,
          LIC__STATUS__STATUS_REVOKED, S_AFTER_CLEAR },
    [LIC__OP__OP_CANCEL] =
        { "cancel", S_VALID | S_SUSPENDED, S_PLEDGE_FORBIDDEN,
          LIC__STATUS__STATUS_CANCELLED, S_AFTER_CLEAR },
    [LIC__OP__OP_TRANSFER_OUT] =
        { "transfer_out", S_VALID, S_PLEDGE_FORBIDDEN,
          LIC__STATUS__STATUS_TRANSFERRED_OUT, S_AFTER_CLEAR },
    [LIC__OP__OP_PLEDGE] =
        { "pledge", S_VALID, S_PLEDGE_FORBIDDEN,
          LIC__STATUS__STATUS_NONE, S_AFTER_SET },
    [LIC__OP__OP_PLEDGE_RELEASE] =
        { "pledge_release", S_VALID | S_SUSPENDED, S_PLEDGE_REQUIRED,
          LIC__STATUS__STATUS_NONE, S_AFTER_CLEAR },
};


//  --------------------------------------------------------------------
//  Helpers


static bool
s_op_known (Lic__Op op)
{
    return (unsigned) op > LIC__OP__OP_NONE && (unsigned) op <= S_OP_MAX;
}

//  Set bit of a status; 0 for values outside the small range we index
static unsigned
s_status_bit (Lic__Status status)
{
    //  The enum may be signed or unsigned: compare as unsigned
    if ((unsigned) status > LIC__STATUS__STATUS_SUSPENDED)
        return 0;
    return 1u << status;
}

static bool
s_pledge_ok (s_pledge_rule_t rule, bool pledged)
{
    return rule == S_PLEDGE_ANY
        || (rule == S_PLEDGE_FORBIDDEN && !pledged)
        || (rule == S_PLEDGE_REQUIRED && pledged);
}


//  --------------------------------------------------------------------
//  Legality and steps

bool
lifecycle_legal (Lic__Status status, bool pledged, Lic__Op op)
{
    if (!s_op_known (op))
        return false;
    const s_rule_t *rule = &s_rules [op];
    return (rule->from & s_status_bit (status)) != 0
        && s_pledge_ok (rule->pledge, pledged);
}

//  Explains why op is illegal in cur; caller knows it is
static void
s_why_illegal (const lifecycle_pos_t *cur, Lic__Op op,
               char *why, size_t why_size)
{
    const s_rule_t *rule = &s_rules [op];
    if (!(rule->from & s_status_bit (cur->status)))
        err_why (why, why_size,
               "operation %s is not allowed in status %s", rule->name,
               lifecycle_status_name (cur->status));
    else
    if (rule->pledge == S_PLEDGE_FORBIDDEN && op == LIC__OP__OP_PLEDGE)
        err_why (why, why_size, "operation pledge is not allowed: "
               "the license is already pledged");
    else
    if (rule->pledge == S_PLEDGE_FORBIDDEN)
        err_why (why, why_size, "operation %s is not allowed while the "
               "license is pledged", rule->name);
    else
        err_why (why, why_size, "operation %s is not allowed: "
               "the license is not pledged", rule->name);
}

int
lifecycle_step (const lifecycle_pos_t *cur, const Lic__Event *ev,
                lifecycle_pos_t *next, char *why, size_t why_size)
{
    assert (cur && ev && next);
    Lic__Op op = ev->op;
    const char *id = ev->license_id && *ev->license_id?
                     ev->license_id: "(no id)";
    if (!s_op_known (op)) {
        err_why (why, why_size, "operation %d is missing or unknown", (int) op);
        return ERR_MALFORMED;
    }
    bool exists = cur->status != LIC__STATUS__STATUS_NONE;
    if (!exists && op != LIC__OP__OP_ISSUE) {
        err_why (why, why_size, "license %s does not exist; operation %s "
               "needs an issued license", id, s_rules [op].name);
        return ERR_NOT_FOUND;
    }
    if (exists && op == LIC__OP__OP_ISSUE) {
        err_why (why, why_size, "license %s already exists (status %s, "
               "version %u)", id, lifecycle_status_name (cur->status),
               (unsigned) cur->version);
        return ERR_EXISTS;
    }
    if (!lifecycle_legal (cur->status, cur->pledged, op)) {
        s_why_illegal (cur, op, why, why_size);
        return ERR_ILLEGAL_OP;
    }
    //  A license that does not exist is at version 0, whatever cur says
    uint32_t version = exists? cur->version: 0;
    if (version == UINT32_MAX) {
        err_why (why, why_size, "license %s is at the last possible version "
               "%u", id, (unsigned) version);
        return ERR_ILLEGAL_OP;
    }
    if (ev->expected_version != version) {
        err_why (why, why_size, "expected version %u but license is at "
               "version %u", (unsigned) ev->expected_version,
               (unsigned) version);
        return ERR_VERSION_MISMATCH;
    }
    const s_rule_t *rule = &s_rules [op];
    lifecycle_pos_t after = *cur;
    if (rule->to != LIC__STATUS__STATUS_NONE)
        after.status = rule->to;
    if (rule->after == S_AFTER_CLEAR)
        after.pledged = false;
    else
    if (rule->after == S_AFTER_SET)
        after.pledged = true;
    after.version = version + 1;
    *next = after;
    return ERR_OK;
}


//  --------------------------------------------------------------------
//  Expiry

int64_t
lifecycle_civil_key (int64_t days)
{
    days += 719468;
    int64_t era = (days >= 0? days: days - 146096) / 146097;
    int64_t doe = days - era * 146097;                      //  0..146096
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  //  0..365
    int64_t mp = (5 * doy + 2) / 153;                       //  0..11
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10? mp + 3: mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    return year * 10000 + month * 100 + day;
}

int64_t
lifecycle_today (time_t now)
{
    int64_t t = (int64_t) now;
    int64_t days = t / 86400;
    int64_t secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days -= 1;
    }
    if (secs + 8 * 3600 >= 86400)
        days += 1;
    return days;
}

bool
lifecycle_time_valid (int64_t t)
{
    return t >= LIFECYCLE_TIME_MIN && t < LIFECYCLE_TIME_MAX;
}

//  Writes the `width` low decimal digits of v (0 <= v < 10^width) at out
static void
s_digits (char *out, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        out [i] = (char) ('0' + v % 10);
        v /= 10;
    }
}

bool
lifecycle_date_text (int64_t year, int month, int day, char out [LIFECYCLE_DAY_SIZE])
{
    out [0] = 0;
    if (year < 0 || year > 9999 || month < 0 || month > 99 || day < 0 || day > 99)
        return false;
    s_digits (out, year, 4);
    out [4] = '-';
    s_digits (out + 5, month, 2);
    out [7] = '-';
    s_digits (out + 8, day, 2);
    out [10] = 0;
    return true;
}

bool
lifecycle_day (int64_t t, char day [LIFECYCLE_DAY_SIZE])
{
    day [0] = 0;
    if (!lifecycle_time_valid (t))
        return false;
    //  Years 1990..2100: 4 digits, so "YYYY-MM-DD" is exactly 10 bytes.
    int64_t key = lifecycle_civil_key (lifecycle_today ((time_t) t));
    return lifecycle_date_text (key / 10000, (int) (key / 100 % 100), (int) (key % 100), day);
}

const char *
lifecycle_time_text (int64_t t, char out [LIFECYCLE_TIME_SIZE])
{
    char day [LIFECYCLE_DAY_SIZE];
    if (!lifecycle_day (t, day)) {
        //  Outside the window: the number itself, never a wrong date.
        snprintf (out, LIFECYCLE_TIME_SIZE, "%" PRId64, t);
        return out;
    }
    int64_t secs = (t % 86400 + 86400 + 8 * 3600) % 86400;     //  UTC+8 time of day
    snprintf (out, LIFECYCLE_TIME_SIZE, "%sT%02d:%02d:%02d+08:00", day, (int) (secs / 3600),
              (int) (secs / 60 % 60), (int) (secs % 60));
    return out;
}

Lic__Status
lifecycle_effective_status (Lic__Status status, const char *valid_to,
                            time_t now)
{
    if (status != LIC__STATUS__STATUS_VALID
    &&  status != LIC__STATUS__STATUS_SUSPENDED)
        return status;
    //  Open-ended, or a date evcheck would have refused: cannot expire
    if (!valid_to || !licid_date_valid (valid_to))
        return status;
    int64_t year = (valid_to [0] - '0') * 1000 + (valid_to [1] - '0') * 100
                 + (valid_to [2] - '0') * 10 + (valid_to [3] - '0');
    int64_t month = (valid_to [5] - '0') * 10 + (valid_to [6] - '0');
    int64_t day = (valid_to [8] - '0') * 10 + (valid_to [9] - '0');
    int64_t last_day = year * 10000 + month * 100 + day;
    //  valid through the whole of its valid_to day
    if (last_day < lifecycle_civil_key (lifecycle_today (now)))
        return LIC__STATUS__STATUS_EXPIRED;
    return status;
}


//  --------------------------------------------------------------------
//  Names and codes

const char *
lifecycle_status_code (Lic__Status status)
{
    switch (status) {
        case LIC__STATUS__STATUS_NONE:            return "00";
        case LIC__STATUS__STATUS_VALID:           return "01";
        case LIC__STATUS__STATUS_SUSPENDED:       return "02";
        case LIC__STATUS__STATUS_WITHDRAWN:       return "03";
        case LIC__STATUS__STATUS_CANCELLED:       return "04";
        case LIC__STATUS__STATUS_EXPIRED:         return "05";
        case LIC__STATUS__STATUS_TRANSFERRED_OUT: return "06";
        case LIC__STATUS__STATUS_REVOKED:         return "07";
        case LIC__STATUS__STATUS_OTHER:           return "99";
        default:                                  break;
    }
    return "99";
}

const char *
lifecycle_status_name (Lic__Status status)
{
    switch (status) {
        case LIC__STATUS__STATUS_NONE:            return "none";
        case LIC__STATUS__STATUS_VALID:           return "valid";
        case LIC__STATUS__STATUS_SUSPENDED:       return "suspended";
        case LIC__STATUS__STATUS_WITHDRAWN:       return "withdrawn";
        case LIC__STATUS__STATUS_CANCELLED:       return "cancelled";
        case LIC__STATUS__STATUS_EXPIRED:         return "expired";
        case LIC__STATUS__STATUS_TRANSFERRED_OUT: return "transferred_out";
        case LIC__STATUS__STATUS_REVOKED:         return "revoked";
        case LIC__STATUS__STATUS_OTHER:           return "other";
        default:                                  break;
    }
    return "unknown";
}

const char *
lifecycle_op_name (Lic__Op op)
{
    if ((unsigned) op > S_OP_MAX)
        return "unknown";
    return s_rules [op].name;
}

Lic__Op
lifecycle_op_parse (const char *name)
{
    if (!name)
        return LIC__OP__OP_NONE;
    for (int op = LIC__OP__OP_NONE + 1; op <= S_OP_MAX; op++)
        if (strcmp (name, s_rules [op].name) == 0)
            return (Lic__Op) op;
    return LIC__OP__OP_NONE;
}

const char *
lifecycle_time_shown (int64_t t, char buf [32])
{
    struct tm tm;
    //  t may come from a node or a witness: any int64 (a cosignature's
    //  time is up to 2^63 - 1), so the offset is added only where it fits.
    if (t == 0 || t > INT64_MAX - 8 * 3600)
        return "-";
    time_t local = (time_t) (t + 8 * 3600);
    if (!gmtime_r (&local, &tm) || !strftime (buf, 32, "%Y-%m-%d %H:%M:%S +08:00", &tm))
        return "-";
    return buf;
}
