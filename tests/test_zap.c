/*  test_zap -- which certificate names the ZAP handler admits on which
    socket (node/links/zap.h): the policy table, every row; the admitted set's
    verdicts (admitted, unknown, revoked, wrong socket); the log rate
    limiter on a fake clock; and real CURVE handshakes over 127.0.0.1
    against the handler, whose set is replaced twice within a
    millisecond and takes effect at once (README "Security": czmq's zcertstore
    kept a key replaced within a second).  End to end: e2e_keys.
*/
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include "proto/seal.h"
#include "node/links/zap.h"

static void
test_policy_rows (void)
{
    struct { const char *domain, *name; bool admitted; } rows [] = {
        //  Client socket: every key the node allowed.
        { "licrepo", "admin", true },
        { "licrepo", "11430000006122244L", true },
        { "licrepo", "app-12330106MB0000001D", true },
        { "licrepo", "330106", true },
        { "licrepo", "", false },
        { "licrepo", NULL, false },
        //  Query socket: application bodies only.
        { "licrepo-query", "app-12330106MB0000001D", true },
        { "licrepo-query", "app-", false },
        { "licrepo-query", "admin", false },
        { "licrepo-query", "11430000006122244L", false },
        { "licrepo-query", "330106", false },
        { "licrepo-query", "APP-12330106MB0000001D", false },
        //  Replication socket: nodes (6-digit divisions) only.
        { "licrepo-replication", "330106", true },
        { "licrepo-replication", "33010", false },
        { "licrepo-replication", "3301061", false },
        { "licrepo-replication", "33010a", false },
        { "licrepo-replication", "admin", false },
        { "licrepo-replication", "app-12330106MB0000001D", false },
        { "licrepo-replication", "11430000006122244L", false },
        //  Any other domain, or none.
        { "", "admin", false },
        { NULL, "admin", false },
        { "licrepo-other", "330106", false },
        { "LICREPO", "admin", false },
    };
    int n = (int) (sizeof rows / sizeof rows [0]);
    for (int i = 0; i < n; i++) {
        bool got = zap_admits (rows [i].domain, rows [i].name);
        if (got != rows [i].admitted)
            fprintf (stderr, "row %d: %s / %s: got %d\n", i, rows [i].domain? rows [i].domain: "(null)",
                     rows [i].name? rows [i].name: "(null)", got);
        assert (got == rows [i].admitted);
    }
    printf ("zap: %d policy rows passed\n", n);
}

static void
s_key (uint8_t key [32], char z85 [41], uint8_t fill)
{
    memset (key, fill, 32);
    zmq_z85_encode (z85, key, 32);
}

