# Publisher tools: the subscriber CLI and the key generator.
add_executable(tix-sub tix-sub.c)
target_link_libraries(tix-sub PRIVATE tix_sub tix_core tix_malloc)
add_executable(tix-keygen tix-keygen.c)
target_link_libraries(tix-keygen PRIVATE tix_crypto tix_core)
target_link_libraries(tix-bench PRIVATE tix_pub tix_sub)
