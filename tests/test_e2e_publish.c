/*  test_e2e_publish -- a real licnode, real CURVE sockets, real keys:
    publishing, reading back, and every kind of bad input answered with
    its own error while the node keeps serving and stores nothing.
*/
#undef NDEBUG
#include <assert.h>
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "node/store/store_rocks.h"
#include "node/store/views.h"
#include "tests/support/support.h"

static char s_dir [512];
static support_node_t s_node;
static support_dept_t s_a, s_b;           //  registered departments
static licclient_t *s_admin, *s_ca, *s_cb;

typedef void (s_mutate_fn) (Lic__Event *ev);

//  Publishes event (op, serial, expected) of d, after mutating its body,
//  signed by d (or by sign_as if not NULL); returns the node's code.
static int
s_publish (licclient_t *c, const support_dept_t *d, Lic__Op op, uint32_t serial,
           uint32_t expected, s_mutate_fn *mutate, const support_dept_t *sign_as,
           uint64_t *seq, bool *dup)
{
    uint8_t *body, sig [64];
    size_t len;
    assert (support_event_sign (d, op, serial, expected, serial, &body, &len, sig) == ERR_OK);
    if (mutate || sign_as) {
        Lic__Event *ev = NULL;
        assert (codec_event_decode (body, len, &ev) == ERR_OK);
        if (mutate)
            mutate (ev);
        free (body);
        const support_dept_t *s = sign_as? sign_as: d;
        assert (licclient_sign (ev, s->key.sign_sk, s->key.sign_pk, &body, &len, sig) == ERR_OK);
        codec_event_free (&ev);
    }
    const uint8_t *pk = sign_as? sign_as->key.sign_pk: d->key.sign_pk;
    int code = -1;
    uint64_t sq = 0;
    bool dp = false;
    char why [512];
    assert (licclient_publish (c, body, len, sig, pk, &sq, &dp, &code, why, sizeof why, 10000) == ERR_OK);
    if (code != ERR_OK)
        printf ("    refused: %s: %s\n", err_str (code), why);
    free (body);
    if (seq)
        *seq = sq;
    if (dup)
        *dup = dp;
    return code;
}

static Lic__Reply *
s_get (const char *id)
{
    Lic__Reply *reply = NULL;
    assert (licclient_get (s_admin, id, true, &reply, 10000) == ERR_OK);
    return reply;
}

static void
s_license_id (char *out, const support_dept_t *d, uint32_t serial)
{
    support_license_id (out, d->type_code, d->key.code, serial);
}

// ---------------------------------------------------------------------

static void
test_publish_is_acknowledged_with_seq_and_read_back (void)
{
    uint64_t seq, seq2;
    bool dup;
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 1, 0, NULL, NULL, &seq, &dup) == ERR_OK);
    assert (seq > 0 && !dup);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 1, 0, NULL, NULL, &seq2, &dup) == ERR_OK);
    assert (dup && seq2 == seq);
    char id [LICID_BARE_MAX + 1];
    s_license_id (id, &s_a, 1);
    Lic__Reply *r = s_get (id);
    assert (r->code == ERR_OK && r->license);
    assert (r->license->state->version == 1);
    assert (r->license->state->status == LIC__STATUS__STATUS_VALID);
    assert (r->license->n_history == 1 && r->license->history [0]->seq == seq);
    assert (streq (r->license->state->content->holder->name, "张1"));
    codec_reply_free (&r);

    //  The printed form finds the same license.
    licid_t parsed;
    char printed [160];
    assert (licid_parse (id, &parsed, NULL, 0) == ERR_OK);
    assert (licid_printed (&parsed, printed, sizeof printed) == ERR_OK);
    r = s_get (printed);
    assert (r->code == ERR_OK && streq (r->license->state->license_id, id));
    codec_reply_free (&r);
}

static void s_later (Lic__Event *ev)
{
    ev->completed_at += 60;
}

