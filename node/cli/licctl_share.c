/*  licctl_share.c -- licctl appbody, query, copy, audit, verify (see
    licctl_share.h).  Queries and copies connect with the application
    body's key file (-k BODY.key) and name matter, staff, case, purpose and
    holder on every call, as the node requires.
*/
#include <czmq.h>
#include <time.h>
#include "proto/codec.h"
#include "node/cli/licctl_share.h"
#include "node/common/licjson.h"
#include "proto/seal.h"

//  Splits a comma-separated list into a malloc'd array of pointers into
//  a malloc'd copy of text (both freed by the caller: list [0]'s buffer
//  is *buf).  Returns the count.
static size_t
s_split (const char *text, char **buf, char ***list)
{
    *buf = strdup (text? text: "");
    size_t n = 0, cap = 1;
    for (const char *p = *buf; *p; p++)
        cap += *p == ',';
    *list = calloc (cap, sizeof **list);
    if (!*buf || !*list)
        return 0;
    for (char *tok = strtok (*buf, ","); tok; tok = strtok (NULL, ","))
        (*list) [n++] = tok;
    return n;
}

//  Connects as the options say (licctl_connect); the key's secrets are
//  not needed after the handshake keys are set, so they are wiped here.
static int
s_connect (const licctl_opts_t *opts, licclient_t **client)
{
    keyfile_t key;
    int rc = licctl_connect (opts, client, &key, NULL);
    if (rc == LICCTL_EXIT_OK)
        keyfile_wipe (&key);
    return rc;
}

static int
s_need (const char *value, const char *option)
{
    if (value && *value)
        return LICCTL_EXIT_OK;
    fprintf (stderr, "licctl: need %s\n", option);
    return LICCTL_EXIT_USAGE;
}

// ---------------------------------------------------------------------
//  appbody add | list

static json_t *
s_body_json (const Lic__AppBody *b)
{
    json_t *o = json_object (), *types = json_array (), *matters = json_array (), *cl = json_array ();
    char z85 [41] = "";
    if (b->curve_key.len == 32)
        zmq_z85_encode (z85, b->curve_key.data, 32);
    for (size_t i = 0; i < b->n_license_types; i++)
        json_array_append_new (types, json_string (b->license_types [i]));
    for (size_t i = 0; i < b->n_matters; i++)
        json_array_append_new (matters, json_string (b->matters [i]));
    for (size_t i = 0; i < b->n_clearance; i++)
        json_array_append_new (cl, json_string (licjson_sensitivity_name (b->clearance [i])));
    json_object_set_new (o, "credit_code", json_string (b->credit_code));
    json_object_set_new (o, "name", json_string (b->name));
    json_object_set_new (o, "curve_key", json_string (z85));
    json_object_set_new (o, "license_types", types);
    json_object_set_new (o, "matters", matters);
    json_object_set_new (o, "clearance", cl);
    json_object_set_new (o, "revoked", json_boolean (b->revoked));
    return o;
}

