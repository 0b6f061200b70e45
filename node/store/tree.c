/*  tree.c -- Merkle tree over the repository (see tree.h).  */
#include <czmq.h>
#include "node/store/tree.h"

typedef struct {
    uint64_t gen;
    uint8_t hash [MERKLE_HASH_BYTES];
} s_node_t;

typedef struct {
    uint32_t level;
    uint64_t index;
    uint8_t hash [MERKLE_HASH_BYTES];
} s_scratch_t;

struct tree_t {
    store_t *store;
    char division [8];          //  key prefix, 6 chars
    zhashx_t *overlay;          //  "level:index" -> s_node_t
    merkle_store_t ops;         //  overlay then store; put into `batch`
    store_batch_t *batch;       //  batch of the append in progress
    uint64_t gen;               //  its generation
    //  Dry runs (tree_root_after): puts go to scratch only.
    merkle_store_t dry;
    s_scratch_t *scratch;
    size_t n_scratch, scratch_cap;
};

static void
s_key (tree_t *self, uint8_t key [15], uint32_t level, uint64_t index)
{
    memcpy (key, self->division, 6);
    key [6] = (uint8_t) level;
    store_put_u64 (key + 7, index);
}

static void
s_okey (char *out, uint32_t level, uint64_t index)
{
    snprintf (out, 32, "%u:%" PRIu64, level, index);
}

static int
s_get (void *arg, uint32_t level, uint64_t index, uint8_t out [MERKLE_HASH_BYTES])
{
    tree_t *self = (tree_t *) arg;
    char okey [32];
    s_okey (okey, level, index);
    s_node_t *n = (s_node_t *) zhashx_lookup (self->overlay, okey);
    if (n) {
        memcpy (out, n->hash, MERKLE_HASH_BYTES);
        return ERR_OK;
    }
    uint8_t key [15], *v;
    size_t vl;
    s_key (self, key, level, index);
    int rc = store_get (self->store, STORE_CF_TREE, key, sizeof key, &v, &vl);
    if (rc != ERR_OK)
        return rc;
    rc = vl == MERKLE_HASH_BYTES? ERR_OK: ERR_CORRUPT;
    if (rc == ERR_OK)
        memcpy (out, v, MERKLE_HASH_BYTES);
    free (v);
    return rc;
}

static int
s_put (void *arg, uint32_t level, uint64_t index, const uint8_t hash [MERKLE_HASH_BYTES])
{
    tree_t *self = (tree_t *) arg;
    if (!self->batch)
        return ERR_INTERNAL;
    uint8_t key [15];
    s_key (self, key, level, index);
    store_batch_put (self->batch, STORE_CF_TREE, key, sizeof key, hash, MERKLE_HASH_BYTES);
    s_node_t *n = malloc (sizeof *n);
    if (!n)
        return ERR_NOMEM;
    n->gen = self->gen;
    memcpy (n->hash, hash, MERKLE_HASH_BYTES);
    char okey [32];
    s_okey (okey, level, index);
    zhashx_update (self->overlay, okey, n);
    return ERR_OK;
}

static int
s_dry_get (void *arg, uint32_t level, uint64_t index, uint8_t out [MERKLE_HASH_BYTES])
{
    tree_t *self = (tree_t *) arg;
    for (size_t i = self->n_scratch; i-- > 0; )
        if (self->scratch [i].level == level && self->scratch [i].index == index) {
            memcpy (out, self->scratch [i].hash, MERKLE_HASH_BYTES);
            return ERR_OK;
        }
    return s_get (arg, level, index, out);
}

static int
s_dry_put (void *arg, uint32_t level, uint64_t index, const uint8_t hash [MERKLE_HASH_BYTES])
{
    tree_t *self = (tree_t *) arg;
    if (self->n_scratch == self->scratch_cap) {
        size_t cap = self->scratch_cap? self->scratch_cap * 2: 256;
        s_scratch_t *s = realloc (self->scratch, cap * sizeof *s);
        if (!s)
            return ERR_NOMEM;
        self->scratch = s;
        self->scratch_cap = cap;
    }
    s_scratch_t *s = &self->scratch [self->n_scratch++];
    s->level = level;
    s->index = index;
    memcpy (s->hash, hash, MERKLE_HASH_BYTES);
    return ERR_OK;
}

static void
s_node_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

tree_t *
tree_new (store_t *store, const char *division)
{
    tree_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    snprintf (self->division, sizeof self->division, "%-6.6s", division);
    self->overlay = zhashx_new ();
    zhashx_set_destructor (self->overlay, s_node_free);
    self->ops = (merkle_store_t) { self, s_get, s_put };
    self->dry = (merkle_store_t) { self, s_dry_get, s_dry_put };
    return self;
}

void
tree_destroy (tree_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->overlay);
    free ((*self_p)->scratch);
    free (*self_p);
    *self_p = NULL;
}

int
tree_append (tree_t *self, store_batch_t *batch, uint64_t gen, uint64_t size_before,
             const uint8_t leaf [MERKLE_HASH_BYTES])
{
    self->batch = batch;
    self->gen = gen;
    int rc = merkle_append (&self->ops, size_before, leaf);
    self->batch = NULL;
    return rc;
}

int
tree_root (tree_t *self, uint64_t size, uint8_t out [MERKLE_HASH_BYTES])
{
    return merkle_root (&self->ops, size, out);
}

int
tree_root_after (tree_t *self, uint64_t size, const uint8_t (*leaves) [MERKLE_HASH_BYTES],
                 size_t n, uint8_t out [MERKLE_HASH_BYTES])
{
    self->n_scratch = 0;
    int rc = ERR_OK;
    for (size_t i = 0; i < n && rc == ERR_OK; i++)
        rc = merkle_append (&self->dry, size + i, leaves [i]);
    if (rc == ERR_OK)
        rc = merkle_root (&self->dry, size + n, out);
    self->n_scratch = 0;
    return rc;
}

const merkle_store_t *
tree_ops (tree_t *self)
{
    return &self->ops;
}

void
tree_committed (tree_t *self, uint64_t gen)
{
    zlist_t *gone = zlist_new ();
    for (s_node_t *n = (s_node_t *) zhashx_first (self->overlay); n;
         n = (s_node_t *) zhashx_next (self->overlay))
        if (n->gen <= gen)
            zlist_append (gone, (void *) zhashx_cursor (self->overlay));
    for (char *k = (char *) zlist_first (gone); k; k = (char *) zlist_next (gone))
        zhashx_delete (self->overlay, k);
    zlist_destroy (&gone);
}

void
tree_abort (tree_t *self)
{
    zhashx_purge (self->overlay);
}
