/* Subscriber sequencing: per-topic order, duplicates, gaps, the timers, snapshot delivery. */
#include "tix_err.h"
#include "tix_sub_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An attestation we were behind is checked once the topic reaches its sequence number. */
static void s_att_due(tix_sub_t *self, int id)
{
    s_topic_t *st = self->topics[id];
    if (!st->att_pending || st->last < st->att_seq)
        return;
    st->att_pending = false;
    if (!st->att_verified)
        return;
    if (st->nheld)
        tix_sub_hold_resolve(self, id, st->att_seq, st->att_head);
    else
        tix_sub_check_head(self, id, st->att_seq, st->att_head);
}

/* Delivers the decoded message in self->m (topic `id`, raw bytes `msg`), or holds it when it
 * is a quote that only a later attestation can prove. */
static void s_deliver(tix_sub_t *self, int id, const char *topic, const uint8_t *msg, size_t len,
                      unsigned flags, int line)
{
    s_topic_t *st = self->topics[id];
    const tix_wire_header_t *h = &self->m.h;
    if (flags & TIX_SUB_RECOVERED)
        self->stats.recovered++;
    if (tix_sub_holds(self, h->template_id)) {
        tix_sub_hold(self, id, msg, len, line);
        s_att_due(self, id);
        return;
    }
    if (st->init && h->topic_seq <= st->last) {
        /* A newer signed settlement at a seq we passed (s_newer_settlement): an old one was
         * resent ahead of it. Keep our place (going back would take the genuine copies of
         * what we have for replays); the chain lacks this one now: re-anchor at the next
         * signed attestation, as after a loss. */
        st->anchored = false;
    } else {
        if (st->anchored && tix_chain_advance(self->chain, id, h->topic_seq, msg, len)) {
            /* Cannot happen with libsodium's fixed sizes; if it did, the chain lacks this
             * message: say so and re-anchor at the next signed attestation, as after a loss. */
            st->anchored = false;
            self->stats.bad_messages++;
            tix_sub_event(self, TIX_SUB_EV_BAD_MESSAGE, topic, "%s", tix_err());
        }
        st->last = h->topic_seq;
        st->last_channel = h->channel_seq;
    }
    tix_sub_remember(st, h->topic_seq, msg, len);
    if (h->template_id == TIX_WIRE_SETTLEMENT)
        st->last_settlement_ts = self->m.u.settlement.ts_ns;
    if (self->cfg.on_msg) {
        self->cfg.on_msg(self->cfg.arg, topic, &self->m, flags);
        self->stats.delivered++;
    }
    /* After the callback: the attestation's entries may deliver held quotes (into their own
     * message buffer) and the callback has seen the attestation itself. */
    if (h->template_id == TIX_WIRE_ATTEST)
        tix_sub_attest(self, self->cfg.verify_key != NULL, h->channel_seq);
    s_att_due(self, id);
}

static int s_decode(tix_sub_t *self, const char *topic, const uint8_t *msg, size_t len, int line)
{
    char err[160];
    if (tix_wire_decode(msg, len, &self->m, err, sizeof err) == 0)
        return 0;
    self->stats.bad_messages++;
    if (tix_wire_version_of(msg, len) != TIX_WIRE_VERSION && tix_wire_version_of(msg, len) != 0)
        self->stats.version_errors++;
    tix_sub_event_limited(self, TIX_SUB_EV_BAD_MESSAGE, topic, "line %c: %s", tix_sub_line_name(line), err);
    return -1;
}

/* With a verify key, a settlement later than the tier's last delivered one, at a topic_seq we
 * are already past. A settlement's signature covers its body only (it verifies alone, as
 * archived), so its topic_seq is not the publisher's word: an old genuine settlement resent
 * numbered far ahead would otherwise make the next real one look like a duplicate. Its signed
 * ts_ns orders it instead (tix_sub_authentic checks the signature next); the chain then
 * disagrees with the next attestation, which reports the replay. */
static bool s_newer_settlement(const tix_sub_t *self, const s_topic_t *st)
{
    return self->cfg.verify_key && self->m.h.template_id == TIX_WIRE_SETTLEMENT &&
           st->last_settlement_ts && self->m.u.settlement.ts_ns > st->last_settlement_ts;
}

