/* Publish benchmark: tix publisher (chains + attestations) vs raw ZeroMQ PUB/SUB, and SDK latency. */
#include "bench.h"
#include "tix/sub.h"
#include "tix_err.h"
#include "tix_keys.h"
#include "tix_pub.h"
#include "tix_time.h"

#include <pthread.h>
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
static double s_raw(void *zctx, long n)
{
    void *pub = zmq_socket(zctx, ZMQ_PUB);
    int hwm = 0;
    s_rx_t r = {zctx, "", n, 0, 0, 0};
    size_t len = sizeof r.ep;
    if (!pub || zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm) || zmq_bind(pub, "tcp://127.0.0.1:*") ||
        zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, r.ep, &len))
        return -1;
    pthread_t th;
    if (pthread_create(&th, NULL, s_rx, &r) != 0)
        return -1;
    usleep(300000); /* let the subscription reach the publisher */
    uint8_t body[TIX_WIRE_TICK_SIZE] = {0};
    int64_t t0 = tix_time_mono_ns();
    for (long i = 0; i < n; i++) {
        zmq_send(pub, "IDX.FRONTIER", 12, ZMQ_SNDMORE);
        zmq_send(pub, body, sizeof body, 0);
    }
    s_send_rate = n / ((tix_time_mono_ns() - t0) / 1e9);
    pthread_join(th, NULL);
    zmq_close(pub);
    return s_rate(&r);
}

static double s_tix(void *zctx, long n, const tix_sign_key_t *key, long *sent)
{
    static const char *a[] = {"tcp://127.0.0.1:*"};
    tix_pub_cfg_t cfg = {a, 1, NULL, 0, NULL, 1000, 1000, (size_t)1 << 20, 10000000, 0, key, NULL};
    tix_pub_t *pub = tix_pub_new(zctx, &cfg);
    if (!pub)
        return -1;
    s_rx_t r = {zctx, "", n, 0, 0, 0};
    snprintf(r.ep, sizeof r.ep, "%s", tix_pub_endpoint(pub, 0, 0));
    pthread_t th;
    if (pthread_create(&th, NULL, s_rx, &r) != 0)
        return -1;
    usleep(300000);
    tix_wire_tick_t t = {.tier = "FRONTIER", .price = 10000000000, .n_used = 5};
    int64_t t0 = tix_time_mono_ns();
    for (long i = 0; i < n; i++) {
        int64_t now = tix_time_wall_ns();
        t.ts_ns = now;
        t.price++;
        if (tix_pub_tick(pub, &t, now) != 0)
            break;
        if ((i & 1023) == 0 && tix_pub_service(pub, now, 0) != 0) /* attestations on schedule */
            break;
    }
    s_send_rate = n / ((tix_time_mono_ns() - t0) / 1e9);
    pthread_join(th, NULL);
    *sent = (long)tix_pub_channel_seq(pub);
    tix_pub_destroy(&pub);
    return s_rate(&r);
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

/* Latency from tix_pub_tick to the SDK's callback at a steady 20 k msg/s (not saturated). */
static int s_latency(void *zctx, const tix_sign_key_t *key, const uint8_t *pk)
{
    static const char *a[] = {"tcp://127.0.0.1:*"};
    tix_pub_cfg_t cfg = {a, 1, NULL, 0, NULL, 1000, 1000, 0, 0, 0, key, NULL};
    tix_pub_t *pub = tix_pub_new(zctx, &cfg);
    s_lat_t l = {calloc(20000, sizeof(int64_t)), 0, 20000};
    if (!pub || !l.lat)
        return -1;
    tix_sub_cfg_t sc = {0};
    sc.line_a = tix_pub_endpoint(pub, 0, 0);
    sc.verify_key = pk;
    sc.on_msg = s_on_msg;
    sc.arg = &l;
    char err[256];
    tix_sub_t *sub = tix_sub_new(&sc, err, sizeof err);
    if (!sub)
        return -1;
    int64_t t0 = tix_time_mono_ns();
    while (tix_time_mono_ns() - t0 < 300 * TIX_NS_PER_MS) /* join */
        if (tix_pub_service(pub, tix_time_wall_ns(), 0) != 0 || tix_sub_poll(sub, 1) < 0)
            return -1;
    tix_wire_tick_t t = {.tier = "FRONTIER", .price = 1, .n_used = 5};
    for (long i = 0; i < 20000; i++) {
        int64_t now = tix_time_wall_ns();
        t.ts_ns = now;
        if (tix_pub_tick(pub, &t, now) != 0)
            break;
        (void)tix_sub_poll(sub, 0);
        (void)tix_sub_poll(sub, 0);
        while (tix_time_wall_ns() - now < 50000) /* 20 k/s */
            (void)tix_sub_poll(sub, 0);
    }
    for (int i = 0; i < 50; i++)
        (void)tix_sub_poll(sub, 2);
    qsort(l.lat, (size_t)l.n, sizeof *l.lat, s_cmp);
    if (l.n > 0)
        printf("publish: latency tix_pub_tick -> SDK callback (same host, 20 k msg/s, %ld samples): "
               "p50 %.1f us, p99 %.1f us\n", l.n, l.lat[l.n / 2] / 1e3, l.lat[l.n * 99 / 100] / 1e3);
    tix_sub_destroy(&sub);
    tix_pub_destroy(&pub);
    free(l.lat);
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
    long n = 2000000 * scale, sent = 0;
    double raw = s_raw(zctx, n);
    double raw_send = s_send_rate;
    double tix = s_tix(zctx, n, &key, &sent);
    double tix_send = s_send_rate;
    printf("publish: %ld tick messages (%d-byte body + topic frame), tcp loopback, one subscriber\n",
           n, TIX_WIRE_TICK_SIZE);
    printf("publish: raw ZeroMQ PUB/SUB      %.0f msg/s\n", raw);
    printf("publish: tix publisher (chain + attestations every 1 s + replay ring) %.0f msg/s "
           "(target >= 1000000)\n", tix);
    printf("publish: ratio tix / raw = %.2f (goal >= 0.7)\n", raw > 0 ? tix / raw : 0);
    printf("publish: sending loops alone: raw %.0f msg/s, tix %.0f msg/s\n", raw_send, tix_send);
    int rc = s_latency(zctx, &key, key.pk);
    zmq_ctx_term(zctx);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench publish: could not remove %s\n", dir);
    printf("publish: peak RSS %ld KiB\n", tix_bench_peak_rss_kb());
    return raw > 0 && tix > 0 ? rc : -1;
}

TIX_BENCH("publish", s_bench_publish, "tix publisher vs raw ZeroMQ msg/s over tcp loopback; SDK latency")
