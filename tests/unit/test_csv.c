/* Unit tests for the replay CSV reader: header check, RFC 4180 quoting, NULL fields, errors naming file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_csv.h"
#include "tix_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HDR TIX_CSV_HEADER "\n"

typedef struct {
    char dir[64];
    char path[96];
} s_fix_t;

static int s_setup(void **state)
{
    s_fix_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/tix-csv-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/quotes.csv", f->dir);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix_t *f = *state;
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void s_write(const s_fix_t *f, const char *text)
{
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static tix_csv_t *s_open(const s_fix_t *f, const char *text)
{
    s_write(f, text);
    tix_csv_t *c = tix_csv_open(f->path);
    if (!c)
        fail_msg("open: %s", tix_err());
    return c;
}

/* tix_err() must start with "<path>:<line>:". */
static void s_err_at(const s_fix_t *f, long line)
{
    char want[160];
    snprintf(want, sizeof want, "%s:%ld:", f->path, line);
    if (strncmp(tix_err(), want, strlen(want)) != 0)
        fail_msg("error '%s' does not start with '%s'", tix_err(), want);
}

/* Reads rows until the error, which must name line `line`. */
static void s_fails_at(const s_fix_t *f, const char *text, long line)
{
    tix_csv_t *c = s_open(f, text);
    tix_raw_quote_t q;
    int rc;
    tix_err_clear();
    while ((rc = tix_csv_next(c, &q)) == 1)
        ;
    if (rc != -1)
        fail_msg("no error reading:\n%s", text);
    s_err_at(f, line);
    tix_csv_destroy(&c);
    assert_null(c);
}

static void test_header(void **state)
{
    s_fix_t *f = *state;
    tix_raw_quote_t q;
    /* a file with only the header holds no rows */
    tix_csv_t *c = s_open(f, HDR);
    assert_int_equal(tix_csv_next(c, &q), 0);
    tix_csv_destroy(&c);
    /* header without a newline, and with CRLF */
    c = s_open(f, TIX_CSV_HEADER);
    assert_int_equal(tix_csv_next(c, &q), 0);
    tix_csv_destroy(&c);
    c = s_open(f, TIX_CSV_HEADER "\r\n");
    assert_int_equal(tix_csv_next(c, &q), 0);
    tix_csv_destroy(&c);
    const char *bad[] = {
        "recv_ns,provider,model,unit,currency,input,output,cached_input\n",
        "recv_ns,provider,model,unit,currency,input,output,cached_input,volume\n",
        "RECV_NS,provider,model,unit,currency,input,output,cached_input,volume_tokens\n",
        " " TIX_CSV_HEADER "\n",
        TIX_CSV_HEADER ",\n",
        "1767225600500000000,A,a-large,1m,USD,10,10,,\n",
        "\n" TIX_CSV_HEADER "\n",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_write(f, bad[i]);
        tix_err_clear();
        c = tix_csv_open(f->path);
        if (c)
            fail_msg("accepted header case %zu", i);
        s_err_at(f, 1);
    }
    /* a missing file */
    tix_err_clear();
    assert_null(tix_csv_open("/nonexistent/tix/quotes.csv"));
    assert_non_null(strstr(tix_err(), "/nonexistent/tix/quotes.csv"));
}

static void test_rows(void **state)
{
    s_fix_t *f = *state;
    tix_raw_quote_t q;
    tix_csv_t *c = s_open(f, HDR "1767225600500000000,A,a-large,1m,USD,10.000000000,10,0.5,1234\n"
                                 "1767225600500000000,B,b-large,1k,CNY,0.0104,0.0104,,\n");
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_int_equal(tix_csv_line(c), 2);
    assert_int_equal(q.recv_ns, INT64_C(1767225600500000000));
    assert_string_equal(q.provider, "A");
    assert_string_equal(q.model, "a-large");
    assert_string_equal(q.unit, "1m");
    assert_string_equal(q.currency, "USD");
    assert_string_equal(q.input, "10.000000000");
    assert_string_equal(q.output, "10");
    assert_string_equal(q.cached, "0.5");
    assert_string_equal(q.volume, "1234");
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_int_equal(tix_csv_line(c), 3);
    assert_string_equal(q.provider, "B");
    assert_string_equal(q.unit, "1k");
    assert_string_equal(q.currency, "CNY");
    assert_null(q.cached);
    assert_null(q.volume);
    assert_int_equal(tix_csv_next(c, &q), 0);
    assert_int_equal(tix_csv_next(c, &q), 0); /* stays at end */
    tix_csv_destroy(&c);
}

