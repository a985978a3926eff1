# Warning flags for mixprec's own targets (tests, examples, benchmarks).
#
#   mixprec_target_warnings(<target>)
#
# Warnings are errors. Consumers of mixprec::mixprec never see these flags: the
# library target itself carries none, and its include directory reaches
# consumers as a SYSTEM directory.

include_guard(GLOBAL)

function(mixprec_target_warnings target)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    message(FATAL_ERROR "mixprec_target_warnings: ${target} is an INTERFACE library")
  endif()

  set(gnu_like "$<OR:$<CXX_COMPILER_ID:GNU>,$<CXX_COMPILER_ID:Clang>,$<CXX_COMPILER_ID:AppleClang>>")
  target_compile_options(${target} PRIVATE
    "$<$<AND:$<COMPILE_LANGUAGE:CXX>,${gnu_like}>:-Wall;-Wextra;-Wpedantic;-Werror>"
    "$<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:MSVC>>:/W4;/WX;/permissive->")

  # nvcc: its own diagnostics as errors, and -Wall -Wextra -Werror for the host
  # compiler. No -Wpedantic there: the host code that nvcc generates is not
  # pedantic-clean (line markers, anonymous variadic macros).
  if(CMAKE_CUDA_COMPILER)
    target_compile_options(${target} PRIVATE
      "$<$<COMPILE_LANGUAGE:CUDA>:--Werror=all-warnings;-Xcompiler=-Wall,-Wextra,-Werror>")
  endif()
endfunction()
