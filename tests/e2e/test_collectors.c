/* e2e: tix-sim with faults against the collectors; good providers flow, bad ones fail, exact values. */
#include "tix_test.h"

#include "tix_collector.h"
#include "tix_config.h"
#include "tix_err.h"
#include "tix_normalize.h"
#include "tix_time.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *s_sim_path, *s_src;
static char *s_dir; /* the test's temporary directory, removed by the group teardown */
static pid_t s_sim = -1;

static const char *const s_scenario =
    "seed = 7;\nupdate_ms = 1000;\nproviders = (\n"
    "{ name = \"good-or\"; format = \"openrouter\"; walk_bp = 0; discount = \"0.1\"; gzip = true;\n"
    "  models = ( { id = \"x/gpt-4o\"; input = \"2.5\"; output = \"10\"; },\n"
    "             { id = \"x/auto\"; input = \"1\"; output = \"1\"; variable = true; } ); },\n"
    "{ name = \"good-ds\"; format = \"dashscope\"; walk_bp = 0;\n"
    "  models = ( { id = \"qwen-max\"; input = \"2.4\"; output = \"9.6\"; } ); },\n"
    "{ name = \"good-sheet\"; format = \"pricesheet\"; walk_bp = 0;\n"
    "  models = ( { id = \"gpt-4o\"; input = \"2.50\"; output = \"10.00\"; } ); },\n"
    "{ name = \"good-dk\"; format = \"deepseek\"; walk_bp = 0; off_peak = [ \"16:30\", \"00:30\" ];\n"
    "  models = ( { id = \"deepseek-chat\"; input = \"2\"; output = \"8\"; cached_input = \"0.5\"; } ); },\n"
    "{ name = \"market\"; format = \"ndjson\"; walk_bp = 0; stream_ms = 50;\n"
    "  models = ( { id = \"qwen-max\"; input = \"0.34\"; output = \"1.35\"; } );\n"
    "  faults = ( { kind = \"disconnect\"; every = 20; } ); },\n"
    "{ name = \"bad-500\"; format = \"openrouter\"; models = ( { id = \"x/gpt-4o\"; input = \"1\"; output = \"1\"; } );\n"
    "  faults = ( { kind = \"http_500\"; } ); },\n"
    "{ name = \"bad-timeout\"; format = \"pricesheet\"; models = ( { id = \"gpt-4o\"; input = \"1\"; output = \"1\"; } );\n"
    "  faults = ( { kind = \"timeout\"; delay_ms = 1500; } ); },\n"
    "{ name = \"bad-json\"; format = \"pricesheet\"; models = ( { id = \"gpt-4o\"; input = \"1\"; output = \"1\"; } );\n"
    "  faults = ( { kind = \"malformed\"; } ); },\n"
    "{ name = \"bad-trunc\"; format = \"pricesheet\"; models = ( { id = \"gpt-4o\"; input = \"1\"; output = \"1\"; } );\n"
    "  faults = ( { kind = \"truncated\"; } ); },\n"
    "{ name = \"stale\"; format = \"pricesheet\"; models = ( { id = \"gpt-4o\"; input = \"1\"; output = \"1\"; } );\n"
    "  faults = ( { kind = \"stale\"; } ); },\n"
    "{ name = \"outlier\"; format = \"pricesheet\"; walk_bp = 0;\n"
    "  models = ( { id = \"gpt-4o\"; input = \"2.5\"; output = \"10\"; } );\n"
    "  faults = ( { kind = \"outlier\"; model = \"gpt-4o\"; factor_bp = 100000; } ); },\n"
    "{ name = \"stalled\"; format = \"ndjson\"; models = ( { id = \"qwen-max\"; input = \"1\"; output = \"1\"; } );\n"
    "  faults = ( { kind = \"stall\"; } ); },\n"
    /* The FX feed's body never changes (so polls get 304), it fails for a while, then answers
     * 304 again: its rate must come back. */
    "{ name = \"fx\"; format = \"fx\"; rates = { CNY = \"0.1380\"; };\n"
    "  faults = ( { kind = \"stale\"; }, { kind = \"http_500\"; from_ms = 1500; to_ms = 4000; } ); }\n"
    ");\n";

