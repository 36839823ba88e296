/* Unit tests for the per-topic hash chains: heads equal tests/data/wire/chain.txt (computed with Python's hashlib), any tampered byte changes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_chain.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MSG 8192
#define MAX_VECTORS 32

typedef struct {
    char topic[TIX_WIRE_TOPIC_MAX];
    uint8_t prev[TIX_WIRE_HASH_SIZE], next[TIX_WIRE_HASH_SIZE];
    uint8_t msg[MAX_MSG];
    size_t len;
} s_vec_t;

static s_vec_t s_vecs[MAX_VECTORS];
static size_t s_nvecs;

static void s_hex(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = 0;
    assert_int_equal(sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &n, NULL), 0);
    *len = n;
}

/* Reads tests/data/wire/chain.txt: "topic prev-hex message-hex next-hex" a line. Its heads
 * were computed with Python's hashlib.blake2b (salt, person), not libsodium, and
 * tests/wire_doc_check.py recomputes them on every run. */
static int s_load(void **state)
{
    (void)state;
    const char *src = getenv("TIX_SRC");
    assert_non_null(src);
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/wire/chain.txt", src);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL, *topic = NULL, *prev = NULL, *msg = NULL, *next = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        assert_true(s_nvecs < MAX_VECTORS);
        s_vec_t *v = &s_vecs[s_nvecs++];
        assert_int_equal(sscanf(line, "%ms %ms %ms %ms", &topic, &prev, &msg, &next), 4);
        assert_true(strlen(topic) < sizeof v->topic);
        strcpy(v->topic, topic);
        size_t n;
        s_hex(prev, v->prev, sizeof v->prev, &n);
        assert_int_equal(n, TIX_WIRE_HASH_SIZE);
        s_hex(next, v->next, sizeof v->next, &n);
        assert_int_equal(n, TIX_WIRE_HASH_SIZE);
        s_hex(msg, v->msg, sizeof v->msg, &v->len);
        free(topic);
        free(prev);
        free(msg);
        free(next);
    }
    free(line);
    fclose(f);
    assert_true(s_nvecs >= 10);
    return 0;
}

/* Every vector through the stateless hash: one-call and streamed sizes, 1 and 2 blocks. */
static void test_hash_vectors(void **state)
{
    (void)state;
    bool small = false, large = false;
    for (size_t i = 0; i < s_nvecs; i++) {
        const s_vec_t *v = &s_vecs[i];
        uint8_t out[TIX_WIRE_HASH_SIZE];
        assert_int_equal(tix_chain_hash(v->prev, v->topic, strlen(v->topic), v->msg, v->len, out), 0);
        assert_memory_equal(out, v->next, sizeof out);
        small |= strlen(v->topic) + v->len <= 128;
        large |= strlen(v->topic) + v->len > TIX_WIRE_TOPIC_MAX + TIX_WIRE_QUOTE_SIZE;
    }
    assert_true(small && large); /* both code paths were checked */
}

/* The same vectors through a chain's state: set the previous head, advance, read back. */
static void test_chain_state(void **state)
{
    (void)state;
    tix_chain_t *c = tix_chain_new();
    assert_non_null(c);
    for (size_t i = 0; i < s_nvecs; i++) {
        const s_vec_t *v = &s_vecs[i];
        int id = tix_chain_topic(c, v->topic, strlen(v->topic));
        assert_true(id >= 0);
        tix_chain_set(c, id, 100 + i, v->prev);
        uint8_t next[TIX_WIRE_HASH_SIZE];
        assert_int_equal(tix_chain_next(c, id, v->msg, v->len, next), 0);
        assert_memory_equal(next, v->next, sizeof next);
        assert_memory_equal(tix_chain_head(c, id), v->prev, sizeof next); /* next changes nothing */
        assert_int_equal(tix_chain_seq(c, id), 100 + i);
        assert_int_equal(tix_chain_advance(c, id, 101 + i, v->msg, v->len), 0);
        assert_memory_equal(tix_chain_head(c, id), v->next, sizeof next);
        assert_int_equal(tix_chain_seq(c, id), 101 + i);
        assert_memory_equal(tix_chain_head_at(c, id, 101 + i), v->next, sizeof next);
    }
    tix_chain_destroy(&c);
    assert_null(c);
    tix_chain_destroy(&c); /* safe twice */
}

