# cmake/weft_runtimes.cmake - finds the model runtimes behind weft's optional components.
#
#   weft_find_runtime(<onnx|xgboost|torch> <found_var> [QUIET])
#
# Defines the INTERFACE target weft::<runtime> (weft::weft plus the runtime's libraries and include
# directories, the latter as SYSTEM) when the runtime is found, and sets <found_var> to TRUE or FALSE
# (with the reason in <found_var>_REASON). Used by weft's own build and by weftConfig.cmake for the
# components onnx, xgboost and torch, so a consumer and weft's tests link the same way. Idempotent.
#   onnx:    OpenCV's DNN module (libopencv-dnn-dev: opencv4/opencv2/dnn.hpp, opencv_dnn, opencv_core;
#            its CMake config comes only with libopencv-dev, so the files are found directly) and
#            libonnx-dev (CMake package ONNX, target onnx) to read a file's declared signature.
#   xgboost: the XGBoost C API (libxgboost-dev: xgboost/c_api.h, libxgboost). Debian 12's CMake
#            package config for xgboost is broken, so the files are found directly.
#   torch:   libtorch (libtorch-dev, CMake package Torch). Its headers do not compile with clang++ 14
#            in C++20; the runtime is reported not found there.
#   config:  not a model runtime but found the same way: weft/config.hpp and weft/fingerprint.hpp
#            need nlohmann-json (nlohmann-json3-dev, CMake package nlohmann_json) and OpenSSL's
#            libcrypto for SHA-256 (libssl-dev, CMake module FindOpenSSL, target OpenSSL::Crypto).
#   serve:   weft/serve.hpp (the Open Inference Protocol server): cpp-httplib (its CMake package
#            httplib, target httplib::httplib, when installed; else Debian's libcpp-httplib-dev,
#            httplib.h split into declarations and libcpp-httplib without a CMake config, found
#            directly, with the macros the library was built with) and nlohmann-json
#            (nlohmann-json3-dev), plus Threads.
include_guard(GLOBAL)