/* name → kind, preset, extra keys of the collector config. */
static const char *const s_provs[][4] = {
    {"good-or", "http_poll", "openrouter", ""},
    {"good-ds", "http_poll", "dashscope", ""},
    {"good-sheet", "http_poll", "pricesheet", ""},
    {"good-dk", "http_poll", "deepseek", ""},
    {"market", "ndjson_stream", "marketplace", "stall_ms = 2000;"},
    {"bad-500", "http_poll", "openrouter", ""},
    {"bad-timeout", "http_poll", "pricesheet", "timeout_ms = 300;"},
    {"bad-json", "http_poll", "pricesheet", ""},
    {"bad-trunc", "http_poll", "pricesheet", ""},
    {"stale", "http_poll", "pricesheet", "max_age_ms = 1000;"},
    {"outlier", "http_poll", "pricesheet", ""},
    {"stalled", "ndjson_stream", "marketplace", "stall_ms = 400;"},
};
#define NPROV (sizeof s_provs / sizeof s_provs[0])

static int s_port(const char *name)
{
    char n[64];
    int port;
    FILE *f = fopen(tix_test_path(s_dir, "ports"), "r");
    assert_non_null(f);
    while (fscanf(f, "%63s %d", n, &port) == 2)
        if (strcmp(n, name) == 0) {
            fclose(f);
            return port;
        }
    fclose(f);
    fail_msg("no port for %s", name);
    return -1;
}

/* Starts tix-sim on free loopback ports and waits (bounded) for its ports file. */
static void s_start_sim(void)
{
    char ports[PATH_MAX];
    snprintf(ports, sizeof ports, "%s", tix_test_path(s_dir, "ports"));
    const char *scen = tix_test_write(s_dir, "scenario.conf", s_scenario);
    s_sim = fork();
    assert_true(s_sim >= 0);
    if (s_sim == 0) {
        execl(s_sim_path, s_sim_path, "--scenario", scen, "--ports-file", ports, (char *)NULL);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 200 && stat(ports, &st) != 0; i++)
        usleep(50000);
    assert_int_equal(stat(ports, &st), 0);
}

static void s_links(void)
{
    tix_test_link_conf(s_dir, s_src, "tiers.conf");
    tix_test_link_conf(s_dir, s_src, "providers.d");
}

static void s_write_config(void)
{
    char buf[8192], *p = buf;
    p += sprintf(p, "@include \"tiers.conf\"\n@include \"providers.d/presets.inc\"\nproviders = (\n");
    for (size_t i = 0; i < NPROV; i++)
        p += sprintf(p, "{ name = \"%s\"; kind = \"%s\"; preset = \"%s\"; url = \"http://127.0.0.1:%d/\";\n"
                        "  interval_ms = 300; backoff_ms = 100; backoff_max_ms = 400; %s %s },\n",
                     s_provs[i][0], s_provs[i][1], s_provs[i][2], s_port(s_provs[i][0]),
                     strstr(s_provs[i][3], "timeout_ms") ? "" : "timeout_ms = 1000;", s_provs[i][3]);
    p += sprintf(p, "{ name = \"drop\"; kind = \"csv_file\"; path = \"%s/drop\"; }\n);\n", s_dir);
    sprintf(p, "fx_feed = { url = \"http://127.0.0.1:%d/fx\"; rates = \"rates\"; currencies = [ \"CNY\" ];\n"
               "  interval_ms = 300; stale_ms = 1000; };\n", s_port("fx"));
    tix_test_write(s_dir, "tix.conf", buf);
}

#define CSV_HEAD "recv_ns,provider,model,unit,currency,input,output,cached_input,volume_tokens\n"

/* The last accepted quote per (provider, model), and whether any carried volume. */
typedef struct {
    char key[160];
    tix_quote_t q;
} s_last_t;
typedef struct {
    s_last_t last[64];
    int n;
    int64_t max_volume;
    uint64_t refused[TIX_REASON_COUNT]; /* handed to the sink, by reason */
    uint64_t auto_refused;              /* good-or's variable-priced x/auto, refused by name */
} s_seen_t;

/* Every refusal reaches the sink (tixd archives it), also those made while extracting. */
static void s_on_refused(void *arg, const tix_raw_quote_t *raw, const tix_norm_error_t *err)
{
    s_seen_t *s = arg;
    s->refused[err->reason]++;
    if (strcmp(raw->provider, "good-or") == 0 && raw->model && strcmp(raw->model, "x/auto") == 0 &&
        err->reason == TIX_REASON_BAD_NUMBER)
        s->auto_refused++;
}

static void s_on_quote(void *arg, const tix_raw_quote_t *raw, const tix_quote_t *q)
{
    s_seen_t *s = arg;
    char key[160];
    snprintf(key, sizeof key, "%s/%s", raw->provider, raw->model);
    int i = 0;
    while (i < s->n && strcmp(s->last[i].key, key) != 0)
        i++;
    if (i == s->n && s->n < 64)
        snprintf(s->last[s->n++].key, sizeof key, "%s", key);
    if (i < 64)
        s->last[i].q = *q;
    if (q->volume > s->max_volume)
        s->max_volume = q->volume;
}

