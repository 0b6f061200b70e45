/*  support.h -- what end-to-end tests and benchmarks share: realistic
    identifiers and events, and real licnode processes started, waited
    for and stopped by PID.  Nothing here fakes a dependency: nodes are
    the built licnode binary, keys are libsodium's, stores are RocksDB
    directories under a temporary folder the caller removes.
*/
#ifndef LICREPO_SUPPORT_H
#define LICREPO_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "node/common/keyfile.h"
#include "node/client/licclient.h"
#include "proto/licid.h"
#include "proto/msg.h"

//  A valid 18-char unified social credit code derived from n.
void support_credit_code (char out [19], uint32_t n);

//  A valid 18-char resident id derived from n.
void support_resident_id (char out [19], uint32_t n);

//  A valid bare license id for (type_code, issuer, serial number).
void support_license_id (char out [LICID_BARE_MAX + 1], const char *type_code,
                         const char *issuer, uint32_t serial);

//  A department's test identity: keys, credit code and one license type.
typedef struct {
    keyfile_t key;              //  signing and CURVE keys, code = credit code
    char type_code [22];        //  the license type it issues
    char key_path [600];        //  where its key file was saved
} support_dept_t;

//  Makes department number n in dir (key file saved there).
int support_dept_make (support_dept_t *d, uint32_t n, const char *dir);

//  Fills *ev (strings malloc'd; free with codec_event_free on a packed
//  copy — simpler: use support_event_sign) for event `op` of license
//  serial `serial` of department d, with expected_version.  About 1 KB
//  packed, with a dozen realistic data items.
//  Returns the signed envelope parts: body (malloc'd) and signature.
//  The event names no license file (content.file_digest empty).
int support_event_sign (const support_dept_t *d, Lic__Op op, uint32_t serial,
                        uint32_t expected_version, uint32_t holder,
                        uint8_t **body, size_t *body_len, uint8_t sig [64]);

//  The same, naming the license file whose SHA-256 is file_digest (32
//  bytes; NULL: none) in an issue or alter.
int support_event_sign_file (const support_dept_t *d, Lic__Op op, uint32_t serial,
                             uint32_t expected_version, uint32_t holder,
                             const uint8_t *file_digest,
                             uint8_t **body, size_t *body_len, uint8_t sig [64]);

//  A running licnode.
typedef struct {
    pid_t pid;                  //  its process id, 0 when stopped
    char dir [512];             //  data directory
    char endpoint [600];        //  tcp://127.0.0.1:PORT or ipc://DIR/client.sock
    char division [8];
    char log_path [600];        //  its stderr: DIR/licnode.log
    char config [600];          //  configuration file, "" if none
    char netns [64];            //  network namespace to run in, "" for ours
} support_node_t;

//  The licnode binary: $LICNODE, else next to the calling binary.
const char *support_licnode_path (void);

//  Starts licnode for (dir, port, division) and waits until it answers a
//  status request (at most 20 s).  ERR_OK or ERR_IO.
int support_node_start (support_node_t *n, const char *dir, int port, const char *division);

//  Like support_node_start, with a configuration file: writes config_json
//  (a JSON object text) to DIR/licnode.json and passes it with -c.
int support_node_start_cfg (support_node_t *n, const char *dir, int port, const char *division,
                            const char *config_json);

//  Port 0 for support_node_start*: the client endpoint is then
//  ipc://DIR/client.sock, reachable from any network namespace.
//  Set n->netns before support_node_restart to run the node inside a
//  network namespace (through `ip netns exec`).

//  Runs `licnode init` for (dir, division): creates the identity only.
int support_node_init (const char *dir, const char *division);

//  Starts n again (same directory, endpoint, division) and waits as above.
int support_node_restart (support_node_t *n);

//  Sends sig (SIGTERM, SIGKILL) and reaps the process.  Returns its wait status.
int support_node_stop (support_node_t *n, int sig);

//  False once n's process has exited: it is then reaped, n->pid is set
//  to 0 and the end of its log (4 KB) goes to stderr, for the directory
//  may be removed soon after.  True while it runs.  Not const: reaping
//  changes n.
bool support_node_alive (support_node_t *n);

//  An admin client of node n (its data dir's node.pub and admin.key).
int support_admin (licclient_t **out, const support_node_t *n);

//  A department client of node n.
int support_client (licclient_t **out, const support_node_t *n, const support_dept_t *d);

//  Adds to the catalogue of admin's node the license type that
//  support_event_sign's events conform to (10 string/date items, a fixed
//  240-month term), under type_code.  ERR_OK or the node's code.
int support_catalogue_add (licclient_t *admin, const char *type_code);

//  The definition support_catalogue_add sends (10 public items, a
//  240-month term), built in parts (which hold everything it points to).
typedef struct {
    Lic__LicenseType type;
    Lic__ItemSpec specs [10], *sp [10];
    Lic__ValidityRule rule;
    char code [22], body [19];
} support_type_t;
void support_type_make (support_type_t *parts, const char *type_code);

//  Adds type t (its version, division and time are the node's to set, so
//  they are cleared here) to the catalogue of admin's node.
//  ERR_OK or the node's code.
int support_catalogue_put (licclient_t *admin, const Lic__LicenseType *t);

//  Registers d at n through admin, and its license type in the node's
//  catalogue; ERR_OK or the node's code.
int support_register (licclient_t *admin, const support_dept_t *d);

//  Registers d at n through admin, and nothing else (its type is not
//  added to the catalogue).  ERR_OK or the node's code.
int support_register_department (licclient_t *admin, const support_dept_t *d);

