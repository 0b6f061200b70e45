/*  ingest_requests.c -- the kinds of job whose entries this node makes
    (ingest_ops.h): a department's publish and registration; the
    operator's catalogue, application body and revocation entries; the
    node records of configured children; the record of a query.  Each is
    a row of ops; ingest_submit picks the row of a request.

    Checks of a publish, in this order, the first failure answered with
    its own code (proto/README.md section 4): frame and decoding
    (server), a registered unrevoked key (at submit, again at
    sequencing), the signature and the body's decoding (verifier); a
    duplicate (same key, same body) is recognised next and answered with
    its first seq; the department's right to the license type, the
    event's own checks (evcheck: id, credit code, fields), the bare id and
    the issuer, the predecessor (ingest_check_event); the catalogue
    (ingest_check_catalogue); the entry's size; lifecycle and expected
    version (views).
*/
#include <time.h>
#include "node/base/logfmt.h"
#include "proto/authority.h"
#include "proto/codec.h"
#include "proto/lifecycle.h"
#include "proto/seal.h"
#include "proto/catalogue.h"
#include "proto/disclose.h"
#include "proto/entrykind.h"
#include "node/pipeline/ingest_ops.h"
#include "node/pipeline/lateness.h"
#include "node/store/files.h"

//  One signed event of a publish, alone or in a batch (proto/README.md
//  section 3): its task at the verifier and its own answer.
typedef struct {
    ingest_task_t task;         //  its signature and body on the verifier pool
    Lic__Envelope *env;         //  borrowed from the request
    int code;                   //  err_t of its answer
    char why [320];             //  its message when code != 0
    uint64_t seq;               //  assigned, or the first one for a duplicate
    bool duplicate;
    uint32_t version;           //  license version after the event
    int64_t received_at;        //  its LogEntry.received_at (the same-day rule's release time)
} s_event_t;

//  A publish (one event) or a PublishBatch (up to CODEC_PUBLISH_BATCH_MAX):
//  one job whose events are checked, sequenced and answered each on its
//  own by the same functions (s_event_*), in the request's order.
typedef struct {
    ingest_job_t base;
    s_event_t *events;          //  n_events of them: &one for a publish
    size_t n_events;
    bool batch;                 //  a PublishBatch: answered with one result per event
    s_event_t one;
} s_publish_t;

//  The record of a query, and the answer it releases.
typedef struct {
    ingest_job_t base;
    Lic__AuditRecord *audit;    //  record to append (owned)
    uint8_t *audit_body;        //  its encoding, signed on the verifier pool (owned)
    Lic__Envelope audit_env;    //  body borrowed from audit_body
    Lic__Reply *answer;         //  reply to send once it is durable (owned)
    int channel;                //  the server's socket
} s_audit_t;

//  A node record: the keys of a configured child, or a revocation.
typedef struct {
    ingest_job_t base;
    Lic__NodeRecord *node;      //  record to append (owned; a revocation's is built
                                //  when it is sequenced)
} s_node_t;

//  Moves the disclosures of secret items to the end of env's array and
//  sets env->n_disclosures to those kept in the log (the caller restores
//  it).  If there are secret ones, *secret is an encoded Envelope holding
//  only them, for STORE_CF_SECRET (FORMAT.md); the caller frees it.
//  ERR_OK or ERR_NOMEM (env unchanged but for the order).
static int
s_split_secret (ingest_t *self, const Lic__Event *ev, Lic__Envelope *env,
                uint8_t **secret, size_t *secret_len)
{
    size_t n_all = env->n_disclosures;
    if (n_all == 0)
        return ERR_OK;
    const Lic__LicenseType *t = views_type (ingest_views (self), ingest_cfg (self)->division, ev->license_id);
    size_t kept = disclose_split (t, env->disclosures, n_all);
    if (kept == n_all)
        return ERR_OK;
    Lic__Envelope only;
    codec_envelope_init (&only);
    only.disclosures = env->disclosures + kept;
    only.n_disclosures = n_all - kept;
    int rc = codec_envelope_encode (&only, secret, secret_len);
    if (rc == ERR_OK)
        env->n_disclosures = kept;
    return rc;
}

