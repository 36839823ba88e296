/* Replay ring: an index of fixed slots over a byte arena written circularly. */
#include "tix_ring.h"
#include "tix_err.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
    uint64_t seq;
    uint64_t pos; /* arena position (monotonic) of topic then message */
    uint32_t len;
    uint16_t topic_len;
} s_slot_t;

struct tix_ring_s {
    s_slot_t *slots; /* mapped by s_map, slots_bytes long */
    size_t nslots, slots_bytes;
    uint8_t *arena; /* mapped by s_map, cap long */
    size_t cap;
    uint64_t wpos;   /* bytes ever written, positions are taken modulo cap */
    uint64_t first, last;
    int empty;
};

/* Zeroed memory with every page already faulted in. Left lazy, the first pass over the
 * default 160 MB arena takes ~40 000 page faults on the publishing thread (perf: ~4 % of the
 * CPU time of a `tix-bench publish` run), and a machine short of memory would fail mid-feed
 * instead of at start-up. Costs ~75 ms in tix_pub_new for the default ring. NULL with errno
 * on failure. */
static void *s_map(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_POPULATE_WRITE
    if (madvise(p, bytes, MADV_POPULATE_WRITE) == 0)
        return p;
    if (errno != EINVAL) { /* ENOMEM and the like: not enough memory for the ring */
        int e = errno;
        (void)munmap(p, bytes); /* cannot fail on a mapping we just made */
        errno = e;
        return NULL;
    }
#endif
    /* Kernels before 5.14 lack MADV_POPULATE_WRITE: touch one byte a page instead. */
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        page = 4096;
    for (size_t off = 0; off < bytes; off += (size_t)page)
        ((volatile uint8_t *)p)[off] = 0;
    return p;
}

tix_ring_t *tix_ring_new(size_t entries, size_t bytes)
{
    tix_ring_t *self = calloc(1, sizeof *self);
    if (!self || entries == 0 || bytes < 1024 || entries > SIZE_MAX / sizeof *self->slots)
        goto fail;
    self->slots_bytes = entries * sizeof *self->slots;
    if (!(self->slots = s_map(self->slots_bytes)))
        goto fail;
    self->cap = bytes;
    if (!(self->arena = s_map(bytes)))
        goto fail;
    self->nslots = entries;
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
    /* munmap fails only on invalid arguments, and these are the mappings s_map made. */
    if (self->slots)
        (void)munmap(self->slots, self->slots_bytes);
    if (self->arena)
        (void)munmap(self->arena, self->cap);
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