static void
test_keys_give_each_verdict (void)
{
    uint8_t dept [32], body [32], old [32], child [32], stranger [32];
    char zd [41], zb [41], zo [41], zc [41], zs [41];
    s_key (dept, zd, 1);
    s_key (body, zb, 2);
    s_key (old, zo, 3);
    s_key (child, zc, 4);
    s_key (stranger, zs, 5);
    zap_keys_t *keys = zap_keys_new ();
    assert (keys);
    assert (zap_keys_admit (keys, dept, "11330106MB0000001X") == ERR_OK);
    assert (zap_keys_admit (keys, body, "app-12330106MB0000001D") == ERR_OK);
    assert (zap_keys_admit (keys, child, "330106") == ERR_OK);
    assert (zap_keys_revoke (keys, old, "11330106MB0000001X") == ERR_OK);
    //  A revocation does not override an admission of the same key...
    assert (zap_keys_revoke (keys, dept, "11330106MB0000001X") == ERR_OK);
    //  ...and bad names are refused.
    assert (zap_keys_admit (keys, stranger, "") == ERR_BAD_FIELD);
    char lng [ZAP_NAME_MAX + 1];
    memset (lng, 'a', ZAP_NAME_MAX);
    lng [ZAP_NAME_MAX] = 0;
    assert (zap_keys_admit (keys, stranger, lng) == ERR_BAD_FIELD);
    assert (zap_keys_size (keys) == 4);

    const char *name;
    assert (zap_keys_check (keys, "licrepo", zd, &name) == ZAP_ADMITTED && streq (name, "11330106MB0000001X"));
    assert (zap_keys_check (keys, "licrepo-query", zd, &name) == ZAP_WRONG_SOCKET);
    assert (zap_keys_check (keys, "licrepo-replication", zd, NULL) == ZAP_WRONG_SOCKET);
    assert (zap_keys_check (keys, "licrepo-query", zb, &name) == ZAP_ADMITTED && streq (name, "app-12330106MB0000001D"));
    assert (zap_keys_check (keys, "licrepo", zb, NULL) == ZAP_ADMITTED);
    assert (zap_keys_check (keys, "licrepo-replication", zc, NULL) == ZAP_ADMITTED);
    assert (zap_keys_check (keys, "licrepo-query", zc, NULL) == ZAP_WRONG_SOCKET);
    assert (zap_keys_check (keys, "licrepo", zo, &name) == ZAP_REVOKED_KEY && streq (name, "11330106MB0000001X"));
    assert (zap_keys_check (keys, "licrepo", zs, &name) == ZAP_UNKNOWN_KEY && streq (name, ""));
    assert (zap_keys_check (keys, "licrepo", NULL, NULL) == ZAP_UNKNOWN_KEY);
    assert (zap_keys_check (keys, "licrepo", "short", NULL) == ZAP_UNKNOWN_KEY);
    assert (zap_keys_check (keys, "other", zd, NULL) == ZAP_WRONG_SOCKET);

    //  One key may be a department's and an application body's at once.
    assert (zap_keys_admit (keys, dept, "app-12330106MB0000002B") == ERR_OK);
    assert (zap_keys_check (keys, "licrepo-query", zd, &name) == ZAP_ADMITTED && streq (name, "app-12330106MB0000002B"));
    //  Admitting a revoked key clears its revocation.
    assert (zap_keys_admit (keys, old, "11330106MB0000009Y") == ERR_OK);
    assert (zap_keys_check (keys, "licrepo", zo, &name) == ZAP_ADMITTED && streq (name, "11330106MB0000009Y"));

    //  A copy is independent of its original.
    zap_keys_t *copy = zap_keys_dup (keys);
    assert (copy && zap_keys_size (copy) == zap_keys_size (keys));
    assert (zap_keys_revoke (copy, stranger, "x") == ERR_OK);
    assert (zap_keys_check (copy, "licrepo", zs, NULL) == ZAP_REVOKED_KEY);
    assert (zap_keys_check (keys, "licrepo", zs, NULL) == ZAP_UNKNOWN_KEY);
    zap_keys_destroy (&copy);
    zap_keys_destroy (&keys);
    zap_keys_destroy (&keys);
    assert (!keys);
    assert (streq (zap_socket_name (zap_socket ("licrepo-query")), "query"));
    assert (streq (zap_socket_name (zap_socket (NULL)), "other"));
    assert (streq (zap_verdict_name (ZAP_REVOKED_KEY), "revoked_key"));
    printf ("zap: admitted set verdicts\n");
}

static void
test_limit_passes_one_line_per_key_per_minute (void)
{
    zap_limit_t *limit = zap_limit_new ();
    uint64_t held;
    assert (zap_limit_pass (limit, "A", 1000, &held) && held == 0);
    assert (!zap_limit_pass (limit, "A", 1001, &held));
    assert (!zap_limit_pass (limit, "A", 1000 + ZAP_LOG_EVERY_MS - 1, &held));
    assert (zap_limit_pass (limit, "B", 1002, &held) && held == 0);
    assert (zap_limit_pass (limit, "A", 1000 + ZAP_LOG_EVERY_MS, &held) && held == 2);
    assert (!zap_limit_pass (limit, "A", 1000 + ZAP_LOG_EVERY_MS + 5, &held));

    //  A flood of distinct keys within a minute: the limiter remembers
    //  ZAP_LIMIT_KEYS of them, the rest share one line a minute.
    int64_t t = 10 * ZAP_LOG_EVERY_MS;
    int passed = 0;
    char key [32];
    for (int i = 0; i < ZAP_LIMIT_KEYS + 100; i++) {
        snprintf (key, sizeof key, "flood-%d", i);
        passed += zap_limit_pass (limit, key, t, &held);
    }
    //  Room was made by forgetting A and B, whose minutes were over.
    assert (passed == ZAP_LIMIT_KEYS + 1);
    assert (!zap_limit_pass (limit, "flood-0", t + 1, &held));
    assert (!zap_limit_pass (limit, "late", t + 2, &held));
    //  A minute later, old keys are forgotten and new ones pass again.
    assert (zap_limit_pass (limit, "late", t + ZAP_LOG_EVERY_MS, &held));
    zap_limit_destroy (&limit);
    zap_limit_destroy (&limit);
    printf ("zap: rate limiter\n");
}

