/*  config.c -- configuration file (see config.h).  Unknown members are
    refused rather than ignored, so a typo does not silently fall back
    to a default.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "node/base/config.h"
#include "node/common/keyfile.h"
#include "proto/licid.h"
#include "node/base/logfmt.h"
#include "proto/seal.h"

#ifndef streq                   //  czmq.h (through metrics.h) has the same
#define streq(a, b) (strcmp ((a), (b)) == 0)
#endif

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
    cfg->reserve_mb = 48;       //  two write buffers and the manifest, with room
    cfg->file_budget_mb = 1024; //  files put ahead of their events (FILES_BUDGET_DEFAULT)
    snprintf (cfg->log_level, sizeof cfg->log_level, "info");
    cfg->batch_max = 256;
    cfg->window = 8;
    cfg->checkpoint_ms = 1000;
    cfg->client_rate = 20000;
    cfg->client_burst = 40000;
    cfg->query_rate = 200;
    cfg->query_burst = 400;
    cfg->audit_refusals = 60;
    cfg->audit_window_ms = 60000;
}

//  A peer: {"division", "endpoint", "curve_public", "sign_public"} or
//  {"pub_file": "<its node.pub>", "endpoint": ...} (members given beside
//  pub_file override it).
static int
s_peer (json_t *v, config_peer_t *peer, bool parent, char *why, size_t why_size)
{
    memset (peer, 0, sizeof *peer);
    if (!json_is_object (v)) {
        snprintf (why, why_size, "a parent or child must be an object");
        return ERR_MALFORMED;
    }
    const char *pub = json_string_value (json_object_get (v, "pub_file"));
    if (pub) {
        keyfile_t k;
        if (keyfile_load (&k, pub) != ERR_OK) {
            snprintf (why, why_size, "cannot read node public file %s", pub);
            return ERR_IO;
        }
        snprintf (peer->division, sizeof peer->division, "%.6s", k.code);
        snprintf (peer->curve_pk, sizeof peer->curve_pk, "%s", k.curve_pk);
        memcpy (peer->sign_pk, k.sign_pk, 32);
        keyfile_wipe (&k);
    }
    const char *key;
    json_t *m;
    json_object_foreach (v, key, m) {
        const char *str = json_string_value (m);
        if (streq (key, "pub_file") || key [0] == '_')
            continue;
        if (!str) {
            snprintf (why, why_size, "peer member \"%s\" must be a string", key);
            return ERR_MALFORMED;
        }
        if (streq (key, "division"))
            snprintf (peer->division, sizeof peer->division, "%.15s", str);
        else if (streq (key, "endpoint") && parent)
            snprintf (peer->endpoint, sizeof peer->endpoint, "%.255s", str);
        else if (streq (key, "curve_public"))
            snprintf (peer->curve_pk, sizeof peer->curve_pk, "%.40s", str);
        else if (streq (key, "sign_public")) {
            if (strlen (str) != 64 || seal_unhex (peer->sign_pk, 32, str) != ERR_OK) {
                snprintf (why, why_size, "sign_public must be 64 hex digits");
                return ERR_MALFORMED;
            }
        }
        else {
            snprintf (why, why_size, "unknown peer member \"%s\"", key);
            return ERR_MALFORMED;
        }
    }
    static const uint8_t zero [32];
    if (!licid_division_valid (peer->division) || strlen (peer->curve_pk) != 40
    ||  memcmp (peer->sign_pk, zero, 32) == 0 || (parent && !*peer->endpoint)) {
        snprintf (why, why_size, "a %s needs division, %scurve_public and sign_public",
                  parent? "parent": "child", parent? "endpoint, ": "");
        return ERR_BAD_FIELD;
    }
    return ERR_OK;
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
    snprintf (cfg->file, sizeof cfg->file, "%s", path);
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
        else if (streq (key, "query_listen"))
            rc = s_string (v, key, cfg->query_listen, sizeof cfg->query_listen, why, why_size);
        else if (streq (key, "metrics_listen"))
            rc = s_string (v, key, cfg->metrics_listen, sizeof cfg->metrics_listen, why, why_size);
        else if (streq (key, "replication_listen"))
            rc = s_string (v, key, cfg->repl_listen, sizeof cfg->repl_listen, why, why_size);
        else if (streq (key, "parent")) {
            rc = s_peer (v, &cfg->parent, true, why, why_size);
            cfg->has_parent = rc == ERR_OK;
        }
        else if (streq (key, "children") && json_is_array (v)) {
            size_t i;
            json_t *c;
            json_array_foreach (v, i, c) {
                if (rc != ERR_OK)
                    break;
                if (cfg->n_children == CONFIG_CHILDREN_MAX) {
                    snprintf (why, why_size, "at most %d children", CONFIG_CHILDREN_MAX);
                    rc = ERR_BAD_FIELD;
                }
                else
                    rc = s_peer (c, &cfg->children [cfg->n_children++], false, why, why_size);
            }
        }
        else if (streq (key, "batch_max") && json_is_integer (v))
            cfg->batch_max = (int) json_integer_value (v);
        else if (streq (key, "window") && json_is_integer (v))
            cfg->window = (int) json_integer_value (v);
        else if (streq (key, "checkpoint_ms") && json_is_integer (v))
            cfg->checkpoint_ms = (int) json_integer_value (v);
        else if (streq (key, "client_rate") && json_is_integer (v))
            cfg->client_rate = (int) json_integer_value (v);
        else if (streq (key, "client_burst") && json_is_integer (v))
            cfg->client_burst = (int) json_integer_value (v);
        else if (streq (key, "query_rate") && json_is_integer (v))
            cfg->query_rate = (int) json_integer_value (v);
        else if (streq (key, "query_burst") && json_is_integer (v))
            cfg->query_burst = (int) json_integer_value (v);
        else if (streq (key, "audit_refusals_per_minute") && json_is_integer (v))
            cfg->audit_refusals = (int) json_integer_value (v);
        else if (streq (key, "audit_window_ms") && json_is_integer (v))
            cfg->audit_window_ms = (int) json_integer_value (v);
        else if (streq (key, "verify_threads") && json_is_integer (v))
            cfg->verify_threads = (int) json_integer_value (v);
        else if (streq (key, "cache_mb") && json_is_integer (v))
            cfg->cache_mb = (size_t) json_integer_value (v);
        else if (streq (key, "disk_reserve_mb") && json_is_integer (v) && json_integer_value (v) >= 0)
            cfg->reserve_mb = (size_t) json_integer_value (v);
        else if (streq (key, "file_budget_mb") && json_is_integer (v) && json_integer_value (v) >= 0)
            cfg->file_budget_mb = (size_t) json_integer_value (v);
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

//  An endpoint the node binds (member `name`): ipc://PATH, or tcp://HOST:PORT
//  where HOST is what ZeroMQ binds to -- `*`, a numeric IPv4 or [IPv6]
//  address, or the name of an interface of this host -- never a host
//  name, which ZeroMQ does not resolve when binding (the node would
//  pass here and fail at start), and PORT is 1..65535.
static int
s_bind_check (const char *name, const char *endpoint, char *why, size_t why_size)
{
    if (strncmp (endpoint, "ipc://", 6) == 0 && endpoint [6])
        return ERR_OK;
    const char *host = endpoint + 6, *colon = strrchr (endpoint, ':');
    char addr [256];
    size_t hl = colon && colon > host? (size_t) (colon - host): 0;
    const char *port = colon? colon + 1: "";
    char *end = NULL;
    long pn = *port >= '1' && *port <= '9'? strtol (port, &end, 10): 0;
    if (strncmp (endpoint, "tcp://", 6) != 0 || hl == 0 || hl >= sizeof addr
    ||  !end || *end || pn < 1 || pn > 65535) {
        snprintf (why, why_size, "%s \"%s\" must be tcp://ADDRESS:PORT (PORT 1..65535) or ipc://PATH",
                  name, endpoint);
        return ERR_BAD_FIELD;
    }
    memcpy (addr, host, hl);
    addr [hl] = 0;
    unsigned char buf [16];
    if (streq (addr, "*") || inet_pton (AF_INET, addr, buf) == 1)
        return ERR_OK;
    if (hl > 2 && addr [0] == '[' && addr [hl - 1] == ']') {
        addr [hl - 1] = 0;
        if (inet_pton (AF_INET6, addr + 1, buf) == 1)
            return ERR_OK;
        addr [hl - 1] = ']';
    }
    if (hl < IF_NAMESIZE && if_nametoindex (addr) != 0)
        return ERR_OK;
    snprintf (why, why_size, "%s \"%s\": \"%s\" is neither a numeric address (127.0.0.1, "
              "[::1], * for all) nor an interface of this host; ZeroMQ does not resolve host "
              "names when binding: give the address", name, endpoint, addr);
    return ERR_BAD_FIELD;
}

int
config_http_listen (const char *listen, bool any_port, struct sockaddr_in *sa,
                    char *why, size_t why_size)
{
    char host [64] = "127.0.0.1";
    const char *colon = listen? strrchr (listen, ':'): NULL;
    const char *port = colon? colon + 1: listen;
    if (!listen || strlen (listen) >= sizeof host) {
        snprintf (why, why_size, "metrics listen address must be HOST:PORT (at most %zu bytes)",
                  sizeof host - 1);
        return ERR_BAD_FIELD;
    }
    if (colon && colon > listen)
        snprintf (host, sizeof host, "%.*s", (int) (colon - listen), listen);
    memset (sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (inet_pton (AF_INET, host, &sa->sin_addr) != 1) {
        snprintf (why, why_size, "metrics listen host \"%s\" must be a numeric IPv4 address "
                  "(e.g. 127.0.0.1:9400)", host);
        return ERR_BAD_FIELD;
    }
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul (port, &end, 10);
    if (*port < '0' || *port > '9' || *end || errno || n > 65535 || (n == 0 && !any_port)) {
        snprintf (why, why_size, "metrics listen port \"%s\" must be 1..65535", port);
        return ERR_BAD_FIELD;
    }
    sa->sin_port = htons ((uint16_t) n);
    return ERR_OK;
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
    if (cfg->batch_max < 1 || cfg->batch_max > 4096 || cfg->window < 1 || cfg->window > 256
    ||  cfg->checkpoint_ms < 10 || cfg->checkpoint_ms > 3600000) {
        snprintf (why, why_size, "batch_max must be 1..4096, window 1..256, checkpoint_ms 10..3600000");
        return ERR_BAD_FIELD;
    }
    if (cfg->client_rate < 0 || cfg->client_rate > 1000000 || cfg->client_burst < 1
    ||  cfg->client_burst > 2000000 || cfg->query_rate < 0 || cfg->query_rate > 1000000
    ||  cfg->query_burst < 1 || cfg->query_burst > 2000000) {
        snprintf (why, why_size, "client_rate and query_rate must be 0..1000000 (0 = no limit), "
                  "client_burst and query_burst 1..2000000");
        return ERR_BAD_FIELD;
    }
    if (cfg->audit_refusals < 0 || cfg->audit_refusals > 60000
    ||  cfg->audit_window_ms < 100 || cfg->audit_window_ms > 3600000) {
        snprintf (why, why_size, "audit_refusals_per_minute must be 0..60000, audit_window_ms 100..3600000");
        return ERR_BAD_FIELD;
    }
    //  At least one whole file (16 MiB) may wait for its event; at most
    //  64 GiB, so that a sweep of a department's charges (at least 128 KiB
    //  each) reads at most 524,288 keys.
    if (cfg->file_budget_mb < 16 || cfg->file_budget_mb > 65536) {
        snprintf (why, why_size, "file_budget_mb must be 16..65536");
        return ERR_BAD_FIELD;
    }
    if (cfg->n_children > 0 && !*cfg->repl_listen) {
        snprintf (why, why_size, "children are configured but replication_listen is not");
        return ERR_BAD_FIELD;
    }
    for (int i = 0; i < cfg->n_children; i++)
        if (streq (cfg->children [i].division, cfg->division)
        ||  (cfg->has_parent && streq (cfg->children [i].division, cfg->parent.division))) {
            snprintf (why, why_size, "child %s is this node or its parent", cfg->children [i].division);
            return ERR_BAD_FIELD;
        }
    if (logfmt_level_from_name (cfg->log_level) < 0) {
        snprintf (why, why_size, "log_level must be error, warn, info or debug");
        return ERR_BAD_FIELD;
    }
    if (*cfg->metrics_listen && config_http_listen (cfg->metrics_listen, false, &(struct sockaddr_in) { 0 }, why, why_size) != ERR_OK)
        return ERR_BAD_FIELD;
    if (s_bind_check ("listen", cfg->listen, why, why_size) != ERR_OK
    ||  (*cfg->repl_listen && s_bind_check ("replication_listen", cfg->repl_listen, why, why_size) != ERR_OK)
    ||  (*cfg->query_listen && s_bind_check ("query_listen", cfg->query_listen, why, why_size) != ERR_OK))
        return ERR_BAD_FIELD;
    return ERR_OK;
}
