/* ndjson_stream adapter: one long-lived GET of newline-delimited JSON quotes and trades. */
#include "collector_int.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_time.h"

#include <stdlib.h>
#include <string.h>

/* Rolling traded volume of one model on a stream: 60 buckets over volume_window_ms. */
#define S_VOL_BUCKETS 60
typedef struct {
    char model[96];
    int64_t bucket[S_VOL_BUCKETS]; /* bucket start index, for expiry */
    int64_t qty[S_VOL_BUCKETS];
} s_vol_t;

typedef struct {
    tix_extract_t x;
    CURL *easy;
    int64_t started, last_data; /* monotonic ns: connection, last byte */
    char *line;                 /* the line being received */
    size_t blen, bcap;
    bool line_overflow;
    s_vol_t *vols;
    int nvols;
} s_stream_t;

static tix_extract_t *s_schema(tix_prov_t *p) { return &((s_stream_t *)p->priv)->x; }

/* The rolling volume table of model `m`, added if new; NULL when full or out of memory. */
static s_vol_t *s_vol(s_stream_t *self, const char *m)
{
    for (int i = 0; i < self->nvols; i++)
        if (strcmp(self->vols[i].model, m) == 0)
            return &self->vols[i];
    if (self->nvols >= 4096)
        return NULL;
    s_vol_t *v = realloc(self->vols, (size_t)(self->nvols + 1) * sizeof *v);
    if (!v)
        return NULL;
    self->vols = v;
    v = &self->vols[self->nvols++];
    memset(v, 0, sizeof *v);
    snprintf(v->model, sizeof v->model, "%s", m);
    for (int i = 0; i < S_VOL_BUCKETS; i++)
        v->bucket[i] = -1;
    return v;
}

static int64_t s_bucket(const s_stream_t *self, int64_t recv_ns)
{
    int64_t w = self->x.volume_window_ms * TIX_NS_PER_MS / S_VOL_BUCKETS;
    return recv_ns / (w > 0 ? w : 1);
}

/* Adds a trade's quantity (whole tokens) to its model's window. */
static void s_trade(tix_prov_t *p, const tix_xquote_t *xq, int64_t recv_ns)
{
    s_stream_t *self = p->priv;
    char *end = NULL;
    long long qty = xq->volume[0] ? strtoll(xq->volume, &end, 10) : -1;
    if (qty < 0 || !end || *end) {
        tix_norm_error_t err = {TIX_REASON_BAD_NUMBER, "volume", ""};
        snprintf(err.detail, sizeof err.detail, "volume: trade of '%s' has no whole token quantity",
                 xq->model);
        tix_col_refuse(p, &xq->raw, &err);
        return;
    }
    s_vol_t *v = s_vol(self, xq->model);
    if (!v)
        return;
    int64_t b = s_bucket(self, recv_ns);
    int slot = (int)(b % S_VOL_BUCKETS);
    if (v->bucket[slot] != b) {
        v->bucket[slot] = b;
        v->qty[slot] = 0;
    }
    if (v->qty[slot] <= INT64_MAX - qty)
        v->qty[slot] += qty;
}

/* The volume traded in the window ending now, as text; "" if the stream has no trades. */
static void s_window_volume(s_stream_t *self, tix_xquote_t *xq, int64_t recv_ns)
{
    if (!self->x.trade_type[0])
        return;
    s_vol_t *v = s_vol(self, xq->model);
    if (!v)
        return; /* no room to track this model: its volume is unknown, not zero */
    int64_t sum = 0, b = s_bucket(self, recv_ns);
    for (int i = 0; i < S_VOL_BUCKETS; i++)
        if (v->bucket[i] > b - S_VOL_BUCKETS && sum <= INT64_MAX - v->qty[i])
            sum += v->qty[i];
    snprintf(xq->volume, sizeof xq->volume, "%lld", (long long)sum);
    xq->raw.volume = xq->volume;
}

typedef struct {
    tix_prov_t *p;
    const tix_json_val_t *root;
    int64_t recv_ns;
} s_line_t;

static int s_elem(void *arg, const tix_json_val_t *elem)
{
    s_line_t *l = arg;
    tix_prov_t *p = l->p;
    s_stream_t *self = p->priv;
    tix_xquote_t xq;
    tix_norm_error_t err;
    switch (tix_extract_elem(&self->x, l->root, elem, p->name, l->recv_ns, &xq, &err)) {
    case TIX_X_QUOTE:
        s_window_volume(self, &xq, l->recv_ns);
        /* Data flows again: health UP, backoff reset; or, every quote since the last
         * evaluation refused, DEGRADED. */
        if (!tix_col_emit(p, &xq.raw) || p->health != TIX_HEALTH_UP || p->fails)
            tix_col_attempt_done(p, true);
        break;
    case TIX_X_TRADE:
        p->st.trades++;
        s_trade(p, &xq, l->recv_ns);
        break;
    case TIX_X_REFUSED: tix_col_refuse(p, &xq.raw, &err); break;
    case TIX_X_STALE:
        p->st.stale_quotes++;
        tix_col_fault(p, TIX_FAULT_STALE_SOURCE, "quote of '%s' older than max_age_ms", xq.model);
        break;
    case TIX_X_IGNORED: p->st.ignored++; break;
    }
    return 0;
}

