/* Daily settlement: partitioned window medians of OK ticks, OK/FALLBACK/NONE (§13). */
#include "tix_settlement.h"
#include "tix_err.h"
#include "tix_methodology.h"
#include "tix_time.h"

#include <stdlib.h>
#include <string.h>

#define DAY_NS (TIX_MS_PER_DAY * TIX_NS_PER_MS)

int tix_settle_init(tix_settle_state_t *st, const tix_tier_cfg_t *t, int64_t first_b_ns)
{
    memset(st, 0, sizeof *st);
    st->window_ns = t->window_min * 60 * TIX_NS_PER_S;
    st->partitions = t->partitions;
    st->part_ns = st->window_ns / t->partitions;
    st->cap = (size_t)(st->part_ns / (t->interval_ms * TIX_NS_PER_MS)) + 1;
    st->prices = calloc((size_t)st->partitions * st->cap, sizeof *st->prices);
    st->count = calloc((size_t)st->partitions, sizeof *st->count);
    if (!st->prices || !st->count) {
        tix_settle_free(st);
        TIX_SET_ERR(ENOMEM, "tier %s: out of memory for the settlement window", t->id);
        return -1;
    }
    int64_t s = tix_floor_div(first_b_ns, DAY_NS) * DAY_NS + t->settle_ms * TIX_NS_PER_MS;
    st->next_s_ns = s < first_b_ns ? s + DAY_NS : s;
    return 0;
}

void tix_settle_free(tix_settle_state_t *st)
{
    free(st->prices);
    free(st->count);
    st->prices = NULL;
    st->count = NULL;
}

static void s_settle(tix_settle_state_t *st, int32_t tier, tix_settlement_t *out)
{
    memset(out, 0, sizeof *out);
    out->ts_ns = st->next_s_ns;
    out->tier = tier;
    tix_time_format_date(st->next_s_ns, out->date, sizeof out->date);
    __int128 sum = 0;
    uint32_t m = 0;
    for (int64_t j = 0; j < st->partitions; j++) {
        if (st->count[j] == 0)
            continue;
        sum += tix_median(st->prices + (size_t)j * st->cap, st->count[j]);
        m++;
    }
    out->partitions_used = m;
    if (m > 0 && (int64_t)m * 2 >= st->partitions) { /* m ≥ ceil(partitions / 2) */
        out->status = TIX_SETTLE_OK;
        out->price = tix_round_div(sum, m);
    } else if (st->have_ok) {
        out->status = TIX_SETTLE_FALLBACK;
        out->price = st->last_ok;
    } else {
        out->status = TIX_SETTLE_NONE;
        out->price = TIX_PRICE_NULL;
    }
}

bool tix_settle_on_tick(tix_settle_state_t *st, const tix_tick_t *tick, tix_settlement_t *out)
{
    bool due = tick->ts_ns == st->next_s_ns;
    if (due) {
        s_settle(st, tick->tier, out);
        memset(st->count, 0, (size_t)st->partitions * sizeof *st->count);
        st->next_s_ns += DAY_NS;
    }
    if (tick->status == TIX_STATUS_OK) {
        int64_t start = st->next_s_ns - st->window_ns;
        if (tick->ts_ns >= start && tick->ts_ns < st->next_s_ns) {
            size_t j = (size_t)((tick->ts_ns - start) / st->part_ns);
            if (st->count[j] < st->cap)
                st->prices[j * st->cap + st->count[j]++] = tick->price;
        }
        st->have_ok = true;
        st->last_ok = tick->price;
    }
    return due;
}
