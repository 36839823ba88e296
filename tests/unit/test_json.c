/* Unit tests for the strict JSON parser: structure, escapes, UTF-8, every error, and json-c as a differential oracle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_json.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tix_json_val_t *s_parse(tix_json_t *j, const char *text)
{
    return tix_json_parse(j, text, strlen(text));
}

static void s_text_is(const tix_json_val_t *v, const char *expect, size_t len)
{
    assert_non_null(v);
    assert_non_null(v->text);
    assert_int_equal(v->len, len);
    assert_memory_equal(v->text, expect, len);
}

static void test_structure(void **state)
{
    (void)state;
    tix_json_t *j = tix_json_new();
    assert_non_null(j);
    const char *doc = " {\"a\":[1,-0.5e+3,\"x\\\"y\",true,false,null,{}],\"b\":{},\"a\":12345678901234567890123}\n";
    const tix_json_val_t *r = s_parse(j, doc);
    assert_non_null(r);
    assert_int_equal(tix_json_status(j), TIX_JSON_OK);
    assert_string_equal(tix_json_error(j), "");
    assert_int_equal(r->type, TIX_JSON_OBJECT);
    assert_int_equal(r->count, 3);
    assert_null(r->key);
    /* A repeated name resolves to its last value, as JSON.parse does. */
    const tix_json_val_t *a = tix_json_member(r, "a", 1);
    s_text_is(a, "12345678901234567890123", 23);
    assert_int_equal(a->type, TIX_JSON_NUMBER);
    const tix_json_val_t *arr = tix_json_first(r);
    assert_int_equal(arr->type, TIX_JSON_ARRAY);
    assert_int_equal(arr->key_len, 1);
    assert_memory_equal(arr->key, "a", 1);
    assert_int_equal(arr->count, 7);
    s_text_is(tix_json_index(arr, 0), "1", 1);
    s_text_is(tix_json_index(arr, 1), "-0.5e+3", 7); /* literal text, never through a double */
    s_text_is(tix_json_index(arr, 2), "x\"y", 3);
    assert_int_equal(tix_json_index(arr, 3)->type, TIX_JSON_TRUE);
    assert_int_equal(tix_json_index(arr, 4)->type, TIX_JSON_FALSE);
    assert_int_equal(tix_json_index(arr, 5)->type, TIX_JSON_NULL);
    assert_null(tix_json_index(arr, 5)->text);
    const tix_json_val_t *empty = tix_json_index(arr, 6);
    assert_int_equal(empty->type, TIX_JSON_OBJECT);
    assert_int_equal(empty->count, 0);
    assert_null(tix_json_first(empty));
    assert_null(tix_json_next(empty)); /* the last element */
    assert_null(tix_json_index(arr, 7));
    /* Siblings skip over whole subtrees. */
    const tix_json_val_t *b = tix_json_next(arr);
    assert_int_equal(b->type, TIX_JSON_OBJECT);
    assert_memory_equal(b->key, "b", 1);
    assert_ptr_equal(tix_json_next(b), a);
    assert_null(tix_json_member(arr, "a", 1)); /* not an object */
    assert_null(tix_json_member(r, "c", 1));
    assert_true(tix_json_is_string(tix_json_index(arr, 2), "x\"y"));
    assert_false(tix_json_is_string(tix_json_index(arr, 2), "x\"yz"));
    assert_false(tix_json_is_string(tix_json_index(arr, 0), "1"));
    assert_string_equal(tix_json_type_word(arr), "array");
    assert_string_equal(tix_json_type_word(tix_json_index(arr, 3)), "boolean");
    assert_string_equal(tix_json_type_word(NULL), "nothing");
    /* Scalars and a byte-order mark at the top level. */
    s_text_is(s_parse(j, "\xef\xbb\xbf \"s\" "), "s", 1);
    s_text_is(s_parse(j, "-0"), "-0", 2);
    assert_int_equal(s_parse(j, "null")->type, TIX_JSON_NULL);
    tix_json_destroy(&j);
    tix_json_destroy(&j); /* safe twice */
}

