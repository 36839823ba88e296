/* zmq_ingest adapter: normalized quotes from remote collectors, binary wire quote messages over PULL. */
#include "collector_int.h"
#include "tix/wire.h"
#include "tix_err.h"
#include "tix_log.h"

#include <stdio.h>
#include <string.h>
#include <zmq.h>

int tix_zmq_source_start(tix_prov_t *p)
{
    struct tix_collector_s *c = p->col;
    if (!c->zctx && !(c->zctx = zmq_ctx_new())) {
        TIX_SET_ERR(errno, "zmq_ctx_new: %s", zmq_strerror(errno));
        return -1;
    }
    int linger = 0;
    p->zsock = zmq_socket(c->zctx, ZMQ_PULL);
    if (!p->zsock || zmq_setsockopt(p->zsock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(p->zsock, p->url) != 0) {
        TIX_SET_ERR(errno, "zmq_ingest: cannot bind %s: %s", p->url, zmq_strerror(errno));
        return -1;
    }
    p->done_once = true; /* a listener: nothing to wait for in once mode */
    p->health = TIX_HEALTH_UP;
    return 0;
}

/* A local price (1e-9 per 1M tokens) as exact decimal text at unit "1m"; NULL if absent. */
static const char *s_text(int64_t v, char *buf, size_t cap)
{
    if (v == TIX_WIRE_PRICE_NULL)
        return NULL;
    return tix_price_format(v, buf, cap);
}

/* Rebuilds the quote as received (local prices, unit 1m) and normalizes it with this
 * process's configuration, which stays the authority on FX and tier mapping. */
static void s_quote(tix_prov_t *p, const tix_wire_quote_t *w)
{
    if (w->reason != 0) {
        tix_norm_error_t err = {w->reason < TIX_REASON_COUNT ? (tix_reason_t)w->reason
                                                             : TIX_REASON_BAD_NUMBER,
                                "remote", ""};
        snprintf(err.detail, sizeof err.detail, "remote collector refused %.40s/%.60s", w->provider,
                 w->model);
        /* Archived here like a local refusal: names and reason, no prices. */
        tix_raw_quote_t refused = {
            .recv_ns = w->recv_ns,
            .provider = w->provider,
            .model = w->model[0] ? w->model : NULL,
            .unit = tix_unit_name((tix_unit_t)w->unit), /* the decoder admits only 1, 1000, 1e6 */
            .currency = w->currency[0] ? w->currency : NULL,
        };
        tix_col_refuse(p, &refused, &err);
        return;
    }
    char in[TIX_PRICE_TEXT_MAX], out[TIX_PRICE_TEXT_MAX], ca[TIX_PRICE_TEXT_MAX], vol[24];
    snprintf(vol, sizeof vol, "%lld", (long long)w->volume);
    tix_raw_quote_t raw = {
        .recv_ns = w->recv_ns,
        .provider = w->provider,
        .model = w->model,
        .unit = "1m",
        .currency = w->currency,
        .input = s_text(w->local_input, in, sizeof in),
        .output = s_text(w->local_output, out, sizeof out),
        .cached = s_text(w->local_cached, ca, sizeof ca),
        .volume = w->volume >= 0 ? vol : NULL,
    };
    tix_col_emit(p, &raw);
}

void tix_zmq_source_drain(tix_prov_t *p)
{
    /* Bounded per step so one busy source cannot starve the others. */
    for (int i = 0; i < 10000; i++) {
        uint8_t buf[TIX_WIRE_QUOTE_SIZE + 1];
        int n = zmq_recv(p->zsock, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                tix_error("provider %s: zmq_recv: %s", p->name, zmq_strerror(errno));
            return;
        }
        p->st.attempts++;
        tix_wire_msg_t m;
        char err[160];
        if (n > (int)sizeof buf - 1 || tix_wire_decode(buf, (size_t)n, &m, err, sizeof err) != 0) {
            tix_col_fault(p, TIX_FAULT_BAD_MESSAGE, "%s",
                          n > (int)sizeof buf - 1 ? "message longer than a quote" : err);
            continue;
        }
        if (m.h.template_id != TIX_WIRE_QUOTE) {
            p->st.ignored++;
            continue;
        }
        p->st.successes++;
        s_quote(p, &m.u.quote);
    }
}