static int
s_appbody_add (const licctl_opts_t *opts, licclient_t *client)
{
    int rc;
    if ((rc = s_need (opts->code, "--code")) || (rc = s_need (opts->name, "--name"))
    ||  (rc = s_need (opts->key_file, "--key-file BODY.pub")))
        return rc;
    keyfile_t k;
    if (licctl_load_key (&k, opts->key_file, false) != LICCTL_EXIT_OK)
        return LICCTL_EXIT_USAGE;
    uint8_t curve [32];
    zmq_z85_decode (curve, k.curve_pk);
    keyfile_wipe (&k);
    Lic__AppBody b = LIC__APP_BODY__INIT;
    b.credit_code = (char *) opts->code;
    b.name = (char *) opts->name;
    b.curve_key.data = curve;
    b.curve_key.len = 32;
    char *tbuf, *mbuf, *cbuf, **cl_names;
    b.n_license_types = s_split (opts->types, &tbuf, &b.license_types);
    b.n_matters = s_split (opts->matters, &mbuf, &b.matters);
    size_t ncl = s_split (opts->clearance, &cbuf, &cl_names);
    Lic__Sensitivity cl [8];
    rc = LICCTL_EXIT_OK;
    for (size_t i = 0; i < ncl && rc == LICCTL_EXIT_OK; i++) {
        Lic__Sensitivity s = streq (cl_names [i], "personal")? LIC__SENSITIVITY__SENS_PERSONAL
                           : streq (cl_names [i], "commercial")? LIC__SENSITIVITY__SENS_COMMERCIAL
                           : streq (cl_names [i], "secret")? LIC__SENSITIVITY__SENS_SECRET
                           : LIC__SENSITIVITY__SENS_PUBLIC;
        if (s == LIC__SENSITIVITY__SENS_PUBLIC || b.n_clearance == 8) {
            fprintf (stderr, "licctl: clearance is personal, commercial or secret: %s\n", cl_names [i]);
            rc = LICCTL_EXIT_USAGE;
        }
        else
            cl [b.n_clearance++] = s;
    }
    b.clearance = cl;
    Lic__Reply *reply = NULL;
    if (rc == LICCTL_EXIT_OK) {
        rc = licclient_app_body (client, &b, &reply, opts->timeout_ms);
        rc = licctl_check_reply (rc, reply, LIC__REPLY__BODY_APP_BODY, opts->timeout_ms);
        if (rc == LICCTL_EXIT_OK)
            printf ("application body %s registered at log seq %llu\n", opts->code,
                    (unsigned long long) reply->app_body->seq);
    }
    codec_reply_free (&reply);
    free (tbuf);
    free (mbuf);
    free (cbuf);
    free (b.license_types);
    free (b.matters);
    free (cl_names);
    return rc;
}

//  Registers the body with --code again, revoked: its key is no longer
//  answered (the registration entry says when, and by whom).
static int
s_appbody_revoke (const licctl_opts_t *opts, licclient_t *client)
{
    int rc = s_need (opts->code, "--code");
    if (rc != LICCTL_EXIT_OK)
        return rc;
    Lic__Reply *list = NULL, *reply = NULL;
    rc = licclient_app_body (client, NULL, &list, opts->timeout_ms);
    rc = licctl_check_reply (rc, list, LIC__REPLY__BODY_APP_BODY, opts->timeout_ms);
    Lic__AppBody *b = NULL;
    for (size_t i = 0; rc == LICCTL_EXIT_OK && i < list->app_body->n_bodies; i++)
        if (streq (list->app_body->bodies [i]->credit_code, opts->code))
            b = list->app_body->bodies [i];
    if (rc == LICCTL_EXIT_OK && !b) {
        fprintf (stderr, "licctl: ERR_NOT_FOUND: no application body %s at this node\n", opts->code);
        rc = LICCTL_EXIT_REFUSED;
    }
    if (rc == LICCTL_EXIT_OK) {
        b->revoked = true;
        rc = licclient_app_body (client, b, &reply, opts->timeout_ms);
        rc = licctl_check_reply (rc, reply, LIC__REPLY__BODY_APP_BODY, opts->timeout_ms);
        if (rc == LICCTL_EXIT_OK)
            printf ("application body %s revoked at log seq %llu\n", opts->code,
                    (unsigned long long) reply->app_body->seq);
    }
    codec_reply_free (&list);
    codec_reply_free (&reply);
    return rc;
}

