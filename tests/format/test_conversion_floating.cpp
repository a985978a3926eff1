// Conversions into floating types from every other floating type, every code, every format and
// mode (part of test_conversion.cpp, which says against what).
#include <doctest/doctest.h>

#include "conversion_check.hpp"

TEST_SUITE("conversion") {
  TEST_CASE("from every other floating type: every code, every format and mode") {
    mixprec_test::mismatches m;
    for_each_type(full_sources{}, [&]<class S>() {
      const std::vector<std::uint32_t> codes = source_codes<S>();
      for_each_target([&]<class T>() { check_from_floating<T, S>(codes, m); });
    });
    // The other sources (every code; tf32 and float32 sampled) into every format, with three
    // variants each.
    for_each_type(other_sources{}, [&]<class S>() {
      const std::vector<std::uint32_t> codes = source_codes<S>();
      for_each_type(all_formats{}, [&]<class F>() {
        check_from_floating<floating<F, rounding::nearest_even>, S>(codes, m);
        check_from_floating<floating<F, rounding::to_odd, overflow::saturate>, S>(codes, m);
        check_from_floating<floating<F, rounding::downward, overflow::standard, subnormals::flush>,
                            S>(codes, m);
      });
    });
    CHECK_MESSAGE(m.empty(), m.str());
  }

  TEST_CASE("every half code into every format and mode") {
    mixprec_test::mismatches m;
    const std::vector<std::uint32_t> codes = source_codes<mixprec::half>();
    for_each_target([&]<class T>() { check_from_floating<T, mixprec::half>(codes, m); });
    CHECK_MESSAGE(m.empty(), m.str());
  }
}
