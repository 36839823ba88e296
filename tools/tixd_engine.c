/* tixd's engine stage: one thread consuming the ordered input queue, journalling every QUOTE and CLOCK it feeds the engine, and handing outputs to storage and the publisher. */
#include "tix/price.h"
#include "tix_engine.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_strtab.h"
#include "tix_time.h"
#include "tixd_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 256

struct tixd_engine_s {
    tixd_engine_opts_t o;
    tix_engine_t *eng;
    tix_strtab_t *names, *pairs; /* this thread's own: ids for the engine */
    pthread_t thread;
    bool started;
    atomic_bool stop;
    int64_t last_clock;  /* the last boundary fed as CLOCK */
    int *last_status;    /* per tier, -1 before the first tick: log changes only */
    bool storage_warned;
    uint64_t pub_dropped, pub_dropped_logged;
    uint64_t storage_refused_logged;
    tixd_in_t batch[BATCH];
};

/* A refused record breaks the archive's completeness, so it is logged, but rarely. */
static void s_stored(tixd_engine_t *e, int rc, const char *what)
{
    if (rc == 0)
        return;
    uint64_t n = atomic_fetch_add(&e->o.state->storage_refused, 1) + 1;
    if (!e->storage_warned || n >= e->storage_refused_logged * 10) {
        tix_error("engine: storage refused a %s record (%llu so far): %s", what,
                  (unsigned long long)n, tix_err());
        e->storage_warned = true;
        e->storage_refused_logged = n;
    }
}

/* A full queue means the publisher is behind. A tick is superseded within a second and is in
 * the archive, so it may be dropped (counted, logged each time the count grows tenfold); a
 * settlement happens once a day and waits (bounded) for room instead. */
static void s_publish(tixd_engine_t *e, const tixd_out_t *m)
{
    if (!e->o.out)
        return;
    int tries = m->kind == TIX_WIRE_SETTLEMENT ? 2000 : 1;
    for (int i = 0; i < tries; i++) {
        int rc = i + 1 < tries ? tixd_queue_offer(e->o.out, m) : tixd_queue_push(e->o.out, m);
        if (rc == 0)
            return;
        struct timespec ts = {0, 1000000};
        if (i + 1 < tries)
            nanosleep(&ts, NULL);
    }
    e->pub_dropped++;
    if (e->pub_dropped >= e->pub_dropped_logged * 10) {
        tix_error("engine: publisher queue full (%zu items): %llu %s dropped so far, see "
                  "tix_queue_dropped_total", tixd_queue_capacity(e->o.out),
                  (unsigned long long)e->pub_dropped,
                  m->kind == TIX_WIRE_SETTLEMENT ? "messages (a settlement among them)" : "messages");
        e->pub_dropped_logged = e->pub_dropped;
    }
}

static void s_on_tick(void *arg, const tix_tick_t *t)
{
    tixd_engine_t *e = arg;
    const tix_config_t *cfg = e->o.cfg;
    atomic_fetch_add(&e->o.state->ticks, 1);
    if (e->o.storage)
        s_stored(e, tix_storage_tick(e->o.storage, t, NULL), "tick");
    tixd_out_t m = {.kind = TIX_WIRE_TICK};
    snprintf(m.u.tick.tier, sizeof m.u.tick.tier, "%s", cfg->tiers[t->tier].id);
    m.u.tick.ts_ns = t->ts_ns;
    m.u.tick.price = t->price;
    m.u.tick.dispersion = t->dispersion;
    m.u.tick.n_used = t->n_used;
    m.u.tick.n_excluded = t->n_excluded;
    m.u.tick.n_stale = t->n_stale;
    m.u.tick.status = (uint8_t)t->status;
    s_publish(e, &m);
    pthread_mutex_lock(&e->o.state->mu);
    e->o.state->last_tick[t->tier] = *t;
    e->o.state->last_tick_wall_ns[t->tier] = tix_time_wall_ns();
    pthread_mutex_unlock(&e->o.state->mu);
    if (e->last_status[t->tier] == (int)t->status)
        return;
    e->last_status[t->tier] = (int)t->status;
    char p[TIX_PRICE_TEXT_MAX];
    tix_info("tier %s status %s price %s n_used %u n_excluded %u n_stale %u", cfg->tiers[t->tier].id,
             tix_status_name(t->status),
             t->price == TIX_PRICE_NULL ? "absent" : tix_price_format(t->price, p, sizeof p),
             t->n_used, t->n_excluded, t->n_stale);
}

/* Signs here, on the engine thread, so the archived record carries the signature the feed
 * carries (Ed25519 is deterministic: the publisher's own signing yields the same bytes). */
