/*  backup.c -- online backup and offline restore (see backup.h).  */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include "backup.h"

struct backup_t {
    zactor_t *actor;
    store_t *store;
    char data_dir [512];
    char dir [512];
    uint32_t keep;
    backup_result_t result;     //  written by the thread, read after its signal
};

static int
s_copy_file (const char *from, const char *to, mode_t mode)
{
    int rc = ERR_IO;
    char tmp [1100];
    snprintf (tmp, sizeof tmp, "%s.tmp", to);
    FILE *in = fopen (from, "rb");
    int fd = in? open (tmp, O_WRONLY | O_CREAT | O_TRUNC, mode): -1;
    FILE *out = fd >= 0? fdopen (fd, "wb"): NULL;
    if (in && out) {
        char buf [8192];
        size_t n;
        rc = ERR_OK;
        while ((n = fread (buf, 1, sizeof buf, in)) > 0)
            if (fwrite (buf, 1, n, out) != n)
                rc = ERR_IO;
        if (ferror (in) || fflush (out) != 0 || fsync (fileno (out)) != 0)
            rc = ERR_IO;
    }
    else
    if (fd >= 0)
        close (fd);
    if (in)
        fclose (in);
    if (out && fclose (out) != 0)
        rc = ERR_IO;
    if (rc == ERR_OK && rename (tmp, to) != 0)
        rc = ERR_IO;
    if (rc != ERR_OK)
        unlink (tmp);
    return rc;
}

//  Copies node.key, node.pub, admin.key and allowed/* from -> to.
//  With only_missing, files already in `to` are left alone.
static int
s_copy_identity (const char *from, const char *to, bool only_missing, char *why, size_t why_size)
{
    static const char *files [] = { "node.key", "node.pub", "admin.key" };
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
        if (s_copy_file (a, b, 0600) != ERR_OK) {
            snprintf (why, why_size, "cannot copy %s to %s", a, b);
            return ERR_IO;
        }
    }
    snprintf (a, sizeof a, "%s/allowed", from);
    DIR *d = opendir (a);
    struct dirent *e;
    while (d && (e = readdir (d))) {
        if (e->d_name [0] == '.' || !strstr (e->d_name, ".cert"))
            continue;
        char fa [1400], fb [1400];
        snprintf (fa, sizeof fa, "%s/allowed/%s", from, e->d_name);
        snprintf (fb, sizeof fb, "%s/allowed/%s", to, e->d_name);
        if ((!only_missing || access (fb, F_OK) != 0) && s_copy_file (fa, fb, 0644) != ERR_OK) {
            closedir (d);
            snprintf (why, why_size, "cannot copy %s", fa);
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
    backup_result_t *r = &self->result;
    char idir [1100];
    snprintf (idir, sizeof idir, "%s/identity", self->dir);
    if (mkdir (self->dir, 0700) != 0 && errno != EEXIST) {
        r->code = ERR_IO;
        snprintf (r->why, sizeof r->why, "cannot create %.300s: %s", self->dir, strerror (errno));
    }
    else
        r->code = store_backup (self->store, self->dir, self->keep, &r->id, &r->bytes,
                                &r->kept, r->why, sizeof r->why);
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
    if (access (mine, F_OK) == 0) {
        //  Same node or nothing: a repository is never given another identity.
        FILE *a = fopen (mine, "rb"), *b = fopen (theirs, "rb");
        char ba [4096] = "", bb [4096] = "";
        size_t na = a? fread (ba, 1, sizeof ba - 1, a): 0, nb = b? fread (bb, 1, sizeof bb - 1, b): 0;
        if (a)
            fclose (a);
        if (b)
            fclose (b);
        if (na != nb || memcmp (ba, bb, na) != 0) {
            snprintf (why, why_size, "%s belongs to another identity than the backup's", data_dir);
            return ERR_FORBIDDEN;
        }
    }
    if (mkdir (data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf (why, why_size, "cannot create %s: %s", data_dir, strerror (errno));
        return ERR_IO;
    }
    int rc = store_restore (dir, db, why, why_size);
    if (rc == ERR_OK)
        rc = s_copy_identity (idir, data_dir, true, why, why_size);
    return rc;
}
