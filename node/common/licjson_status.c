/*  licjson_status.c -- a node's status, its subtree, digests and proofs
    as JSON (formats in licjson.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include "proto/codec.h"
#include "node/common/licjson.h"
#include "node/common/licjson_int.h"
#include "proto/seal.h"

//  Binary as hex, or null when empty (a field the node did not send).
static json_t *
s_hex_or_null (ProtobufCBinaryData data)
{
    return data.len? licjson_hex (data.data, data.len): json_null ();
}

static json_t *
s_uplink_to_json (const Lic__NodeStatus *st)
{
    bool ok = true;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    licjson_set (obj, "state", licjson_str (st->uplink_state), &ok);
    licjson_set (obj, "parent_division",
                 licjson_str (st->parent_division), &ok);
    licjson_set (obj, "acked_seq",
                 licjson_int ((int64_t) st->uplink_acked), &ok);
    licjson_set (obj, "lag_entries",
                 licjson_int ((int64_t) st->uplink_lag), &ok);
    licjson_set (obj, "lag_seconds", licjson_int (st->uplink_lag_seconds), &ok);
    licjson_set (obj, "error", licjson_str (st->uplink_error), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

//  now - then in seconds, for a time a node sent (any int64): null when
//  the difference does not fit an int64.
static json_t *
s_age (int64_t now, int64_t then)
{
    if ((then < 0 && now > INT64_MAX + then) || (then > 0 && now < INT64_MIN + then))
        return json_null ();
    return licjson_int (now - then);
}

//  A node below, as the status holds it (what it said; honest lag here).
static json_t *
s_subtree_to_json (const Lic__SubtreeNode *n, int64_t now)
{
    bool ok = true;
    const Lic__NodeSummary *s = n->summary;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    licjson_set (obj, "division", licjson_str (s->division), &ok);
    licjson_set (obj, "parent", licjson_str (s->parent_division), &ok);
    licjson_set (obj, "via", licjson_str (n->via), &ok);
    licjson_set (obj, "head_seq", licjson_int ((int64_t) s->head_seq), &ok);
    licjson_set (obj, "uplink_state", licjson_str (s->uplink_state), &ok);
    licjson_set (obj, "uplink_error", licjson_str (s->uplink_error), &ok);
    licjson_set (obj, "uplink_acked", licjson_int ((int64_t) s->uplink_acked), &ok);
    licjson_set (obj, "lag_entries", licjson_int ((int64_t) n->lag), &ok);
    licjson_set (obj, "held_above", licjson_int ((int64_t) n->held_above), &ok);
    licjson_set (obj, "lag_seconds", licjson_int (n->lag_seconds), &ok);
    licjson_set (obj, "silent", json_boolean (n->silent), &ok);
    licjson_set (obj, "last_seen", licjson_int (n->last_seen), &ok);
    licjson_set (obj, "last_seen_age", s_age (now, n->last_seen), &ok);
    licjson_set (obj, "made_at", licjson_int (s->made_at), &ok);
    licjson_set (obj, "started_at", licjson_int (s->started_at), &ok);
    licjson_set (obj, "quarantined", licjson_int ((int64_t) s->quarantined), &ok);
    licjson_set (obj, "disk_free_mb", licjson_int ((int64_t) s->disk_free_mb), &ok);
    licjson_set (obj, "software", licjson_str (s->software), &ok);
    licjson_set (obj, "children", licjson_int (s->children), &ok);
    licjson_set (obj, "children_connected", licjson_int (s->children_connected), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

static json_t *
s_child_to_json (const Lic__ChildStatus *c, int64_t now)
{
    bool ok = true;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    licjson_set (obj, "division", licjson_str (c->division), &ok);
    licjson_set (obj, "connected", json_boolean (c->connected), &ok);
    licjson_set (obj, "acked_seq", licjson_int ((int64_t) c->acked_seq), &ok);
    licjson_set (obj, "child_head", licjson_int ((int64_t) c->child_head), &ok);
    licjson_set (obj, "lag_entries", licjson_int ((int64_t) c->lag), &ok);
    licjson_set (obj, "held", licjson_int ((int64_t) c->held), &ok);
    licjson_set (obj, "lag_seconds", licjson_int (c->lag_seconds), &ok);
    licjson_set (obj, "last_contact", licjson_int (c->last_contact), &ok);
    licjson_set (obj, "last_contact_age", c->last_contact?
                 s_age (now, c->last_contact): json_null (), &ok);
    licjson_set (obj, "checkpoint_size",
                 licjson_int ((int64_t) c->checkpoint_size), &ok);
    licjson_set (obj, "refused", *c->refused? licjson_str (c->refused): json_null (), &ok);
    licjson_set (obj, "files_missing", licjson_int ((int64_t) c->files_missing), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

json_t *
licjson_status_to_json (const Lic__NodeStatus *st)
{
    bool ok = true;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    int64_t now = (int64_t) time (NULL);
    licjson_set (obj, "division", licjson_str (st->division), &ok);
    licjson_set (obj, "head_seq", licjson_int ((int64_t) st->head_seq), &ok);
    licjson_set (obj, "head_root", s_hex_or_null (st->head_root), &ok);
    licjson_set (obj, "sign_key",
                 licjson_hex (st->sign_key.data, st->sign_key.len), &ok);
    licjson_set (obj, "curve_key", licjson_z85 (st->curve_key), &ok);
    licjson_set (obj, "checkpoint", licjson_str (st->checkpoint), &ok);
    licjson_set (obj, "receipt", licjson_str (st->receipt), &ok);
    licjson_set (obj, "uplink", s_uplink_to_json (st), &ok);
    json_t *children = json_array ();
    for (size_t i = 0; children && i < st->n_children; i++)
        if (json_array_append_new (children,
                                   s_child_to_json (st->children [i], now)))
            ok = false;
    licjson_set (obj, "children", children, &ok);
    json_t *subtree = json_array ();
    for (size_t i = 0; subtree && i < st->n_subtree; i++)
        if (st->subtree [i]->summary
        &&  json_array_append_new (subtree, s_subtree_to_json (st->subtree [i], now)))
            ok = false;
    licjson_set (obj, "subtree", subtree, &ok);
    licjson_set (obj, "quarantined",
                 licjson_int ((int64_t) st->quarantined), &ok);
    json_t *held = json_object ();
    for (size_t i = 0; held && i < st->n_held_by_origin; i++)
        licjson_set (held, st->held_by_origin [i]->origin,
                     licjson_int ((int64_t) st->held_by_origin [i]->entries), &ok);
    licjson_set (obj, "held_by_origin", held, &ok);
    licjson_set (obj, "held_partial", json_boolean (st->held_partial), &ok);
    //  Files (proto/README.md section 12): complete when none is missing.
    licjson_set (obj, "files_missing", licjson_int ((int64_t) st->files_missing), &ok);
    licjson_set (obj, "files_complete", json_boolean (st->files_missing == 0), &ok);
    json_t *by_origin = json_object ();
    for (size_t i = 0; by_origin && i < st->n_files_missing_by_origin; i++)
        licjson_set (by_origin, st->files_missing_by_origin [i]->origin,
                     licjson_int ((int64_t) st->files_missing_by_origin [i]->files), &ok);
    licjson_set (obj, "files_missing_by_origin", by_origin, &ok);
    licjson_set (obj, "files_missing_partial", json_boolean (st->files_missing_partial), &ok);
    licjson_set (obj, "published", licjson_int ((int64_t) st->published), &ok);
    licjson_set (obj, "applied", licjson_int ((int64_t) st->applied), &ok);
    licjson_set (obj, "rejected", licjson_int ((int64_t) st->rejected), &ok);
    licjson_set (obj, "duplicates",
                 licjson_int ((int64_t) st->duplicates), &ok);
    licjson_set (obj, "departments",
                 licjson_int ((int64_t) st->departments), &ok);
    licjson_set (obj, "licenses", licjson_int ((int64_t) st->licenses), &ok);
    licjson_set (obj, "catalogue_types",
                 licjson_int ((int64_t) st->catalogue_types), &ok);
    licjson_set (obj, "inspections_overdue",
                 licjson_int ((int64_t) st->inspections_overdue), &ok);
    licjson_set (obj, "queries_granted", licjson_int ((int64_t) st->queries_granted), &ok);
    licjson_set (obj, "queries_refused", licjson_int ((int64_t) st->queries_refused), &ok);
    licjson_set (obj, "started_at", licjson_int (st->started_at), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

json_t *
licjson_digest_to_json (const Lic__DigestResult *d)
{
    bool ok = true;
    json_t *obj = json_object ();
    json_t *divisions = json_object ();
    if (!obj || !divisions) {
        json_decref (obj);
        json_decref (divisions);
        return NULL;
    }
    for (size_t i = 0; i < d->n_entries; i++) {
        const Lic__DigestEntry *e = d->entries [i];
        json_t *entry = json_object ();
        if (entry) {
            licjson_set (entry, "licenses",
                         licjson_int ((int64_t) e->licenses), &ok);
            licjson_set (entry, "digest",
                         licjson_hex (e->digest.data, e->digest.len), &ok);
        }
        if (*e->division)
            licjson_set_text_key (divisions, e->division, entry, &ok);
        else
            licjson_set (obj, "total", entry, &ok);
    }
    licjson_set (obj, "divisions", divisions, &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

static json_t *
s_hashes_to_json (ProtobufCBinaryData *hashes, size_t n)
{
    json_t *array = json_array ();
    for (size_t i = 0; array && i < n; i++)
        if (json_array_append_new (array,
                                   licjson_hex (hashes [i].data, hashes [i].len))) {
            json_decref (array);
            return NULL;
        }
    return array;
}

json_t *
licjson_proof_to_json (const Lic__ProofResult *p, const char *origin)
{
    bool ok = true;
    bool inclusion = p->leaf.len > 0;
    bool consistency = p->old_size > 0;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    licjson_set (obj, "origin", licjson_str (origin), &ok);
    licjson_set (obj, "checkpoint", licjson_str (p->checkpoint), &ok);
    licjson_set (obj, "size", licjson_int ((int64_t) p->size), &ok);
    licjson_set (obj, "root", licjson_hex (p->root.data, p->root.len), &ok);
    licjson_set (obj, "leaf_index", inclusion? licjson_int ((int64_t) p->leaf_index):
                 json_null (), &ok);
    licjson_set (obj, "leaf", inclusion? licjson_hex (p->leaf.data, p->leaf.len):
                 json_null (), &ok);
    licjson_set (obj, "inclusion",
                 s_hashes_to_json (p->inclusion, p->n_inclusion), &ok);
    licjson_set (obj, "old_size", licjson_int ((int64_t) p->old_size), &ok);
    licjson_set (obj, "old_root", consistency?
                 licjson_hex (p->old_root.data, p->old_root.len):
                 json_null (), &ok);
    licjson_set (obj, "consistency",
                 s_hashes_to_json (p->consistency, p->n_consistency), &ok);
    if (!ok) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}
