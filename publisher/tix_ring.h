/* The replay ring: the last N published messages (topic + bytes) by channel sequence number. */
#ifndef TIX_RING_H
#define TIX_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct tix_ring_s tix_ring_t;

/* Keeps up to `entries` messages in an arena of `bytes`; large messages keep fewer. All of
 * its memory is mapped and faulted in here (NULL, tix_err() set, if there is not enough),
 * none while publishing. */
tix_ring_t *tix_ring_new(size_t entries, size_t bytes);
void tix_ring_destroy(tix_ring_t **self_p);

/* Appends message `seq` (must be the last seq + 1, or any seq when empty) on `topic` of
 * `topic_len` bytes. */
int tix_ring_put(tix_ring_t *self, uint64_t seq, const char *topic, size_t topic_len,
                 const uint8_t *msg, size_t len) __attribute__((warn_unused_result));
/* Looks up `seq`: 0 with pointers valid until the next put, -1 if no longer (or not yet) held. */
int tix_ring_get(const tix_ring_t *self, uint64_t seq, const char **topic, size_t *topic_len,
                 const uint8_t **msg, size_t *len);
/* Oldest and newest sequence held; first > last when empty. */
uint64_t tix_ring_first(const tix_ring_t *self);
uint64_t tix_ring_last(const tix_ring_t *self);

#endif
