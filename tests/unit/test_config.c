/* Unit tests for configuration loading: every validation message, exact text with file:line (valid ones: test_config_valid.c). */
#include "tix_test.h"

#include "test_config.h"
#include "tix_err.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The per-test temporary directory, removed with its files after each test. */
static char *s_dir;
/* The diagnostics of s_expect_file, freed by teardown too so a failed assertion leaks nothing. */
static tix_diag_t *s_diag;

static int s_setup(void **state)
{
    (void)state;
    s_dir = tix_test_dir_new("test-config");
    tix_err_clear();
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    tix_diag_destroy(&s_diag);
    return tix_test_dir_destroy(&s_dir);
}

/* Writes `text` to s_dir/name; returns the path. */
static const char *s_write(const char *name, const char *text)
{
    return tix_test_write(s_dir, name, text);
}

static void s_dump(const tix_diag_t *d)
{
    for (size_t i = 0; i < tix_diag_count(d); i++)
        print_message("  got[%zu]: %s\n", i, tix_diag_get(d, i));
}

/* Loads `path` and asserts that it fails with exactly the messages `want` (NULL-terminated,
 * each relative to s_dir: "x.conf:3: ..." means "<s_dir>/x.conf:3: ..."), in that order,
 * and that tix_err() holds the first. */
static void s_expect_file(const char *path, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    tix_diag_destroy(&s_diag);
    tix_diag_t *d = s_diag = tix_diag_new();
    assert_non_null(d);
    tix_err_clear();
    tix_config_t *cfg = tix_config_load(path, d);
    bool same = cfg == NULL && tix_diag_count(d) == n;
    char exp[4096];
    for (size_t i = 0; same && i < n; i++) {
        snprintf(exp, sizeof exp, "%s/%s", s_dir, want[i]);
        same = strcmp(tix_diag_get(d, i), exp) == 0;
    }
    if (!same) {
        for (size_t i = 0; i < n; i++)
            print_message("  want[%zu]: %s/%s\n", i, s_dir, want[i]);
        s_dump(d);
    }
    assert_null(cfg);
    for (size_t i = 0; i < n && i < tix_diag_count(d); i++) {
        snprintf(exp, sizeof exp, "%s/%s", s_dir, want[i]);
        assert_string_equal(tix_diag_get(d, i), exp);
    }
    assert_int_equal(tix_diag_count(d), n);
    snprintf(exp, sizeof exp, "%s/%s", s_dir, want[0]);
    assert_string_equal(tix_err(), exp);
    tix_diag_destroy(&s_diag);
}

static void s_expect(const char *text, const char *const *want)
{
    s_expect_file(s_write("x.conf", text), want);
}

#define EXPECT(text, ...) s_expect((text), (const char *const[]){__VA_ARGS__, NULL})

/* ---------------------------------------------------------------- unknown keys */

static void test_unknown_key_with_suggestion(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "            name = \"a\";\n"
           "            intervl_ms = 1000; } );\n" MAP_A FX_USD,
           "x.conf:3: tiers[0].intervl_ms: unknown key 'intervl_ms' (did you mean 'interval_ms'?)");
}

static void test_unknown_key_nested_with_suggestion(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "  settlement = { time = \"08:00\"; windw_min = 60; }; } );\n" REST_A,
           "x.conf:2: tiers[0].settlement.windw_min: unknown key 'windw_min' (did you mean "
           "'window_min'?)");
}

static void test_unknown_key_no_close_match(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "            colour = \"red\"; } );\n" REST_A,
           "x.conf:2: tiers[0].colour: unknown key 'colour'");
}

static void test_unknown_top_level_section(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" REST_A "database = { host = \"db\"; };\n",
           "x.conf:4: database: unknown key 'database'");
}

static void test_unknown_top_level_section_with_suggestion(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" REST_A "publsher = { heartbeat_ms = 1000; };\n",
           "x.conf:4: publsher: unknown key 'publsher' (did you mean 'publisher'?)");
}

/* ---------------------------------------------------------------- wrong types */

static void test_type_string_for_integer(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "            interval_ms = \"1000\"; } );\n" REST_A,
           "x.conf:2: tiers[0].interval_ms: must be an integer");
}

static void test_type_float_for_integer(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; cap_bp = 3500.0; } );\n" REST_A,
           "x.conf:1: tiers[0].cap_bp: must be an integer");
}

static void test_type_integer_for_string(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "            weighting = 1; } );\n" REST_A,
           "x.conf:2: tiers[0].weighting: must be a string");
}

