// formats_tour: every number format of mixprec side by side.
//
//   1. The formats: layout, range, precision and special values (format_info).
//   2. How chosen values round into each format under each rounding mode.
//   3. The spacing of representable values around 1, around the largest value and near the
//      smallest one (describe).
//
// Values are printed exactly (mixprec::to_exact_string) where that fits the table, else as "~" and
// the value rounded to fit.
// `mixprec-explain <value>` shows one value in every detail.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <mixprec/format/describe.hpp>
#include <mixprec/format/info.hpp>
#include <mixprec/format/io.hpp>
#include <mixprec/mixprec.hpp>
#include <string>

namespace {

namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::rounding;

template <class... Formats>
struct format_list {};

using all_formats = format_list<fm::fp16, fm::bf16, fm::fp32, fm::tf32, fm::e4m3, fm::e5m2,
                                fm::e4m3fnuz, fm::e5m2fnuz, fm::e3m2, fm::e2m3, fm::e2m1, fm::e8m0>;
using rounded_formats = format_list<fm::fp16, fm::bf16, fm::tf32, fm::e4m3, fm::e5m2, fm::e4m3fnuz,
                                    fm::e5m2fnuz, fm::e3m2, fm::e2m3, fm::e2m1, fm::e8m0>;

// Calls fn(static_cast<F*>(nullptr)) for every format F of the list.
template <class... Formats, class Fn>
void for_each_format(format_list<Formats...>, Fn&& fn) {
  (fn(static_cast<Formats*>(nullptr)), ...);
}

std::string printf_string(const char* format, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}

// "2^k" for a power of two.
std::string power_of_two(double x) { return "2^" + std::to_string(std::ilogb(x)); }

// A value for a table cell `width` characters wide: its exact decimal (mixprec::to_exact_string)
// when that fits, else "~" and the value rounded to max_digits10 significant digits (enough to
// tell every two values of the format apart) or as many as fit. (The shortest decimal that reads
// back, mixprec::to_string, is too coarse for a table of rounding results: e5m2's
// 0.0000152587890625 reads back from "0.00002".) The fnuz NaN, whose code is the sign bit alone,
// prints as "nan".
template <class F, rounding R>
std::string text(floating<F, R> x, std::size_t width) {
  const floating<F> v(x);  // the same value, in the type that prints it
  if (mixprec::isnan(v) && F::nan == mixprec::nan_style::negative_zero) return "nan";
  const std::string exact = mixprec::to_exact_string(v);
  if (exact.size() <= width) return exact;
  std::string approximate;
  for (int digits = mixprec::format_info<F>::max_decimal_digits; digits >= 1; --digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "~%.*g", digits, static_cast<double>(v));  // v is exact
    approximate = buf;
    if (approximate.size() <= width) break;
  }
  return approximate;
}

// ---------------------------------------------------------------------------
// 1. The formats.

