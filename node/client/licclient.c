/*  licclient.c -- liblicclient (see licclient.h): a CURVE DEALER socket
    speaking one-frame lic.Request / lic.Reply to a licnode's ROUTER.

    A monitor on the DEALER reports CURVE handshakes: when the node's
    ZAP handler refuses our key, waits end at once with ERR_FORBIDDEN
    instead of running into their timeout.

    Replies are matched to requests by id.  licclient_call keeps replies
    to other ids it reads meanwhile in a FIFO stash that licclient_recv
    empties first; ids abandoned by a timed-out call are remembered so
    their late replies are dropped instead of surfacing later.

    Does not retry, reconnect by hand or cache anything: ZeroMQ
    reconnects by itself, and the node's duplicate detection makes
    re-publishing a signed event safe, so retrying is the caller's call.

    Built with hidden visibility: what the installed header marks
    LICCLIENT_EXPORT is the whole of the shared library's API.
*/
#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include "proto/codec.h"
#include "proto/disclose.h"
#include "proto/err.h"
#include "node/common/keyfile.h"
#include "node/client/licclient.h"
#include "node/client/licclient_int.h"
#include "proto/licid.h"
#include "proto/seal.h"

#define S_LINGER_MS     100             //  unsent requests at destroy
#define S_HWM           (2 * LICCLIENT_WINDOW_MAX)
#define S_SALT_BYTES    16              //  salt of a sealed item (16..64 allowed)