static void test_type_float_fx_rate(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A "fx = { USD = \"1\";\n"
           "       CNY = 0.1380; };\n",
           "x.conf:4: fx.CNY: must be a decimal string such as \"0.1380\" (floating-point "
           "values are not exact)");
}

static void test_type_not_a_group(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; blend = 3; } );\n" REST_A,
           "x.conf:1: tiers[0].blend: must be a group { ... }");
}

static void test_type_not_a_list(void **state)
{
    (void)state;
    /* tiers unusable: the semantic pass (and so the mapping check) does not run */
    EXPECT("tiers = { id = \"A\"; };\n" REST_A,
           "x.conf:1: tiers: must be a list of groups ( { ... }, ... )");
}

static void test_type_list_element_not_a_group(void **state)
{
    (void)state;
    EXPECT("tiers = ( \"B\",\n"
           "          { id = \"A\"; } );\n" REST_A,
           "x.conf:1: tiers[0]: must be a group { ... }");
}

static void test_type_fx_not_a_group(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A "fx = ( \"1\" );\n",
           "x.conf:3: fx: must be a group of NAME = \"decimal\" entries");
}

static void test_type_bool(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" REST_A
           "providers = ( { name = \"p\"; kind = \"csv_file\";\n"
           "                enabled = \"yes\"; } );\n",
           "x.conf:5: providers[0].enabled: must be true or false");
}

static void test_type_list_of_strings(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" REST_A
           "publisher = { line_a = [ \"tcp://*:5555\" ];\n"
           "              line_b = 5; };\n",
           "x.conf:5: publisher.line_b: must be a list of strings [ \"...\", ... ]");
}

/* ---------------------------------------------------------------- ranges and choices */

static void test_range_interval_ms_below_100(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "            interval_ms = 99; } );\n" REST_A,
           "x.conf:2: tiers[0].interval_ms: 99 is out of range [100, 86400000]");
}

static void test_range_partitions_zero(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "  settlement = { time = \"08:00\"; window_min = 60;\n"
           "                 partitions = 0; }; } );\n" REST_A,
           "x.conf:3: tiers[0].settlement.partitions: 0 is out of range [1, 1440]");
}

static void test_range_cap_bp_above_10000(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; cap_bp = 10001; } );\n" REST_A,
           "x.conf:1: tiers[0].cap_bp: 10001 is out of range [1, 10000]");
}

static void test_range_negative(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; outlier_k = -1; } );\n" REST_A,
           "x.conf:1: tiers[0].outlier_k: -1 is out of range [0, 1000]");
}

static void test_range_string_length(void **state)
{
    (void)state;
    /* 32 characters: one more than TIX_TIER_ID_MAX - 1 */
    EXPECT("tiers = ( { id = \"A\"; },\n"
           "          { id = \"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\"; } );\n" REST_A,
           "x.conf:2: tiers[1].id: length 32 is out of range [1, 31]");
}

static void test_choice_weighting(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "            weighting = \"vol\"; } );\n" REST_A,
           "x.conf:2: tiers[0].weighting: \"vol\" is not one of \"equal\", \"volume\"");
}

static void test_choice_daemon_sections(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" REST_A
           "providers = ( { name = \"p\"; kind = \"http\"; } );\n"
           "log = { level = \"verbose\"; format = \"text\"; };\n",
           "x.conf:4: providers[0].kind: \"http\" is not one of \"http_poll\", \"ndjson_stream\", "
           "\"csv_file\", \"zmq_ingest\"",
           "x.conf:5: log.level: \"verbose\" is not one of \"debug\", \"info\", \"warn\", \"error\"");
}

/* ---------------------------------------------------------------- tiers and mapping */

static void test_duplicate_tier_id(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; },\n"
           "          { id = \"B\"; },\n"
           "          { id = \"A\"; } );\n" REST_A,
           "x.conf:3: tiers[2].id: duplicate tier id \"A\" (also tiers[0])");
}

static void test_tier_id_characters(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; }, { id = \"B C\"; } );\n" REST_A,
           "x.conf:1: tiers[1].id: \"B C\" may hold only letters, digits, '_' and '-'");
}

static void test_no_tiers(void **state)
{
    (void)state;
    EXPECT("tiers = ( );\n"
           "mapping = ( );\n" FX_USD,
           "x.conf:1: tiers: at least one tier is needed");
}

