#pragma once
/// \file backend/cpu/detail/gemm_kernels.hpp
/// The pieces of the blocked CPU GEMM (backend/cpu/gemm.hpp): aligned scratch buffers, panel
/// packing, and the register-blocked microkernels (AVX-512, AVX2+FMA, portable C++, and the
/// AVX-512 BF16 dot-product kernel), chosen at compile time. Internal.
///
/// A microkernel computes one MR x NR tile of the fp32 running sums:
///   w[r][c] = (load ? w[r][c] : 0) + sum_{p < kc} ap(p, r) * bp(p, c)
/// adding the terms in the order p = 0, 1, ..., kc - 1 (the dot-product kernel adds pairs), where
/// ap is a packed micro-panel of A (MR rows) and bp one of B (NR columns).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

#include "mixprec/format/floating.hpp"
#include "mixprec/policy/precision.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__)))
#include <immintrin.h>
#endif

namespace mixprec::detail::gemm {

/// An uninitialised array of T aligned to 64 bytes (a cache line, a zmm register).
template <class T>
class aligned_buffer {
 public:
  aligned_buffer() = default;
  explicit aligned_buffer(std::size_t n)
      : data_(n == 0 ? nullptr
                     : static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{64}))) {}
  aligned_buffer(const aligned_buffer&) = delete;
  aligned_buffer& operator=(const aligned_buffer&) = delete;
  aligned_buffer(aligned_buffer&& o) noexcept : data_(o.data_) { o.data_ = nullptr; }
  aligned_buffer& operator=(aligned_buffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = o.data_;
      o.data_ = nullptr;
    }
    return *this;
  }
  ~aligned_buffer() { release(); }
  T* data() const noexcept { return data_; }

 private:
  void release() noexcept {
    if (data_ != nullptr) ::operator delete (data_, std::align_val_t{64});
  }
  T* data_ = nullptr;
};

/// x rounded up to a multiple of `unit`.
constexpr std::int64_t round_up(std::int64_t x, std::int64_t unit) noexcept {
  return (x + unit - 1) / unit * unit;
}

// ---------------------------------------------------------------------------------------------
// Packing.
//
// A micro-panel holds `Rows` rows (of A; columns of B) of a k-block. In the fp32 layout
// element (p, r) sits at p * Rows + r (Rows floats per k step); in the pair layout of the bf16
// dot-product kernel, entry q * Rows + r is a 32-bit word holding the bf16 codes of (2q, r) in
// its low half and (2q + 1, r) in its high half. Rows past `rows`, and the k index past an odd
// `kc`, are zero.
//
// The source element (p, r) is src[r * ld + p] when `row_major_rows` (A not transposed, B
// transposed) and src[p * ld + r] otherwise; src points at element (0, 0) of the block.

/// fp32 layout: `conv` gives the exact float value of an element.
template <int Rows, class T, class Conv>
void pack_panel(const T* src, std::int64_t ld, bool row_major_rows, std::int64_t rows,
                std::int64_t kc, float* dst, Conv conv) noexcept {
  if (rows < Rows) {
    std::memset(static_cast<void*>(dst), 0, static_cast<std::size_t>(kc * Rows) * sizeof(float));
  }
  if (row_major_rows) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* s = src + r * ld;
      for (std::int64_t p = 0; p < kc; ++p) dst[p * Rows + r] = conv(s[p]);
    }
  } else {
    for (std::int64_t p = 0; p < kc; ++p) {
      const T* s = src + p * ld;
      float* d = dst + p * Rows;
      for (std::int64_t r = 0; r < rows; ++r) d[r] = conv(s[r]);
    }
  }
}

/// Pair layout: `conv` gives the bf16 code of an element.
template <int Rows, class T, class Conv>
void pack_panel(const T* src, std::int64_t ld, bool row_major_rows, std::int64_t rows,
                std::int64_t kc, std::uint32_t* dst, Conv conv) noexcept {
  const std::int64_t pairs = kc / 2, steps = (kc + 1) / 2;
  if (rows < Rows) {
    std::memset(static_cast<void*>(dst), 0,
                static_cast<std::size_t>(steps * Rows) * sizeof(std::uint32_t));
  }
  auto pair = [&](T lo, T hi) {
    return static_cast<std::uint32_t>(conv(lo)) | (static_cast<std::uint32_t>(conv(hi)) << 16);
  };
  if (row_major_rows) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* s = src + r * ld;
      for (std::int64_t q = 0; q < pairs; ++q) dst[q * Rows + r] = pair(s[2 * q], s[2 * q + 1]);
      if (kc % 2 != 0) dst[pairs * Rows + r] = conv(s[kc - 1]);
    }
  } else {
    for (std::int64_t q = 0; q < pairs; ++q) {
      const T* s0 = src + 2 * q * ld;
      const T* s1 = s0 + ld;
      std::uint32_t* d = dst + q * Rows;
      for (std::int64_t r = 0; r < rows; ++r) d[r] = pair(s0[r], s1[r]);
    }
    if (kc % 2 != 0) {
      const T* s0 = src + (kc - 1) * ld;
      std::uint32_t* d = dst + pairs * Rows;
      for (std::int64_t r = 0; r < rows; ++r) d[r] = conv(s0[r]);
    }
  }
}

