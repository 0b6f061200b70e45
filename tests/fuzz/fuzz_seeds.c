/*  fuzz_seeds.c -- writes the seed corpus of the fuzz harnesses:
    tests/fuzz/corpus/<harness>/<name>, small files a licrepo node, its
    parent, licctl or a department's system really exchange, built with
    the project's own codec, licjson, checkpoint and Merkle code and
    signed with the fixed test keys of fuzz.h (so the harnesses can sign
    what they mutate again).

        fuzz_seeds CORPUS_DIR [SOURCE_DIR]

    SOURCE_DIR (the repository) adds the JSON files of deploy/catalogue and the
    sample configurations.  Deterministic: every time, key, salt and
    serial is fixed, and Ed25519 signatures are deterministic, so running
    it again rewrites the same bytes.  It checks what it writes the way
    the harnesses do (events pass evcheck, copies verify, proofs verify)
    and fails if one does not.
*/
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>
#include "replication/checkpoint.h"
#include "tests/fuzz/checks.h"
#include "proto/codec.h"
#include "proto/disclose.h"
#include "proto/evcheck.h"
#include "tests/fuzz/fuzz.h"
#include "node/common/keyfile.h"
#include "node/client/licclient.h"
#include "node/cli/licctl.h"
#include "node/cli/licctl_verify.h"
#include "proto/licid.h"
#include "node/common/licjson.h"
#include "tests/fuzz/proofdoc.h"
#include "proto/seal.h"

#define S_SEED_MAX   (64 * 1024)        //  every seed is smaller
#define S_KEEP_MAX   4096               //  buffers freed at exit
#define S_AT         (FUZZ_NOW - 40 * 86400)    //  when the department acted

static const char *s_root;              //  CORPUS_DIR
static void *s_kept [S_KEEP_MAX];
static size_t s_n_kept;
static size_t s_files, s_bytes;

//  Keeps p until exit; returns it.
static void *
s_keep (void *p)
{
    if (!p || s_n_kept == S_KEEP_MAX)
        abort ();
    s_kept [s_n_kept++] = p;
    return p;
}

static void
s_write (const char *harness, const char *name, const void *data, size_t len)
{
    char path [4096];
    snprintf (path, sizeof path, "%s/%s", s_root, harness);
    if (mkdir (path, 0755) != 0 && errno != EEXIST) {
        perror (path);
        exit (1);
    }
    snprintf (path, sizeof path, "%s/%s/%s", s_root, harness, name);
    FILE *fp = fopen (path, "wb");
    if (!fp || fwrite (data, 1, len, fp) != len || fclose (fp) != 0) {
        perror (path);
        exit (1);
    }
    FUZZ_CHECK (len < S_SEED_MAX);
    s_files++;
    s_bytes += len;
}

static void
s_write_text (const char *harness, const char *name, const char *text)
{
    s_write (harness, name, text, strlen (text));
}

static ProtobufCBinaryData
s_bin (const void *data, size_t len)
{
    return (ProtobufCBinaryData) { len, (uint8_t *) data };
}

//  A fixed 32-byte CURVE public key of member `which`, and its Z85 pair.
static const uint8_t *
s_curve (int which, char pk_z85 [41], char sk_z85 [41])
{
    static uint8_t keys [FUZZ_KEYS + 2][32];
    char label [32], secret [41], public [41];
    uint8_t sk [32];
    snprintf (label, sizeof label, "licrepo fuzz curve %d", which);
    seal_sha256 (sk, (const uint8_t *) label, strlen (label));
    if (!zmq_z85_encode (secret, sk, 32) || zmq_curve_public (public, secret) != 0
    ||  !zmq_z85_decode (keys [which], public))
        abort ();
    if (pk_z85)
        memcpy (pk_z85, public, 41);
    if (sk_z85)
        memcpy (sk_z85, secret, 41);
    return keys [which];
}

//  Signs body with member `who` into a new envelope (kept).
static Lic__Envelope *
s_signed (uint8_t *body, size_t len, fuzz_key_id_t who)
{
    Lic__Envelope *env = s_keep (calloc (1, sizeof *env));
    uint8_t *sig = s_keep (malloc (SEAL_SIG_BYTES));
    codec_envelope_init (env);
    seal_sign (sig, body, len, fuzz_key (who)->sk);
    env->body = s_bin (body, len);
    env->signature = s_bin (sig, SEAL_SIG_BYTES);
    env->key_id = s_bin (fuzz_key (who)->pk, SEAL_PUBLIC_BYTES);
    return env;
}

