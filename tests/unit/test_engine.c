/* Unit and property tests for the index engine: boundaries, eligibility, ticks and settlements (METHODOLOGY-v1 §5–§14). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_config.h"
#include "tix_engine.h"
#include "tix_err.h"
#include "tix_normalize.h"
#include "tix_strtab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)
#define DAY (INT64_C(86400) * SEC)
#define T0 (INT64_C(1767225600) * SEC) /* 2026-01-01T00:00:00Z */
#define NANO_USD(x) ((int64_t)(x))

/* ---- fixed-seed PRNG (xorshift64*) ------------------------------------------------- */

typedef struct {
    uint64_t s;
} s_rng_t;

static uint64_t s_next(s_rng_t *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1du;
}

static int64_t s_range(s_rng_t *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(s_next(r) % (uint64_t)(hi - lo + 1));
}

static s_rng_t s_seed(uint64_t seed)
{
    s_rng_t r = {seed * 0x9e3779b97f4a7c15u + 0x1234567u};
    for (int i = 0; i < 8; i++)
        (void)s_next(&r);
    return r;
}

/* ---- configuration in a temporary directory ---------------------------------------- */

typedef struct {
    char dir[64];
    char path[96];
    tix_config_t *cfg;
} s_conf_t;

static void s_conf_load(s_conf_t *c, const char *text)
{
    snprintf(c->dir, sizeof c->dir, "/tmp/tix-engine-XXXXXX");
    assert_non_null(mkdtemp(c->dir));
    snprintf(c->path, sizeof c->path, "%s/tix.conf", c->dir);
    FILE *f = fopen(c->path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    c->cfg = tix_config_load(c->path, NULL);
    if (!c->cfg)
        fail_msg("config: %s", tix_err());
}

static void s_conf_free(s_conf_t *c)
{
    tix_config_destroy(&c->cfg);
    unlink(c->path);
    rmdir(c->dir);
}

/* ---- an engine with its normalizer and collected output ---------------------------- */

typedef struct {
    tix_tick_t *ticks;
    size_t nticks, cap_ticks;
    tix_settlement_t *stls;
    size_t nstls, cap_stls;
} s_out_t;

static void s_on_tick(void *arg, const tix_tick_t *t)
{
    s_out_t *o = arg;
    if (o->nticks == o->cap_ticks) {
        o->cap_ticks = o->cap_ticks ? 2 * o->cap_ticks : 64;
        o->ticks = realloc(o->ticks, o->cap_ticks * sizeof *o->ticks);
        assert_non_null(o->ticks);
    }
    memcpy(&o->ticks[o->nticks++], t, sizeof *t);
}

static void s_on_settlement(void *arg, const tix_settlement_t *s)
{
    s_out_t *o = arg;
    if (o->nstls == o->cap_stls) {
        o->cap_stls = o->cap_stls ? 2 * o->cap_stls : 8;
        o->stls = realloc(o->stls, o->cap_stls * sizeof *o->stls);
        assert_non_null(o->stls);
    }
    memcpy(&o->stls[o->nstls++], s, sizeof *s);
}

typedef struct {
    tix_norm_t *norm;
    tix_engine_t *eng;
    s_out_t out;
} s_run_t;

static void s_run_init(s_run_t *r, const tix_config_t *cfg)
{
    memset(r, 0, sizeof *r);
    r->norm = tix_norm_new(cfg);
    assert_non_null(r->norm);
    tix_engine_sink_t sink = {s_on_tick, s_on_settlement, &r->out};
    r->eng = tix_engine_new(cfg, tix_norm_names(r->norm), &sink);
    assert_non_null(r->eng);
}

static void s_run_free(s_run_t *r)
{
    tix_engine_destroy(&r->eng);
    tix_norm_destroy(&r->norm);
    free(r->out.ticks);
    free(r->out.stls);
    memset(r, 0, sizeof *r);
}

/* Normalizes and feeds one quote; prices in nano-USD per Mtok, volume -1 for none. */
static void s_quote(s_run_t *r, int64_t recv_ns, const char *prov, const char *model,
                    int64_t in, int64_t out, int64_t volume)
{
    char tin[TIX_PRICE_TEXT_MAX], tout[TIX_PRICE_TEXT_MAX], tvol[32];
    tix_raw_quote_t raw;
    memset(&raw, 0, sizeof raw);
    raw.recv_ns = recv_ns;
    raw.provider = prov;
    raw.model = model;
    raw.unit = "1m";
    raw.currency = "USD";
    raw.input = tix_price_format(in, tin, sizeof tin);
    raw.output = tix_price_format(out, tout, sizeof tout);
    if (volume >= 0) {
        snprintf(tvol, sizeof tvol, "%lld", (long long)volume);
        raw.volume = tvol;
    }
    tix_quote_t q;
    tix_norm_error_t e;
    if (tix_norm_quote(r->norm, &raw, &q, &e) != 0)
        fail_msg("normalize %s/%s: %s", prov, model, e.detail);
    if (tix_engine_quote(r->eng, &q) != 0)
        fail_msg("engine quote: %s", tix_err());
}

/* A quote whose blended price is `p` under any blend weights. */
static void s_q(s_run_t *r, int64_t recv_ns, const char *prov, const char *model, int64_t p)
{
    s_quote(r, recv_ns, prov, model, p, p, -1);
}

static void s_clock(s_run_t *r, int64_t now)
{
    if (tix_engine_clock(r->eng, now) != 0)
        fail_msg("clock: %s", tix_err());
}

static void s_start(s_run_t *r, int64_t t)
{
    if (tix_engine_start(r->eng, t) != 0)
        fail_msg("start: %s", tix_err());
}

static void s_close(s_run_t *r, int64_t last)
{
    if (tix_engine_close(r->eng, last) != 0)
        fail_msg("close: %s", tix_err());
}

static const tix_tick_t *s_last(const s_run_t *r)
{
    assert_true(r->out.nticks > 0);
    return &r->out.ticks[r->out.nticks - 1];
}

static void s_expect_tick(const tix_tick_t *t, int64_t ts, int32_t tier, int64_t price,
                          tix_status_t st, uint32_t used, uint32_t excl, uint32_t stale,
                          int64_t disp)
{
    if (t->ts_ns != ts || t->tier != tier || t->price != price || t->status != st ||
        t->n_used != used || t->n_excluded != excl || t->n_stale != stale ||
        t->dispersion != disp)
        fail_msg("tick (T0%+lld ns, tier %d, price %lld, %s, used %u, excl %u, stale %u, disp "
                 "%lld), expected (T0%+lld ns, %d, %lld, %s, %u, %u, %u, %lld)",
                 (long long)(t->ts_ns - T0), t->tier, (long long)t->price,
                 tix_status_name(t->status), t->n_used, t->n_excluded, t->n_stale,
                 (long long)t->dispersion, (long long)(ts - T0), tier, (long long)price,
                 tix_status_name(st), used, excl, stale, (long long)disp);
}

static void s_same_output(const s_out_t *a, const s_out_t *b)
{
    assert_int_equal(a->nticks, b->nticks);
    for (size_t i = 0; i < a->nticks; i++) {
        const tix_tick_t *x = &a->ticks[i], *y = &b->ticks[i];
        if (x->ts_ns != y->ts_ns || x->tier != y->tier || x->price != y->price ||
            x->status != y->status || x->n_used != y->n_used ||
            x->n_excluded != y->n_excluded || x->n_stale != y->n_stale ||
            x->dispersion != y->dispersion)
            fail_msg("tick %zu differs: (T0%+lld, %d, %lld, %d, %u, %u, %u, %lld) vs (T0%+lld, "
                     "%d, %lld, %d, %u, %u, %u, %lld)",
                     i, (long long)(x->ts_ns - T0), x->tier, (long long)x->price, x->status,
                     x->n_used, x->n_excluded, x->n_stale, (long long)x->dispersion,
                     (long long)(y->ts_ns - T0), y->tier, (long long)y->price, y->status,
                     y->n_used, y->n_excluded, y->n_stale, (long long)y->dispersion);
    }
    assert_int_equal(a->nstls, b->nstls);
    for (size_t i = 0; i < a->nstls; i++) {
        const tix_settlement_t *x = &a->stls[i], *y = &b->stls[i];
        assert_int_equal(x->ts_ns, y->ts_ns);
        assert_int_equal(x->tier, y->tier);
        assert_string_equal(x->date, y->date);
        assert_int_equal(x->price, y->price);
        assert_int_equal(x->status, y->status);
        assert_int_equal(x->partitions_used, y->partitions_used);
    }
}

/* §1 median with half-away rounding, for non-negative values: the test's own reference. */
static int64_t s_ref_median(const int64_t *x, size_t n)
{
    int64_t *v = malloc(n * sizeof *v);
    assert_non_null(v);
    memcpy(v, x, n * sizeof *v);
    for (size_t i = 1; i < n; i++) /* insertion sort */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            int64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    int64_t m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2] + 1) / 2;
    free(v);
    return m;
}

