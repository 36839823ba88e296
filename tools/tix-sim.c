/* tix-sim: a provider simulator (libmicrohttpd) serving price lists and streams with scheduled faults. */
#include "tix/price.h"
#include "tix_diag.h"
#include "tix_err.h"
#include "tix_schema.h"
#include "tix_sim.h"
#include "tix_time.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libconfig.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static const char *const s_formats[] = {"openrouter", "dashscope", "pricesheet", "deepseek",
                                        "ndjson", "fx", NULL};
static const char *const s_faults[] = {"http_500", "timeout", "slow_body", "malformed",
                                       "truncated", "outlier", "stale", "disconnect", "stall",
                                       NULL};

static const tix_key_t s_model_keys[] = {
    {"id", TIX_KEY_STRING, true, 1, 95, NULL, NULL},
    {"input", TIX_KEY_STRING, true, 1, 40, NULL, NULL},
    {"output", TIX_KEY_STRING, true, 1, 40, NULL, NULL},
    {"cached_input", TIX_KEY_STRING, false, 1, 40, NULL, NULL},
    {"variable", TIX_KEY_BOOL, false, 0, 0, NULL, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_fault_keys[] = {
    {"kind", TIX_KEY_STRING, true, 0, 0, s_faults, NULL},
    {"from_ms", TIX_KEY_INT, false, 0, INT64_C(1) << 40, NULL, NULL},
    {"to_ms", TIX_KEY_INT, false, 0, INT64_C(1) << 40, NULL, NULL},
    {"every", TIX_KEY_INT, false, 1, 1000000, NULL, NULL},
    {"delay_ms", TIX_KEY_INT, false, 0, 600000, NULL, NULL},
    {"model", TIX_KEY_STRING, false, 1, 95, NULL, NULL},
    {"factor_bp", TIX_KEY_INT, false, 0, 100000000, NULL, NULL},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_prov_keys[] = {
    {"name", TIX_KEY_STRING, true, 1, 63, NULL, NULL},
    {"format", TIX_KEY_STRING, true, 0, 0, s_formats, NULL},
    {"port", TIX_KEY_INT, false, 0, 65535, NULL, NULL},
    {"walk_bp", TIX_KEY_INT, false, 0, 5000, NULL, NULL},
    {"discount", TIX_KEY_STRING, false, 1, 15, NULL, NULL},
    {"gzip", TIX_KEY_BOOL, false, 0, 0, NULL, NULL},
    {"off_peak", TIX_KEY_STRINGS, false, 0, 0, NULL, NULL},
    {"off_peak_bp", TIX_KEY_INT, false, 0, 10000, NULL, NULL},
    {"stream_ms", TIX_KEY_INT, false, 10, 60000, NULL, NULL},
    {"rates", TIX_KEY_MAP, false, 0, 0, NULL, NULL},
    {"models", TIX_KEY_LIST, false, 0, 0, NULL, s_model_keys},
    {"faults", TIX_KEY_LIST, false, 0, 0, NULL, s_fault_keys},
    {NULL, 0, false, 0, 0, NULL, NULL},
};
static const tix_key_t s_root_keys[] = {
    {"seed", TIX_KEY_INT, false, 0, INT64_MAX, NULL, NULL},
    {"update_ms", TIX_KEY_INT, false, 10, 86400000, NULL, NULL},
    {"providers", TIX_KEY_LIST, true, 0, 0, NULL, s_prov_keys},
    {NULL, 0, false, 0, 0, NULL, NULL},
};


/* Set by the signal handler and main, read by libmicrohttpd's threads in the stream
 * callbacks: an atomic (lock-free, so async-signal-safe), not a plain sig_atomic_t. */
static atomic_bool s_stop;
_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "s_stop is set in a signal handler");
static int64_t s_t0_mono;
static uint64_t s_seed = 1;
static bool s_seed_given;

static void s_on_signal(int sig)
{
    (void)sig;
    atomic_store(&s_stop, true);
}

static int64_t s_elapsed_ms(void) { return (tix_time_mono_ns() - s_t0_mono) / TIX_NS_PER_MS; }

static void s_sleep_ms(int64_t ms)
{
    while (ms > 0 && !atomic_load(&s_stop)) {
        int64_t step = ms > 20 ? 20 : ms;
        struct timespec ts = {0, (long)(step * 1000000)};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}


/* ---- HTTP ---- */

/* gzip with zlib when the client accepts it (curl asks with "Accept-Encoding"). */
static char *s_gzip(const char *in, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)len) + 32;
    char *out = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = out ? deflate(&z, Z_FINISH) : Z_MEM_ERROR;
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static enum MHD_Result s_send(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
    if (!r)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result s_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return s_send(c, status, MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
                                                             MHD_RESPMEM_MUST_COPY));
}

/* A body sent half now, the rest after delay_ms: a slow provider. */
typedef struct {
    char *body;
    size_t len;
    int64_t delay_ms;
} s_slow_t;

static ssize_t s_slow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    s_slow_t *s = cls;
    if (pos >= s->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (pos >= s->len / 2 && s->delay_ms > 0) {
        s_sleep_ms(s->delay_ms);
        s->delay_ms = 0;
    }
    size_t lim = pos < s->len / 2 ? s->len / 2 : s->len;
    size_t n = lim - (size_t)pos < max ? lim - (size_t)pos : max;
    memcpy(buf, s->body + pos, n);
    return (ssize_t)n;
}

static void s_slow_free(void *cls)
{
    s_slow_t *s = cls;
    free(s->body);
    free(s);
}

/* ETag of a body: FNV-1a of its bytes, so an unchanged list answers 304. */
static void s_etag(const char *body, size_t len, char *out, size_t cap)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)body[i]) * 0x100000001b3u;
    snprintf(out, cap, "\"%016llx\"", (unsigned long long)h);
}

