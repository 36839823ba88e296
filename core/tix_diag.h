/* A list of diagnostics (e.g. every config error), kept in order. */
#ifndef TIX_DIAG_H
#define TIX_DIAG_H

#include <stddef.h>

typedef struct tix_diag_s tix_diag_t;

tix_diag_t *tix_diag_new(void);
void tix_diag_destroy(tix_diag_t **self_p);
/* Appends a formatted message; silently keeps what it has on allocation failure. */
void tix_diag_add(tix_diag_t *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t tix_diag_count(const tix_diag_t *self);
const char *tix_diag_get(const tix_diag_t *self, size_t i);

#endif
