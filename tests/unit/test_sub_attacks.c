/* Attacks on a verifying subscriber (issue 12): forged ticks on multicast, forged quotes, topic floods, old wire versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix/sub.h"
#include "tix_err.h"
#include "tix_keys.h"
#include "tix_pub.h"
#include "tix_time.h"
#include "keydir_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#define FORGED 666 /* the price or blended value of every forged message */

typedef struct {
    int ticks, quotes, settlements, forged;
    int64_t last;
    int events[16];
    char tampered[512]; /* the last TAMPERED event */
    char bad[512];      /* the last BAD_MESSAGE event */
} s_got_t;

/* One publisher (line A tcp, line B tcp or multicast), an attacker's PUB socket on line B
 * (or its own tcp endpoint, which the subscriber takes as line B), and the subscriber; all
 * in this thread, serviced by s_run. */
typedef struct {
    void *zctx, *evil;
    tix_pub_t *pub;
    tix_sub_t *sub;
    s_got_t g;
    char line_b[256];
    int published_ticks, published_quotes;
} s_rig_t;

static tix_sign_key_t s_key;
static char s_keydir[256];
static s_rig_t s_r;
/* Subscriber options the next s_rig takes (each test that sets them resets them after). */
static bool s_no_recovery;
static size_t s_hold_max;

static void s_on_msg(void *arg, const char *topic, const tix_wire_msg_t *m, unsigned flags)
{
    (void)topic;
    (void)flags;
    s_got_t *g = arg;
    int64_t v = 0;
    if (m->h.template_id == TIX_WIRE_TICK)
        g->ticks++, v = m->u.tick.price;
    else if (m->h.template_id == TIX_WIRE_QUOTE)
        g->quotes++, v = m->u.quote.blended;
    else if (m->h.template_id == TIX_WIRE_SETTLEMENT)
        g->settlements++, v = m->u.settlement.price;
    else
        return;
    g->last = v;
    g->forged += v == FORGED;
}

static void s_on_event(void *arg, tix_sub_event_t ev, const char *topic, const char *detail)
{
    s_got_t *g = arg;
    g->events[ev]++;
    if (ev == TIX_SUB_EV_TAMPERED)
        snprintf(g->tampered, sizeof g->tampered, "%s: %s", topic, detail);
    if (ev == TIX_SUB_EV_BAD_MESSAGE)
        snprintf(g->bad, sizeof g->bad, "%s: %s", topic, detail);
}

/* A multicast group of its own on the loopback interface (never eth0), port by chance. */
static void s_group(char *out, size_t cap)
{
    unsigned r = (unsigned)tix_time_wall_ns() ^ (unsigned)getpid();
    snprintf(out, cap, "epgm://127.0.0.1;239.192.%u.%u:%u", 20 + r % 50, 1 + (r >> 8) % 200,
             20000 + (r >> 16) % 20000);
}

/* multicast: line B is an epgm group the attacker also sends to; else the attacker binds a
 * tcp endpoint of its own and the subscriber takes that as line B. */
static void s_rig(s_rig_t *r, bool multicast, bool quotes)
{
    memset(r, 0, sizeof *r);
    r->zctx = zmq_ctx_new();
    assert_non_null(r->zctx);
    static const char *a[] = {"tcp://127.0.0.1:*"};
    const char *b[1] = {r->line_b};
    if (multicast)
        s_group(r->line_b, sizeof r->line_b);
    tix_pub_cfg_t cfg = {a, 1, b, multicast ? 1 : 0, "tcp://127.0.0.1:*", 50, 50, 0, 0, 0, &s_key, NULL};
    r->pub = tix_pub_new(r->zctx, &cfg);
    if (!r->pub)
        fail_msg("tix_pub_new: %s", tix_err());
    r->evil = zmq_socket(r->zctx, ZMQ_PUB);
    int rate = 100000, zero = 0;
    assert_non_null(r->evil);
    assert_int_equal(zmq_setsockopt(r->evil, ZMQ_LINGER, &zero, sizeof zero), 0);
    if (multicast) {
        assert_int_equal(zmq_setsockopt(r->evil, ZMQ_RATE, &rate, sizeof rate), 0);
        assert_int_equal(zmq_connect(r->evil, r->line_b), 0);
    } else {
        size_t n = sizeof r->line_b;
        assert_int_equal(zmq_bind(r->evil, "tcp://127.0.0.1:*"), 0);
        assert_int_equal(zmq_getsockopt(r->evil, ZMQ_LAST_ENDPOINT, r->line_b, &n), 0);
    }
    tix_sub_cfg_t sc = {0};
    sc.line_a = tix_pub_endpoint(r->pub, 0, 0);
    sc.line_b = r->line_b;
    sc.recovery = s_no_recovery ? NULL : tix_pub_recovery_endpoint(r->pub);
    sc.hold_max = s_hold_max;
    sc.quotes = quotes;
    sc.verify_key = s_key.pk;
    sc.heartbeat_ms = 50;
    sc.gap_wait_ms = 50;
    sc.on_msg = s_on_msg;
    sc.on_event = s_on_event;
    sc.arg = &r->g;
    char err[256];
    r->sub = tix_sub_new(&sc, err, sizeof err);
    if (!r->sub)
        fail_msg("tix_sub_new: %s", err);
}

