# tix-sim: the provider simulator (libmicrohttpd; zlib for gzip bodies); tix-bench gets the feed benchmark's libraries.
pkg_check_modules(SIM_MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
pkg_check_modules(SIM_ZLIB REQUIRED IMPORTED_TARGET zlib)
add_executable(tix-sim tix-sim.c sim_payload.c)
target_link_libraries(tix-sim PRIVATE tix_core PkgConfig::JSONC PkgConfig::SIM_MHD
                      PkgConfig::SIM_ZLIB Threads::Threads)
target_link_libraries(tix-bench PRIVATE tix_feed PkgConfig::JSONC)
