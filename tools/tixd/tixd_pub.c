/* tixd's publisher stage: one thread owning the ZeroMQ context's publisher sockets; it publishes what the engine queues and services heartbeats, attestations and recovery. */
#include "tix_auth.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_pub.h"
#include "tix_time.h"
#include "tixd_int.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define MAX_EP 16
#define BATCH 64

struct tixd_pub_s {
    const tix_config_t *cfg;
    tixd_queue_t *in;
    tixd_state_t *state;
    void *zctx;
    tix_auth_t *auth;
    tix_pub_t *pub;
    tix_sign_key_t sign;
    tix_curve_key_t curve;
    bool has_sign, has_curve;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    int64_t rate_t0;
    uint64_t rate_n0;
    bool send_warned;
    tix_storage_t *storage; /* the publish ledger, NULL for none */
    tixd_out_t batch[BATCH];
};

static int64_t s_int(const tix_config_t *cfg, const char *path, int64_t dflt)
{
    return tix_config_int(cfg, path, dflt);
}

static const char *s_str(const tix_config_t *cfg, const char *path)
{
    const config_setting_t *s = tix_config_lookup(cfg, path);
    return s ? config_setting_get_string(s) : NULL;
}

/* An endpoint list of the publisher section into `eps`; -1 if there are too many. */
static int s_list(const tix_config_t *cfg, const char *path, const char **eps, size_t *n)
{
    const config_setting_t *s = tix_config_lookup(cfg, path);
    *n = 0;
    int len = s ? config_setting_length(s) : 0;
    if (len > MAX_EP) {
        TIX_SET_ERR(EINVAL, "%s: at most %d endpoints", path, MAX_EP);
        return -1;
    }
    for (int i = 0; i < len; i++)
        eps[(*n)++] = config_setting_get_string_elem(s, i);
    return 0;
}

static int s_keys(tixd_pub_t *p)
{
    const char *sk = s_str(p->cfg, "publisher.signing_key");
    const char *ck = s_str(p->cfg, "publisher.curve_secret");
    if (sk && tix_sign_key_load_secret(sk, &p->sign) != 0) {
        TIX_SET_ERR(tix_err_code(), "publisher.signing_key: %s", tix_err());
        return -1;
    }
    p->has_sign = sk != NULL;
    if (ck && (tix_keys_check_private(ck) != 0 || tix_curve_key_load_secret(ck, &p->curve) != 0)) {
        TIX_SET_ERR(tix_err_code(), "publisher.curve_secret: %s", tix_err());
        return -1;
    }
    p->has_curve = ck != NULL;
    return 0;
}

static int s_open(tixd_pub_t *p)
{
    const char *a[MAX_EP], *b[MAX_EP];
    tix_pub_cfg_t pc = {0};
    if (s_list(p->cfg, "publisher.line_a", a, &pc.n_a) || s_list(p->cfg, "publisher.line_b", b, &pc.n_b))
        return -1;
    pc.line_a = a;
    pc.line_b = b;
    pc.recovery = s_str(p->cfg, "publisher.recovery");
    pc.heartbeat_ms = s_int(p->cfg, "publisher.heartbeat_ms", 0);
    pc.attest_ms = s_int(p->cfg, "publisher.attest_ms", 0);
    pc.ring_size = (size_t)s_int(p->cfg, "publisher.ring_size", 0);
    pc.sndhwm = (int)s_int(p->cfg, "publisher.sndhwm", 0);
    pc.multicast_rate_kbps = (int)s_int(p->cfg, "publisher.multicast_rate_kbps", 0);
    pc.sign = p->has_sign ? &p->sign : NULL;
    pc.curve = p->has_curve ? &p->curve : NULL;
    if (!(p->zctx = zmq_ctx_new())) {
        TIX_SET_ERR(errno, "zmq_ctx_new: %s", zmq_strerror(errno));
        return -1;
    }
    /* The ZAP handler must run before a CURVE socket binds on this context. */
    const char *allow = s_str(p->cfg, "publisher.clients_allow");
    if (p->has_curve && !(p->auth = tix_auth_new(p->zctx, allow))) {
        TIX_SET_ERR(tix_err_code(), "publisher.clients_allow: %s", tix_err());
        return -1;
    }
    return (p->pub = tix_pub_new(p->zctx, &pc)) ? 0 : -1;
}

/* The message just sent took the channel's last sequence number: the ledger pairs the two. */
static void s_ledger(tixd_pub_t *p, const tixd_out_t *m)
{
    tix_rec_kind_t kind = m->kind == TIX_WIRE_TICK         ? TIX_REC_TICK
                          : m->kind == TIX_WIRE_SETTLEMENT ? TIX_REC_SETTLE
                                                           : TIX_REC_QUOTE;
    int64_t ts = m->kind == TIX_WIRE_TICK         ? m->u.tick.ts_ns
                 : m->kind == TIX_WIRE_SETTLEMENT ? m->u.stl.ts_ns
                                                  : m->u.quote.recv_ns;
    if (tix_storage_published(p->storage, tix_pub_channel_seq(p->pub), m->rec_seq, kind, ts) != 0)
        tix_warn_limited("publisher: %s (tix_storage_ledger_dropped_total)", tix_err());
}

