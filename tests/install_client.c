/*  install_client.c -- a program from outside the tree, as a department
    would write it: tests/install_test.sh builds it against the installed
    liblicclient alone (`pkg-config --cflags --libs licclient`, no path
    into the source or build tree) and runs it.

    usage: install_client NODE_PUB ADMIN_KEY

    First what needs no node: error names, the offline copy check on
    garbage, a key refused, an event built with the generated INIT macro
    and signed.  Then, against a running licnode, the node's status and a
    catalogue request built by the program, each reply freed with
    licclient_reply_free.  Exits 0 when every check holds.
*/
#define _POSIX_C_SOURCE 200809L     //  nanosleep under -std=c11
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <licrepo/licclient.h>

//  RFC 8032 section 7.1, TEST 1: an Ed25519 secret key (seed, then
//  public key) and its public key.
static const uint8_t s_sk [64] = {
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4,
    0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19,
    0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
    0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3,
    0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
    0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a
};

static void
test_err_str_names_the_wire_codes (void)
{
    assert (strcmp (licclient_err_str (LICCLIENT_ERR_OK), "OK") == 0);
    assert (strcmp (licclient_err_str (LICCLIENT_ERR_MALFORMED), "ERR_MALFORMED") == 0);
    assert (strcmp (licclient_err_str (LICCLIENT_ERR_INTERNAL), "ERR_INTERNAL") == 0);
    assert (strcmp (licclient_err_str (9999), "ERR_UNKNOWN") == 0);
}

static void
test_verify_copy_refuses_garbage (void)
{
    static const uint8_t garbage [] = "this is not an archived copy";
    uint8_t trust [1][32] = { { 0 } };
    licclient_copy_t copy;
    char why [256] = "";
    int rc = licclient_verify_copy (garbage, sizeof garbage, (const uint8_t (*) [32]) trust,
                                    1, (int64_t) time (NULL), &copy, why, sizeof why);
    assert (rc == LICCLIENT_ERR_MALFORMED);
    assert (*why);
}

static void
test_open_refuses_a_bad_key (void)
{
    licclient_t *client = NULL;
    int rc = licclient_open (&client, "tcp://127.0.0.1:7400", "too short", "too short",
                             "too short");
    assert (rc == LICCLIENT_ERR_MALFORMED);
    assert (client == NULL);
    licclient_destroy (&client);
    licclient_destroy (NULL);
}

static void
test_sign_an_event_built_with_the_init_macro (void)
{
    Lic__Event ev = LIC__EVENT__INIT;
    uint8_t *body = NULL, sig [64];
    size_t body_len = 0;
    ev.op = LIC__OP__OP_ISSUE;
    ev.license_id = "111000000000133380W011143000000612224420230000403001";
    assert (licclient_sign (&ev, s_sk, s_sk + 32, &body, &body_len, sig)
            == LICCLIENT_ERR_VERSION);
    ev.version = LICCLIENT_PROTOCOL_VERSION;
    assert (licclient_sign (&ev, s_sk, s_sk + 32, &body, &body_len, sig) == LICCLIENT_ERR_OK);
    assert (body && body_len > 0);
    free (body);
    uint8_t other [32] = { 1 };
    assert (licclient_sign (&ev, s_sk, other, &body, &body_len, sig)
            == LICCLIENT_ERR_BAD_SIGNATURE);
}

static void
test_reply_free_accepts_null (void)
{
    Lic__Reply *reply = NULL;
    licclient_reply_free (&reply);
    licclient_reply_free (NULL);
}

//  The node was just started: retries until it answers (20 s at most).
static licclient_t *
s_admin (const char *node_pub, const char *admin_key)
{
    for (int attempt = 0; attempt < 40; attempt++) {
        licclient_t *client = NULL;
        Lic__Reply *reply = NULL;
        if (licclient_open_files (&client, node_pub, admin_key) == LICCLIENT_ERR_OK
        &&  licclient_status (client, &reply, 500) == LICCLIENT_ERR_OK) {
            assert (reply->code == LICCLIENT_ERR_OK);
            assert (reply->body_case == LIC__REPLY__BODY_STATUS);
            printf ("install_client: node %s answers, head %llu\n", reply->status->division,
                    (unsigned long long) reply->status->head_seq);
            licclient_reply_free (&reply);
            assert (reply == NULL);
            return client;
        }
        licclient_destroy (&client);
        nanosleep (&(struct timespec) { .tv_nsec = 500 * 1000 * 1000 }, NULL);
    }
    return NULL;
}

static void
test_node_answers_a_request_the_program_built (licclient_t *admin)
{
    Lic__CatalogueRequest list = LIC__CATALOGUE_REQUEST__INIT;
    Lic__Reply *reply = NULL;
    int rc = licclient_catalogue (admin, &list, &reply, 10000);
    assert (rc == LICCLIENT_ERR_OK);
    assert (reply->code == LICCLIENT_ERR_OK);
    assert (reply->body_case == LIC__REPLY__BODY_CATALOGUE);
    assert (reply->catalogue->n_types == 0);
    licclient_reply_free (&reply);
    assert (reply == NULL);
    assert (licclient_pending (admin) == 0);
}

int
main (int argc, char *argv [])
{
    if (argc != 3) {
        fprintf (stderr, "usage: install_client NODE_PUB ADMIN_KEY\n");
        return 2;
    }
    test_err_str_names_the_wire_codes ();
    test_verify_copy_refuses_garbage ();
    test_open_refuses_a_bad_key ();
    test_sign_an_event_built_with_the_init_macro ();
    test_reply_free_accepts_null ();
    licclient_t *admin = s_admin (argv [1], argv [2]);
    if (!admin) {
        fprintf (stderr, "install_client: the node did not answer within 20 s\n");
        return 1;
    }
    test_node_answers_a_request_the_program_built (admin);
    licclient_destroy (&admin);
    assert (admin == NULL);
    printf ("install_client: all checks hold\n");
    return 0;
}
