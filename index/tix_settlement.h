/* Per-tier daily settlement state (METHODOLOGY-v1 §13), fed one tick at a time. */
#ifndef TIX_SETTLEMENT_H
#define TIX_SETTLEMENT_H

#include "tix_config.h"
#include "tix_engine.h"

#include <stdbool.h>

typedef struct {
    int64_t next_s_ns;   /* the next settlement instant S */
    int64_t window_ns, part_ns;
    int64_t partitions;
    int64_t *prices;     /* partitions × cap OK-tick prices of the current window */
    size_t cap;          /* per partition */
    size_t *count;       /* per partition */
    bool have_ok;
    tix_price_t last_ok; /* latest OK tick price so far */
} tix_settle_state_t;

/* Sizes the buffers for `t` and sets the first S at or after `first_b_ns`. */
int tix_settle_init(tix_settle_state_t *st, const tix_tier_cfg_t *t, int64_t first_b_ns);
void tix_settle_free(tix_settle_state_t *st);

/* Accounts `tick` (boundaries in order). Returns true and fills `out` when the tick's
 * boundary is a settlement instant; the settlement uses only ticks before it. */
bool tix_settle_on_tick(tix_settle_state_t *st, const tix_tick_t *tick, tix_settlement_t *out);

#endif