#define S_ENCODE(name, msg, len_p) \
    ({ uint8_t *b_; FUZZ_CHECK (codec_##name##_encode ((msg), &b_, (len_p)) == ERR_OK); \
       (uint8_t *) s_keep (b_); })


//  --------------------------------------------------------------------
//  Events

//  A valid license id of the department with this serial (kept).
static char *
s_license_id (int serial)
{
    char s [16], *id = s_keep (malloc (LICID_BARE_MAX + 1));
    snprintf (s, sizeof s, "2026%07d", serial);
    char check = licid_check_char (FUZZ_TYPE_CODE, FUZZ_DEPT_CODE, s, "001");
    FUZZ_CHECK (check != 0);
    snprintf (id, LICID_BARE_MAX + 1, "%s%s%s001%c", FUZZ_TYPE_CODE, FUZZ_DEPT_CODE, s, check);
    return id;
}

typedef struct {
    Lic__Op op;
    const char *valid_to;       //  content's (issue, alter) or the new one (extend)
    const char *note;
    fuzz_key_id_t key;          //  FUZZ_KEY_DEPT or FUZZ_KEY_DEPT_OLD
} s_step_t;

//  The content of an issue or alteration, sensitive items as digests
//  with their disclosures (owner, revenue; pin too if with_secret).
static Lic__LicenseContent *
s_content (const char *valid_to, int version, bool digests, bool with_secret,
           Lic__Disclosure ***disc, size_t *n_disc)
{
    static const char *const names [] = { "capital", "count", "day", "flag", "kind", "name",
                                          "owner", "pin", "revenue" };
    static const char *const values [] = { "1000000.50", "12", "2026-03-01", "true", "b",
                                           "Example Co.", "Zhang San", "123456", "5000.00" };
    enum { N = sizeof names / sizeof names [0] };
    Lic__LicenseContent *c = s_keep (calloc (1, sizeof *c));
    Lic__Holder *h = s_keep (calloc (1, sizeof *h));
    Lic__DataItem *items = s_keep (calloc (N, sizeof *items));
    Lic__DataItem **ptrs = s_keep (calloc (N, sizeof *ptrs));
    Lic__Disclosure *d = s_keep (calloc (N, sizeof *d));
    Lic__Disclosure **dptrs = s_keep (calloc (N, sizeof *dptrs));
    static uint8_t file_digest [32] = { 0xf0, 0x0d };
    codec_content_init (c);
    codec_holder_init (h);
    h->id_type = "001";
    h->id = FUZZ_HOLDER_CODE;
    h->name = version > 1? "Example Trading Co. (renamed)": "Example Trading Co.";
    c->name = "business license";
    c->holder = h;
    c->issue_date = "2026-11-20";
    c->valid_from = "2026-11-20";
    c->valid_to = (char *) valid_to;
    c->division_code = FUZZ_DIV_COUNTY;
    c->service_item_code = "330106-000-XK-0001";
    c->seal_info = "electronic seal 330106";
    c->file_digest = s_bin (file_digest, sizeof file_digest);
    *n_disc = 0;
    for (size_t i = 0; i < N; i++) {
        codec_item_init (&items [i]);
        items [i].name = (char *) names [i];
        items [i].value = (char *) values [i];
        ptrs [i] = &items [i];
        const Lic__ItemSpec *spec = disclose_spec (checks_type (), names [i]);
        if (digests && spec && disclose_sensitive (spec->sensitivity)) {
            uint8_t *salt = s_keep (malloc (16)), *digest = s_keep (malloc (32));
            for (int k = 0; k < 16; k++)
                salt [k] = (uint8_t) (i * 16 + (size_t) k);
            seal_item_digest (digest, salt, 16, names [i], values [i]);
            items [i].value = "";
            items [i].digest = s_bin (digest, 32);
            if (with_secret || spec->sensitivity != LIC__SENSITIVITY__SENS_SECRET) {
                d [*n_disc] = (Lic__Disclosure) LIC__DISCLOSURE__INIT;
                d [*n_disc].name = (char *) names [i];
                d [*n_disc].value = (char *) values [i];
                d [*n_disc].salt = s_bin (salt, 16);
                dptrs [*n_disc] = &d [*n_disc];
                (*n_disc)++;
            }
        }
    }
    c->items = ptrs;
    c->n_items = N;
    *disc = dptrs;
    return c;
}

//  The signed envelope of one step of a license's life (kept).
static Lic__Envelope *
s_event (const char *license_id, const s_step_t *step, uint32_t expected, bool digests,
         bool with_secret, int64_t at)
{
    Lic__Event ev;
    Lic__Disclosure **disc = NULL;
    size_t n_disc = 0, len;
    codec_event_init (&ev);
    ev.op = step->op;
    ev.license_id = (char *) license_id;
    ev.expected_version = expected;
    ev.issuer_code = FUZZ_DEPT_CODE;
    ev.completed_at = at;
    ev.note = (char *) (step->note? step->note: "");
    if (step->op == LIC__OP__OP_ISSUE || step->op == LIC__OP__OP_ALTER)
        ev.content = s_content (step->valid_to, (int) expected + 1, digests, with_secret,
                                &disc, &n_disc);
    if (step->op == LIC__OP__OP_EXTEND)
        ev.valid_to = (char *) step->valid_to;
    uint8_t *body = S_ENCODE (event, &ev, &len);
    Lic__Envelope *env = s_signed (body, len, step->key);
    env->disclosures = disc;
    env->n_disclosures = n_disc;
    char why [512] = "";
    Lic__Event *back = NULL;
    FUZZ_CHECK (codec_event_decode (body, len, &back) == ERR_OK);
    int rc = evcheck_envelope (env, back, NULL, why, sizeof why);
    if (rc != ERR_OK)
        fprintf (stderr, "seed event refused: %s\n", why);
    FUZZ_CHECK (rc == ERR_OK);
    //  Digested as the type says (plain values are for JSON seeds: what a
    //  department writes before licctl seals it)
    if (digests) {
        rc = disclose_check (checks_type (), back->content, env->disclosures,
                             env->n_disclosures, with_secret, why, sizeof why);
        if (rc != ERR_OK)
            fprintf (stderr, "seed disclosures refused: %s\n", why);
        FUZZ_CHECK (rc == ERR_OK);
    }
    codec_event_free (&back);
    return env;
}


//  --------------------------------------------------------------------
//  Node-signed bodies

static Lic__Envelope *
s_registration (void)
{
    static ProtobufCBinaryData sign_keys [1], revoked [1];
    static char *types [] = { FUZZ_TYPE_CODE };
    Lic__Department dept;
    Lic__Registration reg;
    size_t len;
    codec_department_init (&dept);
    dept.credit_code = FUZZ_DEPT_CODE;
    dept.name = "market regulation bureau 330106";
    sign_keys [0] = s_bin (fuzz_key (FUZZ_KEY_DEPT)->pk, 32);
    revoked [0] = s_bin (fuzz_key (FUZZ_KEY_DEPT_OLD)->pk, 32);
    dept.sign_keys = sign_keys;
    dept.n_sign_keys = 1;
    dept.revoked_keys = revoked;
    dept.n_revoked_keys = 1;
    dept.curve_key = s_bin (s_curve (FUZZ_KEY_DEPT, NULL, NULL), 32);
    dept.license_types = types;
    dept.n_license_types = 1;
    codec_registration_init (&reg);
    reg.division = FUZZ_DIV_COUNTY;
    reg.department = &dept;
    reg.at = S_AT - 86400;
    uint8_t *body = S_ENCODE (registration, &reg, &len);
    return s_signed (body, len, FUZZ_KEY_COUNTY);
}

static Lic__Envelope *
s_catalogue (void)
{
    Lic__LicenseType t = *checks_type ();
    size_t len;
    t.version = 1;
    t.division = FUZZ_DIV_COUNTY;
    t.at = S_AT - 2 * 86400;
    uint8_t *body = S_ENCODE (license_type, &t, &len);
    return s_signed (body, len, FUZZ_KEY_COUNTY);
}

//  The record of `child` signed by `parent` (its parent node).
static Lic__Envelope *
s_node_record (fuzz_key_id_t child, fuzz_key_id_t parent)
{
    Lic__NodeRecord rec;
    size_t len;
    codec_node_record_init (&rec);
    rec.division = (char *) fuzz_key (child)->division;
    rec.sign_key = s_bin (fuzz_key (child)->pk, 32);
    rec.curve_key = s_bin (s_curve (child, NULL, NULL), 32);
    rec.parent_division = (char *) fuzz_key (parent)->division;
    rec.at = S_AT - 3 * 86400;
    uint8_t *body = S_ENCODE (node_record, &rec, &len);
    return s_signed (body, len, parent);
}

static Lic__Envelope *
s_app_body (void)
{
    static char *types [] = { FUZZ_TYPE_CODE };
    static char *matters [] = { "330106-000-XK-0001" };
    static Lic__Sensitivity clearance [] = { LIC__SENSITIVITY__SENS_PERSONAL };
    Lic__AppBody b = LIC__APP_BODY__INIT;
    Lic__AppBodyRegistration reg;
    size_t len;
    b.credit_code = "12330106MB0000001D";
    b.name = "Xihu government service centre";
    b.curve_key = s_bin (s_curve (FUZZ_KEYS, NULL, NULL), 32);
    b.license_types = types;
    b.n_license_types = 1;
    b.matters = matters;
    b.n_matters = 1;
    b.clearance = clearance;
    b.n_clearance = 1;
    codec_app_body_registration_init (&reg);
    reg.division = FUZZ_DIV_COUNTY;
    reg.body = &b;
    reg.at = S_AT - 86400;
    uint8_t *body = S_ENCODE (app_body_registration, &reg, &len);
    return s_signed (body, len, FUZZ_KEY_COUNTY);
}

static Lic__Envelope *
s_audit (const char *license_id)
{
    static char *returned [1];
    Lic__AuditRecord r;
    size_t len;
    codec_audit_record_init (&r);
    r.division = FUZZ_DIV_COUNTY;
    r.body_code = "12330106MB0000001D";
    r.body_key = s_bin (s_curve (FUZZ_KEYS, NULL, NULL), 32);
    r.kind = LIC__QUERY_KIND__QUERY_COPY;
    r.matter_code = "330106-000-XK-0001";
    r.staff_id = "staff-7";
    r.case_number = "2026-0001";
    r.purpose = "permit application";
    r.holder_id_type = "001";
    r.holder_id = FUZZ_HOLDER_CODE;
    r.license_id = (char *) license_id;
    returned [0] = (char *) license_id;
    r.returned = returned;
    r.n_returned = 1;
    r.at_ms = S_AT * 1000;
    r.as_of = S_AT;
    uint8_t *body = S_ENCODE (audit_record, &r, &len);
    return s_signed (body, len, FUZZ_KEY_COUNTY);
}

//  A LogEntry of the county carrying env (kept).
static uint8_t *
s_entry (uint64_t seq, Lic__EntryKind kind, Lic__Envelope *env, size_t *len)
{
    Lic__LogEntry e;
    codec_entry_init (&e);
    e.seq = seq;
    e.origin_division = FUZZ_DIV_COUNTY;
    e.origin_seq = seq;
    e.kind = kind;
    e.envelope = env;
    e.received_at = S_AT + (int64_t) seq;
    return S_ENCODE (entry, &e, len);
}


//  --------------------------------------------------------------------
//  Archived copies

typedef struct {
    const char *name;           //  file name
    int serial;                 //  license serial
    const s_step_t *steps;
    size_t n_steps;
    Lic__Status status;         //  as the statement states it
    bool pledged;
    fuzz_key_id_t maker;        //  node that makes the copy
    bool catalogue;             //  carries the type's standard
    int expect;                 //  what licclient_verify_copy says
} s_copy_spec_t;

static void
s_copy (const s_copy_spec_t *spec)
{
    const char *id = s_license_id (spec->serial);
    Lic__CopyContent cc;
    Lic__Envelope *events [8], *chain [3];
    codec_copy_content_init (&cc);
    cc.license_id = (char *) id;
    for (size_t i = 0; i < spec->n_steps; i++)
        events [i] = s_event (id, &spec->steps [i], (uint32_t) i, true, false,
                              S_AT + (int64_t) i * 3600);
    cc.events = events;
    cc.n_events = spec->n_steps;
    cc.registration = s_registration ();
    if (spec->catalogue)
        cc.catalogue = s_catalogue ();
    chain [0] = s_node_record (FUZZ_KEY_COUNTY, FUZZ_KEY_CITY);
    chain [1] = s_node_record (FUZZ_KEY_CITY, FUZZ_KEY_PROVINCE);
    cc.node_chain = chain;
    cc.n_node_chain = 2;
    size_t content_len, stmt_len, len;
    uint8_t *content = S_ENCODE (copy_content, &cc, &content_len);
    uint8_t digest [SEAL_HASH_BYTES];
    seal_hash (digest, content, content_len, NULL, 0);
    Lic__CopyStatement st;
    codec_copy_statement_init (&st);
    st.license_id = (char *) id;
    st.status = spec->status;
    st.license_version = (uint32_t) spec->n_steps;
    st.pledged = spec->pledged;
    st.at = FUZZ_NOW - 86400;
    st.expires_at = FUZZ_NOW + 30 * 86400;
    st.maker_code = "12330106MB0000001D";
    st.maker_name = "Xihu government service centre";
    st.staff_id = "staff-7";
    st.matter_code = "330106-000-XK-0001";
    st.case_number = "2026-0001";
    st.purpose = "permit application";
    st.division = (char *) fuzz_key (spec->maker)->division;
    st.content_digest = s_bin (digest, sizeof digest);
    uint8_t *stmt = S_ENCODE (copy_statement, &st, &stmt_len);
    Lic__LicenseCopy copy;
    codec_license_copy_init (&copy);
    copy.content = s_bin (content, content_len);
    copy.statement = s_signed (stmt, stmt_len, spec->maker);
    uint8_t *file = S_ENCODE (license_copy, &copy, &len);

    licclient_copy_t out;
    char why [512] = "";
    const uint8_t (*trust) [32] = (const uint8_t (*) [32]) fuzz_key (FUZZ_KEY_PROVINCE)->pk;
    int rc = licclient_verify_copy (file, len, trust, 1, FUZZ_NOW, &out, why, sizeof why);
    if (rc != spec->expect)
        fprintf (stderr, "seed copy %s: %s: %s\n", spec->name, err_str (rc), why);
    FUZZ_CHECK (rc == spec->expect);
    s_write ("copy", spec->name, file, len);
}

static void
s_copies (void)
{
    static const s_step_t issued [] = {
        { LIC__OP__OP_ISSUE, "2031-11-19", NULL, FUZZ_KEY_DEPT },
    };
    static const s_step_t changed [] = {
        { LIC__OP__OP_ISSUE, "2031-11-19", NULL, FUZZ_KEY_DEPT_OLD },
        { LIC__OP__OP_ANNUAL_INSPECTION, NULL, "passed", FUZZ_KEY_DEPT },
        { LIC__OP__OP_ALTER, "2031-11-19", "renamed", FUZZ_KEY_DEPT },
        { LIC__OP__OP_PLEDGE, NULL, "pledged to bank", FUZZ_KEY_DEPT },
    };
    static const s_step_t suspended [] = {
        { LIC__OP__OP_ISSUE, "", NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_SUSPEND, NULL, "inspection", FUZZ_KEY_DEPT },
        { LIC__OP__OP_REINSTATE, NULL, NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_SUSPEND, NULL, "again", FUZZ_KEY_DEPT },
    };
    static const s_step_t expired [] = {
        { LIC__OP__OP_ISSUE, "2026-12-01", NULL, FUZZ_KEY_DEPT },
    };
    static const s_step_t ended [] = {
        { LIC__OP__OP_ISSUE, "2027-11-19", NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_EXTEND, "2036-11-19", NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_PLEDGE, NULL, NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_PLEDGE_RELEASE, NULL, NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_REVOKE, NULL, "penalty", FUZZ_KEY_DEPT },
    };
    const s_copy_spec_t specs [] = {
        { "issued-county", 1, issued, 1, LIC__STATUS__STATUS_VALID, false, FUZZ_KEY_COUNTY,
          true, ERR_OK },
        { "changed-city", 2, changed, 4, LIC__STATUS__STATUS_VALID, true, FUZZ_KEY_CITY,
          true, ERR_OK },
        { "suspended-province", 3, suspended, 4, LIC__STATUS__STATUS_SUSPENDED, false,
          FUZZ_KEY_PROVINCE, false, ERR_OK },
        { "expired-county", 4, expired, 1, LIC__STATUS__STATUS_EXPIRED, false, FUZZ_KEY_COUNTY,
          true, ERR_OK },
        { "revoked-county", 5, ended, 5, LIC__STATUS__STATUS_REVOKED, false, FUZZ_KEY_COUNTY,
          false, ERR_OK },
        { "wrong-status", 6, issued, 1, LIC__STATUS__STATUS_SUSPENDED, false, FUZZ_KEY_COUNTY,
          true, ERR_CORRUPT },
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs [0]; i++)
        s_copy (&specs [i]);
}


//  --------------------------------------------------------------------
//  Log entries, replication frames

static void
s_entries_and_repl (void)
{
    const char *id = s_license_id (7);
    static const s_step_t steps [] = {
        { LIC__OP__OP_ISSUE, "2031-11-19", NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_ALTER, "2031-11-19", "renamed", FUZZ_KEY_DEPT },
        { LIC__OP__OP_EXTEND, "2036-11-19", NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_CANCEL, NULL, "at the holder's request", FUZZ_KEY_DEPT },
    };
    struct {
        const char *name;
        Lic__EntryKind kind;
        Lic__Envelope *env;
    } entries [] = {
        { "node-record", LIC__ENTRY_KIND__ENTRY_NODE, s_node_record (FUZZ_KEY_COUNTY2, FUZZ_KEY_CITY) },
        { "registration", LIC__ENTRY_KIND__ENTRY_REGISTRATION, s_registration () },
        { "catalogue", LIC__ENTRY_KIND__ENTRY_CATALOGUE, s_catalogue () },
        { "app-body", LIC__ENTRY_KIND__ENTRY_APP_BODY, s_app_body () },
        { "issue", LIC__ENTRY_KIND__ENTRY_EVENT, s_event (id, &steps [0], 0, true, false, S_AT) },
        { "alter", LIC__ENTRY_KIND__ENTRY_EVENT, s_event (id, &steps [1], 1, true, false, S_AT + 60) },
        { "extend", LIC__ENTRY_KIND__ENTRY_EVENT, s_event (id, &steps [2], 2, true, false, S_AT + 120) },
        { "cancel", LIC__ENTRY_KIND__ENTRY_EVENT, s_event (id, &steps [3], 3, true, false, S_AT + 180) },
        { "audit", LIC__ENTRY_KIND__ENTRY_AUDIT, s_audit (id) },
    };
    enum { N = sizeof entries / sizeof entries [0] };
    ProtobufCBinaryData bytes [N];
    for (size_t i = 0; i < N; i++) {
        size_t len;
        uint8_t *e = s_entry (i + 1, entries [i].kind, entries [i].env, &len);
        bytes [i] = s_bin (e, len);
        s_write ("entry", entries [i].name, e, len);
    }

    //  Replication frames, child (county) to parent (city) and back
    const fuzz_key_t *county = fuzz_key (FUZZ_KEY_COUNTY), *city = fuzz_key (FUZZ_KEY_CITY);
    uint8_t root [32];
    seal_sha256 (root, bytes [0].data, bytes [0].len);
    char *note = NULL, *receipt = NULL;
    FUZZ_CHECK (checkpoint_sign ("licrepo/" FUZZ_DIV_COUNTY, N, root, "licrepo/" FUZZ_DIV_COUNTY,
                                 county->sk, county->pk, &note) == ERR_OK);
    FUZZ_CHECK (checkpoint_cosign_at (note, "licrepo/" FUZZ_DIV_CITY, city->sk, city->pk,
                                      (uint64_t) S_AT, &receipt) == ERR_OK);
    s_keep (note);
    s_keep (receipt);
    size_t chain_len [2];
    uint8_t *chain0 = S_ENCODE (envelope, s_node_record (FUZZ_KEY_COUNTY, FUZZ_KEY_CITY), &chain_len [0]);
    uint8_t *chain1 = S_ENCODE (envelope, s_node_record (FUZZ_KEY_CITY, FUZZ_KEY_PROVINCE), &chain_len [1]);
    ProtobufCBinaryData chain [2] = { s_bin (chain0, chain_len [0]), s_bin (chain1, chain_len [1]) };

    Lic__Hello hello = LIC__HELLO__INIT;
    hello.division = FUZZ_DIV_COUNTY;
    hello.head_seq = N;
    hello.head_root = s_bin (root, 32);
    Lic__Welcome welcome = LIC__WELCOME__INIT;
    welcome.division = FUZZ_DIV_CITY;
    welcome.resume_after = 2;
    welcome.root_at = s_bin (root, 32);
    welcome.credit = 8;
    welcome.chain = chain;
    welcome.n_chain = 2;
    Lic__Batch batch = LIC__BATCH__INIT;
    batch.first_seq = 1;
    batch.entries = bytes;
    batch.n_entries = N;
    batch.root_after = s_bin (root, 32);
    batch.oldest_at = S_AT;
    Lic__Ack ack = LIC__ACK__INIT;
    ack.acked_seq = N;
    ack.credit = 8;
    Lic__Nack nack = LIC__NACK__INIT;
    nack.expected_seq = 3;
    nack.code = ERR_DIVERGED;
    nack.reason = "root differs at seq 3";
    //  The county's own summary, and one of its sibling it may not relay
    ProtobufCBinaryData summaries [2];
    uint32_t ages [2] = { 0, 3 };
    for (int i = 0; i < 2; i++) {
        fuzz_key_id_t who = i? FUZZ_KEY_COUNTY2: FUZZ_KEY_COUNTY;
        Lic__NodeSummary s;
        size_t slen, elen;
        codec_node_summary_init (&s);
        s.division = (char *) fuzz_key (who)->division;
        s.parent_division = FUZZ_DIV_CITY;
        s.head_seq = N;
        s.uplink_acked = N - 1;
        s.uplink_lag = 1;
        s.uplink_lag_seconds = 2;
        s.uplink_state = "streaming";
        s.made_at = S_AT;
        s.started_at = S_AT - 3600;
        s.disk_free_mb = 1024;
        s.software = "licnode 0.1.0";
        uint8_t *sb = S_ENCODE (node_summary, &s, &slen);
        uint8_t *eb = S_ENCODE (envelope, s_signed (sb, slen, who), &elen);
        summaries [i] = s_bin (eb, elen);
    }
    Lic__Heartbeat hb = LIC__HEARTBEAT__INIT;
    hb.subtree = summaries;
    hb.n_subtree = 2;
    hb.subtree_age = ages;
    hb.n_subtree_age = 2;
    hb.head_seq = N;
    hb.acked_seq = N - 1;
    hb.now = S_AT;
    hb.oldest_unacked_at = S_AT - 5;
    hb.chain = chain;
    hb.n_chain = 2;
    Lic__CheckpointNote cp = LIC__CHECKPOINT_NOTE__INIT, cosigned = LIC__CHECKPOINT_NOTE__INIT;
    cp.note = note;
    cosigned.note = receipt;
    Lic__Fetch fetch = LIC__FETCH__INIT;
    fetch.origin = FUZZ_DIV_COUNTY;
    fetch.from_parent_seq = 1;
    fetch.from_quarantine_seq = 1;
    fetch.max = 64;
    Lic__Fetched fetched = LIC__FETCHED__INIT;
    fetched.entries = bytes + 4;
    fetched.n_entries = 3;
    fetched.next_parent_seq = 8;
    fetched.next_quarantine_seq = 2;
    fetched.child_hwm = 7;
    struct {
        const char *name;
        Lic__Repl__BodyCase body;
        void *msg;
    } frames [] = {
        { "hello", LIC__REPL__BODY_HELLO, &hello },
        { "welcome", LIC__REPL__BODY_WELCOME, &welcome },
        { "batch", LIC__REPL__BODY_BATCH, &batch },
        { "ack", LIC__REPL__BODY_ACK, &ack },
        { "nack", LIC__REPL__BODY_NACK, &nack },
        { "heartbeat", LIC__REPL__BODY_HEARTBEAT, &hb },
        { "checkpoint", LIC__REPL__BODY_CHECKPOINT, &cp },
        { "receipt", LIC__REPL__BODY_RECEIPT, &cosigned },
        { "fetch", LIC__REPL__BODY_FETCH, &fetch },
        { "fetched", LIC__REPL__BODY_FETCHED, &fetched },
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames [0]; i++) {
        Lic__Repl m;
        size_t len;
        codec_repl_init (&m);
        m.body_case = frames [i].body;
        //  Every member of the oneof shares one pointer's storage
        m.hello = frames [i].msg;
        uint8_t *bytes_i = S_ENCODE (repl, &m, &len);
        s_write ("repl", frames [i].name, bytes_i, len);
    }
    s_write_text ("checkpoint", "note", note);
    s_write_text ("checkpoint", "receipt", receipt);
}


//  --------------------------------------------------------------------
//  Client frames: requests and replies

static void
s_request (const char *name, Lic__Request__BodyCase body, void *msg)
{
    Lic__Request req;
    size_t len;
    codec_request_init (&req);
    req.id = 42;
    req.body_case = body;
    req.publish = msg;                  //  the oneof's one pointer
    uint8_t *b = S_ENCODE (request, &req, &len);
    s_write ("request", name, b, len);
}

static void
s_reply (const char *name, Lic__Reply__BodyCase body, void *msg, int code)
{
    Lic__Reply reply;
    size_t len;
    codec_reply_init (&reply);
    reply.id = 42;
    reply.code = code;
    reply.message = code? "license type 11100000000013338W011 is not in the catalogue": "";
    reply.body_case = body;
    reply.published = msg;              //  the oneof's one pointer
    uint8_t *b = S_ENCODE (reply, &reply, &len);
    s_write ("request", name, b, len);
}

static void
s_frames (void)
{
    const char *id = s_license_id (8);
    static const s_step_t steps [] = {
        { LIC__OP__OP_ISSUE, "2031-11-19", NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_ANNUAL_INSPECTION, NULL, "passed", FUZZ_KEY_DEPT },
        { LIC__OP__OP_TRANSFER_OUT, NULL, "to 330108", FUZZ_KEY_DEPT },
        { LIC__OP__OP_WITHDRAW, NULL, "issued in error", FUZZ_KEY_DEPT },
    };
    Lic__Envelope *issue = s_event (id, &steps [0], 0, true, true, S_AT);
    s_request ("publish-issue", LIC__REQUEST__BODY_PUBLISH, issue);
    s_request ("publish-inspection", LIC__REQUEST__BODY_PUBLISH,
               s_event (id, &steps [1], 1, true, true, S_AT + 60));
    s_request ("publish-transfer", LIC__REQUEST__BODY_PUBLISH,
               s_event (id, &steps [2], 2, true, true, S_AT + 120));
    s_request ("publish-withdraw", LIC__REQUEST__BODY_PUBLISH,
               s_event (id, &steps [3], 1, true, true, S_AT + 180));

    Lic__GetRequest get = LIC__GET_REQUEST__INIT;
    get.license_id = (char *) id;
    get.with_history = true;
    s_request ("get", LIC__REQUEST__BODY_GET, &get);
    Lic__FindRequest find = LIC__FIND_REQUEST__INIT;
    find.holder_id_type = "001";
    find.holder_id = FUZZ_HOLDER_CODE;
    find.limit = 10;
    s_request ("find", LIC__REQUEST__BODY_FIND, &find);
    Lic__Registration *reg = NULL;
    Lic__Envelope *reg_env = s_registration ();
    FUZZ_CHECK (codec_registration_decode (reg_env->body.data, reg_env->body.len, &reg) == ERR_OK);
    Lic__RegisterRequest regreq = LIC__REGISTER_REQUEST__INIT;
    regreq.department = reg->department;
    s_request ("register", LIC__REQUEST__BODY_REGISTER, &regreq);
    Lic__StatusRequest status = LIC__STATUS_REQUEST__INIT;
    s_request ("status", LIC__REQUEST__BODY_STATUS, &status);
    Lic__LogRequest log = LIC__LOG_REQUEST__INIT;
    log.from_seq = 1;
    log.limit = 100;
    s_request ("log", LIC__REQUEST__BODY_LOG, &log);
    Lic__ProveRequest prove = LIC__PROVE_REQUEST__INIT;
    prove.seq = 3;
    prove.old_size = 2;
    s_request ("prove", LIC__REQUEST__BODY_PROVE, &prove);
    Lic__CatalogueRequest cat = LIC__CATALOGUE_REQUEST__INIT;
    cat.add = (Lic__LicenseType *) checks_type ();
    s_request ("catalogue-add", LIC__REQUEST__BODY_CATALOGUE, &cat);
    Lic__BlobRequest blob = LIC__BLOB_REQUEST__INIT;
    blob.put = s_bin ("template bytes", 14);
    s_request ("blob-put", LIC__REQUEST__BODY_BLOB, &blob);
    Lic__ReportRequest report = LIC__REPORT_REQUEST__INIT;
    report.kind = "lateness";
    s_request ("report", LIC__REQUEST__BODY_REPORT, &report);
    Lic__Holder holder = LIC__HOLDER__INIT;
    holder.id_type = "001";
    holder.id = FUZZ_HOLDER_CODE;
    Lic__QueryRequest q = LIC__QUERY_REQUEST__INIT;
    q.kind = LIC__QUERY_KIND__QUERY_COPY;
    q.matter_code = "330106-000-XK-0001";
    q.staff_id = "staff-7";
    q.case_number = "2026-0001";
    q.purpose = "permit application";
    q.holder = &holder;
    q.license_id = (char *) id;
    q.expires_at = FUZZ_NOW + 86400;
    s_request ("query-copy", LIC__REQUEST__BODY_QUERY, &q);
    Lic__AuditRequest audit = LIC__AUDIT_REQUEST__INIT;
    audit.holder_id = FUZZ_HOLDER_CODE;
    audit.limit = 10;
    s_request ("audit", LIC__REQUEST__BODY_AUDIT, &audit);

    //  Replies
    Lic__PublishResult pub = LIC__PUBLISH_RESULT__INIT;
    pub.seq = 12;
    pub.license_version = 1;
    s_reply ("reply-published", LIC__REPLY__BODY_PUBLISHED, &pub, 0);
    s_reply ("reply-refused", LIC__REPLY__BODY__NOT_SET, NULL, ERR_UNKNOWN_TYPE);
    Lic__Event *ev = NULL;
    FUZZ_CHECK (codec_event_decode (issue->body.data, issue->body.len, &ev) == ERR_OK);
    Lic__LicenseState st = LIC__LICENSE_STATE__INIT;
    st.license_id = (char *) id;
    st.status = LIC__STATUS__STATUS_VALID;
    st.version = 2;
    st.content = ev->content;
    st.issuer_code = FUZZ_DEPT_CODE;
    st.last_seq = 5;
    st.updated_at = S_AT;
    st.origin_division = FUZZ_DIV_COUNTY;
    st.catalogue_version = 1;
    st.last_inspection = "2026-11-22";
    st.content_seq = 4;
    size_t entry_len;
    uint8_t *entry_bytes = s_entry (4, LIC__ENTRY_KIND__ENTRY_EVENT, issue, &entry_len);
    Lic__LogEntry *entry = NULL;
    FUZZ_CHECK (codec_entry_decode (entry_bytes, entry_len, &entry) == ERR_OK);
    Lic__LogEntry *history [] = { entry };
    Lic__LicenseRecord rec = LIC__LICENSE_RECORD__INIT;
    rec.state = &st;
    rec.effective_status = LIC__STATUS__STATUS_VALID;
    rec.history = history;
    rec.n_history = 1;
    s_reply ("reply-license", LIC__REPLY__BODY_LICENSE, &rec, 0);
    Lic__LogEntries entries = LIC__LOG_ENTRIES__INIT;
    entries.entries = history;
    entries.n_entries = 1;
    s_reply ("reply-entries", LIC__REPLY__BODY_ENTRIES, &entries, 0);
    Lic__QueryLicense ql = LIC__QUERY_LICENSE__INIT;
    Lic__QueryLicense *qls [] = { &ql };
    char *masked [] = { "pin" };
    ql.state = &st;
    ql.effective_status = LIC__STATUS__STATUS_VALID;
    ql.content_entry = entry;
    ql.masked = masked;
    ql.n_masked = 1;
    Lic__QueryResult qr = LIC__QUERY_RESULT__INIT;
    qr.licenses = qls;
    qr.n_licenses = 1;
    qr.audit_seq = 13;
    s_reply ("reply-query", LIC__REPLY__BODY_QUERY, &qr, 0);
    Lic__ChildStatus child = LIC__CHILD_STATUS__INIT;
    Lic__ChildStatus *children [] = { &child };
    child.division = FUZZ_DIV_COUNTY;
    child.acked_seq = 9;
    child.child_head = 10;
    child.last_contact = S_AT;
    child.connected = true;
    Lic__NodeStatus ns = LIC__NODE_STATUS__INIT;
    ns.division = FUZZ_DIV_CITY;
    ns.head_seq = 10;
    ns.sign_key = s_bin (fuzz_key (FUZZ_KEY_CITY)->pk, 32);
    ns.curve_key = s_bin (s_curve (FUZZ_KEY_CITY, NULL, NULL), 32);
    ns.uplink_state = "streaming";
    ns.parent_division = FUZZ_DIV_PROVINCE;
    ns.children = children;
    ns.n_children = 1;
    s_reply ("reply-status", LIC__REPLY__BODY_STATUS, &ns, 0);
    Lic__CatalogueResult cr = LIC__CATALOGUE_RESULT__INIT;
    Lic__LicenseType *types [] = { (Lic__LicenseType *) checks_type () };
    cr.types = types;
    cr.n_types = 1;
    s_reply ("reply-catalogue", LIC__REPLY__BODY_CATALOGUE, &cr, 0);
    Lic__LatenessRow row = LIC__LATENESS_ROW__INIT;
    Lic__LatenessRow *rows [] = { &row };
    row.issuer = FUZZ_DEPT_CODE;
    row.day = "2026-11-22";
    row.events = 10;
    row.late = 2;
    row.worst_seconds = 7200;
    Lic__ReportResult rr = LIC__REPORT_RESULT__INIT;
    rr.rows = rows;
    rr.n_rows = 1;
    s_reply ("reply-report", LIC__REPLY__BODY_REPORT, &rr, 0);
    uint8_t doc_input [16] = { 4, 2, 3 };
    proofdoc_t d;
    FUZZ_CHECK (proofdoc_make (&d, doc_input, sizeof doc_input));
    s_reply ("reply-proof", LIC__REPLY__BODY_PROOF, &d.proof, 0);
    proofdoc_fini (&d);
    codec_entry_free (&entry);
    codec_event_free (&ev);
    codec_registration_free (&reg);
}


//  --------------------------------------------------------------------
//  JSON: events and license types

static void
s_event_json (void)
{
    const char *id = s_license_id (9);
    static const s_step_t steps [] = {
        { LIC__OP__OP_ISSUE, "2031-11-19", NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_ALTER, "", "open-ended now", FUZZ_KEY_DEPT },
        { LIC__OP__OP_EXTEND, "2036-11-19", NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_PLEDGE, NULL, "pledgee: Example Bank", FUZZ_KEY_DEPT },
        { LIC__OP__OP_PLEDGE_RELEASE, NULL, NULL, FUZZ_KEY_DEPT },
        { LIC__OP__OP_REVOKE, NULL, "penalty decision 7", FUZZ_KEY_DEPT },
    };
    static const char *const names [] = { "issue", "alter", "extend", "pledge",
                                          "pledge-release", "revoke" };
    char *lines = s_keep (calloc (1, S_SEED_MAX));
    size_t used = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps [0]; i++) {
        Lic__Envelope *env = s_event (id, &steps [i], (uint32_t) i, false, false,
                                      S_AT + (int64_t) i * 60);
        Lic__Event *ev = NULL;
        FUZZ_CHECK (codec_event_decode (env->body.data, env->body.len, &ev) == ERR_OK);
        json_t *json = licjson_event_to_json (ev);
        char *text = json_dumps (json, JSON_COMPACT);
        FUZZ_CHECK (text != NULL);
        s_write_text ("event_json", names [i], text);
        used += (size_t) snprintf (lines + used, S_SEED_MAX - used, "%s\n", text);
        free (text);
        json_decref (json);
        codec_event_free (&ev);
    }
    s_write_text ("event_json", "day.jsonl", lines);
    //  The forms a department writes by hand: printed ids, RFC 3339
    //  times with offsets and fractions, nulls, escapes
    char text [2048];
    snprintf (text, sizeof text,
        "{\"op\": \"issue\", \"license_id\": \"1.2.156.3005.2.%.21s.%.18s.%.11s.%.3s.%c\",\n"
        " \"expected_version\": 0, \"issuer_code\": \"" FUZZ_DEPT_CODE "\",\n"
        " \"completed_at\": \"2026-11-27T10:00:00.125+08:00\",\n"
        " \"license\": {\"name\": \"\\u8425\\u4e1a\\u6267\\u7167\",\n"
        "   \"holder\": {\"id_type\": \"111\", \"id\": \"11010519491231002X\", \"name\": \"\\u5f20\\u4e09\"},\n"
        "   \"issue_date\": \"2026-11-27\", \"valid_from\": \"2026-11-27\", \"valid_to\": null,\n"
        "   \"division_code\": \"330106\", \"service_item_code\": null,\n"
        "   \"items\": {\"name\": \"Example\", \"capital\": \"100.5\", \"kind\": \"\\u4e2d\"},\n"
        "   \"seal_info\": \"seal\", \"file_digest\": \"00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\",\n"
        "   \"predecessor_id\": \"%s\"},\n"
        " \"note\": null}\n",
        id, id + 21, id + 39, id + 50, id [53], id);
    s_write_text ("event_json", "printed-rfc3339", text);
    snprintf (text, sizeof text,
        "{\"op\":\"annual_inspection\",\"license_id\":\"%s\",\"expected_version\":3,"
        "\"issuer_code\":\"" FUZZ_DEPT_CODE "\",\"completed_at\":\"2026-02-28T23:59:59Z\","
        "\"note\":\"passed\"}\n"
        "{\"op\":\"cancel\",\"license_id\":\"%s\",\"expected_version\":4,"
        "\"completed_at\":\"2028-02-29T00:00:00-05:30\"}\n", id, id);
    s_write_text ("event_json", "times.jsonl", text);
}

