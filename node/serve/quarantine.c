/*  quarantine.c -- what a node holds back (see quarantine.h).  */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "node/serve/quarantine.h"

uint64_t
quarantine_count (store_t *store)
{
    uint64_t n = 0;
    store_iter_t *it = store_iter_new (store, STORE_CF_QUARANTINE, NULL, 0, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (it && store_iter_next (it, &k, &kl, &v, &vl))
        n++;
    store_iter_destroy (&it);
    return n;
}

int
quarantine_stats (store_t *store, quarantine_stats_t *stats)
{
    memset (stats, 0, sizeof *stats);
    store_iter_t *it = store_iter_new (store, STORE_CF_QUARANTINE, NULL, 0, NULL, 0);
    if (!it)
        return ERR_IO;
    const uint8_t *k, *v;
    size_t kl, vl;
    quarantine_origin_t *o = NULL;
    size_t bytes = 0;
    while (store_iter_next (it, &k, &kl, &v, &vl)) {
        if (stats->total == QUARANTINE_STATS_SCAN || bytes > QUARANTINE_STATS_BYTES) {
            stats->partial = true;
            break;
        }
        stats->total++;
        bytes += kl + vl;
        //  division '/' seq (u64 BE): the division is what precedes the seq
        if (kl < 10 || kl - 9 >= sizeof o->division || k [kl - 9] != '/')
            continue;
        size_t dl = kl - 9;
        bool first = false;
        if (!o || strlen (o->division) != dl || memcmp (o->division, k, dl) != 0) {
            if (stats->n == QUARANTINE_STATS_MAX) {
                o = NULL;
                continue;
            }
            o = &stats->origin [stats->n++];
            memcpy (o->division, k, dl);
            first = true;
        }
        o->entries++;
        //  Its first held entry only: one decode per origin, not per entry.
        const uint8_t *z = first? memchr (v, 0, vl): NULL;
        Lic__LogEntry *e = NULL;
        if (z && codec_entry_decode (z + 1, vl - (size_t) (z + 1 - v), &e) == ERR_OK) {
            if (e->received_at > 0)
                o->oldest = e->received_at;
            codec_entry_free (&e);
        }
    }
    store_iter_destroy (&it);
    return ERR_OK;
}

static Lic__QuarantineItem *
s_item (const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    const uint8_t *slash = kl > 9? memchr (k, '/', kl - 8): NULL;
    const uint8_t *z = memchr (v, 0, vl);
    Lic__QuarantineItem *item = calloc (1, sizeof *item);
    if (!item)
        return NULL;
    lic__quarantine_item__init (item);
    size_t ol = slash? (size_t) (slash - k): 0;
    item->origin = strndup ((const char *) k, ol);
    item->origin_seq = slash && kl == ol + 9? store_get_u64 (slash + 1): 0;
    item->reason = z? strndup ((const char *) v, (size_t) (z - v)): strdup ("");
    if (!item->origin || !item->reason) {
        free (item->origin);
        free (item->reason);
        free (item);
        return NULL;
    }
    item->code = err_named (item->reason);
    if (z) {
        size_t el = vl - (size_t) (z + 1 - v);
        item->entry_bytes = (uint32_t) el;
        if (codec_entry_decode (z + 1, el, &item->entry) != ERR_OK)
            item->entry = NULL;
    }
    return item;
}

int
quarantine_list (store_t *store, const Lic__QuarantineRequest *req, Lic__QuarantineResult *res)
{
    lic__quarantine_result__init (res);
    size_t limit = req->limit? req->limit: QUARANTINE_LIST_DEFAULT;
    if (limit > QUARANTINE_LIST_MAX)
        limit = QUARANTINE_LIST_MAX;
    res->total = quarantine_count (store);
    uint8_t prefix [24], from [32];
    size_t pl = 0, fl = 0;
    const char *origin = req->origin? req->origin: "";
    size_t ol = strnlen (origin, 15);
    if (req->only && ol) {
        memcpy (prefix, origin, ol);
        prefix [ol] = '/';
        pl = ol + 1;
    }
    if (ol) {
        memcpy (from, origin, ol);
        from [ol] = '/';
        store_put_u64 (from + ol + 1, req->from_seq);
        fl = ol + 9;
    }
    res->items = calloc (limit, sizeof *res->items);
    if (!res->items)
        return ERR_NOMEM;
    store_iter_t *it = store_iter_new (store, STORE_CF_QUARANTINE, pl? prefix: NULL, pl,
                                       fl? from: NULL, fl);
    if (!it)
        return ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    int rc = ERR_OK;
    while (store_iter_next (it, &k, &kl, &v, &vl)) {
        Lic__QuarantineItem *item = s_item (k, kl, v, vl);
        if (!item) {
            rc = ERR_NOMEM;
            break;
        }
        if (res->n_items == limit) {
            //  One more than asked: the cursor for the next page.
            res->more = true;
            res->next_origin = item->origin;
            res->next_seq = item->origin_seq;
            item->origin = NULL;
            lic__quarantine_item__free_unpacked (item, NULL);
            break;
        }
        res->items [res->n_items++] = item;
    }
    store_iter_destroy (&it);
    return rc;
}
