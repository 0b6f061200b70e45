/*  licctl_query.c -- licctl commands that ask a node and print the
    answer: get, find, log, status, digest.

    status is an operator's dashboard: where the log stands (head, root,
    latest checkpoint and the parent's receipt), how far the parent is
    behind us (uplink) and how far we are behind each child, and the
    counters.  --json prints the same as one object (licjson.h).
*/
#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "proto/authority.h"
#include "replication/checkpoint.h"
#include "proto/codec.h"
#include "proto/entrykind.h"
#include "node/common/keyfile.h"
#include "node/client/licclient.h"
#include "node/cli/licctl.h"
#include "node/cli/licctl_query.h"
#include "node/common/licjson.h"
#include "node/common/progress.h"
#include "proto/seal.h"

// ---------------------------------------------------------------------
//  Human output of licenses and log entries

static void
s_print_content (const Lic__LicenseContent *c)
{
    char hex [65];
    printf ("name           %s\n", c->name);
    if (c->holder)
        printf ("holder         %s (%s %s)\n", c->holder->name,
                c->holder->id_type, c->holder->id);
    printf ("issue_date     %s\nvalid          %s to %s\n", c->issue_date,
            c->valid_from, *c->valid_to? c->valid_to: "(open-ended)");
    printf ("division       %s\n", c->division_code);
    if (*c->service_item_code)
        printf ("service_item   %s\n", c->service_item_code);
    if (*c->seal_info)
        printf ("seal_info      %s\n", c->seal_info);
    if (c->file_digest.len == 32) {
        seal_hex (hex, c->file_digest.data, 32);
        printf ("file_digest    %s\n", hex);
    }
    if (*c->predecessor_id)
        printf ("predecessor    %s\n", c->predecessor_id);
    for (size_t i = 0; i < c->n_items; i++) {
        const Lic__DataItem *item = c->items [i];
        char short_hex [33] = "";
        if (item->digest.len == 32)
            seal_hex (short_hex, item->digest.data, 16);
        if (item->digest.len == 32 && !*item->value)
            printf ("  %s: (sensitive: signed as digest %s…, value withheld)\n", item->name, short_hex);
        else
            printf ("  %s: %s\n", item->name, item->value);
    }
}

static void
s_print_history (const Lic__LogEntry *e)
{
    char t1 [32], t2 [32];
    Lic__Event *ev = NULL;
    if (!e->envelope || codec_event_decode (e->envelope->body.data,
                                            e->envelope->body.len, &ev) != ERR_OK) {
        printf ("  seq %-8llu (body does not decode)\n", (unsigned long long) e->seq);
        return;
    }
    printf ("  seq %-8llu %-17s v%u->%u  completed %s  received %s  from %s/%llu%s%s\n",
            (unsigned long long) e->seq, licjson_op_name (ev->op),
            ev->expected_version, ev->expected_version + 1,
            licctl_time (ev->completed_at, t1), licctl_time (e->received_at, t2),
            e->origin_division, (unsigned long long) e->origin_seq,
            *ev->note? "  note: ": "", ev->note);
    codec_event_free (&ev);
}

