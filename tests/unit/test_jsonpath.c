/* Unit tests for the JSON path extractor: grammar, selectors, root paths, exact literal text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_err.h"
#include "tix_jsonpath.h"

#include <string.h>

static const char *s_doc_text =
    "{\"currency\":\"CNY\",\"data\":{\"models\":["
    "{\"id\":\"a\",\"p\":{\"in\":0.15,\"out\":\"2.5e-6\"},\"tiers\":["
    "{\"min\":32001,\"in\":0.0048},{\"min\":0,\"in\":0.0024},{\"min\":\"x\",\"in\":9}]},"
    "{\"id\":\"b\",\"p\":{\"in\":12345678901234567,\"out\":null},\"tiers\":[]},"
    "{\"id\":\"c\",\"p\":{\"in\":true,\"out\":{\"x\":1}}}]}}";

static tix_json_t *s_parser;

static const tix_json_val_t *s_doc(void)
{
    tix_json_destroy(&s_parser);
    s_parser = tix_json_new();
    assert_non_null(s_parser);
    const tix_json_val_t *d = tix_json_parse(s_parser, s_doc_text, strlen(s_doc_text));
    assert_non_null(d);
    return d;
}

/* The literal text the path reaches, NUL-terminated for comparison (NULL when none). */
static const char *s_get_text(const char *path, const tix_json_val_t *root, const tix_json_val_t *elem)
{
    static char out[128];
    tix_jpath_t *p = tix_jpath_new(path);
    assert_non_null(p);
    const tix_json_val_t *v = tix_jpath_get(p, root, elem);
    tix_jpath_destroy(&p);
    assert_null(p);
    size_t len;
    const char *t = v ? tix_json_text(v, &len) : NULL;
    if (!t)
        return NULL;
    assert_true(len < sizeof out);
    memcpy(out, t, len);
    out[len] = '\0';
    return out;
}

static void test_compile_errors(void **state)
{
    (void)state;
    const char *bad[] = {"", "a..b", "a.", "a[", "a[x]", "a[-1]", "a[min()]", "a]b", ".a", "a.[0]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tix_jpath_t *p = tix_jpath_new(bad[i]);
        assert_null(p);
        assert_non_null(strstr(tix_err(), "JSON path"));
    }
    tix_jpath_t *p = tix_jpath_new("data.models[*].tiers[min(min)].in");
    assert_non_null(p);
    assert_string_equal(tix_jpath_text(p), "data.models[*].tiers[min(min)].in");
    assert_false(tix_jpath_from_root(p));
    tix_jpath_destroy(&p);
    tix_jpath_destroy(&p); /* safe twice */
}

static void test_member_index_and_literals(void **state)
{
    (void)state;
    const tix_json_val_t *d = s_doc();
    /* A number's text is kept: 0.15 is never rounded through a double. */
    assert_string_equal(s_get_text("data.models[0].p.in", d, d), "0.15");
    assert_string_equal(s_get_text("data.models[0].p.out", d, d), "2.5e-6");
    assert_string_equal(s_get_text("data.models[1].p.in", d, d), "12345678901234567");
    assert_null(s_get_text("data.models[9].id", d, d));
    assert_null(s_get_text("data.nothing", d, d));
    assert_null(s_get_text("data.models.id", d, d)); /* member of an array: nothing */
    /* Non-scalars have no literal text. */
    assert_null(s_get_text("data.models[2].p.in", d, d));
    assert_null(s_get_text("data.models[2].p.out", d, d));
    assert_null(s_get_text("data.models[1].p.out", d, d));
}

static int s_collect(void *arg, const tix_json_val_t *v)
{
    char *out = arg;
    strncat(out, v->text, v->len);
    strcat(out, ";");
    return 0;
}

static int s_stop_at_b(void *arg, const tix_json_val_t *v)
{
    (void)arg;
    return tix_json_is_string(tix_json_member(v, "id", 2), "b") ? 7 : 0;
}

static void test_wildcard_and_root(void **state)
{
    (void)state;
    const tix_json_val_t *d = s_doc();
    char out[128] = "";
    tix_jpath_t *p = tix_jpath_new("data.models[*].id");
    assert_non_null(p);
    assert_int_equal(tix_jpath_each(p, d, d, s_collect, out), 0);
    assert_string_equal(out, "a;b;c;");
    tix_jpath_destroy(&p);
    /* '$' paths start at the document root even when evaluated on an element. */
    const tix_json_val_t *models = tix_json_member(tix_json_member(d, "data", 4), "models", 6);
    const tix_json_val_t *elem = tix_json_index(models, 1);
    assert_non_null(elem);
    assert_string_equal(s_get_text("$.currency", d, elem), "CNY");
    assert_string_equal(s_get_text("$currency", d, elem), "CNY");
    assert_string_equal(s_get_text("id", d, elem), "b");
    assert_null(s_get_text("currency", d, elem));
    /* A callback's non-zero return stops the walk and is returned. */
    tix_jpath_t *all = tix_jpath_new("data.models[*]");
    assert_non_null(all);
    assert_int_equal(tix_jpath_each(all, d, d, s_stop_at_b, NULL), 7);
    tix_jpath_destroy(&all);
}

static void test_min_selector(void **state)
{
    (void)state;
    const tix_json_val_t *d = s_doc();
    /* The base tier is the one with the smallest `min`, wherever it sits; non-numbers skipped. */
    assert_string_equal(s_get_text("data.models[0].tiers[min(min)].in", d, d), "0.0024");
    assert_null(s_get_text("data.models[1].tiers[min(min)].in", d, d)); /* empty array */
    assert_null(s_get_text("data.models[0].tiers[min(nope)].in", d, d));
    tix_json_destroy(&s_parser);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_member_index_and_literals),
        cmocka_unit_test(test_wildcard_and_root),
        cmocka_unit_test(test_min_selector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
