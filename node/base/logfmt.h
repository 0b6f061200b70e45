/*  logfmt.h -- the node's log: one logfmt line per event, with levels.

        ts=2026-11-27T13:50:00.123Z level=info msg="uplink streaming" parent=330100 from_seq=42

    ts is UTC with milliseconds, level one of error, warn, info, debug,
    msg always quoted and escaped; the fields after it are the caller's
    printf format, written as given (so "key=%s" with a value that may
    hold spaces or quotes goes through logfmt_quote).  A line is built in
    a buffer and written with one fwrite, so lines from several threads
    never interleave; a line longer than LOGFMT_LINE_MAX is cut and ends
    with truncated=1.

    Deliberately not here: files, rotation, syslog (stderr is collected
    by the service manager), sampling or rate limiting.
*/
#ifndef LICREPO_LOGFMT_H
#define LICREPO_LOGFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "proto/err.h"

#define LOGFMT_LINE_MAX 4096        //  bytes per line, newline included

typedef enum {
    LOGFMT_ERROR = 0,               //  the node cannot do part of its job
    LOGFMT_WARN = 1,                //  a peer or input misbehaved; handled
    LOGFMT_INFO = 2,                //  state changes an operator wants to see
    LOGFMT_DEBUG = 3                //  everything else
} logfmt_level_t;

//  The level named "error", "warn", "info" or "debug", or -1.
int
    logfmt_level_from_name (const char *name);

//  Lines above this level are dropped (default "info").  ERR_OK, or
//  ERR_BAD_FIELD for an unknown name (the level is then unchanged).
int MUST_CHECK
    logfmt_set_level (const char *name);

//  True if a line at level would be written (to skip costly fields).
bool
    logfmt_enabled (int level);

//  Where lines go: out is borrowed and must stay open until the next
//  call; NULL means stderr (the default).  For tests.
void
    logfmt_set_output (FILE *out);

//  Writes one line at level: msg is quoted and escaped, then fields (a
//  printf format, NULL for none) follows after a space.  Thread-safe.
void
    logfmt_log (int level, const char *msg, const char *fields, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Writes one line at level whose msg is the printf-formatted text (for
//  messages that are sentences rather than fields).
void
    logfmt_msgf (int level, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#define logfmt_error(...)   logfmt_log (LOGFMT_ERROR, __VA_ARGS__)
#define logfmt_warn(...)    logfmt_log (LOGFMT_WARN, __VA_ARGS__)
#define logfmt_info(...)    logfmt_log (LOGFMT_INFO, __VA_ARGS__)
#define logfmt_debug(...)   logfmt_log (LOGFMT_DEBUG, __VA_ARGS__)

//  Writes value into buf as a quoted, escaped logfmt value ("a \"b\"")
//  and returns buf, for a "%s" in fields.  Cut to fit size (>= 3).
const char *
    logfmt_quote (char *buf, size_t size, const char *value);

#endif
