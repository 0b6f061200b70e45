/*  test_e2e_files -- license files on real nodes (two counties -> city
    -> province, proto/README.md section 12): a file put at a county in
    chunks and the issue naming it accepted; an event naming a file the
    node does not hold (or holds only part of) refused ERR_NO_FILE, and
    one of a type that requires a file refused without one; a wrong
    digest, an oversized file and a chunk out of place refused with their
    codes and nothing kept; the same bytes stored once; a 16 MiB file put
    and read back; reads for the operator only; licctl file put, status,
    get, publish --file-dir and import --file-dir (a signed envelope
    stream whose events name files).  Files follow their entries upward: a
    file published with its event at either county reaches the city and
    the province, the same bytes; with the county killed in the middle of
    a 16 MiB transfer the file shows missing at the city and the province
    (by origin) while its entry is there, until the county is back; the
    city killed in the middle of one resumes where its disk stood, and so
    does the province; a
    backup of the province restored holds every file; a county rebuilt
    from its parent after losing its disk gets its files back; licnode check
    verifies every file at every level.  An application body at the
    province reads a license's file within its scope, a chunk per query,
    each in the audit log; out of its scope or for another holder it is
    refused.  A catalogue version naming a template blob the node does
    not hold is refused; one naming a blob put first is taken, and the
    blob reaches the city and the province.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

static support_hier_t s_h;
static char s_query_ep [40];            //  the province's query socket
static support_dept_t s_dept;
static char s_dir [512];
static licclient_t *s_admin, *s_client;     //  at the county 330106

//  A file of len bytes, different for each seed.
static uint8_t *
s_bytes (size_t len, uint32_t seed)
{
    uint8_t *data = malloc (len);
    assert (data);
    uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);       //  xorshift64
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data [i] = (uint8_t) (x >> 24);
    }
    memcpy (data, "%PDF-1.7\n", len < 9? len: 9);
    return data;
}

//  One FileRequest put as it comes (not through licclient_file_put, which
//  computes the digest and the order): the node's code, why its message.
static int
s_raw_put (licclient_t *c, const uint8_t digest [32], uint64_t offset, uint64_t total,
           const uint8_t *data, size_t len, char *why, size_t why_size)
{
    Lic__Request req;
    Lic__FileRequest f = LIC__FILE_REQUEST__INIT;
    codec_request_init (&req);
    f.digest.data = (uint8_t *) digest;
    f.digest.len = 32;
    f.offset = offset;
    f.total = total;
    f.data.data = (uint8_t *) data;
    f.data.len = len;
    req.body_case = LIC__REQUEST__BODY_FILE;
    req.file = &f;
    Lic__Reply *reply = NULL;
    assert (licclient_call (c, &req, &reply, 20000) == ERR_OK);
    int code = reply->code;
    snprintf (why, why_size, "%s", reply->message);
    licclient_reply_free (&reply);
    return code;
}

//  The file's state at c's node: 1 present, 0 not, and how much is there.
static bool
s_present (licclient_t *c, const uint8_t digest [32], uint64_t *received)
{
    Lic__Reply *reply = NULL;
    assert (licclient_file_status (c, digest, &reply, 10000) == ERR_OK);
    assert (reply->code == ERR_OK && reply->body_case == LIC__REPLY__BODY_FILE);
    bool present = reply->file->present;
    if (received)
        *received = reply->file->received;
    licclient_reply_free (&reply);
    return present;
}

//  Reads the whole file back through c (operator) and compares.
static void
s_read_back (licclient_t *c, const uint8_t digest [32], const uint8_t *data, size_t len)
{
    uint64_t at = 0;
    while (at < len) {
        Lic__Reply *reply = NULL;
        assert (licclient_file_read (c, digest, at, 0, &reply, 10000) == ERR_OK);
        assert (reply->code == ERR_OK && reply->file->total == len && reply->file->offset == at);
        assert (reply->file->data.len > 0 && reply->file->data.len <= LICCLIENT_FILE_CHUNK);
        assert (memcmp (reply->file->data.data, data + at, reply->file->data.len) == 0);
        at += reply->file->data.len;
        licclient_reply_free (&reply);
    }
    assert (at == len);
}

//  Publishes an issue of license `serial` naming digest (or none).
static int
s_issue (licclient_t *c, const support_dept_t *d, uint32_t serial, const uint8_t *digest,
         char *why, size_t why_size)
{
    uint8_t *body, sig [64];
    size_t len;
    assert (support_event_sign_file (d, LIC__OP__OP_ISSUE, serial, 0, serial, digest,
                                     &body, &len, sig) == ERR_OK);
    int code = -1;
    assert (licclient_publish (c, body, len, sig, d->key.sign_pk, NULL, NULL, &code,
                               why, why_size, 10000) == ERR_OK);
    free (body);
    return code;
}

static bool
s_license_exists (licclient_t *admin, const support_dept_t *d, uint32_t serial)
{
    char id [LICID_BARE_MAX + 1];
    support_license_id (id, d->type_code, d->key.code, serial);
    Lic__Reply *reply = NULL;
    assert (licclient_get (admin, id, false, &reply, 10000) == ERR_OK);
    bool found = reply->code == ERR_OK;
    assert (found || reply->code == ERR_NOT_FOUND);
    licclient_reply_free (&reply);
    return found;
}

static void
test_a_file_put_then_its_issue_is_accepted (void)
{
    size_t len = 300 * 1000;
    uint8_t *data = s_bytes (len, 1), digest [32];
    char why [512];
    int code = -1;
    //  Before: the issue naming it is refused, nothing stored.
    seal_sha256 (digest, data, len);
    code = s_issue (s_client, &s_dept, 1, digest, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (code), why);
    assert (code == ERR_NO_FILE && strstr (why, "not held"));
    assert (!s_license_exists (s_admin, &s_dept, 1));
    //  The department puts it (in chunks), then publishes.
    assert (licclient_file_put (s_client, data, len, digest, &code, why, sizeof why, 10000) == ERR_OK);
    assert (code == ERR_OK);
    uint64_t received = 0;
    assert (s_present (s_client, digest, &received) && received == len);
    assert (s_issue (s_client, &s_dept, 1, digest, why, sizeof why) == ERR_OK);
    assert (s_license_exists (s_admin, &s_dept, 1));
    //  The same bytes again: nothing sent, still once.
    assert (licclient_file_put (s_client, data, len, digest, &code, why, sizeof why, 10000) == ERR_OK);
    assert (code == ERR_OK);
    //  The operator reads it back; a department may not.
    s_read_back (s_admin, digest, data, len);
    Lic__Reply *reply = NULL;
    assert (licclient_file_read (s_client, digest, 0, 0, &reply, 10000) == ERR_OK);
    assert (reply->code == ERR_FORBIDDEN);
    licclient_reply_free (&reply);
    //  A range inside a chunk, and past the end.
    assert (licclient_file_read (s_admin, digest, 1000, 10, &reply, 10000) == ERR_OK);
    assert (reply->code == ERR_OK && reply->file->data.len == 10
            && memcmp (reply->file->data.data, data + 1000, 10) == 0);
    licclient_reply_free (&reply);
    assert (licclient_file_read (s_admin, digest, len + 1, 0, &reply, 10000) == ERR_OK);
    assert (reply->code == ERR_BAD_FIELD);
    licclient_reply_free (&reply);
    free (data);
}

static void
test_wrong_digest_oversized_and_out_of_place_are_refused (void)
{
    char why [512];
    size_t len = 2 * LICCLIENT_FILE_CHUNK + 77;
    uint8_t *data = s_bytes (len, 2), digest [32], wrong [32];
    seal_sha256 (digest, data, len);
    memcpy (wrong, digest, 32);
    wrong [31] ^= 0x55;
    //  Bytes that are not the file named: the last chunk is refused and
    //  nothing of them is kept.
    assert (s_raw_put (s_client, wrong, 0, len, data, LICCLIENT_FILE_CHUNK, why, sizeof why) == ERR_OK);
    assert (s_raw_put (s_client, wrong, LICCLIENT_FILE_CHUNK, len, data + LICCLIENT_FILE_CHUNK,
                       LICCLIENT_FILE_CHUNK, why, sizeof why) == ERR_OK);
    uint64_t received = 0;
    assert (!s_present (s_client, wrong, &received) && received == 2 * LICCLIENT_FILE_CHUNK);
    int code = s_raw_put (s_client, wrong, 2 * LICCLIENT_FILE_CHUNK, len, data + 2 * LICCLIENT_FILE_CHUNK,
                          77, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (code), why);
    assert (code == ERR_FILE_DIGEST);
    assert (!s_present (s_client, wrong, &received) && received == 0);
    //  A partly uploaded file does not count for an event either.
    assert (s_raw_put (s_client, digest, 0, len, data, LICCLIENT_FILE_CHUNK, why, sizeof why) == ERR_OK);
    code = s_issue (s_client, &s_dept, 2, digest, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (code), why);
    assert (code == ERR_NO_FILE && strstr (why, "not here yet"));
    //  A chunk ahead of the upload, and one of the wrong size.
    code = s_raw_put (s_client, digest, 2 * LICCLIENT_FILE_CHUNK, len, data, 77, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (code), why);
    assert (code == ERR_GAP && strstr (why, "stands at offset 131072"));
    assert (s_raw_put (s_client, digest, LICCLIENT_FILE_CHUNK, len, data, 1000, why, sizeof why) == ERR_BAD_FIELD);
    //  licclient_file_put resumes the upload where it stands.
    assert (licclient_file_put (s_client, data, len, digest, &code, why, sizeof why, 10000) == ERR_OK);
    assert (code == ERR_OK && s_present (s_client, digest, NULL));
    assert (s_issue (s_client, &s_dept, 2, digest, why, sizeof why) == ERR_OK);
    free (data);

    //  Over 16 MiB: refused before anything is stored.
    size_t big = LICCLIENT_FILE_MAX + 1;
    data = s_bytes (big, 3);
    assert (licclient_file_put (s_client, data, big, digest, &code, why, sizeof why, 10000) == ERR_OK);
    printf ("  refused: %s: %s\n", err_str (code), why);
    assert (code == ERR_TOO_LARGE);
    assert (!s_present (s_client, digest, &received) && received == 0);
    free (data);
    //  A digest that is not 32 bytes.
    Lic__Reply *reply = NULL;
    Lic__Request req;
    Lic__FileRequest f = LIC__FILE_REQUEST__INIT;
    codec_request_init (&req);
    f.digest.data = digest;
    f.digest.len = 31;
    f.status = true;
    req.body_case = LIC__REQUEST__BODY_FILE;
    req.file = &f;
    assert (licclient_call (s_client, &req, &reply, 10000) == ERR_OK);
    assert (reply->code == ERR_BAD_FIELD);
    licclient_reply_free (&reply);
}

//  A PublishBatch is judged event by event with the same rule: the event
//  naming a held file is taken, the one naming a file not here refused
//  ERR_NO_FILE, in the same answer.
static void
test_a_publish_batch_checks_each_event_s_file (void)
{
    size_t len = 5000;
    uint8_t *data = s_bytes (len, 8), held [32], absent [32];
    char why [512];
    int code = -1;
    assert (licclient_file_put (s_client, data, len, held, &code, why, sizeof why, 10000) == ERR_OK && code == ERR_OK);
    data [0] ^= 1;
    seal_sha256 (absent, data, len);
    Lic__Envelope env [2], *envp [2];
    uint8_t *body [2], sig [2][64];
    size_t blen [2];
    for (int i = 0; i < 2; i++) {
        assert (support_event_sign_file (&s_dept, LIC__OP__OP_ISSUE, 41 + (uint32_t) i, 0, 41, i? absent: held,
                                         &body [i], &blen [i], sig [i]) == ERR_OK);
        lic__envelope__init (&env [i]);
        env [i].body.data = body [i];
        env [i].body.len = blen [i];
        env [i].signature.data = sig [i];
        env [i].signature.len = 64;
        env [i].key_id.data = (uint8_t *) s_dept.key.sign_pk;
        env [i].key_id.len = 32;
        envp [i] = &env [i];
    }
    Lic__PublishBatch pb = LIC__PUBLISH_BATCH__INIT;
    pb.events = envp;
    pb.n_events = 2;
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_PUBLISH_BATCH;
    req.publish_batch = &pb;
    Lic__Reply *r = NULL;
    assert (licclient_call (s_client, &req, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (r->published_batch && r->published_batch->n_results == 2);
    assert (r->published_batch->results [0]->code == ERR_OK);
    assert (r->published_batch->results [1]->code == ERR_NO_FILE);
    printf ("  batch: event 1 seq %" PRIu64 ", event 2 refused: %s\n",
            r->published_batch->results [0]->seq, r->published_batch->results [1]->message);
    licclient_reply_free (&r);
    assert (s_license_exists (s_admin, &s_dept, 41) && !s_license_exists (s_admin, &s_dept, 42));
    for (int i = 0; i < 2; i++)
        free (body [i]);
    free (data);
}

static void
test_a_16_mib_file (void)
{
    size_t len = LICCLIENT_FILE_MAX;
    uint8_t *data = s_bytes (len, 4), digest [32];
    char why [512];
    int code = -1;
    int64_t t0 = support_now_us ();
    assert (licclient_file_put (s_client, data, len, digest, &code, why, sizeof why, 20000) == ERR_OK);
    assert (code == ERR_OK);
    int64_t t1 = support_now_us ();
    s_read_back (s_admin, digest, data, len);
    int64_t t2 = support_now_us ();
    printf ("  16 MiB: put in %.2f s (%.1f MB/s), read back in %.2f s\n", (t1 - t0) / 1e6,
            len / ((t1 - t0) / 1e6) / 1e6, (t2 - t1) / 1e6);
    assert (s_issue (s_client, &s_dept, 3, digest, why, sizeof why) == ERR_OK);
    free (data);
}

static void
test_a_type_requiring_a_file_refuses_an_event_without_one (void)
{
    support_dept_t d;
    assert (support_dept_make (&d, 812, s_dir) == ERR_OK);
    assert (support_register_department (s_admin, &d) == ERR_OK);
    support_type_t parts;
    support_type_make (&parts, d.type_code);
    parts.type.file_required = true;
    assert (support_catalogue_put (s_admin, &parts.type) == ERR_OK);
    licclient_t *c = NULL;
    assert (support_client (&c, &s_h.node [0], &d) == ERR_OK);
    char why [512];
    int code = s_issue (c, &d, 1, NULL, why, sizeof why);
    printf ("  refused: %s: %s\n", err_str (code), why);
    assert (code == ERR_CATALOGUE && strstr (why, "requires the license's file"));
    assert (!s_license_exists (s_admin, &d, 1));
    size_t len = 5000;
    uint8_t *data = s_bytes (len, 5), digest [32];
    assert (licclient_file_put (c, data, len, digest, &code, why, sizeof why, 10000) == ERR_OK && code == ERR_OK);
    assert (s_issue (c, &d, 1, digest, why, sizeof why) == ERR_OK);
    free (data);
    licclient_destroy (&c);
}

//  Runs licctl with args (a shell command line after the binary); its
//  exit status; its stdout into out.
static int
s_licctl (char *out, size_t out_size, const char *fmt, ...)
{
    char args [2048], cmd [4096];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (args, sizeof args, fmt, ap);
    va_end (ap);
    snprintf (cmd, sizeof cmd, "%s %s", support_licctl_path (), args);
    FILE *p = popen (cmd, "r");
    assert (p);
    size_t n = fread (out, 1, out_size - 1, p);
    out [n] = 0;
    int st = pclose (p);
    return WIFEXITED (st)? WEXITSTATUS (st): -1;
}

//  licctl import --file-dir of a one-event envelope stream whose issue
//  (serial) names a file of len bytes (seed) kept in files/ under its
//  digest; misnamed: the file under that name holds other bytes.
static void
s_import_with_file (const char *dir, const char *files, size_t len, uint64_t seed,
                    uint32_t serial, bool misnamed)
{
    char path [1400], out [4096], hex [65];
    uint8_t *data = s_bytes (len, seed), digest [32], other [32];
    seal_sha256 (digest, data, len);
    seal_hex (hex, digest, 32);
    if (misnamed) {
        free (data);
        data = s_bytes (len, seed + 1000);
        seal_sha256 (other, data, len);
    }
    snprintf (path, sizeof path, "%s/%s.pdf", files, hex);
    FILE *fp = fopen (path, "wb");
    assert (fp && fwrite (data, 1, len, fp) == len && fclose (fp) == 0);
    uint8_t *body = NULL, sig [64], *env_bytes = NULL;
    size_t body_len = 0, env_len = 0;
    assert (support_event_sign_file (&s_dept, LIC__OP__OP_ISSUE, serial, 0, serial, digest, &body,
                                     &body_len, sig) == ERR_OK);
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = body;
    env.body.len = body_len;
    env.signature.data = sig;
    env.signature.len = 64;
    env.key_id.data = s_dept.key.sign_pk;
    env.key_id.len = 32;
    assert (codec_envelope_encode (&env, &env_bytes, &env_len) == ERR_OK);
    char stream [700];
    snprintf (stream, sizeof stream, "%s/history.pb", s_dir);
    fp = fopen (stream, "wb");
    assert (fp);
    for (size_t v = env_len; ; v >>= 7) {           //  its length as a varint, then it
        fputc ((int) ((v & 0x7f) | (v >= 0x80? 0x80: 0)), fp);
        if (v < 0x80)
            break;
    }
    assert (fwrite (env_bytes, 1, env_len, fp) == env_len && fclose (fp) == 0);
    free (env_bytes);
    free (body);
    if (misnamed) {
        int rc = s_licctl (out, sizeof out, "-n %s/node.pub -k %s import --file-dir %s %s 2>&1",
                           dir, s_dept.key_path, files, stream);
        printf ("  licctl import --file-dir, a misnamed file: %d %s", rc, out);
        assert (rc == 1 && strstr (out, "ERR_FILE_DIGEST") && strstr (out, "does not hash"));
        assert (!s_present (s_admin, digest, NULL) && !s_present (s_admin, other, NULL));
        assert (!s_license_exists (s_admin, &s_dept, serial));
        free (data);
        return;
    }
    //  Without --file-dir the node does not hold the file: refused.
    int rc = s_licctl (out, sizeof out, "-n %s/node.pub -k %s import %s 2>&1", dir, s_dept.key_path,
                   stream);
    printf ("  licctl import without --file-dir: %d %s", rc, out);
    assert (rc == 1 && strstr (out, "ERR_NO_FILE"));
    assert (!s_present (s_admin, digest, NULL));
    rc = s_licctl (out, sizeof out, "-n %s/node.pub -k %s import --file-dir %s %s 2>&1", dir,
                   s_dept.key_path, files, stream);
    printf ("  licctl import --file-dir: %d %s", rc, out);
    assert (rc == 0 && strstr (out, "1 published"));
    assert (s_present (s_admin, digest, NULL));
    assert (s_license_exists (s_admin, &s_dept, serial));
    free (data);
}

static void
test_licctl_file_put_status_get_and_publish_with_file_dir (void)
{
    char path [1400], out [4096], hex [65], got [700], files [700], ev [700];
    size_t len = 200 * 1000;
    uint8_t *data = s_bytes (len, 6), digest [32];
    seal_sha256 (digest, data, len);
    seal_hex (hex, digest, 32);
    snprintf (path, sizeof path, "%s/license.pdf", s_dir);
    FILE *fp = fopen (path, "wb");
    assert (fp && fwrite (data, 1, len, fp) == len && fclose (fp) == 0);
    const char *dir = s_h.node [0].dir;
    assert (s_licctl (out, sizeof out, "-d %s file status %s", dir, hex) == 1);
    assert (strstr (out, "missing"));
    assert (s_licctl (out, sizeof out, "-d %s file put %s", dir, path) == 0);
    assert (strncmp (out, hex, 64) == 0);
    assert (s_licctl (out, sizeof out, "-d %s file status %s", dir, hex) == 0);
    assert (strstr (out, "present, 200000 bytes"));
    snprintf (got, sizeof got, "%s/got.pdf", s_dir);
    assert (s_licctl (out, sizeof out, "-d %s file get %s --out %s", dir, hex, got) == 0);
    fp = fopen (got, "rb");
    uint8_t *back = malloc (len + 1);
    assert (fp && fread (back, 1, len + 1, fp) == len && fclose (fp) == 0);
    assert (memcmp (back, data, len) == 0);
    free (back);

    //  publish --file-dir: the file named by its digest goes first.
    free (data);
    data = s_bytes (len, 7);
    seal_sha256 (digest, data, len);
    seal_hex (hex, digest, 32);
    snprintf (files, sizeof files, "%s/files", s_dir);
    assert (mkdir (files, 0700) == 0);
    snprintf (path, sizeof path, "%s/%s.ofd", files, hex);
    fp = fopen (path, "wb");
    assert (fp && fwrite (data, 1, len, fp) == len && fclose (fp) == 0);
    char id [LICID_BARE_MAX + 1], hid [19];
    support_license_id (id, s_dept.type_code, s_dept.key.code, 9);
    support_resident_id (hid, 9);
    snprintf (ev, sizeof ev, "%s/event.json", s_dir);
    fp = fopen (ev, "w");
    assert (fp);
    fprintf (fp, "{\"op\":\"issue\",\"license_id\":\"%s\",\"expected_version\":0,\"issuer_code\":\"%s\","
        "\"completed_at\":1764201609,\"license\":{\"name\":\"营业执照\","
        "\"holder\":{\"id_type\":\"111\",\"id\":\"%s\",\"name\":\"张三\"},"
        "\"issue_date\":\"2026-11-27\",\"valid_from\":\"2026-11-27\",\"valid_to\":\"2046-11-26\","
        "\"division_code\":\"330106\",\"items\":{\"business_scope\":\"技术服务\",\"company_type\":\"有限\","
        "\"credit_code\":\"91330106000000001X\",\"established\":\"2026-11-27\",\"legal_representative\":\"张三\","
        "\"name\":\"杭州示例\",\"operating_term\":\"长期\",\"registered_capital\":\"100万元\","
        "\"registration_authority\":\"西湖区\",\"residence\":\"文三路1号\"},\"file_digest\":\"%s\"}}\n",
        id, s_dept.key.code, hid, hex);
    assert (fclose (fp) == 0);
    //  Without --file-dir the node does not hold it: refused.
    int rc = s_licctl (out, sizeof out, "-n %s/node.pub -k %s publish %s 2>&1", dir, s_dept.key_path, ev);
    printf ("  licctl publish without --file-dir: %d %s", rc, out);
    assert (rc == 1 && strstr (out, "ERR_NO_FILE"));
    rc = s_licctl (out, sizeof out, "-n %s/node.pub -k %s publish --file-dir %s %s 2>&1", dir,
                   s_dept.key_path, files, ev);
    printf ("  licctl publish --file-dir: %d %s", rc, out);
    assert (rc == 0 && strstr (out, "seq "));
    assert (s_present (s_admin, digest, NULL));
    free (data);

    //  import of events signed elsewhere (a length-delimited Envelope
    //  stream) with --file-dir: each event's file is put before it.
    s_import_with_file (dir, files, len, 8, 10, false);
    //  A file whose bytes are not what its name says: refused before
    //  anything of it is sent (nothing stored, the event not published).
    s_import_with_file (dir, files, len, 9, 11, true);
}

//  The status of node n.
static Lic__Reply *
s_status (int n)
{
    Lic__Reply *reply = NULL;
    assert (support_status (&s_h.node [n], &reply) == ERR_OK && reply->code == ERR_OK);
    return reply;
}

static uint64_t
s_missing (int n, const char *origin)
{
    Lic__Reply *r = s_status (n);
    uint64_t missing = r->status->files_missing;
    if (origin) {
        missing = 0;
        for (size_t i = 0; i < r->status->n_files_missing_by_origin; i++)
            if (strcmp (r->status->files_missing_by_origin [i]->origin, origin) == 0)
                missing = r->status->files_missing_by_origin [i]->files;
    }
    licclient_reply_free (&r);
    return missing;
}

//  Polls node n's file status every 10 ms until cond holds (at most
//  120 s, else the test fails): a bounded wait for the replication to
//  get somewhere, never a sleep standing in for it.
typedef bool (s_cond_fn) (licclient_t *c, const uint8_t digest [32], void *arg);

static void
s_wait (licclient_t *c, const uint8_t digest [32], s_cond_fn *cond, void *arg, const char *what)
{
    int64_t deadline = support_now_us () + 120 * 1000000LL;
    while (!cond (c, digest, arg)) {
        if (support_now_us () > deadline) {
            fprintf (stderr, "e2e_files: gave up waiting for %s\n", what);
            assert (false);
        }
        usleep (10000);
    }
}

static bool
s_is_present (licclient_t *c, const uint8_t digest [32], void *arg)
{
    return s_present (c, digest, NULL);
}

//  Part of the file (at least *arg bytes and less than half), or all of
//  it: the transfer outran the poll.
static bool
s_is_partial_or_whole (licclient_t *c, const uint8_t digest [32], void *arg)
{
    uint64_t received = 0;
    return s_present (c, digest, &received)
        || (received >= *(uint64_t *) arg && received < LICCLIENT_FILE_MAX / 2);
}

//  Puts a 16 MiB file at county 330106 and publishes an issue naming it
//  (serial), until `watch` is seen holding part of it (at least `some`
//  bytes, less than half): a parent asks for 2 MiB at a time, so a poll
//  may find a file whole already; then another file and serial (at most
//  8).  The file's bytes (the caller's) and digest; *serial the one used.
static uint8_t *
s_put_until_partial (licclient_t *watch, uint32_t *serial, uint32_t seed, uint64_t some,
                     uint8_t digest [32], const char *what)
{
    for (int i = 0; i < 8; i++, (*serial) += 100, seed += 100) {
        uint8_t *data = s_bytes (LICCLIENT_FILE_MAX, seed);
        char why [512];
        int code = -1;
        assert (licclient_file_put (s_client, data, LICCLIENT_FILE_MAX, digest, &code, why,
                                    sizeof why, 20000) == ERR_OK && code == ERR_OK);
        assert (s_issue (s_client, &s_dept, *serial, digest, why, sizeof why) == ERR_OK);
        s_wait (watch, digest, s_is_partial_or_whole, &some, what);
        if (!s_present (watch, digest, NULL))
            return data;
        free (data);
        //  That one goes whole to the province before the next begins:
        //  the test counts what is missing there.
        int64_t deadline = support_now_us () + 120 * 1000000LL;
        while (s_missing (2, NULL) != 0 || s_missing (3, NULL) != 0) {
            assert (support_now_us () < deadline);
            usleep (10000);
        }
    }
    fprintf (stderr, "e2e_files: 8 files of 16 MiB went whole before a poll saw part of them\n");
    assert (false);
    return NULL;
}

static bool
s_has_license (licclient_t *c, const uint8_t digest [32], void *arg)
{
    return s_license_exists (c, &s_dept, *(uint32_t *) arg);
}

static void
test_files_reach_the_city_and_the_province (void)
{
    //  One file at each county (a department of 330108 too).
    support_dept_t d8;
    licclient_t *admin8 = NULL, *c8 = NULL, *city = NULL, *province = NULL;
    assert (support_dept_make (&d8, 811, s_dir) == ERR_OK);
    assert (support_admin (&admin8, &s_h.node [1]) == ERR_OK);
    assert (support_register (admin8, &d8) == ERR_OK);
    assert (support_client (&c8, &s_h.node [1], &d8) == ERR_OK);
    assert (support_admin (&city, &s_h.node [2]) == ERR_OK);
    assert (support_admin (&province, &s_h.node [3]) == ERR_OK);
    size_t len6 = 700 * 1000, len8 = 90 * 1000;
    uint8_t *f6 = s_bytes (len6, 11), *f8 = s_bytes (len8, 12), d6 [32], dg8 [32];
    char why [512];
    int code = -1;
    assert (licclient_file_put (s_client, f6, len6, d6, &code, why, sizeof why, 10000) == ERR_OK && code == ERR_OK);
    assert (s_issue (s_client, &s_dept, 21, d6, why, sizeof why) == ERR_OK);
    assert (licclient_file_put (c8, f8, len8, dg8, &code, why, sizeof why, 10000) == ERR_OK && code == ERR_OK);
    assert (s_issue (c8, &d8, 21, dg8, why, sizeof why) == ERR_OK);
    assert (support_hier_wait_synced (&s_h, 120) == ERR_OK);
    s_wait (province, d6, s_is_present, NULL, "330106's file at the province");
    s_wait (province, dg8, s_is_present, NULL, "330108's file at the province");
    //  The same bytes at every level; complete.
    s_read_back (city, d6, f6, len6);
    s_read_back (city, dg8, f8, len8);
    s_read_back (province, d6, f6, len6);
    s_read_back (province, dg8, f8, len8);
    //  Every file published so far (tests above) has come up too.
    int64_t deadline = support_now_us () + 120 * 1000000LL;
    while (s_missing (3, NULL) != 0 || s_missing (2, NULL) != 0) {
        assert (support_now_us () < deadline);
        usleep (10000);
    }
    Lic__Reply *r = s_status (3);
    printf ("  province: %" PRIu64 " files missing: complete\n", r->status->files_missing);
    licclient_reply_free (&r);
    free (f6);
    free (f8);
    licclient_destroy (&c8);
    licclient_destroy (&admin8);
    licclient_destroy (&city);
    licclient_destroy (&province);
}

static void
test_a_county_killed_mid_transfer_leaves_the_file_missing_until_it_is_back (void)
{
    licclient_t *city = NULL, *province = NULL;
    assert (support_admin (&city, &s_h.node [2]) == ERR_OK);
    assert (support_admin (&province, &s_h.node [3]) == ERR_OK);
    size_t len = LICCLIENT_FILE_MAX;
    uint8_t digest [32];
    //  The city has begun to fetch it: the county dies.
    uint64_t some = 2 * LICCLIENT_FILE_CHUNK;
    uint32_t serial = 31;
    uint8_t *data = s_put_until_partial (city, &serial, 13, some, digest,
                                         "the city to have part of the file");
    assert (support_node_stop (&s_h.node [0], SIGKILL) != 0);
    licclient_destroy (&s_client);
    //  Its entry reaches the province; the file is missing at the city and
    //  the province, by origin 330106, and stays so.
    s_wait (province, digest, s_has_license, &serial, "the license at the province");
    uint64_t received = 0;
    assert (!s_present (city, digest, &received) && received >= some);
    assert (!s_present (province, digest, NULL));
    assert (s_missing (2, "330106") == 1 && s_missing (3, "330106") == 1);
    Lic__Reply *r = s_status (2);
    for (size_t i = 0; i < r->status->n_children; i++)
        if (strcmp (r->status->children [i]->division, "330106") == 0)
            assert (r->status->children [i]->files_missing == 1);
    licclient_reply_free (&r);
    printf ("  county killed with %" PRIu64 " of %zu bytes at the city: missing at the city "
            "and the province\n", received, len);
    //  The county is back: the transfer goes on and the file arrives.
    assert (support_node_restart (&s_h.node [0]) == ERR_OK);
    assert (support_client (&s_client, &s_h.node [0], &s_dept) == ERR_OK);
    s_wait (province, digest, s_is_present, NULL, "the file at the province");
    assert (s_missing (3, NULL) == 0);
    s_read_back (province, digest, data, len);
    free (data);
    licclient_destroy (&city);
    licclient_destroy (&province);
}

static void
test_the_city_killed_mid_transfer_resumes_where_it_stood (void)
{
    licclient_t *city = NULL, *province = NULL;
    assert (support_admin (&city, &s_h.node [2]) == ERR_OK);
    size_t len = LICCLIENT_FILE_MAX;
    uint8_t digest [32];
    uint64_t some = 4 * LICCLIENT_FILE_CHUNK, before = 0, after = 0;
    uint32_t serial = 32;
    uint8_t *data = s_put_until_partial (city, &serial, 14, some, digest,
                                         "the city to have part of the file");
    licclient_destroy (&city);
    assert (support_node_stop (&s_h.node [2], SIGKILL) != 0);
    //  What the city's disk holds of it, with the city down: licnode
    //  cannot be asked, so the restart tells (below).
    assert (support_node_restart (&s_h.node [2]) == ERR_OK);
    assert (support_admin (&city, &s_h.node [2]) == ERR_OK);
    assert (!s_present (city, digest, &after) || after == len);
    before = some;
    //  Resumed, not started again: the first status after the restart is
    //  at least where the test saw it before the kill.
    assert (after >= before);
    printf ("  city killed with at least %" PRIu64 " bytes; after its restart %" PRIu64 "\n",
            before, after);
    assert (support_admin (&province, &s_h.node [3]) == ERR_OK);
    s_wait (province, digest, s_is_present, NULL, "the file at the province");
    s_read_back (province, digest, data, len);
    s_read_back (city, digest, data, len);
    free (data);
    licclient_destroy (&city);
    licclient_destroy (&province);
}

static void
test_the_province_killed_mid_transfer_resumes (void)
{
    licclient_t *province = NULL;
    assert (support_admin (&province, &s_h.node [3]) == ERR_OK);
    size_t len = LICCLIENT_FILE_MAX;
    uint8_t digest [32];
    uint64_t some = 2 * LICCLIENT_FILE_CHUNK, after = 0;
    uint32_t serial = 33;
    uint8_t *data = s_put_until_partial (province, &serial, 15, some, digest,
                                         "the province to have part of the file");
    licclient_destroy (&province);
    assert (support_node_stop (&s_h.node [3], SIGKILL) != 0);
    assert (support_node_restart (&s_h.node [3]) == ERR_OK);
    assert (support_admin (&province, &s_h.node [3]) == ERR_OK);
    assert (!s_present (province, digest, &after) || after == len);
    printf ("  province killed with at least %" PRIu64 " bytes; after its restart %" PRIu64 "\n",
            some, after);
    assert (after >= some);
    s_wait (province, digest, s_is_present, NULL, "the file at the province");
    s_read_back (province, digest, data, len);
    assert (s_missing (3, NULL) == 0);
    free (data);
    licclient_destroy (&province);
}

//  Every file the province holds before a backup is held after the backup
//  is restored into a new directory, and licnode check verifies them.
static void
test_a_backup_of_the_province_keeps_its_files (void)
{
    licclient_t *province = NULL;
    assert (support_admin (&province, &s_h.node [3]) == ERR_OK);
    size_t len = 700 * 1000;
    uint8_t *data = s_bytes (len, 11), digest [32];     //  330106's file of the test above
    seal_sha256 (digest, data, len);
    assert (s_present (province, digest, NULL));
    char bdir [700], cmd [8192];
    snprintf (bdir, sizeof bdir, "%s/backup", s_dir);
    Lic__Request req;
    Lic__BackupRequest br;
    codec_request_init (&req);
    lic__backup_request__init (&br);
    br.to_dir = bdir;
    br.keep = 1;
    req.body_case = LIC__REQUEST__BODY_BACKUP;
    req.backup = &br;
    Lic__Reply *r = NULL;
    assert (licclient_call (province, &req, &r, 120000) == ERR_OK);
    assert (r->code == ERR_OK && r->backup->bytes > 2 * (uint64_t) LICCLIENT_FILE_MAX);
    printf ("  province backup: %" PRIu64 " bytes\n", r->backup->bytes);
    licclient_reply_free (&r);
    licclient_destroy (&province);
    //  The province loses its disk; the backup comes back.
    support_node_t *p = &s_h.node [3];
    assert (support_node_stop (p, SIGKILL) != 0);
    snprintf (cmd, sizeof cmd, "cp %s %s/province.json && rm -rf %s && %s restore --from %s -d %s "
              "> /dev/null && cp %s/province.json %s && %s check -d %s > %s/check.txt",
              p->config, s_dir, p->dir, support_licnode_path (), bdir, p->dir, s_dir, p->config,
              support_licnode_path (), p->dir, s_dir);
    assert (system (cmd) == 0);
    snprintf (cmd, sizeof cmd, "grep -q '^files: [1-9][0-9]* held, [0-9]* bytes, 0 not matching' %s/check.txt",
              s_dir);
    assert (system (cmd) == 0);
    assert (support_node_restart (p) == ERR_OK);
    assert (support_admin (&province, p) == ERR_OK);
    s_read_back (province, digest, data, len);
    free (data);
    licclient_destroy (&province);
}

//  One QUERY_FILE of body c: the node's code; the chunk into *res.
static int
s_query_file (licclient_t *c, const char *license_id, const char *holder, uint64_t offset,
              Lic__Reply **reply)
{
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    Lic__Holder h = LIC__HOLDER__INIT;
    h.id_type = "111";
    h.id = (char *) holder;
    q.kind = LIC__QUERY_KIND__QUERY_FILE;
    q.matter_code = "330000-XK-0001";
    q.staff_id = "S-01";
    q.case_number = "CASE-FILE";
    q.purpose = "审查营业执照原件";
    q.holder = &h;
    q.license_id = (char *) license_id;
    q.file_offset = offset;
    assert (licclient_query (c, &q, reply, 10000) == ERR_OK);
    return (*reply)->code;
}

static void
test_an_application_body_reads_a_license_file_within_its_scope (void)
{
    licclient_t *province = NULL;
    assert (support_admin (&province, &s_h.node [3]) == ERR_OK);
    keyfile_t body, other, node;
    char code [19], pub [700];
    support_credit_code (code, 77001);
    assert (keyfile_generate (&body, code, "省政务服务中心") == ERR_OK);
    support_credit_code (code, 77002);
    assert (keyfile_generate (&other, code, "其他窗口") == ERR_OK);
    assert (support_register_body (province, &body, s_dept.type_code, "330000-XK-0001") == ERR_OK);
    support_dept_t elsewhere;               //  for a license type that is not s_dept's
    assert (support_dept_make (&elsewhere, 815, s_dir) == ERR_OK);
    assert (strcmp (elsewhere.type_code, s_dept.type_code) != 0);
    assert (support_register_body (province, &other, elsewhere.type_code, "330000-XK-0001") == ERR_OK);
    snprintf (pub, sizeof pub, "%s/node.pub", s_h.node [3].dir);
    assert (keyfile_load (&node, pub) == ERR_OK);
    licclient_t *c = NULL, *o = NULL;
    assert (licclient_open (&c, s_query_ep, node.curve_pk, body.curve_pk, body.curve_sk) == ERR_OK);
    assert (licclient_open (&o, s_query_ep, node.curve_pk, other.curve_pk, other.curve_sk) == ERR_OK);

    //  License 21 of s_dept (330106), 700,000 bytes, its holder number 21.
    size_t len = 700 * 1000;
    uint8_t *data = s_bytes (len, 11), digest [32];
    seal_sha256 (digest, data, len);
    char id [LICID_BARE_MAX + 1], holder [19], stranger [19];
    support_license_id (id, s_dept.type_code, s_dept.key.code, 21);
    support_resident_id (holder, 21);
    support_resident_id (stranger, 22);
    uint64_t at = 0, first_audit = 0, last_audit = 0;
    seal_sha256_ctx_t state;
    seal_sha256_init (&state);
    while (at < len) {
        Lic__Reply *r = NULL;
        assert (s_query_file (c, id, holder, at, &r) == ERR_OK);
        const Lic__FileResult *f = r->query->file;
        assert (f && f->total == len && f->offset == at && f->data.len > 0);
        assert (memcmp (f->digest.data, digest, 32) == 0);
        assert (memcmp (f->data.data, data + at, f->data.len) == 0);
        seal_sha256_update (&state, f->data.data, f->data.len);
        at += f->data.len;
        assert (r->query->audit_seq > last_audit);
        if (!first_audit)
            first_audit = r->query->audit_seq;
        last_audit = r->query->audit_seq;
        licclient_reply_free (&r);
    }
    uint8_t got [32];
    seal_sha256_final (&state, got);
    assert (memcmp (got, digest, 32) == 0);
    printf ("  application body read %zu bytes of license %s's file in %d queries, audit records "
            "%" PRIu64 "..%" PRIu64 "\n", len, id, (int) ((len + LICCLIENT_FILE_CHUNK - 1) / LICCLIENT_FILE_CHUNK),
            first_audit, last_audit);
    //  Another holder named: not this body's to see; a type outside the
    //  other body's business: refused, both recorded.
    Lic__Reply *r = NULL;
    assert (s_query_file (c, id, stranger, 0, &r) == ERR_NOT_FOUND);
    licclient_reply_free (&r);
    assert (s_query_file (o, id, holder, 0, &r) == ERR_OUT_OF_SCOPE);
    licclient_reply_free (&r);
    //  The audit log holds the reads of the file (admin's listing, by holder).
    Lic__AuditRequest ar = LIC__AUDIT_REQUEST__INIT;
    ar.holder_id = holder;
    ar.from_seq = first_audit;
    ar.limit = 100;
    assert (licclient_audit (province, &ar, &r, 10000) == ERR_OK && r->code == ERR_OK);
    size_t files = 0;
    for (size_t i = 0; i < r->audit->n_items; i++)
        files += r->audit->items [i]->record
              && r->audit->items [i]->record->kind == LIC__QUERY_KIND__QUERY_FILE;
    assert (files >= (len + LICCLIENT_FILE_CHUNK - 1) / LICCLIENT_FILE_CHUNK);
    licclient_reply_free (&r);

    //  An archived copy of the license, checked offline with its file
    //  beside it: the file must be the one whose digest the department
    //  signed (licctl verify --file).
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    Lic__Holder h = LIC__HOLDER__INIT;
    h.id_type = "111";
    h.id = holder;
    q.kind = LIC__QUERY_KIND__QUERY_COPY;
    q.matter_code = "330000-XK-0001";
    q.staff_id = "S-01";
    q.case_number = "CASE-FILE";
    q.purpose = "存档";
    q.holder = &h;
    q.license_id = id;
    q.expires_at = (int64_t) time (NULL) + 86400;
    assert (licclient_query (c, &q, &r, 10000) == ERR_OK && r->code == ERR_OK && r->query->copy.len);
    char copy [700], right [700], wrong [700], out [4096];
    snprintf (copy, sizeof copy, "%s/copy.bin", s_dir);
    snprintf (right, sizeof right, "%s/license21.pdf", s_dir);
    snprintf (wrong, sizeof wrong, "%s/other.pdf", s_dir);
    FILE *fp = fopen (copy, "wb");
    assert (fp && fwrite (r->query->copy.data, 1, r->query->copy.len, fp) == r->query->copy.len);
    assert (fclose (fp) == 0);
    licclient_reply_free (&r);
    fp = fopen (right, "wb");
    assert (fp && fwrite (data, 1, len, fp) == len && fclose (fp) == 0);
    data [len / 2] ^= 1;
    fp = fopen (wrong, "wb");
    assert (fp && fwrite (data, 1, len, fp) == len && fclose (fp) == 0);
    assert (s_licctl (out, sizeof out, "verify %s --trust %s --file %s 2>&1", copy, pub, right) == 0);
    assert (strstr (out, "is the signed file_digest"));
    int rc = s_licctl (out, sizeof out, "verify %s --trust %s --file %s 2>&1", copy, pub, wrong);
    printf ("  copy with a file that is not the license's: %d %s", rc, out);
    assert (rc == 1 && strstr (out, "NOT the license's file"));

    //  The same file through licctl query file, with the body's key.
    char bkey [700], queried [700];
    snprintf (bkey, sizeof bkey, "%s/body.key", s_dir);
    snprintf (queried, sizeof queried, "%s/queried.pdf", s_dir);
    assert (keyfile_save (&body, bkey, true) == ERR_OK);
    rc = s_licctl (out, sizeof out, "-n %s -k %s --endpoint %s query file %s --out %s --holder %s "
                   "--holder-type 111 --matter 330000-XK-0001 --staff S-01 --case CASE-FILE "
                   "--purpose review 2>&1", pub, bkey, s_query_ep, id, queried, holder);
    printf ("  licctl query file: %d %s", rc, out);
    assert (rc == 0 && strstr (out, "6 queries"));
    data [len / 2] ^= 1;                    //  back to the license's bytes
    fp = fopen (queried, "rb");
    uint8_t *back = malloc (len + 1);
    assert (fp && fread (back, 1, len + 1, fp) == len && fclose (fp) == 0);
    assert (memcmp (back, data, len) == 0);
    free (back);
    free (data);
    licclient_destroy (&c);
    licclient_destroy (&o);
    licclient_destroy (&province);
}

static void
test_a_catalogue_template_reaches_the_province (void)
{
    licclient_t *city = NULL, *province = NULL;
    assert (support_admin (&city, &s_h.node [2]) == ERR_OK);
    assert (support_admin (&province, &s_h.node [3]) == ERR_OK);
    size_t len = 150 * 1000;                //  a face template, under the 192 KiB of a blob
    uint8_t *data = s_bytes (len, 21), digest [32];
    seal_hash (digest, data, len, NULL, 0);
    support_type_t parts;
    support_type_make (&parts, s_dept.type_code);
    parts.type.template_digest.data = digest;
    parts.type.template_digest.len = 32;
    //  Not put yet: refused at the door, naming it.
    Lic__CatalogueRequest cr = LIC__CATALOGUE_REQUEST__INIT;
    cr.add = &parts.type;
    Lic__Reply *r = NULL;
    assert (licclient_catalogue (s_admin, &cr, &r, 10000) == ERR_OK);
    printf ("  refused: %s: %s\n", err_str (r->code), r->message);
    assert (r->code == ERR_NO_FILE && strstr (r->message, "template"));
    licclient_reply_free (&r);
    //  Put, then the type: the blob follows the catalogue entry upward.
    assert (licclient_blob_put (s_admin, data, len, &r, 10000) == ERR_OK && r->code == ERR_OK);
    assert (memcmp (r->blob->digest.data, digest, 32) == 0);
    licclient_reply_free (&r);
    assert (support_catalogue_put (s_admin, &parts.type) == ERR_OK);
    int64_t deadline = support_now_us () + 120 * 1000000LL;
    for (int n = 2; n <= 3; n++) {
        licclient_t *c = n == 2? city: province;
        while (true) {
            assert (licclient_blob_get (c, digest, &r, 10000) == ERR_OK);
            if (r->code == ERR_OK)
                break;
            assert (r->code == ERR_NOT_FOUND && support_now_us () < deadline);
            licclient_reply_free (&r);
            usleep (10000);
        }
        assert (r->blob->data.len == len && memcmp (r->blob->data.data, data, len) == 0);
        licclient_reply_free (&r);
    }
    assert (s_missing (3, NULL) == 0);
    printf ("  template blob of %zu bytes at the city and the province\n", len);
    free (data);
    licclient_destroy (&city);
    licclient_destroy (&province);
}

//  County 330108 loses its disk and is rebuilt from the city: its
//  license file (from test_files_reach_the_city_and_the_province) comes
//  back with its entries.
static void
test_a_county_rebuilt_from_its_parent_gets_its_files_back (void)
{
    support_node_t *n = &s_h.node [1];
    size_t len = 90 * 1000;
    uint8_t *data = s_bytes (len, 12), digest [32];
    seal_sha256 (digest, data, len);
    char cmd [8192];
    assert (support_node_stop (n, SIGTERM) == 0);
    snprintf (cmd, sizeof cmd, "cp %s/node.key %s/county8-node.key && cp %s %s/county8.json && "
              "rm -rf %s && mkdir -p %s && cp %s/county8-node.key %s/node.key && "
              "cp %s/county8.json %s && %s rebuild --from-parent -c %s -d %s > %s/rebuild.txt && "
              "%s check -d %s > /dev/null",
              n->dir, s_dir, n->config, s_dir, n->dir, n->dir, s_dir, n->dir, s_dir, n->config,
              support_licnode_path (), n->config, n->dir, s_dir, support_licnode_path (), n->dir);
    assert (system (cmd) == 0);
    snprintf (cmd, sizeof cmd, "cat %s/rebuild.txt; grep -q '^license files: 1 fetched (90000 bytes), 0 not held' "
              "%s/rebuild.txt", s_dir, s_dir);
    assert (system (cmd) == 0);
    assert (support_node_restart (n) == ERR_OK);
    licclient_t *admin = NULL;
    assert (support_admin (&admin, n) == ERR_OK);
    s_read_back (admin, digest, data, len);
    licclient_destroy (&admin);
    free (data);
}

int
main (void)
{
    setvbuf (stdout, NULL, _IOLBF, 0);
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "files") == ERR_OK);
    snprintf (s_query_ep, sizeof s_query_ep, "tcp://127.0.0.1:%d", support_free_port ());
    snprintf (s_h.extra [3], sizeof s_h.extra [3], "\"query_listen\": \"%s\", ", s_query_ep);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    assert (support_dept_make (&s_dept, 810, s_dir) == ERR_OK);
    assert (support_admin (&s_admin, &s_h.node [0]) == ERR_OK);
    assert (support_register (s_admin, &s_dept) == ERR_OK);
    assert (support_client (&s_client, &s_h.node [0], &s_dept) == ERR_OK);

    test_a_file_put_then_its_issue_is_accepted ();
    test_wrong_digest_oversized_and_out_of_place_are_refused ();
    test_a_publish_batch_checks_each_event_s_file ();
    test_a_16_mib_file ();
    test_a_type_requiring_a_file_refuses_an_event_without_one ();
    test_licctl_file_put_status_get_and_publish_with_file_dir ();
    test_files_reach_the_city_and_the_province ();
    test_a_county_killed_mid_transfer_leaves_the_file_missing_until_it_is_back ();
    test_the_city_killed_mid_transfer_resumes_where_it_stood ();
    test_the_province_killed_mid_transfer_resumes ();
    test_an_application_body_reads_a_license_file_within_its_scope ();
    test_a_catalogue_template_reaches_the_province ();
    test_a_county_rebuilt_from_its_parent_gets_its_files_back ();
    test_a_backup_of_the_province_keeps_its_files ();

    licclient_destroy (&s_client);
    licclient_destroy (&s_admin);
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_files: all passed\n");
    return 0;
}