/* A new topic starts from 32 zero bytes: docs/wire.md's two heads (the first two vectors). */
static void test_from_zero(void **state)
{
    (void)state;
    const s_vec_t *a = &s_vecs[0], *b = &s_vecs[1];
    static const uint8_t zero[TIX_WIRE_HASH_SIZE];
    assert_memory_equal(a->prev, zero, sizeof zero);
    assert_memory_equal(b->prev, a->next, sizeof zero);
    tix_chain_t *c = tix_chain_new();
    assert_non_null(c);
    int id = tix_chain_topic(c, a->topic, strlen(a->topic));
    assert_int_equal(tix_chain_find(c, a->topic, strlen(a->topic)), id);
    assert_memory_equal(tix_chain_head(c, id), zero, sizeof zero);
    assert_int_equal(tix_chain_advance(c, id, 1, a->msg, a->len), 0);
    assert_int_equal(tix_chain_advance(c, id, 2, b->msg, b->len), 0);
    assert_memory_equal(tix_chain_head(c, id), b->next, sizeof zero);
    assert_memory_equal(tix_chain_head_at(c, id, 1), a->next, sizeof zero);
    tix_chain_destroy(&c);
}

/* Flipping any one byte of the topic, the message or the previous head gives another head. */
static void test_tamper_any_byte(void **state)
{
    (void)state;
    for (size_t i = 0; i < s_nvecs; i++) {
        s_vec_t v = s_vecs[i];
        size_t tl = strlen(v.topic);
        uint8_t out[TIX_WIRE_HASH_SIZE];
        for (size_t k = 0; k < tl; k++) {
            v.topic[k] ^= 0x20;
            assert_int_equal(tix_chain_hash(v.prev, v.topic, tl, v.msg, v.len, out), 0);
            assert_memory_not_equal(out, v.next, sizeof out);
            v.topic[k] ^= 0x20;
        }
        for (size_t k = 0; k < v.len; k++) {
            v.msg[k] ^= 0x01;
            assert_int_equal(tix_chain_hash(v.prev, v.topic, tl, v.msg, v.len, out), 0);
            assert_memory_not_equal(out, v.next, sizeof out);
            v.msg[k] ^= 0x01;
        }
        for (size_t k = 0; k < sizeof v.prev; k++) { /* salt bytes, then personal bytes */
            v.prev[k] ^= 0x80;
            assert_int_equal(tix_chain_hash(v.prev, v.topic, tl, v.msg, v.len, out), 0);
            assert_memory_not_equal(out, v.next, sizeof out);
            v.prev[k] ^= 0x80;
        }
        /* A truncated message too. */
        assert_int_equal(tix_chain_hash(v.prev, v.topic, tl, v.msg, v.len - 1, out), 0);
        assert_memory_not_equal(out, v.next, sizeof out);
        assert_int_equal(tix_chain_hash(v.prev, v.topic, tl, v.msg, v.len, out), 0);
        assert_memory_equal(out, v.next, sizeof out); /* and nothing was left altered */
    }
}

/* `out` may be the previous head itself (the chain hashes in place). */
static void test_in_place(void **state)
{
    (void)state;
    const s_vec_t *v = &s_vecs[s_nvecs - 1];
    assert_true(strlen(v->topic) + v->len > TIX_WIRE_TOPIC_MAX + TIX_WIRE_QUOTE_SIZE); /* streamed */
    uint8_t h[TIX_WIRE_HASH_SIZE];
    memcpy(h, v->prev, sizeof h);
    assert_int_equal(tix_chain_hash(h, v->topic, strlen(v->topic), v->msg, v->len, h), 0);
    assert_memory_equal(h, v->next, sizeof h);
    v = &s_vecs[0];
    memcpy(h, v->prev, sizeof h);
    assert_int_equal(tix_chain_hash(h, v->topic, strlen(v->topic), v->msg, v->len, h), 0);
    assert_memory_equal(h, v->next, sizeof h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_vectors),    cmocka_unit_test(test_chain_state),
        cmocka_unit_test(test_from_zero),       cmocka_unit_test(test_tamper_any_byte),
        cmocka_unit_test(test_in_place),
    };
    return cmocka_run_group_tests(tests, s_load, NULL);
}
