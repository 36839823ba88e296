/* Wire codec v2: little-endian fixed layouts, byte for byte as docs/wire.md describes. */
#include "tix/wire.h"
#include "tix_utf8.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void s_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void s_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void s_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t tix_wire_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

uint32_t tix_wire_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t tix_wire_get_u64(const uint8_t *p)
{
    return (uint64_t)tix_wire_get_u32(p) | (uint64_t)tix_wire_get_u32(p + 4) << 32;
}

static int64_t s_get_i64(const uint8_t *p) { return (int64_t)tix_wire_get_u64(p); }

/* Copies a NUL-terminated string into a fixed field, NUL-padded; false if it does not fit
 * with at least one NUL (so decoders can rely on termination). */
static bool s_put_str(uint8_t *p, size_t n, const char *s)
{
    size_t len = strnlen(s, n);
    if (len >= n)
        return false;
    memset(p, 0, n);
    memcpy(p, s, len);
    return true;
}

/* Reads a fixed string field; false unless it is NUL-terminated and NUL-padded. */
static bool s_get_str(const uint8_t *p, size_t n, char *out)
{
    size_t len = strnlen((const char *)p, n);
    if (len >= n)
        return false;
    for (size_t i = len; i < n; i++)
        if (p[i] != 0)
            return false;
    memcpy(out, p, len + 1);
    return true;
}

static int s_header(const tix_wire_header_t *h, uint16_t tmpl, size_t body, uint8_t *buf,
                    size_t cap)
{
    if (body > UINT16_MAX || cap < TIX_WIRE_HEADER_SIZE + body)
        return -1;
    s_put16(buf, (uint16_t)body);
    s_put16(buf + 2, tmpl);
    s_put16(buf + 4, TIX_WIRE_SCHEMA_ID);
    s_put16(buf + 6, TIX_WIRE_VERSION);
    s_put64(buf + 8, h->channel_seq);
    s_put64(buf + 16, h->topic_seq);
    s_put64(buf + 24, (uint64_t)h->send_time_ns);
    return 0;
}

int tix_wire_encode_tick(const tix_wire_header_t *h, const tix_wire_tick_t *t, uint8_t *buf,
                         size_t cap)
{
    if (s_header(h, TIX_WIRE_TICK, TIX_WIRE_TICK_BODY, buf, cap))
        return -1;
    uint8_t *b = buf + TIX_WIRE_HEADER_SIZE;
    if (!s_put_str(b, 32, t->tier))
        return -1;
    s_put64(b + 32, (uint64_t)t->ts_ns);
    s_put64(b + 40, (uint64_t)t->price);
    s_put64(b + 48, (uint64_t)t->dispersion);
    s_put32(b + 56, t->n_used);
    s_put32(b + 60, t->n_excluded);
    s_put32(b + 64, t->n_stale);
    b[68] = t->status;
    memset(b + 69, 0, 3);
    memcpy(b + 72, t->key_id, TIX_WIRE_KEY_ID_SIZE);
    memcpy(b + 80, t->signature, TIX_WIRE_SIG_SIZE);
    return TIX_WIRE_TICK_SIZE;
}

int tix_wire_encode_settlement(const tix_wire_header_t *h, const tix_wire_settlement_t *s,
                               uint8_t *buf, size_t cap)
{
    if (s_header(h, TIX_WIRE_SETTLEMENT, TIX_WIRE_SETTLEMENT_BODY, buf, cap))
        return -1;
    uint8_t *b = buf + TIX_WIRE_HEADER_SIZE;
    if (!s_put_str(b, 32, s->tier) || strlen(s->date) != 10)
        return -1;
    s_put64(b + 32, (uint64_t)s->ts_ns);
    s_put64(b + 40, (uint64_t)s->price);
    memcpy(b + 48, s->date, 10);
    b[58] = s->status;
    b[59] = 0;
    s_put32(b + 60, s->partitions_used);
    memcpy(b + 64, s->key_id, TIX_WIRE_KEY_ID_SIZE);
    memcpy(b + 72, s->signature, TIX_WIRE_SIG_SIZE);
    return TIX_WIRE_SETTLEMENT_SIZE;
}

