/*  uplink.c -- child side of upward replication (see uplink.h and
    proto/README.md section 7).

    Window: the parent grants `credit` batches in flight; each batch sent
    is remembered by its last seq until a cumulative ACK covers it.  A
    NACK rewinds to the seq the parent expects and forgets the window.
    Only durable entries are sent, read from the log as stored, so the
    parent hashes exactly the bytes our tree was built from.
*/
#include <time.h>
#include "proto/authority.h"
#include "node/daemon/logfmt.h"
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "proto/seal.h"
#include "node/links/uplink.h"

#define UPLINK_WINDOW_MAX   256
#define UPLINK_BATCH_BYTES  (2 * 1024 * 1024)
#define UPLINK_BACKOFF_MIN  100
#define UPLINK_BACKOFF_MAX  1000
#define UPLINK_REFUSED_RETRY 60000  //  ms between tries after a refusal

typedef enum {
    UPLINK_NONE,            //  top of the hierarchy: no parent
    UPLINK_IDLE,            //  no socket; next attempt at next_attempt
    UPLINK_CONNECTING,      //  HELLO sent, waiting for WELCOME
    UPLINK_STREAMING,       //  sending within credit
    UPLINK_REFUSED          //  parent refused our history or key: see error
} s_state_t;

static const char *s_state_names [] = { "none", "idle", "connecting", "streaming", "refused" };

struct uplink_t {
    const config_t *cfg;
    identity_t *id;
    store_t *store;
    views_t *views;
    ingest_t *ingest;
    zsock_t *dealer;                //  to the parent, or NULL
    s_state_t state;
    uint64_t send_next;             //  next seq to send
    uint64_t acked;                 //  durable at the parent
    uint64_t sent [UPLINK_WINDOW_MAX];  //  last seq of each batch in flight
    size_t n_sent;
    uint32_t credit;                //  batches allowed in flight
    int64_t last_rx;                //  mono ms of the last message from the parent
    int64_t last_hb;                //  mono ms of our last heartbeat
    uint8_t chain_digest [32];      //  of the chain of node records last kept
    int64_t next_attempt;           //  mono ms
    int64_t backoff;                //  ms
    char error [512];               //  last refusal or failure
    char *checkpoint;               //  newest signed checkpoint of ours
    uint64_t checkpoint_size;
    uint64_t checkpoint_offered;    //  size last sent to the parent
    char *receipt;                  //  parent's countersignature, newest
    uint64_t receipt_size;
    bool receipt_refused;           //  the last receipt failed s_receipt_check (logged)
    uint8_t *summary;               //  our signed NodeSummary (Envelope bytes), or NULL
    size_t summary_len;
    subtree_t *subtree;             //  the summaries of the nodes below us (borrowed), or NULL
};

#define UPLINK_SUBTREE_BYTES (1u << 20)    //  summaries relayed in one heartbeat, at most

typedef struct {
    ProtobufCBinaryData *out;
    uint32_t *age;
    size_t n, cap, bytes;
    int64_t now;
} s_relay_t;

static void
s_relay (void *arg, const subtree_node_t *node)
{
    s_relay_t *r = (s_relay_t *) arg;
    if (r->n < r->cap && r->bytes + node->len <= UPLINK_SUBTREE_BYTES) {
        r->out [r->n].data = (uint8_t *) node->bytes;
        r->out [r->n].len = node->len;
        int64_t age = r->now - node->last_seen;
        r->age [r->n] = age < 0? 0: age > UINT32_MAX? UINT32_MAX: (uint32_t) age;
        r->n++;
        r->bytes += node->len;
    }
}

static void
s_send (uplink_t *self, Lic__Repl *msg)
{
    uint8_t *buf;
    size_t len;
    if (!self->dealer || codec_repl_encode (msg, &buf, &len) != ERR_OK)
        return;
    zframe_t *f = zframe_new (buf, len);
    free (buf);
    if (zframe_send (&f, self->dealer, ZFRAME_DONTWAIT) != 0)
        zframe_destroy (&f);
}

static void
s_drop (uplink_t *self, s_state_t state, int64_t retry_ms)
{
    zsock_destroy (&self->dealer);
    self->state = state;
    self->n_sent = 0;
    self->next_attempt = zclock_mono () + retry_ms;
}

