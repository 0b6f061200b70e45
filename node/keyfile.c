/*  keyfile.c -- key files of nodes, departments and operators (see
    keyfile.h for the JSON layout).

    Reads and writes one small JSON object with jansson; Ed25519 keys go
    through proto/seal.h, CURVE keys through libzmq's Z85 helpers.  A save
    is atomic: a temporary file in the same folder (mkstemp, so 0600 from
    birth), write, fsync, rename over the target, fsync the folder.  A
    load cross-checks each secret against its public key, so a file whose
    halves do not belong together is refused rather than used.

    Secrets are wiped from our own buffers (file text, hex and Z85
    strings, jansson string values) on every exit path.  jansson's lexer
    keeps a transient copy of the text it parses that we cannot reach;
    it is freed (not wiped) before keyfile_load returns.
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
#include "keyfile.h"
#include "seal.h"

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

//  Writes data to path atomically with the given mode.  ERR_OK or ERR_IO.
static int
s_write_atomic (const char *path, const char *data, size_t size, mode_t mode)
{
    int rc = ERR_IO;
    int fd = -1;
    char tmp [PATH_MAX];
    char dir [PATH_MAX];
    int n = snprintf (tmp, sizeof tmp, "%s.XXXXXX", path);
    if (n < 0 || (size_t) n >= sizeof tmp)
        return ERR_IO;
    fd = mkostemp (tmp, O_CLOEXEC);     //  0600 from birth
    if (fd < 0)
        return ERR_IO;
    if (fchmod (fd, mode) != 0)
        goto cleanup;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write (fd, data + done, size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto cleanup;
        done += (size_t) w;
    }
    if (fsync (fd) != 0)
        goto cleanup;
    int closed = close (fd);
    fd = -1;
    if (closed != 0 || rename (tmp, path) != 0)
        goto cleanup;
    tmp [0] = 0;                        //  renamed: nothing to unlink

    //  Make the rename itself durable
    memcpy (dir, path, strlen (path) + 1);
    char *slash = strrchr (dir, '/');
    if (!slash)
        strcpy (dir, ".");
    else
    if (slash == dir)
        dir [1] = 0;
    else
        *slash = 0;
    int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        goto cleanup;
    int synced = fsync (dfd);
    close (dfd);
    if (synced != 0)
        goto cleanup;
    rc = ERR_OK;
cleanup:
    if (fd >= 0)
        close (fd);
    if (tmp [0])
        unlink (tmp);
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
        seal_hex (sign_sk_hex, k->sign_sk, sizeof k->sign_sk);
        sign_secret = json_string (sign_sk_hex);
        curve_secret = json_string (k->curve_sk);
        seal_wipe (sign_sk_hex, sizeof sign_sk_hex);
        if (!sign_secret || !curve_secret
        ||  json_object_set (root, "sign_secret", sign_secret)
        ||  json_object_set (root, "curve_secret", curve_secret))
            goto cleanup;
    }
    text = json_dumps (root, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    if (!text)
        goto cleanup;
    size_t size = strlen (text);
    text [size] = '\n';                 //  replaces the NUL, rewritten below
    rc = s_write_atomic (path, text, size + 1, secrets? 0600: 0644);
    text [size] = 0;
cleanup:
    if (text) {
        seal_wipe (text, strlen (text));
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

//  Reads a whole small file into a malloc'd NUL-terminated buffer.
//  ERR_OK, ERR_IO or ERR_MALFORMED (not a regular file, too large).
static int
s_read_file (const char *path, char **text_p, size_t *size_p)
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

int
keyfile_load (keyfile_t *k, const char *path)
{
    char *text = NULL;
    size_t size = 0;
    json_t *root = NULL;
    json_error_t jerr;
    uint8_t curve_pk [32];

    memset (k, 0, sizeof *k);
    if (seal_init () != ERR_OK)
        return ERR_INTERNAL;
    int rc = s_read_file (path, &text, &size);
    if (rc != ERR_OK)
        return rc;
    rc = ERR_MALFORMED;
    root = json_loadb (text, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object (root))
        goto cleanup;
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
