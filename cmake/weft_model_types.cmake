# cmake/weft_model_types.cmake - weft_model_types(): a model file's signature as C++ types, read at
# build time, so a pipeline is judged by the compiler against the real file.
#
#   weft_model_types(<target> MODEL <file> NAME <identifier>
#                    [BACKEND eigen|xtensor] [NAMESPACE <ns>] [OUTPUT <onnx output name>]
#                    [FORMAT onnx|xgboost])
#
# Generates <identifier>.hpp for <target> (include it as "<identifier>.hpp"), declaring in namespace
# <ns> (default weft_models):
#   <identifier>_input, <identifier>_output   per-sample tensor types read from the file (a symbolic
#                                             first dimension is the batch axis and is dropped; any
#                                             other symbolic dimension is a dynamic extent)
#   <identifier>                             weft::onnx_model<In, Out> or weft::xgboost_model<In, Out>
#   <identifier>_file                        the file's absolute path (a char array)
# BACKEND (default eigen) chooses Eigen::Matrix or xt::xtensor_fixed / xt::xtensor types; the target
# must link that backend itself (Eigen3::Eigen or xtensor). FORMAT defaults from the extension:
# .onnx -> onnx; .json, .ubj -> xgboost. OUTPUT picks one output of an ONNX file that has several.
# <target> is linked with weft::onnx or weft::xgboost (found with cmake/weft_runtimes.cmake when not
# yet defined; the configure stops, with the reason, when the runtime is missing).
#
# When: the header is written at BUILD time by a custom command that depends on the model file, so
# replacing or touching the file re-generates it and recompiles what includes it. Call
# weft_model_types() in the directory that created <target>.
# The tool: weft_model_types_tool, built once per consumer build from the C++ source shipped with weft
# (tools/model_types/weft_model_types.cpp; installed next to this file under model_types/), linked
# with libonnx's onnx_proto and the XGBoost C API when they are found (a format whose library is
# missing fails in the tool, naming it). Cross-compiling: set WEFT_MODEL_TYPES_TOOL to a host build of
# the tool. A file the tool cannot read (missing, corrupt, several inputs, an element type weft has no
# scalar for) fails the build with "weft_model_types: <file>: <why>".
include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/weft_runtimes.cmake")

