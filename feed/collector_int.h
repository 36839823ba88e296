/* Collector internals shared by the adapters: the adapter operations, provider state, emit path, health. */
#ifndef TIX_COLLECTOR_INT_H
#define TIX_COLLECTOR_INT_H

#include "tix_collector.h"
#include "tix_extract.h"
#include "tix_json.h"
#include "tix_log.h"

#include <curl/curl.h>

typedef struct tix_prov_s tix_prov_t;
/* Configuration being read: where problems go (tix_col_fail). */
typedef struct tix_col_load_s tix_col_load_t;

/* One provider kind's operations, as Redis's aeApi* backends: the collector loop calls only
 * these, and each adapter keeps its own state behind p->priv, a struct private to its file
 * (FFmpeg's priv_data_size: the collector allocates it zeroed, knowing only its size). A new
 * kind is a feed/<kind>.c defining tix_col_<kind>, and its name in TIX_PROVIDER_KIND_MAP. */
typedef struct {
    const char *name;   /* kind = "..." in the providers list; "fx_feed" for the FX feed */
    unsigned roles;     /* TIX_COLLECT_* bits: the collectors that run it */
    int64_t timeout_ms; /* timeout_ms when the provider sets none */
    bool gate;          /* other polled providers wait for its first attempt (the FX rates) */
    size_t priv_size;   /* bytes of its state at p->priv, zeroed before configure */
    /* Reads the kind's own keys of `s` into p->priv; problems go to `l` as "where.key:
     * message" (tix_col_fail). Runs for disabled providers too (validation). */
    void (*configure)(tix_prov_t *p, tix_col_load_t *l, const config_setting_t *s,
                      const char *where);
    /* The payload schema in p->priv, which the collector fills from the provider's keys and
     * its preset; NULL (or a NULL op) for a kind that reads no JSON schema. */
    tix_extract_t *(*schema)(tix_prov_t *p);
    /* Once, when the collector is made (bind, import, watch); 0, or -1 with tix_err(). */
    int (*open)(tix_prov_t *p);
    /* Begins an attempt when one is due; NULL for a kind that is never polled. */
    int (*start)(tix_prov_t *p);
    /* Its curl transfer ended (p->busy already false). */
    void (*done)(tix_prov_t *p, CURLcode res);
    /* Every step, before due attempts start: watchdogs (stall, stale rates). */
    void (*check)(tix_prov_t *p, int64_t now);
    /* A file descriptor to wait on beside libcurl's, or -1; may shorten *wait_ms. */
    int (*poll_fd)(tix_prov_t *p, int64_t *wait_ms);
    /* After every wait: handles what arrived on its descriptor. */
    void (*drain)(tix_prov_t *p);
    /* Frees what p->priv holds (the collector frees p->priv itself); NULL: nothing held. */
    void (*release)(tix_prov_t *p);
} tix_col_adapter_t;

/* One per provider kind (TIX_PROVIDER_KIND_MAP), and the FX feed's. */
#define X(kind) extern const tix_col_adapter_t tix_col_##kind;
TIX_PROVIDER_KIND_MAP(X)
#undef X
extern const tix_col_adapter_t tix_col_fx_feed;

struct tix_prov_s {
    struct tix_collector_s *col;
    const tix_col_adapter_t *ad;
    void *priv; /* the adapter's own state */
    char name[64];
    char *url;
    int64_t interval_ms, timeout_ms, connect_timeout_ms, stall_ms, backoff_ms, backoff_max_ms;
    int64_t max_body;
    int down_after;
    bool any_provider;
    /* runtime */
    tix_health_t health;
    int fails;          /* consecutive failed attempts */
    int64_t next_due;   /* monotonic ns */
    bool done_once;     /* once mode: attempt finished */
    bool busy;          /* an attempt (a curl transfer) is in flight */
    tix_provider_stats_t st;
    /* accepted and refused quotes at the last health evaluation: what this cycle delivered */
    uint64_t mark_accepted, mark_refused;
    /* One rate limit per reason and fault: an outsider can repeat most of them at will. */
    tix_log_limit_t lim_reason[TIX_REASON_COUNT], lim_fault[TIX_FAULT_COUNT];
};

struct tix_collector_s {
    const tix_config_t *cfg;
    tix_norm_t *norm;
    tix_collector_sink_t sink;
    bool once;
    tix_prov_t *p;
    int np;
    CURLM *multi;
    tix_json_t *json; /* one parser: documents are handled one at a time */
    uint64_t rng;
    int64_t skew_ns; /* engine.max_clock_skew_ms */
    int64_t last_stamp;
};

/* ---- configuration helpers for the adapters' configure ---- */

