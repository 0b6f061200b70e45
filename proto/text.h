/*  text.h -- the one rule on strings that come from outside (proto/README.md section 2):
    every string field of every message a node accepts is
    UTF-8 text of a bounded length, so that what it stores, signs,
    replicates and answers parses in every protobuf runtime (Python,
    Java and Go refuse a `string` that is not UTF-8) and prints safely
    in logs and terminals.

    Text is RFC 3629 UTF-8: no overlong forms, no surrogates
    (U+D800..U+DFFF), nothing above U+10FFFF, no stray or missing
    continuation bytes.  Control characters are refused too, except TAB,
    LF and CR (a note or a seal description may span lines): C0
    (U+0000..U+001F), DEL (U+007F) and C1 (U+0080..U+009F) can rewrite a
    terminal or a log line (ESC, CSI) and have no place in a license.
    Other code points are not judged here (bidirectional controls,
    unassigned code points, noncharacters are let through).

    Pure functions: no allocation except text_dup, no I/O.
*/
#ifndef LICREPO_TEXT_H
#define LICREPO_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/err.h"

//  Checks s (NULL reads as ""): ERR_OK if it is text (above) of at most
//  max_bytes bytes, ERR_TOO_LARGE if it is longer (whatever it holds:
//  no byte past max_bytes is read), ERR_BAD_FIELD if it is not text.  If
//  chars is not NULL, it receives the number of code points on ERR_OK.
int MUST_CHECK
    text_check (const char *s, size_t max_bytes, size_t *chars);

//  The number of code points of s (NULL reads as ""), a string already
//  known to be text (text_check passed on it, e.g. at the door:
//  evcheck_envelope): its bytes that are not continuation bytes
//  (0x80..0xBF), which is the count text_check gives.  No check: of a
//  string that is not text the number means nothing.
size_t
    text_count_chars (const char *s);

//  A malloc'd copy of s (NULL reads as "") that is text: at most
//  max_bytes bytes, cut on a character boundary, each byte that breaks
//  the rule above replaced by U+FFFD (so the copy may be shorter than
//  max_bytes).  For recording what a peer sent, e.g. the fields of a
//  refused query in its audit record.  NULL if out of memory.
char *
    text_dup (const char *s, size_t max_bytes);

//  n with a comma every three digits ("1,234,567"), as licrepo prints
//  counts; returns buf.
const char *
    text_count (uint64_t n, char buf [32]);

#endif
