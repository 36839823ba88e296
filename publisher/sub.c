/* Subscriber SDK: A/B arbitration by topic sequence, gap fill by replay, chain and signature checks. */
#include "tix_sub_internal.h"
#include "tix_err.h"

#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

int64_t tix_sub_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void tix_sub_event(tix_sub_t *self, tix_sub_event_t ev, const char *topic, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (self->cfg.on_event)
        self->cfg.on_event(self->cfg.arg, ev, topic, detail);
}

void tix_sub_event_limited(tix_sub_t *self, tix_sub_event_t ev, const char *topic, const char *fmt, ...)
{
    /* tix_log_limited's rule, per subscriber and event kind, over one second */
    tix_log_limit_t *lim = &self->limits.lim[(unsigned)ev % 16];
    int64_t now = tix_sub_now();
    if (lim->logged_ns != 0 && now - lim->logged_ns < 1000000000) {
        lim->suppressed++;
        return;
    }
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (lim->suppressed)
        tix_sub_event(self, ev, topic, "%s [%llu more like this in the last %lld s]", detail,
                      (unsigned long long)lim->suppressed, (long long)((now - lim->logged_ns) / 1000000000));
    else
        tix_sub_event(self, ev, topic, "%s", detail);
    lim->suppressed = 0;
    lim->logged_ns = now;
}

char tix_sub_line_name(int line)
{
    return line == 0 ? 'A' : line == 1 ? 'B' : 'R';
}

const char *tix_sub_event_name(tix_sub_event_t ev)
{
    switch (ev) {
    case TIX_SUB_EV_GAP: return "GAP";
    case TIX_SUB_EV_RECOVERED: return "RECOVERED";
    case TIX_SUB_EV_UNRECOVERABLE: return "UNRECOVERABLE";
    case TIX_SUB_EV_BAD_SIGNATURE: return "BAD_SIGNATURE";
    case TIX_SUB_EV_TAMPERED: return "TAMPERED";
    case TIX_SUB_EV_BAD_MESSAGE: return "BAD_MESSAGE";
    case TIX_SUB_EV_LINE_DOWN: return "LINE_DOWN";
    case TIX_SUB_EV_LINE_UP: return "LINE_UP";
    case TIX_SUB_EV_NO_ATTESTATION: return "NO_ATTESTATION";
    case TIX_SUB_EV_AUTH_FAILED: return "AUTH_FAILED";
    }
    return "?";
}

/* CURVE client options for tcp:// endpoints when a server key is configured. */
static int s_curve_client(const tix_sub_t *self, void *s, const char *ep)
{
    if (!self->cfg.server_key || strncmp(ep, "tcp://", 6) != 0)
        return 0;
    return zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, self->cfg.server_key, 41) ||
                   zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, self->cfg.client_public, 41) ||
                   zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, self->cfg.client_secret, 41)
               ? -1
               : 0;
}

static int s_subscribe(void *s, const char *prefix)
{
    return zmq_setsockopt(s, ZMQ_SUBSCRIBE, prefix, strlen(prefix));
}

/* CURVE handshake events of a line, so a refused client key is reported rather than looking
 * like a silent line (ZeroMQ retries forever and tells only its socket monitor). */
