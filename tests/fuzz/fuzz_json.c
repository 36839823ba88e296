/* libFuzzer target for the JSON parser: any bytes parse or fail cleanly, and every value stays inside its document. */
#include "tix_json.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A text is either a span of the document or an unescaped copy no longer than it. */
static bool s_inside(const char *t, uint32_t len, const char *doc, size_t size)
{
    return (t >= doc && t + len <= doc + size) || len <= size;
}

static void s_walk(const tix_json_val_t *v, const char *doc, size_t size)
{
    if ((v->text && !s_inside(v->text, v->len, doc, size)) || (v->key && !s_inside(v->key, v->key_len, doc, size)))
        abort();
    /* Touch the last byte of each text: ASan catches a span that runs past its buffer. */
    volatile char sink = v->len ? v->text[v->len - 1] : 0;
    sink = v->key_len ? v->key[v->key_len - 1] : sink;
    (void)sink;
    uint32_t n = 0;
    for (const tix_json_val_t *e = tix_json_first(v); e; e = tix_json_next(e), n++)
        s_walk(e, doc, size);
    if (n != v->count)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tix_json_t *j;
    if (!j && !(j = tix_json_new()))
        abort();
    /* An exact-size copy: ASan catches any read past the end. */
    char *doc = malloc(size ? size : 1);
    if (!doc)
        abort();
    memcpy(doc, data, size);
    const tix_json_val_t *root = tix_json_parse(j, doc, size);
    if (root) {
        s_walk(root, doc, size);
    } else if (tix_json_error_at(j) > size || tix_json_status(j) == TIX_JSON_OK || !tix_json_error(j)[0]) {
        abort();
    }
    free(doc);
    return 0;
}
