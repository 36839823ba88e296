/* Strict JSON parser: one pass over the bytes into a flat value array, no allocation per value. */
#include "tix_json.h"
#include "tix_utf8.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_KEEP_VALUES ((size_t)1 << 18) /* 10 MiB of values kept between documents */
#define S_KEEP_BYTES ((size_t)16 << 20) /* and 16 MiB of unescape buffer */

struct tix_json_s {
    tix_json_val_t *vals;
    size_t nvals, cap;
    /* Unescaped strings. An unescaped string is never longer than its escaped text, so a
     * buffer as long as the input never moves during a parse and values may point into it. */
    char *dec;
    size_t dcap, dpos;
    const char *buf, *p, *end;
    int depth;
    tix_json_status_t status;
    size_t err_at;
    char err[192];
};

/* Bytes that stand for themselves inside a string: printable ASCII but '"' and '\\'. */
static const unsigned char s_plain[256] = {
#define R8(v) v, v, v, v, v, v, v, v
    R8(0), R8(0), R8(0), R8(0), /* 0x00-0x1f: control characters must be escaped */
    1, 1, 0, 1, 1, 1, 1, 1,     /* 0x20-0x27: '"' ends the string */
    R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), /* 0x28-0x57 */
    1, 1, 1, 1, 0, 1, 1, 1,     /* 0x58-0x5f: '\\' starts an escape */
    R8(1), R8(1), R8(1), R8(1), /* 0x60-0x7f */
    /* 0x80-0xff: UTF-8, validated on the slow path */
#undef R8
};

tix_json_t *tix_json_new(void) { return calloc(1, sizeof(tix_json_t)); }

void tix_json_destroy(tix_json_t **self_p)
{
    assert(self_p);
    tix_json_t *self = *self_p;
    if (!self)
        return;
    free(self->vals);
    free(self->dec);
    free(self);
    *self_p = NULL;
}

tix_json_status_t tix_json_status(const tix_json_t *self) { return self->status; }
const char *tix_json_error(const tix_json_t *self) { return self->err; }
size_t tix_json_error_at(const tix_json_t *self) { return self->err_at; }

/* What stands at `q`, for an error message. */
static void s_found(const tix_json_t *s, const char *q, char *out, size_t cap)
{
    unsigned char c = q < s->end ? (unsigned char)*q : 0;
    if (q >= s->end)
        snprintf(out, cap, "the end of the text");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(out, cap, "'%c'", c);
    else
        snprintf(out, cap, "byte 0x%02x", c);
}

