/* Unit tests for configuration loading: every validation message (exact text, file:line), defaults (METHODOLOGY-v1 §15), mapping and FX look-ups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_config.h"
#include "tix_diag.h"
#include "tix_err.h"
#include "tix_test_file.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The per-test temporary directory (mkdtemp), removed with its files after each test. */
static char s_dir[512];
/* The diagnostics of s_expect_file, freed by teardown too so a failed assertion leaks nothing. */
static tix_diag_t *s_diag;

static int s_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(s_dir, sizeof s_dir, "%s/tix-test-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s_dir))
        return -1;
    tix_err_clear();
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    tix_diag_destroy(&s_diag);
    DIR *d = opendir(s_dir);
    if (!d)
        return -1;
    struct dirent *e;
    char p[PATH_MAX + 256];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", s_dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    return rmdir(s_dir);
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

/* Loads `text` as x.conf and asserts success. */
static tix_config_t *s_load_ok(const char *text)
{
    tix_diag_t *d = tix_diag_new();
    tix_config_t *cfg = tix_config_load(s_write("x.conf", text), d);
    if (!cfg)
        s_dump(d);
    assert_non_null(cfg);
    assert_int_equal(tix_diag_count(d), 0);
    tix_diag_destroy(&d);
    return cfg;
}

/* The lines after the tiers, for configs whose only tier is "A" (lines 2 and 3). */
#define MAP_A "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"A\"; } );\n"
#define FX_USD "fx = { USD = \"1\"; };\n"
#define REST_A MAP_A FX_USD

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

/* ---------------------------------------------------------------- valid configurations */

static void test_minimal_defaults(void **state)
{
    (void)state;
    tix_config_t *cfg = s_load_ok("tiers = ( { id = \"T1\"; } );\n"
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
    snprintf(path, sizeof path, "%s/x.conf", s_dir);
    assert_string_equal(cfg->path, path); /* the main file, as given */
    tix_config_destroy(&cfg);
    assert_null(cfg);
    tix_config_destroy(&cfg); /* NULL is fine */
}

static void test_partial_groups_take_defaults(void **state)
{
    (void)state;
    tix_config_t *cfg = s_load_ok("tiers = ( { id = \"T1\"; blend = { output = 2; };\n"
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
    (void)state;
    /* METHODOLOGY-v1 §15, verbatim, plus the daemon's log section */
    tix_config_t *cfg = s_load_ok(
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
    (void)state;
    tix_config_t *cfg = s_load_ok(
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
    (void)state;
    tix_config_t *cfg = s_load_ok(
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
    (void)state;
    tix_config_t *cfg = s_load_ok("tiers = ( { id = \"A\"; } );\n" MAP_A
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
    (void)state;
    s_write("inc.conf", "tiers = ( { id = \"A\"; } );\n" REST_A);
    const char *main = s_write("x.conf", "@include \"inc.conf\"\nlog = { level = \"warn\"; };\n");
    /* from another working directory */
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    tix_diag_t *d = tix_diag_new();
    tix_config_t *cfg = tix_config_load(main, d);
    assert_int_equal(chdir(cwd), 0);
    if (!cfg)
        s_dump(d);
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
            s_dump(d);
        assert_non_null(cfg);
        assert_int_equal(tix_diag_count(d), 0);
        assert_true(cfg->ntiers > 0);
        assert_int_equal(tix_config_fx(cfg, "USD"), INT64_C(1000000000));
        assert_int_equal(tix_config_fx(cfg, "CNY"), INT64_C(138000000));
        tix_config_destroy(&cfg);
        tix_diag_destroy(&d);
    }
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
        T(test_minimal_defaults),
        T(test_partial_groups_take_defaults),
        T(test_methodology_example),
        T(test_settings_read_back),
        T(test_map_first_match_case_sensitive),
        T(test_fx_rates),
        T(test_include_relative_to_including_file),
        T(test_shipped_configs),
    };
    /* TIX_TEST_FILTER=test_name (glob) runs a subset, e.g. one KNOWN_BUG test at a time */
    const char *filter = getenv("TIX_TEST_FILTER");
    if (filter && *filter)
        cmocka_set_test_filter(filter);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
