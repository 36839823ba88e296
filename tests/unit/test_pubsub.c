/* Publisher + subscriber SDK over loopback tcp: A/B arbitration, gap recovery, TOO_OLD, tampering, signatures, CURVE, snapshots, slow subscribers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix/sub.h"
#include "tix_auth.h"
#include "tix_err.h"
#include "tix_keys.h"
#include "tix_pub.h"
#include "keydir_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

/* ---- a publisher serviced by a background thread; the test publishes under the lock ---- */
typedef struct {
    void *zctx;
    tix_pub_t *pub;
    pthread_mutex_t lock;
    pthread_t thread;
    atomic_bool stop;
    int64_t now; /* send time of the last message */
    bool running;
} s_pubctx_t;

static int64_t s_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *s_pump(void *arg)
{
    s_pubctx_t *p = arg;
    while (!atomic_load(&p->stop)) {
        pthread_mutex_lock(&p->lock);
        int rc = tix_pub_service(p->pub, s_wall(), 0);
        pthread_mutex_unlock(&p->lock);
        assert_int_equal(rc, 0);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static tix_sign_key_t s_sign;
static char s_keydir[256];

static bool s_unsigned; /* the next s_start publishes without a signing key (no ATT) */

static void s_start(s_pubctx_t *p, size_t ring, const tix_curve_key_t *curve, int with_recovery)
{
    bool sign = !s_unsigned;
    s_unsigned = false;
    memset(p, 0, sizeof *p);
    p->zctx = zmq_ctx_new();
    assert_non_null(p->zctx);
    static const char *a[] = {"tcp://127.0.0.1:*"}, *b[] = {"tcp://127.0.0.1:*"};
    tix_pub_cfg_t cfg = {a, 1, b, 1, with_recovery ? "tcp://127.0.0.1:*" : NULL, 0, 0, ring, 0, 0,
                         sign ? &s_sign : NULL, curve};
    cfg.heartbeat_ms = 50;
    cfg.attest_ms = 20;
    p->pub = tix_pub_new(p->zctx, &cfg);
    assert_non_null(p->pub);
    p->now = INT64_C(1767225600000000000);
    pthread_mutex_init(&p->lock, NULL);
    assert_int_equal(pthread_create(&p->thread, NULL, s_pump, p), 0);
    p->running = true;
}

static void s_stop(s_pubctx_t *p)
{
    if (!p->running)
        return;
    p->running = false;
    atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    tix_pub_destroy(&p->pub);
    zmq_ctx_term(p->zctx);
    pthread_mutex_destroy(&p->lock);
}

/* The publisher of the running test: a failed assertion still stops it (teardown). */
static s_pubctx_t s_p;
static tix_sub_t *s_subs[2];
static tix_auth_t *s_auth; /* the CURVE test's ZAP handler, on s_p's context */

static int s_test_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++)
        tix_sub_destroy(&s_subs[i]);
    if (s_auth) { /* the context cannot end while the handler holds a socket on it */
        atomic_store(&s_p.stop, true);
        if (s_p.running)
            pthread_join(s_p.thread, NULL);
        s_p.running = false;
        tix_pub_destroy(&s_p.pub);
        tix_auth_destroy(&s_auth);
        zmq_ctx_term(s_p.zctx);
        pthread_mutex_destroy(&s_p.lock);
    }
    s_stop(&s_p);
    return 0;
}

/* One tick at `price`; the caller holds p->lock. */
static int s_tick_locked(s_pubctx_t *p, const char *tier, int64_t price)
{
    tix_wire_tick_t t = {.ts_ns = p->now, .price = price, .n_used = 3};
    snprintf(t.tier, sizeof t.tier, "%s", tier);
    p->now = s_wall();
    return tix_pub_tick(p->pub, &t, p->now);
}

static void s_publish_ticks(s_pubctx_t *p, const char *tier, int n, int64_t price0)
{
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&p->lock);
        int rc = s_tick_locked(p, tier, price0 + i);
        pthread_mutex_unlock(&p->lock); /* before asserting: teardown joins the pump */
        if (rc != 0)
            fail_msg("tix_pub_tick #%d: %s", i, tix_err());
    }
}

/* Both lines lose the next `drop` messages, which are the first of `n` ticks: one lock
 * around all of it, so that no attestation of the pump thread is dropped in their place. */
static void s_publish_after_drop(s_pubctx_t *p, const char *tier, unsigned drop, int n, int64_t price0)
{
    int rc = 0, i;
    pthread_mutex_lock(&p->lock);
    tix_pub_drop_next(p->pub, 0, drop);
    tix_pub_drop_next(p->pub, 1, drop);
    for (i = 0; i < n && rc == 0; i++)
        rc = s_tick_locked(p, tier, price0 + i);
    pthread_mutex_unlock(&p->lock);
    if (rc != 0)
        fail_msg("tix_pub_tick #%d: %s", i - 1, tix_err());
}

/* ---- a subscriber collecting what it is given ---- */
typedef struct {
    int ticks, settlements, snapshots, recovered_flags;
    int64_t prices[20000]; /* the first 20000 */
    int64_t last_price;
    int events[16];
    char last_event[512];
    char unrecoverable[512]; /* the last UNRECOVERABLE event: other events may follow it */
} s_got_t;

