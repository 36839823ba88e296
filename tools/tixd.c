/* tixd: the tix daemon — collectors feeding the index engine on the live clock, or a collector role. */
#include "tix_collector.h"
#include "tix_config.h"
#include "tix_csv.h"
#include "tix_engine.h"
#include "tix_err.h"
#include "tix_forward.h"
#include "tix_log.h"
#include "tix_normalize.h"
#include "tix_time.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void s_usage(FILE *f)
{
    fprintf(f, "usage: tixd -c CONF [--role all|engine|collector] [--once] [--record OUT.csv]\n"
               "       tixd --check-config CONF\n"
               "  -c, --config FILE       run with this configuration\n"
               "      --check-config FILE validate FILE: print OK, or every error, exit 0/1\n"
               "      --role ROLE         all (default): collectors feed the engine in-process;\n"
               "                          engine: only zmq_ingest sources feed the engine;\n"
               "                          collector: collect, normalize, forward (collector.forward)\n"
               "      --once              collector: poll every provider once, print a summary\n"
               "      --record FILE       collector: write every quote received as replay CSV\n"
               "      --duration-ms N     stop by itself after N ms (tests, demos)\n");
}

/* Prints "OK" or every problem; the exit status of --check-config. */
static int s_check_config(const char *path)
{
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = tix_config_load(path, diag);
    if (cfg && tix_collector_check(cfg, diag) > 0)
        tix_config_destroy(&cfg);
    int rc = cfg ? 0 : 1;
    if (cfg)
        printf("OK\n");
    for (size_t i = 0; i < tix_diag_count(diag); i++)
        printf("%s\n", tix_diag_get(diag, i));
    if (!cfg && tix_diag_count(diag) == 0)
        printf("%s\n", tix_err());
    tix_config_destroy(&cfg);
    tix_diag_destroy(&diag);
    return rc;
}

/* Logs a tier's status only when it changes: one line per event that matters. */
typedef struct {
    const tix_config_t *cfg;
    int *last_status;
} s_live_t;

static void s_on_tick(void *arg, const tix_tick_t *t)
{
    s_live_t *l = arg;
    if (l->last_status[t->tier] == (int)t->status)
        return;
    l->last_status[t->tier] = (int)t->status;
    char p[TIX_PRICE_TEXT_MAX];
    tix_info("tier %s status %s price %s n_used %u n_excluded %u n_stale %u",
             l->cfg->tiers[t->tier].id, tix_status_name(t->status),
             t->price == TIX_PRICE_NULL ? "absent" : tix_price_format(t->price, p, sizeof p),
             t->n_used, t->n_excluded, t->n_stale);
}

static void s_on_settlement(void *arg, const tix_settlement_t *s)
{
    s_live_t *l = arg;
    char p[TIX_PRICE_TEXT_MAX];
    tix_info("settlement %s tier %s status %s price %s partitions_used %u", s->date,
             l->cfg->tiers[s->tier].id, tix_settle_status_name(s->status),
             s->price == TIX_PRICE_NULL ? "absent" : tix_price_format(s->price, p, sizeof p),
             s->partitions_used);
}

/* Accepted quotes go straight into the engine: one thread, so every quote stamped before
 * a boundary has been given to the engine before that boundary's CLOCK (methodology item 6). */
static void s_to_engine(void *arg, const tix_raw_quote_t *raw, const tix_quote_t *q)
{
    (void)raw;
    if (tix_engine_quote(arg, q) != 0)
        tix_error("tixd: engine refused a quote: %s", tix_err());
}

static tix_collector_t *s_collector(const tix_config_t *cfg, tix_norm_t *norm, unsigned kinds,
                                    bool once, const tix_collector_sink_t *sink)
{
    tix_diag_t *diag = tix_diag_new();
    tix_collector_t *col = tix_collector_new(cfg, norm, kinds, once, sink, diag);
    for (size_t i = 0; i < tix_diag_count(diag); i++)
        tix_error("%s", tix_diag_get(diag, i));
    tix_diag_destroy(&diag);
    return col;
}

