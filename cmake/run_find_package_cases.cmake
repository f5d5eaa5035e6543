# run_find_package_cases.cmake - find_package(weft) must fail where its contract says it fails, and
# succeed where it says it succeeds. Configures tests/consumers/find_package_cases once per case
# against an installed weft (nothing is built).
#
#   cmake -DPREFIX=<weft install prefix> -DCONSUMER_SOURCE=<tests/consumers/find_package_cases>
#         -DSCRATCH=<scratch dir> -DGENERATOR=<generator> [-DMAKE_PROGRAM=<path>] -DCXX=<compiler>
#         -DVERSION=<weft's project version> -P run_find_package_cases.cmake
#
# Each case: name, whether the configure must pass or fail, a regex its output must match, and the
# backends hidden from it (stand-in configs that report "not found", see consumer_standins.cmake).
cmake_minimum_required(VERSION 3.21)
include("${CMAKE_CURRENT_LIST_DIR}/consumer_standins.cmake")

foreach(_var PREFIX CONSUMER_SOURCE SCRATCH GENERATOR CXX VERSION)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "run_find_package_cases: -D${_var}=... is required")
  endif()
endforeach()

# name | pass/fail | regex the output must match | hidden packages (comma-separated)
set(_cases
  "unknown_component|fail|weft: unknown component 'no_such_component' \\(supported: eigen, xtensor, onnx, xgboost, torch, config, serve\\)|"
  "unknown_optional_component|pass|case unknown_optional_component: configured|"
  "missing_eigen|fail|\"Eigen3\".*/weftConfig\\.cmake:[0-9]+ \\(find_dependency\\)|Eigen3"
  "missing_xtensor|fail|\"xtensor\".*/weftConfig\\.cmake:[0-9]+ \\(find_dependency\\)|xtensor"
  "missing_optional|pass|case missing_optional: configured|xtensor"
  "missing_quiet|pass|case missing_quiet: configured|xtensor"
  "both_components|pass|case both_components: configured|"
  "version_same|pass|case version_same: configured|"
  "version_exact|pass|case version_exact: configured|"
  "version_range|pass|case version_range: configured|"
  "version_next_major|fail|compatible with requested version|"
  "version_next_minor|fail|compatible with requested version|"
  "arch_independent|pass|case arch_independent: configured|")

file(REMOVE_RECURSE "${SCRATCH}")
set(_failures "")
foreach(_case IN LISTS _cases)
  string(REPLACE "|" ";" _fields "${_case}")
  list(GET _fields 0 _name)
  list(GET _fields 1 _expect)
  list(GET _fields 2 _regex)
  list(LENGTH _fields _n)
  set(_hide "")
  if(_n GREATER 3)
    list(GET _fields 3 _hide)
    string(REPLACE "," ";" _hide "${_hide}")
  endif()

  set(_args
    -S "${CONSUMER_SOURCE}" -B "${SCRATCH}/${_name}" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}"
    "-DCMAKE_PREFIX_PATH=${PREFIX}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
    "-DCASE=${_name}"
    "-DWEFT_EXPECT_VERSION=${VERSION}")
  if(DEFINED MAKE_PROGRAM AND NOT MAKE_PROGRAM STREQUAL "")
    list(APPEND _args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  weft_consumer_standins(_args "${SCRATCH}/${_name}-standin" HIDE ${_hide})

  execute_process(COMMAND "${CMAKE_COMMAND}" ${_args}
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  # CMake wraps long messages: compare with the lines joined.
  string(REGEX REPLACE "[ \t\r\n]+" " " _flat "${_out}")
  set(_ok TRUE)
  if(_expect STREQUAL "pass" AND NOT _rc EQUAL 0)
    set(_ok FALSE)
    set(_why "configure failed (exit ${_rc}), it must succeed")
  elseif(_expect STREQUAL "fail" AND _rc EQUAL 0)
    set(_ok FALSE)
    set(_why "configure succeeded, it must fail")
  elseif(NOT _flat MATCHES "${_regex}")
    set(_ok FALSE)
    set(_why "output does not match '${_regex}'")
  endif()
  if(_ok)
    message(STATUS "find_package case ${_name}: configure ${_expect}ed, as it must")
  else()
    message(STATUS "find_package case ${_name}: ${_why}\n---- output ----\n${_out}----------------")
    list(APPEND _failures "${_name}")
  endif()
endforeach()

if(_failures)
  message(FATAL_ERROR "find_package cases that did not behave: ${_failures}")
endif()
list(LENGTH _cases _n)
message(STATUS "find_package cases: all ${_n} behave")