static void test_escapes_and_utf8(void **state)
{
    (void)state;
    tix_json_t *j = tix_json_new();
    static const struct {
        const char *in, *out;
        size_t len;
    } ok[] = {
        {"\"\\u00e9t\\u00E9\"", "\xc3\xa9t\xc3\xa9", 5},
        {"\"\\ud83d\\ude00!\"", "\xf0\x9f\x98\x80!", 5},
        {"\"a\\u0000b\"", "a\0b", 3}, /* kept: the extractor refuses it where it matters */
        {"\"\\/\\\\\\b\\f\\n\\r\\t\"", "/\\\b\f\n\r\t", 7},
        {"\"\\u20ac \xe2\x82\xac \xf4\x8f\xbf\xbf \xed\x9f\xbf\"", "\xe2\x82\xac \xe2\x82\xac \xf4\x8f\xbf\xbf \xed\x9f\xbf", 16},
        {"\"caf\xc3\xa9\"", "caf\xc3\xa9", 5},
        {"\"\x7f\"", "\x7f", 1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const tix_json_val_t *v = s_parse(j, ok[i].in);
        if (!v)
            fail_msg("%s: %s", ok[i].in, tix_json_error(j));
        s_text_is(v, ok[i].out, ok[i].len);
    }
    /* Unescaped strings of one document never overwrite each other. */
    const tix_json_val_t *r = s_parse(j, "[\"\\u0041\", \"\\u0042\\u0043\", \"plain\", \"\\n\"]");
    s_text_is(tix_json_index(r, 0), "A", 1);
    s_text_is(tix_json_index(r, 1), "BC", 2);
    s_text_is(tix_json_index(r, 2), "plain", 5);
    s_text_is(tix_json_index(r, 3), "\n", 1);
    tix_json_destroy(&j);
}

typedef struct {
    const char *in;
    tix_json_status_t st;
    const char *msg;
} s_bad_t;

static const s_bad_t s_bad[] = {
    {"", TIX_JSON_TRUNCATED, "line 1, column 1: the text ends inside a value"},
    {" \n ", TIX_JSON_TRUNCATED, "line 2, column 2: the text ends inside a value"},
    {"{", TIX_JSON_TRUNCATED, "the text ends inside an object"},
    {"[1,", TIX_JSON_TRUNCATED, "the text ends inside a value"},
    {"[1", TIX_JSON_TRUNCATED, "the text ends inside an array"},
    {"{\"a\"", TIX_JSON_TRUNCATED, "the text ends inside an object"},
    {"{\"a\":", TIX_JSON_TRUNCATED, "the text ends inside an object"},
    {"\"abc", TIX_JSON_TRUNCATED, "the text ends inside a string"},
    {"[tru", TIX_JSON_TRUNCATED, "the text ends inside true"},
    {"-", TIX_JSON_TRUNCATED, "the text ends inside a number"},
    {"[1.", TIX_JSON_TRUNCATED, "the text ends inside a number"},
    {"[1e+", TIX_JSON_TRUNCATED, "the text ends inside a number"},
    {"\"\\u12", TIX_JSON_TRUNCATED, "the text ends inside a \\u escape"},
    {"\"\\", TIX_JSON_TRUNCATED, "the text ends inside an escape"},
    {"\"\\ud83d", TIX_JSON_TRUNCATED, "the text ends inside a surrogate pair"},
    {"\"\xe2\x82", TIX_JSON_TRUNCATED, "the text ends inside a UTF-8 character"},
    {"[1,]", TIX_JSON_BAD, "line 1, column 4: expected a value, found ']'"},
    {"{\"a\":1,}", TIX_JSON_BAD, "line 1, column 8: expected a member name in double quotes, found '}'"},
    {"{'a':1}", TIX_JSON_BAD, "expected a member name in double quotes, found '''"},
    {"{\"a\" 1}", TIX_JSON_BAD, "line 1, column 6: expected ':' after a member name, found '1'"},
    {"{\"a\":1 \"b\":2}", TIX_JSON_BAD, "expected ',' or '}' after an object member, found '\"'"},
    {"[1 2]", TIX_JSON_BAD, "line 1, column 4: expected ',' or ']' after an array element, found '2'"},
    {"[01]", TIX_JSON_BAD, "line 1, column 2: a number cannot start with 0 followed by a digit"},
    {"[1.e5]", TIX_JSON_BAD, "a digit must follow the decimal point"},
    {"[+1]", TIX_JSON_BAD, "expected a value, found '+'"},
    {"[.5]", TIX_JSON_BAD, "expected a value, found '.'"},
    {"[1e]", TIX_JSON_BAD, "an exponent needs digits"},
    {"[-a]", TIX_JSON_BAD, "'-' must be followed by a digit"},
    {"[truex]", TIX_JSON_BAD, "after an array element, found 'x'"},
    {"[truth]", TIX_JSON_BAD, "line 1, column 2: not a JSON value (did you mean true?)"},
    {"[nul]", TIX_JSON_BAD, "not a JSON value (did you mean null?)"},
    {"[NaN]", TIX_JSON_BAD, "expected a value, found 'N'"},
    {"\"a\tb\"", TIX_JSON_BAD, "line 1, column 3: control character 0x09 in a string (must be escaped)"},
    {"\"\\n\x01\"", TIX_JSON_BAD, "control character 0x01 in a string"},
    {"\"\\x\"", TIX_JSON_BAD, "invalid escape '\\x'"},
    {"\"\\u12g4\"", TIX_JSON_BAD, "\\u must be followed by 4 hex digits"},
    {"\"\\ud800\"", TIX_JSON_BAD, "\\ud800 is a high surrogate without a low one"},
    {"\"\\ud800\\u0041\"", TIX_JSON_BAD, "\\ud800 is a high surrogate without a low one"},
    {"\"\\udc00\"", TIX_JSON_BAD, "\\udc00 is a low surrogate without a high one"},
    {"\"\xc0\xaf\"", TIX_JSON_BAD, "invalid UTF-8 byte 0xc0 in a string"},   /* overlong '/' */
    {"\"\xed\xa0\x80\"", TIX_JSON_BAD, "invalid UTF-8 byte 0xed in a string"}, /* a surrogate */
    {"\"\xf4\x90\x80\x80\"", TIX_JSON_BAD, "invalid UTF-8 byte 0xf4"},        /* past U+10FFFF */
    {"\"\xe2\x28\xa1\"", TIX_JSON_BAD, "invalid UTF-8 byte 0xe2"},
    {"\"\xff\"", TIX_JSON_BAD, "invalid UTF-8 byte 0xff"},
    {"\"\x80\"", TIX_JSON_BAD, "invalid UTF-8 byte 0x80"},
    {"{} x", TIX_JSON_BAD, "line 1, column 4: text after the JSON document"},
    {"[1]\n\n  ]", TIX_JSON_BAD, "line 3, column 3: text after the JSON document"},
    {"\x01", TIX_JSON_BAD, "expected a value, found byte 0x01"},
};

static void test_errors(void **state)
{
    (void)state;
    tix_json_t *j = tix_json_new();
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++) {
        const tix_json_val_t *v = s_parse(j, s_bad[i].in);
        if (v || tix_json_status(j) != s_bad[i].st || !strstr(tix_json_error(j), s_bad[i].msg))
            fail_msg("case %zu '%s': status %d, error '%s', wanted %d '%s'", i, s_bad[i].in,
                     (int)tix_json_status(j), tix_json_error(j), (int)s_bad[i].st, s_bad[i].msg);
    }
    /* The offset points at the offending byte. */
    assert_null(s_parse(j, "{\"a\":[1,2,x]}"));
    assert_int_equal(tix_json_error_at(j), 10);
    /* A good parse after a bad one clears the error. */
    assert_non_null(s_parse(j, "[]"));
    assert_int_equal(tix_json_status(j), TIX_JSON_OK);
    assert_string_equal(tix_json_error(j), "");
    tix_json_destroy(&j);
}

