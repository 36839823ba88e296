/* Checks the engine's promise: no heap allocation per event once every pair has been seen. */
#include "tix_test.h"
#include "tix_time.h"

#include <stdio.h>

/* Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc: every allocation made by
 * tix code in this binary is counted while `s_counting` is set. */
static long s_allocs;
static int s_counting;
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n)
{
    s_allocs += s_counting;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
    s_allocs += s_counting;
    return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
    s_allocs += s_counting;
    return __real_realloc(p, n);
}

static void test_no_allocation_after_warmup(void **state)
{
    (void)state;
    const char *conf =
        "tiers = ( { id = \"A\"; interval_ms = 100; min_providers = 2;\n"
        "            settlement = { time = \"00:01\"; window_min = 1; partitions = 1; }; },\n"
        "          { id = \"V\"; interval_ms = 1000; weighting = \"volume\"; cap_bp = 3500; } );\n"
        "mapping = ( { provider = \"*\"; model = \"a-*\"; tier = \"A\"; },\n"
        "            { provider = \"*\"; model = \"v-*\"; tier = \"V\"; } );\n"
        "fx = { USD = \"1\"; };\n";
    tix_test_conf_t c;
    tix_test_conf_load(&c, conf);
    tix_norm_t *norm = tix_norm_new(c.cfg);
    tix_test_count_t count = {0, 0};
    tix_engine_sink_t sink = tix_test_count_sink(&count);
    tix_engine_t *eng = tix_engine_new(c.cfg, tix_norm_names(norm), &sink);
    assert_non_null(eng);
    enum { NP = 40, NM = 4 };
    tix_quote_t q[2 * NP * NM];
    int n = 0;
    for (int t = 0; t < 2; t++)
        for (int p = 0; p < NP; p++)
            for (int m = 0; m < NM; m++) {
                char prov[16], model[16], price[16], vol[16];
                snprintf(prov, sizeof prov, "p%d", p);
                snprintf(model, sizeof model, "%c-%d", t ? 'v' : 'a', m);
                snprintf(price, sizeof price, "%d.%d", 3 + p % 5, m);
                snprintf(vol, sizeof vol, "%d", 1000 * (p + 1));
                tix_raw_quote_t raw = {0, prov, model, "1m", "USD", price, price, NULL, vol};
                tix_norm_error_t e;
                assert_int_equal(tix_norm_quote(norm, &raw, &q[n++], &e), 0);
            }
    const int64_t t0 = INT64_C(1767225600) * TIX_NS_PER_S; /* midnight: settlement at 00:01 */
    assert_int_equal(tix_engine_start(eng, t0), 0);
    int64_t now = t0;
    for (int i = 0; i < n; i++) { /* warm-up: every pair once */
        q[i].recv_ns = now;
        assert_int_equal(tix_engine_quote(eng, &q[i]), 0);
    }
    s_counting = 1;
    for (long i = 0; i < 200000; i++) {
        tix_quote_t *x = &q[i % n];
        now += 500000; /* 0.5 ms apart: crosses many boundaries and the 00:01 settlement */
        x->recv_ns = now;
        x->blended += (i & 1) ? 7 : -7;
        assert_int_equal(tix_engine_clock(eng, now - 1), 0);
        assert_int_equal(tix_engine_quote(eng, x), 0);
    }
    s_counting = 0;
    assert_int_equal(s_allocs, 0);
    assert_true(count.ticks > 1000);
    assert_int_equal(count.settlements, 1);
    tix_engine_destroy(&eng);
    tix_norm_destroy(&norm);
    tix_test_conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_no_allocation_after_warmup)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
