/* Unit tests for the wire codec: golden hex vectors (tests/data/wire, as in docs/wire.md), round trips, rejects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads tests/data/wire/<name>.hex (written independently with Python's struct module
 * from the layout in docs/wire.md) into `buf`; returns its length. */
static size_t s_vector(const char *name, uint8_t *buf, size_t cap)
{
    const char *src = getenv("TIX_SRC");
    assert_non_null(src);
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/wire/%s.hex", src, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = 0;
    unsigned v;
    while (n < cap && fscanf(f, "%2x", &v) == 1)
        buf[n++] = (uint8_t)v;
    fclose(f);
    return n;
}

static tix_wire_header_t s_hdr(uint64_t cs, uint64_t ts, int64_t st)
{
    tix_wire_header_t h = {0};
    h.channel_seq = cs;
    h.topic_seq = ts;
    h.send_time_ns = st;
    return h;
}

static const uint8_t s_kid[8] = {0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18};

static void test_tick_vector(void **state)
{
    (void)state;
    uint8_t want[256], got[256];
    size_t n = s_vector("tick", want, sizeof want);
    assert_int_equal(n, TIX_WIRE_TICK_SIZE);
    tix_wire_tick_t t = {"FRONTIER", INT64_C(1767225601000000000), 10000000000, 200000000, 3, 1, 0, 0};
    tix_wire_header_t h = s_hdr(7, 3, INT64_C(1767225601000000123));
    assert_int_equal(tix_wire_encode_tick(&h, &t, got, sizeof got), TIX_WIRE_TICK_SIZE);
    assert_memory_equal(got, want, n);
    tix_wire_msg_t m;
    char err[160];
    assert_int_equal(tix_wire_decode(want, n, &m, err, sizeof err), 0);
    assert_int_equal(m.h.template_id, TIX_WIRE_TICK);
    assert_int_equal(m.h.channel_seq, 7);
    assert_int_equal(m.h.topic_seq, 3);
    assert_string_equal(m.u.tick.tier, "FRONTIER");
    assert_int_equal(m.u.tick.price, 10000000000);
    assert_int_equal(m.u.tick.dispersion, 200000000);
    assert_int_equal(m.u.tick.n_excluded, 1);
}

static void test_settlement_vector(void **state)
{
    (void)state;
    uint8_t want[256], got[256];
    size_t n = s_vector("settlement", want, sizeof want);
    assert_int_equal(n, TIX_WIRE_SETTLEMENT_SIZE);
    tix_wire_settlement_t s = {.tier = "FRONTIER", .ts_ns = INT64_C(1767254400000000000),
                               .price = 10125000000, .date = "2026-01-01", .status = 0,
                               .partitions_used = 12};
    memcpy(s.key_id, s_kid, 8);
    for (int i = 0; i < 64; i++)
        s.signature[i] = (uint8_t)i;
    tix_wire_header_t h = s_hdr(8, 1, INT64_C(1767254400000000456));
    assert_int_equal(tix_wire_encode_settlement(&h, &s, got, sizeof got), TIX_WIRE_SETTLEMENT_SIZE);
    assert_memory_equal(got, want, n);
    tix_wire_msg_t m;
    char err[160];
    assert_int_equal(tix_wire_decode(want, n, &m, err, sizeof err), 0);
    assert_string_equal(m.u.settlement.date, "2026-01-01");
    assert_int_equal(m.u.settlement.partitions_used, 12);
    assert_memory_equal(m.u.settlement.signature, s.signature, 64);
    uint8_t signed_bytes[128];
    size_t sl = tix_wire_settlement_signed_bytes(want, signed_bytes);
    assert_int_equal(sl, strlen(TIX_WIRE_SETTLEMENT_DOMAIN) + 72);
    assert_memory_equal(signed_bytes + sl - 8, s_kid, 8); /* key id is signed */
    uint8_t bad[TIX_WIRE_SETTLEMENT_SIZE];
    memcpy(bad, want, sizeof bad);
    bad[TIX_WIRE_HEADER_SIZE + 52] = '/'; /* 2026/01-01 */
    assert_int_equal(tix_wire_decode(bad, sizeof bad, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "YYYY-MM-DD"));
}

static void test_quote_vector(void **state)
{
    (void)state;
    uint8_t want[512], got[512];
    size_t n = s_vector("quote", want, sizeof want);
    assert_int_equal(n, TIX_WIRE_QUOTE_SIZE);
    tix_wire_quote_t q = {.recv_ns = INT64_C(1767225600500000000), .provider = "deepseek",
                          .model = "deepseek-chat", .currency = "CNY", .tier = "CN",
                          .unit = 1000000, .reason = 0, .local_input = 2000000000,
                          .local_output = 8000000000, .local_cached = 500000000,
                          .fx_e9 = 138000000, .input = 276000000, .output = 1104000000,
                          .cached = 69000000, .blended = 483000000, .volume = -1};
    tix_wire_header_t h = s_hdr(9, 42, INT64_C(1767225600600000000));
    assert_int_equal(tix_wire_encode_quote(&h, &q, got, sizeof got), TIX_WIRE_QUOTE_SIZE);
    assert_memory_equal(got, want, n);
    tix_wire_msg_t m;
    char err[160];
    assert_int_equal(tix_wire_decode(want, n, &m, err, sizeof err), 0);
    assert_string_equal(m.u.quote.model, "deepseek-chat");
    assert_int_equal(m.u.quote.blended, 483000000);
    assert_int_equal(m.u.quote.volume, -1);
}

