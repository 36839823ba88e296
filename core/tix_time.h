/* Clocks and UTC time formatting/parsing; the engine never calls these (it gets CLOCK events). */
#ifndef TIX_TIME_H
#define TIX_TIME_H

#include <stddef.h>
#include <stdint.h>

#define TIX_NS_PER_MS INT64_C(1000000)
#define TIX_NS_PER_S INT64_C(1000000000)
#define TIX_MS_PER_DAY INT64_C(86400000)

int64_t tix_time_wall_ns(void);
int64_t tix_time_mono_ns(void);
/* "2026-11-24T12:00:00.123456789Z"; returns `buf`. */
char *tix_time_format_iso(int64_t ns, char *buf, size_t len);
/* "2026-11-24" for the UTC day holding `ns`; returns `buf`. */
char *tix_time_format_date(int64_t ns, char *buf, size_t len);
/* Parses ISO-8601 UTC: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff…]]" with optional "Z". */
int tix_time_parse_iso(const char *text, int64_t *ns_out) __attribute__((warn_unused_result));
/* Days since 1970-01-01 for a proleptic Gregorian date. */
int64_t tix_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Floor division and modulo for possibly negative timestamps. */
int64_t tix_floor_div(int64_t a, int64_t b);

#endif
