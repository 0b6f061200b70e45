/*  test_e2e_repl_abuse -- a real parent licnode (city 330100) facing a
    hostile or broken child.  The test plays county 330106 itself: its
    identity comes from `licnode init`, its log entries are built here
    exactly as a county stores them, its Merkle tree is kept in memory,
    and it speaks lic.Repl frames over a raw CURVE DEALER.  Every case
    checks the parent's answer, that the parent stored nothing it should
    not (status, digest, license views), and that it keeps serving.
    The test_a_child_cannot_* cases check README section 7's rule
    that a department's event is verified against its registration at
    the origin node.  The test_a_county_* cases are the hostile
    county (proto/authority.h): node records for its sibling 330108 and
    for a county of another city, registrations and licenses "made at"
    the sibling, origin-mark poisoning, catalogue entries made elsewhere
    or out of order, and a withdrawal of the sibling's type code in the
    county's own line.  The sibling is a real licnode (330108, a child of
    the same city) whose data must still reach the city whole, before
    and after a restart of the city.

    Built a second time with LICREPO_HOSTILE_CITY (test e2e_repl_abuse_city)
    one level up: the test plays city 330100 against a real province
    330000, with the real city 330200 as the sibling and its county
    330206 as the cousin; every case above runs there too, and
    test_a_city_* adds what only a city can try: vouching for its own
    county with a second key without a rotation, and signing statements
    "made at" its county with its own key.
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
#include "proto/codec.h"
#include "replication/checkpoint.h"
#include "replication/merkle.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#ifdef LICREPO_HOSTILE_CITY
#define CHILD       "330100"        //  the city the test plays
#define SIBLING     "330200"        //  a real city under the same province
#define PARENT      "330000"
#define COUSIN      "330206"        //  a county of the sibling city
#define COUNTY      "330106"        //  a county of the city the test plays
#define LEVEL       "city"
#else
#define CHILD       "330106"
#define SIBLING     "330108"
#define PARENT      "330100"
#define COUSIN      "330201"        //  a county of another city
#define LEVEL       "county"
#endif
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
static support_node_t s_sibling;    //  county 330108, a real licnode under the parent
static support_dept_t s_sib_dept;   //  its department
static keyfile_t s_rogue;           //  keys the county makes up for its sibling
static int s_metrics_port;          //  the parent's metrics endpoint

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
static uint64_t s_origin_seq;       //  origin seq of the next entry if not 0 (then reset)

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
    e.origin_seq = s_origin_seq? s_origin_seq: e.seq;
    s_origin_seq = 0;
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

//  A registration of d made at `division`, signed with sk (whose public
//  key is key_id), sent as an entry of `origin`.
static uint64_t
s_append_registration_as (const char *origin, const char *division, const support_dept_t *d,
                          const uint8_t sk [64], const uint8_t key_id [32])
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
    reg.division = (char *) division;
    reg.department = &dept;
    reg.at = (int64_t) time (NULL);
    assert (codec_registration_encode (&reg, &body, &len) == ERR_OK);
    seal_sign (sig, body, len, sk);
    uint64_t seq = s_append_as (origin, LIC__ENTRY_KIND__ENTRY_REGISTRATION, body, len, sig, key_id);
    free (body);
    return seq;
}

static uint64_t
s_append_registration (const support_dept_t *d, const uint8_t sk [64], const uint8_t key_id [32])
{
    return s_append_registration_as (CHILD, CHILD, d, sk, key_id);
}

//  A catalogue entry of `type_code` made at `division`, version `version`,
//  withdrawn or not, signed by `signer`'s node key (the child's by
//  s_append_catalogue_as), sent as an entry of `origin`.
static uint64_t
s_append_catalogue_signed (const char *origin, const char *division, const char *type_code,
                           uint32_t version, bool withdrawn, const keyfile_t *signer)
{
    support_type_t parts;
    support_type_make (&parts, type_code);
    Lic__LicenseType t = parts.type;
    t.version = version;
    t.withdrawn = withdrawn;
    t.division = (char *) division;
    t.at = (int64_t) time (NULL);
    uint8_t *body, sig [64];
    size_t len;
    assert (codec_license_type_encode (&t, &body, &len) == ERR_OK);
    seal_sign (sig, body, len, signer->sign_sk);
    uint64_t seq = s_append_as (origin, LIC__ENTRY_KIND__ENTRY_CATALOGUE, body, len, sig,
                                signer->sign_pk);
    free (body);
    return seq;
}

static uint64_t
s_append_catalogue_as (const char *origin, const char *division, const char *type_code,
                       uint32_t version, bool withdrawn)
{
    return s_append_catalogue_signed (origin, division, type_code, version, withdrawn, &s_child);
}

//  A node record for `division` naming `parent`, with key `pk` (a rotation
//  record if `replaces` is not NULL), signed by sk (public key key_id) and
//  sent as an entry of `origin`.
static uint64_t
s_append_node_rotation (const char *origin, const char *division, const char *parent,
                        const uint8_t pk [32], const uint8_t *replaces,
                        const uint8_t sk [64], const uint8_t key_id [32])
{
    Lic__NodeRecord rec;
    codec_node_record_init (&rec);
    rec.division = (char *) division;
    rec.parent_division = (char *) parent;
    rec.sign_key.data = (uint8_t *) pk;
    rec.sign_key.len = 32;
    if (replaces) {
        rec.replaces_key.data = (uint8_t *) replaces;
        rec.replaces_key.len = 32;
    }
    rec.at = (int64_t) time (NULL);
    uint8_t *body, sig [64];
    size_t len;
    assert (codec_node_record_encode (&rec, &body, &len) == ERR_OK);
    seal_sign (sig, body, len, sk);
    uint64_t seq = s_append_as (origin, LIC__ENTRY_KIND__ENTRY_NODE, body, len, sig, key_id);
    free (body);
    return seq;
}

static uint64_t
s_append_node_record (const char *origin, const char *division, const char *parent,
                      const uint8_t pk [32], const uint8_t sk [64], const uint8_t key_id [32])
{
    return s_append_node_rotation (origin, division, parent, pk, NULL, sk, key_id);
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

//  Hello{division, head, root}, its last `cut` bytes left off.
static void
s_hello_cut (zsock_t *sock, const char *division, uint64_t head, const uint8_t root [32], size_t cut)
{
    Lic__Repl msg;
    Lic__Hello h;
    uint8_t *buf;
    size_t len;
    codec_repl_init (&msg);
    lic__hello__init (&h);
    h.division = (char *) division;
    h.head_seq = head;
    h.head_root.data = (uint8_t *) root;
    h.head_root.len = 32;
    msg.body_case = LIC__REPL__BODY_HELLO;
    msg.hello = &h;
    assert (codec_repl_encode (&msg, &buf, &len) == ERR_OK && len > cut);
    s_send_raw (sock, buf, len - cut);
    free (buf);
}

static void
s_hello_as (zsock_t *sock, const char *division, uint64_t head, const uint8_t root [32])
{
    s_hello_cut (sock, division, head, root, 0);
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
    st.acked = support_child_acked (r->status, CHILD);
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
    codec_reply_free (&r);
    licclient_destroy (&admin);
    return code;
}

//  A session of the county: new DEALER, Hello, Welcome at resume_after.
static zsock_t *
s_session (uint64_t resume_after)
{
    zsock_t *sock = s_child_dealer ();
    s_hello (sock);
    s_expect_welcome (sock, resume_after);
    return sock;
}

// ---------------------------------------------------------------------
//  Cases

static void
test_batch_before_hello_and_hello_of_another_division_are_refused (void)
{
    zsock_t *sock = s_child_dealer ();
    s_send_batch (sock, 1, 5);
    s_expect_nack (sock, ERR_MALFORMED, 1);
    uint8_t root [32];
    s_root (s_size, root);
    s_hello_as (sock, SIBLING, s_size, root);
    s_expect_nack (sock, ERR_FORBIDDEN, UINT64_MAX);
    //  That HELLO opened no session.
    s_send_batch (sock, 1, 5);
    s_expect_nack (sock, ERR_MALFORMED, 1);
    zsock_destroy (&sock);
    s_assert_state (s_head0, 0, 0, 0);
}

static void
test_hostile_frames_are_refused_and_the_parent_survives (void)
{
    zsock_t *sock = s_child_dealer ();
    uint8_t junk [64];
    memset (junk, 0xff, sizeof junk);
    s_send_raw (sock, junk, sizeof junk);
    s_expect_nack (sock, ERR_MALFORMED, UINT64_MAX);
    s_send_raw (sock, "", 0);                   //  no version
    s_expect_nack (sock, ERR_MALFORMED, UINT64_MAX);

    //  A valid HELLO cut short by one byte.
    uint8_t root [32];
    s_root (s_size, root);
    s_hello_cut (sock, CHILD, s_size, root, 1);
    s_expect_nack (sock, ERR_MALFORMED, UINT64_MAX);

    //  A parent's message sent by the child.
    Lic__Repl msg;
    Lic__Ack ack;
    codec_repl_init (&msg);
    lic__ack__init (&ack);
    ack.acked_seq = 5;
    msg.body_case = LIC__REPL__BODY_ACK;
    msg.ack = &ack;
    s_send (sock, &msg);
    s_expect_nack (sock, ERR_MALFORMED, UINT64_MAX);

    //  5 MiB: over the 4 MiB frame limit, under the socket's 8 MiB.
    size_t big = 5u << 20;
    uint8_t *blob = calloc (1, big);
    assert (blob);
    s_send_batch_ex (sock, 1, 1, root, 1, blob, big);
    s_expect_nack (sock, ERR_TOO_LARGE, UINT64_MAX);
    free (blob);

    //  9 MiB: ZeroMQ drops the connection, nothing answers.
    big = 9u << 20;
    blob = malloc (big);
    assert (blob);
    memset (blob, 0x5a, big);
    s_send_raw (sock, blob, big);
    free (blob);
    s_expect_silence (sock);
    zsock_destroy (&sock);
    s_assert_state (s_head0, 0, 0, 0);
}

//  A key the ZAP handler does not admit on the replication socket: the
//  CURVE handshake fails, nothing is ever answered.
static void
s_expect_refused_at_handshake (const char *curve_pk, const char *curve_sk)
{
    zsock_t *sock = s_dealer (curve_pk, curve_sk);
    s_hello (sock);
    s_expect_silence (sock);
    zsock_destroy (&sock);
}

static void
test_keys_other_than_the_childs_are_refused (void)
{
    char path [600];
    keyfile_t admin, stranger;
    snprintf (path, sizeof path, "%s/admin.key", s_parent.dir);
    assert (keyfile_load (&admin, path) == ERR_OK && admin.has_secret);
    //  Keys the parent knows, but not as a node's (its operator, one of
    //  its departments): the replication socket's ZAP domain admits only
    //  node keys.  (A child speaking for another division is refused per
    //  message: test_batch_before_hello_....)
    s_expect_refused_at_handshake (admin.curve_pk, admin.curve_sk);
    s_expect_refused_at_handshake (s_local.key.curve_pk, s_local.key.curve_sk);
    //  A key the parent does not know at all.
    assert (keyfile_generate (&stranger, "stranger", "stranger") == ERR_OK);
    s_expect_refused_at_handshake (stranger.curve_pk, stranger.curve_sk);
    keyfile_wipe (&admin);
    keyfile_wipe (&stranger);
    s_assert_state (s_head0, 0, 0, 0);
}

static void
test_gaps_and_replays_are_refused_and_nothing_applied (void)
{
    zsock_t *sock = s_session (0);
    s_send_batch (sock, 1, 5);
    s_expect_ack (sock, 5);
    s_assert_state (s_head0 + 5, 5, 0, 3);
    //  A replay of what the parent holds.
    s_send_batch (sock, 1, 5);
    s_expect_nack (sock, ERR_GAP, 6);
    s_assert_state (s_head0 + 5, 5, 0, 3);
    for (uint32_t serial = 5; serial <= 11; serial++)
        s_append_issue (&s_dept, serial, false);        //  seqs 6..12
    //  After a NACK, batches are ignored until one starts where asked.
    s_send_batch (sock, 10, 11);
    s_expect_silence (sock);
    s_send_batch (sock, 6, 7);
    s_expect_ack (sock, 7);
    s_assert_state (s_head0 + 7, 7, 0, 5);
    //  A gap: acked + 5.
    s_send_batch (sock, 12, 12);
    s_expect_nack (sock, ERR_GAP, 8);
    s_assert_state (s_head0 + 7, 7, 0, 5);
    s_send_batch (sock, 8, 9);
    s_expect_ack (sock, 9);
    s_assert_state (s_head0 + 9, 9, 0, 7);
    zsock_destroy (&sock);
}

static void
test_a_batch_off_the_childs_tree_is_refused (void)
{
    zsock_t *sock = s_session (9);
    uint8_t root [32];
    s_root (11, root);
    root [9] ^= 1;
    s_send_batch_ex (sock, 10, 11, root, 0, NULL, 0);
    s_expect_nack (sock, ERR_DIVERGED, 10);
    s_assert_state (s_head0 + 9, 9, 0, 7);
    //  The true root, over entries that are not the ones it was made of.
    Lic__LogEntry *e = NULL;
    uint8_t *other;
    size_t other_len;
    assert (codec_entry_decode (s_log [11], s_log_len [11], &e) == ERR_OK);
    e->received_at++;
    assert (codec_entry_encode (e, &other, &other_len) == ERR_OK);
    codec_entry_free (&e);
    s_send_batch_ex (sock, 10, 11, NULL, 11, other, other_len);
    free (other);
    s_expect_nack (sock, ERR_DIVERGED, 10);
    s_assert_state (s_head0 + 9, 9, 0, 7);
    s_send_batch (sock, 10, 12);
    s_expect_ack (sock, 12);
    s_assert_state (s_head0 + 12, 12, 0, 10);
    zsock_destroy (&sock);
}

static void
test_a_forged_event_is_quarantined_and_the_stream_goes_on (void)
{
    zsock_t *sock = s_session (12);
    s_append_issue (&s_dept, 12, false);                //  13
    s_append_issue (&s_dept, 13, true);                 //  14: forged
    s_append_issue (&s_dept, 14, false);                //  15
    s_send_batch (sock, 13, 15);
    s_expect_ack (sock, 15);
    s_assert_state (s_head0 + 14, 15, 1, 12);
    assert (s_license_code (&s_dept, 13) == ERR_NOT_FOUND);
    assert (s_license_code (&s_dept, 12) == ERR_OK);
    assert (s_license_code (&s_dept, 14) == ERR_OK);
    zsock_destroy (&sock);
}

static void
test_entries_without_authority_are_quarantined (void)
{
    support_dept_t stranger, rogue;
    keyfile_t other;
    assert (support_dept_make (&stranger, 7, s_base) == ERR_OK);
    assert (support_dept_make (&rogue, 8, s_base) == ERR_OK);
    assert (keyfile_generate (&other, "other", "other") == ERR_OK);
    uint64_t depts = s_parent_state ().departments;
    zsock_t *sock = s_session (15);
    s_append_issue (&stranger, 1, false);               //  16: never registered
    s_append_registration (&rogue, other.sign_sk, other.sign_pk);   //  17: not the child's key
    s_append_registration (&rogue, other.sign_sk, s_child.sign_pk); //  18: child's key id, other signer
    s_append_issue (&rogue, 1, false);                  //  19: its registrations were refused
    s_append_issue (&s_dept, 15, false);                //  20
    s_send_batch (sock, 16, 20);
    s_expect_ack (sock, 20);
    s_assert_state (s_head0 + 15, 20, 5, 13);
    assert (s_parent_state ().departments == depts);
    assert (s_license_code (&stranger, 1) == ERR_NOT_FOUND);
    assert (s_license_code (&rogue, 1) == ERR_NOT_FOUND);
    assert (s_license_code (&s_dept, 15) == ERR_OK);
    keyfile_wipe (&other);
    zsock_destroy (&sock);
}

static void
test_a_reconnecting_child_resumes_from_the_parents_disk (void)
{
    int status = support_node_stop (&s_parent, SIGTERM);
    assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    assert (support_node_restart (&s_parent) == ERR_OK);
    s_assert_state (s_head0 + 15, 20, 5, 13);
    zsock_t *sock = s_session (20);
    s_append_issue (&s_dept, 16, false);                //  21
    s_append_issue (&s_dept, 17, false);                //  22
    //  Less than the parent holds, or the same size with another root.
    uint8_t root [32];
    s_root (19, root);
    s_hello_as (sock, CHILD, 19, root);
    s_expect_nack (sock, ERR_DIVERGED, 21);
    s_root (20, root);
    root [0] ^= 0x80;
    s_hello_as (sock, CHILD, 20, root);
    s_expect_nack (sock, ERR_DIVERGED, 21);
    s_assert_state (s_head0 + 15, 20, 5, 13);
    //  More than the parent holds: resume after what is on its disk.
    s_hello (sock);
    s_expect_welcome (sock, 20);
    s_send_batch (sock, 21, 22);
    s_expect_ack (sock, 22);
    s_assert_state (s_head0 + 17, 22, 5, 15);
    zsock_destroy (&sock);
}

//  README section 7: a department's event is verified against the
//  department's key registered at the origin node.
static void
test_a_child_cannot_use_the_parents_departments (void)
{
    s_state_t st = s_parent_state ();
    zsock_t *sock = s_session (s_size);
    uint64_t first = s_append_issue (&s_local, 1, false);  //  registered at the parent only
    s_append_issue (&s_dept, 18, false);
    s_send_batch (sock, first, s_size);
    s_expect_ack (sock, s_size);
    s_assert_state (st.head + 1, s_size, st.quarantined + 1, st.licenses + 1);
    assert (s_license_code (&s_local, 1) == ERR_NOT_FOUND);
    zsock_destroy (&sock);
}

//  A child's registration of a credit code the parent registered itself
//  must leave the parent's department able to publish there.
static void
test_a_child_cannot_replace_the_parents_departments (void)
{
    support_dept_t hijack;
    assert (support_dept_make (&hijack, 9, s_base) == ERR_OK);
    memcpy (hijack.key.code, s_local.key.code, sizeof hijack.key.code);
    memcpy (hijack.key.name, s_local.key.name, sizeof hijack.key.name);
    memcpy (hijack.type_code, s_local.type_code, sizeof hijack.type_code);
    zsock_t *sock = s_session (s_size);
    uint64_t first = s_append_registration (&hijack, s_child.sign_sk, s_child.sign_pk);
    s_append_issue (&s_dept, 19, false);
    s_send_batch (sock, first, s_size);
    s_expect_ack (sock, s_size);
    zsock_destroy (&sock);
    licclient_t *c = NULL;
    uint8_t *body, sig [64];
    size_t len;
    int code = -1;
    char why [256];
    assert (support_client (&c, &s_parent, &s_local) == ERR_OK);
    assert (support_event_sign (&s_local, LIC__OP__OP_ISSUE, 2, 0, 2, &body, &len, sig) == ERR_OK);
    assert (licclient_publish (c, body, len, sig, s_local.key.sign_pk, NULL, NULL, &code,
                               why, sizeof why, 10000) == ERR_OK);
    free (body);
    licclient_destroy (&c);
    if (code != ERR_OK)
        fprintf (stderr, "the parent's own department cannot publish: %s: %s\n", err_str (code), why);
    assert (code == ERR_OK);
    assert (s_license_code (&s_local, 2) == ERR_OK);
}

//  A county has no node below it: it cannot bring entries of another
//  division, whose departments are not the ones it registered.
static void
test_a_child_cannot_speak_for_another_division (void)
{
    s_state_t st = s_parent_state ();
    zsock_t *sock = s_session (s_size);
    uint64_t first = s_append_issue_as (SIBLING, &s_dept, 20, false);
    s_append_issue (&s_dept, 21, false);
    s_send_batch (sock, first, s_size);
    s_expect_ack (sock, s_size);
    s_assert_state (st.head + 1, s_size, st.quarantined + 1, st.licenses + 1);
    assert (s_license_code (&s_dept, 20) == ERR_NOT_FOUND);
    zsock_destroy (&sock);
}

//  Licenses of the sibling at the parent (0 if none).
static uint64_t
s_sibling_licenses (void)
{
    uint8_t digest [32];
    uint64_t n = 0;
    if (support_digest (&s_parent, SIBLING, digest, &n) == ERR_NOT_FOUND)
        n = 0;
    return n;
}

//  The real sibling publishes `n` more licenses; waits until the parent
//  holds all `total` of them.
static void
s_sibling_publishes (uint32_t serial0, int n, uint64_t total)
{
    licclient_t *c = NULL;
    assert (support_client (&c, &s_sibling, &s_sib_dept) == ERR_OK);
    assert (support_publish (c, &s_sib_dept, serial0, n, 0) == n);
    licclient_destroy (&c);
    int64_t deadline = support_now_us () + 60 * 1000000LL;
    while (s_sibling_licenses () != total && support_now_us () < deadline)
        zclock_sleep (50);
    if (s_sibling_licenses () != total)
        fprintf (stderr, "parent holds %" PRIu64 " licenses of %s, want %" PRIu64 "\n",
                 s_sibling_licenses (), SIBLING, total);
    assert (s_sibling_licenses () == total);
}

//  Containment (proto/authority.h): county 330106, with its
//  real key, vouches for a key it made up for its sibling 330108 and for
//  a county of another city, then speaks as the sibling with it: a
//  registration of the sibling's real department code, a license under
//  it with an origin seq far ahead (to poison the sibling's origin mark
//  so that its real entries would be skipped as already applied).  And
//  statements made at the sibling sent as its own entries.  Each is
//  quarantined; the county's own entry after them is applied.
static void
test_a_county_cannot_speak_for_its_sibling_or_a_cousin (void)
{
    s_state_t st = s_parent_state ();
    support_dept_t forged;
    assert (support_dept_make (&forged, 11, s_base) == ERR_OK);
    memcpy (forged.key.code, s_sib_dept.key.code, sizeof forged.key.code);
    memcpy (forged.type_code, s_sib_dept.type_code, sizeof forged.type_code);
    zsock_t *sock = s_session (s_size);
    uint64_t first =
    s_append_node_record (CHILD, SIBLING, CHILD, s_rogue.sign_pk, s_child.sign_sk, s_child.sign_pk);
    s_append_node_record (CHILD, SIBLING, PARENT, s_rogue.sign_pk, s_child.sign_sk, s_child.sign_pk);
    s_append_node_record (CHILD, COUSIN, CHILD, s_rogue.sign_pk, s_child.sign_sk, s_child.sign_pk);
    s_append_registration_as (SIBLING, SIBLING, &forged, s_rogue.sign_sk, s_rogue.sign_pk);
    s_origin_seq = 1000001;
    s_append_issue_as (SIBLING, &forged, 900, false);
    //  Made at the sibling, sent as the county's own entries.
    s_append_registration_as (CHILD, SIBLING, &forged, s_child.sign_sk, s_child.sign_pk);
    s_append_issue (&s_dept, 22, false);
    s_send_batch (sock, first, s_size);
    s_expect_ack (sock, s_size);
    zsock_destroy (&sock);
    s_assert_state (st.head + 1, s_size, st.quarantined + 6, st.licenses + 1);
    assert (s_parent_state ().departments == st.departments);
    assert (s_license_code (&forged, 900) == ERR_NOT_FOUND);
}

//  Catalogue lines (proto/authority.h): a catalogue entry made at the sibling, a version
//  out of order in the county's own line, and the county "withdrawing"
//  the sibling's type code.  The first two are quarantined; the third
//  is the county's own line of that code and touches nobody else's.
static void
test_a_county_cannot_override_another_nodes_catalogue (void)
{
    s_state_t st = s_parent_state ();
    zsock_t *sock = s_session (s_size);
    uint64_t first = s_append_catalogue_as (CHILD, SIBLING, s_sib_dept.type_code, 2, true);
    s_append_catalogue_as (CHILD, CHILD, s_dept.type_code, 5, false);
    s_append_catalogue_as (CHILD, CHILD, s_sib_dept.type_code, 1, true);
    s_append_issue (&s_dept, 23, false);
    s_send_batch (sock, first, s_size);
    s_expect_ack (sock, s_size);
    zsock_destroy (&sock);
    s_assert_state (st.head + 2, s_size, st.quarantined + 2, st.licenses + 1);
}


#ifdef LICREPO_HOSTILE_CITY
//  What only a city can try: it may vouch for its own counties and relay
//  their statements, but a county's key changes only by a rotation record
//  naming the key held, and a statement made at the county must be signed
//  by the county's key, not by the city's.
static keyfile_t s_county_key, s_county_key2;
static uint64_t s_county_seq;       //  the county's origin seq of its last entry
static support_dept_t s_county_dept, s_county_dept2;

//  The next entry the test appends is the county's next one.
static void
s_next_county_entry (void)
{
    s_origin_seq = ++s_county_seq;
}

static uint64_t
s_county_licenses (void)
{
    uint8_t digest [32];
    uint64_t n = 0;
    if (support_digest (&s_parent, COUNTY, digest, &n) == ERR_NOT_FOUND)
        n = 0;
    return n;
}

//  The baseline: a record for the city's county 330106, the county's
//  catalogue line, a registration and a license, all signed as the county
//  signs them, relayed by the city: all applied at the province.
static void
test_a_city_relays_its_countys_statements (void)
{
    assert (keyfile_generate (&s_county_key, "county", "county") == ERR_OK);
    assert (support_dept_make (&s_county_dept, 13, s_base) == ERR_OK);
    s_state_t st = s_parent_state ();
    zsock_t *sock = s_session (s_size);
    uint64_t first = s_append_node_record (CHILD, COUNTY, CHILD, s_county_key.sign_pk,
                                           s_child.sign_sk, s_child.sign_pk);
    s_next_county_entry ();
    s_append_catalogue_signed (COUNTY, COUNTY, s_county_dept.type_code, 1, false, &s_county_key);
    s_next_county_entry ();
    s_append_registration_as (COUNTY, COUNTY, &s_county_dept, s_county_key.sign_sk,
                              s_county_key.sign_pk);
    s_next_county_entry ();
    s_append_issue_as (COUNTY, &s_county_dept, 1, false);
    s_send_batch (sock, first, s_size);
    s_expect_ack (sock, s_size);
    zsock_destroy (&sock);
    s_assert_state (st.head + 4, s_size, st.quarantined, st.licenses);
    assert (s_parent_state ().departments == st.departments + 1);
    assert (s_county_licenses () == 1);
    assert (s_license_code (&s_county_dept, 1) == ERR_OK);
}

//  The attacks: the county given a second key without a rotation, or by a
//  "rotation" naming a key not held; a registration made at the county
//  but signed by the city's own key, or by the key never vouched for.
//  Each quarantined, nothing of it in the registry.  Then a real rotation
//  is applied and the new key speaks for the county.
static void
test_a_city_changes_its_countys_key_only_by_rotation (void)
{
    assert (keyfile_generate (&s_county_key2, "county2", "county2") == ERR_OK);
    assert (support_dept_make (&s_county_dept2, 14, s_base) == ERR_OK);
    s_state_t st = s_parent_state ();
    zsock_t *sock = s_session (s_size);
    uint64_t first = s_append_node_record (CHILD, COUNTY, CHILD, s_county_key2.sign_pk,
                                           s_child.sign_sk, s_child.sign_pk);
    s_append_node_rotation (CHILD, COUNTY, CHILD, s_county_key2.sign_pk, s_county_key2.sign_pk,
                            s_child.sign_sk, s_child.sign_pk);
    s_next_county_entry ();
    s_append_registration_as (COUNTY, COUNTY, &s_county_dept2, s_child.sign_sk, s_child.sign_pk);
    s_next_county_entry ();
    s_append_registration_as (COUNTY, COUNTY, &s_county_dept2, s_county_key2.sign_sk,
                              s_county_key2.sign_pk);
    s_append_issue (&s_dept, 30, false);
    s_send_batch (sock, first, s_size);
    s_expect_ack (sock, s_size);
    s_assert_state (st.head + 1, s_size, st.quarantined + 4, st.licenses + 1);
    assert (s_parent_state ().departments == st.departments);
    assert (s_county_licenses () == 1);

    //  The rotation as the runbook makes it: the county's new key, naming
    //  the one held; the new key then registers a department there.
    first = s_append_node_rotation (CHILD, COUNTY, CHILD, s_county_key2.sign_pk,
                                    s_county_key.sign_pk, s_child.sign_sk, s_child.sign_pk);
    s_next_county_entry ();
    s_append_registration_as (COUNTY, COUNTY, &s_county_dept2, s_county_key2.sign_sk,
                              s_county_key2.sign_pk);
    s_send_batch (sock, first, s_size);
    s_expect_ack (sock, s_size);
    zsock_destroy (&sock);
    s_assert_state (st.head + 3, s_size, st.quarantined + 4, st.licenses + 1);
    assert (s_parent_state ().departments == st.departments + 1);
    keyfile_wipe (&s_county_key);
    keyfile_wipe (&s_county_key2);
}
#endif

//  licctl quarantine: the operator sees each entry held back, with its code
//  and the rule it broke, page by page, with the entry decoded.
static Lic__Reply *
s_quarantine_page (const char *origin, uint64_t from, uint32_t limit)
{
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_parent) == ERR_OK);
    Lic__Request req;
    Lic__QuarantineRequest q = LIC__QUARANTINE_REQUEST__INIT;
    codec_request_init (&req);
    q.origin = (char *) origin;
    q.from_seq = from;
    q.limit = limit;
    req.body_case = LIC__REQUEST__BODY_QUARANTINE;
    req.quarantine = &q;
    Lic__Reply *r = NULL;
    assert (licclient_call (admin, &req, &r, 10000) == ERR_OK && r->code == ERR_OK);
    licclient_destroy (&admin);
    return r;
}

#ifdef LICREPO_HOSTILE_CITY
#define NODE_REFUSAL "is not a division below " CHILD
#else
#define NODE_REFUSAL "a county-level node has no nodes below it"
#endif

//  The child's own entry with an origin seq far ahead of its seq in the
//  child's log (proto/authority.h, authority_child_entry): with a stolen
//  key it would move the parent's mark of the child, force the point of
//  a revocation up to it and make the child's genuine later entries
//  "already held", skipped at every level.  Quarantined with its own
//  reason; the mark does not move: the child's next entry (origin seq =
//  its seq) is applied.
static uint64_t s_poisoned_at;      //  the child seq of the poisoned entry

static void
test_a_child_cannot_poison_its_own_origin_mark (void)
{
    s_state_t st = s_parent_state ();
    support_dept_t late;
    assert (support_dept_make (&late, 15, s_base) == ERR_OK);
    zsock_t *sock = s_session (s_size);
    s_origin_seq = 1000000;
    uint64_t first = s_append_registration (&late, s_child.sign_sk, s_child.sign_pk);
    s_poisoned_at = first;
    s_append_issue (&s_dept, 24, false);
    s_send_batch (sock, first, s_size);
    s_expect_ack (sock, s_size);
    zsock_destroy (&sock);
    s_assert_state (st.head + 1, s_size, st.quarantined + 1, st.licenses + 1);
    assert (s_parent_state ().departments == st.departments);
    assert (s_license_code (&s_dept, 24) == ERR_OK);
    Lic__Reply *r = s_quarantine_page (CHILD, 1000000, 1);
    assert (r->quarantine->n_items == 1);
    const Lic__QuarantineItem *it = r->quarantine->items [0];
    char want [128];
    snprintf (want, sizeof want, "entry %" PRIu64 " of child %s is its own (origin %s) but says "
              "origin seq 1000000", first, CHILD, CHILD);
    if (it->code != ERR_BAD_FIELD || !strstr (it->reason, want))
        fprintf (stderr, "held: %s %s\n", err_str (it->code), it->reason);
    assert (it->origin_seq == 1000000 && it->code == ERR_BAD_FIELD && strstr (it->reason, want));
    codec_reply_free (&r);
}

//  Runs a shell command, stdout and stderr into out; returns its exit status.
static int
s_run (char *out, size_t size, const char *fmt, ...)
{
    char cmd [4096];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (cmd, sizeof cmd, fmt, ap);
    va_end (ap);
    strncat (cmd, " 2>&1", sizeof cmd - strlen (cmd) - 1);
    FILE *p = popen (cmd, "r");
    assert (p);
    size_t n = fread (out, 1, size - 1, p);
    out [n] = 0;
    int st = pclose (p);
    return WIFEXITED (st)? WEXITSTATUS (st): -1;
}

//  The parent's count of replication handshakes refused for `reason`.
static int64_t
s_handshakes_refused (const char *reason)
{
    static char text [262144];
    char series [128];
    assert (support_metrics_scrape (s_metrics_port, text, sizeof text) == ERR_OK);
    snprintf (series, sizeof series,
              "licrepo_handshake_refused_total{socket=\"replication\",reason=\"%s\"}", reason);
    int64_t v = support_metric (text, series);
    return v < 0? 0: v;
}

//  The next answer is a Nack ERR_FORBIDDEN saying the child's key was revoked.
static void
s_expect_revoked (zsock_t *sock)
{
    Lic__Repl *msg = s_recv (sock, 10000);
    assert (msg && msg->body_case == LIC__REPL__BODY_NACK);
    if (msg->nack->code != ERR_FORBIDDEN || !strstr (msg->nack->reason, "revoked as compromised"))
        fprintf (stderr, "nack %s: %s\n", err_str (msg->nack->code), msg->nack->reason);
    assert (msg->nack->code == ERR_FORBIDDEN && strstr (msg->nack->reason, "revoked as compromised"));
    codec_repl_free (&msg);
}

//  A summary of the child claiming `head`, signed by its key, as the
//  envelope bytes a heartbeat relays (caller frees).
static void
s_child_summary (uint64_t head, uint8_t **out, size_t *len)
{
    Lic__NodeSummary sum = LIC__NODE_SUMMARY__INIT;
    sum.version = 1;
    sum.division = CHILD;
    sum.parent_division = PARENT;
    sum.head_seq = head;
    sum.uplink_acked = head;
    sum.uplink_state = "up";
    sum.made_at = (int64_t) time (NULL);
    size_t slen = lic__node_summary__get_packed_size (&sum);
    uint8_t *body = malloc (slen), sig [64];
    assert (body);
    lic__node_summary__pack (&sum, body);
    seal_sign (sig, body, slen, s_child.sign_sk);
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = body;
    env.body.len = slen;
    env.signature.data = sig;
    env.signature.len = 64;
    env.key_id.data = s_child.sign_pk;
    env.key_id.len = 32;
    assert (codec_envelope_encode (&env, out, len) == ERR_OK);
    free (body);
}

//  The summary of the child the parent shows in its subtree: its head,
//  UINT64_MAX if none.
static uint64_t
s_subtree_head (void)
{
    Lic__Reply *r = NULL;
    assert (support_status (&s_parent, &r) == ERR_OK);
    uint64_t head = UINT64_MAX;
    for (size_t i = 0; i < r->status->n_subtree; i++)
        if (r->status->subtree [i]->summary && streq (r->status->subtree [i]->summary->division, CHILD))
            head = r->status->subtree [i]->summary->head_seq;
    codec_reply_free (&r);
    return head;
}

//  A compromised node key (README "A compromised node key"): the thief
//  holds the child's node.key, so it has the CURVE key that admits it
//  and the Ed25519 key that signs.  The parent's operator revokes the
//  key: a point beyond what the parent holds is refused; the point is
//  what the parent holds, not the origin seq the poisoned entry claimed.
//  From then on the child's CURVE key opens nothing: a session opened
//  before is refused message by message (batches, node summaries,
//  checkpoints: no receipt), a new one at the handshake, counted as a
//  revoked key; the parent's state does not change but for the record.
static void
test_a_revoked_childs_key_opens_nothing (void)
{
    zsock_t *old = s_session (s_size);
    //  A summary signed by the key while it is good: shown.
    uint8_t *sum;
    size_t sum_len;
    s_child_summary (s_size, &sum, &sum_len);
    ProtobufCBinaryData sub [1] = { { sum_len, sum } };
    uint32_t age [1] = { 0 };
    Lic__Heartbeat hb = LIC__HEARTBEAT__INIT;
    hb.head_seq = s_size;
    hb.acked_seq = s_size;
    hb.now = (int64_t) time (NULL);
    hb.n_subtree = 1;
    hb.subtree = sub;
    hb.n_subtree_age = 1;
    hb.subtree_age = age;
    Lic__Repl msg;
    codec_repl_init (&msg);
    msg.body_case = LIC__REPL__BODY_HEARTBEAT;
    msg.heartbeat = &hb;
    s_send (old, &msg);
    int64_t deadline = support_now_us () + 10 * 1000000LL;
    while (s_subtree_head () != s_size && support_now_us () < deadline)
        zclock_sleep (20);
    assert (s_subtree_head () == s_size);
    free (sum);
    s_state_t st = s_parent_state ();
    char out [4096], pub [700], want [160];
    snprintf (pub, sizeof pub, "%s/%s/node.pub", s_base, CHILD);
    //  Beyond what the parent holds and the child announced: refused.
    assert (s_run (out, sizeof out, "%s -d %s node revoke %s --key-file %s --after %" PRIu64,
                   support_licctl_path (), s_parent.dir, CHILD, pub, s_size + 1000) == 1);
    if (!strstr (out, "beyond what the parent holds"))
        fprintf (stderr, "%s\n", out);
    assert (strstr (out, "ERR_BAD_FIELD") && strstr (out, "beyond what the parent holds"));
    //  From what the parent holds: not from the poisoned origin seq.
    assert (s_run (out, sizeof out, "%s -d %s node revoke %s --key-file %s", support_licctl_path (),
                   s_parent.dir, CHILD, pub) == 0);
    const char *at = strstr (out, "after origin seq ");
    assert (at);
    uint64_t point = strtoull (at + strlen ("after origin seq "), NULL, 10);
    assert (point > s_poisoned_at && point <= s_size);
    snprintf (want, sizeof want, "after origin seq %" PRIu64 " are void", point);
    assert (strstr (out, want));

    //  The session opened before: each message refused.  A batch ...
    uint64_t first = s_append_issue (&s_dept, 40, false);
    s_send_batch (old, first, s_size);
    s_expect_revoked (old);
    //  ... a summary claiming a head far ahead ...
    s_child_summary (777777, &sum, &sum_len);
    sub [0].data = sum;
    sub [0].len = sum_len;
    hb.now = (int64_t) time (NULL);
    codec_repl_init (&msg);
    msg.body_case = LIC__REPL__BODY_HEARTBEAT;
    msg.heartbeat = &hb;
    s_send (old, &msg);
    s_expect_revoked (old);
    free (sum);
    //  ... and a checkpoint of what the parent holds: no receipt.
    uint8_t root [32];
    s_root (st.acked, root);
    char *note = NULL, name [32];
    snprintf (name, sizeof name, "licrepo/%s", CHILD);
    assert (checkpoint_sign (name, st.acked, root, name, s_child.sign_sk, s_child.sign_pk, &note)
            == ERR_OK);
    Lic__CheckpointNote cn = LIC__CHECKPOINT_NOTE__INIT;
    cn.note = note;
    codec_repl_init (&msg);
    msg.body_case = LIC__REPL__BODY_CHECKPOINT;
    msg.checkpoint = &cn;
    s_send (old, &msg);
    s_expect_revoked (old);
    free (note);
    zsock_destroy (&old);
    assert (s_subtree_head () != 777777);

    //  A new connection with the child's CURVE key: refused at the
    //  handshake (no answer), counted as a revoked key.
    int64_t refused = s_handshakes_refused ("revoked_key");
    zsock_t *sock = s_child_dealer ();
    s_hello (sock);
    s_expect_silence (sock);
    zsock_destroy (&sock);
    assert (s_handshakes_refused ("revoked_key") > refused);
    //  Nothing but the revocation record changed at the parent.
    s_assert_state (st.head + 1, st.acked, st.quarantined, st.licenses);
}

static void
test_the_quarantine_lists_each_entry_with_its_reason (void)
{
    s_state_t st = s_parent_state ();
    Lic__Reply *r = s_quarantine_page ("", 0, 1000);
    const Lic__QuarantineResult *q = r->quarantine;
    assert (q->total == st.quarantined && q->n_items == st.quarantined && !q->more);
    bool saw_record = false, saw_forged = false, saw_catalogue = false;
    for (size_t i = 0; i < q->n_items; i++) {
        const Lic__QuarantineItem *it = q->items [i];
        assert (it->entry && it->entry->origin_seq == it->origin_seq
             && streq (it->entry->origin_division, it->origin) && it->entry_bytes > 0);
        saw_record |= it->entry->kind == LIC__ENTRY_KIND__ENTRY_NODE && it->code == ERR_FORBIDDEN
                   && strstr (it->reason, NODE_REFUSAL);
        saw_forged |= it->code == ERR_BAD_SIGNATURE && streq (it->origin, CHILD);
        saw_catalogue |= it->entry->kind == LIC__ENTRY_KIND__ENTRY_CATALOGUE
                      && it->code == ERR_VERSION_MISMATCH;
    }
    assert (saw_record && saw_forged && saw_catalogue);
    //  Pages of 3 cover the same entries, in the same order, once.
    size_t seen = 0;
    char origin [16] = "";
    uint64_t from = 0;
    for (int page = 0; page < 100; page++) {
        Lic__Reply *p = s_quarantine_page (origin, from, 3);
        for (size_t i = 0; i < p->quarantine->n_items; i++, seen++) {
            assert (streq (p->quarantine->items [i]->origin, q->items [seen]->origin));
            assert (p->quarantine->items [i]->origin_seq == q->items [seen]->origin_seq);
        }
        bool more = p->quarantine->more;
        if (more) {
            snprintf (origin, sizeof origin, "%s", p->quarantine->next_origin);
            from = p->quarantine->next_seq;
        }
        codec_reply_free (&p);
        if (!more)
            break;
    }
    assert (seen == q->n_items);
    codec_reply_free (&r);
}

//  The victim: the real sibling's licenses, of the type the county
//  "withdrew", after entries the county sent with a poisoned origin
//  seq, all reach the parent -- before and after a restart of the parent
//  and of the sibling; a department the sibling registers afterwards
//  (signed by its real node key) publishes there too.
static void
test_the_siblings_data_reaches_the_parent_whole (void)
{
    uint64_t have = s_sibling_licenses ();
    s_state_t st = s_parent_state ();
    s_sibling_publishes (100, 20, have + 20);
    assert (s_parent_state ().quarantined == st.quarantined);

    int status = support_node_stop (&s_parent, SIGTERM);
    assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    assert (support_node_restart (&s_parent) == ERR_OK);
    s_state_t after = s_parent_state ();
    assert (after.quarantined == st.quarantined && after.licenses == st.licenses);
    assert (after.departments == st.departments);
    status = support_node_stop (&s_sibling, SIGTERM);
    assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    assert (support_node_restart (&s_sibling) == ERR_OK);
    s_sibling_publishes (200, 20, have + 40);

    support_dept_t later;
    assert (support_dept_make (&later, 12, s_base) == ERR_OK);
    licclient_t *admin = NULL, *c = NULL;
    assert (support_admin (&admin, &s_sibling) == ERR_OK);
    assert (support_register (admin, &later) == ERR_OK);
    licclient_destroy (&admin);
    assert (support_client (&c, &s_sibling, &later) == ERR_OK);
    assert (support_publish (c, &later, 1, 5, 0) == 5);
    licclient_destroy (&c);
    int64_t deadline = support_now_us () + 60 * 1000000LL;
    while (s_parent_state ().departments != st.departments + 1 && support_now_us () < deadline)
        zclock_sleep (50);
    while (s_license_code (&later, 5) != ERR_OK && support_now_us () < deadline)
        zclock_sleep (50);
    assert (s_license_code (&later, 5) == ERR_OK);
    assert (s_parent_state ().quarantined == st.quarantined);
}

static void
test_the_parent_stops_cleanly_and_equals_a_replay_of_its_log (void)
{
    int status = support_node_stop (&s_parent, SIGTERM);
    assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    assert (support_node_check (&s_parent) == ERR_OK);
    status = support_node_stop (&s_sibling, SIGTERM);
    assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    assert (support_node_check (&s_sibling) == ERR_OK);
}

// ---------------------------------------------------------------------

static void
s_setup (void)
{
    char child_dir [600], parent_dir [600], sib_dir [600], path [700], cfg [2048];
    assert (support_tmpdir (s_base, "repl-abuse-" LEVEL) == ERR_OK);
    snprintf (child_dir, sizeof child_dir, "%s/%s", s_base, CHILD);
    snprintf (parent_dir, sizeof parent_dir, "%s/%s", s_base, PARENT);
    snprintf (sib_dir, sizeof sib_dir, "%s/%s", s_base, SIBLING);
    assert (support_node_init (child_dir, CHILD) == ERR_OK);
    assert (support_node_init (parent_dir, PARENT) == ERR_OK);
    assert (support_node_init (sib_dir, SIBLING) == ERR_OK);
    assert (keyfile_generate (&s_rogue, "rogue", "rogue") == ERR_OK);
    snprintf (path, sizeof path, "%s/node.key", child_dir);
    assert (keyfile_load (&s_child, path) == ERR_OK && s_child.has_secret);

    s_repl_port = support_free_port ();
    int port = support_free_port ();
    assert (s_repl_port > 0 && port > 0 && port != s_repl_port);
    s_metrics_port = support_free_port ();
    snprintf (cfg, sizeof cfg,
        "{ \"division\": \"%s\", \"name\": \"city\", \"checkpoint_ms\": 200,\n"
        "  \"replication_listen\": \"tcp://127.0.0.1:%d\",\n"
        "  \"metrics_listen\": \"127.0.0.1:%d\",\n"
        "  \"children\": [ { \"pub_file\": \"%s/node.pub\" }, { \"pub_file\": \"%s/node.pub\" } ] }\n",
        PARENT, s_repl_port, s_metrics_port, child_dir, sib_dir);
    assert (support_node_start_cfg (&s_parent, parent_dir, port, PARENT, cfg) == ERR_OK);
    keyfile_t pub;
    snprintf (path, sizeof path, "%s/node.pub", parent_dir);
    assert (keyfile_load (&pub, path) == ERR_OK);
    memcpy (s_parent_curve, pub.curve_pk, sizeof s_parent_curve);

    //  A department of the parent's own; its CURVE key may connect there.
    assert (support_dept_make (&s_dept, 1, s_base) == ERR_OK);
    assert (support_dept_make (&s_local, 2, s_base) == ERR_OK);
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_parent) == ERR_OK);
    assert (support_register (admin, &s_local) == ERR_OK);
    //  The county department's license type code is in the parent's own
    //  catalogue too: a license is checked against its origin's line of
    //  the code (proto/authority.h), so this one serves no county event.
    assert (support_catalogue_add (admin, s_dept.type_code) == ERR_OK);
    licclient_destroy (&admin);

    //  The sibling, a real county under the same parent, with a
    //  department that published 10 licenses, all at the parent.
    snprintf (cfg, sizeof cfg,
        "{ \"division\": \"%s\", \"name\": \"sibling\", \"checkpoint_ms\": 200,\n"
        "  \"parent\": { \"pub_file\": \"%s/node.pub\", \"endpoint\": \"tcp://127.0.0.1:%d\" } }\n",
        SIBLING, parent_dir, s_repl_port);
    assert (support_node_start_cfg (&s_sibling, sib_dir, support_free_port (), SIBLING, cfg) == ERR_OK);
    assert (support_dept_make (&s_sib_dept, 3, s_base) == ERR_OK);
    assert (strcmp (s_sib_dept.type_code, s_dept.type_code) != 0);
    assert (support_admin (&admin, &s_sibling) == ERR_OK);
    assert (support_register (admin, &s_sib_dept) == ERR_OK);
    licclient_destroy (&admin);
    s_sibling_publishes (1, 10, 10);
    //  The sibling's checkpoints add nothing to the parent's log: its head
    //  is stable from here.
    s_head0 = s_parent_state ().head;
    assert (s_head0 >= 2);      //  the child's node record, the registration

    //  The county's log: its department's registration, its line of the
    //  department's type, three issues.
    s_tree = merkle_mem_store_new ();
    assert (s_tree);
    s_append_registration (&s_dept, s_child.sign_sk, s_child.sign_pk);
    s_append_catalogue_as (CHILD, CHILD, s_dept.type_code, 1, false);
    for (uint32_t serial = 1; serial <= 3; serial++)
        s_append_issue (&s_dept, serial, false);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    zsys_handler_set (NULL);
    s_setup ();
    test_batch_before_hello_and_hello_of_another_division_are_refused ();
    test_hostile_frames_are_refused_and_the_parent_survives ();
    test_keys_other_than_the_childs_are_refused ();
    test_gaps_and_replays_are_refused_and_nothing_applied ();
    test_a_batch_off_the_childs_tree_is_refused ();
    test_a_forged_event_is_quarantined_and_the_stream_goes_on ();
    test_entries_without_authority_are_quarantined ();
    test_a_reconnecting_child_resumes_from_the_parents_disk ();
    test_a_child_cannot_use_the_parents_departments ();
    test_a_child_cannot_replace_the_parents_departments ();
    test_a_child_cannot_speak_for_another_division ();
    test_a_county_cannot_speak_for_its_sibling_or_a_cousin ();
    test_a_county_cannot_override_another_nodes_catalogue ();
#ifdef LICREPO_HOSTILE_CITY
    test_a_city_relays_its_countys_statements ();
    test_a_city_changes_its_countys_key_only_by_rotation ();
#endif
    test_a_child_cannot_poison_its_own_origin_mark ();
    test_the_quarantine_lists_each_entry_with_its_reason ();
    test_a_revoked_childs_key_opens_nothing ();
    test_the_siblings_data_reaches_the_parent_whole ();
    test_the_parent_stops_cleanly_and_equals_a_replay_of_its_log ();
    for (uint64_t seq = 1; seq <= s_size; seq++)
        free (s_log [seq]);
    merkle_mem_store_destroy (&s_tree);
    keyfile_wipe (&s_child);
    keyfile_wipe (&s_rogue);
    support_rmtree (s_base);
    printf ("e2e_repl_abuse (a hostile %s): all passed\n", LEVEL);
    return 0;
}