/* ---- generated streams ------------------------------------------------------------- */

enum { EV_QUOTE, EV_CLOCK };

typedef struct {
    int kind;
    int64_t ns;
    int prov, model; /* model index within the provider */
    int64_t in, out, vol;
} s_ev_t;

typedef struct {
    s_ev_t *v;
    size_t n, cap;
    int nprov;
    int nmodels[16];
    char tier_of[16][8]; /* per provider and model: 'a' or 'b' */
} s_stream_t;

static const char *const s_prov_names[16] = {
    "alpha", "Beta",  "gamma",      "Delta", "\xc3\xa9psilon", "zeta", "Eta",   "theta",
    "iota",  "Kappa", "\x7flambda", "mu",    "Nu",             "xi",   "omic", "Pi"};

static void s_push(s_stream_t *s, s_ev_t e)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n++] = e;
}

static void s_model_name(const s_stream_t *s, int p, int m, char *buf, size_t len)
{
    snprintf(buf, len, "%c-%d", s->tier_of[p][m], m);
}

/* Prices are multiples of `unit` nano-USD (so ×10 scaling never meets a rounding when unit
 * is a multiple of 1024). Quotes stop between 40 s and 65 s so tiers go stale. */
static void s_generate(s_stream_t *s, uint64_t seed, int nprov, int ntiers, int64_t dur_ns,
                       int64_t unit)
{
    memset(s, 0, sizeof *s);
    s_rng_t r = s_seed(seed);
    s->nprov = nprov;
    int64_t level[16];
    for (int p = 0; p < nprov; p++) {
        s->nmodels[p] = (int)s_range(&r, 1, 4);
        for (int m = 0; m < s->nmodels[p]; m++)
            s->tier_of[p][m] = (char)('a' + s_range(&r, 0, ntiers - 1));
        level[p] = s_range(&r, 500, 1500);
    }
    int64_t t = T0 + 1;
    while (t < T0 + dur_ns) {
        t += s_range(&r, 0, 400) * MS;
        if (s_range(&r, 0, 4) == 0) {
            s_push(s, (s_ev_t){EV_CLOCK, t, 0, 0, 0, 0, 0});
            t += 1;
            continue;
        }
        if (t > T0 + 40 * SEC && t < T0 + 65 * SEC)
            continue;
        int p = (int)s_range(&r, 0, nprov - 1);
        if (p % 2 && s_range(&r, 0, 2) != 0)
            continue; /* odd providers quote less often */
        int m = (int)s_range(&r, 0, s->nmodels[p] - 1);
        int64_t in = level[p] + s_range(&r, -30, 30);
        int64_t out = 2 * level[p] + s_range(&r, -50, 50);
        if (s_range(&r, 0, 14) == 0) {
            in *= 5;
            out *= 5;
        }
        int64_t vol = s_range(&r, 0, 4) == 0 ? -1 : s_range(&r, 0, 8) == 0 ? 0 : s_range(&r, 1, 1000000);
        s_push(s, (s_ev_t){EV_QUOTE, t, p, m, in * unit, out * unit, vol});
    }
}

/* Plays `s` into `r`: start at T0, the events, close at the last time. Prices × `scale`;
 * provider `skip` (or -1) left out, provider `far` (or -1) priced × `far_mul`. */
static void s_play(s_run_t *r, const s_stream_t *s, int64_t scale, int skip, int far,
                   int64_t far_mul)
{
    s_start(r, T0);
    int64_t last = T0;
    char model[16];
    for (size_t i = 0; i < s->n; i++) {
        const s_ev_t *e = &s->v[i];
        if (e->ns > last)
            last = e->ns;
        if (e->kind == EV_CLOCK) {
            s_clock(r, e->ns);
            continue;
        }
        if (e->prov == skip)
            continue;
        int64_t mul = scale * (e->prov == far ? far_mul : 1);
        s_model_name(s, e->prov, e->model, model, sizeof model);
        s_quote(r, e->ns, s_prov_names[e->prov], model, e->in * mul, e->out * mul, e->vol);
    }
    s_close(r, last);
}

static const char *const s_two_tiers =
    "tiers = ( { id = \"T1\"; stale_ms = 20000;\n"
    "            settlement = { time = \"00:02\"; window_min = 2; partitions = 2; }; },\n"
    "          { id = \"T2\"; stale_ms = 20000; weighting = \"volume\"; min_providers = 2;\n"
    "            settlement = { time = \"00:02\"; window_min = 2; partitions = 2; }; } );\n"
    "mapping = ( { provider = \"*\"; model = \"a-*\"; tier = \"T1\"; },\n"
    "            { provider = \"*\"; model = \"b-*\"; tier = \"T2\"; } );\n"
    "fx = { USD = \"1\"; };\n";

/* ---- (1) scaling ------------------------------------------------------------------- */

