/*  admin.c -- the operator's requests on the client socket: reads of
    licenses, holders and the log, digests and proofs, backups, reports,
    the quarantine and audit listings, and the checks made before a
    department or an application body is registered.
*/
#include <time.h>
#include "node/base/logfmt.h"
#include "node/ops/backup.h"
#include "node/store/files.h"
#include "node/serve/admin.h"
#include "node/pipeline/lateness.h"
#include "node/serve/quarantine.h"
#include "node/store/proofs.h"
#include "proto/catalogue.h"
#include "proto/licid.h"
#include "proto/lifecycle.h"
#include "proto/seal.h"

#define SERVER_FIND_MAX 1000        //  licenses in one find reply
#define SERVER_LOG_MAX  1000        //  entries in one log reply
#define SERVER_HISTORY_MAX 1000     //  events in one history

static void
s_collect_body (void *arg, const Lic__AppBody *b)
{
    Lic__AppBodyResult *res = (Lic__AppBodyResult *) arg;
    if (res->n_bodies < 4096)
        res->bodies [res->n_bodies++] = (Lic__AppBody *) b;
}

//  Registers an application body, after the checks of its fields.
void
admin_on_app_body_add (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    const Lic__AppBody *add = req->app_body->add;
    char why [256];
    int rc;
    bool keys_ok = add->n_revoked_keys <= VIEWS_REVOKED_MAX;
    for (size_t i = 0; keys_ok && i < add->n_revoked_keys; i++)
        keys_ok = add->revoked_keys [i].len == 32;
    if ((rc = query_check_body (add, why, sizeof why)) != ERR_OK)
        server_send_error (self, route_p, req->id, rc, "%s", why);
    else
    if (!keys_ok)
        server_send_error (self, route_p, req->id, ERR_BAD_FIELD, "an application body lists at most %d "
                      "revoked keys of 32 bytes", VIEWS_REVOKED_MAX);
    else
        ingest_submit (self->ingest, route_p, req_p);
}

