/*  licstate.c -- the current content of a license (licstate.h).

    The content is not decoded from the event and copied: the stored
    state's bytes are unpacked once, after the event's `content` field
    bytes re-tagged as the state's `content` field (5), so protobuf-c
    builds one message that codec_state_free frees, as it would have
    unpacked a state holding a copy.  Every occurrence of the event's
    field is carried over in order, so the content is what unpacking the
    event gives.  The entry and the event are walked field by field
    (protobuf wire format, top level only); nothing else of them is read.
*/
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/licstate.h"

#define S_LEN 2                         //  wire type of a length-delimited field
#define S_ENTRY_KIND 5                  //  LogEntry.kind
#define S_ENTRY_ENVELOPE 6              //  LogEntry.envelope
#define S_ENVELOPE_BODY 1               //  Envelope.body
#define S_ENVELOPE_KEY_ID 3             //  Envelope.key_id
#define S_EVENT_CONTENT 7               //  Event.content
#define S_STATE_CONTENT 5               //  LicenseState.content
#define S_STATE_CONTENT_SEQ 13          //  LicenseState.content_seq

//  A varint at *p (before end): true and *v, *p past it.
static bool
s_varint (const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        x |= (uint64_t) (b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

//  The next top-level field at *p: its number, wire type, value (varint)
//  or bytes (length-delimited: *data, *dlen).  False at the end (*p ==
//  end, *bad false) or on bytes that are not wire format (*bad true).
static bool
s_field (const uint8_t **p, const uint8_t *end, uint32_t *field, int *wt, uint64_t *v,
         const uint8_t **data, size_t *dlen, bool *bad)
{
    *bad = false;
    if (*p >= end)
        return false;
    uint64_t tag, len;
    *bad = true;
    if (!s_varint (p, end, &tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
        return false;
    *field = (uint32_t) (tag >> 3);
    *wt = (int) (tag & 7);
    *v = 0;
    switch (*wt) {
        case 0:
            if (!s_varint (p, end, v))
                return false;
            break;
        case 1:
        case 5: {
            size_t n = *wt == 1? 8: 4;
            if ((size_t) (end - *p) < n)
                return false;
            *p += n;
            break;
        }
        case S_LEN:
            if (!s_varint (p, end, &len) || len > (uint64_t) (end - *p))
                return false;
            *data = *p;
            *dlen = (size_t) len;
            *p += len;
            break;
        default:
            return false;               //  groups: never in licrepo.proto
    }
    *bad = false;
    return true;
}

//  The bytes of the last length-delimited field `which` of buf, or NULL
//  (*bad if buf is not wire format).
static const uint8_t *
s_last_bytes (const uint8_t *buf, size_t len, uint32_t which, size_t *out_len, bool *bad)
{
    const uint8_t *p = buf, *end = buf + len, *data = NULL, *found = NULL;
    size_t dlen = 0;
    uint32_t field;
    int wt;
    uint64_t v;
    while (s_field (&p, end, &field, &wt, &v, &data, &dlen, bad))
        if (field == which && wt == S_LEN) {
            found = data;
            *out_len = dlen;
        }
    return *bad? NULL: found;
}

int
licstate_content_seq (const uint8_t *state, size_t len, uint64_t *seq)
{
    const uint8_t *p = state, *end = state + len, *data;
    size_t dlen;
    uint32_t field;
    int wt;
    uint64_t v;
    bool bad;
    *seq = 0;
    while (s_field (&p, end, &field, &wt, &v, &data, &dlen, &bad))
        if (field == S_STATE_CONTENT_SEQ && wt == 0)
            *seq = v;
    return bad? ERR_CORRUPT: ERR_OK;
}

int
licstate_entry_signed (const uint8_t *entry, size_t len, const uint8_t **body, size_t *body_len,
                       const uint8_t **key_id, size_t *key_len)
{
    const uint8_t *p = entry, *end = entry + len, *data, *env = NULL;
    size_t dlen, env_len = 0;
    uint32_t field;
    int wt;
    uint64_t v, kind = 0;
    bool bad = false;
    while (s_field (&p, end, &field, &wt, &v, &data, &dlen, &bad)) {
        if (field == S_ENTRY_KIND && wt == 0)
            kind = v;
        else
        if (field == S_ENTRY_ENVELOPE && wt == S_LEN) {
            if (env)
                return ERR_CORRUPT;     //  an entry is encoded with one envelope
            env = data;
            env_len = dlen;
        }
    }
    if (bad || kind != LIC__ENTRY_KIND__ENTRY_EVENT || !env)
        return ERR_CORRUPT;
    *body = s_last_bytes (env, env_len, S_ENVELOPE_BODY, body_len, &bad);
    if (bad || !*body)
        return ERR_CORRUPT;
    if (key_id) {
        *key_id = s_last_bytes (env, env_len, S_ENVELOPE_KEY_ID, key_len, &bad);
        if (bad || !*key_id)
            return ERR_CORRUPT;
    }
    return ERR_OK;
}

int
licstate_complete (const uint8_t *state, size_t len, const uint8_t *entry, size_t entry_len,
                   Lic__LicenseState **out)
{
    *out = NULL;
    const uint8_t *body = NULL;
    size_t body_len = 0;
    bool bad = false;
    if (entry && licstate_entry_signed (entry, entry_len, &body, &body_len, NULL, NULL) != ERR_OK)
        return ERR_CORRUPT;
    //  The event's content fields, re-tagged, then the state.
    size_t need = len + (body? body_len + 11 * (body_len / 2 + 1): 0);
    uint8_t *buf = malloc (need? need: 1);
    if (!buf)
        return ERR_NOMEM;
    size_t at = 0;
    const uint8_t *p = body, *end = body + body_len, *data;
    size_t dlen;
    uint32_t field;
    int wt;
    uint64_t v;
    while (body && s_field (&p, end, &field, &wt, &v, &data, &dlen, &bad))
        if (field == S_EVENT_CONTENT && wt == S_LEN) {
            buf [at++] = (uint8_t) (S_STATE_CONTENT << 3 | S_LEN);
            codec_put_varint (buf, &at, dlen);
            memcpy (buf + at, data, dlen);
            at += dlen;
        }
    //  A stored state carries no content of its own (schema 4).
    const uint8_t *own = NULL;
    size_t own_len = 0;
    if (!bad)
        own = s_last_bytes (state, len, S_STATE_CONTENT, &own_len, &bad);
    if (bad || own) {
        free (buf);
        return ERR_CORRUPT;
    }
    memcpy (buf + at, state, len);
    at += len;
    Lic__LicenseState *st = NULL;
    int rc = codec_state_decode (buf, at, &st);
    free (buf);
    if (rc != ERR_OK)
        return rc == ERR_NOMEM? ERR_NOMEM: ERR_CORRUPT;
    //  An extension since the content: its valid_to.
    if (st->valid_to && *st->valid_to) {
        rc = st->content? codec_set_string (&st->content->valid_to, st->valid_to): ERR_OK;
        if (rc == ERR_OK)
            rc = codec_set_string (&st->valid_to, "");
        if (rc != ERR_OK) {
            codec_state_free (&st);
            return rc;
        }
    }
    *out = st;
    return ERR_OK;
}