static void
s_connect (uplink_t *self)
{
    const config_peer_t *p = &self->cfg->parent;
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->dealer) {
        s_drop (self, UPLINK_IDLE, self->backoff);
        return;
    }
    zsock_set_curve_serverkey (self->dealer, p->curve_pk);
    zsock_set_curve_publickey (self->dealer, self->id->node.curve_pk);
    zsock_set_curve_secretkey (self->dealer, self->id->node.curve_sk);
    zsock_set_linger (self->dealer, 0);
    zsock_set_sndhwm (self->dealer, 2 * UPLINK_WINDOW_MAX);
    zsock_set_maxmsgsize (self->dealer, 2 * CODEC_REPL_MAX);
    if (zsock_connect (self->dealer, "%s", p->endpoint) != 0) {
        snprintf (self->error, sizeof self->error, "cannot connect to %.200s", p->endpoint);
        s_drop (self, UPLINK_IDLE, UPLINK_BACKOFF_MAX);
        return;
    }
    uint64_t head = ingest_durable (self->ingest);
    uint8_t root [32];
    if (tree_root (views_tree (self->views), head, root) != ERR_OK) {
        snprintf (self->error, sizeof self->error, "cannot read our own tree at %" PRIu64, head);
        s_drop (self, UPLINK_IDLE, UPLINK_BACKOFF_MAX);
        return;
    }
    Lic__Repl msg;
    Lic__Hello h;
    codec_repl_init (&msg);
    lic__hello__init (&h);
    h.division = (char *) self->cfg->division;
    h.head_seq = head;
    h.head_root.data = root;
    h.head_root.len = 32;
    msg.body_case = LIC__REPL__BODY_HELLO;
    msg.hello = &h;
    s_send (self, &msg);
    self->state = UPLINK_CONNECTING;
    self->last_rx = zclock_mono ();
}

// ---------------------------------------------------------------------
//  From the parent

//  Keeps the chain of node records the parent sent (ours signed by it,
//  then its own up to the top), for archived copies made here.  Kept
//  only if its first record is ours, signed by the parent's key.
static void
s_keep_chain (uplink_t *self, const ProtobufCBinaryData *chain, size_t n_chain)
{
    if (n_chain == 0 || n_chain > 16)
        return;
    //  Unchanged since the last one kept: nothing to write.
    uint8_t digest [32] = { 0 }, part [32];
    for (size_t i = 0; i < n_chain; i++) {
        seal_hash (part, chain [i].data, chain [i].len, NULL, 0);
        seal_hash (digest, digest, 32, part, 32);
    }
    if (memcmp (digest, self->chain_digest, 32) == 0)
        return;
    Lic__CopyContent cc;
    codec_copy_content_init (&cc);
    Lic__Envelope *envs [16] = { NULL };
    cc.node_chain = envs;
    bool ok = true;
    for (size_t i = 0; ok && i < n_chain; i++) {
        ok = codec_envelope_decode (chain [i].data, chain [i].len, &envs [i]) == ERR_OK;
        if (ok)
            cc.n_node_chain++;
    }
    Lic__NodeRecord *rec = NULL;
    ok = ok && envs [0]->key_id.len == 32
      && memcmp (envs [0]->key_id.data, self->cfg->parent.sign_pk, 32) == 0
      && codec_node_record_decode (envs [0]->body.data, envs [0]->body.len, &rec) == ERR_OK
      && authority_node_record (self->cfg->parent.division, rec, NULL, NULL, 0) == ERR_OK
      && streq (rec->division, self->cfg->division)
      && memcmp (rec->sign_key.data, self->id->node.sign_pk, 32) == 0;
    codec_node_record_free (&rec);
    uint8_t *buf = NULL;
    size_t len;
    if (ok && codec_copy_content_encode (&cc, &buf, &len) == ERR_OK) {
        store_batch_t *b = store_batch_new (self->store);
        if (b) {
            store_batch_put (b, STORE_CF_META, "chain", 5, buf, len);
            //  Our record for this key stays findable after a rotation, for
            //  copies of what the key signed (views_node_envelope_of_key).
            views_put_own_record (b, self->id->node.sign_pk, chain [0].data, chain [0].len);
            if (store_write (self->store, b, false) != ERR_OK)
                logfmt_msgf (LOGFMT_WARN, "uplink: chain of node records not stored");
            else
                memcpy (self->chain_digest, digest, 32);
            store_batch_destroy (&b);
        }
    }
    else
    if (!ok) {
        //  Said once per chain, not at every heartbeat.
        logfmt_msgf (LOGFMT_WARN, "uplink: parent sent a chain of node records that does not start with ours");
        memcpy (self->chain_digest, digest, 32);
    }
    free (buf);
    for (size_t i = 0; i < cc.n_node_chain; i++)
        codec_envelope_free (&envs [i]);
}

