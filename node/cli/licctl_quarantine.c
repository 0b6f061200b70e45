/*  licctl_quarantine.c -- licctl quarantine list|show (see the header).  */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "node/client/licclient.h"
#include "node/cli/licctl_quarantine.h"
#include "node/common/licjson.h"

static const char *
s_kind (const Lic__LogEntry *e)
{
    static const char *names [] = { "none", "event", "registration", "node record", "catalogue",
                                    "application body", "audit record", "decision" };
    return !e? "(does not decode)": e->kind >= 0 && e->kind <= 7? names [e->kind]: "unknown";
}

//  Parses ORIGIN[/SEQ] into the request.
static bool
s_point (const char *text, Lic__QuarantineRequest *q, char origin [16])
{
    const char *slash = strchr (text, '/');
    size_t ol = slash? (size_t) (slash - text): strlen (text);
    if (ol == 0 || ol >= 16)
        return false;
    memcpy (origin, text, ol);
    origin [ol] = 0;
    q->origin = origin;
    if (slash) {
        char *end;
        unsigned long long seq = strtoull (slash + 1, &end, 10);
        if (!slash [1] || *end)
            return false;
        q->from_seq = seq;
    }
    return true;
}

static json_t *
s_item_json (const Lic__QuarantineItem *it)
{
    json_t *o = json_object ();
    if (!o)
        return NULL;
    json_object_set_new (o, "origin", json_string (it->origin));
    json_object_set_new (o, "origin_seq", json_integer ((json_int_t) it->origin_seq));
    json_object_set_new (o, "code", json_string (err_str (it->code)));
    json_object_set_new (o, "reason", json_string (it->reason));
    json_object_set_new (o, "kind", json_string (s_kind (it->entry)));
    json_object_set_new (o, "entry_bytes", json_integer (it->entry_bytes));
    json_object_set_new (o, "entry", it->entry? licjson_entry_to_json (it->entry): json_null ());
    return o;
}

//  licctl quarantine release|reject ORIGIN SEQ --reason TEXT: the
//  operator's decision, a QuarantineDecision the node signs and logs.
static int
s_decide (const licctl_opts_t *opts, bool release)
{
    char *end = NULL;
    unsigned long long seq = opts->n_args == 3? strtoull (opts->args [2], &end, 10): 0;
    if (opts->n_args != 3 || !*opts->args [1] || strlen (opts->args [1]) > 15 || !end || *end
    ||  seq == 0 || !opts->reason || !*opts->reason) {
        fprintf (stderr, "licctl: quarantine %s ORIGIN SEQ --reason TEXT (e.g. 330106 42 "
                 "--reason \"registered again since\")\n", release? "release": "reject");
        return LICCTL_EXIT_USAGE;
    }
    licclient_t *client;
    keyfile_t key;
    int rc = licctl_connect (opts, &client, &key, NULL);
    if (rc != LICCTL_EXIT_OK)
        return rc;
    keyfile_wipe (&key);
    Lic__Request req;
    Lic__QuarantineDecide q = LIC__QUARANTINE_DECIDE__INIT;
    codec_request_init (&req);
    q.origin = opts->args [1];
    q.origin_seq = seq;
    q.release = release;
    q.reason = (char *) opts->reason;
    req.body_case = LIC__REQUEST__BODY_QUARANTINE_DECIDE;
    req.quarantine_decide = &q;
    Lic__Reply *reply = NULL;
    rc = licclient_call (client, &req, &reply, opts->timeout_ms);
    rc = licctl_check_reply (rc, reply, LIC__REPLY__BODY_REGISTERED, opts->timeout_ms);
    if (rc == LICCTL_EXIT_OK)
        printf ("%s %s/%llu: decision logged as entry %" PRIu64 ", sent up with its reason\n",
                release? "released": "rejected", opts->args [1], seq, reply->registered->seq);
    codec_reply_free (&reply);
    licclient_destroy (&client);
    return rc;
}

