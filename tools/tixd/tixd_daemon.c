/* The tix daemon's wiring: builds the stages of a role, runs the collector stage on the caller's thread, reloads on SIGHUP, and stops in drain order. */
#include "tixd.h"
#include "tix_alloc.h"
#include "tix_collector.h"
#include "tix_err.h"
#include "tix_forward.h"
#include "tix_log.h"
#include "tix_normalize.h"
#include "tix_time.h"
#include "tixd_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN_QUEUE 65536   /* engine inputs: seconds of a heavy feed */
#define OUT_QUEUE 16384  /* publisher inputs */
#define STORE_QUEUE 65536

/* A provider's counters by name, kept across reloads. */
typedef struct {
    char name[64];
    tix_provider_stats_t st;
} tixd_kept_t;

struct tixd_s {
    tixd_opts_t o;
    bool collector_role;
    tix_config_t *cfg;   /* tiers, mapping, fx, storage, publisher: fixed for the process */
    tix_config_t *pcfg;  /* providers in force (cfg, or a reloaded file) */
    tix_norm_t *norm;
    tix_collector_t *col;
    tix_forward_t *fwd;
    tixd_state_t state;
    tixd_queue_t *in;
    tixd_queue_t *pub_q;  /* the publisher sink's queue */
    tix_storage_t *storage;
    tixd_pub_t *pub;
    /* Where the engine hands durable outputs, in order: one entry per consumer. */
    tixd_sink_t sinks[TIXD_SINKS_MAX];
    int nsinks;
    tixd_engine_t *eng;
    tixd_metrics_t *metrics;
    int64_t last_snapshot;
    bool in_warned;
    /* Counters of every provider seen, by name, carried across reloads (and kept for one
     * that a reload removed, should a later one bring it back). */
    tixd_kept_t *kept;
    int nkept;
};

/* ---- roles ---- */

#define X(id, name) name,
static const char *const s_roles[] = {TIXD_ROLE_MAP(X)};
#undef X
#define NROLES (sizeof s_roles / sizeof s_roles[0])

const char *tixd_role_name(tixd_role_t role)
{
    return (size_t)role < NROLES ? s_roles[role] : "?";
}

int tixd_role_parse(const char *text, tixd_role_t *out)
{
    for (size_t i = 0; i < NROLES; i++)
        if (strcmp(text, s_roles[i]) == 0) {
            *out = (tixd_role_t)i;
            return 0;
        }
    return -1;
}

/* ---- shared state ---- */

int tixd_state_init(tixd_state_t *s, const tix_config_t *cfg)
{
    memset(s, 0, sizeof *s);
    if (pthread_mutex_init(&s->mu, NULL) != 0)
        return -1;
    s->ntiers = cfg->ntiers;
    s->tier_id = calloc((size_t)cfg->ntiers, sizeof *s->tier_id);
    s->last_tick = calloc((size_t)cfg->ntiers, sizeof *s->last_tick);
    s->last_tick_wall_ns = calloc((size_t)cfg->ntiers, sizeof *s->last_tick_wall_ns);
    if (!s->tier_id || !s->last_tick || !s->last_tick_wall_ns) {
        TIX_SET_ERR(ENOMEM, "out of memory for the metrics state");
        return -1;
    }
    for (int i = 0; i < cfg->ntiers; i++)
        snprintf(s->tier_id[i], sizeof s->tier_id[i], "%s", cfg->tiers[i].id);
    return 0;
}

void tixd_state_fini(tixd_state_t *s)
{
    pthread_mutex_destroy(&s->mu);
    free(s->tier_id);
    free(s->last_tick);
    free(s->last_tick_wall_ns);
    free(s->prov_name);
    free(s->health);
    free(s->pstats);
}

int tixd_state_providers(tixd_state_t *s, const tix_collector_t *col)
{
    int n = col ? tix_collector_count(col) : 0;
    pthread_mutex_lock(&s->mu);
    if (n != s->nprov) {
        free(s->prov_name);
        free(s->health);
        free(s->pstats);
        s->prov_name = calloc((size_t)n + 1, sizeof *s->prov_name);
        s->health = calloc((size_t)n + 1, sizeof *s->health);
        s->pstats = calloc((size_t)n + 1, sizeof *s->pstats);
        s->nprov = s->prov_name && s->health && s->pstats ? n : 0;
    }
    for (int i = 0; i < s->nprov; i++) {
        snprintf(s->prov_name[i], sizeof s->prov_name[i], "%s", tix_collector_name(col, i));
        s->health[i] = tix_collector_health(col, i);
        s->pstats[i] = *tix_collector_stats(col, i);
    }
    pthread_mutex_unlock(&s->mu);
    return s->nprov == n ? 0 : -1;
}

