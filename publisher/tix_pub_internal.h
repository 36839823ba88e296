/* The publisher's private state, shared by publish.c and recovery.c. */
#ifndef TIX_PUB_INTERNAL_H
#define TIX_PUB_INTERNAL_H

#include "tix_chain.h"
#include "tix_pub.h"
#include "tix_recovery.h"
#include "tix_ring.h"

#include <stdbool.h>

/* Every topic must fit one attestation. */
#define TIX_PUB_MAX_TOPICS TIX_WIRE_ATTEST_MAX

typedef struct {
    void *sock;
    int line; /* 0 = A, 1 = B */
    char bound[256]; /* the endpoint as bound/joined (tcp port resolved) */
    void *monitor;   /* PAIR reading this tcp socket's connection events, or NULL */
} tix_pub_sock_t;

struct tix_pub_s {
    void *zctx;
    tix_pub_cfg_t cfg;
    tix_pub_sock_t *socks;
    size_t nsocks;
    void *router; /* recovery service */
    char router_bound[256];
    tix_recovery_clients_t *clients; /* recovery clients' reply ledgers */
    tix_chain_t *chain;
    tix_ring_t *ring;
    uint8_t *latest[TIX_PUB_MAX_TOPICS]; /* last IDX/STL message per chain topic id */
    size_t latest_len[TIX_PUB_MAX_TOPICS];
    uint64_t channel_seq;
    int64_t last_hb_ns, last_attest_ns;
    unsigned drop[2];
    tix_pub_stats_t stats;
    uint64_t accepted, disconnected; /* tcp subscriber connections, from socket monitors */
    tix_wire_attest_t attest;
    uint8_t buf[TIX_WIRE_MAX_SIZE];
    uint8_t signbuf[TIX_WIRE_MAX_SIZE + 32];
};

typedef int (*tix_pub_encode_fn)(const tix_wire_header_t *h, const void *body, uint8_t *buf,
                                 size_t cap);

int tix_pub_emit(tix_pub_t *self, const char *topic, size_t topic_len, int64_t now_ns,
                 tix_pub_encode_fn enc, const void *body, bool snapshot_topic);
int tix_pub_curve_server(tix_pub_t *self, void *sock);
int tix_pub_recovery_open(tix_pub_t *self, const char *endpoint);
int tix_pub_recovery_serve(tix_pub_t *self, int timeout_ms);
/* Closes the ROUTER and frees the client ledgers; safe when none was opened. */
void tix_pub_recovery_close(tix_pub_t *self);

#endif