static void
s_copy_file (const char *src, const char *harness, const char *name)
{
    FILE *fp = fopen (src, "rb");
    char *data = s_keep (malloc (S_SEED_MAX));
    size_t len = fp? fread (data, 1, S_SEED_MAX, fp): 0;
    if (fp)
        fclose (fp);
    if (len && len < S_SEED_MAX)
        s_write (harness, name, data, len);
}

static void
s_type_json (const char *source)
{
    s_write_text ("type_json", "test-type", checks_type_json ());
    Lic__LicenseType t = *checks_type ();
    t.withdrawn = true;
    json_t *json = licjson_type_to_json (&t);
    json_object_del (json, "version");
    json_object_del (json, "division");
    json_object_del (json, "at");
    char *text = json_dumps (json, JSON_INDENT (1));
    s_write_text ("type_json", "test-type-withdrawn", text);
    free (text);
    json_decref (json);
    if (!source)
        return;
    char path [4096];
    snprintf (path, sizeof path, "%s/deploy/catalogue", source);
    DIR *dir = opendir (path);
    struct dirent *e;
    while (dir && (e = readdir (dir)))
        if (strstr (e->d_name, ".json")) {
            snprintf (path, sizeof path, "%s/deploy/catalogue/%s", source, e->d_name);
            s_copy_file (path, "type_json", e->d_name);
        }
    if (dir)
        closedir (dir);
}


