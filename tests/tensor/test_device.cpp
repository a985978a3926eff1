// Device-carrying tensors: the device concept, the device value a tensor and its views carry,
// allocation and copies through the device (counts that balance, also when a constructor
// throws), the members that exist only for host-accessible devices, and explicit copies between
// devices that keep every bit.
//
// References: tests/support/counting_device.hpp's log of what the device was asked to do
// (written independently of the tensor), and the raw bytes of the memory compared with
// std::memcmp against the host original (the counting device's memory is in fact on the host
// heap, so the test may read it; the tensor may not).

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <mixprec/format/aliases.hpp>
#include <mixprec/tensor/tensor.hpp>
#include <ostream>
#include <random>
#include <type_traits>
#include <utility>
#include <vector>

#include "counting_device.hpp"

// Two types that are not devices (declared only; outside the anonymous namespace so that their
// members need no definitions).
namespace not_devices {
struct no_copies {
  static constexpr bool host_accessible = true;
  void* allocate(std::size_t, std::size_t) const;
  void deallocate(void*, std::size_t, std::size_t) const noexcept;
  void set_zero(void*, std::size_t) const;
  friend bool operator==(no_copies, no_copies) = default;
};
struct throwing_free {
  static constexpr bool host_accessible = true;
  void* allocate(std::size_t, std::size_t) const;
  void deallocate(void*, std::size_t, std::size_t) const;  // not noexcept
  void set_zero(void*, std::size_t) const;
  void copy(void*, const void*, std::size_t) const;
  void copy_to_host(void*, const void*, std::size_t) const;
  void copy_from_host(void*, const void*, std::size_t) const;
  friend bool operator==(throwing_free, throwing_free) = default;
};
}  // namespace not_devices

