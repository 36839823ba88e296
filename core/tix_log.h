/* Logging to stderr: levels, UTC timestamps, text or JSON lines. */
#ifndef TIX_LOG_H
#define TIX_LOG_H

#include <stdbool.h>
#include <stdio.h>

typedef enum { TIX_LOG_DEBUG = 0, TIX_LOG_INFO, TIX_LOG_WARN, TIX_LOG_ERROR } tix_log_level_t;

void tix_log_set_level(tix_log_level_t level);
void tix_log_set_json(bool json);
/* Redirects output (default stderr); the caller keeps ownership of `f`. */
void tix_log_set_stream(FILE *f);
/* Parses "debug"/"info"/"warn"/"error"; -1 if unknown. */
int tix_log_level_parse(const char *text, tix_log_level_t *out);

void tix_log(tix_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define tix_debug(...) tix_log(TIX_LOG_DEBUG, __VA_ARGS__)
#define tix_info(...) tix_log(TIX_LOG_INFO, __VA_ARGS__)
#define tix_warn(...) tix_log(TIX_LOG_WARN, __VA_ARGS__)
#define tix_error(...) tix_log(TIX_LOG_ERROR, __VA_ARGS__)

#endif
