#pragma once
/// \file detail/bigint.hpp
/// A small unsigned big integer for exact decimal <-> binary conversion (format/io.hpp). Host
/// only. Fixed capacity, so that parsing never allocates; the capacity covers every number the
/// conversions of format/io.hpp form (see there), and exceeding it throws std::length_error.

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace mixprec::detail {

/// Unsigned integer of up to bigint::capacity 32-bit limbs (little endian). Limbs at and above
/// the size are kept zero.
class bigint {
 public:
  /// 3200 bits: the largest number io.hpp forms is below 2^2800 (see format/io.hpp).
  static constexpr int capacity = 100;

  bigint() = default;
  explicit bigint(std::uint64_t v) noexcept {
    w_[0] = static_cast<std::uint32_t>(v);
    w_[1] = static_cast<std::uint32_t>(v >> 32);
    n_ = w_[1] != 0 ? 2 : (w_[0] != 0 ? 1 : 0);
  }

  bool is_zero() const noexcept { return n_ == 0; }

  /// Number of significant bits (0 for zero).
  int bit_length() const noexcept {
    if (n_ == 0) return 0;
    std::uint32_t top = w_[n_ - 1];
    int b = 0;
    while (top != 0) top >>= 1, ++b;
    return 32 * (n_ - 1) + b;
  }

  /// The 64 bits [lo, lo + 64) as a word (lo >= 0).
  std::uint64_t bits_at(int lo) const noexcept {
    std::uint64_t r = 0;
    for (int i = 0; i < 3; ++i) {
      const int limb = lo / 32 + i;
      if (limb >= n_) break;
      const int pos = 32 * i - lo % 32;  // where this limb's bit 0 lands in r
      const std::uint64_t v = w_[limb];
      r |= pos >= 0 ? (pos < 64 ? v << pos : 0) : v >> -pos;
    }
    return r;
  }

  /// Whether any of the bits [0, n) is set.
  bool any_bits_below(int n) const noexcept {
    for (int i = 0; i < n_ && 32 * i < n; ++i) {
      const int width = n - 32 * i;
      const std::uint32_t mask = width >= 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << width) - 1;
      if ((w_[i] & mask) != 0) return true;
    }
    return false;
  }

  /// *this = *this * m + a (m != 0).
  void mul_add_small(std::uint32_t m, std::uint32_t a = 0) {
    std::uint64_t carry = a;
    for (int i = 0; i < n_; ++i) {
      const std::uint64_t t = static_cast<std::uint64_t>(w_[i]) * m + carry;
      w_[i] = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
    if (carry != 0) push(static_cast<std::uint32_t>(carry));
  }

  /// *this *= 5^k.
  void mul_pow5(long long k) {
    constexpr std::uint32_t pow5_13 = 1220703125;  // 5^13, the largest power of 5 below 2^32
    for (; k >= 13; k -= 13) mul_add_small(pow5_13);
    std::uint32_t m = 1;
    for (; k > 0; --k) m *= 5;
    if (m != 1) mul_add_small(m);
  }

  /// *this <<= s (s >= 0).
  void shift_left(long long s) {
    if (n_ == 0 || s <= 0) return;
    if (bit_length() + s > 32LL * capacity) overflow();
    const int limbs = static_cast<int>(s / 32), bits = static_cast<int>(s % 32);
    if (bits == 0) {
      for (int i = n_ - 1; i >= 0; --i) w_[i + limbs] = w_[i];
    } else {
      if (n_ + limbs < capacity) w_[n_ + limbs] = 0;
      for (int i = n_ - 1; i >= 0; --i) {
        const std::uint64_t v = static_cast<std::uint64_t>(w_[i]) << bits;
        if (i + limbs + 1 < capacity) w_[i + limbs + 1] |= static_cast<std::uint32_t>(v >> 32);
        w_[i + limbs] = static_cast<std::uint32_t>(v);
      }
    }
    for (int i = 0; i < limbs; ++i) w_[i] = 0;
    n_ = n_ + limbs + 1 > capacity ? capacity : n_ + limbs + 1;
    trim();
  }

  /// *this >>= 1.
  void shift_right_one() noexcept {
    for (int i = 0; i < n_; ++i) {
      w_[i] = (w_[i] >> 1) | (i + 1 < n_ ? w_[i + 1] << 31 : 0);
    }
    trim();
  }

  /// *this -= b; requires *this >= b.
  void subtract(const bigint& b) noexcept {
    std::uint64_t borrow = 0;
    for (int i = 0; i < n_; ++i) {
      const std::uint64_t d = static_cast<std::uint64_t>(w_[i]) - (i < b.n_ ? b.w_[i] : 0) - borrow;
      w_[i] = static_cast<std::uint32_t>(d);
      borrow = (d >> 32) != 0 ? 1 : 0;
    }
    trim();
  }

  /// *this /= d (d != 0); returns the remainder.
  std::uint32_t divide_small(std::uint32_t d) noexcept {
    std::uint64_t rem = 0;
    for (int i = n_ - 1; i >= 0; --i) {
      const std::uint64_t cur = (rem << 32) | w_[i];
      w_[i] = static_cast<std::uint32_t>(cur / d);
      rem = cur % d;
    }
    trim();
    return static_cast<std::uint32_t>(rem);
  }

  friend int compare(const bigint& a, const bigint& b) noexcept {
    if (a.n_ != b.n_) return a.n_ < b.n_ ? -1 : 1;
    for (int i = a.n_ - 1; i >= 0; --i) {
      if (a.w_[i] != b.w_[i]) return a.w_[i] < b.w_[i] ? -1 : 1;
    }
    return 0;
  }

  /// floor(num / den), with num left holding the remainder. The caller guarantees that the
  /// quotient is below 2^64. Restoring division, one quotient bit per step.
  friend std::uint64_t divide_to_word(bigint& num, bigint den) {
    den.shift_left(63);
    std::uint64_t q = 0;
    for (int i = 63; i >= 0; --i) {
      if (compare(num, den) >= 0) {
        num.subtract(den);
        q |= std::uint64_t{1} << i;
      }
      den.shift_right_one();
    }
    return q;
  }

  /// Decimal digits, most significant first ("0" for zero).
  std::string to_decimal() const {
    if (n_ == 0) return "0";
    bigint t = *this;
    std::string rev;
    rev.reserve(static_cast<std::size_t>(n_) * 10);
    while (!t.is_zero()) {
      std::uint32_t chunk = t.divide_small(1000000000);
      for (int i = 0; i < 9; ++i) {
        rev.push_back(static_cast<char>('0' + chunk % 10));
        chunk /= 10;
        if (t.is_zero() && chunk == 0) break;
      }
    }
    return std::string(rev.rbegin(), rev.rend());
  }

 private:
  [[noreturn]] static void overflow() {
    throw std::length_error("mixprec::detail::bigint: capacity exceeded");
  }
  void push(std::uint32_t limb) {
    if (n_ == capacity) overflow();
    w_[n_++] = limb;
  }
  void trim() noexcept {
    while (n_ > 0 && w_[n_ - 1] == 0) --n_;
  }

  std::array<std::uint32_t, capacity> w_{};
  int n_ = 0;
};

}  // namespace mixprec::detail
