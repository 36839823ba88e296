/* Logging to stderr: levels, UTC timestamps, text or JSON lines. */
#ifndef TIX_LOG_H
#define TIX_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* X(enum suffix, name in config and log lines). */
#define TIX_LOG_LEVEL_MAP(X) X(DEBUG, "debug") X(INFO, "info") X(WARN, "warn") X(ERROR, "error")
typedef enum {
#define X(id, name) TIX_LOG_##id,
    TIX_LOG_LEVEL_MAP(X)
#undef X
} tix_log_level_t;

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

/* A call site whose line an outsider can repeat at will (a refused handshake, a bad
 * message): the first occurrence is logged, later ones within the window are only counted,
 * and the next one logged after the window carries the count ("... [N more like this in
 * the last 10 s]"), so a flood costs a line per window, not a line per attempt. */
typedef struct {
    int64_t logged_ns; /* monotonic time of the last line written; 0: never */
    uint64_t suppressed;
} tix_log_limit_t;

/* The window for every limited call site (default 10000 ms; tests shorten it). */
void tix_log_set_limit_ms(int64_t ms);
void tix_log_limited(tix_log_limit_t *lim, tix_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* One limiter per call site. */
#define TIX_LOG_LIMITED(level, ...)                                                              \
    do {                                                                                         \
        static tix_log_limit_t tix_lim_;                                                         \
        tix_log_limited(&tix_lim_, (level), __VA_ARGS__);                                        \
    } while (0)
#define tix_warn_limited(...) TIX_LOG_LIMITED(TIX_LOG_WARN, __VA_ARGS__)
#define tix_error_limited(...) TIX_LOG_LIMITED(TIX_LOG_ERROR, __VA_ARGS__)

#endif
