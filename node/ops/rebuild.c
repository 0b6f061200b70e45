/*  rebuild.c -- `licnode rebuild --from-parent`: a county that lost its
    disk fetches every entry of its own origin back from its parent (log
    and quarantine), re-creates its log with the same sequence numbers and
    the same bytes (so the same Merkle tree: the parent's WELCOME check
    passes), rebuilds every view, and stops; the node is then started as
    usual and resumes where the parent's record says.

    Needs the node's identity (node.key, kept offline since the loss) and
    an empty repository.  Only a node without children: a city's log
    interleaves its children's entries in an order the province does not
    keep, so a city is restored from backup instead.  Entries acknowledged
    at the county but not yet at the parent when the disk was lost cannot
    come back from anywhere; the summary says how many the parent had seen
    announced (its last heartbeat head) beyond what it holds.

    License files come back too: each own event naming a file makes it
    wanted (node/store/files.h), and once the entries are in, each wanted
    file is asked of the parent a chunk at a time (Repl FileWant, the
    messages files travel up by) and stored through files_put, verified
    by its digest.  A file the parent does not hold (it had not fetched
    it when the disk was lost) stays wanted: the summary counts it.
*/
#include <czmq.h>
#include "proto/codec.h"
#include "node/common/progress.h"
#include "node/ops/rebuild.h"
#include "proto/seal.h"
#include "node/store/files.h"
#include "node/store/views.h"

#define REBUILD_TIMEOUT_MS 30000
//  Own entries the parent holds out of origin order (applied there late,
//  after a hold: proto/FORMAT.md FORMAT 7) wait here until the entries
//  before them came: at most this many bytes of them.
#define REBUILD_REORDER_BYTES (256 * 1024 * 1024)

typedef struct {
    uint8_t *bytes;
    size_t len;
} s_early_t;

static void
s_early_destroy (void **item_p)
{
    s_early_t *x = (s_early_t *) *item_p;
    if (x) {
        free (x->bytes);
        free (x);
    }
    *item_p = NULL;
}

//  Applies one of our own entries (seq = origin seq) to the views.
static int
s_apply (views_t *views, store_batch_t *batch, const Lic__LogEntry *e, char *why, size_t why_size)
{
    const Lic__Envelope *env = e->envelope;
    if (!env || env->key_id.len != 32 || env->signature.len != 64
    ||  seal_verify (env->signature.data, env->body.data, env->body.len, env->key_id.data) != ERR_OK) {
        snprintf (why, why_size, "entry %" PRIu64 ": signature does not verify", e->seq);
        return ERR_BAD_SIGNATURE;
    }
    return views_apply_entry (views, batch, 1, e, why, why_size);
}

//  Sends msg and waits for the answer of body `want` (heartbeats and the
//  like skipped); caller frees *reply.  A Nack ends it with its code.
static int
s_exchange (zsock_t *dealer, const Lic__Repl *msg, Lic__Repl__BodyCase want, Lic__Repl **reply)
{
    uint8_t *buf;
    size_t len;
    if (codec_repl_encode (msg, &buf, &len) != ERR_OK)
        return ERR_NOMEM;
    zframe_t *frame = zframe_new (buf, len);
    free (buf);
    if (zframe_send (&frame, dealer, 0) != 0)
        return ERR_IO;
    zsock_set_rcvtimeo (dealer, REBUILD_TIMEOUT_MS);
    while (true) {
        frame = zframe_recv (dealer);
        if (!frame)
            return ERR_BUSY;
        int rc = codec_repl_decode (zframe_data (frame), zframe_size (frame), reply);
        zframe_destroy (&frame);
        if (rc != ERR_OK)
            return rc;
        if ((*reply)->body_case == want)
            return ERR_OK;
        if ((*reply)->body_case == LIC__REPL__BODY_NACK) {
            rc = (*reply)->nack->code? (*reply)->nack->code: ERR_FORBIDDEN;
            fprintf (stderr, "licnode: parent refused: %s\n", (*reply)->nack->reason);
            codec_repl_free (reply);
            return rc;
        }
        codec_repl_free (reply);        //  heartbeats and the like
    }
}

//  Sends one Fetch and waits for its Fetched; caller frees *reply.
static int
s_fetch (zsock_t *dealer, const char *division, uint64_t pseq, uint64_t qseq, Lic__Repl **reply)
{
    Lic__Repl msg;
    Lic__Fetch f;
    codec_repl_init (&msg);
    lic__fetch__init (&f);
    f.origin = (char *) division;
    f.from_parent_seq = pseq;
    f.from_quarantine_seq = qseq;
    f.max = 1000;
    msg.body_case = LIC__REPL__BODY_FETCH;
    msg.fetch = &f;
    return s_exchange (dealer, &msg, LIC__REPL__BODY_FETCHED, reply);
}

