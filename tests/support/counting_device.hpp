#pragma once
// counting_device: a test-only mixprec::device. Its memory comes from the host heap, but it
// declares itself not host_accessible, so a tensor on it has only the device-neutral members;
// the tests may still peek at that memory through data() to check bits independently of the
// tensor's own copies. counting_host_device is the same with host_accessible = true.
//
// A device value is an ordinal and a pointer to a device_log, shared by the copies of the value.
// The log counts allocations, frees, bytes, zeroings and copies by direction; it checks that each
// deallocate matches an allocate (pointer, bytes, alignment) and that every pointer named as this
// device's memory lies in a live allocation of this log and every pointer named as host memory
// does not; and it can be told to fail the n-th allocation or copy from now (throwing
// mixprec::error), so that the tests can check that a failed constructor frees what it took.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <mixprec/error.hpp>
#include <mixprec/tensor/device.hpp>
#include <new>
#include <utility>

namespace mixprec_test {

/// What the device values that share it did.
struct device_log {
  int allocations = 0;
  int deallocations = 0;
  std::size_t bytes_allocated = 0;
  std::size_t bytes_freed = 0;
  int zeroings = 0;
  int copies = 0;      // within the device
  int to_host = 0;     // device -> host
  int from_host = 0;   // host -> device
  int bad_frees = 0;   // deallocate of a pointer, size or alignment that allocate did not give
  int bad_memory = 0;  // a pointer on the wrong side (device vs host) or outside an allocation
  std::size_t last_alignment = 0;

  /// 0: never fail; n > 0: the n-th allocation (or copy / set_zero) from now throws.
  int fail_allocation_in = 0;
  int fail_copy_in = 0;

  /// Live allocations: address -> (bytes, alignment).
  std::map<std::uintptr_t, std::pair<std::size_t, std::size_t>> live;

  std::size_t live_bytes() const {
    std::size_t n = 0;
    for (const auto& [address, size] : live) n += size.first;
    return n;
  }

  /// Whether [p, p + bytes) lies inside one live allocation.
  bool owns(const void* p, std::size_t bytes) const {
    const auto address = reinterpret_cast<std::uintptr_t>(p);
    auto it = live.upper_bound(address);
    if (it == live.begin()) return false;
    --it;
    return address >= it->first && address + bytes <= it->first + it->second.first;
  }

  /// Counts down a failure counter; true when this call is the one to fail.
  static bool fail_now(int& countdown) {
    if (countdown == 0) return false;
    return --countdown == 0;
  }
};

template <bool HostAccessible>
class basic_counting_device {
 public:
  static constexpr bool host_accessible = HostAccessible;

  /// No default constructor: a tensor on this device always names its device value.
  basic_counting_device(int ordinal, device_log& log) noexcept : ordinal_(ordinal), log_(&log) {}

  int ordinal() const noexcept { return ordinal_; }
  device_log& log() const noexcept { return *log_; }

  void* allocate(std::size_t bytes, std::size_t alignment) const {
    if (device_log::fail_now(log_->fail_allocation_in)) {
      throw mixprec::error("counting_device: allocation failed (as told)");
    }
    void* p = ::operator new (bytes, std::align_val_t{alignment});
    try {
      log_->live.emplace(reinterpret_cast<std::uintptr_t>(p), std::pair{bytes, alignment});
    } catch (...) {
      ::operator delete (p, std::align_val_t{alignment});
      throw;
    }
    ++log_->allocations;
    log_->bytes_allocated += bytes;
    log_->last_alignment = alignment;
    return p;
  }

  void deallocate(void* p, std::size_t bytes, std::size_t alignment) const noexcept {
    const auto it = log_->live.find(reinterpret_cast<std::uintptr_t>(p));
    if (it == log_->live.end() || it->second != std::pair{bytes, alignment}) {
      ++log_->bad_frees;
    } else {
      log_->live.erase(it);
    }
    ++log_->deallocations;
    log_->bytes_freed += bytes;
    ::operator delete (p, std::align_val_t{alignment});
  }

  void set_zero(void* dst, std::size_t bytes) const {
    check_copy(dst, bytes, true);
    ++log_->zeroings;
    std::memset(dst, 0, bytes);
  }
  void copy(void* dst, const void* src, std::size_t bytes) const {
    check_copy(dst, bytes, true);
    check_memory(src, bytes, true);
    ++log_->copies;
    std::memcpy(dst, src, bytes);
  }
  void copy_to_host(void* dst, const void* src, std::size_t bytes) const {
    check_copy(dst, bytes, false);
    check_memory(src, bytes, true);
    ++log_->to_host;
    std::memcpy(dst, src, bytes);
  }
  void copy_from_host(void* dst, const void* src, std::size_t bytes) const {
    check_copy(dst, bytes, true);
    check_memory(src, bytes, false);
    ++log_->from_host;
    std::memcpy(dst, src, bytes);
  }

  friend bool operator==(const basic_counting_device&, const basic_counting_device&) = default;

 private:
  void check_memory(const void* p, std::size_t bytes, bool on_device) const {
    if (bytes == 0 || p == nullptr || log_->owns(p, bytes) != on_device) ++log_->bad_memory;
  }
  void check_copy(void* dst, std::size_t bytes, bool on_device) const {
    if (device_log::fail_now(log_->fail_copy_in)) {
      throw mixprec::error("counting_device: copy failed (as told)");
    }
    check_memory(dst, bytes, on_device);
  }

  int ordinal_;
  device_log* log_;
};

/// Host-heap memory that the tensor must treat as device memory.
using counting_device = basic_counting_device<false>;
/// The same, declared host-accessible: every tensor member is available.
using counting_host_device = basic_counting_device<true>;

static_assert(mixprec::device<counting_device> && !counting_device::host_accessible);
static_assert(mixprec::host_accessible_device<counting_host_device>);

}  // namespace mixprec_test
