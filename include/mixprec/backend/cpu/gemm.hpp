#pragma once
/// \file backend/cpu/gemm.hpp
/// General matrix multiply on the CPU, C = alpha * op(A) * op(B) + beta * C, in a precision
/// policy `precision<Storage, Compute, Accumulate>`: a reference loop that defines the numbers,
/// and blocked fast paths (packed panels, register-blocked SIMD microkernels, OpenMP threads)
/// where the compute and accumulate types are IEEE fp32.
///
/// Matrices are row-major. op(A) is m x k: A itself (m x k, leading dimension lda) when
/// ta == transpose::no, or the transpose of A stored k x m when ta == transpose::yes; op(B) is
/// k x n likewise; C is m x n with leading dimension ldc.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "mixprec/backend/cpu/detail/gemm_kernels.hpp"
#include "mixprec/backend/cpu/kernel_support.hpp"
#include "mixprec/backend/cpu/parallel.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/error.hpp"
#include "mixprec/format/floating.hpp"
#include "mixprec/format/formats.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec::cpu {

using mixprec::transpose;

/// The code a gemm call runs.
enum class gemm_path {
  /// gemm_reference: the defining loop, in any precision.
  reference,
  /// Blocked fp32 kernels: operands widened exactly to float while packing, fp32 products and
  /// sums (fused multiply-add for float operands in the fast mode).
  fp32,
  /// Blocked bf16 kernel with vdpbf16ps (AVX-512 BF16): products of (k, k+1) pairs added in one
  /// step, subnormals flushed.
  bf16_dot,
};

/// What a fast path may change with respect to the reference.
enum class gemm_mode {
  /// The fastest path: it may fuse a product into its sum (float operands) or add the products
  /// of a (k, k+1) pair in one step (bf16 operands with AVX-512 BF16); see the bounds at gemm().
  fast,
  /// Only paths whose result equals gemm_reference bit for bit (where no NaN is involved).
  exact,
};

namespace detail {

template <class T>
inline constexpr bool is_bf16_type_v = [] {
  if constexpr (is_floating_v<T>) {
    return std::is_same_v<typename T::format, formats::bf16>;
  } else {
    return false;
  }
}();

/// Element types the fp32 path reads: float and every type whose values are all floats.
template <class T>
inline constexpr bool widens_to_float_v = [] {
  if constexpr (std::is_same_v<T, float>) {
    return true;
  } else if constexpr (is_floating_v<T>) {
    return converts_exactly_v<T, float>;
  } else {
    return false;
  }
}();

/// True when every product of a TA value and a TB value is a float (at most 24 significant
/// bits, no quantum below 2^-149, no magnitude at or above 2^128), so that a fused multiply-add
/// gives the bits of the product rounded to float and then added.
template <class TA, class TB>
inline constexpr bool products_exact_in_float_v = [] {
  if constexpr (is_floating_v<TA> && is_floating_v<TB>) {
    using ea = mixprec::detail::encoding<typename TA::format>;
    using eb = mixprec::detail::encoding<typename TB::format>;
    const int bits = ea::mantissa_bits + 1 + eb::mantissa_bits + 1;
    const int min_quantum = (ea::emin - ea::mantissa_bits) + (eb::emin - eb::mantissa_bits);
    const int max_exponent = ea::emax + 1 + eb::emax + 1;  // |a * b| < 2^max_exponent
    return bits <= 24 && min_quantum >= -149 && max_exponent <= 128;
  } else {
    return false;
  }
}();

}  // namespace detail

/// The path gemm (Mode fast) or gemm_exact (Mode exact) takes for these types, decided at
/// compile time:
/// - `fp32` when the compute and accumulate types are IEEE fp32 (float or float32) and A's and
///   B's element types convert exactly into float (float, bf16, fp16, fp8, ...);
/// - `bf16_dot` instead, in the fast mode, when both element types have the bf16 format and the
///   target has AVX-512 BF16 (`__AVX512BF16__`);
/// - `reference` otherwise, and always when a type of P or TC rounds stochastically (the reference
///   keys every rounding; the fast paths round to nearest).
template <precision_type P, scalar_type TA, scalar_type TB, scalar_type TC,
          gemm_mode Mode = gemm_mode::fast>
