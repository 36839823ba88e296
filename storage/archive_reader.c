/* HDF5 archive reader: opens a daily file (optionally SWMR while it grows), reads rows and names. */
#include "archive_int.h"
#include "tix_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ATTR_MAX 96

struct tix_afile_s {
    hid_t file;
    bool swmr;
    char path[4096];
    hid_t ds[TIX_ADS_COUNT], type[TIX_ADS_COUNT];
    uint64_t rows[TIX_ADS_COUNT];
    char *names[3]; /* providers, models, tiers: rows of row_size + 1 bytes, NUL-terminated */
    uint64_t nnames[3];
    char attrs[3][ATTR_MAX]; /* methodology, config_sha256, day */
};

static const char *s_attr_names[3] = {"methodology", "config_sha256", "day"};

static int s_read_attr(tix_afile_t *self, int i)
{
    self->attrs[i][0] = 0;
    if (H5Aexists(self->file, s_attr_names[i]) <= 0)
        return 0;
    hid_t a = H5Aopen(self->file, s_attr_names[i], H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    int rc = a >= 0 && t >= 0 && H5Tset_size(t, ATTR_MAX) >= 0 && H5Aread(a, t, self->attrs[i]) >= 0
                 ? 0
                 : -1;
    self->attrs[i][ATTR_MAX - 1] = 0;
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

static int s_check_schema(tix_afile_t *self)
{
    int32_t v = 0;
    hid_t a = H5Aexists(self->file, "schema_version") > 0
                  ? H5Aopen(self->file, "schema_version", H5P_DEFAULT)
                  : -1;
    int ok = a >= 0 && H5Aread(a, H5T_NATIVE_INT32, &v) >= 0;
    if (a >= 0)
        H5Aclose(a);
    if (!ok) {
        TIX_SET_ERR(EBADMSG, "%s: not a tix archive (no schema_version attribute)", self->path);
        return -1;
    }
    if (v != TIX_ARCHIVE_SCHEMA) {
        TIX_SET_ERR(EBADMSG, "%s: archive schema %d, this tool reads %d", self->path, (int)v,
                    TIX_ARCHIVE_SCHEMA);
        return -1;
    }
    for (int i = 0; i < 3; i++)
        if (s_read_attr(self, i) != 0)
            return tix_h5_fail("cannot read root attributes", self->path);
    return 0;
}

static int s_open_datasets(tix_afile_t *self)
{
    for (int i = 0; i < TIX_ADS_COUNT; i++) {
        if (H5Lexists(self->file, "/names", H5P_DEFAULT) <= 0 ||
            H5Lexists(self->file, tix_ads_info[i].path, H5P_DEFAULT) <= 0) {
            TIX_SET_ERR(EBADMSG, "%s: dataset %s is missing", self->path, tix_ads_info[i].path);
            return -1;
        }
        self->ds[i] = H5Dopen2(self->file, tix_ads_info[i].path, H5P_DEFAULT);
        self->type[i] = tix_ads_type((tix_ads_t)i);
        if (self->ds[i] < 0 || self->type[i] < 0)
            return tix_h5_fail(tix_ads_info[i].path, self->path);
        hid_t ft = H5Dget_type(self->ds[i]);
        htri_t same = ft >= 0 ? H5Tget_size(ft) == tix_ads_info[i].row_size : -1;
        if (ft >= 0)
            H5Tclose(ft);
        if (same <= 0) {
            TIX_SET_ERR(EBADMSG, "%s: dataset %s has an unexpected row type", self->path,
                        tix_ads_info[i].path);
            return -1;
        }
    }
    return 0;
}

tix_afile_t *tix_afile_open(const char *path, bool swmr)
{
    tix_afile_t *self = calloc(1, sizeof *self);
    if (!self) {
        TIX_SET_ERR(ENOMEM, "out of memory opening %s", path);
        return NULL;
    }
    snprintf(self->path, sizeof self->path, "%s", path);
    self->swmr = swmr;
    self->file = -1;
    for (int i = 0; i < TIX_ADS_COUNT; i++)
        self->ds[i] = self->type[i] = -1;
    struct stat st;
    if (stat(path, &st) != 0) {
        TIX_SET_ERR(errno, "%s: %s", path, strerror(errno));
        tix_afile_close(&self);
        return NULL;
    }
    if (H5Fis_hdf5(path) <= 0) {
        TIX_SET_ERR(EBADMSG, "%s: not an HDF5 file (or it is damaged)", path);
        tix_afile_close(&self);
        return NULL;
    }
    hid_t fapl = tix_h5_fapl();
    unsigned flags = H5F_ACC_RDONLY | (swmr ? H5F_ACC_SWMR_READ : 0);
    self->file = fapl >= 0 ? H5Fopen(path, flags, fapl) : -1;
    if (fapl >= 0)
        H5Pclose(fapl);
    if (self->file < 0) {
        tix_h5_fail(swmr ? "cannot open for SWMR reading" : "cannot open", path);
        tix_afile_close(&self);
        return NULL;
    }
    if (s_check_schema(self) != 0 || s_open_datasets(self) != 0 || tix_afile_refresh(self) != 0) {
        tix_afile_close(&self);
        return NULL;
    }
    return self;
}

void tix_afile_close(tix_afile_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tix_afile_t *self = *self_p;
    for (int i = 0; i < TIX_ADS_COUNT; i++) {
        if (self->ds[i] >= 0)
            H5Dclose(self->ds[i]);
        if (self->type[i] >= 0)
            H5Tclose(self->type[i]);
    }
    for (int i = 0; i < 3; i++)
        free(self->names[i]);
    if (self->file >= 0)
        H5Fclose(self->file);
    free(self);
    *self_p = NULL;
}

uint64_t tix_afile_rows(const tix_afile_t *self, tix_ads_t ds) { return self->rows[ds]; }

/* Re-reads the name tables in full: they are small (one row per distinct name). */
static int s_load_names(tix_afile_t *self, int k)
{
    tix_ads_t ds = (tix_ads_t)(TIX_ADS_PROVIDERS + k);
    size_t w = tix_ads_info[ds].row_size;
    uint64_t n = self->rows[ds];
    char *raw = calloc(n + 1, w), *names = calloc(n + 1, w + 1);
    int rc = raw && names ? 0 : -1;
    if (rc == 0 && n > 0)
        rc = tix_afile_read(self, ds, 0, n, raw);
    for (uint64_t i = 0; rc == 0 && i < n; i++)
        memcpy(names + i * (w + 1), raw + i * w, w);
    free(raw);
    if (rc != 0) {
        free(names);
        return -1;
    }
    free(self->names[k]);
    self->names[k] = names;
    self->nnames[k] = n;
    return 0;
}

int tix_afile_refresh(tix_afile_t *self)
{
    for (int i = 0; i < TIX_ADS_COUNT; i++) {
        if (self->swmr && H5Drefresh(self->ds[i]) < 0)
            return tix_h5_fail("refresh", self->path);
        hid_t sp = H5Dget_space(self->ds[i]);
        hsize_t n = 0;
        int ok = sp >= 0 && H5Sget_simple_extent_dims(sp, &n, NULL) == 1;
        if (sp >= 0)
            H5Sclose(sp);
        if (!ok)
            return tix_h5_fail(tix_ads_info[i].path, self->path);
        self->rows[i] = n;
    }
    for (int k = 0; k < 3; k++)
        if (self->rows[TIX_ADS_PROVIDERS + k] != self->nnames[k] && s_load_names(self, k) != 0)
            return -1;
    return 0;
}

int tix_afile_read(tix_afile_t *self, tix_ads_t ds, uint64_t start, size_t count, void *rows)
{
    if (start + count > self->rows[ds]) {
        TIX_SET_ERR(ERANGE, "%s: %s: rows %llu..%llu beyond its %llu rows", self->path,
                    tix_ads_info[ds].path, (unsigned long long)start,
                    (unsigned long long)(start + count), (unsigned long long)self->rows[ds]);
        return -1;
    }
    if (count == 0)
        return 0;
    memset(rows, 0, count * tix_ads_info[ds].row_size);
    if (tix_ads_rows(self->ds[ds], self->type[ds], start, count, rows, false) != 0)
        return tix_h5_fail(tix_ads_info[ds].path, self->path);
    return 0;
}

const char *tix_afile_name(const tix_afile_t *self, tix_ads_t ds, int64_t id)
{
    int k = (int)ds - TIX_ADS_PROVIDERS;
    if (k < 0 || k > 2 || id < 0 || (uint64_t)id >= self->nnames[k])
        return "?";
    return self->names[k] + (size_t)id * (tix_ads_info[ds].row_size + 1);
}

const char *tix_afile_attr(const tix_afile_t *self, const char *name)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, s_attr_names[i]) == 0)
            return self->attrs[i];
    return "";
}

