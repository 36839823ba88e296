/* Recovery service (ROUTER): SNAPSHOT of the latest tick/settlement per tier, REPLAY by sequence. */
#include "tix_err.h"
#include "tix_log.h"
#include "tix_pub_internal.h"
#include "tix_time.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* ZMQ_MAXMSGSIZE bounds each frame as it arrives, before CURVE decrypts it: room for the
 * MESSAGE command's envelope (33 bytes) over the longest valid command. A larger frame makes
 * libzmq drop the connection unread; one a little over TIX_RECOVERY_CMD_MAX gets an ERR. */
#define MAXMSGSIZE (TIX_RECOVERY_CMD_MAX + 64)
#define RCVHWM 16 /* requests queued per client: a client waits for each answer */
#define S_STR_(x) #x
#define S_STR(x) S_STR_(x)

static int s_setopt(void *sock, int opt, int value)
{
    return zmq_setsockopt(sock, opt, &value, sizeof value);
}

static int s_set_limits(tix_pub_t *self)
{
    int64_t max = MAXMSGSIZE;
    /* Mandatory routing: a client whose queue is full is an EAGAIN we count, and a vanished
     * one an EHOSTUNREACH, instead of replies dropped unseen. */
    return s_setopt(self->router, ZMQ_LINGER, 0) || s_setopt(self->router, ZMQ_SNDHWM, TIX_RECOVERY_SNDHWM) ||
           s_setopt(self->router, ZMQ_RCVHWM, RCVHWM) || s_setopt(self->router, ZMQ_ROUTER_MANDATORY, 1) ||
           zmq_setsockopt(self->router, ZMQ_MAXMSGSIZE, &max, sizeof max);
}

int tix_pub_recovery_open(tix_pub_t *self, const char *endpoint)
{
    tix_recovery_limits_t lim;
    tix_recovery_limits_default(&lim);
    if (!(self->clients = tix_recovery_clients_new(&lim)))
        return -1;
    self->router = zmq_socket(self->zctx, ZMQ_ROUTER);
    if (!self->router || s_set_limits(self))
        goto fail;
    if (self->cfg.curve && strncmp(endpoint, "tcp://", 6) == 0 &&
        tix_pub_curve_server(self, self->router))
        goto fail;
    size_t n = sizeof self->router_bound;
    if (zmq_bind(self->router, endpoint) ||
        zmq_getsockopt(self->router, ZMQ_LAST_ENDPOINT, self->router_bound, &n))
        goto fail;
    return 0;
fail:
    TIX_SET_ERR(errno, "recovery endpoint %s: %s", endpoint, zmq_strerror(errno));
    return -1;
}

void tix_pub_recovery_close(tix_pub_t *self)
{
    if (self->router)
        zmq_close(self->router);
    self->router = NULL;
    tix_recovery_clients_destroy(&self->clients);
}

int tix_pub_recovery_limits(tix_pub_t *self, size_t client_bytes, size_t total_bytes, size_t clients)
{
    if (!self->clients) {
        TIX_SET_ERR(EINVAL, "recovery limits: the publisher has no recovery endpoint");
        return -1;
    }
    tix_recovery_limits_t lim;
    tix_recovery_limits_default(&lim);
    lim.client_bytes = client_bytes ? client_bytes : lim.client_bytes;
    lim.total_bytes = total_bytes ? total_bytes : lim.total_bytes;
    lim.clients = clients ? clients : lim.clients;
    return tix_recovery_clients_set_limits(self->clients, &lim);
}

/* ---- request parsing ---- */