static void
s_print_record (const Lic__LicenseRecord *rec)
{
    char t [32];
    const Lic__LicenseState *st = rec->state;
    if (!st)
        return;
    //  As of a time, every line below is as it was then.
    if (rec->as_of)
        printf ("as_of          %s (the license as it was then)\n", licctl_time (rec->as_of, t));
    printf ("license_id     %s\nstatus         %s %s\n", st->license_id,
            licjson_status_code (st->status), licjson_status_name (st->status));
    if (rec->effective_status != st->status)
        printf ("effective      %s %s\n", licjson_status_code (rec->effective_status),
                licjson_status_name (rec->effective_status));
    printf ("pledged        %s\nversion        %u\nissuer_code    %s\n",
            st->pledged? "yes": "no", st->version, st->issuer_code);
    if (st->catalogue_version)
        printf ("standard       catalogue version %u of its type\n", st->catalogue_version);
    if (*st->last_inspection || rec->inspection_overdue)
        printf ("inspection     last %s%s\n", *st->last_inspection? st->last_inspection: "never",
                rec->inspection_overdue? ", OVERDUE": "");
    if (st->content)
        s_print_content (st->content);
    printf ("last_seq       %llu (origin %s)\nupdated_at     %s\n",
            (unsigned long long) st->last_seq, st->origin_division,
            licctl_time (st->updated_at, t));
    if (*st->note)
        printf ("note           %s\n", st->note);
    //  Licenses that name this one as their predecessor (at most 16).
    for (size_t i = 0; i < rec->n_successors; i++)
        printf ("successor      %s\n", rec->successors [i]);
    if (rec->successors_more)
        printf ("successor      ... (more than %zu)\n", rec->n_successors);
    if (rec->n_history)
        printf ("history:\n");
    for (size_t i = 0; i < rec->n_history; i++)
        s_print_history (rec->history [i]);
}

static void
s_print_entry (const Lic__LogEntry *e)
{
    char t [32];
    printf ("seq %-8llu %s/%-8llu %s  ", (unsigned long long) e->seq,
            e->origin_division, (unsigned long long) e->origin_seq,
            licctl_time (e->received_at, t));
    //  Every kind has its line (its row's summary); one that still does
    //  not decode says what it should have been (licctl log --json shows
    //  its bytes).
    char line [4096];
    entrykind_summary (e, line, sizeof line);
    printf ("%s\n", line);
}

// ---------------------------------------------------------------------
//  status and digest

//  A checkpoint or receipt note: its size, how far behind head, signers.
static void
s_print_note (const char *label, const char *note, uint64_t head,
              bool receipt)
{
    checkpoint_t cp;
    if (!note || !*note) {
        printf ("%-13s none yet\n", label);
        return;
    }
    if (checkpoint_parse (note, strlen (note), &cp) != ERR_OK) {
        printf ("%-13s (does not parse)\n", label);
        return;
    }
    printf ("%-13s size %" PRIu64, label, cp.size);
    if (cp.size < head)
        printf (" (%" PRIu64 " behind head)", head - cp.size);
    //  A receipt is our note with the parent's line added: name the parent
    printf (", %s by", receipt? "countersigned": "signed");
    for (size_t i = 0, n = 0; i < cp.n_sigs; i++)
        if (!receipt || strcmp (cp.sigs [i].name, cp.origin) != 0)
            printf ("%s %s", n++? ",": "", cp.sigs [i].name);
    printf ("\n");
}

static void
s_print_uplink (const Lic__NodeStatus *st)
{
    if (strcmp (st->uplink_state, "none") == 0 || !*st->uplink_state)
        printf ("uplink:       none (top of the hierarchy)\n");
    else
        printf ("uplink:       %s to %s, acked %" PRIu64 ", lag %" PRIu64
                " entries (%" PRId64 " s)\n", st->uplink_state,
                st->parent_division, st->uplink_acked, st->uplink_lag,
                st->uplink_lag_seconds);
    if (*st->uplink_error)
        printf ("              last error: %s\n", st->uplink_error);
}

static void
s_print_child (const Lic__ChildStatus *c, int64_t now)
{
    char contact [32];
    uint64_t lag = c->lag;
    if (!c->last_contact)
        snprintf (contact, sizeof contact, "never");
    else
    if (c->last_contact < 0 && now > INT64_MAX + c->last_contact)
        snprintf (contact, sizeof contact, "?");    //  no time a node writes
    else
        snprintf (contact, sizeof contact, "%" PRId64 " s ago",
                  now - c->last_contact);
    printf ("  %-8s %-12s acked %" PRIu64 " of %" PRIu64 ", lag %" PRIu64
            " entries (%" PRId64 " s), contact %s, countersigned %" PRIu64
            "\n", c->division, c->connected? "connected": "DISCONNECTED",
            c->acked_seq, c->child_head, lag, c->lag_seconds, contact,
            c->checkpoint_size);
    if (*c->refused)
        printf ("           refused: %s\n", c->refused);
    if (c->held)
        printf ("           held here: %" PRIu64 " of its entries (counted in its lag; licctl quarantine list)\n",
                c->held);
    if (c->files_missing)
        printf ("           files: %" PRIu64 " named by its entries, not fetched yet\n",
                c->files_missing);
}

