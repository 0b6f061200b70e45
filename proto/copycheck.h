/*  copycheck.h -- the offline check of an archived copy (proto/README.md
    section 11): what an application body keeps instead of paper, checked
    with nothing but the file and the keys the checker trusts.
    liblicclient exports it as licclient_verify_copy (include/licrepo/
    licclient.h documents it for users); licctl verify runs it.
*/
#ifndef LICREPO_COPYCHECK_H
#define LICREPO_COPYCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/licid.h"
#include "proto/msg.h"

//  What a copy that checks shows (licclient_copy_t, field for field).
typedef struct {
    char license_id [LICID_BARE_MAX + 1];   //  bare form, as parsed
    Lic__Status status;             //  effective status as of `at`
    uint32_t version;
    bool pledged;
    int64_t at;                     //  when the node made the copy
    int64_t expires_at;
    char maker_code [32];           //  the application body
    char maker_name [256];
    char staff_id [160];
    char matter_code [160];
    char case_number [160];
    char purpose [160];
    char division [16];             //  node that made it
    char issuer [32];               //  department credit code
    char department [256];
    char type_name [256];           //  license type, from the catalogue entry
    uint32_t type_version;
    size_t events;                  //  signed events checked
    size_t disclosed;               //  disclosed values checked against their digests
    size_t masked;                  //  sensitive items of the content not disclosed
    bool has_file;                  //  its content names a license file (OFD/PDF)
    uint8_t file_digest [32];       //  that file's SHA-256, as the department signed it
} copycheck_t;

//  Checks the copy in file[0..len) against the n_trust trusted Ed25519
//  keys at time `now` (unix seconds): the node's signed statement, the
//  chain of node records from its key (and the keys that signed the
//  department registration and the catalogue entry) to a trusted key,
//  each event's department signature, their lifecycle up to the stated
//  status and version, each disclosed value against its signed digest,
//  canonical bytes, and expiry.  ERR_OK with *out filled; else
//  ERR_MALFORMED, ERR_BAD_SIGNATURE, ERR_UNKNOWN_KEY, ERR_CORRUPT,
//  ERR_TYPE_NOT_ALLOWED, ERR_BAD_LICENSE_ID, ERR_DISCLOSURE, ERR_EXPIRED
//  (*out filled too), ERR_NOMEM; why says which part failed.
int
    copycheck_verify (const uint8_t *file, size_t len, const uint8_t (*trust) [32],
                      size_t n_trust, int64_t now, copycheck_t *out,
                      char *why, size_t why_size);

#endif