static void s_line(tix_prov_t *p, const char *line, size_t len)
{
    s_stream_t *self = p->priv;
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len == 0)
        return; /* keep-alive: activity, not data */
    const tix_json_val_t *doc = tix_col_parse(p, line, len);
    if (!doc)
        return;
    s_line_t l = {p, doc, tix_col_stamp(p->col)};
    tix_extract_each(&self->x, doc, s_elem, &l);
}

/* Splits the byte stream into lines; a partial line waits in the buffer for the rest. */
static size_t s_on_data(char *data, size_t size, size_t n, void *arg)
{
    tix_prov_t *p = arg;
    s_stream_t *self = p->priv;
    size_t len = size * n;
    self->last_data = tix_time_mono_ns();
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t chunk = nl ? (size_t)(nl - (data + i)) : len - i;
        if (self->blen + chunk > (size_t)p->max_body) {
            if (!self->line_overflow)
                tix_col_fault(p, TIX_FAULT_TOO_LARGE, "a line longer than %lld bytes",
                              (long long)p->max_body);
            self->line_overflow = true;
            self->blen = 0;
        } else if (!self->line_overflow) {
            if (tix_col_reserve(&self->line, &self->bcap, self->blen + chunk + 1) != 0)
                return 0;
            memcpy(self->line + self->blen, data + i, chunk);
            self->blen += chunk;
        }
        i += chunk;
        if (nl) {
            if (!self->line_overflow)
                s_line(p, self->line, self->blen);
            self->blen = 0;
            self->line_overflow = false;
            i++;
        }
    }
    return len;
}

static int s_start(tix_prov_t *p)
{
    s_stream_t *self = p->priv;
    CURL *e = tix_col_easy(p, &self->easy);
    if (!e)
        return -1;
    self->blen = 0;
    self->line_overflow = false;
    /* No total timeout: the stream is meant to last; the stall watchdog ends dead ones. */
    if (curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_on_data) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)p) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK) {
        TIX_SET_ERR(EINVAL, "curl_easy_setopt failed");
        return -1;
    }
    if (tix_col_easy_add(p, e) != 0)
        return -1;
    self->started = self->last_data = tix_time_mono_ns();
    if (p->st.attempts > 1)
        tix_debug("provider %s: reconnecting (attempt %llu)", p->name,
                  (unsigned long long)p->st.attempts);
    return 0;
}

/* The stream ended (server close, error, or our own stop). */
static void s_ended(tix_prov_t *p, CURLcode res, bool by_us)
{
    s_stream_t *self = p->priv;
    long status = 0;
    curl_easy_getinfo(self->easy, CURLINFO_RESPONSE_CODE, &status);
    p->st.last_status = status;
    if (self->blen > 0 || self->line_overflow)
        tix_col_fault(p, TIX_FAULT_TRUNCATED, "stream ended in the middle of a line (%zu bytes lost)",
                      self->blen);
    self->blen = 0;
    self->line_overflow = false;
    if (by_us)
        return;
    /* A stream cut off (even without a clean chunked end) is a disconnect, not a bad body. */
    if (res == CURLE_OK || res == CURLE_PARTIAL_FILE || res == CURLE_RECV_ERROR ||
        res == CURLE_GOT_NOTHING)
        tix_col_fault(p, TIX_FAULT_DISCONNECT, "the stream ended (%s)", curl_easy_strerror(res));
    else
        tix_col_fault(p, tix_col_curl_fault(res, status), "%s (HTTP %ld) from %s",
                      curl_easy_strerror(res), status, p->url);
    tix_col_attempt_done(p, false);
}

static void s_done(tix_prov_t *p, CURLcode res)
{
    s_ended(p, res, false);
}

/* The stall watchdog, and in once mode the end of the listening time. */
static void s_check(tix_prov_t *p, int64_t now)
{
    s_stream_t *self = p->priv;
    if (!p->busy)
        return;
    bool listen_over = p->col->once && now - self->started > p->timeout_ms * TIX_NS_PER_MS;
    bool stalled = now - self->last_data > p->stall_ms * TIX_NS_PER_MS;
    if (!listen_over && !stalled)
        return;
    curl_multi_remove_handle(p->col->multi, self->easy);
    p->busy = false;
    p->st.last_latency_ns = now - self->started;
    s_ended(p, CURLE_OK, true);
    if (listen_over) {
        p->done_once = true;
        return;
    }
    tix_col_fault(p, TIX_FAULT_STALL, "nothing received for %lld ms: reconnecting",
                  (long long)p->stall_ms);
    tix_col_attempt_done(p, false);
}

static void s_release(tix_prov_t *p)
{
    s_stream_t *self = p->priv;
    tix_extract_fini(&self->x);
    tix_col_easy_release(p, &self->easy);
    free(self->line);
    free(self->vols);
}

/* timeout_ms: in once mode, how long to listen. */
const tix_col_adapter_t tix_col_ndjson_stream = {
    .name = "ndjson_stream", .roles = TIX_COLLECT_NDJSON, .timeout_ms = 3000,
    .priv_size = sizeof(s_stream_t), .configure = tix_col_need_http_url, .schema = s_schema,
    .start = s_start, .done = s_done, .check = s_check, .release = s_release,
};
