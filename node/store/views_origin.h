/*  views_origin.h -- what this node has applied of each origin division
    (proto/FORMAT.md family 7 and FORMAT 7): the origin mark, the highest
    origin seq applied, and the holes below it, ranges of origin seqs not
    applied here (held here, or never received because a level below
    held them).  An entry of origin D with origin seq s is applied here
    iff s <= mark and s lies in no hole: an entry that fills a hole is
    applied (once), any other at or below the mark is skipped.

    The marks change in memory as entries are applied (views_apply_*),
    and are written once per write batch (views_flush_marks).  Not
    thread-safe: owned by the sequencer thread, like the views.
*/
#ifndef LICREPO_VIEWS_ORIGIN_H
#define LICREPO_VIEWS_ORIGIN_H

#include <stdbool.h>
#include <stdint.h>
#include "node/store/views.h"

//  Holes kept per origin division: the stored value is at most
//  8 + 16 * VIEWS_HOLES_MAX bytes (64 KiB).  An entry that would open
//  (or split) one more is refused (ERR_TOO_LARGE, so held) until held
//  entries below are decided.
#define VIEWS_HOLES_MAX 4096

typedef struct {
    uint64_t lo, hi;            //  origin seqs lo..hi, both included
} views_hole_t;

//  True if the entry of origin `division` with origin seq `seq` is
//  applied here (pending included).
bool
    views_origin_applied (views_t *self, const char *division, uint64_t seq);

//  True if seq lies in a hole of `division` (below the mark, not applied).
bool
    views_origin_hole (views_t *self, const char *division, uint64_t seq);

//  Copies the first max holes of `division` into out; returns how many
//  there are.
size_t
    views_origin_holes (views_t *self, const char *division, views_hole_t *out, size_t max);

//  May entry (its origin division, origin seq and origin_skip) be
//  applied here as far as the origin marks go?  ERR_OK (above the mark,
//  or filling a hole); ERR_EXISTS (already applied); ERR_TOO_LARGE (one
//  more hole than VIEWS_HOLES_MAX); why saying which.
int MUST_CHECK
    views_origin_admit (views_t *self, const Lic__LogEntry *entry, char *why, size_t why_size);

//  True (and false until the next) if a registration, node record (a
//  revocation included) or catalogue version was applied since the last
//  call: what a held entry may have waited for (node/pipeline/held.h).
bool
    views_origin_take_cause (views_t *self);

//  The store the views were opened over.
store_t *
    views_store_of (views_t *self);

#endif
