/*  test_progress -- the progress lines of long runs (node/common/progress.h):
    counts with separators, rate, share and time left, durations, and
    at most one line an interval.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "node/common/progress.h"

static void
test_counts_and_durations_read_well (void)
{
    char b [32];
    assert (strcmp (progress_count (0, b), "0") == 0);
    assert (strcmp (progress_count (999, b), "999") == 0);
    assert (strcmp (progress_count (1000, b), "1,000") == 0);
    assert (strcmp (progress_count (1234567, b), "1,234,567") == 0);
    assert (strcmp (progress_count (UINT64_MAX, b), "18,446,744,073,709,551,615") == 0);
    assert (strcmp (progress_duration (0, b), "0 s") == 0);
    assert (strcmp (progress_duration (59, b), "59 s") == 0);
    assert (strcmp (progress_duration (65, b), "1 min 05 s") == 0);
    assert (strcmp (progress_duration (7620, b), "2 h 07 min") == 0);
    assert (strcmp (progress_duration (-3, b), "0 s") == 0);
}

static void
test_a_line_says_how_many_of_how_many_and_time_left (void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    progress_t pr;
    progress_init (&pr, out, "licnode check: replayed", "log entries", 1000000, 50);
    progress_line_at (&pr, 250000, pr.started_ms + 10000);     //  10 s after the start
    fclose (out);
    //  25,000/s for 750,000 more: 30 s left.
    assert (strcmp (text, "licnode check: replayed 250,000 of 1,000,000 log entries (25%), "
                          "25,000/s, about 30 s left\n") == 0);
    free (text);
    //  Unknown total: no share, no time left.
    out = open_memstream (&text, &size);
    progress_init (&pr, out, "licctl publish:", "events answered", 0, 50);
    progress_line_at (&pr, 100, pr.started_ms + 2000);
    fclose (out);
    assert (strcmp (text, "licctl publish: 100 events answered, 50/s\n") == 0);
    free (text);
}

static void
test_steps_print_at_most_once_an_interval (void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    progress_t pr;
    progress_init (&pr, out, "x:", "items", 10, 100);
    assert (!progress_step (&pr, 1));          //  not before the first interval
    struct timespec nap = { 0, 120 * 1000000 };
    nanosleep (&nap, NULL);
    assert (progress_step (&pr, 2));
    assert (!progress_step (&pr, 3));
    fclose (out);
    assert (strncmp (text, "x: 2 of 10 items (20%)", 22) == 0 && !strchr (text, '\n')[1]);
    free (text);
    //  No stream: nothing written, nothing breaks.
    progress_init (&pr, NULL, "x:", "items", 0, 1);
    progress_line (&pr, 5);
}

int
main (void)
{
    test_counts_and_durations_read_well ();
    test_a_line_says_how_many_of_how_many_and_time_left ();
    test_steps_print_at_most_once_an_interval ();
    printf ("test_progress: 3 cases OK\n");
    return 0;
}