namespace {

using mixprec::cpu_device;
using mixprec::shape;
using mixprec::tensor;
using mixprec::tensor_view;
using mixprec_test::counting_device;
using mixprec_test::counting_host_device;
using mixprec_test::device_log;

#define DEVICE_TEST_TYPES float, double, mixprec::half, mixprec::bfloat16, mixprec::float8_e4m3

// The members that touch elements on the host, one concept each, so that each is asserted
// present for host devices and absent for counting_device (a typo cannot pass both ways).
template <class X>
concept has_begin_end = requires(X& x) {
  x.begin();
  x.end();
};
template <class X>
concept has_call = requires(X& x) {
  x(0, 0);
};
template <class X>
concept has_at = requires(X& x) {
  x.at(0, 0);
};
template <class X>
concept has_fill = requires(X& x) {
  x.fill(typename X::value_type{});
  x.fill(1.5);
};
template <class X>
concept has_span = requires(X& x) {
  x.span();
};
template <class X>
concept has_to = requires(const X& x) {
  x.template to<double>();
  x.template to<mixprec::floating<mixprec::formats::bf16, mixprec::rounding::stochastic>>(1u);
};
template <class X>
concept has_cast = requires(const X& x) {
  mixprec::cast<double>(x);
};
template <class X>
concept has_equal = requires(const X& x) {
  x == x;
};
template <class X>
concept has_identical = requires(const X& x) {
  mixprec::identical(x, x);
};
template <class X>
concept has_print = requires(const X& x, std::ostream& os) {
  os << x;
  mixprec::to_string(x);
};
// The host creators of a tensor type X on device value d.
template <class X, class D>
concept has_host_creators = requires(const shape& s, const D& d) {
  X::full(s, 1.5, d);
  X::full(s, typename X::value_type{}, d);
  X::from_values(s, {1.0}, d);
  X::normal(s, 0.0, 1.0, 1u, d);
  X::uniform(s, 0.0, 1.0, 1u, d);
};
// The device-neutral members, for every device.
template <class X, class D>
concept has_device_members = requires(X& x, const shape& s, const D& d) {
  X(s, d);
  X::zeros(s, d);
  X::uninitialized(s, d);
  x.data();
  { x.device() } -> std::same_as<const D&>;
  x.view();
  x.rows(0, 1);
  x.row(0);
  x.reshape(s);
  mixprec::to_device(x, d);
  mixprec::to_host(x);
};
// The creators without a device argument.
template <class X>
concept has_default_device_creators = requires(const shape& s) {
  X::zeros(s);
  X::uninitialized(s);
  X(s);
  X();
};

template <class X>
concept host_members = has_begin_end<X> && has_call<X> && has_at<X> && has_span<X> && has_to<X> &&
    has_cast<X> && has_equal<X> && has_identical<X> && has_print<X>;
template <class X>
concept no_host_members =
    !has_begin_end<X> && !has_call<X> && !has_at<X> && !has_fill<X> && !has_span<X> && !has_to<X> &&
    !has_cast<X> && !has_equal<X> && !has_identical<X> && !has_print<X>;

using dtensor = tensor<float, counting_device>;
using htensor = tensor<float, counting_host_device>;

// The concept.
static_assert(mixprec::device<cpu_device> && mixprec::host_accessible_device<cpu_device>);
static_assert(mixprec::device<counting_device> &&
              !mixprec::host_accessible_device<counting_device>);
static_assert(!mixprec::device<int>);
static_assert(!mixprec::device<not_devices::no_copies>);
static_assert(!mixprec::device<not_devices::throwing_free>);

// No overhead for an empty device; a device with state is stored.
static_assert(sizeof(tensor<float>) == sizeof(float*) + sizeof(shape));
static_assert(sizeof(tensor_view<const double>) == sizeof(double*) + sizeof(shape));
static_assert(sizeof(dtensor) >= sizeof(float*) + sizeof(shape) + sizeof(counting_device));
static_assert(sizeof(tensor_view<float, counting_device>) >=
              sizeof(float*) + sizeof(shape) + sizeof(counting_device));

// Host-only members: present on the host, absent on a device the host cannot read.
static_assert(host_members<tensor<float>> && host_members<const tensor<float>>);
static_assert(host_members<tensor_view<float>> && host_members<tensor_view<const float>>);
static_assert(host_members<htensor> && host_members<tensor_view<float, counting_host_device>>);
static_assert(has_fill<tensor<float>> && has_fill<tensor_view<float>> && has_fill<htensor>);
static_assert(!has_fill<const tensor<float>> && !has_fill<tensor_view<const float>>);
static_assert(no_host_members<dtensor> && no_host_members<const dtensor>);
static_assert(no_host_members<tensor_view<float, counting_device>>);
static_assert(no_host_members<tensor_view<const float, counting_device>>);
static_assert(has_host_creators<tensor<float>, cpu_device>);
static_assert(has_host_creators<htensor, counting_host_device>);
static_assert(!has_host_creators<dtensor, counting_device>);
static_assert(has_device_members<tensor<float>, cpu_device>);
static_assert(has_device_members<dtensor, counting_device>);
static_assert(has_device_members<htensor, counting_host_device>);

// A device that cannot be default-constructed must be named.
static_assert(has_default_device_creators<tensor<float>>);
static_assert(!has_default_device_creators<dtensor>);
static_assert(!std::is_default_constructible_v<dtensor>);
static_assert(!std::is_default_constructible_v<tensor_view<float, counting_device>>);
static_assert(std::is_constructible_v<tensor_view<float>, float*, shape>);
static_assert(!std::is_constructible_v<tensor_view<float, counting_device>, float*, shape>);
static_assert(
    std::is_constructible_v<tensor_view<float, counting_device>, float*, shape, counting_device>);

// Elements cross devices only explicitly: no construction, conversion or assignment between
// tensors (or views) of different device types.
static_assert(!std::is_constructible_v<dtensor, const tensor<float>&>);
static_assert(!std::is_constructible_v<dtensor, tensor<float>&&>);
static_assert(!std::is_constructible_v<tensor<float>, const dtensor&>);
static_assert(!std::is_constructible_v<dtensor, const htensor&>);
static_assert(!std::is_assignable_v<dtensor&, const tensor<float>&>);
static_assert(!std::is_assignable_v<tensor<float>&, const dtensor&>);
static_assert(!std::is_assignable_v<tensor<float>&, dtensor&&>);
static_assert(!std::is_convertible_v<const dtensor&, tensor_view<const float>>);
static_assert(
    !std::is_convertible_v<const tensor<float>&, tensor_view<const float, counting_device>>);
static_assert(std::is_nothrow_move_constructible_v<dtensor> &&
              std::is_nothrow_move_assignable_v<dtensor>);

// The bits of a value (float and double through memcpy, floating<> through its code).
template <class T>
std::uint64_t bits_of(const T& x) {
  if constexpr (mixprec::is_floating_v<T>) {
    return x.bits();
  } else {
    std::uint64_t u = 0;
    std::memcpy(&u, &x, sizeof x);
    return u;
  }
}

// A host tensor of n elements: every code of a format of 16 bits or fewer (repeated), random
// codes for float and double, with signed zeros, infinities and NaNs of several payloads first.
template <class T>
tensor<T> all_codes(std::int64_t n) {
  auto t = tensor<T>::uninitialized({n});
  std::mt19937_64 rng(12345);
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint64_t code = 0;
    if constexpr (sizeof(T) <= 2) {
      code = static_cast<std::uint64_t>(i) & ((std::uint64_t{1} << (8 * sizeof(T))) - 1);
    } else if constexpr (sizeof(T) == 4) {
      constexpr std::uint32_t special[] = {0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u,
                                           0x7fc00000u, 0xffc00001u, 0x7f800001u, 0x00000001u};
      code = i < 8 ? special[i] : static_cast<std::uint32_t>(rng());
    } else {
      constexpr std::uint64_t special[] = {0,
                                           std::uint64_t{1} << 63,
                                           0x7ff0000000000000u,
                                           0xfff0000000000000u,
                                           0x7ff8000000000000u,
                                           0xfff8000000000001u,
                                           0x7ff0000000000001u,
                                           1};
      code = i < 8 ? special[i] : rng();
    }
    if constexpr (mixprec::is_floating_v<T>) {
      t.data()[i] = T::from_bits(static_cast<typename T::storage>(code));
    } else if constexpr (sizeof(T) == 4) {
      const auto code32 = static_cast<std::uint32_t>(code);
      std::memcpy(t.data() + i, &code32, sizeof(T));
    } else {
      std::memcpy(t.data() + i, &code, sizeof(T));
    }
  }
  return t;
}

