/*  support.c -- shared by end-to-end tests and benchmarks (see support.h).  */
#include <arpa/inet.h>
#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include "proto/codec.h"
#include "proto/seal.h"
#include "tests/support/support.h"

#ifndef streq                   //  czmq.h has one
#define streq(a, b) (strcmp ((a), (b)) == 0)
#endif

static licclient_t *s_admin_cached (const support_node_t *n);
static void s_admin_forget (const support_node_t *n);

static const char s_uscc_alphabet [] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

void
support_credit_code (char out [19], uint32_t n)
{
    snprintf (out, 19, "91330106%09u", n % 1000000000u);
    out [17] = 0;
    char code [19];
    for (int i = 0; i < 31; i++) {
        snprintf (code, sizeof code, "%s%c", out, s_uscc_alphabet [i]);
        if (licid_credit_code_valid (code))
            break;
    }
    memcpy (out, code, 19);
}

void
support_resident_id (char out [19], uint32_t n)
{
    //  area 330106, birth 1970-01-01 + n % 10000 days (kept within 1970-1997), sequence
    int day = 1 + (int) (n % 28), month = 1 + (int) ((n / 28) % 12), year = 1970 + (int) ((n / 336) % 28);
    char base [18];
    snprintf (base, sizeof base, "330106%04d%02d%02d%03u", year, month, day, n % 1000u);
    const char *checks = "0123456789X";
    for (int i = 0; i < 11; i++) {
        snprintf (out, 19, "%s%c", base, checks [i]);
        if (licid_resident_id_valid (out))
            return;
    }
}

void
support_license_id (char out [LICID_BARE_MAX + 1], const char *type_code,
                    const char *issuer, uint32_t serial)
{
    char ser [16];
    snprintf (ser, sizeof ser, "2026%07u", serial % 10000000u);
    char check = licid_check_char (type_code, issuer, ser, "001");
    snprintf (out, LICID_BARE_MAX + 1, "%s%s%s%s%c", type_code, issuer, ser, "001", check);
}

int
support_dept_make (support_dept_t *d, uint32_t n, const char *dir)
{
    char code [19], definer [19], name [64];
    memset (d, 0, sizeof *d);
    support_credit_code (code, 1000 + n);
    support_credit_code (definer, 900000 + n % 7);
    snprintf (name, sizeof name, "测试市场监督管理局 %u", n);
    int rc = keyfile_generate (&d->key, code, name);
    if (rc != ERR_OK)
        return rc;
    snprintf (d->type_code, sizeof d->type_code, "%s%03u", definer, 1 + n % 900);
    snprintf (d->key_path, sizeof d->key_path, "%s/dept-%u.key", dir, n);
    return keyfile_save (&d->key, d->key_path, true);
}

int
support_event_sign (const support_dept_t *d, Lic__Op op, uint32_t serial,
                    uint32_t expected_version, uint32_t holder,
                    uint8_t **body, size_t *body_len, uint8_t sig [64])
{
    return support_event_sign_file (d, op, serial, expected_version, holder, NULL,
                                    body, body_len, sig);
}