static void test_empty_fields_null(void **state)
{
    s_fix_t *f = *state;
    tix_raw_quote_t q;
    tix_csv_t *c = s_open(f, HDR "1767225600000000005,,,,,,,,\n"
                                 "1767225600000000006,P,\"\",1m,USD,,1,,\n");
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_int_equal(q.recv_ns, INT64_C(1767225600000000005));
    assert_null(q.provider);
    assert_null(q.model);
    assert_null(q.unit);
    assert_null(q.currency);
    assert_null(q.input);
    assert_null(q.output);
    assert_null(q.cached);
    assert_null(q.volume);
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_string_equal(q.provider, "P");
    assert_null(q.model); /* a quoted empty field is empty too */
    assert_null(q.input);
    assert_string_equal(q.output, "1");
    tix_csv_destroy(&c);
}

static void test_quoted(void **state)
{
    s_fix_t *f = *state;
    tix_raw_quote_t q;
    tix_csv_t *c = s_open(
        f, HDR "1767225600000000007,\"Acme, Inc.\",\"model \"\"x\"\", large\",1m,USD,\"1\",\"2\",\"\",\"3\"\n"
               "1767225600000000008,\"\"\"\",\",\",1m,USD,1,1,,\n"
               "1767225600000000009,\"a,\"\"b\"\",c\",m,1m,USD,1,1,,\n");
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_string_equal(q.provider, "Acme, Inc.");
    assert_string_equal(q.model, "model \"x\", large");
    assert_string_equal(q.input, "1");
    assert_string_equal(q.output, "2");
    assert_null(q.cached);
    assert_string_equal(q.volume, "3");
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_string_equal(q.provider, "\"");
    assert_string_equal(q.model, ",");
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_string_equal(q.provider, "a,\"b\",c");
    assert_string_equal(q.model, "m");
    assert_int_equal(tix_csv_next(c, &q), 0);
    tix_csv_destroy(&c);
    /* malformed quoting names the line */
    s_fails_at(f, HDR "1767225600000000001,\"open,m,1m,USD,1,1,,\n", 2);
    s_fails_at(f, HDR "1767225600000000001,A,m,1m,USD,1,1,,\n1767225600000000002,\"A\"x,m,1m,USD,1,1,,\n", 3);
}

static void test_put_field_roundtrip(void **state)
{
    s_fix_t *f = *state;
    const char *vals[] = {"plain", "with, comma", "say \"hi\"", "\"", ",", "a\"\"b", "line\nbreak"};
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs(HDR, fp);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        fprintf(fp, "%lld,", (long long)(INT64_C(1767225600000000000) + (int64_t)i));
        tix_csv_put_field(fp, vals[i]);
        fputc(',', fp);
        tix_csv_put_field(fp, "m");
        fputs(",1m,USD,", fp);
        tix_csv_put_field(fp, NULL);
        fputs(",1,,\n", fp);
    }
    assert_int_equal(fclose(fp), 0);
    tix_csv_t *c = tix_csv_open(f->path);
    assert_non_null(c);
    tix_raw_quote_t q;
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        assert_int_equal(tix_csv_next(c, &q), 1);
        assert_int_equal(q.recv_ns, INT64_C(1767225600000000000) + (int64_t)i);
        assert_string_equal(q.provider, vals[i]);
        assert_null(q.input);
    }
    assert_int_equal(tix_csv_next(c, &q), 0);
    tix_csv_destroy(&c);
}

static void test_field_count(void **state)
{
    s_fix_t *f = *state;
    s_fails_at(f, HDR "1767225600000000001,A,a,1m,USD,1,1,\n", 2);       /* 8 fields */
    s_fails_at(f, HDR "1767225600000000001,A,a,1m,USD,1,1,,,\n", 2);     /* 10 fields */
    s_fails_at(f, HDR "1767225600000000001,A,a,1m,USD,1,1,,\n1\n", 3);   /* 1 field */
    s_fails_at(f, HDR "1767225600000000001,A,a,1m,USD,1,1,,\n1767225600000000002,A,a,1m,USD,1,1,,\n1767225600000000003,A,\"a,b\"\n", 4);
    /* a comma inside quotes does not count */
    tix_raw_quote_t q;
    tix_csv_t *c = s_open(f, HDR "1767225600000000001,\"A,B,C\",a,1m,USD,1,1,,\n");
    assert_int_equal(tix_csv_next(c, &q), 1);
    tix_csv_destroy(&c);
}

static void test_recv_ns(void **state)
{
    s_fix_t *f = *state;
    const char *bad[] = {"12a", "1.5", " 1", "1 ", "", "-", "0x10", "1e9",
                         "99999999999999999999"};
    char text[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, HDR "1767225600000000001,A,a,1m,USD,1,1,,\n%s,A,a,1m,USD,1,1,,\n", bad[i]);
        s_fails_at(f, text, 3);
    }
    /* decreasing recv_ns; equal is fine */
    s_fails_at(f, HDR "1767225600000000010,A,a,1m,USD,1,1,,\n1767225600000000010,B,a,1m,USD,1,1,,\n1767225600000000011,A,a,1m,USD,1,1,,\n"
                      "1767225600000000009,A,a,1m,USD,1,1,,\n",
               5);
    s_fails_at(f, HDR "1767225600500000000,A,a,1m,USD,1,1,,\n1767225600499999999,A,a,1m,USD,1,1,,\n",
               3);
    /* outside 2000..2100 in ns: a unit mistake (ms, s) or garbage, refused with its line */
    s_fails_at(f, HDR "9223372036854775807,A,a,1m,USD,1,1,,\n", 2);
    s_fails_at(f, HDR "1767225600500,A,a,1m,USD,1,1,,\n", 2); /* milliseconds */
    s_fails_at(f, HDR "1767225600500000000,A,a,1m,USD,1,1,,\n-1,A,a,1m,USD,1,1,,\n", 3);
}

