/* Journal segments: buffered appends with CRC32C per record, torn-tail recovery, a tailing reader. */
#include "tix_journal.h"
#include "tix_crc32c.h"
#include "tix_err.h"
#include "tix_log.h"
#include "tix_time.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WBUF_SIZE (256 * 1024)
#define RBUF_SIZE (1024 * 1024)

int64_t tix_day_of(int64_t ns) { return tix_floor_div(ns, TIX_MS_PER_DAY * TIX_NS_PER_MS); }

int tix_day_path(const char *dir, int64_t day, const char *suffix, char *buf, size_t len)
{
    char date[16];
    tix_time_format_date(day * TIX_MS_PER_DAY * TIX_NS_PER_MS, date, sizeof date);
    int n = snprintf(buf, len, "%s/tix-%.4s%.2s%.2s%s", dir, date, date + 5, date + 8, suffix);
    if (n < 0 || (size_t)n >= len) {
        TIX_SET_ERR(ENAMETOOLONG, "%s: path too long", dir);
        return -1;
    }
    return 0;
}

int64_t tix_day_parse(const char *name, const char *suffix)
{
    size_t n = strlen(name), sl = strlen(suffix);
    if (n != 12 + sl || strncmp(name, "tix-", 4) != 0 || strcmp(name + 12, suffix) != 0)
        return -1;
    unsigned v[8];
    for (int i = 0; i < 8; i++) {
        if (name[4 + i] < '0' || name[4 + i] > '9')
            return -1;
        v[i] = (unsigned)(name[4 + i] - '0');
    }
    unsigned y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[4] * 10 + v[5],
             d = v[6] * 10 + v[7];
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    return tix_days_from_civil(y, m, d);
}

static int s_cmp_day(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int tix_journal_list(const char *dir, int64_t **days, size_t *n)
{
    return tix_day_list(dir, ".journal", days, n);
}

int tix_journal_days(const char *const *dirs, size_t ndirs, const char *suffix, int64_t **days,
                     size_t *n)
{
    *days = NULL;
    *n = 0;
    for (size_t d = 0; d < ndirs; d++) {
        int64_t *more;
        size_t m;
        if (tix_day_list(dirs[d], suffix, &more, &m) != 0)
            goto fail;
        int64_t *all = realloc(*days, (*n + m + 1) * sizeof *all);
        if (!all) {
            free(more);
            TIX_SET_ERR(ENOMEM, "out of memory listing %s", dirs[d]);
            goto fail;
        }
        if (m)
            memcpy(all + *n, more, m * sizeof *more);
        free(more);
        *days = all;
        *n += m;
    }
    if (*n)
        qsort(*days, *n, sizeof **days, s_cmp_day);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) /* a day with a part in each directory, once */
        if (k == 0 || (*days)[k - 1] != (*days)[i])
            (*days)[k++] = (*days)[i];
    *n = k;
    return 0;
fail:
    free(*days);
    *days = NULL;
    *n = 0;
    return -1;
}

int tix_day_list(const char *dir, const char *suffix, int64_t **days, size_t *n)
{
    *days = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        TIX_SET_ERR(errno, "directory %s: %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int64_t day = tix_day_parse(e->d_name, suffix);
        if (day < 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *nd = realloc(*days, cap * sizeof *nd);
            if (!nd) {
                closedir(d);
                free(*days);
                *days = NULL;
                TIX_SET_ERR(ENOMEM, "out of memory listing %s", dir);
                return -1;
            }
            *days = nd;
        }
        (*days)[(*n)++] = day;
    }
    closedir(d);
    if (*n)
        qsort(*days, *n, sizeof **days, s_cmp_day);
    return 0;
}

static void s_header(uint8_t *h, int64_t day)
{
    memcpy(h, TIX_JOURNAL_MAGIC, 8);
    uint32_t v[2] = {TIX_JOURNAL_VERSION, (uint32_t)day};
    for (int i = 0; i < 2; i++)
        for (int b = 0; b < 4; b++)
            h[8 + 4 * i + b] = (uint8_t)(v[i] >> (8 * b));
}

