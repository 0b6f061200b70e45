/*  tree.c -- Merkle tree over the repository, stored as tiles (see tree.h;
    the layout is C2SP tlog-tiles', proto/FORMAT.md, the tree family).

    A tile (L, N) holds the hashes at tree level 8L, indices 256N to
    256N + 255; on disk only those, as many as exist (its width); here
    also the seven levels between them and the level above, which a
    tile's hashes determine (256 + 128 + ... + 2 = 510 hashes).  Any
    perfect subtree (level, index) that merkle_* asks for is then one
    slot of one tile.

    Appends go to the tiles of the current generation (copied from older
    ones on first change: copy on write).  A generation is written once,
    when its batch is: store_write calls s_finish, which puts every tile
    the generation changed, so a partial tile is rewritten once per batch
    and a full one is written for the last time when it fills.  After
    tree_committed the generation's tiles are durable and move to a small
    cache of durable tiles; tree_abort drops the generations.  The writing
    thread reads only its generation's tiles, which nothing changes once
    a newer generation has started or the batch has been handed over.
*/
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "node/store/tree.h"

#define TILE_HEIGHT  8                  //  levels a tile spans
#define TILE_WIDTH   256                //  hashes at its bottom level
#define TILE_SLOTS   510                //  256 + 128 + 64 + ... + 2
#define CACHE_TILES  16                 //  durable tiles kept in memory

//  Where level k (0..7) of a tile starts among its slots
static const uint16_t s_off [TILE_HEIGHT] = { 0, 256, 384, 448, 480, 496, 504, 508 };

typedef struct {
    uint8_t tlevel;                     //  L: its hashes are at tree level 8L
    uint64_t n;                         //  N
    uint32_t width;                     //  hashes at level 8L, 0..256
    uint64_t used;                      //  cache: last use
    uint8_t h [TILE_SLOTS][MERKLE_HASH_BYTES];
} s_tile_t;

//  The tiles one generation (one write batch) changed
typedef struct s_gen_t s_gen_t;
struct s_gen_t {
    uint64_t gen;
    store_batch_t *batch;
    char division [6];
    atomic_int refs;                    //  the tree's and the batch's
    atomic_bool flushed;                //  s_finish put the tiles in the batch
    s_tile_t **tiles;
    size_t n_tiles, cap;
    s_gen_t *newer;
};

typedef struct {
    uint32_t level;
    uint64_t index;
    uint8_t hash [MERKLE_HASH_BYTES];
} s_scratch_t;

struct tree_t {
    store_t *store;
    char division [8];                  //  key prefix, 6 chars
    s_gen_t *oldest, *newest;           //  generations not yet committed
    s_tile_t *cache [CACHE_TILES];      //  durable tiles
    uint64_t clock;
    merkle_store_t ops;                 //  tiles; puts into `batch`
    store_batch_t *batch;               //  batch of the append in progress
    uint64_t gen;                       //  its generation
    //  Dry runs (tree_root_after): puts go to scratch only.
    merkle_store_t dry;
    s_scratch_t *scratch;
    size_t n_scratch, scratch_cap;
};

static void
s_key (const char division [6], uint8_t key [15], uint8_t tlevel, uint64_t n)
{
    memcpy (key, division, 6);
    key [6] = tlevel;
    store_put_u64 (key + 7, n);
}

//  Fills the levels above the bottom of a tile from its `width` hashes
static void
s_tile_fill (s_tile_t *t)
{
    for (int k = 1; k < TILE_HEIGHT; k++)
        for (uint32_t s = 0; ((s + 1) << k) <= t->width; s++)
            merkle_node_hash (t->h [s_off [k] + s], t->h [s_off [k - 1] + 2 * s],
                              t->h [s_off [k - 1] + 2 * s + 1]);
}

// ---------------------------------------------------------------------
//  Generations

static void
s_gen_unref (s_gen_t *g)
{
    if (atomic_fetch_sub (&g->refs, 1) != 1)
        return;
    for (size_t i = 0; i < g->n_tiles; i++)
        free (g->tiles [i]);
    free (g->tiles);
    free (g);
}

//  store_write, on the writing thread: the generation's tiles into its batch
static void
s_finish (void *arg, store_batch_t *batch)
{
    s_gen_t *g = (s_gen_t *) arg;
    for (size_t i = 0; i < g->n_tiles; i++) {
        const s_tile_t *t = g->tiles [i];
        uint8_t key [15];
        s_key (g->division, key, t->tlevel, t->n);
        store_batch_put (batch, STORE_CF_TREE, key, sizeof key, t->h, (size_t) t->width * MERKLE_HASH_BYTES);
    }
    atomic_store (&g->flushed, true);
}