constexpr gemm_path gemm_path_for() noexcept {
  using C = typename P::compute;
  using A = typename P::accumulate;
  if constexpr (!(is_ieee_float_v<C> && is_ieee_float_v<A>) ||
                detail::stochastic_precision_v<P, TC>) {
    return gemm_path::reference;
  } else if constexpr (Mode == gemm_mode::fast && mixprec::detail::gemm::have_bf16_dot &&
                       detail::is_bf16_type_v<TA> && detail::is_bf16_type_v<TB>) {
    return gemm_path::bf16_dot;
  } else if constexpr (detail::widens_to_float_v<TA> && detail::widens_to_float_v<TB>) {
    return gemm_path::fp32;
  } else {
    return gemm_path::reference;
  }
}

/// Whether the fp32 path for these types uses fused multiply-add: in the fast mode when an
/// operand is float or float32, and in either mode when every product is exact in float (fp16,
/// fp8; not bf16, whose products can leave float's range), where fusing changes nothing.
template <scalar_type TA, scalar_type TB, gemm_mode Mode = gemm_mode::fast>
inline constexpr bool gemm_fuses_v = detail::products_exact_in_float_v<TA, TB> ||
                                     (Mode == gemm_mode::fast && !detail::is_bf16_type_v<TA> &&
                                      !detail::is_bf16_type_v<TB>);

namespace detail {

/// The rounding sites of gemm (see gemm_reference).
enum gemm_site : std::uint64_t {
  gemm_out = 0,       ///< c[i][j] rounded to TC, index i * n + j
  gemm_sum = 1,       ///< the running sum, term p of (i, j): (i * n + j) * k + p
  gemm_a = 2,         ///< op(A)[i][p] read into C, index i * k + p
  gemm_b = 3,         ///< op(B)[p][j] read into C, index p * n + j
  gemm_product = 4,   ///< the product in C, index (i * n + j) * k + p
  gemm_alpha = 5,     ///< alpha rounded to A, index 0
  gemm_scaled = 6,    ///< alpha * acc in A, index i * n + j
  gemm_beta = 7,      ///< beta rounded to A, index 0
  gemm_c = 8,         ///< c[i][j] read into A, index i * n + j
  gemm_c_scaled = 9,  ///< beta * c in A, index i * n + j
  gemm_total = 10,    ///< alpha * acc + beta * c rounded to A, index i * n + j
  gemm_sites = 11
};

/// The last step of the reference for element `out` = i * n + j: acc is the accumulated sum of
/// products; `k` the keys of the call's sites.
template <scalar_type A, scalar_type TC>
inline TC finish(A acc, double alpha, double beta, const TC* c_old, std::int64_t out,
                 const std::array<stochastic_key, gemm_sites>& k) noexcept {
  const std::uint64_t at = ix(out);
  const A scaled = alpha == 1.0
                       ? acc
                       : mul_rounded(round_to<A>(alpha, k[gemm_alpha], 0), acc, k[gemm_scaled], at);
  if (beta == 0.0) return round_to<TC>(scaled, k[gemm_out], at);
  const A bc = mul_rounded(round_to<A>(beta, k[gemm_beta], 0), round_to<A>(*c_old, k[gemm_c], at),
                           k[gemm_c_scaled], at);
  return round_to<TC>(accumulate<A>(scaled, bc, k[gemm_total], at), k[gemm_out], at);
}

inline std::string transpose_name(transpose t) { return t == transpose::no ? "no" : "yes"; }

/// Throws mixprec::error naming the offending argument; writes nothing.
inline void check_gemm(const char* op, transpose ta, transpose tb, std::int64_t m, std::int64_t n,
                       std::int64_t k, const void* a, std::int64_t lda, const void* b,
                       std::int64_t ldb, const void* c, std::int64_t ldc) {
  using mixprec::detail::throw_error;
  auto str = [](std::int64_t v) { return std::to_string(v); };
  if (m < 0) throw_error(op, "m = " + str(m) + " is negative");
  if (n < 0) throw_error(op, "n = " + str(n) + " is negative");
  if (k < 0) throw_error(op, "k = " + str(k) + " is negative");
  const std::int64_t a_row = std::max<std::int64_t>(1, ta == transpose::no ? k : m);
  const std::int64_t b_row = std::max<std::int64_t>(1, tb == transpose::no ? n : k);
  const std::int64_t c_row = std::max<std::int64_t>(1, n);
  if (lda < a_row) {
    throw_error(op, "lda = " + str(lda) + " is smaller than the row length " + str(a_row) +
                        " of A (m = " + str(m) + ", k = " + str(k) +
                        ", ta = " + transpose_name(ta) + ")");
  }
  if (ldb < b_row) {
    throw_error(op, "ldb = " + str(ldb) + " is smaller than the row length " + str(b_row) +
                        " of B (k = " + str(k) + ", n = " + str(n) +
                        ", tb = " + transpose_name(tb) + ")");
  }
  if (ldc < c_row) {
    throw_error(op, "ldc = " + str(ldc) + " is smaller than the row length " + str(c_row) +
                        " of C (n = " + str(n) + ")");
  }
  if (a == nullptr && m > 0 && k > 0) {
    throw_error(op, "a is null for a " + str(m) + " x " + str(k) + " operand");
  }
  if (b == nullptr && k > 0 && n > 0) {
    throw_error(op, "b is null for a " + str(k) + " x " + str(n) + " operand");
  }
  if (c == nullptr && m > 0 && n > 0) {
    throw_error(op, "c is null for a " + str(m) + " x " + str(n) + " result");
  }
}

/// The reference loop on checked arguments.
template <precision_type P, scalar_type TA, scalar_type TB, scalar_type TC>
void gemm_reference_unchecked(transpose ta, transpose tb, std::int64_t m, std::int64_t n,
                              std::int64_t k, double alpha, const TA* a, std::int64_t lda,
                              const TB* b, std::int64_t ldb, double beta, TC* c, std::int64_t ldc,
                              execution e) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  if (m == 0 || n == 0) return;
  const auto keys = site_keys<gemm_sites>(e);
  const std::int64_t work_per_row = std::max<std::int64_t>(1, n * std::max<std::int64_t>(k, 1));
  const std::int64_t grain = std::max<std::int64_t>(1, (std::int64_t{1} << 15) / work_per_row);
  parallel_for(m, e, grain, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        const std::int64_t o = i * n + j;
        A acc = exact_in<A>(0.0);
        for (std::int64_t p = 0; p < k; ++p) {
          const TA x = ta == transpose::no ? a[i * lda + p] : a[p * lda + i];
          const TB y = tb == transpose::no ? b[p * ldb + j] : b[j * ldb + p];
          const std::uint64_t term = ix(o * k + p);
          const C xc = round_to<C>(x, keys[gemm_a], ix(i * k + p));
          const C yc = round_to<C>(y, keys[gemm_b], ix(p * n + j));
          acc = accumulate<A>(acc, mul_rounded(xc, yc, keys[gemm_product], term), keys[gemm_sum],
                              term);
        }
        TC* out = c + i * ldc + j;
        *out = finish<A, TC>(acc, alpha, beta, out, o, keys);
      }
    }
  });
}

