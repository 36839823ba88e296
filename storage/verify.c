/* Archive audit: re-normalize archived quotes, replay quotes + clock events through the engine in seq order, compare outputs. */
#include "tix_verify.h"
#include "tix_archive.h"
#include "tix_engine.h"
#include "tix_err.h"
#include "tix_journal.h"
#include "tix_storage.h"
#include "tix_strtab.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    const tix_config_t *cfg;
    tix_strtab_t *names, *pairs;
    tix_engine_t *eng;
    tix_record_t *fifo; /* recomputed outputs not yet matched */
    size_t head, n, cap;
    int oom;
    long quotes, refused, clocks, ticks, settles;
    const char *file;
} s_v_t;

static void s_push(s_v_t *v, const tix_record_t *r)
{
    if (v->head > 0 && v->head == v->n)
        v->head = v->n = 0;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        tix_record_t *f = realloc(v->fifo, cap * sizeof *f);
        if (!f) {
            v->oom = 1;
            return;
        }
        v->fifo = f;
        v->cap = cap;
    }
    v->fifo[v->n++] = *r;
}

static void s_on_tick(void *arg, const tix_tick_t *t)
{
    tix_record_t r = {.kind = TIX_REC_TICK};
    r.u.tick = *t;
    s_push(arg, &r);
}

static void s_on_settle(void *arg, const tix_settlement_t *s)
{
    tix_record_t r = {.kind = TIX_REC_SETTLE};
    r.u.settle.s = *s;
    s_push(arg, &r);
}

static int s_diff(const s_v_t *v, uint64_t seq, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "tix-replay: verify: first difference at seq %llu in %s: ",
            (unsigned long long)seq, v->file);
    fprintf(stderr, "%s", fmt);
    fprintf(stderr, ": archived %s, recomputed %s\n", a, b);
    return 1;
}

static int s_engine(s_v_t *v, bool fresh)
{
    if (v->eng && !fresh)
        return 0;
    tix_engine_destroy(&v->eng);
    tix_engine_sink_t sink = {s_on_tick, s_on_settle, v};
    v->eng = tix_engine_new(v->cfg, v->names, &sink);
    return v->eng ? 0 : -1;
}

/* §3 again from the archived local prices: usd = round(local × fx), then the blend. */
static int s_renormalize(const s_v_t *v, uint64_t seq, const tix_rec_quote_t *q)
{
    char a[64], b[64];
    const tix_tier_cfg_t *t = &v->cfg->tiers[q->tier];
    const tix_price_t loc[3] = {q->local_input, q->local_output, q->local_cached};
    const tix_price_t got[3] = {q->input, q->output, q->cached};
    static const char *field[3] = {"quote input", "quote output", "quote cached_input"};
    tix_price_t usd[3];
    for (int i = 0; i < 3; i++) {
        usd[i] = TIX_PRICE_NULL;
        if (loc[i] != TIX_PRICE_NULL && tix_price_convert(loc[i], q->fx_e9, &usd[i]) != TIX_PRICE_OK)
            usd[i] = TIX_PRICE_NULL;
        if (usd[i] != got[i])
            return s_diff(v, seq, field[i], tix_price_format(got[i], a, sizeof a),
                          tix_price_format(usd[i], b, sizeof b));
    }
    __int128 in = t->w_in > 0 ? usd[0] : 0, out = t->w_out > 0 ? usd[1] : 0;
    __int128 den = t->w_in + t->w_out;
    __int128 blended = (t->w_in * in + t->w_out * out + den / 2) / den;
    if (blended != q->blended) {
        tix_price_t bl = blended >= INT64_MAX ? TIX_PRICE_NULL : (tix_price_t)blended;
        return s_diff(v, seq, "quote blended", tix_price_format(q->blended, a, sizeof a),
                      tix_price_format(bl, b, sizeof b));
    }
    return 0;
}

static int s_intern(s_v_t *v, tix_strtab_t *t, const void *s, size_t len, uint32_t *id)
{
    int64_t r = tix_strtab_intern(t, s, len);
    if (r < 0) {
        TIX_SET_ERR(ENOMEM, "out of memory");
        return -1;
    }
    (void)v;
    *id = (uint32_t)r;
    return 0;
}

