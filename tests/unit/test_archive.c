/* Unit tests of the HDF5 archive: every dataset round trips, names tables, compression verified, bad files refused clearly. */
#include "tix_test.h"

#include "tix_archive.h"
#include "tix_err.h"
#include "tix_journal.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY 20454 /* 2026-01-01 */
#define T0 (INT64_C(1767225600) * 1000000000)
#define N 10000 /* more than one batch and one chunk */

static char *s_dir, s_path[128]; /* the per-test directory, and the day's file in it */
static const char *s_tiers[] = {"T1", "FRONTIER"};
static const tix_archive_meta_t s_meta = {"v1", "00112233", s_tiers, 2};

static int s_setup(void **state)
{
    (void)state;
    s_dir = tix_test_dir_new("atest");
    return tix_day_path(s_dir, DAY, ".h5", s_path, sizeof s_path);
}

static int s_teardown(void **state)
{
    (void)state;
    return tix_test_dir_destroy(&s_dir);
}

/* Record i of a deterministic mix: quotes, clock events, ticks, settlements. */
static tix_record_t s_rec(uint64_t i)
{
    tix_record_t r = {.seq = i + 1};
    switch (i % 4) {
    case 0:
        r.kind = TIX_REC_QUOTE;
        r.u.quote = (tix_rec_quote_t){.recv_ns = T0 + (int64_t)i, .tier = (int32_t)(i % 3) - 1,
                                      .reason = (uint8_t)(i % 6), .unit = 1000, .fx_e9 = 1000000000,
                                      .local_input = (int64_t)i, .local_output = TIX_PRICE_NULL,
                                      .local_cached = 3, .input = (int64_t)i,
                                      .output = TIX_PRICE_NULL, .cached = 3, .blended = 7,
                                      .volume = (int64_t)i - 5};
        snprintf(r.u.quote.provider, sizeof r.u.quote.provider, "prov-%llu", (unsigned long long)(i % 11));
        snprintf(r.u.quote.model, sizeof r.u.quote.model, "model-%llu", (unsigned long long)(i % 13));
        strcpy(r.u.quote.currency, i % 8 ? "USD" : "CNY");
        break;
    case 1:
        r.kind = TIX_REC_CLOCK;
        r.u.clock.kind = (tix_clock_kind_t)(i % 3);
        r.u.clock.ns = T0 + (int64_t)i;
        break;
    case 2:
        r.kind = TIX_REC_TICK;
        r.u.tick = (tix_tick_t){T0 + (int64_t)i, (int32_t)(i % 2), (int64_t)i * 1000,
                                (tix_status_t)(i % 3), 1, 2, 3, 4};
        break;
    default:
        r.kind = TIX_REC_SETTLE;
        r.u.settle.s = (tix_settlement_t){T0 + (int64_t)i, 1, "2026-01-01", (int64_t)i,
                                          (tix_settle_status_t)(i % 3), 12};
        for (int k = 0; k < TIX_SIG_SIZE; k++)
            r.u.settle.signature[k] = (uint8_t)(i + (uint64_t)k);
        memset(r.u.settle.key_id, 0xfe, TIX_KEY_ID_SIZE);
    }
    return r;
}

static void s_write_file(void)
{
    tix_archive_t *a = tix_archive_create(s_dir, DAY, &s_meta, 1000);
    assert_non_null(a);
    assert_string_equal(tix_archive_path(a), s_path);
    for (uint64_t i = 0; i < N; i++) {
        tix_record_t r = s_rec(i);
        assert_int_equal(tix_archive_add(a, &r), 0);
        if (i % 3000 == 0)
            assert_int_equal(tix_archive_flush(a), 0);
    }
    assert_int_equal(tix_archive_close(&a), 0);
    assert_null(a);
}

static int s_same(const tix_record_t *a, const tix_record_t *b)
{
    uint8_t x[TIX_REC_PAYLOAD_MAX], y[TIX_REC_PAYLOAD_MAX];
    int n = tix_record_encode(a, x), m = tix_record_encode(b, y);
    return n > 0 && n == m && memcmp(x, y, (size_t)n) == 0;
}

static void s_read_back(void)
{
    tix_afile_t *f = tix_afile_open(s_path, true);
    assert_non_null(f);
    assert_int_equal(tix_afile_rows(f, TIX_ADS_QUOTES), N / 4);
    assert_int_equal(tix_afile_rows(f, TIX_ADS_SETTLEMENTS), N / 4);
    assert_int_equal(tix_afile_rows(f, TIX_ADS_PROVIDERS), 11);
    assert_int_equal(tix_afile_rows(f, TIX_ADS_MODELS), 13);
    assert_string_equal(tix_afile_name(f, TIX_ADS_TIERS, 1), "FRONTIER");
    assert_string_equal(tix_afile_name(f, TIX_ADS_TIERS, 2), "?");
    assert_string_equal(tix_afile_attr(f, "methodology"), "v1");
    assert_string_equal(tix_afile_attr(f, "config_sha256"), "00112233");
    assert_string_equal(tix_afile_attr(f, "day"), "2026-01-01");
    tix_amerge_t *m = tix_amerge_new(f, 0xf);
    assert_non_null(m);
    tix_record_t r;
    uint64_t i = 0;
    int rc;
    while ((rc = tix_amerge_next(m, &r, NULL)) == 1) {
        tix_record_t want = s_rec(i++);
        assert_true(s_same(&r, &want));
    }
    assert_int_equal(rc, 0);
    assert_int_equal(i, N);
    tix_amerge_destroy(&m);
    tix_afile_close(&f);
}

