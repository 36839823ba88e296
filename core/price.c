/* Exact decimal-text parsing into scaled int64 prices, conversion and formatting. */
#include "tix/price.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Syntax of one decimal text, located but not yet scaled. */
typedef struct {
    bool neg;
    const char *ip; /* integer digits */
    size_t ni;
    const char *fp; /* fraction digits */
    size_t nf;
    int64_t exp;  /* clamped to ±EXP_CLAMP: beyond it every value over- or underflows */
    bool nonzero; /* any non-zero mantissa digit */
} s_dec_t;

#define EXP_CLAMP INT64_C(100000000)

static bool s_isdigit(char c) { return c >= '0' && c <= '9'; }

static bool s_is_nan_word(const char *p, size_t n)
{
    static const char *words[] = {"nan", "inf", "infinity"};
    for (size_t i = 0; i < 3; i++)
        if (strlen(words[i]) == n && strncasecmp(p, words[i], n) == 0)
            return true;
    return false;
}

/* Splits `text` into sign, digits and exponent; reports syntax errors only. */
static tix_price_status_t s_lex(const char *text, size_t len, s_dec_t *d)
{
    memset(d, 0, sizeof *d);
    if (len == 0)
        return TIX_PRICE_EMPTY;
    const char *p = text, *end = text + len;
    if (*p == '+' || *p == '-') {
        d->neg = *p == '-';
        p++;
    }
    if (p < end && !s_isdigit(*p) && *p != '.')
        return s_is_nan_word(p, (size_t)(end - p)) ? TIX_PRICE_NAN : TIX_PRICE_GARBAGE;
    d->ip = p;
    while (p < end && s_isdigit(*p))
        p++;
    d->ni = (size_t)(p - d->ip);
    if (p < end && *p == '.') {
        p++;
        d->fp = p;
        while (p < end && s_isdigit(*p))
            p++;
        d->nf = (size_t)(p - d->fp);
    }
    if (d->ni + d->nf == 0)
        return TIX_PRICE_GARBAGE;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p == end || !s_isdigit(*p))
            return TIX_PRICE_GARBAGE;
        while (p < end && s_isdigit(*p)) {
            if (d->exp < EXP_CLAMP)
                d->exp = d->exp * 10 + (*p - '0');
            p++;
        }
        if (eneg)
            d->exp = -d->exp;
    }
    if (p != end)
        return TIX_PRICE_GARBAGE;
    for (size_t i = 0; i < d->ni; i++)
        d->nonzero |= d->ip[i] != '0';
    for (size_t i = 0; i < d->nf; i++)
        d->nonzero |= d->fp[i] != '0';
    return TIX_PRICE_OK;
}

/* Mantissa digit i of int++frac, 0 past the end. */
static int s_digit(const s_dec_t *d, int64_t i)
{
    if (i < 0)
        return 0;
    if ((size_t)i < d->ni)
        return d->ip[i] - '0';
    if ((size_t)i < d->ni + d->nf)
        return d->fp[i - (int64_t)d->ni] - '0';
    return 0;
}

/* value × 10^shift rounded half away from zero (sign ignored). With `exact`, refuses
 * (GARBAGE) a value that would need rounding. */
static tix_price_status_t s_scale(const s_dec_t *d, int64_t shift, bool exact, int64_t *out)
{
    if (!d->nonzero) {
        *out = 0;
        return TIX_PRICE_OK;
    }
    int64_t ndig = (int64_t)(d->ni + d->nf);
    int64_t point = (int64_t)d->ni + d->exp + shift; /* digits before the scaled point */
    int64_t v = 0;
    /* Skip leading zeros first so a huge `point` with a zero prefix stays cheap. */
    int64_t i = 0;
    while (i < point && i < ndig && s_digit(d, i) == 0)
        i++;
    for (; i < point; i++) {
        int dig = s_digit(d, i);
        if (v > (INT64_MAX - dig) / 10)
            return TIX_PRICE_OVERFLOW;
        v = v * 10 + dig;
    }
    int64_t first = point > 0 ? point : 0;
    if (exact) {
        for (int64_t j = first; j < ndig; j++)
            if (s_digit(d, j) != 0)
                return TIX_PRICE_GARBAGE;
    } else if (point >= 0 && s_digit(d, point) >= 5) {
        if (v == INT64_MAX)
            return TIX_PRICE_OVERFLOW;
        v++;
    }
    *out = v;
    return TIX_PRICE_OK;
}

