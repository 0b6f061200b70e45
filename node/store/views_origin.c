/*  views_origin.c -- what this node has applied of each origin division:
    the origin mark and the holes below it (see views_origin.h;
    proto/FORMAT.md family 7 and FORMAT 7).

    Entries of an origin reach a level in the order of the origin's log,
    except one held below (quarantined at some level, proto/README.md
    section 7) and applied there later: it then arrives after entries of
    its origin with higher origin seqs.  So a level keeps, per origin,
    the highest origin seq applied (the mark) and the ranges below it it
    has not applied (the holes).  An entry's origin_skip says how many
    origin seqs before it are not entries of its origin (a node's own
    entries interleave with the entries of its children), so a hole is
    opened only where an entry of the origin is missing: every hole's
    upper end is the origin seq of an entry this node has not applied.
*/
#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include "proto/authority.h"
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "proto/seal.h"
#include "node/store/views_int.h"
#include "node/store/views_origin.h"

struct views_origin_t {
    uint64_t seq;               //  mark: highest origin seq applied
    uint64_t node_seq;          //  highest origin seq of a statement applied (s_ordered)
    bool dirty;                 //  changed since the last flush into a batch
    size_t n_holes;
    views_hole_t *holes;        //  ascending, disjoint, all below seq
};

static void
s_origin_destroy (void **item_p)
{
    views_origin_t *o = (views_origin_t *) *item_p;
    if (o) {
        free (o->holes);
        free (o);
    }
    *item_p = NULL;
}

void
views_int_origins_init (views_t *self)
{
    self->origins = zhashx_new ();
    zhashx_set_destructor (self->origins, s_origin_destroy);
}

//  Decodes a stored value: mark (u64 BE), then (if holes or node
//  statements) the node mark (u64 BE) and (lo, hi) u64 BE pairs.
static views_origin_t *
s_decode (const uint8_t *v, size_t vl)
{
    if (vl != 8 && (vl < 16 || (vl - 16) % 16 != 0 || (vl - 16) / 16 > VIEWS_HOLES_MAX))
        return NULL;
    views_origin_t *o = calloc (1, sizeof *o);
    if (!o)
        return NULL;
    o->seq = store_get_u64 (v);
    o->node_seq = vl > 8? store_get_u64 (v + 8): 0;
    o->n_holes = vl > 8? (vl - 16) / 16: 0;
    v += vl > 8? 8: 0;          //  the pairs then start at v + 8
    if (o->n_holes) {
        o->holes = calloc (o->n_holes, sizeof *o->holes);
        if (!o->holes) {
            free (o);
            return NULL;
        }
    }
    uint64_t floor = 1;
    for (size_t i = 0; i < o->n_holes; i++) {
        o->holes [i].lo = store_get_u64 (v + 8 + 16 * i);
        o->holes [i].hi = store_get_u64 (v + 16 + 16 * i);
        if (o->holes [i].lo < floor || o->holes [i].hi < o->holes [i].lo
        ||  o->holes [i].hi >= o->seq) {
            free (o->holes);
            free (o);
            return NULL;
        }
        floor = o->holes [i].hi + 1;
    }
    return o;
}

int
views_int_origins_load (views_t *self)
{
    zhashx_purge (self->origins);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_ORIGIN, NULL, 0, NULL, 0);
    if (!it)
        return ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    int rc = ERR_OK;
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, &v, &vl)) {
        char div [16];
        views_origin_t *o = kl < sizeof div? s_decode (v, vl): NULL;
        if (!o) {
            rc = ERR_CORRUPT;
            break;
        }
        memcpy (div, k, kl);
        div [kl] = 0;
        zhashx_update (self->origins, div, o);
    }
    store_iter_destroy (&it);
    return rc;
}

uint64_t
views_origin_seq (views_t *self, const char *division)
{
    views_origin_t *o = (views_origin_t *) zhashx_lookup (self->origins, division);
    return o? o->seq: 0;
}

//  Statements that replace what an earlier one said (a registration, an
//  application body, a node record): they apply in their origin's order.
//  A catalogue version has its own line (proto/authority.h), an audit
//  record replaces nothing.
static bool
s_ordered (int kind)
{
    return kind == LIC__ENTRY_KIND__ENTRY_REGISTRATION || kind == LIC__ENTRY_KIND__ENTRY_APP_BODY
        || kind == LIC__ENTRY_KIND__ENTRY_NODE;
}

