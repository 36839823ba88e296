/* Journal payload codec: fixed little-endian fields, names as length-prefixed bytes. */
#include "tix_record.h"
#include "tix_err.h"

#include <string.h>

typedef struct {
    uint8_t *p;
    size_t n, cap;
} s_wr_t;

typedef struct {
    const uint8_t *p;
    size_t n, len;
    int bad;
} s_rd_t;

static void s_put(s_wr_t *w, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        w->p[w->n++] = (uint8_t)(v >> (8 * i));
}

static void s_put_str(s_wr_t *w, const char *s)
{
    size_t len = strlen(s);
    w->p[w->n++] = (uint8_t)len;
    memcpy(w->p + w->n, s, len);
    w->n += len;
}

static uint64_t s_get(s_rd_t *r, int bytes)
{
    if (r->bad || r->len - r->n < (size_t)bytes) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[r->n++] << (8 * i);
    return v;
}

static void s_get_str(s_rd_t *r, char *out, size_t cap)
{
    size_t len = (size_t)s_get(r, 1);
    if (r->bad || len >= cap || r->len - r->n < len) {
        r->bad = 1;
        out[0] = 0;
        return;
    }
    memcpy(out, r->p + r->n, len);
    out[len] = 0;
    r->n += len;
}

int64_t tix_record_time(const tix_record_t *r)
{
    switch (r->kind) {
    case TIX_REC_QUOTE: return r->u.quote.recv_ns;
    case TIX_REC_CLOCK: return r->u.clock.ns;
    case TIX_REC_TICK: return r->u.tick.ts_ns;
    case TIX_REC_SETTLE: return r->u.settle.s.ts_ns;
    case TIX_REC_PUBLISHED: return r->u.pub.ts_ns;
    }
    return 0;
}

static void s_enc_quote(s_wr_t *w, const tix_rec_quote_t *q)
{
    s_put(w, (uint64_t)q->recv_ns, 8);
    s_put_str(w, q->provider);
    s_put_str(w, q->model);
    s_put_str(w, q->currency);
    s_put(w, (uint32_t)q->tier, 4);
    s_put(w, q->reason, 1);
    s_put(w, q->unit, 4);
    const int64_t v[] = {q->fx_e9, q->local_input, q->local_output, q->local_cached, q->input,
                         q->output, q->cached, q->blended, q->volume};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        s_put(w, (uint64_t)v[i], 8);
}

static void s_enc_settle(s_wr_t *w, const tix_rec_settle_t *s)
{
    s_put(w, (uint64_t)s->s.ts_ns, 8);
    s_put(w, (uint32_t)s->s.tier, 4);
    memcpy(w->p + w->n, s->s.date, 10);
    w->n += 10;
    s_put(w, (uint64_t)s->s.price, 8);
    s_put(w, (uint32_t)s->s.status, 1);
    s_put(w, s->s.partitions_used, 4);
    memcpy(w->p + w->n, s->signature, TIX_SIG_SIZE);
    w->n += TIX_SIG_SIZE;
    memcpy(w->p + w->n, s->key_id, TIX_KEY_ID_SIZE);
    w->n += TIX_KEY_ID_SIZE;
}

static int s_check_names(const tix_rec_quote_t *q)
{
    if (!memchr(q->provider, 0, sizeof q->provider) || !memchr(q->model, 0, sizeof q->model) ||
        !memchr(q->currency, 0, sizeof q->currency)) {
        TIX_SET_ERR(EINVAL, "quote record: a name is not NUL-terminated");
        return -1;
    }
    return 0;
}

int tix_record_encode(const tix_record_t *r, uint8_t *buf)
{
    s_wr_t w = {buf, 0, TIX_REC_PAYLOAD_MAX};
    s_put(&w, (uint64_t)r->kind, 1);
    s_put(&w, r->seq, 8);
    switch (r->kind) {
    case TIX_REC_QUOTE:
        if (s_check_names(&r->u.quote) != 0)
            return -1;
        s_enc_quote(&w, &r->u.quote);
        break;
    case TIX_REC_CLOCK:
        s_put(&w, (uint64_t)r->u.clock.kind, 1);
        s_put(&w, (uint64_t)r->u.clock.ns, 8);
        break;
    case TIX_REC_TICK: {
        const tix_tick_t *t = &r->u.tick;
        s_put(&w, (uint64_t)t->ts_ns, 8);
        s_put(&w, (uint32_t)t->tier, 4);
        s_put(&w, (uint64_t)t->price, 8);
        s_put(&w, (uint32_t)t->status, 1);
        s_put(&w, t->n_used, 4);
        s_put(&w, t->n_excluded, 4);
        s_put(&w, t->n_stale, 4);
        s_put(&w, (uint64_t)t->dispersion, 8);
        break;
    }
    case TIX_REC_SETTLE: s_enc_settle(&w, &r->u.settle); break;
    case TIX_REC_PUBLISHED:
        s_put(&w, r->u.pub.channel_seq, 8);
        s_put(&w, r->u.pub.rec_seq, 8);
        s_put(&w, r->u.pub.run, 8);
        s_put(&w, (uint64_t)r->u.pub.ts_ns, 8);
        s_put(&w, r->u.pub.rec_kind, 1);
        break;
    default: TIX_SET_ERR(EINVAL, "record kind %d is unknown", (int)r->kind); return -1;
    }
    return (int)w.n;
}

