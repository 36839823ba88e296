/* Forwarding of normalized quotes as wire quote messages over a ZeroMQ PUSH socket. */
#include "tix_forward.h"
#include "tix/wire.h"
#include "tix_err.h"
#include "tix_keys.h"
#include "tix_strtab.h"
#include "tix_time.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* One PUSH socket per engine: a single PUSH connected to several endpoints would deal the
 * quotes out round-robin, and each engine would index a different part of the market. */
#define TIX_FORWARD_MAX 16

struct tix_forward_s {
    const tix_config_t *cfg;
    void *ctx, *socks[TIX_FORWARD_MAX];
    int nsocks;
    uint64_t seq, sent, dropped;
};

/* The CURVE keys of collector.forward_server_key (the engines' public key) and
 * forward_client_key (this collector's secret key): both, or neither for engines on this
 * host's loopback. 1 when set, 0 when not, -1 with tix_err(). */
static int s_keys(const tix_config_t *cfg, tix_curve_key_t *server, tix_curve_key_t *client)
{
    const config_setting_t *s = tix_config_lookup(cfg, "collector.forward_server_key");
    const config_setting_t *c = tix_config_lookup(cfg, "collector.forward_client_key");
    if (!s && !c)
        return 0;
    if (!s || !c) {
        TIX_SET_ERR(EINVAL, "collector: CurveZMQ needs both forward_server_key and "
                    "forward_client_key (%s is missing)", s ? "forward_client_key" : "forward_server_key");
        return -1;
    }
    if (tix_curve_key_load_public(config_setting_get_string(s), server) != 0 ||
        tix_curve_key_load_secret(config_setting_get_string(c), client) != 0)
        return -1;
    return 1;
}

static int s_curve_client(void *s, const tix_curve_key_t *server, const tix_curve_key_t *client)
{
    return zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server->pub, 40) == 0 &&
                   zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, client->pub, 40) == 0 &&
                   zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, client->sec, 40) == 0
               ? 0
               : -1;
}

int tix_forward_check(const tix_config_t *cfg)
{
    tix_curve_key_t server, client;
    int rc = s_keys(cfg, &server, &client);
    sodium_memzero(&client, sizeof client);
    return rc < 0 ? -1 : 0;
}

tix_forward_t *tix_forward_new(const tix_config_t *cfg)
{
    const config_setting_t *ep = tix_config_lookup(cfg, "collector.forward");
    int n = ep ? config_setting_length(ep) : 0;
    if (n == 0) {
        TIX_SET_ERR(EINVAL, "collector.forward: no endpoint to forward quotes to");
        return NULL;
    }
    if (n > TIX_FORWARD_MAX) {
        TIX_SET_ERR(EINVAL, "collector.forward: at most %d endpoints", TIX_FORWARD_MAX);
        return NULL;
    }
    tix_curve_key_t server, client;
    int curve = s_keys(cfg, &server, &client);
    if (curve < 0)
        return NULL;
    tix_forward_t *self = calloc(1, sizeof *self);
    if (!self || !(self->ctx = zmq_ctx_new())) {
        sodium_memzero(&client, sizeof client);
        TIX_SET_ERR(ENOMEM, "cannot create a ZeroMQ context");
        tix_forward_destroy(&self);
        return NULL;
    }
    self->cfg = cfg;
    int hwm = (int)tix_config_int(cfg, "collector.forward_hwm", 100000); /* schema: <= 1e7 */
    int linger = 1000;
    for (int i = 0; i < n; i++) {
        const char *e = config_setting_get_string_elem(ep, i);
        void *s = zmq_socket(self->ctx, ZMQ_PUSH);
        if (s)
            self->socks[self->nsocks++] = s;
        if (!s || !e || zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
            zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
            (curve && s_curve_client(s, &server, &client) != 0) || zmq_connect(s, e) != 0) {
            TIX_SET_ERR(errno, "collector.forward[%d]: cannot connect '%s': %s", i, e ? e : "",
                        zmq_strerror(errno));
            sodium_memzero(&client, sizeof client);
            tix_forward_destroy(&self);
            return NULL;
        }
    }
    sodium_memzero(&client, sizeof client);
    return self;
}

void tix_forward_destroy(tix_forward_t **self_p)
{
    assert(self_p);
    tix_forward_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; i < self->nsocks; i++)
        zmq_close(self->socks[i]);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    free(self);
    *self_p = NULL;
}

/* Numbers, encodes and sends one wire quote to every engine. */
static int s_send(tix_forward_t *self, const tix_wire_quote_t *w)
{
    tix_wire_header_t h = {0};
    h.channel_seq = h.topic_seq = ++self->seq;
    h.send_time_ns = tix_time_wall_ns();
    uint8_t buf[TIX_WIRE_QUOTE_SIZE];
    int len = tix_wire_encode_quote(&h, w, buf, sizeof buf);
    if (len < 0) {
        TIX_SET_ERR(EINVAL, "quote %s/%s does not fit the wire format", w->provider, w->model);
        return -1;
    }
    /* Every engine gets every quote; one at its high-water mark loses it alone. */
    for (int i = 0; i < self->nsocks; i++) {
        if (zmq_send(self->socks[i], buf, (size_t)len, ZMQ_DONTWAIT) != len)
            self->dropped++;
        else
            self->sent++;
    }
    return 0;
}

int tix_forward_quote(tix_forward_t *self, const tix_norm_t *norm, const tix_raw_quote_t *raw,
                      const tix_quote_t *q)
{
    (void)norm;
    tix_wire_quote_t w;
    memset(&w, 0, sizeof w);
    w.recv_ns = q->recv_ns;
    snprintf(w.provider, sizeof w.provider, "%s", raw->provider);
    snprintf(w.model, sizeof w.model, "%s", raw->model);
    snprintf(w.currency, sizeof w.currency, "%s", raw->currency);
    snprintf(w.tier, sizeof w.tier, "%s", self->cfg->tiers[q->tier].id);
    w.unit = (uint32_t)q->unit;
    w.local_input = q->local_input;
    w.local_output = q->local_output;
    w.local_cached = q->local_cached;
    w.fx_e9 = q->fx_e9;
    w.input = q->input;
    w.output = q->output;
    w.cached = q->cached;
    w.blended = q->blended;
    w.volume = q->volume;
    return s_send(self, &w);
}

int tix_forward_refused(tix_forward_t *self, const tix_raw_quote_t *raw, tix_reason_t reason)
{
    tix_wire_quote_t w;
    memset(&w, 0, sizeof w);
    w.recv_ns = raw->recv_ns;
    snprintf(w.provider, sizeof w.provider, "%s", raw->provider ? raw->provider : "");
    snprintf(w.model, sizeof w.model, "%s", raw->model ? raw->model : "");
    snprintf(w.currency, sizeof w.currency, "%s", raw->currency ? raw->currency : "");
    tix_unit_t unit;
    w.unit = (uint32_t)(raw->unit && tix_unit_parse(raw->unit, &unit) == 0 ? unit : TIX_UNIT_1M);
    w.reason = (uint8_t)reason;
    w.local_input = w.local_output = w.local_cached = TIX_WIRE_PRICE_NULL;
    w.input = w.output = w.cached = w.blended = TIX_WIRE_PRICE_NULL;
    w.fx_e9 = w.volume = -1;
    return s_send(self, &w);
}

uint64_t tix_forward_sent(const tix_forward_t *self) { return self->sent; }
uint64_t tix_forward_dropped(const tix_forward_t *self) { return self->dropped; }
