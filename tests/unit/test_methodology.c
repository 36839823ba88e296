/* Unit tests for the pure arithmetic of METHODOLOGY-v1 §1, §8–§10: medians, MAD filter, sort, capped shares, weighted median. */
#include "tix_test.h"

#include "tix_methodology.h"

#include <math.h>
#include <string.h>

#define USD(x) ((int64_t)((x) * 1000000000.0 + 0.5)) /* only for literal test values */

/* The tables below hold the cases that mirror METHODOLOGY-v1's rules and worked example (§16),
 * one row each with the rule it comes from, so that METHODOLOGY-v2's examples (§22) join as
 * rows. Masks read one character per observation: 'x' excluded (or 'c' capped), '.' not. */

#define S_ROWS(t) (t), sizeof(t) / sizeof(t)[0]

static const char *const s_names[8] = {"a", "b", "c", "d", "e", "f", "g", "h"};

static tix_obs_t s_obs(tix_price_t obs, const char *name, int64_t volume)
{
    tix_obs_t o;
    memset(&o, 0, sizeof o);
    o.obs = obs;
    o.name = name;
    o.volume = volume;
    return o;
}

/* ---- §1 median ---------------------------------------------------------------------- */

typedef struct {
    const char *rule;
    size_t n;
    int64_t x[8]; /* as given: tix_median sorts them in place */
    int64_t want;
} s_median_case_t;

static const s_median_case_t s_median_odd[] = {
    {"§1", 3, {5, 1, 3}, 3},
    {"§1", 5, {9, 7, 7, 1, 100}, 7},
    {"§16 M of A, B, C", 3, {USD(10.4), USD(9.8), USD(10.0)}, USD(10.0)},
};

static const s_median_case_t s_median_even[] = {
    {"§1 round(1.5) = 2", 2, {1, 2}, 2},
    {"§1", 2, {2, 1}, 2},
    {"§1 round(2.5) = 3, not banker's 2", 2, {1, 4}, 3},
    {"§1", 4, {40, 10, 30, 20}, 25},
    {"§1 round(0.5) = 1", 4, {0, 0, 1, 1000}, 1},
    {"§1", 2, {3, 3}, 3},
    {"§1 no overflow (128-bit sum)", 2, {INT64_MAX - 1, INT64_MAX - 2}, INT64_MAX - 1},
    {"§1 half away from zero, negatives", 2, {-1, -2}, -2},
    {"§16 D = round((0.2 + 0.4) / 2)", 4, {USD(0.2), USD(0.2), USD(0.4), USD(19.8)}, USD(0.3)},
};

static const s_median_case_t s_median_single[] = {
    {"§1", 1, {42}, 42},
    {"§1", 1, {0}, 0},
};

/* Each row's median, and its values sorted in place. */
static void s_median_table(const s_median_case_t *rows, size_t nrows)
{
    for (size_t r = 0; r < nrows; r++) {
        int64_t x[8];
        memcpy(x, rows[r].x, sizeof x);
        int64_t got = tix_median(x, rows[r].n);
        if (got != rows[r].want)
            fail_msg("%s (row %zu): median %lld, expected %lld", rows[r].rule, r, (long long)got,
                     (long long)rows[r].want);
        for (size_t i = 1; i < rows[r].n; i++)
            assert_true(x[i - 1] <= x[i]);
    }
}

static void test_median_odd(void **state)
{
    (void)state;
    s_median_table(S_ROWS(s_median_odd));
}

static void test_median_even_rounds_half_away(void **state)
{
    (void)state;
    s_median_table(S_ROWS(s_median_even));
}

static void test_median_single(void **state)
{
    (void)state;
    s_median_table(S_ROWS(s_median_single));
}

