/*  test_licclient_put -- licclient_file_put with chunks in flight
    (node/client/licclient_files.c), against a node played by the test
    (a CURVE ROUTER on 127.0.0.1 that answers as the test says):

    - a node that answers every chunk: the put sends up to
      LICCLIENT_FILE_WINDOW chunks before it waits, and ends with the
      file held;
    - a node that answers the 3rd and 4th chunk of a window but never the
      1st (as after a restart that lost a request): the put times out,
      nothing of it stays pending, and no reply to its chunks is handed to
      the caller's next licclient_recv.
*/
#undef NDEBUG
#include <assert.h>
#include <czmq.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/err.h"
#include "node/client/licclient.h"

#define S_LEN (4 * LICCLIENT_FILE_CHUNK + 7)   //  five chunks, the last of 7 bytes

static zsock_t *s_node;
static int s_mode;                  //  0: answer all; 1: answer chunks 3 and 4 only
static int s_before_first;          //  chunks received before the first chunk was answered

static void
s_answer (zframe_t *route, uint64_t id, uint64_t received, bool present)
{
    Lic__Reply r;
    codec_reply_init (&r);
    Lic__FileResult f = LIC__FILE_RESULT__INIT;
    r.id = id;
    r.body_case = LIC__REPLY__BODY_FILE;
    r.file = &f;
    f.received = received;
    f.present = present;
    f.total = S_LEN;
    uint8_t *buf;
    size_t len;
    assert (codec_reply_encode (&r, &buf, &len) == ERR_OK);
    zframe_t *to = zframe_dup (route);
    zframe_send (&to, s_node, ZFRAME_MORE);
    zframe_t *body = zframe_new (buf, len);
    zframe_send (&body, s_node, 0);
    free (buf);
}

//  Reads one request: its route (caller destroys) and its file request.
static Lic__Request *
s_read (zframe_t **route, int timeout_ms)
{
    zsock_set_rcvtimeo (s_node, timeout_ms);
    *route = zframe_recv (s_node);
    if (!*route)
        return NULL;
    zframe_t *body = zframe_recv (s_node);
    Lic__Request *req = NULL;
    assert (body && codec_request_decode (zframe_data (body), zframe_size (body), &req) == ERR_OK);
    zframe_destroy (&body);
    assert (req->body_case == LIC__REQUEST__BODY_FILE);
    return req;
}

static void *
s_play (void *arg)
{
    (void) arg;
    zframe_t *route = NULL;
    Lic__Request *req = s_read (&route, 5000);     //  the status: nothing here yet
    assert (req && req->file->status);
    s_answer (route, req->id, 0, false);
    codec_request_free (&req);
    zframe_destroy (&route);
    //  The chunks the client sends before it waits for an answer.
    Lic__Request *chunk [8];
    zframe_t *routes [8];
    int n = 0;
    while (n < 8 && (chunk [n] = s_read (&routes [n], 300)) != NULL)
        n++;
    s_before_first = n;
    if (s_mode == 1) {
        //  Only the 3rd and 4th are answered; the client must give up.
        assert (n >= 4);
        s_answer (routes [2], chunk [2]->id, 3 * LICCLIENT_FILE_CHUNK, false);
        s_answer (routes [3], chunk [3]->id, 4 * LICCLIENT_FILE_CHUNK, false);
    }
    else {
        uint64_t at = 0;
        int i = 0;
        while (i < n) {
            at += chunk [i]->file->data.len;
            s_answer (routes [i], chunk [i]->id, at, at == S_LEN);
            i++;
            if (i == n && at < S_LEN && n < 8 && (chunk [n] = s_read (&routes [n], 2000)) != NULL)
                n++;
        }
        assert (at == S_LEN);
    }
    for (int i = 0; i < n; i++) {
        codec_request_free (&chunk [i]);
        zframe_destroy (&routes [i]);
    }
    return NULL;
}

static licclient_t *
s_client (zcert_t *node_cert, zcert_t *cert, int port)
{
    char ep [64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    licclient_t *c = NULL;
    assert (licclient_open (&c, ep, zcert_public_txt (node_cert), zcert_public_txt (cert),
                            zcert_secret_txt (cert)) == ERR_OK);
    return c;
}

static void
s_run (int mode)
{
    zcert_t *node_cert = zcert_new (), *cert = zcert_new ();
    s_node = zsock_new (ZMQ_ROUTER);
    assert (s_node);
    zsock_set_curve_server (s_node, 1);
    zcert_apply (node_cert, s_node);
    int port = zsock_bind (s_node, "tcp://127.0.0.1:*");
    assert (port > 0);
    s_mode = mode;
    pthread_t t;
    assert (pthread_create (&t, NULL, s_play, NULL) == 0);
    licclient_t *c = s_client (node_cert, cert, port);
    uint8_t *data = calloc (1, S_LEN), digest [32];
    int code = -1;
    char why [256] = "";
    int rc = licclient_file_put (c, data, S_LEN, digest, &code, why, sizeof why, 1000);
    pthread_join (t, NULL);
    if (mode == 0) {
        assert (rc == ERR_OK && code == ERR_OK);
        assert (s_before_first == LICCLIENT_FILE_WINDOW);
        printf ("  every chunk answered: %d in flight before the first answer, file held\n",
                s_before_first);
    }
    else {
        assert (rc == ERR_BUSY);
        //  Nothing of the put is left: not pending, and no answer to one
        //  of its chunks surfaces as a reply to the caller.
        assert (licclient_pending (c) == 0);
        Lic__Reply *r = NULL;
        assert (licclient_recv (c, &r, 500) == ERR_BUSY && r == NULL);
        printf ("  chunk 1 never answered: the put gives up with nothing pending, "
                "no stray reply\n");
    }
    free (data);
    licclient_destroy (&c);
    zsock_destroy (&s_node);
    zcert_destroy (&cert);
    zcert_destroy (&node_cert);
}

int
main (void)
{
    zsys_handler_set (NULL);
    s_run (0);
    s_run (1);
    printf ("licclient_put: all passed\n");
    return 0;
}
