/* tix-archive: drives the storage stage (load a quote CSV or a synthetic burst through engine + storage), recovers it, and checks archive against journal. */
#include "tix_archive.h"
#include "tix_config.h"
#include "tix_csv.h"
#include "tix_engine.h"
#include "tix_err.h"
#include "tix_journal.h"
#include "tix_log.h"
#include "tix_normalize.h"
#include "tix_storage.h"
#include "tix_time.h"
#include "tix_archive_check.h"

#include <getopt.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
    tix_storage_t *st;
    const tix_config_t *cfg;
    int failed;
    bool acks;
    uint64_t n, last_ack;
    bool fsize_limited;
} s_run_t;

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: tix-archive load --config CONF (--quotes IN.csv | --synthetic N) [--step-ms MS]\n"
            "                        [--start TIME] [--acks] [--fsize-limit BYTES]\n"
            "       tix-archive recover --config CONF\n"
            "       tix-archive check --config CONF\n"
            "load: runs the index engine over the quotes and stores every input and output through\n"
            "the storage stage (journal, then the HDF5 archive), as tixd does. --acks prints\n"
            "'durable SEQ' as records become stored. recover: opens the storage stage (journal\n"
            "recovery, archive rebuild) and closes it. check: every journalled record must be in\n"
            "the archive exactly once, identical, and nothing else, and every message the publisher\n"
            "sent (its publish ledger in the journal) must carry an archived record.\n");
}

/* Prints the durable seq when it moved (the kill -9 test's record of what was stored). */
static void s_ack(s_run_t *r)
{
    uint64_t d = tix_storage_durable(r->st);
    if (r->acks && d != r->last_ack) {
        printf("durable %llu\n", (unsigned long long)d);
        fflush(stdout);
    }
    r->last_ack = d;
    if (r->fsize_limited) {
        tix_storage_stats_t s;
        tix_storage_stats(r->st, &s);
        struct rlimit rl;
        if (s.archive_errors > 0 && getrlimit(RLIMIT_FSIZE, &rl) == 0) {
            rl.rlim_cur = rl.rlim_max; /* "space returns" */
            if (setrlimit(RLIMIT_FSIZE, &rl) == 0) {
                r->fsize_limited = false;
                fprintf(stderr, "tix-archive: archive error seen (%s); file size limit lifted\n",
                        s.last_error);
            }
        }
    }
}

static void s_submitted(s_run_t *r, int rc)
{
    if (rc != 0) {
        fprintf(stderr, "tix-archive: %s\n", tix_err());
        r->failed = 1;
    }
    if (++r->n % 1000 == 0)
        s_ack(r);
}

static void s_on_tick(void *arg, const tix_tick_t *t)
{
    s_run_t *r = arg;
    s_submitted(r, tix_storage_tick(r->st, t, NULL));
}

static void s_on_settlement(void *arg, const tix_settlement_t *s)
{
    s_run_t *r = arg;
    s_submitted(r, tix_storage_settlement(r->st, s, NULL, NULL, NULL));
}

/* One quote row: CLOCK(recv_ns - 1) then the quote, as tix-replay feeds the engine. */
static int s_quote(s_run_t *r, tix_engine_t *eng, tix_norm_t *norm, const tix_raw_quote_t *raw)
{
    s_submitted(r, tix_storage_clock(r->st, TIX_CLOCK_TICK, raw->recv_ns - 1, NULL));
    if (tix_engine_clock(eng, raw->recv_ns - 1) != 0)
        return -1;
    tix_quote_t q;
    tix_norm_error_t e;
    int rc = tix_norm_quote(norm, raw, &q, &e);
    if (rc != 0 && e.reason == TIX_REASON_NONE)
        return -1;
    if (rc != 0) {
        /* Refused: archived with its reason; prices of a refused quote are not kept. */
        q.input = q.output = q.cached = q.blended = TIX_PRICE_NULL;
        q.local_input = q.local_output = q.local_cached = TIX_PRICE_NULL;
        q.volume = -1;
        q.tier = raw->provider && raw->model ? tix_config_map(r->cfg, raw->provider, raw->model) : -1;
    }
    s_submitted(r, tix_storage_quote(r->st, &q, raw->provider ? raw->provider : "",
                                     raw->model ? raw->model : "",
                                     raw->currency ? raw->currency : "", e.reason, NULL));
    return rc == 0 ? tix_engine_quote(eng, &q) : 0;
}

