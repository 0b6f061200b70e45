/*  test_e2e_batch.c -- many events in one publish frame (PublishBatch,
    proto/README.md section 3) against a real licnode: each event is
    checked as a single publish would be and answered on its own, in
    order; only the good ones are stored; a duplicate answers with its
    first seq; a batch over the count bound is refused whole with nothing
    stored; licclient_publish_batch; and `licctl import` of a stream of
    signed envelopes, its node killed mid-way, run again: every event
    stored once, `licnode check` passes; `licctl import` of JSON lines
    prints only the rejected lines and is idempotent.
*/
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto/codec.h"
#include "node/client/licclient_int.h"
#include "node/common/licjson.h"
#include "tests/support/support.h"

#define S_TIMEOUT 20000

//  One signed event as the batch carries it.
typedef struct {
    uint8_t *body;
    size_t len;
    uint8_t sig [64];
    uint8_t pk [32];
    Lic__Envelope env;
} s_ev_t;

static void
s_sign (s_ev_t *e, const support_dept_t *d, Lic__Op op, uint32_t serial, uint32_t expected)
{
    assert (support_event_sign (d, op, serial, expected, serial, &e->body, &e->len, e->sig) == ERR_OK);
    memcpy (e->pk, d->key.sign_pk, 32);
    lic__envelope__init (&e->env);
    e->env.body.data = e->body;
    e->env.body.len = e->len;
    e->env.signature.data = e->sig;
    e->env.signature.len = 64;
    e->env.key_id.data = e->pk;
    e->env.key_id.len = 32;
}

//  Sends the n envelopes as one PublishBatch and waits for the reply.
static Lic__Reply *
s_batch (licclient_t *c, s_ev_t *evs, size_t n)
{
    Lic__Envelope **envs = calloc (n, sizeof *envs);
    assert (envs);
    for (size_t i = 0; i < n; i++)
        envs [i] = &evs [i].env;
    Lic__PublishBatch b = LIC__PUBLISH_BATCH__INIT;
    b.events = envs;
    b.n_events = n;
    Lic__Request req = LIC__REQUEST__INIT;
    req.body_case = LIC__REQUEST__BODY_PUBLISH_BATCH;
    req.publish_batch = &b;
    Lic__Reply *reply = NULL;
    assert (licclient_call (c, &req, &reply, S_TIMEOUT) == ERR_OK);
    free (envs);
    return reply;
}

static uint64_t
s_head (const support_node_t *n)
{
    Lic__Reply *r = NULL;
    assert (support_status (n, &r) == ERR_OK && r->code == ERR_OK);
    uint64_t head = r->status->head_seq;
    licclient_reply_free (&r);
    return head;
}

static int
s_get (licclient_t *admin, const support_dept_t *d, uint32_t serial, uint32_t *version)
{
    char id [LICID_BARE_MAX + 1];
    support_license_id (id, d->type_code, d->key.code, serial);
    Lic__Reply *r = NULL;
    assert (licclient_get (admin, id, false, &r, S_TIMEOUT) == ERR_OK);
    int code = r->code;
    if (code == ERR_OK && version)
        *version = r->license->state->version;
    licclient_reply_free (&r);
    return code;
}

