/* Unit tests for core helpers: error record, time formatting/parsing, string table, logging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_diag.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_schema.h"
#include "tix_strtab.h"
#include "tix_time.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void test_err_record(void **state)
{
    (void)state;
    tix_err_clear();
    assert_string_equal(tix_err(), "");
    TIX_SET_ERR(EINVAL, "provider %s: field %s: not a number", "acme", "input");
    assert_string_equal(tix_err(), "provider acme: field input: not a number");
    assert_int_equal(tix_err_code(), EINVAL);
    /* the call site is this file, relative to the source tree */
    assert_non_null(strstr(tix_err_site(), "tests/unit/test_core.c:"));
}

static void *s_thread(void *arg)
{
    (void)arg;
    TIX_SET_ERR(EIO, "other thread");
    return NULL;
}

static void test_err_per_thread(void **state)
{
    (void)state;
    TIX_SET_ERR(EINVAL, "main thread");
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, s_thread, NULL), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_string_equal(tix_err(), "main thread");
}

/* Wrapping the previous message is the common way to add context; the new text must be
 * built from the old one intact (it was once overwritten while being read). */
static void test_err_wraps_previous(void **state)
{
    (void)state;
    TIX_SET_ERR(ENOENT, "cannot open /etc/tix/sign.key: No such file or directory");
    TIX_SET_ERR(tix_err_code(), "publisher.signing_key: %s", tix_err());
    assert_string_equal(tix_err(),
                        "publisher.signing_key: cannot open /etc/tix/sign.key: No such file or directory");
    assert_int_equal(tix_err_code(), ENOENT);
}

static void test_time_format(void **state)
{
    (void)state;
    char b[40];
    assert_string_equal(tix_time_format_iso(0, b, sizeof b), "1970-01-01T00:00:00.000000000Z");
    assert_string_equal(tix_time_format_iso(INT64_C(1767225601500000001), b, sizeof b),
                        "2026-01-01T00:00:01.500000001Z");
    assert_string_equal(tix_time_format_iso(-1, b, sizeof b), "1969-12-31T23:59:59.999999999Z");
    assert_string_equal(tix_time_format_date(INT64_C(1709164800) * TIX_NS_PER_S, b, sizeof b),
                        "2024-02-29");
}

static void test_time_parse(void **state)
{
    (void)state;
    int64_t ns;
    assert_int_equal(tix_time_parse_iso("2026-01-01", &ns), 0);
    assert_int_equal(ns, INT64_C(1767225600) * TIX_NS_PER_S);
    assert_int_equal(tix_time_parse_iso("2026-01-01T00:00:01.5Z", &ns), 0);
    assert_int_equal(ns, INT64_C(1767225601500000000));
    assert_int_equal(tix_time_parse_iso("2024-02-29T12:30", &ns), 0);
    assert_int_equal(ns, (INT64_C(1709164800) + 12 * 3600 + 30 * 60) * TIX_NS_PER_S);
 /* outside what int64 nanoseconds hold: refused, not overflowed */
    assert_int_equal(tix_time_parse_iso("9999-01-01", &ns), -1);
    assert_non_null(strstr(tix_err(), "year 9999 is outside 1678..2261"));
    assert_int_equal(tix_time_parse_iso("2261-12-31T23:59", &ns), 0);
    const char *bad[] = {"2025-02-29", "2026-13-01", "2026-01-01T24:00", "2026-1-1", "",
                         "2026-01-01T00:00:00.", "2026-01-01Z0", "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tix_time_parse_iso(bad[i], &ns), -1);
        assert_non_null(strstr(tix_err(), "is not an ISO-8601 UTC time"));
    }
}

