/* http_poll adapter: one JSON price list per provider interval over libcurl multi, ETag, gzip, backoff. */
#include "collector_int.h"

typedef struct {
    tix_col_http_t http;
    tix_extract_t x;
} s_http_poll_t;

static tix_extract_t *s_schema(tix_prov_t *p) { return &((s_http_poll_t *)p->priv)->x; }

static int s_start(tix_prov_t *p)
{
    s_http_poll_t *self = p->priv;
    return tix_col_http_start(p, &self->http);
}

/* Extracts a price list and emits its quotes; false when it held nothing usable. */
static bool s_price_list(tix_prov_t *p, const char *buf, size_t len, int64_t recv_ns)
{
    s_http_poll_t *self = p->priv;
    const tix_json_val_t *doc = tix_col_parse(p, buf, len);
    if (!doc)
        return false;
    int stale = 0;
    int n = tix_col_extract_doc(p, &self->x, doc, recv_ns, &stale);
    if (n > 0 && stale == n) {
        tix_col_fault(p, TIX_FAULT_STALE_SOURCE,
                      "every quote's source timestamp is older than max_age_ms %lld",
                      (long long)self->x.max_age_ms);
        return false;
    }
    return n > 0;
}

static void s_done(tix_prov_t *p, CURLcode res)
{
    s_http_poll_t *self = p->priv;
    tix_col_http_done(p, &self->http, res, s_price_list);
}

static void s_release(tix_prov_t *p)
{
    s_http_poll_t *self = p->priv;
    tix_extract_fini(&self->x);
    tix_col_http_release(p, &self->http);
}

const tix_col_adapter_t tix_col_http_poll = {
    .name = "http_poll", .roles = TIX_COLLECT_HTTP, .timeout_ms = 10000,
    .priv_size = sizeof(s_http_poll_t), .configure = tix_col_need_http_url, .schema = s_schema,
    .start = s_start, .done = s_done, .release = s_release,
};