static void
s_release (void *arg)
{
    s_gen_unref ((s_gen_t *) arg);
}

//  The generation appends go to, registered with its batch.  NULL if out
//  of memory.
static s_gen_t *
s_current (tree_t *self)
{
    s_gen_t *g = self->newest;
    if (g && g->gen == self->gen && g->batch == self->batch && !atomic_load (&g->flushed))
        return g;
    g = calloc (1, sizeof *g);
    if (!g)
        return NULL;
    g->gen = self->gen;
    g->batch = self->batch;
    memcpy (g->division, self->division, 6);
    atomic_init (&g->refs, 2);
    atomic_init (&g->flushed, false);
    if (store_batch_on_write (self->batch, s_finish, s_release, g) != ERR_OK) {
        free (g);
        return NULL;
    }
    if (self->newest)
        self->newest->newer = g;
    else
        self->oldest = g;
    self->newest = g;
    return g;
}

// ---------------------------------------------------------------------
//  Durable tiles

static s_tile_t *
s_cache_find (tree_t *self, uint8_t tlevel, uint64_t n)
{
    for (int i = 0; i < CACHE_TILES; i++) {
        s_tile_t *t = self->cache [i];
        if (t && t->tlevel == tlevel && t->n == n) {
            t->used = ++self->clock;
            return t;
        }
    }
    return NULL;
}

//  Takes t; replaces the same tile, else an empty slot, else the least
//  recently used
static void
s_cache_put (tree_t *self, s_tile_t *t)
{
    int slot = -1;
    for (int i = 0; i < CACHE_TILES && slot < 0; i++)
        if (self->cache [i] && self->cache [i]->tlevel == t->tlevel && self->cache [i]->n == t->n)
            slot = i;
    for (int i = 0; i < CACHE_TILES && slot < 0; i++)
        if (!self->cache [i])
            slot = i;
    if (slot < 0) {
        slot = 0;
        for (int i = 1; i < CACHE_TILES; i++)
            if (self->cache [i]->used < self->cache [slot]->used)
                slot = i;
    }
    free (self->cache [slot]);
    t->used = ++self->clock;
    self->cache [slot] = t;
}

//  Reads tile (tlevel, n) from the store into the cache
static int
s_load (tree_t *self, uint8_t tlevel, uint64_t n, const s_tile_t **out)
{
    uint8_t key [15], *v;
    size_t vl;
    s_key (self->division, key, tlevel, n);
    int rc = store_get (self->store, STORE_CF_TREE, key, sizeof key, &v, &vl);
    if (rc != ERR_OK)
        return rc;
    s_tile_t *t = NULL;
    if (vl == 0 || vl % MERKLE_HASH_BYTES || vl > TILE_WIDTH * MERKLE_HASH_BYTES)
        rc = ERR_CORRUPT;
    else
    if (!(t = malloc (sizeof *t)))
        rc = ERR_NOMEM;
    else {
        t->tlevel = tlevel;
        t->n = n;
        t->width = (uint32_t) (vl / MERKLE_HASH_BYTES);
        memcpy (t->h, v, vl);
        s_tile_fill (t);
        s_cache_put (self, t);
        *out = t;
    }
    free (v);
    return rc;
}

//  The newest version of tile (tlevel, n): pending generations, newest
//  first, then durable.  ERR_OK, ERR_NOT_FOUND, or a store error.
static int
s_find (tree_t *self, uint8_t tlevel, uint64_t n, const s_tile_t **out)
{
    //  The list is kept oldest first: walk it all, keep the last match
    const s_tile_t *found = NULL;
    for (s_gen_t *g = self->oldest; g; g = g->newer)
        for (size_t i = 0; i < g->n_tiles; i++)
            if (g->tiles [i]->tlevel == tlevel && g->tiles [i]->n == n)
                found = g->tiles [i];
    if (!found)
        found = s_cache_find (self, tlevel, n);
    if (found) {
        *out = found;
        return ERR_OK;
    }
    return s_load (self, tlevel, n, out);
}

// ---------------------------------------------------------------------
//  merkle_store_t over the tiles

