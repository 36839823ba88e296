/* Key files: Ed25519 signing keys (hex) and CurveZMQ keys (Z85); secrets must be 0600. */
#ifndef TIX_KEYS_H
#define TIX_KEYS_H

#include "tix/wire.h"

#include <stdint.h>

typedef struct {
    uint8_t pk[32];
    uint8_t sk[64]; /* libsodium's secret key (seed || pk); zero when only the public half is loaded */
    uint8_t key_id[TIX_WIRE_KEY_ID_SIZE]; /* first 8 bytes of BLAKE2b-256(pk) */
    int has_secret;
} tix_sign_key_t;

typedef struct {
    char pub[41]; /* Z85 */
    char sec[41]; /* Z85; empty when only the public half is loaded */
} tix_curve_key_t;

/* Writes `base`.sign.key (0600) + `base`.sign.pub and `base`.curve.key (0600) + `base`.curve.pub.
 * Refuses to overwrite existing files, and a `base` whose file name part is empty, hidden
 * (starts with '.'), starts with '-' or holds bytes other than letters, digits, '_', '-', '.'. */
int tix_keys_generate(const char *base) __attribute__((warn_unused_result));

/* Loads a signing secret key file (refusing one readable by group or others) or a public one. */
int tix_sign_key_load_secret(const char *path, tix_sign_key_t *out) __attribute__((warn_unused_result));
int tix_sign_key_load_public(const char *path, tix_sign_key_t *out) __attribute__((warn_unused_result));
int tix_curve_key_load_secret(const char *path, tix_curve_key_t *out) __attribute__((warn_unused_result));
int tix_curve_key_load_public(const char *path, tix_curve_key_t *out) __attribute__((warn_unused_result));

/* Fails if `path` is readable or writable by group or others ("mode 0644: chmod 600 it"). */
int tix_keys_check_private(const char *path) __attribute__((warn_unused_result));

/* Ed25519 over domain || bytes, detached. */
void tix_sign(const tix_sign_key_t *k, const uint8_t *msg, size_t len, uint8_t sig[64]);
int tix_verify(const tix_sign_key_t *k, const uint8_t *msg, size_t len, const uint8_t sig[64])
    __attribute__((warn_unused_result));

#endif
