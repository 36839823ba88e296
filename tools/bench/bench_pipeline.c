/* Whole-pipeline benchmark: wire quotes in over zmq_ingest -> tixd's engine -> publisher + storage -> a subscriber; beside raw ZeroMQ PUSH/PULL of the same messages in the same run. */
#include "bench.h"
#include "tix/sub.h"
#include "tix/wire.h"
#include "tix_err.h"
#include "tix_time.h"
#include "tixd.h"

#include <hdf5.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define NPROV 50
#define NMODEL 10
#define MAX_LAT 200000

typedef struct {
    char dir[64], ingest[128];
    long n;           /* quotes to send */
    long pace;        /* quotes per second; 0: as fast as possible */
    atomic_bool sent, stop;
    /* subscriber */
    char line_a[256];
    atomic_long quotes_seen, ticks_seen;
    int64_t *lat, *tick_lat; /* ns: callback − recv_ns; callback − boundary */
    atomic_long nlat, ntick_lat;
    tix_sub_stats_t sub_stats;
    int64_t sub_t0, sub_t1; /* monotonic: the subscriber's run, for ticks/s */
    int sub_rc;
} s_run_t;

static int s_quote_msg(long i, uint8_t *buf, size_t cap)
{
    tix_wire_quote_t w;
    memset(&w, 0, sizeof w);
    w.recv_ns = tix_time_wall_ns(); /* "received" now: latency counts from here */
    snprintf(w.provider, sizeof w.provider, "p%02ld", i % NPROV);
    snprintf(w.model, sizeof w.model, "model-%ld", (i / NPROV) % NMODEL);
    snprintf(w.currency, sizeof w.currency, "USD");
    w.unit = 1000000;
    w.local_input = w.input = 2500000000 + i % 1000;
    w.local_output = w.output = 10000000000 + i % 997;
    w.local_cached = w.cached = TIX_WIRE_PRICE_NULL;
    w.fx_e9 = 1000000000;
    w.volume = -1;
    tix_wire_header_t h = {.channel_seq = (uint64_t)i + 1, .topic_seq = (uint64_t)i + 1};
    return tix_wire_encode_quote(&h, &w, buf, cap);
}

/* The remote collector: PUSHes n quotes (blocking at the high-water mark: nothing lost). */
static void *s_feeder(void *arg)
{
    s_run_t *r = arg;
    void *ctx = zmq_ctx_new(), *s = ctx ? zmq_socket(ctx, ZMQ_PUSH) : NULL;
    int linger = 5000;
    if (s && zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) == 0 && zmq_connect(s, r->ingest) == 0) {
        int64_t t0 = tix_time_mono_ns();
        for (long i = 0; i < r->n && !atomic_load(&r->stop); i++) {
            uint8_t buf[TIX_WIRE_QUOTE_SIZE];
            int len = s_quote_msg(i, buf, sizeof buf);
            if (len < 0 || zmq_send(s, buf, (size_t)len, 0) != len)
                break;
            while (r->pace > 0 && (tix_time_mono_ns() - t0) * r->pace < (int64_t)i * TIX_NS_PER_S)
                usleep(50);
        }
    }
    if (s)
        zmq_close(s);
    if (ctx)
        zmq_ctx_term(ctx);
    atomic_store(&r->sent, true);
    return NULL;
}

static void s_on_msg(void *arg, const char *topic, const tix_wire_msg_t *m, unsigned flags)
{
    (void)topic, (void)flags;
    s_run_t *r = arg;
    int64_t now = tix_time_wall_ns();
    if (m->h.template_id == TIX_WIRE_QUOTE) {
        atomic_fetch_add(&r->quotes_seen, 1);
        long k = atomic_fetch_add(&r->nlat, 1);
        if (k < MAX_LAT)
            r->lat[k] = now - m->u.quote.recv_ns;
    } else if (m->h.template_id == TIX_WIRE_TICK) {
        atomic_fetch_add(&r->ticks_seen, 1);
        long k = atomic_fetch_add(&r->ntick_lat, 1);
        if (k < MAX_LAT)
            r->tick_lat[k] = now - m->u.tick.ts_ns;
    }
}

static void *s_subscriber(void *arg)
{
    s_run_t *r = arg;
    tix_sub_cfg_t c = {.line_a = r->line_a, .quotes = true, .on_msg = s_on_msg, .arg = r};
    char err[256];
    tix_sub_t *sub = tix_sub_new(&c, err, sizeof err);
    if (!sub) {
        fprintf(stderr, "pipeline: subscriber: %s\n", err);
        r->sub_rc = -1;
        return NULL;
    }
    r->sub_t0 = tix_time_mono_ns();
    while (!atomic_load(&r->stop))
        if (tix_sub_poll(sub, 20) < 0) {
            r->sub_rc = -1;
            break;
        }
    r->sub_t1 = tix_time_mono_ns();
    tix_sub_stats(sub, &r->sub_stats);
    tix_sub_destroy(&sub);
    return NULL;
}