static void
s_on_welcome (uplink_t *self, const Lic__Welcome *w)
{
    uint64_t head = ingest_durable (self->ingest);
    uint8_t root [32];
    if (w->resume_after > head) {
        snprintf (self->error, sizeof self->error, "parent %s holds %" PRIu64 " entries of our log "
                  "but we have %" PRIu64 ": this repository lost data (rebuild it from the parent)",
                  w->division, w->resume_after, head);
        logfmt_msgf (LOGFMT_ERROR, "uplink: %s", self->error);
        s_drop (self, UPLINK_REFUSED, UPLINK_REFUSED_RETRY);
        return;
    }
    if (w->resume_after > 0
    &&  (tree_root (views_tree (self->views), w->resume_after, root) != ERR_OK
         || w->root_at.len != 32 || memcmp (root, w->root_at.data, 32) != 0)) {
        snprintf (self->error, sizeof self->error, "diverged: our root at %" PRIu64 " differs from "
                  "what parent %s holds", w->resume_after, w->division);
        logfmt_msgf (LOGFMT_ERROR, "uplink: %s", self->error);
        s_drop (self, UPLINK_REFUSED, UPLINK_REFUSED_RETRY);
        return;
    }
    s_keep_chain (self, w->chain, w->n_chain);
    self->send_next = w->resume_after + 1;
    self->acked = w->resume_after;
    self->credit = w->credit < UPLINK_WINDOW_MAX? w->credit: UPLINK_WINDOW_MAX;
    self->n_sent = 0;
    self->state = UPLINK_STREAMING;
    self->backoff = UPLINK_BACKOFF_MIN;
    self->error [0] = 0;
    self->checkpoint_offered = 0;
    logfmt_msgf (LOGFMT_INFO, "uplink: streaming to %s from seq %" PRIu64, w->division, self->send_next);
}

static void
s_on_ack (uplink_t *self, const Lic__Ack *a)
{
    if (a->acked_seq > self->acked)
        self->acked = a->acked_seq;
    size_t keep = 0;
    for (size_t i = 0; i < self->n_sent; i++)
        if (self->sent [i] > self->acked)
            self->sent [keep++] = self->sent [i];
    self->n_sent = keep;
    if (a->credit)
        self->credit = a->credit < UPLINK_WINDOW_MAX? a->credit: UPLINK_WINDOW_MAX;
}

static void
s_on_nack (uplink_t *self, const Lic__Nack *n)
{
    snprintf (self->error, sizeof self->error, "%s: %s", err_str (n->code), n->reason);
    if (n->code == ERR_DIVERGED || n->code == ERR_FORBIDDEN) {
        logfmt_msgf (LOGFMT_ERROR, "uplink: parent refused us: %s", self->error);
        s_drop (self, UPLINK_REFUSED, UPLINK_REFUSED_RETRY);
        return;
    }
    if (self->state != UPLINK_STREAMING || n->code == ERR_MALFORMED) {
        //  Out of step: start the conversation again.
        s_drop (self, UPLINK_IDLE, self->backoff);
        return;
    }
    //  Gap or a failure there: resend from what the parent expects.
    self->send_next = n->expected_seq > self->acked? n->expected_seq: self->acked + 1;
    self->n_sent = 0;
}