int tix_wire_encode_quote(const tix_wire_header_t *h, const tix_wire_quote_t *q, uint8_t *buf,
                          size_t cap)
{
    if (s_header(h, TIX_WIRE_QUOTE, TIX_WIRE_QUOTE_BODY, buf, cap))
        return -1;
    uint8_t *b = buf + TIX_WIRE_HEADER_SIZE;
    s_put64(b, (uint64_t)q->recv_ns);
    if (!s_put_str(b + 8, 64, q->provider) || !s_put_str(b + 72, 96, q->model) ||
        !s_put_str(b + 168, 8, q->currency) || !s_put_str(b + 176, 32, q->tier))
        return -1;
    s_put32(b + 208, q->unit);
    b[212] = q->reason;
    memset(b + 213, 0, 3);
    const int64_t v[] = {q->local_input, q->local_output, q->local_cached, q->fx_e9, q->input,
                         q->output, q->cached, q->blended, q->volume};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        s_put64(b + 216 + 8 * i, (uint64_t)v[i]);
    return TIX_WIRE_QUOTE_SIZE;
}

int tix_wire_encode_attest(const tix_wire_header_t *h, const tix_wire_attest_t *a, uint8_t *buf,
                           size_t cap)
{
    if (a->count > TIX_WIRE_ATTEST_MAX)
        return -1;
    size_t body = TIX_WIRE_ATTEST_FIXED + (size_t)a->count * TIX_WIRE_ATTEST_ENTRY + TIX_WIRE_SIG_SIZE;
    if (s_header(h, TIX_WIRE_ATTEST, body, buf, cap))
        return -1;
    uint8_t *b = buf + TIX_WIRE_HEADER_SIZE;
    s_put16(b, a->count);
    memset(b + 2, 0, 2);
    s_put32(b + 4, a->attest_ms);
    memcpy(b + 8, a->key_id, TIX_WIRE_KEY_ID_SIZE);
    uint8_t *e = b + TIX_WIRE_ATTEST_FIXED;
    for (uint16_t i = 0; i < a->count; i++, e += TIX_WIRE_ATTEST_ENTRY) {
        if (!s_put_str(e, TIX_WIRE_TOPIC_MAX, a->entries[i].topic))
            return -1;
        s_put64(e + 40, a->entries[i].topic_seq);
        memcpy(e + 48, a->entries[i].head, TIX_WIRE_HASH_SIZE);
    }
    memcpy(e, a->signature, TIX_WIRE_SIG_SIZE);
    return (int)(TIX_WIRE_HEADER_SIZE + body);
}

int tix_wire_encode_heartbeat(const tix_wire_header_t *h, const tix_wire_heartbeat_t *hb, uint8_t *buf,
                              size_t cap)
{
    if (s_header(h, TIX_WIRE_HEARTBEAT, TIX_WIRE_HEARTBEAT_BODY, buf, cap))
        return -1;
    s_put32(buf + TIX_WIRE_HEADER_SIZE, hb->heartbeat_ms);
    s_put32(buf + TIX_WIRE_HEADER_SIZE + 4, hb->attest_ms);
    return TIX_WIRE_HEARTBEAT_SIZE;
}

#define FAIL(...)                                  \
    do {                                           \
        snprintf(err, errlen, __VA_ARGS__);        \
        return -1;                                 \
    } while (0)

/* Tier ids are [A-Za-z0-9_-] (the configuration enforces it); anything else was not made by
 * a tix publisher and must not reach a subscriber's CSV or JSON output. */
static bool s_tier_ok(const char *t, bool empty_ok)
{
    if (!*t)
        return empty_ok;
    for (; *t; t++)
        if (!((*t >= 'A' && *t <= 'Z') || (*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') ||
              *t == '_' || *t == '-'))
            return false;
    return true;
}

static int s_decode_tick(const uint8_t *b, tix_wire_tick_t *t, char *err, size_t errlen)
{
    if (!s_get_str(b, 32, t->tier) || !s_tier_ok(t->tier, false))
        FAIL("tick: tier field at body offset 0 is not a NUL-padded tier id");
    t->ts_ns = s_get_i64(b + 32);
    t->price = s_get_i64(b + 40);
    t->dispersion = s_get_i64(b + 48);
    t->n_used = tix_wire_get_u32(b + 56);
    t->n_excluded = tix_wire_get_u32(b + 60);
    t->n_stale = tix_wire_get_u32(b + 64);
    t->status = b[68];
    if (t->status > 2)
        FAIL("tick: status %u is not 0 (OK), 1 (LOW) or 2 (STALE)", t->status);
    if (b[69] | b[70] | b[71])
        FAIL("tick: padding at body offset 69 is not zero");
    memcpy(t->key_id, b + 72, TIX_WIRE_KEY_ID_SIZE);
    memcpy(t->signature, b + 80, TIX_WIRE_SIG_SIZE);
    return 0;
}

static int s_decode_settlement(const uint8_t *b, tix_wire_settlement_t *s, char *err, size_t errlen)
{
    if (!s_get_str(b, 32, s->tier) || !s_tier_ok(s->tier, false))
        FAIL("settlement: tier field at body offset 0 is not a NUL-padded tier id");
    s->ts_ns = s_get_i64(b + 32);
    s->price = s_get_i64(b + 40);
    memcpy(s->date, b + 48, 10);
    s->date[10] = '\0';
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s->date[i] != '-' : (s->date[i] < '0' || s->date[i] > '9'))
            FAIL("settlement: date at body offset 48 is not YYYY-MM-DD");
    s->status = b[58];
    if (s->status > 2 || b[59] != 0)
        FAIL("settlement: status %u / padding %u invalid", s->status, b[59]);
    s->partitions_used = tix_wire_get_u32(b + 60);
    memcpy(s->key_id, b + 64, TIX_WIRE_KEY_ID_SIZE);
    memcpy(s->signature, b + 72, TIX_WIRE_SIG_SIZE);
    return 0;
}

