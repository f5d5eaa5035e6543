# run_compile_fail.cmake - runs one compile-fail test of tests/compile_fail/ (STYLE.md rule 9).
#
#   cmake -DCXX=<compiler> -DCXX_ID=<GNU|Clang> -DSRC=<file.cpp> -DMODE=fail|clean|pch
#         "-DINCLUDES=<dir|dir|...>" "-DSYSTEM_INCLUDES=<dir|dir|...>" "-DIMPLICIT=<dir|dir|...>"
#         [-DWORKDIR=<dir>] ["-DDEFINES=<NAME=value|...>"] [-DPCH=<file>] -P run_compile_fail.cmake
#
# The compiler runs as
#   <CXX> -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -fno-diagnostics-color
#         -I<INCLUDES...> -isystem <SYSTEM_INCLUDES...> -D<DEFINES...> [-DWEFT_SHOULD_FAIL] <SRC>
# from WORKDIR, with LC_ALL=C (ASCII quotes in g++'s messages), stdout and stderr captured together.
# Directories in IMPLICIT (the compiler's own search path, e.g. /usr/include) are never passed:
# -isystem /usr/include breaks libstdc++'s #include_next.
#
# MODE=pch   : SRC is a header (tests/compile_fail/precompiled.hpp: <Eigen/Core>); it is copied to
#              WORKDIR and precompiled there with the same flags (g++: <name>.gch beside it; clang++:
#              <name>.pch); PCH names the output. Parsing Eigen is most of a compile-fail test's time.
# With PCH set, MODE=fail and MODE=clean use it: g++ `-include <header>` (g++ takes the .gch; if it
# does not fit the flags, g++ parses the header instead), clang++ `-include-pch <file>`. The
# header's content is included by the tests anyway (include guards), so the diagnostics are the same.
# MODE=clean : the file, compiled WITHOUT WEFT_SHOULD_FAIL, must compile and print nothing.
# MODE=fail  : the file, compiled WITH -DWEFT_SHOULD_FAIL, must fail to compile, and every
#              directive below must hold.
#
# Directives are comment lines anywhere in the source file (leading blanks allowed):
#   // expect: <regex>        one or more; each must match somewhere in the whole output
#   // expect-head: <regex>   zero or more; each must match within the first 5 lines of output
#   // max-lines: <N>         the output must have at most N lines (default 12; last one wins)
# A directive may be limited to one compiler by a suffix: `expect@gcc:`, `expect-head@clang:`,
# `max-lines@gcc:` (gcc = CXX_ID GNU, clang = CXX_ID Clang/AppleClang). Unqualified directives
# apply to both compilers; a qualified max-lines overrides the unqualified one for its compiler.
#
# <regex> is a CMake regular expression (string(REGEX MATCH)), NOT PCRE/ECMAScript:
#   - no \d \s \w, no {m,n}, no lazy quantifiers, no look-around; use [0-9], [ \t], +, *, ?, |, ().
#   - ^ and $ anchor the whole text searched (whole output, or the 5-line head), not one line.
#   - . and [^x] also match a newline; write \n in a directive to mean a newline character, so
#     [^\n]* stays on one line. \t means a tab. Any other \c means the literal character c
#     (\. \( \[ \* \+ \? \| \\ \$ \^).
#   - the regex is everything after "<directive>:" and one optional space, trailing blanks removed.
# The output is the compiler's, after LC_ALL=C; its lines are counted as the number of newline
# characters (plus one if it does not end with a newline).
#
# On failure the script prints the whole compiler output, its line count and the failing
# directive(s), then stops with FATAL_ERROR. On success it prints "lines: N". Its last line is
#   compile_fail <stem> <compiler-id> lines=N          (MODE=fail)
#   compile_fail <stem>.clean <compiler-id> lines=N    (MODE=clean)
# for easy collection (grep '^compile_fail ' in the ctest log).

cmake_minimum_required(VERSION 3.21)

