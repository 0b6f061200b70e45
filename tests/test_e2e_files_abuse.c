/*  test_e2e_files_abuse -- license files against hostile members, on real
    nodes (two counties -> city -> province, proto/README.md section 12).

    A county reads back through its parent only its own subtree's files:
    the test plays county 330106 with its real node keys (DIR/node.key:
    the CURVE key the city admits on its replication socket) and asks the
    city, by Repl FileWant, for the file named only by its sibling
    330108's license: refused ERR_FORBIDDEN with no byte of it; its own
    file: served, the same bytes; the city keeps serving and logs the
    refusal.  One level up, the city asks the province for the file of
    its county 330108 (below it): served.  The real county then comes
    back and its entries still reach the province.

    A department's files that no event names are bounded by its budget
    (file_budget_mb, 16 at county 330106): two 7 MiB files taken, the
    third refused ERR_FILE_BUDGET with nothing of it stored, while
    another department of the same node puts it; the same bytes, held,
    are taken from the first department without a charge; after a
    restart of the county the budget still holds; once an issue names
    one of its files, the next is taken (within a second and a bit: the
    charges are swept at most once a second), and the budget still
    bounds what follows.

    A budget under one whole file (16 MiB) or over 64 GiB keeps the node
    from starting (exit 2, naming the member).

    A repository made before the names index (its keys and meta mark
    removed, the node stopped) gets it back from `licnode check`, which
    says so; the second check finds it equal to the replay.  Every level
    passes licnode check at the end.
*/
#undef NDEBUG
#include <assert.h>
#include <czmq.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/err.h"
#include "proto/seal.h"
#include "node/store/files.h"
#include "node/store/store_rocks.h"
#include "tests/support/support.h"

#define MIB (1u << 20)

static support_hier_t s_h;
static char s_dir [512];

//  A file of len bytes, different for each seed.
static uint8_t *
s_bytes (size_t len, uint32_t seed)
{
    uint8_t *data = malloc (len);
    assert (data);
    uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);       //  xorshift64
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data [i] = (uint8_t) (x >> 24);
    }
    memcpy (data, "%PDF-1.7\n", len < 9? len: 9);
    return data;
}

//  Publishes an issue of license `serial` naming digest: the node's code.
static int
s_issue (licclient_t *c, const support_dept_t *d, uint32_t serial, const uint8_t *digest)
{
    uint8_t *body, sig [64];
    size_t len;
    char why [320];
    assert (support_event_sign_file (d, LIC__OP__OP_ISSUE, serial, 0, serial, digest,
                                     &body, &len, sig) == ERR_OK);
    int code = -1;
    assert (licclient_publish (c, body, len, sig, d->key.sign_pk, NULL, NULL, &code,
                               why, sizeof why, 10000) == ERR_OK);
    free (body);
    return code;
}

//  Puts data through c: the node's code, its message in why.
static int
s_put (licclient_t *c, const uint8_t *data, size_t len, uint8_t digest [32], char *why,
       size_t why_size)
{
    int code = -1;
    assert (licclient_file_put (c, data, len, digest, &code, why, why_size, 60000) == ERR_OK);
    return code;
}

//  The file's state at c's node: present, and how much of it is there.
static bool
s_present (licclient_t *c, const uint8_t digest [32], uint64_t *received)
{
    Lic__Reply *reply = NULL;
    assert (licclient_file_status (c, digest, &reply, 10000) == ERR_OK);
    assert (reply->code == ERR_OK && reply->body_case == LIC__REPLY__BODY_FILE);
    bool present = reply->file->present;
    if (received)
        *received = reply->file->received;
    licclient_reply_free (&reply);
    return present;
}

static void
s_wait_present (licclient_t *c, const uint8_t digest [32], const char *what)
{
    int64_t deadline = support_now_us () + 120 * 1000000LL;
    while (!s_present (c, digest, NULL)) {
        if (support_now_us () > deadline) {
            fprintf (stderr, "timed out waiting for %s\n", what);
            assert (false);
        }
        usleep (20000);
    }
}

