/* tix configuration: tiers, mapping and fx (METHODOLOGY-v1 §15) plus daemon sections. */
#ifndef TIX_CONFIG_H
#define TIX_CONFIG_H

#include "tix_diag.h"

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>

#define TIX_TIER_ID_MAX 32
#define TIX_TIERS_MAX 256 /* ×3 feed topics (IDX, STL, QTE) stays within one attestation */
#define TIX_CCY_MAX 8

typedef enum { TIX_WEIGHT_EQUAL = 0, TIX_WEIGHT_VOLUME = 1 } tix_weighting_t;

typedef struct {
    char id[TIX_TIER_ID_MAX];
    char name[96];
    int64_t interval_ms;
    int64_t stale_ms;
    int64_t w_in, w_out; /* blend weights */
    tix_weighting_t weighting;
    int64_t cap_bp;
    int64_t min_providers;
    int64_t outlier_k;
    int64_t outlier_band_bp;
    int64_t settle_ms; /* settlement time of day, ms after 00:00 UTC */
    int64_t window_min;
    int64_t partitions;
} tix_tier_cfg_t;

typedef struct {
    char *provider; /* fnmatch(3) glob, case-sensitive */
    char *model;
    int tier;       /* index into tiers */
} tix_map_rule_t;

typedef struct {
    char code[TIX_CCY_MAX]; /* ISO 4217 */
    int64_t rate_e9;        /* USD value of one unit, scaled 1e9 */
} tix_fx_rate_t;

typedef struct {
    char *path;      /* the main file, as given */
    config_t lc;     /* the parsed tree, kept for modules that read their own sections */
    tix_tier_cfg_t *tiers;
    int ntiers;
    tix_map_rule_t *mapping;
    int nmapping;
    tix_fx_rate_t *fx;
    int nfx;
    /* log { level; format; } */
    char log_level[16];
    bool log_json;
} tix_config_t;

/* Loads and fully validates `path`. On any problem returns NULL, appends every problem
 * to `diag` (may be NULL) as "file:line: key.path: message" and sets tix_err() to the
 * first. Only tiers, mapping and fx are required; the daemon's sections (providers,
 * publisher, storage, log) are checked when present. */
tix_config_t *tix_config_load(const char *path, tix_diag_t *diag);
void tix_config_destroy(tix_config_t **self_p);

/* Index of tier `id`, or -1. */
int tix_config_tier_index(const tix_config_t *self, const char *id);
/* The tier of (provider, model) by the first matching rule (§4), or -1 if unmapped. */
int tix_config_map(const tix_config_t *self, const char *provider, const char *model);
/* USD rate of `code` scaled 1e9, or -1 if the currency has no rate. */
int64_t tix_config_fx(const tix_config_t *self, const char *code);
/* The integer setting at `path` as 64 bits (plain or L-suffixed), or `dflt` if absent. */
int64_t tix_config_int(const tix_config_t *self, const char *path, int64_t dflt);
/* The libconfig setting at `path` ("storage.archive_dir"), or NULL. */
const config_setting_t *tix_config_lookup(const tix_config_t *self, const char *path);

#endif
