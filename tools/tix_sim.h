/* tix-sim's scenario types and price payloads, shared by tix-sim.c (HTTP, scenario) and sim_payload.c. */
#ifndef TIX_SIM_H
#define TIX_SIM_H

#include "tix/price.h"

#include <libconfig.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { FMT_OPENROUTER, FMT_DASHSCOPE, FMT_PRICESHEET, FMT_DEEPSEEK, FMT_NDJSON, FMT_FX };
enum { F_HTTP_500, F_TIMEOUT, F_SLOW_BODY, F_MALFORMED, F_TRUNCATED, F_OUTLIER, F_STALE,
       F_DISCONNECT, F_STALL, F_COUNT };

typedef struct {
    char id[96];
    tix_price_t in0, out0, cached0; /* starting prices, 1e-9 per 1M tokens */
    tix_price_t in, out, cached;    /* at step `step` */
    int64_t step;
    uint64_t rng;
    bool variable;
} tix_sim_model_t;

typedef struct {
    int kind;
    int64_t from_ms, to_ms; /* to_ms 0: for ever */
    int64_t every, delay_ms, factor_bp;
    char model[96];
} tix_sim_fault_t;

typedef struct {
    char name[64];
    int format, port;
    int64_t walk_bp, off_peak_bp, stream_ms;
    char discount[16], off_start[8], off_end[8];
    bool gzip;
    tix_sim_model_t *models;
    int nmodels;
    tix_sim_fault_t *faults;
    int nfaults;
    const config_setting_t *rates;
    struct MHD_Daemon *d;
    pthread_mutex_t mu;
    uint64_t requests;
    int64_t frozen_step; /* -1 unless a stale fault froze the prices */
} tix_sim_prov_t;

/* When the simulation started (wall clock) and how often prices step: every payload's
 * timestamps derive from these, so a seeded run is reproducible. */
typedef struct {
    int64_t t0_wall_ns, update_ms;
} tix_sim_clock_t;
extern tix_sim_clock_t tix_sim_clock;

/* FNV-1a of `s` over `h`: a reproducible random stream per (seed, provider, model). */
uint64_t tix_sim_hash(uint64_t h, const char *s);
/* The next number of xorshift stream `x`. */
uint64_t tix_sim_next(uint64_t *x);
/* The first fault of `kind` active for request number `request` at `now_ms`, or NULL. */
const tix_sim_fault_t *tix_sim_fault(const tix_sim_prov_t *p, int kind, int64_t now_ms, uint64_t request);
/* Model m's input, output and cached prices at `step` (an outlier fault applied) in v[3]. */
void tix_sim_prices(tix_sim_prov_t *p, tix_sim_model_t *m, int64_t step, const tix_sim_fault_t *outlier,
                    tix_price_t v[3]);
/* The price list document for this request in the provider's format; NULL out of memory.
 * The caller frees it. */
char *tix_sim_body(tix_sim_prov_t *p, int64_t now_ms, uint64_t req, size_t *len);

#endif
