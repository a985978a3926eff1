# Decides whether mixprec's own CUDA sources (tests/**/*.cu, bench/*.cu) are
# built, from the cache variable MIXPREC_ENABLE_CUDA:
#
#   AUTO  enable CUDA when check_language(CUDA) finds a compiler (default)
#   ON    require CUDA; configuring fails without a CUDA compiler
#   OFF   never enable CUDA
#
# Sets MIXPREC_CUDA to ON or OFF. Included from the top-level CMakeLists.txt at
# file scope, because enable_language() must not run inside a function.
# Building CUDA code needs a compiler only, not a GPU: the CUDA tests report
# themselves skipped when no device is present.

include_guard(GLOBAL)

set(MIXPREC_CUDA OFF)
string(TOUPPER "${MIXPREC_ENABLE_CUDA}" _mixprec_cuda_mode)

if(_mixprec_cuda_mode STREQUAL "AUTO")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(MIXPREC_CUDA ON)
  else()
    message(STATUS "mixprec: no CUDA compiler found; CUDA tests and benchmarks are not built")
  endif()
elseif(_mixprec_cuda_mode STREQUAL "ON")
  set(MIXPREC_CUDA ON)
elseif(NOT _mixprec_cuda_mode STREQUAL "OFF")
  message(FATAL_ERROR "MIXPREC_ENABLE_CUDA must be AUTO, ON or OFF (got '${MIXPREC_ENABLE_CUDA}')")
endif()

if(MIXPREC_CUDA)
  # Hopper (sm_90) unless the user chose otherwise (-DCMAKE_CUDA_ARCHITECTURES
  # or the CUDAARCHS environment variable).
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES AND NOT DEFINED ENV{CUDAARCHS})
    set(CMAKE_CUDA_ARCHITECTURES "90" CACHE STRING "CUDA architectures to build for")
  endif()
  enable_language(CUDA)
  # CMake 3.25 knows no C++20 flag for nvcc; nvcc 12 and newer take -std=c++20.
  # (Set after enable_language: the compiler checks must not ask for C++20.)
  if(NOT DEFINED CMAKE_CUDA20_STANDARD_COMPILE_OPTION
     AND CMAKE_CUDA_COMPILER_ID STREQUAL "NVIDIA"
     AND CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.0)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
  if(NOT DEFINED CMAKE_CUDA_STANDARD)
    set(CMAKE_CUDA_STANDARD 20)
  endif()
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  set(CMAKE_CUDA_EXTENSIONS OFF)
  message(STATUS "mixprec: CUDA enabled (${CMAKE_CUDA_COMPILER_ID} ${CMAKE_CUDA_COMPILER_VERSION}, "
                 "architectures ${CMAKE_CUDA_ARCHITECTURES})")
endif()

unset(_mixprec_cuda_mode)
