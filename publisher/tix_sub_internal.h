/* The subscriber SDK's private state, shared by sub.c (sockets), sub_flow.c (sequencing), sub_auth.c (authentication) and sub_hold.c (held quotes). */
#ifndef TIX_SUB_INTERNAL_H
#define TIX_SUB_INTERNAL_H

#include "tix/sub.h"
#include "tix_chain.h"
#include "tix_keys.h"
#include "tix_log.h"

#include <stdbool.h>
#include <stdint.h>

#define MAX_TOPICS 1024
#define MAX_PEND 4096  /* buffered out-of-order messages per topic before recovery is forced */
#define MAX_COPIES 3   /* distinct copies of one unauthenticated quote kept (lines A, B, replay) */
#define DIGESTS 32     /* digests of the last delivered messages per topic, to judge duplicates */
#define DIGEST_SIZE 16
#define LINE_REPLAY 2  /* "line" of a message from the recovery service (snapshot, replay) */

typedef struct {
    uint64_t seq, channel;
    uint8_t *msg;
    size_t len;
    int line;
} s_pend_t;

/* One held quote sequence number: the first copy received and any different ones. */
typedef struct {
    uint8_t msg[TIX_WIRE_QUOTE_SIZE];       /* the first copy received */
    uint8_t (*alt)[TIX_WIRE_QUOTE_SIZE];    /* different copies (rare), MAX_COPIES - 1 */
    uint8_t line[MAX_COPIES];
    uint8_t ncopies;
    uint8_t head0[TIX_WIRE_HASH_SIZE]; /* chain head through copy 0 of every slot so far */
    uint64_t channel;
} s_held_t;

typedef struct {
    bool init, anchored;
    uint64_t last, last_channel; /* quotes held for authentication count as received */
    s_pend_t *pend;
    size_t npend;
    int64_t gap_since; /* 0: no open gap */
    bool att_pending;  /* an attestation ahead of us, to check once we get there */
    bool att_verified; /* its signature checked out: its head may be compared/adopted */
    uint64_t att_seq, att_channel;
    uint8_t att_head[TIX_WIRE_HASH_SIZE];
    int64_t last_settlement_ts; /* a settlement not after it is a replay of an old one */
    uint64_t dig_seq[DIGESTS];
    uint8_t dig[DIGESTS][DIGEST_SIZE];
    /* Quotes with a verify key: seqs last - nheld + 1 .. last, waiting for an attestation. */
    s_held_t *held;
    size_t held_start, nheld, held_cap;
    bool head0_ok; /* held[].head0 follow from the chain's head */
} s_topic_t;

/* The per-kind limiter of events an outsider can repeat at will (tix_log.h's rule). */
typedef struct {
    tix_log_limit_t lim[16];
} s_event_limits_t;

struct tix_sub_s {
    tix_sub_cfg_t cfg;
    void *zctx;
    void *line[2];
    void *monitor[2]; /* PAIR reading a CURVE line's handshake events, or NULL */
    void *dealer;
    int64_t line_last_ns[2];
    bool line_down[2];
    int64_t unattested_since; /* first data message since the last valid attestation, 0: none */
    bool att_missing;         /* NO_ATTESTATION reported for this stretch */
    uint32_t announced_attest_ms, signed_attest_ms; /* heartbeat's, last verified attestation's */
    tix_chain_t *chain;
    s_topic_t *topics[MAX_TOPICS];
    bool snapshot_done;
    uint64_t snapshot_seq;
    tix_sign_key_t key;
    tix_sub_stats_t stats;
    s_event_limits_t limits;
    tix_wire_msg_t m; /* large (attestations): decoded here, not on the stack */
    tix_wire_msg_t qm; /* held quotes delivered while `m` holds the attestation proving them */
    uint8_t signbuf[TIX_WIRE_MAX_SIZE + 32];
};