void tix_sub_drain(tix_sub_t *self, int id, const char *topic)
{
    s_topic_t *st = self->topics[id];
    size_t k = 0;
    while (k < st->npend && st->pend[k].seq <= st->last + 1) {
        if (!st->init) { /* resynchronising (tix_sub_resync): nothing buffered can be proven */
            tix_sub_drop_pending(self, id, k, "the chain broke before them");
            break;
        }
        s_pend_t *p = &st->pend[k++];
        if (s_decode(self, topic, p->msg, p->len, p->line) != 0) {
            free(p->msg);
            continue;
        }
        if (p->seq == st->last + 1 || s_newer_settlement(self, st)) {
            /* A settlement fresh when buffered may be old now: a later one was delivered
             * since, so this is an old one resent under a seq ahead of ours (its signature
             * does not cover the header). Judged again, it is refused as a replay. */
            if (self->m.h.template_id != TIX_WIRE_SETTLEMENT ||
                tix_sub_authentic(self, st, topic, p->msg, p->len, p->line))
                s_deliver(self, id, topic, p->msg, p->len, 0, p->line);
        } else if (tix_sub_holds(self, self->m.h.template_id) && p->seq > st->last - st->nheld)
            tix_sub_hold_copy(self, st, p->seq, p->msg, p->line);
        else
            tix_sub_duplicate(self, st, topic, p->seq, p->msg, p->len, p->line);
        free(p->msg);
    }
    if (k > 0) {
        memmove(st->pend, st->pend + k, (st->npend - k) * sizeof *st->pend);
        st->npend -= k;
    }
    if (st->npend == 0 && !st->att_pending)
        st->gap_since = 0;
}

/* Whether a buffered copy of the same seq makes this one redundant: for ticks always (both
 * copies verified, and their signature binds the seq), for quotes and settlements only when
 * the bytes are equal or no place is left for this line (tix_sub_copy_room) — a forged
 * quote, or an old genuine settlement resent under this seq, that came first must not push
 * the genuine one out. */
static bool s_have_copy(const tix_sub_t *self, const s_topic_t *st, size_t i, const uint8_t *msg,
                        size_t len, int line)
{
    uint64_t seq = self->m.h.topic_seq;
    size_t copies = 0;
    unsigned have = 0;
    bool by_bytes = tix_sub_holds(self, self->m.h.template_id) ||
                    self->m.h.template_id == TIX_WIRE_SETTLEMENT;
    for (; i < st->npend && st->pend[i].seq == seq; i++, copies++) {
        if (!by_bytes || (st->pend[i].len == len && memcmp(st->pend[i].msg, msg, len) == 0))
            return true;
        have |= 1u << st->pend[i].line;
    }
    /* as for held quotes: a forger on one line must not fill the other lines' places */
    return copies > 0 && !tix_sub_copy_room(self, have, copies, line);
}

