/* Subscriber sequencing: per-topic order, duplicates, gaps, replay, attestation and signatures. */
#include "tix_err.h"
#include "tix_sub_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static s_topic_t *s_topic(tix_sub_t *self, const char *topic, int *id_out)
{
    size_t tl = strlen(topic);
    int id = tix_chain_find(self->chain, topic, tl);
    if (id < 0 && tix_chain_count(self->chain) >= MAX_TOPICS) {
        /* Not interned: names injected on an open line must not grow memory without bound. */
        self->stats.bad_messages++;
        tix_sub_event(self, TIX_SUB_EV_BAD_MESSAGE, topic, "more than %d topics: not followed",
                      MAX_TOPICS);
        return NULL;
    }
    if (id < 0)
        id = tix_chain_topic(self->chain, topic, tl);
    if (id < 0 || id >= MAX_TOPICS)
        return NULL;
    *id_out = id;
    if (!self->topics[id])
        self->topics[id] = calloc(1, sizeof(s_topic_t));
    return self->topics[id];
}

/* Checks a settlement's own signature; false (and reported) when it fails. */
static bool s_settlement_ok(tix_sub_t *self, const char *topic, const uint8_t *msg)
{
    if (!self->cfg.verify_key)
        return true;
    const tix_wire_settlement_t *s = &self->m.u.settlement;
    uint8_t signed_bytes[128];
    size_t n = tix_wire_settlement_signed_bytes(msg, signed_bytes);
    if (memcmp(s->key_id, self->key.key_id, TIX_WIRE_KEY_ID_SIZE) != 0 ||
        tix_verify(&self->key, signed_bytes, n, s->signature) != 0) {
        self->stats.bad_signatures++;
        tix_sub_event(self, TIX_SUB_EV_BAD_SIGNATURE, topic,
                      "settlement %s %s: Ed25519 signature does not verify with the configured key",
                      s->tier, s->date);
        return false;
    }
    return true;
}

/* Compares our chain for topic `id` at `seq` with an attested head. */
static void s_check_head(tix_sub_t *self, int id, uint64_t seq, const uint8_t *head)
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

static void s_attest(tix_sub_t *self, const uint8_t *msg, size_t len, uint64_t att_channel)
{
    const tix_wire_attest_t *a = &self->m.u.attest;
    bool verified = false;
    if (self->cfg.verify_key) {
        size_t n = tix_wire_attest_signed_bytes(msg, len, self->signbuf, sizeof self->signbuf);
        verified = n > 0 && memcmp(a->key_id, self->key.key_id, TIX_WIRE_KEY_ID_SIZE) == 0 &&
                   tix_verify(&self->key, self->signbuf, n, a->signature) == 0;
    }
    if (verified) {
        self->unattested_since = 0;
        self->att_missing = false;
    }
    if (self->cfg.verify_key && !verified) {
        self->stats.bad_signatures++;
        tix_sub_event(self, TIX_SUB_EV_BAD_SIGNATURE, "ATT",
                      "attestation at channel seq %" PRIu64 " does not verify with the configured key",
                      att_channel);
        return;
    }
    /* Without a key the entries still reveal a lost tail (sequence numbers); only heads
     * need the signature to mean anything. */
    for (uint16_t i = 0; i < a->count; i++) {
        const tix_wire_attest_entry_t *e = &a->entries[i];
        int id = tix_chain_find(self->chain, e->topic, strlen(e->topic));
        if (id < 0 || id >= MAX_TOPICS || !self->topics[id] || !self->topics[id]->init)
            continue;
        s_topic_t *st = self->topics[id];
        if (st->last >= e->topic_seq) {
            if (verified)
                s_check_head(self, id, e->topic_seq, e->head);
            continue;
        }
        /* We are behind the attestation: the rest may still come on the other line. */
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
                          "behind the attestation: have seq %" PRIu64 ", published %" PRIu64,
                          st->last, e->topic_seq);
        }
    }
}

