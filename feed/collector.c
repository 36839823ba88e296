/* The collector loop: provider configuration, one libcurl multi + inotify + ZeroMQ poll, health. */
#include "collector_int.h"
#include "tix_endpoint.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_schema.h"
#include "tix_time.h"
#include "tix_csv.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

const char *tix_health_name(tix_health_t h)
{
    static const char *n[] = {"UP", "DEGRADED", "DOWN"};
    return (unsigned)h < 3 ? n[h] : "?";
}

const char *tix_fault_name(tix_fault_t f)
{
    static const char *n[] = {"http_4xx", "http_5xx", "http_other", "timeout", "connect",
                              "truncated", "bad_json", "too_large", "no_quotes",
                              "stale_source", "stall", "disconnect", "bad_file",
                              "bad_message", "unknown_key"};
    return (unsigned)f < TIX_FAULT_COUNT ? n[f] : "?";
}

/* ---- configuration ---- */

typedef struct {
    const tix_config_t *cfg;
    tix_diag_t *diag;
    int errors;
} s_load_t;

static void s_fail(s_load_t *l, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_fail(s_load_t *l, const config_setting_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tix_schema_vfail(l->diag, &l->errors, l->cfg->path, s, fmt, ap);
    va_end(ap);
}

/* Plain or L-suffixed integers alike (an L one used to read as the default). */
#define s_int tix_setting_member_int

static const char *s_str(const config_setting_t *g, const char *k)
{
    const config_setting_t *s = g ? config_setting_get_member(g, k) : NULL;
    return s && config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
}

/* The preset named `name`, or NULL. */
static const config_setting_t *s_preset(const tix_config_t *cfg, const char *name)
{
    const config_setting_t *list = tix_config_lookup(cfg, "presets");
    for (int i = 0; list && i < config_setting_length(list); i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        const char *n = s_str(e, "name");
        if (n && strcmp(n, name) == 0)
            return e;
    }
    return NULL;
}

static s_kind_t s_kind_of(const char *k)
{
    return !k                                 ? S_HTTP
           : strcmp(k, "ndjson_stream") == 0 ? S_NDJSON
           : strcmp(k, "csv_file") == 0      ? S_CSV
           : strcmp(k, "zmq_ingest") == 0    ? S_ZMQ
                                             : S_HTTP;
}

static void s_defaults(tix_prov_t *p, const config_setting_t *ps)
{
    p->interval_ms = s_int(ps, "interval_ms", 60000);
    p->timeout_ms = s_int(ps, "timeout_ms", p->kind == S_NDJSON ? 3000 : 10000);
    p->connect_timeout_ms = s_int(ps, "connect_timeout_ms", 3000);
    p->stall_ms = s_int(ps, "stall_ms", 30000);
    p->backoff_ms = s_int(ps, "backoff_ms", 500);
    p->backoff_max_ms = s_int(ps, "backoff_max_ms", 60000);
    p->down_after = (int)s_int(ps, "down_after", 3);
    p->max_body = s_int(ps, "max_body_bytes", 16 << 20);
    const config_setting_t *b = config_setting_get_member(ps, "any_provider");
    p->any_provider = b && config_setting_type(b) == CONFIG_TYPE_BOOL && config_setting_get_bool(b);
    p->health = TIX_HEALTH_DOWN;
    p->wd = -1;
}

static bool s_http_url(const char *u)
{
    return u && (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0);
}

/* What each kind needs beyond the schema. */
static void s_kind_needs(s_load_t *l, const config_setting_t *ps, tix_prov_t *p, const char *where)
{
    const char *url = s_str(ps, "url");
    if ((p->kind == S_HTTP || p->kind == S_NDJSON) && !s_http_url(url))
        s_fail(l, config_setting_get_member(ps, "url") ? config_setting_get_member(ps, "url") : ps,
               "%s.url: %s needs an http:// or https:// url", where,
               p->kind == S_HTTP ? "http_poll" : "ndjson_stream");
    struct stat st;
    const config_setting_t *ss = config_setting_get_member(ps, "path");
    if (p->kind == S_CSV && !s_str(ps, "path"))
        s_fail(l, ps, "%s.path: csv_file needs a path (a file to import or a drop directory)", where);
    else if (p->kind == S_CSV && stat(s_str(ps, "path"), &st) != 0)
        s_fail(l, ss, "%s.path: %s: %s", where, s_str(ps, "path"), strerror(errno));
    char why[512];
    const config_setting_t *us = config_setting_get_member(ps, "url");
    if (p->kind == S_ZMQ && !url)
        s_fail(l, ps, "%s.url: zmq_ingest needs a ZeroMQ endpoint to bind (tcp://127.0.0.1:5599)",
               where);
    else if (p->kind == S_ZMQ && tix_endpoint_check(url, true, why, sizeof why) != 0)
        s_fail(l, us, "%s.url: %s", where, why);
    else if (p->kind == S_ZMQ && tix_zmq_source_check(p) != 0)
        s_fail(l, ps, "%s: %s", where, tix_err());
    if (p->backoff_max_ms < p->backoff_ms)
        s_fail(l, ps, "%s.backoff_max_ms: %lld is below backoff_ms %lld", where,
               (long long)p->backoff_max_ms, (long long)p->backoff_ms);
}

static int s_dup(char **dst, const char *src)
{
    *dst = NULL;
    return src && !(*dst = strdup(src)) ? -1 : 0;
}

static void s_prov_init(s_load_t *l, const config_setting_t *ps, int idx, tix_prov_t *p)
{
    char where[32];
    snprintf(where, sizeof where, "providers[%d]", idx);
    const char *name = s_str(ps, "name");
    snprintf(p->name, sizeof p->name, "%s", name ? name : "");
    p->kind = s_kind_of(s_str(ps, "kind"));
    s_defaults(p, ps);
    if (s_dup(&p->url, s_str(ps, "url")) || s_dup(&p->path, s_str(ps, "path")) ||
        s_dup(&p->curve_secret, s_str(ps, "curve_secret")) ||
        s_dup(&p->collectors_allow, s_str(ps, "collectors_allow")))
        s_fail(l, ps, "%s: out of memory", where);
    s_kind_needs(l, ps, p, where);
    const char *pre = s_str(ps, "preset");
    const config_setting_t *preset = pre ? s_preset(l->cfg, pre) : NULL;
    if (pre && !preset)
        s_fail(l, config_setting_get_member(ps, "preset"),
               "%s.preset: no preset named \"%s\" (presets are listed in `presets`)", where, pre);
    if ((p->kind == S_HTTP || p->kind == S_NDJSON) && (!pre || preset)) {
        int n = tix_extract_init(&p->x, ps, preset, l->cfg->path, where, l->diag);
        if (n > 0 && l->errors == 0)
            TIX_SET_ERR(EINVAL, "%s", tix_diag_get(l->diag, tix_diag_count(l->diag) - (size_t)n));
        l->errors += n;
    }
}

/* The FX feed as a pseudo-provider named "fx_feed". */
static void s_fx_init(s_load_t *l, const config_setting_t *fs, tix_prov_t *p)
{
    snprintf(p->name, sizeof p->name, "fx_feed");
    p->kind = S_FX;
    s_defaults(p, fs);
    p->fx_stale_ms = s_int(fs, "stale_ms", 3 * p->interval_ms);
    if (s_dup(&p->url, s_str(fs, "url")))
        s_fail(l, fs, "fx_feed: out of memory");
    if (!s_http_url(p->url))
        s_fail(l, fs, "fx_feed.url: needs an http:// or https:// url");
    const char *rates = s_str(fs, "rates");
    if (rates && !(p->fx_rates = tix_jpath_new(rates)))
        s_fail(l, config_setting_get_member(fs, "rates"), "fx_feed.rates: %s", tix_err());
    const config_setting_t *cs = config_setting_get_member(fs, "currencies");
    int n = cs ? config_setting_length(cs) : 0;
    p->fx_codes = calloc((size_t)n + 1, sizeof *p->fx_codes);
    for (int i = 0; p->fx_codes && i < n; i++) {
        const char *code = config_setting_get_string_elem(cs, i);
        if (!code || strlen(code) != 3 || !isupper((unsigned char)code[0]) ||
            !isupper((unsigned char)code[1]) || !isupper((unsigned char)code[2])) {
            s_fail(l, cs, "fx_feed.currencies[%d]: must be a 3-letter ISO 4217 code in capitals", i);
            continue;
        }
        snprintf(p->fx_codes[p->nfx_codes++], TIX_CCY_MAX, "%s", code);
    }
}

void tix_prov_release(tix_prov_t *p)
{
    tix_extract_fini(&p->x);
    tix_jpath_destroy(&p->fx_rates);
    free(p->fx_codes);
    free(p->url);
    free(p->path);
    free(p->body);
    free(p->last_body);
    free(p->vols);
    if (p->easy) {
        if (p->busy && p->col)
            curl_multi_remove_handle(p->col->multi, p->easy);
        curl_easy_cleanup(p->easy);
    }
    curl_slist_free_all(p->hdrs);
    tix_zmq_source_release(p);
    free(p->curve_secret);
    free(p->collectors_allow);
    memset(p, 0, sizeof *p);
}

/* Reads every provider (and the fx feed) into a new array; problems go to `l`. */
static tix_prov_t *s_load(s_load_t *l, unsigned kinds, bool enabled_only, int *np)
{
    const config_setting_t *list = tix_config_lookup(l->cfg, "providers");
    const config_setting_t *fx = tix_config_lookup(l->cfg, "fx_feed");
    int n = list && config_setting_type(list) == CONFIG_TYPE_LIST ? config_setting_length(list) : 0;
    tix_prov_t *ps = calloc((size_t)n + 2, sizeof *ps);
    *np = 0;
    if (!ps) {
        s_fail(l, config_root_setting(&l->cfg->lc), "providers: out of memory");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        const config_setting_t *en = config_setting_get_member(e, "enabled");
        bool enabled = !en || config_setting_type(en) != CONFIG_TYPE_BOOL || config_setting_get_bool(en);
        tix_prov_t *p = &ps[*np];
        s_prov_init(l, e, i, p);
        for (int j = 0; j < *np; j++)
            if (strcmp(ps[j].name, p->name) == 0)
                s_fail(l, e, "providers[%d].name: duplicate provider name \"%s\"", i, p->name);
        unsigned bit = 1u << p->kind;
        if ((enabled_only && !enabled) || !(kinds & bit))
            tix_prov_release(p);
        else
            (*np)++;
    }
    if (fx && config_setting_type(fx) == CONFIG_TYPE_GROUP) {
        s_fx_init(l, fx, &ps[*np]);
        if (kinds & (TIX_COLLECT_HTTP | TIX_COLLECT_NDJSON | TIX_COLLECT_CSV))
            (*np)++;
        else
            tix_prov_release(&ps[*np]);
    }
    return ps;
}

static void s_free_all(tix_prov_t *ps, int np)
{
    for (int i = 0; ps && i < np; i++)
        tix_prov_release(&ps[i]);
    free(ps);
}

int tix_collector_check(const tix_config_t *cfg, tix_diag_t *diag)
{
    s_load_t l = {cfg, diag, 0};
    int np;
    tix_prov_t *ps = s_load(&l, TIX_COLLECT_ALL, false, &np);
    s_free_all(ps, np);
    return l.errors;
}

/* ---- the emit path and health ---- */

int64_t tix_col_stamp(struct tix_collector_s *c)
{
    int64_t now = tix_time_wall_ns();
    if (now < c->last_stamp)
        now = c->last_stamp; /* a wall clock stepping back must not reorder quotes */
    c->last_stamp = now;
    return now;
}

void tix_col_count_refusal(tix_prov_t *p, const tix_norm_error_t *err)
{
    p->st.refused[err->reason]++;
    tix_log_limited(&p->lim_reason[err->reason], TIX_LOG_WARN, "provider %s: %s: %s", p->name,
                    tix_reason_name(err->reason), err->detail);
}

/* recv_ns within max_clock_skew_ms of this host's clock (the engine's, where one runs), or
 * the input is refused bad_time and re-stamped now: a time claimed by a remote collector,
 * however far off, then moves neither the journal's nor the archive's day. The claimed time
 * is kept in the (rate-limited) log line only. */
static bool s_time_ok(tix_prov_t *p, tix_raw_quote_t *raw, tix_norm_error_t *err)
{
    struct tix_collector_s *c = p->col;
    int64_t now = tix_time_wall_ns();
    if (raw->recv_ns <= now + c->skew_ns && raw->recv_ns >= now - c->skew_ns)
        return true;
    *err = (tix_norm_error_t){TIX_REASON_BAD_TIME, "recv_ns", ""};
    snprintf(err->detail, sizeof err->detail,
             "%.24s/%.24s: recv_ns %lld is %s the clock by over max_clock_skew_ms %lld",
             raw->provider ? raw->provider : "",
             raw->model ? raw->model : "", (long long)raw->recv_ns,
             raw->recv_ns > now ? "ahead of" : "behind", (long long)(c->skew_ns / TIX_NS_PER_MS));
    raw->recv_ns = tix_col_stamp(c);
    return false;
}

/* A refusal is data too (which provider sent what, and why it did not count). Its time is
 * checked first, like an accepted quote's. */
void tix_col_refuse(tix_prov_t *p, const tix_raw_quote_t *raw, const tix_norm_error_t *err)
{
    struct tix_collector_s *c = p->col;
    tix_raw_quote_t r = *raw;
    tix_norm_error_t bad_time;
    if (!s_time_ok(p, &r, &bad_time))
        err = &bad_time;
    tix_col_count_refusal(p, err);
    if (c->sink.on_refused)
        c->sink.on_refused(c->sink.arg, &r, err);
}

bool tix_col_emit(tix_prov_t *p, const tix_raw_quote_t *raw)
{
    struct tix_collector_s *c = p->col;
    tix_quote_t q;
    tix_norm_error_t err;
    tix_raw_quote_t r = *raw;
    if (!s_time_ok(p, &r, &err)) {
        tix_col_refuse(p, &r, &err);
        return false;
    }
    if (c->sink.on_raw)
        c->sink.on_raw(c->sink.arg, raw);
    if (tix_norm_quote(c->norm, raw, &q, &err) != 0) {
        if (err.reason == TIX_REASON_NONE) {
            tix_error("provider %s: %s", p->name, tix_err());
            return false;
        }
        tix_col_refuse(p, raw, &err);
        return false;
    }
    p->st.accepted++;
    if (c->sink.on_quote)
        c->sink.on_quote(c->sink.arg, raw, &q);
    return true;
}

void tix_col_fault(tix_prov_t *p, tix_fault_t f, const char *fmt, ...)
{
    p->st.faults[f]++;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tix_log_limited(&p->lim_fault[f], TIX_LOG_WARN, "provider %s: %s: %s", p->name,
                    tix_fault_name(f), msg);
}

/* xorshift64*: jitter only, seeded from the clock and pid; never on the price path. */
static uint64_t s_rand(struct tix_collector_s *c)
{
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    return c->rng * UINT64_C(2685821657736338717);
}

static uint64_t s_refused_total(const tix_provider_stats_t *st)
{
    uint64_t n = 0;
    for (int r = 1; r < TIX_REASON_COUNT; r++)
        n += st->refused[r];
    return n;
}

void tix_col_attempt_done(tix_prov_t *p, bool ok)
{
    tix_health_t before = p->health;
    int64_t now = tix_time_mono_ns();
    uint64_t refused = s_refused_total(&p->st);
    /* UP means quotes were delivered (docs/operations.md): a cycle whose every quote was
     * refused reached the provider but delivered nothing usable. */
    bool none_usable = p->st.accepted == p->mark_accepted && refused > p->mark_refused;
    p->mark_accepted = p->st.accepted;
    p->mark_refused = refused;
    p->done_once = true;
    if (ok && none_usable) {
        p->fails = 0; /* reachable: poll at the normal interval, no backoff */
        p->health = TIX_HEALTH_DEGRADED;
        p->next_due = now + p->interval_ms * TIX_NS_PER_MS;
    } else if (ok) {
        p->st.successes++;
        p->fails = 0;
        p->health = TIX_HEALTH_UP;
        p->next_due = now + p->interval_ms * TIX_NS_PER_MS;
    } else {
        p->fails++;
        p->health = p->fails >= p->down_after ? TIX_HEALTH_DOWN : TIX_HEALTH_DEGRADED;
        /* Exponential backoff with "equal jitter": a random delay in [d/2, d]. */
        int64_t d = p->backoff_ms;
        for (int i = 1; i < p->fails && d < p->backoff_max_ms; i++)
            d *= 2;
        if (d > p->backoff_max_ms)
            d = p->backoff_max_ms;
        int64_t j = d / 2 + (int64_t)(s_rand(p->col) % (uint64_t)(d / 2 + 1));
        p->next_due = now + j * TIX_NS_PER_MS;
    }
    if (p->health != before)
        tix_info("provider %s: health %s -> %s", p->name, tix_health_name(before),
                 tix_health_name(p->health));
}

const tix_json_val_t *tix_col_parse(tix_prov_t *p, const char *buf, size_t len)
{
    tix_json_t *j = p->col->json;
    const tix_json_val_t *doc = tix_json_parse(j, buf, len);
    if (doc)
        return doc;
    tix_json_status_t st = tix_json_status(j);
    if (st == TIX_JSON_TRUNCATED)
        tix_col_fault(p, TIX_FAULT_TRUNCATED, "JSON ends early after %zu bytes (%s)", len, tix_json_error(j));
    else if (st == TIX_JSON_NOMEM)
        tix_col_fault(p, TIX_FAULT_TOO_LARGE, "%s", tix_json_error(j));
    else
        tix_col_fault(p, TIX_FAULT_BAD_JSON, "not JSON at byte %zu: %s", tix_json_error_at(j), tix_json_error(j));
    return NULL;
}

typedef struct {
    tix_prov_t *p;
    const tix_json_val_t *root;
    int64_t recv_ns;
    int elems, quotes, stale;
} s_doc_t;

static int s_one_elem(void *arg, const tix_json_val_t *elem)
{
    s_doc_t *d = arg;
    tix_xquote_t xq;
    tix_norm_error_t err;
    d->elems++;
    switch (tix_extract_elem(&d->p->x, d->root, elem, d->p->name, d->recv_ns, &xq, &err)) {
    case TIX_X_QUOTE:
        d->quotes++;
        tix_col_emit(d->p, &xq.raw);
        break;
    case TIX_X_REFUSED: tix_col_refuse(d->p, &xq.raw, &err); break;
    case TIX_X_STALE:
        d->stale++;
        d->p->st.stale_quotes++;
        break;
    case TIX_X_TRADE: d->p->st.trades++; break;
    case TIX_X_IGNORED: d->p->st.ignored++; break;
    }
    return 0;
}

int tix_col_extract_doc(tix_prov_t *p, const tix_json_val_t *doc, int64_t recv_ns, int *nstale)
{
    s_doc_t d = {p, doc, recv_ns, 0, 0, 0};
    tix_extract_each(&p->x, doc, s_one_elem, &d);
    *nstale = d.stale;
    if (d.elems == 0) {
        tix_col_fault(p, TIX_FAULT_NO_QUOTES, "list path '%s' reached no element",
                      p->x.list ? tix_jpath_text(p->x.list) : "(document)");
        return -1;
    }
    return d.quotes + d.stale;
}

CURL *tix_col_easy(tix_prov_t *p)
{
    CURL *e = p->easy ? p->easy : curl_easy_init();
    if (!e)
        return NULL;
    p->easy = e;
    curl_easy_reset(e);
    if (curl_easy_setopt(e, CURLOPT_URL, p->url) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)p->connect_timeout_ms) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK || /* gzip, deflate, ... */
        curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)p) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_USERAGENT, "tix-collector/0.1") != CURLE_OK)
        return NULL;
    return e;
}

