/* Recovery service (ROUTER) against raw DEALER clients: strict request parsing, frame limits, per-client and total reply-byte bounds, ERR busy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_err.h"
#include "tix_log.h"
#include "tix_pub.h"
#include "tix_recovery.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* One publisher with a recovery endpoint, serviced by the test's own thread between the
 * clients' steps: no threads, so every count below is exact. */
static void *s_ctx;
static tix_pub_t *s_pub;
static void *s_cli[8];
static int64_t s_now = INT64_C(1767225600000000000);

static void s_start(size_t ring)
{
    s_ctx = zmq_ctx_new();
    assert_non_null(s_ctx);
    static const char *a[] = {"tcp://127.0.0.1:*"};
    tix_pub_cfg_t cfg = {a, 1, NULL, 0, "tcp://127.0.0.1:*", 0, 0, ring, 0, 0, NULL, NULL};
    s_pub = tix_pub_new(s_ctx, &cfg);
    if (!s_pub)
        fail_msg("tix_pub_new: %s", tix_err());
}

/* The publisher first: a client closed first resets its connection while the ROUTER may be
 * half-way through a large reply to it, and libzmq 4.3.4 aborts (session_base.cpp:260) when
 * that connection error meets the ROUTER's own closing. */
static int s_teardown(void **state)
{
    (void)state;
    tix_pub_destroy(&s_pub);
    for (size_t i = 0; i < sizeof s_cli / sizeof s_cli[0]; i++)
        if (s_cli[i]) {
            zmq_close(s_cli[i]);
            s_cli[i] = NULL;
        }
    if (s_ctx)
        zmq_ctx_term(s_ctx);
    s_ctx = NULL;
    return 0;
}

static void s_ticks(const char *tier, int n)
{
    for (int i = 0; i < n; i++) {
        tix_wire_tick_t t = {.ts_ns = s_now, .price = 100 + i, .n_used = 3};
        snprintf(t.tier, sizeof t.tier, "%s", tier);
        if (tix_pub_tick(s_pub, &t, ++s_now))
            fail_msg("tix_pub_tick: %s", tix_err());
    }
}

static void s_serve(int timeout_ms)
{
    assert_int_equal(tix_pub_service(s_pub, s_now, timeout_ms), 0);
}

static tix_pub_stats_t s_stats(void)
{
    tix_pub_stats_t st;
    tix_pub_stats(s_pub, &st);
    return st;
}

/* Client slot i: a DEALER connected to the service. A `stuck` one takes a reply at a time
 * into its own queue and a little into the kernel, then nothing: a client that never reads. */
static void *s_client(int i, bool stuck)
{
    void *d = s_cli[i] = zmq_socket(s_ctx, ZMQ_DEALER);
    assert_non_null(d);
    int one = 1, small = 4096, zero = 0;
    assert_int_equal(zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero), 0);
    if (stuck) {
        assert_int_equal(zmq_setsockopt(d, ZMQ_RCVHWM, &one, sizeof one), 0);
        assert_int_equal(zmq_setsockopt(d, ZMQ_RCVBUF, &small, sizeof small), 0);
    }
    assert_int_equal(zmq_connect(d, tix_pub_recovery_endpoint(s_pub)), 0);
    return d;
}

/* Sends the frames of one request: `n` frames of the given lengths. */
static void s_send_frames(void *d, const char *const *f, const size_t *len, int n)
{
    for (int i = 0; i < n; i++)
        assert_true(zmq_send(d, f[i], len[i], i + 1 < n ? ZMQ_SNDMORE : 0) >= 0);
}

static void s_request(void *d, const char *cmd, size_t len)
{
    const char *f[] = {"", cmd};
    size_t l[] = {0, len};
    s_send_frames(d, f, l, 2);
}

/* Serves the publisher until client `d` has a reply (bounded), then reads it: the status
 * into `status` and the number of (topic, message) pairs. -1 if none came. */
