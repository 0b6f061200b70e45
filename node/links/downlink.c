/*  downlink.c -- parent side of upward replication: the adapter of the
    per-child machines of replication/parentlink.c (see downlink.h).

    Who may talk: on this socket the ZAP handler lets in only the keys
    admitted under a division (the configured children: admission.c,
    zap.c); here a message counts only if its CURVE key (ZMQ User-Id) is
    a configured child's; anything else is answered Nack ERR_FORBIDDEN
    and changes nothing.  What a child's messages are answered, and when
    (Hello, Welcome, gaps, Acks, checkpoints, heartbeats), is its
    machine's to say: here are the socket, our copies of the children's
    trees, the pipeline, the receipts on disk and the logs.
*/
#include <time.h>
#include "node/base/logfmt.h"
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "node/links/downlink.h"
#include "proto/seal.h"
#include "replication/parentlink.h"
#include "node/links/subtree.h"
#include "node/store/views_revoke.h"
#include "proto/authority.h"
#include "node/links/filelink.h"

typedef struct {
    ingest_child_t in;              //  first: what the sequencer sees
    parentlink_t link;              //  every rule of its conversation
    char curve_pk [41];             //  its CURVE key, Z85
    uint8_t sign_pk [32];           //  its Ed25519 key
    char key_name [64];             //  its checkpoint key name
    zframe_t *route;                //  routing id of its current session, or NULL
    bool subtree_refused;           //  a summary it relayed was refused (logged once)
    bool revoked_logged;            //  its messages refused for a revoked key (logged once)
    bool want_refused_logged;       //  a file it asked for was not its subtree's (logged once)
    uint64_t head_kept;             //  the announced head last written (child `/head`)
    filelink_t files;               //  the files fetched from it (filelink.h)
} s_child_t;

struct downlink_t {
    const config_t *cfg;
    identity_t *id;
    store_t *store;
    views_t *views;
    ingest_t *ingest;
    zsock_t *router;
    s_child_t *children;
    int n_children;
    char key_name [64];             //  our checkpoint key name
    subtree_t *subtree;             //  every node below us, as last heard
};