tix_fault_t tix_col_curl_fault(CURLcode res, long status)
{
    switch (res) {
    case CURLE_HTTP_RETURNED_ERROR:
        return status >= 500 && status < 600   ? TIX_FAULT_HTTP_5XX
               : status >= 400 && status < 500 ? TIX_FAULT_HTTP_4XX
                                               : TIX_FAULT_HTTP_OTHER;
    case CURLE_OPERATION_TIMEDOUT: return TIX_FAULT_TIMEOUT;
    case CURLE_PARTIAL_FILE: return TIX_FAULT_TRUNCATED;
    case CURLE_WRITE_ERROR: return TIX_FAULT_TOO_LARGE;
    case CURLE_BAD_CONTENT_ENCODING: return TIX_FAULT_BAD_JSON;
    default: return TIX_FAULT_CONNECT;
    }
}

/* ---- the collector ---- */

static int s_start(tix_prov_t *p)
{
    switch (p->kind) {
    case S_HTTP:
    case S_FX: return tix_http_start(p);
    case S_NDJSON: return tix_stream_start(p);
    case S_CSV: return tix_csv_source_start(p);
    case S_ZMQ: return tix_zmq_source_start(p);
    }
    return -1;
}

tix_collector_t *tix_collector_new(const tix_config_t *cfg, tix_norm_t *norm, unsigned kinds,
                                   bool once, const tix_collector_sink_t *sink, tix_diag_t *diag)
{
    tix_collector_t *self = calloc(1, sizeof *self);
    if (!self) {
        TIX_SET_ERR(ENOMEM, "out of memory for the collector");
        return NULL;
    }
    self->cfg = cfg;
    self->norm = norm;
    self->once = once;
    self->ino_fd = -1;
    self->skew_ns = s_int(tix_config_lookup(cfg, "engine"), "max_clock_skew_ms", 5000) * TIX_NS_PER_MS;
    if (sink)
        self->sink = *sink;
    self->rng = (uint64_t)tix_time_mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15u;
    s_load_t l = {cfg, diag, 0};
    self->p = s_load(&l, kinds, true, &self->np);
    if (!self->p || l.errors > 0)
        goto fail;
    self->multi = curl_multi_init();
    self->json = tix_json_new();
    if (!self->multi || !self->json) {
        TIX_SET_ERR(ENOMEM, "cannot create the curl multi handle or the JSON parser");
        goto fail;
    }
    int64_t now = tix_time_mono_ns();
    for (int i = 0; i < self->np; i++) {
        self->p[i].col = self;
        self->p[i].next_due = now;
        if (self->p[i].kind == S_FX)
            for (int j = 0; j < self->p[i].nfx_codes; j++)
                if (tix_norm_set_fx(norm, self->p[i].fx_codes[j], -1) != 0)
                    goto fail;
        if ((self->p[i].kind == S_CSV || self->p[i].kind == S_ZMQ) && s_start(&self->p[i]) != 0) {
            tix_diag_add(diag, "provider %s: %s", self->p[i].name, tix_err());
            goto fail;
        }
    }
    return self;
fail:
    tix_collector_destroy(&self);
    return NULL;
}