static void s_on_msg(void *arg, const char *topic, const tix_wire_msg_t *m, unsigned flags)
{
    s_got_t *g = arg;
    (void)topic;
    if (flags & TIX_SUB_SNAPSHOT)
        g->snapshots++;
    if (flags & TIX_SUB_RECOVERED)
        g->recovered_flags++;
    if (m->h.template_id == TIX_WIRE_TICK) {
        if (g->ticks < 20000)
            g->prices[g->ticks] = m->u.tick.price;
        g->last_price = m->u.tick.price;
        g->ticks++;
    }
    if (m->h.template_id == TIX_WIRE_SETTLEMENT)
        g->settlements++;
}

static void s_on_event(void *arg, tix_sub_event_t ev, const char *topic, const char *detail)
{
    s_got_t *g = arg;
    g->events[ev]++;
    snprintf(g->last_event, sizeof g->last_event, "%s %s: %s", tix_sub_event_name(ev), topic, detail);
    if (ev == TIX_SUB_EV_UNRECOVERABLE)
        snprintf(g->unrecoverable, sizeof g->unrecoverable, "%s", g->last_event);
}

/* Registers a subscriber so teardown destroys it even after a failed assertion. */
static tix_sub_t *s_keep(tix_sub_t *s)
{
    for (int i = 0; i < 2; i++)
        if (!s_subs[i]) {
            s_subs[i] = s;
            return s;
        }
    fail_msg("more than two subscribers in one test");
    return NULL;
}

static void s_drop(tix_sub_t *s)
{
    for (int i = 0; i < 2; i++)
        if (s_subs[i] == s)
            tix_sub_destroy(&s_subs[i]);
}

/* Tiers the next s_sub follows (NULL: all) and its gap wait (0: 50 ms); set by a test,
 * cleared by s_sub. */
static const char *const *s_only_tiers;
static int s_gap_wait_ms, s_attest_timeout_ms;

static tix_sub_t *s_sub(s_pubctx_t *p, s_got_t *g, const uint8_t *key, const tix_curve_key_t *server,
                        const tix_curve_key_t *client, int line_b)
{
    tix_sub_cfg_t cfg = {0};
    cfg.tiers = s_only_tiers;
    cfg.ntiers = s_only_tiers ? 1 : 0;
    s_only_tiers = NULL;
    cfg.line_a = tix_pub_endpoint(p->pub, 0, 0);
    cfg.line_b = line_b ? tix_pub_endpoint(p->pub, 1, 0) : NULL;
    cfg.recovery = tix_pub_recovery_endpoint(p->pub);
    cfg.verify_key = key;
    cfg.gap_wait_ms = s_gap_wait_ms ? s_gap_wait_ms : 50;
    cfg.attest_timeout_ms = s_attest_timeout_ms;
    s_gap_wait_ms = s_attest_timeout_ms = 0;
    cfg.heartbeat_ms = 50;
    if (server) {
        cfg.server_key = server->pub;
        cfg.client_public = client->pub;
        cfg.client_secret = client->sec;
    }
    cfg.on_msg = s_on_msg;
    cfg.on_event = s_on_event;
    cfg.arg = g;
    char err[256];
    tix_sub_t *s = tix_sub_new(&cfg, err, sizeof err);
    if (!s)
        print_error("tix_sub_new: %s\n", err);
    assert_non_null(s);
    return s_keep(s);
}

/* Waits (bounded) until heartbeats arrive on the wanted lines: subscriptions are live. */
static bool s_wait_joined(tix_sub_t *s, int lines)
{
    for (int i = 0; i < 300; i++) {
        assert_true(tix_sub_poll(s, 10) >= 0);
        tix_sub_stats_t st;
        tix_sub_stats(s, &st);
        if (st.line_received[0] > 0 && (lines < 2 || st.line_received[1] > 0))
            return true;
    }
    return false;
}

/* Both lines lose the next `n` data messages (numbered, chained and ringed all the same). */
static void s_drop_both(s_pubctx_t *p, unsigned n)
{
    pthread_mutex_lock(&p->lock);
    tix_pub_drop_next(p->pub, 0, n);
    tix_pub_drop_next(p->pub, 1, n);
    pthread_mutex_unlock(&p->lock);
}

/* Polls until `want` ticks were delivered or the bound runs out. */
static void s_poll_until(tix_sub_t *s, s_got_t *g, int want)
{
    for (int i = 0; i < 500 && g->ticks < want; i++)
        assert_true(tix_sub_poll(s, 10) >= 0);
    for (int i = 0; i < 10; i++) /* and a little more, for attestations and stragglers */
        assert_true(tix_sub_poll(s, 10) >= 0);
}