static void s_unrig(s_rig_t *r)
{
    tix_sub_destroy(&r->sub);
    if (r->evil)
        zmq_close(r->evil);
    r->evil = NULL;
    tix_pub_destroy(&r->pub);
    if (r->zctx)
        zmq_ctx_term(r->zctx);
    r->zctx = NULL;
}

static int s_teardown_rig(void **state)
{
    (void)state;
    s_unrig(&s_r);
    return 0;
}

/* Services publisher and subscriber for about `ms` (bounded by the loop count too). */
static void s_run(s_rig_t *r, int ms)
{
    int64_t end = tix_time_mono_ns() + (int64_t)ms * TIX_NS_PER_MS;
    for (int i = 0; i < 100000 && tix_time_mono_ns() < end; i++) {
        assert_int_equal(tix_pub_service(r->pub, tix_time_wall_ns(), 0), 0);
        assert_true(tix_sub_poll(r->sub, 1) >= 0);
    }
}

static void s_tick(s_rig_t *r, const char *tier, int64_t price)
{
    tix_wire_tick_t t = {.ts_ns = tix_time_wall_ns(), .price = price, .n_used = 3};
    snprintf(t.tier, sizeof t.tier, "%s", tier);
    if (tix_pub_tick(r->pub, &t, tix_time_wall_ns()) != 0)
        fail_msg("tix_pub_tick: %s", tix_err());
    r->published_ticks++;
}

static void s_quote(s_rig_t *r, tix_wire_quote_t *q, int64_t blended)
{
    memset(q, 0, sizeof *q);
    snprintf(q->provider, sizeof q->provider, "p");
    snprintf(q->model, sizeof q->model, "m");
    snprintf(q->currency, sizeof q->currency, "USD");
    snprintf(q->tier, sizeof q->tier, "T1");
    q->unit = 1000000;
    q->recv_ns = tix_time_wall_ns();
    q->blended = q->input = blended;
    q->fx_e9 = 1000000000;
    q->volume = -1;
    if (r && tix_pub_quote(r->pub, q, tix_time_wall_ns()) != 0)
        fail_msg("tix_pub_quote: %s", tix_err());
    if (r)
        r->published_quotes++;
}

/* Sends one (topic, message) on the attacker's socket. */
static void s_evil_send(s_rig_t *r, const char *topic, const uint8_t *msg, size_t len)
{
    assert_true(zmq_send(r->evil, topic, strlen(topic), ZMQ_SNDMORE) >= 0);
    assert_true(zmq_send(r->evil, msg, len, 0) >= 0);
}

/* A tick as a forger makes it: the publisher's (public) key id, any signature. */
static size_t s_forged_tick(uint8_t *buf, const char *tier, uint64_t channel, uint64_t seq)
{
    tix_wire_header_t h = {0};
    h.channel_seq = channel;
    h.topic_seq = seq;
    h.send_time_ns = tix_time_wall_ns();
    tix_wire_tick_t t = {.ts_ns = tix_time_wall_ns(), .price = FORGED, .n_used = 3};
    snprintf(t.tier, sizeof t.tier, "%s", tier);
    memcpy(t.key_id, s_key.key_id, sizeof t.key_id);
    memset(t.signature, 0x5a, sizeof t.signature);
    assert_int_equal(tix_wire_encode_tick(&h, &t, buf, TIX_WIRE_TICK_SIZE), TIX_WIRE_TICK_SIZE);
    return TIX_WIRE_TICK_SIZE;
}

