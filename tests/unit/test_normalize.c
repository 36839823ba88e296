/* Unit tests for quote normalization: units, FX, blend, refusal reasons and order, pair ids (METHODOLOGY-v1 §3–§4). */
#include "tix_test.h"

#include "tix_err.h"
#include "tix_strtab.h"

#include <stdlib.h>
#include <string.h>

/* T1: default blend 3/1; T2: 1/1; T3: input weight 0; T4: output weight 0. */
static const char *const s_conf =
    "tiers = ( { id = \"T1\"; },\n"
    "          { id = \"T2\"; blend = { input = 1; output = 1; }; },\n"
    "          { id = \"T3\"; blend = { input = 0; output = 1; }; },\n"
    "          { id = \"T4\"; blend = { input = 1; output = 0; }; } );\n"
    "mapping = ( { provider = \"*\"; model = \"*-large*\"; tier = \"T1\"; },\n"
    "            { provider = \"*\"; model = \"even-*\"; tier = \"T2\"; },\n"
    "            { provider = \"*\"; model = \"out-*\"; tier = \"T3\"; },\n"
    "            { provider = \"*\"; model = \"in-*\"; tier = \"T4\"; } );\n"
    "fx = { USD = \"1\"; CNY = \"0.1380\"; GBP = \"1.25\"; };\n";

typedef tix_test_fix_t s_fix_t;

static int s_setup(void **state)
{
    *state = tix_test_fix_load("norm", s_conf);
    return 0;
}

static void s_ok(s_fix_t *f, const tix_raw_quote_t *r, tix_quote_t *q)
{
    tix_norm_error_t e;
    if (tix_norm_quote(f->norm, r, q, &e) != 0)
        fail_msg("refused: %s (%s): %s", tix_reason_name(e.reason), e.field ? e.field : "-",
                 e.detail);
    assert_int_equal(e.reason, TIX_REASON_NONE);
}

static void s_refused(s_fix_t *f, const tix_raw_quote_t *r, tix_reason_t reason,
                      const char *field)
{
    tix_norm_error_t e;
    tix_quote_t q;
    if (tix_norm_quote(f->norm, r, &q, &e) == 0)
        fail_msg("accepted, expected %s (%s)", tix_reason_name(reason), field);
    if (e.reason != reason || !e.field || strcmp(e.field, field) != 0)
        fail_msg("refused as %s (%s: %s), expected %s (%s)", tix_reason_name(e.reason),
                 e.field ? e.field : "(null)", e.detail, tix_reason_name(reason), field);
    assert_true(e.detail[0] != '\0');
}