//  Good, bad signature, duplicate, illegal lifecycle step, unknown key,
//  good: each answered in order; exactly the good ones stored; the same
//  batch again answers the good ones as duplicates of the same seqs.
static void
test_mixed (support_node_t *node, licclient_t *admin, licclient_t *c,
            const support_dept_t *d, const support_dept_t *stranger)
{
    s_ev_t ev [6];
    s_sign (&ev [0], d, LIC__OP__OP_ISSUE, 1, 0);
    s_sign (&ev [1], d, LIC__OP__OP_ISSUE, 2, 0);
    ev [1].sig [10] ^= 0x40;                        //  bad signature
    ev [2] = ev [0];                                //  duplicate of the first
    s_sign (&ev [3], d, LIC__OP__OP_REINSTATE, 1, 1);    //  a valid license: not suspended
    s_sign (&ev [4], stranger, LIC__OP__OP_ISSUE, 4, 0);  //  key not registered here
    s_sign (&ev [5], d, LIC__OP__OP_ISSUE, 5, 0);
    for (int i = 0; i < 6; i++) {                   //  the copies point at their own bytes
        ev [i].env.signature.data = ev [i].sig;
        ev [i].env.key_id.data = ev [i].pk;
    }
    uint64_t head0 = s_head (node);
    Lic__Reply *r = s_batch (c, ev, 6);
    assert (r->code == ERR_OK && r->body_case == LIC__REPLY__BODY_PUBLISHED_BATCH);
    Lic__PublishBatchResult *res = r->published_batch;
    assert (res->n_results == 6);
    int want [6] = { ERR_OK, ERR_BAD_SIGNATURE, ERR_OK, ERR_ILLEGAL_OP, ERR_UNKNOWN_KEY, ERR_OK };
    for (int i = 0; i < 6; i++) {
        if (res->results [i]->code != want [i])
            fprintf (stderr, "event %d: %s (%s), expected %s\n", i, err_str (res->results [i]->code),
                     res->results [i]->message, err_str (want [i]));
        assert (res->results [i]->code == want [i]);
        assert ((want [i] == ERR_OK) == (*res->results [i]->message == 0));
    }
    uint64_t s0 = res->results [0]->seq, s5 = res->results [5]->seq;
    assert (s0 == head0 + 1 && !res->results [0]->duplicate);
    assert (res->results [0]->license_version == 1);
    assert (res->results [2]->duplicate && res->results [2]->seq == s0);
    assert (s5 == s0 + 1 && !res->results [5]->duplicate);
    assert (strstr (res->results [4]->message, "not registered"));
    licclient_reply_free (&r);
    //  Stored: the two good ones, nothing else.
    assert (s_head (node) == head0 + 2);
    uint32_t version = 0;
    assert (s_get (admin, d, 1, &version) == ERR_OK && version == 1);
    assert (s_get (admin, d, 2, NULL) == ERR_NOT_FOUND);
    assert (s_get (admin, d, 4, NULL) == ERR_NOT_FOUND);
    assert (s_get (admin, d, 5, NULL) == ERR_OK);

    //  Idempotent: the same batch again stores nothing, answers the same.
    r = s_batch (c, ev, 6);
    assert (r->code == ERR_OK && r->published_batch->n_results == 6);
    res = r->published_batch;
    for (int i = 0; i < 6; i++)
        assert (res->results [i]->code == want [i]);
    assert (res->results [0]->duplicate && res->results [0]->seq == s0);
    assert (res->results [2]->duplicate && res->results [2]->seq == s0);
    assert (res->results [5]->duplicate && res->results [5]->seq == s5);
    licclient_reply_free (&r);
    assert (s_head (node) == head0 + 2);
    for (int i = 0; i < 6; i++)
        if (i != 2)
            free (ev [i].body);
    printf ("e2e_batch: mixed batch answered in order, only the good stored, rerun idempotent\n");
}

