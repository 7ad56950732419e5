# Script mode (cmake -P): runs one discovered unit test case through CTest in a scratch directory,
# with PATH as given, and checks CTest's verdict: a case whose tool is missing must say Skipped.
# Inputs: CTEST, TESTS_FILE (catch_discover.cmake's output), NAME_REGEX, WORK, EXPECT (Skipped |
# Passed), NO_TOOLS (ON: PATH holds only an empty directory), TOOL (Passed is asserted only if on PATH).

if(EXPECT STREQUAL "Passed" AND DEFINED TOOL)
  find_program(tool_path ${TOOL} NO_CACHE)
  if(NOT tool_path)
    message("VOXTRAIN_SKIPPED: ${TOOL} is not on PATH, so its test cannot be shown to run")
    return()
  endif()
endif()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/empty-bin")
# The real discovered tests, with their real properties, in a directory of their own: this CTest
# run does not touch the build tree's Testing/ logs.
configure_file("${TESTS_FILE}" "${WORK}/CTestTestfile.cmake" COPYONLY)
if(NO_TOOLS)
  set(ENV{PATH} "${WORK}/empty-bin")
endif()

execute_process(COMMAND "${CTEST}" --test-dir "${WORK}" -R "${NAME_REGEX}" --output-on-failure -V
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("ctest exit code ${rc}\n${out}${err}")

if(NOT out MATCHES "out of 1\n")
  message(FATAL_ERROR "expected exactly one test to match '${NAME_REGEX}'")
endif()
if(NOT out MATCHES "Test +#[0-9]+: [^\n]*[ *]${EXPECT} ")
  message(FATAL_ERROR "CTest did not report the test as ${EXPECT}")
endif()
if(EXPECT STREQUAL "Skipped" AND NOT out MATCHES "VOXTRAIN_SKIPPED: ")
  message(FATAL_ERROR "the test case did not print the skip marker")
endif()
message(STATUS "CTest reported ${EXPECT}")