//  The installed header repeats the protocol's numbers under the API's
//  names (it may include nothing of the tree): they must stay the ones
//  the rest of the tree uses.  tests/install_test.sh checks that every
//  ERR_X of err.h has its LICCLIENT_ERR_X.
#define S_SAME_ERR(name) \
    _Static_assert ((int) LICCLIENT_##name == (int) name, "LICCLIENT_" #name " differs from err.h")
S_SAME_ERR (ERR_OK);
S_SAME_ERR (ERR_MALFORMED);
S_SAME_ERR (ERR_TOO_LARGE);
S_SAME_ERR (ERR_VERSION);
S_SAME_ERR (ERR_UNKNOWN_KEY);
S_SAME_ERR (ERR_KEY_REVOKED);
S_SAME_ERR (ERR_BAD_SIGNATURE);
S_SAME_ERR (ERR_TYPE_NOT_ALLOWED);
S_SAME_ERR (ERR_BAD_LICENSE_ID);
S_SAME_ERR (ERR_BAD_CREDIT_CODE);
S_SAME_ERR (ERR_ILLEGAL_OP);
S_SAME_ERR (ERR_VERSION_MISMATCH);
S_SAME_ERR (ERR_NOT_FOUND);
S_SAME_ERR (ERR_EXISTS);
S_SAME_ERR (ERR_FORBIDDEN);
S_SAME_ERR (ERR_BAD_FIELD);
S_SAME_ERR (ERR_ISSUER_MISMATCH);
S_SAME_ERR (ERR_BUSY);
S_SAME_ERR (ERR_GAP);
S_SAME_ERR (ERR_DIVERGED);
S_SAME_ERR (ERR_CATALOGUE);
S_SAME_ERR (ERR_UNKNOWN_TYPE);
S_SAME_ERR (ERR_OUT_OF_SCOPE);
S_SAME_ERR (ERR_MATTER);
S_SAME_ERR (ERR_NO_HOLDER);
S_SAME_ERR (ERR_MISSING_FIELD);
S_SAME_ERR (ERR_DISCLOSURE);
S_SAME_ERR (ERR_EXPIRED);
S_SAME_ERR (ERR_NODE_KEY_REVOKED);
S_SAME_ERR (ERR_NO_FILE);
S_SAME_ERR (ERR_FILE_DIGEST);
S_SAME_ERR (ERR_FILE_BUDGET);
S_SAME_ERR (ERR_IO);
S_SAME_ERR (ERR_NOMEM);
S_SAME_ERR (ERR_CORRUPT);
S_SAME_ERR (ERR_CLOSED);
S_SAME_ERR (ERR_NOSPACE);
S_SAME_ERR (ERR_INTERNAL);
_Static_assert (LICCLIENT_FRAME_MAX == CODEC_FRAME_MAX, "LICCLIENT_FRAME_MAX");
_Static_assert (LICCLIENT_PROTOCOL_VERSION == CODEC_VERSION, "LICCLIENT_PROTOCOL_VERSION");
_Static_assert (LICCLIENT_LICENSE_ID_MAX == LICID_BARE_MAX, "LICCLIENT_LICENSE_ID_MAX");

typedef struct _s_stashed_t {
    Lic__Reply *reply;                  //  owned
    struct _s_stashed_t *next;          //  later arrival
} s_stashed_t;

//  A queue of replies, oldest first.
typedef struct {
    s_stashed_t *head;
    s_stashed_t *tail;
    size_t n;
} s_queue_t;

//  A batch of coalesced publishes sent, whose reply is not yet split:
//  its events have the ids first .. first + n - 1.
typedef struct {
    uint64_t first;
    size_t n;
} s_sent_t;

//  The open batch's buffer: the frame's head, then the events
//  (codec_batch_add), the whole within a request frame.
#define S_CO_HEAD       CODEC_BATCH_HEAD_MAX
#define S_CO_BYTES      (S_CO_HEAD + CODEC_FRAME_MAX - CODEC_BATCH_HEAD_MAX)

struct _licclient_t {
    zsock_t *dealer;                    //  DEALER, CURVE client
    void *handle;                       //  libzmq socket of dealer
    zsock_t *monitor;                   //  PAIR receiving dealer's handshake events
    uint64_t last_id;                   //  last request id assigned
    size_t pending;                     //  sent, not yet returned or abandoned
    s_queue_t stash;                    //  replies read out of turn
    //  Coalescing of single publishes (licclient_coalesce).
    bool coalesce;
    uint8_t *co_buf;                    //  the open batch (S_CO_BYTES): head room, events
    size_t co_len;                      //  bytes of events in it, from co_buf + S_CO_HEAD
    size_t co_n;                        //  events in it
    uint64_t co_first;                  //  id of its first (its events' ids are consecutive)
    s_sent_t *sent;                     //  batches sent, reply not yet split
    size_t n_sent;
    size_t max_sent;
    s_queue_t split;                    //  replies split from a batch's, not yet returned
    uint64_t *abandoned;                //  ids whose reply is to be dropped
    size_t n_abandoned;                 //  used entries of abandoned
    size_t max_abandoned;               //  allocated entries of abandoned
};

// ---------------------------------------------------------------------
//  Queues of replies

static int
s_queue_push (s_queue_t *q, Lic__Reply **reply)
{
    s_stashed_t *node = malloc (sizeof *node);
    if (!node) {
        codec_reply_free (reply);
        return ERR_NOMEM;
    }
    node->reply = *reply;
    node->next = NULL;
    *reply = NULL;
    if (q->tail)
        q->tail->next = node;
    else
        q->head = node;
    q->tail = node;
    q->n++;
    return ERR_OK;
}

//  The oldest reply, or NULL.
static Lic__Reply *
s_queue_pop (s_queue_t *q)
{
    s_stashed_t *head = q->head;
    if (!head)
        return NULL;
    q->head = head->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    Lic__Reply *reply = head->reply;
    free (head);
    return reply;
}

//  Drops the reply with this id: true if there was one.
static bool
s_queue_drop (s_queue_t *q, uint64_t id)
{
    for (s_stashed_t **at = &q->head, *prev = NULL; *at; prev = *at, at = &(*at)->next)
        if ((*at)->reply->id == id) {
            s_stashed_t *node = *at;
            *at = node->next;
            if (q->tail == node)
                q->tail = prev;
            codec_reply_free (&node->reply);
            free (node);
            q->n--;
            return true;
        }
    return false;
}

static void
s_queue_clear (s_queue_t *q)
{
    Lic__Reply *reply;
    while ((reply = s_queue_pop (q)))
        codec_reply_free (&reply);
}

//  array (n used of *max elements of size bytes) with room for one more,
//  doubled from 16 if need be; NULL if out of memory (array unchanged).
static void *
s_room (void *array, size_t n, size_t *max, size_t size)
{
    if (n < *max)
        return array;
    size_t grow = *max? 2 * *max: 16;
    void *grown = realloc (array, grow * size);
    if (grown)
        *max = grow;
    return grown;
}

// ---------------------------------------------------------------------
//  Coalescing of single publishes (licclient_coalesce)

//  zmq_send's errno as an err_t.
static int
s_send_error (void)
{
    return zmq_errno () == EAGAIN? ERR_BUSY: zmq_errno () == EINTR? ERR_CLOSED: ERR_IO;
}

//  Sends the open batch, if any, as one PublishBatch frame.  A batch
//  that could not be sent stays open (its events keep their ids) and
//  goes at the next flush.
static int
s_flush (licclient_t *self)
{
    if (self->co_n == 0)
        return ERR_OK;
    s_sent_t *sent = s_room (self->sent, self->n_sent, &self->max_sent, sizeof *sent);
    if (!sent)
        return ERR_NOMEM;
    self->sent = sent;
    uint8_t head [CODEC_BATCH_HEAD_MAX];
    size_t hl = codec_batch_head (self->co_first, self->co_len, head);
    uint8_t *frame = self->co_buf + S_CO_HEAD - hl;
    memcpy (frame, head, hl);
    if (zmq_send (self->handle, frame, hl + self->co_len, ZMQ_DONTWAIT) < 0)
        return s_send_error ();
    self->sent [self->n_sent++] = (s_sent_t) { self->co_first, self->co_n };
    self->co_n = 0;
    self->co_len = 0;
    return ERR_OK;
}

//  A single publish into the open batch: ERR_OK with its id, or
//  ERR_TOO_LARGE when it does not fit an empty batch (it goes alone).
static int
s_coalesce (licclient_t *self, const Lic__Envelope *env, uint64_t *id_out)
{
    if (self->pending >= LICCLIENT_WINDOW_MAX)
        return ERR_BUSY;
    if (!self->co_buf && !(self->co_buf = malloc (S_CO_BYTES)))
        return ERR_NOMEM;
    size_t cap = S_CO_BYTES - S_CO_HEAD;
    int rc = self->co_n < LICCLIENT_BATCH_MAX? codec_batch_add (env, self->co_buf + S_CO_HEAD,
                                                                &self->co_len, cap): ERR_TOO_LARGE;
    if (rc == ERR_TOO_LARGE && self->co_n) {
        rc = s_flush (self);            //  full: it opens the next batch
        if (rc == ERR_OK)
            rc = codec_batch_add (env, self->co_buf + S_CO_HEAD, &self->co_len, cap);
    }
    if (rc != ERR_OK)
        return rc;
    if (self->co_n++ == 0)
        self->co_first = self->last_id + 1;
    self->last_id++;
    self->pending++;
    if (id_out)
        *id_out = self->last_id;
    //  At the count bound it goes at once (a node refuses more whole); if
    //  it cannot, the next flush says why.
    if (self->co_n == LICCLIENT_BATCH_MAX)
        (void) s_flush (self);
    return ERR_OK;
}

// ---------------------------------------------------------------------
//  Open and destroy

static bool
s_z85_key_valid (const char *z85)
{
    uint8_t key [32];
    return z85 && strlen (z85) == 40 && zmq_z85_decode (key, z85) != NULL;
}

int
licclient_open (licclient_t **out, const char *endpoint,
                const char *server_curve_pk_z85,
                const char *client_curve_pk_z85,
                const char *client_curve_sk_z85)
{
    if (!endpoint || !*endpoint
    ||  !s_z85_key_valid (server_curve_pk_z85)
    ||  !s_z85_key_valid (client_curve_pk_z85)
    ||  !s_z85_key_valid (client_curve_sk_z85))
        return ERR_MALFORMED;          //  czmq setters assert on bad keys
    int rc = ERR_NOMEM;
    licclient_t *self = calloc (1, sizeof *self);
    if (!self)
        goto cleanup;
    rc = ERR_IO;
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->dealer)
        goto cleanup;
    self->handle = zsock_resolve (self->dealer);
    zsock_set_linger (self->dealer, S_LINGER_MS);
    zsock_set_sndhwm (self->dealer, S_HWM);
    zsock_set_rcvhwm (self->dealer, S_HWM);
    zsock_set_immediate (self->dealer, 0);  //  queue while (re)connecting
    zsock_set_curve_serverkey (self->dealer, server_curve_pk_z85);
    zsock_set_curve_publickey (self->dealer, client_curve_pk_z85);
    zsock_set_curve_secretkey (self->dealer, client_curve_sk_z85);
    //  A name never used before in this process: an endpoint of a client
    //  just destroyed may still be bound while its monitor socket closes.
    static atomic_ulong s_monitors;
    char monitor_ep [64];
    snprintf (monitor_ep, sizeof monitor_ep, "inproc://licclient-monitor-%lu",
              atomic_fetch_add (&s_monitors, 1));
    if (zmq_socket_monitor (self->handle, monitor_ep, ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                            | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
        goto cleanup;
    self->monitor = zsock_new (ZMQ_PAIR);
    if (!self->monitor || zsock_connect (self->monitor, "%s", monitor_ep) != 0)
        goto cleanup;
    if (zsock_connect (self->dealer, "%s", endpoint) != 0) {
        rc = zmq_errno () == EINVAL || zmq_errno () == EPROTONOSUPPORT
          || zmq_errno () == ENOCOMPATPROTO? ERR_MALFORMED: ERR_IO;
        goto cleanup;
    }
    *out = self;
    self = NULL;
    rc = ERR_OK;
cleanup:
    licclient_destroy (&self);
    return rc;
}

int
licclient_open_files (licclient_t **out, const char *node_pub_path,
                      const char *client_key_path)
{
    keyfile_t node, client;
    int rc = keyfile_load (&node, node_pub_path);
    keyfile_wipe (&node);               //  only its public half is needed
    if (rc != ERR_OK)
        return rc;
    rc = keyfile_load (&client, client_key_path);
    if (rc == ERR_OK && (!node.endpoint [0] || !client.has_secret))
        rc = ERR_MALFORMED;
    if (rc == ERR_OK)
        rc = licclient_open (out, node.endpoint, node.curve_pk,
                             client.curve_pk, client.curve_sk);
    keyfile_wipe (&client);
    return rc;
}

void
licclient_destroy (licclient_t **self_p)
{
    if (self_p && *self_p) {
        licclient_t *self = *self_p;
        //  Publishes sent and not yet flushed go out, as any unsent
        //  request does, within the socket's linger.
        if (s_flush (self) != ERR_OK)
            self->co_n = 0;
        s_queue_clear (&self->stash);
        s_queue_clear (&self->split);
        free (self->co_buf);
        free (self->sent);
        free (self->abandoned);
        if (self->monitor) {
            zmq_socket_monitor (self->handle, NULL, 0);
            zsock_destroy (&self->monitor);
        }
        zsock_destroy (&self->dealer);
        free (self);
        *self_p = NULL;
    }
}

size_t
licclient_pending (licclient_t *self)
{
    return self->pending;
}

void
licclient_reply_free (Lic__Reply **reply_p)
{
    codec_reply_free (reply_p);
}

const char *
licclient_err_str (int code)
{
    return err_str (code);
}

// ---------------------------------------------------------------------
//  Sending

int
licclient_send (licclient_t *self, Lic__Request *req, uint64_t *id_out)
{
    uint8_t *buf = NULL;
    size_t size = 0;
    //  After the publishes coalesced before it, as if each went alone.
    int rc = s_flush (self);
    if (rc != ERR_OK)
        return rc;
    req->version = CODEC_VERSION;
    req->id = self->last_id + 1;
    rc = codec_request_encode (req, &buf, &size);
    if (rc != ERR_OK)
        return rc;
    if (size > CODEC_FRAME_MAX)
        rc = ERR_TOO_LARGE;             //  the node would refuse it unread
    else
    if (self->pending >= LICCLIENT_WINDOW_MAX)
        rc = ERR_BUSY;
    else
    if (zmq_send (self->handle, buf, size, ZMQ_DONTWAIT) < 0)
        rc = s_send_error ();
    free (buf);
    if (rc != ERR_OK)
        return rc;
    self->last_id++;
    self->pending++;
    if (id_out)
        *id_out = req->id;
    return ERR_OK;
}

// ---------------------------------------------------------------------
//  Receiving

//  Milliseconds left until deadline (-1: no deadline).
static long
s_left (int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t left = deadline - zclock_mono ();
    return left > 0? (long) left: 0;
}

//  Reads one monitor event: true if the node refused our CURVE key.
static bool
s_refused (licclient_t *self)
{
    zmq_msg_t msg;
    uint16_t event = 0;
    void *handle = zsock_resolve (self->monitor);
    bool more = true;
    for (int frame = 0; more; frame++) {
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, handle, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&msg);
            break;
        }
        //  Frame 0: event number (16 bits, host order) and value (32 bits)
        if (frame == 0 && zmq_msg_size (&msg) >= 2)
            memcpy (&event, zmq_msg_data (&msg), sizeof event);
        more = zmq_msg_more (&msg);
        zmq_msg_close (&msg);
    }
    return event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
}

