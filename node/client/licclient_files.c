/*  licclient_files.c -- license files through liblicclient (licclient.h,
    "License files"; proto/README.md section 12).  A put sends one chunk
    at a time and waits for its answer: the node writes each chunk before
    it answers and never holds more than one chunk of this client's.
*/
#include <czmq.h>
#include "proto/codec.h"
#include "proto/err.h"
#include "node/client/licclient.h"
#include "node/client/licclient_int.h"
#include "proto/seal.h"

_Static_assert (LICCLIENT_FILE_CHUNK * 2 <= LICCLIENT_FRAME_MAX, "a chunk fits a request frame");

static int
s_file_call (licclient_t *self, Lic__FileRequest *f, Lic__Reply **reply, int timeout_ms)
{
    Lic__Request req;
    codec_request_init (&req);
    req.body_case = LIC__REQUEST__BODY_FILE;
    req.file = f;
    return licclient_call (self, &req, reply, timeout_ms);
}

int
licclient_file_status (licclient_t *self, const uint8_t digest [32],
                       Lic__Reply **reply, int timeout_ms)
{
    Lic__FileRequest f = LIC__FILE_REQUEST__INIT;
    f.digest.data = (uint8_t *) digest;
    f.digest.len = 32;
    f.status = true;
    return s_file_call (self, &f, reply, timeout_ms);
}

int
licclient_file_read (licclient_t *self, const uint8_t digest [32], uint64_t offset,
                     uint32_t length, Lic__Reply **reply, int timeout_ms)
{
    Lic__FileRequest f = LIC__FILE_REQUEST__INIT;
    f.digest.data = (uint8_t *) digest;
    f.digest.len = 32;
    f.offset = offset;
    f.length = length;
    return s_file_call (self, &f, reply, timeout_ms);
}

//  The node's answer to a put or status: ERR_OK with *code, *received.
static int
s_answer (Lic__Reply *reply, int *code, bool *present, uint64_t *received, char *why, size_t why_size)
{
    *code = reply->code;
    if (*code == ERR_OK && (reply->body_case != LIC__REPLY__BODY_FILE || !reply->file))
        *code = ERR_MALFORMED;          //  accepted, but said nothing
    if (*code == ERR_OK) {
        *present = reply->file->present;
        *received = reply->file->received;
    }
    if (why && why_size)
        snprintf (why, why_size, "%s", *code == ERR_OK? "":
                  *reply->message? reply->message: "reply without a result");
    return ERR_OK;
}

int
licclient_file_put (licclient_t *self, const uint8_t *data, size_t len,
                    uint8_t digest [32], int *code, char *why, size_t why_size,
                    int timeout_ms)
{
    if (seal_init () != ERR_OK)
        return ERR_INTERNAL;
    seal_sha256 (digest, data, len);
    Lic__Reply *reply = NULL;
    int rc = licclient_file_status (self, digest, &reply, timeout_ms);
    if (rc != ERR_OK)
        return rc;
    bool present = false;
    uint64_t at = 0;
    s_answer (reply, code, &present, &at, why, why_size);
    codec_reply_free (&reply);
    //  An upload of another size under way is started again at 0 (the
    //  node says where it stands for this digest, whatever its size).
    if (*code != ERR_OK || present)
        return ERR_OK;
    if (at >= len || at % LICCLIENT_FILE_CHUNK)
        at = 0;
    bool restarted = at == 0;
    //  Up to LICCLIENT_FILE_WINDOW chunks in flight (their replies come in
    //  order: the node takes a connection's requests in turn), so the
    //  round trips overlap; one at a time if the caller has requests of
    //  its own in flight.
    size_t window = licclient_pending (self) == 0? LICCLIENT_FILE_WINDOW: 1;
    while (true) {
        uint64_t ids [LICCLIENT_FILE_WINDOW], ends [LICCLIENT_FILE_WINDOW];
        size_t sent = 0;
        for (uint64_t off = at; sent < window && off < len; sent++) {
            Lic__FileRequest f = LIC__FILE_REQUEST__INIT;
            f.digest.data = digest;
            f.digest.len = 32;
            f.offset = off;
            f.total = len;
            f.data.data = (uint8_t *) data + off;
            f.data.len = len - off < LICCLIENT_FILE_CHUNK? len - off: LICCLIENT_FILE_CHUNK;
            Lic__Request req;
            codec_request_init (&req);
            req.body_case = LIC__REQUEST__BODY_FILE;
            req.file = &f;
            rc = licclient_send (self, &req, &ids [sent]);
            if (rc != ERR_OK)
                break;
            off += f.data.len;
            ends [sent] = off;
        }
        //  Every chunk sent is answered (or abandoned) before anything else.
        int first = ERR_OK;
        bool stop = false, moved = false;
        uint64_t next = at;
        for (size_t i = 0; i < sent; i++) {
            if (first != ERR_OK || stop || moved) {
                licclient_abandon (self, ids [i]);
                continue;
            }
            int r = licclient_wait (self, ids [i], &reply, timeout_ms);
            if (r != ERR_OK) {
                first = r;
                continue;
            }
            next = at;
            s_answer (reply, code, &present, &next, why, why_size);
            codec_reply_free (&reply);
            if (*code != ERR_OK || present)
                stop = true;        //  refused, or held whole: the rest is not needed
            else
            if (next <= at || next >= len) {
                *code = ERR_MALFORMED;      //  the node did not move on: stop, do not loop
                if (why && why_size)
                    snprintf (why, why_size, "the node answered a chunk at %" PRIu64
                              " with offset %" PRIu64, at, next);
                stop = true;
            }
            else {
                //  Where the node stands; if not where this chunk ended
                //  (another upload of the same bytes), on from there.
                moved = next != ends [i];
                at = next;
            }
        }
        if (first != ERR_OK)
            return first;
        if (rc != ERR_OK && !stop)
            return rc;                      //  a send failed, and nothing said why
        if (*code == ERR_GAP && !restarted) {
            at = 0;                         //  the upload was dropped meanwhile: from the start
            restarted = true;
            continue;
        }
        if (stop)
            return ERR_OK;
    }
}
