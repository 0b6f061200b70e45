/*  text.c -- the one rule on strings that come from outside (text.h).

    One decoder of a UTF-8 character (s_char) serves both the check and
    the sanitising copy, so what text_dup writes is exactly what
    text_check accepts.  Deliberately does not normalise (NFC), judge
    scripts or count display width: a value is kept byte for byte as the
    sender signed it, or refused.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <stdio.h>
#include "proto/text.h"

#define S_REPLACEMENT "\xEF\xBF\xBD"   //  U+FFFD, what text_dup writes for a bad byte
#define S_REPLACEMENT_LEN 3

//  Length (1..4) of the character at p if it is text (text.h), else 0.
//  p is NUL-terminated; a NUL fails the continuation test, so nothing
//  past it is read.
static size_t
s_char (const unsigned char *p)
{
    unsigned c = p [0], code;
    size_t len;
    if (c < 0x80)
        //  ASCII: C0 controls and DEL refused, but TAB, LF and CR
        return (c >= 0x20 && c != 0x7F) || c == '\t' || c == '\n' || c == '\r'? 1: 0;
    if (c >= 0xC2 && c <= 0xDF) {       //  0xC0, 0xC1 would only start overlong forms
        len = 2;
        code = c & 0x1F;
    }
    else
    if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        code = c & 0x0F;
    }
    else
    if (c >= 0xF0 && c <= 0xF4) {       //  0xF5.. would start values above U+10FFFF
        len = 4;
        code = c & 0x07;
    }
    else
        return 0;                       //  a continuation byte, or not UTF-8 at all
    for (size_t i = 1; i < len; i++) {
        if ((p [i] & 0xC0) != 0x80)
            return 0;                   //  truncated (or a NUL)
        code = code << 6 | (p [i] & 0x3F);
    }
    if ((len == 3 && code < 0x800) || (len == 4 && code < 0x10000))
        return 0;                       //  overlong
    if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;                       //  out of range, or a surrogate
    if (code <= 0x9F)
        return 0;                       //  C1 controls (U+0080..U+009F)
    return len;
}

int
text_check (const char *s, size_t max_bytes, size_t *chars)
{
    s = s? s: "";
    //  strnlen reads at most max_bytes + 1 bytes
    size_t len = max_bytes < SIZE_MAX? strnlen (s, max_bytes + 1): strlen (s);
    if (len > max_bytes)
        return ERR_TOO_LARGE;
    const unsigned char *p = (const unsigned char *) s;
    size_t n = 0;
    while (*p) {
        size_t l = s_char (p);
        if (l == 0)
            return ERR_BAD_FIELD;
        p += l;
        n++;
    }
    if (chars)
        *chars = n;
    return ERR_OK;
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
