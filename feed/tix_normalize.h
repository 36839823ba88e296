/* Normalization of one raw quote: units, FX, blend and tier mapping (METHODOLOGY-v1 §3–§4). */
#ifndef TIX_NORMALIZE_H
#define TIX_NORMALIZE_H

#include "tix_config.h"
#include "tix_quote.h"
#include "tix_strtab.h"

typedef struct tix_norm_s tix_norm_t;

/* Details of a refusal, for the first-occurrence log line. */
typedef struct {
    tix_reason_t reason;
    const char *field; /* "input", "output", "cached_input", "volume", "currency", ... */
    char detail[160];  /* what was wrong, quoting the offending text */
} tix_norm_error_t;

/* `cfg` must outlive the normalizer. */
tix_norm_t *tix_norm_new(const tix_config_t *cfg);
void tix_norm_destroy(tix_norm_t **self_p);

/* Normalizes `raw` into `out`. Returns 0, or -1 with `err` filled (reason and detail);
 * -1 with reason NONE means out of memory (tix_err()). */
int tix_norm_quote(tix_norm_t *self, const tix_raw_quote_t *raw, tix_quote_t *out,
                   tix_norm_error_t *err) __attribute__((warn_unused_result));

/* Puts currency `code` under an FX feed: from now on its rate is `rate_e9` (USD per unit,
 * 1e-9), and with a negative rate it has none, so its quotes are refused (no_fx_rate) until
 * a fresh rate is set. Currencies never set keep the configuration's static rate. */
int tix_norm_set_fx(tix_norm_t *self, const char *code, int64_t rate_e9)
    __attribute__((warn_unused_result));
/* The rate in force for `code` (1e-9), or -1 if none. */
int64_t tix_norm_fx(tix_norm_t *self, const char *code);

/* Names of providers, models and currencies by id. */
const tix_strtab_t *tix_norm_names(const tix_norm_t *self);
/* How many (provider, model) pairs have been seen: pair ids are below this. */
uint32_t tix_norm_pair_count(const tix_norm_t *self);

#endif