static void
test_lifecycle_is_enforced_with_versions (void)
{
    uint64_t seq, seq2;
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 2, 0, NULL, NULL, &seq, NULL) == ERR_OK);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ALTER, 2, 0, NULL, NULL, NULL, NULL) == ERR_VERSION_MISMATCH);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ALTER, 2, 1, NULL, NULL, NULL, NULL) == ERR_OK);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_PLEDGE, 2, 2, NULL, NULL, NULL, NULL) == ERR_OK);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ALTER, 2, 3, NULL, NULL, NULL, NULL) == ERR_ILLEGAL_OP);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_CANCEL, 2, 3, NULL, NULL, NULL, NULL) == ERR_ILLEGAL_OP);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_PLEDGE_RELEASE, 2, 3, NULL, NULL, NULL, NULL) == ERR_OK);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_EXTEND, 2, 4, NULL, NULL, NULL, NULL) == ERR_OK);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_CANCEL, 2, 5, NULL, NULL, NULL, NULL) == ERR_OK);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_REINSTATE, 2, 6, NULL, NULL, NULL, NULL) == ERR_ILLEGAL_OP);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ALTER, 3, 1, NULL, NULL, NULL, NULL) == ERR_NOT_FOUND);
    //  The same signed issue again is a duplicate; a different issue of
    //  the same id is refused.
    bool dup;
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 2, 0, NULL, NULL, &seq2, &dup) == ERR_OK);
    assert (dup && seq2 == seq);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 2, 0, s_later, NULL, NULL, NULL) == ERR_EXISTS);

    char id [LICID_BARE_MAX + 1];
    s_license_id (id, &s_a, 2);
    Lic__Reply *r = s_get (id);
    assert (r->code == ERR_OK);
    assert (r->license->state->version == 6);
    assert (r->license->state->status == LIC__STATUS__STATUS_CANCELLED);
    assert (!r->license->state->pledged);
    assert (streq (r->license->state->content->valid_to, "2056-11-26"));
    assert (r->license->n_history == 6);
    for (size_t i = 1; i < r->license->n_history; i++)
        assert (r->license->history [i]->seq > r->license->history [i - 1]->seq);
    codec_reply_free (&r);
}

static void
test_find_by_holder_lists_the_holders_licenses (void)
{
    //  Holder number = serial in support_event_sign: serials 1 and 2 differ.
    char hid [19];
    support_resident_id (hid, 1);
    Lic__Reply *r = NULL;
    assert (licclient_find (s_admin, "111", hid, 0, &r, 10000) == ERR_OK);
    assert (r->code == ERR_OK && r->found->n_licenses == 1);
    codec_reply_free (&r);
    assert (licclient_find (s_admin, NULL, hid, 0, &r, 10000) == ERR_OK);
    assert (r->code == ERR_OK && r->found->n_licenses == 1);
    codec_reply_free (&r);
    support_resident_id (hid, 77777);
    assert (licclient_find (s_admin, NULL, hid, 0, &r, 10000) == ERR_OK);
    assert (r->code == ERR_OK && r->found->n_licenses == 0);
    codec_reply_free (&r);
}

static void s_flip_check_char (Lic__Event *ev)
{
    size_t n = strlen (ev->license_id);
    ev->license_id [n - 1] = ev->license_id [n - 1] == 'A'? 'B': 'A';
}

static void s_other_issuer (Lic__Event *ev)
{
    char other [19];
    support_credit_code (other, 424242);
    memcpy (ev->issuer_code, other, 18);
}

static void s_bad_credit_code (Lic__Event *ev)
{
    ev->issuer_code [17] = ev->issuer_code [17] == '0'? '1': '0';
}

static void s_bad_date (Lic__Event *ev)
{
    memcpy (ev->content->issue_date, "2026-02-30", 10);
}

//  A predecessor of the same department (proto/README.md section 3), serial s_pred.
static uint32_t s_pred;
static void s_with_predecessor (Lic__Event *ev)
{
    char id [LICID_BARE_MAX + 1];
    s_license_id (id, &s_a, s_pred);
    assert (codec_set_string (&ev->content->predecessor_id, id) == ERR_OK);
}

