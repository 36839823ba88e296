/* tix feed wire format v2: fixed-layout little-endian messages (docs/wire.md is the reference). */
#ifndef TIX_WIRE_H
#define TIX_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define TIX_WIRE_SCHEMA_ID 0x5854 /* bytes "TX" */
#define TIX_WIRE_VERSION 2
#define TIX_WIRE_HEADER_SIZE 32

enum {
    TIX_WIRE_TICK = 1,
    TIX_WIRE_SETTLEMENT = 2,
    TIX_WIRE_QUOTE = 3,
    TIX_WIRE_ATTEST = 4,
    TIX_WIRE_HEARTBEAT = 5,
};

#define TIX_WIRE_TICK_BODY 144 /* 72 of fields, key_id, signature */
#define TIX_WIRE_SETTLEMENT_BODY 136
#define TIX_WIRE_QUOTE_BODY 288
#define TIX_WIRE_HEARTBEAT_BODY 8 /* heartbeat_ms, attest_ms */
#define TIX_WIRE_ATTEST_FIXED 16  /* before the entries */
#define TIX_WIRE_ATTEST_ENTRY 80  /* topic[40] + topic_seq + head[32] */
#define TIX_WIRE_SIG_SIZE 64
#define TIX_WIRE_KEY_ID_SIZE 8
#define TIX_WIRE_HASH_SIZE 32
#define TIX_WIRE_ATTEST_MAX 800   /* entries: keeps the body within a u16 length */
#define TIX_WIRE_TICK_SIZE (TIX_WIRE_HEADER_SIZE + TIX_WIRE_TICK_BODY)
#define TIX_WIRE_SETTLEMENT_SIZE (TIX_WIRE_HEADER_SIZE + TIX_WIRE_SETTLEMENT_BODY)
#define TIX_WIRE_QUOTE_SIZE (TIX_WIRE_HEADER_SIZE + TIX_WIRE_QUOTE_BODY)
#define TIX_WIRE_HEARTBEAT_SIZE (TIX_WIRE_HEADER_SIZE + TIX_WIRE_HEARTBEAT_BODY)
#define TIX_WIRE_MAX_SIZE \
    (TIX_WIRE_HEADER_SIZE + TIX_WIRE_ATTEST_FIXED + TIX_WIRE_ATTEST_MAX * TIX_WIRE_ATTEST_ENTRY + TIX_WIRE_SIG_SIZE)
#define TIX_WIRE_TOPIC_MAX 40     /* with its NUL: "IDX." + a 31-byte tier id */
#define TIX_WIRE_PRICE_NULL INT64_MAX

/* Signatures cover a domain string followed by the signed bytes, so a signature made for one
 * message kind can never be used as another (the template id is signed too where the header
 * is). Which templates are signed, and how, is one table: tix_wire_signed(). */
#define TIX_WIRE_TICK_DOMAIN "tix-tick-v2"
#define TIX_WIRE_SETTLEMENT_DOMAIN "tix-settlement-v1" /* its signed layout is unchanged */
#define TIX_WIRE_ATTEST_DOMAIN "tix-attest-v2"
#define TIX_WIRE_DOMAIN_MAX 32

/* A signed template: the signature is always the message's last 64 bytes and covers
 * domain || msg[from, len - 64). from = 0 binds the header (sequence numbers: a genuine
 * message cannot be replayed as a later one); from = 32 (settlements) keeps a signature
 * that verifies on the body alone, as archived. */
typedef struct {
    uint16_t template_id;
    const char *domain;
    uint16_t from;          /* first signed message byte: 0 or TIX_WIRE_HEADER_SIZE */
    uint16_t key_id_offset; /* body offset of key_id */
} tix_wire_signed_t;

/* The signing rule for `template_id`, or NULL when that template is not signed. */
const tix_wire_signed_t *tix_wire_signed(uint16_t template_id);

typedef struct {
    uint16_t block_length; /* body bytes after the header */
    uint16_t template_id;
    uint16_t schema_id;
    uint16_t version;
    uint64_t channel_seq;  /* per channel (all topics); heartbeats repeat the last one */
    uint64_t topic_seq;    /* per topic, as MDP 3.0's RptSeq; 0 for heartbeats */
    int64_t send_time_ns;
} tix_wire_header_t;

typedef struct {
    char tier[32];
    int64_t ts_ns;
    int64_t price;      /* nano-USD per 1M tokens; TIX_WIRE_PRICE_NULL if absent */
    int64_t dispersion;
    uint32_t n_used, n_excluded, n_stale;
    uint8_t status;     /* 0 OK, 1 LOW, 2 STALE */
    uint8_t key_id[TIX_WIRE_KEY_ID_SIZE]; /* zero when unsigned */
    uint8_t signature[TIX_WIRE_SIG_SIZE];
} tix_wire_tick_t;

