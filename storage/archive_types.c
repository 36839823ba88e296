/* HDF5 compound and enum types of the archive rows, the dataset table, and HDF5 error capture. */
#include "archive_int.h"
#include "tix_err.h"
#include "tix_quote.h"

#include <stdio.h>
#include <string.h>

/* Chunk rows. A chunk must fit HDF5's default chunk cache (1 MiB per dataset), which the
 * writer keeps: a larger chunk is written around the cache, each partial chunk write then
 * costing a whole chunk of fill and a second write. */
enum { S_ROWS = 8192, S_FEW = 256, S_TIER_ROWS = 64, S_CHUNK_CACHE = 1024 * 1024 };
_Static_assert(sizeof(tix_arow_quote_t) * S_ROWS <= S_CHUNK_CACHE &&
                   sizeof(tix_arow_clock_t) * S_ROWS <= S_CHUNK_CACHE &&
                   sizeof(tix_arow_tick_t) * S_ROWS <= S_CHUNK_CACHE &&
                   sizeof(tix_arow_settle_t) * S_FEW <= S_CHUNK_CACHE &&
                   TIX_REC_MODEL_MAX * S_FEW <= S_CHUNK_CACHE,
               "every chunk fits the default chunk cache");

const tix_ads_info_t tix_ads_info[TIX_ADS_COUNT] = {
    [TIX_ADS_QUOTES] = {"/quotes", sizeof(tix_arow_quote_t), S_ROWS},
    [TIX_ADS_CLOCK] = {"/clock", sizeof(tix_arow_clock_t), S_ROWS},
    [TIX_ADS_TICKS] = {"/ticks", sizeof(tix_arow_tick_t), S_ROWS},
    [TIX_ADS_SETTLEMENTS] = {"/settlements", sizeof(tix_arow_settle_t), S_FEW},
    [TIX_ADS_PROVIDERS] = {"/names/provider", TIX_REC_PROVIDER_MAX, S_FEW},
    [TIX_ADS_MODELS] = {"/names/model", TIX_REC_MODEL_MAX, S_FEW},
    [TIX_ADS_TIERS] = {"/names/tier", 32, S_TIER_ROWS},
};

size_t tix_ads_row_size(tix_ads_t ds) { return tix_ads_info[ds].row_size; }
const char *tix_ads_path(tix_ads_t ds) { return tix_ads_info[ds].path; }

static hid_t s_str(size_t n)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0 || H5Tset_size(t, n) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0) {
        if (t >= 0)
            H5Tclose(t);
        return -1;
    }
    return t;
}

static hid_t s_enum(const char *const *names, int n)
{
    hid_t t = H5Tenum_create(H5T_NATIVE_UINT8);
    for (int i = 0; t >= 0 && i < n; i++) {
        uint8_t v = (uint8_t)i;
        if (H5Tenum_insert(t, names[i], &v) < 0) {
            H5Tclose(t);
            return -1;
        }
    }
    return t;
}

/* Inserts fields; every helper type is closed here whatever happens. */
typedef struct {
    const char *name;
    size_t off;
    hid_t type;
    int owned; /* close `type` afterwards */
} s_field_t;

