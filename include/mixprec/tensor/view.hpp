#pragma once
/// \file tensor/view.hpp
/// `tensor_view<T, Device>`: a non-owning window (pointer, shape and device) onto dense row-major
/// elements, as a tensor's view() and rows() return it.

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <string>
#include <type_traits>

#include "mixprec/error.hpp"
#include "mixprec/format/bulk.hpp"
#include "mixprec/format/stochastic.hpp"
#include "mixprec/format/traits.hpp"
#include "mixprec/tensor/device.hpp"
#include "mixprec/tensor/shape.hpp"

/// 1 makes `tensor(i, j)` and `view(i, j)` check their indices as `at()` does (throwing
/// mixprec::error); 0 leaves them unchecked. By default they check unless NDEBUG is defined.
/// Define it before including mixprec to choose (the same way in every translation unit).
#ifndef MIXPREC_TENSOR_CHECKED_ACCESS
#ifdef NDEBUG
#define MIXPREC_TENSOR_CHECKED_ACCESS 0
#else
#define MIXPREC_TENSOR_CHECKED_ACCESS 1
#endif
#endif

namespace mixprec {

template <scalar_type T, class Device = cpu_device>
class tensor;

template <class T, class Device = cpu_device>
class tensor_view;

namespace detail {

/// Values that `full` and `fill` accept besides T itself: float, double and integers (not bool).
template <class V>
concept fill_value = std::same_as<V, float> || std::same_as<V, double> ||
    (std::integral<V> && !std::same_as<V, bool>);

/// `x` rounded once into T with T's rounding (a stochastic T uses its stateless rounding).
template <scalar_type T, fill_value V>
constexpr T round_into(V x) noexcept {
  if constexpr (is_floating_v<T>) {
    return T(x);
  } else {
    return static_cast<T>(x);
  }
}

/// Row-major offset of the indices; only the first sizeof...(I) extents are read.
template <std::integral... I>
constexpr std::int64_t flat_index(const shape& s, I... idx) noexcept {
  static_assert(sizeof...(I) <= static_cast<std::size_t>(shape::max_rank));
  if constexpr (sizeof...(I) == 0) {
    (void)s;
    return 0;
  } else {
    const std::array<std::int64_t, sizeof...(I)> index{static_cast<std::int64_t>(idx)...};
    const std::int64_t* extents = s.extents().data();
    std::int64_t offset = 0;
    for (std::size_t k = 0; k < index.size(); ++k) offset = offset * extents[k] + index[k];
    return offset;
  }
}

/// flat_index, after checking that there is one index per axis and each is in range; throws
/// mixprec::error("<op>: index (1, 5) out of range for shape [2, 3]") otherwise.
template <std::integral... I>
std::int64_t checked_flat_index(const char* op, const shape& s, I... idx) {
  constexpr int n = static_cast<int>(sizeof...(I));
  const std::array<std::int64_t, sizeof...(I)> index{static_cast<std::int64_t>(idx)...};
  if (n != s.rank()) {
    throw_error(op, std::to_string(n) + (n == 1 ? " index" : " indices") + " for shape " +
                        s.to_string() + " of rank " + std::to_string(s.rank()));
  }
  for (int k = 0; k < n; ++k) {
    if (index[static_cast<std::size_t>(k)] < 0 || index[static_cast<std::size_t>(k)] >= s[k]) {
      std::string text = "(";
      for (int j = 0; j < n; ++j) {
        if (j != 0) text += ", ";
        text += std::to_string(index[static_cast<std::size_t>(j)]);
      }
      throw_error(op, "index " + text + ") out of range for shape " + s.to_string());
    }
  }
  return flat_index(s, idx...);
}

/// Tag of the constructors that skip their checks (the caller has made them).
struct unchecked_t {};

/// The shape [0] of an empty tensor or view (default-constructed or moved from).
inline const shape& empty_shape() noexcept {
  static const shape s{0};
  return s;
}

/// Checks the half-open range [begin, end) of axis 0 for rows(); returns the shape of the slice.
inline shape rows_shape(const char* op, const shape& s, std::int64_t begin, std::int64_t end) {
  if (s.rank() == 0) throw_error(op, "a scalar (shape []) has no rows");
  if (begin < 0 || end < begin || end > s[0]) {
    throw_error(op, "range [" + std::to_string(begin) + ", " + std::to_string(end) +
                        ") out of range for shape " + s.to_string());
  }
  std::array<std::int64_t, shape::max_rank> extents{};
  for (int axis = 0; axis < s.rank(); ++axis) extents[static_cast<std::size_t>(axis)] = s[axis];
  extents[0] = end - begin;
  return shape(std::span<const std::int64_t>(extents.data(), static_cast<std::size_t>(s.rank())));
}

/// Checks the index of row(); returns the shape of one row (the shape without its first axis).
inline shape row_shape(const char* op, const shape& s, std::int64_t i) {
  if (s.rank() == 0) throw_error(op, "a scalar (shape []) has no rows");
  if (i < 0 || i >= s[0]) {
    throw_error(op, "row " + std::to_string(i) + " out of range for shape " + s.to_string());
  }
  const auto extents = s.extents();
  return shape(extents.subspan(1));
}

/// Checks that `to` has as many elements as `from` for reshape().
inline void check_reshape(const char* op, const shape& from, const shape& to) {
  if (from.size() != to.size()) {
    throw_error(op, "cannot reshape " + from.to_string() + " (" + std::to_string(from.size()) +
                        " elements) into " + to.to_string() + " (" + std::to_string(to.size()) +
                        " elements)");
  }
}

}  // namespace detail

/// A non-owning view of dense row-major elements: a pointer, a shape and the device that holds
/// the elements. `tensor_view<T>` reads and writes, `tensor_view<const T>` only reads; the first
/// converts implicitly to the second. Copying a view copies the pointer, never the elements; the
/// viewed memory must outlive it. As with std::span, constness is in T: a const tensor_view<T>
/// still writes its elements.
///
/// Element access, slicing and reshaping work as on `tensor` (see there); the results are views
/// of the same memory on the same device. A default-constructed view is empty, with shape [0] and
/// a null data(). The members that touch elements on the host (span, iterators, operator(), at,
/// fill, to<U>) exist only for a host-accessible device; for another device data() is a pointer
/// into its memory, and slicing only offsets it.
template <class T, class Device>
class tensor_view {
  static_assert(scalar_type<std::remove_const_t<T>>,
                "tensor_view: the element type must be float, double or a floating<>");
  static_assert(mixprec::device<Device>,
                "tensor_view: Device must model mixprec::device (see tensor/device.hpp)");