//  One event's turn: every check of a publish in its order (ingest_check_event,
//  ingest_check_catalogue, the entry's size, lifecycle in views_apply_event),
//  then its entry into the open batch.  Sets e->code (ERR_OK: e->seq taken;
//  a duplicate: ERR_OK with e->duplicate and the first seq).
static void
s_event_sequence (ingest_t *self, s_event_t *e)
{
    Lic__Envelope *env = e->env;
    const Lic__Event *ev = e->task.task.ev;
    int rc = ingest_check_event (self, ingest_cfg (self)->division, env, &e->task.task, &e->seq,
                                 e->why, sizeof e->why);
    if (rc == ERR_EXISTS) {
        e->duplicate = true;
        return;
    }
    if (rc == ERR_OK)
        rc = ingest_check_catalogue (self, ingest_cfg (self)->division, ev, env, true, e->why, sizeof e->why);
    //  The license file it names is here, whole (node/store/files.h).
    if (rc == ERR_OK)
        rc = files_check_event (ingest_store (self), ev, e->why, sizeof e->why);
    if (rc != ERR_OK) {
        e->code = rc;
        return;
    }
    //  Secret items' values stay here (proto/README.md section 10): the log entry,
    //  which travels upward, keeps only the other disclosures.
    size_t n_all = env->n_disclosures;
    uint8_t *secret = NULL;
    size_t secret_len = 0;
    rc = s_split_secret (self, ev, env, &secret, &secret_len);
    if (rc != ERR_OK) {
        e->code = rc;
        snprintf (e->why, sizeof e->why, "out of memory");
        return;
    }
    //  What is stored must fit what every level reads (CODEC_ENTRY_MAX).
    rc = codec_envelope_fits (env, e->why, sizeof e->why);
    if (rc != ERR_OK) {
        env->n_disclosures = n_all;
        free (secret);
        e->code = rc;
        return;
    }
    Lic__LogEntry entry;
    codec_entry_init (&entry);
    entry.seq = ingest_next_seq (self);
    entry.origin_division = (char *) ingest_cfg (self)->division;
    entry.origin_seq = entry.seq;
    entry.kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    entry.envelope = env;
    entry.received_at = e->received_at = (int64_t) time (NULL);
    rc = views_apply_event (ingest_views (self), ingest_batch (self), ingest_gen (self),
                            &entry, ev, &e->version, e->why, sizeof e->why);
    env->n_disclosures = n_all;         //  the request frees them all
    if (rc == ERR_OK && secret) {
        uint8_t key [8];
        store_put_u64 (key, entry.seq);
        store_batch_put (ingest_batch (self), STORE_CF_SECRET, key, sizeof key,
                         secret, secret_len);
    }
    free (secret);
    if (rc != ERR_OK) {
        e->code = rc;
        return;
    }
    e->seq = ingest_take_seq (self);
}

//  A publish's or a batch's turn: each event not refused at submit, in
//  order (a later one sees the earlier ones' state, as later requests
//  do).  A publish is refused with its event's code; a local failure
//  (>= ERR_IO) of any event refuses the job, and the open batch, whole.
static void
s_sequence_publish (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    s_publish_t *pub = (s_publish_t *) job;
    for (size_t i = 0; i < pub->n_events; i++) {
        s_event_t *e = &pub->events [i];
        if (e->code == ERR_OK)
            s_event_sequence (self, e);
        if (e->code != ERR_OK && (!pub->batch || e->code >= ERR_IO)) {
            ingest_job_fail (job, e->code, "%s", e->why);
            if (e->code >= ERR_IO)
                return;
        }
    }
    if (!pub->batch)
        job->seq = pub->one.seq;
}

//  Appends an entry of this node's own at the next seq: msg encoded by
//  its kind's row (proto/entrykind.h), signed with the node key, checked
//  to fit every reader (CODEC_ENTRY_MAX) if fits, applied to the views
//  by its kind (views_apply_body) and given its seq; else job fails with
//  "what: why".
static void
s_append_own (ingest_t *self, ingest_job_t *job, Lic__EntryKind kind, const void *msg,
              int64_t at, bool fits, const char *what)
{
    uint8_t *body = NULL;
    size_t len;
    int rc = entrykind_of (kind)->encode (msg, &body, &len);
    if (rc != ERR_OK) {
        ingest_job_fail (job, rc, "out of memory");
        return;
    }
    uint8_t sig [SEAL_SIG_BYTES];
    Lic__Envelope env;
    Lic__LogEntry entry;
    ingest_own_entry (self, kind, body, len, at, sig, &env, &entry);
    char why [sizeof job->why] = "";
    rc = fits? codec_envelope_fits (&env, why, sizeof why): ERR_OK;
    if (rc == ERR_OK)
        rc = views_apply_body (ingest_views (self), ingest_batch (self), ingest_gen (self), &entry,
                               msg, why, sizeof why);
    if (rc != ERR_OK)
        ingest_job_fail (job, rc, "%s: %s", what, why);
    else
        job->seq = ingest_take_seq (self);
    free (body);
}

