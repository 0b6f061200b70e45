/*  downlink.c -- parent side of upward replication (see downlink.h).

    Who may talk: on this socket the ZAP handler lets in only the keys
    admitted under a division (the configured children: admission.c,
    zap.c); here a message counts only if its CURVE
    key (ZMQ User-Id) is a configured child's and a HELLO named that
    child's division.  Anything else is answered NACK ERR_FORBIDDEN and
    changes nothing.

    Continuity: `next` is the next child seq this node will accept into
    its pipeline.  A batch that does not start there is answered NACK
    {expected = next} once, and further batches are dropped silently until
    one starts at `next` (the child rewinds on the NACK; a lost NACK ends
    in a heartbeat timeout and a new HELLO).  A new HELLO is answered only
    when none of the child's batches is still in the pipeline, so the
    WELCOME's resume point is the durable one.
*/
#include <time.h>
#include "node/daemon/logfmt.h"
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "node/links/downlink.h"
#include "proto/seal.h"
#include "node/links/subtree.h"

#define DOWNLINK_STALE_S 15         //  a child silent this long is shown disconnected

typedef struct {
    ingest_child_t in;              //  first: what the sequencer sees
    char curve_pk [41];             //  its CURVE key, Z85
    uint8_t sign_pk [32];           //  its Ed25519 key
    char key_name [64];             //  its checkpoint key name
    zframe_t *route;                //  routing id of its current session, or NULL
    bool welcomed;                  //  session streaming
    bool hello_pending;             //  HELLO waiting for the pipeline to drain
    bool nacked;                    //  dropping batches until one starts at next
    uint64_t next;                  //  next seq accepted into the pipeline
    int inflight;                   //  its batches in the pipeline
    uint64_t child_head;            //  head it last reported
    int64_t oldest_unacked_at;      //  from its heartbeat
    int64_t last_contact;           //  unix seconds
    uint64_t checkpoint_size;       //  last checkpoint countersigned
    bool disabled;                  //  removed from the configuration by a reload
    int64_t added_at;               //  unix seconds it was configured here
    bool up;                        //  connected, as last logged
    char refused [160];             //  why its last Hello was refused ("" = it was not)
    bool subtree_refused;           //  a summary it relayed was refused (logged once)
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
s_send_ack (downlink_t *self, s_child_t *c)
{
    Lic__Repl msg;
    Lic__Ack ack;
    codec_repl_init (&msg);
    lic__ack__init (&ack);
    ack.acked_seq = c->in.hwm;
    ack.credit = (uint32_t) self->cfg->window;
    msg.body_case = LIC__REPL__BODY_ACK;
    msg.ack = &ack;
    s_send (self, c, &msg);
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

static void
s_send_welcome (downlink_t *self, s_child_t *c)
{
    uint8_t root [32];
    if (tree_root (c->in.tree, c->in.hwm, root) != ERR_OK) {
        s_send_nack (self, c->route, c->in.hwm + 1, ERR_IO, "cannot read our copy of your tree");
        return;
    }
    Lic__Repl msg;
    Lic__Welcome w;
    codec_repl_init (&msg);
    lic__welcome__init (&w);
    w.division = (char *) self->cfg->division;
    w.resume_after = c->in.hwm;
    w.root_at.data = root;
    w.root_at.len = 32;
    w.credit = (uint32_t) self->cfg->window;
    //  The child's keys as we vouch for them, then our own chain: what an
    //  archived copy made below needs to reach a trusted key (issue 5).
    ProtobufCBinaryData chain [DOWNLINK_CHAIN_MAX];
    w.chain = chain;
    s_chain (self, c->in.division, chain, &w.n_chain);
    msg.body_case = LIC__REPL__BODY_WELCOME;
    msg.welcome = &w;
    c->next = c->in.hwm + 1;
    c->welcomed = true;
    c->nacked = false;
    c->hello_pending = false;
    s_send (self, c, &msg);
    for (size_t i = 0; i < w.n_chain; i++)
        free (chain [i].data);
}

//  Called by ingest when a batch is durable or refused.
static void
s_on_batch (void *arg, ingest_child_t *child, void *cookie, int code, uint64_t seq,
            const char *why)
{
    downlink_t *self = (downlink_t *) arg;
    s_child_t *c = (s_child_t *) child;
    c->inflight--;
    if (code == ERR_OK)
        s_send_ack (self, c);
    else
    if (!c->nacked) {
        //  Refused in the pipeline (gap, divergence, local failure):
        //  rewind and tell the child once.
        c->nacked = true;
        c->next = seq;
        if (code == ERR_DIVERGED)
            logfmt_msgf (LOGFMT_ERROR, "child %s refused: %s", c->in.division, why);
        s_send_nack (self, c->route, seq, code, why);
    }
    if (c->inflight == 0 && c->hello_pending)
        s_send_welcome (self, c);
}

// ---------------------------------------------------------------------
//  Messages from children

static void
s_on_hello (downlink_t *self, s_child_t *c, zframe_t *route, const Lic__Hello *h)
{
    if (!streq (h->division, c->in.division)) {
        snprintf (c->refused, sizeof c->refused, "its key said Hello as division %.16s",
                  h->division);
        s_send_nack (self, route, 0, ERR_FORBIDDEN, "this key belongs to another division");
        return;
    }
    zframe_destroy (&c->route);
    c->route = zframe_dup (route);
    c->child_head = h->head_seq;
    c->welcomed = false;
    //  A child that has less than we hold of it, or the same size with
    //  another root, has another history (restored from an old copy, or
    //  tampered with): refused, nothing of ours changes.
    uint8_t root [32];
    char why [256];
    if (h->head_seq < c->in.hwm) {
        snprintf (why, sizeof why, "diverged: this node holds %" PRIu64 " entries of division %s "
                  "but the child has only %" PRIu64 " (restored from an old copy?)",
                  c->in.hwm, c->in.division, h->head_seq);
        logfmt_msgf (LOGFMT_ERROR, "child %s refused: %s", c->in.division, why);
        snprintf (c->refused, sizeof c->refused, "%.150s", why);
        s_send_nack (self, route, c->in.hwm + 1, ERR_DIVERGED, why);
        return;
    }
    if (h->head_seq == c->in.hwm && c->in.hwm > 0
    &&  (tree_root (c->in.tree, c->in.hwm, root) != ERR_OK || h->head_root.len != 32
         || memcmp (root, h->head_root.data, 32) != 0)) {
        snprintf (why, sizeof why, "diverged: same size %" PRIu64 ", different root", h->head_seq);
        logfmt_msgf (LOGFMT_ERROR, "child %s refused: %s", c->in.division, why);
        snprintf (c->refused, sizeof c->refused, "%.150s", why);
        s_send_nack (self, route, c->in.hwm + 1, ERR_DIVERGED, why);
        return;
    }
    c->refused [0] = 0;
    if (!c->up)
        logfmt_msgf (LOGFMT_INFO, "child %s connected (its head %" PRIu64 ", %" PRIu64 " here)",
                     c->in.division, h->head_seq, c->in.hwm);
    c->up = true;
    if (c->inflight > 0)
        c->hello_pending = true;
    else
        s_send_welcome (self, c);
}

static void
s_on_batch_msg (downlink_t *self, s_child_t *c, zframe_t *route, Lic__Repl **msg_p)
{
    Lic__Batch *b = (*msg_p)->batch;
    if (!c->welcomed || !zframe_eq (route, c->route) || c->hello_pending) {
        s_send_nack (self, route, c->next, ERR_MALFORMED, "send HELLO first");
        return;
    }
    if (b->first_seq != c->next) {
        if (!c->nacked) {
            c->nacked = true;
            char why [128];
            snprintf (why, sizeof why, "gap: expected seq %" PRIu64 ", got %" PRIu64, c->next, b->first_seq);
            s_send_nack (self, route, c->next, ERR_GAP, why);
        }
        return;
    }
    if (b->n_entries == 0 || b->n_entries > 4096) {
        s_send_nack (self, route, c->next, ERR_MALFORMED, "a batch holds 1..4096 entries");
        return;
    }
    c->nacked = false;
    c->next += b->n_entries;
    c->inflight++;
    ingest_submit_batch (self->ingest, &c->in, msg_p, c);
}

static void
s_on_checkpoint (downlink_t *self, s_child_t *c, const char *note)
{
    checkpoint_t cp;
    uint8_t root [32];
    if (checkpoint_parse (note, strlen (note), &cp) != ERR_OK
    ||  checkpoint_verify (&cp, c->key_name, c->sign_pk) != ERR_OK) {
        logfmt_msgf (LOGFMT_WARN, "child %s sent a checkpoint that does not verify", c->in.division);
        return;
    }
    if (cp.size > c->in.hwm || cp.size <= c->checkpoint_size)
        return;     //  not all here yet, or already countersigned
    if (tree_root (c->in.tree, cp.size, root) != ERR_OK || memcmp (root, cp.root, 32) != 0) {
        logfmt_msgf (LOGFMT_ERROR, "child %s signed a checkpoint of size %" PRIu64 " whose root is not ours: "
                    "diverged", c->in.division, cp.size);
        s_send_nack (self, c->route, c->next, ERR_DIVERGED, "your signed checkpoint's root differs "
                     "from this node's copy of your log");
        return;
    }
    char *receipt = NULL;
    if (checkpoint_cosign (note, self->key_name, self->id->node.sign_sk, self->id->node.sign_pk,
                           &receipt) != ERR_OK)
        return;
    char key [32];
    snprintf (key, sizeof key, "%s/receipt", c->in.division);
    store_batch_t *batch = store_batch_new (self->store);
    if (batch) {
        store_batch_put (batch, STORE_CF_CHILD, key, strlen (key), receipt, strlen (receipt));
        if (store_write_aside (self->store, batch, false) == ERR_OK)
            c->checkpoint_size = cp.size;
        store_batch_destroy (&batch);
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

//  Rebuild support: the child's own entries, from our log (re-encoded by
//  the child with its own seq) and from quarantine (its bytes as sent),
//  merged in origin seq order, a page at a time.
#define DOWNLINK_FETCH_MAX    1000
#define DOWNLINK_FETCH_BYTES  (2 * 1024 * 1024)
#define DOWNLINK_FETCH_SCAN   200000    //  log entries looked at per page

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
    while (n < max && bytes < DOWNLINK_FETCH_BYTES) {
        while (!lhave && !ldone) {
            if (scanned++ >= DOWNLINK_FETCH_SCAN || !lit || !store_iter_next (lit, &lk, &lkl, &lv, &lvl)) {
                ldone = true;
                break;
            }
            pseq = store_get_u64 (lk) + 1;
            if (codec_entry_decode (lv, lvl, &le) == ERR_OK && streq (le->origin_division, c->in.division))
                lhave = true;
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
        pseq = le->seq;
    codec_entry_free (&le);
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
        if (!self->children [i].disabled && streq (self->children [i].curve_pk, z85))
            return &self->children [i];
    return NULL;
}

static const uint8_t *
s_key_of (void *arg, const char *division)
{
    return views_node_key (((downlink_t *) arg)->views, division);
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
        if (!c)
            s_send_nack (self, route, 0, ERR_FORBIDDEN, "this key is not a configured child");
        else
        if (rc != ERR_OK)
            s_send_nack (self, route, c->next, rc, "frame does not decode as lic.Repl");
        else {
            c->last_contact = (int64_t) time (NULL);
            switch (msg->body_case) {
                case LIC__REPL__BODY_HELLO:
                    s_on_hello (self, c, route, msg->hello);
                    break;
                case LIC__REPL__BODY_BATCH:
                    s_on_batch_msg (self, c, route, &msg);
                    break;
                case LIC__REPL__BODY_HEARTBEAT:
                    c->child_head = msg->heartbeat->head_seq;
                    c->oldest_unacked_at = msg->heartbeat->oldest_unacked_at;
                    s_on_subtree (self, c, msg->heartbeat);
                    break;
                case LIC__REPL__BODY_FETCH:
                    s_on_fetch (self, c, route, msg->fetch);
                    break;
                case LIC__REPL__BODY_CHECKPOINT:
                    if (c->welcomed && zframe_eq (route, c->route))
                        s_on_checkpoint (self, c, msg->checkpoint->note);
                    break;
                default:
                    s_send_nack (self, route, c->next, ERR_MALFORMED, "unexpected message");
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
        if (c->up && !c->disabled && now - c->last_contact >= DOWNLINK_STALE_S) {
            logfmt_msgf (LOGFMT_WARN, "child %s went away: nothing heard for %" PRId64 " s "
                         "(%" PRIu64 " of its entries here)", c->in.division,
                         now - c->last_contact, c->in.hwm);
            c->up = false;
        }
        if (!c->route || !c->welcomed)
            continue;
        Lic__Repl msg;
        Lic__Heartbeat hb;
        codec_repl_init (&msg);
        lic__heartbeat__init (&hb);
        hb.head_seq = ingest_durable (self->ingest);
        hb.acked_seq = c->in.hwm;
        hb.now = now;
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
        if (c->disabled)
            continue;
        Lic__ChildStatus *cs = calloc (1, sizeof *cs);
        if (!cs)
            break;
        lic__child_status__init (cs);
        cs->division = c->in.division;
        cs->acked_seq = c->in.hwm;
        cs->child_head = c->child_head > c->in.hwm? c->child_head: c->in.hwm;
        cs->last_contact = c->last_contact;
        cs->connected = c->route && c->welcomed && now - c->last_contact < DOWNLINK_STALE_S;
        cs->lag_seconds = c->oldest_unacked_at? now - c->oldest_unacked_at: 0;
        //  A child not heard from is behind by at least its silence (since
        //  it was configured here, if never heard): a link down for a day
        //  shows a day, not 0.
        if (!cs->connected) {
            int64_t silent = now - (c->last_contact? c->last_contact: c->added_at);
            if (silent > cs->lag_seconds)
                cs->lag_seconds = silent;
        }
        cs->checkpoint_size = c->checkpoint_size;
        cs->refused = c->refused;
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

//  The child's durable high-water mark and countersigned size from disk.
static int
s_child_load (downlink_t *self, s_child_t *c)
{
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
    c->in.next_apply = c->next = c->in.hwm + 1;
    char key [32];
    snprintf (key, sizeof key, "%s/receipt", c->in.division);
    if (store_get (self->store, STORE_CF_CHILD, key, strlen (key), &v, &vl) == ERR_OK) {
        checkpoint_t cp;
        if (checkpoint_parse ((const char *) v, vl, &cp) == ERR_OK)
            c->checkpoint_size = cp.size;
        free (v);
    }
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
    c->added_at = (int64_t) time (NULL);
    snprintf (c->in.division, sizeof c->in.division, "%.7s", p->division);
    snprintf (c->curve_pk, sizeof c->curve_pk, "%s", p->curve_pk);
    snprintf (c->key_name, sizeof c->key_name, "licrepo/%s", p->division);
    memcpy (c->sign_pk, p->sign_pk, 32);
    c->in.tree = tree_new (self->store, p->division);
    if (!c->in.tree)
        return ERR_NOMEM;
    self->n_children++;
    int rc = s_child_load (self, c);
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
        if (!listed && !c->disabled) {
            c->disabled = true;
            subtree_forget_via (self->subtree, c->in.division);
            logfmt_msgf (LOGFMT_INFO, "reload: child %s removed", c->in.division);
        }
        else
        if (listed && c->disabled) {
            c->disabled = false;
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
