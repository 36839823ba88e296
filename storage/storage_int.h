/* Private to storage/: the storage object shared by its journal thread (storage.c) and archive thread (storage_archive.c). */
#ifndef TIX_STORAGE_INT_H
#define TIX_STORAGE_INT_H

#include "tix_archive.h"
#include "tix_storage.h"

#include <pthread.h>

struct tix_storage_s {
    tix_storage_opts_t o;
    const tix_config_t *cfg;
    char sha[65];
    int lock_fd; /* flock on <journal_dir>/.lock: one writer per journal */
    const char **tier_ids;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full, progress; /* progress: journalled/durable/archived moved */
    tix_record_t *ring;
    tix_record_t *jbatch; /* the journal thread's batch */
    size_t head, count;
    bool stopping, journal_done; /* journal_done: journal thread drained and exited */
    bool urgent;          /* an output record is queued: the journal syncs at once */
    uint64_t run;         /* first seq of this process: names its publisher's run in the ledger */
    /* Journal state published by the journal thread (under mu). */
    int64_t jday;         /* day of the open segment, -1 before the first */
    uint64_t jsize;       /* committed bytes of that segment */
    int jpart;            /* its directory: 0 journal_dir, 1 journal_fallback */
    tix_storage_stats_t st;
    int64_t first_day;    /* earliest active segment at start (archive thread starts there) */
    pthread_t jthread, athread;
    bool jstarted, astarted;
};

#define TIX_STORAGE_JBATCH 400 /* records per journal write: fits the writer's buffer */

void *tix_storage_journal_main(void *arg);
void *tix_storage_archive_main(void *arg);
/* The journal directory of part 0 (journal_dir) or 1 (journal_fallback, NULL if none). */
const char *tix_storage_jdir(const tix_storage_t *self, int part);
/* Records `msg` as the last error (under mu) and logs it: the journal has no room for its
 * reserve (st.journal_low is set by the journal thread). */
void tix_storage_low(tix_storage_t *self, const char *msg);
/* Records `msg` as the last error (under mu) and logs it at error level. */
void tix_storage_fail(tix_storage_t *self, bool journal, const char *msg);
/* Absolute CLOCK_MONOTONIC deadline `ms` from now, for pthread_cond_timedwait. */
void tix_storage_deadline(struct timespec *ts, int64_t ms);

#endif
