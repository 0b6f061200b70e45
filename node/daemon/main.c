/*  main.c -- licnode: one repository node of any level.

      licnode [-c FILE] [-d DATA_DIR] [-l ENDPOINT] [--division CODE]
      licnode init -d DATA_DIR --division CODE   create the identity and exit
      licnode check -d DATA_DIR     replay the log and compare the views
      licnode restore --from BACKUP  /  licnode rebuild --from-parent -c FILE

    One function per command (s_commands), main only parses the command
    line and the configuration they share.

    The only file that may exit the process.  Logs go to stderr.
    Exit codes: 0 done; 1 a failure that may pass (a repository that
    cannot be opened, a bind refused, a failed check); 2 the configuration
    or the command line is wrong (config_load, config_check: endpoints
    included, a data directory of another division), which systemd does
    not retry (RestartPreventExitStatus=2); 3 the repository is in use by
    another process (a running licnode holds its lock).
*/
#include <czmq.h>
#include <getopt.h>
#include "node/base/logfmt.h"
#include "proto/codec.h"
#include "node/base/config.h"
#include "node/base/identity.h"
#include "proto/seal.h"
#include "node/serve/server.h"
#include "node/store/views.h"
#include "node/ops/check.h"
#include "node/ops/backup.h"
#include "node/ops/rebuild.h"

#define S_EXIT_IN_USE 3

//  The repository at db_path is locked by another process: says which,
//  and that it is in use, not damaged.  Returns S_EXIT_IN_USE.
static int
s_in_use (const char *db_path, const char *data_dir)
{
    pid_t pid = store_lock_holder (db_path);
    char who [64] = "another process";
    if (pid > 0)
        snprintf (who, sizeof who, "PID %ld", (long) pid);
    fprintf (stderr, "licnode: the repository %s is in use by %s (it holds the repository's lock): "
             "a node is running on %s.  Stop it first (systemctl stop licnode, or kill -TERM %s); "
             "nothing is wrong with the repository, do not restore or move it\n",
             db_path, who, data_dir, pid > 0? who + 4: "PID");
    return S_EXIT_IN_USE;
}

static void
s_usage (void)
{
    fprintf (stderr,
        "usage: licnode [-c CONFIG.json] [-d DATA_DIR] [-l ENDPOINT] [--division CODE]\n"
        "       licnode init [-c CONFIG.json] [-d DATA_DIR] [--division CODE]\n"
        "           create the node's identity (keys, node.pub) and exit\n"
        "       licnode restore --from BACKUP_DIR [-d DATA_DIR]\n"
        "           restore the newest backup (repository and identity) into DATA_DIR\n"
        "       licnode rebuild --from-parent -c CONFIG.json [-d DATA_DIR]\n"
        "           re-create a lost county repository from its parent (node.key needed)\n"
        "       licnode check [-c CONFIG.json] [-d DATA_DIR]\n"
        "           replay the log and compare it with the views (node stopped)\n"
        "Runs a license repository node.  Without a configuration file it keeps its\n"
        "data under ./licnode-data and listens on tcp://127.0.0.1:7400.\n");
}

//  What the command line says beyond the configuration.
typedef struct {
    const char *from;               //  restore --from BACKUP_DIR
    bool from_parent;               //  rebuild --from-parent
    char db_path [600];             //  DATA_DIR/db
} s_args_t;

//  licnode restore: the newest backup into the data directory.
static int
s_cmd_restore (config_t *cfg, const s_args_t *args)
{
    char why [512] = "";
    if (!args->from) {
        fprintf (stderr, "licnode: restore needs --from BACKUP_DIR\n");
        return 2;
    }
    int rc = backup_restore (args->from, cfg->data_dir, why, sizeof why);
    if (rc != ERR_OK) {
        fprintf (stderr, "licnode: restore failed (%s): %s\n", err_str (rc), why);
        return 1;
    }
    printf ("restored %s into %s: start the node; its parent resumes it where its own "
            "disk says (if the parent holds more than this backup, rebuild from the parent)\n",
            args->from, cfg->data_dir);
    return 0;
}

//  licnode check: replay the log and compare it with the views, for the
//  division the data directory belongs to.
static int
s_cmd_check (config_t *cfg, const s_args_t *args)
{
    char why [512] = "", kpath [600];
    keyfile_t nk;
    snprintf (kpath, sizeof kpath, "%s/node.key", cfg->data_dir);
    if (keyfile_load (&nk, kpath) == ERR_OK) {
        snprintf (cfg->division, sizeof cfg->division, "%.6s", nk.code);
        keyfile_wipe (&nk);
    }
    store_t *store = NULL;
    store_cfg_t scfg = { cfg->cache_mb, false, 0 };
    int orc = store_open (&store, args->db_path, &scfg, why, sizeof why);
    if (orc == ERR_BUSY)
        return s_in_use (args->db_path, cfg->data_dir);
    if (orc != ERR_OK) {
        fprintf (stderr, "licnode: cannot open %s: %s\n", args->db_path, why);
        return 1;
    }
    int rc = check_views (store, cfg->division, stdout) == ERR_OK? 0: 1;
    store_destroy (&store);
    return rc;
}

