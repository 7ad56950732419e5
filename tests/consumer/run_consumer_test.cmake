# Script mode (cmake -P): installs the build tree into a scratch prefix, configures and builds
# tests/consumer against it with find_package(voxtrain), and runs the result.
# Inputs: BUILD_DIR, CONSUMER_SOURCE, WORK_DIR, GENERATOR, BUILD_TYPE.

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " shown "${ARGN}")
    message(FATAL_ERROR "failed (exit ${rc}): ${shown}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(installed bin/voxtrain bin/voxdata include/voxtrain/core/tensor/tensor.hpp
                  include/voxtrain/config.hpp lib/cmake/voxtrain/voxtrainConfig.cmake)
  if(NOT EXISTS "${prefix}/${installed}")
    message(FATAL_ERROR "cmake --install did not install ${installed}")
  endif()
endforeach()

run(${CMAKE_COMMAND} -S "${CONSUMER_SOURCE}" -B "${build}" -G "${GENERATOR}"
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE} "-DCMAKE_PREFIX_PATH=${prefix}")
run(${CMAKE_COMMAND} --build "${build}")
run("${build}/consumer")
message(STATUS "${last_output}")
if(NOT last_output MATCHES "consumer: voxtrain [0-9.]+, 128 elements, sum 8128, dtype error caught: yes")
  message(FATAL_ERROR "the consumer printed something unexpected")
endif()

run("${prefix}/bin/voxtrain" --version)
if(NOT last_output MATCHES "^voxtrain [0-9.]+ \\(commit")
  message(FATAL_ERROR "the installed voxtrain --version printed something unexpected")
endif()
message(STATUS "find_package(voxtrain) consumer built and ran")
