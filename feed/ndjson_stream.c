/* ndjson_stream adapter: one long-lived GET of newline-delimited JSON quotes and trades. */
#include "collector_int.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_time.h"

#include <stdlib.h>
#include <string.h>

/* The rolling volume table of model `m`, added if new; NULL when full or out of memory. */
static tix_vol_t *s_vol(tix_prov_t *p, const char *m)
{
    for (int i = 0; i < p->nvols; i++)
        if (strcmp(p->vols[i].model, m) == 0)
            return &p->vols[i];
    if (p->nvols >= 4096)
        return NULL;
    tix_vol_t *v = realloc(p->vols, (size_t)(p->nvols + 1) * sizeof *v);
    if (!v)
        return NULL;
    p->vols = v;
    v = &p->vols[p->nvols++];
    memset(v, 0, sizeof *v);
    snprintf(v->model, sizeof v->model, "%s", m);
    for (int i = 0; i < TIX_VOL_BUCKETS; i++)
        v->bucket[i] = -1;
    return v;
}

static int64_t s_bucket(const tix_prov_t *p, int64_t recv_ns)
{
    int64_t w = p->x.volume_window_ms * TIX_NS_PER_MS / TIX_VOL_BUCKETS;
    return recv_ns / (w > 0 ? w : 1);
}

/* Adds a trade's quantity (whole tokens) to its model's window. */
static void s_trade(tix_prov_t *p, const tix_xquote_t *xq, int64_t recv_ns)
{
    char *end = NULL;
    long long qty = xq->volume[0] ? strtoll(xq->volume, &end, 10) : -1;
    if (qty < 0 || !end || *end) {
        tix_norm_error_t err = {TIX_REASON_BAD_NUMBER, "volume", ""};
        snprintf(err.detail, sizeof err.detail, "volume: trade of '%s' has no whole token quantity",
                 xq->model);
        tix_col_refuse(p, &xq->raw, &err);
        return;
    }
    tix_vol_t *v = s_vol(p, xq->model);
    if (!v)
        return;
    int64_t b = s_bucket(p, recv_ns);
    int slot = (int)(b % TIX_VOL_BUCKETS);
    if (v->bucket[slot] != b) {
        v->bucket[slot] = b;
        v->qty[slot] = 0;
    }
    if (v->qty[slot] <= INT64_MAX - qty)
        v->qty[slot] += qty;
}

/* The volume traded in the window ending now, as text; "" if the stream has no trades. */
static void s_window_volume(tix_prov_t *p, tix_xquote_t *xq, int64_t recv_ns)
{
    if (!p->x.trade_type[0])
        return;
    tix_vol_t *v = s_vol(p, xq->model);
    if (!v)
        return; /* no room to track this model: its volume is unknown, not zero */
    int64_t sum = 0, b = s_bucket(p, recv_ns);
    for (int i = 0; i < TIX_VOL_BUCKETS; i++)
        if (v->bucket[i] > b - TIX_VOL_BUCKETS && sum <= INT64_MAX - v->qty[i])
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
    tix_xquote_t xq;
    tix_norm_error_t err;
    switch (tix_extract_elem(&p->x, l->root, elem, p->name, l->recv_ns, &xq, &err)) {
    case TIX_X_QUOTE:
        s_window_volume(p, &xq, l->recv_ns);
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
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len == 0)
        return; /* keep-alive: activity, not data */
    const tix_json_val_t *doc = tix_col_parse(p, line, len);
    if (!doc)
        return;
    s_line_t l = {p, doc, tix_col_stamp(p->col)};
    tix_extract_each(&p->x, doc, s_elem, &l);
}

/* Splits the byte stream into lines; a partial line waits in the buffer for the rest. */
static size_t s_on_data(char *data, size_t size, size_t n, void *arg)
{
    tix_prov_t *p = arg;
    size_t len = size * n;
    p->last_data = tix_time_mono_ns();
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t chunk = nl ? (size_t)(nl - (data + i)) : len - i;
        if (p->blen + chunk > (size_t)p->max_body) {
            if (!p->line_overflow)
                tix_col_fault(p, TIX_FAULT_TOO_LARGE, "a line longer than %lld bytes",
                              (long long)p->max_body);
            p->line_overflow = true;
            p->blen = 0;
        } else if (!p->line_overflow) {
            if (p->blen + chunk + 1 > p->bcap) {
                size_t cap = p->bcap ? p->bcap * 2 : 65536;
                while (cap < p->blen + chunk + 1)
                    cap *= 2;
                char *b = realloc(p->body, cap);
                if (!b)
                    return 0;
                p->body = b;
                p->bcap = cap;
            }
            memcpy(p->body + p->blen, data + i, chunk);
            p->blen += chunk;
        }
        i += chunk;
        if (nl) {
            if (!p->line_overflow)
                s_line(p, p->body, p->blen);
            p->blen = 0;
            p->line_overflow = false;
            i++;
        }
    }
    return len;
}

int tix_stream_start(tix_prov_t *p)
{
    CURL *e = tix_col_easy(p);
    if (!e) {
        TIX_SET_ERR(ENOMEM, "cannot set up a curl handle");
        return -1;
    }
    p->blen = 0;
    p->line_overflow = false;
    /* No total timeout: the stream is meant to last; the stall watchdog ends dead ones. */
    if (curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_on_data) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)p) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK) {
        TIX_SET_ERR(EINVAL, "curl_easy_setopt failed");
        return -1;
    }
    if (curl_multi_add_handle(p->col->multi, e) != CURLM_OK) {
        TIX_SET_ERR(EIO, "curl_multi_add_handle failed");
        return -1;
    }
    p->busy = true;
    p->started = p->last_data = tix_time_mono_ns();
    p->st.attempts++;
    if (p->st.attempts > 1)
        tix_debug("provider %s: reconnecting (attempt %llu)", p->name,
                  (unsigned long long)p->st.attempts);
    return 0;
}

/* The stream ended (server close, error, or our own stop). */
static void s_ended(tix_prov_t *p, CURLcode res, bool by_us)
{
    long status = 0;
    curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
    p->st.last_status = status;
    if (p->blen > 0 || p->line_overflow)
        tix_col_fault(p, TIX_FAULT_TRUNCATED, "stream ended in the middle of a line (%zu bytes lost)",
                      p->blen);
    p->blen = 0;
    p->line_overflow = false;
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

void tix_stream_done(tix_prov_t *p, CURLcode res)
{
    s_ended(p, res, false);
}

void tix_stream_check(tix_prov_t *p, int64_t now)
{
    if (!p->busy)
        return;
    bool listen_over = p->col->once && now - p->started > p->timeout_ms * TIX_NS_PER_MS;
    bool stalled = now - p->last_data > p->stall_ms * TIX_NS_PER_MS;
    if (!listen_over && !stalled)
        return;
    curl_multi_remove_handle(p->col->multi, p->easy);
    p->busy = false;
    p->st.last_latency_ns = now - p->started;
    s_ended(p, CURLE_OK, true);
    if (listen_over) {
        p->done_once = true;
        return;
    }
    tix_col_fault(p, TIX_FAULT_STALL, "nothing received for %lld ms: reconnecting",
                  (long long)p->stall_ms);
    tix_col_attempt_done(p, false);
}
