/*  test_keyfile.c -- key files: generate, save and load round trips,
    public files without secrets, file modes, malformed files refused;
    deploy/keys.md: a secret file open to group or others refused
    with the chmod to run, and the temporary file of a save never
    written through a link planted at its path.
*/
#undef NDEBUG
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "node/common/keyfile.h"

static char s_dir [256];

static const char *
s_path (const char *name)
{
    static char path [512];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    return path;
}

//  Writes a file of the test's own, 0600 (as a key file with secrets
//  must be to be read at all).
static void
s_write (const char *name, const char *text)
{
    FILE *fp = fopen (s_path (name), "w");
    assert (fp);
    fputs (text, fp);
    fclose (fp);
    assert (chmod (s_path (name), 0600) == 0);
}

static char *
s_read (const char *name)
{
    static char text [8192];
    FILE *fp = fopen (s_path (name), "r");
    assert (fp);
    size_t n = fread (text, 1, sizeof text - 1, fp);
    text [n] = 0;
    fclose (fp);
    return text;
}

static void
test_generate_save_load_round_trip (void)
{
    keyfile_t k, back;
    assert (keyfile_generate (&k, "330106MA2XXXXX101", "市场监管局") == ERR_OK);
    assert (k.has_secret);
    assert (strlen (k.curve_pk) == 40 && strlen (k.curve_sk) == 40);
    strcpy (k.endpoint, "tcp://127.0.0.1:7400");
    assert (keyfile_save (&k, s_path ("dept.key"), true) == ERR_OK);
    assert (keyfile_load (&back, s_path ("dept.key")) == ERR_OK);
    assert (back.has_secret);
    assert (strcmp (back.code, k.code) == 0);
    assert (strcmp (back.name, "市场监管局") == 0);
    assert (strcmp (back.endpoint, k.endpoint) == 0);
    assert (memcmp (back.sign_pk, k.sign_pk, 32) == 0);
    assert (memcmp (back.sign_sk, k.sign_sk, 64) == 0);
    assert (strcmp (back.curve_pk, k.curve_pk) == 0);
    assert (strcmp (back.curve_sk, k.curve_sk) == 0);
    keyfile_wipe (&k);
    keyfile_wipe (&back);
}

static void
test_two_keys_differ (void)
{
    keyfile_t a, b;
    assert (keyfile_generate (&a, "a", "a") == ERR_OK);
    assert (keyfile_generate (&b, "b", "b") == ERR_OK);
    assert (memcmp (a.sign_pk, b.sign_pk, 32) != 0);
    assert (strcmp (a.curve_pk, b.curve_pk) != 0);
    keyfile_wipe (&a);
    keyfile_wipe (&b);
}

static void
test_public_file_has_no_secret (void)
{
    keyfile_t k, back;
    assert (keyfile_generate (&k, "admin", "operator") == ERR_OK);
    assert (keyfile_save (&k, s_path ("admin.pub"), false) == ERR_OK);
    const char *text = s_read ("admin.pub");
    assert (!strstr (text, "secret"));
    assert (!strstr (text, k.curve_sk));
    assert (keyfile_load (&back, s_path ("admin.pub")) == ERR_OK);
    assert (!back.has_secret);
    assert (memcmp (back.sign_pk, k.sign_pk, 32) == 0);
    assert (strcmp (back.curve_pk, k.curve_pk) == 0);
    assert (back.curve_sk [0] == 0);
    keyfile_wipe (&k);
}

static void
test_file_modes (void)
{
    struct stat st;
    keyfile_t k;
    assert (keyfile_generate (&k, "c", "n") == ERR_OK);
    umask (0);                          //  the mode must not depend on it
    assert (keyfile_save (&k, s_path ("m.key"), true) == ERR_OK);
    assert (keyfile_save (&k, s_path ("m.pub"), false) == ERR_OK);
    umask (022);
    assert (stat (s_path ("m.key"), &st) == 0);
    assert ((st.st_mode & 0777) == 0600);
    assert (stat (s_path ("m.pub"), &st) == 0);
    assert ((st.st_mode & 0777) == 0644);
    keyfile_wipe (&k);
}

