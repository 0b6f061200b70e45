/*  codec.c -- protobuf-c adapter (see codec.h).

    Decoding is bounded twice: the frame by CODEC_FRAME_MAX here, and each
    socket by ZMQ_MAXMSGSIZE in node/.  protobuf-c's unpack is bounded by
    the buffer it is given, so a hostile frame costs at most a few times
    its own size in memory.  Version checks live here so no handler sees
    a message of a version it does not speak.
*/
#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "proto/text.h"

//  The worst case of LogEntry's own fields (codec.h), and room for one
//  entry in a replication frame.
_Static_assert (2 + 11 + 8 + 11 + 2 + 4 + 11 <= CODEC_ENTRY_OVERHEAD,
                "CODEC_ENTRY_OVERHEAD covers LogEntry's fields at their largest");
_Static_assert (CODEC_FRAME_MAX < (1 << 21),
                "an envelope's length fits the 3-byte varint counted in CODEC_ENTRY_OVERHEAD");
_Static_assert (2 * CODEC_ENTRY_MAX <= CODEC_REPL_MAX,
                "a replication frame holds at least one entry of CODEC_ENTRY_MAX");

//  protobuf-c allocates through a budget (README "Bounded resources"): the live
//  bytes of a decode (what malloc_usable_size says of each block, plus
//  CODEC_ALLOC_OVERHEAD for malloc's own header) never exceed
//  factor * size + slack; the allocation that would is refused, and the
//  frame with it (ERR_TOO_LARGE).  Scratch that protobuf-c frees (the
//  scanned-member slabs of each message) is given back, so the budget is
//  on the peak.  The memory is malloc's, so free_unpacked (NULL
//  allocator) releases the decoded message as before.
typedef struct {
    size_t used;                    //  live bytes charged
    size_t limit;                   //  the decode's budget
    bool over;                      //  an allocation was refused: over budget
    bool nomem;                     //  malloc failed
} s_budget_t;

static size_t
s_block_charge (void *p)
{
    return malloc_usable_size (p) + CODEC_ALLOC_OVERHEAD;
}

static void *
s_budget_alloc (void *data, size_t size)
{
    s_budget_t *b = (s_budget_t *) data;
    //  A single block is at most a frame (a bytes or string member).
    void *p = malloc (size? size: 1);
    if (!p) {
        b->nomem = true;
        return NULL;
    }
    size_t charge = s_block_charge (p);
    if (charge > b->limit - b->used) {
        free (p);
        b->over = true;
        return NULL;
    }
    b->used += charge;
    return p;
}

static void
s_budget_free (void *data, void *p)
{
    s_budget_t *b = (s_budget_t *) data;
    if (!p)
        return;
    size_t charge = s_block_charge (p);
    b->used -= charge < b->used? charge: b->used;
    free (p);
}

//  The budget of a decode of size bytes: factor * size + slack (size is
//  at most CODEC_REPL_MAX here, so this does not overflow).
static size_t
s_budget_limit (size_t size, size_t factor, size_t slack)
{
    return factor * size + slack;
}

size_t
codec_decode_budget (size_t size)
{
    return s_budget_limit (size, CODEC_DECODE_FACTOR, CODEC_DECODE_SLACK);
}

size_t
codec_event_budget (size_t size)
{
    return s_budget_limit (size, CODEC_EVENT_FACTOR, CODEC_EVENT_SLACK);
}

// ---------------------------------------------------------------------
//  The arena decode (codec_event_decode_arena, codec.h)
//
//  One arena per decode: a few malloc'd chunks, allocations bumped in
//  them (aligned for any type), nothing freed until the whole message is.
//  The budget is the same as the budgeted allocator's, charged per chunk
//  the same way (usable size plus CODEC_ALLOC_OVERHEAD); scratch protobuf-c
//  frees stays charged (the arena gives nothing back), so the live bytes
//  never exceed the budget.  The first chunk starts with the header, then
//  the message: protobuf_c_message_unpack allocates the top-level message
//  first (protobuf-c 1.4.1 and 1.5.x: `rv = do_alloc (allocator,
//  desc->sizeof_message)` before anything else), which the decode checks
//  anyway.  The message carries the header in base.unknown_fields with
//  n_unknown_fields 0 (protobuf-c allocates unknown_fields only when
//  there are some, and nothing reads the pointer without a count), and
//  the header sits exactly S_HEADER bytes before the message: a pointer
//  comparison, reading nothing, tells an arena message from one
//  protobuf-c or a caller malloc'd.  A frame whose top-level message has
//  unknown fields is decoded the usual way.
#define S_ALIGN         _Alignof (max_align_t)
#define S_ROUND(n)      (((n) + S_ALIGN - 1) & ~(size_t) (S_ALIGN - 1))
#define S_ARENA_FIRST(size) (S_HEADER + 3 * (size) + 1024)   //  the first chunk: a usual event fits
#define S_ARENA_MAGIC   0x6c69636172656e61ULL    //  "licarena"