void tix_collector_destroy(tix_collector_t **self_p)
{
    assert(self_p);
    tix_collector_t *self = *self_p;
    if (!self)
        return;
    s_free_all(self->p, self->np);
    if (self->multi)
        curl_multi_cleanup(self->multi);
    tix_json_destroy(&self->json);
    if (self->ino_fd >= 0)
        close(self->ino_fd);
    free(self);
    *self_p = NULL;
}

/* An FX feed that has not delivered for stale_ms takes its currencies' rates away. */
static void s_fx_watch(tix_prov_t *p)
{
    if (p->fx_stale || p->fx_last_ok_ns == 0 ||
        tix_time_wall_ns() - p->fx_last_ok_ns <= p->fx_stale_ms * TIX_NS_PER_MS)
        return;
    p->fx_stale = true;
    for (int j = 0; j < p->nfx_codes; j++)
        if (tix_norm_set_fx(p->col->norm, p->fx_codes[j], -1) != 0)
            tix_error("fx_feed: %s", tix_err());
    tix_warn("fx_feed: no fresh rates for %lld ms: quotes in its currencies are refused "
             "(no_fx_rate) until it delivers again", (long long)p->fx_stale_ms);
}

/* Starts every due transfer; returns the earliest future due time. */
static int64_t s_run_due(tix_collector_t *self, int64_t now)
{
    int64_t next = now + 100 * TIX_NS_PER_MS;
    /* Until the FX feed's first answer, quotes in its currencies could only be refused. */
    bool fx_pending = false;
    for (int i = 0; i < self->np; i++)
        if (self->p[i].kind == S_FX && !self->p[i].done_once)
            fx_pending = true;
    for (int i = 0; i < self->np; i++) {
        tix_prov_t *p = &self->p[i];
        if (p->kind == S_FX)
            s_fx_watch(p);
        if (p->kind == S_NDJSON)
            tix_stream_check(p, now);
        bool pollable = p->kind == S_HTTP || p->kind == S_FX || p->kind == S_NDJSON;
        if (!pollable || p->busy || (self->once && p->done_once) || (fx_pending && p->kind != S_FX))
            continue;
        if (p->next_due <= now) {
            if (s_start(p) != 0) {
                tix_col_fault(p, TIX_FAULT_CONNECT, "cannot start a transfer: %s", tix_err());
                tix_col_attempt_done(p, false);
            }
        }
        if (!p->busy && p->next_due < next)
            next = p->next_due;
    }
    return next;
}

