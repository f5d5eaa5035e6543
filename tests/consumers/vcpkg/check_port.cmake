# check_port.cmake - runs the real ports/weft/portfile.cmake without vcpkg, then checks the result
# as vcpkg would and builds this directory's consumer project against it.
#
#   cmake -DSOURCE_DIR=<weft checkout> -DWEFT_VERSION=<project version> -DSCRATCH=<scratch dir>
#         -DGENERATOR=<generator> [-DMAKE_PROGRAM=<path>] -DCXX=<compiler> [-DCXX_FLAGS=<flags>]
#         [-DBUILD_TYPE=<config>] -P check_port.cmake
#
# vcpkg cannot be installed on weft's machines. Each vcpkg helper the portfile calls is defined
# here as a local stand-in that does what vcpkg documents it does, on this checkout, offline:
#   vcpkg_from_github          copies the checkout's files (what `git ls-files` lists, tracked or
#                              not yet, never ignored ones) as the release tarball would hold them;
#                              checks REPO, REF (= v<version>), SHA512 and HEAD_REF are given
#   vcpkg_cmake_configure      a real CMake configure of that copy, Release, prefix = the package
#                              dir, with vcpkg's standard arguments; an OPTION the project does not
#                              use fails here (vcpkg only warns); tripwires for Eigen3, xtensor,
#                              doctest and benchmark: the port's build must look for none of them
#   vcpkg_cmake_install        cmake --build --target install
#   vcpkg_cmake_config_fixup   moves CONFIG_PATH to share/<name> and corrects _IMPORT_PREFIX and
#                              PACKAGE_PREFIX_DIR for the new depth, as vcpkg's does; records
#                              whether it had to change anything (weft's port must need nothing)
#   vcpkg_install_copyright    concatenates FILE_LIST into share/<port>/copyright
# Then the checks vcpkg's post-build lint makes for a header-only port, a copy of the package dir
# to installed/<triplet> (the package dir and build trees are deleted: the result must be
# relocatable), and a find_package(weft COMPONENTS eigen xtensor) consumer built and run from there.
# What this proves and what it cannot: docs/packaging.md.
cmake_minimum_required(VERSION 3.21)

foreach(_var SOURCE_DIR WEFT_VERSION SCRATCH GENERATOR CXX)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "check_port: -D${_var}=... is required")
  endif()
endforeach()
set(_port_dir "${SOURCE_DIR}/ports/weft")
set(_consumer "${CMAKE_CURRENT_LIST_DIR}")
include("${SOURCE_DIR}/cmake/consumer_standins.cmake")

# problem:    a defect of the port: the check fails.
# note:       what only a release can fill in (the repository owner, the tarball's SHA512): printed.
function(problem msg)
  message(STATUS "  FAIL: ${msg}")
  set_property(GLOBAL APPEND PROPERTY WEFT_PORT_PROBLEMS "${msg}")
endfunction()
function(note msg)
  message(STATUS "  note (release): ${msg}")
endfunction()
function(ok msg)
  message(STATUS "  ok: ${msg}")
endfunction()
function(stop_if_problems stage)
  get_property(_p GLOBAL PROPERTY WEFT_PORT_PROBLEMS)
  if(_p)
    list(JOIN _p "\n  " _text)
    message(FATAL_ERROR "vcpkg port check failed (${stage}):\n  ${_text}")
  endif()
endfunction()

# =============================================================================================
# 1. The manifest
# =============================================================================================
message(STATUS "[manifest] ${_port_dir}/vcpkg.json")
file(READ "${_port_dir}/vcpkg.json" _manifest)
string(JSON _name ERROR_VARIABLE _err GET "${_manifest}" name)
if(NOT _name STREQUAL "weft")
  problem("vcpkg.json: name is '${_name}', must be 'weft'")
endif()
string(JSON _mversion ERROR_VARIABLE _err GET "${_manifest}" version)
if(_err)
  problem("vcpkg.json: no \"version\" (a relaxed x.y.z version, as project(VERSION) is)")
elseif(NOT _mversion STREQUAL WEFT_VERSION)
  problem("vcpkg.json: version ${_mversion} differs from project(weft VERSION ${WEFT_VERSION})")
