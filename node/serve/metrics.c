/*  metrics.c -- Prometheus text endpoint (see metrics.h).

    The only file that knows libmicrohttpd.  Our own thread accepts the
    connections and runs libmicrohttpd (epoll, so the RocksDB file
    descriptors above FD_SETSIZE do not matter) in the same loop; a
    response is the rendered text and the endpoint's own counters.

    Bounds (README "Bounded resources"; without them 20 slow
    connections, one header byte every 4 s, held every scrape for as
    long as they kept sending):
    - METRICS_CONNECTIONS open at most, METRICS_PER_ADDRESS of them from
      one client address; a newcomer over either bound evicts the oldest
      connection of its address (or of all), so slow clients on the
      scraper's own address (127.0.0.1 by default) cannot lock it out;
    - every request must be answered within METRICS_DEADLINE_S of its
      connection's accept (or of the previous answer on a kept-alive
      connection), whatever it sends meanwhile: libmicrohttpd's timeout
      is idle-based and each byte resets it, so our loop shuts down
      connections past their deadline itself;
    - request headers are capped at S_REQUEST_MEMORY per connection.
    Deliberately not here: per-address rates, or telling a scraper from
    an attacker on the same address (a flood of new connections from the
    scraper's own address can still evict it before it is read).

    Why a mutex here, against STYLE 4: the HTTP thread is ours but a
    scrape must be answered from libmicrohttpd's callback and cannot wait
    on a pipe for the server thread.  The shared objects are the current
    texts (the exposition and the dashboard's JSON, with when the latter
    was made and last asked for); they are swapped (server thread) or
    copied into the response (HTTP thread) under the lock, nothing else
    is shared, and neither side does anything else while holding it.
    Connection slots and counters belong to the HTTP thread alone, the
    dashboard's history (dashboard.h) to the server thread alone.

    The dashboard (dashboard.h) is served from the same listener: its
    page and assets, compiled in, and /dashboard.json, rendered by the
    server thread about once a second only while someone reads it (asked
    for within METRICS_DASHBOARD_WATCH_S), and never served older than
    METRICS_DASHBOARD_FRESH_S (503 instead: the page asks again).

    The text itself is made by metrics_render.c.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "node/base/config.h"
#include "node/base/logfmt.h"
#include "node/serve/dashboard.h"
#include "node/pipeline/lateness.h"
#include "node/serve/metrics.h"

#define S_REQUEST_MEMORY (16 * 1024)   //  request headers per connection
#define S_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define S_SLOTS (2 * METRICS_CONNECTIONS)   //  open ones plus those still closing
#define S_DEADLINE_MS ((int64_t) METRICS_DEADLINE_S * 1000)
#define S_ACCEPT_BATCH (METRICS_PER_ADDRESS - 1)   //  accepts per turn (s_accept)
#define S_ACCEPT_PAUSE_MS 100           //  after EMFILE and the like
#define S_BACKLOG 64                    //  listen backlog
#define S_LOG_EVERY_MS (60 * 1000)      //  closed connections reported at most this often

_Static_assert (METRICS_PER_ADDRESS >= 2 && METRICS_PER_ADDRESS <= METRICS_CONNECTIONS,
                "a newcomer must survive one turn of accepts from its address");

typedef enum {
    S_CLOSED_DEADLINE,      //  request not answered within METRICS_DEADLINE_S
    S_CLOSED_EVICTED,       //  oldest of its address (or of all) made room
    S_CLOSED_REFUSED,       //  no slot left at all, or libmicrohttpd refused it
    S_CLOSED_REASONS
} s_closed_t;

static const char *s_closed_names [S_CLOSED_REASONS] = { "deadline", "evicted", "refused" };

typedef struct {
    int fd;                         //  the connection's socket; -1: slot free
    struct in_addr addr;            //  client address
    int64_t started_ms;             //  accept, or the previous answer (keep-alive)
    uint64_t order;                 //  rises with started_ms, never ties: oldest first
    bool closing;                   //  shut down by us, not yet closed by libmicrohttpd
} s_slot_t;

struct metrics_t {
    struct MHD_Daemon *mhd;         //  parser and answerer, run by our thread
    pthread_t thread;               //  the HTTP thread (s_http_thread)
    bool thread_started;            //  thread is valid
    int listen_fd;                  //  listening socket
    int wake_fd;                    //  eventfd: metrics_destroy wakes the thread
    int epoll_fd;                   //  libmicrohttpd's, readable when it has work
    uint16_t port;                  //  port listened on
    pthread_mutex_t lock;           //  guards text and len, nothing else
    char *text;                     //  current exposition text, NULL = none yet
    size_t len;                     //  its length
    char *dash;                     //  current /dashboard.json, NULL = none yet
    size_t dash_len;                //  its length
    int64_t dash_made_ms;           //  when it was rendered (s_now_ms)
    int64_t dash_asked_ms;          //  last request for it (s_now_ms); 0 = never
    //  Server thread only:
    dashboard_t *dashboard;         //  lag history
    //  HTTP thread only:
    s_slot_t slots [S_SLOTS];       //  one per connection handed to libmicrohttpd
    uint64_t closed [S_CLOSED_REASONS];    //  connections we closed, by reason
    uint64_t closed_logged;         //  their sum when last logged
    int64_t log_after;              //  next time the sum may be logged
    int64_t accept_paused_until;    //  accept again from then (EMFILE)
    uint64_t next_order;            //  next s_slot_t.order
};

// ---------------------------------------------------------------------
//  Listen address

int
metrics_listen_check (const char *listen, char *why, size_t why_size)
{
    struct sockaddr_in sa;
    return config_http_listen (listen, false, &sa, why, why_size);
}

// ---------------------------------------------------------------------
//  HTTP: connections
//
//  Our thread owns the listening socket and a slot per connection;
//  libmicrohttpd parses and answers when our thread calls MHD_run, so
//  the slots need no lock.  A slot is taken at accept and released when
//  libmicrohttpd reports the connection closed, which it does before it
//  closes the socket (MHD_cleanup_connections, 0.9.75), so the fd of a
//  slot in use is always a live socket of ours: shutting it down makes
//  libmicrohttpd read end-of-file and close the connection itself.

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  Shuts the connection down; libmicrohttpd closes it at its next turn
//  and frees the slot through s_on_connection.
static void
s_close (metrics_t *self, s_slot_t *slot, s_closed_t why, int64_t now)
{
    char addr [INET_ADDRSTRLEN] = "?";
    inet_ntop (AF_INET, &slot->addr, addr, sizeof addr);
    shutdown (slot->fd, SHUT_RDWR);
    slot->closing = true;
    self->closed [why]++;
    logfmt_debug ("metrics connection closed", "reason=%s client=%s age_ms=%" PRId64,
                  s_closed_names [why], addr, now - slot->started_ms);
}

//  Gives the new connection fd a slot, evicting the oldest connection of
//  its address when that address holds METRICS_PER_ADDRESS, else the
//  oldest of all when METRICS_CONNECTIONS are open: the newcomer is the
//  one that may still be a scraper, the oldest the one that had longest
//  to finish.  Hands fd to libmicrohttpd (which closes it on failure).
static void
s_admit (metrics_t *self, int fd, const struct sockaddr_in *sa, int64_t now)
{
    s_slot_t *free_slot = NULL, *oldest = NULL, *oldest_mine = NULL;
    int live = 0, mine = 0;
    for (int i = 0; i < S_SLOTS; i++) {
        s_slot_t *slot = &self->slots [i];
        if (slot->fd < 0) {
            if (!free_slot)
                free_slot = slot;
            continue;
        }
        if (slot->closing)
            continue;
        live++;
        if (!oldest || slot->order < oldest->order)
            oldest = slot;
        if (slot->addr.s_addr == sa->sin_addr.s_addr) {
            mine++;
            if (!oldest_mine || slot->order < oldest_mine->order)
                oldest_mine = slot;
        }
    }
    if (!free_slot) {                   //  every slot still closing: transient
        close (fd);
        self->closed [S_CLOSED_REFUSED]++;
        return;
    }
    if (mine >= METRICS_PER_ADDRESS)
        s_close (self, oldest_mine, S_CLOSED_EVICTED, now);
    else
    if (live >= METRICS_CONNECTIONS)
        s_close (self, oldest, S_CLOSED_EVICTED, now);
    *free_slot = (s_slot_t) { .fd = fd, .addr = sa->sin_addr, .started_ms = now,
                              .order = self->next_order++ };
    if (MHD_add_connection (self->mhd, fd, (const struct sockaddr *) sa, sizeof *sa) != MHD_YES) {
        free_slot->fd = -1;             //  closed by libmicrohttpd
        free_slot->closing = false;
        self->closed [S_CLOSED_REFUSED]++;
    }
}

//  Accepts at most S_ACCEPT_BATCH connections per turn: a connection
//  accepted in this turn is read by libmicrohttpd in the next one, before
//  enough newcomers from its address could have evicted it.
static void
s_accept (metrics_t *self, int64_t now)
{
    for (int i = 0; i < S_ACCEPT_BATCH; i++) {
        struct sockaddr_in sa;
        socklen_t len = sizeof sa;
        int fd = accept4 (self->listen_fd, (struct sockaddr *) &sa, &len,
                          SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                //  The backlog waits; do not spin on a readable listener.
                self->accept_paused_until = now + S_ACCEPT_PAUSE_MS;
                logfmt_warn ("metrics cannot accept", "error=\"%s\"", strerror (errno));
            }
            return;
        }
        if (len != sizeof sa || sa.sin_family != AF_INET) {
            close (fd);
            continue;
        }
        s_admit (self, fd, &sa, now);
    }
}

//  Closes every connection past its deadline; says once a minute at most
//  how many connections the endpoint closed, so a slow-loris shows up
//  in the log without flooding it.
static void
s_sweep (metrics_t *self, int64_t now)
{
    for (int i = 0; i < S_SLOTS; i++) {
        s_slot_t *slot = &self->slots [i];
        if (slot->fd >= 0 && !slot->closing && now - slot->started_ms >= S_DEADLINE_MS)
            s_close (self, slot, S_CLOSED_DEADLINE, now);
    }
    uint64_t closed = 0;
    for (int why = 0; why < S_CLOSED_REASONS; why++)
        closed += self->closed [why];
    if (closed != self->closed_logged && now >= self->log_after) {
        logfmt_warn ("metrics endpoint closed slow or surplus connections (totals since start)",
                     "deadline=%" PRIu64 " evicted=%" PRIu64 " refused=%" PRIu64,
                     self->closed [S_CLOSED_DEADLINE], self->closed [S_CLOSED_EVICTED],
                     self->closed [S_CLOSED_REFUSED]);
        self->closed_logged = closed;
        self->log_after = now + S_LOG_EVERY_MS;
    }
}

//  Milliseconds poll may sleep: until the nearest deadline, the end of an
//  accept pause or libmicrohttpd's own timeout; -1 for none of them.
static int
s_poll_timeout (metrics_t *self, int64_t now)
{
    int64_t next = INT64_MAX;
    for (int i = 0; i < S_SLOTS; i++) {
        s_slot_t *slot = &self->slots [i];
        if (slot->fd >= 0 && !slot->closing && slot->started_ms + S_DEADLINE_MS < next)
            next = slot->started_ms + S_DEADLINE_MS;
    }
    if (self->accept_paused_until > now && self->accept_paused_until < next)
        next = self->accept_paused_until;
    MHD_UNSIGNED_LONG_LONG mhd_ms;
    if (MHD_get_timeout (self->mhd, &mhd_ms) == MHD_YES
    &&  mhd_ms < (MHD_UNSIGNED_LONG_LONG) INT32_MAX && now + (int64_t) mhd_ms < next)
        next = now + (int64_t) mhd_ms;
    if (next == INT64_MAX)
        return -1;
    return next <= now? 0: next - now > INT32_MAX? INT32_MAX: (int) (next - now);
}

static void *
s_http_thread (void *arg)
{
    metrics_t *self = arg;
    pthread_setname_np (pthread_self (), "lic-http");
    struct pollfd p [3] = {
        { .fd = self->wake_fd, .events = POLLIN },
        { .fd = self->epoll_fd, .events = POLLIN },
        { .fd = self->listen_fd, .events = POLLIN },
    };
    while (true) {
        int64_t now = s_now_ms ();
        p [2].fd = now < self->accept_paused_until? -1: self->listen_fd;
        p [2].revents = 0;
        if (poll (p, 3, s_poll_timeout (self, now)) < 0 && errno != EINTR) {
            logfmt_error ("metrics poll failed", "error=\"%s\"", strerror (errno));
            struct timespec pause = { .tv_nsec = S_ACCEPT_PAUSE_MS * 1000000L };
            nanosleep (&pause, NULL);
        }
        if (p [0].revents)
            break;                      //  metrics_destroy
        MHD_run (self->mhd);
        now = s_now_ms ();
        if (p [2].revents)
            s_accept (self, now);
        s_sweep (self, now);
    }
    return NULL;
}

//  STARTED: the connection s_admit just handed over finds its slot by
//  socket.  CLOSED: libmicrohttpd is about to close the socket; the slot
//  is free again.
static void
s_on_connection (void *cls, struct MHD_Connection *conn, void **socket_context,
                 enum MHD_ConnectionNotificationCode toe)
{
    metrics_t *self = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info (conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        for (int i = 0; ci && i < S_SLOTS && !*socket_context; i++)
            if (self->slots [i].fd == ci->connect_fd && !self->slots [i].closing)
                *socket_context = &self->slots [i];
        if (!*socket_context && ci)
            shutdown (ci->connect_fd, SHUT_RDWR);  //  not ours: no deadline, no stay
    }
    else
    if (*socket_context) {
        s_slot_t *slot = *socket_context;
        slot->fd = -1;
        slot->closing = false;
        *socket_context = NULL;
    }
}

//  A request answered in full: the next one on this connection (HTTP
//  keep-alive) gets a deadline of its own from now.
static void
s_on_completed (void *cls, struct MHD_Connection *conn, void **req_cls,
                enum MHD_RequestTerminationCode toe)
{
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        return;
    metrics_t *self = cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info (conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    s_slot_t *slot = ci? ci->socket_context: NULL;
    if (slot && !slot->closing) {
        slot->started_ms = s_now_ms ();
        slot->order = self->next_order++;
    }
}

// ---------------------------------------------------------------------
//  HTTP: requests

static enum MHD_Result
s_reply (struct MHD_Connection *conn, unsigned int status, const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer (strlen (body), (void *) body,
                                                              MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header (r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header (r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result rc = MHD_queue_response (conn, status, r);
    MHD_destroy_response (r);
    return rc;
}

//  The endpoint's own figures, appended to every scrape (they live on
//  this thread, not in the server's text).
static int
s_render_http (metrics_t *self, char *out, size_t size)
{
    int n = snprintf (out, size,
        "# HELP licrepo_metrics_connections_closed_total Connections to this endpoint it "
        "closed itself, by reason.\n"
        "# TYPE licrepo_metrics_connections_closed_total counter\n");
    for (int why = 0; why < S_CLOSED_REASONS && n >= 0 && (size_t) n < size; why++)
        n += snprintf (out + n, size - (size_t) n,
                       "licrepo_metrics_connections_closed_total{reason=\"%s\"} %" PRIu64 "\n",
                       s_closed_names [why], self->closed [why]);
    return n >= 0 && (size_t) n < size? n: 0;
}

//  The dashboard's headers: the page may load what this endpoint serves
//  and nothing else (no other origin, no inline script), may not be
//  framed, and is never cached (a new licnode serves new assets).
static void
s_dashboard_headers (struct MHD_Response *r, const char *type)
{
    MHD_add_response_header (r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header (r, "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    MHD_add_response_header (r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header (r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

static enum MHD_Result
s_reply_asset (struct MHD_Connection *conn, const dashboard_asset_t *asset)
{
    struct MHD_Response *r = MHD_create_response_from_buffer (asset->len, (void *) asset->data,
                                                              MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    s_dashboard_headers (r, asset->type);
    enum MHD_Result rc = MHD_queue_response (conn, MHD_HTTP_OK, r);
    MHD_destroy_response (r);
    return rc;
}

//  The latest /dashboard.json if it is fresh; else 503, and the server
//  thread renders one within a second now that it was asked for.
static enum MHD_Result
s_reply_dashboard (metrics_t *self, struct MHD_Connection *conn)
{
    int64_t now = s_now_ms ();
    pthread_mutex_lock (&self->lock);
    self->dash_asked_ms = now;
    bool fresh = self->dash && now - self->dash_made_ms <= METRICS_DASHBOARD_FRESH_S * 1000;
    size_t len = fresh? self->dash_len: 0;
    char *body = fresh? malloc (len + 1): NULL;
    if (body)
        memcpy (body, self->dash, len);
    pthread_mutex_unlock (&self->lock);
    if (!fresh)
        return s_reply (conn, MHD_HTTP_SERVICE_UNAVAILABLE, "rendering: ask again in a second\n");
    struct MHD_Response *r = body?
        MHD_create_response_from_buffer (len, body, MHD_RESPMEM_MUST_FREE): NULL;
    if (!r) {
        free (body);
        return MHD_NO;
    }
    s_dashboard_headers (r, "application/json");
    enum MHD_Result rc = MHD_queue_response (conn, MHD_HTTP_OK, r);
    MHD_destroy_response (r);
    return rc;
}

//  Answers at the first call, before any request body is read.
static enum MHD_Result
s_on_request (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
              const char *version, const char *upload, size_t *upload_size, void **state)
{
    metrics_t *self = cls;
    const dashboard_asset_t *asset = dashboard_asset (url);
    bool dashboard = strcmp (url, "/dashboard.json") == 0;
    if (strcmp (url, "/metrics") != 0 && !asset && !dashboard)
        return s_reply (conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics or /dashboard\n");
    if (strcmp (method, MHD_HTTP_METHOD_GET) != 0 && strcmp (method, MHD_HTTP_METHOD_HEAD) != 0)
        return s_reply (conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or HEAD only: read-only\n");
    if (asset)
        return s_reply_asset (conn, asset);
    if (dashboard)
        return s_reply_dashboard (self, conn);
    char tail [512];
    size_t tail_len = (size_t) s_render_http (self, tail, sizeof tail);
    pthread_mutex_lock (&self->lock);
    bool none = !self->text;
    size_t len = none? 0: self->len + tail_len;
    char *body = none? NULL: malloc (len);
    if (body) {
        memcpy (body, self->text, self->len);
        memcpy (body + self->len, tail, tail_len);
    }
    pthread_mutex_unlock (&self->lock);
    if (none)
        return s_reply (conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no figures yet\n");
    struct MHD_Response *r = body?
        MHD_create_response_from_buffer (len, body, MHD_RESPMEM_MUST_FREE): NULL;
    if (!r) {
        free (body);
        return MHD_NO;
    }
    MHD_add_response_header (r, MHD_HTTP_HEADER_CONTENT_TYPE, S_CONTENT_TYPE);
    enum MHD_Result rc = MHD_queue_response (conn, MHD_HTTP_OK, r);
    MHD_destroy_response (r);
    return rc;
}

static void
s_on_mhd_log (void *cls, const char *fmt, va_list ap)
{
    char text [256], quoted [300];
    vsnprintf (text, sizeof text, fmt, ap);
    size_t n = strlen (text);
    while (n > 0 && (text [n - 1] == '\n' || text [n - 1] == '\r'))
        text [--n] = 0;
    //  Debug: mostly clients hanging up early; a failure to listen is
    //  reported by metrics_open itself.
    logfmt_debug ("metrics http", "detail=%s", logfmt_quote (quoted, sizeof quoted, text));
}

// ---------------------------------------------------------------------
//  HTTP: open and close

static int
s_listen (metrics_t *self, const struct sockaddr_in *sa, const char *where,
          char *why, size_t why_size)
{
    int one = 1;
    struct sockaddr_in bound;
    socklen_t len = sizeof bound;
    self->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (self->listen_fd < 0
    ||  setsockopt (self->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0
    ||  bind (self->listen_fd, (const struct sockaddr *) sa, sizeof *sa) != 0
    ||  listen (self->listen_fd, S_BACKLOG) != 0
    ||  getsockname (self->listen_fd, (struct sockaddr *) &bound, &len) != 0) {
        snprintf (why, why_size, "metrics: cannot listen on %s: %s", where, strerror (errno));
        return ERR_IO;
    }
    self->port = ntohs (bound.sin_port);
    return ERR_OK;
}

int
metrics_open (metrics_t **out, const char *listen, char *why, size_t why_size)
{
    *out = NULL;
    struct sockaddr_in sa;
    int rc = config_http_listen (listen, true, &sa, why, why_size);
    if (rc != ERR_OK)
        return rc;
    metrics_t *self = calloc (1, sizeof *self);
    if (!self || pthread_mutex_init (&self->lock, NULL) != 0) {
        free (self);
        snprintf (why, why_size, "out of memory");
        return ERR_NOMEM;
    }
    self->listen_fd = self->wake_fd = -1;
    for (int i = 0; i < S_SLOTS; i++)
        self->slots [i].fd = -1;
    if ((self->dashboard = dashboard_new ()) == NULL) {
        snprintf (why, why_size, "out of memory");
        rc = ERR_NOMEM;
        goto cleanup;
    }
    if ((rc = s_listen (self, &sa, listen, why, why_size)) != ERR_OK)
        goto cleanup;
    rc = ERR_IO;
    self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (self->wake_fd < 0) {
        snprintf (why, why_size, "metrics: eventfd: %s", strerror (errno));
        goto cleanup;
    }
    //  No listening socket of its own and no thread: we accept, it
    //  parses; its connection limit only backs ours up (S_SLOTS counts
    //  connections still closing), its idle timeout backs the deadline.
    errno = 0;
    self->mhd = MHD_start_daemon (
        MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG,
        0, NULL, NULL, s_on_request, self,
        MHD_OPTION_EXTERNAL_LOGGER, s_on_mhd_log, NULL,     //  first, to catch all
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) S_SLOTS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) METRICS_DEADLINE_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) S_REQUEST_MEMORY,
        MHD_OPTION_NOTIFY_CONNECTION, s_on_connection, self,
        MHD_OPTION_NOTIFY_COMPLETED, s_on_completed, self,
        MHD_OPTION_END);
    const union MHD_DaemonInfo *info = self->mhd?
        MHD_get_daemon_info (self->mhd, MHD_DAEMON_INFO_EPOLL_FD): NULL;
    if (!info) {
        snprintf (why, why_size, "metrics: cannot start libmicrohttpd with epoll: %s",
                  errno? strerror (errno): "refused");
        goto cleanup;
    }
    self->epoll_fd = info->epoll_fd;
    if (pthread_create (&self->thread, NULL, s_http_thread, self) != 0) {
        snprintf (why, why_size, "metrics: cannot start its thread");
        goto cleanup;
    }
    self->thread_started = true;
    *out = self;
    return ERR_OK;
cleanup:
    metrics_destroy (&self);
    return rc;
}

void
metrics_destroy (metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    metrics_t *self = *self_p;
    if (self->thread_started) {
        uint64_t one = 1;
        while (write (self->wake_fd, &one, sizeof one) < 0 && errno == EINTR)
            ;
        pthread_join (self->thread, NULL);
    }
    if (self->mhd)
        MHD_stop_daemon (self->mhd);    //  closes what is still open
    if (self->wake_fd >= 0)
        close (self->wake_fd);
    if (self->listen_fd >= 0)
        close (self->listen_fd);
    pthread_mutex_destroy (&self->lock);
    free (self->text);
    free (self->dash);
    dashboard_destroy (&self->dashboard);
    free (self);
    *self_p = NULL;
}

uint16_t
metrics_port (metrics_t *self)
{
    return self->port;
}

void
metrics_update (metrics_t *self, const char *text)
{
    size_t len = strlen (text);
    char *copy = malloc (len + 1);
    if (!copy)
        return;
    memcpy (copy, text, len + 1);
    pthread_mutex_lock (&self->lock);
    char *old = self->text;
    self->text = copy;
    self->len = len;
    pthread_mutex_unlock (&self->lock);
    free (old);
}

void
metrics_dashboard (metrics_t *self, const Lic__NodeStatus *ns, const zap_stats_t *hs,
                   store_t *store)
{
    int64_t now = (int64_t) time (NULL), now_ms = s_now_ms ();
    dashboard_sample (self->dashboard, ns, now);
    pthread_mutex_lock (&self->lock);
    bool watched = self->dash_asked_ms
                && now_ms - self->dash_asked_ms <= METRICS_DASHBOARD_WATCH_S * 1000;
    pthread_mutex_unlock (&self->lock);
    if (!watched)
        return;                         //  nobody reads it: spare the rendering
    char *text = dashboard_render (self->dashboard, ns, hs, store, now);
    if (!text)
        return;                         //  out of memory: the old one ages out (503)
    size_t len = strlen (text);
    pthread_mutex_lock (&self->lock);
    char *old = self->dash;
    self->dash = text;
    self->dash_len = len;
    self->dash_made_ms = now_ms;
    pthread_mutex_unlock (&self->lock);
    free (old);
}
