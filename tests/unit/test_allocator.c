/* Unit test: tix_allocator names the malloc that really serves this process (TIX_MALLOC). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_alloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#ifdef TIX_JEMALLOC
#include <jemalloc/jemalloc.h>

/* Linked as the tools link it, jemalloc must be the malloc that libraries call too: its
 * per-thread byte counter moves when plain malloc() is called. */
static void test_jemalloc_serves_malloc(void **state)
{
    (void)state;
    const char *name = tix_allocator();
    assert_int_equal(strncmp(name, "jemalloc ", 9), 0);
    assert_true(isdigit((unsigned char)name[9]));
    assert_null(strchr(name, '-')); /* release only, no git suffix */
    uint64_t before = 0, after = 0;
    size_t len = sizeof before;
    assert_int_equal(mallctl("thread.allocated", &before, &len, NULL, 0), 0);
    void *volatile p = malloc(1 << 20);
    assert_non_null(p);
    assert_int_equal(mallctl("thread.allocated", &after, &len, NULL, 0), 0);
    assert_true(after - before >= 1 << 20);
    free(p);
}
#else
/* Sanitizer builds and TIX_MALLOC=system: no jemalloc, and none is claimed. */
static void test_system_malloc_named(void **state)
{
    (void)state;
    assert_string_equal(tix_allocator(), "system malloc");
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
#ifdef TIX_JEMALLOC
        cmocka_unit_test(test_jemalloc_serves_malloc),
#else
        cmocka_unit_test(test_system_malloc_named),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
