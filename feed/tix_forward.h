/* Forwarding of normalized quotes from `tixd --role collector` to engines (wire quote messages, ZeroMQ PUSH). */
#ifndef TIX_FORWARD_H
#define TIX_FORWARD_H

#include "tix_config.h"
#include "tix_normalize.h"
#include "tix_quote.h"

#include <stdint.h>

typedef struct tix_forward_s tix_forward_t;

/* Connects one PUSH socket per endpoint of `collector.forward` (every engine gets every quote). NULL with tix_err() if
 * none is configured or a connect fails. */
tix_forward_t *tix_forward_new(const tix_config_t *cfg);
/* Checks collector.forward_server_key and forward_client_key: both or neither, each a
 * readable CurveZMQ key (the secret one mode 0600). With them every PUSH is a CURVE client
 * of the engines (their zmq_ingest's curve_secret). -1 with tix_err(). */
int tix_forward_check(const tix_config_t *cfg);
void tix_forward_destroy(tix_forward_t **self_p);

/* Sends one accepted quote; never blocks: at the high-water mark it is dropped and counted
 * (an engine that cannot keep up must not stall the collector). -1 on encode errors. */
int tix_forward_quote(tix_forward_t *self, const tix_norm_t *norm, const tix_raw_quote_t *raw,
                      const tix_quote_t *q);
/* Sends one refused quote (names, unit and `reason`; no prices), so that the engines archive
 * the refusal as they would their own. Same delivery rules; -1 on encode errors. */
int tix_forward_refused(tix_forward_t *self, const tix_raw_quote_t *raw, tix_reason_t reason);
/* Messages sent and dropped, summed over the engines (a quote to 2 engines counts twice). */
uint64_t tix_forward_sent(const tix_forward_t *self);
uint64_t tix_forward_dropped(const tix_forward_t *self);

#endif
