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
    size_t name_len; /* so hashing needs no strlen per message */
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

int tix_chain_find(const tix_chain_t *self, const char *topic, size_t len)
{
    return (int)tix_strtab_find(self->names, topic, len);
}

int tix_chain_topic(tix_chain_t *self, const char *topic, size_t len)
{
    int id = tix_chain_find(self, topic, len);
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
    int64_t nid = tix_strtab_intern(self->names, topic, len);
    if (nid < 0) {
        free(t);
        return -1;
    }
    t->name_len = len;
    self->topics[nid] = t;
    return (int)nid;
oom:
    TIX_SET_ERR(ENOMEM, "out of memory adding topic %.*s", (int)len, topic);
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

/* The previous head is BLAKE2b's salt and personalization, not part of the input: a tick
 * and its topic (116 bytes) then fit one 128-byte block, one compression instead of two.
 * The one-call form is cheaper than init/update/final for the short messages published
 * once each; larger ones (attestations) stream through the same parameter block. */
int tix_chain_hash(const uint8_t *prev, const char *topic, size_t topic_len, const uint8_t *msg,
                   size_t len, uint8_t *out)
{
    const uint8_t *salt = prev, *personal = prev + crypto_generichash_blake2b_SALTBYTES;
    uint8_t h[TIX_WIRE_HASH_SIZE];
    uint8_t buf[TIX_WIRE_TOPIC_MAX + TIX_WIRE_QUOTE_SIZE]; /* ticks, settlements, quotes */
    int rc;
    if (topic_len <= sizeof buf && len <= sizeof buf - topic_len) {
        memcpy(buf, topic, topic_len);
        memcpy(buf + topic_len, msg, len);
        rc = crypto_generichash_blake2b_salt_personal(h, sizeof h, buf, topic_len + len, NULL, 0,
                                                      salt, personal);
    } else {
        crypto_generichash_blake2b_state st;
        rc = crypto_generichash_blake2b_init_salt_personal(&st, NULL, 0, sizeof h, salt, personal);
        if (rc == 0)
            rc = crypto_generichash_blake2b_update(&st, (const uint8_t *)topic, topic_len);
        if (rc == 0)
            rc = crypto_generichash_blake2b_update(&st, msg, len);
        if (rc == 0)
            rc = crypto_generichash_blake2b_final(&st, h, sizeof h);
    }
    if (rc != 0) { /* libsodium refuses only invalid sizes, and these are fixed */
        TIX_SET_ERR(EINVAL, "topic %.*s: BLAKE2b refused a %zu-byte message", (int)topic_len,
                    topic, len);
        return -1;
    }
    memcpy(out, h, sizeof h); /* only now: `out` may be `prev` */
    return 0;
}

int tix_chain_next(const tix_chain_t *self, int id, const uint8_t *msg, size_t len, uint8_t *out)
{
    const s_topic_t *t = self->topics[id];
    return tix_chain_hash(t->head, tix_chain_name(self, id), t->name_len, msg, len, out);
}

int tix_chain_advance(tix_chain_t *self, int id, uint64_t seq, const uint8_t *msg, size_t len)
{
    uint8_t head[TIX_WIRE_HASH_SIZE];
    if (tix_chain_next(self, id, msg, len, head))
        return -1;
    tix_chain_set(self, id, seq, head);
    return 0;
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