static hid_t s_compound(size_t size, s_field_t *f, int n)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, size);
    int ok = t >= 0;
    for (int i = 0; i < n; i++) {
        ok = ok && f[i].type >= 0 && H5Tinsert(t, f[i].name, f[i].off, f[i].type) >= 0;
        if (f[i].owned && f[i].type >= 0)
            H5Tclose(f[i].type);
    }
    if (!ok && t >= 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

#define F(S, m, T) {#m, offsetof(S, m), T, 0}
#define FO(S, m, T) {#m, offsetof(S, m), T, 1}

static hid_t s_quote_type(void)
{
    static const char *reasons[] = {"none",           "bad_number",    "negative",
                                    "no_fx_rate",     "missing_field", "unmapped_model",
                                    "unauthorized_provider", "bad_time"};
    _Static_assert(sizeof reasons / sizeof reasons[0] == TIX_REASON_COUNT, "a name per reason");
    typedef tix_arow_quote_t Q;
    s_field_t f[] = {F(Q, seq, H5T_NATIVE_UINT64), F(Q, recv_ns, H5T_NATIVE_INT64),
                     F(Q, provider, H5T_NATIVE_UINT32), F(Q, model, H5T_NATIVE_UINT32),
                     F(Q, tier, H5T_NATIVE_INT32), FO(Q, reason, s_enum(reasons, TIX_REASON_COUNT)),
                     FO(Q, currency, s_str(8)), F(Q, unit, H5T_NATIVE_UINT32),
                     F(Q, fx_e9, H5T_NATIVE_INT64), F(Q, local_input, H5T_NATIVE_INT64),
                     F(Q, local_output, H5T_NATIVE_INT64), F(Q, local_cached, H5T_NATIVE_INT64),
                     F(Q, input, H5T_NATIVE_INT64), F(Q, output, H5T_NATIVE_INT64),
                     F(Q, cached, H5T_NATIVE_INT64), F(Q, blended, H5T_NATIVE_INT64),
                     F(Q, volume, H5T_NATIVE_INT64)};
    return s_compound(sizeof(Q), f, (int)(sizeof f / sizeof f[0]));
}

static hid_t s_clock_type(void)
{
    static const char *kinds[] = {"start", "clock", "close"};
    typedef tix_arow_clock_t C;
    s_field_t f[] = {F(C, seq, H5T_NATIVE_UINT64), F(C, ns, H5T_NATIVE_INT64),
                     FO(C, kind, s_enum(kinds, 3))};
    return s_compound(sizeof(C), f, 3);
}

static hid_t s_tick_type(void)
{
    static const char *st[] = {"OK", "LOW", "STALE"};
    typedef tix_arow_tick_t T;
    s_field_t f[] = {F(T, seq, H5T_NATIVE_UINT64), F(T, ts_ns, H5T_NATIVE_INT64),
                     F(T, tier, H5T_NATIVE_INT32), FO(T, status, s_enum(st, 3)),
                     F(T, price, H5T_NATIVE_INT64), F(T, n_used, H5T_NATIVE_UINT32),
                     F(T, n_excluded, H5T_NATIVE_UINT32), F(T, n_stale, H5T_NATIVE_UINT32),
                     F(T, dispersion, H5T_NATIVE_INT64)};
    return s_compound(sizeof(T), f, (int)(sizeof f / sizeof f[0]));
}

static hid_t s_settle_type(void)
{
    static const char *st[] = {"OK", "FALLBACK", "NONE"};
    typedef tix_arow_settle_t S;
    s_field_t f[] = {F(S, seq, H5T_NATIVE_UINT64), F(S, ts_ns, H5T_NATIVE_INT64),
                     F(S, tier, H5T_NATIVE_INT32), FO(S, date, s_str(10)),
                     FO(S, status, s_enum(st, 3)), F(S, price, H5T_NATIVE_INT64),
                     F(S, partitions_used, H5T_NATIVE_UINT32),
                     FO(S, signature, s_str(2 * TIX_SIG_SIZE)),
                     FO(S, key_id, s_str(2 * TIX_KEY_ID_SIZE))};
    return s_compound(sizeof(S), f, (int)(sizeof f / sizeof f[0]));
}

hid_t tix_ads_type(tix_ads_t ds)
{
    switch (ds) {
    case TIX_ADS_QUOTES: return s_quote_type();
    case TIX_ADS_CLOCK: return s_clock_type();
    case TIX_ADS_TICKS: return s_tick_type();
    case TIX_ADS_SETTLEMENTS: return s_settle_type();
    default: return s_str(tix_ads_info[ds].row_size);
    }
}

hid_t tix_h5_fapl(void)
{
    hid_t p = H5Pcreate(H5P_FILE_ACCESS);
    if (p < 0 || H5Pset_libver_bounds(p, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) < 0 ||
        H5Pset_fclose_degree(p, H5F_CLOSE_STRONG) < 0) {
        if (p >= 0)
            H5Pclose(p);
        return -1;
    }
    return p;
}

/* ---------------------------------------------------------------- errors */

static _Thread_local char s_h5msg[256];

static herr_t s_walk(unsigned n, const H5E_error2_t *e, void *arg)
{
    (void)arg;
    /* Walking upward, entry 0 is the innermost, most specific error (it carries errno text). */
    if (n != 0)
        return 0;
    char min[96] = "";
    if (H5Eget_msg(e->min_num, NULL, min, sizeof min) < 0)
        min[0] = 0;
    snprintf(s_h5msg, sizeof s_h5msg, "%s%s%s (in %s)", e->desc ? e->desc : "",
             *min ? ": " : "", min, e->func_name ? e->func_name : "?");
    for (char *c = s_h5msg; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' '; /* one log line per error */
    return 0;
}

const char *tix_h5_error(void)
{
    s_h5msg[0] = 0;
    if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, s_walk, NULL) < 0)
        s_h5msg[0] = 0;
    return s_h5msg;
}

int tix_h5_fail(const char *what, const char *path)
{
    const char *m = tix_h5_error();
    TIX_SET_ERR(EIO, "%s: %s: %s", path, what, *m ? m : "HDF5 error");
    return -1;
}
