# tixd's stages as a library (tools/tixd_*.c), linked by tixd and by tix-bench's pipeline benchmark.
pkg_check_modules(TIXD_MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
add_library(tix_daemon STATIC tixd_daemon.c tixd_check.c tixd_engine.c tixd_pub.c tixd_metrics.c tixd_queue.c)
target_include_directories(tix_daemon PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(tix_daemon PUBLIC tix_index tix_feed tix_pub tix_storage tix_core
                      PkgConfig::TIXD_MHD Threads::Threads)
target_link_libraries(tixd PRIVATE tix_daemon)
target_link_libraries(tix-bench PRIVATE tix_daemon tix_sub)