//  Over CODEC_PUBLISH_BATCH_MAX events: refused whole, nothing stored
//  (the first events alone would have been accepted); an empty batch is
//  malformed.  A batch at the bound is accepted.
static void
test_bounds (support_node_t *node, licclient_t *admin, licclient_t *c, const support_dept_t *d)
{
    enum { N = CODEC_PUBLISH_BATCH_MAX + 1 };
    static s_ev_t ev [N];
    for (int i = 0; i < N; i++)
        s_sign (&ev [i], d, LIC__OP__OP_ISSUE, 1000 + (uint32_t) i, 0);
    uint64_t head0 = s_head (node);
    Lic__Reply *r = NULL;
    //  The frame of N ~1 KB events is over 256 KiB: the client refuses to send it.
    Lic__Envelope *envs [N];
    for (int i = 0; i < N; i++)
        envs [i] = &ev [i].env;
    Lic__PublishBatch b = LIC__PUBLISH_BATCH__INIT;
    b.events = envs;
    b.n_events = N;
    Lic__Request req = LIC__REQUEST__INIT;
    req.body_case = LIC__REQUEST__BODY_PUBLISH_BATCH;
    req.publish_batch = &b;
    assert (licclient_call (c, &req, &r, S_TIMEOUT) == ERR_TOO_LARGE);
    //  Over the count in a frame that fits (bodies cut to one byte: the
    //  count is judged before any envelope): the node refuses it whole,
    //  its good first event included.
    static s_ev_t small [N];
    for (int i = 0; i < N; i++) {
        small [i] = ev [i];
        small [i].env.body.len = 1;
        small [i].env.signature.data = small [i].sig;
        small [i].env.key_id.data = small [i].pk;
    }
    small [0].env = ev [0].env;                     //  a good first event
    r = s_batch (c, small, N);
    assert (r->code == ERR_TOO_LARGE && r->body_case != LIC__REPLY__BODY_PUBLISHED_BATCH);
    assert (strstr (r->message, "1 to 256 events"));
    licclient_reply_free (&r);
    assert (s_head (node) == head0);
    assert (s_get (admin, d, 1000, NULL) == ERR_NOT_FOUND);
    //  Empty.
    r = s_batch (c, small, 0);
    assert (r->code == ERR_MALFORMED);
    licclient_reply_free (&r);
    //  At the bound, each event answered on its own: the first good, the
    //  one-byte bodies refused (their signature does not verify).
    r = s_batch (c, small, CODEC_PUBLISH_BATCH_MAX);
    assert (r->code == ERR_OK && r->published_batch->n_results == CODEC_PUBLISH_BATCH_MAX);
    assert (r->published_batch->results [0]->code == ERR_OK);
    for (int i = 1; i < CODEC_PUBLISH_BATCH_MAX; i++)
        assert (r->published_batch->results [i]->code == ERR_BAD_SIGNATURE);
    licclient_reply_free (&r);
    assert (s_head (node) == head0 + 1);
    for (int i = 0; i < N; i++)
        free (ev [i].body);
    printf ("e2e_batch: over %d events refused whole, nothing stored; at the bound answered each\n",
            CODEC_PUBLISH_BATCH_MAX);
}

//  The library's batch call: a new event and a duplicate.
static void
test_library (licclient_t *c, const support_dept_t *d)
{
    s_ev_t ev [2];
    s_sign (&ev [0], d, LIC__OP__OP_ISSUE, 30, 0);
    s_sign (&ev [1], d, LIC__OP__OP_ISSUE, 1, 0);          //  stored by test_mixed
    licclient_event_t in [2];
    for (int i = 0; i < 2; i++)
        in [i] = (licclient_event_t) { ev [i].body, ev [i].len, ev [i].sig, ev [i].pk, NULL, 0 };
    licclient_result_t out [2];
    assert (licclient_publish_batch (c, in, 2, out, S_TIMEOUT) == ERR_OK);
    assert (out [0].code == ERR_OK && !out [0].duplicate && out [0].seq > 0);
    assert (out [1].code == ERR_OK && out [1].duplicate && out [1].license_version == 0);
    assert (licclient_publish_batch (c, in, 0, out, S_TIMEOUT) == ERR_MALFORMED);
    assert (licclient_publish_batch (c, in, LICCLIENT_BATCH_MAX + 1, out, S_TIMEOUT) == ERR_TOO_LARGE);
    free (ev [0].body);
    free (ev [1].body);
    printf ("e2e_batch: licclient_publish_batch answers each event\n");
}

static char s_text [256 * 1024];     //  the last scrape (s_frames)

//  The node's count of publish frames answered once it is at least
//  least (0: now): the metrics are rendered once a second, so it is read
//  again after a refresh, when every frame answered before the call is in
//  (and so is every other series of s_text).
static int64_t
s_frames (int metrics_port, int64_t least)
{
    int64_t v, deadline = support_now_us () + 10 * 1000000;
    do {
        assert (support_metrics_scrape (metrics_port, s_text, sizeof s_text) == ERR_OK);
        v = support_metric (s_text, "licrepo_publish_frames_total");
        assert (v >= 0);
    } while (v < least && support_now_us () < deadline && usleep (50000) == 0);
    usleep (1200000);
    assert (support_metrics_scrape (metrics_port, s_text, sizeof s_text) == ERR_OK);
    return support_metric (s_text, "licrepo_publish_frames_total");
}

