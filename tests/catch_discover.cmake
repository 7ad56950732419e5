# Script mode (cmake -P), run after each build of a Catch2 binary: lists its test cases and
# writes one CTest test per case, labelled by its tags. Inputs: EXE, OUT, WORKDIR.
#   [gpu]  -> label gpu; a case printing VOXTRAIN_SKIPPED (no device) is reported as skipped
#   [slow] -> labels unit, slow
#   other  -> label unit

set(script "")
function(add_group spec properties)
  execute_process(COMMAND "${EXE}" "${spec}" --list-test-names-only
                  OUTPUT_VARIABLE listing RESULT_VARIABLE rc WORKING_DIRECTORY "${WORKDIR}")
  if(rc LESS 0 OR rc MATCHES "[^0-9]")
    message(FATAL_ERROR "could not list the test cases of ${EXE}: ${rc}")
  endif()
  string(REPLACE "\n" ";" names "${listing}")
  foreach(name IN LISTS names)
    if(name STREQUAL "")
      continue()
    endif()
    # Catch2 reads ',', '[' and ']' in a test spec as syntax: escape them in the name.
    set(spec_name "${name}")
    foreach(char , [ ])
      string(REPLACE "${char}" "\\${char}" spec_name "${spec_name}")
    endforeach()
    string(APPEND script
      "add_test([==[${name}]==] [==[${EXE}]==] [==[${spec_name}]==])\n"
      "set_tests_properties([==[${name}]==] PROPERTIES WORKING_DIRECTORY [==[${WORKDIR}]==] ${properties})\n")
  endforeach()
  set(script "${script}" PARENT_SCOPE)
endfunction()

# CTest runs tests side by side on few cores: OpenMP threads that spin while waiting would starve
# each other, so the tests' threads sleep instead (OMP_WAIT_POLICY only affects waiting, not results).
set(env "ENVIRONMENT OMP_WAIT_POLICY=PASSIVE")
add_group("~[gpu]~[slow]" "LABELS unit ${env}")
add_group("[slow]~[gpu]" "LABELS [==[unit;slow]==] ${env}")
add_group("[gpu]" "LABELS gpu SKIP_REGULAR_EXPRESSION VOXTRAIN_SKIPPED ${env}")
file(WRITE "${OUT}" "${script}")
