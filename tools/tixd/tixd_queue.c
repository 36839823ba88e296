/* tixd's stage queues: a mutex-protected ring with a condition variable for the consumer. */
#include "tixd_queue.h"
#include "tix_err.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tixd_queue_s {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *items;
    size_t cap, size, head, n, peak;
    uint64_t dropped;
    int waiting; /* consumers in pthread_cond_timedwait: only they need a signal */
    bool woken;
};

tixd_queue_t *tixd_queue_new(size_t cap, size_t item_size)
{
    assert(cap > 0 && item_size > 0);
    tixd_queue_t *self = calloc(1, sizeof *self);
    if (!self || !(self->items = calloc(cap, item_size))) {
        free(self);
        TIX_SET_ERR(ENOMEM, "out of memory for a queue of %zu items", cap);
        return NULL;
    }
    pthread_condattr_t ca;
    /* CLOCK_MONOTONIC waits: a wall clock step must not stretch or cut a wait. */
    if (pthread_condattr_init(&ca) != 0 || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
        pthread_mutex_init(&self->mu, NULL) != 0 || pthread_cond_init(&self->cv, &ca) != 0) {
        free(self->items);
        free(self);
        TIX_SET_ERR(EAGAIN, "cannot initialize a queue's lock");
        return NULL;
    }
    pthread_condattr_destroy(&ca);
    self->cap = cap;
    self->size = item_size;
    return self;
}

void tixd_queue_destroy(tixd_queue_t **self_p)
{
    assert(self_p);
    tixd_queue_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_destroy(&self->mu);
    pthread_cond_destroy(&self->cv);
    free(self->items);
    free(self);
    *self_p = NULL;
}

static int s_push(tixd_queue_t *self, const void *item, bool count_drop)
{
    pthread_mutex_lock(&self->mu);
    if (self->n == self->cap) {
        if (count_drop)
            self->dropped++;
        pthread_mutex_unlock(&self->mu);
        return -1;
    }
    size_t tail = (self->head + self->n) % self->cap;
    memcpy(self->items + tail * self->size, item, self->size);
    if (++self->n > self->peak)
        self->peak = self->n;
    /* A consumer busy with a batch will see the item without a wake-up (a futex call each). */
    bool wake = self->waiting > 0;
    pthread_mutex_unlock(&self->mu);
    if (wake)
        pthread_cond_signal(&self->cv);
    return 0;
}

int tixd_queue_push(tixd_queue_t *self, const void *item) { return s_push(self, item, true); }

int tixd_queue_offer(tixd_queue_t *self, const void *item) { return s_push(self, item, false); }

static void s_deadline(struct timespec *ts, int64_t timeout_ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

size_t tixd_queue_pop(tixd_queue_t *self, void *out, size_t max, int64_t timeout_ms)
{
    pthread_mutex_lock(&self->mu);
    if (self->n == 0 && timeout_ms > 0 && !self->woken) {
        struct timespec ts;
        s_deadline(&ts, timeout_ms);
        self->waiting++;
        while (self->n == 0 && !self->woken)
            if (pthread_cond_timedwait(&self->cv, &self->mu, &ts) != 0)
                break; /* ETIMEDOUT */
        self->waiting--;
    }
    self->woken = false;
    size_t k = self->n < max ? self->n : max;
    for (size_t i = 0; i < k; i++) {
        memcpy((uint8_t *)out + i * self->size, self->items + self->head * self->size, self->size);
        self->head = (self->head + 1) % self->cap;
    }
    self->n -= k;
    pthread_mutex_unlock(&self->mu);
    return k;
}

void tixd_queue_wake(tixd_queue_t *self)
{
    pthread_mutex_lock(&self->mu);
    self->woken = true;
    pthread_mutex_unlock(&self->mu);
    pthread_cond_signal(&self->cv);
}

size_t tixd_queue_depth(tixd_queue_t *self)
{
    pthread_mutex_lock(&self->mu);
    size_t n = self->n;
    pthread_mutex_unlock(&self->mu);
    return n;
}

size_t tixd_queue_capacity(const tixd_queue_t *self) { return self->cap; }

uint64_t tixd_queue_dropped(tixd_queue_t *self)
{
    pthread_mutex_lock(&self->mu);
    uint64_t d = self->dropped;
    pthread_mutex_unlock(&self->mu);
    return d;
}

size_t tixd_queue_peak(tixd_queue_t *self)
{
    pthread_mutex_lock(&self->mu);
    size_t p = self->peak;
    pthread_mutex_unlock(&self->mu);
    return p;
}
