/* Unit tests for the wire codec: golden hex vectors (tests/data/wire, as in docs/wire.md), round trips, rejects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix/wire.h"

#include <sodium.h>
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

/* docs/wire.md's test key: the Ed25519 seed 00 01 .. 1f. */
static uint8_t s_pk[32], s_sk[64], s_kid[8];

static int s_setup(void **state)
{
    (void)state;
    uint8_t seed[32], h[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    if (sodium_init() < 0 || crypto_sign_seed_keypair(s_pk, s_sk, seed) != 0 ||
        crypto_generichash(h, sizeof h, s_pk, sizeof s_pk, NULL, 0) != 0)
        return -1;
    memcpy(s_kid, h, 8);
    return 0;
}

/* Signs an encoded message as a publisher does: the rule of tix_wire_signed(). */
static void s_sign(uint8_t *msg, size_t len)
{
    static uint8_t sb[TIX_WIRE_MAX_SIZE + 32];
    size_t n = tix_wire_signed_bytes(msg, len, sb, sizeof sb);
    assert_true(n > 0);
    assert_int_equal(crypto_sign_detached(msg + len - 64, NULL, sb, n, s_sk), 0);
}

/* The vector's signature verifies with the test key; one flipped byte does not. */
static void s_check_signature(const uint8_t *msg, size_t len, size_t flip)
{
    static uint8_t sb[TIX_WIRE_MAX_SIZE + 32], bad[TIX_WIRE_MAX_SIZE];
    size_t n = tix_wire_signed_bytes(msg, len, sb, sizeof sb);
    assert_true(n > 0);
    assert_int_equal(crypto_sign_verify_detached(msg + len - 64, sb, n, s_pk), 0);
    memcpy(bad, msg, len);
    bad[flip] ^= 1;
    n = tix_wire_signed_bytes(bad, len, sb, sizeof sb);
    assert_int_not_equal(crypto_sign_verify_detached(bad + len - 64, sb, n, s_pk), 0);
}

static void test_tick_vector(void **state)
{
    (void)state;
    uint8_t want[256], got[256];
    size_t n = s_vector("tick", want, sizeof want);
    assert_int_equal(n, TIX_WIRE_TICK_SIZE);
    tix_wire_tick_t t = {.tier = "FRONTIER", .ts_ns = INT64_C(1767225601000000000),
                         .price = 10000000000, .dispersion = 200000000, .n_used = 3, .n_excluded = 1};
    memcpy(t.key_id, s_kid, 8);
    tix_wire_header_t h = s_hdr(7, 3, INT64_C(1767225601000000123));
    assert_int_equal(tix_wire_encode_tick(&h, &t, got, sizeof got), TIX_WIRE_TICK_SIZE);
    s_sign(got, TIX_WIRE_TICK_SIZE);
    assert_memory_equal(got, want, n);
    s_check_signature(want, n, 16); /* the signature binds topic_seq */
    assert_int_equal(tix_wire_signed(TIX_WIRE_TICK)->from, 0);
    assert_null(tix_wire_signed(TIX_WIRE_QUOTE));
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
    tix_wire_header_t h = s_hdr(8, 1, INT64_C(1767254400000000456));
    assert_int_equal(tix_wire_encode_settlement(&h, &s, got, sizeof got), TIX_WIRE_SETTLEMENT_SIZE);
    s_sign(got, TIX_WIRE_SETTLEMENT_SIZE);
    assert_memory_equal(got, want, n);
    s_check_signature(want, n, 32 + 40); /* the price */
    memcpy(s.signature, want + n - 64, 64);
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

/* Quote names from the network are held to UTF-8 like every other source's (they reach the
 * archive, JSON and CSV); valid multi-byte names pass. */
static void test_quote_names_utf8(void **state)
{
    (void)state;
    tix_wire_quote_t q = {.recv_ns = 1, .provider = "dashscope", .model = "qwen-\xe9\x80\x9a",
                          .currency = "CNY", .tier = "CN", .unit = 1000000, .volume = -1};
    tix_wire_header_t h = s_hdr(1, 1, 1);
    uint8_t buf[TIX_WIRE_QUOTE_SIZE];
    tix_wire_msg_t m;
    char err[160];
    assert_int_equal(tix_wire_encode_quote(&h, &q, buf, sizeof buf), TIX_WIRE_QUOTE_SIZE);
    assert_int_equal(tix_wire_decode(buf, sizeof buf, &m, err, sizeof err), 0);
    assert_string_equal(m.u.quote.model, "qwen-\xe9\x80\x9a");
    snprintf(q.model, sizeof q.model, "gpt-\xff");
    assert_int_equal(tix_wire_encode_quote(&h, &q, buf, sizeof buf), TIX_WIRE_QUOTE_SIZE);
    assert_int_equal(tix_wire_decode(buf, sizeof buf, &m, err, sizeof err), -1);
    assert_string_equal(err, "quote: model at body offset 72 is not valid UTF-8 (byte 4)");
    snprintf(q.model, sizeof q.model, "ok");
    snprintf(q.provider, sizeof q.provider, "ds\xed\xa0\x80"); /* a surrogate */
    assert_int_equal(tix_wire_encode_quote(&h, &q, buf, sizeof buf), TIX_WIRE_QUOTE_SIZE);
    assert_int_equal(tix_wire_decode(buf, sizeof buf, &m, err, sizeof err), -1);
    assert_string_equal(err, "quote: provider at body offset 8 is not valid UTF-8 (byte 2)");
}

static void test_heartbeat_and_attest_vectors(void **state)
{
    (void)state;
    uint8_t want[512], got[512];
    size_t n = s_vector("heartbeat", want, sizeof want);
    tix_wire_header_t h = s_hdr(9, 0, INT64_C(1767225601500000000));
    tix_wire_heartbeat_t hb = {1000, 1000};
    assert_int_equal(tix_wire_encode_heartbeat(&h, &hb, got, sizeof got), (int)n);
    assert_memory_equal(got, want, n);
    static tix_wire_attest_t a; /* large: keep it off the stack */
    memset(&a, 0, sizeof a);
    a.count = 1;
    a.attest_ms = 1000;
    memcpy(a.key_id, s_kid, 8);
    strcpy(a.entries[0].topic, "IDX.FRONTIER");
    a.entries[0].topic_seq = 3;
    memset(a.entries[0].head, 0x11, 32);
    n = s_vector("attest", want, sizeof want);
    h = s_hdr(10, 1, INT64_C(1767225602000000000));
    assert_int_equal(tix_wire_encode_attest(&h, &a, got, sizeof got), (int)n);
    s_sign(got, n);
    assert_memory_equal(got, want, n);
    s_check_signature(want, n, 32 + 16 + 40); /* entry 0's topic_seq */
    static tix_wire_msg_t m;
    char err[160];
    assert_int_equal(tix_wire_decode(want, n, &m, err, sizeof err), 0);
    assert_int_equal(m.u.attest.count, 1);
    assert_string_equal(m.u.attest.entries[0].topic, "IDX.FRONTIER");
    assert_int_equal(m.u.attest.attest_ms, 1000);
    uint8_t sb[256];
    size_t sl = tix_wire_signed_bytes(want, n, sb, sizeof sb);
    assert_int_equal(sl, strlen(TIX_WIRE_ATTEST_DOMAIN) + n - 64);
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
    s_expect_reject(0, 144, 10, "shorter than the 32-byte header");
    s_expect_reject(4, 0x99, 0, "schema id");
    s_expect_reject(6, 1, 0, "wire version 1, this subscriber speaks 2");
    s_expect_reject(0, 143, 0, "block_length 143");
    s_expect_reject(0, 144, 175, "block_length 144");
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
                         INT64_MIN, UINT32_MAX, 0, 5, 2, {0}, {0}};
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
        cmocka_unit_test(test_roundtrip_extremes), cmocka_unit_test(test_quote_names_utf8),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
