/* The pure arithmetic of METHODOLOGY-v1 §1, §7–§10: medians, MAD filter, weights. */
#ifndef TIX_METHODOLOGY_H
#define TIX_METHODOLOGY_H

#include "tix/price.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One provider's observation in a tier at a boundary (§7). */
typedef struct {
    tix_price_t obs;  /* median of its eligible pairs' blended prices */
    int64_t volume;   /* V_p, saturating at INT64_MAX */
    const char *name; /* provider name, for the byte-wise tie-break */
    bool excluded;    /* removed by the outlier filter (§8) */
    double share;     /* volume weight s_p (§9), volume tiers only */
    bool capped;      /* in §9's capped set C */
} tix_obs_t;

/* §1 median; sorts `x` ascending in place. n > 0. */
int64_t tix_median(int64_t *x, size_t n);

/* §8: marks outliers in obs[0..n) and returns how many. `scratch` holds n int64s. */
size_t tix_outlier_filter(tix_obs_t *obs, size_t n, int64_t k, int64_t band_bp,
                          int64_t *scratch);

/* §10 order: obs ascending, then name byte-wise. */
void tix_obs_sort(tix_obs_t *obs, size_t n);

/* §9 capped volume shares for used[0..n) (already in §10 order). Returns false when
 * equal weights apply instead (capping impossible, or no volume at all). */
bool tix_volume_shares(tix_obs_t *used, size_t n, int64_t cap_bp);

/* §10 weighted median over used[0..n) in §10 order; equal weights unless `by_share`. */
tix_price_t tix_weighted_median(const tix_obs_t *used, size_t n, bool by_share);

#endif
