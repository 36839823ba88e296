/* tix-query: prints archived ticks, quotes or settlements (CSV or JSON lines), or OHLC bars of the index, across daily files. */
#include "tix_archive.h"
#include "tix_err.h"
#include "tix_journal.h"
#include "tix_time.h"
#include "tix_utf8.h"

#include <getopt.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BLOCK 4096

typedef enum { W_TICKS, W_QUOTES, W_SETTLE } s_what_t;

typedef struct {
    const char *path, *tier;
    int64_t from, to; /* [from, to) */
    s_what_t what;
    bool jsonl;
    int64_t bar_ns; /* 0: rows */
} s_args_t;

/* One tier's bar being built. */
typedef struct {
    char tier[40];
    int64_t start;
    int64_t o, h, l, c;
    long n_priced, n_ticks;
} s_bar_t;

typedef struct {
    s_args_t a;
    s_bar_t *bars;
    size_t nbars;
    long rows;
} s_q_t;

static void s_usage(FILE *f)
{
    fprintf(f, "usage: tix-query ARCHIVE_DIR_OR_FILE [--tier T] [--from TIME] [--to TIME]\n"
               "                 [--what ticks|quotes|settlements] [--format csv|jsonl]\n"
               "                 [--bars 1m|5m|1h]\n"
               "TIME is ISO-8601 UTC (2026-01-01, 2026-01-01T08:00:00Z); --from is inclusive, --to\n"
               "exclusive. --bars prints OHLC bars of the index (ticks with a computed price, status\n"
               "OK or LOW) per tier with counts.\n");
}

static const char *s_price(int64_t p, char *buf)
{
    return tix_price_format(p, buf, TIX_PRICE_TEXT_MAX);
}

/* A price field: CSV empty / JSON null when absent, else its exact decimal. */
static void s_pf(const s_q_t *q, const char *name, int64_t p, bool last)
{
    char b[TIX_PRICE_TEXT_MAX];
    const char *end = last ? (q->a.jsonl ? "}\n" : "\n") : ",";
    if (!q->a.jsonl)
        printf("%s%s", p == TIX_PRICE_NULL ? "" : s_price(p, b), end);
    else if (p == TIX_PRICE_NULL)
        printf("\"%s\":null%s", name, end);
    else
        printf("\"%s\":\"%s\"%s", name, s_price(p, b), end);
}

/* A JSON string's contents: control characters, '"' and '\\' escaped; a byte that does not
 * start valid UTF-8 (a name cut mid-character, or an archive from before CSV text was
 * checked) as the code point of the same value, so that every line is valid JSON. */
static void s_json_text(const char *v)
{
    const unsigned char *c = (const unsigned char *)v, *end = c + strlen(v);
    while (c < end) {
        int n = *c < 0x80 ? 1 : tix_utf8_len(c, end);
        if (n > 1) {
            fwrite(c, 1, (size_t)n, stdout);
            c += n;
            continue;
        }
        if (n <= 0 || *c < 0x20 || *c == '"' || *c == '\\')
            printf("\\u%04x", *c);
        else
            putchar(*c);
        c++;
    }
}

/* A text field; CSV quotes it when it holds a comma, quote or newline. */
static void s_sf(const s_q_t *q, const char *name, const char *v, bool first)
{
    if (q->a.jsonl) {
        printf("%s\"%s\":\"", first ? "{" : "", name);
        s_json_text(v);
        printf("\",");
    } else if (strpbrk(v, ",\"\n")) {
        putchar('"');
        for (const char *c = v; *c; c++)
            fputs(*c == '"' ? "\"\"" : (char[2]){*c, 0}, stdout);
        printf("\",");
    } else {
        printf("%s,", v);
    }
}

static void s_if(const s_q_t *q, const char *name, long long v)
{
    if (q->a.jsonl)
        printf("\"%s\":%lld,", name, v);
    else
        printf("%lld,", v);
}