static void test_prop_scale(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, s_two_tiers);
    size_t n_stale_carry = 0, n_excl = 0, n_stl_ok = 0, n_low = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        s_stream_t s;
        s_generate(&s, seed, (int)(3 + seed % 8), 2, 150 * SEC, 1024 * 1000);
        s_run_t a, b;
        s_run_init(&a, c.cfg);
        s_run_init(&b, c.cfg);
        s_play(&a, &s, 1, -1, -1, 1);
        s_play(&b, &s, 10, -1, -1, 1);
        assert_int_equal(a.out.nticks, b.out.nticks);
        for (size_t i = 0; i < a.out.nticks; i++) {
            const tix_tick_t *x = &a.out.ticks[i], *y = &b.out.ticks[i];
            assert_int_equal(x->ts_ns, y->ts_ns);
            assert_int_equal(x->tier, y->tier);
            assert_int_equal(x->status, y->status);
            assert_int_equal(x->n_used, y->n_used);
            assert_int_equal(x->n_excluded, y->n_excluded);
            assert_int_equal(x->n_stale, y->n_stale);
            if (x->price == TIX_PRICE_NULL)
                assert_true(y->price == TIX_PRICE_NULL);
            else if (y->price != 10 * x->price)
                fail_msg("seed %llu tick %zu: price %lld ×10 != %lld", (unsigned long long)seed,
                         i, (long long)x->price, (long long)y->price);
            assert_int_equal(y->dispersion, 10 * x->dispersion);
            n_stale_carry += x->status == TIX_STATUS_STALE && x->price != TIX_PRICE_NULL;
            n_excl += x->n_excluded > 0;
            n_low += x->status == TIX_STATUS_LOW;
        }
        assert_int_equal(a.out.nstls, b.out.nstls);
        assert_int_equal(a.out.nstls, 2); /* one per tier at 00:02 */
        for (size_t i = 0; i < a.out.nstls; i++) {
            const tix_settlement_t *x = &a.out.stls[i], *y = &b.out.stls[i];
            assert_int_equal(x->status, y->status);
            assert_int_equal(x->partitions_used, y->partitions_used);
            assert_int_equal(x->ts_ns, T0 + 120 * SEC);
            if (x->price == TIX_PRICE_NULL)
                assert_true(y->price == TIX_PRICE_NULL);
            else
                assert_int_equal(y->price, 10 * x->price);
            n_stl_ok += x->status == TIX_SETTLE_OK;
        }
        s_run_free(&a);
        s_run_free(&b);
        free(s.v);
    }
    /* the streams exercised what the property is about */
    assert_true(n_stale_carry > 0);
    assert_true(n_excl > 0);
    assert_true(n_stl_ok > 0);
    assert_true(n_low > 0);
    s_conf_free(&c);
}

/* ---- (2) a far-away provider is excluded and moves nothing ------------------------- */

static void test_prop_far_provider(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, "tiers = ( { id = \"T1\"; } );\n"
                    "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
                    "fx = { USD = \"1\"; };\n");
    for (uint64_t seed = 1; seed <= 30; seed++) {
        s_rng_t r = s_seed(seed + 1000);
        int nclose = (int)s_range(&r, 4, 8);
        int far = nclose; /* provider index of the mover */
        s_stream_t s;
        memset(&s, 0, sizeof s);
        s.nprov = nclose + 1;
        for (int p = 0; p <= nclose; p++) {
            s.nmodels[p] = (int)s_range(&r, 1, 3);
            for (int m = 0; m < s.nmodels[p]; m++)
                s.tier_of[p][m] = 'a';
        }
        /* every close provider quotes before the first boundary after T0; the mover later */
        int64_t far_from = T0 + s_range(&r, 2, 20) * SEC;
        for (int p = 0; p < nclose; p++)
            for (int m = 0; m < s.nmodels[p]; m++) {
                int64_t v = s_range(&r, 990, 1010) * 1000000;
                s_push(&s, (s_ev_t){EV_QUOTE, T0 + 1, p, m, v, v, -1});
            }
        for (int64_t t = T0 + 2; t < T0 + 60 * SEC; t += s_range(&r, 1, 500) * MS) {
            if (s_range(&r, 0, 3) == 0) {
                s_push(&s, (s_ev_t){EV_CLOCK, t, 0, 0, 0, 0, 0});
                continue;
            }
            int p = (int)s_range(&r, 0, nclose);
            if (p == far && t < far_from)
                continue;
            int m = (int)s_range(&r, 0, s.nmodels[p] - 1);
            int64_t v = s_range(&r, 990, 1010) * 1000000;
            s_push(&s, (s_ev_t){EV_QUOTE, t + 1, p, m, v, s_range(&r, 990, 1010) * 1000000,
                                -1});
        }
        s_run_t without, at100, at1000, near;
        s_run_init(&without, c.cfg);
        s_run_init(&at100, c.cfg);
        s_run_init(&at1000, c.cfg);
        s_run_init(&near, c.cfg);
        s_play(&without, &s, 1, far, -1, 1);
        s_play(&at100, &s, 1, -1, far, 100);
        s_play(&at1000, &s, 1, -1, far, 1000);
        s_play(&near, &s, 1, -1, -1, 1);
        s_same_output(&at100.out, &at1000.out);
        assert_int_equal(without.out.nticks, at100.out.nticks);
        size_t moved = 0;
        for (size_t i = 0; i < without.out.nticks; i++) {
            const tix_tick_t *x = &without.out.ticks[i], *y = &at100.out.ticks[i];
            const tix_tick_t *z = &near.out.ticks[i];
            bool far_in = z->n_used > x->n_used; /* the mover is eligible at this tick */
            assert_int_equal(x->ts_ns, y->ts_ns);
            assert_int_equal(x->price, y->price);
            assert_int_equal(x->status, y->status);
            assert_int_equal(x->n_used, y->n_used);
            assert_int_equal(x->dispersion, y->dispersion);
            assert_int_equal(x->n_excluded, 0);
            assert_int_equal(z->n_excluded, 0);
            assert_int_equal(y->n_excluded, far_in ? 1 : 0);
            moved += far_in;
        }
        assert_true(moved > 0);
        s_run_free(&without);
        s_run_free(&at100);
        s_run_free(&at1000);
        s_run_free(&near);
        free(s.v);
    }
    s_conf_free(&c);
}

/* ---- (3) one provider, many models, one observation -------------------------------- */