static void test_mapping_unknown_tier(void **state)
{
    (void)state;
    /* tier ids are case-sensitive */
    EXPECT("tiers = ( { id = \"A\"; } );\n"
           "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"A\"; },\n"
           "            { provider = \"*\"; model = \"*\"; tier = \"a\"; } );\n" FX_USD,
           "x.conf:3: mapping[1].tier: unknown tier \"a\"");
}

static void test_partitions_not_dividing_window(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "  settlement = { time = \"08:00\"; window_min = 60;\n"
           "                 partitions = 7; }; } );\n" REST_A,
           "x.conf:3: tiers[0].settlement.partitions: 7 does not divide window_min 60");
}

static void test_window_not_divided_by_default_partitions(void **state)
{
    (void)state;
    /* no partitions key: the default 12 is reported at the settlement group */
    EXPECT("tiers = ( { id = \"A\";\n"
           "  settlement = { window_min = 50; }; } );\n" REST_A,
           "x.conf:2: tiers[0].settlement.partitions: 12 does not divide window_min 50");
}

static void test_settlement_time_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {"8:00", "24:00", "08:60", "0800", "", "ab:cd", "08-00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512], want[512];
        snprintf(text, sizeof text,
                 "tiers = ( { id = \"A\";\n"
                 "  settlement = { time = \"%s\"; }; } );\n" REST_A,
                 bad[i]);
        snprintf(want, sizeof want,
                 "x.conf:2: tiers[0].settlement.time: \"%s\" is not HH:MM (00:00 to 23:59 UTC)",
                 bad[i]);
        s_expect(text, (const char *const[]){want, NULL});
    }
}

static void test_interval_not_dividing_day(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "            interval_ms = 7000; } );\n" REST_A,
           "x.conf:2: tiers[0].interval_ms: 7000 does not divide a day (86400000 ms)");
}

static void test_interval_not_dividing_settlement_time(void **state)
{
    (void)state;
    /* 1 h divides a day but not 08:30 */
    EXPECT("tiers = ( { id = \"A\";\n"
           "            interval_ms = 3600000;\n"
           "            settlement = { time = \"08:30\"; }; } );\n" REST_A,
           "x.conf:2: tiers[0].interval_ms: 3600000 does not divide the settlement time of day, "
           "so the settlement instant would fall between ticks");
}

static void test_interval_not_dividing_default_settlement_time(void **state)
{
    (void)state;
    /* 18 min = 1080000 ms divides a day (80 times) but not the default 08:00 (480 min) */
    EXPECT("tiers = ( { id = \"A\"; interval_ms = 1080000; } );\n" REST_A,
           "x.conf:1: tiers[0].interval_ms: 1080000 does not divide the settlement time of day, "
           "so the settlement instant would fall between ticks");
}

static void test_blend_zero(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\";\n"
           "            blend = { input = 0; output = 0; }; } );\n" REST_A,
           "x.conf:2: tiers[0].blend: input + output must be > 0");
}

/* ---------------------------------------------------------------- fx */

static void test_fx_more_than_9_decimals(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A "fx = { USD = \"1\";\n"
           "       CNY = \"0.1380000001\"; };\n",
           "x.conf:4: fx.CNY: rate \"0.1380000001\" has more than 9 decimals");
}

static void test_fx_currency_code(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A "fx = { USD = \"1\";\n"
           "       cny = \"0.1380\";\n"
           "       USDT = \"1\"; };\n",
           "x.conf:4: fx.cny: currency must be a 3-letter ISO 4217 code in capitals",
           "x.conf:5: fx.USDT: currency must be a 3-letter ISO 4217 code in capitals");
}

static void test_fx_not_a_decimal(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A "fx = { USD = \"1\";\n"
           "       CNY = \"-0.138\";\n"
           "       EUR = \"one\";\n"
           "       GBP = \"\";\n"
           "       JPY = \"NaN\";\n"
           "       CHF = \"1e30\"; };\n",
           "x.conf:4: fx.CNY: rate \"-0.138\" is not a non-negative decimal (negative)",
           "x.conf:5: fx.EUR: rate \"one\" is not a non-negative decimal (garbage)",
           "x.conf:6: fx.GBP: rate \"\" is not a non-negative decimal (empty)",
           "x.conf:7: fx.JPY: rate \"NaN\" is not a non-negative decimal (nan)",
           "x.conf:8: fx.CHF: rate \"1e30\" is not a non-negative decimal (overflow)");
}

