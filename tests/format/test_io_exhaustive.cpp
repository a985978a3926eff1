// Text I/O, exhaustive: printing (shortest and exact) of every fp16 and bf16 code in several
// modes, parsing of every fp16 and bf16 boundary and tie in every deterministic mode, and
// float32 shortest digits against std::to_chars on a large sample; every code and boundary of the
// 8-bit-or-smaller formats in every mode (test_io.cpp runs four modes). Reference: the one of
// test_io.cpp, in tests/support/io_check.hpp.
#include <doctest/doctest.h>

#include "io_check.hpp"

namespace {

using namespace io_test;

template <class F>
using print_variants =
    types<floating<F, rounding::nearest_even>, floating<F, rounding::nearest_away>,
          floating<F, rounding::toward_zero>, floating<F, rounding::upward>,
          floating<F, rounding::to_odd>,
          floating<F, rounding::downward, overflow::saturate, subnormals::flush>,
          floating<F, rounding::stochastic>>;

}  // namespace

TEST_SUITE("format/io exhaustive") {
  TEST_CASE("printing and parsing the 8-bit-or-smaller formats in every mode") {
    for_each_type(small_formats{}, []<class F>() {
      for_each_type(mode_variants<F>{}, []<class T>() {
        check_print_codes<T>();
        check_parse_boundaries<T>(1, true);
      });
    });
  }

  TEST_CASE_TEMPLATE("printing every fp16 and bf16 code", F, fm::fp16, fm::bf16) {
    for_each_type(print_variants<F>{}, []<class T>() { check_print_codes<T>(); });
  }

  TEST_CASE_TEMPLATE("parsing every fp16 and bf16 boundary and tie", F, fm::fp16, fm::bf16) {
    for_each_type(mode_variants<F>{}, []<class T>() { check_parse_boundaries<T>(1, true); });
  }

  TEST_CASE("float32 shortest digits agree with std::to_chars(float)") {
    mismatches bad;
    // Every 4099th code (about a million), both signs, subnormals, normals and the ends.
    for (std::uint64_t i = 0; i < (std::uint64_t{1} << 32); i += 4099) {
      const auto c = static_cast<std::uint32_t>(i);
      if (((c >> 23) & 0xff) == 0xff) continue;
      float f;
      std::memcpy(&f, &c, sizeof f);
      char buf[64];
      const auto r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
      const auto want = read_dec(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
      const std::string got = mixprec::to_string(mixprec::float32::from_bits(c));
      if (!want || got != shortest_text(*want)) {
        bad.add(hex(c) + " std::to_chars " + std::string(buf, r.ptr) + " mixprec " + got);
      }
    }
    CHECK_MESSAGE(bad.empty(), bad.str());
  }
}