static int s_reply(void *d, char *status, size_t cap, int *pairs)
{
    zmq_pollitem_t it = {d, 0, ZMQ_POLLIN, 0};
    for (int i = 0; i < 1000; i++) {
        s_serve(0);
        int rc = zmq_poll(&it, 1, 5);
        assert_true(rc >= 0);
        if (rc > 0)
            break;
    }
    if (!(it.revents & ZMQ_POLLIN))
        return -1;
    zmq_msg_t m;
    zmq_msg_init(&m);
    int frame = 0, more = 1;
    while (more && zmq_msg_recv(&m, d, 0) >= 0) {
        if (frame == 1)
            snprintf(status, cap, "%.*s", (int)zmq_msg_size(&m), (const char *)zmq_msg_data(&m));
        more = zmq_msg_more(&m);
        frame++;
    }
    zmq_msg_close(&m);
    *pairs = frame > 2 ? (frame - 2) / 2 : 0;
    return 0;
}

/* Asks `len` bytes of `cmd` on `d` and returns the reply's status (static buffer); fails when
 * none came. */
static const char *s_ask_n(void *d, const char *cmd, size_t len, int *pairs)
{
    static char status[1024];
    int p = 0;
    status[0] = '\0';
    s_request(d, cmd, len);
    if (s_reply(d, status, sizeof status, &p))
        fail_msg("no reply to '%.60s'", cmd);
    if (pairs)
        *pairs = p;
    return status;
}

static const char *s_ask(void *d, const char *cmd, int *pairs)
{
    return s_ask_n(d, cmd, strlen(cmd), pairs);
}

/* Every malformed request gets `ERR <reason>`, is counted once and logged; well-formed ones
 * around them are still served. */
static void test_malformed_requests_refused(void **state)
{
    (void)state;
    s_start(1024);
    s_ticks("T1", 10);
    void *d = s_client(0, false);
    char log[4096] = "";
    FILE *lf = fmemopen(log, sizeof log, "w");
    assert_non_null(lf);
    setvbuf(lf, NULL, _IONBF, 0);
    tix_log_set_stream(lf);
    char many[400] = "REPLAY 1 5", longp[80], big[TIX_WIRE_TOPIC_MAX + 780];
    for (int i = 0; i < 17; i++)
        strcat(many, " IDX");
    snprintf(longp, sizeof longp, "REPLAY 1 5 IDX.%040d", 0);
    memset(big, 'A', sizeof big);
#define C(text) {text, sizeof text - 1}
    const struct {
        const char *cmd;
        size_t len;
    } bad[] = {
        C("REPLAY 1 -5"), C("REPLAY -1 5"), C("REPLAY +1 5"), C("REPLAY 1 5x"), C("REPLAY 1 0x5"),
        C("REPLAY 1 99999999999999999999"), C("REPLAY 18446744073709551616 18446744073709551616"),
        C("REPLAY 1 5 "), C("REPLAY  1 5"), C("REPLAY 1\t5"), C("REPLAY 0 5"), C("REPLAY 5 1"),
        C("REPLAY 1"), C("REPLAY"), C("REPLAY "), C("REPLAY 1 5\n"), C("REPLAY 1 5\0"),
        {many, strlen(many)}, {longp, strlen(longp)}, C("SNAPSHOTX"), C("SNAPSHOT "), C("snapshot"),
        C(""), {big, 769}, C("REPLAY 11 20") /* beyond the last sequence */,
    };
#undef C
    int n = (int)(sizeof bad / sizeof bad[0]);
    for (int i = 0; i < n; i++) {
        const char *st = s_ask_n(d, bad[i].cmd, bad[i].len, NULL);
        if (strncmp(st, "ERR ", 4) != 0 || strncmp(st, "ERR busy", 8) == 0)
            fail_msg("request #%d '%.40s': reply '%s'", i, bad[i].cmd, st);
        assert_int_equal(s_stats().bad_requests, (uint64_t)i + 1);
    }
    /* Wrong framing: one frame, three frames, a non-empty delimiter. */
    const char *f1[] = {"SNAPSHOT"}, *f3[] = {"", "SNAPSHOT", "x"}, *fx[] = {"x", "SNAPSHOT"};
    const size_t l1[] = {8}, l3[] = {0, 8, 1}, lx[] = {1, 8};
    char st[256];
    int pairs;
    s_send_frames(d, f1, l1, 1);
    assert_int_equal(s_reply(d, st, sizeof st, &pairs), 0);
    assert_non_null(strstr(st, "ERR a request is an empty delimiter"));
    s_send_frames(d, f3, l3, 3);
    assert_int_equal(s_reply(d, st, sizeof st, &pairs), 0);
    assert_non_null(strstr(st, "ERR a request is an empty delimiter"));
    s_send_frames(d, fx, lx, 2);
    assert_int_equal(s_reply(d, st, sizeof st, &pairs), 0);
    assert_non_null(strstr(st, "ERR the first frame"));
    assert_int_equal(s_stats().bad_requests, (uint64_t)n + 3);
    tix_log_set_stream(NULL);
    fclose(lf);
    assert_non_null(strstr(log, "recovery: bad request from client"));
    /* Valid requests still served; `to` up to UINT64_MAX means "up to now". */
    assert_string_equal(s_ask(d, "REPLAY 1 5", &pairs), "OK REPLAY 1 5");
    assert_int_equal(pairs, 5);
    assert_string_equal(s_ask(d, "REPLAY 3 18446744073709551615 IDX.T1 IDX.T2", &pairs), "OK REPLAY 3 10");
    assert_int_equal(pairs, 8);
    assert_string_equal(s_ask(d, "REPLAY 00001 2", &pairs), "OK REPLAY 1 2");
    assert_non_null(strstr(s_ask(d, "SNAPSHOT", NULL), "OK SNAPSHOT 10"));
    assert_int_equal(s_stats().bad_requests, (uint64_t)n + 3);
}