static void test_prop_many_models(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, "tiers = ( { id = \"T1\"; outlier_band_bp = 1000000; } );\n"
                    "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
                    "fx = { USD = \"1\"; };\n");
    enum { NBIG = 50, MAXP = 8, MAXM = 50 };
    for (uint64_t seed = 1; seed <= 20; seed++) {
        s_rng_t r = s_seed(seed + 2000);
        int nprov = (int)s_range(&r, 1, MAXP); /* provider 0 lists 50 models */
        int nm[MAXP];
        int64_t price[MAXP][MAXM];
        bool seen[MAXP][MAXM];
        memset(seen, 0, sizeof seen);
        for (int p = 0; p < nprov; p++)
            nm[p] = p == 0 ? NBIG : (int)s_range(&r, 1, 3);
        s_run_t run;
        s_run_init(&run, c.cfg);
        s_start(&run, T0);
        s_clock(&run, T0); /* nothing yet: STALE, absent */
        s_expect_tick(s_last(&run), T0, 0, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
        for (int round = 1; round <= 10; round++) {
            int64_t b = T0 + round * SEC;
            int nq = (int)s_range(&r, 1, 80);
            for (int k = 0; k < nq; k++) {
                int p = (int)s_range(&r, 0, nprov - 1);
                int m = (int)s_range(&r, 0, nm[p] - 1);
                if (k == 0) { /* the big provider quotes every round */
                    p = 0;
                    m = (int)s_range(&r, 0, NBIG - 1);
                }
                int64_t v = s_range(&r, 1000, 3000) * 1000000 + s_range(&r, 0, 999);
                char model[16];
                snprintf(model, sizeof model, "m%d", m);
                s_q(&run, b - SEC + 1 + k, s_prov_names[p], model, v);
                price[p][m] = v;
                seen[p][m] = true;
            }
            s_clock(&run, b);
            int64_t obs[MAXP];
            size_t nobs = 0;
            for (int p = 0; p < nprov; p++) {
                int64_t vals[MAXM];
                size_t k = 0;
                for (int m = 0; m < nm[p]; m++)
                    if (seen[p][m])
                        vals[k++] = price[p][m];
                if (k)
                    obs[nobs++] = s_ref_median(vals, k);
            }
            int64_t want = s_ref_median(obs, nobs);
            int64_t dev[MAXP];
            for (size_t i = 0; i < nobs; i++)
                dev[i] = obs[i] > want ? obs[i] - want : want - obs[i];
            const tix_tick_t *t = s_last(&run);
            s_expect_tick(t, b, 0, want, nobs >= 3 ? TIX_STATUS_OK : TIX_STATUS_LOW,
                          (uint32_t)nobs, 0, 0, s_ref_median(dev, nobs));
        }
        s_run_free(&run);
    }
    s_conf_free(&c);
}

/* ---- (4) event order ----------------------------------------------------------------- */

/* Shuffles the quotes between clock events, keeping each pair's own quotes in order. */
static void s_permute(s_stream_t *s, uint64_t seed)
{
    s_rng_t r = s_seed(seed);
    size_t i = 0;
    s_ev_t *tmp = malloc((s->n + 1) * sizeof *tmp);
    assert_non_null(tmp);
    while (i < s->n) {
        if (s->v[i].kind == EV_CLOCK) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < s->n && s->v[j].kind == EV_QUOTE)
            j++;
        size_t n = j - i;
        memcpy(tmp, &s->v[i], n * sizeof *tmp);
        for (size_t k = n; k > 1; k--) { /* Fisher–Yates */
            size_t x = (size_t)s_range(&r, 0, (int64_t)k - 1);
            s_ev_t e = tmp[k - 1];
            tmp[k - 1] = tmp[x];
            tmp[x] = e;
        }
        /* each pair's slots, in the new order, take its quotes in the original order */
        bool *done = calloc(n, sizeof *done);
        assert_non_null(done);
        for (size_t k = 0; k < n; k++) {
            if (done[k])
                continue;
            size_t src = i;
            for (size_t q = k; q < n; q++) {
                if (tmp[q].prov != tmp[k].prov || tmp[q].model != tmp[k].model)
                    continue;
                while (s->v[src].prov != tmp[k].prov || s->v[src].model != tmp[k].model)
                    src++;
                done[q] = true;
                tmp[q] = s->v[src++];
            }
        }
        free(done);
        memcpy(&s->v[i], tmp, n * sizeof *tmp);
        i = j;
    }
    free(tmp);
}

static void test_prop_permutation(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, s_two_tiers);
    size_t changed = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        s_stream_t s;
        s_generate(&s, seed + 3000, (int)(2 + seed % 10), 2, 150 * SEC, 1000);
        s_run_t a;
        s_run_init(&a, c.cfg);
        s_play(&a, &s, 1, -1, -1, 1);
        for (uint64_t k = 0; k < 3; k++) {
            s_ev_t *orig = malloc(s.n * sizeof *orig);
            assert_non_null(orig);
            memcpy(orig, s.v, s.n * sizeof *orig);
            s_permute(&s, seed * 10 + k);
            changed += memcmp(orig, s.v, s.n * sizeof *orig) != 0;
            free(orig);
            s_run_t b;
            s_run_init(&b, c.cfg);
            s_play(&b, &s, 1, -1, -1, 1);
            s_same_output(&a.out, &b.out);
            s_run_free(&b);
        }
        s_run_free(&a);
        free(s.v);
    }
    assert_true(changed > 0);
    s_conf_free(&c);
}

/* §6: the latest quote per pair is the largest recv_ns, the later event on a tie. */
static void test_same_pair_order(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, "tiers = ( { id = \"T1\"; min_providers = 1; } );\n"
                    "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
                    "fx = { USD = \"1\"; };\n");
    s_run_t r;
    s_run_init(&r, c.cfg);
    s_start(&r, T0);
    /* equal recv_ns: the later event wins, both ways round */
    s_q(&r, T0, "P", "m", 1000);
    s_q(&r, T0, "P", "m", 2000);
    s_clock(&r, T0);
    s_expect_tick(s_last(&r), T0, 0, 2000, TIX_STATUS_OK, 1, 0, 0, 0);
    s_q(&r, T0 + 500 * MS, "P", "m", 7000);
    s_q(&r, T0 + 500 * MS, "P", "m", 3000);
    s_clock(&r, T0 + SEC);
    s_expect_tick(s_last(&r), T0 + SEC, 0, 3000, TIX_STATUS_OK, 1, 0, 0, 0);
    /* an older quote arriving later does not replace a newer one */
    s_q(&r, T0 + 1500 * MS, "P", "m", 4000);
    s_q(&r, T0 + 1200 * MS, "P", "m", 9000);
    s_clock(&r, T0 + 2 * SEC);
    s_expect_tick(s_last(&r), T0 + 2 * SEC, 0, 4000, TIX_STATUS_OK, 1, 0, 0, 0);
    /* other pairs in either order do not matter; the same pair's tie still goes to the last */
    s_q(&r, T0 + 2500 * MS, "Q", "m", 5000);
    s_q(&r, T0 + 2500 * MS, "P", "m", 6000);
    s_q(&r, T0 + 2500 * MS, "P", "n", 8000);
    s_clock(&r, T0 + 3 * SEC);
    /* P: median(6000, 8000) = 7000; Q: 5000 → round(6000) = 6000, dispersion 1000 */
    s_expect_tick(s_last(&r), T0 + 3 * SEC, 0, 6000, TIX_STATUS_OK, 2, 0, 0, 1000);
    s_run_free(&r);
    s_conf_free(&c);
}