set(_WEFT_MODEL_TYPES_LIST_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(WEFT_MODEL_TYPES_TOOL "" CACHE FILEPATH
  "A prebuilt weft_model_types tool for the host (cross builds); empty: build it from weft's source")

# The tool's target (built once per build tree): sets <out_var> to what a custom command runs.
function(_weft_model_types_tool out_var)
  if(WEFT_MODEL_TYPES_TOOL)
    set(${out_var} "${WEFT_MODEL_TYPES_TOOL}" PARENT_SCOPE)
    return()
  endif()
  set(${out_var} weft_model_types_tool PARENT_SCOPE)
  if(TARGET weft_model_types_tool)
    return()
  endif()
  set(_source "")
  foreach(_candidate
      "${_WEFT_MODEL_TYPES_LIST_DIR}/model_types/weft_model_types.cpp"           # install, build tree
      "${_WEFT_MODEL_TYPES_LIST_DIR}/../tools/model_types/weft_model_types.cpp")  # weft's checkout
    if(EXISTS "${_candidate}")
      set(_source "${_candidate}")
      break()
    endif()
  endforeach()
  if(NOT _source)
    message(FATAL_ERROR "weft_model_types: the tool's source weft_model_types.cpp is not next to "
      "${_WEFT_MODEL_TYPES_LIST_DIR} (an incomplete weft install?)")
  endif()
  add_executable(weft_model_types_tool "${_source}")
  set_target_properties(weft_model_types_tool PROPERTIES EXCLUDE_FROM_ALL TRUE)
  target_compile_features(weft_model_types_tool PRIVATE cxx_std_20)

  # libonnx's config names protobuf::libprotobuf without looking for it: CMake's FindProtobuf does.
  if(NOT TARGET protobuf::libprotobuf)
    find_package(Protobuf QUIET)
  endif()
  if(TARGET protobuf::libprotobuf)
    find_package(ONNX CONFIG QUIET)
  endif()
  if(TARGET onnx_proto)
    target_link_libraries(weft_model_types_tool PRIVATE onnx_proto)
    target_compile_definitions(weft_model_types_tool PRIVATE WEFT_MODEL_TYPES_WITH_ONNX=1)
  endif()
  find_path(WEFT_XGBOOST_INCLUDE_DIR xgboost/c_api.h)
  find_library(WEFT_XGBOOST_LIBRARY xgboost)
  if(WEFT_XGBOOST_INCLUDE_DIR AND WEFT_XGBOOST_LIBRARY)
    target_include_directories(weft_model_types_tool SYSTEM PRIVATE "${WEFT_XGBOOST_INCLUDE_DIR}")
    target_link_libraries(weft_model_types_tool PRIVATE "${WEFT_XGBOOST_LIBRARY}")
    target_compile_definitions(weft_model_types_tool PRIVATE WEFT_MODEL_TYPES_WITH_XGBOOST=1)
  endif()
endfunction()

function(weft_model_types target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "MODEL;NAME;BACKEND;NAMESPACE;OUTPUT;FORMAT" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "weft_model_types: unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "weft_model_types: '${target}' is not a target (create it first)")
  endif()
  if(NOT arg_MODEL OR NOT arg_NAME)
    message(FATAL_ERROR "weft_model_types(${target}): MODEL <file> and NAME <identifier> are required")
  endif()
  if(NOT arg_NAME MATCHES "^[A-Za-z][A-Za-z0-9_]*$")
    message(FATAL_ERROR "weft_model_types(${target}): NAME '${arg_NAME}' is not a C++ identifier")
  endif()
  if(NOT arg_BACKEND)
    set(arg_BACKEND eigen)
  endif()
  if(NOT arg_BACKEND MATCHES "^(eigen|xtensor)$")
    message(FATAL_ERROR "weft_model_types(${target}): BACKEND '${arg_BACKEND}' (eigen or xtensor)")
  endif()
  if(NOT arg_NAMESPACE)
    set(arg_NAMESPACE weft_models)
  endif()
  get_filename_component(_model "${arg_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT arg_FORMAT)
    get_filename_component(_ext "${_model}" LAST_EXT)
    string(TOLOWER "${_ext}" _ext)
    if(_ext STREQUAL ".onnx")
      set(arg_FORMAT onnx)
    elseif(_ext STREQUAL ".json" OR _ext STREQUAL ".ubj")
      set(arg_FORMAT xgboost)
    else()
      message(FATAL_ERROR "weft_model_types(${target}): ${_model}: say FORMAT onnx or FORMAT xgboost "
        "(the extension '${_ext}' is neither .onnx, .json nor .ubj)")
    endif()
  endif()
  if(NOT arg_FORMAT MATCHES "^(onnx|xgboost)$")
    message(FATAL_ERROR "weft_model_types(${target}): FORMAT '${arg_FORMAT}' (onnx or xgboost)")
  endif()

  weft_find_runtime(${arg_FORMAT} _found)
  if(NOT _found)
    message(FATAL_ERROR "weft_model_types(${target}): ${_model} needs the ${arg_FORMAT} runtime: ${_found_REASON}")
  endif()
  _weft_model_types_tool(_tool)

  set(_dir "${CMAKE_CURRENT_BINARY_DIR}/weft_model_types/${target}")
  set(_header "${_dir}/${arg_NAME}.hpp")
  file(MAKE_DIRECTORY "${_dir}")
  set(_output_args "")
  if(arg_OUTPUT)
    set(_output_args --output "${arg_OUTPUT}")
  endif()
  add_custom_command(OUTPUT "${_header}"
    COMMAND ${_tool} --model "${_model}" --format ${arg_FORMAT} --name ${arg_NAME}
      --backend ${arg_BACKEND} --namespace ${arg_NAMESPACE} --header "${_header}" ${_output_args}
    DEPENDS "${_model}" ${_tool}
    COMMENT "weft_model_types: ${arg_NAME}.hpp from ${_model}"
    VERBATIM)
  target_sources(${target} PRIVATE "${_header}")
  target_include_directories(${target} PRIVATE "${_dir}")
  target_link_libraries(${target} PRIVATE weft::${arg_FORMAT})
endfunction()