/* Ticks every 20 ms until both lines carry them to the subscriber (bounded: multicast joins
 * take a moment), then until an attestation has opened and verified the chain. */
static void s_warm_up(s_rig_t *r, bool both_lines)
{
    tix_sub_stats_t st = {0};
    for (int i = 0; i < 400 && !(st.line_received[0] && (st.line_received[1] || !both_lines) && st.verified);
         i++) {
        s_tick(r, "T1", 1000 + r->published_ticks);
        s_run(r, 20);
        tix_sub_stats(r->sub, &st);
    }
    assert_true(st.line_received[0] > 0 && (st.line_received[1] > 0 || !both_lines));
    assert_true(st.verified > 0);
}

/* (a) The forged tick with the next topic_seq arrives first, on the multicast line; the
 * genuine one follows on line A only. It must be refused and reported naming line B, and the
 * genuine one delivered. */
static void test_forged_multicast_tick(void **state)
{
    (void)state;
    s_rig(&s_r, true, false);
    s_warm_up(&s_r, true);
    /* the attacker needs its forgery to reach us: keep sending it until line B has carried it */
    uint8_t buf[TIX_WIRE_TICK_SIZE];
    uint64_t next = (uint64_t)s_r.published_ticks + 1;
    s_forged_tick(buf, "T1", tix_pub_channel_seq(s_r.pub) + 1, next);
    tix_sub_stats_t before, st;
    tix_sub_stats(s_r.sub, &before);
    for (int i = 0; i < 50; i++) {
        s_evil_send(&s_r, "IDX.T1", buf, sizeof buf);
        s_run(&s_r, 20);
        tix_sub_stats(s_r.sub, &st);
        if (st.bad_signatures > before.bad_signatures || s_r.g.forged)
            break;
    }
    int ticks = s_r.g.ticks;
    tix_pub_drop_next(s_r.pub, 1, 1); /* the genuine copy comes on line A only */
    s_tick(&s_r, "T1", 5000);
    for (int i = 0; i < 100 && s_r.g.ticks == ticks; i++)
        s_run(&s_r, 10);
    tix_sub_stats(s_r.sub, &st);
    assert_int_equal(s_r.g.forged, 0);
    assert_int_equal(s_r.g.ticks, ticks + 1);
    assert_int_equal(s_r.g.last, 5000); /* the genuine one, not dropped as a duplicate */
    assert_true(st.tampered > before.tampered);
    assert_non_null(strstr(s_r.g.tampered, "line B"));
}

/* (b) A forged quote with the next topic_seq arrives first on line B; the genuine one on A.
 * Quotes wait for the attestation that proves them: only the genuine one is ever delivered. */
static void test_forged_quote_never_delivered(void **state)
{
    (void)state;
    s_rig(&s_r, false, true);
    tix_wire_quote_t q;
    tix_sub_stats_t st = {0};
    for (int i = 0; i < 300 && s_r.g.quotes == 0; i++) { /* until an attestation proves some */
        s_quote(&s_r, &q, 100 + s_r.published_quotes);
        s_run(&s_r, 20);
    }
    assert_true(s_r.g.quotes > 0);
    int quotes = s_r.g.quotes;
    s_run(&s_r, 200); /* the quotes in flight */
    quotes = s_r.g.quotes;
    s_quote(NULL, &q, FORGED);
    tix_wire_header_t h = {0};
    h.channel_seq = tix_pub_channel_seq(s_r.pub) + 1;
    h.topic_seq = (uint64_t)s_r.published_quotes + 1;
    uint8_t buf[TIX_WIRE_QUOTE_SIZE];
    assert_int_equal(tix_wire_encode_quote(&h, &q, buf, sizeof buf), TIX_WIRE_QUOTE_SIZE);
    for (int i = 0; i < 20; i++) { /* until the subscriber's connection to B carries it */
        s_evil_send(&s_r, "QTE.T1", buf, sizeof buf);
        s_run(&s_r, 10);
    }
    s_quote(&s_r, &q, 7000); /* the genuine one, same seq */
    for (int i = 0; i < 3; i++) {
        s_quote(&s_r, &q, 7001 + i);
        s_run(&s_r, 10);
    }
    for (int i = 0; i < 100 && s_r.g.quotes < quotes + 4; i++)
        s_run(&s_r, 10);
    tix_sub_stats(s_r.sub, &st);
    assert_int_equal(s_r.g.forged, 0);
    assert_int_equal(s_r.g.quotes, quotes + 4);
    assert_int_equal(s_r.g.last, 7003);
    assert_true(st.tampered >= 1);
    assert_non_null(strstr(s_r.g.tampered, "line B"));
}

