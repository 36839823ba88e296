/* tixd's stage queues: bounded, fixed-size items, many producers, one consumer; never blocks a producer. */
#ifndef TIXD_QUEUE_H
#define TIXD_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tixd_queue_s tixd_queue_t;

/* A queue of `cap` items of `item_size` bytes. NULL with tix_err() on failure. */
tixd_queue_t *tixd_queue_new(size_t cap, size_t item_size);
void tixd_queue_destroy(tixd_queue_t **self_p);

/* Copies `item` in and wakes the consumer. Never waits: -1 when full (the item is dropped
 * and counted), so a slow consumer cannot stall its producer. */
int tixd_queue_push(tixd_queue_t *self, const void *item);
/* As push, but a full queue is not counted as a drop (the caller will try again). */
int tixd_queue_offer(tixd_queue_t *self, const void *item);

/* Moves up to `max` items into `out`, waiting up to `timeout_ms` (0: no wait) for the first.
 * Returns the number moved (0 on timeout or after tixd_queue_wake). */
size_t tixd_queue_pop(tixd_queue_t *self, void *out, size_t max, int64_t timeout_ms);

/* Wakes a consumer waiting in tixd_queue_pop (to notice a stop request). */
void tixd_queue_wake(tixd_queue_t *self);

size_t tixd_queue_depth(tixd_queue_t *self);
size_t tixd_queue_capacity(const tixd_queue_t *self);
uint64_t tixd_queue_dropped(tixd_queue_t *self);
/* The deepest the queue has been since it was made. */
size_t tixd_queue_peak(tixd_queue_t *self);

#endif
