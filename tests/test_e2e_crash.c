/*  test_e2e_crash -- 4 concurrent publishers send 10,000 signed events to
    a real licnode, which is killed with SIGKILL twice mid-stream and
    restarted.  Publishers resend whatever was not acknowledged.  In the
    end every acknowledged event is in the log exactly once, at the seq
    it was acknowledged with, with its exact signed bytes; the log holds
    nothing else; and the views equal a replay of the log (licnode check).
*/
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define PUBLISHERS 4
#define EVENTS     2500             //  per publisher: 1250 licenses, issue + alter
#define WINDOW     64
#define TIMEOUT_MS 4000

typedef struct {
    support_dept_t dept;
    uint8_t *body [EVENTS];
    size_t len [EVENTS];
    uint8_t sig [EVENTS][64];
    uint64_t seq [EVENTS];          //  acknowledged seq, 0 if not yet
    int acked;
    int unexpected;                 //  replies with a code we did not expect
    pthread_t thread;
} s_pub_t;

static support_node_t s_node;
static s_pub_t s_pubs [PUBLISHERS];
static atomic_int s_acked_total;
static atomic_int s_generation;     //  bumped at each restart
static atomic_bool s_stop;

static void
s_record (s_pub_t *p, int idx, const Lic__Reply *r)
{
    if (r->code == ERR_OK && r->published) {
        uint64_t seq = r->published->seq;
        if (p->seq [idx] == 0) {
            p->seq [idx] = seq;
            p->acked++;
            atomic_fetch_add (&s_acked_total, 1);
        }
        else
            assert (p->seq [idx] == seq);       //  a resend is answered with the first seq
    }
    else
    if (r->code == ERR_NOT_FOUND && idx % 2 == 1 && p->seq [idx - 1] == 0) {
        //  An alteration that overtook its issue: across a node's SIGKILL
        //  the issue can die in the old TCP connection while the
        //  alteration, still queued in the client's socket, reaches the
        //  restarted node first.  Refused, not stored; resent later in
        //  order (and the end of the test checks every event exactly once).
    }
    else
    if (r->code != ERR_CLOSED && r->code != ERR_IO && r->code != ERR_BUSY) {
        fprintf (stderr, "event %d: unexpected %s: %s\n", idx, err_str (r->code), r->message);
        p->unexpected++;
    }
}

static void *
s_publisher (void *arg)
{
    s_pub_t *p = (s_pub_t *) arg;
    int64_t deadline = support_now_us () + 240 * 1000000LL;
    while (p->acked < EVENTS && support_now_us () < deadline && !atomic_load (&s_stop)) {
        int gen = atomic_load (&s_generation);
        licclient_t *c = NULL;
        if (support_client (&c, &s_node, &p->dept) != ERR_OK) {
            usleep (100000);
            continue;
        }
        //  Resend from the first unacknowledged event, in order: an alter
        //  always follows its issue.
        int next = 0;
        while (next < EVENTS && p->seq [next])
            next++;
        int inflight = 0;
        static __thread int map [EVENTS * 4];
        uint64_t first_id = 0;
        bool broken = false;
        while (!broken && (next < EVENTS || inflight > 0)) {
            while (inflight < WINDOW && next < EVENTS) {
                uint64_t id;
                if (p->seq [next]) {
                    next++;
                    continue;
                }
                if (licclient_send_publish (c, p->body [next], p->len [next], p->sig [next],
                                            p->dept.key.sign_pk, &id) != ERR_OK) {
                    broken = true;
                    break;
                }
                if (!first_id)
                    first_id = id;
                assert (id - first_id < EVENTS * 4);
                map [id - first_id] = next;
                inflight++;
                next++;
            }
            if (broken || inflight == 0)
                break;
            Lic__Reply *r = NULL;
            int rc = licclient_recv (c, &r, TIMEOUT_MS);
            if (rc != ERR_OK) {
                broken = true;      //  node gone: reconnect and resend
                break;
            }
            if (r->id >= first_id && r->id - first_id < EVENTS * 4) {
                s_record (p, map [r->id - first_id], r);
                inflight--;
            }
            codec_reply_free (&r);
        }
        licclient_destroy (&c);
        if (broken)
            while (atomic_load (&s_generation) == gen && !atomic_load (&s_stop))
                usleep (50000);
    }
    return NULL;
}

static void
s_wait_for (int acked)
{
    int64_t deadline = support_now_us () + 120 * 1000000LL;
    while (atomic_load (&s_acked_total) < acked && support_now_us () < deadline)
        usleep (2000);
    assert (atomic_load (&s_acked_total) >= acked);
}