static void
test_each_bad_event_gets_its_own_error_and_changes_nothing (void)
{
    Lic__Reply *before = NULL;
    assert (licclient_status (s_admin, &before, 10000) == ERR_OK);
    uint64_t head = before->status->head_seq;
    codec_reply_free (&before);

    //  Signed by a key that is not registered (b's key file, other key).
    support_dept_t stranger;
    char dir [600];
    snprintf (dir, sizeof dir, "%s", s_dir);
    assert (support_dept_make (&stranger, 99, dir) == ERR_OK);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 10, 0, NULL, &stranger, NULL, NULL) == ERR_UNKNOWN_KEY);
    //  Wrong signature: body changed after signing.
    uint8_t *body, sig [64];
    size_t len;
    assert (support_event_sign (&s_a, LIC__OP__OP_ISSUE, 11, 0, 11, &body, &len, sig) == ERR_OK);
    body [len / 2] ^= 1;
    int code;
    uint64_t seq;
    bool dup;
    char why [256];
    assert (licclient_publish (s_ca, body, len, sig, s_a.key.sign_pk, &seq, &dup, &code, why, sizeof why, 10000) == ERR_OK);
    assert (code == ERR_BAD_SIGNATURE);
    free (body);
    //  Department b may not issue a's license type (b signs a's event).
    assert (s_publish (s_cb, &s_a, LIC__OP__OP_ISSUE, 12, 0, NULL, &s_b, NULL, NULL) == ERR_TYPE_NOT_ALLOWED);
    //  Wrong check character, invalid credit code, issuer mismatch, bad date.
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 13, 0, s_flip_check_char, NULL, NULL, NULL) == ERR_BAD_LICENSE_ID);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 14, 0, s_bad_credit_code, NULL, NULL, NULL) == ERR_BAD_CREDIT_CODE);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 15, 0, s_other_issuer, NULL, NULL, NULL) == ERR_ISSUER_MISMATCH);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 16, 0, s_bad_date, NULL, NULL, NULL) == ERR_BAD_FIELD);
    //  A predecessor its own department never issued here.
    s_pred = 998;
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 17, 0, s_with_predecessor, NULL, NULL, NULL) == ERR_NOT_FOUND);
    //  A department may not register itself, nor read.
    assert (support_register (s_ca, &s_b) == ERR_FORBIDDEN);
    Lic__Reply *r = NULL;
    char id [LICID_BARE_MAX + 1];
    s_license_id (id, &s_a, 1);
    assert (licclient_get (s_ca, id, false, &r, 10000) == ERR_OK && r->code == ERR_FORBIDDEN);
    codec_reply_free (&r);
    //  Not found, bad id on get.
    s_license_id (id, &s_a, 999);
    r = s_get (id);
    assert (r->code == ERR_NOT_FOUND);
    codec_reply_free (&r);
    r = s_get ("NOT-A-LICENSE");
    assert (r->code == ERR_BAD_LICENSE_ID);
    codec_reply_free (&r);

    assert (licclient_status (s_admin, &r, 10000) == ERR_OK);
    assert (r->status->head_seq == head);
    codec_reply_free (&r);
}

//  A raw CURVE DEALER with department a's keys, for frames licclient
//  would never send.
static zsock_t *
s_raw_socket (const support_dept_t *d)
{
    char pub [600];
    keyfile_t node;
    snprintf (pub, sizeof pub, "%s/node.pub", s_node.dir);
    assert (keyfile_load (&node, pub) == ERR_OK);
    zsock_t *s = zsock_new (ZMQ_DEALER);
    zsock_set_curve_serverkey (s, node.curve_pk);
    zsock_set_curve_publickey (s, d->key.curve_pk);
    zsock_set_curve_secretkey (s, d->key.curve_sk);
    zsock_set_rcvtimeo (s, 5000);
    zsock_set_linger (s, 0);
    assert (zsock_connect (s, "%s", s_node.endpoint) == 0);
    return s;
}

static int
s_raw_exchange (zsock_t *s, const void *data, size_t len)
{
    zframe_t *f = zframe_new (data, len);
    assert (zframe_send (&f, s, 0) == 0);
    zframe_t *r = zframe_recv (s);
    if (!r)
        return -1;
    Lic__Reply *reply = NULL;
    assert (codec_reply_decode (zframe_data (r), zframe_size (r), &reply) == ERR_OK);
    int code = reply->code;
    codec_reply_free (&reply);
    zframe_destroy (&r);
    return code;
}

//  Runs licctl with args against the node; its stdout into out.
static void
s_licctl (const char *args, char *out, size_t size)
{
    char cmd [1400];
    snprintf (cmd, sizeof cmd, "%s -d %s %s", support_licctl_path (), s_node.dir, args);
    FILE *p = popen (cmd, "r");
    assert (p);
    size_t n = fread (out, 1, size - 1, p);
    out [n] = 0;
    assert (pclose (p) == 0);
}

//  Drops the predecessor an alteration's content would carry.
static void s_no_predecessor (Lic__Event *ev)
{
    assert (codec_set_string (&ev->content->predecessor_id, "") == ERR_OK);
}