//  Opens the node's identity (made on first use).  0 or the exit code.
static int
s_identity (config_t *cfg, identity_t *id)
{
    char why [512] = "";
    int irc = identity_open (id, cfg, why, sizeof why);
    if (irc == ERR_OK)
        return 0;
    fprintf (stderr, "licnode: %s\n", why);
    //  A data directory of another division is the configuration's
    //  error (2: systemd does not retry it); the rest may pass (1).
    return irc == ERR_BAD_FIELD? 2: 1;
}

//  licnode init: the identity only (what a parent's or child's
//  configuration needs).
static int
s_cmd_init (config_t *cfg, const s_args_t *args)
{
    identity_t id;
    int rc = s_identity (cfg, &id);
    if (rc)
        return rc;
    printf ("%s/node.pub\n", cfg->data_dir);
    identity_wipe (&id);
    return 0;
}

//  licnode rebuild --from-parent: a lost county's repository from its
//  parent, with the node's own key (a new identity would be refused).
static int
s_cmd_rebuild (config_t *cfg, const s_args_t *args)
{
    char why [512] = "", kpath [700];
    snprintf (kpath, sizeof kpath, "%s/node.key", cfg->data_dir);
    if (access (kpath, R_OK) != 0) {
        fprintf (stderr, "licnode: %s is missing: put the node's key (kept offline) there "
                 "first; a new identity would not be accepted by the parent\n", kpath);
        return 1;
    }
    identity_t id;
    int rc = s_identity (cfg, &id);
    if (rc)
        return rc;
    if (!args->from_parent) {
        fprintf (stderr, "licnode: rebuild needs --from-parent\n");
        identity_wipe (&id);
        return 2;
    }
    store_t *store = NULL;
    store_cfg_t rcfg = { cfg->cache_mb, true, cfg->reserve_mb };
    int orc = store_open (&store, args->db_path, &rcfg, why, sizeof why);
    if (orc != ERR_OK) {
        if (orc == ERR_BUSY)
            rc = s_in_use (args->db_path, cfg->data_dir);
        else {
            fprintf (stderr, "licnode: cannot open %s: %s\n", args->db_path, why);
            rc = 1;
        }
        identity_wipe (&id);
        return rc;
    }
    zsys_handler_set (NULL);
    rc = rebuild_from_parent (cfg, &id, store, stdout) == ERR_OK? 0: 1;
    store_destroy (&store);
    identity_wipe (&id);
    return rc;
}

//  Says why views_open refused a repository of another schema.
static void
s_schema_refused (store_t *store, const char *db_path)
{
    //  No meta "schema" beside a log: schema 1 (proto/FORMAT.md)
    uint8_t *sv = NULL;
    size_t svl = 0;
    int was = store_get (store, STORE_CF_META, "schema", 6, &sv, &svl) == ERR_OK && svl == 1
            ? sv [0]: 1;
    free (sv);
    fprintf (stderr, "licnode: the repository %s is of schema %d; this version opens schema "
             "%d only (proto/FORMAT.md): %s.  Re-create this node's data from its "
             "departments' signed events (licctl publish --file) or rebuild it from an "
             "upgraded parent (licnode rebuild --from-parent)\n", db_path, was, VIEWS_SCHEMA,
             was == 1? "its Merkle leaves hold the disclosed values, so its roots and proofs "
                       "differ from every other level's"
             : was == 2? "its Merkle trees are kept one key per node, where this version "
                         "reads tiles of 256 hashes"
             : "it was written by another version");
}