static void
s_send (downlink_t *self, s_child_t *c, Lic__Repl *msg)
{
    uint8_t *buf;
    size_t len;
    if (!c->route || codec_repl_encode (msg, &buf, &len) != ERR_OK)
        return;
    zframe_t *route = zframe_dup (c->route), *body = zframe_new (buf, len);
    free (buf);
    if (zframe_send (&route, self->router, ZFRAME_MORE | ZFRAME_DONTWAIT) != 0
    ||  zframe_send (&body, self->router, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy (&route);
        zframe_destroy (&body);
    }
}

static void
s_send_nack (downlink_t *self, zframe_t *route, uint64_t expected, int code, const char *why)
{
    Lic__Repl msg;
    Lic__Nack nack;
    codec_repl_init (&msg);
    lic__nack__init (&nack);
    nack.expected_seq = expected;
    nack.code = code;
    nack.reason = (char *) why;
    msg.body_case = LIC__REPL__BODY_NACK;
    msg.nack = &nack;
    s_child_t tmp = { .route = route };
    s_send (self, &tmp, &msg);
}

static void
s_send_ack (downlink_t *self, s_child_t *c, uint64_t acked, uint32_t credit)
{
    Lic__Repl msg;
    Lic__Ack ack;
    codec_repl_init (&msg);
    lic__ack__init (&ack);
    ack.acked_seq = acked;
    ack.credit = credit;
    msg.body_case = LIC__REPL__BODY_ACK;
    msg.ack = &ack;
    s_send (self, c, &msg);
}

//  The rule on a use of child c's configured signing key that carries no
//  origin seq (its session, a checkpoint): refused once this node holds
//  a revocation of that key (proto/authority.h).  ERR_OK or
//  ERR_NODE_KEY_REVOKED with why.
static int
s_key_current (downlink_t *self, s_child_t *c, const char *what, char *why, size_t why_size)
{
    return authority_node_key_current (views_node_revocation (self->views, c->in.division,
                                                              c->sign_pk, 32),
                                       c->in.division, what, why, why_size);
}

//  Keeps the head child c announced (Hello, heartbeat) when it grew:
//  child `/head` (proto/FORMAT.md family 8), the bound of a revocation's
//  point (NodeRevokeRequest, made in the sequencer).
static void
s_keep_head (downlink_t *self, s_child_t *c, uint64_t head)
{
    if (head <= c->head_kept)
        return;
    char key [32];
    uint8_t v [8];
    snprintf (key, sizeof key, "%s/head", c->in.division);
    store_put_u64 (v, head);
    store_batch_t *batch = store_batch_new (self->store);
    if (!batch)
        return;
    store_batch_put (batch, STORE_CF_CHILD, key, strlen (key), v, 8);
    //  Off the loop (ingest_write_aside): each heartbeat would otherwise
    //  wait for the synced write in progress.
    if (ingest_write_aside (self->ingest, &batch, "downlink: a child's head") == ERR_OK)
        c->head_kept = head;
}

#define DOWNLINK_CHAIN_MAX 16

//  Fills chain with the encoded envelopes of the node record of child
//  `division` and of this node's own chain (malloc'd; caller frees).
static void
s_chain (downlink_t *self, const char *division, ProtobufCBinaryData *chain, size_t *n)
{
    *n = 0;
    Lic__Envelope *env = NULL;
    if (views_node_envelope (self->views, division, &env) != ERR_OK)
        return;
    int rc = codec_envelope_encode (env, &chain [0].data, &chain [0].len);
    codec_envelope_free (&env);
    if (rc != ERR_OK)
        return;
    *n = 1;
    uint8_t *v;
    size_t vl;
    Lic__CopyContent *own = NULL;
    if (store_get (self->store, STORE_CF_META, "chain", 5, &v, &vl) != ERR_OK)
        return;
    if (codec_copy_content_decode (v, vl, &own) == ERR_OK)
        for (size_t i = 0; i < own->n_node_chain && *n < DOWNLINK_CHAIN_MAX; i++)
            if (codec_envelope_encode (own->node_chain [i], &chain [*n].data, &chain [*n].len) == ERR_OK)
                (*n)++;
    codec_copy_content_free (&own);
    free (v);
}

//  Welcome {resume_after, root_at, credit, chain}; false if our copy of
//  the child's tree cannot be read at resume_after.
static bool
s_send_welcome (downlink_t *self, s_child_t *c, uint64_t resume_after, uint32_t credit)
{
    uint8_t root [32];
    if (tree_root (c->in.tree, resume_after, root) != ERR_OK)
        return false;
    Lic__Repl msg;
    Lic__Welcome w;
    codec_repl_init (&msg);
    lic__welcome__init (&w);
    w.division = (char *) self->cfg->division;
    w.resume_after = resume_after;
    w.root_at.data = root;
    w.root_at.len = 32;
    w.credit = credit;
    //  The child's keys as we vouch for them, then our own chain: what an
    //  archived copy made below needs to reach a trusted key (proto/README.md
    //  section 11).
    ProtobufCBinaryData chain [DOWNLINK_CHAIN_MAX];
    w.chain = chain;
    s_chain (self, c->in.division, chain, &w.n_chain);
    msg.body_case = LIC__REPL__BODY_WELCOME;
    msg.welcome = &w;
    s_send (self, c, &msg);
    for (size_t i = 0; i < w.n_chain; i++)
        free (chain [i].data);
    return true;
}

static void
s_send_heartbeat (downlink_t *self, s_child_t *c, uint64_t acked)
{
    Lic__Repl msg;
    Lic__Heartbeat hb;
    codec_repl_init (&msg);
    lic__heartbeat__init (&hb);
    hb.head_seq = ingest_durable (self->ingest);
    hb.acked_seq = acked;
    hb.now = (int64_t) time (NULL);
    //  The chain again: at the Welcome our record of the child, or our
    //  own chain from above, may not have been durable yet.
    ProtobufCBinaryData chain [DOWNLINK_CHAIN_MAX];
    hb.chain = chain;
    s_chain (self, c->in.division, chain, &hb.n_chain);
    msg.body_case = LIC__REPL__BODY_HEARTBEAT;
    msg.heartbeat = &hb;
    s_send (self, c, &msg);
    for (size_t k = 0; k < hb.n_chain; k++)
        free (chain [k].data);
}

//  Countersigns the child's checkpoint note (of size `size`), keeps the
//  receipt on disk and sends it to the session.
static void
s_countersign (downlink_t *self, s_child_t *c, const char *note, uint64_t size)
{
    char *receipt = NULL;
    if (checkpoint_cosign (note, self->key_name, self->id->node.sign_sk, self->id->node.sign_pk,
                           &receipt) != ERR_OK)
        return;
    char key [32];
    snprintf (key, sizeof key, "%s/receipt", c->in.division);
    store_batch_t *batch = store_batch_new (self->store);
    if (batch) {
        store_batch_put (batch, STORE_CF_CHILD, key, strlen (key), receipt, strlen (receipt));
        if (ingest_write_aside (self->ingest, &batch, "downlink: a child's receipt") == ERR_OK)
            parentlink_on_countersigned (&c->link, size);
    }
    Lic__Repl msg;
    Lic__CheckpointNote n;
    codec_repl_init (&msg);
    lic__checkpoint_note__init (&n);
    n.note = receipt;
    msg.body_case = LIC__REPL__BODY_RECEIPT;
    msg.receipt = &n;
    s_send (self, c, &msg);
    free (receipt);
}

//  Performs child c's machine's actions in order.  route: the sender of
//  the message they answer (the session's for the pipeline's verdicts
//  and the time); msg_p: that message, if any (a batch handed to the
//  pipeline is taken from it).
static void
s_perform (downlink_t *self, s_child_t *c, zframe_t *route, Lic__Repl **msg_p,
           const parentlink_out_t *out)
{
    const char *division = c->in.division;
    for (size_t i = 0; i < out->n; i++) {
        const parentlink_action_t *a = &out->a [i];
        switch (a->what) {
            case PARENTLINK_ADOPT:
                if (route != c->route) {
                    zframe_destroy (&c->route);
                    c->route = zframe_dup (route);
                }
                filelink_reset (&c->files);     //  the last session's wants are lost with it
                break;
            case PARENTLINK_CONNECTED:
                logfmt_msgf (LOGFMT_INFO, "child %s connected (its head %" PRIu64 ", %" PRIu64 " here)",
                             division, a->seq, a->n);
                break;
            case PARENTLINK_SEND_WELCOME:
                if (!s_send_welcome (self, c, a->seq, (uint32_t) a->n)) {
                    parentlink_out_t failed;
                    parentlink_on_welcome_failed (&c->link, c->in.hwm, &failed);
                    s_perform (self, c, c->route, NULL, &failed);
                }
                break;
            case PARENTLINK_SEND_ACK:
                s_send_ack (self, c, a->seq, (uint32_t) a->n);
                break;
            case PARENTLINK_SEND_NACK:
                if (a->log)
                    logfmt_msgf (LOGFMT_ERROR, "child %s refused: %s", division, a->why);
                s_send_nack (self, route, a->seq, a->code, a->why);
                break;
            case PARENTLINK_SUBMIT:
                if (msg_p && *msg_p && (*msg_p)->body_case == LIC__REPL__BODY_BATCH)
                    ingest_submit_batch (self->ingest, &c->in, msg_p, c);
                break;
            case PARENTLINK_COUNTERSIGN:
                if (msg_p && *msg_p && (*msg_p)->body_case == LIC__REPL__BODY_CHECKPOINT)
                    s_countersign (self, c, (*msg_p)->checkpoint->note, a->seq);
                break;
            case PARENTLINK_CHECKPOINT_UNSIGNED:
                logfmt_msgf (LOGFMT_WARN, "child %s sent a checkpoint that does not verify", division);
                break;
            case PARENTLINK_CHECKPOINT_DIVERGED:
                logfmt_msgf (LOGFMT_ERROR, "child %s signed a checkpoint of size %" PRIu64 " whose root "
                             "is not ours: diverged", division, a->seq);
                break;
            case PARENTLINK_SEND_HEARTBEAT:
                s_send_heartbeat (self, c, a->seq);
                break;
            case PARENTLINK_WENT_AWAY:
                logfmt_msgf (LOGFMT_WARN, "child %s went away: nothing heard for %" PRIu64 " s "
                             "(%" PRIu64 " of its entries here)", division, a->n, c->in.hwm);
                break;
        }
    }
}

static void s_want_next (downlink_t *self, s_child_t *c);

//  Called by ingest when a batch is durable or refused.
static void
s_on_batch (void *arg, ingest_child_t *child, void *cookie, int code, uint64_t seq,
            const char *why)
{
    downlink_t *self = (downlink_t *) arg;
    s_child_t *c = (s_child_t *) child;
    parentlink_out_t out;
    parentlink_on_batch_done (&c->link, code, seq, why, c->in.hwm, &out);
    s_perform (self, c, c->route, NULL, &out);
    if (code == ERR_OK)
        s_want_next (self, c);      //  files its entries named, if none is in flight
}

// ---------------------------------------------------------------------
//  Messages from children

static void
s_on_hello (downlink_t *self, s_child_t *c, zframe_t *route, Lic__Repl **msg_p)
{
    const Lic__Hello *h = (*msg_p)->hello;
    uint8_t root [32];
    bool have = c->in.hwm > 0 && tree_root (c->in.tree, c->in.hwm, root) == ERR_OK;
    parentlink_hello_t in = { h->division, h->head_seq, h->head_root.data, h->head_root.len,
                              have? root: NULL };
    parentlink_out_t out;
    parentlink_on_hello (&c->link, &in, c->in.hwm, &out);
    s_perform (self, c, route, msg_p, &out);
    s_keep_head (self, c, h->head_seq);
}

static void
s_on_checkpoint (downlink_t *self, s_child_t *c, zframe_t *route, bool from_session,
                 Lic__Repl **msg_p)
{
    const char *note = (*msg_p)->checkpoint->note;
    parentlink_checkpoint_t in = { from_session, false, 0, false };
    checkpoint_t cp;
    uint8_t root [32];
    //  Signatures are checked for the session only: nothing else counts.
    //  A checkpoint signed by a revoked key is never cosigned: it has no
    //  origin seq to place it before the point.
    char why [320];
    if (s_key_current (self, c, "checkpoint", why, sizeof why) != ERR_OK) {
        logfmt_msgf (LOGFMT_WARN, "child %s: checkpoint not countersigned: %s", c->in.division, why);
        return;
    }
    if (from_session && checkpoint_parse (note, strlen (note), &cp) == ERR_OK
    &&  checkpoint_verify (&cp, c->key_name, c->sign_pk) == ERR_OK) {
        in.verifies = true;
        in.size = cp.size;
        in.same_root = cp.size <= c->in.hwm && tree_root (c->in.tree, cp.size, root) == ERR_OK
                    && memcmp (root, cp.root, 32) == 0;
    }
    parentlink_out_t out;
    parentlink_on_checkpoint (&c->link, &in, c->in.hwm, &out);
    s_perform (self, c, route, msg_p, &out);
}

//  Rebuild support: the child's own entries, from our log (re-encoded by
//  the child with its own seq) and from quarantine (its bytes as sent),
//  merged in origin seq order, a page at a time.
#define DOWNLINK_FETCH_MAX    1000
#define DOWNLINK_FETCH_BYTES  (2 * 1024 * 1024)
#define DOWNLINK_FETCH_SCAN   200000    //  log entries looked at per page

//  A quarantine decision on an entry of the child carries that entry
//  (node/pipeline/held.h): one of the child's own, which a rebuild needs.
//  True with *bytes (malloc'd) and *len if le is one.
static bool
s_decided (const Lic__LogEntry *le, const char *child, uint8_t **bytes, size_t *len)
{
    if (le->kind != LIC__ENTRY_KIND__ENTRY_DECISION || !le->envelope)
        return false;
    Lic__QuarantineDecision *d = NULL;
    bool ok = codec_quarantine_decision_decode (le->envelope->body.data, le->envelope->body.len,
                                                &d) == ERR_OK
           && streq (d->origin, child) && d->entry.len > 0 && (*bytes = malloc (d->entry.len));
    if (ok) {
        memcpy (*bytes, d->entry.data, d->entry.len);
        *len = d->entry.len;
    }
    codec_quarantine_decision_free (&d);
    return ok;
}

static void
s_on_fetch (downlink_t *self, s_child_t *c, zframe_t *route, const Lic__Fetch *f)
{
    if (!streq (f->origin, c->in.division)) {
        s_send_nack (self, route, 0, ERR_FORBIDDEN, "a child fetches its own entries only");
        return;
    }
    size_t max = f->max && f->max < DOWNLINK_FETCH_MAX? f->max: DOWNLINK_FETCH_MAX;
    ProtobufCBinaryData *out = calloc (max, sizeof *out);
    if (!out)
        return;
    size_t n = 0, bytes = 0, scanned = 0;
    uint64_t pseq = f->from_parent_seq? f->from_parent_seq: 1;
    uint64_t qseq = f->from_quarantine_seq? f->from_quarantine_seq: 1;
    uint8_t from [8];
    store_put_u64 (from, pseq);
    store_iter_t *lit = store_iter_new (self->store, STORE_CF_LOG, NULL, 0, from, 8);
    char qprefix [24];
    size_t qplen = (size_t) snprintf (qprefix, sizeof qprefix, "%s/", c->in.division);
    uint8_t qfrom [32];
    memcpy (qfrom, qprefix, qplen);
    store_put_u64 (qfrom + qplen, qseq);
    store_iter_t *qit = store_iter_new (self->store, STORE_CF_QUARANTINE, qprefix, qplen, qfrom, qplen + 8);
    //  Heads of the two streams.
    Lic__LogEntry *le = NULL;
    const uint8_t *lk, *lv, *qk, *qv;
    size_t lkl, lvl, qkl, qvl;
    bool lhave = false, qhave = false, ldone = false;
    uint8_t *carried = NULL;        //  the child's entry inside a decision, when le is it
    uint64_t lseq = 0;              //  our seq of le
    while (n < max && bytes < DOWNLINK_FETCH_BYTES) {
        while (!lhave && !ldone) {
            if (scanned++ >= DOWNLINK_FETCH_SCAN || !lit || !store_iter_next (lit, &lk, &lkl, &lv, &lvl)) {
                ldone = true;
                break;
            }
            lseq = store_get_u64 (lk);
            pseq = lseq + 1;
            if (codec_entry_decode (lv, lvl, &le) == ERR_OK && streq (le->origin_division, c->in.division))
                lhave = true;
            else
            if (le && s_decided (le, c->in.division, &carried, &lvl)) {
                codec_entry_free (&le);
                lv = carried;
                lhave = codec_entry_decode (carried, lvl, &le) == ERR_OK;
                if (!lhave) {
                    free (carried);
                    carried = NULL;
                }
            }
            else
                codec_entry_free (&le);
        }
        if (!qhave)
            qhave = qit && store_iter_next (qit, &qk, &qkl, &qv, &qvl) && qkl == qplen + 8;
        if (!lhave && !qhave)
            break;
        uint64_t qs = qhave? store_get_u64 (qk + qplen): UINT64_MAX;
        if (lhave && (!qhave || le->origin_seq < qs)) {
            out [n].data = malloc (lvl);
            if (out [n].data) {
                memcpy (out [n].data, lv, lvl);
                out [n++].len = lvl;
                bytes += lvl;
            }
            codec_entry_free (&le);
            lhave = false;
            free (carried);
            carried = NULL;
        }
        else {
            if (!ldone && !lhave)
                break;      //  the log may still hold a smaller origin seq: next page
            const uint8_t *z = memchr (qv, 0, qvl);
            if (z) {
                size_t el = qvl - (size_t) (z + 1 - qv);
                out [n].data = malloc (el? el: 1);
                if (out [n].data) {
                    memcpy (out [n].data, z + 1, el);
                    out [n++].len = el;
                    bytes += el;
                }
            }
            qseq = qs + 1;
            qhave = false;
        }
    }
    //  An entry read but not sent is read again by the next page.
    if (lhave)
        pseq = lseq;
    codec_entry_free (&le);
    free (carried);
    store_iter_destroy (&lit);
    store_iter_destroy (&qit);
    Lic__Repl msg;
    Lic__Fetched fd;
    codec_repl_init (&msg);
    lic__fetched__init (&fd);
    fd.entries = out;
    fd.n_entries = n;
    fd.next_parent_seq = pseq;
    fd.next_quarantine_seq = qseq;
    fd.done = ldone && !lhave && !qhave && n < max && bytes < DOWNLINK_FETCH_BYTES
           && scanned <= DOWNLINK_FETCH_SCAN;
    fd.child_hwm = c->in.hwm;
    msg.body_case = LIC__REPL__BODY_FETCHED;
    msg.fetched = &fd;
    s_child_t tmp = { .route = route };
    s_send (self, &tmp, &msg);
    for (size_t i = 0; i < n; i++)
        free (out [i].data);
    free (out);
}

static s_child_t *
s_child_by_key (downlink_t *self, const char *z85)
{
    for (int i = 0; z85 && i < self->n_children; i++)
        if (!parentlink_removed (&self->children [i].link) && streq (self->children [i].curve_pk, z85))
            return &self->children [i];
    return NULL;
}

//  The key a summary of `division` must be signed by: the one held for
//  it, unless this node holds a revocation of that key (a summary has no
//  origin seq to place before the point): then none.
static const uint8_t *
s_key_of (void *arg, const char *division)
{
    views_t *views = ((downlink_t *) arg)->views;
    const uint8_t *key = views_node_key (views, division);
    char why [320];
    if (key && authority_node_key_current (views_node_revocation (views, division, key, 32),
                                           division, "node summary", why, sizeof why) != ERR_OK)
        return NULL;
    return key;
}

//  The signed summaries a child relays: its own and its subtree's.
static void
s_on_subtree (downlink_t *self, s_child_t *c, const Lic__Heartbeat *hb)
{
    int64_t now = (int64_t) time (NULL);
    //  At most as many as a subtree may hold: a child cannot make us
    //  check more signatures a second than that.
    for (size_t i = 0; i < hb->n_subtree && i < SUBTREE_MAX; i++) {
        uint32_t age = i < hb->n_subtree_age? hb->subtree_age [i]: 0;
        int rc = subtree_offer (self->subtree, c->in.division, hb->subtree [i].data,
                                hb->subtree [i].len, s_key_of, self, now, age);
        if (rc != ERR_OK && rc != ERR_EXISTS && !c->subtree_refused) {
            //  Said once per child until its summaries are good again.
            logfmt_msgf (LOGFMT_WARN, "child %s relayed a node summary that was refused: %s",
                         c->in.division, err_str (rc));
            c->subtree_refused = true;
        }
        else
        if (rc == ERR_OK && i == 0)
            c->subtree_refused = false;
    }
}

//  Asks child c for the next chunks of a file wanted from it, while its
//  window has room (filelink.h): files follow the entries.
static void
s_want_next (downlink_t *self, s_child_t *c)
{
    parentlink_state_t state = parentlink_state (&c->link);
    if (!c->route || parentlink_removed (&c->link)
    ||  (state != PARENTLINK_STREAMING && state != PARENTLINK_RESYNC))
        return;
    Lic__FileWant want;
    int64_t now = zclock_mono ();
    //  Files give way to the log: one chunk at a time while entries are
    //  in the pipeline, the whole window (FILELINK_WINDOW_BYTES) else; a
    //  write aside queued (a child's head, a receipt) is no entry.
    int window = ingest_busy (self->ingest)? 1: FILELINK_WINDOW;
    while (filelink_next (&c->files, self->store, c->in.division, now, window, &want)) {
        Lic__Repl msg;
        codec_repl_init (&msg);
        msg.body_case = LIC__REPL__BODY_FILE_WANT;
        msg.file_want = &want;
        s_send (self, c, &msg);
    }
}

static void
s_on_file_chunk (downlink_t *self, s_child_t *c, bool from_session, const Lic__FileChunk *chunk)
{
    if (!from_session)
        return;
    char why [320] = "";
    int rc = filelink_on_chunk (&c->files, self->store, c->in.division, chunk, zclock_mono (),
                                why, sizeof why);
    if (rc != ERR_OK && rc != ERR_NOT_FOUND)
        logfmt_msgf (LOGFMT_WARN, "file chunk from child %s refused: %s %s", c->in.division,
                     err_str (rc), why);
    s_want_next (self, c);
}

//  A child rebuilding from us (licnode rebuild --from-parent) asks for
//  the files its own entries name: the chunk, or why not (ERR_FORBIDDEN
//  for a file no entry of its subtree names: filelink_answer).
static void
s_on_file_want (downlink_t *self, s_child_t *c, zframe_t *route, const Lic__FileWant *want)
{
    Lic__Repl reply;
    Lic__FileChunk chunk;
    uint8_t *data = NULL;
    filelink_answer (self->store, c->in.division, want, &chunk, &data);
    if (chunk.code == ERR_FORBIDDEN && !c->want_refused_logged) {
        logfmt_msgf (LOGFMT_WARN, "child %s asked for a license file no entry of its subtree "
                     "names: refused (said once)", c->in.division);
        c->want_refused_logged = true;
    }
    codec_repl_init (&reply);
    reply.body_case = LIC__REPL__BODY_FILE_CHUNK;
    reply.file_chunk = &chunk;
    s_child_t tmp = { .route = route };
    s_send (self, &tmp, &reply);
    free (data);
}

void
downlink_on_readable (downlink_t *self, int budget)
{
    while (budget-- > 0 && !ingest_full (self->ingest)
       &&  (zsock_events (self->router) & ZMQ_POLLIN)) {
        zframe_t *route = zframe_recv (self->router);
        zframe_t *body = route && zframe_more (route)? zframe_recv (self->router): NULL;
        while (body && zframe_more (body)) {       //  extra frames: not ours
            zframe_t *x = zframe_recv (self->router);
            zframe_destroy (&x);
            if (!zsock_rcvmore (self->router))
                break;
        }
        if (!body) {
            zframe_destroy (&route);
            continue;
        }
        s_child_t *c = s_child_by_key (self, zframe_meta (body, "User-Id"));
        Lic__Repl *msg = NULL;
        int rc = codec_repl_decode (zframe_data (body), zframe_size (body), &msg);
        parentlink_out_t out = { .n = 0 };
        char why [320];
        if (!c)
            s_send_nack (self, route, 0, ERR_FORBIDDEN, "this key is not a configured child");
        else
        if (s_key_current (self, c, "replication session", why, sizeof why) != ERR_OK) {
            //  A session opened before the revocation: every message is
            //  refused, ERR_FORBIDDEN so that the child stops and tries
            //  again later (libzmq cannot close one peer of a ROUTER); a
            //  new one fails at the handshake (admission.c).
            if (!c->revoked_logged)
                logfmt_msgf (LOGFMT_WARN, "child %s refused: %s", c->in.division, why);
            c->revoked_logged = true;
            s_send_nack (self, route, 0, ERR_FORBIDDEN, why);
        }
        else
        if (rc != ERR_OK) {
            parentlink_on_undecodable (&c->link, rc, &out);
            s_perform (self, c, route, NULL, &out);
        }
        else {
            parentlink_heard (&c->link, (int64_t) time (NULL));
            bool from_session = c->route && zframe_eq (route, c->route);
            switch (msg->body_case) {
                case LIC__REPL__BODY_HELLO:
                    s_on_hello (self, c, route, &msg);
                    break;
                case LIC__REPL__BODY_BATCH:
                    parentlink_on_batch (&c->link, from_session, msg->batch->first_seq,
                                         msg->batch->n_entries, &out);
                    s_perform (self, c, route, &msg, &out);
                    break;
                case LIC__REPL__BODY_HEARTBEAT:
                    parentlink_on_heartbeat (&c->link, msg->heartbeat->head_seq,
                                             msg->heartbeat->oldest_unacked_at);
                    s_keep_head (self, c, msg->heartbeat->head_seq);
                    s_on_subtree (self, c, msg->heartbeat);
                    break;
                case LIC__REPL__BODY_FETCH:
                    s_on_fetch (self, c, route, msg->fetch);
                    break;
                case LIC__REPL__BODY_CHECKPOINT:
                    s_on_checkpoint (self, c, route, from_session, &msg);
                    break;
                case LIC__REPL__BODY_FILE_WANT:
                    s_on_file_want (self, c, route, msg->file_want);
                    break;
                case LIC__REPL__BODY_FILE_CHUNK:
                    s_on_file_chunk (self, c, from_session, msg->file_chunk);
                    break;
                default:
                    parentlink_on_unexpected (&c->link, &out);
                    s_perform (self, c, route, &msg, &out);
            }
        }
        codec_repl_free (&msg);
        zframe_destroy (&route);
        zframe_destroy (&body);
    }
}

void
downlink_on_tick (downlink_t *self)
{
    int64_t now = (int64_t) time (NULL);
    for (int i = 0; i < self->n_children; i++) {
        s_child_t *c = &self->children [i];
        parentlink_out_t out;
        parentlink_tick (&c->link, now, c->in.hwm, &out);
        s_perform (self, c, c->route, NULL, &out);
        s_want_next (self, c);
    }
}

// ---------------------------------------------------------------------
//  Status

static void
s_subtree_node (void *arg, const subtree_node_t *node)
{
    Lic__NodeStatus *ns = (Lic__NodeStatus *) arg;
    Lic__SubtreeNode *sn = calloc (1, sizeof *sn);
    if (!sn)
        return;
    lic__subtree_node__init (sn);
    int64_t now = (int64_t) time (NULL);
    sn->summary = (Lic__NodeSummary *) node->summary;
    sn->last_seen = node->last_seen;
    sn->via = (char *) node->via;
    sn->lag_seconds = subtree_lag_seconds (node->summary, node->last_seen, now);
    sn->silent = now - node->last_seen > SUBTREE_STALE_S;
    ns->subtree [ns->n_subtree++] = sn;
}

//  ns->subtree: every node below us, as last heard (borrowed summaries).
static void
s_subtree_status (downlink_t *self, Lic__NodeStatus *ns)
{
    ns->subtree = calloc (subtree_size (self->subtree) + 1, sizeof *ns->subtree);
    if (ns->subtree)
        subtree_each (self->subtree, s_subtree_node, ns);
}

void
downlink_status (downlink_t *self, Lic__NodeStatus *ns)
{
    ns->children = calloc ((size_t) self->n_children + 1, sizeof *ns->children);
    if (!ns->children)
        return;
    int64_t now = (int64_t) time (NULL);
    for (int i = 0; i < self->n_children; i++) {
        s_child_t *c = &self->children [i];
        if (parentlink_removed (&c->link))
            continue;
        Lic__ChildStatus *cs = calloc (1, sizeof *cs);
        if (!cs)
            break;
        lic__child_status__init (cs);
        cs->division = c->in.division;
        cs->acked_seq = c->in.hwm;
        cs->child_head = parentlink_child_head (&c->link, c->in.hwm);
        cs->lag = cs->child_head > cs->acked_seq? cs->child_head - cs->acked_seq: 0;
        cs->last_contact = parentlink_last_contact (&c->link);
        cs->connected = c->route && parentlink_connected (&c->link, now);
        cs->lag_seconds = parentlink_lag_seconds (&c->link, now);
        cs->checkpoint_size = parentlink_countersigned (&c->link);
        cs->refused = (char *) parentlink_refused (&c->link);
        ns->children [ns->n_children++] = cs;
    }
    s_subtree_status (self, ns);
}

void
downlink_status_free (Lic__NodeStatus *ns)
{
    for (size_t i = 0; i < ns->n_children; i++)
        free (ns->children [i]);
    free (ns->children);
    ns->children = NULL;
    ns->n_children = 0;
    for (size_t i = 0; i < ns->n_subtree; i++)
        free (ns->subtree [i]);
    free (ns->subtree);
    ns->subtree = NULL;
    ns->n_subtree = 0;
}

subtree_t *
downlink_subtree (downlink_t *self)
{
    return self? self->subtree: NULL;
}

// ---------------------------------------------------------------------
//  Lifecycle

//  The child's durable high-water mark and countersigned size from disk,
//  and its machine awaiting a Hello.
static int
s_child_load (downlink_t *self, s_child_t *c, int64_t now)
{
    uint64_t countersigned = 0;
    uint8_t *v;
    size_t vl;
    int rc = store_get (self->store, STORE_CF_CHILD, c->in.division, strlen (c->in.division), &v, &vl);
    if (rc == ERR_OK) {
        if (vl == 8)
            c->in.hwm = store_get_u64 (v);
        else
            rc = ERR_CORRUPT;
        free (v);
    }
    else
    if (rc != ERR_NOT_FOUND)
        return rc;
    c->in.next_apply = c->in.hwm + 1;
    char key [32];
    snprintf (key, sizeof key, "%s/receipt", c->in.division);
    if (store_get (self->store, STORE_CF_CHILD, key, strlen (key), &v, &vl) == ERR_OK) {
        checkpoint_t cp;
        if (checkpoint_parse ((const char *) v, vl, &cp) == ERR_OK)
            countersigned = cp.size;
        free (v);
    }
    parentlink_init (&c->link, c->in.division, (uint32_t) self->cfg->window, c->in.hwm,
                     countersigned, now);
    return rc == ERR_NOT_FOUND? ERR_OK: rc;
}

//  Adds configured child p: its tree and state from disk, its keys trusted
//  and allowed, and a node record so upper levels learn them.
static int
s_child_add (downlink_t *self, const config_peer_t *p, char *why, size_t why_size)
{
    if (self->n_children == CONFIG_CHILDREN_MAX) {
        snprintf (why, why_size, "at most %d children", CONFIG_CHILDREN_MAX);
        return ERR_TOO_LARGE;
    }
    s_child_t *c = &self->children [self->n_children];
    memset (c, 0, sizeof *c);
    snprintf (c->in.division, sizeof c->in.division, "%.7s", p->division);
    snprintf (c->curve_pk, sizeof c->curve_pk, "%s", p->curve_pk);
    snprintf (c->key_name, sizeof c->key_name, "licrepo/%s", p->division);
    memcpy (c->sign_pk, p->sign_pk, 32);
    c->in.tree = tree_new (self->store, p->division);
    if (!c->in.tree)
        return ERR_NOMEM;
    self->n_children++;
    int rc = s_child_load (self, c, (int64_t) time (NULL));
    if (rc != ERR_OK) {
        snprintf (why, why_size, "state of child %s unreadable: %s", p->division, err_str (rc));
        return rc;
    }
    const uint8_t *known = views_node_key (self->views, p->division);
    bool recorded = known && memcmp (known, p->sign_pk, 32) == 0;
    //  A configured key that differs from the recorded one is a rotation:
    //  the record names the key it replaces (proto/authority.h).
    uint8_t replaced [32];
    if (known && !recorded)
        memcpy (replaced, known, 32);
    views_trust_node (self->views, p->division, p->sign_pk, self->cfg->division);
    uint8_t curve [32];
    if ((rc = identity_allow (self->id, p->division, p->curve_pk)) != ERR_OK) {
        snprintf (why, why_size, "cannot allow child %s's CURVE key", p->division);
        return rc;
    }
    if (!recorded && zmq_z85_decode (curve, p->curve_pk))
        ingest_submit_node (self->ingest, p->division, p->sign_pk, curve,
                            known? replaced: NULL);
    return ERR_OK;
}

int
downlink_reload (downlink_t *self, const config_t *cfg)
{
    char why [256];
    //  Children gone from the configuration: their keys count no more.
    for (int i = 0; i < self->n_children; i++) {
        s_child_t *c = &self->children [i];
        bool listed = false;
        for (int j = 0; j < cfg->n_children; j++)
            listed |= streq (cfg->children [j].division, c->in.division)
                   && streq (cfg->children [j].curve_pk, c->curve_pk);
        if (!listed && !parentlink_removed (&c->link)) {
            parentlink_set_removed (&c->link, true);
            subtree_forget_via (self->subtree, c->in.division);
            logfmt_msgf (LOGFMT_INFO, "reload: child %s removed", c->in.division);
        }
        else
        if (listed && parentlink_removed (&c->link)) {
            parentlink_set_removed (&c->link, false);
            logfmt_msgf (LOGFMT_INFO, "reload: child %s back", c->in.division);
        }
    }
    //  New children: added, links of the others untouched.
    for (int j = 0; j < cfg->n_children; j++) {
        bool known = false;
        for (int i = 0; i < self->n_children; i++)
            known |= streq (self->children [i].in.division, cfg->children [j].division)
                  && streq (self->children [i].curve_pk, cfg->children [j].curve_pk);
        if (known)
            continue;
        if (s_child_add (self, &cfg->children [j], why, sizeof why) != ERR_OK) {
            logfmt_msgf (LOGFMT_ERROR, "reload: child %s not added: %s", cfg->children [j].division, why);
            return ERR_IO;
        }
        logfmt_msgf (LOGFMT_INFO, "reload: child %s added", cfg->children [j].division);
    }
    return ERR_OK;
}

int
downlink_new (downlink_t **out, const config_t *cfg, identity_t *id, store_t *store,
              views_t *views, ingest_t *ingest, char *why, size_t why_size)
{
    downlink_t *self = calloc (1, sizeof *self);
    if (!self)
        return ERR_NOMEM;
    self->cfg = cfg;
    self->id = id;
    self->store = store;
    self->views = views;
    self->ingest = ingest;
    snprintf (self->key_name, sizeof self->key_name, "licrepo/%s", cfg->division);
    //  Room for every child a reload may add: the pipeline holds pointers
    //  to them, so the array never moves.
    self->children = calloc (CONFIG_CHILDREN_MAX, sizeof *self->children);
    self->subtree = subtree_new ();
    int rc = self->children && self->subtree? ERR_OK: ERR_NOMEM;
    for (int i = 0; rc == ERR_OK && i < cfg->n_children; i++)
        rc = s_child_add (self, &cfg->children [i], why, why_size);
    if (rc == ERR_OK) {
        ingest_set_batch_handler (ingest, s_on_batch, self);
        self->router = identity_router (id, cfg->repl_listen, "licrepo-replication",
                                        2 * CODEC_REPL_MAX, 10000, 1000, 0, why, why_size);
        if (!self->router)
            rc = ERR_IO;
    }
    if (rc != ERR_OK) {
        downlink_destroy (&self);
        return rc;
    }
    *out = self;
    return ERR_OK;
}

void
downlink_destroy (downlink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    downlink_t *self = *self_p;
    zsock_destroy (&self->router);
    for (int i = 0; i < self->n_children; i++) {
        tree_destroy (&self->children [i].in.tree);
        zframe_destroy (&self->children [i].route);
    }
    free (self->children);
    subtree_destroy (&self->subtree);
    free (self);
    *self_p = NULL;
}

zsock_t *
downlink_sock (downlink_t *self)
{
    return self->router;
}
