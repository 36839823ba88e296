/* The index engine: per-tier latest quotes, ticks at epoch-aligned boundaries, settlements. */
#include "tix_engine.h"
#include "tix_err.h"
#include "tix_methodology.h"
#include "tix_settlement.h"
#include "tix_time.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* The latest quote of one (provider, model) pair. */
typedef struct {
    int64_t recv_ns;
    tix_price_t blended;
    int64_t volume; /* -1 absent */
} s_pair_t;

/* A provider within a tier and the tier-local indices of its pairs. */
typedef struct {
    uint32_t provider;
    uint32_t *pairs;
    size_t npairs, cap;
} s_prov_t;

typedef struct {
    const tix_tier_cfg_t *cfg;
    int64_t interval_ns, stale_ns;
    int64_t next_b_ns;
    s_pair_t *pairs;
    size_t npairs, cap_pairs;
    s_prov_t *provs;
    size_t nprovs, cap_provs;
    /* Scratch for one computation, sized on warm-up (new pairs/providers), not per tick. */
    int64_t *vals;
    tix_obs_t *obs;
    int64_t *work;
    size_t scratch_cap;
    bool have_value;
    tix_price_t last_value;
    tix_settle_state_t settle;
} s_tier_t;

/* Where a global pair id lives: tier index and local slot; tier -1 = not seen. */
typedef struct {
    int32_t tier;
    uint32_t slot;
} s_pair_ref_t;

struct tix_engine_s {
    const tix_config_t *cfg;
    const tix_strtab_t *names;
    tix_engine_sink_t sink;
    s_tier_t *tiers;
    int ntiers;
    s_pair_ref_t *refs;
    size_t nrefs; /* capacity; unseen pairs have tier -1 */
    int64_t *limits; /* per tier, for s_run */
    bool started;
};

tix_engine_t *tix_engine_new(const tix_config_t *cfg, const tix_strtab_t *names,
                             const tix_engine_sink_t *sink)
{
    assert(cfg && names && sink);
    tix_engine_t *self = calloc(1, sizeof *self);
    if (!self)
        goto oom;
    self->cfg = cfg;
    self->names = names;
    self->sink = *sink;
    self->tiers = calloc((size_t)cfg->ntiers, sizeof *self->tiers);
    if (!self->tiers)
        goto oom;
    self->ntiers = cfg->ntiers;
    self->limits = calloc((size_t)cfg->ntiers, sizeof *self->limits);
    if (!self->limits)
        goto oom;
    for (int i = 0; i < cfg->ntiers; i++) {
        s_tier_t *t = &self->tiers[i];
        t->cfg = &cfg->tiers[i];
        t->interval_ns = t->cfg->interval_ms * TIX_NS_PER_MS;
        t->stale_ns = t->cfg->stale_ms * TIX_NS_PER_MS;
        t->next_b_ns = INT64_MAX;
    }
    return self;
oom:
    tix_engine_destroy(&self);
    TIX_SET_ERR(ENOMEM, "out of memory for the index engine");
    return NULL;
}

void tix_engine_destroy(tix_engine_t **self_p)
{
    assert(self_p);
    tix_engine_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; self->tiers && i < self->ntiers; i++) {
        s_tier_t *t = &self->tiers[i];
        for (size_t p = 0; p < t->nprovs; p++)
            free(t->provs[p].pairs);
        free(t->provs);
        free(t->pairs);
        free(t->vals);
        free(t->obs);
        free(t->work);
        tix_settle_free(&t->settle);
    }
    free(self->tiers);
    free(self->refs);
    free(self->limits);
    free(self);
    *self_p = NULL;
}

/* Grows `*arr` (of `*cap` elements of `size`) to hold at least `need`. */
static int s_reserve(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * size);
    if (!p)
        return -1;
    *arr = p;
    *cap = n;
    return 0;
}

/* Times beyond ±2^62 ns (year 2116) would overflow boundary arithmetic: refuse them. */
static int s_time_ok(int64_t t_ns)
{
    if (t_ns > TIX_ENGINE_TIME_MAX || t_ns < -TIX_ENGINE_TIME_MAX) {
        TIX_SET_ERR(ERANGE, "time %lld ns is out of the engine's range", (long long)t_ns);
        return -1;
    }
    return 0;
}

static int s_start(tix_engine_t *self, int64_t t_ns)
{
    if (s_time_ok(t_ns))
        return -1;
    self->started = true;
    for (int i = 0; i < self->ntiers; i++) {
        s_tier_t *t = &self->tiers[i];
        /* First boundary at or after t_ns: ceil to the interval, epoch-aligned. */
        t->next_b_ns = -tix_floor_div(-t_ns, t->interval_ns) * t->interval_ns;
        if (tix_settle_init(&t->settle, t->cfg, t->next_b_ns) != 0)
            return -1;
    }
    return 0;
}