static void
s_sequence_register (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    Lic__Department merged;
    char why [sizeof job->why] = "out of memory";
    //  Revoked signing keys, then revoked CURVE keys.
    ProtobufCBinaryData sign_buf [16], *rev_buf = calloc (2 * VIEWS_REVOKED_MAX, sizeof *rev_buf);
    int rc = rev_buf? views_merge_keys (ingest_views (self), job->req->register_->department, &merged,
                                        sign_buf, rev_buf, rev_buf + VIEWS_REVOKED_MAX,
                                        why, sizeof why): ERR_NOMEM;
    if (rc != ERR_OK) {
        free (rev_buf);
        ingest_job_fail (job, rc, "%s", why);
        return;
    }
    Lic__Registration reg;
    codec_registration_init (&reg);
    reg.division = (char *) ingest_cfg (self)->division;
    reg.department = &merged;
    reg.at = (int64_t) time (NULL);
    s_append_own (self, job, LIC__ENTRY_KIND__ENTRY_REGISTRATION, &reg, reg.at, true,
                  "registration could not be applied");
    free (rev_buf);
}

//  A type definition from the operator: the next version of its code.
static void
s_sequence_catalogue (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    Lic__LicenseType t = *job->req->catalogue->add;
    const Lic__LicenseType *cur = views_type (ingest_views (self), ingest_cfg (self)->division, t.type_code);
    t.version = cur? cur->version + 1: 1;
    t.division = (char *) ingest_cfg (self)->division;
    t.at = (int64_t) time (NULL);
    s_append_own (self, job, LIC__ENTRY_KIND__ENTRY_CATALOGUE, &t, t.at, true,
                  "catalogue entry could not be applied");
}

//  An application body registered by the operator (proto/README.md section 11).
static void
s_sequence_app_body (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    //  One key, one body: the key names the caller of every query and
    //  every audit record.  (Checked here, where earlier registrations
    //  in the pipeline are already applied.)
    const Lic__AppBody *add = job->req->app_body->add;
    const Lic__AppBody *holder = views_app_body_by_key (ingest_views (self), ingest_cfg (self)->division, add->curve_key.data);
    if (holder && strcmp (holder->credit_code, add->credit_code) != 0) {
        ingest_job_fail (job, ERR_BAD_FIELD, "this CURVE key already belongs to application body %s",
                         holder->credit_code);
        return;
    }
    //  Its earlier keys stay revoked, and the one replaced joins them.
    Lic__AppBody merged;
    char why [sizeof job->why] = "out of memory";
    ProtobufCBinaryData *rev_buf = calloc (VIEWS_REVOKED_MAX, sizeof *rev_buf);
    int rc = rev_buf? views_merge_app_keys (ingest_views (self), add, &merged, rev_buf, why, sizeof why)
                    : ERR_NOMEM;
    if (rc != ERR_OK) {
        free (rev_buf);
        ingest_job_fail (job, rc, "%s", why);
        return;
    }
    Lic__AppBodyRegistration reg;
    codec_app_body_registration_init (&reg);
    reg.division = (char *) ingest_cfg (self)->division;
    reg.body = &merged;
    reg.at = (int64_t) time (NULL);
    s_append_own (self, job, LIC__ENTRY_KIND__ENTRY_APP_BODY, &reg, reg.at, true,
                  "application body could not be registered");
    free (rev_buf);
}

//  The record of a query, signed by this node like every entry of its log
//  (the signature was made on the verifier pool).
static void
s_sequence_audit (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    s_audit_t *aj = (s_audit_t *) job;
    Lic__Envelope env;
    Lic__LogEntry entry;
    ingest_own_entry_signed (self, LIC__ENTRY_KIND__ENTRY_AUDIT, aj->audit_env.body.data,
                             aj->audit_env.body.len, aj->audit->at_ms / 1000,
                             job->task.task.sign_out, &env, &entry);
    char why [256] = "";
    //  As signed: the record names this node (ingest_submit_audit).
    char *given = aj->audit->division;
    aj->audit->division = (char *) ingest_cfg (self)->division;
    int rc = views_apply_audit (ingest_views (self), ingest_batch (self), ingest_gen (self), &entry,
                                aj->audit, why, sizeof why);
    aj->audit->division = given;
    if (rc != ERR_OK) {
        ingest_job_fail (job, rc, "the query could not be recorded, so it is not answered: %s", why);
        return;
    }
    job->seq = ingest_take_seq (self);
}

