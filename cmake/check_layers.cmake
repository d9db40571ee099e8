# The layer check: fails when a file under ROOT/core/<layer>/ includes a
# header of a later layer of cmake/layers.cmake, or anything from the apps.
#   cmake -DROOT=<source tree> -P cmake/check_layers.cmake
# Quoted includes that start with a layer name ("model/mae_model.h") are
# checked; others must name a file beside the includer ("cuda/x.h").
include(${CMAKE_CURRENT_LIST_DIR}/layers.cmake)
if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source tree> -P check_layers.cmake")
endif()

set(violations "")
set(checked 0)
foreach(layer ${MAE_CORE_LAYERS})
  list(FIND MAE_CORE_LAYERS ${layer} rank)
  file(GLOB_RECURSE files ${ROOT}/core/${layer}/*.h ${ROOT}/core/${layer}/*.cpp
       ${ROOT}/core/${layer}/*.cu)
  foreach(file ${files})
    math(EXPR checked "${checked} + 1")
    file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"")
    get_filename_component(dir ${file} DIRECTORY)
    file(RELATIVE_PATH rel ${ROOT} ${file})
    foreach(line ${includes})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([^\"]+)\".*" "\\1" header "${line}")
      string(REGEX MATCH "^[^/]+" top "${header}")
      list(FIND MAE_CORE_LAYERS "${top}" target)
      if(target GREATER rank)
        list(APPEND violations "${rel}: layer '${layer}' includes \"${header}\" of the later layer '${top}'")
      elseif(target EQUAL -1 AND NOT EXISTS ${dir}/${header})
        list(APPEND violations "${rel}: \"${header}\" is neither a core header nor beside the file")
      endif()
    endforeach()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "layer check: no files under ${ROOT}/core")
endif()
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "layer check: includes against the order ${MAE_CORE_LAYERS}:\n  ${text}")
endif()
message(STATUS "layer check: ${checked} files follow ${MAE_CORE_LAYERS}")