int64_t tix_sub_now(void);
void tix_sub_event(tix_sub_t *self, tix_sub_event_t ev, const char *topic, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* An event an outsider can trigger per message: the first in a second is reported, later
 * ones only counted and summed into the next report. */
void tix_sub_event_limited(tix_sub_t *self, tix_sub_event_t ev, const char *topic, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
char tix_sub_line_name(int line); /* 'A', 'B' or 'R' (recovery service) */
int tix_sub_open_dealer(tix_sub_t *self);
/* The subscription again, exactly: ZeroMQ matched by prefix ("IDX.T1" also takes "IDX.T10",
 * "QTE." arrives on a socket shared with other subscriptions). */
bool tix_sub_wanted(const tix_sub_t *self, const char *topic);
/* One received message from `line` (0 A, 1 B, LINE_REPLAY) through sequencing. */
void tix_sub_process(tix_sub_t *self, const char *topic, const uint8_t *msg, size_t len, int line,
                     unsigned flags);
/* A snapshot message: taken as the topic's state, delivered with TIX_SUB_SNAPSHOT. */
void tix_sub_deliver_snapshot(tix_sub_t *self, const char *topic, const uint8_t *msg, size_t len);
/* Fills gaps whose wait is over and watches line liveness. */
void tix_sub_timers(tix_sub_t *self);
/* Recovers topic `id`'s open gap from the recovery service (sub_recover.c). */
void tix_sub_recover(tix_sub_t *self, int id);
/* Gives up on what is missing before the next buffered message or attested seq. */
void tix_sub_skip(tix_sub_t *self, int id, const char *topic, const char *why);
/* With a verify key, a quote topic whose chain broke: drops what is held (none of it can be
 * proven, and the sequence numbers are the sender's word) and refuses quotes until the next
 * verified attestation reopens the topic at the publisher's state. Buffered messages stay:
 * the caller drops them (tix_sub_drop_pending; tix_sub_drain does when it finds the topic
 * closed), since this may run while the drain walks them. */
void tix_sub_resync(tix_sub_t *self, int id, const char *why);
/* Frees buffered messages from index `from` on, counted unauthenticated and reported. */
void tix_sub_drop_pending(tix_sub_t *self, int id, size_t from, const char *why);
/* Delivers buffered messages that are now in order; drops those we already have. */
void tix_sub_drain(tix_sub_t *self, int id, const char *topic);

/* sub_auth.c: what may be believed, decided before any state is spent on a message. */
s_topic_t *tix_sub_topic_find(tix_sub_t *self, const char *topic, int *id_out);
/* Finds or makes topic state; bounded, and never evicts. NULL (counted) when full. */
s_topic_t *tix_sub_topic(tix_sub_t *self, const char *topic, int *id_out);
/* With a verify key: the decoded message in self->m is signed as its template requires and
 * matches its topic frame. Reports (rate-limited, naming the line) and returns false if not. */
bool tix_sub_authentic(tix_sub_t *self, const s_topic_t *st, const char *topic, const uint8_t *msg,
                       size_t len, int line);
/* A copy of an already delivered seq: dropped; reported TAMPERED when its bytes differ. */
void tix_sub_duplicate(tix_sub_t *self, s_topic_t *st, const char *topic, uint64_t seq,
                       const uint8_t *msg, size_t len, int line);
void tix_sub_remember(s_topic_t *st, uint64_t seq, const uint8_t *msg, size_t len);
/* A verified attestation's entries checked against (or anchoring) the topics we follow. */
void tix_sub_attest(tix_sub_t *self, bool verified, uint64_t att_channel);
void tix_sub_check_head(tix_sub_t *self, int id, uint64_t seq, const uint8_t *head);
/* The NO_ATTESTATION timeout: configured, else from the publisher's announced cadence. */
int tix_sub_attest_timeout_ms(const tix_sub_t *self);
void tix_sub_topic_free(s_topic_t *st);

/* sub_hold.c: quotes held until a signed attestation proves them (verify key set). */
bool tix_sub_holds(const tix_sub_t *self, uint16_t template_id);
/* Whether one more different copy of an unproven message may be kept, coming from `line`,
 * when `ncopies` are kept from the lines in bitmask `have`: a place stays free for each
 * other configured line (A, B, the replay) without one, so a forger on one line cannot fill
 * the places of the genuine copies the others bring. */
bool tix_sub_copy_room(const tix_sub_t *self, unsigned have, size_t ncopies, int line);
/* Holds the quote in self->m at seq st->last + 1 (from `line`). */
void tix_sub_hold(tix_sub_t *self, int id, const uint8_t *msg, size_t len, int line);
/* Another copy of held seq `seq`: kept as a candidate when its bytes differ. */
void tix_sub_hold_copy(tix_sub_t *self, s_topic_t *st, uint64_t seq, const uint8_t *msg, int line);
/* A verified attestation says topic `id` was at `seq` with `head`: deliver what hashes to it. */
void tix_sub_hold_resolve(tix_sub_t *self, int id, uint64_t seq, const uint8_t *head);
/* Drops every held quote (they can no longer be proven), reporting why. */
void tix_sub_hold_drop(tix_sub_t *self, int id, const char *why);
void tix_sub_hold_free(s_topic_t *st);

#endif
