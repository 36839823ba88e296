/* Unit tests for valid configurations: defaults (METHODOLOGY-v1 §15), settings read back, mapping and FX look-ups, includes, the shipped files. */
#include "tix_test.h"

#include "test_config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Loads `text` as dir/x.conf, asserting that it loads without a diagnostic. */
static tix_config_t *s_load_ok(const char *dir, const char *text)
{
    return tix_test_config_ok(tix_test_write(dir, "x.conf", text));
}

static void test_minimal_defaults(void **state)
{
    const char *dir = *state;
    tix_config_t *cfg = s_load_ok(dir, "tiers = ( { id = \"T1\"; } );\n"
                                  "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
                                  "fx = { USD = \"1\"; };\n");
    assert_int_equal(cfg->ntiers, 1);
    const tix_tier_cfg_t *t = &cfg->tiers[0];
    assert_string_equal(t->id, "T1");
    assert_string_equal(t->name, "T1"); /* name defaults to the id */
    assert_int_equal(t->interval_ms, 1000);
    assert_int_equal(t->stale_ms, 180000);
    assert_int_equal(t->w_in, 3);
    assert_int_equal(t->w_out, 1);
    assert_int_equal(t->weighting, TIX_WEIGHT_EQUAL);
    assert_int_equal(t->cap_bp, 3500);
    assert_int_equal(t->min_providers, 3);
    assert_int_equal(t->outlier_k, 3);
    assert_int_equal(t->outlier_band_bp, 500);
    assert_int_equal(t->settle_ms, 28800000); /* 08:00 */
    assert_int_equal(t->window_min, 60);
    assert_int_equal(t->partitions, 12);
    assert_int_equal(cfg->nmapping, 1);
    assert_int_equal(cfg->nfx, 1);
    assert_string_equal(cfg->log_level, "info");
    assert_false(cfg->log_json);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/x.conf", dir);
    assert_string_equal(cfg->path, path); /* the main file, as given */
    tix_config_destroy(&cfg);
    assert_null(cfg);
    tix_config_destroy(&cfg); /* NULL is fine */
}

static void test_partial_groups_take_defaults(void **state)
{
    const char *dir = *state;
    tix_config_t *cfg = s_load_ok(dir, "tiers = ( { id = \"T1\"; blend = { output = 2; };\n"
                                  "            settlement = { time = \"00:00\"; }; } );\n"
                                  "mapping = ( );\n"
                                  "fx = { };\n");
    const tix_tier_cfg_t *t = &cfg->tiers[0];
    assert_int_equal(t->w_in, 3);
    assert_int_equal(t->w_out, 2);
    assert_int_equal(t->settle_ms, 0);
    assert_int_equal(t->window_min, 60);
    assert_int_equal(t->partitions, 12);
    assert_int_equal(cfg->nmapping, 0);
    assert_int_equal(cfg->nfx, 0);
    assert_int_equal(tix_config_map(cfg, "p", "m"), -1);
    assert_int_equal(tix_config_fx(cfg, "USD"), -1);
    tix_config_destroy(&cfg);
}

static void test_methodology_example(void **state)
{
    const char *dir = *state;
    /* METHODOLOGY-v1 §15, verbatim, plus the daemon's log section */
    tix_config_t *cfg = s_load_ok(dir, 
        "tiers = ( { id = \"T1\"; name = \"Frontier chat\"; interval_ms = 1000; stale_ms = 180000;\n"
        "            blend = { input = 3; output = 1; }; weighting = \"equal\"; cap_bp = 3500;\n"
        "            min_providers = 3; outlier_k = 3; outlier_band_bp = 500;\n"
        "            settlement = { time = \"08:00\"; window_min = 60; partitions = 12; }; } );\n"
        "mapping = ( { provider = \"*\"; model = \"*-large*\"; tier = \"T1\"; } );\n"
        "fx = { USD = \"1\"; CNY = \"0.1380\"; };\n"
        "log = { level = \"debug\"; format = \"json\"; };\n");
    assert_string_equal(cfg->tiers[0].name, "Frontier chat");
    assert_int_equal(cfg->tiers[0].settle_ms, 8 * 3600 * 1000);
    assert_int_equal(cfg->tiers[0].weighting, TIX_WEIGHT_EQUAL);
    assert_int_equal(tix_config_map(cfg, "mistral", "mistral-large-2411"), 0);
    assert_int_equal(tix_config_map(cfg, "mistral", "mistral-small"), -1);
    assert_string_equal(cfg->log_level, "debug");
    assert_true(cfg->log_json);
    const config_setting_t *s = tix_config_lookup(cfg, "log.level");
    assert_non_null(s);
    assert_string_equal(config_setting_get_string(s), "debug");
    assert_null(tix_config_lookup(cfg, "storage.archive_dir"));
    tix_config_destroy(&cfg);
}