typedef struct s_chunk_s s_chunk_t;
struct s_chunk_s {
    s_chunk_t *next;                //  the chunk allocated before this one
    size_t size;                    //  bytes of the chunk, this header included
};

typedef struct {
    uint64_t magic;                 //  S_ARENA_MAGIC
    s_chunk_t *chunks;              //  the chunks after the first, newest first
    size_t charge;                  //  every chunk's charge (codec_heap)
    size_t size;                    //  bytes of the first chunk, this header included
} s_header_t;

#define S_CHUNK         S_ROUND (sizeof (s_chunk_t))
#define S_HEADER        S_ROUND (sizeof (s_header_t))

typedef struct {
    s_header_t *header;             //  at the start of the first chunk, or NULL
    char *top, *end;                //  the chunk bump allocation fills
    size_t next;                    //  size of the next chunk
    size_t used, limit;             //  the budget, as s_budget_t
    bool over, nomem;
} s_arena_t;

#if defined (__SANITIZE_ADDRESS__)
#   include <sanitizer/asan_interface.h>
#   define S_POISON(p, n)   ASAN_POISON_MEMORY_REGION ((p), (n))
#   define S_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION ((p), (n))
#else
#   define S_POISON(p, n)   ((void) (p), (void) (n))
#   define S_UNPOISON(p, n) ((void) (p), (void) (n))
#endif

//  A chunk of size bytes within the budget, or NULL (over or nomem set).
static void *
s_arena_chunk (s_arena_t *a, size_t size)
{
    if (size + CODEC_ALLOC_OVERHEAD > a->limit - a->used) {
        a->over = true;
        return NULL;
    }
    void *p = malloc (size);
    if (!p) {
        a->nomem = true;
        return NULL;
    }
    size_t charge = s_block_charge (p);
    if (charge > a->limit - a->used) {
        free (p);
        a->over = true;
        return NULL;
    }
    a->used += charge;
    return p;
}

static void *
s_arena_grow (s_arena_t *a, size_t need)
{
    if (!a->header) {
        //  The first chunk: the header, then the message.
        size_t size = S_HEADER + need > a->next? S_HEADER + need: a->next;
        char *p = s_arena_chunk (a, size);
        if (!p)
            return NULL;
        a->header = (s_header_t *) p;
        *a->header = (s_header_t) { S_ARENA_MAGIC, NULL, 0, size };
        a->top = p + S_HEADER;
        a->end = p + size;
        S_POISON (a->top, size - S_HEADER);
    }
    else {
        //  A block of half a chunk or more has its own chunk; else a new
        //  chunk, twice the last, takes over.  Either at most what the
        //  budget has left.
        bool own = need >= a->next / 2;
        size_t size = S_CHUNK + (own? need: a->next);
        if (!own && size + CODEC_ALLOC_OVERHEAD > a->limit - a->used) {
            own = true;
            size = S_CHUNK + need;
        }
        s_chunk_t *c = s_arena_chunk (a, size);
        if (!c)
            return NULL;
        *c = (s_chunk_t) { a->header->chunks, size };
        a->header->chunks = c;
        char *p = (char *) c + S_CHUNK;
        S_POISON (p, size - S_CHUNK);
        if (own) {
            S_UNPOISON (p, need);
            return p;
        }
        a->top = p;
        a->end = (char *) c + size;
        if (a->next < CODEC_FRAME_MAX)
            a->next *= 2;
    }
    void *p = a->top;
    a->top += need;
    S_UNPOISON (p, need);
    return p;
}

static void *
s_arena_alloc (void *data, size_t size)
{
    s_arena_t *a = (s_arena_t *) data;
    if (size > a->limit) {          //  never fits, and S_ROUND cannot wrap
        a->over = true;
        return NULL;
    }
    size_t need = S_ROUND (size? size: 1);
    if (need <= (size_t) (a->end - a->top)) {
        void *p = a->top;
        a->top += need;
        S_UNPOISON (p, size);
        return p;
    }
    return s_arena_grow (a, need);
}

