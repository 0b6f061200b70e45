/*  ingest.c -- the publish pipeline (see ingest.h for the picture).

    Checks in the order issue 2 item 6 fixes: frame and decoding (server),
    a registered unrevoked key (dispatch, again at sequencing), the
    signature (verifier), the department's right to the license type, the
    id and credit code (evcheck), lifecycle and expected version (views).
    A duplicate (same key, same body) is recognised after the signature
    and answered with its first seq.

    Durability: a reply leaves only after the synced write of the batch
    that holds its event, or for a duplicate or a refusal, of the batch
    that was open when it was sequenced (which is after its original).
    A failed write fails that batch and the one built on top of it, drops
    the overlay and rewinds the sequence to the last durable seq.
*/
#include <time.h>
#include "node/daemon/logfmt.h"
#include "proto/codec.h"
#include "node/pipeline/ingest.h"
#include "proto/lifecycle.h"
#include "proto/seal.h"
#include "proto/catalogue.h"
#include "proto/disclose.h"
#include "node/pipeline/ingest_int.h"
#include "node/serve/lateness.h"

// ---------------------------------------------------------------------
//  Committer thread: receives ingest_pending_t *, writes it synced, answers
//  with the same pointer and the result.

static void
s_committer (zsock_t *pipe, void *args)
{
    store_t *store = (store_t *) args;
    zsock_signal (pipe, 0);
    while (true) {
        char *cmd = NULL;
        ingest_pending_t *p = NULL;
        if (zsock_recv (pipe, "sp", &cmd, &p) != 0)
            break;
        bool term = streq (cmd, "$TERM");
        zstr_free (&cmd);
        if (term)
            break;
        int64_t t0 = zclock_usecs ();
        int rc = store_batch_count (p->batch)? store_write (store, p->batch, true): ERR_OK;
        p->write_us = zclock_usecs () - t0;
        zsock_send (pipe, "pi", p, rc);
    }
}

static ingest_pending_t *
s_pending_new (ingest_t *self)
{
    ingest_pending_t *p = calloc (1, sizeof *p);
    if (!p)
        return NULL;
    p->batch = store_batch_new (self->store);
    p->jobs = zlist_new ();
    p->gen = ++self->next_gen;
    if (!p->batch || !p->jobs) {
        store_batch_destroy (&p->batch);
        zlist_destroy (&p->jobs);
        free (p);
        return NULL;
    }
    return p;
}

static void
s_pending_destroy (ingest_pending_t **p_p)
{
    if (!p_p || !*p_p)
        return;
    store_batch_destroy (&(*p_p)->batch);
    zlist_destroy (&(*p_p)->jobs);
    free (*p_p);
    *p_p = NULL;
}

// ---------------------------------------------------------------------
//  Replies

static void
s_job_destroy (ingest_job_t **job_p)
{
    ingest_job_t *job = *job_p;
    if (!job)
        return;
    codec_event_free (&job->task.ev);
    codec_request_free (&job->req);
    zframe_destroy (&job->route);
    for (size_t i = 0; i < job->n_items; i++) {
        codec_event_free (&job->items [i].task.ev);
        codec_entry_free (&job->items [i].entry);
        free (job->items [i].leaf);
    }
    free (job->items);
    codec_repl_free (&job->repl);
    codec_node_record_free (&job->node);
    codec_audit_record_free (&job->audit);
    free (job->audit_body);
    codec_reply_free (&job->answer);
    free (job);
    *job_p = NULL;
}

void
ingest_job_fail (ingest_job_t *job, int code, const char *fmt, ...)
{
    job->code = code;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (job->why, sizeof job->why, fmt, ap);
    va_end (ap);
}

void
ingest_charge (ingest_t *self, ingest_job_t *job, size_t bytes)
{
    job->bytes += bytes;
    self->bytes_inflight += bytes;
}

