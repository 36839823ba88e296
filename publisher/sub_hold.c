/* Held quotes: with a verify key a quote is delivered only once a signed attestation's chain head proves it. */
#include "tix_sub_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOLD_MAX_DEFAULT 131072 /* quotes per topic: ~49 MB, over a second at 100 k quotes/s */

bool tix_sub_copy_room(const tix_sub_t *self, unsigned have, size_t ncopies, int line)
{
    const bool open[3] = {self->cfg.line_a != NULL, self->cfg.line_b != NULL,
                          self->cfg.recovery != NULL};
    size_t reserved = 0;
    for (int l = 0; l <= LINE_REPLAY; l++)
        if (l != line && open[l] && !(have & (1u << l)))
            reserved++;
    return ncopies + reserved < MAX_COPIES;
}

bool tix_sub_holds(const tix_sub_t *self, uint16_t template_id)
{
    return self->cfg.verify_key && template_id == TIX_WIRE_QUOTE;
}

static s_held_t *s_at(const s_topic_t *st, size_t k)
{
    return &st->held[(st->held_start + k) % st->held_cap];
}

static const uint8_t *s_copy(const s_held_t *h, int c)
{
    return c == 0 ? h->msg : h->alt[c - 1];
}

/* The seq held slot 0 has. */
static uint64_t s_first_seq(const s_topic_t *st) { return st->last - st->nheld + 1; }

/* Room for one more slot: the ring doubles up to the bound. -1 when at the bound. */
static int s_grow(tix_sub_t *self, s_topic_t *st)
{
    size_t max = self->cfg.hold_max ? self->cfg.hold_max : HOLD_MAX_DEFAULT;
    if (st->nheld < st->held_cap)
        return 0;
    if (st->held_cap >= max)
        return -1;
    size_t cap = st->held_cap ? st->held_cap * 2 : 64;
    if (cap > max)
        cap = max;
    s_held_t *n = malloc(cap * sizeof *n);
    if (!n)
        return -1;
    for (size_t k = 0; k < st->nheld; k++)
        n[k] = *s_at(st, k);
    free(st->held);
    st->held = n;
    st->held_start = 0;
    st->held_cap = cap;
    return 0;
}

/* Removes the first n slots. */
static void s_pop(s_topic_t *st, size_t n)
{
    for (size_t k = 0; k < n; k++)
        free(s_at(st, k)->alt);
    st->held_start = st->nheld == n ? 0 : (st->held_start + n) % st->held_cap;
    st->nheld -= n;
    if (st->nheld == 0)
        st->head0_ok = true;
}

/* head0 of slot k: the chain through copy 0 of every slot up to k. */
static void s_head0(tix_sub_t *self, int id, size_t k)
{
    s_topic_t *st = self->topics[id];
    const char *name = tix_chain_name(self->chain, id);
    const uint8_t *prev = k ? s_at(st, k - 1)->head0 : tix_chain_head(self->chain, id);
    s_held_t *h = s_at(st, k);
    if (tix_chain_hash(prev, name, strlen(name), h->msg, TIX_WIRE_QUOTE_SIZE, h->head0) != 0)
        st->head0_ok = false; /* cannot happen with fixed sizes; resolve recomputes */
}

static void s_rehash(tix_sub_t *self, int id)
{
    s_topic_t *st = self->topics[id];
    st->head0_ok = st->anchored;
    for (size_t k = 0; st->head0_ok && k < st->nheld; k++)
        s_head0(self, id, k);
}

