/*  test_e2e_repl_abuse -- a real parent licnode (city 330100) facing a
    hostile or broken child.  The test plays county 330106 itself: its
    identity comes from `licnode init`, its log entries are built here
    exactly as a county stores them, its Merkle tree is kept in memory,
    and it speaks lic.Repl frames over a raw CURVE DEALER.  Every case
    checks the parent's answer, that the parent stored nothing it should
    not (status, digest, license views), and that it keeps serving.
*/
#undef NDEBUG
#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "codec.h"
#include "merkle.h"
#include "seal.h"
#include "support.h"

#define CHILD       "330106"
#define PARENT      "330100"
#define LOG_MAX     64
#define SILENCE_MS  1500            //  how long "no answer" is waited for

static char s_base [512];
static support_node_t s_parent;
static int s_repl_port;
static char s_parent_curve [41];    //  the parent's CURVE public key
static keyfile_t s_child;           //  the county's node keys (DIR/node.key)
static support_dept_t s_dept;       //  registered through the stream
static support_dept_t s_local;      //  registered at the parent only
static uint64_t s_head0;            //  the parent's head before any child entry

//  The county's log: entry bytes by seq, and its tree over them.
static uint8_t *s_log [LOG_MAX + 1];
static size_t s_log_len [LOG_MAX + 1];
static uint64_t s_size;
static merkle_mem_store_t *s_tree;

// ---------------------------------------------------------------------
//  The county's log

static void
s_root (uint64_t size, uint8_t root [32])
{
    assert (merkle_root (merkle_mem_store_ops (s_tree), size, root) == ERR_OK);
}

//  Packs LogEntry seq = s_size + 1 of `origin` and appends it to log and tree.
static uint64_t
s_append_as (const char *origin, Lic__EntryKind kind, const uint8_t *body, size_t len,
             const uint8_t sig [64], const uint8_t key_id [32])
{
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = (uint8_t *) body;
    env.body.len = len;
    env.signature.data = (uint8_t *) sig;
    env.signature.len = 64;
    env.key_id.data = (uint8_t *) key_id;
    env.key_id.len = 32;
    Lic__LogEntry e;
    codec_entry_init (&e);
    e.seq = s_size + 1;
    e.origin_division = (char *) origin;
    e.origin_seq = e.seq;
    e.kind = kind;
    e.envelope = &env;
    e.received_at = (int64_t) time (NULL);
    assert (e.seq <= LOG_MAX);
    assert (codec_entry_encode (&e, &s_log [e.seq], &s_log_len [e.seq]) == ERR_OK);
    uint8_t leaf [32];
    merkle_leaf_hash (leaf, s_log [e.seq], s_log_len [e.seq]);
    assert (merkle_append (merkle_mem_store_ops (s_tree), s_size, leaf) == ERR_OK);
    return ++s_size;
}

//  A registration of d, signed with sk (whose public key is key_id).
static uint64_t
s_append_registration (const support_dept_t *d, const uint8_t sk [64], const uint8_t key_id [32])
{
    uint8_t curve [32], *body, sig [64];
    size_t len;
    assert (zmq_z85_decode (curve, d->key.curve_pk));
    ProtobufCBinaryData pk = { 32, (uint8_t *) d->key.sign_pk };
    char *types [1] = { (char *) d->type_code };
    Lic__Department dept;
    codec_department_init (&dept);
    dept.credit_code = (char *) d->key.code;
    dept.name = (char *) d->key.name;
    dept.n_sign_keys = 1;
    dept.sign_keys = &pk;
    dept.curve_key.data = curve;
    dept.curve_key.len = 32;
    dept.n_license_types = 1;
    dept.license_types = types;
    Lic__Registration reg;
    codec_registration_init (&reg);
    reg.division = CHILD;
    reg.department = &dept;
    reg.at = (int64_t) time (NULL);
    assert (codec_registration_encode (&reg, &body, &len) == ERR_OK);
    seal_sign (sig, body, len, sk);
    uint64_t seq = s_append_as (CHILD, LIC__ENTRY_KIND__ENTRY_REGISTRATION, body, len, sig, key_id);
    free (body);
    return seq;
}

//  An issue of license `serial` by d at `origin`; forged: one signature byte flipped.
static uint64_t
s_append_issue_as (const char *origin, const support_dept_t *d, uint32_t serial, bool forged)
{
    uint8_t *body, sig [64];
    size_t len;
    assert (support_event_sign (d, LIC__OP__OP_ISSUE, serial, 0, serial, &body, &len, sig) == ERR_OK);
    if (forged)
        sig [17] ^= 0x20;
    uint64_t seq = s_append_as (origin, LIC__ENTRY_KIND__ENTRY_EVENT, body, len, sig, d->key.sign_pk);
    free (body);
    return seq;
}

