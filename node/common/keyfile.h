/*  keyfile.h -- key files of nodes, departments and operators.

    A key file is a small JSON object:
      { "code": "<credit code or division>", "name": "...",
        "endpoint": "tcp://127.0.0.1:7400",          (optional)
        "sign_public": "<64 hex>",  "sign_secret": "<128 hex>",
        "curve_public": "<40 z85>", "curve_secret": "<40 z85>" }
    The *_secret members are absent from a public file.  Files holding
    secrets are written 0600, atomically (temp file, fsync, rename), and
    read only if group and others have no access to them (as ssh does
    with private keys); public files are written 0644.
*/
#ifndef LICREPO_KEYFILE_H
#define LICREPO_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "proto/err.h"

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

//  Writes k to path (keyfile_write_atomic); secrets only if with_secret
//  (then mode 0600, else 0644).  ERR_OK or ERR_IO.
int MUST_CHECK
    keyfile_save (const keyfile_t *k, const char *path, bool with_secret);

//  Reads path into k (has_secret tells whether secrets were there).  A
//  file holding a secret member that group or others may access (mode &
//  077) is refused before its keys are used, and a line on stderr names
//  the `chmod 600 PATH` to run: keyfile_load's callers have no message
//  of their own for it.  ERR_OK, ERR_IO (cannot read), ERR_MALFORMED
//  (bad JSON or key), ERR_FORBIDDEN (secret file too open).
int MUST_CHECK
    keyfile_load (keyfile_t *k, const char *path);

//  As keyfile_load, but says in why what is wrong (for ERR_FORBIDDEN the
//  chmod to run) and writes nothing to stderr.
int MUST_CHECK
    keyfile_load_why (keyfile_t *k, const char *path, char *why, size_t why_size);

//  Replaces path with size bytes of data, atomically: a new file
//  PATH.tmp, opened O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC with mode from
//  birth (so nothing planted there is written through or reused), is
//  written, fsynced and renamed over path, then the folder is fsynced.
//  A regular file of ours at PATH.tmp (an interrupted save) is removed
//  first; anything else there (a link, another user's file) is left
//  alone and the write refused.  ERR_OK or ERR_IO; why says which step.
int MUST_CHECK
    keyfile_write_atomic (const char *path, const void *data, size_t size, mode_t mode,
                          char *why, size_t why_size);

//  Wipes the secrets in k.
void
    keyfile_wipe (keyfile_t *k);

#endif
