/* tix-sim's payloads: seeded random-walk prices and the price-list documents of each provider format. */
#include "tix_sim.h"
#include "tix_time.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

tix_sim_clock_t tix_sim_clock = {0, 1000};

/* FNV-1a, to derive a reproducible stream per (seed, provider, model). */
uint64_t tix_sim_hash(uint64_t h, const char *s)
{
    for (h ^= 0xcbf29ce484222325u; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h ? h : 1;
}

uint64_t tix_sim_next(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * UINT64_C(2685821657736338717);
}

/* One random-walk step: each price moves by a whole number of basis points in ±walk_bp. */
static tix_price_t s_walk(tix_price_t p, int64_t walk_bp, uint64_t *rng)
{
    int64_t k = (int64_t)(tix_sim_next(rng) % (uint64_t)(2 * walk_bp + 1)) - walk_bp;
    tix_price_t q = p + (tix_price_t)tix_round_div((__int128)p * k, 10000);
    return q > 0 ? q : 1;
}

/* Advances a model to `step`; steps depend only on the seed, so runs are reproducible. */
static void s_advance(tix_sim_prov_t *p, tix_sim_model_t *m, int64_t step)
{
    while (m->step < step) {
        m->in = s_walk(m->in, p->walk_bp, &m->rng);
        m->out = s_walk(m->out, p->walk_bp, &m->rng);
        if (m->cached != TIX_PRICE_NULL)
            m->cached = s_walk(m->cached, p->walk_bp, &m->rng);
        m->step++;
    }
}

static bool s_active(const tix_sim_fault_t *f, int64_t now_ms, uint64_t request)
{
    return now_ms >= f->from_ms && (f->to_ms == 0 || now_ms < f->to_ms) &&
           (f->every <= 1 || request % (uint64_t)f->every == 0);
}

const tix_sim_fault_t *tix_sim_fault(const tix_sim_prov_t *p, int kind, int64_t now_ms, uint64_t request)
{
    for (int i = 0; i < p->nfaults; i++)
        if (p->faults[i].kind == kind && s_active(&p->faults[i], now_ms, request))
            return &p->faults[i];
    return NULL;
}

/* A price per `unit_dec` (15 per token, 12 per 1K, 9 per 1M) as a JSON string or number. */
static json_object *s_price(tix_price_t v, int dec, bool as_number)
{
    char b[48];
    tix_decimal_format(v, dec, b, sizeof b);
    return as_number ? json_object_new_double_s(strtod(b, NULL), b) : json_object_new_string(b);
}

/* The model's prices at the current step, with an outlier fault's factor applied. */
void tix_sim_prices(tix_sim_prov_t *p, tix_sim_model_t *m, int64_t step, const tix_sim_fault_t *outlier,
                     tix_price_t v[3])
{
    s_advance(p, m, step);
    v[0] = m->in;
    v[1] = m->out;
    v[2] = m->cached;
    if (outlier && (!outlier->model[0] || strcmp(outlier->model, m->id) == 0))
        for (int i = 0; i < 3; i++)
            if (v[i] != TIX_PRICE_NULL)
                v[i] = (tix_price_t)tix_round_div((__int128)v[i] * outlier->factor_bp, 10000);
}

static void s_add(json_object *o, const char *k, json_object *v) { json_object_object_add(o, k, v); }

/* (a) OpenRouter-style: USD per token as decimal strings, "-1" variable, discount, overrides. */
static json_object *s_openrouter(tix_sim_prov_t *p, int64_t step, const tix_sim_fault_t *out)
{
    json_object *root = json_object_new_object(), *data = json_object_new_array();
    for (int i = 0; i < p->nmodels; i++) {
        tix_sim_model_t *m = &p->models[i];
        tix_price_t v[3];
        tix_sim_prices(p, m, step, out, v);
        json_object *e = json_object_new_object(), *pr = json_object_new_object();
        s_add(e, "id", json_object_new_string(m->id));
        s_add(e, "name", json_object_new_string(m->id));
        s_add(e, "context_length", json_object_new_int(128000));
        s_add(pr, "prompt", m->variable ? json_object_new_string("-1") : s_price(v[0], 15, false));
        s_add(pr, "completion", m->variable ? json_object_new_string("-1") : s_price(v[1], 15, false));
        if (v[2] != TIX_PRICE_NULL)
            s_add(pr, "input_cache_read", s_price(v[2], 15, false));
        s_add(pr, "request", json_object_new_string("0"));
        if (p->discount[0])
            s_add(pr, "discount", json_object_new_double_s(strtod(p->discount, NULL), p->discount));
        json_object *ov = json_object_new_array(), *o1 = json_object_new_object();
        s_add(o1, "min_prompt_tokens", json_object_new_int(200000));
        s_add(o1, "prompt", s_price(2 * v[0], 15, false));
        s_add(o1, "completion", s_price(2 * v[1], 15, false));
        json_object_array_add(ov, o1);
        s_add(pr, "overrides", ov);
        s_add(e, "pricing", pr);
        json_object_array_add(data, e);
    }
    s_add(root, "data", data);
    return root;
}

/* (b) DashScope-style: CNY per 1K, prompt-length tiers (base tier listed last), thinking. */
static json_object *s_dashscope(tix_sim_prov_t *p, int64_t step, const tix_sim_fault_t *out)
{
    json_object *root = json_object_new_object(), *data = json_object_new_object();
    json_object *models = json_object_new_array();
    for (int i = 0; i < p->nmodels; i++) {
        tix_sim_model_t *m = &p->models[i];
        tix_price_t v[3];
        tix_sim_prices(p, m, step, out, v);
        json_object *e = json_object_new_object(), *tiers = json_object_new_array();
        s_add(e, "model", json_object_new_string(m->id));
        s_add(e, "currency", json_object_new_string("CNY"));
        s_add(e, "unit", json_object_new_string("1K tokens"));
        for (int t = 1; t >= 0; t--) {
            json_object *te = json_object_new_object();
            s_add(te, "min_prompt_tokens", json_object_new_int(t ? 32001 : 0));
            s_add(te, "max_prompt_tokens", json_object_new_int(t ? 128000 : 32000));
            s_add(te, "input", s_price(v[0] * (t + 1), 12, true));
            s_add(te, "output", s_price(v[1] * (t + 1), 12, true));
            json_object_array_add(tiers, te);
        }
        s_add(e, "tiers", tiers);
        json_object *th = json_object_new_object();
        s_add(th, "output", s_price(v[1] * 4, 12, true));
        s_add(e, "thinking", th);
        json_object_array_add(models, e);
    }
    s_add(data, "models", models);
    s_add(root, "request_id", json_object_new_string("sim"));
    s_add(root, "data", data);
    return root;
}

/* (c) a USD-per-1M price sheet with JSON numbers, batch and flex prices, updated_at. */
static json_object *s_pricesheet(tix_sim_prov_t *p, int64_t step, const tix_sim_fault_t *out)
{
    json_object *root = json_object_new_object(), *prices = json_object_new_array();
    char ts[40];
    tix_time_format_iso(tix_sim_clock.t0_wall_ns + step * tix_sim_clock.update_ms * TIX_NS_PER_MS, ts, sizeof ts);
    s_add(root, "object", json_object_new_string("price_sheet"));
    s_add(root, "updated_at", json_object_new_string(ts));
    for (int i = 0; i < p->nmodels; i++) {
        tix_sim_model_t *m = &p->models[i];
        tix_price_t v[3];
        tix_sim_prices(p, m, step, out, v);
        json_object *e = json_object_new_object(), *b = json_object_new_object();
        json_object *f = json_object_new_object();
        s_add(e, "model", json_object_new_string(m->id));
        s_add(e, "input", s_price(v[0], 9, true));
        if (v[2] != TIX_PRICE_NULL)
            s_add(e, "cached_input", s_price(v[2], 9, true));
        s_add(e, "output", s_price(v[1], 9, true));
        s_add(b, "input", s_price(v[0] / 2, 9, true));
        s_add(b, "output", s_price(v[1] / 2, 9, true));
        s_add(f, "input", s_price(v[0] / 2, 9, true));
        s_add(f, "output", s_price(v[1] / 2, 9, true));
        s_add(e, "batch", b);
        s_add(e, "flex", f);
        json_object_array_add(prices, e);
    }
    s_add(root, "prices", prices);
    return root;
}

/* (d) DeepSeek-style: CNY per 1M, cache hit/miss input, off-peak prices and window (UTC). */
static json_object *s_deepseek(tix_sim_prov_t *p, int64_t step, const tix_sim_fault_t *out)
{
    json_object *root = json_object_new_object(), *models = json_object_new_array();
    s_add(root, "currency", json_object_new_string("CNY"));
    s_add(root, "updated_at", json_object_new_int64((tix_sim_clock.t0_wall_ns / TIX_NS_PER_S) + step * tix_sim_clock.update_ms / 1000));
    for (int i = 0; i < p->nmodels; i++) {
        tix_sim_model_t *m = &p->models[i];
        tix_price_t v[3];
        tix_sim_prices(p, m, step, out, v);
        json_object *e = json_object_new_object(), *op = json_object_new_object();
        tix_price_t hit = v[2] != TIX_PRICE_NULL ? v[2] : v[0] / 4;
        s_add(e, "id", json_object_new_string(m->id));
        s_add(e, "input_cache_hit", s_price(hit, 9, false));
        s_add(e, "input_cache_miss", s_price(v[0], 9, false));
        s_add(e, "output", s_price(v[1], 9, false));
        s_add(op, "start_utc", json_object_new_string(p->off_start));
        s_add(op, "end_utc", json_object_new_string(p->off_end));
        s_add(op, "input_cache_hit", s_price((tix_price_t)tix_round_div((__int128)hit * p->off_peak_bp, 10000), 9, false));
        s_add(op, "input_cache_miss", s_price((tix_price_t)tix_round_div((__int128)v[0] * p->off_peak_bp, 10000), 9, false));
        s_add(op, "output", s_price((tix_price_t)tix_round_div((__int128)v[1] * p->off_peak_bp, 10000), 9, false));
        s_add(e, "off_peak", op);
        json_object_array_add(models, e);
    }
    s_add(root, "models", models);
    return root;
}

/* An FX feed: USD value of one unit of each currency, as decimal strings. */
static json_object *s_fx(tix_sim_prov_t *p, int64_t step)
{
    json_object *root = json_object_new_object(), *rates = json_object_new_object();
    s_add(root, "base", json_object_new_string("USD"));
    s_add(root, "timestamp", json_object_new_int64((tix_sim_clock.t0_wall_ns / TIX_NS_PER_S) + step * tix_sim_clock.update_ms / 1000));
    for (int i = 0; p->rates && i < config_setting_length(p->rates); i++) {
        const config_setting_t *r = config_setting_get_elem(p->rates, (unsigned)i);
        if (config_setting_type(r) == CONFIG_TYPE_STRING)
            s_add(rates, config_setting_name(r), json_object_new_string(config_setting_get_string(r)));
    }
    s_add(root, "rates", rates);
    return root;
}

/* The document body for this request, or NULL (out of memory). Caller frees. */
char *tix_sim_body(tix_sim_prov_t *p, int64_t now_ms, uint64_t req, size_t *len)
{
    const tix_sim_fault_t *stale = tix_sim_fault(p, F_STALE, now_ms, req);
    int64_t step = now_ms / tix_sim_clock.update_ms;
    pthread_mutex_lock(&p->mu);
    if (stale && p->frozen_step < 0)
        p->frozen_step = step;
    if (!stale)
        p->frozen_step = -1;
    if (p->frozen_step >= 0)
        step = p->frozen_step;
    const tix_sim_fault_t *out = tix_sim_fault(p, F_OUTLIER, now_ms, req);
    json_object *doc = p->format == FMT_OPENROUTER   ? s_openrouter(p, step, out)
                       : p->format == FMT_DASHSCOPE  ? s_dashscope(p, step, out)
                       : p->format == FMT_PRICESHEET ? s_pricesheet(p, step, out)
                       : p->format == FMT_DEEPSEEK   ? s_deepseek(p, step, out)
                                                     : s_fx(p, step);
    pthread_mutex_unlock(&p->mu);
    size_t n = 0;
    const char *s = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, &n);
    char *copy = s ? strndup(s, n) : NULL;
    json_object_put(doc);
    *len = n;
    return copy;
}
