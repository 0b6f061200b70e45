/*  keyfile.h -- key files of nodes, departments and operators.

    A key file is a small JSON object:
      { "code": "<credit code or division>", "name": "...",
        "endpoint": "tcp://127.0.0.1:7400",          (optional)
        "sign_public": "<64 hex>",  "sign_secret": "<128 hex>",
        "curve_public": "<40 z85>", "curve_secret": "<40 z85>" }
    The *_secret members are absent from a public file.  Files holding
    secrets are written 0600, atomically (temp file, fsync, rename).
*/
#ifndef LICREPO_KEYFILE_H
#define LICREPO_KEYFILE_H

#include <stdbool.h>
#include <stdint.h>
#include "err.h"

typedef struct {
    char code [64];             //  credit code, division code or "admin"
    char name [256];            //  human name
    char endpoint [256];        //  where the node listens (node files only)
    uint8_t sign_pk [32];       //  Ed25519 public key
    uint8_t sign_sk [64];       //  Ed25519 secret key, if has_secret
    char curve_pk [41];         //  CURVE public key, Z85
    char curve_sk [41];         //  CURVE secret key, Z85, if has_secret
    bool has_secret;            //  secrets present
} keyfile_t;

//  Fills k with fresh Ed25519 and CURVE key pairs.  ERR_OK or ERR_INTERNAL.
int MUST_CHECK
    keyfile_generate (keyfile_t *k, const char *code, const char *name);

//  Writes k to path; secrets only if with_secret (then mode 0600).
//  ERR_OK or ERR_IO.
int MUST_CHECK
    keyfile_save (const keyfile_t *k, const char *path, bool with_secret);

//  Reads path into k (has_secret tells whether secrets were there).
//  ERR_OK, ERR_IO (cannot read), ERR_MALFORMED (bad JSON or key).
int MUST_CHECK
    keyfile_load (keyfile_t *k, const char *path);

//  Wipes the secrets in k.
void
    keyfile_wipe (keyfile_t *k);

#endif