/// Blocking of one fast path: the microkernel, its packed element type and k grouping, and the
/// cache blocks (rows of A per packed block, k per block, columns of B per packed block).
template <gemm_path Path, bool Fused>
struct blocked_config;

template <bool Fused>
struct blocked_config<gemm_path::fp32, Fused> {
  using kernel = mixprec::detail::gemm::f32_kernel;
  using packed = float;
  using convert = mixprec::detail::gemm::to_float;
  static constexpr int group = 1;
  static constexpr std::int64_t kc = 256;
  static constexpr std::int64_t mc = kernel::mr * (kernel::mr >= 8 ? 12 : 24);
  static constexpr std::int64_t nc = kernel::nr * (kernel::nr >= 32 ? 16 : 32);
  static void run(std::int64_t k, const packed* ap, const packed* bp, float* w, std::int64_t ldw,
                  bool load) noexcept {
    kernel::template run<Fused>(k, ap, bp, w, ldw, load);
  }
};

#if defined(__AVX512BF16__) && defined(__AVX512F__)
template <bool Fused>
struct blocked_config<gemm_path::bf16_dot, Fused> {
  using kernel = mixprec::detail::gemm::bf16_dot_avx512;
  using packed = std::uint32_t;
  using convert = mixprec::detail::gemm::to_bf16_bits;
  static constexpr int group = 2;
  static constexpr std::int64_t kc = 512;
  static constexpr std::int64_t mc = kernel::mr * 12;
  static constexpr std::int64_t nc = kernel::nr * 16;
  static void run(std::int64_t k, const packed* ap, const packed* bp, float* w, std::int64_t ldw,
                  bool load) noexcept {
    kernel::run(k, ap, bp, w, ldw, load);
  }
};
#endif

