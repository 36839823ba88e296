/* The subscriber SDK's private state, shared by sub.c (sockets) and sub_flow.c (sequencing). */
#ifndef TIX_SUB_INTERNAL_H
#define TIX_SUB_INTERNAL_H

#include "tix/sub.h"
#include "tix_chain.h"
#include "tix_keys.h"

#include <stdbool.h>
#include <stdint.h>

#define MAX_TOPICS 1024
#define MAX_PEND 4096 /* buffered out-of-order messages per topic before recovery is forced */

typedef struct {
    uint64_t seq, channel;
    uint8_t *msg;
    size_t len;
} s_pend_t;

typedef struct {
    bool init, anchored;
    uint64_t last, last_channel;
    s_pend_t *pend;
    size_t npend;
    int64_t gap_since; /* 0: no open gap */
    bool att_pending;  /* an attestation ahead of us, to check once we get there */
    bool att_verified; /* its signature checked out: its head may be compared/adopted */
    uint64_t att_seq, att_channel;
    uint8_t att_head[TIX_WIRE_HASH_SIZE];
} s_topic_t;

struct tix_sub_s {
    tix_sub_cfg_t cfg;
    void *zctx;
    void *line[2];
    void *dealer;
    int64_t line_last_ns[2];
    bool line_down[2];
    int64_t unattested_since; /* first data message since the last valid attestation, 0: none */
    bool att_missing;         /* NO_ATTESTATION reported for this stretch */
    tix_chain_t *chain;
    s_topic_t *topics[MAX_TOPICS];
    bool snapshot_done;
    uint64_t snapshot_seq;
    tix_sign_key_t key;
    tix_sub_stats_t stats;
    tix_wire_msg_t m; /* large (attestations): decoded here, not on the stack */
    uint8_t signbuf[TIX_WIRE_MAX_SIZE + 32];
};

int64_t tix_sub_now(void);
void tix_sub_event(tix_sub_t *self, tix_sub_event_t ev, const char *topic, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int tix_sub_open_dealer(tix_sub_t *self);
/* The tier filter again, exactly: ZeroMQ matched by prefix ("IDX.T1" also takes "IDX.T10"). */
bool tix_sub_wanted(const tix_sub_t *self, const char *topic);
/* One received message from line `line` (-1 for snapshot/replay) through sequencing. */
void tix_sub_process(tix_sub_t *self, const char *topic, const uint8_t *msg, size_t len, int line,
                     unsigned flags);
/* A snapshot message: taken as the topic's state, delivered with TIX_SUB_SNAPSHOT. */
void tix_sub_deliver_snapshot(tix_sub_t *self, const char *topic, const uint8_t *msg, size_t len);
/* Fills gaps whose wait is over and watches line liveness. */
void tix_sub_timers(tix_sub_t *self);

#endif
