// Tensors and views: creation, access, views and slices, copies and moves, reshape, conversion,
// seeded random values, printing, comparison, and errors that leave the operands as they were.
//
// References: element conversions are checked against tests/support/reference.hpp's rounding
// of a double, float or code (never against the bulk converter); random values against the
// documented recipe (Philox words, Box-Muller) recomputed here and against statistical bounds;
// texts and messages against hand-written strings.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mixprec/mixprec.hpp>
#include <mixprec/tensor/tensor.hpp>
#include <numbers>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "reference.hpp"

namespace {

using mixprec::shape;
using mixprec::tensor;
using mixprec::tensor_view;

#define TENSOR_TEST_TYPES float, double, mixprec::half, mixprec::bfloat16, mixprec::float8_e4m3

// The message of the mixprec::error that f throws ("" when it throws none).
template <class F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const mixprec::error& e) {
    return e.what();
  }
  return "";
}

// The bits of a value.
template <class T>
std::uint64_t bits_of(T x) {
  if constexpr (std::is_same_v<T, float>) {
    std::uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
  } else if constexpr (std::is_same_v<T, double>) {
    std::uint64_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
  } else {
    return x.bits();
  }
}

// The bits that rounding x into T must give, from the independent reference (the hardware
// conversion for float and double, which round to nearest even).
template <class T, class From>
std::uint64_t expected_bits(From x) {
  if constexpr (std::is_same_v<T, double>) {
    if constexpr (mixprec::is_floating_v<From>) {
      using info = mixprec_test::type_info<From>;
      return mixprec_test::expected_double_bits(info::desc, mixprec_test::code_of(x), info::flush);
    } else {
      return bits_of(static_cast<double>(x));
    }
  } else if constexpr (std::is_same_v<T, float>) {
    if constexpr (mixprec::is_floating_v<From>) {
      using info = mixprec_test::type_info<From>;
      return mixprec_test::expected_float_bits(info::desc, mixprec_test::code_of(x), info::flush);
    } else {
      return bits_of(static_cast<float>(x));
    }
  } else {
    return mixprec_test::expect<T>(x);
  }
}

template <class T>
T from_double(double x) {
  if constexpr (mixprec::is_floating_v<T>) {
    return mixprec_test::make<T>(mixprec_test::expect<T>(x));
  } else {
    return static_cast<T>(x);
  }
}

template <class T>
bool is_aligned(const T* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 64 == 0;
}

// Doubles that exercise rounding: exact values, ties, subnormals of the narrow formats, values
// near and beyond their ranges, signed zeros, infinities and NaN.
std::vector<double> conversion_sources() {
  std::vector<double> v = {0.0,
                           -0.0,
                           1.0,
                           -1.5,
                           0.1,
                           -0.3,
                           1.0 / 3.0,
                           2.0 / 3.0,
                           1.0 + 0x1p-8,
                           1.0 + 0x1p-4,
                           1.0 + 3 * 0x1p-5,
                           1.0 + 0x1p-11,
                           1.0 + 0x1p-24,
                           1.0 + 0x1p-24 + 0x1p-40,
                           65504.0,
                           65520.0,
                           1e5,
                           448.0,
                           464.0,
                           480.0,
                           -1000.0,
                           0x1p-9,
                           0x1p-10,
                           3 * 0x1p-11,
                           0x1p-14,
                           0x1p-24,
                           0x1p-25,
                           0x1p-126,
                           0x1p-149,
                           1e-300,
                           3.4e38,
                           1e300,
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN(),
                           -std::numeric_limits<double>::quiet_NaN()};
  for (int i = 0; i < 200; ++i) v.push_back(std::ldexp(std::sin(i * 0.731) * 1.7, i % 40 - 25));
  return v;
}

// Sample statistics.
struct moments {
  double mean = 0, variance = 0, min = 0, max = 0;
};
template <class T>
moments moments_of(const tensor<T>& t) {
  moments m;
  m.min = std::numeric_limits<double>::infinity();
  m.max = -m.min;
  double sum = 0;
  for (const T& x : t) {
    const auto d = static_cast<double>(x);
    sum += d;
    m.min = std::min(m.min, d);
    m.max = std::max(m.max, d);
  }
  m.mean = sum / static_cast<double>(t.size());
  double squares = 0;
  for (const T& x : t)
    squares += (static_cast<double>(x) - m.mean) * (static_cast<double>(x) - m.mean);
  m.variance = squares / static_cast<double>(t.size() - 1);
  return m;
}