/// One thread's share of C: rows [r0, r1), columns [c0, c1).
struct gemm_part {
  std::int64_t r0, r1, c0, c1;
};

/// Splits C into `parts` rectangles on a grid of tm x tn (tm * tn == parts) chosen to keep the
/// packed panels small, with boundaries on multiples of the tile size.
inline std::vector<gemm_part> split_gemm(std::int64_t m, std::int64_t n, int parts, int mr,
                                         int nr) {
  int best_tm = 1;
  double best_cost = -1;
  for (int tm = 1; tm <= parts; ++tm) {
    if (parts % tm != 0) continue;
    const int tn = parts / tm;
    // Each part packs its rows of A and its columns of B: the cost is their sum.
    const double cost = static_cast<double>(m) / tm + static_cast<double>(n) / tn;
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best_tm = tm;
    }
  }
  const int tm = best_tm, tn = parts / best_tm;
  const std::int64_t row_tiles = (m + mr - 1) / mr, col_tiles = (n + nr - 1) / nr;
  std::vector<gemm_part> out;
  for (int s = 0; s < tm; ++s) {
    for (int t = 0; t < tn; ++t) {
      gemm_part q{};
      q.r0 = std::min(m, row_tiles * s / tm * mr);
      q.r1 = std::min(m, row_tiles * (s + 1) / tm * mr);
      q.c0 = std::min(n, col_tiles * t / tn * nr);
      q.c1 = std::min(n, col_tiles * (t + 1) / tn * nr);
      if (q.r0 < q.r1 && q.c0 < q.c1) out.push_back(q);
    }
  }
  return out;
}

/// The blocked GEMM: for each part, for each column block (nc) and each k block (kc, in order),
/// B's block is packed once and each row block (mc) of A is packed and multiplied into an fp32
/// buffer of running sums, which the next k block continues; after the last k block every
/// element is finished as the reference does.
template <precision_type P, gemm_path Path, bool Fused, scalar_type TA, scalar_type TB,
          scalar_type TC>