/* Delivers the decoded message in self->m (topic `id`, raw bytes `msg`). */
static void s_deliver(tix_sub_t *self, int id, const char *topic, const uint8_t *msg, size_t len,
                      unsigned flags)
{
    s_topic_t *st = self->topics[id];
    const tix_wire_header_t *h = &self->m.h;
    if (st->anchored && tix_chain_advance(self->chain, id, h->topic_seq, msg, len)) {
        /* Cannot happen with libsodium's fixed sizes; if it did, the chain lacks this
         * message: say so and re-anchor at the next signed attestation, as after a loss. */
        st->anchored = false;
        self->stats.bad_messages++;
        tix_sub_event(self, TIX_SUB_EV_BAD_MESSAGE, topic, "%s", tix_err());
    }
    st->last = h->topic_seq;
    st->last_channel = h->channel_seq;
    if (flags & TIX_SUB_RECOVERED)
        self->stats.recovered++;
    bool ok = true;
    if (h->template_id != TIX_WIRE_ATTEST && !self->unattested_since)
        self->unattested_since = tix_sub_now();
    if (h->template_id == TIX_WIRE_SETTLEMENT)
        ok = s_settlement_ok(self, topic, msg);
    else if (h->template_id == TIX_WIRE_ATTEST)
        s_attest(self, msg, len, h->channel_seq);
    if (ok && self->cfg.on_msg) {
        self->cfg.on_msg(self->cfg.arg, topic, &self->m, flags);
        self->stats.delivered++;
    }
    if (st->att_pending && st->last >= st->att_seq) {
        st->att_pending = false;
        if (st->att_verified)
            s_check_head(self, id, st->att_seq, st->att_head);
    }
}

static int s_decode(tix_sub_t *self, const char *topic, const uint8_t *msg, size_t len)
{
    char err[160];
    if (tix_wire_decode(msg, len, &self->m, err, sizeof err) == 0)
        return 0;
    self->stats.bad_messages++;
    tix_sub_event(self, TIX_SUB_EV_BAD_MESSAGE, topic, "%s", err);
    return -1;
}

/* Delivers buffered messages that are now in order; drops those we already have. */
static void s_drain(tix_sub_t *self, int id, const char *topic)
{
    s_topic_t *st = self->topics[id];
    size_t k = 0;
    while (k < st->npend && st->pend[k].seq <= st->last + 1) {
        s_pend_t *p = &st->pend[k++];
        if (p->seq == st->last + 1 && s_decode(self, topic, p->msg, p->len) == 0)
            s_deliver(self, id, topic, p->msg, p->len, 0);
        else
            self->stats.duplicates++;
        free(p->msg);
    }
    if (k > 0) {
        memmove(st->pend, st->pend + k, (st->npend - k) * sizeof *st->pend);
        st->npend -= k;
    }
    if (st->npend == 0 && !st->att_pending)
        st->gap_since = 0;
}

/* Keeps an out-of-order message until the gap before it is filled. */
static void s_buffer(tix_sub_t *self, s_topic_t *st, const char *topic, const uint8_t *msg, size_t len)
{
    const tix_wire_header_t *h = &self->m.h;
    size_t i = 0;
    while (i < st->npend && st->pend[i].seq < h->topic_seq)
        i++;
    if (i < st->npend && st->pend[i].seq == h->topic_seq) {
        self->stats.duplicates++;
        return;
    }
    if (!st->gap_since) {
        st->gap_since = tix_sub_now();
        self->stats.gaps++;
        tix_sub_event(self, TIX_SUB_EV_GAP, topic, "expected seq %" PRIu64 ", got %" PRIu64,
                      st->last + 1, h->topic_seq);
    }
    if (st->npend == MAX_PEND)
        return; /* recovery is forced by the timer; the replay brings this one back */
    s_pend_t *np = realloc(st->pend, (st->npend + 1) * sizeof *np);
    uint8_t *copy = malloc(len);
    if (!np || !copy) {
        free(copy);
        if (np)
            st->pend = np;
        return;
    }
    st->pend = np;
    memcpy(copy, msg, len);
    memmove(st->pend + i + 1, st->pend + i, (st->npend - i) * sizeof *st->pend);
    st->pend[i] = (s_pend_t){h->topic_seq, h->channel_seq, copy, len};
    st->npend++;
}

