#pragma once
/// \file tensor/tensor.hpp
/// `tensor<T, Device>`: a dense, row-major, owning array of rank 0 to 4 whose elements are float,
/// double or any floating<>, on a device; creation, views, conversion between element types,
/// comparison, and the explicit copies between devices (to_device, to_host).

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "mixprec/error.hpp"
#include "mixprec/format/arithmetic.hpp"
#include "mixprec/format/bulk.hpp"
#include "mixprec/format/stochastic.hpp"
#include "mixprec/format/traits.hpp"
#include "mixprec/tensor/device.hpp"
#include "mixprec/tensor/print.hpp"
#include "mixprec/tensor/random.hpp"
#include "mixprec/tensor/shape.hpp"
#include "mixprec/tensor/view.hpp"

namespace mixprec {

/// A dense, row-major, owning array of rank 0 to 4 on a device.
///
/// \tparam T      float, double or any floating<> (scalar_type)
/// \tparam Device where the elements live: a `mixprec::device` (tensor/device.hpp), cpu_device by
///                default. The tensor holds a Device value (an empty one, such as cpu_device,
///                adds nothing to its size) and allocates, frees and copies through it.
///
/// The elements sit in one buffer aligned to 64 bytes (`alignment`), so that vector kernels can
/// use aligned loads from data(). Copies are deep and stay on the source's device (the device's
/// copy()); copy assignment takes the source's device too, so no assignment moves elements
/// between devices. Moves take the buffer and the device value and leave the source empty
/// (shape [0], size 0, null data()) on its device. A tensor of another device type converts
/// only explicitly, with to_device(x, device) or to_host(x). Every operation that throws (shape
/// errors, bad arguments, a failed allocation or copy) leaves its operands as they were and frees
/// what it allocated.
///
/// Views (view(), rows(), row(), reshape() on an lvalue) alias the elements, carry the device,
/// and must not outlive the tensor; `tensor(view)` and `view.to_tensor()` make owning copies.
///
/// The members that read or write elements on the host (span, iterators, operator(), at, fill,
/// to<U>, full, from_values, normal, uniform; ==, identical, cast and printing) exist only when
/// Device is host-accessible. data() exists for every device: for device memory it is a pointer
/// for that device's kernels.
///
/// Comparison: `a == b` is true when the shapes are equal and every pair of elements compares
/// equal as T does (IEEE: NaN differs from everything, -0 == +0); `identical(a, b)` is true when
/// the shapes are equal and every pair of elements has the same bits.
template <scalar_type T, class Device>
class tensor {
  static_assert(mixprec::device<Device>,
                "tensor: Device must model mixprec::device (see tensor/device.hpp)");
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

  /// An empty tensor on Device{}: shape [0], size 0, null data().
  tensor() noexcept requires std::default_initializable<Device> : shape_(detail::empty_shape()),
                                                                  device_() {}

  /// A tensor of shape `s` on `device` whose elements are all T{} (+0: code 0 for floating
  /// types; the device's set_zero() where the host cannot write the memory).
  explicit tensor(const mixprec::shape& s, const Device& device)
      : tensor(s, device, detail::unchecked_t{}) {
    if constexpr (host_accessible_device<Device>) {
      std::uninitialized_value_construct_n(data_, static_cast<std::size_t>(size()));
    } else if (data_ != nullptr) {
      device_.set_zero(data_, bytes());
    }
  }
  /// As tensor(s, Device{}), where Device is default-constructible.
  explicit tensor(const mixprec::shape& s) requires std::default_initializable<Device>
      : tensor(s, Device{}) {}

  /// A deep copy of the elements of `v`, with its shape, on its device (the device's copy()).
  explicit tensor(const_view v) : tensor(v.shape(), v.device(), detail::unchecked_t{}) {
    if (data_ != nullptr) device_.copy(data_, v.data(), bytes());
  }

  /// A deep copy on the same device.
  tensor(const tensor& other) : tensor(other.view()) {}

