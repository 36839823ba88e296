/* tix-sub: subscribes to the tix feed (lines A/B, recovery, verification) and prints messages. */
#include "tix/price.h"
#include "tix/sub.h"
#include "tix_err.h"
#include "tix_keys.h"
#include "tix_time.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { FMT_TEXT, FMT_CSV, FMT_JSONL } s_fmt_t;

static volatile sig_atomic_t s_stop;
static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

typedef struct {
    s_fmt_t fmt;
    long count, printed;
    int problems; /* bad signatures, tampering, unrecoverable gaps, bad messages */
    int auth_failed; /* a CURVE line refused our client key: a setup error, exit 1 */
} s_out_t;

static const char *s_status(const tix_wire_msg_t *m)
{
    static const char *tick[] = {"OK", "LOW", "STALE"}, *stl[] = {"OK", "FALLBACK", "NONE"};
    unsigned st = m->h.template_id == TIX_WIRE_TICK ? m->u.tick.status : m->u.settlement.status;
    return st < 3 ? (m->h.template_id == TIX_WIRE_TICK ? tick[st] : stl[st]) : "?";
}

/* Names (provider, model, currency) hold whatever bytes but NUL the sender put there: the
 * decoder checks only their termination, and a mapping pattern ("gpt-4o*") admits any model
 * name a provider returns. Each format escapes them so that a name stays one value — never
 * extra JSON keys (a forged "blended"), extra CSV columns or rows, or raw terminal escapes. */
#define NAME_OUT_MAX (96 * 6 + 3) /* the longest name (model, 95 bytes), every byte as \u00XX */