int
support_event_sign_file (const support_dept_t *d, Lic__Op op, uint32_t serial,
                         uint32_t expected_version, uint32_t holder, const uint8_t *file_digest,
                         uint8_t **body, size_t *body_len, uint8_t sig [64])
{
    char id [LICID_BARE_MAX + 1], hid [19], hname [32], uscc [19], addr [128];
    support_license_id (id, d->type_code, d->key.code, serial);
    support_resident_id (hid, holder);
    snprintf (hname, sizeof hname, "张%u", holder);
    support_credit_code (uscc, 500000 + serial);
    snprintf (addr, sizeof addr, "浙江省杭州市西湖区文三路%u号%u室", serial % 997, expected_version);
    //  Sorted by name (byte order), as evcheck requires.
    struct { const char *name, *value; } items [] = {
        { "business_scope", "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；"
                            "软件开发；信息系统集成服务；数据处理和存储支持服务；计算机系统服务；"
                            "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）。" },
        { "company_type", "有限责任公司（自然人投资或控股）" },
        { "credit_code", uscc },
        { "established", "2026-11-27" },
        { "legal_representative", hname },
        { "name", "杭州示例信息技术有限公司" },
        { "operating_term", "2026-11-27 至 长期" },
        { "registered_capital", "100万元人民币" },
        { "registration_authority", "杭州市西湖区市场监督管理局" },
        { "residence", addr },
    };
    size_t nitems = sizeof items / sizeof items [0];
    Lic__DataItem item_v [16], *item_p [16];
    for (size_t i = 0; i < nitems; i++) {
        codec_item_init (&item_v [i]);
        item_v [i].name = (char *) items [i].name;
        item_v [i].value = (char *) items [i].value;
        item_p [i] = &item_v [i];
    }
    Lic__Holder h;
    codec_holder_init (&h);
    h.id_type = "111";
    h.id = hid;
    h.name = hname;
    Lic__LicenseContent content;
    codec_content_init (&content);
    content.name = "营业执照";
    content.holder = &h;
    content.issue_date = "2026-11-27";
    content.valid_from = "2026-11-27";
    content.valid_to = "2046-11-26";
    content.division_code = "330106";
    content.service_item_code = "330106-000-XK-0001-01";
    content.n_items = nitems;
    content.items = item_p;
    content.seal_info = "杭州市西湖区市场监督管理局电子印章 SN 3301060000000001";
    if (file_digest) {
        content.file_digest.data = (uint8_t *) file_digest;
        content.file_digest.len = 32;
    }
    Lic__Event ev;
    codec_event_init (&ev);
    ev.op = op;
    ev.license_id = id;
    ev.expected_version = expected_version;
    ev.issuer_code = (char *) d->key.code;
    ev.completed_at = 1764201600 + serial;
    if (op == LIC__OP__OP_ISSUE || op == LIC__OP__OP_ALTER)
        ev.content = &content;
    if (op == LIC__OP__OP_EXTEND)
        ev.valid_to = "2056-11-26";
    if (op != LIC__OP__OP_ISSUE)
        ev.note = "依申请办理";
    return licclient_sign (&ev, d->key.sign_sk, d->key.sign_pk, body, body_len, sig);
}

// ---------------------------------------------------------------------
//  Processes

const char *
support_licnode_path (void)
{
    static char path [1024];
    const char *env = getenv ("LICNODE");
    if (env && *env)
        return env;
    char self [900];
    ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return "licnode";
    self [n] = 0;
    snprintf (path, sizeof path, "%s/../node/licnode", dirname (self));
    return path;
}