/* Scratch arrays for `need` pairs/providers, grown before a pair is registered so that an
 * allocation failure leaves the tier consistent. */
static int s_scratch(s_tier_t *t, size_t need)
{
    if (need <= t->scratch_cap)
        return 0;
    int64_t *vals = realloc(t->vals, need * sizeof *vals);
    if (!vals)
        return -1;
    t->vals = vals;
    int64_t *work = realloc(t->work, need * sizeof *work);
    if (!work)
        return -1;
    t->work = work;
    tix_obs_t *obs = realloc(t->obs, need * sizeof *obs);
    if (!obs)
        return -1;
    t->obs = obs;
    t->scratch_cap = need;
    return 0;
}

/* Adds global pair `q->pair` to its tier: warm-up only, never on a known pair. */
static int s_new_pair(tix_engine_t *self, const tix_quote_t *q)
{
    size_t old = self->nrefs;
    if (s_reserve((void **)&self->refs, &self->nrefs, (size_t)q->pair + 1, sizeof *self->refs))
        return -1;
    for (size_t i = old; i < self->nrefs; i++)
        self->refs[i] = (s_pair_ref_t){-1, 0};
    s_tier_t *t = &self->tiers[q->tier];
    if (s_reserve((void **)&t->pairs, &t->cap_pairs, t->npairs + 1, sizeof *t->pairs) ||
        s_scratch(t, t->npairs + 1))
        return -1;
    size_t p = 0;
    while (p < t->nprovs && t->provs[p].provider != q->provider)
        p++;
    if (p == t->nprovs) {
        if (s_reserve((void **)&t->provs, &t->cap_provs, t->nprovs + 1, sizeof *t->provs))
            return -1;
        memset(&t->provs[p], 0, sizeof t->provs[p]);
        t->provs[p].provider = q->provider;
        t->nprovs++;
    }
    s_prov_t *pv = &t->provs[p];
    if (s_reserve((void **)&pv->pairs, &pv->cap, pv->npairs + 1, sizeof *pv->pairs))
        return -1;
    uint32_t slot = (uint32_t)t->npairs++;
    pv->pairs[pv->npairs++] = slot;
    t->pairs[slot] = (s_pair_t){INT64_MIN, 0, -1};
    self->refs[q->pair] = (s_pair_ref_t){q->tier, slot};
    return 0;
}

static bool s_known(const tix_engine_t *self, uint32_t pair)
{
    return pair < self->nrefs && self->refs[pair].tier >= 0;
}

int tix_engine_start(tix_engine_t *self, int64_t t_ns)
{
    if (self->started) {
        TIX_SET_ERR(EINVAL, "the engine has already started");
        return -1;
    }
    return s_start(self, t_ns);
}

int tix_engine_quote(tix_engine_t *self, const tix_quote_t *q)
{
    if (q->tier < 0 || q->tier >= self->ntiers) {
        TIX_SET_ERR(EINVAL, "quote for pair %u has tier %d, not in the configuration", q->pair,
                    q->tier);
        return -1;
    }
    if (s_time_ok(q->recv_ns) || (!self->started && s_start(self, q->recv_ns) != 0))
        return -1;
    if (!s_known(self, q->pair) && s_new_pair(self, q) != 0) {
        TIX_SET_ERR(ENOMEM, "out of memory adding a pair to tier %s",
                    self->tiers[q->tier].cfg->id);
        return -1;
    }
    s_pair_ref_t ref = self->refs[q->pair];
    if (ref.tier != q->tier) {
        TIX_SET_ERR(EINVAL, "pair %u moved from tier %s to %s; the mapping is fixed per run",
                    q->pair, self->tiers[ref.tier].cfg->id, self->tiers[q->tier].cfg->id);
        return -1;
    }
    s_pair_t *p = &self->tiers[ref.tier].pairs[ref.slot];
    if (q->recv_ns >= p->recv_ns)
        *p = (s_pair_t){q->recv_ns, q->blended, q->volume};
    return 0;
}