/* ---- (5) determinism ----------------------------------------------------------------- */

static void test_prop_determinism(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, s_two_tiers);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        s_stream_t s;
        s_generate(&s, seed + 4000, (int)(2 + seed % 12), 2, 150 * SEC, 7); /* odd prices */
        s_run_t a, b;
        s_run_init(&a, c.cfg);
        s_run_init(&b, c.cfg);
        /* interleaved, event by event, through two instances */
        s_start(&a, T0);
        s_start(&b, T0);
        char model[16];
        int64_t last = T0;
        for (size_t i = 0; i < s.n; i++) {
            const s_ev_t *e = &s.v[i];
            last = e->ns > last ? e->ns : last;
            if (e->kind == EV_CLOCK) {
                s_clock(&a, e->ns);
                s_clock(&b, e->ns);
            } else {
                s_model_name(&s, e->prov, e->model, model, sizeof model);
                s_quote(&a, e->ns, s_prov_names[e->prov], model, e->in, e->out, e->vol);
                s_quote(&b, e->ns, s_prov_names[e->prov], model, e->in, e->out, e->vol);
            }
            assert_int_equal(a.out.nticks, b.out.nticks);
        }
        s_close(&a, last);
        s_close(&b, last);
        s_same_output(&a.out, &b.out);
        assert_int_equal(a.out.nticks, b.out.nticks);
        assert_memory_equal(a.out.ticks, b.out.ticks, a.out.nticks * sizeof *a.out.ticks);
        assert_memory_equal(a.out.stls, b.out.stls, a.out.nstls * sizeof *a.out.stls);
        /* and once more, later, in a fresh instance */
        s_run_t d;
        s_run_init(&d, c.cfg);
        s_play(&d, &s, 1, -1, -1, 1);
        s_same_output(&a.out, &d.out);
        s_run_free(&a);
        s_run_free(&b);
        s_run_free(&d);
        free(s.v);
    }
    s_conf_free(&c);
}

/* ---- (6) staleness, carry-forward, absent price -------------------------------------- */

