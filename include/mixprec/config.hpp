#pragma once
/// \file config.hpp
/// Version, compiler and feature detection, and the host/device function macro.

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

// Instruction-set features of the host compiler's target (set by -mf16c, -march=native, ...).
#if !defined(MIXPREC_DEVICE_PASS) && defined(__F16C__)
#define MIXPREC_HAS_F16C 1
#endif
#if !defined(MIXPREC_DEVICE_PASS) && defined(__AVX512BF16__)
#define MIXPREC_HAS_AVX512BF16 1
#endif
#if !defined(MIXPREC_DEVICE_PASS) && defined(__AVX512FP16__)
#define MIXPREC_HAS_AVX512FP16 1
#endif

/// Seed of the stateless stochastic rounding done by the constructors and operators of types
/// with `rounding::stochastic` (see format/stochastic.hpp). Define it before including mixprec to
/// change it; explicit seeds are passed to `stochastic_round` and `stochastic_stream` instead.
#ifndef MIXPREC_STOCHASTIC_SEED
#define MIXPREC_STOCHASTIC_SEED 0x6d69787072656330ULL
#endif
