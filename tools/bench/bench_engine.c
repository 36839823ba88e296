/* Engine benchmark: 20 tiers x 50 providers x 5 models at 100 ms (issue: index engine, >= 2 M events/s). */
#include "bench.h"
#include "tix_config.h"
#include "tix_engine.h"
#include "tix_err.h"
#include "tix_normalize.h"
#include "tix_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTIERS 20
#define NPROV 50
#define NMODEL 5

static long s_ticks;

static void s_on_tick(void *arg, const tix_tick_t *t)
{
    (void)arg;
    (void)t;
    s_ticks++;
}

/* Writes a config with NTIERS tiers at 100 ms and a mapping "t<i>-*" → tier i. */
static int s_write_config(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "tiers = (\n");
    for (int i = 0; i < NTIERS; i++)
        fprintf(f, "  { id = \"T%02d\"; interval_ms = 100; }%s\n", i, i + 1 < NTIERS ? "," : "");
    fprintf(f, ");\nmapping = (\n");
    for (int i = 0; i < NTIERS; i++)
        fprintf(f, "  { provider = \"*\"; model = \"t%02d-*\"; tier = \"T%02d\"; }%s\n", i, i,
                i + 1 < NTIERS ? "," : "");
    fprintf(f, ");\nfx = { USD = \"1\"; };\n");
    return fclose(f);
}

/* Quote events at a rate where every pair quotes once per 100 ms interval. */
static int s_bench_engine(long scale)
{
    char path[] = "/tmp/tix-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || close(fd) != 0 || s_write_config(path) != 0) {
        fprintf(stderr, "tix-bench: cannot write a temporary config\n");
        return -1;
    }
    tix_config_t *cfg = tix_config_load(path, NULL);
    unlink(path);
    if (!cfg) {
        fprintf(stderr, "tix-bench: %s\n", tix_err());
        return -1;
    }
    tix_norm_t *norm = tix_norm_new(cfg);
    tix_engine_sink_t sink = {s_on_tick, NULL, NULL};
    tix_engine_t *eng = norm ? tix_engine_new(cfg, tix_norm_names(norm), &sink) : NULL;
    const int npairs = NTIERS * NPROV * NMODEL;
    tix_quote_t *qs = calloc((size_t)npairs, sizeof *qs);
    int rc = -1;
    if (!eng || !qs)
        goto done;
    /* Normalize one quote per pair once: this benchmark measures the engine alone. */
    for (int i = 0; i < npairs; i++) {
        char prov[16], model[32], price[32];
        int tier = i / (NPROV * NMODEL), p = i / NMODEL % NPROV, m = i % NMODEL;
        snprintf(prov, sizeof prov, "p%02d", p);
        snprintf(model, sizeof model, "t%02d-m%d", tier, m);
        snprintf(price, sizeof price, "%d.%03d", 2 + p % 7, (i * 37) % 1000);
        tix_raw_quote_t raw = {0, prov, model, "1m", "USD", price, price, NULL, "1000"};
        tix_norm_error_t e;
        if (tix_norm_quote(norm, &raw, &qs[i], &e) != 0) {
            fprintf(stderr, "tix-bench: %s\n", e.detail);
            goto done;
        }
    }
    const int64_t t0 = INT64_C(1767225600) * TIX_NS_PER_S; /* 2026-01-01 */
    const int64_t step = 100 * TIX_NS_PER_MS / npairs;     /* every pair once per interval */
    if (tix_engine_start(eng, t0) != 0)
        goto done;
    const long nevents = 5000000 * scale;
    int64_t start = tix_time_mono_ns(), clock_ns = 0;
    for (long n = 0; n < nevents; n++) {
        tix_quote_t *q = &qs[n % npairs];
        q->recv_ns = t0 + 1 + n * step;
        q->blended += (n & 1) ? 1000 : -1000; /* keep prices moving */
        if (tix_engine_next_boundary(eng) <= q->recv_ns - 1) {
            /* Only calls that compute ticks are timed, so ns/tick is the computation itself. */
            int64_t c0 = tix_time_mono_ns();
            if (tix_engine_clock(eng, q->recv_ns - 1) != 0)
                goto done;
            clock_ns += tix_time_mono_ns() - c0;
        } else if (tix_engine_clock(eng, q->recv_ns - 1) != 0) {
            goto done;
        }
        if (tix_engine_quote(eng, q) != 0)
            goto done;
    }
    int64_t el = tix_time_mono_ns() - start;
    printf("engine: %d tiers x %d providers x %d models, interval 100 ms\n", NTIERS, NPROV, NMODEL);
    printf("engine: %ld quote events in %.3f s = %.0f events/s (target >= 2000000)\n", nevents,
           el / 1e9, nevents / (el / 1e9));
    printf("engine: %ld tick computations (250 pairs, 50 providers each), %.0f ns per tick\n",
           s_ticks, s_ticks ? (double)clock_ns / s_ticks : 0.0);
    printf("engine: peak RSS %ld KiB\n", tix_bench_peak_rss_kb());
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "tix-bench: %s\n", tix_err());
    free(qs);
    tix_engine_destroy(&eng);
    tix_norm_destroy(&norm);
    tix_config_destroy(&cfg);
    return rc;
}

TIX_BENCH("engine", s_bench_engine, "quote events/s through the index engine, ns per tick, RSS")