int
licctl_cmd_quarantine (const licctl_opts_t *opts)
{
    const char *sub = opts->n_args? opts->args [0]: "";
    if (strcmp (sub, "release") == 0 || strcmp (sub, "reject") == 0)
        return s_decide (opts, strcmp (sub, "release") == 0);
    bool list = strcmp (sub, "list") == 0, show = strcmp (sub, "show") == 0;
    if ((!list && !show) || (list && opts->n_args > 2) || (show && opts->n_args != 2)) {
        fprintf (stderr, "licctl: quarantine list [ORIGIN[/SEQ]] [--limit N] | quarantine show "
                 "ORIGIN/SEQ | quarantine release|reject ORIGIN SEQ --reason TEXT\n");
        return LICCTL_EXIT_USAGE;
    }
    Lic__QuarantineRequest q = LIC__QUARANTINE_REQUEST__INIT;
    char origin [16] = "";
    if (opts->n_args == 2 && !s_point (opts->args [1], &q, origin)) {
        fprintf (stderr, "licctl: %s: not ORIGIN or ORIGIN/SEQ (e.g. 330106/42)\n", opts->args [1]);
        return LICCTL_EXIT_USAGE;
    }
    if (show) {
        q.only = true;
        q.limit = 1;
    }
    else
        q.limit = opts->limit;
    licclient_t *client;
    keyfile_t key;
    int rc = licctl_connect (opts, &client, &key, NULL);
    if (rc != LICCTL_EXIT_OK)
        return rc;
    keyfile_wipe (&key);
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_QUARANTINE;
    req.quarantine = &q;
    Lic__Reply *reply = NULL;
    rc = licclient_call (client, &req, &reply, opts->timeout_ms);
    rc = licctl_check_reply (rc, reply, LIC__REPLY__BODY_QUARANTINE, opts->timeout_ms);
    const Lic__QuarantineResult *res = rc == LICCTL_EXIT_OK? reply->quarantine: NULL;
    if (res && show && (res->n_items == 0 || res->items [0]->origin_seq != q.from_seq)) {
        fprintf (stderr, "licctl: %s is not held here\n", opts->args [1]);
        rc = LICCTL_EXIT_REFUSED;
    }
    else
    if (res && opts->json) {
        json_t *out = show? s_item_json (res->items [0]): json_object ();
        if (out && list) {
            json_t *items = json_array ();
            for (size_t i = 0; items && i < res->n_items; i++)
                json_array_append_new (items, s_item_json (res->items [i]));
            json_object_set_new (out, "items", items);
            json_object_set_new (out, "total", json_integer ((json_int_t) res->total));
            json_object_set_new (out, "more", json_boolean (res->more));
            if (res->more) {
                char next [40];
                snprintf (next, sizeof next, "%s/%" PRIu64, res->next_origin, res->next_seq);
                json_object_set_new (out, "next", json_string (next));
            }
        }
        rc = licctl_print_json (out);
    }
    else
    if (res && show) {
        const Lic__QuarantineItem *it = res->items [0];
        printf ("entry:        %s/%" PRIu64 " (%s, %u bytes)\nrefused:      %s\nreason:       %s\n",
                it->origin, it->origin_seq, s_kind (it->entry), it->entry_bytes,
                err_str (it->code), it->reason);
        if (it->entry)
            rc = licctl_print_json (licjson_entry_to_json (it->entry));
    }
    else
    if (res) {
        for (size_t i = 0; i < res->n_items; i++) {
            const Lic__QuarantineItem *it = res->items [i];
            printf ("%s/%-8" PRIu64 " %-16s %-17s %s\n", it->origin, it->origin_seq,
                    s_kind (it->entry), err_str (it->code), it->reason);
        }
        printf ("%zu shown, %" PRIu64 " held here in all\n", res->n_items, res->total);
        if (res->more)
            printf ("more: licctl quarantine list %s/%" PRIu64 "\n", res->next_origin, res->next_seq);
    }
    codec_reply_free (&reply);
    licclient_destroy (&client);
    return rc;
}
