# mae_builtin_configs(OUT_VAR): a C++ file embedding configs/models/*.json
# (cmake/embed_configs.cmake writes it at build time), so --arch works from
# any directory. Sets OUT_VAR to its path.
function(mae_builtin_configs out_var)
  file(GLOB configs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/configs/models/*.json)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/builtin_configs.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DDIR=${PROJECT_SOURCE_DIR}/configs/models
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_configs.cmake
    DEPENDS ${configs} ${PROJECT_SOURCE_DIR}/cmake/embed_configs.cmake
    COMMENT "Embedding configs/models/*.json")
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