//  Reads one reply frame from the socket, waiting until deadline.
static int
s_read_reply (licclient_t *self, int64_t deadline, Lic__Reply **reply)
{
    zmq_pollitem_t items [] = {
        { self->handle, 0, ZMQ_POLLIN, 0 },
        { zsock_resolve (self->monitor), 0, ZMQ_POLLIN, 0 }
    };
    while (true) {
        int n = zmq_poll (items, 2, s_left (deadline));
        if (n < 0)
            return zmq_errno () == EINTR? ERR_CLOSED: ERR_IO;
        if (items [0].revents & ZMQ_POLLIN)
            break;
        if ((items [1].revents & ZMQ_POLLIN) && s_refused (self))
            return ERR_FORBIDDEN;
        if (n == 0 && s_left (deadline) == 0)
            return ERR_BUSY;
    }
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    if (zmq_msg_recv (&msg, self->handle, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&msg);
        return zmq_errno () == EINTR? ERR_CLOSED:
               zmq_errno () == EAGAIN? ERR_BUSY: ERR_IO;
    }
    bool more = zmq_msg_more (&msg);
    int rc = codec_reply_decode (zmq_msg_data (&msg), zmq_msg_size (&msg), reply);
    zmq_msg_close (&msg);
    while (more) {                      //  one frame per reply: drop the rest
        zmq_msg_init (&msg);
        more = zmq_msg_recv (&msg, self->handle, ZMQ_DONTWAIT) >= 0
            && zmq_msg_more (&msg);
        zmq_msg_close (&msg);
        if (rc == ERR_OK) {
            codec_reply_free (reply);
            rc = ERR_MALFORMED;
        }
    }
    return rc;
}

