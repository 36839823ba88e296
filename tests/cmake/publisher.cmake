# publisher tests: wire codec vectors and round trips.
tix_unit(wire tix_crypto)
tix_unit(chain tix_crypto)
tix_unit(pubsub tix_pub tix_sub)
set_tests_properties(unit_pubsub PROPERTIES TIMEOUT 120)
# Forged ticks over epgm on the 127.0.0.1 interface, forged quotes, topic floods, v1 messages.
tix_unit(sub_attacks tix_pub tix_sub)
set_tests_properties(unit_sub_attacks PROPERTIES TIMEOUT 120)
# Bounded mutation fuzzing of the SDK's flow (TIX_FUZZ_SEED=N reruns another sequence).
tix_unit(sub_fuzz tix_sub)
set_tests_properties(unit_sub_fuzz PROPERTIES TIMEOUT 120)

# Two processes over epgm multicast on the 127.0.0.1 interface (DESIGN §7: test it in CI).
add_executable(pub_driver e2e/pub_driver.c)
target_link_libraries(pub_driver PRIVATE tix_pub tix_core)
add_test(NAME e2e_pub_epgm
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/pub_epgm.sh $<TARGET_FILE:pub_driver>
                 $<TARGET_FILE:tix-sub> $<TARGET_FILE:tix-keygen>)
set_tests_properties(e2e_pub_epgm PROPERTIES TIMEOUT 90)

# docs/wire.md's test vectors are the checked-in ones, and decode by its offsets.
# Its offset tables are what the codec writes (wire_layout encodes field by field).
add_executable(wire_layout wire_layout.c)
target_link_libraries(wire_layout PRIVATE tix_wire)
add_test(NAME wire_doc_vectors
         COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/wire_doc_check.py ${PROJECT_SOURCE_DIR}
                 $<TARGET_FILE:wire_layout>)

add_test(NAME e2e_sub_cli
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/sub_cli.sh $<TARGET_FILE:pub_driver>
                 $<TARGET_FILE:tix-sub> $<TARGET_FILE:tix-keygen>)
set_tests_properties(e2e_sub_cli PROPERTIES TIMEOUT 90)
# Names with odd bytes (quotes, commas, newlines, escapes) in tix-sub's jsonl, csv and text.
add_test(NAME e2e_sub_names
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/sub_names.sh $<TARGET_FILE:pub_driver>
                 $<TARGET_FILE:tix-sub> $<TARGET_FILE:tix-keygen>)
set_tests_properties(e2e_sub_names PROPERTIES TIMEOUT 90)
add_test(NAME e2e_pub_norm
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/pub_epgm.sh $<TARGET_FILE:pub_driver>
                 $<TARGET_FILE:tix-sub> $<TARGET_FILE:tix-keygen> norm)
set_tests_properties(e2e_pub_norm PROPERTIES TIMEOUT 90)
tix_tsan(unit_pubsub e2e_pub_epgm e2e_sub_cli e2e_pub_norm)
