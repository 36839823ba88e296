/* tixd's configuration checks beyond the schema: across sections, key files, endpoints. The same function runs at start-up and for --check-config, so that OK means tixd will start. */
#include "tix_collector.h"
#include "tix_endpoint.h"
#include "tix_err.h"
#include "tix_forward.h"
#include "tix_keycheck.h"
#include "tix_schema.h"
#include "tixd.h"

#include <stdio.h>
#include <string.h>

/* Both halves of CURVE, and an archive folder for a storage section. */
static int s_cross(const tix_config_t *cfg, tix_diag_t *diag)
{
    int n = 0;
    char where[512];
    const config_setting_t *cs = tix_config_lookup(cfg, "publisher.curve_secret");
    const config_setting_t *ca = tix_config_lookup(cfg, "publisher.clients_allow");
    if (!!cs != !!ca) {
        tix_schema_where(cs ? cs : ca, cfg->path, where, sizeof where);
        tix_diag_add(diag, "%s: publisher.%s: CURVE needs both curve_secret and clients_allow", where,
                     cs ? "curve_secret" : "clients_allow");
        n++;
    }
    if (tix_config_lookup(cfg, "collector") && tix_forward_check(cfg) != 0) {
        const config_setting_t *fk = tix_config_lookup(cfg, "collector.forward_server_key");
        tix_schema_where(fk ? fk : tix_config_lookup(cfg, "collector"), cfg->path, where, sizeof where);
        tix_diag_add(diag, "%s: %s", where, tix_err());
        n++;
    }
    const config_setting_t *st = tix_config_lookup(cfg, "storage");
    if (st && !tix_config_lookup(cfg, "storage.archive_dir")) {
        tix_schema_where(st, cfg->path, where, sizeof where);
        tix_diag_add(diag, "%s: storage: archive_dir is required to store", where);
        n++;
    }
    return n;
}

/* One endpoint (`s`, a string) of setting `key`, element `idx` of a list (or -1). */
static int s_endpoint(const tix_config_t *cfg, const config_setting_t *s, const char *key,
                      int idx, bool bind, tix_diag_t *diag)
{
    char why[512], where[512], name[128];
    if (config_setting_type(s) != CONFIG_TYPE_STRING ||
        tix_endpoint_check(config_setting_get_string(s), bind, why, sizeof why) == 0)
        return 0; /* a mistyped one: reported by the schema pass */
    if (idx >= 0)
        snprintf(name, sizeof name, "%s[%d]", key, idx);
    else
        snprintf(name, sizeof name, "%s", key);
    tix_schema_where(s, cfg->path, where, sizeof where);
    tix_diag_add(diag, "%s: %s: %s", where, name, why);
    return 1;
}

/* The endpoints of `key`: one string, or a list of them. */
static int s_endpoints(const tix_config_t *cfg, const char *key, bool bind, tix_diag_t *diag)
{
    const config_setting_t *s = tix_config_lookup(cfg, key);
    if (!s || tix_schema_flagged(s))
        return 0;
    if (config_setting_type(s) == CONFIG_TYPE_STRING)
        return s_endpoint(cfg, s, key, -1, bind, diag);
    int n = 0;
    for (int i = 0; i < config_setting_length(s); i++)
        n += s_endpoint(cfg, config_setting_get_elem(s, (unsigned)i), key, i, bind, diag);
    return n;
}

/* publisher.metrics: HOST:PORT to listen on, or "off". */
static int s_metrics(const tix_config_t *cfg, tix_diag_t *diag)
{
    const config_setting_t *s = tix_config_lookup(cfg, "publisher.metrics");
    char why[512], where[512];
    if (!s || config_setting_type(s) != CONFIG_TYPE_STRING ||
        strcmp(config_setting_get_string(s), "off") == 0 ||
        tix_host_port_check(config_setting_get_string(s), why, sizeof why) == 0)
        return 0;
    tix_schema_where(s, cfg->path, where, sizeof where);
    tix_diag_add(diag, "%s: publisher.metrics: %s (or \"off\")", where, why);
    return 1;
}

int tixd_check(const tix_config_t *cfg, tix_diag_t *diag)
{
    int n = tix_collector_check(cfg, diag) + s_cross(cfg, diag);
    /* Key files, loaded as tixd loads them: one line per setting that names one. */
    n += tix_keyfile_check_setting(cfg, "publisher.signing_key", TIX_KEYFILE_SIGN_SECRET, diag);
    n += tix_keyfile_check_setting(cfg, "publisher.curve_secret", TIX_KEYFILE_CURVE_SECRET, diag);
    n += tix_keyfile_check_setting(cfg, "publisher.clients_allow", TIX_KEYFILE_CURVE_ALLOW, diag);
    n += s_endpoints(cfg, "publisher.line_a", true, diag);
    n += s_endpoints(cfg, "publisher.line_b", true, diag);
    n += s_endpoints(cfg, "publisher.recovery", true, diag);
    n += s_endpoints(cfg, "collector.forward", false, diag);
    return n + s_metrics(cfg, diag);
}