static void test_heartbeat_and_attest_vectors(void **state)
{
    (void)state;
    uint8_t want[512], got[512];
    size_t n = s_vector("heartbeat", want, sizeof want);
    tix_wire_header_t h = s_hdr(9, 0, INT64_C(1767225601500000000));
    assert_int_equal(tix_wire_encode_heartbeat(&h, got, sizeof got), (int)n);
    assert_memory_equal(got, want, n);
    static tix_wire_attest_t a; /* large: keep it off the stack */
    memset(&a, 0, sizeof a);
    a.count = 1;
    memcpy(a.key_id, s_kid, 8);
    strcpy(a.entries[0].topic, "IDX.FRONTIER");
    a.entries[0].topic_seq = 3;
    memset(a.entries[0].head, 0x11, 32);
    for (int i = 0; i < 64; i++)
        a.signature[i] = (uint8_t)i;
    n = s_vector("attest", want, sizeof want);
    h = s_hdr(10, 1, INT64_C(1767225602000000000));
    assert_int_equal(tix_wire_encode_attest(&h, &a, got, sizeof got), (int)n);
    assert_memory_equal(got, want, n);
    static tix_wire_msg_t m;
    char err[160];
    assert_int_equal(tix_wire_decode(want, n, &m, err, sizeof err), 0);
    assert_int_equal(m.u.attest.count, 1);
    assert_string_equal(m.u.attest.entries[0].topic, "IDX.FRONTIER");
    uint8_t sb[256];
    size_t sl = tix_wire_attest_signed_bytes(want, n, sb, sizeof sb);
    assert_int_equal(sl, strlen(TIX_WIRE_ATTEST_DOMAIN) + n - TIX_WIRE_HEADER_SIZE - 64);
}

/* Corrupts one byte of a valid tick and expects a decode error mentioning `what`. */
static void s_expect_reject(size_t off, uint8_t val, size_t len, const char *what)
{
    uint8_t buf[256];
    size_t n = s_vector("tick", buf, sizeof buf);
    buf[off] = val;
    tix_wire_msg_t m;
    char err[160] = "";
    assert_int_equal(tix_wire_decode(buf, len ? len : n, &m, err, sizeof err), -1);
    if (!strstr(err, what)) {
        print_error("error '%s' does not mention '%s'\n", err, what);
        fail();
    }
}

static void test_rejects(void **state)
{
    (void)state;
    s_expect_reject(0, 72, 10, "shorter than the 32-byte header");
    s_expect_reject(4, 0x99, 0, "schema id");
    s_expect_reject(6, 2, 0, "wire version 2");
    s_expect_reject(0, 71, 0, "block_length 71");
    s_expect_reject(0, 72, 103, "block_length 72");
    s_expect_reject(2, 9, 0, "unknown template id 9");
    s_expect_reject(2, 2, 0, "needs a body of 136");
    s_expect_reject(32 + 68, 3, 0, "status 3");
    s_expect_reject(32 + 70, 1, 0, "padding");
    s_expect_reject(32 + 31, 'X', 0, "tier field");     /* no NUL terminator */
    s_expect_reject(32 + 20, 'Y', 0, "tier field");     /* garbage after the NUL */
    s_expect_reject(32 + 0, '"', 0, "tier id");         /* not a tier id: would reach CSV/JSON */
    s_expect_reject(16, 0, 0, "topic_seq 0");           /* data messages count from 1 */
}

static void test_encode_limits(void **state)
{
    (void)state;
    uint8_t buf[TIX_WIRE_TICK_SIZE];
    tix_wire_header_t h = s_hdr(1, 1, 0);
    tix_wire_tick_t t = {.tier = "T"};
    assert_int_equal(tix_wire_encode_tick(&h, &t, buf, sizeof buf - 1), -1); /* no room */
    memset(t.tier, 'A', sizeof t.tier);                                      /* 32, no NUL */
    assert_int_equal(tix_wire_encode_tick(&h, &t, buf, sizeof buf), -1);
    tix_wire_settlement_t s = {.tier = "T", .date = "2026-1-1"};
    uint8_t sb[TIX_WIRE_SETTLEMENT_SIZE];
    assert_int_equal(tix_wire_encode_settlement(&h, &s, sb, sizeof sb), -1);
}

static void test_roundtrip_extremes(void **state)
{
    (void)state;
    uint8_t buf[TIX_WIRE_TICK_SIZE];
    tix_wire_header_t h = s_hdr(UINT64_MAX, UINT64_MAX - 1, INT64_MIN);
    tix_wire_tick_t t = {"abcdefghijklmnopqrstuvwxyz01234", INT64_MAX, TIX_WIRE_PRICE_NULL,
                         INT64_MIN, UINT32_MAX, 0, 5, 2};
    assert_int_equal(tix_wire_encode_tick(&h, &t, buf, sizeof buf), TIX_WIRE_TICK_SIZE);
    tix_wire_msg_t m;
    char err[160];
    assert_int_equal(tix_wire_decode(buf, sizeof buf, &m, err, sizeof err), 0);
    assert_true(m.h.channel_seq == UINT64_MAX && m.h.topic_seq == UINT64_MAX - 1);
    assert_true(m.h.send_time_ns == INT64_MIN && m.u.tick.dispersion == INT64_MIN);
    assert_true(m.u.tick.price == TIX_WIRE_PRICE_NULL && m.u.tick.n_used == UINT32_MAX);
    assert_string_equal(m.u.tick.tier, t.tier);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tick_vector),        cmocka_unit_test(test_settlement_vector),
        cmocka_unit_test(test_quote_vector),       cmocka_unit_test(test_heartbeat_and_attest_vectors),
        cmocka_unit_test(test_rejects),            cmocka_unit_test(test_encode_limits),
        cmocka_unit_test(test_roundtrip_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
