#pragma once
/// \file format/formats.hpp
/// Format descriptors: the bit layout and the special-value encoding of each number format.
/// A descriptor is an empty struct of constants; `floating<Format, ...>` gives it a value type.

#include "mixprec/format/rounding.hpp"

namespace mixprec::detail {

// In a namespace of its own: it is a base class of every format descriptor, so its namespace is
// searched by argument-dependent lookup on every floating<> and must hold nothing else.
namespace unchecked {

/// The constants every format descriptor provides, without the limits of the conversion engine
/// (formats::basic_format adds them). Internal formats wider than float (binary64, io.hpp's
/// rounding with unbounded exponent) are built on this directly.
template <int ExpBits, int ManBits, int Bias, bool Signed, bool Inf, nan_style Nan, bool Subnorm,
          int Padding>
struct format_layout {
  static constexpr int exponent_bits = ExpBits;
  static constexpr int mantissa_bits = ManBits;
  static constexpr int bias = Bias;
  static constexpr bool is_signed = Signed;
  static constexpr bool has_infinity = Inf;
  static constexpr nan_style nan = Nan;
  static constexpr bool has_subnormals = Subnorm;
  static constexpr int padding_bits = Padding;

  static_assert(ExpBits >= 1 && ManBits >= 0 && ExpBits + ManBits + Padding <= 63);
  static_assert(!Inf || Nan == nan_style::ieee, "infinities exist only with IEEE NaN encoding");
  static_assert(Nan != nan_style::ieee || Inf, "IEEE NaN encoding implies infinities");
  static_assert(Nan != nan_style::negative_zero || Signed, "fnuz NaN needs a sign bit");
};

}  // namespace unchecked

/// Unbiased exponent of the largest finite value of a layout (as encoding<>::emax computes it).
constexpr long long layout_emax(int exp_bits, int man_bits, int bias, nan_style nan) noexcept {
  if (exp_bits < 1 || man_bits < 0 || exp_bits + man_bits > 62) return 1LL << 40;  // refused
  const long long all_ones = (1LL << exp_bits) - 1;
  // The top exponent field holds finite values unless it is IEEE's infinity / NaN field, or
  // E8M0-style all-ones NaN without mantissa bits takes its only code.
  const bool top_field_finite =
      nan != nan_style::ieee && (nan != nan_style::all_ones || man_bits > 0);
  return (top_field_finite ? all_ones : all_ones - 1) - bias;
}

/// Unbiased exponent of the last place of the smallest positive value of a layout.
constexpr long long layout_min_quantum(int man_bits, int bias, bool subnormals) noexcept {
  return (subnormals ? 1LL - bias : -static_cast<long long>(bias)) - man_bits;
}

}  // namespace mixprec::detail