static void s_sign(const tix_sign_key_t *k, tix_wire_settlement_t *w)
{
    uint8_t tmp[TIX_WIRE_SETTLEMENT_SIZE], signed_bytes[128];
    tix_wire_header_t h = {0};
    memcpy(w->key_id, k->key_id, TIX_WIRE_KEY_ID_SIZE);
    memset(w->signature, 0, sizeof w->signature);
    if (tix_wire_encode_settlement(&h, w, tmp, sizeof tmp) < 0) {
        tix_error("engine: settlement for %s does not encode: left unsigned", w->tier);
        return;
    }
    size_t n = tix_wire_settlement_signed_bytes(tmp, signed_bytes);
    tix_sign(k, signed_bytes, n, w->signature);
}

static void s_on_settlement(void *arg, const tix_settlement_t *s)
{
    tixd_engine_t *e = arg;
    atomic_fetch_add(&e->o.state->settlements, 1);
    tixd_out_t m = {.kind = TIX_WIRE_SETTLEMENT};
    tix_wire_settlement_t *w = &m.u.stl;
    snprintf(w->tier, sizeof w->tier, "%s", e->o.cfg->tiers[s->tier].id);
    w->ts_ns = s->ts_ns;
    w->price = s->price;
    memcpy(w->date, s->date, sizeof w->date);
    w->status = (uint8_t)s->status;
    w->partitions_used = s->partitions_used;
    if (e->o.sign)
        s_sign(e->o.sign, w);
    if (e->o.storage)
        s_stored(e, tix_storage_settlement(e->o.storage, s, e->o.sign ? w->signature : NULL,
                                           e->o.sign ? w->key_id : NULL, NULL),
                 "settlement");
    s_publish(e, &m);
    char p[TIX_PRICE_TEXT_MAX], sig[9] = "unsigned";
    if (e->o.sign)
        snprintf(sig, sizeof sig, "%02x%02x%02x%02x", w->signature[0], w->signature[1],
                 w->signature[2], w->signature[3]);
    tix_info("settlement %s tier %s status %s price %s partitions_used %u signature %s", s->date,
             w->tier, tix_settle_status_name(s->status),
             s->price == TIX_PRICE_NULL ? "absent" : tix_price_format(s->price, p, sizeof p),
             s->partitions_used, sig);
}

static void s_quote_out(tixd_engine_t *e, const tixd_in_t *in)
{
    tixd_out_t m = {.kind = TIX_WIRE_QUOTE};
    tix_wire_quote_t *w = &m.u.quote;
    w->recv_ns = in->q.recv_ns;
    snprintf(w->provider, sizeof w->provider, "%s", in->provider);
    snprintf(w->model, sizeof w->model, "%.95s", in->model); /* the wire field is shorter */
    snprintf(w->currency, sizeof w->currency, "%s", in->currency);
    snprintf(w->tier, sizeof w->tier, "%s", e->o.cfg->tiers[in->q.tier].id);
    w->unit = (uint32_t)in->q.unit;
    w->local_input = in->q.local_input;
    w->local_output = in->q.local_output;
    w->local_cached = in->q.local_cached;
    w->fx_e9 = in->q.fx_e9;
    w->input = in->q.input;
    w->output = in->q.output;
    w->cached = in->q.cached;
    w->blended = in->q.blended;
    w->volume = in->q.volume;
    s_publish(e, &m);
}

/* Interns the names in this thread's tables: the ids the engine sees are its own. */
static int s_ids(tixd_engine_t *e, tixd_in_t *in)
{
    int64_t p = tix_strtab_intern(e->names, in->provider, strlen(in->provider));
    int64_t m = tix_strtab_intern(e->names, in->model, strlen(in->model));
    if (p < 0 || m < 0)
        return -1;
    uint32_t ids[2] = {(uint32_t)p, (uint32_t)m};
    int64_t pair = tix_strtab_intern(e->pairs, (const char *)ids, sizeof ids);
    if (pair < 0)
        return -1;
    in->q.provider = ids[0];
    in->q.model = ids[1];
    in->q.pair = (uint32_t)pair;
    return 0;
}

/* Engine inputs must be journalled before they are fed, or replay would differ from what was
 * published: a full storage queue is waited out briefly (it drains at millions of records a
 * second); only then is the input given up, never fed unjournalled. */
#define JOURNAL_TRIES 1000 /* × 1 ms */

static bool s_full(void) { return tix_err_code() == EAGAIN; }