static int s_decode_quote(const uint8_t *b, tix_wire_quote_t *q, char *err, size_t errlen)
{
    q->recv_ns = s_get_i64(b);
    if (!s_get_str(b + 8, 64, q->provider) || !s_get_str(b + 72, 96, q->model) ||
        !s_get_str(b + 168, 8, q->currency) || !s_get_str(b + 176, 32, q->tier) ||
        !s_tier_ok(q->tier, true))
        FAIL("quote: a name field (provider, model, currency, tier) is not NUL-terminated and padded");
    /* Names reach the archive, JSON and CSV: held to UTF-8 as every other source's are. */
    const struct { const char *name, *text; int off; } names[] = {
        {"provider", q->provider, 8}, {"model", q->model, 72}, {"currency", q->currency, 168}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        long bad = tix_utf8_invalid_at(names[i].text);
        if (bad >= 0)
            FAIL("quote: %s at body offset %d is not valid UTF-8 (byte %ld)", names[i].name,
                 names[i].off, bad);
    }
    q->unit = tix_wire_get_u32(b + 208);
    if (q->unit != 1 && q->unit != 1000 && q->unit != 1000000)
        FAIL("quote: unit %u is not 1, 1000 or 1000000", q->unit);
    q->reason = b[212];
    if (b[213] | b[214] | b[215])
        FAIL("quote: padding at body offset 213 is not zero");
    int64_t *v[] = {&q->local_input, &q->local_output, &q->local_cached, &q->fx_e9, &q->input,
                    &q->output, &q->cached, &q->blended, &q->volume};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        *v[i] = s_get_i64(b + 216 + 8 * i);
    return 0;
}

static int s_decode_attest(const uint8_t *b, size_t body, tix_wire_attest_t *a, char *err,
                           size_t errlen)
{
    if (body < TIX_WIRE_ATTEST_FIXED + TIX_WIRE_SIG_SIZE)
        FAIL("attest: body of %zu bytes is shorter than the fixed part", body);
    a->count = tix_wire_get_u16(b);
    a->attest_ms = tix_wire_get_u32(b + 4);
    if (b[2] | b[3])
        FAIL("attest: padding at body offset 2 is not zero");
    if (a->count > TIX_WIRE_ATTEST_MAX ||
        body != TIX_WIRE_ATTEST_FIXED + (size_t)a->count * TIX_WIRE_ATTEST_ENTRY + TIX_WIRE_SIG_SIZE)
        FAIL("attest: %u entries do not match a body of %zu bytes", a->count, body);
    memcpy(a->key_id, b + 8, TIX_WIRE_KEY_ID_SIZE);
    const uint8_t *e = b + TIX_WIRE_ATTEST_FIXED;
    for (uint16_t i = 0; i < a->count; i++, e += TIX_WIRE_ATTEST_ENTRY) {
        if (!s_get_str(e, TIX_WIRE_TOPIC_MAX, a->entries[i].topic))
            FAIL("attest: entry %u topic is not NUL-terminated and padded", i);
        a->entries[i].topic_seq = tix_wire_get_u64(e + 40);
        memcpy(a->entries[i].head, e + 48, TIX_WIRE_HASH_SIZE);
    }
    memcpy(a->signature, e, TIX_WIRE_SIG_SIZE);
    return 0;
}

static size_t s_body_size(uint16_t tmpl)
{
    switch (tmpl) {
    case TIX_WIRE_TICK: return TIX_WIRE_TICK_BODY;
    case TIX_WIRE_SETTLEMENT: return TIX_WIRE_SETTLEMENT_BODY;
    case TIX_WIRE_QUOTE: return TIX_WIRE_QUOTE_BODY;
    case TIX_WIRE_HEARTBEAT: return TIX_WIRE_HEARTBEAT_BODY;
    default: return SIZE_MAX; /* attest: variable */
    }
}