static void test_settings_read_back(void **state)
{
    const char *dir = *state;
    tix_config_t *cfg = s_load_ok(dir, 
        "tiers = ( { id = \"A\"; interval_ms = 200; stale_ms = 0; weighting = \"volume\";\n"
        "            blend = { input = 0; output = 1; }; cap_bp = 10000; min_providers = 1;\n"
        "            outlier_k = 0; outlier_band_bp = 0;\n"
        "            settlement = { time = \"23:59\"; window_min = 1440; partitions = 1440; }; },\n"
        "          { id = \"b-2_x\"; interval_ms = 86400000; settlement = { time = \"00:00\"; }; } );\n"
        REST_A);
    assert_int_equal(cfg->ntiers, 2);
    const tix_tier_cfg_t *t = &cfg->tiers[0];
    assert_int_equal(t->interval_ms, 200);
    assert_int_equal(t->stale_ms, 0);
    assert_int_equal(t->weighting, TIX_WEIGHT_VOLUME);
    assert_int_equal(t->w_in, 0);
    assert_int_equal(t->w_out, 1);
    assert_int_equal(t->cap_bp, 10000);
    assert_int_equal(t->min_providers, 1);
    assert_int_equal(t->outlier_k, 0);
    assert_int_equal(t->outlier_band_bp, 0);
    assert_int_equal(t->settle_ms, (23 * 60 + 59) * 60000);
    assert_int_equal(t->window_min, 1440);
    assert_int_equal(t->partitions, 1440);
    assert_int_equal(cfg->tiers[1].interval_ms, 86400000);
    assert_int_equal(tix_config_tier_index(cfg, "A"), 0);
    assert_int_equal(tix_config_tier_index(cfg, "b-2_x"), 1);
    assert_int_equal(tix_config_tier_index(cfg, "a"), -1);
    assert_int_equal(tix_config_tier_index(cfg, ""), -1);
    tix_config_destroy(&cfg);
}

static void test_map_first_match_case_sensitive(void **state)
{
    const char *dir = *state;
    tix_config_t *cfg = s_load_ok(dir, 
        "tiers = ( { id = \"SMALL\"; }, { id = \"BIG\"; } );\n"
        "mapping = ( { provider = \"openai\"; model = \"gpt-4o-mini*\"; tier = \"SMALL\"; },\n"
        "            { provider = \"*\"; model = \"gpt-4o*\"; tier = \"BIG\"; },\n"
        "            { provider = \"together\"; model = \"*\"; tier = \"SMALL\"; },\n"
        "            { provider = \"[ab]*\"; model = \"m?\"; tier = \"BIG\"; } );\n"
        "fx = { USD = \"1\"; };\n");
    assert_int_equal(cfg->nmapping, 4);
    int small = tix_config_tier_index(cfg, "SMALL"), big = tix_config_tier_index(cfg, "BIG");
    assert_int_equal(small, 0);
    assert_int_equal(big, 1);
    /* rules 1 and 2 both match: the first wins */
    assert_int_equal(tix_config_map(cfg, "openai", "gpt-4o-mini-2024-07-18"), small);
    assert_int_equal(tix_config_map(cfg, "azure", "gpt-4o-mini"), big);
    /* rules 2 and 3 both match: the first wins, whatever the provider rule's specificity */
    assert_int_equal(tix_config_map(cfg, "together", "gpt-4o"), big);
    assert_int_equal(tix_config_map(cfg, "together", "llama-3-70b"), small);
    /* case-sensitive, for provider and model */
    assert_int_equal(tix_config_map(cfg, "openai", "GPT-4o-mini"), -1);
    assert_int_equal(tix_config_map(cfg, "Together", "llama-3-70b"), -1);
    assert_int_equal(tix_config_map(cfg, "OpenAI", "gpt-4o-mini"), big);
    /* bracket and ? globs; the whole string must match */
    assert_int_equal(tix_config_map(cfg, "beta", "m1"), big);
    assert_int_equal(tix_config_map(cfg, "alpha", "mX"), big);
    assert_int_equal(tix_config_map(cfg, "beta", "m12"), -1);
    assert_int_equal(tix_config_map(cfg, "cloud", "m1"), -1);
    assert_int_equal(tix_config_map(cfg, "openai", "o1"), -1);
    tix_config_destroy(&cfg);
}