//  Scratch and the pieces of a failed decode stay until the arena goes.
static void
s_arena_free (void *data, void *p)
{
    (void) data;
    (void) p;
}

static void
s_arena_release (s_header_t *h)
{
    s_chunk_t *c = h->chunks;
    while (c) {
        s_chunk_t *next = c->next;
        S_UNPOISON (c, c->size);
        free (c);
        c = next;
    }
    S_UNPOISON (h, h->size);
    h->magic = 0;
    free (h);
}

//  The arena m heads, or NULL when m is not an arena message.
static s_header_t *
s_arena_of (const ProtobufCMessage *m)
{
    if (m->n_unknown_fields != 0 || !m->unknown_fields
    ||  (const char *) m->unknown_fields + S_HEADER != (const char *) m)
        return NULL;
    s_header_t *h = (s_header_t *) m->unknown_fields;
    if (h->magic != S_ARENA_MAGIC)
        abort ();                   //  a header we did not write: memory is corrupt
    return h;
}

//  What every codec_*_free does: an arena message goes with its arena.
static void
s_message_free (ProtobufCMessage *m)
{
    s_header_t *h = s_arena_of (m);
    if (h)
        s_arena_release (h);
    else
        protobuf_c_message_free_unpacked (m, NULL);
}

#define CODEC_DEFINE(name, T, prefix, versioned) \
    CODEC_DEFINE_MAX (name, T, prefix, versioned, CODEC_FRAME_MAX, 0)
#define CODEC_DEFINE_STRICT(name, T, prefix, versioned, limit) \
    CODEC_DEFINE_MAX (name, T, prefix, versioned, limit, 1)
#define CODEC_DEFINE_MAX(name, T, prefix, versioned, limit, strict) \
    CODEC_DEFINE_BUDGET (name, T, prefix, versioned, limit, strict, codec_decode_budget)
#define CODEC_DEFINE_BUDGET(name, T, prefix, versioned, limit, strict, budget_of) \
int \
codec_##name##_decode (const uint8_t *buf, size_t size, T **out) \
{ \
    if (size > (limit)) \
        return ERR_TOO_LARGE; \
    s_budget_t budget = { 0, budget_of (size), false, false }; \
    ProtobufCAllocator allocator = { s_budget_alloc, s_budget_free, &budget }; \
    T *m = prefix##__unpack (&allocator, size, buf); \
    if (!m) \
        return budget.nomem? ERR_NOMEM: budget.over? ERR_TOO_LARGE: ERR_MALFORMED; \
    if (strict && codec_known_fields (&m->base, NULL, 0) != ERR_OK) { \
        prefix##__free_unpacked (m, NULL); \
        return ERR_MALFORMED; \
    } \
    if (versioned && s_version_of (m) != CODEC_VERSION) { \
        /*  No version at all (an empty or foreign frame) is malformed;  */ \
        /*  another version is a version this node does not speak.      */ \
        int rc = s_version_of (m) == 0? ERR_MALFORMED: ERR_VERSION; \
        prefix##__free_unpacked (m, NULL); \
        return rc; \
    } \
    *out = m; \
    return ERR_OK; \
} \
int \
codec_##name##_encode (const T *msg, uint8_t **buf, size_t *size) \
{ \
    size_t n = prefix##__get_packed_size (msg); \
    uint8_t *b = malloc (n? n: 1); \
    if (!b) \
        return ERR_NOMEM; \
    prefix##__pack (msg, b); \
    *buf = b; \
    *size = n; \
    return ERR_OK; \
} \
void \
codec_##name##_free (T **msg_p) \
{ \
    if (msg_p && *msg_p) { \
        s_message_free (&(*msg_p)->base); \
        *msg_p = NULL; \
    } \
}

//  Every versioned message has `version` as field 1.
#define s_version_of(m) ((m)->version)
#define s_no_version(m) (CODEC_VERSION)

