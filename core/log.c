/* Logging: one line per event, UTC timestamps, optional JSON lines for collectors. */
#include "tix_log.h"
#include "tix_time.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

static tix_log_level_t s_level = TIX_LOG_INFO;
static bool s_json;
static FILE *s_stream;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
#define X(id, name) name,
static const char *const s_names[] = {TIX_LOG_LEVEL_MAP(X)};
#undef X
static int64_t s_limit_ns = 10000 * 1000000LL;

void tix_log_set_level(tix_log_level_t level) { s_level = level; }
void tix_log_set_json(bool json) { s_json = json; }
void tix_log_set_stream(FILE *f) { s_stream = f; }

int tix_log_level_parse(const char *text, tix_log_level_t *out)
{
    for (size_t i = 0; i < sizeof s_names / sizeof s_names[0]; i++)
        if (strcasecmp(text, s_names[i]) == 0) {
            *out = (tix_log_level_t)i;
            return 0;
        }
    return -1;
}

/* Writes `s` as a JSON string body, escaping what JSON requires. */
static void s_json_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

/* Writes `s` for a text log: control bytes (but tab) and DEL as \n or \xHH.
 * Messages carry names and texts from the network (a refused quote's model, a provider's
 * error): raw, a newline in one would forge a log line and an escape would reach the
 * operator's terminal. */
static void s_text_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n')
            fputs("\\n", f);
        else if ((c < 0x20 && c != '\t') || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
}

/* Writes one line; `suffix` (may be "") follows the message. */
__attribute__((format(printf, 3, 0))) static void s_write(tix_log_level_t level,
                                                          const char *suffix, const char *fmt,
                                                          va_list ap)
{
    char msg[2048];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (suffix[0] && n >= 0 && (size_t)n < sizeof msg)
        snprintf(msg + n, sizeof msg - (size_t)n, "%s", suffix);
    char ts[40];
    tix_time_format_iso(tix_time_wall_ns(), ts, sizeof ts);
    FILE *f = s_stream ? s_stream : stderr;
    pthread_mutex_lock(&s_lock);
    if (s_json) {
        fprintf(f, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts, s_names[level]);
        s_json_escape(f, msg);
        fputs("\"}\n", f);
    } else {
        fprintf(f, "%s %-5s ", ts, s_names[level]);
        s_text_escape(f, msg);
        fputc('\n', f);
    }
    fflush(f);
    pthread_mutex_unlock(&s_lock);
}

void tix_log(tix_log_level_t level, const char *fmt, ...)
{
    if (level < s_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    s_write(level, "", fmt, ap);
    va_end(ap);
}

void tix_log_set_limit_ms(int64_t ms)
{
    pthread_mutex_lock(&s_lock);
    s_limit_ns = ms * 1000000LL;
    pthread_mutex_unlock(&s_lock);
}

void tix_log_limited(tix_log_limit_t *lim, tix_log_level_t level, const char *fmt, ...)
{
    if (level < s_level)
        return;
    int64_t now = tix_time_mono_ns();
    uint64_t more = 0;
    int64_t since_ns = 0;
    pthread_mutex_lock(&s_lock);
    bool quiet = lim->logged_ns != 0 && now - lim->logged_ns < s_limit_ns;
    if (quiet) {
        lim->suppressed++;
    } else {
        more = lim->suppressed;
        since_ns = lim->logged_ns ? now - lim->logged_ns : 0;
        lim->suppressed = 0;
        lim->logged_ns = now;
    }
    pthread_mutex_unlock(&s_lock);
    if (quiet)
        return;
    char suffix[96] = "";
    if (more)
        snprintf(suffix, sizeof suffix, " [%llu more like this in the last %lld s]",
                 (unsigned long long)more, (long long)(since_ns / 1000000000LL));
    va_list ap;
    va_start(ap, fmt);
    s_write(level, suffix, fmt, ap);
    va_end(ap);
}