//  Every node below this one, as a tree by GB/T 2260 level (the node
//  itself first): what each said of itself, how long ago, and its lag as
//  honestly as known here.
static void
s_print_tree (const Lic__NodeStatus *st)
{
    int64_t now = (int64_t) time (NULL);
    printf ("%-16s %-8s %-11s %10s %9s %9s %8s %5s %9s  %s\n", "division", "parent", "link",
            "head", "lag", "lag s", "heard", "quar", "disk MB", "children up");
    printf ("%-16s %-8s %-11s %10" PRIu64 " %9" PRIu64 " %9" PRId64 " %8s %5" PRIu64 " %9s  %zu\n",
            st->division, *st->parent_division? st->parent_division: "-",
            *st->uplink_state? st->uplink_state: "none", st->head_seq, st->uplink_lag,
            st->uplink_lag_seconds, "now", st->quarantined, "-", st->n_children);
    for (size_t i = 0; i < st->n_subtree; i++) {
        const Lic__SubtreeNode *n = st->subtree [i];
        const Lic__NodeSummary *s = n->summary;
        if (!s)
            continue;
        char name [24], heard [24];
        int depth = authority_level (s->division) - authority_level (st->division);
        snprintf (name, sizeof name, "%*s%s", depth > 0 && depth < 4? 2 * depth: 0, "", s->division);
        if (n->last_seen < 0 && now > INT64_MAX + n->last_seen)
            snprintf (heard, sizeof heard, "?");    //  no time a node writes
        else
            snprintf (heard, sizeof heard, "%" PRId64 "s ago", now - n->last_seen);
        printf ("%-16s %-8s %-11s %10" PRIu64 " %9" PRIu64 " %9" PRId64 " %8s %5" PRIu64 " %9" PRIu64
                "  %u/%u%s\n", name, s->parent_division, n->silent? "SILENT": s->uplink_state,
                s->head_seq, n->lag, n->lag_seconds, heard, s->quarantined, s->disk_free_mb,
                s->children_connected, s->children, *s->uplink_error? "  (uplink error)": "");
    }
    printf ("%zu node(s) below %s\n", st->n_subtree, st->division);
}