void print_formats_table() {
  std::printf("1. THE FORMATS\n\n");
  std::printf("%-9s %4s %2s %2s %2s %4s  %-12s %-15s %-15s %-6s %6s %10s %3s %3s %2s\n", "format",
              "bits", "E", "M", "p", "bias", "max", "min normal", "min subnormal", "eps", "digits",
              "finite", "inf", "NaN", "-0");
  for_each_format(all_formats{}, []<class F>(F*) {
    using info = mixprec::format_info<F>;
    const double max = info::max;
    const std::string max_text =
        max < 1e6 ? printf_string("%.7g", max) : printf_string("~%.5g", max);
    const std::string normal =
        power_of_two(info::min_normal) + printf_string(" ~%.2g", info::min_normal);
    const std::string subnormal =
        info::has_subnormals
            ? power_of_two(info::min_subnormal) + printf_string(" ~%.2g", info::min_subnormal)
            : "none";
    std::printf("%-9s %4d %2d %2d %2d %4d  %-12s %-15s %-15s %-6s %6d %10llu %3s %3s %2s\n",
                info::name, info::bits, info::exponent_bits, info::mantissa_bits, info::precision,
                info::bias, max_text.c_str(), normal.c_str(), subnormal.c_str(),
                power_of_two(info::epsilon).c_str(), info::decimal_digits,
                static_cast<unsigned long long>(info::finite_count),
                info::has_infinity ? "yes" : "no", info::has_nan ? "yes" : "no",
                info::has_negative_zero ? "yes" : "no");
  });
  std::printf(
      "\n"
      "  bits: width of a code (sign + E exponent bits + M mantissa bits; tf32 is stored in 32).\n"
      "  p: precision, M + 1 significant bits counting the hidden leading 1.\n"
      "  max: largest finite value. min normal: 2^(1 - bias) (e8m0: 2^-bias). min subnormal:\n"
      "    2^(1 - bias - M), the smallest positive value (e8m0 has no subnormals and no zero).\n"
      "  eps: machine epsilon 2^-M, the gap between 1 and the next value.\n"
      "  digits: decimal digits that survive decimal -> format -> decimal, floor((p - 1) log10 "
      "2);\n"
      "    0 for the 8-bit and smaller formats: not even every 1-digit decimal survives (e2m1\n"
      "    reads 5 as 4).\n"
      "  finite: codes that are finite numbers, both zeros counted.\n");
}

// ---------------------------------------------------------------------------
// 2. Rounding.

constexpr std::size_t cell_width = 12;

template <class F, rounding R>
std::string rounded(double x) {
  return text(floating<F, R>(x), cell_width);
}