static uint64_t
s_append_issue (const support_dept_t *d, uint32_t serial, bool forged)
{
    return s_append_issue_as (CHILD, d, serial, forged);
}

// ---------------------------------------------------------------------
//  Frames

static zsock_t *
s_dealer (const char *curve_pk, const char *curve_sk)
{
    uint8_t pk [32], sk [32];
    assert (zmq_z85_decode (pk, curve_pk) && zmq_z85_decode (sk, curve_sk));
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    assert (sock);
    zcert_t *cert = zcert_new_from (pk, sk);
    zcert_apply (cert, sock);
    zcert_destroy (&cert);
    zsock_set_curve_serverkey (sock, s_parent_curve);
    zsock_set_linger (sock, 0);
    zsock_set_sndtimeo (sock, 10000);
    assert (zsock_connect (sock, "tcp://127.0.0.1:%d", s_repl_port) == 0);
    return sock;
}

static zsock_t *
s_child_dealer (void)
{
    return s_dealer (s_child.curve_pk, s_child.curve_sk);
}

static void
s_send_raw (zsock_t *sock, const void *data, size_t len)
{
    zframe_t *f = zframe_new (data, len);
    assert (f && zframe_send (&f, sock, 0) == 0);
}

static void
s_send (zsock_t *sock, Lic__Repl *msg)
{
    uint8_t *buf;
    size_t len;
    assert (codec_repl_encode (msg, &buf, &len) == ERR_OK);
    s_send_raw (sock, buf, len);
    free (buf);
}

//  The next answer other than a heartbeat, or NULL after timeout_ms.
static Lic__Repl *
s_recv (zsock_t *sock, int timeout_ms)
{
    int64_t deadline = support_now_us () + (int64_t) timeout_ms * 1000;
    while (true) {
        int64_t left = (deadline - support_now_us ()) / 1000;
        if (left <= 0)
            return NULL;
        zsock_set_rcvtimeo (sock, (int) left);
        zframe_t *f = zframe_recv (sock);
        if (!f)
            return NULL;
        Lic__Repl *msg = NULL;
        assert (codec_repl_decode (zframe_data (f), zframe_size (f), &msg) == ERR_OK);
        zframe_destroy (&f);
        if (msg->body_case != LIC__REPL__BODY_HEARTBEAT)
            return msg;
        codec_repl_free (&msg);
    }
}

static void
s_expect_silence (zsock_t *sock)
{
    Lic__Repl *msg = s_recv (sock, SILENCE_MS);
    assert (msg == NULL);
}

//  Waits for a Nack with `code`; expected_seq checked unless UINT64_MAX.
static void
s_expect_nack (zsock_t *sock, int code, uint64_t expected)
{
    Lic__Repl *msg = s_recv (sock, 10000);
    assert (msg && msg->body_case == LIC__REPL__BODY_NACK);
    if (msg->nack->code != code)
        fprintf (stderr, "nack %s (%s), wanted %s\n", err_str (msg->nack->code), msg->nack->reason,
                 err_str (code));
    assert (msg->nack->code == code);
    assert (expected == UINT64_MAX || msg->nack->expected_seq == expected);
    codec_repl_free (&msg);
}

static void
s_expect_ack (zsock_t *sock, uint64_t acked)
{
    Lic__Repl *msg = s_recv (sock, 10000);
    assert (msg);
    if (msg->body_case == LIC__REPL__BODY_NACK)
        fprintf (stderr, "nack %s: %s\n", err_str (msg->nack->code), msg->nack->reason);
    assert (msg->body_case == LIC__REPL__BODY_ACK);
    assert (msg->ack->acked_seq == acked && msg->ack->credit > 0);
    codec_repl_free (&msg);
}

static void
s_hello_as (zsock_t *sock, const char *division, uint64_t head, const uint8_t root [32])
{
    Lic__Repl msg;
    Lic__Hello h;
    codec_repl_init (&msg);
    lic__hello__init (&h);
    h.division = (char *) division;
    h.head_seq = head;
    h.head_root.data = (uint8_t *) root;
    h.head_root.len = 32;
    msg.body_case = LIC__REPL__BODY_HELLO;
    msg.hello = &h;
    s_send (sock, &msg);
}