/* ---- the collector stage's sinks (collector thread) ---- */

/* Bounded copy (names longer than the record's fields are cut; storage refuses none). */
static void s_copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

static void s_fill(tixd_in_t *in, const tix_raw_quote_t *raw)
{
    s_copy(in->provider, sizeof in->provider, raw->provider);
    s_copy(in->model, sizeof in->model, raw->model);
    s_copy(in->currency, sizeof in->currency, raw->currency);
}

/* The engine never waits for us, nor we for it: a full queue drops and counts. */
static void s_push(tixd_t *d, tixd_in_t *in)
{
    if (tixd_queue_push(d->in, in) != 0 && !d->in_warned) {
        tix_error("collector: engine queue full (%zu quotes): dropping quotes, see "
                  "tix_queue_dropped_total", tixd_queue_capacity(d->in));
        d->in_warned = true;
    }
}

static void s_on_raw(void *arg, const tix_raw_quote_t *raw)
{
    tixd_t *d = arg;
    if (d->o.record)
        tix_collector_write_row(d->o.record, raw);
}

/* A refused quote is archived with its reason and names; its prices are not kept. A
 * collector forwards it so that the engines archive it. */
static void s_on_refused(void *arg, const tix_raw_quote_t *raw, const tix_norm_error_t *err)
{
    tixd_t *d = arg;
    if (d->fwd && tix_forward_refused(d->fwd, raw, err->reason) != 0)
        tix_error("collector: %s", tix_err());
    if (d->collector_role)
        return;
    tixd_in_t in;
    memset(&in, 0, sizeof in);
    in.q.recv_ns = raw->recv_ns;
    in.q.input = in.q.output = in.q.cached = in.q.blended = TIX_PRICE_NULL;
    in.q.local_input = in.q.local_output = in.q.local_cached = TIX_PRICE_NULL;
    in.q.volume = in.q.fx_e9 = -1;
    if (!raw->unit || tix_unit_parse(raw->unit, &in.q.unit) != 0)
        in.q.unit = TIX_UNIT_1M;
    in.q.tier = raw->provider && raw->model ? tix_config_map(d->cfg, raw->provider, raw->model) : -1;
    in.reason = err->reason;
    s_fill(&in, raw);
    s_push(d, &in);
}

/* An accepted quote, normalized once by the collector. */
static void s_on_quote(void *arg, const tix_raw_quote_t *raw, const tix_quote_t *q)
{
    tixd_t *d = arg;
    if (d->fwd && tix_forward_quote(d->fwd, d->norm, raw, q) != 0)
        tix_error("collector: %s", tix_err());
    if (d->collector_role)
        return;
    tixd_in_t in;
    memset(&in, 0, sizeof in);
    in.q = *q;
    in.reason = TIX_REASON_NONE;
    s_fill(&in, raw);
    s_push(d, &in);
}

static tix_collector_t *s_collector(tixd_t *d, const tix_config_t *pcfg)
{
    unsigned kinds = d->o.role == TIXD_ROLE_ENGINE      ? TIX_COLLECT_ZMQ
                     : d->o.role == TIXD_ROLE_COLLECTOR ? TIX_COLLECT_HTTP | TIX_COLLECT_NDJSON | TIX_COLLECT_CSV
                                                        : TIX_COLLECT_ALL;
    tix_collector_sink_t sink = {s_on_raw, s_on_quote, d, s_on_refused};
    tix_diag_t *diag = tix_diag_new();
    tix_collector_t *col = tix_collector_new(pcfg, d->norm, kinds, false, &sink, diag);
    for (size_t i = 0; diag && i < tix_diag_count(diag); i++)
        tix_error("%s", tix_diag_get(diag, i));
    tix_diag_destroy(&diag);
    return col;
}

/* ---- construction ---- */

