# Script mode (cmake -P): runs a command and checks its exit code, its stdout and stderr
# against regular expressions, and how many lines stderr has.
# Inputs: COMMAND (list), EXPECT_RC, STDOUT_REGEX, STDERR_REGEX, STDERR_LINES, ENV (list
# of NAME=VALUE set for the command).

foreach(assignment IN LISTS ENV)
  string(REGEX MATCH "^([^=]+)=(.*)$" _ "${assignment}")
  set(ENV{${CMAKE_MATCH_1}} "${CMAKE_MATCH_2}")
endforeach()

execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("exit code: ${rc}\n--- stdout\n${out}--- stderr\n${err}---")

if(NOT rc STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "expected exit code ${EXPECT_RC}, got ${rc}")
endif()
if(DEFINED STDOUT_REGEX AND NOT out MATCHES "${STDOUT_REGEX}")
  message(FATAL_ERROR "stdout does not match: ${STDOUT_REGEX}")
endif()
if(DEFINED STDERR_REGEX AND NOT err MATCHES "${STDERR_REGEX}")
  message(FATAL_ERROR "stderr does not match: ${STDERR_REGEX}")
endif()
if(DEFINED STDERR_LINES)
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines count)
  if(NOT count EQUAL STDERR_LINES)
    message(FATAL_ERROR "expected ${STDERR_LINES} line(s) on stderr, got ${count}")
  endif()
endif()