/* Appends "file:line: message" for setting `s` to the problems being collected. */
void tix_col_fail(tix_col_load_t *l, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Member `k` of group `g` if it is a string, else NULL. */
const char *tix_col_str(const config_setting_t *g, const char *k);
/* *dst = a copy of `src` (NULL for NULL); -1 when out of memory. */
int tix_col_dup(char **dst, const char *src);
/* Whether `u` is an http:// or https:// url. */
bool tix_col_http_url(const char *u);
/* A configure that checks the provider's url is http:// or https:// ("where.url: <kind>
 * needs ..."): the whole of it for the kinds that read nothing else. */
void tix_col_need_http_url(tix_prov_t *p, tix_col_load_t *l, const config_setting_t *ps,
                           const char *where);

/* ---- the emit path and health ---- */

/* recv_ns for data received now: wall clock, never going backwards within a collector. */
int64_t tix_col_stamp(struct tix_collector_s *c);
/* Checks recv_ns against the clock (bad_time), normalizes and delivers one quote; counts
 * and logs refusals. True if accepted. */
bool tix_col_emit(tix_prov_t *p, const tix_raw_quote_t *raw);
/* Counts a refusal under its reason and logs it rate-limited per kind; alone only for what is
 * not a quote (an FX feed's rate). */
void tix_col_count_refusal(tix_prov_t *p, const tix_norm_error_t *err);
/* A refused quote: counted, and handed to the sink with what was read of it (tixd archives it). */
void tix_col_refuse(tix_prov_t *p, const tix_raw_quote_t *raw, const tix_norm_error_t *err);
/* Records a fault (logged rate-limited per provider and kind) without ending the attempt. */
void tix_col_fault(tix_prov_t *p, tix_fault_t f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Ends an attempt: success resets the backoff; failure schedules a retry with backoff. A
 * success whose every quote since the last call was refused leaves the provider DEGRADED. */
void tix_col_attempt_done(tix_prov_t *p, bool ok);
/* Parses a whole JSON document: NULL on error, having counted bad_json or truncated. */
const tix_json_val_t *tix_col_parse(tix_prov_t *p, const char *buf, size_t len);
/* Extracts with `x` and emits every element of `doc`; returns the number of quotes accepted
 * or withheld as stale (-1 if the list reached nothing). */
int tix_col_extract_doc(tix_prov_t *p, const tix_extract_t *x, const tix_json_val_t *doc,
                        int64_t recv_ns, int *nstale);

/* ---- curl ---- */

/* Shared curl setup (timeouts, gzip, no signals) of the handle in *easy (made if NULL) for
 * provider `p`; NULL with tix_err(). */
CURL *tix_col_easy(tix_prov_t *p, CURL **easy);
/* Grows *buf (capacity *cap, doubling from 64 KiB) to hold `need` bytes; -1 when out of
 * memory, the buffer unchanged. */
int tix_col_reserve(char **buf, size_t *cap, size_t need);
/* Starts transfer `e` of `p`'s attempt: busy, counted; 0, or -1 with tix_err(). */
int tix_col_easy_add(tix_prov_t *p, CURL *e);
/* A fault from a failed transfer. */
tix_fault_t tix_col_curl_fault(CURLcode res, long status);
/* Takes a handle out of the multi if p's transfer is in flight, and frees it. */
void tix_col_easy_release(tix_prov_t *p, CURL **easy);

/* One polled HTTP GET with ETag and a kept last body (http_poll and the FX feed). */
typedef struct {
    CURL *easy;
    bool too_large;
    int64_t started, max_body; /* monotonic ns; bytes */
    char *body;
    size_t blen, bcap;
    char etag[256], new_etag[256];
    char *last_body;    /* the last 200 body, re-used on 304 */
    size_t last_len;
    struct curl_slist *hdrs;
} tix_col_http_t;
/* What a poll's body (fresh, or the last one again on 304) delivered: true if usable. */
typedef bool (*tix_col_body_fn)(tix_prov_t *p, const char *buf, size_t len, int64_t recv_ns);
int tix_col_http_start(tix_prov_t *p, tix_col_http_t *h);
/* A poll transfer finished: status and faults counted, the body handed to `on_body`, the
 * attempt ended. */
void tix_col_http_done(tix_prov_t *p, tix_col_http_t *h, CURLcode res, tix_col_body_fn on_body);
void tix_col_http_release(tix_prov_t *p, tix_col_http_t *h);

/* The rate value `v` of an FX feed (USD per unit, a positive decimal of at most 9 decimals)
 * into *rate; 0, or -1 when missing or not such a decimal. `shown` (cap bytes) receives its
 * text for messages, "..." marking a text too long to show whole. */
int tix_fx_rate(const tix_json_val_t *v, int64_t *rate, char *shown, size_t cap);

#endif
