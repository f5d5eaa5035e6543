# cmake -DSOURCE_DIR=<weft checkout> -DSPDX=<id from CMakeLists.txt> -P cmake/check_license.cmake
#
# Fails unless every place that names weft's licence names the same one:
#   - CMakeLists.txt's WEFT_SPDX_LICENSE (passed as SPDX), ports/weft/vcpkg.json's "license",
#     conanfile.py's `license`, and the `// SPDX-License-Identifier:` first line of every header
#     under include/ are one SPDX id;
#   - LICENSE exists and holds that licence's text (for BSL-1.0: the Boost Software License 1.0).
# Prints each disagreement, then fails once.
cmake_minimum_required(VERSION 3.21)
foreach(_var SOURCE_DIR SPDX)
  if(NOT ${_var})
    message(FATAL_ERROR "check_license: -D${_var}=... is required")
  endif()
endforeach()

set(_problems 0)
function(problem msg)
  message(STATUS "  FAIL: ${msg}")
  math(EXPR _n "${_problems} + 1")
  set(_problems ${_n} PARENT_SCOPE)
endfunction()

message(STATUS "licence: CMakeLists.txt names ${SPDX}")

file(READ "${SOURCE_DIR}/ports/weft/vcpkg.json" _manifest)
string(JSON _vcpkg ERROR_VARIABLE _err GET "${_manifest}" license)
if(_err)
  problem("ports/weft/vcpkg.json has no \"license\"")
elseif(NOT _vcpkg STREQUAL SPDX)
  problem("ports/weft/vcpkg.json names '${_vcpkg}', CMakeLists.txt '${SPDX}'")
endif()

file(STRINGS "${SOURCE_DIR}/conanfile.py" _conan REGEX "^[ \t]+license[ \t]*=")
if(NOT _conan MATCHES "license[ \t]*=[ \t]*\"([^\"]*)\"")
  problem("conanfile.py has no `license = \"...\"`")
elseif(NOT CMAKE_MATCH_1 STREQUAL SPDX)
  problem("conanfile.py names '${CMAKE_MATCH_1}', CMakeLists.txt '${SPDX}'")
endif()

file(GLOB_RECURSE _headers "${SOURCE_DIR}/include/*.hpp")
list(LENGTH _headers _nh)
if(_nh EQUAL 0)
  problem("no headers under include/")
endif()
foreach(_h IN LISTS _headers)
  file(STRINGS "${_h}" _first LIMIT_COUNT 1)
  if(NOT _first STREQUAL "// SPDX-License-Identifier: ${SPDX}")
    file(RELATIVE_PATH _rel "${SOURCE_DIR}" "${_h}")
    problem("${_rel}: first line is '${_first}', not '// SPDX-License-Identifier: ${SPDX}'")
  endif()
endforeach()

set(_titles_BSL-1.0 "Boost Software License - Version 1.0 - August 17th, 2003")
if(NOT EXISTS "${SOURCE_DIR}/LICENSE")
  problem("no LICENSE at the repository root")
elseif(DEFINED _titles_${SPDX})
  file(READ "${SOURCE_DIR}/LICENSE" _text)
  string(FIND "${_text}" "${_titles_${SPDX}}" _at)
  if(NOT _at EQUAL 0)
    problem("LICENSE does not start with '${_titles_${SPDX}}'")
  endif()
else()
  problem("check_license.cmake does not know the title of ${SPDX}'s text")
endif()

if(_problems GREATER 0)
  message(FATAL_ERROR "licence check: ${_problems} disagreement(s)")
endif()
message(STATUS "licence check: ok (${_nh} headers, vcpkg.json, conanfile.py, LICENSE: ${SPDX})")