static void
s_print_status (const Lic__NodeStatus *st)
{
    char t [32], hex [65], z85 [41];
    int64_t now = (int64_t) time (NULL);
    seal_hex (hex, st->head_root.data, st->head_root.len == 32? 32: 0);
    printf ("node:         %s, started %s\n", st->division,
            licctl_time (st->started_at, t));
    printf ("head:         seq %" PRIu64 ", root %s\n", st->head_seq,
            *hex? hex: "-");
    s_print_note ("checkpoint:", st->checkpoint, st->head_seq, false);
    if (*st->receipt)
        s_print_note ("receipt:", st->receipt, st->head_seq, true);
    s_print_uplink (st);
    if (st->n_children == 0)
        printf ("children:     none\n");
    else
        printf ("children:     %zu\n", st->n_children);
    for (size_t i = 0; i < st->n_children; i++)
        s_print_child (st->children [i], now);
    if (st->n_subtree)
        printf ("below:        %zu node(s) (licctl status --tree)\n", st->n_subtree);
    printf ("catalogue:    %" PRIu64 " license type(s), %" PRIu64 " license(s) with an annual inspection overdue\n",
            st->catalogue_types, st->inspections_overdue);
    printf ("queries:      %" PRIu64 " answered, %" PRIu64 " refused (application bodies; all in the audit log)\n",
            st->queries_granted, st->queries_refused);
    if (st->files_missing == 0)
        printf ("files:        complete: every license file named by an entry here is present\n");
    else {
        printf ("files:        %" PRIu64 "%s missing (being fetched from below); by origin:",
                st->files_missing, st->files_missing_partial? " or more": "");
        for (size_t i = 0; i < st->n_files_missing_by_origin; i++)
            printf (" %s %" PRIu64, st->files_missing_by_origin [i]->origin,
                    st->files_missing_by_origin [i]->files);
        printf ("\n");
    }
    printf ("quarantined:  %" PRIu64 "%s\n", st->quarantined, st->quarantined?
            " entries held back: they failed verification": "");
    if (st->n_held_by_origin) {
        printf ("              by origin%s:", st->held_partial? " (of the first 10,000)": "");
        for (size_t i = 0; i < st->n_held_by_origin; i++)
            printf (" %s %" PRIu64, st->held_by_origin [i]->origin, st->held_by_origin [i]->entries);
        printf ("\n");
    }
    printf ("since start:  %" PRIu64 " published, %" PRIu64 " applied, %"
            PRIu64 " rejected, %" PRIu64 " duplicates\n", st->published,
            st->applied, st->rejected, st->duplicates);
    printf ("views:        %" PRIu64 " departments, %" PRIu64 " licenses\n",
            st->departments, st->licenses);
    seal_hex (hex, st->sign_key.data, st->sign_key.len == 32? 32: 0);
    if (st->curve_key.len != 32
    ||  !zmq_z85_encode (z85, st->curve_key.data, 32))
        z85 [0] = 0;
    printf ("keys:         sign %s\n              curve %s\n", hex, z85);
}

static void
s_print_digest (const Lic__DigestResult *d)
{
    char hex [65];
    for (size_t i = 0; i < d->n_entries; i++) {
        const Lic__DigestEntry *e = d->entries [i];
        seal_hex (hex, e->digest.data, e->digest.len == 32? 32: 0);
        printf ("%-8s %8" PRIu64 " licenses  %s\n", *e->division?
                e->division: "total", e->licenses, hex);
    }
}

// ---------------------------------------------------------------------
//  Queries

//  Prints a query's result as JSON.
static int
s_query_json (const Lic__Reply *reply)
{
    json_t *out = NULL;
    if (reply->body_case == LIC__REPLY__BODY_LICENSE)
        out = licjson_state_to_json (reply->license);
    else
    if (reply->body_case == LIC__REPLY__BODY_STATUS)
        out = licjson_status_to_json (reply->status);
    else
    if (reply->body_case == LIC__REPLY__BODY_DIGEST)
        out = licjson_digest_to_json (reply->digest);
    else
    if (reply->body_case == LIC__REPLY__BODY_BACKUP)
        out = json_pack ("{s:I, s:I, s:I, s:I}", "backup_id", (json_int_t) reply->backup->backup_id,
                         "head_seq", (json_int_t) reply->backup->head_seq,
                         "bytes", (json_int_t) reply->backup->bytes,
                         "kept", (json_int_t) reply->backup->kept);
    return licctl_print_json (out);
}

//  Prints a query's result for people.
static void
s_query_human (const Lic__Reply *reply, bool tree)
{
    if (reply->body_case == LIC__REPLY__BODY_LICENSE)
        s_print_record (reply->license);
    else
    if (reply->body_case == LIC__REPLY__BODY_STATUS && tree)
        s_print_tree (reply->status);
    else
    if (reply->body_case == LIC__REPLY__BODY_STATUS)
        s_print_status (reply->status);
    else
    if (reply->body_case == LIC__REPLY__BODY_DIGEST)
        s_print_digest (reply->digest);
    else
    if (reply->body_case == LIC__REPLY__BODY_BACKUP)
        printf ("backup %u: %" PRIu64 " bytes, log head at least %" PRIu64 ", %u backup(s) kept\n",
                reply->backup->backup_id, reply->backup->bytes, reply->backup->head_seq,
                reply->backup->kept);
}

