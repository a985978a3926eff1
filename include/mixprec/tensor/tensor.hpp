#pragma once
/// \file tensor/tensor.hpp
/// `tensor<T, Device>`: a dense, row-major, owning array of rank 0 to 4 whose elements are float,
/// double or any floating<>; creation, views, conversion between element types, comparison.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "mixprec/error.hpp"
#include "mixprec/format/arithmetic.hpp"
#include "mixprec/format/bulk.hpp"
#include "mixprec/format/stochastic.hpp"
#include "mixprec/format/traits.hpp"
#include "mixprec/tensor/print.hpp"
#include "mixprec/tensor/random.hpp"
#include "mixprec/tensor/shape.hpp"
#include "mixprec/tensor/view.hpp"

namespace mixprec {

namespace detail {

/// Frees a tensor buffer allocated with tensor_alignment.
struct aligned_delete {
  std::align_val_t alignment;
  void operator()(void* p) const noexcept { ::operator delete(p, alignment); }
};

}  // namespace detail

/// A dense, row-major, owning array of rank 0 to 4.
///
/// \tparam T      float, double or any floating<> (scalar_type)
/// \tparam Device where the elements live; only cpu_device so far
///
/// The elements sit in one buffer aligned to 64 bytes (`alignment`), so that vector kernels can
/// use aligned loads from data(). Copies are deep; moves take the buffer and leave the source
/// empty, as a default-constructed tensor: shape [0], size 0, null data(). Every operation that
/// throws (shape errors, bad arguments) leaves its operands as they were.
///
/// Views (view(), rows(), row(), reshape() on an lvalue) alias the elements and must not outlive
/// the tensor; `tensor(view)` and `view.to_tensor()` make owning copies.
///
/// Comparison: `a == b` is true when the shapes are equal and every pair of elements compares
/// equal as T does (IEEE: NaN differs from everything, -0 == +0); `identical(a, b)` is true when
/// the shapes are equal and every pair of elements has the same bits.
template <scalar_type T, class Device>
class tensor {
  static_assert(std::is_same_v<Device, cpu_device>, "tensor: only cpu_device is supported so far");
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  using value_type = T;                             ///< the element type
  using element_type = T;                           ///< the element type (as tensor_view's)
  using device_type = Device;                       ///< where the elements live
  using iterator = T*;                              ///< iterators are plain pointers
  using const_iterator = const T*;                  ///< iterators are plain pointers
  using view_type = tensor_view<T, Device>;         ///< the read-write view type
  using const_view = tensor_view<const T, Device>;  ///< the read-only view type

  /// Alignment of data() in bytes.
  static constexpr std::size_t alignment = 64;

  /// An empty tensor: shape [0], size 0, null data().
  tensor() noexcept : shape_(detail::empty_shape()) {}

  /// A tensor of shape `s` whose elements are all T{} (+0: code 0 for floating types).
  explicit tensor(const mixprec::shape& s) : tensor(s, detail::unchecked_t{}) {
    std::uninitialized_value_construct_n(data_.get(), static_cast<std::size_t>(size()));
  }

  /// A deep copy of the elements of `v`, with its shape.
  explicit tensor(const_view v) : tensor(v.shape(), detail::unchecked_t{}) {
    std::uninitialized_copy_n(v.data(), static_cast<std::size_t>(size()), data_.get());
  }

  /// A deep copy.
  tensor(const tensor& other) : tensor(other.view()) {}

  /// Takes the buffer of `other`, which becomes empty (shape [0], null data()).
  tensor(tensor&& other) noexcept
      : data_(std::move(other.data_)), shape_(std::exchange(other.shape_, detail::empty_shape())) {}

  /// A deep copy; on failure (allocation) this tensor is unchanged.
  tensor& operator=(const tensor& other) {
    if (this != &other) {
      tensor copy(other);
      swap(copy);
    }
    return *this;
  }

  /// Takes the buffer of `other`, which becomes empty (shape [0], null data()).
  tensor& operator=(tensor&& other) noexcept {
    if (this != &other) {
      data_ = std::move(other.data_);
      shape_ = std::exchange(other.shape_, detail::empty_shape());
    }
    return *this;
  }

  ~tensor() = default;

  /// Exchanges the contents of two tensors.
  void swap(tensor& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(shape_, other.shape_);
  }
  friend void swap(tensor& a, tensor& b) noexcept { a.swap(b); }

  // Creation ----------------------------------------------------------------------------------

  /// A tensor of shape `s` filled with +0.
  static tensor zeros(const mixprec::shape& s) { return tensor(s); }

  /// A tensor of shape `s` whose elements are indeterminate: write them before reading. For
  /// results that a kernel overwrites completely.
  static tensor uninitialized(const mixprec::shape& s) {
    tensor t(s, detail::unchecked_t{});
    std::uninitialized_default_construct_n(t.data_.get(), static_cast<std::size_t>(t.size()));
    return t;
  }