//  Sends one FileWant and waits for its FileChunk; caller frees *reply.
static int
s_want (zsock_t *dealer, const uint8_t digest [FILES_DIGEST], uint64_t offset, Lic__Repl **reply)
{
    Lic__Repl msg;
    Lic__FileWant w;
    codec_repl_init (&msg);
    lic__file_want__init (&w);
    w.digest.data = (uint8_t *) digest;
    w.digest.len = FILES_DIGEST;
    w.offset = offset;
    msg.body_case = LIC__REPL__BODY_FILE_WANT;
    msg.file_want = &w;
    return s_exchange (dealer, &msg, LIC__REPL__BODY_FILE_CHUNK, reply);
}

typedef struct {
    zsock_t *dealer;
    store_t *store;
    const char *parent;
    uint64_t files, bytes, missing;
    uint64_t refused;                   //  of them, refused: no entry of ours names them there
    int rc;                             //  a failure of the link or the disk
} s_files_t;

//  Fetches one wanted file from the parent, chunk by chunk.
static bool
s_fetch_file (void *arg, const uint8_t digest [FILES_DIGEST], const char *via, const char *origin)
{
    s_files_t *f = (s_files_t *) arg;
    files_info_t info;
    int rc = files_info (f->store, digest, &info);
    if (rc == ERR_OK && info.present) {
        files_unwant (f->store, digest);
        return true;
    }
    uint64_t offset = rc == ERR_OK? info.received: 0;
    while (true) {
        Lic__Repl *reply = NULL;
        char why [320];
        rc = s_want (f->dealer, digest, offset, &reply);
        if (rc != ERR_OK) {
            f->rc = rc;
            return false;
        }
        const Lic__FileChunk *c = reply->file_chunk;
        if (c->code != ERR_OK || c->offset != offset) {
            f->missing++;           //  not at the parent: it stays wanted
            f->refused += c->code == ERR_FORBIDDEN;
            codec_repl_free (&reply);
            return true;
        }
        rc = files_put (f->store, digest, c->offset, c->total, c->data.data, c->data.len,
                        (int64_t) time (NULL), &info, why, sizeof why);
        f->bytes += rc == ERR_OK? c->data.len: 0;
        codec_repl_free (&reply);
        if (rc >= ERR_IO) {             //  the disk: stop
            f->rc = rc;
            return false;
        }
        if (rc != ERR_OK) {             //  the parent's bytes are not the file: it stays wanted
            f->missing++;
            return true;
        }
        if (info.present) {
            f->files++;
            return true;
        }
        offset = info.received;
    }
}

