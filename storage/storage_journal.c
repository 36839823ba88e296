/* Storage journal thread: writes queued records to the day's segment in batches, fdatasyncs on a cadence (at once for output records), keeps a space reserve, and moves to journal_fallback when the primary directory fails. */
#include "storage_int.h"
#include "tix_err.h"
#include "tix_journal.h"
#include "tix_log.h"
#include "tix_time.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define JBATCH TIX_STORAGE_JBATCH
/* Written records not yet synced that force an fdatasync before the cadence: bounds how far
 * the engine's durable point (and so what it may consume) trails the journal. */
#define SYNC_RECORDS 8192

typedef struct {
    tix_storage_t *s;
    tix_journal_t *j;
    int part;          /* directory of the open segment: 0 journal_dir, 1 journal_fallback */
    int64_t last_sync;
    uint64_t appended; /* last seq in the writer (buffer or file) */
    uint64_t written;  /* last seq written (page cache) */
    uint64_t synced;   /* last seq fdatasync'ed */
    bool failing;      /* the last write or sync failed: retried every 100 ms */
    bool low;          /* no room for the space reserve: the engine holds new quotes */
    bool urgent;       /* an output record was written: sync now */
} s_jstate_t;

static void s_publish(s_jstate_t *js)
{
    tix_storage_t *s = js->s;
    pthread_mutex_lock(&s->mu);
    s->st.journalled = js->written;
    s->st.durable = js->synced;
    s->jday = js->j ? tix_journal_day(js->j) : s->jday;
    s->jsize = js->j ? tix_journal_size(js->j) : 0;
    s->jpart = js->part;
    s->st.journal_fallback = js->part == 1;
    s->st.journal_low = js->low;
    if (!js->failing)
        s->st.journal_ok = true;
    pthread_cond_broadcast(&s->progress);
    pthread_mutex_unlock(&s->mu);
}

static int s_flush(s_jstate_t *js)
{
    if (js->j && tix_journal_flush(js->j) != 0)
        return -1;
    js->written = js->appended;
    return 0;
}

static int s_sync(s_jstate_t *js)
{
    if (js->j && js->synced < js->written && tix_journal_sync(js->j) != 0)
        return -1;
    js->synced = js->written;
    js->last_sync = tix_time_mono_ns();
    js->urgent = false;
    return 0;
}

static bool s_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Opens `day`'s segment: in the fallback if the day already continues there (so the parts
 * stay in seq order: primary, then fallback), else in the primary, else in the fallback. */
static tix_journal_t *s_open_day(s_jstate_t *js, int64_t day)
{
    tix_storage_t *s = js->s;
    char path[4200];
    tix_journal_info_t info;
    bool has_fb = s->o.journal_fallback[0] != 0;
    if (has_fb && tix_day_path(s->o.journal_fallback, day, ".journal", path, sizeof path) == 0 &&
        s_exists(path)) {
        js->part = 1;
        return tix_journal_open(s->o.journal_fallback, day, &info);
    }
    tix_journal_t *j = tix_journal_open(s->o.journal_dir, day, &info);
    js->part = 0;
    if (j || !has_fb)
        return j;
    tix_warn("storage: journal: %s; opening the day in journal_fallback %s", tix_err(),
             s->o.journal_fallback);
    js->part = 1;
    return tix_journal_open(s->o.journal_fallback, day, &info);
}

/* Seals the current segment (everything written and synced) and opens `day`'s. */
static int s_switch_day(s_jstate_t *js, int64_t day)
{
    if (s_flush(js) != 0 || s_sync(js) != 0)
        return -1;
    tix_journal_t *next = s_open_day(js, day);
    if (!next)
        return -1;
    tix_journal_destroy(&js->j);
    js->j = next;
    s_publish(js); /* the archive thread learns the old day is sealed */
    return 0;
}

/* Continues the open day in journal_fallback (once: the fallback has no fallback). The
 * records already written to the primary are synced first; those still buffered go to the
 * fallback. 0 when moved. */
static int s_move(s_jstate_t *js, const char *why)
{
    tix_storage_t *s = js->s;
    if (js->part == 1 || !s->o.journal_fallback[0] || !js->j)
        return -1;
    char from[4096];
    snprintf(from, sizeof from, "%s", tix_journal_path(js->j));
    if (js->synced < js->written && tix_journal_sync(js->j) != 0)
        tix_error("storage: journal: %s (records up to seq %llu were written there)", tix_err(),
                  (unsigned long long)js->written);
    js->synced = js->written;
    tix_journal_info_t info;
    if (tix_journal_move(js->j, s->o.journal_fallback, &info) != 0) {
        tix_error("storage: journal: journal_fallback: %s", tix_err());
        return -1;
    }
    js->part = 1;
    pthread_mutex_lock(&s->mu);
    s->st.journal_moves++;
    snprintf(s->st.last_error, sizeof s->st.last_error, "%s, since %.200s: %.200s",
             tix_journal_path(js->j), from, why);
    pthread_mutex_unlock(&s->mu);
    tix_warn("storage: journal: %s: %s; the day continues in %s (from seq %llu)", from, why,
             tix_journal_path(js->j), (unsigned long long)js->written + 1);
    return 0;
}

/* Appends and writes one batch; *done counts the records now in the writer (even if the
 * final write failed: they stay buffered and are retried, never appended twice). */
