# libFuzzer targets for the config parser and the NIfTI reader (VOXTRAIN_FUZZERS=ON, clang only;
# docs/FUZZING.md). Each compiles the io source it fuzzes plus the core sources that needs, with ASan.

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "VOXTRAIN_FUZZERS=ON needs clang (libFuzzer): configure a separate build directory with "
                      "-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang (docs/FUZZING.md)")
endif()

set(_src "${PROJECT_SOURCE_DIR}/src")
set(_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g)

function(voxtrain_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/include" "${PROJECT_BINARY_DIR}/generated/include")
  target_compile_options(${name} PRIVATE ${_fuzz_flags})
  target_link_options(${name} PRIVATE ${_fuzz_flags})
  target_link_libraries(${name} PRIVATE fmt::fmt ${F_LIBRARIES})
endfunction()

voxtrain_fuzzer(voxtrain_ini_fuzzer
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ini_fuzzer.cpp ${_src}/io/config/ini_file.cpp ${_src}/core/error.cpp
          ${_src}/core/text.cpp)
voxtrain_fuzzer(voxtrain_nifti_fuzzer
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/nifti_fuzzer.cpp ${_src}/io/nifti_image.cpp ${_src}/core/error.cpp
          ${_src}/core/tensor/tensor.cpp ${_src}/core/tensor/shape.cpp ${_src}/core/tensor/host_memory.cpp
          ${_src}/core/checks/check.cpp ${_src}/core/process.cpp
  LIBRARIES NIFTI::nifti2 MPI::MPI_C)  # process.cpp asks MPI for the rank in error messages