static void s_send(tixd_pub_t *p, tixd_out_t *m, int64_t now)
{
    int rc = m->kind == TIX_WIRE_TICK         ? tix_pub_tick(p->pub, &m->u.tick, now)
             : m->kind == TIX_WIRE_SETTLEMENT ? tix_pub_settlement(p->pub, &m->u.stl, now)
                                              : tix_pub_quote(p->pub, &m->u.quote, now);
    if (rc != 0 && !p->send_warned) {
        tix_error("publisher: %s (first failure; later ones counted in tix_pub_send_errors_total)",
                  tix_err());
        p->send_warned = true;
    }
    if (rc == 0 && p->storage && m->rec_seq)
        s_ledger(p, m);
}

/* Copies the figures /metrics shows, at most 4 times a second. */
static void s_snapshot(tixd_pub_t *p, int64_t mono)
{
    if (mono - p->rate_t0 < 250 * TIX_NS_PER_MS)
        return;
    tix_pub_stats_t st;
    tix_pub_stats(p->pub, &st);
    tix_auth_stats_t as = {0};
    if (p->auth)
        tix_auth_stats(p->auth, &as);
    tixd_state_t *s = p->state;
    pthread_mutex_lock(&s->mu);
    s->pub = st;
    s->pub_rate = (double)(st.messages - p->rate_n0) * 1e9 / (double)(mono - p->rate_t0);
    s->subscribers = tix_pub_subscribers(p->pub);
    s->connects = st.connects;
    s->disconnects = st.disconnects;
    s->auth_allowed = as.allowed;
    s->auth_refused = as.refused;
    pthread_mutex_unlock(&s->mu);
    p->rate_t0 = mono;
    p->rate_n0 = st.messages;
}

static void *s_main(void *arg)
{
    tixd_pub_t *p = arg;
    p->rate_t0 = tix_time_mono_ns();
    for (;;) {
        bool stopping = atomic_load(&p->stop);
        /* A short wait: recovery requests are answered between queue waits. */
        size_t n = tixd_queue_pop(p->in, p->batch, BATCH, stopping ? 0 : 5);
        int64_t now = tix_time_wall_ns();
        for (size_t i = 0; i < n; i++)
            s_send(p, &p->batch[i], now);
        if (tix_pub_service(p->pub, now, 0) != 0 && !p->send_warned) {
            tix_error("publisher: service: %s", tix_err());
            p->send_warned = true;
        }
        s_snapshot(p, tix_time_mono_ns());
        if (stopping && n == 0)
            break;
    }
    /* A last attestation covers the final messages, so subscribers can verify all of them. */
    if (p->has_sign && tix_pub_attest(p->pub, tix_time_wall_ns()) != 0)
        tix_warn("publisher: final attestation: %s", tix_err());
    return NULL;
}

tixd_pub_t *tixd_pub_new(const tix_config_t *cfg, tixd_queue_t *in, tixd_state_t *state)
{
    tixd_pub_t *p = calloc(1, sizeof *p);
    if (!p) {
        TIX_SET_ERR(ENOMEM, "out of memory for the publisher stage");
        return NULL;
    }
    p->cfg = cfg;
    p->in = in;
    p->state = state;
    if (s_keys(p) != 0 || s_open(p) != 0)
        goto fail;
    pthread_mutex_lock(&state->mu);
    state->has_pub = true;
    state->has_auth = p->auth != NULL;
    pthread_mutex_unlock(&state->mu);
    /* The sockets move to the publisher thread: pthread_create is the memory barrier ZeroMQ
     * asks for when a socket changes threads. */
    if (pthread_create(&p->thread, NULL, s_main, p) != 0) {
        TIX_SET_ERR(EAGAIN, "cannot start the publisher thread");
        goto fail;
    }
    p->started = true;
    return p;
fail:
    tixd_pub_destroy(&p);
    return NULL;
}

void tixd_pub_destroy(tixd_pub_t **self_p)
{
    assert(self_p);
    tixd_pub_t *p = *self_p;
    if (!p)
        return;
    if (p->started) {
        atomic_store(&p->stop, true);
        tixd_queue_wake(p->in);
        pthread_join(p->thread, NULL);
    }
    tix_pub_destroy(&p->pub);
    tix_auth_destroy(&p->auth);
    if (p->zctx)
        zmq_ctx_term(p->zctx);
    sodium_memzero(&p->sign, sizeof p->sign);
    free(p);
    *self_p = NULL;
}

void tixd_pub_set_storage(tixd_pub_t *self, tix_storage_t *storage) { self->storage = storage; }

const tix_sign_key_t *tixd_pub_sign_key(const tixd_pub_t *self)
{
    return self->has_sign ? &self->sign : NULL;
}

int tixd_pub_reload(tixd_pub_t *self)
{
    if (!self->auth)
        return 0;
    if (tix_auth_reload(self->auth) != 0)
        return -1;
    tix_auth_stats_t st;
    tix_auth_stats(self->auth, &st);
    tix_info("publisher: client allowlist reloaded: %zu keys", st.keys);
    return 0;
}

void tixd_pub_print_endpoints(const tixd_pub_t *self, FILE *f)
{
    for (int line = 0; line < 2; line++)
        for (size_t i = 0; tix_pub_endpoint(self->pub, line, i); i++)
            fprintf(f, "line_%c %s\n", 'a' + line, tix_pub_endpoint(self->pub, line, i));
    if (tix_pub_recovery_endpoint(self->pub))
        fprintf(f, "recovery %s\n", tix_pub_recovery_endpoint(self->pub));
}
