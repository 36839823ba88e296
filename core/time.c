/* Clocks and exact UTC formatting without time zones or locale. */
#include "tix_time.h"
#include "tix_err.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t tix_time_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * TIX_NS_PER_S + ts.tv_nsec;
}

int64_t tix_time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * TIX_NS_PER_S + ts.tv_nsec;
}

int64_t tix_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Howard Hinnant's civil-from-days algorithm, public domain arithmetic. */
int64_t tix_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void s_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

char *tix_time_format_iso(int64_t ns, char *buf, size_t len)
{
    int64_t days = tix_floor_div(ns, TIX_MS_PER_DAY * TIX_NS_PER_MS);
    int64_t rem = ns - days * TIX_MS_PER_DAY * TIX_NS_PER_MS;
    int64_t y;
    unsigned m, d;
    s_civil_from_days(days, &y, &m, &d);
    int64_t secs = rem / TIX_NS_PER_S;
    snprintf(buf, len, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%09lldZ", (long long)y, m, d,
             (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60),
             (long long)(rem % TIX_NS_PER_S));
    return buf;
}

char *tix_time_format_date(int64_t ns, char *buf, size_t len)
{
    int64_t y;
    unsigned m, d;
    s_civil_from_days(tix_floor_div(ns, TIX_MS_PER_DAY * TIX_NS_PER_MS), &y, &m, &d);
    snprintf(buf, len, "%04lld-%02u-%02u", (long long)y, m, d);
    return buf;
}

/* Reads exactly `n` digits into *out; -1 if any is not a digit. */
static int s_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static const unsigned s_mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

int tix_time_parse_iso(const char *text, int64_t *ns_out)
{
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, s = 0;
    int64_t frac = 0;
    if (s_digits(&p, 4, &y) || *p++ != '-' || s_digits(&p, 2, &mo) || *p++ != '-' ||
        s_digits(&p, 2, &d))
        goto bad;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (s_digits(&p, 2, &h) || *p++ != ':' || s_digits(&p, 2, &mi))
            goto bad;
        if (*p == ':') {
            p++;
            if (s_digits(&p, 2, &s))
                goto bad;
            if (*p == '.') {
                p++;
                int n = 0;
                while (isdigit((unsigned char)*p)) {
                    if (n < 9) {
                        frac = frac * 10 + (*p - '0');
                        n++;
                    }
                    p++;
                }
                if (n == 0)
                    goto bad;
                for (; n < 9; n++)
                    frac *= 10;
            }
        }
    }
    if (*p == 'Z')
        p++;
    /* int64 nanoseconds reach from 1677-09-21 to 2262-04-11: keep to whole years inside. */
    if (*p == '\0' && (y < 1678 || y > 2261)) {
        TIX_SET_ERR(ERANGE, "'%s': year %d is outside 1678..2261 (nanoseconds since 1970 in 64 bits)",
                    text, y);
        return -1;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || (unsigned)d > s_mdays[mo - 1] || h > 23 ||
        mi > 59 || s > 59)
        goto bad;
    int64_t days = tix_days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t cy;
    unsigned cm, cd;
    s_civil_from_days(days, &cy, &cm, &cd);
    if (cy != y || cm != (unsigned)mo || cd != (unsigned)d)
        goto bad; /* 29 February outside a leap year */
    *ns_out = ((days * 86400 + h * 3600 + mi * 60 + s) * TIX_NS_PER_S) + frac;
    return 0;
bad:
    TIX_SET_ERR(EINVAL, "'%s' is not an ISO-8601 UTC time (want YYYY-MM-DD[THH:MM[:SS[.fff]]][Z])",
                text);
    return -1;
}
