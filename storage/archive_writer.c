/* HDF5 archive writer: one SWMR file per UTC day, batched appends, and compression when the day closes. */
#include "archive_int.h"
#include "tix_err.h"
#include "tix_journal.h"
#include "tix_time.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    hid_t id, type;
    uint8_t *buf;
    size_t n, cap;
    hsize_t rows; /* rows in the file */
    bool dirty;   /* written since the last H5Dflush */
} s_ds_t;

/* Name fields are read eight bytes a step (see s_scan). */
#define S_NAME_WORDS (TIX_REC_MODEL_MAX / 8)
_Static_assert(TIX_REC_PROVIDER_MAX % 8 == 0 && TIX_REC_MODEL_MAX % 8 == 0 &&
                   TIX_REC_PROVIDER_MAX <= TIX_REC_MODEL_MAX,
               "name fields are whole words, the model field the longest");

typedef struct {
    uint64_t w[S_NAME_WORDS];
} s_padded_t; /* a name NUL-padded to the field's size: also its row in the name dataset */

typedef struct {
    uint32_t id1; /* id + 1; 0 = empty */
    uint32_t key; /* top half of the name's hash: most probes reject other names on it */
} s_nslot_t;

/* A name table (providers or models): name → id = row of its dataset, ids dense in order
 * of first appearance. Its own table rather than tix_strtab: the record's names are
 * fixed, NUL-padded fields, so hashing and comparing go by whole words, in the same pass
 * that finds the NUL, without strlen, memcmp or a call. */
typedef struct {
    s_padded_t *names; /* by id */
    uint32_t n, cap;
    s_nslot_t *slots; /* open addressing, 2^bits slots, at most half full */
    unsigned bits;
    /* The last name found (n > 0): quotes of one provider come together, and a feed's
     * models in runs. Its words, how many whole ones, and a mask of the rest up to its NUL. */
    uint32_t last;
    const s_padded_t *last_p;
    size_t last_k;
    uint64_t last_keep;
} s_names_t;

struct tix_archive_s {
    hid_t file;
    char path[4096];
    s_ds_t ds[TIX_ADS_COUNT];
    s_names_t names[2]; /* providers, models */
};

/* ---------------------------------------------------------------- creation */

static int s_attr(hid_t loc, const char *name, hid_t type, const void *value)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = sp >= 0 ? H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int rc = a >= 0 && H5Awrite(a, type, value) >= 0 ? 0 : -1;
    if (a >= 0)
        H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    return rc;
}

static int s_attr_str(hid_t loc, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    int rc = t >= 0 && H5Tset_size(t, strlen(value) + 1) >= 0 ? s_attr(loc, name, t, value) : -1;
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

/* Few, small root attributes: too many would push SWMR's dataspace messages out. */
static int s_root_attrs(hid_t file, int64_t day, const tix_archive_meta_t *meta)
{
    char date[16];
    int32_t schema = TIX_ARCHIVE_SCHEMA;
    double scale = 1e-9;
    tix_time_format_date(day * TIX_MS_PER_DAY * TIX_NS_PER_MS, date, sizeof date);
    return s_attr(file, "schema_version", H5T_NATIVE_INT32, &schema) ||
                   s_attr(file, "price_scale", H5T_NATIVE_DOUBLE, &scale) ||
                   s_attr_str(file, "price_unit", TIX_ARCHIVE_PRICE_UNIT) ||
                   s_attr_str(file, "time_unit", "ns since 1970-01-01T00:00:00Z") ||
                   s_attr_str(file, "methodology", meta->methodology) ||
                   s_attr_str(file, "config_sha256", meta->config_sha256) ||
                   s_attr_str(file, "day", date)
               ? -1
               : 0;
}

static hid_t s_dcpl(hsize_t chunk, bool compress)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    if (p < 0 || H5Pset_chunk(p, 1, &chunk) < 0 ||
        (compress && (H5Pset_shuffle(p) < 0 || H5Pset_deflate(p, 4) < 0))) {
        if (p >= 0)
            H5Pclose(p);
        return -1;
    }
    return p;
}