 public:
  using element_type = T;                     ///< T, const-qualified for read-only views
  using value_type = std::remove_const_t<T>;  ///< the element type without const
  using device_type = Device;                 ///< where the elements live
  using iterator = T*;                        ///< iterators are plain pointers
  using const_view = tensor_view<const value_type, Device>;  ///< the read-only view type

  /// An empty view on Device{}: shape [0], null data.
  tensor_view() noexcept requires std::default_initializable<Device>
      : shape_(detail::empty_shape()), device_() {}

  /// A view of the s.size() elements at `data` (row-major) in the memory of `device`. Throws
  /// mixprec::error when `data` is null and the shape has elements.
  tensor_view(T* data, const mixprec::shape& s, const Device& device)
      : data_(data), shape_(s), device_(device) {
    if (data == nullptr && s.size() != 0) {
      detail::throw_error("tensor_view", "null data for shape " + s.to_string());
    }
  }
  /// As tensor_view(data, s, Device{}), where Device is default-constructible.
  tensor_view(T* data, const mixprec::shape& s) requires std::default_initializable<Device>
      : tensor_view(data, s, Device{}) {}

  /// A read-only view of the same elements.
  /// (A template, so that a view of const elements declares no conversion to its own type.)
  template <class U = T>
  requires(!std::is_const_v<U>) operator tensor_view<const U, Device>() const noexcept {
    return const_view(data_, shape_, device_, detail::unchecked_t{});
  }

  /// The extents.
  const mixprec::shape& shape() const noexcept { return shape_; }
  /// The number of axes, 0 to 4.
  int rank() const noexcept { return shape_.rank(); }
  /// The number of elements.
  std::int64_t size() const noexcept { return shape_.size(); }
  /// Whether there are no elements.
  bool empty() const noexcept { return size() == 0; }
  /// The first element (null for a default-constructed view); a pointer into the device's
  /// memory.
  T* data() const noexcept { return data_; }
  /// The device that holds the elements.
  const Device& device() const noexcept { return device_; }

  /// The elements in row-major order (host-accessible devices only).
  std::span<T> span() const noexcept requires host_accessible_device<Device> {
    return std::span<T>(data_, static_cast<std::size_t>(size()));
  }
  /// Iterators over the elements in row-major order (host-accessible devices only).
  T* begin() const noexcept requires host_accessible_device<Device> { return data_; }
  T* end() const noexcept requires host_accessible_device<Device> { return data_ + size(); }

  /// The element at (i, j, ...), one index per axis (none for a scalar). Checked as at() when
  /// MIXPREC_TENSOR_CHECKED_ACCESS is 1, unchecked otherwise. Host-accessible devices only.
  template <std::integral... I>
  requires host_accessible_device<Device> T& operator()(I... idx) const {
#if MIXPREC_TENSOR_CHECKED_ACCESS
    return data_[detail::checked_flat_index("operator()", shape_, idx...)];
#else
    return data_[detail::flat_index(shape_, idx...)];
#endif
  }