static const tix_quote_t *s_find(const s_seen_t *s, const char *key)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->last[i].key, key) == 0)
            return &s->last[i].q;
    fail_msg("no quote for %s", key);
    return NULL;
}

static const tix_provider_stats_t *s_st(tix_collector_t *c, const char *name)
{
    int i = tix_collector_find(c, name);
    assert_true(i >= 0);
    return tix_collector_stats(c, i);
}

static bool s_exists(const char *rel)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", s_dir, rel);
    return stat(path, &st) == 0;
}

/* Everything the test waits for; the loop is bounded, so a failure shows which is missing. */
static bool s_all_seen(tix_collector_t *c, const s_seen_t *seen)
{
    const char *good[] = {"good-or", "good-ds", "good-sheet", "good-dk", "outlier", "drop"};
    for (size_t i = 0; i < 6; i++)
        if (s_st(c, good[i])->accepted < (strcmp(good[i], "drop") ? 3u : 2u))
            return false;
    return s_st(c, "bad-500")->faults[TIX_FAULT_HTTP_5XX] >= 2 &&
           s_st(c, "bad-timeout")->faults[TIX_FAULT_TIMEOUT] >= 1 &&
           s_st(c, "bad-json")->faults[TIX_FAULT_BAD_JSON] >= 2 &&
           s_st(c, "bad-trunc")->faults[TIX_FAULT_TRUNCATED] >= 2 &&
           s_st(c, "stale")->faults[TIX_FAULT_STALE_SOURCE] >= 1 &&
           s_st(c, "market")->faults[TIX_FAULT_TRUNCATED] >= 1 &&
           s_st(c, "market")->faults[TIX_FAULT_DISCONNECT] >= 1 &&
           s_st(c, "market")->accepted >= 3 && s_st(c, "stalled")->faults[TIX_FAULT_STALL] >= 1 &&
           seen->max_volume > 0;
}

static void s_expect(const s_seen_t *s, const char *key, int64_t in, int64_t out, int64_t blended)
{
    const tix_quote_t *q = s_find(s, key);
    assert_int_equal(q->input, in);
    assert_int_equal(q->output, out);
    assert_int_equal(q->blended, blended);
}