static enum MHD_Result s_price_list(tix_sim_prov_t *p, struct MHD_Connection *c, int64_t now, uint64_t req)
{
    size_t len;
    char *body = tix_sim_body(p, now, req, &len), tag[24];
    if (!body)
        return s_text(c, 500, "out of memory\n");
    s_etag(body, len, tag, sizeof tag);
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    if (tix_sim_fault(p, F_MALFORMED, now, req)) {
        free(body);
        return s_text(c, 200, "<html><body>502 Bad Gateway</body></html>\n");
    }
    if (tix_sim_fault(p, F_TRUNCATED, now, req))
        len /= 2; /* announced as this length: the JSON itself is cut short */
    else if (inm && strcmp(inm, tag) == 0) {
        free(body);
        return s_send(c, 304, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT));
    }
    const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    bool gz = p->gzip && ae && strstr(ae, "gzip");
    if (gz) {
        size_t zlen;
        char *z = s_gzip(body, len, &zlen);
        free(body);
        if (!z)
            return s_text(c, 500, "gzip failed\n");
        body = z;
        len = zlen;
    }
    const tix_sim_fault_t *slow = tix_sim_fault(p, F_SLOW_BODY, now, req);
    struct MHD_Response *r;
    s_slow_t *s = slow ? malloc(sizeof *s) : NULL;
    if (s) {
        *s = (s_slow_t){body, len, slow->delay_ms};
        r = MHD_create_response_from_callback(len, 4096, s_slow_read, s, s_slow_free);
    } else {
        r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    }
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "ETag", tag);
    if (gz)
        MHD_add_response_header(r, "Content-Encoding", "gzip");
    return s_send(c, 200, r);
}

/* ---- NDJSON stream: quotes and trades of a spot token marketplace ---- */

typedef struct {
    tix_sim_prov_t *p;
    char buf[16384];
    size_t len, off;
    int64_t next_ms;
    uint64_t lines, rng;
    bool cut;
} s_stream_t;

static void s_line(s_stream_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_line(s_stream_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->buf + s->len, sizeof s->buf - s->len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof s->buf - s->len)
        s->len += (size_t)n;
    s->lines++;
}

/* One batch: a quote and a trade per model (USD per 1M tokens, quantities in tokens). */
static void s_batch(s_stream_t *s, int64_t now)
{
    tix_sim_prov_t *p = s->p;
    char a[48], b[48];
    int64_t ts = tix_sim_clock.t0_wall_ns / TIX_NS_PER_MS + now;
    pthread_mutex_lock(&p->mu);
    const tix_sim_fault_t *out = tix_sim_fault(p, F_OUTLIER, now, s->lines);
    for (int i = 0; i < p->nmodels; i++) {
        tix_price_t v[3];
        tix_sim_prices(p, &p->models[i], now / tix_sim_clock.update_ms, out, v);
        tix_decimal_format(v[0], 9, a, sizeof a);
        s_line(s, "{\"type\":\"trade\",\"model\":\"%s\",\"side\":\"%s\",\"price\":\"%s\",\"qty\":%llu,\"ts\":%lld}\n",
               p->models[i].id, tix_sim_next(&s->rng) & 1 ? "buy" : "sell", a,
               (unsigned long long)(1000 + tix_sim_next(&s->rng) % 99000), (long long)ts);
        s_line(s, "{\"type\":\"quote\",\"model\":\"%s\",\"input\":\"%s\",\"output\":\"%s\",\"ts\":%lld}\n",
               p->models[i].id, tix_decimal_format(v[0], 9, a, sizeof a), tix_decimal_format(v[1], 9, b, sizeof b),
               (long long)ts);
    }
    pthread_mutex_unlock(&p->mu);
}

