# Golden cases tied to an independent implementation: tests/ref/tix_ref.py (Python, written
# from METHODOLOGY-v1.md) must reproduce every tests/data/golden/<case>/*.exp, so the
# expected files do not merely echo the C code. Cases with refusals.exp also check
# tix-replay's refusal counts and first-occurrence lines, path-free (golden.sh's stderr.exp
# cannot: those lines carry the absolute path of quotes.csv).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME golden_ref_agrees
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ref/check_ref.sh ${CMAKE_CURRENT_SOURCE_DIR}/data/golden)
  set_tests_properties(golden_ref_agrees PROPERTIES ENVIRONMENT "PYTHON=${Python3_EXECUTABLE}")
else()
  message(WARNING "python3 not found: golden_ref_agrees (tests/ref/tix_ref.py) is not registered")
endif()

file(GLOB tix_golden_refusal_files ${CMAKE_CURRENT_SOURCE_DIR}/data/golden/*/refusals.exp)
foreach(f ${tix_golden_refusal_files})
  get_filename_component(dir ${f} DIRECTORY)
  get_filename_component(case ${dir} NAME)
  add_test(NAME golden_refusals_${case}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ref/check_refusals.sh $<TARGET_FILE:tix-replay> ${dir})
endforeach()