/* §6–§7: fills t->obs with one observation per provider; returns how many. */
static size_t s_observe(const tix_engine_t *self, s_tier_t *t, int64_t b_ns, uint32_t *n_stale)
{
    bool by_volume = t->cfg->weighting == TIX_WEIGHT_VOLUME;
    size_t nobs = 0;
    *n_stale = 0;
    for (size_t i = 0; i < t->nprovs; i++) {
        const s_prov_t *pv = &t->provs[i];
        size_t k = 0;
        int64_t vol = 0;
        for (size_t j = 0; j < pv->npairs; j++) {
            const s_pair_t *p = &t->pairs[pv->pairs[j]];
            if (p->recv_ns == INT64_MIN)
                continue;
            if ((__int128)b_ns - p->recv_ns > t->stale_ns) {
                (*n_stale)++;
                continue;
            }
            if (by_volume && p->volume < 0)
                continue;
            t->vals[k++] = p->blended;
            if (p->volume > 0)
                vol = p->volume > INT64_MAX - vol ? INT64_MAX : vol + p->volume;
        }
        if (k == 0)
            continue;
        tix_obs_t *o = &t->obs[nobs++];
        o->obs = tix_median(t->vals, k);
        o->volume = vol;
        o->name = tix_strtab_name(self->names, pv->provider);
        o->excluded = false;
        o->capped = false;
        o->share = 0;
    }
    return nobs;
}

/* Computes tier `ti` at boundary b: §6–§12. */
static void s_compute(tix_engine_t *self, int ti, int64_t b_ns, tix_tick_t *tick)
{
    s_tier_t *t = &self->tiers[ti];
    memset(tick, 0, sizeof *tick);
    tick->ts_ns = b_ns;
    tick->tier = ti;
    size_t nobs = s_observe(self, t, b_ns, &tick->n_stale);
    tick->n_excluded = (uint32_t)tix_outlier_filter(t->obs, nobs, t->cfg->outlier_k,
                                                    t->cfg->outlier_band_bp, t->work);
    size_t nused = 0;
    for (size_t i = 0; i < nobs; i++)
        if (!t->obs[i].excluded)
            t->obs[nused++] = t->obs[i];
    tick->n_used = (uint32_t)nused;
    if (nused == 0) {
        tick->status = TIX_STATUS_STALE;
        tick->price = t->have_value ? t->last_value : TIX_PRICE_NULL;
        tick->dispersion = 0;
        return;
    }
    tix_obs_sort(t->obs, nused);
    bool by_share = t->cfg->weighting == TIX_WEIGHT_VOLUME &&
                    tix_volume_shares(t->obs, nused, t->cfg->cap_bp);
    tick->price = tix_weighted_median(t->obs, nused, by_share);
    tick->status = (int64_t)nused >= t->cfg->min_providers ? TIX_STATUS_OK : TIX_STATUS_LOW;
    for (size_t i = 0; i < nused; i++) {
        int64_t d = t->obs[i].obs - tick->price;
        t->work[i] = d < 0 ? -d : d;
    }
    tick->dispersion = tix_median(t->work, nused);
    t->have_value = true;
    t->last_value = tick->price;
}

static void s_boundary(tix_engine_t *self, int ti)
{
    s_tier_t *t = &self->tiers[ti];
    tix_tick_t tick;
    tix_settlement_t stl;
    s_compute(self, ti, t->next_b_ns, &tick);
    bool due = tix_settle_on_tick(&t->settle, &tick, &stl);
    if (self->sink.on_tick)
        self->sink.on_tick(self->sink.arg, &tick);
    if (due && self->sink.on_settlement)
        self->sink.on_settlement(self->sink.arg, &stl);
    t->next_b_ns += t->interval_ns;
}

int64_t tix_engine_next_boundary(const tix_engine_t *self)
{
    int64_t next = INT64_MAX;
    for (int i = 0; i < self->ntiers; i++)
        if (self->tiers[i].next_b_ns < next)
            next = self->tiers[i].next_b_ns;
    return next;
}

/* Processes boundaries in time order; a tier takes part while its boundary ≤ its limit. */
static void s_run(tix_engine_t *self, const int64_t *limit)
{
    for (;;) {
        int64_t next = INT64_MAX;
        for (int i = 0; i < self->ntiers; i++) {
            const s_tier_t *t = &self->tiers[i];
            if (t->next_b_ns <= limit[i] && t->next_b_ns < next)
                next = t->next_b_ns;
        }
        if (next == INT64_MAX)
            return;
        for (int i = 0; i < self->ntiers; i++)
            if (self->tiers[i].next_b_ns == next && next <= limit[i])
                s_boundary(self, i);
    }
}

static int s_advance(tix_engine_t *self, int64_t now_ns, bool close)
{
    if (s_time_ok(now_ns))
        return -1;
    if (!self->started && s_start(self, now_ns) != 0)
        return -1;
    int64_t *limit = self->limits;
    for (int i = 0; i < self->ntiers; i++) {
        int64_t iv = self->tiers[i].interval_ns;
        limit[i] = close ? -tix_floor_div(-now_ns, iv) * iv : now_ns;
    }
    s_run(self, limit);
    return 0;
}

int tix_engine_clock(tix_engine_t *self, int64_t now_ns) { return s_advance(self, now_ns, false); }

int tix_engine_close(tix_engine_t *self, int64_t last_ns) { return s_advance(self, last_ns, true); }
