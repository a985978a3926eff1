// rounding_demo: how a few values round into half, bfloat16, float8_e4m3 and float8_e5m2 under
// every rounding mode. Each cell is the stored code in hex and the value it decodes to.
//
// The rounding mode is a template parameter of mixprec::floating<Format, R>; the stochastic
// column draws its random bits from Philox4x32-10 keyed by a fixed seed, so it is reproducible.
#include <cstdint>
#include <cstdio>
#include <mixprec/mixprec.hpp>

namespace {

using mixprec::rounding;

constexpr std::uint64_t seed = 42;

// x rounded once into the format of Alias (e.g. mixprec::half) with rounding mode R.
template <class Alias, rounding R>
mixprec::floating<typename Alias::format, R> round_to(double x,
                                                      [[maybe_unused]] std::uint64_t counter) {
  using T = mixprec::floating<typename Alias::format, R>;
  if constexpr (R == rounding::stochastic) {
    return mixprec::stochastic_round<T>(x, seed, counter);  // random draw number `counter`
  } else {
    return T(x);
  }
}

template <class Alias, rounding R>
void print_cell(double x, std::uint64_t counter) {
  const auto y = round_to<Alias, R>(x, counter);
  const int hex_digits = 2 * static_cast<int>(sizeof(y));
  std::printf("  0x%0*x %15.10g", hex_digits, static_cast<unsigned>(y.bits()),
              static_cast<double>(y));
}

template <rounding R>
void print_row(const char* mode, double x, std::uint64_t counter) {
  std::printf("  %-12s", mode);
  print_cell<mixprec::half, R>(x, counter);
  print_cell<mixprec::bfloat16, R>(x, counter);
  print_cell<mixprec::float8_e4m3, R>(x, counter);
  print_cell<mixprec::float8_e5m2, R>(x, counter);
  std::printf("\n");
}

}  // namespace

int main() {
  constexpr double values[] = {0.1, 1.0 / 3, 65504, 65520, 1e-8, 448, 464, 465, -2.5, 3.0e-5};

  std::printf("%-14s%24s%24s%22s%22s\n", "mode", "half", "bfloat16", "float8_e4m3", "float8_e5m2");
  std::uint64_t counter = 0;  // one random draw per value, shared by the four formats
  for (const double x : values) {
    std::printf("\nx = %.10g\n", x);
    print_row<rounding::nearest_even>("nearest_even", x, counter);
    print_row<rounding::nearest_away>("nearest_away", x, counter);
    print_row<rounding::toward_zero>("toward_zero", x, counter);
    print_row<rounding::upward>("upward", x, counter);
    print_row<rounding::downward>("downward", x, counter);
    print_row<rounding::to_odd>("to_odd", x, counter);
    print_row<rounding::stochastic>("stochastic", x, counter);
    ++counter;
  }
}
