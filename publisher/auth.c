/* ZAP (RFC 27) handler thread with an allowlist of CurveZMQ client or collector keys, reloadable. */
#include "tix_auth.h"
#include "tix_allow.h"
#include "tix_err.h"
#include "tix_log.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

struct tix_auth_s {
    void *zctx;
    void *rep;
    char *path;
    tix_allow_kind_t kind;
    tix_allow_t *list;
    pthread_mutex_t lock;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    tix_auth_stats_t stats;
};

static const char *s_what(tix_allow_kind_t kind)
{
    return kind == TIX_ALLOW_CLIENTS ? "client" : "collector";
}

static bool s_allowed(tix_auth_t *self, const char *z85)
{
    pthread_mutex_lock(&self->lock);
    bool ok = tix_allow_has(self->list, z85);
    pthread_mutex_unlock(&self->lock);
    return ok;
}

/* Receives up to `max` frames of one request into `f` (each NUL-terminated, truncated). */
static int s_recv_request(void *sock, char f[][64], size_t *flen, int max, uint8_t *cred, size_t *cred_len)
{
    int n = 0, more = 1;
    *cred_len = 0;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            return -1;
        }
        size_t sz = zmq_msg_size(&m);
        if (n < max) {
            size_t c = sz < 63 ? sz : 63;
            memcpy(f[n], zmq_msg_data(&m), c);
            f[n][c] = '\0';
            flen[n] = sz;
        }
        if (n == 6 && sz == 32) { /* the CURVE client key */
            memcpy(cred, zmq_msg_data(&m), 32);
            *cred_len = 32;
        }
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
        n++;
    }
    return n;
}

/* A ZAP reply; `user` (the client key, Z85) becomes each message's "User-Id" property. */
static void s_reply(void *sock, const char *req_id, size_t req_id_len, const char *code,
                    const char *text, const char *user)
{
    const char *frames[] = {"1.0", req_id, code, text, user, ""};
    size_t lens[] = {3, req_id_len, strlen(code), strlen(text), strlen(user), 0};
    for (int i = 0; i < 6; i++)
        if (zmq_send(sock, frames[i], lens[i], i < 5 ? ZMQ_SNDMORE : 0) < 0)
            return; /* libzmq then fails the handshake, which refuses the client: safe */
}

static void s_count(tix_auth_t *self, uint64_t *counter)
{
    pthread_mutex_lock(&self->lock);
    (*counter)++;
    pthread_mutex_unlock(&self->lock);
}

static void s_handle(tix_auth_t *self)
{
    char f[8][64];
    size_t flen[8] = {0};
    uint8_t cred[32];
    size_t cred_len;
    int n = s_recv_request(self->rep, f, flen, 8, cred, &cred_len);
    if (n < 6)
        return;
    s_count(self, &self->stats.requests);
    /* frames: version, request id, domain, address, identity, mechanism, credentials... */
    if (strcmp(f[5], "CURVE") != 0) {
        s_reply(self->rep, f[1], flen[1], "200", "OK", ""); /* NULL mechanism: open endpoints */
        return;
    }
    char z85[41] = "";
    if (cred_len == 32)
        zmq_z85_encode(z85, cred, 32);
    if (cred_len == 32 && s_allowed(self, z85)) {
        s_count(self, &self->stats.allowed);
        s_reply(self->rep, f[1], flen[1], "200", "OK", z85);
        return;
    }
    s_count(self, &self->stats.refused);
    tix_warn_limited("auth: refused CURVE %s key %s from %s%s%s (not in %s)", s_what(self->kind),
                     z85[0] ? z85 : "(none)", f[3], f[2][0] ? " for " : "", f[2], self->path);
    s_reply(self->rep, f[1], flen[1], "400", "client key not allowed", "");
}

