/*  licctl_files.c -- license files from the command line (see
    licctl_files.h): put sends the file in chunks (resuming an upload the
    node holds part of), get reads it a chunk at a time into --out and
    checks it against its digest before keeping it, status says how it
    stands at the node.
*/
#include <czmq.h>
#include <sys/stat.h>
#include "proto/codec.h"
#include "node/common/licjson.h"
#include "node/cli/licctl_files.h"
#include "proto/seal.h"

//  Reads a whole file of at most LICCLIENT_FILE_MAX bytes.  NULL with
//  why if it cannot.
static uint8_t *
s_slurp (const char *path, size_t *len, char *why, size_t why_size)
{
    struct stat st;
    FILE *fp = fopen (path, "rb");
    if (!fp || fstat (fileno (fp), &st) != 0 || !S_ISREG (st.st_mode)) {
        snprintf (why, why_size, "cannot read %s", path);
        if (fp)
            fclose (fp);
        return NULL;
    }
    if (st.st_size == 0 || (uint64_t) st.st_size > LICCLIENT_FILE_MAX) {
        snprintf (why, why_size, "%s is %lld bytes: a license file is 1 to %u", path,
                  (long long) st.st_size, LICCLIENT_FILE_MAX);
        fclose (fp);
        return NULL;
    }
    uint8_t *data = malloc ((size_t) st.st_size);
    if (!data || fread (data, 1, (size_t) st.st_size, fp) != (size_t) st.st_size) {
        snprintf (why, why_size, "cannot read %s", path);
        free (data);
        fclose (fp);
        return NULL;
    }
    fclose (fp);
    *len = (size_t) st.st_size;
    return data;
}

int
licctl_file_for_event (licclient_t *client, const char *dir, const Lic__Event *ev,
                       int timeout_ms, bool *transport, char *why, size_t why_size)
{
    *transport = false;
    if (!dir || !ev->content || ev->content->file_digest.len != 32
    ||  (ev->op != LIC__OP__OP_ISSUE && ev->op != LIC__OP__OP_ALTER))
        return ERR_OK;
    char hex [65], path [4096];
    seal_hex (hex, ev->content->file_digest.data, 32);
    static const char *const ext [] = { "", ".ofd", ".pdf", ".OFD", ".PDF" };
    bool found = false;
    for (size_t i = 0; !found && i < sizeof ext / sizeof ext [0]; i++) {
        snprintf (path, sizeof path, "%s/%s%s", dir, hex, ext [i]);
        found = access (path, F_OK) == 0;
    }
    if (!found) {
        snprintf (why, why_size, "no file %s/%s[.ofd|.pdf] for the license's file_digest",
                  dir, hex);
        return ERR_NO_FILE;
    }
    size_t len = 0;
    uint8_t *data = s_slurp (path, &len, why, why_size), digest [32];
    if (!data)
        return ERR_TOO_LARGE;
    //  Its bytes against its name before anything is sent: a misnamed
    //  file is not uploaded (it would take the department's budget).
    seal_sha256 (digest, data, len);
    if (memcmp (digest, ev->content->file_digest.data, 32) != 0) {
        free (data);
        snprintf (why, why_size, "%s does not hash to its name", path);
        return ERR_FILE_DIGEST;
    }
    int code = ERR_OK;
    int rc = licclient_file_put (client, data, len, digest, &code, why, why_size, timeout_ms);
    free (data);
    if (rc != ERR_OK) {
        *transport = true;
        return rc;
    }
    if (code == ERR_OK && memcmp (digest, ev->content->file_digest.data, 32) != 0) {
        snprintf (why, why_size, "%s does not hash to its name", path);
        return ERR_FILE_DIGEST;
    }
    return code;
}

static bool
s_digest (const char *hex, uint8_t digest [32])
{
    if (strlen (hex) != 64 || seal_unhex (digest, 32, hex) != ERR_OK) {
        fprintf (stderr, "licctl: %s: a file is named by its SHA-256, 64 hex digits\n", hex);
        return false;
    }
    return true;
}

static int
s_put (const licctl_opts_t *opts, const char *path)
{
    char why [512];
    size_t len = 0;
    uint8_t *data = s_slurp (path, &len, why, sizeof why), digest [32];
    if (!data) {
        fprintf (stderr, "licctl: %s\n", why);
        return LICCTL_EXIT_USAGE;
    }
    licclient_t *client = NULL;
    keyfile_t key;
    int exit_code = licctl_connect (opts, &client, &key, NULL);
    if (exit_code != LICCTL_EXIT_OK) {
        free (data);
        return exit_code;
    }
    keyfile_wipe (&key);
    int code = ERR_OK;
    int rc = licclient_file_put (client, data, len, digest, &code, why, sizeof why, opts->timeout_ms);
    free (data);
    licclient_destroy (&client);
    if (rc != ERR_OK)
        return licctl_transport_error (rc, opts->timeout_ms);
    if (code != ERR_OK) {
        fprintf (stderr, "licctl: %s: %s\n", err_str (code), why);
        return LICCTL_EXIT_REFUSED;
    }
    char hex [65];
    seal_hex (hex, digest, 32);
    if (opts->json)
        return licctl_print_json (json_pack ("{s:s, s:I}", "digest", hex, "bytes", (json_int_t) len));
    printf ("%s\n", hex);
    return LICCTL_EXIT_OK;
}