static void test_median_large(void **state)
{
    (void)state;
    tix_test_rng_t rng = tix_test_rng_state(4242);
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)tix_test_rng_range(&rng, 1, 300);
        int64_t x[300], ref[300];
        for (size_t i = 0; i < n; i++)
            ref[i] = x[i] = tix_test_rng_range(&rng, 0, 50) * 1000 + tix_test_rng_range(&rng, 0, 1);
        for (size_t i = 1; i < n; i++) /* reference: insertion sort */
            for (size_t j = i; j > 0 && ref[j - 1] > ref[j]; j--) {
                int64_t t = ref[j];
                ref[j] = ref[j - 1];
                ref[j - 1] = t;
            }
        int64_t want = n % 2 ? ref[n / 2] : (ref[n / 2 - 1] + ref[n / 2] + 1) / 2;
        assert_int_equal(tix_median(x, n), want);
        assert_memory_equal(x, ref, n * sizeof *x); /* sorted in place */
    }
}

/* ---- §8 outlier filter -------------------------------------------------------------- */

typedef struct {
    const char *rule;
    size_t n;
    int64_t obs[5];
    int64_t k, band_bp;
    size_t want;          /* how many are excluded */
    const char *excluded; /* mask */
} s_outlier_case_t;

static const s_outlier_case_t s_outlier_small_n[] = {
    {"§8 n < 3: nothing excluded", 2, {1, 1000000000000}, 3, 500, 0, ".."},
    {"§8 n < 3", 1, {5}, 3, 500, 0, "."},
};

static const s_outlier_case_t s_outlier_example[] = {
    /* M = 10.2, D = 0.3, thr = max(floor(0.3 × 4.4478), floor(10.2 × 0.05)) = 1.33434 */
    {"§16", 4, {USD(10.0), USD(10.4), USD(9.8), USD(30.0)}, 3, 500, 1, "...x"},
    /* with E at 10.2: M = 10.2, devs 0.2 0.2 0.4 19.8 0 → D = 0.2, thr = max(0.88956, 0.51) */
    {"§16 with E", 5, {USD(10.0), USD(10.4), USD(9.8), USD(30.0), USD(10.2)}, 3, 500, 1, "...x."},
};

static const s_outlier_case_t s_outlier_mad[] = {
    /* M = 1000; |devs| 0 10 10 44 45 → D = 10; by MAD floor(10 × 1.4826 × 3) = 44; by band
     * (100 bp) 10; thr = 44: 956 exactly at it (kept), 1045 one above (excluded), 990/1010
     * beyond the band (kept by MAD) */
    {"§8 MAD decides", 5, {1000, 1010, 990, 956, 1045}, 3, 100, 1, "....x"},
    /* k = 0 removes the MAD term: thr = 10 by band; 990/1010 are exactly at it */
    {"§8 k = 0", 5, {1000, 1010, 990, 956, 1045}, 0, 100, 2, "...xx"},
    /* a larger k widens it: k = 4 → floor(10 × 5.9304) = 59 */
    {"§8 k = 4", 5, {1000, 1010, 990, 956, 1045}, 4, 100, 0, "....."},
    /* the MAD term is floored, not rounded: M = 1000, |devs| 0 2 2 9 100 → D = 2,
     * floor(2 × 4.4478 = 8.8956) = 8 (band 0): the provider 9 away is out */
    {"§8 MAD term floored", 5, {1000, 1002, 998, 991, 1100}, 3, 0, 2, "...xx"},
    {"§8 8 away: exactly at thr", 5, {1000, 1002, 998, 992, 1100}, 3, 0, 1, "....x"},
};

static const s_outlier_case_t s_outlier_band[] = {
    /* M = 1000, |devs| 0 0 0 50 51 → D = 0 (MAD term 0); band 500 bp → thr = 50 */
    {"§8 band decides", 5, {1000, 1000, 1000, 950, 1051}, 3, 500, 1, "....x"},
    /* band floored: M = 1999, 500 bp → 99; devs 0 99 99 → D = 99 → MAD term 440 decides */
    {"§8 band floored", 3, {1999, 1900, 2098}, 3, 500, 0, "..."},
    {"§8 k = 0: thr = 99, both at 99 kept", 3, {1999, 1900, 2098}, 0, 500, 0, "..."},
    {"§8 k = 0: dev 100 > 99", 3, {1999, 1900, 2099}, 0, 500, 1, "..x"},
    {"§8 band 0, k 0: all off the median go", 4, {10, 10, 10, 11}, 0, 0, 1, "...x"},
};