static void test_depth_limit(void **state)
{
    (void)state;
    tix_json_t *j = tix_json_new();
    char doc[2 * (TIX_JSON_MAX_DEPTH + 1) + 1];
    for (int depth = TIX_JSON_MAX_DEPTH; depth <= TIX_JSON_MAX_DEPTH + 1; depth++) {
        memset(doc, '[', (size_t)depth);
        memset(doc + depth, ']', (size_t)depth);
        doc[2 * depth] = '\0';
        const tix_json_val_t *v = s_parse(j, doc);
        if (depth == TIX_JSON_MAX_DEPTH) {
            assert_non_null(v);
        } else {
            assert_null(v);
            assert_int_equal(tix_json_status(j), TIX_JSON_BAD);
            assert_non_null(strstr(tix_json_error(j), "nested deeper than 64 arrays and objects"));
        }
    }
    tix_json_destroy(&j);
}

/* Text to a C string: whole, or refused with why and an empty buffer, never cut short. */
static void test_cstr(void **state)
{
    (void)state;
    tix_json_t *j = tix_json_new();
    const tix_json_val_t *r = s_parse(j, "[\"abc\", 1.50, \"a\\u0000b\", true, \"\"]");
    assert_non_null(r);
    char buf[4];
    assert_int_equal(tix_json_cstr(tix_json_index(r, 0), buf, sizeof buf), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(tix_json_cstr(tix_json_index(r, 1), buf, sizeof buf), TIX_JSON_TOO_LONG);
    assert_string_equal(buf, "");
    char big[5];
    assert_int_equal(tix_json_cstr(tix_json_index(r, 1), big, sizeof big), 4);
    assert_string_equal(big, "1.50"); /* a number's text as written */
    assert_int_equal(tix_json_cstr(tix_json_index(r, 2), buf, sizeof buf), TIX_JSON_HAS_NUL);
    assert_string_equal(buf, "");
    assert_int_equal(tix_json_cstr(tix_json_index(r, 3), buf, sizeof buf), TIX_JSON_NOT_TEXT);
    assert_int_equal(tix_json_cstr(NULL, buf, sizeof buf), TIX_JSON_NOT_TEXT);
    assert_int_equal(tix_json_cstr(tix_json_index(r, 4), buf, sizeof buf), 0);
    tix_json_destroy(&j);
}

/* A huge document's buffers are let go at the next parse; the parser keeps working. */
static void test_huge_then_small(void **state)
{
    (void)state;
    tix_json_t *j = tix_json_new();
    size_t n = 400000; /* "[0,0,...]": 400 000 values, past what is kept between documents */
    char *big = malloc(2 * n + 2);
    assert_non_null(big);
    big[0] = '[';
    for (size_t i = 0; i < n; i++) {
        big[1 + 2 * i] = '0';
        big[2 + 2 * i] = i + 1 < n ? ',' : ']';
    }
    const tix_json_val_t *r = tix_json_parse(j, big, 2 * n + 1);
    assert_non_null(r);
    assert_int_equal(r->count, n);
    s_text_is(tix_json_index(r, n - 1), "0", 1);
    free(big);
    r = s_parse(j, "{\"a\":\"x\\ny\"}");
    assert_non_null(r);
    s_text_is(tix_json_member(r, "a", 1), "x\ny", 3);
    tix_json_destroy(&j);
}

/* Every proper prefix of a document whose root is a container is truncated, never "bad". */
static void test_every_prefix_is_truncated(void **state)
{
    (void)state;
    const char *doc = "{\"data\":[{\"id\":\"m\\u00e9\",\"p\":{\"in\":-1.5e-3,\"ok\":true,\"x\":null,"
                      "\"y\":false}},[],{}],\"s\":\"\xe2\x82\xac\\ud83d\\ude00\"}";
    tix_json_t *j = tix_json_new();
    size_t n = strlen(doc);
    assert_non_null(tix_json_parse(j, doc, n));
    for (size_t len = 0; len < n; len++) {
        if (tix_json_parse(j, doc, len) || tix_json_status(j) != TIX_JSON_TRUNCATED)
            fail_msg("prefix of %zu bytes: status %d (%s)", len, (int)tix_json_status(j), tix_json_error(j));
    }
    tix_json_destroy(&j);
}

/* ---- json-c (strict, UTF-8 validating) as an independent oracle ---- */

static void s_same(const tix_json_val_t *v, json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_null: assert_int_equal(v->type, TIX_JSON_NULL); break;
    case json_type_boolean:
        assert_int_equal(v->type, json_object_get_boolean(o) ? TIX_JSON_TRUE : TIX_JSON_FALSE);
        break;
    case json_type_int:
    case json_type_double: assert_int_equal(v->type, TIX_JSON_NUMBER); break;
    case json_type_string:
        assert_int_equal(v->type, TIX_JSON_STRING);
        assert_int_equal(v->len, (size_t)json_object_get_string_len(o));
        assert_memory_equal(v->text, json_object_get_string(o), v->len);
        break;
    case json_type_array: {
        assert_int_equal(v->type, TIX_JSON_ARRAY);
        assert_int_equal(v->count, json_object_array_length(o));
        size_t i = 0;
        for (const tix_json_val_t *e = tix_json_first(v); e; e = tix_json_next(e))
            s_same(e, json_object_array_get_idx(o, i++));
        break;
    }
    case json_type_object: {
        /* json-c folds repeated names (last wins): compare by lookup, both ways. */
        assert_int_equal(v->type, TIX_JSON_OBJECT);
        json_object_object_foreach(o, key, val)
        {
            const tix_json_val_t *m = tix_json_member(v, key, strlen(key));
            assert_non_null(m);
            s_same(m, val);
        }
        for (const tix_json_val_t *m = tix_json_first(v); m; m = tix_json_next(m)) {
            char name[64];
            assert_true(m->key_len < sizeof name);
            memcpy(name, m->key, m->key_len);
            name[m->key_len] = '\0';
            assert_true(json_object_object_get_ex(o, name, NULL));
        }
        break;
    }
    }
}

