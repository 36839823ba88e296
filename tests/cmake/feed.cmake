# Feed tests: JSON paths, provider presets (exact numbers), and collectors against tix-sim.
# The JSON parser, checked against json-c as an independent oracle.
tix_unit(json tix_feed tix_core PkgConfig::JSONC)
tix_unit(jsonpath tix_feed tix_core)
tix_unit(presets tix_feed tix_core)

# Integration: tix-sim with faults against the collectors, in-process, exact values checked.
add_executable(test_e2e_collectors e2e/test_collectors.c)
target_link_libraries(test_e2e_collectors PRIVATE tix_feed tix_core PkgConfig::CMOCKA)
add_test(NAME e2e_collectors
         COMMAND test_e2e_collectors $<TARGET_FILE:tix-sim> ${PROJECT_SOURCE_DIR})
set_tests_properties(e2e_collectors PROPERTIES TIMEOUT 120)
# tixd --role collector --once --record against tix-sim, then tix-replay of the recording.
add_test(NAME e2e_once_record
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/once_record.sh $<TARGET_FILE:tix-sim>
                 $<TARGET_FILE:tixd> $<TARGET_FILE:tix-replay> ${PROJECT_SOURCE_DIR})
set_tests_properties(e2e_once_record PROPERTIES TIMEOUT 120)
tix_tsan(e2e_collectors e2e_once_record)
# zmq_ingest hardening, in-process on ipc://: CURVE keys and provider allowlists, bad_time,
# multipart and oversize messages, bounded refusal logs, configuration errors.
tix_unit(ingest tix_feed tix_crypto tix_core)
set_tests_properties(unit_ingest PROPERTIES TIMEOUT 120)
# tixd --role engine with a CURVE zmq_ingest: unknown keys, SIGHUP reload of collectors_allow,
# bad_time across a restart (no journal or archive day moves).
add_executable(ingest_send e2e/ingest_send.c)
target_link_libraries(ingest_send PRIVATE tix_crypto tix_core)
add_test(NAME e2e_ingest_curve
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/ingest_curve.sh $<TARGET_FILE_DIR:tixd>
                 $<TARGET_FILE:ingest_send>)
set_tests_properties(e2e_ingest_curve PROPERTIES ENVIRONMENT "TIX_SRC=${PROJECT_SOURCE_DIR}"
                     TIMEOUT 120)
