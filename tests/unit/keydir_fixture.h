/* Test fixture shared by the publisher tests: a temporary directory with a fresh tix-keygen key pair, removed afterwards. */
#ifndef TIX_TEST_KEYDIR_FIXTURE_H
#define TIX_TEST_KEYDIR_FIXTURE_H

#include "tix_keys.h"

#include <stdio.h>
#include <stdlib.h>

/* Makes `dir` (a "/tmp/NAME-XXXXXX" pattern, rewritten in place) holding dir/pub.* and loads
 * its signing secret into `key`. 0, or -1 when any step fails. */
static inline int tix_test_keydir_new(char *dir, tix_sign_key_t *key)
{
    if (!mkdtemp(dir))
        return -1;
    char base[300], path[320];
    snprintf(base, sizeof base, "%s/pub", dir);
    snprintf(path, sizeof path, "%s.sign.key", base);
    return tix_keys_generate(base) || tix_sign_key_load_secret(path, key) ? -1 : 0;
}

static inline int tix_test_keydir_remove(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
