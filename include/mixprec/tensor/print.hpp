#pragma once
/// \file tensor/print.hpp
/// Text of tensors and views, laid out as numpy prints arrays:
///
///     tensor<bf16>[2, 3]
///     [[1, 2.5, -3],
///      [0.1001, 0, -0]]
///
/// The first line names the element type (type_short_name) and the shape; the elements follow,
/// each as the shortest decimal that reads back to it (format/io.hpp's form, also for float
/// and double: fixed notation for decimal exponents in [-5, 16), otherwise "1.5e-07"; "nan",
/// "-nan", "inf", "-inf", "-0"). An axis longer than 6 shows its first 3 and last 3 entries
/// around "...". A view prints exactly as the tensor it shows would. Only tensors and views on a
/// host-accessible device print (copy others with to_host first).

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "mixprec/format/io.hpp"
#include "mixprec/format/traits.hpp"
#include "mixprec/tensor/shape.hpp"
#include "mixprec/tensor/view.hpp"

namespace mixprec {

namespace detail {

/// Appends the shortest decimal that reads back to the float or double `x`, in the notation of
/// format/io.hpp (std::to_chars gives the digits, append_shortest the layout).
template <class F>
requires std::is_same_v<F, float> || std::is_same_v<F, double>
void append_shortest_binary(std::string& out, F x) {
  if (std::isnan(x)) {
    out += std::signbit(x) ? "-nan" : "nan";
    return;
  }
  if (std::isinf(x)) {
    out += x < 0 ? "-inf" : "inf";
    return;
  }
  if (x == 0) {
    out += std::signbit(x) ? "-0" : "0";
    return;
  }
  // Scientific form: [-]d[.ddd]e(+|-)XX with the shortest round-trip digits.
  char buffer[64];
  const std::to_chars_result r =
      std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::scientific);
  const std::string_view text(buffer, static_cast<std::size_t>(r.ptr - buffer));
  std::size_t pos = 0;
  if (text[pos] == '-') {
    out += '-';
    ++pos;
  }
  std::string digits;
  while (pos < text.size() && text[pos] != 'e') {
    if (text[pos] != '.') digits += text[pos];
    ++pos;
  }
  long long exponent = 0;
  bool negative_exponent = false;
  for (++pos; pos < text.size(); ++pos) {
    if (text[pos] == '-') {
      negative_exponent = true;
    } else if (text[pos] != '+') {
      exponent = exponent * 10 + (text[pos] - '0');
    }
  }
  if (negative_exponent) exponent = -exponent;
  append_shortest(out, digits, exponent - static_cast<long long>(digits.size()) + 1);
}

/// Appends the shortest text of one element.
template <scalar_type T>
void append_element(std::string& out, T x) {
  if constexpr (is_text_floating<T>) {
    out += mixprec::to_string(x);
  } else if constexpr (is_floating_v<T>) {
    append_shortest_binary(out, static_cast<double>(x));  // exact; may be longer than needed
  } else {
    append_shortest_binary(out, x);
  }
}

/// The shortest text of a float or double (for messages).
template <class F>
std::string shortest_text(F x) {
  std::string out;
  append_shortest_binary(out, x);
  return out;
}

/// Appends the block of `s` that starts at `data`, from `axis` inward.
template <class T>
void append_block(std::string& out, const T* data, const shape& s, int axis) {
  const int rank = s.rank();
  if (axis == rank) {  // a scalar
    append_element(out, *data);
    return;
  }
  constexpr std::int64_t edge = 3;  // entries shown at each end of an elided axis
  const std::int64_t n = s[axis];
  std::int64_t stride = 1;
  for (int k = axis + 1; k < rank; ++k) stride *= s[k];
  const bool elide = n > 2 * edge;
  out += '[';
  for (std::int64_t i = 0; i < n; ++i) {
    if (i != 0) {
      out += ',';
      if (axis + 1 == rank) {
        out += ' ';
      } else {  // a new line per inner block, a blank line between blocks of blocks
        out.append(static_cast<std::size_t>(rank - 1 - axis), '\n');
        out.append(static_cast<std::size_t>(axis + 1), ' ');
      }
    }
    if (elide && i == edge) {
      out += "...";
      i = n - edge - 1;
      continue;
    }
    append_block(out, data + i * stride, s, axis + 1);
  }
  out += ']';
}

}  // namespace detail

/// The text of a tensor or view on a host-accessible device: "tensor<type>[extents]", a newline,
/// and the elements (see the file comment).
template <detail::host_tensor_like X>
std::string to_string(const X& x) {
  using T = detail::tensor_value_t<X>;
  const auto v = detail::as_const_view(x);
  std::string out = "tensor<" + type_short_name<T>() + ">" + v.shape().to_string() + "\n";
  detail::append_block(out, v.data(), v.shape(), 0);
  return out;
}

/// Writes to_string(x) (host-accessible devices only).
template <detail::host_tensor_like X>
std::ostream& operator<<(std::ostream& os, const X& x) {
  return os << to_string(x);
}

}  // namespace mixprec