/* (c) 1100 junk topics on the multicast line (forged ticks and quotes): no state for them,
 * and the real settlements still arrive and verify. */
static void test_topic_flood(void **state)
{
    (void)state;
    s_rig(&s_r, true, true);
    s_warm_up(&s_r, true);
    uint8_t buf[TIX_WIRE_QUOTE_SIZE];
    char topic[TIX_WIRE_TOPIC_MAX], tier[32];
    for (int i = 0; i < 1100; i++) {
        snprintf(tier, sizeof tier, "JUNK%04d", i);
        snprintf(topic, sizeof topic, "IDX.%s", tier);
        s_evil_send(&s_r, topic, buf, s_forged_tick(buf, tier, 1, 1));
        tix_wire_quote_t q;
        s_quote(NULL, &q, FORGED);
        snprintf(q.tier, sizeof q.tier, "%s", tier);
        tix_wire_header_t h = {.channel_seq = 1, .topic_seq = 1};
        assert_int_equal(tix_wire_encode_quote(&h, &q, buf, sizeof buf), TIX_WIRE_QUOTE_SIZE);
        snprintf(topic, sizeof topic, "QTE.%s", tier);
        s_evil_send(&s_r, topic, buf, sizeof buf);
        if (i % 100 == 0)
            s_run(&s_r, 5);
    }
    s_run(&s_r, 300);
    for (int i = 0; i < 3; i++) {
        tix_wire_settlement_t s = {.ts_ns = 1 + i, .price = 4200 + i, .date = "2026-01-01"};
        snprintf(s.tier, sizeof s.tier, "S%d", i);
        assert_int_equal(tix_pub_settlement(s_r.pub, &s, tix_time_wall_ns()), 0);
    }
    for (int i = 0; i < 200 && s_r.g.settlements < 3; i++)
        s_run(&s_r, 10);
    tix_sub_stats_t st;
    tix_sub_stats(s_r.sub, &st);
    assert_int_equal(s_r.g.settlements, 3);
    assert_int_equal(s_r.g.forged, 0);
    assert_true(st.bad_signatures >= 100); /* the junk arrived, and was refused */
    assert_true(st.refused_topics >= 100);
}

/* A settlement signs its body only (it verifies alone, as archived): an attacker can resend
 * an old genuine one under the next topic_seq. It must be refused as a replay, and the real
 * next settlement delivered. Also: a forged copy of an already delivered tick is TAMPERED. */