/* Waits for the next boundary while the collectors work; then injects its CLOCK event. */
static int s_run(const tix_config_t *cfg, unsigned kinds, int64_t duration_ms)
{
    int rc = 1;
    tix_norm_t *norm = tix_norm_new(cfg);
    int *last = calloc((size_t)cfg->ntiers, sizeof *last);
    tix_engine_t *eng = NULL;
    tix_collector_t *col = NULL;
    if (!norm || !last)
        goto done;
    for (int i = 0; i < cfg->ntiers; i++)
        last[i] = -1;
    s_live_t live = {cfg, last};
    tix_engine_sink_t sink = {s_on_tick, s_on_settlement, &live};
    eng = tix_engine_new(cfg, tix_norm_names(norm), &sink);
    if (!eng || tix_engine_start(eng, tix_time_wall_ns()) != 0)
        goto done;
    tix_collector_sink_t csink = {NULL, s_to_engine, eng};
    if (!(col = s_collector(cfg, norm, kinds, false, &csink)))
        goto done;
    int64_t deadline = duration_ms > 0 ? tix_time_mono_ns() + duration_ms * TIX_NS_PER_MS : 0;
    tix_info("tixd running: %d tiers, %d mapping rules, %d fx rates, %d sources", cfg->ntiers,
             cfg->nmapping, cfg->nfx, tix_collector_count(col));
    while (!s_stop && (!deadline || tix_time_mono_ns() < deadline)) {
        int64_t next = tix_engine_next_boundary(eng);
        int64_t now = tix_time_wall_ns();
        if (now < next) {
            int64_t wait = (next - now + TIX_NS_PER_MS - 1) / TIX_NS_PER_MS;
            if (tix_collector_step(col, wait > 100 ? 100 : wait) != 0)
                goto done;
            continue;
        }
        if (tix_engine_clock(eng, now) != 0)
            goto done;
    }
    tix_info("tixd stopping");
    tix_collector_summary(col, stderr);
    rc = 0;
done:
    if (rc)
        tix_error("tixd: %s", tix_err());
    tix_collector_destroy(&col);
    tix_engine_destroy(&eng);
    tix_norm_destroy(&norm);
    free(last);
    return rc;
}

/* The collector role's outputs: a recording and/or forwarding to engines. */
typedef struct {
    FILE *record;
    tix_forward_t *fwd;
    tix_norm_t *norm;
} s_out_t;

static void s_record(void *arg, const tix_raw_quote_t *raw)
{
    s_out_t *o = arg;
    if (o->record)
        tix_collector_write_row(o->record, raw);
}

static void s_forward(void *arg, const tix_raw_quote_t *raw, const tix_quote_t *q)
{
    s_out_t *o = arg;
    if (o->fwd && tix_forward_quote(o->fwd, o->norm, raw, q) != 0)
        tix_error("tixd: %s", tix_err());
}

/* --role collector: --once polls everything once and summarizes (exit 1 if any provider
 * failed); otherwise collects until stopped, forwarding to collector.forward. */
