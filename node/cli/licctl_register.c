/*  licctl_register.c -- licctl keygen (a department's key files) and
    register (the operator registers a department); moved from
    licctl_publish.c as they were.  Declared in licctl_publish.h.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/codec.h"
#include "node/common/keyfile.h"
#include "node/client/licclient.h"
#include "node/cli/licctl.h"
#include "node/cli/licctl_publish.h"
#include "proto/licid.h"
#include "node/common/licjson.h"
#include "proto/seal.h"

int
licctl_cmd_keygen (const licctl_opts_t *opts)
{
    keyfile_t k;
    char pub [4096];
    if (!opts->code || !opts->name || !opts->out || opts->n_args) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    snprintf (pub, sizeof pub, "%s.pub", opts->out);
    if (access (opts->out, F_OK) == 0 || access (pub, F_OK) == 0) {
        fprintf (stderr, "licctl: %s or %s exists: not overwritten\n",
                 opts->out, pub);
        return LICCTL_EXIT_USAGE;
    }
    if (strlen (opts->code) >= sizeof k.code
    ||  strlen (opts->name) >= sizeof k.name) {
        fprintf (stderr, "licctl: --code or --name too long\n");
        return LICCTL_EXIT_USAGE;
    }
    int rc = keyfile_generate (&k, opts->code, opts->name);
    if (rc == ERR_OK)
        rc = keyfile_save (&k, opts->out, true);
    if (rc == ERR_OK)
        rc = keyfile_save (&k, pub, false);
    keyfile_wipe (&k);
    if (rc != ERR_OK) {
        fprintf (stderr, "licctl: cannot write %s: %s\n", opts->out, err_str (rc));
        return LICCTL_EXIT_USAGE;
    }
    char hex [65];
    seal_hex (hex, k.sign_pk, sizeof k.sign_pk);
    if (opts->json)
        return licctl_print_json (json_pack ("{s:s, s:s, s:s, s:s}", "key", opts->out,
                             "pub", pub, "sign_public", hex,
                             "curve_public", k.curve_pk));
    printf ("wrote %s (secret, mode 0600) and %s\nsign_public  %s\n"
            "curve_public %s\n", opts->out, pub, hex, k.curve_pk);
    return LICCTL_EXIT_OK;
}

//  Splits "T1,T2" into distinct types (pointers into buf).
static size_t
s_split_types (char *buf, char **types, size_t max)
{
    size_t n = 0;
    for (char *t = strtok (buf, ", "); t && n < max; t = strtok (NULL, ", ")) {
        size_t i = 0;
        while (i < n && strcmp (types [i], t) != 0)
            i++;
        if (i == n)
            types [n++] = t;
    }
    return n;
}

//  Storage for a Department built from a key file and the options.
typedef struct {
    Lic__Department d;                  //  points into the fields below
    keyfile_t key;                      //  the department's public key file
    char types_buf [4096];              //  --types, split in place
    char *types [64];                   //  d.license_types
    uint8_t curve [32];                 //  d.curve_key
    ProtobufCBinaryData sign_keys [1];  //  d.sign_keys
    uint8_t revoked [LICCTL_REVOKE_MAX][32]; //  d.revoked_keys data
    ProtobufCBinaryData revoked_keys [LICCTL_REVOKE_MAX];
} s_dept_t;

static int
s_build_department (const licctl_opts_t *opts, s_dept_t *dp)
{
    if (strlen (opts->types) >= sizeof dp->types_buf) {
        fprintf (stderr, "licctl: --types is too long\n");
        return LICCTL_EXIT_USAGE;
    }
    if (licctl_load_key (&dp->key, opts->dept, false) != LICCTL_EXIT_OK)
        return LICCTL_EXIT_USAGE;
    keyfile_wipe (&dp->key);            //  only its public half is sent
    Lic__Department *d = &dp->d;
    codec_department_init (d);
    d->credit_code = dp->key.code;
    d->name = dp->key.name;
    dp->sign_keys [0].data = dp->key.sign_pk;
    dp->sign_keys [0].len = sizeof dp->key.sign_pk;
    d->sign_keys = dp->sign_keys;
    d->n_sign_keys = 1;
    if (!zmq_z85_decode (dp->curve, dp->key.curve_pk))
        return LICCTL_EXIT_USAGE;            //  keyfile_load checked it
    d->curve_key.data = dp->curve;
    d->curve_key.len = sizeof dp->curve;
    strcpy (dp->types_buf, opts->types);
    d->license_types = dp->types;
    d->n_license_types = s_split_types (dp->types_buf, dp->types, 64);
    if (d->n_license_types == 0) {
        fprintf (stderr, "licctl: --types names no license type\n");
        return LICCTL_EXIT_USAGE;
    }
    for (int i = 0; i < opts->n_revoke; i++) {
        if (seal_unhex (dp->revoked [i], 32, opts->revoke [i]) != ERR_OK
        ||  memcmp (dp->revoked [i], dp->key.sign_pk, 32) == 0) {
            fprintf (stderr, "licctl: --revoke-key %s: not 64 hex digits of "
                     "an old key\n", opts->revoke [i]);
            return LICCTL_EXIT_USAGE;
        }
        dp->revoked_keys [i].data = dp->revoked [i];
        dp->revoked_keys [i].len = 32;
    }
    d->revoked_keys = dp->revoked_keys;
    d->n_revoked_keys = (size_t) opts->n_revoke;
    return LICCTL_EXIT_OK;
}

//  register: the full Department record replaces any earlier one.
int
licctl_cmd_register (const licctl_opts_t *opts)
{
    static s_dept_t dept;
    keyfile_t admin;
    licclient_t *client = NULL;
    Lic__Reply *reply = NULL;
    if (!opts->dept || !opts->types || opts->n_args) {
        licctl_usage (stderr);
        return LICCTL_EXIT_USAGE;
    }
    int exit_code = s_build_department (opts, &dept);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    exit_code = licctl_connect (opts, &client, &admin, NULL);
    if (exit_code != LICCTL_EXIT_OK)
        return exit_code;
    keyfile_wipe (&admin);
    int rc = licclient_register (client, &dept.d, &reply, opts->timeout_ms);
    exit_code = licctl_check_reply (rc, reply, LIC__REPLY__BODY_REGISTERED,
                               opts->timeout_ms);
    if (exit_code == LICCTL_EXIT_OK) {
        uint64_t seq = reply->registered->seq;
        if (opts->json)
            exit_code = licctl_print_json (json_pack ("{s:s, s:I}", "credit_code",
                                      dept.key.code, "seq", (json_int_t) seq));
        else
            printf ("registered %s (%s) at seq %llu\n", dept.key.code,
                    dept.key.name, (unsigned long long) seq);
    }
    codec_reply_free (&reply);
    licclient_destroy (&client);
    return exit_code;
}