/* Deterministic synthetic quotes: 3 providers x 2 models on the config's first mapping. */
static void s_synth(long i, int64_t t0, int64_t step_ns, tix_raw_quote_t *raw, char *prov,
                    char *model, char *price)
{
    sprintf(prov, "p%ld", i % 3);
    sprintf(model, "m%ld-large", (i / 3) % 2);
    sprintf(price, "%ld.%03ld", 2 + (i % 5), (i * 37) % 1000);
    *raw = (tix_raw_quote_t){t0 + 1 + i * step_ns, prov, model, "1m", "USD",
                             price, price, NULL, "1000"};
}

static int s_feed(s_run_t *r, tix_engine_t *eng, tix_norm_t *norm, const char *csv_path,
                  long synthetic, int64_t t0, int64_t step_ns)
{
    tix_csv_t *csv = csv_path ? tix_csv_open(csv_path) : NULL;
    if (csv_path && !csv)
        return -1;
    tix_raw_quote_t raw;
    char prov[32], model[32], price[32];
    int64_t last = 0;
    long n = 0;
    int rc = 0;
    for (;;) {
        if (csv && (rc = tix_csv_next(csv, &raw)) != 1)
            break;
        if (!csv && n >= synthetic)
            break;
        if (!csv)
            s_synth(n, t0, step_ns, &raw, prov, model, price);
        if (n++ == 0) {
            s_submitted(r, tix_storage_clock(r->st, TIX_CLOCK_START, raw.recv_ns, NULL));
            if (tix_engine_start(eng, raw.recv_ns) != 0)
                break;
        }
        last = raw.recv_ns;
        if ((rc = s_quote(r, eng, norm, &raw)) != 0 || r->failed)
            break;
    }
    tix_csv_destroy(&csv);
    if (rc < 0 || r->failed)
        return -1;
    if (n > 0) {
        s_submitted(r, tix_storage_clock(r->st, TIX_CLOCK_CLOSE, last, NULL));
        if (tix_engine_close(eng, last) != 0)
            return -1;
    }
    return r->failed ? -1 : 0;
}

/* Waits for the archive to catch up, reporting acks meanwhile (bounded: ~120 s). */
static int s_drain(s_run_t *r)
{
    for (int i = 0; i < 1200; i++) {
        s_ack(r);
        if (tix_storage_wait_archived(r->st, 100) == 0) {
            s_ack(r);
            return 0;
        }
    }
    fprintf(stderr, "tix-archive: %s\n", tix_err());
    return -1;
}

static int s_load(const tix_config_t *cfg, tix_storage_t *st, const char *quotes, long synthetic,
                  int64_t t0, int64_t step_ns, bool acks, bool limited)
{
    s_run_t r = {st, cfg, 0, acks, 0, UINT64_MAX, limited};
    tix_norm_t *norm = tix_norm_new(cfg);
    tix_engine_sink_t sink = {s_on_tick, s_on_settlement, &r};
    tix_engine_t *eng = norm ? tix_engine_new(cfg, tix_norm_names(norm), &sink) : NULL;
    int rc = eng ? s_feed(&r, eng, norm, quotes, synthetic, t0, step_ns) : -1;
    if (rc != 0 && !r.failed)
        fprintf(stderr, "tix-archive: %s\n", tix_err());
    if (s_drain(&r) != 0)
        rc = -1;
    tix_engine_destroy(&eng);
    tix_norm_destroy(&norm);
    fprintf(stderr, "tix-archive: %llu records stored\n", (unsigned long long)tix_storage_durable(st));
    return rc;
}

/* ---------------------------------------------------------------- main */

typedef struct {
    const char *cmd, *conf, *quotes;
    long synthetic;
    int64_t t0, step_ns;
    bool acks;
    long long fsize;
} s_args_t;