static void test_unit_scaling(void **state)
{
    s_fix_t *f = *state;
    tix_quote_t q;
    struct {
        const char *unit, *in, *out;
        tix_unit_t u;
    } cases[] = {
        {"token", "0.0000025", "1e-5", TIX_UNIT_TOKEN},
        {"1k", "0.0025", "0.01", TIX_UNIT_1K},
        {"1m", "2.50", "10", TIX_UNIT_1M},
        {"token", "2.5e-6", "0.00001", TIX_UNIT_TOKEN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tix_raw_quote_t r =
            tix_test_raw("P", "m-large", cases[i].unit, "USD", cases[i].in, cases[i].out);
        r.cached = "0.5e-6";
        if (cases[i].u == TIX_UNIT_1K)
            r.cached = "0.0005";
        if (cases[i].u == TIX_UNIT_1M)
            r.cached = "0.5";
        s_ok(f, &r, &q);
        assert_int_equal(q.unit, cases[i].u);
        assert_int_equal(q.input, 2500000000);
        assert_int_equal(q.output, 10000000000);
        assert_int_equal(q.cached, 500000000);
        assert_int_equal(q.local_input, 2500000000);
        assert_int_equal(q.local_output, 10000000000);
        assert_int_equal(q.local_cached, 500000000);
        assert_int_equal(q.fx_e9, 1000000000);
        /* (3 × 2.5 + 10) / 4 = 4.375 */
        assert_int_equal(q.blended, 4375000000);
        assert_int_equal(q.volume, -1);
        assert_int_equal(q.recv_ns, 1767225600000000000);
        assert_int_equal(q.tier, 0);
    }
    /* the absent cached price stays absent */
    tix_raw_quote_t r = tix_test_raw("P", "m-large", "1m", "USD", "1", "1");
    s_ok(f, &r, &q);
    assert_true(q.cached == TIX_PRICE_NULL);
    assert_true(q.local_cached == TIX_PRICE_NULL);
}

/* A METHODOLOGY-v1 §3 case, one row: the raw quote (received at T0) and what normalizing it
 * gives. The table is where v2's examples (§22) join. */
typedef struct {
    const char *rule;
    const char *provider, *model, *unit, *currency, *in, *out;
    int32_t tier;
    int64_t fx_e9, local_in, local_out, input, output, blended;
} s_norm_case_t;

#define S_NULL TIX_PRICE_NULL

static const s_norm_case_t s_cny_cases[] = {
    {"§3.2 7.20 CNY × 0.1380", "Q", "q-large", "1m", "CNY", "7.20", "7.20", 0, 138000000,
     7200000000, 7200000000, 993600000, 993600000, 993600000},
    /* 250 × 0.138 = 34.5 → 35; 249 × 0.138 = 34.362 → 34; (3 × 35 + 34) / 4 = 34.75 → 35 */
    {"§3.2 rounding half away", "Q", "q-large", "1m", "CNY", "0.000000250", "0.000000249", 0,
     138000000, 250, 249, 35, 34, 35},
    /* 0.0072 CNY/1k = 7.2 CNY/Mtok; blended from the converted prices: (3 × 0.9936 + 1.9872) / 4 */
    {"§3.1-3 per 1k tokens", "Q", "q-large", "1k", "CNY", "0.0072", "0.0144", 0, 138000000,
     7200000000, 14400000000, 993600000, 1987200000, 1242000000},
};

static const s_norm_case_t s_blend_cases[] = {
    {"§3.3 default 3/1: (3 × 1 + 4) / 4", "P", "a-large", "1m", "USD", "1", "4", 0, 1000000000,
     1000000000, 4000000000, 1000000000, 4000000000, 1750000000},
    {"§3.3 (3 + 3) / 4 = 1.5 → 2", "P", "a-large", "1m", "USD", "0.000000001", "0.000000003", 0,
     1000000000, 1, 3, 1, 3, 2},
    {"§3.3 (3 + 2) / 4 = 1.25 → 1", "P", "a-large", "1m", "USD", "0.000000001", "0.000000002", 0,
     1000000000, 1, 2, 1, 2, 1},
    {"§3.3 custom 1/1: (1 + 2) / 2", "P", "even-1", "1m", "USD", "1", "2", 1, 1000000000,
     1000000000, 2000000000, 1000000000, 2000000000, 1500000000},
    {"§3.3 1/1: 1.5 → 2", "P", "even-1", "1m", "USD", "0.000000001", "0.000000002", 1,
     1000000000, 1, 2, 1, 2, 2},
    {"§3.3 w_in = 0: input may be absent", "P", "out-1", "1m", "USD", NULL, "6", 2, 1000000000,
     S_NULL, 6000000000, S_NULL, 6000000000, 6000000000},
    {"§3.3 w_in = 0: input ignored", "P", "out-1", "1m", "USD", "100", "6", 2, 1000000000,
     100000000000, 6000000000, 100000000000, 6000000000, 6000000000},
    {"§3.3 w_out = 0: output may be absent", "P", "in-1", "1m", "USD", "0.3", NULL, 3,
     1000000000, 300000000, S_NULL, 300000000, S_NULL, 300000000},
    {"§3.1 \"-0\" is zero, and zero prices are fine", "P", "a-large", "1m", "USD", "-0", "0", 0,
     1000000000, 0, 0, 0, 0, 0},
};

/* Each row normalized: every price, the tier, the rate and the currency's name. */
static void s_norm_table(s_fix_t *f, const s_norm_case_t *rows, size_t nrows)
{
    for (size_t i = 0; i < nrows; i++) {
        const s_norm_case_t *c = &rows[i];
        tix_raw_quote_t r = tix_test_raw(c->provider, c->model, c->unit, c->currency, c->in,
                                         c->out);
        tix_quote_t q;
        s_ok(f, &r, &q);
        if (q.tier != c->tier || q.fx_e9 != c->fx_e9 || q.local_input != c->local_in ||
            q.local_output != c->local_out || q.input != c->input || q.output != c->output ||
            q.blended != c->blended)
            fail_msg("%s: tier %d fx %lld local %lld/%lld usd %lld/%lld blended %lld", c->rule,
                     q.tier, (long long)q.fx_e9, (long long)q.local_input,
                     (long long)q.local_output, (long long)q.input, (long long)q.output,
                     (long long)q.blended);
        assert_string_equal(tix_strtab_name(tix_norm_names(f->norm), q.currency), c->currency);
    }
}

static void test_cny_conversion(void **state)
{
    s_norm_table(*state, s_cny_cases, sizeof s_cny_cases / sizeof s_cny_cases[0]);
}

static void test_blend(void **state)
{
    s_norm_table(*state, s_blend_cases, sizeof s_blend_cases / sizeof s_blend_cases[0]);
}

static void test_volume(void **state)
{
    s_fix_t *f = *state;
    tix_quote_t q;
    tix_raw_quote_t r = tix_test_raw("P", "a-large", "1m", "USD", "1", "1");
    r.volume = "123456789012";
    s_ok(f, &r, &q);
    assert_int_equal(q.volume, INT64_C(123456789012));
    r.volume = "0";
    s_ok(f, &r, &q);
    assert_int_equal(q.volume, 0);
    r.volume = "9223372036854775807";
    s_ok(f, &r, &q);
    assert_int_equal(q.volume, INT64_MAX);
    /* "-0" is zero, not negative */
    r.volume = "-0";
    s_ok(f, &r, &q);
    assert_int_equal(q.volume, 0);
    r.volume = "-000";
    s_ok(f, &r, &q);
    assert_int_equal(q.volume, 0);
    /* so the next check decides: here the missing FX rate */
    r.currency = "EUR";
    r.volume = "-0";
    s_refused(f, &r, TIX_REASON_NO_FX_RATE, "currency");
}

static void test_refusals(void **state)
{
    s_fix_t *f = *state;
    tix_raw_quote_t r;
    /* missing fields, NULL or empty */
    r = tix_test_raw(NULL, "a-large", "1m", "USD", "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "provider");
    r = tix_test_raw("", "a-large", "1m", "USD", "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "provider");
    r = tix_test_raw("P", NULL, "1m", "USD", "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "model");
    r = tix_test_raw("P", "", "1m", "USD", "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "model");
    r = tix_test_raw("P", "a-large", NULL, "USD", "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "unit");
    r = tix_test_raw("P", "a-large", "", "USD", "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "unit");
    r = tix_test_raw("P", "a-large", "1m", NULL, "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "currency");
    r = tix_test_raw("P", "a-large", "1m", "", "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "currency");
    /* a unit that is not token/1k/1m (case-sensitive) */
    const char *units[] = {"1K", "1M", "tokens", "1g", "Token", "1m "};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        r = tix_test_raw("P", "a-large", units[i], "USD", "1", "1");
        s_refused(f, &r, TIX_REASON_BAD_NUMBER, "unit");
    }
    /* prices */
    const char *bad[] = {"abc", "NaN", "inf", "1.2.3", " 1", "1e", "1e30"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = tix_test_raw("P", "a-large", "1m", "USD", bad[i], "1");
        s_refused(f, &r, TIX_REASON_BAD_NUMBER, "input");
        r = tix_test_raw("P", "a-large", "1m", "USD", "1", bad[i]);
        s_refused(f, &r, TIX_REASON_BAD_NUMBER, "output");
        r = tix_test_raw("P", "a-large", "1m", "USD", "1", "1");
        r.cached = bad[i];
        s_refused(f, &r, TIX_REASON_BAD_NUMBER, "cached_input");
    }
    const char *neg[] = {"-1", "-0.5", "-1e-30", "-2.5e-6"};
    for (size_t i = 0; i < sizeof neg / sizeof neg[0]; i++) {
        r = tix_test_raw("P", "a-large", "1m", "USD", neg[i], "1");
        s_refused(f, &r, TIX_REASON_NEGATIVE, "input");
        r = tix_test_raw("P", "a-large", "1m", "USD", "1", neg[i]);
        s_refused(f, &r, TIX_REASON_NEGATIVE, "output");
        r = tix_test_raw("P", "a-large", "1m", "USD", "1", "1");
        r.cached = neg[i];
        s_refused(f, &r, TIX_REASON_NEGATIVE, "cached_input");
    }
    /* fits locally, overflows after conversion (GBP = 1.25) */
    r = tix_test_raw("P", "a-large", "1m", "GBP", "9223372036", "1");
    s_refused(f, &r, TIX_REASON_BAD_NUMBER, "input");
    /* volume */
    const char *badvol[] = {"abc", "1.5", "1e3", "", "99999999999999999999", "-", " 1", "1 "};
    for (size_t i = 0; i < sizeof badvol / sizeof badvol[0]; i++) {
        if (!*badvol[i])
            continue; /* empty means absent */
        r = tix_test_raw("P", "a-large", "1m", "USD", "1", "1");
        r.volume = badvol[i];
        s_refused(f, &r, TIX_REASON_BAD_NUMBER, "volume");
    }
    const char *negvol[] = {"-1", "-5", "-99999999999999999999"};
    for (size_t i = 0; i < sizeof negvol / sizeof negvol[0]; i++) {
        r = tix_test_raw("P", "a-large", "1m", "USD", "1", "1");
        r.volume = negvol[i];
        s_refused(f, &r, TIX_REASON_NEGATIVE, "volume");
    }
    /* no FX rate */
    r = tix_test_raw("P", "a-large", "1m", "EUR", "1", "1");
    s_refused(f, &r, TIX_REASON_NO_FX_RATE, "currency");
    r = tix_test_raw("P", "a-large", "1m", "usd", "1", "1");
    s_refused(f, &r, TIX_REASON_NO_FX_RATE, "currency");
    /* unmapped */
    r = tix_test_raw("P", "tiny", "1m", "USD", "1", "1");
    s_refused(f, &r, TIX_REASON_UNMAPPED_MODEL, "model");
    r = tix_test_raw("P", "A-LARGE", "1m", "USD", "1", "1"); /* case-sensitive globs */
    s_refused(f, &r, TIX_REASON_UNMAPPED_MODEL, "model");
    /* a price the tier weighs is absent */
    r = tix_test_raw("P", "a-large", "1m", "USD", NULL, "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "input");
    r = tix_test_raw("P", "a-large", "1m", "USD", "1", NULL);
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "output");
    r = tix_test_raw("P", "out-1", "1m", "USD", "1", NULL);
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "output");
    r = tix_test_raw("P", "in-1", "1m", "USD", NULL, "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "input");
    r = tix_test_raw("P", "even-1", "1m", "USD", NULL, NULL);
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "input");
    /* reason names are normative */
    assert_string_equal(tix_reason_name(TIX_REASON_BAD_NUMBER), "bad_number");
    assert_string_equal(tix_reason_name(TIX_REASON_NEGATIVE), "negative");
    assert_string_equal(tix_reason_name(TIX_REASON_NO_FX_RATE), "no_fx_rate");
    assert_string_equal(tix_reason_name(TIX_REASON_MISSING_FIELD), "missing_field");
    assert_string_equal(tix_reason_name(TIX_REASON_UNMAPPED_MODEL), "unmapped_model");
}

/* The first failing check wins, in the decided order. */
static void test_refusal_order(void **state)
{
    s_fix_t *f = *state;
    tix_raw_quote_t r;
    /* everything wrong at once: provider first */
    r = tix_test_raw(NULL, NULL, NULL, NULL, NULL, NULL);
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "provider");
    r = tix_test_raw("P", NULL, "bad", "EUR", "x", "x");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "model");
    r = tix_test_raw("P", "tiny", NULL, NULL, "x", "x");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "unit");
    /* the unit before the prices and the currency rate */
    r = tix_test_raw("P", "tiny", "2k", "EUR", "x", "-1");
    s_refused(f, &r, TIX_REASON_BAD_NUMBER, "unit");
    /* input, output, cached_input, volume in that order */
    r = tix_test_raw("P", "tiny", "1m", "EUR", "x", "-1");
    r.cached = "-1";
    r.volume = "x";
    s_refused(f, &r, TIX_REASON_BAD_NUMBER, "input");
    r.input = "-1";
    s_refused(f, &r, TIX_REASON_NEGATIVE, "input");
    r.input = "1";
    s_refused(f, &r, TIX_REASON_NEGATIVE, "output");
    r.output = "x";
    s_refused(f, &r, TIX_REASON_BAD_NUMBER, "output");
    r.output = "1";
    s_refused(f, &r, TIX_REASON_NEGATIVE, "cached_input");
    r.cached = "1";
    s_refused(f, &r, TIX_REASON_BAD_NUMBER, "volume");
    r.volume = "-3";
    s_refused(f, &r, TIX_REASON_NEGATIVE, "volume");
    /* then the FX rate (before the mapping) */
    r.volume = "3";
    s_refused(f, &r, TIX_REASON_NO_FX_RATE, "currency");
    /* then the mapping (before the tier's required prices) */
    r = tix_test_raw("P", "tiny", "1m", "USD", NULL, NULL);
    s_refused(f, &r, TIX_REASON_UNMAPPED_MODEL, "model");
    /* then the required prices: input before output */
    r = tix_test_raw("P", "a-large", "1m", "USD", NULL, NULL);
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "input");
    /* an absent optional price never refuses, a bad one always does, even if unweighted */
    r = tix_test_raw("P", "out-1", "1m", "USD", "x", "1");
    s_refused(f, &r, TIX_REASON_BAD_NUMBER, "input");
}

/* All four missing-field checks come before the unit's value is looked at. */
static void test_refusal_order_missing_before_unit(void **state)
{
    s_fix_t *f = *state;
    tix_raw_quote_t r = tix_test_raw("P", "a-large", "2k", NULL, "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "currency");
    r = tix_test_raw("P", "a-large", "tokens", "", "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "currency");
}

/* Names longer than the feed's fields are refused, never truncated (two models would merge). */
static void test_name_limits(void **state)
{
    s_fix_t *f = *state;
    char model[TIX_NAME_MODEL_MAX + 2], prov[TIX_NAME_PROVIDER_MAX + 2];
    memset(model, 'm', sizeof model - 1);
    model[sizeof model - 1] = '\0';
    memcpy(model + sizeof model - 7, "-large", 6); /* still mapped: the limit decides */
    tix_raw_quote_t r = tix_test_raw("P", model, "1m", "USD", "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "model");
    model[TIX_NAME_MODEL_MAX] = '\0'; /* exactly the limit: accepted */
    memcpy(model + TIX_NAME_MODEL_MAX - 6, "-large", 7);
    r = tix_test_raw("P", model, "1m", "USD", "1", "1");
    tix_quote_t q;
    tix_norm_error_t e;
    assert_int_equal(tix_norm_quote(f->norm, &r, &q, &e), 0);
    memset(prov, 'p', sizeof prov - 1);
    prov[sizeof prov - 1] = '\0';
    r = tix_test_raw(prov, "a-large", "1m", "USD", "1", "1");
    s_refused(f, &r, TIX_REASON_MISSING_FIELD, "provider");
}

static void test_pair_ids_and_names(void **state)
{
    s_fix_t *f = *state;
    tix_quote_t q;
    const tix_strtab_t *names = tix_norm_names(f->norm);
    assert_int_equal(tix_norm_pair_count(f->norm), 0);
    tix_raw_quote_t r = tix_test_raw("OpenAI", "gpt-large", "1m", "USD", "1", "1");
    s_ok(f, &r, &q);
    uint32_t p_a = q.pair, prov_a = q.provider, model_a = q.model;
    assert_string_equal(tix_strtab_name(names, q.provider), "OpenAI");
    assert_string_equal(tix_strtab_name(names, q.model), "gpt-large");
    assert_string_equal(tix_strtab_name(names, q.currency), "USD");
    assert_int_equal(tix_norm_pair_count(f->norm), 1);
    /* same provider, other model */
    r = tix_test_raw("OpenAI", "o-large", "1m", "USD", "2", "2");
    s_ok(f, &r, &q);
    uint32_t p_b = q.pair;
    assert_int_not_equal(p_b, p_a);
    assert_int_equal(q.provider, prov_a);
    assert_int_not_equal(q.model, model_a);
    /* other provider, same model */
    r = tix_test_raw("Azure", "gpt-large", "1m", "CNY", "2", "2");
    s_ok(f, &r, &q);
    uint32_t p_c = q.pair;
    assert_int_not_equal(p_c, p_a);
    assert_int_not_equal(p_c, p_b);
    assert_int_equal(q.model, model_a);
    assert_int_not_equal(q.provider, prov_a);
    assert_string_equal(tix_strtab_name(names, q.provider), "Azure");
    assert_string_equal(tix_strtab_name(names, q.currency), "CNY");
    assert_int_equal(tix_norm_pair_count(f->norm), 3);
    /* names swapped between fields make another pair */
    r = tix_test_raw("gpt-large", "OpenAI-large", "1m", "USD", "1", "1");
    s_ok(f, &r, &q);
    assert_int_not_equal(q.pair, p_a);
    assert_int_equal(q.provider, model_a); /* one name table for both */
    assert_int_equal(tix_norm_pair_count(f->norm), 4);
    /* refused quotes do not disturb ids; the same pair keeps its id, whatever else changes */
    tix_norm_error_t e;
    r = tix_test_raw("New", "tiny", "1m", "USD", "1", "1");
    assert_int_equal(tix_norm_quote(f->norm, &r, &q, &e), -1);
    r = tix_test_raw("OpenAI", "gpt-large", "1k", "CNY", "0.5", "0.7");
    r.recv_ns += 12345;
    r.volume = "7";
    s_ok(f, &r, &q);
    assert_int_equal(q.pair, p_a);
    assert_int_equal(q.provider, prov_a);
    assert_int_equal(q.model, model_a);
    r = tix_test_raw("Azure", "gpt-large", "1m", "USD", "2", "2");
    s_ok(f, &r, &q);
    assert_int_equal(q.pair, p_c);
    assert_int_equal(tix_norm_pair_count(f->norm), 4);
    /* pair ids are dense, below the pair count */
    assert_true(p_a < 4 && p_b < 4 && p_c < 4);
    /* ids are found again by name */
    assert_int_equal(tix_strtab_find(names, "OpenAI", 6), prov_a);
    assert_int_equal(tix_strtab_find(names, "gpt-large", 9), model_a);
}

/* Two normalizers fed the same quotes assign the same ids. */
static void test_pair_ids_deterministic(void **state)
{
    s_fix_t *f = *state;
    tix_norm_t *other = tix_norm_new(f->cfg);
    assert_non_null(other);
    const char *provs[] = {"A", "B", "A", "C", "B", "A"};
    const char *models[] = {"x-large", "x-large", "y-large", "z-large", "x-large", "x-large"};
    for (int i = 0; i < 6; i++) {
        tix_raw_quote_t r = tix_test_raw(provs[i], models[i], "1m", "USD", "1", "1");
        tix_quote_t q1, q2;
        tix_norm_error_t e;
        assert_int_equal(tix_norm_quote(f->norm, &r, &q1, &e), 0);
        assert_int_equal(tix_norm_quote(other, &r, &q2, &e), 0);
        assert_int_equal(q1.pair, q2.pair);
        assert_int_equal(q1.provider, q2.provider);
        assert_int_equal(q1.model, q2.model);
    }
    assert_int_equal(tix_norm_pair_count(other), 4);
    tix_norm_destroy(&other);
    assert_null(other);
}

/* A test inside the fixture: set up before it, torn down after it. */
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, tix_test_fix_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_unit_scaling),
        T(test_cny_conversion),
        T(test_blend),
        T(test_volume),
        T(test_refusals),
        T(test_refusal_order),
        T(test_refusal_order_missing_before_unit),
        T(test_name_limits),
        T(test_pair_ids_and_names),
        T(test_pair_ids_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
