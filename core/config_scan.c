/* Pre-scan of a configuration and its @includes: what libconfig 1.5 would exit on or misread. */
#include "tix_config_scan.h"
#include "tix_err.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libconfig's own MAX_INCLUDE_DEPTH: deeper, it says "include file nesting too deep". */
#define S_DEPTH_MAX 10
#define S_FILE_MAX (16 << 20) /* a configuration is text typed by people */

typedef struct {
    dev_t dev;
    ino_t ino;
} s_id_t;

typedef struct {
    const char *include_dir;
    tix_diag_t *diag;
    int errors;
    s_id_t stack[S_DEPTH_MAX + 1];
    int depth;
} s_scan_t;

/* One file being scanned: its name in messages, its text and the line reached. */
typedef struct {
    const char *name;
    const char *p, *end;
    long line;
} s_text_t;

static void s_fail(s_scan_t *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_fail(s_scan_t *sc, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tix_diag_add(sc->diag, "%s", msg);
    if (sc->errors++ == 0)
        TIX_SET_ERR(EINVAL, "%s", msg);
}

static int s_scan_file(s_scan_t *sc, const char *path, const char *from);

/* Reads a regular file whole; NULL with the reason in `why`. */
static char *s_slurp(const char *path, size_t *len, char *why, size_t cap)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    if (!f) {
        snprintf(why, cap, "cannot open: %s", strerror(errno));
        return NULL;
    }
    buf = malloc(S_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, S_FILE_MAX + 1, f) : 0;
    if (!buf)
        snprintf(why, cap, "out of memory");
    else if (ferror(f))
        snprintf(why, cap, "cannot read: %s", strerror(errno));
    else if (n > S_FILE_MAX)
        snprintf(why, cap, "larger than %d bytes", S_FILE_MAX);
    bool bad = !buf || ferror(f) || n > S_FILE_MAX;
    if (fclose(f) != 0 || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* "@include "name"" at t->p (the line's first non-blank): checks and scans the named file. */
static void s_include(s_scan_t *sc, s_text_t *t)
{
    const char *q = t->p + strlen("@include");
    if (q >= t->end || (*q != ' ' && *q != '\t'))
        return; /* "@includex": not an include (libconfig wants a blank after the word) */
    while (q < t->end && (*q == ' ' || *q == '\t'))
        q++;
    if (q >= t->end || *q != '"')
        return; /* not an include libconfig would act on: its parser reports it */
    const char *name = ++q;
    while (q < t->end && *q != '"' && *q != '\n')
        q++;
    t->p = q < t->end && *q == '"' ? q + 1 : q;
    char from[4200], path[4200];
    snprintf(from, sizeof from, "%s:%ld: @include \"%.*s\"", t->name, t->line, (int)(q - name), name);
    if (q == name) {
        s_fail(sc, "%s: an empty file name (it would name the folder %s)", from,
               sc->include_dir ? sc->include_dir : ".");
        return;
    }
    /* Where libconfig 1.5 opens it: relative names are relative to the main file's folder. */
    if (*name != '/' && sc->include_dir)
        snprintf(path, sizeof path, "%s/%.*s", sc->include_dir, (int)(q - name), name);
    else
        snprintf(path, sizeof path, "%.*s", (int)(q - name), name);
    (void)s_scan_file(sc, path, from);
}

/* An integer literal at t->p: libconfig 1.5 wraps a plain one beyond 32 bits without a word. */
static void s_number(s_scan_t *sc, s_text_t *t)
{
    const char *s = t->p, *q = s;
    if (*q == '-' || *q == '+')
        q++;
    bool hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');
    const char *digits = hex ? q + 2 : q;
    q = digits;
    while (q < t->end && (hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q)))
        q++;
    if (!hex && q < t->end && (*q == '.' || *q == 'e' || *q == 'E')) {
        while (q < t->end && (isalnum((unsigned char)*q) || *q == '.' || *q == '+' || *q == '-'))
            q++;
        t->p = q; /* a float: not ours to judge */
        return;
    }
    bool l = q < t->end && *q == 'L';
    const char *after = q + (l ? (q + 1 < t->end && q[1] == 'L' ? 2 : 1) : 0);
    char text[64];
    snprintf(text, sizeof text, "%.*s", (int)(q - s) < 63 ? (int)(q - s) : 63, s);
    errno = 0;
    intmax_t v = hex ? (intmax_t)strtoumax(digits, NULL, 16) : strtoimax(s, NULL, 10);
    bool over64 = errno == ERANGE || (hex && strtoumax(digits, NULL, 16) > INT64_MAX);
    if (over64)
        s_fail(sc, "%s:%ld: %s does not fit a 64-bit integer", t->name, t->line, text);
    else if (!l && (v < INT32_MIN || v > INT32_MAX)) /* 0xffffffff too: it reads as -1 */
        s_fail(sc, "%s:%ld: %s does not fit 32 bits, and libconfig would silently wrap it: "
               "write %sL", t->name, t->line, text, text);
    t->p = after;
}

/* Steps over a string, a comment or a name, counting lines; false if none starts at t->p. */
static bool s_skip(s_text_t *t)
{
    const char *p = t->p;
    if (*p == '"') {
        for (p++; p < t->end && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < t->end)
                p++;
            t->line += *p == '\n';
        }
        t->p = p < t->end ? p + 1 : p;
    } else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
        while (p < t->end && *p != '\n')
            p++;
        t->p = p;
    } else if (p[0] == '/' && p[1] == '*') {
        for (p += 2; p < t->end && !(p[0] == '*' && p[1] == '/'); p++)
            t->line += *p == '\n';
        t->p = p < t->end ? p + 2 : p;
    } else if (isalpha((unsigned char)*p) || *p == '*') {
        while (p < t->end && (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '*'))
            p++;
        t->p = p;
    } else {
        return false;
    }
    return true;
}

