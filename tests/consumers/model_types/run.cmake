# run.cmake - weft_model_types() end to end, in a consumer project built against an installed weft
# (ctest package.model_types_onnx, package.model_types_xgboost).
#
#   cmake -DRUNTIME=onnx|xgboost -DPREFIX=<weft install> -DDATA=<tests/data/types>
#         -DFITS=<file> -DRETRAINED=<file> [-DUNSUPPORTED=<file>] -DSCRATCH=<dir>
#         -DGENERATOR=<generator> [-DMAKE_PROGRAM=<path>] -DCXX=<compiler> [-DCXX_FLAGS=<flags>]
#         [-DBUILD_TYPE=<config>] -P run.cmake
#
# The consumer's model file is a copy in SCRATCH, swapped between builds, as a user's retraining would:
#   1. FITS (8 features): configure, build, run: the program loads the file and checks one call.
#   2. touch the file: the rebuild re-runs the generator (its COMMENT is in the build's output).
#   3. RETRAINED (16 features): the rebuild re-generates model.hpp (now f32[16]) and the build FAILS
#      with weft's diagnostic: the weft: line, the stage (sequence_stage<1>), f32<8> and f32<16>.
#   4. FITS again: builds and runs again.
#   5. a file that is not a model: the build fails with "weft_model_types: <that file>: ...".
#   6. UNSUPPORTED (an element type weft has no scalar for): the same, naming the element type.
cmake_minimum_required(VERSION 3.21)

foreach(_var RUNTIME PREFIX DATA FITS RETRAINED SCRATCH GENERATOR CXX)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "model_types: -D${_var}=... is required")
  endif()
endforeach()

# expect(<what> <condition...>): records <what> as a failure unless if(<condition>) holds.
function(expect what)
  if(${ARGN})
    message(STATUS "  ok: ${what}")
  else()
    message(STATUS "  FAIL: ${what}")
    set_property(GLOBAL APPEND PROPERTY WEFT_MODEL_TYPES_FAILURES "${what}")
  endif()
endfunction()

# Runs a command; sets _rc and _out (stdout and stderr together, lines joined for matching in _flat).
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _r OUTPUT_VARIABLE _o ERROR_VARIABLE _o)
  string(REGEX REPLACE "[ \t\r\n]+" " " _f "${_o}")
  message(STATUS "[${what}] exit ${_r}")
  set(_rc "${_r}" PARENT_SCOPE)
  set(_out "${_o}" PARENT_SCOPE)
  set(_flat "${_f}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${SCRATCH}")
file(MAKE_DIRECTORY "${SCRATCH}")
get_filename_component(_ext "${FITS}" LAST_EXT)
set(_model "${SCRATCH}/model${_ext}")
set(_build "${SCRATCH}/build")
set(_header "${_build}/weft_model_types/weft_consumer/model.hpp")
get_filename_component(_fits_name "${FITS}" NAME_WE)
file(STRINGS "${DATA}/expected.txt" _expected REGEX "^${_fits_name} ")
string(REGEX REPLACE "^${_fits_name} " "" _expected "${_expected}")
if(_expected STREQUAL "")
  message(FATAL_ERROR "model_types: ${DATA}/expected.txt has no line for ${_fits_name}")
endif()

# Replaces the consumer's model file by <file> with a new modification time.
function(swap_in file)
  file(COPY_FILE "${file}" "${_model}")
  execute_process(COMMAND "${CMAKE_COMMAND}" -E sleep 1.1)
  file(TOUCH "${_model}")
endfunction()

set(_configure
  "${CMAKE_COMMAND}" -S "${CMAKE_CURRENT_LIST_DIR}" -B "${_build}" -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
  "-DCMAKE_PREFIX_PATH=${PREFIX}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
  "-DRUNTIME=${RUNTIME}" "-DMODEL=${_model}" "-DWEFT_EXPECTED=${_expected}")
