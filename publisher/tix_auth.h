/* ZAP handler: CURVE clients must hold a public key listed in an allowlist file. */
#ifndef TIX_AUTH_H
#define TIX_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tix_auth_s tix_auth_t;

/* Loads the client allowlist `allow_path` (format: tix_allow.h) and starts the handler
 * thread on inproc://zeromq.zap.01 of `zctx`; one handler per context, so every CURVE socket
 * of `zctx` is checked against this list. Start it before binding CURVE sockets. An accepted
 * client's key (Z85) is the "User-Id" of the messages it sends (zmq_msg_gets). */
tix_auth_t *tix_auth_new(void *zctx, const char *allow_path);
/* The same for a collectors_allow file: keys with the providers each may speak for. */
tix_auth_t *tix_auth_new_collectors(void *zctx, const char *allow_path);
void tix_auth_destroy(tix_auth_t **self_p);

/* Re-reads the allowlist (on SIGHUP); on error keeps the previous list and returns -1. */
int tix_auth_reload(tix_auth_t *self) __attribute__((warn_unused_result));

/* Whether collector key `z85` (a message's User-Id) may send quotes under `provider`;
 * false for a client allowlist. */
bool tix_auth_permits(tix_auth_t *self, const char *z85, const char *provider);

typedef struct {
    uint64_t allowed, refused, requests;
    size_t keys;
} tix_auth_stats_t;
void tix_auth_stats(tix_auth_t *self, tix_auth_stats_t *out);

#endif
