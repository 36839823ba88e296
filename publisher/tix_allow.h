/* Allowlist files of CurveZMQ public keys: subscribers (clients_allow) and collectors (collectors_allow). */
#ifndef TIX_ALLOW_H
#define TIX_ALLOW_H

#include <stdbool.h>
#include <stddef.h>

/* One format for both files: a Z85 public key (40 characters) per line; "# " (or "#" alone)
 * starts a comment line, since Z85 itself uses '#'.
 *  - clients_allow: the key alone; anything after white space is a comment.
 *  - collectors_allow: the key, white space, then the providers that collector may speak for,
 *    "*" or "name1,name2" (no spaces); anything after that is a comment. A key without a
 *    provider list, or listed twice, is an error: what it may send must be explicit. */
typedef enum { TIX_ALLOW_CLIENTS = 0, TIX_ALLOW_COLLECTORS } tix_allow_kind_t;

typedef struct tix_allow_s tix_allow_t;

/* Parses `path`; NULL with tix_err() naming file:line on the first malformed line. */
tix_allow_t *tix_allow_load(const char *path, tix_allow_kind_t kind);
void tix_allow_destroy(tix_allow_t **self_p);

size_t tix_allow_size(const tix_allow_t *self);
/* Whether the Z85 key `z85` is listed. */
bool tix_allow_has(const tix_allow_t *self, const char *z85);
/* Whether the listed key `z85` may send quotes under `provider` (always for "*"). */
bool tix_allow_permits(const tix_allow_t *self, const char *z85, const char *provider);

#endif
