/* Property tests for the index engine on generated streams: scaling, outliers, one observation per provider, order, determinism (METHODOLOGY-v1 §7–§8, §14). */
#include "tix_test.h"

#include <stdlib.h>
#include <string.h>

#define T0 TIX_TEST_T0 /* 2026-01-01T00:00:00Z, a midnight */
#define SEC TIX_TEST_SEC
#define MS TIX_TEST_MS

/* Two tiers, one equal-weighted and one by volume, settling at 00:02. */
static const char *const s_two_tiers =
    "tiers = ( { id = \"T1\"; stale_ms = 20000;\n"
    "            settlement = { time = \"00:02\"; window_min = 2; partitions = 2; }; },\n"
    "          { id = \"T2\"; stale_ms = 20000; weighting = \"volume\"; min_providers = 2;\n"
    "            settlement = { time = \"00:02\"; window_min = 2; partitions = 2; }; } );\n"
    "mapping = ( { provider = \"*\"; model = \"a-*\"; tier = \"T1\"; },\n"
    "            { provider = \"*\"; model = \"b-*\"; tier = \"T2\"; } );\n"
    "fx = { USD = \"1\"; };\n";

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
    tix_test_rng_t r = tix_test_rng_seed(seed);
    s->nprov = nprov;
    int64_t level[16];
    for (int p = 0; p < nprov; p++) {
        s->nmodels[p] = (int)tix_test_rng_range(&r, 1, 4);
        for (int m = 0; m < s->nmodels[p]; m++)
            s->tier_of[p][m] = (char)('a' + tix_test_rng_range(&r, 0, ntiers - 1));
        level[p] = tix_test_rng_range(&r, 500, 1500);
    }
    int64_t t = T0 + 1;
    while (t < T0 + dur_ns) {
        t += tix_test_rng_range(&r, 0, 400) * MS;
        if (tix_test_rng_range(&r, 0, 4) == 0) {
            s_push(s, (s_ev_t){EV_CLOCK, t, 0, 0, 0, 0, 0});
            t += 1;
            continue;
        }
        if (t > T0 + 40 * SEC && t < T0 + 65 * SEC)
            continue;
        int p = (int)tix_test_rng_range(&r, 0, nprov - 1);
        if (p % 2 && tix_test_rng_range(&r, 0, 2) != 0)
            continue; /* odd providers quote less often */
        int m = (int)tix_test_rng_range(&r, 0, s->nmodels[p] - 1);
        int64_t in = level[p] + tix_test_rng_range(&r, -30, 30);
        int64_t out = 2 * level[p] + tix_test_rng_range(&r, -50, 50);
        if (tix_test_rng_range(&r, 0, 14) == 0) {
            in *= 5;
            out *= 5;
        }
        int64_t vol = tix_test_rng_range(&r, 0, 4) == 0   ? -1
                      : tix_test_rng_range(&r, 0, 8) == 0 ? 0
                                                          : tix_test_rng_range(&r, 1, 1000000);
        s_push(s, (s_ev_t){EV_QUOTE, t, p, m, in * unit, out * unit, vol});
    }
}

/* Plays `s` into `r`: start at T0, the events, close at the last time. Prices × `scale`;
 * provider `skip` (or -1) left out, provider `far` (or -1) priced × `far_mul`. */
static void s_play(tix_test_run_t *r, const s_stream_t *s, int64_t scale, int skip, int far,
                   int64_t far_mul)
{
    tix_test_start(r, T0);
    int64_t last = T0;
    char model[16];
    for (size_t i = 0; i < s->n; i++) {
        const s_ev_t *e = &s->v[i];
        if (e->ns > last)
            last = e->ns;
        if (e->kind == EV_CLOCK) {
            tix_test_clock(r, e->ns);
            continue;
        }
        if (e->prov == skip)
            continue;
        int64_t mul = scale * (e->prov == far ? far_mul : 1);
        s_model_name(s, e->prov, e->model, model, sizeof model);
        tix_test_quote(r, e->ns, s_prov_names[e->prov], model, e->in * mul, e->out * mul, e->vol);
    }
    tix_test_close(r, last);
}

/* ---- (1) scaling ------------------------------------------------------------------- */

static void test_prop_scale(void **state)
{
    (void)state;
    tix_test_conf_t c;
    tix_test_conf_load(&c, s_two_tiers);
    size_t n_stale_carry = 0, n_excl = 0, n_stl_ok = 0, n_low = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        s_stream_t s;
        s_generate(&s, seed, (int)(3 + seed % 8), 2, 150 * SEC, 1024 * 1000);
        tix_test_run_t a, b;
        tix_test_run_init(&a, c.cfg);
        tix_test_run_init(&b, c.cfg);
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
        tix_test_run_free(&a);
        tix_test_run_free(&b);
        free(s.v);
    }
    /* the streams exercised what the property is about */
    assert_true(n_stale_carry > 0);
    assert_true(n_excl > 0);
    assert_true(n_stl_ok > 0);
    assert_true(n_low > 0);
    tix_test_conf_free(&c);
}

/* ---- (2) a far-away provider is excluded and moves nothing ------------------------- */

