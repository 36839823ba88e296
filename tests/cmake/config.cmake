# Configuration tests: the cmocka suite for core/config.c + core/schema.c, and tixd --check-config
# on every shipped conf/*.conf (exit 0, exactly "OK") and on a typo'd key (exit 1, file:line, hint).
tix_unit(config tix_core)
# @include and integer hardening (the pre-scan libconfig 1.5 needs).
tix_unit(config_scan tix_core)

file(GLOB tix_shipped_confs ${PROJECT_SOURCE_DIR}/conf/*.conf)
foreach(conf ${tix_shipped_confs})
  get_filename_component(conf_name ${conf} NAME_WE)
  add_test(NAME config_check_${conf_name}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/check_config.sh $<TARGET_FILE:tixd> ok ${conf}
                   $<TARGET_FILE:tix-keygen>)
endforeach()

add_test(NAME config_check_typo
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/check_config.sh $<TARGET_FILE:tixd> typo)
