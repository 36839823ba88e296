/* JSON path compilation and evaluation over parsed documents (tix_json), exact literal text of numbers. */
#include "tix_jsonpath.h"
#include "tix/price.h"
#include "tix_err.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef enum { S_MEMBER, S_INDEX, S_ALL, S_MIN } s_kind_t;

typedef struct {
    s_kind_t kind;
    char *name;   /* S_MEMBER: the member; S_MIN: the member compared */
    size_t name_len;
    size_t index; /* S_INDEX */
} s_step_t;

struct tix_jpath_s {
    char *text;
    bool root;
    size_t nsteps;
    s_step_t *steps;
};

void tix_jpath_destroy(tix_jpath_t **self_p)
{
    assert(self_p);
    tix_jpath_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->nsteps; i++)
        free(self->steps[i].name);
    free(self->steps);
    free(self->text);
    free(self);
    *self_p = NULL;
}

static int s_fail(tix_jpath_t *self, const char *text, size_t at, const char *what)
{
    TIX_SET_ERR(EINVAL, "JSON path \"%s\": at offset %zu: %s", text, at, what);
    tix_jpath_destroy(&self);
    return -1;
}

static int s_push(tix_jpath_t *self, s_kind_t kind, const char *name, size_t len, size_t index)
{
    s_step_t *steps = realloc(self->steps, (self->nsteps + 1) * sizeof *steps);
    if (!steps)
        return -1;
    self->steps = steps;
    s_step_t *s = &steps[self->nsteps];
    s->kind = kind;
    s->index = index;
    s->name = NULL;
    if (name && !(s->name = strndup(name, len)))
        return -1;
    s->name_len = len;
    self->nsteps++;
    return 0;
}

/* Parses one bracket selector starting after '['; returns the offset after ']' or 0. */
static size_t s_selector(tix_jpath_t *self, const char *t, size_t i, const char **why)
{
    size_t close = i;
    while (t[close] && t[close] != ']')
        close++;
    if (!t[close]) {
        *why = "'[' without ']'";
        return 0;
    }
    const char *sel = t + i;
    size_t len = close - i;
    int rc;
    if (len == 1 && sel[0] == '*') {
        rc = s_push(self, S_ALL, NULL, 0, 0);
    } else if (len > 5 && strncmp(sel, "min(", 4) == 0 && sel[len - 1] == ')') {
        rc = s_push(self, S_MIN, sel + 4, len - 5, 0);
    } else if (len > 0 && len <= 9 && strspn(sel, "0123456789") == len) {
        rc = s_push(self, S_INDEX, NULL, 0, (size_t)strtoul(sel, NULL, 10));
    } else {
        *why = "a selector must be '*', an index or 'min(NAME)'";
        return 0;
    }
    if (rc != 0) {
        *why = "out of memory";
        return 0;
    }
    return close + 1;
}

tix_jpath_t *tix_jpath_new(const char *text)
{
    tix_jpath_t *self = calloc(1, sizeof *self);
    if (!self || !(self->text = strdup(text))) {
        free(self);
        TIX_SET_ERR(ENOMEM, "out of memory compiling JSON path");
        return NULL;
    }
    size_t i = 0;
    if (text[0] == '$') {
        self->root = true;
        i = text[1] == '.' ? 2 : 1;
    }
    bool need_step = !self->root || text[i] != '\0';
    while (text[i]) {
        const char *why = NULL;
        if (text[i] == '[') {
            size_t next = s_selector(self, text, i + 1, &why);
            if (!next)
                return s_fail(self, text, i, why), NULL;
            i = next;
        } else {
            size_t n = strcspn(text + i, ".[]");
            if (n == 0)
                return s_fail(self, text, i, "empty member name"), NULL;
            if (s_push(self, S_MEMBER, text + i, n, 0) != 0)
                return s_fail(self, text, i, "out of memory"), NULL;
            i += n;
        }
        if (text[i] == '.') {
            i++;
            if (!text[i] || text[i] == '[' || text[i] == '.')
                return s_fail(self, text, i, "'.' must be followed by a member name"), NULL;
        } else if (text[i] && text[i] != '[') {
            return s_fail(self, text, i, "unexpected character"), NULL;
        }
    }
    if (need_step && self->nsteps == 0)
        return s_fail(self, text, 0, "empty path"), NULL;
    return self;
}

const char *tix_jpath_text(const tix_jpath_t *self) { return self->text; }
bool tix_jpath_from_root(const tix_jpath_t *self) { return self->root; }

/* The element of array `a` whose member `name` is the smallest number (first on ties). */
static const tix_json_val_t *s_min_elem(const tix_json_val_t *a, const s_step_t *step)
{
    const tix_json_val_t *best = NULL;
    tix_price_t best_v = 0;
    for (const tix_json_val_t *e = tix_json_first(a); e; e = tix_json_next(e)) {
        const tix_json_val_t *f = tix_json_member(e, step->name, step->name_len);
        size_t len;
        const char *t;
        tix_price_t v;
        if (!(t = tix_json_text(f, &len)) || tix_price_parse_n(t, len, TIX_UNIT_1M, &v) != TIX_PRICE_OK)
            continue;
        if (!best || v < best_v) {
            best = e;
            best_v = v;
        }
    }
    return best;
}

/* Walks steps [k, n) from `cur`; calls fn for each value reached. */
static int s_walk(const tix_jpath_t *self, size_t k, const tix_json_val_t *cur,
                  int (*fn)(void *, const tix_json_val_t *), void *arg)
{
    for (; k < self->nsteps && cur; k++) {
        const s_step_t *s = &self->steps[k];
        if (s->kind == S_MEMBER) {
            cur = tix_json_member(cur, s->name, s->name_len);
        } else if (cur->type != TIX_JSON_ARRAY) {
            return 0;
        } else if (s->kind == S_INDEX) {
            cur = tix_json_index(cur, s->index);
        } else if (s->kind == S_MIN) {
            cur = s_min_elem(cur, s);
        } else {
            for (const tix_json_val_t *e = tix_json_first(cur); e; e = tix_json_next(e)) {
                int rc = s_walk(self, k + 1, e, fn, arg);
                if (rc)
                    return rc;
            }
            return 0;
        }
    }
    return cur ? fn(arg, cur) : 0;
}

int tix_jpath_each(const tix_jpath_t *self, const tix_json_val_t *root, const tix_json_val_t *elem,
                   int (*fn)(void *arg, const tix_json_val_t *value), void *arg)
{
    return s_walk(self, 0, self->root ? root : elem, fn, arg);
}

static int s_take_first(void *arg, const tix_json_val_t *v)
{
    *(const tix_json_val_t **)arg = v;
    return 1;
}

const tix_json_val_t *tix_jpath_get(const tix_jpath_t *self, const tix_json_val_t *root,
                                    const tix_json_val_t *elem)
{
    const tix_json_val_t *out = NULL;
    /* A step-free path ("$") is the root itself. */
    if (self->nsteps == 0)
        return self->root ? root : elem;
    tix_jpath_each(self, root, elem, s_take_first, &out);
    return out;
}
