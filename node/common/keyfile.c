/*  keyfile.c -- key files of nodes, departments and operators (see
    keyfile.h for the JSON layout).

    Reads and writes one small JSON object with jansson; Ed25519 keys go
    through proto/seal.h, CURVE keys through libzmq's Z85 helpers.  A save
    is atomic (keyfile_write_atomic): a new PATH.tmp beside the target,
    O_EXCL|O_NOFOLLOW with its mode from birth, write, fsync, rename over
    the target, fsync the folder.  A load refuses a file with secrets
    that group or others may access (deploy/keys.md: such files were
    used without a word), and cross-checks each secret against its public
    key, so a file whose halves do not belong together is refused rather
    than used.

    Secrets are wiped from our own buffers (file text, hex and Z85
    strings, jansson string values; the text of a save is dumped into a
    buffer of ours) on every exit path.  jansson's lexer keeps transient
    copies of the strings it parses that we cannot reach; they are freed
    (not wiped) before keyfile_load returns.
*/
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>
#include "node/common/keyfile.h"
#include "proto/seal.h"

#define KEYFILE_MAX     (64 * 1024)     //  a key file is a few hundred bytes
#define Z85_KEY_LEN     40              //  Z85 text of a 32-byte CURVE key

// ---------------------------------------------------------------------
//  Helpers

//  Copies src into dst[size]; false if it does not fit.
static bool
s_copy (char *dst, size_t size, const char *src)
{
    size_t n = strlen (src);
    if (n >= size)
        return false;
    memcpy (dst, src, n + 1);
    return true;
}

//  Wipes the text of a jansson string we put a secret into.
static void
s_wipe_json_string (json_t *value)
{
    if (json_is_string (value)) {
        char *text = (char *) json_string_value (value);
        seal_wipe (text, json_string_length (value));
    }
}

//  True if z85 is a 40-char Z85 key; writes the 32 bytes into key.
static bool
s_z85_key (const char *z85, uint8_t key [32])
{
    return strlen (z85) == Z85_KEY_LEN && zmq_z85_decode (key, z85) != NULL;
}

// ---------------------------------------------------------------------
//  Generate and wipe

int
keyfile_generate (keyfile_t *k, const char *code, const char *name)
{
    memset (k, 0, sizeof *k);
    if (seal_init () != ERR_OK)
        return ERR_INTERNAL;
    if (!s_copy (k->code, sizeof k->code, code? code: "")
    ||  !s_copy (k->name, sizeof k->name, name? name: ""))
        return ERR_INTERNAL;
    seal_keypair (k->sign_pk, k->sign_sk);
    if (zmq_curve_keypair (k->curve_pk, k->curve_sk) != 0) {
        keyfile_wipe (k);
        return ERR_INTERNAL;        //  libzmq built without CURVE
    }
    k->has_secret = true;
    return ERR_OK;
}

void
keyfile_wipe (keyfile_t *k)
{
    if (k) {
        seal_wipe (k->sign_sk, sizeof k->sign_sk);
        seal_wipe (k->curve_sk, sizeof k->curve_sk);
        k->has_secret = false;
    }
}

// ---------------------------------------------------------------------
//  Save

//  Creates tmp as a new file with mode: O_EXCL|O_NOFOLLOW, so a link or
//  file planted there is never written through.  A regular file of ours
//  already there is a leftover of an interrupted save: removed (unlink
//  never follows a link either) and creation tried once more.  The
//  descriptor, or -1 with why set.
static int
s_create_new (const char *tmp, mode_t mode, char *why, size_t why_size)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST) {
            err_why (why, why_size, "cannot create %s: %s", tmp, strerror (errno));
            return -1;
        }
        struct stat st;
        if (attempt > 0 || lstat (tmp, &st) != 0 || !S_ISREG (st.st_mode)
        ||  st.st_uid != geteuid ()) {
            err_why (why, why_size, "%s is in the way and is not a file of ours left by an "
                     "interrupted save (a symbolic link?): not written through; look at it "
                     "and remove it", tmp);
            return -1;
        }
        if (unlink (tmp) != 0) {
            err_why (why, why_size, "cannot remove the leftover %s: %s", tmp, strerror (errno));
            return -1;
        }
    }
    return -1;                          //  not reached
}