//  --------------------------------------------------------------------
//  Checkpoints, proofs, configuration, key files

static int
s_verify_proof (const char *doc, const char *since)
{
    char vkey [CHECKPOINT_VKEY_MAX], witness [CHECKPOINT_VKEY_MAX];
    char *args [] = { (char *) doc };
    licctl_opts_t opts;
    FUZZ_CHECK (checkpoint_vkey (PROOFDOC_NAME, fuzz_key (FUZZ_KEY_COUNTY)->pk, vkey,
                                 sizeof vkey) == ERR_OK);
    FUZZ_CHECK (checkpoint_cosig_vkey (PROOFDOC_WITNESS, fuzz_key (FUZZ_KEY_CITY)->pk, witness,
                                       sizeof witness) == ERR_OK);
    memset (&opts, 0, sizeof opts);
    opts.command = "verify-proof";
    opts.args = args;
    opts.n_args = 1;
    opts.key = vkey;
    opts.witness_key = witness;
    opts.since = since;
    opts.json = true;
    return licctl_cmd_verify_proof (&opts);
}

static void
s_proofs_and_notes (void)
{
    static const struct {
        const char *name;
        uint8_t head [11];
        const char *bodies;
    } docs [] = {
        { "one-leaf", { 0 }, "" },
        { "inclusion-7", { 6, 3, 0, 0, 0, 0, 0, 0x69, 0x3e, 0x12, 0x34 }, "seven leaves of bytes" },
        { "both-20", { 19, 11, 13, 0, 0, 0, 0, 0x69, 0x3e, 0x12, 0x35 },
          "twenty leaves, inclusion of 12, consistency from 13" },
        { "same-size", { 4, 4, 5, 0, 0, 0, 0, 0x69, 0x3e, 0x12, 0x36 }, "old size = size" },
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs [0]; i++) {
        uint8_t input [256];
        size_t len = strlen (docs [i].bodies);
        memcpy (input, docs [i].head, 11);
        memcpy (input + 11, docs [i].bodies, len);
        proofdoc_t d;
        FUZZ_CHECK (proofdoc_make (&d, input, 11 + len));
        char *text = proofdoc_json (&d);
        char doc_path [4096], since_path [4096];
        snprintf (doc_path, sizeof doc_path, "%s/proof/%s", s_root, docs [i].name);
        snprintf (since_path, sizeof since_path, "%s/since.tmp", s_root);
        s_write_text ("proof", docs [i].name, text);
        FILE *fp = fopen (since_path, "w");
        FUZZ_CHECK (fp && fputs (d.since, fp) >= 0 && fclose (fp) == 0);
        int rc = s_verify_proof (doc_path, *d.since? since_path: NULL);
        remove (since_path);
        FUZZ_CHECK (rc == LICCTL_EXIT_OK);
        //  Raw input of the differential too, and the receipt as a note
        char name [64];
        snprintf (name, sizeof name, "%s.tree", docs [i].name);
        s_write ("proof", name, input, 11 + len);
        snprintf (name, sizeof name, "receipt-%s", docs [i].name);
        s_write_text ("checkpoint", name, d.checkpoint);
        free (text);
        proofdoc_fini (&d);
    }
    char vkey [CHECKPOINT_VKEY_MAX];
    FUZZ_CHECK (checkpoint_vkey ("licrepo/" FUZZ_DIV_PROVINCE, fuzz_key (FUZZ_KEY_PROVINCE)->pk,
                                 vkey, sizeof vkey) == ERR_OK);
    s_write_text ("checkpoint", "vkey", vkey);
    FUZZ_CHECK (checkpoint_cosig_vkey ("licrepo/" FUZZ_DIV_CITY, fuzz_key (FUZZ_KEY_CITY)->pk,
                                       vkey, sizeof vkey) == ERR_OK);
    s_write_text ("checkpoint", "vkey-cosigner", vkey);
}