static void
test_save_replaces_and_leaves_no_temp (void)
{
    keyfile_t a, b, back;
    assert (keyfile_generate (&a, "a", "first") == ERR_OK);
    assert (keyfile_generate (&b, "b", "second") == ERR_OK);
    assert (keyfile_save (&a, s_path ("r.key"), true) == ERR_OK);
    assert (keyfile_save (&b, s_path ("r.key"), true) == ERR_OK);
    assert (keyfile_load (&back, s_path ("r.key")) == ERR_OK);
    assert (strcmp (back.name, "second") == 0);
    DIR *dir = opendir (s_dir);
    struct dirent *e;
    while ((e = readdir (dir)))
        assert (!strstr (e->d_name, "r.key."));
    closedir (dir);
    assert (keyfile_save (&a, "/nonexistent-dir/x.key", true) == ERR_IO);
    keyfile_wipe (&a);
    keyfile_wipe (&b);
    keyfile_wipe (&back);
}

static void
test_load_missing_file_is_io (void)
{
    keyfile_t k;
    assert (keyfile_load (&k, s_path ("no-such.key")) == ERR_IO);
    assert (keyfile_load (&k, s_dir) == ERR_MALFORMED);     //  a folder
}

//  A valid key file text with one member replaced by member (or dropped
//  when member is "").
static void
s_variant (char *out, size_t size, const keyfile_t *k, const char *drop,
           const char *member)
{
    char sign_pk [65], sign_sk [129];
    static const char hex [] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        sign_pk [2 * i] = hex [k->sign_pk [i] >> 4];
        sign_pk [2 * i + 1] = hex [k->sign_pk [i] & 15];
    }
    sign_pk [64] = 0;
    for (int i = 0; i < 64; i++) {
        sign_sk [2 * i] = hex [k->sign_sk [i] >> 4];
        sign_sk [2 * i + 1] = hex [k->sign_sk [i] & 15];
    }
    sign_sk [128] = 0;
    char members [6][256];
    snprintf (members [0], 256, "\"code\":\"c\"");
    snprintf (members [1], 256, "\"name\":\"n\"");
    snprintf (members [2], 256, "\"sign_public\":\"%s\"", sign_pk);
    snprintf (members [3], 256, "\"sign_secret\":\"%s\"", sign_sk);
    snprintf (members [4], 256, "\"curve_public\":\"%s\"", k->curve_pk);
    snprintf (members [5], 256, "\"curve_secret\":\"%s\"", k->curve_sk);
    size_t n = 0;
    n += snprintf (out + n, size - n, "{");
    for (int i = 0; i < 6; i++) {
        const char *m = members [i];
        if (drop && strncmp (m + 1, drop, strlen (drop)) == 0
        &&  m [strlen (drop) + 1] == '"')
            m = member;
        if (*m)
            n += snprintf (out + n, size - n, "%s%s", n > 1? ",": "", m);
    }
    snprintf (out + n, size - n, "}");
}

static void
s_expect_malformed (const char *text)
{
    keyfile_t k;
    s_write ("bad.key", text);
    int rc = keyfile_load (&k, s_path ("bad.key"));
    if (rc != ERR_MALFORMED)
        fprintf (stderr, "accepted: %s\n", text);
    assert (rc == ERR_MALFORMED);
    assert (!k.has_secret);
}

static void
test_load_rejects_malformed_files (void)
{
    keyfile_t k, other;
    char text [2048];
    assert (keyfile_generate (&k, "c", "n") == ERR_OK);
    assert (keyfile_generate (&other, "o", "o") == ERR_OK);

    //  The template itself is valid
    s_variant (text, sizeof text, &k, NULL, NULL);
    s_write ("good.key", text);
    keyfile_t back;
    assert (keyfile_load (&back, s_path ("good.key")) == ERR_OK);
    assert (back.has_secret);

    s_expect_malformed ("");
    s_expect_malformed ("not json");
    s_expect_malformed ("[1, 2]");
    s_expect_malformed ("{\"code\": \"c\"}");
    s_variant (text, sizeof text, &k, "code", "");
    s_expect_malformed (text);
    s_variant (text, sizeof text, &k, "code", "\"code\":5");
    s_expect_malformed (text);
    s_variant (text, sizeof text, &k, "sign_public", "\"sign_public\":\"zz\"");
    s_expect_malformed (text);
    s_variant (text, sizeof text, &k, "curve_public",
               "\"curve_public\":\"0123456789012345678901234567890123456789\"");
    s_expect_malformed (text);      //  valid Z85, but not the secret's public key
    s_variant (text, sizeof text, &k, "curve_public", "\"curve_public\":\"short\"");
    s_expect_malformed (text);
    s_variant (text, sizeof text, &k, "curve_secret", "");
    s_expect_malformed (text);      //  one secret without the other
    //  A secret that does not belong to the public key
    char bad [512];
    snprintf (bad, sizeof bad, "\"curve_secret\":\"%s\"", other.curve_sk);
    s_variant (text, sizeof text, &k, "curve_secret", bad);
    s_expect_malformed (text);
    s_variant (text, sizeof text, &k, "sign_secret",
               "\"sign_secret\":\"00\"");
    s_expect_malformed (text);
    //  Duplicate members
    s_variant (text, sizeof text, &k, "name", "\"name\":\"a\",\"name\":\"b\"");
    s_expect_malformed (text);
    //  Over-long name
    char longname [400];
    memset (longname, 'x', sizeof longname);
    memcpy (longname, "\"name\":\"", 8);
    memcpy (longname + sizeof longname - 2, "\"", 2);
    s_variant (text, sizeof text, &k, "name", longname);
    s_expect_malformed (text);
    keyfile_wipe (&k);
    keyfile_wipe (&other);
    keyfile_wipe (&back);
}