static void s_finished(tix_collector_t *self)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(self->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        tix_prov_t *p = (tix_prov_t *)(void *)priv;
        CURLcode res = m->data.result;
        if (!p)
            continue;
        curl_multi_remove_handle(self->multi, m->easy_handle);
        p->busy = false;
        if (p->kind == S_NDJSON)
            tix_stream_done(p, res);
        else
            tix_http_done(p, res);
    }
}

int tix_collector_step(tix_collector_t *self, int64_t timeout_ms)
{
    int64_t now = tix_time_mono_ns();
    int64_t next = s_run_due(self, now);
    int running;
    if (curl_multi_perform(self->multi, &running) != CURLM_OK) {
        TIX_SET_ERR(EIO, "curl_multi_perform failed");
        return -1;
    }
    s_finished(self);
    int64_t wait = (next - tix_time_mono_ns()) / TIX_NS_PER_MS;
    if (wait > timeout_ms)
        wait = timeout_ms;
    if (wait < 0)
        wait = 0;
    struct curl_waitfd extra[2];
    unsigned nextra = 0;
    if (self->ino_fd >= 0)
        extra[nextra++] = (struct curl_waitfd){self->ino_fd, CURL_WAIT_POLLIN, 0};
    for (int i = 0; i < self->np && nextra < 2; i++)
        if (self->p[i].zsock) {
            int fd;
            size_t sz = sizeof fd;
            if (zmq_getsockopt(self->p[i].zsock, ZMQ_FD, &fd, &sz) == 0)
                extra[nextra++] = (struct curl_waitfd){fd, CURL_WAIT_POLLIN, 0};
            if (wait > 20)
                wait = 20; /* ZMQ_FD is edge-triggered: drain often */
        }
    if (curl_multi_poll(self->multi, extra, nextra, (int)wait, NULL) != CURLM_OK) {
        TIX_SET_ERR(EIO, "curl_multi_poll failed");
        return -1;
    }
    if (curl_multi_perform(self->multi, &running) != CURLM_OK) {
        TIX_SET_ERR(EIO, "curl_multi_perform failed");
        return -1;
    }
    s_finished(self);
    if (self->ino_fd >= 0)
        tix_csv_source_events(self);
    for (int i = 0; i < self->np; i++)
        if (self->p[i].zsock)
            tix_zmq_source_drain(&self->p[i]);
    return 0;
}