static const char *s_str(const tix_config_t *cfg, const char *path, const char *dflt)
{
    const config_setting_t *s = tix_config_lookup(cfg, path);
    return s ? config_setting_get_string(s) : dflt;
}

static int s_storage(tixd_t *d)
{
    if (!tix_config_lookup(d->cfg, "storage.archive_dir"))
        return 0;
    tix_storage_opts_t so;
    if (tix_storage_opts_from_config(d->cfg, &so) != 0)
        return -1;
    so.block_when_full = false; /* the engine never waits: refusals are counted and logged */
    if (so.queue_size < STORE_QUEUE)
        so.queue_size = STORE_QUEUE;
    d->storage = tix_storage_new(d->cfg, &so);
    return d->storage ? 0 : -1;
}

/* The publisher sink: ticks and settlements (and accepted quotes if publisher.quotes) for
 * lines A and B, when the publisher section names a line (it may hold only `metrics`). */
static int s_pub_sink(tixd_t *d)
{
    if (!tix_config_lookup(d->cfg, "publisher.line_a") && !tix_config_lookup(d->cfg, "publisher.line_b"))
        return 0;
    if (!(d->pub_q = tixd_queue_new(OUT_QUEUE, sizeof(tixd_out_t))) ||
        !(d->pub = tixd_pub_new(d->cfg, d->pub_q, &d->state)))
        return -1;
    if (d->storage)
        tixd_pub_set_storage(d->pub, d->storage); /* the publish ledger */
    const config_setting_t *pq = tix_config_lookup(d->cfg, "publisher.quotes");
    unsigned kinds = TIXD_SINK_KIND(TIX_WIRE_TICK) | TIXD_SINK_KIND(TIX_WIRE_SETTLEMENT);
    if (pq && config_setting_get_bool(pq))
        kinds |= TIXD_SINK_KIND(TIX_WIRE_QUOTE);
    return tixd_sinks_add(d->sinks, &d->nsinks, tixd_sink_queue("publisher", d->pub_q, kinds));
}

static int s_engine_stages(tixd_t *d)
{
    if (!(d->in = tixd_queue_new(IN_QUEUE, sizeof(tixd_in_t))) || s_storage(d) != 0 ||
        s_pub_sink(d) != 0)
        return -1;
    tixd_engine_opts_t eo = {d->cfg, d->storage, d->in, d->sinks, d->nsinks,
                             d->pub ? tixd_pub_sign_key(d->pub) : NULL, &d->state,
                             tix_config_int(d->cfg, "engine.grace_ms", 50)};
    d->eng = tixd_engine_new(&eo);
    return d->eng ? 0 : -1;
}

tixd_t *tixd_new(tix_config_t *cfg, const tixd_opts_t *opts)
{
    tixd_t *d = calloc(1, sizeof *d);
    if (!d) {
        tix_config_destroy(&cfg);
        TIX_SET_ERR(ENOMEM, "out of memory for tixd");
        return NULL;
    }
    d->o = *opts;
    d->cfg = d->pcfg = cfg;
    d->collector_role = opts->role == TIXD_ROLE_COLLECTOR;
    if (tixd_state_init(&d->state, cfg) != 0 || !(d->norm = tix_norm_new(cfg)))
        goto fail;
    if (d->collector_role && tix_config_lookup(cfg, "collector.forward") &&
        !(d->fwd = tix_forward_new(cfg)))
        goto fail;
    if (!d->collector_role && s_engine_stages(d) != 0)
        goto fail;
    const char *maddr = s_str(cfg, "publisher.metrics", "127.0.0.1:9464");
    if (strcmp(maddr, "off") != 0 &&
        !(d->metrics = tixd_metrics_new(maddr, &d->state, d->in, d->sinks, d->nsinks, d->storage,
                                         opts->role)))
        goto fail;
    if (!(d->col = s_collector(d, cfg)))
        goto fail;
    tix_info("tixd running (role %s, %s): %d tiers, %d mapping rules, %d fx rates, %d sources%s%s",
             tixd_role_name(opts->role), tix_allocator(), cfg->ntiers, cfg->nmapping, cfg->nfx, tix_collector_count(d->col),
             d->storage ? ", archive on" : "", d->pub ? ", publishing" : "");
    return d;
fail:
    {
        char why[TIX_ERR_MAX];
        snprintf(why, sizeof why, "%s", tix_err());
        tixd_destroy(&d);
        TIX_SET_ERR(EINVAL, "%s", why);
    }
    return NULL;
}