/* A config with 3 tiers at 100 ms, every model mapped, storage and a tcp line. */
static int s_conf(s_run_t *r, bool quotes, char *path, size_t len)
{
    snprintf(path, len, "%s/tixd.conf", r->dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "tiers = ( { id = \"T1\"; interval_ms = 100; }, { id = \"T2\"; interval_ms = 100; },\n"
            "          { id = \"T3\"; interval_ms = 100; } );\n"
            "mapping = ( { provider = \"*\"; model = \"model-[0-2]\"; tier = \"T1\"; },\n"
            "            { provider = \"*\"; model = \"model-[3-5]\"; tier = \"T2\"; },\n"
            "            { provider = \"*\"; model = \"*\"; tier = \"T3\"; } );\n"
            "fx = { USD = \"1\"; };\n"
            "providers = ( { name = \"collectors\"; kind = \"zmq_ingest\"; url = \"%s\"; } );\n"
            "publisher = { line_a = [ \"tcp://127.0.0.1:*\" ]; quotes = %s; sndhwm = 10000000;\n"
            "              metrics = \"127.0.0.1:0\"; };\n"
            "storage = { archive_dir = \"%s/archive\"; journal_dir = \"%s/journal\"; };\n",
            r->ingest, quotes ? "true" : "false", r->dir, r->dir);
    return fclose(f);
}

