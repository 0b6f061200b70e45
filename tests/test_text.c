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
#include "proto/text.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

static void
test_ascii_cjk_and_four_byte_characters_are_text (void)
{
    size_t n = 0;
    assert (text_check ("", 0, &n) == ERR_OK && n == 0);
    assert (text_check (NULL, 0, &n) == ERR_OK && n == 0);
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
    printf ("test_text: 7 cases OK\n");
    return 0;
}