static const char *const s_corpus[] = {
    "{\"data\":[{\"id\":\"openai/gpt-4o\",\"pricing\":{\"prompt\":\"0.0000025\",\"completion\":\"0.00001\"}},"
    "{\"id\":\"x\",\"pricing\":{\"prompt\":\"-1\",\"discount\":0.25}}]}",
    "{\"data\":{\"models\":[{\"model\":\"qwen-max\",\"tiers\":[{\"min\":0,\"input\":0.0024},"
    "{\"min\":32001,\"input\":0.0048}],\"thinking\":null,\"ok\":true,\"off\":false}]}}",
    "[1, -2.5, 3e10, 0, -0, 1E-7, \"a b\", \"caf\xc3\xa9 \\u00e9 \\n\", [], {}, [[[]]], {\"a\":{\"b\":{}}}]",
    "{\"type\":\"trade\",\"model\":\"m1\",\"qty\":123456,\"ts\":1764000000123}",
};

static uint64_t s_rng = 0x9e3779b97f4a7c15u;
static unsigned s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (unsigned)(s_rng >> 11);
}

/* JSON's own characters plus a few that are never valid, and no 'd' or 'D': a mutated
 * "\u" escape cannot become a surrogate, which json-c replaces where the RFC refuses. */
static const char s_alphabet[] = "{}[]\":,0123456789.-+eEtrufalsn \n\\/xbq'\x01\xc3\xa9\x80";