/* Keeps an out-of-order message until the gap before it is filled. */
static void s_buffer(tix_sub_t *self, s_topic_t *st, const char *topic, const uint8_t *msg, size_t len,
                     int line)
{
    const tix_wire_header_t *h = &self->m.h;
    size_t i = 0;
    while (i < st->npend && st->pend[i].seq < h->topic_seq)
        i++;
    if (s_have_copy(self, st, i, msg, len, line)) {
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
    st->pend[i] = (s_pend_t){h->topic_seq, h->channel_seq, copy, len, line};
    st->npend++;
}

static void s_line_seen(tix_sub_t *self, int line)
{
    if (line != 0 && line != 1)
        return;
    self->stats.received++;
    self->stats.line_received[line]++;
    self->line_last_ns[line] = tix_sub_now();
    if (self->line_down[line]) {
        self->line_down[line] = false;
        tix_sub_event(self, TIX_SUB_EV_LINE_UP, "", "line %c is receiving again", 'A' + line);
    }
}

/* State for a topic seen for the first time. Only an authenticated message may make it when
 * we verify: quotes never do (a signed attestation opens their topic), so a flood of forged
 * topics costs nothing but the signature checks. */
static s_topic_t *s_first_sight(tix_sub_t *self, const char *topic, int *id)
{
    if (self->cfg.verify_key && tix_sub_holds(self, self->m.h.template_id)) {
        self->stats.refused_topics++;
        return NULL;
    }
    s_topic_t *st = tix_sub_topic(self, topic, id);
    if (st && !st->init) {
        /* After a snapshot the topic started at 0 (it was not in it); without one we start
         * here and anchor the chain at the next attestation. */
        st->init = true;
        st->anchored = self->snapshot_done;
        st->last = self->snapshot_done ? 0 : self->m.h.topic_seq - 1;
        st->last_channel = self->snapshot_done ? self->snapshot_seq : self->m.h.channel_seq - 1;
    }
    return st;
}

void tix_sub_process(tix_sub_t *self, const char *topic, const uint8_t *msg, size_t len, int line,
                     unsigned flags)
{
    s_line_seen(self, line);
    if (!tix_sub_wanted(self, topic)) {
        self->stats.ignored++; /* before any decoding or state */
        return;
    }
    if (s_decode(self, topic, msg, len, line))
        return;
    const tix_wire_header_t *h = &self->m.h;
    if (h->template_id == TIX_WIRE_HEARTBEAT) {
        self->stats.heartbeats++;
        self->announced_attest_ms = self->m.u.heartbeat.attest_ms;
        return;
    }
    if (h->template_id != TIX_WIRE_ATTEST && !self->unattested_since)
        self->unattested_since = tix_sub_now(); /* data is arriving, proven or not */
    int id;
    s_topic_t *st = tix_sub_topic_find(self, topic, &id);
    if (st && st->init && h->topic_seq <= st->last && !s_newer_settlement(self, st)) {
        /* judged against what we hold */
        if (tix_sub_holds(self, h->template_id) && h->topic_seq > st->last - st->nheld)
            tix_sub_hold_copy(self, st, h->topic_seq, msg, line);
        else
            tix_sub_duplicate(self, st, topic, h->topic_seq, msg, len, line);
        return;
    }
    if (!tix_sub_authentic(self, st, topic, msg, len, line))
        return;
    if ((!st || !st->init) && !(st = s_first_sight(self, topic, &id)))
        return;
    if (h->topic_seq == st->last + 1 || (st->init && h->topic_seq <= st->last)) {
        /* the second case: a newer signed settlement (s_newer_settlement), now verified */
        s_deliver(self, id, topic, msg, len, flags, line);
        tix_sub_drain(self, id, topic);
        return;
    }
    s_buffer(self, st, topic, msg, len, line);
}

static void s_watch_attestations(tix_sub_t *self, int64_t now)
{
    int timeout_ms = tix_sub_attest_timeout_ms(self);
    /* A feed stripped of its attestations (or a publisher without a key) must not pass for a
     * verified one: say so once per unattested stretch. */
    if (self->cfg.verify_key && self->unattested_since && !self->att_missing &&
        now - self->unattested_since >= (int64_t)timeout_ms * 1000000) {
        self->att_missing = true;
        self->stats.attest_missing++;
        tix_sub_event(self, TIX_SUB_EV_NO_ATTESTATION, "ATT",
                      "no attestation verified for %d ms while data arrived: nothing received since "
                      "can be proven unaltered", timeout_ms);
    }
}

void tix_sub_timers(tix_sub_t *self)
{
    int64_t now = tix_sub_now();
    int64_t wait = (int64_t)self->cfg.gap_wait_ms * 1000000;
    int ntopics = (int)tix_chain_count(self->chain);
    for (int id = 0; id < ntopics && id < MAX_TOPICS; id++) {
        s_topic_t *st = self->topics[id];
        if (st && st->gap_since && (now - st->gap_since >= wait || st->npend >= MAX_PEND))
            tix_sub_recover(self, id);
    }
    s_watch_attestations(self, now);
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
    if (!tix_sub_wanted(self, topic) || s_decode(self, topic, msg, len, LINE_REPLAY))
        return;
    int id;
    s_topic_t *st = tix_sub_topic_find(self, topic, &id);
    if (!tix_sub_authentic(self, st, topic, msg, len, LINE_REPLAY) ||
        tix_sub_holds(self, self->m.h.template_id) || !(st = tix_sub_topic(self, topic, &id)))
        return;
    /* The chain state frame that follows sets `last` and the head; deliver the value now. */
    st->init = true;
    tix_sub_remember(st, self->m.h.topic_seq, msg, len);
    if (self->m.h.template_id == TIX_WIRE_SETTLEMENT)
        st->last_settlement_ts = self->m.u.settlement.ts_ns;
    if (self->cfg.on_msg) {
        self->cfg.on_msg(self->cfg.arg, topic, &self->m, TIX_SUB_SNAPSHOT);
        self->stats.delivered++;
    }
}
