/* tixd: the tix daemon — command line, signals, --check-config, and the collector role's --once/--record; the stages live in tools/tixd/. */
#include "tix_collector.h"
#include "tix_config.h"
#include "tix_csv.h"
#include "tix_err.h"
#include "tix_forward.h"
#include "tix_log.h"
#include "tix_normalize.h"
#include "tix_schema.h"
#include "tix_time.h"
#include "tixd.h"

#include <hdf5.h>

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_DURATION_MAX_MS (INT64_C(365) * 86400000)

static volatile sig_atomic_t s_stop, s_hup;

static void s_on_signal(int sig)
{
    if (sig == SIGHUP)
        s_hup = 1;
    else
        s_stop = 1;
}

static void s_usage(FILE *f)
{
    fprintf(f, "usage: tixd -c CONF [--role all|engine|collector] [--once] [--record OUT.csv] [--ports-file F]\n"
               "       tixd --check-config CONF\n"
               "  -c, --config FILE       run with this configuration\n"
               "      --check-config FILE validate FILE: print OK, or every error, exit 0/1\n"
               "      --role ROLE         all (default): collectors -> engine -> publisher + storage;\n"
               "                          engine: the same, fed only by zmq_ingest sources;\n"
               "                          collector: collect, normalize, forward (collector.forward)\n"
               "      --once              collector: poll every provider once, print a summary\n"
               "      --record FILE       collector: write every quote received as replay CSV\n"
               "      --duration-ms N     stop by itself after N ms, 1 to 31536000000 (tests, demos)\n"
               "      --ports-file FILE   write the bound endpoints (publisher lines, recovery,\n"
               "                          metrics) to FILE once listening\n"
               "Signals: SIGTERM/SIGINT drain the queues, flush journal and archive, exit 0;\n"
               "SIGHUP reloads the client allowlist and the providers.\n");
}

/* Loads, validates (every problem printed) and returns the configuration, or NULL. */
static tix_config_t *s_load(const char *path, tix_diag_t *diag)
{
    tix_config_t *cfg = tix_config_load(path, diag);
    if (cfg && tixd_check(cfg, diag) > 0)
        tix_config_destroy(&cfg);
    return cfg;
}