//  Sends the n events as single publishes through c; their ids.
static void
s_send_singles (licclient_t *c, s_ev_t *ev, size_t n, uint64_t *ids)
{
    for (size_t i = 0; i < n; i++)
        assert (licclient_send_publish (c, ev [i].body, ev [i].len, ev [i].sig, ev [i].pk,
                                        &ids [i]) == ERR_OK);
}

//  The n replies, in order of the ids they answer.
static void
s_recv_all (licclient_t *c, const uint64_t *ids, size_t n, Lic__Reply **replies)
{
    memset (replies, 0, n * sizeof *replies);
    for (size_t got = 0; got < n; got++) {
        Lic__Reply *r = NULL;
        assert (licclient_recv (c, &r, S_TIMEOUT) == ERR_OK);
        size_t i = 0;
        while (i < n && ids [i] != r->id)
            i++;
        assert (i < n && !replies [i]);         //  one reply for each id, no other
        replies [i] = r;
    }
    assert (licclient_pending (c) == 0);
}

//  Coalescing (licclient_coalesce): single publishes sent while others
//  are in flight go as one PublishBatch frame, and each is answered by
//  its own reply, the reply a single publish of it gets: the mixed six
//  (good, bad signature, duplicate, illegal step, unknown key, good)
//  coalesced, then again alone, then again coalesced, compared code,
//  message and result; 300 ~1 KB events go in two frames (bytes bound);
//  another request sent behind coalesced publishes is answered after
//  them and the wait for it sends them; an abandoned event's reply is
//  never returned; licclient_destroy sends what is still open.
static void
test_coalesce (support_node_t *node, licclient_t *admin, const support_dept_t *d,
               const support_dept_t *stranger, int metrics_port)
{
    licclient_t *c = NULL, *single = NULL;
    assert (support_client (&c, node, d) == ERR_OK);
    assert (support_client (&single, node, d) == ERR_OK);
    assert (licclient_coalesce (c, true) == ERR_OK);
    s_ev_t ev [6];
    s_sign (&ev [0], d, LIC__OP__OP_ISSUE, 40, 0);
    s_sign (&ev [1], d, LIC__OP__OP_ISSUE, 41, 0);
    ev [1].sig [10] ^= 0x40;
    ev [2] = ev [0];
    s_sign (&ev [3], d, LIC__OP__OP_REINSTATE, 40, 1);
    s_sign (&ev [4], stranger, LIC__OP__OP_ISSUE, 44, 0);
    s_sign (&ev [5], d, LIC__OP__OP_ISSUE, 45, 0);
    int want [6] = { ERR_OK, ERR_BAD_SIGNATURE, ERR_OK, ERR_ILLEGAL_OP, ERR_UNKNOWN_KEY, ERR_OK };
    uint64_t head0 = s_head (node);
    Lic__Reply *first [6], *alone [6], *again [6];
    uint64_t ids [6];

    //  Coalesced; a status request behind them is answered, and its
    //  wait is what sends them (nothing was sent before it).
    int64_t f0 = s_frames (metrics_port, 0);
    s_send_singles (c, ev, 6, ids);
    for (int i = 1; i < 6; i++)
        assert (ids [i] == ids [0] + (uint64_t) i);
    Lic__Reply *st = NULL;
    assert (licclient_status (c, &st, S_TIMEOUT) == ERR_OK && st->code == ERR_OK);
    licclient_reply_free (&st);
    s_recv_all (c, ids, 6, first);
    assert (s_frames (metrics_port, f0 + 1) == f0 + 1);
    for (int i = 0; i < 6; i++) {
        assert (first [i]->code == want [i]);
        assert ((want [i] == ERR_OK) == (first [i]->body_case == LIC__REPLY__BODY_PUBLISHED));
        assert ((want [i] == ERR_OK) == (*first [i]->message == 0));
    }
    uint64_t s0 = first [0]->published->seq;
    assert (s0 == head0 + 1 && !first [0]->published->duplicate);
    assert (first [2]->published->duplicate && first [2]->published->seq == s0);
    assert (first [5]->published->seq == s0 + 1);
    assert (strstr (first [4]->message, "not registered"));
    assert (s_head (node) == head0 + 2);

    //  The same six alone, one frame each, then coalesced again: the
    //  same answers (the good ones now duplicates of the same seqs).
    f0 = s_frames (metrics_port, 0);
    s_send_singles (single, ev, 6, ids);
    s_recv_all (single, ids, 6, alone);
    assert (s_frames (metrics_port, f0 + 6) == f0 + 6);
    s_send_singles (c, ev, 6, ids);
    s_recv_all (c, ids, 6, again);
    assert (s_frames (metrics_port, f0 + 7) == f0 + 7);
    for (int i = 0; i < 6; i++) {
        assert (alone [i]->code == again [i]->code && alone [i]->code == want [i]);
        assert (strcmp (alone [i]->message, again [i]->message) == 0);
        assert (alone [i]->body_case == again [i]->body_case);
        if (want [i] == ERR_OK) {
            assert (alone [i]->published->duplicate && again [i]->published->duplicate);
            assert (alone [i]->published->seq == again [i]->published->seq);
            assert (alone [i]->published->license_version == again [i]->published->license_version);
        }
    }
    assert (again [0]->published->seq == s0 && again [5]->published->seq == s0 + 1);
    for (int i = 0; i < 6; i++) {
        licclient_reply_free (&first [i]);
        licclient_reply_free (&alone [i]);
        licclient_reply_free (&again [i]);
    }
    assert (s_head (node) == head0 + 2);

    //  300 events of ~1 KB: over the frame's bytes at ~230, so two frames;
    //  every one stored once, answered in its own reply.
    enum { N = 300 };
    static s_ev_t many [N];
    static uint64_t many_ids [N];
    static Lic__Reply *many_r [N];
    for (int i = 0; i < N; i++)
        s_sign (&many [i], d, LIC__OP__OP_ISSUE, 2000 + (uint32_t) i, 0);
    f0 = s_frames (metrics_port, 0);
    double checks0 = support_metric_real (s_text, "licrepo_signature_checks_total");
    double cpu0 = support_metric_real (s_text, "licrepo_signature_check_cpu_seconds_total");
    s_send_singles (c, many, N, many_ids);
    s_recv_all (c, many_ids, N, many_r);
    assert (s_frames (metrics_port, f0 + 2) == f0 + 2);
    //  Each signature checked once, and its CPU time counted: ~18 of the
    //  300 timed, each 10 us to 10 ms here (even under valgrind).
    assert (support_metric_real (s_text, "licrepo_signature_checks_total") == checks0 + N);
    double cpu = support_metric_real (s_text, "licrepo_signature_check_cpu_seconds_total") - cpu0;
    assert (cpu > N * 10e-6 && cpu < N * 10e-3);
    for (int i = 0; i < N; i++) {
        assert (many_r [i]->code == ERR_OK && !many_r [i]->published->duplicate);
        assert (many_r [i]->published->seq == head0 + 3 + (uint64_t) i);
    }
    for (int i = 0; i < N; i++) {
        licclient_reply_free (&many_r [i]);
        free (many [i].body);
    }
    assert (s_head (node) == head0 + 2 + N);

    //  Abandoned while its batch is open: the others answered, it never.
    s_ev_t three [3];
    for (int i = 0; i < 3; i++)
        s_sign (&three [i], d, LIC__OP__OP_ISSUE, 60 + (uint32_t) i, 0);
    s_send_singles (c, three, 3, ids);
    licclient_abandon (c, ids [1]);
    assert (licclient_pending (c) == 2);
    Lic__Reply *r = NULL;
    for (int i = 0; i < 3; i += 2) {
        assert (licclient_recv (c, &r, S_TIMEOUT) == ERR_OK && r->id == ids [i] && r->code == ERR_OK);
        licclient_reply_free (&r);
    }
    assert (licclient_pending (c) == 0);
    assert (licclient_recv (c, &r, 300) == ERR_BUSY);          //  nothing more comes
    assert (s_get (admin, d, 61, NULL) == ERR_OK);             //  stored all the same
    for (int i = 0; i < 3; i++)
        free (three [i].body);

    //  Open at destroy: sent, stored.
    s_ev_t last;
    s_sign (&last, d, LIC__OP__OP_ISSUE, 70, 0);
    s_send_singles (c, &last, 1, ids);
    licclient_destroy (&c);
    int64_t deadline = support_now_us () + 10 * 1000000;
    while (s_get (admin, d, 70, NULL) != ERR_OK && support_now_us () < deadline)
        usleep (20000);
    assert (s_get (admin, d, 70, NULL) == ERR_OK);
    free (last.body);
    licclient_destroy (&single);
    for (int i = 0; i < 6; i++)
        if (i != 2)
            free (ev [i].body);
    printf ("e2e_batch: coalesced single publishes go in one frame, each answered as alone\n");
}

