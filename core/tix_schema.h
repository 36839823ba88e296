/* Declarative validation of a libconfig tree: key names, types, ranges, required keys. */
#ifndef TIX_SCHEMA_H
#define TIX_SCHEMA_H

#include "tix_diag.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    TIX_KEY_INT,     /* integer within [min, max] */
    TIX_KEY_STRING,  /* string; with `choices`, one of them */
    TIX_KEY_BOOL,
    TIX_KEY_GROUP,   /* { ... } checked against `sub` */
    TIX_KEY_LIST,    /* ( {...}, {...} ) each checked against `sub` */
    TIX_KEY_STRINGS, /* [ "a", "b" ] or ( "a", "b" ) */
    TIX_KEY_MAP,     /* { ANY = "decimal"; ... }: free names, string or integer values */
} tix_key_type_t;

typedef struct tix_key_s {
    const char *name;
    tix_key_type_t type;
    bool required;
    int64_t min, max;               /* TIX_KEY_INT; also string length for TIX_KEY_STRING */
    const char *const *choices;     /* TIX_KEY_STRING, NULL-terminated */
    const struct tix_key_s *sub;    /* GROUP/LIST, terminated by a NULL name */
} tix_key_t;

/* Where a setting is, "file:line", for messages. `fallback_file` names the main file. */
void tix_schema_where(const config_setting_t *s, const char *fallback_file, char *buf,
                      size_t len);

/* Validates group `grp` (named `path` in messages) against `keys`, appending every problem
 * to `diag` as "file:line: path.key: message". Returns the number of problems found. */
int tix_schema_check(const config_setting_t *grp, const char *path, const tix_key_t *keys,
                     const char *file, tix_diag_t *diag);

/* How messages name `file`: as given for the main file, joined to the main file's folder for
 * a relative @include'd one. */
void tix_schema_file_name(const char *file, const char *main_file, char *buf, size_t len);

/* Marks a setting the schema pass found wrong, so later checks neither read it nor report
 * it a second time. */
void tix_schema_flag(const config_setting_t *s);
bool tix_schema_flagged(const config_setting_t *s);

/* Appends "file:line: message" for setting `s` (NULL: the main file) to `diag`, counts it in
 * *errors and sets tix_err() on the first: the one way config problems are reported. */
void tix_schema_fail(tix_diag_t *diag, int *errors, const char *main_file,
                     const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void tix_schema_vfail(tix_diag_t *diag, int *errors, const char *main_file,
                      const config_setting_t *s, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/* The one way an integer setting is read: 64 bits, whether written plain (`3600000`) or with
 * libconfig's L suffix (`3600000L`, the only way to write values beyond 32 bits). False, and
 * *out untouched, if `s` is NULL or not an integer. */
bool tix_setting_int(const config_setting_t *s, int64_t *out);
/* Member `name` of `grp` (may be NULL) read by tix_setting_int, or `dflt` if absent, not an
 * integer or flagged by the schema pass (whose range check then reported it). */
int64_t tix_setting_member_int(const config_setting_t *grp, const char *name, int64_t dflt);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t tix_edit_distance(const char *a, const char *b);

#endif