static void s_dec_quote(s_rd_t *rd, tix_rec_quote_t *q)
{
    q->recv_ns = (int64_t)s_get(rd, 8);
    s_get_str(rd, q->provider, sizeof q->provider);
    s_get_str(rd, q->model, sizeof q->model);
    s_get_str(rd, q->currency, sizeof q->currency);
    q->tier = (int32_t)s_get(rd, 4);
    q->reason = (uint8_t)s_get(rd, 1);
    q->unit = (uint32_t)s_get(rd, 4);
    int64_t *v[] = {&q->fx_e9, &q->local_input, &q->local_output, &q->local_cached, &q->input,
                    &q->output, &q->cached, &q->blended, &q->volume};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        *v[i] = (int64_t)s_get(rd, 8);
    if (q->reason >= TIX_REASON_COUNT)
        rd->bad = 1;
}

static void s_get_bytes(s_rd_t *rd, void *out, size_t n)
{
    if (rd->bad || rd->len - rd->n < n) {
        rd->bad = 1;
        return;
    }
    memcpy(out, rd->p + rd->n, n);
    rd->n += n;
}

static void s_dec_settle(s_rd_t *rd, tix_rec_settle_t *s)
{
    s->s.ts_ns = (int64_t)s_get(rd, 8);
    s->s.tier = (int32_t)s_get(rd, 4);
    s_get_bytes(rd, s->s.date, 10);
    s->s.date[10] = 0;
    s->s.price = (int64_t)s_get(rd, 8);
    s->s.status = (tix_settle_status_t)s_get(rd, 1);
    s->s.partitions_used = (uint32_t)s_get(rd, 4);
    s_get_bytes(rd, s->signature, TIX_SIG_SIZE);
    s_get_bytes(rd, s->key_id, TIX_KEY_ID_SIZE);
}

static void s_dec_tick(s_rd_t *rd, tix_tick_t *t)
{
    t->ts_ns = (int64_t)s_get(rd, 8);
    t->tier = (int32_t)s_get(rd, 4);
    t->price = (int64_t)s_get(rd, 8);
    t->status = (tix_status_t)s_get(rd, 1);
    t->n_used = (uint32_t)s_get(rd, 4);
    t->n_excluded = (uint32_t)s_get(rd, 4);
    t->n_stale = (uint32_t)s_get(rd, 4);
    t->dispersion = (int64_t)s_get(rd, 8);
}

int tix_record_decode(const uint8_t *buf, size_t len, tix_record_t *r)
{
    s_rd_t rd = {buf, 0, len, 0};
    memset(r, 0, sizeof *r);
    r->kind = (tix_rec_kind_t)s_get(&rd, 1);
    r->seq = s_get(&rd, 8);
    switch (r->kind) {
    case TIX_REC_QUOTE: s_dec_quote(&rd, &r->u.quote); break;
    case TIX_REC_CLOCK:
        r->u.clock.kind = (tix_clock_kind_t)s_get(&rd, 1);
        r->u.clock.ns = (int64_t)s_get(&rd, 8);
        if (r->u.clock.kind > TIX_CLOCK_CLOSE)
            rd.bad = 1;
        break;
    case TIX_REC_TICK: s_dec_tick(&rd, &r->u.tick); break;
    case TIX_REC_SETTLE: s_dec_settle(&rd, &r->u.settle); break;
    case TIX_REC_PUBLISHED:
        r->u.pub.channel_seq = s_get(&rd, 8);
        r->u.pub.rec_seq = s_get(&rd, 8);
        r->u.pub.run = s_get(&rd, 8);
        r->u.pub.ts_ns = (int64_t)s_get(&rd, 8);
        r->u.pub.rec_kind = (uint8_t)s_get(&rd, 1);
        if (r->u.pub.rec_kind < TIX_REC_QUOTE || r->u.pub.rec_kind > TIX_REC_SETTLE)
            rd.bad = 1;
        break;
    default: rd.bad = 1;
    }
    if (rd.bad || rd.n != len) {
        TIX_SET_ERR(EBADMSG, "record payload of %zu bytes (kind %d) is malformed", len,
                    (int)r->kind);
        return -1;
    }
    return 0;
}

static int s_copy_name(char *dst, size_t cap, const char *src, const char *what)
{
    size_t len = src ? strlen(src) : 0;
    if (len >= cap) {
        TIX_SET_ERR(ENAMETOOLONG, "%s name '%.40s...' is longer than %zu bytes", what, src,
                    cap - 1);
        return -1;
    }
    memcpy(dst, src ? src : "", len + 1);
    return 0;
}

int tix_rec_quote_fill(tix_rec_quote_t *out, const tix_quote_t *q, const char *provider,
                       const char *model, const char *currency, tix_reason_t reason)
{
    memset(out, 0, sizeof *out);
    if (s_copy_name(out->provider, sizeof out->provider, provider, "provider") ||
        s_copy_name(out->model, sizeof out->model, model, "model") ||
        s_copy_name(out->currency, sizeof out->currency, currency, "currency"))
        return -1;
    out->recv_ns = q->recv_ns;
    out->tier = q->tier;
    out->reason = (uint8_t)reason;
    out->unit = (uint32_t)q->unit;
    out->fx_e9 = q->fx_e9;
    out->local_input = q->local_input;
    out->local_output = q->local_output;
    out->local_cached = q->local_cached;
    out->input = q->input;
    out->output = q->output;
    out->cached = q->cached;
    out->blended = q->blended;
    out->volume = q->volume;
    return 0;
}
