/* Test support: temporary directories, fixture files and links into the source tree. */
#include "tix_test.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *tix_test_dir_new(const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s/tix-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    if (!mkdtemp(buf))
        fail_msg("mkdtemp %s failed", buf);
    char *dir = strdup(buf);
    assert_non_null(dir);
    return dir;
}

/* nftw callback: files and links first (FTW_DEPTH), then their directory; FTW_PHYS keeps
 * a link to the source tree from being followed into it. */
static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int tix_test_dir_destroy(char **dir_p)
{
    assert_non_null(dir_p);
    if (!*dir_p)
        return 0;
    int rc = nftw(*dir_p, s_remove, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
    free(*dir_p);
    *dir_p = NULL;
    return rc;
}

int tix_test_dir_setup(void **state)
{
    *state = tix_test_dir_new("test");
    return 0;
}

int tix_test_dir_teardown(void **state)
{
    char *dir = *state;
    *state = NULL;
    return tix_test_dir_destroy(&dir);
}

const char *tix_test_path(const char *dir, const char *name)
{
    static char paths[8][PATH_MAX + 64];
    static unsigned k;
    char *p = paths[k++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

const char *tix_test_write(const char *dir, const char *name, const char *text)
{
    const char *p = tix_test_path(dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    return p;
}

const char *tix_test_src(void)
{
    const char *root = getenv("TIX_SRC");
    assert_non_null(root);
    return root;
}

void tix_test_link_conf(const char *dir, const char *src, const char *name)
{
    char from[PATH_MAX + 64];
    snprintf(from, sizeof from, "%s/conf/%s", src, name);
    assert_int_equal(symlink(from, tix_test_path(dir, name)), 0);
}
