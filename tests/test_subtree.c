/*  test_subtree -- the table of signed node summaries (node/links/subtree.c):
    what a child may relay, and what is kept.  */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "node/links/subtree.h"

typedef struct {
    const char *division;
    uint8_t pk [32], sk [64];
} s_node_t;

#define S_NODES 5
static s_node_t s_nodes [S_NODES] = { { "330106", {0}, {0} }, { "330108", {0}, {0} },
                                      { "330201", {0}, {0} }, { "330100", {0}, {0} },
                                      { "330200", {0}, {0} } };

static const uint8_t *
s_key_of (void *arg, const char *division)
{
    for (int i = 0; i < S_NODES; i++)
        if (strcmp (s_nodes [i].division, division) == 0)
            return s_nodes [i].pk;
    return NULL;
}

//  Summary s signed by `signer`, as an encoded Envelope.
static uint8_t *
s_sign (const Lic__NodeSummary *s, const s_node_t *signer, size_t *len)
{
    uint8_t *body, *out, sig [64];
    size_t blen;
    assert (codec_node_summary_encode (s, &body, &blen) == ERR_OK);
    seal_sign (sig, body, blen, signer->sk);
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = body;
    env.body.len = blen;
    env.signature.data = sig;
    env.signature.len = 64;
    env.key_id.data = (uint8_t *) signer->pk;
    env.key_id.len = 32;
    assert (codec_envelope_encode (&env, &out, len) == ERR_OK);
    free (body);
    return out;
}

//  A summary of `division` made at `made_at`, signed by `signer`.
static uint8_t *
s_summary (const char *division, int64_t made_at, uint64_t lag_s, const s_node_t *signer,
           size_t *len)
{
    Lic__NodeSummary s;
    codec_node_summary_init (&s);
    s.division = (char *) division;
    s.parent_division = "330100";
    s.made_at = made_at;
    s.uplink_lag_seconds = (int64_t) lag_s;
    s.uplink_state = "streaming";
    return s_sign (&s, signer, len);
}

//  A summary of node `who` (index) that holds `n` origins' entries.
static uint8_t *
s_holding (int who, int64_t made_at, Lic__HeldOrigin **held, size_t n, size_t *len)
{
    Lic__NodeSummary s;
    codec_node_summary_init (&s);
    s.division = (char *) s_nodes [who].division;
    s.parent_division = "330000";
    s.made_at = made_at;
    s.uplink_state = "streaming";
    s.held = held;
    s.n_held = n;
    return s_sign (&s, &s_nodes [who], len);
}

