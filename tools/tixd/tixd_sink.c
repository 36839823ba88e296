/* tixd's output sinks: the default deliver (a bounded queue, ticks dropped and counted, settlements waiting bounded) and delivery to an array of sinks. */
#include "tixd_sink.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tixd_int.h"

#include <time.h>

#define SETTLE_WAIT_MS 2000

tixd_sink_t tixd_sink_queue(const char *name, tixd_queue_t *queue, unsigned kinds)
{
    return (tixd_sink_t){.name = name, .queue = queue, .kinds = kinds,
                         .settle_wait_ms = SETTLE_WAIT_MS};
}

/* A full queue means the sink is behind. A tick is superseded within a second and is in the
 * archive, so it may be dropped (counted, logged each time the count grows tenfold); a
 * settlement happens once a day and waits (bounded, 1 ms a try) for room instead. */
int tixd_sink_deliver(tixd_sink_t *s, const tixd_out_t *m)
{
    int tries = m->kind == TIX_WIRE_SETTLEMENT && s->settle_wait_ms > 0 ? s->settle_wait_ms : 1;
    for (int i = 0; i < tries; i++) {
        int rc = i + 1 < tries ? tixd_queue_offer(s->queue, m) : tixd_queue_push(s->queue, m);
        if (rc == 0)
            return 0;
        struct timespec ts = {0, 1000000};
        if (i + 1 < tries)
            nanosleep(&ts, NULL);
    }
    s->dropped++;
    if (s->dropped >= s->dropped_logged * 10) {
        tix_error("engine: %s queue full (%zu items): %llu %s dropped so far, see "
                  "tix_queue_dropped_total", s->name, tixd_queue_capacity(s->queue),
                  (unsigned long long)s->dropped,
                  m->kind == TIX_WIRE_SETTLEMENT ? "messages (a settlement among them)" : "messages");
        s->dropped_logged = s->dropped;
    }
    return -1;
}

int tixd_sinks_add(tixd_sink_t *sinks, int *n, tixd_sink_t sink)
{
    if (*n >= TIXD_SINKS_MAX) {
        TIX_SET_ERR(ENOSPC, "sink %s: at most %d sinks (TIXD_SINKS_MAX)", sink.name, TIXD_SINKS_MAX);
        return -1;
    }
    sinks[(*n)++] = sink;
    return 0;
}

void tixd_sinks_deliver(tixd_sink_t *sinks, int n, const tixd_out_t *m)
{
    for (int i = 0; i < n; i++) {
        tixd_sink_t *s = &sinks[i];
        if (!(s->kinds & TIXD_SINK_KIND(m->kind)))
            continue;
        (void)(s->deliver ? s->deliver(s, m) : tixd_sink_deliver(s, m));
    }
}

bool tixd_sinks_take(const tixd_sink_t *sinks, int n, uint16_t kind)
{
    for (int i = 0; i < n; i++)
        if (sinks[i].kinds & TIXD_SINK_KIND(kind))
            return true;
    return false;
}
