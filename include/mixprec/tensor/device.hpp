#pragma once
/// \file tensor/device.hpp
/// The `device` concept: where a tensor's elements live, how their memory is allocated and how
/// bytes are copied in, out and within it; and `cpu_device`, the host heap.
///
/// A device is a small copyable value, held by every tensor and view (an empty one such as
/// cpu_device costs nothing: the tensor stores it `[[no_unique_address]]`). A CUDA device is a
/// value such as `cuda_device{ordinal, stream}`; two values compare equal when they name the same
/// memory (and order their work the same way), so that a copy between them needs no transfer.
///
/// What a device provides (D a device, `d` a `const D&`, p, dst void*, src const void*, n and a
/// std::size_t byte counts):
///
/// - `D::host_accessible`: a `static constexpr bool`, true when the host may read and write the
///   memory through plain pointers;
/// - `d.allocate(n, a)`: a `void*` to n > 0 bytes aligned to a (a power of two; tensors pass
///   64); throws on failure;
/// - `d.deallocate(p, n, a)`: frees what allocate(n, a) returned; `noexcept`;
/// - `d.set_zero(dst, n)`: writes n zero bytes at dst in this device's memory;
/// - `d.copy(dst, src, n)`: n bytes from src to dst, both in this device's memory, not
///   overlapping;
/// - `d.copy_to_host(dst, src, n)`: n bytes from src (this device's memory) to dst (host memory);
/// - `d.copy_from_host(dst, src, n)`: n bytes from src (host memory) to dst (this device's
///   memory);
/// - `d == e`: the same memory, so that a tensor copied from d to e needs no transfer.
///
/// The copies and set_zero are called with n > 0 only and may throw mixprec::error (a device
/// that fails reports it; deallocate never throws). When copy_to_host returns, the host may read
/// dst; when copy_from_host returns, the host may reuse src. A device with a queue of work (a
/// CUDA stream) may leave copy, set_zero and the device side of copy_from_host queued, as long as
/// later work through the same device value is ordered after them. Pointers into a device's
/// memory support pointer arithmetic in elements (views slice them), and a device value must be
/// copyable without throwing.

#include <concepts>
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>

namespace mixprec {

/// A device: allocation, deallocation, the byte copies of the table in tensor/device.hpp, equality
/// and the compile-time `host_accessible` flag.
template <class D>
concept device = std::copyable<D> && std::equality_comparable<D> &&
    std::is_nothrow_copy_constructible_v<D> && std::is_nothrow_copy_assignable_v<D> &&
    requires(const D& d, void* p, const void* cp, std::size_t n) {
  requires std::same_as<decltype(D::host_accessible), const bool>;
  typename std::bool_constant<D::host_accessible>;  // a constant expression
  { d.allocate(n, n) } -> std::same_as<void*>;
  { d.deallocate(p, n, n) }
  noexcept;
  d.set_zero(p, n);
  d.copy(p, cp, n);
  d.copy_to_host(p, cp, n);
  d.copy_from_host(p, cp, n);
};

/// A device whose memory the host reads and writes directly: the elements of its tensors may be
/// iterated, indexed, filled, printed and compared on the host.
template <class D>
concept host_accessible_device = device<D> && D::host_accessible;

/// The host heap: 64-byte aligned `operator new`, std::memcpy and std::memset. Empty, so a
/// tensor on it is as small as a pointer and a shape; every cpu_device value is equal.
struct cpu_device {
  /// The host reads and writes the memory directly.
  static constexpr bool host_accessible = true;

  /// `bytes` of host memory aligned to `alignment`; throws std::bad_alloc on failure.
  void* allocate(std::size_t bytes, std::size_t alignment) const {
    return ::operator new (bytes, std::align_val_t{alignment});
  }
  /// Frees what allocate(bytes, alignment) returned.
  void deallocate(void* p, std::size_t /*bytes*/, std::size_t alignment) const noexcept {
    ::operator delete (p, std::align_val_t{alignment});
  }
  /// Zero bytes.
  void set_zero(void* dst, std::size_t bytes) const noexcept { std::memset(dst, 0, bytes); }
  /// Copies bytes; all three directions are the same on the host.
  void copy(void* dst, const void* src, std::size_t bytes) const noexcept {
    std::memcpy(dst, src, bytes);
  }
  void copy_to_host(void* dst, const void* src, std::size_t bytes) const noexcept {
    std::memcpy(dst, src, bytes);
  }
  void copy_from_host(void* dst, const void* src, std::size_t bytes) const noexcept {
    std::memcpy(dst, src, bytes);
  }

  friend constexpr bool operator==(cpu_device, cpu_device) noexcept { return true; }
};

static_assert(host_accessible_device<cpu_device>);
static_assert(std::is_empty_v<cpu_device>);

}  // namespace mixprec
