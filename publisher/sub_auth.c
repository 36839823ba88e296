/* Subscriber authentication: signatures checked before any state, duplicates judged by digest, attestations against the chains. */
#include "tix_sub_internal.h"

#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

s_topic_t *tix_sub_topic_find(tix_sub_t *self, const char *topic, int *id_out)
{
    int id = tix_chain_find(self->chain, topic, strlen(topic));
    if (id < 0 || id >= MAX_TOPICS || !self->topics[id])
        return NULL;
    *id_out = id;
    return self->topics[id];
}

s_topic_t *tix_sub_topic(tix_sub_t *self, const char *topic, int *id_out)
{
    size_t tl = strlen(topic);
    int id = tix_chain_find(self->chain, topic, tl);
    if (id < 0 && tix_chain_count(self->chain) >= MAX_TOPICS) {
        /* Full: refuse the newcomer and keep every topic we have — with a verify key only
         * authenticated messages get here, so what we have is the publisher's own. */
        self->stats.refused_topics++;
        tix_sub_event_limited(self, TIX_SUB_EV_BAD_MESSAGE, topic,
                              "more than %d topics: not followed", MAX_TOPICS);
        return NULL;
    }
    if (id < 0)
        id = tix_chain_topic(self->chain, topic, tl);
    if (id < 0 || id >= MAX_TOPICS)
        return NULL;
    if (!self->topics[id] && !(self->topics[id] = calloc(1, sizeof(s_topic_t))))
        return NULL;
    self->topics[id]->head0_ok = true;
    *id_out = id;
    return self->topics[id];
}

void tix_sub_topic_free(s_topic_t *st)
{
    if (!st)
        return;
    for (size_t p = 0; p < st->npend; p++)
        free(st->pend[p].msg);
    free(st->pend);
    tix_sub_hold_free(st);
    free(st);
}

/* The topic frame must name the message's own tier: a genuine tick of one tier sent under
 * another tier's topic would otherwise take that tier's place in the sequence. */
static bool s_topic_matches(const tix_wire_msg_t *m, const char *topic)
{
    const char *prefix = NULL, *tier = NULL;
    switch (m->h.template_id) {
    case TIX_WIRE_TICK: prefix = "IDX.", tier = m->u.tick.tier; break;
    case TIX_WIRE_SETTLEMENT: prefix = "STL.", tier = m->u.settlement.tier; break;
    case TIX_WIRE_QUOTE: prefix = "QTE.", tier = m->u.quote.tier[0] ? m->u.quote.tier : "-"; break;
    case TIX_WIRE_ATTEST: return strcmp(topic, "ATT") == 0;
    default: return true;
    }
    return strncmp(topic, prefix, 4) == 0 && strcmp(topic + 4, tier) == 0;
}

static void s_hex8(const uint8_t *id, char out[17])
{
    sodium_bin2hex(out, 17, id, TIX_WIRE_KEY_ID_SIZE);
}

/* A settlement not later than the tier's last one is an old genuine one sent again. */
static bool s_fresh(tix_sub_t *self, const s_topic_t *st, const char *topic, int line)
{
    if (self->m.h.template_id != TIX_WIRE_SETTLEMENT || !st || !st->last_settlement_ts ||
        self->m.u.settlement.ts_ns > st->last_settlement_ts)
        return true;
    self->stats.tampered++;
    tix_sub_event_limited(self, TIX_SUB_EV_TAMPERED, topic,
                          "line %c: seq %" PRIu64 ": settlement of %s again (a replay of an old "
                          "signed one): refused", tix_sub_line_name(line), self->m.h.topic_seq,
                          self->m.u.settlement.date);
    return false;
}

