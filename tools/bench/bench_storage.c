/* Storage benchmarks: quote rows/s into the SWMR archive vs raw H5Dwrite of the same rows, and journal throughput (issue: storage, >= 1 M rows/s, ratio >= 0.5). */
#include "archive_int.h"
#include "bench.h"
#include "tix_archive.h"
#include "tix_config.h"
#include "tix_err.h"
#include "tix_storage.h"
#include "tix_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH 4096
#define ROUNDS 3
#define T0 (INT64_C(1767225600) * TIX_NS_PER_S)

static tix_record_t s_quote(long i)
{
    tix_record_t r = {.kind = TIX_REC_QUOTE, .seq = (uint64_t)i + 1};
    tix_rec_quote_t *q = &r.u.quote;
    q->recv_ns = T0 + i * 1000;
    snprintf(q->provider, sizeof q->provider, "provider-%02ld", i % 50);
    snprintf(q->model, sizeof q->model, "model-%02ld-large", (i / 50) % 10);
    strcpy(q->currency, "USD");
    q->unit = 1000000;
    q->fx_e9 = 1000000000;
    q->local_input = q->input = 2500000000 + i % 1000;
    q->local_output = q->output = 10000000000 + i % 1000;
    q->local_cached = q->cached = TIX_PRICE_NULL;
    q->blended = 4375000000;
    q->volume = 1000;
    return r;
}

static double s_secs(int64_t t0) { return (double)(tix_time_mono_ns() - t0) / 1e9; }

/* The archive writer's path: name interning, row building, batches of BATCH, flush each second.
 * Its file's creation (seven datasets, root attributes, rename into place) and close count. */
static int s_archive(const char *dir, const tix_record_t *recs, long n, double *secs)
{
    static const char *tiers[] = {"T1"};
    tix_archive_meta_t meta = {"v1", "bench", tiers, 1};
    int64_t t0 = tix_time_mono_ns(), last = t0;
    tix_archive_t *a = tix_archive_create(dir, 20454, &meta, BATCH);
    if (!a)
        return -1;
    for (long i = 0; i < n; i++) {
        if (tix_archive_add(a, &recs[i % BATCH]) != 0) {
            tix_archive_abandon(&a);
            return -1;
        }
        if ((i & 4095) == 0 && tix_time_mono_ns() - last >= TIX_NS_PER_S) {
            if (tix_archive_flush(a) != 0) {
                tix_archive_abandon(&a);
                return -1;
            }
            last = tix_time_mono_ns();
        }
    }
    int rc = tix_archive_close(&a);
    *secs = s_secs(t0);
    return rc;
}

/* Raw HDF5: the same rows, prebuilt, in the same batches, into one SWMR dataset, with the
 * archive's file access properties, chunk size and (HDF5's default) chunk cache. */
