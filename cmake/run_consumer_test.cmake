# run_consumer_test.cmake - builds and runs one project under tests/consumers/ against weft, the way
# a user's project pulls weft in.
#
#   cmake -DMODE=<mode> -DSCRATCH=<scratch dir> -DCONSUMER_SOURCE=<consumer source dir>
#         -DGENERATOR=<generator> [-DMAKE_PROGRAM=<path>] -DCXX=<compiler> [-DCXX_FLAGS=<flags>]
#         [-DBUILD_TYPE=<config>] [-DBUILD_DIR=<weft build dir>] [-DSOURCE_DIR=<weft source dir>]
#         [-DPREFIX=<install prefix>] [-DINSTALL_INCLUDEDIR=include] [-DINSTALL_CMAKEDIR=share/cmake/weft]
#         [-DEXE=weft_consumer] [-DARGS=<-Dvar=value|...>] [-DBUILD=OFF]
#         [-DTRIPWIRE=<package|...>] [-DHIDE=<package|...>] -P run_consumer_test.cmake
#
# MODE=install          `cmake --install BUILD_DIR --prefix SCRATCH/prefix`, then the consumer with
#                       CMAKE_PREFIX_PATH=SCRATCH/prefix (only that prefix: weft is not found elsewhere).
# MODE=install_only     `cmake --install BUILD_DIR --prefix PREFIX` (PREFIX wiped first), no consumer
#                       (needs only BUILD_DIR and PREFIX): the fixture the MODE=prefix tests share.
# MODE=prefix           the consumer with CMAKE_PREFIX_PATH=PREFIX (an install made by install_only).
# MODE=build_tree       the consumer with weft_DIR=BUILD_DIR (the build-tree export).
# MODE=fetchcontent     FETCHCONTENT_SOURCE_DIR_WEFT=SOURCE_DIR and FETCHCONTENT_FULLY_DISCONNECTED=ON:
#                       FetchContent_MakeAvailable(weft) adds this checkout's working tree, no download.
# MODE=fetchcontent_git WEFT_GIT_REPOSITORY=SOURCE_DIR, WEFT_GIT_TAG=<SOURCE_DIR's HEAD commit>:
#                       FetchContent clones the checkout's committed tree with git (GIT_ALLOW_PROTOCOL=file,
#                       so git cannot reach any network).
# MODE=add_subdirectory WEFT_SUBDIR=SOURCE_DIR: the consumer calls add_subdirectory on this checkout.
# TRIPWIRE: each package named gets a stand-in <pkg>Config.cmake (passed as <pkg>_DIR) that fails the
#           configure when loaded: proof that nothing in the consumer's configure looks for it.
# HIDE:     each package named gets a stand-in config that reports "not found": as if not installed.
# ARGS:     extra arguments for the consumer's configure, '|'-separated.
# Then build the consumer with the same generator, compiler and flags, and run SCRATCH/build/EXE: it
# returns 0 only when the program gave the expected result (BUILD=OFF: configure only, for a way
# whose consumer another test builds). SCRATCH is wiped first.

cmake_minimum_required(VERSION 3.21)

if(NOT DEFINED MODE OR MODE STREQUAL "")
  message(FATAL_ERROR "run_consumer_test: -DMODE=... is required")
endif()
if(NOT MODE STREQUAL "install_only")
  foreach(_var SCRATCH CONSUMER_SOURCE GENERATOR CXX)
    if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
      message(FATAL_ERROR "run_consumer_test: -D${_var}=... is required")
    endif()
  endforeach()
endif()
set(_config_args "")
if(DEFINED BUILD_TYPE AND NOT BUILD_TYPE STREQUAL "")
  set(_config_args --config "${BUILD_TYPE}")
endif()
if(NOT DEFINED INSTALL_INCLUDEDIR OR INSTALL_INCLUDEDIR STREQUAL "")
  set(INSTALL_INCLUDEDIR include)
endif()
if(NOT DEFINED INSTALL_CMAKEDIR OR INSTALL_CMAKEDIR STREQUAL "")
  set(INSTALL_CMAKEDIR share/cmake/weft)
endif()
if(NOT DEFINED EXE OR EXE STREQUAL "")
  set(EXE weft_consumer)
endif()

function(require_var)
  foreach(_v IN LISTS ARGN)
    if(NOT DEFINED ${_v} OR "${${_v}}" STREQUAL "")
      message(FATAL_ERROR "run_consumer_test: MODE=${MODE} needs -D${_v}=...")
    endif()
  endforeach()
endfunction()

function(run_step what)
  string(REPLACE ";" " " _cmdline "${ARGN}")
  message(STATUS "[${what}] ${_cmdline}")
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE _rc
    OUTPUT_VARIABLE _out
    ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    message(STATUS "${_out}")
    message(FATAL_ERROR "package consumer (${MODE}): step '${what}' failed with ${_rc}")
  endif()
  set(_step_output "${_out}" PARENT_SCOPE)
endfunction()

