/* The HDF5 daily archive: row layouts, a SWMR writer, compression at day close, and a reader. */
#ifndef TIX_ARCHIVE_H
#define TIX_ARCHIVE_H

#include "tix_record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIX_ARCHIVE_SCHEMA 1
#define TIX_ARCHIVE_PRICE_UNIT "USD per 1M tokens"
#define TIX_ARCHIVE_NAME_MAX 128 /* longest name table entry (model names) */

/* The datasets of a daily file; rows are the structs below, in this order. */
typedef enum {
    TIX_ADS_QUOTES = 0, TIX_ADS_CLOCK, TIX_ADS_TICKS, TIX_ADS_SETTLEMENTS,
    TIX_ADS_PROVIDERS, TIX_ADS_MODELS, TIX_ADS_TIERS, TIX_ADS_COUNT
} tix_ads_t;

/* /quotes: every input, accepted or refused. Prices int64 × 1e-9, INT64_MAX = absent. */
typedef struct {
    uint64_t seq;
    int64_t recv_ns;
    uint32_t provider, model; /* rows of /names/provider and /names/model */
    int32_t tier;             /* row of /names/tier, -1 if unmapped */
    uint8_t reason;           /* enum: none, bad_number, negative, ... */
    char currency[8];
    uint32_t unit;            /* tokens per raw price */
    int64_t fx_e9;
    int64_t local_input, local_output, local_cached;
    int64_t input, output, cached, blended;
    int64_t volume;
} tix_arow_quote_t;

typedef struct {
    uint64_t seq;
    int64_t ns;
    uint8_t kind; /* enum: start, clock, close */
} tix_arow_clock_t;

typedef struct {
    uint64_t seq;
    int64_t ts_ns;
    int32_t tier;
    uint8_t status; /* enum: OK, LOW, STALE */
    int64_t price;
    uint32_t n_used, n_excluded, n_stale;
    int64_t dispersion;
} tix_arow_tick_t;

typedef struct {
    uint64_t seq;
    int64_t ts_ns;
    int32_t tier;
    char date[10]; /* "YYYY-MM-DD" */
    uint8_t status; /* enum: OK, FALLBACK, NONE */
    int64_t price;
    uint32_t partitions_used;
    char signature[2 * TIX_SIG_SIZE]; /* lowercase hex, zeros when unsigned */
    char key_id[2 * TIX_KEY_ID_SIZE];
} tix_arow_settle_t;

/* Root attributes written at creation. */
typedef struct {
    const char *methodology;   /* "v1" */
    const char *config_sha256; /* 64 hex digits */
    const char *const *tiers;  /* tier ids, config order */
    int ntiers;
} tix_archive_meta_t;

/* ---- writer (one thread only) ---- */
typedef struct tix_archive_s tix_archive_t;

/* Creates the file for `day` in `dir` as "<final>.tmp", creates every dataset and
 * attribute, starts SWMR writing, then renames it over `<dir>/tix-YYYYMMDD.h5` so readers
 * never see a half-made file. `batch_rows` rows are buffered per dataset before a write. */
tix_archive_t *tix_archive_create(const char *dir, int64_t day, const tix_archive_meta_t *meta,
                                  size_t batch_rows);
/* Appends one record's row (interning its names). */
int tix_archive_add(tix_archive_t *self, const tix_record_t *r) __attribute__((warn_unused_result));
/* Writes every buffered row and flushes the datasets, so SWMR readers see them. */
int tix_archive_flush(tix_archive_t *self) __attribute__((warn_unused_result));
/* Flushes and closes; -1 (tix_err) if the last writes failed. Always frees. */
int tix_archive_close(tix_archive_t **self_p);
/* Drops the file after a write error without closing it (closing such a file crashes
 * HDF5 1.10.8); it is rebuilt from the journal. Processes using the storage stage should
 * call H5dont_atexit() before any other HDF5 call. */
void tix_archive_abandon(tix_archive_t **self_p);
const char *tix_archive_path(const tix_archive_t *self);


/* Rewrites closed file `path` with shuffle+deflate into "<path>.tmp", verifies it row for
 * row against the original, fsyncs it and renames it over `path`. */
int tix_archive_compress(const char *path) __attribute__((warn_unused_result));

/* ---- reader ---- */
typedef struct tix_afile_s tix_afile_t;

/* Opens a daily file read-only (`swmr`: while a writer may still append). Checks the
 * schema. NULL with tix_err() naming the file on any problem. */
tix_afile_t *tix_afile_open(const char *path, bool swmr);
void tix_afile_close(tix_afile_t **self_p);
/* Rows in dataset `ds` (refreshed in SWMR mode by tix_afile_refresh). */
uint64_t tix_afile_rows(const tix_afile_t *self, tix_ads_t ds);
/* Re-reads dataset sizes and name tables (SWMR follow). */
int tix_afile_refresh(tix_afile_t *self) __attribute__((warn_unused_result));
/* Reads rows [start, start+count) of `ds` into `rows` (structs above). */
int tix_afile_read(tix_afile_t *self, tix_ads_t ds, uint64_t start, size_t count, void *rows)
    __attribute__((warn_unused_result));
/* Name `id` of name table `ds` (TIX_ADS_PROVIDERS/MODELS/TIERS), or "?" if out of range. */
const char *tix_afile_name(const tix_afile_t *self, tix_ads_t ds, int64_t id);
/* Root attribute text ("methodology", "config_sha256", "day"): "" if absent. */
const char *tix_afile_attr(const tix_afile_t *self, const char *name);
const char *tix_afile_path(const tix_afile_t *self);
/* Converts row `row` of `ds` (quotes, clock, ticks, settlements) back to a record; the
 * tier index is the row of /names/tier. */
int tix_afile_record(const tix_afile_t *self, tix_ads_t ds, const void *row, tix_record_t *out)
    __attribute__((warn_unused_result));
/* Size in bytes of one row of `ds`. */
size_t tix_ads_row_size(tix_ads_t ds);
const char *tix_ads_path(tix_ads_t ds);

/* Records of several datasets of one file in seq order (the order the engine saw them). */
typedef struct tix_amerge_s tix_amerge_t;
/* `mask`: bit (1u << ds) for each of quotes, clock, ticks, settlements to include. */
tix_amerge_t *tix_amerge_new(tix_afile_t *file, unsigned mask);
void tix_amerge_destroy(tix_amerge_t **self_p);
/* 1 with the next record (and its dataset in *ds if not NULL), 0 at the end, -1 on error. */
int tix_amerge_next(tix_amerge_t *self, tix_record_t *out, tix_ads_t *ds)
    __attribute__((warn_unused_result));

/* The message of the innermost HDF5 error on this thread's stack ("" if none). */
const char *tix_h5_error(void);

#endif
