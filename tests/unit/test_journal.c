/* Unit tests of the journal: CRC32C vector, record codec, append/read round trip, torn tails and corruption. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_crc32c.h"
#include "tix_err.h"
#include "tix_journal.h"
#include "tix_log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY 20454 /* 2026-01-01 */
#define T0 (INT64_C(1767225600) * 1000000000)

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/tix-jtest-XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    return system(cmd);
}

static void test_crc32c_vector(void **state)
{
    (void)state;
    assert_int_equal(tix_crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(tix_crc32c(0, "", 0), 0);
    /* continuing a CRC over pieces equals one pass, whatever the split */
    const char *t = "The quick brown fox jumps over the lazy dog, twice over";
    uint32_t whole = tix_crc32c(0, t, strlen(t));
    for (size_t k = 0; k <= strlen(t); k++)
        assert_int_equal(tix_crc32c(tix_crc32c(0, t, k), t + k, strlen(t) - k), whole);
    /* 32 zero bytes: a published CRC32C check value (RFC 3720 B.4) */
    uint8_t z[32] = {0};
    assert_int_equal(tix_crc32c(0, z, sizeof z), 0x8A9136AAu);
}

static tix_record_t s_quote(uint64_t i)
{
    tix_record_t r = {.kind = TIX_REC_QUOTE, .seq = i};
    tix_rec_quote_t *q = &r.u.quote;
    q->recv_ns = T0 + (int64_t)i;
    snprintf(q->provider, sizeof q->provider, "prov%llu", (unsigned long long)(i % 7));
    snprintf(q->model, sizeof q->model, "model-%llu-large", (unsigned long long)(i % 3));
    strcpy(q->currency, "CNY");
    q->tier = 0;
    q->unit = 1000;
    q->fx_e9 = 138000000;
    q->local_input = 1000000000 + (int64_t)i;
    q->local_output = TIX_PRICE_NULL;
    q->local_cached = -5;
    q->input = q->output = q->cached = q->blended = 138000000;
    q->volume = -1;
    return r;
}

static void test_record_codec(void **state)
{
    (void)state;
    tix_record_t in[4] = {s_quote(1)};
    in[1] = (tix_record_t){.kind = TIX_REC_CLOCK, .seq = 2};
    in[1].u.clock.kind = TIX_CLOCK_CLOSE;
    in[1].u.clock.ns = -7;
    in[2] = (tix_record_t){.kind = TIX_REC_TICK, .seq = 3};
    in[2].u.tick = (tix_tick_t){T0, 2, TIX_PRICE_NULL, TIX_STATUS_STALE, 1, 2, 3, 4};
    in[3] = (tix_record_t){.kind = TIX_REC_SETTLE, .seq = UINT64_MAX};
    in[3].u.settle.s = (tix_settlement_t){T0, 1, "2026-01-01", 42, TIX_SETTLE_FALLBACK, 7};
    memset(in[3].u.settle.signature, 0xab, TIX_SIG_SIZE);
    memset(in[3].u.settle.key_id, 0x01, TIX_KEY_ID_SIZE);
    for (int i = 0; i < 4; i++) {
        uint8_t buf[TIX_REC_PAYLOAD_MAX], again[TIX_REC_PAYLOAD_MAX];
        int n = tix_record_encode(&in[i], buf);
        assert_true(n > 0);
        tix_record_t out;
        assert_int_equal(tix_record_decode(buf, (size_t)n, &out), 0);
        assert_int_equal(tix_record_encode(&out, again), n);
        assert_memory_equal(buf, again, (size_t)n);
        assert_int_equal(out.seq, in[i].seq);
        /* every truncation is refused, never read out of bounds */
        for (int k = 0; k < n; k++)
            assert_int_equal(tix_record_decode(buf, (size_t)k, &out), -1);
    }
    /* a name that is too long is refused with a message */
    tix_rec_quote_t q;
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    tix_quote_t nq = {0};
    assert_int_equal(tix_rec_quote_fill(&q, &nq, longname, "m", "USD", TIX_REASON_NONE), -1);
    assert_non_null(strstr(tix_err(), "provider name"));
}

static uint64_t s_write(uint64_t from, uint64_t n)
{
    tix_journal_info_t info;
    tix_journal_t *j = tix_journal_open(s_dir, DAY, &info);
    assert_non_null(j);
    for (uint64_t i = from; i < from + n; i++) {
        tix_record_t r = s_quote(i);
        assert_int_equal(tix_journal_append(j, &r), 0);
    }
    assert_int_equal(tix_journal_flush(j), 0);
    assert_int_equal(tix_journal_sync(j), 0);
    uint64_t size = tix_journal_size(j);
    tix_journal_destroy(&j);
    return size;
}

static void s_path(char *buf, size_t len)
{
    assert_int_equal(tix_day_path(s_dir, DAY, ".journal", buf, len), 0);
}

static void test_round_trip(void **state)
{
    (void)state;
    s_write(1, 5000);
    s_write(5001, 10); /* reopening appends after the last record */
    char path[256];
    s_path(path, sizeof path);
    assert_non_null(strstr(path, "tix-20260101.journal"));
    tix_jreader_t *rd = tix_jreader_open(path, DAY);
    assert_non_null(rd);
    tix_record_t r;
    uint64_t n = 0;
    while (tix_jreader_next(rd, UINT64_MAX, &r) == 1) {
        tix_record_t want = s_quote(++n);
        assert_int_equal(r.seq, n);
        assert_string_equal(r.u.quote.model, want.u.quote.model);
        assert_int_equal(r.u.quote.local_input, want.u.quote.local_input);
    }
    assert_false(tix_jreader_torn(rd));
    assert_int_equal(n, 5010);
    tix_jreader_destroy(&rd);
    int64_t *days;
    size_t nd;
    assert_int_equal(tix_journal_list(s_dir, &days, &nd), 0);
    assert_int_equal(nd, 1);
    assert_int_equal(days[0], DAY);
    free(days);
}

/* The publish ledger record: encoded and decoded whole, seq 0, not counted by recovery; the
 * reserve is preallocated without changing the size; a move continues the day elsewhere,
 * keeping what is buffered. */
static void test_ledger_reserve_move(void **state)
{
    (void)state;
    tix_journal_info_t info;
    tix_journal_t *j = tix_journal_open(s_dir, DAY, &info);
    assert_non_null(j);
    tix_record_t q = s_quote(1), p = {.kind = TIX_REC_PUBLISHED};
    p.u.pub = (tix_rec_pub_t){7, 1, 1, q.u.quote.recv_ns, TIX_REC_QUOTE};
    assert_int_equal(tix_journal_append(j, &q), 0);
    assert_int_equal(tix_journal_append(j, &p), 0);
    assert_int_equal(tix_journal_flush(j), 0);
    uint64_t size = tix_journal_size(j);
    assert_int_equal(tix_journal_reserve(j, 65536), 0);
    assert_true(tix_journal_reserved(j) >= 65536);
    char path[256];
    s_path(path, sizeof path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, size); /* FALLOC_FL_KEEP_SIZE */
    char other[128];
    snprintf(other, sizeof other, "%s/fallback", s_dir);
    assert_int_equal(mkdir(other, 0755), 0);
    tix_record_t q2 = s_quote(2);
    assert_int_equal(tix_journal_append(j, &q2), 0);
    assert_int_equal(tix_journal_move(j, other, &info), 0);
    assert_int_equal(tix_journal_flush(j), 0);
    assert_non_null(strstr(tix_journal_path(j), "/fallback/tix-20260101.journal"));
    tix_journal_destroy(&j);
    assert_int_equal(tix_journal_recover(path, DAY, &info), 0);
    assert_int_equal(info.records, 1); /* the ledger record has no seq */
    assert_int_equal(info.last_seq, 1);
    tix_jreader_t *rd = tix_jreader_open(path, DAY);
    tix_record_t r;
    assert_int_equal(tix_jreader_next(rd, UINT64_MAX, &r), 1);
    assert_int_equal(tix_jreader_next(rd, UINT64_MAX, &r), 1);
    assert_int_equal(r.kind, TIX_REC_PUBLISHED);
    assert_int_equal(r.seq, 0);
    assert_memory_equal(&r.u.pub, &p.u.pub, sizeof r.u.pub);
    tix_jreader_destroy(&rd);
    assert_int_equal(tix_day_path(other, DAY, ".journal", path, sizeof path), 0);
    assert_int_equal(tix_journal_recover(path, DAY, &info), 0);
    assert_int_equal(info.first_seq, 2); /* the buffered record went to the fallback */
    const char *dirs[2] = {s_dir, other};
    int64_t *days;
    size_t nd;
    assert_int_equal(tix_journal_days(dirs, 2, ".journal", &days, &nd), 0);
    assert_int_equal(nd, 1); /* one day with a part in each directory */
    free(days);
}

static void test_torn_tail(void **state)
{
    (void)state;
    uint64_t size = s_write(1, 100);
    char path[256];
    s_path(path, sizeof path);
    /* cut the last record in half, as kill -9 in the middle of write(2) can */
    assert_int_equal(truncate(path, (off_t)size - 20), 0);
    tix_journal_info_t info;
    assert_int_equal(tix_journal_recover(path, DAY, &info), 0);
    assert_int_equal(info.records, 99);
    assert_int_equal(info.last_seq, 99);
    assert_true(info.torn_bytes > 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, info.end);
    /* zeros at the end (an extended but unwritten tail) are also a torn tail */
    int fd = open(path, O_WRONLY | O_APPEND);
    uint8_t zeros[4096] = {0};
    assert_int_equal(write(fd, zeros, sizeof zeros), (ssize_t)sizeof zeros);
    close(fd);
    assert_int_equal(tix_journal_recover(path, DAY, &info), 0);
    assert_int_equal(info.records, 99);
    assert_int_equal(info.torn_bytes, sizeof zeros);
    /* appending continues after the cut */
    s_write(100, 1);
    assert_int_equal(tix_journal_recover(path, DAY, &info), 0);
    assert_int_equal(info.records, 100);
    assert_int_equal(info.torn_bytes, 0);
}

static void test_corruption_in_the_middle(void **state)
{
    (void)state;
    s_write(1, 100);
    char path[256];
    s_path(path, sizeof path);
    int fd = open(path, O_RDWR);
    uint8_t b = 0;
    assert_int_equal(pread(fd, &b, 1, 200), 1);
    b ^= 0x55;
    assert_int_equal(pwrite(fd, &b, 1, 200), 1);
    close(fd);
    tix_journal_info_t info;
    assert_int_equal(tix_journal_recover(path, DAY, &info), -1);
    assert_non_null(strstr(tix_err(), "corrupt record at offset"));
    assert_non_null(strstr(tix_err(), path));
    /* not a journal at all */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "hello, this is not a journal", 28), 28);
    close(fd);
    assert_int_equal(tix_journal_recover(path, DAY, &info), -1);
    assert_non_null(strstr(tix_err(), "bad magic"));
}