// ---------------------------------------------------------------------
//  Playing a child on its parent's replication socket

//  A DEALER with the node keys of the node in child_dir, to the
//  replication socket of the node in parent_dir on port.
static zsock_t *
s_dealer (const char *child_dir, const char *parent_dir, int port)
{
    char path [700];
    keyfile_t child, parent;
    snprintf (path, sizeof path, "%s/node.key", child_dir);
    assert (keyfile_load (&child, path) == ERR_OK && child.has_secret);
    snprintf (path, sizeof path, "%s/node.pub", parent_dir);
    assert (keyfile_load (&parent, path) == ERR_OK);
    uint8_t pk [32], sk [32];
    assert (zmq_z85_decode (pk, child.curve_pk) && zmq_z85_decode (sk, child.curve_sk));
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    assert (sock);
    zcert_t *cert = zcert_new_from (pk, sk);
    zcert_apply (cert, sock);
    zcert_destroy (&cert);
    zsock_set_curve_serverkey (sock, parent.curve_pk);
    zsock_set_linger (sock, 0);
    zsock_set_sndtimeo (sock, 10000);
    zsock_set_maxmsgsize (sock, 8 * (int) MIB);
    assert (zsock_connect (sock, "tcp://127.0.0.1:%d", port) == 0);
    keyfile_wipe (&child);
    return sock;
}

//  Asks for the chunk at offset 0 of the file digest; the FileChunk
//  answered (a message that is not one: heartbeats, skipped).
static Lic__Repl *
s_want (zsock_t *sock, const uint8_t digest [32])
{
    Lic__Repl msg;
    Lic__FileWant want = LIC__FILE_WANT__INIT;
    codec_repl_init (&msg);
    want.digest.data = (uint8_t *) digest;
    want.digest.len = 32;
    want.offset = 0;
    msg.body_case = LIC__REPL__BODY_FILE_WANT;
    msg.file_want = &want;
    uint8_t *buf;
    size_t len;
    assert (codec_repl_encode (&msg, &buf, &len) == ERR_OK);
    zframe_t *f = zframe_new (buf, len);
    free (buf);
    assert (f && zframe_send (&f, sock, 0) == 0);
    int64_t deadline = support_now_us () + 10 * 1000000LL;
    while (true) {
        int64_t left = (deadline - support_now_us ()) / 1000;
        assert (left > 0);
        zsock_set_rcvtimeo (sock, (int) left);
        f = zframe_recv (sock);
        assert (f);
        Lic__Repl *reply = NULL;
        assert (codec_repl_decode (zframe_data (f), zframe_size (f), &reply) == ERR_OK);
        zframe_destroy (&f);
        if (reply->body_case == LIC__REPL__BODY_FILE_CHUNK) {
            assert (reply->file_chunk->digest.len == 32
                 && memcmp (reply->file_chunk->digest.data, digest, 32) == 0);
            return reply;
        }
        codec_repl_free (&reply);
    }
}

static bool
s_log_has (const support_node_t *n, const char *text)
{
    char cmd [1200];
    snprintf (cmd, sizeof cmd, "grep -q '%s' %s", text, n->log_path);
    return system (cmd) == 0;
}