//  ... and one it did issue: accepted, read back, and the predecessor
//  shows its successors (proto/FORMAT.md family 16) in the reply and in
//  licctl get, text and JSON; an alteration that drops the link drops it.
static void
test_a_successor_names_an_existing_predecessor (void)
{
    s_pred = 1;
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 19, 0, s_with_predecessor, NULL, NULL, NULL) == ERR_OK);
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 23, 0, s_with_predecessor, NULL, NULL, NULL) == ERR_OK);
    char id [LICID_BARE_MAX + 1], id2 [LICID_BARE_MAX + 1], pred [LICID_BARE_MAX + 1];
    s_license_id (id, &s_a, 19);
    s_license_id (id2, &s_a, 23);
    s_license_id (pred, &s_a, 1);
    Lic__Reply *r = s_get (id);
    assert (r->code == ERR_OK && streq (r->license->state->content->predecessor_id, pred));
    assert (r->license->n_successors == 0 && !r->license->successors_more);
    codec_reply_free (&r);
    r = s_get (pred);
    assert (r->code == ERR_OK && r->license->n_successors == 2 && !r->license->successors_more);
    //  In id order: serial 19 sorts before serial 23.
    assert (strcmp (id, id2) < 0);
    assert (streq (r->license->successors [0], id) && streq (r->license->successors [1], id2));
    codec_reply_free (&r);

    char out [16384], args [200], line [200];
    snprintf (args, sizeof args, "get %s", pred);
    s_licctl (args, out, sizeof out);
    snprintf (line, sizeof line, "successor      %s\n", id);
    assert (strstr (out, line));
    snprintf (line, sizeof line, "successor      %s\n", id2);
    assert (strstr (out, line));
    snprintf (args, sizeof args, "--json get %s", pred);
    s_licctl (args, out, sizeof out);
    snprintf (line, sizeof line, "\"successors\": [\n    \"%s\",\n    \"%s\"\n  ]", id, id2);
    if (!strstr (out, line))
        printf ("    licctl --json get: %s\n", out);
    assert (strstr (out, line));

    //  As of a time before serial 19 was completed (serial n completes at
    //  1764201600 + n), no successor yet; between 19 and 23, serial 19.
    snprintf (args, sizeof args, "get %s --at 1764201610", pred);
    s_licctl (args, out, sizeof out);
    assert (strstr (out, "license_id     ") && !strstr (out, "successor "));
    snprintf (args, sizeof args, "get %s --at 1764201620", pred);
    s_licctl (args, out, sizeof out);
    snprintf (line, sizeof line, "successor      %s\n", id);
    assert (strstr (out, line));
    snprintf (line, sizeof line, "successor      %s\n", id2);
    assert (!strstr (out, line));

    //  Serial 23 altered without a predecessor: only serial 19 is left.
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ALTER, 23, 1, s_no_predecessor, NULL, NULL, NULL) == ERR_OK);
    r = s_get (pred);
    assert (r->code == ERR_OK && r->license->n_successors == 1 && streq (r->license->successors [0], id));
    codec_reply_free (&r);
}

static void
test_hostile_frames_are_refused_and_node_keeps_serving (void)
{
    zsock_t *s = s_raw_socket (&s_a);
    uint8_t junk [512];
    for (size_t i = 0; i < sizeof junk; i++)
        junk [i] = (uint8_t) (i * 131 + 7);
    assert (s_raw_exchange (s, junk, sizeof junk) == ERR_MALFORMED);
    //  Truncated request: a valid publish cut short.
    Lic__Request req;
    codec_request_init (&req);
    Lic__Envelope env;
    codec_envelope_init (&env);
    uint8_t body [300] = { 0 }, sig [64] = { 0 };
    env.body.data = body;
    env.body.len = sizeof body;
    env.signature.data = sig;
    env.signature.len = 64;
    env.key_id.data = s_a.key.sign_pk;
    env.key_id.len = 32;
    req.body_case = LIC__REQUEST__BODY_PUBLISH;
    req.publish = &env;
    req.id = 5;
    uint8_t *buf;
    size_t len;
    assert (codec_request_encode (&req, &buf, &len) == ERR_OK);
    assert (s_raw_exchange (s, buf, len - 10) == ERR_MALFORMED);
    //  Zero signature over zeros: decodes, signature fails.
    assert (s_raw_exchange (s, buf, len) == ERR_BAD_SIGNATURE);
    free (buf);
    //  Wrong protocol version.
    req.version = 7;
    assert (codec_request_encode (&req, &buf, &len) == ERR_OK);
    assert (s_raw_exchange (s, buf, len) == ERR_VERSION);
    free (buf);
    //  Oversized (over 256 KiB, under the socket's hard limit).
    size_t big = 300 * 1024;
    uint8_t *huge = calloc (1, big);
    assert (s_raw_exchange (s, huge, big) == ERR_TOO_LARGE);
    free (huge);
    //  Empty frame.
    assert (s_raw_exchange (s, "", 0) == ERR_MALFORMED);
    zsock_destroy (&s);

    //  A key the node does not know gets no answer at all (ZAP refuses).
    support_dept_t stranger;
    assert (support_dept_make (&stranger, 98, s_dir) == ERR_OK);
    s = s_raw_socket (&stranger);
    zsock_set_rcvtimeo (s, 1500);
    assert (s_raw_exchange (s, junk, 16) == -1);
    zsock_destroy (&s);

    Lic__Reply *r = NULL;
    assert (licclient_status (s_admin, &r, 10000) == ERR_OK && r->code == ERR_OK);
    codec_reply_free (&r);
}

