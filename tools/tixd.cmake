# tixd's stages as a library (tools/tixd/), linked by tixd (tools/tixd.c: its main) and by tix-bench's pipeline benchmark.
pkg_check_modules(TIXD_MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
set(tixd_dir ${CMAKE_CURRENT_SOURCE_DIR}/tixd)
add_library(tix_daemon STATIC ${tixd_dir}/tixd_daemon.c ${tixd_dir}/tixd_check.c ${tixd_dir}/tixd_engine.c
            ${tixd_dir}/tixd_pub.c ${tixd_dir}/tixd_metrics.c ${tixd_dir}/tixd_queue.c ${tixd_dir}/tixd_sink.c)
target_include_directories(tix_daemon PUBLIC ${tixd_dir})
target_link_libraries(tix_daemon PUBLIC tix_index tix_feed tix_pub tix_storage tix_core
                      PkgConfig::TIXD_MHD Threads::Threads)
target_link_libraries(tixd PRIVATE tix_daemon)
target_link_libraries(tix-bench PRIVATE tix_daemon tix_sub)
