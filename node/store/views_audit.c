/*  views_audit.c -- the audit index (see views.h; key layouts in
    proto/FORMAT.md section 2): audit records by seq, holder and body.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/authority.h"
#include "proto/codec.h"
#include "node/store/views_int.h"

//  Audit index keys: 'a' seq; 'h' holder id 0x00 seq; 'b' body code 0x00 seq.
size_t
views_audit_key (uint8_t *key, size_t size, char tag, const char *name, uint64_t seq)
{
    size_t nl = name? strlen (name) + 1: 0;
    if (1 + nl + 8 > size)
        return 0;
    key [0] = (uint8_t) tag;
    if (name)
        memcpy (key + 1, name, nl);
    store_put_u64 (key + 1 + nl, seq);
    return 1 + nl + 8;
}

//  Files audit record `seq` under the holder of license `id` as this node
//  holds it now, if that is not the holder the query named.
static void
s_audit_file_holder (views_t *self, store_batch_t *batch, const Lic__AuditRecord *rec,
                     const char *id, uint64_t seq)
{
    uint8_t key [160];
    size_t kl;
    Lic__LicenseState *st = NULL;
    if (!id || !*id || views_license_state (self, id, &st) != ERR_OK)
        return;
    if (st->content && st->content->holder
    &&  *st->content->holder->id
    &&  (!rec->holder_id || strcmp (st->content->holder->id, rec->holder_id) != 0)
    &&  (kl = views_audit_key (key, sizeof key, 'h', st->content->holder->id, seq)) > 0)
        store_batch_put (batch, STORE_CF_AUDIT, key, kl, "", 0);
    codec_state_free (&st);
}

int
views_apply_audit (views_t *self, store_batch_t *batch, uint64_t gen,
                   const Lic__LogEntry *entry, const Lic__AuditRecord *rec,
                   char *why, size_t why_size)
{
    int rc = authority_made_at ("audit record", rec->division, entry->origin_division,
                                why, why_size);
    if (rc != ERR_OK || (rc = views_int_put_entry (self, batch, gen, entry)) != ERR_OK)
        return rc;
    uint8_t key [160];
    size_t kl = views_audit_key (key, sizeof key, 'a', NULL, entry->seq);
    store_batch_put (batch, STORE_CF_AUDIT, key, kl, "", 0);
    if (rec->holder_id && *rec->holder_id
    &&  (kl = views_audit_key (key, sizeof key, 'h', rec->holder_id, entry->seq)) > 0)
        store_batch_put (batch, STORE_CF_AUDIT, key, kl, "", 0);
    if (rec->body_code && *rec->body_code
    &&  (kl = views_audit_key (key, sizeof key, 'b', rec->body_code, entry->seq)) > 0)
        store_batch_put (batch, STORE_CF_AUDIT, key, kl, "", 0);
    //  Filed under the real holder of every license the query named too,
    //  so a holder's report shows a probe that named someone else.  A find returns only the named holder's licenses.
    if (rec->kind != LIC__QUERY_KIND__QUERY_FIND) {
        s_audit_file_holder (self, batch, rec, rec->license_id, entry->seq);
        //  (A get, status or copy returns the license it asked for: read once.)
        for (size_t i = 0; i < rec->n_returned && i < VIEWS_AUDIT_HOLDERS_MAX; i++)
            if (!rec->license_id || strcmp (rec->returned [i], rec->license_id) != 0)
                s_audit_file_holder (self, batch, rec, rec->returned [i], entry->seq);
    }
    return ERR_OK;
}
