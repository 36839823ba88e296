/* tix-replay: recompute every tick and settlement from a quote CSV, as published values are audited. */
#include "tix_config.h"
#include "tix_csv.h"
#include "tix_engine.h"
#include "tix_err.h"
#include "tix_normalize.h"
#include "tix_verify.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const tix_config_t *cfg;
    FILE *ticks, *settle;
    long nticks, nsettle;
} s_out_t;

static void s_on_tick(void *arg, const tix_tick_t *t)
{
    s_out_t *o = arg;
    char p[TIX_PRICE_TEXT_MAX], d[TIX_PRICE_TEXT_MAX];
    fprintf(o->ticks, "%lld,%s,%s,%s,%u,%u,%u,%s\n", (long long)t->ts_ns, o->cfg->tiers[t->tier].id,
            tix_price_format(t->price, p, sizeof p), tix_status_name(t->status), t->n_used,
            t->n_excluded, t->n_stale, tix_price_format(t->dispersion, d, sizeof d));
    o->nticks++;
}

static void s_on_settlement(void *arg, const tix_settlement_t *s)
{
    s_out_t *o = arg;
    char p[TIX_PRICE_TEXT_MAX];
    fprintf(o->settle, "%s,%s,%lld,%s,%s,%u\n", s->date, o->cfg->tiers[s->tier].id,
            (long long)s->ts_ns, tix_price_format(s->price, p, sizeof p),
            tix_settle_status_name(s->status), s->partitions_used);
    o->nsettle++;
}

static void s_usage(FILE *f)
{
    fprintf(f, "usage: tix-replay --config CONF --quotes IN.csv --ticks TICKS.csv "
               "--settlements SETTLE.csv\n"
               "       tix-replay --config CONF --verify ARCHIVE_DIR_OR_FILE\n"
               "Recomputes every index tick and daily settlement from quotes in the replay\n"
               "format (%s), as tixd would have published them.\n"
               "--verify recomputes them from an HDF5 archive's quotes and clock events, in\n"
               "journal order, and reports the first difference (exit 0 only if all match).\n",
            TIX_CSV_HEADER);
}

/* Counts refused quotes and logs the first per provider and reason. */
typedef struct {
    long count[TIX_REASON_COUNT];
    tix_strtab_t *seen;
} s_rejects_t;

static void s_reject(s_rejects_t *r, const char *path, long line, const tix_raw_quote_t *raw,
                     const tix_norm_error_t *e)
{
    r->count[e->reason]++;
    char key[320];
    int n = snprintf(key, sizeof key, "%s%c%d", raw->provider ? raw->provider : "", 0, e->reason);
    size_t before = tix_strtab_size(r->seen);
    if (n > 0 && tix_strtab_intern(r->seen, key, (size_t)n < sizeof key ? (size_t)n : sizeof key - 1) >= 0 &&
        tix_strtab_size(r->seen) > before)
        fprintf(stderr, "%s:%ld: provider %s: %s: %s (first of its kind; later ones only counted)\n",
                path, line, raw->provider ? raw->provider : "(none)", tix_reason_name(e->reason),
                e->detail);
}

