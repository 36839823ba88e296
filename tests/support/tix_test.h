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

/* A new dir $TMPDIR/tix-<tag>-XXXXXX (or /tmp), asserted; caller owns: tix_test_dir_destroy. */
char *tix_test_dir_new(const char *tag);
/* Removes *dir_p's tree (links not followed), frees it, NULLs it; safe twice; 0, -1 if stuck. */
int tix_test_dir_destroy(char **dir_p);
/* cmocka setup: *state = a new dir (char *), owned by the test run until the teardown below. */
int tix_test_dir_setup(void **state);
/* cmocka teardown: removes and frees the dir tix_test_dir_setup left in *state. */
int tix_test_dir_teardown(void **state);
/* "dir/name" in one of 8 rotating static buffers (hold up to 8 at once); nothing to free. */
const char *tix_test_path(const char *dir, const char *name);
/* Writes `text` to dir/name, asserted; returns its path as tix_test_path gives it. */
const char *tix_test_write(const char *dir, const char *name, const char *text);
/* The source tree, $TIX_SRC (asserted set); the string is the environment's. */
const char *tix_test_src(void);
/* Links dir/name to <src>/conf/name (shipped tiers, presets), asserted; dir owns the link. */
void tix_test_link_conf(const char *dir, const char *src, const char *name);

/* ---- configuration from text -------------------------------------------------------- */

/* Writes `text` as dir/tix.conf, loads it into diag (or NULL); caller owns the config or NULL. */
tix_config_t *tix_test_config_try(const char *dir, const char *text, tix_diag_t *diag);
/* As tix_test_config_try, but failing to load fails the test, diagnostics printed. */
tix_config_t *tix_test_config(const char *dir, const char *text);
/* Loads `path`, asserting it loads without a single diagnostic; the caller owns the config. */
tix_config_t *tix_test_config_ok(const char *path);
/* Prints each diagnostic of `diag` on stderr, one a line; diag stays the caller's. */
void tix_test_diag_print(const tix_diag_t *diag);

/* A config loaded from text in its own temporary dir; the struct owns both. */
typedef struct {
    char *dir;
    tix_config_t *cfg;
} tix_test_conf_t;
/* Fills *c from `text` (new dir, tix.conf, load), asserted; free with tix_test_conf_free. */
void tix_test_conf_load(tix_test_conf_t *c, const char *text);
/* Destroys c->cfg and removes c->dir; safe twice. */
void tix_test_conf_free(tix_test_conf_t *c);

/* A feed test's fixture: temp dir, config and normalizer (NULL until set); it owns all three. */
typedef struct {
    char *dir;
    tix_config_t *cfg;
    tix_norm_t *norm;
} tix_test_fix_t;
/* A fixture with only its new dir tix-<tag>-XXXXXX; the caller owns it (tix_test_fix_teardown). */
tix_test_fix_t *tix_test_fix_new(const char *tag);
/* A fixture with `text` loaded as its dir/tix.conf and a normalizer, asserted; caller owns it. */
tix_test_fix_t *tix_test_fix_load(const char *tag, const char *text);
/* cmocka teardown: destroys the tix_test_fix_t in *state with all it owns. */
int tix_test_fix_teardown(void **state);

/* ---- cmocka ---------------------------------------------------------------------------- */

/* Runs only the tests matching $TIX_TEST_FILTER (a glob) when it is set; call before the group. */
void tix_test_filter_from_env(void);

/* ---- seeded PRNG (xorshift64*): reproducible tests ---------------------------------- */

typedef struct {
    uint64_t s;
} tix_test_rng_t;
/* A generator (a value, nothing to free) whose raw state is `state`, unmixed. */
tix_test_rng_t tix_test_rng_state(uint64_t state);
/* A generator from a small seed, mixed and warmed up so seeds 1, 2, ... differ at once. */
tix_test_rng_t tix_test_rng_seed(uint64_t seed);
/* The next 64 random bits of *r. */
uint64_t tix_test_rng_next(tix_test_rng_t *r);
/* A random value in [lo, hi] (hi >= lo), from *r. */
int64_t tix_test_rng_range(tix_test_rng_t *r, int64_t lo, int64_t hi);
/* §1 median (half away, values >= 0) of a copy by insertion sort: a reference, x untouched. */
int64_t tix_test_ref_median(const int64_t *x, size_t n);

/* ---- quote builders ----------------------------------------------------------------- */

/* A raw quote received at T0, other fields NULL; it points to the caller's strings. */
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
/* A sink appending to *rec (zeroed by the caller), which must outlive the engine. */
tix_engine_sink_t tix_test_rec_sink(tix_test_rec_t *rec);
/* Frees the arrays and zeroes *rec. */
void tix_test_rec_free(tix_test_rec_t *rec);
/* Asserts that a and b hold the same ticks and settlements, naming the first difference. */
void tix_test_rec_same(const tix_test_rec_t *a, const tix_test_rec_t *b);

/* Counts of what an engine emitted, kept without allocating (the allocation test's sink). */
typedef struct {
    long ticks, settlements;
} tix_test_count_t;
/* A sink counting into *count, which must outlive the engine. */
tix_engine_sink_t tix_test_count_sink(tix_test_count_t *count);

/* Asserts every field of tick t, printing both sides (times from T0) if one differs. */
void tix_test_expect_tick(const tix_tick_t *t, int64_t ts, int32_t tier, int64_t price,
                          tix_status_t st, uint32_t used, uint32_t excl, uint32_t stale,
                          int64_t disp);

/* ---- engine runs: a normalizer, an engine and its recording ------------------------- */

/* An engine run; it owns norm, eng and out, the config stays the caller's and outlives it. */
typedef struct {
    tix_norm_t *norm;
    tix_engine_t *eng;
    tix_test_rec_t out;
} tix_test_run_t;
/* Builds a run on `cfg` with a recording sink, asserted; free with tix_test_run_free. */
void tix_test_run_init(tix_test_run_t *r, const tix_config_t *cfg);
/* Destroys the engine, the normalizer and the recording; zeroes *r. */
void tix_test_run_free(tix_test_run_t *r);
/* Feeds one 1m/USD quote (nano-USD per Mtok, volume -1: none); a refusal fails the test. */
void tix_test_quote(tix_test_run_t *r, int64_t recv_ns, const char *provider,
                    const char *model, int64_t in, int64_t out, int64_t volume);
/* Feeds a quote whose blended price is `p` under any blend weights, without volume. */
void tix_test_q(tix_test_run_t *r, int64_t recv_ns, const char *provider, const char *model,
                int64_t p);
/* tix_engine_start(t) on r's engine, asserted to succeed. */
void tix_test_start(tix_test_run_t *r, int64_t t);
/* tix_engine_clock(now) on r's engine, asserted to succeed. */
void tix_test_clock(tix_test_run_t *r, int64_t now);
/* tix_engine_close(last) on r's engine, asserted to succeed. */
void tix_test_close(tix_test_run_t *r, int64_t last);
/* The last tick recorded (asserted to exist); it stays r's. */
const tix_tick_t *tix_test_last(const tix_test_run_t *r);

#endif
