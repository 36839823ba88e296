/* Private to storage/: HDF5 types and dataset descriptors shared by the archive writer and reader. */
#ifndef TIX_ARCHIVE_INT_H
#define TIX_ARCHIVE_INT_H

#include "tix_archive.h"

#include <hdf5.h>

typedef struct {
    const char *path;  /* "/quotes" */
    size_t row_size;
    hsize_t chunk_rows;
} tix_ads_info_t;

extern const tix_ads_info_t tix_ads_info[TIX_ADS_COUNT];

/* The memory (= file) type of dataset `ds`'s rows; the caller closes it. -1 on error. */
hid_t tix_ads_type(tix_ads_t ds);
/* Sets tix_err to "<what>: <path>: <innermost HDF5 message>". Returns -1. */
int tix_h5_fail(const char *what, const char *path);
/* File access properties: latest format (required for SWMR), strong close. */
hid_t tix_h5_fapl(void);

/* Creates /names and every dataset, empty and chunked (chunks no larger than `rows[i]`
 * when given), with shuffle+deflate when `compress`. ids[i] < 0 where creation failed. */
int tix_ads_create_all(hid_t file, hid_t *ids, const hsize_t *rows, bool compress);
/* Reads (write false) or writes rows [at, at+n) of dataset `d` as `type`; the dataset must
 * already hold them. -1 on HDF5 error. */
int tix_ads_rows(hid_t d, hid_t type, hsize_t at, size_t n, void *buf, bool write);
/* Appends `n` rows of `type` at row `at` of dataset `d`. -1 on HDF5 error. */
int tix_ads_append(hid_t d, hid_t type, hsize_t at, const void *rows, size_t n);
/* fsync of the directory holding `path` (after a rename). */
int tix_sync_dir_of(const char *path);

#endif
