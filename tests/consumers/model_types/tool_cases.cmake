# tool_cases.cmake - the weft_model_types tool on every kind of model file weft's tests hold: the
# header it writes, or the error it stops with (ctest package.model_types_tool).
#
#   cmake -DTOOL=<weft_model_types_tool> -DDATA=<tests/data> -DSCRATCH=<dir> -P tool_cases.cmake
#
# Each case: file (under DATA) | format | backend | --output or empty | ok or fail | a regex the
# header (ok) or the tool's stderr (fail) must match. A failing case must also leave no header and
# name the file in its message. (A regex holds no ';', CMake would split the case there: '.' stands for it.)
cmake_minimum_required(VERSION 3.21)
foreach(_var TOOL DATA SCRATCH)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "model_types tool cases: -D${_var}=... is required")
  endif()
endforeach()

set(_cases
  "onnx/mlp.onnx|onnx|eigen||ok|using net_input = Eigen::Matrix<float, 8, 1>..*using net_output = Eigen::Matrix<float, 3, 1>..*using net = weft::onnx_model<net_input, net_output>."
  "onnx/mlp.onnx|onnx|xtensor||ok|#include <weft/xtensor.hpp>..*#include <weft/onnx.hpp>."
  "onnx/mlp_batch1.onnx|onnx|xtensor||ok|input  'x' f32\\[1,8\\].*using net_input = xt::xtensor_fixed<float, xt::xshape<8>>."
  "onnx/relu_any_width.onnx|onnx|eigen||ok|input  'x' f32\\[\\?,\\?\\].*using net_input = Eigen::Matrix<float, Eigen::Dynamic, 1>."
  "onnx/relu_any_width.onnx|onnx|xtensor||ok|using net_output = xt::xtensor<float, 1>."
  "onnx/two_outputs.onnx|onnx|eigen|probabilities|ok|output 'probabilities' f32\\[\\?,3\\].*using net_output = Eigen::Matrix<float, 3, 1>."
  "onnx/two_outputs.onnx|onnx|eigen||fail|the graph has 2 outputs \\('label', 'probabilities'\\): choose one"
  "onnx/two_outputs.onnx|onnx|eigen|label|fail|output 'label' has element type INT64. weft::onnx_model runs FLOAT"
  "onnx/two_outputs.onnx|onnx|eigen|scores|fail|no output named 'scores'"
  "onnx/two_inputs.onnx|onnx|eigen||fail|the graph has 2 inputs"
  "onnx/corrupt.onnx|onnx|eigen||fail|not an ONNX model"
  "types/onnx_f16.onnx|onnx|eigen||fail|input 'x' has element type FLOAT16"
  "onnx/no_such_file.onnx|onnx|eigen||fail|cannot open the file"
  "xgboost/softprob.ubj|xgboost|eigen||ok|using net_input = Eigen::Matrix<float, 8, 1>..*using net_output = Eigen::Matrix<float, 3, 1>..*using net = weft::xgboost_model<net_input, net_output>."
  "xgboost/softprob.json|xgboost|xtensor||ok|using net_output = xt::xtensor_fixed<float, xt::xshape<3>>."
  "xgboost/binary.json|xgboost|eigen||ok|output 'binary:logistic' f32\\[\\?,1\\].*using net_output = Eigen::Matrix<float, 1, 1>."
  "xgboost/regression.ubj|xgboost|eigen||ok|using net_output = Eigen::Matrix<float, 1, 1>."
  "xgboost/features5.json|xgboost|eigen||ok|using net_input = Eigen::Matrix<float, 5, 1>."
  "xgboost/softmax.json|xgboost|eigen||fail|objective 'multi:softmax' is not one weft::xgboost_model takes"
  "xgboost/corrupt.json|xgboost|eigen||fail|XGBoost cannot load it")

file(REMOVE_RECURSE "${SCRATCH}")
file(MAKE_DIRECTORY "${SCRATCH}")
set(_failures "")
set(_n 0)
foreach(_case IN LISTS _cases)
  string(REPLACE "|" ";" _f "${_case}")
  list(GET _f 0 _file)
  list(GET _f 1 _format)
  list(GET _f 2 _backend)
  list(GET _f 3 _output)
  list(GET _f 4 _expect)
  list(GET _f 5 _regex)
  math(EXPR _n "${_n} + 1")
  set(_header "${SCRATCH}/case${_n}/net.hpp")
  file(MAKE_DIRECTORY "${SCRATCH}/case${_n}")
  set(_args --model "${DATA}/${_file}" --format ${_format} --name net --backend ${_backend}
    --namespace models --header "${_header}")
  if(_output)
    list(APPEND _args --output ${_output})
  endif()
  execute_process(COMMAND "${TOOL}" ${_args} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  set(_what "${_file} (${_backend} ${_output})")
  if(_expect STREQUAL "ok")
    if(NOT _rc EQUAL 0 OR NOT EXISTS "${_header}")
      list(APPEND _failures "${_what}: the tool failed (${_rc}): ${_err}")
      continue()
    endif()
    file(READ "${_header}" _text)
    if(NOT _text MATCHES "${_regex}")
      list(APPEND _failures "${_what}: the header does not match '${_regex}':\n${_text}")
    elseif(NOT _text MATCHES "namespace models {")
      list(APPEND _failures "${_what}: the header does not open namespace models")
    else()
      message(STATUS "  ok: ${_what}: header as expected")
    endif()
  else()
    string(REGEX REPLACE "([][+.*()^$?|\\\\])" "\\\\\\1" _file_re "${DATA}/${_file}")
    if(_rc EQUAL 0)
      list(APPEND _failures "${_what}: the tool must fail")
    elseif(EXISTS "${_header}")
      list(APPEND _failures "${_what}: a failing run left a header behind")
    elseif(NOT _err MATCHES "^weft_model_types: ${_file_re}: [^\n]*${_regex}")
      list(APPEND _failures "${_what}: the message must name the file and match '${_regex}', is: ${_err}")
    else()
      string(STRIP "${_err}" _err)
      message(STATUS "  ok: ${_what}: ${_err}")
    endif()
  endif()
endforeach()

if(_failures)
  list(JOIN _failures "\n  " _text)
  message(FATAL_ERROR "weft_model_types tool cases failed:\n  ${_text}")
endif()
message(STATUS "weft_model_types tool: all ${_n} cases behave")