//  A receipt counts only if it is our own checkpoint (our log's origin,
//  our signature) of a size we offered, with a cosignature/v1 line by the
//  configured parent's key: a parent cannot hand us a note of another log,
//  a size we never signed, or a line that is not its cosignature.
static int
s_receipt_check (uplink_t *self, const char *note, uint64_t *size, char *why, size_t why_size)
{
    checkpoint_t cp;
    char own [32], parent [32];
    snprintf (own, sizeof own, "licrepo/%s", self->cfg->division);
    snprintf (parent, sizeof parent, "licrepo/%s", self->cfg->parent.division);
    if (checkpoint_parse (note, strlen (note), &cp) != ERR_OK) {
        snprintf (why, why_size, "it is not a well-formed signed note");
        return ERR_MALFORMED;
    }
    if (strcmp (cp.origin, own) != 0 || checkpoint_verify (&cp, own, self->id->node.sign_pk) != ERR_OK) {
        snprintf (why, why_size, "it is not our checkpoint (origin %.64s)", cp.origin);
        return ERR_BAD_SIGNATURE;
    }
    if (cp.size == 0 || cp.size > self->checkpoint_offered || cp.size < self->receipt_size) {
        snprintf (why, why_size, "its size %" PRIu64 " is not one we offered (%" PRIu64 ") since "
                  "the last receipt (%" PRIu64 ")", cp.size, self->checkpoint_offered, self->receipt_size);
        return ERR_BAD_FIELD;
    }
    if (checkpoint_cosig_verify (&cp, parent, self->cfg->parent.sign_pk, NULL) != ERR_OK) {
        snprintf (why, why_size, "it has no valid cosignature/v1 line by the parent's key");
        return ERR_BAD_SIGNATURE;
    }
    *size = cp.size;
    return ERR_OK;
}

static void
s_on_receipt (uplink_t *self, const char *note)
{
    char why [160];
    uint64_t size = 0;
    if (s_receipt_check (self, note, &size, why, sizeof why) != ERR_OK) {
        //  Said once until a good one comes, not at every checkpoint.
        if (!self->receipt_refused)
            logfmt_msgf (LOGFMT_WARN, "uplink: receipt from parent %s refused: %s",
                         self->cfg->parent.division, why);
        self->receipt_refused = true;
        return;
    }
    self->receipt_refused = false;
    char *copy = strdup (note);
    if (!copy)
        return;
    free (self->receipt);
    self->receipt = copy;
    self->receipt_size = size;
    store_batch_t *b = store_batch_new (self->store);
    if (b) {
        store_batch_put (b, STORE_CF_META, "receipt", 7, note, strlen (note));
        if (store_write (self->store, b, false) != ERR_OK)
            logfmt_msgf (LOGFMT_WARN, "uplink: receipt not stored");
        store_batch_destroy (&b);
    }
}

void
uplink_on_readable (uplink_t *self)
{
    while (self->dealer && (zsock_events (self->dealer) & ZMQ_POLLIN)) {
        zframe_t *f = zframe_recv (self->dealer);
        if (!f)
            break;
        Lic__Repl *msg = NULL;
        if (codec_repl_decode (zframe_data (f), zframe_size (f), &msg) == ERR_OK) {
            self->last_rx = zclock_mono ();
            switch (msg->body_case) {
                case LIC__REPL__BODY_WELCOME:
                    if (self->state == UPLINK_CONNECTING)
                        s_on_welcome (self, msg->welcome);
                    break;
                case LIC__REPL__BODY_ACK:
                    s_on_ack (self, msg->ack);
                    break;
                case LIC__REPL__BODY_NACK:
                    s_on_nack (self, msg->nack);
                    break;
                case LIC__REPL__BODY_RECEIPT:
                    s_on_receipt (self, msg->receipt->note);
                    break;
                case LIC__REPL__BODY_HEARTBEAT:
                    s_keep_chain (self, msg->heartbeat->chain, msg->heartbeat->n_chain);
                    break;
                default:
                    break;
            }
        }
        codec_repl_free (&msg);
        zframe_destroy (&f);
    }
}

// ---------------------------------------------------------------------
//  To the parent

