/*  test_lifecycle.c -- the license lifecycle table (proto/lifecycle.c).

    The expected table below is written out cell by cell from README "Lifecycle"
    item 3, independently of the rule table in lifecycle.c, and every
    (status, pledged, op) combination is compared with it.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include "proto/lifecycle.h"

#define ID "11100000000013338W011" "11430000006122244L" "20230000403" "001U"

#define NONE        LIC__STATUS__STATUS_NONE
#define VALID       LIC__STATUS__STATUS_VALID
#define SUSPENDED   LIC__STATUS__STATUS_SUSPENDED
#define WITHDRAWN   LIC__STATUS__STATUS_WITHDRAWN
#define CANCELLED   LIC__STATUS__STATUS_CANCELLED
#define EXPIRED     LIC__STATUS__STATUS_EXPIRED
#define TRANSFERRED LIC__STATUS__STATUS_TRANSFERRED_OUT
#define REVOKED     LIC__STATUS__STATUS_REVOKED
#define OTHER       LIC__STATUS__STATUS_OTHER

static const Lic__Status s_statuses [] = {
    NONE, VALID, SUSPENDED, WITHDRAWN, CANCELLED, EXPIRED, TRANSFERRED,
    REVOKED, OTHER
};
#define N_STATUSES  (sizeof s_statuses / sizeof s_statuses [0])
#define OP_FIRST    LIC__OP__OP_ISSUE
#define OP_LAST     LIC__OP__OP_PLEDGE_RELEASE

//  Every legal cell; all others must be refused
typedef struct {
    Lic__Status from;
    bool pledged;
    Lic__Op op;
    Lic__Status to;
    bool pledged_after;
} legal_t;

static const legal_t s_legal [] = {
    //  No license yet: only issue (the pledge flag means nothing)
    { NONE,      false, LIC__OP__OP_ISSUE,             VALID,       false },
    { NONE,      true,  LIC__OP__OP_ISSUE,             VALID,       false },
    //  Valid, not pledged
    { VALID,     false, LIC__OP__OP_ALTER,             VALID,       false },
    { VALID,     false, LIC__OP__OP_ANNUAL_INSPECTION, VALID,       false },
    { VALID,     false, LIC__OP__OP_EXTEND,            VALID,       false },
    { VALID,     false, LIC__OP__OP_SUSPEND,           SUSPENDED,   false },
    { VALID,     false, LIC__OP__OP_WITHDRAW,          WITHDRAWN,   false },
    { VALID,     false, LIC__OP__OP_REVOKE,            REVOKED,     false },
    { VALID,     false, LIC__OP__OP_CANCEL,            CANCELLED,   false },
    { VALID,     false, LIC__OP__OP_TRANSFER_OUT,      TRANSFERRED, false },
    { VALID,     false, LIC__OP__OP_PLEDGE,            VALID,       true  },
    //  Valid, pledged: no alter, cancel, transfer or second pledge
    { VALID,     true,  LIC__OP__OP_ANNUAL_INSPECTION, VALID,       true  },
    { VALID,     true,  LIC__OP__OP_EXTEND,            VALID,       true  },
    { VALID,     true,  LIC__OP__OP_SUSPEND,           SUSPENDED,   true  },
    { VALID,     true,  LIC__OP__OP_WITHDRAW,          WITHDRAWN,   false },
    { VALID,     true,  LIC__OP__OP_REVOKE,            REVOKED,     false },
    { VALID,     true,  LIC__OP__OP_PLEDGE_RELEASE,    VALID,       false },
    //  Suspended, not pledged
    { SUSPENDED, false, LIC__OP__OP_REINSTATE,         VALID,       false },
    { SUSPENDED, false, LIC__OP__OP_WITHDRAW,          WITHDRAWN,   false },
    { SUSPENDED, false, LIC__OP__OP_REVOKE,            REVOKED,     false },
    { SUSPENDED, false, LIC__OP__OP_CANCEL,            CANCELLED,   false },
    //  Suspended, pledged
    { SUSPENDED, true,  LIC__OP__OP_REINSTATE,         VALID,       true  },
    { SUSPENDED, true,  LIC__OP__OP_WITHDRAW,          WITHDRAWN,   false },
    { SUSPENDED, true,  LIC__OP__OP_REVOKE,            REVOKED,     false },
    { SUSPENDED, true,  LIC__OP__OP_PLEDGE_RELEASE,    SUSPENDED,   false },
    //  Withdrawn, cancelled, expired, transferred out, revoked, other:
    //  nothing at all
};
#define N_LEGAL     (sizeof s_legal / sizeof s_legal [0])

static const legal_t *
s_find_legal (Lic__Status status, bool pledged, Lic__Op op)
{
    for (size_t i = 0; i < N_LEGAL; i++)
        if (s_legal [i].from == status && s_legal [i].pledged == pledged
        &&  s_legal [i].op == op)
            return &s_legal [i];
    return NULL;
}

static Lic__Event
s_event (Lic__Op op, uint32_t expected_version)
{
    Lic__Event ev = LIC__EVENT__INIT;
    ev.version = 1;
    ev.op = op;
    ev.license_id = ID;
    ev.expected_version = expected_version;
    return ev;
}

static lifecycle_pos_t
s_pos (Lic__Status status, bool pledged, uint32_t version)
{
    lifecycle_pos_t pos = { status, pledged, version };
    return pos;
}


//  --------------------------------------------------------------------
//  The table

static void
test_every_cell_matches_expected_table (void)
{
    size_t legal_seen = 0;
    for (size_t s = 0; s < N_STATUSES; s++)
    for (int pledged = 0; pledged <= 1; pledged++)
    for (int op = OP_FIRST; op <= OP_LAST; op++) {
        Lic__Status status = s_statuses [s];
        uint32_t version = status == NONE? 0: 4;
        lifecycle_pos_t cur = s_pos (status, pledged, version);
        lifecycle_pos_t next = s_pos (OTHER, true, 12345);
        Lic__Event ev = s_event ((Lic__Op) op, version);
        char why [256] = "";
        const legal_t *cell = s_find_legal (status, pledged, (Lic__Op) op);
        int rc = lifecycle_step (&cur, &ev, &next, why, sizeof why);
        assert (lifecycle_legal (status, pledged, (Lic__Op) op)
                == (cell != NULL));
        if (cell) {
            legal_seen++;
            assert (rc == ERR_OK);
            assert (next.status == cell->to);
            assert (next.pledged == cell->pledged_after);
            assert (next.version == version + 1);
            continue;
        }
        if (status == NONE)
            assert (rc == ERR_NOT_FOUND);
        else
        if (op == LIC__OP__OP_ISSUE)
            assert (rc == ERR_EXISTS);
        else
            assert (rc == ERR_ILLEGAL_OP);
        assert (*why);
        //  A refused step leaves *next alone
        assert (next.status == OTHER && next.pledged && next.version == 12345);
    }
    assert (legal_seen == N_LEGAL);
}

static void
test_issue_starts_at_version_one (void)
{
    lifecycle_pos_t cur = s_pos (NONE, false, 0), next;
    Lic__Event ev = s_event (LIC__OP__OP_ISSUE, 0);
    assert (lifecycle_step (&cur, &ev, &next, NULL, 0) == ERR_OK);
    assert (next.status == VALID && !next.pledged && next.version == 1);
}

static void
test_scripted_history (void)
{
    //  issue, pledge, extend, suspend, reinstate, release, alter, cancel
    const Lic__Op script [] = {
        LIC__OP__OP_ISSUE, LIC__OP__OP_PLEDGE, LIC__OP__OP_EXTEND,
        LIC__OP__OP_SUSPEND, LIC__OP__OP_REINSTATE,
        LIC__OP__OP_PLEDGE_RELEASE, LIC__OP__OP_ALTER, LIC__OP__OP_CANCEL
    };
    lifecycle_pos_t pos = s_pos (NONE, false, 0);
    for (size_t i = 0; i < sizeof script / sizeof script [0]; i++) {
        Lic__Event ev = s_event (script [i], pos.version);
        assert (lifecycle_step (&pos, &ev, &pos, NULL, 0) == ERR_OK);
        assert (pos.version == i + 1);
    }
    assert (pos.status == CANCELLED && !pos.pledged && pos.version == 8);
    Lic__Event ev = s_event (LIC__OP__OP_REINSTATE, 8);
    assert (lifecycle_step (&pos, &ev, &pos, NULL, 0) == ERR_ILLEGAL_OP);
}


//  --------------------------------------------------------------------
//  Versions and error order

static void
test_version_mismatch_is_reported (void)
{
    lifecycle_pos_t cur = s_pos (VALID, false, 4), next;
    char why [256] = "";
    Lic__Event ev = s_event (LIC__OP__OP_ALTER, 3);
    assert (lifecycle_step (&cur, &ev, &next, why, sizeof why)
            == ERR_VERSION_MISMATCH);
    assert (strstr (why, "expected version 3 but license is at version 4"));
    ev.expected_version = 5;
    assert (lifecycle_step (&cur, &ev, &next, NULL, 0)
            == ERR_VERSION_MISMATCH);
    ev.expected_version = 4;
    assert (lifecycle_step (&cur, &ev, &next, NULL, 0) == ERR_OK);
    assert (next.version == 5);
}

static void
test_issue_needs_expected_version_zero (void)
{
    lifecycle_pos_t cur = s_pos (NONE, false, 0), next;
    Lic__Event ev = s_event (LIC__OP__OP_ISSUE, 1);
    assert (lifecycle_step (&cur, &ev, &next, NULL, 0)
            == ERR_VERSION_MISMATCH);
}

static void
test_errors_come_in_header_order (void)
{
    lifecycle_pos_t next;
    char why [256];
    //  Unknown op beats everything
    lifecycle_pos_t none = s_pos (NONE, false, 0);
    Lic__Event ev = s_event (LIC__OP__OP_NONE, 9);
    assert (lifecycle_step (&none, &ev, &next, NULL, 0) == ERR_MALFORMED);
    ev.op = (Lic__Op) 13;
    assert (lifecycle_step (&none, &ev, &next, NULL, 0) == ERR_MALFORMED);
    ev.op = (Lic__Op) -1;
    assert (lifecycle_step (&none, &ev, &next, NULL, 0) == ERR_MALFORMED);
    //  Missing license beats a wrong version
    ev = s_event (LIC__OP__OP_ALTER, 9);
    assert (lifecycle_step (&none, &ev, &next, why, sizeof why)
            == ERR_NOT_FOUND);
    assert (strstr (why, "license " ID " does not exist"));
    //  Existing license beats a wrong version
    lifecycle_pos_t valid = s_pos (VALID, false, 4);
    ev = s_event (LIC__OP__OP_ISSUE, 9);
    assert (lifecycle_step (&valid, &ev, &next, why, sizeof why)
            == ERR_EXISTS);
    assert (strstr (why, "already exists"));
    //  Illegal op beats a wrong version
    lifecycle_pos_t revoked = s_pos (REVOKED, false, 4);
    ev = s_event (LIC__OP__OP_REINSTATE, 9);
    assert (lifecycle_step (&revoked, &ev, &next, NULL, 0) == ERR_ILLEGAL_OP);
}

static void
test_refusals_explain_themselves (void)
{
    lifecycle_pos_t next;
    char why [256];
    lifecycle_pos_t pledged = s_pos (VALID, true, 4);
    Lic__Event ev = s_event (LIC__OP__OP_ALTER, 4);
    assert (lifecycle_step (&pledged, &ev, &next, why, sizeof why)
            == ERR_ILLEGAL_OP);
    assert (strcmp (why, "operation alter is not allowed while the "
                         "license is pledged") == 0);
    ev.op = LIC__OP__OP_PLEDGE;
    assert (lifecycle_step (&pledged, &ev, &next, why, sizeof why)
            == ERR_ILLEGAL_OP);
    assert (strstr (why, "already pledged"));
    lifecycle_pos_t free_ = s_pos (SUSPENDED, false, 4);
    ev.op = LIC__OP__OP_PLEDGE_RELEASE;
    assert (lifecycle_step (&free_, &ev, &next, why, sizeof why)
            == ERR_ILLEGAL_OP);
    assert (strstr (why, "not pledged"));
    lifecycle_pos_t withdrawn = s_pos (WITHDRAWN, false, 4);
    ev.op = LIC__OP__OP_EXTEND;
    assert (lifecycle_step (&withdrawn, &ev, &next, why, sizeof why)
            == ERR_ILLEGAL_OP);
    assert (strcmp (why, "operation extend is not allowed in status "
                         "withdrawn") == 0);
    //  A NULL or zero-sized why is simply not written
    assert (lifecycle_step (&withdrawn, &ev, &next, NULL, 0)
            == ERR_ILLEGAL_OP);
    why [0] = 'x';
    assert (lifecycle_step (&withdrawn, &ev, &next, why, 0)
            == ERR_ILLEGAL_OP);
    assert (why [0] == 'x');
}

static void
test_last_version_cannot_advance (void)
{
    lifecycle_pos_t cur = s_pos (VALID, false, UINT32_MAX), next;
    Lic__Event ev = s_event (LIC__OP__OP_EXTEND, UINT32_MAX);
    assert (lifecycle_step (&cur, &ev, &next, NULL, 0) == ERR_ILLEGAL_OP);
    cur.version = UINT32_MAX - 1;
    ev.expected_version = UINT32_MAX - 1;
    assert (lifecycle_step (&cur, &ev, &next, NULL, 0) == ERR_OK);
    assert (next.version == UINT32_MAX);
}


//  --------------------------------------------------------------------
//  Expiry

//  Unix times around civil midnights of UTC+8
#define T_20261127_0000     1795708800      //  2026-11-27 00:00:00 +08
#define T_20261127_2359     1795795199      //  2026-11-27 23:59:59 +08
#define T_20261128_0000     1795795200      //  2026-11-28 00:00:00 +08
#define T_20261231_2359     1798732799
#define T_20270101_0000     1798732800
#define T_20240229_2359     1709222399
#define T_20240301_0000     1709222400
#define T_19691231_2359     (-28801)
#define T_19700101_0000     (-28800)

static void
test_valid_through_its_last_day (void)
{
    const char *to = "2026-11-27";
    assert (lifecycle_effective_status (VALID, to, T_20261127_0000 - 86400)
            == VALID);
    assert (lifecycle_effective_status (VALID, to, T_20261127_0000) == VALID);
    assert (lifecycle_effective_status (VALID, to, T_20261127_2359) == VALID);
    assert (lifecycle_effective_status (VALID, to, T_20261128_0000)
            == EXPIRED);
    assert (lifecycle_effective_status (SUSPENDED, to, T_20261127_2359)
            == SUSPENDED);
    assert (lifecycle_effective_status (SUSPENDED, to, T_20261128_0000)
            == EXPIRED);
}

static void
test_expiry_across_year_and_leap_day (void)
{
    assert (lifecycle_effective_status (VALID, "2026-12-31", T_20261231_2359)
            == VALID);
    assert (lifecycle_effective_status (VALID, "2026-12-31", T_20270101_0000)
            == EXPIRED);
    assert (lifecycle_effective_status (VALID, "2024-02-29", T_20240229_2359)
            == VALID);
    assert (lifecycle_effective_status (VALID, "2024-02-29", T_20240301_0000)
            == EXPIRED);
    assert (lifecycle_effective_status (VALID, "1969-12-31", T_19691231_2359)
            == VALID);
    assert (lifecycle_effective_status (VALID, "1969-12-31", T_19700101_0000)
            == EXPIRED);
}

static void
test_expiry_only_touches_valid_and_suspended (void)
{
    const Lic__Status others [] = {
        NONE, WITHDRAWN, CANCELLED, TRANSFERRED, REVOKED, OTHER, EXPIRED
    };
    for (size_t i = 0; i < sizeof others / sizeof others [0]; i++)
        assert (lifecycle_effective_status (others [i], "2000-01-01",
                                            T_20261128_0000) == others [i]);
}

static void
test_open_ended_never_expires (void)
{
    assert (lifecycle_effective_status (VALID, "", T_20261128_0000) == VALID);
    assert (lifecycle_effective_status (VALID, NULL, T_20261128_0000)
            == VALID);
    //  A date evcheck would refuse is not guessed at
    assert (lifecycle_effective_status (VALID, "2000-02-30", T_20261128_0000)
            == VALID);
}


//  --------------------------------------------------------------------
//  Names and codes

static void
test_status_names_and_codes (void)
{
    struct {
        Lic__Status status;
        const char *name;
        const char *code;
    } table [] = {
        { VALID, "valid", "01" },
        { SUSPENDED, "suspended", "02" },
        { WITHDRAWN, "withdrawn", "03" },
        { CANCELLED, "cancelled", "04" },
        { EXPIRED, "expired", "05" },
        { TRANSFERRED, "transferred_out", "06" },
        { REVOKED, "revoked", "07" },
        { OTHER, "other", "99" },
        { NONE, "none", "00" },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++) {
        assert (strcmp (lifecycle_status_name (table [i].status),
                        table [i].name) == 0);
        assert (strcmp (lifecycle_status_code (table [i].status),
                        table [i].code) == 0);
    }
    assert (strcmp (lifecycle_status_name ((Lic__Status) 42), "unknown")
            == 0);
}

static void
test_op_names_round_trip (void)
{
    const char *names [] = {
        "issue", "alter", "annual_inspection", "extend", "suspend",
        "reinstate", "withdraw", "revoke", "cancel", "transfer_out",
        "pledge", "pledge_release"
    };
    for (int op = OP_FIRST; op <= OP_LAST; op++) {
        const char *name = lifecycle_op_name ((Lic__Op) op);
        assert (strcmp (name, names [op - OP_FIRST]) == 0);
        assert ((int) lifecycle_op_parse (name) == op);
    }
    assert (lifecycle_op_parse ("none") == LIC__OP__OP_NONE);
    assert (lifecycle_op_parse ("Issue") == LIC__OP__OP_NONE);
    assert (lifecycle_op_parse ("issue ") == LIC__OP__OP_NONE);
    assert (lifecycle_op_parse ("") == LIC__OP__OP_NONE);
    assert (lifecycle_op_parse (NULL) == LIC__OP__OP_NONE);
    assert (strcmp (lifecycle_op_name ((Lic__Op) 13), "unknown") == 0);
}

static void
test_time_text_is_rfc3339_in_utc8 (void)
{
    char t [LIFECYCLE_TIME_SIZE];
    assert (strcmp (lifecycle_time_text (1764203101, t), "2025-11-27T08:25:01+08:00") == 0);
    //  16:00 UTC is midnight of the next day in UTC+8.
    assert (strcmp (lifecycle_time_text (1764259200, t), "2025-11-28T00:00:00+08:00") == 0);
    assert (strcmp (lifecycle_time_text (LIFECYCLE_TIME_MIN, t), "1990-01-01T08:00:00+08:00") == 0);
    //  Outside the window: the number, never a wrong date.
    assert (strcmp (lifecycle_time_text (-1, t), "-1") == 0);
    assert (strcmp (lifecycle_time_text (INT64_MIN, t), "-9223372036854775808") == 0);
    assert (strcmp (lifecycle_time_text (LIFECYCLE_TIME_MAX, t), "4102444800") == 0);
}

//  One date as printf writes it: the reference lifecycle_date_text must match
static void
s_check_date (int64_t year, int month, int day)
{
    char got [LIFECYCLE_DAY_SIZE], want [64];
    memset (got, 'x', sizeof got);
    bool ok = lifecycle_date_text (year, month, day, got);
    bool in_range = year >= 0 && year <= 9999 && month >= 0 && month <= 99
                 && day >= 0 && day <= 99;
    assert (ok == in_range);
    if (!in_range) {
        assert (got [0] == 0);
        return;
    }
    int n = snprintf (want, sizeof want, "%04d-%02d-%02d", (int) year, month, day);
    assert (n == LIFECYCLE_DAY_SIZE - 1);
    assert (memcmp (got, want, LIFECYCLE_DAY_SIZE) == 0);
}

static void
test_date_text_matches_printf (void)
{
    //  Every year with dates that exercise each digit position
    for (int64_t year = 0; year <= 9999; year++) {
        s_check_date (year, (int) (year % 13), (int) (year % 32));
        s_check_date (year, 12, 31);
    }
    //  Every month and day of a few years, the out-of-calendar 0 and 99 too
    int64_t years [] = { 0, 1, 9, 10, 99, 100, 999, 1000, 1990, 2026, 2099, 9999 };
    for (size_t y = 0; y < sizeof years / sizeof years [0]; y++)
        for (int month = 0; month <= 99; month++)
            for (int day = 0; day <= 99; day++)
                s_check_date (years [y], month, day);
    //  Outside: refused, never a wrong or longer date
    int64_t bad_years [] = { -1, -9999, 10000, 99999, INT32_MAX, (int64_t) INT32_MAX + 1,
                             INT64_MAX, INT64_MIN };
    for (size_t y = 0; y < sizeof bad_years / sizeof bad_years [0]; y++)
        s_check_date (bad_years [y], 1, 1);
    int bad [] = { -1, 100, 1000, INT32_MAX, INT32_MIN };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        s_check_date (2026, bad [i], 1);
        s_check_date (2026, 1, bad [i]);
    }
}

//  Every day of the time window, at its first and last second in UTC+8,
//  against gmtime: lifecycle_day is that date
static void
test_day_matches_gmtime (void)
{
    char day [LIFECYCLE_DAY_SIZE], want [32];
    int64_t first = LIFECYCLE_TIME_MIN - (LIFECYCLE_TIME_MIN + 8 * 3600) % 86400;
    for (int64_t t = first; t < LIFECYCLE_TIME_MAX; t += 86400) {
        int64_t probes [] = { t, t + 86399, t + 43200 };
        for (int i = 0; i < 3; i++) {
            int64_t p = probes [i];
            bool in = p >= LIFECYCLE_TIME_MIN && p < LIFECYCLE_TIME_MAX;
            assert (lifecycle_day (p, day) == in);
            if (!in) {
                assert (day [0] == 0);
                continue;
            }
            time_t local = (time_t) (p + 8 * 3600);
            struct tm tm;
            assert (gmtime_r (&local, &tm));
            assert (strftime (want, sizeof want, "%Y-%m-%d", &tm) == 10);
            assert (strcmp (day, want) == 0);
        }
    }
    assert (!lifecycle_day (LIFECYCLE_TIME_MAX, day) && day [0] == 0);
    assert (!lifecycle_day (INT64_MIN, day) && day [0] == 0);
    assert (!lifecycle_day (INT64_MAX, day) && day [0] == 0);
}

int
main (void)
{
    test_every_cell_matches_expected_table ();
    test_issue_starts_at_version_one ();
    test_scripted_history ();
    test_version_mismatch_is_reported ();
    test_issue_needs_expected_version_zero ();
    test_errors_come_in_header_order ();
    test_refusals_explain_themselves ();
    test_last_version_cannot_advance ();
    test_valid_through_its_last_day ();
    test_expiry_across_year_and_leap_day ();
    test_expiry_only_touches_valid_and_suspended ();
    test_open_ended_never_expires ();
    test_status_names_and_codes ();
    test_op_names_round_trip ();
    test_time_text_is_rfc3339_in_utc8 ();
    test_date_text_matches_printf ();
    test_day_matches_gmtime ();
    printf ("test_lifecycle: 17 cases OK\n");
    return 0;
}
