/*  query_audit.c -- the operator's listing of the audit log (query.h
    query_audit_list), moved from query.c as it was.
*/
#include <time.h>
#include "node/base/logfmt.h"
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "proto/disclose.h"
#include "proto/licid.h"
#include "proto/lifecycle.h"
#include "node/serve/query_int.h"
#include "node/store/files.h"
#include "node/serve/ratelimit.h"
#include "node/serve/auditagg.h"
#include "proto/seal.h"
#include "proto/text.h"

int
query_audit_list (query_t *self, const Lic__AuditRequest *req, Lic__AuditResult *res)
{
    lic__audit_result__init (res);
    size_t limit = req->limit && req->limit < QUERY_AUDIT_MAX? req->limit: 100;
    uint8_t prefix [160], start [160];
    char tag = 'a';
    const char *name = NULL;
    if (req->holder_id && *req->holder_id) {
        tag = 'h';
        name = req->holder_id;
    }
    else
    if (req->body_code && *req->body_code) {
        tag = 'b';
        name = req->body_code;
    }
    size_t pl = views_audit_key (prefix, sizeof prefix, tag, name, 0);
    size_t sl = views_audit_key (start, sizeof start, tag, name, req->from_seq);
    if (pl == 0 || sl == 0)
        return ERR_BAD_FIELD;       //  name too long for a key
    pl -= 8;                        //  the prefix stops before the seq
    res->items = calloc (limit, sizeof *res->items);
    if (!res->items)
        return ERR_NOMEM;
    store_iter_t *it = store_iter_new (self->store, STORE_CF_AUDIT, prefix, pl, start, sl);
    if (!it)
        return ERR_NOMEM;
    const uint8_t *k;
    size_t kl, bytes = 0;
    int rc = ERR_OK;
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, NULL, NULL)) {
        if (kl < pl + 8)
            continue;
        uint64_t seq = store_get_u64 (k + kl - 8);
        if (res->n_items == limit || bytes >= QUERY_BUDGET) {
            res->next_seq = seq;    //  this one starts the next page
            res->more = true;
            break;
        }
        Lic__LogEntry *e = NULL;
        Lic__AuditRecord *r = NULL;
        if (query_load_entry (self, seq, &e) != ERR_OK
        ||  codec_audit_record_decode (e->envelope->body.data, e->envelope->body.len, &r) != ERR_OK) {
            codec_entry_free (&e);
            rc = ERR_CORRUPT;
            break;
        }
        bool wanted = (!req->matter_code || !*req->matter_code || streq (r->matter_code, req->matter_code))
                   && (!req->refused_only || r->code != ERR_OK)
                   && (!req->body_code || !*req->body_code || streq (r->body_code, req->body_code));
        Lic__AuditItem *item = wanted? calloc (1, sizeof *item): NULL;
        if (item) {
            lic__audit_item__init (item);
            item->seq = seq;
            item->origin_division = e->origin_division;
            e->origin_division = NULL;
            item->record = r;
            r = NULL;
            res->items [res->n_items++] = item;
            bytes += lic__audit_item__get_packed_size (item);
        }
        else
        if (wanted)
            rc = ERR_NOMEM;
        codec_audit_record_free (&r);
        codec_entry_free (&e);
    }
    store_iter_destroy (&it);
    return rc;
}
