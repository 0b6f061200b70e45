/*  err.h -- error codes shared by every layer and carried on the wire.

    The numeric values are part of the protocol (Reply.code) and are
    documented in proto/README.md; never renumber, only append.
    Codes below 100 are caused from outside (bad input from a peer):
    handled where detected, never fatal.  Codes from 100 are local
    failures, returned unchanged to the owning actor.
*/
#ifndef LICREPO_ERR_H
#define LICREPO_ERR_H

#include <stddef.h>

#define MUST_CHECK __attribute__ ((warn_unused_result))

typedef enum {
    ERR_OK = 0,
    ERR_MALFORMED = 1,          //  frame does not decode, or a field is missing
    ERR_TOO_LARGE = 2,          //  frame or field over its limit
    ERR_VERSION = 3,            //  protocol version not spoken
    ERR_UNKNOWN_KEY = 4,        //  signer key not registered
    ERR_KEY_REVOKED = 5,        //  signer key revoked
    ERR_BAD_SIGNATURE = 6,      //  Ed25519 signature does not verify
    ERR_TYPE_NOT_ALLOWED = 7,   //  department may not issue this license type
    ERR_BAD_LICENSE_ID = 8,     //  license id malformed or wrong check char
    ERR_BAD_CREDIT_CODE = 9,    //  unified social credit code malformed
    ERR_ILLEGAL_OP = 10,        //  operation not legal in the license's status
    ERR_VERSION_MISMATCH = 11,  //  expected_version differs from the license's
    ERR_NOT_FOUND = 12,         //  no such license / entry
    ERR_EXISTS = 13,            //  license already issued
    ERR_FORBIDDEN = 14,         //  caller's key may not make this request
    ERR_BAD_FIELD = 15,         //  a field is invalid (date, holder, division...)
    ERR_ISSUER_MISMATCH = 16,   //  issuer code differs from the signer's department
    ERR_BUSY = 17,              //  node overloaded, retry later
    ERR_GAP = 18,               //  replication: sequence gap
    ERR_DIVERGED = 19,          //  replication: history differs from ours
    ERR_CATALOGUE = 20,         //  license breaks its type's data-item standard
    ERR_UNKNOWN_TYPE = 21,      //  license type not in the catalogue, or its version withdrawn
    ERR_OUT_OF_SCOPE = 22,      //  license type outside the application body's business
    ERR_MATTER = 23,            //  matter (service item) outside the application body's scope
    ERR_NO_HOLDER = 24,         //  query names no holder (regulation Art. 13)
    ERR_MISSING_FIELD = 25,     //  query lacks matter, staff, case or purpose
    ERR_DISCLOSURE = 26,        //  sensitive item sent in clear, or its value does not match its digest
    ERR_EXPIRED = 27,           //  archived copy past its expiry
    ERR_NODE_KEY_REVOKED = 28,  //  statement signed by a node key its parent revoked, after the stated point
    ERR_NO_FILE = 29,           //  the event names a file (content.file_digest) the node does not hold
    ERR_FILE_DIGEST = 30,       //  a file's bytes do not hash to the SHA-256 digest named
    ERR_FILE_BUDGET = 31,       //  a department's files that no event names would go over its budget
    ERR_IO = 100,               //  storage failure
    ERR_NOMEM = 101,
    ERR_CORRUPT = 102,          //  stored data does not decode
    ERR_CLOSED = 103,           //  shutting down
    ERR_NOSPACE = 104,          //  disk full
    ERR_INTERNAL = 105
} err_t;

//  Writes a printf-formatted explanation into why; does nothing if why is
//  NULL or why_size 0.  The one helper every checker uses for its message.
void
    err_why (char *why, size_t why_size, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Returns a short constant name for the code ("ERR_MALFORMED"),
//  or "ERR_UNKNOWN" for a value not listed above.
const char *
    err_str (int code);

//  The code a stored reason names at its start ("ERR_FORBIDDEN: ..."),
//  as reasons are written (err_str, a colon, the explanation); ERR_INTERNAL
//  if it names none.
int
    err_named (const char *reason);

#endif