static int s_quote(s_v_t *v, uint64_t seq, const tix_rec_quote_t *rq)
{
    v->quotes++;
    if (rq->reason != TIX_REASON_NONE) {
        v->refused++;
        return 0;
    }
    char a[32], b[32];
    if (rq->tier < 0 || rq->tier >= v->cfg->ntiers) {
        snprintf(a, sizeof a, "%d", (int)rq->tier);
        return s_diff(v, seq, "quote tier", a, "a tier of the configuration");
    }
    int m = tix_config_map(v->cfg, rq->provider, rq->model);
    if (m != rq->tier) {
        snprintf(a, sizeof a, "%d", (int)rq->tier);
        snprintf(b, sizeof b, "%d", m);
        return s_diff(v, seq, "quote tier (mapping)", a, b);
    }
    int d = s_renormalize(v, seq, rq);
    if (d != 0)
        return d;
    tix_quote_t q = {0};
    uint32_t ids[2];
    if (s_intern(v, v->names, rq->provider, strlen(rq->provider), &q.provider) ||
        s_intern(v, v->names, rq->model, strlen(rq->model), &q.model))
        return -1;
    ids[0] = q.provider;
    ids[1] = q.model;
    if (s_intern(v, v->pairs, ids, sizeof ids, &q.pair) || s_engine(v, false) != 0)
        return -1;
    q.recv_ns = rq->recv_ns;
    q.tier = rq->tier;
    q.input = rq->input;
    q.output = rq->output;
    q.cached = rq->cached;
    q.blended = rq->blended;
    q.volume = rq->volume;
    return tix_engine_quote(v->eng, &q);
}

static int s_clock(s_v_t *v, const tix_record_t *r)
{
    v->clocks++;
    switch (r->u.clock.kind) {
    case TIX_CLOCK_START:
        /* A new process: outputs its predecessor computed but never journalled (it was
         * killed between an input and its outputs) cannot be archived; say so, go on. */
        if (v->head < v->n)
            fprintf(stderr, "tix-replay: verify: note: %zu output(s) recomputed before the restart "
                    "at seq %llu were not archived (the process stopped before storing them)\n",
                    v->n - v->head, (unsigned long long)r->seq);
        v->head = v->n = 0;
        return s_engine(v, true) != 0 ? -1 : tix_engine_start(v->eng, r->u.clock.ns);
    case TIX_CLOCK_TICK:
        return s_engine(v, false) != 0 ? -1 : tix_engine_clock(v->eng, r->u.clock.ns);
    case TIX_CLOCK_CLOSE:
        return s_engine(v, false) != 0 ? -1 : tix_engine_close(v->eng, r->u.clock.ns);
    }
    return 0;
}

static void s_tick_text(const s_v_t *v, const tix_tick_t *t, char *buf, size_t len)
{
    char p[TIX_PRICE_TEXT_MAX], d[TIX_PRICE_TEXT_MAX];
    snprintf(buf, len, "tick ts_ns %lld tier %s price %s status %s n_used %u n_excluded %u "
             "n_stale %u dispersion %s", (long long)t->ts_ns,
             t->tier >= 0 && t->tier < v->cfg->ntiers ? v->cfg->tiers[t->tier].id : "?",
             tix_price_format(t->price, p, sizeof p), tix_status_name(t->status), t->n_used,
             t->n_excluded, t->n_stale, tix_price_format(t->dispersion, d, sizeof d));
}

static void s_settle_text(const s_v_t *v, const tix_settlement_t *s, char *buf, size_t len)
{
    char p[TIX_PRICE_TEXT_MAX];
    snprintf(buf, len, "settlement %.10s tier %s ts_ns %lld price %s status %s m %u", s->date,
             s->tier >= 0 && s->tier < v->cfg->ntiers ? v->cfg->tiers[s->tier].id : "?",
             (long long)s->ts_ns, tix_price_format(s->price, p, sizeof p),
             tix_settle_status_name(s->status), s->partitions_used);
}

static void s_text(const s_v_t *v, const tix_record_t *r, char *buf, size_t len)
{
    if (!r)
        snprintf(buf, len, "nothing");
    else if (r->kind == TIX_REC_TICK)
        s_tick_text(v, &r->u.tick, buf, len);
    else
        s_settle_text(v, &r->u.settle.s, buf, len);
}

static bool s_same_output(const tix_record_t *a, const tix_record_t *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == TIX_REC_TICK) {
        const tix_tick_t *x = &a->u.tick, *y = &b->u.tick;
        return x->ts_ns == y->ts_ns && x->tier == y->tier && x->price == y->price &&
               x->status == y->status && x->n_used == y->n_used &&
               x->n_excluded == y->n_excluded && x->n_stale == y->n_stale &&
               x->dispersion == y->dispersion;
    }
    const tix_settlement_t *x = &a->u.settle.s, *y = &b->u.settle.s;
    return x->ts_ns == y->ts_ns && x->tier == y->tier && memcmp(x->date, y->date, 10) == 0 &&
           x->price == y->price && x->status == y->status &&
           x->partitions_used == y->partitions_used;
}