//  Hello with the county's real head and root.
static void
s_hello (zsock_t *sock)
{
    uint8_t root [32];
    s_root (s_size, root);
    s_hello_as (sock, CHILD, s_size, root);
}

static void
s_expect_welcome (zsock_t *sock, uint64_t resume_after)
{
    Lic__Repl *msg = s_recv (sock, 10000);
    assert (msg && msg->body_case == LIC__REPL__BODY_WELCOME);
    uint8_t root [32];
    s_root (resume_after, root);
    assert (streq (msg->welcome->division, PARENT));
    assert (msg->welcome->resume_after == resume_after);
    assert (msg->welcome->root_at.len == 32 && memcmp (msg->welcome->root_at.data, root, 32) == 0);
    assert (msg->welcome->credit > 0);
    codec_repl_free (&msg);
}

//  Batch{first_seq, entries, root_after}: entries [i] from the log unless
//  `swap` replaces entry swap_seq; root NULL = the county's root at the end.
static void
s_send_batch_ex (zsock_t *sock, uint64_t first, uint64_t last, const uint8_t *root,
                 uint64_t swap_seq, const uint8_t *swap, size_t swap_len)
{
    size_t n = (size_t) (last - first + 1);
    ProtobufCBinaryData entries [LOG_MAX];
    for (size_t i = 0; i < n; i++) {
        uint64_t seq = first + i;
        entries [i].data = seq == swap_seq? (uint8_t *) swap: s_log [seq];
        entries [i].len = seq == swap_seq? swap_len: s_log_len [seq];
        assert (entries [i].data);
    }
    uint8_t true_root [32];
    if (!root) {
        s_root (last, true_root);
        root = true_root;
    }
    Lic__Repl msg;
    Lic__Batch b;
    codec_repl_init (&msg);
    lic__batch__init (&b);
    b.first_seq = first;
    b.n_entries = n;
    b.entries = entries;
    b.root_after.data = (uint8_t *) root;
    b.root_after.len = 32;
    b.oldest_at = (int64_t) time (NULL);
    msg.body_case = LIC__REPL__BODY_BATCH;
    msg.batch = &b;
    s_send (sock, &msg);
}

static void
s_send_batch (zsock_t *sock, uint64_t first, uint64_t last)
{
    s_send_batch_ex (sock, first, last, NULL, 0, NULL, 0);
}

// ---------------------------------------------------------------------
//  The parent's state

typedef struct {
    uint64_t head, acked, quarantined, departments, licenses;
} s_state_t;

static s_state_t
s_parent_state (void)
{
    Lic__Reply *r = NULL;
    assert (support_status (&s_parent, &r) == ERR_OK);
    s_state_t st = { r->status->head_seq, 0, r->status->quarantined, r->status->departments, 0 };
    assert (r->status->n_children == 1 && streq (r->status->children [0]->division, CHILD));
    st.acked = r->status->children [0]->acked_seq;
    codec_reply_free (&r);
    uint8_t digest [32];
    if (support_digest (&s_parent, CHILD, digest, &st.licenses) == ERR_NOT_FOUND)
        st.licenses = 0;
    return st;
}

static void
s_assert_state (uint64_t head, uint64_t acked, uint64_t quarantined, uint64_t licenses)
{
    s_state_t st = s_parent_state ();
    if (st.head != head || st.acked != acked || st.quarantined != quarantined
    ||  st.licenses != licenses)
        fprintf (stderr, "parent: head %" PRIu64 " (want %" PRIu64 "), acked %" PRIu64 " (%" PRIu64
                 "), quarantined %" PRIu64 " (%" PRIu64 "), licenses %" PRIu64 " (%" PRIu64 ")\n",
                 st.head, head, st.acked, acked, st.quarantined, quarantined, st.licenses, licenses);
    assert (st.head == head && st.acked == acked);
    assert (st.quarantined == quarantined && st.licenses == licenses);
}

//  The parent's view of license `serial` of d: its reply code.
static int
s_license_code (const support_dept_t *d, uint32_t serial)
{
    char id [LICID_BARE_MAX + 1];
    support_license_id (id, d->type_code, d->key.code, serial);
    licclient_t *admin = NULL;
    Lic__Reply *r = NULL;
    assert (support_admin (&admin, &s_parent) == ERR_OK);
    assert (licclient_get (admin, id, false, &r, 10000) == ERR_OK);
    int code = r->code;
    assert (code != ERR_OK || streq (r->license->state->origin_division, CHILD));
    codec_reply_free (&r);
    licclient_destroy (&admin);
    return code;
}