static void test_ab_arbitration(void **state)
{
    (void)state;
    s_start(&s_p, 0, NULL, 1);
    static s_got_t g;
    memset(&g, 0, sizeof g);
    s_gap_wait_ms = 5000; /* line B's copies, not a replay, must fill line A's losses */
    tix_sub_t *s = s_sub(&s_p, &g, s_sign.pk, NULL, NULL, 1);
    assert_true(s_wait_joined(s, 2));
    uint64_t subs = 0;
    for (int i = 0; i < 200 && subs != 2; i++) { /* one connection on each line's tcp socket */
        pthread_mutex_lock(&s_p.lock);
        subs = tix_pub_subscribers(s_p.pub);
        pthread_mutex_unlock(&s_p.lock);
        usleep(5000);
    }
    assert_int_equal(subs, 2);
    s_publish_ticks(&s_p, "T1", 10, 100);
    for (int i = 0; i < 10; i++) /* an attestation anchors the chain (no snapshot here) */
        assert_true(tix_sub_poll(s, 10) >= 0);
    pthread_mutex_lock(&s_p.lock);
    tix_pub_drop_next(s_p.pub, 0, 5); /* line A loses 5 messages; B has them */
    pthread_mutex_unlock(&s_p.lock);
    s_publish_ticks(&s_p, "T1", 30, 110);
    s_poll_until(s, &g, 40);
    tix_sub_stats_t st;
    tix_sub_stats(s, &st);
    assert_int_equal(g.ticks, 40);
    for (int i = 0; i < 40; i++)
        assert_int_equal(g.prices[i], 100 + i); /* in order, each once */
    assert_int_equal(st.unrecoverable, 0);
    assert_int_equal(st.recovered, 0);
    assert_int_equal(g.recovered_flags, 0);
    assert_true(st.duplicates >= 30);
    assert_int_equal(st.bad_signatures, 0);
    assert_int_equal(st.tampered, 0);
    assert_true(st.verified > 0); /* attestations checked out */
    s_drop(s);
    s_stop(&s_p);
}

/* Ticks 100, 101, ... with `ngaps` gaps that both lines lose (3 messages, then 4, ...), the
 * rest published after each; every tick must arrive in order, the lost ones by replay. */
static tix_sub_t *s_gaps_recovered(s_got_t *g, tix_sub_stats_t *st, int ngaps)
{
    s_start(&s_p, 0, NULL, 1);
    memset(g, 0, sizeof *g);
    tix_sub_t *s = s_sub(&s_p, g, s_sign.pk, NULL, NULL, 1);
    assert_true(s_wait_joined(s, 2));
    s_publish_ticks(&s_p, "T1", 5, 100);
    int total = 5, lost = 0;
    for (int gap = 0; gap < ngaps; gap++) {
        s_publish_after_drop(&s_p, "T1", 3 + (unsigned)gap, 10 + 3 + gap, 100 + total);
        total += 10 + 3 + gap;
        lost += 3 + gap;
    }
    s_poll_until(s, g, total);
    tix_sub_stats(s, st);
    if ((int)st->recovered != lost || st->unrecoverable || st->tampered)
        print_error("recovered %llu unrecoverable %llu tampered %llu; last event %s\n",
                    (unsigned long long)st->recovered, (unsigned long long)st->unrecoverable,
                    (unsigned long long)st->tampered, g->last_event);
    assert_int_equal(g->ticks, total);
    for (int i = 0; i < total; i++)
        assert_int_equal(g->prices[i], 100 + i);
    assert_int_equal(st->recovered, lost);
    assert_int_equal(g->recovered_flags, lost);
    assert_int_equal(st->unrecoverable, 0);
    assert_int_equal(st->tampered, 0);
    return s;
}

static void test_gap_recovery_by_replay(void **state)
{
    (void)state;
    static s_got_t g;
    tix_sub_stats_t st;
    tix_sub_t *s = s_gaps_recovered(&g, &st, 1);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(g.events[TIX_SUB_EV_GAP], 1);
    assert_int_equal(g.events[TIX_SUB_EV_RECOVERED], 1);
    s_drop(s);
    s_stop(&s_p);
}

/* Two gaps waiting at once: the first replay fills the first gap and delivers what was
 * buffered after it; the second gap must then be asked for too, not taken for forged
 * messages ("never published") or given up. */
static void test_two_gaps_recovered(void **state)
{
    (void)state;
    static s_got_t g;
    tix_sub_stats_t st;
    s_drop(s_gaps_recovered(&g, &st, 2));
    s_stop(&s_p);
}

/* More later gaps than the 64 replay rounds of one recovery: each costs a round, and none
 * may be given up while the publisher's ring still holds it. */
static void test_many_gaps_recovered(void **state)
{
    (void)state;
    static s_got_t g;
    tix_sub_stats_t st;
    s_drop(s_gaps_recovered(&g, &st, 80));
    s_stop(&s_p);
}

static void test_too_old_is_reported(void **state)
{
    (void)state;
    s_start(&s_p, 1024, NULL, 1); /* a small ring */
    static s_got_t g;
    memset(&g, 0, sizeof g);
    tix_sub_t *s = s_sub(&s_p, &g, s_sign.pk, NULL, NULL, 1);
    assert_true(s_wait_joined(s, 2));
    s_publish_ticks(&s_p, "T1", 2, 100);
    s_drop_both(&s_p, 3000);
    s_publish_ticks(&s_p, "T1", 3002, 102); /* the ring forgets the lost ones */
    s_poll_until(s, &g, 4);
    /* Under load the recovery answer can come after the live ticks (bounded wait). */
    for (int i = 0; i < 500 && g.events[TIX_SUB_EV_UNRECOVERABLE] == 0; i++)
        assert_true(tix_sub_poll(s, 10) >= 0);
    tix_sub_stats_t st;
    tix_sub_stats(s, &st);
    assert_true(st.unrecoverable >= 1);
    assert_true(g.events[TIX_SUB_EV_UNRECOVERABLE] >= 1);
    if (!strstr(g.unrecoverable, "TOO_OLD") && !strstr(g.unrecoverable, "archive"))
        fail_msg("unrecoverable event without the reason: '%s' (last event '%s')", g.unrecoverable, g.last_event);
    assert_true(g.ticks >= 2 + 2);
    assert_int_equal(g.last_price, 102 + 3001); /* it went on with the live feed */
    s_drop(s);
    s_stop(&s_p);
}

