# consumer_standins.cmake - stand-in package configs for the package consumer tests.
#
#   weft_consumer_standins(<out-var> <dir> TRIPWIRE <pkg>... HIDE <pkg>...)
#
# Writes <dir>/<pkg>/<pkg>Config.cmake for each package and appends -D<pkg>_DIR=<dir>/<pkg> to
# <out-var>, so find_package(<pkg>) loads the stand-in before searching anywhere else:
#   TRIPWIRE  the stand-in fails the configure when loaded: proof nothing looks for <pkg>.
#   HIDE      the stand-in reports "not found": as if <pkg> were not installed.
# Each has a version file that accepts any requested version, so find_package(<pkg> 3.4) loads it too.
function(weft_consumer_standins out_var dir)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "TRIPWIRE;HIDE")
  set(_args ${${out_var}})
  foreach(_kind TRIPWIRE HIDE)
    foreach(_pkg IN LISTS arg_${_kind})
      set(_d "${dir}/${_pkg}")
      if(_kind STREQUAL "TRIPWIRE")
        file(WRITE "${_d}/${_pkg}Config.cmake"
          "message(FATAL_ERROR \"tripwire: find_package(${_pkg}) was called; this configure must never look for ${_pkg}\")\n")
      else()
        file(WRITE "${_d}/${_pkg}Config.cmake"
          "set(${_pkg}_FOUND FALSE)\nset(${_pkg}_NOT_FOUND_MESSAGE \"${_pkg} is hidden by the test, as if it were not installed\")\n")
      endif()
      file(WRITE "${_d}/${_pkg}ConfigVersion.cmake"
        "set(PACKAGE_VERSION 999)\nset(PACKAGE_VERSION_COMPATIBLE TRUE)\n")
      list(APPEND _args "-D${_pkg}_DIR=${_d}")
    endforeach()
  endforeach()
  set(${out_var} "${_args}" PARENT_SCOPE)
endfunction()
