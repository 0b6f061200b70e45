/*  ingest_requests.c -- the jobs of requests made at this node: a
    department's publish and registration, the operator's catalogue and
    application body entries, the record of a query (see ingest.h; the
    order of the checks in proto/README.md section 4).
*/
#include <time.h>
#include "node/daemon/logfmt.h"
#include "proto/codec.h"
#include "proto/lifecycle.h"
#include "proto/seal.h"
#include "proto/catalogue.h"
#include "proto/disclose.h"
#include "node/pipeline/ingest_int.h"

//  The checks of a signed event after its signature was verified (in the
//  order of issue 2 item 6).  With dup_seq, a duplicate (same key, same
//  body) is recognised first: returns ERR_EXISTS with *dup_seq set.
//  Returns ERR_OK or the refusal, why saying more.
//  A predecessor issued by a department registered at the origin is in the
//  origin's own view, so it must exist there (and at every level, which
//  applies the origin's entries in its order); one issued elsewhere may
//  not be known here and is checked for form only (evcheck).
static int
s_check_predecessor (ingest_t *self, const char *division, const Lic__Event *ev,
                     char *why, size_t why_size)
{
    const char *pred = ev->content? ev->content->predecessor_id: NULL;
    licid_t id;
    if (!pred || !*pred || licid_parse (pred, &id, NULL, 0) != ERR_OK
    ||  !views_department (self->views, division, id.issuer))
        return ERR_OK;
    uint8_t *state = NULL;
    size_t len;
    int rc = views_license (self->views, id.bare, &state, &len);
    free (state);
    if (rc == ERR_NOT_FOUND)
        snprintf (why, why_size, "predecessor %s was issued by department %s of node %s but "
                  "does not exist there", id.bare, id.issuer, division);
    return rc;
}

int
ingest_check_event (ingest_t *self, const char *division, const Lic__Envelope *env,
                    const verify_task_t *t, uint64_t *dup_seq, char *why, size_t why_size)
{
    const Lic__Department *dept;
    char hex [65];
    int rc = views_signer (self->views, division, env->key_id.data, &dept);
    if (rc != ERR_OK) {
        seal_hex (hex, env->key_id.data, 32);
        snprintf (why, why_size, "signing key %s is %s %s", hex,
                  rc == ERR_KEY_REVOKED? "revoked at": "not registered at", division);
        return rc;
    }
    if (t->sig_rc != ERR_OK) {
        snprintf (why, why_size, "signature does not verify against key of department %s",
                  dept->credit_code);
        return ERR_BAD_SIGNATURE;
    }
    if (t->decode_rc != ERR_OK) {
        snprintf (why, why_size, "event body does not decode as lic.Event (%s)",
                  err_str (t->decode_rc));
        return t->decode_rc;
    }
    const Lic__Event *ev = t->ev;
    if (dup_seq) {
        uint8_t dkey [VIEWS_DEDUP_BYTES];
        views_dedup_key (dkey, env);
        if (views_find_duplicate (self->views, dkey, dup_seq) == ERR_OK)
            return ERR_EXISTS;
    }
    licid_t id;
    if (licid_parse (ev->license_id, &id, NULL, 0) == ERR_OK
    &&  !views_type_allowed (dept, id.type_code)) {
        snprintf (why, why_size, "department %s may not issue license type %s",
                  dept->credit_code, id.type_code);
        return ERR_TYPE_NOT_ALLOWED;
    }
    if (t->check_rc != ERR_OK) {
        snprintf (why, why_size, "%s", t->check_why);
        return t->check_rc;
    }
    if (strcmp (ev->license_id, t->id.bare) != 0) {
        snprintf (why, why_size, "event bodies carry the bare license id %s", t->id.bare);
        return ERR_BAD_LICENSE_ID;
    }
    if (strcmp (ev->issuer_code, dept->credit_code) != 0) {
        snprintf (why, why_size, "event names issuer %s but is signed by department %s",
                  ev->issuer_code, dept->credit_code);
        return ERR_ISSUER_MISMATCH;
    }
    return s_check_predecessor (self, division, ev, why, why_size);
}

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
    const Lic__LicenseType *t = views_type (self->views, self->cfg.division, ev->license_id);
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