int
licctl_cmd_appbody (const licctl_opts_t *opts)
{
    const char *sub = opts->n_args > 0? opts->args [0]: "";
    if (!streq (sub, "add") && !streq (sub, "list") && !streq (sub, "revoke")) {
        fprintf (stderr, "licctl: appbody add | list | revoke\n");
        return LICCTL_EXIT_USAGE;
    }
    licclient_t *client;
    int rc = s_connect (opts, &client);
    if (rc != LICCTL_EXIT_OK)
        return rc;
    if (streq (sub, "add"))
        rc = s_appbody_add (opts, client);
    else
    if (streq (sub, "revoke"))
        rc = s_appbody_revoke (opts, client);
    else {
        Lic__Reply *reply = NULL;
        rc = licclient_app_body (client, NULL, &reply, opts->timeout_ms);
        rc = licctl_check_reply (rc, reply, LIC__REPLY__BODY_APP_BODY, opts->timeout_ms);
        if (rc == LICCTL_EXIT_OK) {
            json_t *list = json_array ();
            for (size_t i = 0; i < reply->app_body->n_bodies; i++)
                json_array_append_new (list, s_body_json (reply->app_body->bodies [i]));
            rc = licctl_print_json (list);
        }
        codec_reply_free (&reply);
    }
    licclient_destroy (&client);
    return rc;
}

// ---------------------------------------------------------------------
//  query get | find | status, copy

static json_t *
s_license_json (const Lic__QueryLicense *ql)
{
    Lic__LicenseRecord rec = LIC__LICENSE_RECORD__INIT;
    rec.state = ql->state;
    rec.effective_status = ql->effective_status;
    rec.inspection_overdue = ql->inspection_overdue;
    rec.as_of = ql->as_of;
    json_t *o = licjson_state_to_json (&rec);
    if (!o)
        return NULL;
    json_t *masked = json_array ();
    for (size_t i = 0; i < ql->n_masked; i++)
        json_array_append_new (masked, json_string (ql->masked [i]));
    json_object_set_new (o, "masked", masked);
    return o;
}

//  Sends the query of `kind` the options describe (find: the page at
//  cursor); *reply on success.
static int
s_scoped (const licctl_opts_t *opts, Lic__QueryKind kind, const char *license_id,
          const char *cursor, Lic__Reply **reply)
{
    licclient_t *client;
    int rc = s_connect (opts, &client);
    if (rc != LICCTL_EXIT_OK)
        return rc;
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    q.cursor = (char *) (cursor? cursor: "");
    Lic__Holder h = LIC__HOLDER__INIT;
    q.kind = kind;
    q.matter_code = (char *) (opts->matter? opts->matter: "");
    q.staff_id = (char *) (opts->staff? opts->staff: "");
    q.case_number = (char *) (opts->case_no? opts->case_no: "");
    q.purpose = (char *) (opts->purpose? opts->purpose: "");
    q.license_id = (char *) (license_id? license_id: "");
    q.at = opts->at;
    q.expires_at = (int64_t) time (NULL) + 86400LL * (opts->expires_days? opts->expires_days: 30);
    h.id = (char *) (opts->holder? opts->holder: "");
    h.id_type = (char *) (opts->holder_type? opts->holder_type: "");
    q.holder = opts->holder? &h: NULL;
    rc = licclient_query (client, &q, reply, opts->timeout_ms);
    rc = licctl_check_reply (rc, *reply, LIC__REPLY__BODY_QUERY, opts->timeout_ms);
    licclient_destroy (&client);
    return rc;
}