  /// Takes the buffer and the device of `other`, which becomes empty (shape [0], null data()) on
  /// the same device.
  tensor(tensor&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        shape_(std::exchange(other.shape_, detail::empty_shape())),
        device_(other.device_) {}

  /// A deep copy on other's device; on failure (allocation, copy) this tensor is unchanged.
  tensor& operator=(const tensor& other) {
    if (this != &other) {
      tensor copy(other);
      swap(copy);
    }
    return *this;
  }

  /// Frees this tensor's buffer and takes the buffer and the device of `other`, which becomes
  /// empty (shape [0], null data()) on its device.
  tensor& operator=(tensor&& other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      shape_ = std::exchange(other.shape_, detail::empty_shape());
      device_ = other.device_;
    }
    return *this;
  }

  /// Frees the buffer through the device.
  ~tensor() { release(); }

  /// Exchanges the contents of two tensors, devices included.
  void swap(tensor& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(shape_, other.shape_);
    std::swap(device_, other.device_);
  }
  friend void swap(tensor& a, tensor& b) noexcept { a.swap(b); }

  // Creation ----------------------------------------------------------------------------------

  /// A tensor of shape `s` on `device` filled with +0.
  static tensor zeros(const mixprec::shape& s, const Device& device) { return tensor(s, device); }

  /// A tensor of shape `s` on `device` whose elements are indeterminate: write them before
  /// reading. For results that a kernel overwrites completely.
  static tensor uninitialized(const mixprec::shape& s, const Device& device) {
    tensor t(s, device, detail::unchecked_t{});
    if constexpr (host_accessible_device<Device>) {
      std::uninitialized_default_construct_n(t.data_, static_cast<std::size_t>(t.size()));
    }
    return t;
  }

  /// A tensor of shape `s` with every element `value` (host-accessible devices only).
  static tensor full(const mixprec::shape& s, T value,
                     const Device& device) requires host_accessible_device<Device> {
    tensor t = uninitialized(s, device);
    std::fill_n(t.data_, static_cast<std::size_t>(t.size()), value);
    return t;
  }
  /// A tensor of shape `s` with every element `value` rounded once into T (float, double or an
  /// integer; a stochastic T uses its stateless rounding, so every element is the same).
  template <detail::fill_value V>
  requires host_accessible_device<Device>
  static tensor full(const mixprec::shape& s, V value, const Device& device) {
    return full(s, detail::round_into<T>(value), device);
  }

  /// A tensor of shape `s` with the given values in row-major order, each rounded once into T.
  /// Throws mixprec::error when the number of values is not s.size(). Host-accessible devices
  /// only.
  static tensor from_values(const mixprec::shape& s, std::span<const double> values,
                            const Device& device) requires host_accessible_device<Device> {
    if (static_cast<std::int64_t>(values.size()) != s.size()) {
      detail::throw_error("from_values", std::to_string(values.size()) + " values for shape " +
                                             s.to_string() + " of " + std::to_string(s.size()) +
                                             " elements");
    }
    tensor t = uninitialized(s, device);
    mixprec::convert(values, t.span());
    return t;
  }
  /// As from_values(s, span): `tensor<half>::from_values({2, 2}, {1, 2.5, -3, 0.1})`.
  static tensor from_values(const mixprec::shape& s, std::initializer_list<double> values,
                            const Device& device) requires host_accessible_device<Device> {
    return from_values(s, std::span<const double>(values.begin(), values.size()), device);
  }

  /// Normal values: element i (row-major) is mean + stddev * z_i rounded once into T, where
  /// z_i is a standard normal draw (Box-Muller in double) from Philox with key `seed` and
  /// counter i (see tensor/random.hpp): reproducible, and independent of threads. Throws
  /// mixprec::error unless mean and stddev are finite and stddev >= 0. Host-accessible devices
  /// only.
  static tensor normal(const mixprec::shape& s, double mean, double stddev, std::uint64_t seed,
                       const Device& device) requires host_accessible_device<Device> {
    detail::check_normal_parameters(mean, stddev);
    tensor t = uninitialized(s, device);
    detail::generate(t.span(),
                     [&](std::uint64_t i) { return detail::normal_value(seed, i, mean, stddev); });
    return t;
  }

