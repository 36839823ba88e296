/* tixd: the tix daemon — loads the configuration and runs the index engine on the live clock. */
#include "tix_config.h"
#include "tix_engine.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_normalize.h"
#include "tix_time.h"

#include <getopt.h>
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
    fprintf(f, "usage: tixd -c CONF [--role all]\n"
               "       tixd --check-config CONF\n"
               "  -c, --config FILE       run with this configuration\n"
               "      --check-config FILE validate FILE: print OK, or every error, exit 0/1\n"
               "      --role ROLE         all (default)\n"
               "      --duration-ms N     stop by itself after N ms (tests, demos)\n");
}

/* Prints "OK" or every problem; the exit status of --check-config. */
static int s_check_config(const char *path)
{
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = tix_config_load(path, diag);
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

/* Injects CLOCK events as wall time passes each boundary, until a signal or the deadline. */
static int s_run(const tix_config_t *cfg, int64_t duration_ms)
{
    int rc = 1;
    tix_norm_t *norm = tix_norm_new(cfg);
    int *last = calloc((size_t)cfg->ntiers, sizeof *last);
    tix_engine_t *eng = NULL;
    if (!norm || !last)
        goto done;
    for (int i = 0; i < cfg->ntiers; i++)
        last[i] = -1;
    s_live_t live = {cfg, last};
    tix_engine_sink_t sink = {s_on_tick, s_on_settlement, &live};
    eng = tix_engine_new(cfg, tix_norm_names(norm), &sink);
    if (!eng || tix_engine_start(eng, tix_time_wall_ns()) != 0)
        goto done;
    int64_t deadline = duration_ms > 0 ? tix_time_mono_ns() + duration_ms * TIX_NS_PER_MS : 0;
    tix_info("tixd running: %d tiers, %d mapping rules, %d fx rates", cfg->ntiers, cfg->nmapping,
             cfg->nfx);
    while (!s_stop && (!deadline || tix_time_mono_ns() < deadline)) {
        int64_t next = tix_engine_next_boundary(eng);
        int64_t now = tix_time_wall_ns();
        if (now < next) {
            int64_t wait = next - now;
            if (wait > 100 * TIX_NS_PER_MS)
                wait = 100 * TIX_NS_PER_MS; /* wake for signals and the deadline */
            struct timespec ts = {(time_t)(wait / TIX_NS_PER_S), (long)(wait % TIX_NS_PER_S)};
            nanosleep(&ts, NULL);
            continue;
        }
        if (tix_engine_clock(eng, now) != 0)
            goto done;
    }
    tix_info("tixd stopping");
    rc = 0;
done:
    if (rc)
        tix_error("tixd: %s", tix_err());
    tix_engine_destroy(&eng);
    tix_norm_destroy(&norm);
    free(last);
    return rc;
}

int main(int argc, char **argv)
{
    const char *conf = NULL, *check = NULL, *role = "all";
    int64_t duration_ms = 0;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"check-config", required_argument, NULL, 'k'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"duration-ms", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': conf = optarg; break;
        case 'k': check = optarg; break;
        case 'r': role = optarg; break;
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
    if (strcmp(role, "all") != 0) {
        fprintf(stderr, "tixd: --role: '%s' is not a role this build runs (all)\n", role);
        return 2;
    }
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = tix_config_load(conf, diag);
    for (size_t i = 0; i < tix_diag_count(diag); i++)
        fprintf(stderr, "%s\n", tix_diag_get(diag, i));
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
    int rc = s_run(cfg, duration_ms);
    tix_config_destroy(&cfg);
    return rc;
}