//  Entries of the nodes below held at the nodes between (subtree_held_for):
//  only a node above a division counts for it, never the division itself
//  or another branch; and a summary of the largest body a node sends
//  (SUBTREE_BODY_MAX) fits what a parent keeps.
static void
test_held_for (void)
{
    subtree_t *t = subtree_new ();
    assert (t);
    Lic__HeldOrigin h [3], *hp [3] = { &h [0], &h [1], &h [2] };
    for (int i = 0; i < 3; i++)
        lic__held_origin__init (&h [i]);
    size_t len;
    uint8_t *b;
    //  City 330100 holds 3 of county 330106 (oldest received 1500) and 1 of 330108.
    h [0].origin = "330106"; h [0].entries = 3; h [0].oldest_received_at = 1500;
    h [1].origin = "330108"; h [1].entries = 1; h [1].oldest_received_at = 1700;
    b = s_holding (3, 1990, hp, 2, &len);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 2000, 0) == ERR_OK);
    free (b);
    //  County 330106 says it holds 50 of its own, city 330200 (another
    //  branch) 100 of 330106: neither counts for 330106.
    h [0].entries = 50;
    b = s_holding (0, 1990, hp, 1, &len);
    assert (subtree_offer (t, "330106", b, len, s_key_of, NULL, 2000, 0) == ERR_OK);
    free (b);
    h [0].entries = 100;
    b = s_holding (4, 1990, hp, 1, &len);
    assert (subtree_offer (t, "330200", b, len, s_key_of, NULL, 2000, 0) == ERR_OK);
    free (b);
    assert (subtree_size (t) == 3);
    uint64_t entries = 2;           //  held at this node, say
    int64_t oldest = 1600;
    subtree_held_for (t, "330106", &entries, &oldest);
    assert (entries == 5 && oldest == 1500);
    entries = 0, oldest = 0;
    subtree_held_for (t, "330108", &entries, &oldest);
    assert (entries == 1 && oldest == 1700);
    entries = 0, oldest = 0;
    subtree_held_for (t, "330100", &entries, &oldest);
    assert (entries == 0 && oldest == 0);
    //  Saturating at INT64_MAX (what JSON's integers hold): a lie of huge
    //  counts neither wraps nor turns negative.
    entries = SUBTREE_HELD_CAP - 1;
    subtree_held_for (t, "330106", &entries, &oldest);
    assert (entries == SUBTREE_HELD_CAP);
    //  A summary naming more held origins than a node sends: refused.
    Lic__HeldOrigin many [SUBTREE_HELD_MAX + 1], *many_p [SUBTREE_HELD_MAX + 1];
    for (int i = 0; i <= SUBTREE_HELD_MAX; i++) {
        lic__held_origin__init (&many [i]);
        many [i].origin = "330106";
        many [i].entries = 1;
        many_p [i] = &many [i];
    }
    b = s_holding (3, 1995, many_p, SUBTREE_HELD_MAX + 1, &len);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 2001, 0) == ERR_TOO_LARGE);
    free (b);
    b = s_holding (3, 1995, many_p, SUBTREE_HELD_MAX, &len);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 2001, 0) == ERR_OK);
    free (b);

    //  A node's lag with what is held above it: entries added, seconds at
    //  least the oldest held one's age; nothing held changes nothing;
    //  capped, never wrapping.
    uint64_t lag = 2;
    int64_t lag_s = 5;
    subtree_lag_with_held (&lag, &lag_s, 3, 1500, 2000);
    assert (lag == 5 && lag_s == 500);
    lag = 2, lag_s = 900;
    subtree_lag_with_held (&lag, &lag_s, 3, 1500, 2000);
    assert (lag == 5 && lag_s == 900);
    lag = 2, lag_s = 5;
    subtree_lag_with_held (&lag, &lag_s, 0, 1500, 2000);
    assert (lag == 2 && lag_s == 5);
    lag = 7;
    subtree_lag_with_held (&lag, &lag_s, UINT64_MAX, 0, 2000);
    assert (lag == SUBTREE_HELD_CAP && lag_s == 5);

    //  The largest body a node sends, signed, fits.
    Lic__NodeSummary s;
    codec_node_summary_init (&s);
    s.division = "330100";
    s.parent_division = "330000";
    s.made_at = 1999;
    s.head_seq = s.uplink_acked = s.uplink_lag = UINT64_MAX;
    s.uplink_state = "streaming";
    char error [1024];
    memset (error, 'e', sizeof error);
    error [0] = 0;
    s.uplink_error = error;
    size_t el = 0;
    while (lic__node_summary__get_packed_size (&s) < SUBTREE_BODY_MAX) {
        error [el++] = 'e';
        error [el] = 0;
    }
    assert (lic__node_summary__get_packed_size (&s) == SUBTREE_BODY_MAX);
    b = s_sign (&s, &s_nodes [3], &len);
    assert (len <= SUBTREE_SUMMARY_MAX);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 2000, 0) == ERR_OK);
    free (b);
    subtree_destroy (&t);
}

typedef struct {
    int n;
    int64_t last_seen [4];
    uint64_t lag [4];
} s_seen_t;