/* A subscriber to a quiet tier (T2) while another (T1) rolls the small ring over: T2's
 * replay must start where the ring does, not at T2's last message, which is long gone. */
static tix_sub_t *s_quiet_tier(s_got_t *g, bool lose_before_rollover)
{
    s_start(&s_p, 1024, NULL, 1);
    memset(g, 0, sizeof *g);
    static const char *const t2[] = {"T2"};
    s_only_tiers = t2;
    tix_sub_t *s = s_sub(&s_p, g, s_sign.pk, NULL, NULL, 1);
    assert_true(s_wait_joined(s, 2));
    s_publish_ticks(&s_p, "T2", 2, 100);
    s_poll_until(s, g, 2);
    if (lose_before_rollover) /* T2 102 lost, then pushed out of the ring */
        s_publish_after_drop(&s_p, "T2", 1, 1, 102);
    s_publish_ticks(&s_p, "T1", 3000, 1);
    if (lose_before_rollover)
        s_publish_ticks(&s_p, "T2", 2, 103);
    else /* T2 102 lost on both lines, still in the ring; 103 and 104 arrive */
        s_publish_after_drop(&s_p, "T2", 1, 3, 102);
    s_poll_until(s, g, lose_before_rollover ? 4 : 5);
    for (int i = 0; i < 100 && g->events[TIX_SUB_EV_RECOVERED] + g->events[TIX_SUB_EV_UNRECOVERABLE] == 0; i++)
        assert_true(tix_sub_poll(s, 10) >= 0);
    return s;
}