void gemm_blocked(transpose ta, transpose tb, std::int64_t m, std::int64_t n, std::int64_t k,
                  double alpha, const TA* a, std::int64_t lda, const TB* b, std::int64_t ldb,
                  double beta, TC* c, std::int64_t ldc, execution e) {
  using cfg = blocked_config<Path, Fused>;
  using packed = typename cfg::packed;
  using A = typename P::accumulate;
  using mixprec::detail::gemm::aligned_buffer;
  using mixprec::detail::gemm::pack_panel;
  using mixprec::detail::gemm::round_up;
  constexpr int mr = cfg::kernel::mr, nr = cfg::kernel::nr, g = cfg::group;

  // Threads: about 2^18 multiply-adds each at least. With several threads C is cut into about
  // four parts per thread, which the threads take in turn, so that a thread the system
  // delays holds up less of the work.
  const std::int64_t work = m * n * k;
  const int threads = static_cast<int>(
      std::min<std::int64_t>(thread_count(e), std::max<std::int64_t>(1, work >> 18)));
  const std::vector<gemm_part> parts = split_gemm(m, n, threads == 1 ? 1 : 4 * threads, mr, nr);
  const int workers = static_cast<int>(std::min<std::size_t>(threads, parts.size()));

  const std::int64_t kc_max = std::min<std::int64_t>(cfg::kc, round_up(k, g));
  const std::int64_t a_panel = round_up(kc_max, g) / g * mr;  // packed words per micro-panel
  const std::int64_t b_panel = round_up(kc_max, g) / g * nr;

  // Scratch for every worker, sized for the largest part and allocated before the threads
  // start (the loop body must not throw).
  std::int64_t max_rows = 0, max_cols = 0;
  for (const gemm_part& q : parts) {
    max_rows = std::max(max_rows, round_up(q.r1 - q.r0, mr));
    max_cols = std::max(max_cols, round_up(std::min<std::int64_t>(cfg::nc, q.c1 - q.c0), nr));
  }
  struct scratch {
    aligned_buffer<packed> ap, bp;
    aligned_buffer<float> w;
  };
  const std::int64_t ldw = max_cols;
  const std::int64_t mc_max = std::min<std::int64_t>(cfg::mc, max_rows);
  std::vector<scratch> work_space(static_cast<std::size_t>(workers));
  for (scratch& s : work_space) {
    s.ap = aligned_buffer<packed>(static_cast<std::size_t>(mc_max / mr * a_panel));
    s.bp = aligned_buffer<packed>(static_cast<std::size_t>(max_cols / nr * b_panel));
    s.w = aligned_buffer<float>(static_cast<std::size_t>(max_rows * max_cols));
  }

  const bool a_rows = ta == transpose::no;   // A's packed rows are rows in memory
  const bool b_rows = tb == transpose::yes;  // B's packed columns are rows in memory
  auto a_at = [&](std::int64_t i, std::int64_t p) {
    return a_rows ? a + i * lda + p : a + p * lda + i;
  };
  auto b_at = [&](std::int64_t p, std::int64_t j) {
    return b_rows ? b + j * ldb + p : b + p * ldb + j;
  };
  const typename cfg::convert conv{};
  const auto keys = site_keys<gemm_sites>(e);

  auto run_part = [&](std::int64_t index, scratch& s) {
    const gemm_part q = parts[static_cast<std::size_t>(index)];
    packed* ap = s.ap.data();
    packed* bp = s.bp.data();
    float* w = s.w.data();
    for (std::int64_t jc = q.c0; jc < q.c1; jc += cfg::nc) {
      const std::int64_t nc = std::min<std::int64_t>(cfg::nc, q.c1 - jc);
      const std::int64_t b_panels = (nc + nr - 1) / nr;
      for (std::int64_t pc = 0; pc < k; pc += cfg::kc) {
        const std::int64_t kc = std::min<std::int64_t>(cfg::kc, k - pc);
        for (std::int64_t t = 0; t < b_panels; ++t) {
          const std::int64_t j = jc + t * nr;
          pack_panel<nr>(b_at(pc, j), ldb, b_rows, std::min<std::int64_t>(nr, jc + nc - j), kc,
                         bp + t * b_panel, conv);
        }
        for (std::int64_t ic = q.r0; ic < q.r1; ic += cfg::mc) {
          const std::int64_t mc = std::min<std::int64_t>(cfg::mc, q.r1 - ic);
          const std::int64_t a_panels = (mc + mr - 1) / mr;
          for (std::int64_t t = 0; t < a_panels; ++t) {
            const std::int64_t i = ic + t * mr;
            pack_panel<mr>(a_at(i, pc), lda, a_rows, std::min<std::int64_t>(mr, ic + mc - i), kc,
                           ap + t * a_panel, conv);
          }
          float* w_block = w + (ic - q.r0) * ldw;
          for (std::int64_t tj = 0; tj < b_panels; ++tj) {
            for (std::int64_t ti = 0; ti < a_panels; ++ti) {
              cfg::run(kc, ap + ti * a_panel, bp + tj * b_panel, w_block + ti * mr * ldw + tj * nr,
                       ldw, pc != 0);
            }
          }
        }
      }
      // The running sums are complete for this column block: finish them into C.
      for (std::int64_t i = q.r0; i < q.r1; ++i) {
        const float* wr = w + (i - q.r0) * ldw;
        TC* cr = c + i * ldc + jc;
        if constexpr (std::is_same_v<TC, float>) {
          if (alpha == 1.0 && beta == 0.0) {
            std::copy(wr, wr + nc, cr);
            continue;
          }
        }
        for (std::int64_t j = 0; j < nc; ++j) {
          cr[j] = finish<A, TC>(round_to<A>(wr[j]), alpha, beta, cr + j, i * n + jc + j, keys);
        }
      }
    }
  };

  const auto n_parts = static_cast<std::int64_t>(parts.size());
  std::atomic<std::int64_t> next{0};
  parallel_for(workers, e, 1, [&](std::int64_t begin, std::int64_t) {
    scratch& s = work_space[static_cast<std::size_t>(begin)];
    for (std::int64_t index = next++; index < n_parts; index = next++) run_part(index, s);
  });
}

/// One step of the fp32 path's running sum, as its microkernels take it: a fused multiply-add
/// when Fused and the target has FMA, otherwise the product rounded to float and then added.
template <bool Fused>
inline float fp32_step(float acc, float a, float b) noexcept {
#if defined(__FMA__)
  if constexpr (Fused) return std::fma(a, b, acc);
#endif
  return acc + mixprec::detail::keep_rounded(a * b);
}

