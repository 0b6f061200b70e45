/*  reads.c -- the requests any admitted key may make on the client
    socket: the node's status, the catalogue, blobs.
*/
#include "node/serve/dispatch.h"
#include "node/serve/reads.h"

//  Fills ns (and st) with the node's status; ns borrows curve and root
//  (32 bytes each) and strings of self.  Free with downlink_status_free.
void
reads_status_fill (server_t *self, ingest_stats_t *st, Lic__NodeStatus *ns,
               uint8_t curve [32], uint8_t root [32], bool fresh)
{
    ingest_stats (self->ingest, st);
    //  Messages of keys no longer admitted count with the refused events.
    st->rejected += self->revoked_msgs;
    st->rejected_by_code [ERR_KEY_REVOKED] += self->revoked_msgs;
    lic__node_status__init (ns);
    ns->division = (char *) self->cfg->division;
    ns->head_seq = ingest_durable (self->ingest);
    ns->sign_key.data = self->id->node.sign_pk;
    ns->sign_key.len = 32;
    zmq_z85_decode (curve, self->id->node.curve_pk);
    ns->curve_key.data = curve;
    ns->curve_key.len = 32;
    ns->published = st->published;
    ns->rejected = st->rejected + self->bad_frames;
    ns->duplicates = st->duplicates;
    ns->departments = views_departments (self->views);
    ns->licenses = store_property (self->store, STORE_CF_LICENSE, "rocksdb.estimate-num-keys");
    ns->started_at = self->started_at;
    if (root && tree_root (views_tree (self->views), ns->head_seq, root) == ERR_OK) {
        ns->head_root.data = root;
        ns->head_root.len = 32;
    }
    ns->quarantined = self->quarantine_base + st->quarantined - st->released;   //  held now
    ns->applied = st->applied;
    ns->checkpoint = self->checkpoint? self->checkpoint: "";
    ns->catalogue_types = views_types (self->views);
    ns->inspections_overdue = self->overdue_count;
    if (self->query) {
        query_stats (self->query, &ns->queries_granted, &ns->queries_refused);
        uint64_t busy = 0, pending;
        query_flood_stats (self->query, &ns->queries_aggregated, &busy, &pending);
        ns->busy = self->busy + busy;
    }
    outq_stats_t qs;
    if (self->client_q) {
        outq_stats (self->client_q, &qs);
        ns->replies_dropped += qs.dropped;
    }
    if (self->query_q) {
        outq_stats (self->query_q, &qs);
        ns->replies_dropped += qs.dropped;
    }
    uplink_status (self->uplink, ns);
    if (self->downlink)
        downlink_status (self->downlink, ns);
    reads_files_fill (self, ns, fresh);
    reads_held_fill (self, ns, fresh);
}

//  Files named by applied entries and not held here yet, in all, per
//  origin and per child (proto/README.md section 12): ns borrows them
//  from self until the next fill.
void
reads_files_fill (server_t *self, Lic__NodeStatus *ns, bool fresh)
{
    files_stats_t *fs = &self->files_stats;
    int64_t now = zclock_mono ();
    if (fresh || !self->files_stats_at || now - self->files_stats_at >= READS_FILES_EVERY_MS) {
        if (files_missing_stats (self->store, fs) != ERR_OK) {
            self->files_stats_at = 0;           //  nothing to reuse: count again next time
            return;
        }
        self->files_stats_at = now;
    }
    ns->files_missing = fs->total;
    ns->files_missing_partial = fs->partial;
    for (size_t i = 0; i < fs->n_origin; i++) {
        Lic__FilesMissing *m = &self->files_by_origin [i];
        lic__files_missing__init (m);
        m->origin = fs->origin [i].division;
        m->files = fs->origin [i].files;
        self->files_by_origin_p [i] = m;
    }
    ns->files_missing_by_origin = self->files_by_origin_p;
    ns->n_files_missing_by_origin = fs->n_origin;
    for (size_t c = 0; c < ns->n_children; c++)
        for (size_t i = 0; i < fs->n_via; i++)
            if (strcmp (ns->children [c]->division, fs->via [i].division) == 0)
                ns->children [c]->files_missing = fs->via [i].files;
}

typedef struct {
    uint64_t entries;
    int64_t oldest;
} s_held_t;

//  Into the table arg: origin -> its entries held here or between.
static void
s_held_collect (void *arg, const char *origin, uint64_t entries, int64_t oldest)
{
    zhashx_t *table = (zhashx_t *) arg;
    s_held_t *h = (s_held_t *) zhashx_lookup (table, origin);
    if (!h) {
        if ((h = calloc (1, sizeof *h)) == NULL)
            return;
        if (zhashx_insert (table, origin, h) != 0) {
            free (h);
            return;
        }
    }
    subtree_held_add (&h->entries, &h->oldest, entries, oldest);
}

