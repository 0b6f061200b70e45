/*  views.c -- license, holder, history and origin views, replays, and the
    replay of any entry (see
    views.h; key layouts in proto/FORMAT.md section 2).

    Every function here only adds to a batch and to the overlay; nothing
    writes to disk.  The overlay maps a key to the bytes the pending
    batches will write (or NULL bytes for a deletion), with the generation
    that wrote it, so a later event of the same license in the same or a
    later pending batch sees its predecessor.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "node/base/logfmt.h"
#include "proto/authority.h"
#include "proto/catalogue.h"
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "proto/licid.h"
#include "proto/licstate.h"
#include "proto/lifecycle.h"
#include "proto/seal.h"
#include "node/store/files.h"
#include "node/store/views_int.h"
#include "node/store/views_revoke.h"

static void
s_type_destroy (void **item_p)
{
    Lic__LicenseType *t = (Lic__LicenseType *) *item_p;
    codec_license_type_free (&t);
    *item_p = NULL;
}

static void
s_dept_destroy (void **item_p)
{
    Lic__Registration *r = (Lic__Registration *) *item_p;
    codec_registration_free (&r);
    *item_p = NULL;
}

static void
s_signer_destroy (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static void
s_app_destroy (void **item_p)
{
    Lic__AppBodyRegistration *r = (Lic__AppBodyRegistration *) *item_p;
    codec_app_body_registration_free (&r);
    *item_p = NULL;
}

static void
s_free_item (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static int
    s_complete (views_t *self, store_t *store, const uint8_t *state, size_t len,
                Lic__LicenseState **out, uint8_t **kept, size_t *kept_len);

//  ERR_OK if contents a and b pack to the same bytes, ERR_CORRUPT if
//  not, ERR_NOMEM.
static int
s_same_content (Lic__LicenseContent *a, Lic__LicenseContent *b)
{
    Lic__LicenseState x, y;
    codec_state_init (&x);
    codec_state_init (&y);
    x.content = a;
    y.content = b;
    uint8_t *xb = NULL, *yb = NULL;
    size_t xl = 0, yl = 0;
    int rc = codec_state_encode (&x, &xb, &xl);
    if (rc == ERR_OK)
        rc = codec_state_encode (&y, &yb, &yl);
    if (rc == ERR_OK && (xl != yl || memcmp (xb, yb, xl) != 0))
        rc = ERR_CORRUPT;
    free (xb);
    free (yb);
    return rc;
}

//  Schema 3 -> 4 (FORMAT.md): every license state is rewritten without
//  its copy of the content, keeping in `valid_to` the copy's valid_to
//  when an extension changed it.  Before a state is rewritten, the rule
//  (proto/licstate.h) must give back exactly its copy from the log, so
//  nothing but the copy is dropped; a state it does not is refused
//  (ERR_CORRUPT, logged).  Batches of 5,000 states; the schema is marked
//  with the last, so a migration interrupted resumes at the next open (a
//  state rewritten has no content and is left as it is).
static int
s_migrate_states (store_t *store)
{
    store_batch_t *b = store_batch_new (store);
    store_iter_t *it = b? store_iter_new (store, STORE_CF_LICENSE, NULL, 0, NULL, 0): NULL;
    int rc = it? ERR_OK: ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl;
    uint64_t n = 0, extended = 0;
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, &v, &vl)) {
        Lic__LicenseState *st = NULL, *now = NULL;
        uint8_t *bytes = NULL;
        size_t len = 0;
        if (codec_state_decode (v, vl, &st) != ERR_OK) {
            rc = ERR_CORRUPT;
            logfmt_msgf (LOGFMT_ERROR, "schema 3 -> 4: the state of license %.*s does not "
                         "decode; the repository is left at schema 3: check it (licnode check) "
                         "with the version that wrote it", (int) kl, (const char *) k);
        }
        if (rc != ERR_OK || !st->content) {
            codec_state_free (&st);
            continue;                   //  rewritten already
        }
        Lic__LicenseContent *copy = st->content;
        char *own_valid_to = st->valid_to;
        st->content = NULL;
        rc = codec_state_encode (st, &bytes, &len);
        if (rc == ERR_OK)
            rc = s_complete (NULL, store, bytes, len, &now, NULL, NULL);
        if (rc == ERR_OK && strcmp (now->content && now->content->valid_to?
                                    now->content->valid_to: "",
                                    copy->valid_to? copy->valid_to: "") != 0) {
            //  An extension changed it: the state keeps its valid_to.
            st->valid_to = copy->valid_to;
            free (bytes);
            bytes = NULL;
            codec_state_free (&now);
            rc = codec_state_encode (st, &bytes, &len);
            if (rc == ERR_OK)
                rc = s_complete (NULL, store, bytes, len, &now, NULL, NULL);
            extended++;
        }
        if (rc == ERR_OK)
            rc = s_same_content (now->content, copy);
        if (rc == ERR_CORRUPT)
            logfmt_msgf (LOGFMT_ERROR, "schema 3 -> 4: the content kept in the state of license "
                         "%.*s is not that of its event at seq %" PRIu64 " with the state's "
                         "valid_to; the repository is left at schema 3: check it (licnode "
                         "check) with the version that wrote it, or rebuild it from its "
                         "parent (licnode rebuild --from-parent)", (int) kl, (const char *) k,
                         st->content_seq);
        st->content = copy;
        st->valid_to = own_valid_to;
        codec_state_free (&st);
        codec_state_free (&now);
        if (rc == ERR_OK) {
            store_batch_put (b, STORE_CF_LICENSE, k, kl, bytes, len);
            if (++n % 5000 == 0) {
                rc = store_write (store, b, true);
                store_batch_clear (b);
            }
            //  Progress for the operator of a large repository (minutes at
            //  millions of licenses): the node is not hung.
            if (n % 100000 == 0)
                logfmt_msgf (LOGFMT_INFO, "schema 3 -> 4: %" PRIu64 " license states rewritten "
                             "so far", n);
        }
        free (bytes);
    }
    store_iter_destroy (&it);
    uint8_t schema = 4;
    if (rc == ERR_OK) {
        store_batch_put (b, STORE_CF_META, "schema", 6, &schema, 1);
        rc = store_write (store, b, true);
    }
    store_batch_destroy (&b);
    if (rc == ERR_OK)
        logfmt_msgf (LOGFMT_INFO, "schema 3 -> 4: %" PRIu64 " license states rewritten without "
                     "their copies of the content (%" PRIu64 " keep an extension's valid_to)",
                     n, extended);
    return rc;
}

//  Schema 4 -> 5: the dedup family's marks (BLAKE2b of key and body ->
//  seq) are no longer read or written: a replay is found through its
//  license's history (views_find_duplicate).  They go in one range
//  delete (every mark is 32 bytes, below 33 0xff bytes), in the write
//  that marks the schema.
static int
s_drop_dedup (store_t *store)
{
    store_batch_t *b = store_batch_new (store);
    if (!b)
        return ERR_NOMEM;
    uint8_t end [33], schema = 5;
    memset (end, 0xff, sizeof end);
    store_batch_delete_range (b, STORE_CF_DEDUP, "", 0, end, sizeof end);
    store_batch_put (b, STORE_CF_META, "schema", 6, &schema, 1);
    int rc = store_write (store, b, true);
    store_batch_destroy (&b);
    if (rc == ERR_OK)
        logfmt_msgf (LOGFMT_INFO, "schema 4 -> 5: dedup marks dropped (replays are found "
                     "through the history index)");
    return rc;
}

//  The repository's schema (meta "schema", FORMAT.md): written when the
//  log is empty; a log written before it (schema 1: Merkle leaves over
//  the whole entry, disclosed values included) is not opened; one of
//  schema 3 is migrated (s_migrate_states), then one of 4 (s_drop_dedup);
//  the dedup family's files, if any, are compacted away.
int
views_schema (store_t *store)
{
    uint8_t *v, key [8];
    size_t vl;
    int rc = store_get (store, STORE_CF_META, "schema", 6, &v, &vl);
    if (rc == ERR_OK) {
        int was = vl == 1? v [0]: 0;
        free (v);
        if (was == 3 && (rc = s_migrate_states (store)) != ERR_OK)
            return rc;
        if ((was == 3 || was == 4) && (rc = s_drop_dedup (store)) != ERR_OK)
            return rc;
        if (was != 3 && was != 4 && was != VIEWS_SCHEMA)
            return ERR_VERSION;
        //  The dropped marks' files leave the disk: no write compacts the
        //  family again (after the migration, or at the next open if it
        //  was stopped before this).
        if (store_property (store, STORE_CF_DEDUP, "rocksdb.total-sst-files-size") > 0)
            return store_compact (store, STORE_CF_DEDUP);
        return ERR_OK;
    }
    if (rc != ERR_NOT_FOUND)
        return rc;
    store_put_u64 (key, 1);
    rc = store_get (store, STORE_CF_LOG, key, 8, &v, &vl);
    if (rc == ERR_OK) {
        free (v);
        return ERR_VERSION;
    }
    if (rc != ERR_NOT_FOUND)
        return rc;
    store_batch_t *b = store_batch_new (store);
    if (!b)
        return ERR_NOMEM;
    uint8_t schema = VIEWS_SCHEMA, whole = 1;
    store_batch_put (b, STORE_CF_META, "schema", 6, &schema, 1);
    //  A new repository's successor index is whole from its first entry.
    store_batch_put (b, STORE_CF_META, VIEWS_SUCCESSORS_MARK, strlen (VIEWS_SUCCESSORS_MARK),
                     &whole, 1);
    //  And so is its index of the files its entries name.
    store_batch_put (b, STORE_CF_META, FILES_NAMES_MARK, strlen (FILES_NAMES_MARK), &whole, 1);
    rc = store_write (store, b, true);
    store_batch_destroy (&b);
    return rc;
}

int
views_open (views_t **views_p, store_t *store, const char *division)
{
    views_t *self = calloc (1, sizeof *self);
    if (!self)
        return ERR_NOMEM;
    self->store = store;
    snprintf (self->division, sizeof self->division, "%s", division);
    self->tree = tree_new (store, division);
    self->nodes = zhashx_new ();
    views_int_origins_init (self);
    zhashx_set_destructor (self->nodes, s_free_item);
    self->licenses = overlay_new ();
    self->entries = overlay_new ();
    self->history = overlay_new ();
    self->depts = zhashx_new ();
    self->signers = zhashx_new ();
    self->apps = zhashx_new ();
    self->app_keys = zhashx_new ();
    zhashx_set_destructor (self->apps, s_app_destroy);
    self->types = zhashx_new ();
    zhashx_set_destructor (self->types, s_type_destroy);
    self->type_versions = zhashx_new ();
    zhashx_set_destructor (self->type_versions, s_type_destroy);
    zhashx_set_destructor (self->depts, s_dept_destroy);
    zhashx_set_destructor (self->signers, s_signer_destroy);
    int rc = self->licenses && self->entries && self->history? views_schema (store): ERR_NOMEM;
    if (rc == ERR_OK)
        rc = views_int_registry_load (self);
    if (rc == ERR_OK)
        rc = views_int_catalogue_load (self);
    if (rc != ERR_OK) {
        views_destroy (&self);
        return rc;
    }
    *views_p = self;
    return ERR_OK;
}

void
views_destroy (views_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    views_t *self = *self_p;
    zhashx_destroy (&self->signers);
    zhashx_destroy (&self->depts);
    zhashx_destroy (&self->app_keys);
    zhashx_destroy (&self->apps);
    zhashx_destroy (&self->types);
    zhashx_destroy (&self->type_versions);
    overlay_destroy (&self->history);
    overlay_destroy (&self->licenses);
    overlay_destroy (&self->entries);
    zhashx_destroy (&self->nodes);
    zhashx_destroy (&self->origins);
    zhashx_destroy (&self->revoked);
    zhashx_destroy (&self->vouched);
    tree_destroy (&self->tree);
    free (self);
    *self_p = NULL;
}

// ---------------------------------------------------------------------
//  Replays and license reads

//  The value of key in family cf as the views read it: the pending
//  batches' write (overlay, when self is not NULL) first, else the
//  store's, which *got then holds (to free; NULL otherwise).  ERR_OK,
//  ERR_NOT_FOUND, ERR_IO.
static int
s_pending_or_stored (views_t *self, overlay_t *pending, store_t *store, store_cf_t cf,
                     const void *key, size_t key_len, const uint8_t **value, size_t *len,
                     uint8_t **got)
{
    *got = NULL;
    if (self && overlay_get (pending, key, key_len, value, len))
        return *value? ERR_OK: ERR_NOT_FOUND;
    int rc = store_get (store, cf, key, key_len, got, len);
    *value = *got;
    return rc;
}

//  Key of the history index: license id 0x00 version (u32 BE); its
//  length, 0 if the id does not fit (ids are at most LICID_BARE_MAX).
static size_t
s_history_key (uint8_t buf [LICID_BARE_MAX + 5], const char *license_id, uint32_t version)
{
    size_t idlen = strnlen (license_id, LICID_BARE_MAX + 1);
    if (idlen > LICID_BARE_MAX)
        return 0;
    memcpy (buf, license_id, idlen);
    buf [idlen] = 0;
    store_put_u32 (buf + idlen + 1, version);
    return idlen + 5;
}

//  True if the log entry (bytes as stored) is an event signed by env's
//  key over env's body: its fields read in place, nothing decoded (a
//  check a hostile department can make the sequencer run costs a scan
//  of the entry's top-level fields and two compares).
static bool
s_same_event (const uint8_t *bytes, size_t len, const Lic__Envelope *env)
{
    const uint8_t *body, *key;
    size_t body_len, key_len;
    return licstate_entry_signed (bytes, len, &body, &body_len, &key, &key_len) == ERR_OK
        && key_len == env->key_id.len && body_len == env->body.len
        && memcmp (key, env->key_id.data, key_len) == 0
        && memcmp (body, env->body.data, body_len) == 0;
}

int
views_find_duplicate (views_t *self, const Lic__Envelope *env, const Lic__Event *ev,
                      uint64_t *seq)
{
    //  The version this event would make; an event that cannot make one
    //  (expected_version at the last) was never applied.
    uint8_t key [LICID_BARE_MAX + 5], seqb [8];
    size_t klen;
    if (!ev->license_id || ev->expected_version == UINT32_MAX
    ||  !(klen = s_history_key (key, ev->license_id, ev->expected_version + 1)))
        return ERR_NOT_FOUND;
    //  The seq that made that version, then its entry: pending (their
    //  batch's) or stored.
    const uint8_t *v, *entry;
    size_t vl, entry_len;
    uint8_t *got, *got_entry;
    int rc = s_pending_or_stored (self, self->history, self->store, STORE_CF_HISTORY, key, klen,
                                  &v, &vl, &got);
    if (rc == ERR_OK && vl != 8)
        rc = ERR_CORRUPT;
    if (rc == ERR_OK)
        memcpy (seqb, v, 8);
    free (got);
    if (rc != ERR_OK)
        return rc;
    rc = s_pending_or_stored (self, self->entries, self->store, STORE_CF_LOG, seqb, 8,
                              &entry, &entry_len, &got_entry);
    if (rc == ERR_NOT_FOUND)
        rc = ERR_CORRUPT;               //  a history key names an entry its log lacks
    if (rc != ERR_OK)
        return rc;
    rc = s_same_event (entry, entry_len, env)? ERR_OK: ERR_NOT_FOUND;
    free (got_entry);
    if (rc == ERR_OK)
        *seq = store_get_u64 (seqb);
    return rc;
}

int
views_license (views_t *self, const char *license_id, uint8_t **state, size_t *len)
{
    const uint8_t *v;
    uint8_t *got;
    int rc = s_pending_or_stored (self, self->licenses, self->store, STORE_CF_LICENSE,
                                  license_id, strlen (license_id), &v, len, &got);
    if (rc != ERR_OK || got) {
        *state = got;
        return rc;
    }
    *state = malloc (*len? *len: 1);
    if (!*state)
        return ERR_NOMEM;
    memcpy (*state, v, *len);
    return ERR_OK;
}

//  The stored state (len bytes) with its content (licstate_complete):
//  the log entry at its content_seq from the pending batches of self
//  (NULL: the committed store only), else from store.
static int
s_complete (views_t *self, store_t *store, const uint8_t *state, size_t len,
            Lic__LicenseState **out, uint8_t **kept, size_t *kept_len)
{
    uint64_t seq;
    int rc = licstate_content_seq (state, len, &seq);
    if (rc != ERR_OK)
        return rc;
    const uint8_t *entry = NULL;
    uint8_t *got = NULL;
    size_t entry_len = 0;
    if (seq) {
        uint8_t key [8];
        store_put_u64 (key, seq);
        rc = s_pending_or_stored (self, self? self->entries: NULL, store, STORE_CF_LOG, key, 8,
                                  &entry, &entry_len, &got);
        if (rc == ERR_NOT_FOUND)
            rc = ERR_CORRUPT;       //  a state names an entry its log lacks
        if (rc != ERR_OK)
            return rc;
    }
    rc = licstate_complete (state, len, entry, entry_len, out);
    if (rc == ERR_OK && kept && got) {
        *kept = got;                    //  handed over: the caller reads it too
        *kept_len = entry_len;
        got = NULL;
    }
    free (got);
    return rc;
}

int
views_license_state (views_t *self, const char *license_id, Lic__LicenseState **out)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = views_license (self, license_id, &bytes, &len);
    if (rc == ERR_OK)
        rc = s_complete (self, self->store, bytes, len, out, NULL, NULL);
    free (bytes);
    return rc;
}

int
views_license_read (store_t *store, const char *license_id, Lic__LicenseState **out)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = store_get (store, STORE_CF_LICENSE, license_id, strlen (license_id), &bytes, &len);
    if (rc == ERR_OK)
        rc = s_complete (NULL, store, bytes, len, out, NULL, NULL);
    free (bytes);
    return rc;
}

int
views_license_read_entry (store_t *store, const char *license_id, Lic__LicenseState **out,
                          uint8_t **entry, size_t *entry_len)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    *entry = NULL;
    *entry_len = 0;
    int rc = store_get (store, STORE_CF_LICENSE, license_id, strlen (license_id), &bytes, &len);
    if (rc == ERR_OK)
        rc = s_complete (NULL, store, bytes, len, out, entry, entry_len);
    free (bytes);
    return rc;
}

int
views_state_complete (store_t *store, const uint8_t *state, size_t len, Lic__LicenseState **out)
{
    return s_complete (NULL, store, state, len, out, NULL, NULL);
}

// ---------------------------------------------------------------------
//  Apply

//  Key of the holder index: holder id 0x00 id_type 0x00 license id, so
//  a holder's licenses of every id type are one prefix scan.
//  0 if it does not fit in size bytes (with a NUL after it, as the
//  snprintf that made it asked).
static size_t
s_holder_key (uint8_t *buf, size_t size, const Lic__Holder *h, const char *license_id)
{
    views_key_t k;
    views_key_init (&k, (char *) buf, size);
    views_key_str (&k, h->id, SIZE_MAX);
    views_key_char (&k, 0);
    views_key_str (&k, h->id_type, SIZE_MAX);
    views_key_char (&k, 0);
    views_key_str (&k, license_id, SIZE_MAX);
    return k.len < size? k.len: 0;
}

int
views_int_put_entry (views_t *self, store_batch_t *batch, uint64_t gen, const Lic__LogEntry *entry)
{
    uint8_t key [8], *buf, leaf [MERKLE_HASH_BYTES];
    size_t len;
    //  Stored with its origin_skip (FORMAT.md family 7: the holes).
    Lic__LogEntry stored = *entry;
    stored.origin_skip = views_int_origin_skip (self, entry);
    entry = &stored;
    if (self->embedded)
        return views_int_origin_note (self, entry);     //  logged inside its decision
    int rc = codec_entry_encode (entry, &buf, &len);
    if (rc != ERR_OK)
        return rc;
    store_put_u64 (key, entry->seq);
    store_batch_put (batch, STORE_CF_LOG, key, 8, buf, len);
    //  The log is a Merkle tree: leaf seq-1 is the entry without its
    //  disclosed values (codec_entry_leaf; FORMAT.md schema 2).
    uint8_t *leaf_data;
    size_t leaf_len;
    rc = codec_entry_leaf (entry, &leaf_data, &leaf_len);
    if (rc != ERR_OK) {
        free (buf);
        return rc;
    }
    merkle_leaf_hash (leaf, leaf_data? leaf_data: buf, leaf_data? leaf_len: len);
    free (leaf_data);
    //  An event's entry is where its license's content is read until
    //  the batch is durable (s_complete): kept, not copied.
    if (entry->kind == LIC__ENTRY_KIND__ENTRY_EVENT) {
        rc = overlay_take (self->entries, key, sizeof key, gen, buf, len);
        if (rc != ERR_OK)
            return rc;
    }
    else
        free (buf);
    rc = tree_append (self->tree, batch, gen, entry->seq - 1, leaf);
    if (rc != ERR_OK)
        return rc;
    return views_int_origin_note (self, entry);
}

//  Key of the successor index (FORMAT.md family 16): predecessor id
//  0x00 successor id, so a license's successors are one prefix scan.
//  0 if it does not fit (as s_holder_key).
static size_t
s_successor_key (uint8_t *buf, size_t size, const char *pred, const char *license_id)
{
    views_key_t k;
    views_key_init (&k, (char *) buf, size);
    views_key_str (&k, pred, SIZE_MAX);
    views_key_char (&k, 0);
    views_key_str (&k, license_id, SIZE_MAX);
    return k.len < size? k.len: 0;
}

//  The successor index follows the predecessor this license's content
//  names (set by an issue or an alteration): the old link goes, the new
//  one is written whether or not the predecessor is known here yet, so
//  the index does not depend on the order a level learns the two.
static void
s_successor_link (store_batch_t *batch, const Lic__LicenseContent *was,
                  const Lic__LicenseContent *now, const Lic__LogEntry *entry,
                  const Lic__Event *ev)
{
    const char *old_p = was && was->predecessor_id? was->predecessor_id: "";
    const char *new_p = now && now->predecessor_id? now->predecessor_id: "";
    if (!strcmp (old_p, new_p))
        return;
    uint8_t key [2 * (LICID_BARE_MAX + 1)], val [16];
    size_t klen;
    if (*old_p && (klen = s_successor_key (key, sizeof key, old_p, ev->license_id)))
        store_batch_delete (batch, STORE_CF_SUCCESSOR, key, klen);
    if (*new_p && (klen = s_successor_key (key, sizeof key, new_p, ev->license_id))) {
        store_put_u64 (val, entry->seq);
        store_put_u64 (val + 8, (uint64_t) ev->completed_at);
        store_batch_put (batch, STORE_CF_SUCCESSOR, key, klen, val, sizeof val);
    }
}

//  Fills next, the state to store (no content: FORMAT.md family 2), from
//  cur (may be NULL, as stored) and ev; fields point into cur or ev.
static void
s_next_state (Lic__LicenseState *next, const Lic__LicenseState *cur,
              const Lic__Event *ev, const lifecycle_pos_t *pos,
              const Lic__LogEntry *entry, const Lic__LicenseType *type, char *inspection_day)
{
    if (cur)
        *next = *cur;
    else
        codec_state_init (next);
    next->license_id = ev->license_id;
    next->issuer_code = ev->issuer_code;
    next->status = pos->status;
    next->pledged = pos->pledged;
    next->version = pos->version;
    next->last_seq = entry->seq;
    next->updated_at = ev->completed_at;
    next->note = ev->note;
    if (!cur)
        next->origin_division = entry->origin_division;
    next->content = NULL;
    if (ev->op == LIC__OP__OP_ISSUE || ev->op == LIC__OP__OP_ALTER) {
        //  The content is this entry's event's (proto/licstate.h).
        next->content_seq = entry->seq;
        next->valid_to = (char *) "";
        //  The standard it was checked against: the type's latest version
        //  at this point of the log (the same at every level).
        next->catalogue_version = type? type->version: 0;
    }
    if (ev->op == LIC__OP__OP_ANNUAL_INSPECTION)
        next->last_inspection = inspection_day;
    else
    if (ev->op == LIC__OP__OP_EXTEND && cur && cur->content_seq)
        next->valid_to = ev->valid_to;     //  the content's valid_to, changed
}

int
views_apply_event (views_t *self, store_batch_t *batch, uint64_t gen,
                   const Lic__LogEntry *entry, const Lic__Event *ev,
                   uint32_t *version, char *why, size_t why_size)
{
    uint8_t *cur_bytes = NULL, *next_bytes = NULL;
    size_t cur_len = 0, next_len = 0;
    Lic__LicenseState *cur = NULL, *was = NULL;
    lifecycle_pos_t pos = { LIC__STATUS__STATUS_NONE, false, 0 }, next_pos;

    int rc = views_license (self, ev->license_id, &cur_bytes, &cur_len);
    if (rc == ERR_OK) {
        if (codec_state_decode (cur_bytes, cur_len, &cur) != ERR_OK) {
            rc = ERR_CORRUPT;
            goto cleanup;
        }
        pos.status = cur->status;
        pos.pledged = cur->pledged;
        pos.version = cur->version;
    }
    else
    if (rc != ERR_NOT_FOUND)
        goto cleanup;
    rc = lifecycle_step (&pos, ev, &next_pos, why, why_size);
    if (rc != ERR_OK)
        goto cleanup;
    //  Its history key (evcheck keeps ids within LICID_BARE_MAX).
    uint8_t hist [LICID_BARE_MAX + 5];
    size_t hist_len = s_history_key (hist, ev->license_id, next_pos.version);
    if (!hist_len) {
        err_why (why, why_size, "license id longer than %d bytes", LICID_BARE_MAX);
        rc = ERR_BAD_LICENSE_ID;
        goto cleanup;
    }
    //  An issue or an alteration sets the content: the holder and the
    //  predecessor of the content it replaces leave their indexes.  Any
    //  other event leaves the content, and so the indexes, as they are.
    bool sets_content = ev->op == LIC__OP__OP_ISSUE || ev->op == LIC__OP__OP_ALTER;
    if (sets_content && cur && (rc = s_complete (self, self->store, cur_bytes, cur_len, &was, NULL, NULL))
                               != ERR_OK)
        goto cleanup;

    Lic__LicenseState next;
    //  The civil date (UTC+8) of completion, in checked integers.
    //  evcheck keeps completed_at in the time window; an entry stored
    //  before it did gets "" at every level alike, never stack bytes.
    char day [LIFECYCLE_DAY_SIZE];
    if (!lifecycle_day (ev->completed_at, day))
        day [0] = 0;
    s_next_state (&next, cur, ev, &next_pos, entry,
                  views_type (self, entry->origin_division, ev->license_id), day);
    rc = codec_state_encode (&next, &next_bytes, &next_len);
    if (rc != ERR_OK)
        goto cleanup;

    rc = views_int_put_entry (self, batch, gen, entry);
    if (rc != ERR_OK)
        goto cleanup;
    const char *id = ev->license_id;
    store_batch_put (batch, STORE_CF_LICENSE, id, strlen (id), next_bytes, next_len);
    //  The batch copied them: the overlay keeps the encoded state itself
    //  (never NULL: that would read as a deletion; freed on error).
    rc = overlay_take (self->licenses, id, strlen (id), gen, next_bytes, next_len);
    next_bytes = NULL;
    if (rc != ERR_OK)
        goto cleanup;

    //  Holder index: follow the holder when it is set or changes.
    const Lic__LicenseContent *was_c = was? was->content: NULL;
    const Lic__Holder *old_h = was_c? was_c->holder: NULL;
    const Lic__Holder *new_h = sets_content && ev->content? ev->content->holder: NULL;
    uint8_t hkey [512];
    size_t hlen;
    if (old_h
    &&  (!new_h || strcmp (old_h->id, new_h->id) || strcmp (old_h->id_type, new_h->id_type))
    &&  (hlen = s_holder_key (hkey, sizeof hkey, old_h, id)))
        store_batch_delete (batch, STORE_CF_HOLDER, hkey, hlen);
    if (new_h && (hlen = s_holder_key (hkey, sizeof hkey, new_h, id)))
        store_batch_put (batch, STORE_CF_HOLDER, hkey, hlen, "", 0);

    //  History: license id 0x00 version -> seq; also where a replay of
    //  this event is found (views_find_duplicate).
    uint8_t seqb [8];
    store_put_u64 (seqb, entry->seq);
    store_batch_put (batch, STORE_CF_HISTORY, hist, hist_len, seqb, 8);
    rc = overlay_set (self->history, hist, hist_len, gen, seqb, 8);
    if (rc != ERR_OK)
        goto cleanup;
    if (sets_content)
        s_successor_link (batch, was_c, ev->content, entry, ev);
    //  The names index: the file this event names, by its origin (a
    //  child reads back only its subtree's files, files.h).
    files_name_event (batch, ev, entry->origin_division);

    *version = next_pos.version;

cleanup:
    codec_state_free (&cur);
    codec_state_free (&was);
    free (cur_bytes);
    free (next_bytes);
    return rc;
}

int
views_state_at (views_t *self, const char *license_id, int64_t at, Lic__LicenseState **out)
{
    //  History: license id 0x00 version -> seq, in version order.
    uint8_t prefix [LICID_BARE_MAX + 1];
    size_t plen = strnlen (license_id, LICID_BARE_MAX + 1) + 1;
    if (plen > sizeof prefix)
        return ERR_BAD_LICENSE_ID;
    memcpy (prefix, license_id, plen);
    store_iter_t *it = store_iter_new (self->store, STORE_CF_HISTORY, prefix, plen, NULL, 0);
    if (!it)
        return ERR_NOMEM;
    Lic__LicenseState *cur = NULL;
    lifecycle_pos_t pos = { LIC__STATUS__STATUS_NONE, false, 0 };
    const uint8_t *k, *v;
    size_t kl, vl;
    int rc = ERR_OK;
    bool later = false;             //  reached the first event completed after `at`
    while (rc == ERR_OK && !later && store_iter_next (it, &k, &kl, &v, &vl)) {
        uint8_t *bytes = NULL, *next_bytes = NULL;
        size_t len = 0, next_len = 0;
        Lic__LogEntry *e = NULL;
        Lic__Event *ev = NULL;
        lifecycle_pos_t next_pos;
        if (vl != 8 || store_get (self->store, STORE_CF_LOG, v, 8, &bytes, &len) != ERR_OK
        ||  codec_entry_decode (bytes, len, &e) != ERR_OK || !e->envelope
        ||  codec_event_decode (e->envelope->body.data, e->envelope->body.len, &ev) != ERR_OK)
            rc = ERR_CORRUPT;
        else
        if (ev->completed_at > at)
            later = true;
        else
        if (lifecycle_step (&pos, ev, &next_pos, NULL, 0) != ERR_OK)
            rc = ERR_CORRUPT;           //  the view took it, so a replay must
        else {
            //  The same step as views_apply_event, minus the standard:
            //  which version of it was the latest then is not known here.
            Lic__LicenseState next;
            char day [LIFECYCLE_DAY_SIZE];
            if (!lifecycle_day (ev->completed_at, day))
                day [0] = 0;
            s_next_state (&next, cur, ev, &next_pos, e, NULL, day);
            Lic__LicenseState *copy = NULL;
            rc = codec_state_encode (&next, &next_bytes, &next_len);
            if (rc == ERR_OK && codec_state_decode (next_bytes, next_len, &copy) != ERR_OK)
                rc = ERR_NOMEM;
            if (rc == ERR_OK) {
                codec_state_free (&cur);
                cur = copy;
                pos = next_pos;
            }
        }
        codec_event_free (&ev);
        codec_entry_free (&e);
        free (bytes);
        free (next_bytes);
    }
    store_iter_destroy (&it);
    if (rc == ERR_OK && !cur)
        rc = ERR_NOT_FOUND;
    //  The state then as it was stored, with its content then: the same
    //  rule as every read of a license (proto/licstate.h).
    uint8_t *then_bytes = NULL;
    size_t then_len = 0;
    Lic__LicenseState *then = NULL;
    if (rc == ERR_OK)
        rc = codec_state_encode (cur, &then_bytes, &then_len);
    if (rc == ERR_OK)
        rc = s_complete (NULL, self->store, then_bytes, then_len, &then, NULL, NULL);
    free (then_bytes);
    codec_state_free (&cur);
    cur = then;
    if (rc != ERR_OK) {
        codec_state_free (&cur);
        return rc;
    }
    //  The standard the content was checked against is the current
    //  state's when the content is the same.
    uint8_t *now_bytes = NULL;
    size_t now_len = 0;
    Lic__LicenseState *now = NULL;
    if (store_get (self->store, STORE_CF_LICENSE, license_id, strlen (license_id), &now_bytes,
                   &now_len) == ERR_OK
    &&  codec_state_decode (now_bytes, now_len, &now) == ERR_OK
    &&  now->content_seq == cur->content_seq)
        cur->catalogue_version = now->catalogue_version;
    codec_state_free (&now);
    free (now_bytes);
    *out = cur;
    return ERR_OK;
}

int
views_successors (views_t *self, const char *license_id, int64_t at,
                  char ***ids, size_t *n, bool *more)
{
    *ids = NULL;
    *n = 0;
    *more = false;
    uint8_t prefix [LICID_BARE_MAX + 1];
    size_t plen = strnlen (license_id, LICID_BARE_MAX + 1) + 1;
    if (plen > sizeof prefix)
        return ERR_BAD_LICENSE_ID;
    memcpy (prefix, license_id, plen);
    char **out = calloc (VIEWS_SUCCESSORS_MAX, sizeof *out);
    store_iter_t *it = out? store_iter_new (self->store, STORE_CF_SUCCESSOR, prefix, plen,
                                            NULL, 0): NULL;
    int rc = it? ERR_OK: ERR_NOMEM;
    const uint8_t *k, *v;
    size_t kl, vl, got = 0, skipped = 0;   //  a scan reads a bounded number of keys
    while (rc == ERR_OK && store_iter_next (it, &k, &kl, &v, &vl)) {
        if (vl != 16 || kl <= plen || kl - plen > LICID_BARE_MAX) {
            rc = ERR_CORRUPT;
            break;
        }
        if (at && (int64_t) store_get_u64 (v + 8) > at
        &&  ++skipped < VIEWS_SUCCESSORS_MAX * 64)
            continue;                   //  linked by an event completed after `at`
        if (got == VIEWS_SUCCESSORS_MAX || skipped >= VIEWS_SUCCESSORS_MAX * 64) {
            *more = true;
            break;
        }
        out [got] = strndup ((const char *) k + plen, kl - plen);
        if (!out [got])
            rc = ERR_NOMEM;
        else
            got++;
    }
    store_iter_destroy (&it);
    if (rc != ERR_OK || !got) {
        views_successors_free (&out, got);
        *more = false;
        return rc;
    }
    *ids = out;
    *n = got;
    return ERR_OK;
}

void
views_successors_free (char ***ids_p, size_t n)
{
    if (!ids_p || !*ids_p)
        return;
    for (size_t i = 0; i < n; i++)
        free ((*ids_p) [i]);
    free (*ids_p);
    *ids_p = NULL;
}

// ---------------------------------------------------------------------
//  Generations

void
views_committed (views_t *self, uint64_t gen)
{
    tree_committed (self->tree, gen);
    overlay_drop (self->licenses, gen);
    overlay_drop (self->entries, gen);
    overlay_drop (self->history, gen);
}

int
views_abort (views_t *self)
{
    overlay_purge (self->licenses);
    overlay_purge (self->entries);
    overlay_purge (self->history);
    tree_abort (self->tree);
    //  Node keys learnt from records are reloaded; trusted ones are kept
    //  because the registry load does not overwrite them.
    int rc = views_int_registry_load (self);
    return rc == ERR_OK? views_int_catalogue_load (self): rc;
}

// ---------------------------------------------------------------------
//  Nodes and origins

tree_t *
views_tree (views_t *self)
{
    return self->tree;
}

void
views_trust_node (views_t *self, const char *division, const uint8_t pk [32], const char *parent)
{
    if (views_int_node_install (self, division, pk, parent) != ERR_OK)
        logfmt_msgf (LOGFMT_ERROR, "out of memory trusting node %s", division);
}

const uint8_t *
views_node_key (views_t *self, const char *division)
{
    views_node_t *n = (views_node_t *) zhashx_lookup (self->nodes, division);
    return n? n->pk: NULL;
}

const char *
views_node_parent (views_t *self, const char *division)
{
    views_node_t *n = (views_node_t *) zhashx_lookup (self->nodes, division);
    return n? n->parent: NULL;
}

//  The apply of each kind of body (proto/entrykind.h decodes it), in
//  EntryKind order: the views' column of the entry-kind table.
typedef int (s_apply_fn) (views_t *self, store_batch_t *batch, uint64_t gen,
                          const Lic__LogEntry *e, const void *body, char *why, size_t why_size);

static int
s_apply_event (views_t *self, store_batch_t *batch, uint64_t gen, const Lic__LogEntry *e,
               const void *body, char *why, size_t why_size)
{
    uint32_t version;
    return views_apply_event (self, batch, gen, e, (const Lic__Event *) body, &version,
                              why, why_size);
}

static int
s_apply_registration (views_t *self, store_batch_t *batch, uint64_t gen, const Lic__LogEntry *e,
                      const void *body, char *why, size_t why_size)
{
    return views_apply_registration (self, batch, gen, e, (const Lic__Registration *) body,
                                     why, why_size);
}

static int
s_apply_node (views_t *self, store_batch_t *batch, uint64_t gen, const Lic__LogEntry *e,
              const void *body, char *why, size_t why_size)
{
    return views_apply_node (self, batch, gen, e, (const Lic__NodeRecord *) body, why, why_size);
}

static int
s_apply_catalogue (views_t *self, store_batch_t *batch, uint64_t gen, const Lic__LogEntry *e,
                   const void *body, char *why, size_t why_size)
{
    return views_apply_catalogue (self, batch, gen, e, (const Lic__LicenseType *) body,
                                  why, why_size);
}

static int
s_apply_app_body (views_t *self, store_batch_t *batch, uint64_t gen, const Lic__LogEntry *e,
                  const void *body, char *why, size_t why_size)
{
    return views_apply_app_body (self, batch, gen, e, (const Lic__AppBodyRegistration *) body,
                                 why, why_size);
}

static int
s_apply_audit (views_t *self, store_batch_t *batch, uint64_t gen, const Lic__LogEntry *e,
               const void *body, char *why, size_t why_size)
{
    return views_apply_audit (self, batch, gen, e, (const Lic__AuditRecord *) body, why, why_size);
}

static s_apply_fn *const s_apply [ENTRYKIND_COUNT + 1] = {
    [LIC__ENTRY_KIND__ENTRY_EVENT] = s_apply_event,
    [LIC__ENTRY_KIND__ENTRY_REGISTRATION] = s_apply_registration,
    [LIC__ENTRY_KIND__ENTRY_NODE] = s_apply_node,
    [LIC__ENTRY_KIND__ENTRY_CATALOGUE] = s_apply_catalogue,
    [LIC__ENTRY_KIND__ENTRY_APP_BODY] = s_apply_app_body,
    [LIC__ENTRY_KIND__ENTRY_AUDIT] = s_apply_audit,
    [LIC__ENTRY_KIND__ENTRY_DECISION] = views_int_apply_decision,
};

bool
views_applies (int kind)
{
    return entrykind_of (kind) && s_apply [kind];
}

int
views_apply_body (views_t *self, store_batch_t *batch, uint64_t gen,
                  const Lic__LogEntry *e, const void *body, char *why, size_t why_size)
{
    if (!views_applies (e->kind)) {
        err_why (why, why_size, "entry %" PRIu64 " has unknown kind %d", e->seq, e->kind);
        return ERR_MALFORMED;
    }
    //  A node-signed statement by a revoked node key, after the point.
    int rc = views_check_statement (self, e, why, why_size);
    return rc == ERR_OK? s_apply [e->kind] (self, batch, gen, e, body, why, why_size): rc;
}

int
views_apply_entry (views_t *self, store_batch_t *batch, uint64_t gen,
                   const Lic__LogEntry *e, char *why, size_t why_size)
{
    const Lic__Envelope *env = e->envelope;
    int rc = ERR_MALFORMED;
    if (why && why_size)
        why [0] = 0;
    if (!env) {
        err_why (why, why_size, "entry %" PRIu64 " has no envelope", e->seq);
        return ERR_MALFORMED;
    }
    //  A node-signed statement by a revoked node key, after the point.
    if ((rc = views_check_statement (self, e, why, why_size)) != ERR_OK)
        return rc;
    const entrykind_t *kind = entrykind_of (e->kind);
    if (!kind || !views_applies (e->kind)) {
        err_why (why, why_size, "entry %" PRIu64 " has unknown kind %d", e->seq, e->kind);
        return ERR_MALFORMED;
    }
    void *body = NULL;
    rc = kind->decode (env->body.data, env->body.len, &body);
    if (rc == ERR_OK && !kind->complete (body))
        rc = ERR_MALFORMED;
    if (rc == ERR_OK)
        rc = s_apply [e->kind] (self, batch, gen, e, body, why, why_size);
    kind->free (&body);
    if (rc != ERR_OK && why && !*why)
        err_why (why, why_size, "entry %" PRIu64 " does not apply: %s", e->seq, err_str (rc));
    return rc;
}
