/* The index engine: a pure function of (config, ordered QUOTE/CLOCK events) → ticks, settlements. */
#ifndef TIX_ENGINE_H
#define TIX_ENGINE_H

#include "tix_config.h"
#include "tix_quote.h"
#include "tix_strtab.h"

#include <stdint.h>

typedef enum { TIX_STATUS_OK = 0, TIX_STATUS_LOW = 1, TIX_STATUS_STALE = 2 } tix_status_t;
typedef enum { TIX_SETTLE_OK = 0, TIX_SETTLE_FALLBACK = 1, TIX_SETTLE_NONE = 2 } tix_settle_status_t;

/* §12: one tier's index at one boundary. */
typedef struct {
    int64_t ts_ns;
    int32_t tier;
    tix_price_t price; /* TIX_PRICE_NULL when absent */
    tix_status_t status;
    uint32_t n_used, n_excluded, n_stale;
    tix_price_t dispersion;
} tix_tick_t;

/* §13: one tier's daily settlement. */
typedef struct {
    int64_t ts_ns; /* the settlement instant S */
    int32_t tier;
    char date[11]; /* UTC "YYYY-MM-DD" of S */
    tix_price_t price; /* TIX_PRICE_NULL for NONE */
    tix_settle_status_t status;
    uint32_t partitions_used; /* m */
} tix_settlement_t;

typedef struct {
    void (*on_tick)(void *arg, const tix_tick_t *tick);
    void (*on_settlement)(void *arg, const tix_settlement_t *stl);
    void *arg;
} tix_engine_sink_t;

typedef struct tix_engine_s tix_engine_t;

/* `cfg` and `names` (provider names by id, for the §10 tie-break) must outlive the engine. */
tix_engine_t *tix_engine_new(const tix_config_t *cfg, const tix_strtab_t *names,
                             const tix_engine_sink_t *sink);
void tix_engine_destroy(tix_engine_t **self_p);

/* Fixes each tier's first boundary (the first at or after `t_ns`) without computing
 * anything; otherwise the first event does. -1 if already started. */
int tix_engine_start(tix_engine_t *self, int64_t t_ns) __attribute__((warn_unused_result));

/* QUOTE event: `q` becomes the latest quote of its pair if its recv_ns is not older
 * (§6: on equal recv_ns the later event wins). Never advances time. */
int tix_engine_quote(tix_engine_t *self, const tix_quote_t *q) __attribute__((warn_unused_result));

/* CLOCK event: time has reached `now_ns`; every tier boundary b with b ≤ now_ns not yet
 * processed is computed now, in time order, tiers in config order at equal times. The
 * first event of the stream fixes each tier's first boundary (the first at or after it). */
int tix_engine_clock(tix_engine_t *self, int64_t now_ns) __attribute__((warn_unused_result));

/* End of a finite stream: each tier runs through its own first boundary ≥ `last_ns`. */
int tix_engine_close(tix_engine_t *self, int64_t last_ns) __attribute__((warn_unused_result));

/* The next boundary (ns) the engine will compute, or INT64_MAX before the first event. */
int64_t tix_engine_next_boundary(const tix_engine_t *self);

const char *tix_status_name(tix_status_t s);
const char *tix_settle_status_name(tix_settle_status_t s);

#endif