  /// A tensor of shape `s` with every element `value`.
  static tensor full(const mixprec::shape& s, T value) {
    tensor t = uninitialized(s);
    std::fill_n(t.data_.get(), static_cast<std::size_t>(t.size()), value);
    return t;
  }
  /// A tensor of shape `s` with every element `value` rounded once into T (float, double or an
  /// integer; a stochastic T uses its stateless rounding, so every element is the same).
  template <detail::fill_value V>
  static tensor full(const mixprec::shape& s, V value) {
    return full(s, detail::round_into<T>(value));
  }

  /// A tensor of shape `s` with the given values in row-major order, each rounded once into T.
  /// Throws mixprec::error when the number of values is not s.size().
  static tensor from_values(const mixprec::shape& s, std::span<const double> values) {
    if (static_cast<std::int64_t>(values.size()) != s.size()) {
      detail::throw_error("from_values", std::to_string(values.size()) + " values for shape " +
                                             s.to_string() + " of " + std::to_string(s.size()) +
                                             " elements");
    }
    tensor t = uninitialized(s);
    mixprec::convert(values, t.span());
    return t;
  }
  /// As from_values(s, span): `tensor<half>::from_values({2, 2}, {1, 2.5, -3, 0.1})`.
  static tensor from_values(const mixprec::shape& s, std::initializer_list<double> values) {
    return from_values(s, std::span<const double>(values.begin(), values.size()));
  }

  /// Normal values: element i (row-major) is mean + stddev * z_i rounded once into T, where
  /// z_i is a standard normal draw (Box-Muller in double) from Philox with key `seed` and
  /// counter i (see tensor/random.hpp): reproducible, and independent of threads. Throws
  /// mixprec::error unless mean and stddev are finite and stddev >= 0.
  static tensor normal(const mixprec::shape& s, double mean, double stddev, std::uint64_t seed) {
    detail::check_normal_parameters(mean, stddev);
    tensor t = uninitialized(s);
    detail::generate(t.span(),
                     [&](std::uint64_t i) { return detail::normal_value(seed, i, mean, stddev); });
    return t;
  }

  /// Uniform values: element i is drawn in double from [lo, hi) with Philox (key `seed`,
  /// counter i), then rounded once into T (which may round it to hi). lo == hi gives lo.
  /// Throws mixprec::error unless lo and hi are finite and lo <= hi.
  static tensor uniform(const mixprec::shape& s, double lo, double hi, std::uint64_t seed) {
    detail::check_uniform_range(lo, hi);
    tensor t = uninitialized(s);
    detail::generate(t.span(),
                     [&](std::uint64_t i) { return detail::uniform_value(seed, i, lo, hi); });
    return t;
  }

  // Access ------------------------------------------------------------------------------------

