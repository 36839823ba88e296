/* Recovery service (ROUTER): SNAPSHOT of the latest tick/settlement per tier, REPLAY by sequence. */
#include "tix_err.h"
#include "tix_log.h"
#include "tix_pub_internal.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define MAX_REPLAY 100000 /* messages per REPLAY request; clients ask again for more */

int tix_pub_recovery_open(tix_pub_t *self, const char *endpoint)
{
    self->router = zmq_socket(self->zctx, ZMQ_ROUTER);
    int linger = 0;
    if (!self->router || zmq_setsockopt(self->router, ZMQ_LINGER, &linger, sizeof linger))
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

/* Sends one frame; `more` keeps the multipart message open. Errors are counted, not fatal:
 * a vanished client must not stop the publisher. */
static void s_frame(tix_pub_t *self, const void *data, size_t len, bool more)
{
    if (zmq_send(self->router, data, len, more ? ZMQ_SNDMORE : 0) < 0)
        self->stats.send_errors++;
}

static void s_reply_start(tix_pub_t *self, const zmq_msg_t *id, const char *status, bool more)
{
    s_frame(self, zmq_msg_data((zmq_msg_t *)id), zmq_msg_size((zmq_msg_t *)id), true);
    s_frame(self, "", 0, true);
    s_frame(self, status, strlen(status), more);
}

static void s_snapshot(tix_pub_t *self, const zmq_msg_t *id)
{
    char status[64];
    snprintf(status, sizeof status, "OK SNAPSHOT %" PRIu64, self->channel_seq);
    size_t n = tix_chain_count(self->chain);
    s_reply_start(self, id, status, n > 0);
    for (size_t t = 0; t < n; t++) {
        const char *topic = tix_chain_name(self->chain, (int)t);
        bool last = t + 1 == n;
        if (self->latest[t]) {
            s_frame(self, topic, strlen(topic), true);
            s_frame(self, self->latest[t], self->latest_len[t], true);
        }
        /* Chain state, so a late joiner can check the next attestation. */
        char hex[2 * TIX_WIRE_HASH_SIZE + 1], line[160];
        sodium_bin2hex(hex, sizeof hex, tix_chain_head(self->chain, (int)t), TIX_WIRE_HASH_SIZE);
        int len = snprintf(line, sizeof line, "%s %" PRIu64 " %s", topic,
                           tix_chain_seq(self->chain, (int)t), hex);
        s_frame(self, "CHAIN", 5, true);
        s_frame(self, line, (size_t)len, !last);
    }
    self->stats.snapshots++;
}

static bool s_matches(const char *topic, size_t tl, char **prefixes, int n)
{
    if (n == 0)
        return true;
    for (int i = 0; i < n; i++) {
        size_t pl = strlen(prefixes[i]);
        if (pl <= tl && memcmp(topic, prefixes[i], pl) == 0)
            return true;
    }
    return false;
}

/* "REPLAY from to [prefix ...]": the messages from..to (inclusive) whose topic starts with a
 * prefix, or every one when no prefix is given. */
static void s_replay(tix_pub_t *self, const zmq_msg_t *id, char *args)
{
    char *save = NULL, *prefixes[16];
    char *a = strtok_r(args, " ", &save), *b = strtok_r(NULL, " ", &save);
    int np = 0;
    char *p;
    while (np < 16 && (p = strtok_r(NULL, " ", &save)))
        prefixes[np++] = p;
    char *end1 = NULL, *end2 = NULL;
    unsigned long long from = a ? strtoull(a, &end1, 10) : 0, to = b ? strtoull(b, &end2, 10) : 0;
    char status[256];
    if (!a || !b || *end1 || *end2 || from == 0 || from > to) {
        self->stats.bad_requests++;
        s_reply_start(self, id, "ERR usage: REPLAY <from> <to> [topic-prefix ...], 1 <= from <= to", false);
        return;
    }
    if (from > self->channel_seq) {
        self->stats.bad_requests++;
        snprintf(status, sizeof status, "ERR %llu is beyond the last published sequence %" PRIu64,
                 from, self->channel_seq);
        s_reply_start(self, id, status, false);
        return;
    }
    if (to > self->channel_seq)
        to = self->channel_seq; /* asking past the end means "up to now" */
    if (to - from + 1 > MAX_REPLAY) {
        self->stats.bad_requests++;
        snprintf(status, sizeof status, "ERR range of %llu messages exceeds %d per request",
                 to - from + 1, MAX_REPLAY);
        s_reply_start(self, id, status, false);
        return;
    }
    uint64_t first = tix_ring_first(self->ring);
    if (from < first) {
        self->stats.too_old++;
        snprintf(status, sizeof status,
                 "TOO_OLD %" PRIu64 " messages before %" PRIu64 " are no longer in memory; read "
                 "them from the archive (tix-query)", first, first);
        s_reply_start(self, id, status, false);
        return;
    }
    snprintf(status, sizeof status, "OK REPLAY %llu %llu", from, to);
    /* Count matches first: the status frame must know whether frames follow. */
    size_t matches = 0;
    for (uint64_t s = from; s <= to; s++) {
        const char *topic;
        const uint8_t *msg;
        size_t tl, len;
        if (tix_ring_get(self->ring, s, &topic, &tl, &msg, &len) == 0 && s_matches(topic, tl, prefixes, np))
            matches++;
    }
    s_reply_start(self, id, status, matches > 0);
    for (uint64_t s = from; s <= to && matches > 0; s++) {
        const char *topic;
        const uint8_t *msg;
        size_t tl, len;
        if (tix_ring_get(self->ring, s, &topic, &tl, &msg, &len) || !s_matches(topic, tl, prefixes, np))
            continue;
        matches--;
        s_frame(self, topic, tl, true);
        s_frame(self, msg, len, matches > 0);
        self->stats.replayed_messages++;
    }
    self->stats.replays++;
}

/* Reads one request: identity, empty delimiter, command frame. Extra frames are drained. */
static void s_handle(tix_pub_t *self)
{
    zmq_msg_t id, part;
    zmq_msg_init(&id);
    zmq_msg_init(&part);
    char cmd[512] = "";
    int nparts = 0;
    if (zmq_msg_recv(&id, self->router, ZMQ_DONTWAIT) < 0)
        goto done;
    int more = zmq_msg_more(&id);
    while (more) {
        if (zmq_msg_recv(&part, self->router, 0) < 0)
            goto done;
        more = zmq_msg_more(&part);
        nparts++;
        if (nparts == 2) {
            size_t n = zmq_msg_size(&part) < sizeof cmd - 1 ? zmq_msg_size(&part) : sizeof cmd - 1;
            memcpy(cmd, zmq_msg_data(&part), n);
            cmd[n] = '\0';
        }
    }
    if (nparts != 2) {
        self->stats.bad_requests++;
        s_reply_start(self, &id, "ERR a request is an empty delimiter frame then one command frame", false);
    } else if (strcmp(cmd, "SNAPSHOT") == 0) {
        s_snapshot(self, &id);
    } else if (strncmp(cmd, "REPLAY ", 7) == 0) {
        s_replay(self, &id, cmd + 7);
    } else {
        self->stats.bad_requests++;
        s_reply_start(self, &id, "ERR unknown command (SNAPSHOT, REPLAY <from> <to> [prefix ...])", false);
    }
done:
    zmq_msg_close(&id);
    zmq_msg_close(&part);
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
        if (self->stats.replayed_messages - start >= MAX_REPLAY || zmq_poll(&it, 1, 0) < 0)
            break;
    }
    return 0;
}
