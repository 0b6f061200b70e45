/*  test_logfmt.c -- line format, escaping, level filtering, truncation
    and whole lines under concurrent writers, captured through a
    tmpfile() given to logfmt_set_output.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "node/base/logfmt.h"

static FILE *s_out;

//  What was logged since the last call (caller frees).
static char *
s_take (void)
{
    fflush (s_out);
    long size = ftell (s_out);
    assert (size >= 0);
    char *text = malloc ((size_t) size + 1);
    assert (text);
    rewind (s_out);
    assert (fread (text, 1, (size_t) size, s_out) == (size_t) size);
    text [size] = 0;
    rewind (s_out);
    assert (ftruncate (fileno (s_out), 0) == 0);
    return text;
}

//  Checks "ts=YYYY-MM-DDTHH:MM:SS.mmmZ " and returns what follows.
static const char *
s_after_ts (const char *line)
{
    int y, mo, d, h, mi, s, ms;
    char z;
    assert (strncmp (line, "ts=", 3) == 0);
    assert (sscanf (line, "ts=%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &s, &ms, &z) == 8);
    assert (z == 'Z' && y >= 2024 && mo >= 1 && mo <= 12 && ms >= 0 && ms <= 999);
    assert (line [27] == ' ');
    return line + 28;
}

static void
test_line_has_ts_level_quoted_msg_and_fields (void)
{
    assert (logfmt_set_level ("info") == ERR_OK);
    uint64_t from = 42;
    logfmt_info ("uplink streaming", "parent=%s from_seq=%" PRIu64, "330100", from);
    char *text = s_take ();
    assert (strcmp (s_after_ts (text),
                    "level=info msg=\"uplink streaming\" parent=330100 from_seq=42\n") == 0);
    free (text);

    logfmt_error ("stopped", NULL);
    text = s_take ();
    assert (strcmp (s_after_ts (text), "level=error msg=\"stopped\"\n") == 0);
    free (text);
}

static void
test_msg_and_quoted_values_are_escaped (void)
{
    char q [64];
    logfmt_warn ("say \"hi\"\\\nnext\tline\x01", "why=%s", logfmt_quote (q, sizeof q, "a \"b\"\n"));
    char *text = s_take ();
    assert (strcmp (s_after_ts (text),
                    "level=warn msg=\"say \\\"hi\\\"\\\\\\nnext\\tline\\u0001\" why=\"a \\\"b\\\"\\n\"\n") == 0);
    free (text);
    //  UTF-8 passes through; a cut never splits a character.
    logfmt_info ("营业执照", NULL);
    text = s_take ();
    assert (strcmp (s_after_ts (text), "level=info msg=\"营业执照\"\n") == 0);
    free (text);
    assert (strcmp (logfmt_quote (q, 9, "营业执照"), "\"营业\"") == 0);
    assert (strcmp (logfmt_quote (q, 3, "abc"), "\"\"") == 0);
    assert (strcmp (logfmt_quote (q, sizeof q, NULL), "\"\"") == 0);
}

//  A newline in the caller's fields (a peer's text) cannot start a line.
static void
test_fields_cannot_forge_a_line (void)
{
    logfmt_info ("x", "peer=%s", "a\nts=0 level=error msg=\"forged\"");
    char *text = s_take ();
    assert (strchr (text, '\n') == text + strlen (text) - 1);
    assert (strstr (text, "peer=a ts=0 level=error"));
    free (text);
}

static void
test_levels_filter_lines (void)
{
    assert (logfmt_set_level ("warn") == ERR_OK);
    logfmt_debug ("d", NULL);
    logfmt_info ("i", NULL);
    logfmt_warn ("w", NULL);
    logfmt_error ("e", NULL);
    char *text = s_take ();
    assert (!strstr (text, "msg=\"d\"") && !strstr (text, "msg=\"i\""));
    assert (strstr (text, "level=warn msg=\"w\"") && strstr (text, "level=error msg=\"e\""));
    free (text);
    assert (!logfmt_enabled (LOGFMT_INFO) && logfmt_enabled (LOGFMT_WARN));

    assert (logfmt_set_level ("verbose") == ERR_BAD_FIELD);
    assert (logfmt_set_level (NULL) == ERR_BAD_FIELD);
    assert (!logfmt_enabled (LOGFMT_INFO));     //  unchanged
    assert (logfmt_set_level ("debug") == ERR_OK);
    logfmt_debug ("d", NULL);
    text = s_take ();
    assert (strstr (text, "level=debug msg=\"d\""));
    free (text);
    assert (logfmt_level_from_name ("error") == LOGFMT_ERROR);
    assert (logfmt_level_from_name ("info") == LOGFMT_INFO);
    assert (logfmt_level_from_name ("INFO") == -1);
    assert (!logfmt_enabled (-1) && !logfmt_enabled (LOGFMT_DEBUG + 1));
    assert (logfmt_set_level ("info") == ERR_OK);
}

static void
test_long_line_is_cut_and_marked (void)
{
    static char big [LOGFMT_LINE_MAX * 2];
    memset (big, 'v', sizeof big - 1);
    logfmt_info ("long", "k=%s", big);
    char *text = s_take ();
    size_t len = strlen (text);
    assert (len <= LOGFMT_LINE_MAX - 1);
    assert (strcmp (text + len - strlen (" truncated=1\n"), " truncated=1\n") == 0);
    free (text);
    //  A long msg is cut inside its quotes.
    big [LOGFMT_LINE_MAX] = 0;
    logfmt_info (big, "k=1");
    text = s_take ();
    len = strlen (text);
    assert (len <= LOGFMT_LINE_MAX - 1 && text [len - 1] == '\n');
    assert (strstr (text, "vv\" truncated=1\n"));
    free (text);
    //  Multibyte characters are never split by a cut.
    static char wide [LOGFMT_LINE_MAX * 2];
    for (size_t i = 0; i + 3 < sizeof wide; i += 3)
        memcpy (wide + i, "营", 3);
    logfmt_info ("wide", "k=%s", wide);
    text = s_take ();
    char *cut = strstr (text, " truncated=1\n");
    assert (cut && memcmp (cut - 3, "营", 3) == 0);
    free (text);
}

#define S_THREADS 4
#define S_LINES 500

static void *
s_writer (void *arg)
{
    for (int i = 0; i < S_LINES; i++)
        logfmt_info ("concurrent", "thread=%d i=%d pad=%s", (int) (intptr_t) arg, i,
                     "................................................................");
    return NULL;
}

static void
test_concurrent_lines_stay_whole (void)
{
    pthread_t t [S_THREADS];
    for (intptr_t i = 0; i < S_THREADS; i++)
        assert (pthread_create (&t [i], NULL, s_writer, (void *) i) == 0);
    for (int i = 0; i < S_THREADS; i++)
        pthread_join (t [i], NULL);
    char *text = s_take ();
    int lines = 0;
    for (char *line = text; *line; lines++) {
        char *end = strchr (line, '\n');
        assert (end);
        *end = 0;
        const char *rest = s_after_ts (line);
        int th, i;
        assert (sscanf (rest, "level=info msg=\"concurrent\" thread=%d i=%d pad=", &th, &i) == 2);
        assert (th >= 0 && th < S_THREADS && i >= 0 && i < S_LINES);
        assert (strcmp (strstr (line, "pad=") + 4,
                        "................................................................") == 0);
        line = end + 1;
    }
    assert (lines == S_THREADS * S_LINES);
    free (text);
}

int
main (void)
{
    s_out = tmpfile ();
    assert (s_out);
    logfmt_set_output (s_out);
    test_line_has_ts_level_quoted_msg_and_fields ();
    test_msg_and_quoted_values_are_escaped ();
    test_fields_cannot_forge_a_line ();
    test_levels_filter_lines ();
    test_long_line_is_cut_and_marked ();
    test_concurrent_lines_stay_whole ();
    logfmt_set_output (NULL);
    fclose (s_out);
    printf ("test_logfmt: ok\n");
    return 0;
}