static int s_write_all(int fd, const uint8_t *p, size_t n, const char *path)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            TIX_SET_ERR(errno, "journal %s: write: %s", path, strerror(errno));
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---------------------------------------------------------------- reader */

struct tix_jreader_s {
    int fd;
    char path[4096];
    uint8_t *buf;
    uint64_t buf_off, off; /* file offset of buf[0]; offset of the next record */
    size_t buf_len;
    bool torn;
};

static int s_check_header(int fd, const char *path, int64_t day)
{
    uint8_t h[TIX_JOURNAL_HEADER_SIZE], want[TIX_JOURNAL_HEADER_SIZE];
    ssize_t r = pread(fd, h, sizeof h, 0);
    if (r != (ssize_t)sizeof h) {
        TIX_SET_ERR(r < 0 ? errno : EBADMSG, "journal %s: cannot read its header%s", path,
                    r < 0 ? "" : " (file too short)");
        return -1;
    }
    s_header(want, day);
    if (memcmp(h, want, 8) != 0) {
        TIX_SET_ERR(EBADMSG, "journal %s: not a tix journal (bad magic)", path);
        return -1;
    }
    if (memcmp(h, want, sizeof h) != 0) {
        TIX_SET_ERR(EBADMSG, "journal %s: header names another version or day", path);
        return -1;
    }
    return 0;
}

tix_jreader_t *tix_jreader_open(const char *path, int64_t day)
{
    tix_jreader_t *self = calloc(1, sizeof *self);
    if (!self || !(self->buf = malloc(RBUF_SIZE))) {
        free(self);
        TIX_SET_ERR(ENOMEM, "out of memory opening journal %s", path);
        return NULL;
    }
    snprintf(self->path, sizeof self->path, "%s", path);
    self->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (self->fd < 0) {
        TIX_SET_ERR(errno, "journal %s: cannot open: %s", path, strerror(errno));
        tix_jreader_destroy(&self);
        return NULL;
    }
    if (s_check_header(self->fd, path, day) != 0) {
        tix_jreader_destroy(&self);
        return NULL;
    }
    self->off = self->buf_off = TIX_JOURNAL_HEADER_SIZE;
    return self;
}

void tix_jreader_destroy(tix_jreader_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tix_jreader_t *self = *self_p;
    if (self->fd >= 0)
        close(self->fd);
    free(self->buf);
    free(self);
    *self_p = NULL;
}

/* Makes `need` bytes from self->off available in the buffer if the file (below `limit`)
 * has them; returns how many are available (< need at the end), -1 on I/O error. */
static ssize_t s_fill(tix_jreader_t *self, size_t need, uint64_t limit)
{
    size_t have = (size_t)(self->buf_off + self->buf_len - self->off);
    if (have >= need)
        return (ssize_t)need;
    memmove(self->buf, self->buf + (self->off - self->buf_off), have);
    self->buf_off = self->off;
    self->buf_len = have;
    while (self->buf_len < need) {
        uint64_t pos = self->buf_off + self->buf_len;
        size_t room = RBUF_SIZE - self->buf_len;
        if (limit != UINT64_MAX && pos >= limit)
            break;
        if (limit != UINT64_MAX && limit - pos < room)
            room = (size_t)(limit - pos);
        ssize_t r = pread(self->fd, self->buf + self->buf_len, room, (off_t)pos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            TIX_SET_ERR(errno, "journal %s: read at offset %llu: %s", self->path,
                        (unsigned long long)pos, strerror(errno));
            return -1;
        }
        if (r == 0)
            break;
        self->buf_len += (size_t)r;
    }
    return (ssize_t)(self->buf_len < need ? self->buf_len : need);
}

/* True if every byte from `off` to the end of the file is zero (an unwritten tail). */
static bool s_zeros_to_eof(int fd, uint64_t off)
{
    uint8_t b[4096];
    for (;;) {
        ssize_t r = pread(fd, b, sizeof b, (off_t)off);
        if (r <= 0)
            return r == 0;
        for (ssize_t i = 0; i < r; i++)
            if (b[i])
                return false;
        off += (uint64_t)r;
    }
}