static void
s_crash_and_restart (void)
{
    int status = support_node_stop (&s_node, SIGKILL);
    assert (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    printf ("  killed licnode with SIGKILL at %d acknowledged\n", atomic_load (&s_acked_total));
    assert (support_node_restart (&s_node) == ERR_OK);
    atomic_fetch_add (&s_generation, 1);
}

//  Reads the whole log: for each seq, the BLAKE2b of its envelope body.
static size_t
s_read_log (uint8_t (*hashes) [32], size_t max, int *kinds)
{
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_node) == ERR_OK);
    uint64_t from = 1;
    size_t n = 0;
    while (true) {
        Lic__Reply *r = NULL;
        assert (licclient_log (admin, from, 1000, &r, 20000) == ERR_OK && r->code == ERR_OK);
        size_t got = r->entries->n_entries;
        for (size_t i = 0; i < got; i++) {
            Lic__LogEntry *e = r->entries->entries [i];
            assert (e->seq == from + i);            //  contiguous from 1
            assert (e->seq <= max);
            seal_hash (hashes [e->seq], e->envelope->body.data, e->envelope->body.len, NULL, 0);
            kinds [e->seq] = e->kind;
            n = e->seq;
        }
        codec_reply_free (&r);
        if (got == 0)
            break;
        from += got;
    }
    licclient_destroy (&admin);
    return n;
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    char dir [512], ndir [600];
    assert (support_tmpdir (dir, "crash") == ERR_OK);
    snprintf (ndir, sizeof ndir, "%s/node", dir);
    assert (support_node_start (&s_node, ndir, support_free_port (), "330106") == ERR_OK);
    licclient_t *admin = NULL;
    assert (support_admin (&admin, &s_node) == ERR_OK);
    for (int p = 0; p < PUBLISHERS; p++) {
        s_pub_t *pub = &s_pubs [p];
        assert (support_dept_make (&pub->dept, 10 + p, dir) == ERR_OK);
        assert (support_register (admin, &pub->dept) == ERR_OK);
        for (int i = 0; i < EVENTS; i++) {
            Lic__Op op = i % 2 == 0? LIC__OP__OP_ISSUE: LIC__OP__OP_ALTER;
            uint32_t serial = (uint32_t) (p * 100000 + i / 2);
            assert (support_event_sign (&pub->dept, op, serial, (uint32_t) (i % 2), serial,
                                        &pub->body [i], &pub->len [i], pub->sig [i]) == ERR_OK);
        }
    }
    licclient_destroy (&admin);

    for (int p = 0; p < PUBLISHERS; p++)
        assert (pthread_create (&s_pubs [p].thread, NULL, s_publisher, &s_pubs [p]) == 0);
    s_wait_for (PUBLISHERS * EVENTS * 3 / 10);
    s_crash_and_restart ();
    s_wait_for (PUBLISHERS * EVENTS * 7 / 10);
    s_crash_and_restart ();
    for (int p = 0; p < PUBLISHERS; p++)
        pthread_join (s_pubs [p].thread, NULL);
    atomic_store (&s_stop, true);

    //  Every event acknowledged, none with an unexpected refusal.
    for (int p = 0; p < PUBLISHERS; p++) {
        assert (s_pubs [p].unexpected == 0);
        assert (s_pubs [p].acked == EVENTS);
    }
    //  The log holds the 4 registrations and exactly the 10,000 events,
    //  each at the seq it was acknowledged with, byte for byte.
    size_t max = PUBLISHERS * EVENTS + 2 * PUBLISHERS + 10;
    uint8_t (*hashes) [32] = calloc (max + 1, 32);
    int *kinds = calloc (max + 1, sizeof (int));
    size_t n = s_read_log (hashes, max, kinds);
    //  each publisher's department: a registration and a catalogue entry
    assert (n == (size_t) (PUBLISHERS * EVENTS + 2 * PUBLISHERS));
    size_t events = 0;
    for (size_t s = 1; s <= n; s++)
        events += kinds [s] == LIC__ENTRY_KIND__ENTRY_EVENT;
    assert (events == (size_t) (PUBLISHERS * EVENTS));
    for (int p = 0; p < PUBLISHERS; p++)
        for (int i = 0; i < EVENTS; i++) {
            uint8_t h [32];
            seal_hash (h, s_pubs [p].body [i], s_pubs [p].len [i], NULL, 0);
            assert (memcmp (h, hashes [s_pubs [p].seq [i]], 32) == 0);
        }
    printf ("  log: %zu entries, every acknowledged event exactly once at its seq\n", n);

    //  Views equal a replay of the log.
    assert (support_node_stop (&s_node, SIGTERM) == 0);
    char cmd [1400];
    snprintf (cmd, sizeof cmd, "%s check -d %s", support_licnode_path (), s_node.dir);
    int rc = system (cmd);
    assert (WIFEXITED (rc) && WEXITSTATUS (rc) == 0);

    for (int p = 0; p < PUBLISHERS; p++)
        for (int i = 0; i < EVENTS; i++)
            free (s_pubs [p].body [i]);
    free (hashes);
    free (kinds);
    support_rmtree (dir);
    printf ("e2e_crash: all passed\n");
    return 0;
}
