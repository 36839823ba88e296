/* Key-file checks shared by tixd's start-up and --check-config: a setting names a key file of the right kind. */
#ifndef TIX_KEYCHECK_H
#define TIX_KEYCHECK_H

#include "tix_config.h"
#include "tix_diag.h"

typedef enum {
    TIX_KEYFILE_SIGN_SECRET,  /* Ed25519 seed (tix-keygen's BASE.sign.key), mode 0600 */
    TIX_KEYFILE_SIGN_PUBLIC,  /* BASE.sign.pub */
    TIX_KEYFILE_CURVE_SECRET, /* CurveZMQ secret (BASE.curve.key), mode 0600 */
    TIX_KEYFILE_CURVE_PUBLIC, /* BASE.curve.pub */
    TIX_KEYFILE_CURVE_ALLOW,  /* an allowlist of CurveZMQ public keys, one a line */
    TIX_KEYFILE_COLLECTORS_ALLOW, /* collector keys, each with the providers it may send for */
} tix_keyfile_t;

/* Checks the file at `path` as loading it would: it exists and is a regular file; a secret has
 * mode 0600 (no group or other bits), the right type and length, and is not a .pub file; a
 * public key has the right type and length and is not a secret (a .key file or one marked
 * SECRET); an allowlist parses. 0, or -1 with tix_err() saying what is wrong. */
int tix_keyfile_check(const char *path, tix_keyfile_t kind) __attribute__((warn_unused_result));

/* If `cfg` has the string setting `key` ("publisher.signing_key"), checks the file it names
 * with tix_keyfile_check, appending "file:line: key: what is wrong" to `diag`. Returns the
 * number of problems (0 or 1). One line per key-file setting in tixd_check. */
int tix_keyfile_check_setting(const tix_config_t *cfg, const char *key, tix_keyfile_t kind,
                              tix_diag_t *diag);
/* The same for a setting already at hand, `s` (NULL: nothing to check), named `name` in the
 * message: for keys inside lists, "providers[2].curve_secret". */
int tix_keyfile_check_at(const tix_config_t *cfg, const config_setting_t *s, const char *name,
                         tix_keyfile_t kind, tix_diag_t *diag);

#endif
