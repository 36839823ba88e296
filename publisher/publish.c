/* Publishing: every message on every endpoint of lines A and B, chained, ringed for replay. */
#include "tix_pub.h"
#include "tix_chain.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_pub_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static bool s_is_multicast(const char *ep)
{
    return strncmp(ep, "epgm://", 7) == 0 || strncmp(ep, "pgm://", 6) == 0 ||
           strncmp(ep, "norm://", 7) == 0;
}

/* Connection events of a tcp PUB socket, to count subscribers (PUB itself cannot tell). */
static int s_monitor(tix_pub_t *self, tix_pub_sock_t *ps)
{
    char ep[96];
    snprintf(ep, sizeof ep, "inproc://tix-pub-monitor-%p-%zu", (void *)self, self->nsocks);
    if (zmq_socket_monitor(ps->sock, ep, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0)
        return -1;
    ps->monitor = zmq_socket(self->zctx, ZMQ_PAIR);
    int linger = 0;
    if (!ps->monitor || zmq_setsockopt(ps->monitor, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_connect(ps->monitor, ep))
        return -1;
    return 0;
}

static void s_read_monitors(tix_pub_t *self)
{
    for (size_t i = 0; i < self->nsocks; i++) {
        void *m = self->socks[i].monitor;
        for (int k = 0; m && k < 1000; k++) { /* bounded per service call */
            uint8_t ev[6];
            char addr[256];
            if (zmq_recv(m, ev, sizeof ev, ZMQ_DONTWAIT) < 0 ||
                zmq_recv(m, addr, sizeof addr, ZMQ_DONTWAIT) < 0)
                break;
            uint16_t id = (uint16_t)(ev[0] | ev[1] << 8);
            if (id == ZMQ_EVENT_ACCEPTED)
                self->accepted++;
            else if (id == ZMQ_EVENT_DISCONNECTED)
                self->disconnected++;
        }
    }
}

/* What a line reads from its peers: the handshake (CURVE's INITIATE, the longest: ~260 bytes
 * and the socket's metadata), then subscriptions, each a topic prefix shorter than a topic
 * plus a few bytes of framing (and CURVE's 33-byte envelope: ZMQ_MAXMSGSIZE bounds a frame
 * before decryption). libzmq's PUB keeps every subscription in a trie of a node per byte, so
 * without a bound one long subscription from anyone who reaches a tcp line costs the
 * publisher ~55 bytes a byte (a 16 MB prefix: about a GB); a larger frame now makes libzmq
 * drop the connection unread. 512 leaves the handshake room, as the ingest's 353 does. */
#define TIX_PUB_SUB_MAXMSG 512

/* One PUB socket per endpoint: CURVE is a per-socket option and multicast cannot carry it. */
static int s_open_endpoint(tix_pub_t *self, const char *ep, int line)
{
    void *s = zmq_socket(self->zctx, ZMQ_PUB);
    if (!s) {
        TIX_SET_ERR(errno, "line %c endpoint %s: zmq_socket: %s", 'A' + line, ep, zmq_strerror(errno));
        return -1;
    }
    self->socks[self->nsocks].sock = s;
    self->socks[self->nsocks].line = line;
    self->nsocks++;
    int hwm = self->cfg.sndhwm, linger = 0;
    int64_t maxmsg = TIX_PUB_SUB_MAXMSG;
    if (zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm) || zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg))
        goto fail;
    if (s_is_multicast(ep)) {
        int rate = self->cfg.multicast_rate_kbps; /* libzmq's default of 100 kbit/s is far too low */
        if (zmq_setsockopt(s, ZMQ_RATE, &rate, sizeof rate) || zmq_connect(s, ep))
            goto fail;
        snprintf(self->socks[self->nsocks - 1].bound, sizeof self->socks[0].bound, "%s", ep);
        return 0;
    }
    if (self->cfg.curve && strncmp(ep, "tcp://", 6) == 0 && tix_pub_curve_server(self, s))
        goto fail;
    if (zmq_bind(s, ep))
        goto fail;
    size_t n = sizeof self->socks[self->nsocks - 1].bound;
    if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, self->socks[self->nsocks - 1].bound, &n))
        goto fail;
    if (strncmp(ep, "tcp://", 6) == 0 && s_monitor(self, &self->socks[self->nsocks - 1]))
        goto fail;
    return 0;
fail:
    TIX_SET_ERR(errno, "line %c endpoint %s: %s", 'A' + line, ep, zmq_strerror(errno));
    return -1;
}

int tix_pub_curve_server(tix_pub_t *self, void *s)
{
    int on = 1;
    return zmq_setsockopt(s, ZMQ_CURVE_SERVER, &on, sizeof on) ||
                   zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, self->cfg.curve->sec, 41) ||
                   zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "tix", 3)
               ? -1
               : 0;
}

