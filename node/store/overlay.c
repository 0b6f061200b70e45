/*  overlay.c -- the writes of the batches not yet durable, by key
    (overlay.h says what and why).
*/
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "proto/err.h"
#include "node/store/overlay.h"

#define S_SLOTS_MIN   16            //  index slots when made
#define S_SLOTS_KEEP  1024          //  a drop shrinks the index no lower (8 KiB)

typedef struct s_write_t s_write_t;
struct s_write_t {
    s_write_t *next;                //  the next write made (the order drops follow)
    uint64_t gen;
    uint64_t hash;
    uint8_t *value;                 //  NULL: a deletion
    size_t len;
    uint16_t klen;
    bool taken;                     //  value is its own allocation, not after the key
    uint8_t key [];                 //  klen bytes, then the value when copied
};

struct overlay_t {
    s_write_t **slots;              //  the latest write of each key; NULL: empty
    size_t mask;                    //  slots - 1 (slots a power of two)
    size_t keys;                    //  slots in use
    size_t writes;                  //  writes held, stale ones included
    s_write_t *head, *tail;         //  writes in the order made
    uint64_t gen;                   //  generation of the last write
    uint8_t hkey [crypto_shorthash_KEYBYTES];
};

static uint64_t
s_hash (const overlay_t *self, const void *key, size_t klen)
{
    uint8_t out [crypto_shorthash_BYTES];
    crypto_shorthash (out, (const uint8_t *) key, klen, self->hkey);
    uint64_t h;
    memcpy (&h, out, sizeof h);
    return h;
}

static bool
s_same_key (const s_write_t *w, uint64_t hash, const void *key, size_t klen)
{
    return w->hash == hash && w->klen == klen && memcmp (w->key, key, klen) == 0;
}

//  The slot holding key, or the empty slot where it would go.
static size_t
s_find (const overlay_t *self, uint64_t hash, const void *key, size_t klen)
{
    size_t i = (size_t) hash & self->mask;
    while (self->slots [i] && !s_same_key (self->slots [i], hash, key, klen))
        i = (i + 1) & self->mask;
    return i;
}

//  A new index of `slots` (a power of two, more than twice the keys)
//  with every key of the old one.
static int
s_resize (overlay_t *self, size_t slots)
{
    s_write_t **fresh = calloc (slots, sizeof *fresh);
    if (!fresh)
        return ERR_NOMEM;
    s_write_t **old = self->slots;
    size_t old_slots = old? self->mask + 1: 0;
    self->slots = fresh;
    self->mask = slots - 1;
    for (size_t i = 0; i < old_slots; i++)
        if (old [i]) {
            size_t j = (size_t) old [i]->hash & self->mask;
            while (fresh [j])
                j = (j + 1) & self->mask;
            fresh [j] = old [i];
        }
    free (old);
    return ERR_OK;
}

//  Empties slot i and moves later keys of its run back, so that every
//  key stays reachable from its home slot without tombstones.
static void
s_unslot (overlay_t *self, size_t i)
{
    self->slots [i] = NULL;
    self->keys--;
    for (size_t j = (i + 1) & self->mask; self->slots [j]; j = (j + 1) & self->mask) {
        size_t home = (size_t) self->slots [j]->hash & self->mask;
        //  The key at j may move to i unless its home lies cyclically
        //  in (i, j]: then i is before where its probe starts.
        bool stays = i <= j? (home > i && home <= j): (home > i || home <= j);
        if (!stays) {
            self->slots [i] = self->slots [j];
            self->slots [j] = NULL;
            i = j;
        }
    }
}

static void
s_free_write (s_write_t *w)
{
    if (w->taken)
        free (w->value);
    free (w);
}

overlay_t *
overlay_new (void)
{
    overlay_t *self = calloc (1, sizeof *self);
    if (!self || s_resize (self, S_SLOTS_MIN) != ERR_OK) {
        free (self);
        return NULL;
    }
    randombytes_buf (self->hkey, sizeof self->hkey);
    return self;
}

