/* Merged reading of an archive file's datasets in global seq order, block by block (bounded memory). */
#include "archive_int.h"
#include "tix_err.h"

#include <stdlib.h>

#define BLOCK 4096

typedef struct {
    bool on;
    uint8_t *buf;
    size_t n, at;   /* rows in buf, next row */
    uint64_t next;  /* next file row to read */
} s_cur_t;

struct tix_amerge_s {
    tix_afile_t *f;
    s_cur_t c[TIX_ADS_SETTLEMENTS + 1];
};

tix_amerge_t *tix_amerge_new(tix_afile_t *file, unsigned mask)
{
    tix_amerge_t *self = calloc(1, sizeof *self);
    if (!self) {
        TIX_SET_ERR(ENOMEM, "out of memory");
        return NULL;
    }
    self->f = file;
    for (int i = 0; i <= TIX_ADS_SETTLEMENTS; i++) {
        self->c[i].on = mask & (1u << i);
        if (self->c[i].on && !(self->c[i].buf = malloc(BLOCK * tix_ads_info[i].row_size))) {
            TIX_SET_ERR(ENOMEM, "out of memory");
            tix_amerge_destroy(&self);
            return NULL;
        }
    }
    return self;
}

void tix_amerge_destroy(tix_amerge_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (int i = 0; i <= TIX_ADS_SETTLEMENTS; i++)
        free((*self_p)->c[i].buf);
    free(*self_p);
    *self_p = NULL;
}

/* The seq of cursor i's current row, reading a block if needed; UINT64_MAX at its end. */
static int s_head(tix_amerge_t *self, int i, uint64_t *seq)
{
    s_cur_t *c = &self->c[i];
    *seq = UINT64_MAX;
    if (!c->on)
        return 0;
    if (c->at == c->n) {
        uint64_t rows = tix_afile_rows(self->f, (tix_ads_t)i);
        size_t k = rows - c->next < BLOCK ? (size_t)(rows - c->next) : BLOCK;
        if (k && tix_afile_read(self->f, (tix_ads_t)i, c->next, k, c->buf) != 0)
            return -1;
        c->n = k;
        c->at = 0;
        c->next += k;
        if (k == 0)
            return 0;
    }
    *seq = *(const uint64_t *)(c->buf + c->at * tix_ads_info[i].row_size);
    return 0;
}

int tix_amerge_next(tix_amerge_t *self, tix_record_t *out, tix_ads_t *ds)
{
    int best = -1;
    uint64_t best_seq = UINT64_MAX;
    for (int i = 0; i <= TIX_ADS_SETTLEMENTS; i++) {
        uint64_t seq;
        if (s_head(self, i, &seq) != 0)
            return -1;
        if (seq < best_seq) {
            best_seq = seq;
            best = i;
        }
    }
    if (best < 0)
        return 0;
    s_cur_t *c = &self->c[best];
    const void *row = c->buf + c->at++ * tix_ads_info[best].row_size;
    if (ds)
        *ds = (tix_ads_t)best;
    return tix_afile_record(self->f, (tix_ads_t)best, row, out) == 0 ? 1 : -1;
}