//  The verifier decoded the event body charged *charge bytes (its
//  budget): charge what it holds instead.
static void
s_event_decoded (ingest_t *self, ingest_job_t *job, size_t *charge, const Lic__Event *ev)
{
    size_t now = ev? codec_heap (&ev->base): 0;
    job->bytes = job->bytes - *charge + now;
    self->bytes_inflight = self->bytes_inflight - *charge + now;
    *charge = now;
}

static void
s_answer (ingest_t *self, ingest_job_t *job)
{
    self->bytes_inflight -= job->bytes;
    job->bytes = 0;
    if (job->kind == JOB_BATCH) {
        if (self->on_batch)
            self->on_batch (self->batch_arg, job->child, job->cookie, job->code,
                            job->seq, job->why);
        s_job_destroy (&job);
        return;
    }
    if (job->kind == JOB_AUDIT) {
        self->answers_inflight -= job->answer_bytes;
        if (!job->route) {
            //  An aggregated record: nobody waits for it, and the requests
            //  it counts were answered; its loss is the operator's to see.
            if (job->code != ERR_OK)
                logfmt_msgf (LOGFMT_ERROR, "aggregated audit record of %u refused requests not "
                             "written: %s", (unsigned) job->audit->count, job->why);
            s_job_destroy (&job);
            return;
        }
        //  No answer leaves without its durable record: a failed write
        //  replaces the answer by the refusal.
        if (job->code != ERR_OK) {
            //  An audit job carries no request: the answer has its id.
            uint64_t id = job->answer? job->answer->id: 0;
            codec_reply_free (&job->answer);
            job->answer = calloc (1, sizeof *job->answer);
            if (job->answer) {
                codec_reply_init (job->answer);
                job->answer->id = id;
                job->answer->code = job->code;
                job->answer->message = strdup (job->why);
            }
        }
        else
        if (job->answer->body_case == LIC__REPLY__BODY_QUERY)
            job->answer->query->audit_seq = job->seq;
        if (job->answer && self->on_audit)
            self->on_audit (self->audit_arg, job->channel, &job->route, &job->answer);
        s_job_destroy (&job);
        return;
    }
    if (job->kind == JOB_NODE && !job->route) {
        if (job->code != ERR_OK)
            logfmt_msgf (LOGFMT_ERROR, "node record for %s not written: %s", job->node->division, job->why);
        s_job_destroy (&job);
        return;
    }
    Lic__Reply *reply = calloc (1, sizeof *reply);
    if (!reply) {
        s_job_destroy (&job);
        return;
    }
    codec_reply_init (reply);
    reply->id = job->req? job->req->id: 0;
    reply->code = job->code;
    const Lic__Department *dept = NULL;
    if (job->code != ERR_OK) {
        reply->message = strdup (job->why);
        if (job->kind == JOB_PUBLISH) {
            self->stats.rejected++;
            if (job->code >= 0 && job->code <= ERR_INTERNAL)
                self->stats.rejected_by_code [job->code]++;
        }
    }
    else
    if (job->kind == JOB_PUBLISH) {
        Lic__PublishResult *res = calloc (1, sizeof *res);
        if (res) {
            lic__publish_result__init (res);
            res->seq = job->seq;
            res->duplicate = job->duplicate;
            res->license_version = job->version;
            reply->body_case = LIC__REPLY__BODY_PUBLISHED;
            reply->published = res;
        }
        if (job->duplicate)
            self->stats.duplicates++;
        else {
            self->stats.published++;
            //  Durable: counted once for the same-day rule (node/serve/lateness.h).
            lateness_committed (job->task.ev, (int64_t) time (NULL));
        }
    }
    else
    if (job->kind == JOB_CATALOGUE) {
        Lic__CatalogueResult *res = calloc (1, sizeof *res);
        Lic__LicenseType **types = calloc (1, sizeof *types);
        const Lic__LicenseType *t = views_type (self->views, self->cfg.division,
                                                job->req->catalogue->add->type_code);
        uint8_t *buf;
        size_t len;
        if (res && types && t && codec_license_type_encode (t, &buf, &len) == ERR_OK) {
            lic__catalogue_result__init (res);
            res->seq = job->seq;
            if (codec_license_type_decode (buf, len, &types [0]) == ERR_OK) {
                res->types = types;
                res->n_types = 1;
                types = NULL;
            }
            free (buf);
            reply->body_case = LIC__REPLY__BODY_CATALOGUE;
            reply->catalogue = res;
            res = NULL;
        }
        free (res);
        free (types);
    }
    else
    if (job->kind == JOB_APP_BODY) {
        Lic__AppBodyResult *res = calloc (1, sizeof *res);
        if (res) {
            lic__app_body_result__init (res);
            res->seq = job->seq;
            reply->body_case = LIC__REPLY__BODY_APP_BODY;
            reply->app_body = res;
        }
    }
    else {
        Lic__RegisterResult *res = calloc (1, sizeof *res);
        if (res) {
            lic__register_result__init (res);
            res->seq = job->seq;
            reply->body_case = LIC__REPLY__BODY_REGISTERED;
            reply->registered = res;
        }
        if (job->kind == JOB_NODE)      //  a revocation: the point it states
            reply->message = strdup (job->why);
        else
            dept = views_department (self->views, self->cfg.division, job->req->register_->department->credit_code);
    }
    //  The reply is packed by the server and freed with codec_reply_free,
    //  which frees every pointer member: all of them are malloc'd here.
    self->reply (self->reply_arg, &job->route, &reply, dept);
    codec_reply_free (&reply);
    s_job_destroy (&job);
}

