/* Schema-driven config validation: every message names file:line and the key path. */
#include "tix_schema.h"
#include "tix_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tix_schema_where(const config_setting_t *s, const char *fallback_file, char *buf, size_t len)
{
    const char *file = s ? config_setting_source_file(s) : NULL;
    unsigned line = s ? (unsigned)config_setting_source_line(s) : 0;
    char joined[4096];
    if (!file)
        file = fallback_file;
    tix_schema_file_name(file, fallback_file, joined, sizeof joined);
    if (line == 0) /* the root group has no line of its own */
        snprintf(buf, len, "%s", joined);
    else
        snprintf(buf, len, "%s:%u", joined, line);
}

void tix_schema_file_name(const char *file, const char *main_file, char *buf, size_t len)
{
    /* libconfig names an @include'd file as written; it was opened relative to the main
     * file's folder, so say that folder too or the name points nowhere from the cwd. */
    const char *slash = strrchr(main_file, '/');
    if (strcmp(file, main_file) == 0 || file[0] == '/' || !slash)
        snprintf(buf, len, "%s", file);
    else
        snprintf(buf, len, "%.*s/%s", (int)(slash - main_file), main_file, file);
}

void tix_schema_flag(const config_setting_t *s)
{
    /* The hook is libconfig's per-setting user pointer; we own every setting's hook. */
    if (s)
        config_setting_set_hook((config_setting_t *)s, (void *)&tix_schema_flag);
}

bool tix_schema_flagged(const config_setting_t *s)
{
    return s && config_setting_get_hook(s) == (void *)&tix_schema_flag;
}

void tix_schema_vfail(tix_diag_t *diag, int *errors, const char *main_file,
                      const config_setting_t *s, const char *fmt, va_list ap)
{
    char where[512], msg[768];
    tix_schema_where(s, main_file, where, sizeof where);
    vsnprintf(msg, sizeof msg, fmt, ap);
    tix_diag_add(diag, "%s: %s", where, msg);
    if ((*errors)++ == 0)
        TIX_SET_ERR(EINVAL, "%s: %s", where, msg);
}

void tix_schema_fail(tix_diag_t *diag, int *errors, const char *main_file,
                     const config_setting_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tix_schema_vfail(diag, errors, main_file, s, fmt, ap);
    va_end(ap);
}

bool tix_setting_int(const config_setting_t *s, int64_t *out)
{
    int t = s ? config_setting_type(s) : CONFIG_TYPE_NONE;
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return false;
    /* config_setting_get_int would answer 0 for an L-suffixed value: always read 64 bits. */
    *out = (int64_t)config_setting_get_int64(s);
    return true;
}

int64_t tix_setting_member_int(const config_setting_t *grp, const char *name, int64_t dflt)
{
    const config_setting_t *s = grp ? config_setting_get_member(grp, name) : NULL;
    int64_t v = dflt;
    if (s && !tix_schema_flagged(s))
        (void)tix_setting_int(s, &v);
    return v;
}