static void test_quiet_tier_gap_recovered(void **state)
{
    (void)state;
    static s_got_t g;
    tix_sub_t *s = s_quiet_tier(&g, false);
    tix_sub_stats_t st;
    tix_sub_stats(s, &st);
    if (st.recovered != 1)
        print_error("last event: %s\n", g.last_event);
    assert_int_equal(g.ticks, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(g.prices[i], 100 + i);
    assert_int_equal(st.recovered, 1);
    assert_int_equal(st.unrecoverable, 0);
    assert_int_equal(st.tampered, 0);
    s_drop(s);
    s_stop(&s_p);
}

/* The same, the lost tick older than the ring: reported lost as TOO_OLD, and the later tick
 * the replay did find is not taken for a forged one. */
static void test_quiet_tier_too_old(void **state)
{
    (void)state;
    static s_got_t g;
    tix_sub_t *s = s_quiet_tier(&g, true);
    tix_sub_stats_t st;
    tix_sub_stats(s, &st);
    assert_int_equal(st.unrecoverable, 1);
    assert_int_equal(st.tampered, 0);
    if (!strstr(g.unrecoverable, "TOO_OLD"))
        fail_msg("unrecoverable event without TOO_OLD: '%s'", g.unrecoverable);
    assert_int_equal(g.ticks, 4); /* 100, 101, then 103, 104 */
    assert_int_equal(g.last_price, 104);
    s_drop(s);
    s_stop(&s_p);
}

/* 60 ticks over at least 1.2 s to a verifying subscriber that wants an attestation every
 * second (the publisher attests every 20 ms: a wide margin for loaded test machines);
 * returns how many NO_ATTESTATION reports it made (and checks every tick came). */
static uint64_t s_unattested_reports(bool publisher_signs)
{
    s_unsigned = !publisher_signs;
    s_start(&s_p, 0, NULL, 1);
    static s_got_t g;
    memset(&g, 0, sizeof g);
    s_attest_timeout_ms = 1000;
    tix_sub_t *s = s_sub(&s_p, &g, s_sign.pk, NULL, NULL, 1);
    assert_true(s_wait_joined(s, 2));
    for (int i = 0; i < 60; i++) { /* one tick every 20 ms at most */
        s_publish_ticks(&s_p, "T1", 1, 100 + i);
        for (int64_t t0 = s_wall(); s_wall() - t0 < 20000000;)
            assert_true(tix_sub_poll(s, 1) >= 0);
    }
    s_poll_until(s, &g, 60);
    tix_sub_stats_t st;
    tix_sub_stats(s, &st);
    /* signed ticks are delivered; unsigned ones are refused: nothing unproven is passed on */
    assert_int_equal(g.ticks, publisher_signs ? 60 : 0);
    assert_true(publisher_signs || st.bad_signatures >= 60);
    assert_int_equal(st.attest_missing, (uint64_t)g.events[TIX_SUB_EV_NO_ATTESTATION]);
    s_drop(s);
    s_stop(&s_p);
    return st.attest_missing;
}

/* A feed without attestations (stripped, or a publisher without a key) is reported once to a
 * subscriber that verifies; a signed feed never is. */
static void test_missing_attestations_reported(void **state)
{
    (void)state;
    assert_int_equal(s_unattested_reports(false), 1);
    assert_int_equal(s_unattested_reports(true), 0);
}

static void test_wrong_key_reported(void **state)
{
    (void)state;
    s_start(&s_p, 0, NULL, 1);
    static s_got_t g;
    memset(&g, 0, sizeof g);
    uint8_t other[32];
    memcpy(other, s_sign.pk, 32);
    other[0] ^= 1;
    tix_sub_t *s = s_sub(&s_p, &g, other, NULL, NULL, 0);
    assert_true(s_wait_joined(s, 1));
    s_publish_ticks(&s_p, "T1", 5, 100);
    tix_wire_settlement_t stl = {.tier = "T1", .ts_ns = 1, .price = 5, .date = "2026-01-01"};
    pthread_mutex_lock(&s_p.lock);
    assert_int_equal(tix_pub_settlement(s_p.pub, &stl, ++s_p.now), 0);
    pthread_mutex_unlock(&s_p.lock);
    s_poll_until(s, &g, 5);
    tix_sub_stats_t st;
    tix_sub_stats(s, &st);
    assert_int_equal(g.settlements, 0); /* never passed on */
    assert_true(st.bad_signatures >= 2); /* the settlement and the attestations */
    assert_true(g.events[TIX_SUB_EV_BAD_SIGNATURE] >= 2);
    s_drop(s);
    s_stop(&s_p);
}

static void test_snapshot_late_join(void **state)
{
    (void)state;
    s_start(&s_p, 0, NULL, 1);
    s_publish_ticks(&s_p, "T1", 20, 100); /* before anyone listens */
    s_publish_ticks(&s_p, "T2", 7, 500);
    tix_wire_settlement_t stl = {.tier = "T1", .ts_ns = 1, .price = 42, .date = "2026-01-01"};
    pthread_mutex_lock(&s_p.lock);
    assert_int_equal(tix_pub_settlement(s_p.pub, &stl, ++s_p.now), 0);
    pthread_mutex_unlock(&s_p.lock);
    static s_got_t g;
    memset(&g, 0, sizeof g);
    tix_sub_t *s = s_sub(&s_p, &g, s_sign.pk, NULL, NULL, 1);
    assert_true(s_wait_joined(s, 2));
    char err[256];
    assert_int_equal(tix_sub_snapshot(s, err, sizeof err), 0);
    assert_int_equal(g.snapshots, 3); /* latest T1 tick, T2 tick, T1 settlement */
    assert_int_equal(g.settlements, 1); /* its own signature verified */
    s_publish_ticks(&s_p, "T1", 5, 200);
    s_poll_until(s, &g, 2 + 5);
    tix_sub_stats_t st;
    tix_sub_stats(s, &st);
    assert_int_equal(g.last_price, 204);
    assert_int_equal(st.gaps, 0);
    assert_int_equal(st.tampered, 0);
    assert_true(st.verified > 0); /* the chain state from the snapshot checks out */
    s_drop(s);
    s_stop(&s_p);
}

/* A man in the middle: forwards line A to the subscriber, altering one tick's price. */
typedef struct {
    void *in, *out;
    atomic_bool stop;
    int alter_tick; /* alter the n-th tick (1-based); settlements: alter them all */
} s_mitm_t;

static void *s_mitm_run(void *arg)
{
    s_mitm_t *m = arg;
    int ticks = 0;
    while (!atomic_load(&m->stop)) {
        zmq_pollitem_t it = {m->in, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 10) <= 0)
            continue;
        char topic[64];
        uint8_t body[TIX_WIRE_MAX_SIZE];
        int tl = zmq_recv(m->in, topic, sizeof topic, 0);
        int bl = zmq_recv(m->in, body, sizeof body, 0);
        if (tl < 0 || bl < 0)
            continue;
        uint16_t tmpl = (uint16_t)(body[2] | body[3] << 8);
        if ((tmpl == TIX_WIRE_TICK && ++ticks == m->alter_tick) || tmpl == TIX_WIRE_SETTLEMENT)
            body[TIX_WIRE_HEADER_SIZE + 40] ^= 0x01; /* the price's low byte */
        zmq_send(m->out, topic, (size_t)tl, ZMQ_SNDMORE);
        zmq_send(m->out, body, (size_t)bl, 0);
    }
    return NULL;
}