foreach(_var CXX SRC MODE)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "run_compile_fail: -D${_var}=... is required")
  endif()
endforeach()
if(NOT MODE STREQUAL "fail" AND NOT MODE STREQUAL "clean" AND NOT MODE STREQUAL "pch")
  message(FATAL_ERROR "run_compile_fail: MODE must be 'fail', 'clean' or 'pch', not '${MODE}'")
endif()
if(NOT EXISTS "${SRC}")
  message(FATAL_ERROR "run_compile_fail: no such file: ${SRC}")
endif()
if(NOT DEFINED CXX_ID OR CXX_ID STREQUAL "")
  set(CXX_ID "unknown")
endif()
if(NOT DEFINED WORKDIR OR WORKDIR STREQUAL "")
  get_filename_component(WORKDIR "${SRC}" DIRECTORY)
endif()
file(MAKE_DIRECTORY "${WORKDIR}")

get_filename_component(_stem "${SRC}" NAME_WE)
if(CXX_ID STREQUAL "GNU")
  set(_compiler_tag "gcc")
elseif(CXX_ID MATCHES "Clang")
  set(_compiler_tag "clang")
else()
  set(_compiler_tag "${CXX_ID}")
endif()

# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------
# Lists arrive '|'-separated (';' does not survive add_test + generator expressions cleanly).
string(REPLACE "|" ";" _includes "${INCLUDES}")
string(REPLACE "|" ";" _system_includes "${SYSTEM_INCLUDES}")
string(REPLACE "|" ";" _implicit "${IMPLICIT}")
set(_implicit_real "")
foreach(_dir IN LISTS _implicit)
  if(NOT _dir STREQUAL "")
    get_filename_component(_dir "${_dir}" REALPATH)
    list(APPEND _implicit_real "${_dir}")
  endif()
endforeach()

set(_args -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -fno-diagnostics-color)
set(_seen "")
foreach(_kind I SYSTEM)
  if(_kind STREQUAL "I")
    set(_dirs ${_includes})
  else()
    set(_dirs ${_system_includes})
  endif()
  foreach(_dir IN LISTS _dirs)
    if(_dir STREQUAL "")
      continue()
    endif()
    get_filename_component(_real "${_dir}" REALPATH)
    if(_real IN_LIST _implicit_real OR _real IN_LIST _seen)
      continue()
    endif()
    list(APPEND _seen "${_real}")
    if(_kind STREQUAL "I")
      list(APPEND _args "-I${_dir}")
    else()
      list(APPEND _args -isystem "${_dir}")
    endif()
  endforeach()
endforeach()
string(REPLACE "|" ";" _defines "${DEFINES}")
foreach(_def IN LISTS _defines)
  if(NOT _def STREQUAL "")
    list(APPEND _args "-D${_def}")
  endif()
endforeach()
if(MODE STREQUAL "fail")
  list(APPEND _args -DWEFT_SHOULD_FAIL)
endif()

# The precompiled header: MODE=pch writes it, the other modes use it.
if(MODE STREQUAL "pch")
  if(NOT DEFINED PCH OR PCH STREQUAL "")
    message(FATAL_ERROR "run_compile_fail: MODE=pch needs -DPCH=<output file>")
  endif()
  get_filename_component(_pch_header "${SRC}" NAME)
  file(COPY_FILE "${SRC}" "${WORKDIR}/${_pch_header}" ONLY_IF_DIFFERENT)
  list(REMOVE_ITEM _args -fsyntax-only)
  list(APPEND _args -x c++-header "${WORKDIR}/${_pch_header}" -o "${PCH}")
elseif(DEFINED PCH AND NOT PCH STREQUAL "")
  if(CXX_ID STREQUAL "GNU")
    string(REGEX REPLACE "\\.gch$" "" _pch_header "${PCH}")
    list(APPEND _args -include "${_pch_header}")
  elseif(CXX_ID MATCHES "Clang")
    list(APPEND _args -include-pch "${PCH}")
  endif()
  list(APPEND _args "${SRC}")
