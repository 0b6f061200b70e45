/*  subtree.c -- the health of every node below this one (see subtree.h).  */
#include <czmq.h>
#include "proto/authority.h"
#include "proto/codec.h"
#include "proto/seal.h"
#include "node/links/subtree.h"

typedef struct {
    Lic__NodeSummary *summary;      //  decoded (owned)
    uint8_t *bytes;                 //  the Envelope as received (owned)
    size_t len;
    int64_t last_seen;
    char via [16];
} s_node_t;

struct subtree_t {
    zhashx_t *nodes;                //  division -> s_node_t
};

static void
s_node_destroy (void **item_p)
{
    s_node_t *n = (s_node_t *) *item_p;
    if (n) {
        codec_node_summary_free (&n->summary);
        free (n->bytes);
        free (n);
        *item_p = NULL;
    }
}

subtree_t *
subtree_new (void)
{
    subtree_t *self = calloc (1, sizeof *self);
    if (self && (self->nodes = zhashx_new ()) == NULL) {
        free (self);
        return NULL;
    }
    if (self)
        zhashx_set_destructor (self->nodes, s_node_destroy);
    return self;
}

void
subtree_destroy (subtree_t **self_p)
{
    if (self_p && *self_p) {
        zhashx_destroy (&(*self_p)->nodes);
        free (*self_p);
        *self_p = NULL;
    }
}

int
subtree_offer (subtree_t *self, const char *via, const uint8_t *bytes, size_t len,
               subtree_key_fn *key_of, void *arg, int64_t now, uint32_t age)
{
    int64_t heard = now - (int64_t) age;
    if (len > SUBTREE_SUMMARY_MAX)
        return ERR_TOO_LARGE;
    Lic__Envelope *env = NULL;
    Lic__NodeSummary *sum = NULL;
    int rc = codec_envelope_decode (bytes, len, &env);
    if (rc == ERR_OK)
        rc = env->key_id.len == 32 && env->signature.len == SEAL_SIG_BYTES? ERR_OK: ERR_MALFORMED;
    if (rc == ERR_OK)
        rc = codec_node_summary_decode (env->body.data, env->body.len, &sum);
    //  The relaying child may speak for that division at all: checked
    //  first, for every summary, the unchanged ones included.
    if (rc == ERR_OK)
        rc = authority_origin (via, sum->division, NULL, 0);
    if (rc == ERR_OK && sum->n_held > SUBTREE_HELD_MAX)
        rc = ERR_TOO_LARGE;         //  more held origins than a node names
    //  Made later than now allows (clocks within SUBTREE_SKEW_S): such a
    //  summary would stay "newest" for good and shut out every honest one.
    if (rc == ERR_OK && now < INT64_MAX - SUBTREE_SKEW_S && sum->made_at > now + SUBTREE_SKEW_S)
        rc = ERR_BAD_FIELD;
    //  Heard no later than the node signed it (clocks within
    //  SUBTREE_SKEW_S): a relay that passes on an old summary as fresh
    //  does not make a silent node look alive.
    if (rc == ERR_OK && sum->made_at < INT64_MAX - SUBTREE_SKEW_S && heard > sum->made_at + SUBTREE_SKEW_S)
        heard = sum->made_at + SUBTREE_SKEW_S;
    s_node_t *held = rc == ERR_OK? (s_node_t *) zhashx_lookup (self->nodes, sum->division): NULL;
    //  The same bytes again (a relay of an unchanged summary): only the
    //  time it was heard moves; no signature to check again, but the key
    //  must still be the one held (not revoked since: key_of says none).
    const uint8_t *now_key = held? key_of (arg, sum->division): NULL;
    if (held && held->len == len && memcmp (held->bytes, bytes, len) == 0
    &&  now_key && memcmp (now_key, env->key_id.data, 32) == 0) {
        if (heard > held->last_seen)
            held->last_seen = heard;
        snprintf (held->via, sizeof held->via, "%s", via);
        codec_node_summary_free (&sum);
        codec_envelope_free (&env);
        return ERR_OK;
    }
    //  Not newer than the one held (a replay): refused before any
    //  signature is checked, so replays cost a decode only.
    if (rc == ERR_OK && held && sum->made_at <= held->summary->made_at)
        rc = ERR_EXISTS;
    if (rc == ERR_OK) {
        const uint8_t *key = key_of (arg, sum->division);
        rc = !key? ERR_UNKNOWN_KEY
           : memcmp (key, env->key_id.data, 32) != 0? ERR_UNKNOWN_KEY
           : seal_verify (env->signature.data, env->body.data, env->body.len, key);
        if (rc != ERR_OK && rc != ERR_UNKNOWN_KEY)
            rc = ERR_BAD_SIGNATURE;
    }
    if (rc == ERR_OK && !held && zhashx_size (self->nodes) >= SUBTREE_MAX)
        rc = ERR_TOO_LARGE;
    s_node_t *n = NULL;
    if (rc == ERR_OK && ((n = calloc (1, sizeof *n)) == NULL || (n->bytes = malloc (len)) == NULL))
        rc = ERR_NOMEM;
    if (rc != ERR_OK) {
        if (n)
            free (n);
        codec_node_summary_free (&sum);
        codec_envelope_free (&env);
        return rc;
    }
    memcpy (n->bytes, bytes, len);
    n->len = len;
    n->summary = sum;
    n->last_seen = heard;
    snprintf (n->via, sizeof n->via, "%s", via);
    zhashx_update (self->nodes, sum->division, n);
    codec_envelope_free (&env);
    return ERR_OK;
}

