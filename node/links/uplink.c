/*  uplink.c -- child side of upward replication: the adapter of the
    machine in replication/childlink.c (see uplink.h and proto/README.md
    section 7).

    Each turn: our durable head and the time go in, the machine's actions
    come out and are performed here in order.  Only durable entries are
    sent, read from the log as stored, so the parent hashes exactly the
    bytes our tree was built from.
*/
#include <time.h>
#include "proto/authority.h"
#include "node/base/logfmt.h"
#include "replication/checkpoint.h"
#include "replication/childlink.h"
#include "proto/codec.h"
#include "proto/seal.h"
#include "node/links/uplink.h"
#include "node/links/filelink.h"

#define UPLINK_BATCH_BYTES  (2 * 1024 * 1024)

struct uplink_t {
    const config_t *cfg;
    identity_t *id;
    store_t *store;
    views_t *views;
    ingest_t *ingest;
    childlink_t link;               //  every rule of the conversation
    zsock_t *dealer;                //  to the parent, or NULL
    uint8_t chain_digest [32];      //  of the chain of node records last kept
    char *checkpoint;               //  newest signed checkpoint of ours
    char *receipt;                  //  parent's countersignature, newest
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

// ---------------------------------------------------------------------
//  Performing the machine's actions

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
            //  Off the loop (ingest_write_aside): a failure is logged there.
            if (ingest_write_aside (self->ingest, &b, "uplink: chain of node records") == ERR_OK)
                memcpy (self->chain_digest, digest, 32);
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

//  Opens the session a SEND_HELLO asks for and says Hello {head, root}.
static void
s_hello (uplink_t *self, int64_t now, uint64_t head)
{
    const config_peer_t *p = &self->cfg->parent;
    char why [256];
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->dealer) {
        childlink_on_open_failed (&self->link, now, NULL);
        return;
    }
    zsock_set_curve_serverkey (self->dealer, p->curve_pk);
    zsock_set_curve_publickey (self->dealer, self->id->node.curve_pk);
    zsock_set_curve_secretkey (self->dealer, self->id->node.curve_sk);
    zsock_set_linger (self->dealer, 0);
    zsock_set_sndhwm (self->dealer, 2 * CHILDLINK_WINDOW_MAX);
    zsock_set_maxmsgsize (self->dealer, 2 * CODEC_REPL_MAX);
    if (zsock_connect (self->dealer, "%s", p->endpoint) != 0) {
        snprintf (why, sizeof why, "cannot connect to %.200s", p->endpoint);
        zsock_destroy (&self->dealer);
        childlink_on_open_failed (&self->link, now, why);
        return;
    }
    uint8_t root [32];
    if (tree_root (views_tree (self->views), head, root) != ERR_OK) {
        snprintf (why, sizeof why, "cannot read our own tree at %" PRIu64, head);
        zsock_destroy (&self->dealer);
        childlink_on_open_failed (&self->link, now, why);
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
}

//  Sends our entries from..from+max-1 (fewer past 2 MiB) as one batch:
//  how many went, 0 if the log or the tree could not be read.
static uint64_t
s_send_batch (uplink_t *self, uint64_t from, uint64_t max)
{
    ProtobufCBinaryData *entries = calloc ((size_t) max, sizeof *entries);
    if (!entries)
        return 0;
    uint8_t key [8];
    store_put_u64 (key, from);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_LOG, NULL, 0, key, 8);
    const uint8_t *k, *v;
    size_t kl, vl, bytes = 0;
    uint64_t n = 0;
    int64_t oldest_at = 0;
    int rc = it? ERR_OK: ERR_NOMEM;
    while (rc == ERR_OK && n < max && store_iter_next (it, &k, &kl, &v, &vl)) {
        if (kl != 8 || store_get_u64 (k) != from + n) {
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
        rc = tree_root (views_tree (self->views), from + n - 1, root);
    if (rc == ERR_OK && n > 0) {
        Lic__Repl msg;
        Lic__Batch b;
        codec_repl_init (&msg);
        lic__batch__init (&b);
        b.first_seq = from;
        b.n_entries = (size_t) n;
        b.entries = entries;
        b.root_after.data = root;
        b.root_after.len = 32;
        b.oldest_at = oldest_at;
        msg.body_case = LIC__REPL__BODY_BATCH;
        msg.batch = &b;
        s_send (self, &msg);
    }
    for (uint64_t i = 0; i < n; i++)
        free (entries [i].data);
    free (entries);
    return rc == ERR_OK? n: 0;
}

//  received_at of our entry seq, 0 for none.
static int64_t
s_received_at (uplink_t *self, uint64_t seq)
{
    if (seq == 0)
        return 0;
    uint8_t key [8], *v;
    size_t vl;
    store_put_u64 (key, seq);
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

static void
s_send_heartbeat (uplink_t *self, const childlink_action_t *a)
{
    Lic__Repl msg;
    Lic__Heartbeat hb;
    codec_repl_init (&msg);
    lic__heartbeat__init (&hb);
    hb.head_seq = a->seq;
    hb.acked_seq = a->n;
    hb.now = (int64_t) time (NULL);
    hb.oldest_unacked_at = s_received_at (self, a->oldest);
    //  Our signed summary, then those of every node below us: so the
    //  whole subtree is visible at every level above.
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

static void
s_send_checkpoint (uplink_t *self)
{
    Lic__Repl msg;
    Lic__CheckpointNote n;
    codec_repl_init (&msg);
    lic__checkpoint_note__init (&n);
    n.note = self->checkpoint;
    msg.body_case = LIC__REPL__BODY_CHECKPOINT;
    msg.checkpoint = &n;
    s_send (self, &msg);
}

static void
s_keep_receipt (uplink_t *self, const char *note)
{
    char *copy = strdup (note);
    if (!copy)
        return;
    free (self->receipt);
    self->receipt = copy;
    store_batch_t *b = store_batch_new (self->store);
    if (b) {
        store_batch_put (b, STORE_CF_META, "receipt", 7, note, strlen (note));
        ingest_write_aside (self->ingest, &b, "uplink: receipt");
    }
}

//  Performs the machine's actions in order; msg is the parent's message
//  they answer, NULL for a tick.  A batch sent is reported back, and
//  what the machine says next is performed in turn.
static void
s_perform (uplink_t *self, int64_t now, const Lic__Repl *msg, childlink_out_t *out)
{
    childlink_out_t next;
    while (out->n > 0) {
        next.n = 0;
        for (size_t i = 0; i < out->n; i++) {
            const childlink_action_t *a = &out->a [i];
            switch (a->what) {
                case CHILDLINK_SEND_HELLO:
                    s_hello (self, now, a->seq);
                    break;
                case CHILDLINK_SEND_BATCH:
                    childlink_on_sent (&self->link, now, a->seq,
                                       s_send_batch (self, a->seq, a->n), &next);
                    break;
                case CHILDLINK_SEND_HEARTBEAT:
                    s_send_heartbeat (self, a);
                    break;
                case CHILDLINK_SEND_CHECKPOINT:
                    if (self->checkpoint)
                        s_send_checkpoint (self);
                    break;
                case CHILDLINK_KEEP_CHAIN:
                    if (msg && msg->body_case == LIC__REPL__BODY_WELCOME)
                        s_keep_chain (self, msg->welcome->chain, msg->welcome->n_chain);
                    else
                    if (msg && msg->body_case == LIC__REPL__BODY_HEARTBEAT)
                        s_keep_chain (self, msg->heartbeat->chain, msg->heartbeat->n_chain);
                    break;
                case CHILDLINK_STREAMING_FROM:
                    logfmt_msgf (LOGFMT_INFO, "uplink: streaming to %s from seq %" PRIu64,
                                 msg && msg->body_case == LIC__REPL__BODY_WELCOME?
                                 msg->welcome->division: self->cfg->parent.division, a->seq);
                    break;
                case CHILDLINK_KEEP_RECEIPT:
                    if (msg && msg->body_case == LIC__REPL__BODY_RECEIPT)
                        s_keep_receipt (self, msg->receipt->note);
                    break;
                case CHILDLINK_RECEIPT_REFUSED:
                    logfmt_msgf (LOGFMT_WARN, "uplink: receipt from parent %s refused: %s",
                                 self->cfg->parent.division, a->why);
                    break;
                case CHILDLINK_CLOSE:
                    zsock_destroy (&self->dealer);
                    if (a->why)
                        logfmt_msgf (LOGFMT_WARN, "uplink: %s, reconnecting", a->why);
                    break;
                case CHILDLINK_DIVERGED:
                    zsock_destroy (&self->dealer);
                    logfmt_msgf (LOGFMT_ERROR, "uplink: %s", a->why);
                    break;
                case CHILDLINK_REFUSE:
                    zsock_destroy (&self->dealer);
                    logfmt_msgf (LOGFMT_ERROR, "uplink: parent refused us: %s", a->why);
                    break;
            }
        }
        *out = next;
    }
}

// ---------------------------------------------------------------------
//  From the parent

void
uplink_on_readable (uplink_t *self)
{
    while (self->dealer && (zsock_events (self->dealer) & ZMQ_POLLIN)) {
        zframe_t *f = zframe_recv (self->dealer);
        if (!f)
            break;
        Lic__Repl *msg = NULL;
        if (codec_repl_decode (zframe_data (f), zframe_size (f), &msg) == ERR_OK) {
            int64_t now = zclock_mono ();
            childlink_t *link = &self->link;
            childlink_out_t out = { .n = 0 };
            uint64_t head = ingest_durable (self->ingest);
            childlink_on_head (link, head);
            switch (msg->body_case) {
                case LIC__REPL__BODY_WELCOME: {
                    const Lic__Welcome *w = msg->welcome;
                    uint8_t root [32];
                    //  Our root where the parent resumes, when we hold it.
                    bool have = w->resume_after > 0 && w->resume_after <= head
                             && tree_root (views_tree (self->views), w->resume_after, root) == ERR_OK;
                    childlink_welcome_t in = { w->division, w->resume_after, w->root_at.data,
                                               w->root_at.len, have? root: NULL, w->credit };
                    childlink_on_welcome (link, now, &in, &out);
                    break;
                }
                case LIC__REPL__BODY_ACK:
                    childlink_on_ack (link, now, msg->ack->acked_seq, msg->ack->credit, &out);
                    break;
                case LIC__REPL__BODY_NACK:
                    childlink_on_nack (link, now, msg->nack->code, msg->nack->expected_seq,
                                       msg->nack->reason, &out);
                    break;
                case LIC__REPL__BODY_RECEIPT:
                    childlink_on_receipt (link, now, msg->receipt->note, &out);
                    break;
                case LIC__REPL__BODY_HEARTBEAT:
                    childlink_on_heartbeat (link, now, &out);
                    break;
                case LIC__REPL__BODY_FILE_WANT: {
                    //  The parent fetches a file our entries named
                    //  (filelink.h): the chunk, or why not.
                    Lic__Repl reply;
                    Lic__FileChunk chunk;
                    uint8_t *data = NULL;
                    filelink_answer (self->store, NULL, msg->file_want, &chunk, &data);
                    codec_repl_init (&reply);
                    reply.body_case = LIC__REPL__BODY_FILE_CHUNK;
                    reply.file_chunk = &chunk;
                    s_send (self, &reply);
                    free (data);
                    childlink_on_other (link, now);
                    break;
                }
                default:
                    childlink_on_other (link, now);
                    break;
            }
            s_perform (self, now, msg, &out);
        }
        codec_repl_free (&msg);
        zframe_destroy (&f);
    }
}

// ---------------------------------------------------------------------
//  Each turn

void
uplink_pump (uplink_t *self)
{
    if (!self)
        return;
    int64_t now = zclock_mono ();
    childlink_out_t out;
    childlink_on_head (&self->link, ingest_durable (self->ingest));
    childlink_tick (&self->link, now, &out);
    s_perform (self, now, NULL, &out);
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
    childlink_cfg_t lc = { cfg->division, cfg->parent.division, id->node.sign_pk,
                           cfg->parent.sign_pk, (uint32_t) cfg->batch_max };
    childlink_init (&self->link, &lc);
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
    childlink_set_checkpoint (&self->link, size);
}

void
uplink_status (uplink_t *self, Lic__NodeStatus *ns)
{
    if (!self) {
        ns->uplink_state = "none";
        return;
    }
    uint64_t head = ingest_durable (self->ingest);
    uint64_t acked = childlink_acked (&self->link);
    ns->uplink_state = (char *) childlink_state_name (&self->link);
    ns->parent_division = (char *) self->cfg->parent.division;
    ns->uplink_acked = acked;
    ns->uplink_lag = head > acked? head - acked: 0;
    int64_t oldest = s_received_at (self, childlink_first_unacked (&self->link, head));
    ns->uplink_lag_seconds = oldest? (int64_t) time (NULL) - oldest: 0;
    ns->uplink_error = (char *) childlink_error (&self->link);
    if (self->receipt)
        ns->receipt = self->receipt;
}
