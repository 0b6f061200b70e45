/*  copycheck.c -- the offline check of an archived copy (copycheck.h).

    The check trusts nothing in the file: every signature is checked,
    node keys are trusted only through a chain of node records that
    reaches a key the caller trusts (the rule every level applies,
    authority_node_record), the events are replayed through the
    lifecycle to the status the node states, each disclosed value must
    hash to the digest the department signed, and the file must be
    exactly the bytes its decoded form encodes to (so no byte can change
    without failing, even one protobuf would skip).  Pure: no I/O, no
    clock (the caller says what time it is).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "proto/authority.h"
#include "proto/codec.h"
#include "proto/copycheck.h"
#include "proto/evcheck.h"
#include "proto/licid.h"
#include "proto/lifecycle.h"
#include "proto/seal.h"

#define S_TRUST_MAX 64

typedef struct {
    uint8_t key [32];
    char division [16];         //  "" when trusted directly
} s_trusted_t;

typedef struct {
    s_trusted_t keys [S_TRUST_MAX];
    size_t n;
} s_trust_t;

static const s_trusted_t *
s_trusted (const s_trust_t *t, const uint8_t *key, size_t len)
{
    for (size_t i = 0; len == 32 && i < t->n; i++)
        if (memcmp (t->keys [i].key, key, 32) == 0)
            return &t->keys [i];
    return NULL;
}

static bool
s_signed (const Lic__Envelope *env)
{
    return env && env->key_id.len == 32 && env->signature.len == 64
        && seal_verify (env->signature.data, env->body.data, env->body.len, env->key_id.data) == ERR_OK;
}

//  Extends trust along the node records: a record signed by a trusted key
//  makes the key it names trusted, for its division.
static void
s_walk_chain (s_trust_t *t, const Lic__CopyContent *cc)
{
    bool grew = true;
    for (int pass = 0; grew && pass < 16; pass++) {
        grew = false;
        for (size_t i = 0; i < cc->n_node_chain && t->n < S_TRUST_MAX; i++) {
            const Lic__Envelope *env = cc->node_chain [i];
            Lic__NodeRecord *rec = NULL;
            const s_trusted_t *signer = env? s_trusted (t, env->key_id.data, env->key_id.len): NULL;
            //  The rule every level applies (proto/authority.h): a node
            //  vouches only for divisions below it that name it as their
            //  parent (a directly trusted key has no division: it may be
            //  any parent).  A key already trusted is not vouched again.
            char why [256];
            if (!signer || !s_signed (env)
            ||  codec_node_record_decode (env->body.data, env->body.len, &rec) != ERR_OK
            ||  authority_node_record (*signer->division? signer->division: NULL, rec, NULL,
                                       why, sizeof why) != ERR_OK
            ||  s_trusted (t, rec->sign_key.data, 32)) {
                codec_node_record_free (&rec);
                continue;
            }
            memcpy (t->keys [t->n].key, rec->sign_key.data, 32);
            snprintf (t->keys [t->n].division, sizeof t->keys [t->n].division, "%s", rec->division);
            t->n++;
            grew = true;
            codec_node_record_free (&rec);
        }
    }
}

//  A node-signed envelope whose key is trusted (for `division` when the
//  chain named one).  ERR_OK or why not.
static int
s_node_signed (const s_trust_t *t, const Lic__Envelope *env, const char *what,
               const char *division, char *why, size_t why_size)
{
    if (!env) {
        err_why (why, why_size, "the copy carries no %s", what);
        return ERR_MALFORMED;
    }
    if (!s_signed (env)) {
        err_why (why, why_size, "the signature of the %s does not verify", what);
        return ERR_BAD_SIGNATURE;
    }
    const s_trusted_t *k = s_trusted (t, env->key_id.data, env->key_id.len);
    if (!k) {
        char hex [65];
        seal_hex (hex, env->key_id.data, 32);
        err_why (why, why_size, "the %s is signed by node key %s, which no chain of node records "
                 "in the copy connects to a trusted key", what, hex);
        return ERR_UNKNOWN_KEY;
    }
    if (division && *k->division && strcmp (k->division, division) != 0) {
        err_why (why, why_size, "the %s claims node %s but is signed by the key of node %s",
                 what, division, k->division);
        return ERR_UNKNOWN_KEY;
    }
    return ERR_OK;
}

//  Each disclosure of env names a digested item of the event's content
//  and hashes to its digest.
static int
s_check_disclosures (const Lic__Envelope *env, const Lic__Event *ev, size_t index,
                     copycheck_t *out, char *why, size_t why_size)
{
    for (size_t i = 0; i < env->n_disclosures; i++) {
        const Lic__Disclosure *d = env->disclosures [i];
        const Lic__DataItem *item = NULL;
        for (size_t j = 0; ev->content && !item && j < ev->content->n_items; j++)
            if (strcmp (ev->content->items [j]->name, d->name) == 0)
                item = ev->content->items [j];
        uint8_t digest [32];
        if (!item || item->digest.len != 32 || d->salt.len < 16 || d->salt.len > 64) {
            err_why (why, why_size, "event %zu discloses item %s, which it does not sign as a digest",
                     index + 1, d->name);
            return ERR_DISCLOSURE;
        }
        seal_item_digest (digest, d->salt.data, d->salt.len, d->name, d->value);
        if (memcmp (digest, item->digest.data, 32) != 0) {
            err_why (why, why_size, "event %zu: the disclosed value of item %s does not match "
                     "the digest its department signed", index + 1, d->name);
            return ERR_DISCLOSURE;
        }
        out->disclosed++;
    }
    return ERR_OK;
}

//  Replays the events: each signed by a key of the department, about
//  this license, legal after the one before.
static int
s_check_events (const Lic__CopyContent *cc, const Lic__Department *dept,
                const Lic__CopyStatement *st, copycheck_t *out, char *why, size_t why_size)
{
    lifecycle_pos_t pos = { LIC__STATUS__STATUS_NONE, false, 0 };
    char valid_to [LIFECYCLE_DAY_SIZE] = "";     //  a date evcheck_envelope checked
    if (cc->n_events == 0) {
        err_why (why, why_size, "the copy carries no event of the license");
        return ERR_MALFORMED;
    }
    for (size_t i = 0; i < cc->n_events; i++) {
        const Lic__Envelope *env = cc->events [i];
        bool known = false;
        for (size_t k = 0; env && !known && k < dept->n_sign_keys + dept->n_revoked_keys; k++) {
            const ProtobufCBinaryData *key = k < dept->n_sign_keys? &dept->sign_keys [k]
                                           : &dept->revoked_keys [k - dept->n_sign_keys];
            known = key->len == 32 && env->key_id.len == 32 && memcmp (key->data, env->key_id.data, 32) == 0;
        }
        if (!known) {
            err_why (why, why_size, "event %zu is not signed by a key of department %s", i + 1,
                     dept->credit_code);
            return ERR_UNKNOWN_KEY;
        }
        if (!s_signed (env)) {
            err_why (why, why_size, "the signature of event %zu does not verify", i + 1);
            return ERR_BAD_SIGNATURE;
        }
        Lic__Event *ev = NULL;
        if (codec_event_decode (env->body.data, env->body.len, &ev) != ERR_OK) {
            err_why (why, why_size, "event %zu does not decode", i + 1);
            return ERR_MALFORMED;
        }
        lifecycle_pos_t next;
        char step [256] = "";
        //  The checks every node made at the door (no unknown field, the
        //  time window, dates, ids), so what follows reads checked values.
        int rc = evcheck_envelope (env, ev, NULL, step, sizeof step);
        if (rc != ERR_OK)
            err_why (why, why_size, "event %zu is not a valid event: %s", i + 1, step);
        else
        if (strcmp (ev->license_id, st->license_id) != 0 || strcmp (ev->issuer_code, dept->credit_code) != 0) {
            err_why (why, why_size, "event %zu is about license %s of issuer %s, not this one",
                     i + 1, ev->license_id, ev->issuer_code);
            rc = ERR_CORRUPT;
        }
        else
        if (lifecycle_step (&pos, ev, &next, step, sizeof step) != ERR_OK) {
            err_why (why, why_size, "event %zu does not follow the one before: %s", i + 1, step);
            rc = ERR_CORRUPT;
        }
        else
            rc = s_check_disclosures (env, ev, i, out, why, why_size);
        if (rc == ERR_OK) {
            pos = next;
            if (ev->content && (ev->op == LIC__OP__OP_ISSUE || ev->op == LIC__OP__OP_ALTER)) {
                snprintf (valid_to, sizeof valid_to, "%s", ev->content->valid_to);
                //  The license file its latest content names (signed).
                out->has_file = ev->content->file_digest.len == 32;
                if (out->has_file)
                    memcpy (out->file_digest, ev->content->file_digest.data, 32);
                out->masked = 0;
                for (size_t j = 0; j < ev->content->n_items; j++)
                    if (ev->content->items [j]->digest.len)
                        out->masked++;
                out->masked -= env->n_disclosures <= out->masked? env->n_disclosures: out->masked;
            }
            else
            if (ev->op == LIC__OP__OP_EXTEND)
                snprintf (valid_to, sizeof valid_to, "%s", ev->valid_to);
        }
        codec_event_free (&ev);
        if (rc != ERR_OK)
            return rc;
    }
    Lic__Status status = lifecycle_effective_status (pos.status, valid_to, (time_t) st->at);
    if (status != st->status || pos.version != st->license_version || pos.pledged != st->pledged) {
        err_why (why, why_size, "the node states %s, version %u%s, but the events give %s, version %u%s",
                 lifecycle_status_name (st->status), st->license_version, st->pledged? ", pledged": "",
                 lifecycle_status_name (status), pos.version, pos.pledged? ", pledged": "");
        return ERR_CORRUPT;
    }
    out->events = cc->n_events;
    return ERR_OK;
}

//  What a copy decodes into; s_parts_free frees it all.
typedef struct {
    Lic__LicenseCopy *copy;
    Lic__CopyStatement *st;         //  the node's signed statement
    Lic__CopyContent *cc;           //  what it states it about
    Lic__Registration *reg;         //  the issuing department
    Lic__LicenseType *type;         //  the standard, when the copy has one
    licid_t id;                     //  the license id, parsed
} s_parts_t;

static void
s_parts_free (s_parts_t *p)
{
    codec_license_copy_free (&p->copy);
    codec_copy_statement_free (&p->st);
    codec_copy_content_free (&p->cc);
    codec_registration_free (&p->reg);
    codec_license_type_free (&p->type);
}

//  The file: canonical bytes, the node's signature of the statement, the
//  content it signed, a chain from its key to a trusted one.
static int
s_check_statement (const uint8_t *file, size_t len, s_trust_t *t, s_parts_t *p,
                   char *why, size_t why_size)
{
    uint8_t *again = NULL, digest [32];
    size_t again_len = 0;
    int rc = codec_license_copy_decode (file, len, &p->copy);
    if (rc != ERR_OK || !p->copy->statement) {
        err_why (why, why_size, "not an archived copy (does not decode as lic.LicenseCopy)");
        return rc == ERR_OK || rc == ERR_VERSION? ERR_MALFORMED: rc;
    }
    //  Canonical: the file is exactly what its content encodes to.
    if ((rc = codec_license_copy_encode (p->copy, &again, &again_len)) != ERR_OK)
        return rc;
    bool same = again_len == len && memcmp (again, file, len) == 0;
    free (again);
    if (!same) {
        err_why (why, why_size, "the file is not in canonical form (bytes were changed or added)");
        return ERR_MALFORMED;
    }
    const Lic__Envelope *senv = p->copy->statement;
    if (!s_signed (senv)) {
        err_why (why, why_size, "the node's signature of the statement does not verify");
        return ERR_BAD_SIGNATURE;
    }
    if (codec_copy_statement_decode (senv->body.data, senv->body.len, &p->st) != ERR_OK
    ||  codec_copy_content_decode (p->copy->content.data, p->copy->content.len, &p->cc) != ERR_OK) {
        err_why (why, why_size, "the statement or the content does not decode");
        return ERR_MALFORMED;
    }
    seal_hash (digest, p->copy->content.data, p->copy->content.len, NULL, 0);
    if (p->st->content_digest.len != 32 || memcmp (digest, p->st->content_digest.data, 32) != 0) {
        err_why (why, why_size, "the content is not what the node signed (digest differs)");
        return ERR_CORRUPT;
    }
    s_walk_chain (t, p->cc);
    if ((rc = s_node_signed (t, senv, "statement", p->st->division, why, why_size)) != ERR_OK)
        return rc;
    if (strcmp (p->cc->license_id, p->st->license_id) != 0) {
        err_why (why, why_size, "the content is about license %s, the statement about %s",
                 p->cc->license_id, p->st->license_id);
        return ERR_CORRUPT;
    }
    return ERR_OK;
}

//  The department, as the node where it is registered signed it, may
//  issue the license's type; the standard, when the copy carries it.
static int
s_check_issuer (const s_trust_t *t, s_parts_t *p, copycheck_t *out, char *why, size_t why_size)
{
    const Lic__CopyContent *cc = p->cc;
    int rc = s_node_signed (t, cc->registration, "department registration", NULL, why, why_size);
    if (rc != ERR_OK)
        return rc;
    if (codec_registration_decode (cc->registration->body.data, cc->registration->body.len,
                                   &p->reg) != ERR_OK || !p->reg->department) {
        err_why (why, why_size, "the department registration does not decode");
        return ERR_MALFORMED;
    }
    const s_trusted_t *rk = s_trusted (t, cc->registration->key_id.data, 32);
    if (*rk->division && strcmp (rk->division, p->reg->division) != 0) {
        err_why (why, why_size, "the registration names node %s but is signed by the key of node %s",
                 p->reg->division, rk->division);
        return ERR_UNKNOWN_KEY;
    }
    if (licid_parse (p->st->license_id, &p->id, NULL, 0) != ERR_OK) {
        err_why (why, why_size, "license id %s is not valid", p->st->license_id);
        return ERR_BAD_LICENSE_ID;
    }
    bool allowed = false;
    const Lic__Department *dept = p->reg->department;
    for (size_t i = 0; i < dept->n_license_types; i++)
        allowed |= strncmp (dept->license_types [i], p->id.type_code, 21) == 0;
    if (!allowed) {
        err_why (why, why_size, "department %s may not issue license type %.21s",
                 dept->credit_code, p->id.type_code);
        return ERR_TYPE_NOT_ALLOWED;
    }
    if (!cc->catalogue)
        return ERR_OK;
    if ((rc = s_node_signed (t, cc->catalogue, "catalogue entry", NULL, why, why_size)) != ERR_OK)
        return rc;
    if (codec_license_type_decode (cc->catalogue->body.data, cc->catalogue->body.len, &p->type) != ERR_OK
    ||  strncmp (p->type->type_code, p->id.type_code, 21) != 0) {
        err_why (why, why_size, "the catalogue entry is not the standard of type %.21s", p->id.type_code);
        return ERR_CORRUPT;
    }
    snprintf (out->type_name, sizeof out->type_name, "%s", p->type->name);
    out->type_version = p->type->version;
    return ERR_OK;
}

//  What the statement says, shown whole or not at all: a field longer
//  than its buffer (a node never writes one) is refused, not cut.
static int
s_show (const s_parts_t *p, copycheck_t *out, char *why, size_t why_size)
{
    const Lic__CopyStatement *st = p->st;
    const Lic__Department *dept = p->reg->department;
    const struct {
        const char *value, *name;
        size_t size;
    } shown [] = {
        { st->maker_code, "maker_code", sizeof out->maker_code },
        { st->staff_id, "staff_id", sizeof out->staff_id },
        { st->matter_code, "matter_code", sizeof out->matter_code },
        { st->case_number, "case_number", sizeof out->case_number },
        { st->purpose, "purpose", sizeof out->purpose },
        { st->division, "division", sizeof out->division },
        { dept->credit_code, "department credit code", sizeof out->issuer },
    };
    for (size_t i = 0; i < sizeof shown / sizeof shown [0]; i++)
        if (strnlen (shown [i].value? shown [i].value: "", shown [i].size) >= shown [i].size) {
            err_why (why, why_size, "the statement's %s is longer than %zu bytes",
                     shown [i].name, shown [i].size - 1);
            return ERR_MALFORMED;
        }
    _Static_assert (sizeof out->license_id == sizeof p->id.bare,
                    "a checked copy shows the whole bare license id");
    memcpy (out->license_id, p->id.bare, sizeof p->id.bare);
    out->status = st->status;
    out->version = st->license_version;
    out->pledged = st->pledged;
    out->at = st->at;
    out->expires_at = st->expires_at;
    snprintf (out->maker_code, sizeof out->maker_code, "%s", st->maker_code);
    snprintf (out->maker_name, sizeof out->maker_name, "%s", st->maker_name);
    snprintf (out->staff_id, sizeof out->staff_id, "%s", st->staff_id);
    snprintf (out->matter_code, sizeof out->matter_code, "%s", st->matter_code);
    snprintf (out->case_number, sizeof out->case_number, "%s", st->case_number);
    snprintf (out->purpose, sizeof out->purpose, "%s", st->purpose);
    snprintf (out->division, sizeof out->division, "%s", st->division);
    snprintf (out->issuer, sizeof out->issuer, "%s", dept->credit_code);
    snprintf (out->department, sizeof out->department, "%s", dept->name);
    return ERR_OK;
}

int
copycheck_verify (const uint8_t *file, size_t len, const uint8_t (*trust) [32], size_t n_trust,
                  int64_t now, copycheck_t *out, char *why, size_t why_size)
{
    memset (out, 0, sizeof *out);
    s_parts_t p;
    memset (&p, 0, sizeof p);
    s_trust_t t = { .n = 0 };
    for (size_t i = 0; i < n_trust && t.n < S_TRUST_MAX; i++)
        memcpy (t.keys [t.n++].key, trust [i], 32);
    int rc = s_check_statement (file, len, &t, &p, why, why_size);
    if (rc == ERR_OK)
        rc = s_check_issuer (&t, &p, out, why, why_size);
    if (rc == ERR_OK)
        rc = s_check_events (p.cc, p.reg->department, p.st, out, why, why_size);
    if (rc == ERR_OK)
        rc = s_show (&p, out, why, why_size);
    //  Last, so a stale copy still shows what it was.
    if (rc == ERR_OK && now >= p.st->expires_at) {
        char until [LIFECYCLE_TIME_SIZE], at [LIFECYCLE_TIME_SIZE];
        err_why (why, why_size, "the copy expired at %s (now %s)",
                 lifecycle_time_text (p.st->expires_at, until), lifecycle_time_text (now, at));
        rc = ERR_EXPIRED;
    }
    s_parts_free (&p);
    return rc;
}