//  fsyncs the folder holding path, so a rename into it is durable.
static int
s_sync_folder (const char *path, char *why, size_t why_size)
{
    char dir [PATH_MAX];
    snprintf (dir, sizeof dir, "%s", path);
    char *slash = strrchr (dir, '/');
    if (!slash)
        strcpy (dir, ".");
    else
    if (slash == dir)
        dir [1] = 0;
    else
        *slash = 0;
    int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int synced = dfd >= 0? fsync (dfd): -1;
    if (synced != 0)
        err_why (why, why_size, "cannot sync folder %s: %s", dir, strerror (errno));
    if (dfd >= 0)
        close (dfd);
    return synced == 0? ERR_OK: ERR_IO;
}

int
keyfile_write_atomic (const char *path, const void *data, size_t size, mode_t mode,
                      char *why, size_t why_size)
{
    int rc = ERR_IO;
    char tmp [PATH_MAX];
    int n = snprintf (tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t) n >= sizeof tmp) {
        err_why (why, why_size, "path too long: %s", path);
        return ERR_IO;
    }
    int fd = s_create_new (tmp, mode, why, why_size);
    if (fd < 0)
        return ERR_IO;
    //  The mode from birth was cut by the umask; set it exactly.
    if (fchmod (fd, mode) != 0) {
        err_why (why, why_size, "cannot set the mode of %s: %s", tmp, strerror (errno));
        goto cleanup;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t w = write (fd, (const char *) data + done, size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            err_why (why, why_size, "cannot write %s: %s", tmp, w < 0? strerror (errno): "no space");
            goto cleanup;
        }
        done += (size_t) w;
    }
    if (fsync (fd) != 0) {
        err_why (why, why_size, "cannot sync %s: %s", tmp, strerror (errno));
        goto cleanup;
    }
    int closed = close (fd);
    fd = -1;
    if (closed != 0 || rename (tmp, path) != 0) {
        err_why (why, why_size, "cannot replace %s: %s", path, strerror (errno));
        goto cleanup;
    }
    tmp [0] = 0;                        //  renamed: nothing to unlink
    rc = s_sync_folder (path, why, why_size);
cleanup:
    if (fd >= 0)
        close (fd);
    if (tmp [0])
        unlink (tmp);                   //  ours: created O_EXCL above
    return rc;
}

int
keyfile_save (const keyfile_t *k, const char *path, bool with_secret)
{
    int rc = ERR_IO;
    char *text = NULL;
    json_t *sign_secret = NULL;         //  borrowed from root, wiped
    json_t *curve_secret = NULL;        //  borrowed from root, wiped
    char sign_pk_hex [2 * sizeof k->sign_pk + 1];
    char sign_sk_hex [2 * sizeof k->sign_sk + 1];
    bool secrets = with_secret && k->has_secret;

    json_t *root = json_object ();
    if (!root)
        return ERR_IO;
    seal_hex (sign_pk_hex, k->sign_pk, sizeof k->sign_pk);
    if (json_object_set_new (root, "code", json_string (k->code))
    ||  json_object_set_new (root, "name", json_string (k->name))
    ||  (k->endpoint [0]
        && json_object_set_new (root, "endpoint", json_string (k->endpoint)))
    ||  json_object_set_new (root, "sign_public", json_string (sign_pk_hex))
    ||  json_object_set_new (root, "curve_public", json_string (k->curve_pk)))
        goto cleanup;
    if (secrets) {
        seal_hex_secret (sign_sk_hex, k->sign_sk, sizeof k->sign_sk);
        sign_secret = json_string (sign_sk_hex);
        curve_secret = json_string (k->curve_sk);
        seal_wipe (sign_sk_hex, sizeof sign_sk_hex);
        if (!sign_secret || !curve_secret
        ||  json_object_set (root, "sign_secret", sign_secret)
        ||  json_object_set (root, "curve_secret", curve_secret))
            goto cleanup;
    }
    //  Into our own buffer: json_dumps would grow its own by realloc and
    //  leave pieces of the secrets behind, unwiped.
    text = malloc (KEYFILE_MAX);
    size_t size = text? json_dumpb (root, text, KEYFILE_MAX - 1,
                                    JSON_INDENT (2) | JSON_PRESERVE_ORDER): 0;
    if (size == 0 || size > KEYFILE_MAX - 1)
        goto cleanup;
    text [size] = '\n';
    rc = keyfile_write_atomic (path, text, size + 1, secrets? 0600: 0644, NULL, 0);
cleanup:
    if (text) {
        seal_wipe (text, KEYFILE_MAX);
        free (text);
    }
    s_wipe_json_string (sign_secret);
    s_wipe_json_string (curve_secret);
    json_decref (sign_secret);
    json_decref (curve_secret);
    json_decref (root);
    return rc;
}