static void
s_held_destroy (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

void
reads_held_fill (server_t *self, Lic__NodeStatus *ns, bool fresh)
{
    quarantine_stats_t *hs = &self->held_stats;
    int64_t mono = zclock_mono ();
    //  Counted again when asked by the operator, when the number held
    //  changed (at most once a second: a child cannot make every fill
    //  scan), or when the count is READS_FILES_EVERY_MS old.
    int64_t age = mono - self->held_stats_at;
    if (fresh || !self->held_stats_at || age >= READS_FILES_EVERY_MS
    ||  (self->held_stats_of != ns->quarantined && age >= 1000)) {
        if (quarantine_stats (self->store, hs) != ERR_OK) {
            memset (hs, 0, sizeof *hs);
            self->held_stats_at = 0;            //  count again next time
        }
        else {
            self->held_stats_at = mono;
            self->held_stats_of = ns->quarantined;
        }
    }
    for (size_t i = 0; i < hs->n; i++) {
        Lic__HeldOrigin *h = &self->held_by_origin [i];
        lic__held_origin__init (h);
        h->origin = hs->origin [i].division;
        h->entries = hs->origin [i].entries;
        h->oldest_received_at = hs->origin [i].oldest;
        self->held_by_origin_p [i] = h;
    }
    ns->held_by_origin = self->held_by_origin_p;
    ns->n_held_by_origin = hs->n;
    ns->held_partial = hs->partial;
    if (ns->n_subtree == 0 && ns->n_children == 0)
        return;
    //  One table of what is held of each origin, here and between (one
    //  pass over the summaries), then a look-up per node below.
    zhashx_t *table = zhashx_new ();
    if (!table)
        return;
    zhashx_set_destructor (table, s_held_destroy);
    for (size_t i = 0; i < hs->n; i++)
        s_held_collect (table, hs->origin [i].division, hs->origin [i].entries, hs->origin [i].oldest);
    subtree_t *below = downlink_subtree (self->downlink);
    if (below)
        subtree_held_each (below, s_held_collect, table);
    int64_t now = (int64_t) time (NULL);
    for (size_t i = 0; i < ns->n_subtree; i++) {
        Lic__SubtreeNode *sn = ns->subtree [i];
        const Lic__NodeSummary *s = sn->summary;
        const s_held_t *h = (const s_held_t *) zhashx_lookup (table, s->division);
        sn->held_above = h? h->entries: 0;
        sn->lag = s->uplink_lag;
        subtree_lag_with_held (&sn->lag, &sn->lag_seconds, sn->held_above, h? h->oldest: 0, now);
    }
    //  A child: what this node holds of it (the table's part from here).
    for (size_t i = 0; i < ns->n_children; i++) {
        Lic__ChildStatus *cs = ns->children [i];
        uint64_t held = 0;
        int64_t oldest = 0;
        for (size_t k = 0; k < hs->n; k++)
            if (strcmp (hs->origin [k].division, cs->division) == 0) {
                held = hs->origin [k].entries;
                oldest = hs->origin [k].oldest;
            }
        cs->held = held;
        subtree_lag_with_held (&cs->lag, &cs->lag_seconds, held, oldest, now);
    }
    zhashx_destroy (&table);
}

void
reads_on_status (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    ingest_stats_t st;
    Lic__NodeStatus ns;
    uint8_t curve [32], root [32];
    //  Counted afresh for the operator only: any admitted key may ask for
    //  the status, and a scan per request would let it keep this thread
    //  busy; others get counts at most READS_FILES_EVERY_MS old.
    bool operator = (dispatch_roles (NULL, self->id->admin.curve_pk, user) & DISPATCH_OPERATOR) != 0;
    reads_status_fill (self, &st, &ns, curve, root, operator);
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_STATUS;
    reply.status = &ns;
    server_send (self, route_p, &reply);
    downlink_status_free (&ns);
}

//  Catalogue reads: list (latest of every type), show (latest of one),
//  history (every version of one), a page at a time: at most
//  SERVER_TYPES_MAX types and ~192 KiB, and `more` with the cursor of the
//  next page ("division/code" for a list, the version for a history)
//  whenever any is left out.
#define SERVER_TYPES_MAX 1024
typedef struct {
    Lic__LicenseType **types;
    size_t n, cap;
    size_t bytes;                   //  packed size so far
    const char *from;               //  list: the first "division/code" wanted ("" = all)
    bool more;                      //  a type was left out
    char next [64];                 //  list: its "division/code"
} s_types_t;

//  True if the page is full, so that the type offered next goes to the
//  next page.
static bool
s_types_full (s_types_t *c)
{
    return c->more || c->n == c->cap || c->bytes >= SERVER_REPLY_BUDGET;
}

static void
s_collect_type (void *arg, const Lic__LicenseType *t)
{
    s_types_t *c = (s_types_t *) arg;
    char key [64];
    snprintf (key, sizeof key, "%s/%s", t->division, t->type_code);
    if (*c->from && strcmp (key, c->from) < 0)
        return;
    if (s_types_full (c)) {
        if (!c->more)
            snprintf (c->next, sizeof c->next, "%s", key);
        c->more = true;
        return;
    }
    c->types [c->n++] = (Lic__LicenseType *) t;
    c->bytes += lic__license_type__get_packed_size (t);
}

void
reads_on_catalogue_read (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    const Lic__CatalogueRequest *cr = req->catalogue;
    //  Whose line of the code: the node's own unless another is asked.
    const char *line = cr->division && *cr->division? cr->division: self->cfg->division;
    s_types_t c = { NULL, 0, SERVER_TYPES_MAX, 0, cr->cursor, false, "" };
    uint64_t from_version = 1;
    if (*cr->cursor && *cr->type_code
    &&  (!cr->history || sscanf (cr->cursor, "%" SCNu64, &from_version) != 1 || from_version == 0)) {
        server_send_error (self, route_p, req->id, ERR_BAD_FIELD, "cursor \"%.80s\" is not one of this "
                      "read's (pass back next_cursor as it came)", cr->cursor);
        return;
    }
    c.types = calloc (c.cap, sizeof *c.types);
    Lic__LicenseType **owned = NULL;
    size_t n_owned = 0;
    if (!c.types) {
        server_send_error (self, route_p, req->id, ERR_NOMEM, "out of memory");
        return;
    }
    if (!*cr->type_code)
        views_each_type (self->views, s_collect_type, &c);
    else
    if (!cr->history) {
        const Lic__LicenseType *t = views_type (self->views, line, cr->type_code);
        if (t)
            c.types [c.n++] = (Lic__LicenseType *) t;
    }
    else {
        owned = calloc (c.cap + 1, sizeof *owned);
        for (uint64_t v = from_version; owned && v <= UINT32_MAX; v++) {
            if (views_type_version (self->views, line, cr->type_code, (uint32_t) v, &owned [n_owned]) != ERR_OK)
                break;
            if (s_types_full (&c)) {
                c.more = true;      //  version v starts the next page
                snprintf (c.next, sizeof c.next, "%" PRIu64, v);
                codec_license_type_free (&owned [n_owned]);
                break;
            }
            c.bytes += lic__license_type__get_packed_size (owned [n_owned]);
            c.types [c.n++] = owned [n_owned++];
        }
    }
    if (*cr->type_code && c.n == 0)
        server_send_error (self, route_p, req->id, ERR_UNKNOWN_TYPE, "license type %s is not in the "
                      "catalogue of node %s", cr->type_code, line);
    else {
        Lic__CatalogueResult res;
        lic__catalogue_result__init (&res);
        res.types = c.types;
        res.n_types = c.n;
        res.more = c.more;
        res.next_cursor = c.next;
        Lic__Reply reply;
        codec_reply_init (&reply);
        reply.id = req->id;
        reply.body_case = LIC__REPLY__BODY_CATALOGUE;
        reply.catalogue = &res;
        server_send (self, route_p, &reply);
    }
    for (size_t i = 0; i < n_owned; i++)
        codec_license_type_free (&owned [i]);
    free (owned);
    free (c.types);
}

//  A blob by its BLAKE2b digest (the operator stores them: admin.c).
void
reads_on_blob (server_t *self, zframe_t **route_p, Lic__Request **req_p, const char *user)
{
    const Lic__Request *req = *req_p;
    const Lic__BlobRequest *b = req->blob;
    uint8_t *data = NULL;
    size_t len = 0;
    if (b->digest.len != 32) {
        server_send_error (self, route_p, req->id, ERR_BAD_FIELD, "a blob is named by its 32-byte BLAKE2b digest");
        return;
    }
    int rc = store_get (self->store, STORE_CF_BLOB, b->digest.data, 32, &data, &len);
    if (rc != ERR_OK) {
        server_send_error (self, route_p, req->id, rc, rc == ERR_NOT_FOUND? "no such blob": "blob unreadable");
        return;
    }
    Lic__BlobResult res;
    lic__blob_result__init (&res);
    res.data.data = data;
    res.data.len = len;
    res.digest = b->digest;
    Lic__Reply reply;
    codec_reply_init (&reply);
    reply.id = req->id;
    reply.body_case = LIC__REPLY__BODY_BLOB;
    reply.blob = &res;
    server_send (self, route_p, &reply);
    free (data);
}