int64_t
support_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
support_free_port (void)
{
    //  Below Linux's ephemeral range (32768-60999), so no outgoing
    //  connection takes it meanwhile, and never the same port twice in a
    //  process (a port closed here could be handed out again at once).
    static int given [256], n_given;
    static unsigned seed;
    if (!seed)
        seed = (unsigned) getpid () * 2654435761u ^ (unsigned) support_now_us ();
    for (int attempt = 0; attempt < 1000; attempt++) {
        int port = 20000 + (int) (rand_r (&seed) % 12000);
        bool used = false;
        for (int i = 0; i < n_given; i++)
            used |= given [i] == port;
        if (used)
            continue;
        int fd = socket (AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { 0 };
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        a.sin_port = htons ((uint16_t) port);
        bool ok = fd >= 0 && bind (fd, (struct sockaddr *) &a, sizeof a) == 0;
        if (fd >= 0)
            close (fd);
        if (ok) {
            if (n_given < 256)
                given [n_given++] = port;
            return port;
        }
    }
    return -1;
}

int
support_node_start (support_node_t *n, const char *dir, int port, const char *division)
{
    memset (n, 0, sizeof *n);
    snprintf (n->dir, sizeof n->dir, "%s", dir);
    snprintf (n->endpoint, sizeof n->endpoint, "tcp://127.0.0.1:%d", port);
    snprintf (n->division, sizeof n->division, "%s", division);
    snprintf (n->log_path, sizeof n->log_path, "%s/licnode.log", dir);
    return support_node_restart (n);
}

int
support_node_restart (support_node_t *n)
{
    mkdir (n->dir, 0700);
    const char *path = support_licnode_path ();
    pid_t parent = getpid ();
    n->pid = fork ();
    if (n->pid < 0) {
        n->pid = 0;
        return ERR_IO;
    }
    if (n->pid == 0) {
        //  The node dies with the test, however the test ends.
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        if (getppid () != parent)
            _exit (127);
        int log = open (n->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open ("/dev/null", O_WRONLY);
        if (log >= 0)
            dup2 (log, 2);
        if (null >= 0)
            dup2 (null, 1);
        if (*n->netns)
            execlp ("ip", "ip", "netns", "exec", n->netns, path, "-c", n->config, "-d", n->dir,
                    "-l", n->endpoint, "--division", n->division, (char *) NULL);
        else
        if (*n->config)
            execl (path, path, "-c", n->config, "-d", n->dir, "-l", n->endpoint,
                   "--division", n->division, (char *) NULL);
        else
            execl (path, path, "-d", n->dir, "-l", n->endpoint, "--division", n->division,
                   (char *) NULL);
        _exit (127);
    }
    int64_t deadline = support_now_us () + 20 * 1000000;
    while (support_now_us () < deadline) {
        int status;
        if (waitpid (n->pid, &status, WNOHANG) == n->pid) {
            fprintf (stderr, "licnode exited during start (see %s)\n", n->log_path);
            n->pid = 0;
            return ERR_IO;
        }
        licclient_t *admin = access (n->log_path, F_OK) == 0? s_admin_cached (n): NULL;
        if (admin) {
            Lic__Reply *reply = NULL;
            int src = licclient_status (admin, &reply, 300);
            codec_reply_free (&reply);
            if (src == ERR_OK)
                return ERR_OK;
            s_admin_forget (n);     //  node.pub may still name the old endpoint
        }
        usleep (50000);
    }
    fprintf (stderr, "licnode did not answer within 20 s (see %s)\n", n->log_path);
    support_node_stop (n, SIGKILL);
    return ERR_IO;
}

int
support_node_start_cfg (support_node_t *n, const char *dir, int port, const char *division,
                        const char *config_json)
{
    char netns [64];
    snprintf (netns, sizeof netns, "%s", n->netns);     //  the caller may have set it
    memset (n, 0, sizeof *n);
    snprintf (n->netns, sizeof n->netns, "%s", netns);
    snprintf (n->dir, sizeof n->dir, "%s", dir);
    if (port)
        snprintf (n->endpoint, sizeof n->endpoint, "tcp://127.0.0.1:%d", port);
    else
        snprintf (n->endpoint, sizeof n->endpoint, "ipc://%s/client.sock", dir);
    snprintf (n->division, sizeof n->division, "%s", division);
    snprintf (n->log_path, sizeof n->log_path, "%s/licnode.log", dir);
    snprintf (n->config, sizeof n->config, "%s/licnode.json", dir);
    mkdir (dir, 0700);
    FILE *f = fopen (n->config, "w");
    if (!f)
        return ERR_IO;
    fputs (config_json, f);
    fclose (f);
    return support_node_restart (n);
}

int
support_node_init (const char *dir, const char *division)
{
    char cmd [1400];
    snprintf (cmd, sizeof cmd, "%s init -d %s --division %s > /dev/null", support_licnode_path (),
              dir, division);
    return system (cmd) == 0? ERR_OK: ERR_IO;
}

int
support_node_stop (support_node_t *n, int sig)
{
    int status = 0;
    s_admin_forget (n);
    if (n->pid > 0) {
        kill (n->pid, sig);
        while (waitpid (n->pid, &status, 0) < 0 && errno == EINTR)
            ;
        n->pid = 0;
    }
    return status;
}

bool
support_node_alive (support_node_t *n)
{
    int status;
    if (n->pid > 0 && waitpid (n->pid, &status, WNOHANG) == n->pid) {
        fprintf (stderr, "licnode %s exited (%s %d); the end of %s:\n", n->division,
                 WIFSIGNALED (status)? "signal": "status",
                 WIFSIGNALED (status)? WTERMSIG (status): WEXITSTATUS (status), n->log_path);
        n->pid = 0;
        FILE *f = fopen (n->log_path, "r");
        char buf [4096];
        if (f && fseek (f, -(long) sizeof buf + 1, SEEK_END) != 0)
            rewind (f);
        size_t len = f? fread (buf, 1, sizeof buf - 1, f): 0;
        buf [len] = 0;
        fprintf (stderr, "%s\n", buf);
        if (f)
            fclose (f);
    }
    return n->pid > 0;
}

int
support_admin (licclient_t **out, const support_node_t *n)
{
    char pub [600], key [600];
    snprintf (pub, sizeof pub, "%s/node.pub", n->dir);
    snprintf (key, sizeof key, "%s/admin.key", n->dir);
    if (access (pub, R_OK) != 0 || access (key, R_OK) != 0)
        return ERR_IO;
    int rc = licclient_open_files (out, pub, key);
    if (rc != ERR_OK)
        fprintf (stderr, "support: admin client for %s: %s (%s)\n", n->dir, err_str (rc),
                 zmq_strerror (zmq_errno ()));
    return rc;
}

int
support_client (licclient_t **out, const support_node_t *n, const support_dept_t *d)
{
    char pub [600];
    keyfile_t node;
    snprintf (pub, sizeof pub, "%s/node.pub", n->dir);
    int rc = keyfile_load (&node, pub);
    if (rc != ERR_OK)
        return rc;
    return licclient_open (out, n->endpoint, node.curve_pk, d->key.curve_pk, d->key.curve_sk);
}

void
support_type_make (support_type_t *parts, const char *type_code)
{
    static const char *names [] = { "business_scope", "company_type", "credit_code", "established",
        "legal_representative", "name", "operating_term", "registered_capital",
        "registration_authority", "residence" };
    for (int i = 0; i < 10; i++) {
        Lic__ItemSpec *spec = &parts->specs [i];
        lic__item_spec__init (spec);
        spec->name = (char *) names [i];
        spec->label = (char *) names [i];
        spec->kind = i == 3? LIC__ITEM_KIND__KIND_DATE: LIC__ITEM_KIND__KIND_STRING;
        spec->required = i != 1 && i != 6;
        spec->max_length = i == 0? 2000: 200;
        //  support_event_sign sends every item in clear, so none may be
        //  personal/commercial/secret: those must be salted digests (issue
        //  5 item 3); test_e2e_catalogue defines its own sensitive type.
        spec->sensitivity = LIC__SENSITIVITY__SENS_PUBLIC;
        parts->sp [i] = spec;
    }
    lic__validity_rule__init (&parts->rule);
    parts->rule.term_months = 240;
    Lic__LicenseType *t = &parts->type;
    codec_license_type_init (t);
    snprintf (parts->code, sizeof parts->code, "%s", type_code);
    snprintf (parts->body, sizeof parts->body, "%.18s", type_code);
    t->type_code = parts->code;
    t->name = "营业执照";
    t->defining_body = parts->body;
    t->n_items = 10;
    t->items = parts->sp;
    t->validity = &parts->rule;
}

int
support_catalogue_add (licclient_t *admin, const char *type_code)
{
    support_type_t parts;
    support_type_make (&parts, type_code);
    return support_catalogue_put (admin, &parts.type);
}

int
support_catalogue_put (licclient_t *admin, const Lic__LicenseType *t)
{
    Lic__LicenseType copy = *t;
    copy.version = 0;
    copy.division = "";
    copy.at = 0;
    Lic__CatalogueRequest cr;
    lic__catalogue_request__init (&cr);
    cr.add = &copy;
    Lic__Reply *reply = NULL;
    int rc = licclient_catalogue (admin, &cr, &reply, 10000);
    if (rc == ERR_OK)
        rc = reply->code;
    if (rc != ERR_OK && reply)
        fprintf (stderr, "support: catalogue add refused: %s\n", reply->message);
    codec_reply_free (&reply);
    return rc;
}

int
support_register (licclient_t *admin, const support_dept_t *d)
{
    int rc = support_register_department (admin, d);
    return rc == ERR_OK? support_catalogue_add (admin, d->type_code): rc;
}

int
support_register_department (licclient_t *admin, const support_dept_t *d)
{
    Lic__Department dept;
    codec_department_init (&dept);
    uint8_t curve [32];
    zmq_z85_decode (curve, d->key.curve_pk);
    ProtobufCBinaryData sk = { 32, (uint8_t *) d->key.sign_pk };
    char *types [1] = { (char *) d->type_code };
    dept.credit_code = (char *) d->key.code;
    dept.name = (char *) d->key.name;
    dept.n_sign_keys = 1;
    dept.sign_keys = &sk;
    dept.curve_key.data = curve;
    dept.curve_key.len = 32;
    dept.n_license_types = 1;
    dept.license_types = types;
    Lic__Reply *reply = NULL;
    int rc = licclient_register (admin, &dept, &reply, 10000);
    if (rc == ERR_OK)
        rc = reply->code;
    codec_reply_free (&reply);
    return rc;
}

// ---------------------------------------------------------------------
//  Files

int
support_tmpdir (char out [512], const char *tag)
{
    const char *base = getenv ("TMPDIR");
    snprintf (out, 512, "%s/licrepo-%s-XXXXXX", base && *base? base: "/tmp", tag);
    return mkdtemp (out)? ERR_OK: ERR_IO;
}

static int
s_unlink (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove (path);
}

void
support_rmtree (const char *path)
{
    nftw (path, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

// ---------------------------------------------------------------------
//  Publishing and hierarchies

int
support_publish (licclient_t *c, const support_dept_t *d, uint32_t serial0, int licenses,
                 int alters)
{
    int total = licenses * (1 + alters), sent = 0, done = 0, ok = 0;
    while (done < total) {
        while (sent < total && sent - done < 128) {
            int lic = sent / (1 + alters), step = sent % (1 + alters);
            uint8_t *body, sig [64];
            size_t len;
            uint32_t serial = serial0 + (uint32_t) lic;
            if (support_event_sign (d, step? LIC__OP__OP_ALTER: LIC__OP__OP_ISSUE, serial,
                                    (uint32_t) step, serial, &body, &len, sig) != ERR_OK)
                return ok;
            int rc = licclient_send_publish (c, body, len, sig, d->key.sign_pk, NULL);
            free (body);
            if (rc != ERR_OK)
                return ok;
            sent++;
        }
        Lic__Reply *r = NULL;
        if (licclient_recv (c, &r, 30000) != ERR_OK)
            return ok;
        if (r->code == ERR_OK)
            ok++;
        else
            fprintf (stderr, "publish refused: %s: %s\n", err_str (r->code), r->message);
        codec_reply_free (&r);
        done++;
    }
    return ok;
}

//  One admin client per node, kept across calls: tests poll status many
//  times a second, and a socket per call would churn through ZeroMQ's
//  socket limit.  Dropped when the node is stopped.
#define S_ADMINS_MAX 32
static struct {
    const support_node_t *node;
    licclient_t *client;
} s_admins [S_ADMINS_MAX];

static licclient_t *
s_admin_cached (const support_node_t *n)
{
    int free_slot = -1;
    for (int i = 0; i < S_ADMINS_MAX; i++) {
        if (s_admins [i].node == n && s_admins [i].client)
            return s_admins [i].client;
        if (!s_admins [i].client && free_slot < 0)
            free_slot = i;
    }
    licclient_t *c = NULL;
    if (free_slot < 0 || support_admin (&c, n) != ERR_OK)
        return NULL;
    s_admins [free_slot].node = n;
    s_admins [free_slot].client = c;
    return c;
}

static void
s_admin_forget (const support_node_t *n)
{
    for (int i = 0; i < S_ADMINS_MAX; i++)
        if (s_admins [i].node == n) {
            licclient_destroy (&s_admins [i].client);
            s_admins [i].node = NULL;
        }
}

int
support_status (const support_node_t *n, Lic__Reply **reply)
{
    licclient_t *admin = s_admin_cached (n);
    int rc = admin? licclient_status (admin, reply, 10000): ERR_IO;
    if (rc == ERR_OK && (*reply)->code != ERR_OK) {
        rc = (*reply)->code;
        codec_reply_free (reply);
    }
    if (rc != ERR_OK)
        s_admin_forget (n);     //  a fresh one next time
    return rc;
}

int
support_digest (const support_node_t *n, const char *division, uint8_t digest [32],
                uint64_t *licenses)
{
    licclient_t *admin = s_admin_cached (n);
    int rc = admin? ERR_OK: ERR_IO;
    Lic__Reply *r = NULL;
    if (rc == ERR_OK)
        rc = licclient_digest (admin, &r, 60000);
    if (rc == ERR_OK)
        rc = r->code;
    if (rc == ERR_OK) {
        rc = ERR_NOT_FOUND;
        memset (digest, 0, 32);
        *licenses = 0;
        for (size_t i = 0; i < r->digest->n_entries; i++)
            if (streq (r->digest->entries [i]->division, division)) {
                memcpy (digest, r->digest->entries [i]->digest.data, 32);
                *licenses = r->digest->entries [i]->licenses;
                rc = ERR_OK;
            }
    }
    codec_reply_free (&r);
    if (rc != ERR_OK && rc != ERR_NOT_FOUND)
        s_admin_forget (n);
    return rc;
}

static const char *s_divisions [4] = { "330106", "330108", "330100", "330000" };

int
support_hier_start (support_hier_t *h, const char *base)
{
    char extra [4][256];
    memcpy (extra, h->extra, sizeof extra);
    memset (h, 0, sizeof *h);
    memcpy (h->extra, extra, sizeof extra);
    snprintf (h->base, sizeof h->base, "%s", base);
    char dir [4][600], cfg [4096];
    int port [4];
    for (int i = 0; i < 4; i++) {
        snprintf (dir [i], sizeof dir [i], "%s/%s", base, s_divisions [i]);
        port [i] = support_free_port ();
        h->repl_port [i] = i >= 2? support_free_port (): 0;
        if (support_node_init (dir [i], s_divisions [i]) != ERR_OK)
            return ERR_IO;
    }
    //  Province: the city is its child.
    snprintf (cfg, sizeof cfg,
        "{ %s \"division\": \"330000\", \"name\": \"province\", \"checkpoint_ms\": 200,\n"
        "  \"replication_listen\": \"tcp://127.0.0.1:%d\",\n"
        "  \"children\": [ { \"pub_file\": \"%s/node.pub\" } ] }\n", h->extra [3], h->repl_port [3], dir [2]);
    if (support_node_start_cfg (&h->node [3], dir [3], port [3], "330000", cfg) != ERR_OK)
        return ERR_IO;
    snprintf (cfg, sizeof cfg,
        "{ %s \"division\": \"330100\", \"name\": \"city\", \"checkpoint_ms\": 200,\n"
        "  \"replication_listen\": \"tcp://127.0.0.1:%d\",\n"
        "  \"parent\": { \"pub_file\": \"%s/node.pub\", \"endpoint\": \"tcp://127.0.0.1:%d\" },\n"
        "  \"children\": [ { \"pub_file\": \"%s/node.pub\" }, { \"pub_file\": \"%s/node.pub\" } ] }\n",
        h->extra [2], h->repl_port [2], dir [3], h->repl_port [3], dir [0], dir [1]);
    if (support_node_start_cfg (&h->node [2], dir [2], port [2], "330100", cfg) != ERR_OK)
        return ERR_IO;
    for (int i = 0; i < 2; i++) {
        snprintf (cfg, sizeof cfg,
            "{ %s \"division\": \"%s\", \"name\": \"county\", \"checkpoint_ms\": 200,\n"
            "  \"parent\": { \"pub_file\": \"%s/node.pub\", \"endpoint\": \"tcp://127.0.0.1:%d\" } }\n",
            h->extra [i], s_divisions [i], dir [2], h->repl_port [2]);
        if (support_node_start_cfg (&h->node [i], dir [i], port [i], s_divisions [i], cfg) != ERR_OK)
            return ERR_IO;
    }
    return ERR_OK;
}

uint64_t
support_child_acked (const Lic__NodeStatus *st, const char *division)
{
    for (size_t i = 0; i < st->n_children; i++)
        if (streq (st->children [i]->division, division))
            return st->children [i]->acked_seq;
    return 0;
}

int
support_hier_wait_synced (support_hier_t *h, int timeout_s)
{
    int64_t deadline = support_now_us () + (int64_t) timeout_s * 1000000;
    while (support_now_us () < deadline) {
        Lic__Reply *st [4] = { NULL };
        bool ok = true;
        for (int i = 0; i < 4 && ok; i++)
            ok = support_status (&h->node [i], &st [i]) == ERR_OK;
        if (ok)
            ok = support_child_acked (st [2]->status, "330106") == st [0]->status->head_seq
              && support_child_acked (st [2]->status, "330108") == st [1]->status->head_seq
              && support_child_acked (st [3]->status, "330100") == st [2]->status->head_seq
              && st [2]->status->uplink_acked == st [2]->status->head_seq;
        for (int i = 0; i < 4; i++)
            codec_reply_free (&st [i]);
        if (ok)
            return ERR_OK;
        usleep (200000);
    }
    return ERR_BUSY;
}

void
support_hier_stop (support_hier_t *h, int sig)
{
    for (int i = 0; i < 4; i++)
        support_node_stop (&h->node [i], sig);
}

// ---------------------------------------------------------------------
//  Benchmark figures

typedef struct {
    uint8_t msg [1024], pk [32], sig [64];
    int64_t until_us;
    long count;
    pthread_t thread;
} s_vrf_t;

static void *
s_verify_loop (void *arg)
{
    s_vrf_t *v = (s_vrf_t *) arg;
    while (support_now_us () < v->until_us)
        for (int i = 0; i < 64; i++)
            if (seal_verify (v->sig, v->msg, sizeof v->msg, v->pk) == ERR_OK)
                v->count++;
    return NULL;
}

double
support_verify_cpu_us (void)
{
    uint8_t pk [SEAL_PUBLIC_BYTES], sk [SEAL_SECRET_BYTES], sig [SEAL_SIG_BYTES], m [1024];
    memset (m, 0x5a, sizeof m);
    seal_keypair (pk, sk);
    seal_sign (sig, m, sizeof m, sk);
    double us [5];
    for (int r = 0; r < 5; r++) {
        struct timespec a, b;
        clock_gettime (CLOCK_THREAD_CPUTIME_ID, &a);
        for (int i = 0; i < 200; i++)
            if (seal_verify (sig, m, sizeof m, pk) != ERR_OK)
                return 0;
        clock_gettime (CLOCK_THREAD_CPUTIME_ID, &b);
        us [r] = ((double) (b.tv_sec - a.tv_sec) * 1e6 + (double) (b.tv_nsec - a.tv_nsec) / 1e3) / 200;
    }
    seal_wipe (sk, sizeof sk);
    return support_median (us, 5);
}

double
support_verify_rate (int threads)
{
    s_vrf_t *v = calloc ((size_t) (threads > 0? threads: 1), sizeof *v);
    if (!v)
        return 0;
    uint8_t sk [64];
    int64_t start = support_now_us ();
    for (int t = 0; t < threads; t++) {
        seal_random (v [t].msg, sizeof v [t].msg);
        seal_keypair (v [t].pk, sk);
        seal_sign (v [t].sig, v [t].msg, sizeof v [t].msg, sk);
        v [t].count = 0;
        v [t].until_us = start + 1000000;
        pthread_create (&v [t].thread, NULL, s_verify_loop, &v [t]);
    }
    long total = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join (v [t].thread, NULL);
        total += v [t].count;
    }
    free (v);
    return (double) total * 1e6 / (double) (support_now_us () - start);
}

long
support_proc_field (pid_t pid, const char *key)
{
    char path [64], line [256];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *f = fopen (path, "r");
    long v = -1;
    while (f && fgets (line, sizeof line, f))
        if (strncmp (line, key, strlen (key)) == 0)
            v = atol (line + strlen (key));
    if (f)
        fclose (f);
    return v;
}

double
support_proc_cpu (pid_t pid)
{
    char path [64];
    snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *f = fopen (path, "r");
    unsigned long ut = 0, st = 0;
    if (f) {
        //  fields 14 and 15: utime, stime (after "pid (comm) state")
        if (fscanf (f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
            ut = st = 0;
        fclose (f);
    }
    return (double) (ut + st) / (double) sysconf (_SC_CLK_TCK);
}

double
support_median (const double *v, int n)
{
    if (n < 1)
        return 0;
    double small [16], *w = n <= 16? small: malloc ((size_t) n * sizeof *w);
    if (!w)
        return 0;
    memcpy (w, v, (size_t) n * sizeof *v);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && w [j] < w [j - 1]; j--) {
            double t = w [j]; w [j] = w [j - 1]; w [j - 1] = t;
        }
    double median = n % 2? w [n / 2]: (w [n / 2 - 1] + w [n / 2]) / 2;
    if (w != small)
        free (w);
    return median;
}

int
support_cmp_i64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y? -1: x > y;
}

static volatile sig_atomic_t s_interrupted;

static void
s_on_interrupt (int sig)
{
    s_interrupted = 1;
}

void
support_catch_interrupt (void)
{
    zsys_handler_set (NULL);
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_interrupt;
    sigemptyset (&sa.sa_mask);
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);
}

bool
support_interrupted (void)
{
    return s_interrupted != 0;
}

int
support_node_check (const support_node_t *n)
{
    char cmd [2400], out [620];
    snprintf (out, sizeof out, "%s.check", n->log_path);
    snprintf (cmd, sizeof cmd, "%s check -d %s > %s 2>&1", support_licnode_path (), n->dir, out);
    int rc = system (cmd);
    if (WIFEXITED (rc) && WEXITSTATUS (rc) == 0)
        return ERR_OK;
    //  What licnode found (the directory may be removed soon after).
    fprintf (stderr, "licnode check of %s failed (%s %d):\n", n->dir,
             WIFSIGNALED (rc)? "signal": "status", WIFSIGNALED (rc)? WTERMSIG (rc): WEXITSTATUS (rc));
    snprintf (cmd, sizeof cmd, "tail -c 4000 %s >&2", out);
    if (system (cmd) != 0)
        fprintf (stderr, "(no output)\n");
    return ERR_CORRUPT;
}

const char *
support_licctl_path (void)
{
    static char path [1024];
    const char *env = getenv ("LICCTL");
    if (env && *env)
        return env;
    snprintf (path, sizeof path, "%s", support_licnode_path ());
    char *slash = strrchr (path, '/');
    snprintf (slash? slash + 1: path, sizeof path - (size_t) (slash? slash + 1 - path: 0), "licctl");
    return path;
}

int
support_metrics_scrape (int port, char *buf, size_t size)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    const char *get = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (fd < 0 || connect (fd, (struct sockaddr *) &a, sizeof a) != 0
    ||  write (fd, get, strlen (get)) != (ssize_t) strlen (get)) {
        if (fd >= 0)
            close (fd);
        return ERR_IO;
    }
    size_t n = 0;
    ssize_t k;
    while (n + 1 < size && (k = read (fd, buf + n, size - 1 - n)) > 0)
        n += (size_t) k;
    close (fd);
    buf [n] = 0;
    return strstr (buf, " 200 ")? ERR_OK: ERR_IO;
}

//  The value's text of the sample `series` in text, NULL if absent.
static const char *
s_metric_at (const char *text, const char *series)
{
    size_t len = strlen (series);
    for (const char *p = strstr (text, series); p; p = strstr (p + 1, series))
        if ((p == text || p [-1] == '\n') && p [len] == ' ')
            return p + len + 1;
    return NULL;
}

int64_t
support_metric (const char *text, const char *series)
{
    const char *at = s_metric_at (text, series);
    return at? strtoll (at, NULL, 10): -1;
}

double
support_metric_real (const char *text, const char *series)
{
    const char *at = s_metric_at (text, series);
    return at? strtod (at, NULL): -1;
}

int
support_probe (support_node_t *const *nodes, const int *ports, int n, support_probe_t *out)
{
    static char text [256 * 1024];
    usleep (1200000);
    for (int i = 0; i < n; i++) {
        if (support_metrics_scrape (ports [i], text, sizeof text) != ERR_OK)
            return ERR_IO;
        out [i].cpu_s = support_proc_cpu (nodes [i]->pid);
        out [i].checks = support_metric_real (text, "licrepo_signature_checks_total");
        out [i].check_s = support_metric_real (text, "licrepo_signature_check_cpu_seconds_total");
        out [i].frames = support_metric_real (text, "licrepo_publish_frames_total");
        if (out [i].checks < 0 || out [i].check_s < 0 || out [i].frames < 0)
            return ERR_IO;
    }
    return ERR_OK;
}

int
support_register_body (licclient_t *admin, const keyfile_t *k, const char *type_code,
                       const char *matter)
{
    uint8_t curve [32];
    if (!zmq_z85_decode (curve, k->curve_pk))
        return ERR_MALFORMED;
    const char *types [1] = { type_code }, *matters [1] = { matter };
    Lic__AppBody b = LIC__APP_BODY__INIT;
    b.credit_code = (char *) k->code;
    b.name = (char *) k->name;
    b.curve_key.data = curve;
    b.curve_key.len = 32;
    b.license_types = (char **) types;
    b.n_license_types = 1;
    b.matters = (char **) matters;
    b.n_matters = 1;
    Lic__Reply *r = NULL;
    int rc = licclient_app_body (admin, &b, &r, 10000);
    if (rc == ERR_OK)
        rc = r->code;
    if (rc != ERR_OK && r)
        fprintf (stderr, "support: application body refused: %s\n", r->message);
    codec_reply_free (&r);
    return rc;
}

zframe_t *
support_request_frame (const Lic__Request *req)
{
    uint8_t *buf;
    size_t len;
    int rc = codec_request_encode (req, &buf, &len);
    assert (rc == ERR_OK);
    (void) rc;
    zframe_t *f = zframe_new (buf, len);
    free (buf);
    return f;
}