static void test_replayed_settlement_refused(void **state)
{
    (void)state;
    s_rig(&s_r, false, false);
    s_warm_up(&s_r, false);
    tix_wire_settlement_t old = {.tier = "T1", .ts_ns = 1000, .price = 4200, .date = "2026-01-01"};
    assert_int_equal(tix_pub_settlement(s_r.pub, &old, tix_time_wall_ns()), 0);
    for (int i = 0; i < 100 && s_r.g.settlements < 1; i++)
        s_run(&s_r, 10);
    assert_int_equal(s_r.g.settlements, 1);
    tix_wire_header_t h = {0};
    h.channel_seq = tix_pub_channel_seq(s_r.pub) + 1;
    h.topic_seq = 2;
    uint8_t buf[TIX_WIRE_SETTLEMENT_SIZE];
    assert_int_equal(tix_wire_encode_settlement(&h, &old, buf, sizeof buf), TIX_WIRE_SETTLEMENT_SIZE);
    tix_sub_stats_t before, st;
    tix_sub_stats(s_r.sub, &before);
    for (int i = 0; i < 20; i++) {
        s_evil_send(&s_r, "STL.T1", buf, sizeof buf);
        s_run(&s_r, 10);
    }
    tix_wire_settlement_t next = {.tier = "T1", .ts_ns = 2000, .price = 4300, .date = "2026-01-02"};
    assert_int_equal(tix_pub_settlement(s_r.pub, &next, tix_time_wall_ns()), 0);
    for (int i = 0; i < 100 && s_r.g.settlements < 2; i++)
        s_run(&s_r, 10);
    tix_sub_stats(s_r.sub, &st);
    assert_int_equal(s_r.g.settlements, 2);
    assert_int_equal(s_r.g.last, 4300);
    assert_true(st.tampered > before.tampered);
    assert_non_null(strstr(s_r.g.tampered, "line B"));
    /* the tick just delivered, forged, on line B after the genuine one (past the second in
     * which further TAMPERED reports are only counted) */
    s_run(&s_r, 1100);
    s_tick(&s_r, "T1", 9000);
    for (int i = 0; i < 100 && s_r.g.last != 9000; i++)
        s_run(&s_r, 10);
    uint8_t tb[TIX_WIRE_TICK_SIZE];
    s_forged_tick(tb, "T1", tix_pub_channel_seq(s_r.pub), (uint64_t)s_r.published_ticks);
    tix_sub_stats(s_r.sub, &before);
    for (int i = 0; i < 20; i++) {
        s_evil_send(&s_r, "IDX.T1", tb, sizeof tb);
        s_run(&s_r, 10);
    }
    tix_sub_stats(s_r.sub, &st);
    assert_true(st.tampered > before.tampered);
    assert_non_null(strstr(s_r.g.tampered, "differs from the copy already delivered"));
    assert_int_equal(s_r.g.forged, 0);
}

/* Quotes until an attestation has proven some, then until those in flight are in. */
static void s_quotes_flowing(s_rig_t *r)
{
    tix_wire_quote_t q;
    for (int i = 0; i < 300 && r->g.quotes == 0; i++) {
        s_quote(r, &q, 100 + r->published_quotes);
        s_run(r, 20);
    }
    assert_true(r->g.quotes > 0);
    s_run(r, 200);
}

/* A forged quote as the attacker sends it: the next channel seq, topic seq `seq`. */
static void s_forged_quote(s_rig_t *r, uint8_t buf[TIX_WIRE_QUOTE_SIZE], uint64_t seq)
{
    tix_wire_quote_t q;
    s_quote(NULL, &q, FORGED);
    tix_wire_header_t h = {0};
    h.channel_seq = tix_pub_channel_seq(r->pub) + 1;
    h.topic_seq = seq;
    assert_int_equal(tix_wire_encode_quote(&h, &q, buf, TIX_WIRE_QUOTE_SIZE), TIX_WIRE_QUOTE_SIZE);
}

/* Genuine quotes 8000.. after an attack: all must be delivered, none forged. */
static void s_genuine_quotes_after(s_rig_t *r, int n)
{
    tix_wire_quote_t q;
    int quotes = r->g.quotes;
    for (int i = 0; i < n; i++) {
        s_quote(r, &q, 8000 + i);
        s_run(r, 10);
    }
    for (int i = 0; i < 200 && r->g.quotes < quotes + n; i++)
        s_run(r, 10);
    assert_int_equal(r->g.forged, 0);
    assert_int_equal(r->g.quotes, quotes + n);
    assert_int_equal(r->g.last, 8000 + n - 1);
}

/* One unauthenticated quote numbered far ahead, on a subscriber without a recovery service:
 * giving up on the "gap" before it must not take its topic_seq for the publisher's, or every
 * genuine quote after it looks like an old duplicate and the topic is dead for good. */
static void test_far_ahead_quote_no_recovery(void **state)
{
    (void)state;
    s_no_recovery = true;
    s_rig(&s_r, false, true);
    s_no_recovery = false;
    s_quotes_flowing(&s_r);
    uint8_t buf[TIX_WIRE_QUOTE_SIZE];
    s_forged_quote(&s_r, buf, (uint64_t)s_r.published_quotes + 1000000);
    tix_sub_stats_t before, st;
    tix_sub_stats(s_r.sub, &before);
    for (int i = 0; i < 20; i++) { /* until the subscriber's connection to B carries it */
        s_evil_send(&s_r, "QTE.T1", buf, sizeof buf);
        s_run(&s_r, 10);
        tix_sub_stats(s_r.sub, &st);
        if (st.gaps > before.gaps)
            break;
    }
    assert_true(st.gaps > before.gaps);
    s_run(&s_r, 300); /* the gap is given up on; attestations come every 50 ms */
    s_genuine_quotes_after(&s_r, 5);
}