static int s_run_collector(const tix_config_t *cfg, bool once, const char *record,
                           int64_t duration_ms)
{
    int rc = 1;
    s_out_t out = {NULL, NULL, tix_norm_new(cfg)};
    tix_collector_t *col = NULL;
    if (!out.norm)
        goto done;
    if (record && !(out.record = strcmp(record, "-") == 0 ? stdout : fopen(record, "w"))) {
        TIX_SET_ERR(errno, "--record %s: %s", record, strerror(errno));
        goto done;
    }
    if (out.record && fprintf(out.record, "%s\n", TIX_CSV_HEADER) < 0)
        goto done;
    if (!once && tix_config_lookup(cfg, "collector.forward") && !(out.fwd = tix_forward_new(cfg)))
        goto done;
    tix_collector_sink_t sink = {s_record, s_forward, &out};
    if (!(col = s_collector(cfg, out.norm, TIX_COLLECT_HTTP | TIX_COLLECT_NDJSON | TIX_COLLECT_CSV,
                            once, &sink)))
        goto done;
    int64_t deadline = duration_ms > 0 ? tix_time_mono_ns() + duration_ms * TIX_NS_PER_MS : 0;
    while (!s_stop && (!deadline || tix_time_mono_ns() < deadline) &&
           !(once && tix_collector_done(col)))
        if (tix_collector_step(col, 100) != 0)
            goto done;
    tix_collector_summary(col, stderr);
    if (out.fwd)
        fprintf(stderr, "forwarded %llu quotes, dropped %llu at the high-water mark\n",
                (unsigned long long)tix_forward_sent(out.fwd),
                (unsigned long long)tix_forward_dropped(out.fwd));
    rc = 0;
    for (int i = 0; once && i < tix_collector_count(col); i++)
        if (tix_collector_health(col, i) != TIX_HEALTH_UP)
            rc = 1;
done:
    if (rc && tix_err()[0])
        tix_error("tixd: %s", tix_err());
    if (out.record && out.record != stdout && fclose(out.record) != 0) {
        tix_error("tixd: --record %s: %s", record, strerror(errno));
        rc = 1;
    }
    tix_collector_destroy(&col);
    tix_forward_destroy(&out.fwd);
    tix_norm_destroy(&out.norm);
    return rc;
}

int main(int argc, char **argv)
{
    const char *conf = NULL, *check = NULL, *role = "all", *record = NULL;
    bool once = false;
    int64_t duration_ms = 0;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"check-config", required_argument, NULL, 'k'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"duration-ms", required_argument, NULL, 'd'},
                                         {"once", no_argument, NULL, 'o'},
                                         {"record", required_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': conf = optarg; break;
        case 'k': check = optarg; break;
        case 'r': role = optarg; break;
        case 'o': once = true; break;
        case 'w': record = optarg; break;
        case 'd': {
            char *end;
            duration_ms = strtoll(optarg, &end, 10);
            if (*end || duration_ms <= 0) {
                fprintf(stderr, "tixd: --duration-ms: '%s' is not a positive integer\n", optarg);
                return 2;
            }
            break;
        }
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tixd: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (check)
        return s_check_config(check);
    if (!conf) {
        s_usage(stderr);
        return 2;
    }
    bool collector = strcmp(role, "collector") == 0;
    if (!collector && strcmp(role, "all") != 0 && strcmp(role, "engine") != 0) {
        fprintf(stderr, "tixd: --role: '%s' is not a role (all, engine, collector)\n", role);
        return 2;
    }
    if ((once || record) && !collector) {
        fprintf(stderr, "tixd: --once and --record go with --role collector\n");
        return 2;
    }
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = tix_config_load(conf, diag);
    for (size_t i = 0; i < tix_diag_count(diag); i++)
        fprintf(stderr, "%s\n", tix_diag_get(diag, i));
    if (cfg && tix_collector_check(cfg, diag) > 0) {
        for (size_t i = 0; i < tix_diag_count(diag); i++)
            fprintf(stderr, "%s\n", tix_diag_get(diag, i));
        tix_config_destroy(&cfg);
    }
    tix_diag_destroy(&diag);
    if (!cfg)
        return 1;
    tix_log_level_t lvl;
    if (tix_log_level_parse(cfg->log_level, &lvl) == 0)
        tix_log_set_level(lvl);
    tix_log_set_json(cfg->log_json);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int rc = collector ? s_run_collector(cfg, once, record, duration_ms)
             : s_run(cfg, strcmp(role, "engine") == 0 ? TIX_COLLECT_ZMQ : TIX_COLLECT_ALL,
                     duration_ms);
    tix_config_destroy(&cfg);
    return rc;
}
