#pragma once
/// \file backend/vocabulary.hpp
/// The words every backend and the ops on tensors share: whether a matmul operand is transposed,
/// how the second operand of a binary op is laid out, and how one kernel call runs (threads, and
/// where the random bits of its stochastic roundings come from).

#include <cstdint>

#include "mixprec/config.hpp"
#include "mixprec/format/stochastic.hpp"

namespace mixprec {

/// Whether a matmul operand is used as stored (no) or transposed (yes).
enum class transpose { no, yes };

/// How the second operand of a binary op is laid out.
enum class broadcast {
  none,  ///< b has the shape of a: rows x cols
  row,   ///< b is one row of cols elements, used for every row of a
};

/// How one kernel call runs.
///
/// `threads` is a CPU setting (0: all that OpenMP offers, 1: serial); other backends ignore it.
/// `key` gives the random bits of every stochastic rounding the call makes (a result written in
/// a stochastic type, a running sum kept in one): each rounding site draws from the key and the
/// index of the element or term it rounds, so the result does not depend on the thread count,
/// the SIMD width or the order of the work. A kernel whose precision rounds stochastically
/// throws mixprec::error when it is called without a key (`has_key` false), instead of drawing
/// the same bits for every call.
struct execution {
  int threads = 0;       ///< CPU threads: 0 for all, 1 for serial
  stochastic_key key{};  ///< the random bits of stochastic roundings
  bool has_key = false;  ///< whether `key` was given

  /// This execution with the stochastic key `k`.
  constexpr execution with_key(stochastic_key k) const noexcept {
    execution e = *this;
    e.key = k;
    e.has_key = true;
    return e;
  }
};

}  // namespace mixprec
