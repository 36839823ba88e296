/* Per-topic BLAKE2b-256 hash chains and sequence numbers, shared by publisher and subscriber. */
#ifndef TIX_CHAIN_H
#define TIX_CHAIN_H

#include "tix/wire.h"

#include <stddef.h>
#include <stdint.h>

typedef struct tix_chain_s tix_chain_t;

tix_chain_t *tix_chain_new(void);
void tix_chain_destroy(tix_chain_t **self_p);

/* Id of `topic` (added with seq 0 and an all-zero head if new); -1 on allocation failure. */
int tix_chain_topic(tix_chain_t *self, const char *topic);
/* Id of `topic` if known, else -1. */
int tix_chain_find(const tix_chain_t *self, const char *topic);
size_t tix_chain_count(const tix_chain_t *self);
const char *tix_chain_name(const tix_chain_t *self, int id);

/* The last sequence number and head of topic `id`. */
uint64_t tix_chain_seq(const tix_chain_t *self, int id);
const uint8_t *tix_chain_head(const tix_chain_t *self, int id);

/* head = BLAKE2b-256(head || topic || msg); seq = `seq` (the message's topic_seq). */
void tix_chain_advance(tix_chain_t *self, int id, uint64_t seq, const uint8_t *msg, size_t len);
/* Sets a topic's state from a snapshot (late join). */
void tix_chain_set(tix_chain_t *self, int id, uint64_t seq, const uint8_t *head);
/* The head the chain had at `seq`, from a short history; NULL if it is not kept any more. */
const uint8_t *tix_chain_head_at(const tix_chain_t *self, int id, uint64_t seq);

#endif