//  True (and forgets it) if id was abandoned by a timed-out call.
static bool
s_take_abandoned (licclient_t *self, uint64_t id)
{
    for (size_t i = 0; i < self->n_abandoned; i++)
        if (self->abandoned [i] == id) {
            self->abandoned [i] = self->abandoned [--self->n_abandoned];
            return true;
        }
    return false;
}

static void
s_abandon (licclient_t *self, uint64_t id)
{
    //  Its reply already read out of turn, or split from its batch's:
    //  dropped, so no later licclient_recv returns it.
    self->pending--;
    if (s_queue_drop (&self->stash, id) || s_queue_drop (&self->split, id))
        return;
    uint64_t *abandoned = s_room (self->abandoned, self->n_abandoned, &self->max_abandoned,
                                  sizeof *abandoned);
    if (!abandoned)
        return;                         //  its late reply will surface: harmless
    self->abandoned = abandoned;
    self->abandoned [self->n_abandoned++] = id;
}

//  One event's reply cut from the reply to its coalesced batch: what a
//  single publish would have been answered (code and message, and a
//  PublishResult when accepted).
static int
s_cut (const Lic__Reply *batch, uint64_t id, size_t i, size_t n, Lic__Reply **out)
{
    Lic__Reply r;
    Lic__PublishResult res = LIC__PUBLISH_RESULT__INIT;
    codec_reply_init (&r);
    r.version = CODEC_VERSION;
    r.id = id;
    if (batch->code != ERR_OK) {        //  refused whole: each event was
        r.code = batch->code;
        r.message = batch->message;
    }
    else
    if (batch->body_case != LIC__REPLY__BODY_PUBLISHED_BATCH || batch->published_batch->n_results != n) {
        r.code = ERR_MALFORMED;
        r.message = "the node's answer to a batch of coalesced publishes has not one result per event";
    }
    else {
        const Lic__PublishItem *item = batch->published_batch->results [i];
        r.code = item->code;
        r.message = item->message;
        if (item->code == ERR_OK) {
            res.seq = item->seq;
            res.duplicate = item->duplicate;
            res.license_version = item->license_version;
            r.body_case = LIC__REPLY__BODY_PUBLISHED;
            r.published = &res;
        }
    }
    uint8_t *buf = NULL;
    size_t size = 0;
    int rc = codec_reply_encode (&r, &buf, &size);
    if (rc == ERR_OK)
        rc = codec_reply_decode (buf, size, out);
    free (buf);
    return rc;
}