static uint64_t s_file_size(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int s_corrupt(tix_jreader_t *self, const char *what)
{
    TIX_SET_ERR(EBADMSG, "journal %s: corrupt record at offset %llu: %s (records after it "
                "exist, so this is not a torn tail)", self->path,
                (unsigned long long)self->off, what);
    return -1;
}

/* A bad record is a torn tail when nothing valid can follow it: it reaches the end of file. */
static int s_bad(tix_jreader_t *self, uint64_t limit, uint64_t rec_end, const char *what)
{
    if (limit == UINT64_MAX &&
        (rec_end >= s_file_size(self->fd) || s_zeros_to_eof(self->fd, self->off))) {
        self->torn = true;
        return 0;
    }
    return s_corrupt(self, what);
}

/* A record header: u32 payload length, u32 CRC32C of the payload, little-endian. */
static void s_rec_header(const uint8_t *h, uint32_t *len, uint32_t *crc)
{
    *len = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    *crc = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
}

/* Whether whole, valid records run from some offset after `off` exactly to the end of the
 * file. A record whose length reaches past the end is a torn tail only when nothing but its
 * own bytes follow; a flipped bit in its length field would otherwise make recovery cut off
 * the good records after it (the file ends within one record length, ≤ 520 bytes, of off). */
static bool s_records_follow(int fd, uint64_t off)
{
    uint8_t b[TIX_REC_HEADER_SIZE + TIX_REC_PAYLOAD_MAX];
    uint64_t size = s_file_size(fd);
    if (size <= off + 1 || size - off > sizeof b)
        return false;
    size_t n = (size_t)(size - off);
    if (pread(fd, b, n, (off_t)off) != (ssize_t)n)
        return false;
    for (size_t start = 1; start + TIX_REC_HEADER_SIZE < n; start++) {
        size_t q = start;
        while (q + TIX_REC_HEADER_SIZE <= n) {
            uint32_t len, crc;
            s_rec_header(b + q, &len, &crc);
            if (len == 0 || len > n - q - TIX_REC_HEADER_SIZE ||
                tix_crc32c(0, b + q + TIX_REC_HEADER_SIZE, len) != crc)
                break;
            q += TIX_REC_HEADER_SIZE + len;
        }
        if (q == n && q != start)
            return true;
    }
    return false;
}

int tix_jreader_next(tix_jreader_t *self, uint64_t limit, tix_record_t *out)
{
    self->torn = false;
    ssize_t avail = s_fill(self, TIX_REC_HEADER_SIZE, limit);
    if (avail <= 0)
        return (int)avail;
    if (avail < TIX_REC_HEADER_SIZE) {
        self->torn = limit == UINT64_MAX;
        return 0;
    }
    const uint8_t *h = self->buf + (self->off - self->buf_off);
    uint32_t len, crc;
    s_rec_header(h, &len, &crc);
    if (len == 0 || len > TIX_REC_PAYLOAD_MAX)
        return s_bad(self, limit, self->off + TIX_REC_HEADER_SIZE, "impossible record length");
    avail = s_fill(self, TIX_REC_HEADER_SIZE + len, limit);
    if (avail < 0)
        return -1;
    if ((size_t)avail < TIX_REC_HEADER_SIZE + len) {
        if (limit == UINT64_MAX && s_records_follow(self->fd, self->off))
            return s_corrupt(self, "record length reaches past the end of the file");
        self->torn = limit == UINT64_MAX;
        return 0;
    }
    const uint8_t *p = self->buf + (self->off - self->buf_off) + TIX_REC_HEADER_SIZE;
    uint64_t end = self->off + TIX_REC_HEADER_SIZE + len;
    if (tix_crc32c(0, p, len) != crc)
        return s_bad(self, limit, end, "CRC32C mismatch");
    if (tix_record_decode(p, len, out) != 0)
        return s_corrupt(self, tix_err());
    self->off = end;
    return 1;
}

uint64_t tix_jreader_offset(const tix_jreader_t *self) { return self->off; }
bool tix_jreader_torn(const tix_jreader_t *self) { return self->torn; }

/* ---------------------------------------------------------------- recovery */

static int s_fresh_header(const char *path, int64_t day)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    uint8_t h[TIX_JOURNAL_HEADER_SIZE];
    s_header(h, day);
    if (fd < 0 || s_write_all(fd, h, sizeof h, path) != 0 || fdatasync(fd) != 0) {
        if (fd >= 0)
            close(fd);
        else
            TIX_SET_ERR(errno, "journal %s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    return close(fd);
}

static int s_cut_tail(tix_jreader_t *rd, const char *path, tix_journal_info_t *info)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    uint64_t size = s_file_size(rd->fd);
    info->torn_bytes = size - info->end;
    if (fd < 0 || ftruncate(fd, (off_t)info->end) != 0 || fdatasync(fd) != 0) {
        TIX_SET_ERR(errno, "journal %s: cannot truncate torn tail at offset %llu: %s", path,
                    (unsigned long long)info->end, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    tix_warn("journal %s: torn tail at offset %llu: %llu bytes dropped (truncated); %llu "
             "complete records kept", path, (unsigned long long)info->end,
             (unsigned long long)info->torn_bytes, (unsigned long long)info->records);
    return 0;
}

int tix_journal_recover(const char *path, int64_t day, tix_journal_info_t *info)
{
    memset(info, 0, sizeof *info);
    struct stat st;
    bool missing = stat(path, &st) != 0;
    if (missing && errno != ENOENT) {
        TIX_SET_ERR(errno, "journal %s: %s", path, strerror(errno));
        return -1;
    }
    if (missing || st.st_size < TIX_JOURNAL_HEADER_SIZE) {
        if (!missing && st.st_size > 0)
            tix_warn("journal %s: torn header (%lld bytes): rewritten", path,
                     (long long)st.st_size);
        info->end = TIX_JOURNAL_HEADER_SIZE;
        return s_fresh_header(path, day);
    }
    tix_jreader_t *rd = tix_jreader_open(path, day);
    if (!rd)
        return -1;
    tix_record_t r;
    int rc;
    while ((rc = tix_jreader_next(rd, UINT64_MAX, &r)) == 1) {
        if (r.seq == 0)
            continue; /* the publish ledger takes no place in the sequence */
        if (info->records++ == 0)
            info->first_seq = r.seq;
        info->last_seq = r.seq;
    }
    info->end = tix_jreader_offset(rd);
    if (rc == 0 && tix_jreader_torn(rd))
        rc = s_cut_tail(rd, path, info);
    tix_jreader_destroy(&rd);
    return rc;
}

/* ---------------------------------------------------------------- writer */

struct tix_journal_s {
    int fd;
    int64_t day;
    char path[4096];
    uint8_t *buf;
    size_t pending;
    uint64_t size;
    uint64_t alloc_end; /* bytes of the file known to be allocated (fallocate) */
    bool no_falloc;     /* the filesystem cannot preallocate: no reserve */
};

static int s_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        TIX_SET_ERR(errno, "directory %s: fsync: %s", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return close(fd);
}

/* Opens (recovering it first) the segment file of `self->day` in `dir` for appending. */
static int s_open_file(tix_journal_t *self, const char *dir, tix_journal_info_t *info)
{
    char path[sizeof self->path];
    if (tix_day_path(dir, self->day, ".journal", path, sizeof path) != 0 ||
        tix_journal_recover(path, self->day, info) != 0 || s_sync_dir(dir) != 0)
        return -1;
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        TIX_SET_ERR(errno, "journal %s: cannot open for appending: %s", path, strerror(errno));
        return -1;
    }
    if (self->fd >= 0)
        close(self->fd);
    self->fd = fd;
    memcpy(self->path, path, sizeof path);
    self->size = self->alloc_end = info->end;
    return 0;
}

tix_journal_t *tix_journal_open(const char *dir, int64_t day, tix_journal_info_t *info)
{
    tix_journal_t *self = calloc(1, sizeof *self);
    if (!self || !(self->buf = malloc(WBUF_SIZE))) {
        free(self);
        TIX_SET_ERR(ENOMEM, "out of memory opening a journal in %s", dir);
        return NULL;
    }
    self->fd = -1;
    self->day = day;
    if (s_open_file(self, dir, info) != 0) {
        tix_journal_destroy(&self);
        return NULL;
    }
    return self;
}

int tix_journal_move(tix_journal_t *self, const char *dir, tix_journal_info_t *info)
{
    return s_open_file(self, dir, info);
}

int tix_journal_reserve(tix_journal_t *self, uint64_t bytes)
{
    uint64_t end = self->size + self->pending;
    if (self->no_falloc || bytes == 0 || self->alloc_end >= end + bytes / 2)
        return 0;
    if (fallocate(self->fd, FALLOC_FL_KEEP_SIZE, (off_t)self->size, (off_t)(end - self->size + bytes)) == 0) {
        self->alloc_end = end + bytes;
        return 0;
    }
    if (errno == EOPNOTSUPP || errno == ENOSYS) {
        tix_warn("journal %s: the filesystem cannot preallocate: no space reserve (a full disk "
                 "stops the journal at once)", self->path);
        self->no_falloc = true;
        return 0;
    }
    TIX_SET_ERR(errno, "journal %s: cannot reserve %llu bytes: %s", self->path,
                (unsigned long long)bytes, strerror(errno));
    return errno == ENOSPC || errno == EDQUOT ? 1 : -1;
}

uint64_t tix_journal_reserved(const tix_journal_t *self)
{
    uint64_t end = self->size + self->pending;
    return self->alloc_end > end ? self->alloc_end - end : 0;
}

const char *tix_journal_path(const tix_journal_t *self) { return self->path; }

void tix_journal_destroy(tix_journal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    tix_journal_t *self = *self_p;
    if (self->fd >= 0)
        close(self->fd);
    free(self->buf);
    free(self);
    *self_p = NULL;
}

int tix_journal_append(tix_journal_t *self, const tix_record_t *r)
{
    if (self->pending + TIX_REC_HEADER_SIZE + TIX_REC_PAYLOAD_MAX > WBUF_SIZE &&
        tix_journal_flush(self) != 0)
        return -1;
    uint8_t *h = self->buf + self->pending;
    int len = tix_record_encode(r, h + TIX_REC_HEADER_SIZE);
    if (len < 0)
        return -1;
    uint32_t crc = tix_crc32c(0, h + TIX_REC_HEADER_SIZE, (size_t)len);
    for (int b = 0; b < 4; b++) {
        h[b] = (uint8_t)((uint32_t)len >> (8 * b));
        h[4 + b] = (uint8_t)(crc >> (8 * b));
    }
    self->pending += TIX_REC_HEADER_SIZE + (size_t)len;
    return 0;
}

/* On a failed write the file is cut back to its last record boundary and the buffer kept,
 * so a later flush (when space returns) writes the same records once. */
int tix_journal_flush(tix_journal_t *self)
{
    if (self->pending == 0)
        return 0;
    if (s_write_all(self->fd, self->buf, self->pending, self->path) != 0) {
        int saved = tix_err_code();
        self->alloc_end = self->size; /* cutting back frees the preallocation too */
        if (ftruncate(self->fd, (off_t)self->size) != 0)
            tix_error("journal %s: cannot cut a partial write back to %llu: %s", self->path,
                      (unsigned long long)self->size, strerror(errno));
        errno = saved;
        return -1;
    }
    self->size += self->pending;
    self->pending = 0;
    return 0;
}

int tix_journal_sync(tix_journal_t *self)
{
    if (fdatasync(self->fd) != 0) {
        TIX_SET_ERR(errno, "journal %s: fdatasync: %s", self->path, strerror(errno));
        return -1;
    }
    return 0;
}

uint64_t tix_journal_size(const tix_journal_t *self) { return self->size; }
size_t tix_journal_pending(const tix_journal_t *self) { return self->pending; }
int64_t tix_journal_day(const tix_journal_t *self) { return self->day; }
