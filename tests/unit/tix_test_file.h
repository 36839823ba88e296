/* Test helper (after cmocka.h): writes a fixture file into a test's temporary folder. */
#ifndef TIX_TEST_FILE_H
#define TIX_TEST_FILE_H

#include <limits.h>
#include <stdio.h>

/* Writes `text` to dir/name, asserting success; returns the path (one of a few rotating
 * buffers, so that a test may hold several). */
static inline const char *tix_test_write(const char *dir, const char *name, const char *text)
{
    static char paths[4][PATH_MAX + 64];
    static unsigned k;
    char *p = paths[k++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    return p;
}

#endif
