/* Unit tests for the index engine: boundaries, eligibility, staleness, tick order, settlements, start and close (METHODOLOGY-v1 §5–§13, §16). */
#include "tix_test.h"

#include <stdlib.h>
#include <string.h>

#define MS TIX_TEST_MS
#define SEC TIX_TEST_SEC
#define DAY TIX_TEST_DAY
#define T0 TIX_TEST_T0 /* 2026-01-01T00:00:00Z */
#define NANO_USD(x) ((int64_t)(x))

/* ---- (4) same pair, one latest quote ---------------------------------------------- */

/* §6: the latest quote per pair is the largest recv_ns, the later event on a tie. */
static void test_same_pair_order(void **state)
{
    (void)state;
    tix_test_conf_t c;
    tix_test_conf_load(&c, "tiers = ( { id = \"T1\"; min_providers = 1; } );\n"
                           "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
                           "fx = { USD = \"1\"; };\n");
    tix_test_run_t r;
    tix_test_run_init(&r, c.cfg);
    tix_test_start(&r, T0);
    /* equal recv_ns: the later event wins, both ways round */
    tix_test_q(&r, T0, "P", "m", 1000);
    tix_test_q(&r, T0, "P", "m", 2000);
    tix_test_clock(&r, T0);
    tix_test_expect_tick(tix_test_last(&r), T0, 0, 2000, TIX_STATUS_OK, 1, 0, 0, 0);
    tix_test_q(&r, T0 + 500 * MS, "P", "m", 7000);
    tix_test_q(&r, T0 + 500 * MS, "P", "m", 3000);
    tix_test_clock(&r, T0 + SEC);
    tix_test_expect_tick(tix_test_last(&r), T0 + SEC, 0, 3000, TIX_STATUS_OK, 1, 0, 0, 0);
    /* an older quote arriving later does not replace a newer one */
    tix_test_q(&r, T0 + 1500 * MS, "P", "m", 4000);
    tix_test_q(&r, T0 + 1200 * MS, "P", "m", 9000);
    tix_test_clock(&r, T0 + 2 * SEC);
    tix_test_expect_tick(tix_test_last(&r), T0 + 2 * SEC, 0, 4000, TIX_STATUS_OK, 1, 0, 0, 0);
    /* other pairs in either order do not matter; the same pair's tie still goes to the last */
    tix_test_q(&r, T0 + 2500 * MS, "Q", "m", 5000);
    tix_test_q(&r, T0 + 2500 * MS, "P", "m", 6000);
    tix_test_q(&r, T0 + 2500 * MS, "P", "n", 8000);
    tix_test_clock(&r, T0 + 3 * SEC);
    /* P: median(6000, 8000) = 7000; Q: 5000 → round(6000) = 6000, dispersion 1000 */
    tix_test_expect_tick(tix_test_last(&r), T0 + 3 * SEC, 0, 6000, TIX_STATUS_OK, 2, 0, 0, 1000);
    tix_test_run_free(&r);
    tix_test_conf_free(&c);
}

/* ---- (6) staleness, carry-forward, absent price -------------------------------------- */