static void test_floor_div(void **state)
{
    (void)state;
    assert_int_equal(tix_floor_div(7, 2), 3);
    assert_int_equal(tix_floor_div(-7, 2), -4);
    assert_int_equal(tix_floor_div(-8, 2), -4);
    assert_int_equal(tix_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(tix_days_from_civil(2000, 3, 1), 11017);
}

static void test_strtab(void **state)
{
    (void)state;
    tix_strtab_t *t = tix_strtab_new();
    assert_non_null(t);
    char name[32];
    for (int i = 0; i < 1000; i++) { /* forces several rehashes */
        snprintf(name, sizeof name, "provider-%d", i);
        assert_int_equal(tix_strtab_intern(t, name, strlen(name)), i);
    }
    assert_int_equal(tix_strtab_size(t), 1000);
    assert_int_equal(tix_strtab_intern(t, "provider-17", 11), 17);
    assert_int_equal(tix_strtab_find(t, "provider-999", 12), 999);
    assert_int_equal(tix_strtab_find(t, "nope", 4), -1);
    assert_string_equal(tix_strtab_name(t, 42), "provider-42");
    /* binary keys with NUL bytes are distinct by length and content */
    assert_int_equal(tix_strtab_intern(t, "a\0b", 3), 1000);
    assert_int_equal(tix_strtab_intern(t, "a\0c", 3), 1001);
    tix_strtab_destroy(&t);
    assert_null(t);
    tix_strtab_destroy(&t); /* safe twice */
}

static void test_diag_and_edit_distance(void **state)
{
    (void)state;
    tix_diag_t *d = tix_diag_new();
    tix_diag_add(d, "%s:%d: one", "f.conf", 3);
    tix_diag_add(d, "two");
    assert_int_equal(tix_diag_count(d), 2);
    assert_string_equal(tix_diag_get(d, 0), "f.conf:3: one");
    tix_diag_destroy(&d);
    assert_null(d);
    assert_int_equal(tix_edit_distance("intervl_ms", "interval_ms"), 1);
    assert_int_equal(tix_edit_distance("", "abc"), 3);
    assert_int_equal(tix_edit_distance("stale_ms", "stale_ms"), 0);
}

/* A name from the network (a refused quote's model, a provider's error text) holding a newline
 * and a terminal escape must not forge a second log line in text mode. */
static void test_log_text_no_forged_lines(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    tix_log_set_stream(f);
    tix_log_set_level(TIX_LOG_INFO);
    tix_warn("model: '%s' matches no mapping rule",
             "m\n2026-01-01T00:00:00.000000000Z ERROR engine: index halted\x1b[2J\\");
    tix_log_set_stream(NULL);
    fclose(f);
    size_t lines = 0;
    for (const char *c = buf; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 1);
    assert_null(strchr(buf, 0x1b));
    assert_non_null(strstr(buf, "'m\\n2026-01-01T00:00:00.000000000Z ERROR engine: index halted\\x1b[2J\\' matches"));
    free(buf);
}

static void test_log_json(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    tix_log_set_stream(f);
    tix_log_set_json(true);
    tix_log_set_level(TIX_LOG_INFO);
    tix_debug("hidden");
    tix_warn("quote \"x\"\tfrom %s", "acme");
    tix_log_set_json(false);
    tix_error("plain");
    tix_log_set_stream(NULL);
    fclose(f);
    assert_null(strstr(buf, "hidden"));
    assert_non_null(strstr(buf, "\"level\":\"warn\",\"msg\":\"quote \\\"x\\\"\\u0009from acme\"}\n"));
    assert_non_null(strstr(buf, "Z error plain\n"));
    assert_true(strncmp(buf, "{\"ts\":\"20", 9) == 0);
    free(buf);
    tix_log_level_t lvl;
    assert_int_equal(tix_log_level_parse("WARN", &lvl), 0);
    assert_int_equal(lvl, TIX_LOG_WARN);
    assert_int_equal(tix_log_level_parse("verbose", &lvl), -1);
}

static int s_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* A flood from one call site costs one line per window, and the next line says how many
 * were held back; another call site is not silenced by it. */
static void test_log_limited(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    tix_log_set_stream(f);
    tix_log_set_json(false);
    tix_log_set_level(TIX_LOG_INFO);
    tix_log_set_limit_ms(200);
    tix_log_limit_t a = {0}, b = {0};
    for (int i = 0; i < 1000; i++)
        tix_log_limited(&a, TIX_LOG_WARN, "refused key %d", i);
    tix_log_limited(&b, TIX_LOG_WARN, "other site");
    struct timespec nap = {0, 250 * 1000000L};
    nanosleep(&nap, NULL);
    tix_log_limited(&a, TIX_LOG_WARN, "refused key %d", 1000);
    tix_log_set_stream(NULL);
    tix_log_set_limit_ms(10000);
    fclose(f);
    assert_int_equal(s_count(buf, "refused key"), 2);
    assert_non_null(strstr(buf, "refused key 0\n"));
    assert_non_null(strstr(buf, "refused key 1000 [999 more like this in the last 0 s]\n"));
    assert_int_equal(s_count(buf, "other site"), 1);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_record),  cmocka_unit_test(test_err_per_thread),
        cmocka_unit_test(test_time_format), cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_floor_div),   cmocka_unit_test(test_strtab),
        cmocka_unit_test(test_diag_and_edit_distance), cmocka_unit_test(test_log_json),
        cmocka_unit_test(test_log_text_no_forged_lines),
        cmocka_unit_test(test_err_wraps_previous), cmocka_unit_test(test_log_limited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
