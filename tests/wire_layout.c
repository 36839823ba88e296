/* Prints the wire layout the codec really writes (offset and size of every field, found by encoding), for tests/wire_doc_check.py to hold docs/wire.md's tables against. */
#include "tix/wire.h"

#include <stdio.h>
#include <string.h>

/* One field's layout: the bytes that change between two encodings differing only in it. */
static void s_diff(const char *tmpl, const char *field, const uint8_t *a, const uint8_t *b, size_t len,
                   size_t from, int nul)
{
    size_t first = len, last = 0;
    for (size_t i = 0; i < len; i++)
        if (a[i] != b[i]) {
            if (first == len)
                first = i;
            last = i;
        }
    if (first == len) {
        printf("%s %s ? ?\n", tmpl, field);
        return;
    }
    printf("%s %s %zu %zu\n", tmpl, field, first - from, last - first + 1 + (size_t)nul);
}

typedef int (*s_enc_fn)(const tix_wire_header_t *h, const void *body, uint8_t *buf, size_t cap);

/* Encodes `zero` and `changed` (same header) and prints the difference. */
static void s_field(const char *tmpl, const char *field, s_enc_fn enc, const void *zero, const void *changed,
                    int nul)
{
    static uint8_t a[TIX_WIRE_MAX_SIZE], b[TIX_WIRE_MAX_SIZE];
    tix_wire_header_t h = {0};
    int n = enc(&h, zero, a, sizeof a), m = enc(&h, changed, b, sizeof b);
    if (n < 0 || n != m) {
        printf("%s %s encode-failed -1\n", tmpl, field);
        return;
    }
    s_diff(tmpl, field, a, b, (size_t)n, TIX_WIRE_HEADER_SIZE, nul);
}

static int s_tick(const tix_wire_header_t *h, const void *b, uint8_t *buf, size_t cap)
{
    return tix_wire_encode_tick(h, b, buf, cap);
}
static int s_stl(const tix_wire_header_t *h, const void *b, uint8_t *buf, size_t cap)
{
    return tix_wire_encode_settlement(h, b, buf, cap);
}
static int s_quote(const tix_wire_header_t *h, const void *b, uint8_t *buf, size_t cap)
{
    return tix_wire_encode_quote(h, b, buf, cap);
}
static int s_att(const tix_wire_header_t *h, const void *b, uint8_t *buf, size_t cap)
{
    return tix_wire_encode_attest(h, b, buf, cap);
}
static int s_hb(const tix_wire_header_t *h, const void *b, uint8_t *buf, size_t cap)
{
    return tix_wire_encode_heartbeat(h, b, buf, cap);
}