//  If reply answers a batch of coalesced publishes: true, and each
//  event's own reply (but those abandoned) is queued for the callers.
static bool
s_split (licclient_t *self, Lic__Reply *reply, int *rc)
{
    size_t at = 0;
    while (at < self->n_sent && self->sent [at].first != reply->id)
        at++;
    if (reply->id == 0 || at == self->n_sent)
        return false;
    s_sent_t sent = self->sent [at];
    self->sent [at] = self->sent [--self->n_sent];
    *rc = ERR_OK;
    for (size_t i = 0; i < sent.n; i++) {
        uint64_t id = sent.first + i;
        if (s_take_abandoned (self, id))
            continue;
        Lic__Reply *own = NULL;
        int cut = s_cut (reply, id, i, sent.n, &own);
        if (cut == ERR_OK)
            cut = s_queue_push (&self->split, &own);
        if (cut != ERR_OK) {
            self->pending--;            //  lost to memory: as if abandoned
            *rc = cut;
        }
    }
    return true;
}

//  Next reply that nobody abandoned: split from a batch's, or from the
//  socket, the open batch sent first (a reply to it is what may come).
static int
s_next_reply (licclient_t *self, int64_t deadline, Lic__Reply **reply)
{
    while (true) {
        if ((*reply = s_queue_pop (&self->split)))
            return ERR_OK;
        int rc = s_flush (self);
        if (rc == ERR_OK)
            rc = s_read_reply (self, deadline, reply);
        if (rc != ERR_OK)
            return rc;
        if (s_split (self, *reply, &rc)) {
            codec_reply_free (reply);
            if (rc != ERR_OK)
                return rc;
            continue;
        }
        if ((*reply)->id == 0 || !s_take_abandoned (self, (*reply)->id))
            return ERR_OK;
        codec_reply_free (reply);
    }
}

static int64_t
s_deadline (int timeout_ms)
{
    return timeout_ms < 0? -1: zclock_mono () + timeout_ms;
}

int
licclient_recv (licclient_t *self, Lic__Reply **reply, int timeout_ms)
{
    if ((*reply = s_queue_pop (&self->stash))) {
        self->pending--;
        return ERR_OK;
    }
    int rc = s_next_reply (self, s_deadline (timeout_ms), reply);
    if (rc == ERR_OK && self->pending)
        self->pending--;
    return rc;
}

void
licclient_abandon (licclient_t *self, uint64_t id)
{
    s_abandon (self, id);
}

int
licclient_call (licclient_t *self, Lic__Request *req, Lic__Reply **reply,
                int timeout_ms)
{
    uint64_t id;
    int rc = licclient_send (self, req, &id);
    if (rc != ERR_OK)
        return rc;
    return licclient_wait (self, id, reply, timeout_ms);
}

int
licclient_wait (licclient_t *self, uint64_t id, Lic__Reply **reply, int timeout_ms)
{
    int64_t deadline = s_deadline (timeout_ms);
    int rc;
    while (true) {
        Lic__Reply *got = NULL;
        rc = s_next_reply (self, deadline, &got);
        if (rc != ERR_OK) {
            s_abandon (self, id);
            return rc;
        }
        //  id 0: the node could not decode a request; if ours is the only
        //  one still at the node, the answer is about ours.
        bool only_ours = self->pending - self->stash.n - self->split.n == 1;
        if (got->id == id || (got->id == 0 && only_ours)) {
            self->pending--;
            *reply = got;
            return ERR_OK;
        }
        rc = s_queue_push (&self->stash, &got);     //  for licclient_recv
        if (rc != ERR_OK) {
            s_abandon (self, id);
            return rc;
        }
    }
}

// ---------------------------------------------------------------------
//  Publishing

int
licclient_sign (const Lic__Event *ev, const uint8_t sk [64],
                const uint8_t pk [32], uint8_t **body, size_t *body_len,
                uint8_t sig [64])
{
    uint8_t derived [SEAL_PUBLIC_BYTES];
    uint8_t *buf = NULL;
    size_t size = 0;
    if (seal_init () != ERR_OK)
        return ERR_INTERNAL;
    if (ev->version != CODEC_VERSION)
        return ERR_VERSION;
    seal_public_of (derived, sk);
    if (memcmp (derived, pk, sizeof derived) != 0)
        return ERR_BAD_SIGNATURE;
    int rc = codec_event_encode (ev, &buf, &size);
    if (rc != ERR_OK)
        return rc;
    if (size > CODEC_FRAME_MAX) {
        free (buf);
        return ERR_TOO_LARGE;
    }
    seal_sign (sig, buf, size, sk);
    *body = buf;
    *body_len = size;
    return ERR_OK;
}

