/*  entrykind.h -- the kinds of log entry, one row each (pure: no I/O).

    A log entry's envelope signs a body whose message the entry's kind
    names (licrepo.proto EntryKind; proto/FORMAT.md "log").  Every reader
    that must tell the kinds apart -- the views' apply and replay
    (node/store/views.c), the parent's apply of a child's batch
    (node/pipeline/replica.c), `licnode check`, the JSON of `licctl log`
    -- takes what differs from the row of the kind here (and `licctl
    log` and `verify-proof` its one-line summary, the parent's apply the
    text check of its strings), and keeps what
    only it does (the views' apply of a body, its JSON) in a table of its
    own indexed by the same kinds.

    A body is decoded with the row's decode (codec_M_decode: bounded,
    strict for the node-signed bodies) into an opaque pointer freed with
    the row's free.
*/
#ifndef LICREPO_ENTRYKIND_H
#define LICREPO_ENTRYKIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/err.h"
#include "proto/msg.h"

//  Who signs an entry's body.
typedef enum {
    ENTRYKIND_SIGNER_DEPARTMENT,    //  a department registered at the origin (an event)
    ENTRYKIND_SIGNER_NODE           //  the origin node itself, with its node key
} entrykind_signer_t;

typedef struct {
    Lic__EntryKind kind;
    const char *name;               //  "event", "registration", "node", "catalogue",
                                    //  "app_body", "audit", "decision" (licctl log --json "kind")
    const char *title;              //  "event", "registration", "node record",
                                    //  "catalogue", "application body", "audit" (messages)
    entrykind_signer_t signer;
    bool dedup;                     //  one signed body once in a log (a replay is
                                    //  found by views_find_duplicate)
    //  Decodes a body of this kind: codec_M_decode's result; *body set
    //  only on ERR_OK.
    int (*decode) (const uint8_t *buf, size_t size, void **body);
    //  Encodes a body of this kind (codec_M_encode): ERR_OK with *buf
    //  malloc'd, or ERR_NOMEM.
    int (*encode) (const void *body, uint8_t **buf, size_t *len);
    //  Frees a decoded body; accepts NULL, nulls the pointer.
    void (*free) (void **body_p);
    //  True if a decoded body has the parts an apply needs (a
    //  registration its department, an application body registration
    //  its body); a body that lacks them is ERR_MALFORMED to the views.
    bool (*complete) (const void *body);
    //  The division a decoded body names -- where a registration,
    //  catalogue entry or audit record was made, the division a node
    //  record gives a key to -- or NULL (an event names none: its origin
    //  is the entry's).
    const char *(*division) (const void *body);
    //  The body's message, whose strings entrykind_text checks as UTF-8
    //  text, or NULL: an event's are evcheck's (a row that leaves the
    //  columns below out gets NULL).
    const ProtobufCMessageDescriptor *text;
    //  One line about a decoded, complete body, into out (NUL-terminated,
    //  cut at size): what `licctl log` and `licctl verify-proof` print.
    void (*summary) (const void *body, char *out, size_t size);
} entrykind_t;

#define ENTRYKIND_COUNT 7           //  kinds with a row: every EntryKind but ENTRY_NONE

//  The row of kind, or NULL for ENTRY_NONE and a kind licrepo.proto does
//  not name.
const entrykind_t *
    entrykind_of (int kind);

//  Row i of the table (0 <= i < ENTRYKIND_COUNT), in EntryKind order.
const entrykind_t *
    entrykind_at (size_t i);

//  The strings of a node-signed entry's body are UTF-8 text as at the
//  door of the node that made it (proto/text.h, codec_check_text); an
//  event's are evcheck's, and a kind without a row is not checked here.
//  ERR_OK, ERR_BAD_FIELD (why names the field), ERR_MALFORMED (the body
//  does not unpack), ERR_TOO_LARGE, ERR_NOMEM.
int MUST_CHECK
    entrykind_text (const Lic__LogEntry *e, char *why, size_t why_size);

//  One line about an entry's body, into out: its row's summary when the
//  body decodes with the row's decode and is complete (true); else what
//  it should have been, "a registration entry whose body does not decode
//  as one" (false).
bool
    entrykind_summary (const Lic__LogEntry *e, char *out, size_t size);

#endif