static void s_defaults(tix_pub_cfg_t *c)
{
    if (c->heartbeat_ms <= 0)
        c->heartbeat_ms = 1000;
    if (c->attest_ms <= 0)
        c->attest_ms = 1000;
    if (c->ring_size == 0)
        c->ring_size = (size_t)1 << 20;
    if (c->sndhwm <= 0)
        c->sndhwm = 1000;
    if (c->multicast_rate_kbps <= 0)
        c->multicast_rate_kbps = 100000;
}

tix_pub_t *tix_pub_new(void *zctx, const tix_pub_cfg_t *cfg)
{
    tix_pub_t *self = calloc(1, sizeof *self);
    if (!self) {
        TIX_SET_ERR(ENOMEM, "out of memory for the publisher");
        return NULL;
    }
    self->zctx = zctx;
    self->cfg = *cfg;
    s_defaults(&self->cfg);
    size_t n = cfg->n_a + cfg->n_b;
    self->socks = calloc(n ? n : 1, sizeof *self->socks);
    self->chain = tix_chain_new();
    /* ~200 bytes a message on average: ticks are 176, quotes 320, plus the topic. */
    size_t arena = self->cfg.ring_size * 200;
    if (arena < 8 * (size_t)TIX_WIRE_MAX_SIZE) /* a message may take a quarter of it */
        arena = 8 * (size_t)TIX_WIRE_MAX_SIZE;
    self->ring = tix_ring_new(self->cfg.ring_size, arena);
    if (!self->socks || !self->chain || !self->ring)
        goto fail;
    for (size_t i = 0; i < cfg->n_a; i++)
        if (s_open_endpoint(self, cfg->line_a[i], 0))
            goto fail;
    for (size_t i = 0; i < cfg->n_b; i++)
        if (s_open_endpoint(self, cfg->line_b[i], 1))
            goto fail;
    if (cfg->recovery && tix_pub_recovery_open(self, cfg->recovery))
        goto fail;
    return self;
fail:
    tix_pub_destroy(&self);
    return NULL;
}

void tix_pub_destroy(tix_pub_t **self_p)
{
    assert(self_p);
    tix_pub_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->nsocks; i++) {
        if (self->socks[i].monitor) {
            (void)zmq_socket_monitor(self->socks[i].sock, NULL, 0); /* stops it; best effort */
            zmq_close(self->socks[i].monitor);
        }
        zmq_close(self->socks[i].sock);
    }
    tix_pub_recovery_close(self);
    free(self->socks);
    for (size_t i = 0; i < TIX_PUB_MAX_TOPICS; i++)
        free(self->latest[i]);
    tix_chain_destroy(&self->chain);
    tix_ring_destroy(&self->ring);
    free(self);
    *self_p = NULL;
}

/* Sends topic + message on every endpoint of both lines (the drop hook aside). PUB never
 * blocks: a subscriber at its high-water mark loses messages and recovers by replay. */
