/*  test_e2e_replicate -- two counties -> one city -> one province, all
    real licnode processes on 127.0.0.1 with CURVE between levels.
    Events published at the counties reach the province; the province's
    per-origin digests equal the counties'; status shows the positions;
    the province's proofs verify and fail after any change; every level's
    views equal a replay of its log.
*/
#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "replication/merkle.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

#define LICENSES 1000               //  per county, each issued and altered once

static support_hier_t s_h;
static char s_dir [512];

static void
s_publish_at (int county, uint32_t serial0, int licenses)
{
    support_dept_t d;
    assert (support_dept_make (&d, 200 + (uint32_t) county, s_dir) == ERR_OK);
    licclient_t *admin = NULL, *c = NULL;
    assert (support_admin (&admin, &s_h.node [county]) == ERR_OK);
    assert (support_register (admin, &d) == ERR_OK);
    licclient_destroy (&admin);
    assert (support_client (&c, &s_h.node [county], &d) == ERR_OK);
    assert (support_publish (c, &d, serial0, licenses, 1) == licenses * 2);
    licclient_destroy (&c);
}

static void
s_assert_digests_equal (int county, const char *division)
{
    uint8_t dc [32], dp [32], dm [32];
    uint64_t nc, np, nm;
    assert (support_digest (&s_h.node [county], division, dc, &nc) == ERR_OK);
    assert (support_digest (&s_h.node [2], division, dm, &nm) == ERR_OK);
    assert (support_digest (&s_h.node [3], division, dp, &np) == ERR_OK);
    printf ("  %s: county %" PRIu64 " licenses, city %" PRIu64 ", province %" PRIu64 "\n",
            division, nc, nm, np);
    assert (nc == LICENSES && nm == nc && np == nc);
    assert (memcmp (dc, dp, 32) == 0 && memcmp (dc, dm, 32) == 0);
}

static void
test_events_reach_the_province_with_equal_digests (void)
{
    s_publish_at (0, 1, LICENSES);
    s_publish_at (1, 1, LICENSES);
    assert (support_hier_wait_synced (&s_h, 120) == ERR_OK);
    s_assert_digests_equal (0, "330106");
    s_assert_digests_equal (1, "330108");
}

static void
test_status_shows_positions_and_no_lag (void)
{
    Lic__Reply *city = NULL, *prov = NULL, *county = NULL;
    assert (support_status (&s_h.node [0], &county) == ERR_OK);
    assert (support_status (&s_h.node [2], &city) == ERR_OK);
    assert (support_status (&s_h.node [3], &prov) == ERR_OK);
    assert (streq (county->status->uplink_state, "streaming"));
    assert (county->status->uplink_lag == 0);
    assert (streq (county->status->parent_division, "330100"));
    assert (streq (prov->status->uplink_state, "none"));
    assert (city->status->n_children == 2);
    assert (prov->status->n_children == 1 && prov->status->children [0]->connected);
    assert (prov->status->children [0]->acked_seq == city->status->head_seq);
    assert (prov->status->quarantined == 0 && city->status->quarantined == 0);
    //  The province holds both counties' entries and the city's own.
    assert (prov->status->head_seq >= county->status->head_seq * 2);
    codec_reply_free (&county);
    codec_reply_free (&city);
    codec_reply_free (&prov);
}

static void
test_proofs_verify_and_fail_after_a_change (void)
{
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_h.node [3]) == ERR_OK);
    Lic__Reply *st = NULL;
    assert (licclient_status (admin, &st, 10000) == ERR_OK);
    uint64_t size = st->status->head_seq;
    //  The signed checkpoint verifies with the province's key.
    checkpoint_t cp;
    const char *note = st->status->checkpoint;
    assert (*note && checkpoint_parse (note, strlen (note), &cp) == ERR_OK);
    assert (checkpoint_verify (&cp, "licrepo/330000", st->status->sign_key.data) == ERR_OK);
    codec_reply_free (&st);

    for (int round = 0; round < 20; round++) {
        uint64_t seq = 1 + (uint64_t) rand () % size;
        uint64_t old = 1 + (uint64_t) rand () % size;
        Lic__Request req;
        Lic__ProveRequest pr;
        codec_request_init (&req);
        lic__prove_request__init (&pr);
        pr.seq = seq;
        pr.old_size = old;
        pr.size = size;
        req.body_case = LIC__REQUEST__BODY_PROVE;
        req.prove = &pr;
        Lic__Reply *r = NULL;
        assert (licclient_call (admin, &req, &r, 10000) == ERR_OK && r->code == ERR_OK);
        Lic__ProofResult *p = r->proof;
        uint8_t leaf [32], path [64][32];
        merkle_leaf_hash (leaf, p->leaf.data, p->leaf.len);
        for (size_t i = 0; i < p->n_inclusion; i++)
            memcpy (path [i], p->inclusion [i].data, 32);
        assert (merkle_verify_inclusion (leaf, seq - 1, size, (const uint8_t (*) [32]) path,
                                         p->n_inclusion, p->root.data) == ERR_OK);
        //  One changed byte of the entry, or of the path, fails.
        p->leaf.data [p->leaf.len / 2] ^= 1;
        uint8_t bad [32];
        merkle_leaf_hash (bad, p->leaf.data, p->leaf.len);
        assert (merkle_verify_inclusion (bad, seq - 1, size, (const uint8_t (*) [32]) path,
                                         p->n_inclusion, p->root.data) != ERR_OK);
        if (p->n_inclusion) {
            path [0][5] ^= 0x40;
            assert (merkle_verify_inclusion (leaf, seq - 1, size, (const uint8_t (*) [32]) path,
                                             p->n_inclusion, p->root.data) != ERR_OK);
        }
        for (size_t i = 0; i < p->n_consistency; i++)
            memcpy (path [i], p->consistency [i].data, 32);
        assert (merkle_verify_consistency (old, size, p->old_root.data, p->root.data,
                                           (const uint8_t (*) [32]) path, p->n_consistency) == ERR_OK);
        if (p->n_consistency) {
            path [p->n_consistency - 1][0] ^= 1;
            assert (merkle_verify_consistency (old, size, p->old_root.data, p->root.data,
                                               (const uint8_t (*) [32]) path, p->n_consistency) != ERR_OK);
        }
        codec_reply_free (&r);
    }
    licclient_destroy (&admin);
}