static void s_header(const s_q_t *q)
{
    if (q->a.jsonl)
        return;
    if (q->a.bar_ns)
        puts("bar_start,tier,open,high,low,close,n_priced,n_ticks");
    else if (q->a.what == W_TICKS)
        puts("time,ts_ns,tier,status,n_used,n_excluded,n_stale,seq,price,dispersion");
    else if (q->a.what == W_QUOTES)
        puts("time,recv_ns,provider,model,tier,reason,currency,unit,fx,seq,volume,local_input,"
             "local_output,local_cached,input,output,cached,blended");
    else
        puts("date,tier,ts_ns,status,partitions_used,signature,key_id,seq,price");
}

static const char *s_tick_status(uint8_t s) { return tix_status_name((tix_status_t)s); }

static void s_print_tick(s_q_t *q, const tix_afile_t *f, const tix_arow_tick_t *t)
{
    char iso[40];
    s_sf(q, "time", tix_time_format_iso(t->ts_ns, iso, sizeof iso), true);
    s_if(q, "ts_ns", t->ts_ns);
    s_sf(q, "tier", tix_afile_name(f, TIX_ADS_TIERS, t->tier), false);
    s_sf(q, "status", s_tick_status(t->status), false);
    s_if(q, "n_used", t->n_used);
    s_if(q, "n_excluded", t->n_excluded);
    s_if(q, "n_stale", t->n_stale);
    s_if(q, "seq", (long long)t->seq);
    s_pf(q, "price", t->price, false);
    s_pf(q, "dispersion", t->dispersion, true);
}

static void s_print_quote(s_q_t *q, const tix_afile_t *f, const tix_arow_quote_t *r)
{
    char iso[40], ccy[9], fx[TIX_PRICE_TEXT_MAX];
    snprintf(ccy, sizeof ccy, "%.8s", r->currency);
    s_sf(q, "time", tix_time_format_iso(r->recv_ns, iso, sizeof iso), true);
    s_if(q, "recv_ns", r->recv_ns);
    s_sf(q, "provider", tix_afile_name(f, TIX_ADS_PROVIDERS, r->provider), false);
    s_sf(q, "model", tix_afile_name(f, TIX_ADS_MODELS, r->model), false);
    s_sf(q, "tier", r->tier < 0 ? "" : tix_afile_name(f, TIX_ADS_TIERS, r->tier), false);
    s_sf(q, "reason", tix_reason_name((tix_reason_t)r->reason), false);
    s_sf(q, "currency", ccy, false);
    s_if(q, "unit", r->unit);
    s_sf(q, "fx", r->fx_e9 < 0 ? "" : tix_price_format(r->fx_e9, fx, sizeof fx), false);
    s_if(q, "seq", (long long)r->seq);
    s_if(q, "volume", r->volume);
    const int64_t p[] = {r->local_input, r->local_output, r->local_cached, r->input,
                         r->output, r->cached, r->blended};
    static const char *n[] = {"local_input", "local_output", "local_cached", "input",
                              "output", "cached", "blended"};
    for (int i = 0; i < 7; i++)
        s_pf(q, n[i], p[i], i == 6);
}

static void s_print_settle(s_q_t *q, const tix_afile_t *f, const tix_arow_settle_t *s)
{
    char date[11], sig[2 * TIX_SIG_SIZE + 1], kid[2 * TIX_KEY_ID_SIZE + 1];
    snprintf(date, sizeof date, "%.10s", s->date);
    snprintf(sig, sizeof sig, "%.128s", s->signature);
    snprintf(kid, sizeof kid, "%.16s", s->key_id);
    s_sf(q, "date", date, true);
    s_sf(q, "tier", tix_afile_name(f, TIX_ADS_TIERS, s->tier), false);
    s_if(q, "ts_ns", s->ts_ns);
    s_sf(q, "status", tix_settle_status_name((tix_settle_status_t)s->status), false);
    s_if(q, "partitions_used", s->partitions_used);
    s_sf(q, "signature", sig, false);
    s_sf(q, "key_id", kid, false);
    s_if(q, "seq", (long long)s->seq);
    s_pf(q, "price", s->price, true);
}