  /// Uniform values: element i is drawn in double from [lo, hi) with Philox (key `seed`,
  /// counter i), then rounded once into T (which may round it to hi). lo == hi gives lo.
  /// Throws mixprec::error unless lo and hi are finite and lo <= hi. Host-accessible devices
  /// only.
  static tensor uniform(const mixprec::shape& s, double lo, double hi, std::uint64_t seed,
                        const Device& device) requires host_accessible_device<Device> {
    detail::check_uniform_range(lo, hi);
    tensor t = uninitialized(s, device);
    detail::generate(t.span(),
                     [&](std::uint64_t i) { return detail::uniform_value(seed, i, lo, hi); });
    return t;
  }

  /// The creators above without a device argument use Device{}; they exist only where Device is
  /// default-constructible (as cpu_device is).
  static tensor zeros(const mixprec::shape& s) requires std::default_initializable<Device> {
    return zeros(s, Device{});
  }
  static tensor uninitialized(const mixprec::shape& s) requires std::default_initializable<Device> {
    return uninitialized(s, Device{});
  }
  static tensor full(const mixprec::shape& s, T value) requires
      host_accessible_device<Device> && std::default_initializable<Device> {
    return full(s, value, Device{});
  }
  template <detail::fill_value V>
  requires host_accessible_device<Device> && std::default_initializable<Device>
  static tensor full(const mixprec::shape& s, V value) { return full(s, value, Device{}); }
  static tensor from_values(const mixprec::shape& s, std::span<const double> values) requires
      host_accessible_device<Device> && std::default_initializable<Device> {
    return from_values(s, values, Device{});
  }
  static tensor from_values(const mixprec::shape& s, std::initializer_list<double> values) requires
      host_accessible_device<Device> && std::default_initializable<Device> {
    return from_values(s, values, Device{});
  }
  static tensor normal(const mixprec::shape& s, double mean, double stddev,
                       std::uint64_t seed) requires
      host_accessible_device<Device> && std::default_initializable<Device> {
    return normal(s, mean, stddev, seed, Device{});
  }
  static tensor uniform(const mixprec::shape& s, double lo, double hi, std::uint64_t seed) requires
      host_accessible_device<Device> && std::default_initializable<Device> {
    return uniform(s, lo, hi, seed, Device{});
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
  /// The device that holds the elements.
  const Device& device() const noexcept { return device_; }
  /// The first element, aligned to 64 bytes; null when the tensor has no elements. A pointer
  /// into the device's memory (for a device that is not host-accessible, for its kernels).
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }

  /// The elements in row-major order (host-accessible devices only).
  std::span<T> span() noexcept requires host_accessible_device<Device> {
    return std::span<T>(data_, static_cast<std::size_t>(size()));
  }
  std::span<const T> span() const noexcept requires host_accessible_device<Device> {
    return std::span<const T>(data_, static_cast<std::size_t>(size()));
  }
  /// Iterators over the elements in row-major order (host-accessible devices only).
  T* begin() noexcept requires host_accessible_device<Device> { return data_; }
  T* end() noexcept requires host_accessible_device<Device> { return data_ + size(); }
  const T* begin() const noexcept requires host_accessible_device<Device> { return data_; }
  const T* end() const noexcept requires host_accessible_device<Device> { return data_ + size(); }

