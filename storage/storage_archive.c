/* Storage archive thread: follows the journal into the day's SWMR HDF5 file, flushes on a cadence, closes and compresses days, rebuilds after errors. */
#include "archive_int.h"
#include "storage_int.h"
#include "tix_err.h"
#include "tix_journal.h"
#include "tix_log.h"
#include "tix_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_BURST 65536 /* records between checks of the flush deadline */
#define MAX_BACKOFF_MS 30000

typedef struct {
    tix_storage_t *s;
    tix_archive_meta_t meta;
    int64_t day; /* day being archived, -1 none yet */
    int part;    /* the part being read: 0 journal_dir, 1 journal_fallback */
    tix_archive_t *ar;
    tix_jreader_t *rd;
    uint64_t added, rows; /* last seq added; rows added to this day's file */
    bool dirty;           /* rows added since the last flush */
    int64_t last_flush, retry_at, backoff_ms;
    bool failing;
} s_astate_t;

static void s_fail(s_astate_t *a, const char *what)
{
    char m[700];
    a->backoff_ms = a->backoff_ms ? a->backoff_ms * 2 : a->s->o.retry_ms;
    if (a->backoff_ms > MAX_BACKOFF_MS)
        a->backoff_ms = MAX_BACKOFF_MS;
    snprintf(m, sizeof m, "archive: %s: %s; publishing goes on and the journal keeps the data; "
             "rebuilding the day's file from the journal in %lld ms", what, tix_err(),
             (long long)a->backoff_ms);
    tix_storage_fail(a->s, false, m);
    tix_archive_abandon(&a->ar);
    tix_jreader_destroy(&a->rd);
    a->failing = true;
    a->retry_at = tix_time_mono_ns() + a->backoff_ms * TIX_NS_PER_MS;
}

/* The path of `part` of the day's segment with `suffix`; false if there is none. */
static bool s_part(const s_astate_t *a, int part, const char *suffix, char *path, size_t len)
{
    const char *dir = tix_storage_jdir(a->s, part);
    FILE *f = dir && tix_day_path(dir, a->day, suffix, path, len) == 0 ? fopen(path, "r") : NULL;
    if (f)
        fclose(f);
    return f != NULL;
}

/* Reads the day's part `part` from its start. */
static int s_open_part(s_astate_t *a, int part)
{
    char path[4200];
    if (!s_part(a, part, ".journal", path, sizeof path) &&
        tix_day_path(tix_storage_jdir(a->s, part), a->day, ".journal", path, sizeof path) != 0)
        return -1;
    tix_jreader_destroy(&a->rd);
    a->part = part;
    a->rd = tix_jreader_open(path, a->day);
    return a->rd ? 0 : -1;
}

static int s_open_day(s_astate_t *a)
{
    char path[4200];
    /* The primary part comes first; a day wholly in the fallback has no primary file. */
    if (s_open_part(a, s_part(a, 0, ".journal", path, sizeof path) ? 0 : 1) != 0)
        return -1;
    a->ar = tix_archive_create(a->s->o.archive_dir, a->day, &a->meta, a->s->o.batch_rows);
    if (!a->ar)
        return -1;
    a->rows = 0;
    a->dirty = false;
    a->last_flush = tix_time_mono_ns();
    return 0;
}

static int s_flush(s_astate_t *a)
{
    if (!a->dirty)
        return 0;
    if (tix_archive_flush(a->ar) != 0)
        return -1;
    a->dirty = false;
    a->last_flush = tix_time_mono_ns();
    a->failing = false;
    a->backoff_ms = 0;
    pthread_mutex_lock(&a->s->mu);
    a->s->st.archived = a->added;
    a->s->st.archive_ok = true;
    pthread_cond_broadcast(&a->s->progress);
    pthread_mutex_unlock(&a->s->mu);
    return 0;
}

/* Reads up to READ_BURST records below `limit` into the file; 1 if caught up. */
static int s_follow(s_astate_t *a, uint64_t limit)
{
    /* Zeroed once: decoding writes a name and its NUL only, and the archive writer reads
     * name fields by whole words (masking what follows the NUL), which valgrind's memcheck
     * would otherwise report as a use of uninitialised bytes. */
    tix_record_t r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < READ_BURST; i++) {
        int rc = tix_jreader_next(a->rd, limit, &r);
        if (rc <= 0)
            return rc == 0 ? 1 : -1;
        if (r.kind == TIX_REC_PUBLISHED)
            continue; /* the publish ledger stays in the journal */
        if (tix_archive_add(a->ar, &r) != 0)
            return -1;
        a->added = r.seq;
        a->rows++;
        a->dirty = true;
    }
    return 0;
}

static int64_t s_next_day(s_astate_t *a, int64_t jday)
{
    int64_t *days, next = jday;
    size_t n;
    const char *dirs[2] = {a->s->o.journal_dir, tix_storage_jdir(a->s, 1)};
    if (tix_journal_days(dirs, dirs[1] ? 2 : 1, ".journal", &days, &n) != 0)
        return jday;
    for (size_t i = 0; i < n; i++)
        if (days[i] > a->day && days[i] < next)
            next = days[i];
    free(days);
    return next;
}