/* Each row through tix_outlier_filter, every flag set beforehand (stale flags are reset):
 * the count, each flag, and the observations untouched in their order. */
static void s_outlier_table(const s_outlier_case_t *rows, size_t nrows)
{
    for (size_t r = 0; r < nrows; r++) {
        const s_outlier_case_t *c = &rows[r];
        tix_obs_t o[5];
        int64_t scratch[5];
        for (size_t i = 0; i < c->n; i++) {
            o[i] = s_obs(c->obs[i], s_names[i], 0);
            o[i].excluded = true;
        }
        size_t got = tix_outlier_filter(o, c->n, c->k, c->band_bp, scratch);
        if (got != c->want)
            fail_msg("%s (row %zu): %zu excluded, expected %zu", c->rule, r, got, c->want);
        assert_int_equal(strlen(c->excluded), c->n);
        for (size_t i = 0; i < c->n; i++) {
            if (o[i].excluded != (c->excluded[i] == 'x'))
                fail_msg("%s (row %zu): observation %zu %s", c->rule, r, i,
                         o[i].excluded ? "excluded" : "kept");
            assert_int_equal(o[i].obs, c->obs[i]);
        }
    }
}


static void test_outlier_small_n(void **state)
{
    (void)state;
    s_outlier_table(S_ROWS(s_outlier_small_n));
}

static void test_outlier_worked_example(void **state)
{
    (void)state;
    s_outlier_table(S_ROWS(s_outlier_example));
}

static void test_outlier_mad_decides(void **state)
{
    (void)state;
    s_outlier_table(S_ROWS(s_outlier_mad));
}

static void test_outlier_band_decides(void **state)
{
    (void)state;
    s_outlier_table(S_ROWS(s_outlier_band));
}

/* ---- §10 sort ----------------------------------------------------------------------- */

static void test_obs_sort(void **state)
{
    (void)state;
    tix_obs_t o[] = {
        s_obs(5, "b", 0),        s_obs(3, "z", 0),  s_obs(5, "B", 0),
        s_obs(5, "a", 0),        s_obs(5, "\xc3\xa9", 0), /* "é": bytes ≥ 0x80 sort last */
        s_obs(5, "\x7f", 0),     s_obs(5, "ab", 0), s_obs(4, "\xff", 0),
        s_obs(-1, "zz", 0),
    };
    size_t n = sizeof o / sizeof o[0];
    tix_obs_sort(o, n);
    const char *want[] = {"zz", "z", "\xff", "B", "a", "ab", "b", "\x7f", "\xc3\xa9"};
    const int64_t want_obs[] = {-1, 3, 4, 5, 5, 5, 5, 5, 5};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(o[i].name, want[i]);
        assert_int_equal(o[i].obs, want_obs[i]);
    }
    /* "\x80" (as a signed char, negative) still sorts after "\x7f" and "a" */
    tix_obs_t p[] = {s_obs(1, "\x80", 0), s_obs(1, "a", 0), s_obs(1, "\x7f", 0),
                     s_obs(1, "A", 0)};
    tix_obs_sort(p, 4);
    assert_string_equal(p[0].name, "A");
    assert_string_equal(p[1].name, "a");
    assert_string_equal(p[2].name, "\x7f");
    assert_string_equal(p[3].name, "\x80");
}

/* Byte-wise comparison as unsigned bytes, written out. */
static int s_bytecmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && *x == *y) {
        x++;
        y++;
    }
    return (int)*x - (int)*y;
}