static void
test_revoked_key_is_refused (void)
{
    //  Re-register b with its key moved to revoked_keys.
    Lic__Department dept;
    codec_department_init (&dept);
    uint8_t curve [32];
    zmq_z85_decode (curve, s_b.key.curve_pk);
    uint8_t fresh_pk [32], fresh_sk [64];
    seal_keypair (fresh_pk, fresh_sk);
    ProtobufCBinaryData keys [1] = { { 32, fresh_pk } }, revoked [1] = { { 32, s_b.key.sign_pk } };
    char *types [1] = { s_b.type_code };
    dept.credit_code = s_b.key.code;
    dept.name = s_b.key.name;
    dept.n_sign_keys = 1;
    dept.sign_keys = keys;
    dept.n_revoked_keys = 1;
    dept.revoked_keys = revoked;
    dept.curve_key.data = curve;
    dept.curve_key.len = 32;
    dept.n_license_types = 1;
    dept.license_types = types;
    Lic__Reply *r = NULL;
    assert (licclient_register (s_admin, &dept, &r, 10000) == ERR_OK && r->code == ERR_OK);
    codec_reply_free (&r);
    assert (s_publish (s_cb, &s_b, LIC__OP__OP_ISSUE, 20, 0, NULL, NULL, NULL, NULL) == ERR_KEY_REVOKED);

    //  A later registration that forgets the revocation cannot bring it
    //  back: once revoked, always revoked.
    dept.n_revoked_keys = 0;
    dept.revoked_keys = NULL;
    assert (licclient_register (s_admin, &dept, &r, 10000) == ERR_OK && r->code == ERR_OK);
    codec_reply_free (&r);
    assert (s_publish (s_cb, &s_b, LIC__OP__OP_ISSUE, 21, 0, NULL, NULL, NULL, NULL) == ERR_KEY_REVOKED);
    //  One that lists the old key again is refused with its own error
    //  (proto/authority.h: it would revoke the working key in its place).
    ProtobufCBinaryData both [2] = { { 32, fresh_pk }, { 32, s_b.key.sign_pk } };
    dept.n_sign_keys = 2;
    dept.sign_keys = both;
    assert (licclient_register (s_admin, &dept, &r, 10000) == ERR_OK && r->code == ERR_KEY_REVOKED);
    assert (strstr (r->message, "was revoked") && strstr (r->message, "licctl keygen"));
    codec_reply_free (&r);
    assert (s_publish (s_cb, &s_b, LIC__OP__OP_ISSUE, 22, 0, NULL, NULL, NULL, NULL) == ERR_KEY_REVOKED);
    seal_wipe (fresh_sk, sizeof fresh_sk);
}