//  A CURVE client with key pair (pk, sk) to server_pk at endpoint.
static zsock_t *
s_client (const char *endpoint, const uint8_t server_pk [32], const uint8_t pk [32], const uint8_t sk [32])
{
    zsock_t *c = zsock_new (ZMQ_DEALER);
    zcert_t *cert = zcert_new_from (pk, sk);
    zcert_apply (cert, c);
    zcert_destroy (&cert);
    char z85 [41];
    zmq_z85_encode (z85, server_pk, 32);
    zsock_set_curve_serverkey (c, z85);
    zsock_set_linger (c, 0);
    zsock_set_rcvtimeo (c, 2000);
    assert (zsock_connect (c, "%s", endpoint) == 0);
    return c;
}

//  Sends "hi" through c; true if the server got it (with c's key as User-Id).
static bool
s_gets_through (zsock_t *server, zsock_t *c, const uint8_t pk [32])
{
    zstr_send (c, "hi");
    zpoller_t *p = zpoller_new (server, NULL);
    bool got = zpoller_wait (p, 1500) == server;
    zpoller_destroy (&p);
    if (got) {
        zframe_t *route = zframe_recv (server);
        zframe_t *body = zframe_recv (server);
        char z85 [41];
        zmq_z85_encode (z85, pk, 32);
        assert (body && streq (zframe_meta (body, "User-Id"), z85));
        zframe_destroy (&route);
        zframe_destroy (&body);
    }
    return got;
}

static void
test_handler_applies_each_set_at_once (void)
{
    zactor_t *zap = zactor_new (zap_actor, NULL);
    assert (zap);
    uint8_t spk [32], ssk [32], apk [32], ask [32], bpk [32], bsk [32];
    char zp [41], zs [41];
    assert (zmq_curve_keypair (zp, zs) == 0 && zmq_z85_decode (spk, zp) && zmq_z85_decode (ssk, zs));
    assert (zmq_curve_keypair (zp, zs) == 0 && zmq_z85_decode (apk, zp) && zmq_z85_decode (ask, zs));
    assert (zmq_curve_keypair (zp, zs) == 0 && zmq_z85_decode (bpk, zp) && zmq_z85_decode (bsk, zs));
    zsock_t *server = zsock_new (ZMQ_ROUTER);
    zcert_t *cert = zcert_new_from (spk, ssk);
    zcert_apply (cert, server);
    zcert_destroy (&cert);
    zsock_set_curve_server (server, 1);
    zsock_set_zap_domain (server, "licrepo-query");
    int port = zsock_bind (server, "tcp://127.0.0.1:*");
    assert (port > 0);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);

    //  Nothing admitted before the first set.
    zsock_t *a = s_client (endpoint, spk, apk, ask);
    assert (!s_gets_through (server, a, apk));
    zsock_destroy (&a);

    //  Body key A admitted, then replaced by B twice within a millisecond
    //  (A revoked): the last set is in force when zap_set_keys returns.
    zap_keys_t *keys = zap_keys_new ();
    assert (zap_keys_admit (keys, apk, "app-12330106MB0000001D") == ERR_OK);
    assert (zap_set_keys (zap, &keys) == ERR_OK && !keys);
    a = s_client (endpoint, spk, apk, ask);
    assert (s_gets_through (server, a, apk));
    for (int i = 0; i < 2; i++) {
        keys = zap_keys_new ();
        assert (zap_keys_revoke (keys, apk, "app-12330106MB0000001D") == ERR_OK);
        assert (zap_keys_admit (keys, bpk, "app-12330106MB0000001D") == ERR_OK);
        assert (zap_set_keys (zap, &keys) == ERR_OK);
    }
    zsock_t *b = s_client (endpoint, spk, bpk, bsk);
    assert (s_gets_through (server, b, bpk));
    zsock_t *a2 = s_client (endpoint, spk, apk, ask);
    assert (!s_gets_through (server, a2, apk));
    //  (a's connection was made before: the handler cannot close it; the
    //  server refuses its messages by checking each one's User-Id.)
    zap_stats_t st;
    assert (zap_stats (zap, &st) == ERR_OK);
    assert (st.refused [ZAP_SOCKET_QUERY][ZAP_UNKNOWN_KEY] >= 1);
    assert (st.refused [ZAP_SOCKET_QUERY][ZAP_REVOKED_KEY] >= 1);
    assert (st.refused [ZAP_SOCKET_CLIENT][ZAP_REVOKED_KEY] == 0);
    zsock_destroy (&a);
    zsock_destroy (&a2);
    zsock_destroy (&b);
    zsock_destroy (&server);
    zactor_destroy (&zap);
    printf ("zap: handler: each set in force at once\n");
}

int
main (void)
{
    assert (seal_init () == ERR_OK);
    test_policy_rows ();
    test_keys_give_each_verdict ();
    test_limit_passes_one_line_per_key_per_minute ();
    test_handler_applies_each_set_at_once ();
    return 0;
}