else()
  ok("version ${_mversion} = project(VERSION)")
endif()

# Dependencies: name -> "host" or "target", "<name>@<version>=" for version>= constraints.
function(read_deps json out)
  set(_deps "")
  string(JSON _n ERROR_VARIABLE _err LENGTH "${json}" dependencies)
  if(NOT _err AND _n GREATER 0)
    math(EXPR _last "${_n} - 1")
    foreach(_i RANGE ${_last})
      string(JSON _type TYPE "${json}" dependencies ${_i})
      if(_type STREQUAL "STRING")
        string(JSON _dn GET "${json}" dependencies ${_i})
        list(APPEND _deps "${_dn}:target:")
      else()
        string(JSON _dn GET "${json}" dependencies ${_i} name)
        string(JSON _host ERROR_VARIABLE _e GET "${json}" dependencies ${_i} host)
        string(JSON _min ERROR_VARIABLE _e2 GET "${json}" dependencies ${_i} "version>=")
        if(_e2)
          set(_min "")
        endif()
        if(_host STREQUAL "ON" OR _host STREQUAL "true")
          list(APPEND _deps "${_dn}:host:${_min}")
        else()
          list(APPEND _deps "${_dn}:target:${_min}")
        endif()
      endif()
    endforeach()
  endif()
  set(${out} "${_deps}" PARENT_SCOPE)
endfunction()

read_deps("${_manifest}" _core_deps)
foreach(_host_dep vcpkg-cmake vcpkg-cmake-config)
  if(NOT "${_host_dep}:host:" IN_LIST _core_deps)
    problem("vcpkg.json: the portfile calls ${_host_dep}'s functions: it must be a host dependency")
  endif()
endforeach()
foreach(_d IN LISTS _core_deps)
  if(_d MATCHES "^(eigen3|xtensor|xtl|xsimd):")
    problem("vcpkg.json: '${_d}' is a core dependency; weft requires no backend unless a feature asks")
  endif()
endforeach()
string(JSON _defaults ERROR_VARIABLE _err GET "${_manifest}" default-features)
if(NOT _err)
  problem("vcpkg.json: default-features ${_defaults}: weft requires neither backend by default")
endif()

# Features: eigen -> eigen3 (>= the Eigen version weft's config asks for), xtensor -> xtensor;
# the runtimes: onnx -> opencv4 (feature dnn) and onnx, xgboost -> xgboost, torch -> libtorch;
# config -> nlohmann-json, openssl and weft[eigen] (configured values are Eigen); serve ->
# cpp-httplib and nlohmann-json.
file(READ "${SOURCE_DIR}/cmake/weftConfig.cmake.in" _config_in)
string(REGEX MATCH "Eigen3 ([0-9.]+) NO_MODULE" _ "${_config_in}")
set(_eigen_min "${CMAKE_MATCH_1}")
string(JSON _nfeat ERROR_VARIABLE _err LENGTH "${_manifest}" features)
set(_features "")
if(NOT _err AND _nfeat GREATER 0)
  math(EXPR _last "${_nfeat} - 1")
  foreach(_i RANGE ${_last})
    string(JSON _f MEMBER "${_manifest}" features ${_i})
    list(APPEND _features "${_f}")
  endforeach()
endif()
list(SORT _features)
if(NOT _features STREQUAL "config;eigen;onnx;serve;torch;xgboost;xtensor")
  problem("vcpkg.json: features are '${_features}', must be eigen, xtensor, onnx, xgboost, torch, config, serve (weft's components)")