/* A frame far larger than any valid command is refused by ZMQ_MAXMSGSIZE: the connection is
 * dropped unread (no ERR, nothing counted), and the client's next connection is served. */
static void test_oversize_frame_dropped(void **state)
{
    (void)state;
    s_start(1024);
    s_ticks("T1", 3);
    void *d = s_client(0, false);
    static char huge[64 * 1024];
    memset(huge, 'A', sizeof huge);
    s_request(d, huge, sizeof huge);
    char st[256] = "";
    int pairs = 0, ok = 0;
    /* The DEALER reconnects; a SNAPSHOT sent on a connection being dropped may be lost, so
     * ask again until one is answered (bounded). */
    for (int i = 0; i < 50 && !ok; i++) {
        s_request(d, "SNAPSHOT", 8);
        if (s_reply(d, st, sizeof st, &pairs) == 0) {
            if (strncmp(st, "ERR", 3) == 0)
                fail_msg("the oversize frame was answered: '%s'", st);
            ok = strncmp(st, "OK SNAPSHOT", 11) == 0;
        }
    }
    assert_true(ok);
    assert_int_equal(s_stats().bad_requests, 0);
}

/* Bytes of `n` replayed ticks on a tier of `tier_len` characters: the topic and the message. */
static uint64_t s_tick_bytes(uint64_t n, size_t tier_len)
{
    return n * (4 + tier_len + TIX_WIRE_TICK_SIZE);
}

/* A client that asks for large replays and never reads: what the service may hold for it
 * stays within one reply, it is answered ERR busy, and another client is served meanwhile. */