static void
test_wipe_clears_secrets (void)
{
    keyfile_t k;
    static const uint8_t zero [64];
    assert (keyfile_generate (&k, "c", "n") == ERR_OK);
    keyfile_wipe (&k);
    assert (!k.has_secret);
    assert (memcmp (k.sign_sk, zero, 64) == 0);
    assert (memcmp (k.curve_sk, zero, sizeof k.curve_sk) == 0);
    keyfile_wipe (NULL);
}

//  deploy/keys.md: a key file with secrets that group or others may
//  read was loaded without a word.  As ssh: refused, and the message
//  names the chmod to run; public files may be read by anyone.
static void
test_secret_file_open_to_group_or_others_is_refused_with_the_chmod (void)
{
    keyfile_t k, back;
    char why [1024], expect [700];
    static const uint8_t zero [64];
    assert (keyfile_generate (&k, "c", "n") == ERR_OK);
    assert (keyfile_save (&k, s_path ("open.key"), true) == ERR_OK);
    assert (keyfile_save (&k, s_path ("open.pub"), false) == ERR_OK);
    snprintf (expect, sizeof expect, "run `chmod 600 %s`", s_path ("open.key"));
    static const mode_t too_open [] = { 0644, 0640, 0604, 0660, 0610, 0601, 0666, 0700 | 0004 };
    for (size_t i = 0; i < sizeof too_open / sizeof too_open [0]; i++) {
        assert (chmod (s_path ("open.key"), too_open [i]) == 0);
        why [0] = 0;
        assert (keyfile_load_why (&back, s_path ("open.key"), why, sizeof why) == ERR_FORBIDDEN);
        assert (strstr (why, expect));
        assert (!back.has_secret);
        assert (memcmp (back.sign_sk, zero, 64) == 0);
        assert (memcmp (back.curve_sk, zero, sizeof back.curve_sk) == 0);
    }
    //  Without a message of its own, keyfile_load says it on stderr.
    assert (chmod (s_path ("open.key"), 0644) == 0);
    fflush (stderr);
    int saved = dup (2);
    int err = open (s_path ("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert (saved >= 0 && err >= 0 && dup2 (err, 2) == 2);
    assert (keyfile_load (&back, s_path ("open.key")) == ERR_FORBIDDEN);
    fflush (stderr);
    assert (dup2 (saved, 2) == 2);
    close (saved);
    close (err);
    assert (strstr (s_read ("stderr.txt"), expect));
    assert (strstr (s_read ("stderr.txt"), "0644"));
    unlink (s_path ("stderr.txt"));

    //  The owner's alone: read.
    static const mode_t fine [] = { 0600, 0400, 0700 };
    for (size_t i = 0; i < sizeof fine / sizeof fine [0]; i++) {
        assert (chmod (s_path ("open.key"), fine [i]) == 0);
        assert (keyfile_load_why (&back, s_path ("open.key"), why, sizeof why) == ERR_OK);
        assert (back.has_secret && memcmp (back.sign_sk, k.sign_sk, 64) == 0);
        keyfile_wipe (&back);
    }
    //  A public file may be anyone's to read (and is written 0644).
    assert (chmod (s_path ("open.pub"), 0666) == 0);
    assert (keyfile_load_why (&back, s_path ("open.pub"), why, sizeof why) == ERR_OK);
    assert (!back.has_secret);
    //  A path the shell would split is quoted in the command.
    assert (keyfile_save (&k, s_path ("my key's.key"), true) == ERR_OK);
    assert (chmod (s_path ("my key's.key"), 0640) == 0);
    assert (keyfile_load_why (&back, s_path ("my key's.key"), why, sizeof why) == ERR_FORBIDDEN);
    snprintf (expect, sizeof expect, "run `chmod 600 '%s/my key'\\''s.key'`", s_dir);
    assert (strstr (why, expect));
    unlink (s_path ("my key's.key"));
    unlink (s_path ("open.key"));
    unlink (s_path ("open.pub"));
    keyfile_wipe (&k);
}

//  Key files: temporary files opened without O_EXCL|O_NOFOLLOW.
//  A link planted at PATH.tmp is neither written through nor removed:
//  the save is refused; a leftover regular file of ours is replaced.
static void
test_save_never_writes_through_a_link_at_the_temp_path (void)
{
    keyfile_t k, back;
    char why [1024];
    struct stat st;
    assert (keyfile_generate (&k, "c", "n") == ERR_OK);
    s_write ("victim", "untouched\n");
    assert (chmod (s_path ("victim"), 0644) == 0);
    char victim [512], tmp [512];
    snprintf (victim, sizeof victim, "%s", s_path ("victim"));
    snprintf (tmp, sizeof tmp, "%s", s_path ("l.key.tmp"));
    assert (symlink (victim, tmp) == 0);
    assert (keyfile_save (&k, s_path ("l.key"), true) == ERR_IO);
    assert (strcmp (s_read ("victim"), "untouched\n") == 0);
    assert (stat (victim, &st) == 0 && (st.st_mode & 0777) == 0644);
    assert (lstat (tmp, &st) == 0 && S_ISLNK (st.st_mode));
    assert (access (s_path ("l.key"), F_OK) != 0);
    why [0] = 0;
    assert (keyfile_write_atomic (s_path ("l.key"), "x", 1, 0600, why, sizeof why) == ERR_IO);
    assert (strstr (why, tmp) && strstr (why, "not written through"));

    //  A dangling link: its target is not created either.
    assert (unlink (tmp) == 0);
    assert (symlink (s_path ("not-there"), tmp) == 0);
    assert (keyfile_save (&k, s_path ("l.key"), true) == ERR_IO);
    assert (access (s_path ("not-there"), F_OK) != 0 && errno == ENOENT);
    assert (unlink (tmp) == 0);

    //  A leftover regular file of an interrupted save is replaced.
    s_write ("l.key.tmp", "half a key");
    assert (keyfile_save (&k, s_path ("l.key"), true) == ERR_OK);
    assert (lstat (tmp, &st) != 0 && errno == ENOENT);
    assert (keyfile_load (&back, s_path ("l.key")) == ERR_OK);
    assert (back.has_secret && memcmp (back.sign_sk, k.sign_sk, 64) == 0);
    assert (stat (s_path ("l.key"), &st) == 0 && (st.st_mode & 0777) == 0600);

    //  A link at the key's own path is replaced, not followed.
    assert (unlink (s_path ("l.key")) == 0);
    assert (symlink (victim, s_path ("l.key")) == 0);
    assert (keyfile_save (&k, s_path ("l.key"), true) == ERR_OK);
    assert (strcmp (s_read ("victim"), "untouched\n") == 0);
    assert (lstat (s_path ("l.key"), &st) == 0 && S_ISREG (st.st_mode));
    unlink (s_path ("l.key"));
    unlink (victim);
    keyfile_wipe (&k);
    keyfile_wipe (&back);
}

static void
s_remove_dir (void)
{
    DIR *dir = opendir (s_dir);
    struct dirent *e;
    while (dir && (e = readdir (dir)))
        if (strcmp (e->d_name, ".") && strcmp (e->d_name, ".."))
            unlink (s_path (e->d_name));
    if (dir)
        closedir (dir);
    rmdir (s_dir);
}

int
main (void)
{
    const char *tmp = getenv ("TMPDIR");
    snprintf (s_dir, sizeof s_dir, "%s/test_keyfile.XXXXXX", tmp? tmp: "/tmp");
    assert (mkdtemp (s_dir));
    test_generate_save_load_round_trip ();
    test_two_keys_differ ();
    test_public_file_has_no_secret ();
    test_file_modes ();
    test_save_replaces_and_leaves_no_temp ();
    test_load_missing_file_is_io ();
    test_load_rejects_malformed_files ();
    test_wipe_clears_secrets ();
    test_secret_file_open_to_group_or_others_is_refused_with_the_chmod ();
    test_save_never_writes_through_a_link_at_the_temp_path ();
    s_remove_dir ();
    printf ("keyfile: 10 tests passed\n");
    return 0;
}
