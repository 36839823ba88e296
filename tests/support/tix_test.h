/* Test support library (tix_test_support): temp dirs, config from text, engine runs with recording sinks, seeded PRNG, quote builders. */
#ifndef TIX_TEST_H
#define TIX_TEST_H

/* cmocka needs these before it; every function here may fail the running test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_config.h"
#include "tix_diag.h"
#include "tix_engine.h"
#include "tix_normalize.h"

/* Time in the tests: nanoseconds; T0 is 2026-01-01T00:00:00Z, a UTC midnight. */
#define TIX_TEST_MS INT64_C(1000000)
#define TIX_TEST_SEC INT64_C(1000000000)
#define TIX_TEST_DAY (INT64_C(86400) * TIX_TEST_SEC)
#define TIX_TEST_T0 (INT64_C(1767225600) * TIX_TEST_SEC)

/* ---- temporary directories and files ------------------------------------------------ */

/* A new directory $TMPDIR/tix-<tag>-XXXXXX (/tmp without TMPDIR), asserted; the caller owns
 * the returned path and frees it, with the tree, through tix_test_dir_destroy. */
char *tix_test_dir_new(const char *tag);
/* Removes *dir_p and everything below it (links are removed, never followed), frees the path,
 * sets *dir_p = NULL; safe twice. 0, or -1 if something could not be removed. */
int tix_test_dir_destroy(char **dir_p);
/* A cmocka setup: a new directory tix-test-XXXXXX, its path (a char *) in *state. */
int tix_test_dir_setup(void **state);
/* A cmocka teardown: removes the directory tix_test_dir_setup left in *state. */
int tix_test_dir_teardown(void **state);
/* "dir/name" in one of 8 rotating static buffers (a test may hold several); nothing to free. */
const char *tix_test_path(const char *dir, const char *name);
/* Writes `text` to dir/name, asserting success; returns tix_test_path(dir, name). */
const char *tix_test_write(const char *dir, const char *name, const char *text);
/* The source tree: $TIX_SRC, asserted set; the environment owns the string. */
const char *tix_test_src(void);
/* Links dir/name to <src>/conf/name (shipped tiers, presets), asserted; the link is dir's. */
void tix_test_link_conf(const char *dir, const char *src, const char *name);

/* ---- configuration from text -------------------------------------------------------- */

/* Writes `text` to dir/tix.conf and loads it with `diag` (may be NULL); the caller owns the
 * result (NULL when loading failed: tix_err() and diag say why). */
tix_config_t *tix_test_config_try(const char *dir, const char *text, tix_diag_t *diag);
/* As tix_test_config_try, but a failure fails the test with every diagnostic printed. */
tix_config_t *tix_test_config(const char *dir, const char *text);
/* Loads the configuration at `path`, asserting that it loads without a single diagnostic;
 * the caller owns the result. */
tix_config_t *tix_test_config_ok(const char *path);
/* Prints each diagnostic of `diag` on stderr, one a line (a test's evidence on failure). */
void tix_test_diag_print(const tix_diag_t *diag);

/* A configuration loaded from text in its own temporary directory; the struct owns both. */
typedef struct {
    char *dir;
    tix_config_t *cfg;
} tix_test_conf_t;
/* Fills *c from `text`, asserting success. */
void tix_test_conf_load(tix_test_conf_t *c, const char *text);
/* Destroys c->cfg and removes c->dir; safe twice. */
void tix_test_conf_free(tix_test_conf_t *c);

/* What the feed tests stand on: a temporary directory, a configuration loaded there and its
 * normalizer (each NULL until the test sets it); the struct owns all three. */
typedef struct {
    char *dir;
    tix_config_t *cfg;
    tix_norm_t *norm;
} tix_test_fix_t;
/* A fixture holding only its new directory tix-<tag>-XXXXXX; the caller owns it. */
tix_test_fix_t *tix_test_fix_new(const char *tag);
/* A fixture with `text` loaded as its dir/tix.conf and a normalizer on it, all asserted. */
tix_test_fix_t *tix_test_fix_load(const char *tag, const char *text);
/* A cmocka teardown for a tix_test_fix_t in *state: destroys it with all it owns. */
int tix_test_fix_teardown(void **state);

/* TIX_TEST_FILTER=<glob> in the environment: run only the tests it matches (call before the
 * group runs), e.g. one KNOWN_BUG test at a time. */