static void test_tampering_detected(void **state)
{
    (void)state;
    s_start(&s_p, 0, NULL, 0);
    s_mitm_t m = {0};
    void *mctx = zmq_ctx_new();
    m.in = zmq_socket(mctx, ZMQ_SUB);
    m.out = zmq_socket(mctx, ZMQ_PUB);
    m.alter_tick = 3;
    assert_int_equal(zmq_setsockopt(m.in, ZMQ_SUBSCRIBE, "", 0), 0);
    assert_int_equal(zmq_connect(m.in, tix_pub_endpoint(s_p.pub, 0, 0)), 0);
    assert_int_equal(zmq_bind(m.out, "tcp://127.0.0.1:*"), 0);
    char mep[256];
    size_t ml = sizeof mep;
    assert_int_equal(zmq_getsockopt(m.out, ZMQ_LAST_ENDPOINT, mep, &ml), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, s_mitm_run, &m), 0);
    static s_got_t g;
    memset(&g, 0, sizeof g);
    tix_sub_cfg_t cfg = {0};
    cfg.line_a = mep;
    cfg.verify_key = s_sign.pk;
    cfg.gap_wait_ms = s_gap_wait_ms ? s_gap_wait_ms : 50;
    cfg.attest_timeout_ms = s_attest_timeout_ms;
    s_gap_wait_ms = s_attest_timeout_ms = 0;
    cfg.heartbeat_ms = 50;
    cfg.on_msg = s_on_msg;
    cfg.on_event = s_on_event;
    cfg.arg = &g;
    char err[256];
    tix_sub_t *s = tix_sub_new(&cfg, err, sizeof err);
    assert_non_null(s);
    s_keep(s);
    assert_true(s_wait_joined(s, 1));
    s_publish_ticks(&s_p, "T1", 2, 100);
    for (int i = 0; i < 20; i++) /* an attestation anchors the chain */
        assert_true(tix_sub_poll(s, 10) >= 0);
    s_publish_ticks(&s_p, "T1", 5, 102); /* the 3rd tick through the proxy is altered */
    tix_wire_settlement_t stl = {.tier = "T1", .ts_ns = 1, .price = 42, .date = "2026-01-01"};
    pthread_mutex_lock(&s_p.lock);
    assert_int_equal(tix_pub_settlement(s_p.pub, &stl, ++s_p.now), 0);
    pthread_mutex_unlock(&s_p.lock);
    s_poll_until(s, &g, 7);
    tix_sub_stats_t st;
    tix_sub_stats(s, &st);
    assert_true(st.tampered >= 1);
    assert_true(g.events[TIX_SUB_EV_TAMPERED] >= 1);
    assert_int_equal(g.settlements, 0); /* the altered settlement fails its signature */
    assert_true(st.bad_signatures >= 1);
    atomic_store(&m.stop, true);
    pthread_join(th, NULL);
    zmq_close(m.in);
    zmq_close(m.out);
    zmq_ctx_term(mctx);
    s_drop(s);
    s_stop(&s_p);
}

/* An attacker on an open line B sends a tick far ahead in sequence: the subscriber must refuse
 * it (its signature), report it and keep the genuine feed flowing. */
