/* The replay CSV format: header check, RFC 4180 quoting, ordered recv_ns. */
#include "tix_csv.h"
#include "tix_err.h"
#include "tix_utf8.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NCOLS 9

struct tix_csv_s {
    FILE *f;
    bool own;
    char *path;
    char *line;    /* raw line buffer (getline) */
    size_t line_cap;
    char *fields;  /* unquoted field storage */
    size_t fields_cap;
    char *col[NCOLS];
    long lineno;   /* physical lines read */
    long rec_line; /* the line the current record starts on */
    int64_t last_ns;
    bool have_last;
};

tix_csv_t *tix_csv_open(const char *path)
{
    tix_csv_t *self = calloc(1, sizeof *self);
    if (!self || !(self->path = strdup(path))) {
        free(self);
        TIX_SET_ERR(ENOMEM, "out of memory opening %s", path);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        self->f = stdin;
    } else {
        self->f = fopen(path, "r");
        self->own = true;
        if (!self->f) {
            TIX_SET_ERR(errno, "%s: cannot open: %s", path, strerror(errno));
            goto fail;
        }
    }
    ssize_t n = getline(&self->line, &self->line_cap, self->f);
    self->lineno = 1;
    if (n < 0) {
        TIX_SET_ERR(EINVAL, "%s:1: empty file, expected the header '%s'", path, TIX_CSV_HEADER);
        goto fail;
    }
    while (n > 0 && (self->line[n - 1] == '\n' || self->line[n - 1] == '\r'))
        self->line[--n] = '\0';
    if (strcmp(self->line, TIX_CSV_HEADER) != 0) {
        TIX_SET_ERR(EINVAL, "%s:1: header is '%.200s', expected '%s'", path, self->line,
                    TIX_CSV_HEADER);
        goto fail;
    }
    return self;
fail:
    tix_csv_destroy(&self);
    return NULL;
}

void tix_csv_destroy(tix_csv_t **self_p)
{
    assert(self_p);
    tix_csv_t *self = *self_p;
    if (!self)
        return;
    if (self->own && self->f)
        fclose(self->f);
    free(self->line);
    free(self->fields);
    free(self->path);
    free(self);
    *self_p = NULL;
}

/* Splits the line into NCOLS fields, undoing RFC 4180 quotes. -1 with tix_err() if malformed. */
static int s_split(tix_csv_t *self, size_t len)
{
    if (self->fields_cap < len + NCOLS + 1) {
        char *p = realloc(self->fields, len + NCOLS + 1);
        if (!p) {
            TIX_SET_ERR(ENOMEM, "%s:%ld: out of memory", self->path, self->rec_line);
            return -1;
        }
        self->fields = p;
        self->fields_cap = len + NCOLS + 1;
    }
    const char *s = self->line;
    char *out = self->fields;
    int ncol = 0;
    for (;;) {
        if (ncol == NCOLS) {
            TIX_SET_ERR(EINVAL, "%s:%ld: more than %d fields", self->path, self->rec_line, NCOLS);
            return -1;
        }
        self->col[ncol++] = out;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '\0') {
                    TIX_SET_ERR(EINVAL, "%s:%ld: unterminated quoted field %d", self->path,
                                self->rec_line, ncol);
                    return -1;
                }
                if (*s == '"' && s[1] == '"') {
                    *out++ = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *out++ = *s++;
                }
            }
            if (*s != ',' && *s != '\0') {
                TIX_SET_ERR(EINVAL, "%s:%ld: text after the closing quote of field %d",
                            self->path, self->rec_line, ncol);
                return -1;
            }
        } else {
            while (*s && *s != ',')
                *out++ = *s++;
        }
        *out++ = '\0';
        if (*s == '\0')
            break;
        s++; /* the comma */
    }
    if (ncol != NCOLS) {
        TIX_SET_ERR(EINVAL, "%s:%ld: %d fields, expected %d (%s)", self->path, self->rec_line, ncol,
                    NCOLS, TIX_CSV_HEADER);
        return -1;
    }
    return 0;
}

static int s_recv_ns(tix_csv_t *self, const char *t, int64_t *out)
{
    int64_t v = 0;
    const char *p = t;
    bool neg = *p == '-';
    if (neg)
        p++;
    if (!*p)
        goto bad;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - (*p - '0')) / 10)
            goto bad;
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return 0;
bad:
    TIX_SET_ERR(EINVAL, "%s:%ld: recv_ns '%.40s' is not an integer count of nanoseconds",
                self->path, self->rec_line, t);
    return -1;
}

