/*  subtree.h -- the health of every node below this one (proto/README.md section 7).

    Each node signs a NodeSummary of itself every second and sends it to
    its parent in its heartbeat, followed by the summaries it holds of
    the nodes below it; so every node holds the latest signed summary of
    every node in its subtree, with the time it last arrived.  A summary
    is kept only if the child that relays it may speak for its division
    (authority_origin), it is signed by the key this node holds for that
    division, and it is newer than the one held.

    In memory only (summaries are refreshed every second), bounded by
    SUBTREE_MAX nodes and SUBTREE_SUMMARY_MAX bytes each.  Not thread-safe:
    owned by the server's thread.
*/
#ifndef LICREPO_SUBTREE_H
#define LICREPO_SUBTREE_H

#include <stdbool.h>
#include <stdint.h>
#include "proto/err.h"
#include "proto/msg.h"

#define SUBTREE_MAX         4096    //  nodes held below one node
#define SUBTREE_SUMMARY_MAX 1024    //  bytes of one signed summary (Envelope)
#define SUBTREE_BODY_MAX    (SUBTREE_SUMMARY_MAX - 103)
                                    //  of its NodeSummary: the Envelope adds a tag and a
                                    //  2-byte length (bodies of 128..16,383 bytes), the
                                    //  signature (66) and the key id (34)
#define SUBTREE_STALE_S     15      //  a node not heard for longer is silent
#define SUBTREE_SKEW_S      10      //  clock difference tolerated between nodes (NTP)
#define SUBTREE_HELD_MAX    16      //  origins a summary names in held (most held first):
                                    //  16 x <= 30 bytes keeps a summary within its 1,024;
                                    //  a summary naming more is refused
#define SUBTREE_HELD_CAP    ((uint64_t) INT64_MAX)
                                    //  held entries counted at most (JSON's integers)

typedef struct subtree_t subtree_t;

//  Signing key this node holds for `division`, or NULL (views_node_key).
typedef const uint8_t *(subtree_key_fn) (void *arg, const char *division);

//  NULL if out of memory.
subtree_t *
    subtree_new (void);
void
    subtree_destroy (subtree_t **self_p);

//  Offers bytes, an encoded Envelope of a NodeSummary relayed by child
//  `via`, who last heard it `age` seconds before `now` (and no later than
//  its signed made_at + SUBTREE_SKEW_S).  ERR_OK (kept, or
//  the same bytes as held: only the time last heard is refreshed, never
//  moved back); ERR_MALFORMED, ERR_TOO_LARGE; ERR_FORBIDDEN
//  (the child may not speak for that division); ERR_BAD_FIELD (made more
//  than SUBTREE_SKEW_S after now); ERR_UNKNOWN_KEY (no key
//  held for it); ERR_BAD_SIGNATURE; ERR_EXISTS (not newer than the one
//  held: ignored); ERR_NOMEM.
int
    subtree_offer (subtree_t *self, const char *via, const uint8_t *bytes, size_t len,
                   subtree_key_fn *key_of, void *arg, int64_t now, uint32_t age);

//  One held node.
typedef struct {
    const Lic__NodeSummary *summary;    //  decoded
    const uint8_t *bytes;               //  the signed Envelope as received
    size_t len;
    int64_t last_seen;                  //  unix seconds it was last heard, by us or by
                                        //  the child that relayed it
    const char *via;                    //  the child it came through
} subtree_node_t;

//  Calls fn for every node held, in division order; borrowed until the
//  next offer or forget.
void
    subtree_each (subtree_t *self, void (*fn) (void *arg, const subtree_node_t *node), void *arg);

//  Number of nodes held.
size_t
    subtree_size (subtree_t *self);

//  Drops every node that came through child `via` (removed from the
//  configuration).
void
    subtree_forget_via (subtree_t *self, const char *via);

//  The lag of a node as honestly as it is known at `now`: what it last
//  said, or, when it has been silent longer than SUBTREE_STALE_S, at least
//  the time since it was last heard.
int64_t
    subtree_lag_seconds (const Lic__NodeSummary *summary, int64_t last_seen, int64_t now);

//  Entries of `division` held back (quarantined) at the nodes below this
//  one that lie above it, as their signed summaries say (NodeSummary
//  held; those nodes acknowledged them, so the division's own uplink lag
//  omits them): added to *entries (saturating), and *oldest lowered to
//  the oldest received_at among them (left as it is if none is older).
//  Only a node whose division `division` lies strictly below is counted:
//  a node cannot make another branch look behind.
void
    subtree_held_for (subtree_t *self, const char *division, uint64_t *entries, int64_t *oldest);

//  The same for every division at once: calls fn for each origin a held
//  node says it holds entries of, when that origin lies strictly below
//  the node (the rule of subtree_held_for), in no particular order.  One
//  pass over at most SUBTREE_MAX x SUBTREE_HELD_MAX items.
//  Adds `add` held entries to *entries (at most SUBTREE_HELD_CAP) and lowers *oldest to
//  `at` (0: no time known).
void
    subtree_held_add (uint64_t *entries, int64_t *oldest, uint64_t add, int64_t at);

//  A node's lag with the entries held above it counted: *lag (entries) its
//  own lag plus `held` (at most SUBTREE_HELD_CAP), *lag_s (seconds) at
//  least the age at `now` of the oldest held one (received at `oldest`,
//  0: unknown).
void
    subtree_lag_with_held (uint64_t *lag, int64_t *lag_s, uint64_t held, int64_t oldest,
                           int64_t now);

typedef void (subtree_held_fn) (void *arg, const char *origin, uint64_t entries,
                                int64_t oldest_received_at);
void
    subtree_held_each (subtree_t *self, subtree_held_fn *fn, void *arg);

#endif