/* An archived output must be the next recomputed one. */
static int s_output(s_v_t *v, const tix_record_t *r)
{
    char a[256], b[256];
    const tix_record_t *mine = v->head < v->n ? &v->fifo[v->head] : NULL;
    if (r->kind == TIX_REC_TICK)
        v->ticks++;
    else
        v->settles++;
    if (!mine || !s_same_output(r, mine)) {
        s_text(v, r, a, sizeof a);
        s_text(v, mine, b, sizeof b);
        return s_diff(v, r->seq, "output", a, b);
    }
    v->head++;
    return 0;
}

/* The archive's tier table must be the configuration's, in order: tick tiers are indices. */
static int s_check_file(s_v_t *v, tix_afile_t *f, const char *sha)
{
    uint64_t n = tix_afile_rows(f, TIX_ADS_TIERS);
    bool same = n == (uint64_t)v->cfg->ntiers;
    for (int i = 0; same && i < v->cfg->ntiers; i++)
        same = strcmp(tix_afile_name(f, TIX_ADS_TIERS, i), v->cfg->tiers[i].id) == 0;
    if (!same) {
        TIX_SET_ERR(EINVAL, "%s: its tiers are not the configuration's (ids and order must match)",
                    tix_afile_path(f));
        return -1;
    }
    if (strcmp(tix_afile_attr(f, "config_sha256"), sha) != 0)
        fprintf(stderr, "tix-replay: verify: note: %s was written under another configuration "
                "(config_sha256 %s, this one %s)\n", tix_afile_path(f),
                tix_afile_attr(f, "config_sha256"), sha);
    return 0;
}

static int s_file(s_v_t *v, const char *path, const char *sha)
{
    tix_afile_t *f = tix_afile_open(path, true);
    tix_amerge_t *m = f && s_check_file(v, f, sha) == 0 ? tix_amerge_new(f, 0xf) : NULL;
    int rc = m ? 0 : -1;
    v->file = path;
    tix_record_t r;
    while (rc == 0 && (rc = tix_amerge_next(m, &r, NULL)) == 1) {
        if (r.kind == TIX_REC_QUOTE)
            rc = s_quote(v, r.seq, &r.u.quote);
        else if (r.kind == TIX_REC_CLOCK)
            rc = s_clock(v, &r);
        else
            rc = s_output(v, &r);
        if (v->oom) {
            TIX_SET_ERR(ENOMEM, "out of memory");
            rc = -1;
        }
    }
    tix_amerge_destroy(&m);
    tix_afile_close(&f);
    return rc;
}

static int s_files(s_v_t *v, const char *path, const char *sha)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        TIX_SET_ERR(errno, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return s_file(v, path, sha);
    int64_t *days;
    size_t n;
    if (tix_day_list(path, ".h5", &days, &n) != 0)
        return -1;
    int rc = 0;
    if (n == 0) {
        TIX_SET_ERR(ENOENT, "%s: no archive files (tix-YYYYMMDD.h5)", path);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char p[4200];
        rc = tix_day_path(path, days[i], ".h5", p, sizeof p) == 0 ? s_file(v, p, sha) : -1;
    }
    free(days);
    return rc;
}

int tix_verify_archive(const tix_config_t *cfg, const char *path, FILE *out)
{
    s_v_t v = {.cfg = cfg, .file = path};
    char sha[65];
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    v.names = tix_strtab_new();
    v.pairs = tix_strtab_new();
    int rc = v.names && v.pairs ? tix_storage_config_sha256(cfg, sha) : -1;
    if (rc == 0)
        rc = s_files(&v, path, sha);
    if (rc == 0 && v.head < v.n) {
        char b[256];
        s_text(&v, &v.fifo[v.head], b, sizeof b);
        fprintf(stderr, "tix-replay: verify: first difference after the last archived record: "
                "recomputed %s, absent from the archive\n", b);
        rc = 1;
    }
    if (rc < 0)
        fprintf(stderr, "tix-replay: verify: %s\n", tix_err());
    else if (rc == 0)
        fprintf(out, "tix-replay: verify: OK: %ld quotes (%ld refused, not for the engine), %ld "
                "clock events, %ld ticks and %ld settlements recomputed and identical\n",
                v.quotes, v.refused, v.clocks, v.ticks, v.settles);
    tix_engine_destroy(&v.eng);
    tix_strtab_destroy(&v.names);
    tix_strtab_destroy(&v.pairs);
    free(v.fifo);
    return rc == 0 ? 0 : -1;
}