/* The day is sealed and fully archived: close, compress, verify, retire its journal. */
static int s_close_day(s_astate_t *a, int64_t jday)
{
    char path[4200], jpath[4200], done[4200];
    snprintf(path, sizeof path, "%s", tix_archive_path(a->ar));
    a->dirty = true; /* publish `added` even if nothing was pending */
    if (s_flush(a) != 0 || tix_archive_close(&a->ar) != 0)
        return -1;
    tix_jreader_destroy(&a->rd);
    if (tix_archive_compress(path) != 0)
        return -1;
    for (int part = 0; part < 2; part++) {
        if (!s_part(a, part, ".journal", jpath, sizeof jpath))
            continue;
        if (tix_day_path(tix_storage_jdir(a->s, part), a->day, ".journal.done", done, sizeof done) != 0)
            return -1;
        if (rename(jpath, done) != 0 || tix_sync_dir_of(done) != 0) {
            TIX_SET_ERR(errno, "journal %s: cannot retire as %s: %s", jpath, done, strerror(errno));
            return -1;
        }
    }
    tix_info("storage: day closed: %s (%llu rows, compressed and verified); journal kept as %s",
             path, (unsigned long long)a->rows, done);
    pthread_mutex_lock(&a->s->mu);
    a->s->st.days_closed++;
    pthread_mutex_unlock(&a->s->mu);
    a->day = s_next_day(a, jday);
    return 0;
}

/* Sleeps on the progress condition until `ms` pass or something is journalled. */
static void s_wait(tix_storage_t *s, int64_t ms)
{
    struct timespec dl;
    tix_storage_deadline(&dl, ms > 0 ? ms : 1);
    pthread_mutex_lock(&s->mu);
    if (!s->stopping)
        pthread_cond_timedwait(&s->progress, &s->mu, &dl);
    pthread_mutex_unlock(&s->mu);
}

/* One step; returns 1 when stopping is complete. */
static int s_step(s_astate_t *a)
{
    tix_storage_t *s = a->s;
    pthread_mutex_lock(&s->mu);
    int64_t jday = s->jday;
    uint64_t jsize = s->jsize;
    int jpart = s->jpart;
    bool done = s->journal_done;
    if (a->day < 0)
        a->day = s->first_day >= 0 ? s->first_day : jday;
    pthread_mutex_unlock(&s->mu);
    int64_t now = tix_time_mono_ns();
    if (a->failing && now < a->retry_at) {
        if (done)
            return 1; /* stopping while the archive is down: the journal has it all */
        s_wait(s, (a->retry_at - now) / TIX_NS_PER_MS + 1);
        return 0;
    }
    if (a->day < 0) {
        if (done)
            return 1;
        s_wait(s, s->o.flush_ms);
        return 0;
    }
    if (!a->ar && s_open_day(a) != 0) {
        s_fail(a, "cannot open the day");
        return 0;
    }
    bool active = a->day == jday && a->part == jpart; /* the part the journal writes */
    int caught = s_follow(a, active ? jsize : UINT64_MAX);
    if (caught < 0) {
        s_fail(a, "cannot append");
        return 0;
    }
    char fb[4200];
    if (caught && !active && a->part == 0 && s_part(a, 1, ".journal", fb, sizeof fb)) {
        if (s_open_part(a, 1) != 0) /* the primary part is sealed: its fallback part follows */
            s_fail(a, "cannot open the fallback part");
        return 0;
    }
    if (caught && a->day < jday) {
        if (s_close_day(a, jday) != 0)
            s_fail(a, "cannot close the day");
        return 0;
    }
    bool due = tix_time_mono_ns() - a->last_flush >= s->o.flush_ms * TIX_NS_PER_MS;
    if ((due || (caught && done)) && s_flush(a) != 0) {
        s_fail(a, "cannot flush");
        return 0;
    }
    if (caught && done)
        return 1;
    if (caught)
        s_wait(s, s->o.flush_ms - (tix_time_mono_ns() - a->last_flush) / TIX_NS_PER_MS);
    return 0;
}

void *tix_storage_archive_main(void *arg)
{
    s_astate_t a = {.s = arg, .day = -1};
    tix_storage_t *s = a.s;
    /* HDF5 errors are reported through tix_err(), not printed by the library. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    a.meta = (tix_archive_meta_t){"v1", s->sha, s->tier_ids, s->cfg->ntiers};
    while (s_step(&a) == 0) {
    }
    if (a.ar && tix_archive_close(&a.ar) != 0)
        tix_error("storage: archive: closing: %s (the journal keeps the data)", tix_err());
    tix_archive_abandon(&a.ar);
    tix_jreader_destroy(&a.rd);
    return NULL;
}
