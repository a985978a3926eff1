#pragma once
/// \file format/cuda_interop.hpp
/// Bit-exact correspondence between mixprec types and the CUDA types of the same format:
/// half <-> __half, bfloat16 <-> __nv_bfloat16, float8_e4m3 <-> __nv_fp8_e4m3,
/// float8_e5m2 <-> __nv_fp8_e5m2. Included by floating.hpp under a CUDA compiler only; host
/// compilers never see the CUDA headers.

#if !defined(__CUDACC__)
#error "mixprec/format/cuda_interop.hpp needs a CUDA compiler"
#endif

#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "mixprec/config.hpp"
#include "mixprec/format/formats.hpp"

namespace mixprec::detail {

/// The CUDA type of a format, with its code accessors; `type` is void where CUDA has none.
template <class Format>
struct cuda_native {
  using type = void;
};

template <>
struct cuda_native<formats::fp16> {
  using type = __half;
  MIXPREC_HOST_DEVICE static std::uint16_t to_bits(const __half& h) noexcept {
    return static_cast<__half_raw>(h).x;
  }
  MIXPREC_HOST_DEVICE static __half from_bits(std::uint16_t bits) noexcept {
    __half_raw raw;
    raw.x = bits;
    return __half(raw);
  }
};

template <>
struct cuda_native<formats::bf16> {
  using type = __nv_bfloat16;
  MIXPREC_HOST_DEVICE static std::uint16_t to_bits(const __nv_bfloat16& h) noexcept {
    return static_cast<__nv_bfloat16_raw>(h).x;
  }
  MIXPREC_HOST_DEVICE static __nv_bfloat16 from_bits(std::uint16_t bits) noexcept {
    __nv_bfloat16_raw raw;
    raw.x = bits;
    return __nv_bfloat16(raw);
  }
};

template <class Fp8>
struct cuda_native_fp8 {
  using type = Fp8;
  MIXPREC_HOST_DEVICE static std::uint8_t to_bits(const Fp8& v) noexcept { return v.__x; }
  MIXPREC_HOST_DEVICE static Fp8 from_bits(std::uint8_t bits) noexcept {
    Fp8 v;
    v.__x = bits;
    return v;
  }
};

template <>
struct cuda_native<formats::e4m3> : cuda_native_fp8<__nv_fp8_e4m3> {};
template <>
struct cuda_native<formats::e5m2> : cuda_native_fp8<__nv_fp8_e5m2> {};

}  // namespace mixprec::detail