static int s_fail(tix_json_t *s, const char *at, tix_json_status_t st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_fail(tix_json_t *s, const char *at, tix_json_status_t st, const char *fmt, ...)
{
    size_t line = 1, col = 1;
    for (const char *q = s->buf; q < at; q++) {
        col++;
        if (*q == '\n')
            line++, col = 1;
    }
    char msg[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(s->err, sizeof s->err, "line %zu, column %zu: %s", line, col, msg);
    s->err_at = (size_t)(at - s->buf);
    s->status = st;
    return -1;
}

static int s_truncated(tix_json_t *s, const char *inside)
{
    return s_fail(s, s->end, TIX_JSON_TRUNCATED, "the text ends inside %s", inside);
}

static void s_ws(tix_json_t *s)
{
    const char *q = s->p;
    while (q < s->end && (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t'))
        q++;
    s->p = q;
}

/* A new value at the end of the array; its index, or -1 out of memory. */
static long s_new(tix_json_t *s, tix_json_type_t type, const char *key, uint32_t key_len)
{
    if (s->nvals == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        tix_json_val_t *v = realloc(s->vals, cap * sizeof *v);
        if (!v)
            return s_fail(s, s->p, TIX_JSON_NOMEM, "out of memory at value %zu", s->nvals);
        s->vals = v;
        s->cap = cap;
    }
    tix_json_val_t *v = &s->vals[s->nvals];
    *v = (tix_json_val_t){NULL, key, 0, key_len, 0, 0, (uint8_t)type};
    return (long)s->nvals++;
}

/* Checks the UTF-8 sequence at *q and steps over it; -1 with the error set. */
static int s_utf8_step(tix_json_t *s, const unsigned char **q)
{
    int n = tix_utf8_len(*q, (const unsigned char *)s->end);
    if (n < 0)
        return s_truncated(s, "a UTF-8 character");
    if (n == 0)
        return s_fail(s, (const char *)*q, TIX_JSON_BAD, "invalid UTF-8 byte 0x%02x in a string", **q);
    *q += n;
    return 0;
}

/* A byte of a string that is not plain (s_plain), '"' or '\\': a control character is an
 * error, anything else must start valid UTF-8, which is stepped over. */
static int s_other_byte(tix_json_t *s, const unsigned char **q)
{
    if (**q < 0x20)
        return s_fail(s, (const char *)*q, TIX_JSON_BAD,
                      "control character 0x%02x in a string (must be escaped)", **q);
    return s_utf8_step(s, q);
}

static int s_hex4(tix_json_t *s, const unsigned char *q, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        if (q + i >= (const unsigned char *)s->end)
            return s_truncated(s, "a \\u escape");
        unsigned char c = q[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16;
        if (d == 16)
            return s_fail(s, (const char *)q + i, TIX_JSON_BAD, "\\u must be followed by 4 hex digits");
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/* The code point of the \u escape at q (q at the backslash), pairing surrogates; its
 * escaped length in *used. */
static int s_code_point(tix_json_t *s, const unsigned char *q, unsigned *cp, size_t *used)
{
    if (s_hex4(s, q + 2, cp))
        return -1;
    *used = 6;
    if (*cp >= 0xdc00 && *cp <= 0xdfff)
        return s_fail(s, (const char *)q, TIX_JSON_BAD, "\\u%04x is a low surrogate without a high one", *cp);
    if (*cp < 0xd800 || *cp > 0xdbff)
        return 0;
    const unsigned char *end = (const unsigned char *)s->end;
    if (q + 6 >= end || (q[6] == '\\' && q + 7 >= end))
        return s_truncated(s, "a surrogate pair");
    unsigned low;
    if (q[6] != '\\' || q[7] != 'u' || s_hex4(s, q + 8, &low) || low < 0xdc00 || low > 0xdfff)
        return s->status != TIX_JSON_OK
                   ? -1
                   : s_fail(s, (const char *)q, TIX_JSON_BAD, "\\u%04x is a high surrogate without a low one", *cp);
    *cp = 0x10000 + ((*cp - 0xd800) << 10) + (low - 0xdc00);
    *used = 12;
    return 0;
}

static char *s_put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xc0 | cp >> 6);
        *d++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xe0 | cp >> 12);
        *d++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *d++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *d++ = (char)(0xf0 | cp >> 18);
        *d++ = (char)(0x80 | (cp >> 12 & 0x3f));
        *d++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *d++ = (char)(0x80 | (cp & 0x3f));
    }
    return d;
}

static int s_escape(tix_json_t *s, const unsigned char **qp, char **dp)
{
    const unsigned char *q = *qp;
    if (q + 1 >= (const unsigned char *)s->end)
        return s_truncated(s, "an escape");
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = q[1] ? strchr(from, q[1]) : NULL;
    if (k) {
        *(*dp)++ = to[k - from];
        *qp = q + 2;
        return 0;
    }
    if (q[1] != 'u')
        return s_fail(s, (const char *)q, TIX_JSON_BAD, "invalid escape '\\%c'", q[1] >= 0x20 && q[1] < 0x7f ? q[1] : '?');
    unsigned cp;
    size_t used;
    if (s_code_point(s, q, &cp, &used))
        return -1;
    *dp = s_put_utf8(*dp, cp);
    *qp = q + used;
    return 0;
}

/* The rest of a string holding escapes, from q, unescaped into the decode buffer after
 * the plain prefix [start, q). */
static int s_unescape(tix_json_t *s, const char *start, const unsigned char *q, const char **out,
                      uint32_t *olen)
{
    char *d0 = s->dec + s->dpos, *d = d0;
    memcpy(d, start, (size_t)((const char *)q - start));
    d += (const char *)q - start;
    const unsigned char *end = (const unsigned char *)s->end;
    for (;;) {
        if (q >= end)
            return s_truncated(s, "a string");
        unsigned char c = *q;
        if (c == '"')
            break;
        if (c == '\\') {
            if (s_escape(s, &q, &d))
                return -1;
        } else if (s_plain[c]) {
            *d++ = (char)c;
            q++;
        } else {
            const unsigned char *from = q;
            if (s_other_byte(s, &q))
                return -1;
            memcpy(d, from, (size_t)(q - from));
            d += q - from;
        }
    }
    *out = d0;
    *olen = (uint32_t)(d - d0);
    s->dpos += (size_t)(d - d0);
    s->p = (const char *)q + 1;
    return 0;
}

/* A string at s->p (on its '"'): its contents, in place when it holds no escape. */
static int s_string(tix_json_t *s, const char **out, uint32_t *olen)
{
    const char *start = s->p + 1;
    const unsigned char *q = (const unsigned char *)start, *end = (const unsigned char *)s->end;
    for (;;) {
        while (q < end && s_plain[*q])
            q++;
        if (q >= end)
            return s_truncated(s, "a string");
        if (*q == '"')
            break;
        if (*q == '\\')
            return s_unescape(s, start, q, out, olen);
        if (s_other_byte(s, &q))
            return -1;
    }
    *out = start;
    *olen = (uint32_t)((const char *)q - start);
    s->p = (const char *)q + 1;
    return 0;
}

static bool s_digit(const char *q, const char *end) { return q < end && *q >= '0' && *q <= '9'; }

/* A number at s->p, as RFC 8259 writes it: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static int s_number(tix_json_t *s, const char **out, uint32_t *olen)
{
    const char *q = s->p, *end = s->end;
    if (*q == '-' && ++q >= end)
        return s_truncated(s, "a number");
    if (*q == '0') {
        if (s_digit(++q, end))
            return s_fail(s, q - 1, TIX_JSON_BAD, "a number cannot start with 0 followed by a digit");
    } else if (s_digit(q, end)) {
        while (s_digit(++q, end))
            ;
    } else {
        return s_fail(s, q, TIX_JSON_BAD, "'-' must be followed by a digit");
    }
    if (q < end && *q == '.') {
        if (++q >= end)
            return s_truncated(s, "a number");
        if (!s_digit(q, end))
            return s_fail(s, q, TIX_JSON_BAD, "a digit must follow the decimal point");
        while (s_digit(++q, end))
            ;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        if (++q < end && (*q == '+' || *q == '-'))
            q++;
        if (q >= end)
            return s_truncated(s, "a number");
        if (!s_digit(q, end))
            return s_fail(s, q, TIX_JSON_BAD, "an exponent needs digits");
        while (s_digit(++q, end))
            ;
    }
    *out = s->p;
    *olen = (uint32_t)(q - s->p);
    s->p = q;
    return 0;
}

static int s_literal(tix_json_t *s, const char *word, tix_json_type_t type, const char *key, uint32_t klen)
{
    size_t n = strlen(word), left = (size_t)(s->end - s->p);
    if (left < n && memcmp(s->p, word, left) == 0)
        return s_truncated(s, word);
    if (left < n || memcmp(s->p, word, n) != 0)
        return s_fail(s, s->p, TIX_JSON_BAD, "not a JSON value (did you mean %s?)", word);
    s->p += n;
    return s_new(s, type, key, klen) < 0 ? -1 : 0;
}

static int s_value(tix_json_t *s, const char *key, uint32_t klen);

/* Links element `cur` after `prev` (SIZE_MAX: cur is the first). */
static void s_link(tix_json_t *s, size_t *prev, size_t cur)
{
    if (*prev != SIZE_MAX)
        s->vals[*prev].next = (uint32_t)(cur - *prev);
    *prev = cur;
}

static int s_expect(tix_json_t *s, const char *what, const char *inside)
{
    char f[32];
    if (s->p >= s->end)
        return s_truncated(s, inside);
    s_found(s, s->p, f, sizeof f);
    return s_fail(s, s->p, TIX_JSON_BAD, "expected %s, found %s", what, f);
}

/* An object member's name and ':' (s->p on the name's '"'). */
static int s_member_name(tix_json_t *s, const char **key, uint32_t *klen)
{
    if (s->p >= s->end || *s->p != '"')
        return s_expect(s, "a member name in double quotes", "an object");
    if (s_string(s, key, klen))
        return -1;
    s_ws(s);
    if (s->p >= s->end || *s->p != ':')
        return s_expect(s, "':' after a member name", "an object");
    s->p++;
    return 0;
}

/* The elements of an array or the members of an object (s->p on its '[' or '{'). */
static int s_items(tix_json_t *s, size_t idx, bool object)
{
    const char close = object ? '}' : ']';
    size_t prev = SIZE_MAX;
    uint32_t count = 0;
    s->p++;
    s_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    for (;;) {
        const char *key = NULL;
        uint32_t klen = 0;
        s_ws(s);
        if (object && s_member_name(s, &key, &klen))
            return -1;
        size_t cur = s->nvals;
        if (s_value(s, key, klen))
            return -1;
        s_link(s, &prev, cur);
        count++;
        s_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == close)
            break;
        return object ? s_expect(s, "',' or '}' after an object member", "an object")
                      : s_expect(s, "',' or ']' after an array element", "an array");
    }
    s->p++;
    s->vals[idx].count = count;
    return 0;
}

static int s_container(tix_json_t *s, tix_json_type_t type, const char *key, uint32_t klen)
{
    if (s->depth >= TIX_JSON_MAX_DEPTH)
        return s_fail(s, s->p, TIX_JSON_BAD, "nested deeper than %d arrays and objects", TIX_JSON_MAX_DEPTH);
    long idx = s_new(s, type, key, klen);
    if (idx < 0)
        return -1;
    s->depth++;
    int rc = s_items(s, (size_t)idx, type == TIX_JSON_OBJECT);
    s->depth--;
    return rc;
}

static int s_scalar(tix_json_t *s, tix_json_type_t type, const char *key, uint32_t klen)
{
    const char *text = NULL;
    uint32_t len = 0;
    if ((type == TIX_JSON_STRING ? s_string(s, &text, &len) : s_number(s, &text, &len)) != 0)
        return -1;
    long idx = s_new(s, type, key, klen);
    if (idx < 0)
        return -1;
    s->vals[idx].text = text;
    s->vals[idx].len = len;
    return 0;
}

static int s_value(tix_json_t *s, const char *key, uint32_t klen)
{
    s_ws(s);
    if (s->p >= s->end)
        return s_truncated(s, key ? "an object" : "a value");
    switch (*s->p) {
    case '{': return s_container(s, TIX_JSON_OBJECT, key, klen);
    case '[': return s_container(s, TIX_JSON_ARRAY, key, klen);
    case '"': return s_scalar(s, TIX_JSON_STRING, key, klen);
    case 't': return s_literal(s, "true", TIX_JSON_TRUE, key, klen);
    case 'f': return s_literal(s, "false", TIX_JSON_FALSE, key, klen);
    case 'n': return s_literal(s, "null", TIX_JSON_NULL, key, klen);
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
            return s_scalar(s, TIX_JSON_NUMBER, key, klen);
        return s_expect(s, "a value", "a value");
    }
}

const tix_json_val_t *tix_json_parse(tix_json_t *self, const char *buf, size_t len)
{
    self->nvals = self->dpos = 0;
    self->depth = 0;
    self->status = TIX_JSON_OK;
    self->err[0] = '\0';
    self->err_at = 0;
    self->buf = self->p = buf;
    self->end = buf + len;
    if (len >= UINT32_MAX) {
        s_fail(self, buf, TIX_JSON_BAD, "a document of %zu bytes is too large", len);
        return NULL;
    }
    /* One huge document must not pin its memory for the collector's life: buffers past the
     * limits are let go before the next parse and regrow only if it needs them. */
    if (self->cap > S_KEEP_VALUES) {
        free(self->vals);
        self->vals = NULL;
        self->cap = 0;
    }
    if (self->dcap > S_KEEP_BYTES && self->dcap > len) {
        free(self->dec);
        self->dec = NULL;
        self->dcap = 0;
    }
    if (len > self->dcap) {
        char *d = realloc(self->dec, len);
        if (!d) {
            s_fail(self, buf, TIX_JSON_NOMEM, "out of memory for a document of %zu bytes", len);
            return NULL;
        }
        self->dec = d;
        self->dcap = len;
    }
    /* RFC 8259 §8.1 lets a parser ignore a byte-order mark; some servers send one. */
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        self->p += 3;
    if (s_value(self, NULL, 0))
        return NULL;
    s_ws(self);
    if (self->p < self->end) {
        s_fail(self, self->p, TIX_JSON_BAD, "text after the JSON document");
        return NULL;
    }
    return self->vals;
}

const tix_json_val_t *tix_json_member(const tix_json_val_t *obj, const char *name, size_t len)
{
    if (!obj || obj->type != TIX_JSON_OBJECT)
        return NULL;
    const tix_json_val_t *found = NULL;
    for (const tix_json_val_t *m = tix_json_first(obj); m; m = tix_json_next(m))
        if (m->key_len == len && memcmp(m->key, name, len) == 0)
            found = m;
    return found;
}

const tix_json_val_t *tix_json_index(const tix_json_val_t *arr, size_t i)
{
    if (!arr || arr->type != TIX_JSON_ARRAY || i >= arr->count)
        return NULL;
    const tix_json_val_t *e = tix_json_first(arr);
    while (i-- > 0)
        e = tix_json_next(e);
    return e;
}

bool tix_json_is_string(const tix_json_val_t *v, const char *str)
{
    size_t n = strlen(str);
    return v && v->type == TIX_JSON_STRING && v->len == n && memcmp(v->text, str, n) == 0;
}

const char *tix_json_text(const tix_json_val_t *v, size_t *len)
{
    if (!v || (v->type != TIX_JSON_STRING && v->type != TIX_JSON_NUMBER))
        return NULL;
    if (len)
        *len = v->len;
    return v->text;
}

int tix_json_cstr(const tix_json_val_t *v, char *buf, size_t cap)
{
    size_t len;
    const char *t = tix_json_text(v, &len);
    buf[0] = '\0';
    if (!t)
        return TIX_JSON_NOT_TEXT;
    if (len >= cap || len > INT32_MAX)
        return TIX_JSON_TOO_LONG;
    if (memchr(t, '\0', len))
        return TIX_JSON_HAS_NUL;
    memcpy(buf, t, len);
    buf[len] = '\0';
    return (int)len;
}

const char *tix_json_type_word(const tix_json_val_t *v)
{
    static const char *const words[] = {"null", "boolean", "boolean", "number", "string", "array", "object"};
    return v ? words[v->type] : "nothing";
}