//  Node i's get of license id (no history).
static Lic__Reply *
s_get_at (int i, const char *id)
{
    licclient_t *admin = NULL;
    Lic__Reply *r = NULL;
    assert (support_admin (&admin, &s_h.node [i]) == ERR_OK);
    assert (licclient_get (admin, id, false, &r, 10000) == ERR_OK);
    licclient_destroy (&admin);
    return r;
}

//  A license issued at county 330108 that replaces one issued at 330106:
//  the county cannot know the predecessor (its form is checked, proto/
//  README.md section 3); the city and the province hold both, through
//  the same apply, and show the link (proto/FORMAT.md family 16).
static void
test_a_successor_across_counties_is_shown_above (void)
{
    support_dept_t d0, d1;
    char pred [LICID_BARE_MAX + 1], succ [LICID_BARE_MAX + 1], why [256];
    assert (support_dept_make (&d0, 200, s_dir) == ERR_OK);    //  county 0's department
    support_license_id (pred, d0.type_code, d0.key.code, 1);
    assert (support_dept_make (&d1, 211, s_dir) == ERR_OK);
    licclient_t *admin = NULL, *c = NULL;
    assert (support_admin (&admin, &s_h.node [1]) == ERR_OK);
    assert (support_register (admin, &d1) == ERR_OK);
    licclient_destroy (&admin);
    uint8_t *body, sig [64];
    size_t len;
    Lic__Event *ev = NULL;
    assert (support_event_sign (&d1, LIC__OP__OP_ISSUE, 5, 0, 5, &body, &len, sig) == ERR_OK);
    assert (codec_event_decode (body, len, &ev) == ERR_OK);
    free (body);
    assert (codec_set_string (&ev->content->predecessor_id, pred) == ERR_OK);
    assert (licclient_sign (ev, d1.key.sign_sk, d1.key.sign_pk, &body, &len, sig) == ERR_OK);
    snprintf (succ, sizeof succ, "%s", ev->license_id);
    codec_event_free (&ev);
    assert (support_client (&c, &s_h.node [1], &d1) == ERR_OK);
    int code = -1;
    uint64_t seq;
    bool dup;
    assert (licclient_publish (c, body, len, sig, d1.key.sign_pk, &seq, &dup, &code, why,
                               sizeof why, 10000) == ERR_OK && code == ERR_OK);
    free (body);
    licclient_destroy (&c);
    assert (support_hier_wait_synced (&s_h, 60) == ERR_OK);

    //  County 330106 has the predecessor and never sees the successor.
    Lic__Reply *r = s_get_at (0, pred);
    assert (r->code == ERR_OK && r->license->n_successors == 0);
    codec_reply_free (&r);
    //  County 330108 has the successor only.
    r = s_get_at (1, pred);
    assert (r->code == ERR_NOT_FOUND);
    codec_reply_free (&r);
    for (int i = 2; i < 4; i++) {
        r = s_get_at (i, pred);
        assert (r->code == ERR_OK && r->license->n_successors == 1);
        assert (streq (r->license->successors [0], succ) && !r->license->successors_more);
        codec_reply_free (&r);
        r = s_get_at (i, succ);
        assert (r->code == ERR_OK && streq (r->license->state->content->predecessor_id, pred));
        codec_reply_free (&r);
    }
}

static void
test_every_level_equals_a_replay_of_its_log (void)
{
    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    srand (7);
    assert (support_tmpdir (s_dir, "replicate") == ERR_OK);
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);
    test_events_reach_the_province_with_equal_digests ();
    test_status_shows_positions_and_no_lag ();
    test_proofs_verify_and_fail_after_a_change ();
    test_a_successor_across_counties_is_shown_above ();
    test_every_level_equals_a_replay_of_its_log ();
    support_rmtree (s_dir);
    printf ("e2e_replicate: all passed\n");
    return 0;
}
