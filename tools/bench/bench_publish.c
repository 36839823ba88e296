/* Publish benchmark: tix publisher (chains, attestations, signed ticks) vs raw ZeroMQ PUB/SUB, the cost of signing each tick, and SDK latency. */
#include "bench.h"
#include "tix/sub.h"
#include "tix_err.h"
#include "tix_keys.h"
#include "tix_pub.h"
#include "tix_time.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    void *zctx;
    char ep[256];
    long n;
    int64_t first_ns, last_ns;
    long got;
} s_rx_t;

/* Receives up to n (topic, body) messages or gives up after 2 s of silence. */
static void *s_rx(void *arg)
{
    s_rx_t *r = arg;
    void *s = zmq_socket(r->zctx, ZMQ_SUB);
    int hwm = 0, tmo = 2000; /* unlimited queue: we measure throughput, not drops */
    if (!s || zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(s, ZMQ_RCVTIMEO, &tmo, sizeof tmo) || zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0) ||
        zmq_connect(s, r->ep))
        return NULL;
    char topic[64];
    uint8_t body[512];
    while (r->got < r->n) {
        if (zmq_recv(s, topic, sizeof topic, 0) < 0)
            break;
        if (zmq_recv(s, body, sizeof body, 0) < 0)
            break;
        if (topic[0] == 'H' || topic[0] == 'A')
            continue; /* heartbeats/attestations: not counted */
        if (r->got++ == 0)
            r->first_ns = tix_time_mono_ns();
    }
    r->last_ns = tix_time_mono_ns();
    zmq_close(s);
    return NULL;
}

static double s_send_rate; /* the sending loop alone, of the last run */

static double s_rate(const s_rx_t *r)
{
    return r->got > 1 ? (r->got - 1) / ((r->last_ns - r->first_ns) / 1e9) : 0;
}

/* Waits until the subscriber has joined: send markers until one is counted. */
static double s_raw(void *zctx, long n, bool quotes)
{
    void *pub = zmq_socket(zctx, ZMQ_PUB);
    int hwm = 0;
    s_rx_t r = {zctx, "", n, 0, 0, 0};
    size_t eplen = sizeof r.ep;
    if (!pub || zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm) || zmq_bind(pub, "tcp://127.0.0.1:*") ||
        zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, r.ep, &eplen))
        return -1;
    pthread_t th;
    if (pthread_create(&th, NULL, s_rx, &r) != 0)
        return -1;
    usleep(300000); /* let the subscription reach the publisher */
    uint8_t body[TIX_WIRE_QUOTE_SIZE] = {0};
    size_t len = quotes ? TIX_WIRE_QUOTE_SIZE : TIX_WIRE_TICK_SIZE;
    const char *topic = quotes ? "QTE.FRONTIER" : "IDX.FRONTIER";
    int64_t t0 = tix_time_mono_ns();
    for (long i = 0; i < n; i++) {
        zmq_send(pub, topic, 12, ZMQ_SNDMORE);
        zmq_send(pub, body, len, 0);
    }
    s_send_rate = n / ((tix_time_mono_ns() - t0) / 1e9);
    pthread_join(th, NULL);
    zmq_close(pub);
    return r.got == n ? s_rate(&r) : -1;
}

/* Quotes as a remote collector's would be republished on QTE.<tier> (320-byte body). */
static void s_quote(tix_wire_quote_t *q)
{
    memset(q, 0, sizeof *q);
    snprintf(q->provider, sizeof q->provider, "openrouter");
    snprintf(q->model, sizeof q->model, "frontier-model-2026-11");
    snprintf(q->currency, sizeof q->currency, "USD");
    snprintf(q->tier, sizeof q->tier, "FRONTIER");
    q->unit = 1000000;
    q->local_input = q->input = 2500000000;
    q->local_output = q->output = 10000000000;
    q->fx_e9 = 1000000000;
    q->volume = -1;
}