//  Writes n signed issues (serials from serial0) as a stream of
//  length-delimited envelopes (proto/README.md section 3).
static void
s_write_stream (const char *path, const support_dept_t *d, uint32_t serial0, int n)
{
    FILE *f = fopen (path, "w");
    assert (f);
    for (int i = 0; i < n; i++) {
        s_ev_t e;
        s_sign (&e, d, LIC__OP__OP_ISSUE, serial0 + (uint32_t) i, 0);
        size_t len = lic__envelope__get_packed_size (&e.env);
        uint8_t *buf = malloc (len);
        assert (buf && lic__envelope__pack (&e.env, buf) == len);
        for (size_t v = len; ; v >>= 7) {
            fputc ((int) ((v & 0x7f) | (v >= 0x80? 0x80: 0)), f);
            if (v < 0x80)
                break;
        }
        assert (fwrite (buf, 1, len, f) == len);
        free (buf);
        free (e.body);
    }
    assert (fclose (f) == 0);
}

//  licctl import of N events; the node is killed once some are stored:
//  the run stops saying a rerun is safe; after a restart the rerun ends
//  with every event stored exactly once.
static void
test_import_killed (support_node_t *node, const support_dept_t *d, const char *dir)
{
    enum { N = 6000 };
    char file [600], err [600], out [600], cmd [4096];
    snprintf (file, sizeof file, "%s/history.pb", dir);
    snprintf (err, sizeof err, "%s/import.err", dir);
    snprintf (out, sizeof out, "%s/import.out", dir);
    s_write_stream (file, d, 100000, N);
    uint64_t head0 = s_head (node);
    snprintf (cmd, sizeof cmd, "%s -n %s/node.pub -k %s --timeout 3000 import %s > %s 2> %s",
              support_licctl_path (), node->dir, d->key_path, file, out, err);
    FILE *p = popen (cmd, "r");
    assert (p);
    //  Until some events are stored, not all of them.
    licclient_t *admin = NULL;
    assert (support_admin (&admin, node) == ERR_OK);
    uint64_t head = head0;
    while (head < head0 + 300) {
        Lic__Reply *r = NULL;
        assert (licclient_status (admin, &r, S_TIMEOUT) == ERR_OK && r->code == ERR_OK);
        head = r->status->head_seq;
        licclient_reply_free (&r);
        usleep (2000);
    }
    licclient_destroy (&admin);
    support_node_stop (node, SIGKILL);
    int st = pclose (p);
    FILE *f = fopen (err, "r");
    char text [8192] = "";
    assert (f);
    text [fread (text, 1, sizeof text - 1, f)] = 0;
    fclose (f);
    if (!(WIFEXITED (st) && WEXITSTATUS (st) == 2))
        fprintf (stderr, "import: status %d: %s\n", st, text);
    assert (WIFEXITED (st) && WEXITSTATUS (st) == 2);
    assert (strstr (text, "licctl: importing stopped at record "));
    assert (strstr (text, "running the same file again is safe"));

    assert (support_node_restart (node) == ERR_OK);
    uint64_t stored = s_head (node) - head0;
    assert (stored > 0 && stored < N);
    assert (system (cmd) == 0);
    f = fopen (out, "r");
    assert (f);
    text [fread (text, 1, sizeof text - 1, f)] = 0;
    fclose (f);
    unsigned long pub = 0, dup = 0, rej = 9;
    assert (sscanf (text, "%lu published, %lu duplicate, %lu rejected", &pub, &dup, &rej) == 3);
    assert (pub + dup == N && rej == 0 && dup >= stored && pub > 0);
    assert (s_head (node) == head0 + N);
    //  Once more: nothing new.
    assert (system (cmd) == 0);
    assert (s_head (node) == head0 + N);
    printf ("e2e_batch: import killed after %llu of %d events, rerun: %lu published, "
            "%lu duplicate, each stored once\n", (unsigned long long) stored, N, pub, dup);
}

