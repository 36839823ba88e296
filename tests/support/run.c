/* Test support: an engine run (normalizer, engine, recording) fed by quote builders. */
#include "tix_test.h"

#include "tix_err.h"
#include "tix/price.h"

#include <stdio.h>
#include <string.h>

tix_raw_quote_t tix_test_raw(const char *provider, const char *model, const char *unit,
                             const char *currency, const char *input, const char *output)
{
    return (tix_raw_quote_t){.recv_ns = TIX_TEST_T0, .provider = provider, .model = model,
                             .unit = unit, .currency = currency, .input = input,
                             .output = output};
}

void tix_test_run_init(tix_test_run_t *r, const tix_config_t *cfg)
{
    memset(r, 0, sizeof *r);
    r->norm = tix_norm_new(cfg);
    assert_non_null(r->norm);
    tix_engine_sink_t sink = tix_test_rec_sink(&r->out);
    r->eng = tix_engine_new(cfg, tix_norm_names(r->norm), &sink);
    assert_non_null(r->eng);
}

void tix_test_run_free(tix_test_run_t *r)
{
    tix_engine_destroy(&r->eng);
    tix_norm_destroy(&r->norm);
    tix_test_rec_free(&r->out);
    memset(r, 0, sizeof *r);
}

void tix_test_quote(tix_test_run_t *r, int64_t recv_ns, const char *provider,
                    const char *model, int64_t in, int64_t out, int64_t volume)
{
    char tin[TIX_PRICE_TEXT_MAX], tout[TIX_PRICE_TEXT_MAX], tvol[32];
    tix_raw_quote_t raw = tix_test_raw(provider, model, "1m", "USD",
                                       tix_price_format(in, tin, sizeof tin),
                                       tix_price_format(out, tout, sizeof tout));
    raw.recv_ns = recv_ns;
    if (volume >= 0) {
        snprintf(tvol, sizeof tvol, "%lld", (long long)volume);
        raw.volume = tvol;
    }
    tix_quote_t q;
    tix_norm_error_t e;
    if (tix_norm_quote(r->norm, &raw, &q, &e) != 0)
        fail_msg("normalize %s/%s: %s", provider, model, e.detail);
    if (tix_engine_quote(r->eng, &q) != 0)
        fail_msg("engine quote: %s", tix_err());
}

void tix_test_q(tix_test_run_t *r, int64_t recv_ns, const char *provider, const char *model,
                int64_t p)
{
    tix_test_quote(r, recv_ns, provider, model, p, p, -1);
}

void tix_test_start(tix_test_run_t *r, int64_t t)
{
    if (tix_engine_start(r->eng, t) != 0)
        fail_msg("start: %s", tix_err());
}

void tix_test_clock(tix_test_run_t *r, int64_t now)
{
    if (tix_engine_clock(r->eng, now) != 0)
        fail_msg("clock: %s", tix_err());
}

void tix_test_close(tix_test_run_t *r, int64_t last)
{
    if (tix_engine_close(r->eng, last) != 0)
        fail_msg("close: %s", tix_err());
}

const tix_tick_t *tix_test_last(const tix_test_run_t *r)
{
    assert_true(r->out.nticks > 0);
    return &r->out.ticks[r->out.nticks - 1];
}
