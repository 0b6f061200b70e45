/*  overlay.h -- the writes of the batches not yet durable, by key.

    The sequencer applies an event to the views and hands the batch to
    the committer thread; until that batch is durable, a later event on
    the same loop must read what the earlier one wrote (a license's new
    state, its log entry, a history key) from memory, not from the store.
    An overlay holds those writes: key -> value (or a deletion) for the
    write batch of generation gen, the latest write of a key winning.
    When the batches up to gen are durable, overlay_drop forgets every
    write of a generation <= gen: the store has them now.

    Generations only grow between drops, so the writes are kept in the
    order they were made and a drop pops them from the front: its cost
    is the number of writes it forgets, not the size of the table (a
    czmq zhashx walked every slot of a table that never shrank).  A key
    written again by a later generation keeps that later write across
    the drop of the earlier one.

    One allocation a write (key and a copied value together); the index
    is open addressing with linear probing, at most half full, keyed by
    SipHash-2-4 with a key drawn when the overlay is made, so keys a
    department chooses (license ids) cannot be picked to collide.  The
    index shrinks again when a drop leaves it mostly empty: memory follows
    the writes pending, which the pipeline's byte budget bounds.

    Not thread-safe: the sequencer's loop only.
*/
#ifndef LICREPO_OVERLAY_H
#define LICREPO_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OVERLAY_KEY_MAX 256         //  longest key, bytes

typedef struct overlay_t overlay_t;

//  NULL if out of memory.
overlay_t *
    overlay_new (void);

void
    overlay_destroy (overlay_t **self_p);

//  key (klen bytes, 1..OVERLAY_KEY_MAX) -> a copy of value (len bytes),
//  or a deletion if value is NULL, written by generation gen (never
//  below the generation of an earlier write not yet dropped).
//  ERR_OK, ERR_NOMEM, ERR_TOO_LARGE (key), ERR_INTERNAL (gen below).
int
    overlay_set (overlay_t *self, const void *key, size_t klen, uint64_t gen,
                 const uint8_t *value, size_t len);

//  As overlay_set, but the overlay takes value (malloc'd, never NULL):
//  freed when the write is forgotten, or at once on error.
int
    overlay_take (overlay_t *self, const void *key, size_t klen, uint64_t gen,
                  uint8_t *value, size_t len);

//  The latest write of key: true and *value (NULL for a deletion) and
//  *len, valid until the next call that changes the overlay; false if
//  no write of key is pending.
bool
    overlay_get (const overlay_t *self, const void *key, size_t klen,
                 const uint8_t **value, size_t *len);

//  Forgets every write of a generation <= gen.
void
    overlay_drop (overlay_t *self, uint64_t gen);

//  Forgets every write.
void
    overlay_purge (overlay_t *self);

//  Writes held (a key written twice counts twice until the first is
//  dropped), and keys they cover.
size_t
    overlay_writes (const overlay_t *self);
size_t
    overlay_keys (const overlay_t *self);

//  Slots of the index (for the tests: it shrinks back).
size_t
    overlay_slots (const overlay_t *self);

#endif
