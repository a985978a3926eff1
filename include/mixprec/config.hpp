#pragma once
/// \file config.hpp
/// Version, CUDA compiler detection, and the host/device function macro.

#define MIXPREC_VERSION_MAJOR 0
#define MIXPREC_VERSION_MINOR 1
#define MIXPREC_VERSION_PATCH 0
/// The version as one integer: major * 10000 + minor * 100 + patch.
#define MIXPREC_VERSION \
  (MIXPREC_VERSION_MAJOR * 10000 + MIXPREC_VERSION_MINOR * 100 + MIXPREC_VERSION_PATCH)

// "A CUDA compiler is running" (both passes of nvcc, or clang in CUDA mode) is kept apart from
// "this is the device pass" (__CUDA_ARCH__), as Eigen does.
#if defined(__CUDACC__)
#define MIXPREC_CUDA_COMPILER 1
#define MIXPREC_HOST_DEVICE __host__ __device__ inline
#else
#define MIXPREC_HOST_DEVICE inline
#endif

#if defined(__CUDA_ARCH__)
#define MIXPREC_DEVICE_PASS 1
#endif