static long s_metric(tixd_t *d, const char *name)
{
    static char text[1 << 16];
    if (tixd_render_metrics(d, text, sizeof text) < 0)
        return -1;
    char key[128];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(text, key);
    return p ? atol(p + strlen(key)) : -1;
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double s_pct(int64_t *v, long n, double p)
{
    if (n <= 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, s_cmp);
    return (double)v[(long)(p * (double)(n - 1))] / 1e6;
}

/* Starts tixd from the config, the subscriber on its line A, then the feeder; steps the
 * collector stage on this thread until every quote is through and archived (bounded). */
static int s_pipeline(s_run_t *r, bool quotes, double *secs, double *asecs, long *archived)
{
    char path[128], eps[1024] = "";
    if (s_conf(r, quotes, path, sizeof path) != 0)
        return -1;
    tix_config_t *cfg = tix_config_load(path, NULL);
    tixd_opts_t o = {TIXD_ROLE_ALL, path, NULL};
    tixd_t *d = cfg ? tixd_new(cfg, &o) : NULL;
    if (!d) {
        fprintf(stderr, "pipeline: %s\n", tix_err());
        return -1;
    }
    FILE *m = fmemopen(eps, sizeof eps - 1, "w");
    if (m) {
        tixd_print_endpoints(d, m);
        fclose(m);
    }
    if (sscanf(eps, "line_a %255s", r->line_a) != 1) {
        tixd_destroy(&d);
        return -1;
    }
    pthread_t sub, feed;
    int rc = pthread_create(&sub, NULL, s_subscriber, r);
    usleep(300000); /* the subscriber joins before the first quote (PUB has no history) */
    int64_t t0 = tix_time_mono_ns(), limit = t0 + 120 * TIX_NS_PER_S;
    rc = rc || pthread_create(&feed, NULL, s_feeder, r);
    long done = 0;
    int64_t check = 0;
    /* The counters are read every 20 ms: rendering /metrics on the collector's thread costs. */
    while (rc == 0 && tix_time_mono_ns() < limit && done < r->n) {
        if (tixd_step(d, 5) != 0)
            rc = -1;
        if (tix_time_mono_ns() - check >= 20 * TIX_NS_PER_MS) {
            done = s_metric(d, "tix_engine_quotes_total");
            check = tix_time_mono_ns();
        }
    }
    *secs = (double)(tix_time_mono_ns() - t0) / 1e9;
    long sub_n = s_metric(d, "tix_storage_submitted_seq");
    while (rc == 0 && tix_time_mono_ns() < limit && (*archived = s_metric(d, "tix_storage_archived_seq")) < sub_n)
        if (tixd_step(d, 20) != 0)
            rc = -1;
    *asecs = (double)(tix_time_mono_ns() - t0) / 1e9;
    usleep(200000); /* the subscriber takes the last messages */
    atomic_store(&r->stop, true);
    pthread_join(feed, NULL);
    pthread_join(sub, NULL);
    tixd_destroy(&d);
    return rc || done < r->n || r->sub_rc ? -1 : 0;
}

/* The ingest transport alone: the same messages PUSH -> PULL over the same ipc endpoint. */
static double s_raw_zmq(s_run_t *r)
{
    void *ctx = zmq_ctx_new(), *pull = ctx ? zmq_socket(ctx, ZMQ_PULL) : NULL;
    double rate = 0;
    if (pull && zmq_bind(pull, r->ingest) == 0) {
        r->pace = 0;
        atomic_store(&r->stop, false);
        pthread_t feed;
        int64_t t0 = tix_time_mono_ns();
        if (pthread_create(&feed, NULL, s_feeder, r) == 0) {
            uint8_t buf[TIX_WIRE_QUOTE_SIZE + 1];
            long i = 0;
            for (; i < r->n && zmq_recv(pull, buf, sizeof buf, 0) >= 0; i++)
                ;
            rate = (double)i / ((double)(tix_time_mono_ns() - t0) / 1e9);
            pthread_join(feed, NULL);
        }
    }
    if (pull)
        zmq_close(pull);
    if (ctx)
        zmq_ctx_term(ctx);
    return rate;
}

static int s_bench_pipeline(long scale)
{
    H5dont_atexit();
    static s_run_t r;
    memset(&r, 0, sizeof r);
    snprintf(r.dir, sizeof r.dir, "/tmp/tix-bench-pipeline-XXXXXX");
    r.lat = calloc(MAX_LAT, sizeof *r.lat);
    r.tick_lat = calloc(MAX_LAT, sizeof *r.tick_lat);
    if (!r.lat || !r.tick_lat || !mkdtemp(r.dir))
        return -1;
    snprintf(r.ingest, sizeof r.ingest, "ipc://%s/ingest", r.dir);
    /* 1. Sustained throughput: quotes as fast as the feeder can push, ticks only on the feed. */
    r.n = 300000 * scale;
    double secs = 0, asecs = 0;
    long archived = 0;
    int rc = s_pipeline(&r, false, &secs, &asecs, &archived);
    printf("pipeline quotes in (zmq_ingest -> engine, journalled): %.0f quotes/s (%ld in %.2f s)\n",
           (double)r.n / secs, r.n, secs);
    printf("pipeline ticks out (3 tiers at 100 ms, so at most 30/s): %.1f ticks/s delivered to the "
           "subscriber\n", (double)atomic_load(&r.ticks_seen) * 1e9 / (double)(r.sub_t1 - r.sub_t0));
    printf("pipeline rows archived (HDF5 visible: quotes + clocks + ticks): %.0f rows/s (%ld rows in "
           "%.2f s)\n", (double)archived / asecs, archived, asecs);
    double raw = s_raw_zmq(&r);
    printf("limit: raw ZeroMQ PUSH/PULL of the same %d-byte messages (ipc): %.0f msg/s\n",
           TIX_WIRE_QUOTE_SIZE, raw);
    /* 2. Latency at a steady rate, every quote also published (QTE topics). */
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s/archive %s/journal", r.dir, r.dir);
    if (system(cmd) != 0)
        return -1;
    atomic_store(&r.stop, false);
    atomic_store(&r.nlat, 0);
    atomic_store(&r.ntick_lat, 0);
    r.n = 20000 * scale;
    r.pace = 10000;
    atomic_store(&r.ticks_seen, 0);
    rc |= s_pipeline(&r, true, &secs, &asecs, &archived);
    long n = atomic_load(&r.nlat) < MAX_LAT ? atomic_load(&r.nlat) : MAX_LAT;
    long nt = atomic_load(&r.ntick_lat) < MAX_LAT ? atomic_load(&r.ntick_lat) : MAX_LAT;
    printf("pipeline latency quote receipt -> subscriber callback at %ld quotes/s: p50 %.3f ms, "
           "p99 %.3f ms (%ld of %ld quotes seen, gaps %llu)\n", r.pace, s_pct(r.lat, n, 0.5),
           s_pct(r.lat, n, 0.99), n, r.n, (unsigned long long)r.sub_stats.gaps);
    printf("pipeline tick delivered after its boundary (includes the 50 ms grace): p50 %.3f ms, "
           "p99 %.3f ms (%ld ticks)\n", s_pct(r.tick_lat, nt, 0.5), s_pct(r.tick_lat, nt, 0.99), nt);
    printf("pipeline peak RSS (whole process): %.1f MiB\n", (double)tix_bench_peak_rss_kb() / 1024);
    snprintf(cmd, sizeof cmd, "rm -rf %s", r.dir);
    if (system(cmd) != 0)
        rc = -1;
    free(r.lat);
    free(r.tick_lat);
    return rc ? -1 : 0;
}

TIX_BENCH("pipeline", s_bench_pipeline,
          "whole tixd pipeline: quotes/s in, ticks out, rows archived, latency p50/p99, RSS; raw ZeroMQ beside")
