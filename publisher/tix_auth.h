/* ZAP handler: CURVE clients must hold a public key listed in the allowlist file. */
#ifndef TIX_AUTH_H
#define TIX_AUTH_H

#include <stddef.h>
#include <stdint.h>

typedef struct tix_auth_s tix_auth_t;

/* Loads `allow_path` (one Z85 public key per line; "# " starts a comment line,
 * white space then anything ends a key line — Z85 itself uses '#') and starts the handler
 * thread on inproc://zeromq.zap.01 of `zctx`. Start it before binding CURVE sockets. */
tix_auth_t *tix_auth_new(void *zctx, const char *allow_path);
void tix_auth_destroy(tix_auth_t **self_p);

/* Re-reads the allowlist (on SIGHUP); on error keeps the previous list and returns -1. */
int tix_auth_reload(tix_auth_t *self) __attribute__((warn_unused_result));
/* Parses the allowlist at `path` as tix_auth_new would, keeping nothing: 0, or -1 with
 * file:line of the first malformed key. */
int tix_auth_check_file(const char *path) __attribute__((warn_unused_result));

typedef struct {
    uint64_t allowed, refused, requests;
    size_t keys;
} tix_auth_stats_t;
void tix_auth_stats(tix_auth_t *self, tix_auth_stats_t *out);

#endif
