/* Normalization: exact unit scaling, FX conversion, blending and tier mapping of a quote. */
#include "tix_normalize.h"
#include "tix_err.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A currency whose rate comes from an FX feed instead of the configuration. */
typedef struct {
    char code[TIX_CCY_MAX];
    int64_t rate_e9; /* -1: no rate (not fetched yet, or stale) */
} s_fx_live_t;

#define S_FX_LIVE_MAX 32

struct tix_norm_s {
    const tix_config_t *cfg;
    tix_strtab_t *names; /* providers, models, currencies */
    tix_strtab_t *pairs; /* 8-byte keys (provider id, model id) */
    s_fx_live_t fx_live[S_FX_LIVE_MAX];
    int nfx_live;
};

const char *tix_reason_name(tix_reason_t r)
{
    static const char *names[] = {"none", "bad_number", "negative", "no_fx_rate",
                                  "missing_field", "unmapped_model", "unauthorized_provider",
                                  "bad_time"};
    _Static_assert(sizeof names / sizeof names[0] == TIX_REASON_COUNT, "a name per reason");
    return r < TIX_REASON_COUNT ? names[r] : "unknown";
}

tix_norm_t *tix_norm_new(const tix_config_t *cfg)
{
    tix_norm_t *self = calloc(1, sizeof *self);
    if (!self) {
        TIX_SET_ERR(ENOMEM, "out of memory for the normalizer");
        return NULL;
    }
    self->cfg = cfg;
    self->names = tix_strtab_new();
    self->pairs = tix_strtab_new();
    if (!self->names || !self->pairs)
        tix_norm_destroy(&self);
    return self;
}

void tix_norm_destroy(tix_norm_t **self_p)
{
    assert(self_p);
    tix_norm_t *self = *self_p;
    if (!self)
        return;
    tix_strtab_destroy(&self->names);
    tix_strtab_destroy(&self->pairs);
    free(self);
    *self_p = NULL;
}

static s_fx_live_t *s_fx_live(tix_norm_t *self, const char *code)
{
    for (int i = 0; i < self->nfx_live; i++)
        if (strcmp(self->fx_live[i].code, code) == 0)
            return &self->fx_live[i];
    return NULL;
}

/* A live (feed-managed) rate wins over the configuration's static one. */
static int64_t s_fx_rate(tix_norm_t *self, const char *code)
{
    const s_fx_live_t *l = self->nfx_live ? s_fx_live(self, code) : NULL;
    return l ? l->rate_e9 : tix_config_fx(self->cfg, code);
}

int tix_norm_set_fx(tix_norm_t *self, const char *code, int64_t rate_e9)
{
    if (strlen(code) >= TIX_CCY_MAX) {
        TIX_SET_ERR(EINVAL, "currency code '%s' is too long", code);
        return -1;
    }
    s_fx_live_t *l = s_fx_live(self, code);
    if (!l) {
        if (self->nfx_live == S_FX_LIVE_MAX) {
            TIX_SET_ERR(ENOSPC, "more than %d feed-managed currencies", S_FX_LIVE_MAX);
            return -1;
        }
        l = &self->fx_live[self->nfx_live++];
        snprintf(l->code, sizeof l->code, "%s", code);
    }
    l->rate_e9 = rate_e9 < 0 ? -1 : rate_e9;
    return 0;
}

int64_t tix_norm_fx(tix_norm_t *self, const char *code) { return s_fx_rate(self, code); }

