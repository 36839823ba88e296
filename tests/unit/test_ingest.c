/* zmq_ingest hardening: CURVE keys and provider allowlists, bad_time, multipart and oversize messages, bounded logs, config errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../e2e/ingest_quote.h"
#include "tix/wire.h"
#include "tix_allow.h"
#include "tix_collector.h"
#include "tix_config.h"
#include "tix_err.h"
#include "tix_forward.h"
#include "tix_keys.h"
#include "tix_log.h"
#include "tix_normalize.h"
#include "tix_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static char s_dir[64];
static char s_ep[128];             /* the ingest endpoint (ipc: loopback only) */
static tix_curve_key_t s_engine;   /* the ingest's key pair */
static tix_curve_key_t s_col[3];   /* collectors A, B, and an unlisted one */

/* What the collector handed to its sink. */
static struct {
    int quotes, refused, by_reason[TIX_REASON_COUNT];
    int64_t refused_recv_ns[8], quote_recv_ns[8];
    char refused_provider[8][64];
} s_got;

static void s_on_quote(void *arg, const tix_raw_quote_t *raw, const tix_quote_t *q)
{
    (void)arg;
    (void)raw;
    if (s_got.quotes < 8)
        s_got.quote_recv_ns[s_got.quotes] = q->recv_ns;
    s_got.quotes++;
}

static void s_on_refused(void *arg, const tix_raw_quote_t *raw, const tix_norm_error_t *err)
{
    (void)arg;
    if (s_got.refused < 8) {
        s_got.refused_recv_ns[s_got.refused] = raw->recv_ns;
        snprintf(s_got.refused_provider[s_got.refused], 64, "%s", raw->provider);
    }
    s_got.refused++;
    s_got.by_reason[err->reason]++;
}

static void s_write(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static void s_key(const char *base, tix_curve_key_t *k)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s_dir, base);
    assert_int_equal(tix_keys_generate(path), 0);
    snprintf(path, sizeof path, "%s/%s.curve.key", s_dir, base);
    assert_int_equal(tix_curve_key_load_secret(path, k), 0);
}

static int s_setup_all(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/tix-ingest-XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    snprintf(s_ep, sizeof s_ep, "ipc://%s/ingest.sock", s_dir);
    s_key("engine", &s_engine);
    s_key("col-a", &s_col[0]);
    s_key("col-b", &s_col[1]);
    s_key("intruder", &s_col[2]);
    return 0;
}

static int s_teardown_all(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A configuration with one zmq_ingest provider whose extra keys are `extra`. */
static tix_config_t *s_conf(const char *url, const char *extra)
{
    char text[2048], path[256];
    snprintf(text, sizeof text,
             "tiers = ( { id = \"A\"; name = \"tier A\"; interval_ms = 1000; } );\n"
             "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"A\"; } );\n"
             "fx = { USD = \"1\"; };\n"
             "providers = ( { name = \"collectors\"; kind = \"zmq_ingest\";\n"
             "  url = \"%s\"; %s } );\n", url, extra);
    s_write("tix.conf", text);
    snprintf(path, sizeof path, "%s/tix.conf", s_dir);
    return tix_config_load(path, NULL);
}

typedef struct {
    tix_config_t *cfg;
    tix_norm_t *norm;
    tix_collector_t *col;
    void *ctx;
} s_fix_t;

static void s_start(s_fix_t *f, bool curve)
{
    char extra[512] = "";
    if (curve)
        snprintf(extra, sizeof extra, "curve_secret = \"%s/engine.curve.key\"; "
                 "collectors_allow = \"%s/collectors.allow\";", s_dir, s_dir);
    memset(&s_got, 0, sizeof s_got);
    f->cfg = s_conf(s_ep, extra);
    assert_non_null(f->cfg);
    f->norm = tix_norm_new(f->cfg);
    assert_non_null(f->norm);
    tix_collector_sink_t sink = {NULL, s_on_quote, NULL, s_on_refused};
    f->col = tix_collector_new(f->cfg, f->norm, TIX_COLLECT_ZMQ, false, &sink, NULL);
    if (!f->col)
        fail_msg("collector: %s", tix_err());
    f->ctx = zmq_ctx_new();
    assert_non_null(f->ctx);
}

static void s_stop(s_fix_t *f)
{
    zmq_ctx_term(f->ctx);
    tix_collector_destroy(&f->col);
    tix_norm_destroy(&f->norm);
    tix_config_destroy(&f->cfg);
}

/* A PUSH to the ingest; a CURVE client with key `k` unless NULL. */
static void *s_push(s_fix_t *f, const tix_curve_key_t *k)
{
    void *s = zmq_socket(f->ctx, ZMQ_PUSH);
    int linger = 0;
    assert_non_null(s);
    assert_int_equal(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger), 0);
    if (k) {
        assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, s_engine.pub, 40), 0);
        assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, k->pub, 40), 0);
        assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, k->sec, 40), 0);
    }
    assert_int_equal(zmq_connect(s, s_ep), 0);
    return s;
}

