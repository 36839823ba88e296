/* tix-bench's registry: each tools/bench/bench_*.c registers its benchmarks at start-up. */
#ifndef TIX_BENCH_H
#define TIX_BENCH_H

/* A benchmark prints its figures (one "name: figure" line each) and returns 0, or -1. */
typedef int (*tix_bench_fn)(long scale);

void tix_bench_register(const char *name, tix_bench_fn fn, const char *help);

/* Peak resident set of this process in KiB. */
long tix_bench_peak_rss_kb(void);

/* Registers `fn` as `name` before main() runs. */
#define TIX_BENCH(name, fn, help)                                              \
    __attribute__((constructor)) static void s_register_##fn(void)             \
    {                                                                          \
        tix_bench_register(name, fn, help);                                    \
    }

#endif
