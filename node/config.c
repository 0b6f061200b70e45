/*  config.c -- configuration file (see config.h).  Unknown members are
    refused rather than ignored, so a typo does not silently fall back
    to a default.
*/
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "licid.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

void
config_defaults (config_t *cfg)
{
    memset (cfg, 0, sizeof *cfg);
    snprintf (cfg->division, sizeof cfg->division, "330000");
    snprintf (cfg->name, sizeof cfg->name, "licrepo node");
    snprintf (cfg->data_dir, sizeof cfg->data_dir, "./licnode-data");
    snprintf (cfg->listen, sizeof cfg->listen, "tcp://127.0.0.1:7400");
    long n = sysconf (_SC_NPROCESSORS_ONLN);
    cfg->verify_threads = n > 0 && n < 64? (int) n: 2;
    cfg->cache_mb = 64;
    snprintf (cfg->log_level, sizeof cfg->log_level, "info");
}

static int
s_string (json_t *v, const char *key, char *out, size_t size, char *why, size_t why_size)
{
    if (!json_is_string (v) || strlen (json_string_value (v)) >= size) {
        snprintf (why, why_size, "member \"%s\" must be a string of at most %zu bytes",
                  key, size - 1);
        return ERR_MALFORMED;
    }
    snprintf (out, size, "%s", json_string_value (v));
    return ERR_OK;
}

int
config_load (config_t *cfg, const char *path, char *why, size_t why_size)
{
    json_error_t jerr;
    json_t *root = json_load_file (path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf (why, why_size, "%s:%d: %s", path, jerr.line, jerr.text);
        return access (path, R_OK) == 0? ERR_MALFORMED: ERR_IO;
    }
    int rc = ERR_OK;
    const char *key;
    json_t *v;
    if (!json_is_object (root)) {
        snprintf (why, why_size, "%s: top level must be an object", path);
        rc = ERR_MALFORMED;
    }
    else
    json_object_foreach (root, key, v) {
        if (rc != ERR_OK)
            break;
        if (streq (key, "division"))
            rc = s_string (v, key, cfg->division, sizeof cfg->division, why, why_size);
        else if (streq (key, "name"))
            rc = s_string (v, key, cfg->name, sizeof cfg->name, why, why_size);
        else if (streq (key, "data_dir"))
            rc = s_string (v, key, cfg->data_dir, sizeof cfg->data_dir, why, why_size);
        else if (streq (key, "listen"))
            rc = s_string (v, key, cfg->listen, sizeof cfg->listen, why, why_size);
        else if (streq (key, "log_level"))
            rc = s_string (v, key, cfg->log_level, sizeof cfg->log_level, why, why_size);
        else if (streq (key, "verify_threads") && json_is_integer (v))
            cfg->verify_threads = (int) json_integer_value (v);
        else if (streq (key, "cache_mb") && json_is_integer (v))
            cfg->cache_mb = (size_t) json_integer_value (v);
        else if (key [0] == '_')
            ;   //  comments
        else {
            snprintf (why, why_size, "%s: unknown member \"%s\" or wrong type", path, key);
            rc = ERR_MALFORMED;
        }
    }
    json_decref (root);
    return rc == ERR_OK? config_check (cfg, why, why_size): rc;
}

int
config_check (const config_t *cfg, char *why, size_t why_size)
{
    if (!licid_division_valid (cfg->division)) {
        snprintf (why, why_size, "division \"%s\" is not a 6-digit GB/T 2260 code", cfg->division);
        return ERR_BAD_FIELD;
    }
    if (cfg->verify_threads < 1 || cfg->verify_threads > 64) {
        snprintf (why, why_size, "verify_threads must be 1..64");
        return ERR_BAD_FIELD;
    }
    if (cfg->cache_mb < 8 || cfg->cache_mb > 65536) {
        snprintf (why, why_size, "cache_mb must be 8..65536");
        return ERR_BAD_FIELD;
    }
    if (strncmp (cfg->listen, "tcp://", 6) != 0 && strncmp (cfg->listen, "ipc://", 6) != 0) {
        snprintf (why, why_size, "listen must be a tcp:// or ipc:// endpoint");
        return ERR_BAD_FIELD;
    }
    return ERR_OK;
}
