// precision<S, C, A>, exact convertibility between scalar types, and their short names.
#include <doctest/doctest.h>

#include <mixprec/policy/precision.hpp>

namespace mp = mixprec;

namespace {
using bf16_sr = mp::floating<mp::formats::bf16, mp::rounding::stochastic>;
using half_ftz = mp::floating<mp::formats::fp16, mp::rounding::nearest_even, mp::overflow::standard,
                              mp::subnormals::flush>;
using e4m3_sat =
    mp::floating<mp::formats::e4m3, mp::rounding::nearest_even, mp::overflow::saturate>;
using bf16_sat =
    mp::floating<mp::formats::bf16, mp::rounding::nearest_even, mp::overflow::saturate>;

// Defaults: compute = storage, accumulate = compute.
static_assert(std::is_same_v<mp::precision<mp::half>::compute, mp::half>);
static_assert(std::is_same_v<mp::precision<mp::half, float>::accumulate, float>);
static_assert(std::is_same_v<mp::precision<mp::half, float>::output, mp::half>);
static_assert(std::is_same_v<mp::precision<mp::float8_e4m3, float, float, float>::output, float>);
static_assert(mp::precision_type<mp::precision<float>> && !mp::precision_type<float>);
static_assert(mp::scalar_type<double> && mp::scalar_type<bf16_sr> && !mp::scalar_type<int>);

static_assert(mp::precision_bits_v<float> == 24 && mp::precision_bits_v<double> == 53);
static_assert(mp::precision_bits_v<mp::half> == 11 && mp::precision_bits_v<mp::bfloat16> == 8);
static_assert(mp::precision_bits_v<mp::float8_e4m3> == 4 &&
              mp::precision_bits_v<mp::float4_e2m1> == 2);

// Exact conversions, derived by hand from the formats' precision and range.
static_assert(mp::converts_exactly_v<mp::half, float>);
static_assert(mp::converts_exactly_v<mp::bfloat16, float>);
static_assert(mp::converts_exactly_v<float, double>);
static_assert(mp::converts_exactly_v<mp::float8_e4m3, mp::half>);          // 2^-9 .. 448
static_assert(mp::converts_exactly_v<mp::float8_e5m2, mp::half>);          // same exponent range
static_assert(!mp::converts_exactly_v<mp::float8_e5m2, mp::float8_e4m3>);  // range
static_assert(!mp::converts_exactly_v<mp::half, mp::bfloat16>);            // precision
static_assert(!mp::converts_exactly_v<mp::bfloat16, mp::half>);            // range
static_assert(!mp::converts_exactly_v<float, mp::bfloat16>);
static_assert(mp::converts_exactly_v<mp::float4_e2m1, mp::float8_e4m3>);
static_assert(!mp::converts_exactly_v<mp::float8_e4m3, mp::float4_e2m1>);
static_assert(mp::converts_exactly_v<mp::bfloat16, bf16_sr>);  // same format
static_assert(!mp::converts_exactly_v<mp::half, half_ftz>);    // subnormals flushed
static_assert(mp::converts_exactly_v<half_ftz, mp::half>);
static_assert(!mp::converts_exactly_v<mp::half, mp::float8_e4m3fnuz>);
static_assert(!mp::converts_exactly_v<mp::float8_e4m3, mp::float8_e4m3fnuz>);  // -0, range
static_assert(!mp::converts_exactly_v<mp::float8_e5m2, e4m3_sat>);
static_assert(!mp::converts_exactly_v<mp::bfloat16, bf16_sat>);    // infinity becomes max
static_assert(mp::converts_exactly_v<mp::float8_e4m3, bf16_sat>);  // no infinity to lose
static_assert(mp::converts_exactly_v<mp::float8_e8m0, float>);     // 2^-127 is subnormal
static_assert(mp::converts_exactly_v<mp::float8_e8m0, mp::bfloat16>);
}  // namespace

TEST_SUITE("policy/precision") {
  TEST_CASE("short names") {
    CHECK(mp::type_short_name<float>() == "fp32");
    CHECK(mp::type_short_name<double>() == "fp64");
    CHECK(mp::type_short_name<mp::half>() == "fp16");
    CHECK(mp::type_short_name<bf16_sr>() == "bf16/sr");
    CHECK(mp::type_short_name<half_ftz>() == "fp16/ftz");
    CHECK(mp::type_short_name<e4m3_sat>() == "e4m3/sat");
    CHECK(mp::type_short_name<mp::float32>() == "fp32");
    CHECK(
        mp::type_short_name<
            mp::floating<mp::formats::fp16, mp::rounding::toward_zero, mp::overflow::saturate>>() ==
        "fp16/rz/sat");
  }
}