static void
test_a_county_reads_back_only_its_own_subtree_s_files (void)
{
    support_dept_t d6, d8;
    licclient_t *admin6, *admin8, *c6, *c8, *city;
    assert (support_dept_make (&d6, 901, s_dir) == ERR_OK);
    assert (support_dept_make (&d8, 902, s_dir) == ERR_OK);
    assert (support_admin (&admin6, &s_h.node [0]) == ERR_OK);
    assert (support_admin (&admin8, &s_h.node [1]) == ERR_OK);
    assert (support_admin (&city, &s_h.node [2]) == ERR_OK);
    assert (support_register (admin6, &d6) == ERR_OK);
    assert (support_register (admin8, &d8) == ERR_OK);
    assert (support_client (&c6, &s_h.node [0], &d6) == ERR_OK);
    assert (support_client (&c8, &s_h.node [1], &d8) == ERR_OK);
    //  A license file at each county, each named by its own license.
    size_t len6 = 300 * 1000, len8 = 200 * 1000;
    uint8_t *f6 = s_bytes (len6, 61), *f8 = s_bytes (len8, 81), dg6 [32], dg8 [32];
    char why [512];
    assert (s_put (c6, f6, len6, dg6, why, sizeof why) == ERR_OK);
    assert (s_issue (c6, &d6, 1, dg6) == ERR_OK);
    assert (s_put (c8, f8, len8, dg8, why, sizeof why) == ERR_OK);
    assert (s_issue (c8, &d8, 1, dg8) == ERR_OK);
    assert (support_hier_wait_synced (&s_h, 120) == ERR_OK);
    s_wait_present (city, dg6, "330106's file at the city");
    s_wait_present (city, dg8, "330108's file at the city");
    licclient_destroy (&c6);

    //  County 330106 turns hostile: the test plays it, with its keys.
    assert (support_node_stop (&s_h.node [0], SIGTERM) == 0);
    zsock_t *sock = s_dealer (s_h.node [0].dir, s_h.node [2].dir, s_h.repl_port [2]);
    Lic__Repl *r = s_want (sock, dg8);
    assert (r->file_chunk->code == ERR_FORBIDDEN);
    assert (r->file_chunk->data.len == 0 && r->file_chunk->total == 0);
    codec_repl_free (&r);
    printf ("  county 330106 asking the city for 330108's file: ERR_FORBIDDEN, no data\n");
    //  Its own: the first chunk, the same bytes.
    r = s_want (sock, dg6);
    assert (r->file_chunk->code == ERR_OK && r->file_chunk->total == len6);
    assert (r->file_chunk->data.len == FILES_CHUNK);
    assert (memcmp (r->file_chunk->data.data, f6, FILES_CHUNK) == 0);
    codec_repl_free (&r);
    //  Asked again: still refused (not a passing state).
    r = s_want (sock, dg8);
    assert (r->file_chunk->code == ERR_FORBIDDEN && r->file_chunk->data.len == 0);
    codec_repl_free (&r);
    zsock_destroy (&sock);
    assert (s_log_has (&s_h.node [2], "child 330106 asked for a license file no entry of its "
                       "subtree names"));
    //  The city serves on: its sibling's file still reads there.
    assert (s_present (city, dg8, NULL));

    //  The city may read back its counties' files from the province.
    licclient_t *province;
    assert (support_admin (&province, &s_h.node [3]) == ERR_OK);
    s_wait_present (province, dg8, "330108's file at the province");
    licclient_destroy (&province);
    sock = s_dealer (s_h.node [2].dir, s_h.node [3].dir, s_h.repl_port [3]);
    r = s_want (sock, dg8);
    assert (r->file_chunk->code == ERR_OK && r->file_chunk->total == len8);
    assert (r->file_chunk->data.len == FILES_CHUNK);
    assert (memcmp (r->file_chunk->data.data, f8, FILES_CHUNK) == 0);
    codec_repl_free (&r);
    zsock_destroy (&sock);
    printf ("  city 330100 asking the province for 330108's file: served\n");

    //  The real county is back, and its entries still flow.
    assert (support_node_restart (&s_h.node [0]) == ERR_OK);
    assert (support_client (&c6, &s_h.node [0], &d6) == ERR_OK);
    assert (s_issue (c6, &d6, 2, NULL) == ERR_OK);
    assert (support_hier_wait_synced (&s_h, 120) == ERR_OK);
    free (f6);
    free (f8);
    licclient_destroy (&c6);
    licclient_destroy (&c8);
    licclient_destroy (&admin6);
    licclient_destroy (&admin8);
    licclient_destroy (&city);
}