/* JSON string contents: '"', '\\' and control bytes (DEL too) escaped; other bytes as they are. */
static const char *s_json_name(const char *in, char out[NAME_OUT_MAX])
{
    size_t o = 0;
    for (const unsigned char *c = (const unsigned char *)in; *c && o + 7 < NAME_OUT_MAX; c++) {
        if (*c == '"' || *c == '\\')
            o += (size_t)snprintf(out + o, NAME_OUT_MAX - o, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            o += (size_t)snprintf(out + o, NAME_OUT_MAX - o, "\\u%04x", *c);
        else
            out[o++] = (char)*c;
    }
    out[o] = '\0';
    return out;
}

/* An RFC 4180 field: quoted (quotes doubled) when it holds a comma, quote, CR or LF; the
 * bytes themselves are kept, as CSV readers expect. */
static const char *s_csv_name(const char *in, char out[NAME_OUT_MAX])
{
    if (!in[strcspn(in, ",\"\r\n")]) {
        snprintf(out, NAME_OUT_MAX, "%s", in);
        return out;
    }
    size_t o = 0;
    out[o++] = '"';
    for (const char *c = in; *c && o + 3 < NAME_OUT_MAX; c++) {
        if (*c == '"')
            out[o++] = '"';
        out[o++] = *c;
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

/* Text for a terminal: control bytes and DEL as \xHH, the backslash doubled. */
static const char *s_text_name(const char *in, char out[NAME_OUT_MAX])
{
    size_t o = 0;
    for (const unsigned char *c = (const unsigned char *)in; *c && o + 5 < NAME_OUT_MAX; c++) {
        if (*c == '\\')
            o += (size_t)snprintf(out + o, NAME_OUT_MAX - o, "\\\\");
        else if (*c < 0x20 || *c == 0x7f)
            o += (size_t)snprintf(out + o, NAME_OUT_MAX - o, "\\x%02x", *c);
        else
            out[o++] = (char)*c;
    }
    out[o] = '\0';
    return out;
}

static const char *s_kind(uint16_t t)
{
    switch (t) {
    case TIX_WIRE_TICK: return "tick";
    case TIX_WIRE_SETTLEMENT: return "settlement";
    case TIX_WIRE_QUOTE: return "quote";
    case TIX_WIRE_ATTEST: return "attest";
    default: return "other";
    }
}

static void s_print_text(const char *topic, const tix_wire_msg_t *m, unsigned flags)
{
    char ts[40], p[TIX_PRICE_TEXT_MAX], d[TIX_PRICE_TEXT_MAX];
    const char *tag = flags & TIX_SUB_SNAPSHOT ? " [snapshot]" : flags & TIX_SUB_RECOVERED ? " [recovered]" : "";
    switch (m->h.template_id) {
    case TIX_WIRE_TICK: {
        const tix_wire_tick_t *t = &m->u.tick;
        printf("%s %-14s seq=%llu price=%s status=%s n_used=%u n_excluded=%u n_stale=%u dispersion=%s%s\n",
               tix_time_format_iso(t->ts_ns, ts, sizeof ts), topic, (unsigned long long)m->h.topic_seq,
               t->price == TIX_WIRE_PRICE_NULL ? "-" : tix_price_format(t->price, p, sizeof p),
               s_status(m), t->n_used, t->n_excluded, t->n_stale,
               tix_price_format(t->dispersion, d, sizeof d), tag);
        break;
    }
    case TIX_WIRE_SETTLEMENT: {
        const tix_wire_settlement_t *s = &m->u.settlement;
        printf("%s %-14s SETTLEMENT %s price=%s status=%s partitions_used=%u (signature verified "
               "if a key was given)%s\n",
               tix_time_format_iso(s->ts_ns, ts, sizeof ts), topic, s->date,
               s->price == TIX_WIRE_PRICE_NULL ? "-" : tix_price_format(s->price, p, sizeof p),
               s_status(m), s->partitions_used, tag);
        break;
    }
    case TIX_WIRE_QUOTE: {
        const tix_wire_quote_t *q = &m->u.quote;
        char pv[NAME_OUT_MAX], md[NAME_OUT_MAX];
        printf("%s %-14s %s/%s blended=%s%s\n", tix_time_format_iso(q->recv_ns, ts, sizeof ts), topic,
               s_text_name(q->provider, pv), s_text_name(q->model, md),
               tix_price_format(q->blended, p, sizeof p), tag);
        break;
    }
    default: break;
    }
}

/* A price field as exact decimal text; absent (INT64_MAX) as `null_text`. */
static const char *s_price(int64_t v, char *buf, size_t cap, const char *null_text)
{
    return v == TIX_WIRE_PRICE_NULL ? null_text : tix_price_format(v, buf, cap);
}

/* Key id and signature as lowercase hex (both zero from an unsigned publisher). */
static void s_sig_hex(const uint8_t *key_id, const uint8_t *sig, char kid[17], char sg[129])
{
    sodium_bin2hex(kid, 17, key_id, TIX_WIRE_KEY_ID_SIZE);
    sodium_bin2hex(sg, 129, sig, TIX_WIRE_SIG_SIZE);
}

#define CSV_HEADER                                                                                  \
    "kind,topic,channel_seq,topic_seq,ts_ns,tier,price,status,n_used,n_excluded,n_stale,dispersion," \
    "date,partitions_used,provider,model,currency,unit,reason,local_input,local_output,"            \
    "local_cached,fx_e9,input,output,cached,blended,volume,key_id,signature\n"

/* The quote's columns of a CSV row (provider .. volume), names as RFC 4180 fields. */
static void s_csv_quote(const tix_wire_quote_t *q)
{
    char v[9][TIX_PRICE_TEXT_MAX], pv[NAME_OUT_MAX], md[NAME_OUT_MAX], cu[NAME_OUT_MAX];
    printf("%s,%s,%s,%u,%u,%s,%s,%s,%s,%s,%s,%s,%s,%lld", s_csv_name(q->provider, pv),
           s_csv_name(q->model, md), s_csv_name(q->currency, cu), q->unit,
           q->reason, s_price(q->local_input, v[0], sizeof v[0], ""),
           s_price(q->local_output, v[1], sizeof v[1], ""), s_price(q->local_cached, v[2], sizeof v[2], ""),
           q->fx_e9 < 0 ? "" : s_price(q->fx_e9, v[3], sizeof v[3], ""), s_price(q->input, v[4], sizeof v[4], ""),
           s_price(q->output, v[5], sizeof v[5], ""), s_price(q->cached, v[6], sizeof v[6], ""),
           s_price(q->blended, v[7], sizeof v[7], ""), (long long)q->volume);
}

static void s_print_csv(const char *topic, const tix_wire_msg_t *m)
{
    char p[TIX_PRICE_TEXT_MAX], d[TIX_PRICE_TEXT_MAX], kid[17], sg[129];
    printf("%s,%s,%llu,%llu,", s_kind(m->h.template_id), topic, (unsigned long long)m->h.channel_seq,
           (unsigned long long)m->h.topic_seq);
    if (m->h.template_id == TIX_WIRE_TICK) {
        const tix_wire_tick_t *t = &m->u.tick;
        s_sig_hex(t->key_id, t->signature, kid, sg);
        printf("%lld,%s,%s,%s,%u,%u,%u,%s,,,,,,,,,,,,,,,,,%s,%s\n", (long long)t->ts_ns, t->tier,
               s_price(t->price, p, sizeof p, ""), s_status(m), t->n_used, t->n_excluded, t->n_stale,
               tix_price_format(t->dispersion, d, sizeof d), kid, sg);
    } else if (m->h.template_id == TIX_WIRE_SETTLEMENT) {
        const tix_wire_settlement_t *s = &m->u.settlement;
        s_sig_hex(s->key_id, s->signature, kid, sg);
        printf("%lld,%s,%s,%s,,,,,%s,%u,,,,,,,,,,,,,,,%s,%s\n", (long long)s->ts_ns, s->tier,
               s_price(s->price, p, sizeof p, ""), s_status(m), s->date, s->partitions_used, kid, sg);
    } else if (m->h.template_id == TIX_WIRE_QUOTE) {
        const tix_wire_quote_t *q = &m->u.quote;
        printf("%lld,%s,,,,,,,,,", (long long)q->recv_ns, q->tier);
        s_csv_quote(q);
        printf(",,\n");
    }
}

/* ,"name":"exact decimal" or ,"name":null */
static void s_json_price(const char *name, int64_t v)
{
    char p[TIX_PRICE_TEXT_MAX];
    if (v == TIX_WIRE_PRICE_NULL)
        printf(",\"%s\":null", name);
    else
        printf(",\"%s\":\"%s\"", name, tix_price_format(v, p, sizeof p));
}

static void s_json_signature(const uint8_t *key_id, const uint8_t *sig)
{
    char kid[17], sg[129];
    s_sig_hex(key_id, sig, kid, sg);
    printf(",\"key_id\":\"%s\",\"signature\":\"%s\"", kid, sg);
}

static void s_json_quote(const tix_wire_quote_t *q)
{
    char pv[NAME_OUT_MAX], md[NAME_OUT_MAX], cu[NAME_OUT_MAX];
    printf(",\"recv_ns\":%lld,\"tier\":\"%s\",\"provider\":\"%s\",\"model\":\"%s\",\"currency\":\"%s\","
           "\"unit\":%u,\"reason\":%u", (long long)q->recv_ns, q->tier, s_json_name(q->provider, pv),
           s_json_name(q->model, md), s_json_name(q->currency, cu), q->unit, q->reason);
    s_json_price("local_input", q->local_input);
    s_json_price("local_output", q->local_output);
    s_json_price("local_cached", q->local_cached);
    s_json_price("fx_e9", q->fx_e9 < 0 ? TIX_WIRE_PRICE_NULL : q->fx_e9);
    s_json_price("input", q->input);
    s_json_price("output", q->output);
    s_json_price("cached", q->cached);
    s_json_price("blended", q->blended);
    printf(",\"volume\":%lld", (long long)q->volume);
}

static void s_print_jsonl(const char *topic, const tix_wire_msg_t *m, unsigned flags)
{
    char d[TIX_PRICE_TEXT_MAX];
    printf("{\"kind\":\"%s\",\"topic\":\"%s\",\"channel_seq\":%llu,\"topic_seq\":%llu,\"snapshot\":%s,"
           "\"recovered\":%s", s_kind(m->h.template_id), topic, (unsigned long long)m->h.channel_seq,
           (unsigned long long)m->h.topic_seq, flags & TIX_SUB_SNAPSHOT ? "true" : "false",
           flags & TIX_SUB_RECOVERED ? "true" : "false");
    /* Prices as strings: exact decimals, never through a JSON double. */
    if (m->h.template_id == TIX_WIRE_TICK) {
        const tix_wire_tick_t *t = &m->u.tick;
        printf(",\"ts_ns\":%lld,\"tier\":\"%s\"", (long long)t->ts_ns, t->tier);
        s_json_price("price", t->price);
        printf(",\"status\":\"%s\",\"n_used\":%u,\"n_excluded\":%u,\"n_stale\":%u,\"dispersion\":\"%s\"",
               s_status(m), t->n_used, t->n_excluded, t->n_stale, tix_price_format(t->dispersion, d, sizeof d));
        s_json_signature(t->key_id, t->signature);
    } else if (m->h.template_id == TIX_WIRE_SETTLEMENT) {
        const tix_wire_settlement_t *s = &m->u.settlement;
        printf(",\"ts_ns\":%lld,\"tier\":\"%s\",\"date\":\"%s\"", (long long)s->ts_ns, s->tier, s->date);
        s_json_price("price", s->price);
        printf(",\"status\":\"%s\",\"partitions_used\":%u", s_status(m), s->partitions_used);
        s_json_signature(s->key_id, s->signature);
    } else if (m->h.template_id == TIX_WIRE_QUOTE) {
        s_json_quote(&m->u.quote);
    }
    printf("}\n");
}

static void s_on_msg(void *arg, const char *topic, const tix_wire_msg_t *m, unsigned flags)
{
    s_out_t *o = arg;
    if (m->h.template_id == TIX_WIRE_ATTEST)
        return; /* checked by the SDK; not data */
    if (o->fmt == FMT_TEXT)
        s_print_text(topic, m, flags);
    else if (o->fmt == FMT_CSV)
        s_print_csv(topic, m);
    else
        s_print_jsonl(topic, m, flags);
    fflush(stdout);
    if (o->count > 0 && ++o->printed >= o->count)
        s_stop = 1;
}

static void s_on_event(void *arg, tix_sub_event_t ev, const char *topic, const char *detail)
{
    s_out_t *o = arg;
    if (ev == TIX_SUB_EV_AUTH_FAILED) {
        fprintf(stderr, "tix-sub: authentication failed: %s\n", detail);
        o->auth_failed = 1;
        s_stop = 1;
        return;
    }
    if (ev == TIX_SUB_EV_BAD_SIGNATURE || ev == TIX_SUB_EV_TAMPERED || ev == TIX_SUB_EV_UNRECOVERABLE ||
        ev == TIX_SUB_EV_BAD_MESSAGE || ev == TIX_SUB_EV_NO_ATTESTATION)
        o->problems++;
    fprintf(stderr, "tix-sub: %s %s%s%s\n", tix_sub_event_name(ev), topic, *topic ? ": " : "", detail);
}

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: tix-sub --line-a EP [--line-b EP] [--recovery EP] [options]\n"
            "  --tier T            follow tier T (repeatable; default: every tier)\n"
            "  --quotes            also the normalized quotes (QTE.<tier>)\n"
            "  --format F          text (default), csv or jsonl\n"
            "  --key FILE          publisher's Ed25519 public key (.sign.pub): print only what is\n"
            "                      authenticated (signed ticks and settlements; quotes once a\n"
            "                      signed attestation proves them); on by default when given\n"
            "  --verify            insist on verification (the default with --key)\n"
            "  --no-verify         do not verify even with --key\n"
            "  --server-key FILE   publisher's CurveZMQ public key (.curve.pub), for tcp:// lines\n"
            "  --client-key BASE   our CurveZMQ key pair BASE.curve.key (as tix-keygen writes it)\n"
            "  --snapshot          start with the latest value per tier from the recovery service\n"
            "  --count N           stop after N messages;  --duration-ms N  stop after N ms\n"
            "  --hold-max N        verifying, quotes held per topic until an attestation proves\n"
            "                      them (default 131072; more than quote rate x attest_ms)\n"
            "  --attest-timeout-ms N  report NO_ATTESTATION after N ms without a verified\n"
            "                      attestation (default: twice the publisher's announced attest_ms + 1 s)\n"
            "Endpoints: tcp://host:port, ipc://path, epgm://127.0.0.1;239.192.7.1:5555\n"
            "Exit status: 0; 1 bad arguments or setup (also a CURVE key the publisher refuses); 3\n"
            "when a bad signature, tampering, an unrecoverable gap, an undecodable message or\n"
            "(verifying) no attestation within the timeout while data arrived was reported.\n");
}

typedef struct {
    tix_sub_cfg_t cfg;
    const char *key_path, *server_key_path, *client_base;
    bool no_verify, verify, snapshot;
    long count, duration_ms, attest_timeout_ms, hold_max;
    const char *tiers[64];
    s_out_t out;
} s_args_t;

/* The numeric options, each bounded: a deadline in ns cannot overflow (UBSan found that
 * --duration-ms could), nor a timeout an int. */
static int s_number(int opt, const char *text, s_args_t *a)
{
    static const struct {
        int opt;
        const char *name;
        long max;
    } nums[] = {{'N', "count", LONG_MAX},
                {'D', "duration-ms", 1000000000000L},
                {'T', "attest-timeout-ms", 86400000L},
                {'H', "hold-max", 100000000L}};
    long *dest[] = {&a->count, &a->duration_ms, &a->attest_timeout_ms, &a->hold_max};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (nums[i].opt != opt)
            continue;
        char *end;
        errno = 0;
        long v = strtol(text, &end, 10);
        if (*end || end == text || errno == ERANGE || v <= 0 || v > nums[i].max) {
            fprintf(stderr, "tix-sub: --%s: '%s' is not a whole number from 1 to %ld\n", nums[i].name,
                    text, nums[i].max);
            return -1;
        }
        *dest[i] = v;
        return 0;
    }
    return -1;
}