static void test_stale_carry_forward(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, "tiers = ( { id = \"T1\"; stale_ms = 2000; min_providers = 2; },\n"
                    "          { id = \"T2\"; stale_ms = 2000; weighting = \"volume\";\n"
                    "            min_providers = 1; } );\n"
                    "mapping = ( { provider = \"*\"; model = \"v*\"; tier = \"T2\"; },\n"
                    "            { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
                    "fx = { USD = \"1\"; };\n");
    s_run_t r;
    s_run_init(&r, c.cfg);
    s_start(&r, T0);
    s_clock(&r, T0);
    assert_int_equal(r.out.nticks, 2);
    /* never a value: STALE with no price */
    s_expect_tick(&r.out.ticks[0], T0, 0, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
    s_expect_tick(&r.out.ticks[1], T0, 1, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
    s_q(&r, T0 + 500 * MS, "A", "a", 10 * SEC); /* 10 USD */
    s_q(&r, T0 + 1000 * MS, "B", "b", 12 * SEC);
    s_quote(&r, T0 + 500 * MS, "C", "vc", 50 * SEC, 50 * SEC, -1); /* volume tier, no volume */
    s_quote(&r, T0 + 500 * MS, "D", "vd", 30 * SEC, 30 * SEC, 100);
    s_clock(&r, T0 + SEC);
    assert_int_equal(r.out.nticks, 4);
    s_expect_tick(&r.out.ticks[2], T0 + SEC, 0, 11 * SEC, TIX_STATUS_OK, 2, 0, 0, SEC);
    /* C is fresh without volume: neither used nor stale */
    s_expect_tick(&r.out.ticks[3], T0 + SEC, 1, 30 * SEC, TIX_STATUS_OK, 1, 0, 0, 0);
    s_clock(&r, T0 + 2 * SEC);
    s_expect_tick(&r.out.ticks[4], T0 + 2 * SEC, 0, 11 * SEC, TIX_STATUS_OK, 2, 0, 0, SEC);
    s_clock(&r, T0 + 3 * SEC);
    /* A is 2.5 s old (> 2 s): stale; B is exactly 2 s old: still eligible */
    s_expect_tick(&r.out.ticks[6], T0 + 3 * SEC, 0, 12 * SEC, TIX_STATUS_LOW, 1, 0, 1, 0);
    /* both volume-tier pairs are stale now, C included */
    s_expect_tick(&r.out.ticks[7], T0 + 3 * SEC, 1, 30 * SEC, TIX_STATUS_STALE, 0, 0, 2, 0);
    s_clock(&r, T0 + 5 * SEC);
    /* the LOW value is carried forward */
    s_expect_tick(&r.out.ticks[8], T0 + 4 * SEC, 0, 12 * SEC, TIX_STATUS_STALE, 0, 0, 2, 0);
    s_expect_tick(&r.out.ticks[10], T0 + 5 * SEC, 0, 12 * SEC, TIX_STATUS_STALE, 0, 0, 2, 0);
    s_expect_tick(&r.out.ticks[11], T0 + 5 * SEC, 1, 30 * SEC, TIX_STATUS_STALE, 0, 0, 2, 0);
    s_q(&r, T0 + 5500 * MS, "A", "a", 20 * SEC);
    s_quote(&r, T0 + 5500 * MS, "C", "vc", 50 * SEC, 50 * SEC, 0); /* volume 0 is a volume */
    s_clock(&r, T0 + 6 * SEC);
    s_expect_tick(&r.out.ticks[12], T0 + 6 * SEC, 0, 20 * SEC, TIX_STATUS_LOW, 1, 0, 1, 0);
    /* only C, with volume 0: one provider cannot be capped → equal weights */
    s_expect_tick(&r.out.ticks[13], T0 + 6 * SEC, 1, 50 * SEC, TIX_STATUS_OK, 1, 0, 1, 0);
    s_run_free(&r);
    s_conf_free(&c);
}

/* ---- (7) tick order across tiers ------------------------------------------------------ */

static void s_check_order(const s_out_t *o, int64_t iv0, int64_t iv1, int64_t end)
{
    size_t i = 0;
    for (int64_t ts = T0; ts <= end; ts += 100 * MS) {
        for (int tier = 0; tier < 2; tier++) {
            int64_t iv = tier == 0 ? iv0 : iv1;
            if ((ts - T0) % iv != 0)
                continue;
            if (i >= o->nticks)
                fail_msg("missing tick T0%+lld tier %d", (long long)(ts - T0), tier);
            if (o->ticks[i].ts_ns != ts || o->ticks[i].tier != tier)
                fail_msg("tick %zu is (T0%+lld, %d), expected (T0%+lld, %d)", i,
                         (long long)(o->ticks[i].ts_ns - T0), o->ticks[i].tier,
                         (long long)(ts - T0), tier);
            i++;
        }
    }
    assert_int_equal(i, o->nticks);
}

static void test_tick_order(void **state)
{
    (void)state;
    const char *confs[2] = {
        "tiers = ( { id = \"SLOW\"; interval_ms = 1000; }, { id = \"FAST\"; interval_ms = 100; } );\n"
        "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"SLOW\"; } );\n"
        "fx = { USD = \"1\"; };\n",
        "tiers = ( { id = \"FAST\"; interval_ms = 100; }, { id = \"SLOW\"; interval_ms = 1000; } );\n"
        "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"SLOW\"; } );\n"
        "fx = { USD = \"1\"; };\n",
    };
    for (int k = 0; k < 2; k++) {
        int64_t iv0 = k == 0 ? 1000 * MS : 100 * MS, iv1 = k == 0 ? 100 * MS : 1000 * MS;
        s_conf_t c;
        s_conf_load(&c, confs[k]);
        /* one clock jump */
        s_run_t r;
        s_run_init(&r, c.cfg);
        s_start(&r, T0);
        s_clock(&r, T0 + 2500 * MS);
        assert_int_equal(r.out.nticks, 3 + 26);
        s_check_order(&r.out, iv0, iv1, T0 + 2500 * MS);
        s_run_free(&r);
        /* many random clock steps, some between boundaries, some repeated */
        for (uint64_t seed = 1; seed <= 10; seed++) {
            s_rng_t g = s_seed(seed + 5000);
            s_run_init(&r, c.cfg);
            s_start(&r, T0);
            int64_t t = T0, tmax = T0;
            while (t < T0 + 10 * SEC) {
                t += s_range(&g, 0, 1700) * MS + s_range(&g, 0, 2) - 1;
                if (t < T0)
                    t = T0;
                tmax = t > tmax ? t : tmax;
                s_clock(&r, t);
            }
            int64_t end = tmax - (tmax - T0) % (100 * MS);
            s_check_order(&r.out, iv0, iv1, end);
            s_run_free(&r);
        }
        s_conf_free(&c);
    }
}

/* ---- (8) settlement ---------------------------------------------------------------- */

static const char *const s_settle_conf =
    "tiers = ( { id = \"T1\"; interval_ms = 20000; stale_ms = 600000; min_providers = 1;\n"
    "            settlement = { time = \"08:00\"; window_min = 4; partitions = 4; }; },\n"
    "          { id = \"T2\"; interval_ms = 20000; stale_ms = 5000; min_providers = 1;\n"
    "            settlement = { time = \"08:00\"; window_min = 4; partitions = 4; }; },\n"
    "          { id = \"T3\"; interval_ms = 20000; stale_ms = 600000; min_providers = 2;\n"
    "            settlement = { time = \"08:00\"; window_min = 4; partitions = 4; }; } );\n"
    "mapping = ( { provider = \"*\"; model = \"a*\"; tier = \"T1\"; },\n"
    "            { provider = \"*\"; model = \"b*\"; tier = \"T2\"; },\n"
    "            { provider = \"*\"; model = \"c*\"; tier = \"T3\"; } );\n"
    "fx = { USD = \"1\"; };\n";

#define S_AT (T0 + 8 * 3600 * SEC) /* 2026-01-01T08:00:00Z */

static void s_expect_stl(const tix_settlement_t *s, int32_t tier, int64_t ts, const char *date,
                         tix_settle_status_t st, int64_t price, uint32_t m)
{
    if (s->tier != tier || s->ts_ns != ts || strcmp(s->date, date) != 0 || s->status != st ||
        s->price != price || s->partitions_used != m)
        fail_msg("settlement (tier %d, S%+lld, %s, %s, %lld, m %u), expected (%d, S%+lld, %s, "
                 "%s, %lld, m %u)",
                 s->tier, (long long)(s->ts_ns - S_AT), s->date,
                 tix_settle_status_name(s->status), (long long)s->price, s->partitions_used,
                 tier, (long long)(ts - S_AT), date, tix_settle_status_name(st),
                 (long long)price, m);
}

static void test_settlement(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, s_settle_conf);
    s_run_t r;
    s_run_init(&r, c.cfg);
    s_start(&r, S_AT - 260 * SEC);
    /* interval 20 s, W = 240 s, L = 60 s; partitions [S-240,S-180) [S-180,S-120)
     * [S-120,S-60) [S-60,S). T1 prices per boundary (nano-USD): the tick at S-W counts,
     * the tick at S does not. */
    static const struct {
        int off_s;
        int64_t price;
    } t1[] = {{-260, 1},   {-240, 100}, {-220, 100}, {-200, 400}, {-180, 300},
              {-160, 300}, {-140, 300}, {-120, 500}, {-100, 500}, {-80, 500},
              {-60, 702},  {-40, 702},  {-20, 900},  {0, 10000}};
    for (size_t i = 0; i < sizeof t1 / sizeof t1[0]; i++) {
        int64_t b = S_AT + t1[i].off_s * SEC;
        s_q(&r, b, "P", "a1", t1[i].price); /* recv_ns == b counts for b */
        if (t1[i].off_s == -260) {
            s_q(&r, b, "P", "b1", 77);      /* T2: OK once, then stale */
            s_q(&r, b, "P", "c1", 55);      /* T3: LOW only (min 2) */
        }
        if (t1[i].off_s == 0)
            assert_int_equal(r.out.nstls, 0);
        s_clock(&r, b);
        /* the tier-T1 tick at b carries the price just quoted */
        const tix_tick_t *t = &r.out.ticks[r.out.nticks - 3];
        s_expect_tick(t, b, 0, t1[i].price, TIX_STATUS_OK, 1, 0, 0, 0);
    }
    /* P0 = med(100,100,400) = 100 (250 without S-W), P1 = 300, P2 = 500,
     * P3 = med(702,702,900) = 702 (801 with S): round(1602 / 4) = round(400.5) = 401 */
    assert_int_equal(r.out.nstls, 3);
    s_expect_stl(&r.out.stls[0], 0, S_AT, "2026-01-01", TIX_SETTLE_OK, 401, 4);
    /* T2: its only OK tick (S-260) precedes the window; STALE ticks carry 77 but do not count */
    s_expect_tick(&r.out.ticks[r.out.nticks - 2], S_AT, 1, 77, TIX_STATUS_STALE, 0, 0, 1, 0);
    s_expect_stl(&r.out.stls[1], 1, S_AT, "2026-01-01", TIX_SETTLE_FALLBACK, 77, 0);
    /* T3: LOW ticks only: no OK tick ever */
    s_expect_tick(&r.out.ticks[r.out.nticks - 1], S_AT, 2, 55, TIX_STATUS_LOW, 1, 0, 0, 0);
    s_expect_stl(&r.out.stls[2], 2, S_AT, "2026-01-01", TIX_SETTLE_NONE, TIX_PRICE_NULL, 0);
    /* the settlement comes right after its tier's tick at S: nothing more until the next day */
    s_clock(&r, S_AT + DAY - 20 * SEC);
    assert_int_equal(r.out.nstls, 3);
    s_clock(&r, S_AT + DAY);
    assert_int_equal(r.out.nstls, 6);
    /* day 2: T1's quote at S went stale at S+600 s; its latest OK tick is at S+600 s */
    const tix_tick_t *t = NULL;
    for (size_t i = 0; i < r.out.nticks; i++)
        if (r.out.ticks[i].tier == 0 && r.out.ticks[i].ts_ns == S_AT + 620 * SEC)
            t = &r.out.ticks[i];
    assert_non_null(t);
    s_expect_tick(t, S_AT + 620 * SEC, 0, 10000, TIX_STATUS_STALE, 0, 0, 1, 0);
    s_expect_stl(&r.out.stls[3], 0, S_AT + DAY, "2026-01-02", TIX_SETTLE_FALLBACK, 10000, 0);
    s_expect_stl(&r.out.stls[4], 1, S_AT + DAY, "2026-01-02", TIX_SETTLE_FALLBACK, 77, 0);
    s_expect_stl(&r.out.stls[5], 2, S_AT + DAY, "2026-01-02", TIX_SETTLE_NONE, TIX_PRICE_NULL,
                 0);
    s_run_free(&r);

    /* FALLBACK with OK ticks in one partition only (m = 1 < ceil(4 / 2)): the latest OK tick
     * before S, not the tick at S */
    s_run_init(&r, c.cfg);
    s_start(&r, S_AT - 260 * SEC);
    s_clock(&r, S_AT - 41 * SEC);
    s_q(&r, S_AT - 40 * SEC, "P", "a1", 50);
    s_clock(&r, S_AT - 21 * SEC);
    s_q(&r, S_AT - 21 * SEC, "P", "a1", 60);
    s_clock(&r, S_AT - 20 * SEC);
    s_q(&r, S_AT - 1, "P", "a1", 999);
    s_clock(&r, S_AT);
    assert_int_equal(r.out.nstls, 3);
    s_expect_stl(&r.out.stls[0], 0, S_AT, "2026-01-01", TIX_SETTLE_FALLBACK, 60, 1);
    s_expect_stl(&r.out.stls[1], 1, S_AT, "2026-01-01", TIX_SETTLE_NONE, TIX_PRICE_NULL, 0);
    s_expect_stl(&r.out.stls[2], 2, S_AT, "2026-01-01", TIX_SETTLE_NONE, TIX_PRICE_NULL, 0);
    s_run_free(&r);

    /* OK with exactly ceil(4 / 2) = 2 partitions, rounding half away: (7 + 8) / 2 = 7.5 → 8 */
    s_run_init(&r, c.cfg);
    s_start(&r, S_AT - 260 * SEC);
    s_clock(&r, S_AT - 120 * SEC - 1); /* empty P0, P1 */
    s_q(&r, S_AT - 120 * SEC, "P", "a1", 7);
    s_clock(&r, S_AT - 80 * SEC);
    s_q(&r, S_AT - 60 * SEC, "P", "a1", 8);
    s_clock(&r, S_AT);
    s_expect_stl(&r.out.stls[0], 0, S_AT, "2026-01-01", TIX_SETTLE_OK, 8, 2);
    s_run_free(&r);
    s_conf_free(&c);
}