static void test_obs_sort_large(void **state)
{
    (void)state;
    static const char *names[] = {"a", "B", "b", "\x80", "ab", "A", "\xff", "zz", "0", "_"};
    tix_test_rng_t rng = tix_test_rng_state(99);
    for (int round = 0; round < 100; round++) {
        size_t n = (size_t)tix_test_rng_range(&rng, 1, 10);
        tix_obs_t o[10];
        int perm[10];
        for (size_t i = 0; i < n; i++)
            perm[i] = (int)i;
        for (size_t i = n; i > 1; i--) {
            size_t k = (size_t)tix_test_rng_range(&rng, 0, (int64_t)i - 1);
            int t = perm[i - 1];
            perm[i - 1] = perm[k];
            perm[k] = t;
        }
        for (size_t i = 0; i < n; i++) /* unique names, frequent equal observations */
            o[i] = s_obs(tix_test_rng_range(&rng, 0, 2), names[perm[i]], 0);
        tix_obs_sort(o, n);
        for (size_t i = 1; i < n; i++) {
            assert_true(o[i - 1].obs <= o[i].obs);
            if (o[i - 1].obs == o[i].obs)
                assert_true(s_bytecmp(o[i - 1].name, o[i].name) < 0);
        }
    }
}

/* ---- §9 volume shares --------------------------------------------------------------- */

static double s_sum_shares(const tix_obs_t *o, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += o[i].share;
    return s;
}

typedef struct {
    const char *rule;
    size_t n;
    int64_t volume[5]; /* observations 1, 2, 3, ... in that (rule 10) order */
    int64_t cap_bp;
    bool possible; /* tix_volume_shares' answer; false: equal weights instead */
    double share[5];
    const char *capped; /* mask */
} s_shares_case_t;

static const s_shares_case_t s_shares_simple[] = {
    {"§9 none above the cap", 4, {30, 25, 25, 20}, 3500, true, {0.30, 0.25, 0.25, 0.20}, "...."},
    {"§9 exactly at the cap is not above it", 2, {50, 50}, 5000, true, {0.5, 0.5}, ".."},
};

static const s_shares_case_t s_shares_one_capped[] = {
    /* 0.5 > 0.35 → capped; R = 0.65 over 50: 0.26, 0.26, 0.13 */
    {"§9 one capped", 4, {50, 20, 20, 10}, 3500, true, {0.35, 0.26, 0.26, 0.13}, "c..."},
};

static const s_shares_case_t s_shares_second_iteration[] = {
    /* first pass: 0.6 capped, 0.3 not; second: R = 0.65 over 40 → 0.4875 > 0.35 capped;
     * third: R = 0.3 over 10 → 0.15, 0.15 */
    {"§9 capped on the second pass", 4, {5, 60, 30, 5}, 3500, true, {0.15, 0.35, 0.35, 0.15},
     ".cc."},
};

static const s_shares_case_t s_shares_impossible[] = {
    {"§9 n_used × cap_bp = 7000 < 10000", 2, {90, 5}, 3500, false, {0}, ""},
    {"§9 9999 < 10000", 3, {90, 5, 5}, 3333, false, {0}, ""},
    {"§9 9999 < 10000, alone", 1, {90}, 9999, false, {0}, ""},
    {"§9 3 × 3334 = 10002: possible", 3, {90, 5, 5}, 3334, true, {0.3334, 0.3333, 0.3333},
     "c.."},
    {"§9 exactly 10000: possible", 2, {90, 10}, 5000, true, {0.5, 0.5}, "c."},
};

static const s_shares_case_t s_shares_all_zero[] = {
    {"§9 no volume at all", 4, {0, 0, 0, 0}, 3500, false, {0}, ""},
};

/* Each row through tix_volume_shares: possible or not, then each share, each capped flag and
 * a sum of one. */
static void s_shares_table(const s_shares_case_t *rows, size_t nrows)
{
    for (size_t r = 0; r < nrows; r++) {
        const s_shares_case_t *c = &rows[r];
        tix_obs_t o[5];
        for (size_t i = 0; i < c->n; i++)
            o[i] = s_obs((int64_t)i + 1, s_names[i], c->volume[i]);
        bool got = tix_volume_shares(o, c->n, c->cap_bp);
        if (got != c->possible)
            fail_msg("%s (row %zu): %s, expected otherwise", c->rule, r,
                     got ? "possible" : "impossible");
        if (!got)
            continue;
        assert_int_equal(strlen(c->capped), c->n);
        for (size_t i = 0; i < c->n; i++) {
            if (fabs(o[i].share - c->share[i]) > 1e-12 || o[i].capped != (c->capped[i] == 'c'))
                fail_msg("%s (row %zu): share %zu is %.15g%s, expected %.15g%s", c->rule, r, i,
                         o[i].share, o[i].capped ? " (capped)" : "", c->share[i],
                         c->capped[i] == 'c' ? " (capped)" : "");
        }
        assert_float_equal(s_sum_shares(o, c->n), 1.0, 1e-12);
    }
}