else()
  list(APPEND _args "${SRC}")
endif()

# Deterministic diagnostics: ASCII quotes, no colours, no terminal width, no translations.
set(ENV{LC_ALL} "C")
set(ENV{LANG} "C")
unset(ENV{GCC_COLORS})
unset(ENV{COLUMNS})
unset(ENV{CLANG_FORCE_COLOR_DIAGNOSTICS})

execute_process(
  COMMAND "${CXX}" ${_args}
  WORKING_DIRECTORY "${WORKDIR}"
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _out)

# Line count: newline characters, plus one for an unterminated last line.
string(REGEX MATCHALL "\n" _newlines "${_out}")
list(LENGTH _newlines _lines)
if(NOT _out STREQUAL "" AND NOT _out MATCHES "\n$")
  math(EXPR _lines "${_lines} + 1")
endif()

string(REPLACE ";" " " _cmdline "${CXX};${_args}")

macro(_cf_print_summary)
  if(MODE STREQUAL "fail")
    set(_summary "compile_fail ${_stem} ${CXX_ID} lines=${_lines}")
  else()
    set(_summary "compile_fail ${_stem}.clean ${CXX_ID} lines=${_lines}")
  endif()
  # Plain stdout line (message(STATUS) would prefix "-- ").
  execute_process(COMMAND "${CMAKE_COMMAND}" -E echo "${_summary}")
endmacro()

# Report the failure in _why and stop. (A macro without arguments: macro arguments would
# re-interpret the backslashes of a regex.)
macro(_cf_fail)
  message(STATUS "command: ${_cmdline}")
  message(STATUS "exit code: ${_rc}")
  message(STATUS "---- compiler output (${_lines} lines) ----\n${_out}---- end of compiler output ----")
  message(STATUS "lines: ${_lines}")
  _cf_print_summary()
  message(FATAL_ERROR "compile_fail ${_stem} [${MODE}, ${CXX_ID}]: ${_why}")
endmacro()

# ----------------------------------------------------------------------------------------------
# MODE=pch
# ----------------------------------------------------------------------------------------------
if(MODE STREQUAL "pch")
  if(NOT _rc EQUAL 0 OR NOT EXISTS "${PCH}")
    set(_why "precompiling the header failed")
    _cf_fail()
  endif()
  message(STATUS "precompiled: ${PCH}")
  return()
endif()

# ----------------------------------------------------------------------------------------------
# MODE=clean
# ----------------------------------------------------------------------------------------------
if(MODE STREQUAL "clean")
  if(NOT _rc EQUAL 0)
    set(_why "the file must compile without WEFT_SHOULD_FAIL, but the compiler failed")
    _cf_fail()
  endif()
  if(NOT _out STREQUAL "")
    set(_why "the file must compile without WEFT_SHOULD_FAIL and print nothing, but the compiler printed ${_lines} line(s)")
    _cf_fail()
  endif()
  message(STATUS "lines: ${_lines}")
  _cf_print_summary()
  return()
endif()

# ----------------------------------------------------------------------------------------------
# MODE=fail: read the directives, line by line (no CMake list: regexes may hold ; [ ] \)
# ----------------------------------------------------------------------------------------------
if(_rc EQUAL 0)
  set(_why "with WEFT_SHOULD_FAIL the file must fail to compile, but it compiled")
  _cf_fail()
endif()

# The first 5 lines of the output.
set(_head "")
set(_rest "${_out}")
foreach(_i RANGE 1 5)
  string(FIND "${_rest}" "\n" _pos)
  if(_pos EQUAL -1)
    string(APPEND _head "${_rest}")
    set(_rest "")
    break()
  endif()
  math(EXPR _pos_end "${_pos} + 1")
  string(SUBSTRING "${_rest}" 0 ${_pos_end} _line)
  string(APPEND _head "${_line}")
  string(SUBSTRING "${_rest}" ${_pos_end} -1 _rest)