static void s_mutate(char *doc, size_t *len, size_t cap)
{
    size_t at = *len ? s_rand() % *len : 0;
    char c = s_alphabet[s_rand() % (sizeof s_alphabet - 1)];
    switch (s_rand() % 4) {
    case 0: /* delete */
        if (*len) {
            memmove(doc + at, doc + at + 1, *len - at - 1);
            (*len)--;
        }
        break;
    case 1: /* insert */
        if (*len + 1 < cap) {
            memmove(doc + at + 1, doc + at, *len - at);
            doc[at] = c;
            (*len)++;
        }
        break;
    case 2: /* replace */
        if (*len)
            doc[at] = c;
        break;
    default: /* truncate */
        *len = at;
        break;
    }
}

/* Where json-c, even strict, accepts what RFC 8259 refuses: raw control characters in
 * strings (§7) and numbers such as "-.25" (§6). The table of test_errors pins ours. */
static bool s_json_c_lenient(const char *our_error)
{
    static const char *const known[] = {"control character", "'-' must be followed by a digit",
                                        "cannot start with 0", "decimal point", "exponent"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strstr(our_error, known[i]))
            return true;
    return false;
}

static void test_differential_json_c(void **state)
{
    (void)state;
    tix_json_t *j = tix_json_new();
    json_tokener *tok = json_tokener_new_ex(TIX_JSON_MAX_DEPTH + 1);
    assert_non_null(tok);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    long agree_ok = 0, agree_bad = 0, lenient = 0;
    for (int round = 0; round < 20000; round++) {
        char doc[512];
        const char *src = s_corpus[round % (sizeof s_corpus / sizeof s_corpus[0])];
        size_t len = strlen(src);
        memcpy(doc, src, len);
        for (unsigned m = 1 + s_rand() % 3; m > 0; m--)
            s_mutate(doc, &len, sizeof doc);
        const tix_json_val_t *ours = tix_json_parse(j, doc, len);
        json_tokener_reset(tok);
        json_object *theirs = len ? json_tokener_parse_ex(tok, doc, (int)len) : NULL;
        /* json-c stops at the end of the first value; trailing text is an error for both. */
        if (theirs && json_tokener_get_parse_end(tok) < len) {
            size_t e = json_tokener_get_parse_end(tok);
            while (e < len && strchr(" \n\r\t", doc[e]))
                e++;
            if (e < len) {
                json_object_put(theirs);
                theirs = NULL;
            }
        }
        /* json-c reads a lone top-level number only once it sees what follows it. */
        if (!theirs && len && json_tokener_get_error(tok) == json_tokener_continue) {
            theirs = json_tokener_parse_ex(tok, "", 1);
        }
        if (!ours && theirs && s_json_c_lenient(tix_json_error(j))) {
            json_object_put(theirs);
            lenient++;
            continue;
        }
        if ((ours != NULL) != (theirs != NULL))
            fail_msg("round %d: '%.*s': ours %s (%s), json-c %s", round, (int)len, doc,
                     ours ? "ok" : "refused", tix_json_error(j), theirs ? "ok" : "refused");
        if (ours) {
            s_same(ours, theirs);
            agree_ok++;
        } else {
            agree_bad++;
        }
        json_object_put(theirs);
    }
    print_message("agreed: %ld accepted, %ld refused; json-c lenient: %ld\n", agree_ok, agree_bad, lenient);
    /* The mutations must exercise both sides, or the comparison proves little. */
    assert_true(agree_ok > 1000);
    assert_true(agree_bad > 1000);
    assert_true(lenient < agree_bad);
    json_tokener_free(tok);
    tix_json_destroy(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_escapes_and_utf8),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_huge_then_small),
        cmocka_unit_test(test_cstr),
        cmocka_unit_test(test_every_prefix_is_truncated),
        cmocka_unit_test(test_differential_json_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