# Install BUILD_DIR into a prefix and check the files a consumer needs are there.
function(install_into prefix)
  require_var(BUILD_DIR)
  run_step(install "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${_config_args})
  foreach(_f
      ${INSTALL_INCLUDEDIR}/weft/weft.hpp
      ${INSTALL_CMAKEDIR}/weftConfig.cmake
      ${INSTALL_CMAKEDIR}/weftConfigVersion.cmake
      ${INSTALL_CMAKEDIR}/weftTargets.cmake)
    if(NOT EXISTS "${prefix}/${_f}")
      message(FATAL_ERROR "package consumer (${MODE}): ${_f} was not installed")
    endif()
  endforeach()
endfunction()

if(MODE STREQUAL "install_only")
  require_var(PREFIX)
  file(REMOVE_RECURSE "${PREFIX}")
  install_into("${PREFIX}")
  message(STATUS "package install into ${PREFIX}: ok")
  return()
endif()

file(REMOVE_RECURSE "${SCRATCH}")
file(MAKE_DIRECTORY "${SCRATCH}")

set(_configure_args
  -S "${CONSUMER_SOURCE}"
  -B "${SCRATCH}/build"
  -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX}"
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"   # empty when weft's build has none
  # Only the weft under test may be found.
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(DEFINED MAKE_PROGRAM AND NOT MAKE_PROGRAM STREQUAL "")
  list(APPEND _configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()

# Stand-in package configs (see TRIPWIRE and HIDE above).
include("${CMAKE_CURRENT_LIST_DIR}/consumer_standins.cmake")
string(REPLACE "|" ";" _tripwires "${TRIPWIRE}")
string(REPLACE "|" ";" _hidden "${HIDE}")
weft_consumer_standins(_configure_args "${SCRATCH}/standin" TRIPWIRE ${_tripwires} HIDE ${_hidden})

set(_env "")
if(MODE STREQUAL "install")
  install_into("${SCRATCH}/prefix")
  list(APPEND _configure_args "-DCMAKE_PREFIX_PATH=${SCRATCH}/prefix"
    "-DWEFT_EXPECT_INCLUDE_DIR=${SCRATCH}/prefix/${INSTALL_INCLUDEDIR}")
elseif(MODE STREQUAL "prefix")
  require_var(PREFIX)
  if(NOT EXISTS "${PREFIX}/${INSTALL_CMAKEDIR}/weftConfig.cmake")
    message(FATAL_ERROR "package consumer (prefix): ${PREFIX} holds no weft install (run the package.install test)")
  endif()
  list(APPEND _configure_args "-DCMAKE_PREFIX_PATH=${PREFIX}"
    "-DWEFT_EXPECT_INCLUDE_DIR=${PREFIX}/${INSTALL_INCLUDEDIR}")
elseif(MODE STREQUAL "build_tree")
  require_var(BUILD_DIR SOURCE_DIR)
  list(APPEND _configure_args "-Dweft_DIR=${BUILD_DIR}" "-DWEFT_EXPECT_INCLUDE_DIR=${SOURCE_DIR}/include")
elseif(MODE STREQUAL "fetchcontent")
  require_var(SOURCE_DIR)
  list(APPEND _configure_args
    "-DFETCHCONTENT_SOURCE_DIR_WEFT=${SOURCE_DIR}"
    -DFETCHCONTENT_FULLY_DISCONNECTED=ON
    "-DWEFT_EXPECT_INCLUDE_DIR=${SOURCE_DIR}/include")
elseif(MODE STREQUAL "fetchcontent_git")
  require_var(SOURCE_DIR)
  find_program(_git NAMES git REQUIRED)
  execute_process(COMMAND "${_git}" -C "${SOURCE_DIR}" rev-parse HEAD
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _head ERROR_VARIABLE _err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "package consumer (fetchcontent_git): ${SOURCE_DIR} is not a git checkout: ${_err}")
  endif()
  message(STATUS "fetching commit ${_head} of ${SOURCE_DIR} (committed files only)")
  list(APPEND _configure_args
    "-DWEFT_GIT_REPOSITORY=${SOURCE_DIR}"
    "-DWEFT_GIT_TAG=${_head}"
    -DWEFT_EXPECT_FETCHED=ON
    -DFETCHCONTENT_UPDATES_DISCONNECTED=ON)
  # Local clones only: any other transport (https, ssh, git) is refused by git itself.
  set(_env "${CMAKE_COMMAND}" -E env GIT_ALLOW_PROTOCOL=file GIT_TERMINAL_PROMPT=0)
elseif(MODE STREQUAL "add_subdirectory")
  require_var(SOURCE_DIR)
  list(APPEND _configure_args "-DWEFT_SUBDIR=${SOURCE_DIR}" "-DWEFT_EXPECT_INCLUDE_DIR=${SOURCE_DIR}/include")
else()
  message(FATAL_ERROR "run_consumer_test: unknown MODE '${MODE}'")
endif()

string(REPLACE "|" ";" _extra "${ARGS}")
list(APPEND _configure_args ${_extra})

run_step(configure ${_env} "${CMAKE_COMMAND}" ${_configure_args})
if(DEFINED BUILD AND NOT BUILD)
  message(STATUS "package consumer ${CONSUMER_SOURCE} (${MODE}): configured (BUILD=OFF)")
  return()
endif()
run_step(build "${CMAKE_COMMAND}" --build "${SCRATCH}/build" ${_config_args})

set(_exe "${SCRATCH}/build/${EXE}")
if(NOT EXISTS "${_exe}")
  message(FATAL_ERROR "package consumer (${MODE}): ${_exe} was not built")
endif()
run_step(run "${_exe}")
message(STATUS "package consumer ${CONSUMER_SOURCE} (${MODE}): ok")