//  Fills env (borrowing the buffers) and req for a publish.
static void
s_publish_request (Lic__Request *req, Lic__Envelope *env, const uint8_t *body,
                   size_t body_len, const uint8_t sig [64], const uint8_t pk [32],
                   Lic__Disclosure *const *disclosures, size_t n_disclosures)
{
    codec_request_init (req);
    codec_envelope_init (env);
    env->body.data = (uint8_t *) body;
    env->body.len = body_len;
    env->signature.data = (uint8_t *) sig;
    env->signature.len = SEAL_SIG_BYTES;
    env->key_id.data = (uint8_t *) pk;
    env->key_id.len = SEAL_PUBLIC_BYTES;
    env->disclosures = (Lic__Disclosure **) disclosures;
    env->n_disclosures = disclosures? n_disclosures: 0;
    req->body_case = LIC__REQUEST__BODY_PUBLISH;
    req->publish = env;
}

int
licclient_send_publish (licclient_t *self, const uint8_t *body,
                        size_t body_len, const uint8_t sig [64],
                        const uint8_t pk [32], uint64_t *id_out)
{
    return licclient_send_publish_disclosed (self, body, body_len, sig, pk,
                                             NULL, 0, id_out);
}

int
licclient_send_publish_disclosed (licclient_t *self, const uint8_t *body,
                                  size_t body_len, const uint8_t sig [64],
                                  const uint8_t pk [32],
                                  Lic__Disclosure *const *disclosures,
                                  size_t n_disclosures, uint64_t *id_out)
{
    Lic__Request req;
    Lic__Envelope env;
    s_publish_request (&req, &env, body, body_len, sig, pk, disclosures,
                       n_disclosures);
    if (self->coalesce) {
        int rc = s_coalesce (self, &env, id_out);
        if (rc != ERR_TOO_LARGE)
            return rc;                  //  else alone, as a node would take it
    }
    return licclient_send (self, &req, id_out);
}

int
licclient_coalesce (licclient_t *self, bool on)
{
    self->coalesce = on;
    return on? ERR_OK: s_flush (self);
}

int
licclient_flush (licclient_t *self)
{
    return s_flush (self);
}

int
licclient_publish (licclient_t *self, const uint8_t *body, size_t body_len,
                   const uint8_t sig [64], const uint8_t pk [32],
                   uint64_t *seq, bool *duplicate, int *code,
                   char *why, size_t why_size, int timeout_ms)
{
    return licclient_publish_disclosed (self, body, body_len, sig, pk, NULL, 0,
                                        seq, duplicate, code, why, why_size,
                                        timeout_ms);
}

int
licclient_publish_disclosed (licclient_t *self, const uint8_t *body,
                             size_t body_len, const uint8_t sig [64],
                             const uint8_t pk [32],
                             Lic__Disclosure *const *disclosures,
                             size_t n_disclosures, uint64_t *seq,
                             bool *duplicate, int *code, char *why,
                             size_t why_size, int timeout_ms)
{
    Lic__Request req;
    Lic__Envelope env;
    Lic__Reply *reply = NULL;
    s_publish_request (&req, &env, body, body_len, sig, pk, disclosures,
                       n_disclosures);
    int rc = licclient_call (self, &req, &reply, timeout_ms);
    if (rc != ERR_OK)
        return rc;
    *code = reply->code;
    if (reply->code == ERR_OK
    &&  reply->body_case != LIC__REPLY__BODY_PUBLISHED)
        *code = ERR_MALFORMED;          //  accepted, but said nothing
    if (*code == ERR_OK && seq)
        *seq = reply->published->seq;
    if (*code == ERR_OK && duplicate)
        *duplicate = reply->published->duplicate;
    if (why && why_size)
        snprintf (why, why_size, "%s", *code == ERR_OK? "":
                  *reply->message? reply->message: "reply without a result");
    codec_reply_free (&reply);
    return ERR_OK;
}

// ---------------------------------------------------------------------
//  Batches

_Static_assert (LICCLIENT_BATCH_MAX == CODEC_PUBLISH_BATCH_MAX, "LICCLIENT_BATCH_MAX");

//  Fills req, b and envs (n of them, borrowing the events' buffers).
static void
s_batch_request (Lic__Request *req, Lic__PublishBatch *b, Lic__Envelope *envs,
                 Lic__Envelope **env_p, const licclient_event_t *events, size_t n)
{
    codec_request_init (req);
    lic__publish_batch__init (b);
    for (size_t i = 0; i < n; i++) {
        Lic__Envelope *env = &envs [i];
        codec_envelope_init (env);
        env->body.data = (uint8_t *) events [i].body;
        env->body.len = events [i].body_len;
        env->signature.data = (uint8_t *) events [i].sig;
        env->signature.len = SEAL_SIG_BYTES;
        env->key_id.data = (uint8_t *) events [i].pk;
        env->key_id.len = SEAL_PUBLIC_BYTES;
        env->disclosures = (Lic__Disclosure **) events [i].disclosures;
        env->n_disclosures = events [i].disclosures? events [i].n_disclosures: 0;
        env_p [i] = env;
    }
    b->events = env_p;
    b->n_events = n;
    req->body_case = LIC__REQUEST__BODY_PUBLISH_BATCH;
    req->publish_batch = b;
}

