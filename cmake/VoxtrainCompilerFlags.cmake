# Warnings, warnings-as-errors and sanitizers for voxtrain's own targets.
# voxtrain_target_defaults(<target>) applies them; the sanitizer applies to every target.

set(_voxtrain_sanitizers address undefined thread)
if(VOXTRAIN_SANITIZE AND NOT VOXTRAIN_SANITIZE IN_LIST _voxtrain_sanitizers)
  message(FATAL_ERROR "VOXTRAIN_SANITIZE=${VOXTRAIN_SANITIZE} is not a sanitizer voxtrain knows: "
                      "use address, undefined or thread (or leave it empty).")
endif()
if(VOXTRAIN_SANITIZE)
  set(_san "-fsanitize=${VOXTRAIN_SANITIZE}")
  if(VOXTRAIN_SANITIZE STREQUAL "undefined")
    string(APPEND _san ";-fno-sanitize-recover=undefined")
  endif()
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_san};-fno-omit-frame-pointer>")
  add_link_options(${_san})
endif()

# __FILE__ relative to the source tree, so error messages read "src/core/x.cpp:12".
# Ninja may name sources relative to the build directory ("../src/x.cpp", or "../../repo/src/x.cpp"
# for a build outside the tree): map that prefix too.
add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:-fmacro-prefix-map=${PROJECT_SOURCE_DIR}/=>")
file(RELATIVE_PATH _voxtrain_source_from_build "${CMAKE_BINARY_DIR}" "${PROJECT_SOURCE_DIR}")
if(_voxtrain_source_from_build)
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:-fmacro-prefix-map=${_voxtrain_source_from_build}/=>")
endif()

function(voxtrain_target_defaults target)
  set(warnings -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
               -Wcast-align -Wimplicit-fallthrough -Wmissing-declarations)
  if(VOXTRAIN_WERROR)
    list(APPEND warnings -Werror)
  endif()
  target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:${warnings}>")
  if(VOXTRAIN_WERROR)
    target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:-Werror=all-warnings>")
  endif()
endfunction()