/* ---- (9) start, clock and close ------------------------------------------------------ */

static const char *const s_two_speeds =
    "tiers = ( { id = \"SLOW\"; interval_ms = 1000; min_providers = 1; },\n"
    "          { id = \"FAST\"; interval_ms = 100; min_providers = 1; } );\n"
    "mapping = ( { provider = \"*\"; model = \"f*\"; tier = \"FAST\"; },\n"
    "            { provider = \"*\"; model = \"*\"; tier = \"SLOW\"; } );\n"
    "fx = { USD = \"1\"; };\n";

static void test_start_clock(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, s_two_speeds);
    s_run_t r;
    s_run_init(&r, c.cfg);
    assert_true(tix_engine_next_boundary(r.eng) == INT64_MAX);
    /* start fixes the first boundary at or after t, per tier, computing nothing */
    s_start(&r, T0 + 1);
    assert_int_equal(tix_engine_next_boundary(r.eng), T0 + 100 * MS);
    assert_int_equal(r.out.nticks, 0);
    assert_int_equal(tix_engine_start(r.eng, T0), -1);
    s_clock(&r, T0 + 100 * MS - 1);
    assert_int_equal(r.out.nticks, 0);
    /* a quote at recv_ns == b counts for b */
    s_q(&r, T0 + 100 * MS, "P", "f1", 5);
    s_clock(&r, T0 + 100 * MS);
    assert_int_equal(r.out.nticks, 1);
    s_expect_tick(s_last(&r), T0 + 100 * MS, 1, 5, TIX_STATUS_OK, 1, 0, 0, 0);
    /* one past b counts for the next boundary */
    s_q(&r, T0 + 100 * MS + 1, "P", "f1", 6);
    s_clock(&r, T0 + 200 * MS - 1);
    assert_int_equal(r.out.nticks, 1);
    s_clock(&r, T0 + 200 * MS);
    s_expect_tick(s_last(&r), T0 + 200 * MS, 1, 6, TIX_STATUS_OK, 1, 0, 0, 0);
    /* SLOW's first boundary is T0 + 1 s, not T0 */
    s_q(&r, T0 + SEC, "P", "s1", 9);
    s_clock(&r, T0 + SEC);
    assert_int_equal(r.out.nticks, 11); /* FAST 100..1000 ms, SLOW 1000 ms */
    s_expect_tick(&r.out.ticks[9], T0 + SEC, 0, 9, TIX_STATUS_OK, 1, 0, 0, 0);
    s_expect_tick(&r.out.ticks[10], T0 + SEC, 1, 6, TIX_STATUS_OK, 1, 0, 0, 0);
    assert_int_equal(tix_engine_next_boundary(r.eng), T0 + 1100 * MS);
    /* a clock that goes nowhere new does nothing */
    s_clock(&r, T0 + SEC);
    s_clock(&r, T0 + 500 * MS);
    assert_int_equal(r.out.nticks, 11);
    s_run_free(&r);

    /* start exactly on a boundary: that boundary is the first */
    s_run_init(&r, c.cfg);
    s_start(&r, T0);
    assert_int_equal(tix_engine_next_boundary(r.eng), T0);
    s_clock(&r, T0);
    assert_int_equal(r.out.nticks, 2);
    s_expect_tick(&r.out.ticks[0], T0, 0, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
    s_expect_tick(&r.out.ticks[1], T0, 1, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
    s_run_free(&r);

    /* without start, the first event fixes the boundaries: a clock ... */
    s_run_init(&r, c.cfg);
    s_clock(&r, T0 + 550 * MS);
    assert_int_equal(r.out.nticks, 0);
    assert_int_equal(tix_engine_next_boundary(r.eng), T0 + 600 * MS);
    assert_int_equal(tix_engine_start(r.eng, T0), -1);
    s_clock(&r, T0 + SEC);
    assert_int_equal(r.out.nticks, 6); /* FAST 600..1000, SLOW 1000 */
    assert_int_equal(r.out.ticks[0].ts_ns, T0 + 600 * MS);
    s_run_free(&r);
    /* ... or a quote */
    s_run_init(&r, c.cfg);
    s_q(&r, T0 + 1500 * MS, "P", "s1", 3);
    assert_int_equal(tix_engine_next_boundary(r.eng), T0 + 1500 * MS);
    s_clock(&r, T0 + 2 * SEC);
    assert_int_equal(r.out.nticks, 7); /* FAST 1500..2000, SLOW 2000 */
    s_expect_tick(&r.out.ticks[5], T0 + 2 * SEC, 0, 3, TIX_STATUS_OK, 1, 0, 0, 0);
    s_run_free(&r);

    /* a quote for a tier not in the configuration is refused */
    s_run_init(&r, c.cfg);
    tix_quote_t q;
    memset(&q, 0, sizeof q);
    q.tier = 2;
    assert_int_equal(tix_engine_quote(r.eng, &q), -1);
    q.tier = -1;
    assert_int_equal(tix_engine_quote(r.eng, &q), -1);
    s_run_free(&r);
    s_conf_free(&c);
}

static void test_close(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, s_two_speeds);
    s_run_t r;
    s_run_init(&r, c.cfg);
    s_start(&r, T0);
    s_clock(&r, T0 + 1050 * MS - 1); /* as a replay does before each quote */
    assert_int_equal(r.out.nticks, 13);
    s_q(&r, T0 + 1050 * MS, "P", "s1", 4);
    s_q(&r, T0 + 1050 * MS, "P", "f1", 8);
    s_close(&r, T0 + 1050 * MS);
    /* SLOW runs to T0 + 2 s, FAST to T0 + 1.1 s: 3 + 12 ticks, in time order */
    assert_int_equal(r.out.nticks, 15);
    assert_int_equal(r.out.ticks[0].ts_ns, T0);
    assert_int_equal(r.out.ticks[0].tier, 0);
    assert_int_equal(r.out.ticks[1].ts_ns, T0);
    assert_int_equal(r.out.ticks[1].tier, 1);
    s_expect_tick(&r.out.ticks[12], T0 + SEC, 1, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
    s_expect_tick(&r.out.ticks[13], T0 + 1100 * MS, 1, 8, TIX_STATUS_OK, 1, 0, 0, 0);
    s_expect_tick(&r.out.ticks[14], T0 + 2 * SEC, 0, 4, TIX_STATUS_OK, 1, 0, 0, 0);
    for (size_t i = 1; i < r.out.nticks; i++)
        assert_true(r.out.ticks[i - 1].ts_ns <= r.out.ticks[i].ts_ns);
    s_run_free(&r);

    /* last on a boundary of both: each stops right there */
    s_run_init(&r, c.cfg);
    s_start(&r, T0);
    s_close(&r, T0 + SEC);
    assert_int_equal(r.out.nticks, 2 + 11);
    assert_int_equal(s_last(&r)->ts_ns, T0 + SEC);
    assert_int_equal(s_last(&r)->tier, 1);
    s_run_free(&r);

    /* close after clocks: only the remaining boundaries */
    s_run_init(&r, c.cfg);
    s_start(&r, T0);
    s_clock(&r, T0 + 950 * MS);
    size_t before = r.out.nticks;
    assert_int_equal(before, 1 + 10);
    s_close(&r, T0 + 950 * MS + 1);
    /* SLOW: T0 + 1 s; FAST: T0 + 1 s */
    assert_int_equal(r.out.nticks, before + 2);
    assert_int_equal(r.out.ticks[before].tier, 0);
    assert_int_equal(r.out.ticks[before + 1].tier, 1);
    s_run_free(&r);

    /* a tier never ticks past its own closing boundary, even when another tier's closing
     * boundary coincides with its next one: last = 1.85 s → FAST stops at 1.9 s, SLOW runs to
     * 2 s (FAST's 2 s boundary is not computed) */
    s_run_init(&r, c.cfg);
    s_start(&r, T0);
    s_close(&r, T0 + 1850 * MS);
    assert_int_equal(r.out.nticks, 3 + 20); /* SLOW 0, 1, 2 s; FAST 0 .. 1.9 s */
    s_expect_tick(s_last(&r), T0 + 2 * SEC, 0, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
    assert_int_equal(r.out.ticks[r.out.nticks - 2].ts_ns, T0 + 1900 * MS);
    assert_int_equal(r.out.ticks[r.out.nticks - 2].tier, 1);
    s_run_free(&r);

    /* close as the very first event */
    s_run_init(&r, c.cfg);
    s_close(&r, T0 + 250 * MS);
    /* boundaries fixed at or after T0 + 250 ms: FAST 300 ms, SLOW 1 s, and each tier
     * stops at its own first boundary >= last */
    assert_int_equal(r.out.nticks, 2);
    assert_int_equal(r.out.ticks[0].ts_ns, T0 + 300 * MS);
    assert_int_equal(s_last(&r)->ts_ns, T0 + SEC);
    assert_int_equal(s_last(&r)->tier, 0);
    s_run_free(&r);
    s_conf_free(&c);
}

/* §16 worked example through the engine. */
static void test_worked_example(void **state)
{
    (void)state;
    s_conf_t c;
    s_conf_load(&c, "tiers = ( { id = \"T1\"; } );\n"
                    "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
                    "fx = { USD = \"1\"; };\n");
    s_run_t r;
    s_run_init(&r, c.cfg);
    int64_t at = T0 + 500 * MS;
    s_q(&r, at, "A", "a-large", NANO_USD(10000000000));
    s_q(&r, at, "B", "b-large", NANO_USD(10400000000));
    s_q(&r, at, "C", "c-large", NANO_USD(9800000000));
    s_q(&r, at, "D", "d-large", NANO_USD(30000000000));
    s_close(&r, at);
    assert_int_equal(r.out.nticks, 1);
    s_expect_tick(s_last(&r), T0 + SEC, 0, NANO_USD(10000000000), TIX_STATUS_OK, 3, 1, 0,
                  NANO_USD(200000000));
    s_run_free(&r);
    s_conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_prop_scale),
        cmocka_unit_test(test_prop_far_provider),
        cmocka_unit_test(test_prop_many_models),
        cmocka_unit_test(test_prop_permutation),
        cmocka_unit_test(test_same_pair_order),
        cmocka_unit_test(test_prop_determinism),
        cmocka_unit_test(test_stale_carry_forward),
        cmocka_unit_test(test_tick_order),
        cmocka_unit_test(test_settlement),
        cmocka_unit_test(test_start_clock),
        cmocka_unit_test(test_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