static int s_raw(const char *path, const tix_arow_quote_t *rows, long n, double *secs)
{
    int64_t t0 = tix_time_mono_ns();
    hid_t fapl = tix_h5_fapl();
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    hid_t type = tix_ads_type(TIX_ADS_QUOTES);
    hsize_t zero = 0, max = H5S_UNLIMITED, chunk = tix_ads_info[TIX_ADS_QUOTES].chunk_rows;
    hid_t sp = H5Screate_simple(1, &zero, &max), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int rc = f >= 0 && type >= 0 && H5Pset_chunk(dcpl, 1, &chunk) >= 0 ? 0 : -1;
    hid_t d = rc == 0 ? H5Dcreate2(f, "/quotes", type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    if (d < 0 || H5Fstart_swmr_write(f) < 0)
        rc = -1;
    for (long at = 0; rc == 0 && at < n; at += BATCH)
        rc = tix_ads_append(d, type, (hsize_t)at, rows, (size_t)(n - at < BATCH ? n - at : BATCH));
    if (d >= 0 && H5Dflush(d) < 0)
        rc = -1;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    H5Pclose(dcpl);
    if (type >= 0)
        H5Tclose(type);
    if (f >= 0 && H5Fclose(f) < 0)
        rc = -1;
    *secs = s_secs(t0);
    return rc;
}

static tix_config_t *s_config(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/bench.conf", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fprintf(f, "tiers = ( { id = \"T1\"; } );\nmapping = ( { provider = \"*\"; model = \"*\"; "
               "tier = \"T1\"; } );\nfx = { USD = \"1\"; };\nstorage = { archive_dir = \"%s/st\"; };\n",
            dir);
    if (fclose(f) != 0)
        return NULL;
    return tix_config_load(path, NULL);
}

/* The storage stage with its defaults: submit → journal (fdatasync every 100 ms) → archive. */
static int s_stage(const char *dir, const tix_record_t *recs, long n, double *jsecs, double *asecs)
{
    tix_config_t *cfg = s_config(dir);
    tix_storage_opts_t o;
    if (!cfg || tix_storage_opts_from_config(cfg, &o) != 0) {
        tix_config_destroy(&cfg);
        return -1;
    }
    tix_storage_t *st = tix_storage_new(cfg, &o);
    int64_t t0 = tix_time_mono_ns();
    int rc = st ? 0 : -1;
    for (long i = 0; rc == 0 && i < n; i++) {
        tix_record_t r = recs[i % BATCH];
        rc = tix_storage_submit(st, &r, NULL);
    }
    if (rc == 0 && tix_storage_sync(st, 600000) != 0)
        rc = -1;
    *jsecs = s_secs(t0);
    if (rc == 0 && tix_storage_wait_archived(st, 600000) != 0)
        rc = -1;
    *asecs = s_secs(t0);
    tix_storage_destroy(&st);
    tix_config_destroy(&cfg);
    return rc;
}

static int s_bench_storage(long scale)
{
    char dir[] = "/tmp/tix-bench-sto-XXXXXX", raw[128], arch[128], cmd[160];
    if (!mkdtemp(dir))
        return -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const long n = 2000000 * scale;
    tix_record_t *recs = malloc(BATCH * sizeof *recs);
    tix_arow_quote_t *rows = calloc(BATCH, sizeof *rows);
    double ta = 0, tr = 0, tj = 0, te = 0;
    int rc = recs && rows ? 0 : -1;
    for (long i = 0; rc == 0 && i < BATCH; i++) {
        recs[i] = s_quote(i);
        const tix_rec_quote_t *q = &recs[i].u.quote;
        rows[i] = (tix_arow_quote_t){recs[i].seq, q->recv_ns, (uint32_t)(i % 50), (uint32_t)(i / 50 % 10),
                                     0, 0, "USD", q->unit, q->fx_e9, q->local_input, q->local_output,
                                     q->local_cached, q->input, q->output, q->cached, q->blended,
                                     q->volume};
    }
    snprintf(raw, sizeof raw, "%s/raw.h5", dir);
    snprintf(arch, sizeof arch, "%s/tix-20260101.h5", dir);
    /* Alternating rounds, each file deleted before the next, best of each kept: the page
     * cache's write-back of one run must not be billed to the other. */
    tr = ta = 1e30;
    for (int round = 0; rc == 0 && round < ROUNDS; round++) {
        double a = 1e30, r = 1e30;
        if (s_raw(raw, rows, n, &r) != 0 || unlink(raw) != 0 ||
            s_archive(dir, recs, n, &a) != 0 || unlink(arch) != 0)
            rc = -1;
        tr = r < tr ? r : tr;
        ta = a < ta ? a : ta;
    }
    if (rc == 0 && s_stage(dir, recs, n / 2, &tj, &te) != 0)
        rc = -1;
    if (rc == 0) {
        printf("storage: archive (SWMR, batches of %d): %ld quote rows in %.3f s = %.0f rows/s "
               "(best of %d; target >= 1000000)\n", BATCH, n, ta, n / ta, ROUNDS);
        printf("storage: raw H5Dwrite, same rows and batches: %.3f s = %.0f rows/s (best of %d)\n",
               tr, n / tr, ROUNDS);
        printf("storage: archive / raw ratio %.2f (goal >= 0.5)\n", tr / ta);
        printf("storage: journal via the storage stage (fdatasync every %d ms): %ld records "
               "durable in %.3f s = %.0f records/s\n", TIX_STORAGE_FSYNC_MS, n / 2, tj, n / 2 / tj);
        printf("storage: archive flushed %.2f s after the journal was durable (flush cadence %d ms)\n",
               te - tj, TIX_STORAGE_FLUSH_MS);
        printf("storage: peak RSS %ld KiB\n", tix_bench_peak_rss_kb());
    } else {
        fprintf(stderr, "tix-bench: storage: %s\n", tix_err());
    }
    free(recs);
    free(rows);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "tix-bench: could not remove %s\n", dir);
    return rc;
}

TIX_BENCH("storage", s_bench_storage,
          "quote rows/s into the SWMR archive vs raw H5Dwrite; journal records/s")