/* Creates every dataset empty (SWMR allows no new objects later). */
int tix_ads_create_all(hid_t file, hid_t *ids, const hsize_t *rows, bool compress)
{
    hid_t g = H5Gcreate2(file, "/names", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    H5Gclose(g);
    for (int i = 0; i < TIX_ADS_COUNT; i++) {
        hsize_t zero = 0, max = H5S_UNLIMITED;
        hsize_t chunk = tix_ads_info[i].chunk_rows;
        if (rows && rows[i] > 0 && rows[i] < chunk)
            chunk = rows[i];
        hid_t type = tix_ads_type((tix_ads_t)i), sp = H5Screate_simple(1, &zero, &max);
        hid_t dcpl = s_dcpl(chunk, compress);
        ids[i] = type >= 0 && sp >= 0 && dcpl >= 0
                     ? H5Dcreate2(file, tix_ads_info[i].path, type, sp, H5P_DEFAULT, dcpl,
                                  H5P_DEFAULT)
                     : -1;
        if (type >= 0)
            H5Tclose(type);
        if (sp >= 0)
            H5Sclose(sp);
        if (dcpl >= 0)
            H5Pclose(dcpl);
        if (ids[i] < 0)
            return -1;
    }
    return 0;
}

int tix_ads_rows(hid_t d, hid_t type, hsize_t at, size_t n, void *buf, bool write)
{
    hsize_t cnt = n;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &cnt, NULL);
    int rc = fs >= 0 && ms >= 0 &&
                     H5Sselect_hyperslab(fs, H5S_SELECT_SET, &at, NULL, &cnt, NULL) >= 0 &&
                     (write ? H5Dwrite(d, type, ms, fs, H5P_DEFAULT, buf)
                            : H5Dread(d, type, ms, fs, H5P_DEFAULT, buf)) >= 0
                 ? 0
                 : -1;
    if (fs >= 0)
        H5Sclose(fs);
    if (ms >= 0)
        H5Sclose(ms);
    return rc;
}

/* Appends `n` rows at row `at` of dataset `d` (extend, select, write). */
int tix_ads_append(hid_t d, hid_t type, hsize_t at, const void *rows, size_t n)
{
    hsize_t size = at + n;
    if (H5Dset_extent(d, &size) < 0)
        return -1;
    return tix_ads_rows(d, type, at, n, (void *)rows, true); /* written, not modified */
}

static int s_tier_rows(tix_archive_t *self, const tix_archive_meta_t *meta)
{
    s_ds_t *d = &self->ds[TIX_ADS_TIERS];
    size_t w = tix_ads_info[TIX_ADS_TIERS].row_size;
    char *rows = calloc((size_t)meta->ntiers + 1, w);
    if (!rows)
        return -1;
    for (int i = 0; i < meta->ntiers; i++)
        strncpy(rows + (size_t)i * w, meta->tiers[i], w);
    int rc = meta->ntiers == 0 ? 0 : tix_ads_append(d->id, d->type, 0, rows, (size_t)meta->ntiers);
    d->rows = (hsize_t)meta->ntiers;
    free(rows);
    return rc;
}

static int s_alloc(tix_archive_t *self, size_t batch_rows)
{
    for (int i = 0; i < TIX_ADS_COUNT; i++) {
        s_ds_t *d = &self->ds[i];
        d->id = -1;
        d->cap = batch_rows;
        d->type = tix_ads_type((tix_ads_t)i);
        d->buf = calloc(batch_rows, tix_ads_info[i].row_size);
        if (d->type < 0 || !d->buf)
            return -1;
    }
    for (int k = 0; k < 2; k++) {
        s_names_t *nt = &self->names[k];
        nt->bits = 6;
        nt->slots = calloc((size_t)1 << nt->bits, sizeof *nt->slots);
        if (!nt->slots)
            return -1;
    }
    return 0;
}