static int s_monitor(tix_sub_t *self, int i, const char *ep)
{
    if (!self->cfg.server_key || strncmp(ep, "tcp://", 6) != 0)
        return 0;
    char mep[96];
    snprintf(mep, sizeof mep, "inproc://tix-sub-monitor-%p-%d", (void *)self, i);
    if (zmq_socket_monitor(self->line[i], mep, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
        return -1;
    int linger = 0;
    self->monitor[i] = zmq_socket(self->zctx, ZMQ_PAIR);
    if (!self->monitor[i] || zmq_setsockopt(self->monitor[i], ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_connect(self->monitor[i], mep))
        return -1;
    return 0;
}

static void s_read_monitors(tix_sub_t *self)
{
    for (int i = 0; i < 2; i++) {
        for (int k = 0; self->monitor[i] && k < 100; k++) { /* bounded per poll */
            uint8_t ev[6];
            char addr[256];
            int n = zmq_recv(self->monitor[i], ev, sizeof ev, ZMQ_DONTWAIT);
            if (n < 0)
                break;
            int an = zmq_recv(self->monitor[i], addr, sizeof addr - 1, 0);
            addr[an < 0 ? 0 : an < (int)sizeof addr ? an : (int)sizeof addr - 1] = '\0';
            if (n != 6 || (uint16_t)(ev[0] | ev[1] << 8) != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
                continue;
            unsigned status = (unsigned)(ev[2] | ev[3] << 8 | ev[4] << 16 | (unsigned)ev[5] << 24);
            self->stats.auth_failures++;
            tix_sub_event_limited(self, TIX_SUB_EV_AUTH_FAILED, "",
                                  "line %c: %s refused our CurveZMQ client key (ZAP status %u): "
                                  "is its public key in the publisher's allowlist?", 'A' + i, addr,
                                  status);
        }
    }
}

static int s_open_line(tix_sub_t *self, int i, const char *ep)
{
    void *s = self->line[i] = zmq_socket(self->zctx, ZMQ_SUB);
    int linger = 0, hwm = 100000;
    if (!s || zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm) || s_curve_client(self, s, ep))
        return -1;
    const char *kinds[] = {"IDX.", "STL.", "QTE."};
    int nk = self->cfg.quotes ? 3 : 2;
    if (s_subscribe(s, "ATT") || s_subscribe(s, "HB"))
        return -1;
    for (int k = 0; k < nk; k++) {
        if (self->cfg.ntiers == 0 && s_subscribe(s, kinds[k]))
            return -1;
        for (size_t t = 0; t < self->cfg.ntiers; t++) {
            char topic[TIX_WIRE_TOPIC_MAX];
            /* the NUL-free topic frame must match exactly: subscribe to "IDX.T1" but not
             * "IDX.T10" — prefix matching would take both, so filter again on receipt */
            snprintf(topic, sizeof topic, "%s%s", kinds[k], self->cfg.tiers[t]);
            if (s_subscribe(s, topic))
                return -1;
        }
    }
    return s_monitor(self, i, ep) || zmq_connect(s, ep);
}

int tix_sub_open_dealer(tix_sub_t *self)
{
    if (self->dealer)
        zmq_close(self->dealer);
    self->dealer = zmq_socket(self->zctx, ZMQ_DEALER);
    int linger = 0;
    if (!self->dealer || zmq_setsockopt(self->dealer, ZMQ_LINGER, &linger, sizeof linger) ||
        s_curve_client(self, self->dealer, self->cfg.recovery) ||
        zmq_connect(self->dealer, self->cfg.recovery))
        return -1;
    return 0;
}

tix_sub_t *tix_sub_new(const tix_sub_cfg_t *cfg, char *err, size_t errlen)
{
    tix_sub_t *self = calloc(1, sizeof *self);
    const char *what = "out of memory";
    if (!self || !(self->chain = tix_chain_new()) || !(self->zctx = zmq_ctx_new()))
        goto fail;
    self->cfg = *cfg;
    if (self->cfg.gap_wait_ms <= 0)
        self->cfg.gap_wait_ms = 100;
    if (self->cfg.heartbeat_ms <= 0)
        self->cfg.heartbeat_ms = 1000;
    if (self->cfg.recovery_timeout_ms <= 0)
        self->cfg.recovery_timeout_ms = 2000;
    if (self->cfg.attest_timeout_ms < 0)
        self->cfg.attest_timeout_ms = 0; /* derived from the publisher's cadence */
    if (cfg->verify_key) {
        memcpy(self->key.pk, cfg->verify_key, 32);
        uint8_t h[32];
        (void)crypto_generichash(h, sizeof h, self->key.pk, 32, NULL, 0); /* fixed sizes */
        memcpy(self->key.key_id, h, TIX_WIRE_KEY_ID_SIZE);
    }
    const char *eps[2] = {cfg->line_a, cfg->line_b};
    for (int i = 0; i < 2; i++) {
        what = eps[i];
        if (eps[i] && s_open_line(self, i, eps[i]))
            goto fail;
        self->line_last_ns[i] = tix_sub_now();
    }
    what = cfg->recovery;
    if (cfg->recovery && tix_sub_open_dealer(self))
        goto fail;
    return self;
fail:
    snprintf(err, errlen, "%s: %s", what ? what : "line", self && self->zctx ? zmq_strerror(errno) : "out of memory");
    tix_sub_destroy(&self);
    return NULL;
}

void tix_sub_destroy(tix_sub_t **self_p)
{
    assert(self_p);
    tix_sub_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; i < 2; i++) {
        if (self->monitor[i]) {
            (void)zmq_socket_monitor(self->line[i], NULL, 0); /* stops it; best effort */
            zmq_close(self->monitor[i]);
        }
        if (self->line[i])
            zmq_close(self->line[i]);
    }
    if (self->dealer)
        zmq_close(self->dealer);
    if (self->zctx)
        zmq_ctx_term(self->zctx);
    for (int i = 0; i < MAX_TOPICS; i++)
        tix_sub_topic_free(self->topics[i]);
    tix_chain_destroy(&self->chain);
    free(self);
    *self_p = NULL;
}

bool tix_sub_wanted(const tix_sub_t *self, const char *topic)
{
    if (strcmp(topic, "ATT") == 0 || strcmp(topic, "HB") == 0)
        return true;
    bool kind = strncmp(topic, "IDX.", 4) == 0 || strncmp(topic, "STL.", 4) == 0 ||
                (self->cfg.quotes && strncmp(topic, "QTE.", 4) == 0);
    if (!kind || !topic[4])
        return false;
    if (self->cfg.ntiers == 0)
        return true;
    for (size_t t = 0; t < self->cfg.ntiers; t++)
        if (strcmp(topic + 4, self->cfg.tiers[t]) == 0)
            return true;
    return false;
}

/* Reads "<topic> <seq> <hex head>" from a snapshot's CHAIN frame into the topic's state. */
static void s_chain_state(tix_sub_t *self, const char *text, size_t len)
{
    char buf[200], topic[TIX_WIRE_TOPIC_MAX], hex[80];
    unsigned long long seq;
    snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), text);
    uint8_t head[TIX_WIRE_HASH_SIZE];
    size_t n = 0;
    if (sscanf(buf, "%39s %llu %79s", topic, &seq, hex) != 3 ||
        sodium_hex2bin(head, sizeof head, hex, strlen(hex), NULL, &n, NULL) != 0 || n != 32) {
        self->stats.bad_messages++;
        tix_sub_event(self, TIX_SUB_EV_BAD_MESSAGE, "CHAIN", "malformed chain state '%s'", buf);
        return;
    }
    if (!tix_sub_wanted(self, topic))
        return;
    int id;
    if (!tix_sub_topic(self, topic, &id))
        return;
    s_topic_t *st = self->topics[id];
    tix_chain_set(self->chain, id, seq, head);
    st->init = st->anchored = true;
    st->last = seq;
    st->last_channel = self->snapshot_seq;
}