static void test_replay_flood_bounded(void **state)
{
    (void)state;
    enum { N = 100000, REQUESTS = 30 };
    s_start(2 * N);
    s_ticks("T1", N);
    const uint64_t reply = s_tick_bytes(N, 2), limit = 1 << 20;
    assert_int_equal(tix_pub_recovery_limits(s_pub, limit, 0, 0), 0);
    void *evil = s_client(0, true);
    for (int i = 0; i < REQUESTS; i++)
        s_request(evil, "REPLAY 1 100000", 15);
    uint64_t most = 0;
    tix_pub_stats_t st = s_stats();
    for (int i = 0; i < 3000 && st.recovery_requests < REQUESTS; i++) {
        s_serve(5);
        st = s_stats();
        most = st.recovery_queued_bytes > most ? st.recovery_queued_bytes : most;
    }
    assert_int_equal(st.recovery_requests, REQUESTS);
    if (st.replay_busy == 0 || most > reply)
        fail_msg("busy %llu, served %llu, dropped %llu, at most %llu bytes queued (one reply: %llu)",
                 (unsigned long long)st.replay_busy, (unsigned long long)st.replays,
                 (unsigned long long)st.replay_dropped, (unsigned long long)most,
                 (unsigned long long)reply);
    assert_true(st.replays < REQUESTS / 2);
    /* A well-behaved client is served while the flooder's queue is full. */
    int pairs = 0;
    void *good = s_client(1, false);
    assert_string_equal(s_ask(good, "REPLAY 99991 100000 IDX.T1", &pairs), "OK REPLAY 99991 100000");
    assert_int_equal(pairs, 10);
    assert_true(s_stats().recovery_queued_bytes <= reply + s_tick_bytes(10, 2));
    /* The flooder, reading at last, finds its ERR busy after the replies it was given. */
    char status[512] = "";
    for (int i = 0; i < REQUESTS && strncmp(status, "ERR busy", 8) != 0; i++)
        if (s_reply(evil, status, sizeof status, &pairs))
            break;
    if (strncmp(status, "ERR busy", 8) != 0)
        fail_msg("the flooder got no ERR busy; last reply '%s'", status);
}

/* The table of tracked clients is bounded: a newcomer takes the slot of a client with nothing
 * queued, never of one that may still have replay bytes queued; when there is none it is
 * answered ERR busy, and tracked clients go on being served. */
static void test_client_table_bounded(void **state)
{
    (void)state;
    s_start(1024);
    s_ticks("T1", 100);
    assert_int_equal(tix_pub_recovery_limits(s_pub, 0, 0, 2), 0);
    int pairs = -1;
    void *idle = s_client(0, false), *a = s_client(1, false), *c = s_client(2, false);
    void *late = s_client(3, false);
    assert_string_equal(s_ask(idle, "REPLAY 1 1 NONE", &pairs), "OK REPLAY 1 1");
    assert_int_equal(pairs, 0); /* tracked, nothing queued */
    assert_string_equal(s_ask(a, "REPLAY 1 100", &pairs), "OK REPLAY 1 100");
    assert_int_equal(pairs, 100);
    assert_int_equal(s_stats().recovery_clients, 2);
    assert_string_equal(s_ask(c, "REPLAY 1 100", &pairs), "OK REPLAY 1 100"); /* idle's slot */
    assert_int_equal(s_stats().recovery_clients, 2);
    assert_non_null(strstr(s_ask(late, "REPLAY 1 100", &pairs), "ERR busy: too many recovery clients"));
    assert_int_equal(s_stats().replay_busy, 1);
    assert_non_null(strstr(s_ask(late, "REPLAY 1 100x", &pairs), "ERR <from> and <to>"));
    assert_string_equal(s_ask(a, "REPLAY 1 100", &pairs), "OK REPLAY 1 100");
    assert_int_equal(s_stats().recovery_clients, 2);
    assert_int_equal(s_stats().replay_busy, 1);
}

/* The ledger keeps only what the ROUTER may still hold: a reply accepted proves that at most
 * SNDHWM - 1 (one) earlier replies are still queued. */