// ---------------------------------------------------------------------
//  find and log: a page at a time

//  One page of a find (cursor: where it starts) or of the log (from
//  from_seq).  Prints it (text) or adds it to list (--json); *more and
//  next say where the next page starts.  Returns an exit code.
static int
s_page (const licctl_opts_t *opts, licclient_t *client, const char *cursor,
        uint64_t from_seq, json_t *list, bool *more, char next [128], size_t *shown)
{
    bool find = strcmp (opts->command, "find") == 0;
    Lic__Request req;
    Lic__FindRequest f = LIC__FIND_REQUEST__INIT;
    Lic__LogRequest l = LIC__LOG_REQUEST__INIT;
    codec_request_init (&req);
    if (find) {
        if (opts->holder_type)
            f.holder_id_type = (char *) opts->holder_type;
        f.holder_id = (char *) opts->holder;
        f.limit = opts->limit;
        f.cursor = (char *) cursor;
        req.body_case = LIC__REQUEST__BODY_FIND;
        req.find = &f;
    }
    else {
        l.from_seq = from_seq;
        l.limit = opts->limit? opts->limit: 100;
        req.body_case = LIC__REQUEST__BODY_LOG;
        req.log = &l;
    }
    Lic__Reply *reply = NULL;
    int rc = licclient_call (client, &req, &reply, opts->timeout_ms);
    int exit_code = licctl_check_reply (rc, reply, find? LIC__REPLY__BODY_FOUND: LIC__REPLY__BODY_ENTRIES,
                                        opts->timeout_ms);
    if (exit_code != LICCTL_EXIT_OK) {
        codec_reply_free (&reply);
        return exit_code;
    }
    if (find) {
        for (size_t i = 0; i < reply->found->n_licenses; i++) {
            const Lic__LicenseRecord *r = reply->found->licenses [i];
            if (list)
                json_array_append_new (list, licjson_state_to_json (r));
            else
            if (r->state)
                printf ("%s  %s %-15s v%u  %s\n", r->state->license_id,
                        licjson_status_code (r->effective_status),
                        licjson_status_name (r->effective_status),
                        r->state->version, r->state->content?
                        r->state->content->name: "");
        }
        *shown += reply->found->n_licenses;
        *more = reply->found->more;
        snprintf (next, 128, "%s", reply->found->next_cursor);
    }
    else {
        for (size_t i = 0; i < reply->entries->n_entries; i++)
            if (list)
                json_array_append_new (list, licjson_entry_to_json (reply->entries->entries [i]));
            else
                s_print_entry (reply->entries->entries [i]);
        *shown += reply->entries->n_entries;
        //  An empty page with more would ask for the same page again.
        *more = reply->entries->more && reply->entries->next_seq > from_seq;
        snprintf (next, 128, "%" PRIu64, reply->entries->next_seq);
    }
    codec_reply_free (&reply);
    return LICCTL_EXIT_OK;
}

//  find or log: the page at --cursor (log: --cursor or --from), or every
//  page with --all; a listing that stops before its end says where the
//  rest starts ("more: use --cursor C"; --json: "more", "next_cursor").
static int
s_paged (const licctl_opts_t *opts, licclient_t *client)
{
    bool find = strcmp (opts->command, "find") == 0;
    char cursor [128], next [128] = "";
    uint64_t from_seq = opts->from;
    snprintf (cursor, sizeof cursor, "%s", opts->cursor? opts->cursor: "");
    if (!find && opts->cursor && sscanf (opts->cursor, "%" SCNu64, &from_seq) != 1) {
        fprintf (stderr, "licctl: --cursor of log is a log seq (next_cursor of the page before): %s\n",
                 opts->cursor);
        return LICCTL_EXIT_USAGE;
    }
    json_t *list = opts->json? json_array (): NULL;
    bool more = false;
    size_t shown = 0;
    int exit_code;
    do {
        exit_code = s_page (opts, client, cursor, from_seq, list, &more, next, &shown);
        snprintf (cursor, sizeof cursor, "%s", next);
        if (!find)
            sscanf (next, "%" SCNu64, &from_seq);
    } while (exit_code == LICCTL_EXIT_OK && more && opts->all);
    if (exit_code == LICCTL_EXIT_OK && list) {
        json_t *out = json_pack ("{s:O, s:b, s:s}", find? "licenses": "entries", list,
                                 "more", more, "next_cursor", more? next: "");
        exit_code = licctl_print_json (out);
    }
    else
    if (exit_code == LICCTL_EXIT_OK) {
        if (find)
            printf ("%zu license(s)\n", shown);
        licctl_more (more, next);
    }
    json_decref (list);
    return exit_code;
}

