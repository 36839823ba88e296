/* Per-topic BLAKE2b-256 hash chains and sequence numbers, shared by publisher and subscriber. */
#ifndef TIX_CHAIN_H
#define TIX_CHAIN_H

#include "tix/wire.h"

#include <stddef.h>
#include <stdint.h>

typedef struct tix_chain_s tix_chain_t;

tix_chain_t *tix_chain_new(void);
void tix_chain_destroy(tix_chain_t **self_p);

/* Id of `topic` (its first `len` bytes; added with seq 0 and an all-zero head if new); -1 on
 * allocation failure. */
int tix_chain_topic(tix_chain_t *self, const char *topic, size_t len);
/* Id of `topic` (its first `len` bytes) if known, else -1. */
int tix_chain_find(const tix_chain_t *self, const char *topic, size_t len);
size_t tix_chain_count(const tix_chain_t *self);
const char *tix_chain_name(const tix_chain_t *self, int id);

/* The last sequence number and head of topic `id`. */
uint64_t tix_chain_seq(const tix_chain_t *self, int id);
const uint8_t *tix_chain_head(const tix_chain_t *self, int id);

/* out = BLAKE2b-256(topic || msg) with salt = prev[0..16) and personal = prev[16..32) (no
 * key): the next head after `prev` (docs/wire.md). `out` may be `prev`. 0, or -1 with
 * tix_err() if libsodium refuses (it does so only for invalid sizes). */
int tix_chain_hash(const uint8_t *prev, const char *topic, size_t topic_len, const uint8_t *msg,
                   size_t len, uint8_t *out) __attribute__((warn_unused_result));
/* The head topic `id` would have after `msg`, changing nothing (commit it with
 * tix_chain_set): a publisher computes it before steps it cannot undo. 0 or -1. */
int tix_chain_next(const tix_chain_t *self, int id, const uint8_t *msg, size_t len, uint8_t *out)
    __attribute__((warn_unused_result));
/* tix_chain_next, then tix_chain_set with `seq` (the message's topic_seq). 0, or -1 with
 * the chain unchanged. */
int tix_chain_advance(tix_chain_t *self, int id, uint64_t seq, const uint8_t *msg, size_t len)
    __attribute__((warn_unused_result));
/* Sets a topic's state from a snapshot (late join). */
void tix_chain_set(tix_chain_t *self, int id, uint64_t seq, const uint8_t *head);
/* The head the chain had at `seq`, from a short history; NULL if it is not kept any more. */
const uint8_t *tix_chain_head_at(const tix_chain_t *self, int id, uint64_t seq);

#endif
