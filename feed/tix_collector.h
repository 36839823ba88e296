/* The collector: every provider adapter (http_poll, ndjson_stream, csv_file, zmq_ingest) in one loop. */
#ifndef TIX_COLLECTOR_H
#define TIX_COLLECTOR_H

#include "tix_config.h"
#include "tix_diag.h"
#include "tix_normalize.h"
#include "tix_quote.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* UP: the last attempt delivered quotes; DEGRADED: it failed, but fewer than down_after in a
 * row, or it delivered data whose every quote was refused; DOWN: down_after failures in a row, or no data yet. Never given up: DOWN keeps retrying. */
typedef enum { TIX_HEALTH_UP = 0, TIX_HEALTH_DEGRADED, TIX_HEALTH_DOWN } tix_health_t;

/* Transport and payload faults: provider-health counters, not quote refusals (§3.5). */
typedef enum {
    TIX_FAULT_HTTP_4XX = 0,
    TIX_FAULT_HTTP_5XX,
    TIX_FAULT_HTTP_OTHER,  /* any other non-200/304 status */
    TIX_FAULT_TIMEOUT,     /* connect or total timeout */
    TIX_FAULT_CONNECT,     /* refused, unreachable, reset */
    TIX_FAULT_TRUNCATED,   /* body shorter than announced, JSON cut short, stream cut mid-line */
    TIX_FAULT_BAD_JSON,    /* not JSON */
    TIX_FAULT_TOO_LARGE,   /* body over max_body_bytes */
    TIX_FAULT_NO_QUOTES,   /* valid JSON, but the list path reached no element */
    TIX_FAULT_STALE_SOURCE,/* every quote carried a source timestamp older than max_age_ms */
    TIX_FAULT_STALL,       /* a stream sent nothing for stall_ms */
    TIX_FAULT_DISCONNECT,  /* a stream ended */
    TIX_FAULT_BAD_FILE,    /* a dropped CSV file was refused (moved to bad/) */
    TIX_FAULT_BAD_MESSAGE, /* a ZeroMQ message that is not a valid quote message */
    TIX_FAULT_UNKNOWN_KEY, /* zmq_ingest: a CURVE handshake with a key not in collectors_allow */
    TIX_FAULT_COUNT
} tix_fault_t;

const char *tix_health_name(tix_health_t h);
const char *tix_fault_name(tix_fault_t f);

typedef struct {
    uint64_t attempts;      /* polls, connections, files, messages */
    uint64_t successes;     /* attempts that delivered usable data */
    uint64_t not_modified;  /* 304 answers (last quotes re-emitted) */
    uint64_t accepted;      /* quotes normalized and delivered */
    uint64_t refused[TIX_REASON_COUNT];
    uint64_t faults[TIX_FAULT_COUNT];
    uint64_t stale_quotes;  /* quotes withheld: source timestamp too old */
    uint64_t trades, ignored; /* NDJSON trades (volume) and other message types */
    long last_status;       /* last HTTP status, 0 if none */
    int64_t last_latency_ns;
} tix_provider_stats_t;

typedef struct {
    /* Every quote extracted from a payload, before normalization (for recordings). */
    void (*on_raw)(void *arg, const tix_raw_quote_t *raw);
    /* Every accepted quote, normalized. */
    void (*on_quote)(void *arg, const tix_raw_quote_t *raw, const tix_quote_t *q);
    void *arg;
    /* Every quote normalization refused (§3.5), with the reason (may be NULL). */
    void (*on_refused)(void *arg, const tix_raw_quote_t *raw, const tix_norm_error_t *err);
} tix_collector_sink_t;

/* Which provider kinds to run: roles pick theirs. */
#define TIX_COLLECT_HTTP 0x1
#define TIX_COLLECT_NDJSON 0x2
#define TIX_COLLECT_CSV 0x4
#define TIX_COLLECT_ZMQ 0x8
#define TIX_COLLECT_ALL 0xf

typedef struct tix_collector_s tix_collector_t;

/* Validates the providers, presets and fx_feed sections of `cfg` beyond their schema (presets
 * exist, paths compile, kinds have what they need, names are unique); appends every problem
 * to `diag` as "file:line: providers[i].key: message". Returns the number of problems. */
int tix_collector_check(const tix_config_t *cfg, tix_diag_t *diag);

/* A collector for the enabled providers of the kinds in `kinds`. `norm` and `cfg` must
 * outlive it. With `once`, each provider is attempted exactly once (no retries, streams
 * are listened to for their timeout_ms, a drop directory is scanned but not watched).
 * NULL with problems in `diag` (and tix_err()). */
tix_collector_t *tix_collector_new(const tix_config_t *cfg, tix_norm_t *norm, unsigned kinds,
                                   bool once, const tix_collector_sink_t *sink,
                                   tix_diag_t *diag);
void tix_collector_destroy(tix_collector_t **self_p);

/* Runs whatever is due and services I/O for at most `timeout_ms`. -1 on an internal error. */
int tix_collector_step(tix_collector_t *self, int64_t timeout_ms)
    __attribute__((warn_unused_result));
/* With `once`: true when every provider has had its attempt. */
bool tix_collector_done(const tix_collector_t *self);

int tix_collector_count(const tix_collector_t *self);
int tix_collector_find(const tix_collector_t *self, const char *name);
const char *tix_collector_name(const tix_collector_t *self, int i);
tix_health_t tix_collector_health(const tix_collector_t *self, int i);
const tix_provider_stats_t *tix_collector_stats(const tix_collector_t *self, int i);

/* Replaces provider `i`'s counters: a reload carries each provider's counters over, by name,
 * to the collector that replaces the old one, so that Prometheus counters stay monotonic. */
void tix_collector_set_stats(tix_collector_t *self, int i, const tix_provider_stats_t *st);

/* One line per provider: health, attempts, accepted, refused by reason, faults, HTTP
 * status, latency. */
void tix_collector_summary(const tix_collector_t *self, FILE *f);

/* Writes `raw` as one row of the replay CSV format (tix_csv.h). */
void tix_collector_write_row(FILE *f, const tix_raw_quote_t *raw);

#endif