//  Makes the stopped node's repository one made before the successor
//  index (proto/FORMAT.md family 16): no meta mark, no successor keys.
static void
s_drop_successor_index (void)
{
    char path [700], why [256];
    snprintf (path, sizeof path, "%s/db", s_node.dir);
    store_t *store = NULL;
    store_cfg_t cfg = { 8, false, 0 };
    assert (store_open (&store, path, &cfg, why, sizeof why) == ERR_OK);
    store_batch_t *b = store_batch_new (store);
    store_batch_delete (b, STORE_CF_META, VIEWS_SUCCESSORS_MARK, strlen (VIEWS_SUCCESSORS_MARK));
    store_iter_t *it = store_iter_new (store, STORE_CF_SUCCESSOR, NULL, 0, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl, n = 0;
    while (store_iter_next (it, &k, &kl, &v, &vl)) {
        store_batch_delete (b, STORE_CF_SUCCESSOR, k, kl);
        n++;
    }
    store_iter_destroy (&it);
    assert (n == 1);
    assert (store_write (store, b, true) == ERR_OK);
    store_batch_destroy (&b);
    store_destroy (&store);
}

//  `licnode check` of the stopped node; its output into out.
static int
s_check (char *out, size_t size)
{
    char cmd [1400];
    snprintf (cmd, sizeof cmd, "%s check -d %s > %s/check.out 2>&1", support_licnode_path (), s_node.dir, s_dir);
    int rc = system (cmd);
    snprintf (cmd, sizeof cmd, "%s/check.out", s_dir);
    FILE *f = fopen (cmd, "r");
    assert (f);
    size_t n = fread (out, 1, size - 1, f);
    out [n] = 0;
    fclose (f);
    printf ("%s", out);
    return WIFEXITED (rc)? WEXITSTATUS (rc): -1;
}

static void
test_restart_keeps_everything_and_views_equal_replay (void)
{
    char id [LICID_BARE_MAX + 1];
    s_license_id (id, &s_a, 2);
    licclient_destroy (&s_admin);
    licclient_destroy (&s_ca);
    licclient_destroy (&s_cb);
    support_node_stop (&s_node, SIGTERM);
    //  Offline check of the stopped repository.
    char out [8192];
    assert (s_check (out, sizeof out) == 0);
    assert (strstr (out, "view successor: 1 keys equal the replay"));
    //  A repository made before the successor index: check builds it
    //  from the replay, once, then compares it like every view.
    s_drop_successor_index ();
    assert (s_check (out, sizeof out) == 0);
    assert (strstr (out, "view successor: built from the replay (1 keys"));
    assert (strstr (out, "view successor: 1 keys equal the replay"));
    assert (s_check (out, sizeof out) == 0);
    assert (!strstr (out, "built from the replay"));
    assert (support_node_restart (&s_node) == ERR_OK);
    assert (support_admin (&s_admin, &s_node) == ERR_OK);
    assert (support_client (&s_ca, &s_node, &s_a) == ERR_OK);
    Lic__Reply *r = s_get (id);
    assert (r->code == ERR_OK && r->license->state->version == 6);
    codec_reply_free (&r);
    s_license_id (id, &s_a, 1);
    r = s_get (id);
    assert (r->code == ERR_OK && r->license->n_successors == 1);
    codec_reply_free (&r);
    uint64_t seq;
    bool dup;
    assert (s_publish (s_ca, &s_a, LIC__OP__OP_ISSUE, 1, 0, NULL, NULL, &seq, &dup) == ERR_OK && dup);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "e2e") == ERR_OK);
    char ndir [600];
    snprintf (ndir, sizeof ndir, "%s/node", s_dir);
    assert (support_node_start (&s_node, ndir, support_free_port (), "330106") == ERR_OK);
    assert (support_dept_make (&s_a, 1, s_dir) == ERR_OK);
    assert (support_dept_make (&s_b, 2, s_dir) == ERR_OK);
    assert (support_admin (&s_admin, &s_node) == ERR_OK);
    assert (support_register (s_admin, &s_a) == ERR_OK);
    assert (support_register (s_admin, &s_b) == ERR_OK);
    assert (support_client (&s_ca, &s_node, &s_a) == ERR_OK);
    assert (support_client (&s_cb, &s_node, &s_b) == ERR_OK);

    test_publish_is_acknowledged_with_seq_and_read_back ();
    test_lifecycle_is_enforced_with_versions ();
    test_find_by_holder_lists_the_holders_licenses ();
    test_each_bad_event_gets_its_own_error_and_changes_nothing ();
    test_a_successor_names_an_existing_predecessor ();
    test_hostile_frames_are_refused_and_node_keeps_serving ();
    test_revoked_key_is_refused ();
    test_restart_keeps_everything_and_views_equal_replay ();

    licclient_destroy (&s_admin);
    licclient_destroy (&s_ca);
    licclient_destroy (&s_cb);
    assert (support_node_stop (&s_node, SIGTERM) == 0);
    support_rmtree (s_dir);
    printf ("e2e_publish: all passed\n");
    return 0;
}