/// The exact float value of an element (float, or a type that converts exactly into float).
struct to_float {
  template <class T>
  float operator()(T x) const noexcept {
    if constexpr (std::is_same_v<T, float>) {
      return x;
    } else {
      return static_cast<float>(x);
    }
  }
};

/// The bf16 code of an element of a bf16 type.
struct to_bf16_bits {
  template <class T>
  std::uint16_t operator()(T x) const noexcept {
    return static_cast<std::uint16_t>(x.bits());
  }
};

// ---------------------------------------------------------------------------------------------
// fp32 microkernels. `Fused` = true uses fused multiply-add (the product is not rounded); false
// rounds each product to float and then adds it, the reference's two steps. In the unfused
// kernels an empty asm statement holds the product, so that the compiler cannot contract the
// multiply and the add into an FMA (GCC does so by default, -ffp-contract=fast).

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
/// An empty asm statement that takes `x` and gives it back: the compiler can no longer see that
/// `x` is a product, so it cannot fuse it into the following addition.
template <class Vector>
inline void keep(Vector& x) noexcept {
#if defined(__GNUC__) && defined(__AVX512F__)
  __asm__("" : "+v"(x));  // any of the 32 vector registers
#elif defined(__GNUC__)
  __asm__("" : "+x"(x));
#else
  (void)x;
#endif
}
#endif

#if defined(__AVX512F__)

/// 12 x 32 tile: 24 zmm accumulators, two B vectors and one broadcast per k step.
struct f32_avx512 {
  static constexpr int mr = 12;
  static constexpr int nr = 32;

  template <bool Fused>
  static void run(std::int64_t kc, const float* ap, const float* bp, float* w, std::int64_t ldw,
                  bool load) noexcept {
    __m512 c0[mr], c1[mr];
    if (load) {
      for (int r = 0; r < mr; ++r) {
        c0[r] = _mm512_loadu_ps(w + r * ldw);
        c1[r] = _mm512_loadu_ps(w + r * ldw + 16);
      }
    } else {
      for (int r = 0; r < mr; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
    }
    for (std::int64_t p = 0; p < kc; ++p) {
      const __m512 b0 = _mm512_load_ps(bp);
      const __m512 b1 = _mm512_load_ps(bp + 16);
      for (int r = 0; r < mr; ++r) {
        const __m512 a = _mm512_set1_ps(ap[r]);
        if constexpr (Fused) {
          c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
          c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
        } else {
          __m512 p0 = _mm512_mul_ps(a, b0);
          __m512 p1 = _mm512_mul_ps(a, b1);
          keep(p0);
          keep(p1);
          c0[r] = _mm512_add_ps(c0[r], p0);
          c1[r] = _mm512_add_ps(c1[r], p1);
        }
      }
      ap += mr;
      bp += nr;
    }
    for (int r = 0; r < mr; ++r) {
      _mm512_storeu_ps(w + r * ldw, c0[r]);
      _mm512_storeu_ps(w + r * ldw + 16, c1[r]);
    }
  }
};
using f32_kernel = f32_avx512;

#elif defined(__AVX2__) && defined(__FMA__)

/// 6 x 16 tile: 12 ymm accumulators, two B vectors and one broadcast per k step.
struct f32_avx2 {
  static constexpr int mr = 6;
  static constexpr int nr = 16;

