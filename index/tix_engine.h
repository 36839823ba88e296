/* The index engine: a pure function of (config, ordered QUOTE/CLOCK events) → ticks, settlements. */
#ifndef TIX_ENGINE_H
#define TIX_ENGINE_H

#include "tix_config.h"
#include "tix_quote.h"
#include "tix_types.h"
#include "tix_strtab.h"

#include <stdint.h>

typedef struct {
    void (*on_tick)(void *arg, const tix_tick_t *tick);
    void (*on_settlement)(void *arg, const tix_settlement_t *stl);
    void *arg;
} tix_engine_sink_t;

typedef struct tix_engine_s tix_engine_t;

/* Event times must lie within ±2^62 ns of the epoch (until year 2116). */
#define TIX_ENGINE_TIME_MAX (INT64_C(1) << 62)

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


#endif
