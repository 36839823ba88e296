/* Unit tests for the shipped provider presets: each picks the standard-token price, exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collector_int.h"
#include "tix_collector.h"
#include "tix_config.h"
#include "tix_err.h"
#include "tix_extract.h"
#include "tix_normalize.h"
#include "tix_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const s_providers =
    "@include \"tiers.conf\"\n"
    "@include \"providers.d/presets.inc\"\n"
    "providers = (\n"
    "  { name = \"or\"; kind = \"http_poll\"; url = \"http://127.0.0.1:9/\"; preset = \"openrouter\"; },\n"
    "  { name = \"ds\"; kind = \"http_poll\"; url = \"http://127.0.0.1:9/\"; preset = \"dashscope\"; },\n"
    "  { name = \"ps\"; kind = \"http_poll\"; url = \"http://127.0.0.1:9/\"; preset = \"pricesheet\"; },\n"
    "  { name = \"dk\"; kind = \"http_poll\"; url = \"http://127.0.0.1:9/\"; preset = \"deepseek\";\n"
    "    max_age_ms = 172800000; },\n"
    "  { name = \"mk\"; kind = \"ndjson_stream\"; url = \"http://127.0.0.1:9/\"; preset = \"marketplace\"; },\n"
    "  { name = \"nsp\"; kind = \"http_poll\"; url = \"http://127.0.0.1:9/\"; list = \"prices[*]\";\n"
    "    model = \"model\"; unit = \"1m\"; currency = \"USD\"; input = \"input\"; output = \"output\";\n"
    "    timestamp = \"$.ts\"; timestamp_unit = \"ns\"; max_age_ms = 1000; },\n"
    "  { name = \"nspl\"; kind = \"http_poll\"; url = \"http://127.0.0.1:9/\"; list = \"prices[*]\";\n"
    "    model = \"model\"; unit = \"1m\"; currency = \"USD\"; input = \"input\"; output = \"output\";\n"
    "    timestamp = \"$.ts\"; timestamp_unit = \"ns\"; max_age_ms = 1000L; }\n"
    ");\n";

typedef struct {
    char dir[64];
    tix_config_t *cfg;
    tix_norm_t *norm;
} s_fix_t;

static void s_link(const char *dir, const char *name)
{
    char src[4096], dst[256];
    const char *root = getenv("TIX_SRC");
    assert_non_null(root);
    snprintf(src, sizeof src, "%s/conf/%s", root, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    assert_int_equal(symlink(src, dst), 0);
}

/* A config in a temporary folder beside links to the shipped tiers, presets and preset files. */
static tix_config_t *s_load(s_fix_t *f, const char *text, tix_diag_t *diag)
{
    char path[128];
    snprintf(path, sizeof path, "%s/tix.conf", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
    return tix_config_load(path, diag);
}

static int s_setup(void **state)
{
    s_fix_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/tix-presets-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    s_link(f->dir, "tiers.conf");
    s_link(f->dir, "providers.d");
    tix_diag_t *diag = tix_diag_new();
    f->cfg = s_load(f, s_providers, diag);
    for (size_t i = 0; i < tix_diag_count(diag); i++)
        fprintf(stderr, "%s\n", tix_diag_get(diag, i));
    assert_non_null(f->cfg);
    assert_int_equal(tix_collector_check(f->cfg, diag), 0);
    tix_diag_destroy(&diag);
    f->norm = tix_norm_new(f->cfg);
    assert_non_null(f->norm);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix_t *f = *state;
    tix_norm_destroy(&f->norm);
    tix_config_destroy(&f->cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* The extraction spec of provider `name` (its preset's keys under its own). */
static void s_spec(s_fix_t *f, const char *name, tix_extract_t *x)
{
    const config_setting_t *ps = tix_config_lookup(f->cfg, "providers");
    const config_setting_t *prov = NULL, *preset = NULL;
    const char *pname = NULL;
    for (int i = 0; i < config_setting_length(ps); i++) {
        const config_setting_t *e = config_setting_get_elem(ps, (unsigned)i);
        const char *n;
        if (config_setting_lookup_string(e, "name", &n) && strcmp(n, name) == 0) {
            prov = e;
            if (!config_setting_lookup_string(e, "preset", &pname))
                pname = NULL; /* a provider with its own paths and no preset */
        }
    }
    assert_non_null(prov);
    const config_setting_t *pl = tix_config_lookup(f->cfg, "presets");
    for (int i = 0; pname && i < config_setting_length(pl); i++) {
        const config_setting_t *e = config_setting_get_elem(pl, (unsigned)i);
        const char *n;
        if (config_setting_lookup_string(e, "name", &n) && strcmp(n, pname) == 0)
            preset = e;
    }
    assert_true(preset || !pname);
    tix_diag_t *diag = tix_diag_new();
    assert_int_equal(tix_extract_init(x, prov, preset, "tix.conf", name, diag), 0);
    tix_diag_destroy(&diag);
}

typedef struct {
    s_fix_t *f;
    const tix_extract_t *x;
    const char *provider;
    int64_t recv_ns;
    tix_json_t *json;
    const tix_json_val_t *root;
    int n;
    tix_x_result_t res[8];
    tix_xquote_t q[8];
    tix_norm_error_t err[8];
} s_run_t;

static int s_each(void *arg, const tix_json_val_t *elem)
{
    s_run_t *r = arg;
    assert_true(r->n < 8);
    r->res[r->n] = tix_extract_elem(r->x, r->root, elem, r->provider, r->recv_ns, &r->q[r->n],
                                    &r->err[r->n]);
    r->n++;
    return 0;
}

/* Extracts every element of `json` for provider `name` at ISO time `at`. */
static void s_extract(s_fix_t *f, const char *name, const char *json, const char *at, s_run_t *r,
                      tix_extract_t *x)
{
    memset(r, 0, sizeof *r);
    s_spec(f, name, x);
    r->f = f;
    r->x = x;
    r->provider = name;
    assert_int_equal(tix_time_parse_iso(at, &r->recv_ns), 0);
    r->json = tix_json_new();
    assert_non_null(r->json);
    r->root = tix_json_parse(r->json, json, strlen(json));
    assert_non_null(r->root);
    tix_extract_each(x, r->root, s_each, r);
}

static void s_done(s_run_t *r, tix_extract_t *x)
{
    tix_json_destroy(&r->json);
    tix_extract_fini(x);
}

/* Normalizes quote i and checks USD input, output and blended (nano-USD per 1M tokens). */
static void s_expect(s_run_t *r, int i, int64_t in, int64_t out, int64_t blended)
{
    tix_quote_t q;
    tix_norm_error_t err;
    assert_int_equal(r->res[i], TIX_X_QUOTE);
    int rc = tix_norm_quote(r->f->norm, &r->q[i].raw, &q, &err);
    if (rc != 0)
        fprintf(stderr, "refused: %s\n", err.detail);
    assert_int_equal(rc, 0);
    assert_int_equal(q.input, in);
    assert_int_equal(q.output, out);
    assert_int_equal(q.blended, blended);
}

static void test_openrouter(void **state)
{
    s_run_t r;
    tix_extract_t x;
    s_extract(*state, "or",
              "{\"data\":["
              "{\"id\":\"openai/gpt-4o\",\"pricing\":{\"prompt\":\"0.0000025\",\"completion\":\"0.00001\","
              "\"input_cache_read\":\"0.00000125\",\"discount\":0.1,\"overrides\":[{\"min_prompt_tokens\":"
              "200000,\"prompt\":\"0.000005\",\"completion\":\"0.00002\"}]}},"
              "{\"id\":\"openrouter/auto\",\"pricing\":{\"prompt\":\"-1\",\"completion\":\"-1\"}},"
              "{\"id\":\"x/sonnet-plain\",\"pricing\":{\"prompt\":\"3e-6\",\"completion\":\"0.000015\"}},"
              "{\"id\":\"x/opus-bad\",\"pricing\":{\"prompt\":\"0.000015\",\"completion\":\"0.000075\",\"discount\":\"1.5\"}},"
              "{\"pricing\":{\"prompt\":\"0.000001\"}}]}",
              "2026-11-24T12:00:00Z", &r, &x);
    assert_int_equal(r.n, 5);
    /* 2.50 and 10.00 USD/Mtok less 10 %: 2.25 and 9.00; blend 3:1 = 3.9375; overrides ignored. */
    assert_string_equal(r.q[0].raw.input, "0.00000225");
    assert_string_equal(r.q[0].raw.output, "0.000009");
    assert_string_equal(r.q[0].raw.cached, "0.000001125");
    assert_string_equal(r.q[0].raw.unit, "token");
    assert_string_equal(r.q[0].raw.currency, "USD");
    s_expect(&r, 0, 2250000000, 9000000000, 3937500000);
    assert_int_equal(r.res[1], TIX_X_REFUSED);
    assert_int_equal(r.err[1].reason, TIX_REASON_BAD_NUMBER);
    assert_non_null(strstr(r.err[1].detail, "variable"));
    s_expect(&r, 2, 3000000000, 15000000000, 6000000000);
    assert_int_equal(r.res[3], TIX_X_REFUSED);
    assert_string_equal(r.err[3].field, "discount");
    assert_int_equal(r.res[4], TIX_X_REFUSED);
    assert_int_equal(r.err[4].reason, TIX_REASON_MISSING_FIELD);
    s_done(&r, &x);
}

/* Escapes are unescaped before extraction; an escaped NUL would cut a C string short, so
 * a model id or price holding one is refused, never silently truncated. */
static void test_escapes_and_nul(void **state)
{
    s_run_t r;
    tix_extract_t x;
    s_extract(*state, "or",
              "{\"data\":["
              "{\"id\":\"x\\/caf\\u00e9\",\"pricing\":{\"prompt\":\"0.000\\u0030001\",\"completion\":\"0.000002\"}},"
              "{\"id\":\"x/a\\u0000b\",\"pricing\":{\"prompt\":\"0.000001\",\"completion\":\"0.000002\"}},"
              "{\"id\":\"x/c\",\"pricing\":{\"prompt\":\"0.000001\\u0000\",\"completion\":\"0.000002\"}}]}",
              "2026-11-24T12:00:00Z", &r, &x);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.res[0], TIX_X_QUOTE);
    assert_string_equal(r.q[0].raw.model, "x/caf\xc3\xa9");
    assert_string_equal(r.q[0].raw.input, "0.0000001");
    assert_int_equal(r.res[1], TIX_X_REFUSED);
    assert_int_equal(r.err[1].reason, TIX_REASON_MISSING_FIELD);
    assert_non_null(strstr(r.err[1].detail, "without NUL characters"));
    assert_int_equal(r.res[2], TIX_X_REFUSED);
    assert_int_equal(r.err[2].reason, TIX_REASON_BAD_NUMBER);
    assert_string_equal(r.err[2].field, "input");
    assert_non_null(strstr(r.err[2].detail, "NUL character"));
    s_done(&r, &x);
}

/* FX feed rates are parsed from their whole text: a long rate or one holding an escaped NUL
 * must not be cut to a valid-looking prefix. */
static void test_fx_rate_text(void **state)
{
    (void)state;
    tix_json_t *j = tix_json_new();
    assert_non_null(j);
    const char *doc = "{\"a\":\"0.1380\",\"b\":0.138,\"c\":\"0.1380000000000000000000000000000000000000"
                      "0000000000000000000000000001\",\"d\":\"0.138\\u0000junk\",\"e\":\"0\",\"f\":true}";
    const tix_json_val_t *r = tix_json_parse(j, doc, strlen(doc));
    assert_non_null(r);
    char shown[64];
    int64_t rate = 0;
    assert_int_equal(tix_fx_rate(tix_json_member(r, "a", 1), &rate, shown, sizeof shown), 0);
    assert_int_equal(rate, 138000000);
    assert_string_equal(shown, "0.1380");
    rate = 0;
    assert_int_equal(tix_fx_rate(tix_json_member(r, "b", 1), &rate, shown, sizeof shown), 0);
    assert_int_equal(rate, 138000000);
    assert_int_equal(tix_fx_rate(tix_json_member(r, "c", 1), &rate, shown, sizeof shown), -1);
    assert_int_equal(strlen(shown), sizeof shown - 1);
    assert_string_equal(shown + strlen(shown) - 3, "...");
    assert_int_equal(tix_fx_rate(tix_json_member(r, "d", 1), &rate, shown, sizeof shown), -1);
    assert_string_equal(shown, "0.138...");
    assert_int_equal(tix_fx_rate(tix_json_member(r, "e", 1), &rate, shown, sizeof shown), -1);
    assert_int_equal(tix_fx_rate(tix_json_member(r, "f", 1), &rate, shown, sizeof shown), -1);
    assert_string_equal(shown, "");
    assert_int_equal(tix_fx_rate(NULL, &rate, shown, sizeof shown), -1);
    tix_json_destroy(&j);
}

static void test_discount_rounding(void **state)
{
    (void)state;
    /* price × (1 − d) in 1e-9 fixed point, half away from zero. */
    assert_int_equal(tix_extract_discount(5, 500000000), 3);
    assert_int_equal(tix_extract_discount(3, 500000000), 2);
    assert_int_equal(tix_extract_discount(2500000000, 100000000), 2250000000);
    assert_int_equal(tix_extract_discount(333333333, 333333333), 222222222);
    assert_int_equal(tix_extract_discount(1000000000, 0), 1000000000);
    assert_int_equal(tix_extract_discount(1000000000, 1000000000), 0);
}

static void test_dashscope(void **state)
{
    s_run_t r;
    tix_extract_t x;
    s_extract(*state, "ds",
              "{\"request_id\":\"r\",\"data\":{\"models\":[{\"model\":\"qwen-max\",\"currency\":\"CNY\","
              "\"tiers\":[{\"min_prompt_tokens\":32001,\"input\":0.0048,\"output\":0.0192},"
              "{\"min_prompt_tokens\":0,\"input\":0.0024,\"output\":0.0096}],"
              "\"thinking\":{\"output\":0.0384}},"
              "{\"model\":\"qwen-turbo\",\"tiers\":[{\"min_prompt_tokens\":0,\"input\":0.0003,\"output\":0.0006}]}]}}",
              "2026-11-24T12:00:00Z", &r, &x);
    assert_int_equal(r.n, 2);
    /* Lowest tier: 2.4 and 9.6 CNY/Mtok × 0.1380 = 0.3312 and 1.3248 USD; blend 0.5796. */
    assert_string_equal(r.q[0].raw.input, "0.0024");
    assert_string_equal(r.q[0].raw.unit, "1k");
    assert_string_equal(r.q[0].raw.currency, "CNY");
    s_expect(&r, 0, 331200000, 1324800000, 579600000);
    /* No currency field: the preset's fixed CNY applies. 0.3 and 0.6 CNY → 0.0414, 0.0828. */
    assert_string_equal(r.q[1].raw.currency, "CNY");
    s_expect(&r, 1, 41400000, 82800000, 51750000);
    s_done(&r, &x);
}

static void test_pricesheet(void **state)
{
    const char *sheet =
        "{\"object\":\"price_sheet\",\"updated_at\":\"2026-11-24T12:00:00Z\",\"prices\":["
        "{\"model\":\"gpt-4o\",\"input\":2.50,\"cached_input\":1.25,\"output\":10.00,"
        "\"batch\":{\"input\":1.25,\"output\":5.00},\"flex\":{\"input\":1.25,\"output\":5.0}},"
        "{\"model\":\"gpt-4o-mini\",\"input\":1.5e-1,\"output\":0.6}]}";
    s_run_t r;
    tix_extract_t x;
    s_extract(*state, "ps", sheet, "2026-11-24T12:59:59Z", &r, &x);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.q[0].raw.input, "2.50"); /* the JSON number's own text */
    s_expect(&r, 0, 2500000000, 10000000000, 4375000000);
    s_expect(&r, 1, 150000000, 600000000, 262500000);
    s_done(&r, &x);
    /* An hour and a nanosecond after updated_at, the sheet is stale (max_age_ms 3600000). */
    s_extract(*state, "ps", sheet, "2026-11-24T13:00:00.000000001Z", &r, &x);
    assert_int_equal(r.res[0], TIX_X_STALE);
    s_done(&r, &x);
}

/* Regression: nanosecond timestamps were refused as "not a time" (an ms-only bound). */
static void test_timestamp_ns(void **state)
{
    const char *doc = "{\"ts\":1795521600000000000,\"prices\":[{\"model\":\"gpt-4o\","
                      "\"input\":2.5,\"output\":10}]}";
    s_run_t r;
    tix_extract_t x;
    s_extract(*state, "nsp", doc, "2026-11-24T12:00:00.5Z", &r, &x); /* 0.5 s old */
    assert_int_equal(r.n, 1);
    s_expect(&r, 0, 2500000000, 10000000000, 4375000000);
    s_done(&r, &x);
    s_extract(*state, "nsp", doc, "2026-11-24T12:00:01.000000001Z", &r, &x); /* 1 s + 1 ns */
    assert_int_equal(r.res[0], TIX_X_STALE);
    s_done(&r, &x);
}

/* Regression: `max_age_ms = 1000L` (libconfig's 64-bit form) read as 0, the check off. */
static void test_max_age_l_suffix(void **state)
{
    const char *doc = "{\"ts\":1795521600000000000,\"prices\":[{\"model\":\"gpt-4o\","
                      "\"input\":2.5,\"output\":10}]}";
    s_run_t r;
    tix_extract_t x;
    s_extract(*state, "nspl", doc, "2026-11-24T12:00:01.000000001Z", &r, &x); /* 1 s + 1 ns */
    assert_int_equal(r.res[0], TIX_X_STALE);
    s_done(&r, &x);
}

static const char *s_deepseek_doc =
    "{\"currency\":\"CNY\",\"updated_at\":1795521600,\"models\":[{\"id\":\"deepseek-chat\","
    "\"input_cache_hit\":\"0.5\",\"input_cache_miss\":\"2\",\"output\":\"8\",\"off_peak\":"
    "{\"start_utc\":\"16:30\",\"end_utc\":\"00:30\",\"input_cache_hit\":\"0.25\","
    "\"input_cache_miss\":\"1\",\"output\":\"4\"}}]}";

static void test_deepseek_peak_and_off_peak(void **state)
{
    s_run_t r;
    tix_extract_t x;
    /* Peak (12:00 UTC): cache-miss 2 and 8 CNY → 0.276 and 1.104 USD; blend 0.483. */
    s_extract(*state, "dk", s_deepseek_doc, "2026-11-24T12:00:00Z", &r, &x);
    assert_string_equal(r.q[0].raw.input, "2");
    assert_string_equal(r.q[0].raw.cached, "0.5");
    s_expect(&r, 0, 276000000, 1104000000, 483000000);
    s_done(&r, &x);
    /* Off-peak window wraps midnight: 23:00 and 00:29:59.999 are in it, 00:30 is not. */
    s_extract(*state, "dk", s_deepseek_doc, "2026-11-24T23:00:00Z", &r, &x);
    s_expect(&r, 0, 138000000, 552000000, 241500000);
    s_done(&r, &x);
    s_extract(*state, "dk", s_deepseek_doc, "2026-11-25T00:29:59.999Z", &r, &x);
    assert_string_equal(r.q[0].raw.input, "1");
    s_done(&r, &x);
    s_extract(*state, "dk", s_deepseek_doc, "2026-11-25T00:30:00Z", &r, &x);
    assert_string_equal(r.q[0].raw.input, "2");
    s_done(&r, &x);
}

/* '$' paths are evaluated once a document, not once an element; the parser reuses its
 * memory, so the next document sits at the same address and must not see the last one's. */
static void test_root_paths_per_document(void **state)
{
    s_fix_t *f = *state;
    tix_extract_t x;
    s_spec(f, "dk", &x);
    tix_json_t *j = tix_json_new();
    assert_non_null(j);
    static const char *const docs[] = {
        "{\"currency\":\"CNY\",\"updated_at\":1795521600,\"models\":[{\"id\":\"a\",\"input_cache_miss\":\"2\","
        "\"output\":\"8\"},{\"id\":\"b\",\"input_cache_miss\":\"1\",\"output\":\"4\"}]}",
        "{\"currency\":\"USD\",\"updated_at\":1795521600,\"models\":[{\"id\":\"a\",\"input_cache_miss\":\"2\","
        "\"output\":\"8\"},{\"id\":\"b\",\"input_cache_miss\":\"1\",\"output\":\"4\"}]}",
        /* a repeated root member: the last one counts, for every element */
        "{\"currency\":\"USD\",\"updated_at\":1795521600,\"models\":[{\"id\":\"a\",\"input_cache_miss\":\"2\","
        "\"output\":\"8\"},{\"id\":\"b\",\"input_cache_miss\":\"1\",\"output\":\"4\"}],\"currency\":\"CNY\"}",
    };
    static const char *const want[] = {"CNY", "USD", "CNY"};
    for (int d = 0; d < 3; d++) {
        s_run_t r;
        memset(&r, 0, sizeof r);
        r.f = f;
        r.x = &x;
        r.provider = "dk";
        assert_int_equal(tix_time_parse_iso("2026-11-24T12:00:00Z", &r.recv_ns), 0);
        r.root = tix_json_parse(j, docs[d], strlen(docs[d]));
        assert_non_null(r.root);
        tix_extract_each(&x, r.root, s_each, &r);
        assert_int_equal(r.n, 2);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(r.res[i], TIX_X_QUOTE);
            assert_string_equal(r.q[i].raw.currency, want[d]);
        }
    }
    tix_json_destroy(&j);
    tix_extract_fini(&x);
}

static void test_marketplace_lines(void **state)
{
    s_run_t r;
    tix_extract_t x;
    s_extract(*state, "mk",
              "{\"type\":\"trade\",\"model\":\"qwen-max\",\"price\":\"0.34\",\"qty\":25000,\"ts\":1795521600000}",
              "2026-11-24T12:00:00Z", &r, &x);
    assert_int_equal(r.res[0], TIX_X_TRADE);
    assert_string_equal(r.q[0].raw.volume, "25000");
    s_done(&r, &x);
    s_extract(*state, "mk",
              "{\"type\":\"quote\",\"model\":\"qwen-max\",\"input\":\"0.34\",\"output\":\"1.35\",\"ts\":1795521600000}",
              "2026-11-24T12:00:00Z", &r, &x);
    s_expect(&r, 0, 340000000, 1350000000, 592500000);
    s_done(&r, &x);
    s_extract(*state, "mk", "{\"type\":\"hello\"}", "2026-11-24T12:00:00Z", &r, &x);
    assert_int_equal(r.res[0], TIX_X_IGNORED);
    s_done(&r, &x);
}

static void test_payload_errors_are_named(void **state)
{
    s_run_t r;
    tix_extract_t x;
    s_extract(*state, "ps",
              "{\"updated_at\":\"2026-11-24T12:00:00Z\",\"prices\":[{\"model\":\"m\",\"input\":{\"usd\":1},\"output\":1}]}",
              "2026-11-24T12:00:00Z", &r, &x);
    assert_int_equal(r.res[0], TIX_X_REFUSED);
    assert_int_equal(r.err[0].reason, TIX_REASON_BAD_NUMBER);
    assert_string_equal(r.err[0].field, "input");
    assert_non_null(strstr(r.err[0].detail, "got object"));
    s_done(&r, &x);
    s_extract(*state, "ps",
              "{\"updated_at\":\"yesterday\",\"prices\":[{\"model\":\"m\",\"input\":1,\"output\":1}]}",
              "2026-11-24T12:00:00Z", &r, &x);
    assert_int_equal(r.err[0].reason, TIX_REASON_BAD_NUMBER);
    assert_string_equal(r.err[0].field, "timestamp");
    s_done(&r, &x);
}

static void test_config_errors(void **state)
{
    s_fix_t *f = *state;
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = s_load(f,
                               "@include \"tiers.conf\"\n@include \"providers.d/presets.inc\"\n"
                               "providers = (\n"
                               "  { name = \"a\"; kind = \"http_poll\"; url = \"http://127.0.0.1:9/\"; preset = \"opnrouter\"; },\n"
                               "  { name = \"b\"; kind = \"http_poll\"; url = \"ftp://x\"; preset = \"openrouter\"; input = \"p[\"; },\n"
                               "  { name = \"a\"; kind = \"csv_file\"; }\n"
                               ");\n",
                               diag);
    assert_non_null(cfg);
    assert_int_equal(tix_collector_check(cfg, diag), 5);
    const char *want[] = {"tix.conf:4: providers[0].preset: no preset named \"opnrouter\"",
                          "tix.conf:5: providers[1].url: http_poll needs an http:// or https:// url",
                          "tix.conf:5: providers[1].input: JSON path \"p[\"",
                          "tix.conf:6: providers[2].path: csv_file needs a path",
                          "tix.conf:6: providers[2].name: duplicate provider name \"a\""};
    for (size_t i = 0; i < 5; i++) {
        const char *got = tix_diag_get(diag, i);
        assert_non_null(got);
        assert_non_null(strstr(got, want[i]) ? got : (fprintf(stderr, "got: %s\n", got), NULL));
    }
    tix_config_destroy(&cfg);
    tix_diag_destroy(&diag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_openrouter, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_escapes_and_nul, s_setup, s_teardown),
        cmocka_unit_test(test_discount_rounding),
        cmocka_unit_test(test_fx_rate_text),
        cmocka_unit_test_setup_teardown(test_dashscope, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_pricesheet, s_setup, s_teardown),

        cmocka_unit_test_setup_teardown(test_max_age_l_suffix, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_timestamp_ns, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_deepseek_peak_and_off_peak, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_root_paths_per_document, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_marketplace_lines, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_payload_errors_are_named, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_config_errors, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
