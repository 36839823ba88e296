/* The publisher: lines A and B, sequence numbers, hash chains, attestations, heartbeats, recovery. */
#ifndef TIX_PUB_H
#define TIX_PUB_H

#include "tix/wire.h"
#include "tix_keys.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *const *line_a; /* endpoints (tcp://, ipc://, epgm://, norm://); bound or joined */
    size_t n_a;
    const char *const *line_b;
    size_t n_b;
    const char *recovery;      /* ROUTER endpoint, NULL for none */
    int64_t heartbeat_ms;      /* 0: default 1000 */
    int64_t attest_ms;         /* 0: default 1000 */
    size_t ring_size;          /* messages; 0: default 1 M */
    int sndhwm;                /* per-subscriber high-water mark; 0: default 1000 */
    int multicast_rate_kbps;   /* ZMQ_RATE for epgm/norm; 0: default 100000 */
    const tix_sign_key_t *sign;   /* NULL: no attestations, settlements unsigned */
    const tix_curve_key_t *curve; /* NULL: tcp endpoints without CURVE */
} tix_pub_cfg_t;

typedef struct {
    uint64_t messages, bytes, heartbeats, attestations;
    uint64_t snapshots, replays, replayed_messages, too_old, bad_requests;
    uint64_t send_errors;
    uint64_t connects, disconnects; /* tcp subscriber connections accepted / lost */
    uint64_t recovery_requests; /* recovery requests read, well-formed or not */
    uint64_t replay_busy;    /* recovery requests answered `ERR busy` */
    uint64_t replay_dropped; /* recovery replies not sent: the client's queue was full */
    uint64_t recovery_queued_bytes; /* replay bytes that may still be queued for clients (gauge) */
    uint64_t recovery_clients;      /* recovery clients tracked (gauge) */
} tix_pub_stats_t;

typedef struct tix_pub_s tix_pub_t;

/* Binds/joins every endpoint on context `zctx` (a ZAP handler must already run when `curve`
 * is set). NULL with tix_err() naming the endpoint on failure. */
tix_pub_t *tix_pub_new(void *zctx, const tix_pub_cfg_t *cfg);
void tix_pub_destroy(tix_pub_t **self_p);

/* Publish on both lines with the next channel and topic sequence numbers. */
int tix_pub_tick(tix_pub_t *self, const tix_wire_tick_t *t, int64_t now_ns)
    __attribute__((warn_unused_result));
/* Signs `s` (key id and signature filled in) when a signing key is configured. */
int tix_pub_settlement(tix_pub_t *self, tix_wire_settlement_t *s, int64_t now_ns)
    __attribute__((warn_unused_result));
int tix_pub_quote(tix_pub_t *self, const tix_wire_quote_t *q, int64_t now_ns)
    __attribute__((warn_unused_result));

/* Answers pending recovery requests (waiting up to `timeout_ms`), then sends a heartbeat or
 * an attestation if one is due. Call it from the publisher's loop. */
int tix_pub_service(tix_pub_t *self, int64_t now_ns, int timeout_ms)
    __attribute__((warn_unused_result));
/* Sends an attestation now (also done by tix_pub_service every attest_ms). */
int tix_pub_attest(tix_pub_t *self, int64_t now_ns) __attribute__((warn_unused_result));

uint64_t tix_pub_channel_seq(const tix_pub_t *self);
/* tcp subscribers connected now (accepted minus disconnected), updated by tix_pub_service. */
uint64_t tix_pub_subscribers(const tix_pub_t *self);
/* The i-th endpoint of line 0 (A) or 1 (B) as bound ("tcp://127.0.0.1:*" resolved), or NULL. */
const char *tix_pub_endpoint(const tix_pub_t *self, int line, size_t i);
const char *tix_pub_recovery_endpoint(const tix_pub_t *self);
/* Recovery limits (0 keeps a default): replay bytes one client may have queued (64 MB; one
 * reply is always allowed), the same over all clients (256 MB), and clients tracked at once
 * (64). A request beyond them is answered `ERR busy` (docs/wire.md). */
int tix_pub_recovery_limits(tix_pub_t *self, size_t client_bytes, size_t total_bytes, size_t clients)
    __attribute__((warn_unused_result));
void tix_pub_stats(const tix_pub_t *self, tix_pub_stats_t *out);

/* Test hook: skip sending the next `n` data messages on line A (B) — they still get sequence
 * numbers, chains and ring entries, as if the network had dropped them. */
void tix_pub_drop_next(tix_pub_t *self, int line, unsigned n);

#endif
