/*  fuzz_config.c -- licnode's configuration file (node/daemon/config.c
    config_load over the defaults, then config_check), the input written
    to a file first.  A parent or child may name a node.pub file
    ("pub_file"): the harness writes one with a fixed test key at
    FUZZ_CONFIG_PUB, which the seeds name.

    Properties: no crash, leak or undefined behaviour; every refusal says
    why; an accepted configuration passes config_check again and holds
    only NUL-terminated strings, a 6-digit division and at most
    CONFIG_CHILDREN_MAX children, each with a 40-character CURVE key.
*/
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "node/base/config.h"
#include "tests/fuzz/fuzz.h"
#include "node/common/keyfile.h"
#include "proto/licid.h"

#define FUZZ_CONFIG_DIR "/tmp/licrepo-fuzz-config"
#define FUZZ_CONFIG_PUB FUZZ_CONFIG_DIR "/node.pub"

#define S_TERMINATED(s) (strnlen ((s), sizeof (s)) < sizeof (s))

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    if (seal_init () != ERR_OK)
        abort ();
    //  The city's public file, as licnode init writes it
    keyfile_t k;
    memset (&k, 0, sizeof k);
    snprintf (k.code, sizeof k.code, "%s", FUZZ_DIV_CITY);
    snprintf (k.name, sizeof k.name, "fuzz city");
    snprintf (k.endpoint, sizeof k.endpoint, "tcp://127.0.0.1:7400");
    memcpy (k.sign_pk, fuzz_key (FUZZ_KEY_CITY)->pk, sizeof k.sign_pk);
    snprintf (k.curve_pk, sizeof k.curve_pk, "%s", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    if ((mkdir (FUZZ_CONFIG_DIR, 0700) != 0 && access (FUZZ_CONFIG_DIR, W_OK) != 0)
    ||  keyfile_save (&k, FUZZ_CONFIG_PUB, false) != ERR_OK) {
        fprintf (stderr, "fuzz_config: cannot write %s\n", FUZZ_CONFIG_PUB);
        abort ();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    config_t cfg;
    char why [512] = "";
    config_defaults (&cfg);
    int rc = config_load (&cfg, fuzz_file (0, data, size), why, sizeof why);
    if (rc != ERR_OK) {
        FUZZ_CHECK (*why);
        return 0;
    }
    FUZZ_CHECK (config_check (&cfg, why, sizeof why) == ERR_OK);
    FUZZ_CHECK (licid_division_valid (cfg.division));
    FUZZ_CHECK (S_TERMINATED (cfg.name) && S_TERMINATED (cfg.data_dir)
                && S_TERMINATED (cfg.listen) && S_TERMINATED (cfg.query_listen)
                && S_TERMINATED (cfg.log_level) && S_TERMINATED (cfg.metrics_listen)
                && S_TERMINATED (cfg.repl_listen) && S_TERMINATED (cfg.file));
    FUZZ_CHECK (cfg.n_children >= 0 && cfg.n_children <= CONFIG_CHILDREN_MAX);
    for (int i = 0; i < cfg.n_children; i++) {
        FUZZ_CHECK (licid_division_valid (cfg.children [i].division));
        FUZZ_CHECK (strlen (cfg.children [i].curve_pk) == 40);
    }
    if (cfg.has_parent) {
        FUZZ_CHECK (licid_division_valid (cfg.parent.division));
        FUZZ_CHECK (S_TERMINATED (cfg.parent.endpoint) && *cfg.parent.endpoint);
    }
    return 0;
}