// ---------------------------------------------------------------------
//  Node records: a configured child's keys, or a revocation

//  The revocation record an operator's NodeRevokeRequest asks for, built
//  when it is sequenced, so that "after 0" is exactly the last origin seq
//  of the division applied before it (proto/authority.h).
static int
s_revocation (ingest_t *self, ingest_job_t *job)
{
    s_node_t *nj = (s_node_t *) job;
    const Lic__NodeRevokeRequest *r = job->req->node_revoke;
    if (!r || r->sign_key.len != 32 || !authority_level (r->division)) {
        ingest_job_fail (job, ERR_BAD_FIELD, "a revocation names a division (6 digits) and the "
                         "32-byte signing key revoked");
        return ERR_BAD_FIELD;
    }
    Lic__NodeRecord *rec = calloc (1, sizeof *rec);
    if (rec)
        codec_node_record_init (rec);
    if (!rec || !(rec->division = strdup (r->division))
    ||  !(rec->parent_division = strdup (ingest_cfg (self)->division))
    ||  !(rec->sign_key.data = malloc (32))) {
        codec_node_record_free (&rec);
        ingest_job_fail (job, ERR_NOMEM, "out of memory");
        return ERR_NOMEM;
    }
    memcpy (rec->sign_key.data, r->sign_key.data, 32);
    rec->sign_key.len = 32;
    rec->revocation = true;
    uint64_t held = views_origin_seq (ingest_views (self), r->division);
    //  What this node holds of the division: its mark, or the child's
    //  last announced head if larger (the downlink keeps it: FORMAT.md
    //  family 8).  The point may not lie beyond it (authority_node_revocation
    //  checks the record's division_head at every level).
    uint64_t head = 0;
    char hkey [32];
    uint8_t *v;
    size_t vl;
    snprintf (hkey, sizeof hkey, "%s/head", r->division);
    if (store_get (ingest_store (self), STORE_CF_CHILD, hkey, strlen (hkey), &v, &vl) == ERR_OK) {
        if (vl == 8)
            head = store_get_u64 (v);
        free (v);
    }
    rec->division_head = head > held? head: held;
    rec->revoked_after = r->after? r->after: held;
    rec->at = (int64_t) time (NULL);
    nj->node = rec;
    if (rec->revoked_after > rec->division_head) {
        ingest_job_fail (job, ERR_BAD_FIELD, "revocation of %s after origin seq %" PRIu64 ": "
                         "this node holds its entries up to origin seq %" PRIu64 ", and it last "
                         "announced head %" PRIu64 "; a point beyond what the parent holds would "
                         "let the stolen key sign entries that stand: give --after %" PRIu64
                         " or less", rec->division, rec->revoked_after, held, head,
                         rec->division_head);
        return ERR_BAD_FIELD;
    }
    snprintf (job->why, sizeof job->why, "statements of %s signed by that key in its entries after "
              "origin seq %" PRIu64 " are void (this node holds its entries up to %" PRIu64 ")",
              rec->division, rec->revoked_after, held);
    return ERR_OK;
}

static void
s_sequence_node (ingest_t *self, ingest_job_t *job)
{
    s_node_t *nj = (s_node_t *) job;
    if (job->code != ERR_OK)
        return;
    if (!nj->node && s_revocation (self, job) != ERR_OK)
        return;
    s_append_own (self, job, LIC__ENTRY_KIND__ENTRY_NODE, nj->node, nj->node->at, false,
                  "node record could not be applied");
}

// ---------------------------------------------------------------------
//  Answers

//  A reply to job's request: its id and code, the message if refused;
//  NULL if out of memory.  The server packs it and frees it with
//  codec_reply_free, which frees every pointer member: all of them are
//  malloc'd.
static Lic__Reply *
s_reply_new (ingest_job_t *job)
{
    Lic__Reply *reply = calloc (1, sizeof *reply);
    if (!reply)
        return NULL;
    codec_reply_init (reply);
    reply->id = job->req? job->req->id: 0;
    reply->code = job->code;
    if (job->code != ERR_OK)
        reply->message = strdup (job->why);
    return reply;
}

static void
s_send (ingest_t *self, ingest_job_t *job, Lic__Reply **reply_p, const Lic__Department *dept)
{
    ingest_send_reply (self, &job->route, reply_p, dept);
    codec_reply_free (reply_p);
}

