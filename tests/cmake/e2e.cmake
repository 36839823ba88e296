# tixd end to end: real processes on loopback (tix-sim -> tixd -> tix-sub), archive, kill -9, roles, /metrics.
file(GLOB tix_tixd_e2e ${CMAKE_CURRENT_SOURCE_DIR}/e2e/e2e_tixd_*.sh)
foreach(script ${tix_tixd_e2e})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME ${name} COMMAND ${script} $<TARGET_FILE_DIR:tixd>)
  tix_tsan(${name})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "TIX_SRC=${PROJECT_SOURCE_DIR}" TIMEOUT 120)
endforeach()