//  Registers the holder of key k (its code and name) as an application
//  body of the node admin speaks to, for one license type and one matter,
//  without clearance.  Returns the node's code (or the transport's error).
//  req packed into a new frame (asserts it packs); caller destroys it.
typedef struct _zframe_t zframe_t;      //  czmq's
zframe_t *support_request_frame (const Lic__Request *req);

int support_register_body (licclient_t *admin, const keyfile_t *k, const char *type_code,
                           const char *matter);

//  Publishes `count` events of d through c: licenses serial0.., each an
//  issue followed by `alters` alterations, pipelined (window 128); every
//  event must be accepted.  Returns the number accepted.
int support_publish (licclient_t *c, const support_dept_t *d, uint32_t serial0, int licenses,
                     int alters);

//  A county -> city -> province hierarchy on 127.0.0.1: nodes [0], [1]
//  counties 330106 and 330108, [2] city 330100, [3] province 330000.
typedef struct {
    char base [512];
    support_node_t node [4];
    int repl_port [4];          //  replication ports (city, province)
    char extra [4][256];        //  more configuration members per node, e.g.
                                //  "\"metrics_listen\": \"127.0.0.1:9401\"," (set before start)
} support_hier_t;

//  Creates the identities, writes the configurations and starts the four
//  nodes, province first.  h->extra is kept (set it before).  ERR_OK or ERR_IO.
int support_hier_start (support_hier_t *h, const char *base);

//  Waits (at most timeout_s) until the province holds everything: each
//  county's head is acked by the city and the city's head by the
//  province.  ERR_OK or ERR_BUSY on timeout.
int support_hier_wait_synced (support_hier_t *h, int timeout_s);

//  Runs `licnode check` on n's data directory (the node stopped): log
//  contiguous, signatures verify, every view equals a replay of the log.
//  ERR_OK, or ERR_CORRUPT with licnode's report on stderr.
int support_node_check (const support_node_t *n);

//  The licctl binary: $LICCTL, else next to the licnode binary.
const char *support_licctl_path (void);

//  GET /metrics from a node's metrics endpoint on 127.0.0.1:port into
//  buf (NUL-terminated, headers included).  ERR_OK or ERR_IO.
int support_metrics_scrape (int port, char *buf, size_t size);

//  Value of the sample `series` (name with its labels, exactly as
//  rendered: licrepo_x{a="b"}) in a scraped text, -1 if it is absent.
int64_t support_metric (const char *text, const char *series);
//  The same for a sample that is not an integer (seconds).
double support_metric_real (const char *text, const char *series);

//  What a bench reads of a node to take the CPU beyond its signature
//  checks from one instant: the process's CPU seconds and the node's own
//  count of its checks and their CPU seconds (and its publish frames).
typedef struct {
    double cpu_s;               //  support_proc_cpu
    double checks;              //  licrepo_signature_checks_total
    double check_s;             //  licrepo_signature_check_cpu_seconds_total
    double frames;              //  licrepo_publish_frames_total
} support_probe_t;

//  Probes the n nodes (metrics on 127.0.0.1:ports [i]) once they are
//  idle: the metrics are rendered once a second, so they are read after
//  a refresh (1.2 s), and the CPU at the same moment.  ERR_OK or ERR_IO.
int support_probe (support_node_t *const *nodes, const int *ports, int n, support_probe_t *out);

//  Stops the four nodes with sig.
void support_hier_stop (support_hier_t *h, int sig);

//  Acked seq of child `division` in a node's status, 0 if it has none.
uint64_t support_child_acked (const Lic__NodeStatus *st, const char *division);

//  Status of node n through its admin key; caller frees *reply.
int support_status (const support_node_t *n, Lic__Reply **reply);

//  Digest entry of origin `division` at node n (digest and count).
int support_digest (const support_node_t *n, const char *division, uint8_t digest [32],
                    uint64_t *licenses);

//  A fresh temporary directory (mkdtemp under $TMPDIR or /tmp).
int support_tmpdir (char out [512], const char *tag);

//  Removes a directory tree.
void support_rmtree (const char *path);

//  A free TCP port on 127.0.0.1.
int support_free_port (void);

//  Monotonic microseconds.
int64_t support_now_us (void);

// ---------------------------------------------------------------------
//  Benchmark figures

//  Raw Ed25519 verifies/s of 1 KB messages on `threads` threads (one key
//  and message each), measured for 1 s of wall clock.  0 if out of memory.
double support_verify_rate (int threads);
//  CPU µs of one Ed25519 verify of a ~1 KB message on the calling
//  thread's CPU clock (median of 5 rounds of 200): unlike a rate, it does
//  not fall when other processes share the cores, only when the machine
//  itself is slower.
double support_verify_cpu_us (void);

//  CPU seconds (user + system) process pid has used, from /proc/PID/stat;
//  0 if it cannot be read.
double support_proc_cpu (pid_t pid);

//  A numeric field of /proc/PID/status, key with its colon ("VmHWM:",
//  "VmRSS:"), in the file's unit (kB); -1 if absent.
long support_proc_field (pid_t pid, const char *key);

//  Median of v [0..n-1]; v is left as it is.  0 when n < 1.
double support_median (const double *v, int n);

//  qsort comparator of int64_t values, ascending.
int support_cmp_i64 (const void *a, const void *b);

//  Ctrl-C and SIGTERM set a flag instead of ending the process, so that a
//  benchmark can stop its nodes and remove its directories; czmq's own
//  handlers are turned off first (see licclient.h).  Call before the
//  first client is opened.
void support_catch_interrupt (void);

//  True once Ctrl-C or SIGTERM came after support_catch_interrupt.
bool support_interrupted (void);

#endif