void tix_sub_hold(tix_sub_t *self, int id, const uint8_t *msg, size_t len, int line)
{
    s_topic_t *st = self->topics[id];
    const tix_wire_header_t *h = &self->m.h;
    if (len != TIX_WIRE_QUOTE_SIZE || s_grow(self, st) != 0) {
        char why[128];
        snprintf(why, sizeof why, "more than %zu quotes held awaiting a signed attestation",
                 st->held_cap);
        self->stats.unauthenticated++; /* this one too: the chain no longer reaches it */
        /* Not st->last = this seq: whoever filled the ring (anyone on an open line can send
         * quotes in order) would have us take every genuine quote up to there for an old
         * duplicate. Resume from the next signed attestation's state instead. */
        tix_sub_resync(self, id, why);
        return;
    }
    s_held_t *slot = s_at(st, st->nheld);
    memcpy(slot->msg, msg, len);
    slot->alt = NULL;
    slot->line[0] = (uint8_t)line;
    slot->ncopies = 1;
    slot->channel = h->channel_seq;
    st->nheld++;
    st->last = h->topic_seq;
    st->last_channel = h->channel_seq;
    if (st->head0_ok && st->anchored)
        s_head0(self, id, st->nheld - 1);
    else
        st->head0_ok = false;
}

void tix_sub_hold_copy(tix_sub_t *self, s_topic_t *st, uint64_t seq, const uint8_t *msg, int line)
{
    s_held_t *h = s_at(st, (size_t)(seq - s_first_seq(st)));
    for (int c = 0; c < h->ncopies; c++)
        if (memcmp(s_copy(h, c), msg, TIX_WIRE_QUOTE_SIZE) == 0) {
            self->stats.duplicates++;
            return;
        }
    /* Different bytes, neither proven yet: keep both, the attestation decides. */
    unsigned have = 0;
    for (int c = 0; c < h->ncopies; c++)
        have |= 1u << h->line[c];
    if (!tix_sub_copy_room(self, have, h->ncopies, line) ||
        (!h->alt && !(h->alt = malloc((MAX_COPIES - 1) * sizeof *h->alt)))) {
        self->stats.duplicates++;
        return;
    }
    memcpy(h->alt[h->ncopies - 1], msg, TIX_WIRE_QUOTE_SIZE);
    h->line[h->ncopies++] = (uint8_t)line;
}

/* The copy of slot h a path takes: pref < 0 the first one, else the first from line pref. */
static int s_pick(const s_held_t *h, int pref)
{
    for (int c = 0; pref >= 0 && c < h->ncopies; c++)
        if (h->line[c] == pref)
            return c;
    return 0;
}

/* The chain head after the first n slots along path `pref`. */
static int s_path_head(tix_sub_t *self, int id, size_t n, int pref, uint8_t out[TIX_WIRE_HASH_SIZE])
{
    const s_topic_t *st = self->topics[id];
    const char *name = tix_chain_name(self->chain, id);
    memcpy(out, tix_chain_head(self->chain, id), TIX_WIRE_HASH_SIZE);
    for (size_t k = 0; k < n; k++) {
        const s_held_t *h = s_at(st, k);
        if (tix_chain_hash(out, name, strlen(name), s_copy(h, s_pick(h, pref)), TIX_WIRE_QUOTE_SIZE, out))
            return -1;
    }
    return 0;
}

/* The path (-1: first copies; 0, 1, 2: line A, B, replay preferred) whose head after n slots
 * is `head`, or -2 when none is. */
static int s_find_path(tix_sub_t *self, int id, size_t n, const uint8_t *head)
{
    const s_topic_t *st = self->topics[id];
    uint8_t h[TIX_WIRE_HASH_SIZE];
    if (st->head0_ok ? memcmp(s_at(st, n - 1)->head0, head, TIX_WIRE_HASH_SIZE) == 0
                     : s_path_head(self, id, n, -1, h) == 0 && memcmp(h, head, sizeof h) == 0)
        return -1;
    bool copies = false;
    for (size_t k = 0; k < n && !copies; k++)
        copies = s_at(st, k)->ncopies > 1;
    for (int pref = 0; copies && pref <= LINE_REPLAY; pref++)
        if (s_path_head(self, id, n, pref, h) == 0 && memcmp(h, head, sizeof h) == 0)
            return pref;
    return -2;
}