//  query file ID --out FILE: the license's file, a chunk per query (each
//  recorded at the node), kept only if the whole hashes to the digest the
//  node names for it (the department's signed file_digest).
static int
s_query_file (const licctl_opts_t *opts, const char *license_id)
{
    if (!opts->out || streq (opts->out, "-")) {
        fprintf (stderr, "licctl: query file needs --out FILE\n");
        return LICCTL_EXIT_USAGE;
    }
    char tmp [4200];
    snprintf (tmp, sizeof tmp, "%s.part", opts->out);
    licclient_t *client;
    int rc = s_connect (opts, &client);
    if (rc != LICCTL_EXIT_OK)
        return rc;
    FILE *fp = fopen (tmp, "wb");
    if (!fp) {
        fprintf (stderr, "licctl: cannot write %s\n", tmp);
        licclient_destroy (&client);
        return LICCTL_EXIT_USAGE;
    }
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    Lic__Holder h = LIC__HOLDER__INIT;
    q.kind = LIC__QUERY_KIND__QUERY_FILE;
    q.matter_code = (char *) (opts->matter? opts->matter: "");
    q.staff_id = (char *) (opts->staff? opts->staff: "");
    q.case_number = (char *) (opts->case_no? opts->case_no: "");
    q.purpose = (char *) (opts->purpose? opts->purpose: "");
    q.license_id = (char *) license_id;
    h.id = (char *) (opts->holder? opts->holder: "");
    h.id_type = (char *) (opts->holder_type? opts->holder_type: "");
    q.holder = opts->holder? &h: NULL;
    seal_sha256_ctx_t state;
    seal_sha256_init (&state);
    uint8_t digest [32], got [32];
    uint64_t at = 0, total = 0, queries = 0;
    bool ok = true;
    while (rc == LICCTL_EXIT_OK) {
        Lic__Reply *reply = NULL;
        q.file_offset = at;
        int lrc = licclient_query (client, &q, &reply, opts->timeout_ms);
        rc = licctl_check_reply (lrc, reply, LIC__REPLY__BODY_QUERY, opts->timeout_ms);
        const Lic__FileResult *f = rc == LICCTL_EXIT_OK? reply->query->file: NULL;
        if (rc == LICCTL_EXIT_OK && (!f || f->digest.len != 32 || f->offset != at
                                     || f->data.len > f->total - at)) {
            fprintf (stderr, "licctl: ERR_MALFORMED: the node's answer is not the chunk asked for\n");
            rc = LICCTL_EXIT_USAGE;
        }
        if (rc == LICCTL_EXIT_OK) {
            queries++;
            memcpy (digest, f->digest.data, 32);
            total = f->total;
            ok = ok && fwrite (f->data.data, 1, f->data.len, fp) == f->data.len;
            seal_sha256_update (&state, f->data.data, f->data.len);
            at += f->data.len;
            bool end = f->data.len == 0 || at == total;
            codec_reply_free (&reply);
            if (end)
                break;
        }
        codec_reply_free (&reply);
    }
    licclient_destroy (&client);
    ok = fflush (fp) == 0 && ok;
    ok = fclose (fp) == 0 && ok;
    seal_sha256_final (&state, got);
    if (rc == LICCTL_EXIT_OK && (!ok || at != total || memcmp (got, digest, 32) != 0)) {
        fprintf (stderr, "licctl: %s\n", ok? "the bytes read do not hash to the license's file digest: "
                                            "not kept": "cannot write the file");
        rc = ok? LICCTL_EXIT_REFUSED: LICCTL_EXIT_USAGE;
    }
    if (rc == LICCTL_EXIT_OK && rename (tmp, opts->out) != 0) {
        fprintf (stderr, "licctl: cannot rename %s to %s\n", tmp, opts->out);
        rc = LICCTL_EXIT_USAGE;
    }
    if (rc != LICCTL_EXIT_OK) {
        remove (tmp);
        return rc;
    }
    char hex [65];
    seal_hex (hex, digest, 32);
    printf ("license file of %s written to %s (%" PRIu64 " bytes, SHA-256 %s, %" PRIu64
            " queries, each in the audit log)\n", license_id, opts->out, total, hex, queries);
    return LICCTL_EXIT_OK;
}