/* One wire quote message of `provider`/m1 at recv_ns into buf; returns its length. */
static int s_encode(const char *provider, int64_t recv_ns, uint8_t *buf)
{
    int n = tix_test_ingest_quote(provider, "m1", recv_ns, 1, buf);
    assert_int_equal(n, TIX_WIRE_QUOTE_SIZE);
    return n;
}

static void s_send(void *s, const char *provider, int64_t recv_ns, int flags)
{
    uint8_t buf[TIX_WIRE_QUOTE_SIZE];
    int n = s_encode(provider, recv_ns, buf);
    assert_int_equal(zmq_send(s, buf, (size_t)n, flags), n);
}

/* Steps the collector until `*v` reaches `want` or `ms` pass (then the caller's checks fail). */
static void s_until(s_fix_t *f, const volatile uint64_t *u, const volatile int *v, uint64_t want, int ms)
{
    int64_t end = tix_time_mono_ns() + (int64_t)ms * TIX_NS_PER_MS;
    while ((u ? *u : (uint64_t)*v) < want && tix_time_mono_ns() < end)
        assert_int_equal(tix_collector_step(f->col, 20), 0);
}

static const tix_provider_stats_t *s_st(s_fix_t *f) { return tix_collector_stats(f->col, 0); }

static void s_allow(const char *a_line, const char *b_line)
{
    char text[512];
    snprintf(text, sizeof text, "# collectors\n%s %s\n%s%s%s", s_col[0].pub, a_line,
             b_line ? s_col[1].pub : "", b_line ? " " : "", b_line ? b_line : "");
    s_write("collectors.allow", text);
}

/* An intruder without a key, or with a key not listed, delivers nothing; a listed one does. */
static void test_ingest_unknown_keys_cannot_inject(void **state)
{
    (void)state;
    s_fix_t f;
    s_allow("*", NULL);
    s_start(&f, true);
    void *nokey = s_push(&f, NULL), *intruder = s_push(&f, &s_col[2]);
    s_send(nokey, "openai", tix_time_wall_ns(), ZMQ_DONTWAIT);
    s_send(intruder, "openai", tix_time_wall_ns(), ZMQ_DONTWAIT);
    s_until(&f, &s_st(&f)->faults[TIX_FAULT_UNKNOWN_KEY], NULL, 1, 5000);
    s_until(&f, NULL, &s_got.quotes, 1, 500); /* give anything sent time to arrive */
    assert_true(s_st(&f)->faults[TIX_FAULT_UNKNOWN_KEY] >= 1);
    assert_int_equal(s_got.quotes, 0);
    assert_int_equal(s_got.refused, 0);
    assert_int_equal(s_st(&f)->accepted, 0);
    assert_int_equal(s_st(&f)->attempts, 0);
    void *listed = s_push(&f, &s_col[0]);
    s_send(listed, "openai", tix_time_wall_ns(), 0);
    s_until(&f, NULL, &s_got.quotes, 1, 5000);
    assert_int_equal(s_got.quotes, 1);
    zmq_close(nokey);
    zmq_close(intruder);
    zmq_close(listed);
    s_stop(&f);
}

/* A listed collector quoting under a provider not on its line: refused, handed on as refused. */
static void test_ingest_unauthorized_provider(void **state)
{
    (void)state;
    s_fix_t f;
    s_allow("openai,anthropic # comment", "*\n");
    s_start(&f, true);
    void *a = s_push(&f, &s_col[0]), *b = s_push(&f, &s_col[1]);
    s_send(a, "openai", tix_time_wall_ns(), 0);
    s_send(a, "deepseek", tix_time_wall_ns(), 0);
    s_until(&f, NULL, &s_got.refused, 1, 5000);
    s_until(&f, NULL, &s_got.quotes, 1, 2000);
    assert_int_equal(s_got.quotes, 1);
    assert_int_equal(s_got.refused, 1);
    assert_int_equal(s_got.by_reason[TIX_REASON_UNAUTHORIZED_PROVIDER], 1);
    assert_string_equal(s_got.refused_provider[0], "deepseek");
    assert_int_equal(s_st(&f)->refused[TIX_REASON_UNAUTHORIZED_PROVIDER], 1);
    s_send(b, "deepseek", tix_time_wall_ns(), 0); /* "*" speaks for anyone */
    s_until(&f, NULL, &s_got.quotes, 2, 5000);
    assert_int_equal(s_got.quotes, 2);
    assert_int_equal(s_got.refused, 1);
    zmq_close(a);
    zmq_close(b);
    s_stop(&f);
}