void
ingest_sequence_publish (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    const Lic__Envelope *env = job->req->publish;
    int rc = ingest_check_event (self, self->cfg.division, env, &job->task, &job->seq, job->why, sizeof job->why);
    if (rc == ERR_EXISTS) {
        job->duplicate = true;
        return;
    }
    if (rc == ERR_OK)
        rc = ingest_check_catalogue (self, self->cfg.division, job->task.ev, env, true, job->why, sizeof job->why);
    if (rc != ERR_OK) {
        job->code = rc;
        return;
    }
    //  Secret items' values stay here (issue 5 item 3): the log entry,
    //  which travels upward, keeps only the other disclosures.
    Lic__Envelope *own = job->req->publish;
    size_t n_all = own->n_disclosures;
    uint8_t *secret = NULL;
    size_t secret_len = 0;
    rc = s_split_secret (self, job->task.ev, own, &secret, &secret_len);
    if (rc != ERR_OK) {
        ingest_job_fail (job, rc, "out of memory");
        return;
    }
    //  What is stored must fit what every level reads (CODEC_ENTRY_MAX).
    rc = codec_envelope_fits (env, job->why, sizeof job->why);
    if (rc != ERR_OK) {
        own->n_disclosures = n_all;
        free (secret);
        job->code = rc;
        return;
    }
    Lic__LogEntry entry;
    codec_entry_init (&entry);
    entry.seq = self->next_seq;
    entry.origin_division = (char *) self->cfg.division;
    entry.origin_seq = entry.seq;
    entry.kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    entry.envelope = (Lic__Envelope *) env;
    entry.received_at = (int64_t) time (NULL);
    rc = views_apply_event (self->views, self->building->batch, self->building->gen,
                            &entry, job->task.ev, &job->version, job->why, sizeof job->why);
    own->n_disclosures = n_all;         //  the request frees them all
    if (rc == ERR_OK && secret) {
        uint8_t key [8];
        store_put_u64 (key, entry.seq);
        store_batch_put (self->building->batch, STORE_CF_SECRET, key, sizeof key,
                         secret, secret_len);
    }
    free (secret);
    if (rc != ERR_OK) {
        job->code = rc;
        return;
    }
    job->seq = self->next_seq++;
    self->building->last_seq = job->seq;
}

void
ingest_sequence_register (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    Lic__Department merged;
    char why [sizeof job->why] = "out of memory";
    //  Revoked signing keys, then revoked CURVE keys.
    ProtobufCBinaryData sign_buf [16], *rev_buf = calloc (2 * VIEWS_REVOKED_MAX, sizeof *rev_buf);
    int rc = rev_buf? views_merge_keys (self->views, job->req->register_->department, &merged,
                                        sign_buf, rev_buf, rev_buf + VIEWS_REVOKED_MAX,
                                        why, sizeof why): ERR_NOMEM;
    if (rc != ERR_OK) {
        free (rev_buf);
        ingest_job_fail (job, rc, "%s", why);
        return;
    }
    Lic__Registration reg;
    codec_registration_init (&reg);
    reg.division = (char *) self->cfg.division;
    reg.department = &merged;
    reg.at = (int64_t) time (NULL);
    uint8_t *body = NULL, sig [SEAL_SIG_BYTES];
    size_t body_len;
    rc = codec_registration_encode (&reg, &body, &body_len);
    if (rc != ERR_OK) {
        free (rev_buf);
        ingest_job_fail (job, rc, "out of memory");
        return;
    }
    Lic__Envelope env;
    Lic__LogEntry entry;
    ingest_own_entry (self, LIC__ENTRY_KIND__ENTRY_REGISTRATION, body, body_len, reg.at,
                      sig, &env, &entry);
    //  The node's own entries fit every reader too (CODEC_ENTRY_MAX).
    rc = codec_envelope_fits (&env, why, sizeof why);
    if (rc == ERR_OK)
        rc = views_apply_registration (self->views, self->building->batch, self->building->gen,
                                       &entry, &reg, why, sizeof why);
    free (body);
    free (rev_buf);
    if (rc != ERR_OK) {
        ingest_job_fail (job, rc, "registration could not be applied: %s", why);
        return;
    }
    job->seq = self->next_seq++;
    self->building->last_seq = job->seq;
}

