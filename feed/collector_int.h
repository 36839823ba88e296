/* Collector internals shared by the adapters: provider state, emit path, health bookkeeping. */
#ifndef TIX_COLLECTOR_INT_H
#define TIX_COLLECTOR_INT_H

#include "tix_collector.h"
#include "tix_extract.h"
#include "tix_json.h"
#include "tix_log.h"

#include <curl/curl.h>

typedef enum { S_HTTP = 0, S_NDJSON, S_CSV, S_ZMQ, S_FX } s_kind_t;

/* Rolling traded volume of one model on a stream: 60 buckets over volume_window_ms. */
#define TIX_VOL_BUCKETS 60
typedef struct {
    char model[96];
    int64_t bucket[TIX_VOL_BUCKETS]; /* bucket start index, for expiry */
    int64_t qty[TIX_VOL_BUCKETS];
} tix_vol_t;

typedef struct tix_prov_s {
    struct tix_collector_s *col;
    char name[64];
    s_kind_t kind;
    char *url, *path;
    int64_t interval_ms, timeout_ms, connect_timeout_ms, stall_ms, backoff_ms, backoff_max_ms;
    int64_t max_body;
    int down_after;
    bool any_provider;
    tix_extract_t x;
    /* fx feed */
    tix_jpath_t *fx_rates;
    char (*fx_codes)[TIX_CCY_MAX];
    int nfx_codes;
    int64_t fx_stale_ms, fx_last_ok_ns;
    bool fx_stale;
    /* runtime */
    tix_health_t health;
    int fails;          /* consecutive failed attempts */
    int64_t next_due;   /* monotonic ns */
    bool done_once;     /* once mode: attempt finished */
    tix_provider_stats_t st;
    /* accepted and refused quotes at the last health evaluation: what this cycle delivered */
    uint64_t mark_accepted, mark_refused;
    /* One rate limit per reason and fault: an outsider can repeat most of them at will. */
    tix_log_limit_t lim_reason[TIX_REASON_COUNT], lim_fault[TIX_FAULT_COUNT];
    /* HTTP transfer */
    CURL *easy;
    bool busy, too_large;
    int64_t started;    /* monotonic ns */
    char *body;
    size_t blen, bcap;
    char etag[256], new_etag[256];
    char *last_body;    /* the last 200 body, re-extracted on 304 */
    size_t last_len;
    struct curl_slist *hdrs;
    /* stream */
    int64_t last_data;  /* monotonic ns of the last byte */
    bool line_overflow;
    tix_vol_t *vols;
    int nvols;
    /* csv_file */
    int wd;
    bool is_dir;
    /* zmq_ingest: its own context, so that its ZAP handler serves its socket alone */
    char *curve_secret, *collectors_allow;
    void *zctx, *zsock;
    struct tix_auth_s *auth; /* NULL without CURVE (a local endpoint) */
} tix_prov_t;

struct tix_collector_s {
    const tix_config_t *cfg;
    tix_norm_t *norm;
    tix_collector_sink_t sink;
    bool once;
    tix_prov_t *p;
    int np;
    CURLM *multi;
    tix_json_t *json; /* one parser: documents are handled one at a time */
    int ino_fd;
    uint64_t rng;
    int64_t skew_ns; /* engine.max_clock_skew_ms */
    int64_t last_stamp;
};

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
/* Extracts and emits every element of `doc`; returns the number of quotes accepted or
 * withheld as stale (-1 if the list reached nothing). */
int tix_col_extract_doc(tix_prov_t *p, const tix_json_val_t *doc, int64_t recv_ns, int *nstale);

/* Adapters. */
int tix_http_start(tix_prov_t *p);              /* begins one poll (http_poll, fx feed) */
void tix_http_done(tix_prov_t *p, CURLcode res); /* a poll transfer finished */
void tix_fx_body(tix_prov_t *p, const tix_json_val_t *doc);
/* The rate value `v` of an FX feed (USD per unit, a positive decimal of at most 9 decimals)
 * into *rate; 0, or -1 when missing or not such a decimal. `shown` (cap bytes) receives its
 * text for messages, "..." marking a text too long to show whole. */
int tix_fx_rate(const tix_json_val_t *v, int64_t *rate, char *shown, size_t cap);
int tix_stream_start(tix_prov_t *p);
void tix_stream_done(tix_prov_t *p, CURLcode res);
void tix_stream_check(tix_prov_t *p, int64_t now); /* stall watchdog, once-mode end */
int tix_csv_source_start(tix_prov_t *p);         /* file import, or dir scan + watch */
void tix_csv_source_events(struct tix_collector_s *c);
/* Why zmq_ingest `p` may not run as configured (an exposed endpoint without CurveZMQ, half
 * of its keys, an unreadable key or allowlist): -1 with tix_err(), else 0. */
int tix_zmq_source_check(const tix_prov_t *p);
int tix_zmq_source_start(tix_prov_t *p);
void tix_zmq_source_drain(tix_prov_t *p);
void tix_zmq_source_release(tix_prov_t *p);
void tix_prov_release(tix_prov_t *p);            /* frees adapter resources */

/* Shared curl setup (timeouts, gzip, no signals) for provider `p`. */
CURL *tix_col_easy(tix_prov_t *p);
/* A fault from a failed transfer. */
tix_fault_t tix_col_curl_fault(CURLcode res, long status);

#endif
