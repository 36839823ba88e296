/* Medians, the MAD outlier filter, capped volume shares and the weighted median (§1, §8–§10). */
#include "tix_methodology.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* In-place heapsort: glibc's qsort may malloc (merge sort buffer), and the engine promises
 * no allocation per event after warm-up. O(n log n) worst case, no recursion. */
static void s_swap(char *a, char *b, size_t size)
{
    char tmp[64];
    assert(size <= sizeof tmp);
    memcpy(tmp, a, size);
    memcpy(a, b, size);
    memcpy(b, tmp, size);
}

static void s_sift(char *base, size_t root, size_t n, size_t size,
                   int (*cmp)(const void *, const void *))
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
            child++;
        if (cmp(base + root * size, base + child * size) >= 0)
            return;
        s_swap(base + root * size, base + child * size, size);
        root = child;
    }
}

static void s_heapsort(void *arr, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    char *base = arr;
    if (n < 2)
        return;
    for (size_t i = n / 2; i-- > 0;)
        s_sift(base, i, n, size, cmp);
    for (size_t end = n - 1; end > 0; end--) {
        s_swap(base, base + end * size, size);
        s_sift(base, 0, end, size, cmp);
    }
}

static int s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t tix_median(int64_t *x, size_t n)
{
    assert(n > 0);
    s_heapsort(x, n, sizeof *x, s_cmp_i64);
    if (n % 2)
        return x[n / 2];
    return tix_round_div((__int128)x[n / 2 - 1] + x[n / 2], 2);
}

static int64_t s_abs_diff(int64_t a, int64_t b) { return a > b ? a - b : b - a; }

size_t tix_outlier_filter(tix_obs_t *obs, size_t n, int64_t k, int64_t band_bp, int64_t *scratch)
{
    for (size_t i = 0; i < n; i++)
        obs[i].excluded = false;
    if (n < 3)
        return 0;
    for (size_t i = 0; i < n; i++)
        scratch[i] = obs[i].obs;
    int64_t m = tix_median(scratch, n);
    for (size_t i = 0; i < n; i++)
        scratch[i] = s_abs_diff(obs[i].obs, m);
    int64_t d = tix_median(scratch, n);
    /* floor() of non-negative quotients is C's integer division; 128 bits hold the products. */
    __int128 by_mad = (__int128)d * 14826 * k / 10000;
    __int128 by_band = (__int128)m * band_bp / 10000;
    __int128 thr = by_mad > by_band ? by_mad : by_band;
    size_t excluded = 0;
    for (size_t i = 0; i < n; i++)
        if ((__int128)s_abs_diff(obs[i].obs, m) > thr) {
            obs[i].excluded = true;
            excluded++;
        }
    return excluded;
}

static int s_cmp_obs(const void *a, const void *b)
{
    const tix_obs_t *x = a, *y = b;
    if (x->obs != y->obs)
        return x->obs < y->obs ? -1 : 1;
    return strcmp(x->name, y->name); /* strcmp compares as unsigned char: byte-wise */
}

void tix_obs_sort(tix_obs_t *obs, size_t n) { s_heapsort(obs, n, sizeof *obs, s_cmp_obs); }

bool tix_volume_shares(tix_obs_t *used, size_t n, int64_t cap_bp)
{
    if ((int64_t)n * cap_bp < 10000)
        return false;
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += (double)used[i].volume;
    if (total == 0)
        return false; /* no volume to weigh by: documented in docs/methodology.md */
    const double c = (double)cap_bp / 10000.0;
    for (size_t i = 0; i < n; i++)
        used[i].capped = false;
    size_t ncapped = 0;
    bool added = true;
    while (added) {
        added = false;
        double r = 1.0 - (double)ncapped * c;
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            if (!used[i].capped)
                sum += (double)used[i].volume;
        for (size_t i = 0; i < n; i++)
            if (!used[i].capped)
                used[i].share = sum > 0 ? r * (double)used[i].volume / sum : 0.0;
        for (size_t i = 0; i < n; i++)
            if (!used[i].capped && used[i].share > c) {
                used[i].capped = true;
                ncapped++;
                added = true;
            }
    }
    for (size_t i = 0; i < n; i++)
        if (used[i].capped)
            used[i].share = c;
    return true;
}

tix_price_t tix_weighted_median(const tix_obs_t *used, size_t n, bool by_share)
{
    assert(n > 0);
    size_t k = 0;
    bool tie = false;
    if (by_share) {
        double w = 0, cum = 0;
        for (size_t i = 0; i < n; i++)
            w += used[i].share;
        for (k = 0; k < n; k++) {
            cum += used[k].share;
            if (2 * cum >= w)
                break;
        }
        if (k == n)
            k = n - 1; /* rounding cannot leave 2C_n < W, but stay in bounds regardless */
        tie = 2 * cum == w;
    } else {
        size_t cum = 0;
        for (k = 0; k < n; k++) {
            cum++;
            if (2 * cum >= n)
                break;
        }
        tie = 2 * cum == n;
    }
    if (tie && k + 1 < n)
        return tix_round_div((__int128)used[k].obs + used[k + 1].obs, 2);
    return used[k].obs;
}
