/*  test_text.c -- the one rule on strings from outside (proto/text.c):
    RFC 3629 UTF-8 of a bounded length, no control characters but TAB,
    LF and CR; and the sanitising copy used for audit records.
*/
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "proto/text.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

static void
test_ascii_cjk_and_four_byte_characters_are_text (void)
{
    size_t n = 0;
    assert (text_check ("", 0, &n) == ERR_OK && n == 0);
    assert (text_check (NULL, 0, &n) == ERR_OK && n == 0);
    assert (text_count_chars (NULL) == 0 && text_count_chars ("") == 0);
    assert (text_count_chars ("~\xC2\xA0\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80") == 6);
    assert (text_check ("Example Trading Co.", 64, &n) == ERR_OK && n == 19);
    //  营业执照: four 3-byte characters
    assert (text_check ("\xE8\x90\xA5\xE4\xB8\x9A\xE6\x89\xA7\xE7\x85\xA7", 12, &n) == ERR_OK && n == 4);
    //  U+20000 (CJK Extension B, in names), U+1F600, U+10FFFF: 4-byte forms
    assert (text_check ("\xF0\xA0\x80\x80", 4, &n) == ERR_OK && n == 1);
    assert (text_check ("\xF0\x9F\x98\x80", 4, &n) == ERR_OK && n == 1);
    assert (text_check ("\xF4\x8F\xBF\xBF", 4, &n) == ERR_OK && n == 1);
    //  The edges of each length: U+007E, U+00A0, U+07FF, U+0800, U+FFFF, U+10000
    assert (text_check ("~\xC2\xA0\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80", 64, &n) == ERR_OK && n == 6);
    //  Just below the surrogates, just above them
    assert (text_check ("\xED\x9F\xBF\xEE\x80\x80", 6, NULL) == ERR_OK);
}

