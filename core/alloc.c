/* Names the process's malloc at run time, so logs and benchmark figures say which one ran. */
#include "tix_alloc.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* jemalloc's control entry point: present only when jemalloc is the process's allocator
 * (linked, or preloaded). Weak, so tix links and runs without it. */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    __attribute__((weak));

const char *tix_allocator(void)
{
    static _Thread_local char name[64];
    const char *version = NULL;
    size_t len = sizeof version;
    if (!mallctl)
        return "system malloc";
    if (mallctl("version", &version, &len, NULL, 0) != 0 || !version)
        return "jemalloc";
    /* "5.3.0-0-g54eaed1d..." -> "5.3.0": the release is what a reader needs. */
    snprintf(name, sizeof name, "jemalloc %.*s", (int)strcspn(version, "-_"), version);
    return name;
}