//  Sends (call false) or calls (call true) a batch.
static int
s_batch (licclient_t *self, const licclient_event_t *events, size_t n, bool call,
         uint64_t *id_out, Lic__Reply **reply, int timeout_ms)
{
    if (n == 0)
        return ERR_MALFORMED;
    if (n > LICCLIENT_BATCH_MAX)
        return ERR_TOO_LARGE;
    Lic__Envelope *envs = calloc (n, sizeof *envs);
    Lic__Envelope **env_p = calloc (n, sizeof *env_p);
    int rc = ERR_NOMEM;
    if (envs && env_p) {
        Lic__Request req;
        Lic__PublishBatch b;
        s_batch_request (&req, &b, envs, env_p, events, n);
        rc = call? licclient_call (self, &req, reply, timeout_ms)
                 : licclient_send (self, &req, id_out);
    }
    free (envs);
    free (env_p);
    return rc;
}

int
licclient_send_publish_batch (licclient_t *self, const licclient_event_t *events,
                              size_t n, uint64_t *id_out)
{
    return s_batch (self, events, n, false, id_out, NULL, 0);
}

int
licclient_batch_results (const Lic__Reply *reply, size_t n, licclient_result_t *results)
{
    bool whole = reply->code != ERR_OK;
    if (!whole && (reply->body_case != LIC__REPLY__BODY_PUBLISHED_BATCH
               ||  reply->published_batch->n_results != n))
        return ERR_MALFORMED;
    for (size_t i = 0; i < n; i++) {
        licclient_result_t *r = &results [i];
        const Lic__PublishItem *item = whole? NULL: reply->published_batch->results [i];
        memset (r, 0, sizeof *r);
        r->code = whole? reply->code: item->code;
        const char *message = whole? reply->message: item->message;
        snprintf (r->message, sizeof r->message, "%s", message && *message? message:
                  r->code == ERR_OK? "": "refused without a message");
        if (!whole && item->code == ERR_OK) {
            r->seq = item->seq;
            r->duplicate = item->duplicate;
            r->license_version = item->license_version;
        }
    }
    return ERR_OK;
}

int
licclient_publish_batch (licclient_t *self, const licclient_event_t *events, size_t n,
                         licclient_result_t *results, int timeout_ms)
{
    Lic__Reply *reply = NULL;
    int rc = s_batch (self, events, n, true, NULL, &reply, timeout_ms);
    if (rc == ERR_OK)
        rc = licclient_batch_results (reply, n, results);
    codec_reply_free (&reply);
    return rc;
}

// ---------------------------------------------------------------------
//  Sensitive items

void
licclient_disclosures_free (Lic__Disclosure ***list_p, size_t n)
{
    if (!list_p || !*list_p)
        return;
    Lic__Disclosure **list = *list_p;
    for (size_t i = 0; i < n; i++) {
        if (!list [i])
            continue;
        free (list [i]->name);
        if (list [i]->value) {
            //  A personal or secret value: leave nothing behind in the heap
            seal_wipe (list [i]->value, strlen (list [i]->value));
            free (list [i]->value);
        }
        free (list [i]->salt.data);
        free (list [i]);
    }
    free (list);
    *list_p = NULL;
}

//  Seals one item into *out: a non-empty value moves into the
//  disclosure and the item gets a malloc'd ""; an empty one stays (it
//  may be the unpacker's shared default string, which is never freed).
//  ERR_OK or ERR_NOMEM (the item is then untouched).
static int
s_seal_item (Lic__DataItem *item, const uint8_t *salt_key, const char *context,
             Lic__Disclosure **out)
{
    static const Lic__Disclosure blank = LIC__DISCLOSURE__INIT;
    Lic__Disclosure *d = malloc (sizeof *d);
    char *name = strdup (item->name? item->name: "");
    char *empty = strdup ("");
    uint8_t *salt = malloc (S_SALT_BYTES);
    uint8_t *digest = malloc (SEAL_HASH_BYTES);
    if (!d || !name || !empty || !salt || !digest) {
        free (d);
        free (name);
        free (empty);
        free (salt);
        free (digest);
        return ERR_NOMEM;
    }
    *d = blank;
    if (salt_key)
        seal_item_salt (salt, S_SALT_BYTES, salt_key, context, name, item->value);
    else
        seal_random (salt, S_SALT_BYTES);
    seal_item_digest (digest, salt, S_SALT_BYTES, name, item->value);
    d->name = name;
    d->salt.data = salt;
    d->salt.len = S_SALT_BYTES;
    if (item->value && *item->value) {
        d->value = item->value;
        item->value = empty;
    }
    else
        d->value = empty;
    item->digest.data = digest;         //  undigested: no data to free
    item->digest.len = SEAL_HASH_BYTES;
    *out = d;
    return ERR_OK;
}