int tix_sub_snapshot(tix_sub_t *self, char *err, size_t errlen)
{
    if (!self->dealer) {
        snprintf(err, errlen, "no recovery endpoint configured");
        return -1;
    }
    if (zmq_send(self->dealer, "", 0, ZMQ_SNDMORE) < 0 || zmq_send(self->dealer, "SNAPSHOT", 8, 0) < 0) {
        snprintf(err, errlen, "%s: %s", self->cfg.recovery, zmq_strerror(errno));
        return -1;
    }
    zmq_pollitem_t it = {self->dealer, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, self->cfg.recovery_timeout_ms) <= 0) {
        snprintf(err, errlen, "%s: no snapshot within %d ms", self->cfg.recovery, self->cfg.recovery_timeout_ms);
        (void)tix_sub_open_dealer(self);
        return -1;
    }
    /* Frames: empty, status, then (topic, message) pairs; CHAIN pairs carry chain states.
     * Messages are kept until the status is known, then delivered in order. */
    zmq_msg_t f;
    zmq_msg_init(&f);
    int frame = 0, more = 1, rc = 0;
    char topic[TIX_WIRE_TOPIC_MAX] = "";
    while (more && zmq_msg_recv(&f, self->dealer, 0) >= 0) {
        more = zmq_msg_more(&f);
        const char *data = zmq_msg_data(&f);
        size_t n = zmq_msg_size(&f);
        if (frame == 1) {
            unsigned long long seq;
            char status[128]; /* frame data has no NUL: copy, bounded, before parsing */
            snprintf(status, sizeof status, "%.*s", (int)(n < sizeof status ? n : sizeof status - 1),
                     data);
            if (sscanf(status, "OK SNAPSHOT %llu", &seq) != 1) {
                snprintf(err, errlen, "snapshot refused: %s", status);
                rc = -1;
            } else {
                self->snapshot_seq = seq;
                self->snapshot_done = true;
            }
        } else if (rc == 0 && frame >= 2 && frame % 2 == 0) {
            snprintf(topic, sizeof topic, "%.*s", (int)(n < sizeof topic ? n : sizeof topic - 1), data);
        } else if (rc == 0 && frame >= 3) {
            if (strcmp(topic, "CHAIN") == 0)
                s_chain_state(self, data, n);
            else
                tix_sub_deliver_snapshot(self, topic, (const uint8_t *)data, n);
        }
        frame++;
    }
    zmq_msg_close(&f);
    return rc;
}