static void test_prop_far_provider(void **state)
{
    (void)state;
    tix_test_conf_t c;
    tix_test_conf_load(&c, "tiers = ( { id = \"T1\"; } );\n"
                           "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
                           "fx = { USD = \"1\"; };\n");
    for (uint64_t seed = 1; seed <= 30; seed++) {
        tix_test_rng_t r = tix_test_rng_seed(seed + 1000);
        int nclose = (int)tix_test_rng_range(&r, 4, 8);
        int far = nclose; /* provider index of the mover */
        s_stream_t s;
        memset(&s, 0, sizeof s);
        s.nprov = nclose + 1;
        for (int p = 0; p <= nclose; p++) {
            s.nmodels[p] = (int)tix_test_rng_range(&r, 1, 3);
            for (int m = 0; m < s.nmodels[p]; m++)
                s.tier_of[p][m] = 'a';
        }
        /* every close provider quotes before the first boundary after T0; the mover later */
        int64_t far_from = T0 + tix_test_rng_range(&r, 2, 20) * SEC;
        for (int p = 0; p < nclose; p++)
            for (int m = 0; m < s.nmodels[p]; m++) {
                int64_t v = tix_test_rng_range(&r, 990, 1010) * 1000000;
                s_push(&s, (s_ev_t){EV_QUOTE, T0 + 1, p, m, v, v, -1});
            }
        for (int64_t t = T0 + 2; t < T0 + 60 * SEC; t += tix_test_rng_range(&r, 1, 500) * MS) {
            if (tix_test_rng_range(&r, 0, 3) == 0) {
                s_push(&s, (s_ev_t){EV_CLOCK, t, 0, 0, 0, 0, 0});
                continue;
            }
            int p = (int)tix_test_rng_range(&r, 0, nclose);
            if (p == far && t < far_from)
                continue;
            int m = (int)tix_test_rng_range(&r, 0, s.nmodels[p] - 1);
            int64_t v = tix_test_rng_range(&r, 990, 1010) * 1000000;
            s_push(&s, (s_ev_t){EV_QUOTE, t + 1, p, m, v,
                                tix_test_rng_range(&r, 990, 1010) * 1000000, -1});
        }
        tix_test_run_t without, at100, at1000, near;
        tix_test_run_init(&without, c.cfg);
        tix_test_run_init(&at100, c.cfg);
        tix_test_run_init(&at1000, c.cfg);
        tix_test_run_init(&near, c.cfg);
        s_play(&without, &s, 1, far, -1, 1);
        s_play(&at100, &s, 1, -1, far, 100);
        s_play(&at1000, &s, 1, -1, far, 1000);
        s_play(&near, &s, 1, -1, -1, 1);
        tix_test_rec_same(&at100.out, &at1000.out);
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
        tix_test_run_free(&without);
        tix_test_run_free(&at100);
        tix_test_run_free(&at1000);
        tix_test_run_free(&near);
        free(s.v);
    }
    tix_test_conf_free(&c);
}

/* ---- (3) one provider, many models, one observation -------------------------------- */

static void test_prop_many_models(void **state)
{
    (void)state;
    tix_test_conf_t c;
    tix_test_conf_load(&c, "tiers = ( { id = \"T1\"; outlier_band_bp = 1000000; } );\n"
                           "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
                           "fx = { USD = \"1\"; };\n");
    enum { NBIG = 50, MAXP = 8, MAXM = 50 };
    for (uint64_t seed = 1; seed <= 20; seed++) {
        tix_test_rng_t r = tix_test_rng_seed(seed + 2000);
        int nprov = (int)tix_test_rng_range(&r, 1, MAXP); /* provider 0 lists 50 models */
        int nm[MAXP];
        int64_t price[MAXP][MAXM];
        bool seen[MAXP][MAXM];
        memset(seen, 0, sizeof seen);
        for (int p = 0; p < nprov; p++)
            nm[p] = p == 0 ? NBIG : (int)tix_test_rng_range(&r, 1, 3);
        tix_test_run_t run;
        tix_test_run_init(&run, c.cfg);
        tix_test_start(&run, T0);
        tix_test_clock(&run, T0); /* nothing yet: STALE, absent */
        tix_test_expect_tick(tix_test_last(&run), T0, 0, TIX_PRICE_NULL, TIX_STATUS_STALE,
                             0, 0, 0, 0);
        for (int round = 1; round <= 10; round++) {
            int64_t b = T0 + round * SEC;
            int nq = (int)tix_test_rng_range(&r, 1, 80);
            for (int k = 0; k < nq; k++) {
                int p = (int)tix_test_rng_range(&r, 0, nprov - 1);
                int m = (int)tix_test_rng_range(&r, 0, nm[p] - 1);
                if (k == 0) { /* the big provider quotes every round */
                    p = 0;
                    m = (int)tix_test_rng_range(&r, 0, NBIG - 1);
                }
                int64_t v =
                    tix_test_rng_range(&r, 1000, 3000) * 1000000 + tix_test_rng_range(&r, 0, 999);
                char model[16];
                snprintf(model, sizeof model, "m%d", m);
                tix_test_q(&run, b - SEC + 1 + k, s_prov_names[p], model, v);
                price[p][m] = v;
                seen[p][m] = true;
            }
            tix_test_clock(&run, b);
            int64_t obs[MAXP];
            size_t nobs = 0;
            for (int p = 0; p < nprov; p++) {
                int64_t vals[MAXM];
                size_t k = 0;
                for (int m = 0; m < nm[p]; m++)
                    if (seen[p][m])
                        vals[k++] = price[p][m];
                if (k)
                    obs[nobs++] = tix_test_ref_median(vals, k);
            }
            int64_t want = tix_test_ref_median(obs, nobs);
            int64_t dev[MAXP];
            for (size_t i = 0; i < nobs; i++)
                dev[i] = obs[i] > want ? obs[i] - want : want - obs[i];
            const tix_tick_t *t = tix_test_last(&run);
            tix_test_expect_tick(t, b, 0, want, nobs >= 3 ? TIX_STATUS_OK : TIX_STATUS_LOW,
                                 (uint32_t)nobs, 0, 0, tix_test_ref_median(dev, nobs));
        }
        tix_test_run_free(&run);
    }
    tix_test_conf_free(&c);
}