/* Sets field `f` of a copy of `z` to all ones (strings: as long as the field allows). */
#define FIELD(tmpl, enc, type, z, f)                                    \
    do {                                                                \
        type c_ = z;                                                    \
        memset(&c_.f, 0xff, sizeof c_.f);                               \
        s_field(tmpl, #f, enc, &z, &c_, 0);                             \
    } while (0)
#define STRING(tmpl, enc, type, z, f)                                   \
    do {                                                                \
        type c_ = z;                                                    \
        memset(c_.f, 'x', sizeof c_.f - 1);                             \
        s_field(tmpl, #f, enc, &z, &c_, 1);                             \
    } while (0)

static void s_header(void)
{
    static uint8_t a[TIX_WIRE_HEARTBEAT_SIZE], b[TIX_WIRE_HEARTBEAT_SIZE];
    tix_wire_heartbeat_t hb = {0};
    tix_wire_header_t z = {0}, c = {0};
    const char *names[] = {"channel_seq", "topic_seq", "send_time_ns"};
    for (int i = 0; i < 3; i++) {
        c = z;
        if (i == 0)
            c.channel_seq = UINT64_MAX;
        else if (i == 1)
            c.topic_seq = UINT64_MAX;
        else
            c.send_time_ns = -1;
        if (tix_wire_encode_heartbeat(&z, &hb, a, sizeof a) < 0 || tix_wire_encode_heartbeat(&c, &hb, b, sizeof b) < 0)
            return;
        s_diff("header", names[i], a, b, sizeof a, 0, 0);
    }
    /* the four u16 fields, by what the encoder writes */
    printf("header block_length 0 2\nheader template_id 2 2\nheader schema_id 4 2\nheader version 6 2\n");
    printf("constant version %d\nconstant schema_id %d\n", TIX_WIRE_VERSION, TIX_WIRE_SCHEMA_ID);
    printf("size tick %d\nsize settlement %d\nsize quote %d\nsize heartbeat %d\n", TIX_WIRE_TICK_SIZE,
           TIX_WIRE_SETTLEMENT_SIZE, TIX_WIRE_QUOTE_SIZE, TIX_WIRE_HEARTBEAT_SIZE);
}

static void s_ticks(void)
{
    tix_wire_tick_t z = {.tier = ""};
    STRING("tick", s_tick, tix_wire_tick_t, z, tier);
    FIELD("tick", s_tick, tix_wire_tick_t, z, ts_ns);
    FIELD("tick", s_tick, tix_wire_tick_t, z, price);
    FIELD("tick", s_tick, tix_wire_tick_t, z, dispersion);
    FIELD("tick", s_tick, tix_wire_tick_t, z, n_used);
    FIELD("tick", s_tick, tix_wire_tick_t, z, n_excluded);
    FIELD("tick", s_tick, tix_wire_tick_t, z, n_stale);
    FIELD("tick", s_tick, tix_wire_tick_t, z, status);
    FIELD("tick", s_tick, tix_wire_tick_t, z, key_id);
    FIELD("tick", s_tick, tix_wire_tick_t, z, signature);
}

static void s_settlements(void)
{
    tix_wire_settlement_t z = {.date = "0000-00-00"};
    STRING("settlement", s_stl, tix_wire_settlement_t, z, tier);
    FIELD("settlement", s_stl, tix_wire_settlement_t, z, ts_ns);
    FIELD("settlement", s_stl, tix_wire_settlement_t, z, price);
    tix_wire_settlement_t d = z;
    memcpy(d.date, "1111-11-11", 11);
    tix_wire_settlement_t d2 = z;
    memcpy(d2.date, "2222-22-22", 11);
    s_field("settlement", "date", s_stl, &d, &d2, 0);
    FIELD("settlement", s_stl, tix_wire_settlement_t, z, status);
    FIELD("settlement", s_stl, tix_wire_settlement_t, z, partitions_used);
    FIELD("settlement", s_stl, tix_wire_settlement_t, z, key_id);
    FIELD("settlement", s_stl, tix_wire_settlement_t, z, signature);
}

static void s_quotes(void)
{
    tix_wire_quote_t z = {.provider = ""};
    FIELD("quote", s_quote, tix_wire_quote_t, z, recv_ns);
    STRING("quote", s_quote, tix_wire_quote_t, z, provider);
    STRING("quote", s_quote, tix_wire_quote_t, z, model);
    STRING("quote", s_quote, tix_wire_quote_t, z, currency);
    STRING("quote", s_quote, tix_wire_quote_t, z, tier);
    FIELD("quote", s_quote, tix_wire_quote_t, z, unit);
    FIELD("quote", s_quote, tix_wire_quote_t, z, reason);
    FIELD("quote", s_quote, tix_wire_quote_t, z, local_input);
    FIELD("quote", s_quote, tix_wire_quote_t, z, local_output);
    FIELD("quote", s_quote, tix_wire_quote_t, z, local_cached);
    FIELD("quote", s_quote, tix_wire_quote_t, z, fx_e9);
    FIELD("quote", s_quote, tix_wire_quote_t, z, input);
    FIELD("quote", s_quote, tix_wire_quote_t, z, output);
    FIELD("quote", s_quote, tix_wire_quote_t, z, cached);
    FIELD("quote", s_quote, tix_wire_quote_t, z, blended);
    FIELD("quote", s_quote, tix_wire_quote_t, z, volume);
}

/* One entry (n = 1), so that entry offsets print for i = 0 and the signature for n = 1. */
static void s_attests(void)
{
    static tix_wire_attest_t z, c;
    memset(&z, 0, sizeof z);
    z.count = 1;
    c = z;
    c.attest_ms = UINT32_MAX;
    s_field("attest", "attest_ms", s_att, &z, &c, 0);
    c = z;
    memset(c.key_id, 0xff, sizeof c.key_id);
    s_field("attest", "key_id", s_att, &z, &c, 0);
    c = z;
    memset(c.entries[0].topic, 'x', sizeof c.entries[0].topic - 1);
    s_field("attest", "topic", s_att, &z, &c, 1);
    c = z;
    c.entries[0].topic_seq = UINT64_MAX;
    s_field("attest", "topic_seq", s_att, &z, &c, 0);
    c = z;
    memset(c.entries[0].head, 0xff, sizeof c.entries[0].head);
    s_field("attest", "head", s_att, &z, &c, 0);
    c = z;
    memset(c.signature, 0xff, sizeof c.signature);
    s_field("attest", "signature", s_att, &z, &c, 0);
    printf("attest count 0 2\n"); /* the entries' number changes the length: by the vector */
}

static void s_heartbeats(void)
{
    tix_wire_heartbeat_t z = {0, 0}, c = {UINT32_MAX, 0}, d = {0, UINT32_MAX};
    s_field("heartbeat", "heartbeat_ms", s_hb, &z, &c, 0);
    s_field("heartbeat", "attest_ms", s_hb, &z, &d, 0);
}

int main(void)
{
    s_header();
    s_ticks();
    s_settlements();
    s_quotes();
    s_attests();
    s_heartbeats();
    for (uint16_t t = TIX_WIRE_TICK; t <= TIX_WIRE_HEARTBEAT; t++) {
        const tix_wire_signed_t *r = tix_wire_signed(t);
        if (r)
            printf("signed %u %s %u %u\n", t, r->domain, r->from, r->key_id_offset);
    }
    return 0;
}