/* Digits only (no sign, no space), at most UINT64_MAX. */
static int s_number(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Splits `len` bytes at single spaces into at most `max` fields; -1 on an empty field. */
static int s_fields(const char *s, size_t len, const char **f, size_t *fl, int max)
{
    int n = 0;
    for (size_t i = 0; i <= len;) {
        size_t j = i;
        while (j < len && s[j] != ' ')
            j++;
        if (j == i || n == max)
            return -1;
        f[n] = s + i;
        fl[n++] = j - i;
        i = j + 1;
    }
    return n;
}

int tix_recovery_parse_replay(const char *args, size_t len, tix_recovery_replay_t *out)
{
    enum { MAXF = 2 + TIX_RECOVERY_MAX_PREFIXES };
    const char *f[MAXF];
    size_t fl[MAXF];
    int n = s_fields(args, len, f, fl, MAXF);
    if (n < 2) {
        TIX_SET_ERR(EINVAL, "usage: REPLAY <from> <to> [topic-prefix ...] (single spaces, at most %d "
                    "prefixes)", TIX_RECOVERY_MAX_PREFIXES);
        return -1;
    }
    if (s_number(f[0], fl[0], &out->from) || s_number(f[1], fl[1], &out->to)) {
        TIX_SET_ERR(EINVAL, "<from> and <to> are decimal digits only, at most %" PRIu64, UINT64_MAX);
        return -1;
    }
    if (out->from == 0 || out->from > out->to) {
        TIX_SET_ERR(EINVAL, "REPLAY %" PRIu64 " %" PRIu64 ": need 1 <= from <= to", out->from, out->to);
        return -1;
    }
    out->nprefix = n - 2;
    for (int i = 0; i < out->nprefix; i++) {
        if (fl[i + 2] >= TIX_WIRE_TOPIC_MAX) {
            TIX_SET_ERR(EINVAL, "prefix %d is longer than a topic (%d bytes)", i + 1, TIX_WIRE_TOPIC_MAX - 1);
            return -1;
        }
        out->prefix[i] = f[i + 2];
        out->prefix_len[i] = fl[i + 2];
    }
    return 0;
}

/* ---- replies ---- */

/* One request being answered: who asked, and its ledger (NULL when the table is full). */
typedef struct {
    zmq_msg_t *id;
    tix_recovery_client_t *client;
} s_req_t;

/* Sends one frame after the routing id; `more` keeps the multipart message open. The ROUTER
 * checks the client's queue only at the routing id, so these do not fail on a full queue. */
static void s_frame(tix_pub_t *self, const void *data, size_t len, bool more)
{
    if (zmq_send(self->router, data, len, ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0)) < 0)
        self->stats.send_errors++;
}

/* Starts a reply carrying `bytes` of replay data: routing id, delimiter, status. -1 when the
 * ROUTER will not take it (the client's queue is full, or the client is gone): nothing of it
 * was sent and the caller sends nothing more. Never blocks: errors are counted, not fatal. */
