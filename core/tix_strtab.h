/* String interning: names (providers, models, tiers) to dense ids and back. */
#ifndef TIX_STRTAB_H
#define TIX_STRTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct tix_strtab_s tix_strtab_t;

tix_strtab_t *tix_strtab_new(void);
void tix_strtab_destroy(tix_strtab_t **self_p);
/* Id of `s` (first `len` bytes), adding it if new. Ids are dense from 0 in insertion
 * order. -1 on allocation failure. */
int64_t tix_strtab_intern(tix_strtab_t *self, const char *s, size_t len);
/* Id of `s` or -1 if absent. */
int64_t tix_strtab_find(const tix_strtab_t *self, const char *s, size_t len);
/* The NUL-terminated name of `id` (valid while the table lives). */
const char *tix_strtab_name(const tix_strtab_t *self, uint32_t id);
size_t tix_strtab_size(const tix_strtab_t *self);

#endif
