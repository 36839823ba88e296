/* Key-file checks: the same loaders tixd starts with, run on a configuration's key settings. */
#include "tix_keycheck.h"
#include "tix_allow.h"
#include "tix_err.h"
#include "tix_keys.h"
#include "tix_schema.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool s_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* True if the file's comment lines mark it SECRET, as tix-keygen writes every secret. */
static bool s_marked_secret(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    bool secret = false;
    while (f && !secret && fgets(line, sizeof line, f))
        secret = line[0] == '#' && strstr(line, "SECRET") != NULL;
    if (f)
        fclose(f);
    return secret;
}

/* What kind of file is where: a secret where a public key belongs (or back) is refused. */
static int s_right_half(const char *path, tix_keyfile_t kind)
{
    bool want_secret = kind == TIX_KEYFILE_SIGN_SECRET || kind == TIX_KEYFILE_CURVE_SECRET;
    if (want_secret && s_ends_with(path, ".pub")) {
        TIX_SET_ERR(EINVAL, "%s: a .pub file where a secret key is expected", path);
        return -1;
    }
    if (!want_secret && (s_ends_with(path, ".key") || s_marked_secret(path))) {
        TIX_SET_ERR(EINVAL, "%s: a secret key where a public key is expected (give the .pub file; "
                    "and keep the secret from whoever got this path)", path);
        return -1;
    }
    return 0;
}

static int s_allowlist(const char *path, tix_allow_kind_t kind)
{
    tix_allow_t *list = tix_allow_load(path, kind);
    if (!list)
        return -1;
    tix_allow_destroy(&list);
    return 0;
}

static int s_load(const char *path, tix_keyfile_t kind)
{
    tix_sign_key_t sk;
    tix_curve_key_t ck;
    int rc = -1;
    switch (kind) {
    case TIX_KEYFILE_SIGN_SECRET: rc = tix_sign_key_load_secret(path, &sk); break;
    case TIX_KEYFILE_SIGN_PUBLIC: rc = tix_sign_key_load_public(path, &sk); break;
    case TIX_KEYFILE_CURVE_SECRET: rc = tix_curve_key_load_secret(path, &ck); break;
    case TIX_KEYFILE_CURVE_PUBLIC: rc = tix_curve_key_load_public(path, &ck); break;
    case TIX_KEYFILE_CURVE_ALLOW: return s_allowlist(path, TIX_ALLOW_CLIENTS);
    case TIX_KEYFILE_COLLECTORS_ALLOW: return s_allowlist(path, TIX_ALLOW_COLLECTORS);
    }
    sodium_memzero(&sk, sizeof sk); /* only checked: no copy of a secret outlives the check */
    sodium_memzero(&ck, sizeof ck);
    return rc;
}

int tix_keyfile_check(const char *path, tix_keyfile_t kind)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        TIX_SET_ERR(errno, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        TIX_SET_ERR(EINVAL, "%s: %s, not a key file", path,
                    S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
        return -1;
    }
    if (s_right_half(path, kind) != 0)
        return -1;
    return s_load(path, kind);
}

int tix_keyfile_check_at(const tix_config_t *cfg, const config_setting_t *s, const char *name,
                         tix_keyfile_t kind, tix_diag_t *diag)
{
    if (!s || tix_schema_flagged(s) || config_setting_type(s) != CONFIG_TYPE_STRING)
        return 0; /* absent, or reported by the schema pass */
    if (tix_keyfile_check(config_setting_get_string(s), kind) == 0)
        return 0;
    char where[512];
    tix_schema_where(s, cfg->path, where, sizeof where);
    tix_diag_add(diag, "%s: %s: %s", where, name, tix_err());
    return 1;
}

int tix_keyfile_check_setting(const tix_config_t *cfg, const char *key, tix_keyfile_t kind,
                              tix_diag_t *diag)
{
    return tix_keyfile_check_at(cfg, tix_config_lookup(cfg, key), key, kind, diag);
}
