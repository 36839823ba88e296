/* String interning with an open-addressing hash table (FNV-1a). */
#include "tix_strtab.h"
#include "tix_err.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct tix_strtab_s {
    char **names;
    size_t *lens;
    size_t count, cap_names;
    uint32_t *slots; /* id + 1; 0 = empty */
    size_t nslots;   /* power of two */
};

static uint64_t s_hash(const char *s, size_t len)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

tix_strtab_t *tix_strtab_new(void)
{
    tix_strtab_t *self = calloc(1, sizeof *self);
    if (!self)
        goto fail;
    self->nslots = 64;
    self->slots = calloc(self->nslots, sizeof *self->slots);
    if (!self->slots)
        goto fail;
    return self;
fail:
    if (self)
        free(self);
    TIX_SET_ERR(ENOMEM, "out of memory for a string table");
    return NULL;
}

void tix_strtab_destroy(tix_strtab_t **self_p)
{
    assert(self_p);
    tix_strtab_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->count; i++)
        free(self->names[i]);
    free(self->names);
    free(self->lens);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

/* Slot index where `s` is, or the empty slot where it would go. */
static size_t s_probe(const tix_strtab_t *self, const char *s, size_t len)
{
    size_t mask = self->nslots - 1;
    size_t i = (size_t)s_hash(s, len) & mask;
    for (;;) {
        uint32_t v = self->slots[i];
        if (v == 0)
            return i;
        if (self->lens[v - 1] == len && memcmp(self->names[v - 1], s, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

static int s_grow(tix_strtab_t *self)
{
    size_t n = self->nslots * 2;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return -1;
    uint32_t *old = self->slots;
    self->slots = slots;
    self->nslots = n;
    for (size_t id = 0; id < self->count; id++)
        self->slots[s_probe(self, self->names[id], self->lens[id])] = (uint32_t)id + 1;
    free(old);
    return 0;
}

int64_t tix_strtab_find(const tix_strtab_t *self, const char *s, size_t len)
{
    uint32_t v = self->slots[s_probe(self, s, len)];
    return v ? (int64_t)v - 1 : -1;
}

int64_t tix_strtab_intern(tix_strtab_t *self, const char *s, size_t len)
{
    assert(self);
    size_t slot = s_probe(self, s, len);
    if (self->slots[slot])
        return (int64_t)self->slots[slot] - 1;
    if (self->count == self->cap_names) {
        size_t cap = self->cap_names ? self->cap_names * 2 : 16;
        char **names = realloc(self->names, cap * sizeof *names);
        if (!names)
            goto oom;
        self->names = names;
        size_t *lens = realloc(self->lens, cap * sizeof *lens);
        if (!lens)
            goto oom;
        self->lens = lens;
        self->cap_names = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        goto oom;
    memcpy(copy, s, len);
    copy[len] = '\0';
    uint32_t id = (uint32_t)self->count;
    self->names[id] = copy;
    self->lens[id] = len;
    self->count++;
    self->slots[slot] = id + 1;
    if (self->count * 2 > self->nslots && s_grow(self) != 0)
        goto oom; /* the entry is in; only the rehash failed, which a later call retries */
    return id;
oom:
    TIX_SET_ERR(ENOMEM, "out of memory interning '%.*s'", (int)len, s);
    return -1;
}

const char *tix_strtab_name(const tix_strtab_t *self, uint32_t id)
{
    assert(id < self->count);
    return self->names[id];
}

size_t tix_strtab_size(const tix_strtab_t *self) { return self->count; }
