/* http_poll adapter: one poll per provider interval over libcurl multi, ETag, gzip, backoff. */
#include "collector_int.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_time.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Collects the body; aborts the transfer (CURLE_WRITE_ERROR) past max_body_bytes. */
static size_t s_on_body(char *data, size_t size, size_t n, void *arg)
{
    tix_prov_t *p = arg;
    size_t len = size * n;
    if (p->blen + len > (size_t)p->max_body) {
        p->too_large = true;
        return 0;
    }
    if (p->blen + len + 1 > p->bcap) {
        size_t cap = p->bcap ? p->bcap : 65536;
        while (cap < p->blen + len + 1)
            cap *= 2;
        char *b = realloc(p->body, cap);
        if (!b)
            return 0;
        p->body = b;
        p->bcap = cap;
    }
    memcpy(p->body + p->blen, data, len);
    p->blen += len;
    p->body[p->blen] = '\0';
    return len;
}

/* Keeps the ETag of the answer, to ask "If-None-Match" next time. */
static size_t s_on_header(char *data, size_t size, size_t n, void *arg)
{
    tix_prov_t *p = arg;
    size_t len = size * n;
    if (len > 5 && strncasecmp(data, "ETag:", 5) == 0) {
        size_t a = 5, b = len;
        while (a < b && isspace((unsigned char)data[a]))
            a++;
        while (b > a && isspace((unsigned char)data[b - 1]))
            b--;
        if (b - a < sizeof p->new_etag) {
            memcpy(p->new_etag, data + a, b - a);
            p->new_etag[b - a] = '\0';
        }
    }
    return len;
}

int tix_http_start(tix_prov_t *p)
{
    CURL *e = tix_col_easy(p);
    if (!e) {
        TIX_SET_ERR(ENOMEM, "cannot set up a curl handle");
        return -1;
    }
    curl_slist_free_all(p->hdrs);
    p->hdrs = NULL;
    if (p->etag[0] && p->last_body) {
        char h[300];
        snprintf(h, sizeof h, "If-None-Match: %s", p->etag);
        if (!(p->hdrs = curl_slist_append(NULL, h))) {
            TIX_SET_ERR(ENOMEM, "out of memory for headers");
            return -1;
        }
    }
    p->blen = 0;
    p->too_large = false;
    p->new_etag[0] = '\0';
    if (curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_on_body) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)p) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, s_on_header) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)p) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->hdrs) != CURLE_OK) {
        TIX_SET_ERR(EINVAL, "curl_easy_setopt failed");
        return -1;
    }
    if (curl_multi_add_handle(p->col->multi, e) != CURLM_OK) {
        TIX_SET_ERR(EIO, "curl_multi_add_handle failed");
        return -1;
    }
    p->busy = true;
    p->started = tix_time_mono_ns();
    p->st.attempts++;
    return 0;
}

/* Extracts a price list and emits its quotes; false when it held nothing usable. */
static bool s_price_list(tix_prov_t *p, const char *buf, size_t len, int64_t recv_ns)
{
    const tix_json_val_t *doc = tix_col_parse(p, buf, len);
    if (!doc)
        return false;
    int stale = 0;
    int n = tix_col_extract_doc(p, doc, recv_ns, &stale);
    if (n > 0 && stale == n) {
        tix_col_fault(p, TIX_FAULT_STALE_SOURCE,
                      "every quote's source timestamp is older than max_age_ms %lld",
                      (long long)p->x.max_age_ms);
        return false;
    }
    return n > 0;
}

/* Keeps a successful body for re-emission on 304 (swap buffers: no copy). */
static void s_keep_body(tix_prov_t *p)
{
    char *old = p->last_body;
    p->last_body = p->body;
    p->last_len = p->blen;
    p->body = old;
    p->bcap = 0; /* capacity unknown: the next write reallocates */
    p->blen = 0;
    snprintf(p->etag, sizeof p->etag, "%s", p->new_etag);
}