static void test_fx_integer_out_of_range(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A "fx = { USD = 1;\n"
           "       CNY = -1; };\n",
           "x.conf:4: fx.CNY: rate -1 is out of range");
}

/* ---------------------------------------------------------------- required keys */

static void test_missing_tiers(void **state)
{
    (void)state;
    /* the root group has no line of its own */
    EXPECT(REST_A, "x.conf: missing required key 'tiers'");
}

static void test_missing_mapping(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" FX_USD, "x.conf: missing required key 'mapping'");
}

static void test_missing_fx(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A, "x.conf: missing required key 'fx'");
}

static void test_missing_tier_id(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; },\n"
           "          { name = \"no id\"; } );\n" REST_A,
           "x.conf:2: tiers[1]: missing required key 'id'");
}

static void test_missing_mapping_provider(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n"
           "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"A\"; },\n"
           "            { model = \"*\"; tier = \"A\"; } );\n" FX_USD,
           "x.conf:3: mapping[1]: missing required key 'provider'");
}

static void test_missing_mapping_model(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n"
           "mapping = ( { provider = \"*\"; tier = \"A\"; } );\n" FX_USD,
           "x.conf:2: mapping[0]: missing required key 'model'");
}

/* ---------------------------------------------------------------- files and syntax */

static void test_syntax_error(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A "fx = { USD = \"1\"; ;\n",
           "x.conf:3: syntax error");
}

static void test_duplicate_setting(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" REST_A FX_USD, "x.conf:4: duplicate setting name");
}

static void test_cannot_open(void **state)
{
    (void)state;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/missing.conf", s_dir);
    s_expect_file(path, (const char *const[]){
                            "missing.conf: cannot open: No such file or directory", NULL});
}


/* Regression: messages about an @include'd file name it as written in the @include
 * ("inc.conf:2: ..."), relative to the including file's folder rather than to the cwd, while
 * the main file is named as given. They should name a path the user can open. */
static void test_include_error_full_path(void **state)
{
    (void)state;
    s_write("inc.conf", "tiers = ( { id = \"A\";\n"
                        "            intervl_ms = 1000; } );\n");
    s_expect_file(s_write("x.conf", "@include \"inc.conf\"\n" REST_A),
                  (const char *const[]){"inc.conf:2: tiers[0].intervl_ms: unknown key "
                                        "'intervl_ms' (did you mean 'interval_ms'?)",
                                        NULL});
}

static void test_include_syntax_error_full_path(void **state)
{
    (void)state;
    s_write("inc.conf", "tiers = ( { id = \"A\";\n"
                        "            interval_ms = = 1000; } );\n");
    s_expect_file(s_write("x.conf", "@include \"inc.conf\"\n" REST_A),
                  (const char *const[]){"inc.conf:2: syntax error", NULL});
}

/* ---------------------------------------------------------------- several errors */

static void test_all_errors_reported_in_order(void **state)
{
    (void)state;
    /* Schema problems first in the file, then problems found by the semantic pass, so that
     * file order and report order agree (see test_errors_in_file_order for the mixed case). */
    EXPECT("log = { level = \"loud\"; };\n"                                             /* 1 */
           "providers = ( { name = \"p\"; kind = \"csv_file\"; timeout_ms = 5; } );\n"  /* 2 */
           "tiers = ( { id = \"A\"; intervl_ms = 1000; cap_bp = 0;\n"                   /* 3 */
           "            settlement = { partitions = 7; }; },\n"                         /* 4 */
           "          { id = \"A\"; blend = { input = 0; output = 0; }; } );\n"         /* 5 */
           "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"B\"; } );\n"        /* 6 */
           "fx = { USD = \"1\"; CNY = \"0.1234567891\"; };\n",                          /* 7 */
           "x.conf:1: log.level: \"loud\" is not one of \"debug\", \"info\", \"warn\", \"error\"",
           "x.conf:2: providers[0].timeout_ms: 5 is out of range [10, 600000]",
           "x.conf:3: tiers[0].intervl_ms: unknown key 'intervl_ms' (did you mean 'interval_ms'?)",
           "x.conf:3: tiers[0].cap_bp: 0 is out of range [1, 10000]",
           "x.conf:4: tiers[0].settlement.partitions: 7 does not divide window_min 60",
           "x.conf:5: tiers[1].id: duplicate tier id \"A\" (also tiers[0])",
           "x.conf:5: tiers[1].blend: input + output must be > 0",
           "x.conf:6: mapping[0].tier: unknown tier \"B\"",
           "x.conf:7: fx.CNY: rate \"0.1234567891\" has more than 9 decimals");
}

