/* Test support: engine sinks that record or count what an engine emits, and tick checks. */
#include "tix_test.h"

#include "tix_types.h"

#include <stdlib.h>
#include <string.h>

/* Array v (n elements of `size` bytes, room for *cap), with room for one more. */
static void *s_grow(void *v, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return v;
    *cap = *cap ? 2 * *cap : first;
    v = realloc(v, *cap * size);
    assert_non_null(v);
    return v;
}

static void s_rec_tick(void *arg, const tix_tick_t *t)
{
    tix_test_rec_t *o = arg;
    o->ticks = s_grow(o->ticks, &o->cap_ticks, o->nticks, sizeof *t, 64);
    o->ticks[o->nticks++] = *t;
}

static void s_rec_settlement(void *arg, const tix_settlement_t *s)
{
    tix_test_rec_t *o = arg;
    o->stls = s_grow(o->stls, &o->cap_stls, o->nstls, sizeof *s, 8);
    o->stls[o->nstls++] = *s;
}

tix_engine_sink_t tix_test_rec_sink(tix_test_rec_t *rec)
{
    return (tix_engine_sink_t){s_rec_tick, s_rec_settlement, rec};
}

void tix_test_rec_free(tix_test_rec_t *rec)
{
    free(rec->ticks);
    free(rec->stls);
    memset(rec, 0, sizeof *rec);
}

static bool s_tick_same(const tix_tick_t *x, const tix_tick_t *y)
{
    return x->ts_ns == y->ts_ns && x->tier == y->tier && x->price == y->price &&
           x->status == y->status && x->n_used == y->n_used &&
           x->n_excluded == y->n_excluded && x->n_stale == y->n_stale &&
           x->dispersion == y->dispersion;
}

static bool s_stl_same(const tix_settlement_t *x, const tix_settlement_t *y)
{
    return x->ts_ns == y->ts_ns && x->tier == y->tier && strcmp(x->date, y->date) == 0 &&
           x->price == y->price && x->status == y->status &&
           x->partitions_used == y->partitions_used;
}

void tix_test_rec_same(const tix_test_rec_t *a, const tix_test_rec_t *b)
{
    const int64_t t0 = TIX_TEST_T0;
    assert_int_equal(a->nticks, b->nticks);
    for (size_t i = 0; i < a->nticks; i++) {
        const tix_tick_t *x = &a->ticks[i], *y = &b->ticks[i];
        if (!s_tick_same(x, y))
            fail_msg("tick %zu differs: (T0%+lld, %d, %lld, %d, %u, %u, %u, %lld) vs (T0%+lld, "
                     "%d, %lld, %d, %u, %u, %u, %lld)",
                     i, (long long)(x->ts_ns - t0), x->tier, (long long)x->price, x->status,
                     x->n_used, x->n_excluded, x->n_stale, (long long)x->dispersion,
                     (long long)(y->ts_ns - t0), y->tier, (long long)y->price, y->status,
                     y->n_used, y->n_excluded, y->n_stale, (long long)y->dispersion);
    }
    assert_int_equal(a->nstls, b->nstls);
    for (size_t i = 0; i < a->nstls; i++)
        if (!s_stl_same(&a->stls[i], &b->stls[i]))
            fail_msg("settlement %zu differs: (%s, tier %d, %lld, %s, m %u) vs (%s, %d, %lld, %s, "
                     "m %u)",
                     i, a->stls[i].date, a->stls[i].tier, (long long)a->stls[i].price,
                     tix_settle_status_name(a->stls[i].status), a->stls[i].partitions_used,
                     b->stls[i].date, b->stls[i].tier, (long long)b->stls[i].price,
                     tix_settle_status_name(b->stls[i].status), b->stls[i].partitions_used);
}

/* Counting only: the allocation test wraps malloc, so these must never allocate. */
static void s_count_tick(void *arg, const tix_tick_t *t)
{
    (void)t;
    ((tix_test_count_t *)arg)->ticks++;
}

static void s_count_settlement(void *arg, const tix_settlement_t *s)
{
    (void)s;
    ((tix_test_count_t *)arg)->settlements++;
}

tix_engine_sink_t tix_test_count_sink(tix_test_count_t *count)
{
    return (tix_engine_sink_t){s_count_tick, s_count_settlement, count};
}

void tix_test_expect_tick(const tix_tick_t *t, int64_t ts, int32_t tier, int64_t price,
                          tix_status_t st, uint32_t used, uint32_t excl, uint32_t stale,
                          int64_t disp)
{
    const int64_t t0 = TIX_TEST_T0;
    const tix_tick_t want = {.ts_ns = ts, .tier = tier, .price = price, .status = st,
                             .n_used = used, .n_excluded = excl, .n_stale = stale,
                             .dispersion = disp};
    if (!s_tick_same(t, &want))
        fail_msg("tick (T0%+lld ns, tier %d, price %lld, %s, used %u, excl %u, stale %u, disp "
                 "%lld), expected (T0%+lld ns, %d, %lld, %s, %u, %u, %u, %lld)",
                 (long long)(t->ts_ns - t0), t->tier, (long long)t->price,
                 tix_status_name(t->status), t->n_used, t->n_excluded, t->n_stale,
                 (long long)t->dispersion, (long long)(ts - t0), tier, (long long)price,
                 tix_status_name(st), used, excl, stale, (long long)disp);
}
