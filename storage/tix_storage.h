/* Storage stage: every engine input and output journalled (acknowledged once fsynced), then archived to HDF5 off the engine's thread. */
#ifndef TIX_STORAGE_H
#define TIX_STORAGE_H

#include "tix_config.h"
#include "tix_quote.h"
#include "tix_record.h"
#include "tix_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIX_STORAGE_FLUSH_MS 1000 /* HDF5 flush cadence: live readers see data within ~1 s */
#define TIX_STORAGE_FSYNC_MS 100  /* journal fdatasync cadence (0: after every write) */
#define TIX_STORAGE_QUEUE 16384   /* records between the caller and the journal thread */
#define TIX_STORAGE_BATCH 4096    /* HDF5 rows per write */
#define TIX_STORAGE_RESERVE_KB 4096 /* journal space reserve: clocks and ticks when the disk fills */

typedef struct {
    char archive_dir[4096], journal_dir[4096];
    char journal_fallback[4096]; /* "" for none: where the journal goes on when journal_dir fails */
    int64_t reserve_kb;          /* space kept preallocated ahead of the journal (0: none) */
    int64_t flush_ms, fsync_ms;
    size_t queue_size, batch_rows;
    bool block_when_full; /* submit waits for room (true) or fails with EAGAIN (false) */
    int64_t retry_ms;     /* first back-off after an archive error (doubles up to 30 s) */
} tix_storage_opts_t;

/* Options from the config's storage section (archive_dir and journal_dir are required;
 * journal_dir defaults to archive_dir/journal), defaults elsewhere. -1 with tix_err(). */
int tix_storage_opts_from_config(const tix_config_t *cfg, tix_storage_opts_t *opts)
    __attribute__((warn_unused_result));

/* SHA-256 of the configuration as parsed (includes resolved), as 64 hex digits. */
int tix_storage_config_sha256(const tix_config_t *cfg, char hex[65]) __attribute__((warn_unused_result));

typedef struct tix_storage_s tix_storage_t;

/* Recovers the journal (truncating a torn tail with a log line), then starts the journal
 * and archive threads; the archive catches up from the journal. `cfg` must outlive it. */
tix_storage_t *tix_storage_new(const tix_config_t *cfg, const tix_storage_opts_t *opts);
/* Drains the queue, writes and fsyncs the journal, flushes and closes the archive. */
void tix_storage_destroy(tix_storage_t **self_p);

/* Submit one event; `seq_out` (may be NULL) gets its global sequence number. The record is
 * stored (acknowledged) once tix_storage_durable() >= that seq. -1 with tix_err() when the
 * record is refused (names too long, or stopping: counted in `refused`), or, without
 * block_when_full, when the queue is full (EAGAIN: not counted, the caller may try again). */
int tix_storage_quote(tix_storage_t *self, const tix_quote_t *q, const char *provider,
                      const char *model, const char *currency, tix_reason_t reason,
                      uint64_t *seq_out) __attribute__((warn_unused_result));
int tix_storage_clock(tix_storage_t *self, tix_clock_kind_t kind, int64_t ns, uint64_t *seq_out)
    __attribute__((warn_unused_result));
int tix_storage_tick(tix_storage_t *self, const tix_tick_t *tick, uint64_t *seq_out)
    __attribute__((warn_unused_result));
/* `signature` (64 bytes) and `key_id` (8 bytes) may be NULL: stored as zeros. */
int tix_storage_settlement(tix_storage_t *self, const tix_settlement_t *stl,
                           const uint8_t *signature, const uint8_t *key_id, uint64_t *seq_out)
    __attribute__((warn_unused_result));
/* Publish ledger: the publisher sent record `rec_seq` (of kind `rec_kind`, time `ts_ns`) as
 * message `channel_seq`. Journalled (never in HDF5) so that tix-archive check can prove every
 * published message is archived. Never waits: -1 (EAGAIN, counted) when the queue is full. */
int tix_storage_published(tix_storage_t *self, uint64_t channel_seq, uint64_t rec_seq,
                          tix_rec_kind_t rec_kind, int64_t ts_ns);
/* Any prepared record (seq is assigned here). */
int tix_storage_submit(tix_storage_t *self, tix_record_t *r, uint64_t *seq_out)
    __attribute__((warn_unused_result));

/* Highest seq written and fdatasync'ed to the journal: everything up to it is stored. */
uint64_t tix_storage_durable(tix_storage_t *self);
/* Waits (at most `timeout_ms`) until record `seq` is durable (`durable`) or journalled
 * (written: survives kill -9, not a power cut); returns that seq now. */
uint64_t tix_storage_wait(tix_storage_t *self, uint64_t seq, bool durable, int64_t timeout_ms);

/* What a caller feeding storage needs each turn, in one lock. */
typedef struct {
    uint64_t journalled; /* last seq written to the journal (survives kill -9) */
    uint64_t durable;    /* as tix_storage_durable() (also survives a power cut) */
    size_t room;      /* free records in the queue */
    bool take_quotes; /* the journal writes and has its space reserve: submit new quotes */
} tix_storage_flow_t;
void tix_storage_flow(tix_storage_t *self, tix_storage_flow_t *out);
/* Waits until every record submitted so far is durable, at most `timeout_ms`. 0, or -1
 * (ETIMEDOUT, or the journal's error). */
int tix_storage_sync(tix_storage_t *self, int64_t timeout_ms) __attribute__((warn_unused_result));
/* Waits until every record submitted so far is flushed to the HDF5 archive. */
int tix_storage_wait_archived(tix_storage_t *self, int64_t timeout_ms)
    __attribute__((warn_unused_result));

typedef struct {
    uint64_t submitted;     /* last seq handed out */
    uint64_t journalled;    /* last seq written to the journal file */
    uint64_t durable;       /* last seq fdatasync'ed */
    uint64_t archived;      /* last seq flushed to HDF5 */
    uint64_t refused;       /* records refused for good (names too long, stopping) */
    uint64_t queue_full;    /* submits answered EAGAIN (queue full, non-blocking) */
    uint64_t journal_moves; /* times the journal moved to journal_fallback */
    uint64_t journal_lows;  /* times the journal found no room for its space reserve */
    uint64_t ledger_dropped; /* publish ledger entries dropped (queue full) */
    uint64_t journal_errors, archive_errors, days_closed;
    size_t queue_depth;
    bool journal_ok, archive_ok;
    bool journal_low;       /* no room for the space reserve: new quotes are held */
    bool journal_fallback;  /* the open segment is in journal_fallback */
    char last_error[512];   /* the most recent error, "" if none */
} tix_storage_stats_t;

void tix_storage_stats(tix_storage_t *self, tix_storage_stats_t *out);
/* Prometheus text exposition of the stats (for /metrics); returns bytes written or -1. */
int tix_storage_metrics(tix_storage_t *self, char *buf, size_t len);

#endif