/* KNOWN ISSUE: the schema pass reports all its problems before the semantic pass reports
 * any, so a semantic error on line 1 is listed after a schema error on line 3. */
static void test_errors_in_file_order(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; blend = { input = 0; output = 0; }; } );\n" REST_A
           "colour = \"red\";\n",
           "x.conf:1: tiers[0].blend: input + output must be > 0",
           "x.conf:4: colour: unknown key 'colour'");
}

/* ---------------------------------------------------------------- fixed bugs in core/ */

/* Regression (was a crash): a mapping rule without `tier` makes s_mapping call s_fail with a NULL
 * setting; tix_schema_where dereferences it (UBSan: member access within null pointer;
 * SIGSEGV without sanitizers). */
static void test_mapping_missing_tier(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n"
           "mapping = ( { provider = \"*\"; model = \"*\"; } );\n" FX_USD,
           "x.conf:2: mapping[0]: missing required key 'tier'");
}

/* Regression (was a crash): same NULL dereference when a mapping element is not a group. */
static void test_mapping_element_not_a_group(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n"
           "mapping = ( \"A\" );\n" FX_USD,
           "x.conf:2: mapping[0]: must be a group { ... }");
}

/* Regression: one mistake, several messages — the semantic pass reads a mistyped or
 * out-of-range value as a default/raw value and reports a second, misleading problem. */
static void test_one_error_one_message(void **state)
{
    (void)state;
    /* tier = 5 also gives: mapping[0].tier: unknown tier "" */
    EXPECT("tiers = ( { id = \"A\"; } );\n"
           "mapping = ( { provider = \"*\"; model = \"*\"; tier = 5; } );\n" FX_USD,
           "x.conf:2: mapping[0].tier: must be a string");
    /* id = 5 also gives: tiers[1].id: "" may hold only letters, digits, '_' and '-' */
    EXPECT("tiers = ( { id = \"A\"; }, { id = 5; } );\n" REST_A,
           "x.conf:1: tiers[1].id: must be a string");
    /* also gives: tiers[0].interval_ms: 100000000 does not divide a day (86400000 ms) */
    EXPECT("tiers = ( { id = \"A\"; interval_ms = 100000000; } );\n" REST_A,
           "x.conf:1: tiers[0].interval_ms: 100000000 is out of range [100, 86400000]");
    /* also gives: tiers[0].settlement.partitions: 12 does not divide window_min 2000 */
    EXPECT("tiers = ( { id = \"A\"; settlement = { window_min = 2000; }; } );\n" REST_A,
           "x.conf:1: tiers[0].settlement.window_min: 2000 is out of range [1, 1440]");
    /* also gives: tiers[0].settlement.time: "08:00:00:00" is not HH:MM (...) */
    EXPECT("tiers = ( { id = \"A\"; settlement = { time = \"08:00:00:00\"; }; } );\n" REST_A,
           "x.conf:1: tiers[0].settlement.time: length 11 is out of range [0, 8]");
    /* tiers[2] is reported twice: also tiers[0] and also tiers[1] */
    EXPECT("tiers = ( { id = \"A\"; }, { id = \"A\"; }, { id = \"A\"; } );\n" REST_A,
           "x.conf:1: tiers[1].id: duplicate tier id \"A\" (also tiers[0])",
           "x.conf:1: tiers[2].id: duplicate tier id \"A\" (also tiers[0])");
}

/* Regression (was a wrong message): any GARBAGE made only of digits, signs and dots is called
 * "more than 9 decimals" ("1.2.3", ".", "+-1.5"). */
static void test_fx_malformed_not_called_too_precise(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A "fx = { USD = \"1\"; CNY = \"1.2.3\"; };\n",
           "x.conf:3: fx.CNY: rate \"1.2.3\" is not a non-negative decimal (garbage)");
}

/* Regression (was a poor message): the "did you mean" limit is at least 2 edits, so any unknown
 * name of 1 to 3 characters is matched to a short key it shares nothing with
 * ("ab" -> 'fx', "zz" -> 'id', "foo" -> 'fx'). */
static void test_no_far_fetched_suggestion(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" REST_A "ab = 1;\n",
           "x.conf:4: ab: unknown key 'ab'");
}

/* Regression (was a poor message): a boolean fx value is told "floating-point values are not
 * exact". */
