/* Schema-driven extraction of standard-token quotes from a provider's JSON (METHODOLOGY-v1 §2). */
#include "tix_extract.h"
#include "tix_err.h"
#include "tix_schema.h"
#include "tix_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ROOT_SLOTS 16 /* more than the paths of one spec */

/* Values of '$' paths in the document being extracted: the same for every element, and a
 * price list may hold thousands of elements under a root with many members. Emptied at the
 * start of each document (tix_extract_each); unused outside one. */
typedef struct {
    const tix_jpath_t *path;
    const tix_json_val_t *v;
} s_root_t;

struct tix_xroots_s {
    bool active;
    size_t n;
    s_root_t slot[S_ROOT_SLOTS];
};

/* ---- configuration ---- */

typedef struct {
    const config_setting_t *prov, *preset;
    const char *file, *where;
    tix_diag_t *diag;
    int errors;
} s_cfg_t;

/* The provider's own setting `name` if it has one, else the preset's. */
static const config_setting_t *s_key(const s_cfg_t *c, const char *name)
{
    const config_setting_t *s = config_setting_get_member(c->prov, name);
    if (!s && c->preset)
        s = config_setting_get_member(c->preset, name);
    return s;
}

static const char *s_keystr(const s_cfg_t *c, const char *name)
{
    const config_setting_t *s = s_key(c, name);
    return s && config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
}