/* Delivers the first n slots along the proven path; the copies it did not take are forged. */
static void s_release(tix_sub_t *self, int id, size_t n, int pref)
{
    s_topic_t *st = self->topics[id];
    const char *topic = tix_chain_name(self->chain, id);
    uint64_t seq = s_first_seq(st), forged[3] = {0};
    char err[160];
    bool head0 = pref == -1 && st->head0_ok; /* the heads are computed already */
    for (size_t k = 0; k < n; k++, seq++) {
        const s_held_t *h = s_at(st, k);
        int c = s_pick(h, pref);
        for (int o = 0; o < h->ncopies; o++)
            if (o != c)
                forged[h->line[o] <= LINE_REPLAY ? h->line[o] : 0]++;
        const uint8_t *msg = s_copy(h, c);
        if (head0)
            tix_chain_set(self->chain, id, seq, h->head0);
        if ((!head0 && tix_chain_advance(self->chain, id, seq, msg, TIX_WIRE_QUOTE_SIZE) != 0) ||
            tix_wire_decode(msg, TIX_WIRE_QUOTE_SIZE, &self->qm, err, sizeof err) != 0)
            continue; /* both were done once before on these bytes */
        tix_sub_remember(st, seq, msg, TIX_WIRE_QUOTE_SIZE);
        if (self->cfg.on_msg) {
            self->cfg.on_msg(self->cfg.arg, topic, &self->qm, 0);
            self->stats.delivered++;
        }
    }
    for (int l = 0; l <= LINE_REPLAY; l++)
        if (forged[l]) {
            self->stats.tampered++;
            tix_sub_event_limited(self, TIX_SUB_EV_TAMPERED, topic,
                                  "line %c: %" PRIu64 " quote(s) up to seq %" PRIu64 " differ from "
                                  "the copies the signed attestation proves: dropped",
                                  tix_sub_line_name(l), forged[l], seq - 1);
        }
    s_pop(st, n);
}

void tix_sub_hold_resolve(tix_sub_t *self, int id, uint64_t seq, const uint8_t *head)
{
    s_topic_t *st = self->topics[id];
    const char *topic = tix_chain_name(self->chain, id);
    if (seq < s_first_seq(st)) {
        tix_sub_check_head(self, id, seq, head); /* about quotes delivered already */
        return;
    }
    if (seq > st->last)
        return;
    size_t n = (size_t)(seq - s_first_seq(st) + 1);
    int path = st->anchored ? s_find_path(self, id, n, head) : -2;
    if (path >= -1) {
        s_release(self, id, n, path);
        self->stats.verified++;
    } else {
        uint64_t from = s_first_seq(st);
        self->stats.unauthenticated += n;
        if (st->anchored)
            self->stats.tampered++;
        tix_sub_event_limited(self, st->anchored ? TIX_SUB_EV_TAMPERED : TIX_SUB_EV_UNRECOVERABLE, topic,
                              "seq %" PRIu64 "..%" PRIu64 ": %zu quote(s) dropped, never delivered: %s",
                              from, seq, n,
                              st->anchored ? "no copy received on any line hashes to the signed "
                                             "attestation's chain head"
                                           : "the chain broke before them (lost messages)");
        s_pop(st, n);
    }
    tix_chain_set(self->chain, id, seq, head); /* the signed state: what follows chains from it */
    st->anchored = true;
    if (path != -1)
        s_rehash(self, id);
}

void tix_sub_hold_drop(tix_sub_t *self, int id, const char *why)
{
    s_topic_t *st = self->topics[id];
    if (!st->nheld)
        return;
    uint64_t from = s_first_seq(st);
    size_t n = st->nheld;
    self->stats.unauthenticated += n;
    tix_sub_event_limited(self, TIX_SUB_EV_UNRECOVERABLE, tix_chain_name(self->chain, id),
                          "seq %" PRIu64 "..%" PRIu64 ": %zu held quote(s) dropped, never "
                          "delivered: %s", from, st->last, n, why);
    s_pop(st, n);
    st->anchored = false; /* the chain needs them: re-anchor at the next signed attestation */
}

void tix_sub_hold_free(s_topic_t *st)
{
    if (st->held)
        s_pop(st, st->nheld);
    free(st->held);
    st->held = NULL;
}
