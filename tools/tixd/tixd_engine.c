/* tixd's engine stage: one thread journalling every QUOTE and CLOCK, feeding the engine only inputs already durable, and handing outputs to the sinks only once they are durable too. */
/*
 * Invariants (the audit promise: replaying the archive reproduces the feed bit for bit):
 *
 * - Journal before feed. An input (QUOTE, CLOCK) reaches the engine only once its journal
 *   record is written (safe from kill -9), in journal order, so that every output the
 *   engine computes follows from inputs the archive holds. An input the journal refuses is
 *   never fed. One CLOCK is outstanding at a time: the next boundary is known only once the
 *   engine has been fed the last.
 * - Durable before publish. Storage is the sink that makes outputs durable: each tick and
 *   settlement is journalled when computed, then waits in a FIFO until its record is
 *   fdatasync'ed (and so every input before it). Only then is it handed to the sinks of
 *   `sinks` (the publisher; later finals, a gateway), each with its own queue and drop
 *   policy: a subscriber never sees an output the archive could lose. An output storage
 *   refused is never handed on. A tick ready more than engine.late_ms after its boundary
 *   is archived but handed to no sink (late_ticks).
 * - Signed on the engine thread. A settlement is signed here, before it is journalled, so
 *   the archived record and the published message carry the same signature (Ed25519 is
 *   deterministic: the publisher's own signing of the same bytes agrees).
 */
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
/* Quotes submitted to storage but not yet journalled: as many as the storage queue holds (the
 * rest waits in the collector's queue, which drops and counts when full). */
#define MAX_PENDING_QUOTES 65536
/* Storage queue room left for clocks and outputs: quotes never take it. */
#define HEADROOM 1024

/* Something waiting for the journal: an input to feed once record `seq` is journalled, or an
 * output to publish once it is durable. */
typedef enum { P_QUOTE, P_CLOCK, P_OUT } s_pkind_t;
typedef struct {
    uint64_t seq;
    s_pkind_t kind;
    union {
        tixd_in_t in;
        int64_t ns;
        tixd_out_t out;
    } u;
} s_pending_t;

/* A FIFO in seq order, grown when full (the outputs of a catch-up). */
typedef struct {
    s_pending_t *v;
    size_t head, count, cap;
} s_fifo_t;

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
    bool take[TIX_WIRE_QUOTE + 1]; /* per output kind: whether any sink takes it */
    uint64_t storage_refused_logged;
    int64_t late_ns;      /* engine.late_ms: a tick ready this long after b + grace is withheld */
    bool clock_pending;   /* a CLOCK is journalled but not yet fed: the next waits for it */
    s_fifo_t ins, outs;   /* inputs waiting to be journalled, outputs waiting to be durable */
    size_t pquotes;       /* quotes in `ins` */
    size_t carry_i, carry_n; /* batch[carry_i..carry_n): popped, not yet submitted */
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

static int s_later(tixd_engine_t *e, s_pkind_t kind, uint64_t seq, const void *u, size_t len);
static int s_journal(tixd_engine_t *e, tix_record_t *r, const char *what, uint64_t *seq);

/* A tick is journalled now and published once durable (s_release). */
static void s_on_tick(void *arg, const tix_tick_t *t)
{
    tixd_engine_t *e = arg;
    const tix_config_t *cfg = e->o.cfg;
    atomic_fetch_add(&e->o.state->ticks, 1);
    tix_record_t r = {.kind = TIX_REC_TICK};
    r.u.tick = *t;
    uint64_t seq = 0;
    tixd_out_t m = {.kind = TIX_WIRE_TICK};
    snprintf(m.u.tick.tier, sizeof m.u.tick.tier, "%s", cfg->tiers[t->tier].id);
    m.u.tick.ts_ns = t->ts_ns;
    m.u.tick.price = t->price;
    m.u.tick.dispersion = t->dispersion;
    m.u.tick.n_used = t->n_used;
    m.u.tick.n_excluded = t->n_excluded;
    m.u.tick.n_stale = t->n_stale;
    m.u.tick.status = (uint8_t)t->status;
    if ((!e->o.storage || s_journal(e, &r, "tick", &seq) == 0) && e->take[TIX_WIRE_TICK]) {
        m.rec_seq = seq;
        (void)s_later(e, P_OUT, seq, &m, sizeof m); /* not journalled: never published */
    }
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
    tix_record_t r = {.kind = TIX_REC_SETTLE};
    r.u.settle.s = *s;
    if (e->o.sign) {
        memcpy(r.u.settle.signature, w->signature, TIX_SIG_SIZE);
        memcpy(r.u.settle.key_id, w->key_id, TIX_KEY_ID_SIZE);
    }
    uint64_t seq = 0;
    if ((!e->o.storage || s_journal(e, &r, "settlement", &seq) == 0) && e->take[TIX_WIRE_SETTLEMENT]) {
        m.rec_seq = seq;
        (void)s_later(e, P_OUT, seq, &m, sizeof m);
    }
    char p[TIX_PRICE_TEXT_MAX], sig[9] = "unsigned";
    if (e->o.sign)
        snprintf(sig, sizeof sig, "%02x%02x%02x%02x", w->signature[0], w->signature[1],
                 w->signature[2], w->signature[3]);
    tix_info("settlement %s tier %s status %s price %s partitions_used %u signature %s", s->date,
             w->tier, tix_settle_status_name(s->status),
             s->price == TIX_PRICE_NULL ? "absent" : tix_price_format(s->price, p, sizeof p),
             s->partitions_used, sig);
}