/* ---- (4) event order ----------------------------------------------------------------- */

/* Shuffles the quotes between clock events, keeping each pair's own quotes in order. */
static void s_permute(s_stream_t *s, uint64_t seed)
{
    tix_test_rng_t r = tix_test_rng_seed(seed);
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
            size_t x = (size_t)tix_test_rng_range(&r, 0, (int64_t)k - 1);
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
    tix_test_conf_t c;
    tix_test_conf_load(&c, s_two_tiers);
    size_t changed = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        s_stream_t s;
        s_generate(&s, seed + 3000, (int)(2 + seed % 10), 2, 150 * SEC, 1000);
        tix_test_run_t a;
        tix_test_run_init(&a, c.cfg);
        s_play(&a, &s, 1, -1, -1, 1);
        for (uint64_t k = 0; k < 3; k++) {
            s_ev_t *orig = malloc(s.n * sizeof *orig);
            assert_non_null(orig);
            memcpy(orig, s.v, s.n * sizeof *orig);
            s_permute(&s, seed * 10 + k);
            changed += memcmp(orig, s.v, s.n * sizeof *orig) != 0;
            free(orig);
            tix_test_run_t b;
            tix_test_run_init(&b, c.cfg);
            s_play(&b, &s, 1, -1, -1, 1);
            tix_test_rec_same(&a.out, &b.out);
            tix_test_run_free(&b);
        }
        tix_test_run_free(&a);
        free(s.v);
    }
    assert_true(changed > 0);
    tix_test_conf_free(&c);
}

/* ---- (5) determinism ----------------------------------------------------------------- */

static void test_prop_determinism(void **state)
{
    (void)state;
    tix_test_conf_t c;
    tix_test_conf_load(&c, s_two_tiers);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        s_stream_t s;
        s_generate(&s, seed + 4000, (int)(2 + seed % 12), 2, 150 * SEC, 7); /* odd prices */
        tix_test_run_t a, b;
        tix_test_run_init(&a, c.cfg);
        tix_test_run_init(&b, c.cfg);
        /* interleaved, event by event, through two instances */
        tix_test_start(&a, T0);
        tix_test_start(&b, T0);
        char model[16];
        int64_t last = T0;
        for (size_t i = 0; i < s.n; i++) {
            const s_ev_t *e = &s.v[i];
            last = e->ns > last ? e->ns : last;
            if (e->kind == EV_CLOCK) {
                tix_test_clock(&a, e->ns);
                tix_test_clock(&b, e->ns);
            } else {
                s_model_name(&s, e->prov, e->model, model, sizeof model);
                tix_test_quote(&a, e->ns, s_prov_names[e->prov], model, e->in, e->out, e->vol);
                tix_test_quote(&b, e->ns, s_prov_names[e->prov], model, e->in, e->out, e->vol);
            }
            assert_int_equal(a.out.nticks, b.out.nticks);
        }
        tix_test_close(&a, last);
        tix_test_close(&b, last);
        tix_test_rec_same(&a.out, &b.out);
        assert_int_equal(a.out.nticks, b.out.nticks);
        assert_memory_equal(a.out.ticks, b.out.ticks, a.out.nticks * sizeof *a.out.ticks);
        assert_memory_equal(a.out.stls, b.out.stls, a.out.nstls * sizeof *a.out.stls);
        /* and once more, later, in a fresh instance */
        tix_test_run_t d;
        tix_test_run_init(&d, c.cfg);
        s_play(&d, &s, 1, -1, -1, 1);
        tix_test_rec_same(&a.out, &d.out);
        tix_test_run_free(&a);
        tix_test_run_free(&b);
        tix_test_run_free(&d);
        free(s.v);
    }
    tix_test_conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prop_scale),
        cmocka_unit_test(test_prop_far_provider),
        cmocka_unit_test(test_prop_many_models),
        cmocka_unit_test(test_prop_permutation),
        cmocka_unit_test(test_prop_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
