/* fx_feed adapter: USD rates of configured currencies polled over HTTP into the normalizer; withdrawn when stale. */
#include "collector_int.h"
#include "tix_err.h"
#include "tix_jsonpath.h"
#include "tix_schema.h"
#include "tix_time.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    tix_col_http_t http;
    tix_jpath_t *rates;
    char (*codes)[TIX_CCY_MAX];
    int ncodes;
    int64_t stale_ms, last_ok_ns;
    bool stale;
} s_fx_t;

static bool s_code_ok(const char *code)
{
    return code && strlen(code) == 3 && isupper((unsigned char)code[0]) &&
           isupper((unsigned char)code[1]) && isupper((unsigned char)code[2]);
}

static void s_configure(tix_prov_t *p, tix_col_load_t *l, const config_setting_t *fs,
                        const char *where)
{
    (void)where; /* the FX feed is a section of its own: its messages name "fx_feed" */
    s_fx_t *self = p->priv;
    self->stale_ms = tix_setting_member_int(fs, "stale_ms", 3 * p->interval_ms);
    if (!tix_col_http_url(p->url))
        tix_col_fail(l, fs, "fx_feed.url: needs an http:// or https:// url");
    const char *rates = tix_col_str(fs, "rates");
    if (rates && !(self->rates = tix_jpath_new(rates)))
        tix_col_fail(l, config_setting_get_member(fs, "rates"), "fx_feed.rates: %s", tix_err());
    const config_setting_t *cs = config_setting_get_member(fs, "currencies");
    int n = cs ? config_setting_length(cs) : 0;
    self->codes = calloc((size_t)n + 1, sizeof *self->codes);
    for (int i = 0; self->codes && i < n; i++) {
        const char *code = config_setting_get_string_elem(cs, i);
        if (!s_code_ok(code)) {
            tix_col_fail(l, cs, "fx_feed.currencies[%d]: must be a 3-letter ISO 4217 code in capitals", i);
            continue;
        }
        snprintf(self->codes[self->ncodes++], TIX_CCY_MAX, "%s", code);
    }
}

/* Its currencies have no rate until the feed's first answer: their quotes are refused. */
static int s_open(tix_prov_t *p)
{
    s_fx_t *self = p->priv;
    for (int j = 0; j < self->ncodes; j++)
        if (tix_norm_set_fx(p->col->norm, self->codes[j], -1) != 0)
            return -1;
    return 0;
}

static int s_start(tix_prov_t *p)
{
    s_fx_t *self = p->priv;
    return tix_col_http_start(p, &self->http);
}

int tix_fx_rate(const tix_json_val_t *v, int64_t *rate, char *shown, size_t cap)
{
    int n = tix_json_cstr(v, shown, cap);
    if (n >= 0)
        return tix_decimal9_parse(shown, rate) == TIX_PRICE_OK && *rate > 0 ? 0 : -1;
    /* Never parse a cut copy (a long rate cut short, or one cut at an escaped NUL, could
     * read as a valid one): only show its beginning. */
    if (n != TIX_JSON_NOT_TEXT)
        snprintf(shown, cap, "%.*s...", (int)(cap > 4 ? cap - 4 : 0), v->text);
    return -1;
}

/* A currency the fresh answer lacks, or gives no valid rate, has no current rate: counted
 * as a refusal, and the old rate withdrawn. */
static void s_no_rate(tix_prov_t *p, const char *code, bool present, const char *shown)
{
    tix_norm_error_t err = {TIX_REASON_NO_FX_RATE, code, ""};
    snprintf(err.detail, sizeof err.detail, "%s: rate %s%s%s is not a positive decimal with at most 9 decimals",
             code, present ? "'" : "", present ? shown : "missing", present ? "'" : "");
    tix_col_count_refusal(p, &err);
    if (tix_norm_set_fx(p->col->norm, code, -1) != 0)
        tix_error("fx_feed: %s", tix_err());
}

/* FX feed body: `rates` reaches an object { "CNY": "0.1380", ... } of USD per unit. */
static void s_apply(tix_prov_t *p, const tix_json_val_t *doc)
{
    s_fx_t *self = p->priv;
    const tix_json_val_t *rates = self->rates ? tix_jpath_get(self->rates, doc, doc) : NULL;
    if (!rates || rates->type != TIX_JSON_OBJECT) {
        tix_col_fault(p, TIX_FAULT_NO_QUOTES, "rates path '%s' reached %s, not an object",
                      self->rates ? tix_jpath_text(self->rates) : "", tix_json_type_word(rates));
        return;
    }
    int fresh = 0;
    for (int j = 0; j < self->ncodes; j++) {
        char buf[64];
        const tix_json_val_t *v = tix_json_member(rates, self->codes[j], strlen(self->codes[j]));
        int64_t rate;
        if (tix_fx_rate(v, &rate, buf, sizeof buf) != 0) {
            s_no_rate(p, self->codes[j], tix_json_text(v, NULL) != NULL, buf);
            continue;
        }
        if (tix_norm_set_fx(p->col->norm, self->codes[j], rate) != 0)
            continue;
        fresh++;
        p->st.accepted++;
    }
    if (fresh > 0) {
        if (self->stale)
            tix_info("fx_feed: fresh rates again");
        self->stale = false;
        self->last_ok_ns = tix_time_wall_ns();
    }
}

/* A fresh body, or on 304 the last one: unchanged rates are fresh rates, applied again,
 * which also ends a stale spell (they were withdrawn when the feed went stale). */
static bool s_body(tix_prov_t *p, const char *buf, size_t len, int64_t recv_ns)
{
    (void)recv_ns; /* rates are stamped by the wall clock of their application */
    const tix_json_val_t *doc = tix_col_parse(p, buf, len);
    if (doc)
        s_apply(p, doc);
    return doc != NULL;
}

static void s_done(tix_prov_t *p, CURLcode res)
{
    s_fx_t *self = p->priv;
    tix_col_http_done(p, &self->http, res, s_body);
}

/* A feed that has not delivered for stale_ms takes its currencies' rates away. */
static void s_check(tix_prov_t *p, int64_t now)
{
    (void)now; /* staleness is measured on the wall clock, like the rates' last_ok_ns */
    s_fx_t *self = p->priv;
    if (self->stale || self->last_ok_ns == 0 ||
        tix_time_wall_ns() - self->last_ok_ns <= self->stale_ms * TIX_NS_PER_MS)
        return;
    self->stale = true;
    for (int j = 0; j < self->ncodes; j++)
        if (tix_norm_set_fx(p->col->norm, self->codes[j], -1) != 0)
            tix_error("fx_feed: %s", tix_err());
    tix_warn("fx_feed: no fresh rates for %lld ms: quotes in its currencies are refused "
             "(no_fx_rate) until it delivers again", (long long)self->stale_ms);
}

static void s_release(tix_prov_t *p)
{
    s_fx_t *self = p->priv;
    tix_col_http_release(p, &self->http);
    tix_jpath_destroy(&self->rates);
    free(self->codes);
}

/* Runs wherever quotes are normalized from local sources: every role but the engine's. */
const tix_col_adapter_t tix_col_fx_feed = {
    .name = "fx_feed", .roles = TIX_COLLECT_HTTP | TIX_COLLECT_NDJSON | TIX_COLLECT_CSV,
    .timeout_ms = 10000, .gate = true, .priv_size = sizeof(s_fx_t), .configure = s_configure,
    .open = s_open, .start = s_start, .done = s_done, .check = s_check, .release = s_release,
};