/* Regression: CSV sources took model ids JSON sources refuse (not UTF-8), which tix-query
 * --format jsonl then printed as invalid JSON. Each text field, named, with its line. */
static void test_not_utf8(void **state)
{
    s_fix_t *f = *state;
    s_fails_at(f, HDR "1767225600000000001,A,a,1m,USD,1,1,,\n1767225600000000002,A,m\xff,1m,USD,1,1,,\n", 3);
    char want[256];
    snprintf(want, sizeof want, "%s:3: model: invalid UTF-8 (byte 0xff at offset 1 of the field)", f->path);
    assert_string_equal(tix_err(), want);
    s_fails_at(f, HDR "1767225600000000001,\xc3\x28,a,1m,USD,1,1,,\n", 2);     /* bad continuation */
    snprintf(want, sizeof want, "%s:2: provider: invalid UTF-8 (byte 0xc3 at offset 0 of the field)", f->path);
    assert_string_equal(tix_err(), want);
    s_fails_at(f, HDR "1767225600000000001,A,a,1m,\xc0\xafSD,1,1,,\n", 2);      /* overlong '/' */
    s_fails_at(f, HDR "1767225600000000001,A,\xed\xa0\x80,1m,USD,1,1,,\n", 2); /* surrogate */
    s_fails_at(f, HDR "1767225600000000001,A,a\xe2\x82,1m,USD,1,1,,\n", 2);     /* cut short */
    /* Valid multi-byte text is kept as it is. */
    tix_raw_quote_t q;
    tix_csv_t *c = s_open(f, HDR "1767225600000000001,\xe9\x80\x9a\xe4\xb9\x89,qwen-\xf0\x9f\x9a\x80,1m,CNY,1,1,,\n");
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_string_equal(q.provider, "\xe9\x80\x9a\xe4\xb9\x89");
    assert_string_equal(q.model, "qwen-\xf0\x9f\x9a\x80");
    tix_csv_destroy(&c);
}

static void test_blank_lines(void **state)
{
    s_fix_t *f = *state;
    tix_raw_quote_t q;
    tix_csv_t *c = s_open(f, HDR "\n1767225600000000001,A,a,1m,USD,1,1,,\n\n\n1767225600000000002,B,b,1m,USD,1,1,,\n\n");
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_string_equal(q.provider, "A");
    assert_int_equal(tix_csv_line(c), 3);
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_string_equal(q.provider, "B");
    assert_int_equal(tix_csv_line(c), 6);
    assert_int_equal(tix_csv_next(c, &q), 0);
    tix_csv_destroy(&c);
    /* blank lines still count for the line numbers of errors */
    s_fails_at(f, HDR "\n\n1767225600000000001,A,a,1m,USD,1,1,\n", 4);
}

static void test_crlf(void **state)
{
    s_fix_t *f = *state;
    tix_raw_quote_t q;
    tix_csv_t *c = s_open(f, TIX_CSV_HEADER "\r\n"
                                            "1767225600000000001,A,a,1m,USD,1,2,3,44\r\n"
                                            "\r\n"
                                            "1767225600000000002,\"B, Inc.\",b,1m,USD,1,2,,\r\n"
                                            "1767225600000000003,C,c,1m,USD,1,2,,\"5\"\r\n"
                                            "1767225600000000004,D,d,token,USD,1,2,,7");
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_string_equal(q.volume, "44"); /* no stray '\r' */
    assert_string_equal(q.cached, "3");
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_int_equal(tix_csv_line(c), 4);
    assert_string_equal(q.provider, "B, Inc.");
    assert_null(q.volume);
    assert_null(q.cached);
    assert_int_equal(tix_csv_next(c, &q), 1);
    assert_string_equal(q.volume, "5");
    assert_int_equal(tix_csv_next(c, &q), 1); /* the last line has no line end */
    assert_string_equal(q.unit, "token");
    assert_string_equal(q.volume, "7");
    assert_int_equal(tix_csv_next(c, &q), 0);
    tix_csv_destroy(&c);
    s_fails_at(f, TIX_CSV_HEADER "\r\n1767225600000000001,A,a,1m,USD,1,2,3,44\r\n1767225600000000000,A,a,1m,USD,1,2,3,44\r\n", 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_header, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_rows, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_empty_fields_null, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_quoted, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_put_field_roundtrip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_field_count, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_recv_ns, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_not_utf8, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_blank_lines, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_crlf, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