static int s_replay(const tix_config_t *cfg, const char *quotes, s_out_t *out)
{
    int rc = -1;
    tix_norm_t *norm = tix_norm_new(cfg);
    tix_csv_t *csv = tix_csv_open(quotes);
    s_rejects_t rej = {{0}, tix_strtab_new()};
    tix_engine_t *eng = NULL;
    if (!norm || !csv || !rej.seen)
        goto done;
    tix_engine_sink_t sink = {s_on_tick, s_on_settlement, out};
    eng = tix_engine_new(cfg, tix_norm_names(norm), &sink);
    if (!eng)
        goto done;
    tix_raw_quote_t raw;
    long rows = 0, accepted = 0;
    int64_t last_ns = 0;
    int r;
    while ((r = tix_csv_next(csv, &raw)) == 1) {
        rows++;
        last_ns = raw.recv_ns;
        if (rows == 1 && tix_engine_start(eng, raw.recv_ns) != 0)
            goto done;
        /* Boundaries strictly before this quote are complete: it belongs to later ones. */
        if (tix_engine_clock(eng, raw.recv_ns - 1) != 0)
            goto done;
        tix_quote_t q;
        tix_norm_error_t e;
        if (tix_norm_quote(norm, &raw, &q, &e) != 0) {
            if (e.reason == TIX_REASON_NONE)
                goto done;
            s_reject(&rej, quotes, tix_csv_line(csv), &raw, &e);
            continue;
        }
        if (tix_engine_quote(eng, &q) != 0)
            goto done;
        accepted++;
    }
    if (r < 0)
        goto done;
    if (rows > 0 && tix_engine_close(eng, last_ns) != 0)
        goto done;
    fprintf(stderr, "tix-replay: %ld rows, %ld accepted, %ld refused", rows, accepted,
            rows - accepted);
    for (int i = 1; i < TIX_REASON_NORM_COUNT; i++) /* the others arise only in tixd */
        fprintf(stderr, ", %s %ld", tix_reason_name((tix_reason_t)i), rej.count[i]);
    fprintf(stderr, "; %ld ticks, %ld settlements\n", out->nticks, out->nsettle);
    rc = 0;
done:
    if (rc != 0)
        fprintf(stderr, "tix-replay: %s\n", tix_err());
    tix_engine_destroy(&eng);
    tix_csv_destroy(&csv);
    tix_norm_destroy(&norm);
    tix_strtab_destroy(&rej.seen);
    return rc;
}

static FILE *s_create(const char *path, const char *header)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "tix-replay: %s: cannot create: %s\n", path, strerror(errno));
        return NULL;
    }
    fprintf(f, "%s\n", header);
    return f;
}

static int s_close(FILE *f, const char *path)
{
    if (!f)
        return 0;
    int bad = ferror(f);
    if (f != stdout)
        bad |= fclose(f) != 0;
    else
        bad |= fflush(f) != 0;
    if (bad)
        fprintf(stderr, "tix-replay: %s: write error\n", path);
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    const char *conf = NULL, *quotes = NULL, *ticks = NULL, *settle = NULL, *verify = NULL;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"quotes", required_argument, NULL, 'q'},
        {"ticks", required_argument, NULL, 't'},  {"settlements", required_argument, NULL, 's'},
        {"verify", required_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "c:q:t:s:v:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': conf = optarg; break;
        case 'q': quotes = optarg; break;
        case 't': ticks = optarg; break;
        case 's': settle = optarg; break;
        case 'v': verify = optarg; break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (verify && (quotes || ticks || settle)) {
        fprintf(stderr, "tix-replay: --verify does not take --quotes, --ticks or --settlements\n");
        s_usage(stderr);
        return 2;
    }
    if (optind < argc || !conf || (!verify && (!quotes || !ticks || !settle))) {
        if (optind < argc)
            fprintf(stderr, "tix-replay: unexpected argument '%s'\n", argv[optind]);
        else
            fprintf(stderr, "tix-replay: --config, --quotes, --ticks and --settlements are all "
                            "required\n");
        s_usage(stderr);
        return 2;
    }
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = tix_config_load(conf, diag);
    if (!cfg) {
        for (size_t i = 0; i < tix_diag_count(diag); i++)
            fprintf(stderr, "%s\n", tix_diag_get(diag, i));
        tix_diag_destroy(&diag);
        return 1;
    }
    tix_diag_destroy(&diag);
    if (verify) {
        int vrc = tix_verify_archive(cfg, verify, stdout);
        tix_config_destroy(&cfg);
        return vrc == 0 ? 0 : 1;
    }
    s_out_t out = {cfg, NULL, NULL, 0, 0};
    int rc = 1;
    out.ticks = s_create(ticks, "ts_ns,tier,price,status,n_used,n_excluded,n_stale,dispersion");
    out.settle = s_create(settle, "date,tier,ts_ns,price,status,partitions_used");
    if (out.ticks && out.settle && s_replay(cfg, quotes, &out) == 0)
        rc = 0;
    if (s_close(out.ticks, ticks) != 0 || s_close(out.settle, settle) != 0)
        rc = 1;
    tix_config_destroy(&cfg);
    return rc;
}