/* A flipped bit in a length field near the end makes that record reach past the end of the
 * file; the good records after it must not be cut off as a "torn tail". */
static void test_bad_length_near_the_end_is_corruption(void **state)
{
    (void)state;
    uint64_t size = s_write(1, 100);
    char path[256];
    s_path(path, sizeof path);
    tix_journal_info_t info;
    /* Find the record two before the end by walking the lengths from the header. */
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint64_t off = TIX_JOURNAL_HEADER_SIZE, prev2 = 0, prev1 = 0;
    while (off < size) {
        uint8_t h[4];
        assert_int_equal(pread(fd, h, 4, (off_t)off), 4);
        prev2 = prev1;
        prev1 = off;
        off += TIX_REC_HEADER_SIZE + (uint32_t)(h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24);
    }
    assert_int_equal(off, size);
    uint8_t big[2] = {0xf0, 0x01}; /* length 496: past the end, within the maximum */
    assert_true(size - prev2 < 496 + TIX_REC_HEADER_SIZE);
    assert_int_equal(pwrite(fd, big, 2, (off_t)prev2), 2);
    close(fd);
    assert_int_equal(tix_journal_recover(path, DAY, &info), -1);
    assert_non_null(strstr(tix_err(), "record length reaches past the end of the file"));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, size); /* nothing was truncated */
}

static void test_day_names(void **state)
{
    (void)state;
    assert_int_equal(tix_day_of(T0), DAY);
    assert_int_equal(tix_day_of(T0 - 1), DAY - 1);
    assert_int_equal(tix_day_parse("tix-20260101.journal", ".journal"), DAY);
    assert_int_equal(tix_day_parse("tix-20261301.journal", ".journal"), -1);
    assert_int_equal(tix_day_parse("tix-2026010.journal", ".journal"), -1);
    assert_int_equal(tix_day_parse("tix-20260101.h5", ".journal"), -1);
}

int main(void)
{
    tix_log_set_level(TIX_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_vector),
        cmocka_unit_test(test_record_codec),
        cmocka_unit_test_setup_teardown(test_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_ledger_reserve_move, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_corruption_in_the_middle, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_length_near_the_end_is_corruption, s_setup, s_teardown),
        cmocka_unit_test(test_day_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