static void test_stale_carry_forward(void **state)
{
    (void)state;
    tix_test_conf_t c;
    tix_test_conf_load(&c, "tiers = ( { id = \"T1\"; stale_ms = 2000; min_providers = 2; },\n"
                           "          { id = \"T2\"; stale_ms = 2000; weighting = \"volume\";\n"
                           "            min_providers = 1; } );\n"
                           "mapping = ( { provider = \"*\"; model = \"v*\"; tier = \"T2\"; },\n"
                           "            { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
                           "fx = { USD = \"1\"; };\n");
    tix_test_run_t r;
    tix_test_run_init(&r, c.cfg);
    tix_test_start(&r, T0);
    tix_test_clock(&r, T0);
    assert_int_equal(r.out.nticks, 2);
    /* never a value: STALE with no price */
    tix_test_expect_tick(&r.out.ticks[0], T0, 0, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
    tix_test_expect_tick(&r.out.ticks[1], T0, 1, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
    tix_test_q(&r, T0 + 500 * MS, "A", "a", 10 * SEC); /* 10 USD */
    tix_test_q(&r, T0 + 1000 * MS, "B", "b", 12 * SEC);
    /* volume tier, no volume */
    tix_test_quote(&r, T0 + 500 * MS, "C", "vc", 50 * SEC, 50 * SEC, -1);
    tix_test_quote(&r, T0 + 500 * MS, "D", "vd", 30 * SEC, 30 * SEC, 100);
    tix_test_clock(&r, T0 + SEC);
    assert_int_equal(r.out.nticks, 4);
    tix_test_expect_tick(&r.out.ticks[2], T0 + SEC, 0, 11 * SEC, TIX_STATUS_OK, 2, 0, 0, SEC);
    /* C is fresh without volume: neither used nor stale */
    tix_test_expect_tick(&r.out.ticks[3], T0 + SEC, 1, 30 * SEC, TIX_STATUS_OK, 1, 0, 0, 0);
    tix_test_clock(&r, T0 + 2 * SEC);
    tix_test_expect_tick(&r.out.ticks[4], T0 + 2 * SEC, 0, 11 * SEC, TIX_STATUS_OK, 2, 0, 0, SEC);
    tix_test_clock(&r, T0 + 3 * SEC);
    /* A is 2.5 s old (> 2 s): stale; B is exactly 2 s old: still eligible */
    tix_test_expect_tick(&r.out.ticks[6], T0 + 3 * SEC, 0, 12 * SEC, TIX_STATUS_LOW, 1, 0, 1, 0);
    /* both volume-tier pairs are stale now, C included */
    tix_test_expect_tick(&r.out.ticks[7], T0 + 3 * SEC, 1, 30 * SEC, TIX_STATUS_STALE, 0, 0, 2, 0);
    tix_test_clock(&r, T0 + 5 * SEC);
    /* the LOW value is carried forward */
    tix_test_expect_tick(&r.out.ticks[8], T0 + 4 * SEC, 0, 12 * SEC, TIX_STATUS_STALE, 0, 0, 2, 0);
    tix_test_expect_tick(&r.out.ticks[10], T0 + 5 * SEC, 0, 12 * SEC, TIX_STATUS_STALE, 0, 0, 2, 0);
    tix_test_expect_tick(&r.out.ticks[11], T0 + 5 * SEC, 1, 30 * SEC, TIX_STATUS_STALE, 0, 0, 2, 0);
    tix_test_q(&r, T0 + 5500 * MS, "A", "a", 20 * SEC);
    tix_test_quote(&r, T0 + 5500 * MS, "C", "vc", 50 * SEC, 50 * SEC, 0); /* volume 0 is a volume */
    tix_test_clock(&r, T0 + 6 * SEC);
    tix_test_expect_tick(&r.out.ticks[12], T0 + 6 * SEC, 0, 20 * SEC, TIX_STATUS_LOW, 1, 0, 1, 0);
    /* only C, with volume 0: one provider cannot be capped → equal weights */
    tix_test_expect_tick(&r.out.ticks[13], T0 + 6 * SEC, 1, 50 * SEC, TIX_STATUS_OK, 1, 0, 1, 0);
    tix_test_run_free(&r);
    tix_test_conf_free(&c);
}

/* ---- (7) tick order across tiers ------------------------------------------------------ */

static void s_check_order(const tix_test_rec_t *o, int64_t iv0, int64_t iv1, int64_t end)
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
        tix_test_conf_t c;
        tix_test_conf_load(&c, confs[k]);
        /* one clock jump */
        tix_test_run_t r;
        tix_test_run_init(&r, c.cfg);
        tix_test_start(&r, T0);
        tix_test_clock(&r, T0 + 2500 * MS);
        assert_int_equal(r.out.nticks, 3 + 26);
        s_check_order(&r.out, iv0, iv1, T0 + 2500 * MS);
        tix_test_run_free(&r);
        /* many random clock steps, some between boundaries, some repeated */
        for (uint64_t seed = 1; seed <= 10; seed++) {
            tix_test_rng_t g = tix_test_rng_seed(seed + 5000);
            tix_test_run_init(&r, c.cfg);
            tix_test_start(&r, T0);
            int64_t t = T0, tmax = T0;
            while (t < T0 + 10 * SEC) {
                t += tix_test_rng_range(&g, 0, 1700) * MS + tix_test_rng_range(&g, 0, 2) - 1;
                if (t < T0)
                    t = T0;
                tmax = t > tmax ? t : tmax;
                tix_test_clock(&r, t);
            }
            int64_t end = tmax - (tmax - T0) % (100 * MS);
            s_check_order(&r.out, iv0, iv1, end);
            tix_test_run_free(&r);
        }
        tix_test_conf_free(&c);
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
    tix_test_conf_t c;
    tix_test_conf_load(&c, s_settle_conf);
    tix_test_run_t r;
    tix_test_run_init(&r, c.cfg);
    tix_test_start(&r, S_AT - 260 * SEC);
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
        tix_test_q(&r, b, "P", "a1", t1[i].price); /* recv_ns == b counts for b */
        if (t1[i].off_s == -260) {
            tix_test_q(&r, b, "P", "b1", 77); /* T2: OK once, then stale */
            tix_test_q(&r, b, "P", "c1", 55); /* T3: LOW only (min 2) */
        }
        if (t1[i].off_s == 0)
            assert_int_equal(r.out.nstls, 0);
        tix_test_clock(&r, b);
        /* the tier-T1 tick at b carries the price just quoted */
        const tix_tick_t *t = &r.out.ticks[r.out.nticks - 3];
        tix_test_expect_tick(t, b, 0, t1[i].price, TIX_STATUS_OK, 1, 0, 0, 0);
    }
    /* P0 = med(100,100,400) = 100 (250 without S-W), P1 = 300, P2 = 500,
     * P3 = med(702,702,900) = 702 (801 with S): round(1602 / 4) = round(400.5) = 401 */
    assert_int_equal(r.out.nstls, 3);
    s_expect_stl(&r.out.stls[0], 0, S_AT, "2026-01-01", TIX_SETTLE_OK, 401, 4);
    /* T2: its only OK tick (S-260) precedes the window; STALE ticks carry 77 but do not count */
    tix_test_expect_tick(&r.out.ticks[r.out.nticks - 2], S_AT, 1, 77, TIX_STATUS_STALE, 0, 0, 1, 0);
    s_expect_stl(&r.out.stls[1], 1, S_AT, "2026-01-01", TIX_SETTLE_FALLBACK, 77, 0);
    /* T3: LOW ticks only: no OK tick ever */
    tix_test_expect_tick(&r.out.ticks[r.out.nticks - 1], S_AT, 2, 55, TIX_STATUS_LOW, 1, 0, 0, 0);
    s_expect_stl(&r.out.stls[2], 2, S_AT, "2026-01-01", TIX_SETTLE_NONE, TIX_PRICE_NULL, 0);
    /* the settlement comes right after its tier's tick at S: nothing more until the next day */
    tix_test_clock(&r, S_AT + DAY - 20 * SEC);
    assert_int_equal(r.out.nstls, 3);
    tix_test_clock(&r, S_AT + DAY);
    assert_int_equal(r.out.nstls, 6);
    /* day 2: T1's quote at S went stale at S+600 s; its latest OK tick is at S+600 s */
    const tix_tick_t *t = NULL;
    for (size_t i = 0; i < r.out.nticks; i++)
        if (r.out.ticks[i].tier == 0 && r.out.ticks[i].ts_ns == S_AT + 620 * SEC)
            t = &r.out.ticks[i];
    assert_non_null(t);
    tix_test_expect_tick(t, S_AT + 620 * SEC, 0, 10000, TIX_STATUS_STALE, 0, 0, 1, 0);
    s_expect_stl(&r.out.stls[3], 0, S_AT + DAY, "2026-01-02", TIX_SETTLE_FALLBACK, 10000, 0);
    s_expect_stl(&r.out.stls[4], 1, S_AT + DAY, "2026-01-02", TIX_SETTLE_FALLBACK, 77, 0);
    s_expect_stl(&r.out.stls[5], 2, S_AT + DAY, "2026-01-02", TIX_SETTLE_NONE, TIX_PRICE_NULL,
                 0);
    tix_test_run_free(&r);

    /* FALLBACK with OK ticks in one partition only (m = 1 < ceil(4 / 2)): the latest OK tick
     * before S, not the tick at S */
    tix_test_run_init(&r, c.cfg);
    tix_test_start(&r, S_AT - 260 * SEC);
    tix_test_clock(&r, S_AT - 41 * SEC);
    tix_test_q(&r, S_AT - 40 * SEC, "P", "a1", 50);
    tix_test_clock(&r, S_AT - 21 * SEC);
    tix_test_q(&r, S_AT - 21 * SEC, "P", "a1", 60);
    tix_test_clock(&r, S_AT - 20 * SEC);
    tix_test_q(&r, S_AT - 1, "P", "a1", 999);
    tix_test_clock(&r, S_AT);
    assert_int_equal(r.out.nstls, 3);
    s_expect_stl(&r.out.stls[0], 0, S_AT, "2026-01-01", TIX_SETTLE_FALLBACK, 60, 1);
    s_expect_stl(&r.out.stls[1], 1, S_AT, "2026-01-01", TIX_SETTLE_NONE, TIX_PRICE_NULL, 0);
    s_expect_stl(&r.out.stls[2], 2, S_AT, "2026-01-01", TIX_SETTLE_NONE, TIX_PRICE_NULL, 0);
    tix_test_run_free(&r);

    /* OK with exactly ceil(4 / 2) = 2 partitions, rounding half away: (7 + 8) / 2 = 7.5 → 8 */
    tix_test_run_init(&r, c.cfg);
    tix_test_start(&r, S_AT - 260 * SEC);
    tix_test_clock(&r, S_AT - 120 * SEC - 1); /* empty P0, P1 */
    tix_test_q(&r, S_AT - 120 * SEC, "P", "a1", 7);
    tix_test_clock(&r, S_AT - 80 * SEC);
    tix_test_q(&r, S_AT - 60 * SEC, "P", "a1", 8);
    tix_test_clock(&r, S_AT);
    s_expect_stl(&r.out.stls[0], 0, S_AT, "2026-01-01", TIX_SETTLE_OK, 8, 2);
    tix_test_run_free(&r);
    tix_test_conf_free(&c);
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
    tix_test_conf_t c;
    tix_test_conf_load(&c, s_two_speeds);
    tix_test_run_t r;
    tix_test_run_init(&r, c.cfg);
    assert_true(tix_engine_next_boundary(r.eng) == INT64_MAX);
    /* start fixes the first boundary at or after t, per tier, computing nothing */
    tix_test_start(&r, T0 + 1);
    assert_int_equal(tix_engine_next_boundary(r.eng), T0 + 100 * MS);
    assert_int_equal(r.out.nticks, 0);
    assert_int_equal(tix_engine_start(r.eng, T0), -1);
    tix_test_clock(&r, T0 + 100 * MS - 1);
    assert_int_equal(r.out.nticks, 0);
    /* a quote at recv_ns == b counts for b */
    tix_test_q(&r, T0 + 100 * MS, "P", "f1", 5);
    tix_test_clock(&r, T0 + 100 * MS);
    assert_int_equal(r.out.nticks, 1);
    tix_test_expect_tick(tix_test_last(&r), T0 + 100 * MS, 1, 5, TIX_STATUS_OK, 1, 0, 0, 0);
    /* one past b counts for the next boundary */
    tix_test_q(&r, T0 + 100 * MS + 1, "P", "f1", 6);
    tix_test_clock(&r, T0 + 200 * MS - 1);
    assert_int_equal(r.out.nticks, 1);
    tix_test_clock(&r, T0 + 200 * MS);
    tix_test_expect_tick(tix_test_last(&r), T0 + 200 * MS, 1, 6, TIX_STATUS_OK, 1, 0, 0, 0);
    /* SLOW's first boundary is T0 + 1 s, not T0 */
    tix_test_q(&r, T0 + SEC, "P", "s1", 9);
    tix_test_clock(&r, T0 + SEC);
    assert_int_equal(r.out.nticks, 11); /* FAST 100..1000 ms, SLOW 1000 ms */
    tix_test_expect_tick(&r.out.ticks[9], T0 + SEC, 0, 9, TIX_STATUS_OK, 1, 0, 0, 0);
    tix_test_expect_tick(&r.out.ticks[10], T0 + SEC, 1, 6, TIX_STATUS_OK, 1, 0, 0, 0);
    assert_int_equal(tix_engine_next_boundary(r.eng), T0 + 1100 * MS);
    /* a clock that goes nowhere new does nothing */
    tix_test_clock(&r, T0 + SEC);
    tix_test_clock(&r, T0 + 500 * MS);
    assert_int_equal(r.out.nticks, 11);
    tix_test_run_free(&r);

    /* start exactly on a boundary: that boundary is the first */
    tix_test_run_init(&r, c.cfg);
    tix_test_start(&r, T0);
    assert_int_equal(tix_engine_next_boundary(r.eng), T0);
    tix_test_clock(&r, T0);
    assert_int_equal(r.out.nticks, 2);
    tix_test_expect_tick(&r.out.ticks[0], T0, 0, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
    tix_test_expect_tick(&r.out.ticks[1], T0, 1, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0, 0);
    tix_test_run_free(&r);

    /* without start, the first event fixes the boundaries: a clock ... */
    tix_test_run_init(&r, c.cfg);
    tix_test_clock(&r, T0 + 550 * MS);
    assert_int_equal(r.out.nticks, 0);
    assert_int_equal(tix_engine_next_boundary(r.eng), T0 + 600 * MS);
    assert_int_equal(tix_engine_start(r.eng, T0), -1);
    tix_test_clock(&r, T0 + SEC);
    assert_int_equal(r.out.nticks, 6); /* FAST 600..1000, SLOW 1000 */
    assert_int_equal(r.out.ticks[0].ts_ns, T0 + 600 * MS);
    tix_test_run_free(&r);
    /* ... or a quote */
    tix_test_run_init(&r, c.cfg);
    tix_test_q(&r, T0 + 1500 * MS, "P", "s1", 3);
    assert_int_equal(tix_engine_next_boundary(r.eng), T0 + 1500 * MS);
    tix_test_clock(&r, T0 + 2 * SEC);
    assert_int_equal(r.out.nticks, 7); /* FAST 1500..2000, SLOW 2000 */
    tix_test_expect_tick(&r.out.ticks[5], T0 + 2 * SEC, 0, 3, TIX_STATUS_OK, 1, 0, 0, 0);
    tix_test_run_free(&r);

    /* a quote for a tier not in the configuration is refused */
    tix_test_run_init(&r, c.cfg);
    tix_quote_t q;
    memset(&q, 0, sizeof q);
    q.tier = 2;
    assert_int_equal(tix_engine_quote(r.eng, &q), -1);
    q.tier = -1;
    assert_int_equal(tix_engine_quote(r.eng, &q), -1);
    tix_test_run_free(&r);
    tix_test_conf_free(&c);
}

static void test_close(void **state)
{
    (void)state;
    tix_test_conf_t c;
    tix_test_conf_load(&c, s_two_speeds);
    tix_test_run_t r;
    tix_test_run_init(&r, c.cfg);
    tix_test_start(&r, T0);
    tix_test_clock(&r, T0 + 1050 * MS - 1); /* as a replay does before each quote */
    assert_int_equal(r.out.nticks, 13);
    tix_test_q(&r, T0 + 1050 * MS, "P", "s1", 4);
    tix_test_q(&r, T0 + 1050 * MS, "P", "f1", 8);
    tix_test_close(&r, T0 + 1050 * MS);
    /* SLOW runs to T0 + 2 s, FAST to T0 + 1.1 s: 3 + 12 ticks, in time order */
    assert_int_equal(r.out.nticks, 15);
    assert_int_equal(r.out.ticks[0].ts_ns, T0);
    assert_int_equal(r.out.ticks[0].tier, 0);
    assert_int_equal(r.out.ticks[1].ts_ns, T0);
    assert_int_equal(r.out.ticks[1].tier, 1);
    tix_test_expect_tick(&r.out.ticks[12], T0 + SEC, 1, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0, 0,
                         0);
    tix_test_expect_tick(&r.out.ticks[13], T0 + 1100 * MS, 1, 8, TIX_STATUS_OK, 1, 0, 0, 0);
    tix_test_expect_tick(&r.out.ticks[14], T0 + 2 * SEC, 0, 4, TIX_STATUS_OK, 1, 0, 0, 0);
    for (size_t i = 1; i < r.out.nticks; i++)
        assert_true(r.out.ticks[i - 1].ts_ns <= r.out.ticks[i].ts_ns);
    tix_test_run_free(&r);

    /* last on a boundary of both: each stops right there */
    tix_test_run_init(&r, c.cfg);
    tix_test_start(&r, T0);
    tix_test_close(&r, T0 + SEC);
    assert_int_equal(r.out.nticks, 2 + 11);
    assert_int_equal(tix_test_last(&r)->ts_ns, T0 + SEC);
    assert_int_equal(tix_test_last(&r)->tier, 1);
    tix_test_run_free(&r);

    /* close after clocks: only the remaining boundaries */
    tix_test_run_init(&r, c.cfg);
    tix_test_start(&r, T0);
    tix_test_clock(&r, T0 + 950 * MS);
    size_t before = r.out.nticks;
    assert_int_equal(before, 1 + 10);
    tix_test_close(&r, T0 + 950 * MS + 1);
    /* SLOW: T0 + 1 s; FAST: T0 + 1 s */
    assert_int_equal(r.out.nticks, before + 2);
    assert_int_equal(r.out.ticks[before].tier, 0);
    assert_int_equal(r.out.ticks[before + 1].tier, 1);
    tix_test_run_free(&r);

    /* a tier never ticks past its own closing boundary, even when another tier's closing
     * boundary coincides with its next one: last = 1.85 s → FAST stops at 1.9 s, SLOW runs to
     * 2 s (FAST's 2 s boundary is not computed) */
    tix_test_run_init(&r, c.cfg);
    tix_test_start(&r, T0);
    tix_test_close(&r, T0 + 1850 * MS);
    assert_int_equal(r.out.nticks, 3 + 20); /* SLOW 0, 1, 2 s; FAST 0 .. 1.9 s */
    tix_test_expect_tick(tix_test_last(&r), T0 + 2 * SEC, 0, TIX_PRICE_NULL, TIX_STATUS_STALE, 0, 0,
                         0, 0);
    assert_int_equal(r.out.ticks[r.out.nticks - 2].ts_ns, T0 + 1900 * MS);
    assert_int_equal(r.out.ticks[r.out.nticks - 2].tier, 1);
    tix_test_run_free(&r);

    /* close as the very first event */
    tix_test_run_init(&r, c.cfg);
    tix_test_close(&r, T0 + 250 * MS);
    /* boundaries fixed at or after T0 + 250 ms: FAST 300 ms, SLOW 1 s, and each tier
     * stops at its own first boundary >= last */
    assert_int_equal(r.out.nticks, 2);
    assert_int_equal(r.out.ticks[0].ts_ns, T0 + 300 * MS);
    assert_int_equal(tix_test_last(&r)->ts_ns, T0 + SEC);
    assert_int_equal(tix_test_last(&r)->tier, 0);
    tix_test_run_free(&r);
    tix_test_conf_free(&c);
}

/* ---- (10) worked examples, one row each ---------------------------------------------- */

/* An example through the engine: a configuration whose first tier is the one priced, its
 * quotes (each received at T0 + 500 ms, input = output = the blended price), and the one
 * tick at T0 + 1 s that closing the run at T0 + 500 ms produces. */
typedef struct {
    const char *rule;
    const char *conf;
    struct {
        const char *provider, *model;
        int64_t price;
    } in[8]; /* up to the first NULL provider */
    int64_t price;
    tix_status_t status;
    uint32_t used, excluded, stale;
    int64_t dispersion;
} s_example_t;

static const s_example_t s_examples[] = {
    {"§16 (T1, equal weights, defaults)",
     "tiers = ( { id = \"T1\"; } );\n"
     "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"T1\"; } );\n"
     "fx = { USD = \"1\"; };\n",
     {{"A", "a-large", NANO_USD(10000000000)},
      {"B", "b-large", NANO_USD(10400000000)},
      {"C", "c-large", NANO_USD(9800000000)},
      {"D", "d-large", NANO_USD(30000000000)}},
     NANO_USD(10000000000), TIX_STATUS_OK, 3, 1, 0, NANO_USD(200000000)},
};

static void test_worked_example(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_examples / sizeof s_examples[0]; i++) {
        const s_example_t *e = &s_examples[i];
        print_message("%s\n", e->rule);
        tix_test_conf_t c;
        tix_test_conf_load(&c, e->conf);
        tix_test_run_t r;
        tix_test_run_init(&r, c.cfg);
        const int64_t at = T0 + 500 * MS;
        for (size_t k = 0; k < 8 && e->in[k].provider; k++)
            tix_test_q(&r, at, e->in[k].provider, e->in[k].model, e->in[k].price);
        tix_test_close(&r, at);
        assert_int_equal(r.out.nticks, 1);
        tix_test_expect_tick(tix_test_last(&r), T0 + SEC, 0, e->price, e->status, e->used,
                             e->excluded, e->stale, e->dispersion);
        tix_test_run_free(&r);
        tix_test_conf_free(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_same_pair_order),
        cmocka_unit_test(test_stale_carry_forward),
        cmocka_unit_test(test_tick_order),
        cmocka_unit_test(test_settlement),
        cmocka_unit_test(test_start_clock),
        cmocka_unit_test(test_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
