// Shapes: construction, extents and counts, equality, text, and the errors (invalid shapes and
// the shape-mismatch helpers that the tensor operations use). Expected values are written by
// hand.

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <mixprec/tensor/shape.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

using mixprec::shape;

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

TEST_SUITE("tensor/shape") {
  TEST_CASE("a default shape is a scalar of one element") {
    const shape s;
    CHECK(s.rank() == 0);
    CHECK(s.size() == 1);
    CHECK(s.rows() == 1);
    CHECK(s.cols() == 1);
    CHECK(s.extents().empty());
    CHECK(s.to_string() == "[]");
    CHECK(s == shape{});
  }

  TEST_CASE("extents, counts, rows and cols") {
    const shape v{5};
    CHECK(v.rank() == 1);
    CHECK(v[0] == 5);
    CHECK(v.size() == 5);
    CHECK(v.rows() == 1);
    CHECK(v.cols() == 5);

    const shape m{2, 3};
    CHECK(m.rank() == 2);
    CHECK(m[0] == 2);
    CHECK(m[1] == 3);
    CHECK(m.size() == 6);
    CHECK(m.rows() == 2);
    CHECK(m.cols() == 3);

    const shape t{2, 3, 4, 5};
    CHECK(t.rank() == 4);
    CHECK(t.size() == 120);
    CHECK(t.rows() == 24);
    CHECK(t.cols() == 5);
    const std::vector<std::int64_t> extents(t.extents().begin(), t.extents().end());
    CHECK(extents == std::vector<std::int64_t>{2, 3, 4, 5});

    const shape empty{3, 0, 2};
    CHECK(empty.size() == 0);
    CHECK(empty.rows() == 0);
    CHECK(empty.cols() == 2);
  }

  TEST_CASE("construction from a span, an array and a vector") {
    const std::array<std::int64_t, 3> a{4, 1, 2};
    const std::vector<std::int64_t> v{4, 1, 2};
    CHECK(shape(a) == shape{4, 1, 2});
    CHECK(shape(std::span<const std::int64_t>(v)) == shape{4, 1, 2});
    CHECK(shape(std::span<const std::int64_t>()) == shape{});
  }

  TEST_CASE("equality needs the same rank and extents") {
    CHECK(shape{2, 3} == shape{2, 3});
    CHECK_FALSE(shape{2, 3} == shape{3, 2});
    CHECK_FALSE(shape{6} == shape{2, 3});
    CHECK_FALSE(shape{1} == shape{});
    CHECK_FALSE(shape{2, 3} == shape{2, 3, 1});
    CHECK(shape{2, 3} != shape{2, 4});
  }

  TEST_CASE("text") {
    CHECK(shape{2, 3}.to_string() == "[2, 3]");
    CHECK(shape{7}.to_string() == "[7]");
    CHECK(shape{1, 0, 2, 9}.to_string() == "[1, 0, 2, 9]");
    std::ostringstream os;
    os << shape{4, 5};
    CHECK(os.str() == "[4, 5]");
  }

  TEST_CASE("invalid shapes throw, naming the extents") {
    CHECK(error_message([] {
            shape{1, 2, 3, 4, 5};
          }) == "shape: rank 5 of [1, 2, 3, 4, 5] exceeds 4");
    CHECK(error_message([] { shape{2, -1}; }) == "shape: negative extent in [2, -1]");
    const std::int64_t big = std::int64_t{1} << 40;
    CHECK(error_message([&] {
            shape{big, big};
          }) == "shape: the extents of [1099511627776, 1099511627776] multiply beyond int64");
    // Zero extents make the count 0; the others must still multiply within int64 (rows()).
    CHECK(shape{big, 0, 4}.size() == 0);
    CHECK(shape{big, 0, 4}.rows() == 0);
    CHECK_THROWS_AS(shape({big, big, 0}), mixprec::error);
    const std::int64_t max = std::numeric_limits<std::int64_t>::max();
    CHECK(shape{max}.size() == max);
    CHECK_THROWS_AS(shape({max, 2}), mixprec::error);
  }

  TEST_CASE("an axis out of range throws") {
    const shape s{2, 3};
    CHECK(error_message([&] { (void)s[2]; }) == "shape: axis 2 out of range for [2, 3] (rank 2)");
    CHECK(error_message([&] { (void)s[-1]; }) == "shape: axis -1 out of range for [2, 3] (rank 2)");
    CHECK(error_message([] { (void)shape{}[0]; }) == "shape: axis 0 out of range for [] (rank 0)");
  }

  TEST_CASE("shape mismatch errors name the op and both shapes") {
    CHECK_NOTHROW(mixprec::detail::check_same_shape("add", shape{2, 3}, shape{2, 3}));
    CHECK(error_message([] {
            mixprec::detail::check_same_shape("add", shape{2, 3}, shape{3, 2});
          }) == "add: shapes [2, 3] and [3, 2] do not match");
    CHECK(error_message([] {
            mixprec::detail::throw_shape_mismatch("matmul", shape{2, 3}, shape{4, 5},
                                                  "inner extents 3 and 4 differ");
          }) == "matmul: shapes [2, 3] and [4, 5] do not match: inner extents 3 and 4 differ");
    CHECK_THROWS_AS(mixprec::detail::check_same_shape("mul", shape{}, shape{1}), mixprec::error);
  }

  TEST_CASE("a failed construction leaves the target as it was") {
    shape s{2, 3};
    CHECK_THROWS_AS(s = shape({2, -3}), mixprec::error);
    CHECK(s == shape{2, 3});
  }
}

}  // namespace