void tix_test_filter_from_env(void);

/* ---- seeded PRNG (xorshift64*): reproducible tests ---------------------------------- */

typedef struct {
    uint64_t s;
} tix_test_rng_t;
/* A generator whose raw state is `state` (not mixed: the first outputs follow from it). */
tix_test_rng_t tix_test_rng_state(uint64_t state);
/* A generator from a small seed, mixed and warmed up so that seeds 1, 2, ... differ at once. */
tix_test_rng_t tix_test_rng_seed(uint64_t seed);
/* The next 64 random bits. */
uint64_t tix_test_rng_next(tix_test_rng_t *r);
/* A value in [lo, hi] (hi >= lo). */
int64_t tix_test_rng_range(tix_test_rng_t *r, int64_t lo, int64_t hi);
/* METHODOLOGY-v1 §1 median with half-away rounding, for non-negative values, computed on a
 * copy by insertion sort: the tests' own reference, independent of index/methodology.c. */
int64_t tix_test_ref_median(const int64_t *x, size_t n);

/* ---- quote builders ----------------------------------------------------------------- */

/* A raw quote received at T0 with the given fields (cached, volume, ... NULL); the strings
 * stay the caller's. */
tix_raw_quote_t tix_test_raw(const char *provider, const char *model, const char *unit,
                             const char *currency, const char *input, const char *output);

/* ---- engine sinks --------------------------------------------------------------------- */

/* Every tick and settlement an engine emitted, in order; the struct owns both arrays. */
typedef struct {
    tix_tick_t *ticks;
    size_t nticks, cap_ticks;
    tix_settlement_t *stls;
    size_t nstls, cap_stls;
} tix_test_rec_t;
/* A sink appending to *rec (zeroed first by the caller); rec must outlive the engine. */
tix_engine_sink_t tix_test_rec_sink(tix_test_rec_t *rec);
/* Frees the arrays and zeroes *rec. */
void tix_test_rec_free(tix_test_rec_t *rec);
/* Asserts that a and b hold the same ticks and settlements, naming the first difference. */
void tix_test_rec_same(const tix_test_rec_t *a, const tix_test_rec_t *b);

/* Counts of what an engine emitted, kept without allocating (for the allocation test). */
typedef struct {
    long ticks, settlements;
} tix_test_count_t;
/* A sink counting into *count; count must outlive the engine. */
tix_engine_sink_t tix_test_count_sink(tix_test_count_t *count);

/* Asserts every field of tick t, printing both sides (times relative to T0) if one differs. */
void tix_test_expect_tick(const tix_tick_t *t, int64_t ts, int32_t tier, int64_t price,
                          tix_status_t st, uint32_t used, uint32_t excl, uint32_t stale,
                          int64_t disp);

/* ---- engine runs: a normalizer, an engine and its recording ------------------------- */

/* Owns norm, eng and out; cfg stays the caller's and must outlive the run. */
typedef struct {
    tix_norm_t *norm;
    tix_engine_t *eng;
    tix_test_rec_t out;
} tix_test_run_t;
/* Builds a run on `cfg`, asserting success. */
void tix_test_run_init(tix_test_run_t *r, const tix_config_t *cfg);
/* Destroys the engine, the normalizer and the recording; zeroes *r. */
void tix_test_run_free(tix_test_run_t *r);
/* Normalizes and feeds one 1m/USD quote; prices in nano-USD per Mtok, volume -1 for none.
 * A refusal by the normalizer or the engine fails the test. */
void tix_test_quote(tix_test_run_t *r, int64_t recv_ns, const char *provider,
                    const char *model, int64_t in, int64_t out, int64_t volume);
/* A quote whose blended price is `p` under any blend weights, without volume. */
void tix_test_q(tix_test_run_t *r, int64_t recv_ns, const char *provider, const char *model,
                int64_t p);
/* tix_engine_start / _clock / _close, each asserted to succeed. */
void tix_test_start(tix_test_run_t *r, int64_t t);
void tix_test_clock(tix_test_run_t *r, int64_t now);
void tix_test_close(tix_test_run_t *r, int64_t last);
/* The last tick recorded (asserted to exist); it stays r's. */
const tix_tick_t *tix_test_last(const tix_test_run_t *r);

#endif
