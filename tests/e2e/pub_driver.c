/* Test driver: publishes N ticks (and quotes, a settlement) through the real publisher on given endpoints, then serves recovery. */
#include "tix_auth.h"
#include "tix_err.h"
#include "tix_keys.h"
#include "tix_pub.h"
#include "tix_time.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static long s_num(const char *opt, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 0) {
        fprintf(stderr, "pub_driver: --%s: '%s' is not a whole number\n", opt, v);
        exit(2);
    }
    return n;
}

/* Services the publisher (heartbeats, attestations, recovery) for `ms` milliseconds. */
static int s_serve(tix_pub_t *pub, long ms)
{
    int64_t end = tix_time_mono_ns() + ms * TIX_NS_PER_MS;
    while (tix_time_mono_ns() < end)
        if (tix_pub_service(pub, tix_time_wall_ns(), 5) != 0)
            return -1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *a = NULL, *b = NULL, *rec = NULL, *key = NULL, *tier = "T1", *curve = NULL, *allow = NULL;
    const char *model = "model-1";
    long count = 100, interval_us = 1000, warm_ms = 1500, linger_ms = 3000, attest_ms = 100;
    int quotes = 0, settle = 0;
    static const struct option opts[] = {
        {"line-a", required_argument, NULL, 'a'}, {"line-b", required_argument, NULL, 'b'},
        {"recovery", required_argument, NULL, 'r'}, {"key", required_argument, NULL, 'k'},
        {"tier", required_argument, NULL, 't'}, {"count", required_argument, NULL, 'n'},
        {"interval-us", required_argument, NULL, 'i'}, {"warm-ms", required_argument, NULL, 'w'},
        {"linger-ms", required_argument, NULL, 'l'}, {"attest-ms", required_argument, NULL, 'm'},
        {"quotes", no_argument, NULL, 'q'}, {"settle", no_argument, NULL, 's'},
        {"curve", required_argument, NULL, 'c'}, {"allow", required_argument, NULL, 'A'},
        {"model", required_argument, NULL, 'M'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'a': a = optarg; break;
        case 'b': b = optarg; break;
        case 'r': rec = optarg; break;
        case 'k': key = optarg; break;
        case 't': tier = optarg; break;
        case 'n': count = s_num("count", optarg); break;
        case 'i': interval_us = s_num("interval-us", optarg); break;
        case 'w': warm_ms = s_num("warm-ms", optarg); break;
        case 'l': linger_ms = s_num("linger-ms", optarg); break;
        case 'm': attest_ms = s_num("attest-ms", optarg); break;
        case 'q': quotes = 1; break;
        case 's': settle = 1; break;
        case 'c': curve = optarg; break;
        case 'A': allow = optarg; break;
        case 'M': model = optarg; break;
        default: return 2;
        }
    }
    if (!a || !key) {
        fprintf(stderr, "usage: pub_driver --line-a EP [--line-b EP] [--recovery EP] --key SIGN.key "
                        "[--tier T] [--count N] [--interval-us U] [--warm-ms W] [--linger-ms L] [--attest-ms M] "
                        "[--quotes] [--model NAME] [--settle] [--curve BASE --allow FILE]\n");
        return 2;
    }
    tix_sign_key_t sk;
    if (tix_sign_key_load_secret(key, &sk) != 0) {
        fprintf(stderr, "pub_driver: %s\n", tix_err());
        return 1;
    }
    tix_curve_key_t ck;
    char path[4096];
    snprintf(path, sizeof path, "%s.curve.key", curve ? curve : "");
    if (curve && (!allow || tix_curve_key_load_secret(path, &ck) != 0)) {
        fprintf(stderr, "pub_driver: --curve needs --allow and BASE.curve.key: %s\n", tix_err());
        return 1;
    }
    void *zctx = zmq_ctx_new();
    const char *la[] = {a}, *lb[] = {b};
    tix_pub_cfg_t cfg = {la, 1, lb, b ? 1 : 0, rec, 100, attest_ms, 0, 0, 0, &sk, curve ? &ck : NULL};
    tix_auth_t *auth = zctx && curve ? tix_auth_new(zctx, allow) : NULL; /* before CURVE binds */
    tix_pub_t *pub = zctx && (!curve || auth) ? tix_pub_new(zctx, &cfg) : NULL;
    int rc = 1;
    if (!pub) {
        fprintf(stderr, "pub_driver: %s\n", tix_err());
        goto done;
    }
    if (s_serve(pub, warm_ms)) /* subscribers join during the warm-up heartbeats */
        goto done;
    for (long i = 0; i < count; i++) {
        tix_wire_tick_t t = {.ts_ns = tix_time_wall_ns(), .price = 1000000000 + i, .n_used = 3};
        snprintf(t.tier, sizeof t.tier, "%s", tier);
        tix_wire_quote_t q = {.recv_ns = t.ts_ns, .provider = "prov", .currency = "USD",
                              .unit = 1000000, .local_input = 2000000000, .local_output = 8000000000,
                              .local_cached = TIX_WIRE_PRICE_NULL, .fx_e9 = 1000000000, .input = 2000000000,
                              .output = 8000000000, .cached = TIX_WIRE_PRICE_NULL,
                              .blended = 3500000000 + i, .volume = 1000 + i};
        snprintf(q.model, sizeof q.model, "%s", model); /* any bytes a mapping pattern admits */
        snprintf(q.tier, sizeof q.tier, "%s", tier);
        if (tix_pub_tick(pub, &t, tix_time_wall_ns()) || (quotes && tix_pub_quote(pub, &q, tix_time_wall_ns())) ||
            s_serve(pub, interval_us / 1000))
            goto done;
        if (interval_us < 1000 && tix_pub_service(pub, tix_time_wall_ns(), 0))
            goto done;
    }
    tix_wire_settlement_t st = {.ts_ns = tix_time_wall_ns(), .price = 4250000000, .date = "2026-01-01",
                                .partitions_used = 12};
    snprintf(st.tier, sizeof st.tier, "%s", tier);
    if ((settle && tix_pub_settlement(pub, &st, tix_time_wall_ns())) || s_serve(pub, linger_ms))
        goto done;
    rc = 0;
done:
    if (rc && pub)
        fprintf(stderr, "pub_driver: %s\n", tix_err());
    tix_pub_destroy(&pub);
    tix_auth_destroy(&auth);
    if (zctx)
        zmq_ctx_term(zctx);
    return rc;
}
