/* Exact fixed-point prices: int64 nano-USD per 1M tokens (METHODOLOGY-v1 §1), no floating point. */
#ifndef TIX_PRICE_H
#define TIX_PRICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t tix_price_t;

#define TIX_PRICE_SCALE INT64_C(1000000000) /* 1e9 units per USD */
#define TIX_PRICE_NULL INT64_MAX            /* "absent", as MDP 3.0's PRICE9 null */
/* Longest text tix_price_format() writes, with its NUL: "-9223372036.854775808". */
#define TIX_PRICE_TEXT_MAX 24

/* How many tokens a raw provider price is quoted per: X(enum suffix, tokens, name in config,
 * CSV and archives), as libuv's UV_ERRNO_MAP; the values are on the wire. */
#define TIX_UNIT_MAP(X)          \
    X(TOKEN, 1, "token")         \
    X(1K, 1000, "1k")            \
    X(1M, 1000000, "1m")
typedef enum {
#define X(id, tokens, name) TIX_UNIT_##id = tokens,
    TIX_UNIT_MAP(X)
#undef X
} tix_unit_t;

/* Why a decimal text was refused; each is distinct so collectors can count them. */
#define TIX_PRICE_STATUS_MAP(X)                                                   \
    X(OK, "ok")                                                                   \
    X(EMPTY, "empty")       /* "" */                                              \
    X(GARBAGE, "garbage")   /* not a decimal: "abc", " 1", "1.2.3", "1e" */       \
    X(NAN, "nan")           /* "NaN", "inf", "Infinity" (any case, any sign) */   \
    X(NEGATIVE, "negative") /* a value below zero ("-0" is zero, and accepted) */ \
    X(OVERFLOW, "overflow") /* does not fit int64 after scaling or conversion */
typedef enum {
#define X(id, name) TIX_PRICE_##id,
    TIX_PRICE_STATUS_MAP(X)
#undef X
} tix_price_status_t;

/* A short name for a status: "ok", "empty", "garbage", "nan", "negative", "overflow". */
const char *tix_price_status_name(tix_price_status_t st);

/* Parses a provider's raw decimal text `text` (plain or scientific notation, optional
 * leading '+'), quoted per `unit` tokens, into nano-USD-or-local-currency per 1M tokens:
 * round(raw × 10^15 / unit), half away from zero, exactly as written. */
tix_price_status_t tix_price_parse(const char *text, tix_unit_t unit, tix_price_t *out)
    __attribute__((warn_unused_result));

/* Same for a text of `len` bytes that need not be NUL-terminated. */
tix_price_status_t tix_price_parse_n(const char *text, size_t len, tix_unit_t unit,
                                     tix_price_t *out) __attribute__((warn_unused_result));

/* Parses a decimal with at most 9 significant fractional digits into units of 1e-9
 * (FX rates, discount fractions). TIX_PRICE_GARBAGE also when more digits would be lost. */
tix_price_status_t tix_decimal9_parse(const char *text, int64_t *out)
    __attribute__((warn_unused_result));

/* round(local × rate_e9 / 1e9), half away from zero; TIX_PRICE_OVERFLOW if it does not fit. */
tix_price_status_t tix_price_convert(tix_price_t local, int64_t rate_e9, tix_price_t *out)
    __attribute__((warn_unused_result));

/* round(a / b) half away from zero, b > 0, exact for any int64 a. */
int64_t tix_round_div(__int128 a, int64_t b);

/* Writes `p` with exactly 9 fractional digits ("2.500000000"); returns `buf`.
 * TIX_PRICE_NULL is written as "" (absent). `len` should be >= TIX_PRICE_TEXT_MAX. */
char *tix_price_format(tix_price_t p, char *buf, size_t len);

/* Writes v × 10^-dec (0 <= dec <= 18) as the shortest exact decimal text ("2.25", "3"):
 * how a scaled value goes back to a provider-style decimal. Returns `buf`. */
char *tix_decimal_format(int64_t v, int dec, char *buf, size_t len);

/* Parses "token", "1k" or "1m" (case-sensitive); -1 if none. */
int tix_unit_parse(const char *text, tix_unit_t *out) __attribute__((warn_unused_result));
const char *tix_unit_name(tix_unit_t unit);

#endif
