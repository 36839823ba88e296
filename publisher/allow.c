/* Allowlist files of CurveZMQ public keys, with the providers each collector key may speak for. */
#include "tix_allow.h"
#include "tix_err.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define TIX_ALLOW_NAME_MAX 63 /* a provider name's longest (core/config.c) */

typedef struct {
    char key[41];
    char *providers; /* NULL for a client key; "*" or "a,b" for a collector key */
} s_entry_t;

struct tix_allow_s {
    s_entry_t *e;
    size_t n, cap;
};

void tix_allow_destroy(tix_allow_t **self_p)
{
    assert(self_p);
    tix_allow_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++)
        free(self->e[i].providers);
    free(self->e);
    free(self);
    *self_p = NULL;
}

/* "*" alone, or non-empty names of at most TIX_ALLOW_NAME_MAX separated by single commas. */
static int s_check_providers(const char *path, int lineno, const char *list)
{
    if (strcmp(list, "*") == 0)
        return 0;
    for (const char *p = list;;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len > TIX_ALLOW_NAME_MAX || memchr(p, '*', len)) {
            TIX_SET_ERR(EINVAL, "%s:%d: provider list '%.80s': want \"*\" or names of 1 to %d "
                        "characters separated by commas", path, lineno, list, TIX_ALLOW_NAME_MAX);
            return -1;
        }
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

static int s_add(tix_allow_t *self, const char *path, int lineno, const char *key, const char *prov)
{
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        s_entry_t *e = realloc(self->e, cap * sizeof *e);
        if (!e) {
            TIX_SET_ERR(ENOMEM, "%s: out of memory", path);
            return -1;
        }
        self->e = e;
        self->cap = cap;
    }
    s_entry_t *e = &self->e[self->n];
    memcpy(e->key, key, sizeof e->key);
    e->providers = NULL;
    if (prov && !(e->providers = strdup(prov))) {
        TIX_SET_ERR(ENOMEM, "%s:%d: out of memory", path, lineno);
        return -1;
    }
    self->n++;
    return 0;
}

/* One line without its newline: a comment, blank, or an entry added to `self`. */
static int s_line(tix_allow_t *self, const char *path, int lineno, char *line, tix_allow_kind_t kind)
{
    char *p = line + strspn(line, " \t");
    if (*p == '\0' || (p[0] == '#' && (p[1] == ' ' || p[1] == '\t' || p[1] == '\0')))
        return 0;
    char *key = p, *prov = NULL;
    p += strcspn(p, " \t");
    if (*p) {
        *p++ = '\0';
        p += strspn(p, " \t");
        prov = p;
        prov[strcspn(prov, " \t")] = '\0';
    }
    uint8_t bin[32];
    if (strlen(key) != 40 || !zmq_z85_decode(bin, key)) {
        TIX_SET_ERR(EINVAL, "%s:%d: not a CurveZMQ public key (40 Z85 characters): '%.60s'", path,
                    lineno, key);
        return -1;
    }
    if (kind == TIX_ALLOW_CLIENTS)
        return s_add(self, path, lineno, key, NULL); /* the rest of the line is a comment */
    if (!prov || !*prov || (prov[0] == '#' && prov[1] == '\0')) {
        TIX_SET_ERR(EINVAL, "%s:%d: collector key %.40s names no providers: add \"*\" or the "
                    "providers it may send for (\"name1,name2\")", path, lineno, key);
        return -1;
    }
    if (tix_allow_has(self, key)) {
        TIX_SET_ERR(EINVAL, "%s:%d: collector key %.40s is listed twice", path, lineno, key);
        return -1;
    }
    if (s_check_providers(path, lineno, prov))
        return -1;
    return s_add(self, path, lineno, key, prov);
}

tix_allow_t *tix_allow_load(const char *path, tix_allow_kind_t kind)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        TIX_SET_ERR(errno, "%s: cannot open %s allowlist: %s", path,
                    kind == TIX_ALLOW_CLIENTS ? "client" : "collector", strerror(errno));
        return NULL;
    }
    tix_allow_t *self = calloc(1, sizeof *self);
    if (!self)
        TIX_SET_ERR(ENOMEM, "%s: out of memory", path);
    char line[512];
    int lineno = 0;
    while (self && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            TIX_SET_ERR(EINVAL, "%s:%d: line longer than %zu characters", path, lineno,
                        sizeof line - 2);
            tix_allow_destroy(&self);
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        if (s_line(self, path, lineno, line, kind) != 0)
            tix_allow_destroy(&self);
    }
    if (self && ferror(f)) {
        TIX_SET_ERR(EIO, "%s: read error", path);
        tix_allow_destroy(&self);
    }
    fclose(f);
    return self;
}

size_t tix_allow_size(const tix_allow_t *self) { return self->n; }

static const s_entry_t *s_find(const tix_allow_t *self, const char *z85)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->e[i].key, z85) == 0)
            return &self->e[i];
    return NULL;
}

bool tix_allow_has(const tix_allow_t *self, const char *z85) { return s_find(self, z85) != NULL; }

bool tix_allow_permits(const tix_allow_t *self, const char *z85, const char *provider)
{
    const s_entry_t *e = s_find(self, z85);
    if (!e || !e->providers)
        return false;
    if (strcmp(e->providers, "*") == 0)
        return true;
    size_t len = strlen(provider);
    for (const char *p = e->providers;;) {
        size_t n = strcspn(p, ",");
        if (n == len && memcmp(p, provider, n) == 0)
            return true;
        if (p[n] == '\0')
            return false;
        p += n + 1;
    }
}