/* Every field must be UTF-8, as JSON sources must be: a model id of stray bytes would be
 * archived and then printed as invalid JSON. */
static int s_check_text(tix_csv_t *self)
{
    static const char *const names[NCOLS] = {"recv_ns", "provider", "model", "unit", "currency",
                                             "input", "output", "cached_input", "volume_tokens"};
    for (int i = 0; i < NCOLS; i++) {
        long at = tix_utf8_invalid_at(self->col[i]);
        if (at >= 0) {
            TIX_SET_ERR(EINVAL, "%s:%ld: %s: invalid UTF-8 (byte 0x%02x at offset %ld of the "
                        "field)", self->path, self->rec_line, names[i],
                        (unsigned char)self->col[i][at], at);
            return -1;
        }
    }
    return 0;
}

/* True while the text has an odd number of '"': a quoted field goes on to the next line. */
static bool s_open_quote(const char *s, size_t n)
{
    size_t q = 0;
    for (size_t i = 0; i < n; i++)
        q += s[i] == '"';
    return q % 2 == 1;
}

/* Appends the next physical line (with the newline it ended) to the record. */
static int s_continue(tix_csv_t *self, ssize_t *n)
{
    char *more = NULL;
    size_t cap = 0;
    ssize_t m = getline(&more, &cap, self->f);
    if (m < 0) {
        free(more);
        return 0; /* EOF: s_split reports the unterminated field */
    }
    self->lineno++;
    while (m > 0 && (more[m - 1] == '\n' || more[m - 1] == '\r'))
        more[--m] = '\0';
    if ((size_t)(*n + m + 2) > self->line_cap) {
        char *l = realloc(self->line, (size_t)(*n + m + 2));
        if (!l) {
            free(more);
            TIX_SET_ERR(ENOMEM, "%s:%ld: out of memory", self->path, self->lineno);
            return -1;
        }
        self->line = l;
        self->line_cap = (size_t)(*n + m + 2);
    }
    self->line[(*n)++] = '\n';
    memcpy(self->line + *n, more, (size_t)m + 1);
    *n += m;
    free(more);
    return 1;
}

int tix_csv_next(tix_csv_t *self, tix_raw_quote_t *out)
{
    ssize_t n;
    do {
        n = getline(&self->line, &self->line_cap, self->f);
        if (n < 0) {
            if (ferror(self->f)) {
                TIX_SET_ERR(EIO, "%s:%ld: read error", self->path, self->lineno + 1);
                return -1;
            }
            return 0;
        }
        self->lineno++;
        while (n > 0 && (self->line[n - 1] == '\n' || self->line[n - 1] == '\r'))
            self->line[--n] = '\0';
    } while (n == 0); /* blank lines carry nothing */
    long first_line = self->lineno;
    int more = 1;
    while (more > 0 && s_open_quote(self->line, (size_t)n))
        more = s_continue(self, &n);
    if (more < 0)
        return -1;
    self->rec_line = first_line; /* messages name the line the record starts on */
    if (s_split(self, (size_t)n) != 0)
        return -1;
    if (s_check_text(self) != 0)
        return -1;
    memset(out, 0, sizeof *out);
    if (s_recv_ns(self, self->col[0], &out->recv_ns) != 0)
        return -1;
    if (out->recv_ns < TIX_CSV_RECV_MIN || out->recv_ns >= TIX_CSV_RECV_MAX) {
        TIX_SET_ERR(ERANGE, "%s:%ld: recv_ns %lld is not between 2000-01-01 and 2100-01-01 in "
                    "nanoseconds (seconds or milliseconds by mistake?)", self->path, self->rec_line,
                    (long long)out->recv_ns);
        return -1;
    }
    if (self->have_last && out->recv_ns < self->last_ns) {
        TIX_SET_ERR(EINVAL, "%s:%ld: recv_ns %lld is before the previous row's %lld (rows must "
                    "be in non-decreasing recv_ns)", self->path, self->rec_line,
                    (long long)out->recv_ns, (long long)self->last_ns);
        return -1;
    }
    self->have_last = true;
    self->last_ns = out->recv_ns;
    const char **dst[] = {&out->provider, &out->model, &out->unit, &out->currency,
                          &out->input, &out->output, &out->cached, &out->volume};
    for (int i = 1; i < NCOLS; i++)
        *dst[i - 1] = self->col[i][0] ? self->col[i] : NULL;
    return 1;
}

long tix_csv_line(const tix_csv_t *self) { return self->rec_line; }

void tix_csv_put_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
