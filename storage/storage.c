/* Storage stage: bounded queue → journal thread (append, write, fdatasync on a cadence); the archive thread follows the journal. */
#include "storage_int.h"
#include "tix_err.h"
#include "tix_journal.h"
#include "tix_log.h"
#include "tix_time.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define JBATCH TIX_STORAGE_JBATCH

static int s_str_opt(const tix_config_t *cfg, const char *path, char *out, size_t len)
{
    const config_setting_t *s = tix_config_lookup(cfg, path);
    const char *v = s ? config_setting_get_string(s) : NULL;
    if (!v)
        return 0;
    if (snprintf(out, len, "%s", v) >= (int)len) {
        TIX_SET_ERR(ENAMETOOLONG, "%s: path too long", path);
        return -1;
    }
    return 1;
}

int tix_storage_opts_from_config(const tix_config_t *cfg, tix_storage_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->flush_ms = TIX_STORAGE_FLUSH_MS;
    o->fsync_ms = TIX_STORAGE_FSYNC_MS;
    o->queue_size = TIX_STORAGE_QUEUE;
    o->batch_rows = TIX_STORAGE_BATCH;
    o->block_when_full = true;
    o->retry_ms = 1000;
    o->reserve_kb = TIX_STORAGE_RESERVE_KB;
    if (s_str_opt(cfg, "storage.journal_fallback", o->journal_fallback,
                  sizeof o->journal_fallback) < 0)
        return -1;
    int a = s_str_opt(cfg, "storage.archive_dir", o->archive_dir, sizeof o->archive_dir);
    int j = s_str_opt(cfg, "storage.journal_dir", o->journal_dir, sizeof o->journal_dir);
    if (a < 0 || j < 0)
        return -1;
    if (a == 0) {
        TIX_SET_ERR(EINVAL, "%s: storage.archive_dir is not set", cfg->path);
        return -1;
    }
    if (j == 0 && snprintf(o->journal_dir, sizeof o->journal_dir, "%s/journal", o->archive_dir) >=
                      (int)sizeof o->journal_dir) {
        TIX_SET_ERR(ENAMETOOLONG, "storage.archive_dir: path too long");
        return -1;
    }
    o->flush_ms = tix_config_int(cfg, "storage.flush_ms", o->flush_ms);
    o->fsync_ms = tix_config_int(cfg, "storage.fsync_ms", o->fsync_ms);
    o->reserve_kb = tix_config_int(cfg, "storage.journal_reserve_kb", o->reserve_kb);
    return 0;
}

int tix_storage_config_sha256(const tix_config_t *cfg, char hex[65])
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        TIX_SET_ERR(ENOMEM, "out of memory rendering the configuration");
        return -1;
    }
    config_write(&cfg->lc, f);
    if (fclose(f) != 0 || sodium_init() < 0) {
        free(text);
        TIX_SET_ERR(EIO, "cannot hash the configuration");
        return -1;
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, len);
    free(text);
    sodium_bin2hex(hex, 65, h, sizeof h);
    return 0;
}

void tix_storage_deadline(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t ns = ts->tv_nsec + (ms % 1000) * TIX_NS_PER_MS;
    ts->tv_sec += (time_t)(ms / 1000 + ns / TIX_NS_PER_S);
    ts->tv_nsec = (long)(ns % TIX_NS_PER_S);
}

void tix_storage_fail(tix_storage_t *self, bool journal, const char *msg)
{
    pthread_mutex_lock(&self->mu);
    size_t n = strnlen(msg, sizeof self->st.last_error - 1); /* a long message is cut */
    memcpy(self->st.last_error, msg, n);
    self->st.last_error[n] = 0;
    if (journal) {
        self->st.journal_errors++;
        self->st.journal_ok = false;
    } else {
        self->st.archive_errors++;
        self->st.archive_ok = false;
    }
    pthread_mutex_unlock(&self->mu);
    tix_error("storage: %s", msg);
}

void tix_storage_low(tix_storage_t *self, const char *msg)
{
    pthread_mutex_lock(&self->mu);
    snprintf(self->st.last_error, sizeof self->st.last_error, "%s", msg);
    self->st.journal_lows++;
    pthread_mutex_unlock(&self->mu);
    tix_error("storage: %s", msg);
}