CODEC_DEFINE (request, Lic__Request, lic__request, 1)
CODEC_DEFINE_MAX (reply, Lic__Reply, lic__reply, 1, CODEC_REPLY_MAX, 0)
CODEC_DEFINE_BUDGET (event, Lic__Event, lic__event, 0, CODEC_FRAME_MAX, 0, codec_event_budget)
CODEC_DEFINE_STRICT (registration, Lic__Registration, lic__registration, 1, CODEC_FRAME_MAX)
CODEC_DEFINE_STRICT (entry, Lic__LogEntry, lic__log_entry, 1, CODEC_ENTRY_MAX)
CODEC_DEFINE_MAX (repl, Lic__Repl, lic__repl, 1, CODEC_REPL_MAX, 0)
CODEC_DEFINE_STRICT (node_record, Lic__NodeRecord, lic__node_record, 1, CODEC_FRAME_MAX)
CODEC_DEFINE_STRICT (app_body_registration, Lic__AppBodyRegistration, lic__app_body_registration, 1,
                     CODEC_FRAME_MAX)
CODEC_DEFINE_STRICT (audit_record, Lic__AuditRecord, lic__audit_record, 1, CODEC_FRAME_MAX)
CODEC_DEFINE_STRICT (node_summary, Lic__NodeSummary, lic__node_summary, 1, CODEC_FRAME_MAX)
CODEC_DEFINE (copy_content, Lic__CopyContent, lic__copy_content, 1)
CODEC_DEFINE (copy_statement, Lic__CopyStatement, lic__copy_statement, 1)
CODEC_DEFINE (license_copy, Lic__LicenseCopy, lic__license_copy, 1)
#undef s_version_of
#define s_version_of(m) CODEC_VERSION
CODEC_DEFINE (envelope, Lic__Envelope, lic__envelope, 0)
CODEC_DEFINE (state, Lic__LicenseState, lic__license_state, 0)
CODEC_DEFINE (department, Lic__Department, lic__department, 0)
CODEC_DEFINE_STRICT (license_type, Lic__LicenseType, lic__license_type, 0, CODEC_FRAME_MAX)
CODEC_DEFINE_STRICT (quarantine_decision, Lic__QuarantineDecision, lic__quarantine_decision, 0,
                     CODEC_ENTRY_MAX)

int
codec_event_decode_arena (const uint8_t *buf, size_t size, Lic__Event **out)
{
    if (size > CODEC_FRAME_MAX)
        return ERR_TOO_LARGE;
    size_t limit = codec_event_budget (size);
    size_t first = S_ARENA_FIRST (size) < limit / 2? S_ARENA_FIRST (size): limit / 2;
    s_arena_t a = { NULL, NULL, NULL, first, 0, limit, false, false };
    ProtobufCAllocator allocator = { s_arena_alloc, s_arena_free, &a };
    Lic__Event *m = lic__event__unpack (&allocator, size, buf);
    if (m && a.header && (char *) m == (char *) a.header + S_HEADER
    &&  m->base.n_unknown_fields == 0) {
        a.header->charge = a.used;
        S_POISON (a.top, (size_t) (a.end - a.top));
        m->base.unknown_fields = (ProtobufCMessageUnknownField *) a.header;
        *out = m;
        return ERR_OK;
    }
    if (a.header)
        s_arena_release (a.header);
    if (!m)
        return a.nomem? ERR_NOMEM: a.over? ERR_TOO_LARGE: ERR_MALFORMED;
    //  Unknown fields at the top (or a protobuf-c that placed the message
    //  elsewhere): the usual decode, malloc'd.
    return codec_event_decode (buf, size, out);
}