//  Index of the hole holding seq, or n_holes.
static size_t
s_hole_of (const views_origin_t *o, uint64_t seq)
{
    size_t lo = 0, hi = o->n_holes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (o->holes [mid].hi < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < o->n_holes && o->holes [lo].lo <= seq? lo: o->n_holes;
}

bool
views_origin_applied (views_t *self, const char *division, uint64_t seq)
{
    views_origin_t *o = (views_origin_t *) zhashx_lookup (self->origins, division);
    return o && seq <= o->seq && s_hole_of (o, seq) == o->n_holes;
}

bool
views_origin_hole (views_t *self, const char *division, uint64_t seq)
{
    views_origin_t *o = (views_origin_t *) zhashx_lookup (self->origins, division);
    return o && seq <= o->seq && s_hole_of (o, seq) < o->n_holes;
}

size_t
views_origin_holes (views_t *self, const char *division, views_hole_t *out, size_t max)
{
    views_origin_t *o = (views_origin_t *) zhashx_lookup (self->origins, division);
    size_t n = o? o->n_holes: 0;
    for (size_t i = 0; i < n && i < max; i++)
        out [i] = o->holes [i];
    return n;
}

uint64_t
views_int_origin_skip (views_t *self, const Lic__LogEntry *entry)
{
    //  A node's own entry: the origin seqs since its previous own entry
    //  went to entries of its children.
    if (strcmp (entry->origin_division, self->division) != 0 || entry->origin_seq != entry->seq)
        return entry->origin_skip;
    uint64_t mark = views_origin_seq (self, self->division);
    return entry->seq > mark + 1? entry->seq - mark - 1: 0;
}

int
views_origin_admit (views_t *self, const Lic__LogEntry *entry, char *why, size_t why_size)
{
    views_origin_t *o = (views_origin_t *) zhashx_lookup (self->origins, entry->origin_division);
    uint64_t s = entry->origin_seq, mark = o? o->seq: 0;
    const entrykind_t *kind = entrykind_of (entry->kind);
    if (o && kind && s_ordered (entry->kind) && s < o->node_seq) {
        //  The origin's statements apply in its order: a later one is
        //  applied here, which this one would undo (a registration or a
        //  record replaces the one before).
        err_why (why, why_size, "%s/%" PRIu64 " (%s) is older than %s's statement %" PRIu64
                 ": statement %" PRIu64 " was applied here, and a node's registrations, "
                 "application bodies and node records apply in its order (decide it: licctl "
                 "quarantine release|reject)", entry->origin_division, s, kind->title,
                 entry->origin_division, o->node_seq, o->node_seq);
        return ERR_EXISTS;
    }
    if (s > mark) {
        //  Opens [mark + 1, the previous entry of the origin] if it is not applied.
        bool opens = entry->origin_skip < s - 1 - mark;
        if (opens && o && o->n_holes >= VIEWS_HOLES_MAX) {
            err_why (why, why_size, "%s/%" PRIu64 " would leave a %zuth range of entries of "
                     "%s not applied below it (at most %d are kept: decide the held entries)",
                     entry->origin_division, s, o->n_holes + 1, entry->origin_division,
                     VIEWS_HOLES_MAX);
            return ERR_TOO_LARGE;
        }
        return ERR_OK;
    }
    if (!o || s_hole_of (o, s) == o->n_holes) {
        err_why (why, why_size, "%s/%" PRIu64 " is already applied here", entry->origin_division, s);
        return ERR_EXISTS;
    }
    //  Filling may split a hole in two.
    size_t i = s_hole_of (o, s);
    bool below = entry->origin_skip < s - o->holes [i].lo, above = s < o->holes [i].hi;
    if (below && above && o->n_holes >= VIEWS_HOLES_MAX) {
        err_why (why, why_size, "%s/%" PRIu64 " would split a range of entries not applied "
                 "(at most %d are kept: decide the held entries)", entry->origin_division, s,
                 VIEWS_HOLES_MAX);
        return ERR_TOO_LARGE;
    }
    return ERR_OK;
}

int
views_int_origin_note (views_t *self, const Lic__LogEntry *entry)
{
    const char *div = entry->origin_division;
    views_origin_t *o = (views_origin_t *) zhashx_lookup (self->origins, div);
    if (!o) {
        o = calloc (1, sizeof *o);
        if (!o)
            return ERR_NOMEM;
        zhashx_update (self->origins, div, o);
    }
    uint64_t s = entry->origin_seq, skip = entry->origin_skip;
    views_hole_t add [2];
    size_t n_add = 0, at = o->n_holes, drop = 0;
    if (s > o->seq) {
        //  The previous entry of the origin is s - 1 - skip.
        if (skip < s - 1 - o->seq)
            add [n_add++] = (views_hole_t) { o->seq + 1, s - 1 - skip };
        o->seq = s;
    }
    else {
        at = s_hole_of (o, s);
        if (at == o->n_holes)
            return ERR_EXISTS;
        views_hole_t h = o->holes [at];
        drop = 1;
        if (skip < s - h.lo)
            add [n_add++] = (views_hole_t) { h.lo, s - 1 - skip };
        if (s < h.hi)
            add [n_add++] = (views_hole_t) { s + 1, h.hi };
    }
    size_t n = o->n_holes - drop + n_add;
    if (n > o->n_holes) {
        views_hole_t *grown = realloc (o->holes, n * sizeof *grown);
        if (!grown)
            return ERR_NOMEM;
        o->holes = grown;
    }
    //  Replace `drop` holes at `at` by the n_add new ones (o->holes may
    //  still be NULL when there are none: no copy of zero bytes from it).
    if (o->n_holes - at - drop > 0)
        memmove (o->holes + at + n_add, o->holes + at + drop,
                 (o->n_holes - at - drop) * sizeof *o->holes);
    if (n_add > 0)
        memcpy (o->holes + at, add, n_add * sizeof *add);
    o->n_holes = n;
    if (s_ordered (entry->kind) && s > o->node_seq)
        o->node_seq = s;
    o->dirty = true;            //  written by views_flush_marks, once per batch
    if (entry->kind == LIC__ENTRY_KIND__ENTRY_REGISTRATION || entry->kind == LIC__ENTRY_KIND__ENTRY_NODE
    ||  entry->kind == LIC__ENTRY_KIND__ENTRY_CATALOGUE)
        self->origin_cause = true;
    return ERR_OK;
}

int
views_int_apply_decision (views_t *self, store_batch_t *batch, uint64_t gen,
                          const Lic__LogEntry *e, const void *body, char *why, size_t why_size)
{
    const Lic__QuarantineDecision *d = (const Lic__QuarantineDecision *) body;
    //  Made at the node that decided, about an entry of its own subtree.
    int rc = authority_made_at ("quarantine decision", d->division, e->origin_division,
                                why, why_size);
    if (rc == ERR_OK)
        rc = authority_origin (d->division, d->origin, why, why_size);
    if (rc != ERR_OK)
        return rc;
    Lic__LogEntry *held = NULL;
    if (codec_entry_decode (d->entry.data, d->entry.len, &held) != ERR_OK || !held->envelope
    ||  strcmp (held->origin_division, d->origin) != 0 || held->origin_seq != d->origin_seq) {
        codec_entry_free (&held);
        err_why (why, why_size, "quarantine decision on %s/%" PRIu64 " does not carry that entry",
                 d->origin, d->origin_seq);
        return ERR_MALFORMED;
    }
    if (views_origin_applied (self, d->origin, d->origin_seq)) {
        codec_entry_free (&held);
        err_why (why, why_size, "%s/%" PRIu64 " is already applied here", d->origin, d->origin_seq);
        return ERR_EXISTS;
    }
    const Lic__Envelope *env = held->envelope;
    if (d->release) {
        //  As if it had passed: its signature and every rule of its apply
        //  still hold; only the order of its origin's statements is not
        //  asked (views_origin_admit is not on this path).
        if (env->key_id.len != 32 || env->signature.len != 64
        ||  seal_verify (env->signature.data, env->body.data, env->body.len, env->key_id.data)
            != ERR_OK) {
            codec_entry_free (&held);
            err_why (why, why_size, "released entry %s/%" PRIu64 ": signature does not verify",
                     d->origin, d->origin_seq);
            return ERR_BAD_SIGNATURE;
        }
        const entrykind_t *kind = entrykind_of (held->kind);
        if (!kind || kind->signer != ENTRYKIND_SIGNER_NODE) {
            codec_entry_free (&held);
            err_why (why, why_size, "released entry %s/%" PRIu64 " is not a node's statement",
                     d->origin, d->origin_seq);
            return ERR_FORBIDDEN;
        }
        held->seq = e->seq;     //  what it sets points at the decision's seq
        self->embedded = true;
        rc = views_apply_entry (self, batch, gen, held, why, why_size);
        self->embedded = false;
    }
    else {
        //  Rejected: never applied, its origin seq decided (its hole filled).
        rc = views_int_origin_note (self, held);
    }
    codec_entry_free (&held);
    return rc == ERR_OK? views_int_put_entry (self, batch, gen, e): rc;
}

bool
views_origin_take_cause (views_t *self)
{
    bool cause = self->origin_cause;
    self->origin_cause = false;
    return cause;
}

store_t *
views_store_of (views_t *self)
{
    return self->store;
}

void
views_flush_marks (views_t *self, store_batch_t *batch)
{
    for (views_origin_t *o = (views_origin_t *) zhashx_first (self->origins); o;
         o = (views_origin_t *) zhashx_next (self->origins)) {
        if (!o->dirty)
            continue;
        const char *division = (const char *) zhashx_cursor (self->origins);
        //  The mark alone while there is nothing else to say.
        size_t vl = o->n_holes || o->node_seq? 16 + 16 * o->n_holes: 8;
        uint8_t small [16 + 16 * 4], *v = vl <= sizeof small? small: malloc (vl);
        if (!v)
            continue;           //  stays dirty: written with the next batch
        store_put_u64 (v, o->seq);
        if (vl > 8)
            store_put_u64 (v + 8, o->node_seq);
        for (size_t i = 0; i < o->n_holes; i++) {
            store_put_u64 (v + 16 + 16 * i, o->holes [i].lo);
            store_put_u64 (v + 24 + 16 * i, o->holes [i].hi);
        }
        store_batch_put (batch, STORE_CF_ORIGIN, division, strlen (division), v, vl);
        if (v != small)
            free (v);
        o->dirty = false;
    }
}
