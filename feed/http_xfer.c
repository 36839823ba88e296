/* libcurl transfers shared by the HTTP adapters: handle setup, fault mapping, one polled GET with ETag. */
#include "collector_int.h"
#include "tix_err.h"
#include "tix_time.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

CURL *tix_col_easy(tix_prov_t *p, CURL **easy)
{
    CURL *e = *easy ? *easy : curl_easy_init();
    if (!e) {
        TIX_SET_ERR(ENOMEM, "cannot set up a curl handle");
        return NULL;
    }
    *easy = e;
    curl_easy_reset(e);
    if (curl_easy_setopt(e, CURLOPT_URL, p->url) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)p->connect_timeout_ms) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK || /* gzip, deflate, ... */
        curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)p) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_USERAGENT, "tix-collector/0.1") != CURLE_OK) {
        TIX_SET_ERR(ENOMEM, "cannot set up a curl handle");
        return NULL;
    }
    return e;
}

int tix_col_reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 65536;
    while (n < need)
        n *= 2;
    char *b = realloc(*buf, n);
    if (!b)
        return -1;
    *buf = b;
    *cap = n;
    return 0;
}

int tix_col_easy_add(tix_prov_t *p, CURL *e)
{
    if (curl_multi_add_handle(p->col->multi, e) != CURLM_OK) {
        TIX_SET_ERR(EIO, "curl_multi_add_handle failed");
        return -1;
    }
    p->busy = true;
    p->st.attempts++;
    return 0;
}

tix_fault_t tix_col_curl_fault(CURLcode res, long status)
{
    switch (res) {
    case CURLE_HTTP_RETURNED_ERROR:
        return status >= 500 && status < 600   ? TIX_FAULT_HTTP_5XX
               : status >= 400 && status < 500 ? TIX_FAULT_HTTP_4XX
                                               : TIX_FAULT_HTTP_OTHER;
    case CURLE_OPERATION_TIMEDOUT: return TIX_FAULT_TIMEOUT;
    case CURLE_PARTIAL_FILE: return TIX_FAULT_TRUNCATED;
    case CURLE_WRITE_ERROR: return TIX_FAULT_TOO_LARGE;
    case CURLE_BAD_CONTENT_ENCODING: return TIX_FAULT_BAD_JSON;
    default: return TIX_FAULT_CONNECT;
    }
}

void tix_col_easy_release(tix_prov_t *p, CURL **easy)
{
    if (!*easy)
        return;
    if (p->busy && p->col)
        curl_multi_remove_handle(p->col->multi, *easy);
    curl_easy_cleanup(*easy);
    *easy = NULL;
}

/* Collects the body; aborts the transfer (CURLE_WRITE_ERROR) past max_body_bytes. */
static size_t s_on_body(char *data, size_t size, size_t n, void *arg)
{
    tix_col_http_t *h = arg;
    size_t len = size * n;
    if (h->blen + len > (size_t)h->max_body) {
        h->too_large = true;
        return 0;
    }
    if (tix_col_reserve(&h->body, &h->bcap, h->blen + len + 1) != 0)
        return 0;
    memcpy(h->body + h->blen, data, len);
    h->blen += len;
    h->body[h->blen] = '\0';
    return len;
}

/* Keeps the ETag of the answer, to ask "If-None-Match" next time. */
static size_t s_on_header(char *data, size_t size, size_t n, void *arg)
{
    tix_col_http_t *h = arg;
    size_t len = size * n;
    if (len > 5 && strncasecmp(data, "ETag:", 5) == 0) {
        size_t a = 5, b = len;
        while (a < b && isspace((unsigned char)data[a]))
            a++;
        while (b > a && isspace((unsigned char)data[b - 1]))
            b--;
        if (b - a < sizeof h->new_etag) {
            memcpy(h->new_etag, data + a, b - a);
            h->new_etag[b - a] = '\0';
        }
    }
    return len;
}

int tix_col_http_start(tix_prov_t *p, tix_col_http_t *h)
{
    CURL *e = tix_col_easy(p, &h->easy);
    if (!e)
        return -1;
    curl_slist_free_all(h->hdrs);
    h->hdrs = NULL;
    if (h->etag[0] && h->last_body) {
        char hdr[300];
        snprintf(hdr, sizeof hdr, "If-None-Match: %s", h->etag);
        if (!(h->hdrs = curl_slist_append(NULL, hdr))) {
            TIX_SET_ERR(ENOMEM, "out of memory for headers");
            return -1;
        }
    }
    h->blen = 0;
    h->too_large = false;
    h->new_etag[0] = '\0';
    h->max_body = p->max_body;
    if (curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_on_body) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)h) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, s_on_header) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)h) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->hdrs) != CURLE_OK) {
        TIX_SET_ERR(EINVAL, "curl_easy_setopt failed");
        return -1;
    }
    if (tix_col_easy_add(p, e) != 0)
        return -1;
    h->started = tix_time_mono_ns();
    return 0;
}

/* Keeps a successful body for re-use on 304 (swap buffers: no copy). */
static void s_keep_body(tix_col_http_t *h)
{
    char *old = h->last_body;
    h->last_body = h->body;
    h->last_len = h->blen;
    h->body = old;
    h->bcap = 0; /* capacity unknown: the next write reallocates */
    h->blen = 0;
    snprintf(h->etag, sizeof h->etag, "%s", h->new_etag);
}

void tix_col_http_done(tix_prov_t *p, tix_col_http_t *h, CURLcode res, tix_col_body_fn on_body)
{
    long status = 0;
    curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &status);
    p->st.last_status = status;
    p->st.last_latency_ns = tix_time_mono_ns() - h->started;
    int64_t recv_ns = tix_col_stamp(p->col);
    if (res != CURLE_OK) {
        tix_fault_t f = h->too_large ? TIX_FAULT_TOO_LARGE : tix_col_curl_fault(res, status);
        tix_col_fault(p, f, "%s (HTTP %ld) from %s", curl_easy_strerror(res), status, p->url);
        tix_col_attempt_done(p, false);
        return;
    }
    bool ok;
    if (status == 304 && h->last_body) {
        /* Unchanged: the last body is handled again, refreshed (§2: a poll re-emits all). */
        p->st.not_modified++;
        ok = on_body(p, h->last_body, h->last_len, recv_ns);
    } else if (status == 200) {
        ok = on_body(p, h->body ? h->body : "", h->blen, recv_ns);
        if (ok)
            s_keep_body(h);
    } else {
        tix_col_fault(p, TIX_FAULT_HTTP_OTHER, "HTTP %ld from %s", status, p->url);
        ok = false;
    }
    tix_col_attempt_done(p, ok);
}

void tix_col_http_release(tix_prov_t *p, tix_col_http_t *h)
{
    free(h->body);
    free(h->last_body);
    tix_col_easy_release(p, &h->easy);
    curl_slist_free_all(h->hdrs);
    memset(h, 0, sizeof *h);
}
