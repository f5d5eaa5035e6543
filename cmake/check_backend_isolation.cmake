# check_backend_isolation.cmake - proves a one-backend user never includes the other backend.
#
#   cmake -DCXX=<compiler> -DSRC=<file.cpp> -DFORBIDDEN=<regex> "-DINCLUDES=<dir|dir>"
#         "-DSYSTEM_INCLUDES=<dir|dir>" "-DIMPLICIT=<dir|dir>" -P check_backend_isolation.cmake
#
# Compiles SRC with -fsyntax-only -H (both g++ and clang++ list every header they open, one per
# line, on stderr) and fails if any opened header's path matches FORBIDDEN (e.g. "/Eigen/|eigen3"
# for the xtensor-only file). The file must also compile without warnings.
cmake_minimum_required(VERSION 3.21)
foreach(_v CXX SRC FORBIDDEN)
  if(NOT DEFINED ${_v})
    message(FATAL_ERROR "check_backend_isolation: -D${_v}= is required")
  endif()
endforeach()
string(REPLACE "|" ";" _inc "${INCLUDES}")
string(REPLACE "|" ";" _sys "${SYSTEM_INCLUDES}")
string(REPLACE "|" ";" _implicit "${IMPLICIT}")
set(_args -std=c++20 -fsyntax-only -H -Wall -Wextra -Wpedantic -Werror)
foreach(_d IN LISTS _inc)
  list(APPEND _args "-I${_d}")
endforeach()
foreach(_d IN LISTS _sys)
  if(_d AND NOT _d IN_LIST _implicit)
    list(APPEND _args -isystem "${_d}")
  endif()
endforeach()
execute_process(COMMAND "${CXX}" ${_args} "${SRC}"
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "check_backend_isolation: ${SRC} does not compile:\n${_err}")
endif()
string(REGEX MATCHALL "\\.+ [^\n]+" _headers "${_err}")
list(LENGTH _headers _n)
set(_bad "")
foreach(_h IN LISTS _headers)
  if(_h MATCHES "${FORBIDDEN}")
    list(APPEND _bad "${_h}")
  endif()
endforeach()
if(_bad)
  list(JOIN _bad "\n" _bad_text)
  message(FATAL_ERROR "check_backend_isolation: ${SRC} opened headers matching '${FORBIDDEN}':\n${_bad_text}")
endif()
message(STATUS "check_backend_isolation: ${SRC}: ${_n} headers opened, none matching '${FORBIDDEN}'")
