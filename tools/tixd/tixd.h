/* The tix daemon as an object: collectors → engine → publisher + storage, one thread per stage (used by tixd and tix-bench pipeline). */
#ifndef TIXD_H
#define TIXD_H

#include "tix_config.h"
#include "tix_diag.h"

#include <stdint.h>
#include <stdio.h>

/* X(enum suffix, name on the command line, in log lines and in /metrics). all: collectors →
 * engine → publisher + storage; engine: the same, fed only by zmq_ingest sources; collector:
 * collect, normalize, forward. */
#define TIXD_ROLE_MAP(X) X(ALL, "all") X(ENGINE, "engine") X(COLLECTOR, "collector")
typedef enum {
#define X(id, name) TIXD_ROLE_##id,
    TIXD_ROLE_MAP(X)
#undef X
} tixd_role_t;

/* "all", "engine" or "collector". */
const char *tixd_role_name(tixd_role_t role);
/* Parses a role name; -1 if unknown. */
int tixd_role_parse(const char *text, tixd_role_t *out) __attribute__((warn_unused_result));

typedef struct {
    tixd_role_t role;
    const char *conf_path;   /* re-read on reload */
    FILE *record;            /* collector role: every quote received as replay CSV, or NULL */
} tixd_opts_t;

typedef struct tixd_s tixd_t;

/* Every check of `cfg` beyond its schema that tixd's start would otherwise fail on: providers
 * (tix_collector_check), CURVE halves, storage, key files (type, length, mode 0600 of secrets,
 * the right half), endpoint syntax, the metrics address. Appends "file:line: key: message"
 * per problem to `diag`; returns their number. Start-up and --check-config both run it. */
int tixd_check(const tix_config_t *cfg, tix_diag_t *diag);

/* Starts every stage of `role` from `cfg` (which it then owns, even on failure). NULL with
 * tix_err() naming what failed (a key, an endpoint, a directory). */
tixd_t *tixd_new(tix_config_t *cfg, const tixd_opts_t *opts);
/* Stops the collectors, drains the engine's queue into the engine and the journal, publishes
 * what is queued, flushes the journal and the archive, and frees everything. */
void tixd_destroy(tixd_t **self_p);

/* Runs the collectors for up to `timeout_ms` (the caller's thread is the collector stage).
 * -1 on an internal error. */
int tixd_step(tixd_t *self, int64_t timeout_ms) __attribute__((warn_unused_result));

/* SIGHUP: re-reads the client allowlist and the providers of the configuration file; the
 * tiers, mapping and fx must be unchanged (the engine's determinism depends on them), else
 * nothing changes. The feed goes on either way. 0, or -1 with the reason logged. */
int tixd_reload(tixd_t *self);

/* Bound endpoints, one per line: "line_a tcp://127.0.0.1:40123", "recovery …", "metrics
 * 127.0.0.1:9464". */
void tixd_print_endpoints(const tixd_t *self, FILE *f);
/* Writes them to `path` atomically (temporary file + rename). */
int tixd_write_endpoints(const tixd_t *self, const char *path) __attribute__((warn_unused_result));
/* The /metrics text; -1 if `len` is too short. */
int tixd_render_metrics(tixd_t *self, char *buf, size_t len);

#endif