static ssize_t s_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    s_stream_t *s = cls;
    while (s->off >= s->len) {
        if (s->cut || atomic_load(&s_stop))
            return s->cut ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
        int64_t now = s_elapsed_ms();
        const tix_sim_fault_t *stall = tix_sim_fault(s->p, F_STALL, now, 0);
        if (stall || now < s->next_ms) {
            s_sleep_ms(stall ? 20 : s->next_ms - now);
            continue;
        }
        s->len = s->off = 0;
        s_batch(s, now);
        s->next_ms = now + s->p->stream_ms;
        const tix_sim_fault_t *cut = tix_sim_fault(s->p, F_DISCONNECT, now, 0);
        if (cut && s->lines >= (uint64_t)cut->every) {
            /* End mid-line: half of the last line, then the connection drops. */
            size_t last = s->len - 1;
            while (last > 0 && s->buf[last - 1] != '\n')
                last--;
            s->len = last + (s->len - last) / 2;
            s->cut = true;
        }
    }
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(buf, s->buf + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static enum MHD_Result s_stream(tix_sim_prov_t *p, struct MHD_Connection *c, uint64_t req)
{
    s_stream_t *s = calloc(1, sizeof *s);
    if (!s)
        return s_text(c, 500, "out of memory\n");
    s->p = p;
    s->rng = tix_sim_hash(s_seed + req, p->name);
    s_line(s, "{\"type\":\"hello\",\"market\":\"%s\"}\n", p->name);
    s->lines = 0;
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, s_stream_read,
                                                               s, free);
    if (!r) {
        free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/x-ndjson");
    return s_send(c, 200, r);
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **con_cls)
{
    (void)url, (void)version, (void)upload, (void)upload_size, (void)con_cls;
    tix_sim_prov_t *p = cls;
    if (strcmp(method, "GET") != 0)
        return s_text(c, 405, "GET only\n");
    pthread_mutex_lock(&p->mu);
    uint64_t req = ++p->requests;
    pthread_mutex_unlock(&p->mu);
    int64_t now = s_elapsed_ms();
    const tix_sim_fault_t *slow = tix_sim_fault(p, F_TIMEOUT, now, req);
    if (slow)
        s_sleep_ms(slow->delay_ms); /* answer only after the client has given up */
    if (tix_sim_fault(p, F_HTTP_500, now, req))
        return s_text(c, 500, "{\"error\":\"internal server error\"}\n");
    return p->format == FMT_NDJSON ? s_stream(p, c, req) : s_price_list(p, c, now, req);
}

/* ---- scenario ---- */

static int64_t s_int(const config_setting_t *g, const char *k, int64_t dflt)
{
    long long v;
    return config_setting_lookup_int64(g, k, &v) ? v : dflt;
}

static const char *s_str(const config_setting_t *g, const char *k, const char *dflt)
{
    const char *v;
    return config_setting_lookup_string(g, k, &v) ? v : dflt;
}

static int s_price_of(const config_setting_t *m, const char *k, tix_price_t *out, const char *prov)
{
    const char *t = s_str(m, k, NULL);
    *out = TIX_PRICE_NULL;
    if (!t)
        return 0;
    if (tix_price_parse(t, TIX_UNIT_1M, out) != TIX_PRICE_OK || *out <= 0) {
        fprintf(stderr, "tix-sim: %s:%d: provider %s: %s \"%s\" is not a positive decimal\n",
                config_setting_source_file(m), config_setting_source_line(m), prov, k, t);
        return -1;
    }
    return 0;
}

static int s_load_models(tix_sim_prov_t *p, const config_setting_t *ps)
{
    const config_setting_t *ms = config_setting_get_member(ps, "models");
    p->nmodels = ms ? config_setting_length(ms) : 0;
    p->models = calloc((size_t)p->nmodels + 1, sizeof *p->models);
    if (!p->models)
        return -1;
    for (int i = 0; i < p->nmodels; i++) {
        const config_setting_t *m = config_setting_get_elem(ms, (unsigned)i);
        tix_sim_model_t *o = &p->models[i];
        snprintf(o->id, sizeof o->id, "%s", s_str(m, "id", ""));
        if (s_price_of(m, "input", &o->in0, p->name) || s_price_of(m, "output", &o->out0, p->name) ||
            s_price_of(m, "cached_input", &o->cached0, p->name))
            return -1;
        int var = 0;
        config_setting_lookup_bool(m, "variable", &var);
        o->variable = var;
        o->in = o->in0, o->out = o->out0, o->cached = o->cached0;
        o->rng = tix_sim_hash(tix_sim_hash(s_seed, p->name), o->id);
    }
    return 0;
}

static int s_load_faults(tix_sim_prov_t *p, const config_setting_t *ps)
{
    const config_setting_t *fs = config_setting_get_member(ps, "faults");
    p->nfaults = fs ? config_setting_length(fs) : 0;
    p->faults = calloc((size_t)p->nfaults + 1, sizeof *p->faults);
    if (!p->faults)
        return -1;
    for (int i = 0; i < p->nfaults; i++) {
        const config_setting_t *f = config_setting_get_elem(fs, (unsigned)i);
        tix_sim_fault_t *o = &p->faults[i];
        const char *k = s_str(f, "kind", "");
        for (o->kind = 0; o->kind < F_COUNT && strcmp(s_faults[o->kind], k) != 0; o->kind++)
            ;
        o->from_ms = s_int(f, "from_ms", 0);
        o->to_ms = s_int(f, "to_ms", 0);
        o->every = s_int(f, "every", o->kind == F_DISCONNECT ? 5 : 1);
        o->delay_ms = s_int(f, "delay_ms", 5000);
        o->factor_bp = s_int(f, "factor_bp", 100000);
        snprintf(o->model, sizeof o->model, "%s", s_str(f, "model", ""));
    }
    return 0;
}

static int s_load_provider(tix_sim_prov_t *p, const config_setting_t *ps)
{
    snprintf(p->name, sizeof p->name, "%s", s_str(ps, "name", ""));
    const char *fmt = s_str(ps, "format", "");
    for (p->format = 0; s_formats[p->format] && strcmp(s_formats[p->format], fmt) != 0; p->format++)
        ;
    p->port = (int)s_int(ps, "port", 0);
    p->walk_bp = s_int(ps, "walk_bp", 20);
    p->off_peak_bp = s_int(ps, "off_peak_bp", 5000);
    p->stream_ms = s_int(ps, "stream_ms", 200);
    p->frozen_step = -1;
    snprintf(p->discount, sizeof p->discount, "%s", s_str(ps, "discount", ""));
    const config_setting_t *op = config_setting_get_member(ps, "off_peak");
    snprintf(p->off_start, sizeof p->off_start, "%s", op && config_setting_length(op) == 2 ? config_setting_get_string_elem(op, 0) : "16:30");
    snprintf(p->off_end, sizeof p->off_end, "%s", op && config_setting_length(op) == 2 ? config_setting_get_string_elem(op, 1) : "00:30");
    int gz = 0;
    config_setting_lookup_bool(ps, "gzip", &gz);
    p->gzip = gz;
    p->rates = config_setting_get_member(ps, "rates");
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        return -1;
    return s_load_models(p, ps) || s_load_faults(p, ps) ? -1 : 0;
}

/* Loads and validates the scenario (file:line errors); NULL on error. */
static tix_sim_prov_t *s_load(config_t *lc, const char *path, int *np)
{
    if (!config_read_file(lc, path)) {
        fprintf(stderr, "tix-sim: %s:%d: %s\n", config_error_file(lc) ? config_error_file(lc) : path,
                config_error_line(lc), config_error_text(lc));
        return NULL;
    }
    tix_diag_t *diag = tix_diag_new();
    int bad = tix_schema_check(config_root_setting(lc), "", s_root_keys, path, diag);
    for (size_t i = 0; i < tix_diag_count(diag); i++)
        fprintf(stderr, "tix-sim: %s\n", tix_diag_get(diag, i));
    tix_diag_destroy(&diag);
    if (bad)
        return NULL;
    long long seed;
    if (config_lookup_int64(lc, "seed", &seed) && !s_seed_given)
        s_seed = (uint64_t)seed;
    long long upd;
    if (config_lookup_int64(lc, "update_ms", &upd))
        tix_sim_clock.update_ms = upd;
    const config_setting_t *list = config_lookup(lc, "providers");
    *np = config_setting_length(list);
    tix_sim_prov_t *ps = calloc((size_t)*np + 1, sizeof *ps);
    for (int i = 0; ps && i < *np; i++)
        if (s_load_provider(&ps[i], config_setting_get_elem(list, (unsigned)i)) != 0) {
            fprintf(stderr, "tix-sim: provider %s: cannot load\n", ps[i].name);
            return NULL;
        }
    return ps;
}

/* Serves provider `p` on 127.0.0.1 (port 0: any free port, reported in the ports file). */
static int s_serve(tix_sim_prov_t *p)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)p->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* No MHD_USE_ERROR_LOG: scheduled faults (cut streams) would flood stderr. */
    p->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
                            (uint16_t)p->port, NULL, NULL, s_handle, p, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
    if (!p->d) {
        fprintf(stderr, "tix-sim: provider %s: cannot listen on 127.0.0.1:%d\n", p->name, p->port);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(p->d, MHD_DAEMON_INFO_BIND_PORT);
    if (di)
        p->port = di->port;
    return 0;
}

