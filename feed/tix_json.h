/* Strict JSON (RFC 8259) parsed into one flat, read-only array of values; numbers keep their literal text. */
#ifndef TIX_JSON_H
#define TIX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    TIX_JSON_NULL = 0,
    TIX_JSON_FALSE,
    TIX_JSON_TRUE,
    TIX_JSON_NUMBER,
    TIX_JSON_STRING,
    TIX_JSON_ARRAY,
    TIX_JSON_OBJECT,
} tix_json_type_t;

/* One value. Values are stored in document order, so a container's first child is the
 * value right after it and siblings are linked by distance: no pointers to fix up. */
typedef struct {
    const char *text; /* NUMBER: its literal text; STRING: its contents, unescaped; else NULL */
    const char *key;  /* a member of an object: its name, unescaped; else NULL */
    uint32_t len, key_len;
    uint32_t count; /* ARRAY/OBJECT: number of children */
    uint32_t next;  /* distance to the next sibling, 0 for the last */
    uint8_t type;   /* tix_json_type_t */
} tix_json_val_t;

typedef enum {
    TIX_JSON_OK = 0,
    TIX_JSON_TRUNCATED, /* the text ends inside a value (or is empty) */
    TIX_JSON_BAD,       /* not JSON: a syntax error, bad escape, invalid UTF-8, too deep */
    TIX_JSON_NOMEM,
} tix_json_status_t;

/* The most containers nested in one another: deeper documents are refused, not recursed. */
#define TIX_JSON_MAX_DEPTH 64

/* A parser and the document it last parsed; reused parse after parse without allocating
 * once its buffers have grown to the documents' size. */
typedef struct tix_json_s tix_json_t;

tix_json_t *tix_json_new(void);
void tix_json_destroy(tix_json_t **self_p);

/* Parses `buf[0, len)`. The root value, valid (pointing into `buf`, which must outlive it)
 * until the next parse; NULL on error, with tix_json_status/error/error_at telling why. */
const tix_json_val_t *tix_json_parse(tix_json_t *self, const char *buf, size_t len);
tix_json_status_t tix_json_status(const tix_json_t *self);
/* "line 3, column 17: expected ':' after an object key" (empty after a success). */
const char *tix_json_error(const tix_json_t *self);
/* The byte offset where the error was found. */
size_t tix_json_error_at(const tix_json_t *self);

static inline const tix_json_val_t *tix_json_first(const tix_json_val_t *v)
{
    return v->count ? v + 1 : NULL;
}
static inline const tix_json_val_t *tix_json_next(const tix_json_val_t *v)
{
    return v->next ? v + v->next : NULL;
}

/* Member `name` of object `obj` (the last one when a name repeats, as JSON.parse does);
 * NULL when obj is not an object or has no such member. */
const tix_json_val_t *tix_json_member(const tix_json_val_t *obj, const char *name, size_t len);
/* Element `i` of array `arr`, or NULL. */
const tix_json_val_t *tix_json_index(const tix_json_val_t *arr, size_t i);
/* Whether `v` is the string `s` exactly. */
bool tix_json_is_string(const tix_json_val_t *v, const char *s);
/* "object", "array", "string", "number", "boolean", "null" ("nothing" for NULL): for errors. */
const char *tix_json_type_word(const tix_json_val_t *v);

/* The literal text of a scalar as the document wrote it: a string's contents, a number's
 * digits (so "0.15" is never rounded through a double). NULL for null, booleans, objects,
 * arrays and NULL. Not NUL-terminated: `len` (may be NULL) receives the length. */
const char *tix_json_text(const tix_json_val_t *v, size_t *len);

enum {
    TIX_JSON_NOT_TEXT = -1, /* null, boolean, object, array or no value */
    TIX_JSON_TOO_LONG = -2, /* the text needs `cap` bytes or more */
    TIX_JSON_HAS_NUL = -3,  /* the text holds an escaped NUL: as a C string it would be cut */
};
/* Copies the text of `v` into `buf` (`cap` bytes) as a C string: its length, or one of the
 * codes above with `buf` empty. */
int tix_json_cstr(const tix_json_val_t *v, char *buf, size_t cap);

#endif