static int s_refuse(tix_norm_error_t *err, tix_reason_t r, const char *field, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

static int s_refuse(tix_norm_error_t *err, tix_reason_t r, const char *field, const char *fmt, ...)
{
    err->reason = r;
    err->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    return -1;
}

static tix_reason_t s_reason_of(tix_price_status_t st)
{
    return st == TIX_PRICE_NEGATIVE ? TIX_REASON_NEGATIVE : TIX_REASON_BAD_NUMBER;
}

/* §3.1–3.2 for one price field: text → local scaled → USD. Absent stays TIX_PRICE_NULL. */
static int s_price(const char *text, const char *field, tix_unit_t unit, int64_t rate,
                   tix_price_t *local, tix_price_t *usd, tix_norm_error_t *err)
{
    *local = *usd = TIX_PRICE_NULL;
    if (!text)
        return 0;
    tix_price_status_t st = tix_price_parse(text, unit, local);
    if (st != TIX_PRICE_OK) {
        *local = TIX_PRICE_NULL;
        return s_refuse(err, s_reason_of(st), field, "%s: %s: '%.100s'", field,
                        tix_price_status_name(st), text);
    }
    if (rate < 0)
        return 0; /* the caller reports no_fx_rate once the numbers are known good */
    if (tix_price_convert(*local, rate, usd) != TIX_PRICE_OK || *usd == TIX_PRICE_NULL) {
        *usd = TIX_PRICE_NULL;
        return s_refuse(err, TIX_REASON_BAD_NUMBER, field,
                        "%s: overflow after currency conversion: '%.100s'", field, text);
    }
    return 0;
}

/* Volume: a non-negative integer count of tokens, digits only. */
static int s_volume(const char *text, int64_t *out, tix_norm_error_t *err)
{
    *out = -1;
    if (!text)
        return 0;
    const char *p = text;
    if (*p == '+')
        p++;
    if (*text == '-' && text[1] && strspn(text + 1, "0123456789") == strlen(text + 1)) {
        if (strspn(text + 1, "0") != strlen(text + 1)) /* "-0" is zero, as for prices */
            return s_refuse(err, TIX_REASON_NEGATIVE, "volume", "volume: negative: '%.100s'", text);
        p = text + 1;
    }
    if (!*p || strspn(p, "0123456789") != strlen(p))
        return s_refuse(err, TIX_REASON_BAD_NUMBER, "volume",
                        "volume: not a whole number of tokens: '%.100s'", text);
    int64_t v = 0;
    for (; *p; p++) {
        if (v > (INT64_MAX - (*p - '0')) / 10)
            return s_refuse(err, TIX_REASON_BAD_NUMBER, "volume", "volume: overflow: '%.100s'",
                            text);
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return 0;
}

static int s_intern(tix_strtab_t *t, const char *s, size_t len, uint32_t *id)
{
    int64_t v = tix_strtab_intern(t, s, len);
    if (v < 0)
        return -1;
    *id = (uint32_t)v;
    return 0;
}

/* §3.3 blend with 128-bit intermediates; absent prices weigh zero (checked by caller). */
static int s_blend(const tix_tier_cfg_t *t, tix_quote_t *q, tix_norm_error_t *err)
{
    __int128 in = t->w_in > 0 ? q->input : 0;
    __int128 out = t->w_out > 0 ? q->output : 0;
    __int128 num = t->w_in * in + t->w_out * out;
    __int128 den = t->w_in + t->w_out;
    __int128 r = (num + den / 2) / den;
    if (r >= INT64_MAX)
        return s_refuse(err, TIX_REASON_BAD_NUMBER, "blended", "blended price overflows");
    q->blended = (tix_price_t)r;
    return 0;
}

int tix_norm_quote(tix_norm_t *self, const tix_raw_quote_t *raw, tix_quote_t *q,
                   tix_norm_error_t *err)
{
    memset(err, 0, sizeof *err);
    memset(q, 0, sizeof *q);
    q->recv_ns = raw->recv_ns;
    if (!raw->provider || !*raw->provider)
        return s_refuse(err, TIX_REASON_MISSING_FIELD, "provider", "provider: missing");
    if (!raw->model || !*raw->model)
        return s_refuse(err, TIX_REASON_MISSING_FIELD, "model", "model: missing");
    /* One limit for every stage: the wire's name fields (journal fields are larger). A
     * truncated name could merge two models into one pair downstream. */
    if (strlen(raw->provider) > TIX_NAME_PROVIDER_MAX)
        return s_refuse(err, TIX_REASON_MISSING_FIELD, "provider",
                        "provider: %zu bytes, longer than the %d the feed carries",
                        strlen(raw->provider), TIX_NAME_PROVIDER_MAX);
    if (strlen(raw->model) > TIX_NAME_MODEL_MAX)
        return s_refuse(err, TIX_REASON_MISSING_FIELD, "model",
                        "model: %zu bytes, longer than the %d the feed carries",
                        strlen(raw->model), TIX_NAME_MODEL_MAX);
    if (!raw->unit || !*raw->unit)
        return s_refuse(err, TIX_REASON_MISSING_FIELD, "unit", "unit: missing");
    if (!raw->currency || !*raw->currency)
        return s_refuse(err, TIX_REASON_MISSING_FIELD, "currency", "currency: missing");
    if (tix_unit_parse(raw->unit, &q->unit) != 0)
        return s_refuse(err, TIX_REASON_BAD_NUMBER, "unit",
                        "unit: '%.60s' is not token, 1k or 1m", raw->unit);
    q->fx_e9 = s_fx_rate(self, raw->currency);
    if (s_price(raw->input, "input", q->unit, q->fx_e9, &q->local_input, &q->input, err) ||
        s_price(raw->output, "output", q->unit, q->fx_e9, &q->local_output, &q->output, err) ||
        s_price(raw->cached, "cached_input", q->unit, q->fx_e9, &q->local_cached, &q->cached,
                err) ||
        s_volume(raw->volume, &q->volume, err))
        return -1;
    if (q->fx_e9 < 0)
        return s_refuse(err, TIX_REASON_NO_FX_RATE, "currency",
                        "currency: no FX rate for '%.16s'", raw->currency);
    q->tier = tix_config_map(self->cfg, raw->provider, raw->model);
    if (q->tier < 0)
        return s_refuse(err, TIX_REASON_UNMAPPED_MODEL, "model",
                        "model: '%.100s' matches no mapping rule", raw->model);
    const tix_tier_cfg_t *t = &self->cfg->tiers[q->tier];
    if (t->w_in > 0 && q->input == TIX_PRICE_NULL)
        return s_refuse(err, TIX_REASON_MISSING_FIELD, "input",
                        "input: missing, and tier %s weighs input", t->id);
    if (t->w_out > 0 && q->output == TIX_PRICE_NULL)
        return s_refuse(err, TIX_REASON_MISSING_FIELD, "output",
                        "output: missing, and tier %s weighs output", t->id);
    if (s_blend(t, q, err))
        return -1;
    uint32_t ids[2];
    if (s_intern(self->names, raw->provider, strlen(raw->provider), &q->provider) ||
        s_intern(self->names, raw->model, strlen(raw->model), &q->model) ||
        s_intern(self->names, raw->currency, strlen(raw->currency), &q->currency))
        return -1;
    ids[0] = q->provider;
    ids[1] = q->model;
    if (s_intern(self->pairs, (const char *)ids, sizeof ids, &q->pair))
        return -1;
    return 0;
}

const tix_strtab_t *tix_norm_names(const tix_norm_t *self) { return self->names; }
uint32_t tix_norm_pair_count(const tix_norm_t *self)
{
    return (uint32_t)tix_strtab_size(self->pairs);
}
