/* tixd's /metrics (Prometheus text exposition 0.0.4) and /health, served by libmicrohttpd's own thread on a loopback address by default. */
#include "tix/price.h"
#include "tix_err.h"
#include "tix_time.h"
#include "tixd_int.h"

#include <arpa/inet.h>
#include <assert.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tixd_metrics_s {
    struct MHD_Daemon *d;
    tixd_state_t *state;
    tixd_queue_t *in;
    /* the engine's input, then each sink's queue, by name */
    const char *qname[1 + TIXD_SINKS_MAX];
    tixd_queue_t *q[1 + TIXD_SINKS_MAX];
    int nq;
    tix_storage_t *storage;
    tixd_role_t role;
    int port;
};

/* A label value with \, " and newline escaped, as the exposition format requires. */
static const char *s_esc(const char *in, char *buf, size_t len)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 3 < len; p++) {
        if (*p == '\\' || *p == '"' || *p == '\n') {
            buf[o++] = '\\';
            buf[o++] = *p == '\n' ? 'n' : *p;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    return buf;
}

static void s_head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void s_u64(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
    s_head(f, name, type, help);
    fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

/* Per provider: health, attempts, accepted, refused by reason, faults, latency. */
static void s_providers(FILE *f, const tixd_state_t *s)
{
    char e[160];
    s_head(f, "tix_provider_health", "gauge", "0 UP, 1 DEGRADED, 2 DOWN");
    for (int i = 0; i < s->nprov; i++)
        fprintf(f, "tix_provider_health{provider=\"%s\"} %d\n", s_esc(s->prov_name[i], e, sizeof e),
                (int)s->health[i]);
    s_head(f, "tix_provider_up", "gauge", "1 when the provider's last attempt delivered quotes");
    for (int i = 0; i < s->nprov; i++)
        fprintf(f, "tix_provider_up{provider=\"%s\"} %d\n", s_esc(s->prov_name[i], e, sizeof e),
                s->health[i] == TIX_HEALTH_UP);
    s_head(f, "tix_provider_attempts_total", "counter", "polls, connections, files, messages");
    for (int i = 0; i < s->nprov; i++)
        fprintf(f, "tix_provider_attempts_total{provider=\"%s\"} %llu\n",
                s_esc(s->prov_name[i], e, sizeof e), (unsigned long long)s->pstats[i].attempts);
    s_head(f, "tix_quotes_accepted_total", "counter", "quotes normalized and delivered, per provider");
    for (int i = 0; i < s->nprov; i++)
        fprintf(f, "tix_quotes_accepted_total{provider=\"%s\"} %llu\n",
                s_esc(s->prov_name[i], e, sizeof e), (unsigned long long)s->pstats[i].accepted);
    s_head(f, "tix_quotes_rejected_total", "counter", "quotes refused, per provider and reason");
    for (int i = 0; i < s->nprov; i++)
        for (int r = 1; r < TIX_REASON_COUNT; r++)
            fprintf(f, "tix_quotes_rejected_total{provider=\"%s\",reason=\"%s\"} %llu\n",
                    s_esc(s->prov_name[i], e, sizeof e), tix_reason_name((tix_reason_t)r),
                    (unsigned long long)s->pstats[i].refused[r]);
    s_head(f, "tix_provider_faults_total", "counter", "transport and payload faults, per provider");
    for (int i = 0; i < s->nprov; i++)
        for (int k = 0; k < TIX_FAULT_COUNT; k++)
            fprintf(f, "tix_provider_faults_total{provider=\"%s\",fault=\"%s\"} %llu\n",
                    s_esc(s->prov_name[i], e, sizeof e), tix_fault_name((tix_fault_t)k),
                    (unsigned long long)s->pstats[i].faults[k]);
    s_head(f, "tix_provider_latency_seconds", "gauge", "duration of the last poll");
    for (int i = 0; i < s->nprov; i++)
        fprintf(f, "tix_provider_latency_seconds{provider=\"%s\"} %.6f\n",
                s_esc(s->prov_name[i], e, sizeof e), (double)s->pstats[i].last_latency_ns / 1e9);
}

/* Per tier: the last tick's value (exact decimal), status, age and counts. */
static void s_tiers(FILE *f, const tixd_state_t *s)
{
    char (*ids)[TIX_TIER_ID_MAX] = s->tier_id;
    char p[TIX_PRICE_TEXT_MAX];
    int64_t now = tix_time_wall_ns();
    s_head(f, "tix_tier_price", "gauge", "last index value, USD per 1M tokens (NaN: absent)");
    for (int i = 0; i < s->ntiers; i++)
        if (s->last_tick_wall_ns[i])
            fprintf(f, "tix_tier_price{tier=\"%s\"} %s\n", ids[i],
                    s->last_tick[i].price == TIX_PRICE_NULL
                        ? "NaN" : tix_price_format(s->last_tick[i].price, p, sizeof p));
    s_head(f, "tix_tier_status", "gauge", "last tick's status: 0 OK, 1 LOW, 2 STALE");
    for (int i = 0; i < s->ntiers; i++)
        if (s->last_tick_wall_ns[i])
            fprintf(f, "tix_tier_status{tier=\"%s\"} %d\n", ids[i], (int)s->last_tick[i].status);
    s_head(f, "tix_tier_age_seconds", "gauge", "wall time since the tier's boundary last ticked");
    for (int i = 0; i < s->ntiers; i++)
        if (s->last_tick_wall_ns[i])
            fprintf(f, "tix_tier_age_seconds{tier=\"%s\"} %.3f\n", ids[i],
                    (double)(now - s->last_tick[i].ts_ns) / 1e9);
    s_head(f, "tix_tier_providers_used", "gauge", "n_used of the last tick");
    for (int i = 0; i < s->ntiers; i++)
        if (s->last_tick_wall_ns[i])
            fprintf(f, "tix_tier_providers_used{tier=\"%s\"} %u\n", ids[i], s->last_tick[i].n_used);
    s_head(f, "tix_tier_providers_excluded", "gauge", "n_excluded (outliers) of the last tick");
    for (int i = 0; i < s->ntiers; i++)
        if (s->last_tick_wall_ns[i])
            fprintf(f, "tix_tier_providers_excluded{tier=\"%s\"} %u\n", ids[i],
                    s->last_tick[i].n_excluded);
    s_head(f, "tix_tier_pairs_stale", "gauge", "n_stale of the last tick");
    for (int i = 0; i < s->ntiers; i++)
        if (s->last_tick_wall_ns[i])
            fprintf(f, "tix_tier_pairs_stale{tier=\"%s\"} %u\n", ids[i], s->last_tick[i].n_stale);
}

/* Each family's lines together, as the exposition format requires. */
static void s_queues(FILE *f, tixd_metrics_t *m)
{
    static const char *fam[4][3] = {
        {"tix_queue_depth", "gauge", "items waiting in a stage queue"},
        {"tix_queue_capacity", "gauge", "a stage queue's size"},
        {"tix_queue_peak", "gauge", "the deepest a stage queue has been"},
        {"tix_queue_dropped_total", "counter", "items dropped: the stage queue was full"},
    };
    for (int k = 0; k < 4; k++) {
        s_head(f, fam[k][0], fam[k][1], fam[k][2]);
        for (int i = 0; i < m->nq; i++) {
            tixd_queue_t *q = m->q[i];
            unsigned long long v = k == 0 ? tixd_queue_depth(q) : k == 1 ? tixd_queue_capacity(q)
                                   : k == 2 ? tixd_queue_peak(q) : tixd_queue_dropped(q);
            fprintf(f, "%s{queue=\"%s\"} %llu\n", fam[k][0], m->qname[i], v);
        }
    }
}

static void s_engine(FILE *f, tixd_metrics_t *m)
{
    tixd_state_t *s = m->state;
    s_u64(f, "tix_engine_quotes_total", "counter", "accepted quotes fed to the engine", s->quotes);
    s_u64(f, "tix_engine_refused_total", "counter", "refused quotes archived, not fed", s->refused);
    s_u64(f, "tix_engine_late_quotes_total", "counter",
          "quotes stamped at or before the last boundary already computed", s->late);
    s_u64(f, "tix_engine_clock_events_total", "counter", "CLOCK events injected", s->clocks);
    s_u64(f, "tix_engine_ticks_total", "counter", "ticks computed", s->ticks);
    s_u64(f, "tix_engine_settlements_total", "counter", "settlements computed", s->settlements);
    s_u64(f, "tix_engine_late_ticks_total", "counter",
          "ticks archived but not published: ready more than late_ms after their boundary", s->late_ticks);
    s_u64(f, "tix_engine_pending_events", "gauge",
          "inputs and outputs journalled, waiting to be durable before use", s->engine_pending);
    s_head(f, "tix_engine_loop_age_seconds", "gauge", "time since the engine thread's last turn");
    fprintf(f, "tix_engine_loop_age_seconds %.3f\n",
            (double)(tix_time_mono_ns() - atomic_load(&s->engine_alive_ns)) / 1e9);
    s_queues(f, m);
}

static void s_pub(FILE *f, const tixd_state_t *s)
{
    const tix_pub_stats_t *p = &s->pub;
    s_u64(f, "tix_pub_messages_total", "counter", "data messages published (each on every line)", p->messages);
    s_u64(f, "tix_pub_bytes_total", "counter", "bytes published", p->bytes);
    s_u64(f, "tix_pub_heartbeats_total", "counter", "heartbeats sent", p->heartbeats);
    s_u64(f, "tix_pub_attestations_total", "counter", "signed attestations sent", p->attestations);
    s_u64(f, "tix_pub_snapshots_total", "counter", "recovery snapshots served", p->snapshots);
    s_u64(f, "tix_pub_replays_total", "counter", "recovery replays served", p->replays);
    s_u64(f, "tix_pub_replay_too_old_total", "counter", "replays refused: beyond the ring", p->too_old);
    s_u64(f, "tix_pub_recovery_bad_requests_total", "counter", "malformed recovery requests (ERR)", p->bad_requests);
    s_u64(f, "tix_pub_recovery_busy_total", "counter", "recovery requests answered ERR busy", p->replay_busy);
    s_u64(f, "tix_pub_recovery_dropped_total", "counter", "recovery replies dropped: client queue full", p->replay_dropped);
    s_u64(f, "tix_pub_recovery_queued_bytes", "gauge", "replay bytes perhaps still queued for clients",
          p->recovery_queued_bytes);
    s_u64(f, "tix_pub_send_errors_total", "counter", "failed sends", p->send_errors);
    s_head(f, "tix_pub_rate", "gauge", "messages published per second, last quarter second");
    fprintf(f, "tix_pub_rate %.1f\n", s->pub_rate);
    s_u64(f, "tix_pub_subscribers", "gauge", "TCP subscriber connections now", s->subscribers);
    s_u64(f, "tix_pub_connections_total", "counter", "TCP connections accepted", s->connects);
    if (s->has_auth) {
        s_u64(f, "tix_pub_auth_allowed_total", "counter", "CURVE clients allowed", s->auth_allowed);
        s_u64(f, "tix_pub_auth_refused_total", "counter", "CURVE clients refused", s->auth_refused);
    }
}

static void s_storage(FILE *f, tixd_metrics_t *m)
{
    tix_storage_stats_t st;
    tix_storage_stats(m->storage, &st);
    s_u64(f, "tix_storage_submitted_seq", "gauge", "last record sequence handed to storage", st.submitted);
    s_u64(f, "tix_storage_durable_seq", "gauge", "last record written and fdatasync'ed", st.durable);
    s_u64(f, "tix_storage_archived_seq", "gauge", "last record visible in HDF5", st.archived);
    s_u64(f, "tix_storage_journal_lag_records", "gauge", "records submitted, not yet durable",
          st.submitted - st.durable);
    s_u64(f, "tix_storage_archive_lag_records", "gauge", "records submitted, not yet in HDF5",
          st.submitted - st.archived);
    s_u64(f, "tix_storage_queue_depth", "gauge", "records waiting for the journal thread", st.queue_depth);
    s_u64(f, "tix_storage_refused_total", "counter", "records storage refused for good", st.refused);
    s_u64(f, "tix_storage_queue_full_total", "counter", "submits answered 'queue full, try again'",
          st.queue_full);
    s_u64(f, "tix_storage_journal_errors_total", "counter", "journal write errors", st.journal_errors);
    s_u64(f, "tix_storage_archive_errors_total", "counter", "HDF5 errors", st.archive_errors);
    s_u64(f, "tix_storage_journal_up", "gauge", "0 while the journal cannot write", st.journal_ok);
    s_u64(f, "tix_storage_journal_low", "gauge", "1 while the disk has no room for the journal's "
          "space reserve (new quotes held)", st.journal_low);
    s_u64(f, "tix_storage_journal_low_total", "counter", "times the journal's space ran low", st.journal_lows);
    s_u64(f, "tix_storage_journal_fallback", "gauge", "1 while the journal writes to journal_fallback",
          st.journal_fallback);
    s_u64(f, "tix_storage_journal_fallback_total", "counter", "moves to journal_fallback",
          st.journal_moves);
    s_u64(f, "tix_storage_archive_up", "gauge", "0 while HDF5 cannot write", st.archive_ok);
    s_u64(f, "tix_engine_storage_refused_total", "counter", "engine records storage refused",
          m->state->storage_refused);
}

/* The whole exposition as a malloc'd string (NULL if out of memory). */
static char *s_text(tixd_metrics_t *m, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    tixd_state_t *s = m->state;
    s_head(f, "tix_up", "gauge", "1 while tixd runs");
    fprintf(f, "tix_up{role=\"%s\"} 1\n", tixd_role_name(m->role));
    pthread_mutex_lock(&s->mu);
    s_providers(f, s);
    if (m->role == TIXD_ROLE_COLLECTOR) {
        s_u64(f, "tix_forward_sent_total", "counter", "quotes forwarded to engines", s->forwarded);
        s_u64(f, "tix_forward_dropped_total", "counter", "quotes dropped at the forward HWM",
              s->forward_dropped);
    } else {
        s_tiers(f, s);
    }
    if (s->has_pub)
        s_pub(f, s);
    pthread_mutex_unlock(&s->mu);
    s_u64(f, "tix_reloads_total", "counter", "SIGHUP reloads applied", s->reloads);
    s_u64(f, "tix_reload_failures_total", "counter", "SIGHUP reloads refused", s->reload_failures);
    if (m->role != TIXD_ROLE_COLLECTOR)
        s_engine(f, m);
    if (m->storage)
        s_storage(f, m);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

int tixd_metrics_render(tixd_metrics_t *m, char *buf, size_t len)
{
    size_t n = 0;
    char *text = s_text(m, &n);
    int out = text && n < len ? (int)n : -1;
    if (out >= 0)
        memcpy(buf, text, n + 1);
    free(text);
    return out;
}

/* The journal's part of /health: down (nothing new is durable: no tick is published) or low
 * (ticks go on from journalled inputs, new quotes wait) is unhealthy; on the fallback is
 * healthy, and said. */
static bool s_journal_health(tixd_metrics_t *m, char *why, size_t len)
{
    tix_storage_stats_t st;
    tix_storage_stats(m->storage, &st);
    size_t held = m->in ? tixd_queue_depth(m->in) : 0;
    if (!st.journal_ok || st.journal_low) {
        snprintf(why, len, "journal %s: %.400s; %zu quotes held in the engine queue%s\n",
                 st.journal_ok ? "space low" : "down", st.last_error, held,
                 st.journal_ok ? "" : "; no tick is published until the journal writes again");
        return false;
    }
    if (st.journal_fallback)
        snprintf(why, len, "ok (journal on journal_fallback: %.400s)\n", st.last_error);
    return true;
}

/* Healthy: the engine thread turned within 5 s and the journal can write. */
static bool s_healthy(tixd_metrics_t *m, char *why, size_t len)
{
    snprintf(why, len, "ok\n");
    if (m->role != TIXD_ROLE_COLLECTOR &&
        tix_time_mono_ns() - atomic_load(&m->state->engine_alive_ns) > 5 * TIX_NS_PER_S) {
        snprintf(why, len, "engine thread stalled\n");
        return false;
    }
    return m->storage ? s_journal_health(m, why, len) : true;
}

static enum MHD_Result s_reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
                               const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    enum MHD_Result rc = MHD_add_response_header(r, "Content-Type", type) == MHD_YES
                             ? MHD_queue_response(c, status, r) : MHD_NO;
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_len, void **ctx)
{
    (void)version, (void)upload, (void)upload_len, (void)ctx;
    tixd_metrics_t *m = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return s_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("GET only\n"), 9, "text/plain");
    if (strcmp(url, "/metrics") == 0) {
        size_t n = 0;
        char *text = s_text(m, &n);
        return text ? s_reply(c, MHD_HTTP_OK, text, n, "text/plain; version=0.0.4; charset=utf-8")
                    : MHD_NO;
    }
    if (strcmp(url, "/health") == 0) {
        char why[512];
        bool ok = s_healthy(m, why, sizeof why);
        char *body = strdup(why);
        return body ? s_reply(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, body,
                              strlen(body), "text/plain") : MHD_NO;
    }
    char *body = strdup("not found: try /metrics or /health\n");
    return body ? s_reply(c, MHD_HTTP_NOT_FOUND, body, strlen(body), "text/plain") : MHD_NO;
}

/* "HOST:PORT" with an IPv4 literal host into `sa`; -1 with tix_err() naming the value. */
static int s_addr(const char *addr, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(addr, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    size_t hl = colon ? (size_t)(colon - addr) : 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (!colon || hl == 0 || hl >= sizeof host || !colon[1] || *end || port < 0 || port > 65535) {
        TIX_SET_ERR(EINVAL, "publisher.metrics: '%s' is not HOST:PORT (e.g. 127.0.0.1:9464)", addr);
        return -1;
    }
    memcpy(host, addr, hl);
    host[hl] = '\0';
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        TIX_SET_ERR(EINVAL, "publisher.metrics: '%s': host must be an IPv4 address", addr);
        return -1;
    }
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

/* The queues /metrics shows: the engine's input, then each sink's. */
static void s_add_queues(tixd_metrics_t *m, tixd_queue_t *in, const tixd_sink_t *sinks, int nsinks)
{
    if (in) {
        m->qname[m->nq] = "engine_in";
        m->q[m->nq++] = in;
    }
    for (int i = 0; i < nsinks && i < TIXD_SINKS_MAX; i++) {
        if (!sinks[i].queue)
            continue;
        m->qname[m->nq] = sinks[i].name;
        m->q[m->nq++] = sinks[i].queue;
    }
}

tixd_metrics_t *tixd_metrics_new(const char *addr, tixd_state_t *state, tixd_queue_t *in,
                                 const tixd_sink_t *sinks, int nsinks, tix_storage_t *storage,
                                 tixd_role_t role)
{
    struct sockaddr_in sa;
    if (s_addr(addr, &sa) != 0)
        return NULL;
    tixd_metrics_t *m = calloc(1, sizeof *m);
    if (!m) {
        TIX_SET_ERR(ENOMEM, "out of memory for /metrics");
        return NULL;
    }
    m->state = state;
    m->in = in;
    m->storage = storage;
    s_add_queues(m, in, sinks, nsinks);
    m->role = role;
    m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            s_handle, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = m->d ? MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info) {
        TIX_SET_ERR(EADDRINUSE, "publisher.metrics: cannot serve HTTP on %s (address in use?)", addr);
        tixd_metrics_destroy(&m);
        return NULL;
    }
    m->port = info->port;
    return m;
}

void tixd_metrics_destroy(tixd_metrics_t **self_p)
{
    assert(self_p);
    tixd_metrics_t *m = *self_p;
    if (!m)
        return;
    if (m->d)
        MHD_stop_daemon(m->d);
    free(m);
    *self_p = NULL;
}

int tixd_metrics_port(const tixd_metrics_t *self) { return self->port; }
