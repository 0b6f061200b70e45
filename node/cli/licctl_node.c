/*  licctl_node.c -- licctl node revoke (see the header).  */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "proto/authority.h"
#include "proto/codec.h"
#include "proto/seal.h"
#include "node/client/licclient.h"
#include "node/cli/licctl_node.h"

int
licctl_cmd_node (const licctl_opts_t *opts)
{
    const char *sub = opts->n_args? opts->args [0]: "";
    if (strcmp (sub, "revoke") != 0 || opts->n_args != 2 || !opts->key_file) {
        fprintf (stderr, "licctl: node revoke DIVISION --key-file NODE.pub [--after SEQ]\n");
        return LICCTL_EXIT_USAGE;
    }
    const char *division = opts->args [1];
    if (!authority_level (division)) {
        fprintf (stderr, "licctl: %s: not a division code (6 digits, GB/T 2260)\n", division);
        return LICCTL_EXIT_USAGE;
    }
    keyfile_t revoked;
    int rc = licctl_load_key (&revoked, opts->key_file, false);
    if (rc != LICCTL_EXIT_OK)
        return rc;
    if (*revoked.code && strcmp (revoked.code, division) != 0) {
        fprintf (stderr, "licctl: %s is the key file of node %s, not of %s\n", opts->key_file,
                 revoked.code, division);
        keyfile_wipe (&revoked);
        return LICCTL_EXIT_USAGE;
    }
    uint8_t pk [32];
    memcpy (pk, revoked.sign_pk, 32);
    keyfile_wipe (&revoked);

    licclient_t *client;
    keyfile_t key;
    rc = licctl_connect (opts, &client, &key, NULL);
    if (rc != LICCTL_EXIT_OK)
        return rc;
    keyfile_wipe (&key);
    Lic__NodeRevokeRequest r = LIC__NODE_REVOKE_REQUEST__INIT;
    r.division = (char *) division;
    r.sign_key.data = pk;
    r.sign_key.len = 32;
    r.after = opts->after;
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_NODE_REVOKE;
    req.node_revoke = &r;
    Lic__Reply *reply = NULL;
    rc = licclient_call (client, &req, &reply, opts->timeout_ms);
    rc = licctl_check_reply (rc, reply, LIC__REPLY__BODY_REGISTERED, opts->timeout_ms);
    if (rc == LICCTL_EXIT_OK) {
        char hex [65];
        seal_hex (hex, pk, 32);
        //  The node states the point it recorded in the reply's message.
        if (opts->json) {
            json_t *o = json_object ();
            if (o) {
                json_object_set_new (o, "seq", json_integer ((json_int_t) reply->registered->seq));
                json_object_set_new (o, "division", json_string (division));
                json_object_set_new (o, "key", json_string (hex));
                json_object_set_new (o, "message", json_string (reply->message? reply->message: ""));
            }
            rc = licctl_print_json (o);
        }
        else
            printf ("revoked: key %.16s... of %s, seq %" PRIu64 "%s%s\n", hex, division,
                    reply->registered->seq, reply->message && *reply->message? ": ": "",
                    reply->message? reply->message: "");
    }
    codec_reply_free (&reply);
    licclient_destroy (&client);
    return rc;
}