static void test_shares_simple(void **state)
{
    (void)state;
    s_shares_table(S_ROWS(s_shares_simple));
}

static void test_shares_one_capped(void **state)
{
    (void)state;
    s_shares_table(S_ROWS(s_shares_one_capped));
}

static void test_shares_second_iteration(void **state)
{
    (void)state;
    s_shares_table(S_ROWS(s_shares_second_iteration));
}

static void test_shares_impossible(void **state)
{
    (void)state;
    s_shares_table(S_ROWS(s_shares_impossible));
}

static void test_shares_all_zero(void **state)
{
    (void)state;
    s_shares_table(S_ROWS(s_shares_all_zero));
}

static void test_shares_sum_to_one(void **state)
{
    (void)state;
    tix_test_rng_t rng = tix_test_rng_state(12345);
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)tix_test_rng_range(&rng, 1, 12);
        int64_t cap = tix_test_rng_range(&rng, 1, 10000);
        tix_obs_t o[12];
        int64_t total = 0;
        for (size_t i = 0; i < n; i++) {
            /* positive volumes: with every uncapped volume zero §9 divides 0 by 0 */
            int64_t v = tix_test_rng_range(&rng, 1, INT64_C(1) << tix_test_rng_range(&rng, 1, 50));
            o[i] = s_obs((int64_t)i, "p", v);
            total += v;
        }
        bool ok = tix_volume_shares(o, n, cap);
        if ((int64_t)n * cap < 10000 || total == 0) {
            assert_false(ok);
            continue;
        }
        assert_true(ok);
        const double c = (double)cap / 10000.0;
        assert_float_equal(s_sum_shares(o, n), 1.0, 1e-12);
        for (size_t i = 0; i < n; i++) {
            assert_true(o[i].share >= 0.0);
            assert_true(o[i].share <= c + 1e-12);
            if (o[i].capped)
                assert_true(o[i].share == c);
        }
    }
}

/* ---- §10 weighted median ------------------------------------------------------------ */

typedef struct {
    const char *rule;
    size_t n;
    int64_t obs[5]; /* sorted, as rule 10 takes them */
    double share[5];
    bool by_share; /* false: equal weights, shares ignored */
    int64_t want;
} s_wmedian_case_t;

static const s_wmedian_case_t s_wmedian_equal[] = {
    {"§10 equal weights = §1 median", 1, {1, 2, 3, 4}, {0}, false, 1},
    {"§10", 2, {1, 2, 3, 4}, {0}, false, 2},
    {"§10", 3, {1, 2, 3, 4}, {0}, false, 2},
    {"§10 2.5 rounds away", 4, {1, 2, 3, 4}, {0}, false, 3},
};

static const s_wmedian_case_t s_wmedian_tie[] = {
    /* quarters are exact in binary: C_2 = 0.5, 2·C_2 == W → round((11 + 12) / 2) = 12 */
    {"§10 2·C_k == W", 4, {10, 11, 12, 13}, {0.25, 0.25, 0.25, 0.25}, true, 12},
    {"§10 halves", 2, {1, 2}, {0.5, 0.5}, true, 2},
    /* uneven shares with an exact tie after the first: 0.5 | 0.25 0.25 → round(150.5) */
    {"§10 tie after the first", 3, {100, 201, 300}, {0.5, 0.25, 0.25}, true, 151},
};

static const s_wmedian_case_t s_wmedian_non_middle[] = {
    {"§10 the heavy one is highest", 3, {10, 20, 30}, {0.1, 0.1, 0.8}, true, 30},
    {"§10 same, equal weights", 3, {10, 20, 30}, {0.1, 0.1, 0.8}, false, 20},
    {"§10 the heavy one is lowest", 3, {10, 20, 30}, {0.6, 0.2, 0.2}, true, 10},
};