static void *s_run(void *arg)
{
    tix_auth_t *self = arg;
    zmq_pollitem_t it = {self->rep, 0, ZMQ_POLLIN, 0};
    while (!atomic_load(&self->stop)) {
        int rc = zmq_poll(&it, 1, 100); /* wake to notice stop */
        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0)
            s_handle(self);
    }
    return NULL;
}

static tix_auth_t *s_new(void *zctx, const char *allow_path, tix_allow_kind_t kind)
{
    if (!allow_path) {
        TIX_SET_ERR(EINVAL, "a CurveZMQ server needs a %s allowlist (%s)", s_what(kind),
                    kind == TIX_ALLOW_CLIENTS ? "publisher.clients_allow" : "collectors_allow");
        return NULL;
    }
    tix_auth_t *self = calloc(1, sizeof *self);
    if (!self || !(self->path = strdup(allow_path))) {
        free(self);
        TIX_SET_ERR(ENOMEM, "out of memory for the ZAP handler");
        return NULL;
    }
    self->zctx = zctx;
    self->kind = kind;
    pthread_mutex_init(&self->lock, NULL);
    if (!(self->list = tix_allow_load(allow_path, kind)))
        goto fail;
    self->rep = zmq_socket(zctx, ZMQ_REP);
    int linger = 0;
    if (!self->rep || zmq_setsockopt(self->rep, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_bind(self->rep, ZAP_ENDPOINT)) {
        TIX_SET_ERR(errno, "ZAP handler %s: %s", ZAP_ENDPOINT, zmq_strerror(errno));
        goto fail;
    }
    if (pthread_create(&self->thread, NULL, s_run, self) != 0) {
        TIX_SET_ERR(EAGAIN, "cannot start the ZAP handler thread");
        goto fail;
    }
    self->started = true;
    tix_info("auth: %zu %s keys allowed from %s", tix_allow_size(self->list), s_what(kind),
             allow_path);
    return self;
fail:
    tix_auth_destroy(&self);
    return NULL;
}

tix_auth_t *tix_auth_new(void *zctx, const char *allow_path)
{
    return s_new(zctx, allow_path, TIX_ALLOW_CLIENTS);
}

tix_auth_t *tix_auth_new_collectors(void *zctx, const char *allow_path)
{
    return s_new(zctx, allow_path, TIX_ALLOW_COLLECTORS);
}

void tix_auth_destroy(tix_auth_t **self_p)
{
    assert(self_p);
    tix_auth_t *self = *self_p;
    if (!self)
        return;
    if (self->started) {
        atomic_store(&self->stop, true);
        pthread_join(self->thread, NULL);
    }
    if (self->rep)
        zmq_close(self->rep);
    pthread_mutex_destroy(&self->lock);
    tix_allow_destroy(&self->list);
    free(self->path);
    free(self);
    *self_p = NULL;
}

int tix_auth_reload(tix_auth_t *self)
{
    tix_allow_t *list = tix_allow_load(self->path, self->kind);
    if (!list) {
        tix_error("auth: reload failed, keeping %zu keys: %s", tix_allow_size(self->list),
                  tix_err());
        return -1;
    }
    pthread_mutex_lock(&self->lock);
    tix_allow_t *old = self->list;
    self->list = list;
    pthread_mutex_unlock(&self->lock);
    tix_allow_destroy(&old);
    tix_info("auth: reloaded %s: %zu %s keys allowed", self->path, tix_allow_size(list),
             s_what(self->kind));
    return 0;
}

bool tix_auth_permits(tix_auth_t *self, const char *z85, const char *provider)
{
    pthread_mutex_lock(&self->lock);
    bool ok = self->kind == TIX_ALLOW_COLLECTORS && tix_allow_permits(self->list, z85, provider);
    pthread_mutex_unlock(&self->lock);
    return ok;
}

void tix_auth_stats(tix_auth_t *self, tix_auth_stats_t *out)
{
    pthread_mutex_lock(&self->lock);
    *out = self->stats;
    out->keys = tix_allow_size(self->list);
    pthread_mutex_unlock(&self->lock);
}