/* Prints "OK" or every problem; the exit status of --check-config. */
static int s_check_config(const char *path)
{
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = s_load(path, diag);
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

/* Runs the daemon until SIGTERM/SIGINT (or --duration-ms); SIGHUP reloads. */
static int s_run(tix_config_t *cfg, const char *conf, tixd_role_t role, const char *ports_file,
                 FILE *record, int64_t duration_ms)
{
    tixd_opts_t o = {role, conf, record};
    tixd_t *d = tixd_new(cfg, &o);
    if (!d) {
        tix_error("tixd: %s", tix_err());
        return 1;
    }
    int rc = 0;
    if (ports_file && tixd_write_endpoints(d, ports_file) != 0) {
        tix_error("tixd: --ports-file: %s", tix_err());
        rc = 1;
    }
    int64_t deadline = duration_ms > 0 ? tix_time_mono_ns() + duration_ms * TIX_NS_PER_MS : 0;
    while (rc == 0 && !s_stop && (!deadline || tix_time_mono_ns() < deadline)) {
        if (s_hup) {
            s_hup = 0;
            tix_info("tixd: SIGHUP: reloading");
            if (tixd_reload(d) == -2)
                rc = 1;
        }
        if (rc == 0 && tixd_step(d, 50) != 0) {
            tix_error("tixd: collector: %s", tix_err());
            rc = 1;
        }
    }
    tix_info("tixd stopping: draining queues, flushing the journal and the archive");
    tixd_destroy(&d);
    tix_info("tixd stopped");
    return rc;
}

/* --record FILE ("-": stdout) with the replay CSV header; NULL with tix_err(). */
static FILE *s_record_open(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) {
        TIX_SET_ERR(errno, "--record %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fprintf(f, "%s\n", TIX_CSV_HEADER) < 0) {
        TIX_SET_ERR(errno, "--record %s: %s", path, strerror(errno));
        if (f != stdout)
            fclose(f);
        return NULL;
    }
    return f;
}

static int s_record_close(FILE *f, const char *path)
{
    if (!f || f == stdout)
        return f ? (fflush(f) == 0 ? 0 : 1) : 0;
    if (fclose(f) != 0) {
        tix_error("tixd: --record %s: %s", path, strerror(errno));
        return 1;
    }
    return 0;
}

static void s_record_row(void *arg, const tix_raw_quote_t *raw) { tix_collector_write_row(arg, raw); }

/* --role collector --once: polls every provider once, prints a summary per provider; exit 1
 * if any provider is not UP. */
static int s_run_once(const tix_config_t *cfg, FILE *record, int64_t duration_ms)
{
    int rc = 1;
    tix_norm_t *norm = tix_norm_new(cfg);
    tix_collector_t *col = NULL;
    tix_diag_t *diag = tix_diag_new();
    tix_collector_sink_t sink = {record ? s_record_row : NULL, NULL, record, NULL};
    if (norm && diag)
        col = tix_collector_new(cfg, norm, TIX_COLLECT_HTTP | TIX_COLLECT_NDJSON | TIX_COLLECT_CSV,
                                true, &sink, diag);
    for (size_t i = 0; diag && i < tix_diag_count(diag); i++)
        tix_error("%s", tix_diag_get(diag, i));
    int64_t deadline = duration_ms > 0 ? tix_time_mono_ns() + duration_ms * TIX_NS_PER_MS : 0;
    while (col && !s_stop && (!deadline || tix_time_mono_ns() < deadline) && !tix_collector_done(col))
        if (tix_collector_step(col, 100) != 0)
            goto done;
    if (!col)
        goto done;
    tix_collector_summary(col, stderr);
    rc = 0;
    for (int i = 0; i < tix_collector_count(col); i++)
        if (tix_collector_health(col, i) != TIX_HEALTH_UP) {
            const tix_provider_stats_t *st = tix_collector_stats(col, i);
            fprintf(stderr, "tixd: --once: provider %s delivered nothing usable (%s, %llu quotes "
                    "accepted)\n", tix_collector_name(col, i),
                    tix_health_name(tix_collector_health(col, i)),
                    (unsigned long long)st->accepted);
            rc = 1;
        }
done:
    if (!col && tix_err()[0])
        tix_error("tixd: %s", tix_err());
    tix_collector_destroy(&col);
    tix_diag_destroy(&diag);
    tix_norm_destroy(&norm);
    return rc;
}

typedef struct {
    const char *conf, *check, *role_name, *record, *ports_file;
    tixd_role_t role;
    bool once;
    int64_t duration_ms;
} s_args_t;

/* 0, or the exit status for bad arguments (2) or --help (-1: exit 0). */
static int s_parse(int argc, char **argv, s_args_t *a)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"check-config", required_argument, NULL, 'k'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"duration-ms", required_argument, NULL, 'd'},
                                         {"once", no_argument, NULL, 'o'},
                                         {"record", required_argument, NULL, 'w'},
                                         {"ports-file", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->conf = optarg; break;
        case 'k': a->check = optarg; break;
        case 'r': a->role_name = optarg; break;
        case 'o': a->once = true; break;
        case 'w': a->record = optarg; break;
        case 'p': a->ports_file = optarg; break;
        case 'd':
            /* Bounded so that now + N ms in nanoseconds cannot overflow (UBSan found it). */
            errno = 0;
            a->duration_ms = strtoll(optarg, &end, 10);
            if (end == optarg || *end || errno == ERANGE || a->duration_ms <= 0 ||
                a->duration_ms > S_DURATION_MAX_MS) {
                fprintf(stderr, "tixd: --duration-ms: '%s' is not an integer from 1 to %lld "
                        "(365 days)\n", optarg, (long long)S_DURATION_MAX_MS);
                return 2;
            }
            break;
        case 'h': s_usage(stdout); return -1;
        default: s_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tixd: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (a->check)
        return 0;
    if (!a->conf) {
        s_usage(stderr);
        return 2;
    }
    if (tixd_role_parse(a->role_name, &a->role) != 0) {
        fprintf(stderr, "tixd: --role: '%s' is not a role (all, engine, collector)\n", a->role_name);
        return 2;
    }
    bool collector = a->role == TIXD_ROLE_COLLECTOR;
    if ((a->once || a->record) && !collector) {
        fprintf(stderr, "tixd: --once and --record go with --role collector\n");
        return 2;
    }
    return 0;
}

static void s_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
        sigaction(SIGHUP, &sa, NULL) != 0)
        tix_warn("tixd: sigaction: %s", strerror(errno));
    sa.sa_handler = SIG_IGN; /* a peer closing a socket must not kill the daemon */
    if (sigaction(SIGPIPE, &sa, NULL) != 0)
        tix_warn("tixd: sigaction(SIGPIPE): %s", strerror(errno));
}

int main(int argc, char **argv)
{
    /* HDF5's atexit handler would close files a failed write left unclosable (docs/archive.md). */
    H5dont_atexit();
    s_args_t a = {.role_name = "all", .role = TIXD_ROLE_ALL};
    int prc = s_parse(argc, argv, &a);
    if (prc != 0)
        return prc < 0 ? 0 : prc;
    if (a.check)
        return s_check_config(a.check);
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = diag ? s_load(a.conf, diag) : NULL;
    for (size_t i = 0; diag && i < tix_diag_count(diag); i++)
        fprintf(stderr, "%s\n", tix_diag_get(diag, i));
    if (!cfg && (!diag || tix_diag_count(diag) == 0))
        fprintf(stderr, "tixd: %s\n", tix_err());
    tix_diag_destroy(&diag);
    if (!cfg)
        return 1;
    tix_log_level_t lvl;
    if (tix_log_level_parse(cfg->log_level, &lvl) == 0)
        tix_log_set_level(lvl);
    tix_log_set_json(cfg->log_json);
    s_signals();
    FILE *record = NULL;
    if (a.record && !(record = s_record_open(a.record))) {
        fprintf(stderr, "tixd: %s\n", tix_err());
        tix_config_destroy(&cfg);
        return 1;
    }
    int rc;
    if (a.once) {
        rc = s_run_once(cfg, record, a.duration_ms);
        tix_config_destroy(&cfg);
    } else {
        rc = s_run(cfg, a.conf, a.role, a.ports_file, record, a.duration_ms); /* owns cfg */
    }
    return s_record_close(record, a.record) ? 1 : rc;
}