static void
test_tab_newline_carriage_return_allowed_other_controls_refused (void)
{
    assert (text_check ("line one\nline two\r\n\tindented", 64, NULL) == ERR_OK);
    assert (text_check ("bell\a", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\x1B[2Jcleared", 64, NULL) == ERR_BAD_FIELD);     //  ESC
    assert (text_check ("\x01", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\x1F", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("del\x7F", 64, NULL) == ERR_BAD_FIELD);
    //  C1 controls: U+0080, U+009B (CSI), U+009F
    assert (text_check ("\xC2\x80", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\xC2\x9B" "31m", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\xC2\x9F", 64, NULL) == ERR_BAD_FIELD);
}

static void
test_overlong_forms_refused (void)
{
    assert (text_check ("\xC0\xAF", 64, NULL) == ERR_BAD_FIELD);          //  '/' in 2 bytes
    assert (text_check ("\xC1\xBF", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\xE0\x80\xAF", 64, NULL) == ERR_BAD_FIELD);      //  '/' in 3 bytes
    assert (text_check ("\xE0\x9F\xBF", 64, NULL) == ERR_BAD_FIELD);      //  U+07FF in 3 bytes
    assert (text_check ("\xF0\x80\x80\xAF", 64, NULL) == ERR_BAD_FIELD);  //  '/' in 4 bytes
    assert (text_check ("\xF0\x8F\xBF\xBF", 64, NULL) == ERR_BAD_FIELD);  //  U+FFFF in 4 bytes
    assert (text_check ("\xC0\x80", 64, NULL) == ERR_BAD_FIELD);          //  "modified UTF-8" NUL
}

static void
test_surrogates_and_values_above_10ffff_refused (void)
{
    assert (text_check ("\xED\xA0\x80", 64, NULL) == ERR_BAD_FIELD);      //  U+D800
    assert (text_check ("\xED\xBF\xBF", 64, NULL) == ERR_BAD_FIELD);      //  U+DFFF
    //  A CESU-8 pair (U+D83D U+DE00) for U+1F600
    assert (text_check ("\xED\xA0\xBD\xED\xB8\x80", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\xF4\x90\x80\x80", 64, NULL) == ERR_BAD_FIELD);  //  U+110000
    assert (text_check ("\xF5\x80\x80\x80", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\xF8\x88\x80\x80\x80", 64, NULL) == ERR_BAD_FIELD);  //  5-byte form
    assert (text_check ("\xFE", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\xFF", 64, NULL) == ERR_BAD_FIELD);
}

static void
test_truncated_and_stray_bytes_refused (void)
{
    assert (text_check ("\xE6\x9C", 64, NULL) == ERR_BAD_FIELD);          //  营 cut after 2 of 3
    assert (text_check ("abc\xE8", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\xF0\x9F\x98", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\x80", 64, NULL) == ERR_BAD_FIELD);               //  lone continuation
    assert (text_check ("a\xBFz", 64, NULL) == ERR_BAD_FIELD);
    assert (text_check ("\xE6" "A" "\x9C", 64, NULL) == ERR_BAD_FIELD);   //  ASCII in the middle
    //  A Latin-1 holder name (the finding): "Müller"
    assert (text_check ("M\xFCller", 64, NULL) == ERR_BAD_FIELD);
    //  GBK, as a system in the field may send it: 营业执照 = D3 AA D2 B5
    //  D6 B4 D5 D5 (the first six bytes happen to be UTF-8 too)
    assert (text_check ("\xD3\xAA\xD2\xB5\xD6\xB4\xD5\xD5", 64, NULL) == ERR_BAD_FIELD);
}

static void
test_length_bounded_in_bytes_before_anything_else (void)
{
    char s [101];
    memset (s, 'a', 100);
    s [100] = 0;
    assert (text_check (s, 100, NULL) == ERR_OK);
    assert (text_check (s, 99, NULL) == ERR_TOO_LARGE);
    //  Bytes, not characters: 营业执照 is 12 bytes
    assert (text_check ("\xE8\x90\xA5\xE4\xB8\x9A\xE6\x89\xA7\xE7\x85\xA7", 11, NULL) == ERR_TOO_LARGE);
    //  Too long wins over not text: the length is all a caller may know
    assert (text_check ("\xFF\xFF\xFF", 2, NULL) == ERR_TOO_LARGE);
    assert (text_check (s, SIZE_MAX, NULL) == ERR_OK);
    //  No byte past max_bytes + 1 is read: an unterminated buffer of 8
    //  bytes checked with max 4 is refused without reading further.
    char unterminated [8];
    memset (unterminated, 'x', sizeof unterminated);
    assert (text_check (unterminated, 4, NULL) == ERR_TOO_LARGE);
}

static void
test_dup_makes_text_of_anything (void)
{
    char *d = text_dup ("plain", 64);
    assert (d && streq (d, "plain"));
    free (d);
    //  Bad bytes become U+FFFD, controls too; good characters stay
    d = text_dup ("M\xFCller\x1B\xE8\x90\xA5", 64);
    assert (d && streq (d, "M\xEF\xBF\xBDller\xEF\xBF\xBD\xE8\x90\xA5"));
    assert (text_check (d, 64, NULL) == ERR_OK);
    free (d);
    //  Cut on a character boundary: 营业 (6 bytes) in 5 leaves 营
    d = text_dup ("\xE8\x90\xA5\xE4\xB8\x9A", 5);
    assert (d && streq (d, "\xE8\x90\xA5"));
    free (d);
    //  A lone bad byte still shows, if U+FFFD fits
    d = text_dup ("\xFF", 64);
    assert (d && streq (d, "\xEF\xBF\xBD"));
    free (d);
    d = text_dup ("\xFF", 2);
    assert (d && streq (d, ""));
    free (d);
    d = text_dup (NULL, 8);
    assert (d && streq (d, ""));
    free (d);
    //  Never longer than max_bytes, whatever the input
    char big [1000];
    memset (big, 0xFF, sizeof big - 1);
    big [sizeof big - 1] = 0;
    d = text_dup (big, 256);
    assert (d && strlen (d) <= 256 && text_check (d, 256, NULL) == ERR_OK);
    free (d);
}


//  --------------------------------------------------------------------
//  The reference: text_check and text_dup as first written, one code
//  point decoded at a time after a strnlen.  The table-driven text.c
//  must give the same result, error code and count on every input.

static size_t
s_ref_char (const unsigned char *p)
{
    unsigned c = p [0], code;
    size_t len;
    if (c < 0x80)
        return (c >= 0x20 && c != 0x7F) || c == '\t' || c == '\n' || c == '\r'? 1: 0;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        code = c & 0x1F;
    }
    else
    if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        code = c & 0x0F;
    }
    else
    if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        code = c & 0x07;
    }
    else
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p [i] & 0xC0) != 0x80)
            return 0;
        code = code << 6 | (p [i] & 0x3F);
    }
    if ((len == 3 && code < 0x800) || (len == 4 && code < 0x10000))
        return 0;
    if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;
    if (code <= 0x9F)
        return 0;
    return len;
}

static int
s_ref_check (const char *s, size_t max_bytes, size_t *chars)
{
    s = s? s: "";
    size_t len = max_bytes < SIZE_MAX? strnlen (s, max_bytes + 1): strlen (s);
    if (len > max_bytes)
        return ERR_TOO_LARGE;
    const unsigned char *p = (const unsigned char *) s;
    size_t n = 0;
    while (*p) {
        size_t l = s_ref_char (p);
        if (l == 0)
            return ERR_BAD_FIELD;
        p += l;
        n++;
    }
    if (chars)
        *chars = n;
    return ERR_OK;
}

static char *
s_ref_dup (const char *s, size_t max_bytes)
{
    const unsigned char *p = (const unsigned char *) (s? s: "");
    size_t len = strnlen ((const char *) p, max_bytes);
    size_t cap = len <= max_bytes / 3? len * 3: max_bytes;
    char *out = malloc (cap + 1);
    assert (out);
    size_t n = 0;
    while (*p) {
        size_t l = s_ref_char (p);
        const char *piece = l? (const char *) p: "\xEF\xBF\xBD";
        size_t piece_len = l? l: 3;
        if (n + piece_len > cap)
            break;
        memcpy (out + n, piece, piece_len);
        n += piece_len;
        p += l? l: 1;
    }
    out [n] = 0;
    return out;
}

static size_t s_compared;

static void
s_fail (const char *what, const char *s, size_t max_bytes)
{
    fprintf (stderr, "test_text: %s differs from the reference on max_bytes %zu, bytes:", what,
             max_bytes);
    for (size_t i = 0; s [i] && i < 64; i++)
        fprintf (stderr, " %02X", (unsigned char) s [i]);
    fprintf (stderr, "\n");
    abort ();
}

//  text_check (s, max_bytes) as the reference has it: code and count
static void
s_same (const char *s, size_t max_bytes)
{
    size_t n = 777, ref_n = 777;
    int rc = text_check (s, max_bytes, &n);
    if (rc != s_ref_check (s, max_bytes, &ref_n) || n != ref_n)
        s_fail ("text_check", s, max_bytes);
    //  The count without the check, of text, is the same
    if (rc == ERR_OK && text_count_chars (s) != ref_n)
        s_fail ("text_count_chars", s, max_bytes);
    s_compared++;
}

//  ... and text_dup too
static void
s_same_dup (const char *s, size_t max_bytes)
{
    s_same (s, max_bytes);
    char *d = text_dup (s, max_bytes), *ref = s_ref_dup (s, max_bytes);
    if (!d || strcmp (d, ref) != 0)
        s_fail ("text_dup", s, max_bytes);
    //  What the copy writes, the check accepts
    assert (text_check (d, max_bytes, NULL) == ERR_OK);
    free (d);
    free (ref);
}

//  Bytes that stand for each kind a byte after a lead may be: NUL,
//  ASCII, DEL, continuation edges, leads, never-valid bytes
static const unsigned char s_kinds [] = { 0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF };
#define S_KINDS (sizeof s_kinds)

//  What decides a third or fourth byte: NUL, ASCII, continuation or not
static const unsigned char s_after [] = { 0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xFF };
#define S_AFTER (sizeof s_after)

//  Every first and second byte, with each kind of third and fourth:
//  alone (checked on the last bytes before the bound) and amid ASCII
//  (checked in the run ahead of it), and each length bound around it.
static void
test_every_short_sequence_as_the_reference (void)
{
    for (unsigned b0 = 1; b0 < 256; b0++)
    for (unsigned b1 = 0; b1 < 256; b1++)
    for (size_t k2 = 0; k2 < S_AFTER; k2++)
    for (size_t k3 = 0; k3 < S_AFTER; k3++) {
        char alone [5] = { (char) b0, (char) b1, (char) s_after [k2], (char) s_after [k3], 0 };
        size_t len = strlen (alone);
        //  (text_dup with one fourth byte of each, in turn: it costs
        //  two mallocs, and what decides it is the first three)
        if (k3 == (b1 + k2) % S_AFTER)
            s_same_dup (alone, 16);
        else
            s_same (alone, 16);
        s_same (alone, len);
        s_same (alone, len - 1);
        char amid [32] = "a";
        memcpy (amid + 1, alone, len);
        memcpy (amid + 1 + len, "bcdefghijklm", 13);
        s_same (amid, SIZE_MAX);
        s_same (amid, len + 13);
    }
    //  The leads of 3- and 4-byte forms with every third, then every
    //  fourth byte, the second at the edges of its ranges
    static const unsigned char second [] = { 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0 };
    for (unsigned b0 = 0xE0; b0 <= 0xF4; b0++)
    for (size_t k1 = 0; k1 < sizeof second; k1++)
    for (unsigned b = 1; b < 256; b++)
    for (size_t k = 0; k < S_KINDS; k++) {
        char third [16] = { (char) b0, (char) second [k1], (char) b, (char) s_kinds [k], 0 };
        char fourth [16] = { (char) b0, (char) second [k1], (char) 0xA5, (char) b, 0 };
        if (!s_kinds [k])
            continue;
        s_same_dup (third, 16);
        s_same (fourth, 16);
        strcat (third, "abcdefghij");
        strcat (fourth, "abcdefghij");
        s_same (third, SIZE_MAX);
        s_same (fourth, SIZE_MAX);
    }
}

//  Every byte value at every position of short strings of each script,
//  with the bound below, at and above their length
static void
test_every_byte_at_every_position_as_the_reference (void)
{
    static const char *bases [] = {
        "Example Trading Co. 1234",
        "\xE8\x90\xA5\xE4\xB8\x9A\xE6\x89\xA7\xE7\x85\xA7 No.7",
        "~\xC2\xA0\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\t\r\n",
        "\xED\x9F\xBF\xEE\x80\x80\xC3\xBC\xF0\x9F\x98\x80",
    };
    for (size_t b = 0; b < sizeof bases / sizeof bases [0]; b++) {
        size_t len = strlen (bases [b]);
        char s [64];
        for (size_t at = 0; at < len; at++)
        for (unsigned v = 0; v < 256; v++) {
            memcpy (s, bases [b], len + 1);
            s [at] = (char) v;
            for (size_t m = len > 10? len - 10: 0; m <= len + 10; m++)
                s_same (s, m);
            s_same_dup (s, SIZE_MAX);
            s_same_dup (s, len / 2);
        }
    }
}

//  Runs of ASCII (and of 3-byte characters) long enough for the fast
//  path, starting at each offset from an 8-byte boundary, with one
//  byte or character that breaks the rule (or ends the string) at
//  each offset
static void
test_one_bad_byte_in_a_long_run_as_the_reference (void)
{
    static const char *bad [] = {
        "\x01", "\x1B", "\x1F", "\x7F", "\x80", "\xBF", "\xC0", "\xC1", "\xC2", "\xE8", "\xF4",
        "\xF5", "\xFF", "\xC2\x9F", "\xE0\x9F\xBF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
        "\xE8\x90", "\xF0\x9F\x98",
        //  and some that are text: the count must follow
        "\t", "\xC2\xA0", "\xE8\x90\xA5", "\xF0\x9F\x98\x80", "",
    };
    uint64_t words [40];
    for (int script = 0; script < 2; script++)
    for (size_t align = 0; align < 8; align++)
    for (size_t at = 0; at < 80; at++)
    for (size_t k = 0; k < sizeof bad / sizeof bad [0]; k++) {
        char *s = (char *) words + align;
        char run [256] = "";
        while (strlen (run) < 96)
            strcat (run, script? "\xE8\x90\xA5\xE4\xB8\x9A": "abcdefghij KLMNOP 0123456789");
        size_t cut = at;
        if (script)         //  on a character boundary
            cut -= cut % 3;
        memcpy (s, run, cut);
        s [cut] = 0;
        strcat (s, bad [k]);
        strncat (s, run + cut, 96 - cut);
        size_t len = strlen (s);
        s_same (s, SIZE_MAX);
        for (size_t m = len > 12? len - 12: 0; m <= len + 12; m++)
            s_same (s, m);
        for (size_t m = cut > 12? cut - 12: 0; m <= cut + 12; m++)
            s_same (s, m);
        //  A NUL in place of the bad bytes: the string simply ends
        s [cut] = 0;
        s_same (s, SIZE_MAX);
        s_same (s, cut);
    }
}

//  No byte past s [max_bytes] is read: strings (and unterminated
//  buffers) laid so that s [max_bytes] is the last byte before a page
//  that may not be read
static void
test_nothing_past_the_bound_is_read (void)
{
    long page = sysconf (_SC_PAGESIZE);
    char *map = mmap (NULL, (size_t) page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert (map != MAP_FAILED);
    assert (mprotect (map + page, (size_t) page, PROT_NONE) == 0);
    char *guard = map + page;
    static const char *texts [] = {
        "", "a", "abcdefgh", "abcdefghijklmnopqrstuvwxyz0123456789",
        "\xE8\x90\xA5\xE4\xB8\x9A\xE6\x89\xA7\xE7\x85\xA7\xE8\x90\xA5\xE4\xB8\x9A",
        "ab\xF0\x9F\x98\x80\xC3\xBC" "cdefghijk\xE8\x90\xA5xyz",
        "abcdefghijklmnop\x1B", "abcdefghijkl\xE8\x90", "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF",
    };
    for (size_t t = 0; t < sizeof texts / sizeof texts [0]; t++) {
        size_t len = strlen (texts [t]);
        for (size_t m = 0; m <= len + 10; m++) {
            //  s [0..m] before the guard: the whole string if it fits,
            //  else its first m + 1 bytes, unterminated
            char *s = guard - (m + 1);
            size_t have = len + 1 <= m + 1? len + 1: m + 1;
            memcpy (s, texts [t], have);
            size_t n = 777, ref_n = 777;
            char copy [64];
            memcpy (copy, texts [t], len + 1);
            int rc = text_check (s, m, &n);
            assert (rc == s_ref_check (copy, m, &ref_n) && n == ref_n);
            assert (len <= m || rc == ERR_TOO_LARGE);
        }
    }
    munmap (map, (size_t) page * 2);
}

//  Random strings of random pieces: ASCII runs, characters of every
//  length at and near the edges of their ranges, controls, stray and
//  truncated bytes; every bound around the length
static uint64_t s_rand_state = 0x9E3779B97F4A7C15u;

static unsigned
s_rand (unsigned n)
{
    //  xorshift64*: repeatable, no libc state
    s_rand_state ^= s_rand_state >> 12;
    s_rand_state ^= s_rand_state << 25;
    s_rand_state ^= s_rand_state >> 27;
    return (unsigned) ((s_rand_state * 0x2545F4914F6CDD1Du) >> 33) % n;
}

static size_t
s_piece (char *out)
{
    static const unsigned edges [] = {
        0x20, 0x7E, 0x7F, 0x80, 0x9F, 0xA0, 0x7FF, 0x800, 0xD7FF, 0xD800, 0xDFFF, 0xE000,
        0xFFFD, 0xFFFF, 0x10000, 0x10FFFF, 0x110000, 0x4E00, 0x9FFF, 0x20000
    };
    unsigned code;
    switch (s_rand (8)) {
        case 0: case 1: {           //  an ASCII run
            size_t n = 1 + s_rand (20);
            for (size_t i = 0; i < n; i++)
                out [i] = (char) (0x20 + s_rand (0x5F));
            return n;
        }
        case 2:                     //  any byte
            out [0] = (char) (1 + s_rand (255));
            return 1;
        case 3:                     //  a CJK character
            code = 0x4E00 + s_rand (0x5200);
            break;
        case 4:                     //  a code point at an edge, or next to one
            code = edges [s_rand (sizeof edges / sizeof edges [0])] + s_rand (3) - 1;
            break;
        default:
            code = s_rand (0x110100);
            break;
    }
    //  Encode code in the shortest form, or one longer (overlong) now and then
    size_t len = code < 0x80? 1: code < 0x800? 2: code < 0x10000? 3: 4;
    if (len < 4 && s_rand (16) == 0)
        len++;
    if (code == 0)
        code = 1;
    static const unsigned char lead [5] = { 0, 0x00, 0xC0, 0xE0, 0xF0 };
    for (size_t i = len - 1; i > 0; i--) {
        out [i] = (char) (0x80 | (code & 0x3F));
        code >>= 6;
    }
    out [0] = (char) (lead [len] | code);
    //  A truncated character now and then
    if (len > 1 && s_rand (16) == 0)
        len -= 1 + s_rand ((unsigned) len - 1);
    return len;
}

static void
test_random_strings_as_the_reference (void)
{
    char s [512];
    for (int round = 0; round < 100000; round++) {
        size_t len = 0, want = s_rand (200);
        while (len < want) {
            char piece [32];
            size_t n = s_piece (piece);
            memcpy (s + len, piece, n);
            len += n;
        }
        s [len] = 0;
        len = strlen (s);           //  a piece may have held a NUL
        s_same_dup (s, SIZE_MAX);
        s_same_dup (s, len);
        size_t m = s_rand ((unsigned) len + 16);
        s_same_dup (s, m);
        s_same (s, len > 0? len - 1: 0);
        s_same (s, len + 1 + s_rand (9));
    }
}

int
main (void)
{
    test_ascii_cjk_and_four_byte_characters_are_text ();
    test_tab_newline_carriage_return_allowed_other_controls_refused ();
    test_overlong_forms_refused ();
    test_surrogates_and_values_above_10ffff_refused ();
    test_truncated_and_stray_bytes_refused ();
    test_length_bounded_in_bytes_before_anything_else ();
    test_dup_makes_text_of_anything ();
    test_every_short_sequence_as_the_reference ();
    test_every_byte_at_every_position_as_the_reference ();
    test_one_bad_byte_in_a_long_run_as_the_reference ();
    test_nothing_past_the_bound_is_read ();
    test_random_strings_as_the_reference ();
    printf ("test_text: 12 cases OK (%zu strings as the reference)\n", s_compared);
    return 0;
}