int
licclient_seal_items (Lic__LicenseContent *c, const Lic__LicenseType *t,
                      Lic__Disclosure ***out, size_t *n_out)
{
    return licclient_seal_items_derived (c, t, NULL, NULL, out, n_out);
}

int
licclient_seal_items_derived (Lic__LicenseContent *c, const Lic__LicenseType *t,
                              const uint8_t salt_key [32], const char *context,
                              Lic__Disclosure ***out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (seal_init () != ERR_OK)
        return ERR_INTERNAL;
    size_t n = 0;
    for (size_t i = 0; c && i < c->n_items; i++) {
        const Lic__ItemSpec *spec = c->items [i]?
            disclose_spec (t, c->items [i]->name): NULL;
        if (spec && disclose_sensitive (spec->sensitivity)
        &&  c->items [i]->digest.len == 0)
            n++;
    }
    if (n == 0)
        return ERR_OK;
    Lic__Disclosure **list = calloc (n, sizeof *list);
    if (!list)
        return ERR_NOMEM;
    size_t made = 0;
    for (size_t i = 0; i < c->n_items && made < n; i++) {
        Lic__DataItem *item = c->items [i];
        const Lic__ItemSpec *spec = item? disclose_spec (t, item->name): NULL;
        if (!spec || !disclose_sensitive (spec->sensitivity) || item->digest.len)
            continue;
        if (s_seal_item (item, salt_key, context, &list [made]) != ERR_OK) {
            licclient_disclosures_free (&list, made);
            return ERR_NOMEM;
        }
        made++;
    }
    *out = list;
    *n_out = made;
    return ERR_OK;
}

// ---------------------------------------------------------------------
//  Queries and administration

int
licclient_get (licclient_t *self, const char *license_id, bool with_history,
               Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__GetRequest get = LIC__GET_REQUEST__INIT;
    codec_request_init (&req);
    get.license_id = (char *) license_id;
    get.with_history = with_history;
    req.body_case = LIC__REQUEST__BODY_GET;
    req.get = &get;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_find (licclient_t *self, const char *holder_id_type,
                const char *holder_id, uint32_t limit,
                Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__FindRequest find = LIC__FIND_REQUEST__INIT;
    codec_request_init (&req);
    if (holder_id_type)
        find.holder_id_type = (char *) holder_id_type;
    find.holder_id = (char *) holder_id;
    find.limit = limit;
    req.body_case = LIC__REQUEST__BODY_FIND;
    req.find = &find;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_status (licclient_t *self, Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__StatusRequest status = LIC__STATUS_REQUEST__INIT;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_STATUS;
    req.status = &status;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_register (licclient_t *self, const Lic__Department *dept,
                    Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__RegisterRequest reg = LIC__REGISTER_REQUEST__INIT;
    codec_request_init (&req);
    reg.department = (Lic__Department *) dept;
    req.body_case = LIC__REQUEST__BODY_REGISTER;
    req.register_ = &reg;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_log (licclient_t *self, uint64_t from_seq, uint32_t limit,
               Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__LogRequest log = LIC__LOG_REQUEST__INIT;
    codec_request_init (&req);
    log.from_seq = from_seq;
    log.limit = limit;
    req.body_case = LIC__REQUEST__BODY_LOG;
    req.log = &log;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_digest (licclient_t *self, Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__DigestRequest digest = LIC__DIGEST_REQUEST__INIT;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_DIGEST;
    req.digest = &digest;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_prove (licclient_t *self, uint64_t seq, uint64_t old_size,
                 uint64_t size, Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__ProveRequest prove = LIC__PROVE_REQUEST__INIT;
    codec_request_init (&req);
    prove.seq = seq;
    prove.old_size = old_size;
    prove.size = size;
    req.body_case = LIC__REQUEST__BODY_PROVE;
    req.prove = &prove;
    return licclient_call (self, &req, reply, timeout_ms);
}

// ---------------------------------------------------------------------
//  Catalogue, blobs, reports

int
licclient_catalogue (licclient_t *self, const Lic__CatalogueRequest *cat,
                     Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_CATALOGUE;
    req.catalogue = (Lic__CatalogueRequest *) cat;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_blob_put (licclient_t *self, const uint8_t *data, size_t len,
                    Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__BlobRequest blob = LIC__BLOB_REQUEST__INIT;
    codec_request_init (&req);
    blob.put.data = (uint8_t *) data;
    blob.put.len = len;
    req.body_case = LIC__REQUEST__BODY_BLOB;
    req.blob = &blob;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_blob_get (licclient_t *self, const uint8_t digest [32],
                    Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__BlobRequest blob = LIC__BLOB_REQUEST__INIT;
    codec_request_init (&req);
    blob.digest.data = (uint8_t *) digest;
    blob.digest.len = SEAL_HASH_BYTES;
    req.body_case = LIC__REQUEST__BODY_BLOB;
    req.blob = &blob;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_report (licclient_t *self, const char *kind, uint32_t limit,
                  Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    Lic__ReportRequest report = LIC__REPORT_REQUEST__INIT;
    codec_request_init (&req);
    report.kind = (char *) kind;
    report.limit = limit;
    req.body_case = LIC__REQUEST__BODY_REPORT;
    req.report = &report;
    return licclient_call (self, &req, reply, timeout_ms);
}
