# Storage: journal and archive unit tests, and e2e scripts driving tix-archive, tix-query and tix-replay.
tix_unit(journal tix_storage tix_core)
tix_unit(archive tix_storage tix_core)
tix_unit(storage tix_storage tix_core)
file(GLOB tix_storage_e2e ${CMAKE_CURRENT_SOURCE_DIR}/e2e/storage_*.sh)
foreach(script ${tix_storage_e2e})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME e2e_${name} COMMAND ${script} $<TARGET_FILE_DIR:tix-archive>)
  tix_tsan(e2e_${name})
  set_tests_properties(e2e_${name} PROPERTIES ENVIRONMENT "TIX_SRC=${PROJECT_SOURCE_DIR}"
                       TIMEOUT 300)
endforeach()
tix_tsan(unit_journal unit_archive unit_storage)