int
ingest_check_catalogue (ingest_t *self, const char *origin, const Lic__Event *ev,
                        const Lic__Envelope *env, bool need_values, char *why, size_t why_size)
{
    if (ev->op != LIC__OP__OP_ISSUE && ev->op != LIC__OP__OP_ALTER)
        return disclose_check (NULL, ev->content, env->disclosures, env->n_disclosures,
                               need_values, why, why_size);
    const Lic__LicenseType *t = views_type (self->views, origin, ev->license_id);
    if (!t) {
        snprintf (why, why_size, "license type %.21s is not in the catalogue of node %s",
                  ev->license_id, origin);
        return ERR_UNKNOWN_TYPE;
    }
    if (t->withdrawn) {
        snprintf (why, why_size, "license type %s version %u is withdrawn", t->type_code, t->version);
        return ERR_UNKNOWN_TYPE;
    }
    int rc = disclose_check (t, ev->content, env->disclosures, env->n_disclosures,
                             need_values, why, why_size);
    if (rc == ERR_OK)
        rc = catalogue_check_disclosed (t, ev->content, env->disclosures,
                                        env->n_disclosures, why, why_size);
    return rc;
}

//  A type definition from the operator: the next version of its code.
void
ingest_sequence_catalogue (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    Lic__LicenseType t = *job->req->catalogue->add;
    const Lic__LicenseType *cur = views_type (self->views, self->cfg.division, t.type_code);
    t.version = cur? cur->version + 1: 1;
    t.division = (char *) self->cfg.division;
    t.at = (int64_t) time (NULL);
    uint8_t *body = NULL, sig [SEAL_SIG_BYTES];
    size_t len;
    int rc = codec_license_type_encode (&t, &body, &len);
    if (rc != ERR_OK) {
        ingest_job_fail (job, rc, "out of memory");
        return;
    }
    Lic__Envelope env;
    Lic__LogEntry entry;
    ingest_own_entry (self, LIC__ENTRY_KIND__ENTRY_CATALOGUE, body, len, t.at, sig, &env, &entry);
    char why [256] = "";
    rc = codec_envelope_fits (&env, why, sizeof why);
    if (rc == ERR_OK)
        rc = views_apply_catalogue (self->views, self->building->batch, self->building->gen, &entry,
                                    &t, why, sizeof why);
    free (body);
    if (rc != ERR_OK) {
        ingest_job_fail (job, rc, "catalogue entry could not be applied: %s", why);
        return;
    }
    job->seq = self->next_seq++;
    self->building->last_seq = job->seq;
}

//  An application body registered by the operator (issue 5 item 1).
void
ingest_sequence_app_body (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    //  One key, one body: the key names the caller of every query and
    //  every audit record.  (Checked here, where earlier registrations
    //  in the pipeline are already applied.)
    const Lic__AppBody *add = job->req->app_body->add;
    const Lic__AppBody *holder = views_app_body_by_key (self->views, self->cfg.division, add->curve_key.data);
    if (holder && strcmp (holder->credit_code, add->credit_code) != 0) {
        ingest_job_fail (job, ERR_BAD_FIELD, "this CURVE key already belongs to application body %s",
                         holder->credit_code);
        return;
    }
    //  Its earlier keys stay revoked, and the one replaced joins them.
    Lic__AppBody merged;
    char why [sizeof job->why] = "out of memory";
    ProtobufCBinaryData *rev_buf = calloc (VIEWS_REVOKED_MAX, sizeof *rev_buf);
    int rc = rev_buf? views_merge_app_keys (self->views, add, &merged, rev_buf, why, sizeof why)
                    : ERR_NOMEM;
    if (rc != ERR_OK) {
        free (rev_buf);
        ingest_job_fail (job, rc, "%s", why);
        return;
    }
    Lic__AppBodyRegistration reg;
    codec_app_body_registration_init (&reg);
    reg.division = (char *) self->cfg.division;
    reg.body = &merged;
    reg.at = (int64_t) time (NULL);
    uint8_t *body = NULL, sig [SEAL_SIG_BYTES];
    size_t len;
    rc = codec_app_body_registration_encode (&reg, &body, &len);
    if (rc != ERR_OK) {
        free (rev_buf);
        ingest_job_fail (job, ERR_NOMEM, "out of memory");
        return;
    }
    Lic__Envelope env;
    Lic__LogEntry entry;
    ingest_own_entry (self, LIC__ENTRY_KIND__ENTRY_APP_BODY, body, len, reg.at, sig, &env, &entry);
    rc = codec_envelope_fits (&env, why, sizeof why);
    if (rc == ERR_OK)
        rc = views_apply_app_body (self->views, self->building->batch, self->building->gen, &entry,
                                   &reg, why, sizeof why);
    free (body);
    free (rev_buf);
    if (rc != ERR_OK) {
        ingest_job_fail (job, rc, "application body could not be registered: %s", why);
        return;
    }
    job->seq = self->next_seq++;
    self->building->last_seq = job->seq;
}

