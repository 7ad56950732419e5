# Script mode (cmake -P): runs the MPI test binary under mpiexec and decides from the ranks'
# own result files, because Open MPI can exit 0 without starting any rank (e.g. as root).
# Inputs: MPIEXEC, NP, EXE, RESULTS (a directory), EXPECT (pass | watchdog), ARGS (optional).

file(REMOVE_RECURSE "${RESULTS}")
file(MAKE_DIRECTORY "${RESULTS}")
execute_process(
  COMMAND "${MPIEXEC}" -n ${NP} --oversubscribe "${EXE}" --use-colour no --results-dir "${RESULTS}"
          --expect-ranks ${NP} ${ARGS}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out ECHO_OUTPUT_VARIABLE
  ERROR_VARIABLE err ECHO_ERROR_VARIABLE
  TIMEOUT 580)

function(show_rank_logs)
  file(GLOB logs "${RESULTS}/rank-*.log")
  foreach(log IN LISTS logs)
    file(READ "${log}" text)
    message("---- ${log}\n${text}")
  endforeach()
endfunction()

if(EXPECT STREQUAL "watchdog")
  if(rc EQUAL 0)
    message(FATAL_ERROR "mpiexec exited 0, but the hung test should have been aborted by the watchdog")
  endif()
  if(NOT "${out}${err}" MATCHES "\\[rank 1\\] watchdog: test case 'watchdog aborts a hung rank' has run for more than 3 s")
    message(FATAL_ERROR "the watchdog did not name rank 1 and the hung test case")
  endif()
  return()
endif()

set(missing "")
math(EXPR last "${NP} - 1")
foreach(rank RANGE ${last})
  set(result "${RESULTS}/rank-${rank}.result")
  if(NOT EXISTS "${result}")
    list(APPEND missing "rank ${rank}: no result file (the rank never ran or did not finish)")
    continue()
  endif()
  file(READ "${result}" text)
  if(NOT text MATCHES "status=passed")
    list(APPEND missing "rank ${rank}: ${text}")
  endif()
endforeach()

if(NOT rc EQUAL 0 OR missing)
  show_rank_logs()
  string(REPLACE ";" "\n  " missing "${missing}")
  message(FATAL_ERROR "MPI tests under ${MPIEXEC} -n ${NP} failed (exit code ${rc}):\n  ${missing}")
endif()
message(STATUS "all ${NP} ranks ran and passed")