//  Sends the request the command names; *want is the reply body case.
static int
s_ask (const licctl_opts_t *opts, licclient_t *client, Lic__Reply **reply,
       Lic__Reply__BodyCase *want)
{
    const char *cmd = opts->command;
    if (strcmp (cmd, "get") == 0) {
        *want = LIC__REPLY__BODY_LICENSE;
        //  As of a time: the license as it was then (GetRequest.at).
        Lic__Request req;
        Lic__GetRequest get = LIC__GET_REQUEST__INIT;
        codec_request_init (&req);
        get.license_id = opts->args [0];
        get.with_history = opts->history;
        get.at = opts->at;
        req.body_case = LIC__REQUEST__BODY_GET;
        req.get = &get;
        return licclient_call (client, &req, reply, opts->timeout_ms);
    }
    if (strcmp (cmd, "digest") == 0) {
        *want = LIC__REPLY__BODY_DIGEST;
        return licclient_digest (client, reply, opts->timeout_ms);
    }
    if (strcmp (cmd, "backup") == 0) {
        //  The directory is on the node's host; a relative one is taken
        //  from here, as an operator on that host means it.
        char dir [1024], cwd [900];
        if (opts->to [0] == '/' || !getcwd (cwd, sizeof cwd))
            snprintf (dir, sizeof dir, "%s", opts->to);
        else
            snprintf (dir, sizeof dir, "%s/%s", cwd, opts->to);
        Lic__Request req;
        Lic__BackupRequest br;
        codec_request_init (&req);
        lic__backup_request__init (&br);
        br.to_dir = dir;
        br.keep = opts->keep;
        req.body_case = LIC__REQUEST__BODY_BACKUP;
        req.backup = &br;
        *want = LIC__REPLY__BODY_BACKUP;
        //  A backup copies the whole repository: allow it time.
        return licclient_call (client, &req, reply, opts->timeout_ms > 600000? opts->timeout_ms: 600000);
    }
    *want = LIC__REPLY__BODY_STATUS;
    return licclient_status (client, reply, opts->timeout_ms);
}

int
licctl_cmd_query (const licctl_opts_t *opts)
{
    licclient_t *client = NULL;
    Lic__Reply *reply = NULL;
    keyfile_t key;
    Lic__Reply__BodyCase want;
    bool get = strcmp (opts->command, "get") == 0;
    bool find = strcmp (opts->command, "find") == 0;
    bool backup = strcmp (opts->command, "backup") == 0;
    if (opts->n_args != (get? 1: 0) || (find && !opts->holder) || (backup && !opts->to)) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    int exit_code = licctl_connect (opts, &client, &key, NULL);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    keyfile_wipe (&key);
    if (find || strcmp (opts->command, "log") == 0) {
        exit_code = s_paged (opts, client);
        licclient_destroy (&client);
        return exit_code;
    }
    int rc = s_ask (opts, client, &reply, &want);
    exit_code = licctl_check_reply (rc, reply, want, opts->timeout_ms);
    if (exit_code == LICCTL_EXIT_OK && opts->json)
        exit_code = s_query_json (reply);
    else
    if (exit_code == LICCTL_EXIT_OK)
        s_query_human (reply, opts->tree);
    codec_reply_free (&reply);
    licclient_destroy (&client);
    return exit_code;
}