//  The application bodies registered here.
void
admin_on_app_body_list (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    Lic__AppBodyResult res;
    lic__app_body_result__init (&res);
    res.bodies = calloc (4096, sizeof *res.bodies);
    if (!res.bodies) {
        server_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    views_each_app_body (self->views, self->cfg->division, s_collect_body, &res);
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_APP_BODY;
    reply.app_body = &res;
    server_send (self, route_p, &reply);
    free (res.bodies);
}

//  Answers req with a reply that build fills (its body allocated and
//  set; freed with the reply); on failure, an error naming `what`.
static void
s_answer_built (server_t *self, zframe_t **route_p, const Lic__Request *req,
                int (*build) (server_t *self, const Lic__Request *req, Lic__Reply *reply),
                const char *what)
{
    Lic__Reply *reply = calloc (1, sizeof *reply);
    if (!reply) {
        server_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    codec_reply_init (reply);
    reply->id = req->id;
    int rc = build (self, req, reply);
    if (rc != ERR_OK) {
        codec_reply_free (&reply);
        server_send_error (self, route_p, req->id, rc, "%s could not be read: %s", what, err_str (rc));
        return;
    }
    server_send (self, route_p, reply);
    codec_reply_free (&reply);
}

static int
s_build_audit (server_t *self, const Lic__Request *req, Lic__Reply *reply)
{
    if (!(reply->audit = calloc (1, sizeof *reply->audit)))
        return ERR_NOMEM;
    reply->body_case = LIC__REPLY__BODY_AUDIT;
    return query_audit_list (self->query, req->audit, reply->audit);
}

//  The entries held back here, with their reasons (licctl quarantine).
static int
s_build_quarantine (server_t *self, const Lic__Request *req, Lic__Reply *reply)
{
    if (!(reply->quarantine = calloc (1, sizeof *reply->quarantine)))
        return ERR_NOMEM;
    reply->body_case = LIC__REPLY__BODY_QUARANTINE;
    return quarantine_list (self->store, req->quarantine, reply->quarantine);
}

void
admin_on_audit (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    s_answer_built (self, route_p, *req_p, s_build_audit, "the audit log");
}

void
admin_on_quarantine (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    s_answer_built (self, route_p, *req_p, s_build_quarantine, "the quarantine");
}

// ---------------------------------------------------------------------
//  Reads (operator)

//  Decodes the stored state of license `bare` into a LicenseRecord with
//  optional history; caller frees with s_record_free.
static int
s_record_load (server_t *self, const char *bare, bool with_history, int64_t at,
               Lic__LicenseRecord *rec)
{
    lic__license_record__init (rec);
    int rc;
    if (at) {
        //  As of `at`: the license as it was then, nothing of later events.
        rc = views_state_at (self->views, bare, at, &rec->state);
        if (rc != ERR_OK)
            return rc;
        rec->as_of = at;
    }
    else {
        //  With its content (the one rule of proto/licstate.h).
        rc = views_license_read (self->store, bare, &rec->state);
        if (rc != ERR_OK)
            return rc;
    }
    time_t when = at? (time_t) at: time (NULL);
    const char *valid_to = rec->state->content? rec->state->content->valid_to: "";
    rec->effective_status = lifecycle_effective_status (rec->state->status, valid_to, when);
    //  Annual inspection, under the version of the standard it was issued with.
    const Lic__LicenseType *type = rec->state->catalogue_version?
        views_type_at (self->views, rec->state->origin_division, bare,
                      rec->state->catalogue_version): NULL;
    if (type)
        rec->inspection_overdue = catalogue_inspection_overdue (type, rec->state, when);
    //  The licenses that name it as their predecessor (views.h).
    bool more;
    rc = views_successors (self->views, bare, at, &rec->successors, &rec->n_successors, &more);
    rec->successors_more = more;
    if (rc != ERR_OK)
        return rc;
    if (!with_history)
        return ERR_OK;
    uint8_t prefix [128];
    size_t plen = strlen (bare) + 1;
    if (plen > sizeof prefix)
        return ERR_OK;
    memcpy (prefix, bare, plen);
    rec->history = calloc (SERVER_HISTORY_MAX, sizeof *rec->history);
    if (!rec->history)
        return ERR_NOMEM;
    store_iter_t *it = store_iter_new (self->store, STORE_CF_HISTORY, prefix, plen, NULL, 0);
    const uint8_t *k, *hv;
    size_t kl, hvl;
    size_t bytes = 0;
    //  As of a time, the events up to then (in version order, so the
    //  first `version` of them).
    size_t most = at && rec->state->version < SERVER_HISTORY_MAX? rec->state->version: SERVER_HISTORY_MAX;
    while (it && rec->n_history < most && bytes < SERVER_REPLY_BUDGET
       &&  store_iter_next (it, &k, &kl, &hv, &hvl)) {
        if (hvl != 8)
            continue;
        uint8_t *e;
        size_t el;
        if (store_get (self->store, STORE_CF_LOG, hv, 8, &e, &el) != ERR_OK)
            continue;
        if (codec_entry_decode (e, el, &rec->history [rec->n_history]) == ERR_OK)
            rec->n_history++;
        bytes += el;
        free (e);
    }
    store_iter_destroy (&it);
    return ERR_OK;
}

static void
s_record_free (Lic__LicenseRecord *rec)
{
    codec_state_free (&rec->state);
    views_successors_free (&rec->successors, rec->n_successors);
    rec->n_successors = 0;
    for (size_t i = 0; i < rec->n_history; i++)
        codec_entry_free (&rec->history [i]);
    free (rec->history);
    rec->history = NULL;
    rec->n_history = 0;
}

void
admin_on_get (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    licid_t id;
    char why [256];
    if (licid_parse (req->get->license_id, &id, why, sizeof why) != ERR_OK) {
        server_send_error (self, route_p, req->id, ERR_BAD_LICENSE_ID, "%s", why);
        return;
    }
    Lic__LicenseRecord rec;
    char when [LIFECYCLE_TIME_SIZE];
    if (req->get->at && !lifecycle_time_valid (req->get->at)) {
        server_send_error (self, route_p, req->id, ERR_BAD_FIELD, "at %s is outside the time window "
                      "1990-01-01T00:00:00Z .. 2100-01-01T00:00:00Z (0 = now)",
                      lifecycle_time_text (req->get->at, when));
        return;
    }
    int rc = s_record_load (self, id.bare, req->get->with_history, req->get->at, &rec);
    if (rc == ERR_OK) {
        Lic__Reply reply;
        codec_reply_init (&reply);
        reply.id = req->id;
        reply.body_case = LIC__REPLY__BODY_LICENSE;
        reply.license = &rec;
        server_send (self, route_p, &reply);
    }
    else
    if (rc == ERR_NOT_FOUND && req->get->at)
        server_send_error (self, route_p, req->id, rc, "license %s was not issued yet at %s", id.bare,
                      lifecycle_time_text (req->get->at, when));
    else
    if (rc == ERR_NOT_FOUND)
        server_send_error (self, route_p, req->id, rc, "no license %s in this repository", id.bare);
    else
        server_send_error (self, route_p, req->id, rc, "license %s could not be read", id.bare);
    s_record_free (&rec);
}

//  A find cursor names where the next page starts in the holder index
//  (holder id 0x00 id type 0x00 license id): "<id type>/<bare license id>",
//  printable so that an operator can pass it back (licctl --cursor).
//  Writes the index key it stands for into key; 0 if it is not one of
//  this holder's (or of another id type than the find names).
static size_t
s_find_start (uint8_t *key, size_t size, const Lic__FindRequest *f)
{
    const char *slash = strrchr (f->cursor, '/');
    size_t il = strlen (f->holder_id) + 1;
    size_t tl = slash? (size_t) (slash - f->cursor): 0;
    size_t bl = slash? strlen (slash + 1): 0;
    if (!slash || tl > 8 || bl == 0 || bl > LICID_BARE_MAX || il + tl + 1 + bl > size
    ||  (*f->holder_id_type && (strlen (f->holder_id_type) != tl
                            ||  memcmp (f->holder_id_type, f->cursor, tl) != 0)))
        return 0;
    memcpy (key, f->holder_id, il);
    memcpy (key + il, f->cursor, tl);
    key [il + tl] = 0;
    memcpy (key + il + tl + 1, slash + 1, bl);
    return il + tl + 1 + bl;
}

//  The cursor of holder index key k (prefix: the holder id and its NUL).
static void
s_find_cursor (char *out, size_t size, const uint8_t *k, size_t kl, size_t il)
{
    const uint8_t *z = kl > il? memchr (k + il, 0, kl - il): NULL;
    if (!z)
        *out = 0;
    else
        snprintf (out, size, "%.*s/%.*s", (int) (z - (k + il)), (const char *) k + il,
                  (int) (kl - (size_t) (z + 1 - k)), (const char *) z + 1);
}

//  A holder's licenses, a page at a time: at most `limit` (1000) and
//  ~192 KiB, and `more` with the cursor of the next page whenever any
//  license is left out, so no answer is ever cut silently.
void
admin_on_find (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    const Lic__FindRequest *f = req->find;
    if (!f->holder_id || !*f->holder_id || strlen (f->holder_id) > 64
    ||  strlen (f->holder_id_type) > 8) {
        server_send_error (self, route_p, req->id, ERR_BAD_FIELD, "find needs a holder id of 1..64 bytes");
        return;
    }
    size_t limit = f->limit && f->limit < SERVER_FIND_MAX? f->limit: SERVER_FIND_MAX;
    uint8_t prefix [80], start [80 + LICID_BARE_MAX + 2];
    size_t plen = strlen (f->holder_id) + 1, il = plen, slen = 0;
    memcpy (prefix, f->holder_id, plen);
    if (*f->holder_id_type) {
        size_t tl = strlen (f->holder_id_type) + 1;
        memcpy (prefix + plen, f->holder_id_type, tl);
        plen += tl;
    }
    if (*f->cursor && (slen = s_find_start (start, sizeof start, f)) == 0) {
        server_send_error (self, route_p, req->id, ERR_BAD_FIELD, "cursor \"%.80s\" is not one of this "
                      "find's (pass back next_cursor as it came)", f->cursor);
        return;
    }
    Lic__FindResult found;
    lic__find_result__init (&found);
    char cursor [8 + 1 + LICID_BARE_MAX + 1] = "";
    Lic__LicenseRecord *recs = calloc (limit, sizeof *recs);
    Lic__LicenseRecord **ptrs = calloc (limit, sizeof *ptrs);
    store_iter_t *it = recs && ptrs? store_iter_new (self->store, STORE_CF_HOLDER, prefix, plen,
                                                     slen? start: NULL, slen): NULL;
    if (!it) {
        free (recs);
        free (ptrs);
        server_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    const uint8_t *k;
    size_t kl, bytes = 0;
    while (store_iter_next (it, &k, &kl, NULL, NULL)) {
        //  key: holder id 0 id_type 0 license id
        const uint8_t *z1 = memchr (k, 0, kl);
        const uint8_t *z2 = z1? memchr (z1 + 1, 0, kl - (size_t) (z1 + 1 - k)): NULL;
        if (!z2)
            continue;
        char bare [LICID_BARE_MAX + 1];
        size_t bl = kl - (size_t) (z2 + 1 - k);
        if (bl > LICID_BARE_MAX)
            continue;
        if (found.n_licenses == limit || bytes >= SERVER_REPLY_BUDGET) {
            found.more = true;      //  this one starts the next page
            s_find_cursor (cursor, sizeof cursor, k, kl, il);
            break;
        }
        memcpy (bare, z2 + 1, bl);
        bare [bl] = 0;
        Lic__LicenseRecord *rec = &recs [found.n_licenses];
        if (s_record_load (self, bare, false, 0, rec) == ERR_OK) {
            ptrs [found.n_licenses++] = rec;
            bytes += codec_record_size (rec);
        }
        else
            s_record_free (rec);
    }
    store_iter_destroy (&it);
    found.licenses = ptrs;
    found.next_cursor = cursor;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_FOUND;
    reply.found = &found;
    server_send (self, route_p, &reply);
    for (size_t i = 0; i < found.n_licenses; i++)
        s_record_free (&recs [i]);
    free (recs);
    free (ptrs);
}

void
admin_on_log (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    size_t limit = req->log->limit && req->log->limit < SERVER_LOG_MAX? req->log->limit: SERVER_LOG_MAX;
    Lic__LogEntries out;
    lic__log_entries__init (&out);
    out.entries = calloc (limit, sizeof *out.entries);
    uint8_t from [8];
    store_put_u64 (from, req->log->from_seq);
    store_iter_t *it = out.entries? store_iter_new (self->store, STORE_CF_LOG, NULL, 0, from, 8): NULL;
    if (!it) {
        free (out.entries);
        server_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    const uint8_t *k, *v;
    size_t kl, vl;
    size_t bytes = 0;
    out.next_seq = req->log->from_seq;
    while (store_iter_next (it, &k, &kl, &v, &vl)) {
        if (out.n_entries == limit || (out.n_entries > 0 && bytes + vl > SERVER_REPLY_BUDGET)) {
            out.more = true;    //  the client asks again from next_seq
            break;
        }
        if (codec_entry_decode (v, vl, &out.entries [out.n_entries]) == ERR_OK)
            out.n_entries++;
        bytes += vl;
        if (kl == 8)
            out.next_seq = store_get_u64 (k) + 1;
    }
    store_iter_destroy (&it);
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_ENTRIES;
    reply.entries = &out;
    server_send (self, route_p, &reply);
    for (size_t i = 0; i < out.n_entries; i++)
        codec_entry_free (&out.entries [i]);
    free (out.entries);
}

void
admin_on_digest (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    Lic__DigestResult d;
    int rc = proofs_digest (self->store, &d);
    if (rc != ERR_OK)
        server_send_error (self, route_p, req->id, rc, "digest could not be computed");
    else {
        Lic__Reply reply;
        codec_reply_init (&reply);
        reply.id = req->id;
        reply.body_case = LIC__REPLY__BODY_DIGEST;
        reply.digest = &d;
        server_send (self, route_p, &reply);
    }
    proofs_digest_free (&d);
}

void
admin_on_backup (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    const char *dir = req->backup->to_dir;
    if (self->backup) {
        server_send_error (self, route_p, req->id, ERR_BUSY, "a backup is already running");
        return;
    }
    if (!dir || dir [0] != '/' || strlen (dir) > 400) {
        server_send_error (self, route_p, req->id, ERR_BAD_FIELD, "backup needs an absolute directory path");
        return;
    }
    self->backup = backup_start (self->store, self->cfg->data_dir, dir, req->backup->keep);
    if (!self->backup) {
        server_send_error (self, route_p, req->id, ERR_NOMEM, "cannot start the backup");
        return;
    }
    self->backup_route = *route_p;
    *route_p = NULL;
    self->backup_req = req->id;
    self->backup_head = ingest_durable (self->ingest);
    logfmt_msgf (LOGFMT_INFO, "backup into %s started at head %" PRIu64, dir, self->backup_head);
}

void
admin_on_backup_done (server_t *self)
{
    backup_result_t r;
    backup_result (self->backup, &r);
    backup_destroy (&self->backup);
    if (r.code != ERR_OK) {
        logfmt_msgf (LOGFMT_ERROR, "backup failed: %s", r.why);
        server_send_error (self, &self->backup_route, self->backup_req, r.code, "backup failed: %s", r.why);
        return;
    }
    logfmt_msgf (LOGFMT_INFO, "backup %u done: %" PRIu64 " bytes, %u kept", r.id, r.bytes, r.kept);
    Lic__BackupResult br;
    lic__backup_result__init (&br);
    br.backup_id = r.id;
    br.head_seq = self->backup_head;
    br.bytes = r.bytes;
    br.kept = r.kept;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = self->backup_req;
    reply.body_case = LIC__REPLY__BODY_BACKUP;
    reply.backup = &br;
    server_send (self, &self->backup_route, &reply);
}

void
admin_on_prove (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    Lic__ProofResult p;
    char why [256];
    int rc = proofs_prove (self->store, views_tree (self->views), ingest_durable (self->ingest),
                           req->prove, self->checkpoint, self->checkpoint_size, &p,
                           why, sizeof why);
    if (rc != ERR_OK) {
        server_send_error (self, route_p, req->id, rc, "%s", why);
        return;
    }
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_PROOF;
    reply.proof = &p;
    server_send (self, route_p, &reply);
    proofs_prove_free (&p);
}

//  Same-day release (regulation Art. 7-8; the rule is lateness_judge):
//  per department and civil day (UTC+8) of completion, events released
//  after that day.  One scan of the log; bounded by the reply's size.
typedef struct {
    Lic__LatenessRow row;
    char issuer [24];
    char day [LIFECYCLE_DAY_SIZE];
} s_late_t;

void
admin_on_report (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    //  "lateness": the issuer-days with a late event; "same-day": every
    //  issuer-day, for the on-time share (licctl report lateness --summary).
    bool every_day = streq (req->report->kind, "same-day");
    if (!streq (req->report->kind, "lateness") && !every_day) {
        server_send_error (self, route_p, req->id, ERR_BAD_FIELD, "unknown report \"%s\" (known: lateness, same-day)",
                      req->report->kind);
        return;
    }
    zhashx_t *rows = zhashx_new ();
    zhashx_set_destructor (rows, (zhashx_destructor_fn *) zstr_free);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_LOG, NULL, 0, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (it && store_iter_next (it, &k, &kl, &v, &vl)) {
        Lic__LogEntry *e = NULL;
        Lic__Event *ev = NULL;
        if (codec_entry_decode (v, vl, &e) == ERR_OK && e->kind == LIC__ENTRY_KIND__ENTRY_EVENT
        &&  e->envelope && codec_event_decode (e->envelope->body.data, e->envelope->body.len, &ev) == ERR_OK) {
            char done [LIFECYCLE_DAY_SIZE], key [48];
            int64_t delay;
            lateness_verdict_t verdict = lateness_judge (ev->completed_at, e->received_at,
                                                         done, &delay);
            bool dated = verdict != LATENESS_UNDATED;
            snprintf (key, sizeof key, "%s %s", ev->issuer_code, done);
            s_late_t *r = dated? (s_late_t *) zhashx_lookup (rows, key): NULL;
            if (dated && !r && (r = calloc (1, sizeof *r))) {
                lic__lateness_row__init (&r->row);
                snprintf (r->issuer, sizeof r->issuer, "%s", ev->issuer_code);
                snprintf (r->day, sizeof r->day, "%s", done);
                r->row.issuer = r->issuer;
                r->row.day = r->day;
                zhashx_insert (rows, key, r);
            }
            if (r) {
                r->row.events++;
                if (verdict == LATENESS_LATE) {
                    r->row.late++;
                    if (delay > r->row.worst_seconds)
                        r->row.worst_seconds = delay;
                }
            }
        }
        codec_event_free (&ev);
        codec_entry_free (&e);
    }
    store_iter_destroy (&it);
    //  Late rows only (every row for "same-day"), sorted by issuer and day.
    zlistx_t *keys = zhashx_keys (rows);
    zlistx_set_comparator (keys, (zlistx_comparator_fn *) strcmp);
    zlistx_sort (keys);
    size_t limit = req->report->limit && req->report->limit < 2000? req->report->limit: 2000;
    Lic__LatenessRow **out = calloc (limit, sizeof *out);
    Lic__ReportResult res;
    lic__report_result__init (&res);
    for (const char *key = (const char *) zlistx_first (keys); out && key && res.n_rows < limit;
         key = (const char *) zlistx_next (keys)) {
        s_late_t *r = (s_late_t *) zhashx_lookup (rows, key);
        if (r->row.late || every_day)
            out [res.n_rows++] = &r->row;
    }
    res.rows = out;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_REPORT;
    reply.report = &res;
    server_send (self, route_p, &reply);
    free (out);
    zlistx_destroy (&keys);
    zhashx_destroy (&rows);
}

#define SERVER_DEPT_TEXT_MAX 256    //  bytes of any string of a department (its name)

static int
s_check_department (const Lic__Department *d, char *why, size_t why_size)
{
    int rc = d? codec_check_text (&d->base, SERVER_DEPT_TEXT_MAX, why, why_size): ERR_OK;
    if (rc != ERR_OK)
        return rc;
    if (!d || !d->credit_code || !licid_credit_code_valid (d->credit_code)) {
        snprintf (why, why_size, "department credit code \"%s\" is not a valid unified "
                  "social credit code", d && d->credit_code? d->credit_code: "");
        return ERR_BAD_CREDIT_CODE;
    }
    if (d->n_sign_keys == 0 || d->n_sign_keys > 16 || d->curve_key.len != 32
    ||  d->n_license_types > 1024 || d->n_revoked_keys > VIEWS_REVOKED_MAX
    ||  d->n_revoked_curve_keys > VIEWS_REVOKED_MAX) {
        snprintf (why, why_size, "a department needs 1..16 signing keys and a 32-byte CURVE key");
        return ERR_BAD_FIELD;
    }
    for (size_t i = 0; i < d->n_sign_keys; i++)
        if (d->sign_keys [i].len != 32) {
            snprintf (why, why_size, "signing key %zu is not 32 bytes", i);
            return ERR_BAD_FIELD;
        }
    for (size_t i = 0; i < d->n_revoked_keys + d->n_revoked_curve_keys; i++)
        if ((i < d->n_revoked_keys? d->revoked_keys [i]
                                  : d->revoked_curve_keys [i - d->n_revoked_keys]).len != 32) {
            snprintf (why, why_size, "revoked key %zu is not 32 bytes", i);
            return ERR_BAD_FIELD;
        }
    for (size_t i = 0; i < d->n_license_types; i++) {
        const char *t = d->license_types [i];
        if (!licid_type_code_valid (t)) {
            snprintf (why, why_size, "license type \"%s\" is not 18-char credit code + 3 digits", t);
            return ERR_BAD_FIELD;
        }
    }
    return ERR_OK;
}

//  Registers a department, after the checks of its fields.
void
admin_on_register (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    char why [256];
    int rc = s_check_department ((*req_p)->register_->department, why, sizeof why);
    if (rc != ERR_OK)
        server_send_error (self, route_p, (*req_p)->id, rc, "%s", why);
    else
        ingest_submit (self->ingest, route_p, req_p);
}

//  Adds a version of a license type to this node's catalogue, after the
//  standard's checks (catalogue_check_type).
void
admin_on_catalogue_add (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    char why [256];
    int rc = catalogue_check_type ((*req_p)->catalogue->add, why, sizeof why);
    //  Every blob it names is here (it then follows the entry upward).
    if (rc == ERR_OK)
        rc = files_check_type (self->store, (*req_p)->catalogue->add, why, sizeof why);
    if (rc != ERR_OK)
        server_send_error (self, route_p, (*req_p)->id, rc, "%s", why);
    else
        ingest_submit (self->ingest, route_p, req_p);
}

#define SERVER_BLOB_MAX (192 * 1024)

//  Stores a blob under its BLAKE2b digest; answered with the digest.
void
admin_on_blob_put (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    const Lic__BlobRequest *b = req->blob;
    uint8_t digest [32];
    if (b->put.len > SERVER_BLOB_MAX) {
        server_send_error (self, route_p, req->id, ERR_TOO_LARGE, "blob of %zu bytes is over the %d-byte limit",
                      b->put.len, SERVER_BLOB_MAX);
        return;
    }
    seal_hash (digest, b->put.data, b->put.len, NULL, 0);
    store_batch_t *batch = store_batch_new (self->store);
    int rc = batch? ERR_OK: ERR_NOMEM;
    if (rc == ERR_OK) {
        store_batch_put (batch, STORE_CF_BLOB, digest, 32, b->put.data, b->put.len);
        rc = store_write_aside (self->store, batch, true);
    }
    store_batch_destroy (&batch);
    if (rc != ERR_OK) {
        server_send_error (self, route_p, req->id, rc, "blob not stored: %s", err_str (rc));
        return;
    }
    Lic__BlobResult res;
    lic__blob_result__init (&res);
    res.digest.data = digest;
    res.digest.len = 32;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_BLOB;
    reply.blob = &res;
    server_send (self, route_p, &reply);
}