static void test_ledger_keeps_what_may_be_queued(void **state)
{
    (void)state;
    tix_recovery_limits_t lim;
    tix_recovery_limits_default(&lim);
    lim.client_bytes = 1000;
    lim.total_bytes = 1500;
    tix_recovery_clients_t *t = tix_recovery_clients_new(&lim);
    assert_non_null(t);
    char why[256];
    tix_recovery_client_t *a = tix_recovery_clients_get(t, "a", 1, 0);
    tix_recovery_client_t *b = tix_recovery_clients_get(t, "b", 1, 0);
    assert_non_null(a);
    assert_true(tix_recovery_clients_admit(t, a, 5000, why, sizeof why)); /* nothing queued: one reply */
    tix_recovery_clients_sent(t, a, 5000);
    assert_false(tix_recovery_clients_admit(t, a, 1, why, sizeof why));
    assert_non_null(strstr(why, "ERR busy: 5000 bytes of your earlier replies"));
    assert_true(tix_recovery_clients_admit(t, a, 0, why, sizeof why)); /* a status line */
    tix_recovery_clients_sent(t, a, 0);   /* accepted: the 5000 may still be queued */
    assert_int_equal(tix_recovery_clients_queued(t), 5000);
    assert_false(tix_recovery_clients_admit(t, b, 10, why, sizeof why)); /* over the total */
    assert_non_null(strstr(why, "ERR busy: 5000 reply bytes queued for all clients"));
    tix_recovery_clients_sent(t, a, 0);   /* a second one accepted: the 5000 went out */
    assert_int_equal(tix_recovery_clients_queued(t), 0);
    assert_true(tix_recovery_clients_admit(t, a, 600, why, sizeof why));
    tix_recovery_clients_sent(t, a, 600);
    assert_true(tix_recovery_clients_admit(t, a, 400, why, sizeof why)); /* 600 + 400 <= 1000 */
    tix_recovery_clients_sent(t, a, 400);
    assert_int_equal(tix_recovery_clients_queued(t), 1000);
    tix_recovery_clients_forget(t, a); /* EHOSTUNREACH */
    assert_int_equal(tix_recovery_clients_queued(t), 0);
    tix_recovery_clients_destroy(&t);
    assert_null(t);
}

/* A client that left (ZeroMQ does not say) is forgotten after idle_ns, so its ledger cannot
 * hold the total limit or its table slot for ever. */
static void test_idle_clients_forgotten(void **state)
{
    (void)state;
    tix_recovery_limits_t lim;
    tix_recovery_limits_default(&lim);
    lim.clients = 1;
    tix_recovery_clients_t *t = tix_recovery_clients_new(&lim);
    assert_non_null(t);
    tix_recovery_client_t *a = tix_recovery_clients_get(t, "a", 1, 0);
    assert_non_null(a);
    tix_recovery_clients_sent(t, a, 7000);
    assert_null(tix_recovery_clients_get(t, "b", 1, lim.idle_ns - 1)); /* a may still read */
    assert_non_null(tix_recovery_clients_get(t, "a", 1, lim.idle_ns - 1)); /* a is back */
    assert_int_equal(tix_recovery_clients_queued(t), 7000);
    assert_non_null(tix_recovery_clients_get(t, "b", 1, 2 * lim.idle_ns - 1)); /* a silent 30 s */
    assert_int_equal(tix_recovery_clients_queued(t), 0);
    assert_int_equal(tix_recovery_clients_count(t), 1);
    tix_recovery_clients_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_malformed_requests_refused, s_teardown),
        cmocka_unit_test_teardown(test_oversize_frame_dropped, s_teardown),
        cmocka_unit_test_teardown(test_replay_flood_bounded, s_teardown),
        cmocka_unit_test_teardown(test_client_table_bounded, s_teardown),
        cmocka_unit_test(test_ledger_keeps_what_may_be_queued),
        cmocka_unit_test(test_idle_clients_forgotten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