/// GEMMs of at most this many multiply-adds skip the blocking, packing and threads of the fp32
/// path: a plain loop gives the same bits (each sum runs p = 0..k-1 with the microkernels' step)
/// without their fixed cost, which dominates tiny products.
inline constexpr std::int64_t small_gemm_work = 16384;

/// The fp32 path for small products: the bits of gemm_blocked<P, fp32, Fused>.
template <precision_type P, bool Fused, scalar_type TA, scalar_type TB, scalar_type TC>
void gemm_small_fp32(transpose ta, transpose tb, std::int64_t m, std::int64_t n, std::int64_t k,
                     double alpha, const TA* a, std::int64_t lda, const TB* b, std::int64_t ldb,
                     double beta, TC* c, std::int64_t ldc) noexcept {
  using A = typename P::accumulate;
  const mixprec::detail::gemm::to_float conv{};
  const auto keys = site_keys<gemm_sites>(execution{});
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (std::int64_t p = 0; p < k; ++p) {
        const float x = conv(ta == transpose::no ? a[i * lda + p] : a[p * lda + i]);
        const float y = conv(tb == transpose::no ? b[p * ldb + j] : b[j * ldb + p]);
        acc = fp32_step<Fused>(acc, x, y);
      }
      TC* out = c + i * ldc + j;
      if constexpr (std::is_same_v<TC, float>) {
        if (alpha == 1.0 && beta == 0.0) {
          *out = acc;
          continue;
        }
      }
      *out = finish<A, TC>(round_to<A>(acc), alpha, beta, out, i * n + j, keys);
    }
  }
}

template <precision_type P, gemm_mode Mode, scalar_type TA, scalar_type TB, scalar_type TC>
void gemm_dispatch(const char* op, transpose ta, transpose tb, std::int64_t m, std::int64_t n,
                   std::int64_t k, double alpha, const TA* a, std::int64_t lda, const TB* b,
                   std::int64_t ldb, double beta, TC* c, std::int64_t ldc, execution e) {
  require_key<P, TC>(op, e);
  check_gemm(op, ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
  if (m == 0 || n == 0) return;
  constexpr gemm_path path = gemm_path_for<P, TA, TB, TC, Mode>();
  if constexpr (path == gemm_path::reference) {
    gemm_reference_unchecked<P>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, e);
  } else {
    if (k == 0) {  // C = beta * C: nothing to multiply
      gemm_reference_unchecked<P>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, e);
      return;
    }
    if constexpr (path == gemm_path::fp32) {
      if ((m | n | k) < small_gemm_work && m * n * k <= small_gemm_work) {
        gemm_small_fp32<P, gemm_fuses_v<TA, TB, Mode>>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta,
                                                       c, ldc);
        return;
      }
    }
    gemm_blocked<P, path, gemm_fuses_v<TA, TB, Mode>>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta,
                                                      c, ldc, e);
  }
}

}  // namespace detail

