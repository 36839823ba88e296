/* Configuration loading: libconfig parse, schema check, methodology rules, typed tables. */
#include "tix_config.h"
#include "tix/price.h"
#include "tix_config_scan.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_schema.h"
#include "tix_time.h"

#include <assert.h>
#include <ctype.h>
#include <fnmatch.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG INT64_C(4611686018427387904) /* 2^62: "any sane integer" */

#define S_NAME(id, name) name,
#define S_KIND(kind) #kind,
static const char *const s_weightings[] = {TIX_WEIGHTING_MAP(S_NAME) NULL};
static const char *const s_kinds[] = {TIX_PROVIDER_KIND_MAP(S_KIND) NULL};
static const char *const s_levels[] = {TIX_LOG_LEVEL_MAP(S_NAME) NULL};
static const char *const s_formats[] = {"text", "json", NULL};

static const tix_key_t s_blend_keys[] = {
    {"input", TIX_KEY_INT, false, 0, 1000000, NULL, NULL},
    {"output", TIX_KEY_INT, false, 0, 1000000, NULL, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_settle_keys[] = {
    {"time", TIX_KEY_STRING, false, 0, 8, NULL, NULL},
    {"window_min", TIX_KEY_INT, false, 1, 1440, NULL, NULL},
    {"partitions", TIX_KEY_INT, false, 1, 1440, NULL, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_tier_keys[] = {
    {"id", TIX_KEY_STRING, true, 1, TIX_TIER_ID_MAX - 1, NULL, NULL},
    {"name", TIX_KEY_STRING, false, 0, 95, NULL, NULL},
    {"interval_ms", TIX_KEY_INT, false, 100, TIX_MS_PER_DAY, NULL, NULL},
    {"stale_ms", TIX_KEY_INT, false, 0, 30 * TIX_MS_PER_DAY, NULL, NULL},
    {"blend", TIX_KEY_GROUP, false, 0, 0, NULL, s_blend_keys},
    {"weighting", TIX_KEY_STRING, false, 0, 0, s_weightings, NULL},
    {"cap_bp", TIX_KEY_INT, false, 1, 10000, NULL, NULL},
    {"min_providers", TIX_KEY_INT, false, 1, 10000, NULL, NULL},
    {"outlier_k", TIX_KEY_INT, false, 0, 1000, NULL, NULL},
    {"outlier_band_bp", TIX_KEY_INT, false, 0, 1000000, NULL, NULL},
    {"settlement", TIX_KEY_GROUP, false, 0, 0, NULL, s_settle_keys},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_map_keys[] = {
    {"provider", TIX_KEY_STRING, true, 1, 255, NULL, NULL},
    {"model", TIX_KEY_STRING, true, 1, 255, NULL, NULL},
    {"tier", TIX_KEY_STRING, true, 1, TIX_TIER_ID_MAX - 1, NULL, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
/* Feed: how a provider's payload is read (docs/operations.md, "Providers and collectors").
 * The same keys appear in a preset and, overriding the preset, in a provider. */
#define S_UNIT(id, tokens, name) name,
static const char *const s_units[] = {TIX_UNIT_MAP(S_UNIT) NULL};
static const char *const s_ts_units[] = {"s", "ms", "ns", "iso", NULL};
static const tix_key_t s_timed_keys[] = {
    {"start", TIX_KEY_STRING, true, 1, 255, NULL, NULL},
    {"end", TIX_KEY_STRING, true, 1, 255, NULL, NULL},
    {"input", TIX_KEY_STRING, false, 1, 255, NULL, NULL},
    {"output", TIX_KEY_STRING, false, 1, 255, NULL, NULL},
    {"cached_input", TIX_KEY_STRING, false, 1, 255, NULL, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
#define TIX_EXTRACT_KEYS                                                      \
    {"list", TIX_KEY_STRING, false, 1, 255, NULL, NULL},                      \
    {"model", TIX_KEY_STRING, false, 1, 255, NULL, NULL},                     \
    {"unit", TIX_KEY_STRING, false, 0, 0, s_units, NULL},                     \
    {"currency", TIX_KEY_STRING, false, 3, 3, NULL, NULL},                    \
    {"currency_path", TIX_KEY_STRING, false, 1, 255, NULL, NULL},             \
    {"input", TIX_KEY_STRING, false, 1, 255, NULL, NULL},                     \
    {"output", TIX_KEY_STRING, false, 1, 255, NULL, NULL},                    \
    {"cached_input", TIX_KEY_STRING, false, 1, 255, NULL, NULL},              \
    {"discount", TIX_KEY_STRING, false, 1, 255, NULL, NULL},                  \
    {"variable", TIX_KEY_STRING, false, 1, 63, NULL, NULL},                   \
    {"volume", TIX_KEY_STRING, false, 1, 255, NULL, NULL},                    \
    {"timestamp", TIX_KEY_STRING, false, 1, 255, NULL, NULL},                 \
    {"timestamp_unit", TIX_KEY_STRING, false, 0, 0, s_ts_units, NULL},        \
    {"max_age_ms", TIX_KEY_INT, false, 1, 30 * TIX_MS_PER_DAY, NULL, NULL},   \
    {"type_path", TIX_KEY_STRING, false, 1, 255, NULL, NULL},                 \
    {"quote_type", TIX_KEY_STRING, false, 1, 63, NULL, NULL},                 \
    {"trade_type", TIX_KEY_STRING, false, 1, 63, NULL, NULL},                 \
    {"volume_window_ms", TIX_KEY_INT, false, 1000, TIX_MS_PER_DAY, NULL, NULL}, \
    {"timed", TIX_KEY_GROUP, false, 0, 0, NULL, s_timed_keys}
static const tix_key_t s_preset_keys[] = {
    {"name", TIX_KEY_STRING, true, 1, 63, NULL, NULL},
    {"description", TIX_KEY_STRING, false, 0, 1023, NULL, NULL},
    TIX_EXTRACT_KEYS,
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_provider_keys[] = {
    {"name", TIX_KEY_STRING, true, 1, 63, NULL, NULL},
    {"kind", TIX_KEY_STRING, true, 0, 0, s_kinds, NULL},
    {"enabled", TIX_KEY_BOOL, false, 0, 0, NULL, NULL},
    {"url", TIX_KEY_STRING, false, 1, 2047, NULL, NULL},
    {"preset", TIX_KEY_STRING, false, 1, 63, NULL, NULL},
    {"interval_ms", TIX_KEY_INT, false, 100, TIX_MS_PER_DAY, NULL, NULL},
    {"timeout_ms", TIX_KEY_INT, false, 10, 600000, NULL, NULL},
    {"connect_timeout_ms", TIX_KEY_INT, false, 10, 600000, NULL, NULL},
    {"path", TIX_KEY_STRING, false, 1, 4095, NULL, NULL},
    {"stall_ms", TIX_KEY_INT, false, 100, 3600000, NULL, NULL},
    {"backoff_ms", TIX_KEY_INT, false, 10, 600000, NULL, NULL},
    {"backoff_max_ms", TIX_KEY_INT, false, 10, 3600000, NULL, NULL},
    {"down_after", TIX_KEY_INT, false, 1, 1000, NULL, NULL},
    {"max_body_bytes", TIX_KEY_INT, false, 1024, INT64_C(1) << 30, NULL, NULL},
    {"any_provider", TIX_KEY_BOOL, false, 0, 0, NULL, NULL},
    {"curve_secret", TIX_KEY_STRING, false, 1, 4095, NULL, NULL},     /* zmq_ingest */
    {"collectors_allow", TIX_KEY_STRING, false, 1, 4095, NULL, NULL}, /* zmq_ingest */
    TIX_EXTRACT_KEYS,
    {NULL, 0, false, 0, 0, NULL, NULL},
};
/* An FX provider feed: currencies it manages have no rate until fetched, none when stale. */
static const tix_key_t s_fx_feed_keys[] = {
    {"url", TIX_KEY_STRING, true, 1, 2047, NULL, NULL},
    {"rates", TIX_KEY_STRING, true, 1, 255, NULL, NULL},
    {"currencies", TIX_KEY_STRINGS, true, 0, 0, NULL, NULL},
    {"interval_ms", TIX_KEY_INT, false, 100, TIX_MS_PER_DAY, NULL, NULL},
    {"timeout_ms", TIX_KEY_INT, false, 10, 600000, NULL, NULL},
    {"connect_timeout_ms", TIX_KEY_INT, false, 10, 600000, NULL, NULL},
    {"stale_ms", TIX_KEY_INT, false, 100, 30 * TIX_MS_PER_DAY, NULL, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
/* `tixd --role collector`: ZeroMQ endpoints (zmq_ingest sources) its quotes are PUSHed to. */
static const tix_key_t s_collector_keys[] = {
    {"forward", TIX_KEY_STRINGS, false, 0, 0, NULL, NULL},
    {"forward_hwm", TIX_KEY_INT, false, 1, 10000000, NULL, NULL},
    {"forward_server_key", TIX_KEY_STRING, false, 1, 4095, NULL, NULL}, /* the engines' CURVE public key */
    {"forward_client_key", TIX_KEY_STRING, false, 1, 4095, NULL, NULL}, /* this collector's CURVE secret key */
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_publisher_keys[] = {
    {"line_a", TIX_KEY_STRINGS, false, 0, 0, NULL, NULL},
    {"line_b", TIX_KEY_STRINGS, false, 0, 0, NULL, NULL},
    {"recovery", TIX_KEY_STRING, false, 1, 255, NULL, NULL},
    {"heartbeat_ms", TIX_KEY_INT, false, 10, 600000, NULL, NULL},
    {"attest_ms", TIX_KEY_INT, false, 10, 600000, NULL, NULL},
    {"ring_size", TIX_KEY_INT, false, 1024, INT64_C(1) << 30, NULL, NULL},
    {"signing_key", TIX_KEY_STRING, false, 1, 4095, NULL, NULL},
    {"curve_secret", TIX_KEY_STRING, false, 1, 4095, NULL, NULL},
    {"clients_allow", TIX_KEY_STRING, false, 1, 4095, NULL, NULL},
    {"metrics", TIX_KEY_STRING, false, 1, 255, NULL, NULL},
    {"quotes", TIX_KEY_BOOL, false, 0, 0, NULL, NULL},
    {"sndhwm", TIX_KEY_INT, false, 1, 10000000, NULL, NULL},
    {"multicast_rate_kbps", TIX_KEY_INT, false, 100, 10000000, NULL, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
/* tixd's engine stage: CLOCK(b) is injected once wall time passes b + grace_ms; an input
 * whose recv_ns is further than max_clock_skew_ms from the clock is refused bad_time. */
static const tix_key_t s_engine_keys[] = {
    {"grace_ms", TIX_KEY_INT, false, 0, 10000, NULL, NULL},
    {"late_ms", TIX_KEY_INT, false, 0, 3600000, NULL, NULL},
    {"max_clock_skew_ms", TIX_KEY_INT, false, 100, 3600000, NULL, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_storage_keys[] = {
    {"archive_dir", TIX_KEY_STRING, false, 1, 4095, NULL, NULL},
    {"journal_dir", TIX_KEY_STRING, false, 1, 4095, NULL, NULL},
    {"flush_ms", TIX_KEY_INT, false, 10, 3600000, NULL, NULL},
    {"fsync_ms", TIX_KEY_INT, false, 0, 3600000, NULL, NULL},
    {"journal_fallback", TIX_KEY_STRING, false, 1, 4095, NULL, NULL},
    {"journal_reserve_kb", TIX_KEY_INT, false, 0, 1048576, NULL, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_log_keys[] = {
    {"level", TIX_KEY_STRING, false, 0, 0, s_levels, NULL},
    {"format", TIX_KEY_STRING, false, 0, 0, s_formats, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_root_keys[] = {
    {"tiers", TIX_KEY_LIST, true, 0, 0, NULL, s_tier_keys},
    {"mapping", TIX_KEY_LIST, true, 0, 0, NULL, s_map_keys},
    {"fx", TIX_KEY_MAP, true, 0, 0, NULL, NULL},
    {"providers", TIX_KEY_LIST, false, 0, 0, NULL, s_provider_keys},
    {"presets", TIX_KEY_LIST, false, 0, 0, NULL, s_preset_keys},
    {"fx_feed", TIX_KEY_GROUP, false, 0, 0, NULL, s_fx_feed_keys},
    {"collector", TIX_KEY_GROUP, false, 0, 0, NULL, s_collector_keys},
    {"engine", TIX_KEY_GROUP, false, 0, 0, NULL, s_engine_keys},
    {"publisher", TIX_KEY_GROUP, false, 0, 0, NULL, s_publisher_keys},
    {"storage", TIX_KEY_GROUP, false, 0, 0, NULL, s_storage_keys},
    {"log", TIX_KEY_GROUP, false, 0, 0, NULL, s_log_keys},
    {NULL, 0, false, 0, 0, NULL, NULL},
};

/* Context for the semantic pass: every message gets file:line of the offending setting. */
typedef struct {
    tix_config_t *cfg;
    tix_diag_t *diag;
    int errors;
} s_ctx_t;

static void s_fail(s_ctx_t *c, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_fail(s_ctx_t *c, const config_setting_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tix_schema_vfail(c->diag, &c->errors, c->cfg->path, s, fmt, ap);
    va_end(ap);
}

/* Typed reads for the semantic pass, which also runs after schema errors (so that every
 * problem is reported at once): a value of the wrong type reads as the default. Integers are
 * read by tix_setting_member_int (plain or L-suffixed, 64 bits). */
#define s_int tix_setting_member_int
static const char *s_str(const config_setting_t *grp, const char *name, const char *dflt)
{
    const config_setting_t *s = grp ? config_setting_get_member(grp, name) : NULL;
    if (!s || tix_schema_flagged(s) || config_setting_type(s) != CONFIG_TYPE_STRING)
        return dflt;
    return config_setting_get_string(s);
}

/* "HH:MM" UTC, two digits each, 00:00..23:59 → ms after midnight; -1 if malformed. */
static int64_t s_hhmm(const char *t)
{
    if (strlen(t) != 5 || !isdigit((unsigned char)t[0]) || !isdigit((unsigned char)t[1]) ||
        t[2] != ':' || !isdigit((unsigned char)t[3]) || !isdigit((unsigned char)t[4]))
        return -1;
    int h = (t[0] - '0') * 10 + (t[1] - '0');
    int m = (t[3] - '0') * 10 + (t[4] - '0');
    if (h > 23 || m > 59)
        return -1;
    return ((int64_t)h * 60 + m) * 60000;
}

static bool s_valid_id(const char *id)
{
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return false;
    return *id != '\0';
}

static void s_tier_settlement(s_ctx_t *c, const config_setting_t *ts, tix_tier_cfg_t *t,
                              const char *path)
{
    const config_setting_t *st = config_setting_get_member(ts, "settlement");
    t->settle_ms = 8 * 3600000;
    t->window_min = 60;
    t->partitions = 12;
    if (!st)
        return;
    const config_setting_t *tm = config_setting_get_member(st, "time");
    if (tm && !tix_schema_flagged(tm) && config_setting_type(tm) == CONFIG_TYPE_STRING) {
        t->settle_ms = s_hhmm(config_setting_get_string(tm));
        if (t->settle_ms < 0) {
            s_fail(c, tm, "%s.settlement.time: \"%s\" is not HH:MM (00:00 to 23:59 UTC)", path,
                   config_setting_get_string(tm));
            t->settle_ms = 0;
        }
    }
    t->window_min = s_int(st, "window_min", 60);
    t->partitions = s_int(st, "partitions", 12);
    if (t->partitions > 0 && t->window_min % t->partitions != 0) {
        const config_setting_t *p = config_setting_get_member(st, "partitions");
        s_fail(c, p ? p : st, "%s.settlement.partitions: %lld does not divide window_min %lld",
               path, (long long)t->partitions, (long long)t->window_min);
    }
}

static void s_tier(s_ctx_t *c, const config_setting_t *ts, int idx)
{
    tix_tier_cfg_t *t = &c->cfg->tiers[idx];
    char path[64];
    snprintf(path, sizeof path, "tiers[%d]", idx);
    snprintf(t->id, sizeof t->id, "%s", s_str(ts, "id", ""));
    snprintf(t->name, sizeof t->name, "%s", s_str(ts, "name", t->id));
    const config_setting_t *ids = config_setting_get_member(ts, "id");
    if (!ids || tix_schema_flagged(ids) || config_setting_type(ids) != CONFIG_TYPE_STRING)
        ids = NULL; /* missing or mistyped: reported once, by the schema pass */
    if (ids && !s_valid_id(t->id))
        s_fail(c, ids, "%s.id: \"%s\" may hold only letters, digits, '_' and '-'", path, t->id);
    for (int j = 0; ids && j < idx; j++)
        if (strcmp(c->cfg->tiers[j].id, t->id) == 0) {
            s_fail(c, ids, "%s.id: duplicate tier id \"%s\" (also tiers[%d])", path, t->id, j);
            break; /* name the first twin only */
        }
    t->interval_ms = s_int(ts, "interval_ms", 1000);
    t->stale_ms = s_int(ts, "stale_ms", 180000);
    const config_setting_t *bl = config_setting_get_member(ts, "blend");
    t->w_in = bl ? s_int(bl, "input", 3) : 3;
    t->w_out = bl ? s_int(bl, "output", 1) : 1;
    if (t->w_in + t->w_out <= 0)
        s_fail(c, bl, "%s.blend: input + output must be > 0", path);
    t->weighting = strcmp(s_str(ts, "weighting", "equal"), "volume") == 0 ? TIX_WEIGHT_VOLUME
                                                                          : TIX_WEIGHT_EQUAL;
    t->cap_bp = s_int(ts, "cap_bp", 3500);
    t->min_providers = s_int(ts, "min_providers", 3);
    t->outlier_k = s_int(ts, "outlier_k", 3);
    t->outlier_band_bp = s_int(ts, "outlier_band_bp", 500);
    s_tier_settlement(c, ts, t, path);
    /* Epoch-aligned boundaries repeat daily and hit the settlement instant only if the
     * interval divides a day and the settlement time (§5, §13). */
    const config_setting_t *iv = config_setting_get_member(ts, "interval_ms");
    if (t->interval_ms < 100)
        return; /* out of range: the schema pass reported it */
    if (TIX_MS_PER_DAY % t->interval_ms != 0)
        s_fail(c, iv ? iv : ts, "%s.interval_ms: %lld does not divide a day (86400000 ms)", path,
               (long long)t->interval_ms);
    else if (t->settle_ms % t->interval_ms != 0)
        s_fail(c, iv ? iv : ts,
               "%s.interval_ms: %lld does not divide the settlement time of day, so the "
               "settlement instant would fall between ticks",
               path, (long long)t->interval_ms);
}

static void s_mapping(s_ctx_t *c, const config_setting_t *list)
{
    int n = config_setting_length(list);
    c->cfg->mapping = calloc((size_t)n + 1, sizeof *c->cfg->mapping);
    if (!c->cfg->mapping) {
        s_fail(c, list, "mapping: out of memory");
        return;
    }
    for (int i = 0; i < n; i++) {
        const config_setting_t *r = config_setting_get_elem(list, (unsigned)i);
        if (config_setting_type(r) != CONFIG_TYPE_GROUP)
            continue; /* the schema pass reported it */
        tix_map_rule_t *m = &c->cfg->mapping[c->cfg->nmapping++];
        m->provider = strdup(s_str(r, "provider", ""));
        m->model = strdup(s_str(r, "model", ""));
        if (!m->provider || !m->model) {
            s_fail(c, r, "mapping: out of memory");
            return;
        }
        const config_setting_t *ts = config_setting_get_member(r, "tier");
        const char *tier = s_str(r, "tier", NULL);
        m->tier = tier ? tix_config_tier_index(c->cfg, tier) : -1;
        if (tier && m->tier < 0)
            s_fail(c, ts, "mapping[%d].tier: unknown tier \"%s\"", i, tier);
    }
}

static void s_fx(s_ctx_t *c, const config_setting_t *grp)
{
    int n = config_setting_length(grp);
    c->cfg->fx = calloc((size_t)n + 1, sizeof *c->cfg->fx);
    if (!c->cfg->fx) {
        s_fail(c, grp, "fx: out of memory");
        return;
    }
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(grp, (unsigned)i);
        const char *code = config_setting_name(e);
        if (tix_schema_flagged(e))
            continue;
        tix_fx_rate_t *r = &c->cfg->fx[c->cfg->nfx++];
        snprintf(r->code, sizeof r->code, "%s", code);
        if (strlen(code) != 3 || !isupper((unsigned char)code[0]) ||
            !isupper((unsigned char)code[1]) || !isupper((unsigned char)code[2]))
            s_fail(c, e, "fx.%s: currency must be a 3-letter ISO 4217 code in capitals", code);
        int t = config_setting_type(e);
        int64_t v;
        if (tix_setting_int(e, &v)) {
            if (v < 0 || v > INT64_MAX / TIX_PRICE_SCALE)
                s_fail(c, e, "fx.%s: rate %lld is out of range", code, (long long)v);
            else
                r->rate_e9 = v * TIX_PRICE_SCALE;
            continue;
        }
        if (t != CONFIG_TYPE_STRING)
            continue; /* the schema pass reported it */
        const char *txt = config_setting_get_string(e);
        tix_price_status_t st = tix_decimal9_parse(txt, &r->rate_e9);
        tix_price_t any;
        /* decimal9 says GARBAGE both for non-decimals and for lost digits: tell them apart. */
        bool decimal = tix_price_parse(txt, TIX_UNIT_1M, &any) != TIX_PRICE_GARBAGE;
        if (st == TIX_PRICE_GARBAGE && decimal)
            s_fail(c, e, "fx.%s: rate \"%s\" has more than 9 decimals", code, txt);
        else if (st != TIX_PRICE_OK)
            s_fail(c, e, "fx.%s: rate \"%s\" is not a non-negative decimal (%s)", code, txt,
                   tix_price_status_name(st));
    }
}

static void s_log_section(s_ctx_t *c)
{
    const config_setting_t *lg = config_lookup(&c->cfg->lc, "log");
    snprintf(c->cfg->log_level, sizeof c->cfg->log_level, "%s", lg ? s_str(lg, "level", "info") : "info");
    c->cfg->log_json = lg && strcmp(s_str(lg, "format", "text"), "json") == 0;
}

static bool s_is(const config_setting_t *s, int type)
{
    return s && config_setting_type(s) == type;
}

/* The semantic pass: runs after the schema pass so every setting has the right type. */
static void s_semantics(s_ctx_t *c)
{
    config_setting_t *root = config_root_setting(&c->cfg->lc);
    const config_setting_t *tiers = config_setting_get_member(root, "tiers");
    if (!s_is(tiers, CONFIG_TYPE_LIST))
        return; /* missing or mistyped: the schema pass reported it */
    int n = config_setting_length(tiers);
    if (n == 0)
        s_fail(c, tiers, "tiers: at least one tier is needed");
    if (n > TIX_TIERS_MAX) /* each tier's feed topics must fit one attestation */
        s_fail(c, tiers, "tiers: %d tiers, at most %d", n, TIX_TIERS_MAX);
    c->cfg->tiers = calloc((size_t)n + 1, sizeof *c->cfg->tiers);
    if (!c->cfg->tiers) {
        s_fail(c, tiers, "tiers: out of memory");
        return;
    }
    for (int i = 0; i < n; i++) {
        s_tier(c, config_setting_get_elem(tiers, (unsigned)i), i);
        c->cfg->ntiers++;
    }
    const config_setting_t *mapping = config_setting_get_member(root, "mapping");
    if (s_is(mapping, CONFIG_TYPE_LIST))
        s_mapping(c, mapping);
    const config_setting_t *fx = config_setting_get_member(root, "fx");
    if (s_is(fx, CONFIG_TYPE_GROUP))
        s_fx(c, fx);
    s_log_section(c);
}

/* Position of a "file:line: ..." message: files in order of first mention, then line. */
typedef struct {
    size_t file_rank;
    long line;
    size_t index;
} s_pos_t;

static int s_cmp_pos(const void *a, const void *b)
{
    const s_pos_t *x = a, *y = b;
    if (x->file_rank != y->file_rank)
        return x->file_rank < y->file_rank ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The two validation passes find problems in their own order; the operator reads the file
 * top to bottom, so report by position (stable for equal positions). */
static void s_report_in_file_order(const tix_diag_t *found, tix_diag_t *out)
{
    size_t n = tix_diag_count(found);
    s_pos_t *pos = calloc(n, sizeof *pos);
    if (!pos) {
        for (size_t i = 0; i < n; i++)
            tix_diag_add(out, "%s", tix_diag_get(found, i));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *m = tix_diag_get(found, i);
        const char *colon = strchr(m, ':');
        size_t flen = colon ? (size_t)(colon - m) : strlen(m);
        pos[i].index = i;
        pos[i].file_rank = i;
        for (size_t j = 0; j < i; j++) /* rank = first message naming the same file */
            if (strncmp(tix_diag_get(found, j), m, flen) == 0 && tix_diag_get(found, j)[flen] == ':') {
                pos[i].file_rank = pos[j].file_rank;
                break;
            }
        pos[i].line = colon ? strtol(colon + 1, NULL, 10) : 0;
    }
    qsort(pos, n, sizeof *pos, s_cmp_pos);
    for (size_t i = 0; i < n; i++)
        tix_diag_add(out, "%s", tix_diag_get(found, pos[i].index));
    TIX_SET_ERR(EINVAL, "%s", tix_diag_get(found, pos[0].index));
    free(pos);
}

/* libconfig's "cannot open include file" does not say which: quote the offending line. */
static void s_syntax_error(const char *path, const config_t *lc)
{
    const char *ef = config_error_file(lc);
    int line = config_error_line(lc);
    char name[4096], text[256] = "";
    tix_schema_file_name(ef ? ef : path, path, name, sizeof name);
    FILE *f = strstr(config_error_text(lc), "include") ? fopen(name, "r") : NULL;
    for (int i = 1; f && fgets(text, sizeof text, f) && i < line; i++)
        text[0] = '\0';
    if (f)
        fclose(f);
    text[strcspn(text, "\r\n")] = '\0';
    if (text[0])
        TIX_SET_ERR(EINVAL, "%s:%d: %s (%s)", name, line, config_error_text(lc), text);
    else
        TIX_SET_ERR(EINVAL, "%s:%d: %s", name, line, config_error_text(lc));
}

tix_config_t *tix_config_load(const char *path, tix_diag_t *diag)
{
    tix_config_t *self = calloc(1, sizeof *self);
    char *dircopy = NULL;
    if (self)
        config_init(&self->lc);
    if (!self || !(self->path = strdup(path)) || !(dircopy = strdup(path))) {
        TIX_SET_ERR(ENOMEM, "out of memory loading %s", path);
        tix_diag_add(diag, "%s: out of memory", path);
        free(dircopy);
        tix_config_destroy(&self);
        return NULL;
    }
    /* @include paths are relative to the including file's folder, not the cwd. */
    config_set_include_dir(&self->lc, dirname(dircopy));
    free(dircopy);
    s_ctx_t c = {self, diag, 0};
    /* Before libconfig sees the text: an @include of a directory would make it exit(2). */
    if (tix_config_prescan(path, config_get_include_dir(&self->lc), diag) > 0)
        goto fail;
    FILE *f = fopen(path, "r");
    if (!f) {
        TIX_SET_ERR(errno, "%s: cannot open: %s", path, strerror(errno));
        tix_diag_add(diag, "%s", tix_err());
        goto fail;
    }
    int ok = config_read(&self->lc, f);
    fclose(f);
    if (!ok) {
        s_syntax_error(path, &self->lc);
        tix_diag_add(diag, "%s", tix_err());
        goto fail;
    }
    tix_diag_t *found = tix_diag_new();
    if (!found) {
        TIX_SET_ERR(ENOMEM, "out of memory loading %s", path);
        goto fail;
    }
    c.diag = found;
    c.errors = tix_schema_check(config_root_setting(&self->lc), "", s_root_keys, path, found);
    s_semantics(&c);
    if (c.errors > 0)
        s_report_in_file_order(found, diag);
    tix_diag_destroy(&found);
    if (c.errors > 0)
        goto fail;
    return self;
fail:
    tix_config_destroy(&self);
    return NULL;
}

void tix_config_destroy(tix_config_t **self_p)
{
    assert(self_p);
    tix_config_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; i < self->nmapping; i++) {
        free(self->mapping[i].provider);
        free(self->mapping[i].model);
    }
    free(self->mapping);
    free(self->tiers);
    free(self->fx);
    config_destroy(&self->lc);
    free(self->path);
    free(self);
    *self_p = NULL;
}

int tix_config_tier_index(const tix_config_t *self, const char *id)
{
    for (int i = 0; i < self->ntiers; i++)
        if (strcmp(self->tiers[i].id, id) == 0)
            return i;
    return -1;
}

int tix_config_map(const tix_config_t *self, const char *provider, const char *model)
{
    for (int i = 0; i < self->nmapping; i++) {
        const tix_map_rule_t *m = &self->mapping[i];
        if (fnmatch(m->provider, provider, 0) == 0 && fnmatch(m->model, model, 0) == 0)
            return m->tier;
    }
    return -1;
}

int64_t tix_config_fx(const tix_config_t *self, const char *code)
{
    for (int i = 0; i < self->nfx; i++)
        if (strcmp(self->fx[i].code, code) == 0)
            return self->fx[i].rate_e9;
    return -1;
}

int64_t tix_config_int(const tix_config_t *self, const char *path, int64_t dflt)
{
    int64_t v = dflt;
    (void)tix_setting_int(tix_config_lookup(self, path), &v);
    return v;
}

const config_setting_t *tix_config_lookup(const tix_config_t *self, const char *path)
{
    return config_lookup((config_t *)&self->lc, path);
}
