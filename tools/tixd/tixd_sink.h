/* tixd's outputs: a sink is one consumer of the engine stage's durable outputs (the publisher today; finals, a gateway later), with its own queue and drop policy. */
#ifndef TIXD_SINK_H
#define TIXD_SINK_H

#include "tixd_queue.h"

#include <stdbool.h>
#include <stdint.h>

#define TIXD_SINKS_MAX 8

/* Bit of each output kind (TIX_WIRE_TICK, TIX_WIRE_SETTLEMENT, TIX_WIRE_QUOTE) in `kinds`. */
#define TIXD_SINK_KIND(kind) (1u << (kind))

typedef struct tixd_sink_s tixd_sink_t;
struct tixd_out_s; /* tixd_out_t, tixd_int.h */

/* Hands one durable output to the sink, on the engine thread; must not block for long (it
 * delays every other sink and the feed). 0, or -1 when the output was dropped. */
typedef int (*tixd_deliver_fn)(tixd_sink_t *sink, const struct tixd_out_s *m);

struct tixd_sink_s {
    const char *name;        /* its queue's label in /metrics and its name in log lines */
    tixd_queue_t *queue;     /* tixd_out_t items for the sink's own thread; not owned */
    unsigned kinds;          /* TIXD_SINK_KIND bits of the outputs it takes */
    int settle_wait_ms;      /* a settlement waits this long for room; ticks and quotes never
                              * wait (superseded within a second, and archived): dropped, counted */
    tixd_deliver_fn deliver; /* NULL: tixd_sink_deliver */
    /* engine thread: drops, and the count when last logged */
    uint64_t dropped, dropped_logged;
};

/* A sink for `queue` with the default policy: ticks and quotes dropped when the queue is
 * full, settlements waiting up to 2 s for room. */
tixd_sink_t tixd_sink_queue(const char *name, tixd_queue_t *queue, unsigned kinds);

/* The default deliver: into the sink's queue under its drop policy; a drop is counted in the
 * queue (tix_queue_dropped_total) and logged each time the sink's count grows tenfold. */
int tixd_sink_deliver(tixd_sink_t *sink, const struct tixd_out_s *m);

/* Appends `sink` to the array of `*n` entries (TIXD_SINKS_MAX at most); -1 with tix_err()
 * when it is full. */
int tixd_sinks_add(tixd_sink_t *sinks, int *n, tixd_sink_t sink) __attribute__((warn_unused_result));
/* Delivers `m` to every sink of the array that takes its kind. */
void tixd_sinks_deliver(tixd_sink_t *sinks, int n, const struct tixd_out_s *m);
/* Whether any sink of the array takes outputs of `kind`. */
bool tixd_sinks_take(const tixd_sink_t *sinks, int n, uint16_t kind);

#endif
