/* zmq_ingest adapter: normalized quotes from remote collectors, binary wire quote messages over PULL, CurveZMQ-authenticated off this host. */
#include "collector_int.h"
#include "tix/wire.h"
#include "tix_allow.h"
#include "tix_endpoint.h"
#include "tix_auth.h"
#include "tix_err.h"
#include "tix_keys.h"
#include "tix_log.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* ZMQ_MAXMSGSIZE bounds a frame as it comes off the wire, before CURVE decryption, which
 * wraps each message in 33 bytes ("\x07MESSAGE", an 8-byte nonce, a 16-byte MAC, a flags
 * byte: libzmq's curve_mechanism_base.cpp). The handshake's commands are smaller. */
#define TIX_INGEST_CURVE_OVERHEAD 33

typedef struct {
    char *curve_secret, *collectors_allow; /* both or neither: CurveZMQ */
    /* Its own context, so that its ZAP handler serves its socket alone. */
    void *zctx, *zsock;
    struct tix_auth_s *auth; /* NULL without CURVE (a local endpoint) */
} s_ingest_t;

/* Whether `url` is reachable from this host only: ipc://, inproc://, or tcp on a literal
 * loopback address (127.0.0.0/8, [::1]). A host name is not trusted to stay loopback. */
static bool s_local(const char *url)
{
    if (strncmp(url, "ipc://", 6) == 0 || strncmp(url, "inproc://", 9) == 0)
        return true;
    if (strncmp(url, "tcp://", 6) != 0)
        return false;
    const char *h = url + 6, *colon = strrchr(h, ':');
    char host[64];
    size_t n = colon ? (size_t)(colon - h) : 0;
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof host)
        return false;
    memcpy(host, h, n);
    host[n] = '\0';
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* Why `p` may not run as configured (an exposed endpoint without CurveZMQ, half of its keys,
 * an unreadable key or allowlist): -1 with tix_err(), else 0. */
static int s_check_keys(const tix_prov_t *p, const s_ingest_t *self)
{
    if (!self->curve_secret != !self->collectors_allow) {
        TIX_SET_ERR(EINVAL, "zmq_ingest \"%s\": CurveZMQ needs both curve_secret and "
                    "collectors_allow (%s is missing)", p->name,
                    self->curve_secret ? "collectors_allow" : "curve_secret");
        return -1;
    }
    if (!self->curve_secret && !s_local(p->url)) {
        TIX_SET_ERR(EINVAL, "zmq_ingest \"%s\": %s is reachable from other hosts, so it needs "
                    "CurveZMQ (curve_secret and collectors_allow); without them bind ipc:// or a "
                    "loopback address (tcp://127.0.0.1:PORT, tcp://[::1]:PORT)", p->name, p->url);
        return -1;
    }
    if (!self->curve_secret)
        return 0;
    tix_curve_key_t k;
    int rc = tix_curve_key_load_secret(self->curve_secret, &k);
    sodium_memzero(&k, sizeof k);
    tix_allow_t *list = rc == 0 ? tix_allow_load(self->collectors_allow, TIX_ALLOW_COLLECTORS) : NULL;
    if (!list) {
        char why[TIX_ERR_MAX];
        snprintf(why, sizeof why, "%s", tix_err());
        TIX_SET_ERR(EINVAL, "zmq_ingest \"%s\": %s", p->name, why);
        return -1;
    }
    tix_allow_destroy(&list);
    return 0;
}

static void s_configure(tix_prov_t *p, tix_col_load_t *l, const config_setting_t *ps,
                        const char *where)
{
    s_ingest_t *self = p->priv;
    if (tix_col_dup(&self->curve_secret, tix_col_str(ps, "curve_secret")) ||
        tix_col_dup(&self->collectors_allow, tix_col_str(ps, "collectors_allow"))) {
        tix_col_fail(l, ps, "%s: out of memory", where);
        return;
    }
    char why[512];
    if (!p->url)
        tix_col_fail(l, ps, "%s.url: zmq_ingest needs a ZeroMQ endpoint to bind (tcp://127.0.0.1:5599)",
                     where);
    else if (tix_endpoint_check(p->url, true, why, sizeof why) != 0)
        tix_col_fail(l, config_setting_get_member(ps, "url"), "%s.url: %s", where, why);
    else if (s_check_keys(p, self) != 0)
        tix_col_fail(l, ps, "%s: %s", where, tix_err());
}

/* Closes the socket, its ZAP handler, then its context. */
static void s_close(s_ingest_t *self)
{
    if (self->zsock)
        zmq_close(self->zsock);
    tix_auth_destroy(&self->auth); /* closes the ZAP socket: before the context ends */
    if (self->zctx)
        zmq_ctx_term(self->zctx);
    self->zsock = self->zctx = NULL;
}

static void s_release(tix_prov_t *p)
{
    s_ingest_t *self = p->priv;
    s_close(self);
    free(self->curve_secret);
    free(self->collectors_allow);
}

/* CurveZMQ server with this provider's own key pair and a ZAP handler on the provider's
 * own context: the publisher's handler lives in another context and would never be asked,
 * and a CURVE socket without a handler in its context accepts every client key. */
static int s_curve(tix_prov_t *p)
{
    s_ingest_t *self = p->priv;
    tix_curve_key_t k;
    if (tix_curve_key_load_secret(self->curve_secret, &k) != 0)
        return -1;
    int one = 1, rc = -1;
    if (!(self->auth = tix_auth_new_collectors(self->zctx, self->collectors_allow)))
        goto done;
    if (zmq_setsockopt(self->zsock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(self->zsock, ZMQ_CURVE_SECRETKEY, k.sec, 40) != 0 ||
        zmq_setsockopt(self->zsock, ZMQ_ZAP_DOMAIN, p->name, strlen(p->name)) != 0) {
        TIX_SET_ERR(errno, "zmq_ingest \"%s\": CURVE options: %s", p->name, zmq_strerror(errno));
        goto done;
    }
    rc = 0;
done:
    sodium_memzero(&k, sizeof k);
    return rc;
}

/* Binds the PULL socket (with CurveZMQ and its ZAP handler when keyed). */
static int s_open(tix_prov_t *p)
{
    s_ingest_t *self = p->priv;
    if (!(self->zctx = zmq_ctx_new())) {
        TIX_SET_ERR(errno, "zmq_ctx_new: %s", zmq_strerror(errno));
        return -1;
    }
    int linger = 0;
    /* Larger than a quote message is not ours: libzmq drops the connection before reading it. */
    int64_t maxmsg = TIX_WIRE_QUOTE_SIZE + (self->curve_secret ? TIX_INGEST_CURVE_OVERHEAD : 0);
    self->zsock = zmq_socket(self->zctx, ZMQ_PULL);
    if (!self->zsock || zmq_setsockopt(self->zsock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(self->zsock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0) {
        TIX_SET_ERR(errno, "zmq_ingest \"%s\": socket: %s", p->name, zmq_strerror(errno));
        return -1;
    }
    if (self->curve_secret && s_curve(p) != 0)
        return -1;
    if (zmq_bind(self->zsock, p->url) != 0) {
        TIX_SET_ERR(errno, "zmq_ingest: cannot bind %s: %s", p->url, zmq_strerror(errno));
        return -1;
    }
    p->done_once = true; /* a listener: nothing to wait for in once mode */
    p->health = TIX_HEALTH_UP;
    return 0;
}


/* A local price (1e-9 per 1M tokens) as exact decimal text at unit "1m"; NULL if absent. */
static const char *s_text(int64_t v, char *buf, size_t cap)
{
    if (v == TIX_WIRE_PRICE_NULL)
        return NULL;
    return tix_price_format(v, buf, cap);
}

/* Archived here like a local refusal: names and reason, no prices. */
static void s_refuse(tix_prov_t *p, const tix_wire_quote_t *w, tix_norm_error_t *err)
{
    tix_raw_quote_t refused = {
        .recv_ns = w->recv_ns,
        .provider = w->provider,
        .model = w->model[0] ? w->model : NULL,
        .unit = tix_unit_name((tix_unit_t)w->unit), /* the decoder admits only 1, 1000, 1e6 */
        .currency = w->currency[0] ? w->currency : NULL,
    };
    tix_col_refuse(p, &refused, err);
}

/* Rebuilds the quote as received (local prices, unit 1m) and normalizes it with this
 * process's configuration, which stays the authority on FX and tier mapping. `key` is the
 * sending collector's CURVE key (NULL on a local endpoint, which may send for anyone). */
static void s_quote(tix_prov_t *p, const tix_wire_quote_t *w, const char *key)
{
    s_ingest_t *self = p->priv;
    if (self->auth && (!key || !tix_auth_permits(self->auth, key, w->provider))) {
        tix_norm_error_t err = {TIX_REASON_UNAUTHORIZED_PROVIDER, "provider", ""};
        snprintf(err.detail, sizeof err.detail, "collector key %.40s may not send for provider "
                 "\"%.63s\"", key ? key : "(none)", w->provider);
        s_refuse(p, w, &err);
        return;
    }
    if (w->reason != 0) {
        tix_norm_error_t err = {w->reason < TIX_REASON_COUNT ? (tix_reason_t)w->reason
                                                             : TIX_REASON_BAD_NUMBER,
                                "remote", ""};
        snprintf(err.detail, sizeof err.detail, "remote collector refused %.40s/%.60s", w->provider,
                 w->model);
        s_refuse(p, w, &err);
        return;
    }
    char in[TIX_PRICE_TEXT_MAX], out[TIX_PRICE_TEXT_MAX], ca[TIX_PRICE_TEXT_MAX], vol[24];
    snprintf(vol, sizeof vol, "%lld", (long long)w->volume);
    tix_raw_quote_t raw = {
        .recv_ns = w->recv_ns,
        .provider = w->provider,
        .model = w->model,
        .unit = "1m",
        .currency = w->currency,
        .input = s_text(w->local_input, in, sizeof in),
        .output = s_text(w->local_output, out, sizeof out),
        .cached = s_text(w->local_cached, ca, sizeof ca),
        .volume = w->volume >= 0 ? vol : NULL,
    };
    tix_col_emit(p, &raw);
}

/* The rest of a multipart message, read and dropped; returns how many parts it had. */
static int s_drop_parts(tix_prov_t *p)
{
    s_ingest_t *self = p->priv;
    int parts = 1, more = 1;
    size_t sz = sizeof more;
    while (more && zmq_getsockopt(self->zsock, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        int n = zmq_msg_recv(&m, self->zsock, ZMQ_DONTWAIT); /* parts arrive together */
        zmq_msg_close(&m);
        if (n < 0)
            break;
        parts++;
    }
    return parts;
}

/* One message: a single part holding one wire quote, or one bad message. */
static void s_message(tix_prov_t *p, zmq_msg_t *m)
{
    s_ingest_t *self = p->priv;
    if (zmq_msg_more(m)) {
        int parts = s_drop_parts(p);
        tix_col_fault(p, TIX_FAULT_BAD_MESSAGE, "a message of %d parts: a quote message is one",
                      parts);
        return;
    }
    size_t n = zmq_msg_size(m);
    tix_wire_msg_t w;
    char err[160];
    if (n > TIX_WIRE_QUOTE_SIZE || tix_wire_decode(zmq_msg_data(m), n, &w, err, sizeof err) != 0) {
        tix_col_fault(p, TIX_FAULT_BAD_MESSAGE, "%s",
                      n > TIX_WIRE_QUOTE_SIZE ? "message longer than a quote" : err);
        return;
    }
    if (w.h.template_id != TIX_WIRE_QUOTE) {
        p->st.ignored++;
        return;
    }
    p->st.successes++;
    s_quote(p, &w.u.quote, self->auth ? zmq_msg_gets(m, "User-Id") : NULL);
}

static void s_drain(tix_prov_t *p)
{
    s_ingest_t *self = p->priv;
    if (!self->zsock)
        return;
    /* Bounded per step so one busy source cannot starve the others. */
    for (int i = 0; i < 10000; i++) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, self->zsock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            if (errno != EAGAIN && errno != EINTR)
                tix_error_limited("provider %s: zmq_recv: %s", p->name, zmq_strerror(errno));
            break;
        }
        p->st.attempts++;
        s_message(p, &m);
        zmq_msg_close(&m);
    }
    if (self->auth) {
        tix_auth_stats_t as;
        tix_auth_stats(self->auth, &as);
        p->st.faults[TIX_FAULT_UNKNOWN_KEY] = as.refused; /* the ZAP handler logs them */
    }
}

/* ZMQ_FD is edge-triggered: it may not signal messages already queued, so drain often. */
static int s_poll_fd(tix_prov_t *p, int64_t *wait_ms)
{
    s_ingest_t *self = p->priv;
    int fd;
    size_t sz = sizeof fd;
    if (!self->zsock || zmq_getsockopt(self->zsock, ZMQ_FD, &fd, &sz) != 0)
        fd = -1;
    if (self->zsock && *wait_ms > 20)
        *wait_ms = 20;
    return fd;
}

const tix_col_adapter_t tix_col_zmq_ingest = {
    .name = "zmq_ingest", .roles = TIX_COLLECT_ZMQ, .timeout_ms = 10000,
    .priv_size = sizeof(s_ingest_t), .configure = s_configure, .open = s_open,
    .poll_fd = s_poll_fd, .drain = s_drain, .release = s_release,
};
