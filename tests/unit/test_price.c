/* Unit tests for exact decimal price parsing, conversion and formatting (METHODOLOGY-v1 §1, §3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix/price.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *text;
    tix_unit_t unit;
    tix_price_status_t st;
    int64_t want;
} s_case_t;

static const s_case_t s_cases[] = {
    /* plain and scientific forms of $2.50/Mtok */
    {"0.0000025", TIX_UNIT_TOKEN, TIX_PRICE_OK, 2500000000},
    {"2.5e-6", TIX_UNIT_TOKEN, TIX_PRICE_OK, 2500000000},
    {"2.5E-06", TIX_UNIT_TOKEN, TIX_PRICE_OK, 2500000000},
    {"+2.5e-6", TIX_UNIT_TOKEN, TIX_PRICE_OK, 2500000000},
    {"0.0025", TIX_UNIT_1K, TIX_PRICE_OK, 2500000000},
    {"2.50", TIX_UNIT_1M, TIX_PRICE_OK, 2500000000},
    {"1e3", TIX_UNIT_1K, TIX_PRICE_OK, INT64_C(1000000000000000)},
    {"1.5e+2", TIX_UNIT_1M, TIX_PRICE_OK, 150000000000},
    {"5.", TIX_UNIT_1M, TIX_PRICE_OK, 5000000000},
    {".5", TIX_UNIT_1M, TIX_PRICE_OK, 500000000},
    {"000000000000000000000000001", TIX_UNIT_1M, TIX_PRICE_OK, 1000000000},
    {"0.00000000000000000000000000000000000001e38", TIX_UNIT_1M, TIX_PRICE_OK, 1000000000},
    /* zeros */
    {"0", TIX_UNIT_TOKEN, TIX_PRICE_OK, 0},
    {"-0", TIX_UNIT_1M, TIX_PRICE_OK, 0},
    {"-0.0e5", TIX_UNIT_1M, TIX_PRICE_OK, 0},
    {"0e999999999999999999", TIX_UNIT_1M, TIX_PRICE_OK, 0},
    /* rounding at the 9th decimal, half away from zero */
    {"0.0000000005", TIX_UNIT_1M, TIX_PRICE_OK, 1},
    {"0.0000000004999", TIX_UNIT_1M, TIX_PRICE_OK, 0},
    {"1.0000000015", TIX_UNIT_1M, TIX_PRICE_OK, 1000000002},
    {"1.0000000025", TIX_UNIT_1M, TIX_PRICE_OK, 1000000003},
    {"0.0000000014999999", TIX_UNIT_1M, TIX_PRICE_OK, 1},
    /* per-token prices with 15+ decimals */
    {"0.000000000000001", TIX_UNIT_TOKEN, TIX_PRICE_OK, 1},
    {"0.0000000000000015", TIX_UNIT_TOKEN, TIX_PRICE_OK, 2},
    {"0.0000000000000004999", TIX_UNIT_TOKEN, TIX_PRICE_OK, 0},
    {"0.000000123456789012345", TIX_UNIT_TOKEN, TIX_PRICE_OK, 123456789},
    {"0.0000001234567895", TIX_UNIT_TOKEN, TIX_PRICE_OK, 123456790},
    {"1e-30", TIX_UNIT_TOKEN, TIX_PRICE_OK, 0},
    {"1e-400", TIX_UNIT_1M, TIX_PRICE_OK, 0},
    /* limits of int64 (INT64_MAX itself is the "absent" marker) */
    {"9223372036.854775806", TIX_UNIT_1M, TIX_PRICE_OK, INT64_MAX - 1},
    {"9223372036.8547758064", TIX_UNIT_1M, TIX_PRICE_OK, INT64_MAX - 1},
    {"9223372036.8547758065", TIX_UNIT_1M, TIX_PRICE_OVERFLOW, 0},
    {"9223372036.854775807", TIX_UNIT_1M, TIX_PRICE_OVERFLOW, 0},
    {"9223372036.854775808", TIX_UNIT_1M, TIX_PRICE_OVERFLOW, 0},
    {"9223.372036854775806", TIX_UNIT_TOKEN, TIX_PRICE_OK, INT64_MAX - 1},
    {"9223.372036854775808", TIX_UNIT_TOKEN, TIX_PRICE_OVERFLOW, 0},
    {"1e400", TIX_UNIT_1M, TIX_PRICE_OVERFLOW, 0},
    {"99999999999999999999999999", TIX_UNIT_1M, TIX_PRICE_OVERFLOW, 0},
    /* negative */
    {"-1", TIX_UNIT_1M, TIX_PRICE_NEGATIVE, 0},
    {"-1e-30", TIX_UNIT_TOKEN, TIX_PRICE_NEGATIVE, 0},
    {"-1e400", TIX_UNIT_1M, TIX_PRICE_NEGATIVE, 0},
    /* empty, NaN/Inf, garbage */
    {"", TIX_UNIT_1M, TIX_PRICE_EMPTY, 0},
    {"NaN", TIX_UNIT_1M, TIX_PRICE_NAN, 0},
    {"nan", TIX_UNIT_1M, TIX_PRICE_NAN, 0},
    {"-inf", TIX_UNIT_1M, TIX_PRICE_NAN, 0},
    {"+INF", TIX_UNIT_1M, TIX_PRICE_NAN, 0},
    {"Infinity", TIX_UNIT_1M, TIX_PRICE_NAN, 0},
    {"abc", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {" 1", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"1 ", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"1.2.3", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"1e", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"1e+", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"e5", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {".", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"+", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"-", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"--1", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"0x10", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"1,5", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
    {"nanx", TIX_UNIT_1M, TIX_PRICE_GARBAGE, 0},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_cases / sizeof s_cases[0]; i++) {
        const s_case_t *c = &s_cases[i];
        tix_price_t got = -12345;
        tix_price_status_t st = tix_price_parse(c->text, c->unit, &got);
        if (st != c->st || (st == TIX_PRICE_OK && got != c->want)) {
            print_error("case %zu '%s' unit %s: got %s %lld, want %s %lld\n", i, c->text,
                        tix_unit_name(c->unit), tix_price_status_name(st), (long long)got,
                        tix_price_status_name(c->st), (long long)c->want);
            fail();
        }
    }
}

static void test_parse_n_not_terminated(void **state)
{
    (void)state;
    tix_price_t p;
    assert_int_equal(tix_price_parse_n("2.5e-6XYZ", 6, TIX_UNIT_TOKEN, &p), TIX_PRICE_OK);
    assert_int_equal(p, 2500000000);
    assert_int_equal(tix_price_parse_n("12", 0, TIX_UNIT_TOKEN, &p), TIX_PRICE_EMPTY);
}

static void test_decimal9(void **state)
{
    (void)state;
    int64_t r;
    assert_int_equal(tix_decimal9_parse("0.1380", &r), TIX_PRICE_OK);
    assert_int_equal(r, 138000000);
    assert_int_equal(tix_decimal9_parse("1", &r), TIX_PRICE_OK);
    assert_int_equal(r, 1000000000);
    assert_int_equal(tix_decimal9_parse("0.1000000000", &r), TIX_PRICE_OK);
    assert_int_equal(r, 100000000);
    assert_int_equal(tix_decimal9_parse("1e-9", &r), TIX_PRICE_OK);
    assert_int_equal(r, 1);
    assert_int_equal(tix_decimal9_parse("0.0000000001", &r), TIX_PRICE_GARBAGE);
    assert_int_equal(tix_decimal9_parse("-0.5", &r), TIX_PRICE_NEGATIVE);
    assert_int_equal(tix_decimal9_parse("x", &r), TIX_PRICE_GARBAGE);
}

static void test_convert(void **state)
{
    (void)state;
    tix_price_t out;
    assert_int_equal(tix_price_convert(1380000, 138000000, &out), TIX_PRICE_OK);
    assert_int_equal(out, 190440);
    assert_int_equal(tix_price_convert(5, 100000000, &out), TIX_PRICE_OK); /* 0.5 → 1 */
    assert_int_equal(out, 1);
    assert_int_equal(tix_price_convert(4, 100000000, &out), TIX_PRICE_OK); /* 0.4 → 0 */
    assert_int_equal(out, 0);
    assert_int_equal(tix_price_convert(INT64_MAX - 1, 2000000000, &out), TIX_PRICE_OVERFLOW);
    /* CNY 7.20/Mtok at 0.1380 = 0.993600000 USD */
    tix_price_t local;
    assert_int_equal(tix_price_parse("7.20", TIX_UNIT_1M, &local), TIX_PRICE_OK);
    assert_int_equal(tix_price_convert(local, 138000000, &out), TIX_PRICE_OK);
    assert_int_equal(out, 993600000);
}

static void test_round_div(void **state)
{
    (void)state;
    assert_int_equal(tix_round_div(5, 2), 3);
    assert_int_equal(tix_round_div(-5, 2), -3);
    assert_int_equal(tix_round_div(4, 2), 2);
    assert_int_equal(tix_round_div(7, 3), 2);
    assert_int_equal(tix_round_div(8, 3), 3);
    assert_int_equal(tix_round_div((__int128)INT64_MAX + INT64_MAX, 2), INT64_MAX);
}

static void test_format(void **state)
{
    (void)state;
    char b[TIX_PRICE_TEXT_MAX];
    assert_string_equal(tix_price_format(2500000000, b, sizeof b), "2.500000000");
    assert_string_equal(tix_price_format(0, b, sizeof b), "0.000000000");
    assert_string_equal(tix_price_format(-1, b, sizeof b), "-0.000000001");
    assert_string_equal(tix_price_format(INT64_MIN, b, sizeof b), "-9223372036.854775808");
    assert_string_equal(tix_price_format(INT64_MAX - 1, b, sizeof b), "9223372036.854775806");
    assert_string_equal(tix_price_format(TIX_PRICE_NULL, b, sizeof b), "");
}

static void test_decimal_format(void **state)
{
    (void)state;
    char b[40];
    assert_string_equal(tix_decimal_format(2250000000, 9, b, sizeof b), "2.25");
    assert_string_equal(tix_decimal_format(3000000000, 9, b, sizeof b), "3");
    assert_string_equal(tix_decimal_format(0, 9, b, sizeof b), "0");
    assert_string_equal(tix_decimal_format(1, 9, b, sizeof b), "0.000000001");
    assert_string_equal(tix_decimal_format(-1500, 3, b, sizeof b), "-1.5");
    assert_string_equal(tix_decimal_format(INT64_MIN, 9, b, sizeof b), "-9223372036.854775808");
    assert_string_equal(tix_decimal_format(42, 0, b, sizeof b), "42");
    /* it reads back exactly */
    tix_price_t back;
    assert_int_equal(tix_price_parse(tix_decimal_format(123456789, 9, b, sizeof b), TIX_UNIT_1M, &back),
                     TIX_PRICE_OK);
    assert_int_equal(back, 123456789);
}

static void test_format_parse_roundtrip(void **state)
{
    (void)state;
    const int64_t v[] = {0, 1, 999999999, 1000000000, 123456789012345678, INT64_MAX - 1};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char b[TIX_PRICE_TEXT_MAX];
        tix_price_t back;
        assert_int_equal(tix_price_parse(tix_price_format(v[i], b, sizeof b), TIX_UNIT_1M, &back),
                         TIX_PRICE_OK);
        assert_int_equal(back, v[i]);
    }
}

static void test_units(void **state)
{
    (void)state;
    tix_unit_t u;
    assert_int_equal(tix_unit_parse("token", &u), 0);
    assert_int_equal(u, TIX_UNIT_TOKEN);
    assert_int_equal(tix_unit_parse("1k", &u), 0);
    assert_int_equal(u, TIX_UNIT_1K);
    assert_int_equal(tix_unit_parse("1m", &u), 0);
    assert_int_equal(u, TIX_UNIT_1M);
    assert_int_equal(tix_unit_parse("1M", &u), -1);
    assert_int_equal(tix_unit_parse("", &u), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),    cmocka_unit_test(test_parse_n_not_terminated),
        cmocka_unit_test(test_decimal9),       cmocka_unit_test(test_convert),
        cmocka_unit_test(test_round_div),      cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_parse_roundtrip), cmocka_unit_test(test_units),
        cmocka_unit_test(test_decimal_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