// Stochastic rounding picks the neighbour away from zero with probability p (32 random bits u:
// away iff u < floor(p * 2^32)); p is found by bisection on u with explicit random bits.
template <class F>
std::string stochastic_cell(double x) {
  using T = floating<F, rounding::stochastic>;
  const auto round_with = [x](std::uint64_t u) {
    return mixprec::stochastic_round<T>(x, static_cast<std::uint32_t>(u));
  };
  const T toward = round_with(0xFFFFFFFF);  // never away from zero
  const T away = round_with(0);             // away from zero whenever p > 0
  if (toward.bits() == away.bits()) return text(toward, cell_width);
  std::uint64_t lo = 0, hi = 0xFFFFFFFF;  // the smallest u that rounds toward zero
  while (lo < hi) {
    const std::uint64_t mid = (lo + hi) / 2;
    if (round_with(mid).bits() == toward.bits()) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  const double p = std::ldexp(static_cast<double>(lo), -32);
  if (p > 0.999) return "p>0.999";
  return p >= 0.001 ? printf_string("p=%.3f", p) : printf_string("p=%.2g", p);
}

template <class F>
void print_rounding_row(double x) {
  std::printf("  %-9s %12s %12s %12s %12s %12s %12s %12s\n", F::name,
              rounded<F, rounding::nearest_even>(x).c_str(),
              rounded<F, rounding::nearest_away>(x).c_str(),
              rounded<F, rounding::toward_zero>(x).c_str(), rounded<F, rounding::upward>(x).c_str(),
              rounded<F, rounding::downward>(x).c_str(), rounded<F, rounding::to_odd>(x).c_str(),
              stochastic_cell<F>(x).c_str());
}

void print_rounding_tables() {
  struct example {
    double x;
    const char* text;
    const char* why;
  };
  const example examples[] = {
      {0.1, "0.1", "no finite binary fraction: every format rounds it"},
      {1.0 / 3, "1/3", "1/3 = 0.010101...b"},
      {65504, "65504", "fp16's largest value"},
      {65520, "65520", "midway between 65504 and 65536: fp16 ties to even, which overflows"},
      {70000, "70000", "beyond fp16's range"},
      {1e-8, "1e-8", "below half of fp16's smallest subnormal (5.96e-08)"},
      {448, "448", "e4m3's largest value"},
      {464, "464", "midway between 448 and 480 in e4m3: ties to even keeps 448"},
      {465, "465", "just above that midpoint: e4m3, which has no infinity, overflows to NaN"},
      {-2.5, "-2.5", "negative (e8m0 has no sign: NaN); in e2m1 a tie between -2 and -3"},
      {3.0e-5, "3e-5", "in fp16's subnormal range"},
  };
  std::printf(
      "\n\n2. ROUNDING: x rounded once into each format, under each rounding mode\n\n"
      "  Each cell is the exact value of the result, or where that is longer ~ and the value to\n"
      "  max_digits10 significant digits (mixprec-explain shows every digit). x is the double\n"
      "  nearest the decimal shown. Overflow is overflow::standard: inf where the format has\n"
      "  infinity, else nan, else its largest value (e3m2, e2m3, e2m1); toward_zero and to_odd\n"
      "  never overflow. stochastic: p is the probability of rounding away from zero (else the\n"
      "  toward_zero result), or the one result when both choices agree.\n");
  for (const example& e : examples) {
    std::printf("\nx = %s  (%s)\n", e.text, e.why);
    std::printf("  %-9s %12s %12s %12s %12s %12s %12s %12s\n", "format", "nearest_even",
                "nearest_away", "toward_zero", "upward", "downward", "to_odd", "stochastic");
    for_each_format(rounded_formats{}, [&e]<class F>(F*) { print_rounding_row<F>(e.x); });
  }
}

// ---------------------------------------------------------------------------
// 3. Spacing.

constexpr std::size_t spacing_width = 15;

// A neighbour named by describe() ("none", "inf" or an exact decimal), as text() writes values.
template <class F>
std::string neighbour_text(const std::string& exact) {
  if (exact == "none" || exact == "inf" || exact == "-inf") return exact;
  return text(mixprec::parse<floating<F>>(exact), spacing_width);
}

template <class F>
std::string gap(const std::string& a, const std::string& b) {
  if (a == "none" || b == "none" || a == "inf" || b == "inf") return "-";
  const double d = static_cast<double>(mixprec::parse<floating<F>>(b)) -
                   static_cast<double>(mixprec::parse<floating<F>>(a));
  return power_of_two(d);
}

template <class F>
void print_spacing_row(floating<F> x) {
  const mixprec::description d = mixprec::describe(x);
  std::printf("  %-9s %15s %15s %15s %9s %9s\n", F::name, neighbour_text<F>(d.previous).c_str(),
              text(x, spacing_width).c_str(), neighbour_text<F>(d.next).c_str(),
              gap<F>(d.previous, d.exact_decimal).c_str(), gap<F>(d.exact_decimal, d.next).c_str());
}

void print_spacing_tables() {
  std::printf(
      "\n\n3. SPACING: the values next to 1, to the largest value and to the smallest one\n\n"
      "  The gap between neighbours is a power of two: 2^(e - M) in the binade [2^e, 2^(e+1)),\n"
      "  so it doubles at every power of two and is the same across all subnormals: just below 1\n"
      "  the gap is eps/2, above it eps (in e2m3 and e2m1, 1 is the smallest normal value and\n"
      "  the subnormals below it have the same gap). \"none\": no value on that side.\n");
  const auto header = [](const char* title) {
    std::printf("\n%s\n  %-9s %15s %15s %15s %9s %9s\n", title, "format", "previous", "value",
                "next", "gap below", "gap above");
  };
  header("Around 1");
  for_each_format(all_formats{}, []<class F>(F*) { print_spacing_row(floating<F>(1)); });
  header("Around the largest finite value");
  for_each_format(all_formats{},
                  []<class F>(F*) { print_spacing_row(std::numeric_limits<floating<F>>::max()); });
  header("Near the smallest positive value (the smallest subnormal; e8m0: 2^-127)");
  for_each_format(all_formats{}, []<class F>(F*) {
    print_spacing_row(std::numeric_limits<floating<F>>::denorm_min());
  });
}

}  // namespace

int main() {
  std::printf("A TOUR OF THE NUMBER FORMATS OF MIXPREC\n\n");
  print_formats_table();
  print_rounding_tables();
  print_spacing_tables();
  std::printf("\nOne value in every detail: mixprec-explain 0.1 (or --help).\n");
}
