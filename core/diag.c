/* Ordered list of diagnostic messages. */
#include "tix_diag.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct tix_diag_s {
    char **msgs;
    size_t count, cap;
};

tix_diag_t *tix_diag_new(void) { return calloc(1, sizeof(tix_diag_t)); }

void tix_diag_destroy(tix_diag_t **self_p)
{
    assert(self_p);
    tix_diag_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->count; i++)
        free(self->msgs[i]);
    free(self->msgs);
    free(self);
    *self_p = NULL;
}

void tix_diag_add(tix_diag_t *self, const char *fmt, ...)
{
    if (!self)
        return;
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 8;
        char **m = realloc(self->msgs, cap * sizeof *m);
        if (!m)
            return;
        self->msgs = m;
        self->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    self->msgs[self->count++] = s;
}

size_t tix_diag_count(const tix_diag_t *self) { return self ? self->count : 0; }

const char *tix_diag_get(const tix_diag_t *self, size_t i)
{
    assert(self && i < self->count);
    return self->msgs[i];
}