bool tix_sub_authentic(tix_sub_t *self, const s_topic_t *st, const char *topic, const uint8_t *msg,
                       size_t len, int line)
{
    const tix_wire_header_t *h = &self->m.h;
    if (!s_topic_matches(&self->m, topic)) {
        self->stats.bad_messages++;
        tix_sub_event_limited(self, TIX_SUB_EV_BAD_MESSAGE, topic,
                              "line %c: seq %" PRIu64 ": topic frame does not name the message's "
                              "own tier: refused", tix_sub_line_name(line), h->topic_seq);
        return false;
    }
    const tix_wire_signed_t *r = tix_wire_signed(h->template_id);
    if (!self->cfg.verify_key || !r)
        return s_fresh(self, st, topic, line); /* quotes: proven later, by the chain */
    const uint8_t *kid = msg + TIX_WIRE_HEADER_SIZE + r->key_id_offset;
    size_t n = tix_wire_signed_bytes(msg, len, self->signbuf, sizeof self->signbuf);
    bool key_ok = memcmp(kid, self->key.key_id, TIX_WIRE_KEY_ID_SIZE) == 0;
    if (key_ok && n > 0 && tix_verify(&self->key, self->signbuf, n, msg + len - TIX_WIRE_SIG_SIZE) == 0)
        return s_fresh(self, st, topic, line);
    self->stats.bad_signatures++;
    if (!key_ok) {
        char got[17], want[17];
        s_hex8(kid, got);
        s_hex8(self->key.key_id, want);
        tix_sub_event_limited(self, TIX_SUB_EV_BAD_SIGNATURE, topic,
                              "line %c: seq %" PRIu64 ": signed by key id %s, not the configured key "
                              "%s: refused", tix_sub_line_name(line), h->topic_seq, got, want);
        return false;
    }
    self->stats.tampered++;
    tix_sub_event_limited(self, TIX_SUB_EV_TAMPERED, topic,
                          "line %c: seq %" PRIu64 ": Ed25519 signature does not verify with the "
                          "configured key: refused, never delivered", tix_sub_line_name(line),
                          h->topic_seq);
    return false;
}

static void s_digest(const uint8_t *msg, size_t len, uint8_t out[DIGEST_SIZE])
{
    (void)crypto_generichash(out, DIGEST_SIZE, msg, len, NULL, 0); /* fixed sizes: cannot fail */
}

void tix_sub_remember(s_topic_t *st, uint64_t seq, const uint8_t *msg, size_t len)
{
    size_t slot = (size_t)(seq % DIGESTS);
    st->dig_seq[slot] = seq;
    s_digest(msg, len, st->dig[slot]);
}

void tix_sub_duplicate(tix_sub_t *self, s_topic_t *st, const char *topic, uint64_t seq,
                       const uint8_t *msg, size_t len, int line)
{
    size_t slot = (size_t)(seq % DIGESTS);
    uint8_t d[DIGEST_SIZE];
    if (st->dig_seq[slot] == seq) {
        s_digest(msg, len, d);
        if (memcmp(d, st->dig[slot], DIGEST_SIZE) != 0) {
            /* The publisher never sends two messages with one seq: this copy is not its. */
            self->stats.tampered++;
            tix_sub_event_limited(self, TIX_SUB_EV_TAMPERED, topic,
                                  "line %c: seq %" PRIu64 " differs from the copy already delivered: "
                                  "dropped", tix_sub_line_name(line), seq);
            return;
        }
    }
    self->stats.duplicates++;
}

void tix_sub_check_head(tix_sub_t *self, int id, uint64_t seq, const uint8_t *head)
{
    s_topic_t *st = self->topics[id];
    const char *topic = tix_chain_name(self->chain, id);
    if (!st->anchored) {
        if (st->last == seq) { /* late join without snapshot: adopt the signed head */
            tix_chain_set(self->chain, id, seq, head);
            st->anchored = true;
        }
        return;
    }
    const uint8_t *ours = st->last == seq ? tix_chain_head(self->chain, id)
                                          : tix_chain_head_at(self->chain, id, seq);
    if (!ours)
        return; /* too far behind us to check */
    if (memcmp(ours, head, TIX_WIRE_HASH_SIZE) == 0) {
        self->stats.verified++;
        return;
    }
    self->stats.tampered++;
    tix_sub_event(self, TIX_SUB_EV_TAMPERED, topic,
                  "messages up to seq %" PRIu64 " do not hash to the signed attestation: something "
                  "received was altered, dropped or inserted", seq);
    if (st->last == seq)
        tix_chain_set(self->chain, id, seq, head); /* re-anchor so later messages verify */
}

