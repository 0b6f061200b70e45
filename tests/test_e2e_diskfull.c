/*  test_e2e_diskfull -- a repository on a small tmpfs (made and removed
    here) fills up while a department publishes: every refusal is the
    specific disk-full error, nothing is half stored, the node keeps
    answering, and when space is freed it accepts publishes again by
    itself; every acknowledged event is there after a restart and the
    views equal a replay of the log.  Skipped (exit 77) without root.
*/
#undef NDEBUG
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#define MAX_EVENTS 60000
#define WINDOW 32

static char s_mnt [700];
static bool s_mounted;

static void
s_on_abort (int sig)
{
    if (s_mounted)
        umount2 (s_mnt, MNT_DETACH);
    signal (sig, SIG_DFL);
    raise (sig);
}

static uint8_t s_acked [MAX_EVENTS];

//  Publishes serials from..to-1 pipelined; counts accepted and refused.
//  Stops early after `stop_after_full` consecutive ERR_NOSPACE (0 = never).
static void
s_publish (licclient_t *c, const support_dept_t *d, int from, int to, int stop_after_full,
           int *ok, int *full)
{
    int sent = from, done = from, run = 0;
    uint64_t first_id = 0;
    *ok = *full = 0;
    while (done < sent || sent < to) {
        while (sent < to && sent - done < WINDOW && !(stop_after_full && run >= stop_after_full)) {
            uint8_t *body, sig [64];
            size_t len;
            uint64_t id;
            assert (support_event_sign (d, LIC__OP__OP_ISSUE, (uint32_t) sent + 1, 0,
                                        (uint32_t) sent + 1, &body, &len, sig) == ERR_OK);
            assert (licclient_send_publish (c, body, len, sig, d->key.sign_pk, &id) == ERR_OK);
            free (body);
            if (!first_id)
                first_id = id - (uint64_t) (sent - from);
            sent++;
        }
        if (done == sent)
            break;
        Lic__Reply *r = NULL;
        assert (licclient_recv (c, &r, 30000) == ERR_OK);
        int idx = from + (int) (r->id - first_id);
        if (r->code == ERR_OK) {
            s_acked [idx] = 1;
            (*ok)++;
            run = 0;
        }
        else {
            //  The one refusal a full disk may give, with its explanation.
            if (r->code != ERR_NOSPACE)
                fprintf (stderr, "unexpected %s: %s\n", err_str (r->code), r->message);
            assert (r->code == ERR_NOSPACE && strstr (r->message, "disk is full"));
            (*full)++;
            run++;
        }
        codec_reply_free (&r);
        done++;
    }
}

int
main (void)
{
    signal (SIGABRT, s_on_abort);
    assert (seal_init () == ERR_OK);
    char dir [512], ndir [800], cmd [1600];
    assert (support_tmpdir (dir, "diskfull") == ERR_OK);
    snprintf (s_mnt, sizeof s_mnt, "%s/mnt", dir);
    assert (mkdir (s_mnt, 0700) == 0);
    if (getuid () != 0 || mount ("tmpfs", s_mnt, "tmpfs", 0, "size=160m") != 0) {
        printf ("SKIP: cannot mount a tmpfs here (needs root)\n");
        support_rmtree (dir);
        return 77;
    }
    s_mounted = true;
    snprintf (cmd, sizeof cmd, "dd if=/dev/zero of=%s/filler bs=1M count=64 2>/dev/null", s_mnt);
    assert (system (cmd) == 0);
    snprintf (ndir, sizeof ndir, "%s/node", s_mnt);
    support_node_t n;
    assert (support_node_start_cfg (&n, ndir, support_free_port (), "330106",
                                    "{ \"disk_reserve_mb\": 24 }") == ERR_OK);
    //  Its log outside the disk that fills up.
    support_node_stop (&n, SIGTERM);
    snprintf (n.log_path, sizeof n.log_path, "%s/licnode.log", dir);
    assert (support_node_restart (&n) == ERR_OK);

    support_dept_t d;
    assert (support_dept_make (&d, 700, dir) == ERR_OK);
    licclient_t *admin = NULL, *c = NULL;
    assert (support_admin (&admin, &n) == ERR_OK);
    assert (support_register (admin, &d) == ERR_OK);
    assert (support_client (&c, &n, &d) == ERR_OK);

    int ok, full, total_ok = 0;
    int64_t deadline = support_now_us () + 120 * 1000000LL;
    int next = 0;
    do {
        s_publish (c, &d, next, next + 2000 < MAX_EVENTS / 2? next + 2000: MAX_EVENTS / 2, 200, &ok, &full);
        total_ok += ok;
        next += ok + full;
    } while (full == 0 && next < MAX_EVENTS / 2 && support_now_us () < deadline);
    printf ("  disk full after %d acknowledged events (%d refused with ERR_NOSPACE)\n", total_ok, full);
    assert (full > 0);

    //  Still answering.
    Lic__Reply *st = NULL;
    assert (licclient_status (admin, &st, 10000) == ERR_OK && st->code == ERR_OK);
    uint64_t head_full = st->status->head_seq;
    codec_reply_free (&st);

    //  Space comes back: publishing goes on by itself.
    snprintf (cmd, sizeof cmd, "%s/filler", s_mnt);
    assert (unlink (cmd) == 0);
    sleep (3);
    s_publish (c, &d, MAX_EVENTS / 2, MAX_EVENTS / 2 + 500, 0, &ok, &full);
    printf ("  after freeing space: %d accepted, %d refused\n", ok, full);
    assert (ok == 500 && full == 0);
    total_ok += ok;

    licclient_destroy (&c);
    licclient_destroy (&admin);
    assert (support_node_stop (&n, SIGTERM) == 0);
    assert (support_node_check (&n) == ERR_OK);
    assert (support_node_restart (&n) == ERR_OK);
    assert (support_admin (&admin, &n) == ERR_OK);
    assert (licclient_status (admin, &st, 10000) == ERR_OK);
    //  Registration + every acknowledged event, nothing else.
    assert (st->status->head_seq == (uint64_t) total_ok + 2);   //  + registration, catalogue
    assert (st->status->head_seq > head_full);
    codec_reply_free (&st);
    int present = 0;
    for (int i = 0; i < MAX_EVENTS; i++) {
        if (!s_acked [i])
            continue;
        char id [LICID_BARE_MAX + 1];
        support_license_id (id, d.type_code, d.key.code, (uint32_t) i + 1);
        Lic__Reply *r = NULL;
        assert (licclient_get (admin, id, false, &r, 10000) == ERR_OK && r->code == ERR_OK);
        codec_reply_free (&r);
        present++;
    }
    assert (present == total_ok);
    licclient_destroy (&admin);
    assert (support_node_stop (&n, SIGTERM) == 0);
    assert (umount2 (s_mnt, MNT_DETACH) == 0);
    s_mounted = false;
    support_rmtree (dir);
    printf ("e2e_diskfull: all passed\n");
    return 0;
}