/* Forged quotes in order, more than the hold bound, before an attestation: overflowing the
 * ring must not move the topic to the forger's sequence numbers either. */
static void test_hold_overflow_by_forged_quotes(void **state)
{
    (void)state;
    s_hold_max = 64;
    s_rig(&s_r, false, true);
    s_hold_max = 0;
    s_quotes_flowing(&s_r);
    uint8_t buf[TIX_WIRE_QUOTE_SIZE];
    for (int i = 0; i < 200; i++) {
        s_forged_quote(&s_r, buf, (uint64_t)s_r.published_quotes + 1 + (uint64_t)i);
        s_evil_send(&s_r, "QTE.T1", buf, sizeof buf);
    }
    tix_sub_stats_t st = {0};
    for (int i = 0; i < 100 && st.unauthenticated < 64; i++) {
        s_run(&s_r, 10);
        tix_sub_stats(s_r.sub, &st);
    }
    assert_true(st.unauthenticated >= 64);
    s_run(&s_r, 200);
    s_genuine_quotes_after(&s_r, 5);
}

/* A settlement's signature covers its body only, so its topic_seq is anyone's to choose: an
 * old genuine settlement (published before this subscriber joined) resent numbered far ahead
 * must not make the next genuine settlement of its tier look like an old duplicate. */
static void test_replayed_settlement_far_ahead(void **state)
{
    (void)state;
    s_rig(&s_r, false, false);
    s_warm_up(&s_r, false);
    /* yesterday's settlement, signed as the engine signs it */
    tix_wire_settlement_t old = {.tier = "T1", .ts_ns = 1000, .price = 4200, .date = "2026-01-01"};
    memcpy(old.key_id, s_key.key_id, sizeof old.key_id);
    tix_wire_header_t h = {0};
    h.channel_seq = tix_pub_channel_seq(s_r.pub) + 1;
    h.topic_seq = 1000000;
    uint8_t buf[TIX_WIRE_SETTLEMENT_SIZE], sb[96];
    assert_int_equal(tix_wire_encode_settlement(&h, &old, buf, sizeof buf), TIX_WIRE_SETTLEMENT_SIZE);
    size_t sl = tix_wire_settlement_signed_bytes(buf, sb);
    assert_true(sl > 0);
    tix_sign(&s_key, sb, sl, buf + TIX_WIRE_SETTLEMENT_SIZE - TIX_WIRE_SIG_SIZE);
    for (int i = 0; i < 20 && s_r.g.settlements == 0; i++) {
        s_evil_send(&s_r, "STL.T1", buf, sizeof buf);
        s_run(&s_r, 10);
    }
    s_run(&s_r, 200); /* any gap it opened is given up on or refused */
    tix_wire_settlement_t next = {.tier = "T1", .ts_ns = 2000, .price = 4300, .date = "2026-01-02"};
    assert_int_equal(tix_pub_settlement(s_r.pub, &next, tix_time_wall_ns()), 0);
    for (int i = 0; i < 100 && s_r.g.last != 4300; i++)
        s_run(&s_r, 10);
    assert_int_equal(s_r.g.last, 4300);
    /* and the old one, sent again now, is refused as a replay */
    int settlements = s_r.g.settlements;
    for (int i = 0; i < 10; i++) {
        s_evil_send(&s_r, "STL.T1", buf, sizeof buf);
        s_run(&s_r, 10);
    }
    assert_int_equal(s_r.g.settlements, settlements);
    assert_int_equal(s_r.g.last, 4300);
}

/* A genuine settlement the subscriber missed, resent by the attacker under the next one's
 * seq ahead of it: the real next settlement must not be dropped as a copy of it (signed copies
 * of one settlement seq need not be the same bytes), and the old one must not be delivered
 * after the newer one. No recovery service: the gap is given up on. */