const char *tix_storage_jdir(const tix_storage_t *self, int part)
{
    if (part == 0)
        return self->o.journal_dir;
    return self->o.journal_fallback[0] ? self->o.journal_fallback : NULL;
}

/* ---------------------------------------------------------------- start-up */

static int s_mkdirs(const char *path)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s)
            continue;
        char c = *s;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            TIX_SET_ERR(errno, "cannot create directory %s: %s", p, strerror(errno));
            return -1;
        }
        if (!(*s = c))
            return 0;
    }
}

/* Recovers every active part of `days` (a torn tail is cut) and returns the highest seq. */
static int s_recover_parts(tix_storage_t *self, const int64_t *days, size_t n, uint64_t *last)
{
    char path[4200];
    struct stat sb;
    for (int part = 0; part < 2 && tix_storage_jdir(self, part); part++)
        for (size_t i = 0; i < n; i++) {
            tix_journal_info_t info;
            if (tix_day_path(tix_storage_jdir(self, part), days[i], ".journal", path, sizeof path) != 0)
                return -1;
            if (stat(path, &sb) != 0)
                continue; /* a day with a part in the other directory only */
            if (tix_journal_recover(path, days[i], &info) != 0)
                return -1;
            if (info.records && info.last_seq > *last)
                *last = info.last_seq;
        }
    return 0;
}

/* The highest seq of the newest sealed segment in `dir`, if any, into *last. */
static int s_last_done(const char *dir, uint64_t *last)
{
    char path[4200];
    int64_t *days;
    size_t n;
    if (tix_day_list(dir, ".journal.done", &days, &n) != 0)
        return -1;
    int64_t newest = n ? days[n - 1] : -1;
    free(days);
    if (newest < 0 || tix_day_path(dir, newest, ".journal.done", path, sizeof path))
        return 0;
    tix_jreader_t *rd = tix_jreader_open(path, newest);
    tix_record_t r;
    int rc = rd ? 0 : -1;
    while (rc == 0 && (rc = tix_jreader_next(rd, UINT64_MAX, &r)) == 1)
        rc = 0, *last = r.seq > *last ? r.seq : *last;
    tix_jreader_destroy(&rd);
    return rc < 0 ? -1 : 0;
}

/* The last seq ever journalled: from the active segments (recovered, so a torn tail is
 * cut) or else the newest sealed ones, in both directories, so numbering continues across
 * restarts. */
static int s_last_seq(tix_storage_t *self, const int64_t *days, size_t n, uint64_t *last)
{
    *last = 0;
    if (s_recover_parts(self, days, n, last) != 0)
        return -1;
    for (int part = 0; part < 2 && tix_storage_jdir(self, part); part++)
        if (s_last_done(tix_storage_jdir(self, part), last) != 0)
            return -1;
    return 0;
}

static int s_recover(tix_storage_t *self)
{
    int64_t *days;
    size_t n;
    const char *dirs[2] = {self->o.journal_dir, tix_storage_jdir(self, 1)};
    if (s_mkdirs(self->o.journal_dir) != 0 || s_mkdirs(self->o.archive_dir) != 0 ||
        (dirs[1] && s_mkdirs(dirs[1]) != 0) ||
        tix_journal_days(dirs, dirs[1] ? 2 : 1, ".journal", &days, &n) != 0)
        return -1;
    struct stat a, b;
    if (dirs[1] && stat(dirs[0], &a) == 0 && stat(dirs[1], &b) == 0 && a.st_dev == b.st_dev)
        tix_warn("storage: journal_fallback %s is on the same filesystem as journal_dir %s: "
                 "it fills with it", dirs[1], dirs[0]);
    uint64_t last = 0;
    int rc = s_last_seq(self, days, n, &last);
    self->st.submitted = self->st.journalled = self->st.durable = last;
    self->run = last + 1;
    self->st.archived = n ? 0 : last; /* sealed days are archived already */
    self->first_day = n ? days[0] : -1;
    self->jday = n ? days[n - 1] : -1;
    if (n)
        tix_info("storage: journal %s%s%s: %zu open day(s) from seq %llu; the archive is rebuilt "
                 "from them", self->o.journal_dir, dirs[1] ? " and " : "", dirs[1] ? dirs[1] : "",
                 n, (unsigned long long)last);
    free(days);
    return rc;
}