// ---------------------------------------------------------------------
//  Sequencing

static void s_on_committed (ingest_t *self);
static void s_abort_pending (ingest_t *self, int rc);

void
ingest_own_entry (ingest_t *self, Lic__EntryKind kind, uint8_t *body, size_t len, int64_t at,
                  uint8_t sig [SEAL_SIG_BYTES], Lic__Envelope *env, Lic__LogEntry *entry)
{
    seal_sign (sig, body, len, self->cfg.sign_sk);
    ingest_own_entry_signed (self, kind, body, len, at, sig, env, entry);
}

void
ingest_own_entry_signed (ingest_t *self, Lic__EntryKind kind, uint8_t *body, size_t len,
                         int64_t at, uint8_t sig [SEAL_SIG_BYTES], Lic__Envelope *env,
                         Lic__LogEntry *entry)
{
    codec_envelope_init (env);
    env->body.data = body;
    env->body.len = len;
    env->signature.data = sig;
    env->signature.len = SEAL_SIG_BYTES;
    env->key_id.data = (uint8_t *) self->cfg.sign_pk;
    env->key_id.len = SEAL_PUBLIC_BYTES;
    codec_entry_init (entry);
    entry->seq = self->next_seq;
    entry->origin_division = (char *) self->cfg.division;
    entry->origin_seq = entry->seq;
    entry->kind = kind;
    entry->envelope = env;
    entry->received_at = at;
}

static void
s_sequence_ready (ingest_t *self)
{
    while (self->head < self->tail) {
        ingest_job_t *job = self->ring [self->head % INGEST_RING];
        if (!job->ready)
            break;
        self->ring [self->head % INGEST_RING] = NULL;
        self->head++;
        self->items_inflight -= job->n_queued;
        if (job->kind == JOB_PUBLISH)
            ingest_sequence_publish (self, job);
        else
        if (job->kind == JOB_BATCH)
            ingest_sequence_batch (self, job);
        else
        if (job->kind == JOB_NODE)
            ingest_sequence_node (self, job);
        else
        if (job->kind == JOB_CATALOGUE)
            ingest_sequence_catalogue (self, job);
        else
        if (job->kind == JOB_APP_BODY)
            ingest_sequence_app_body (self, job);
        else
        if (job->kind == JOB_AUDIT)
            ingest_sequence_audit (self, job);
        else
            ingest_sequence_register (self, job);
        zlist_append (self->building->jobs, job);
        if (job->code >= ERR_IO) {
            //  A local failure in the middle of building: the open batch
            //  may hold part of this job.  Let the batch being synced
            //  finish, then refuse everything built on it.
            if (self->syncing)
                s_on_committed (self);
            s_abort_pending (self, job->code);
        }
    }
}