size_t tix_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return la > lb ? la : lb;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static const tix_key_t *s_find(const tix_key_t *keys, const char *name)
{
    for (const tix_key_t *k = keys; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

/* The closest key name within a small edit distance, or NULL. */
static const char *s_suggest(const tix_key_t *keys, const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    size_t n = strlen(name);
    /* A suggestion must keep most of the name: at most a third of it edited, and never all. */
    size_t limit = n / 3 > 0 ? n / 3 : 1;
    for (const tix_key_t *k = keys; k->name; k++) {
        size_t d = tix_edit_distance(name, k->name);
        if (n >= 3 && strncmp(k->name, name, n) == 0)
            d = 1; /* a truncated key name ("cap" for "cap_bp") */
        if (d < best_d) {
            best_d = d;
            best = k->name;
        }
    }
    return best_d <= limit && best_d < n ? best : NULL;
}

static const char *s_type_word(tix_key_type_t t)
{
    switch (t) {
    case TIX_KEY_INT: return "an integer";
    case TIX_KEY_STRING: return "a string";
    case TIX_KEY_BOOL: return "true or false";
    case TIX_KEY_GROUP: return "a group { ... }";
    case TIX_KEY_LIST: return "a list of groups ( { ... }, ... )";
    case TIX_KEY_STRINGS: return "a list of strings [ \"...\", ... ]";
    case TIX_KEY_MAP: return "a group of NAME = \"decimal\" entries";
    }
    return "?";
}

static int s_check_value(const config_setting_t *s, const char *path, const tix_key_t *k,
                         const char *file, tix_diag_t *diag);

static int s_check_choices(const config_setting_t *s, const char *path, const tix_key_t *k,
                           const char *where, tix_diag_t *diag)
{
    const char *v = config_setting_get_string(s);
    size_t n = strlen(v);
    if ((k->max > 0 && (int64_t)n > k->max) || (int64_t)n < k->min) {
        tix_diag_add(diag, "%s: %s: length %zu is out of range [%lld, %lld]", where, path, n,
                     (long long)k->min, (long long)k->max);
        tix_schema_flag(s);
        return 1;
    }
    if (!k->choices)
        return 0;
    for (const char *const *c = k->choices; *c; c++)
        if (strcmp(*c, v) == 0)
            return 0;
    char opts[256] = "";
    for (const char *const *c = k->choices; *c; c++) {
        strncat(opts, c == k->choices ? "\"" : ", \"", sizeof opts - strlen(opts) - 1);
        strncat(opts, *c, sizeof opts - strlen(opts) - 1);
        strncat(opts, "\"", sizeof opts - strlen(opts) - 1);
    }
    tix_diag_add(diag, "%s: %s: \"%s\" is not one of %s", where, path, v, opts);
    tix_schema_flag(s);
    return 1;
}

static int s_check_value(const config_setting_t *s, const char *path, const tix_key_t *k,
                         const char *file, tix_diag_t *diag)
{
    char where[512];
    tix_schema_where(s, file, where, sizeof where);
    int t = config_setting_type(s);
    int bad = 0;
    switch (k->type) {
    case TIX_KEY_INT:
        {
            int64_t v;
            if (!tix_setting_int(s, &v)) {
                bad = 1;
                break;
            }
            if (v < k->min || v > k->max) {
                tix_diag_add(diag, "%s: %s: %lld is out of range [%lld, %lld]", where, path,
                             (long long)v, (long long)k->min, (long long)k->max);
                tix_schema_flag(s);
                return 1;
            }
        }
        return 0;
    case TIX_KEY_STRING:
        if (t != CONFIG_TYPE_STRING) {
            bad = 1;
            break;
        }
        return s_check_choices(s, path, k, where, diag);
    case TIX_KEY_BOOL:
        bad = t != CONFIG_TYPE_BOOL;
        break;
    case TIX_KEY_GROUP:
        if (t != CONFIG_TYPE_GROUP) {
            bad = 1;
            break;
        }
        return tix_schema_check(s, path, k->sub, file, diag);
    case TIX_KEY_LIST: {
        if (t != CONFIG_TYPE_LIST) {
            bad = 1;
            break;
        }
        int n = 0;
        for (int i = 0; i < config_setting_length(s); i++) {
            config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
            char sub[512];
            if (snprintf(sub, sizeof sub, "%s[%d]", path, i) < 0)
                sub[0] = '\0'; /* a path too deep to print only shortens the message */
            if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
                char ew[512];
                tix_schema_where(e, file, ew, sizeof ew);
                tix_diag_add(diag, "%s: %s: must be a group { ... }", ew, sub);
                tix_schema_flag(e);
                n++;
                continue;
            }
            n += tix_schema_check(e, sub, k->sub, file, diag);
        }
        return n;
    }
    case TIX_KEY_STRINGS:
        if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
            bad = 1;
            break;
        }
        for (int i = 0; i < config_setting_length(s); i++)
            if (config_setting_type(config_setting_get_elem(s, (unsigned)i)) !=
                CONFIG_TYPE_STRING) {
                bad = 1;
                break;
            }
        break;
    case TIX_KEY_MAP:
        if (t != CONFIG_TYPE_GROUP) {
            bad = 1;
            break;
        }
        {
            int n = 0;
            for (int i = 0; i < config_setting_length(s); i++) {
                config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
                int et = config_setting_type(e);
                if (et != CONFIG_TYPE_STRING && et != CONFIG_TYPE_INT && et != CONFIG_TYPE_INT64) {
                    char ew[512];
                    tix_schema_where(e, file, ew, sizeof ew);
                    tix_diag_add(diag, "%s: %s.%s: must be a decimal string such as \"0.1380\"%s",
                                 ew, path, config_setting_name(e),
                                 et == CONFIG_TYPE_FLOAT ? " (floating-point values are not exact)"
                                                         : "");
                    tix_schema_flag(e);
                    n++;
                }
            }
            return n;
        }
    }
    if (bad) {
        tix_diag_add(diag, "%s: %s: must be %s", where, path, s_type_word(k->type));
        tix_schema_flag(s);
        return 1;
    }
    return 0;
}

int tix_schema_check(const config_setting_t *grp, const char *path, const tix_key_t *keys,
                     const char *file, tix_diag_t *diag)
{
    int n = 0;
    for (int i = 0; i < config_setting_length(grp); i++) {
        config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
        const char *name = config_setting_name(s);
        char sub[512];
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", name);
        const tix_key_t *k = s_find(keys, name);
        if (!k) {
            char where[512];
            tix_schema_where(s, file, where, sizeof where);
            const char *sug = s_suggest(keys, name);
            if (sug)
                tix_diag_add(diag, "%s: %s: unknown key '%s' (did you mean '%s'?)", where, sub,
                             name, sug);
            else
                tix_diag_add(diag, "%s: %s: unknown key '%s'", where, sub, name);
            n++;
            continue;
        }
        n += s_check_value(s, sub, k, file, diag);
    }
    for (const tix_key_t *k = keys; k->name; k++) {
        if (k->required && !config_setting_get_member(grp, k->name)) {
            char where[512];
            tix_schema_where(grp, file, where, sizeof where);
            tix_diag_add(diag, "%s: %s%smissing required key '%s'", where, path,
                         *path ? ": " : "", k->name);
            n++;
        }
    }
    return n;
}