static int s_start(tix_storage_t *self)
{
    if (pthread_create(&self->jthread, NULL, tix_storage_journal_main, self) != 0) {
        TIX_SET_ERR(EAGAIN, "cannot start the journal thread");
        return -1;
    }
    self->jstarted = true;
    if (pthread_create(&self->athread, NULL, tix_storage_archive_main, self) != 0) {
        TIX_SET_ERR(EAGAIN, "cannot start the archive thread");
        return -1;
    }
    self->astarted = true;
    return 0;
}

static int s_init_sync(tix_storage_t *self)
{
    pthread_condattr_t ca;
    if (pthread_mutex_init(&self->mu, NULL) != 0 || pthread_condattr_init(&ca) != 0 ||
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0)
        return -1;
    int rc = pthread_cond_init(&self->not_empty, &ca) || pthread_cond_init(&self->not_full, &ca) ||
             pthread_cond_init(&self->progress, &ca);
    pthread_condattr_destroy(&ca);
    return rc ? -1 : 0;
}

/* Two processes on one journal would truncate each other's records during recovery. */
static int s_lock_dir(tix_storage_t *self)
{
    char path[4200];
    if (s_mkdirs(self->o.journal_dir) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/.lock", self->o.journal_dir);
    self->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (self->lock_fd < 0) {
        TIX_SET_ERR(errno, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(self->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        TIX_SET_ERR(errno, "journal_dir %s is in use by another process (%s is locked)",
                    self->o.journal_dir, path);
        return -1;
    }
    return 0;
}

tix_storage_t *tix_storage_new(const tix_config_t *cfg, const tix_storage_opts_t *opts)
{
    tix_storage_t *self = calloc(1, sizeof *self);
    if (!self || s_init_sync(self) != 0) {
        free(self);
        TIX_SET_ERR(ENOMEM, "cannot allocate the storage stage");
        return NULL;
    }
    self->lock_fd = -1;
    self->o = *opts;
    self->cfg = cfg;
    self->st.journal_ok = self->st.archive_ok = true;
    if (self->o.queue_size < 2 * JBATCH)
        self->o.queue_size = 2 * JBATCH;
    if (self->o.batch_rows == 0)
        self->o.batch_rows = TIX_STORAGE_BATCH;
    if (self->o.retry_ms <= 0)
        self->o.retry_ms = 1000;
    self->ring = calloc(self->o.queue_size, sizeof *self->ring);
    self->tier_ids = calloc((size_t)cfg->ntiers + 1, sizeof *self->tier_ids);
    self->jbatch = calloc(JBATCH, sizeof *self->jbatch);
    if (!self->ring || !self->tier_ids || !self->jbatch) {
        TIX_SET_ERR(ENOMEM, "cannot allocate the storage queue");
        tix_storage_destroy(&self);
        return NULL;
    }
    for (int i = 0; i < cfg->ntiers; i++)
        self->tier_ids[i] = cfg->tiers[i].id;
    if (s_lock_dir(self) != 0 || tix_storage_config_sha256(cfg, self->sha) != 0 || s_recover(self) != 0 ||
        s_start(self) != 0) {
        tix_storage_destroy(&self);
        return NULL;
    }
    return self;
}

void tix_storage_destroy(tix_storage_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tix_storage_t *self = *self_p;
    pthread_mutex_lock(&self->mu);
    self->stopping = true;
    pthread_cond_broadcast(&self->not_empty);
    pthread_cond_broadcast(&self->not_full);
    pthread_cond_broadcast(&self->progress);
    pthread_mutex_unlock(&self->mu);
    if (self->jstarted)
        pthread_join(self->jthread, NULL);
    if (self->astarted)
        pthread_join(self->athread, NULL);
    pthread_cond_destroy(&self->not_empty);
    pthread_cond_destroy(&self->not_full);
    pthread_cond_destroy(&self->progress);
    pthread_mutex_destroy(&self->mu);
    free(self->ring);
    free(self->tier_ids);
    free(self->jbatch);
    if (self->lock_fd >= 0)
        close(self->lock_fd); /* releases the flock */
    free(self);
    *self_p = NULL;
}

/* ---------------------------------------------------------------- submission */

int tix_storage_submit(tix_storage_t *self, tix_record_t *r, uint64_t *seq_out)
{
    pthread_mutex_lock(&self->mu);
    while (self->count == self->o.queue_size && self->o.block_when_full && !self->stopping)
        pthread_cond_wait(&self->not_full, &self->mu);
    if (self->stopping || self->count == self->o.queue_size) {
        /* A full queue is "try again": counting it would count a caller's retries, not records. */
        if (self->stopping)
            self->st.refused++;
        else
            self->st.queue_full++;
        pthread_mutex_unlock(&self->mu);
        TIX_SET_ERR(self->stopping ? ESHUTDOWN : EAGAIN, "storage: %s; record refused",
                    self->stopping ? "stopping" : "queue full");
        return -1;
    }
    r->seq = ++self->st.submitted;
    self->ring[(self->head + self->count++) % self->o.queue_size] = *r;
    if (r->kind == TIX_REC_TICK || r->kind == TIX_REC_SETTLE)
        self->urgent = true; /* the engine publishes outputs once they are durable */
    if (seq_out)
        *seq_out = r->seq;
    pthread_cond_signal(&self->not_empty);
    pthread_mutex_unlock(&self->mu);
    return 0;
}

int tix_storage_published(tix_storage_t *self, uint64_t channel_seq, uint64_t rec_seq,
                          tix_rec_kind_t rec_kind, int64_t ts_ns)
{
    tix_record_t r = {.kind = TIX_REC_PUBLISHED};
    r.u.pub = (tix_rec_pub_t){channel_seq, rec_seq, self->run, ts_ns, (uint8_t)rec_kind};
    pthread_mutex_lock(&self->mu);
    bool room = self->count < self->o.queue_size && !self->stopping;
    if (room)
        self->ring[(self->head + self->count++) % self->o.queue_size] = r; /* seq 0 */
    else
        self->st.ledger_dropped++;
    pthread_cond_signal(&self->not_empty);
    pthread_mutex_unlock(&self->mu);
    if (!room)
        TIX_SET_ERR(EAGAIN, "storage: queue full; publish ledger entry for channel_seq %llu dropped",
                    (unsigned long long)channel_seq);
    return room ? 0 : -1;
}

int tix_storage_quote(tix_storage_t *self, const tix_quote_t *q, const char *provider,
                      const char *model, const char *currency, tix_reason_t reason,
                      uint64_t *seq_out)
{
    tix_record_t r = {.kind = TIX_REC_QUOTE};
    if (tix_rec_quote_fill(&r.u.quote, q, provider, model, currency, reason) != 0) {
        pthread_mutex_lock(&self->mu);
        self->st.refused++;
        pthread_mutex_unlock(&self->mu);
        return -1;
    }
    return tix_storage_submit(self, &r, seq_out);
}

int tix_storage_clock(tix_storage_t *self, tix_clock_kind_t kind, int64_t ns, uint64_t *seq_out)
{
    tix_record_t r = {.kind = TIX_REC_CLOCK};
    r.u.clock.kind = kind;
    r.u.clock.ns = ns;
    return tix_storage_submit(self, &r, seq_out);
}

int tix_storage_tick(tix_storage_t *self, const tix_tick_t *tick, uint64_t *seq_out)
{
    tix_record_t r = {.kind = TIX_REC_TICK};
    r.u.tick = *tick;
    return tix_storage_submit(self, &r, seq_out);
}

int tix_storage_settlement(tix_storage_t *self, const tix_settlement_t *stl,
                           const uint8_t *signature, const uint8_t *key_id, uint64_t *seq_out)
{
    tix_record_t r = {.kind = TIX_REC_SETTLE};
    r.u.settle.s = *stl;
    if (signature)
        memcpy(r.u.settle.signature, signature, TIX_SIG_SIZE);
    if (key_id)
        memcpy(r.u.settle.key_id, key_id, TIX_KEY_ID_SIZE);
    return tix_storage_submit(self, &r, seq_out);
}

uint64_t tix_storage_durable(tix_storage_t *self)
{
    pthread_mutex_lock(&self->mu);
    uint64_t d = self->st.durable;
    pthread_mutex_unlock(&self->mu);
    return d;
}

uint64_t tix_storage_wait(tix_storage_t *self, uint64_t seq, bool durable, int64_t timeout_ms)
{
    struct timespec dl;
    tix_storage_deadline(&dl, timeout_ms);
    pthread_mutex_lock(&self->mu);
    uint64_t *at = durable ? &self->st.durable : &self->st.journalled;
    while (*at < seq && !self->journal_done &&
           pthread_cond_timedwait(&self->progress, &self->mu, &dl) == 0) {
    }
    uint64_t d = *at;
    pthread_mutex_unlock(&self->mu);
    return d;
}

void tix_storage_flow(tix_storage_t *self, tix_storage_flow_t *out)
{
    pthread_mutex_lock(&self->mu);
    out->journalled = self->st.journalled;
    out->durable = self->st.durable;
    out->room = self->o.queue_size - self->count;
    out->take_quotes = self->st.journal_ok && !self->st.journal_low && !self->stopping;
    pthread_mutex_unlock(&self->mu);
}

static int s_wait(tix_storage_t *self, int64_t timeout_ms, bool archived)
{
    struct timespec dl;
    tix_storage_deadline(&dl, timeout_ms);
    pthread_mutex_lock(&self->mu);
    uint64_t want = self->st.submitted;
    int rc = 0;
    while ((archived ? self->st.archived : self->st.durable) < want && rc == 0)
        rc = pthread_cond_timedwait(&self->progress, &self->mu, &dl);
    bool ok = (archived ? self->st.archived : self->st.durable) >= want;
    char err[512];
    snprintf(err, sizeof err, "%s", self->st.last_error);
    pthread_mutex_unlock(&self->mu);
    if (!ok)
        TIX_SET_ERR(ETIMEDOUT, "storage: records not yet %s after %lld ms%s%s",
                    archived ? "archived" : "durable", (long long)timeout_ms,
                    *err ? "; last error: " : "", err);
    return ok ? 0 : -1;
}

int tix_storage_sync(tix_storage_t *self, int64_t timeout_ms) { return s_wait(self, timeout_ms, false); }
int tix_storage_wait_archived(tix_storage_t *self, int64_t timeout_ms)
{
    return s_wait(self, timeout_ms, true);
}

void tix_storage_stats(tix_storage_t *self, tix_storage_stats_t *out)
{
    pthread_mutex_lock(&self->mu);
    *out = self->st;
    out->queue_depth = self->count;
    pthread_mutex_unlock(&self->mu);
}

int tix_storage_metrics(tix_storage_t *self, char *buf, size_t len)
{
    tix_storage_stats_t s;
    tix_storage_stats(self, &s);
    /* The error text goes into a comment line: a newline in it would break the format. */
    for (char *c = s.last_error; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    int n = snprintf(buf, len,
                     "tix_storage_submitted_seq %llu\ntix_storage_journalled_seq %llu\n"
                     "tix_storage_durable_seq %llu\ntix_storage_archived_seq %llu\n"
                     "tix_storage_refused_total %llu\ntix_storage_queue_full_total %llu\n"
                     "tix_storage_journal_errors_total %llu\n"
                     "tix_storage_archive_errors_total %llu\ntix_storage_days_closed_total %llu\n"
                     "tix_storage_queue_depth %zu\ntix_storage_journal_up %d\n"
                     "tix_storage_journal_low %d\ntix_storage_journal_low_total %llu\n"
                     "tix_storage_journal_fallback %d\ntix_storage_journal_fallback_total %llu\n"
                     "tix_storage_ledger_dropped_total %llu\n"
                     "tix_storage_archive_up %d\n# last error: %s\n",
                     (unsigned long long)s.submitted, (unsigned long long)s.journalled,
                     (unsigned long long)s.durable, (unsigned long long)s.archived,
                     (unsigned long long)s.refused, (unsigned long long)s.queue_full,
                     (unsigned long long)s.journal_errors,
                     (unsigned long long)s.archive_errors, (unsigned long long)s.days_closed,
                     s.queue_depth, s.journal_ok, s.journal_low, (unsigned long long)s.journal_lows,
                     s.journal_fallback, (unsigned long long)s.journal_moves,
                     (unsigned long long)s.ledger_dropped, s.archive_ok,
                     *s.last_error ? s.last_error : "none");
    return n < 0 || (size_t)n >= len ? -1 : n;
}

