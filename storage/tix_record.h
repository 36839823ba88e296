/* Storage records: every engine input (quote, clock event) and output (tick, settlement), and their journal encoding. */
#ifndef TIX_RECORD_H
#define TIX_RECORD_H

#include "tix_quote.h"
#include "tix_types.h"

#include <stddef.h>
#include <stdint.h>

#define TIX_REC_PROVIDER_MAX 64  /* name bytes including the NUL */
#define TIX_REC_MODEL_MAX 128
#define TIX_REC_CCY_MAX 8
#define TIX_SIG_SIZE 64 /* Ed25519 signature */
#define TIX_KEY_ID_SIZE 8
/* Longest encoded payload (a quote with the longest names), and the record header size. */
#define TIX_REC_PAYLOAD_MAX 512
#define TIX_REC_HEADER_SIZE 8 /* u32 payload length, u32 CRC32C of the payload */

/* TIX_REC_PUBLISHED is the publish ledger: journal only (not in HDF5), seq 0 (it takes no
 * place in the event sequence). */
typedef enum {
    TIX_REC_QUOTE = 1, TIX_REC_CLOCK = 2, TIX_REC_TICK = 3, TIX_REC_SETTLE = 4, TIX_REC_PUBLISHED = 5
} tix_rec_kind_t;

/* What a clock record did to the engine: the stream's start (a fresh engine), a CLOCK
 * event, or the close of a finite stream (tix_engine_start/clock/close). */
typedef enum { TIX_CLOCK_START = 0, TIX_CLOCK_TICK = 1, TIX_CLOCK_CLOSE = 2 } tix_clock_kind_t;

/* A quote as archived: what the engine consumed plus what the collector received. */
typedef struct {
    int64_t recv_ns;
    char provider[TIX_REC_PROVIDER_MAX], model[TIX_REC_MODEL_MAX], currency[TIX_REC_CCY_MAX];
    int32_t tier;           /* config tier index, -1 if unmapped/unknown */
    uint8_t reason;         /* tix_reason_t; NONE when the engine consumed it */
    uint32_t unit;          /* tokens per raw price: 1, 1000 or 1000000 */
    int64_t fx_e9;          /* USD per unit of currency, 1e-9; -1 if none */
    tix_price_t local_input, local_output, local_cached; /* local currency per 1M, 1e-9 */
    tix_price_t input, output, cached, blended;          /* USD per 1M, 1e-9 */
    int64_t volume;         /* tokens, -1 if absent */
} tix_rec_quote_t;

typedef struct {
    tix_settlement_t s;
    uint8_t signature[TIX_SIG_SIZE]; /* zero when unsigned */
    uint8_t key_id[TIX_KEY_ID_SIZE];
} tix_rec_settle_t;

/* One message the publisher sent: which record it carried, under which sequence number. */
typedef struct {
    uint64_t channel_seq; /* the publisher's channel sequence number of the message */
    uint64_t rec_seq;     /* the record it carried (quote, tick or settlement) */
    uint64_t run;         /* the first seq of the publishing process: channel_seq restarts per run */
    int64_t ts_ns;        /* that record's time (tix_record_time) */
    uint8_t rec_kind;     /* that record's kind */
} tix_rec_pub_t;

typedef struct {
    tix_rec_kind_t kind;
    uint64_t seq; /* global event sequence: the order the engine saw inputs and made outputs */
    union {
        tix_rec_quote_t quote;
        struct {
            tix_clock_kind_t kind;
            int64_t ns;
        } clock;
        tix_tick_t tick;
        tix_rec_settle_t settle;
        tix_rec_pub_t pub;
    } u;
} tix_record_t;

/* The record's own time (recv_ns, clock ns, tick/settlement ts_ns), which picks its UTC day. */
int64_t tix_record_time(const tix_record_t *r);

/* Encodes `r` as a little-endian payload into `buf` (TIX_REC_PAYLOAD_MAX bytes);
 * returns its length, or -1 (tix_err) if a field is out of range. */
int tix_record_encode(const tix_record_t *r, uint8_t *buf) __attribute__((warn_unused_result));

/* Decodes a payload; -1 with tix_err() naming the problem if it is malformed. */
int tix_record_decode(const uint8_t *buf, size_t len, tix_record_t *r)
    __attribute__((warn_unused_result));

/* Fills a quote record from a normalized quote and its names (copied; -1 if too long). */
int tix_rec_quote_fill(tix_rec_quote_t *out, const tix_quote_t *q, const char *provider,
                       const char *model, const char *currency, tix_reason_t reason)
    __attribute__((warn_unused_result));

#endif
