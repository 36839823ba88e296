/* Recovery clients: per-identity ledgers bounding the reply bytes the ROUTER may hold for each, and in all. */
#include "tix_err.h"
#include "tix_recovery.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tix_recovery_client_s {
    uint8_t id[255]; /* ZeroMQ routing ids are 1..255 bytes */
    size_t id_len;   /* 0: a free slot */
    uint64_t queued[TIX_RECOVERY_SNDHWM]; /* replay bytes of replies perhaps still queued, oldest first */
    int n;
    int64_t seen_ns;
};

struct tix_recovery_clients_s {
    tix_recovery_limits_t lim;
    tix_recovery_client_t *slot; /* lim.clients of them */
    uint64_t total;              /* the sum of every ledger */
};

void tix_recovery_limits_default(tix_recovery_limits_t *out)
{
    out->client_bytes = (size_t)64 << 20;
    out->total_bytes = (size_t)256 << 20;
    out->clients = 64;
    out->idle_ns = INT64_C(30000000000);
}

tix_recovery_clients_t *tix_recovery_clients_new(const tix_recovery_limits_t *lim)
{
    tix_recovery_clients_t *self = calloc(1, sizeof *self);
    if (!self || tix_recovery_clients_set_limits(self, lim)) {
        tix_recovery_clients_destroy(&self);
        TIX_SET_ERR(ENOMEM, "recovery: cannot allocate the client table");
        return NULL;
    }
    return self;
}

void tix_recovery_clients_destroy(tix_recovery_clients_t **self_p)
{
    assert(self_p);
    if (!*self_p)
        return;
    free((*self_p)->slot);
    free(*self_p);
    *self_p = NULL;
}

static uint64_t s_sum(const tix_recovery_client_t *c)
{
    uint64_t s = 0;
    for (int i = 0; i < c->n; i++)
        s += c->queued[i];
    return s;
}

int tix_recovery_clients_set_limits(tix_recovery_clients_t *self, const tix_recovery_limits_t *lim)
{
    if (lim->clients == 0 || lim->clients > 100000) {
        TIX_SET_ERR(EINVAL, "recovery: %zu clients: must be 1..100000", lim->clients);
        return -1;
    }
    tix_recovery_client_t *slot = calloc(lim->clients, sizeof *slot);
    if (!slot) {
        TIX_SET_ERR(ENOMEM, "recovery: cannot allocate %zu client slots", lim->clients);
        return -1;
    }
    /* Keep the clients that fit, so their queued bytes stay counted. */
    size_t kept = 0;
    self->total = 0;
    for (size_t i = 0; self->slot && i < self->lim.clients && kept < lim->clients; i++)
        if (self->slot[i].id_len) {
            slot[kept] = self->slot[i];
            self->total += s_sum(&slot[kept++]);
        }
    free(self->slot);
    self->slot = slot;
    self->lim = *lim;
    return 0;
}

/* Forgets the clients silent for lim.idle_ns: one that left (ZeroMQ does not say) must not
 * hold its share of the limits for ever. One still connected keeps at most SNDHWM replies in
 * the ROUTER, which refuses more while they are unread. */
static void s_expire(tix_recovery_clients_t *self, int64_t now_ns)
{
    for (size_t i = 0; i < self->lim.clients; i++)
        if (self->slot[i].id_len && now_ns - self->slot[i].seen_ns >= self->lim.idle_ns)
            tix_recovery_clients_forget(self, &self->slot[i]);
}

/* A slot for a new client: a free one, else that of the least recently seen client with no
 * replay bytes queued; NULL if none. */
static tix_recovery_client_t *s_free_slot(tix_recovery_clients_t *self)
{
    tix_recovery_client_t *empty = NULL;
    for (size_t i = 0; i < self->lim.clients; i++) {
        tix_recovery_client_t *c = &self->slot[i];
        if (!c->id_len)
            return c;
        if (s_sum(c) == 0 && (!empty || c->seen_ns < empty->seen_ns))
            empty = c;
    }
    if (empty)
        tix_recovery_clients_forget(self, empty);
    return empty;
}

tix_recovery_client_t *tix_recovery_clients_get(tix_recovery_clients_t *self, const void *id,
                                                size_t len, int64_t now_ns)
{
    if (len == 0 || len > sizeof self->slot[0].id)
        return NULL;
    s_expire(self, now_ns);
    tix_recovery_client_t *c = NULL;
    for (size_t i = 0; i < self->lim.clients && !c; i++)
        if (self->slot[i].id_len == len && memcmp(self->slot[i].id, id, len) == 0)
            c = &self->slot[i];
    if (!c && (c = s_free_slot(self))) {
        memcpy(c->id, id, len);
        c->id_len = len;
    }
    if (c)
        c->seen_ns = now_ns;
    return c;
}

bool tix_recovery_clients_admit(const tix_recovery_clients_t *self, const tix_recovery_client_t *c,
                                uint64_t bytes, char *why, size_t cap)
{
    uint64_t mine = s_sum(c);
    /* A client with nothing queued always gets one reply: one request's range is bounded. */
    if (bytes > 0 && mine > 0 && mine + bytes > self->lim.client_bytes) {
        snprintf(why, cap, "ERR busy: %" PRIu64 " bytes of your earlier replies may be unread "
                 "(limit %zu); read them, then ask again", mine, self->lim.client_bytes);
        return false;
    }
    if (bytes > 0 && self->total > 0 && self->total + bytes > self->lim.total_bytes) {
        snprintf(why, cap, "ERR busy: %" PRIu64 " reply bytes queued for all clients (limit %zu); "
                 "ask again later", self->total, self->lim.total_bytes);
        return false;
    }
    return true;
}

void tix_recovery_clients_sent(tix_recovery_clients_t *self, tix_recovery_client_t *c, uint64_t bytes)
{
    /* Accepted: at most SNDHWM - 1 earlier replies are still queued, the newest ones. */
    while (c->n > TIX_RECOVERY_SNDHWM - 1) {
        self->total -= c->queued[0];
        memmove(c->queued, c->queued + 1, (size_t)(c->n - 1) * sizeof c->queued[0]);
        c->n--;
    }
    c->queued[c->n++] = bytes;
    self->total += bytes;
}

void tix_recovery_clients_forget(tix_recovery_clients_t *self, tix_recovery_client_t *c)
{
    self->total -= s_sum(c);
    memset(c, 0, sizeof *c);
}

uint64_t tix_recovery_clients_queued(const tix_recovery_clients_t *self) { return self->total; }

size_t tix_recovery_clients_count(const tix_recovery_clients_t *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->lim.clients; i++)
        n += self->slot[i].id_len != 0;
    return n;
}
