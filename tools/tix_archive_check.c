/* tix-archive check: each journalled record once and identical in the archive (journal_dir and journal_fallback parts read in order), and every message in the publish ledger carrying an archived record. */
#include "tix_archive_check.h"
#include "tix_archive.h"
#include "tix_err.h"
#include "tix_journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One day's journal across its parts: journal_dir's segment, then journal_fallback's. */
typedef struct {
    tix_jreader_t *rd[2];
    char path[2][4200];
    int cur, n;
} s_jday_t;

/* An archived record, as the publish ledger names it. */
typedef struct {
    uint64_t seq;
    int64_t ts;
    uint8_t kind;
} s_arec_t;

typedef struct {
    s_arec_t *arch; /* every archived record, seq order */
    size_t na, capa;
    tix_rec_pub_t *pub; /* the publish ledger */
    size_t np, capp;
} s_audit_t;

static int s_grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 4096;
    void *q = realloc(*p, c * size);
    if (!q) {
        TIX_SET_ERR(ENOMEM, "out of memory reading the archive");
        return -1;
    }
    *p = q;
    *cap = c;
    return 0;
}

static int s_jday_open(s_jday_t *jd, const tix_storage_opts_t *o, int64_t day)
{
    const char *dirs[2] = {o->journal_dir, o->journal_fallback};
    memset(jd, 0, sizeof *jd);
    for (int part = 0; part < 2; part++) {
        struct stat sb;
        char *p = jd->path[jd->n];
        if (!dirs[part][0])
            continue;
        if (tix_day_path(dirs[part], day, ".journal", p, sizeof jd->path[0]) != 0)
            return -1;
        if (stat(p, &sb) != 0 &&
            (tix_day_path(dirs[part], day, ".journal.done", p, sizeof jd->path[0]) != 0 ||
             stat(p, &sb) != 0))
            continue;
        if (!(jd->rd[jd->n] = tix_jreader_open(p, day)))
            return -1;
        jd->n++;
    }
    if (jd->n == 0) {
        TIX_SET_ERR(ENOENT, "no journal segment for an archived day in %s", o->journal_dir);
        return -1;
    }
    return 0;
}

static void s_jday_close(s_jday_t *jd)
{
    for (int i = 0; i < 2; i++)
        tix_jreader_destroy(&jd->rd[i]);
}

/* The next record of the day that belongs in the archive; ledger entries are collected. */
static int s_jday_next(s_jday_t *jd, s_audit_t *au, tix_record_t *r)
{
    while (jd->cur < jd->n) {
        int rc = tix_jreader_next(jd->rd[jd->cur], UINT64_MAX, r);
        if (rc < 0)
            return -1;
        if (rc == 0 && tix_jreader_torn(jd->rd[jd->cur])) {
            TIX_SET_ERR(EBADMSG, "%s: torn tail (run 'tix-archive recover' first)", jd->path[jd->cur]);
            return -1;
        }
        if (rc == 0) {
            jd->cur++;
            continue;
        }
        if (r->kind != TIX_REC_PUBLISHED)
            return 1;
        if (s_grow((void **)&au->pub, &au->capp, au->np, sizeof *au->pub) != 0)
            return -1;
        au->pub[au->np++] = r->u.pub;
    }
    return 0;
}

static int s_same(const tix_record_t *a, const tix_record_t *b)
{
    uint8_t x[TIX_REC_PAYLOAD_MAX], y[TIX_REC_PAYLOAD_MAX];
    int n = tix_record_encode(a, x), m = tix_record_encode(b, y);
    return n > 0 && n == m && memcmp(x, y, (size_t)n) == 0;
}

static int s_archived(s_audit_t *au, const tix_record_t *a)
{
    if (s_grow((void **)&au->arch, &au->capa, au->na, sizeof *au->arch) != 0)
        return -1;
    au->arch[au->na++] = (s_arec_t){a->seq, tix_record_time(a), (uint8_t)a->kind};
    return 0;
}