static void
s_config (const char *source)
{
    char city [41], county [41], text [4096], hex [65];
    s_curve (FUZZ_KEY_CITY, city, NULL);
    s_curve (FUZZ_KEY_COUNTY, county, NULL);
    seal_hex (hex, fuzz_key (FUZZ_KEY_COUNTY)->pk, 32);
    snprintf (text, sizeof text,
        "{ \"division\": \"330100\", \"name\": \"Hangzhou city license repository\",\n"
        "  \"data_dir\": \"/var/lib/licnode\", \"listen\": \"tcp://127.0.0.1:7400\",\n"
        "  \"query_listen\": \"tcp://127.0.0.1:7410\", \"replication_listen\": \"tcp://127.0.0.1:7401\",\n"
        "  \"parent\": { \"pub_file\": \"/tmp/licrepo-fuzz-config/node.pub\",\n"
        "              \"division\": \"330000\", \"endpoint\": \"tcp://province.example:7401\" },\n"
        "  \"children\": [ { \"division\": \"330106\", \"curve_public\": \"%s\",\n"
        "                  \"sign_public\": \"%s\", \"_note\": \"inline\" } ],\n"
        "  \"verify_threads\": 2, \"cache_mb\": 64, \"disk_reserve_mb\": 48, \"batch_max\": 256,\n"
        "  \"window\": 8, \"checkpoint_ms\": 1000, \"log_level\": \"debug\",\n"
        "  \"metrics_listen\": \"127.0.0.1:9400\", \"_about\": \"a comment\" }\n", county, hex);
    s_write_text ("config", "city", text);
    s_write_text ("config", "province-defaults", "{ \"division\": \"330000\" }\n");
    (void) city;
    if (!source)
        return;
    static const char *const files [] = {
        "deploy/licnode.sample.json", "deploy/hosts/city-330100.json",
        "deploy/hosts/county-330106.json", "deploy/hosts/province-330000.json"
    };
    for (size_t i = 0; i < sizeof files / sizeof files [0]; i++) {
        char path [4096];
        snprintf (path, sizeof path, "%s/%s", source, files [i]);
        s_copy_file (path, "config", strrchr (files [i], '/') + 1);
    }
}

