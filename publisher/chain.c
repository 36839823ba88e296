/* BLAKE2b-256 hash chains per topic (libsodium crypto_generichash), with a short head history. */
#include "tix_chain.h"
#include "tix_err.h"
#include "tix_strtab.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY 256 /* heads kept per topic, to check attestations a little behind */

typedef struct {
    uint64_t seq;
    uint8_t head[TIX_WIRE_HASH_SIZE];
    uint64_t hist_seq[HISTORY];
    uint8_t hist_head[HISTORY][TIX_WIRE_HASH_SIZE];
} s_topic_t;

struct tix_chain_s {
    tix_strtab_t *names;
    s_topic_t **topics;
    size_t cap;
};

tix_chain_t *tix_chain_new(void)
{
    /* libsodium picks its fastest BLAKE2b for this CPU only once initialised. */
    if (sodium_init() < 0) {
        TIX_SET_ERR(EIO, "libsodium failed to initialise");
        return NULL;
    }
    tix_chain_t *self = calloc(1, sizeof *self);
    if (!self || !(self->names = tix_strtab_new())) {
        free(self);
        TIX_SET_ERR(ENOMEM, "out of memory for hash chains");
        return NULL;
    }
    return self;
}

void tix_chain_destroy(tix_chain_t **self_p)
{
    assert(self_p);
    tix_chain_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < tix_strtab_size(self->names); i++)
        free(self->topics[i]);
    free(self->topics);
    tix_strtab_destroy(&self->names);
    free(self);
    *self_p = NULL;
}

int tix_chain_find(const tix_chain_t *self, const char *topic)
{
    return (int)tix_strtab_find(self->names, topic, strlen(topic));
}

int tix_chain_topic(tix_chain_t *self, const char *topic)
{
    int id = tix_chain_find(self, topic);
    if (id >= 0)
        return id;
    size_t n = tix_strtab_size(self->names);
    if (n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        s_topic_t **t = realloc(self->topics, cap * sizeof *t);
        if (!t)
            goto oom;
        self->topics = t;
        self->cap = cap;
    }
    s_topic_t *t = calloc(1, sizeof *t);
    if (!t)
        goto oom;
    int64_t nid = tix_strtab_intern(self->names, topic, strlen(topic));
    if (nid < 0) {
        free(t);
        return -1;
    }
    self->topics[nid] = t;
    return (int)nid;
oom:
    TIX_SET_ERR(ENOMEM, "out of memory adding topic %s", topic);
    return -1;
}

size_t tix_chain_count(const tix_chain_t *self) { return tix_strtab_size(self->names); }
const char *tix_chain_name(const tix_chain_t *self, int id)
{
    return tix_strtab_name(self->names, (uint32_t)id);
}
uint64_t tix_chain_seq(const tix_chain_t *self, int id) { return self->topics[id]->seq; }
const uint8_t *tix_chain_head(const tix_chain_t *self, int id) { return self->topics[id]->head; }

static void s_remember(s_topic_t *t)
{
    size_t slot = (size_t)(t->seq % HISTORY);
    t->hist_seq[slot] = t->seq;
    memcpy(t->hist_head[slot], t->head, TIX_WIRE_HASH_SIZE);
}

void tix_chain_advance(tix_chain_t *self, int id, uint64_t seq, const uint8_t *msg, size_t len)
{
    s_topic_t *t = self->topics[id];
    const char *name = tix_chain_name(self, id);
    size_t nl = strlen(name);
    /* One contiguous hash input: a single crypto_generichash call is cheaper than
     * init/update/final for these short messages (once per published message). */
    uint8_t buf[TIX_WIRE_HASH_SIZE + TIX_WIRE_TOPIC_MAX + 512];
    if (nl + len <= sizeof buf - TIX_WIRE_HASH_SIZE) {
        memcpy(buf, t->head, TIX_WIRE_HASH_SIZE);
        memcpy(buf + TIX_WIRE_HASH_SIZE, name, nl);
        memcpy(buf + TIX_WIRE_HASH_SIZE + nl, msg, len);
        (void)crypto_generichash(t->head, TIX_WIRE_HASH_SIZE, buf, TIX_WIRE_HASH_SIZE + nl + len, NULL, 0);
    } else { /* attestations can be large */
        crypto_generichash_state st;
        /* Cannot fail with these fixed, valid sizes (32-byte output, no key). */
        (void)crypto_generichash_init(&st, NULL, 0, TIX_WIRE_HASH_SIZE);
        (void)crypto_generichash_update(&st, t->head, TIX_WIRE_HASH_SIZE);
        (void)crypto_generichash_update(&st, (const uint8_t *)name, nl);
        (void)crypto_generichash_update(&st, msg, len);
        (void)crypto_generichash_final(&st, t->head, TIX_WIRE_HASH_SIZE);
    }
    t->seq = seq;
    s_remember(t);
}

void tix_chain_set(tix_chain_t *self, int id, uint64_t seq, const uint8_t *head)
{
    s_topic_t *t = self->topics[id];
    t->seq = seq;
    memcpy(t->head, head, TIX_WIRE_HASH_SIZE);
    s_remember(t);
}

const uint8_t *tix_chain_head_at(const tix_chain_t *self, int id, uint64_t seq)
{
    const s_topic_t *t = self->topics[id];
    size_t slot = (size_t)(seq % HISTORY);
    if (seq == 0 || t->hist_seq[slot] != seq)
        return NULL;
    return t->hist_head[slot];
}
