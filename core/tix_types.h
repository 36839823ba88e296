/* Engine outputs shared by index, publisher and storage: ticks (§12) and settlements (§13). */
#ifndef TIX_TYPES_H
#define TIX_TYPES_H

#include "tix/price.h"

#include <stdint.h>

/* Tick and settlement statuses: X(enum suffix, name in CSV and logs); values are on the wire
 * and in archives, so a new status goes last. */
#define TIX_STATUS_MAP(X) X(OK, "OK") X(LOW, "LOW") X(STALE, "STALE")
#define TIX_SETTLE_STATUS_MAP(X) X(OK, "OK") X(FALLBACK, "FALLBACK") X(NONE, "NONE")
typedef enum {
#define X(id, name) TIX_STATUS_##id,
    TIX_STATUS_MAP(X)
#undef X
} tix_status_t;
typedef enum {
#define X(id, name) TIX_SETTLE_##id,
    TIX_SETTLE_STATUS_MAP(X)
#undef X
} tix_settle_status_t;

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

const char *tix_status_name(tix_status_t s);
const char *tix_settle_status_name(tix_settle_status_t s);

#endif