static void test_round_trip(void **state)
{
    (void)state;
    s_write_file();
    s_read_back();
    assert_int_equal(access(s_path, F_OK), 0);
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", s_path);
    assert_int_equal(access(tmp, F_OK), -1); /* renamed into place */
}

/* Name `len` bytes long, no NULs: a name is a prefix of every longer one, the hardest case
 * for a comparison by words; `alt` gives another family, equal to the first up to a byte.
 * After the NUL, bytes that change with `noise` and must not count. */
static void s_name(char *field, size_t cap, size_t len, int alt, uint64_t noise)
{
    static const char junk[] = {0x01, (char)0x80, (char)0xff, 0, 'a'};
    for (size_t j = 0; j < cap; j++)
        field[j] = junk[(j + noise) % sizeof junk];
    for (size_t j = 0; j < len; j++)
        field[j] = (char)(1 + (j * 37 + (alt && j == len - 1 ? 101 : 0)) % 255);
    field[len] = 0;
}

/* Names of every length a field holds, interleaved, in runs and repeated, with bytes after
 * their NUL that must not count: each quote reads back with its own names, and each name
 * has one row. */
static void test_names(void **state)
{
    (void)state;
    tix_archive_t *a = tix_archive_create(s_dir, DAY, &s_meta, 100);
    assert_non_null(a);
    const uint64_t rows = 4000;
    for (uint64_t i = 0; i < rows; i++) {
        tix_record_t r = {.kind = TIX_REC_QUOTE, .seq = i + 1};
        r.u.quote.recv_ns = T0 + (int64_t)i;
        s_name(r.u.quote.provider, TIX_REC_PROVIDER_MAX, i * 7 % TIX_REC_PROVIDER_MAX, 0, i);
        s_name(r.u.quote.model, TIX_REC_MODEL_MAX, i / 3 * 5 % TIX_REC_MODEL_MAX,
               i / 3 / TIX_REC_MODEL_MAX % 2, i);
        strcpy(r.u.quote.currency, "USD");
        assert_int_equal(tix_archive_add(a, &r), 0);
    }
    /* A name without its NUL is refused, and the file stays whole. */
    tix_record_t bad = {.kind = TIX_REC_QUOTE, .seq = rows + 1};
    memset(bad.u.quote.provider, 'p', sizeof bad.u.quote.provider);
    assert_int_equal(tix_archive_add(a, &bad), -1);
    assert_non_null(strstr(tix_err(), "not NUL-terminated"));
    assert_int_equal(tix_archive_close(&a), 0);

    tix_afile_t *f = tix_afile_open(s_path, true);
    assert_non_null(f);
    assert_int_equal(tix_afile_rows(f, TIX_ADS_QUOTES), rows);
    assert_int_equal(tix_afile_rows(f, TIX_ADS_PROVIDERS), TIX_REC_PROVIDER_MAX);
    assert_int_equal(tix_afile_rows(f, TIX_ADS_MODELS), 2 * TIX_REC_MODEL_MAX - 1); /* one "" */
    tix_amerge_t *m = tix_amerge_new(f, 1u << TIX_ADS_QUOTES);
    assert_non_null(m);
    tix_record_t r;
    char want[TIX_REC_MODEL_MAX];
    for (uint64_t i = 0; i < rows; i++) {
        assert_int_equal(tix_amerge_next(m, &r, NULL), 1);
        s_name(want, TIX_REC_PROVIDER_MAX, i * 7 % TIX_REC_PROVIDER_MAX, 0, 0);
        assert_string_equal(r.u.quote.provider, want);
        s_name(want, TIX_REC_MODEL_MAX, i / 3 * 5 % TIX_REC_MODEL_MAX,
               i / 3 / TIX_REC_MODEL_MAX % 2, 0);
        assert_string_equal(r.u.quote.model, want);
    }
    assert_int_equal(tix_amerge_next(m, &r, NULL), 0);
    tix_amerge_destroy(&m);
    tix_afile_close(&f);
}

static void test_compress(void **state)
{
    (void)state;
    s_write_file();
    assert_int_equal(tix_archive_compress(s_path), 0);
    s_read_back(); /* same rows after the rewrite */
    hid_t f = H5Fopen(s_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/quotes", H5P_DEFAULT), p = H5Dget_create_plist(d);
    assert_true(H5Pget_nfilters(p) == 2); /* shuffle + deflate */
    H5Pclose(p);
    H5Dclose(d);
    H5Fclose(f);
}

static void test_bad_files(void **state)
{
    (void)state;
    assert_null(tix_afile_open(s_path, true));
    assert_non_null(strstr(tix_err(), s_path));
    assert_non_null(strstr(tix_err(), "No such file"));
    FILE *f = fopen(s_path, "w");
    assert_non_null(f);
    fputs("garbage, not HDF5\n", f);
    fclose(f);
    assert_null(tix_afile_open(s_path, true));
    assert_non_null(strstr(tix_err(), "not an HDF5 file"));
    assert_int_equal(tix_archive_compress(s_path), -1);
    assert_non_null(strstr(tix_err(), s_path));
    /* an HDF5 file that is not an archive */
    hid_t h = H5Fcreate(s_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(h);
    assert_null(tix_afile_open(s_path, false));
    assert_non_null(strstr(tix_err(), "not a tix archive"));
    /* a directory that cannot hold the file */
    assert_null(tix_archive_create("/nonexistent-dir/x", DAY, &s_meta, 10));
    assert_non_null(strstr(tix_err(), "cannot create"));
}

int main(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_names, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_compress, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