endif()
foreach(_pair "eigen|eigen3" "xtensor|xtensor" "onnx|opencv4" "onnx|onnx" "xgboost|xgboost" "torch|libtorch"
        "config|nlohmann-json" "config|openssl" "config|weft" "serve|cpp-httplib" "serve|nlohmann-json")
  string(REPLACE "|" ";" _pair "${_pair}")
  list(GET _pair 0 _feature)
  list(GET _pair 1 _port)
  string(JSON _fjson ERROR_VARIABLE _err GET "${_manifest}" features ${_feature})
  if(_err)
    continue()
  endif()
  read_deps("${_fjson}" _fdeps)
  set(_found "")
  foreach(_d IN LISTS _fdeps)
    if(_d MATCHES "^${_port}:target:(.*)$")
      set(_found "yes")
      set(_min "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  if(NOT _found)
    problem("vcpkg.json: feature ${_feature} must depend on the ${_port} port")
  elseif(_port STREQUAL "eigen3" AND NOT _min VERSION_EQUAL _eigen_min)
    problem("vcpkg.json: eigen3 \"version>=\" is '${_min}', weftConfig.cmake asks for Eigen3 ${_eigen_min}")
  else()
    ok("feature ${_feature} -> port ${_port}${_min}")
  endif()
endforeach()
# weft::onnx_model runs files with OpenCV's DNN module: the opencv4 dependency must ask for it.
string(JSON _onnx_deps ERROR_VARIABLE _err GET "${_manifest}" features onnx dependencies)
string(REGEX MATCH "{[^}]*\"opencv4\"[^}]*}" _opencv_dep "${_onnx_deps}")
if(NOT _err AND NOT _opencv_dep MATCHES "\"dnn\"")
  problem("vcpkg.json: feature onnx must depend on opencv4 with its feature dnn")
endif()
string(JSON _license ERROR_VARIABLE _err GET "${_manifest}" license)
if(NOT EXISTS "${SOURCE_DIR}/LICENSE")
  problem("no LICENSE at the repository root: vcpkg_install_copyright installs it")
endif()
if(_err)
  problem("vcpkg.json: no \"license\" (SPDX id)")
else()
  ok("license ${_license}")
endif()
stop_if_problems("manifest")

# =============================================================================================
# 2. The vcpkg environment a portfile sees, and the stand-ins
# =============================================================================================
set(PORT weft)
set(VERSION "${_mversion}")
set(TARGET_TRIPLET x64-linux)
set(HOST_TRIPLET x64-linux)
set(VCPKG_TARGET_ARCHITECTURE x64)
set(VCPKG_CRT_LINKAGE dynamic)
set(VCPKG_LIBRARY_LINKAGE static)
set(VCPKG_CMAKE_SYSTEM_NAME Linux)
set(VCPKG_TARGET_IS_LINUX ON)
set(VCPKG_TARGET_EXECUTABLE_SUFFIX "")
set(FEATURES core eigen xtensor)
set(_root "${SCRATCH}/vcpkg")
set(VCPKG_ROOT_DIR "${_root}")
set(DOWNLOADS "${_root}/downloads")
set(CURRENT_PORT_DIR "${_port_dir}")
set(CURRENT_BUILDTREES_DIR "${_root}/buildtrees/${PORT}")
set(CURRENT_PACKAGES_DIR "${_root}/packages/${PORT}_${TARGET_TRIPLET}")
set(CURRENT_INSTALLED_DIR "${_root}/installed/${TARGET_TRIPLET}")
file(REMOVE_RECURSE "${SCRATCH}")
file(MAKE_DIRECTORY "${DOWNLOADS}" "${CURRENT_BUILDTREES_DIR}" "${CURRENT_PACKAGES_DIR}" "${CURRENT_INSTALLED_DIR}")

function(z_require_args fn)
  foreach(_a IN LISTS ARGN)
    if(NOT DEFINED arg_${_a} OR "${arg_${_a}}" STREQUAL "")
      message(FATAL_ERROR "${fn}: ${_a} is required (vcpkg would stop here)")
    endif()
  endforeach()
endfunction()

function(vcpkg_from_github)
  cmake_parse_arguments(PARSE_ARGV 0 arg "USE_TARBALL_API"
    "OUT_SOURCE_PATH;REPO;REF;SHA512;HEAD_REF;GITHUB_HOST;AUTHORIZATION_TOKEN;FILE_DISAMBIGUATOR" "PATCHES")
  if(DEFINED arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "vcpkg_from_github: unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  z_require_args(vcpkg_from_github OUT_SOURCE_PATH REPO REF SHA512 HEAD_REF)
  message(STATUS "[vcpkg_from_github] REPO ${arg_REPO} REF ${arg_REF} (stand-in: this checkout)")
  if(NOT arg_REPO MATCHES "^[^/ ]+/[^/ ]+$")
    problem("vcpkg_from_github: REPO '${arg_REPO}' is not owner/name")
  elseif(arg_REPO MATCHES "^OWNER/")
    note("vcpkg_from_github: REPO ${arg_REPO} is a placeholder until weft has a public repository")
  endif()
  if(NOT arg_REF STREQUAL "v${VERSION}")
    problem("vcpkg_from_github: REF '${arg_REF}' must be the release tag v${VERSION}")
  else()
    ok("REF v${VERSION}: the tag follows the manifest version")
  endif()
  if(arg_SHA512 STREQUAL "0")
    note("vcpkg_from_github: SHA512 0 until the v${VERSION} tarball exists (vcpkg prints the real one)")
  elseif(NOT arg_SHA512 MATCHES "^[0-9a-f]+$" OR NOT arg_SHA512 MATCHES "^.{128}$")
    problem("vcpkg_from_github: SHA512 is neither 0 nor 128 hex digits")
  endif()
  if(arg_PATCHES)
    problem("vcpkg_from_github: PATCHES given; weft's own port must need none")
  endif()

  # The tarball: the files git would archive (tracked, plus new files not ignored), no .git.
  set(_src "${CURRENT_BUILDTREES_DIR}/src/${arg_REF}.clean")
  file(MAKE_DIRECTORY "${_src}")
  find_program(_git git)
  set(_files "")
  if(_git)
    execute_process(COMMAND "${_git}" -C "${SOURCE_DIR}" ls-files --cached --others --exclude-standard
      RESULT_VARIABLE _rc OUTPUT_VARIABLE _ls ERROR_QUIET)
    if(_rc EQUAL 0)
      string(REPLACE "\n" ";" _ls "${_ls}")
      foreach(_f IN LISTS _ls)
        if(NOT _f STREQUAL "" AND EXISTS "${SOURCE_DIR}/${_f}" AND NOT IS_DIRECTORY "${SOURCE_DIR}/${_f}")
          list(APPEND _files "${_f}")
        endif()
      endforeach()
    endif()
  endif()
  if(NOT _files)   # not a git checkout: everything but build trees
    file(GLOB_RECURSE _files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*")
    list(FILTER _files EXCLUDE REGEX "^(build|\\.git)/")
  endif()
  list(REMOVE_DUPLICATES _files)
  string(REPLACE ";" "\n" _list "${_files}")
  file(WRITE "${CURRENT_BUILDTREES_DIR}/tarball-files.txt" "${_list}\n")
  set(_tar "${DOWNLOADS}/${PORT}-${arg_REF}.tar")
  execute_process(COMMAND "${CMAKE_COMMAND}" -E tar cf "${_tar}" "--files-from=${CURRENT_BUILDTREES_DIR}/tarball-files.txt"
    WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "vcpkg_from_github (stand-in): could not archive the checkout")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" -E tar xf "${_tar}" WORKING_DIRECTORY "${_src}" RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "vcpkg_from_github (stand-in): could not extract the archive")
  endif()
  list(LENGTH _files _n)
  message(STATUS "[vcpkg_from_github] ${_n} files into ${_src}")
  set(${arg_OUT_SOURCE_PATH} "${_src}" PARENT_SCOPE)
endfunction()

function(vcpkg_cmake_configure)
  cmake_parse_arguments(PARSE_ARGV 0 arg
    "PREFER_NINJA;DISABLE_PARALLEL_CONFIGURE;WINDOWS_USE_MSBUILD;NO_CHARSET_FLAG;Z_CMAKE_GET_VARS_USAGE"
    "SOURCE_PATH;GENERATOR;LOGFILE_BASE"
    "OPTIONS;OPTIONS_DEBUG;OPTIONS_RELEASE;MAYBE_UNUSED_VARIABLES")
  if(DEFINED arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "vcpkg_cmake_configure: unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  z_require_args(vcpkg_cmake_configure SOURCE_PATH)
  if(NOT VCPKG_BUILD_TYPE STREQUAL "release")
    # A header-only port builds nothing per configuration; the stand-in only does release.
    problem("the portfile must set(VCPKG_BUILD_TYPE release): header-only, no debug tree")
    stop_if_problems("vcpkg_cmake_configure")
  endif()
  set(_bin "${CURRENT_BUILDTREES_DIR}/${TARGET_TRIPLET}-rel")
  set(_args
    -S "${arg_SOURCE_PATH}" -B "${_bin}" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}"
    -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_INSTALL_PREFIX=${CURRENT_PACKAGES_DIR}"
    # vcpkg's standard arguments (scripts/cmake/vcpkg_cmake_configure.cmake)
    -DCMAKE_INSTALL_BINDIR:STRING=bin
    -DCMAKE_INSTALL_LIBDIR:STRING=lib
    -DFETCHCONTENT_FULLY_DISCONNECTED=ON
    -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
    -DCMAKE_FIND_PACKAGE_NO_SYSTEM_PACKAGE_REGISTRY=ON
    -DCMAKE_INSTALL_SYSTEM_RUNTIME_LIBS_SKIP=TRUE
    "-DVCPKG_TARGET_TRIPLET=${TARGET_TRIPLET}"
    ${arg_OPTIONS} ${arg_OPTIONS_RELEASE})
  if(DEFINED MAKE_PROGRAM AND NOT MAKE_PROGRAM STREQUAL "")
    list(APPEND _args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  weft_consumer_standins(_args "${CURRENT_BUILDTREES_DIR}/standin"
    TRIPWIRE Eigen3 xtensor doctest benchmark)
  message(STATUS "[vcpkg_cmake_configure] ${arg_SOURCE_PATH} -> ${_bin}")
  execute_process(COMMAND "${CMAKE_COMMAND}" ${_args}
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  file(WRITE "${CURRENT_BUILDTREES_DIR}/config-${TARGET_TRIPLET}-rel-out.log" "${_out}")
  if(NOT _rc EQUAL 0)
    message(STATUS "${_out}")
    message(FATAL_ERROR "vcpkg_cmake_configure: the configure failed (${_rc})")
  endif()
  # Every option the port passes must be one weft reads (vcpkg warns; here it fails).
  set(_unused "")
  if(_out MATCHES "Manually-specified variables were not used by the project:\n\n(([ ]+[^\n]+\n)+)")
    string(REGEX MATCHALL "[A-Za-z_0-9]+" _unused "${CMAKE_MATCH_1}")
  endif()
  foreach(_opt IN LISTS arg_OPTIONS arg_OPTIONS_RELEASE)
    if(_opt MATCHES "^-D([A-Za-z_0-9]+)(:[A-Z]+)?=")
      set(_v "${CMAKE_MATCH_1}")
      if(_v IN_LIST _unused AND NOT _v IN_LIST arg_MAYBE_UNUSED_VARIABLES)
        problem("vcpkg_cmake_configure: OPTIONS -D${_v} is not used by weft's CMakeLists.txt")
      else()
        ok("OPTIONS -D${_v} is read by weft's CMakeLists.txt")
      endif()
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY WEFT_PORT_BUILD_DIRS "${_bin}")
endfunction()

function(vcpkg_cmake_install)
  cmake_parse_arguments(PARSE_ARGV 0 arg "DISABLE_PARALLEL;ADD_BIN_TO_PATH" "" "")
  get_property(_dirs GLOBAL PROPERTY WEFT_PORT_BUILD_DIRS)
  if(NOT _dirs)
    message(FATAL_ERROR "vcpkg_cmake_install: vcpkg_cmake_configure was not called")
  endif()
  foreach(_bin IN LISTS _dirs)
    message(STATUS "[vcpkg_cmake_install] ${_bin}")
    execute_process(COMMAND "${CMAKE_COMMAND}" --build "${_bin}" --target install
      RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
    file(WRITE "${CURRENT_BUILDTREES_DIR}/install-${TARGET_TRIPLET}-rel-out.log" "${_out}")
    if(NOT _rc EQUAL 0)
      message(STATUS "${_out}")
      message(FATAL_ERROR "vcpkg_cmake_install: the install failed (${_rc})")
    endif()
  endforeach()
endfunction()

function(vcpkg_cmake_config_fixup)
  cmake_parse_arguments(PARSE_ARGV 0 arg "DO_NOT_DELETE_PARENT_CONFIG_PATH;NO_PREFIX_CORRECTION"
    "PACKAGE_NAME;CONFIG_PATH;TOOLS_PATH" "")
  if(DEFINED arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "vcpkg_cmake_config_fixup: unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_PACKAGE_NAME)
    set(arg_PACKAGE_NAME "${PORT}")
  endif()
  if(NOT arg_CONFIG_PATH)
    set(arg_CONFIG_PATH "share/${arg_PACKAGE_NAME}")
  endif()
  set(_share "${CURRENT_PACKAGES_DIR}/share/${arg_PACKAGE_NAME}")
  set(_from "${CURRENT_PACKAGES_DIR}/${arg_CONFIG_PATH}")
  message(STATUS "[vcpkg_cmake_config_fixup] ${arg_CONFIG_PATH} -> share/${arg_PACKAGE_NAME}")
  if(NOT EXISTS "${_from}")
    message(FATAL_ERROR "vcpkg_cmake_config_fixup: '${_from}' does not exist (vcpkg would stop here)")
  endif()
  set(_changed "")
  if(NOT arg_CONFIG_PATH STREQUAL "share/${arg_PACKAGE_NAME}")
    file(GLOB _files "${_from}/*")
    file(COPY ${_files} DESTINATION "${_share}")
    file(REMOVE_RECURSE "${_from}")
    get_filename_component(_parent "${_from}" DIRECTORY)
    get_filename_component(_parent_name "${_parent}" NAME)
    string(TOLOWER "${_parent_name}" _parent_name)
    if(_parent_name STREQUAL "cmake" AND NOT arg_DO_NOT_DELETE_PARENT_CONFIG_PATH)
      file(REMOVE_RECURSE "${_parent}")
    endif()
    list(APPEND _changed "moved ${arg_CONFIG_PATH} to share/${arg_PACKAGE_NAME}")
  endif()
  file(GLOB_RECURSE _cmake_files "${_share}/*.cmake")
  file(TO_CMAKE_PATH "${CURRENT_PACKAGES_DIR}" _packages)
  foreach(_f IN LISTS _cmake_files)
    file(READ "${_f}" _text)
    set(_new "${_text}")
    if(NOT arg_NO_PREFIX_CORRECTION)
      # share/<name> is two levels below the prefix: _IMPORT_PREFIX is the file's dir, up twice.
      string(REGEX REPLACE
        [[get_filename_component\(_IMPORT_PREFIX "\${CMAKE_CURRENT_LIST_FILE}" PATH\)(
get_filename_component\(_IMPORT_PREFIX "\${_IMPORT_PREFIX}" PATH\))*]]
        [[get_filename_component(_IMPORT_PREFIX "${CMAKE_CURRENT_LIST_FILE}" PATH)
get_filename_component(_IMPORT_PREFIX "${_IMPORT_PREFIX}" PATH)
get_filename_component(_IMPORT_PREFIX "${_IMPORT_PREFIX}" PATH)]]
        _new "${_new}")
      string(REGEX REPLACE
        [[get_filename_component\(PACKAGE_PREFIX_DIR "\${CMAKE_CURRENT_LIST_DIR}/\.\./(\.\./)*" ABSOLUTE\)]]
        [[get_filename_component(PACKAGE_PREFIX_DIR "${CMAKE_CURRENT_LIST_DIR}/../../" ABSOLUTE)]]
        _new "${_new}")
    endif()
    string(REPLACE "${CURRENT_INSTALLED_DIR}" [[${_IMPORT_PREFIX}]] _new "${_new}")
    string(REPLACE "${_packages}" [[${_IMPORT_PREFIX}]] _new "${_new}")
    if(NOT _new STREQUAL _text)
      file(WRITE "${_f}" "${_new}")
      file(RELATIVE_PATH _rel "${CURRENT_PACKAGES_DIR}" "${_f}")
      list(APPEND _changed "rewrote ${_rel}")
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY WEFT_PORT_FIXUP_CHANGES ${_changed})
endfunction()

function(vcpkg_install_copyright)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "COMMENT" "FILE_LIST")
  z_require_args(vcpkg_install_copyright FILE_LIST)
  set(_out "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright")
  set(_text "")
  if(arg_COMMENT)
    string(APPEND _text "${arg_COMMENT}\n\n")
  endif()
  list(LENGTH arg_FILE_LIST _n)
  foreach(_f IN LISTS arg_FILE_LIST)
    if(NOT EXISTS "${_f}")
      # vcpkg stops here. The stand-in carries on with a placeholder, so everything else is still
      # checked, and reports the defect.
      get_filename_component(_fn "${_f}" NAME)
      problem("vcpkg_install_copyright: ${_fn} does not exist (vcpkg would stop here)")
      string(APPEND _text "PLACEHOLDER: ${_fn} is missing from weft's source tree\n")
      continue()
    endif()
    file(READ "${_f}" _content)
    if(_n GREATER 1)
      get_filename_component(_fn "${_f}" NAME)
      string(APPEND _text "${_fn}:\n\n")
    endif()
    string(APPEND _text "${_content}")
  endforeach()
  file(WRITE "${_out}" "${_text}")
endfunction()

# =============================================================================================
# 3. Run the real portfile
# =============================================================================================
message(STATUS "[portfile] include(${_port_dir}/portfile.cmake)")
include("${_port_dir}/portfile.cmake")
stop_if_problems("portfile")

# =============================================================================================
# 4. What vcpkg's post-build checks would say about the package directory
# =============================================================================================
message(STATUS "[post-build checks] ${CURRENT_PACKAGES_DIR}")
set(_pkg "${CURRENT_PACKAGES_DIR}")
file(GLOB _top RELATIVE "${_pkg}" "${_pkg}/*")
list(SORT _top)
if(NOT _top STREQUAL "include;share")
  problem("the package holds '${_top}'; a header-only port holds include/ and share/ only (no lib/, bin/, debug/)")
else()
  ok("only include/ and share/: no lib/, bin/ or debug/")
endif()
foreach(_f include/weft/weft.hpp include/weft/eigen.hpp include/weft/xtensor.hpp
    share/weft/weftConfig.cmake share/weft/weftConfigVersion.cmake share/weft/weftTargets.cmake
    share/weft/copyright share/weft/usage
    share/weft/weft_runtimes.cmake share/weft/weft_model_types.cmake
    share/weft/model_types/weft_model_types.cpp)
  if(NOT EXISTS "${_pkg}/${_f}")
    problem("${_f} is missing")
  endif()
endforeach()
ok("headers, config, version file, targets, runtimes, weft_model_types and its tool's source, copyright and usage present")
file(GLOB_RECURSE _all RELATIVE "${_pkg}" "${_pkg}/*")
foreach(_f IN LISTS _all)
  if(_f MATCHES "\\.cmake$" AND NOT _f MATCHES "^share/weft/[^/]+\\.cmake$")
    problem("misplaced CMake file ${_f}: configs belong in share/weft")
  endif()
  if(_f MATCHES "^include/" AND NOT _f MATCHES "^include/weft/.*\\.hpp$")
    problem("unexpected file ${_f} under include/")
  endif()
endforeach()
# No absolute path into the build machine's trees (vcpkg checks for the packages, installed and
# buildtrees directories; this also refuses the checkout's path).
foreach(_f IN LISTS _all)
  file(READ "${_pkg}/${_f}" _text)
  foreach(_path "${CURRENT_PACKAGES_DIR}" "${CURRENT_INSTALLED_DIR}" "${CURRENT_BUILDTREES_DIR}" "${SOURCE_DIR}" "${SCRATCH}")
    string(FIND "${_text}" "${_path}" _at)
    if(NOT _at EQUAL -1)
      problem("${_f} contains the absolute path ${_path}")
    endif()
  endforeach()
endforeach()
ok("no absolute path to the packages, installed, buildtrees or source directories")
# Empty directories.
file(GLOB_RECURSE _dirs LIST_DIRECTORIES true RELATIVE "${_pkg}" "${_pkg}/*")
foreach(_d IN LISTS _dirs)
  if(IS_DIRECTORY "${_pkg}/${_d}")
    file(GLOB _in "${_pkg}/${_d}/*")
    if(NOT _in)
      problem("empty directory ${_d}")
    endif()
  endif()
endforeach()
# The headers installed are the checkout's headers, all of them.
file(GLOB_RECURSE _src_headers RELATIVE "${SOURCE_DIR}/include" "${SOURCE_DIR}/include/weft/*.hpp")
file(GLOB_RECURSE _pkg_headers RELATIVE "${_pkg}/include" "${_pkg}/include/weft/*.hpp")
list(SORT _src_headers)
list(SORT _pkg_headers)
if(NOT _src_headers STREQUAL _pkg_headers)
  problem("installed headers differ from include/weft/*.hpp: ${_pkg_headers} vs ${_src_headers}")
else()
  list(LENGTH _pkg_headers _n)
  ok("${_n} headers, the same set as include/weft/")
endif()
# The copyright is LICENSE.
if(EXISTS "${SOURCE_DIR}/LICENSE")
  file(READ "${SOURCE_DIR}/LICENSE" _lic)
  file(READ "${_pkg}/share/weft/copyright" _cr)
  if(NOT _lic STREQUAL _cr)
    problem("share/weft/copyright is not LICENSE")
  endif()
endif()
# The fixup had nothing to do: the config was installed to share/weft already.
get_property(_changes GLOBAL PROPERTY WEFT_PORT_FIXUP_CHANGES)
if(_changes)
  problem("vcpkg_cmake_config_fixup had to change the install (${_changes}); pass -DWEFT_INSTALL_CMAKEDIR=share/weft")
else()
  ok("vcpkg_cmake_config_fixup changed nothing: the config was installed to share/weft")
endif()
# The usage file's CMake lines are the ones the consumer below uses, word for word.
file(STRINGS "${_pkg}/share/weft/usage" _usage_lines REGEX "^    [a-z_]+\\(")
file(READ "${_consumer}/CMakeLists.txt" _consumer_text)
if(NOT _usage_lines)
  problem("share/weft/usage shows no CMake lines")
endif()
foreach(_line IN LISTS _usage_lines)
  string(STRIP "${_line}" _line)
  string(FIND "${_consumer_text}" "${_line}" _at)
  if(_at EQUAL -1)
    problem("usage line not exercised by tests/consumers/vcpkg/CMakeLists.txt: ${_line}")
  else()
    ok("usage: ${_line}")
  endif()
endforeach()
stop_if_problems("post-build checks")

# =============================================================================================
# 5. Install as vcpkg does (copy to installed/<triplet>), drop the build trees, build a consumer
# =============================================================================================
file(COPY "${CURRENT_PACKAGES_DIR}/" DESTINATION "${CURRENT_INSTALLED_DIR}")
file(REMOVE_RECURSE "${_root}/packages" "${_root}/buildtrees" "${DOWNLOADS}")
message(STATUS "[install] ${CURRENT_INSTALLED_DIR} (packages and buildtrees deleted)")
execute_process(COMMAND "${CMAKE_COMMAND}"
    -DMODE=prefix
    "-DPREFIX=${CURRENT_INSTALLED_DIR}"
    -DINSTALL_INCLUDEDIR=include
    -DINSTALL_CMAKEDIR=share/weft
    "-DSCRATCH=${SCRATCH}/consumer"
    "-DCONSUMER_SOURCE=${_consumer}"
    -DEXE=main
    "-DGENERATOR=${GENERATOR}"
    "-DMAKE_PROGRAM=${MAKE_PROGRAM}"
    "-DCXX=${CXX}"
    "-DCXX_FLAGS=${CXX_FLAGS}"
    "-DBUILD_TYPE=${BUILD_TYPE}"
    -P "${SOURCE_DIR}/cmake/run_consumer_test.cmake"
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "vcpkg port check: the consumer against installed/${TARGET_TRIPLET} failed")
endif()

message(STATUS "vcpkg port check: ok")
