/* tix-bench: runs the stage benchmarks registered in tools/bench/; figures, never test assertions. */
#include "bench.h"
#include "tix_alloc.h"

#include <stdbool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define MAX_BENCH 64

static struct {
    const char *name, *help;
    tix_bench_fn fn;
} s_benches[MAX_BENCH];
static int s_nbench;

void tix_bench_register(const char *name, tix_bench_fn fn, const char *help)
{
    if (s_nbench < MAX_BENCH)
        s_benches[s_nbench++] = (__typeof__(s_benches[0])){name, help, fn};
}

long tix_bench_peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static void s_usage(FILE *f)
{
    fprintf(f, "usage: tix-bench [all|NAME...] [--scale N]\n"
               "  --scale N   multiply each benchmark's load by N (default 1)\n"
               "benchmarks:\n");
    for (int i = 0; i < s_nbench; i++)
        fprintf(f, "  %-12s %s\n", s_benches[i].name, s_benches[i].help);
}

int main(int argc, char **argv)
{
    long scale = 1;
    const char *names[MAX_BENCH];
    int nnames = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            char *end;
            scale = strtol(argv[++i], &end, 10);
            if (*end || scale <= 0) {
                fprintf(stderr, "tix-bench: --scale: '%s' is not a positive integer\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            s_usage(stdout);
            return 0;
        } else if (nnames < MAX_BENCH) {
            names[nnames++] = argv[i];
        }
    }
    for (int j = 0; j < nnames; j++) {
        bool known = strcmp(names[j], "all") == 0;
        for (int i = 0; i < s_nbench; i++)
            known |= strcmp(names[j], s_benches[i].name) == 0;
        if (!known) {
            fprintf(stderr, "tix-bench: unknown benchmark '%s'\n", names[j]);
            s_usage(stderr);
            return 2;
        }
    }
    printf("tix-bench: allocator %s\n", tix_allocator()); /* changes the ZeroMQ figures most */
    int failed = 0, ran = 0;
    for (int i = 0; i < s_nbench; i++) {
        bool want = nnames == 0;
        for (int j = 0; j < nnames; j++)
            want |= strcmp(names[j], "all") == 0 || strcmp(names[j], s_benches[i].name) == 0;
        if (!want)
            continue;
        ran++;
        if (s_benches[i].fn(scale) != 0) {
            fprintf(stderr, "tix-bench: %s failed\n", s_benches[i].name);
            failed++;
        }
    }
    return failed || ran == 0 ? 1 : 0;
}