// ---------------------------------------------------------------------
//  Commit

static void
s_answer_all (ingest_t *self, ingest_pending_t *p, int fail_rc, const char *fail_why)
{
    ingest_job_t *job;
    while ((job = (ingest_job_t *) zlist_pop (p->jobs))) {
        if (fail_rc != ERR_OK && job->code == ERR_OK)
            ingest_job_fail (job, fail_rc, "%s", fail_why);
        if (job->kind == JOB_BATCH) {
            ingest_child_t *c = job->child;
            if (fail_rc != ERR_OK) {
                //  Nothing of the child's pending batches stays: resend
                //  from the durable high-water mark.
                c->next_apply = c->hwm + 1;
                tree_abort (c->tree);
                job->seq = c->hwm + 1;
            }
            else
            if (job->code == ERR_OK) {
                c->hwm = job->seq;
                tree_committed (c->tree, p->gen);
            }
        }
        s_answer (self, job);
    }
}

//  Refuses everything pending (after a failed write, or a failure in the
//  middle of building a batch): answers the jobs, forgets the overlays,
//  rewinds the sequence to what is durable.
static void
s_abort_pending (ingest_t *self, int rc)
{
    const char *why = rc == ERR_NOSPACE
        ? "repository disk is full: nothing was stored, retry later"
        : "repository write failed: nothing was stored, retry later";
    s_answer_all (self, self->building, rc, why);
    store_batch_clear (self->building->batch);
    self->building->last_seq = 0;
    if (views_abort (self->views) != ERR_OK)
        logfmt_msgf (LOGFMT_ERROR, "views could not be reloaded after a failed write");
    self->next_seq = self->durable + 1;
}

static void
s_start_commit (ingest_t *self)
{
    if (self->syncing || zlist_size (self->building->jobs) == 0)
        return;
    ingest_pending_t *next = self->spare? self->spare: s_pending_new (self);
    if (!next)
        return;             //  try again on the next turn
    self->spare = NULL;
    next->gen = ++self->next_gen;
    next->last_seq = 0;
    //  The origin marks of everything in the batch, once each.
    views_flush_marks (self->views, self->building->batch);
    self->syncing = self->building;
    self->building = next;
    zsock_send (self->committer, "sp", "WRITE", self->syncing);
}

static void
s_on_committed (ingest_t *self)
{
    ingest_pending_t *p = NULL;
    int rc = ERR_INTERNAL;
    if (zsock_recv (self->committer, "pi", &p, &rc) != 0 || p != self->syncing)
        return;
    self->syncing = NULL;
    self->stats.batches++;
    if (store_batch_count (p->batch)) {
        static const int64_t bounds [INGEST_FSYNC_BUCKETS] = INGEST_FSYNC_BOUNDS_US;
        for (int i = 0; i < INGEST_FSYNC_BUCKETS; i++)
            if (bounds [i] == 0 || p->write_us <= bounds [i])
                self->stats.fsync_buckets [i]++;
        self->stats.fsync_count++;
        self->stats.fsync_sum_s += (double) p->write_us / 1e6;
    }
    if (rc == ERR_OK) {
        if (p->last_seq)
            self->durable = p->last_seq;
        views_committed (self->views, p->gen);
        s_answer_all (self, p, ERR_OK, NULL);
    }
    else {
        //  Nothing of p reached the disk, and building was computed on
        //  top of it: refuse both; the clients may send the same signed
        //  events again.
        self->stats.write_errors++;
        s_answer_all (self, p, rc, rc == ERR_NOSPACE
            ? "repository disk is full: nothing was stored, retry later"
            : "repository write failed: nothing was stored, retry later");
        s_abort_pending (self, rc);
    }
    store_batch_clear (p->batch);
    if (self->spare)
        s_pending_destroy (&p);
    else
        self->spare = p;
}

// ---------------------------------------------------------------------
//  Public