  template <bool Fused>
  static void run(std::int64_t kc, const float* ap, const float* bp, float* w, std::int64_t ldw,
                  bool load) noexcept {
    __m256 c0[mr], c1[mr];
    if (load) {
      for (int r = 0; r < mr; ++r) {
        c0[r] = _mm256_loadu_ps(w + r * ldw);
        c1[r] = _mm256_loadu_ps(w + r * ldw + 8);
      }
    } else {
      for (int r = 0; r < mr; ++r) c0[r] = c1[r] = _mm256_setzero_ps();
    }
    for (std::int64_t p = 0; p < kc; ++p) {
      const __m256 b0 = _mm256_load_ps(bp);
      const __m256 b1 = _mm256_load_ps(bp + 8);
      for (int r = 0; r < mr; ++r) {
        const __m256 a = _mm256_broadcast_ss(ap + r);
        if constexpr (Fused) {
          c0[r] = _mm256_fmadd_ps(a, b0, c0[r]);
          c1[r] = _mm256_fmadd_ps(a, b1, c1[r]);
        } else {
          __m256 p0 = _mm256_mul_ps(a, b0);
          __m256 p1 = _mm256_mul_ps(a, b1);
          keep(p0);
          keep(p1);
          c0[r] = _mm256_add_ps(c0[r], p0);
          c1[r] = _mm256_add_ps(c1[r], p1);
        }
      }
      ap += mr;
      bp += nr;
    }
    for (int r = 0; r < mr; ++r) {
      _mm256_storeu_ps(w + r * ldw, c0[r]);
      _mm256_storeu_ps(w + r * ldw + 8, c1[r]);
    }
  }
};
using f32_kernel = f32_avx2;

#else

/// 4 x 8 tile in plain C++, which the compiler vectorises for the target's SIMD width. Without
/// FMA in the target the compiler has no fused instruction to contract into, so `Fused` and the
/// unfused kernel compute the same: each product rounded to float, then added. Where the target
/// has FMA but not AVX2 (an unusual -mfma build), the fused form is used only when asked for.
struct f32_portable {
  static constexpr int mr = 4;
  static constexpr int nr = 8;

  template <bool Fused>
  static void run(std::int64_t kc, const float* ap, const float* bp, float* w, std::int64_t ldw,
                  bool load) noexcept {
    float c[mr][nr];
    for (int r = 0; r < mr; ++r) {
      for (int j = 0; j < nr; ++j) c[r][j] = load ? w[r * ldw + j] : 0.0f;
    }
    for (std::int64_t p = 0; p < kc; ++p) {
      for (int r = 0; r < mr; ++r) {
        const float a = ap[r];
        for (int j = 0; j < nr; ++j) {
#if defined(__FMA__)
          if constexpr (!Fused) {
            volatile float prod = a * bp[j];
            c[r][j] += prod;
            continue;
          }
#endif
          c[r][j] += a * bp[j];
        }
      }
      ap += mr;
      bp += nr;
    }
    for (int r = 0; r < mr; ++r) {
      for (int j = 0; j < nr; ++j) w[r * ldw + j] = c[r][j];
    }
  }
};
using f32_kernel = f32_portable;

#endif

#if defined(__AVX512BF16__) && defined(__AVX512F__)

/// True when the dot-product kernel is compiled in (the target has AVX-512 BF16).
inline constexpr bool have_bf16_dot = true;

/// 12 x 32 tile over (k, k+1) pairs of bf16 codes with vdpbf16ps: per pair step, two 32-code B
/// vectors and one broadcast 32-bit pair of A per row. The instruction adds the two products of a
/// pair to the running sum in one step, reads subnormal inputs as zero, flushes subnormal results
/// and rounds to nearest even whatever MXCSR says.
struct bf16_dot_avx512 {
  static constexpr int mr = 12;
  static constexpr int nr = 32;

  /// kc is the number of k indices (pairs: ceil(kc / 2) steps).
  static void run(std::int64_t kc, const std::uint32_t* ap, const std::uint32_t* bp, float* w,
                  std::int64_t ldw, bool load) noexcept {
    __m512 c0[mr], c1[mr];
    if (load) {
      for (int r = 0; r < mr; ++r) {
        c0[r] = _mm512_loadu_ps(w + r * ldw);
        c1[r] = _mm512_loadu_ps(w + r * ldw + 16);
      }
    } else {
      for (int r = 0; r < mr; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
    }
    const std::int64_t steps = (kc + 1) / 2;
    for (std::int64_t q = 0; q < steps; ++q) {
      const __m512bh b0 = reinterpret_cast<__m512bh>(_mm512_load_si512(bp));
      const __m512bh b1 = reinterpret_cast<__m512bh>(_mm512_load_si512(bp + 16));
      for (int r = 0; r < mr; ++r) {
        const __m512bh a =
            reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<std::int32_t>(ap[r])));
        c0[r] = _mm512_dpbf16_ps(c0[r], a, b0);
        c1[r] = _mm512_dpbf16_ps(c1[r], a, b1);
      }
      ap += mr;
      bp += nr;
    }
    for (int r = 0; r < mr; ++r) {
      _mm512_storeu_ps(w + r * ldw, c0[r]);
      _mm512_storeu_ps(w + r * ldw + 16, c1[r]);
    }
  }
};

#else

/// True when the dot-product kernel is compiled in (the target has AVX-512 BF16).
inline constexpr bool have_bf16_dot = false;

#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace mixprec::detail::gemm