void
subtree_each (subtree_t *self, void (*fn) (void *arg, const subtree_node_t *node), void *arg)
{
    zlistx_t *keys = zhashx_keys (self->nodes);
    if (!keys)
        return;
    zlistx_set_comparator (keys, (zlistx_comparator_fn *) strcmp);
    zlistx_sort (keys);
    for (const char *k = (const char *) zlistx_first (keys); k; k = (const char *) zlistx_next (keys)) {
        const s_node_t *n = (const s_node_t *) zhashx_lookup (self->nodes, k);
        subtree_node_t node = { n->summary, n->bytes, n->len, n->last_seen, n->via };
        fn (arg, &node);
    }
    zlistx_destroy (&keys);
}

size_t
subtree_size (subtree_t *self)
{
    return zhashx_size (self->nodes);
}

void
subtree_forget_via (subtree_t *self, const char *via)
{
    zlistx_t *keys = zhashx_keys (self->nodes);
    if (!keys)
        return;
    for (const char *k = (const char *) zlistx_first (keys); k; k = (const char *) zlistx_next (keys)) {
        const s_node_t *n = (const s_node_t *) zhashx_lookup (self->nodes, k);
        if (n && strcmp (n->via, via) == 0)
            zhashx_delete (self->nodes, k);
    }
    zlistx_destroy (&keys);
}

int64_t
subtree_lag_seconds (const Lic__NodeSummary *summary, int64_t last_seen, int64_t now)
{
    int64_t lag = summary->uplink_lag_seconds > 0? summary->uplink_lag_seconds: 0;
    int64_t silent = now - last_seen;
    return silent > SUBTREE_STALE_S && silent > lag? silent: lag;
}

void
subtree_held_each (subtree_t *self, subtree_held_fn *fn, void *arg)
{
    for (const s_node_t *n = (const s_node_t *) zhashx_first (self->nodes); n;
         n = (const s_node_t *) zhashx_next (self->nodes)) {
        const Lic__NodeSummary *s = n->summary;
        for (size_t i = 0; i < s->n_held; i++) {
            const Lic__HeldOrigin *h = s->held [i];
            //  Only a node above the origin holds its entries honestly:
            //  not the origin itself, not another branch.
            if (h->entries && authority_below (h->origin, s->division))
                fn (arg, h->origin, h->entries, h->oldest_received_at);
        }
    }
}

void
subtree_lag_with_held (uint64_t *lag, int64_t *lag_s, uint64_t held, int64_t oldest, int64_t now)
{
    if (held > SUBTREE_HELD_CAP)
        held = SUBTREE_HELD_CAP;
    *lag = *lag > SUBTREE_HELD_CAP - held? SUBTREE_HELD_CAP: *lag + held;
    if (held && oldest > 0 && now - oldest > *lag_s)
        *lag_s = now - oldest;
}

typedef struct {
    const char *division;
    uint64_t *entries;
    int64_t *oldest;
} s_held_for_t;

void
subtree_held_add (uint64_t *entries, int64_t *oldest, uint64_t add, int64_t at)
{
    *entries = add > SUBTREE_HELD_CAP - *entries? SUBTREE_HELD_CAP: *entries + add;
    if (at > 0 && (*oldest == 0 || at < *oldest))
        *oldest = at;
}

static void
s_held_for (void *arg, const char *origin, uint64_t entries, int64_t oldest)
{
    s_held_for_t *f = (s_held_for_t *) arg;
    if (strcmp (origin, f->division) == 0)
        subtree_held_add (f->entries, f->oldest, entries, oldest);
}

void
subtree_held_for (subtree_t *self, const char *division, uint64_t *entries, int64_t *oldest)
{
    s_held_for_t f = { division, entries, oldest };
    subtree_held_each (self, s_held_for, &f);
}