/* recv_ns far ahead (2100) or behind (1971) is refused bad_time and handed on stamped now. */
static void test_ingest_bad_time(void **state)
{
    (void)state;
    s_fix_t f;
    s_start(&f, false);
    void *s = s_push(&f, NULL);
    int64_t t0 = tix_time_wall_ns(), ok_ns = t0 - 2 * TIX_NS_PER_S;
    s_send(s, "openai", INT64_C(4102444800) * TIX_NS_PER_S, 0);
    s_send(s, "openai", INT64_C(31536000) * TIX_NS_PER_S, 0);
    s_send(s, "openai", ok_ns, 0); /* 2 s late: within the default 5 s */
    s_until(&f, NULL, &s_got.quotes, 1, 5000);
    s_until(&f, NULL, &s_got.refused, 2, 2000);
    int64_t t1 = tix_time_wall_ns();
    assert_int_equal(s_got.by_reason[TIX_REASON_BAD_TIME], 2);
    for (int i = 0; i < 2; i++)
        assert_true(s_got.refused_recv_ns[i] >= t0 && s_got.refused_recv_ns[i] <= t1);
    assert_int_equal(s_got.quotes, 1);
    assert_true(s_got.quote_recv_ns[0] == ok_ns);
    zmq_close(s);
    s_stop(&f);
}

/* Three valid quotes in one multipart message are one bad message, not three quotes. */
static void test_ingest_multipart_is_one_bad_message(void **state)
{
    (void)state;
    s_fix_t f;
    s_start(&f, false);
    void *s = s_push(&f, NULL);
    int64_t now = tix_time_wall_ns();
    s_send(s, "openai", now, ZMQ_SNDMORE);
    s_send(s, "openai", now, ZMQ_SNDMORE);
    s_send(s, "openai", now, 0);
    s_send(s, "openai", now, 0);
    s_until(&f, NULL, &s_got.quotes, 1, 5000);
    assert_int_equal(s_st(&f)->faults[TIX_FAULT_BAD_MESSAGE], 1);
    assert_int_equal(s_st(&f)->attempts, 2);
    assert_int_equal(s_got.quotes, 1);
    zmq_close(s);
    s_stop(&f);
}

/* A message longer than a quote never reaches the adapter (ZMQ_MAXMSGSIZE drops the
 * connection); the sender's next connection still delivers. */
static void test_ingest_oversize_refused_by_maxmsgsize(void **state)
{
    (void)state;
    s_fix_t f;
    s_start(&f, false);
    void *s = s_push(&f, NULL);
    uint8_t big[TIX_WIRE_QUOTE_SIZE + 64];
    s_encode("openai", tix_time_wall_ns(), big);
    assert_int_equal(zmq_send(s, big, sizeof big, 0), (int)sizeof big);
    s_until(&f, &s_st(&f)->faults[TIX_FAULT_BAD_MESSAGE], NULL, 1, 1000);
    assert_int_equal(s_st(&f)->faults[TIX_FAULT_BAD_MESSAGE], 0);
    assert_int_equal(s_st(&f)->attempts, 0);
    void *again = s_push(&f, NULL);
    s_send(again, "openai", tix_time_wall_ns(), 0);
    s_until(&f, NULL, &s_got.quotes, 1, 5000);
    assert_int_equal(s_got.quotes, 1);
    zmq_close(s);
    zmq_close(again);
    s_stop(&f);
}

static int s_count_lines(FILE *f, const char *needle, int *with_count)
{
    char line[1024];
    int n = 0;
    rewind(f);
    while (fgets(line, sizeof line, f))
        if (strstr(line, needle)) {
            n++;
            if (with_count && strstr(line, "more like this"))
                (*with_count)++;
        }
    return n;
}

/* Floods of refused handshakes, bad messages and bad_time quotes cost a line each per
 * window, and the next line after the window carries the count. */
