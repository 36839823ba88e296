/* Per-thread error record: 0/-1 returns carry their reason and call site here. */
#ifndef TIX_ERR_H
#define TIX_ERR_H

#include <errno.h>

#define TIX_ERR_MAX 1024

/* Records `code` and a formatted message for the calling thread, with the call site. */
void tix_err_set(int code, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define TIX_SET_ERR(code, ...) tix_err_set((code), __FILE__, __LINE__, __VA_ARGS__)

/* The last message set on this thread ("" if none). Valid until the next set. */
const char *tix_err(void);
/* The call site of the last error, "file.c:123". */
const char *tix_err_site(void);
/* The errno-style code of the last error (0 if none). */
int tix_err_code(void);
void tix_err_clear(void);

#endif
