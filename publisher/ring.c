/* Replay ring: an index of fixed slots over a byte arena written circularly. */
#include "tix_ring.h"
#include "tix_err.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t seq;
    uint64_t pos; /* arena position (monotonic) of topic then message */
    uint32_t len;
    uint16_t topic_len;
} s_slot_t;

struct tix_ring_s {
    s_slot_t *slots;
    size_t nslots;
    uint8_t *arena;
    size_t cap;
    uint64_t wpos;   /* bytes ever written, positions are taken modulo cap */
    uint64_t first, last;
    int empty;
};

tix_ring_t *tix_ring_new(size_t entries, size_t bytes)
{
    tix_ring_t *self = calloc(1, sizeof *self);
    if (!self || entries == 0 || bytes < 1024)
        goto fail;
    self->slots = calloc(entries, sizeof *self->slots);
    self->arena = malloc(bytes);
    if (!self->slots || !self->arena)
        goto fail;
    self->nslots = entries;
    self->cap = bytes;
    self->empty = 1;
    self->first = 1;
    return self;
fail:
    tix_ring_destroy(&self);
    TIX_SET_ERR(ENOMEM, "cannot allocate a replay ring of %zu messages / %zu bytes", entries, bytes);
    return NULL;
}

void tix_ring_destroy(tix_ring_t **self_p)
{
    assert(self_p);
    tix_ring_t *self = *self_p;
    if (!self)
        return;
    free(self->slots);
    free(self->arena);
    free(self);
    *self_p = NULL;
}

static int s_valid(const tix_ring_t *self, const s_slot_t *s)
{
    return self->wpos - s->pos <= self->cap;
}

int tix_ring_put(tix_ring_t *self, uint64_t seq, const char *topic, size_t tl, const uint8_t *msg,
                 size_t len)
{
    size_t need = tl + len;
    if (need > self->cap / 4 || tl > UINT16_MAX) {
        TIX_SET_ERR(EMSGSIZE, "message of %zu bytes is too large for the replay ring", need);
        return -1;
    }
    if (!self->empty && seq != self->last + 1) {
        TIX_SET_ERR(EINVAL, "replay ring: sequence %llu after %llu", (unsigned long long)seq,
                    (unsigned long long)self->last);
        return -1;
    }
    /* Keep a record contiguous: skip the arena's tail when it does not fit. */
    size_t off = (size_t)(self->wpos % self->cap);
    if (off + need > self->cap)
        self->wpos += self->cap - off;
    s_slot_t *s = &self->slots[seq % self->nslots];
    s->seq = seq;
    s->pos = self->wpos;
    s->len = (uint32_t)len;
    s->topic_len = (uint16_t)tl;
    uint8_t *dst = self->arena + self->wpos % self->cap;
    memcpy(dst, topic, tl);
    memcpy(dst + tl, msg, len);
    self->wpos += need;
    if (self->empty)
        self->first = seq;
    self->empty = 0;
    self->last = seq;
    /* Advance `first` past slots reused or overwritten in the arena. */
    while (self->first < self->last) {
        const s_slot_t *f = &self->slots[self->first % self->nslots];
        if (f->seq == self->first && s_valid(self, f))
            break;
        self->first++;
    }
    return 0;
}

int tix_ring_get(const tix_ring_t *self, uint64_t seq, const char **topic, size_t *topic_len,
                 const uint8_t **msg, size_t *len)
{
    if (self->empty || seq < self->first || seq > self->last)
        return -1;
    const s_slot_t *s = &self->slots[seq % self->nslots];
    if (s->seq != seq || !s_valid(self, s))
        return -1;
    const uint8_t *p = self->arena + s->pos % self->cap;
    *topic = (const char *)p;
    *topic_len = s->topic_len;
    *msg = p + s->topic_len;
    *len = s->len;
    return 0;
}

uint64_t tix_ring_first(const tix_ring_t *self) { return self->first; }
uint64_t tix_ring_last(const tix_ring_t *self) { return self->empty ? 0 : self->last; }