const char *tix_afile_path(const tix_afile_t *self) { return self->path; }

static int s_unhex(uint8_t *out, const char *hex, size_t n)
{
    for (size_t i = 0; i < 2 * n; i++) {
        char c = hex[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return -1;
        out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | v : v << 4);
    }
    return 0;
}

static int s_quote_record(const tix_afile_t *self, const tix_arow_quote_t *q, tix_rec_quote_t *o)
{
    snprintf(o->provider, sizeof o->provider, "%s", tix_afile_name(self, TIX_ADS_PROVIDERS, q->provider));
    snprintf(o->model, sizeof o->model, "%s", tix_afile_name(self, TIX_ADS_MODELS, q->model));
    snprintf(o->currency, sizeof o->currency, "%.*s", (int)sizeof o->currency - 1, q->currency);
    o->recv_ns = q->recv_ns;
    o->tier = q->tier;
    o->reason = q->reason;
    o->unit = q->unit;
    o->fx_e9 = q->fx_e9;
    o->local_input = q->local_input;
    o->local_output = q->local_output;
    o->local_cached = q->local_cached;
    o->input = q->input;
    o->output = q->output;
    o->cached = q->cached;
    o->blended = q->blended;
    o->volume = q->volume;
    return 0;
}

int tix_afile_record(const tix_afile_t *self, tix_ads_t ds, const void *row, tix_record_t *out)
{
    memset(out, 0, sizeof *out);
    out->seq = *(const uint64_t *)row; /* every row starts with seq */
    switch (ds) {
    case TIX_ADS_QUOTES:
        out->kind = TIX_REC_QUOTE;
        return s_quote_record(self, row, &out->u.quote);
    case TIX_ADS_CLOCK: {
        const tix_arow_clock_t *c = row;
        out->kind = TIX_REC_CLOCK;
        out->u.clock.kind = (tix_clock_kind_t)c->kind;
        out->u.clock.ns = c->ns;
        return 0;
    }
    case TIX_ADS_TICKS: {
        const tix_arow_tick_t *t = row;
        out->kind = TIX_REC_TICK;
        out->u.tick = (tix_tick_t){t->ts_ns, t->tier, t->price, (tix_status_t)t->status,
                                   t->n_used, t->n_excluded, t->n_stale, t->dispersion};
        return 0;
    }
    case TIX_ADS_SETTLEMENTS: {
        const tix_arow_settle_t *s = row;
        out->kind = TIX_REC_SETTLE;
        tix_settlement_t *o = &out->u.settle.s;
        *o = (tix_settlement_t){s->ts_ns, s->tier, {0}, s->price,
                                (tix_settle_status_t)s->status, s->partitions_used};
        memcpy(o->date, s->date, sizeof s->date);
        if (s_unhex(out->u.settle.signature, s->signature, TIX_SIG_SIZE) ||
            s_unhex(out->u.settle.key_id, s->key_id, TIX_KEY_ID_SIZE)) {
            TIX_SET_ERR(EBADMSG, "%s: settlement seq %llu: signature is not hex", self->path,
                        (unsigned long long)out->seq);
            return -1;
        }
        return 0;
    }
    default: TIX_SET_ERR(EINVAL, "%s: not a record dataset", tix_ads_info[ds].path); return -1;
    }
}
