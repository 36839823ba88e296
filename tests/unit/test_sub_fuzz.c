/* Bounded mutation fuzzing of the subscriber SDK's message flow: mutated, re-numbered, truncated and (re-)signed messages on every line, with and without a verify key, must never crash it or grow its state past its bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tix_keys.h"
#include "tix_sub_internal.h"
#include "tix_time.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITERATIONS 200000
#define TIME_LIMIT_MS 10000 /* per test, whichever comes first */
#define HOLD_MAX 256

static tix_sign_key_t s_key;
static uint64_t s_rng;

static uint64_t s_rand(void)
{
    s_rng ^= s_rng << 13; /* xorshift64: deterministic per seed, so a failure can be rerun */
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

typedef struct {
    uint64_t delivered, events;
} s_got_t;

static void s_on_msg(void *arg, const char *topic, const tix_wire_msg_t *m, unsigned flags)
{
    (void)flags;
    s_got_t *g = arg;
    /* touch what a consumer would read: ASan sees a decoded message that is not whole */
    volatile size_t n = strlen(topic) + m->h.block_length;
    (void)n;
    g->delivered++;
}

static void s_on_event(void *arg, tix_sub_event_t ev, const char *topic, const char *detail)
{
    s_got_t *g = arg;
    volatile size_t n = strlen(topic) + strlen(detail) + (size_t)ev;
    (void)n;
    g->events++;
}

/* Signs an encoded message in place as the publisher does (key id, then the signature). */
static void s_sign(uint8_t *msg, size_t len)
{
    const tix_wire_signed_t *r = tix_wire_signed(tix_wire_get_u16(msg + 2));
    uint8_t sb[TIX_WIRE_MAX_SIZE + 32];
    if (!r || len < (size_t)(TIX_WIRE_HEADER_SIZE + r->key_id_offset + TIX_WIRE_KEY_ID_SIZE + TIX_WIRE_SIG_SIZE))
        return;
    memcpy(msg + TIX_WIRE_HEADER_SIZE + r->key_id_offset, s_key.key_id, TIX_WIRE_KEY_ID_SIZE);
    size_t n = tix_wire_signed_bytes(msg, len, sb, sizeof sb);
    if (n)
        tix_sign(&s_key, sb, n, msg + len - TIX_WIRE_SIG_SIZE);
}

typedef struct {
    char topic[TIX_WIRE_TOPIC_MAX];
    uint8_t msg[TIX_WIRE_MAX_SIZE];
    size_t len;
} s_seed_t;

#define NSEEDS 7
static s_seed_t s_seeds[NSEEDS];
static tix_wire_attest_t s_att; /* large: not on the stack */

static void s_make_seeds(void)
{
    tix_wire_header_t h = {.channel_seq = 1, .topic_seq = 1, .send_time_ns = tix_time_wall_ns()};
    int k = 0;
    for (int t = 0; t < 2; t++, k++) {
        tix_wire_tick_t tick = {.ts_ns = h.send_time_ns, .price = 1000 + t, .n_used = 3};
        snprintf(tick.tier, sizeof tick.tier, "T%d", t + 1);
        snprintf(s_seeds[k].topic, sizeof s_seeds[k].topic, "IDX.T%d", t + 1);
        s_seeds[k].len = (size_t)tix_wire_encode_tick(&h, &tick, s_seeds[k].msg, TIX_WIRE_MAX_SIZE);
    }
    tix_wire_settlement_t stl = {.tier = "T1", .ts_ns = 5, .price = 4200, .date = "2026-01-01"};
    snprintf(s_seeds[k].topic, sizeof s_seeds[k].topic, "STL.T1");
    s_seeds[k].len = (size_t)tix_wire_encode_settlement(&h, &stl, s_seeds[k].msg, TIX_WIRE_MAX_SIZE);
    k++;
    for (int t = 0; t < 2; t++, k++) {
        tix_wire_quote_t q = {.recv_ns = h.send_time_ns, .unit = 1000000, .fx_e9 = 1000000000,
                              .volume = -1, .blended = 77, .input = 77};
        snprintf(q.provider, sizeof q.provider, "p");
        snprintf(q.model, sizeof q.model, "m");
        snprintf(q.currency, sizeof q.currency, "USD");
        snprintf(q.tier, sizeof q.tier, "T%d", t + 1);
        snprintf(s_seeds[k].topic, sizeof s_seeds[k].topic, "QTE.T%d", t + 1);
        s_seeds[k].len = (size_t)tix_wire_encode_quote(&h, &q, s_seeds[k].msg, TIX_WIRE_MAX_SIZE);
    }
    memset(&s_att, 0, sizeof s_att);
    s_att.count = 5;
    s_att.attest_ms = 1000;
    const char *names[] = {"IDX.T1", "IDX.T2", "STL.T1", "QTE.T1", "QTE.T2"};
    for (int i = 0; i < 5; i++) {
        snprintf(s_att.entries[i].topic, sizeof s_att.entries[i].topic, "%s", names[i]);
        s_att.entries[i].topic_seq = 1;
    }
    snprintf(s_seeds[k].topic, sizeof s_seeds[k].topic, "ATT");
    s_seeds[k].len = (size_t)tix_wire_encode_attest(&h, &s_att, s_seeds[k].msg, TIX_WIRE_MAX_SIZE);
    k++;
    tix_wire_header_t hb = {.channel_seq = 1};
    tix_wire_heartbeat_t beat = {.heartbeat_ms = 1000, .attest_ms = 1000};
    snprintf(s_seeds[k].topic, sizeof s_seeds[k].topic, "HB");
    s_seeds[k].len = (size_t)tix_wire_encode_heartbeat(&hb, &beat, s_seeds[k].msg, TIX_WIRE_MAX_SIZE);
    for (int i = 0; i < NSEEDS; i++)
        assert_true(s_seeds[i].len >= TIX_WIRE_HEADER_SIZE);
}

/* A sequence number near the flow (so messages are taken, held, buffered) or an edge. */
static uint64_t s_seq(uint64_t walk)
{
    switch (s_rand() % 8) {
    case 0: return 0;
    case 1: return UINT64_MAX - s_rand() % 3;
    case 2: return s_rand();
    case 3: return walk + s_rand() % 5000;
    default: return walk + s_rand() % 4 - 2 + 1;
    }
}

static void s_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void s_fuzz(bool verify, uint64_t seed)
{
    s_got_t g = {0};
    tix_sub_cfg_t cfg = {0};
    const char *tiers[] = {"T1", "T2"};
    cfg.tiers = tiers;
    cfg.ntiers = s_rand() % 2 ? 2 : 0;
    cfg.quotes = true;
    cfg.verify_key = verify ? s_key.pk : NULL;
    cfg.hold_max = HOLD_MAX;
    cfg.gap_wait_ms = 1;
    cfg.on_msg = s_on_msg;
    cfg.on_event = s_on_event;
    cfg.arg = &g;
    char err[256];
    tix_sub_t *sub = tix_sub_new(&cfg, err, sizeof err); /* no lines: messages are fed in */
    if (!sub)
        fail_msg("tix_sub_new: %s", err);
    s_rng = seed;
    static const char *odd_topics[] = {"ATT", "HB", "IDX.", "QTE.", "STL.T1", "IDX.T10", "QTE.-",
                                       "IDX.T1X", "", "ATTX", "QTE.T2", "IDX.T2"};
    uint64_t walk[NSEEDS] = {0}, channel = 0;
    uint8_t buf[TIX_WIRE_MAX_SIZE + 64];
    int64_t end = tix_time_mono_ns() + (int64_t)TIME_LIMIT_MS * TIX_NS_PER_MS;
    int i = 0;
    for (; i < ITERATIONS && tix_time_mono_ns() < end; i++) {
        int k = (int)(s_rand() % NSEEDS);
        s_seed_t *sd = &s_seeds[k];
        size_t len = sd->len;
        memcpy(buf, sd->msg, len);
        channel += 1 + s_rand() % 3;
        if (k != NSEEDS - 1) /* heartbeats keep topic_seq 0 */
            s_put_u64(buf + 16, s_seq(walk[k]++));
        s_put_u64(buf + 8, s_rand() % 16 ? channel : s_seq(channel));
        if (k == NSEEDS - 2) { /* attestation: entries at seqs near (or far from) the flow */
            for (int e = 0; e < 5; e++)
                s_put_u64(buf + TIX_WIRE_HEADER_SIZE + 16 + 80 * e + 40, s_seq(walk[e]));
            if (s_rand() % 4 == 0) /* a random head: a chain that disagrees */
                buf[TIX_WIRE_HEADER_SIZE + 16 + 80 * (s_rand() % 5) + 48] ^= 1;
        }
        unsigned r = (unsigned)(s_rand() % 16);
        if (r < 6) /* flip a few bytes anywhere */
            for (unsigned f = 0; f <= r % 4; f++)
                buf[s_rand() % len] ^= (uint8_t)(1 + s_rand() % 255);
        if (r == 6)
            len = (size_t)(s_rand() % (len + 1));
        if (r == 7) {
            size_t more = (size_t)(s_rand() % 64);
            for (size_t b = 0; b < more; b++)
                buf[len + b] = (uint8_t)s_rand();
            len += more;
        }
        if (verify && s_rand() % 4) /* signed: reaches past the signature check */
            s_sign(buf, len);
        const char *topic = s_rand() % 8 ? sd->topic : odd_topics[s_rand() % 12];
        tix_sub_process(sub, topic, buf, len, (int)(s_rand() % 3), (unsigned)(s_rand() % 2) * TIX_SUB_RECOVERED);
        if (i % 64 == 0)
            tix_sub_timers(sub);
    }
    /* Bounds an outsider must not be able to push state past. */
    for (int t = 0; t < MAX_TOPICS; t++) {
        const s_topic_t *st = sub->topics[t];
        if (!st)
            continue;
        assert_true(st->npend <= MAX_PEND);
        assert_true(st->nheld <= HOLD_MAX);
        assert_true(st->held_cap <= HOLD_MAX);
    }
    print_message("seed %llu, verify %d: %d messages, %llu delivered, %llu events\n",
                  (unsigned long long)seed, verify, i, (unsigned long long)g.delivered,
                  (unsigned long long)g.events);
    tix_sub_destroy(&sub);
}

static uint64_t s_seed(void);

/* ---- A genuine feed, lossy and reordered, with an attacker's copies mixed in ---- */

#define HIST 8192 /* digests of the genuine messages per topic, by topic_seq */

typedef struct {
    uint64_t seq[NSEEDS][HIST];
    uint8_t dig[NSEEDS][HIST][16];
    uint64_t delivered, forged, stale_settlements;
    int64_t last_settlement_ts;
} s_truth_t;

static s_truth_t s_truth; /* large: not on the stack */

static int s_seed_of(const char *topic)
{
    for (int k = 0; k < NSEEDS - 2; k++)
        if (strcmp(topic, s_seeds[k].topic) == 0)
            return k;
    return -1;
}

static void s_digest(const uint8_t *msg, size_t len, uint8_t out[16])
{
    crypto_generichash(out, 16, msg, len, NULL, 0);
}

/* What a verifying subscriber delivers must be the publisher's: ticks and quotes byte for
 * byte at their seq, settlements signed and each later than the last. */
static void s_on_checked(void *arg, const char *topic, const tix_wire_msg_t *m, unsigned flags)
{
    (void)arg;
    (void)flags;
    s_truth_t *t = &s_truth;
    t->delivered++;
    uint8_t buf[TIX_WIRE_MAX_SIZE], d[16];
    int len = -1;
    switch (m->h.template_id) {
    case TIX_WIRE_TICK: len = tix_wire_encode_tick(&m->h, &m->u.tick, buf, sizeof buf); break;
    case TIX_WIRE_QUOTE: len = tix_wire_encode_quote(&m->h, &m->u.quote, buf, sizeof buf); break;
    case TIX_WIRE_SETTLEMENT:
        len = tix_wire_encode_settlement(&m->h, &m->u.settlement, buf, sizeof buf);
        if (len > 0) {
            uint8_t sb[96];
            size_t n = tix_wire_settlement_signed_bytes(buf, sb);
            if (n == 0 || tix_verify(&s_key, sb, n, buf + len - TIX_WIRE_SIG_SIZE) != 0)
                t->forged++;
            if (m->u.settlement.ts_ns <= t->last_settlement_ts)
                t->stale_settlements++;
            t->last_settlement_ts = m->u.settlement.ts_ns;
        }
        return;
    default: return; /* attestations: verified by the SDK before anything else uses them */
    }
    int k = s_seed_of(topic);
    uint64_t seq = m->h.topic_seq;
    if (len <= 0 || k < 0 || t->seq[k][seq % HIST] != seq) {
        t->forged++;
        return;
    }
    s_digest(buf, (size_t)len, d);
    if (memcmp(d, t->dig[k][seq % HIST], 16) != 0)
        t->forged++;
}

typedef struct {
    int k; /* seed index, or NSEEDS - 2 for an attestation */
    uint8_t msg[TIX_WIRE_MAX_SIZE];
    size_t len;
} s_sent_t;

#define RECENT 64
#define DELAY 8

static void s_feed(tix_sub_t *sub, const s_sent_t *m, int line)
{
    tix_sub_process(sub, s_seeds[m->k].topic, m->msg, m->len, line, 0);
}

static void test_fuzz_feed(void **state)
{
    (void)state;
    static s_sent_t recent[RECENT], delayed[DELAY], evil;
    memset(&s_truth, 0, sizeof s_truth);
    s_got_t g = {0};
    tix_sub_cfg_t cfg = {0};
    cfg.quotes = true;
    cfg.verify_key = s_key.pk;
    cfg.hold_max = HOLD_MAX;
    cfg.gap_wait_ms = 1;
    cfg.on_msg = s_on_checked;
    cfg.on_event = s_on_event;
    cfg.arg = &g;
    char err[256];
    tix_sub_t *sub = tix_sub_new(&cfg, err, sizeof err);
    if (!sub)
        fail_msg("tix_sub_new: %s", err);
    tix_chain_t *chain = tix_chain_new();
    assert_non_null(chain);
    int ids[NSEEDS];
    for (int k = 0; k < NSEEDS - 2; k++)
        ids[k] = tix_chain_topic(chain, s_seeds[k].topic, strlen(s_seeds[k].topic));
    s_rng = s_seed() ^ 0xfeed;
    uint64_t gseq[NSEEDS] = {0}, channel = 0, nsent = 0;
    size_t ndelayed = 0;
    int64_t end = tix_time_mono_ns() + (int64_t)TIME_LIMIT_MS * TIX_NS_PER_MS;
    int i = 0;
    for (; i < ITERATIONS && tix_time_mono_ns() < end; i++) {
        s_sent_t *m = &recent[nsent % RECENT];
        bool att = s_rand() % 20 == 0;
        m->k = att ? NSEEDS - 2 : (int)(s_rand() % (NSEEDS - 2));
        memcpy(m->msg, s_seeds[m->k].msg, s_seeds[m->k].len);
        m->len = s_seeds[m->k].len;
        tix_wire_header_t h = {.channel_seq = ++channel, .topic_seq = ++gseq[m->k],
                               .send_time_ns = tix_time_wall_ns()};
        if (att) {
            s_att.count = 0;
            for (int k = 0; k < NSEEDS - 2; k++)
                if (gseq[k]) {
                    tix_wire_attest_entry_t *e = &s_att.entries[s_att.count++];
                    snprintf(e->topic, sizeof e->topic, "%s", s_seeds[k].topic);
                    e->topic_seq = gseq[k];
                    memcpy(e->head, tix_chain_head(chain, ids[k]), TIX_WIRE_HASH_SIZE);
                }
            m->len = (size_t)tix_wire_encode_attest(&h, &s_att, m->msg, sizeof m->msg);
            s_sign(m->msg, m->len);
        } else {
            s_put_u64(m->msg + 8, h.channel_seq);
            s_put_u64(m->msg + 16, h.topic_seq);
            /* a value per message, so copies of different seqs differ */
            size_t vo = m->k < 2 ? 40 + 32 : m->k == 2 ? 32 + 40 : 32 + 240 + 32;
            s_put_u64(m->msg + vo, 1000 + h.topic_seq);
            if (m->k == 2) /* settlement ts_ns, increasing */
                s_put_u64(m->msg + 32 + 32, 1000 * h.topic_seq);
            s_sign(m->msg, m->len);
            if (tix_chain_advance(chain, ids[m->k], h.topic_seq, m->msg, m->len) != 0)
                fail_msg("chain");
            s_truth.seq[m->k][h.topic_seq % HIST] = h.topic_seq;
            s_digest(m->msg, m->len, s_truth.dig[m->k][h.topic_seq % HIST]);
        }
        nsent++;
        /* line A loses some, line B loses some and arrives late, out of order */
        if (s_rand() % 20)
            s_feed(sub, m, 0);
        if (s_rand() % 20) {
            if (ndelayed == DELAY) {
                size_t j = (size_t)(s_rand() % DELAY);
                s_feed(sub, &delayed[j], 1);
                delayed[j] = *m;
            } else {
                delayed[ndelayed++] = *m;
            }
        }
        /* the attacker: an earlier genuine message altered, renumbered or truncated */
        while (s_rand() % 3 == 0) {
            evil = recent[(nsent - 1 - s_rand() % (nsent < RECENT ? nsent : RECENT)) % RECENT];
            switch (s_rand() % 4) {
            case 0: evil.msg[s_rand() % evil.len] ^= (uint8_t)(1 + s_rand() % 255); break;
            case 1: s_put_u64(evil.msg + 16, s_seq(gseq[evil.k])); break;
            case 2: s_put_u64(evil.msg + 8, s_seq(channel)); s_put_u64(evil.msg + 16, s_seq(gseq[evil.k])); break;
            default: evil.len = (size_t)(s_rand() % (evil.len + 1)); break;
            }
            s_feed(sub, &evil, (int)(s_rand() % 3));
        }
        if (i % 64 == 0)
            tix_sub_timers(sub);
    }
    tix_sub_stats_t st;
    tix_sub_stats(sub, &st);
    print_message("feed: %d messages, %llu delivered, %llu verified, %llu tampered, %llu unauthenticated\n",
                  i, (unsigned long long)s_truth.delivered, (unsigned long long)st.verified,
                  (unsigned long long)st.tampered, (unsigned long long)st.unauthenticated);
    assert_int_equal(s_truth.forged, 0);
    assert_int_equal(s_truth.stale_settlements, 0);
    assert_true(s_truth.delivered > 1000); /* the genuine feed gets through */
    for (int t = 0; t < MAX_TOPICS; t++) {
        const s_topic_t *tp = sub->topics[t];
        if (tp) {
            assert_true(tp->npend <= MAX_PEND);
            assert_true(tp->nheld <= HOLD_MAX);
        }
    }
    tix_chain_destroy(&chain);
    tix_sub_destroy(&sub);
}

static uint64_t s_seed(void)
{
    const char *env = getenv("TIX_FUZZ_SEED");
    return env ? strtoull(env, NULL, 10) : 0x9e3779b97f4a7c15ull;
}

static void test_fuzz_verifying(void **state)
{
    (void)state;
    s_fuzz(true, s_seed());
}

static void test_fuzz_unverified(void **state)
{
    (void)state;
    s_fuzz(false, s_seed() ^ 0x5555);
}

static int s_setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    crypto_sign_keypair(s_key.pk, s_key.sk);
    uint8_t h[32];
    crypto_generichash(h, sizeof h, s_key.pk, 32, NULL, 0);
    memcpy(s_key.key_id, h, TIX_WIRE_KEY_ID_SIZE);
    s_key.has_secret = 1;
    s_make_seeds();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_verifying),
        cmocka_unit_test(test_fuzz_unverified),
        cmocka_unit_test(test_fuzz_feed),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