  /// The element at (i, j, ...), one index per axis (none for a scalar). Checked as at() when
  /// MIXPREC_TENSOR_CHECKED_ACCESS is 1 (the default unless NDEBUG), unchecked otherwise.
  /// Host-accessible devices only.
  template <std::integral... I>
  requires host_accessible_device<Device> T& operator()(I... idx) {
    return data_[offset("operator()", idx...)];
  }
  template <std::integral... I>
  requires host_accessible_device<Device>
  const T& operator()(I... idx) const { return data_[offset("operator()", idx...)]; }

  /// The element at (i, j, ...); throws mixprec::error naming the indices and the shape when
  /// their number or a value is out of range. Host-accessible devices only.
  template <std::integral... I>
  requires host_accessible_device<Device> T& at(I... idx) {
    return data_[detail::checked_flat_index("at", shape_, idx...)];
  }
  template <std::integral... I>
  requires host_accessible_device<Device>
  const T& at(I... idx) const { return data_[detail::checked_flat_index("at", shape_, idx...)]; }

  /// Sets every element to `value` (host-accessible devices only).
  void fill(T value) noexcept requires host_accessible_device<Device> {
    std::fill(begin(), end(), value);
  }
  /// Sets every element to `value` rounded once into T (host-accessible devices only).
  template <detail::fill_value V>
  requires host_accessible_device<Device>
  void fill(V value) noexcept { fill(detail::round_into<T>(value)); }

  // Views -------------------------------------------------------------------------------------

  /// A view of all elements (read-write, or read-only for a const tensor), on the same device.
  view_type view() noexcept { return view_type(data_, shape_, device_, detail::unchecked_t{}); }
  const_view view() const noexcept {
    return const_view(data_, shape_, device_, detail::unchecked_t{});
  }
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
  /// behaviour (mixprec::convert; a stochastic U uses its stateless rounding). The result is on
  /// the same device. Host-accessible devices only.
  template <scalar_type U>
  requires host_accessible_device<Device> tensor<U, Device> to()
  const { return view().template to<U>(); }

  /// Stochastic rounding into U: element i (row-major) uses the random bits of
  /// (seed, first_counter + i), as `stochastic_round<U>(x, seed, first_counter + i)`.
  /// Host-accessible devices only.
  template <detail::stochastic_floating U>
  requires host_accessible_device<Device> tensor<U, Device> to(std::uint64_t seed,
                                                               std::uint64_t first_counter = 0)
  const { return view().template to<U>(seed, first_counter); }

 private:
  /// Shape `s` on `device` and an allocated buffer whose elements are not yet alive.
  tensor(const mixprec::shape& s, const Device& device, detail::unchecked_t)
      : shape_(s), device_(device) {
    const std::int64_t n = s.size();
    if (n == 0) return;
    if (static_cast<std::uint64_t>(n) > static_cast<std::uint64_t>(PTRDIFF_MAX) / sizeof(T)) {
      detail::throw_error("tensor", "shape " + s.to_string() + " needs more memory than exists");
    }
    void* p = device_.allocate(bytes(), alignment);
    if (p == nullptr) {
      detail::throw_error("tensor", "the device returned no memory for shape " + s.to_string());
    }
    data_ = static_cast<T*>(p);
  }

  /// The size of the buffer in bytes (reshape keeps the element count, so also after one).
  std::size_t bytes() const noexcept { return static_cast<std::size_t>(size()) * sizeof(T); }

  /// Frees the buffer, if any, through the device.
  void release() noexcept {
    if (data_ != nullptr) device_.deallocate(data_, bytes(), alignment);
    data_ = nullptr;
  }

  template <std::integral... I>
  std::int64_t offset([[maybe_unused]] const char* op, I... idx) const {
#if MIXPREC_TENSOR_CHECKED_ACCESS
    return detail::checked_flat_index(op, shape_, idx...);
#else
    return detail::flat_index(shape_, idx...);
#endif
  }

