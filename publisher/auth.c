/* ZAP (RFC 27) handler thread with an allowlist of CurveZMQ client keys, reloadable. */
#include "tix_auth.h"
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
    char (*keys)[41];
    size_t nkeys;
    pthread_mutex_t lock;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    tix_auth_stats_t stats;
};

/* Parses the allowlist into a new array; -1 with file:line on a malformed key. */
static int s_load(const char *path, char (**keys_out)[41], size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        TIX_SET_ERR(errno, "%s: cannot open client allowlist: %s", path, strerror(errno));
        return -1;
    }
    char (*keys)[41] = NULL;
    size_t n = 0, cap = 0;
    char line[256];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            TIX_SET_ERR(EINVAL, "%s:%d: line longer than %zu characters", path, lineno,
                        sizeof line - 2);
            rc = -1;
            break;
        }
        /* Z85 uses '#', so a comment is a line starting with "# " (or "#" alone), or text
         * after the key separated by white space. */
        char *p = line + strspn(line, " \t");
        p[strcspn(p, "\r\n")] = '\0';
        if (*p == '\0' || (p[0] == '#' && (p[1] == ' ' || p[1] == '\t' || p[1] == '\0')))
            continue;
        p[strcspn(p, " \t")] = '\0';
        uint8_t bin[32];
        if (strlen(p) != 40 || !zmq_z85_decode(bin, p)) {
            TIX_SET_ERR(EINVAL, "%s:%d: not a CurveZMQ public key (40 Z85 characters): '%.60s'",
                        path, lineno, p);
            rc = -1;
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char(*k)[41] = realloc(keys, cap * sizeof *k);
            if (!k) {
                TIX_SET_ERR(ENOMEM, "%s: out of memory", path);
                rc = -1;
                break;
            }
            keys = k;
        }
        memcpy(keys[n++], p, 41);
    }
    fclose(f);
    if (rc) {
        free(keys);
        return -1;
    }
    *keys_out = keys;
    *n_out = n;
    return 0;
}

static bool s_allowed(tix_auth_t *self, const char *z85)
{
    bool ok = false;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < self->nkeys && !ok; i++)
        ok = strcmp(self->keys[i], z85) == 0;
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

static void s_reply(void *sock, const char *req_id, size_t req_id_len, const char *code, const char *text)
{
    const char *frames[] = {"1.0", req_id, code, text, "", ""};
    size_t lens[] = {3, req_id_len, strlen(code), strlen(text), 0, 0};
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
        s_reply(self->rep, f[1], flen[1], "200", "OK"); /* NULL mechanism: open endpoints */
        return;
    }
    char z85[41] = "";
    if (cred_len == 32)
        zmq_z85_encode(z85, cred, 32);
    if (cred_len == 32 && s_allowed(self, z85)) {
        s_count(self, &self->stats.allowed);
        s_reply(self->rep, f[1], flen[1], "200", "OK");
        return;
    }
    s_count(self, &self->stats.refused);
    tix_warn_limited("auth: refused CURVE client key %s from %s (not in %s)",
                     z85[0] ? z85 : "(none)", f[3], self->path);
    s_reply(self->rep, f[1], flen[1], "400", "client key not allowed");
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

tix_auth_t *tix_auth_new(void *zctx, const char *allow_path)
{
    if (!allow_path) {
        TIX_SET_ERR(EINVAL, "a CurveZMQ server needs a client allowlist (publisher.clients_allow)");
        return NULL;
    }
    tix_auth_t *self = calloc(1, sizeof *self);
    if (!self || !(self->path = strdup(allow_path))) {
        free(self);
        TIX_SET_ERR(ENOMEM, "out of memory for the ZAP handler");
        return NULL;
    }
    self->zctx = zctx;
    pthread_mutex_init(&self->lock, NULL);
    if (s_load(allow_path, &self->keys, &self->nkeys))
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
    tix_info("auth: %zu client keys allowed from %s", self->nkeys, allow_path);
    return self;
fail:
    tix_auth_destroy(&self);
    return NULL;
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
    free(self->keys);
    free(self->path);
    free(self);
    *self_p = NULL;
}

int tix_auth_check_file(const char *path)
{
    char (*keys)[41] = NULL;
    size_t n = 0;
    if (s_load(path, &keys, &n))
        return -1;
    free(keys);
    return 0;
}

int tix_auth_reload(tix_auth_t *self)
{
    char (*keys)[41] = NULL;
    size_t n = 0;
    if (s_load(self->path, &keys, &n)) {
        tix_error("auth: reload failed, keeping %zu keys: %s", self->nkeys, tix_err());
        return -1;
    }
    pthread_mutex_lock(&self->lock);
    free(self->keys);
    self->keys = keys;
    self->nkeys = n;
    pthread_mutex_unlock(&self->lock);
    tix_info("auth: reloaded %s: %zu client keys allowed", self->path, n);
    return 0;
}

void tix_auth_stats(tix_auth_t *self, tix_auth_stats_t *out)
{
    pthread_mutex_lock(&self->lock);
    *out = self->stats;
    out->keys = self->nkeys;
    pthread_mutex_unlock(&self->lock);
}
