# The engine's no-allocation-after-warm-up promise, counted with linker-wrapped allocators.
tix_unit(engine_alloc tix_index tix_feed tix_core)
target_link_options(test_engine_alloc PRIVATE -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc)
# The allocator the tools link (jemalloc unless a sanitizer is on) is the one that serves malloc.
tix_unit(allocator tix_core tix_malloc)