static double s_tix(void *zctx, long n, const tix_sign_key_t *key, bool quotes)
{
    static const char *a[] = {"tcp://127.0.0.1:*"};
    tix_pub_cfg_t cfg = {a, 1, NULL, 0, NULL, 1000, 1000, (size_t)1 << 20, 10000000, 0, key, NULL};
    tix_pub_t *pub = tix_pub_new(zctx, &cfg);
    s_rx_t r = {zctx, "", n, 0, 0, 0};
    pthread_t th;
    if (!pub || (snprintf(r.ep, sizeof r.ep, "%s", tix_pub_endpoint(pub, 0, 0)),
                 pthread_create(&th, NULL, s_rx, &r) != 0)) {
        fprintf(stderr, "bench publish: %s\n", pub ? "cannot start the receiver" : tix_err());
        tix_pub_destroy(&pub);
        return -1;
    }
    usleep(300000);
    tix_wire_tick_t t = {.tier = "FRONTIER", .price = 10000000000, .n_used = 5};
    tix_wire_quote_t q;
    s_quote(&q);
    int64_t t0 = tix_time_mono_ns();
    for (long i = 0; i < n; i++) {
        int64_t now = tix_time_wall_ns();
        t.ts_ns = q.recv_ns = now;
        t.price++;
        q.blended = t.price;
        if ((quotes ? tix_pub_quote(pub, &q, now) : tix_pub_tick(pub, &t, now)) != 0 ||
            ((i & 1023) == 0 && tix_pub_service(pub, now, 0) != 0)) { /* attestations on schedule */
            fprintf(stderr, "bench publish: message %ld: %s\n", i, tix_err());
            break; /* the receiver times out short of n; the run reports failure */
        }
    }
    s_send_rate = n / ((tix_time_mono_ns() - t0) / 1e9);
    pthread_join(th, NULL);
    tix_pub_destroy(&pub);
    return r.got == n ? s_rate(&r) : -1;
}

typedef struct {
    int64_t *lat;
    long n, cap;
} s_lat_t;