int tix_sync_dir_of(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
    if (rc != 0)
        TIX_SET_ERR(errno, "%s: fsync of its directory: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return rc;
}

static int s_setup(tix_archive_t *self, const char *tmp, int64_t day,
                   const tix_archive_meta_t *meta)
{
    hid_t fapl = tix_h5_fapl();
    self->file = fapl >= 0 ? H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : -1;
    if (fapl >= 0)
        H5Pclose(fapl);
    if (self->file < 0)
        return tix_h5_fail("cannot create", tmp);
    hid_t ids[TIX_ADS_COUNT];
    for (int i = 0; i < TIX_ADS_COUNT; i++)
        ids[i] = -1;
    int rc = tix_ads_create_all(self->file, ids, NULL, false);
    for (int i = 0; i < TIX_ADS_COUNT; i++)
        self->ds[i].id = ids[i];
    if (rc != 0 || s_tier_rows(self, meta) != 0 || s_root_attrs(self->file, day, meta) != 0)
        return tix_h5_fail("cannot lay out datasets and attributes", tmp);
    /* Datasets keep HDF5's default chunk cache (1 MiB each, as the raw baseline of
     * tix-bench): it holds a chunk of every dataset (archive_types.c checks), and an
     * append only ever writes a dataset's last chunk. */
    if (H5Fstart_swmr_write(self->file) < 0)
        return tix_h5_fail("cannot start SWMR writing", tmp);
    /* No fsync of the directory: a live file is rebuilt from the journal at every start
     * (docs/archive.md) and its data is never fsynced, so a durable name would promise
     * nothing. A closed day's compressed file is fsynced, and its directory. */
    if (rename(tmp, self->path) != 0) {
        TIX_SET_ERR(errno, "%s: cannot rename to %s: %s", tmp, self->path, strerror(errno));
        return -1;
    }
    return 0;
}

tix_archive_t *tix_archive_create(const char *dir, int64_t day, const tix_archive_meta_t *meta,
                                  size_t batch_rows)
{
    tix_archive_t *self = calloc(1, sizeof *self);
    char tmp[4200];
    if (!self) {
        TIX_SET_ERR(ENOMEM, "out of memory creating an archive in %s", dir);
        return NULL;
    }
    self->file = -1;
    if (s_alloc(self, batch_rows ? batch_rows : 4096) != 0) {
        TIX_SET_ERR(ENOMEM, "out of memory creating an archive in %s", dir);
        tix_archive_abandon(&self);
        return NULL;
    }
    if (tix_day_path(dir, day, ".h5", self->path, sizeof self->path) != 0) {
        tix_archive_abandon(&self);
        return NULL;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", self->path);
    if (s_setup(self, tmp, day, meta) != 0) {
        tix_archive_abandon(&self);
        unlink(tmp);
        return NULL;
    }
    return self;
}

/* ---------------------------------------------------------------- appends */

static int s_write_batch(tix_archive_t *self, tix_ads_t i)
{
    s_ds_t *d = &self->ds[i];
    if (d->n == 0)
        return 0;
    if (tix_ads_append(d->id, d->type, d->rows, d->buf, d->n) != 0)
        return tix_h5_fail(tix_ads_info[i].path, self->path);
    d->rows += d->n;
    d->n = 0;
    d->dirty = true;
    return 0;
}

/* Writes the full batch of `i` (names first, so a reader never sees a quote before the
 * names it points to); the rare half of s_slot(). */
__attribute__((noinline)) static int s_batch_full(tix_archive_t *self, tix_ads_t i)
{
    if (i == TIX_ADS_QUOTES &&
        (s_write_batch(self, TIX_ADS_PROVIDERS) || s_write_batch(self, TIX_ADS_MODELS)))
        return -1;
    return s_write_batch(self, i);
}

/* A slot for one more row of `i`, writing the batch first when it is full. The caller
 * fills every byte of it, padding included: the file gets the row's bytes as they are. */
static inline void *s_slot(tix_archive_t *self, tix_ads_t i, size_t row_size)
{
    s_ds_t *d = &self->ds[i];
    if (d->n == d->cap && s_batch_full(self, i) != 0)
        return NULL;
    return d->buf + d->n++ * row_size;
}

/* ---------------------------------------------------------------- names */

#define S_LOW7 UINT64_C(0x7f7f7f7f7f7f7f7f)
#define S_MUL UINT64_C(0x9e3779b97f4a7c15) /* 2^64 / golden ratio */

/* Eight bytes of a name, first byte lowest on any host, so masks of "the first b bytes"
 * are the low bits. */
static inline uint64_t s_word(const void *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w); /* unaligned-safe; one load */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* Length of the NUL-terminated name in `field` (`cap` bytes, whole words; cap if there is
 * no NUL) and its hash. Reads the field eight bytes a step, so bytes after the NUL too: they
 * are inside the field and masked off before they count. The hash folds the name's words
 * in; each multiply carries every bit upward, so the top bits depend on all of them. */
static inline size_t s_scan(const char *field, size_t cap, uint64_t *hash)
{
    uint64_t h = S_MUL;
    for (size_t i = 0; i < cap; i += 8) {
        uint64_t w = s_word(field + i);
        uint64_t z = ~(((w & S_LOW7) + S_LOW7) | w | S_LOW7); /* 0x80 in each zero byte */
        if (z) {
            /* z ^ (z - 1): the bits up to the first zero byte's, i.e. the name's bytes of w */
            *hash = (h ^ (w & (z ^ (z - 1)))) * S_MUL;
            return i + (unsigned)__builtin_ctzll(z) / 8;
        }
        h = (h ^ w) * S_MUL;
    }
    return cap;
}

/* A mask of a name's last word up to and including its NUL, for s_same(). */
static inline uint64_t s_keep(size_t len) { return ~UINT64_C(0) >> (56 - 8 * (len % 8)); }

/* Whether `field` holds the name `p`: its `k` whole words, then word k under `keep` (p is
 * NUL-padded, so a longer name in the field differs at p's NUL). */
static inline bool s_same(const s_padded_t *p, const char *field, size_t k, uint64_t keep)
{
    for (size_t j = 0; j < k; j++)
        if (s_word(field + 8 * j) != s_word(&p->w[j]))
            return false;
    return (s_word(field + 8 * k) & keep) == s_word(&p->w[k]);
}

static inline void s_set_last(s_names_t *nt, uint32_t id, size_t len)
{
    nt->last = id;
    nt->last_p = &nt->names[id];
    nt->last_k = len / 8;
    nt->last_keep = s_keep(len);
}

static int s_names_grow(s_names_t *nt)
{
    if (nt->bits == 32)
        return -1; /* keys have no more bits to spread over */
    unsigned bits = nt->bits + 1;
    size_t mask = ((size_t)1 << bits) - 1;
    s_nslot_t *slots = calloc(mask + 1, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t k = 0; k < (size_t)1 << nt->bits; k++) {
        if (!nt->slots[k].id1)
            continue;
        size_t i = nt->slots[k].key >> (32 - bits);
        while (slots[i].id1)
            i = (i + 1) & mask;
        slots[i] = nt->slots[k];
    }
    free(nt->slots);
    nt->slots = slots;
    nt->bits = bits;
    return 0;
}

/* A new name (`len` bytes of `field`) at empty slot `i`: its row of `ds`, its id. */
__attribute__((noinline)) static int s_name_add(tix_archive_t *self, s_names_t *nt, tix_ads_t ds,
                                                const char *field, size_t len, uint32_t key,
                                                size_t i, uint32_t *id)
{
    /* Probing ends at an empty slot, so one must always remain: with growth failing (out
     * of memory) since half full, refuse the name rather than fill the last slot. */
    if ((size_t)nt->n + 2 > (size_t)1 << nt->bits) {
        TIX_SET_ERR(ENOMEM, "%s: out of memory for the name table (%u names)", self->path, nt->n);
        return -1;
    }
    if (nt->n == nt->cap) {
        uint32_t cap = nt->cap ? nt->cap * 2 : 64;
        s_padded_t *names = cap > nt->cap ? realloc(nt->names, cap * sizeof *names) : NULL;
        if (!names) {
            TIX_SET_ERR(ENOMEM, "%s: out of memory for a name", self->path);
            return -1;
        }
        nt->names = names;
        nt->cap = cap;
        if (nt->n > 0)
            nt->last_p = &names[nt->last]; /* moved with the array */
    }
    s_padded_t *p = &nt->names[nt->n];
    memset(p, 0, sizeof *p);
    memcpy(p, field, len);
    size_t row_size = tix_ads_info[ds].row_size; /* the field's size: the name and NULs */
    char *row = s_slot(self, ds, row_size);
    if (!row)
        return -1;
    memcpy(row, p, row_size);
    nt->slots[i] = (s_nslot_t){nt->n + 1, key};
    *id = nt->n;
    s_set_last(nt, nt->n++, len);
    /* The name is in; a failed rehash leaves the table fuller, retried on the next name. */
    if ((size_t)nt->n * 2 > (size_t)1 << nt->bits)
        (void)s_names_grow(nt);
    return 0;
}

/* Id of the name in `field` (`cap` bytes) by hash; s_name() has ruled out the last one. */
static inline int s_name_find(tix_archive_t *self, s_names_t *nt, tix_ads_t ds,
                              const char *field, size_t cap, uint32_t *id)
{
    uint64_t h;
    size_t len = s_scan(field, cap, &h);
    if (len == cap) {
        TIX_SET_ERR(EINVAL, "%s: a quote's %s name is not NUL-terminated", self->path,
                    ds == TIX_ADS_MODELS ? "model" : "provider");
        return -1;
    }
    uint32_t key = (uint32_t)(h >> 32);
    size_t mask = ((size_t)1 << nt->bits) - 1, i = key >> (32 - nt->bits);
    uint64_t keep = s_keep(len);
    for (;; i = (i + 1) & mask) {
        s_nslot_t sl = nt->slots[i];
        if (!sl.id1)
            return s_name_add(self, nt, ds, field, len, key, i, id);
        if (sl.key == key && s_same(&nt->names[sl.id1 - 1], field, len / 8, keep)) {
            *id = sl.id1 - 1;
            s_set_last(nt, *id, len);
            return 0;
        }
    }
}

/* Row id of the name in `field`, a NUL-terminated field of `cap` bytes, in the name table
 * of `ds` (adding it if new). */
static inline int s_name(tix_archive_t *self, tix_ads_t ds, const char *field, size_t cap,
                         uint32_t *id)
{
    s_names_t *nt = &self->names[ds == TIX_ADS_MODELS];
    if (nt->n > 0 && s_same(nt->last_p, field, nt->last_k, nt->last_keep)) {
        *id = nt->last;
        return 0;
    }
    return s_name_find(self, nt, ds, field, cap, id);
}

/* A quote row is written field by field straight into the batch, then its padding is
 * zeroed (the file gets every byte of a row): a memset of the whole row compiles to a
 * `rep stos`, slow to start for 120 bytes, and a row built on the stack and copied stalls
 * on loads wider than the stores that built it. The padding, checked here, is the gaps
 * after `currency` and after `unit`. */
#define S_Q(m) offsetof(tix_arow_quote_t, m)
#define S_QEND(m) (S_Q(m) + sizeof(((tix_arow_quote_t *)0)->m))
_Static_assert(S_QEND(seq) == S_Q(recv_ns) && S_QEND(recv_ns) == S_Q(provider) &&
                   S_QEND(provider) == S_Q(model) && S_QEND(model) == S_Q(tier) &&
                   S_QEND(tier) == S_Q(reason) && S_QEND(reason) == S_Q(currency) &&
                   S_QEND(fx_e9) == S_Q(local_input) &&
                   S_QEND(local_input) == S_Q(local_output) &&
                   S_QEND(local_output) == S_Q(local_cached) &&
                   S_QEND(local_cached) == S_Q(input) && S_QEND(input) == S_Q(output) &&
                   S_QEND(output) == S_Q(cached) && S_QEND(cached) == S_Q(blended) &&
                   S_QEND(blended) == S_Q(volume) && S_QEND(volume) == sizeof(tix_arow_quote_t),
               "a quote row's only padding is after currency and after unit");

static int s_add_quote(tix_archive_t *self, uint64_t seq, const tix_rec_quote_t *q)
{
    uint32_t prov, model;
    if (s_name(self, TIX_ADS_PROVIDERS, q->provider, sizeof q->provider, &prov) ||
        s_name(self, TIX_ADS_MODELS, q->model, sizeof q->model, &model))
        return -1;
    tix_arow_quote_t *r = s_slot(self, TIX_ADS_QUOTES, sizeof *r);
    if (!r)
        return -1;
    r->seq = seq;
    r->recv_ns = q->recv_ns;
    r->provider = prov;
    r->model = model;
    r->tier = q->tier;
    r->reason = q->reason;
    memcpy(r->currency, q->currency, sizeof r->currency); /* NUL-padded by the record */
    r->unit = q->unit;
    r->fx_e9 = q->fx_e9;
    r->local_input = q->local_input;
    r->local_output = q->local_output;
    r->local_cached = q->local_cached;
    r->input = q->input;
    r->output = q->output;
    r->cached = q->cached;
    r->blended = q->blended;
    r->volume = q->volume;
    memset((char *)r + S_QEND(currency), 0, S_Q(unit) - S_QEND(currency));
    memset((char *)r + S_QEND(unit), 0, S_Q(fx_e9) - S_QEND(unit));
    return 0;
}

static void s_hex(char *out, const uint8_t *b, size_t n)
{
    static const char x[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = x[b[i] >> 4];
        out[2 * i + 1] = x[b[i] & 15];
    }
}

static int s_add_settle(tix_archive_t *self, uint64_t seq, const tix_rec_settle_t *s)
{
    tix_arow_settle_t *r = s_slot(self, TIX_ADS_SETTLEMENTS, sizeof *r);
    if (!r)
        return -1;
    memset(r, 0, sizeof *r);
    r->seq = seq;
    r->ts_ns = s->s.ts_ns;
    r->tier = s->s.tier;
    memcpy(r->date, s->s.date, sizeof r->date);
    r->status = (uint8_t)s->s.status;
    r->price = s->s.price;
    r->partitions_used = s->s.partitions_used;
    s_hex(r->signature, s->signature, TIX_SIG_SIZE);
    s_hex(r->key_id, s->key_id, TIX_KEY_ID_SIZE);
    return 0;
}

int tix_archive_add(tix_archive_t *self, const tix_record_t *rec)
{
    switch (rec->kind) {
    case TIX_REC_QUOTE: return s_add_quote(self, rec->seq, &rec->u.quote);
    case TIX_REC_CLOCK: {
        tix_arow_clock_t *r = s_slot(self, TIX_ADS_CLOCK, sizeof *r);
        if (!r)
            return -1;
        memset(r, 0, sizeof *r); /* field by field: a compound literal's padding is unspecified */
        r->seq = rec->seq;
        r->ns = rec->u.clock.ns;
        r->kind = (uint8_t)rec->u.clock.kind;
        return 0;
    }
    case TIX_REC_TICK: {
        const tix_tick_t *t = &rec->u.tick;
        tix_arow_tick_t *r = s_slot(self, TIX_ADS_TICKS, sizeof *r);
        if (!r)
            return -1;
        memset(r, 0, sizeof *r);
        r->seq = rec->seq;
        r->ts_ns = t->ts_ns;
        r->tier = t->tier;
        r->status = (uint8_t)t->status;
        r->price = t->price;
        r->n_used = t->n_used;
        r->n_excluded = t->n_excluded;
        r->n_stale = t->n_stale;
        r->dispersion = t->dispersion;
        return 0;
    }
    case TIX_REC_SETTLE: return s_add_settle(self, rec->seq, &rec->u.settle);
    case TIX_REC_PUBLISHED: break; /* the publish ledger is not archived */
    }
    TIX_SET_ERR(EINVAL, "%s: record kind %d is not archived", self->path, (int)rec->kind);
    return -1;
}

int tix_archive_flush(tix_archive_t *self)
{
    static const tix_ads_t order[] = {TIX_ADS_PROVIDERS, TIX_ADS_MODELS, TIX_ADS_QUOTES,
                                      TIX_ADS_CLOCK, TIX_ADS_TICKS, TIX_ADS_SETTLEMENTS};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        if (s_write_batch(self, order[k]) != 0)
            return -1;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        s_ds_t *d = &self->ds[order[k]];
        if (d->dirty && H5Dflush(d->id) < 0)
            return tix_h5_fail("flush", self->path);
        d->dirty = false;
    }
    return 0;
}

static void s_free(tix_archive_t *self)
{
    for (int i = 0; i < TIX_ADS_COUNT; i++) {
        if (self->ds[i].id >= 0)
            H5Dclose(self->ds[i].id);
        if (self->ds[i].type >= 0)
            H5Tclose(self->ds[i].type);
        free(self->ds[i].buf);
    }
    for (int k = 0; k < 2; k++) {
        free(self->names[k].names);
        free(self->names[k].slots);
    }
}

int tix_archive_close(tix_archive_t **self_p)
{
    if (!self_p || !*self_p)
        return 0;
    tix_archive_t *self = *self_p;
    int rc = tix_archive_flush(self);
    for (int i = 0; i < TIX_ADS_COUNT; i++) {
        if (self->ds[i].id >= 0 && H5Dclose(self->ds[i].id) < 0)
            rc = -1;
        self->ds[i].id = -1;
    }
    if (H5Fclose(self->file) < 0 && rc == 0)
        rc = tix_h5_fail("close", self->path);
    self->file = -1;
    s_free(self);
    free(self);
    *self_p = NULL;
    return rc;
}

/* After a write error the file's HDF5 handles are dropped, never closed: in HDF5 1.10.8
 * closing a file whose metadata cannot be written fails, and the half-closed file then
 * crashes the library (on a later close or at exit). The file is rebuilt from the journal
 * under a new handle; the dropped one costs its caches until the process ends, which is
 * why tools call H5dont_atexit() first. */
void tix_archive_abandon(tix_archive_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tix_archive_t *self = *self_p;
    for (int i = 0; i < TIX_ADS_COUNT; i++)
        self->ds[i].id = -1;
    s_free(self);
    free(self);
    *self_p = NULL;
}

const char *tix_archive_path(const tix_archive_t *self) { return self->path; }
