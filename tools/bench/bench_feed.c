/* Feed benchmark: parse + extract + normalize of JSON price lists vs the raw json-c parse of the same bytes. */
#include "bench.h"
#include "tix_config.h"
#include "tix_err.h"
#include "tix_extract.h"
#include "tix_json.h"
#include "tix_normalize.h"
#include "tix_time.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NMODELS 2000

static const char *const s_conf =
    "tiers = ( { id = \"T1\"; }, { id = \"T2\"; } );\n"
    "mapping = ( { provider = \"*\"; model = \"*-large*\"; tier = \"T1\"; },\n"
    "            { provider = \"*\"; model = \"*\"; tier = \"T2\"; } );\n"
    "fx = { USD = \"1\"; CNY = \"0.1380\"; };\n"
    "providers = ( { name = \"sheet\"; kind = \"http_poll\"; url = \"http://127.0.0.1:9/\";\n"
    "  list = \"prices[*]\"; model = \"model\"; unit = \"1m\"; currency = \"USD\";\n"
    "  input = \"input\"; output = \"output\"; cached_input = \"cached_input\"; } );\n";

/* A price sheet of NMODELS models with JSON-number prices, batch and flex groups. */
static char *s_doc(size_t *len)
{
    size_t cap = (size_t)NMODELS * 256 + 256, n = 0;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    n += (size_t)snprintf(b + n, cap - n, "{\"object\":\"price_sheet\",\"prices\":[");
    for (int i = 0; i < NMODELS; i++)
        n += (size_t)snprintf(b + n, cap - n,
                              "%s{\"model\":\"vendor/model-%d%s\",\"input\":%d.%02d,\"cached_input\":%d.%03d,"
                              "\"output\":%d.%02d,\"batch\":{\"input\":1.25,\"output\":5.00}}",
                              i ? "," : "", i, i % 3 ? "" : "-large", 1 + i % 7, i % 100, i % 3,
                              i % 1000, 4 + i % 11, (i * 7) % 100);
    n += (size_t)snprintf(b + n, cap - n, "]}");
    *len = n;
    return b;
}

typedef struct {
    const tix_extract_t *x;
    tix_norm_t *norm;
    const tix_json_val_t *root;
    long ok;
} s_run_t;

static int s_elem(void *arg, const tix_json_val_t *elem)
{
    s_run_t *r = arg;
    tix_xquote_t xq;
    tix_norm_error_t err;
    tix_quote_t q;
    if (tix_extract_elem(r->x, r->root, elem, "sheet", 1, &xq, &err) == TIX_X_QUOTE &&
        tix_norm_quote(r->norm, &xq.raw, &q, &err) == 0)
        r->ok++;
    return 0;
}

static tix_config_t *s_config(void)
{
    char path[] = "/tmp/tix-bench-feed-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f || fputs(s_conf, f) < 0 || fclose(f) != 0)
        return NULL;
    tix_config_t *cfg = tix_config_load(path, NULL);
    unlink(path);
    return cfg;
}

static int s_bench_feed(long scale)
{
    size_t len = 0;
    char *doc = s_doc(&len);
    tix_config_t *cfg = s_config();
    tix_norm_t *norm = cfg ? tix_norm_new(cfg) : NULL;
    json_tokener *tok = json_tokener_new();
    tix_json_t *json = tix_json_new();
    tix_extract_t x;
    memset(&x, 0, sizeof x);
    if (!doc || !cfg || !norm || !tok || !json ||
        tix_extract_init(&x, config_setting_get_elem(tix_config_lookup(cfg, "providers"), 0), NULL,
                         "bench", "providers[0]", NULL) != 0) {
        fprintf(stderr, "tix-bench feed: setup failed: %s\n", tix_err());
        return -1;
    }
    long reps = 50 * (scale > 0 ? scale : 1);
    /* The raw json-c parse of the same bytes: the floor our layer adds to. */
    int64_t t0 = tix_time_mono_ns();
    for (long i = 0; i < reps; i++) {
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, doc, (int)len);
        if (!o)
            return -1;
        json_object_put(o);
    }
    int64_t raw_ns = tix_time_mono_ns() - t0;
    /* Our parser alone (tix_json), then the whole path the collector runs per price list. */
    t0 = tix_time_mono_ns();
    for (long i = 0; i < reps; i++)
        if (!tix_json_parse(json, doc, len)) {
            fprintf(stderr, "tix-bench feed: the price list does not parse: %s\n", tix_json_error(json));
            return -1;
        }
    int64_t parse_ns = tix_time_mono_ns() - t0;
    s_run_t r = {&x, norm, NULL, 0};
    t0 = tix_time_mono_ns();
    for (long i = 0; i < reps; i++) {
        r.root = tix_json_parse(json, doc, len);
        if (!r.root)
            return -1;
        tix_extract_each(&x, r.root, s_elem, &r);
    }
    int64_t full_ns = tix_time_mono_ns() - t0;
    double quotes = (double)reps * NMODELS;
    printf("feed.doc: %d models, %zu bytes per price list, %ld lists\n", NMODELS, len, reps);
    printf("feed.json_c_parse: %.0f quotes/s (%.1f MB/s)\n", quotes / (raw_ns / 1e9),
           (double)len * reps / (raw_ns / 1e9) / 1e6);
    printf("feed.tix_json_parse: %.0f quotes/s (%.1f MB/s)\n", quotes / (parse_ns / 1e9),
           (double)len * reps / (parse_ns / 1e9) / 1e6);
    printf("feed.parse_extract_normalize: %.0f quotes/s (%ld accepted; target >= 500000 on one core)\n",
           quotes / (full_ns / 1e9), r.ok);
    printf("feed.ratio: %.2f (full path time / raw json-c parse time of the same bytes)\n",
           (double)full_ns / (double)raw_ns);
    printf("feed.peak_rss: %ld KiB\n", tix_bench_peak_rss_kb());
    tix_extract_fini(&x);
    json_tokener_free(tok);
    tix_json_destroy(&json);
    tix_norm_destroy(&norm);
    tix_config_destroy(&cfg);
    free(doc);
    return r.ok == (long)quotes ? 0 : -1;
}

TIX_BENCH("feed", s_bench_feed,
          "parse + extract + normalize JSON price lists (2000 models each) vs raw json-c parse")
