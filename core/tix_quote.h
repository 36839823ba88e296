/* Quote types shared by feed, index, storage and publisher (METHODOLOGY-v1 §2–§3). */
#ifndef TIX_QUOTE_H
#define TIX_QUOTE_H

#include "tix/price.h"

#include <stdint.h>

/* Longest provider and model names (bytes) any stage carries: the wire's fields less the NUL. */
#define TIX_NAME_PROVIDER_MAX 63
#define TIX_NAME_MODEL_MAX 95

/* Why a quote never reached the engine (§3.5); names are normative. */
typedef enum {
    TIX_REASON_NONE = 0,
    TIX_REASON_BAD_NUMBER,
    TIX_REASON_NEGATIVE,
    TIX_REASON_NO_FX_RATE,
    TIX_REASON_MISSING_FIELD,
    TIX_REASON_UNMAPPED_MODEL,
    /* Refused at the engine's boundary (zmq_ingest and every collector), never by
     * normalization: a quote a collector key may not send, a recv_ns off the clock. */
    TIX_REASON_UNAUTHORIZED_PROVIDER,
    TIX_REASON_BAD_TIME,
    TIX_REASON_COUNT
} tix_reason_t;
/* Normalization's reasons are 1 .. TIX_REASON_NORM_COUNT - 1 (what tix-replay can meet). */
#define TIX_REASON_NORM_COUNT (TIX_REASON_UNMAPPED_MODEL + 1)

const char *tix_reason_name(tix_reason_t r);

/* A quote as a collector received it: text fields, NULL when the provider gave none. */
typedef struct {
    int64_t recv_ns;
    const char *provider, *model;
    const char *unit;     /* "token", "1k", "1m" */
    const char *currency; /* ISO 4217 */
    const char *input, *output, *cached;
    const char *volume;   /* integer tokens */
} tix_raw_quote_t;

/* A normalized quote: every price in nano-USD per 1M tokens, TIX_PRICE_NULL if absent. */
typedef struct {
    int64_t recv_ns;
    uint32_t provider, model; /* ids in the normalizer's name table */
    uint32_t pair;            /* dense id of (provider, model) */
    int32_t tier;             /* index into the config's tiers */
    tix_price_t input, output, cached, blended;
    int64_t volume;           /* tokens, -1 if absent */
    /* As received, for the archive: prices in local currency per 1M tokens, the unit
     * and the FX rate (1e-9) applied. */
    tix_price_t local_input, local_output, local_cached;
    int64_t fx_e9;
    uint32_t currency;        /* id in the normalizer's name table */
    tix_unit_t unit;
} tix_quote_t;

#endif