int
ingest_new (ingest_t **out, store_t *store, views_t *views, const ingest_cfg_t *cfg,
            ingest_reply_fn *reply, void *reply_arg)
{
    ingest_t *self = calloc (1, sizeof *self);
    if (!self)
        return ERR_NOMEM;
    self->store = store;
    self->views = views;
    self->cfg = *cfg;
    self->reply = reply;
    self->reply_arg = reply_arg;
    uint8_t key [8];
    size_t klen = sizeof key;
    int rc = store_last_key (store, STORE_CF_LOG, key, &klen);
    if (rc == ERR_OK && klen == 8)
        self->durable = store_get_u64 (key);
    else
    if (rc != ERR_NOT_FOUND) {
        free (self);
        return rc == ERR_OK? ERR_CORRUPT: rc;
    }
    self->next_seq = self->durable + 1;
    self->building = s_pending_new (self);
    self->verifier = verifier_new (cfg->verify_threads);
    self->committer = zactor_new (s_committer, store);
    if (!self->building || !self->verifier || !self->committer) {
        ingest_destroy (&self);
        return ERR_NOMEM;
    }
    *out = self;
    return ERR_OK;
}

void
ingest_destroy (ingest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ingest_t *self = *self_p;
    //  Let the committer finish the batch it holds, so what it writes is
    //  answered truthfully.
    if (self->syncing && self->committer)
        s_on_committed (self);
    zactor_destroy (&self->committer);
    verifier_destroy (&self->verifier);
    for (uint64_t t = self->head; t < self->tail; t++) {
        ingest_job_t *job = self->ring [t % INGEST_RING];
        ingest_job_fail (job, ERR_CLOSED, "node is shutting down");
        s_answer (self, job);
    }
    if (self->building)
        s_answer_all (self, self->building, ERR_CLOSED, "node is shutting down");
    s_pending_destroy (&self->building);
    s_pending_destroy (&self->spare);
    free (self);
    *self_p = NULL;
}

void
ingest_submit (ingest_t *self, zframe_t **route_p, Lic__Request **req_p)
{
    ingest_job_t *job = calloc (1, sizeof *job);
    if (!job) {
        zframe_destroy (route_p);
        codec_request_free (req_p);
        return;
    }
    job->route = *route_p;
    job->req = *req_p;
    *route_p = NULL;
    *req_p = NULL;
    job->kind = job->req->body_case == LIC__REQUEST__BODY_REGISTER? JOB_REGISTER
              : job->req->body_case == LIC__REQUEST__BODY_CATALOGUE? JOB_CATALOGUE
              : job->req->body_case == LIC__REQUEST__BODY_APP_BODY? JOB_APP_BODY
              : job->req->body_case == LIC__REQUEST__BODY_NODE_REVOKE? JOB_NODE: JOB_PUBLISH;
    self->ring [self->tail++ % INGEST_RING] = job;
    ingest_charge (self, job, sizeof *job + codec_heap (&job->req->base));
    if (job->kind != JOB_PUBLISH) {
        job->ready = true;
        return;
    }
    const Lic__Envelope *env = job->req->publish;
    const Lic__Department *dept;
    int rc;
    if (env->key_id.len != SEAL_PUBLIC_BYTES || env->signature.len != SEAL_SIG_BYTES
    ||  env->body.len == 0)
        ingest_job_fail (job, ERR_MALFORMED, "envelope needs a 32-byte key_id, a 64-byte signature "
                "and a body (got %zu, %zu, %zu bytes)", env->key_id.len,
                env->signature.len, env->body.len);
    else
    if ((rc = views_signer (self->views, self->cfg.division, env->key_id.data, &dept)) != ERR_OK) {
        char hex [65];
        seal_hex (hex, env->key_id.data, 32);
        ingest_job_fail (job, rc, "signing key %s is %s", hex,
                rc == ERR_KEY_REVOKED? "revoked": "not registered at this node");
    }
    else {
        //  The verifier decodes the body: charged its budget until then.
        job->ev_charge = codec_event_budget (env->body.len);
        ingest_charge (self, job, job->ev_charge);
        job->task.env = env;
        ingest_queue_task (self, &job->task);
        return;
    }
    job->ready = true;
}

