#pragma once
/// \file tensor/shape.hpp
/// `shape`: the extents of a dense row-major tensor of rank 0 to 4, and the shape errors that the
/// tensor operations throw.

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <span>
#include <string>

#include "mixprec/error.hpp"

namespace mixprec {

/// The extents of a dense row-major tensor: rank 0 (a scalar, one element) to 4.
///
/// A shape is always valid: the constructors throw mixprec::error, naming the extents they were
/// given, for a rank above `max_rank`, a negative extent, or nonzero extents whose product does
/// not fit in std::int64_t. Extents may be zero (an empty tensor).
class shape {
 public:
  /// The largest rank a tensor may have.
  static constexpr int max_rank = 4;

  /// The scalar shape "[]": rank 0, one element.
  constexpr shape() noexcept = default;

  /// `shape{2, 3}`: the extents from the first axis (slowest varying) to the last.
  shape(std::initializer_list<std::int64_t> extents)
      : shape(std::span<const std::int64_t>(extents.begin(), extents.size())) {}

  /// The extents from the first axis to the last.
  explicit shape(std::span<const std::int64_t> extents) {
    if (extents.size() > static_cast<std::size_t>(max_rank)) {
      detail::throw_error("shape", "rank " + std::to_string(extents.size()) + " of " +
                                       format_extents(extents) + " exceeds " +
                                       std::to_string(max_rank));
    }
    for (const std::int64_t e : extents) {
      if (e < 0) detail::throw_error("shape", "negative extent in " + format_extents(extents));
    }
    // The nonzero extents must multiply within int64, so that size(), rows() and every partial
    // product are representable.
    std::int64_t product = 1;
    for (const std::int64_t e : extents) {
      if (e == 0) continue;
      if (product > std::numeric_limits<std::int64_t>::max() / e) {
        detail::throw_error("shape",
                            "the extents of " + format_extents(extents) + " multiply beyond int64");
      }
      product *= e;
    }
    rank_ = static_cast<int>(extents.size());
    for (int axis = 0; axis < rank_; ++axis) extents_[axis] = extents[axis];
  }

  /// The number of axes, 0 to max_rank.
  constexpr int rank() const noexcept { return rank_; }

  /// The extent of `axis` (0 <= axis < rank(); throws mixprec::error otherwise).
  std::int64_t operator[](int axis) const {
    if (axis < 0 || axis >= rank_) {
      detail::throw_error("shape", "axis " + std::to_string(axis) + " out of range for " +
                                       to_string() + " (rank " + std::to_string(rank_) + ")");
    }
    return extents_[axis];
  }

  /// The extents, first axis first.
  constexpr std::span<const std::int64_t> extents() const noexcept {
    return std::span<const std::int64_t>(extents_.data(), static_cast<std::size_t>(rank_));
  }

  /// The number of elements: the product of the extents (1 for a scalar).
  constexpr std::int64_t size() const noexcept {
    std::int64_t n = 1;
    for (int axis = 0; axis < rank_; ++axis) n *= extents_[axis];
    return n;
  }

  /// The product of every extent but the last: the number of rows a row-wise kernel sees when
  /// the tensor is read as a [rows(), cols()] matrix. 1 for a scalar and for rank 1.
  constexpr std::int64_t rows() const noexcept {
    std::int64_t n = 1;
    for (int axis = 0; axis + 1 < rank_; ++axis) n *= extents_[axis];
    return n;
  }

  /// The last extent (the length of a row); 1 for a scalar.
  constexpr std::int64_t cols() const noexcept { return rank_ == 0 ? 1 : extents_[rank_ - 1]; }

  /// Same rank and same extents.
  friend constexpr bool operator==(const shape& a, const shape& b) noexcept {
    if (a.rank_ != b.rank_) return false;
    for (int axis = 0; axis < a.rank_; ++axis) {
      if (a.extents_[axis] != b.extents_[axis]) return false;
    }
    return true;
  }

  /// "[2, 3]"; "[]" for a scalar.
  std::string to_string() const { return format_extents(extents()); }

  /// Writes to_string().
  friend std::ostream& operator<<(std::ostream& os, const shape& s) { return os << s.to_string(); }

 private:
  static std::string format_extents(std::span<const std::int64_t> extents) {
    std::string text = "[";
    for (std::size_t i = 0; i < extents.size(); ++i) {
      if (i != 0) text += ", ";
      text += std::to_string(extents[i]);
    }
    text += ']';
    return text;
  }

  std::array<std::int64_t, max_rank> extents_{};
  int rank_ = 0;
};

namespace detail {

/// Throws mixprec::error("<op>: shapes [2, 3] and [3, 2] do not match"), followed by
/// ": <why>" when `why` is not empty (e.g. "inner extents 3 and 4 differ").
[[noreturn]] inline void throw_shape_mismatch(const char* op, const shape& a, const shape& b,
                                              const std::string& why = {}) {
  std::string what = "shapes " + a.to_string() + " and " + b.to_string() + " do not match";
  if (!why.empty()) what += ": " + why;
  throw_error(op, what);
}

/// Throws as throw_shape_mismatch unless `a == b`.
inline void check_same_shape(const char* op, const shape& a, const shape& b) {
  if (!(a == b)) throw_shape_mismatch(op, a, b);
}

}  // namespace detail

}  // namespace mixprec