/// The reference GEMM: c[i][j] = alpha * sum_p op(A)[i][p] * op(B)[p][j] + beta * c[i][j], with
/// every operation rounded as the precision policy P says. This loop defines the numbers of
/// every GEMM in mixprec.
///
/// With C = P::compute and A = P::accumulate, for every (i, j):
/// - acc = A(0); for p = 0, 1, ..., k - 1 in order:
///   prod = round_to<C>(op(A)[i][p]) * round_to<C>(op(B)[p][j]), the product rounded once to C
///   (C's operator*), and acc = accumulate<A>(acc, prod), the exact sum rounded once to A;
/// - if beta == 0, c[i][j] is not read (a NaN there is ignored, as in BLAS) and
///   r = (alpha == 1 ? acc : round_to<A>(alpha) * acc), the product rounded to A;
/// - otherwise r = accumulate<A>(s, round_to<A>(beta) * round_to<A>(c[i][j])) with
///   s = (alpha == 1 ? acc : round_to<A>(alpha) * acc): alpha * acc and beta * c each rounded to
///   A, their sum rounded once to A;
/// - c[i][j] = round_to<TC>(r).
/// k == 0 gives acc = 0. Rows of C may be computed on several threads (`e`); that changes no
/// result. Operands must not overlap C.
///
/// Stochastic rounding: rounding site s draws from `e.key.derive(s)`, with the element index
/// o = i * n + j and the term index o * k + p: 0 the result c[i][j] (o); 1 the running sum
/// (term); 2 op(A)[i][p] read into C (i * k + p); 3 op(B)[p][j] read into C (p * n + j); 4 the
/// product (term); 5 alpha rounded to A (0); 6 alpha * acc (o); 7 beta rounded to A (0);
/// 8 c[i][j] read into A (o); 9 beta * c (o); 10 their sum (o). A precision or TC that rounds
/// stochastically needs `e.has_key` (else mixprec::error before anything is written).
///
/// Throws mixprec::error, writing nothing, when m, n or k is negative, when a leading dimension
/// is smaller than its row (lda >= max(1, k) for ta == no, max(1, m) for yes; ldb >= max(1, n)
/// for tb == no, max(1, k) for yes; ldc >= max(1, n)), or when a pointer is null while its
/// matrix has elements. The message names "gemm_reference" and the argument.
template <precision_type P, scalar_type TA, scalar_type TB, scalar_type TC>
void gemm_reference(transpose ta, transpose tb, std::int64_t m, std::int64_t n, std::int64_t k,
                    double alpha, const TA* a, std::int64_t lda, const TB* b, std::int64_t ldb,
                    double beta, TC* c, std::int64_t ldc, execution e = {}) {
  detail::require_key<P, TC>("gemm_reference", e);
  detail::check_gemm("gemm_reference", ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
  detail::gemm_reference_unchecked<P>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, e);
}

/// GEMM with the fastest path that applies (gemm_path_for<P, TA, TB, TC>()), else the reference.
/// Arguments and errors as gemm_reference (messages name "gemm").
///
/// How the fast paths relate to gemm_reference (u = 2^-24):
/// - fp32 path, operands whose products are exact in float (fp16, fp8 e4m3/e5m2 and mixes of
///   them) or bf16 (each product rounded to float, then added): the same bits as the reference.
///   Each c[i][j] sums its products in the order p = 0, ..., k - 1 in an fp32 buffer across the
///   cache blocks of k, and alpha, beta and the rounding to TC are applied as the reference does.
/// - fp32 path, float operands: fused multiply-add leaves each product unrounded, so with
///   acc, ref the sums before alpha and beta,
///   |acc - ref| <= 2 k u sum_p |a_ip b_pj| (each product and each sum error at most u |term|
///   within the same sequential order), and the final c differs by at most |alpha| times that,
///   plus one rounding of c.
/// - bf16_dot path: vdpbf16ps adds the (exact) products of a pair (p, p+1) in one step, reads
///   subnormal inputs as zero and flushes subnormal results, so
///   |acc - ref| <= 2 k u sum_p |a_ip b_pj| + k 2^-126, and the final c differs by at most |alpha|
///   times that, plus one rounding of c.
/// Threads (`e`) never change a result: k is never split between threads.
template <precision_type P, scalar_type TA, scalar_type TB, scalar_type TC>
void gemm(transpose ta, transpose tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
          const TA* a, std::int64_t lda, const TB* b, std::int64_t ldb, double beta, TC* c,
          std::int64_t ldc, execution e = {}) {
  detail::gemm_dispatch<P, gemm_mode::fast>("gemm", ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c,
                                            ldc, e);
}

/// GEMM with a fast path only where it gives gemm_reference's bits (NaN payloads aside):
/// gemm_path_for<P, TA, TB, TC, gemm_mode::exact>(), the fp32 path without fused multiply-add
/// for float operands, never the bf16 dot-product path. Arguments and errors as
/// gemm_reference (messages name "gemm_exact").
template <precision_type P, scalar_type TA, scalar_type TB, scalar_type TC>
void gemm_exact(transpose ta, transpose tb, std::int64_t m, std::int64_t n, std::int64_t k,
                double alpha, const TA* a, std::int64_t lda, const TB* b, std::int64_t ldb,
                double beta, TC* c, std::int64_t ldc, execution e = {}) {
  detail::gemm_dispatch<P, gemm_mode::exact>("gemm_exact", ta, tb, m, n, k, alpha, a, lda, b, ldb,
                                             beta, c, ldc, e);
}

}  // namespace mixprec::cpu