int
rebuild_from_parent (const config_t *cfg, identity_t *id, store_t *store, FILE *out)
{
    if (!cfg->has_parent || cfg->n_children > 0) {
        fprintf (out, "rebuild needs a configured parent and no children (restore a node with "
                 "children from backup)\n");
        return ERR_FORBIDDEN;
    }
    uint8_t key [8];
    size_t klen = sizeof key;
    if (store_last_key (store, STORE_CF_LOG, key, &klen) != ERR_NOT_FOUND) {
        fprintf (out, "the repository is not empty: rebuild only into an empty data directory\n");
        return ERR_EXISTS;
    }
    views_t *views = NULL;
    zhashx_t *early = NULL;         //  "origin seq" -> s_early_t: came before its turn
    size_t early_bytes = 0;
    int rc = views_open (&views, store, cfg->division);
    if (rc != ERR_OK)
        return rc;
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    store_batch_t *batch = store_batch_new (store);
    if (!dealer || !batch) {
        rc = ERR_NOMEM;
        goto done;
    }
    zsock_set_curve_serverkey (dealer, cfg->parent.curve_pk);
    zsock_set_curve_publickey (dealer, id->node.curve_pk);
    zsock_set_curve_secretkey (dealer, id->node.curve_sk);
    zsock_set_linger (dealer, 0);
    zsock_set_maxmsgsize (dealer, 2 * CODEC_REPL_MAX);
    if (zsock_connect (dealer, "%s", cfg->parent.endpoint) != 0) {
        rc = ERR_IO;
        goto done;
    }
    uint64_t pseq = 1, qseq = 1, next = 1, hwm = 0;
    char why [320] = "";
    early = zhashx_new ();
    if (!early) {
        rc = ERR_NOMEM;
        goto done;
    }
    zhashx_set_destructor (early, s_early_destroy);
    bool finished = false;
    //  Progress on stderr every two seconds, of what the parent holds.
    progress_t pr;
    progress_init (&pr, stderr, "licnode rebuild: fetched and applied", "entries", 0,
                   PROGRESS_INTERVAL_MS);
    while (rc == ERR_OK && !finished) {
        Lic__Repl *reply = NULL;
        rc = s_fetch (dealer, cfg->division, pseq, qseq, &reply);
        if (rc != ERR_OK) {
            fprintf (out, "fetch from parent %s failed: %s\n", cfg->parent.division, err_str (rc));
            break;
        }
        Lic__Fetched *f = reply->fetched;
        hwm = f->child_hwm;
        progress_set_total (&pr, hwm);
        for (size_t i = 0; rc == ERR_OK && i < f->n_entries; i++) {
            Lic__LogEntry *e = NULL;
            rc = codec_entry_decode (f->entries [i].data, f->entries [i].len, &e);
            char name [24];
            if (rc == ERR_OK && streq (e->origin_division, cfg->division) && e->origin_seq > next
            &&  early_bytes + f->entries [i].len <= REBUILD_REORDER_BYTES) {
                //  Before its turn: kept until the entries before it came.
                s_early_t *x = calloc (1, sizeof *x);
                snprintf (name, sizeof name, "%" PRIu64, e->origin_seq);
                if (x && (x->bytes = malloc (f->entries [i].len))) {
                    memcpy (x->bytes, f->entries [i].data, f->entries [i].len);
                    x->len = f->entries [i].len;
                    early_bytes += x->len;
                    zhashx_update (early, name, x);
                }
                else {
                    free (x);
                    rc = ERR_NOMEM;
                }
                codec_entry_free (&e);
                continue;
            }
            while (rc == ERR_OK) {
                if (!streq (e->origin_division, cfg->division) || e->origin_seq != next) {
                    snprintf (why, sizeof why, "parent sent origin %s seq %" PRIu64 ", expected %s "
                              "seq %" PRIu64 ": its copy has a gap", e->origin_division,
                              e->origin_seq, cfg->division, next);
                    rc = ERR_GAP;
                    break;
                }
                e->seq = e->origin_seq;     //  our own seq: the same bytes as we stored them
                rc = s_apply (views, batch, e, why, sizeof why);
                next++;
                if (rc == ERR_OK && e->kind == LIC__ENTRY_KIND__ENTRY_EVENT && e->envelope) {
                    //  Its file, if it names one, is fetched below.
                    Lic__Event *ev = NULL;
                    if (codec_event_decode (e->envelope->body.data, e->envelope->body.len,
                                            &ev) == ERR_OK)
                        files_want_event (store, batch, ev, cfg->parent.division, cfg->division);
                    codec_event_free (&ev);
                }
                codec_entry_free (&e);
                //  The next one may have come early.
                snprintf (name, sizeof name, "%" PRIu64, next);
                s_early_t *x = (s_early_t *) zhashx_lookup (early, name);
                if (rc != ERR_OK || !x)
                    break;
                rc = codec_entry_decode (x->bytes, x->len, &e);
                early_bytes -= x->len;
                zhashx_delete (early, name);
            }
            codec_entry_free (&e);
        }
        views_flush_marks (views, batch);
        if (rc == ERR_OK)
            rc = store_write (store, batch, false);
        store_batch_clear (batch);
        views_committed (views, 1);
        pseq = f->next_parent_seq;
        qseq = f->next_quarantine_seq;
        finished = f->done;
        codec_repl_free (&reply);
        if (rc == ERR_OK)
            progress_step (&pr, next - 1);
    }
    if (rc == ERR_OK && zhashx_size (early) > 0) {
        snprintf (why, sizeof why, "the parent holds %zu of our entries above seq %" PRIu64
                  " but not that one: its copy has a gap", zhashx_size (early), next);
        rc = ERR_GAP;
    }
    s_files_t files = { dealer, store, cfg->parent.division, 0, 0, 0, 0, ERR_OK };
    if (rc == ERR_OK) {
        if (files_wanted (store, NULL, s_fetch_file, &files) == ERR_OK)
            rc = files.rc;
        else
            rc = ERR_NOMEM;
        if (rc != ERR_OK)
            snprintf (why, sizeof why, "fetching the license files: %s", err_str (rc));
    }
    if (rc == ERR_OK) {
        //  One synced write makes everything before it durable.
        store_batch_put (batch, STORE_CF_META, "rebuilt", 7, "1", 1);
        rc = store_write (store, batch, true);
    }
    if (rc == ERR_OK) {
        fprintf (out, "rebuilt %" PRIu64 " entries (seq 1..%" PRIu64 ") from parent %s, which holds %"
                 PRIu64 " of ours; views rebuilt; start the node to resume\n",
                 next - 1, next - 1, cfg->parent.division, hwm);
        if (next - 1 != hwm)
            fprintf (out, "warning: the parent's record says %" PRIu64 "\n", hwm);
        fprintf (out, "license files: %" PRIu64 " fetched (%" PRIu64 " bytes), %" PRIu64
                 " not held by the parent (still missing here)\n", files.files, files.bytes,
                 files.missing);
        if (files.refused)
            fprintf (out, "of them %" PRIu64 " refused by the parent: no entry of ours names "
                     "them there (a parent whose repository predates its names index needs "
                     "`licnode check` first: proto/FORMAT.md family 17)\n", files.refused);
    }
    else
        fprintf (out, "rebuild failed: %s %s\n", err_str (rc), why);
done:
    zhashx_destroy (&early);
    store_batch_destroy (&batch);
    zsock_destroy (&dealer);
    views_destroy (&views);
    return rc;
}