/* Regression: an integer rate out of range was still multiplied (signed overflow). */
static void test_fx_integer_rate_out_of_range(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A "fx = { USD = 1; CNY = 10000000000L; };\n",
           "x.conf:3: fx.CNY: rate 10000000000 is out of range");
}

static void test_fx_bool_message(void **state)
{
    (void)state;
    EXPECT("tiers = ( { id = \"A\"; } );\n" MAP_A "fx = { USD = true; };\n",
           "x.conf:3: fx.USD: must be a decimal string such as \"0.1380\"");
}

/* ---------------------------------------------------------------- API details */

static void test_null_diag_still_sets_err(void **state)
{
    (void)state;
    const char *path = s_write("x.conf", "tiers = ( { id = \"A\"; cap_bp = 0; } );\n" REST_A);
    tix_err_clear();
    assert_null(tix_config_load(path, NULL));
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want, "%s/x.conf:1: tiers[0].cap_bp: 0 is out of range [1, 10000]",
             s_dir);
    assert_string_equal(tix_err(), want);
    /* semantic-pass errors too */
    path = s_write("y.conf", "tiers = ( { id = \"A\"; interval_ms = 7000; } );\n" REST_A);
    assert_null(tix_config_load(path, NULL));
    snprintf(want, sizeof want,
             "%s/y.conf:1: tiers[0].interval_ms: 7000 does not divide a day (86400000 ms)", s_dir);
    assert_string_equal(tix_err(), want);
}

static void test_diag_is_appended(void **state)
{
    (void)state;
    tix_diag_t *d = tix_diag_new();
    tix_diag_add(d, "earlier");
    const char *path = s_write("x.conf", "tiers = ( { id = \"A\"; cap_bp = 0; } );\n" REST_A);
    assert_null(tix_config_load(path, d));
    assert_int_equal(tix_diag_count(d), 2);
    assert_string_equal(tix_diag_get(d, 0), "earlier");
    assert_string_equal(tix_err(), tix_diag_get(d, 1));
    tix_diag_destroy(&d);
}

#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_unknown_key_with_suggestion),
        T(test_unknown_key_nested_with_suggestion),
        T(test_unknown_key_no_close_match),
        T(test_unknown_top_level_section),
        T(test_unknown_top_level_section_with_suggestion),
        T(test_type_string_for_integer),
        T(test_type_float_for_integer),
        T(test_type_integer_for_string),
        T(test_type_float_fx_rate),
        T(test_type_not_a_group),
        T(test_type_not_a_list),
        T(test_type_list_element_not_a_group),
        T(test_type_fx_not_a_group),
        T(test_type_bool),
        T(test_type_list_of_strings),
        T(test_range_interval_ms_below_100),
        T(test_range_partitions_zero),
        T(test_range_cap_bp_above_10000),
        T(test_range_negative),
        T(test_range_string_length),
        T(test_choice_weighting),
        T(test_choice_daemon_sections),
        T(test_duplicate_tier_id),
        T(test_tier_id_characters),
        T(test_no_tiers),
        T(test_mapping_unknown_tier),
        T(test_partitions_not_dividing_window),
        T(test_window_not_divided_by_default_partitions),
        T(test_settlement_time_malformed),
        T(test_interval_not_dividing_day),
        T(test_interval_not_dividing_settlement_time),
        T(test_interval_not_dividing_default_settlement_time),
        T(test_blend_zero),
        T(test_fx_more_than_9_decimals),
        T(test_fx_currency_code),
        T(test_fx_not_a_decimal),
        T(test_fx_integer_out_of_range),
        T(test_missing_tiers),
        T(test_missing_mapping),
        T(test_missing_fx),
        T(test_missing_tier_id),
        T(test_missing_mapping_provider),
        T(test_missing_mapping_model),
        T(test_syntax_error),
        T(test_duplicate_setting),
        T(test_cannot_open),
        T(test_include_error_full_path),
        T(test_include_syntax_error_full_path),
        T(test_all_errors_reported_in_order),
        T(test_errors_in_file_order),
        T(test_mapping_missing_tier),
        T(test_mapping_element_not_a_group),
        T(test_one_error_one_message),
        T(test_fx_malformed_not_called_too_precise),
        T(test_no_far_fetched_suggestion),
        T(test_fx_bool_message),
        T(test_fx_integer_rate_out_of_range),
        T(test_null_diag_still_sets_err),
        T(test_diag_is_appended),
    };
    tix_test_filter_from_env();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
