# Script mode (cmake -P), run after each build of a Catch2 binary: lists its test cases and
# writes one CTest test per case, labelled by its tags. Inputs: EXE, OUT, WORKDIR.
#   [gpu]  -> label gpu
#   [slow] -> labels unit, slow
#   [gradcheck] -> labels unit, gradcheck; twice: one OpenMP thread, and two ("<name> (2 threads)")
#   other  -> label unit
# Any case printing VOXTRAIN_SKIPPED (tests/support/skip.hpp: no device, a tool not on PATH) is
# reported as skipped, never as passed.
# Every test (but the 2-thread gradchecks, run alone) runs with OMP_WAIT_POLICY=passive: with the
# default, idle OpenMP threads spin at each barrier, and two such processes sharing 2 cores under
# `ctest -j2` livelock (the backend's gradchecks, thousands of small oneDNN primitives: 0.5 s
# alone, 6 minutes side by side; 3 s for every unit test with passive waiting).
set(script "")
function(add_group spec properties)  # optional third argument: a suffix for the CTest names
  set(suffix "${ARGN}")
  execute_process(COMMAND "${EXE}" "${spec}" --list-test-names-only
                  OUTPUT_VARIABLE listing RESULT_VARIABLE rc WORKING_DIRECTORY "${WORKDIR}")
  if(rc LESS 0 OR rc MATCHES "[^0-9]")
    message(FATAL_ERROR "could not list the test cases of ${EXE}: ${rc}")
  endif()
  # A CMake list would treat '[', ']' and ';' in test names as syntax: hide them while splitting.
  string(REPLACE "[" "<vox-lb>" listing "${listing}")
  string(REPLACE "]" "<vox-rb>" listing "${listing}")
  string(REPLACE ";" "<vox-sc>" listing "${listing}")
  string(REPLACE "\n" ";" names "${listing}")
  foreach(hidden IN LISTS names)
    if(hidden STREQUAL "")
      continue()
    endif()
    string(REPLACE "<vox-lb>" "[" name "${hidden}")
    string(REPLACE "<vox-rb>" "]" name "${name}")
    string(REPLACE "<vox-sc>" ";" name "${name}")
    # Catch2 reads ',', '[' and ']' in a test spec as syntax: escape them in the name.
    set(spec_name "${name}")
    foreach(char , [ ])
      string(REPLACE "${char}" "\\${char}" spec_name "${spec_name}")
    endforeach()
    string(APPEND script
      "add_test([==[${name}${suffix}]==] [==[${EXE}]==] [==[${spec_name}]==])\n"
      "set_tests_properties([==[${name}${suffix}]==] PROPERTIES WORKING_DIRECTORY [==[${WORKDIR}]==]"
      " ${properties} SKIP_REGULAR_EXPRESSION VOXTRAIN_SKIPPED)\n")
  endforeach()
  set(script "${script}" PARENT_SCOPE)
endfunction()

# Gradient checks run thousands of tiny forward passes: one OpenMP thread each, so that two of
# them side by side do not wait on each other's threads at every primitive's barrier.
set(passive "ENVIRONMENT OMP_WAIT_POLICY=passive")
set(one_thread "ENVIRONMENT [==[OMP_WAIT_POLICY=passive;OMP_NUM_THREADS=1]==]")
add_group("~[gpu]~[slow]~[gradcheck]" "LABELS unit ${passive}")
add_group("[gradcheck]~[gpu]~[slow]" "LABELS [==[unit;gradcheck]==] ${one_thread}")
# ... and again with two threads: oneDNN splits convolution backward-weights (and other sums) by
# thread, a path one thread never takes. Alone (RUN_SERIAL) and spinning at barriers: with no
# other test beside them, sleeping threads only wait for the scheduler at each of thousands of
# primitives (all 32 cases on 2 loaded cores: 90 s passive, 53 s default, 14 s active; 3 s with
# one thread).
set(two_threads "ENVIRONMENT [==[OMP_WAIT_POLICY=active;OMP_NUM_THREADS=2]==] RUN_SERIAL TRUE")
add_group("[gradcheck]~[gpu]~[slow]" "LABELS [==[unit;gradcheck]==] ${two_threads}" " (2 threads)")
add_group("[slow]~[gpu]" "LABELS [==[unit;slow]==] ${passive}")
add_group("[gpu]" "LABELS gpu ${passive}")
file(WRITE "${OUT}" "${script}")