int
licctl_cmd_query_scoped (const licctl_opts_t *opts)
{
    const char *sub = opts->n_args > 0? opts->args [0]: "";
    if (streq (sub, "file") && opts->n_args == 2)
        return s_query_file (opts, opts->args [1]);
    Lic__QueryKind kind = streq (sub, "get")? LIC__QUERY_KIND__QUERY_GET
                        : streq (sub, "find")? LIC__QUERY_KIND__QUERY_FIND
                        : streq (sub, "status")? LIC__QUERY_KIND__QUERY_STATUS: LIC__QUERY_KIND__QUERY_NONE;
    if (kind == LIC__QUERY_KIND__QUERY_NONE || (kind != LIC__QUERY_KIND__QUERY_FIND && opts->n_args < 2)) {
        fprintf (stderr, "licctl: query get ID | find | status ID | file ID --out FILE\n");
        return LICCTL_EXIT_USAGE;
    }
    //  find comes a page at a time (each page a query of its own, audited):
    //  the one at --cursor, or every page with --all.
    Lic__Reply *reply = NULL;
    json_t *o = json_object (), *list = json_array (), *seqs = json_array ();
    char cursor [128];
    snprintf (cursor, sizeof cursor, "%s", opts->cursor? opts->cursor: "");
    bool more = false;
    int rc;
    do {
        rc = s_scoped (opts, kind, opts->n_args > 1? opts->args [1]: NULL, cursor, &reply);
        if (rc != LICCTL_EXIT_OK)
            break;
        for (size_t i = 0; i < reply->query->n_licenses; i++)
            json_array_append_new (list, s_license_json (reply->query->licenses [i]));
        json_array_append_new (seqs, json_integer ((json_int_t) reply->query->audit_seq));
        json_object_set_new (o, "audit_seq", json_integer ((json_int_t) reply->query->audit_seq));
        more = reply->query->more;
        snprintf (cursor, sizeof cursor, "%s", reply->query->next_cursor);
        codec_reply_free (&reply);
    } while (more && opts->all);
    if (rc == LICCTL_EXIT_OK) {
        if (json_array_size (seqs) > 1)
            json_object_set (o, "audit_seqs", seqs);
        json_object_set (o, "licenses", list);
        json_object_set_new (o, "more", json_boolean (more));
        json_object_set_new (o, "next_cursor", json_string (more? cursor: ""));
        rc = licctl_print_json (o);
        o = NULL;
    }
    json_decref (o);
    json_decref (list);
    json_decref (seqs);
    codec_reply_free (&reply);
    return rc;
}

int
licctl_cmd_copy (const licctl_opts_t *opts)
{
    if (opts->n_args < 1 || !opts->out) {
        fprintf (stderr, "licctl: copy ID ... --out FILE\n");
        return LICCTL_EXIT_USAGE;
    }
    Lic__Reply *reply = NULL;
    int rc = s_scoped (opts, LIC__QUERY_KIND__QUERY_COPY, opts->args [0], NULL, &reply);
    if (rc == LICCTL_EXIT_OK && reply->query->copy.len == 0) {
        fprintf (stderr, "licctl: ERR_MALFORMED: the node sent no copy\n");
        rc = LICCTL_EXIT_USAGE;
    }
    if (rc == LICCTL_EXIT_OK) {
        FILE *f = fopen (opts->out, "wb");
        if (!f || fwrite (reply->query->copy.data, 1, reply->query->copy.len, f) != reply->query->copy.len) {
            fprintf (stderr, "licctl: cannot write %s\n", opts->out);
            rc = LICCTL_EXIT_USAGE;
        }
        if (f && fclose (f) != 0)
            rc = LICCTL_EXIT_USAGE;
        if (rc == LICCTL_EXIT_OK)
            printf ("archived copy of %s written to %s (%zu bytes, audit record %llu)\n",
                    opts->args [0], opts->out, reply->query->copy.len,
                    (unsigned long long) reply->query->audit_seq);
    }
    codec_reply_free (&reply);
    return rc;
}

// ---------------------------------------------------------------------
//  audit