static void
s_collect (void *arg, const subtree_node_t *node)
{
    s_seen_t *s = (s_seen_t *) arg;
    s->last_seen [s->n] = node->last_seen;
    s->lag [s->n] = (uint64_t) node->summary->uplink_lag_seconds;
    s->n++;
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    for (int i = 0; i < S_NODES; i++)
        seal_keypair (s_nodes [i].pk, s_nodes [i].sk);
    test_held_for ();
    subtree_t *t = subtree_new ();
    assert (t);
    size_t len;
    uint8_t *b;

    //  A county's own summary, relayed by itself: kept.
    b = s_summary ("330106", 1995, 5, &s_nodes [0], &len);
    assert (subtree_offer (t, "330106", b, len, s_key_of, NULL, 2000, 0) == ERR_OK);
    //  The same bytes again refresh the time only.
    assert (subtree_offer (t, "330106", b, len, s_key_of, NULL, 2001, 0) == ERR_OK);
    free (b);
    s_seen_t seen = { 0 };
    subtree_each (t, s_collect, &seen);
    assert (seen.n == 1 && seen.last_seen [0] == 2001 && seen.lag [0] == 5);

    //  A county relaying its sibling's summary, even one genuinely signed
    //  by the sibling, may not: a county speaks for itself only.
    b = s_summary ("330108", 1998, 0, &s_nodes [1], &len);
    assert (subtree_offer (t, "330106", b, len, s_key_of, NULL, 2002, 0) == ERR_FORBIDDEN);
    //  The sibling itself may; a city may relay it.
    assert (subtree_offer (t, "330108", b, len, s_key_of, NULL, 2002, 0) == ERR_OK);
    //  ... and once held, the same bytes relayed by the county are still
    //  refused: an unchanged summary is not a way past the rule.
    assert (subtree_offer (t, "330106", b, len, s_key_of, NULL, 2003, 0) == ERR_FORBIDDEN);
    free (b);
    //  A summary of 330108 signed by 330106's key: not the division's key.
    b = s_summary ("330108", 1999, 99, &s_nodes [0], &len);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 2003, 0) == ERR_UNKNOWN_KEY);
    free (b);
    //  A broken signature.
    b = s_summary ("330108", 2000, 99, &s_nodes [1], &len);
    b [len - 40] ^= 1;          //  inside the signature (key id: the last 32 bytes)
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 2003, 0) == ERR_BAD_SIGNATURE);
    free (b);
    //  An older summary does not replace a newer one (a replay).
    b = s_summary ("330106", 1990, 77, &s_nodes [0], &len);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 2004, 0) == ERR_EXISTS);
    free (b);
    //  A node of another city, relayed through city 330100: refused.
    b = s_summary ("330201", 1000, 0, &s_nodes [2], &len);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 2004, 0) == ERR_FORBIDDEN);
    free (b);
    //  A division nobody vouched for: no key.
    b = s_summary ("330109", 1000, 0, &s_nodes [0], &len);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 2004, 0) == ERR_UNKNOWN_KEY);
    free (b);
    //  Made in the future beyond the clock tolerance: refused (it would
    //  stay the newest for good); within it, kept.
    b = s_summary ("330108", 2004 + SUBTREE_SKEW_S + 1, 0, &s_nodes [1], &len);
    assert (subtree_offer (t, "330108", b, len, s_key_of, NULL, 2004, 0) == ERR_BAD_FIELD);
    free (b);
    //  Garbage and oversized input.
    uint8_t junk [64];
    memset (junk, 0xff, sizeof junk);
    assert (subtree_offer (t, "330100", junk, sizeof junk, s_key_of, NULL, 2004, 0) == ERR_MALFORMED);
    uint8_t *big = calloc (1, SUBTREE_SUMMARY_MAX + 1);
    assert (subtree_offer (t, "330100", big, SUBTREE_SUMMARY_MAX + 1, s_key_of, NULL, 2004, 0) == ERR_TOO_LARGE);
    free (big);

    seen.n = 0;
    subtree_each (t, s_collect, &seen);
    assert (seen.n == 2 && seen.lag [0] == 5 && seen.lag [1] == 0);
    assert (subtree_size (t) == 2);

    //  Honest lag: what it said, or at least its silence.
    Lic__NodeSummary s;
    codec_node_summary_init (&s);
    s.uplink_lag_seconds = 7;
    assert (subtree_lag_seconds (&s, 1000, 1000 + SUBTREE_STALE_S) == 7);
    assert (subtree_lag_seconds (&s, 1000, 1000 + 86400) == 86400);

    //  Relayed with its age: a city that last heard 330108 1,000 s ago says
    //  so, and that does not move a fresher time back; a newer summary
    //  heard long ago is as silent here as at the city.
    b = s_summary ("330108", 1998, 0, &s_nodes [1], &len);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 3000, 1000) == ERR_OK);
    free (b);
    seen.n = 0;
    subtree_each (t, s_collect, &seen);
    assert (seen.n == 2 && seen.last_seen [1] == 2002);
    b = s_summary ("330108", 2895, 0, &s_nodes [1], &len);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 3000, 100) == ERR_OK);
    free (b);
    seen.n = 0;
    subtree_each (t, s_collect, &seen);
    assert (seen.last_seen [1] == 2900);

    //  A relay passing on an old summary as just heard: it counts as heard
    //  no later than it was made (plus the clock tolerance).
    b = s_summary ("330108", 3000, 0, &s_nodes [1], &len);
    assert (subtree_offer (t, "330100", b, len, s_key_of, NULL, 5000, 0) == ERR_OK);
    free (b);
    seen.n = 0;
    subtree_each (t, s_collect, &seen);
    assert (seen.last_seen [1] == 3000 + SUBTREE_SKEW_S);

    //  A child removed from the configuration takes its relays with it.
    subtree_forget_via (t, "330100");
    assert (subtree_size (t) == 1);
    subtree_destroy (&t);
    subtree_destroy (&t);
    printf ("subtree: all passed\n");
    return 0;
}
