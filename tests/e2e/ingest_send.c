/* Test helper: sends wire quote messages to a zmq_ingest endpoint, as a collector or an intruder would. */
#include "ingest_quote.h"
#include "tix/wire.h"
#include "tix_keys.h"
#include "tix_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* usage: ingest_send ENDPOINT PROVIDER MODEL RECV_NS|now COUNT [SERVER_PUB CLIENT_KEY]
 * Sends COUNT quotes (input 2, output 8 USD per 1M tokens), as a CURVE client when given
 * the engine's public key file and this sender's secret key file; waits up to 2 s for them
 * to leave (a refused key's quotes never do). Exit 0 once handed to ZeroMQ. */
int main(int argc, char **argv)
{
    if (argc != 6 && argc != 8) {
        fprintf(stderr, "usage: ingest_send ENDPOINT PROVIDER MODEL RECV_NS|now COUNT "
                        "[SERVER_PUB CLIENT_KEY]\n");
        return 2;
    }
    tix_curve_key_t server, client;
    if (argc == 8 && (tix_curve_key_load_public(argv[6], &server) != 0 ||
                      tix_curve_key_load_secret(argv[7], &client) != 0)) {
        fprintf(stderr, "ingest_send: cannot load the CURVE keys\n");
        return 1;
    }
    void *ctx = zmq_ctx_new(), *s = ctx ? zmq_socket(ctx, ZMQ_PUSH) : NULL;
    int linger = 2000, rc = 1;
    if (!s || zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        (argc == 8 && (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server.pub, 40) != 0 ||
                       zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, client.pub, 40) != 0 ||
                       zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, client.sec, 40) != 0)) ||
        zmq_connect(s, argv[1]) != 0) {
        fprintf(stderr, "ingest_send: %s: %s\n", argv[1], zmq_strerror(errno));
        goto done;
    }
    long count = strtol(argv[5], NULL, 10);
    for (long i = 0; i < count; i++) {
        int64_t t = strcmp(argv[4], "now") == 0 ? tix_time_wall_ns() : strtoll(argv[4], NULL, 10);
        uint8_t buf[TIX_WIRE_QUOTE_SIZE];
        int n = tix_test_ingest_quote(argv[2], argv[3], t, (uint64_t)i + 1, buf);
        if (n < 0 || zmq_send(s, buf, (size_t)n, 0) != n) {
            fprintf(stderr, "ingest_send: send: %s\n", zmq_strerror(errno));
            goto done;
        }
    }
    rc = 0;
done:
    if (s)
        zmq_close(s);
    if (ctx)
        zmq_ctx_term(ctx);
    return rc;
}