static int s_journal_quote(tixd_engine_t *e, const tixd_in_t *in)
{
    int rc = -1;
    for (int i = 0; i < JOURNAL_TRIES; i++) {
        rc = tix_storage_quote(e->o.storage, &in->q, in->provider, in->model, in->currency,
                               in->reason, NULL);
        if (rc == 0 || !s_full())
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    s_stored(e, rc, "quote");
    return rc;
}

static int s_journal_clock(tixd_engine_t *e, int64_t b)
{
    int rc = -1;
    for (int i = 0; i < JOURNAL_TRIES; i++) {
        rc = tix_storage_clock(e->o.storage, TIX_CLOCK_TICK, b, NULL);
        if (rc == 0 || !s_full())
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    s_stored(e, rc, "clock");
    return rc;
}

/* One input: journalled first (the archive's order is the engine's order), then fed. */
static void s_input(tixd_engine_t *e, tixd_in_t *in)
{
    /* Ids before the journal: an input journalled must be an input fed. */
    if (in->reason == TIX_REASON_NONE && s_ids(e, in) != 0) {
        tix_error("engine: out of memory interning %s/%s", in->provider, in->model);
        return;
    }
    if (e->o.storage && s_journal_quote(e, in) != 0)
        return; /* not journalled, so not fed: counted in storage_refused */
    if (in->reason != TIX_REASON_NONE) {
        atomic_fetch_add(&e->o.state->refused, 1);
        return;
    }
    atomic_fetch_add(&e->o.state->quotes, 1);
    if (in->q.recv_ns <= e->last_clock)
        atomic_fetch_add(&e->o.state->late, 1); /* counts for later boundaries only */
    if (tix_engine_quote(e->eng, &in->q) != 0)
        tix_error("engine: quote %s/%s refused: %s", in->provider, in->model, tix_err());
    if (e->o.publish_quotes)
        s_quote_out(e, in);
}

/* Injects CLOCK(b) for every boundary b with b + grace ≤ now, each journalled first. */
static void s_clocks(tixd_engine_t *e)
{
    int64_t now = tix_time_wall_ns(), grace = e->o.grace_ms * TIX_NS_PER_MS;
    for (int64_t b; (b = tix_engine_next_boundary(e->eng)) <= now - grace;) {
        if (e->o.storage && s_journal_clock(e, b) != 0)
            return; /* the boundary waits for the journal: retried on the next turn */
        atomic_fetch_add(&e->o.state->clocks, 1);
        e->last_clock = b;
        if (tix_engine_clock(e->eng, b) != 0) {
            tix_error("engine: clock %lld: %s", (long long)b, tix_err());
            return;
        }
    }
}

static void *s_main(void *arg)
{
    tixd_engine_t *e = arg;
    for (;;) {
        bool stopping = atomic_load(&e->stop);
        int64_t wait = 0;
        if (!stopping) {
            int64_t due = tix_engine_next_boundary(e->eng) + e->o.grace_ms * TIX_NS_PER_MS;
            wait = (due - tix_time_wall_ns()) / TIX_NS_PER_MS + 1;
            wait = wait < 1 ? 1 : wait > 100 ? 100 : wait;
        }
        size_t n = tixd_queue_pop(e->o.in, e->batch, BATCH, wait);
        for (size_t i = 0; i < n; i++)
            s_input(e, &e->batch[i]);
        atomic_store(&e->o.state->engine_alive_ns, tix_time_mono_ns());
        if (stopping && n == 0)
            break; /* drained: everything queued before the stop was journalled and fed */
        if (!stopping)
            s_clocks(e);
    }
    return NULL;
}

tixd_engine_t *tixd_engine_new(const tixd_engine_opts_t *opts)
{
    tixd_engine_t *e = calloc(1, sizeof *e);
    if (!e) {
        TIX_SET_ERR(ENOMEM, "out of memory for the engine stage");
        return NULL;
    }
    e->o = *opts;
    e->last_status = malloc((size_t)opts->cfg->ntiers * sizeof *e->last_status);
    e->names = tix_strtab_new();
    e->pairs = tix_strtab_new();
    tix_engine_sink_t sink = {s_on_tick, s_on_settlement, e};
    if (!e->last_status || !e->names || !e->pairs ||
        !(e->eng = tix_engine_new(opts->cfg, e->names, &sink)))
        goto fail;
    for (int i = 0; i < opts->cfg->ntiers; i++)
        e->last_status[i] = -1;
    int64_t now = tix_time_wall_ns();
    /* START tells tix-replay --verify that a fresh engine began here (a new process). */
    if (opts->storage && tix_storage_clock(opts->storage, TIX_CLOCK_START, now, NULL) != 0)
        goto fail;
    if (tix_engine_start(e->eng, now) != 0)
        goto fail;
    e->last_clock = now;
    atomic_store(&opts->state->engine_alive_ns, tix_time_mono_ns());
    if (pthread_create(&e->thread, NULL, s_main, e) != 0) {
        TIX_SET_ERR(EAGAIN, "cannot start the engine thread");
        goto fail;
    }
    e->started = true;
    return e;
fail:
    if (!tix_err()[0])
        TIX_SET_ERR(ENOMEM, "out of memory for the engine stage");
    tixd_engine_destroy(&e);
    return NULL;
}

void tixd_engine_destroy(tixd_engine_t **self_p)
{
    assert(self_p);
    tixd_engine_t *e = *self_p;
    if (!e)
        return;
    if (e->started) {
        atomic_store(&e->stop, true);
        tixd_queue_wake(e->o.in);
        pthread_join(e->thread, NULL);
    }
    tix_engine_destroy(&e->eng);
    tix_strtab_destroy(&e->names);
    tix_strtab_destroy(&e->pairs);
    free(e->last_status);
    free(e);
    *self_p = NULL;
}
