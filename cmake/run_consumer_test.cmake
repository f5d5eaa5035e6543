# run_consumer_test.cmake - builds and runs tests/consumers/find_package against weft as a package.
#
#   cmake -DMODE=install|build_tree -DBUILD_DIR=<weft build dir> -DSOURCE_DIR=<weft source dir>
#         -DSCRATCH=<scratch dir>
#         -DCONSUMER_SOURCE=<consumer source dir> -DGENERATOR=<generator> [-DMAKE_PROGRAM=<path>]
#         -DCXX=<compiler> [-DCXX_FLAGS=<flags>] [-DBUILD_TYPE=<config>]
#         [-DINSTALL_INCLUDEDIR=include] [-DINSTALL_CMAKEDIR=share/cmake/weft] -P run_consumer_test.cmake
#
# MODE=install    : `cmake --install BUILD_DIR --prefix SCRATCH/prefix`, then configure the consumer
#                   with CMAKE_PREFIX_PATH=SCRATCH/prefix (only that prefix: weft is not found elsewhere).
# MODE=build_tree : configure the consumer with weft_DIR=BUILD_DIR (the build-tree export).
# Then build the consumer with the same generator, compiler and flags, and run it: it returns 0
# only when the pipeline gave the expected result. SCRATCH is wiped first.

cmake_minimum_required(VERSION 3.21)

foreach(_var MODE BUILD_DIR SOURCE_DIR SCRATCH CONSUMER_SOURCE GENERATOR CXX)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer_test: -D${_var}=... is required")
  endif()
endforeach()
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
endfunction()

file(REMOVE_RECURSE "${SCRATCH}")
file(MAKE_DIRECTORY "${SCRATCH}")

set(_configure_args
  -S "${CONSUMER_SOURCE}"
  -B "${SCRATCH}/build"
  -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX}"
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"   # empty when weft's build has none
  # Only the prefix under test may provide weft.
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(DEFINED MAKE_PROGRAM AND NOT MAKE_PROGRAM STREQUAL "")
  list(APPEND _configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()

if(MODE STREQUAL "install")
  run_step(install "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${SCRATCH}/prefix"
    ${_config_args})
  foreach(_f
      ${INSTALL_INCLUDEDIR}/weft/weft.hpp
      ${INSTALL_CMAKEDIR}/weftConfig.cmake
      ${INSTALL_CMAKEDIR}/weftConfigVersion.cmake
      ${INSTALL_CMAKEDIR}/weftTargets.cmake)
    if(NOT EXISTS "${SCRATCH}/prefix/${_f}")
      message(FATAL_ERROR "package consumer (install): ${_f} was not installed")
    endif()
  endforeach()
  list(APPEND _configure_args "-DCMAKE_PREFIX_PATH=${SCRATCH}/prefix"
    "-DWEFT_EXPECT_INCLUDE_DIR=${SCRATCH}/prefix/${INSTALL_INCLUDEDIR}")
elseif(MODE STREQUAL "build_tree")
  list(APPEND _configure_args "-Dweft_DIR=${BUILD_DIR}" "-DWEFT_EXPECT_INCLUDE_DIR=${SOURCE_DIR}/include")
else()
  message(FATAL_ERROR "run_consumer_test: MODE must be 'install' or 'build_tree', not '${MODE}'")
endif()

run_step(configure "${CMAKE_COMMAND}" ${_configure_args})
run_step(build "${CMAKE_COMMAND}" --build "${SCRATCH}/build" ${_config_args})

set(_exe "${SCRATCH}/build/weft_consumer")
if(NOT EXISTS "${_exe}")
  message(FATAL_ERROR "package consumer (${MODE}): ${_exe} was not built")
endif()
run_step(run "${_exe}")
message(STATUS "package consumer (${MODE}): ok")