static void test_ingest_log_flood_is_bounded(void **state)
{
    (void)state;
    FILE *log = tmpfile();
    assert_non_null(log);
    tix_log_set_stream(log);
    s_fix_t f;
    s_allow("*", NULL);
    s_start(&f, true);
    void *in[50];
    for (int i = 0; i < 50; i++)
        in[i] = s_push(&f, &s_col[2]);
    void *a = s_push(&f, &s_col[0]);
    uint8_t junk[16] = {0};
    for (int i = 0; i < 200; i++) {
        assert_int_equal(zmq_send(a, junk, sizeof junk, 0), (int)sizeof junk);
        s_send(a, "openai", INT64_C(4102444800) * TIX_NS_PER_S, 0);
    }
    s_until(&f, NULL, &s_got.refused, 200, 10000);
    s_until(&f, &s_st(&f)->faults[TIX_FAULT_UNKNOWN_KEY], NULL, 50, 10000);
    assert_int_equal(s_got.by_reason[TIX_REASON_BAD_TIME], 200);
    assert_int_equal(s_st(&f)->faults[TIX_FAULT_BAD_MESSAGE], 200);
    assert_true(s_st(&f)->faults[TIX_FAULT_UNKNOWN_KEY] >= 50);
    fflush(log);
    /* Each site logs once per 10 s window; this test runs within two windows at most. */
    assert_in_range(s_count_lines(log, "bad_message", NULL), 1, 2);
    assert_in_range(s_count_lines(log, "bad_time", NULL), 1, 2);
    assert_in_range(s_count_lines(log, "refused CURVE collector key", NULL), 1, 2);
    /* After the window, the next occurrence is logged with what was suppressed. */
    tix_log_set_limit_ms(100);
    usleep(150000);
    int counted = 0;
    assert_int_equal(zmq_send(a, junk, sizeof junk, 0), (int)sizeof junk);
    s_until(&f, &s_st(&f)->faults[TIX_FAULT_BAD_MESSAGE], NULL, 201, 5000);
    fflush(log);
    assert_in_range(s_count_lines(log, "bad_message", &counted), 2, 3);
    assert_true(counted >= 1);
    tix_log_set_limit_ms(10000);
    tix_log_set_stream(stderr);
    for (int i = 0; i < 50; i++)
        zmq_close(in[i]);
    zmq_close(a);
    s_stop(&f);
    fclose(log);
}

/* The configuration errors name the provider and the line; safe endpoints pass. */
static void s_check(const char *url, const char *extra, const char *want)
{
    tix_config_t *cfg = s_conf(url, extra);
    assert_non_null(cfg);
    tix_diag_t *diag = tix_diag_new();
    int n = tix_collector_check(cfg, diag);
    if (!want) {
        if (n != 0)
            fail_msg("%s: unexpected: %s", url, tix_diag_get(diag, 0));
    } else {
        assert_int_equal(n, 1);
        const char *msg = tix_diag_get(diag, 0);
        if (!strstr(msg, want) || !strstr(msg, "tix.conf:4") || !strstr(msg, "\"collectors\""))
            fail_msg("%s: got '%s', want tix.conf:4, the provider and '%s'", url, msg, want);
    }
    tix_diag_destroy(&diag);
    tix_config_destroy(&cfg);
}

static void test_ingest_config_errors(void **state)
{
    (void)state;
    char keys[512], half[256], bad[512];
    snprintf(keys, sizeof keys, "curve_secret = \"%s/engine.curve.key\"; "
             "collectors_allow = \"%s/collectors.allow\";", s_dir, s_dir);
    snprintf(half, sizeof half, "curve_secret = \"%s/engine.curve.key\";", s_dir);
    snprintf(bad, sizeof bad, "curve_secret = \"%s/engine.curve.key\"; "
             "collectors_allow = \"%s/bad.allow\";", s_dir, s_dir);
    s_allow("*", NULL);
    s_check("tcp://127.0.0.1:5599", "", NULL);
    s_check("tcp://[::1]:5599", "", NULL);
    s_check(s_ep, "", NULL);
    s_check("tcp://0.0.0.0:5599", keys, NULL);
    s_check("tcp://0.0.0.0:5599", "", "reachable from other hosts");
    s_check("tcp://*:5599", "", "reachable from other hosts");
    s_check("tcp://localhost:5599", "", "reachable from other hosts");
    s_check("tcp://127.evil.example:5599", "", "reachable from other hosts");
    s_check("tcp://0.0.0.0:5599", half, "collectors_allow is missing");
    char text[256];
    snprintf(text, sizeof text, "%s\n", s_col[0].pub); /* a collector key must name providers */
    s_write("bad.allow", text);
    s_check("tcp://0.0.0.0:5599", bad, "bad.allow:1: collector key");
    snprintf(text, sizeof text, "%s a,,b\n", s_col[0].pub);
    s_write("bad.allow", text);
    s_check("tcp://0.0.0.0:5599", bad, "bad.allow:1: provider list");
    snprintf(text, sizeof text, "%s *\n%s a\n", s_col[0].pub, s_col[0].pub);
    s_write("bad.allow", text);
    s_check("tcp://0.0.0.0:5599", bad, "bad.allow:2: collector key");
    char path[256];
    snprintf(path, sizeof path, "%s/engine.curve.key", s_dir);
    assert_int_equal(chmod(path, 0644), 0);
    s_check("tcp://0.0.0.0:5599", keys, "chmod 600");
    assert_int_equal(chmod(path, 0600), 0);
}

