/* Test support: configurations loaded from text written into a temporary directory. */
#include "tix_test.h"

#include "tix_err.h"

#include <stdio.h>
#include <stdlib.h>

tix_config_t *tix_test_config_try(const char *dir, const char *text, tix_diag_t *diag)
{
    return tix_config_load(tix_test_write(dir, "tix.conf", text), diag);
}

tix_config_t *tix_test_config(const char *dir, const char *text)
{
    tix_diag_t *diag = tix_diag_new();
    assert_non_null(diag);
    tix_config_t *cfg = tix_test_config_try(dir, text, diag);
    if (!cfg) {
        tix_test_diag_print(diag);
        tix_diag_destroy(&diag);
        fail_msg("config: %s", tix_err());
    }
    tix_diag_destroy(&diag);
    return cfg;
}

tix_config_t *tix_test_config_ok(const char *path)
{
    tix_diag_t *diag = tix_diag_new();
    assert_non_null(diag);
    tix_config_t *cfg = tix_config_load(path, diag);
    tix_test_diag_print(diag);
    bool clean = cfg && tix_diag_count(diag) == 0;
    tix_diag_destroy(&diag);
    if (!clean) {
        tix_config_destroy(&cfg);
        fail_msg("%s: expected to load without diagnostics", path);
    }
    return cfg;
}

void tix_test_filter_from_env(void)
{
    const char *filter = getenv("TIX_TEST_FILTER");
    if (filter && *filter)
        cmocka_set_test_filter(filter);
}

void tix_test_diag_print(const tix_diag_t *diag)
{
    for (size_t i = 0; i < tix_diag_count(diag); i++)
        fprintf(stderr, "%s\n", tix_diag_get(diag, i));
}

void tix_test_conf_load(tix_test_conf_t *c, const char *text)
{
    c->dir = tix_test_dir_new("test");
    c->cfg = tix_test_config(c->dir, text);
}

void tix_test_conf_free(tix_test_conf_t *c)
{
    tix_config_destroy(&c->cfg);
    assert_int_equal(tix_test_dir_destroy(&c->dir), 0);
}

tix_test_fix_t *tix_test_fix_new(const char *tag)
{
    tix_test_fix_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tix_test_dir_new(tag);
    return f;
}

tix_test_fix_t *tix_test_fix_load(const char *tag, const char *text)
{
    tix_test_fix_t *f = tix_test_fix_new(tag);
    f->cfg = tix_test_config(f->dir, text);
    f->norm = tix_norm_new(f->cfg);
    assert_non_null(f->norm);
    return f;
}

int tix_test_fix_teardown(void **state)
{
    tix_test_fix_t *f = *state;
    tix_norm_destroy(&f->norm);
    tix_config_destroy(&f->cfg);
    int rc = tix_test_dir_destroy(&f->dir);
    free(f);
    *state = NULL;
    return rc;
}