static void s_emit_bar(s_q_t *q, const s_bar_t *b)
{
    char iso[40];
    s_sf(q, "bar_start", tix_time_format_iso(b->start, iso, sizeof iso), true);
    s_sf(q, "tier", b->tier, false);
    bool any = b->n_priced > 0;
    s_pf(q, "open", any ? b->o : TIX_PRICE_NULL, false);
    s_pf(q, "high", any ? b->h : TIX_PRICE_NULL, false);
    s_pf(q, "low", any ? b->l : TIX_PRICE_NULL, false);
    s_pf(q, "close", any ? b->c : TIX_PRICE_NULL, false);
    if (q->a.jsonl)
        printf("\"n_priced\":%ld,\"n_ticks\":%ld}\n", b->n_priced, b->n_ticks);
    else
        printf("%ld,%ld\n", b->n_priced, b->n_ticks);
}

/* Adds a tick to its tier's bar, printing the bar it closes. */
static int s_bar_tick(s_q_t *q, const char *tier, const tix_arow_tick_t *t)
{
    int64_t start = tix_floor_div(t->ts_ns, q->a.bar_ns) * q->a.bar_ns;
    s_bar_t *b = NULL;
    for (size_t i = 0; i < q->nbars && !b; i++)
        if (strcmp(q->bars[i].tier, tier) == 0)
            b = &q->bars[i];
    if (!b) {
        s_bar_t *nb = realloc(q->bars, (q->nbars + 1) * sizeof *nb);
        if (!nb)
            return -1;
        q->bars = nb;
        b = &q->bars[q->nbars++];
        *b = (s_bar_t){.start = start};
        snprintf(b->tier, sizeof b->tier, "%s", tier);
    } else if (start != b->start) {
        s_emit_bar(q, b);
        *b = (s_bar_t){.start = start};
        snprintf(b->tier, sizeof b->tier, "%s", tier);
    }
    b->n_ticks++;
    if (t->price != TIX_PRICE_NULL && t->status != TIX_STATUS_STALE) {
        if (b->n_priced++ == 0)
            b->o = b->h = b->l = t->price;
        b->h = t->price > b->h ? t->price : b->h;
        b->l = t->price < b->l ? t->price : b->l;
        b->c = t->price;
    }
    return 0;
}

static int64_t s_row_time(s_what_t w, const void *row)
{
    switch (w) {
    case W_TICKS: return ((const tix_arow_tick_t *)row)->ts_ns;
    case W_QUOTES: return ((const tix_arow_quote_t *)row)->recv_ns;
    default: return ((const tix_arow_settle_t *)row)->ts_ns;
    }
}

static const char *s_row_tier(const tix_afile_t *f, s_what_t w, const void *row)
{
    int32_t t = w == W_TICKS    ? ((const tix_arow_tick_t *)row)->tier
                : w == W_QUOTES ? ((const tix_arow_quote_t *)row)->tier
                                : ((const tix_arow_settle_t *)row)->tier;
    return t < 0 ? "" : tix_afile_name(f, TIX_ADS_TIERS, t);
}

/* A name-table index `id` of table `ds` (-1 allowed for an unmapped quote's tier). */
static bool s_name_ok(const tix_afile_t *f, tix_ads_t ds, int64_t id, bool may_be_unset)
{
    return (may_be_unset && id == -1) || (id >= 0 && (uint64_t)id < tix_afile_rows(f, ds));
}

/* What is wrong with row `i` of a damaged file, or NULL: names out of their tables, enums
 * out of range, time going backwards (every dataset is appended in time order). */