static void s_scan_text(s_scan_t *sc, s_text_t *t)
{
    bool line_start = true;
    while (t->p < t->end) {
        char c = *t->p;
        if (c == '\n') {
            t->line++;
            t->p++;
            line_start = true;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            t->p++;
            continue;
        }
        if (line_start && strncmp(t->p, "@include", 8) == 0)
            s_include(sc, t);
        else if (isdigit((unsigned char)c) ||
                 ((c == '-' || c == '+') && isdigit((unsigned char)t->p[1])))
            s_number(sc, t);
        else if (!s_skip(t))
            t->p++;
        line_start = false;
    }
}

/* Checks that `path` is a readable regular file, not already being read (a loop), then scans
 * it. `from` is "file:line: @include "x"" for an include, NULL for the main file. */
static int s_scan_file(s_scan_t *sc, const char *path, const char *from)
{
    char why[512] = "";
    const char *prefix = from ? from : path;
    struct stat st;
    if (stat(path, &st) != 0) {
        s_fail(sc, "%s: %s%s%s", prefix, from ? path : "cannot open", from ? ": " : ": ", strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        s_fail(sc, "%s: %s%s%s, not a configuration file", prefix, from ? path : "",
               from ? " is " : "is ", S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
        return -1;
    }
    for (int i = 0; i < sc->depth; i++)
        if (sc->stack[i].dev == st.st_dev && sc->stack[i].ino == st.st_ino) {
            s_fail(sc, "%s: include loop: %s is already being read", prefix, path);
            return -1;
        }
    if (sc->depth >= S_DEPTH_MAX) {
        s_fail(sc, "%s: @include nested more than %d deep", prefix, S_DEPTH_MAX);
        return -1;
    }
    size_t len = 0;
    char *buf = s_slurp(path, &len, why, sizeof why);
    if (!buf) {
        s_fail(sc, "%s: %s%s%s", prefix, from ? path : "", from ? ": " : "", why);
        return -1;
    }
    sc->stack[sc->depth++] = (s_id_t){st.st_dev, st.st_ino};
    s_text_t t = {path, buf, buf + len, 1};
    s_scan_text(sc, &t);
    sc->depth--;
    free(buf);
    return 0;
}

int tix_config_prescan(const char *path, const char *include_dir, tix_diag_t *diag)
{
    s_scan_t sc = {include_dir, diag, 0, {{0, 0}}, 0};
    (void)s_scan_file(&sc, path, NULL);
    return sc.errors;
}
