/* Unit tests of the storage stage: submit → journal → archive, acknowledgement, restart numbering, rollover, metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_archive.h"
#include "tix_err.h"
#include "tix_journal.h"
#include "tix_log.h"
#include "tix_storage.h"

#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define T0 (INT64_C(1767225600) * 1000000000)
#define DAY_NS (INT64_C(86400) * 1000000000)

static char s_dir[64];
static tix_config_t *s_cfg;
static tix_storage_opts_t s_opts;

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/tix-stest-XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    char conf[128];
    snprintf(conf, sizeof conf, "%s/tix.conf", s_dir);
    FILE *f = fopen(conf, "w");
    if (!f)
        return -1;
    fprintf(f, "tiers = ( { id = \"T1\"; } );\nmapping = ( { provider = \"*\"; model = \"*\"; "
               "tier = \"T1\"; } );\nfx = { USD = \"1\"; };\nstorage = { archive_dir = "
               "\"%s/a\"; flush_ms = 50; fsync_ms = 0; };\n", s_dir);
    fclose(f);
    s_cfg = tix_config_load(conf, NULL);
    return s_cfg && tix_storage_opts_from_config(s_cfg, &s_opts) == 0 ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    tix_config_destroy(&s_cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    return system(cmd);
}

static void s_submit(tix_storage_t *st, int64_t t, int n, uint64_t *last)
{
    for (int i = 0; i < n; i++) {
        tix_quote_t q = {.recv_ns = t + i, .tier = 0, .unit = TIX_UNIT_1M, .fx_e9 = 1000000000,
                         .input = 5, .output = 6, .cached = TIX_PRICE_NULL, .blended = 5,
                         .local_input = 5, .local_output = 6, .local_cached = TIX_PRICE_NULL,
                         .volume = -1};
        assert_int_equal(tix_storage_quote(st, &q, "acme", "m-large", "USD", TIX_REASON_NONE, last), 0);
        tix_tick_t tk = {t + i, 0, 5, TIX_STATUS_LOW, 1, 0, 0, 0};
        assert_int_equal(tix_storage_tick(st, &tk, last), 0);
    }
}

static uint64_t s_rows(int64_t day, tix_ads_t ds)
{
    char path[256];
    assert_int_equal(tix_day_path(s_opts.archive_dir, day, ".h5", path, sizeof path), 0);
    tix_afile_t *f = tix_afile_open(path, true);
    assert_non_null(f);
    uint64_t n = tix_afile_rows(f, ds);
    tix_afile_close(&f);
    return n;
}

static void test_store_and_restart(void **state)
{
    (void)state;
    assert_string_equal(strrchr(s_opts.journal_dir, '/'), "/journal");
    tix_storage_t *st = tix_storage_new(s_cfg, &s_opts);
    assert_non_null(st);
    uint64_t last = 0;
    s_submit(st, T0, 1000, &last);
    assert_int_equal(last, 2000);
    assert_int_equal(tix_storage_sync(st, 60000), 0);
    assert_true(tix_storage_durable(st) >= 2000);
    assert_int_equal(tix_storage_wait_archived(st, 60000), 0);
    char m[2048];
    assert_true(tix_storage_metrics(st, m, sizeof m) > 0);
    assert_non_null(strstr(m, "tix_storage_archived_seq 2000\n"));
    assert_non_null(strstr(m, "tix_storage_archive_up 1\n"));
    tix_storage_destroy(&st);
    assert_null(st);
    /* a restart continues the numbering and rebuilds the day from the journal, once */
    st = tix_storage_new(s_cfg, &s_opts);
    assert_non_null(st);
    s_submit(st, T0 + 5000, 10, &last);
    assert_int_equal(last, 2020);
    assert_int_equal(tix_storage_wait_archived(st, 60000), 0);
    tix_storage_destroy(&st);
    assert_int_equal(s_rows(20454, TIX_ADS_QUOTES), 1010);
    assert_int_equal(s_rows(20454, TIX_ADS_TICKS), 1010);
    assert_int_equal(s_rows(20454, TIX_ADS_PROVIDERS), 1);
}