int
licctl_cmd_audit (const licctl_opts_t *opts)
{
    licclient_t *client;
    int rc = s_connect (opts, &client);
    if (rc != LICCTL_EXIT_OK)
        return rc;
    Lic__AuditRequest a = LIC__AUDIT_REQUEST__INIT;
    a.holder_id = (char *) (opts->holder? opts->holder: "");
    a.body_code = (char *) (opts->body? opts->body: "");
    a.matter_code = (char *) (opts->matter? opts->matter: "");
    a.from_seq = opts->from > 1? opts->from: 0;
    a.limit = opts->limit;
    a.refused_only = opts->refused;
    if (opts->cursor && sscanf (opts->cursor, "%" SCNu64, &a.from_seq) != 1) {
        fprintf (stderr, "licctl: --cursor of audit is a log seq (next_cursor of the page before): %s\n",
                 opts->cursor);
        licclient_destroy (&client);
        return LICCTL_EXIT_USAGE;
    }
    //  A page at a time: the one from --cursor (or --from), or all with --all.
    Lic__Reply *reply = NULL;
    json_t *list = json_array ();
    bool more = false;
    do {
        rc = licclient_audit (client, &a, &reply, opts->timeout_ms);
        rc = licctl_check_reply (rc, reply, LIC__REPLY__BODY_AUDIT, opts->timeout_ms);
        if (rc != LICCTL_EXIT_OK)
            break;
        for (size_t i = 0; i < reply->audit->n_items; i++) {
            const Lic__AuditItem *it = reply->audit->items [i];
            const Lic__AuditRecord *r = it->record;
            json_t *o = json_object (), *ret = json_array ();
            char when [32];
            for (size_t j = 0; j < r->n_returned; j++)
                json_array_append_new (ret, json_string (r->returned [j]));
            const char *kinds [] = { "none", "get", "find", "status", "copy" };
            json_object_set_new (o, "seq", json_integer ((json_int_t) it->seq));
            json_object_set_new (o, "node", json_string (it->origin_division));
            json_object_set_new (o, "at", json_string (licctl_time (r->at_ms / 1000, when)));
            json_object_set_new (o, "body", json_string (r->body_code));
            json_object_set_new (o, "staff", json_string (r->staff_id));
            json_object_set_new (o, "kind", json_string (r->kind <= 4? kinds [r->kind]: "?"));
            json_object_set_new (o, "matter", json_string (r->matter_code));
            json_object_set_new (o, "case", json_string (r->case_number));
            json_object_set_new (o, "purpose", json_string (r->purpose));
            json_object_set_new (o, "holder", json_string (r->holder_id));
            json_object_set_new (o, "license_id", json_string (r->license_id));
            json_object_set_new (o, "returned", ret);
            json_object_set_new (o, "result", json_string (err_str (r->code)));
            if (r->code != ERR_OK)
                json_object_set_new (o, "reason", json_string (r->message));
            json_array_append_new (list, o);
        }
        more = reply->audit->more && reply->audit->next_seq > a.from_seq;
        a.from_seq = reply->audit->next_seq;
        codec_reply_free (&reply);
    } while (more && opts->all);
    if (rc == LICCTL_EXIT_OK) {
        char next [24] = "";
        if (more)
            snprintf (next, sizeof next, "%" PRIu64, a.from_seq);
        json_t *top = json_object ();
        json_object_set (top, "items", list);
        json_object_set_new (top, "next_seq", json_integer ((json_int_t) (more? a.from_seq: 0)));
        json_object_set_new (top, "more", json_boolean (more));
        json_object_set_new (top, "next_cursor", json_string (next));
        rc = licctl_print_json (top);
    }
    json_decref (list);
    codec_reply_free (&reply);
    licclient_destroy (&client);
    return rc;
}

// ---------------------------------------------------------------------
//  verify (offline)