function(weft_find_runtime runtime found_var)
  set(_quiet "")
  if("QUIET" IN_LIST ARGN)
    set(_quiet QUIET)
  endif()
  set(${found_var} FALSE PARENT_SCOPE)
  set(_reason "")
  if(TARGET weft::${runtime})
    set(${found_var} TRUE PARENT_SCOPE)
    return()
  endif()

  if(runtime STREQUAL "onnx")
    find_path(WEFT_OPENCV_DNN_INCLUDE_DIR opencv2/dnn.hpp PATH_SUFFIXES opencv4)
    find_library(WEFT_OPENCV_DNN_LIBRARY opencv_dnn)
    find_library(WEFT_OPENCV_CORE_LIBRARY opencv_core)
    # ONNX's config names protobuf::libprotobuf without finding it (found only when libtorch's is).
    find_package(Protobuf ${_quiet})
    find_package(ONNX CONFIG ${_quiet})
    if(NOT WEFT_OPENCV_DNN_INCLUDE_DIR OR NOT WEFT_OPENCV_DNN_LIBRARY OR NOT WEFT_OPENCV_CORE_LIBRARY)
      set(_reason "OpenCV's DNN module not found (Debian: libopencv-dnn-dev)")
    elseif(NOT TARGET onnx)
      set(_reason "libonnx not found (Debian: libonnx-dev)")
    else()
      add_library(weft_runtime_onnx INTERFACE IMPORTED GLOBAL)
      target_include_directories(weft_runtime_onnx SYSTEM INTERFACE "${WEFT_OPENCV_DNN_INCLUDE_DIR}")
      target_link_libraries(weft_runtime_onnx INTERFACE
        weft::weft onnx "${WEFT_OPENCV_DNN_LIBRARY}" "${WEFT_OPENCV_CORE_LIBRARY}")
    endif()
  elseif(runtime STREQUAL "xgboost")
    find_path(WEFT_XGBOOST_INCLUDE_DIR xgboost/c_api.h)
    find_library(WEFT_XGBOOST_LIBRARY xgboost)
    if(NOT WEFT_XGBOOST_INCLUDE_DIR OR NOT WEFT_XGBOOST_LIBRARY)
      set(_reason "the XGBoost C API not found (Debian: libxgboost-dev)")
    else()
      add_library(weft_runtime_xgboost INTERFACE IMPORTED GLOBAL)
      target_include_directories(weft_runtime_xgboost SYSTEM INTERFACE "${WEFT_XGBOOST_INCLUDE_DIR}")
      target_link_libraries(weft_runtime_xgboost INTERFACE weft::weft "${WEFT_XGBOOST_LIBRARY}")
    endif()
  elseif(runtime STREQUAL "torch")
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 15)
      set(_reason "libtorch 1.13's headers do not compile with clang++ ${CMAKE_CXX_COMPILER_VERSION} in C++20 (incomplete c10::IValue in ATen/core/List.h); use g++")
    else()
      find_package(Torch CONFIG ${_quiet})
      if(NOT Torch_FOUND)
        set(_reason "libtorch not found (Debian: libtorch-dev)")
      else()
        add_library(weft_runtime_torch INTERFACE IMPORTED GLOBAL)
        target_include_directories(weft_runtime_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
        target_link_libraries(weft_runtime_torch INTERFACE weft::weft ${TORCH_LIBRARIES})
      endif()
    endif()
  elseif(runtime STREQUAL "config")
    find_package(nlohmann_json 3 CONFIG ${_quiet})
    find_package(OpenSSL ${_quiet} COMPONENTS Crypto)
    if(NOT nlohmann_json_FOUND)
      set(_reason "nlohmann-json not found (Debian: nlohmann-json3-dev)")
    elseif(NOT TARGET OpenSSL::Crypto)
      set(_reason "OpenSSL's libcrypto not found (Debian: libssl-dev)")
    else()
      add_library(weft_runtime_config INTERFACE IMPORTED GLOBAL)
      target_link_libraries(weft_runtime_config INTERFACE
        weft::weft nlohmann_json::nlohmann_json OpenSSL::Crypto)
    endif()
  elseif(runtime STREQUAL "serve")
    find_package(nlohmann_json 3 CONFIG ${_quiet})
    find_package(Threads ${_quiet})
    # cpp-httplib's own CMake package (upstream's install, Conan) when there is one, else Debian's
    # split build: httplib.h declarations plus libcpp-httplib, without a CMake config.
    find_package(httplib CONFIG QUIET)
    if(NOT TARGET httplib::httplib)
      find_path(WEFT_HTTPLIB_INCLUDE_DIR httplib.h)
      find_library(WEFT_HTTPLIB_LIBRARY cpp-httplib)
    endif()
    if(NOT TARGET httplib::httplib AND (NOT WEFT_HTTPLIB_INCLUDE_DIR OR NOT WEFT_HTTPLIB_LIBRARY))
      set(_reason "cpp-httplib not found (Debian: libcpp-httplib-dev)")
    elseif(NOT nlohmann_json_FOUND)
      set(_reason "nlohmann-json not found (Debian: nlohmann-json3-dev)")
    elseif(NOT TARGET Threads::Threads)
      set(_reason "no thread library found")
    else()
      add_library(weft_runtime_serve INTERFACE IMPORTED GLOBAL)
      if(TARGET httplib::httplib)
        target_link_libraries(weft_runtime_serve INTERFACE httplib::httplib)
      else()
        target_include_directories(weft_runtime_serve SYSTEM INTERFACE "${WEFT_HTTPLIB_INCLUDE_DIR}")
        # The macros Debian's libcpp-httplib was built with (its cpp-httplib.pc): they change the
        # classes' layout, so the header must see the same ones as the library.
        target_compile_definitions(weft_runtime_serve INTERFACE
          CPPHTTPLIB_OPENSSL_SUPPORT CPPHTTPLIB_ZLIB_SUPPORT CPPHTTPLIB_BROTLI_SUPPORT)
        target_link_libraries(weft_runtime_serve INTERFACE "${WEFT_HTTPLIB_LIBRARY}")
      endif()
      target_link_libraries(weft_runtime_serve INTERFACE weft::weft nlohmann_json::nlohmann_json Threads::Threads)
    endif()
  else()
    message(FATAL_ERROR "weft_find_runtime: unknown runtime '${runtime}' (onnx, xgboost, torch, config, serve)")
  endif()

  if(_reason STREQUAL "")
    add_library(weft::${runtime} ALIAS weft_runtime_${runtime})
    set(${found_var} TRUE PARENT_SCOPE)
  else()
    set(${found_var}_REASON "${_reason}" PARENT_SCOPE)
  endif()
endfunction()