TEST_SUITE("tensor/tensor") {
  TEST_CASE_TEMPLATE("an empty tensor has shape [0] and no data", T, TENSOR_TEST_TYPES) {
    const tensor<T> t;
    CHECK(t.shape() == shape{0});
    CHECK(t.rank() == 1);
    CHECK(t.size() == 0);
    CHECK(t.empty());
    CHECK(t.data() == nullptr);
    CHECK(t.begin() == t.end());
    CHECK(t.span().empty());
  }

  TEST_CASE_TEMPLATE("zeros: every element is +0, the data aligned to 64 bytes", T,
                     TENSOR_TEST_TYPES) {
    for (const shape& s : {shape{}, shape{1}, shape{3}, shape{17}, shape{3, 5}, shape{2, 3, 4},
                           shape{2, 1, 3, 7}, shape{1000}}) {
      CAPTURE(s);
      for (const tensor<T>& t : {tensor<T>(s), tensor<T>::zeros(s)}) {
        CHECK(t.shape() == s);
        CHECK(t.rank() == s.rank());
        CHECK(t.size() == s.size());
        CHECK(is_aligned(t.data()));
        bool all_zero = true;
        for (const T& x : t) all_zero = all_zero && bits_of(x) == 0;
        CHECK(all_zero);
      }
    }
    const tensor<T> none(shape{4, 0});
    CHECK(none.size() == 0);
    CHECK(none.data() == nullptr);
    CHECK(none.shape() == shape{4, 0});
    static_assert(!std::is_convertible_v<shape, tensor<T>>, "the shape constructor is explicit");
    static_assert(tensor<T>::alignment == 64);
    if constexpr (sizeof(T) > 1) {  // (PTRDIFF_MAX bytes of 1-byte elements: operator new fails)
      const std::int64_t max = std::numeric_limits<std::int64_t>::max();
      CHECK(error_message([&] { tensor<T>(shape{max}); }) ==
            "tensor: shape [9223372036854775807] needs more memory than exists");
    }
  }

  TEST_CASE_TEMPLATE("full rounds its value once into T", T, TENSOR_TEST_TYPES) {
    for (const double x : {0.0, -0.0, 1.0, 0.1, -2.75, 1e10, 1e-10, 300.0}) {
      CAPTURE(x);
      const tensor<T> t = tensor<T>::full({2, 3}, x);
      CHECK(t.shape() == shape{2, 3});
      bool all = true;
      for (const T& e : t) all = all && bits_of(e) == expected_bits<T>(x);
      CHECK(all);
    }
    const T value = from_double<T>(-1.5);
    const tensor<T> same = tensor<T>::full({5}, value);
    for (const T& e : same) CHECK(bits_of(e) == bits_of(value));
    const tensor<T> from_int = tensor<T>::full({2}, 3);
    for (const T& e : from_int) CHECK(bits_of(e) == expected_bits<T>(3.0));
    const tensor<T> from_float = tensor<T>::full({2}, 0.1f);
    for (const T& e : from_float) CHECK(bits_of(e) == expected_bits<T>(0.1f));
  }

  TEST_CASE_TEMPLATE("from_values rounds each value into T, in row-major order", T,
                     TENSOR_TEST_TYPES) {
    const std::vector<double> values = conversion_sources();
    const auto n = static_cast<std::int64_t>(values.size());
    const tensor<T> t = tensor<T>::from_values({n}, values);
    CHECK(t.shape() == shape{n});
    mixprec_test::mismatches bad;
    for (std::int64_t i = 0; i < n; ++i) {
      bad.check("element " + std::to_string(i), bits_of(values[static_cast<std::size_t>(i)]),
                expected_bits<T>(values[static_cast<std::size_t>(i)]), bits_of(t.data()[i]));
    }
    CHECK_MESSAGE(bad.empty(), bad.str());

    const tensor<T> m = tensor<T>::from_values({2, 3}, {1, 2, 3, 4, 5, 6.5});
    CHECK(static_cast<double>(m(0, 0)) == 1);
    CHECK(static_cast<double>(m(0, 2)) == 3);
    CHECK(static_cast<double>(m(1, 0)) == 4);
    CHECK(static_cast<double>(m(1, 2)) == 6.5);

    const tensor<T> scalar = tensor<T>::from_values({}, {2.5});
    CHECK(scalar.rank() == 0);
    CHECK(static_cast<double>(scalar()) == 2.5);

    CHECK(error_message([] {
            (void)tensor<T>::from_values({2, 3}, {1, 2, 3, 4, 5});
          }) == "from_values: 5 values for shape [2, 3] of 6 elements");
  }

  TEST_CASE_TEMPLATE("element access: operator() and at", T, TENSOR_TEST_TYPES) {
    tensor<T> t = tensor<T>::zeros({2, 3, 4});
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 4; ++k) t(i, j, k) = from_double<T>((i * 12 + j * 4 + k) % 16);
    // (Values below 16: exact in every test type.)
    for (std::int64_t f = 0; f < t.size(); ++f) {
      CHECK(static_cast<double>(t.data()[f]) == static_cast<double>(f % 16));
    }
    CHECK(static_cast<double>(t.at(1, 2, 3)) == 23 % 16);
    CHECK(&t.at(1, 0, 2) == t.data() + 14);
    CHECK(&std::as_const(t)(0, 1, 1) == t.data() + 5);
    t.at(0, 0, 1) = from_double<T>(-7);
    CHECK(static_cast<double>(t.data()[1]) == -7);

    tensor<T> r4 = tensor<T>::zeros({2, 2, 2, 3});
    CHECK(&r4(1, 1, 0, 2) == r4.data() + 12 + 6 + 2);
    tensor<T> r1 = tensor<T>::zeros({5});
    CHECK(&r1(4) == r1.data() + 4);
    tensor<T> r0 = tensor<T>::zeros({});
    CHECK(&r0() == r0.data());
    CHECK(&r0.at() == r0.data());

    CHECK(error_message([&] { (void)t.at(2, 0, 0); }) ==
          "at: index (2, 0, 0) out of range for shape [2, 3, 4]");
    CHECK(error_message([&] { (void)t.at(0, -1, 0); }) ==
          "at: index (0, -1, 0) out of range for shape [2, 3, 4]");
    CHECK(error_message([&] { (void)t.at(0, 0, 4); }) ==
          "at: index (0, 0, 4) out of range for shape [2, 3, 4]");
    CHECK(error_message([&] { (void)t.at(1); }) == "at: 1 index for shape [2, 3, 4] of rank 3");
    CHECK(error_message([&] { (void)r0.at(0); }) == "at: 1 index for shape [] of rank 0");
    CHECK(error_message([&] { (void)r1.at(); }) == "at: 0 indices for shape [5] of rank 1");
#if MIXPREC_TENSOR_CHECKED_ACCESS
    CHECK(error_message([&] { (void)t(0, 3, 0); }) ==
          "operator(): index (0, 3, 0) out of range for shape [2, 3, 4]");
    CHECK(error_message([&] { (void)t(0, 0); }) ==
          "operator(): 2 indices for shape [2, 3, 4] of rank 3");
#endif
  }

  TEST_CASE_TEMPLATE("copies are deep, moves leave an empty tensor", T, TENSOR_TEST_TYPES) {
    tensor<T> a = tensor<T>::from_values({2, 2}, {1, 2, 3, 4});
    const T* a_data = a.data();

    tensor<T> b(a);
    CHECK(b.shape() == a.shape());
    CHECK(b.data() != a.data());
    CHECK(is_aligned(b.data()));
    CHECK(mixprec::identical(a, b));
    b(0, 0) = from_double<T>(9);
    CHECK(static_cast<double>(a(0, 0)) == 1);

    tensor<T> c = tensor<T>::zeros({7});
    c = a;
    CHECK(c.shape() == shape{2, 2});
    CHECK(c.data() != a.data());
    CHECK(mixprec::identical(a, c));
    tensor<T>& alias = c;
    c = alias;
    CHECK(mixprec::identical(a, c));

    tensor<T> d(std::move(a));
    CHECK(d.data() == a_data);
    CHECK(d.shape() == shape{2, 2});
    CHECK(a.shape() == shape{0});  // NOLINT(bugprone-use-after-move): the documented state
    CHECK(a.size() == 0);
    CHECK(a.data() == nullptr);

    tensor<T> e = tensor<T>::zeros({3});
    e = std::move(d);
    CHECK(e.data() == a_data);
    CHECK(e.shape() == shape{2, 2});
    CHECK(d.shape() == shape{0});  // NOLINT(bugprone-use-after-move)
    CHECK(d.data() == nullptr);

    // A moved-from tensor is usable.
    d = tensor<T>::full({3}, 2.0);
    CHECK(d.size() == 3);

    tensor<T> f = tensor<T>::zeros({1});
    swap(e, f);
    CHECK(f.data() == a_data);
    CHECK(e.shape() == shape{1});
  }

  TEST_CASE_TEMPLATE("views alias the tensor's elements", T, TENSOR_TEST_TYPES) {
    tensor<T> t = tensor<T>::from_values({4, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    static_assert(std::is_same_v<decltype(t.view()), tensor_view<T>>);
    static_assert(std::is_same_v<decltype(std::as_const(t).view()), tensor_view<const T>>);
    static_assert(std::is_same_v<decltype(t.rows(0, 1)), tensor_view<T>>);
    static_assert(std::is_same_v<decltype(std::as_const(t).rows(0, 1)), tensor_view<const T>>);
    static_assert(std::is_same_v<decltype(std::as_const(t).row(0)), tensor_view<const T>>);
    static_assert(std::is_convertible_v<tensor_view<T>, tensor_view<const T>>);
    static_assert(!std::is_convertible_v<tensor_view<const T>, tensor_view<T>>);
    static_assert(std::is_convertible_v<const tensor<T>&, tensor_view<const T>>);
    static_assert(!std::is_convertible_v<const tensor<T>&, tensor_view<T>>);
    static_assert(!std::is_convertible_v<tensor_view<const T>, tensor<T>>);
    static_assert(requires(tensor_view<T> w) { w.fill(1.0); });
    static_assert(!requires(tensor_view<const T> w) { w.fill(1.0); });
    static_assert(!requires(const tensor<T> c) { c.fill(1.0); });

    const tensor_view<T> v = t.view();
    CHECK(v.data() == t.data());
    CHECK(v.shape() == t.shape());
    v(2, 1) = from_double<T>(-1);
    CHECK(static_cast<double>(t(2, 1)) == -1);

    const tensor_view<T> middle = t.rows(1, 3);
    CHECK(middle.shape() == shape{2, 3});
    CHECK(middle.data() == t.data() + 3);
    CHECK(static_cast<double>(middle(0, 0)) == 3);
    CHECK(static_cast<double>(middle.at(1, 2)) == 8);
    middle.fill(0.5);
    CHECK(static_cast<double>(t(1, 0)) == 0.5);
    CHECK(static_cast<double>(t(2, 2)) == 0.5);
    CHECK(static_cast<double>(t(3, 0)) == 9);
    CHECK(static_cast<double>(t(0, 2)) == 2);

    const tensor_view<T> last = t.row(3);
    CHECK(last.shape() == shape{3});
    CHECK(last.data() == t.data() + 9);
    const tensor_view<T> element = last.row(1);
    CHECK(element.rank() == 0);
    CHECK(element.data() == t.data() + 10);
    CHECK(t.rows(4, 4).size() == 0);
    CHECK(t.rows(0, 4).data() == t.data());

    const tensor_view<const T> read = v;
    CHECK(read.data() == t.data());
    const tensor_view<const T> from_tensor = t;
    CHECK(from_tensor.data() == t.data());

    // Rank 3: rows() slices the first axis, a batch of matrices.
    tensor<T> batch = tensor<T>::zeros({3, 2, 4});
    const auto second = batch.rows(1, 2);
    CHECK(second.shape() == shape{1, 2, 4});
    CHECK(second.data() == batch.data() + 8);
    CHECK(batch.row(2).shape() == shape{2, 4});
    CHECK(batch.row(2).row(1).data() == batch.data() + 20);

    // Owning copies of views.
    const tensor<T> copy(middle);
    CHECK(copy.shape() == shape{2, 3});
    CHECK(copy.data() != middle.data());
    CHECK(is_aligned(copy.data()));
    CHECK(mixprec::identical(copy, middle));
    const tensor<T> copy2 = read.rows(3, 4).to_tensor();
    CHECK(copy2.shape() == shape{1, 3});
    CHECK(static_cast<double>(copy2(0, 2)) == 11);

    // A view of external memory.
    std::vector<T> storage(6, from_double<T>(1));
    const tensor_view<T> outside(storage.data(), shape{3, 2});
    outside(2, 1) = from_double<T>(4);
    CHECK(static_cast<double>(storage[5]) == 4);
    CHECK(error_message([] { tensor_view<T>(nullptr, shape{2}); }) ==
          "tensor_view: null data for shape [2]");
    const tensor_view<const T> nothing;
    CHECK(nothing.shape() == shape{0});
    CHECK(nothing.data() == nullptr);
  }

  TEST_CASE_TEMPLATE("slices out of range throw, naming the range and the shape", T,
                     TENSOR_TEST_TYPES) {
    tensor<T> t = tensor<T>::from_values({3, 2}, {1, 2, 3, 4, 5, 6});
    const tensor<T> before = t;
    CHECK(error_message([&] { (void)t.rows(1, 4); }) ==
          "rows: range [1, 4) out of range for shape [3, 2]");
    CHECK(error_message([&] { (void)t.rows(-1, 2); }) ==
          "rows: range [-1, 2) out of range for shape [3, 2]");
    CHECK(error_message([&] { (void)t.rows(2, 1); }) ==
          "rows: range [2, 1) out of range for shape [3, 2]");
    CHECK(error_message([&] { (void)t.row(3); }) == "row: row 3 out of range for shape [3, 2]");
    CHECK(error_message([&] { (void)t.view().rows(0, 5); }) ==
          "rows: range [0, 5) out of range for shape [3, 2]");
    const tensor<T> scalar = tensor<T>::zeros({});
    CHECK(error_message([&] { (void)scalar.rows(0, 1); }) ==
          "rows: a scalar (shape []) has no rows");
    CHECK(error_message([&] { (void)scalar.row(0); }) == "row: a scalar (shape []) has no rows");
    CHECK(mixprec::identical(t, before));
  }

  TEST_CASE_TEMPLATE("reshape keeps the elements; a bad reshape changes nothing", T,
                     TENSOR_TEST_TYPES) {
    tensor<T> t = tensor<T>::from_values({2, 3}, {1, 2, 3, 4, 5, 6});
    const T* data = t.data();

    const tensor_view<T> v = t.reshape({3, 2});
    CHECK(v.shape() == shape{3, 2});
    CHECK(v.data() == data);
    CHECK(static_cast<double>(v(2, 0)) == 5);
    CHECK(t.shape() == shape{2, 3});
    CHECK(std::as_const(t).reshape({6}).shape() == shape{6});
    CHECK(v.reshape({1, 1, 6}).data() == data);

    CHECK(error_message([&] {
            (void)t.reshape({4, 2});
          }) == "reshape: cannot reshape [2, 3] (6 elements) into [4, 2] (8 elements)");
    CHECK(error_message([&] { (void)v.reshape({5}); }) ==
          "reshape: cannot reshape [3, 2] (6 elements) into [5] (5 elements)");
    // The failing rvalue reshape does not take the buffer.
    CHECK(error_message([&] { (void)std::move(t).reshape({7}); }) ==
          "reshape: cannot reshape [2, 3] (6 elements) into [7] (7 elements)");
    CHECK(t.data() == data);
    CHECK(t.shape() == shape{2, 3});
    CHECK(static_cast<double>(t(1, 2)) == 6);

    const tensor<T> moved = std::move(t).reshape({6, 1});
    CHECK(moved.data() == data);
    CHECK(moved.shape() == shape{6, 1});
    CHECK(t.shape() == shape{0});  // NOLINT(bugprone-use-after-move)
    CHECK(t.data() == nullptr);
    const tensor<T> scalar = tensor<T>::full({1, 1}, 2.0).reshape({});
    CHECK(scalar.rank() == 0);
    CHECK(static_cast<double>(scalar()) == 2);
  }

  TEST_CASE_TEMPLATE("fill sets every element", T, TENSOR_TEST_TYPES) {
    tensor<T> t = tensor<T>::zeros({3, 4});
    t.fill(0.1);
    for (const T& x : t) CHECK(bits_of(x) == expected_bits<T>(0.1));
    t.fill(from_double<T>(-2));
    for (const T& x : t) CHECK(static_cast<double>(x) == -2);
    t.fill(5);
    for (const T& x : t) CHECK(static_cast<double>(x) == 5);
  }

  TEST_CASE_TEMPLATE("to<U>: each element rounded once with U's rounding", T, TENSOR_TEST_TYPES) {
    const std::vector<double> values = conversion_sources();
    const auto n = static_cast<std::int64_t>(values.size());
    const tensor<double> wide = tensor<double>::from_values({n}, values);
    const tensor<T> narrow = wide.to<T>();
    CHECK(narrow.shape() == wide.shape());
    CHECK(is_aligned(narrow.data()));
    mixprec_test::mismatches bad;
    for (std::int64_t i = 0; i < n; ++i) {
      bad.check("double->T " + std::to_string(i), bits_of(values[static_cast<std::size_t>(i)]),
                expected_bits<T>(values[static_cast<std::size_t>(i)]), bits_of(narrow.data()[i]));
    }
    // float -> T.
    const tensor<float> floats = wide.to<float>();
    const tensor<T> from_floats = floats.to<T>();
    for (std::int64_t i = 0; i < n; ++i) {
      bad.check("float->T " + std::to_string(i), bits_of(floats.data()[i]),
                expected_bits<T>(floats.data()[i]), bits_of(from_floats.data()[i]));
    }
    // T -> float and double (exact), and T -> half and e4m3, element by element.
    const tensor<float> back_float = narrow.template to<float>();
    const tensor<double> back_double = mixprec::cast<double>(narrow);
    const tensor<mixprec::half> as_half = narrow.template to<mixprec::half>();
    const auto as_e4m3 = mixprec::cast<mixprec::float8_e4m3>(narrow.view());
    for (std::int64_t i = 0; i < n; ++i) {
      const T x = narrow.data()[i];
      const std::string label = std::to_string(i);
      bad.check("T->float " + label, bits_of(x), expected_bits<float>(x),
                bits_of(back_float.data()[i]));
      bad.check("T->double " + label, bits_of(x), expected_bits<double>(x),
                bits_of(back_double.data()[i]));
      bad.check("T->half " + label, bits_of(x), expected_bits<mixprec::half>(x),
                bits_of(as_half.data()[i]));
      bad.check("T->e4m3 " + label, bits_of(x), expected_bits<mixprec::float8_e4m3>(x),
                bits_of(as_e4m3.data()[i]));
    }
    CHECK_MESSAGE(bad.empty(), bad.str());

    // Shape kept; a view converts only its elements.
    const tensor<double> m = tensor<double>::from_values({3, 2}, {1, 2, 3, 4, 5, 6});
    const tensor<T> part = m.rows(1, 3).template to<T>();
    CHECK(part.shape() == shape{2, 2});
    CHECK(static_cast<double>(part(0, 0)) == 3);
    CHECK(static_cast<double>(part(1, 1)) == 6);
    CHECK(tensor<T>().template to<float>().shape() == shape{0});
  }

  TEST_CASE("to<U>(seed): stochastic rounding with element counters") {
    using sr = mixprec::floating<mixprec::formats::bf16, mixprec::rounding::stochastic>;
    using info = mixprec_test::type_info<sr>;
    std::vector<double> values;
    for (int i = 0; i < 512; ++i) values.push_back(1.0 + (i % 17) * 0x1p-12 - (i % 5) * 0x1p-10);
    const auto n = static_cast<std::int64_t>(values.size());
    const tensor<double> src = tensor<double>::from_values({8, n / 8}, values);
    const tensor<sr> a = src.to<sr>(42, 1000);
    const tensor<sr> b = mixprec::cast<sr>(src, 42, 1000);
    const tensor<sr> other_seed = src.to<sr>(43, 1000);
    CHECK(mixprec::identical(a, b));
    CHECK_FALSE(mixprec::identical(a, other_seed));
    mixprec_test::mismatches bad;
    std::int64_t up = 0, inexact = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double x = values[static_cast<std::size_t>(i)];
      const std::uint32_t down_code =
          mixprec_test::from_double(info::desc, x, mixprec_test::rmode::toward_zero);
      const std::uint32_t up_code = mixprec_test::from_double(
          info::desc, x, x < 0 ? mixprec_test::rmode::downward : mixprec_test::rmode::upward);
      const std::uint64_t got = bits_of(a.data()[i]);
      if (got != down_code && got != up_code) {
        bad.add("element " + std::to_string(i) + " is neither neighbour");
      }
      // Element i uses counter first + i.
      bad.check("counter " + std::to_string(i), bits_of(x),
                bits_of(mixprec::stochastic_round<sr>(x, 42, 1000 + static_cast<std::uint64_t>(i))),
                got);
      if (down_code != up_code) {
        ++inexact;
        up += got == up_code ? 1 : 0;
      }
    }
    CHECK_MESSAGE(bad.empty(), bad.str());
    // Both neighbours occur.
    CHECK(inexact > 100);
    CHECK(up > 0);
    CHECK(up < inexact);
  }

  TEST_CASE_TEMPLATE("normal: reproducible, seeded, the documented recipe, sound statistics", T,
                     TENSOR_TEST_TYPES) {
    constexpr std::int64_t n = 100000;
    constexpr double mean = 1.5, stddev = 2.0;
    const tensor<T> a = tensor<T>::normal({n}, mean, stddev, 7);
    CHECK(a.shape() == shape{n});
    CHECK(is_aligned(a.data()));
    CHECK(mixprec::identical(a, tensor<T>::normal({n}, mean, stddev, 7)));
    const tensor<T> other = tensor<T>::normal({n}, mean, stddev, 8);
    CHECK_FALSE(mixprec::identical(a, other));
    std::int64_t same = 0;
    for (std::int64_t i = 0; i < n; ++i) same += bits_of(a.data()[i]) == bits_of(other.data()[i]);
    CHECK(same < n / 4);

    // Element i depends on i only: not on the shape, nor on how many elements there are.
    CHECK(mixprec::identical(tensor<T>::normal({100, 1000}, mean, stddev, 7).reshape({n}), a));
    CHECK(mixprec::identical(tensor<T>::normal({300}, mean, stddev, 7), a.rows(0, 300)));

    // The recipe: Philox4x32-10, key = seed, counter (i, 0, 2, 0); Box-Muller in double.
    for (std::uint64_t i = 0; i < 64; ++i) {
      const auto w =
          mixprec::detail::philox4x32({{static_cast<std::uint32_t>(i), 0u, 2u, 0u}}, 7u, 0u);
      const auto unit = [](std::uint32_t hi, std::uint32_t lo) {
        return std::ldexp(static_cast<double>(((std::uint64_t{hi} << 32) | lo) >> 11), -53);
      };
      const double u1 = 1.0 - unit(w.word[0], w.word[1]);
      const double u2 = unit(w.word[2], w.word[3]);
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
      CHECK(bits_of(a.data()[i]) == expected_bits<T>(mean + stddev * z));
    }

    // Mean and variance within 5 standard errors (se(mean) = s / sqrt(n),
    // se(variance) = s^2 sqrt(2 / (n - 1)) for a normal distribution).
    const moments m = moments_of(a);
    CHECK(std::abs(m.mean - mean) < 5 * stddev / std::sqrt(double{n}));
    CHECK(std::abs(m.variance - stddev * stddev) <
          5 * stddev * stddev * std::sqrt(2.0 / double{n - 1}));
    CHECK(m.min < mean - 3 * stddev);
    CHECK(m.max > mean + 3 * stddev);

    const tensor<T> constant = tensor<T>::normal({10}, 0.25, 0.0, 1);
    for (const T& x : constant) CHECK(static_cast<double>(x) == 0.25);
    CHECK(error_message([] { (void)tensor<T>::normal({3}, 0, -1, 1); }) ==
          "normal: invalid parameters mean 0, stddev -1: both must be finite and stddev not "
          "negative");
    CHECK_THROWS_AS((void)tensor<T>::normal({3}, std::numeric_limits<double>::infinity(), 1, 1),
                    mixprec::error);
  }

  TEST_CASE_TEMPLATE("uniform: reproducible, seeded, in range, sound statistics", T,
                     TENSOR_TEST_TYPES) {
    constexpr std::int64_t n = 100000;
    constexpr double lo = -2.0, hi = 3.0;
    const tensor<T> a = tensor<T>::uniform({10, n / 10}, lo, hi, 123);
    CHECK(mixprec::identical(a, tensor<T>::uniform({10, n / 10}, lo, hi, 123)));
    CHECK_FALSE(mixprec::identical(a, tensor<T>::uniform({10, n / 10}, lo, hi, 124)));
    CHECK(mixprec::identical(tensor<T>::uniform({n}, lo, hi, 123).reshape({10, n / 10}), a));

    // The recipe: Philox4x32-10, key = seed, counter (i, 0, 1, 0); lo + (hi - lo) u.
    for (std::uint64_t i = 0; i < 64; ++i) {
      const auto w =
          mixprec::detail::philox4x32({{static_cast<std::uint32_t>(i), 0u, 1u, 0u}}, 123u, 0u);
      const double u = std::ldexp(
          static_cast<double>(((std::uint64_t{w.word[0]} << 32) | w.word[1]) >> 11), -53);
      CHECK(bits_of(a.data()[i]) == expected_bits<T>(lo + (hi - lo) * u));
    }

    // Range, and mean and variance within 5 standard errors: var = w^2 / 12,
    // se(variance) = sqrt((mu4 - var^2) / n) with mu4 = w^4 / 80.
    const moments m = moments_of(a);
    const double w = hi - lo;
    CHECK(m.min >= lo);
    CHECK(m.max <= hi);
    CHECK(m.min < lo + 0.01 * w);
    CHECK(m.max > hi - 0.01 * w);
    const double var = w * w / 12;
    CHECK(std::abs(m.mean - (lo + hi) / 2) < 5 * std::sqrt(var / double{n}));
    CHECK(std::abs(m.variance - var) < 5 * std::sqrt((w * w * w * w / 80 - var * var) / double{n}));

    const tensor<T> point = tensor<T>::uniform({4}, 1.0, 1.0, 5);
    for (const T& x : point) CHECK(static_cast<double>(x) == 1.0);
    CHECK(error_message([] { (void)tensor<T>::uniform({3}, 3, 2, 1); }) ==
          "uniform: invalid range [3, 2): the bounds must be finite with lo <= hi");
    CHECK_THROWS_AS((void)tensor<T>::uniform({3}, 0, std::numeric_limits<double>::infinity(), 1),
                    mixprec::error);
  }

  TEST_CASE("printing: header, shortest elements, nesting") {
    CHECK(mixprec::to_string(
              tensor<mixprec::bfloat16>::from_values({2, 3}, {1, 2.5, -3, 0.1, 0, -0.0})) ==
          "tensor<bf16>[2, 3]\n"
          "[[1, 2.5, -3],\n"
          " [0.1, 0, -0]]");
    CHECK(mixprec::to_string(tensor<float>::from_values({}, {2.5})) == "tensor<fp32>[]\n2.5");
    CHECK(mixprec::to_string(tensor<double>()) == "tensor<fp64>[0]\n[]");
    CHECK(mixprec::to_string(tensor<mixprec::half>(shape{2, 0})) ==
          "tensor<fp16>[2, 0]\n[[],\n []]");
    // Shortest texts that read back: e4m3's 448 is "450" (the next value down is 416), 2^-9
    // is "0.002".
    CHECK(mixprec::to_string(tensor<mixprec::float8_e4m3>::from_values(
              {4}, {0.1, 448, -0.25, 0x1p-9})) == "tensor<e4m3>[4]\n[0.1, 450, -0.25, 0.002]");
    CHECK(mixprec::to_string(tensor<float>::from_values({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7})) ==
          "tensor<fp32>[2, 2, 2]\n"
          "[[[0, 1],\n"
          "  [2, 3]],\n"
          "\n"
          " [[4, 5],\n"
          "  [6, 7]]]");
    CHECK(mixprec::to_string(tensor<float>::from_values({2, 1, 1, 2}, {0, 1, 2, 3})) ==
          "tensor<fp32>[2, 1, 1, 2]\n"
          "[[[[0, 1]]],\n"
          "\n"
          "\n"
          " [[[2, 3]]]]");
  }

  TEST_CASE("printing: float, double and special values") {
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(mixprec::to_string(tensor<float>::from_values({6}, {nan, -nan, inf, -inf, -0.0, 1e20})) ==
          "tensor<fp32>[6]\n[nan, -nan, inf, -inf, -0, 1e+20]");
    CHECK(
        mixprec::to_string(tensor<float>::from_values({5}, {1.5e-7, 123456789, 0.1, 1e16, 1e-5})) ==
        "tensor<fp32>[5]\n[1.5e-07, 123456790, 0.1, 1e+16, 0.00001]");
    CHECK(mixprec::to_string(tensor<double>::from_values(
              {5}, {0.1 + 0.2, 1e15, 5e-324, -1e-6, 1.7976931348623157e308})) ==
          "tensor<fp64>[5]\n[0.30000000000000004, 1000000000000000, 5e-324, -1e-06, "
          "1.7976931348623157e+308]");
    // half's 65504 reads back from "65500"; 1e-7 rounds to the subnormal 2^-23.
    CHECK(mixprec::to_string(
              tensor<mixprec::half>::from_values({5}, {nan, -nan, inf, 65504, 1e-7})) ==
          "tensor<fp16>[5]\n[nan, -nan, inf, 65500, 1e-07]");
  }

  TEST_CASE("printing: long axes are elided to 3 + 3 entries") {
    std::vector<double> values(16);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
    const tensor<float> t = tensor<float>::from_values({16}, values);
    CHECK(mixprec::to_string(t.rows(0, 6)) == "tensor<fp32>[6]\n[0, 1, 2, 3, 4, 5]");
    CHECK(mixprec::to_string(t.rows(0, 7)) == "tensor<fp32>[7]\n[0, 1, 2, ..., 4, 5, 6]");
    CHECK(mixprec::to_string(t) == "tensor<fp32>[16]\n[0, 1, 2, ..., 13, 14, 15]");
    CHECK(mixprec::to_string(t.reshape({8, 2})) ==
          "tensor<fp32>[8, 2]\n"
          "[[0, 1],\n"
          " [2, 3],\n"
          " [4, 5],\n"
          " ...,\n"
          " [10, 11],\n"
          " [12, 13],\n"
          " [14, 15]]");
    std::ostringstream os;
    os << t.reshape({2, 8});
    CHECK(os.str() ==
          "tensor<fp32>[2, 8]\n"
          "[[0, 1, 2, ..., 5, 6, 7],\n"
          " [8, 9, 10, ..., 13, 14, 15]]");
    std::ostringstream os2;
    os2 << t;
    CHECK(os2.str() == mixprec::to_string(t));
  }

  TEST_CASE_TEMPLATE("== compares values, identical compares bits", T, TENSOR_TEST_TYPES) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const tensor<T> a = tensor<T>::from_values({2, 2}, {1, 0.0, 3, 4});
    tensor<T> b = tensor<T>::from_values({2, 2}, {1, -0.0, 3, 4});
    CHECK(a == b);
    CHECK_FALSE(a != b);
    CHECK_FALSE(mixprec::identical(a, b));
    CHECK(mixprec::identical(a, tensor<T>(a)));
    b(1, 1) = from_double<T>(5);
    CHECK(a != b);
    CHECK_FALSE(a == tensor<T>::from_values({4}, {1, 0.0, 3, 4}));  // shapes differ
    CHECK_FALSE(mixprec::identical(a, tensor<T>::from_values({4}, {1, 0.0, 3, 4})));

    // Views and tensors compare in any combination.
    CHECK(a.view() == a);
    CHECK(a == a.view());
    CHECK(a.rows(0, 1) == tensor<T>::from_values({1, 2}, {1, 0.0}));
    CHECK(mixprec::identical(a.row(1), tensor<T>::from_values({2}, {3, 4}).view()));

    if constexpr (std::numeric_limits<T>::has_quiet_NaN) {
      const tensor<T> n1 = tensor<T>::from_values({2}, {1, nan});
      const tensor<T> n2 = n1;
      CHECK_FALSE(n1 == n2);
      CHECK(mixprec::identical(n1, n2));
    }
    CHECK(tensor<T>() == tensor<T>(shape{0}));
  }
}

}  // namespace