void
overlay_destroy (overlay_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    overlay_purge (*self_p);
    free ((*self_p)->slots);
    free (*self_p);
    *self_p = NULL;
}

static int
s_put (overlay_t *self, const void *key, size_t klen, uint64_t gen,
       const uint8_t *value, size_t len, uint8_t *taken)
{
    if (klen == 0 || klen > OVERLAY_KEY_MAX)
        return ERR_TOO_LARGE;
    if (gen < self->gen)
        return ERR_INTERNAL;
    if ((self->keys + 1) * 2 > self->mask + 1
    &&  s_resize (self, (self->mask + 1) * 2) != ERR_OK)
        return ERR_NOMEM;
    size_t copy = value && !taken? len: 0;
    s_write_t *w = malloc (sizeof *w + klen + copy);
    if (!w)
        return ERR_NOMEM;
    w->next = NULL;
    w->gen = gen;
    w->hash = s_hash (self, key, klen);
    w->klen = (uint16_t) klen;
    w->len = len;
    w->taken = taken != NULL;
    memcpy (w->key, key, klen);
    if (taken)
        w->value = taken;
    else if (value) {
        w->value = w->key + klen;
        memcpy (w->value, value, len);
    }
    else
        w->value = NULL;
    size_t i = s_find (self, w->hash, key, klen);
    if (!self->slots [i])
        self->keys++;
    self->slots [i] = w;            //  an earlier write of key stays queued, stale
    if (self->tail)
        self->tail->next = w;
    else
        self->head = w;
    self->tail = w;
    self->writes++;
    self->gen = gen;
    return ERR_OK;
}

int
overlay_set (overlay_t *self, const void *key, size_t klen, uint64_t gen,
             const uint8_t *value, size_t len)
{
    return s_put (self, key, klen, gen, value, len, NULL);
}

int
overlay_take (overlay_t *self, const void *key, size_t klen, uint64_t gen,
              uint8_t *value, size_t len)
{
    int rc = s_put (self, key, klen, gen, value, len, value);
    if (rc != ERR_OK)
        free (value);
    return rc;
}

bool
overlay_get (const overlay_t *self, const void *key, size_t klen,
             const uint8_t **value, size_t *len)
{
    if (self->keys == 0 || klen == 0 || klen > OVERLAY_KEY_MAX)
        return false;
    const s_write_t *w = self->slots [s_find (self, s_hash (self, key, klen), key, klen)];
    if (!w)
        return false;
    *value = w->value;
    *len = w->len;
    return true;
}

void
overlay_drop (overlay_t *self, uint64_t gen)
{
    while (self->head && self->head->gen <= gen) {
        s_write_t *w = self->head;
        self->head = w->next;
        if (!self->head)
            self->tail = NULL;
        size_t i = s_find (self, w->hash, w->key, w->klen);
        if (self->slots [i] == w)
            s_unslot (self, i);     //  else a later write of its key is pending
        s_free_write (w);
        self->writes--;
    }
    size_t slots = self->mask + 1;
    if (slots > S_SLOTS_KEEP && self->keys * 8 < slots) {
        size_t want = S_SLOTS_KEEP;
        while (want < self->keys * 4)
            want *= 2;
        s_resize (self, want);      //  out of memory: keep the larger one
    }
}

void
overlay_purge (overlay_t *self)
{
    while (self->head) {
        s_write_t *w = self->head;
        self->head = w->next;
        s_free_write (w);
    }
    self->tail = NULL;
    self->writes = 0;
    self->keys = 0;
    self->gen = 0;
    memset (self->slots, 0, (self->mask + 1) * sizeof *self->slots);
}

size_t
overlay_writes (const overlay_t *self)
{
    return self->writes;
}

size_t
overlay_keys (const overlay_t *self)
{
    return self->keys;
}

size_t
overlay_slots (const overlay_t *self)
{
    return self->mask + 1;
}