  T* data_ = nullptr;
  mixprec::shape shape_;
  [[no_unique_address]] Device device_;
};

static_assert(sizeof(tensor<float>) == sizeof(float*) + sizeof(shape),
              "an empty device must not grow the tensor");
static_assert(sizeof(tensor_view<const float>) == sizeof(float*) + sizeof(shape),
              "an empty device must not grow the view");

// Copies between devices ----------------------------------------------------------------------

namespace detail {

/// Copies `bytes` (> 0) from `src` in the memory of `from` to `dst` in the memory of `to`, with
/// the cheapest call of the device seam: within one device value its copy(); from a
/// host-accessible source the destination's copy_from_host(); to a host-accessible destination
/// the source's copy_to_host(); between two other devices through a host buffer.
template <device From, device To>
void copy_between(const From& from, const void* src, const To& to, void* dst, std::size_t bytes) {
  if constexpr (std::is_same_v<From, To>) {
    if (from == to) {
      to.copy(dst, src, bytes);
      return;
    }
  }
  if constexpr (From::host_accessible) {
    to.copy_from_host(dst, src, bytes);
  } else if constexpr (To::host_accessible) {
    from.copy_to_host(dst, src, bytes);
  } else {
    const cpu_device host;
    void* staging = host.allocate(bytes, 64);
    try {
      from.copy_to_host(staging, src, bytes);
      to.copy_from_host(dst, staging, bytes);
    } catch (...) {
      host.deallocate(staging, bytes, 64);
      throw;
    }
    host.deallocate(staging, bytes, 64);
  }
}

}  // namespace detail

/// A new tensor on `device` holding a copy of the elements of `x` (a tensor or view on any
/// device), bit for bit, with x's shape. This is the only way elements cross devices; it goes
/// through the device seam (detail::copy_between: the devices' copy, copy_to_host or
/// copy_from_host). Throws what the devices throw; x is unchanged and nothing leaks.
template <detail::tensor_like X, device D>
tensor<detail::tensor_value_t<X>, D> to_device(const X& x, const D& device) {
  using T = detail::tensor_value_t<X>;
  const auto v = detail::as_const_view(x);
  auto out = tensor<T, D>::uninitialized(v.shape(), device);
  if (!v.empty()) {
    detail::copy_between(v.device(), v.data(), out.device(), out.data(),
                         static_cast<std::size_t>(v.size()) * sizeof(T));
  }
  return out;
}

/// A copy of the elements of `x` in host memory: to_device(x, cpu_device{}).
template <detail::tensor_like X>
tensor<detail::tensor_value_t<X>> to_host(const X& x) {
  return to_device(x, cpu_device{});
}

// Free functions ------------------------------------------------------------------------------

/// `x` converted to U element by element (as x.to<U>()); host-accessible devices only.
template <scalar_type U, detail::host_tensor_like X>
auto cast(const X& x) {
  return detail::as_const_view(x).template to<U>();
}

/// `x` converted to the stochastic type U with explicit randomness (as x.to<U>(seed, first));
/// host-accessible devices only.
template <detail::stochastic_floating U, detail::host_tensor_like X>
auto cast(const X& x, std::uint64_t seed, std::uint64_t first_counter = 0) {
  return detail::as_const_view(x).template to<U>(seed, first_counter);
}

/// Same shape and every pair of elements equal as the element type compares (NaN != NaN,
/// -0 == +0). Tensors and views of the same element type on host-accessible devices compare in
/// any combination; different shapes compare unequal (no exception).
template <detail::host_tensor_like A, detail::host_tensor_like B>
requires std::is_same_v<detail::tensor_value_t<A>, detail::tensor_value_t<B>>
bool operator==(const A& a, const B& b) {
  const auto va = detail::as_const_view(a);
  const auto vb = detail::as_const_view(b);
  if (!(va.shape() == vb.shape())) return false;
  return std::equal(va.begin(), va.end(), vb.begin());
}

/// Same shape and every pair of elements with the same bits (so NaN codes match themselves and
/// -0 differs from +0); host-accessible devices only.
template <detail::host_tensor_like A, detail::host_tensor_like B>
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