static void
test_a_department_s_unreferenced_files_are_bounded_by_its_budget (void)
{
    support_dept_t d, other;
    licclient_t *admin, *c, *o;
    assert (support_dept_make (&d, 903, s_dir) == ERR_OK);
    assert (support_dept_make (&other, 904, s_dir) == ERR_OK);
    assert (support_admin (&admin, &s_h.node [0]) == ERR_OK);
    assert (support_register (admin, &d) == ERR_OK);
    assert (support_register (admin, &other) == ERR_OK);
    assert (support_client (&c, &s_h.node [0], &d) == ERR_OK);
    assert (support_client (&o, &s_h.node [0], &other) == ERR_OK);
    size_t len = 7 * MIB;
    uint8_t *fa = s_bytes (len, 1), *fb = s_bytes (len, 2), *fc = s_bytes (len, 3),
            *fd = s_bytes (len, 4), *fe = s_bytes (len, 5);
    uint8_t da [32], db [32], dc [32], dd [32], de [32];
    char why [512];
    uint64_t received;
    //  Two files of 7 MiB no event names: 14 of the 16 MiB.
    assert (s_put (c, fa, len, da, why, sizeof why) == ERR_OK);
    assert (s_put (c, fb, len, db, why, sizeof why) == ERR_OK);
    //  The third would make 21: refused before a byte is stored.
    assert (s_put (c, fc, len, dc, why, sizeof why) == ERR_FILE_BUDGET);
    printf ("  over its budget: %s\n", why);
    assert (strstr (why, "file_budget_mb") && strstr (why, d.key.code));
    assert (!s_present (admin, dc, &received) && received == 0);
    //  The node serves another department meanwhile: it puts that file.
    assert (s_put (o, fc, len, dc, why, sizeof why) == ERR_OK);
    assert (s_present (admin, dc, NULL));
    //  The same bytes, now held, are taken from the first department at
    //  once: stored once, charged to nobody new.
    assert (s_put (c, fc, len, dc, why, sizeof why) == ERR_OK);

    //  A restart does not reset the budget.
    assert (support_node_stop (&s_h.node [0], SIGTERM) == 0);
    assert (support_node_restart (&s_h.node [0]) == ERR_OK);
    licclient_destroy (&c);
    licclient_destroy (&o);
    licclient_destroy (&admin);
    assert (support_admin (&admin, &s_h.node [0]) == ERR_OK);
    assert (support_client (&c, &s_h.node [0], &d) == ERR_OK);
    assert (s_put (c, fd, len, dd, why, sizeof why) == ERR_FILE_BUDGET);
    assert (!s_present (admin, dd, &received) && received == 0);

    //  An issue names file a: its 7 MiB are free again.  The charges are
    //  swept at most once a second, so the put may wait for the next one.
    assert (s_issue (c, &d, 1, da) == ERR_OK);
    int64_t deadline = support_now_us () + 5 * 1000000LL;
    int code;
    while ((code = s_put (c, fd, len, dd, why, sizeof why)) == ERR_FILE_BUDGET) {
        assert (support_now_us () < deadline);
        usleep (200 * 1000);
    }
    assert (code == ERR_OK && s_present (admin, dd, NULL));
    printf ("  after an issue named one of its files: the next one taken\n");
    //  b and d unreferenced: 14 MiB, and e would make 21.
    assert (s_put (c, fe, len, de, why, sizeof why) == ERR_FILE_BUDGET);
    assert (!s_present (admin, de, &received) && received == 0);
    free (fa);
    free (fb);
    free (fc);
    free (fd);
    free (fe);
    licclient_destroy (&c);
    licclient_destroy (&admin);
}