void tix_sub_process(tix_sub_t *self, const char *topic, const uint8_t *msg, size_t len, int line,
                     unsigned flags)
{
    if (line >= 0) {
        self->stats.received++;
        self->stats.line_received[line]++;
        self->line_last_ns[line] = tix_sub_now();
        if (self->line_down[line]) {
            self->line_down[line] = false;
            tix_sub_event(self, TIX_SUB_EV_LINE_UP, "", "line %c is receiving again", 'A' + line);
        }
    }
    if (!tix_sub_wanted(self, topic) || s_decode(self, topic, msg, len))
        return;
    if (self->m.h.template_id == TIX_WIRE_HEARTBEAT) {
        self->stats.heartbeats++;
        return;
    }
    int id;
    s_topic_t *st = s_topic(self, topic, &id);
    if (!st)
        return;
    if (!st->init) {
        /* First sight of a topic: after a snapshot it started at 0 (it was not in it);
         * without one we start here and anchor the chain at the next attestation. */
        st->init = true;
        st->anchored = self->snapshot_done;
        st->last = self->snapshot_done ? 0 : self->m.h.topic_seq - 1;
        st->last_channel = self->snapshot_done ? self->snapshot_seq : self->m.h.channel_seq - 1;
    }
    uint64_t seq = self->m.h.topic_seq;
    if (seq <= st->last) {
        self->stats.duplicates++;
        return;
    }
    if (seq == st->last + 1) {
        s_deliver(self, id, topic, msg, len, flags);
        s_drain(self, id, topic);
        return;
    }
    s_buffer(self, st, topic, msg, len);
}

/* Gives up on what is missing before the next buffered message (or the attested seq). */
static void s_skip(tix_sub_t *self, int id, const char *topic, const char *why)
{
    s_topic_t *st = self->topics[id];
    uint64_t upto = st->npend ? st->pend[0].seq - 1 : st->att_seq;
    if (upto <= st->last)
        return;
    uint64_t missing = upto - st->last;
    self->stats.unrecoverable += missing;
    tix_sub_event(self, TIX_SUB_EV_UNRECOVERABLE, topic,
                  "seq %" PRIu64 "..%" PRIu64 " lost: %s", st->last + 1, upto, why);
    if (!st->npend && st->att_pending) { /* resume from the attested state */
        if (st->att_verified) /* only a signed head can anchor the chain */
            tix_chain_set(self->chain, id, st->att_seq, st->att_head);
        st->anchored = st->att_verified;
        st->last_channel = st->att_channel;
        st->att_pending = false;
    } else {
        st->anchored = false; /* the chain needs the lost messages; re-anchor at the next ATT */
        st->last_channel = st->pend[0].channel - 1;
    }
    st->last = upto;
}

/* Reads one REPLAY reply: status frame, then topic/message pairs fed through sequencing. */
static int s_read_replay(tix_sub_t *self, char *status, size_t cap)
{
    zmq_pollitem_t it = {self->dealer, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, self->cfg.recovery_timeout_ms) <= 0) {
        snprintf(status, cap, "recovery service did not answer within %d ms",
                 self->cfg.recovery_timeout_ms);
        tix_sub_open_dealer(self); /* drop the late reply with the old socket */
        return -1;
    }
    zmq_msg_t f, body;
    zmq_msg_init(&f);
    zmq_msg_init(&body);
    int frame = 0, more = 1, rc = 0;
    char topic[TIX_WIRE_TOPIC_MAX];
    while (more && zmq_msg_recv(&f, self->dealer, 0) >= 0) {
        more = zmq_msg_more(&f);
        size_t n = zmq_msg_size(&f);
        if (frame == 1) {
            snprintf(status, cap, "%.*s", (int)n, (const char *)zmq_msg_data(&f));
            rc = strncmp(status, "OK", 2) == 0 ? 0 : -1;
        } else if (frame >= 2 && frame % 2 == 0) {
            snprintf(topic, sizeof topic, "%.*s", (int)(n < sizeof topic ? n : sizeof topic - 1),
                     (const char *)zmq_msg_data(&f));
        } else if (frame >= 3) {
            tix_sub_process(self, topic, zmq_msg_data(&f), n, -1, TIX_SUB_RECOVERED);
        }
        frame++;
    }
    zmq_msg_close(&f);
    zmq_msg_close(&body);
    return rc;
}