namespace mixprec::formats {

/// A format descriptor from its parameters: every format of this namespace is one.
/// \tparam ExpBits  exponent field width
/// \tparam ManBits  explicit significand (mantissa) bits; precision is ManBits + 1
/// \tparam Bias     exponent bias: a normal value is 1.m * 2^(e - Bias)
/// \tparam Signed   whether there is a sign bit (false only for E8M0)
/// \tparam Inf      whether infinities exist
/// \tparam Nan      how NaN is encoded
/// \tparam Subnorm  whether exponent field 0 holds zero and subnormals (false for E8M0, whose
///                  exponent field 0 is the normal value 2^-Bias)
/// \tparam Padding  low zero bits in the storage word (13 for tf32, stored as fp32 bit patterns)
///
/// The conversion engine and the arithmetic compute with at most float's 24-bit significand
/// and convert every value out to float exactly, so a layout must fit inside binary32: at most
/// 23 mantissa bits, a largest finite value of at most (2 - 2^-23) * 2^127, a smallest positive
/// value of at least 2^-149. Other layouts are refused at compile time (see docs/formats.md).
template <int ExpBits, int ManBits, int Bias, bool Signed, bool Inf, nan_style Nan, bool Subnorm,
          int Padding = 0>
struct basic_format
    : detail::unchecked::format_layout<ExpBits, ManBits, Bias, Signed, Inf, Nan, Subnorm, Padding> {
  static_assert(ManBits <= 23,
                "basic_format: at most 23 mantissa bits (the conversion engine and the arithmetic "
                "compute with float's 24-bit significand)");
  // The range checks wait for the width check, so that a wide layout gets one message.
  static_assert(ManBits > 23 || detail::layout_emax(ExpBits, ManBits, Bias, Nan) <= 127,
                "basic_format: the largest finite value must not exceed float's: its exponent "
                "(largest finite exponent field minus the bias) must be at most 127");
  static_assert(ManBits > 23 || detail::layout_min_quantum(ManBits, Bias, Subnorm) >= -149,
                "basic_format: the smallest positive value must not be below float's smallest "
                "subnormal 2^-149: emin - ManBits must be at least -149");
};

/// Any IEEE 754-style binary format with `ExpBits` exponent bits (2..8) and `ManBits` explicit
/// significand bits (1..23): bias 2^(ExpBits-1) - 1, infinities, NaNs, subnormals.
template <int ExpBits, int ManBits>
struct ieee
    : basic_format<ExpBits, ManBits, (1 << (ExpBits - 1)) - 1, true, true, nan_style::ieee, true> {
  static_assert(ExpBits >= 2 && ExpBits <= 8, "ieee<E, M>: E must be in 2..8");
  static_assert(ManBits >= 1 && ManBits <= 23, "ieee<E, M>: M must be in 1..23");
  static constexpr char name_storage[] = {
      'e',
      static_cast<char>('0' + ExpBits),
      'm',
      static_cast<char>('0' + (ManBits >= 10 ? ManBits / 10 : ManBits)),
      ManBits >= 10 ? static_cast<char>('0' + ManBits % 10) : '\0',
      '\0'};
  static constexpr const char* name = name_storage;
};

/// IEEE 754 binary16.
struct fp16 : basic_format<5, 10, 15, true, true, nan_style::ieee, true> {
  static constexpr const char* name = "fp16";
};
/// bfloat16: the top half of binary32 (8 exponent, 7 mantissa bits).
struct bf16 : basic_format<8, 7, 127, true, true, nan_style::ieee, true> {
  static constexpr const char* name = "bf16";
};
/// IEEE 754 binary32, so float can be used with every rounding mode.
struct fp32 : basic_format<8, 23, 127, true, true, nan_style::ieee, true> {
  static constexpr const char* name = "fp32";
};
/// NVIDIA TensorFloat-32: binary32's range with 10 mantissa bits, stored as a binary32 bit
/// pattern whose low 13 bits are zero.
struct tf32 : basic_format<8, 10, 127, true, true, nan_style::ieee, true, 13> {
  static constexpr const char* name = "tf32";
};
/// OCP FP8 E4M3: bias 7, no infinity, NaN only S.1111.111, max 448.
struct e4m3 : basic_format<4, 3, 7, true, false, nan_style::all_ones, true> {
  static constexpr const char* name = "e4m3";
};
/// OCP FP8 E5M2: IEEE-like, max 57344.
struct e5m2 : basic_format<5, 2, 15, true, true, nan_style::ieee, true> {
  static constexpr const char* name = "e5m2";
};
/// FP8 E4M3 "fnuz" (Graphcore, AMD): bias 8, no infinity, no -0, NaN is 0x80; max 240.
struct e4m3fnuz : basic_format<4, 3, 8, true, false, nan_style::negative_zero, true> {
  static constexpr const char* name = "e4m3fnuz";
};
/// FP8 E5M2 "fnuz": bias 16, no infinity, no -0, NaN is 0x80; max 57344.
struct e5m2fnuz : basic_format<5, 2, 16, true, false, nan_style::negative_zero, true> {
  static constexpr const char* name = "e5m2fnuz";
};
/// OCP MX FP6 E3M2: bias 3, no infinity, no NaN, max 28.
struct e3m2 : basic_format<3, 2, 3, true, false, nan_style::none, true> {
  static constexpr const char* name = "e3m2";
};
/// OCP MX FP6 E2M3: bias 1, no infinity, no NaN, max 7.5.
struct e2m3 : basic_format<2, 3, 1, true, false, nan_style::none, true> {
  static constexpr const char* name = "e2m3";
};
/// OCP MX FP4 E2M1: bias 1, no infinity, no NaN, max 6.
struct e2m1 : basic_format<2, 1, 1, true, false, nan_style::none, true> {
  static constexpr const char* name = "e2m1";
};
/// OCP MX scale E8M0: unsigned powers of two 2^-127 .. 2^127, no zero, NaN is 0xFF.
struct e8m0 : basic_format<8, 0, 127, false, false, nan_style::all_ones, false> {
  static constexpr const char* name = "e8m0";
};

}  // namespace mixprec::formats

namespace mixprec::detail {
/// binary64, used internally to convert from and to double.
struct binary64 : unchecked::format_layout<11, 52, 1023, true, true, nan_style::ieee, true, 0> {
  static constexpr const char* name = "fp64";
};
}  // namespace mixprec::detail
