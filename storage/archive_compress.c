/* Day close: rewrite a daily file with shuffle+deflate, verify it row for row, fsync, rename in place. */
#include "archive_int.h"
#include "tix_err.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK_ROWS 65536

static hid_t s_open(const char *path)
{
    hid_t fapl = tix_h5_fapl();
    hid_t f = fapl >= 0 ? H5Fopen(path, H5F_ACC_RDONLY, fapl) : -1;
    if (fapl >= 0)
        H5Pclose(fapl);
    return f;
}

static hsize_t s_rows(hid_t d)
{
    hid_t sp = H5Dget_space(d);
    hsize_t n = 0;
    if (sp < 0 || H5Sget_simple_extent_dims(sp, &n, NULL) != 1)
        n = 0;
    if (sp >= 0)
        H5Sclose(sp);
    return n;
}

/* Reads rows [at, at+n) of `d` into zeroed `buf` (zeroed so struct padding compares equal). */
static int s_read(hid_t d, hid_t type, hsize_t at, size_t n, void *buf, size_t row_size)
{
    memset(buf, 0, n * row_size);
    return tix_ads_rows(d, type, at, n, buf, false);
}

static herr_t s_copy_attr(hid_t loc, const char *name, const H5A_info_t *info, void *arg)
{
    (void)info;
    hid_t dst = *(hid_t *)arg;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : -1, sp = a >= 0 ? H5Aget_space(a) : -1;
    herr_t rc = -1;
    size_t size = t >= 0 ? H5Tget_size(t) : 0;
    void *buf = size ? calloc(1, size) : NULL; /* root attributes are scalars */
    if (buf && sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1 && H5Aread(a, t, buf) >= 0) {
        hid_t b = H5Acreate2(dst, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        rc = b >= 0 && H5Awrite(b, t, buf) >= 0 ? 0 : -1;
        if (b >= 0)
            H5Aclose(b);
    }
    free(buf);
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

/* Copies (or, with `verify`, compares) every dataset of `src` and `dst` block by block. */
static int s_each_block(hid_t src, hid_t dst, bool verify, const char *path)
{
    int rc = 0;
    for (int i = 0; i < TIX_ADS_COUNT && rc == 0; i++) {
        size_t w = tix_ads_info[i].row_size;
        hid_t a = H5Dopen2(src, tix_ads_info[i].path, H5P_DEFAULT);
        hid_t b = H5Dopen2(dst, tix_ads_info[i].path, H5P_DEFAULT);
        hid_t t = tix_ads_type((tix_ads_t)i);
        uint8_t *x = malloc(BLOCK_ROWS * w), *y = malloc(BLOCK_ROWS * w);
        rc = a >= 0 && b >= 0 && t >= 0 && x && y ? 0 : -1;
        hsize_t n = rc == 0 ? s_rows(a) : 0;
        if (rc == 0 && verify && s_rows(b) != n) {
            TIX_SET_ERR(EIO, "%s: compressed copy has %llu rows in %s, original %llu", path,
                        (unsigned long long)s_rows(b), tix_ads_info[i].path,
                        (unsigned long long)n);
            rc = -2;
        }
        for (hsize_t at = 0; rc == 0 && at < n; at += BLOCK_ROWS) {
            size_t k = n - at < BLOCK_ROWS ? (size_t)(n - at) : BLOCK_ROWS;
            rc = s_read(a, t, at, k, x, w);
            if (rc == 0 && !verify)
                rc = tix_ads_append(b, t, at, x, k);
            else if (rc == 0 && (s_read(b, t, at, k, y, w) != 0 || memcmp(x, y, k * w) != 0)) {
                TIX_SET_ERR(EIO, "%s: compressed copy differs in %s rows %llu..%llu", path,
                            tix_ads_info[i].path, (unsigned long long)at,
                            (unsigned long long)(at + k - 1));
                rc = -2;
            }
        }
        free(x);
        free(y);
        if (t >= 0)
            H5Tclose(t);
        if (a >= 0)
            H5Dclose(a);
        if (b >= 0)
            H5Dclose(b);
    }
    if (rc == -1)
        tix_h5_fail(verify ? "verifying the compressed copy" : "copying rows", path);
    return rc == 0 ? 0 : -1;
}

static int s_copy(const char *path, const char *tmp)
{
    hid_t src = s_open(path), dst = -1;
    if (src < 0)
        return tix_h5_fail("cannot open for compression", path);
    hid_t ids[TIX_ADS_COUNT], n[TIX_ADS_COUNT];
    hsize_t rows[TIX_ADS_COUNT];
    for (int i = 0; i < TIX_ADS_COUNT; i++) {
        ids[i] = -1;
        n[i] = H5Dopen2(src, tix_ads_info[i].path, H5P_DEFAULT);
        rows[i] = n[i] >= 0 ? s_rows(n[i]) : 0;
        if (n[i] >= 0)
            H5Dclose(n[i]);
    }
    hid_t fapl = tix_h5_fapl();
    dst = fapl >= 0 ? H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : -1;
    if (fapl >= 0)
        H5Pclose(fapl);
    int rc = dst >= 0 && tix_ads_create_all(dst, ids, rows, true) == 0 &&
                     H5Aiterate2(src, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, s_copy_attr,
                                 &dst) >= 0
                 ? 0
                 : tix_h5_fail("cannot lay out the compressed copy", tmp);
    for (int i = 0; i < TIX_ADS_COUNT; i++)
        if (ids[i] >= 0)
            H5Dclose(ids[i]);
    if (rc == 0)
        rc = s_each_block(src, dst, false, tmp);
    if (dst >= 0 && H5Fclose(dst) < 0 && rc == 0)
        rc = tix_h5_fail("close", tmp);
    H5Fclose(src);
    return rc;
}

static int s_verify(const char *path, const char *tmp)
{
    hid_t a = s_open(path), b = s_open(tmp);
    int rc = a >= 0 && b >= 0 ? s_each_block(a, b, true, tmp)
                              : tix_h5_fail("cannot reopen for verification", a < 0 ? path : tmp);
    if (a >= 0)
        H5Fclose(a);
    if (b >= 0)
        H5Fclose(b);
    return rc;
}

static int s_fsync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
    if (rc != 0)
        TIX_SET_ERR(errno, "%s: fsync: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return rc;
}

int tix_archive_compress(const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (s_copy(path, tmp) != 0 || s_verify(path, tmp) != 0 || s_fsync_file(tmp) != 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        TIX_SET_ERR(errno, "%s: cannot rename over %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return tix_sync_dir_of(path);
}