//  licnode: run the node until SIGTERM or SIGINT.
static int
s_cmd_run (config_t *cfg, const s_args_t *args)
{
    char why [512] = "";
    identity_t id;
    int rc = s_identity (cfg, &id);
    if (rc)
        return rc;
    rc = 1;
    store_t *store = NULL;
    views_t *views = NULL;
    server_t *server = NULL;
    store_cfg_t scfg = { cfg->cache_mb, true, cfg->reserve_mb };
    int src = store_open (&store, args->db_path, &scfg, why, sizeof why);
    if (src == ERR_BUSY) {
        rc = s_in_use (args->db_path, cfg->data_dir);
        goto done;
    }
    if (src != ERR_OK) {
        fprintf (stderr, "licnode: cannot open the repository %s (%s): %s\n"
                 "licnode: if it is damaged, restore it from backup or move it aside\n",
                 args->db_path, err_str (src), why);
        goto done;
    }
    src = views_open (&views, store, cfg->division);
    if (src == ERR_VERSION) {
        s_schema_refused (store, args->db_path);
        goto done;
    }
    if (src != ERR_OK) {
        fprintf (stderr, "licnode: cannot load the registry: %s\n", err_str (src));
        goto done;
    }
    if (server_new (&server, cfg, &id, store, views, why, sizeof why) != ERR_OK) {
        fprintf (stderr, "licnode: %s\n", why);
        goto done;
    }
    logfmt_msgf (LOGFMT_INFO, "division %s listening on %s, data in %s", cfg->division, cfg->listen, cfg->data_dir);
    printf ("licnode %s ready on %s\n", cfg->division, cfg->listen);
    fflush (stdout);
    server_run (server);
    rc = 0;
done:
    server_destroy (&server);
    views_destroy (&views);
    store_destroy (&store);
    identity_wipe (&id);
    logfmt_msgf (LOGFMT_INFO, "stopped");
    return rc;
}

//  The commands: the first argument names one, or none runs the node.
//  `early` commands run before libsodium and the log are set up.
static const struct {
    const char *name;
    int (*run) (config_t *cfg, const s_args_t *args);
    bool early;
} s_commands [] = {
    { "restore", s_cmd_restore, true },
    { "check", s_cmd_check, false },
    { "init", s_cmd_init, false },
    { "rebuild", s_cmd_rebuild, false },
    { NULL, s_cmd_run, false },             //  no command: run
};
#define S_COMMANDS (sizeof s_commands / sizeof s_commands [0])

int
main (int argc, char *argv [])
{
    size_t cmd = S_COMMANDS - 1;
    for (size_t i = 0; argc > 1 && i < S_COMMANDS - 1; i++)
        if (streq (argv [1], s_commands [i].name))
            cmd = i;
    if (cmd != S_COMMANDS - 1) {
        argv++;
        argc--;
    }
    config_t cfg;
    config_defaults (&cfg);
    char why [512] = "";
    const char *cfg_path = NULL, *data_dir = NULL, *listen = NULL, *division = NULL;
    s_args_t args = { NULL, false, "" };
    static struct option opts [] = {
        { "config", required_argument, 0, 'c' },
        { "data-dir", required_argument, 0, 'd' },
        { "listen", required_argument, 0, 'l' },
        { "division", required_argument, 0, 'D' },
        { "from", required_argument, 0, 'F' },
        { "from-parent", no_argument, 0, 'P' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "c:d:l:h", opts, NULL)) != -1) {
        switch (c) {
            case 'c': cfg_path = optarg; break;
            case 'd': data_dir = optarg; break;
            case 'l': listen = optarg; break;
            case 'D': division = optarg; break;
            case 'F': args.from = optarg; break;
            case 'P': args.from_parent = true; break;
            default: s_usage (); return c == 'h'? 0: 2;
        }
    }
    if (cfg_path && config_load (&cfg, cfg_path, why, sizeof why) != ERR_OK) {
        fprintf (stderr, "licnode: %s\n", why);
        return 2;
    }
    if (data_dir)
        snprintf (cfg.data_dir, sizeof cfg.data_dir, "%s", data_dir);
    if (listen)
        snprintf (cfg.listen, sizeof cfg.listen, "%s", listen);
    if (division)
        snprintf (cfg.division, sizeof cfg.division, "%s", division);
    if (config_check (&cfg, why, sizeof why) != ERR_OK) {
        fprintf (stderr, "licnode: %s\n", why);
        return 2;
    }
    snprintf (args.db_path, sizeof args.db_path, "%s/db", cfg.data_dir);
    if (s_commands [cmd].early)
        return s_commands [cmd].run (&cfg, &args);
    //  A running node holds its repository's lock: then nothing here
    //  touches its directory, not even node.pub (which init and the
    //  start write).  store_open says so too, for a lock taken meanwhile.
    if (store_lock_holder (args.db_path) > 0)
        return s_in_use (args.db_path, cfg.data_dir);
    if (seal_init () != ERR_OK) {
        fprintf (stderr, "licnode: libsodium failed to initialise\n");
        return 1;
    }
    zsys_init ();
    zsys_set_logident ("licnode");
    if (logfmt_set_level (cfg.log_level) != ERR_OK)
        fprintf (stderr, "licnode: log level %s unknown, using info\n", cfg.log_level);
    return s_commands [cmd].run (&cfg, &args);
}