/* Compares one day's journal with its archive file, record by record in seq order. */
static int s_check_day(const tix_storage_opts_t *o, int64_t day, s_audit_t *au, uint64_t *total)
{
    char ap[4200];
    s_jday_t jd;
    if (tix_day_path(o->archive_dir, day, ".h5", ap, sizeof ap) != 0 || s_jday_open(&jd, o, day) != 0) {
        s_jday_close(&jd);
        return -1;
    }
    tix_afile_t *af = tix_afile_open(ap, true);
    tix_amerge_t *m = af ? tix_amerge_new(af, 0xf) : NULL;
    int rc = m ? 0 : -1;
    uint64_t n = 0;
    while (rc == 0) {
        tix_record_t j, a;
        int rj = s_jday_next(&jd, au, &j), ra = rj < 0 ? 0 : tix_amerge_next(m, &a, NULL);
        if (rj < 0 || ra < 0 || (ra == 1 && s_archived(au, &a) != 0)) {
            rc = -1;
        } else if (rj == 0 && ra == 0) {
            break;
        } else if (rj != ra || j.seq != a.seq || !s_same(&j, &a)) {
            TIX_SET_ERR(EBADMSG, "%s vs %s: first difference at journal seq %llu / archive seq "
                        "%llu (%s)", jd.path[jd.cur < jd.n ? jd.cur : 0], ap,
                        rj ? (unsigned long long)j.seq : 0ULL, ra ? (unsigned long long)a.seq : 0ULL,
                        rj != ra ? "one has fewer records" : "records differ");
            rc = -1;
        } else {
            n++;
        }
    }
    tix_amerge_destroy(&m);
    tix_afile_close(&af);
    if (rc == 0)
        printf("%s%s%s: %llu records, each once and identical in %s\n", jd.path[0],
               jd.n > 1 ? " + " : "", jd.n > 1 ? jd.path[1] : "", (unsigned long long)n, ap);
    s_jday_close(&jd);
    *total += n;
    return rc;
}

static const char *s_kind(uint8_t k)
{
    return k == TIX_REC_TICK ? "tick" : k == TIX_REC_SETTLE ? "settlement" : k == TIX_REC_QUOTE ? "quote" : "record";
}

static int s_cmp_arec(const void *k, const void *e)
{
    uint64_t a = *(const uint64_t *)k, b = ((const s_arec_t *)e)->seq;
    return (a > b) - (a < b);
}

/* Every ledger entry's record must be archived, with the same kind and time. */
static int s_check_ledger(const s_audit_t *au)
{
    uint64_t missing = 0;
    for (size_t i = 0; i < au->np; i++) {
        const tix_rec_pub_t *p = &au->pub[i];
        const s_arec_t *r = bsearch(&p->rec_seq, au->arch, au->na, sizeof *au->arch, s_cmp_arec);
        if (r && r->kind == p->rec_kind && r->ts == p->ts_ns)
            continue;
        if (missing++ < 10)
            fprintf(stderr, "tix-archive: check: published but not archived: run %llu channel_seq "
                    "%llu: %s at %lld (record seq %llu)%s\n", (unsigned long long)p->run,
                    (unsigned long long)p->channel_seq, s_kind(p->rec_kind), (long long)p->ts_ns,
                    (unsigned long long)p->rec_seq, r ? ": the archive has another record there" : "");
    }
    if (missing) {
        TIX_SET_ERR(EBADMSG, "%llu of %zu published messages are not in the archive",
                    (unsigned long long)missing, au->np);
        return -1;
    }
    printf("publish ledger: %zu published messages, each carrying an archived record\n", au->np);
    return 0;
}

int tix_archive_check(const tix_storage_opts_t *o)
{
    int64_t *jd = NULL, *ad = NULL;
    size_t nj = 0, na = 0;
    const char *dirs[2] = {o->journal_dir, o->journal_fallback};
    size_t nd = o->journal_fallback[0] ? 2 : 1;
    int64_t *done = NULL;
    size_t ndone = 0;
    int rc = tix_journal_days(dirs, nd, ".journal", &jd, &nj) ||
                     tix_journal_days(dirs, nd, ".journal.done", &done, &ndone) ||
                     tix_day_list(o->archive_dir, ".h5", &ad, &na)
                 ? -1
                 : 0;
    if (rc == 0 && nj + ndone != na) {
        TIX_SET_ERR(EBADMSG, "%zu journal day(s) but %zu archive file(s)", nj + ndone, na);
        rc = -1;
    }
    s_audit_t au = {0};
    uint64_t total = 0;
    for (size_t i = 0; rc == 0 && i < na; i++)
        rc = s_check_day(o, ad[i], &au, &total);
    if (rc == 0)
        rc = s_check_ledger(&au);
    if (rc == 0)
        printf("check: OK: %llu records in %zu day(s)\n", (unsigned long long)total, na);
    else
        fprintf(stderr, "tix-archive: check: %s\n", tix_err());
    free(au.arch);
    free(au.pub);
    free(jd);
    free(done);
    free(ad);
    return rc;
}
