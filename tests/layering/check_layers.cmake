# check_layers.cmake — fails when a library file (include/voxtrain/<layer>/, src/<layer>/ and their
# sub-folders) includes a layer above its own (docs/ARCHITECTURE.md) or a program's code (src/cli/,
# data_tools/). A file's layer is the first folder under include/voxtrain/ or src/.
# Usage: cmake -DSOURCE_DIR=<repository> [-DMIN_FILES=N] -P check_layers.cmake

if(NOT DEFINED MIN_FILES)
  set(MIN_FILES 50)  # fewer library files than this means SOURCE_DIR is wrong
endif()

set(layers core backend nn metrics comm io data engine apps)  # bottom up
file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/include/voxtrain/*.hpp" "${SOURCE_DIR}/src/*.hpp"
     "${SOURCE_DIR}/src/*.cpp" "${SOURCE_DIR}/src/*.cu" "${SOURCE_DIR}/src/*.cuh")

set(violations "")
set(checked 0)
foreach(file IN LISTS files)
  if(file MATCHES "^include/voxtrain/([a-z_]+)/")
    set(layer "${CMAKE_MATCH_1}")
  elseif(file MATCHES "^src/([a-z_]+)/")
    set(layer "${CMAKE_MATCH_1}")
  else()
    continue()
  endif()
  if(layer STREQUAL "cli")
    continue()  # the voxtrain program may use every layer
  endif()
  list(FIND layers "${layer}" own)
  if(own EQUAL -1)
    string(APPEND violations "  ${file}: '${layer}' is not a layer of docs/ARCHITECTURE.md\n")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  file(STRINGS "${SOURCE_DIR}/${file}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS includes)
    if(line MATCHES "\"(cli|data_tools)/")
      string(APPEND violations "  ${file}: ${line} (library code includes a program's command)\n")
    elseif(line MATCHES "\"voxtrain/([a-z_]+)/")
      list(FIND layers "${CMAKE_MATCH_1}" other)
      if(other GREATER own)
        string(APPEND violations "  ${file}: ${line} (${layer} may not use the ${CMAKE_MATCH_1} layer above it)\n")
      endif()
    endif()
  endforeach()
endforeach()

if(checked LESS MIN_FILES)
  message(FATAL_ERROR "check_layers: only ${checked} library files found under ${SOURCE_DIR}: wrong SOURCE_DIR?")
endif()
if(violations)
  message(FATAL_ERROR "check_layers: includes that break the layering:\n${violations}")
endif()
message(STATUS "check_layers: ${checked} library files, every include goes down the layers")