static void s_on_msg(void *arg, const char *topic, const tix_wire_msg_t *m, unsigned flags)
{
    (void)topic;
    (void)flags;
    s_lat_t *l = arg;
    if (m->h.template_id == TIX_WIRE_TICK && l->n < l->cap)
        l->lat[l->n++] = tix_time_wall_ns() - m->h.send_time_ns;
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

#define LAT_N 20000 /* messages of a latency run, one every 50 us */

/* What a latency run drives: publish one tick stamped `now`, poll the receiving side once. */
typedef struct {
    int (*send)(void *arg, int64_t now);
    void (*poll)(void *arg, s_lat_t *l);
    void *arg;
} s_pacer_t;

/* LAT_N messages at a steady 20 k msg/s (not saturated), the receiver polled in between, then
 * p50/p99 of the latencies the receiving side recorded into `l`. */
static int s_pace(const char *what, const s_pacer_t *p, s_lat_t *l)
{
    for (long i = 0; i < LAT_N; i++) {
        int64_t now = tix_time_wall_ns();
        if (p->send(p->arg, now) != 0)
            return -1;
        do
            p->poll(p->arg, l);
        while (tix_time_wall_ns() - now < 50000);
    }
    for (int64_t t0 = tix_time_mono_ns(); l->n < LAT_N && tix_time_mono_ns() - t0 < 100 * TIX_NS_PER_MS;)
        p->poll(p->arg, l);
    if (l->n == 0)
        return -1;
    qsort(l->lat, (size_t)l->n, sizeof *l->lat, s_cmp);
    printf("publish: latency %s (same host, 20 k msg/s, %ld samples): p50 %.1f us, p99 %.1f us, "
           "p99.9 %.1f us, max %.1f us\n", what, l->n, l->lat[l->n / 2] / 1e3,
           l->lat[l->n * 99 / 100] / 1e3, l->lat[l->n * 999 / 1000] / 1e3, l->lat[l->n - 1] / 1e3);
    return 0;
}

typedef struct {
    void *pub, *sub;
} s_raw_pair_t;

static int s_raw_send(void *arg, int64_t now)
{
    s_raw_pair_t *r = arg;
    uint8_t body[TIX_WIRE_TICK_SIZE] = {0};
    memcpy(body, &now, sizeof now);
    return zmq_send(r->pub, "IDX.FRONTIER", 12, ZMQ_SNDMORE) < 0 || zmq_send(r->pub, body, sizeof body, 0) < 0
               ? -1
               : 0;
}

static void s_raw_poll(void *arg, s_lat_t *l)
{
    s_raw_pair_t *r = arg;
    char topic[64];
    uint8_t body[TIX_WIRE_TICK_SIZE];
    int64_t sent;
    while (zmq_recv(r->sub, topic, sizeof topic, ZMQ_DONTWAIT) >= 0 &&
           zmq_recv(r->sub, body, sizeof body, 0) == (int)sizeof body) {
        memcpy(&sent, body, sizeof sent);
        if (l->n < l->cap)
            l->lat[l->n++] = tix_time_wall_ns() - sent;
    }
}

/* The same pacing through bare PUB/SUB sockets: the floor the machine itself sets. */
static int s_latency_raw(void *zctx, s_lat_t *l)
{
    s_raw_pair_t r = {zmq_socket(zctx, ZMQ_PUB), zmq_socket(zctx, ZMQ_SUB)};
    char ep[256];
    size_t len = sizeof ep;
    int rc = -1, zero = 0;
    if (!r.pub || !r.sub || zmq_setsockopt(r.pub, ZMQ_LINGER, &zero, sizeof zero) ||
        zmq_setsockopt(r.sub, ZMQ_LINGER, &zero, sizeof zero) || zmq_bind(r.pub, "tcp://127.0.0.1:*") ||
        zmq_getsockopt(r.pub, ZMQ_LAST_ENDPOINT, ep, &len) || zmq_setsockopt(r.sub, ZMQ_SUBSCRIBE, "", 0) ||
        zmq_connect(r.sub, ep))
        goto done;
    usleep(300000); /* let the subscription reach the publisher */
    s_pacer_t p = {s_raw_send, s_raw_poll, &r};
    rc = s_pace("raw ZeroMQ zmq_send -> zmq_recv", &p, l);
done:
    if (r.pub)
        zmq_close(r.pub);
    if (r.sub)
        zmq_close(r.sub);
    return rc;
}

typedef struct {
    tix_pub_t *pub;
    tix_sub_t *sub;
    tix_wire_tick_t t;
} s_tix_pair_t;

static int s_tix_send(void *arg, int64_t now)
{
    s_tix_pair_t *x = arg;
    x->t.ts_ns = now;
    x->t.price++;
    return tix_pub_tick(x->pub, &x->t, now);
}

static void s_tix_poll(void *arg, s_lat_t *l)
{
    (void)l; /* the SDK's callback records into it */
    s_tix_pair_t *x = arg;
    (void)tix_sub_poll(x->sub, 0);
}

/* Latency from tix_pub_tick to the SDK's callback (decode, arbitration, chain). */
static int s_latency(void *zctx, const tix_sign_key_t *key, const uint8_t *pk, s_lat_t *l)
{
    static const char *a[] = {"tcp://127.0.0.1:*"};
    tix_pub_cfg_t cfg = {a, 1, NULL, 0, NULL, 1000, 1000, 0, 0, 0, key, NULL};
    s_tix_pair_t x = {tix_pub_new(zctx, &cfg), NULL, {.tier = "FRONTIER", .price = 1, .n_used = 5}};
    int rc = -1;
    if (!x.pub)
        goto done;
    tix_sub_cfg_t sc = {0};
    sc.line_a = tix_pub_endpoint(x.pub, 0, 0);
    sc.verify_key = pk;
    sc.on_msg = s_on_msg;
    sc.arg = l;
    char err[256];
    if (!(x.sub = tix_sub_new(&sc, err, sizeof err))) {
        fprintf(stderr, "bench publish: %s\n", err);
        goto done;
    }
    for (int64_t t0 = tix_time_mono_ns(); tix_time_mono_ns() - t0 < 300 * TIX_NS_PER_MS;) /* join */
        if (tix_pub_service(x.pub, tix_time_wall_ns(), 0) != 0 || tix_sub_poll(x.sub, 1) < 0)
            goto done;
    s_pacer_t p = {s_tix_send, s_tix_poll, &x};
    rc = s_pace("tix_pub_tick -> SDK callback", &p, l);
done:
    tix_sub_destroy(&x.sub);
    tix_pub_destroy(&x.pub);
    return rc;
}

/* Raw first, then tix, each into its own sample buffer. */
static int s_latencies(void *zctx, const tix_sign_key_t *key)
{
    s_lat_t raw = {calloc(LAT_N, sizeof(int64_t)), 0, LAT_N};
    s_lat_t tix = {calloc(LAT_N, sizeof(int64_t)), 0, LAT_N};
    int rc = -1;
    if (raw.lat && tix.lat && s_latency_raw(zctx, &raw) == 0 && s_latency(zctx, key, key->pk, &tix) == 0)
        rc = 0;
    free(raw.lat);
    free(tix.lat);
    return rc;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, min and max of n figures (sorts them). */
static void s_print_range(const char *what, double *v, int n, const char *unit)
{
    qsort(v, (size_t)n, sizeof *v, s_cmp_double);
    printf("publish: %-36s median %.2f, range %.2f-%.2f%s\n", what, v[n / 2], v[0], v[n - 1], unit);
}

#define MAX_ROUNDS 5

/* Raw and tix alternate, `rounds` times, so both see the same machine: on a shared 2-core
 * host one pair of runs can differ by 30 %. */
static int s_throughput(void *zctx, long n, const tix_sign_key_t *key, bool quotes, int rounds)
{
    const char *kind = quotes ? "quote" : "tick";
    double raw[MAX_ROUNDS], tix[MAX_ROUNDS], ratio[MAX_ROUNDS], raw_send[MAX_ROUNDS],
        tix_send[MAX_ROUNDS];
    printf("publish: %s messages: %ld a run (%d-byte body + 12-byte topic frame), tcp loopback, "
           "one subscriber; raw ZeroMQ and tix alternate, %d runs each\n", kind, n,
           quotes ? TIX_WIRE_QUOTE_SIZE : TIX_WIRE_TICK_SIZE, rounds);
    for (int i = 0; i < rounds; i++) {
        raw[i] = s_raw(zctx, n, quotes) / 1e6;
        raw_send[i] = s_send_rate / 1e6;
        tix[i] = s_tix(zctx, n, quotes ? key : NULL, quotes) / 1e6; /* signed ticks: s_signing */
        tix_send[i] = s_send_rate / 1e6;
        if (raw[i] <= 0 || tix[i] <= 0)
            return -1;
        ratio[i] = tix[i] / raw[i];
        printf("publish: %s run %d: raw %.3f M msg/s, tix %.3f M msg/s, ratio %.2f\n", kind,
               i + 1, raw[i], tix[i], ratio[i]);
    }
    char what[64];
    snprintf(what, sizeof what, "%s: raw ZeroMQ PUB/SUB", kind);
    s_print_range(what, raw, rounds, " M msg/s");
    snprintf(what, sizeof what, quotes ? "%s: tix (chain, attest every 1 s)" : "%s: tix (chain, unsigned)", kind);
    s_print_range(what, tix, rounds, " M msg/s (target >= 1)");
    snprintf(what, sizeof what, "%s: ratio tix / raw", kind);
    s_print_range(what, ratio, rounds, " (goal >= 0.7)");
    snprintf(what, sizeof what, "%s: sending loop alone, raw", kind);
    s_print_range(what, raw_send, rounds, " M msg/s");
    snprintf(what, sizeof what, "%s: sending loop alone, tix", kind);
    s_print_range(what, tix_send, rounds, " M msg/s");
    return 0;
}

#define SIGN_N 20000 /* ticks of a signing run: ~0.3 s at the signing rate */

/* Ed25519 over a signed tick's bytes (112), alone: the floor of a signing publisher, and
 * what a verifying subscriber pays per tick. */
static double s_sign_rate(const tix_sign_key_t *key, long n, bool verify)
{
    uint8_t msg[TIX_WIRE_TICK_SIZE - TIX_WIRE_SIG_SIZE], sig[TIX_WIRE_SIG_SIZE];
    memset(msg, 0x5a, sizeof msg);
    tix_sign(key, msg, sizeof msg, sig);
    long ok = 0;
    int64_t t0 = tix_time_mono_ns();
    for (long i = 0; i < n; i++) {
        if (verify) {
            ok += tix_verify(key, msg, sizeof msg, sig) == 0;
        } else {
            msg[16] = (uint8_t)i; /* a new message each time, as the sequence numbers make it */
            tix_sign(key, msg, sizeof msg, sig);
            ok++;
        }
    }
    double r = n / ((tix_time_mono_ns() - t0) / 1e9);
    return ok == n ? r : -1;
}

/* Ticks a second published and received, unsigned and signed (Ed25519 each), and signing and
 * verifying alone, `rounds` times alternating. */
static int s_signing(void *zctx, long n, const tix_sign_key_t *key, int rounds)
{
    double plain[MAX_ROUNDS], sig[MAX_ROUNDS], floor[MAX_ROUNDS], ver[MAX_ROUNDS];
    printf("publish: signed ticks: %ld a run (%d-byte message), tcp loopback, one subscriber, %d runs\n", n,
           TIX_WIRE_TICK_SIZE, rounds);
    for (int i = 0; i < rounds; i++) {
        plain[i] = s_tix(zctx, n, NULL, false) / 1e3;
        sig[i] = s_tix(zctx, n, key, false) / 1e3;
        floor[i] = s_sign_rate(key, n, false) / 1e3;
        ver[i] = s_sign_rate(key, n, true) / 1e3;
        if (plain[i] <= 0 || sig[i] <= 0 || floor[i] <= 0 || ver[i] <= 0)
            return -1;
    }
    s_print_range("tick: tix unsigned (no key)", plain, rounds, " k msg/s");
    s_print_range("tick: tix signed (Ed25519 each)", sig, rounds, " k msg/s");
    s_print_range("Ed25519 sign alone (112 bytes)", floor, rounds, " k/s");
    s_print_range("Ed25519 verify alone (subscriber)", ver, rounds, " k/s");
    return 0;
}

static int s_bench_publish(long scale)
{
    char dir[] = "/tmp/tix-bench-pub-XXXXXX", base[300], path[320];
    if (!mkdtemp(dir))
        return -1;
    snprintf(base, sizeof base, "%s/k", dir);
    snprintf(path, sizeof path, "%s.sign.key", base);
    tix_sign_key_t key;
    if (tix_keys_generate(base) || tix_sign_key_load_secret(path, &key)) {
        fprintf(stderr, "bench publish: %s\n", tix_err());
        return -1;
    }
    void *zctx = zmq_ctx_new();
    long n = 2000000 * scale;
    int rc = s_throughput(zctx, n, &key, false, MAX_ROUNDS);
    if (rc == 0)
        rc = s_throughput(zctx, n, &key, true, 3);
    if (rc == 0)
        rc = s_signing(zctx, SIGN_N * scale, &key, 3);
    if (rc == 0)
        rc = s_latencies(zctx, &key);
    zmq_ctx_term(zctx);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench publish: could not remove %s\n", dir);
    printf("publish: peak RSS %ld KiB\n", tix_bench_peak_rss_kb());
    return rc;
}

TIX_BENCH("publish", s_bench_publish,
          "tix publisher vs raw ZeroMQ msg/s over tcp loopback; signed ticks; SDK latency")