static void test_settlement_resent_ahead_buffered(void **state)
{
    (void)state;
    s_no_recovery = true;
    s_rig(&s_r, false, false);
    s_no_recovery = false;
    s_warm_up(&s_r, false);
    tix_wire_settlement_t s1 = {.tier = "T1", .ts_ns = 1000, .price = 4100, .date = "2026-01-01"};
    assert_int_equal(tix_pub_settlement(s_r.pub, &s1, tix_time_wall_ns()), 0);
    for (int i = 0; i < 100 && s_r.g.settlements < 1; i++)
        s_run(&s_r, 10);
    assert_int_equal(s_r.g.settlements, 1);
    tix_pub_drop_next(s_r.pub, 0, 1); /* the subscriber misses settlement 2 */
    tix_wire_settlement_t s2 = {.tier = "T1", .ts_ns = 2000, .price = 4200, .date = "2026-01-02"};
    assert_int_equal(tix_pub_settlement(s_r.pub, &s2, tix_time_wall_ns()), 0);
    tix_wire_header_t h = {0};
    h.channel_seq = tix_pub_channel_seq(s_r.pub) + 1;
    h.topic_seq = 3;
    uint8_t buf[TIX_WIRE_SETTLEMENT_SIZE];
    assert_int_equal(tix_wire_encode_settlement(&h, &s2, buf, sizeof buf), TIX_WIRE_SETTLEMENT_SIZE);
    tix_sub_stats_t before, st;
    tix_sub_stats(s_r.sub, &before);
    st = before;
    for (int i = 0; i < 40 && st.gaps == before.gaps; i++) { /* until it is buffered */
        s_evil_send(&s_r, "STL.T1", buf, sizeof buf);
        assert_true(tix_sub_poll(s_r.sub, 5) >= 0);
        tix_sub_stats(s_r.sub, &st);
    }
    assert_true(st.gaps > before.gaps);
    tix_wire_settlement_t s3 = {.tier = "T1", .ts_ns = 3000, .price = 4300, .date = "2026-01-03"};
    assert_int_equal(tix_pub_settlement(s_r.pub, &s3, tix_time_wall_ns()), 0);
    for (int i = 0; i < 50; i++)
        s_run(&s_r, 10);
    assert_int_equal(s_r.g.last, 4300);
    assert_int_equal(s_r.g.settlements, 2); /* 4200 never after it, and never twice */
}

/* Three different forged copies of the next quote on line B, ahead of the genuine one on A:
 * they must not take every place kept for copies (one a line), or the genuine one is dropped
 * and the attestation then proves none of the quotes it covers. */
static void test_forged_copies_fill_no_slots(void **state)
{
    (void)state;
    s_rig(&s_r, false, true);
    s_quotes_flowing(&s_r);
    int quotes = s_r.g.quotes;
    tix_sub_stats_t before, st;
    tix_sub_stats(s_r.sub, &before);
    uint8_t buf[TIX_WIRE_QUOTE_SIZE];
    for (int i = 0; i < 30; i++) { /* until the subscriber's connection to B carries them */
        for (int c = 0; c < 3; c++) {
            s_forged_quote(&s_r, buf, (uint64_t)s_r.published_quotes + 1);
            buf[TIX_WIRE_HEADER_SIZE + 280] = (uint8_t)c; /* volume: three different copies */
            s_evil_send(&s_r, "QTE.T1", buf, sizeof buf);
        }
        assert_true(tix_sub_poll(s_r.sub, 5) >= 0);
        tix_sub_stats(s_r.sub, &st);
        if (st.line_received[1] >= before.line_received[1] + 3)
            break;
    }
    assert_true(st.line_received[1] >= before.line_received[1] + 3);
    s_genuine_quotes_after(&s_r, 5);
    assert_int_equal(s_r.g.quotes, quotes + 5);
}

/* A flood of one-frame messages (no body) on an open line: each counted, but reported at most
 * once a second (issue 12 item 7), or the subscriber's log is the attacker's to fill. */
static void test_single_frame_flood_rate_limited(void **state)
{
    (void)state;
    s_rig(&s_r, false, false);
    s_warm_up(&s_r, false);
    int events = s_r.g.events[TIX_SUB_EV_BAD_MESSAGE];
    tix_sub_stats_t st = {0};
    for (int i = 0; i < 50 && st.bad_messages < 200; i++) {
        for (int k = 0; k < 20; k++)
            assert_true(zmq_send(s_r.evil, "IDX.T1", 6, 0) >= 0);
        s_run(&s_r, 5);
        tix_sub_stats(s_r.sub, &st);
    }
    assert_true(st.bad_messages >= 200);
    assert_true(s_r.g.events[TIX_SUB_EV_BAD_MESSAGE] - events <= 2);
}