  /// The extents.
  const mixprec::shape& shape() const noexcept { return shape_; }
  /// The number of axes, 0 to 4.
  int rank() const noexcept { return shape_.rank(); }
  /// The number of elements.
  std::int64_t size() const noexcept { return shape_.size(); }
  /// Whether there are no elements.
  bool empty() const noexcept { return size() == 0; }
  /// The first element, aligned to 64 bytes; null when the tensor has no elements.
  T* data() noexcept { return data_.get(); }
  const T* data() const noexcept { return data_.get(); }
  /// The elements in row-major order.
  std::span<T> span() noexcept { return std::span<T>(data(), static_cast<std::size_t>(size())); }
  std::span<const T> span() const noexcept {
    return std::span<const T>(data(), static_cast<std::size_t>(size()));
  }
  /// Iterators over the elements in row-major order.
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size(); }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + size(); }

  /// The element at (i, j, ...), one index per axis (none for a scalar). Checked as at() when
  /// MIXPREC_TENSOR_CHECKED_ACCESS is 1 (the default unless NDEBUG), unchecked otherwise.
  template <std::integral... I>
  T& operator()(I... idx) {
    return data_.get()[offset("operator()", idx...)];
  }
  template <std::integral... I>
  const T& operator()(I... idx) const {
    return data_.get()[offset("operator()", idx...)];
  }

  /// The element at (i, j, ...); throws mixprec::error naming the indices and the shape when
  /// their number or a value is out of range.
  template <std::integral... I>
  T& at(I... idx) {
    return data_.get()[detail::checked_flat_index("at", shape_, idx...)];
  }
  template <std::integral... I>
  const T& at(I... idx) const {
    return data_.get()[detail::checked_flat_index("at", shape_, idx...)];
  }

  /// Sets every element to `value`.
  void fill(T value) noexcept { std::fill(begin(), end(), value); }
  /// Sets every element to `value` rounded once into T.
  template <detail::fill_value V>
  void fill(V value) noexcept {
    fill(detail::round_into<T>(value));
  }

  // Views -------------------------------------------------------------------------------------

  /// A view of all elements (read-write, or read-only for a const tensor).
  view_type view() noexcept { return view_type(data(), shape_, detail::unchecked_t{}); }
  const_view view() const noexcept { return const_view(data(), shape_, detail::unchecked_t{}); }
  operator view_type() noexcept { return view(); }
  operator const_view() const noexcept { return view(); }

  /// Rows [begin, end) along axis 0 as a view of shape [end - begin, ...]: a batch of rows
  /// (for rank 2, rows; for rank 3, matrices). Throws mixprec::error naming the range and the
  /// shape when the range is out of [0, shape()[0]] or the tensor is a scalar.
  view_type rows(std::int64_t begin, std::int64_t end) { return view().rows(begin, end); }
  const_view rows(std::int64_t begin, std::int64_t end) const { return view().rows(begin, end); }

  /// Row i along axis 0 as a view without the first axis (a scalar view for rank 1).
  view_type row(std::int64_t i) { return view().row(i); }
  const_view row(std::int64_t i) const { return view().row(i); }

  /// The same elements with shape `s`: a view for an lvalue tensor, a tensor that takes the
  /// buffer for an rvalue (`std::move(t).reshape(s)`). Throws mixprec::error naming both shapes
  /// when the element counts differ; the tensor is then unchanged (also for an rvalue).
  view_type reshape(const mixprec::shape& s) & { return view().reshape(s); }
  const_view reshape(const mixprec::shape& s) const& { return view().reshape(s); }
  tensor reshape(const mixprec::shape& s) && {
    detail::check_reshape("reshape", shape_, s);
    tensor t(std::move(*this));
    t.shape_ = s;
    return t;
  }

  // Conversion --------------------------------------------------------------------------------

  /// The elements converted to U, each rounded once with U's rounding, overflow and subnormal
  /// behaviour (mixprec::convert; a stochastic U uses its stateless rounding).
  template <scalar_type U>
  tensor<U, Device> to() const {
    return view().template to<U>();
  }

  /// Stochastic rounding into U: element i (row-major) uses the random bits of
  /// (seed, first_counter + i), as `stochastic_round<U>(x, seed, first_counter + i)`.
  template <detail::stochastic_floating U>
  tensor<U, Device> to(std::uint64_t seed, std::uint64_t first_counter = 0) const {
    return view().template to<U>(seed, first_counter);
  }

 private:
  /// Shape `s` and an allocated buffer whose elements are not yet alive.
  tensor(const mixprec::shape& s, detail::unchecked_t) : shape_(s) {
    const std::int64_t n = s.size();
    if (n == 0) return;
    if (static_cast<std::uint64_t>(n) > static_cast<std::uint64_t>(PTRDIFF_MAX) / sizeof(T)) {
      detail::throw_error("tensor", "shape " + s.to_string() + " needs more memory than exists");
    }
    const std::align_val_t a{alignment};
    data_ = buffer(static_cast<T*>(::operator new(static_cast<std::size_t>(n) * sizeof(T), a)),
                   detail::aligned_delete{a});
  }

  using buffer = std::unique_ptr<T, detail::aligned_delete>;

  template <std::integral... I>
  std::int64_t offset([[maybe_unused]] const char* op, I... idx) const {
#if MIXPREC_TENSOR_CHECKED_ACCESS
    return detail::checked_flat_index(op, shape_, idx...);
#else
    return detail::flat_index(shape_, idx...);
#endif
  }

  buffer data_{nullptr, detail::aligned_delete{std::align_val_t{alignment}}};
  mixprec::shape shape_;
};

// Free functions ------------------------------------------------------------------------------

/// `x` converted to U element by element (as x.to<U>()).
template <scalar_type U, detail::tensor_like X>
auto cast(const X& x) {
  return detail::as_const_view(x).template to<U>();
}

/// `x` converted to the stochastic type U with explicit randomness (as x.to<U>(seed, first)).
template <detail::stochastic_floating U, detail::tensor_like X>
auto cast(const X& x, std::uint64_t seed, std::uint64_t first_counter = 0) {
  return detail::as_const_view(x).template to<U>(seed, first_counter);
}

/// Same shape and every pair of elements equal as the element type compares (NaN != NaN,
/// -0 == +0). Tensors and views of the same element type compare in any combination; different
/// shapes compare unequal (no exception).
template <detail::tensor_like A, detail::tensor_like B>
requires std::is_same_v<detail::tensor_value_t<A>, detail::tensor_value_t<B>>
bool operator==(const A& a, const B& b) {
  const auto va = detail::as_const_view(a);
  const auto vb = detail::as_const_view(b);
  if (!(va.shape() == vb.shape())) return false;
  return std::equal(va.begin(), va.end(), vb.begin());
}

/// Same shape and every pair of elements with the same bits (so NaN codes match themselves and
/// -0 differs from +0).
template <detail::tensor_like A, detail::tensor_like B>
requires std::is_same_v<detail::tensor_value_t<A>, detail::tensor_value_t<B>>
bool identical(const A& a, const B& b) {
  const auto va = detail::as_const_view(a);
  const auto vb = detail::as_const_view(b);
  if (!(va.shape() == vb.shape())) return false;
  if (va.empty()) return true;
  using T = detail::tensor_value_t<A>;
  return std::memcmp(va.data(), vb.data(), static_cast<std::size_t>(va.size()) * sizeof(T)) == 0;
}

}  // namespace mixprec