if(DEFINED MAKE_PROGRAM AND NOT MAKE_PROGRAM STREQUAL "")
  list(APPEND _configure "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
set(_build_cmd "${CMAKE_COMMAND}" --build "${_build}")

# 1. The file the pipeline was written for.
message(STATUS "1. ${FITS}: builds and runs")
file(COPY_FILE "${FITS}" "${_model}")
run(configure ${_configure})
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "model_types: the consumer's configure failed:\n${_out}")
endif()
run(build ${_build_cmd})
expect("the pipeline compiles against ${_fits_name}" _rc EQUAL 0)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "model_types: build against ${FITS} failed:\n${_out}")
endif()
expect("the header was generated during the build" _flat MATCHES "weft_model_types: model.hpp from")
file(READ "${_header}" _text)
expect("model.hpp declares f32[8] input" _text MATCHES "using model_input = Eigen::Matrix<float, 8, 1>;")
run(run "${_build}/weft_consumer")
message(STATUS "${_out}")
expect("the program loads the file and one call matches Python's output" _rc EQUAL 0)

# 2. Touched: the header is generated again.
message(STATUS "2. the file touched: the header is re-generated")
swap_in("${FITS}")
run(build ${_build_cmd})
expect("rebuild after touch" _rc EQUAL 0)
expect("touching the file re-ran the generator" _flat MATCHES "weft_model_types: model.hpp from")
run(build ${_build_cmd})
expect("an unchanged file does not re-run it" NOT _flat MATCHES "weft_model_types: model.hpp from")

# 3. Retrained on 16 features: the same source must not compile.
message(STATUS "3. ${RETRAINED}: the same source fails to compile with weft's diagnostic")
swap_in("${RETRAINED}")
run(build ${_build_cmd})
expect("the build fails against the retrained file" NOT _rc EQUAL 0)
expect("weft's diagnostic line" _flat MATCHES "weft: a static extent arriving at this stage differs")
expect("the diagnostic names the stage (sequence_stage<1>)" _flat MATCHES "sequence_stage<1>")
expect("the diagnostic shows both specs, f32<8> and f32<16>" _flat MATCHES "f32<8>" AND _flat MATCHES "f32<16>")
file(READ "${_header}" _text)
expect("model.hpp re-generated: f32[16]" _text MATCHES "using model_input = Eigen::Matrix<float, 16, 1>;")
get_property(_failures GLOBAL PROPERTY WEFT_MODEL_TYPES_FAILURES)
if(_failures)
  message(STATUS "---- build output ----\n${_out}----------------")
endif()

# 4. Back to the file that fits.
message(STATUS "4. ${FITS} again: builds and runs")
swap_in("${FITS}")
run(build ${_build_cmd})
expect("builds again against ${_fits_name}" _rc EQUAL 0)
run(run "${_build}/weft_consumer")
expect("runs again" _rc EQUAL 0)

# 5, 6. Files the generator cannot read: the build fails, naming the file.
set(_bad "${DATA}/expected.txt|not a|cannot load")
if(DEFINED UNSUPPORTED AND NOT UNSUPPORTED STREQUAL "")
  list(APPEND _bad "${UNSUPPORTED}|element type|element type")
endif()
foreach(_case IN LISTS _bad)
  string(REPLACE "|" ";" _case "${_case}")
  list(GET _case 0 _file)
  list(GET _case 1 _why_onnx)
  list(GET _case 2 _why_xgboost)
  set(_why "${_why_${RUNTIME}}")
  message(STATUS "5. ${_file}: the build fails, naming the file")
  swap_in("${_file}")
  run(build ${_build_cmd})
  expect("the build fails on ${_file}" NOT _rc EQUAL 0)
  string(REGEX REPLACE "([][+.*()^$?|\\\\])" "\\\\\\1" _model_re "${_model}")
  expect("the message names the file and says '${_why}'" _flat MATCHES "weft_model_types: ${_model_re}: [^:]*${_why}")
  expect("no stale model.hpp is left behind" NOT EXISTS "${_header}")
  if(NOT _flat MATCHES "weft_model_types: ")
    message(STATUS "---- build output ----\n${_out}----------------")
  endif()
endforeach()

get_property(_failures GLOBAL PROPERTY WEFT_MODEL_TYPES_FAILURES)
if(_failures)
  list(JOIN _failures "\n  " _text)
  message(FATAL_ERROR "model_types (${RUNTIME}) failed:\n  ${_text}")
endif()
message(STATUS "model_types (${RUNTIME}): ok")
