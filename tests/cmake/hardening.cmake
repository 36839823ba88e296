# Security and fault hardening (issue 12): refused-only providers, CLI arguments, key names,
# --check-config parity with start-up, SIGHUP, CSV text and tix-query on damaged archives.
add_test(NAME e2e_once_refused
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/once_refused.sh $<TARGET_FILE:tix-sim>
                 $<TARGET_FILE:tixd> ${PROJECT_SOURCE_DIR})
set_tests_properties(e2e_once_refused PROPERTIES TIMEOUT 120)
add_test(NAME cli_args
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/cli_args.sh $<TARGET_FILE:tix-keygen>
                 $<TARGET_FILE:tixd>)
add_test(NAME query_damaged COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/query_damaged.sh $<TARGET_FILE_DIR:tix-query>)
set_tests_properties(query_damaged PROPERTIES ENVIRONMENT "TIX_SRC=${PROJECT_SOURCE_DIR}" TIMEOUT 120)
add_test(NAME check_config_files
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/check_config_files.sh $<TARGET_FILE:tixd>
                 $<TARGET_FILE:tix-keygen>)