const char *tix_price_status_name(tix_price_status_t st)
{
    switch (st) {
#define X(id, name) \
    case TIX_PRICE_##id: return name;
        TIX_PRICE_STATUS_MAP(X)
#undef X
    }
    return "unknown";
}

static int s_unit_digits(tix_unit_t unit)
{
    switch (unit) {
    case TIX_UNIT_TOKEN: return 0;
    case TIX_UNIT_1K: return 3;
    case TIX_UNIT_1M: return 6;
    }
    return -1;
}

tix_price_status_t tix_price_parse_n(const char *text, size_t len, tix_unit_t unit,
                                     tix_price_t *out)
{
    s_dec_t d;
    tix_price_status_t st = s_lex(text, len, &d);
    if (st != TIX_PRICE_OK)
        return st;
    if (d.neg && d.nonzero)
        return TIX_PRICE_NEGATIVE;
    int ud = s_unit_digits(unit);
    if (ud < 0)
        return TIX_PRICE_GARBAGE;
    /* raw × 10^6 / unit × 10^9: a pure power-of-ten shift, since unit is 10^ud. */
    st = s_scale(&d, 15 - ud, false, out);
    if (st == TIX_PRICE_OK && *out == TIX_PRICE_NULL)
        return TIX_PRICE_OVERFLOW; /* INT64_MAX is the "absent" marker, never a price */
    return st;
}

tix_price_status_t tix_price_parse(const char *text, tix_unit_t unit, tix_price_t *out)
{
    return tix_price_parse_n(text, strlen(text), unit, out);
}

tix_price_status_t tix_decimal9_parse(const char *text, int64_t *out)
{
    s_dec_t d;
    tix_price_status_t st = s_lex(text, strlen(text), &d);
    if (st != TIX_PRICE_OK)
        return st;
    if (d.neg && d.nonzero)
        return TIX_PRICE_NEGATIVE;
    return s_scale(&d, 9, true, out);
}

static __int128 s_round_div128(__int128 a, int64_t b)
{
    if (a >= 0)
        return (a + b / 2) / b;
    return -((-a + b / 2) / b);
}

int64_t tix_round_div(__int128 a, int64_t b) { return (int64_t)s_round_div128(a, b); }

tix_price_status_t tix_price_convert(tix_price_t local, int64_t rate_e9, tix_price_t *out)
{
    __int128 r = s_round_div128((__int128)local * rate_e9, TIX_PRICE_SCALE);
    if (r > INT64_MAX || r < -INT64_MAX)
        return TIX_PRICE_OVERFLOW;
    *out = (tix_price_t)r;
    return TIX_PRICE_OK;
}

char *tix_price_format(tix_price_t p, char *buf, size_t len)
{
    if (p == TIX_PRICE_NULL) {
        if (len)
            buf[0] = '\0';
        return buf;
    }
    /* Work on the magnitude as unsigned so INT64_MIN formats too. */
    uint64_t mag = p < 0 ? (uint64_t)0 - (uint64_t)p : (uint64_t)p;
    snprintf(buf, len, "%s%llu.%09llu", p < 0 ? "-" : "",
             (unsigned long long)(mag / (uint64_t)TIX_PRICE_SCALE),
             (unsigned long long)(mag % (uint64_t)TIX_PRICE_SCALE));
    return buf;
}

char *tix_decimal_format(int64_t v, int dec, char *buf, size_t len)
{
    uint64_t pow = 1;
    for (int i = 0; i < dec; i++)
        pow *= 10;
    /* The magnitude as unsigned, so negative values format too (INT64_MIN included). */
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(buf, len, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(mag / pow),
                     dec, (unsigned long long)(mag % pow));
    if (n < 0 || (size_t)n >= len)
        return buf; /* truncated: the caller's buffer was too small */
    while (n > 0 && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '.')
        buf[--n] = '\0';
    return buf;
}

int tix_unit_parse(const char *text, tix_unit_t *out)
{
#define X(id, tokens, name)          \
    if (strcmp(text, name) == 0) {   \
        *out = TIX_UNIT_##id;        \
        return 0;                    \
    }
    TIX_UNIT_MAP(X)
#undef X
    return -1;
}

const char *tix_unit_name(tix_unit_t unit)
{
    switch (unit) {
#define X(id, tokens, name) \
    case TIX_UNIT_##id: return name;
        TIX_UNIT_MAP(X)
#undef X
    }
    return "?";
}