void tixd_destroy(tixd_t **self_p)
{
    assert(self_p);
    tixd_t *d = *self_p;
    if (!d)
        return;
    if (d->col)
        tix_collector_summary(d->col, stderr);
    if (d->fwd)
        fprintf(stderr, "forwarded %llu quote messages, dropped %llu at the high-water mark\n",
                (unsigned long long)tix_forward_sent(d->fwd),
                (unsigned long long)tix_forward_dropped(d->fwd));
    tix_collector_destroy(&d->col);   /* no more inputs */
    tixd_engine_destroy(&d->eng);     /* drains its queue into the engine and the journal */
    tixd_pub_destroy(&d->pub);        /* publishes what the engine queued */
    tixd_metrics_destroy(&d->metrics);
    tix_storage_destroy(&d->storage); /* flushes the journal and the archive */
    tix_forward_destroy(&d->fwd);
    tixd_queue_destroy(&d->in);
    tixd_queue_destroy(&d->pub_q);
    tix_norm_destroy(&d->norm);
    tixd_state_fini(&d->state);
    free(d->kept);
    if (d->pcfg != d->cfg)
        tix_config_destroy(&d->pcfg);
    tix_config_destroy(&d->cfg);
    free(d);
    *self_p = NULL;
}

int tixd_step(tixd_t *d, int64_t timeout_ms)
{
    if (tix_collector_step(d->col, timeout_ms) != 0)
        return -1;
    int64_t now = tix_time_mono_ns();
    if (now - d->last_snapshot >= 200 * TIX_NS_PER_MS) {
        d->last_snapshot = now;
        if (tixd_state_providers(&d->state, d->col) != 0)
            tix_warn("tixd: out of memory for provider metrics");
        if (d->fwd) {
            pthread_mutex_lock(&d->state.mu);
            d->state.forwarded = tix_forward_sent(d->fwd);
            d->state.forward_dropped = tix_forward_dropped(d->fwd);
            pthread_mutex_unlock(&d->state.mu);
        }
    }
    return 0;
}

/* ---- SIGHUP ---- */

static bool s_same_tier(const tix_tier_cfg_t *a, const tix_tier_cfg_t *b)
{
    return strcmp(a->id, b->id) == 0 && a->interval_ms == b->interval_ms &&
           a->stale_ms == b->stale_ms && a->w_in == b->w_in && a->w_out == b->w_out &&
           a->weighting == b->weighting && a->cap_bp == b->cap_bp &&
           a->min_providers == b->min_providers && a->outlier_k == b->outlier_k &&
           a->outlier_band_bp == b->outlier_band_bp && a->settle_ms == b->settle_ms &&
           a->window_min == b->window_min && a->partitions == b->partitions;
}

/* Tiers, mapping and fx: what the engine and normalization are a function of. */
static bool s_same_method(const tix_config_t *a, const tix_config_t *b)
{
    if (a->ntiers != b->ntiers || a->nmapping != b->nmapping || a->nfx != b->nfx)
        return false;
    for (int i = 0; i < a->ntiers; i++)
        if (!s_same_tier(&a->tiers[i], &b->tiers[i]))
            return false;
    for (int i = 0; i < a->nmapping; i++)
        if (strcmp(a->mapping[i].provider, b->mapping[i].provider) != 0 ||
            strcmp(a->mapping[i].model, b->mapping[i].model) != 0 ||
            a->mapping[i].tier != b->mapping[i].tier)
            return false;
    for (int i = 0; i < a->nfx; i++)
        if (strcmp(a->fx[i].code, b->fx[i].code) != 0 || a->fx[i].rate_e9 != b->fx[i].rate_e9)
            return false;
    return true;
}

static tix_config_t *s_reread(const char *path)
{
    tix_diag_t *diag = tix_diag_new();
    tix_config_t *cfg = tix_config_load(path, diag);
    if (cfg && tixd_check(cfg, diag) > 0) /* what start-up checks: OK means it would start */
        tix_config_destroy(&cfg);
    for (size_t i = 0; diag && i < tix_diag_count(diag); i++)
        tix_error("reload: %s", tix_diag_get(diag, i));
    if (!cfg && (!diag || tix_diag_count(diag) == 0))
        tix_error("reload: %s", tix_err());
    tix_diag_destroy(&diag);
    return cfg;
}

