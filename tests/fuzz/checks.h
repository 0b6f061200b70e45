/*  checks.h -- what a node (or licctl) does with a decoded frame or
    entry before it trusts it, for the harnesses of the protobuf
    decoders: the pure checks of proto/ (codec_known_fields, evcheck,
    disclose, catalogue, lifecycle, authority) and the JSON views licctl
    prints of what a node sent.  No signature is verified here: the
    harnesses reach the checks behind signatures without forging any.

    Properties asserted (FUZZ_CHECK): what decodes re-encodes to bytes
    that decode to the same message (encode, decode, encode is stable);
    every JSON view of a decoded message can be made and dumped; an
    event that passes evcheck has a license id that fits licid_t.
*/
#ifndef LICREPO_FUZZ_CHECKS_H
#define LICREPO_FUZZ_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "tests/fuzz/fuzz.h"
#include "proto/msg.h"

//  Encode, decode, encode: the same bytes.  Decoding what we encode may
//  still fail on size (a value packed longer than it came, near a
//  limit), and for a message with unknown fields: protobuf-c takes field
//  number 0 in a tag written in more bytes than needed, keeps it as an
//  unknown field, writes it back in one byte and then refuses it.  (No
//  harm: codec_known_fields refuses unknown fields wherever they would
//  be signed or stored.)
#define CHECKS_ROUND_TRIP(name, T, m) \
    do { \
        uint8_t *b1_ = NULL, *b2_ = NULL; \
        size_t n1_ = 0, n2_ = 0; \
        T *m2_ = NULL; \
        FUZZ_CHECK (codec_##name##_encode ((m), &b1_, &n1_) == ERR_OK); \
        int rc_ = codec_##name##_decode (b1_, n1_, &m2_); \
        bool ok_ = rc_ == ERR_OK || rc_ == ERR_TOO_LARGE \
                || (rc_ == ERR_MALFORMED \
                    && codec_known_fields (&(m)->base, NULL, 0) != ERR_OK); \
        if (!ok_) \
            fprintf (stderr, "%s re-encoded does not decode: %s\n", #name, err_str (rc_)); \
        FUZZ_CHECK (ok_); \
        if (rc_ == ERR_OK) { \
            FUZZ_CHECK (codec_##name##_encode (m2_, &b2_, &n2_) == ERR_OK); \
            FUZZ_CHECK (n1_ == n2_ && memcmp (b1_, b2_, n1_) == 0); \
        } \
        codec_##name##_free (&m2_); \
        free (b1_); \
        free (b2_); \
    } while (0)

//  The license type the harnesses check contents against: one item of
//  each kind and of each sensitivity (FUZZ_TYPE_CODE, items capital,
//  count, day, flag, kind, name, owner (personal), pin (secret), revenue
//  (commercial)).  Borrowed, static; aborts if it does not parse.
const Lic__LicenseType *
    checks_type (void);

//  Its JSON text (for the seed generator).
const char *
    checks_type_json (void);

//  An envelope whose body should be an Event: decode, evcheck_envelope,
//  disclosures (need_values: at the node the department sends it to),
//  the type's standard, the first lifecycle step, the JSON view.
void
    checks_event_envelope (const Lic__Envelope *env, bool need_values);

//  Stored or replicated LogEntry bytes, as a parent takes them from
//  child `child`: strict decode, round trip, authority of the origin,
//  the body's checks by entry kind, the JSON view licctl log prints.
void
    checks_entry (const uint8_t *buf, size_t len, const char *child);

//  A signed NodeRecord as a chain carries it (Welcome, Heartbeat, an
//  archived copy): envelope, strict decode, authority_node_record.
void
    checks_chain_record (const uint8_t *buf, size_t len, const char *parent);

//  A JSON view: dumps it (so every string goes through the encoder),
//  then releases it.  Asserts view is not NULL (only out of memory may
//  make one NULL).
void
    checks_json (void *view);

#endif
