/*  fuzz_repl.c -- replication frames (lic.Repl), as a parent takes them
    from a child and a child from its parent: codec_repl_decode, then the
    log entries of a Batch or Fetched through what the parent does with
    each before it trusts it (checks_entry: strict codec_entry_decode,
    authority of the origin, the event checks of proto/evcheck.c on the
    decoded envelope and event, the rules of each node-signed body), the
    leaf hashes the parent extends its copy of the child's tree with,
    the node-record chain of Welcome and Heartbeat, the signed node
    summaries a Heartbeat relays (node/links/subtree.c subtree_offer, as the
    parent's downlink offers them, then the lag it shows), and the checkpoint
    notes (checkpoint_parse, checkpoint_verify with the child's key,
    checkpoint_cosig_verify with the parent's).

    Properties: no crash, leak or undefined behaviour; decode, encode,
    decode, encode gives the same bytes (Repl and each entry).
*/
#include <string.h>
#include "replication/checkpoint.h"
#include "tests/fuzz/checks.h"
#include "proto/codec.h"
#include "tests/fuzz/fuzz.h"
#include "proto/licid.h"
#include "replication/merkle.h"
#include "tests/fuzz/pbmut.h"
#include "node/links/subtree.h"

//  Entries arrive from this child (the county) at this parent (the city)
#define S_CHILD  FUZZ_DIV_COUNTY
#define S_PARENT FUZZ_DIV_CITY

static void
s_entries (ProtobufCBinaryData *entries, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t leaf [MERKLE_HASH_BYTES];
        merkle_leaf_hash (leaf, entries [i].data, entries [i].len);
        checks_entry (entries [i].data, entries [i].len, S_CHILD);
    }
}

static void
s_chain (ProtobufCBinaryData *chain, size_t n)
{
    for (size_t i = 0; i < n; i++)
        checks_chain_record (chain [i].data, chain [i].len, S_PARENT);
}

//  The key the parent holds for a division: the test keys
static const uint8_t *
s_key_of (void *arg, const char *division)
{
    for (int i = 0; i < FUZZ_KEYS; i++) {
        const fuzz_key_t *k = fuzz_key ((fuzz_key_id_t) i);
        if (k->division && strcmp (k->division, division) == 0)
            return k->pk;
    }
    return NULL;
}

static void
s_held (void *arg, const subtree_node_t *node)
{
    FUZZ_CHECK (node->summary && node->len <= SUBTREE_SUMMARY_MAX);
    (void) subtree_lag_seconds (node->summary, node->last_seen, FUZZ_NOW);
}

static void
s_summaries (const Lic__Heartbeat *hb)
{
    subtree_t *held = subtree_new ();
    FUZZ_CHECK (held != NULL);
    for (size_t i = 0; i < hb->n_subtree; i++)
        (void) subtree_offer (held, S_CHILD, hb->subtree [i].data, hb->subtree [i].len, s_key_of,
                              NULL, FUZZ_NOW, i < hb->n_subtree_age? hb->subtree_age [i]: 0);
    FUZZ_CHECK (subtree_size (held) <= hb->n_subtree);
    subtree_each (held, s_held, NULL);
    subtree_destroy (&held);
}

static void
s_note (const char *note)
{
    checkpoint_t cp;
    if (checkpoint_parse (note, strlen (note), &cp) != ERR_OK)
        return;
    FUZZ_CHECK (cp.n_sigs >= 1 && cp.n_sigs <= CHECKPOINT_SIGS_MAX);
    FUZZ_RUN (checkpoint_verify (&cp, "licrepo/" S_CHILD, fuzz_key (FUZZ_KEY_COUNTY)->pk));
    FUZZ_RUN (checkpoint_cosig_verify (&cp, "licrepo/" S_PARENT, fuzz_key (FUZZ_KEY_CITY)->pk, NULL));
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    if (seal_init () != ERR_OK)
        abort ();
    (void) checks_type ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    Lic__Repl *m = NULL;
    if (codec_repl_decode (data, size, &m) != ERR_OK)
        return 0;
    CHECKS_ROUND_TRIP (repl, Lic__Repl, m);
    switch (m->body_case) {
        case LIC__REPL__BODY_HELLO:
            (void) licid_division_valid (m->hello->division);
            break;
        case LIC__REPL__BODY_WELCOME:
            s_chain (m->welcome->chain, m->welcome->n_chain);
            break;
        case LIC__REPL__BODY_BATCH:
            s_entries (m->batch->entries, m->batch->n_entries);
            break;
        case LIC__REPL__BODY_HEARTBEAT:
            s_chain (m->heartbeat->chain, m->heartbeat->n_chain);
            s_summaries (m->heartbeat);
            break;
        case LIC__REPL__BODY_CHECKPOINT:
            s_note (m->checkpoint->note);
            break;
        case LIC__REPL__BODY_RECEIPT:
            s_note (m->receipt->note);
            break;
        case LIC__REPL__BODY_FETCHED:
            s_entries (m->fetched->entries, m->fetched->n_entries);
            break;
        default:
            break;
    }
    codec_repl_free (&m);
    return 0;
}

#ifdef LICREPO_LIBFUZZER
size_t
LLVMFuzzerCustomMutator (uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    return pbmut_mutate (data, size, max_size, seed);
}
#endif