static int s_write_batch(s_jstate_t *js, const tix_record_t *batch, size_t n, size_t *done)
{
    *done = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t day = tix_day_of(tix_record_time(&batch[i]));
        int64_t cur = js->j ? tix_journal_day(js->j) : js->s->jday;
        if (day < cur)
            day = cur; /* days never go back: a straggler joins the open day */
        if ((!js->j || day != tix_journal_day(js->j)) && s_switch_day(js, day) != 0)
            return -1;
        if (tix_journal_append(js->j, &batch[i]) != 0)
            return -1;
        if (batch[i].seq) /* the publish ledger has none */
            js->appended = batch[i].seq;
        *done = i + 1;
    }
    return s_flush(js);
}

static size_t s_take(tix_storage_t *self, tix_record_t *batch, size_t room, bool *urgent)
{
    size_t n = 0;
    while (n < room && self->count > 0) {
        batch[n++] = self->ring[self->head];
        self->head = (self->head + 1) % self->o.queue_size;
        self->count--;
    }
    *urgent |= self->urgent;
    if (self->count == 0)
        self->urgent = false;
    if (n)
        pthread_cond_broadcast(&self->not_full);
    return n;
}

static void s_journal_fail(s_jstate_t *js)
{
    if (!js->failing) {
        char m[600];
        snprintf(m, sizeof m, "journal: %s; new quotes are held, ticks wait for the journal, "
                 "retrying every 100 ms", tix_err());
        tix_storage_fail(js->s, true, m);
    }
    js->failing = true;
}

/* A failed write or sync: try the fallback, then write what is buffered again. */
static void s_retry(s_jstate_t *js)
{
    if (!js->failing)
        return;
    char why[TIX_ERR_MAX];
    snprintf(why, sizeof why, "%s", tix_err());
    (void)s_move(js, why);
    if (s_flush(js) == 0 && s_sync(js) == 0)
        js->failing = false; /* the buffered records went out: space is back */
}

/* Keeps the space reserve ahead of the segment; when the disk has no room for it the
 * journal is "low": it goes on writing into the reserve (clocks, ticks, the quotes already
 * queued) while the engine holds new quotes, or it moves to the fallback. */
static void s_reserve(s_jstate_t *js)
{
    tix_storage_t *s = js->s;
    uint64_t want = (uint64_t)s->o.reserve_kb * 1024;
    if (!js->j || js->failing)
        return;
    int rc = tix_journal_reserve(js->j, want);
    if (rc != 0) {
        char why[TIX_ERR_MAX];
        snprintf(why, sizeof why, "%s", tix_err());
        if (s_move(js, why) == 0)
            rc = tix_journal_reserve(js->j, want);
    }
    bool low = rc != 0;
    if (low && !js->low) {
        char m[800];
        snprintf(m, sizeof m, "journal: %s; new quotes are held in memory, ticks go on from "
                 "journalled inputs (%llu bytes of reserve left)", tix_err(),
                 (unsigned long long)tix_journal_reserved(js->j));
        tix_storage_low(s, m);
    } else if (!low && js->low) {
        tix_info("storage: journal: space is back in %s: quotes are journalled again",
                 tix_journal_path(js->j));
    }
    js->low = low;
}

static bool s_sync_due(const s_jstate_t *js, bool stop, int64_t now)
{
    const tix_storage_t *s = js->s;
    return s->o.fsync_ms == 0 || stop || js->urgent || js->written - js->synced >= SYNC_RECORDS ||
           now - js->last_sync >= s->o.fsync_ms * TIX_NS_PER_MS;
}

void *tix_storage_journal_main(void *arg)
{
    s_jstate_t js = {.s = arg, .last_sync = tix_time_mono_ns()};
    tix_storage_t *self = js.s;
    js.appended = js.written = js.synced = self->st.durable;
    if (self->jday >= 0 && s_switch_day(&js, self->jday) != 0)
        s_journal_fail(&js);
    tix_record_t *batch = self->jbatch;
    size_t held = 0; /* records taken but not yet in the writer, at batch[0..held) */
    for (int64_t backoff = 0;; backoff = js.failing ? 100 : 0) {
        if (backoff)
            nanosleep(&(struct timespec){0, backoff * TIX_NS_PER_MS}, NULL);
        pthread_mutex_lock(&self->mu);
        if (self->count == 0 && !held && !self->stopping) {
            struct timespec dl;
            tix_storage_deadline(&dl, self->o.fsync_ms > 0 ? self->o.fsync_ms : 100);
            pthread_cond_timedwait(&self->not_empty, &self->mu, &dl);
        }
        if (!js.failing)
            held += s_take(self, batch + held, JBATCH - held, &js.urgent);
        bool stopping = self->stopping, stop = stopping && self->count == 0 && !held;
        pthread_mutex_unlock(&self->mu);
        s_retry(&js);
        size_t done = 0;
        if (held && !js.failing && s_write_batch(&js, batch, held, &done) != 0)
            s_journal_fail(&js);
        memmove(batch, batch + done, (held - done) * sizeof *batch);
        held -= done;
        if (done)
            s_publish(&js); /* journalled: the engine may use these before the sync */
        if (!js.failing && s_sync_due(&js, stop, tix_time_mono_ns()) && s_sync(&js) != 0)
            s_journal_fail(&js);
        s_retry(&js);
        s_reserve(&js);
        s_publish(&js);
        if (stop || (stopping && js.failing))
            break;
    }
    if (js.failing)
        tix_error("storage: journal: stopping with records not journalled (last journalled "
                  "seq %llu): %s", (unsigned long long)js.written, tix_err());
    tix_journal_destroy(&js.j);
    pthread_mutex_lock(&self->mu);
    self->journal_done = true;
    pthread_cond_broadcast(&self->progress);
    pthread_mutex_unlock(&self->mu);
    return NULL;
}