static int s_parse(int argc, char **argv, s_args_t *a)
{
    static const struct option opts[] = {
        {"line-a", required_argument, NULL, 'a'}, {"line-b", required_argument, NULL, 'b'},
        {"recovery", required_argument, NULL, 'r'}, {"tier", required_argument, NULL, 't'},
        {"quotes", no_argument, NULL, 'q'}, {"format", required_argument, NULL, 'f'},
        {"key", required_argument, NULL, 'k'}, {"no-verify", no_argument, NULL, 'n'},
        {"verify", no_argument, NULL, 'v'},
        {"server-key", required_argument, NULL, 's'}, {"client-key", required_argument, NULL, 'c'},
        {"snapshot", no_argument, NULL, 'S'}, {"count", required_argument, NULL, 'N'},
        {"duration-ms", required_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'},
        {"attest-timeout-ms", required_argument, NULL, 'T'}, {"hold-max", required_argument, NULL, 'H'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': a->cfg.line_a = optarg; break;
        case 'b': a->cfg.line_b = optarg; break;
        case 'r': a->cfg.recovery = optarg; break;
        case 't':
            if (a->cfg.ntiers == 64) {
                fprintf(stderr, "tix-sub: --tier: at most 64 tiers\n");
                return -1;
            }
            if (strlen(optarg) == 0 || strlen(optarg) > 31) {
                fprintf(stderr, "tix-sub: --tier: '%s' is not a tier id (1 to 31 characters)\n",
                        optarg);
                return -1;
            }
            a->tiers[a->cfg.ntiers++] = optarg;
            break;
        case 'q': a->cfg.quotes = true; break;
        case 'f':
            if (strcmp(optarg, "text") == 0) a->out.fmt = FMT_TEXT;
            else if (strcmp(optarg, "csv") == 0) a->out.fmt = FMT_CSV;
            else if (strcmp(optarg, "jsonl") == 0) a->out.fmt = FMT_JSONL;
            else {
                fprintf(stderr, "tix-sub: --format: '%s' is not text, csv or jsonl\n", optarg);
                return -1;
            }
            break;
        case 'k': a->key_path = optarg; break;
        case 'n': a->no_verify = true; break;
        case 'v': a->verify = true; break;
        case 's': a->server_key_path = optarg; break;
        case 'c': a->client_base = optarg; break;
        case 'S': a->snapshot = true; break;
        case 'N':
        case 'D':
        case 'T':
        case 'H':
            if (s_number(c, optarg, a))
                return -1;
            break;
        case 'h': s_usage(stdout); exit(0);
        default: return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tix-sub: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (!a->cfg.line_a) {
        fprintf(stderr, "tix-sub: --line-a is required\n");
        return -1;
    }
    if (a->verify && (!a->key_path || a->no_verify)) {
        fprintf(stderr, "tix-sub: --verify needs --key (and no --no-verify)\n");
        return -1;
    }
    if (!!a->server_key_path != !!a->client_base) {
        fprintf(stderr, "tix-sub: --server-key and --client-key go together\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static s_args_t a; /* large: the tier list and output state */
    if (s_parse(argc, argv, &a) != 0) {
        s_usage(stderr);
        return 1;
    }
    uint8_t vk[32];
    tix_sign_key_t sk;
    tix_curve_key_t server, client;
    if (a.key_path && !a.no_verify) {
        if (tix_sign_key_load_public(a.key_path, &sk) != 0) {
            fprintf(stderr, "tix-sub: --key: %s\n", tix_err());
            return 1;
        }
        memcpy(vk, sk.pk, 32);
        a.cfg.verify_key = vk;
    }
    if (a.server_key_path) {
        char path[4096];
        snprintf(path, sizeof path, "%s.curve.key", a.client_base);
        if (tix_curve_key_load_public(a.server_key_path, &server) != 0 ||
            tix_curve_key_load_secret(path, &client) != 0) {
            fprintf(stderr, "tix-sub: %s\n", tix_err());
            return 1;
        }
        a.cfg.server_key = server.pub;
        a.cfg.client_public = client.pub;
        a.cfg.client_secret = client.sec;
    }
    a.cfg.tiers = a.tiers;
    a.cfg.attest_timeout_ms = (int)a.attest_timeout_ms;
    a.cfg.hold_max = (size_t)a.hold_max;
    a.cfg.on_msg = s_on_msg;
    a.cfg.on_event = s_on_event;
    a.cfg.arg = &a.out;
    a.out.count = a.count;
    /* OpenPGM prints its loopback warnings on stdout, which would corrupt CSV/JSONL output;
     * an operator can still ask for them by setting the variable. */
    if (setenv("PGM_MIN_LOG_LEVEL", "ERROR", 0) != 0)
        fprintf(stderr, "tix-sub: cannot quiet OpenPGM's log\n");
    char err[512];
    tix_sub_t *sub = tix_sub_new(&a.cfg, err, sizeof err);
    if (!sub) {
        fprintf(stderr, "tix-sub: %s\n", err);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (a.out.fmt == FMT_CSV)
        printf(CSV_HEADER);
    int rc = 0;
    if (a.snapshot && tix_sub_snapshot(sub, err, sizeof err) != 0) {
        fprintf(stderr, "tix-sub: snapshot: %s\n", err);
        rc = 1;
    }
    int64_t deadline = a.duration_ms ? tix_time_mono_ns() + a.duration_ms * TIX_NS_PER_MS : 0;
    while (rc == 0 && !s_stop && (!deadline || tix_time_mono_ns() < deadline))
        if (tix_sub_poll(sub, 100) < 0) {
            fprintf(stderr, "tix-sub: receive failed\n");
            rc = 1;
        }
    tix_sub_stats_t st;
    tix_sub_stats(sub, &st);
    fprintf(stderr,
            "tix-sub: received %llu (A %llu, B %llu), delivered %llu, duplicates %llu, gaps %llu, "
            "recovered %llu, unrecoverable %llu, bad signatures %llu, tampered %llu, verified %llu, "
            "heartbeats %llu, unattested stretches %llu, version errors %llu, ignored %llu, "
            "refused topics %llu, unauthenticated quotes %llu\n",
            (unsigned long long)st.received, (unsigned long long)st.line_received[0],
            (unsigned long long)st.line_received[1], (unsigned long long)st.delivered,
            (unsigned long long)st.duplicates, (unsigned long long)st.gaps,
            (unsigned long long)st.recovered, (unsigned long long)st.unrecoverable,
            (unsigned long long)st.bad_signatures, (unsigned long long)st.tampered,
            (unsigned long long)st.verified, (unsigned long long)st.heartbeats,
            (unsigned long long)st.attest_missing, (unsigned long long)st.version_errors,
            (unsigned long long)st.ignored, (unsigned long long)st.refused_topics,
            (unsigned long long)st.unauthenticated);
    tix_sub_destroy(&sub);
    if (a.out.auth_failed)
        rc = 1;
    else if (rc == 0 && a.out.problems > 0)
        rc = 3;
    return rc;
}
