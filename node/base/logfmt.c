/*  logfmt.c -- logfmt lines with levels (see logfmt.h).

    The level and the output are atomics, so any thread may log while
    main() sets them; a line is assembled on the stack and handed to
    stdio in one fwrite, which holds the stream's lock for the whole
    line.  Control characters are escaped in msg and in quoted values
    and blanked in the caller's fields, so a value sent by a peer cannot
    start a forged line.
*/
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include "node/base/logfmt.h"

#define S_TRUNCATED " truncated=1"

static atomic_int s_level = LOGFMT_INFO;
static _Atomic (FILE *) s_out = NULL;

static const char *s_names [] = { "error", "warn", "info", "debug" };

int
logfmt_level_from_name (const char *name)
{
    for (int i = LOGFMT_ERROR; name && i <= LOGFMT_DEBUG; i++)
        if (strcmp (name, s_names [i]) == 0)
            return i;
    return -1;
}

int
logfmt_set_level (const char *name)
{
    int level = logfmt_level_from_name (name);
    if (level < 0)
        return ERR_BAD_FIELD;
    atomic_store (&s_level, level);
    return ERR_OK;
}

bool
logfmt_enabled (int level)
{
    return level >= LOGFMT_ERROR && level <= atomic_load (&s_level);
}

void
logfmt_set_output (FILE *out)
{
    atomic_store (&s_out, out);
}

//  Bytes in the UTF-8 character starting with lead (1 for a stray byte).
static size_t
s_utf8_len (unsigned char lead)
{
    return lead >= 0xF0 && lead < 0xF8? 4: lead >= 0xE0? 3: lead >= 0xC0? 2: 1;
}

//  Writes "value", escaped, into out (room bytes, NUL included); cuts at
//  a character boundary so the quotes always close, and then sets *cut.
//  Returns the length.
static size_t
s_quote (char *out, size_t room, const char *value, bool *cut)
{
    if (room < 3) {
        if (room)
            *out = 0;
        *cut = true;
        return 0;
    }
    size_t n = 0;
    out [n++] = '"';
    const unsigned char *s = (const unsigned char *) (value? value: "");
    while (*s) {
        char esc [8];
        size_t len;
        const char *piece = esc;
        if (*s == '"' || *s == '\\') {
            esc [0] = '\\';
            esc [1] = (char) *s;
            len = 2;
        }
        else
        if (*s == '\n' || *s == '\r' || *s == '\t') {
            esc [0] = '\\';
            esc [1] = *s == '\n'? 'n': *s == '\r'? 'r': 't';
            len = 2;
        }
        else
        if (*s < 0x20 || *s == 0x7F)
            len = (size_t) snprintf (esc, sizeof esc, "\\u%04x", *s);
        else {
            piece = (const char *) s;
            len = s_utf8_len (*s);
            for (size_t i = 1; i < len; i++)
                if (s [i] == 0) {
                    len = i;    //  a truncated character at the end
                    break;
                }
        }
        if (n + len + 2 > room) {           //  closing quote and NUL
            *cut = true;
            break;
        }
        memcpy (out + n, piece, len);
        n += len;
        s += piece == esc? 1: len;
    }
    out [n++] = '"';
    out [n] = 0;
    return n;
}

const char *
logfmt_quote (char *buf, size_t size, const char *value)
{
    bool cut = false;
    s_quote (buf, size, value, &cut);
    return buf;
}

//  "ts=2026-11-27T13:50:00.123Z level=info msg=" into line.
static size_t
s_prefix (char *line, size_t size, int level)
{
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r (&now.tv_sec, &tm);
    char stamp [32];
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    int n = snprintf (line, size, "ts=%s.%03dZ level=%s msg=", stamp,
                      (int) (now.tv_nsec / 1000000), s_names [level]);
    return n > 0 && (size_t) n < size? (size_t) n: 0;
}

void
logfmt_log (int level, const char *msg, const char *fields, ...)
{
    if (!logfmt_enabled (level))
        return;
    char line [LOGFMT_LINE_MAX];
    //  Everything but the final newline and NUL, and room to say it was cut.
    size_t budget = sizeof line - 2 - strlen (S_TRUNCATED);
    size_t n = s_prefix (line, budget, level);
    bool cut = false;
    n += s_quote (line + n, budget - n + 1, msg, &cut);
    if (fields && *fields && (cut || n + 1 >= budget))
        cut = true;
    else
    if (fields && *fields) {
        line [n++] = ' ';
        va_list ap;
        va_start (ap, fields);
        int k = vsnprintf (line + n, budget - n + 1, fields, ap);
        va_end (ap);
        size_t start = n;
        if (k < 0)
            k = 0;
        if ((size_t) k > budget - n) {
            cut = true;
            n = budget;
            //  Drop a character the cut left incomplete.
            size_t lead = n;
            while (lead > start && ((unsigned char) line [lead - 1] & 0xC0) == 0x80)
                lead--;
            if (lead > start && (unsigned char) line [lead - 1] >= 0xC0
            &&  lead - 1 + s_utf8_len ((unsigned char) line [lead - 1]) > n)
                n = lead - 1;
        }
        else
            n += (size_t) k;
        for (size_t i = start; i < n; i++)
            if ((unsigned char) line [i] < 0x20 || line [i] == 0x7F)
                line [i] = ' ';
    }
    if (cut) {
        memcpy (line + n, S_TRUNCATED, strlen (S_TRUNCATED));
        n += strlen (S_TRUNCATED);
    }
    line [n++] = '\n';
    FILE *out = atomic_load (&s_out);
    fwrite (line, 1, n, out? out: stderr);
    fflush (out? out: stderr);
}

void
logfmt_msgf (int level, const char *fmt, ...)
{
    if (!logfmt_enabled (level))
        return;
    char msg [LOGFMT_LINE_MAX];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (msg, sizeof msg, fmt, ap);
    va_end (ap);
    logfmt_log (level, msg, NULL);
}
