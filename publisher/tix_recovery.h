/* The recovery service's private parts: request limits, request parsing and per-client reply accounting. */
#ifndef TIX_RECOVERY_H
#define TIX_RECOVERY_H

#include "tix/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIX_RECOVERY_MAX_REPLAY 100000 /* messages per REPLAY request; clients ask again for more */
#define TIX_RECOVERY_MAX_PREFIXES 16
/* The longest valid command: "REPLAY", two 20-digit numbers and 16 prefixes of the longest
 * topic, each after one space (7 + 21 + 20 + 16 * 40 = 688), rounded up. */
#define TIX_RECOVERY_CMD_MAX 768
/* Replies the ROUTER queues per client connection (ZMQ_SNDHWM). Two: one being sent, one
 * waiting (typically an `ERR busy`); the accounting below relies on the exact value. */
#define TIX_RECOVERY_SNDHWM 2

/* A parsed "REPLAY <from> <to> [prefix ...]"; the prefixes point into the parsed text. */
typedef struct {
    uint64_t from, to;
    const char *prefix[TIX_RECOVERY_MAX_PREFIXES];
    size_t prefix_len[TIX_RECOVERY_MAX_PREFIXES];
    int nprefix;
} tix_recovery_replay_t;

/* Parses the arguments after "REPLAY " (`len` bytes, not NUL-terminated): numbers of digits
 * only, 1 <= from <= to <= UINT64_MAX, single spaces, at most 16 prefixes each shorter than a
 * topic. -1 with tix_err() saying why (the reply's text) on anything else. */
int tix_recovery_parse_replay(const char *args, size_t len, tix_recovery_replay_t *out)
    __attribute__((warn_unused_result));

/* Per-client accounting of reply bytes that may still sit in the ROUTER's queue for that
 * client. ZeroMQ does not say when a queued reply has gone out, but with ZMQ_ROUTER_MANDATORY
 * and a high-water mark of TIX_RECOVERY_SNDHWM replies, a reply the ROUTER accepts proves that
 * at most SNDHWM - 1 earlier ones were still queued: the ledger keeps only those, so its sum is
 * an upper bound of what the ROUTER holds for the client. */
typedef struct tix_recovery_clients_s tix_recovery_clients_t;
typedef struct tix_recovery_client_s tix_recovery_client_t;

typedef struct {
    size_t client_bytes; /* replay/snapshot bytes one client may have queued (one reply always) */
    size_t total_bytes;  /* the same over every client */
    size_t clients;      /* identities tracked at once */
    int64_t idle_ns;     /* a client silent this long is forgotten */
} tix_recovery_limits_t;

/* The defaults: 64 MB a client (two full 100 000-tick replies), 256 MB in all, 64 clients,
 * 30 s. */
void tix_recovery_limits_default(tix_recovery_limits_t *out);

tix_recovery_clients_t *tix_recovery_clients_new(const tix_recovery_limits_t *lim);
void tix_recovery_clients_destroy(tix_recovery_clients_t **self_p);
/* Replaces the limits; clients beyond the new count are forgotten. */
int tix_recovery_clients_set_limits(tix_recovery_clients_t *self, const tix_recovery_limits_t *lim)
    __attribute__((warn_unused_result));

/* The client with routing id `id`, added if new, after forgetting those silent for idle_ns.
 * NULL when the table is full of clients that may still have replay bytes queued: forgetting
 * them would let their queues grow unaccounted. */
tix_recovery_client_t *tix_recovery_clients_get(tix_recovery_clients_t *self, const void *id,
                                                size_t len, int64_t now_ns);
/* Whether a reply carrying `bytes` of replay data may be queued for `c` now; if not, `why`
 * gets the `ERR busy ...` text. */
bool tix_recovery_clients_admit(const tix_recovery_clients_t *self, const tix_recovery_client_t *c,
                                uint64_t bytes, char *why, size_t cap);
/* The ROUTER accepted a reply carrying `bytes` of replay data for `c`. */
void tix_recovery_clients_sent(tix_recovery_clients_t *self, tix_recovery_client_t *c, uint64_t bytes);
/* The ROUTER no longer knows `c` (EHOSTUNREACH): nothing of it is queued any more. */
void tix_recovery_clients_forget(tix_recovery_clients_t *self, tix_recovery_client_t *c);
/* Bytes that may be queued over all clients, and clients tracked. */
uint64_t tix_recovery_clients_queued(const tix_recovery_clients_t *self);
size_t tix_recovery_clients_count(const tix_recovery_clients_t *self);

#endif