  /// The element at (i, j, ...), one index per axis; throws mixprec::error naming the indices
  /// and the shape when their number or a value is out of range. Host-accessible devices only.
  template <std::integral... I>
  requires host_accessible_device<Device> T& at(I... idx) const {
    return data_[detail::checked_flat_index("at", shape_, idx...)];
  }

  /// Rows [begin, end) along axis 0, as a view of shape [end - begin, ...]. Throws
  /// mixprec::error naming the range and the shape when it is out of range (or the view is a
  /// scalar).
  tensor_view rows(std::int64_t begin, std::int64_t end) const {
    mixprec::shape s = detail::rows_shape("rows", shape_, begin, end);
    return tensor_view(data_ + begin * row_stride(), s, device_, detail::unchecked_t{});
  }

  /// Row i along axis 0, as a view with the first axis dropped (a scalar view for rank 1).
  tensor_view row(std::int64_t i) const {
    mixprec::shape s = detail::row_shape("row", shape_, i);
    return tensor_view(data_ + i * row_stride(), s, device_, detail::unchecked_t{});
  }

  /// The same elements seen with shape `s`; throws mixprec::error naming both shapes when the
  /// element counts differ.
  tensor_view reshape(const mixprec::shape& s) const {
    detail::check_reshape("reshape", shape_, s);
    return tensor_view(data_, s, device_, detail::unchecked_t{});
  }

  /// Sets every element to `value` (host-accessible devices only).
  void fill(value_type value) const
      requires(!std::is_const_v<T> && host_accessible_device<Device>) {
    for (T& x : *this) x = value;
  }
  /// Sets every element to `value` rounded once into the element type.
  template <detail::fill_value V>
  requires(!std::is_const_v<T> && host_accessible_device<Device>) void fill(V value) const {
    fill(detail::round_into<value_type>(value));
  }

  /// A tensor on the same device owning a copy of the elements (the device's copy()).
  tensor<value_type, Device> to_tensor() const {
    return tensor<value_type, Device>(const_view(*this));
  }

  /// The elements converted to U, each rounded once with U's rounding, overflow and subnormal
  /// behaviour (mixprec::convert; a stochastic U uses its stateless rounding). The result is on
  /// the same device. Host-accessible devices only.
  template <scalar_type U>
  requires host_accessible_device<Device> tensor<U, Device> to()
  const {
    auto out = tensor<U, Device>::uninitialized(shape_, device_);
    mixprec::convert(std::span<const value_type>(data_, static_cast<std::size_t>(size())),
                     out.span());
    return out;
  }

  /// Stochastic rounding into U: element i (row-major) uses the random bits of
  /// (seed, first_counter + i), as `stochastic_round<U>(x, seed, first_counter + i)`.
  /// Host-accessible devices only.
  template <detail::stochastic_floating U>
  requires host_accessible_device<Device> tensor<U, Device> to(std::uint64_t seed,
                                                               std::uint64_t first_counter = 0)
  const {
    auto out = tensor<U, Device>::uninitialized(shape_, device_);
    mixprec::convert(std::span<const value_type>(data_, static_cast<std::size_t>(size())),
                     out.span(), seed, first_counter);
    return out;
  }

 private:
  template <class, class>
  friend class tensor_view;
  template <scalar_type, class>
  friend class tensor;

  tensor_view(T* data, const mixprec::shape& s, const Device& device, detail::unchecked_t) noexcept
      : data_(data), shape_(s), device_(device) {}

  std::int64_t row_stride() const noexcept {
    std::int64_t n = 1;
    for (int axis = 1; axis < shape_.rank(); ++axis) n *= shape_.extents()[axis];
    return n;
  }

  T* data_ = nullptr;
  mixprec::shape shape_;
  [[no_unique_address]] Device device_;
};

namespace detail {

template <class X>
struct is_tensor_or_view : std::false_type {};
template <class T, class Device>
struct is_tensor_or_view<tensor<T, Device>> : std::true_type {};
template <class T, class Device>
struct is_tensor_or_view<tensor_view<T, Device>> : std::true_type {};

/// A tensor or a tensor view (any constness of the elements).
template <class X>
concept tensor_like = is_tensor_or_view<std::remove_cvref_t<X>>::value;

/// The element type of a tensor or view, without const.
template <tensor_like X>
using tensor_value_t = typename std::remove_cvref_t<X>::value_type;

/// The device type of a tensor or view.
template <tensor_like X>
using tensor_device_t = typename std::remove_cvref_t<X>::device_type;

/// A tensor or view whose elements the host reads directly.
template <class X>
concept host_tensor_like = tensor_like<X> && host_accessible_device<tensor_device_t<X>>;

/// A read-only view of a tensor or view.
template <tensor_like X>
auto as_const_view(const X& x) noexcept {
  using R = std::remove_cvref_t<X>;
  return typename R::const_view(x);
}

}  // namespace detail

}  // namespace mixprec