//  A repository made before the names index: its 'N' keys and its meta
//  mark removed (the node stopped); licnode check builds the index.
static void
test_check_builds_the_names_index_of_an_older_repository (void)
{
    support_node_t *n = &s_h.node [2];     //  the city: its counties' files
    assert (support_node_stop (n, SIGTERM) == 0);
    char path [700], why [256];
    snprintf (path, sizeof path, "%s/db", n->dir);
    store_t *store = NULL;
    store_cfg_t cfg = { 8, false, 0 };
    assert (store_open (&store, path, &cfg, why, sizeof why) == ERR_OK);
    store_batch_t *batch = store_batch_new (store);
    uint8_t from [1] = { 'N' }, to [1] = { 'N' + 1 };
    store_batch_delete_range (batch, STORE_CF_FILE, from, 1, to, 1);
    store_batch_delete (batch, STORE_CF_META, FILES_NAMES_MARK, strlen (FILES_NAMES_MARK));
    assert (store_write (store, batch, true) == ERR_OK);
    store_batch_destroy (&batch);
    store_iter_t *it = store_iter_new (store, STORE_CF_FILE, "N", 1, NULL, 0);
    const uint8_t *k, *v;
    size_t kl, vl;
    assert (!store_iter_next (it, &k, &kl, &v, &vl));
    store_iter_destroy (&it);
    store_destroy (&store);
    char cmd [8192];
    snprintf (cmd, sizeof cmd, "%s check -d %s > %s/check1.txt 2>&1 && "
              "grep -q '^view file names: built from the replay' %s/check1.txt && "
              "%s check -d %s > %s/check2.txt 2>&1 && "
              "grep -q '^view file names: [1-9][0-9]* keys equal the replay' %s/check2.txt",
              support_licnode_path (), n->dir, s_dir, s_dir, support_licnode_path (), n->dir,
              s_dir, s_dir);
    if (system (cmd) != 0) {
        snprintf (cmd, sizeof cmd, "cat %s/check1.txt %s/check2.txt >&2", s_dir, s_dir);
        assert (system (cmd) >= 0);
        assert (false);
    }
    printf ("  licnode check built the names index of the city's repository\n");
    assert (support_node_restart (n) == ERR_OK);
}

//  file_budget_mb out of 16..65536: refused before anything starts.
static void
test_a_budget_out_of_range_is_refused_at_start (void)
{
    const char *bad [] = { "8", "0", "65537" };
    for (int i = 0; i < 3; i++) {
        char cfg [700], cmd [2400];
        snprintf (cfg, sizeof cfg, "%s/budget.json", s_dir);
        FILE *f = fopen (cfg, "w");
        assert (f);
        fprintf (f, "{ \"division\": \"330106\", \"file_budget_mb\": %s }\n", bad [i]);
        fclose (f);
        snprintf (cmd, sizeof cmd, "%s init -c %s -d %s/budget > %s/budget.out 2>&1",
                  support_licnode_path (), cfg, s_dir, s_dir);
        int rc = system (cmd);
        assert (WIFEXITED (rc) && WEXITSTATUS (rc) == 2);
        snprintf (cmd, sizeof cmd, "grep -q 'file_budget_mb must be 16..65536' %s/budget.out",
                  s_dir);
        assert (system (cmd) == 0);
    }
}

int
main (void)
{
    setvbuf (stdout, NULL, _IOLBF, 0);
    assert (seal_init () == ERR_OK);
    assert (support_tmpdir (s_dir, "files-abuse") == ERR_OK);
    test_a_budget_out_of_range_is_refused_at_start ();
    snprintf (s_h.extra [0], sizeof s_h.extra [0], "\"file_budget_mb\": 16, ");
    assert (support_hier_start (&s_h, s_dir) == ERR_OK);

    test_a_county_reads_back_only_its_own_subtree_s_files ();
    test_a_department_s_unreferenced_files_are_bounded_by_its_budget ();
    test_check_builds_the_names_index_of_an_older_repository ();

    support_hier_stop (&s_h, SIGTERM);
    for (int i = 0; i < 4; i++)
        assert (support_node_check (&s_h.node [i]) == ERR_OK);
    support_rmtree (s_dir);
    printf ("e2e_files_abuse: all passed\n");
    return 0;
}