int
licctl_cmd_verify_copy (const licctl_opts_t *opts)
{
    if (opts->n_args < 1 || opts->n_trust == 0) {
        fprintf (stderr, "licctl: verify FILE --trust KEY [--trust KEY]...\n");
        return LICCTL_EXIT_USAGE;
    }
    uint8_t trust [LICCTL_REVOKE_MAX][32];
    for (int i = 0; i < opts->n_trust; i++) {
        if (seal_unhex (trust [i], 32, opts->trust [i]) == ERR_OK)
            continue;
        keyfile_t k;
        if (licctl_load_key (&k, opts->trust [i], false) != LICCTL_EXIT_OK)
            return LICCTL_EXIT_USAGE;
        memcpy (trust [i], k.sign_pk, 32);
        keyfile_wipe (&k);
    }
    zchunk_t *file = zchunk_slurp (opts->args [0], 4 * 1024 * 1024);
    if (!file) {
        fprintf (stderr, "licctl: cannot read %s\n", opts->args [0]);
        return LICCTL_EXIT_USAGE;
    }
    licclient_copy_t c;
    char why [512] = "";
    int rc = licclient_verify_copy (zchunk_data (file), zchunk_size (file),
                                    (const uint8_t (*) [32]) trust, (size_t) opts->n_trust,
                                    (int64_t) time (NULL), &c, why, sizeof why);
    zchunk_destroy (&file);
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: copy NOT verified: %s: %s\n", err_str (rc), why);
        return LICCTL_EXIT_REFUSED;
    }
    //  --file: the license's own file (OFD/PDF) kept with the copy must be
    //  the one the department signed the digest of.
    if (opts->file) {
        zchunk_t *lf = zchunk_slurp (opts->file, LICCLIENT_FILE_MAX);
        uint8_t got [32];
        if (!lf) {
            fprintf (stderr, "licctl: cannot read %s (or over %u bytes)\n", opts->file,
                     LICCLIENT_FILE_MAX);
            return LICCTL_EXIT_USAGE;
        }
        seal_sha256 (got, zchunk_data (lf), zchunk_size (lf));
        zchunk_destroy (&lf);
        if (!c.has_file || memcmp (got, c.file_digest, 32) != 0) {
            fprintf (stderr, "licctl: copy verified, but %s is NOT the license's file: %s\n",
                     opts->file, c.has_file? "its SHA-256 differs from the signed file_digest"
                                           : "the license names no file");
            return LICCTL_EXIT_REFUSED;
        }
    }
    char at [32], exp [32];
    if (opts->json) {
        json_t *o = json_object ();
        json_object_set_new (o, "verified", json_true ());
        json_object_set_new (o, "license_id", json_string (c.license_id));
        json_object_set_new (o, "status", json_string (licjson_status_name (c.status)));
        json_object_set_new (o, "version", json_integer (c.version));
        json_object_set_new (o, "pledged", json_boolean (c.pledged));
        json_object_set_new (o, "issuer", json_string (c.issuer));
        json_object_set_new (o, "department", json_string (c.department));
        json_object_set_new (o, "type", json_string (c.type_name));
        json_object_set_new (o, "made_by_node", json_string (c.division));
        json_object_set_new (o, "maker", json_string (c.maker_code));
        json_object_set_new (o, "maker_name", json_string (c.maker_name));
        json_object_set_new (o, "matter", json_string (c.matter_code));
        json_object_set_new (o, "case", json_string (c.case_number));
        json_object_set_new (o, "purpose", json_string (c.purpose));
        json_object_set_new (o, "at", json_integer (c.at));
        json_object_set_new (o, "expires_at", json_integer (c.expires_at));
        json_object_set_new (o, "events", json_integer ((json_int_t) c.events));
        json_object_set_new (o, "disclosed", json_integer ((json_int_t) c.disclosed));
        json_object_set_new (o, "masked", json_integer ((json_int_t) c.masked));
        char fhex [65];
        seal_hex (fhex, c.file_digest, 32);
        json_object_set_new (o, "file_digest", c.has_file? json_string (fhex): json_null ());
        if (opts->file)
            json_object_set_new (o, "file_verified", json_true ());
        return licctl_print_json (o);
    }
    printf ("copy verified: license %s is %s (version %u%s) as of %s\n"
            "  issued by %s (%s), type %s\n"
            "  made by node %s for %s (%s), matter %s, case %s, purpose %s\n"
            "  usable until %s; %zu signed events, %zu disclosed values checked, %zu items masked\n",
            c.license_id, licjson_status_name (c.status), c.version, c.pledged? ", pledged": "",
            licctl_time (c.at, at), c.department, c.issuer, c.type_name, c.division,
            c.maker_name, c.maker_code, c.matter_code, c.case_number, c.purpose,
            licctl_time (c.expires_at, exp), c.events, c.disclosed, c.masked);
    if (opts->file)
        printf ("  license file %s: its SHA-256 is the signed file_digest\n", opts->file);
    return LICCTL_EXIT_OK;
}