// Whether the n elements at a and b have the same bytes.
template <class T>
bool same_bytes(const T* a, const T* b, std::int64_t n) {
  return std::memcmp(a, b, static_cast<std::size_t>(n) * sizeof(T)) == 0;
}

bool balanced(const device_log& log) {
  return log.allocations == log.deallocations && log.bytes_allocated == log.bytes_freed &&
         log.live.empty() && log.bad_frees == 0 && log.bad_memory == 0;
}

TEST_SUITE("tensor/device") {
  TEST_CASE("cpu tensors carry the empty cpu_device") {
    tensor<float> t({2, 3});
    static_assert(std::is_same_v<decltype(t.device()), const cpu_device&>);
    CHECK(t.device() == cpu_device{});
    CHECK(t.view().device() == cpu_device{});
    const auto h = mixprec::to_device(t, cpu_device{});
    CHECK(h.data() != t.data());
    CHECK(h.shape() == t.shape());
    CHECK(same_bytes(h.data(), t.data(), t.size()));
  }

  TEST_CASE("the tensor stores the device value and views, reshapes, copies and moves keep it") {
    device_log log;
    const counting_device dev(3, log);
    dtensor t = dtensor::zeros({4, 3}, dev);
    CHECK(t.device() == dev);
    CHECK(t.device().ordinal() == 3);
    CHECK(&t.device().log() == &log);

    // Views point into the same memory on the same device.
    const auto v = t.view();
    static_assert(std::is_same_v<decltype(v), const tensor_view<float, counting_device>>);
    CHECK(v.device() == dev);
    CHECK(v.data() == t.data());
    const tensor_view<const float, counting_device> cv = v;
    CHECK(cv.device() == dev);
    CHECK(std::as_const(t).view().device() == dev);
    CHECK(t.rows(1, 3).device() == dev);
    CHECK(t.rows(1, 3).data() == t.data() + 3);
    CHECK(t.rows(1, 3).shape() == shape{2, 3});
    CHECK(t.row(2).device() == dev);
    CHECK(t.row(2).data() == t.data() + 6);
    CHECK(t.reshape({2, 6}).device() == dev);
    CHECK(t.reshape({2, 6}).data() == t.data());
    CHECK(v.rows(1, 2).row(0).reshape({3, 1}).device() == dev);
    const tensor_view<float, counting_device> hand_made(t.data(), {12}, dev);
    CHECK(hand_made.device() == dev);
    CHECK(log.allocations == 1);  // no view allocated

    // Copies stay on the source's device; moves take the buffer and the device.
    const dtensor copy(t);
    CHECK(copy.device() == dev);
    CHECK(copy.data() != t.data());
    const dtensor from_view = t.rows(0, 2).to_tensor();
    CHECK(from_view.device() == dev);
    CHECK(from_view.shape() == shape{2, 3});

    float* const buffer = t.data();
    dtensor moved(std::move(t));
    CHECK(moved.device() == dev);
    CHECK(moved.data() == buffer);
    CHECK(t.data() == nullptr);  // NOLINT(bugprone-use-after-move): the documented state
    CHECK(t.shape() == shape{0});
    CHECK(t.device() == dev);  // empty, on its device

    device_log other_log;
    const counting_device other(7, other_log);
    dtensor u = dtensor::uninitialized({5}, other);
    u = std::move(moved);
    CHECK(u.device() == dev);
    CHECK(u.data() == buffer);
    CHECK(other_log.deallocations == 1);  // u's old buffer went back to its own device

    dtensor r = std::move(u).reshape({3, 4});
    CHECK(r.device() == dev);
    CHECK(r.data() == buffer);
    CHECK(r.shape() == shape{3, 4});

    dtensor w = dtensor::zeros({2}, other);
    swap(r, w);
    CHECK(r.device() == other);
    CHECK(w.device() == dev);
    CHECK(w.data() == buffer);
  }

  TEST_CASE("allocations, zeroing and copies go through the device and balance") {
    device_log log;
    {
      const counting_device dev(1, log);
      const dtensor a({2, 5}, dev);
      CHECK(log.allocations == 1);
      CHECK(log.bytes_allocated == 10 * sizeof(float));
      CHECK(log.last_alignment == 64);
      CHECK(reinterpret_cast<std::uintptr_t>(a.data()) % 64 == 0);
      CHECK(log.zeroings == 1);
      const std::vector<float> zeros(10, 0.0f);
      CHECK(same_bytes(a.data(), zeros.data(), 10));  // +0 codes in the device memory

      const auto u = tensor<double, counting_device>::uninitialized({3}, dev);
      CHECK(log.allocations == 2);
      CHECK(log.bytes_allocated == 10 * sizeof(float) + 3 * sizeof(double));
      CHECK(log.zeroings == 1);  // uninitialized does not write

      const dtensor empty = dtensor::zeros({0, 4}, dev);
      CHECK(empty.data() == nullptr);
      CHECK(log.allocations == 2);  // nothing to allocate
      CHECK(log.zeroings == 1);

      dtensor b(a);  // within the device: its copy(), never the host
      CHECK(log.allocations == 3);
      CHECK(log.copies == 1);
      CHECK(log.to_host + log.from_host == 0);
      CHECK(same_bytes(b.data(), a.data(), 10));

      dtensor c = dtensor::zeros({4}, dev);
      c = a;  // a new buffer, the old one freed
      CHECK(log.allocations == 5);
      CHECK(log.deallocations == 1);
      CHECK(log.copies == 2);
      c = std::move(b);  // free: no allocation, no copy
      CHECK(log.allocations == 5);
      CHECK(log.deallocations == 2);
      CHECK(log.copies == 2);
      CHECK(log.live_bytes() == 2 * 10 * sizeof(float) + 3 * sizeof(double));
    }
    CHECK(log.allocations == 5);
    CHECK(balanced(log));
  }

  TEST_CASE("a constructor that throws frees what it allocated") {
    device_log log;
    const counting_device dev(0, log);
    const dtensor a = dtensor::zeros({8}, dev);
    const float* const a_data = a.data();

    log.fail_allocation_in = 1;
    CHECK_THROWS_AS(dtensor({3, 3}, dev), mixprec::error);
    CHECK_NOTHROW(dtensor::uninitialized({3}, dev));  // only the one told to fail
    log.fail_allocation_in = 1;
    CHECK_THROWS_AS(static_cast<void>(dtensor(a)), mixprec::error);
    CHECK(log.live.size() == 1);

    log.fail_copy_in = 1;  // set_zero fails after the allocation
    CHECK_THROWS_AS(dtensor::zeros({5}, dev), mixprec::error);
    CHECK(log.live.size() == 1);
    log.fail_copy_in = 1;  // the copy fails after the allocation
    CHECK_THROWS_AS(static_cast<void>(dtensor(a)), mixprec::error);
    CHECK(log.live.size() == 1);
    log.fail_copy_in = 1;
    CHECK_THROWS_AS(a.view().to_tensor(), mixprec::error);
    CHECK(log.live.size() == 1);

    // A failed copy assignment leaves the target as it was.
    dtensor b = dtensor::zeros({2}, dev);
    const float* const b_data = b.data();
    log.fail_copy_in = 1;
    CHECK_THROWS_AS(b = a, mixprec::error);
    CHECK(b.data() == b_data);
    CHECK(b.shape() == shape{2});
    CHECK(log.live.size() == 2);

    // Copies to and from the host.
    const auto host = tensor<float>::full({8}, 2.5f);
    log.fail_copy_in = 1;
    CHECK_THROWS_AS(mixprec::to_device(host, dev), mixprec::error);
    log.fail_copy_in = 1;
    CHECK_THROWS_AS(mixprec::to_host(a), mixprec::error);
    device_log other_log;
    const counting_device other(1, other_log);
    other_log.fail_copy_in = 1;  // staged through the host: the upload fails
    CHECK_THROWS_AS(mixprec::to_device(a, other), mixprec::error);
    CHECK(log.to_host == 1);  // the download happened
    CHECK(balanced(other_log));
    CHECK(log.live.size() == 2);
    CHECK(a.data() == a_data);

    b = dtensor::zeros({1}, dev);
    CHECK(log.live.size() == 2);
    log.fail_allocation_in = 0;
    log.fail_copy_in = 0;
  }

  TEST_CASE_TEMPLATE("host -> device -> host keeps every bit", T, DEVICE_TEST_TYPES) {
    constexpr std::int64_t n = sizeof(T) <= 2 ? (std::int64_t{1} << (8 * sizeof(T))) + 3 : 4099;
    const tensor<T> host = all_codes<T>(n);
    device_log log;
    const counting_device dev(2, log);
    {
      const auto d = mixprec::to_device(host, dev);
      static_assert(std::is_same_v<decltype(d), const tensor<T, counting_device>>);
      CHECK(d.device() == dev);
      CHECK(d.shape() == host.shape());
      CHECK(log.allocations == 1);
      CHECK(log.from_host == 1);
      CHECK(log.copies + log.to_host == 0);
      CHECK(same_bytes(d.data(), host.data(), n));  // the device memory, read by the test

      const tensor<T> back = mixprec::to_host(d);
      static_assert(std::is_same_v<decltype(back), const tensor<T>>);
      CHECK(log.to_host == 1);
      CHECK(back.shape() == host.shape());
      CHECK(back.data() != host.data());
      CHECK(same_bytes(back.data(), host.data(), n));
      CHECK(std::memcmp(&back(n - 1), &host(n - 1), sizeof(T)) == 0);

      // A view of the device tensor, and a view of the host tensor, copied across.
      const auto middle = mixprec::to_host(d.view().reshape({n}).rows(5, 9));
      CHECK(middle.shape() == shape{4});
      CHECK(bits_of(middle(0)) == bits_of(host(5)));
      CHECK(same_bytes(middle.data(), host.data() + 5, 4));
      const auto up = mixprec::to_device(host.rows(1, 3), dev);
      CHECK(same_bytes(up.data(), host.data() + 1, 2));

      // Within the device value: its copy(). To another device value: through the host.
      const auto same = mixprec::to_device(d, dev);
      CHECK(log.copies == 1);
      CHECK(same_bytes(same.data(), host.data(), n));
      device_log other_log;
      const counting_device other(5, other_log);
      const auto moved_over = mixprec::to_device(d, other);
      CHECK(moved_over.device() == other);
      CHECK(log.to_host == 3);
      CHECK(other_log.from_host == 1);
      CHECK(other_log.copies + other_log.to_host == 0);
      CHECK(same_bytes(moved_over.data(), host.data(), n));

      // From a host-accessible device straight up with copy_from_host, and back down.
      device_log host_log;
      const counting_host_device hdev(9, host_log);
      const auto h = mixprec::to_device(d, hdev);
      CHECK(log.to_host == 4);  // the source's copy_to_host into host-readable memory
      CHECK(host_log.from_host + host_log.copies == 0);
      CHECK(same_bytes(h.data(), host.data(), n));
      const auto d2 = mixprec::to_device(h, dev);
      CHECK(log.from_host == 3);
      CHECK(same_bytes(d2.data(), host.data(), n));
      CHECK(log.bad_memory + other_log.bad_memory + host_log.bad_memory == 0);
    }
    CHECK(balanced(log));
  }

  TEST_CASE("copies across device values are explicit; assignment takes the source's device") {
    device_log log_a;
    device_log log_b;
    const counting_device a(0, log_a);
    const counting_device b(1, log_b);
    CHECK(a != b);
    CHECK(a == counting_device(0, log_a));
    CHECK(counting_device(0, log_a) != counting_device(1, log_a));  // the ordinal counts

    const auto host = tensor<float>::from_values({3}, {1.0, -2.0, 0.5});
    dtensor x = mixprec::to_device(host, a);
    dtensor y = dtensor::zeros({3}, b);
    y = x;  // a copy on x's device, made by x's device: nothing crossed devices
    CHECK(y.device() == a);
    CHECK(log_a.copies == 1);
    CHECK(log_b.copies + log_b.from_host + log_b.to_host == 0);
    CHECK(log_b.deallocations == 1);
    CHECK(same_bytes(y.data(), host.data(), 3));

    // To b only through to_device.
    const dtensor z = mixprec::to_device(x, b);
    CHECK(z.device() == b);
    CHECK(log_a.to_host == 1);
    CHECK(log_b.from_host == 1);
    CHECK(same_bytes(z.data(), host.data(), 3));
  }

  TEST_CASE("a host-accessible device with state: every member, the device kept") {
    device_log log;
    const counting_host_device dev(4, log);
    const auto f = htensor::full({2, 2}, 1.5, dev);
    CHECK(f.device() == dev);
    CHECK(f(1, 1) == 1.5f);
    const auto v = htensor::from_values({3}, {1.0, 2.0, 3.0}, dev);
    CHECK(v.device() == dev);
    CHECK(v.at(2) == 3.0f);
    CHECK(htensor::normal({4}, 0.0, 1.0, 1, dev).device() == dev);
    CHECK(htensor::uniform({4}, 0.0, 1.0, 1, dev).device() == dev);
    const auto converted = f.to<mixprec::bfloat16>();
    static_assert(
        std::is_same_v<decltype(converted), const tensor<mixprec::bfloat16, counting_host_device>>);
    CHECK(converted.device() == dev);
    CHECK(static_cast<float>(converted(0, 1)) == 1.5f);
    CHECK(mixprec::to_string(v) == "tensor<fp32>[3]\n[1, 2, 3]");
    htensor z({2}, dev);
    z.fill(2);
    CHECK(z == htensor::full({2}, 2.0f, dev));
    CHECK(log.allocations == 7);
    CHECK(log.zeroings == 0);  // the host zeroes host-accessible memory itself
  }
}

}  // namespace