static int
s_status (const licctl_opts_t *opts, const char *hex)
{
    uint8_t digest [32];
    if (!s_digest (hex, digest))
        return LICCTL_EXIT_USAGE;
    licclient_t *client = NULL;
    keyfile_t key;
    int exit_code = licctl_connect (opts, &client, &key, NULL);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    keyfile_wipe (&key);
    Lic__Reply *reply = NULL;
    int rc = licclient_file_status (client, digest, &reply, opts->timeout_ms);
    exit_code = licctl_check_reply (rc, reply, LIC__REPLY__BODY_FILE, opts->timeout_ms);
    if (exit_code == LICCTL_EXIT_OK) {
        const Lic__FileResult *f = reply->file;
        if (opts->json)
            exit_code = licctl_print_json (json_pack ("{s:s, s:b, s:I, s:I}", "digest", hex,
                                           "present", f->present, "total", (json_int_t) f->total,
                                           "received", (json_int_t) f->received));
        else
        if (f->present)
            printf ("%s present, %" PRIu64 " bytes\n", hex, f->total);
        else
        if (f->received || f->total)
            printf ("%s uploading, %" PRIu64 " of %" PRIu64 " bytes\n", hex, f->received, f->total);
        else
            printf ("%s missing\n", hex);
        if (!f->present && exit_code == LICCTL_EXIT_OK)
            exit_code = LICCTL_EXIT_REFUSED;
    }
    codec_reply_free (&reply);
    licclient_destroy (&client);
    return exit_code;
}

//  Reads the file a chunk at a time into --out (a temporary name beside
//  it, renamed once the whole hashes to the digest).
static int
s_get (const licctl_opts_t *opts, const char *hex)
{
    uint8_t digest [32], got [32];
    if (!s_digest (hex, digest))
        return LICCTL_EXIT_USAGE;
    if (!opts->out || strcmp (opts->out, "-") == 0) {
        fprintf (stderr, "licctl: file get needs --out FILE\n");
        return LICCTL_EXIT_USAGE;
    }
    char tmp [4200];
    snprintf (tmp, sizeof tmp, "%s.part", opts->out);
    licclient_t *client = NULL;
    keyfile_t key;
    int exit_code = licctl_connect (opts, &client, &key, NULL);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    keyfile_wipe (&key);
    FILE *fp = fopen (tmp, "wb");
    if (!fp) {
        fprintf (stderr, "licctl: cannot write %s\n", tmp);
        licclient_destroy (&client);
        return LICCTL_EXIT_USAGE;
    }
    seal_sha256_ctx_t state;
    seal_sha256_init (&state);
    uint64_t at = 0, total = 0;
    bool ok = true;
    while (exit_code == LICCTL_EXIT_OK) {
        Lic__Reply *reply = NULL;
        int rc = licclient_file_read (client, digest, at, 0, &reply, opts->timeout_ms);
        exit_code = licctl_check_reply (rc, reply, LIC__REPLY__BODY_FILE, opts->timeout_ms);
        if (exit_code == LICCTL_EXIT_OK) {
            const Lic__FileResult *f = reply->file;
            total = f->total;
            if (f->offset != at || f->data.len > total - at)
                exit_code = LICCTL_EXIT_USAGE;
            else {
                ok = ok && fwrite (f->data.data, 1, f->data.len, fp) == f->data.len;
                seal_sha256_update (&state, f->data.data, f->data.len);
                at += f->data.len;
                if (f->data.len == 0 || at == total) {
                    codec_reply_free (&reply);
                    break;
                }
            }
        }
        codec_reply_free (&reply);
    }
    licclient_destroy (&client);
    ok = fflush (fp) == 0 && ok;
    ok = fclose (fp) == 0 && ok;
    seal_sha256_final (&state, got);
    if (exit_code == LICCTL_EXIT_OK && (!ok || at != total || memcmp (got, digest, 32) != 0)) {
        fprintf (stderr, "licctl: %s\n", ok? "the bytes read do not hash to the digest: not kept"
                                           : "cannot write the file");
        exit_code = ok? LICCTL_EXIT_REFUSED: LICCTL_EXIT_USAGE;
    }
    if (exit_code != LICCTL_EXIT_OK) {
        remove (tmp);
        return exit_code;
    }
    if (rename (tmp, opts->out) != 0) {
        fprintf (stderr, "licctl: cannot rename %s to %s\n", tmp, opts->out);
        remove (tmp);
        return LICCTL_EXIT_USAGE;
    }
    if (opts->json)
        return licctl_print_json (json_pack ("{s:s, s:I, s:s}", "digest", hex, "bytes",
                                             (json_int_t) total, "out", opts->out));
    fprintf (stderr, "licctl: %" PRIu64 " bytes written to %s, digest verified\n", total, opts->out);
    return LICCTL_EXIT_OK;
}

int
licctl_cmd_file (const licctl_opts_t *opts)
{
    const char *sub = opts->n_args? opts->args [0]: "";
    if (strcmp (sub, "put") == 0 && opts->n_args == 2)
        return s_put (opts, opts->args [1]);
    if (strcmp (sub, "get") == 0 && opts->n_args == 2)
        return s_get (opts, opts->args [1]);
    if (strcmp (sub, "status") == 0 && opts->n_args == 2)
        return s_status (opts, opts->args [1]);
    licctl_usage (stderr);
    return LICCTL_EXIT_USAGE;
}