/* This process's resident memory, in bytes (/proc/self/statm). */
static long s_rss(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    if (f)
        fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

/* A peer of a tcp line (no CURVE: anyone who reaches it) subscribes with one 4 MB prefix.
 * libzmq's PUB keeps subscriptions in a trie of a node per byte: without a bound on what the
 * line reads, that one message costs the publisher (tixd: the engine's process) some 200 MB
 * (a GB for 16 MB).
 * The attacker runs in a child process, so its own copy is not counted here. */
static void test_huge_subscription_bounded(void **state)
{
    (void)state;
    s_rig(&s_r, false, false);
    const char *ep = tix_pub_endpoint(s_r.pub, 0, 0);
    s_run(&s_r, 100);
    long before = s_rss();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        void *ctx = zmq_ctx_new(), *sub = zmq_socket(ctx, ZMQ_SUB);
        size_t n = 4u << 20;
        char *prefix = malloc(n);
        if (!ctx || !sub || !prefix || zmq_connect(sub, ep) != 0)
            _exit(1);
        for (size_t i = 0; i < n; i++)
            prefix[i] = (char)('a' + i % 26);
        (void)zmq_setsockopt(sub, ZMQ_SUBSCRIBE, prefix, n);
        sleep(3);
        _exit(0);
    }
    long peak = before;
    for (int i = 0; i < 30; i++) {
        s_run(&s_r, 100);
        long now = s_rss();
        peak = now > peak ? now : peak;
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    print_message("publisher RSS %ld MB -> peak %ld MB\n", before >> 20, peak >> 20);
    assert_true(peak - before < (48l << 20));
}

/* (d) A message of wire version 1 is refused with a clear error, and counted. */
static void test_old_wire_version(void **state)
{
    (void)state;
    s_rig(&s_r, false, false);
    s_warm_up(&s_r, false);
    uint8_t buf[TIX_WIRE_TICK_SIZE];
    s_forged_tick(buf, "T1", 1, 1);
    buf[6] = 1; /* version 1 */
    tix_sub_stats_t st = {0};
    for (int i = 0; i < 50 && st.version_errors == 0; i++) {
        s_evil_send(&s_r, "IDX.T1", buf, sizeof buf);
        s_run(&s_r, 10);
        tix_sub_stats(s_r.sub, &st);
    }
    assert_true(st.version_errors >= 1);
    assert_true(st.bad_messages >= st.version_errors);
    assert_non_null(strstr(s_r.g.bad, "wire version 1, this subscriber speaks 2"));
}

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_keydir, sizeof s_keydir, "/tmp/tix-attacks-XXXXXX");
    /* OpenPGM's loopback warnings would only clutter the test log */
    return setenv("PGM_MIN_LOG_LEVEL", "ERROR", 0) || tix_test_keydir_new(s_keydir, &s_key);
}

static int s_teardown(void **state)
{
    (void)state;
    return tix_test_keydir_remove(s_keydir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_forged_multicast_tick, s_teardown_rig),
        cmocka_unit_test_teardown(test_forged_quote_never_delivered, s_teardown_rig),
        cmocka_unit_test_teardown(test_topic_flood, s_teardown_rig),
        cmocka_unit_test_teardown(test_replayed_settlement_refused, s_teardown_rig),
        cmocka_unit_test_teardown(test_old_wire_version, s_teardown_rig),
        cmocka_unit_test_teardown(test_far_ahead_quote_no_recovery, s_teardown_rig),
        cmocka_unit_test_teardown(test_hold_overflow_by_forged_quotes, s_teardown_rig),
        cmocka_unit_test_teardown(test_replayed_settlement_far_ahead, s_teardown_rig),
        cmocka_unit_test_teardown(test_settlement_resent_ahead_buffered, s_teardown_rig),
        cmocka_unit_test_teardown(test_forged_copies_fill_no_slots, s_teardown_rig),
        cmocka_unit_test_teardown(test_single_frame_flood_rate_limited, s_teardown_rig),
        cmocka_unit_test_teardown(test_huge_subscription_bounded, s_teardown_rig),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