static void test_forged_sequence_dropped(void **state)
{
    (void)state;
    s_start(&s_p, 0, NULL, 1);
    void *actx = zmq_ctx_new();
    void *evil = zmq_socket(actx, ZMQ_PUB);
    assert_int_equal(zmq_bind(evil, "tcp://127.0.0.1:*"), 0);
    char eep[256];
    size_t el = sizeof eep;
    assert_int_equal(zmq_getsockopt(evil, ZMQ_LAST_ENDPOINT, eep, &el), 0);
    static s_got_t g;
    memset(&g, 0, sizeof g);
    tix_sub_cfg_t cfg = {0};
    cfg.line_a = tix_pub_endpoint(s_p.pub, 0, 0);
    cfg.line_b = eep;
    cfg.recovery = tix_pub_recovery_endpoint(s_p.pub);
    cfg.verify_key = s_sign.pk;
    cfg.gap_wait_ms = s_gap_wait_ms ? s_gap_wait_ms : 50;
    cfg.attest_timeout_ms = s_attest_timeout_ms;
    s_gap_wait_ms = s_attest_timeout_ms = 0;
    cfg.heartbeat_ms = 50;
    cfg.on_msg = s_on_msg;
    cfg.on_event = s_on_event;
    cfg.arg = &g;
    char err[256];
    tix_sub_t *s = tix_sub_new(&cfg, err, sizeof err);
    assert_non_null(s);
    s_keep(s);
    assert_true(s_wait_joined(s, 1));
    s_publish_ticks(&s_p, "T1", 2, 100);
    s_poll_until(s, &g, 2);
    uint8_t buf[TIX_WIRE_TICK_SIZE];
    tix_wire_header_t h = {0};
    h.channel_seq = 999999;
    h.topic_seq = 1000000;
    tix_wire_tick_t t = {.tier = "T1", .price = 666, .n_used = 3};
    memcpy(t.key_id, s_sign.key_id, sizeof t.key_id); /* public: a forger copies it */
    assert_int_equal(tix_wire_encode_tick(&h, &t, buf, sizeof buf), TIX_WIRE_TICK_SIZE);
    for (int i = 0; i < 20; i++) { /* until the subscriber's connection to B carries it */
        zmq_send(evil, "IDX.T1", 6, ZMQ_SNDMORE);
        zmq_send(evil, buf, sizeof buf, 0);
        assert_true(tix_sub_poll(s, 20) >= 0);
    }
    s_publish_ticks(&s_p, "T1", 5, 102);
    s_poll_until(s, &g, 7);
    tix_sub_stats_t st;
    tix_sub_stats(s, &st);
    assert_int_equal(g.ticks, 7); /* every genuine tick, none forged */
    assert_int_equal(g.last_price, 106);
    assert_true(st.tampered >= 1);
    assert_true(g.events[TIX_SUB_EV_TAMPERED] >= 1);
    s_drop(s);
    zmq_close(evil);
    zmq_ctx_term(actx);
    s_stop(&s_p);
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_curve_allowlist(void **state)
{
    (void)state;
    tix_curve_key_t server, good, bad;
    assert_int_equal(zmq_curve_keypair(server.pub, server.sec), 0);
    assert_int_equal(zmq_curve_keypair(good.pub, good.sec), 0);
    assert_int_equal(zmq_curve_keypair(bad.pub, bad.sec), 0);
    char allow[300], text[200];
    snprintf(allow, sizeof allow, "%s/clients.allow", s_keydir);
    snprintf(text, sizeof text, "# allowed vendors\n%s  # vendor one\n", good.pub);
    s_write(allow, text);
    memset(&s_p, 0, sizeof s_p);
    void *zctx = zmq_ctx_new();
    tix_auth_t *auth = s_auth = tix_auth_new(zctx, allow);
    assert_non_null(auth);
    s_p.zctx = zctx;
    pthread_mutex_init(&s_p.lock, NULL);
    /* the publisher on the same context as the ZAP handler */
    static const char *a[] = {"tcp://127.0.0.1:*"};
    tix_pub_cfg_t cfg = {a, 1, NULL, 0, "tcp://127.0.0.1:*", 50, 20, 0, 0, 0, &s_sign, &server};
    s_p.pub = tix_pub_new(zctx, &cfg);
    assert_non_null(s_p.pub);
    s_p.now = INT64_C(1767225600000000000);
    assert_int_equal(pthread_create(&s_p.thread, NULL, s_pump, &s_p), 0);
    s_p.running = true; /* so that teardown joins the pump before destroying the publisher */
    static s_got_t g1, g2;
    memset(&g1, 0, sizeof g1);
    memset(&g2, 0, sizeof g2);
    tix_sub_t *ok = s_sub(&s_p, &g1, s_sign.pk, &server, &good, 0);
    tix_sub_t *no = s_sub(&s_p, &g2, s_sign.pk, &server, &bad, 0);
    assert_true(s_wait_joined(ok, 1));
    s_publish_ticks(&s_p, "T1", 5, 100);
    s_poll_until(ok, &g1, 5);
    for (int i = 0; i < 20; i++)
        assert_true(tix_sub_poll(no, 10) >= 0);
    assert_int_equal(g1.ticks, 5);
    tix_sub_stats_t st;
    tix_sub_stats(no, &st);
    assert_int_equal(st.received, 0); /* refused: never got a byte */
    tix_auth_stats_t as;
    tix_auth_stats(auth, &as);
    assert_true(as.refused >= 1);
    assert_true(as.allowed >= 1);
    /* reload: allow the second key too */
    snprintf(text, sizeof text, "%s\n%s\n", good.pub, bad.pub);
    s_write(allow, text);
    assert_int_equal(tix_auth_reload(auth), 0);
    tix_auth_stats(auth, &as);
    assert_int_equal(as.keys, 2);
    s_write(allow, "not-a-key\n");
    assert_int_equal(tix_auth_reload(auth), -1); /* keeps the previous list */
    tix_auth_stats(auth, &as);
    assert_int_equal(as.keys, 2);
    s_drop(ok);
    s_drop(no);
    (void)auth; /* teardown stops publisher, handler and context in the right order */
}

static void test_slow_subscriber_does_not_block(void **state)
{
    (void)state;
    s_start(&s_p, 0, NULL, 1);
    static s_got_t g;
    memset(&g, 0, sizeof g);
    tix_sub_t *s = s_sub(&s_p, &g, s_sign.pk, NULL, NULL, 0);
    assert_true(s_wait_joined(s, 1));
    /* The subscriber reads nothing while 200000 ticks go out: every call must return (a
     * blocked publisher would hang here), and what the high-water marks dropped for this
     * subscriber comes back by replay when it reads again. */
    enum { N = 200000 };
    s_publish_ticks(&s_p, "T1", N, 0);
    pthread_mutex_lock(&s_p.lock);
    uint64_t seq = tix_pub_channel_seq(s_p.pub);
    pthread_mutex_unlock(&s_p.lock);
    assert_true(seq >= N); /* attestations take sequence numbers too */
    for (int i = 0; i < 3000 && g.ticks < N; i++)
        assert_true(tix_sub_poll(s, 10) >= 0);
    tix_sub_stats_t st;
    tix_sub_stats(s, &st);
    if (g.ticks != N)
        print_error("received %llu delivered %llu dup %llu gaps %llu recovered %llu unrec %llu last event %s\n",
                    (unsigned long long)st.received, (unsigned long long)st.delivered,
                    (unsigned long long)st.duplicates, (unsigned long long)st.gaps,
                    (unsigned long long)st.recovered, (unsigned long long)st.unrecoverable, g.last_event);
    assert_int_equal(g.ticks, N);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(g.prices[i], i); /* in order, none twice */
    assert_int_equal(g.last_price, N - 1);
    assert_true(st.gaps >= 1);       /* it was dropped at the high-water mark ... */
    assert_true(st.recovered > 0);   /* ... and recovered by replay */
    assert_int_equal(st.unrecoverable, 0);
    s_drop(s);
    s_stop(&s_p);
}

/* Resident pages of this process, from /proc/self/statm. */
static long s_resident_pages(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    assert_non_null(f);
    long size = 0, resident = -1;
    assert_int_equal(fscanf(f, "%ld %ld", &size, &resident), 2);
    fclose(f);
    return resident;
}

/* The replay ring's memory is faulted in by tix_pub_new, not page by page while publishing;
 * a ring that cannot be had fails there, saying so. */
static void test_ring_resident_from_start(void **state)
{
    (void)state;
    void *zctx = zmq_ctx_new();
    assert_non_null(zctx);
    static const char *a[] = {"tcp://127.0.0.1:*"};
    /* 2^44 slots of 24 bytes: more than any address space holds. */
    tix_pub_cfg_t cfg = {a, 1, NULL, 0, NULL, 0, 0, (size_t)1 << 44, 0, 0, NULL, NULL};
    assert_null(tix_pub_new(zctx, &cfg));
    assert_non_null(strstr(tix_err(), "replay ring"));

    cfg.ring_size = 100000; /* a 16 MB arena (160 bytes a message) and 2.4 MB of slots */
    long page = sysconf(_SC_PAGESIZE), before = s_resident_pages();
    assert_true(page > 0);
    tix_pub_t *pub = tix_pub_new(zctx, &cfg);
    assert_non_null(pub);
    assert_true((s_resident_pages() - before) * page >= 16000000L);
    tix_wire_tick_t t = {.tier = "T1", .price = 1, .n_used = 1};
    assert_int_equal(tix_pub_tick(pub, &t, 1), 0);
    assert_int_equal(tix_pub_channel_seq(pub), 1);
    tix_pub_destroy(&pub);
    assert_null(pub);
    zmq_ctx_term(zctx);
}

static void test_keys_files(void **state)
{
    (void)state;
    char base[300], path[320];
    snprintf(base, sizeof base, "%s/gen", s_keydir);
    assert_int_equal(tix_keys_generate(base), 0);
    assert_int_equal(tix_keys_generate(base), -1); /* never overwrites */
    tix_sign_key_t sk, pk;
    snprintf(path, sizeof path, "%s.sign.key", base);
    struct stat stt;
    assert_int_equal(stat(path, &stt), 0);
    assert_int_equal(stt.st_mode & 0777, 0600);
    assert_int_equal(tix_sign_key_load_secret(path, &sk), 0);
    snprintf(path, sizeof path, "%s.sign.pub", base);
    assert_int_equal(tix_sign_key_load_public(path, &pk), 0);
    assert_memory_equal(sk.pk, pk.pk, 32);
    assert_memory_equal(sk.key_id, pk.key_id, 8);
    uint8_t sig[64];
    tix_sign(&sk, (const uint8_t *)"abc", 3, sig);
    assert_int_equal(tix_verify(&pk, (const uint8_t *)"abc", 3, sig), 0);
    assert_int_equal(tix_verify(&pk, (const uint8_t *)"abd", 3, sig), -1);
    snprintf(path, sizeof path, "%s.sign.key", base);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(tix_sign_key_load_secret(path, &sk), -1);
    assert_non_null(strstr(tix_err(), "chmod 600"));
    tix_curve_key_t ck;
    snprintf(path, sizeof path, "%s.curve.key", base);
    assert_int_equal(tix_curve_key_load_secret(path, &ck), 0);
    assert_int_equal(strlen(ck.pub), 40);
}

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_keydir, sizeof s_keydir, "/tmp/tix-pubsub-XXXXXX");
    return tix_test_keydir_new(s_keydir, &s_sign);
}

