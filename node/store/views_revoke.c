/*  views_revoke.c -- revocations of compromised node keys (see
    views_revoke.h; the rule is proto/authority.h's).

    Registry key `revoked/` division `/` hex key -> the revocation's
    envelope exactly as logged (proto/FORMAT.md); in memory, "division/hex
    key" -> the decoded record.
*/
#include <czmq.h>
#include <string.h>
#include "node/base/logfmt.h"
#include "proto/authority.h"
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "proto/seal.h"
#include "node/store/views_int.h"
#include "node/store/views_revoke.h"

#define S_KEY_SIZE (16 + 1 + 64 + 1)

static void
s_record_destroy (void **item_p)
{
    Lic__NodeRecord *rec = (Lic__NodeRecord *) *item_p;
    codec_node_record_free (&rec);
    *item_p = NULL;
}

//  "division/hex key"; false if the key is not 32 bytes.
static bool
s_key (char out [S_KEY_SIZE], const char *division, const uint8_t *key, size_t len)
{
    if (!division || !key || len != 32 || strlen (division) > 15)
        return false;
    char hex [65];
    seal_hex (hex, key, 32);
    snprintf (out, S_KEY_SIZE, "%s/%s", division, hex);
    return true;
}

//  Keeps rec (owned from here on) in memory.
static int
s_install (views_t *self, Lic__NodeRecord *rec)
{
    char key [S_KEY_SIZE];
    if (!s_key (key, rec->division, rec->sign_key.data, rec->sign_key.len)) {
        codec_node_record_free (&rec);
        return ERR_CORRUPT;
    }
    if (!self->revoked) {
        self->revoked = zhashx_new ();
        if (!self->revoked) {
            codec_node_record_free (&rec);
            return ERR_NOMEM;
        }
        zhashx_set_destructor (self->revoked, s_record_destroy);
    }
    zhashx_update (self->revoked, key, rec);
    return ERR_OK;
}

const Lic__NodeRecord *
views_node_revocation (views_t *self, const char *division, const uint8_t *key, size_t len)
{
    char k [S_KEY_SIZE];
    if (!self->revoked || !s_key (k, division, key, len))
        return NULL;
    return (const Lic__NodeRecord *) zhashx_lookup (self->revoked, k);
}

int
views_int_revocation_load (views_t *self, const uint8_t *v, size_t vl)
{
    Lic__Envelope *env = NULL;
    Lic__NodeRecord *rec = NULL;
    if (codec_envelope_decode (v, vl, &env) != ERR_OK
    ||  codec_node_record_decode (env->body.data, env->body.len, &rec) != ERR_OK
    ||  !rec->revocation) {
        codec_envelope_free (&env);
        codec_node_record_free (&rec);
        return ERR_CORRUPT;
    }
    codec_envelope_free (&env);
    return s_install (self, rec);
}

void
views_int_revocations_purge (views_t *self)
{
    if (self->revoked)
        zhashx_purge (self->revoked);
    if (self->vouched)
        zhashx_purge (self->vouched);
}

void
views_int_note_key (views_t *self, const char *division, const uint8_t *key)
{
    char k [S_KEY_SIZE];
    if (!s_key (k, division, key, 32))
        return;
    if (!self->vouched && !(self->vouched = zhashx_new ()))
        return;             //  out of memory: the store is still asked
    zhashx_update (self->vouched, k, (void *) "");
}

int
views_apply_revocation (views_t *self, store_batch_t *batch, uint64_t gen,
                        const Lic__LogEntry *entry, const Lic__NodeRecord *rec,
                        char *why, size_t why_size)
{
    //  The key is one the division had here: the one trusted now, or one
    //  a node record gave it before (since open, pending included; or in
    //  the store).
    bool known = false;
    char vkey [S_KEY_SIZE];
    if (rec->sign_key.len == 32 && rec->division) {
        const uint8_t *now = views_node_key (self, rec->division);
        known = now && memcmp (now, rec->sign_key.data, 32) == 0;
        if (!known && self->vouched && s_key (vkey, rec->division, rec->sign_key.data, 32))
            known = zhashx_lookup (self->vouched, vkey) != NULL;
        Lic__Envelope *env = NULL;
        if (!known && !streq (rec->division, self->division))
            known = views_node_envelope_of_key (self, rec->division, rec->sign_key.data, &env) == ERR_OK;
        codec_envelope_free (&env);
    }
    int rc = authority_node_revocation (entry->origin_division, rec, known,
                                        views_node_parent (self, rec->division),
                                        views_node_revocation (self, rec->division, rec->sign_key.data,
                                                               rec->sign_key.len),
                                        views_origin_seq (self, rec->division), why, why_size);
    if (rc != ERR_OK)
        return rc;
    char key [S_KEY_SIZE], rkey [8 + S_KEY_SIZE];
    s_key (key, rec->division, rec->sign_key.data, 32);
    snprintf (rkey, sizeof rkey, VIEWS_REVOKED_PREFIX "%s", key);
    //  Our own copy of the record: the caller's is borrowed.
    Lic__NodeRecord *copy = NULL;
    if ((rc = codec_node_record_decode (entry->envelope->body.data, entry->envelope->body.len,
                                        &copy)) != ERR_OK)
        return rc == ERR_NOMEM? rc: ERR_MALFORMED;
    if ((rc = views_int_put_entry (self, batch, gen, entry)) != ERR_OK
    ||  (rc = views_int_put_envelope (batch, rkey, entry->envelope)) != ERR_OK) {
        codec_node_record_free (&copy);
        return rc;
    }
    logfmt_msgf (LOGFMT_WARN, "node key of %s revoked by %s after origin seq %" PRIu64
                 " (entry %" PRIu64 " of %s)", rec->division, rec->parent_division,
                 rec->revoked_after, entry->origin_seq, entry->origin_division);
    return s_install (self, copy);
}

int
views_check_statement (views_t *self, const Lic__LogEntry *e, char *why, size_t why_size)
{
    const Lic__Envelope *env = e->envelope;
    const entrykind_t *kind = entrykind_of (e->kind);
    if ((kind && kind->signer == ENTRYKIND_SIGNER_DEPARTMENT) || !env || env->key_id.len != 32)
        return ERR_OK;      //  a department's event, or refused elsewhere
    return authority_node_statement (views_node_revocation (self, e->origin_division,
                                                            env->key_id.data, 32),
                                     e->origin_division, e->origin_seq, env->key_id.data,
                                     why, why_size);
}

void
views_each_revocation (views_t *self, void (*fn) (void *arg, const Lic__NodeRecord *rec), void *arg)
{
    if (!self->revoked)
        return;
    for (Lic__NodeRecord *rec = (Lic__NodeRecord *) zhashx_first (self->revoked); rec;
         rec = (Lic__NodeRecord *) zhashx_next (self->revoked))
        fn (arg, rec);
}