void codec_request_init (Lic__Request *m) { lic__request__init (m); m->version = CODEC_VERSION; }
void codec_reply_init (Lic__Reply *m) { lic__reply__init (m); m->version = CODEC_VERSION; }
void codec_event_init (Lic__Event *m) { lic__event__init (m); m->version = CODEC_VERSION; }
void codec_envelope_init (Lic__Envelope *m) { lic__envelope__init (m); }
void codec_registration_init (Lic__Registration *m) { lic__registration__init (m); m->version = CODEC_VERSION; }
void codec_entry_init (Lic__LogEntry *m) { lic__log_entry__init (m); m->version = CODEC_VERSION; }
void codec_state_init (Lic__LicenseState *m) { lic__license_state__init (m); }
void codec_department_init (Lic__Department *m) { lic__department__init (m); }
void codec_repl_init (Lic__Repl *m) { lic__repl__init (m); m->version = CODEC_VERSION; }
void codec_node_record_init (Lic__NodeRecord *m) { lic__node_record__init (m); m->version = CODEC_VERSION; }
void codec_node_summary_init (Lic__NodeSummary *m) { lic__node_summary__init (m); m->version = CODEC_VERSION; }
void codec_license_type_init (Lic__LicenseType *m) { lic__license_type__init (m); }
void codec_content_init (Lic__LicenseContent *m) { lic__license_content__init (m); }
void codec_holder_init (Lic__Holder *m) { lic__holder__init (m); }
void codec_item_init (Lic__DataItem *m) { lic__data_item__init (m); }
void codec_app_body_registration_init (Lic__AppBodyRegistration *m) { lic__app_body_registration__init (m); m->version = CODEC_VERSION; }
void codec_audit_record_init (Lic__AuditRecord *m) { lic__audit_record__init (m); m->version = CODEC_VERSION; }
void codec_copy_content_init (Lic__CopyContent *m) { lic__copy_content__init (m); m->version = CODEC_VERSION; }
void codec_copy_statement_init (Lic__CopyStatement *m) { lic__copy_statement__init (m); m->version = CODEC_VERSION; }
void codec_license_copy_init (Lic__LicenseCopy *m) { lic__license_copy__init (m); m->version = CODEC_VERSION; }

int
codec_set_string (char **field, const char *value)
{
    char *copy = strdup (value? value: "");
    if (!copy)
        return ERR_NOMEM;
    if (*field && *field != protobuf_c_empty_string)
        free (*field);
    *field = copy;
    return ERR_OK;
}

size_t
codec_reply_size (const Lic__Reply *reply)
{
    return lic__reply__get_packed_size (reply);
}

size_t
codec_record_size (const Lic__LicenseRecord *rec)
{
    return lic__license_record__get_packed_size (rec);
}

//  A base-128 varint at buf [*at], at most 10 bytes inside size: 1, or
//  0 if it runs past the end or is longer.
static int
s_varint (const uint8_t *buf, size_t size, size_t *at, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70 && *at < size; shift += 7) {
        uint8_t b = buf [(*at)++];
        v |= (uint64_t) (b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

uint64_t
codec_request_id (const uint8_t *buf, size_t size)
{
    //  Protobuf wire format: key = field << 3 | wire type, then a varint
    //  (0), 8 bytes (1), a length and that many bytes (2), or 4 bytes (5).
    uint64_t id = 0, key, v;
    size_t at = 0;
    if (size > CODEC_FRAME_MAX)
        return 0;
    while (at < size) {
        if (!s_varint (buf, size, &at, &key) || key >> 3 == 0)
            return 0;
        switch (key & 7) {
            case 0:
                if (!s_varint (buf, size, &at, &v))
                    return 0;
                if (key >> 3 == 2)
                    id = v;         //  Request.id; the last one counts, as in protobuf
                break;
            case 1:
                if (size - at < 8)
                    return 0;
                at += 8;
                break;
            case 2:
                if (!s_varint (buf, size, &at, &v) || v > size - at)
                    return 0;
                at += (size_t) v;
                break;
            case 5:
                if (size - at < 4)
                    return 0;
                at += 4;
                break;
            default:
                return 0;
        }
    }
    return id;
}

//  Path of the message being walked, for the explanation: a chain of
//  frames on the walk's stack, written out (s_path_text) only when a
//  check fails, so a walk that finds nothing formats nothing.
#define S_PATH_MAX 160

typedef struct s_path {
    const struct s_path *up;        //  the message holding this one; NULL at the top
    const char *name;               //  the top message's name, or the field's
    size_t index;                   //  position in a repeated field, SIZE_MAX if singular
} s_path_t;

//  Writes "Top.field[2].sub" into out; returns out.
static const char *
s_path_text (const s_path_t *p, char *out, size_t size)
{
    if (!p->up)
        snprintf (out, size, "%s", p->name);
    else {
        s_path_text (p->up, out, size);
        size_t len = strlen (out);
        if (p->index == SIZE_MAX)
            snprintf (out + len, size - len, ".%s", p->name);
        else
            snprintf (out + len, size - len, ".%s[%zu]", p->name, p->index);
    }
    return out;
}

//  The members field f of the message at base holds: a repeated field's
//  count and array; for a singular one, 1 and the field's own storage,
//  or 0 if it is a member of a oneof that the case does not name (it
//  shares its storage with the others: only the one the case names is
//  there).  Both walks below read fields through this alone.
static inline size_t
s_members (const ProtobufCFieldDescriptor *f, const char *base, void *const **items)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        *items = *(void *const *const *) (base + f->offset);
        return *items? *(const size_t *) (base + f->quantifier_offset): 0;
    }
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
    &&  *(const uint32_t *) (base + f->quantifier_offset) != f->id)
        return 0;
    *items = (void *const *) (base + f->offset);
    return 1;
}