//  Counts one event's answer (code: its own, or the job's refusal).
static void
s_event_count (ingest_t *self, const s_event_t *e, int code)
{
    ingest_stats_t *stats = ingest_counters (self);
    if (code != ERR_OK) {
        stats->rejected++;
        if (code >= 0 && code <= ERR_INTERNAL)
            stats->rejected_by_code [code]++;
    }
    else
    if (e->duplicate)
        stats->duplicates++;
    else {
        stats->published++;
        //  Durable: counted once for the same-day rule (node/serve/lateness.h).
        lateness_committed (e->task.task.ev, ingest_cfg (self)->division, e->received_at);
    }
}

//  A batch's results, one per event in order; NULL if out of memory.
static Lic__PublishBatchResult *
s_batch_result (const s_publish_t *pub)
{
    Lic__PublishBatchResult *res = calloc (1, sizeof *res);
    Lic__PublishItem **items = calloc (pub->n_events, sizeof *items);
    if (!res || !items) {
        free (res);
        free (items);
        return NULL;
    }
    lic__publish_batch_result__init (res);
    res->results = items;
    for (size_t i = 0; i < pub->n_events; i++) {
        const s_event_t *e = &pub->events [i];
        Lic__PublishItem *item = calloc (1, sizeof *item);
        char *message = item && e->code != ERR_OK? strdup (e->why): NULL;
        if (!item || (e->code != ERR_OK && !message)) {
            free (item);
            for (size_t j = 0; j < res->n_results; j++) {
                if (items [j]->code != ERR_OK)
                    free (items [j]->message);
                free (items [j]);
            }
            free (items);
            free (res);
            return NULL;
        }
        lic__publish_item__init (item);
        item->code = e->code;
        if (message)
            item->message = message;
        if (e->code == ERR_OK) {
            item->seq = e->seq;
            item->duplicate = e->duplicate;
            item->license_version = e->version;
        }
        items [res->n_results++] = item;
    }
    return res;
}

static void
s_answer_publish (ingest_t *self, ingest_job_t *job)
{
    s_publish_t *pub = (s_publish_t *) job;
    Lic__Reply *reply = s_reply_new (job);
    if (!reply)
        return;
    ingest_counters (self)->publish_frames++;
    for (size_t i = 0; i < pub->n_events; i++)
        s_event_count (self, &pub->events [i], job->code != ERR_OK? job->code: pub->events [i].code);
    if (pub->n_events == 0)             //  a batch refused whole at submit
        s_event_count (self, &pub->one, job->code);
    if (job->code == ERR_OK && pub->batch) {
        reply->published_batch = s_batch_result (pub);
        if (reply->published_batch)
            reply->body_case = LIC__REPLY__BODY_PUBLISHED_BATCH;
        else {
            reply->code = ERR_NOMEM;
            reply->message = strdup ("out of memory: the events' results could not be "
                                     "built; sending the same batch again is safe");
        }
    }
    else
    if (job->code == ERR_OK) {
        Lic__PublishResult *res = calloc (1, sizeof *res);
        if (res) {
            lic__publish_result__init (res);
            res->seq = pub->one.seq;
            res->duplicate = pub->one.duplicate;
            res->license_version = pub->one.version;
            reply->body_case = LIC__REPLY__BODY_PUBLISHED;
            reply->published = res;
        }
    }
    s_send (self, job, &reply, NULL);
}

static void
s_answer_register (ingest_t *self, ingest_job_t *job)
{
    Lic__Reply *reply = s_reply_new (job);
    if (!reply)
        return;
    const Lic__Department *dept = NULL;
    if (job->code == ERR_OK) {
        Lic__RegisterResult *res = calloc (1, sizeof *res);
        if (res) {
            lic__register_result__init (res);
            res->seq = job->seq;
            reply->body_case = LIC__REPLY__BODY_REGISTERED;
            reply->registered = res;
        }
        dept = views_department (ingest_views (self), ingest_cfg (self)->division,
                                 job->req->register_->department->credit_code);
    }
    s_send (self, job, &reply, dept);
}