static int s_teardown(void **state)
{
    (void)state;
    return tix_test_keydir_remove(s_keydir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_ab_arbitration, s_test_teardown),
        cmocka_unit_test_teardown(test_gap_recovery_by_replay, s_test_teardown),
        cmocka_unit_test_teardown(test_two_gaps_recovered, s_test_teardown),
        cmocka_unit_test_teardown(test_many_gaps_recovered, s_test_teardown),
        cmocka_unit_test_teardown(test_too_old_is_reported, s_test_teardown),
        cmocka_unit_test_teardown(test_quiet_tier_gap_recovered, s_test_teardown),
        cmocka_unit_test_teardown(test_quiet_tier_too_old, s_test_teardown),
        cmocka_unit_test_teardown(test_missing_attestations_reported, s_test_teardown),
        cmocka_unit_test_teardown(test_wrong_key_reported, s_test_teardown),
        cmocka_unit_test_teardown(test_snapshot_late_join, s_test_teardown),
        cmocka_unit_test_teardown(test_tampering_detected, s_test_teardown),
        cmocka_unit_test_teardown(test_forged_sequence_dropped, s_test_teardown),
        cmocka_unit_test_teardown(test_curve_allowlist, s_test_teardown),
        cmocka_unit_test_teardown(test_slow_subscriber_does_not_block, s_test_teardown),
        cmocka_unit_test_teardown(test_keys_files, s_test_teardown),
        cmocka_unit_test(test_ring_resident_from_start),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