static void s_cfail(s_cfg_t *c, const config_setting_t *s, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_cfail(s_cfg_t *c, const config_setting_t *s, const char *key, const char *fmt, ...)
{
    char where[512], msg[512];
    tix_schema_where(s, c->file, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tix_diag_add(c->diag, "%s: %s.%s: %s", where, c->where, key, msg);
    c->errors++;
}

/* Compiles the path at `key` of `grp` (or of provider/preset when grp is NULL). */
static tix_jpath_t *s_path(s_cfg_t *c, const config_setting_t *grp, const char *key)
{
    const config_setting_t *s = grp ? config_setting_get_member(grp, key) : s_key(c, key);
    if (!s || config_setting_type(s) != CONFIG_TYPE_STRING)
        return NULL;
    tix_jpath_t *p = tix_jpath_new(config_setting_get_string(s));
    if (!p)
        s_cfail(c, s, key, "%s", tix_err());
    return p;
}

static void s_text_key(s_cfg_t *c, const char *key, char *buf, size_t len)
{
    const char *v = s_keystr(c, key);
    snprintf(buf, len, "%s", v ? v : "");
}

static void s_init_timed(s_cfg_t *c, tix_extract_t *x)
{
    const config_setting_t *t = s_key(c, "timed");
    if (!t || config_setting_type(t) != CONFIG_TYPE_GROUP)
        return;
    x->t_start = s_path(c, t, "start");
    x->t_end = s_path(c, t, "end");
    x->t_input = s_path(c, t, "input");
    x->t_output = s_path(c, t, "output");
    x->t_cached = s_path(c, t, "cached_input");
}

int tix_extract_init(tix_extract_t *x, const config_setting_t *prov,
                     const config_setting_t *preset, const char *file, const char *where,
                     tix_diag_t *diag)
{
    memset(x, 0, sizeof *x);
    s_cfg_t c = {prov, preset, file, where, diag, 0};
    /* Without it '$' paths are simply evaluated for every element. */
    x->roots = calloc(1, sizeof *x->roots);
    x->list = s_path(&c, NULL, "list");
    x->model = s_path(&c, NULL, "model");
    x->currency_path = s_path(&c, NULL, "currency_path");
    x->input = s_path(&c, NULL, "input");
    x->output = s_path(&c, NULL, "output");
    x->cached = s_path(&c, NULL, "cached_input");
    x->discount = s_path(&c, NULL, "discount");
    x->volume = s_path(&c, NULL, "volume");
    x->timestamp = s_path(&c, NULL, "timestamp");
    x->type_path = s_path(&c, NULL, "type_path");
    s_init_timed(&c, x);
    s_text_key(&c, "currency", x->currency, sizeof x->currency);
    s_text_key(&c, "variable", x->variable, sizeof x->variable);
    s_text_key(&c, "quote_type", x->quote_type, sizeof x->quote_type);
    s_text_key(&c, "trade_type", x->trade_type, sizeof x->trade_type);
    const char *unit = s_keystr(&c, "unit");
    if (!unit || tix_unit_parse(unit, &x->unit) != 0)
        x->unit = TIX_UNIT_TOKEN; /* reported below, or by the schema pass */
    const char *tsu = s_keystr(&c, "timestamp_unit");
    x->ts_unit = !tsu ? TIX_TS_S
                 : strcmp(tsu, "ms") == 0 ? TIX_TS_MS
                 : strcmp(tsu, "ns") == 0 ? TIX_TS_NS
                 : strcmp(tsu, "iso") == 0 ? TIX_TS_ISO
                                           : TIX_TS_S;
    const config_setting_t *s = s_key(&c, "max_age_ms");
    x->max_age_ms = 0; /* off unless set: `3600000L` counts as much as `3600000` */
    (void)tix_setting_int(s, &x->max_age_ms);
    s = s_key(&c, "volume_window_ms");
    x->volume_window_ms = 60000;
    (void)tix_setting_int(s, &x->volume_window_ms);
    /* What every spec needs, named where the operator would add it. */
    if (!s_key(&c, "model"))
        s_cfail(&c, prov, "model", "no JSON path for the model id (set it or use a preset)");
    if (!unit)
        s_cfail(&c, prov, "unit", "no unit (\"token\", \"1k\" or \"1m\"; set it or use a preset)");
    if (!x->currency[0] && !s_key(&c, "currency_path"))
        s_cfail(&c, prov, "currency", "no currency: set a fixed one or currency_path");
    if (!s_key(&c, "input") && !s_key(&c, "output"))
        s_cfail(&c, prov, "input", "no price paths: set input and/or output");
    if (s_key(&c, "max_age_ms") && !s_key(&c, "timestamp"))
        s_cfail(&c, s_key(&c, "max_age_ms"), "max_age_ms", "needs a timestamp path");
    if (s_key(&c, "trade_type") && !s_key(&c, "type_path"))
        s_cfail(&c, s_key(&c, "trade_type"), "trade_type", "needs type_path");
    return c.errors;
}

void tix_extract_fini(tix_extract_t *x)
{
    tix_jpath_t **all[] = {&x->list,    &x->model,    &x->currency_path, &x->input,
                           &x->output,  &x->cached,   &x->discount,      &x->volume,
                           &x->timestamp, &x->type_path, &x->t_start,    &x->t_end,
                           &x->t_input, &x->t_output, &x->t_cached};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        tix_jpath_destroy(all[i]);
    free(x->roots);
    x->roots = NULL;
}

/* ---- extraction ---- */

static const tix_json_val_t *s_get(const tix_extract_t *x, const tix_jpath_t *p,
                                   const tix_json_val_t *root, const tix_json_val_t *elem)
{
    struct tix_xroots_s *c = x->roots;
    if (!c || !c->active || !tix_jpath_from_root(p))
        return tix_jpath_get(p, root, elem);
    for (size_t i = 0; i < c->n; i++)
        if (c->slot[i].path == p)
            return c->slot[i].v;
    const tix_json_val_t *v = tix_jpath_get(p, root, elem);
    if (c->n < S_ROOT_SLOTS)
        c->slot[c->n++] = (s_root_t){p, v};
    return v;
}

static tix_x_result_t s_refuse(tix_norm_error_t *err, tix_reason_t r, const char *field,
                               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static tix_x_result_t s_refuse(tix_norm_error_t *err, tix_reason_t r, const char *field,
                               const char *fmt, ...)
{
    err->reason = r;
    err->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    return TIX_X_REFUSED;
}

/* Scalar text at `p` into buf; 0 absent (no path, no value or null), 1 present, -1 refused. */
static int s_scalar(const tix_extract_t *x, const tix_jpath_t *p, const tix_json_val_t *root,
                    const tix_json_val_t *elem,
                    const char *field, char *buf, size_t cap, tix_norm_error_t *err)
{
    buf[0] = '\0';
    if (!p)
        return 0;
    const tix_json_val_t *v = s_get(x, p, root, elem);
    if (!v || v->type == TIX_JSON_NULL)
        return 0;
    switch (tix_json_cstr(v, buf, cap)) {
    case TIX_JSON_NOT_TEXT:
        s_refuse(err, TIX_REASON_BAD_NUMBER, field, "%s (%s): expected a number or a string, got %s",
                 field, tix_jpath_text(p), tix_json_type_word(v));
        return -1;
    case TIX_JSON_TOO_LONG:
        s_refuse(err, TIX_REASON_BAD_NUMBER, field, "%s (%s): text of %u bytes is too long: '%.*s...'",
                 field, tix_jpath_text(p), v->len, (int)(v->len < 40 ? v->len : 40), v->text);
        return -1;
    case TIX_JSON_HAS_NUL:
        s_refuse(err, TIX_REASON_BAD_NUMBER, field, "%s (%s): text holds a NUL character (\\u0000)",
                 field, tix_jpath_text(p));
        return -1;
    default: return 1;
    }
}

/* "HH:MM" → ms after midnight UTC, or -1. */
static int64_t s_hhmm(const char *t)
{
    if (strlen(t) != 5 || t[2] != ':' || strspn(t, "0123456789:") != 5)
        return -1;
    int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
    return h > 23 || m > 59 ? -1 : ((int64_t)h * 60 + m) * 60000;
}

/* Whether the timed prices are in force at recv_ns: [start, end) UTC, wrapping midnight.
 * 1 yes, 0 no, -1 refused (malformed window). */
static int s_timed_now(const tix_extract_t *x, const tix_json_val_t *root, const tix_json_val_t *elem,
                       int64_t recv_ns, tix_norm_error_t *err)
{
    char a[16], b[16];
    if (!x->t_start || !x->t_end)
        return 0;
    int ra = s_scalar(x, x->t_start, root, elem, "timed.start", a, sizeof a, err);
    int rb = s_scalar(x, x->t_end, root, elem, "timed.end", b, sizeof b, err);
    if (ra < 0 || rb < 0)
        return -1;
    if (ra == 0 || rb == 0)
        return 0; /* no window published: the regular price is in force */
    int64_t s = s_hhmm(a), e = s_hhmm(b);
    if (s < 0 || e < 0) {
        s_refuse(err, TIX_REASON_BAD_NUMBER, "timed", "timed: window '%s'-'%s' is not HH:MM UTC", a, b);
        return -1;
    }
    int64_t tod = (recv_ns / TIX_NS_PER_MS) % TIX_MS_PER_DAY;
    return s <= e ? (tod >= s && tod < e) : (tod >= s || tod < e);
}

tix_price_t tix_extract_discount(tix_price_t local, int64_t d_e9)
{
    return (tix_price_t)tix_round_div((__int128)local * (TIX_PRICE_SCALE - d_e9), TIX_PRICE_SCALE);
}

/* Replaces a price text by its discounted value, in the same unit (exact decimal). A text
 * that does not parse is left for normalization to refuse with its precise reason. */
static void s_apply_discount(char *text, tix_unit_t unit, int64_t d_e9)
{
    tix_price_t local;
    if (!text[0] || tix_price_parse(text, unit, &local) != TIX_PRICE_OK)
        return;
    int dec = unit == TIX_UNIT_TOKEN ? 15 : unit == TIX_UNIT_1K ? 12 : 9;
    tix_decimal_format(tix_extract_discount(local, d_e9), dec, text, TIX_X_TEXT_MAX);
}

static int s_discount(const tix_extract_t *x, const tix_json_val_t *root, const tix_json_val_t *elem,
                      int64_t *d_e9, tix_norm_error_t *err)
{
    char t[TIX_X_TEXT_MAX];
    *d_e9 = 0;
    int r = s_scalar(x, x->discount, root, elem, "discount", t, sizeof t, err);
    if (r <= 0)
        return r;
    tix_price_status_t st = tix_decimal9_parse(t, d_e9);
    if (st == TIX_PRICE_NEGATIVE || (st == TIX_PRICE_OK && *d_e9 < 0)) {
        s_refuse(err, TIX_REASON_NEGATIVE, "discount", "discount: negative: '%s'", t);
        return -1;
    }
    if (st != TIX_PRICE_OK || *d_e9 > TIX_PRICE_SCALE) {
        s_refuse(err, TIX_REASON_BAD_NUMBER, "discount",
                 "discount: '%s' is not a fraction from 0 to 1 with at most 9 decimals", t);
        return -1;
    }
    return 1;
}

/* The source's own timestamp in ns, or -1 when it gives none; -2 refused. */
static int64_t s_timestamp(const tix_extract_t *x, const tix_json_val_t *root, const tix_json_val_t *elem,
                           tix_norm_error_t *err)
{
    char t[TIX_X_TEXT_MAX];
    int r = s_scalar(x, x->timestamp, root, elem, "timestamp", t, sizeof t, err);
    if (r <= 0)
        return r < 0 ? -2 : -1;
    int64_t ns = -1;
    char *end = NULL;
    tix_price_t v;
    if (x->ts_unit == TIX_TS_ISO) {
        if (tix_time_parse_iso(t, &ns) != 0)
            ns = -1;
    } else if (x->ts_unit == TIX_TS_S) {
        if (tix_price_parse(t, TIX_UNIT_1M, &v) == TIX_PRICE_OK)
            ns = v; /* seconds × 10^9, exact, fractions allowed */
    } else {
        long long n = strtoll(t, &end, 10);
        bool ms = x->ts_unit == TIX_TS_MS;
        if (end && !*end && n >= 0 && (!ms || n <= INT64_MAX / TIX_NS_PER_MS))
            ns = ms ? n * TIX_NS_PER_MS : n;
    }
    if (ns < 0) {
        s_refuse(err, TIX_REASON_BAD_NUMBER, "timestamp", "timestamp (%s): '%s' is not a time",
                 tix_jpath_text(x->timestamp), t);
        return -2;
    }
    return ns;
}

/* Input, output and cached prices: the timed ones when in force, else the regular ones. */
static int s_prices(const tix_extract_t *x, const tix_json_val_t *root, const tix_json_val_t *elem, int timed,
                    tix_xquote_t *o, tix_norm_error_t *err)
{
    const tix_jpath_t *pi = timed && x->t_input ? x->t_input : x->input;
    const tix_jpath_t *po = timed && x->t_output ? x->t_output : x->output;
    const tix_jpath_t *pc = timed && x->t_cached ? x->t_cached : x->cached;
    int ri = s_scalar(x, pi, root, elem, "input", o->input, sizeof o->input, err);
    if (ri < 0)
        return -1;
    int ro = s_scalar(x, po, root, elem, "output", o->output, sizeof o->output, err);
    if (ro < 0)
        return -1;
    int rc = s_scalar(x, pc, root, elem, "cached_input", o->cached, sizeof o->cached, err);
    if (rc < 0)
        return -1;
    const char *names[3] = {"input", "output", "cached_input"};
    char *texts[3] = {o->input, o->output, o->cached};
    for (int i = 0; i < 3; i++)
        if (x->variable[0] && strcmp(texts[i], x->variable) == 0) {
            s_refuse(err, TIX_REASON_BAD_NUMBER, names[i], "%s: '%s' marks a variable price, not a price",
                     names[i], texts[i]);
            return -1;
        }
    return 0;
}

/* Message type for NDJSON streams: quote, trade or something else. */
static tix_x_result_t s_type(const tix_extract_t *x, const tix_json_val_t *root, const tix_json_val_t *elem)
{
    if (!x->type_path)
        return TIX_X_QUOTE;
    const tix_json_val_t *v = s_get(x, x->type_path, root, elem);
    if (x->quote_type[0] ? tix_json_is_string(v, x->quote_type) : !x->trade_type[0])
        return TIX_X_QUOTE;
    if (x->trade_type[0] && tix_json_is_string(v, x->trade_type))
        return TIX_X_TRADE;
    return TIX_X_IGNORED;
}

static void s_link(tix_xquote_t *o, const char *provider, int64_t recv_ns, tix_unit_t unit)
{
    tix_raw_quote_t *r = &o->raw;
    r->recv_ns = recv_ns;
    r->provider = provider;
    r->model = o->model[0] ? o->model : NULL;
    r->unit = tix_unit_name(unit);
    r->currency = o->currency[0] ? o->currency : NULL;
    r->input = o->input[0] ? o->input : NULL;
    r->output = o->output[0] ? o->output : NULL;
    r->cached = o->cached[0] ? o->cached : NULL;
    r->volume = o->volume[0] ? o->volume : NULL;
}

static tix_x_result_t s_model(const tix_extract_t *x, const tix_json_val_t *root, const tix_json_val_t *elem,
                              tix_xquote_t *o, tix_norm_error_t *err)
{
    const tix_json_val_t *m = s_get(x, x->model, root, elem);
    int n = m && m->type == TIX_JSON_STRING ? tix_json_cstr(m, o->model, sizeof o->model)
                                            : TIX_JSON_NOT_TEXT;
    if (n == TIX_JSON_TOO_LONG)
        return s_refuse(err, TIX_REASON_MISSING_FIELD, "model", "model (%s): id longer than %zu bytes",
                        tix_jpath_text(x->model), sizeof o->model - 1);
    if (n <= 0)
        return s_refuse(err, TIX_REASON_MISSING_FIELD, "model", "model (%s): %s", tix_jpath_text(x->model),
                        m ? "not a non-empty string without NUL characters" : "missing");
    return TIX_X_QUOTE;
}

tix_x_result_t tix_extract_elem(const tix_extract_t *x, const tix_json_val_t *root, const tix_json_val_t *elem,
                                const char *provider, int64_t recv_ns, tix_xquote_t *o,
                                tix_norm_error_t *err)
{
    memset(err, 0, sizeof *err);
    o->model[0] = o->currency[0] = o->input[0] = o->output[0] = o->cached[0] = o->volume[0] = '\0';
    s_link(o, provider, recv_ns, x->unit); /* a refusal below still names what it refused */
    tix_x_result_t kind = s_type(x, root, elem);
    if (kind == TIX_X_IGNORED)
        return kind;
    if (s_model(x, root, elem, o, err) != TIX_X_QUOTE)
        return TIX_X_REFUSED;
    if (s_scalar(x, x->volume, root, elem, "volume", o->volume, sizeof o->volume, err) < 0)
        return TIX_X_REFUSED;
    s_link(o, provider, recv_ns, x->unit);
    if (kind == TIX_X_TRADE)
        return kind;
    int64_t ts = s_timestamp(x, root, elem, err);
    if (ts == -2)
        return TIX_X_REFUSED;
    if (ts >= 0 && x->max_age_ms > 0 && recv_ns - ts > x->max_age_ms * TIX_NS_PER_MS)
        return TIX_X_STALE;
    snprintf(o->currency, sizeof o->currency, "%s", x->currency);
    char ccy[TIX_X_TEXT_MAX];
    int rc = s_scalar(x, x->currency_path, root, elem, "currency", ccy, sizeof ccy, err);
    if (rc < 0)
        return TIX_X_REFUSED;
    if (rc > 0)
    {
        size_t n = strlen(ccy);
        if (n >= sizeof o->currency)
            n = 1, ccy[0] = '?'; /* too long for a code: refused later as no_fx_rate */
        memcpy(o->currency, ccy, n);
        o->currency[n] = '\0';
    }
    int timed = s_timed_now(x, root, elem, recv_ns, err);
    int64_t d_e9;
    if (timed < 0 || s_prices(x, root, elem, timed, o, err) != 0 ||
        s_discount(x, root, elem, &d_e9, err) < 0)
        return TIX_X_REFUSED;
    if (d_e9 > 0) {
        s_apply_discount(o->input, x->unit, d_e9);
        s_apply_discount(o->output, x->unit, d_e9);
        s_apply_discount(o->cached, x->unit, d_e9);
    }
    s_link(o, provider, recv_ns, x->unit);
    return TIX_X_QUOTE;
}

int tix_extract_each(const tix_extract_t *x, const tix_json_val_t *root,
                     int (*fn)(void *arg, const tix_json_val_t *elem), void *arg)
{
    if (x->roots) {
        x->roots->n = 0;
        x->roots->active = true;
    }
    int rc = x->list ? tix_jpath_each(x->list, root, root, fn, arg) : fn(arg, root);
    if (x->roots)
        x->roots->active = false;
    return rc;
}
