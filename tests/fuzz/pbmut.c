/*  pbmut.c -- a structure-aware mutator for protobuf frames (pbmut.h).

    Wire format only (protobuf encoding: tag varint, then a varint, 8 or
    4 bytes, or a varint length and that many bytes); groups are not
    read, and a payload that does not read whole as fields is a leaf.
*/
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/pbmut.h"

#define S_DEPTH_MAX     12      //  deeper than licrepo.proto nests, with bytes
#define S_WHOLE_ONE_IN  5       //  how often the whole input is mutated instead

typedef struct {
    const uint8_t *start;       //  first byte of the tag
    const uint8_t *tag_end;     //  first byte after the tag
    const uint8_t *payload;     //  wire type 2: the payload
    size_t len;                 //  wire type 2: its length
    const uint8_t *end;         //  first byte after the field
    int wire;                   //  wire type
} s_field_t;

typedef struct {
    uint8_t *data;              //  output
    size_t cap;                 //  room in data
    size_t used;                //  bytes written
} s_out_t;

typedef struct {
    size_t target;              //  pre-order index of the field to mutate
    size_t seen;                //  length-delimited fields passed so far
    size_t slack;               //  bytes the payload may grow by
    bool done;                  //  mutated
} s_walk_t;

static bool
s_varint (const uint8_t **p, const uint8_t *end, uint64_t *value)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t) (b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *value = v;
            return true;
        }
    }
    return false;
}

//  Reads the field at *p; false if it is not well formed.
static bool
s_next (const uint8_t **p, const uint8_t *end, s_field_t *f)
{
    uint64_t tag, v;
    f->start = *p;
    if (!s_varint (p, end, &tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
        return false;
    f->tag_end = *p;
    f->wire = (int) (tag & 7);
    f->payload = NULL;
    f->len = 0;
    switch (f->wire) {
        case 0:
            if (!s_varint (p, end, &v))
                return false;
            break;
        case 1:
            if (end - *p < 8)
                return false;
            *p += 8;
            break;
        case 5:
            if (end - *p < 4)
                return false;
            *p += 4;
            break;
        case 2:
            if (!s_varint (p, end, &v) || v > (uint64_t) (end - *p))
                return false;
            f->payload = *p;
            f->len = (size_t) v;
            *p += v;
            break;
        default:
            return false;
    }
    f->end = *p;
    return true;
}

//  True if buf is one or more well-formed fields, end to end.
static bool
s_is_message (const uint8_t *buf, size_t len)
{
    const uint8_t *p = buf, *end = buf + len;
    s_field_t f;
    if (len == 0)
        return false;
    while (p < end)
        if (!s_next (&p, end, &f))
            return false;
    return true;
}

//  Length-delimited fields in buf's tree, nested ones included.
static size_t
s_count (const uint8_t *buf, size_t len, int depth)
{
    const uint8_t *p = buf, *end = buf + len;
    s_field_t f;
    size_t n = 0;
    while (p < end && s_next (&p, end, &f))
        if (f.wire == 2)
            n += 1 + (depth < S_DEPTH_MAX && s_is_message (f.payload, f.len)?
                      s_count (f.payload, f.len, depth + 1): 0);
    return n;
}

static bool
s_put (s_out_t *o, const void *p, size_t n)
{
    if (n > o->cap - o->used)
        return false;
    if (n)
        memcpy (o->data + o->used, p, n);
    o->used += n;
    return true;
}

static bool
s_put_varint (s_out_t *o, uint64_t v)
{
    uint8_t b [10];
    size_t n = 0;
    do {
        b [n] = (uint8_t) (v & 0x7f);
        v >>= 7;
        if (v)
            b [n] |= 0x80;
        n++;
    } while (v);
    return s_put (o, b, n);
}

//  Writes buf's fields to o, the target field's payload mutated and the
//  lengths around it rewritten.
static bool
s_rebuild (const uint8_t *buf, size_t len, int depth, s_walk_t *w, s_out_t *o)
{
    const uint8_t *p = buf, *end = buf + len;
    while (p < end) {
        s_field_t f;
        if (!s_next (&p, end, &f))
            return false;
        bool inside = false;
        if (!w->done && f.wire == 2) {
            size_t below = depth < S_DEPTH_MAX && s_is_message (f.payload, f.len)?
                           s_count (f.payload, f.len, depth + 1): 0;
            inside = w->target >= w->seen && w->target <= w->seen + below;
        }
        if (!inside) {
            if (f.wire == 2 && !w->done)
                w->seen += 1 + (depth < S_DEPTH_MAX && s_is_message (f.payload, f.len)?
                                s_count (f.payload, f.len, depth + 1): 0);
            if (!s_put (o, f.start, (size_t) (f.end - f.start)))
                return false;
            continue;
        }
        s_out_t sub = { malloc (f.len + w->slack + 1), f.len + w->slack, 0 };
        bool ok = sub.data != NULL;
        if (ok && w->target == w->seen) {
            memcpy (sub.data, f.payload, f.len);
            sub.used = LLVMFuzzerMutate (sub.data, f.len, sub.cap);
            w->done = true;
        }
        else
        if (ok) {
            w->seen++;
            ok = s_rebuild (f.payload, f.len, depth + 1, w, &sub);
        }
        ok = ok && s_put (o, f.start, (size_t) (f.tag_end - f.start))
                && s_put_varint (o, sub.used) && s_put (o, sub.data, sub.used);
        free (sub.data);
        if (!ok)
            return false;
    }
    return true;
}

static uint32_t
s_rand (uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

size_t
pbmut_mutate (uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    uint32_t state = seed? seed: 0x9e3779b9u;
    size_t n = s_is_message (data, size)? s_count (data, size, 0): 0;
    if (n == 0 || s_rand (&state) % S_WHOLE_ONE_IN == 0)
        return LLVMFuzzerMutate (data, size, max_size);
    s_walk_t w = { .target = s_rand (&state) % n,
                   .slack = max_size > size? max_size - size: 0 };
    s_out_t o = { malloc (max_size + 1), max_size, 0 };
    if (o.data && s_rebuild (data, size, 0, &w, &o) && w.done) {
        memcpy (data, o.data, o.used);
        free (o.data);
        return o.used;
    }
    free (o.data);
    return LLVMFuzzerMutate (data, size, max_size);
}
