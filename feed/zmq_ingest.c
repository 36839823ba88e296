/* zmq_ingest adapter: normalized quotes from remote collectors, binary wire quote messages over PULL, CurveZMQ-authenticated off this host. */
#include "collector_int.h"
#include "tix/wire.h"
#include "tix_allow.h"
#include "tix_auth.h"
#include "tix_err.h"
#include "tix_keys.h"
#include "tix_log.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

/* ZMQ_MAXMSGSIZE bounds a frame as it comes off the wire, before CURVE decryption, which
 * wraps each message in 33 bytes ("\x07MESSAGE", an 8-byte nonce, a 16-byte MAC, a flags
 * byte: libzmq's curve_mechanism_base.cpp). The handshake's commands are smaller. */
#define TIX_INGEST_CURVE_OVERHEAD 33

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

int tix_zmq_source_check(const tix_prov_t *p)
{
    if (!p->curve_secret != !p->collectors_allow) {
        TIX_SET_ERR(EINVAL, "zmq_ingest \"%s\": CurveZMQ needs both curve_secret and "
                    "collectors_allow (%s is missing)", p->name,
                    p->curve_secret ? "collectors_allow" : "curve_secret");
        return -1;
    }
    if (!p->curve_secret && !s_local(p->url)) {
        TIX_SET_ERR(EINVAL, "zmq_ingest \"%s\": %s is reachable from other hosts, so it needs "
                    "CurveZMQ (curve_secret and collectors_allow); without them bind ipc:// or a "
                    "loopback address (tcp://127.0.0.1:PORT, tcp://[::1]:PORT)", p->name, p->url);
        return -1;
    }
    if (!p->curve_secret)
        return 0;
    tix_curve_key_t k;
    int rc = tix_curve_key_load_secret(p->curve_secret, &k);
    sodium_memzero(&k, sizeof k);
    tix_allow_t *list = rc == 0 ? tix_allow_load(p->collectors_allow, TIX_ALLOW_COLLECTORS) : NULL;
    if (!list) {
        char why[TIX_ERR_MAX];
        snprintf(why, sizeof why, "%s", tix_err());
        TIX_SET_ERR(EINVAL, "zmq_ingest \"%s\": %s", p->name, why);
        return -1;
    }
    tix_allow_destroy(&list);
    return 0;
}

/* CurveZMQ server with this provider's own key pair and a ZAP handler on the provider's
 * own context: the publisher's handler lives in another context and would never be asked,
 * and a CURVE socket without a handler in its context accepts every client key. */
static int s_curve(tix_prov_t *p)
{
    tix_curve_key_t k;
    if (tix_curve_key_load_secret(p->curve_secret, &k) != 0)
        return -1;
    int one = 1, rc = -1;
    if (!(p->auth = tix_auth_new_collectors(p->zctx, p->collectors_allow)))
        goto done;
    if (zmq_setsockopt(p->zsock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(p->zsock, ZMQ_CURVE_SECRETKEY, k.sec, 40) != 0 ||
        zmq_setsockopt(p->zsock, ZMQ_ZAP_DOMAIN, p->name, strlen(p->name)) != 0) {
        TIX_SET_ERR(errno, "zmq_ingest \"%s\": CURVE options: %s", p->name, zmq_strerror(errno));
        goto done;
    }
    rc = 0;
done:
    sodium_memzero(&k, sizeof k);
    return rc;
}

int tix_zmq_source_start(tix_prov_t *p)
{
    if (!(p->zctx = zmq_ctx_new())) {
        TIX_SET_ERR(errno, "zmq_ctx_new: %s", zmq_strerror(errno));
        return -1;
    }
    int linger = 0;
    /* Larger than a quote message is not ours: libzmq drops the connection before reading it. */
    int64_t maxmsg = TIX_WIRE_QUOTE_SIZE + (p->curve_secret ? TIX_INGEST_CURVE_OVERHEAD : 0);
    p->zsock = zmq_socket(p->zctx, ZMQ_PULL);
    if (!p->zsock || zmq_setsockopt(p->zsock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(p->zsock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0) {
        TIX_SET_ERR(errno, "zmq_ingest \"%s\": socket: %s", p->name, zmq_strerror(errno));
        return -1;
    }
    if (p->curve_secret && s_curve(p) != 0)
        return -1;
    if (zmq_bind(p->zsock, p->url) != 0) {
        TIX_SET_ERR(errno, "zmq_ingest: cannot bind %s: %s", p->url, zmq_strerror(errno));
        return -1;
    }
    p->done_once = true; /* a listener: nothing to wait for in once mode */
    p->health = TIX_HEALTH_UP;
    return 0;
}

void tix_zmq_source_release(tix_prov_t *p)
{
    if (p->zsock)
        zmq_close(p->zsock);
    tix_auth_destroy(&p->auth); /* closes the ZAP socket: before the context ends */
    if (p->zctx)
        zmq_ctx_term(p->zctx);
    p->zsock = p->zctx = NULL;
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
    if (p->auth && (!key || !tix_auth_permits(p->auth, key, w->provider))) {
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
    int parts = 1, more = 1;
    size_t sz = sizeof more;
    while (more && zmq_getsockopt(p->zsock, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        int n = zmq_msg_recv(&m, p->zsock, ZMQ_DONTWAIT); /* parts arrive together */
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
    s_quote(p, &w.u.quote, p->auth ? zmq_msg_gets(m, "User-Id") : NULL);
}

void tix_zmq_source_drain(tix_prov_t *p)
{
    /* Bounded per step so one busy source cannot starve the others. */
    for (int i = 0; i < 10000; i++) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, p->zsock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            if (errno != EAGAIN && errno != EINTR)
                tix_error_limited("provider %s: zmq_recv: %s", p->name, zmq_strerror(errno));
            break;
        }
        p->st.attempts++;
        s_message(p, &m);
        zmq_msg_close(&m);
    }
    if (p->auth) {
        tix_auth_stats_t as;
        tix_auth_stats(p->auth, &as);
        p->st.faults[TIX_FAULT_UNKNOWN_KEY] = as.refused; /* the ZAP handler logs them */
    }
}
