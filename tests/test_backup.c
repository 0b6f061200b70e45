/*  test_backup.c -- online backup and offline restore of a real store and
    identity in a temporary folder: a new backup directory is made 0700
    and the restore gives back the same identity; deploy/keys.md: a
    backup directory writable by group or others, or another user's, is
    refused with the command that fixes it, before anything is written;
    an identity copy never writes through a link planted at its
    temporary path; a restore refuses a node.key open to others.
*/
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "node/ops/backup.h"
#include "node/common/keyfile.h"

static char s_base [256];               //  the test's folder
static keyfile_t s_node;                //  the identity backed up

static const char *
s_path (const char *name)
{
    static char path [4][600];
    static int next;
    next = (next + 1) % 4;
    snprintf (path [next], sizeof path [next], "%s/%s", s_base, name);
    return path [next];
}

static void
s_write (const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen (path, "w");
    assert (fp && fputs (text, fp) >= 0 && fclose (fp) == 0);
    assert (chmod (path, mode) == 0);
}

static char *
s_read (const char *path)
{
    static char text [4096];
    FILE *fp = fopen (path, "r");
    assert (fp);
    size_t n = fread (text, 1, sizeof text - 1, fp);
    text [n] = 0;
    fclose (fp);
    return text;
}

static mode_t
s_mode (const char *path)
{
    struct stat st;
    assert (stat (path, &st) == 0);
    return st.st_mode & 07777;
}

//  Backs store and data/'s identity up into dir; the result.
static backup_result_t
s_backup (store_t *store, const char *dir)
{
    backup_result_t r;
    backup_t *b = backup_start (store, s_path ("data"), dir, 2);
    assert (b);
    backup_result (b, &r);
    backup_destroy (&b);
    assert (b == NULL);
    return r;
}

