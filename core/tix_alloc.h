/* Which malloc this process runs on: tixd and the tools link jemalloc (see TIX_MALLOC). */
#ifndef TIX_ALLOC_H
#define TIX_ALLOC_H

/* "jemalloc <version>" or "system malloc"; a static per-thread string. */
const char *tix_allocator(void);

#endif