static void test_collectors_against_sim(void **state)
{
    (void)state;
    s_start_sim();
    s_links();
    s_write_config();
    char path[256];
    snprintf(path, sizeof path, "%s/drop", s_dir);
    assert_int_equal(mkdir(path, 0755), 0);
    tix_test_write(s_dir, "drop/a-good.csv", CSV_HEAD "1767225600000000001,drop,gpt-4o,1m,USD,2.5,10,,\n");
    tix_test_write(s_dir, "drop/b-bad.csv", CSV_HEAD "1767225600000000001,drop,gpt-4o,1m,USD,2.5,10,,\n1767225600000000002,drop,gpt-4o,1m,USD,abc,10,,\n");
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = tix_config_load(tix_test_path(s_dir, "tix.conf"), diag);
    tix_test_diag_print(diag);
    assert_non_null(cfg);
    tix_norm_t *norm = tix_norm_new(cfg);
    s_seen_t *seen = calloc(1, sizeof *seen);
    tix_collector_sink_t sink = {NULL, s_on_quote, seen, s_on_refused};
    tix_collector_t *col = tix_collector_new(cfg, norm, TIX_COLLECT_ALL, false, &sink, diag);
    tix_test_diag_print(diag);
    assert_non_null(col);
    /* A file moved into the watched folder after start (inotify IN_MOVED_TO). */
    tix_test_write(s_dir, "c-late.csv", CSV_HEAD "1767225600000000005,drop,claude-sonnet-4,1m,USD,3,15,,\n");
    char from[256], to[256];
    snprintf(from, sizeof from, "%s/c-late.csv", s_dir);
    snprintf(to, sizeof to, "%s/drop/c-late.csv", s_dir);
    assert_int_equal(rename(from, to), 0);
    int64_t deadline = tix_time_mono_ns() + 40 * TIX_NS_PER_S;
    bool fx_was_ok = false, fx_went_stale = false, fx_back = false;
    for (int i = 0; i < 100000 && tix_time_mono_ns() < deadline && !(s_all_seen(col, seen) && fx_back);
         i++) {
        assert_int_equal(tix_collector_step(col, 50), 0);
        int64_t cny = tix_norm_fx(norm, "CNY");
        fx_was_ok |= cny == 138000000;
        fx_went_stale |= fx_was_ok && cny < 0;
        fx_back |= fx_went_stale && cny == 138000000;
    }
    tix_collector_summary(col, stderr);
    assert_true(s_all_seen(col, seen));
    /* Stale FX withdrew CNY (quotes refused no_fx_rate), and a 304 afterwards restored it. */
    assert_true(fx_went_stale);
    assert_true(fx_back);
    assert_true(s_st(col, "fx_feed")->not_modified >= 1);
    assert_true(s_st(col, "good-ds")->refused[TIX_REASON_NO_FX_RATE] >= 1);
    /* Bad providers never delivered and are not UP; good ones are. */
    const char *bad[] = {"bad-500", "bad-timeout", "bad-json", "bad-trunc"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(s_st(col, bad[i])->accepted, 0);
        assert_int_not_equal(tix_collector_health(col, tix_collector_find(col, bad[i])), TIX_HEALTH_UP);
    }
    assert_int_equal(tix_collector_health(col, tix_collector_find(col, "good-sheet")), TIX_HEALTH_UP);
    /* Refusals are counted under their METHODOLOGY reason: OpenRouter's "-1" is bad_number. */
    assert_true(s_st(col, "good-or")->refused[TIX_REASON_BAD_NUMBER] >= 3);
    /* ... and each one counted was handed to the sink, with the model it named. */
    assert_true(seen->auto_refused >= 3);
    /* (The FX feed's refused rates are not quotes: counted, not handed on.) */
    int fx = tix_collector_find(col, "fx_feed");
    for (int r = 0; r < TIX_REASON_COUNT; r++) {
        uint64_t counted = 0;
        for (int i = 0; i < tix_collector_count(col); i++)
            counted += i == fx ? 0 : tix_collector_stats(col, i)->refused[r];
        assert_int_equal(seen->refused[r], counted);
    }
    /* Exact normalized values, hand-computed (nano-USD per 1M tokens, blend 3:1). */
    s_expect(seen, "good-or/x/gpt-4o", 2250000000, 9000000000, 3937500000); /* 10 % off */
    s_expect(seen, "good-ds/qwen-max", 331200000, 1324800000, 579600000);   /* CNY 2.4/9.6 × 0.138 */
    s_expect(seen, "good-sheet/gpt-4o", 2500000000, 10000000000, 4375000000);
    s_expect(seen, "outlier/gpt-4o", 25000000000, 100000000000, 43750000000);
    s_expect(seen, "market/qwen-max", 340000000, 1350000000, 592500000);
    s_expect(seen, "drop/gpt-4o", 2500000000, 10000000000, 4375000000);
    s_expect(seen, "drop/claude-sonnet-4", 3000000000, 15000000000, 6000000000);
    const tix_quote_t *dk = s_find(seen, "good-dk/deepseek-chat");
    int64_t tod = (dk->recv_ns / TIX_NS_PER_MS) % TIX_MS_PER_DAY;
    bool off = tod >= 59400000 || tod < 1800000; /* [16:30, 00:30) UTC: half price */
    assert_int_equal(dk->input, off ? 138000000 : 276000000);
    assert_int_equal(dk->output, off ? 552000000 : 1104000000);
    /* The drop folder: good files to done/, the bad one to bad/ with its line and reason. */
    assert_true(s_exists("drop/done/a-good.csv") && s_exists("drop/done/c-late.csv"));
    assert_true(s_exists("drop/bad/b-bad.csv"));
    snprintf(path, sizeof path, "%s/drop/bad/b-bad.csv.err", s_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_non_null(strstr(line, "b-bad.csv:3: bad_number: input"));
    tix_collector_destroy(&col);
    tix_norm_destroy(&norm);
    tix_config_destroy(&cfg);
    tix_diag_destroy(&diag);
    free(seen);
}

static int s_teardown(void **state)
{
    (void)state;
    if (s_sim > 0) {
        kill(s_sim, SIGTERM);
        int st;
        waitpid(s_sim, &st, 0);
    }
    return tix_test_dir_destroy(&s_dir);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_e2e_collectors TIX_SIM SRC_DIR\n");
        return 2;
    }
    s_sim_path = argv[1];
    s_src = argv[2];
    s_dir = tix_test_dir_new("e2e");
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_collectors_against_sim)};
    return cmocka_run_group_tests(tests, NULL, s_teardown);
}