//  licctl import of JSON lines (as publish --file reads them): a comment,
//  40 issues, one alteration of a license that does not exist; only the
//  rejected line is printed, then the summary; exit 1.  Again: all
//  duplicates, the same line rejected, nothing stored.
static void
test_import_json (support_node_t *node, const support_dept_t *d, const char *dir)
{
    char file [600], out [600], cmd [4096], text [8192];
    snprintf (file, sizeof file, "%s/history.jsonl", dir);
    snprintf (out, sizeof out, "%s/import-json.out", dir);
    FILE *f = fopen (file, "w");
    assert (f);
    fprintf (f, "# a department's history\n");
    for (int i = 0; i <= 40; i++) {
        uint8_t *body, sig [64];
        size_t len;
        Lic__Event *ev = NULL;
        //  Line 42 (i == 40) alters a license never issued.
        assert (support_event_sign (d, i < 40? LIC__OP__OP_ISSUE: LIC__OP__OP_ALTER,
                                    200000 + (uint32_t) i + (i == 40? 1000: 0), i < 40? 0: 1,
                                    7, &body, &len, sig) == ERR_OK);
        assert (codec_event_decode (body, len, &ev) == ERR_OK);
        json_t *j = licjson_event_to_json (ev);
        assert (j && json_dumpf (j, f, JSON_COMPACT) == 0);
        fputc ('\n', f);
        json_decref (j);
        codec_event_free (&ev);
        free (body);
    }
    assert (fclose (f) == 0);
    uint64_t head0 = s_head (node);
    snprintf (cmd, sizeof cmd, "%s -n %s/node.pub -k %s import %s > %s 2> /dev/null",
              support_licctl_path (), node->dir, d->key_path, file, out);
    for (int run = 0; run < 2; run++) {
        int st = system (cmd);
        assert (WIFEXITED (st) && WEXITSTATUS (st) == 1);
        f = fopen (out, "r");
        assert (f);
        text [fread (text, 1, sizeof text - 1, f)] = 0;
        fclose (f);
        const char *want = run == 0? "40 published, 0 duplicate, 1 rejected\n"
                                   : "0 published, 40 duplicate, 1 rejected\n";
        if (!strstr (text, want))
            fprintf (stderr, "import: %s", text);
        assert (strncmp (text, "line 42: REJECTED ERR_NOT_FOUND: ", 33) == 0);
        assert (strstr (text, want) && !strstr (text, ": seq "));
        assert (s_head (node) == head0 + 40);
    }
    printf ("e2e_batch: import of JSON lines: the rejected line and the summary, idempotent\n");
}