//  What a walk of a message does at each message it holds; a non-zero
//  return stops the walk.
typedef int (s_visit_fn) (const ProtobufCMessage *m, const s_path_t *path,
                          char *why, size_t why_size);

//  Walks m and every message inside it (the members of a oneof only
//  when set), depth first in field order.
static int
s_walk (const ProtobufCMessage *m, const s_path_t *path, s_visit_fn *visit,
        char *why, size_t why_size)
{
    if (!m)
        return ERR_OK;
    int rc = visit (m, path, why, why_size);
    if (rc != ERR_OK)
        return rc;
    //  licrepo.proto has no recursive message, so the walk is as deep as
    //  the schema and no deeper.
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields [i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        void *const *items;
        size_t n = s_members (f, (const char *) m, &items);
        s_path_t sub = { path, f->name, SIZE_MAX };
        for (size_t j = 0; j < n; j++) {
            if (f->label == PROTOBUF_C_LABEL_REPEATED)
                sub.index = j;
            rc = s_walk ((const ProtobufCMessage *) items [j], &sub, visit, why, why_size);
            if (rc != ERR_OK)
                return rc;
        }
    }
    return ERR_OK;
}

static int
s_no_unknown_field (const ProtobufCMessage *m, const s_path_t *path, char *why, size_t why_size)
{
    if (m->n_unknown_fields > 0) {
        char at [S_PATH_MAX];
        err_why (why, why_size, "%s carries unknown field %u: signed and stored messages carry "
                 "only the fields of licrepo.proto", s_path_text (path, at, sizeof at),
                 (unsigned) m->unknown_fields [0].tag);
        return ERR_MALFORMED;
    }
    return ERR_OK;
}

int
codec_known_fields (const ProtobufCMessage *m, char *why, size_t why_size)
{
    s_path_t top = { NULL, m? m->descriptor->short_name: "", SIZE_MAX };
    return m? s_walk (m, &top, s_no_unknown_field, why, why_size): ERR_OK;
}

//  Why the string in field (index in a repeated one, else SIZE_MAX) of
//  the message at path broke the text rule (text_check's rc).  The
//  explanation names the field, never its value: it may be personal
//  data, and it is not text.  Out of line: the walk stays small.
static int __attribute__ ((noinline, cold))
s_not_text (int rc, const s_path_t *path, const char *field, size_t index, size_t max_bytes,
            char *why, size_t why_size)
{
    s_path_t here = { path, field, index };
    char at [S_PATH_MAX];
    s_path_text (&here, at, sizeof at);
    if (rc == ERR_TOO_LARGE)
        err_why (why, why_size, "%s is longer than %zu bytes", at, max_bytes);
    else
        err_why (why, why_size, "%s is not UTF-8 text (RFC 3629, no control characters "
                 "but tab, line feed and carriage return)", at);
    return rc;
}

//  text_check without the call for NULL and "" (text of 0 bytes
//  whatever the bound): the value of every unset string field.  With
//  over (codec_check_text_over), a string longer than max_bytes is
//  noted there and judged as text whatever its length: the one call
//  stays the common path, the second is made only for such a string.
static inline int
s_text (const char *s, size_t max_bytes, bool *over)
{
    if (!s || !*s)
        return ERR_OK;
    int rc = text_check (s, max_bytes, NULL);
    if (rc == ERR_TOO_LARGE && over) {
        *over = true;
        rc = text_check (s, SIZE_MAX, NULL);
    }
    return rc;
}

