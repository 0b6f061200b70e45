/*  text.c -- the one rule on strings that come from outside (text.h).

    One table of lead bytes (s_lead) and one decoder of a UTF-8
    character (s_char) serve both the check and the sanitising copy, so
    what text_dup writes is exactly what text_check accepts; text_check
    only adds a loop over runs of printable ASCII around the same
    decoder.  tests/test_text.c holds the former per-character decoder
    and compares both functions against it on every short sequence.
    Deliberately does not normalise (NFC), judge scripts or count display
    width: a value is kept byte for byte as the sender signed it, or
    refused.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <stdio.h>
#include "proto/text.h"

#define S_REPLACEMENT "\xEF\xBF\xBD"   //  U+FFFD, what text_dup writes for a bad byte
#define S_REPLACEMENT_LEN 3

//  What a byte may start: len is the length of the character (1 for
//  printable ASCII and TAB, LF, CR; 0 for a byte no text character
//  starts with, and for NUL), and lo..hi the range its second byte must
//  be in; every further byte is a plain continuation (0x80..0xBF).
//  The ranges carry RFC 3629's rules (table 3-7 of Unicode), so no
//  code point is ever assembled:
//    C2       A0..BF   C1 controls U+0080..U+009F are C2 80..C2 9F
//    C3..DF   80..BF   (C0, C1 only start overlong forms)
//    E0       A0..BF   E0 80..E0 9F would be overlong
//    E1..EC   80..BF
//    ED       80..9F   ED A0..ED BF are the surrogates U+D800..U+DFFF
//    EE..EF   80..BF
//    F0       90..BF   F0 80..F0 8F would be overlong
//    F1..F3   80..BF
//    F4       80..8F   F4 90.. is above U+10FFFF (F5.. too)
//  plain marks the leads of 3-byte characters whose two further bytes
//  are any continuation (E1..EC, EE, EF: CJK is E3..E9), which
//  text_check takes on a shorter path.  Four bytes an entry, so that an
//  index is a plain scaled address.
typedef struct {
    uint8_t len, lo, hi, plain;
} s_lead_t;

#define S_ASCII { 1, 0, 0, 0 }
#define S_ASCII_15 S_ASCII, S_ASCII, S_ASCII, S_ASCII, S_ASCII, S_ASCII, S_ASCII, S_ASCII, \
                   S_ASCII, S_ASCII, S_ASCII, S_ASCII, S_ASCII, S_ASCII, S_ASCII
#define S_ASCII_16 S_ASCII_15, S_ASCII
#define S_TWO { 2, 0x80, 0xBF, 0 }
#define S_TWO_16 S_TWO, S_TWO, S_TWO, S_TWO, S_TWO, S_TWO, S_TWO, S_TWO, \
                 S_TWO, S_TWO, S_TWO, S_TWO, S_TWO, S_TWO, S_TWO, S_TWO
#define S_THREE { 3, 0x80, 0xBF, 1 }

static const s_lead_t s_lead [256] = {
    //  0x00..0x1F: C0 controls (and NUL, the end) refused, but TAB, LF and CR
    [0x09] = S_ASCII, [0x0A] = S_ASCII, [0x0D] = S_ASCII,
    [0x20] = S_ASCII_16, S_ASCII_16, S_ASCII_16, S_ASCII_16, S_ASCII_16, S_ASCII_15,
    //  0x7F (DEL) refused; 0x80..0xC1: continuations, and leads of overlong forms
    [0xC2] = { 2, 0xA0, 0xBF, 0 }, S_TWO, S_TWO, S_TWO, S_TWO, S_TWO, S_TWO, S_TWO,
    S_TWO, S_TWO, S_TWO, S_TWO, S_TWO, S_TWO,
    [0xD0] = S_TWO_16,
    [0xE0] = { 3, 0xA0, 0xBF, 0 }, S_THREE, S_THREE, S_THREE, S_THREE, S_THREE, S_THREE,
    S_THREE, S_THREE, S_THREE, S_THREE, S_THREE, S_THREE,
    [0xED] = { 3, 0x80, 0x9F, 0 }, S_THREE, S_THREE,
    [0xF0] = { 4, 0x90, 0xBF, 0 }, { 4, 0x80, 0xBF, 0 }, { 4, 0x80, 0xBF, 0 }, { 4, 0x80, 0xBF, 0 },
    [0xF4] = { 4, 0x80, 0x8F, 0 },
    //  0xF5..0xFF: nothing
};

static inline bool
s_continuation (unsigned c)
{
    return (c & 0xC0) == 0x80;
}

//  Length (1..4) of the character at p if it is text (text.h), else 0.
//  p is NUL-terminated and not at its NUL; a NUL fails the range and
//  continuation tests, and they are made in order, so nothing past it
//  is read.
static inline size_t
s_char (const unsigned char *p)
{
    s_lead_t l = s_lead [p [0]];
    if (l.len <= 1)
        return l.len;
    if (p [1] < l.lo || p [1] > l.hi)
        return 0;
    if (l.len >= 3 && !s_continuation (p [2]))
        return 0;
    if (l.len == 4 && !s_continuation (p [3]))
        return 0;
    return l.len;
}

//  text_check once p [at] (a character boundary, at <= max_bytes) is
//  not text, or the bound is near; n characters are before it.  As the
//  rule reads: the length first (reading at most up to p [max_bytes]),
//  then the characters.  Out of line, so that the loop of text_check
//  is a leaf that keeps to a few registers.
static int __attribute__ ((noinline, cold))
s_check_rest (const unsigned char *p, size_t at, size_t n, size_t max_bytes, size_t *chars)
{
    size_t room = max_bytes - at;       //  bytes from p [at] that stay within the bound
    if (room < SIZE_MAX && strnlen ((const char *) p + at, room + 1) > room)
        return ERR_TOO_LARGE;
    while (p [at]) {
        size_t l = s_char (p + at);
        if (l == 0)
            return ERR_BAD_FIELD;
        at += l;
        n++;
    }
    if (chars)
        *chars = n;
    return ERR_OK;
}

int
text_check (const char *s, size_t max_bytes, size_t *chars)
{
    const unsigned char *p = (const unsigned char *) (s? s: "");
    size_t at = 0, n = 0;
    //  One pass, never reading past p [max_bytes]: while at least 8
    //  bytes are left before the bound, whole characters (at most 4
    //  bytes) and up to 8 ASCII bytes are read without further length
    //  tests, each byte after a NUL-tested one.  The end of the string
    //  ends it; anything else goes to s_check_rest, which says why
    //  (too long wins over not text, text.h).
    while (max_bytes - at >= 8) {
        const unsigned char *q = p + at;
        s_lead_t l = s_lead [q [0]];
        if (l.len == 1) {
            //  A run of printable ASCII: most fields (codes, dates, keys)
            size_t k = 1;
            while (k < 8 && s_lead [q [k]].len == 1)
                k++;
            at += k;
            n += k;
        }
        else
        if (l.plain) {
            //  A run of CJK (and other 3-byte characters of E1..EC, EE,
            //  EF): most names and values
            do {
                if (!s_continuation (q [1]) || !s_continuation (q [2]))
                    return s_check_rest (p, at, n, max_bytes, chars);
                at += 3;
                n++;
                q += 3;
            } while (max_bytes - at >= 8 && s_lead [q [0]].plain);
        }
        else
        if (q [0] == 0) {
            if (chars)
                *chars = n;
            return ERR_OK;
        }
        else {
            size_t len = s_char (q);
            if (len == 0)
                break;
            at += len;
            n++;
        }
    }
    return s_check_rest (p, at, n, max_bytes, chars);
}

size_t
text_count_chars (const char *s)
{
    //  Text is UTF-8: every character has one lead byte, and only its
    //  further bytes are continuations (10xxxxxx): the count is the
    //  length less those.  Eight bytes at a time within the length (a
    //  continuation has bit 7 set and bit 6 clear; the flags, one per
    //  byte, are summed by one multiplication), then byte by byte.
    const unsigned char *p = (const unsigned char *) (s? s: "");
    size_t len = strlen ((const char *) p), continuations = 0, i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t w;
        memcpy (&w, p + i, 8);
        uint64_t flags = (w & ~(w << 1)) & 0x8080808080808080u;
        continuations += (size_t) (((flags >> 7) * 0x0101010101010101u) >> 56);
    }
    for (; i < len; i++)
        continuations += s_continuation (p [i]);
    return len - continuations;
}

char *
text_dup (const char *s, size_t max_bytes)
{
    const unsigned char *p = (const unsigned char *) (s? s: "");
    //  At most max_bytes, and at most three bytes (U+FFFD) for each byte
    //  of the input that is read.
    size_t len = strnlen ((const char *) p, max_bytes);
    size_t cap = len <= max_bytes / S_REPLACEMENT_LEN? len * S_REPLACEMENT_LEN: max_bytes;
    char *out = malloc (cap + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    while (*p) {
        size_t l = s_char (p);
        const char *piece = l? (const char *) p: S_REPLACEMENT;
        size_t piece_len = l? l: S_REPLACEMENT_LEN;
        if (n + piece_len > cap)
            break;
        memcpy (out + n, piece, piece_len);
        n += piece_len;
        p += l? l: 1;
    }
    out [n] = 0;
    return out;
}

const char *
text_count (uint64_t n, char buf [32])
{
    char digits [24];
    int len = snprintf (digits, sizeof digits, "%" PRIu64, n), o = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            buf [o++] = ',';
        buf [o++] = digits [i];
    }
    buf [o] = 0;
    return buf;
}