static bool
s_empty_dir (const char *dir)
{
    char cmd [800];
    snprintf (cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
    return system (cmd) == 0;
}

static void
test_backup_makes_its_dir_0700_and_restore_gives_the_same_identity (store_t *store)
{
    backup_result_t r = s_backup (store, s_path ("bk"));
    if (r.code != ERR_OK)
        fprintf (stderr, "backup: %s\n", r.why);
    assert (r.code == ERR_OK && r.kept == 1);
    assert (s_mode (s_path ("bk")) == 0700);
    assert (s_mode (s_path ("bk/identity")) == 0700);
    assert (s_mode (s_path ("bk/identity/node.key")) == 0600);
    assert (s_mode (s_path ("bk/identity/admin.key")) == 0600);
    assert (s_mode (s_path ("bk/identity/node.pub")) == 0644);
    assert (access (s_path ("bk/identity/allowed/admin.cert"), F_OK) == 0);
    assert (access (s_path ("bk/identity/node.key.tmp"), F_OK) != 0);
    char why [1024] = "";
    assert (backup_restore (s_path ("bk"), s_path ("restored"), why, sizeof why) == ERR_OK);
    keyfile_t back;
    assert (keyfile_load (&back, s_path ("restored/node.key")) == ERR_OK);
    assert (back.has_secret && memcmp (back.sign_sk, s_node.sign_sk, 64) == 0);
    assert (s_mode (s_path ("restored/node.key")) == 0600);
    keyfile_wipe (&back);
}

static void
test_backup_refuses_a_dir_others_can_write_to (store_t *store)
{
    char expect [700];
    assert (mkdir (s_path ("open"), 0700) == 0);
    assert (chmod (s_path ("open"), 0777) == 0);
    backup_result_t r = s_backup (store, s_path ("open"));
    assert (r.code == ERR_FORBIDDEN);
    snprintf (expect, sizeof expect, "run `chmod 700 %s`", s_path ("open"));
    assert (strstr (r.why, expect) && strstr (r.why, "everyone"));
    assert (s_empty_dir (s_path ("open")));             //  nothing written there
    assert (chmod (s_path ("open"), 0770) == 0);
    r = s_backup (store, s_path ("open"));
    assert (r.code == ERR_FORBIDDEN && strstr (r.why, expect) && strstr (r.why, "its group"));
    assert (s_empty_dir (s_path ("open")));
    assert (chmod (s_path ("open"), 0755) == 0);      //  readable is fine
    r = s_backup (store, s_path ("open"));
    assert (r.code == ERR_OK);

    //  A restore reads a backup only from such a directory too.
    char why [1024] = "";
    assert (chmod (s_path ("bk"), 0757) == 0);
    assert (backup_restore (s_path ("bk"), s_path ("again"), why, sizeof why) == ERR_FORBIDDEN);
    snprintf (expect, sizeof expect, "run `chmod 700 %s`", s_path ("bk"));
    assert (strstr (why, expect));
    assert (access (s_path ("again"), F_OK) != 0);
    assert (chmod (s_path ("bk"), 0700) == 0);
    assert (chmod (s_path ("bk/identity"), 0720) == 0);
    assert (backup_restore (s_path ("bk"), s_path ("again"), why, sizeof why) == ERR_FORBIDDEN);
    snprintf (expect, sizeof expect, "run `chmod 700 %s`", s_path ("bk/identity"));
    assert (strstr (why, expect));
    assert (access (s_path ("again"), F_OK) != 0);
    assert (chmod (s_path ("bk/identity"), 0700) == 0);
}

static void
test_backup_refuses_another_users_dir (store_t *store)
{
    if (geteuid () != 0) {
        //  /tmp is root's: refused for its owner before its mode.
        backup_result_t r = s_backup (store, "/tmp");
        assert (r.code == ERR_FORBIDDEN && strstr (r.why, "chown"));
        return;
    }
    assert (mkdir (s_path ("theirs"), 0700) == 0);
    assert (chown (s_path ("theirs"), 65534, 65534) == 0);
    backup_result_t r = s_backup (store, s_path ("theirs"));
    char expect [700];
    snprintf (expect, sizeof expect, "`chown root %s`", s_path ("theirs"));
    assert (r.code == ERR_FORBIDDEN && strstr (r.why, expect));
    assert (s_empty_dir (s_path ("theirs")));
}

static void
test_identity_copy_never_writes_through_a_link (store_t *store)
{
    s_write (s_path ("victim"), "untouched\n", 0644);
    assert (mkdir (s_path ("bk2"), 0700) == 0);
    assert (mkdir (s_path ("bk2/identity"), 0700) == 0);
    assert (symlink (s_path ("victim"), s_path ("bk2/identity/node.key.tmp")) == 0);
    backup_result_t r = s_backup (store, s_path ("bk2"));
    assert (r.code == ERR_IO && strstr (r.why, "not written through"));
    assert (strcmp (s_read (s_path ("victim")), "untouched\n") == 0);
    assert (access (s_path ("bk2/identity/node.key"), F_OK) != 0);
}

static void
test_restore_refuses_a_node_key_open_to_others (void)
{
    char why [1024] = "", expect [700];
    assert (chmod (s_path ("restored/node.key"), 0644) == 0);
    assert (backup_restore (s_path ("bk"), s_path ("restored"), why, sizeof why) == ERR_FORBIDDEN);
    snprintf (expect, sizeof expect, "run `chmod 600 %s`", s_path ("restored/node.key"));
    assert (strstr (why, expect));
}

static int
s_unlink (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove (path);
}

int
main (void)
{
    const char *tmp = getenv ("TMPDIR");
    snprintf (s_base, sizeof s_base, "%s/test_backup.XXXXXX", tmp? tmp: "/tmp");
    assert (mkdtemp (s_base));
    char why [256] = "";
    assert (mkdir (s_path ("data"), 0700) == 0);
    assert (keyfile_generate (&s_node, "330106", "county") == ERR_OK);
    assert (keyfile_save (&s_node, s_path ("data/node.key"), true) == ERR_OK);
    assert (keyfile_save (&s_node, s_path ("data/node.pub"), false) == ERR_OK);
    keyfile_t admin;
    assert (keyfile_generate (&admin, "admin", "operator") == ERR_OK);
    assert (keyfile_save (&admin, s_path ("data/admin.key"), true) == ERR_OK);
    keyfile_wipe (&admin);
    assert (mkdir (s_path ("data/allowed"), 0700) == 0);
    s_write (s_path ("data/allowed/admin.cert"), "public certificate\n", 0644);
    store_cfg_t cfg = { .cache_mb = 8, .create = true };
    store_t *store = NULL;
    assert (store_open (&store, s_path ("data/db"), &cfg, why, sizeof why) == ERR_OK);

    test_backup_makes_its_dir_0700_and_restore_gives_the_same_identity (store);
    test_backup_refuses_a_dir_others_can_write_to (store);
    test_backup_refuses_another_users_dir (store);
    test_identity_copy_never_writes_through_a_link (store);
    test_restore_refuses_a_node_key_open_to_others ();

    store_destroy (&store);
    keyfile_wipe (&s_node);
    assert (nftw (s_base, s_unlink, 16, FTW_DEPTH | FTW_PHYS) == 0);
    printf ("test_backup: ok\n");
    return 0;
}