static int s_reply_start(tix_pub_t *self, s_req_t *r, const char *status, uint64_t bytes, bool more)
{
    if (zmq_send(self->router, zmq_msg_data(r->id), zmq_msg_size(r->id), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        if (errno == EAGAIN)
            self->stats.replay_dropped++;
        else
            self->stats.send_errors++;
        if (errno == EHOSTUNREACH && r->client)
            tix_recovery_clients_forget(self->clients, r->client);
        return -1;
    }
    if (r->client)
        tix_recovery_clients_sent(self->clients, r->client, bytes);
    s_frame(self, "", 0, true);
    s_frame(self, status, strlen(status), more);
    return 0;
}

/* A request refused for being malformed: counted, logged (rate-limited: clients can repeat it
 * at will) and answered `ERR <why>`. */
static void s_bad_request(tix_pub_t *self, s_req_t *r, const char *why)
{
    char status[600], hex[2 * 8 + 1];
    size_t idl = zmq_msg_size(r->id) < 8 ? zmq_msg_size(r->id) : 8;
    sodium_bin2hex(hex, sizeof hex, zmq_msg_data(r->id), idl);
    self->stats.bad_requests++;
    tix_warn_limited("recovery: bad request from client %s: %s", hex, why);
    snprintf(status, sizeof status, "ERR %s", why);
    (void)s_reply_start(self, r, status, 0, false); /* failures are counted there */
}

/* Whether a reply with `bytes` of replay data may go out; if not, `ERR busy` goes instead. */
static bool s_admit(tix_pub_t *self, s_req_t *r, uint64_t bytes)
{
    char why[256];
    if (bytes == 0 || (r->client && tix_recovery_clients_admit(self->clients, r->client, bytes, why,
                                                               sizeof why)))
        return true;
    if (!r->client)
        snprintf(why, sizeof why, "ERR busy: too many recovery clients at once; ask again later");
    self->stats.replay_busy++;
    (void)s_reply_start(self, r, why, 0, false);
    return false;
}

/* The CHAIN pair's text for topic t, so a late joiner can check the next attestation. */
static int s_chain_line(tix_pub_t *self, size_t t, char *line, size_t cap)
{
    char hex[2 * TIX_WIRE_HASH_SIZE + 1];
    sodium_bin2hex(hex, sizeof hex, tix_chain_head(self->chain, (int)t), TIX_WIRE_HASH_SIZE);
    return snprintf(line, cap, "%s %" PRIu64 " %s", tix_chain_name(self->chain, (int)t),
                    tix_chain_seq(self->chain, (int)t), hex);
}

static void s_snapshot(tix_pub_t *self, s_req_t *r)
{
    char status[64], line[160];
    size_t n = tix_chain_count(self->chain);
    uint64_t bytes = 0;
    for (size_t t = 0; t < n; t++)
        bytes += self->latest_len[t] + 2 * strlen(tix_chain_name(self->chain, (int)t)) + 5 +
                 (size_t)s_chain_line(self, t, line, sizeof line);
    if (!s_admit(self, r, bytes))
        return;
    snprintf(status, sizeof status, "OK SNAPSHOT %" PRIu64, self->channel_seq);
    if (s_reply_start(self, r, status, bytes, n > 0))
        return;
    for (size_t t = 0; t < n; t++) {
        const char *topic = tix_chain_name(self->chain, (int)t);
        if (self->latest[t]) {
            s_frame(self, topic, strlen(topic), true);
            s_frame(self, self->latest[t], self->latest_len[t], true);
        }
        int len = s_chain_line(self, t, line, sizeof line);
        s_frame(self, "CHAIN", 5, true);
        s_frame(self, line, (size_t)len, t + 1 < n);
    }
    self->stats.snapshots++;
}

static bool s_matches(const char *topic, size_t tl, const tix_recovery_replay_t *q)
{
    if (q->nprefix == 0)
        return true;
    for (int i = 0; i < q->nprefix; i++)
        if (q->prefix_len[i] <= tl && memcmp(topic, q->prefix[i], q->prefix_len[i]) == 0)
            return true;
    return false;
}

/* Ring message `s` if it is held and matches `q`. */
static bool s_pick(tix_pub_t *self, uint64_t s, const tix_recovery_replay_t *q, const char **topic,
                   size_t *tl, const uint8_t **msg, size_t *len)
{
    return tix_ring_get(self->ring, s, topic, tl, msg, len) == 0 && s_matches(*topic, *tl, q);
}

/* Refuses a well-formed range the service cannot answer (beyond the end, too long, too old);
 * 0 when it can, `to` clamped to the last sequence. */
static int s_check_range(tix_pub_t *self, s_req_t *r, tix_recovery_replay_t *q)
{
    char status[256];
    if (q->from > self->channel_seq) {
        snprintf(status, sizeof status, "%" PRIu64 " is beyond the last published sequence %" PRIu64,
                 q->from, self->channel_seq);
        s_bad_request(self, r, status);
        return -1;
    }
    if (q->to > self->channel_seq)
        q->to = self->channel_seq; /* asking past the end means "up to now" */
    if (q->to - q->from + 1 > TIX_RECOVERY_MAX_REPLAY) {
        snprintf(status, sizeof status, "range of %" PRIu64 " messages exceeds %d per request",
                 q->to - q->from + 1, TIX_RECOVERY_MAX_REPLAY);
        s_bad_request(self, r, status);
        return -1;
    }
    uint64_t first = tix_ring_first(self->ring);
    if (q->from < first) {
        self->stats.too_old++;
        snprintf(status, sizeof status,
                 "TOO_OLD %" PRIu64 " messages before %" PRIu64 " are no longer in memory; read "
                 "them from the archive (tix-query)", first, first);
        (void)s_reply_start(self, r, status, 0, false);
        return -1;
    }
    return 0;
}

/* "REPLAY from to [prefix ...]": the messages from..to (inclusive) whose topic starts with a
 * prefix, or every one when no prefix is given. */
static void s_replay(tix_pub_t *self, s_req_t *r, const char *args, size_t len)
{
    tix_recovery_replay_t q;
    if (tix_recovery_parse_replay(args, len, &q)) {
        s_bad_request(self, r, tix_err());
        return;
    }
    if (s_check_range(self, r, &q))
        return;
    /* Count first: the status frame must know whether frames follow, admission the bytes. */
    size_t matches = 0;
    uint64_t bytes = 0;
    const char *topic;
    const uint8_t *msg;
    size_t tl, ml;
    for (uint64_t s = q.from; s <= q.to; s++)
        if (s_pick(self, s, &q, &topic, &tl, &msg, &ml)) {
            matches++;
            bytes += tl + ml;
        }
    char status[64];
    snprintf(status, sizeof status, "OK REPLAY %" PRIu64 " %" PRIu64, q.from, q.to);
    if (!s_admit(self, r, bytes) || s_reply_start(self, r, status, bytes, matches > 0))
        return;
    for (uint64_t s = q.from; s <= q.to && matches > 0; s++) {
        if (!s_pick(self, s, &q, &topic, &tl, &msg, &ml))
            continue;
        matches--;
        s_frame(self, topic, tl, true);
        s_frame(self, msg, ml, matches > 0);
        self->stats.replayed_messages++;
    }
    self->stats.replays++;
}

/* A command frame: 1..TIX_RECOVERY_CMD_MAX bytes of printable ASCII. */
static const char *s_command_invalid(const zmq_msg_t *cmd)
{
    size_t n = zmq_msg_size((zmq_msg_t *)cmd);
    const unsigned char *c = zmq_msg_data((zmq_msg_t *)cmd);
    if (n > TIX_RECOVERY_CMD_MAX)
        return "a command is at most " S_STR(TIX_RECOVERY_CMD_MAX) " bytes";
    for (size_t i = 0; i < n; i++)
        if (c[i] < 0x20 || c[i] > 0x7e)
            return "a command is printable ASCII";
    return n == 0 ? "empty command" : NULL;
}

/* Answers one complete request: identity, then exactly an empty delimiter and a command. */
static void s_answer(tix_pub_t *self, s_req_t *r, int nparts, const zmq_msg_t *delim, const zmq_msg_t *cmd)
{
    const char *bad = NULL;
    if (nparts != 2)
        bad = "a request is an empty delimiter frame then one command frame";
    else if (zmq_msg_size((zmq_msg_t *)delim) != 0)
        bad = "the first frame (the delimiter) must be empty";
    else
        bad = s_command_invalid(cmd);
    if (bad) {
        s_bad_request(self, r, bad);
        return;
    }
    const char *c = zmq_msg_data((zmq_msg_t *)cmd);
    size_t n = zmq_msg_size((zmq_msg_t *)cmd);
    if (n == 8 && memcmp(c, "SNAPSHOT", 8) == 0)
        s_snapshot(self, r);
    else if (n == 6 && memcmp(c, "REPLAY", 6) == 0)
        s_replay(self, r, "", 0); /* no arguments: the usage */
    else if (n > 7 && memcmp(c, "REPLAY ", 7) == 0)
        s_replay(self, r, c + 7, n - 7);
    else
        s_bad_request(self, r, "unknown command (SNAPSHOT, REPLAY <from> <to> [prefix ...])");
}

/* Reads one request and answers it. The whole multipart message is read, however malformed,
 * so the next request starts at its routing id. */
static void s_handle(tix_pub_t *self)
{
    zmq_msg_t id, part[3];
    zmq_msg_init(&id);
    for (int i = 0; i < 3; i++)
        zmq_msg_init(&part[i]);
    int nparts = 0;
    if (zmq_msg_recv(&id, self->router, ZMQ_DONTWAIT) < 0)
        goto done;
    for (int more = zmq_msg_more(&id); more; nparts++) {
        zmq_msg_t *p = &part[nparts < 2 ? nparts : 2]; /* frames past the second: read, dropped */
        if (zmq_msg_recv(p, self->router, 0) < 0)
            goto done;
        more = zmq_msg_more(p);
    }
    self->stats.recovery_requests++;
    s_req_t r = {&id, tix_recovery_clients_get(self->clients, zmq_msg_data(&id), zmq_msg_size(&id),
                                               tix_time_mono_ns())};
    s_answer(self, &r, nparts, &part[0], &part[1]);
done:
    zmq_msg_close(&id);
    for (int i = 0; i < 3; i++)
        zmq_msg_close(&part[i]);
}

int tix_pub_recovery_serve(tix_pub_t *self, int timeout_ms)
{
    if (!self->router) {
        if (timeout_ms > 0)
            zmq_poll(NULL, 0, timeout_ms);
        return 0;
    }
    zmq_pollitem_t it = {self->router, 0, ZMQ_POLLIN, 0};
    int rc = zmq_poll(&it, 1, timeout_ms);
    if (rc < 0) {
        if (errno == EINTR)
            return 0;
        TIX_SET_ERR(errno, "recovery poll: %s", zmq_strerror(errno));
        return -1;
    }
    /* Bounded work per call, counted in messages sent, so that a few large REPLAY requests
     * cannot hold the publisher's loop (and its queue) for long. */
    uint64_t start = self->stats.replayed_messages;
    for (int i = 0; i < 64 && (it.revents & ZMQ_POLLIN); i++) {
        s_handle(self);
        if (self->stats.replayed_messages - start >= TIX_RECOVERY_MAX_REPLAY || zmq_poll(&it, 1, 0) < 0)
            break;
    }
    self->stats.recovery_queued_bytes = tix_recovery_clients_queued(self->clients);
    self->stats.recovery_clients = tix_recovery_clients_count(self->clients);
    return 0;
}
