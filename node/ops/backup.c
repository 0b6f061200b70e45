/*  backup.c -- online backup and offline restore (see backup.h).

    The identity files are copied through keyfile_write_atomic: a new
    temporary file (O_EXCL|O_NOFOLLOW, mode from birth), fsync, rename,
    so nothing planted beside a copy is written through.  The backup
    directory and its identity/ must belong to the node's user and be
    writable by nobody else (s_check_dir): the copies of node.key and
    admin.key there are as secret as the originals, and a restore trusts
    what it reads there.  Secrets read for a copy or a comparison are
    wiped before return.

    Deliberately not here: checking the folders above the backup
    directory (ssh's secure_path does); the operator picks the place.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "node/ops/backup.h"
#include "node/common/keyfile.h"
#include "node/common/progress.h"
#include "proto/seal.h"

#define S_COPY_MAX (64 * 1024)          //  identity files are a few hundred bytes

struct backup_t {
    zactor_t *actor;
    store_t *store;
    char data_dir [512];
    char dir [512];
    uint32_t keep;
    backup_result_t result;     //  written by the thread, read after its signal
};

//  The name of user uid for a chown command, or its number.
static void
s_user_name (uid_t uid, char *out, size_t size)
{
    struct passwd pw, *found = NULL;
    char buf [1024];
    if (getpwuid_r (uid, &pw, buf, sizeof buf, &found) == 0 && found)
        snprintf (out, size, "%s", found->pw_name);
    else
        snprintf (out, size, "%u", (unsigned) uid);
}

//  Creates dir (0700) if it is missing, then checks that it is a
//  directory of the node's user that group and others cannot write to.
//  ERR_OK; ERR_FORBIDDEN or ERR_IO with why naming the fix.
static int
s_check_dir (const char *dir, bool create, char *why, size_t why_size)
{
    if (create && mkdir (dir, 0700) != 0 && errno != EEXIST) {
        err_why (why, why_size, "cannot create %s: %s", dir, strerror (errno));
        return ERR_IO;
    }
    struct stat st;
    int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat (fd, &st) != 0) {
        err_why (why, why_size, "cannot open the backup directory %s: %s", dir, strerror (errno));
        if (fd >= 0)
            close (fd);
        return ERR_IO;
    }
    close (fd);
    char owner [64], me [64];
    if (st.st_uid != geteuid ()) {
        s_user_name (st.st_uid, owner, sizeof owner);
        s_user_name (geteuid (), me, sizeof me);
        err_why (why, why_size, "backup directory %s belongs to %s, not to the node's user %s: "
                 "refused (it will hold node.key); run `chown %s %s` or choose a directory "
                 "of %s's", dir, owner, me, me, dir, me);
        return ERR_FORBIDDEN;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        err_why (why, why_size, "backup directory %s is writable by %s (mode %04o): refused "
                 "(it will hold node.key); run `chmod 700 %s`", dir,
                 st.st_mode & S_IWOTH? "everyone": "its group",
                 (unsigned) (st.st_mode & 07777), dir);
        return ERR_FORBIDDEN;
    }
    return ERR_OK;
}

//  Copies from -> to through keyfile_write_atomic with mode.  The bytes
//  pass through buf, wiped: node.key and admin.key hold secrets.
static int
s_copy_file (const char *from, const char *to, mode_t mode, char *why, size_t why_size)
{
    int rc = ERR_IO;
    uint8_t *buf = malloc (S_COPY_MAX + 1);
    size_t size = 0;
    int fd = open (from, O_RDONLY | O_CLOEXEC);
    if (!buf || fd < 0) {
        err_why (why, why_size, "cannot read %s: %s", from, buf? strerror (errno): "out of memory");
        goto cleanup;
    }
    while (size <= S_COPY_MAX) {
        ssize_t r = read (fd, buf + size, S_COPY_MAX + 1 - size);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err_why (why, why_size, "cannot read %s: %s", from, strerror (errno));
            goto cleanup;
        }
        if (r == 0)
            break;
        size += (size_t) r;
    }
    if (size > S_COPY_MAX) {
        err_why (why, why_size, "%s is larger than %d bytes: not an identity file", from,
                 S_COPY_MAX);
        goto cleanup;
    }
    rc = keyfile_write_atomic (to, buf, size, mode, why, why_size);
cleanup:
    if (fd >= 0)
        close (fd);
    if (buf) {
        seal_wipe (buf, S_COPY_MAX + 1);
        free (buf);
    }
    return rc;
}

//  Copies node.key, node.pub, admin.key and allowed/* from -> to.
//  With only_missing, files already in `to` are left alone.
static int
s_copy_identity (const char *from, const char *to, bool only_missing, char *why, size_t why_size)
{
    static const char *files [] = { "node.key", "node.pub", "admin.key" };
    static const mode_t modes [] = { 0600, 0644, 0600 };
    char a [1100], b [1100];
    snprintf (b, sizeof b, "%s/allowed", to);
    if ((mkdir (to, 0700) != 0 && errno != EEXIST) || (mkdir (b, 0700) != 0 && errno != EEXIST)) {
        snprintf (why, why_size, "cannot create %s: %s", b, strerror (errno));
        return ERR_IO;
    }
    for (size_t i = 0; i < sizeof files / sizeof files [0]; i++) {
        snprintf (a, sizeof a, "%s/%s", from, files [i]);
        snprintf (b, sizeof b, "%s/%s", to, files [i]);
        if (only_missing && access (b, F_OK) == 0)
            continue;
        if (s_copy_file (a, b, modes [i], why, why_size) != ERR_OK)
            return ERR_IO;
    }
    snprintf (a, sizeof a, "%s/allowed", from);
    DIR *d = opendir (a);
    struct dirent *e;
    while (d && (e = readdir (d))) {
        if (e->d_name [0] == '.' || !strstr (e->d_name, ".cert") || strstr (e->d_name, ".tmp"))
            continue;
        char fa [1400], fb [1400];
        snprintf (fa, sizeof fa, "%s/allowed/%s", from, e->d_name);
        snprintf (fb, sizeof fb, "%s/allowed/%s", to, e->d_name);
        if ((!only_missing || access (fb, F_OK) != 0)
        &&  s_copy_file (fa, fb, 0644, why, why_size) != ERR_OK) {
            closedir (d);
            return ERR_IO;
        }
    }
    if (d)
        closedir (d);
    return ERR_OK;
}

static void
s_thread (zsock_t *pipe, void *args)
{
    backup_t *self = (backup_t *) args;
    zsock_signal (pipe, 0);
    pthread_setname_np (pthread_self (), "lic-backup");
    backup_result_t *r = &self->result;
    char idir [1100];
    snprintf (idir, sizeof idir, "%s/identity", self->dir);
    r->code = s_check_dir (self->dir, true, r->why, sizeof r->why);
    if (r->code == ERR_OK)
        r->code = store_backup (self->store, self->dir, self->keep, &r->id, &r->bytes,
                                &r->kept, r->why, sizeof r->why);
    if (r->code == ERR_OK)
        r->code = s_check_dir (idir, true, r->why, sizeof r->why);
    if (r->code == ERR_OK)
        r->code = s_copy_identity (self->data_dir, idir, false, r->why, sizeof r->why);
    zsock_signal (pipe, 0);             //  done: the result is readable
    char *term = zstr_recv (pipe);      //  until $TERM (zactor_destroy)
    zstr_free (&term);
}

backup_t *
backup_start (store_t *store, const char *data_dir, const char *dir, uint32_t keep)
{
    backup_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    self->keep = keep;
    snprintf (self->data_dir, sizeof self->data_dir, "%s", data_dir);
    snprintf (self->dir, sizeof self->dir, "%s", dir);
    self->actor = zactor_new (s_thread, self);
    if (!self->actor) {
        free (self);
        return NULL;
    }
    return self;
}

zsock_t *
backup_sock (backup_t *self)
{
    return zactor_sock (self->actor);
}

void
backup_result (backup_t *self, backup_result_t *result)
{
    zsock_wait (self->actor);
    *result = self->result;
}

void
backup_destroy (backup_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zactor_destroy (&(*self_p)->actor);
    free (*self_p);
    *self_p = NULL;
}

//  ERR_OK if the node.key files mine (of data_dir) and theirs hold the
//  same identity: code and both public keys (keyfile_load checks each
//  secret against its public key).  ERR_FORBIDDEN if not, or if one is
//  open to group or others; another err_t if one is unreadable; why
//  says which.  Both keys are wiped.
static int
s_same_identity (const char *mine, const char *theirs, const char *data_dir,
                 char *why, size_t why_size)
{
    keyfile_t a, b;
    int rc = keyfile_load_why (&a, mine, why, why_size);
    if (rc != ERR_OK)
        return rc;
    rc = keyfile_load_why (&b, theirs, why, why_size);
    if (rc == ERR_OK
    &&  (strcmp (a.code, b.code) != 0 || memcmp (a.sign_pk, b.sign_pk, sizeof a.sign_pk) != 0
        || strcmp (a.curve_pk, b.curve_pk) != 0)) {
        err_why (why, why_size, "%s belongs to another identity than the backup's", data_dir);
        rc = ERR_FORBIDDEN;
    }
    keyfile_wipe (&a);
    keyfile_wipe (&b);
    return rc;
}

// ---------------------------------------------------------------------
//  Restore progress: RocksDB's restore says nothing while it copies, so
//  a thread sums the bytes written under the database directory every
//  PROGRESS_INTERVAL_MS and prints them against the backup's size.

typedef struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;                      //  under lock
    const char *db;                 //  directory being written
    progress_t pr;
} s_watch_t;

static _Thread_local uint64_t s_tree_bytes;

static int
s_add_size (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (flag == FTW_F)
        s_tree_bytes += (uint64_t) st->st_size;
    return 0;
}

static void *
s_watch (void *arg)
{
    s_watch_t *w = (s_watch_t *) arg;
    pthread_mutex_lock (&w->lock);
    while (!w->stop) {
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        until.tv_sec += PROGRESS_INTERVAL_MS / 1000;
        pthread_cond_timedwait (&w->wake, &w->lock, &until);
        if (w->stop)
            break;
        s_tree_bytes = 0;
        nftw (w->db, s_add_size, 16, FTW_PHYS);
        progress_line (&w->pr, s_tree_bytes);
    }
    pthread_mutex_unlock (&w->lock);
    return NULL;
}

int
backup_restore (const char *dir, const char *data_dir, char *why, size_t why_size)
{
    char db [1100], idir [1100], mine [1100], theirs [1200];
    snprintf (db, sizeof db, "%s/db", data_dir);
    snprintf (idir, sizeof idir, "%s/identity", dir);
    snprintf (mine, sizeof mine, "%s/node.key", data_dir);
    snprintf (theirs, sizeof theirs, "%s/node.key", idir);
    if (access (theirs, R_OK) != 0) {
        snprintf (why, why_size, "%s is not a licnode backup (no identity/node.key)", dir);
        return ERR_NOT_FOUND;
    }
    int rc = s_check_dir (dir, false, why, why_size);
    if (rc == ERR_OK)
        rc = s_check_dir (idir, false, why, why_size);
    if (rc != ERR_OK)
        return rc;
    //  Same node or nothing: a repository is never given another identity.
    if (access (mine, F_OK) == 0 && (rc = s_same_identity (mine, theirs, data_dir, why,
                                                           why_size)) != ERR_OK)
        return rc;
    if (mkdir (data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf (why, why_size, "cannot create %s: %s", data_dir, strerror (errno));
        return ERR_IO;
    }
    s_watch_t w = { .stop = false, .db = db };
    progress_init (&w.pr, stderr, "licnode restore: copied", "bytes", store_backup_bytes (dir),
                   PROGRESS_INTERVAL_MS);
    pthread_mutex_init (&w.lock, NULL);
    pthread_cond_init (&w.wake, NULL);
    bool watching = pthread_create (&w.thread, NULL, s_watch, &w) == 0;
    rc = store_restore (dir, db, why, why_size);
    if (watching) {
        pthread_mutex_lock (&w.lock);
        w.stop = true;
        pthread_cond_signal (&w.wake);
        pthread_mutex_unlock (&w.lock);
        pthread_join (w.thread, NULL);
    }
    pthread_cond_destroy (&w.wake);
    pthread_mutex_destroy (&w.lock);
    if (rc == ERR_OK)
        rc = s_copy_identity (idir, data_dir, true, why, why_size);
    return rc;
}
