# libFuzzer targets, with clang and -DTIX_FUZZ=ON; the CTest entry is a bounded 60 s run.
# Longer: mkdir -p /tmp/c && build/tests/fuzz_json -max_total_time=600 /tmp/c tests/fuzz/corpus/json
if(TIX_FUZZ)
  add_executable(fuzz_json fuzz/fuzz_json.c ${PROJECT_SOURCE_DIR}/feed/json.c)
  target_include_directories(fuzz_json PRIVATE ${PROJECT_SOURCE_DIR}/feed)
  target_compile_options(fuzz_json PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_json PRIVATE -fsanitize=fuzzer)
  # New inputs go to the build tree's corpus; the seeds in the source tree are only read.
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/fuzz_json_corpus)
  add_test(NAME fuzz_json_60s
           COMMAND fuzz_json -max_total_time=60 -max_len=2048 ${CMAKE_CURRENT_BINARY_DIR}/fuzz_json_corpus
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/json)
  set_tests_properties(fuzz_json_60s PROPERTIES TIMEOUT 120)
endif()