static void s_send_all(tix_pub_t *self, const char *topic, size_t tl, const uint8_t *msg, size_t len,
                       bool data)
{
    for (size_t i = 0; i < self->nsocks; i++) {
        int line = self->socks[i].line;
        if (data && self->drop[line] > 0)
            continue;
        void *s = self->socks[i].sock;
        if (zmq_send(s, topic, tl, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
            zmq_send(s, msg, len, ZMQ_DONTWAIT) < 0)
            self->stats.send_errors++;
    }
    for (int line = 0; data && line < 2; line++)
        if (self->drop[line] > 0)
            self->drop[line]--;
    self->stats.messages++;
    self->stats.bytes += len;
}

/* Remembers the latest message of a snapshot topic (IDX.*, STL.*) by chain id. */
static int s_keep_latest(tix_pub_t *self, int id, const uint8_t *msg, size_t len)
{
    if (!self->latest[id] && !(self->latest[id] = malloc(TIX_WIRE_QUOTE_SIZE)))
        return -1;
    memcpy(self->latest[id], msg, len);
    self->latest_len[id] = len;
    return 0;
}

/* Signs an encoded message in place when its template is signed (tix_wire_signed) and a key
 * is configured: key id at its offset, signature in the last 64 bytes. Header first, so the
 * signature binds the sequence numbers where the rule covers them. */
static int s_sign_msg(tix_pub_t *self, uint8_t *msg, size_t len)
{
    const tix_wire_signed_t *r = tix_wire_signed(tix_wire_get_u16(msg + 2));
    if (!r || !self->cfg.sign)
        return 0;
    memcpy(msg + TIX_WIRE_HEADER_SIZE + r->key_id_offset, self->cfg.sign->key_id, TIX_WIRE_KEY_ID_SIZE);
    size_t n = tix_wire_signed_bytes(msg, len, self->signbuf, sizeof self->signbuf);
    if (n == 0) {
        TIX_SET_ERR(EINVAL, "a %zu-byte message of template %u cannot be signed", len,
                    tix_wire_get_u16(msg + 2));
        return -1;
    }
    tix_sign(self->cfg.sign, self->signbuf, n, msg + len - TIX_WIRE_SIG_SIZE);
    return 0;
}

/* Numbers, encodes, signs, chains, rings and sends one data message. `enc` encodes with header h;
 * `tl` is strlen(topic), known to every caller (no strlen per message). */
int tix_pub_emit(tix_pub_t *self, const char *topic, size_t tl, int64_t now_ns,
                 tix_pub_encode_fn enc, const void *body, bool snapshot_topic)
{
    int id = tix_chain_find(self->chain, topic, tl);
    if (id < 0 && tix_chain_count(self->chain) >= TIX_PUB_MAX_TOPICS) {
        TIX_SET_ERR(ENOSPC, "topic %s: more than %d topics (one attestation must cover all)",
                    topic, TIX_PUB_MAX_TOPICS);
        return -1;
    }
    if (id < 0 && (id = tix_chain_topic(self->chain, topic, tl)) < 0)
        return -1;
    tix_wire_header_t h = {0};
    h.channel_seq = self->channel_seq + 1;
    h.topic_seq = tix_chain_seq(self->chain, id) + 1;
    h.send_time_ns = now_ns;
    int len = enc(&h, body, self->buf, sizeof self->buf);
    if (len < 0) {
        TIX_SET_ERR(EINVAL, "topic %s: message does not encode (a name too long for its field?)", topic);
        return -1;
    }
    if (s_sign_msg(self, self->buf, (size_t)len))
        return -1;
    /* The steps that can fail first (hash, snapshot copy), the ring put last: it and the
     * chain's new head cannot be undone. */
    uint8_t head[TIX_WIRE_HASH_SIZE];
    if (tix_chain_next(self->chain, id, self->buf, (size_t)len, head))
        return -1;
    if (snapshot_topic && s_keep_latest(self, id, self->buf, (size_t)len)) {
        TIX_SET_ERR(ENOMEM, "out of memory keeping the snapshot of %s", topic);
        return -1;
    }
    if (tix_ring_put(self->ring, h.channel_seq, topic, tl, self->buf, (size_t)len))
        return -1;
    self->channel_seq = h.channel_seq;
    tix_chain_set(self->chain, id, h.topic_seq, head);
    s_send_all(self, topic, tl, self->buf, (size_t)len, true);
    return 0;
}

static int s_enc_tick(const tix_wire_header_t *h, const void *b, uint8_t *buf, size_t cap)
{
    return tix_wire_encode_tick(h, b, buf, cap);
}
static int s_enc_settlement(const tix_wire_header_t *h, const void *b, uint8_t *buf, size_t cap)
{
    return tix_wire_encode_settlement(h, b, buf, cap);
}
static int s_enc_quote(const tix_wire_header_t *h, const void *b, uint8_t *buf, size_t cap)
{
    return tix_wire_encode_quote(h, b, buf, cap);
}

/* "IDX." + tier without snprintf: this runs once per tick on the hot path. Returns the
 * topic's length. */
static size_t s_topic(char *out, const char *prefix, const char *tier)
{
    size_t n = strnlen(tier, TIX_WIRE_TOPIC_MAX - 5);
    memcpy(out, prefix, 4);
    memcpy(out + 4, tier, n);
    out[4 + n] = '\0';
    return 4 + n;
}

int tix_pub_tick(tix_pub_t *self, const tix_wire_tick_t *t, int64_t now_ns)
{
    char topic[TIX_WIRE_TOPIC_MAX];
    size_t tl = s_topic(topic, "IDX.", t->tier);
    return tix_pub_emit(self, topic, tl, now_ns, s_enc_tick, t, true);
}

int tix_pub_settlement(tix_pub_t *self, tix_wire_settlement_t *s, int64_t now_ns)
{
    char topic[TIX_WIRE_TOPIC_MAX];
    size_t tl = s_topic(topic, "STL.", s->tier);
    if (tix_pub_emit(self, topic, tl, now_ns, s_enc_settlement, s, true))
        return -1;
    if (self->cfg.sign) { /* the caller gets the signature the feed carries */
        memcpy(s->key_id, self->buf + TIX_WIRE_HEADER_SIZE + 64, TIX_WIRE_KEY_ID_SIZE);
        memcpy(s->signature, self->buf + TIX_WIRE_HEADER_SIZE + 72, TIX_WIRE_SIG_SIZE);
    }
    return 0;
}

int tix_pub_quote(tix_pub_t *self, const tix_wire_quote_t *q, int64_t now_ns)
{
    char topic[TIX_WIRE_TOPIC_MAX];
    size_t tl = s_topic(topic, "QTE.", q->tier[0] ? q->tier : "-");
    return tix_pub_emit(self, topic, tl, now_ns, s_enc_quote, q, false);
}

static int s_enc_attest(const tix_wire_header_t *h, const void *b, uint8_t *buf, size_t cap)
{
    return tix_wire_encode_attest(h, b, buf, cap);
}

int tix_pub_attest(tix_pub_t *self, int64_t now_ns)
{
    if (!self->cfg.sign)
        return 0; /* nothing to prove without a key */
    tix_wire_attest_t *a = &self->attest;
    memset(a, 0, sizeof *a);
    memcpy(a->key_id, self->cfg.sign->key_id, TIX_WIRE_KEY_ID_SIZE);
    for (size_t id = 0; id < tix_chain_count(self->chain) && a->count < TIX_WIRE_ATTEST_MAX; id++) {
        const char *name = tix_chain_name(self->chain, (int)id);
        if (strcmp(name, "ATT") == 0)
            continue;
        tix_wire_attest_entry_t *e = &a->entries[a->count++];
        snprintf(e->topic, sizeof e->topic, "%s", name);
        e->topic_seq = tix_chain_seq(self->chain, (int)id);
        memcpy(e->head, tix_chain_head(self->chain, (int)id), TIX_WIRE_HASH_SIZE);
    }
    a->attest_ms = (uint32_t)self->cfg.attest_ms; /* signed: subscribers time NO_ATTESTATION by it */
    if (tix_pub_emit(self, "ATT", 3, now_ns, s_enc_attest, a, false))
        return -1;
    self->stats.attestations++;
    self->last_attest_ns = now_ns;
    return 0;
}

static void s_heartbeat(tix_pub_t *self, int64_t now_ns)
{
    tix_wire_header_t h = {0};
    h.channel_seq = self->channel_seq;
    h.send_time_ns = now_ns;
    /* The cadences, so a subscriber can time LINE_DOWN and NO_ATTESTATION without being told. */
    tix_wire_heartbeat_t hb = {(uint32_t)self->cfg.heartbeat_ms,
                               self->cfg.sign ? (uint32_t)self->cfg.attest_ms : 0};
    uint8_t buf[TIX_WIRE_HEARTBEAT_SIZE];
    if (tix_wire_encode_heartbeat(&h, &hb, buf, sizeof buf) < 0)
        return; /* cannot happen: the buffer is the heartbeat's size */
    s_send_all(self, "HB", 2, buf, sizeof buf, false);
    self->stats.heartbeats++;
    self->last_hb_ns = now_ns;
}

int tix_pub_service(tix_pub_t *self, int64_t now_ns, int timeout_ms)
{
    if (tix_pub_recovery_serve(self, timeout_ms))
        return -1;
    s_read_monitors(self);
    int64_t attest_ns = self->cfg.attest_ms * 1000000;
    /* Attest on schedule even when idle: a subscriber that lost the tail of a burst learns
     * of it only from a later message, and the attestation is that message. */
    if (self->cfg.sign && self->channel_seq > 0 && now_ns - self->last_attest_ns >= attest_ns &&
        tix_pub_attest(self, now_ns))
        return -1;
    /* Every heartbeat_ms, busy or not: a subscriber joining a busy feed learns the cadences
     * (attest_ms) within one interval, not only after a lull. */
    if (now_ns - self->last_hb_ns >= self->cfg.heartbeat_ms * 1000000)
        s_heartbeat(self, now_ns);
    return 0;
}

uint64_t tix_pub_channel_seq(const tix_pub_t *self) { return self->channel_seq; }

uint64_t tix_pub_subscribers(const tix_pub_t *self)
{
    return self->accepted > self->disconnected ? self->accepted - self->disconnected : 0;
}

const char *tix_pub_endpoint(const tix_pub_t *self, int line, size_t i)
{
    for (size_t k = 0; k < self->nsocks; k++)
        if (self->socks[k].line == line && i-- == 0)
            return self->socks[k].bound;
    return NULL;
}

const char *tix_pub_recovery_endpoint(const tix_pub_t *self)
{
    return self->router ? self->router_bound : NULL;
}
void tix_pub_stats(const tix_pub_t *self, tix_pub_stats_t *out)
{
    *out = self->stats;
    out->connects = self->accepted;
    out->disconnects = self->disconnected;
}

void tix_pub_drop_next(tix_pub_t *self, int line, unsigned n)
{
    assert(line == 0 || line == 1);
    self->drop[line] = n;
}