/* Remembers the counters of every provider of the collector about to go. */
static void s_keep_stats(tixd_t *d)
{
    for (int i = 0; d->col && i < tix_collector_count(d->col); i++) {
        const char *name = tix_collector_name(d->col, i);
        int k = 0;
        while (k < d->nkept && strcmp(d->kept[k].name, name) != 0)
            k++;
        if (k == d->nkept) {
            tixd_kept_t *n = realloc(d->kept, (size_t)(d->nkept + 1) * sizeof *n);
            if (!n) {
                tix_warn("reload: out of memory: provider %s's counters restart from 0", name);
                continue;
            }
            d->kept = n;
            snprintf(d->kept[d->nkept++].name, sizeof d->kept[0].name, "%s", name);
        }
        d->kept[k].st = *tix_collector_stats(d->col, i);
    }
}

/* Gives each provider of the new collector the counters its name had. */
static void s_restore_stats(tixd_t *d)
{
    for (int i = 0; d->col && i < tix_collector_count(d->col); i++)
        for (int k = 0; k < d->nkept; k++)
            if (strcmp(d->kept[k].name, tix_collector_name(d->col, i)) == 0)
                tix_collector_set_stats(d->col, i, &d->kept[k].st);
}

/* Swaps the collector for one built from `cfg` (the old one goes first: it holds binds). */
static int s_swap_providers(tixd_t *d, tix_config_t *cfg)
{
    s_keep_stats(d);
    tix_collector_destroy(&d->col);
    d->col = s_collector(d, cfg);
    if (!d->col) {
        tix_error("reload: providers: %s; keeping the previous providers", tix_err());
        d->col = s_collector(d, d->pcfg);
        s_restore_stats(d);
        tix_config_destroy(&cfg);
        return -1;
    }
    s_restore_stats(d);
    if (d->pcfg != d->cfg)
        tix_config_destroy(&d->pcfg);
    d->pcfg = cfg;
    return 0;
}

int tixd_reload(tixd_t *d)
{
    int rc = 0;
    if (d->pub && tixd_pub_reload(d->pub) != 0)
        rc = -1; /* logged by the ZAP handler; the previous list stays */
    tix_config_t *cfg = d->o.conf_path ? s_reread(d->o.conf_path) : NULL;
    if (!cfg) {
        tix_error("reload: %s: refused, providers unchanged", d->o.conf_path ? d->o.conf_path : "no file");
        rc = -1;
    } else if (!s_same_method(d->cfg, cfg)) {
        tix_error("reload: %s: tiers, mapping or fx changed: restart tixd to apply them (the engine "
                  "is a function of one configuration); providers unchanged", d->o.conf_path);
        tix_config_destroy(&cfg);
        rc = -1;
    } else if (s_swap_providers(d, cfg) != 0) {
        rc = -1;
    } else {
        tix_info("reload: %d sources from %s", tix_collector_count(d->col), d->o.conf_path);
    }
    atomic_fetch_add(rc == 0 ? &d->state.reloads : &d->state.reload_failures, 1);
    if (!d->col) {
        TIX_SET_ERR(EINVAL, "reload: no collector could be rebuilt");
        return -2; /* fatal: the caller stops */
    }
    return rc;
}

/* ---- endpoints and metrics ---- */

void tixd_print_endpoints(const tixd_t *d, FILE *f)
{
    if (d->pub)
        tixd_pub_print_endpoints(d->pub, f);
    if (d->metrics) {
        const char *addr = s_str(d->cfg, "publisher.metrics", "127.0.0.1:9464");
        fprintf(f, "metrics %.*s:%d\n", (int)(strrchr(addr, ':') - addr), addr,
                tixd_metrics_port(d->metrics));
    }
}

int tixd_write_endpoints(const tixd_t *d, const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        TIX_SET_ERR(errno, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    tixd_print_endpoints(d, f);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        TIX_SET_ERR(errno, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int tixd_render_metrics(tixd_t *d, char *buf, size_t len)
{
    return d->metrics ? tixd_metrics_render(d->metrics, buf, len) : -1;
}