static void s_quote_out(tixd_engine_t *e, const tixd_in_t *in, uint64_t seq)
{
    tixd_out_t m = {.kind = TIX_WIRE_QUOTE, .rec_seq = seq};
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
    (void)s_later(e, P_OUT, seq, &m, sizeof m); /* published once durable */
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

/* ---- durability: an input is fed once journalled, an output published once durable ---- */

/* Clocks and outputs wait out a full storage queue briefly (it drains at millions of records
 * a second, and quotes leave HEADROOM for them); only then is one given up, counted. */
#define JOURNAL_TRIES 1000 /* × 1 ms */

static int s_journal(tixd_engine_t *e, tix_record_t *r, const char *what, uint64_t *seq)
{
    int rc = -1;
    for (int i = 0; i < JOURNAL_TRIES; i++) {
        rc = tix_storage_submit(e->o.storage, r, seq);
        if (rc == 0 || tix_err_code() != EAGAIN)
            break;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    s_stored(e, rc, what);
    return rc;
}

static int s_grow(s_fifo_t *f)
{
    size_t cap = f->cap ? f->cap * 2 : MAX_PENDING_QUOTES + HEADROOM;
    s_pending_t *p = malloc(cap * sizeof *p);
    if (!p) {
        TIX_SET_ERR(ENOMEM, "out of memory for %zu pending engine events", cap);
        return -1;
    }
    for (size_t i = 0; i < f->count; i++)
        p[i] = f->v[(f->head + i) % f->cap];
    free(f->v);
    f->v = p;
    f->cap = cap;
    f->head = 0;
    return 0;
}

/* Takes the oldest entry out (a copy: what it causes may queue more). */
static s_pending_t s_pop(s_fifo_t *f)
{
    s_pending_t p = f->v[f->head];
    f->head = (f->head + 1) % f->cap;
    f->count--;
    return p;
}

/* Queues an input to feed once record `seq` is journalled, or an output to publish once it
 * is durable. */
static int s_later(tixd_engine_t *e, s_pkind_t kind, uint64_t seq, const void *u, size_t len)
{
    s_fifo_t *f = kind == P_OUT ? &e->outs : &e->ins;
    if (f->count == f->cap && s_grow(f) != 0) {
        tix_error("engine: %s: seq %llu is journalled but will not be used", tix_err(),
                  (unsigned long long)seq);
        return -1;
    }
    s_pending_t *p = &f->v[(f->head + f->count++) % f->cap];
    p->seq = seq;
    p->kind = kind;
    memcpy(&p->u, u, len);
    e->pquotes += kind == P_QUOTE;
    return 0;
}

/* A journalled input (record `seq`), fed to the engine. */
static void s_feed(tixd_engine_t *e, const tixd_in_t *in, uint64_t seq)
{
    if (in->reason != TIX_REASON_NONE) {
        atomic_fetch_add(&e->o.state->refused, 1);
        return;
    }
    atomic_fetch_add(&e->o.state->quotes, 1);
    if (in->q.recv_ns <= e->last_clock)
        atomic_fetch_add(&e->o.state->late, 1); /* counts for later boundaries only */
    if (tix_engine_quote(e->eng, &in->q) != 0)
        tix_error("engine: quote %s/%s refused: %s", in->provider, in->model, tix_err());
    if (e->take[TIX_WIRE_QUOTE])
        s_quote_out(e, in, seq);
}

static void s_feed_clock(tixd_engine_t *e, int64_t ns)
{
    atomic_fetch_add(&e->o.state->clocks, 1);
    e->last_clock = ns;
    e->clock_pending = false;
    if (tix_engine_clock(e->eng, ns) != 0)
        tix_error("engine: clock %lld: %s", (long long)ns, tix_err());
}

/* A durable output, for the sinks. A tick ready more than late_ms after its boundary was due
 * (after a journal outage) is in the archive but not published: subscribers never get a past
 * tick as if it were on time. Settlements are published however late. */
static void s_release(tixd_engine_t *e, const tixd_out_t *m)
{
    if (m->kind == TIX_WIRE_TICK &&
        tix_time_wall_ns() > m->u.tick.ts_ns + e->o.grace_ms * TIX_NS_PER_MS + e->late_ns) {
        uint64_t n = atomic_fetch_add(&e->o.state->late_ticks, 1) + 1;
        tix_warn_limited("engine: tick %s at %lld is %lld ms late (the journal or the engine "
                         "was behind): archived, not published (%llu so far, "
                         "tix_engine_late_ticks_total)", m->u.tick.tier, (long long)m->u.tick.ts_ns,
                         (long long)((tix_time_wall_ns() - m->u.tick.ts_ns) / TIX_NS_PER_MS),
                         (unsigned long long)n);
        return;
    }
    tixd_sinks_deliver(e->o.sinks, e->o.nsinks, m);
}

/* Feeds, in seq order, the inputs whose records are journalled, and publishes, in seq order,
 * the outputs whose records are durable. */
static void s_drain(tixd_engine_t *e, const tix_storage_flow_t *f)
{
    while (e->ins.count && e->ins.v[e->ins.head].seq <= f->journalled) {
        s_pending_t p = s_pop(&e->ins);
        if (p.kind == P_QUOTE) {
            e->pquotes--;
            s_feed(e, &p.u.in, p.seq);
        } else {
            s_feed_clock(e, p.u.ns);
        }
    }
    while (e->outs.count && e->outs.v[e->outs.head].seq <= f->durable) {
        s_pending_t p = s_pop(&e->outs);
        s_release(e, &p.u.out);
    }
    atomic_store(&e->o.state->engine_pending, e->ins.count + e->outs.count);
}

static void s_flow(tixd_engine_t *e, tix_storage_flow_t *f)
{
    if (e->o.storage)
        tix_storage_flow(e->o.storage, f);
    else
        *f = (tix_storage_flow_t){UINT64_MAX, UINT64_MAX, SIZE_MAX, true};
}

/* Journals one input. 0 when queued to be fed (or refused for good: counted, never fed); 1
 * when the storage queue is full (it stays with the caller). */
static int s_submit_quote(tixd_engine_t *e, tixd_in_t *in)
{
    /* Ids before the journal: an input journalled must be an input fed. */
    if (in->reason == TIX_REASON_NONE && s_ids(e, in) != 0) {
        tix_error("engine: out of memory interning %s/%s", in->provider, in->model);
        return 0;
    }
    uint64_t seq = 0;
    if (e->o.storage && tix_storage_quote(e->o.storage, &in->q, in->provider, in->model,
                                          in->currency, in->reason, &seq) != 0) {
        if (tix_err_code() == EAGAIN)
            return 1;
        s_stored(e, -1, "quote");
        return 0;
    }
    (void)s_later(e, P_QUOTE, seq, in, sizeof *in);
    return 0;
}

/* Takes inputs from the collector's queue into the journal while it takes quotes and there
 * is room. During a journal outage they stay in that queue (bounded: the collector drops and
 * counts what does not fit). Returns how many were submitted. */
static size_t s_take(tixd_engine_t *e, tix_storage_flow_t *f, int64_t wait_ms)
{
    if (!f->take_quotes)
        return 0;
    if (e->carry_i == e->carry_n) {
        e->carry_i = 0;
        e->carry_n = tixd_queue_pop(e->o.in, e->batch, BATCH, wait_ms);
    }
    size_t n = 0;
    while (e->carry_i < e->carry_n && e->pquotes < MAX_PENDING_QUOTES && f->room > HEADROOM &&
           s_submit_quote(e, &e->batch[e->carry_i]) == 0) {
        e->carry_i++;
        f->room--;
        n++;
    }
    return n;
}

/* Journals CLOCK(b) for the next boundary b once wall time passes b + grace; one at a time,
 * since the next boundary is known only once the engine has been fed it. Far behind (after a
 * journal outage) one CLOCK(now − grace) computes every boundary passed: those ticks are late,
 * archived and withheld (s_release). */
static void s_clocks(tixd_engine_t *e)
{
    int64_t now = tix_time_wall_ns(), grace = e->o.grace_ms * TIX_NS_PER_MS;
    int64_t b = tix_engine_next_boundary(e->eng);
    if (e->clock_pending || b > now - grace)
        return;
    int64_t ns = now - grace - b > e->late_ns ? now - grace : b;
    tix_record_t r = {.kind = TIX_REC_CLOCK};
    r.u.clock.kind = TIX_CLOCK_TICK;
    r.u.clock.ns = ns;
    uint64_t seq = 0;
    if (e->o.storage && s_journal(e, &r, "clock", &seq) != 0)
        return; /* the boundary waits for the journal: retried on the next turn */
    e->clock_pending = s_later(e, P_CLOCK, seq, &ns, sizeof ns) == 0;
}

/* Milliseconds until the next CLOCK is due, 1 to 100. */
static int64_t s_wait_ms(tixd_engine_t *e)
{
    int64_t due = tix_engine_next_boundary(e->eng) + e->o.grace_ms * TIX_NS_PER_MS;
    int64_t wait = (due - tix_time_wall_ns()) / TIX_NS_PER_MS + 1;
    return wait < 1 ? 1 : wait > 100 ? 100 : wait;
}

/* Nothing taken this turn: wait for the journal (something is pending) or the clock. */
static void s_idle(tixd_engine_t *e, const tix_storage_flow_t *f, int64_t wait_ms)
{
    int64_t ms = wait_ms < 10 ? wait_ms : 10;
    if (e->ins.count && e->o.storage) {
        (void)tix_storage_wait(e->o.storage, e->ins.v[e->ins.head].seq, false, ms);
        return;
    }
    if (e->outs.count && e->o.storage) {
        (void)tix_storage_wait(e->o.storage, e->outs.v[e->outs.head].seq, true, ms);
        return;
    }
    if (!f->take_quotes)
        nanosleep(&(struct timespec){0, (wait_ms < 20 ? wait_ms : 20) * TIX_NS_PER_MS}, NULL);
}

/* Stopping: done once every queued input is journalled and fed and every output published,
 * or after 5 s if the journal cannot take them (they are then not fed: nothing unjournalled
 * is used). */
static bool s_stopped(tixd_engine_t *e, const tix_storage_flow_t *f, int64_t *give_up)
{
    bool inputs = e->carry_i < e->carry_n || (f->take_quotes && tixd_queue_depth(e->o.in) > 0);
    size_t pending = e->ins.count + e->outs.count;
    if (!inputs && pending == 0)
        return true;
    int64_t now = tix_time_mono_ns();
    if (!*give_up)
        *give_up = now + 5 * TIX_NS_PER_S;
    if (now < *give_up)
        return false;
    tix_error("engine: stopping with %zu events not durable and %zu inputs not journalled "
              "(journal: %s): they are not used", pending,
              e->carry_n - e->carry_i + tixd_queue_depth(e->o.in),
              f->take_quotes ? "slow" : "down");
    return true;
}

static void *s_main(void *arg)
{
    tixd_engine_t *e = arg;
    int64_t give_up = 0;
    for (;;) {
        bool stopping = atomic_load(&e->stop);
        tix_storage_flow_t f;
        s_flow(e, &f);
        s_drain(e, &f);
        int64_t wait = stopping ? 10 : s_wait_ms(e);
        size_t took = s_take(e, &f, e->ins.count || e->outs.count || stopping ? 0 : wait);
        if (!stopping)
            s_clocks(e);
        if (!e->o.storage)
            s_drain(e, &f);
        atomic_store(&e->o.state->engine_alive_ns, tix_time_mono_ns());
        if (stopping && !took && s_stopped(e, &f, &give_up))
            break;
        if (!took)
            s_idle(e, &f, wait);
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
    e->late_ns = tix_config_int(opts->cfg, "engine.late_ms", TIXD_LATE_MS) * TIX_NS_PER_MS;
    e->last_status = malloc((size_t)opts->cfg->ntiers * sizeof *e->last_status);
    e->names = tix_strtab_new();
    e->pairs = tix_strtab_new();
    tix_engine_sink_t sink = {s_on_tick, s_on_settlement, e};
    if (!e->last_status || !e->names || !e->pairs || s_grow(&e->ins) != 0 || s_grow(&e->outs) != 0 ||
        !(e->eng = tix_engine_new(opts->cfg, e->names, &sink)))
        goto fail;
    for (int i = 0; i < opts->cfg->ntiers; i++)
        e->last_status[i] = -1;
    for (uint16_t k = TIX_WIRE_TICK; k <= TIX_WIRE_QUOTE; k++)
        e->take[k] = tixd_sinks_take(opts->sinks, opts->nsinks, k);
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
    free(e->ins.v);
    free(e->outs.v);
    free(e);
    *self_p = NULL;
}
