# tools of the storage module: tix-query (archive reader), tix-archive (storage driver and checker); storage benchmarks.
add_executable(tix-query tix-query.c)
target_link_libraries(tix-query PRIVATE tix_storage tix_feed tix_core)
add_executable(tix-archive tix-archive.c tix_archive_check.c)
target_link_libraries(tix-archive PRIVATE tix_storage tix_index tix_feed tix_core)
target_link_libraries(tix-replay PRIVATE tix_verify tix_storage)
target_link_libraries(tix-bench PRIVATE tix_storage)
