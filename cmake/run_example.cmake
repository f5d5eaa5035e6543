# run_example.cmake - runs one example program for ctest.
#   cmake -DEXE=<program> [-DGOLDEN=<file>] [-DWORKDIR=<dir>] -P run_example.cmake
# The program must exit 0. When GOLDEN names an existing file, the program's standard output must
# equal that file byte for byte (standard error is shown, never compared).
cmake_minimum_required(VERSION 3.21)

if(NOT DEFINED EXE OR EXE STREQUAL "")
  message(FATAL_ERROR "run_example: -DEXE=... is required")
endif()
if(NOT DEFINED WORKDIR OR WORKDIR STREQUAL "")
  get_filename_component(WORKDIR "${EXE}" DIRECTORY)
endif()

execute_process(COMMAND "${EXE}"
  WORKING_DIRECTORY "${WORKDIR}"
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _err)
message(STATUS "---- ${EXE} ----\n${_out}${_err}---- exit code ${_rc} ----")
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "example ${EXE} exited with ${_rc}")
endif()

if(DEFINED GOLDEN AND NOT GOLDEN STREQUAL "" AND EXISTS "${GOLDEN}")
  file(READ "${GOLDEN}" _expected)
  if(NOT _out STREQUAL _expected)
    get_filename_component(_name "${EXE}" NAME)
    set(_actual_file "${WORKDIR}/${_name}.actual.txt")
    file(WRITE "${_actual_file}" "${_out}")
    message(FATAL_ERROR "example output differs from ${GOLDEN}\n"
      "actual output written to ${_actual_file}; compare with: diff -u ${GOLDEN} ${_actual_file}")
  endif()
  message(STATUS "output matches ${GOLDEN}")
endif()