bool tix_collector_done(const tix_collector_t *self)
{
    for (int i = 0; i < self->np; i++)
        if (!self->p[i].done_once || self->p[i].busy)
            return false;
    return true;
}

int tix_collector_count(const tix_collector_t *self) { return self->np; }

int tix_collector_find(const tix_collector_t *self, const char *name)
{
    for (int i = 0; i < self->np; i++)
        if (strcmp(self->p[i].name, name) == 0)
            return i;
    return -1;
}

const char *tix_collector_name(const tix_collector_t *self, int i) { return self->p[i].name; }
tix_health_t tix_collector_health(const tix_collector_t *self, int i) { return self->p[i].health; }
const tix_provider_stats_t *tix_collector_stats(const tix_collector_t *self, int i)
{
    return &self->p[i].st;
}

void tix_collector_set_stats(tix_collector_t *self, int i, const tix_provider_stats_t *st)
{
    tix_prov_t *p = &self->p[i];
    p->st = *st;
    p->mark_accepted = st->accepted; /* the next health evaluation counts from here */
    p->mark_refused = s_refused_total(st);
}

void tix_collector_summary(const tix_collector_t *self, FILE *f)
{
    for (int i = 0; i < self->np; i++) {
        const tix_prov_t *p = &self->p[i];
        const tix_provider_stats_t *s = &p->st;
        uint64_t refused = s_refused_total(s);
        fprintf(f, "provider %s: %s, %llu attempts, %llu ok, %llu accepted, %llu refused", p->name,
                tix_health_name(p->health), (unsigned long long)s->attempts,
                (unsigned long long)s->successes, (unsigned long long)s->accepted,
                (unsigned long long)refused);
        for (int r = 1; r < TIX_REASON_COUNT; r++)
            if (s->refused[r])
                fprintf(f, ", %s %llu", tix_reason_name((tix_reason_t)r),
                        (unsigned long long)s->refused[r]);
        for (int k = 0; k < TIX_FAULT_COUNT; k++)
            if (s->faults[k])
                fprintf(f, ", %s %llu", tix_fault_name((tix_fault_t)k),
                        (unsigned long long)s->faults[k]);
        if (s->not_modified)
            fprintf(f, ", not_modified %llu", (unsigned long long)s->not_modified);
        if (s->stale_quotes)
            fprintf(f, ", stale_quotes %llu", (unsigned long long)s->stale_quotes);
        if (s->trades)
            fprintf(f, ", trades %llu", (unsigned long long)s->trades);
        fprintf(f, ", http %ld, latency %.1f ms\n", s->last_status,
                (double)s->last_latency_ns / 1e6);
    }
}

void tix_collector_write_row(FILE *f, const tix_raw_quote_t *r)
{
    fprintf(f, "%lld,", (long long)r->recv_ns);
    const char *fields[] = {r->provider, r->model, r->unit, r->currency, r->input,
                            r->output, r->cached, r->volume};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        tix_csv_put_field(f, fields[i]);
        fputc(i + 1 < sizeof fields / sizeof fields[0] ? ',' : '\n', f);
    }
}