int tix_wire_decode(const uint8_t *buf, size_t len, tix_wire_msg_t *out, char *err, size_t errlen)
{
    if (len < TIX_WIRE_HEADER_SIZE)
        FAIL("message of %zu bytes is shorter than the %d-byte header", len, TIX_WIRE_HEADER_SIZE);
    tix_wire_header_t *h = &out->h;
    h->block_length = tix_wire_get_u16(buf);
    h->template_id = tix_wire_get_u16(buf + 2);
    h->schema_id = tix_wire_get_u16(buf + 4);
    h->version = tix_wire_get_u16(buf + 6);
    h->channel_seq = tix_wire_get_u64(buf + 8);
    h->topic_seq = tix_wire_get_u64(buf + 16);
    h->send_time_ns = s_get_i64(buf + 24);
    if (h->schema_id != TIX_WIRE_SCHEMA_ID)
        FAIL("schema id 0x%04x is not tix's 0x%04x", h->schema_id, TIX_WIRE_SCHEMA_ID);
    if (h->version != TIX_WIRE_VERSION)
        FAIL("wire version %u, this subscriber speaks %d: upgrade the %s", h->version,
             TIX_WIRE_VERSION, h->version > TIX_WIRE_VERSION ? "subscriber" : "publisher");
    if (h->block_length != len - TIX_WIRE_HEADER_SIZE)
        FAIL("block_length %u does not match the %zu body bytes received", h->block_length,
             len - TIX_WIRE_HEADER_SIZE);
    size_t want = s_body_size(h->template_id);
    if (h->template_id < TIX_WIRE_TICK || h->template_id > TIX_WIRE_HEARTBEAT)
        FAIL("unknown template id %u", h->template_id);
    if (want != SIZE_MAX && want != h->block_length)
        FAIL("template %u needs a body of %zu bytes, got %u", h->template_id, want, h->block_length);
    if (h->template_id != TIX_WIRE_HEARTBEAT && h->topic_seq == 0)
        FAIL("template %u with topic_seq 0: topic sequence numbers start at 1", h->template_id);
    const uint8_t *b = buf + TIX_WIRE_HEADER_SIZE;
    switch (h->template_id) {
    case TIX_WIRE_TICK: return s_decode_tick(b, &out->u.tick, err, errlen);
    case TIX_WIRE_SETTLEMENT: return s_decode_settlement(b, &out->u.settlement, err, errlen);
    case TIX_WIRE_QUOTE: return s_decode_quote(b, &out->u.quote, err, errlen);
    case TIX_WIRE_ATTEST: return s_decode_attest(b, h->block_length, &out->u.attest, err, errlen);
    default:
        out->u.heartbeat.heartbeat_ms = tix_wire_get_u32(b);
        out->u.heartbeat.attest_ms = tix_wire_get_u32(b + 4);
        return 0;
    }
}

uint16_t tix_wire_version_of(const uint8_t *buf, size_t len)
{
    if (len < TIX_WIRE_HEADER_SIZE || tix_wire_get_u16(buf + 4) != TIX_WIRE_SCHEMA_ID)
        return 0;
    return tix_wire_get_u16(buf + 6);
}

/* Which templates are signed: a new signed template is one more row (docs/wire.md, "Signed
 * messages", has the same table). */
static const tix_wire_signed_t s_signed[] = {
    {TIX_WIRE_TICK, TIX_WIRE_TICK_DOMAIN, 0, 72},
    {TIX_WIRE_SETTLEMENT, TIX_WIRE_SETTLEMENT_DOMAIN, TIX_WIRE_HEADER_SIZE, 64},
    {TIX_WIRE_ATTEST, TIX_WIRE_ATTEST_DOMAIN, 0, 8},
};

const tix_wire_signed_t *tix_wire_signed(uint16_t template_id)
{
    for (size_t i = 0; i < sizeof s_signed / sizeof s_signed[0]; i++)
        if (s_signed[i].template_id == template_id)
            return &s_signed[i];
    return NULL;
}

size_t tix_wire_signed_bytes(const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
    if (len < TIX_WIRE_HEADER_SIZE + TIX_WIRE_SIG_SIZE)
        return 0;
    const tix_wire_signed_t *r = tix_wire_signed(tix_wire_get_u16(msg + 2));
    if (!r)
        return 0;
    size_t d = strlen(r->domain), n = len - TIX_WIRE_SIG_SIZE - r->from;
    if (d + n > cap)
        return 0;
    memcpy(out, r->domain, d);
    memcpy(out + d, msg + r->from, n);
    return d + n;
}

size_t tix_wire_settlement_signed_bytes(const uint8_t *msg, uint8_t *out)
{
    return tix_wire_signed_bytes(msg, TIX_WIRE_SETTLEMENT_SIZE, out, 96);
}
