/* Schema-driven extraction: a provider's JSON payload → raw quotes, as its config describes. */
#ifndef TIX_EXTRACT_H
#define TIX_EXTRACT_H

#include "tix_diag.h"
#include "tix_jsonpath.h"
#include "tix_normalize.h"
#include "tix_quote.h"

#include <libconfig.h>
#include <stdbool.h>

typedef enum { TIX_TS_S = 0, TIX_TS_MS, TIX_TS_NS, TIX_TS_ISO } tix_ts_unit_t;

/* One provider's resolved extraction spec (preset keys overridden by the provider's own). */
typedef struct {
    tix_jpath_t *list; /* NULL: the document (or NDJSON line) is one element */
    tix_jpath_t *model, *currency_path, *input, *output, *cached, *discount, *volume;
    tix_jpath_t *timestamp, *type_path;
    tix_jpath_t *t_start, *t_end, *t_input, *t_output, *t_cached; /* timed prices */
    tix_unit_t unit;
    char currency[TIX_CCY_MAX]; /* fixed currency, "" if none */
    char variable[64];          /* literal text meaning "variable price", "" if none */
    tix_ts_unit_t ts_unit;
    int64_t max_age_ms;         /* 0: the source's timestamp is not checked */
    char quote_type[64], trade_type[64];
    int64_t volume_window_ms;
    struct tix_xroots_s *roots; /* '$' path values of the current document (extract.c) */
} tix_extract_t;

/* Reads the extraction keys of provider setting `prov` over those of preset setting
 * `preset` (may be NULL). Appends every problem to `diag` as "file:line: providers[i].key:
 * message" (`where` names the provider, e.g. "providers[2]") and returns their count. */
int tix_extract_init(tix_extract_t *x, const config_setting_t *prov,
                     const config_setting_t *preset, const char *file, const char *where,
                     tix_diag_t *diag);
void tix_extract_fini(tix_extract_t *x);

typedef enum {
    TIX_X_QUOTE = 0, /* a quote: out->raw is filled */
    TIX_X_TRADE,     /* a trade: out->raw.model and out->raw.volume are filled */
    TIX_X_IGNORED,   /* a message of another type (heartbeat, status) */
    TIX_X_REFUSED,   /* not a usable quote: `err` says why (§3.5 reason); out->raw holds
                      * what was read before the refusal (provider always, model if read) */
    TIX_X_STALE,     /* the source's own timestamp is older than max_age_ms */
} tix_x_result_t;

#define TIX_X_TEXT_MAX 64

/* One extracted element, with its own copies of every text. */
typedef struct {
    char model[96];
    char currency[TIX_CCY_MAX];
    char input[TIX_X_TEXT_MAX], output[TIX_X_TEXT_MAX], cached[TIX_X_TEXT_MAX];
    char volume[32];
    tix_raw_quote_t raw; /* points into the buffers above */
} tix_xquote_t;

/* Extracts element `elem` of document `root` for `provider`, received at `recv_ns` (which
 * chooses timed prices in force). Picks the standard-token price fields the spec names,
 * applies a published discount exactly, and refuses variable prices (bad_number). */
tix_x_result_t tix_extract_elem(const tix_extract_t *x, const tix_json_val_t *root,
                                const tix_json_val_t *elem,
                                const char *provider, int64_t recv_ns, tix_xquote_t *out,
                                tix_norm_error_t *err);

/* Calls `fn` for every element of `root` (the list path's matches, or root itself). */
int tix_extract_each(const tix_extract_t *x, const tix_json_val_t *root,
                     int (*fn)(void *arg, const tix_json_val_t *elem), void *arg);

/* price × (1 − d) exactly: `local` in 1e-9 per 1M tokens, `d_e9` the fraction in 1e-9,
 * rounded half away from zero. */
tix_price_t tix_extract_discount(tix_price_t local, int64_t d_e9);

#endif