/* Asks for channel seqs from..to of one topic; the reply goes through sequencing. */
static int s_replay(tix_sub_t *self, const char *topic, uint64_t from, uint64_t to, char *status,
                    size_t cap)
{
    char req[160];
    snprintf(req, sizeof req, "REPLAY %" PRIu64 " %" PRIu64 " %s", from, to, topic);
    if (zmq_send(self->dealer, "", 0, ZMQ_SNDMORE) < 0 || zmq_send(self->dealer, req, strlen(req), 0) < 0) {
        snprintf(status, cap, "cannot send to the recovery service: %s", zmq_strerror(errno));
        return -1;
    }
    return s_read_replay(self, status, cap);
}

#define REPLAY_CHUNK 100000 /* the service's limit per request */

static bool s_filled(const s_topic_t *st)
{
    return (!st->npend || st->pend[0].seq == st->last + 1) && (!st->att_pending || st->last >= st->att_seq);
}

/* The channel sequence the replay must reach: through the first buffered message (inclusive,
 * so the publisher's own copy of it comes back) or up to the attestation. */
static uint64_t s_replay_end(const s_topic_t *st)
{
    return st->npend ? st->pend[0].channel : st->att_channel - 1;
}

/* The publisher's replay covered the first buffered message's place and did not contain it:
 * it was never published (forged on an open line, or corrupted). Drop it, loudly. */
static void s_drop_unpublished(tix_sub_t *self, int id, const char *topic)
{
    s_topic_t *st = self->topics[id];
    self->stats.tampered++;
    tix_sub_event(self, TIX_SUB_EV_TAMPERED, topic,
                  "seq %" PRIu64 " at channel seq %" PRIu64 " was never published (not in the "
                  "publisher's replay): dropped", st->pend[0].seq, st->pend[0].channel);
    free(st->pend[0].msg);
    memmove(st->pend, st->pend + 1, (st->npend - 1) * sizeof *st->pend);
    st->npend--;
}