void
ingest_set_audit_handler (ingest_t *self, ingest_audit_fn *fn, void *arg)
{
    self->on_audit = fn;
    self->audit_arg = arg;
}

void
ingest_set_batch_handler (ingest_t *self, ingest_batch_fn *fn, void *arg)
{
    self->on_batch = fn;
    self->batch_arg = arg;
}

ingest_job_t *
ingest_job_new (ingest_t *self, ingest_job_kind_t kind)
{
    ingest_job_t *job = calloc (1, sizeof *job);
    if (!job)
        return NULL;
    job->kind = kind;
    self->ring [self->tail++ % INGEST_RING] = job;
    return job;
}

bool
ingest_full (ingest_t *self)
{
    //  One ring slot is kept free for the one job a caller may still add.
    return self->tail - self->head >= INGEST_RING - 1
        || self->items_inflight >= INGEST_ITEMS_MAX
        || self->bytes_inflight >= INGEST_BYTES_MAX
        || self->answers_inflight >= INGEST_ANSWERS_MAX;
}

//  Hands the queued tasks to the verifier.
static void
s_flush_tasks (ingest_t *self)
{
    if (self->n_to_verify == 0)
        return;
    if (verifier_submit (self->verifier, self->to_verify, self->n_to_verify) != ERR_OK)
        for (size_t i = 0; i < self->n_to_verify; i++) {
            verify_task_t *t = self->to_verify [i];
            ingest_job_t *job = t->owner? ((ingest_item_t *) t->owner)->job: (ingest_job_t *) t;
            ingest_job_fail (job, ERR_CLOSED, "verifier is stopping");
            if (!t->owner || --job->unverified == 0)
                job->ready = true;
        }
    self->n_to_verify = 0;
}

void
ingest_queue_task (ingest_t *self, verify_task_t *task)
{
    if (self->n_to_verify == INGEST_TASKS_BATCH)
        s_flush_tasks (self);
    self->to_verify [self->n_to_verify++] = task;
    ingest_job_t *job = task->owner? ((ingest_item_t *) task->owner)->job: (ingest_job_t *) task;
    job->n_queued++;
    self->items_inflight++;
}

bool
ingest_idle (ingest_t *self)
{
    return self->head == self->tail && !self->syncing
        && zlist_size (self->building->jobs) == 0;
}

zsock_t *
ingest_results_sock (ingest_t *self)
{
    return verifier_results (self->verifier);
}

zsock_t *
ingest_commit_sock (ingest_t *self)
{
    return zactor_sock (self->committer);
}

void
ingest_on_ready (ingest_t *self)
{
    s_flush_tasks (self);
    verify_task_t **tasks;
    size_t n;
    while ((tasks = verifier_recv (self->verifier, &n)))
        for (size_t i = 0; i < n; i++) {
            if (!tasks [i]->owner) {
                ingest_job_t *job = (ingest_job_t *) tasks [i];
                if (job->ev_charge)
                    s_event_decoded (self, job, &job->ev_charge, tasks [i]->ev);
                job->ready = true;
            }
            else {
                ingest_item_t *item = (ingest_item_t *) tasks [i]->owner;
                ingest_job_t *job = item->job;
                if (item->ev_charge)
                    s_event_decoded (self, job, &item->ev_charge, tasks [i]->ev);
                if (--job->unverified == 0)
                    job->ready = true;
            }
        }
    if (zsock_events (zactor_sock (self->committer)) & ZMQ_POLLIN)
        s_on_committed (self);
    s_sequence_ready (self);
    s_start_commit (self);
}

uint64_t
ingest_head (ingest_t *self)
{
    return self->next_seq - 1;
}

uint64_t
ingest_durable (ingest_t *self)
{
    return self->durable;
}

void
ingest_stats (ingest_t *self, ingest_stats_t *stats)
{
    *stats = self->stats;
}