//  Sends entries send_next.. (at most batch_max, 2 MiB, up to head).
static int
s_send_batch (uplink_t *self, uint64_t head)
{
    size_t max = (size_t) self->cfg->batch_max;
    ProtobufCBinaryData *entries = calloc (max, sizeof *entries);
    if (!entries)
        return ERR_NOMEM;
    uint8_t from [8];
    store_put_u64 (from, self->send_next);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_LOG, NULL, 0, from, 8);
    const uint8_t *k, *v;
    size_t kl, vl, n = 0, bytes = 0;
    int64_t oldest_at = 0;
    int rc = it? ERR_OK: ERR_NOMEM;
    while (rc == ERR_OK && n < max && self->send_next + n <= head
       &&  store_iter_next (it, &k, &kl, &v, &vl)) {
        if (kl != 8 || store_get_u64 (k) != self->send_next + n) {
            rc = ERR_CORRUPT;
            break;
        }
        if (n > 0 && bytes + vl > UPLINK_BATCH_BYTES)
            break;
        entries [n].data = malloc (vl);
        if (!entries [n].data) {
            rc = ERR_NOMEM;
            break;
        }
        memcpy (entries [n].data, v, vl);
        entries [n].len = vl;
        if (n == 0) {
            Lic__LogEntry *e = NULL;
            if (codec_entry_decode (v, vl, &e) == ERR_OK)
                oldest_at = e->received_at;
            codec_entry_free (&e);
        }
        bytes += vl;
        n++;
    }
    store_iter_destroy (&it);
    uint8_t root [32];
    if (rc == ERR_OK && n > 0)
        rc = tree_root (views_tree (self->views), self->send_next + n - 1, root);
    if (rc == ERR_OK && n > 0) {
        Lic__Repl msg;
        Lic__Batch b;
        codec_repl_init (&msg);
        lic__batch__init (&b);
        b.first_seq = self->send_next;
        b.n_entries = n;
        b.entries = entries;
        b.root_after.data = root;
        b.root_after.len = 32;
        b.oldest_at = oldest_at;
        msg.body_case = LIC__REPL__BODY_BATCH;
        msg.batch = &b;
        s_send (self, &msg);
        self->send_next += n;
        self->sent [self->n_sent++] = self->send_next - 1;
    }
    for (size_t i = 0; i < n; i++)
        free (entries [i].data);
    free (entries);
    return rc;
}

//  received_at of our oldest entry the parent does not have, 0 if none.
static int64_t
s_oldest_unacked_at (uplink_t *self, uint64_t head)
{
    if (self->acked >= head)
        return 0;
    uint8_t key [8], *v;
    size_t vl;
    store_put_u64 (key, self->acked + 1);
    int64_t at = 0;
    if (store_get (self->store, STORE_CF_LOG, key, 8, &v, &vl) == ERR_OK) {
        Lic__LogEntry *e = NULL;
        if (codec_entry_decode (v, vl, &e) == ERR_OK)
            at = e->received_at;
        codec_entry_free (&e);
        free (v);
    }
    return at;
}

