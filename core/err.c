/* Per-thread error record behind tix_err(). */
#include "tix_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char s_msg[TIX_ERR_MAX];
static _Thread_local char s_site[128];
static _Thread_local int s_code;

void tix_err_set(int code, const char *file, int line, const char *fmt, ...)
{
    /* Keep only the basename-relative path: __FILE__ is absolute under CMake. */
    const char *short_file = file;
    const char *dirs[] = {"/core/", "/feed/", "/index/", "/publisher/", "/storage/", "/tools/", "/tests/"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        const char *hit = strstr(file, dirs[i]);
        if (hit) {
            short_file = hit + 1;
            break;
        }
    }
    /* Formatted aside first: callers often wrap the previous message ("%s", tix_err()),
     * which would otherwise be overwritten while it is being read. */
    char msg[TIX_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(s_msg, msg, sizeof s_msg);
    snprintf(s_site, sizeof s_site, "%s:%d", short_file, line);
    s_code = code;
}

const char *tix_err(void) { return s_msg; }
const char *tix_err_site(void) { return s_site; }
int tix_err_code(void) { return s_code; }

void tix_err_clear(void)
{
    s_msg[0] = '\0';
    s_site[0] = '\0';
    s_code = 0;
}
