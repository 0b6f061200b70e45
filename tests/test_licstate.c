/*  test_licstate.c -- the license state keeps no copy of its content
    (proto/FORMAT.md family 2, schema 4; proto/licstate.h), on a real
    RocksDB store in a temporary folder:

    - licstate_complete: the content is the event's at content_seq, its
      valid_to the state's when an extension set it, `valid_to` empty in
      what it gives; a state without content_seq has no content; an entry
      that is not an event's, bytes that are not wire format and a stored
      state that carries a content are ERR_CORRUPT;
    - the apply (views_apply_event): an issue, an alteration that changes
      the holder and an extension, all in one pending batch, then
      written: the stored state never has a content; the state read back
      while pending (views_license_state) and once durable
      (views_license_read) is the content of the last issue/alteration
      with the extension's valid_to; the holder index follows the
      alteration (old holder's key deleted);
    - schema 3 -> 4 at views_open: a state holding a copy of its content
      (extended) is rewritten without it, its valid_to kept in the state,
      and reads back the same content; the schema becomes 4; a state
      whose copy is not its event's content is refused (ERR_CORRUPT) and
      the repository left at schema 3.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/licstate.h"
#include "proto/seal.h"
#include "node/store/views.h"
#include "tests/support/support.h"

#define ID "3301061234567890ABCDEFGHIJ0000000001"

static char s_base [512];

static store_t *
s_open (const char *name)
{
    char path [640], why [256];
    snprintf (path, sizeof path, "%s/%s", s_base, name);
    store_cfg_t cfg = { 16, true, 0 };
    store_t *store = NULL;
    assert (store_open (&store, path, &cfg, why, sizeof why) == ERR_OK);
    return store;
}

//  An event of license ID, with a content (holder hid) for issue and alter.
static void
s_event (Lic__Event *ev, Lic__LicenseContent *c, Lic__Holder *h, Lic__Op op, uint32_t expected,
         const char *hid, const char *valid_to)
{
    codec_event_init (ev);
    ev->version = 1;
    ev->op = op;
    ev->license_id = (char *) ID;
    ev->expected_version = expected;
    ev->issuer_code = (char *) "91330106MA2AAAAA1X";
    ev->completed_at = 1767225600 + expected;
    if (op == LIC__OP__OP_ISSUE || op == LIC__OP__OP_ALTER) {
        codec_content_init (c);
        codec_holder_init (h);
        h->id_type = (char *) "USCC";
        h->id = (char *) hid;
        h->name = (char *) "某某有限公司";
        c->name = (char *) "营业执照";
        c->holder = h;
        c->issue_date = (char *) "2026-01-01";
        c->valid_from = (char *) "2026-01-01";
        c->valid_to = (char *) valid_to;
        c->division_code = (char *) "330106";
        c->predecessor_id = (char *) (op == LIC__OP__OP_ALTER? "3301060000000000000000000000000009": "");
        ev->content = c;
    }
    else
        ev->valid_to = (char *) valid_to;
}

//  The log entry (seq) of ev, encoded; *ep decoded (caller frees both).
static uint8_t *
s_entry (const Lic__Event *ev, uint64_t seq, size_t *len, Lic__LogEntry **ep)
{
    uint8_t *body, sig [64] = { 1 }, key [32] = { 2 };
    size_t body_len;
    assert (codec_event_encode (ev, &body, &body_len) == ERR_OK);
    Lic__Envelope env;
    codec_envelope_init (&env);
    env.body.data = body;
    env.body.len = body_len;
    env.signature.data = sig;
    env.signature.len = 64;
    env.key_id.data = key;
    env.key_id.len = 32;
    Lic__LogEntry e;
    codec_entry_init (&e);
    e.seq = seq;
    e.origin_division = (char *) "330106";
    e.origin_seq = seq;
    e.kind = LIC__ENTRY_KIND__ENTRY_EVENT;
    e.envelope = &env;
    e.received_at = ev->completed_at;
    uint8_t *out;
    assert (codec_entry_encode (&e, &out, len) == ERR_OK);
    free (body);
    if (ep)
        assert (codec_entry_decode (out, *len, ep) == ERR_OK);
    return out;
}

static bool
s_same (const Lic__LicenseContent *a, const Lic__LicenseContent *b)
{
    size_t al = lic__license_content__get_packed_size (a);
    size_t bl = lic__license_content__get_packed_size (b);
    uint8_t *ab = malloc (al + 1), *bb = malloc (bl + 1);
    lic__license_content__pack (a, ab);
    lic__license_content__pack (b, bb);
    bool same = al == bl && memcmp (ab, bb, al) == 0;
    free (ab);
    free (bb);
    return same;
}

static void
test_complete (void)
{
    Lic__Event ev;
    Lic__LicenseContent c;
    Lic__Holder h;
    s_event (&ev, &c, &h, LIC__OP__OP_ISSUE, 0, "91330106MA2BBBBB2Y", "2030-12-31");
    size_t elen;
    uint8_t *entry = s_entry (&ev, 7, &elen, NULL);
    Lic__LicenseState st;
    codec_state_init (&st);
    st.license_id = (char *) ID;
    st.status = LIC__STATUS__STATUS_VALID;
    st.version = 2;
    st.content_seq = 7;
    st.valid_to = (char *) "2035-06-30";
    uint8_t *sb;
    size_t sl;
    assert (codec_state_encode (&st, &sb, &sl) == ERR_OK);
    uint64_t seq;
    assert (licstate_content_seq (sb, sl, &seq) == ERR_OK && seq == 7);
    Lic__LicenseState *out = NULL;
    assert (licstate_complete (sb, sl, entry, elen, &out) == ERR_OK);
    assert (out->content && out->version == 2 && out->content_seq == 7);
    assert (!strcmp (out->content->valid_to, "2035-06-30") && !*out->valid_to);
    c.valid_to = (char *) "2035-06-30";
    assert (s_same (out->content, &c));
    codec_state_free (&out);
    free (sb);

    //  No content_seq: no content.
    st.content_seq = 0;
    st.valid_to = (char *) "";
    assert (codec_state_encode (&st, &sb, &sl) == ERR_OK);
    assert (licstate_complete (sb, sl, NULL, 0, &out) == ERR_OK && !out->content);
    codec_state_free (&out);
    free (sb);

    //  A stored state with a content of its own (schema 3) is not read.
    st.content = &c;
    assert (codec_state_encode (&st, &sb, &sl) == ERR_OK);
    assert (licstate_complete (sb, sl, entry, elen, &out) == ERR_CORRUPT && !out);
    st.content = NULL;
    free (sb);

    //  Not an event's entry; not wire format.
    assert (codec_state_encode (&st, &sb, &sl) == ERR_OK);
    Lic__LogEntry *e = NULL;
    assert (codec_entry_decode (entry, elen, &e) == ERR_OK);
    e->kind = LIC__ENTRY_KIND__ENTRY_REGISTRATION;
    uint8_t *reg;
    size_t rl;
    assert (codec_entry_encode (e, &reg, &rl) == ERR_OK);
    assert (licstate_complete (sb, sl, reg, rl, &out) == ERR_CORRUPT && !out);
    uint8_t junk [] = { 0x0b, 0xff, 0xff };     //  a group, then a varint cut short
    assert (licstate_complete (sb, sl, junk, sizeof junk, &out) == ERR_CORRUPT && !out);
    assert (licstate_complete (junk, sizeof junk, entry, elen, &out) == ERR_CORRUPT && !out);
    assert (licstate_content_seq (junk, sizeof junk, &seq) == ERR_CORRUPT);
    //  Every truncation of the entry is refused or gives a content.
    for (size_t n = 0; n < elen; n++) {
        int rc = licstate_complete (sb, sl, entry, n, &out);
        assert (rc == ERR_OK || rc == ERR_CORRUPT);
        codec_state_free (&out);
    }
    free (reg);
    codec_entry_free (&e);
    free (sb);
    free (entry);
    printf ("  licstate_complete: content of the event, an extension's valid_to, refusals\n");
}

static bool
s_holder_key (store_t *store, const char *hid)
{
    uint8_t key [256], *v;
    size_t vl;
    int n = snprintf ((char *) key, sizeof key, "%s%c%s%c%s", hid, 0, "USCC", 0, ID);
    int rc = store_get (store, STORE_CF_HOLDER, key, (size_t) n, &v, &vl);
    if (rc == ERR_OK)
        free (v);
    return rc == ERR_OK;
}

static void
test_apply (void)
{
    store_t *store = s_open ("apply");
    views_t *views = NULL;
    assert (views_open (&views, store, "330106") == ERR_OK);
    store_batch_t *b = store_batch_new (store);
    Lic__Event ev [3];
    Lic__LicenseContent c [3];
    Lic__Holder h [3];
    s_event (&ev [0], &c [0], &h [0], LIC__OP__OP_ISSUE, 0, "91330106MA2BBBBB2Y", "2030-12-31");
    s_event (&ev [1], &c [1], &h [1], LIC__OP__OP_ALTER, 1, "91330106MA2CCCCC3Z", "2031-12-31");
    s_event (&ev [2], &c [2], &h [2], LIC__OP__OP_EXTEND, 2, NULL, "2040-01-01");
    char why [256];
    Lic__LogEntry *logged [3];
    for (int i = 0; i < 3; i++) {
        size_t len;
        Lic__LogEntry *e = NULL;
        uint8_t *bytes = s_entry (&ev [i], (uint64_t) i + 1, &len, &e);
        uint32_t version;
        uint64_t seq = 0;
        assert (views_find_duplicate (views, e->envelope, &ev [i], &seq) == ERR_NOT_FOUND);
        assert (views_apply_event (views, b, 1, e, &ev [i], &version, why, sizeof why) == ERR_OK);
        assert (version == (uint32_t) i + 1);
        //  A replay is found while its batch is pending, and the events
        //  before it still are.
        logged [i] = e;
        for (int j = 0; j <= i; j++)
            assert (views_find_duplicate (views, logged [j]->envelope, &ev [j], &seq) == ERR_OK
                    && seq == (uint64_t) j + 1);
        free (bytes);
        //  Pending: read through the batch's own entries.
        Lic__LicenseState *st = NULL;
        assert (views_license_state (views, ID, &st) == ERR_OK);
        assert (st->content && st->version == (uint32_t) i + 1 && !*st->valid_to);
        assert (!strcmp (st->content->holder->id, i? "91330106MA2CCCCC3Z": "91330106MA2BBBBB2Y"));
        assert (!strcmp (st->content->valid_to, i == 0? "2030-12-31": i == 1? "2031-12-31": "2040-01-01"));
        codec_state_free (&st);
        //  As stored: no content.
        uint8_t *sb;
        size_t sl;
        assert (views_license (views, ID, &sb, &sl) == ERR_OK);
        assert (codec_state_decode (sb, sl, &st) == ERR_OK && !st->content);
        assert (st->content_seq == (i? 2: 1));
        assert (!strcmp (st->valid_to, i == 2? "2040-01-01": ""));
        codec_state_free (&st);
        free (sb);
    }
    views_flush_marks (views, b);
    assert (store_write (store, b, true) == ERR_OK);
    views_committed (views, 1);
    store_batch_destroy (&b);
    Lic__LicenseState *st = NULL;
    assert (views_license_read (store, ID, &st) == ERR_OK);
    c [1].valid_to = (char *) "2040-01-01";
    assert (st->content && s_same (st->content, &c [1]) && st->version == 3);
    codec_state_free (&st);
    assert (!s_holder_key (store, "91330106MA2BBBBB2Y") && s_holder_key (store, "91330106MA2CCCCC3Z"));
    assert (views_license_read (store, "3301060000000000000000000000000404", &st) == ERR_NOT_FOUND);
    for (int i = 0; i < 3; i++) {
        uint64_t seq = 0;
        assert (views_find_duplicate (views, logged [i]->envelope, &ev [i], &seq) == ERR_OK
                && seq == (uint64_t) i + 1);
    }
    //  Not a replay: the same slot (license, version made) taken by
    //  another body, or the same body under another signer's key.
    Lic__Envelope other = *logged [1]->envelope;
    uint8_t key [32] = { 3 };
    other.key_id.data = key;
    uint64_t seq = 0;
    assert (views_find_duplicate (views, &other, &ev [1], &seq) == ERR_NOT_FOUND);
    other = *logged [1]->envelope;
    other.body.len--;
    assert (views_find_duplicate (views, &other, &ev [1], &seq) == ERR_NOT_FOUND);
    //  An event whose version is not yet made, or could never be.
    Lic__Event next = ev [2];
    next.expected_version = 3;
    assert (views_find_duplicate (views, logged [2]->envelope, &next, &seq) == ERR_NOT_FOUND);
    next.expected_version = UINT32_MAX;
    assert (views_find_duplicate (views, logged [2]->envelope, &next, &seq) == ERR_NOT_FOUND);
    for (int i = 0; i < 3; i++)
        codec_entry_free (&logged [i]);
    views_destroy (&views);
    store_destroy (&store);
    printf ("  apply: no content stored; read pending and durable; holder index follows; "
            "replays found through the history, pending and durable\n");
}

//  The events of s_schema3: the issue, then an extension.
static void
s_schema3_events (Lic__Event ev [2], Lic__LicenseContent *c, Lic__Holder *h)
{
    s_event (&ev [0], c, h, LIC__OP__OP_ISSUE, 0, "91330106MA2BBBBB2Y", "2030-12-31");
    s_event (&ev [1], NULL, NULL, LIC__OP__OP_EXTEND, 1, NULL, "2040-01-01");
}

//  A schema-3 repository: the issue at seq 1, an extension at seq 2, and
//  the state holding a copy of the extended content (or, with bad, a
//  copy that is not the event's).
static store_t *
s_schema3 (const char *name, bool bad)
{
    store_t *store = s_open (name);
    store_batch_t *b = store_batch_new (store);
    uint8_t three = 3, key [8];
    store_batch_put (b, STORE_CF_META, "schema", 6, &three, 1);
    Lic__Event ev [2];
    Lic__LicenseContent c;
    Lic__Holder h;
    s_schema3_events (ev, &c, &h);
    for (int i = 0; i < 2; i++) {
        size_t len;
        uint8_t *bytes = s_entry (&ev [i], (uint64_t) i + 1, &len, NULL);
        store_put_u64 (key, (uint64_t) i + 1);
        store_batch_put (b, STORE_CF_LOG, key, 8, bytes, len);
        free (bytes);
        //  Its history key (license id 0x00 version) and a dedup mark of
        //  schema 4 and before (32 bytes -> seq).
        uint8_t hist [64], mark [32];
        size_t idlen = strlen (ID);
        memcpy (hist, ID, idlen + 1);
        store_put_u32 (hist + idlen + 1, (uint32_t) i + 1);
        store_batch_put (b, STORE_CF_HISTORY, hist, idlen + 5, key, 8);
        memset (mark, 0xa0 + i, sizeof mark);
        store_batch_put (b, STORE_CF_DEDUP, mark, sizeof mark, key, 8);
    }
    Lic__LicenseState st;
    codec_state_init (&st);
    st.license_id = (char *) ID;
    st.status = LIC__STATUS__STATUS_VALID;
    st.version = 2;
    st.last_seq = 2;
    st.content_seq = 1;
    st.origin_division = (char *) "330106";
    c.valid_to = (char *) "2040-01-01";
    if (bad)
        c.name = (char *) "食品经营许可证";
    st.content = &c;
    uint8_t *sb;
    size_t sl;
    assert (codec_state_encode (&st, &sb, &sl) == ERR_OK);
    store_batch_put (b, STORE_CF_LICENSE, ID, strlen (ID), sb, sl);
    free (sb);
    assert (store_write (store, b, true) == ERR_OK);
    store_batch_destroy (&b);
    //  The marks in a file, as in a repository that ran a while.
    assert (store_compact (store, STORE_CF_DEDUP) == ERR_OK);
    assert (store_property (store, STORE_CF_DEDUP, "rocksdb.total-sst-files-size") > 0);
    return store;
}

static void
test_migration (void)
{
    store_t *store = s_schema3 ("schema3", false);
    //  The content a schema-3 reader saw.
    uint8_t *sb, *v;
    size_t sl, vl;
    Lic__LicenseState *old = NULL, *st = NULL;
    assert (store_get (store, STORE_CF_LICENSE, ID, strlen (ID), &sb, &sl) == ERR_OK);
    assert (codec_state_decode (sb, sl, &old) == ERR_OK && old->content);
    free (sb);
    views_t *views = NULL;
    assert (views_open (&views, store, "330106") == ERR_OK);
    views_destroy (&views);
    assert (store_get (store, STORE_CF_META, "schema", 6, &v, &vl) == ERR_OK);
    assert (vl == 1 && v [0] == 5 && VIEWS_SCHEMA == 5);
    free (v);
    //  Schema 5: the dedup marks dropped; a replay of either event is
    //  found through the history the repository already had.
    store_iter_t *it = store_iter_new (store, STORE_CF_DEDUP, NULL, 0, NULL, 0);
    const uint8_t *k;
    size_t kl;
    assert (it && !store_iter_next (it, &k, &kl, NULL, NULL));
    store_iter_destroy (&it);
    assert (store_property (store, STORE_CF_DEDUP, "rocksdb.total-sst-files-size") == 0);
    assert (views_open (&views, store, "330106") == ERR_OK);
    {
        Lic__Event ev [2];
        Lic__LicenseContent c;
        Lic__Holder h;
        s_schema3_events (ev, &c, &h);
        for (int i = 0; i < 2; i++) {
            size_t len;
            Lic__LogEntry *e = NULL;
            uint8_t *bytes = s_entry (&ev [i], (uint64_t) i + 1, &len, &e);
            uint64_t seq = 0;
            assert (views_find_duplicate (views, e->envelope, &ev [i], &seq) == ERR_OK
                    && seq == (uint64_t) i + 1);
            codec_entry_free (&e);
            free (bytes);
        }
    }
    views_destroy (&views);
    assert (store_get (store, STORE_CF_LICENSE, ID, strlen (ID), &sb, &sl) == ERR_OK);
    assert (codec_state_decode (sb, sl, &st) == ERR_OK && !st->content);
    assert (!strcmp (st->valid_to, "2040-01-01") && st->content_seq == 1 && st->version == 2);
    codec_state_free (&st);
    free (sb);
    assert (views_license_read (store, ID, &st) == ERR_OK);
    assert (s_same (st->content, old->content));
    //  The digest's bytes: what the schema-3 state packed to.
    size_t a = lic__license_state__get_packed_size (st), b = lic__license_state__get_packed_size (old);
    uint8_t *ab = malloc (a + 1), *bb = malloc (b + 1);
    lic__license_state__pack (st, ab);
    lic__license_state__pack (old, bb);
    assert (a == b && memcmp (ab, bb, a) == 0);
    free (ab);
    free (bb);
    codec_state_free (&st);
    codec_state_free (&old);
    //  Opened again: nothing left to do.
    assert (views_open (&views, store, "330106") == ERR_OK);
    views_destroy (&views);
    store_destroy (&store);

    store = s_schema3 ("schema3bad", true);
    assert (views_open (&views, store, "330106") == ERR_CORRUPT && !views);
    assert (store_get (store, STORE_CF_META, "schema", 6, &v, &vl) == ERR_OK);
    assert (vl == 1 && v [0] == 3);         //  left as it was
    free (v);
    assert (store_get (store, STORE_CF_LICENSE, ID, strlen (ID), &sb, &sl) == ERR_OK);
    assert (codec_state_decode (sb, sl, &st) == ERR_OK && st->content);
    codec_state_free (&st);
    free (sb);
    store_destroy (&store);

    //  Stopped after the migration's write, before its compaction: the
    //  marks deleted and schema 5 durable, their files still on disk.
    //  The next open takes them away.
    store = s_open ("schema5files");
    store_batch_t *wb = store_batch_new (store);
    uint8_t mark [32], seqb [8] = { 0 }, end [33], five = 5;
    memset (mark, 0xa0, sizeof mark);
    store_batch_put (wb, STORE_CF_DEDUP, mark, sizeof mark, seqb, 8);
    assert (store_write (store, wb, true) == ERR_OK);
    assert (store_compact (store, STORE_CF_DEDUP) == ERR_OK);
    assert (store_property (store, STORE_CF_DEDUP, "rocksdb.total-sst-files-size") > 0);
    store_batch_clear (wb);
    memset (end, 0xff, sizeof end);
    store_batch_delete_range (wb, STORE_CF_DEDUP, "", 0, end, sizeof end);
    store_batch_put (wb, STORE_CF_META, "schema", 6, &five, 1);
    assert (store_write (store, wb, true) == ERR_OK);
    store_batch_destroy (&wb);
    assert (store_property (store, STORE_CF_DEDUP, "rocksdb.total-sst-files-size") > 0);
    assert (views_open (&views, store, "330106") == ERR_OK);
    views_destroy (&views);
    assert (store_property (store, STORE_CF_DEDUP, "rocksdb.total-sst-files-size") == 0);
    store_destroy (&store);
    printf ("  schema 3 -> 4 -> 5: states rewritten without their copies, same content, "
            "dedup marks dropped and their files compacted (again at the next open if "
            "stopped before), replays found through the history; a copy that is not "
            "its event's refused\n");
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    char base [512];
    assert (support_tmpdir (base, "test-licstate") == ERR_OK);
    snprintf (s_base, sizeof s_base, "%s", base);
    test_complete ();
    test_apply ();
    test_migration ();
    support_rmtree (s_base);
    printf ("licstate: OK\n");
    return 0;
}