static const char *s_row_damage(const tix_afile_t *f, s_what_t w, const void *row, int64_t prev)
{
    if (s_row_time(w, row) < prev)
        return "its time is before the previous row's";
    if (w == W_TICKS) {
        const tix_arow_tick_t *t = row;
        return !s_name_ok(f, TIX_ADS_TIERS, t->tier, false) ? "tier index outside /names/tier"
               : t->status > TIX_STATUS_STALE              ? "status out of range"
                                                           : NULL;
    }
    if (w == W_QUOTES) {
        const tix_arow_quote_t *r = row;
        return !s_name_ok(f, TIX_ADS_PROVIDERS, r->provider, false) ? "provider index outside /names/provider"
               : !s_name_ok(f, TIX_ADS_MODELS, r->model, false)     ? "model index outside /names/model"
               : !s_name_ok(f, TIX_ADS_TIERS, r->tier, true)        ? "tier index outside /names/tier"
               : r->reason >= TIX_REASON_COUNT                      ? "reason out of range"
                                                                    : NULL;
    }
    const tix_arow_settle_t *st = row;
    return !s_name_ok(f, TIX_ADS_TIERS, st->tier, false) ? "tier index outside /names/tier"
           : st->status > TIX_SETTLE_NONE                ? "status out of range"
                                                         : NULL;
}

static int s_file(s_q_t *q, const char *path)
{
    static const tix_ads_t ds_of[] = {TIX_ADS_TICKS, TIX_ADS_QUOTES, TIX_ADS_SETTLEMENTS};
    static const char *const ds_name[] = {"/ticks", "/quotes", "/settlements"};
    tix_ads_t ds = ds_of[q->a.what];
    tix_afile_t *f = tix_afile_open(path, true);
    size_t w = tix_ads_row_size(ds);
    uint8_t *buf = f ? malloc(BLOCK * w) : NULL;
    int rc = buf ? 0 : -1;
    uint64_t n = f ? tix_afile_rows(f, ds) : 0;
    int64_t prev = INT64_MIN;
    for (uint64_t at = 0; rc == 0 && at < n; at += BLOCK) {
        size_t k = n - at < BLOCK ? (size_t)(n - at) : BLOCK;
        rc = tix_afile_read(f, ds, at, k, buf);
        for (size_t i = 0; rc == 0 && i < k; i++) {
            const void *row = buf + i * w;
            const char *damage = s_row_damage(f, q->a.what, row, prev);
            if (damage) { /* stop here: what follows cannot be trusted either */
                TIX_SET_ERR(EINVAL, "%s row %llu: %s: the file is damaged",
                            ds_name[q->a.what], (unsigned long long)(at + i), damage);
                rc = -1;
                break;
            }
            int64_t t = prev = s_row_time(q->a.what, row);
            const char *tier = s_row_tier(f, q->a.what, row);
            if (t < q->a.from || t >= q->a.to || (q->a.tier && strcmp(tier, q->a.tier) != 0))
                continue;
            q->rows++;
            if (q->a.bar_ns)
                rc = s_bar_tick(q, tier, row);
            else if (q->a.what == W_TICKS)
                s_print_tick(q, f, row);
            else if (q->a.what == W_QUOTES)
                s_print_quote(q, f, row);
            else
                s_print_settle(q, f, row);
        }
    }
    if (rc != 0 && !f)
        fprintf(stderr, "tix-query: %s\n", tix_err());
    else if (rc != 0)
        fprintf(stderr, "tix-query: %s: %s\n", path, tix_err());
    free(buf);
    tix_afile_close(&f);
    return rc;
}

/* Daily files of a directory overlapping [from, to); one day more at the end, since a
 * record arriving just after midnight for the day before is stored in the next file. */