static void
s_keyfiles (void)
{
    char path [4096], tmp [4096];
    keyfile_t k;
    memset (&k, 0, sizeof k);
    snprintf (k.code, sizeof k.code, "%s", FUZZ_DIV_COUNTY);
    snprintf (k.name, sizeof k.name, "county license repository 330106");
    snprintf (k.endpoint, sizeof k.endpoint, "tcp://127.0.0.1:7400");
    memcpy (k.sign_pk, fuzz_key (FUZZ_KEY_COUNTY)->pk, 32);
    memcpy (k.sign_sk, fuzz_key (FUZZ_KEY_COUNTY)->sk, 64);
    s_curve (FUZZ_KEY_COUNTY, k.curve_pk, k.curve_sk);
    k.has_secret = true;
    const struct { const char *name; bool secret; } files [] = {
        { "node.key", true }, { "node.pub", false },
    };
    snprintf (path, sizeof path, "%s/keyfile", s_root);
    if (mkdir (path, 0755) != 0 && errno != EEXIST)
        abort ();
    for (size_t i = 0; i < 2; i++) {
        snprintf (path, sizeof path, "%s/keyfile/%s", s_root, files [i].name);
        FUZZ_CHECK (keyfile_save (&k, path, files [i].secret) == ERR_OK);
        chmod (path, 0644);
        s_files++;
    }
    //  A department's key, without endpoint, in Chinese
    memset (&k, 0, sizeof k);
    snprintf (k.code, sizeof k.code, "%s", FUZZ_DEPT_CODE);
    snprintf (k.name, sizeof k.name, "\xe5\xb8\x82\xe5\x9c\xba\xe7\x9b\x91\xe7\xae\xa1\xe5\xb1\x80");
    memcpy (k.sign_pk, fuzz_key (FUZZ_KEY_DEPT)->pk, 32);
    memcpy (k.sign_sk, fuzz_key (FUZZ_KEY_DEPT)->sk, 64);
    s_curve (FUZZ_KEY_DEPT, k.curve_pk, k.curve_sk);
    k.has_secret = true;
    snprintf (tmp, sizeof tmp, "%s/keyfile/dept.key", s_root);
    FUZZ_CHECK (keyfile_save (&k, tmp, true) == ERR_OK);
    chmod (tmp, 0644);
    s_files++;
    keyfile_wipe (&k);
}