//  The text rule (text.h) on every string of m and of every message
//  inside it, in s_walk's order.  It runs on every event, at every
//  level and on replication, so it is a walk of its own rather than a
//  visitor of s_walk: the rule is called directly, an empty string (the
//  default of an unset field) costs no call, and a path frame is made
//  only for a message it descends into.
static int
s_walk_text (const ProtobufCMessage *m, const s_path_t *path, size_t max_bytes,
             bool *over, char *why, size_t why_size)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields [i];
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        void *const *items;
        size_t n = s_members (f, (const char *) m, &items);
        bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            //  (A singular string apart: most are, and the loop costs
            //  them more than the check of a short value.)
            size_t j = 0;
            int rc = ERR_OK;
            if (!repeated)
                rc = n? s_text ((const char *) items [0], max_bytes, over): ERR_OK;
            else
                for (; j < n && rc == ERR_OK; j++)
                    rc = s_text ((const char *) items [j], max_bytes, over);
            if (rc != ERR_OK)
                return s_not_text (rc, path, f->name, repeated? j - 1: SIZE_MAX, max_bytes,
                                   why, why_size);
            continue;
        }
        for (size_t j = 0; j < n; j++) {
            if (!items [j])
                continue;
            s_path_t sub = { path, f->name, repeated? j: SIZE_MAX };
            int rc = s_walk_text ((const ProtobufCMessage *) items [j], &sub, max_bytes,
                                  over, why, why_size);
            if (rc != ERR_OK)
                return rc;
        }
    }
    return ERR_OK;
}

int
codec_check_text (const ProtobufCMessage *m, size_t max_bytes, char *why, size_t why_size)
{
    s_path_t top = { NULL, m? m->descriptor->short_name: "", SIZE_MAX };
    return m? s_walk_text (m, &top, max_bytes, NULL, why, why_size): ERR_OK;
}

int
codec_check_text_over (const ProtobufCMessage *m, size_t max_bytes, bool *over,
                       char *why, size_t why_size)
{
    s_path_t top = { NULL, m? m->descriptor->short_name: "", SIZE_MAX };
    return m? s_walk_text (m, &top, max_bytes, over, why, why_size): ERR_OK;
}

//  Bytes one element of a repeated field of type t takes in its array.
static size_t
s_element_size (ProtobufCType t)
{
    switch (t) {
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
            return 8;
        case PROTOBUF_C_TYPE_BOOL:
            return sizeof (protobuf_c_boolean);
        case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
            return sizeof (void *);
        case PROTOBUF_C_TYPE_BYTES:
            return sizeof (ProtobufCBinaryData);
        default:
            return 4;
    }
}

static size_t
s_string_heap (const char *s, const ProtobufCFieldDescriptor *f)
{
    if (!s || s == (const char *) f->default_value || s == protobuf_c_empty_string)
        return 0;
    return strlen (s) + 1 + CODEC_ALLOC_OVERHEAD;
}

size_t
codec_heap (const ProtobufCMessage *m)
{
    if (!m)
        return 0;
    const s_header_t *h = s_arena_of (m);
    if (h)
        return h->charge;           //  the arena's chunks, as the budget charged them
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *) m;
    size_t n = d->sizeof_message + CODEC_ALLOC_OVERHEAD;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields [i];
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        &&  *(const uint32_t *) (base + f->quantifier_offset) != f->id)
            continue;
        const void *at = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *) (base + f->quantifier_offset);
            const void *array = *(const void *const *) at;
            if (!array || count == 0)
                continue;
            n += count * s_element_size (f->type) + CODEC_ALLOC_OVERHEAD;
            for (size_t j = 0; j < count; j++)
                if (f->type == PROTOBUF_C_TYPE_STRING)
                    n += s_string_heap (((const char *const *) array) [j], f);
                else
                if (f->type == PROTOBUF_C_TYPE_BYTES)
                    n += ((const ProtobufCBinaryData *) array) [j].data?
                         ((const ProtobufCBinaryData *) array) [j].len + CODEC_ALLOC_OVERHEAD: 0;
                else
                if (f->type == PROTOBUF_C_TYPE_MESSAGE)
                    n += codec_heap (((const ProtobufCMessage *const *) array) [j]);
        }
        else
        if (f->type == PROTOBUF_C_TYPE_STRING)
            n += s_string_heap (*(const char *const *) at, f);
        else
        if (f->type == PROTOBUF_C_TYPE_BYTES) {
            const ProtobufCBinaryData *bd = (const ProtobufCBinaryData *) at;
            const ProtobufCBinaryData *def = (const ProtobufCBinaryData *) f->default_value;
            if (bd->data && (!def || bd->data != def->data))
                n += bd->len + CODEC_ALLOC_OVERHEAD;
        }
        else
        if (f->type == PROTOBUF_C_TYPE_MESSAGE)
            n += codec_heap (*(const ProtobufCMessage *const *) at);
    }
    if (m->n_unknown_fields)
        n += m->n_unknown_fields * sizeof *m->unknown_fields + CODEC_ALLOC_OVERHEAD;
    for (size_t i = 0; i < m->n_unknown_fields; i++)
        n += m->unknown_fields [i].len + CODEC_ALLOC_OVERHEAD;
    return n;
}