int tix_sub_poll(tix_sub_t *self, int timeout_ms)
{
    zmq_pollitem_t it[2];
    int n = 0, map[2];
    for (int i = 0; i < 2; i++)
        if (self->line[i]) {
            it[n] = (zmq_pollitem_t){self->line[i], 0, ZMQ_POLLIN, 0};
            map[n++] = i;
        }
    uint64_t before = self->stats.delivered;
    int rc = zmq_poll(it, n, timeout_ms);
    if (rc < 0 && errno != EINTR)
        return -1;
    for (int k = 0; rc > 0 && k < n; k++) {
        if (!(it[k].revents & ZMQ_POLLIN))
            continue;
        for (int burst = 0; burst < 1000; burst++) { /* bounded, so timers still run */
            zmq_msg_t t, b;
            zmq_msg_init(&t);
            zmq_msg_init(&b);
            if (zmq_msg_recv(&t, self->line[map[k]], ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&t);
                zmq_msg_close(&b);
                break;
            }
            char topic[TIX_WIRE_TOPIC_MAX];
            size_t tl = zmq_msg_size(&t) < sizeof topic ? zmq_msg_size(&t) : sizeof topic - 1;
            memcpy(topic, zmq_msg_data(&t), tl);
            topic[tl] = '\0';
            if (!zmq_msg_more(&t) || zmq_msg_recv(&b, self->line[map[k]], 0) < 0 || zmq_msg_more(&b)) {
                self->stats.bad_messages++;
                /* anyone on an open line can send these at will: counted, reported limited */
                tix_sub_event_limited(self, TIX_SUB_EV_BAD_MESSAGE, topic,
                                      "line %c: not a (topic, body) message", 'A' + map[k]);
                while (zmq_msg_more(&b) && zmq_msg_recv(&b, self->line[map[k]], 0) >= 0)
                    ; /* drain the rest of a malformed multipart */
            } else {
                tix_sub_process(self, topic, zmq_msg_data(&b), zmq_msg_size(&b), map[k], 0);
            }
            zmq_msg_close(&t);
            zmq_msg_close(&b);
        }
    }
    s_read_monitors(self);
    tix_sub_timers(self);
    return (int)(self->stats.delivered - before);
}

void tix_sub_stats(const tix_sub_t *self, tix_sub_stats_t *out) { *out = self->stats; }

int tix_sub_load_verify_key(const char *path, uint8_t key[32], char *err, size_t errlen)
{
    tix_sign_key_t k;
    if (tix_sign_key_load_public(path, &k) != 0) {
        snprintf(err, errlen, "%s", tix_err());
        return -1;
    }
    memcpy(key, k.pk, 32);
    return 0;
}