void
uplink_pump (uplink_t *self)
{
    if (self->state == UPLINK_NONE)
        return;
    int64_t now = zclock_mono ();
    if (!self->dealer) {
        if (now >= self->next_attempt)
            s_connect (self);
        return;
    }
    if (now - self->last_rx > UPLINK_SILENCE_MS) {
        snprintf (self->error, sizeof self->error, "parent silent for %d ms", UPLINK_SILENCE_MS);
        logfmt_msgf (LOGFMT_WARN, "uplink: %s, reconnecting", self->error);
        s_drop (self, UPLINK_IDLE, self->backoff);
        self->backoff = self->backoff * 2 > UPLINK_BACKOFF_MAX? UPLINK_BACKOFF_MAX: self->backoff * 2;
        return;
    }
    if (self->state != UPLINK_STREAMING)
        return;
    uint64_t head = ingest_durable (self->ingest);
    while (self->n_sent < self->credit && self->send_next <= head)
        if (s_send_batch (self, head) != ERR_OK) {
            snprintf (self->error, sizeof self->error, "cannot read our log at %" PRIu64, self->send_next);
            break;
        }
    if (now - self->last_hb >= 1000) {
        self->last_hb = now;
        Lic__Repl msg;
        Lic__Heartbeat hb;
        codec_repl_init (&msg);
        lic__heartbeat__init (&hb);
        hb.head_seq = head;
        hb.acked_seq = self->acked;
        hb.now = (int64_t) time (NULL);
        hb.oldest_unacked_at = s_oldest_unacked_at (self, head);
        //  Our signed summary, then those of every node below us: so the
        //  whole subtree is visible at every level above (issue 13).
        size_t cap = 1 + (self->subtree? subtree_size (self->subtree): 0);
        s_relay_t relay = { calloc (cap, sizeof (ProtobufCBinaryData)), calloc (cap, sizeof (uint32_t)),
                            0, cap, 0, hb.now };
        if (relay.out && relay.age && self->summary) {
            relay.out [0].data = self->summary;
            relay.out [0].len = self->summary_len;
            relay.n = 1;
            relay.bytes = self->summary_len;
            if (self->subtree)
                subtree_each (self->subtree, s_relay, &relay);
            hb.subtree = relay.out;
            hb.n_subtree = relay.n;
            hb.subtree_age = relay.age;
            hb.n_subtree_age = relay.n;
        }
        msg.body_case = LIC__REPL__BODY_HEARTBEAT;
        msg.heartbeat = &hb;
        s_send (self, &msg);
        free (relay.out);
        free (relay.age);
    }
    //  Offer our newest checkpoint once the parent holds all it covers.
    if (self->checkpoint && self->checkpoint_size <= self->acked
    &&  self->checkpoint_size > self->checkpoint_offered) {
        Lic__Repl msg;
        Lic__CheckpointNote n;
        codec_repl_init (&msg);
        lic__checkpoint_note__init (&n);
        n.note = self->checkpoint;
        msg.body_case = LIC__REPL__BODY_CHECKPOINT;
        msg.checkpoint = &n;
        s_send (self, &msg);
        self->checkpoint_offered = self->checkpoint_size;
    }
}

// ---------------------------------------------------------------------
//  Lifecycle and status

uplink_t *
uplink_new (const config_t *cfg, identity_t *id, store_t *store, views_t *views, ingest_t *ingest)
{
    if (!cfg->has_parent)
        return NULL;
    uplink_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->cfg = cfg;
    self->id = id;
    self->store = store;
    self->views = views;
    self->ingest = ingest;
    self->state = UPLINK_IDLE;
    self->backoff = UPLINK_BACKOFF_MIN;
    uint8_t *v;
    size_t vl;
    if (store_get (store, STORE_CF_META, "receipt", 7, &v, &vl) == ERR_OK) {
        self->receipt = strndup ((const char *) v, vl);
        free (v);
    }
    return self;
}

void
uplink_destroy (uplink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zsock_destroy (&(*self_p)->dealer);
    free ((*self_p)->summary);
    free ((*self_p)->checkpoint);
    free ((*self_p)->receipt);
    free (*self_p);
    *self_p = NULL;
}

void
uplink_set_summary (uplink_t *self, const uint8_t *bytes, size_t len)
{
    uint8_t *copy = self? malloc (len): NULL;
    if (!copy)
        return;
    memcpy (copy, bytes, len);
    free (self->summary);
    self->summary = copy;
    self->summary_len = len;
}

void
uplink_set_subtree (uplink_t *self, subtree_t *subtree)
{
    if (self)
        self->subtree = subtree;
}

zsock_t *
uplink_sock (uplink_t *self)
{
    return self? self->dealer: NULL;
}

void
uplink_set_checkpoint (uplink_t *self, uint64_t size, const char *note)
{
    char *copy = strdup (note);
    if (!copy)
        return;
    free (self->checkpoint);
    self->checkpoint = copy;
    self->checkpoint_size = size;
}

void
uplink_status (uplink_t *self, Lic__NodeStatus *ns)
{
    if (!self) {
        ns->uplink_state = "none";
        return;
    }
    uint64_t head = ingest_durable (self->ingest);
    ns->uplink_state = (char *) s_state_names [self->state];
    ns->parent_division = (char *) self->cfg->parent.division;
    ns->uplink_acked = self->acked;
    ns->uplink_lag = head > self->acked? head - self->acked: 0;
    int64_t oldest = s_oldest_unacked_at (self, head);
    ns->uplink_lag_seconds = oldest? (int64_t) time (NULL) - oldest: 0;
    ns->uplink_error = self->error;
    if (self->receipt)
        ns->receipt = self->receipt;
}
