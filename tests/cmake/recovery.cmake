# Recovery service tests: strict request parsing, frame limits, reply-byte bounds and ERR busy.
tix_unit(recovery tix_pub)
set_tests_properties(unit_recovery PROPERTIES TIMEOUT 120)
tix_tsan(unit_recovery)