/* A topic we follow but had no state for, opened by a signed attestation: it starts at the
 * attested state, the chain anchored at the signed head. */
static void s_open_attested(tix_sub_t *self, int id, const tix_wire_attest_entry_t *e,
                            uint64_t att_channel)
{
    s_topic_t *st = self->topics[id];
    st->init = st->anchored = true;
    st->last = e->topic_seq;
    st->last_channel = att_channel; /* its later messages are published after the attestation */
    tix_chain_set(self->chain, id, e->topic_seq, e->head);
}

/* We are behind the attestation on this topic: the rest may still come on the other line. */
static void s_behind(tix_sub_t *self, s_topic_t *st, const tix_wire_attest_entry_t *e, bool verified,
                     uint64_t att_channel)
{
    bool fresh_gap = !st->gap_since;
    st->att_pending = true;
    st->att_verified = verified;
    st->att_seq = e->topic_seq;
    st->att_channel = att_channel;
    memcpy(st->att_head, e->head, TIX_WIRE_HASH_SIZE);
    if (fresh_gap) {
        st->gap_since = tix_sub_now();
        self->stats.gaps++;
        tix_sub_event(self, TIX_SUB_EV_GAP, e->topic,
                      "behind the attestation: have seq %" PRIu64 ", published %" PRIu64, st->last,
                      e->topic_seq);
    }
}

void tix_sub_attest(tix_sub_t *self, bool verified, uint64_t att_channel)
{
    const tix_wire_attest_t *a = &self->m.u.attest;
    if (verified) {
        self->unattested_since = 0;
        self->att_missing = false;
        self->signed_attest_ms = a->attest_ms;
    }
    /* Without a key the entries still reveal a lost tail (sequence numbers); only heads
     * need the signature to mean anything, and only a signed entry may open a topic. */
    for (uint16_t i = 0; i < a->count; i++) {
        const tix_wire_attest_entry_t *e = &a->entries[i];
        if (!tix_sub_wanted(self, e->topic))
            continue;
        int id;
        s_topic_t *st = verified ? tix_sub_topic(self, e->topic, &id)
                                 : tix_sub_topic_find(self, e->topic, &id);
        if (!st)
            continue;
        if (!st->init) {
            if (verified)
                s_open_attested(self, id, e, att_channel);
            continue;
        }
        if (st->last < e->topic_seq)
            s_behind(self, st, e, verified, att_channel);
        else if (verified && st->nheld)
            tix_sub_hold_resolve(self, id, e->topic_seq, e->head);
        else if (verified)
            tix_sub_check_head(self, id, e->topic_seq, e->head);
    }
}

int tix_sub_attest_timeout_ms(const tix_sub_t *self)
{
    if (self->cfg.attest_timeout_ms > 0)
        return self->cfg.attest_timeout_ms;
    /* The signed cadence once an attestation verified; before, the heartbeat's, which
     * anyone on an open line can forge: bounded, so a forged one cannot mute the alarm. */
    uint32_t ms = self->signed_attest_ms;
    if (!ms)
        ms = self->announced_attest_ms < 60000 ? self->announced_attest_ms : 60000;
    if (!ms)
        return 5000;
    int64_t t = 2 * (int64_t)ms + 1000; /* one lost attestation is no alarm; two are */
    return t > INT_MAX / 2 ? INT_MAX / 2 : (int)t;
}
