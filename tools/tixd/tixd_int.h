/* tixd's stages (engine, publisher, metrics) and the state they share with /metrics. */
#ifndef TIXD_INT_H
#define TIXD_INT_H

#include "tix/wire.h"
#include "tix_collector.h"
#include "tix_config.h"
#include "tix_keys.h"
#include "tix_pub.h"
#include "tix_quote.h"
#include "tix_storage.h"
#include "tix_types.h"
#include "tixd_queue.h"
#include "tixd.h"
#include "tixd_sink.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* One engine input, made on the collector thread: the quote with its names (the engine
 * interns them in its own table: the normalizer's belongs to the collector thread). */
typedef struct {
    tix_quote_t q;
    tix_reason_t reason; /* NONE: for the engine; else refused, only archived */
    char provider[TIX_REC_PROVIDER_MAX], model[TIX_REC_MODEL_MAX], currency[TIX_REC_CCY_MAX];
} tixd_in_t;

/* One output for the sinks (the publisher's input), made on the engine thread. */
typedef struct tixd_out_s {
    uint16_t kind;    /* TIX_WIRE_TICK, TIX_WIRE_SETTLEMENT or TIX_WIRE_QUOTE */
    uint64_t rec_seq; /* the storage record it carries (0: not stored), for the publish ledger */
    union {
        tix_wire_tick_t tick;
        tix_wire_settlement_t stl;
        tix_wire_quote_t quote;
    } u;
} tixd_out_t;

/* What /metrics shows. Counters are atomics written by their stage; the snapshots behind
 * `mu` are copied by their stage at most every few hundred ms. */
typedef struct {
    atomic_uint_least64_t quotes, refused, late, clocks, ticks, settlements;
    atomic_uint_least64_t storage_refused, reloads, reload_failures;
    atomic_uint_least64_t late_ticks;     /* ticks archived but withheld as late (engine.late_ms) */
    atomic_uint_least64_t engine_pending; /* engine events waiting for the journal */
    atomic_int_least64_t engine_alive_ns; /* monotonic: the engine loop's last turn */
    pthread_mutex_t mu;
    /* collector thread */
    int nprov;
    char (*prov_name)[64];
    tix_health_t *health;
    tix_provider_stats_t *pstats;
    uint64_t forwarded, forward_dropped;
    /* engine thread, per tier */
    int ntiers;
    char (*tier_id)[TIX_TIER_ID_MAX];
    tix_tick_t *last_tick;
    int64_t *last_tick_wall_ns; /* when it was computed; 0: none yet */
    /* publisher thread */
    bool has_pub, has_auth;
    tix_pub_stats_t pub;
    double pub_rate;            /* messages per second over the last second */
    uint64_t subscribers;       /* TCP connections on the PUB sockets */
    uint64_t connects, disconnects;
    uint64_t auth_allowed, auth_refused;
} tixd_state_t;

int tixd_state_init(tixd_state_t *s, const tix_config_t *cfg);
void tixd_state_fini(tixd_state_t *s);
/* Copies the collector's per-provider health and counters (collector thread). */
int tixd_state_providers(tixd_state_t *s, const tix_collector_t *col);

/* ---- engine stage ---- */
#define TIXD_LATE_MS 1000 /* engine.late_ms default */
typedef struct {
    const tix_config_t *cfg;
    tix_storage_t *storage;     /* NULL: nothing stored */
    tixd_queue_t *in;           /* tixd_in_t, from the collector thread */
    tixd_sink_t *sinks;         /* where durable outputs go, in order; not owned */
    int nsinks;                 /* 0: nothing published */
    const tix_sign_key_t *sign; /* NULL: settlements unsigned */
    tixd_state_t *state;
    int64_t grace_ms;           /* CLOCK(b) once wall time passes b + grace */
} tixd_engine_opts_t;

typedef struct tixd_engine_s tixd_engine_t;

/* Starts the engine thread; the stream starts (journalled START) at the wall time of the
 * call. NULL with tix_err(). */
tixd_engine_t *tixd_engine_new(const tixd_engine_opts_t *opts);
/* Drains the input queue (journalling and feeding every quote in it), stops the thread. */
void tixd_engine_destroy(tixd_engine_t **self_p);

/* ---- publisher stage ---- */
typedef struct tixd_pub_s tixd_pub_t;

/* Loads the keys (refusing secrets readable by others), starts the ZAP handler when CURVE is
 * configured, binds every endpoint of the publisher section, then starts the publisher
 * thread, which owns the sockets. NULL with tix_err() naming the key or endpoint. */
tixd_pub_t *tixd_pub_new(const tix_config_t *cfg, tixd_queue_t *in, tixd_state_t *state);
/* Publishes what is still queued, then stops and closes everything. */
void tixd_pub_destroy(tixd_pub_t **self_p);
/* Records every message sent in `storage`'s publish ledger (tix_storage_published). Call
 * before the engine stage starts. */
void tixd_pub_set_storage(tixd_pub_t *self, tix_storage_t *storage);
/* The signing key (NULL if none), for the engine's settlement records. */
const tix_sign_key_t *tixd_pub_sign_key(const tixd_pub_t *self);
/* Re-reads the CURVE client allowlist (SIGHUP); 0 when there is none to reload. */
int tixd_pub_reload(tixd_pub_t *self);
/* "line_a tcp://127.0.0.1:40123" lines for every bound endpoint, into `f`. */
void tixd_pub_print_endpoints(const tixd_pub_t *self, FILE *f);

/* ---- /metrics and /health ---- */
typedef struct tixd_metrics_s tixd_metrics_t;

/* Serves http://`addr`/metrics and /health ("HOST:PORT", port 0 picks a free one) from an
 * internal libmicrohttpd thread. `in` and storage may be NULL; each sink's queue is shown
 * under the sink's name (names and queues must outlive the server). */
tixd_metrics_t *tixd_metrics_new(const char *addr, tixd_state_t *state, tixd_queue_t *in,
                                 const tixd_sink_t *sinks, int nsinks,
                                 tix_storage_t *storage, tixd_role_t role);
void tixd_metrics_destroy(tixd_metrics_t **self_p);
int tixd_metrics_port(const tixd_metrics_t *self);
/* The exposition text (for tests and benchmarks); returns its length, or -1 if `len` is short. */
int tixd_metrics_render(tixd_metrics_t *self, char *buf, size_t len);

#endif