static int s_dir(s_q_t *q, const char *dir)
{
    int64_t *days;
    size_t n;
    if (tix_day_list(dir, ".h5", &days, &n) != 0) {
        fprintf(stderr, "tix-query: %s\n", tix_err());
        return -1;
    }
    if (n == 0)
        fprintf(stderr, "tix-query: %s: no archive files (tix-YYYYMMDD.h5)\n", dir);
    int rc = n ? 0 : -1;
    int64_t lo = q->a.from == INT64_MIN ? INT64_MIN : tix_day_of(q->a.from);
    int64_t hi = q->a.to == INT64_MAX ? INT64_MAX : tix_day_of(q->a.to - 1) + 1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char path[4200];
        if (days[i] < lo || days[i] > hi)
            continue;
        rc = tix_day_path(dir, days[i], ".h5", path, sizeof path) == 0 ? s_file(q, path) : -1;
    }
    free(days);
    return rc;
}

static int s_parse(int argc, char **argv, s_args_t *a)
{
    static const struct option opts[] = {
        {"tier", required_argument, NULL, 't'},   {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 'T'},     {"what", required_argument, NULL, 'w'},
        {"format", required_argument, NULL, 'F'}, {"bars", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    *a = (s_args_t){NULL, NULL, INT64_MIN, INT64_MAX, W_TICKS, false, 0};
    int c;
    while ((c = getopt_long(argc, argv, "t:f:T:w:F:b:h", opts, NULL)) != -1) {
        const char *bad = NULL;
        switch (c) {
        case 't': a->tier = optarg; break;
        case 'f': if (tix_time_parse_iso(optarg, &a->from) != 0) bad = "--from"; break;
        case 'T': if (tix_time_parse_iso(optarg, &a->to) != 0) bad = "--to"; break;
        case 'w':
            if (strcmp(optarg, "ticks") == 0) a->what = W_TICKS;
            else if (strcmp(optarg, "quotes") == 0) a->what = W_QUOTES;
            else if (strcmp(optarg, "settlements") == 0) a->what = W_SETTLE;
            else bad = "--what (ticks, quotes or settlements)";
            break;
        case 'F':
            if (strcmp(optarg, "csv") && strcmp(optarg, "jsonl")) bad = "--format (csv or jsonl)";
            a->jsonl = strcmp(optarg, "jsonl") == 0;
            break;
        case 'b':
            a->bar_ns = strcmp(optarg, "1m") == 0   ? 60 * TIX_NS_PER_S
                        : strcmp(optarg, "5m") == 0 ? 300 * TIX_NS_PER_S
                        : strcmp(optarg, "1h") == 0 ? 3600 * TIX_NS_PER_S
                                                    : 0;
            if (!a->bar_ns) bad = "--bars (1m, 5m or 1h)";
            break;
        case 'h': s_usage(stdout); exit(0);
        default: return -1;
        }
        if (bad) {
            fprintf(stderr, "tix-query: bad value '%s' for %s\n", optarg, bad);
            return -1;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "tix-query: exactly one archive directory or file is required\n");
        return -1;
    }
    a->path = argv[optind];
    if (a->bar_ns && a->what != W_TICKS) {
        fprintf(stderr, "tix-query: --bars applies to ticks only\n");
        return -1;
    }
    if (a->from >= a->to) {
        fprintf(stderr, "tix-query: --from must be before --to\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    s_q_t q = {0};
    if (s_parse(argc, argv, &q.a) != 0) {
        s_usage(stderr);
        return 2;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    struct stat st;
    int rc;
    if (stat(q.a.path, &st) != 0) {
        fprintf(stderr, "tix-query: %s: %s\n", q.a.path, strerror(errno));
        return 1;
    }
    s_header(&q);
    rc = S_ISDIR(st.st_mode) ? s_dir(&q, q.a.path) : s_file(&q, q.a.path);
    for (size_t i = 0; rc == 0 && i < q.nbars; i++)
        s_emit_bar(&q, &q.bars[i]);
    free(q.bars);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "tix-query: write error on standard output\n");
        rc = -1;
    }
    return rc == 0 ? 0 : 1;
}
