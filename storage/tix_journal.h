/* The journal: append-only daily segment files of CRC32C-checked records, the storage source of truth. */
#ifndef TIX_JOURNAL_H
#define TIX_JOURNAL_H

#include "tix_record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIX_JOURNAL_MAGIC "TIXJRNL"   /* 8 bytes with its NUL */
#define TIX_JOURNAL_VERSION 1
#define TIX_JOURNAL_HEADER_SIZE 16    /* magic[8], u32 version, u32 day */

/* Days since 1970-01-01 of the UTC day holding `ns`. */
int64_t tix_day_of(int64_t ns);
/* "<dir>/tix-YYYYMMDD<suffix>" for UTC `day`; -1 if it does not fit in `len`. */
int tix_day_path(const char *dir, int64_t day, const char *suffix, char *buf, size_t len);
/* Parses "tix-YYYYMMDD<suffix>" (a base name); the day, or -1 if it is not one. */
int64_t tix_day_parse(const char *name, const char *suffix);
/* Days of the files "tix-YYYYMMDD<suffix>" in `dir`, ascending; the caller frees *days. */
int tix_day_list(const char *dir, const char *suffix, int64_t **days, size_t *n)
    __attribute__((warn_unused_result));
/* Days of the files "tix-YYYYMMDD<suffix>" in any of `dirs` (the journal and its fallback),
 * ascending, each once. The caller frees *days. -1 with tix_err(). */
int tix_journal_days(const char *const *dirs, size_t ndirs, const char *suffix, int64_t **days,
                     size_t *n) __attribute__((warn_unused_result));
/* Days of the active segments (tix-*.journal, not *.done) in `dir`, ascending. The caller
 * frees *days. -1 with tix_err() if the directory cannot be read. */
int tix_journal_list(const char *dir, int64_t **days, size_t *n) __attribute__((warn_unused_result));

/* What a scan found in one segment. */
typedef struct {
    uint64_t records, first_seq, last_seq; /* seqs valid when records > 0 */
    uint64_t end;                           /* offset after the last complete record */
    uint64_t torn_bytes;                    /* bytes of torn tail found (and cut, by recover) */
} tix_journal_info_t;

/* Scans segment `path`: a torn tail (a partial last record, or a last record with a bad
 * CRC, or zeros to the end) is truncated with a warn log line; corruption in the middle,
 * a bad header or an I/O error gives -1 with tix_err() naming the file and offset. A file
 * shorter than its header gets a fresh header (it was torn while being created). */
int tix_journal_recover(const char *path, int64_t day, tix_journal_info_t *info)
    __attribute__((warn_unused_result));

/* ---- writer of one segment ---- */
typedef struct tix_journal_s tix_journal_t;

/* Opens (creating it if absent) the segment of `day` in `dir` for appending, after
 * tix_journal_recover. NULL with tix_err() on error. */
tix_journal_t *tix_journal_open(const char *dir, int64_t day, tix_journal_info_t *info);
void tix_journal_destroy(tix_journal_t **self_p);
/* Encodes `r` into the write buffer (written out when full). */
int tix_journal_append(tix_journal_t *self, const tix_record_t *r) __attribute__((warn_unused_result));
/* Writes the buffer to the file (the page cache): survives kill -9 from here. */
int tix_journal_flush(tix_journal_t *self) __attribute__((warn_unused_result));
/* fdatasync: survives power loss from here. */
int tix_journal_sync(tix_journal_t *self) __attribute__((warn_unused_result));
/* Keeps about `bytes` allocated past what is written (fallocate, FALLOC_FL_KEEP_SIZE), so that
 * writes into that reserve cannot fail with ENOSPC. 0 when reserved (or when the filesystem
 * cannot preallocate: logged once, no reserve); 1 when the disk has no room for it (what was
 * reserved before is still there: tix_journal_reserved); -1 with tix_err() on another error. */
int tix_journal_reserve(tix_journal_t *self, uint64_t bytes) __attribute__((warn_unused_result));
/* Bytes still preallocated past the written and buffered records. */
uint64_t tix_journal_reserved(const tix_journal_t *self);
/* Continues this day's segment in directory `dir` (recovering or creating its file there),
 * keeping the buffered records, which the next flush writes there (the journal fallback). */
int tix_journal_move(tix_journal_t *self, const char *dir, tix_journal_info_t *info)
    __attribute__((warn_unused_result));
const char *tix_journal_path(const tix_journal_t *self);
/* Bytes in the file (header included), always on a record boundary. */
uint64_t tix_journal_size(const tix_journal_t *self);
/* Bytes still buffered (not yet written). */
size_t tix_journal_pending(const tix_journal_t *self);
int64_t tix_journal_day(const tix_journal_t *self);

/* ---- reader ---- */
typedef struct tix_jreader_s tix_jreader_t;

/* Opens a segment for reading and checks its header. NULL with tix_err() on error. */
tix_jreader_t *tix_jreader_open(const char *path, int64_t day);
void tix_jreader_destroy(tix_jreader_t **self_p);
/* Reads the next record below byte offset `limit` (UINT64_MAX: to the end of the file).
 * Returns 1 with a record, 0 when no complete record remains before the limit (a torn
 * tail is then flagged by tix_jreader_torn), -1 with tix_err() on corruption or I/O error. */
int tix_jreader_next(tix_jreader_t *self, uint64_t limit, tix_record_t *out)
    __attribute__((warn_unused_result));
/* Offset after the last record returned. */
uint64_t tix_jreader_offset(const tix_jreader_t *self);
/* True if the last 0 from next() stopped at a torn tail rather than a clean end. */
bool tix_jreader_torn(const tix_jreader_t *self);

#endif
