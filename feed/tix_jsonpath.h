/* JSON paths for schema-driven extraction: "data[*]", "pricing.prompt", "tiers[min(max_tokens)].input", "$.currency". */
#ifndef TIX_JSONPATH_H
#define TIX_JSONPATH_H

#include "tix_json.h"

#include <stdbool.h>
#include <stddef.h>

/* Grammar: ['$' ['.']] step ('.' name | '[' sel ']')*, a step being a member name or a
 * bracket selector; sel is '*' (every element), a non-negative index, or 'min(NAME)' (the
 * element whose member NAME holds the smallest number: the base tier of a tiered price).
 * A path starting with '$' is taken from the document root, any other from the element. */
typedef struct tix_jpath_s tix_jpath_t;

/* Compiles `text`; NULL with tix_err() naming the text and what is wrong. */
tix_jpath_t *tix_jpath_new(const char *text);
void tix_jpath_destroy(tix_jpath_t **self_p);
const char *tix_jpath_text(const tix_jpath_t *self);
bool tix_jpath_from_root(const tix_jpath_t *self);

/* The first value the path reaches from `elem` (or `root` for '$' paths); NULL if none. */
const tix_json_val_t *tix_jpath_get(const tix_jpath_t *self, const tix_json_val_t *root,
                                    const tix_json_val_t *elem);

/* Calls `fn` for every value the path reaches, in document order; stops early when `fn`
 * returns non-zero and returns that value, else 0. */
int tix_jpath_each(const tix_jpath_t *self, const tix_json_val_t *root, const tix_json_val_t *elem,
                   int (*fn)(void *arg, const tix_json_val_t *value), void *arg);

#endif