static int s_parse(int argc, char **argv, s_args_t *a)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"quotes", required_argument, NULL, 'q'},
        {"synthetic", required_argument, NULL, 'n'}, {"step-ms", required_argument, NULL, 's'},
        {"start", required_argument, NULL, 'S'},   {"acks", no_argument, NULL, 'a'},
        {"fsize-limit", required_argument, NULL, 'F'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    *a = (s_args_t){NULL, NULL, NULL, 0, INT64_C(1767225600) * TIX_NS_PER_S, TIX_NS_PER_MS,
                    false, 0};
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "c:q:n:s:S:aF:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->conf = optarg; break;
        case 'q': a->quotes = optarg; break;
        case 'n': a->synthetic = strtol(optarg, &end, 10); if (*end || a->synthetic <= 0) goto bad; break;
        case 's': {
            long long ms = strtoll(optarg, &end, 10); /* bounded before scaling: no overflow */
            if (*end || ms <= 0 || ms > 86400000)
                goto bad;
            a->step_ns = ms * TIX_NS_PER_MS;
            break;
        }
        case 'S': if (tix_time_parse_iso(optarg, &a->t0) != 0) goto bad; break;
        case 'a': a->acks = true; break;
        case 'F': a->fsize = strtoll(optarg, &end, 10); if (*end || a->fsize <= 0) goto bad; break;
        case 'h': s_usage(stdout); exit(0);
        default: return -1;
        }
    }
    if (optind + 1 != argc || !a->conf) {
        fprintf(stderr, "tix-archive: one command (load, recover, check) and --config are required\n");
        return -1;
    }
    a->cmd = argv[optind];
    if (strcmp(a->cmd, "load") == 0 && !a->quotes == !a->synthetic) {
        fprintf(stderr, "tix-archive: load needs exactly one of --quotes and --synthetic\n");
        return -1;
    }
    if (strcmp(a->cmd, "load") && strcmp(a->cmd, "recover") && strcmp(a->cmd, "check")) {
        fprintf(stderr, "tix-archive: unknown command '%s'\n", a->cmd);
        return -1;
    }
    return 0;
bad:
    for (const struct option *o = opts; o->name; o++)
        if (o->val == c)
            fprintf(stderr, "tix-archive: bad value '%s' for --%s\n", optarg, o->name);
    return -1;
}

static int s_limit(long long bytes)
{
    struct rlimit rl;
    signal(SIGXFSZ, SIG_IGN); /* writes past the limit fail with EFBIG instead */
    if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
        return -1;
    rl.rlim_cur = (rlim_t)bytes;
    return setrlimit(RLIMIT_FSIZE, &rl);
}

int main(int argc, char **argv)
{
    s_args_t a;
    if (s_parse(argc, argv, &a) != 0) {
        s_usage(stderr);
        return 2;
    }
    H5dont_atexit(); /* files dropped after write errors must not be closed at exit */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = tix_config_load(a.conf, diag);
    for (size_t i = 0; !cfg && i < tix_diag_count(diag); i++)
        fprintf(stderr, "%s\n", tix_diag_get(diag, i));
    tix_diag_destroy(&diag);
    tix_storage_opts_t o;
    if (!cfg || tix_storage_opts_from_config(cfg, &o) != 0) {
        if (cfg)
            fprintf(stderr, "tix-archive: %s\n", tix_err());
        tix_config_destroy(&cfg);
        return 1;
    }
    int rc = 0;
    if (strcmp(a.cmd, "check") == 0) {
        rc = tix_archive_check(&o);
    } else {
        if (a.fsize && s_limit(a.fsize) != 0)
            fprintf(stderr, "tix-archive: cannot set the file size limit\n");
        tix_storage_t *st = tix_storage_new(cfg, &o);
        if (!st)
            fprintf(stderr, "tix-archive: %s\n", tix_err()), rc = -1;
        if (st && strcmp(a.cmd, "load") == 0)
            rc = s_load(cfg, st, a.quotes, a.synthetic, a.t0, a.step_ns, a.acks, a.fsize > 0);
        else if (st && tix_storage_wait_archived(st, 120000) != 0)
            fprintf(stderr, "tix-archive: %s\n", tix_err()), rc = -1;
        tix_storage_destroy(&st);
    }
    tix_config_destroy(&cfg);
    return rc == 0 ? 0 : 1;
}
