/* Reader for the replay quote format: recv_ns,provider,model,unit,currency,input,output,cached_input,volume_tokens. */
#ifndef TIX_CSV_H
#define TIX_CSV_H

#include "tix_quote.h"

#include <stdio.h>

#define TIX_CSV_HEADER "recv_ns,provider,model,unit,currency,input,output,cached_input,volume_tokens"

/* Plausible receipt times: a row outside is a unit mistake, refused with its line, rather
 * than a replay that ticks through centuries. */
#define TIX_CSV_RECV_MIN INT64_C(946684800000000000)  /* 2000-01-01T00:00:00Z */
#define TIX_CSV_RECV_MAX INT64_C(4102444800000000000) /* 2100-01-01T00:00:00Z */

typedef struct tix_csv_s tix_csv_t;

/* Opens `path` ("-" for stdin) and checks its header. NULL with tix_err() on error. */
tix_csv_t *tix_csv_open(const char *path);
void tix_csv_destroy(tix_csv_t **self_p);

/* Reads the next row into `out` (strings valid until the next call; empty fields are NULL).
 * Returns 1 for a row, 0 at end of file, -1 on a malformed row or a recv_ns smaller than the
 * previous row's, with tix_err() naming file:line. */
int tix_csv_next(tix_csv_t *self, tix_raw_quote_t *out) __attribute__((warn_unused_result));

/* The line number of the row last returned. */
long tix_csv_line(const tix_csv_t *self);

/* Writes one field, quoting it if it holds a comma, quote or newline; NULL writes nothing. */
void tix_csv_put_field(FILE *f, const char *s);

#endif