//  Inputs that found bugs, rebuilt here so they stay in the corpus:
//  strings that are not UTF-8 in the JSON views licctl prints (an item
//  name as an object key, an audit record's strings, a digest division).
static void
s_regressions (void)
{
    const char *id = s_license_id (10);
    static const s_step_t issue = { LIC__OP__OP_ISSUE, "2031-11-19", NULL, FUZZ_KEY_DEPT };
    Lic__Envelope *env = s_event (id, &issue, 0, false, false, S_AT);
    Lic__Event *ev = NULL;
    size_t len;
    FUZZ_CHECK (codec_event_decode (env->body.data, env->body.len, &ev) == ERR_OK);
    char *latin1 = ev->content->items [0]->name;
    ev->content->items [0]->name = "capit\xe1l";     //  Latin-1, not UTF-8
    uint8_t *body = S_ENCODE (event, ev, &len);
    ev->content->items [0]->name = latin1;
    codec_event_free (&ev);
    uint8_t *e = s_entry (1, LIC__ENTRY_KIND__ENTRY_EVENT, s_signed (body, len, FUZZ_KEY_DEPT), &len);
    s_write ("entry", "regress-item-name-not-utf8", e, len);
    Lic__AuditRecord r;
    codec_audit_record_init (&r);
    r.division = FUZZ_DIV_COUNTY;
    r.body_code = "12330106MB0000001\xff";
    r.staff_id = "\xc0\xaf";
    r.at_ms = S_AT * 1000;
    body = S_ENCODE (audit_record, &r, &len);
    e = s_entry (2, LIC__ENTRY_KIND__ENTRY_AUDIT, s_signed (body, len, FUZZ_KEY_COUNTY), &len);
    s_write ("entry", "regress-audit-not-utf8", e, len);
    Lic__DigestEntry total = LIC__DIGEST_ENTRY__INIT, bad = LIC__DIGEST_ENTRY__INIT;
    Lic__DigestEntry *entries [] = { &total, &bad };
    static const uint8_t digest [32];
    total.licenses = 2;
    total.digest = s_bin (digest, sizeof digest);
    bad.division = "3301\xf0\x9f";
    bad.licenses = 2;
    bad.digest = s_bin (digest, sizeof digest);
    Lic__DigestResult d = LIC__DIGEST_RESULT__INIT;
    d.entries = entries;
    d.n_entries = 2;
    s_reply ("regress-digest-division-not-utf8", LIC__REPLY__BODY_DIGEST, &d, 0);
    //  A status whose times are the ends of int64 (a hostile node's)
    Lic__ChildStatus child = LIC__CHILD_STATUS__INIT;
    Lic__ChildStatus *children [] = { &child };
    child.division = FUZZ_DIV_COUNTY;
    child.last_contact = INT64_MIN;
    child.lag_seconds = INT64_MAX;
    child.child_head = UINT64_MAX;
    Lic__NodeSummary sum;
    codec_node_summary_init (&sum);
    sum.division = FUZZ_DIV_COUNTY;
    sum.uplink_lag_seconds = INT64_MIN;
    sum.made_at = INT64_MAX;
    Lic__SubtreeNode below = LIC__SUBTREE_NODE__INIT;
    Lic__SubtreeNode *subtree [] = { &below };
    below.summary = &sum;
    below.last_seen = INT64_MIN;
    Lic__NodeStatus ns = LIC__NODE_STATUS__INIT;
    ns.division = FUZZ_DIV_CITY;
    ns.started_at = INT64_MIN;
    ns.uplink_lag_seconds = INT64_MIN;
    ns.children = children;
    ns.n_children = 1;
    ns.subtree = subtree;
    ns.n_subtree = 1;
    s_reply ("regress-status-int64-ends", LIC__REPLY__BODY_STATUS, &ns, 0);
}

int
main (int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf (stderr, "usage: fuzz_seeds CORPUS_DIR [SOURCE_DIR]\n");
        return 2;
    }
    if (seal_init () != ERR_OK)
        return 1;
    s_root = argv [1];
    const char *source = argc > 2? argv [2]: NULL;
    if (mkdir (s_root, 0755) != 0 && errno != EEXIST) {
        perror (s_root);
        return 1;
    }
    fuzz_quiet_stdout ();               //  verify-proof prints its checks
    s_copies ();
    s_entries_and_repl ();
    s_frames ();
    s_event_json ();
    s_type_json (source);
    s_proofs_and_notes ();
    s_config (source);
    s_keyfiles ();
    s_regressions ();
    for (size_t i = 0; i < s_n_kept; i++)
        free (s_kept [i]);
    fprintf (stderr, "fuzz_seeds: %zu files written under %s\n", s_files, s_root);
    return 0;
}
