/* tix subscriber SDK: lines A/B with arbitration, gap recovery, attestation and signature checks.
 *
 * With a verify key nothing is delivered that is not authenticated: ticks and settlements by
 * their own Ed25519 signature, quotes by the hash chain once a signed attestation covers
 * them (they are held until then: about attest_ms of added latency). A copy that fails is
 * reported (TAMPERED naming its line) and never replaces the genuine one. */
#ifndef TIX_SUB_H
#define TIX_SUB_H

#include "tix/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Flags on a delivered message. */
#define TIX_SUB_SNAPSHOT 1u  /* from the recovery service's snapshot at join */
#define TIX_SUB_RECOVERED 2u /* filled in from a replay after a gap */

/* Things a subscriber must be told, never silently passed over. */
typedef enum {
    TIX_SUB_EV_GAP = 1,        /* missing sequence numbers on a topic (recovery follows) */
    TIX_SUB_EV_RECOVERED,      /* a gap was filled by replay */
    TIX_SUB_EV_UNRECOVERABLE,  /* a gap could not be filled (TOO_OLD, no recovery service) */
    TIX_SUB_EV_BAD_SIGNATURE,  /* a signed message names another key id (or none) */
    TIX_SUB_EV_TAMPERED,       /* a copy fails its signature, differs from the authenticated one,
                                * replays an old settlement, or a topic's hash chain disagrees
                                * with a signed attestation; the detail names the line */
    TIX_SUB_EV_BAD_MESSAGE,    /* undecodable message (another wire version included) */
    TIX_SUB_EV_LINE_DOWN,      /* no message on a line for 3 heartbeat intervals */
    TIX_SUB_EV_LINE_UP,
    TIX_SUB_EV_NO_ATTESTATION, /* verify_key set, data flowing, no valid attestation for
                                * attest_timeout_ms: nothing received can be proven */
    TIX_SUB_EV_AUTH_FAILED,    /* a CURVE line or the recovery service refused our client key */
} tix_sub_event_t;

typedef struct {
    const char *line_a;        /* endpoint: tcp://host:port, ipc://path, epgm://iface;group:port */
    const char *line_b;        /* NULL for a single line */
    const char *recovery;      /* the publisher's ROUTER endpoint, NULL for none */
    const char *const *tiers;  /* tier ids to follow; NULL/0 = all */
    size_t ntiers;
    bool quotes;               /* also the QTE.<tier> topics */
    const char *server_key;    /* publisher's CurveZMQ public key (Z85) for tcp://, or NULL */
    const char *client_public; /* our CurveZMQ key pair (Z85) when server_key is set */
    const char *client_secret;
    const uint8_t *verify_key; /* publisher's Ed25519 public key (32 bytes), or NULL */
    int gap_wait_ms;           /* how long the other line may fill a gap; 0: 100 */
    int heartbeat_ms;          /* the publisher's heartbeat interval; 0: 1000 */
    int recovery_timeout_ms;   /* 0: 2000 */
    void (*on_msg)(void *arg, const char *topic, const tix_wire_msg_t *msg, unsigned flags);
    void (*on_event)(void *arg, tix_sub_event_t ev, const char *topic, const char *detail);
    void *arg;
    int attest_timeout_ms;     /* with verify_key: NO_ATTESTATION after this long; 0: twice the
                                * publisher's announced attest_ms + 1 s (5000 until announced) */
    size_t hold_max;           /* with verify_key: quotes held per topic awaiting an attestation
                                * (0: 131072); beyond it they are dropped, UNRECOVERABLE */
} tix_sub_cfg_t;

typedef struct {
    uint64_t received;      /* messages read from either line */
    uint64_t line_received[2]; /* of which on line A, line B */
    uint64_t delivered;
    uint64_t duplicates;    /* second copies (A/B) and replays of what we had */
    uint64_t gaps;          /* gaps detected */
    uint64_t recovered;     /* messages delivered from replays */
    uint64_t unrecoverable; /* messages given up on */
    uint64_t bad_signatures; /* signed messages refused: wrong key id or failed verification */
    uint64_t tampered;       /* forged, altered or replayed copies refused; chain mismatches */
    uint64_t verified;      /* attestation entries that matched */
    uint64_t bad_messages;
    uint64_t heartbeats;
    uint64_t attest_missing; /* NO_ATTESTATION reports */
    uint64_t version_errors; /* messages of another wire version (also in bad_messages) */
    uint64_t ignored;        /* topics we did not subscribe to (ZeroMQ matches by prefix) */
    uint64_t refused_topics; /* messages refused state: unauthenticated, or the table full */
    uint64_t unauthenticated; /* quotes dropped because no signed attestation proved them */
    uint64_t auth_failures;  /* CURVE handshakes our client key failed */
} tix_sub_stats_t;

typedef struct tix_sub_s tix_sub_t;

/* Connects and subscribes (messages queue from here on). NULL with a message in `err`. */
tix_sub_t *tix_sub_new(const tix_sub_cfg_t *cfg, char *err, size_t errlen);
void tix_sub_destroy(tix_sub_t **self_p);

/* Late join: fetches the snapshot (latest tick and settlement per tier, chain states) and
 * delivers it; queued messages it already covers are dropped. -1 with `err` on failure. */
int tix_sub_snapshot(tix_sub_t *self, char *err, size_t errlen);

/* Processes what arrives within `timeout_ms`, fills gaps that are due. Returns the number of
 * messages delivered, or -1 on a fatal socket error. */
int tix_sub_poll(tix_sub_t *self, int timeout_ms);

void tix_sub_stats(const tix_sub_t *self, tix_sub_stats_t *out);
const char *tix_sub_event_name(tix_sub_event_t ev);

/* Reads an Ed25519 public key file (hex, '#' comments) as written by tix-keygen. */
int tix_sub_load_verify_key(const char *path, uint8_t key[32], char *err, size_t errlen);

#endif
