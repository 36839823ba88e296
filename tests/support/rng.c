/* Test support: a fixed-seed xorshift64* generator and the tests' reference median. */
#include "tix_test.h"

#include <stdlib.h>
#include <string.h>

tix_test_rng_t tix_test_rng_state(uint64_t state)
{
    return (tix_test_rng_t){state};
}

tix_test_rng_t tix_test_rng_seed(uint64_t seed)
{
    tix_test_rng_t r = {seed * 0x9e3779b97f4a7c15u + 0x1234567u};
    for (int i = 0; i < 8; i++)
        (void)tix_test_rng_next(&r);
    return r;
}

uint64_t tix_test_rng_next(tix_test_rng_t *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1du;
}

int64_t tix_test_rng_range(tix_test_rng_t *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(tix_test_rng_next(r) % (uint64_t)(hi - lo + 1));
}

int64_t tix_test_ref_median(const int64_t *x, size_t n)
{
    assert_true(n > 0);
    int64_t *v = malloc(n * sizeof *v);
    assert_non_null(v);
    memcpy(v, x, n * sizeof *v);
    for (size_t i = 1; i < n; i++) /* insertion sort: too simple to share a bug with qsort use */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            int64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    int64_t m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2] + 1) / 2;
    free(v);
    return m;
}