typedef struct {
    char tier[32];
    int64_t ts_ns;      /* settlement instant S */
    int64_t price;
    char date[11];      /* "YYYY-MM-DD" (10 bytes on the wire) */
    uint8_t status;     /* 0 OK, 1 FALLBACK, 2 NONE */
    uint32_t partitions_used;
    uint8_t key_id[TIX_WIRE_KEY_ID_SIZE];
    uint8_t signature[TIX_WIRE_SIG_SIZE];
} tix_wire_settlement_t;

typedef struct {
    int64_t recv_ns;
    char provider[64];
    char model[96];
    char currency[8];
    char tier[32];
    uint32_t unit;      /* tokens the local prices were quoted per: 1, 1000, 1000000 */
    uint8_t reason;     /* 0 accepted, else METHODOLOGY §3.5 reason code */
    int64_t local_input, local_output, local_cached; /* local currency per 1M tokens, 1e-9 */
    int64_t fx_e9;
    int64_t input, output, cached, blended;          /* USD per 1M tokens, 1e-9 */
    int64_t volume;     /* tokens, -1 if absent */
} tix_wire_quote_t;

typedef struct {
    char topic[TIX_WIRE_TOPIC_MAX];
    uint64_t topic_seq;
    uint8_t head[TIX_WIRE_HASH_SIZE];
} tix_wire_attest_entry_t;

typedef struct {
    uint16_t count;
    uint32_t attest_ms; /* the publisher's attestation cadence, signed */
    uint8_t key_id[TIX_WIRE_KEY_ID_SIZE];
    tix_wire_attest_entry_t entries[TIX_WIRE_ATTEST_MAX];
    uint8_t signature[TIX_WIRE_SIG_SIZE];
} tix_wire_attest_t;

typedef struct {
    uint32_t heartbeat_ms; /* the publisher's heartbeat interval */
    uint32_t attest_ms;    /* its attestation cadence, 0 when it does not sign */
} tix_wire_heartbeat_t;

/* A decoded message: the header and, by template_id, one body. */
typedef struct {
    tix_wire_header_t h;
    union {
        tix_wire_tick_t tick;
        tix_wire_settlement_t settlement;
        tix_wire_quote_t quote;
        tix_wire_attest_t attest;
        tix_wire_heartbeat_t heartbeat;
    } u;
} tix_wire_msg_t;

/* Encoders write header + body into `buf` (at least the message size) and return its
 * length, or -1 if `cap` is too small or a field does not fit. They set block_length,
 * template_id, schema_id and version in the header themselves. */
int tix_wire_encode_tick(const tix_wire_header_t *h, const tix_wire_tick_t *t, uint8_t *buf,
                         size_t cap) __attribute__((warn_unused_result));
int tix_wire_encode_settlement(const tix_wire_header_t *h, const tix_wire_settlement_t *s,
                               uint8_t *buf, size_t cap) __attribute__((warn_unused_result));
int tix_wire_encode_quote(const tix_wire_header_t *h, const tix_wire_quote_t *q, uint8_t *buf,
                          size_t cap) __attribute__((warn_unused_result));
int tix_wire_encode_attest(const tix_wire_header_t *h, const tix_wire_attest_t *a, uint8_t *buf,
                           size_t cap) __attribute__((warn_unused_result));
int tix_wire_encode_heartbeat(const tix_wire_header_t *h, const tix_wire_heartbeat_t *hb, uint8_t *buf,
                              size_t cap)
    __attribute__((warn_unused_result));

/* Decodes one message body. Returns 0, or -1 with a reason in `err` (at least 128 bytes):
 * short buffer, unknown schema, version or template, length mismatch, bad padding. A
 * message of another wire version fails with "wire version N, this subscriber speaks 2". */
int tix_wire_decode(const uint8_t *buf, size_t len, tix_wire_msg_t *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The wire version a message claims (0 when shorter than a header or not tix's schema). */
uint16_t tix_wire_version_of(const uint8_t *buf, size_t len);

/* The bytes a signed message's signature covers: domain || msg[rule->from, len - 64), written
 * into `out` (capacity `cap`). Returns their length, or 0 if the template is not signed, the
 * message is too short or `cap` too small. */
size_t tix_wire_signed_bytes(const uint8_t *msg, size_t len, uint8_t *out, size_t cap);
/* The signed bytes of a settlement, as stored in the archive (body only, no header): `msg`
 * is a whole encoded settlement; `out` holds at least 96 bytes. */
size_t tix_wire_settlement_signed_bytes(const uint8_t *msg, uint8_t *out);

/* Little-endian field access, for clients decoding by hand. */
uint16_t tix_wire_get_u16(const uint8_t *p);
uint32_t tix_wire_get_u32(const uint8_t *p);
uint64_t tix_wire_get_u64(const uint8_t *p);

#endif