static void s_usage(FILE *f)
{
    fprintf(f, "usage: tix-sim --scenario FILE [--seed N] [--ports-file FILE] [--duration-ms N]\n"
               "  Serves every provider of the scenario on 127.0.0.1 (its port, or any free one\n"
               "  when port = 0) until SIGINT/SIGTERM. Prices random-walk per model from the seed;\n"
               "  faults follow each provider's schedule. The ports file gets \"name port\" lines\n"
               "  once every provider listens.\n");
}

static int s_write_ports(const char *path, const tix_sim_prov_t *ps, int np)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    for (int i = 0; i < np; i++)
        fprintf(f, "%s %d\n", ps[i].name, ps[i].port);
    /* Renamed into place: a reader never sees half a file. */
    return fclose(f) == 0 && rename(tmp, path) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *scenario = NULL, *ports = NULL;
    int64_t duration_ms = 0;
    static const struct option opts[] = {{"scenario", required_argument, NULL, 's'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"ports-file", required_argument, NULL, 'p'},
                                         {"duration-ms", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': scenario = optarg; break;
        case 'S':
        case 'd': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end || !*optarg || errno || optarg[0] == '-' || (c == 'd' && v > INT64_MAX / 2)) {
                fprintf(stderr, "tix-sim: --%s: '%s' is not a whole number\n",
                        c == 'S' ? "seed" : "duration-ms", optarg);
                return 2;
            }
            if (c == 'S') {
                s_seed = v;
                s_seed_given = true;
            } else {
                duration_ms = (long long)v;
            }
            break;
        }
        case 'p': ports = optarg; break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (!scenario || optind < argc) {
        s_usage(stderr);
        return 2;
    }
    s_t0_mono = tix_time_mono_ns();
    tix_sim_clock.t0_wall_ns = tix_time_wall_ns();
    config_t lc;
    config_init(&lc);
    int np = 0, rc = 1;
    tix_sim_prov_t *ps = s_load(&lc, scenario, &np);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int started = 0;
    for (; ps && started < np; started++)
        if (s_serve(&ps[started]) != 0)
            break;
    if (ps && started == np && (!ports || s_write_ports(ports, ps, np) == 0)) {
        for (int i = 0; i < np; i++)
            fprintf(stderr, "tix-sim: %s (%s) on http://127.0.0.1:%d/\n", ps[i].name,
                    s_formats[ps[i].format], ps[i].port);
        while (!atomic_load(&s_stop) && (duration_ms <= 0 || s_elapsed_ms() < duration_ms))
            s_sleep_ms(50);
        rc = 0;
    }
    atomic_store(&s_stop, true);
    for (int i = 0; ps && i < started; i++)
        MHD_stop_daemon(ps[i].d);
    for (int i = 0; ps && i < np; i++) {
        free(ps[i].models);
        free(ps[i].faults);
        pthread_mutex_destroy(&ps[i].mu);
    }
    free(ps);
    config_destroy(&lc);
    return rc;
}