// ---------------------------------------------------------------------
//  Load

//  Reads a whole small file into a malloc'd NUL-terminated buffer and
//  its mode bits into *mode_p.  ERR_OK, ERR_IO or ERR_MALFORMED (not a
//  regular file, too large).
static int
s_read_file (const char *path, char **text_p, size_t *size_p, mode_t *mode_p)
{
    int rc = ERR_IO;
    char *text = NULL;
    struct stat st;
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ERR_IO;
    if (fstat (fd, &st) != 0)
        goto cleanup;
    rc = ERR_MALFORMED;
    if (!S_ISREG (st.st_mode) || st.st_size > KEYFILE_MAX)
        goto cleanup;
    rc = ERR_IO;
    text = malloc (KEYFILE_MAX + 1);
    if (!text)
        goto cleanup;
    size_t done = 0;
    while (done <= KEYFILE_MAX) {
        ssize_t r = read (fd, text + done, KEYFILE_MAX + 1 - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto cleanup;
        if (r == 0)
            break;
        done += (size_t) r;
    }
    if (done > KEYFILE_MAX) {
        rc = ERR_MALFORMED;             //  grew while we read it
        goto cleanup;
    }
    text [done] = 0;
    *text_p = text;
    *size_p = done;
    *mode_p = st.st_mode & 07777;
    text = NULL;
    rc = ERR_OK;
cleanup:
    if (text) {
        seal_wipe (text, KEYFILE_MAX + 1);
        free (text);
    }
    close (fd);
    return rc;
}

//  Copies the optional string member key of root into dst.  ERR_OK, or
//  ERR_MALFORMED if it is not a string, too long, or required and absent.
static int
s_get_string (json_t *root, const char *key, char *dst, size_t size,
              bool required)
{
    json_t *value = json_object_get (root, key);
    if (!value)
        return required? ERR_MALFORMED: ERR_OK;
    if (!json_is_string (value)
    ||  strlen (json_string_value (value)) != json_string_length (value)
    ||  !s_copy (dst, size, json_string_value (value)))
        return ERR_MALFORMED;
    return ERR_OK;
}

//  Fills the secret halves of k from root and checks them against the
//  public halves.  ERR_OK or ERR_MALFORMED.
static int
s_load_secrets (keyfile_t *k, json_t *root)
{
    int rc = ERR_MALFORMED;
    uint8_t pk [SEAL_PUBLIC_BYTES];
    uint8_t curve_sk [32];
    char curve_pk [Z85_KEY_LEN + 1];
    json_t *sign_secret = json_object_get (root, "sign_secret");
    json_t *curve_secret = json_object_get (root, "curve_secret");
    if (!sign_secret && !curve_secret)
        return ERR_OK;                  //  a public file
    if (!json_is_string (sign_secret)
    ||  seal_unhex (k->sign_sk, sizeof k->sign_sk,
                    json_string_value (sign_secret)) != ERR_OK)
        goto cleanup;
    seal_public_of (pk, k->sign_sk);
    if (memcmp (pk, k->sign_pk, sizeof pk) != 0)
        goto cleanup;
    if (s_get_string (root, "curve_secret", k->curve_sk, sizeof k->curve_sk,
                      true) != ERR_OK
    ||  !s_z85_key (k->curve_sk, curve_sk)
    ||  zmq_curve_public (curve_pk, k->curve_sk) != 0
    ||  strcmp (curve_pk, k->curve_pk) != 0)
        goto cleanup;
    k->has_secret = true;
    rc = ERR_OK;
cleanup:
    seal_wipe (curve_sk, sizeof curve_sk);
    if (rc != ERR_OK)
        keyfile_wipe (k);
    return rc;
}

//  Writes path into out as one shell word (quoted when it must be), for
//  a command the operator can paste.
static void
s_shell_word (char *out, size_t size, const char *path)
{
    if (path [strspn (path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                            "0123456789_./-+=:,@%")] == 0 && path [0] != '-') {
        snprintf (out, size, "%s", path);
        return;
    }
    size_t n = 0;
    if (size < 3) {
        if (size)
            out [0] = 0;
        return;
    }
    out [n++] = '\'';
    for (const char *c = path; *c && n + 6 < size; c++)
        if (*c == '\'') {
            memcpy (out + n, "'\\''", 4);
            n += 4;
        }
        else
            out [n++] = *c;
    out [n++] = '\'';
    out [n] = 0;
}

//  A file holding secrets must be its owner's alone (ssh's rule for
//  private keys): no read, write or execute bit for group or others.
static int
s_check_secret_mode (const char *path, mode_t mode, char *why, size_t why_size)
{
    if ((mode & 077) == 0)
        return ERR_OK;
    char word [PATH_MAX + 64];
    s_shell_word (word, sizeof word, path);
    err_why (why, why_size, "%s holds secret keys but its permissions %04o let group or others "
             "at it: refused; run `chmod 600 %s` (and find out who could read it)",
             path, (unsigned) mode, word);
    return ERR_FORBIDDEN;
}

int
keyfile_load_why (keyfile_t *k, const char *path, char *why, size_t why_size)
{
    char *text = NULL;
    size_t size = 0;
    mode_t mode = 0;
    json_t *root = NULL;
    json_error_t jerr;
    uint8_t curve_pk [32];

    memset (k, 0, sizeof *k);
    if (seal_init () != ERR_OK) {
        err_why (why, why_size, "libsodium failed to initialise");
        return ERR_INTERNAL;
    }
    int rc = s_read_file (path, &text, &size, &mode);
    if (rc != ERR_OK) {
        err_why (why, why_size, "%s: %s", path, rc == ERR_IO? strerror (errno):
                 "not a regular file of at most 64 KiB");
        return rc;
    }
    rc = ERR_MALFORMED;
    err_why (why, why_size, "%s is not a key file (bad JSON or key)", path);
    root = json_loadb (text, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object (root))
        goto cleanup;
    if (json_object_get (root, "sign_secret") || json_object_get (root, "curve_secret")) {
        rc = s_check_secret_mode (path, mode, why, why_size);
        if (rc != ERR_OK)
            goto cleanup;
        rc = ERR_MALFORMED;
    }
    if (s_get_string (root, "code", k->code, sizeof k->code, true)
    ||  s_get_string (root, "name", k->name, sizeof k->name, false)
    ||  s_get_string (root, "endpoint", k->endpoint, sizeof k->endpoint, false))
        goto cleanup;
    json_t *sign_public = json_object_get (root, "sign_public");
    if (!json_is_string (sign_public)
    ||  seal_unhex (k->sign_pk, sizeof k->sign_pk,
                    json_string_value (sign_public)) != ERR_OK)
        goto cleanup;
    if (s_get_string (root, "curve_public", k->curve_pk, sizeof k->curve_pk,
                      true) != ERR_OK
    ||  !s_z85_key (k->curve_pk, curve_pk))
        goto cleanup;
    rc = s_load_secrets (k, root);
cleanup:
    s_wipe_json_string (json_object_get (root, "sign_secret"));
    s_wipe_json_string (json_object_get (root, "curve_secret"));
    json_decref (root);
    seal_wipe (text, size);
    free (text);
    if (rc != ERR_OK)
        keyfile_wipe (k);
    return rc;
}

int
keyfile_load (keyfile_t *k, const char *path)
{
    char why [PATH_MAX + 512];
    int rc = keyfile_load_why (k, path, why, sizeof why);
    if (rc == ERR_FORBIDDEN)
        fprintf (stderr, "%s\n", why);
    return rc;
}