static void test_rollover(void **state)
{
    (void)state;
    tix_storage_t *st = tix_storage_new(s_cfg, &s_opts);
    assert_non_null(st);
    uint64_t last = 0;
    s_submit(st, T0, 100, &last);
    s_submit(st, T0 + DAY_NS, 50, &last);
    s_submit(st, T0 + 10, 5, &last); /* a straggler: joins the open day */
    assert_int_equal(tix_storage_wait_archived(st, 60000), 0);
    tix_storage_stats_t s;
    tix_storage_stats(st, &s);
    assert_int_equal(s.days_closed, 1);
    tix_storage_destroy(&st);
    assert_int_equal(s_rows(20454, TIX_ADS_QUOTES), 100);
    assert_int_equal(s_rows(20455, TIX_ADS_QUOTES), 55);
    char done[256];
    assert_int_equal(tix_day_path(s_opts.journal_dir, 20454, ".journal.done", done, sizeof done), 0);
    assert_int_equal(access(done, F_OK), 0);
    /* after a restart only the open day is rebuilt; numbering goes on */
    st = tix_storage_new(s_cfg, &s_opts);
    assert_non_null(st);
    s_submit(st, T0 + DAY_NS + 1, 1, &last);
    assert_int_equal(last, 2 * 156);
    assert_int_equal(tix_storage_wait_archived(st, 60000), 0);
    tix_storage_destroy(&st);
    assert_int_equal(s_rows(20455, TIX_ADS_QUOTES), 56);
}

static void test_refusals(void **state)
{
    (void)state;
    tix_storage_t *st = tix_storage_new(s_cfg, &s_opts);
    assert_non_null(st);
    char longname[300];
    memset(longname, 'p', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    tix_quote_t q = {.recv_ns = T0};
    assert_int_equal(tix_storage_quote(st, &q, longname, "m", "USD", TIX_REASON_NONE, NULL), -1);
    assert_non_null(strstr(tix_err(), "longer than"));
    tix_storage_stats_t s;
    tix_storage_stats(st, &s);
    assert_int_equal(s.refused, 1);
    tix_storage_destroy(&st);
    /* a journal directory that cannot be created */
    tix_storage_opts_t bad = s_opts;
    snprintf(bad.journal_dir, sizeof bad.journal_dir, "/proc/tix-no/journal");
    assert_null(tix_storage_new(s_cfg, &bad));
    assert_non_null(strstr(tix_err(), "/proc/tix-no"));
}

static void s_fsize(rlim_t cur)
{
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = cur;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* While the journal cannot write, a full queue answers "try again" (EAGAIN): the caller's
 * retries are counted as such (queue_full), and tix_storage_refused_total counts records
 * refused for good, once each. */
static void test_refused_counts_records(void **state)
{
    (void)state;
    tix_storage_opts_t o = s_opts;
    o.block_when_full = false;
    o.queue_size = 800;
    o.reserve_kb = 0;
    signal(SIGXFSZ, SIG_IGN); /* writes past the limit fail with EFBIG: the journal is down */
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
    s_fsize(4096);
    tix_storage_t *st = tix_storage_new(s_cfg, &o);
    assert_non_null(st);
    tix_quote_t q = {.recv_ns = T0, .unit = TIX_UNIT_1M, .fx_e9 = 1000000000, .volume = -1};
    int rc = 0, submitted = 0;
    for (int i = 0; i < 100000 && rc == 0; i++, submitted++)
        rc = tix_storage_quote(st, &q, "acme", "m-large", "USD", TIX_REASON_NONE, NULL);
    assert_int_equal(rc, -1);
    assert_int_equal(tix_err_code(), EAGAIN);
    tix_storage_stats_t s;
    for (int i = 0; i < 500; i++) { /* bounded: the journal thread reports its failure */
        tix_storage_stats(st, &s);
        if (!s.journal_ok)
            break;
        usleep(10000);
    }
    assert_false(s.journal_ok);
    rc = 0; /* the journal thread took a batch before it failed: fill the room it left */
    for (int i = 0; i < 100000 && rc == 0; i++, submitted++)
        rc = tix_storage_quote(st, &q, "acme", "m-large", "USD", TIX_REASON_NONE, NULL);
    for (int i = 0; i < 50; i++) /* one record, tried again 50 times */
        assert_int_equal(tix_storage_quote(st, &q, "acme", "m-large", "USD", TIX_REASON_NONE, NULL), -1);
    tix_storage_stats(st, &s);
    assert_int_equal(s.refused, 0);
    assert_true(s.queue_full >= 52);
    char longname[300];
    memset(longname, 'p', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_int_equal(tix_storage_quote(st, &q, longname, "m", "USD", TIX_REASON_NONE, NULL), -1);
    s_fsize(rl.rlim_cur); /* space returns: everything queued is journalled */
    assert_int_equal(tix_storage_sync(st, 60000), 0);
    tix_storage_stats(st, &s);
    assert_int_equal(s.refused, 1);
    assert_int_equal(s.durable, (uint64_t)submitted - 2); /* the two EAGAINs ended the loops */
    tix_storage_destroy(&st);
}

int main(void)
{
    H5dont_atexit(); /* a file dropped after a write error must not be closed at exit */
    tix_log_set_level(TIX_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_and_restart, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_rollover, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_refused_counts_records, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