int
main (void)
{
    char dir [512], ndir [600];
    assert (support_tmpdir (dir, "batch") == ERR_OK);
    snprintf (ndir, sizeof ndir, "%s/node", dir);
    support_dept_t d, stranger;
    assert (support_dept_make (&d, 1, dir) == ERR_OK);
    assert (support_dept_make (&stranger, 2, dir) == ERR_OK);
    support_node_t node;
    char cfg [128];
    int metrics_port = support_free_port ();
    snprintf (cfg, sizeof cfg, "{ \"metrics_listen\": \"127.0.0.1:%d\" }", metrics_port);
    assert (support_node_start_cfg (&node, ndir, support_free_port (), "330106", cfg) == ERR_OK);
    licclient_t *admin = NULL, *c = NULL;
    assert (support_admin (&admin, &node) == ERR_OK);
    assert (support_register (admin, &d) == ERR_OK);
    assert (support_client (&c, &node, &d) == ERR_OK);

    test_mixed (&node, admin, c, &d, &stranger);
    test_bounds (&node, admin, c, &d);
    test_library (c, &d);
    test_coalesce (&node, admin, &d, &stranger, metrics_port);
    licclient_destroy (&c);
    test_import_killed (&node, &d, dir);
    test_import_json (&node, &d, dir);

    licclient_destroy (&admin);
    support_node_stop (&node, SIGTERM);
    assert (support_node_check (&node) == ERR_OK);
    support_rmtree (dir);
    printf ("e2e_batch: passed\n");
    return 0;
}
