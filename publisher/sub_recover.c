/* Subscriber gap recovery: REPLAY requests to the publisher's recovery service, and giving up loudly. */
#include "tix_sub_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

void tix_sub_resync(tix_sub_t *self, int id, const char *why)
{
    s_topic_t *st = self->topics[id];
    tix_sub_hold_drop(self, id, why);
    /* Not init: quotes are refused until a verified attestation's entry opens the topic
     * again at the publisher's own state (s_open_attested), exactly as at first sight. */
    st->init = st->anchored = false;
    st->att_pending = false;
    st->gap_since = 0;
}

void tix_sub_drop_pending(tix_sub_t *self, int id, size_t from, const char *why)
{
    s_topic_t *st = self->topics[id];
    if (from >= st->npend)
        return;
    size_t n = st->npend - from;
    self->stats.unauthenticated += n;
    tix_sub_event_limited(self, TIX_SUB_EV_UNRECOVERABLE, tix_chain_name(self->chain, id),
                          "%zu buffered quote(s) dropped, never delivered: %s; following again "
                          "from the next signed attestation", n, why);
    for (size_t p = from; p < st->npend; p++)
        free(st->pend[p].msg);
    st->npend = from;
}

/* Gives up on what is missing before the next buffered message (or the attested seq). */
void tix_sub_skip(tix_sub_t *self, int id, const char *topic, const char *why)
{
    s_topic_t *st = self->topics[id];
    /* With a verify key a buffered quote is unauthenticated, and so is its topic_seq: jumping
     * to it would let one forged quote numbered far ahead make every genuine one after the
     * gap look like an old duplicate. The chain is broken here anyway, so nothing held or
     * buffered could be proven: start over from the next signed attestation instead. */
    if (st->npend && tix_sub_holds(self, tix_wire_get_u16(st->pend[0].msg + 2))) {
        tix_sub_resync(self, id, why);
        tix_sub_drop_pending(self, id, 0, why);
        return;
    }
    if (st->nheld) /* held quotes cannot be proven across the loss */
        tix_sub_hold_drop(self, id, why);
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
            tix_sub_process(self, topic, zmq_msg_data(&f), n, LINE_REPLAY, TIX_SUB_RECOVERED);
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
    /* each forged message ahead of the flow brings one: limited, as an outsider repeats it */
    tix_sub_event_limited(self, TIX_SUB_EV_TAMPERED, topic,
                          "line %c: seq %" PRIu64 " at channel seq %" PRIu64 " was never published "
                          "(not in the publisher's replay): dropped",
                          tix_sub_line_name(st->pend[0].line), st->pend[0].seq, st->pend[0].channel);
    free(st->pend[0].msg);
    memmove(st->pend, st->pend + 1, (st->npend - 1) * sizeof *st->pend);
    st->npend--;
}

void tix_sub_recover(tix_sub_t *self, int id)
{
    s_topic_t *st = self->topics[id];
    const char *topic = tix_chain_name(self->chain, id);
    if (!self->dealer) {
        tix_sub_skip(self, id, topic, "no recovery service configured");
        tix_sub_drain(self, id, topic);
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
        tix_sub_drain(self, id, topic);
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
        tix_sub_drain(self, id, topic);
        filled = s_filled(st);
    } else if (!filled) {
        tix_sub_skip(self, id, topic, too_old[0]                              ? too_old
                                : status[0] && strncmp(status, "OK", 2) ? status
                                                                        : "not in the replay");
        tix_sub_drain(self, id, topic);
    }
    if (filled && st->last > before)
        tix_sub_event(self, TIX_SUB_EV_RECOVERED, topic, "seq %" PRIu64 "..%" PRIu64 " replayed",
                      before + 1, st->last);
    st->gap_since = st->npend || st->att_pending ? tix_sub_now() : 0;
}