static void
s_answer_catalogue (ingest_t *self, ingest_job_t *job)
{
    Lic__Reply *reply = s_reply_new (job);
    if (!reply)
        return;
    if (job->code == ERR_OK) {
        Lic__CatalogueResult *res = calloc (1, sizeof *res);
        Lic__LicenseType **types = calloc (1, sizeof *types);
        const Lic__LicenseType *t = views_type (ingest_views (self), ingest_cfg (self)->division,
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
    s_send (self, job, &reply, NULL);
}

static void
s_answer_app_body (ingest_t *self, ingest_job_t *job)
{
    Lic__Reply *reply = s_reply_new (job);
    if (!reply)
        return;
    if (job->code == ERR_OK) {
        Lic__AppBodyResult *res = calloc (1, sizeof *res);
        if (res) {
            lic__app_body_result__init (res);
            res->seq = job->seq;
            reply->body_case = LIC__REPLY__BODY_APP_BODY;
            reply->app_body = res;
        }
    }
    s_send (self, job, &reply, NULL);
}

static void
s_answer_audit (ingest_t *self, ingest_job_t *job)
{
    s_audit_t *aj = (s_audit_t *) job;
    if (!job->route) {
        //  An aggregated record: nobody waits for it, and the requests
        //  it counts were answered; its loss is the operator's to see.
        if (job->code != ERR_OK)
            logfmt_msgf (LOGFMT_ERROR, "aggregated audit record of %u refused requests not "
                         "written: %s", (unsigned) aj->audit->count, job->why);
        return;
    }
    //  No answer leaves without its durable record: a failed write
    //  replaces the answer by the refusal.
    if (job->code != ERR_OK) {
        //  An audit job carries no request: the answer has its id.
        uint64_t id = aj->answer? aj->answer->id: 0;
        codec_reply_free (&aj->answer);
        aj->answer = calloc (1, sizeof *aj->answer);
        if (aj->answer) {
            codec_reply_init (aj->answer);
            aj->answer->id = id;
            aj->answer->code = job->code;
            aj->answer->message = strdup (job->why);
        }
    }
    else
    if (aj->answer->body_case == LIC__REPLY__BODY_QUERY)
        aj->answer->query->audit_seq = job->seq;
    if (aj->answer)
        ingest_send_audit (self, aj->channel, &job->route, &aj->answer);
}

static void
s_answer_node (ingest_t *self, ingest_job_t *job)
{
    s_node_t *nj = (s_node_t *) job;
    if (!job->route) {
        //  A configured child's record: nobody waits for it.
        if (job->code != ERR_OK)
            logfmt_msgf (LOGFMT_ERROR, "node record for %s not written: %s",
                         nj->node? nj->node->division: "?", job->why);
        return;
    }
    Lic__Reply *reply = s_reply_new (job);
    if (!reply)
        return;
    if (job->code == ERR_OK) {
        Lic__RegisterResult *res = calloc (1, sizeof *res);
        if (res) {
            lic__register_result__init (res);
            res->seq = job->seq;
            reply->body_case = LIC__REPLY__BODY_REGISTERED;
            reply->registered = res;
        }
        reply->message = strdup (job->why);     //  a revocation: the point it states
    }
    s_send (self, job, &reply, NULL);
}

static void
s_destroy_audit (ingest_job_t *job)
{
    s_audit_t *aj = (s_audit_t *) job;
    codec_audit_record_free (&aj->audit);
    free (aj->audit_body);
    codec_reply_free (&aj->answer);
}

static void
s_destroy_node (ingest_job_t *job)
{
    codec_node_record_free (&((s_node_t *) job)->node);
}

// ---------------------------------------------------------------------
//  The rows

static void
s_destroy_publish (ingest_job_t *job)
{
    s_publish_t *pub = (s_publish_t *) job;
    for (size_t i = 0; i < pub->n_events; i++)
        codec_event_free (&pub->events [i].task.task.ev);
    if (pub->events != &pub->one)
        free (pub->events);
}

static const ingest_ops_t s_publish_ops = {
    "publish", s_sequence_publish, NULL, s_answer_publish, s_destroy_publish
};
static const ingest_ops_t s_register_ops = {
    "registration", s_sequence_register, NULL, s_answer_register, NULL
};
static const ingest_ops_t s_catalogue_ops = {
    "catalogue", s_sequence_catalogue, NULL, s_answer_catalogue, NULL
};
static const ingest_ops_t s_app_body_ops = {
    "application body", s_sequence_app_body, NULL, s_answer_app_body, NULL
};
static const ingest_ops_t s_audit_ops = {
    "audit record", s_sequence_audit, NULL, s_answer_audit, s_destroy_audit
};
static const ingest_ops_t s_node_ops = {
    "node record", s_sequence_node, NULL, s_answer_node, s_destroy_node
};

//  At submit, an event's envelope form and its signer; false (e refused)
//  if either fails.
static bool
s_event_admit (ingest_t *self, s_event_t *e)
{
    const Lic__Envelope *env = e->env;
    const Lic__Department *dept;
    int rc;
    if (!env || env->key_id.len != SEAL_PUBLIC_BYTES || env->signature.len != SEAL_SIG_BYTES
    ||  env->body.len == 0) {
        e->code = ERR_MALFORMED;
        snprintf (e->why, sizeof e->why, "envelope needs a 32-byte key_id, a 64-byte signature "
                  "and a body (got %zu, %zu, %zu bytes)", env? env->key_id.len: 0,
                  env? env->signature.len: 0, env? env->body.len: 0);
        return false;
    }
    if ((rc = views_signer (ingest_views (self), ingest_cfg (self)->division, env->key_id.data,
                            &dept)) != ERR_OK) {
        char hex [65];
        seal_hex (hex, env->key_id.data, 32);
        e->code = rc;
        snprintf (e->why, sizeof e->why, "signing key %s is %s", hex,
                  rc == ERR_KEY_REVOKED? "revoked": "not registered at this node");
        return false;
    }
    return true;
}

//  A publish or a batch: each envelope's form and its signer at submit
//  (s_event_admit); the signatures and bodies of those admitted on the
//  verifier pool.  A batch of no event, or of more than
//  CODEC_PUBLISH_BATCH_MAX, is refused whole.
static void
s_submit_publish (ingest_t *self, ingest_job_t *job)
{
    s_publish_t *pub = (s_publish_t *) job;
    if (job->req->body_case == LIC__REQUEST__BODY_PUBLISH_BATCH) {
        const Lic__PublishBatch *b = job->req->publish_batch;
        pub->batch = true;
        if (b->n_events == 0 || b->n_events > CODEC_PUBLISH_BATCH_MAX) {
            ingest_job_fail (job, b->n_events? ERR_TOO_LARGE: ERR_MALFORMED,
                             "a batch carries 1 to %d events (got %zu): nothing was stored",
                             CODEC_PUBLISH_BATCH_MAX, b->n_events);
            job->ready = true;
            return;
        }
        pub->events = calloc (b->n_events, sizeof *pub->events);
        if (!pub->events) {
            ingest_job_fail (job, ERR_NOMEM, "out of memory: nothing was stored");
            job->ready = true;
            return;
        }
        ingest_charge (self, job, b->n_events * sizeof *pub->events);
        pub->n_events = b->n_events;
        for (size_t i = 0; i < b->n_events; i++)
            pub->events [i].env = b->events [i];
    }
    else {
        pub->events = &pub->one;
        pub->n_events = 1;
        pub->one.env = job->req->publish;
    }
    size_t admitted = 0;
    for (size_t i = 0; i < pub->n_events; i++)
        if (s_event_admit (self, &pub->events [i]))
            admitted++;
    if (!pub->batch && pub->one.code != ERR_OK)
        ingest_job_fail (job, pub->one.code, "%s", pub->one.why);
    //  Counted before the first is queued: a verifier that stops answers
    //  them at once.
    job->unverified = admitted;
    for (size_t i = 0; i < pub->n_events; i++) {
        s_event_t *e = &pub->events [i];
        if (e->code != ERR_OK)
            continue;
        //  The verifier decodes the body: charged its budget until then.
        e->task.ev_charge = codec_event_budget (e->env->body.len);
        ingest_charge (self, job, e->task.ev_charge);
        e->task.task.env = e->env;
        ingest_queue_task (self, job, &e->task);
    }
    if (admitted == 0)
        job->ready = true;
}

//  The kind of job of each request ingest_submit takes (a request of
//  another kind is taken as a publish, as it always was), and what is
//  done with it at submit (NULL: nothing, it is ready).
static const struct {
    Lic__Request__BodyCase body;
    const ingest_ops_t *ops;
    size_t size;
    void (*submit) (ingest_t *self, ingest_job_t *job);
} s_requests [] = {
    { LIC__REQUEST__BODY_PUBLISH, &s_publish_ops, sizeof (s_publish_t), s_submit_publish },
    { LIC__REQUEST__BODY_PUBLISH_BATCH, &s_publish_ops, sizeof (s_publish_t), s_submit_publish },
    { LIC__REQUEST__BODY_REGISTER, &s_register_ops, sizeof (ingest_job_t), NULL },
    { LIC__REQUEST__BODY_CATALOGUE, &s_catalogue_ops, sizeof (ingest_job_t), NULL },
    { LIC__REQUEST__BODY_APP_BODY, &s_app_body_ops, sizeof (ingest_job_t), NULL },
    { LIC__REQUEST__BODY_NODE_REVOKE, &s_node_ops, sizeof (s_node_t), NULL },
};
#define S_REQUESTS (sizeof s_requests / sizeof s_requests [0])

// ---------------------------------------------------------------------
//  Submitting

void
ingest_submit (ingest_t *self, zframe_t **route_p, Lic__Request **req_p)
{
    size_t row = 0;             //  a publish unless another row names it
    for (size_t i = 0; i < S_REQUESTS; i++)
        if (s_requests [i].body == (*req_p)->body_case)
            row = i;
    ingest_job_t *job = ingest_job_new (self, s_requests [row].ops, s_requests [row].size);
    if (!job) {
        zframe_destroy (route_p);
        codec_request_free (req_p);
        return;
    }
    job->route = *route_p;
    job->req = *req_p;
    *route_p = NULL;
    *req_p = NULL;
    ingest_charge (self, job, s_requests [row].size + codec_heap (&job->req->base));
    if (s_requests [row].submit)
        s_requests [row].submit (self, job);
    else
        job->ready = true;
}

void
ingest_submit_audit (ingest_t *self, int channel, zframe_t **route_p,
                     Lic__AuditRecord **rec_p, Lic__Reply **answer_p)
{
    ingest_job_t *job = ingest_job_new (self, &s_audit_ops, sizeof (s_audit_t));
    if (!job) {
        if (route_p)
            zframe_destroy (route_p);
        codec_audit_record_free (rec_p);
        codec_reply_free (answer_p);
        return;
    }
    s_audit_t *aj = (s_audit_t *) job;
    aj->channel = channel;
    job->route = route_p? *route_p: NULL;
    aj->audit = *rec_p;
    aj->answer = answer_p? *answer_p: NULL;
    ingest_charge_answer (self, job, aj->answer? codec_reply_size (aj->answer): 0);
    ingest_charge (self, job, sizeof *aj + codec_heap (&aj->audit->base));
    if (route_p)
        *route_p = NULL;
    *rec_p = NULL;
    if (answer_p)
        *answer_p = NULL;
    //  The node names itself in the record; the body is final now, so it
    //  is signed on the verifier pool while the sequencer does the rest.
    char *given = aj->audit->division;
    aj->audit->division = (char *) ingest_cfg (self)->division;
    size_t len;
    int rc = codec_audit_record_encode (aj->audit, &aj->audit_body, &len);
    aj->audit->division = given;
    if (rc == ERR_OK)
        ingest_charge (self, job, len);
    if (rc != ERR_OK) {
        ingest_job_fail (job, ERR_NOMEM, "out of memory: the query was not recorded, so not answered");
        job->ready = true;
        return;
    }
    codec_envelope_init (&aj->audit_env);
    aj->audit_env.body.data = aj->audit_body;
    aj->audit_env.body.len = len;
    job->task.task.env = &aj->audit_env;
    job->task.task.sign_sk = ingest_cfg (self)->sign_sk;
    job->unverified = 1;
    ingest_queue_task (self, job, &job->task);
}

void
ingest_submit_node (ingest_t *self, const char *division, const uint8_t sign_pk [32],
                    const uint8_t curve_pk [32], const uint8_t *replaces)
{
    ingest_job_t *job = ingest_job_new (self, &s_node_ops, sizeof (s_node_t));
    Lic__NodeRecord *rec = job? calloc (1, sizeof *rec): NULL;
    uint8_t *keys = rec? malloc (64): NULL;
    char *div = keys? strdup (division): NULL;
    char *parent = div? strdup (ingest_cfg (self)->division): NULL;
    if (!parent) {
        free (div);
        free (keys);
        free (rec);
        if (job) {
            ingest_job_fail (job, ERR_NOMEM, "out of memory");
            job->ready = true;
        }
        return;
    }
    //  Built with malloc'd members so that codec_node_record_free frees it.
    codec_node_record_init (rec);
    memcpy (keys, sign_pk, 32);
    rec->sign_key.data = keys;
    rec->sign_key.len = 32;
    rec->curve_key.data = malloc (32);
    if (rec->curve_key.data) {
        memcpy (rec->curve_key.data, curve_pk, 32);
        rec->curve_key.len = 32;
    }
    if (replaces && (rec->replaces_key.data = malloc (32)) != NULL) {
        memcpy (rec->replaces_key.data, replaces, 32);
        rec->replaces_key.len = 32;
    }
    rec->division = div;
    rec->parent_division = parent;
    rec->at = (int64_t) time (NULL);
    ((s_node_t *) job)->node = rec;
    ingest_charge (self, job, sizeof (s_node_t) + codec_heap (&rec->base));
    job->ready = true;
}