static void s_recover(tix_sub_t *self, int id)
{
    s_topic_t *st = self->topics[id];
    const char *topic = tix_chain_name(self->chain, id);
    if (!self->dealer) {
        s_skip(self, id, topic, "no recovery service configured");
        s_drain(self, id, topic);
        return;
    }
    uint64_t before = st->last;
    char status[512] = "", too_old[512] = "";
    bool covered = false, beyond = false;
    /* Large gaps take several requests, and every later gap buffered behind the first takes
     * one more (each lies behind at least one buffered message): 64 rounds, plus one a
     * buffered message, bound the work without giving up on what the replay still holds. */
    const size_t max_rounds = 64 + st->npend;
    for (size_t round = 0; round < max_rounds && !s_filled(st); round++) {
        uint64_t from = st->last_channel + 1, end = s_replay_end(st);
        uint64_t to = end < from ? from : end;
        if (to - from >= REPLAY_CHUNK)
            to = from + REPLAY_CHUNK - 1;
        uint64_t last_before = st->last;
        /* What this round aims at: the first buffered message, else the attested seq. */
        bool at_pend = st->npend > 0;
        uint64_t pend_seq = at_pend ? st->pend[0].seq : 0;
        if (s_replay(self, topic, from, to, status, sizeof status) != 0) {
            beyond = strstr(status, "beyond the last published") != NULL;
            /* The ring starts after `from`, but on a quiet topic the lost messages may be far
             * later than our last one: ask again from the ring's first message (again if the
             * ring moved on meanwhile; the rounds are bounded). What is still missing after
             * that is older than the ring (reported as TOO_OLD). */
            uint64_t first;
            if (sscanf(status, "TOO_OLD %" SCNu64, &first) == 1 && first > from) {
                snprintf(too_old, sizeof too_old, "%s", status);
                st->last_channel = first - 1;
                continue;
            }
            break;
        }
        s_drain(self, id, topic);
        if (to >= end) {
            /* The whole range came back. Still short of the same target: what it lacks is
             * not in the replay. Past it but not filled: the lines lost messages again after
             * it (a later gap, buffered behind), which the next round asks for. */
            covered = s_filled(st) || (at_pend ? st->npend > 0 && st->pend[0].seq == pend_seq
                                               : st->npend == 0);
            if (covered)
                break;
            continue;
        }
        if (st->last == last_before)
            st->last_channel = to; /* nothing of ours in this chunk: look further on */
    }
    bool filled = s_filled(st);
    /* Unfilled after a TOO_OLD: the replay from the ring's start held the buffered message
     * but not the lost ones before it, so they are older than the ring, not forged. */
    if (!filled && st->npend && (covered || beyond) && !too_old[0]) {
        s_drop_unpublished(self, id, topic);
        s_drain(self, id, topic);
        filled = s_filled(st);
    } else if (!filled) {
        s_skip(self, id, topic, too_old[0]                              ? too_old
                                : status[0] && strncmp(status, "OK", 2) ? status
                                                                        : "not in the replay");
        s_drain(self, id, topic);
    }
    if (filled && st->last > before)
        tix_sub_event(self, TIX_SUB_EV_RECOVERED, topic, "seq %" PRIu64 "..%" PRIu64 " replayed",
                      before + 1, st->last);
    st->gap_since = st->npend || st->att_pending ? tix_sub_now() : 0;
}

void tix_sub_timers(tix_sub_t *self)
{
    int64_t now = tix_sub_now();
    int64_t wait = (int64_t)self->cfg.gap_wait_ms * 1000000;
    int ntopics = (int)tix_chain_count(self->chain);
    for (int id = 0; id < ntopics && id < MAX_TOPICS; id++) {
        s_topic_t *st = self->topics[id];
        if (st && st->gap_since && (now - st->gap_since >= wait || st->npend >= MAX_PEND))
            s_recover(self, id);
    }
    /* A feed stripped of its attestations (or a publisher without a key) must not pass for a
     * verified one: say so once per unattested stretch. */
    if (self->cfg.verify_key && self->unattested_since && !self->att_missing &&
        now - self->unattested_since >= (int64_t)self->cfg.attest_timeout_ms * 1000000) {
        self->att_missing = true;
        self->stats.attest_missing++;
        tix_sub_event(self, TIX_SUB_EV_NO_ATTESTATION, "ATT",
                      "no attestation verified for %d ms while data arrived: nothing received since "
                      "can be proven unaltered", self->cfg.attest_timeout_ms);
    }
    int64_t down = 3 * (int64_t)self->cfg.heartbeat_ms * 1000000;
    for (int i = 0; i < 2; i++)
        if (self->line[i] && !self->line_down[i] && now - self->line_last_ns[i] > down) {
            self->line_down[i] = true;
            tix_sub_event(self, TIX_SUB_EV_LINE_DOWN, "", "nothing on line %c for %d ms", 'A' + i,
                          3 * self->cfg.heartbeat_ms);
        }
}

void tix_sub_deliver_snapshot(tix_sub_t *self, const char *topic, const uint8_t *msg, size_t len)
{
    if (!tix_sub_wanted(self, topic) || s_decode(self, topic, msg, len))
        return;
    int id;
    s_topic_t *st = s_topic(self, topic, &id);
    if (!st)
        return;
    /* The chain state frame that follows sets `last` and the head; deliver the value now. */
    st->init = true;
    bool ok = self->m.h.template_id != TIX_WIRE_SETTLEMENT || s_settlement_ok(self, topic, msg);
    if (ok && self->cfg.on_msg) {
        self->cfg.on_msg(self->cfg.arg, topic, &self->m, TIX_SUB_SNAPSHOT);
        self->stats.delivered++;
    }
}