static void test_fx_rates(void **state)
{
    const char *dir = *state;
    tix_config_t *cfg = s_load_ok(dir, "tiers = ( { id = \"A\"; } );\n" MAP_A
                                  "fx = { USD = \"1\"; CNY = \"0.1380\"; EUR = 1;\n"
                                  "       JPY = \"0.006543210\"; GBP = \"1.2700000000\";\n"
                                  "       CHF = \"1.1e0\"; KRW = \"0\"; };\n");
    assert_int_equal(cfg->nfx, 7);
    assert_int_equal(tix_config_fx(cfg, "USD"), INT64_C(1000000000));
    assert_int_equal(tix_config_fx(cfg, "CNY"), INT64_C(138000000));
    assert_int_equal(tix_config_fx(cfg, "EUR"), INT64_C(1000000000)); /* integer form */
    assert_int_equal(tix_config_fx(cfg, "JPY"), INT64_C(6543210));
    /* trailing zeros beyond the 9th decimal are exact, so allowed */
    assert_int_equal(tix_config_fx(cfg, "GBP"), INT64_C(1270000000));
    assert_int_equal(tix_config_fx(cfg, "CHF"), INT64_C(1100000000));
    assert_int_equal(tix_config_fx(cfg, "KRW"), 0);
    assert_int_equal(tix_config_fx(cfg, "AUD"), -1);
    assert_int_equal(tix_config_fx(cfg, "cny"), -1);
    assert_int_equal(tix_config_fx(cfg, ""), -1);
    tix_config_destroy(&cfg);
}

static void test_include_relative_to_including_file(void **state)
{
    const char *dir = *state;
    tix_test_write(dir, "inc.conf", "tiers = ( { id = \"A\"; } );\n" REST_A);
    const char *main = tix_test_write(dir, "x.conf", "@include \"inc.conf\"\nlog = { level = \"warn\"; };\n");
    /* from another working directory */
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    tix_diag_t *d = tix_diag_new();
    tix_config_t *cfg = tix_config_load(main, d);
    assert_int_equal(chdir(cwd), 0);
    if (!cfg)
        tix_test_diag_print(d);
    assert_non_null(cfg);
    assert_int_equal(cfg->ntiers, 1);
    assert_string_equal(cfg->log_level, "warn");
    tix_config_destroy(&cfg);
    tix_diag_destroy(&d);
}

static void test_shipped_configs(void **state)
{
    (void)state;
    const char *src = getenv("TIX_SRC");
    if (!src)
        skip();
    static const char *const files[] = {"conf/tiers.conf", "conf/tixd.conf"};
    for (size_t i = 0; i < 2; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", src, files[i]);
        tix_diag_t *d = tix_diag_new();
        tix_config_t *cfg = tix_config_load(path, d);
        if (!cfg)
            tix_test_diag_print(d);
        assert_non_null(cfg);
        assert_int_equal(tix_diag_count(d), 0);
        assert_true(cfg->ntiers > 0);
        assert_int_equal(tix_config_fx(cfg, "USD"), INT64_C(1000000000));
        assert_int_equal(tix_config_fx(cfg, "CNY"), INT64_C(138000000));
        tix_config_destroy(&cfg);
        tix_diag_destroy(&d);
    }
}

/* Each test in a fresh directory of its own (the path in *state). */
#define T(f) cmocka_unit_test_setup_teardown(f, tix_test_dir_setup, tix_test_dir_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_minimal_defaults),
        T(test_partial_groups_take_defaults),
        T(test_methodology_example),
        T(test_settings_read_back),
        T(test_map_first_match_case_sensitive),
        T(test_fx_rates),
        T(test_include_relative_to_including_file),
        T(test_shipped_configs),
    };
    tix_test_filter_from_env();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