static void s_wmedian_table(const s_wmedian_case_t *rows, size_t nrows)
{
    for (size_t r = 0; r < nrows; r++) {
        const s_wmedian_case_t *c = &rows[r];
        tix_obs_t o[5];
        for (size_t i = 0; i < c->n; i++) {
            o[i] = s_obs(c->obs[i], s_names[i], c->by_share ? 1 : 0);
            o[i].share = c->share[i];
        }
        int64_t got = tix_weighted_median(o, c->n, c->by_share);
        if (got != c->want)
            fail_msg("%s (row %zu): %lld, expected %lld", c->rule, r, (long long)got,
                     (long long)c->want);
    }
}

static void test_wmedian_equal_is_median(void **state)
{
    (void)state;
    tix_test_rng_t rng = tix_test_rng_state(777);
    for (int round = 0; round < 500; round++) {
        for (size_t n = 1; n <= 6; n++) {
            tix_obs_t o[6];
            int64_t x[6];
            for (size_t i = 0; i < n; i++) {
                /* frequent ties, odd sums */
                x[i] = tix_test_rng_range(&rng, 0, 20) * 1000 + tix_test_rng_range(&rng, 0, 1);
                o[i] = s_obs(x[i], s_names[i], 0);
            }
            tix_obs_sort(o, n);
            int64_t want = tix_median(x, n);
            assert_int_equal(tix_weighted_median(o, n, false), want);
        }
    }
    s_wmedian_table(S_ROWS(s_wmedian_equal));
}

static void test_wmedian_exact_tie(void **state)
{
    (void)state;
    s_wmedian_table(S_ROWS(s_wmedian_tie));
}

static void test_wmedian_volume_non_middle(void **state)
{
    (void)state;
    s_wmedian_table(S_ROWS(s_wmedian_non_middle));
    /* through tix_volume_shares: the heavy provider holds the highest observation */
    tix_obs_t p[5] = {s_obs(100, "a", 1), s_obs(200, "b", 1), s_obs(300, "c", 1),
                      s_obs(400, "d", 1), s_obs(500, "e", 96)};
    /* shares: e = 0.96 → capped at 0.5 (cap 5000); rest R = 0.5 over 4 → 0.125 each:
     * C = 0.125 0.25 0.375 0.5 → 2·C_4 == W: tie → round((400 + 500) / 2) = 450 */
    assert_true(tix_volume_shares(p, 5, 5000));
    assert_true(p[4].capped);
    assert_int_equal(tix_weighted_median(p, 5, true), 450);
    assert_int_equal(tix_weighted_median(p, 5, false), 300);
    /* a cap of 60%: e gets 0.96 > 0.6 → 0.6; others 0.1 each; C_4 = 0.4, C_5 = 1 → 500 */
    assert_true(tix_volume_shares(p, 5, 6000));
    assert_int_equal(tix_weighted_median(p, 5, true), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_odd),
        cmocka_unit_test(test_median_even_rounds_half_away),
        cmocka_unit_test(test_median_single),
        cmocka_unit_test(test_median_large),
        cmocka_unit_test(test_outlier_small_n),
        cmocka_unit_test(test_outlier_worked_example),
        cmocka_unit_test(test_outlier_mad_decides),
        cmocka_unit_test(test_outlier_band_decides),
        cmocka_unit_test(test_obs_sort),
        cmocka_unit_test(test_obs_sort_large),
        cmocka_unit_test(test_shares_simple),
        cmocka_unit_test(test_shares_one_capped),
        cmocka_unit_test(test_shares_second_iteration),
        cmocka_unit_test(test_shares_impossible),
        cmocka_unit_test(test_shares_all_zero),
        cmocka_unit_test(test_shares_sum_to_one),
        cmocka_unit_test(test_wmedian_equal_is_median),
        cmocka_unit_test(test_wmedian_exact_tie),
        cmocka_unit_test(test_wmedian_volume_non_middle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
