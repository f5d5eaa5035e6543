// SPDX-License-Identifier: BSL-1.0
// weft/detail/httplib.hpp - internal: cpp-httplib, included so that Eigen can still be included after it.
//
// Contract: includes <httplib.h> (cpp-httplib 0.11, Debian's libcpp-httplib-dev) and then undefines
// glibc's legacy macro `_res` (from <resolv.h>, which cpp-httplib includes): Eigen's product headers
// name a parameter `_res`, so <Eigen/Core> included after <httplib.h> fails to compile ("no
// declaration matches ... Scalar** (*)()"). Code that needs the resolver's state calls __res_state().
// Every weft header that needs cpp-httplib includes it through this one.
#ifndef WEFT_DETAIL_HTTPLIB_HPP
#define WEFT_DETAIL_HTTPLIB_HPP

#include <httplib.h>

#ifdef _res
#undef _res
#endif

#endif  // WEFT_DETAIL_HTTPLIB_HPP
