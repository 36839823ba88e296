/* Tests' wire quote as a collector forwards it: USD 2 in, 8 out per 1M tokens, encoded whole. */
#ifndef TIX_TEST_INGEST_QUOTE_H
#define TIX_TEST_INGEST_QUOTE_H

#include "tix/wire.h"

#include <stdio.h>
#include <string.h>

/* Encodes quote number `seq` of provider/model at recv_ns into buf (TIX_WIRE_QUOTE_SIZE
 * bytes); returns its length, or -1. */
static inline int tix_test_ingest_quote(const char *provider, const char *model, int64_t recv_ns,
                                        uint64_t seq, uint8_t *buf)
{
    tix_wire_header_t h = {0};
    tix_wire_quote_t w;
    memset(&w, 0, sizeof w);
    h.channel_seq = h.topic_seq = seq;
    w.recv_ns = recv_ns;
    snprintf(w.provider, sizeof w.provider, "%s", provider);
    snprintf(w.model, sizeof w.model, "%s", model);
    snprintf(w.currency, sizeof w.currency, "USD");
    w.unit = 1000000;
    w.local_input = w.input = 2000000000;
    w.local_output = w.output = 8000000000;
    w.local_cached = w.cached = w.blended = TIX_WIRE_PRICE_NULL;
    w.fx_e9 = 1000000000;
    w.volume = -1;
    return tix_wire_encode_quote(&h, &w, buf, TIX_WIRE_QUOTE_SIZE);
}

#endif