endforeach()

file(READ "${SRC}" _src)
string(APPEND _src "\n")
set(_max_lines 12)
set(_max_lines_qualified "")
set(_n_expect 0)
set(_failures "")
set(_src_lineno 0)

while(NOT _src STREQUAL "")
  string(FIND "${_src}" "\n" _pos)
  string(SUBSTRING "${_src}" 0 ${_pos} _line)
  math(EXPR _pos_end "${_pos} + 1")
  string(SUBSTRING "${_src}" ${_pos_end} -1 _src)
  math(EXPR _src_lineno "${_src_lineno} + 1")

  if(NOT _line MATCHES "^[ \t]*//[ \t]*(expect|expect-head|max-lines)(@[a-z]+)?:")
    continue()
  endif()
  set(_directive "${CMAKE_MATCH_1}")
  set(_qual "${CMAKE_MATCH_2}")
  string(LENGTH "${CMAKE_MATCH_0}" _prefix_len)
  string(SUBSTRING "${_line}" ${_prefix_len} -1 _value)
  string(REGEX REPLACE "^ " "" _value "${_value}")
  string(REGEX REPLACE "[ \t\r]+$" "" _value "${_value}")
  set(_where "${SRC}:${_src_lineno}: ${_directive}${_qual}")

  if(NOT _qual STREQUAL "")
    if(NOT _qual STREQUAL "@gcc" AND NOT _qual STREQUAL "@clang")
      string(APPEND _failures "\n  ${_where}: unknown compiler qualifier '${_qual}' (use @gcc or @clang)")
      continue()
    endif()
    if(NOT _qual STREQUAL "@${_compiler_tag}")
      continue()  # for the other compiler
    endif()
  endif()

  if(_directive STREQUAL "max-lines")
    if(NOT _value MATCHES "^[0-9]+$")
      string(APPEND _failures "\n  ${_where}: '${_value}' is not a number")
    elseif(_qual STREQUAL "")
      set(_max_lines "${_value}")
    else()
      set(_max_lines_qualified "${_value}")
    endif()
    continue()
  endif()

  if(_value STREQUAL "")
    string(APPEND _failures "\n  ${_where}: empty regex")
    continue()
  endif()
  if(_directive STREQUAL "expect")
    math(EXPR _n_expect "${_n_expect} + 1")
  endif()
  # \n and \t in a directive mean newline and tab (see the header of this file).
  string(REPLACE "\\\\" "@WEFT_ESCAPED_BACKSLASH@" _re "${_value}")  # an escaped backslash stays
  string(REPLACE "\\n" "\n" _re "${_re}")
  string(REPLACE "\\t" "\t" _re "${_re}")
  string(REPLACE "@WEFT_ESCAPED_BACKSLASH@" "\\\\" _re "${_re}")
  if(_directive STREQUAL "expect")
    set(_text "${_out}")
    set(_in "the output")
  else()
    set(_text "${_head}")
    set(_in "the first 5 lines of the output")
  endif()
  if(NOT _text MATCHES "${_re}")
    string(APPEND _failures "\n  ${_where}: no match for regex [${_value}] in ${_in}")
  endif()
endwhile()

if(NOT _max_lines_qualified STREQUAL "")
  set(_max_lines "${_max_lines_qualified}")
endif()
if(_n_expect EQUAL 0)
  string(APPEND _failures "\n  ${SRC}: no '// expect: <regex>' directive for ${_compiler_tag} (at least one is required)")
endif()
if(_lines GREATER _max_lines)
  string(APPEND _failures "\n  max-lines: the output has ${_lines} lines, more than ${_max_lines}")
endif()

if(NOT _failures STREQUAL "")
  set(_why "directive(s) failed:${_failures}")
  _cf_fail()
endif()

message(STATUS "lines: ${_lines} (max ${_max_lines}), ${_n_expect} expect directive(s) matched")
_cf_print_summary()