//  The record of a query, signed by this node like every entry of its log
//  (the signature was made on the verifier pool).
void
ingest_sequence_audit (ingest_t *self, ingest_job_t *job)
{
    if (job->code != ERR_OK)
        return;
    Lic__Envelope env;
    Lic__LogEntry entry;
    ingest_own_entry_signed (self, LIC__ENTRY_KIND__ENTRY_AUDIT, job->audit_env.body.data,
                             job->audit_env.body.len, job->audit->at_ms / 1000,
                             job->task.sign_out, &env, &entry);
    char why [256] = "";
    //  As signed: the record names this node (ingest_submit_audit).
    char *given = job->audit->division;
    job->audit->division = (char *) self->cfg.division;
    int rc = views_apply_audit (self->views, self->building->batch, self->building->gen, &entry,
                                job->audit, why, sizeof why);
    job->audit->division = given;
    if (rc != ERR_OK) {
        ingest_job_fail (job, rc, "the query could not be recorded, so it is not answered: %s", why);
        return;
    }
    job->seq = self->next_seq++;
    self->building->last_seq = job->seq;
}

void
ingest_submit_audit (ingest_t *self, int channel, zframe_t **route_p,
                     Lic__AuditRecord **rec_p, Lic__Reply **answer_p)
{
    ingest_job_t *job = ingest_job_new (self, JOB_AUDIT);
    if (!job) {
        if (route_p)
            zframe_destroy (route_p);
        codec_audit_record_free (rec_p);
        codec_reply_free (answer_p);
        return;
    }
    job->channel = channel;
    job->route = route_p? *route_p: NULL;
    job->audit = *rec_p;
    job->answer = answer_p? *answer_p: NULL;
    job->answer_bytes = job->answer? codec_reply_size (job->answer): 0;
    self->answers_inflight += job->answer_bytes;
    ingest_charge (self, job, sizeof *job + codec_heap (&job->audit->base));
    if (route_p)
        *route_p = NULL;
    *rec_p = NULL;
    if (answer_p)
        *answer_p = NULL;
    //  The node names itself in the record; the body is final now, so it
    //  is signed on the verifier pool while the sequencer does the rest.
    char *given = job->audit->division;
    job->audit->division = (char *) self->cfg.division;
    size_t len;
    int rc = codec_audit_record_encode (job->audit, &job->audit_body, &len);
    job->audit->division = given;
    if (rc == ERR_OK)
        ingest_charge (self, job, len);
    if (rc != ERR_OK) {
        ingest_job_fail (job, ERR_NOMEM, "out of memory: the query was not recorded, so not answered");
        job->ready = true;
        return;
    }
    codec_envelope_init (&job->audit_env);
    job->audit_env.body.data = job->audit_body;
    job->audit_env.body.len = len;
    job->task.env = &job->audit_env;
    job->task.sign_sk = self->cfg.sign_sk;
    ingest_queue_task (self, &job->task);
}