int
codec_body_text (const ProtobufCMessageDescriptor *d, const ProtobufCBinaryData *body,
                 char *why, size_t why_size)
{
    if (body->len > CODEC_ENTRY_MAX)
        return ERR_TOO_LARGE;
    s_budget_t budget = { 0, codec_decode_budget (body->len), false, false };
    ProtobufCAllocator allocator = { s_budget_alloc, s_budget_free, &budget };
    ProtobufCMessage *m = protobuf_c_message_unpack (d, &allocator, body->len, body->data);
    if (!m) {
        err_why (why, why_size, "the %s body does not unpack", d->short_name);
        return budget.nomem? ERR_NOMEM: budget.over? ERR_TOO_LARGE: ERR_MALFORMED;
    }
    int rc = codec_check_text (m, CODEC_FRAME_MAX, why, why_size);
    protobuf_c_message_free_unpacked (m, NULL);
    return rc;
}

int
codec_envelope_fits (const Lic__Envelope *env, char *why, size_t why_size)
{
    size_t size = lic__envelope__get_packed_size (env);
    if (size > CODEC_ENTRY_MAX - CODEC_ENTRY_OVERHEAD) {
        err_why (why, why_size, "the envelope is %zu bytes: its log entry would not fit the "
                 "%d-byte entry limit every level reads with (envelopes of at most %d bytes)",
                 size, CODEC_ENTRY_MAX, CODEC_ENTRY_MAX - CODEC_ENTRY_OVERHEAD);
        return ERR_TOO_LARGE;
    }
    return ERR_OK;
}

void
codec_put_varint (uint8_t *buf, size_t *at, uint64_t v)
{
    while (v >= 0x80) {
        buf [(*at)++] = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    buf [(*at)++] = (uint8_t) v;
}

//  The tag of a field of a message, by its name in licrepo.proto, with
//  wire type wire (0 varint, 2 length-delimited).
static uint64_t
s_tag (const ProtobufCMessageDescriptor *d, const char *name, unsigned wire)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name (d, name);
    if (!f)
        abort ();                       //  licrepo.proto has no such field: a build error
    return (uint64_t) f->id << 3 | wire;
}

int
codec_batch_add (const Lic__Envelope *env, uint8_t *items, size_t *len, size_t cap)
{
    size_t size = lic__envelope__get_packed_size (env);
    uint8_t head [20];
    size_t at = 0;
    codec_put_varint (head, &at, s_tag (&lic__publish_batch__descriptor, "events", 2));
    codec_put_varint (head, &at, size);
    if (*len > cap || at + size > cap - *len)
        return ERR_TOO_LARGE;
    memcpy (items + *len, head, at);
    lic__envelope__pack (env, items + *len + at);
    *len += at + size;
    return ERR_OK;
}

size_t
codec_batch_head (uint64_t id, size_t len, uint8_t head [CODEC_BATCH_HEAD_MAX])
{
    //  Fields in number order, as protobuf-c packs them: version (1), id
    //  (2), publish_batch (27).
    size_t at = 0;
    codec_put_varint (head, &at, s_tag (&lic__request__descriptor, "version", 0));
    codec_put_varint (head, &at, CODEC_VERSION);
    codec_put_varint (head, &at, s_tag (&lic__request__descriptor, "id", 0));
    codec_put_varint (head, &at, id);
    codec_put_varint (head, &at, s_tag (&lic__request__descriptor, "publish_batch", 2));
    codec_put_varint (head, &at, len);
    return at;
}

int
codec_entry_leaf (const Lic__LogEntry *entry, uint8_t **leaf, size_t *len)
{
    *leaf = NULL;
    *len = 0;
    if (!entry->envelope || entry->envelope->n_disclosures == 0)
        return ERR_OK;
    //  A shallow copy of the entry and its envelope, without disclosures.
    Lic__Envelope env = *entry->envelope;
    env.n_disclosures = 0;
    env.disclosures = NULL;
    Lic__LogEntry e = *entry;
    e.envelope = &env;
    return codec_entry_encode (&e, leaf, len);
}