/* clients_allow keeps its format: text after the key is a comment, a provider list too. */
static void test_ingest_allowlist_formats(void **state)
{
    (void)state;
    char text[512], path[256];
    snprintf(text, sizeof text, "# clients\n%s openai,x\n%s\n", s_col[0].pub, s_col[1].pub);
    s_write("clients.allow", text);
    snprintf(path, sizeof path, "%s/clients.allow", s_dir);
    tix_allow_t *c = tix_allow_load(path, TIX_ALLOW_CLIENTS);
    assert_non_null(c);
    assert_int_equal(tix_allow_size(c), 2);
    assert_true(tix_allow_has(c, s_col[1].pub));
    assert_false(tix_allow_permits(c, s_col[0].pub, "openai"));
    tix_allow_destroy(&c);
    assert_null(tix_allow_load(path, TIX_ALLOW_COLLECTORS)); /* col-b names no providers */
    snprintf(text, sizeof text, "%s openai,x\n%s *\n", s_col[0].pub, s_col[1].pub);
    s_write("collectors.allow", text);
    snprintf(path, sizeof path, "%s/collectors.allow", s_dir);
    c = tix_allow_load(path, TIX_ALLOW_COLLECTORS);
    assert_non_null(c);
    assert_true(tix_allow_permits(c, s_col[0].pub, "x"));
    assert_false(tix_allow_permits(c, s_col[0].pub, "open"));
    assert_true(tix_allow_permits(c, s_col[1].pub, "anyone"));
    assert_false(tix_allow_permits(c, s_col[2].pub, "x"));
    tix_allow_destroy(&c);
}

/* collector.forward_server_key and forward_client_key: both or neither. */
static void test_ingest_forward_keys(void **state)
{
    (void)state;
    char text[1024], path[256];
    const char *base = "tiers = ( { id = \"A\"; name = \"tier A\"; interval_ms = 1000; } );\n"
                       "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"A\"; } );\n"
                       "fx = { USD = \"1\"; };\n";
    snprintf(path, sizeof path, "%s/fwd.conf", s_dir);
    snprintf(text, sizeof text, "%scollector = { forward = [ \"%s\" ]; forward_server_key = "
             "\"%s/engine.curve.pub\"; };\n", base, s_ep, s_dir);
    s_write("fwd.conf", text);
    tix_config_t *cfg = tix_config_load(path, NULL);
    assert_non_null(cfg);
    assert_int_equal(tix_forward_check(cfg), -1);
    assert_non_null(strstr(tix_err(), "forward_client_key is missing"));
    tix_config_destroy(&cfg);
    snprintf(text, sizeof text, "%scollector = { forward = [ \"%s\" ]; forward_server_key = "
             "\"%s/engine.curve.pub\"; forward_client_key = \"%s/col-a.curve.key\"; };\n", base,
             s_ep, s_dir, s_dir);
    s_write("fwd.conf", text);
    cfg = tix_config_load(path, NULL);
    assert_non_null(cfg);
    assert_int_equal(tix_forward_check(cfg), 0);
    tix_config_destroy(&cfg);
}

int main(void)
{
    /* The flood test first: the ZAP handler's log limiter is one per call site, per process. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_log_flood_is_bounded),
        cmocka_unit_test(test_ingest_unknown_keys_cannot_inject),
        cmocka_unit_test(test_ingest_unauthorized_provider),
        cmocka_unit_test(test_ingest_bad_time),
        cmocka_unit_test(test_ingest_multipart_is_one_bad_message),
        cmocka_unit_test(test_ingest_oversize_refused_by_maxmsgsize),
        cmocka_unit_test(test_ingest_config_errors),
        cmocka_unit_test(test_ingest_allowlist_formats),
        cmocka_unit_test(test_ingest_forward_keys),
    };
    return cmocka_run_group_tests(tests, s_setup_all, s_teardown_all);
}
