/* Unit tests for what libconfig 1.5 would exit on or misread: bad @includes (file:line, no exit(2)) and integers, plain or with the L suffix, read as 64 bits and range-checked. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_config.h"
#include "tix_diag.h"
#include "tix_err.h"
#include "tix_test_file.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_dir[512];

#define TIERS "tiers = ( { id = \"A\"; } );\n"
#define REST "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"A\"; } );\nfx = { USD = \"1\"; };\n"

static int s_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(s_dir, sizeof s_dir, "%s/tix-test-cfgscan-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_rm(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static int s_teardown(void **state)
{
    (void)state;
    return nftw(s_dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes `text` to s_dir/name; returns the path. */
static const char *s_write(const char *name, const char *text)
{
    return tix_test_write(s_dir, name, text);
}

/* Loading `main` fails with exactly one message, `want` with "$" standing for s_dir. */
static void s_expect_one(const char *main, const char *want)
{
    char exp[4096] = "";
    for (const char *w = want; *w; w++)
        if (*w == '$')
            strncat(exp, s_dir, sizeof exp - strlen(exp) - 1);
        else
            strncat(exp, (char[2]){*w, 0}, sizeof exp - strlen(exp) - 1);
    tix_diag_t *d = tix_diag_new();
    assert_non_null(d);
    tix_config_t *cfg = tix_config_load(main, d);
    for (size_t i = 0; i < tix_diag_count(d); i++)
        print_message("  got[%zu]: %s\n", i, tix_diag_get(d, i));
    assert_null(cfg);
    assert_int_equal(tix_diag_count(d), 1);
    assert_string_equal(tix_diag_get(d, 0), exp);
    assert_string_equal(tix_err(), exp);
    tix_diag_destroy(&d);
}

static tix_config_t *s_load_ok(const char *text)
{
    tix_diag_t *d = tix_diag_new();
    tix_config_t *cfg = tix_config_load(s_write("x.conf", text), d);
    for (size_t i = 0; i < tix_diag_count(d); i++)
        print_message("  got[%zu]: %s\n", i, tix_diag_get(d, i));
    assert_non_null(cfg);
    tix_diag_destroy(&d);
    return cfg;
}

/* ---- @include: each of these made libconfig call exit(2) or answered without file:line */

static void test_include_directory(void **state)
{
    (void)state;
    char sub[600];
    snprintf(sub, sizeof sub, "%s/d", s_dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    s_expect_one(s_write("x.conf", TIERS "@include \"d\"\n" REST),
                 "$/x.conf:2: @include \"d\": $/d is a directory, not a configuration file");
}

static void test_include_empty_name(void **state)
{
    (void)state;
    s_expect_one(s_write("x.conf", TIERS REST "  @include \"\"\n"),
                 "$/x.conf:4: @include \"\": an empty file name (it would name the folder $)");
}

static void test_include_missing(void **state)
{
    (void)state;
    s_write("a.inc", "# fine\n@include \"nope.inc\"\n");
    s_expect_one(s_write("x.conf", "@include \"a.inc\"\n" TIERS REST),
                 "$/a.inc:2: @include \"nope.inc\": $/nope.inc: No such file or directory");
}

static void test_include_unreadable(void **state)
{
    (void)state;
    if (geteuid() == 0) {
        print_message("  skipped: root reads mode 0000 files\n");
        return;
    }
    const char *inc = s_write("secret.inc", "log = { level = \"info\"; };\n");
    assert_int_equal(chmod(inc, 0), 0);
    s_expect_one(s_write("x.conf", TIERS REST "@include \"secret.inc\"\n"),
                 "$/x.conf:4: @include \"secret.inc\": $/secret.inc: cannot open: Permission denied");
}

static void test_include_loop(void **state)
{
    (void)state;
    s_write("b.inc", "@include \"c.inc\"\n");
    s_write("c.inc", "\n@include \"b.inc\"\n");
    s_expect_one(s_write("x.conf", TIERS "@include \"b.inc\"\n" REST),
                 "$/c.inc:2: @include \"b.inc\": include loop: $/b.inc is already being read");
}

static void test_include_too_deep(void **state)
{
    (void)state;
    char name[32], text[64];
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof name, "n%d.inc", i);
        snprintf(text, sizeof text, i < 11 ? "@include \"n%d.inc\"\n" : "# end\n", i + 1);
        s_write(name, text);
    }
    s_expect_one(s_write("x.conf", "@include \"n0.inc\"\n" TIERS REST),
                 "$/n8.inc:1: @include \"n9.inc\": @include nested more than 10 deep");
}

/* Commented-out and quoted includes are not includes: nothing to refuse. */
static void test_include_in_comment_or_string(void **state)
{
    (void)state;
    tix_config_t *cfg = s_load_ok(TIERS REST "/*\n@include \"d\"\n*/\n"
                                  "log = { level = \"info\"; }; # @include \"\"\n");
    tix_config_destroy(&cfg);
}

/* ---- integers: the L suffix, and values beyond 32 bits */

static void test_l_suffix_read_as_64_bits(void **state)
{
    (void)state;
    tix_config_t *cfg = s_load_ok("tiers = ( { id = \"A\"; stale_ms = 3600000L; } );\n" REST
                                  "storage = { archive_dir = \"a\"; flush_ms = 2000L; };\n"
                                  "publisher = { ring_size = 1073741824L; sndhwm = 5000; };\n");
    assert_int_equal(cfg->tiers[0].stale_ms, 3600000);
    assert_int_equal(tix_config_int(cfg, "storage.flush_ms", 0), 2000);
    assert_int_equal(tix_config_int(cfg, "publisher.ring_size", 0), INT64_C(1) << 30);
    assert_int_equal(tix_config_int(cfg, "publisher.sndhwm", 0), 5000);
    assert_int_equal(tix_config_int(cfg, "publisher.heartbeat_ms", 77), 77);
    tix_config_destroy(&cfg);
}

static void test_l_suffix_out_of_range(void **state)
{
    (void)state;
    s_expect_one(s_write("x.conf", TIERS REST "storage = { archive_dir = \"a\";\n"
                                              "  flush_ms = 99999999999L; };\n"),
                 "$/x.conf:5: storage.flush_ms: 99999999999 is out of range [10, 3600000]");
}

/* libconfig 1.5 wraps a plain 3000000000 to -1294967296 without a word. */
static void test_plain_beyond_32_bits(void **state)
{
    (void)state;
    s_expect_one(s_write("x.conf", TIERS REST "publisher = { sndhwm = 3000000000; };\n"),
                 "$/x.conf:4: 3000000000 does not fit 32 bits, and libconfig would silently "
                 "wrap it: write 3000000000L");
}

static void test_beyond_64_bits(void **state)
{
    (void)state;
    s_expect_one(s_write("x.conf", TIERS REST "publisher = { sndhwm = 99999999999999999999L; };\n"),
                 "$/x.conf:4: 99999999999999999999 does not fit a 64-bit integer");
}

#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_include_directory),        T(test_include_empty_name),
        T(test_include_missing),          T(test_include_unreadable),
        T(test_include_loop),             T(test_include_too_deep),
        T(test_include_in_comment_or_string), T(test_l_suffix_read_as_64_bits),
        T(test_l_suffix_out_of_range),    T(test_plain_beyond_32_bits),
        T(test_beyond_64_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