//  Tile and slot of subtree (level, index)
static void
s_where (uint32_t level, uint64_t index, uint8_t *tlevel, uint64_t *n, int *k, uint32_t *slot)
{
    *tlevel = (uint8_t) (level / TILE_HEIGHT);
    *k = (int) (level % TILE_HEIGHT);
    *n = index >> (TILE_HEIGHT - *k);
    *slot = (uint32_t) (index & ((TILE_WIDTH >> *k) - 1));
}

static int
s_get (void *arg, uint32_t level, uint64_t index, uint8_t out [MERKLE_HASH_BYTES])
{
    tree_t *self = (tree_t *) arg;
    uint8_t tlevel;
    uint64_t n;
    int k;
    uint32_t slot;
    s_where (level, index, &tlevel, &n, &k, &slot);
    const s_tile_t *t;
    int rc = s_find (self, tlevel, n, &t);
    if (rc != ERR_OK)
        return rc;
    if (((slot + 1) << k) > t->width)
        return ERR_NOT_FOUND;
    memcpy (out, t->h [s_off [k] + slot], MERKLE_HASH_BYTES);
    return ERR_OK;
}

static int
s_put (void *arg, uint32_t level, uint64_t index, const uint8_t hash [MERKLE_HASH_BYTES])
{
    tree_t *self = (tree_t *) arg;
    if (!self->batch)
        return ERR_INTERNAL;
    uint8_t tlevel;
    uint64_t n;
    int k;
    uint32_t slot;
    s_where (level, index, &tlevel, &n, &k, &slot);
    s_gen_t *g = s_current (self);
    if (!g)
        return ERR_NOMEM;
    s_tile_t *t = NULL;
    for (size_t i = 0; i < g->n_tiles && !t; i++)
        if (g->tiles [i]->tlevel == tlevel && g->tiles [i]->n == n)
            t = g->tiles [i];
    if (!t) {
        //  First change of this tile in the generation: a copy of its
        //  newest version, or a new tile
        const s_tile_t *old = NULL;
        int rc = s_find (self, tlevel, n, &old);
        if (rc != ERR_OK && rc != ERR_NOT_FOUND)
            return rc;
        if (g->n_tiles == g->cap) {
            size_t cap = g->cap? 2 * g->cap: 4;
            s_tile_t **tiles = realloc (g->tiles, cap * sizeof *tiles);
            if (!tiles)
                return ERR_NOMEM;
            g->tiles = tiles;
            g->cap = cap;
        }
        if (!(t = malloc (sizeof *t)))
            return ERR_NOMEM;
        if (old)
            memcpy (t, old, sizeof *t);
        else {
            t->tlevel = tlevel;
            t->n = n;
            t->width = 0;
        }
        g->tiles [g->n_tiles++] = t;
    }
    //  merkle_append puts leaves in order, and a node after its leaves
    if (k == 0) {
        if (slot > t->width)
            return ERR_GAP;
        if (slot == t->width)
            t->width++;
    }
    else
    if (((slot + 1) << k) > t->width)
        return ERR_INTERNAL;
    memcpy (t->h [s_off [k] + slot], hash, MERKLE_HASH_BYTES);
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

// ---------------------------------------------------------------------
//  Public

tree_t *
tree_new (store_t *store, const char *division)
{
    tree_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    snprintf (self->division, sizeof self->division, "%-6.6s", division);
    self->ops = (merkle_store_t) { self, s_get, s_put };
    self->dry = (merkle_store_t) { self, s_dry_get, s_dry_put };
    return self;
}

void
tree_destroy (tree_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tree_t *self = *self_p;
    tree_abort (self);
    for (int i = 0; i < CACHE_TILES; i++)
        free (self->cache [i]);
    free (self->scratch);
    free (self);
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
    while (self->oldest && self->oldest->gen <= gen) {
        s_gen_t *g = self->oldest;
        self->oldest = g->newer;
        if (!self->oldest)
            self->newest = NULL;
        //  Written: its tiles are what the store holds now.  Never
        //  written (its batch was dropped): the store still holds the
        //  older versions, read again when needed.
        if (atomic_load (&g->flushed)) {
            for (size_t i = 0; i < g->n_tiles; i++)
                s_cache_put (self, g->tiles [i]);
            g->n_tiles = 0;
        }
        s_gen_unref (g);
    }
}

void
tree_abort (tree_t *self)
{
    while (self->oldest) {
        s_gen_t *g = self->oldest;
        self->oldest = g->newer;
        s_gen_unref (g);
    }
    self->newest = NULL;
}