void tix_http_done(tix_prov_t *p, CURLcode res)
{
    long status = 0;
    curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
    p->st.last_status = status;
    p->st.last_latency_ns = tix_time_mono_ns() - p->started;
    int64_t recv_ns = tix_col_stamp(p->col);
    if (res != CURLE_OK) {
        tix_fault_t f = p->too_large ? TIX_FAULT_TOO_LARGE : tix_col_curl_fault(res, status);
        tix_col_fault(p, f, "%s (HTTP %ld) from %s", curl_easy_strerror(res), status, p->url);
        tix_col_attempt_done(p, false);
        return;
    }
    bool ok;
    if (status == 304 && p->last_body) {
        /* Unchanged: the last quotes are re-emitted, refreshed (§2: a poll re-emits all). */
        p->st.not_modified++;
        if (p->kind == S_FX) {
            /* Unchanged rates are fresh rates: apply them again, which also ends a stale
             * spell (they were withdrawn when the feed went stale). */
            const tix_json_val_t *doc = tix_col_parse(p, p->last_body, p->last_len);
            ok = doc != NULL;
            if (doc)
                tix_fx_body(p, doc);
        } else {
            ok = s_price_list(p, p->last_body, p->last_len, recv_ns);
        }
    } else if (status == 200) {
        if (p->kind == S_FX) {
            const tix_json_val_t *doc = tix_col_parse(p, p->body ? p->body : "", p->blen);
            ok = doc != NULL;
            if (doc)
                tix_fx_body(p, doc);
        } else {
            ok = s_price_list(p, p->body ? p->body : "", p->blen, recv_ns);
        }
        if (ok)
            s_keep_body(p);
    } else {
        tix_col_fault(p, TIX_FAULT_HTTP_OTHER, "HTTP %ld from %s", status, p->url);
        ok = false;
    }
    tix_col_attempt_done(p, ok);
}

int tix_fx_rate(const tix_json_val_t *v, int64_t *rate, char *shown, size_t cap)
{
    int n = tix_json_cstr(v, shown, cap);
    if (n >= 0)
        return tix_decimal9_parse(shown, rate) == TIX_PRICE_OK && *rate > 0 ? 0 : -1;
    /* Never parse a cut copy (a long rate cut short, or one cut at an escaped NUL, could
     * read as a valid one): only show its beginning. */
    if (n != TIX_JSON_NOT_TEXT)
        snprintf(shown, cap, "%.*s...", (int)(cap > 4 ? cap - 4 : 0), v->text);
    return -1;
}

/* FX feed body: `rates` reaches an object { "CNY": "0.1380", ... } of USD per unit. */
void tix_fx_body(tix_prov_t *p, const tix_json_val_t *doc)
{
    const tix_json_val_t *rates = p->fx_rates ? tix_jpath_get(p->fx_rates, doc, doc) : NULL;
    if (!rates || rates->type != TIX_JSON_OBJECT) {
        tix_col_fault(p, TIX_FAULT_NO_QUOTES, "rates path '%s' reached %s, not an object",
                      p->fx_rates ? tix_jpath_text(p->fx_rates) : "", tix_json_type_word(rates));
        return;
    }
    int fresh = 0;
    for (int j = 0; j < p->nfx_codes; j++) {
        char buf[64];
        const tix_json_val_t *v = tix_json_member(rates, p->fx_codes[j], strlen(p->fx_codes[j]));
        bool present = tix_json_text(v, NULL) != NULL;
        int64_t rate;
        if (tix_fx_rate(v, &rate, buf, sizeof buf) != 0) {
            tix_norm_error_t err = {TIX_REASON_NO_FX_RATE, p->fx_codes[j], ""};
            snprintf(err.detail, sizeof err.detail, "%s: rate %s%s%s is not a positive decimal with at most 9 decimals",
                     p->fx_codes[j], present ? "'" : "", present ? buf : "missing", present ? "'" : "");
            tix_col_count_refusal(p, &err);
            /* A currency the fresh answer lacks has no current rate: withdraw the old one. */
            if (tix_norm_set_fx(p->col->norm, p->fx_codes[j], -1) != 0)
                tix_error("fx_feed: %s", tix_err());
            continue;
        }
        if (tix_norm_set_fx(p->col->norm, p->fx_codes[j], rate) != 0)
            continue;
        fresh++;
        p->st.accepted++;
    }
    if (fresh > 0) {
        if (p->fx_stale)
            tix_info("fx_feed: fresh rates again");
        p->fx_stale = false;
        p->fx_last_ok_ns = tix_time_wall_ns();
    }
}
